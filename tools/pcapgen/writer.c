/*
 * nfqd-pcapgen: the bottom two layers.  The writer: pcap and pcapng
 * files (little-endian, written here byte by byte) and the link-layer
 * framing of each record.  The packet layer: IPv4 and IPv6 headers,
 * checksums, fragments, the deterministic hashes everything derives
 * from.
 */
#include <arpa/inet.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/pcapgen/pcapgen.h"

void
pg_fatal(const char *fmt, ...)
{
	va_list	ap;

	fputs("nfqd-pcapgen: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

void
pg_le16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

void
pg_le32(uint8_t *p, uint32_t v)
{
	pg_le16(p, v & 0xffff);
	pg_le16(p + 2, v >> 16);
}

void
pg_be16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

void
pg_be32(uint8_t *p, uint32_t v)
{
	pg_be16(p, v >> 16);
	pg_be16(p + 2, v & 0xffff);
}

static void
pg_write(struct pg_writer *w, const void *p, size_t len)
{
	if (len > 0 && fwrite(p, 1, len, w->fp) != len)
		pg_fatal("%s: write failed", w->path);
}

/* Append pcapng option code/value to buf at *off, padded to 4 bytes. */
static void
pg_ng_opt(uint8_t *buf, size_t *off, uint16_t code, const void *val,
    size_t len)
{
	pg_le16(buf + *off, code);
	pg_le16(buf + *off + 2, (uint32_t)len);
	if (len > 0)
		memcpy(buf + *off + 4, val, len);
	memset(buf + *off + 4 + len, 0, (4 - len % 4) % 4);
	*off += 4 + len + (4 - len % 4) % 4;
}

/* Finish a pcapng block in buf (type, options already in) and write it. */
static void
pg_ng_block(struct pg_writer *w, uint8_t *buf, size_t len)
{
	pg_le32(buf + 4, (uint32_t)(len + 4));
	pg_le32(buf + len, (uint32_t)(len + 4));
	pg_write(w, buf, len + 4);
}

static void
pg_ng_header(struct pg_writer *w)
{
	uint8_t		 b[128];
	uint8_t		 tsresol = 6;	/* microseconds */
	size_t		 n;

	/* Section Header Block, one section of unknown length. */
	pg_le32(b, 0x0a0d0d0a);
	pg_le32(b + 8, 0x1a2b3c4d);
	pg_le16(b + 12, 1);
	pg_le16(b + 14, 0);
	pg_le32(b + 16, 0xffffffff);
	pg_le32(b + 20, 0xffffffff);
	n = 24;
	pg_ng_opt(b, &n, 4, "nfqd-pcapgen", 12);	/* shb_userappl */
	pg_ng_opt(b, &n, 0, NULL, 0);
	pg_ng_block(w, b, n);

	/* Interface Description Block for interface 0. */
	pg_le32(b, 0x00000001);
	pg_le16(b + 8, w->linktype);
	pg_le16(b + 10, 0);
	pg_le32(b + 12, PG_SNAPLEN);
	n = 16;
	pg_ng_opt(b, &n, 2, "mirror0", 7);		/* if_name */
	pg_ng_opt(b, &n, 9, &tsresol, 1);		/* if_tsresol */
	pg_ng_opt(b, &n, 0, NULL, 0);
	pg_ng_block(w, b, n);
}

void
pg_open(struct pg_writer *w, const char *dir, const char *name,
    enum pg_fmt fmt, uint32_t linktype)
{
	uint8_t		 h[24];
	int		 n;

	n = snprintf(w->path, sizeof(w->path), "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= sizeof(w->path))
		pg_fatal("%s/%s: path too long", dir, name);
	if ((w->fp = fopen(w->path, "wb")) == NULL)
		pg_fatal("%s: %s", w->path, strerror(errno));
	w->fmt = fmt;
	w->linktype = linktype;
	if (fmt == PG_PCAPNG) {
		pg_ng_header(w);
		return;
	}
	pg_le32(h, 0xa1b2c3d4);		/* microsecond timestamps */
	pg_le16(h + 4, 2);
	pg_le16(h + 6, 4);
	pg_le32(h + 8, 0);
	pg_le32(h + 12, 0);
	pg_le32(h + 16, PG_SNAPLEN);
	pg_le32(h + 20, linktype);
	pg_write(w, h, sizeof(h));
}

void
pg_close(struct pg_writer *w)
{
	if (fclose(w->fp) != 0)
		pg_fatal("%s: %s", w->path, strerror(errno));
	w->fp = NULL;
}

/*
 * Write one record.  The record header claims caplen bytes but only
 * present of them follow: present < caplen only for truncated files.
 */
void
pg_record_cut(struct pg_writer *w, uint64_t ts, const uint8_t *data,
    size_t caplen, size_t present)
{
	uint8_t		 h[28];
	static const uint8_t zero[4];

	if (w->fmt == PG_PCAP) {
		pg_le32(h, (uint32_t)(ts / 1000000));
		pg_le32(h + 4, (uint32_t)(ts % 1000000));
		pg_le32(h + 8, (uint32_t)caplen);
		pg_le32(h + 12, (uint32_t)caplen);
		pg_write(w, h, 16);
		pg_write(w, data, present);
		return;
	}
	/* Enhanced Packet Block; pcapng files are never cut. */
	pg_le32(h, 0x00000006);
	pg_le32(h + 4, (uint32_t)(32 + caplen + (4 - caplen % 4) % 4));
	pg_le32(h + 8, 0);
	pg_le32(h + 12, (uint32_t)(ts >> 32));
	pg_le32(h + 16, (uint32_t)ts);
	pg_le32(h + 20, (uint32_t)caplen);
	pg_le32(h + 24, (uint32_t)caplen);
	pg_write(w, h, 28);
	pg_write(w, data, caplen);
	pg_write(w, zero, (4 - caplen % 4) % 4);
	pg_write(w, h + 4, 4);
}

void
pg_record(struct pg_writer *w, uint64_t ts, const uint8_t *data, size_t len)
{
	pg_record_cut(w, ts, data, len, len);
}

/* Prepend the writer's link-layer header to f and write the record. */
size_t
pg_frame_build(const struct pg_writer *w, const struct pg_l2 *l2,
    const struct pg_frame *f, uint8_t *buf)
{
	size_t		 n = 0;
	int		 i;

	switch (w->linktype) {
	case LINKTYPE_ETHERNET:
		memcpy(buf, f->dst, 6);
		memcpy(buf + 6, f->src, 6);
		n = 12;
		for (i = 0; i < l2->ntags; i++, n += 4) {
			pg_be16(buf + n, l2->tpid[i]);
			pg_be16(buf + n + 2, l2->vid[i]);
		}
		pg_be16(buf + n, f->ethertype);
		n += 2;
		break;
	case LINKTYPE_LINUX_SLL:
		pg_be16(buf, f->outgoing ? 4 : 0);	/* packet type */
		pg_be16(buf + 2, 1);			/* ARPHRD_ETHER */
		pg_be16(buf + 4, 6);
		memcpy(buf + 6, f->src, 6);
		memset(buf + 12, 0, 2);
		pg_be16(buf + 14, f->ethertype);
		n = 16;
		break;
	case LINKTYPE_LINUX_SLL2:
		pg_be16(buf, f->ethertype);
		pg_be16(buf + 2, 0);
		pg_be32(buf + 4, 2);			/* interface index */
		pg_be16(buf + 8, 1);			/* ARPHRD_ETHER */
		buf[10] = f->outgoing ? 4 : 0;
		buf[11] = 6;
		memcpy(buf + 12, f->src, 6);
		memset(buf + 18, 0, 2);
		n = 20;
		break;
	case LINKTYPE_RAW:
		break;
	default:
		pg_fatal("linktype %u not supported", (unsigned)w->linktype);
	}
	if (n + f->len > PG_MAXFRAME)
		pg_fatal("frame too long");
	memcpy(buf + n, f->l3, f->len);
	n += f->len;
	if (w->linktype == LINKTYPE_ETHERNET && l2->pad && n < 60) {
		memset(buf + n, 0, 60 - n);
		n = 60;
	}
	return n;
}

void
pg_emit(struct pg_writer *w, const struct pg_l2 *l2, const struct pg_frame *f)
{
	uint8_t		 buf[PG_MAXFRAME];

	pg_record(w, f->ts, buf, pg_frame_build(w, l2, f, buf));
}

/*
 * Packet.
 */

uint64_t
pg_at(int h, int m, int s)
{
	return (PG_EPOCH + (uint64_t)(h * 3600 + m * 60 + s)) * 1000000;
}

struct pg_addr
pg_ip(const char *s)
{
	struct pg_addr	 a;

	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET, s, a.a) == 1)
		return a;
	a.v6 = 1;
	if (inet_pton(AF_INET6, s, a.a) != 1)
		pg_fatal("bad address %s", s);
	return a;
}

/* Campus hosts sit one hop from the capture point, Internet hosts more. */
int
pg_campus(const struct pg_addr *a)
{
	static const uint8_t v6[6] = { 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x20 };

	if (a->v6)
		return memcmp(a->a, v6, sizeof(v6)) == 0;
	return a->a[0] == 10 && a->a[1] == 20;
}

/* A locally administered MAC address derived from the IP address. */
void
pg_mac(const struct pg_addr *a, uint8_t mac[6])
{
	mac[0] = 0x02;
	mac[1] = a->v6 ? 0x66 : 0x44;
	memcpy(mac + 2, a->a + (a->v6 ? 12 : 0), 4);
}

static uint32_t
pg_sum(uint32_t sum, const uint8_t *p, size_t len)
{
	size_t		 i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t
pg_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* TCP/UDP checksum with the IPv4 or IPv6 pseudo-header. */
uint16_t
pg_l4sum(const struct pg_addr *src, const struct pg_addr *dst, uint8_t proto,
    const uint8_t *l4, size_t len)
{
	size_t		 alen = src->v6 ? 16 : 4;
	uint32_t	 sum;

	sum = pg_sum(0, src->a, alen);
	sum = pg_sum(sum, dst->a, alen);
	sum += proto + (uint32_t)(len >> 16) + (uint32_t)(len & 0xffff);
	sum = pg_sum(sum, l4, len);
	return pg_fold(sum);
}

/* Recompute the IPv4 header checksum of a (possibly mangled) packet. */
void
pg_ip4_cksum(uint8_t *ip, size_t hlen)
{
	pg_be16(ip + 10, 0);
	pg_be16(ip + 10, pg_fold(pg_sum(0, ip, hlen)));
}

/* FNV-1a over bytes, then over a 32-bit value in a fixed byte order. */
uint32_t
pg_hash(uint32_t h, const void *p, size_t len)
{
	const uint8_t	*b = p;

	while (len-- > 0)
		h = (h ^ *b++) * 16777619u;
	return h;
}

uint32_t
pg_hash32(uint32_t h, uint32_t v)
{
	uint8_t		 b[4];

	pg_be32(b, v);
	return pg_hash(h, b, sizeof(b));
}

/*
 * Wrap l4 in an IP header from the sending side of c.  frag is the IPv4
 * flags/fragment-offset field.  Returns the datagram's length.
 */
size_t
pg_ip_build(const struct pg_conn *c, int dir, uint8_t proto, uint16_t frag,
    const uint8_t *l4, size_t len, uint8_t *out)
{
	const struct pg_side	*s = &c->side[dir], *d = &c->side[!dir];
	const struct pg_ipx	*x = &c->x;
	size_t			 hl;

	if (s->addr.v6) {
		hl = 40 + x->v6extlen;
		pg_be32(out, 0x60000000 | s->flowlabel);
		pg_be16(out + 4, (uint32_t)(x->v6extlen + len));
		out[6] = x->v6extlen ? x->v6first : proto;
		out[7] = s->ttl;
		memcpy(out + 8, s->addr.a, 16);
		memcpy(out + 24, d->addr.a, 16);
		if (x->v6extlen)
			memcpy(out + 40, x->v6ext, x->v6extlen);
	} else {
		hl = 20 + x->v4optlen;
		out[0] = (uint8_t)(0x40 | hl / 4);
		out[1] = 0;
		pg_be16(out + 2, (uint32_t)(hl + len));
		pg_be16(out + 4, s->ipid);
		pg_be16(out + 6, frag);
		out[8] = s->ttl;
		out[9] = proto;
		memcpy(out + 12, s->addr.a, 4);
		memcpy(out + 16, d->addr.a, 4);
		if (x->v4optlen)
			memcpy(out + 20, x->v4opt, x->v4optlen);
		pg_ip4_cksum(out, hl);
	}
	if (hl + len > PG_MAXFRAME - 64)
		pg_fatal("datagram too long");
	if (len)
		memcpy(out + hl, l4, len);
	return hl + len;
}

/* Write a built IP datagram of c as one frame. */
void
pg_emit_ip(const struct pg_conn *c, int dir, const uint8_t *ip, size_t len)
{
	struct pg_frame	 f;

	f.ts = c->now;
	f.ethertype = c->side[dir].addr.v6 ? ETHERTYPE_IPV6 : ETHERTYPE_IP;
	pg_mac(&c->side[dir].addr, f.src);
	pg_mac(&c->side[!dir].addr, f.dst);
	f.outgoing = dir == PG_C2S;
	f.l3 = ip;
	f.len = len;
	pg_emit(c->w, &c->l2, &f);
}

/*
 * Send l4 as IPv4 fragments of c->x.frag[] bytes each, the rest in the
 * last one; they follow each other 20 usec apart.
 */
static void
pg_ip_fragment(struct pg_conn *c, int dir, uint8_t proto, const uint8_t *l4,
    size_t len)
{
	uint8_t		 pkt[PG_MAXFRAME];
	size_t		 off = 0, flen;
	int		 i, last;

	for (i = 0; i <= c->x.nfrag; i++) {
		last = i == c->x.nfrag;
		flen = last ? len - off : c->x.frag[i];
		if (off + flen > len || (!last && flen % 8 != 0))
			pg_fatal("bad fragment sizes");
		if (i > 0)
			c->now += 20;
		pg_emit_ip(c, dir, pkt, pg_ip_build(c, dir, proto,
		    (uint16_t)(off / 8 | (last ? 0 : IP_MF)), l4 + off,
		    flen, pkt));
		off += flen;
	}
}

/* Send l4 as one IP datagram, or fragmented if c->x says so; clears c->x. */
void
pg_ip_send(struct pg_conn *c, int dir, uint8_t proto, const uint8_t *l4,
    size_t len)
{
	uint8_t		 pkt[PG_MAXFRAME];

	if (c->x.nfrag > 0)
		pg_ip_fragment(c, dir, proto, l4, len);
	else
		pg_emit_ip(c, dir, pkt,
		    pg_ip_build(c, dir, proto, IP_DF, l4, len, pkt));
	c->side[dir].ipid++;
	memset(&c->x, 0, sizeof(c->x));
}
