/*
 * nfqd-pcapgen: write the captures used by nfqd's replay tests.
 *
 *	nfqd-pcapgen -o DIR
 *	nfqd-pcapgen -b FILE [-s SEED] [-n CONNECTIONS] [-t SECONDS]
 *	nfqd-pcapgen -h | -V
 *
 * Exit status: 0 written, 1 a file could not be written, 2 usage error.
 *
 * Everything is deterministic: timestamps, ISNs, IP IDs, TCP timestamps
 * and message bodies derive from fixed constants, so two runs produce
 * byte-for-byte identical files.  Only libc is used; the pcap and pcapng
 * bytes are written here, in little-endian order.
 *
 * The file reads bottom-up:
 *
 *	writer		pcap / pcapng files and link-layer framing
 *	packet		IPv4, IPv6, TCP and UDP headers, checksums, fragments
 *	session		one TCP connection between a client and a server:
 *			tcp_handshake, syn_attempts, tcp_data, fin_close,
 *			tcp_rst, smtp_session, ...
 *	captures	one function per output file, one block per scenario
 *
 * The session layer keeps no state outside struct pg_conn, so a caller can
 * interleave many connections on one writer (e.g. a benchmark capture).
 * Captures are dated 2026-09-21 (UTC); the policy cases refer to the
 * sample campus config (10.20.0.0/16, 2001:db8:20::/48, exceptions.conf).
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <arpa/inet.h>

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "base/defs.h"		/* NFQD_VERSION only */

#define PG_EPOCH	1789948800ULL	/* 2026-09-21 00:00:00 UTC */
#define PG_SNAPLEN	262144
#define PG_MAXFRAME	2048
#define PG_MAXMSG	32768
#define PG_MAXFRAG	4

#define LINKTYPE_ETHERNET	1
#define LINKTYPE_RAW		101
#define LINKTYPE_LINUX_SLL	113
#define LINKTYPE_LINUX_SLL2	276

#define ETHERTYPE_IP	0x0800
#define ETHERTYPE_ARP	0x0806
#define ETHERTYPE_VLAN	0x8100
#define ETHERTYPE_QINQ	0x88a8
#define ETHERTYPE_IPV6	0x86dd

#define PROTO_HOPOPTS	0
#define PROTO_TCP	6
#define PROTO_UDP	17
#define PROTO_ROUTING	43
#define PROTO_FRAGMENT	44
#define PROTO_DSTOPTS	60

#define IP_DF		0x4000
#define IP_MF		0x2000

#define TH_FIN		0x01
#define TH_SYN		0x02
#define TH_RST		0x04
#define TH_PSH		0x08
#define TH_ACK		0x10

enum pg_fmt { PG_PCAP, PG_PCAPNG };

/* Packet direction, also the index of the sending side in pg_conn. */
enum { PG_C2S = 0, PG_S2C = 1 };

struct pg_writer {
	FILE		*fp;
	char		 path[1024];
	enum pg_fmt	 fmt;
	uint32_t	 linktype;
};

/* Link-layer details of a connection's frames (Ethernet only). */
struct pg_l2 {
	int		 ntags;		/* 0, 1 (802.1Q) or 2 (QinQ) */
	uint16_t	 tpid[2];	/* outer tag first */
	uint16_t	 vid[2];
	int		 pad;		/* pad frames to 60 bytes, as received */
};

/* One frame to write: link-layer fields plus the network-layer bytes. */
struct pg_frame {
	uint64_t	 ts;		/* usec since the Unix epoch */
	uint16_t	 ethertype;
	uint8_t		 src[6];
	uint8_t		 dst[6];
	int		 outgoing;	/* SLL packet type: 4 (sent) or 0 */
	const uint8_t	*l3;
	size_t		 len;
};

struct pg_addr {
	int		 v6;
	uint8_t		 a[16];
};

/* IP-layer extras for the next datagram of a connection only. */
struct pg_ipx {
	const uint8_t	*v4opt;		/* IPv4 options, multiple of 4 */
	size_t		 v4optlen;
	const uint8_t	*v6ext;		/* IPv6 extension chain, prebuilt */
	size_t		 v6extlen;
	uint8_t		 v6first;	/* type of its first header */
	size_t		 frag[PG_MAXFRAG];	/* IPv4 fragment sizes but last */
	int		 nfrag;
};

struct pg_side {
	struct pg_addr	 addr;
	uint16_t	 port;
	uint32_t	 seq;		/* next sequence number to send */
	uint32_t	 tsbase;	/* TSval at the connection's start */
	uint32_t	 tslast;	/* last TSval sent: the peer's TSecr */
	uint32_t	 flowlabel;
	uint16_t	 ipid;
	uint8_t		 ttl;
};

struct pg_conn {
	struct pg_writer *w;
	struct pg_l2	 l2;
	struct pg_side	 side[2];	/* [PG_C2S] client, [PG_S2C] server */
	uint64_t	 start;		/* usec since the Unix epoch */
	uint64_t	 now;
	uint32_t	 rtt;		/* usec, as seen at the capture point */
	int		 lastdir;	/* -1 before the first packet */
	struct pg_ipx	 x;
};

/* What an SMTP session says; see smtp_session(). */
struct smtp_script {
	const char	*server;	/* host name in the banner */
	const char	*helo;		/* client's EHLO argument */
	const char	*from;
	const char	*rcpt[2];	/* second one optional */
	const char	*subject;
	const char	*text;		/* short body, or NULL ... */
	size_t		 bodylen;	/* ... for a generated body this big */
	const char	*queueid;
};

/*
 * Writer.
 */

static void pg_fatal(const char *, ...)
    __attribute__((__format__(__printf__, 1, 2), __noreturn__));
static void smtp_say(struct pg_conn *, int, const char *, ...)
    __attribute__((__format__(__printf__, 3, 4)));

static void
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

static void
pg_le16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void
pg_le32(uint8_t *p, uint32_t v)
{
	pg_le16(p, v & 0xffff);
	pg_le16(p + 2, v >> 16);
}

static void
pg_be16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
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

static void
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

static void
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
static void
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

static void
pg_record(struct pg_writer *w, uint64_t ts, const uint8_t *data, size_t len)
{
	pg_record_cut(w, ts, data, len, len);
}

/* Prepend the writer's link-layer header to f and write the record. */
static size_t
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

static void
pg_emit(struct pg_writer *w, const struct pg_l2 *l2, const struct pg_frame *f)
{
	uint8_t		 buf[PG_MAXFRAME];

	pg_record(w, f->ts, buf, pg_frame_build(w, l2, f, buf));
}

/*
 * Packet.
 */

static uint64_t
pg_at(int h, int m, int s)
{
	return (PG_EPOCH + (uint64_t)(h * 3600 + m * 60 + s)) * 1000000;
}

static struct pg_addr
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
static int
pg_campus(const struct pg_addr *a)
{
	static const uint8_t v6[6] = { 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x20 };

	if (a->v6)
		return memcmp(a->a, v6, sizeof(v6)) == 0;
	return a->a[0] == 10 && a->a[1] == 20;
}

/* A locally administered MAC address derived from the IP address. */
static void
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
static uint16_t
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
static void
pg_ip4_cksum(uint8_t *ip, size_t hlen)
{
	pg_be16(ip + 10, 0);
	pg_be16(ip + 10, pg_fold(pg_sum(0, ip, hlen)));
}

/* FNV-1a over bytes, then over a 32-bit value in a fixed byte order. */
static uint32_t
pg_hash(uint32_t h, const void *p, size_t len)
{
	const uint8_t	*b = p;

	while (len-- > 0)
		h = (h ^ *b++) * 16777619u;
	return h;
}

static uint32_t
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
static size_t
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
static void
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
static void
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

/*
 * Session.
 */

static void
pg_conn_init(struct pg_conn *c, struct pg_writer *w, const char *cli,
    uint16_t cport, const char *srv, uint16_t sport, uint64_t start)
{
	struct pg_side	*s;
	uint32_t	 h;
	int		 i;

	memset(c, 0, sizeof(*c));
	c->w = w;
	c->l2.pad = 1;
	c->side[PG_C2S].addr = pg_ip(cli);
	c->side[PG_C2S].port = cport;
	c->side[PG_S2C].addr = pg_ip(srv);
	c->side[PG_S2C].port = sport;
	c->start = c->now = start;
	c->lastdir = -1;
	c->rtt = pg_campus(&c->side[0].addr) && pg_campus(&c->side[1].addr) ?
	    400 : 23000;
	/* ISNs, TCP clocks, IP IDs, flow labels: from the 4-tuple and time. */
	h = pg_hash(2166136261u, c->side[0].addr.a, 16);
	h = pg_hash(h, c->side[1].addr.a, 16);
	h = pg_hash32(h, (uint32_t)cport << 16 | sport);
	h = pg_hash32(h, (uint32_t)(start / 1000000));
	h = pg_hash32(h, (uint32_t)(start % 1000000));
	for (i = 0; i < 2; i++) {
		s = &c->side[i];
		h = pg_hash32(h, (uint32_t)i);
		s->seq = h;
		s->tsbase = pg_hash(h, "ts", 2) & 0x7fffffff;
		s->flowlabel = h >> 12;
		s->ipid = (uint16_t)(h >> 7);
		s->ttl = pg_campus(&s->addr) ? 63 : 52;
	}
}

/* The connection started before the capture: both sides are in sync. */
static void
tcp_midstream(struct pg_conn *c)
{
	c->side[PG_C2S].tslast = c->side[PG_C2S].tsbase;
	c->side[PG_S2C].tslast = c->side[PG_S2C].tsbase;
}

static uint32_t
pg_tsval(const struct pg_conn *c, int dir)
{
	return c->side[dir].tsbase + (uint32_t)((c->now - c->start) / 1000);
}

/* Linux-like options: MSS, SACK-permitted, timestamps, window scale. */
static size_t
pg_tcp_opts(const struct pg_conn *c, int dir, uint8_t flags, uint8_t *o)
{
	size_t		 n = 0;

	if (flags & TH_RST)
		return 0;
	if (flags & TH_SYN) {
		o[n++] = 2;			/* MSS */
		o[n++] = 4;
		pg_be16(o + n, c->side[dir].addr.v6 ? 1440 : 1460);
		n += 2;
		o[n++] = 4;			/* SACK permitted */
		o[n++] = 2;
	} else {
		o[n++] = 1;			/* NOP, NOP */
		o[n++] = 1;
	}
	o[n++] = 8;				/* timestamps */
	o[n++] = 10;
	pg_be32(o + n, pg_tsval(c, dir));
	pg_be32(o + n + 4, c->side[!dir].tslast);
	n += 8;
	if (flags & TH_SYN) {
		o[n++] = 1;			/* NOP, window scale 7 */
		o[n++] = 3;
		o[n++] = 3;
		o[n++] = 7;
	}
	return n;
}

/* Largest payload of one segment (MSS less the timestamp option). */
static size_t
pg_maxseg(const struct pg_conn *c)
{
	return (c->side[PG_C2S].addr.v6 ? 1440 : 1460) - 12;
}

/* Build one TCP segment of c with a correct checksum; returns its length. */
static size_t
pg_tcp_build(const struct pg_conn *c, int dir, uint8_t flags, uint32_t seq,
    const void *data, size_t len, uint8_t *out)
{
	const struct pg_side	*s = &c->side[dir], *p = &c->side[!dir];
	size_t			 hl;
	uint16_t		 win;

	if (len > PG_MAXFRAME - 128)
		pg_fatal("segment too long");
	hl = 20 + pg_tcp_opts(c, dir, flags, out + 20);
	if (flags & TH_SYN)
		win = dir == PG_C2S ? 64240 : 65160;
	else
		win = dir == PG_C2S ? 502 : 509;
	pg_be16(out, s->port);
	pg_be16(out + 2, p->port);
	pg_be32(out + 4, seq);
	pg_be32(out + 8, (flags & TH_ACK) ? p->seq : 0);
	out[12] = (uint8_t)(hl / 4 << 4);
	out[13] = flags;
	pg_be16(out + 14, (flags & TH_RST) ? 0 : win);
	pg_be16(out + 16, 0);
	pg_be16(out + 18, 0);
	if (len)
		memcpy(out + hl, data, len);
	pg_be16(out + 16, pg_l4sum(&s->addr, &p->addr, PROTO_TCP, out,
	    hl + len));
	return hl + len;
}

/* Emit one segment with an explicit sequence number; no timing. */
static void
pg_tcp_emit(struct pg_conn *c, int dir, uint8_t flags, uint32_t seq,
    const void *data, size_t len)
{
	uint8_t		 seg[PG_MAXFRAME];

	pg_ip_send(c, dir, PROTO_TCP, seg,
	    pg_tcp_build(c, dir, flags, seq, data, len, seg));
	c->side[dir].tslast = pg_tsval(c, dir);
	c->lastdir = dir;
}

/* Advance the clock: a reply comes one RTT later, a follow-up 100 usec. */
static void
pg_step(struct pg_conn *c, int dir)
{
	if (c->lastdir == -1)
		return;
	c->now += dir == c->lastdir ? 100 : c->rtt;
}

static void
pg_wait(struct pg_conn *c, uint64_t usec)
{
	c->now += usec;
}

/* Send one segment from dir's side at its next sequence number. */
static void
tcp_send(struct pg_conn *c, int dir, uint8_t flags, const void *data,
    size_t len)
{
	struct pg_side	*s = &c->side[dir];

	pg_step(c, dir);
	pg_tcp_emit(c, dir, flags, s->seq, data, len);
	s->seq += (uint32_t)len;
	if (flags & (TH_SYN | TH_FIN))
		s->seq++;
}

static void
tcp_handshake(struct pg_conn *c)
{
	tcp_send(c, PG_C2S, TH_SYN, NULL, 0);
	tcp_send(c, PG_S2C, TH_SYN | TH_ACK, NULL, 0);
	tcp_send(c, PG_C2S, TH_ACK, NULL, 0);
}

/* A SYN and n - 1 retransmissions 1, 2, 4, 8 s apart, never answered. */
static void
syn_attempts(struct pg_conn *c, int n)
{
	uint64_t	 t0 = c->now;
	uint32_t	 isn = c->side[PG_C2S].seq;
	int		 i;

	for (i = 0; i < n; i++) {
		c->now = t0 + ((1ULL << i) - 1) * 1000000;
		pg_tcp_emit(c, PG_C2S, TH_SYN, isn, NULL, 0);
	}
	c->side[PG_C2S].seq = isn + 1;
}

/*
 * Send len bytes from dir's side in MSS-sized segments, PSH on the last;
 * the receiver sends a pure ACK after every second segment but lets its
 * next reply acknowledge the end.
 */
static void
tcp_data(struct pg_conn *c, int dir, const void *data, size_t len)
{
	const uint8_t	*p = data;
	size_t		 seg, n;
	int		 i;

	for (i = 1; len > 0; i++) {
		seg = pg_maxseg(c);
		n = len < seg ? len : seg;
		tcp_send(c, dir, (uint8_t)(TH_ACK | (n == len ? TH_PSH : 0)),
		    p, n);
		p += n;
		len -= n;
		if (i % 2 == 0 && len > 0)
			tcp_send(c, !dir, TH_ACK, NULL, 0);
	}
}

/* FIN from side first, FIN from the other, last ACK. */
static void
fin_close(struct pg_conn *c, int first)
{
	tcp_send(c, first, TH_FIN | TH_ACK, NULL, 0);
	tcp_send(c, !first, TH_FIN | TH_ACK, NULL, 0);
	tcp_send(c, first, TH_ACK, NULL, 0);
}

/* Abort from dir's side: RST|ACK without options, as Linux sends it. */
static void
tcp_rst(struct pg_conn *c, int dir)
{
	tcp_send(c, dir, TH_RST | TH_ACK, NULL, 0);
}

static void
udp_send(struct pg_conn *c, int dir, const void *data, size_t len)
{
	const struct pg_side	*s = &c->side[dir], *p = &c->side[!dir];
	uint8_t			 dg[PG_MAXFRAME];
	uint16_t		 sum;

	if (len + 8 > sizeof(dg) - 64)
		pg_fatal("datagram too long");
	pg_step(c, dir);
	pg_be16(dg, s->port);
	pg_be16(dg + 2, p->port);
	pg_be16(dg + 4, (uint32_t)(len + 8));
	pg_be16(dg + 6, 0);
	memcpy(dg + 8, data, len);
	sum = pg_l4sum(&s->addr, &p->addr, PROTO_UDP, dg, len + 8);
	pg_be16(dg + 6, sum == 0 ? 0xffff : sum);
	pg_ip_send(c, dir, PROTO_UDP, dg, len + 8);
	c->lastdir = dir;
}

/*
 * SMTP.  Each command or reply is one write, so one segment unless it is
 * longer than the MSS; replies acknowledge commands and vice versa.
 */

static void
smtp_say(struct pg_conn *c, int dir, const char *fmt, ...)
{
	char		 line[1024];
	va_list		 ap;
	int		 n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line))
		pg_fatal("SMTP line too long");
	tcp_data(c, dir, line, (size_t)n);
}

/* Banner, EHLO and the multi-line 250 reply. */
static void
smtp_greet(struct pg_conn *c, const struct smtp_script *s)
{
	pg_wait(c, 2000);
	smtp_say(c, PG_S2C, "220 %s ESMTP Postfix (Debian/GNU)\r\n",
	    s->server);
	smtp_say(c, PG_C2S, "EHLO %s\r\n", s->helo);
	smtp_say(c, PG_S2C, "250-%s\r\n250-PIPELINING\r\n250-SIZE 52428800\r\n"
	    "250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250-DSN\r\n"
	    "250 SMTPUTF8\r\n", s->server);
}

/* A deterministic body of about n bytes: FASTA-like lines of bases. */
static size_t
smtp_body(char *buf, size_t size, size_t n)
{
	static const char bases[] = "ACGT";
	uint32_t	 x = 0x2545f491;	/* xorshift32, fixed seed */
	size_t		 len, i;

	len = (size_t)snprintf(buf, size, ">run-2026-09-21 sample=GX-0412 "
	    "lane=3\r\n");
	while (len < n && len + 80 < size) {
		for (i = 0; i < 76; i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			buf[len++] = bases[x & 3];
		}
		buf[len++] = '\r';
		buf[len++] = '\n';
	}
	return len;
}

/* Headers, body and the terminating "." line of the message. */
static size_t
smtp_message(const struct pg_conn *c, const struct smtp_script *s,
    char *buf, size_t size)
{
	uint64_t	 sec = c->now / 1000000 - PG_EPOCH;
	size_t		 n;

	n = (size_t)snprintf(buf, size,
	    "Date: Mon, 21 Sep 2026 %02u:%02u:%02u +0000\r\n"
	    "From: <%s>\r\nTo: <%s>%s%s%s\r\nSubject: %s\r\n"
	    "Message-ID: <%s@%s>\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=us-ascii\r\n\r\n",
	    (unsigned)(sec / 3600), (unsigned)(sec / 60 % 60),
	    (unsigned)(sec % 60), s->from, s->rcpt[0],
	    s->rcpt[1] ? ", <" : "", s->rcpt[1] ? s->rcpt[1] : "",
	    s->rcpt[1] ? ">" : "", s->subject, s->queueid, s->helo);
	if (n >= size)
		pg_fatal("message headers too long");
	if (s->text != NULL)
		n += (size_t)snprintf(buf + n, size - n, "%s", s->text);
	else
		n += smtp_body(buf + n, size - n, s->bodylen);
	if (n < 2 || n + 6 >= size)
		pg_fatal("message too long");
	if (memcmp(buf + n - 2, "\r\n", 2) != 0) {
		memcpy(buf + n, "\r\n", 2);
		n += 2;
	}
	memcpy(buf + n, ".\r\n", 3);
	return n + 3;
}

/* MAIL FROM, RCPT TO (one or two), DATA, message, 250 queued. */
static void
smtp_mail(struct pg_conn *c, const struct smtp_script *s)
{
	char		 msg[PG_MAXMSG];
	size_t		 len;
	int		 i;

	len = smtp_message(c, s, msg, sizeof(msg));
	smtp_say(c, PG_C2S, "MAIL FROM:<%s> SIZE=%zu\r\n", s->from, len);
	smtp_say(c, PG_S2C, "250 2.1.0 Ok\r\n");
	for (i = 0; i < 2 && s->rcpt[i] != NULL; i++) {
		smtp_say(c, PG_C2S, "RCPT TO:<%s>\r\n", s->rcpt[i]);
		smtp_say(c, PG_S2C, "250 2.1.5 Ok\r\n");
	}
	smtp_say(c, PG_C2S, "DATA\r\n");
	smtp_say(c, PG_S2C, "354 End data with <CR><LF>.<CR><LF>\r\n");
	tcp_data(c, PG_C2S, msg, len);
	pg_wait(c, 15000);
	smtp_say(c, PG_S2C, "250 2.0.0 Ok: queued as %s\r\n", s->queueid);
}

static void
smtp_quit(struct pg_conn *c)
{
	smtp_say(c, PG_C2S, "QUIT\r\n");
	smtp_say(c, PG_S2C, "221 2.0.0 Bye\r\n");
}

/* Everything after the handshake up to 221; the caller closes. */
static void
smtp_session(struct pg_conn *c, const struct smtp_script *s)
{
	smtp_greet(c, s);
	smtp_mail(c, s);
	smtp_quit(c);
}

/* Handshake, whole session, server closes first after its 221. */
static void
smtp_full(struct pg_conn *c, const struct smtp_script *s)
{
	tcp_handshake(c);
	smtp_session(c, s);
	fin_close(c, PG_S2C);
}

/* Handshake, banner, EHLO, QUIT, close: a short allowed connection. */
static void
smtp_short(struct pg_conn *c, const struct smtp_script *s)
{
	tcp_handshake(c);
	smtp_greet(c, s);
	smtp_quit(c);
	fin_close(c, PG_S2C);
}

/*
 * Noise that is not SMTP.
 */

/* ARP who-has from the host at ip asking for gw, and the reply. */
static void
arp_exchange(struct pg_writer *w, uint64_t ts, const char *ip,
    const char *gw)
{
	struct pg_addr	 a = pg_ip(ip), g = pg_ip(gw);
	struct pg_l2	 l2 = { 0, { 0, 0 }, { 0, 0 }, 1 };
	struct pg_frame	 f;
	uint8_t		 arp[28], amac[6], gmac[6];

	pg_mac(&a, amac);
	pg_mac(&g, gmac);
	pg_be16(arp, 1);		/* Ethernet */
	pg_be16(arp + 2, ETHERTYPE_IP);
	arp[4] = 6;
	arp[5] = 4;
	pg_be16(arp + 6, 1);		/* request */
	memcpy(arp + 8, amac, 6);
	memcpy(arp + 14, a.a, 4);
	memset(arp + 18, 0, 6);
	memcpy(arp + 24, g.a, 4);
	f.ts = ts;
	f.ethertype = ETHERTYPE_ARP;
	memcpy(f.src, amac, 6);
	memset(f.dst, 0xff, 6);
	f.outgoing = 1;
	f.l3 = arp;
	f.len = sizeof(arp);
	pg_emit(w, &l2, &f);

	pg_be16(arp + 6, 2);		/* reply */
	memcpy(arp + 8, gmac, 6);
	memcpy(arp + 14, g.a, 4);
	memcpy(arp + 18, amac, 6);
	memcpy(arp + 24, a.a, 4);
	f.ts = ts + 300;
	memcpy(f.src, gmac, 6);
	memcpy(f.dst, amac, 6);
	f.outgoing = 0;
	pg_emit(w, &l2, &f);
}

/* Encode a DNS name; returns its length. */
static size_t
dns_name(uint8_t *p, const char *name)
{
	size_t		 n = 0, l;

	while (*name != '\0') {
		l = strcspn(name, ".");
		p[n++] = (uint8_t)l;
		memcpy(p + n, name, l);
		n += l;
		name += l + (name[l] == '.');
	}
	p[n++] = 0;
	return n;
}

/* An MX query over UDP and its one-answer response. */
static void
dns_mx(struct pg_conn *c, uint16_t id, const char *qname, const char *mx)
{
	uint8_t		 m[512];
	size_t		 q, n;

	pg_be16(m, id);
	pg_be16(m + 2, 0x0100);		/* RD */
	pg_be16(m + 4, 1);
	memset(m + 6, 0, 6);
	n = 12 + dns_name(m + 12, qname);
	pg_be16(m + n, 15);		/* MX */
	pg_be16(m + n + 2, 1);		/* IN */
	n += 4;
	q = n;				/* end of the question */
	udp_send(c, PG_C2S, m, n);

	pg_be16(m + 2, 0x8180);		/* QR RD RA */
	pg_be16(m + 6, 1);
	pg_be16(m + n, 0xc00c);		/* name: pointer to the question */
	pg_be16(m + n + 2, 15);
	pg_be16(m + n + 4, 1);
	pg_be32(m + n + 6, 300);
	n += 12;
	pg_be16(m + n, 10);		/* preference */
	n += 2 + dns_name(m + n + 2, mx);
	pg_be16(m + q + 10, (uint32_t)(n - q - 12));	/* rdlength */
	pg_wait(c, 1500);
	udp_send(c, PG_S2C, m, n);
}

/* A small HTTP GET and its response. */
static void
http_get(struct pg_conn *c, const char *host)
{
	static const char body[] = "<html><body>campus portal</body></html>\n";

	tcp_handshake(c);
	smtp_say(c, PG_C2S, "GET / HTTP/1.1\r\nHost: %s\r\n"
	    "User-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n", host);
	smtp_say(c, PG_S2C, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
	    "Content-Length: %zu\r\n\r\n%s", sizeof(body) - 1, body);
	fin_close(c, PG_C2S);
}

/*
 * Captures.  Ports: each scenario has its own client port.
 */

static const struct smtp_script smtp_out = {
	"mx.example.net", "smtp.campus.example", "registrar@campus.example",
	{ "admissions@example.net", "archive@example.net" },
	"Enrolment confirmation 2026/27",
	"Dear applicant,\r\n\r\nyour enrolment for the winter term is "
	"confirmed.\r\n\r\nRegistrar's Office\r\n", 0, "4Fb2Lq0xZ7z",
};

static const struct smtp_script smtp_in = {
	"smtp.campus.example", "mail.example.org", "newsletter@example.org",
	{ "j.doe@campus.example", "a.smith@campus.example" },
	"Call for papers: SMTP at scale",
	"Hello,\r\n\r\nsubmissions are due on 2026-11-01.\r\n", 0,
	"4Fb3Mn1yQ2k",
};

static const struct smtp_script smtp_physics = {
	"mail.physics.campus.example", "relay.example.com",
	"alerts@example.com", { "beamline@physics.campus.example", NULL },
	"Beam time allocation", "Your slot: 2026-10-04 06:00 UTC.\r\n", 0,
	"8Hk2Pw5rTn",
};

static const struct smtp_script smtp_genomics = {
	"mx1.example.org", "seq01.genomics.campus.example",
	"pipeline@genomics.campus.example",
	{ "results@example.org", NULL }, "Run GX-0412 lane 3 results",
	NULL, 12000, "Q7d9Vh2cXa",
};

static const struct smtp_script smtp_internal = {
	"smtp.campus.example", "ws-3-44.campus.example",
	"printer-alerts@campus.example",
	{ "helpdesk@campus.example", NULL }, "Toner low on PR-3-2",
	"Printer PR-3-2 reports toner below 10%.\r\n", 0, "4Fb4Rt8sLm",
};

/* Enable IHL 6: one 4-byte IP Router Alert option (RFC 2113). */
static const uint8_t ip4_router_alert[4] = { 0x94, 0x04, 0x00, 0x00 };

/*
 * IPv6 extension chain: hop-by-hop (router alert), destination options
 * (padding) and a segment routing header with no segment left, then TCP.
 * Bytes 24..39 (the segment) are filled with the destination by
 * ip6_ext_chain().
 */
static size_t
ip6_ext_chain(uint8_t *p, const struct pg_addr *dst)
{
	static const uint8_t hdr[24] = {
		PROTO_DSTOPTS, 0, 0x05, 0x02, 0x00, 0x00, 0x01, 0x00,
		PROTO_ROUTING, 0, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00,
		PROTO_TCP, 2, 4, 0, 0, 0, 0, 0,
	};

	memcpy(p, hdr, sizeof(hdr));
	memcpy(p + 24, dst->a, 16);
	return 40;
}

/*
 * campus-day.pcap: one working day at the border, 08:00-18:00, Ethernet
 * from a mirror port (so blocked connections still show their packets).
 */
static void
cap_campus_day(const char *dir)
{
	struct pg_writer w;
	struct pg_conn	 c;
	struct smtp_script s;

	pg_open(&w, dir, "campus-day.pcap", PG_PCAP, LINKTYPE_ETHERNET);

	/* Noise: ARP and a DNS MX lookup (not IP / not TCP). */
	arp_exchange(&w, pg_at(8, 1, 30), "10.20.3.44", "10.20.3.1");
	pg_conn_init(&c, &w, "10.20.3.44", 53001, "10.20.0.53", 53,
	    pg_at(8, 2, 0));
	dns_mx(&c, 0x4e21, "example.net", "mx.example.net");

	/* Outbound from a plain host: blocked, no-exception; SYN x3. */
	pg_conn_init(&c, &w, "10.20.3.44", 40001, "198.51.100.7", 25,
	    pg_at(8, 5, 0));
	syn_attempts(&c, 3);

	/* Outbound from the gateway: allowed (10.20.1.25 both). */
	pg_conn_init(&c, &w, "10.20.1.25", 40002, "203.0.113.25", 25,
	    pg_at(8, 20, 0));
	smtp_full(&c, &smtp_out);

	/* Inbound to the gateway: allowed (10.20.1.25 both). */
	pg_conn_init(&c, &w, "198.51.100.20", 40003, "10.20.1.25", 25,
	    pg_at(8, 45, 0));
	smtp_full(&c, &smtp_in);

	/* Noise: HTTP from a campus host (other port). */
	pg_conn_init(&c, &w, "10.20.3.44", 40004, "203.0.113.80", 80,
	    pg_at(9, 10, 0));
	http_get(&c, "www.example.com");

	/* Inbound to a physics server: allowed by 10.20.8.0/24 inbound. */
	pg_conn_init(&c, &w, "203.0.113.40", 40005, "10.20.8.15", 25,
	    pg_at(9, 30, 0));
	smtp_full(&c, &smtp_physics);

	/* Inbound to 10.20.8.66: the /32 (outbound only) decides: blocked. */
	pg_conn_init(&c, &w, "203.0.113.41", 40006, "10.20.8.66", 25,
	    pg_at(9, 50, 0));
	syn_attempts(&c, 3);

	/* Outbound from 10.20.8.66: allowed by its /32 outbound entry. */
	s = smtp_out;
	s.helo = "relay.physics.campus.example";
	s.from = "daq@physics.campus.example";
	s.server = "mx2.example.net";
	pg_conn_init(&c, &w, "10.20.8.66", 40007, "198.51.100.30", 25,
	    pg_at(10, 5, 0));
	smtp_full(&c, &s);

	/* Outbound from 10.20.8.15: the /24 is inbound only: blocked. */
	pg_conn_init(&c, &w, "10.20.8.15", 40008, "198.51.100.31", 25,
	    pg_at(10, 20, 0));
	syn_attempts(&c, 3);

	/* Outbound from genomics: allowed, a ~12 KB message. */
	pg_conn_init(&c, &w, "10.20.5.10", 40009, "192.0.2.50", 25,
	    pg_at(10, 40, 0));
	smtp_full(&c, &smtp_genomics);

	/* Inbound to genomics: its entry is outbound only: blocked. */
	pg_conn_init(&c, &w, "192.0.2.51", 40010, "10.20.5.10", 25,
	    pg_at(11, 0, 0));
	syn_attempts(&c, 2);

	/* Outbound from 10.20.7.7: entry expired 2026-08-31: blocked. */
	pg_conn_init(&c, &w, "10.20.7.7", 40011, "203.0.113.60", 25,
	    pg_at(11, 15, 0));
	syn_attempts(&c, 3);

	/* Internal: campus workstation to the gateway: allowed. */
	pg_conn_init(&c, &w, "10.20.3.44", 40012, "10.20.1.25", 25,
	    pg_at(11, 30, 0));
	smtp_full(&c, &smtp_internal);

	/* Transit: neither end on campus: allowed (transit = allow). */
	s = smtp_in;
	s.server = "mx.example.com";
	s.helo = "out.example.net";
	s.rcpt[0] = "ops@example.com";
	s.rcpt[1] = NULL;
	pg_conn_init(&c, &w, "198.51.100.1", 40013, "203.0.113.1", 25,
	    pg_at(11, 50, 0));
	smtp_full(&c, &s);

	/*
	 * Inbound to a stray campus server: blocked, but the mirror port
	 * sees the whole session (state closed).
	 */
	s = smtp_in;
	s.server = "nas-4-4.campus.example";
	pg_conn_init(&c, &w, "198.51.100.70", 40014, "10.20.4.4", 25,
	    pg_at(12, 10, 0));
	smtp_full(&c, &s);

	/* Outbound from the gateway, refused and reset: allowed, RST. */
	pg_conn_init(&c, &w, "10.20.1.25", 40015, "198.51.100.80", 25,
	    pg_at(12, 30, 0));
	tcp_handshake(&c);
	pg_wait(&c, 2000);
	smtp_say(&c, PG_S2C, "421 4.7.0 mx.example.com Error: too many "
	    "connections\r\n");
	tcp_rst(&c, PG_C2S);

	/* Noise: mail submission on 587 (not in smtp-ports). */
	s = smtp_out;
	s.helo = "ws-3-44.campus.example";
	pg_conn_init(&c, &w, "10.20.3.44", 40016, "198.51.100.7", 587,
	    pg_at(12, 50, 0));
	smtp_short(&c, &s);

	/* IPv6 outbound from a plain host: blocked, no-exception. */
	pg_conn_init(&c, &w, "2001:db8:20:3::44", 40017, "2001:db8:99::7", 25,
	    pg_at(13, 0, 0));
	syn_attempts(&c, 3);

	/* IPv6 inbound to the gateway: allowed (2001:db8:20:1::25 both). */
	pg_conn_init(&c, &w, "2001:db8:99::20", 40018, "2001:db8:20:1::25",
	    25, pg_at(13, 20, 0));
	smtp_full(&c, &smtp_in);

	/* Inbound to the gateway, the SYN with IP options (IHL 6). */
	pg_conn_init(&c, &w, "203.0.113.90", 40019, "10.20.1.25", 25,
	    pg_at(13, 40, 0));
	c.x.v4opt = ip4_router_alert;
	c.x.v4optlen = sizeof(ip4_router_alert);
	smtp_full(&c, &smtp_in);

	/* Noise: SMTPS on 465, unanswered SYN (not in smtp-ports). */
	pg_conn_init(&c, &w, "10.20.3.44", 40020, "198.51.100.7", 465,
	    pg_at(14, 0, 0));
	syn_attempts(&c, 1);

	/* Noise: HTTPS connection opened and closed (other port). */
	pg_conn_init(&c, &w, "10.20.3.50", 40021, "203.0.113.43", 443,
	    pg_at(14, 20, 0));
	tcp_handshake(&c);
	fin_close(&c, PG_C2S);

	/* Inbound to a plain campus host: blocked, no-exception. */
	pg_conn_init(&c, &w, "198.51.100.99", 40022, "10.20.3.44", 25,
	    pg_at(14, 40, 0));
	syn_attempts(&c, 1);

	/* IPv6 outbound from the gateway: allowed. */
	pg_conn_init(&c, &w, "2001:db8:20:1::25", 40023, "2001:db8:99::25",
	    25, pg_at(15, 0, 0));
	smtp_full(&c, &smtp_out);

	/* Internal: physics server relays through the gateway. */
	s = smtp_internal;
	s.helo = "mail.physics.campus.example";
	pg_conn_init(&c, &w, "10.20.8.15", 40024, "10.20.1.25", 25,
	    pg_at(15, 20, 0));
	smtp_full(&c, &s);

	/* Inbound to a physics server again: allowed by the /24. */
	s = smtp_physics;
	s.helo = "lists.example.org";
	pg_conn_init(&c, &w, "192.0.2.77", 40025, "10.20.8.15", 25,
	    pg_at(15, 40, 0));
	smtp_full(&c, &s);

	/* An infected host spraying SMTP: blocked twice, no-exception. */
	pg_conn_init(&c, &w, "10.20.6.101", 40026, "192.0.2.99", 25,
	    pg_at(16, 0, 0));
	syn_attempts(&c, 3);
	pg_conn_init(&c, &w, "10.20.6.101", 40027, "198.51.100.99", 25,
	    pg_at(16, 0, 20));
	syn_attempts(&c, 3);

	/* Outbound from the gateway: allowed. */
	s = smtp_out;
	s.server = "mail.example.org";
	s.rcpt[0] = "board@example.org";
	s.rcpt[1] = NULL;
	pg_conn_init(&c, &w, "10.20.1.25", 40028, "198.51.100.25", 25,
	    pg_at(16, 30, 0));
	smtp_full(&c, &s);

	/* Inbound to 10.20.7.7: only an expired entry: blocked. */
	pg_conn_init(&c, &w, "198.51.100.123", 40029, "10.20.7.7", 25,
	    pg_at(17, 0, 0));
	syn_attempts(&c, 2);

	/*
	 * Inbound to the gateway that goes idle after EHLO: no FIN, the
	 * flow is still established when the capture ends.
	 */
	pg_conn_init(&c, &w, "198.51.100.20", 40030, "10.20.1.25", 25,
	    pg_at(17, 30, 0));
	tcp_handshake(&c);
	smtp_greet(&c, &smtp_in);

	/* Noise to end the day. */
	pg_conn_init(&c, &w, "10.20.3.44", 53002, "10.20.0.53", 53,
	    pg_at(17, 50, 0));
	dns_mx(&c, 0x4e22, "example.org", "mx1.example.org");
	arp_exchange(&w, pg_at(17, 55, 0), "10.20.3.50", "10.20.3.1");

	pg_close(&w);
}

/* One capture per link type, see cap_linktype(). */
struct linktype_cap {
	const char	*name;
	enum pg_fmt	 fmt;
	uint32_t	 linktype;
	const char	*blk_cli;	/* outbound, blocked */
	const char	*blk_srv;
	const char	*ok_cli;	/* with the gateway, allowed */
	const char	*ok_srv;
	const struct smtp_script *ok_smtp;
};

static const struct linktype_cap linktype_caps[] = {
	{ "linktypes-sll.pcap", PG_PCAP, LINKTYPE_LINUX_SLL,
	    "10.20.3.44", "198.51.100.7", "198.51.100.20", "10.20.1.25",
	    &smtp_in },
	{ "linktypes-sll2.pcap", PG_PCAP, LINKTYPE_LINUX_SLL2,
	    "2001:db8:20:3::44", "2001:db8:99::7", "10.20.1.25",
	    "203.0.113.25", &smtp_out },
	{ "linktypes-raw.pcap", PG_PCAP, LINKTYPE_RAW,
	    "10.20.3.44", "198.51.100.7", "2001:db8:99::20",
	    "2001:db8:20:1::25", &smtp_in },
	{ "linktypes.pcapng", PG_PCAPNG, LINKTYPE_ETHERNET,
	    "10.20.3.44", "198.51.100.7", "198.51.100.20", "10.20.1.25",
	    &smtp_in },
};

/*
 * linktypes-*.pcap, linktypes.pcapng: the same two short connections
 * under each link type: an outbound blocked one (SYN, one retransmission)
 * and an allowed one with the gateway (handshake, banner, EHLO, QUIT,
 * FIN both ways).
 */
static void
cap_linktype(const char *dir, const struct linktype_cap *lc)
{
	struct pg_writer w;
	struct pg_conn	 c;

	pg_open(&w, dir, lc->name, lc->fmt, lc->linktype);
	pg_conn_init(&c, &w, lc->blk_cli, 41001, lc->blk_srv, 25,
	    pg_at(10, 0, 0));
	syn_attempts(&c, 2);
	pg_conn_init(&c, &w, lc->ok_cli, 41002, lc->ok_srv, 25,
	    pg_at(10, 0, 5));
	smtp_short(&c, lc->ok_smtp);
	pg_close(&w);
}

/*
 * vlan.pcap: tagged frames.  stats.decoder.vlan counts tagged frames.
 */
static void
cap_vlan(const char *dir)
{
	struct pg_writer w;
	struct pg_conn	 c;

	pg_open(&w, dir, "vlan.pcap", PG_PCAP, LINKTYPE_ETHERNET);

	/* 802.1Q VLAN 20, IPv4 outbound from a plain host: blocked. */
	pg_conn_init(&c, &w, "10.20.3.44", 42001, "198.51.100.7", 25,
	    pg_at(10, 0, 0));
	c.l2.ntags = 1;
	c.l2.tpid[0] = ETHERTYPE_VLAN;
	c.l2.vid[0] = 20;
	syn_attempts(&c, 2);

	/* QinQ (S-tag 100, C-tag 20), IPv4 inbound to the gateway: allowed. */
	pg_conn_init(&c, &w, "198.51.100.20", 42002, "10.20.1.25", 25,
	    pg_at(10, 0, 5));
	c.l2.ntags = 2;
	c.l2.tpid[0] = ETHERTYPE_QINQ;
	c.l2.vid[0] = 100;
	c.l2.tpid[1] = ETHERTYPE_VLAN;
	c.l2.vid[1] = 20;
	smtp_short(&c, &smtp_in);

	/* 802.1Q VLAN 30, IPv6 inbound to a plain host: blocked. */
	pg_conn_init(&c, &w, "2001:db8:99::66", 42003, "2001:db8:20:3::44",
	    25, pg_at(10, 0, 10));
	c.l2.ntags = 1;
	c.l2.tpid[0] = ETHERTYPE_VLAN;
	c.l2.vid[0] = 30;
	syn_attempts(&c, 2);

	pg_close(&w);
}

/* Build the client's SYN (with options) of c into ip; returns its length. */
static size_t
mal_syn(struct pg_conn *c, uint8_t *ip)
{
	uint8_t		 seg[PG_MAXFRAME];
	size_t		 n;

	n = pg_tcp_build(c, PG_C2S, TH_SYN, c->side[PG_C2S].seq, NULL, 0,
	    seg);
	return pg_ip_build(c, PG_C2S, PROTO_TCP, IP_DF, seg, n, ip);
}

/* An IPv6 datagram holding only the extension chain ext: no TCP. */
static void
mal_v6_chain(struct pg_conn *c, const uint8_t *ext, size_t len)
{
	uint8_t		 ip[PG_MAXFRAME];

	c->x.v6ext = ext;
	c->x.v6extlen = len;
	c->x.v6first = PROTO_HOPOPTS;
	pg_emit_ip(c, PG_C2S, ip, pg_ip_build(c, PG_C2S, PROTO_TCP, 0, NULL,
	    0, ip));
	memset(&c->x, 0, sizeof(c->x));
}

/* Re-checksum the TCP segment at ip + hl after mangling its header. */
static void
mal_tcp_cksum(struct pg_conn *c, uint8_t *ip, size_t hl, size_t len)
{
	pg_be16(ip + hl + 16, 0);
	pg_be16(ip + hl + 16, pg_l4sum(&c->side[0].addr, &c->side[1].addr,
	    PROTO_TCP, ip + hl, len - hl));
}

/*
 * malformed.pcap: one frame of each malformed kind, each aimed at port
 * 25 (none may yield an event; all count in stats.decoder.invalid), then
 * ARP, UDP, a SYN to port 80, and one valid SYN (outbound, blocked).
 * Frames are not padded, so what is cut stays cut.
 */
static void
cap_malformed(const char *dir)
{
	struct pg_writer w;
	static const uint8_t runt[10] = { 0x02, 0x44, 0xc6, 0x33, 0x64, 0x07,
	    0x02, 0x44, 0x0a, 0x14 };
	static const uint8_t hbh[8] = { PROTO_TCP, 3, 0x01, 0x04 };
	struct pg_conn	 c, c6;
	uint8_t		 ip[PG_MAXFRAME], seg[64];
	size_t		 n;

	pg_open(&w, dir, "malformed.pcap", PG_PCAP, LINKTYPE_ETHERNET);
	pg_conn_init(&c, &w, "10.20.3.44", 43001, "198.51.100.7", 25,
	    pg_at(10, 0, 0));
	c.l2.pad = 0;
	pg_conn_init(&c6, &w, "2001:db8:20:3::44", 43002, "2001:db8:99::7",
	    25, pg_at(10, 0, 0));
	c6.l2.pad = 0;

	/* 1. Ethernet frame of 10 bytes, shorter than its header. */
	pg_record(&w, c.now, runt, sizeof(runt));

	/* 2. IPv4 IHL 4 (< 5). */
	c.now += 1000;
	n = mal_syn(&c, ip);
	ip[0] = 0x44;
	pg_ip4_cksum(ip, 20);
	pg_emit_ip(&c, PG_C2S, ip, n);

	/* 3. IPv4 total length 16, less than IHL * 4. */
	c.now += 1000;
	n = mal_syn(&c, ip);
	pg_be16(ip + 2, 16);
	pg_ip4_cksum(ip, 20);
	pg_emit_ip(&c, PG_C2S, ip, n);

	/* 4. IPv4 header cut after 12 bytes. */
	c.now += 1000;
	mal_syn(&c, ip);
	pg_emit_ip(&c, PG_C2S, ip, 12);

	/* 5. TCP header cut after 10 bytes (IPv4 length says 30). */
	c.now += 1000;
	mal_syn(&c, ip);
	pg_be16(ip + 2, 30);
	pg_ip4_cksum(ip, 20);
	pg_emit_ip(&c, PG_C2S, ip, 30);

	/* 6. TCP data offset 4 (< 5). */
	c.now += 1000;
	n = mal_syn(&c, ip);
	ip[20 + 12] = 0x40;
	mal_tcp_cksum(&c, ip, 20, n);
	pg_emit_ip(&c, PG_C2S, ip, n);

	/* 7. TCP data offset 15 (60 bytes) in a 40-byte segment. */
	c.now += 1000;
	n = mal_syn(&c, ip);
	ip[20 + 12] = 0xf0;
	mal_tcp_cksum(&c, ip, 20, n);
	pg_emit_ip(&c, PG_C2S, ip, n);

	/* 8. IPv6 header cut after 20 bytes. */
	c6.now = c.now += 1000;
	mal_syn(&c6, ip);
	pg_emit_ip(&c6, PG_C2S, ip, 20);

	/* 9. IPv6 hop-by-hop header claiming 32 bytes, 8 present. */
	c6.now = c.now += 1000;
	mal_v6_chain(&c6, hbh, sizeof(hbh));

	/* 10. First IPv4 fragment with only 8 bytes of TCP (MF set). */
	c.now += 1000;
	pg_tcp_build(&c, PG_C2S, TH_SYN, c.side[0].seq, NULL, 0, seg);
	n = pg_ip_build(&c, PG_C2S, PROTO_TCP, IP_MF, seg, 8, ip);
	pg_emit_ip(&c, PG_C2S, ip, n);

	/* Not IP: ARP.  Not TCP: a syslog datagram.  Other port: 80. */
	arp_exchange(&w, c.now + 1000, "10.20.3.44", "10.20.3.1");
	{
		struct pg_conn	 u;
		static const char msg[] = "<30>Sep 21 10:00:00 ws-3-44 "
		    "cron[811]: job done";

		pg_conn_init(&u, &w, "10.20.3.44", 43003, "10.20.0.14", 514,
		    c.now + 2000);
		udp_send(&u, PG_C2S, msg, sizeof(msg) - 1);
		pg_conn_init(&u, &w, "10.20.3.44", 43004, "203.0.113.80", 80,
		    c.now + 3000);
		syn_attempts(&u, 1);
	}

	/* Parsing recovers: a valid SYN, outbound, blocked. */
	pg_conn_init(&c, &w, "10.20.3.44", 43005, "198.51.100.7", 25,
	    pg_at(10, 0, 1));
	syn_attempts(&c, 1);

	pg_close(&w);
}

/*
 * fragments.pcap: IPv4 fragments and an IPv6 atomic fragment.
 */
static void
cap_fragments(const char *dir)
{
	static const char junk[24] = "fragmented-syn-payload!";
	static const uint8_t frag6[8] = { PROTO_TCP, 0, 0, 0, 0, 0, 0x1f,
	    0x61 };
	struct pg_writer w;
	struct pg_conn	 c;

	pg_open(&w, dir, "fragments.pcap", PG_PCAP, LINKTYPE_ETHERNET);

	/*
	 * Inbound to the gateway: allowed; the server's banner (first
	 * data segment) goes out as 3 fragments, the first holding the
	 * whole TCP header (32 bytes) and 8 bytes of data.
	 */
	pg_conn_init(&c, &w, "198.51.100.20", 44001, "10.20.1.25", 25,
	    pg_at(10, 0, 0));
	tcp_handshake(&c);
	c.x.frag[0] = 40;
	c.x.frag[1] = 24;
	c.x.nfrag = 2;
	smtp_session(&c, &smtp_in);
	fin_close(&c, PG_S2C);

	/*
	 * Outbound from a plain host: blocked; the SYN (40-byte header,
	 * 24 bytes of data) as a first fragment of 48 bytes + one more.
	 */
	pg_conn_init(&c, &w, "10.20.3.44", 44002, "198.51.100.7", 25,
	    pg_at(10, 0, 10));
	c.x.frag[0] = 48;
	c.x.nfrag = 1;
	tcp_send(&c, PG_C2S, TH_SYN, junk, sizeof(junk));

	/*
	 * IPv6 SYN behind a Fragment header, offset 0, M=0 (atomic
	 * fragment, RFC 6946), outbound: blocked.
	 */
	pg_conn_init(&c, &w, "2001:db8:20:3::44", 44003, "2001:db8:99::7", 25,
	    pg_at(10, 0, 15));
	c.x.v6ext = frag6;
	c.x.v6extlen = sizeof(frag6);
	c.x.v6first = PROTO_FRAGMENT;
	syn_attempts(&c, 1);

	pg_close(&w);
}

/*
 * ipv6-ext.pcap: SYNs behind hop-by-hop + destination options + routing
 * headers, and one whose chain runs past the end (invalid).
 */
static void
cap_ipv6_ext(const char *dir)
{
	static const uint8_t bad[8] = { PROTO_DSTOPTS, 2, 0x01, 0x04 };
	struct pg_writer w;
	struct pg_conn	 c;
	uint8_t		 ext[40];

	pg_open(&w, dir, "ipv6-ext.pcap", PG_PCAP, LINKTYPE_ETHERNET);

	/* Outbound from a plain host: blocked. */
	pg_conn_init(&c, &w, "2001:db8:20:3::44", 45001, "2001:db8:99::7", 25,
	    pg_at(10, 0, 0));
	c.x.v6extlen = ip6_ext_chain(ext, &c.side[PG_S2C].addr);
	c.x.v6ext = ext;
	c.x.v6first = PROTO_HOPOPTS;
	syn_attempts(&c, 1);

	/* Inbound to the gateway: allowed; only the SYN carries the chain. */
	pg_conn_init(&c, &w, "2001:db8:99::20", 45002, "2001:db8:20:1::25",
	    25, pg_at(10, 0, 2));
	c.x.v6extlen = ip6_ext_chain(ext, &c.side[PG_S2C].addr);
	c.x.v6ext = ext;
	c.x.v6first = PROTO_HOPOPTS;
	smtp_short(&c, &smtp_in);

	/* Hop-by-hop says 24 bytes, the datagram ends after 8: invalid. */
	pg_conn_init(&c, &w, "2001:db8:99::21", 45003, "2001:db8:20:1::25",
	    25, pg_at(10, 0, 4));
	mal_v6_chain(&c, bad, sizeof(bad));

	pg_close(&w);
}

/*
 * midstream.pcap: the capture starts inside connections.
 */
static void
cap_midstream(const char *dir)
{
	struct pg_writer w;
	struct pg_conn	 c;

	pg_open(&w, dir, "midstream.pcap", PG_PCAP, LINKTYPE_ETHERNET);

	/*
	 * (a) First packet: server data from port 25 to a campus host; the
	 * other side is the originator: outbound, blocked, established.
	 */
	pg_conn_init(&c, &w, "10.20.3.44", 40100, "198.51.100.7", 25,
	    pg_at(9, 0, 0));
	tcp_midstream(&c);
	smtp_say(&c, PG_S2C, "250 2.1.0 Ok\r\n");
	smtp_say(&c, PG_C2S, "RCPT TO:<friend@example.com>\r\n");
	smtp_say(&c, PG_S2C, "250 2.1.5 Ok\r\n");
	smtp_say(&c, PG_C2S, "DATA\r\n");
	smtp_say(&c, PG_S2C, "354 End data with <CR><LF>.<CR><LF>\r\n");
	smtp_say(&c, PG_C2S, "Subject: hi\r\n\r\nhello\r\n.\r\n");
	smtp_say(&c, PG_S2C, "250 2.0.0 Ok: queued as 9Zx1Yw2Vu3\r\n");

	/*
	 * (b) First packet: SYN-ACK from the gateway; its receiver is the
	 * originator: inbound, allowed; the session then closes.
	 */
	pg_conn_init(&c, &w, "203.0.113.9", 51000, "10.20.1.25", 25,
	    pg_at(9, 0, 5));
	c.side[PG_C2S].tslast = c.side[PG_C2S].tsbase;
	c.side[PG_C2S].seq++;		/* its SYN was not captured */
	c.lastdir = PG_C2S;
	tcp_send(&c, PG_S2C, TH_SYN | TH_ACK, NULL, 0);
	tcp_send(&c, PG_C2S, TH_ACK, NULL, 0);
	smtp_session(&c, &smtp_in);
	fin_close(&c, PG_S2C);

	pg_close(&w);
}

/*
 * retrans.pcap: SYN retransmissions, and a 5-tuple reused after a RST.
 */
static void
cap_retrans(const char *dir)
{
	struct pg_writer w;
	struct pg_conn	 c;
	struct smtp_script s = smtp_out;

	pg_open(&w, dir, "retrans.pcap", PG_PCAP, LINKTYPE_ETHERNET);

	/*
	 * Outbound from a plain host: blocked; 5 SYNs over 15 s, one
	 * decision.
	 */
	pg_conn_init(&c, &w, "10.20.3.44", 46001, "198.51.100.7", 25,
	    pg_at(8, 0, 0));
	syn_attempts(&c, 5);

	/* Outbound from the gateway: allowed, then the client resets. */
	s.server = "mx3.example.com";
	pg_conn_init(&c, &w, "10.20.1.25", 46002, "203.0.113.30", 25,
	    pg_at(8, 1, 0));
	tcp_handshake(&c);
	smtp_greet(&c, &s);
	tcp_rst(&c, PG_C2S);

	/* Same 5-tuple 2 s after the RST: a new connection, new ISNs. */
	pg_conn_init(&c, &w, "10.20.1.25", 46002, "203.0.113.30", 25,
	    c.now + 2000000);
	smtp_full(&c, &s);

	pg_close(&w);
}

/*
 * scan.pcap: flood control.  An outside scanner SYNs port 25 of 1000
 * campus hosts in 10 s, an infected campus host tries 300 Internet mail
 * servers in 15 s (each SYN retransmitted once), a second outside source
 * stays below the threshold with 5 attempts, and the gateway's mail goes
 * on in the middle of it.
 */
static void
cap_scan(const char *dir)
{
	struct pg_writer w;
	struct pg_conn	 c;
	char		 a[32];
	int		 i;

	pg_open(&w, dir, "scan.pcap", PG_PCAP, LINKTYPE_ETHERNET);
	for (i = 0; i < 1000; i++) {
		snprintf(a, sizeof(a), "10.20.%d.%d", 10 + i / 250, 1 + i % 250);
		pg_conn_init(&c, &w, "203.0.113.66", (uint16_t)(50000 + i), a,
		    25, pg_at(9, 0, 0) + (uint64_t)i * 10000);
		syn_attempts(&c, 1);
	}
	for (i = 0; i < 300; i++) {
		snprintf(a, sizeof(a), "%s.%d", i % 2 ? "198.51.100" :
		    "203.0.113", 1 + i / 2);
		pg_conn_init(&c, &w, "10.20.3.44", (uint16_t)(41000 + i), a,
		    25, pg_at(9, 0, 20) + (uint64_t)i * 50000);
		syn_attempts(&c, 2);
	}
	for (i = 0; i < 5; i++) {
		snprintf(a, sizeof(a), "10.20.3.%d", 100 + i);
		pg_conn_init(&c, &w, "198.51.100.9", (uint16_t)(33000 + i), a,
		    25, pg_at(9, 0, 5) + (uint64_t)i * 1000000);
		syn_attempts(&c, 1);
	}
	pg_conn_init(&c, &w, "10.20.1.25", 45000, "203.0.113.25", 25,
	    pg_at(9, 0, 8));
	smtp_full(&c, &smtp_out);
	pg_close(&w);
}

/* A directory harvest: n guessed recipients at the gateway, all 550. */
static void
harvest_session(struct pg_conn *c, const char *local, int n)
{
	int	 i;

	tcp_handshake(c);
	smtp_greet(c, &smtp_in);
	smtp_say(c, PG_C2S, "MAIL FROM:<>\r\n");
	smtp_say(c, PG_S2C, "250 2.1.0 Ok\r\n");
	for (i = 0; i < n; i++) {
		smtp_say(c, PG_C2S, "RCPT TO:<%s%02d@campus.example>\r\n",
		    local, i);
		smtp_say(c, PG_S2C, "550 5.1.1 <%s%02d@campus.example>: "
		    "Recipient address rejected: User unknown\r\n", local, i);
	}
	smtp_quit(c);
	fin_close(c, PG_S2C);
}

/*
 * detections.pcap: what the seed policies block port 25 for, one case
 * each (tests/replay/detections uses low thresholds):
 *  - 10.20.6.6, an infected workstation, tries 40 outside servers in
 *    4 minutes (bulk_attempts; all blocked);
 *  - the genomics host 10.20.5.10 sends 6 messages to 2 recipients each
 *    in one session, one of them 20 KB (bulk_messages, message_size);
 *  - 192.0.2.200 tries 30 recipients at the gateway, all refused with
 *    550 (harvest_recipients, harvest_rejects);
 *  - the physics server 10.20.8.15 takes mail from outside, then a
 *    minute later tries to send outside itself (relay_suspect);
 *  - the gateway takes mail in and sends it on: a relay by design, no
 *    alert.
 */
static void
cap_detections(const char *dir)
{
	struct pg_writer	 w;
	struct pg_conn		 c;
	struct smtp_script	 s = smtp_genomics;
	char			 a[32];
	int			 i;

	pg_open(&w, dir, "detections.pcap", PG_PCAP, LINKTYPE_ETHERNET);
	for (i = 0; i < 40; i++) {
		snprintf(a, sizeof(a), "198.51.100.%d", 100 + i);
		pg_conn_init(&c, &w, "10.20.6.6", (uint16_t)(42000 + i), a, 25,
		    pg_at(10, 0, 0) + (uint64_t)i * 6000000);
		syn_attempts(&c, 1);
	}

	pg_conn_init(&c, &w, "10.20.5.10", 43000, "192.0.2.50", 25,
	    pg_at(10, 5, 0));
	tcp_handshake(&c);
	smtp_greet(&c, &s);
	s.rcpt[1] = "archive@example.org";
	for (i = 0; i < 6; i++) {
		s.bodylen = i == 3 ? 20000 : 600;
		smtp_mail(&c, &s);
	}
	smtp_quit(&c);
	fin_close(&c, PG_S2C);

	pg_conn_init(&c, &w, "192.0.2.200", 44000, "10.20.1.25", 25,
	    pg_at(10, 10, 0));
	harvest_session(&c, "user", 30);

	pg_conn_init(&c, &w, "198.51.100.40", 44100, "10.20.8.15", 25,
	    pg_at(10, 20, 0));
	smtp_full(&c, &smtp_physics);
	pg_conn_init(&c, &w, "10.20.8.15", 44101, "203.0.113.77", 25,
	    pg_at(10, 21, 0));
	syn_attempts(&c, 2);

	pg_conn_init(&c, &w, "198.51.100.20", 44200, "10.20.1.25", 25,
	    pg_at(10, 30, 0));
	smtp_full(&c, &smtp_in);
	pg_conn_init(&c, &w, "10.20.1.25", 44201, "203.0.113.25", 25,
	    pg_at(10, 30, 30));
	smtp_full(&c, &smtp_out);
	pg_close(&w);
}

/*
 * responses.pcap: what nfqd does about an alert (auto-quarantine,
 * harvest-block; tests/replay/responses*):
 *  - 10.20.9.9, a department server with an inbound-only exception,
 *    hammers outside port 25 (31 attempts in 150 s: bulk_attempts), then
 *    outside mail for it arrives at 09:05 (blocked while in quarantine)
 *    and again at 09:40 (allowed: the 30 minutes are over);
 *  - the gateway sends 6 messages in one session at 09:10
 *    (bulk_messages: an exception for both directions) and sends again at
 *    09:12;
 *  - 192.0.2.200 harvests at the gateway at 09:20 (30 recipients, all
 *    550), connects again at 09:21 (blocked), 192.0.2.201 at 09:21:30
 *    (allowed), 192.0.2.200 at 09:35 (allowed: the 10 minutes are over).
 */
static void
cap_responses(const char *dir)
{
	struct pg_writer	 w;
	struct pg_conn		 c;
	struct smtp_script	 s = smtp_out;
	char			 a[32];
	int			 i;

	pg_open(&w, dir, "responses.pcap", PG_PCAP, LINKTYPE_ETHERNET);
	for (i = 0; i < 31; i++) {
		snprintf(a, sizeof(a), "198.51.100.%d", 150 + i);
		pg_conn_init(&c, &w, "10.20.9.9", (uint16_t)(45000 + i), a, 25,
		    pg_at(9, 0, 0) + (uint64_t)i * 5000000);
		syn_attempts(&c, 1);
	}
	pg_conn_init(&c, &w, "198.51.100.60", 45100, "10.20.9.9", 25,
	    pg_at(9, 5, 0));
	syn_attempts(&c, 2);

	pg_conn_init(&c, &w, "10.20.1.25", 45200, "203.0.113.25", 25,
	    pg_at(9, 10, 0));
	tcp_handshake(&c);
	smtp_greet(&c, &s);
	for (i = 0; i < 6; i++)
		smtp_mail(&c, &s);
	smtp_quit(&c);
	fin_close(&c, PG_S2C);
	pg_conn_init(&c, &w, "10.20.1.25", 45201, "203.0.113.26", 25,
	    pg_at(9, 12, 0));
	smtp_full(&c, &smtp_out);

	pg_conn_init(&c, &w, "192.0.2.200", 45300, "10.20.1.25", 25,
	    pg_at(9, 20, 0));
	harvest_session(&c, "staff", 30);
	pg_conn_init(&c, &w, "192.0.2.200", 45301, "10.20.1.25", 25,
	    pg_at(9, 21, 0));
	syn_attempts(&c, 2);
	pg_conn_init(&c, &w, "192.0.2.201", 45302, "10.20.1.25", 25,
	    pg_at(9, 21, 30));
	smtp_full(&c, &smtp_in);
	pg_conn_init(&c, &w, "192.0.2.200", 45303, "10.20.1.25", 25,
	    pg_at(9, 35, 0));
	smtp_full(&c, &smtp_in);

	pg_conn_init(&c, &w, "198.51.100.61", 45101, "10.20.9.9", 25,
	    pg_at(9, 40, 0));
	smtp_full(&c, &smtp_in);
	pg_close(&w);
}

/*
 * timeouts.pcap: flows that end by timeout before the capture does.
 */
static void
cap_timeouts(const char *dir)
{
	struct pg_writer w;
	struct pg_conn	 c;

	pg_open(&w, dir, "timeouts.pcap", PG_PCAP, LINKTYPE_ETHERNET);

	/* 08:00:00 blocked SYN: still new 60 s later: timeout. */
	pg_conn_init(&c, &w, "10.20.3.44", 47001, "198.51.100.7", 25,
	    pg_at(8, 0, 0));
	syn_attempts(&c, 1);

	/*
	 * 08:01:00 the unrelated packet: another blocked SYN, itself
	 * timed out by the next connection at 08:02.
	 */
	pg_conn_init(&c, &w, "10.20.3.45", 47002, "198.51.100.8", 25,
	    pg_at(8, 1, 0));
	syn_attempts(&c, 1);

	/* 08:02:00 established (gateway, allowed), idle after EHLO. */
	pg_conn_init(&c, &w, "10.20.1.25", 47003, "203.0.113.25", 25,
	    pg_at(8, 2, 0));
	tcp_handshake(&c);
	smtp_greet(&c, &smtp_out);

	/*
	 * 10:05:00, two hours later: a blocked SYN expires the idle flow
	 * and is itself flushed at the end of the capture.
	 */
	pg_conn_init(&c, &w, "10.20.3.46", 47004, "198.51.100.9", 25,
	    pg_at(10, 5, 0));
	syn_attempts(&c, 1);

	pg_close(&w);
}

/*
 * truncated.pcap: a valid file whose last record is cut: its header
 * says 60 bytes, 20 follow.
 */
static void
cap_truncated(const char *dir)
{
	struct pg_writer w;
	struct pg_conn	 c;
	struct pg_frame	 f;
	uint8_t		 ip[PG_MAXFRAME], buf[PG_MAXFRAME];

	pg_open(&w, dir, "truncated.pcap", PG_PCAP, LINKTYPE_ETHERNET);

	/* Outbound from a plain host: blocked, SYN x2. */
	pg_conn_init(&c, &w, "10.20.3.44", 48001, "198.51.100.7", 25,
	    pg_at(10, 0, 0));
	syn_attempts(&c, 2);

	/* Inbound to the gateway: allowed, complete. */
	pg_conn_init(&c, &w, "198.51.100.20", 48002, "10.20.1.25", 25,
	    pg_at(10, 0, 5));
	smtp_short(&c, &smtp_in);

	/* A third SYN, cut in the middle of its IPv4 header. */
	pg_conn_init(&c, &w, "198.51.100.21", 48003, "10.20.1.25", 25,
	    pg_at(10, 0, 8));
	f.ts = c.now;
	f.ethertype = ETHERTYPE_IP;
	pg_mac(&c.side[0].addr, f.src);
	pg_mac(&c.side[1].addr, f.dst);
	f.outgoing = 1;
	f.l3 = ip;
	f.len = mal_syn(&c, ip);
	pg_frame_build(&w, &c.l2, &f, buf);
	pg_record_cut(&w, f.ts, buf, 60, 20);

	pg_close(&w);
}

/*
 * The benchmark capture (nfqd-pcapgen -b FILE): many interleaved
 * connections on one link, for bench/run.sh's replay against ndpiReader.
 * Not a test capture (it is large and never committed): written to FILE,
 * deterministic from the seed (-s) and the connection count (-n).
 *
 * The mix, per connection (sample campus and exceptions.conf):
 *	45%	blocked outbound: a campus workstation's SYN, 1-3 tries
 *	20%	blocked inbound: an outside host's SYN to a campus host, 1-2
 *	25%	allowed outbound: the gateway, 10.20.5.10 or 10.20.8.66 sends
 *		a message of 0.5-28 KB to one or two recipients
 *	 7%	allowed inbound: outside to the gateway or the physics /24
 *	 1%	allowed outbound, short: EHLO and QUIT
 *	 1%	transit (outside to outside, transit = allow)
 *	 1%	internal (campus to campus)
 * a quarter of each over IPv6 where the campus end has an IPv6 address
 * (every blocked kind, the gateway's sessions).  Connections start
 * evenly over -t seconds, jittered; their packets are interleaved in time
 * order, so the capture looks like a mirror port of a campus border.
 *
 * Each connection is written to memory as it is generated, then every
 * record is sorted by time (ties by order written) into FILE.
 */

struct bench_rec {
	uint64_t	 ts;
	size_t		 off;
};

static uint64_t
bench_rand(uint64_t *s)
{
	uint64_t	 z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int
bench_cmp(const void *a, const void *b)
{
	const struct bench_rec	*x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->off < y->off ? -1 : x->off > y->off;
}

/* A campus workstation (not in the exception list), v4 or v6. */
static void
bench_ws(uint64_t *rs, int v6, char *a, size_t n)
{
	uint64_t	 r = bench_rand(rs);

	if (v6)
		snprintf(a, n, "2001:db8:20:%x::%x",
		    (unsigned)(0x100 + r % 0xe00), (unsigned)(1 + (r >> 16) % 0xfffe));
	else
		snprintf(a, n, "10.20.%u.%u", (unsigned)(10 + r % 240),
		    (unsigned)(1 + (r >> 16) % 254));
}

/* A host off campus: v4 documentation-like ranges, v6 outside the /48. */
static void
bench_out(uint64_t *rs, int v6, char *a, size_t n)
{
	uint64_t	 r = bench_rand(rs);

	if (v6)
		snprintf(a, n, "2001:db8:%x:%x::%x",
		    (unsigned)(0x100 + r % 0xef00), (unsigned)((r >> 16) & 0xffff),
		    (unsigned)(1 + (r >> 32) % 0xfffe));
	else
		snprintf(a, n, "%u.%u.%u.%u", (unsigned)(11 + r % 180),
		    (unsigned)((r >> 8) & 0xff), (unsigned)((r >> 16) & 0xff),
		    (unsigned)(1 + (r >> 24) % 254));
}

static void
cap_bench(const char *file, uint64_t seed, unsigned nconn, unsigned secs)
{
	static const char *const gw_out[] = { "10.20.1.25", "10.20.5.10",
	    "10.20.8.66" };
	struct pg_writer w;
	struct pg_conn	 c;
	struct smtp_script s;
	struct bench_rec *rec;
	char		*mem = NULL, cli[64], srv[64], from[96], rcpt[2][96],
			 helo[96], qid[16], server[96];
	uint8_t		 h[24];
	size_t		 memlen = 0, off, nrec, i;
	uint64_t	 rs = seed, r, start, t0 = pg_at(12, 0, 0);
	uint32_t	 caplen;
	unsigned	 k, kind, v6, tries;
	FILE		*out;

	memset(&w, 0, sizeof(w));
	snprintf(w.path, sizeof(w.path), "%s (memory)", file);
	if ((w.fp = open_memstream(&mem, &memlen)) == NULL)
		pg_fatal("open_memstream: %s", strerror(errno));
	w.fmt = PG_PCAP;
	w.linktype = LINKTYPE_ETHERNET;

	for (k = 0; k < nconn; k++) {
		r = bench_rand(&rs);
		kind = (unsigned)(r % 1000);
		v6 = (r >> 10) % 4 == 0;
		start = t0 + (uint64_t)k * secs * 1000000 / nconn +
		    (r >> 20) % 500000;
		cli[0] = srv[0] = '\0';
		memset(&s, 0, sizeof(s));
		snprintf(qid, sizeof(qid), "B%08X", (unsigned)(r >> 32));
		s.queueid = qid;
		s.subject = "Weekly report";
		s.from = from;
		s.helo = helo;
		s.server = server;
		s.rcpt[0] = rcpt[0];
		s.bodylen = 500 + (size_t)((r >> 40) % 27500);
		snprintf(rcpt[0], sizeof(rcpt[0]), "user%u@example.net",
		    (unsigned)((r >> 12) % 9973));
		if ((r >> 50) % 3 == 0) {
			snprintf(rcpt[1], sizeof(rcpt[1]), "list%u@example.org",
			    (unsigned)((r >> 14) % 997));
			s.rcpt[1] = rcpt[1];
		}
		snprintf(from, sizeof(from), "sender%u@campus.example",
		    (unsigned)((r >> 18) % 4999));
		snprintf(helo, sizeof(helo), "smtp.campus.example");
		snprintf(server, sizeof(server), "mx%u.example.net",
		    (unsigned)((r >> 22) % 50));
		tries = 0;
		if (kind < 450) {			/* blocked outbound */
			bench_ws(&rs, v6, cli, sizeof(cli));
			bench_out(&rs, v6, srv, sizeof(srv));
			tries = 1 + (unsigned)((r >> 30) % 3);
		} else if (kind < 650) {		/* blocked inbound */
			bench_out(&rs, v6, cli, sizeof(cli));
			bench_ws(&rs, v6, srv, sizeof(srv));
			tries = 1 + (unsigned)((r >> 30) % 2);
		} else if (kind < 900) {		/* allowed outbound */
			snprintf(cli, sizeof(cli), "%s", v6 ?
			    "2001:db8:20:1::25" : gw_out[(r >> 30) % 3]);
			bench_out(&rs, v6, srv, sizeof(srv));
		} else if (kind < 970) {		/* allowed inbound */
			bench_out(&rs, v6, cli, sizeof(cli));
			if (v6)
				snprintf(srv, sizeof(srv), "2001:db8:20:1::25");
			else if ((r >> 30) % 2)
				snprintf(srv, sizeof(srv), "10.20.1.25");
			else
				snprintf(srv, sizeof(srv), "10.20.8.%u",
				    (unsigned)(1 + (r >> 31) % 60));
			snprintf(helo, sizeof(helo), "mail.example.org");
			snprintf(server, sizeof(server), "smtp.campus.example");
			snprintf(from, sizeof(from), "news%u@example.org",
			    (unsigned)((r >> 18) % 4999));
			snprintf(rcpt[0], sizeof(rcpt[0]),
			    "user%u@campus.example", (unsigned)((r >> 12) % 9973));
		} else if (kind < 980) {		/* allowed, short */
			snprintf(cli, sizeof(cli), "10.20.1.25");
			bench_out(&rs, 0, srv, sizeof(srv));
		} else if (kind < 990) {		/* transit */
			bench_out(&rs, v6, cli, sizeof(cli));
			bench_out(&rs, v6, srv, sizeof(srv));
		} else {				/* internal */
			bench_ws(&rs, v6, cli, sizeof(cli));
			snprintf(srv, sizeof(srv), "%s", v6 ?
			    "2001:db8:20:1::25" : "10.20.1.25");
		}
		pg_conn_init(&c, &w, cli, (uint16_t)(1024 + (r >> 34) % 64000),
		    srv, 25, start);
		if (tries > 0)
			syn_attempts(&c, (int)tries);
		else if (kind >= 970 && kind < 980)
			smtp_short(&c, &s);
		else
			smtp_full(&c, &s);
	}
	if (fclose(w.fp) != 0)
		pg_fatal("%s: %s", w.path, strerror(errno));

	/* Index the records (16-byte header, caplen bytes), sort, write. */
	for (nrec = 0, off = 0; off + 16 <= memlen; nrec++) {
		memcpy(&caplen, mem + off + 8, 4);
		off += 16 + caplen;
	}
	if ((rec = calloc(nrec, sizeof(*rec))) == NULL)
		pg_fatal("out of memory");
	for (i = 0, off = 0; i < nrec; i++) {
		uint32_t	 sec, usec;

		memcpy(&sec, mem + off, 4);
		memcpy(&usec, mem + off + 4, 4);
		memcpy(&caplen, mem + off + 8, 4);
		rec[i].ts = (uint64_t)sec * 1000000 + usec;
		rec[i].off = off;
		off += 16 + caplen;
	}
	qsort(rec, nrec, sizeof(*rec), bench_cmp);
	if ((out = fopen(file, "wb")) == NULL)
		pg_fatal("%s: %s", file, strerror(errno));
	pg_le32(h, 0xa1b2c3d4);
	pg_le16(h + 4, 2);
	pg_le16(h + 6, 4);
	pg_le32(h + 8, 0);
	pg_le32(h + 12, 0);
	pg_le32(h + 16, PG_SNAPLEN);
	pg_le32(h + 20, LINKTYPE_ETHERNET);
	if (fwrite(h, 1, sizeof(h), out) != sizeof(h))
		pg_fatal("%s: write failed", file);
	for (i = 0; i < nrec; i++) {
		memcpy(&caplen, mem + rec[i].off + 8, 4);
		if (fwrite(mem + rec[i].off, 1, 16 + (size_t)caplen, out) !=
		    16 + (size_t)caplen)
			pg_fatal("%s: write failed", file);
	}
	if (fclose(out) != 0)
		pg_fatal("%s: %s", file, strerror(errno));
	printf("%s: %zu packets, %u connections, %zu bytes, seed %llu\n",
	    file, nrec, nconn, memlen + 24, (unsigned long long)seed);
	free(rec);
	free(mem);
}

static void __attribute__((noreturn))
usage(int rc)
{
	fputs("usage: nfqd-pcapgen -o DIR\n"
	    "       nfqd-pcapgen -b FILE [-s SEED] [-n CONNECTIONS] "
	    "[-t SECONDS]\n"
	    "       nfqd-pcapgen -h | -V\n"
	    "  -o, --output DIR        write the test captures into DIR\n"
	    "  -b, --bench FILE        write one benchmark capture\n"
	    "  -s, --seed SEED         its seed (default 1)\n"
	    "  -n, --connections N     its connections, 1-10000000 "
	    "(default 90000)\n"
	    "  -t, --seconds N         its duration, 1-86400 (default 300)\n"
	    "  -h, --help              this help\n"
	    "  -V, --version           print the version\n",
	    rc ? stderr : stdout);
	exit(rc);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
usage_error(const char *fmt, ...)
{
	va_list	 ap;

	fputs("nfqd-pcapgen: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	usage(2);
}

/* A whole decimal number, or a usage error naming the option. */
static unsigned long long
num_arg(const char *opt, const char *s)
{
	char			*end;
	unsigned long long	 v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-')
		usage_error("%s: '%s' is not a number", opt, s);
	return v;
}

int
main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "bench",		required_argument,	NULL, 'b' },
		{ "connections",	required_argument,	NULL, 'n' },
		{ "output",		required_argument,	NULL, 'o' },
		{ "seed",		required_argument,	NULL, 's' },
		{ "seconds",		required_argument,	NULL, 't' },
		{ "help",		no_argument,		NULL, 'h' },
		{ "version",		no_argument,		NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const char	*dir = NULL, *bench = NULL;
	size_t		 i;
	int		 ch;
	unsigned long long nconn = 90000, secs = 300;
	unsigned long long seed = 1;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":b:n:o:s:t:hV", opts,
	    NULL)) != -1) {
		switch (ch) {
		case 'b':
			bench = optarg;
			break;
		case 'n':
			nconn = num_arg("-n", optarg);
			break;
		case 'o':
			dir = optarg;
			break;
		case 's':
			seed = num_arg("-s", optarg);
			break;
		case 't':
			secs = num_arg("-t", optarg);
			break;
		case 'h':
			usage(0);
		case 'V':
			printf("nfqd-pcapgen %s\n", NFQD_VERSION);
			return 0;
		case ':':
			usage_error("%s needs an argument", argv[optind - 1]);
		default:
			if (optopt != 0)
				usage_error("unknown option -%c", optopt);
			usage_error("unknown option %s", argv[optind - 1]);
		}
	}
	if (bench != NULL && dir == NULL && optind == argc) {
		if (nconn < 1 || nconn > 10000000 || secs < 1 || secs > 86400)
			usage_error("-n is 1-10000000, -t 1-86400");
		cap_bench(bench, seed, (unsigned)nconn, (unsigned)secs);
		return 0;
	}
	if (optind != argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (dir == NULL && bench == NULL)
		usage_error("-o or -b is needed");
	if (dir != NULL && bench != NULL)
		usage_error("-o and -b go one at a time");
	if (mkdir(dir, 0755) == -1 && errno != EEXIST)
		pg_fatal("%s: %s", dir, strerror(errno));

	cap_campus_day(dir);
	for (i = 0; i < sizeof(linktype_caps) / sizeof(linktype_caps[0]); i++)
		cap_linktype(dir, &linktype_caps[i]);
	cap_vlan(dir);
	cap_malformed(dir);
	cap_fragments(dir);
	cap_ipv6_ext(dir);
	cap_midstream(dir);
	cap_retrans(dir);
	cap_timeouts(dir);
	cap_scan(dir);
	cap_detections(dir);
	cap_responses(dir);
	cap_truncated(dir);
	return 0;
}
