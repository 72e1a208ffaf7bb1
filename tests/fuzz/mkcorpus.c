/*
 * mkcorpus: seed inputs for fuzz_pkt and fuzz_smtp from packet captures.
 *
 *	mkcorpus PKTDIR SMTPDIR CAPTURE...
 *
 * For each capture (pcap or pcapng, in the order given) it writes, under
 * names that start with the capture's base name:
 *
 *  PKTDIR/NAME-pN	one packet of each kind the capture holds (parse
 *			result, family, TCP flags, port, first payload byte
 *			class), as raw IP; the first few also with their
 *			link-layer header
 *  PKTDIR/NAME-fN	the first packets of a mail-port connection, raw IP,
 *			in fuzz_pkt's multi-frame form
 *  SMTPDIR/NAME-sN	a mail-port connection's two byte streams,
 *			reassembled, in fuzz_smtp's form (markers, gaps)
 *
 * The output depends only on the captures: same input, same files.
 * Formats: tests/fuzz/fuzz_pkt.c and fuzz_smtp.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "tests/nfqd_all.h"

#define MAX_FLOWS	512
#define SHAPES_PER_FILE	12	/* single-packet seeds */
#define FRAMED_PER_FILE	2	/* link-layer copies among them */
#define CONV_PER_FILE	4	/* multi-frame seeds */
#define CONV_PKTS	24	/* frames in one */
#define CONV_MAX	24576	/* bytes in one */
#define SMTP_PER_FILE	6
#define SMTP_MAX	16384	/* stream bytes in one */

#define SEP		"\xfe\xedP"

struct conn {
	struct ip_addr	 a[2];		/* [0] the client */
	uint16_t	 port[2];
	/* conversation seed */
	uint8_t		*conv;
	size_t		 conv_len;
	unsigned	 conv_pkts;
	int64_t		 conv_last;
	/* SMTP streams */
	uint8_t		*smtp;
	size_t		 smtp_len, smtp_data;
	int		 cur_dir;	/* -1: no marker yet */
	uint32_t	 next[2];
	bool		 seq_ok[2];
	bool		 payload;
	bool		 mail;		/* a mail port */
};

static const char	*pkt_dir, *smtp_dir;
static char		 base[256];

static void
out(const char *dir, const char *kind, unsigned n, const void *d,
    size_t len)
{
	char	 path[1024];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s-%s%u", dir, base, kind, n);
	if ((f = fopen(path, "w")) == NULL || fwrite(d, 1, len, f) != len ||
	    fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

static bool
mail_port(uint16_t p)
{
	return p == 25 || p == 465 || p == 587 || p == 2525;
}

static int
link_of(int dlt, enum link *l)
{
	switch (dlt) {
	case DLT_EN10MB:	*l = LINK_ETH; return 0;
	case DLT_LINUX_SLL:	*l = LINK_SLL; return 0;
	case DLT_LINUX_SLL2:	*l = LINK_SLL2; return 0;
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:		*l = LINK_RAW; return 0;
	case DLT_NULL:
	case DLT_LOOP:		*l = LINK_NULL; return 0;
	}
	return -1;
}

/* Where the IP header starts in a frame of this link type. */
static size_t
l3_offset(enum link l, unsigned vlans)
{
	switch (l) {
	case LINK_ETH:	return 14 + 4 * (size_t)vlans;
	case LINK_SLL:	return 16 + 4 * (size_t)vlans;
	case LINK_SLL2:	return 20 + 4 * (size_t)vlans;
	case LINK_NULL:	return 4;
	default:	return 0;
	}
}

static void
grow(uint8_t **buf, size_t *len, const void *d, size_t n)
{
	uint8_t	*nb;

	if ((nb = realloc(*buf, *len + n)) == NULL) {
		perror("realloc");
		exit(1);
	}
	memcpy(nb + *len, d, n);
	*buf = nb;
	*len += n;
}

static struct conn *
flow_find(struct conn *fl, unsigned *nfl, const struct pkt *p, int *dir)
{
	unsigned	 i;

	for (i = 0; i < *nfl; i++) {
		if (addr_equal(&fl[i].a[0], &p->src) &&
		    addr_equal(&fl[i].a[1], &p->dst) &&
		    fl[i].port[0] == p->sport && fl[i].port[1] == p->dport) {
			*dir = 0;
			return &fl[i];
		}
		if (addr_equal(&fl[i].a[0], &p->dst) &&
		    addr_equal(&fl[i].a[1], &p->src) &&
		    fl[i].port[0] == p->dport && fl[i].port[1] == p->sport) {
			*dir = 1;
			return &fl[i];
		}
	}
	if (*nfl == MAX_FLOWS)
		return NULL;
	memset(&fl[i], 0, sizeof(fl[i]));
	/* The client: the SYN's sender, else the end not on a mail port. */
	if ((p->flags & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK) ||
	    (!(p->flags & TH_SYN) && mail_port(p->sport) &&
	    !mail_port(p->dport))) {
		fl[i].a[0] = p->dst;
		fl[i].a[1] = p->src;
		fl[i].port[0] = p->dport;
		fl[i].port[1] = p->sport;
		*dir = 1;
	} else {
		fl[i].a[0] = p->src;
		fl[i].a[1] = p->dst;
		fl[i].port[0] = p->sport;
		fl[i].port[1] = p->dport;
		*dir = 0;
	}
	fl[i].mail = mail_port(fl[i].port[1]) || fl[i].port[1] == 8240;
	fl[i].cur_dir = -1;
	(*nfl)++;
	return &fl[i];
}

/* fuzz_smtp's form: 0xfe client, 0xff server, 0xfd N gap, 0xfc escape. */
static void
smtp_bytes(struct conn *f, int dir, const uint8_t *d, size_t n)
{
	uint8_t	 m, esc = 0xfc;
	size_t	 i;

	if (f->cur_dir != dir) {
		m = dir == 0 ? 0xfe : 0xff;
		grow(&f->smtp, &f->smtp_len, &m, 1);
		f->cur_dir = dir;
	}
	for (i = 0; i < n && f->smtp_data < SMTP_MAX; i++, f->smtp_data++) {
		if (d[i] >= 0xfc)
			grow(&f->smtp, &f->smtp_len, &esc, 1);
		grow(&f->smtp, &f->smtp_len, &d[i], 1);
	}
}

static void
stream_gap(struct conn *f, int dir, uint32_t lost)
{
	uint8_t	 g[2] = { 0xfd, lost > 253 ? 254 : (uint8_t)lost };

	if (f->cur_dir != dir) {
		g[0] = dir == 0 ? 0xfe : 0xff;
		grow(&f->smtp, &f->smtp_len, g, 1);
		f->cur_dir = dir;
		g[0] = 0xfd;
	}
	grow(&f->smtp, &f->smtp_len, g, 2);
}

/* The new bytes of a segment, in order, as classify.c feeds them. */
static void
smtp_segment(struct conn *f, int dir, const struct pkt *p)
{
	uint32_t	 seq = p->seq, skip = 0, len = p->payload_caplen;

	if (p->flags & TH_SYN) {
		f->next[dir] = p->seq + 1;
		f->seq_ok[dir] = true;
		return;
	}
	if (len == 0 || f->smtp_data >= SMTP_MAX)
		return;
	if (!f->seq_ok[dir]) {
		f->next[dir] = seq;
		f->seq_ok[dir] = true;
	}
	if ((int32_t)(seq - f->next[dir]) < 0) {
		skip = f->next[dir] - seq;
		if (skip >= len)
			return;
	} else if (seq != f->next[dir])
		stream_gap(f, dir, seq - f->next[dir]);
	f->next[dir] = seq + len;
	f->payload = true;
	smtp_bytes(f, dir, p->payload + skip, len - skip);
}

static void
conv_add(struct conn *f, const uint8_t *ip, size_t n, int64_t ts)
{
	uint8_t		 hdr[4];
	int64_t		 q;

	if (f->conv_pkts == CONV_PKTS || f->conv_len + n + 4 > CONV_MAX)
		return;
	if (f->conv_pkts == 0) {
		hdr[0] = 3;			/* raw IP */
		grow(&f->conv, &f->conv_len, hdr, 1);
	} else {
		q = (ts - f->conv_last) / 250000;
		memcpy(hdr, SEP, 3);
		hdr[3] = (uint8_t)(q < 0 ? 0 : q > 255 ? 255 : q);
		grow(&f->conv, &f->conv_len, hdr, 4);
	}
	grow(&f->conv, &f->conv_len, ip, n);
	f->conv_last = ts;
	f->conv_pkts++;
}

static int
byte_class(const struct pkt *p)
{
	uint8_t	 c;

	if (p->payload_caplen == 0)
		return 0;
	c = p->payload[0];
	if (c >= '0' && c <= '9')
		return 1;
	if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))
		return 2;
	return c == 0x16 ? 3 : 4;
}

static int
port_class(const struct pkt *p)
{
	uint16_t	 s = p->sport < p->dport ? p->sport : p->dport;

	return s == 25 ? 1 : s == 465 ? 2 : s == 587 ? 3 : 0;
}

static void
one_capture(const char *file)
{
	char		 err[PCAP_ERRBUF_SIZE];
	pcap_t		*pc;
	struct pcap_pkthdr *h;
	const u_char	*d;
	enum link	 link;
	struct pkt	 p;
	struct conn	*fl, *f;
	unsigned	 nfl = 0, nshape = 0, nframed = 0, i, k, nconv = 0,
			 nsmtp = 0;
	uint32_t	 shapes[SHAPES_PER_FILE], key;
	uint8_t		*seed;
	size_t		 off, n;
	int		 r, dir;
	int64_t		 ts;
	const char	*s;

	s = strrchr(file, '/');
	snprintf(base, sizeof(base), "%s", s ? s + 1 : file);
	if ((s = strrchr(base, '.')) != NULL)	/* .pcap, .pcapng */
		base[s - base] = '\0';
	if ((pc = pcap_open_offline(file, err)) == NULL) {
		fprintf(stderr, "mkcorpus: %s\n", err);
		exit(1);
	}
	if (link_of(pcap_datalink(pc), &link) == -1) {
		fprintf(stderr, "mkcorpus: %s: link type %d skipped\n", file,
		    pcap_datalink(pc));
		pcap_close(pc);
		return;
	}
	if ((fl = calloc(MAX_FLOWS, sizeof(*fl))) == NULL ||
	    (seed = malloc(65536 + 1)) == NULL) {
		perror("malloc");
		exit(1);
	}
	while (pcap_next_ex(pc, &h, &d) == 1) {
		ts = (int64_t)h->ts.tv_sec * 1000000 + h->ts.tv_usec;
		r = pkt_parse(link, d, h->caplen, h->len, &p);
		off = l3_offset(link, p.vlans);
		if (off > h->caplen)
			continue;
		n = h->caplen - off;

		/* One of each kind. */
		key = (uint32_t)r | (uint32_t)p.src.af << 4 |
		    (uint32_t)(p.flags & 0x3f) << 8 |
		    (uint32_t)byte_class(&p) << 16 |
		    (uint32_t)port_class(&p) << 20 |
		    (uint32_t)(p.vlans > 0) << 24;
		for (k = 0; k < nshape && shapes[k] != key; k++)
			;
		if (k == nshape && nshape < SHAPES_PER_FILE && n <= 65535) {
			shapes[nshape++] = key;
			seed[0] = 3;
			memcpy(seed + 1, d + off, n);
			out(pkt_dir, "p", nshape, seed, n + 1);
			if (link != LINK_RAW && nframed < FRAMED_PER_FILE &&
			    h->caplen <= 65535) {
				seed[0] = (uint8_t)link;
				memcpy(seed + 1, d, h->caplen);
				out(pkt_dir, "l", ++nframed, seed,
				    h->caplen + 1);
			}
		}
		if (r != PKT_OK || (f = flow_find(fl, &nfl, &p, &dir)) == NULL ||
		    !f->mail)
			continue;
		conv_add(f, d + off, n, ts);
		smtp_segment(f, dir, &p);
	}
	pcap_close(pc);

	/* The first mail connections with payload, in order of appearance. */
	for (i = 0; i < nfl; i++) {
		f = &fl[i];
		if (f->mail && f->payload && nconv < CONV_PER_FILE) {
			/* Every other one through the monitor policy. */
			if (nconv % 2 == 1)
				f->conv[0] |= 0x40;
			out(pkt_dir, "f", ++nconv, f->conv, f->conv_len);
		}
		if (f->mail && f->payload && nsmtp < SMTP_PER_FILE) {
			uint8_t	*b = malloc(f->smtp_len + 2);

			if (b == NULL)
				exit(1);
			b[0] = (uint8_t)(nsmtp % 3);	/* address mode */
			b[1] = nsmtp % 2 ? 7 : 0;	/* split */
			memcpy(b + 2, f->smtp, f->smtp_len);
			out(smtp_dir, "s", ++nsmtp, b, f->smtp_len + 2);
			free(b);
		}
		free(f->conv);
		free(f->smtp);
	}
	free(fl);
	free(seed);
}

int
main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: mkcorpus PKTDIR SMTPDIR CAPTURE...\n");
		return 2;
	}
	pkt_dir = argv[1];
	smtp_dir = argv[2];
	for (int i = 3; i < argc; i++)
		one_capture(argv[i]);
	return 0;
}
