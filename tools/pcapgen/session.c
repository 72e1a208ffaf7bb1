/*
 * nfqd-pcapgen: the session layer.  One TCP connection between a client
 * and a server (handshake, SYN retries, data in MSS-sized segments, FIN,
 * RST), an SMTP dialogue over it, and the noise that is not SMTP (ARP,
 * DNS, HTTP).  No state outside struct pg_conn, so a caller can
 * interleave many connections on one writer.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tools/pcapgen/pcapgen.h"

/*
 * Session.
 */

void
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
void
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
size_t
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

void
pg_wait(struct pg_conn *c, uint64_t usec)
{
	c->now += usec;
}

/* Send one segment from dir's side at its next sequence number. */
void
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

void
tcp_handshake(struct pg_conn *c)
{
	tcp_send(c, PG_C2S, TH_SYN, NULL, 0);
	tcp_send(c, PG_S2C, TH_SYN | TH_ACK, NULL, 0);
	tcp_send(c, PG_C2S, TH_ACK, NULL, 0);
}

/* A SYN and n - 1 retransmissions 1, 2, 4, 8 s apart, never answered. */
void
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
void
fin_close(struct pg_conn *c, int first)
{
	tcp_send(c, first, TH_FIN | TH_ACK, NULL, 0);
	tcp_send(c, !first, TH_FIN | TH_ACK, NULL, 0);
	tcp_send(c, first, TH_ACK, NULL, 0);
}

/* Abort from dir's side: RST|ACK without options, as Linux sends it. */
void
tcp_rst(struct pg_conn *c, int dir)
{
	tcp_send(c, dir, TH_RST | TH_ACK, NULL, 0);
}

void
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

void
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
void
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
void
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

void
smtp_quit(struct pg_conn *c)
{
	smtp_say(c, PG_C2S, "QUIT\r\n");
	smtp_say(c, PG_S2C, "221 2.0.0 Bye\r\n");
}

/* Everything after the handshake up to 221; the caller closes. */
void
smtp_session(struct pg_conn *c, const struct smtp_script *s)
{
	smtp_greet(c, s);
	smtp_mail(c, s);
	smtp_quit(c);
}

/* Handshake, whole session, server closes first after its 221. */
void
smtp_full(struct pg_conn *c, const struct smtp_script *s)
{
	tcp_handshake(c);
	smtp_session(c, s);
	fin_close(c, PG_S2C);
}

/* Handshake, banner, EHLO, QUIT, close: a short allowed connection. */
void
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
void
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
void
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
void
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
 * What the captures' SMTP sessions say (a capture copies one and changes
 * a field or two).  Ports: each scenario has its own client port.
 */

const struct smtp_script smtp_out = {
	"mx.example.net", "smtp.campus.example", "registrar@campus.example",
	{ "admissions@example.net", "archive@example.net" },
	"Enrolment confirmation 2026/27",
	"Dear applicant,\r\n\r\nyour enrolment for the winter term is "
	"confirmed.\r\n\r\nRegistrar's Office\r\n", 0, "4Fb2Lq0xZ7z",
};

const struct smtp_script smtp_in = {
	"smtp.campus.example", "mail.example.org", "newsletter@example.org",
	{ "j.doe@campus.example", "a.smith@campus.example" },
	"Call for papers: SMTP at scale",
	"Hello,\r\n\r\nsubmissions are due on 2026-11-01.\r\n", 0,
	"4Fb3Mn1yQ2k",
};

const struct smtp_script smtp_physics = {
	"mail.physics.campus.example", "relay.example.com",
	"alerts@example.com", { "beamline@physics.campus.example", NULL },
	"Beam time allocation", "Your slot: 2026-10-04 06:00 UTC.\r\n", 0,
	"8Hk2Pw5rTn",
};

const struct smtp_script smtp_genomics = {
	"mx1.example.org", "seq01.genomics.campus.example",
	"pipeline@genomics.campus.example",
	{ "results@example.org", NULL }, "Run GX-0412 lane 3 results",
	NULL, 12000, "Q7d9Vh2cXa",
};

const struct smtp_script smtp_internal = {
	"smtp.campus.example", "ws-3-44.campus.example",
	"printer-alerts@campus.example",
	{ "helpdesk@campus.example", NULL }, "Toner low on PR-3-2",
	"Printer PR-3-2 reports toner below 10%.\r\n", 0, "4Fb4Rt8sLm",
};
