/*
 * nfqd-pcapgen (pcapgen.c and the files beside it): the layers every
 * capture is written with, and the captures.
 */
#ifndef NFQD_TOOLS_PCAPGEN_H
#define NFQD_TOOLS_PCAPGEN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

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

/* ---- writer.c: the files and their frames ---- */

/* "nfqd-pcapgen: " and the message on stderr, then exit(1). */
void	 pg_fatal(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
/* v at p, little-endian (le) or network order (be), 2 or 4 bytes. */
void	 pg_le16(uint8_t *p, uint32_t v);
void	 pg_le32(uint8_t *p, uint32_t v);
void	 pg_be16(uint8_t *p, uint32_t v);
void	 pg_be32(uint8_t *p, uint32_t v);
/* DIR/NAME created and its file header written, or pg_fatal. */
void	 pg_open(struct pg_writer *w, const char *dir, const char *name,
	    enum pg_fmt fmt, uint32_t linktype);
void	 pg_close(struct pg_writer *w);
/* One record whose header claims caplen bytes, of which present follow
 * (fewer only for a truncated file). */
void	 pg_record_cut(struct pg_writer *w, uint64_t ts, const uint8_t *data,
	    size_t caplen, size_t present);
void	 pg_record(struct pg_writer *w, uint64_t ts, const uint8_t *data,
	    size_t len);
/* f behind w's link-layer header (padded as received) into buf
 * (PG_MAXFRAME bytes): its length. */
size_t	 pg_frame_build(const struct pg_writer *w, const struct pg_l2 *l2,
	    const struct pg_frame *f, uint8_t *buf);
/* f framed and written as one record. */
void	 pg_emit(struct pg_writer *w, const struct pg_l2 *l2,
	    const struct pg_frame *f);

/* ---- writer.c: addresses and IP packets ---- */

/* h:m:s on the captures' day (2026-09-21 UTC), in usec since 1970. */
uint64_t pg_at(int h, int m, int s);
/* A numeric IPv4 or IPv6 address, or pg_fatal. */
struct pg_addr pg_ip(const char *s);
/* Is a a campus host (one hop from the capture point)? */
int	 pg_campus(const struct pg_addr *a);
/* A locally administered MAC address derived from the IP address. */
void	 pg_mac(const struct pg_addr *a, uint8_t mac[6]);
/* The TCP or UDP checksum of l4, with src and dst's pseudo-header. */
uint16_t pg_l4sum(const struct pg_addr *src, const struct pg_addr *dst,
	    uint8_t proto, const uint8_t *l4, size_t len);
/* Recompute the IPv4 header checksum of a (possibly mangled) packet. */
void	 pg_ip4_cksum(uint8_t *ip, size_t hlen);
/* FNV-1a over len bytes from h; pg_hash32 over v in a fixed order. */
uint32_t pg_hash(uint32_t h, const void *p, size_t len);
uint32_t pg_hash32(uint32_t h, uint32_t v);
/* l4 behind an IP header from dir's side of c (frag: the IPv4 flags and
 * fragment offset) into out: the datagram's length. */
size_t	 pg_ip_build(const struct pg_conn *c, int dir, uint8_t proto,
	    uint16_t frag, const uint8_t *l4, size_t len, uint8_t *out);
/* A built IP datagram of c, written as one frame. */
void	 pg_emit_ip(const struct pg_conn *c, int dir, const uint8_t *ip,
	    size_t len);
/* l4 as one IP datagram, or fragmented if c->x says so; clears c->x. */
void	 pg_ip_send(struct pg_conn *c, int dir, uint8_t proto,
	    const uint8_t *l4, size_t len);

/* ---- session.c: connections ---- */

/* c, a connection cli:cport -> srv:sport on w from start (usec); its
 * ISNs, clocks and IP IDs derived from these. */
void	 pg_conn_init(struct pg_conn *c, struct pg_writer *w,
	    const char *cli, uint16_t cport, const char *srv, uint16_t sport,
	    uint64_t start);
/* The connection started before the capture: both sides are in sync. */
void	 tcp_midstream(struct pg_conn *c);
/* One TCP segment of c with a correct checksum into out: its length. */
size_t	 pg_tcp_build(const struct pg_conn *c, int dir, uint8_t flags,
	    uint32_t seq, const void *data, size_t len, uint8_t *out);
/* usec more on c's clock. */
void	 pg_wait(struct pg_conn *c, uint64_t usec);
/* One segment from dir's side at its next sequence number. */
void	 tcp_send(struct pg_conn *c, int dir, uint8_t flags,
	    const void *data, size_t len);
void	 tcp_handshake(struct pg_conn *c);
/* A SYN and n - 1 retransmissions 1, 2, 4, 8 s apart, never answered. */
void	 syn_attempts(struct pg_conn *c, int n);
/* FIN from side first, FIN from the other, last ACK. */
void	 fin_close(struct pg_conn *c, int first);
void	 tcp_rst(struct pg_conn *c, int dir);
void	 udp_send(struct pg_conn *c, int dir, const void *data, size_t len);

/* ---- session.c: SMTP, and noise that is not SMTP ---- */

/* One command or reply from dir, one write. */
void	 smtp_say(struct pg_conn *c, int dir, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* Banner, EHLO and the multi-line 250 reply. */
void	 smtp_greet(struct pg_conn *c, const struct smtp_script *s);
/* MAIL FROM, RCPT TO (one or two), DATA, message, 250 queued. */
void	 smtp_mail(struct pg_conn *c, const struct smtp_script *s);
void	 smtp_quit(struct pg_conn *c);
/* Everything after the handshake up to 221; the caller closes. */
void	 smtp_session(struct pg_conn *c, const struct smtp_script *s);
/* Handshake, whole session, server closes first after its 221. */
void	 smtp_full(struct pg_conn *c, const struct smtp_script *s);
/* Handshake, banner, EHLO, QUIT, close: a short allowed connection. */
void	 smtp_short(struct pg_conn *c, const struct smtp_script *s);
/* The sessions the captures start from (a capture may change a field). */
extern const struct smtp_script smtp_out, smtp_in, smtp_physics,
	    smtp_genomics, smtp_internal;
/* ARP who-has from the host at ip asking for gw, and the reply. */
void	 arp_exchange(struct pg_writer *w, uint64_t ts, const char *ip,
	    const char *gw);
/* An MX query over UDP and its one-answer response. */
void	 dns_mx(struct pg_conn *c, uint16_t id, const char *qname,
	    const char *mx);
/* A small HTTP GET and its response. */
void	 http_get(struct pg_conn *c, const char *host);

/* ---- the captures: one function per file (or set of files) in DIR ---- */

/* cap_policy.c: campus-day.pcap, linktypes-*.pcap, vlan.pcap */
void	 cap_campus_day(const char *dir);
void	 cap_linktypes(const char *dir);
void	 cap_vlan(const char *dir);
/* cap_evasion.c */
void	 cap_malformed(const char *dir);
void	 cap_fragments(const char *dir);
void	 cap_ipv6_ext(const char *dir);
void	 cap_midstream(const char *dir);
void	 cap_retrans(const char *dir);
void	 cap_timeouts(const char *dir);
void	 cap_truncated(const char *dir);
/* cap_detect.c */
void	 cap_scan(const char *dir);
void	 cap_detections(const char *dir);
void	 cap_responses(const char *dir);
/* cap_bench.c: the benchmark capture, FILE (nfqd-pcapgen -b) */
void	 cap_bench(const char *file, uint64_t seed, unsigned nconn,
	    unsigned secs);

#endif
