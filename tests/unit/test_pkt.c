/*
 * pkt_parse on frames built byte by byte: every link type, VLAN tags,
 * IPv4 options and fragments, the IPv6 extension-header chain, and every
 * way a frame can be short or lie about its lengths.
 */
#include "util.h"

#define C4	"10.20.1.25"
#define S4	"198.51.100.7"
#define C6	"2001:db8:20:1::25"
#define S6	"2001:db8:ff::7"

static const enum link all_links[] = {
	LINK_ETH, LINK_SLL, LINK_SLL2, LINK_RAW, LINK_NULL
};

/*
 * Put the link-layer header of `link` in front of an IP packet.  The
 * bytes around the protocol field are chosen so that reading the wrong
 * offset gives a different answer (ARP or junk).
 */
static size_t
wrap(enum link link, uint8_t *out, const uint8_t *ipkt, size_t iplen,
    int v6)
{
	uint16_t	 type = v6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4;
	uint32_t	 fam;
	size_t		 h = 0;

	switch (link) {
	case LINK_ETH:
		h = build_eth(out, NULL, type);
		break;
	case LINK_SLL:		/* 16 bytes, protocol in the last 2 */
		memset(out, 0, 16);
		put16(out, 4);			/* packet type: outgoing */
		put16(out + 2, 1);		/* ARPHRD_ETHER */
		put16(out + 4, 6);		/* address length */
		memcpy(out + 6, "\x02\x00\x00\x00\x00\x01\x08\x06", 8);
		put16(out + 14, type);
		h = 16;
		break;
	case LINK_SLL2:		/* 20 bytes, protocol in the first 2 */
		memset(out, 0, 20);
		put16(out, type);
		put32(out + 4, 3);		/* interface index */
		put16(out + 8, 1);		/* ARPHRD_ETHER */
		out[10] = 0;			/* packet type */
		out[11] = 6;			/* address length */
		memcpy(out + 12, "\x02\x00\x08\x06\x08\x06\x00\x00", 8);
		h = 20;
		break;
	case LINK_RAW:
		h = 0;
		break;
	case LINK_NULL:		/* 4-byte family in host order */
		fam = v6 ? 30 : 2;
		memcpy(out, &fam, 4);
		h = 4;
		break;
	}
	memcpy(out + h, ipkt, iplen);
	return h + iplen;
}

static size_t
link_hdr_len(enum link link)
{
	switch (link) {
	case LINK_ETH:	return 14;
	case LINK_SLL:	return 16;
	case LINK_SLL2:	return 20;
	case LINK_RAW:	return 0;
	case LINK_NULL:	return 4;
	}
	return 0;
}

/* A SYN with MSS-sized options, as raw IP. */
static size_t
syn_ip(uint8_t *out, int v6, size_t paylen)
{
	uint8_t		 seg[2048];
	struct tcpspec	 t = { .sport = 40001, .dport = 25,
			    .seq = 0xdeadbeef, .ack = 0, .flags = TH_SYN,
			    .optwords = 5, .paylen = paylen };
	size_t		 n = build_tcp(seg, &t);

	if (v6)
		return build_ipv6(out, C6, S6, 6, seg, n);
	return build_ipv4(out, C4, S4, 6, seg, n, 0, IPF_DF);
}

static int
parse(enum link link, const uint8_t *d, size_t cap, size_t wire,
    struct pkt *p)
{
	uint8_t	*q = dup_exact(d, cap);
	int	 r;

	r = pkt_parse(link, q, (uint32_t)cap, (uint32_t)wire, p);
	/* p->payload points into q: the caller only checks offsets. */
	if (r == PKT_OK && p->payload != NULL)
		p->payload = d + (p->payload - q);
	free(q);
	return r;
}

static void
check_tuple(const struct pkt *p, const char *src, const char *dst,
    uint16_t sport, uint16_t dport)
{
	struct ip_addr	 s = ip(src), d = ip(dst);

	assert_true(addr_equal(&p->src, &s));
	assert_true(addr_equal(&p->dst, &d));
	assert_int_equal(p->sport, sport);
	assert_int_equal(p->dport, dport);
}

/* ---- link types ---- */

static void
test_every_link_ipv4(void **state UNUSED)
{
	uint8_t		 ipb[256], fr[512];
	size_t		 n, len, i;
	struct pkt	 p;

	n = syn_ip(ipb, 0, 0);
	for (i = 0; i < NELEM(all_links); i++) {
		len = wrap(all_links[i], fr, ipb, n, 0);
		assert_int_equal(len, link_hdr_len(all_links[i]) + 60);
		assert_int_equal(parse(all_links[i], fr, len, len, &p), PKT_OK);
		check_tuple(&p, C4, S4, 40001, 25);
		assert_int_equal(p.src.af, 4);
		assert_int_equal(p.flags, TH_SYN);
		assert_int_equal(p.seq, 0xdeadbeef);
		assert_int_equal(p.ip_len, 60);
		assert_int_equal(p.payload_len, 0);
		assert_int_equal(p.payload_caplen, 0);
		assert_int_equal(p.vlans, 0);
	}
}

static void
test_every_link_ipv6(void **state UNUSED)
{
	uint8_t		 ipb[256], fr[512];
	size_t		 n, len, i;
	struct pkt	 p;

	n = syn_ip(ipb, 1, 5);
	for (i = 0; i < NELEM(all_links); i++) {
		len = wrap(all_links[i], fr, ipb, n, 1);
		assert_int_equal(parse(all_links[i], fr, len, len, &p), PKT_OK);
		check_tuple(&p, C6, S6, 40001, 25);
		assert_int_equal(p.src.af, 6);
		assert_int_equal(p.ip_len, 40 + 40 + 5);
		assert_int_equal(p.payload_len, 5);
		assert_int_equal(p.payload_caplen, 5);
		assert_ptr_equal(p.payload, fr + len - 5);
		assert_memory_equal(p.payload, "ABCDE", 5);
	}
}

static void
test_sll_reads_protocol_at_14(void **state UNUSED)
{
	uint8_t		 ipb[256], fr[512];
	size_t		 n, len;
	struct pkt	 p;

	n = syn_ip(ipb, 0, 0);
	len = wrap(LINK_SLL, fr, ipb, n, 0);
	put16(fr + 14, ETHERTYPE_ARP);
	assert_int_equal(parse(LINK_SLL, fr, len, len, &p), PKT_NOT_IP);
	put16(fr + 14, ETHERTYPE_IPV4);
	put16(fr, ETHERTYPE_ARP);	/* first bytes are not the protocol */
	assert_int_equal(parse(LINK_SLL, fr, len, len, &p), PKT_OK);
}

static void
test_sll2_reads_protocol_at_0(void **state UNUSED)
{
	uint8_t		 ipb[256], fr[512];
	size_t		 n, len;
	struct pkt	 p;

	n = syn_ip(ipb, 1, 0);
	len = wrap(LINK_SLL2, fr, ipb, n, 1);
	assert_int_equal(parse(LINK_SLL2, fr, len, len, &p), PKT_OK);
	put16(fr, ETHERTYPE_ARP);
	assert_int_equal(parse(LINK_SLL2, fr, len, len, &p), PKT_NOT_IP);
	/* the protocol says IPv4 but the packet is IPv6 */
	put16(fr, ETHERTYPE_IPV4);
	assert_int_equal(parse(LINK_SLL2, fr, len, len, &p), PKT_INVALID);
}

static void
test_null_and_raw_dispatch_on_version(void **state UNUSED)
{
	uint8_t		 ipb[256], fr[512];
	size_t		 n, len;
	struct pkt	 p;

	n = syn_ip(ipb, 0, 0);
	len = wrap(LINK_RAW, fr, ipb, n, 0);
	fr[0] = 0x55;		/* version 5 */
	assert_int_equal(parse(LINK_RAW, fr, len, len, &p), PKT_NOT_IP);
	len = wrap(LINK_NULL, fr, ipb, n, 0);
	fr[4] = 0x05;
	assert_int_equal(parse(LINK_NULL, fr, len, len, &p), PKT_NOT_IP);
}

static void
test_unknown_link_invalid(void **state UNUSED)
{
	uint8_t		 ipb[256];
	size_t		 n;
	struct pkt	 p;

	n = syn_ip(ipb, 0, 0);
	assert_int_equal(parse((enum link)42, ipb, n, n, &p), PKT_INVALID);
}

/* ---- VLAN tags ---- */

static void
test_vlan_8021q(void **state UNUSED)
{
	static const uint16_t tags[] = { ETHERTYPE_VLAN, 0 };
	uint8_t		 ipb[256], fr[512];
	size_t		 n, h;
	struct pkt	 p;

	n = syn_ip(ipb, 0, 0);
	h = build_eth(fr, tags, ETHERTYPE_IPV4);
	assert_int_equal(h, 18);
	memcpy(fr + h, ipb, n);
	assert_int_equal(parse(LINK_ETH, fr, h + n, h + n, &p), PKT_OK);
	assert_int_equal(p.vlans, 1);
	check_tuple(&p, C4, S4, 40001, 25);
}

static void
test_vlan_qinq(void **state UNUSED)
{
	static const uint16_t qinq[] = { ETHERTYPE_QINQ, ETHERTYPE_VLAN, 0 };
	static const uint16_t old[] = { 0x9100, ETHERTYPE_VLAN, 0 };
	uint8_t		 ipb[256], fr[512];
	size_t		 n, h;
	struct pkt	 p;

	n = syn_ip(ipb, 1, 0);
	h = build_eth(fr, qinq, ETHERTYPE_IPV6);
	assert_int_equal(h, 22);
	memcpy(fr + h, ipb, n);
	assert_int_equal(parse(LINK_ETH, fr, h + n, h + n, &p), PKT_OK);
	assert_int_equal(p.vlans, 2);
	check_tuple(&p, C6, S6, 40001, 25);

	h = build_eth(fr, old, ETHERTYPE_IPV6);
	memcpy(fr + h, ipb, n);
	assert_int_equal(parse(LINK_ETH, fr, h + n, h + n, &p), PKT_OK);
	assert_int_equal(p.vlans, 2);
}

static void
test_vlan_limits(void **state UNUSED)
{
	static const uint16_t four[] = { ETHERTYPE_QINQ, ETHERTYPE_QINQ,
	    ETHERTYPE_VLAN, ETHERTYPE_VLAN, 0 };
	static const uint16_t five[] = { ETHERTYPE_QINQ, ETHERTYPE_QINQ,
	    ETHERTYPE_VLAN, ETHERTYPE_VLAN, ETHERTYPE_VLAN, 0 };
	static const uint16_t one[] = { ETHERTYPE_VLAN, 0 };
	uint8_t		 ipb[256], fr[512];
	size_t		 n, h;
	struct pkt	 p;

	n = syn_ip(ipb, 0, 0);
	h = build_eth(fr, four, ETHERTYPE_IPV4);
	memcpy(fr + h, ipb, n);
	assert_int_equal(parse(LINK_ETH, fr, h + n, h + n, &p), PKT_OK);
	assert_int_equal(p.vlans, 4);

	h = build_eth(fr, five, ETHERTYPE_IPV4);
	memcpy(fr + h, ipb, n);
	assert_int_equal(parse(LINK_ETH, fr, h + n, h + n, &p), PKT_INVALID);

	/* a tag cut off after the TPID */
	h = build_eth(fr, one, ETHERTYPE_IPV4);
	assert_int_equal(parse(LINK_ETH, fr, 14, 14, &p), PKT_INVALID);
	assert_int_equal(parse(LINK_ETH, fr, 15, 15, &p), PKT_INVALID);
	assert_int_equal(parse(LINK_ETH, fr, 17, 17, &p), PKT_INVALID);
	/* a tagged ARP frame */
	assert_int_equal(h, 18);
	put16(fr + 16, ETHERTYPE_ARP);
	memset(fr + 18, 0, 28);
	assert_int_equal(parse(LINK_ETH, fr, 46, 46, &p), PKT_NOT_IP);
	assert_int_equal(p.vlans, 1);
}

/* ---- IPv4 ---- */

static void
test_ipv4_options(void **state UNUSED)
{
	uint8_t		 seg[256], ipb[256], fr[512];
	struct tcpspec	 t = { .sport = 25, .dport = 51000, .seq = 7,
			    .ack = 0x01020304, .flags = TH_SYN | TH_ACK,
			    .paylen = 3 };
	size_t		 sn, n, len;
	unsigned	 ow;
	struct pkt	 p;

	sn = build_tcp(seg, &t);
	for (ow = 1; ow <= 10; ow++) {
		n = build_ipv4(ipb, S4, C4, 6, seg, sn, ow, 0);
		assert_int_equal(n, 20 + 4 * ow + 23);
		len = wrap(LINK_ETH, fr, ipb, n, 0);
		assert_int_equal(parse(LINK_ETH, fr, len, len, &p), PKT_OK);
		check_tuple(&p, S4, C4, 25, 51000);
		assert_int_equal(p.flags, TH_SYN | TH_ACK);
		assert_int_equal(p.ack, 0x01020304);
		assert_int_equal(p.ip_len, n);
		assert_int_equal(p.payload_len, 3);
		assert_ptr_equal(p.payload, fr + len - 3);
	}
}

static void
test_ipv4_fragments(void **state UNUSED)
{
	uint8_t		 seg[2048], ipb[2048], fr[4096];
	struct tcpspec	 t = { .sport = 40002, .dport = 25, .seq = 1,
			    .flags = TH_ACK | TH_PSH, .paylen = 400 };
	size_t		 sn, n, len;
	struct pkt	 p;

	sn = build_tcp(seg, &t);
	assert_int_equal(sn, 420);

	/* first fragment, holding the whole TCP header: parsed */
	n = build_ipv4(ipb, C4, S4, 6, seg, 20 + 200, 0, IPF_MF);
	len = wrap(LINK_ETH, fr, ipb, n, 0);
	assert_int_equal(parse(LINK_ETH, fr, len, len, &p), PKT_OK);
	check_tuple(&p, C4, S4, 40002, 25);
	assert_int_equal(p.ip_len, 240);
	assert_int_equal(p.payload_len, 200);

	/* non-first fragments, with and without more to come */
	n = build_ipv4(ipb, C4, S4, 6, seg + 220, 200, 0, 25);
	len = wrap(LINK_ETH, fr, ipb, n, 0);
	assert_int_equal(parse(LINK_ETH, fr, len, len, &p), PKT_FRAGMENT);
	assert_int_equal(p.src.af, 4);
	n = build_ipv4(ipb, C4, S4, 6, seg + 220, 200, 0, IPF_MF | 1);
	len = wrap(LINK_RAW, fr, ipb, n, 0);
	assert_int_equal(parse(LINK_RAW, fr, len, len, &p), PKT_FRAGMENT);
	/* a non-first fragment is a fragment whatever its protocol */
	n = build_ipv4(ipb, C4, S4, 17, seg, 16, 0, 0x1fff);
	assert_int_equal(parse(LINK_RAW, ipb, n, n, &p), PKT_FRAGMENT);

	/* tiny first fragment: 8 bytes of TCP header */
	n = build_ipv4(ipb, C4, S4, 6, seg, 8, 0, IPF_MF);
	len = wrap(LINK_ETH, fr, ipb, n, 0);
	assert_int_equal(parse(LINK_ETH, fr, len, len, &p), PKT_INVALID);
	/* ... even when the Ethernet frame is padded to 60 bytes */
	memset(fr + len, 0, 60 - len);
	assert_int_equal(parse(LINK_ETH, fr, 60, 60, &p), PKT_INVALID);

	/* DF alone is not a fragment */
	n = build_ipv4(ipb, C4, S4, 6, seg, 20, 0, IPF_DF);
	assert_int_equal(parse(LINK_RAW, ipb, n, n, &p), PKT_OK);
}

static void
test_ipv4_malformed(void **state UNUSED)
{
	uint8_t		 ipb[256], fr[512];
	size_t		 n;
	struct pkt	 p;

	n = syn_ip(ipb, 0, 0);
	memcpy(fr, ipb, n);
	fr[0] = 0x44;			/* IHL 16 bytes */
	assert_int_equal(parse(LINK_RAW, fr, n, n, &p), PKT_INVALID);
	fr[0] = 0x40;			/* IHL 0 */
	assert_int_equal(parse(LINK_RAW, fr, n, n, &p), PKT_INVALID);
	fr[0] = 0x4f;			/* IHL 60, past the 60-byte packet */
	put16(fr + 2, 60);
	assert_int_equal(parse(LINK_RAW, fr, 40, 40, &p), PKT_INVALID);

	memcpy(fr, ipb, n);
	put16(fr + 2, 19);		/* total < IHL */
	assert_int_equal(parse(LINK_RAW, fr, n, n, &p), PKT_INVALID);
	put16(fr + 2, 61);		/* total > wire */
	assert_int_equal(parse(LINK_RAW, fr, n, n, &p), PKT_INVALID);
	put16(fr + 2, 39);		/* TCP header cut by the total */
	assert_int_equal(parse(LINK_RAW, fr, n, n, &p), PKT_INVALID);
	put16(fr + 2, 0);
	assert_int_equal(parse(LINK_RAW, fr, n, n, &p), PKT_INVALID);

	/* ethertype IPv4 carrying an IPv6 header, and the reverse */
	n = wrap(LINK_ETH, fr, ipb, syn_ip(ipb, 1, 0), 0);
	assert_int_equal(parse(LINK_ETH, fr, n, n, &p), PKT_INVALID);
	n = wrap(LINK_ETH, fr, ipb, syn_ip(ipb, 0, 0), 1);
	assert_int_equal(parse(LINK_ETH, fr, n, n, &p), PKT_INVALID);
}

static void
test_ipv4_ethernet_padding(void **state UNUSED)
{
	uint8_t		 ipb[256], fr[512];
	uint8_t		 seg[64];
	struct tcpspec	 t = { .sport = 40003, .dport = 25,
			    .flags = TH_ACK };
	size_t		 n, len;
	struct pkt	 p;

	n = build_ipv4(ipb, C4, S4, 6, seg, build_tcp(seg, &t), 0, 0);
	len = wrap(LINK_ETH, fr, ipb, n, 0);
	assert_int_equal(len, 54);
	memset(fr + len, 0xee, 6);	/* padding to 60 */
	assert_int_equal(parse(LINK_ETH, fr, 60, 60, &p), PKT_OK);
	assert_int_equal(p.ip_len, 40);
	assert_int_equal(p.payload_len, 0);
	assert_int_equal(p.payload_caplen, 0);
}

static void
test_udp_and_icmp_not_tcp(void **state UNUSED)
{
	uint8_t		 l4[8] = { 0x00, 0x35, 0x00, 0x35, 0, 8, 0, 0 };
	uint8_t		 ipb[256], fr[512];
	size_t		 n, len, i;
	struct pkt	 p;

	for (i = 0; i < NELEM(all_links); i++) {
		n = build_ipv4(ipb, C4, S4, 17, l4, 8, 0, 0);
		len = wrap(all_links[i], fr, ipb, n, 0);
		assert_int_equal(parse(all_links[i], fr, len, len, &p),
		    PKT_NOT_TCP);
		n = build_ipv6(ipb, C6, S6, 17, l4, 8);
		len = wrap(all_links[i], fr, ipb, n, 1);
		assert_int_equal(parse(all_links[i], fr, len, len, &p),
		    PKT_NOT_TCP);
	}
	n = build_ipv4(ipb, C4, S4, 1, l4, 8, 0, 0);
	assert_int_equal(parse(LINK_RAW, ipb, n, n, &p), PKT_NOT_TCP);
	n = build_ipv6(ipb, C6, S6, 58, l4, 8);
	assert_int_equal(parse(LINK_RAW, ipb, n, n, &p), PKT_NOT_TCP);
	/* IPv6 "no next header" */
	n = build_ipv6(ipb, C6, S6, 59, l4, 8);
	assert_int_equal(parse(LINK_RAW, ipb, n, n, &p), PKT_NOT_TCP);
	n = build_ipv6(ipb, C6, S6, 59, NULL, 0);
	assert_int_equal(parse(LINK_RAW, ipb, n, n, &p), PKT_NOT_TCP);
}

static void
test_arp_not_ip(void **state UNUSED)
{
	uint8_t		 fr[64];
	size_t		 h;
	struct pkt	 p;

	h = build_eth(fr, NULL, ETHERTYPE_ARP);
	memset(fr + h, 0, 28);
	put16(fr + h, 1);
	put16(fr + h + 2, ETHERTYPE_IPV4);
	fr[h + 4] = 6;
	fr[h + 5] = 4;
	put16(fr + h + 6, 1);
	memset(fr + h + 28, 0, 60 - h - 28);
	assert_int_equal(parse(LINK_ETH, fr, 60, 60, &p), PKT_NOT_IP);
	/* only the 14-byte header is needed to say so */
	assert_int_equal(parse(LINK_ETH, fr, 14, 14, &p), PKT_NOT_IP);
	assert_int_equal(parse(LINK_ETH, fr, 13, 13, &p), PKT_INVALID);
}

/* ---- IPv6 ---- */

static void
test_ipv6_extension_chain(void **state UNUSED)
{
	uint8_t		 seg[256], pl[512], ipb[1024], fr[1100];
	struct tcpspec	 t = { .sport = 40004, .dport = 25, .seq = 99,
			    .flags = TH_SYN, .optwords = 3 };
	size_t		 sn, o = 0, n, len;
	struct pkt	 p;

	sn = build_tcp(seg, &t);
	o += build_ext6(pl + o, 43, 0);		/* hop-by-hop, 8 bytes */
	o += build_ext6(pl + o, 60, 2);		/* routing, 24 bytes */
	o += build_ext6(pl + o, 6, 1);		/* destination opts, 16 */
	assert_int_equal(o, 48);
	memcpy(pl + o, seg, sn);
	n = build_ipv6(ipb, C6, S6, 0, pl, o + sn);
	len = wrap(LINK_ETH, fr, ipb, n, 1);
	assert_int_equal(parse(LINK_ETH, fr, len, len, &p), PKT_OK);
	check_tuple(&p, C6, S6, 40004, 25);
	assert_int_equal(p.seq, 99);
	assert_int_equal(p.flags, TH_SYN);
	assert_int_equal(p.ip_len, 40 + 48 + 32);
	assert_int_equal(p.payload_len, 0);

	/* the same chain cut inside the last extension header */
	assert_int_equal(parse(LINK_ETH, fr, 14 + 40 + 40, 14 + 40 + 40, &p),
	    PKT_INVALID);
	/* an extension header claiming more than the packet holds */
	pl[8 + 1] = 200;
	n = build_ipv6(ipb, C6, S6, 0, pl, o + sn);
	assert_int_equal(parse(LINK_RAW, ipb, n, n, &p), PKT_INVALID);
}

static void
test_ipv6_ah(void **state UNUSED)
{
	uint8_t		 seg[64], pl[256], ipb[512];
	struct tcpspec	 t = { .sport = 25, .dport = 40005,
			    .flags = TH_ACK };
	size_t		 n;
	struct pkt	 p;

	memset(pl, 0, 24);
	pl[0] = 6;
	pl[1] = 4;			/* (4 + 2) * 4 = 24 bytes */
	n = build_tcp(seg, &t);
	memcpy(pl + 24, seg, n);
	n = build_ipv6(ipb, S6, C6, 51, pl, 24 + n);
	assert_int_equal(parse(LINK_RAW, ipb, n, n, &p), PKT_OK);
	check_tuple(&p, S6, C6, 25, 40005);
}

/* A long chain is walked to its end, as ip6tables does (no count cap). */
static void
test_ipv6_long_extension_chain(void **state UNUSED)
{
	uint8_t		 seg[64], pl[512], ipb[1024];
	struct tcpspec	 t = { .sport = 40006, .dport = 25,
			    .flags = TH_SYN };
	size_t		 sn, o, n;
	unsigned	 k, cnt;
	struct pkt	 p;

	sn = build_tcp(seg, &t);
	for (cnt = 1; cnt <= 40; cnt++) {
		for (o = 0, k = 0; k < cnt; k++)
			o += build_ext6(pl + o, k + 1 == cnt ? 6 : 60, 0);
		memcpy(pl + o, seg, sn);
		n = build_ipv6(ipb, C6, S6, 60, pl, o + sn);
		assert_int_equal(parse(LINK_RAW, ipb, n, n, &p), PKT_OK);
		check_tuple(&p, C6, S6, 40006, 25);
		/* captured up to inside the chain: invalid, no read past it */
		assert_int_equal(parse(LINK_RAW, ipb, 40 + o - 4, n, &p),
		    PKT_INVALID);
	}
}

static void
test_ipv6_fragment_header(void **state UNUSED)
{
	uint8_t		 seg[512], pl[600], ipb[700], fr[800];
	struct tcpspec	 t = { .sport = 40007, .dport = 25,
			    .flags = TH_ACK, .paylen = 100 };
	size_t		 sn, o, n, len;
	struct pkt	 p;

	sn = build_tcp(seg, &t);
	/* offset 0 with more fragments: the TCP header is there */
	o = build_frag6(pl, 6, 0, 1);
	memcpy(pl + o, seg, sn);
	n = build_ipv6(ipb, C6, S6, 44, pl, o + sn);
	len = wrap(LINK_SLL2, fr, ipb, n, 1);
	assert_int_equal(parse(LINK_SLL2, fr, len, len, &p), PKT_OK);
	check_tuple(&p, C6, S6, 40007, 25);
	assert_int_equal(p.payload_len, 100);

	/* offset 0 behind a hop-by-hop header */
	o = build_ext6(pl, 44, 0);
	o += build_frag6(pl + o, 6, 0, 1);
	memcpy(pl + o, seg, sn);
	n = build_ipv6(ipb, C6, S6, 0, pl, o + sn);
	assert_int_equal(parse(LINK_RAW, ipb, n, n, &p), PKT_OK);

	/* offset > 0, last and middle fragments */
	o = build_frag6(pl, 6, 15, 0);
	memcpy(pl + o, seg, 64);
	n = build_ipv6(ipb, C6, S6, 44, pl, o + 64);
	assert_int_equal(parse(LINK_RAW, ipb, n, n, &p), PKT_FRAGMENT);
	assert_int_equal(p.src.af, 6);
	o = build_frag6(pl, 6, 1, 1);
	n = build_ipv6(ipb, C6, S6, 44, pl, o + 64);
	assert_int_equal(parse(LINK_RAW, ipb, n, n, &p), PKT_FRAGMENT);

	/* fragment header itself cut short */
	n = build_ipv6(ipb, C6, S6, 44, pl, 4);
	assert_int_equal(parse(LINK_RAW, ipb, n, n, &p), PKT_INVALID);
}

static void
test_ipv6_malformed(void **state UNUSED)
{
	uint8_t		 ipb[256];
	size_t		 n;
	struct pkt	 p;

	n = syn_ip(ipb, 1, 0);
	put16(ipb + 4, (uint16_t)(n - 40 + 1));	/* payload > wire */
	assert_int_equal(parse(LINK_RAW, ipb, n, n, &p), PKT_INVALID);
	put16(ipb + 4, 0);			/* jumbogram */
	assert_int_equal(parse(LINK_RAW, ipb, n, n, &p), PKT_INVALID);
	put16(ipb + 4, 19);			/* cuts the TCP header */
	assert_int_equal(parse(LINK_RAW, ipb, n, n, &p), PKT_INVALID);
	put16(ipb + 4, (uint16_t)(n - 40));
	assert_int_equal(parse(LINK_RAW, ipb, n, n, &p), PKT_OK);
	assert_int_equal(parse(LINK_RAW, ipb, 39, 39, &p), PKT_INVALID);
}

/* ---- TCP ---- */

static void
test_tcp_data_offset(void **state UNUSED)
{
	uint8_t		 ipb[256], seg[256];
	struct tcpspec	 t = { .sport = 40008, .dport = 25,
			    .flags = TH_ACK, .paylen = 10 };
	size_t		 sn, n;
	unsigned	 doff;
	struct pkt	 p;

	sn = build_tcp(seg, &t);
	for (doff = 0; doff < 5; doff++) {
		seg[12] = (uint8_t)(doff << 4);
		n = build_ipv4(ipb, C4, S4, 6, seg, sn, 0, 0);
		assert_int_equal(parse(LINK_RAW, ipb, n, n, &p), PKT_INVALID);
		n = build_ipv6(ipb, C6, S6, 6, seg, sn);
		assert_int_equal(parse(LINK_RAW, ipb, n, n, &p), PKT_INVALID);
	}
	/* 32-byte header fits in the 30-byte segment? no */
	seg[12] = 8 << 4;
	n = build_ipv4(ipb, C4, S4, 6, seg, sn, 0, 0);
	assert_int_equal(parse(LINK_RAW, ipb, n, n, &p), PKT_INVALID);
	/* the whole segment is header: valid, empty payload */
	seg[12] = (uint8_t)(((20 + 8) / 4) << 4);
	n = build_ipv4(ipb, C4, S4, 6, seg, 28, 0, 0);
	assert_int_equal(parse(LINK_RAW, ipb, n, n, &p), PKT_OK);
	assert_int_equal(p.payload_len, 0);
	/* 60-byte header, on the wire but not captured */
	seg[12] = 15 << 4;
	memset(seg + 20, 1, 60);
	n = build_ipv4(ipb, C4, S4, 6, seg, 80, 0, 0);
	assert_int_equal(parse(LINK_RAW, ipb, n, n, &p), PKT_OK);
	assert_int_equal(p.payload_len, 20);
	assert_int_equal(parse(LINK_RAW, ipb, 20 + 59, n, &p), PKT_INVALID);
	assert_int_equal(parse(LINK_RAW, ipb, 20 + 60, n, &p), PKT_OK);
	assert_int_equal(p.payload_len, 20);
	assert_int_equal(p.payload_caplen, 0);
}

static void
test_tcp_fields(void **state UNUSED)
{
	static const uint8_t flags[] = { TH_SYN, TH_SYN | TH_ACK, TH_ACK,
	    TH_ACK | TH_PSH, TH_FIN | TH_ACK, TH_RST, TH_RST | TH_ACK, 0xff };
	uint8_t		 seg[256], ipb[256];
	struct tcpspec	 t = { .sport = 65535, .dport = 1, .seq = 0xffffffff,
			    .ack = 0x80000001, .paylen = 17 };
	size_t		 i, n;
	struct pkt	 p;

	for (i = 0; i < NELEM(flags); i++) {
		t.flags = flags[i];
		n = build_ipv4(ipb, C4, S4, 6, seg, build_tcp(seg, &t), 0, 0);
		assert_int_equal(parse(LINK_RAW, ipb, n, n, &p), PKT_OK);
		assert_int_equal(p.flags, flags[i]);
		assert_int_equal(p.sport, 65535);
		assert_int_equal(p.dport, 1);
		assert_int_equal(p.seq, 0xffffffff);
		assert_int_equal(p.ack, 0x80000001);
		assert_int_equal(p.ip_len, 57);
		assert_int_equal(p.payload_len, 17);
		assert_int_equal(p.payload_caplen, 17);
	}
}

static void
test_snaplen_truncated_payload(void **state UNUSED)
{
	uint8_t		 ipb[2048], fr[2100];
	size_t		 n, len, i;
	uint32_t	 caps[] = { 0, 1, 100, 999 };
	struct pkt	 p;

	for (int v6 = 0; v6 <= 1; v6++) {
		n = syn_ip(ipb, v6, 1000);
		len = wrap(LINK_ETH, fr, ipb, n, v6);
		for (i = 0; i < NELEM(caps); i++) {
			size_t	 cap = len - 1000 + caps[i];

			assert_int_equal(parse(LINK_ETH, fr, cap, len, &p),
			    PKT_OK);
			assert_int_equal(p.ip_len, n);
			assert_int_equal(p.payload_len, 1000);
			assert_int_equal(p.payload_caplen, caps[i]);
			assert_ptr_equal(p.payload, fr + len - 1000);
		}
	}
}

/*
 * Every prefix of a valid SYN, for every link type and both families:
 * no read past the (exact-size, heap) buffer, and PKT_INVALID whether
 * the frame is short on the wire or only cut by the snap length.
 */
static void
test_truncated_at_every_length(void **state UNUSED)
{
	uint8_t		 ipb[256], fr[512];
	size_t		 n, len, cap, i;
	struct pkt	 p;
	int		 v6, r;

	for (v6 = 0; v6 <= 1; v6++)
		for (i = 0; i < NELEM(all_links); i++) {
			n = syn_ip(ipb, v6, 0);
			len = wrap(all_links[i], fr, ipb, n, v6);
			assert_int_equal(parse(all_links[i], fr, len, len, &p),
			    PKT_OK);
			for (cap = 0; cap < len; cap++) {
				r = parse(all_links[i], fr, cap, cap, &p);
				if (r != PKT_INVALID)
					fail_msg("link %d v6 %d cap %zu: %d",
					    all_links[i], v6, cap, r);
				r = parse(all_links[i], fr, cap, len, &p);
				if (r != PKT_INVALID)
					fail_msg("link %d v6 %d cap %zu wire "
					    "%zu: %d", all_links[i], v6, cap,
					    len, r);
			}
		}
}

/* Same with the tagged and extension-header variants. */
static void
test_truncated_complex_frames(void **state UNUSED)
{
	static const uint16_t qinq[] = { ETHERTYPE_QINQ, ETHERTYPE_VLAN, 0 };
	uint8_t		 seg[128], pl[256], ipb[512], fr[600];
	struct tcpspec	 t = { .sport = 40009, .dport = 25,
			    .flags = TH_SYN, .optwords = 2 };
	size_t		 sn, o, n, h, len, cap;
	struct pkt	 p;
	int		 r;

	sn = build_tcp(seg, &t);
	o = build_ext6(pl, 60, 0);
	o += build_ext6(pl + o, 44, 1);
	o += build_frag6(pl + o, 6, 0, 1);
	memcpy(pl + o, seg, sn);
	n = build_ipv6(ipb, C6, S6, 0, pl, o + sn);
	h = build_eth(fr, qinq, ETHERTYPE_IPV6);
	memcpy(fr + h, ipb, n);
	len = h + n;
	assert_int_equal(parse(LINK_ETH, fr, len, len, &p), PKT_OK);
	assert_int_equal(p.vlans, 2);
	for (cap = 0; cap < len; cap++) {
		r = parse(LINK_ETH, fr, cap, cap, &p);
		if (r != PKT_INVALID)
			fail_msg("v6 chain cap %zu: %d", cap, r);
	}

	n = build_ipv4(ipb, C4, S4, 6, seg, sn, 3, 0);
	h = build_eth(fr, qinq, ETHERTYPE_IPV4);
	memcpy(fr + h, ipb, n);
	len = h + n;
	assert_int_equal(parse(LINK_ETH, fr, len, len, &p), PKT_OK);
	for (cap = 0; cap < len; cap++) {
		r = parse(LINK_ETH, fr, cap, cap, &p);
		if (r != PKT_INVALID)
			fail_msg("v4 options cap %zu: %d", cap, r);
	}
}

static void
test_result_clears_old_fields(void **state UNUSED)
{
	uint8_t		 ipb[256], fr[64];
	size_t		 n, h;
	struct pkt	 p;

	n = syn_ip(ipb, 0, 0);
	assert_int_equal(parse(LINK_RAW, ipb, n, n, &p), PKT_OK);
	h = build_eth(fr, NULL, ETHERTYPE_ARP);
	memset(fr + h, 0, 46);
	assert_int_equal(parse(LINK_ETH, fr, 60, 60, &p), PKT_NOT_IP);
	assert_int_equal(p.src.af, 0);
	assert_int_equal(p.sport, 0);
	assert_int_equal(p.ip_len, 0);
	assert_null(p.payload);
}

static uint64_t rng_state = 0x243f6a8885a308d3ULL;

static uint32_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 16);
}

/*
 * Valid frames with random bytes changed and random lengths: never a
 * read outside the buffer (ASan), and a PKT_OK payload always lies
 * inside what was captured and agrees with the IP length.
 */
static void
test_random_mutations(void **state UNUSED)
{
	static const uint16_t tags[] = { ETHERTYPE_VLAN, 0 };
	uint8_t		 seg[256], pl[512], ipb[600], fr[700], *q;
	struct tcpspec	 t = { .sport = 40010, .dport = 25, .flags = TH_SYN,
			    .optwords = 1, .paylen = 20 };
	size_t		 sn, n, len[6], o, h;
	uint8_t		 frames[6][700];
	enum link	 links[6] = { LINK_ETH, LINK_ETH, LINK_SLL, LINK_SLL2,
			    LINK_RAW, LINK_NULL };
	unsigned	 iter, k, m;
	uint32_t	 cap, wire;
	struct pkt	 p;
	int		 r;
	unsigned	 seen[5] = { 0 };

	sn = build_tcp(seg, &t);
	n = build_ipv4(ipb, C4, S4, 6, seg, sn, 2, 0);
	len[0] = wrap(LINK_ETH, frames[0], ipb, n, 0);
	o = build_ext6(pl, 44, 0);
	o += build_frag6(pl + o, 6, 0, 1);
	memcpy(pl + o, seg, sn);
	n = build_ipv6(ipb, C6, S6, 0, pl, o + sn);
	h = build_eth(fr, tags, ETHERTYPE_IPV6);
	memcpy(fr + h, ipb, n);
	len[1] = h + n;
	memcpy(frames[1], fr, len[1]);
	len[2] = wrap(LINK_SLL, frames[2], ipb, n, 1);
	n = build_ipv4(ipb, C4, S4, 6, seg, sn, 0, IPF_MF);
	len[3] = wrap(LINK_SLL2, frames[3], ipb, n, 0);
	len[4] = wrap(LINK_RAW, frames[4], ipb, n, 0);
	n = build_ipv6(ipb, C6, S6, 6, seg, sn);
	len[5] = wrap(LINK_NULL, frames[5], ipb, n, 1);

	for (iter = 0; iter < 200000; iter++) {
		k = iter % 6;
		memcpy(fr, frames[k], len[k]);
		for (m = rng() % 4; m-- > 0;)
			fr[rng() % len[k]] = (uint8_t)rng();
		cap = (uint32_t)(rng() % 3 == 0 ? rng() % (len[k] + 1) :
		    len[k]);
		wire = rng() % 2 ? cap : cap + rng() % 2000;
		q = dup_exact(fr, cap);
		r = pkt_parse(links[k], q, cap, wire, &p);
		assert_in_range(r, PKT_OK, PKT_FRAGMENT);
		seen[r]++;
		if (r == PKT_OK) {
			assert_true(p.payload >= q);
			assert_true(p.payload + p.payload_caplen <= q + cap);
			assert_true(p.payload_caplen <= p.payload_len);
			assert_true(p.payload_len + 20 <= p.ip_len);
			assert_true(p.src.af == 4 || p.src.af == 6);
		}
		free(q);
	}
	/* the mix exercised every outcome */
	for (k = 0; k < 5; k++)
		if (seen[k] < 100)
			fail_msg("result %u seen %u times", k, seen[k]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_link_ipv4),
		cmocka_unit_test(test_every_link_ipv6),
		cmocka_unit_test(test_sll_reads_protocol_at_14),
		cmocka_unit_test(test_sll2_reads_protocol_at_0),
		cmocka_unit_test(test_null_and_raw_dispatch_on_version),
		cmocka_unit_test(test_unknown_link_invalid),
		cmocka_unit_test(test_vlan_8021q),
		cmocka_unit_test(test_vlan_qinq),
		cmocka_unit_test(test_vlan_limits),
		cmocka_unit_test(test_ipv4_options),
		cmocka_unit_test(test_ipv4_fragments),
		cmocka_unit_test(test_ipv4_malformed),
		cmocka_unit_test(test_ipv4_ethernet_padding),
		cmocka_unit_test(test_udp_and_icmp_not_tcp),
		cmocka_unit_test(test_arp_not_ip),
		cmocka_unit_test(test_ipv6_extension_chain),
		cmocka_unit_test(test_ipv6_ah),
		cmocka_unit_test(test_ipv6_long_extension_chain),
		cmocka_unit_test(test_ipv6_fragment_header),
		cmocka_unit_test(test_ipv6_malformed),
		cmocka_unit_test(test_tcp_data_offset),
		cmocka_unit_test(test_tcp_fields),
		cmocka_unit_test(test_snaplen_truncated_payload),
		cmocka_unit_test(test_truncated_at_every_length),
		cmocka_unit_test(test_truncated_complex_frames),
		cmocka_unit_test(test_result_clears_old_fields),
		cmocka_unit_test(test_random_mutations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
