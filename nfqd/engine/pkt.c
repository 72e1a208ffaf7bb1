/*
 * Packet parsing from raw bytes: link layer, VLAN tags, IPv4 (options,
 * fragments), IPv6 (extension-header chain), TCP.  Every length is checked
 * against what was captured and what the headers claim; anything that does
 * not add up is PKT_INVALID, never a read past the buffer.
 */
#include <string.h>

#include "engine/pkt.h"

#define ETH_IPV4	0x0800
#define ETH_IPV6	0x86dd
#define ETH_VLAN	0x8100
#define ETH_QINQ	0x88a8
#define ETH_QINQ_OLD	0x9100
#define MAX_VLANS	4

static inline uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/*
 * TCP header at l4, `cap` bytes captured of the `wire` bytes the IP header
 * says the segment has.
 */
static int
pkt_tcp(const uint8_t *l4, uint32_t cap, uint32_t wire, struct pkt *p)
{
	uint32_t	 doff;

	if (cap < 20 || wire < 20)
		return PKT_INVALID;
	doff = (uint32_t)(l4[12] >> 4) * 4;
	if (doff < 20 || doff > wire || doff > cap)
		return PKT_INVALID;
	p->sport = get16(l4);
	p->dport = get16(l4 + 2);
	p->seq = get32(l4 + 4);
	p->ack = get32(l4 + 8);
	p->flags = l4[13];
	p->payload = l4 + doff;
	p->payload_len = wire - doff;
	p->payload_caplen = cap - doff < p->payload_len ? cap - doff :
	    p->payload_len;
	return PKT_OK;
}

static int
pkt_ipv4(const uint8_t *h, uint32_t cap, uint32_t wire, struct pkt *p)
{
	uint32_t	 ihl, total, avail;

	if (cap < 20 || (h[0] >> 4) != 4)
		return PKT_INVALID;
	ihl = (uint32_t)(h[0] & 0x0f) * 4;
	total = get16(h + 2);
	if (ihl < 20 || ihl > cap || total < ihl || total > wire)
		return PKT_INVALID;
	p->ip_len = total;
	p->src.af = p->dst.af = 4;
	memcpy(p->src.b, h + 12, 4);
	memcpy(p->dst.b, h + 16, 4);
	if ((get16(h + 6) & 0x1fff) != 0)
		return PKT_FRAGMENT;
	if (h[9] != 6)
		return PKT_NOT_TCP;
	avail = cap < total ? cap : total;
	p->l3 = h;
	p->l3_caplen = avail;
	return pkt_tcp(h + ihl, avail - ihl, total - ihl, p);
}

static int
pkt_ipv6(const uint8_t *h, uint32_t cap, uint32_t wire, struct pkt *p)
{
	uint32_t	 total, avail, off = 40, len;
	uint8_t		 nh;

	if (cap < 40 || (h[0] >> 4) != 6)
		return PKT_INVALID;
	total = 40 + (uint32_t)get16(h + 4);
	if (total == 40 && h[6] != 59)	/* jumbograms are not supported */
		return PKT_INVALID;
	if (total > wire)
		return PKT_INVALID;
	p->ip_len = total;
	p->src.af = p->dst.af = 6;
	memcpy(p->src.b, h + 8, 16);
	memcpy(p->dst.b, h + 24, 16);
	avail = cap < total ? cap : total;
	nh = h[6];
	/*
	 * The chain is walked as far as it goes, like ip6tables does when it
	 * queues the packet as TCP: a cap on the count would let a longer
	 * chain pass undecided and unlogged.  Every header is at least 8
	 * bytes, so the walk ends within the captured bytes.
	 */
	for (;;) {
		switch (nh) {
		case 0:		/* hop-by-hop */
		case 43:	/* routing */
		case 60:	/* destination options */
		case 135:	/* mobility */
		case 139:	/* HIP */
		case 140:	/* shim6 */
		case 44:	/* fragment */
		case 51:	/* AH */
			break;
		case 6:
			p->l3 = h;
			p->l3_caplen = avail;
			return pkt_tcp(h + off, avail - off, total - off, p);
		default:
			return PKT_NOT_TCP;
		}
		if (off + 8 > avail)
			return PKT_INVALID;
		if (nh == 44) {
			len = 8;
			if ((get16(h + off + 2) & 0xfff8) != 0)
				return PKT_FRAGMENT;
		} else if (nh == 51)
			len = ((uint32_t)h[off + 1] + 2) * 4;
		else
			len = ((uint32_t)h[off + 1] + 1) * 8;
		if (off + len > avail)
			return PKT_INVALID;
		nh = h[off];
		off += len;
	}
}

/* Dispatch on an ethertype, after stripping VLAN tags. */
static int
pkt_ether(const uint8_t *d, uint32_t cap, uint32_t wire, uint16_t type,
    struct pkt *p)
{
	while (type == ETH_VLAN || type == ETH_QINQ || type == ETH_QINQ_OLD) {
		if (cap < 4 || wire < 4 || p->vlans == MAX_VLANS)
			return PKT_INVALID;
		p->vlans++;
		type = get16(d + 2);
		d += 4;
		cap -= 4;
		wire -= 4;
	}
	switch (type) {
	case ETH_IPV4:
		return pkt_ipv4(d, cap, wire, p);
	case ETH_IPV6:
		return pkt_ipv6(d, cap, wire, p);
	}
	return PKT_NOT_IP;
}

static int
pkt_ip(const uint8_t *d, uint32_t cap, uint32_t wire, struct pkt *p)
{
	if (cap < 1)
		return PKT_INVALID;
	switch (d[0] >> 4) {
	case 4:
		return pkt_ipv4(d, cap, wire, p);
	case 6:
		return pkt_ipv6(d, cap, wire, p);
	}
	return PKT_NOT_IP;
}

/*
 * Parse `cap` captured bytes of a `wire`-byte frame of link type `link`.
 * NFQUEUE hands over IP packets (LINK_RAW).
 */
int
pkt_parse(enum link link, const uint8_t *d, uint32_t cap, uint32_t wire,
    struct pkt *p)
{
	memset(p, 0, sizeof(*p));
	if (wire < cap)
		wire = cap;
	switch (link) {
	case LINK_ETH:
		if (cap < 14)
			return PKT_INVALID;
		return pkt_ether(d + 14, cap - 14, wire - 14, get16(d + 12), p);
	case LINK_SLL:
		if (cap < 16)
			return PKT_INVALID;
		return pkt_ether(d + 16, cap - 16, wire - 16, get16(d + 14), p);
	case LINK_SLL2:
		if (cap < 20)
			return PKT_INVALID;
		return pkt_ether(d + 20, cap - 20, wire - 20, get16(d), p);
	case LINK_NULL:
		if (cap < 4)
			return PKT_INVALID;
		return pkt_ip(d + 4, cap - 4, wire - 4, p);
	case LINK_RAW:
		return pkt_ip(d, cap, wire, p);
	}
	return PKT_INVALID;
}
