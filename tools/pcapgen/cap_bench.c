/*
 * nfqd-pcapgen -b FILE: the benchmark capture.  Many interleaved
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
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/pcapgen/pcapgen.h"

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

/* What one benchmark connection's SMTP session says. */
struct bench_msg {
	struct smtp_script s;
	char		 from[96], rcpt[2][96], helo[96], qid[16], server[96];
};

/* A connection's message, worded from its random word r (outbound). */
static void
bench_msg(struct bench_msg *m, uint64_t r)
{
	struct smtp_script *s = &m->s;

	memset(s, 0, sizeof(*s));
	snprintf(m->qid, sizeof(m->qid), "B%08X", (unsigned)(r >> 32));
	s->queueid = m->qid;
	s->subject = "Weekly report";
	s->from = m->from;
	s->helo = m->helo;
	s->server = m->server;
	s->rcpt[0] = m->rcpt[0];
	s->bodylen = 500 + (size_t)((r >> 40) % 27500);
	snprintf(m->rcpt[0], sizeof(m->rcpt[0]), "user%u@example.net",
	    (unsigned)((r >> 12) % 9973));
	if ((r >> 50) % 3 == 0) {
		snprintf(m->rcpt[1], sizeof(m->rcpt[1]), "list%u@example.org",
		    (unsigned)((r >> 14) % 997));
		s->rcpt[1] = m->rcpt[1];
	}
	snprintf(m->from, sizeof(m->from), "sender%u@campus.example",
	    (unsigned)((r >> 18) % 4999));
	snprintf(m->helo, sizeof(m->helo), "smtp.campus.example");
	snprintf(m->server, sizeof(m->server), "mx%u.example.net",
	    (unsigned)((r >> 22) % 50));
}

/*
 * The two ends of a connection of kind (per mille, the mix above) into
 * cli and srv (len bytes each), m reworded for inbound mail; the SYNs a
 * blocked one sends, or 0 for a session.
 */
static unsigned
bench_ends(uint64_t *rs, uint64_t r, unsigned kind, unsigned v6, char *cli,
    char *srv, size_t len, struct bench_msg *m)
{
	static const char *const gw_out[] = { "10.20.1.25", "10.20.5.10",
	    "10.20.8.66" };
	unsigned	 tries = 0;

	if (kind < 450) {			/* blocked outbound */
		bench_ws(rs, v6, cli, len);
		bench_out(rs, v6, srv, len);
		tries = 1 + (unsigned)((r >> 30) % 3);
	} else if (kind < 650) {		/* blocked inbound */
		bench_out(rs, v6, cli, len);
		bench_ws(rs, v6, srv, len);
		tries = 1 + (unsigned)((r >> 30) % 2);
	} else if (kind < 900) {		/* allowed outbound */
		snprintf(cli, len, "%s", v6 ?
		    "2001:db8:20:1::25" : gw_out[(r >> 30) % 3]);
		bench_out(rs, v6, srv, len);
	} else if (kind < 970) {		/* allowed inbound */
		bench_out(rs, v6, cli, len);
		if (v6)
			snprintf(srv, len, "2001:db8:20:1::25");
		else if ((r >> 30) % 2)
			snprintf(srv, len, "10.20.1.25");
		else
			snprintf(srv, len, "10.20.8.%u",
			    (unsigned)(1 + (r >> 31) % 60));
		snprintf(m->helo, sizeof(m->helo), "mail.example.org");
		snprintf(m->server, sizeof(m->server), "smtp.campus.example");
		snprintf(m->from, sizeof(m->from), "news%u@example.org",
		    (unsigned)((r >> 18) % 4999));
		snprintf(m->rcpt[0], sizeof(m->rcpt[0]),
		    "user%u@campus.example", (unsigned)((r >> 12) % 9973));
	} else if (kind < 980) {		/* allowed, short */
		snprintf(cli, len, "10.20.1.25");
		bench_out(rs, 0, srv, len);
	} else if (kind < 990) {		/* transit */
		bench_out(rs, v6, cli, len);
		bench_out(rs, v6, srv, len);
	} else {				/* internal */
		bench_ws(rs, v6, cli, len);
		snprintf(srv, len, "%s", v6 ?
		    "2001:db8:20:1::25" : "10.20.1.25");
	}
	return tries;
}

/* Connection k of nconn over secs from t0, written to w. */
static void
bench_conn(struct pg_writer *w, uint64_t *rs, unsigned k, unsigned nconn,
    unsigned secs, uint64_t t0)
{
	struct bench_msg m;
	struct pg_conn	 c;
	char		 cli[64], srv[64];
	uint64_t	 r, start;
	unsigned	 kind, v6, tries;

	r = bench_rand(rs);
	kind = (unsigned)(r % 1000);
	v6 = (r >> 10) % 4 == 0;
	start = t0 + (uint64_t)k * secs * 1000000 / nconn +
	    (r >> 20) % 500000;
	cli[0] = srv[0] = '\0';
	bench_msg(&m, r);
	tries = bench_ends(rs, r, kind, v6, cli, srv, sizeof(cli), &m);
	pg_conn_init(&c, w, cli, (uint16_t)(1024 + (r >> 34) % 64000),
	    srv, 25, start);
	if (tries > 0)
		syn_attempts(&c, (int)tries);
	else if (kind >= 970 && kind < 980)
		smtp_short(&c, &m.s);
	else
		smtp_full(&c, &m.s);
}

/*
 * The records of mem (memlen bytes of pcap records, 16-byte header then
 * caplen bytes each) sorted by time into FILE behind a pcap header.
 */
static void
bench_write(const char *file, const char *mem, size_t memlen,
    unsigned nconn, uint64_t seed)
{
	struct bench_rec *rec;
	uint8_t		 h[24];
	size_t		 off, nrec, i;
	uint32_t	 caplen;
	FILE		*out;

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
}

/*
 * Each connection is written to memory as it is generated, then every
 * record is sorted by time (ties by order written) into FILE.
 */
void
cap_bench(const char *file, uint64_t seed, unsigned nconn, unsigned secs)
{
	struct pg_writer w;
	char		*mem = NULL;
	size_t		 memlen = 0;
	uint64_t	 rs = seed;
	unsigned	 k;

	memset(&w, 0, sizeof(w));
	snprintf(w.path, sizeof(w.path), "%s (memory)", file);
	if ((w.fp = open_memstream(&mem, &memlen)) == NULL)
		pg_fatal("open_memstream: %s", strerror(errno));
	w.fmt = PG_PCAP;
	w.linktype = LINKTYPE_ETHERNET;
	for (k = 0; k < nconn; k++)
		bench_conn(&w, &rs, k, nconn, secs, pg_at(12, 0, 0));
	if (fclose(w.fp) != 0)
		pg_fatal("%s: %s", w.path, strerror(errno));
	bench_write(file, mem, memlen, nconn, seed);
	free(mem);
}
