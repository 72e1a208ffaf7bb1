/*
 * fuzz_smtp: the SMTP stream parser (smtp.c), both directions, gaps, the
 * three address modes.
 *
 * Input:
 *	byte 0		smtp-addresses mode: 0 none, 1 domain, 2 full (3: domain)
 *	byte 1		split points: 0 feeds each run whole, else pieces of
 *			1..4*byte1 bytes from a PRNG seeded with the input
 *	then		the stream, server first, with markers:
 *			  0xfe  what follows is client -> server
 *			  0xff  what follows is server -> client
 *			  0xfd N  smtp_gap() on the current direction, N lost
 *			        bytes (0 unknown, 254: 65536, 255: 2^32-1)
 *			  0xfc X  the byte X itself
 *
 * Each input is parsed three times: fed in the pieces above, each run of
 * one direction at once, and byte by byte.  smtp.h promises the same
 * result whatever the split, so any difference is a bug; so is a string
 * that is not printable ASCII, a duplicate or uncounted address, or
 * starttls without SMTP_TLS.
 */
#include "fuzz.h"
#include "engine/smtp.h"

#define M_CLIENT	0xfe
#define M_SERVER	0xff
#define M_GAP		0xfd
#define M_ESC		0xfc

struct op {
	uint8_t		 gap;		/* 1: smtp_gap, else data */
	uint8_t		 dir;
	size_t		 off, len;	/* data: into the decoded bytes */
	size_t		 lost;		/* gap */
};

struct script {
	uint8_t		*data;		/* decoded stream bytes */
	struct op	*ops;
	size_t		 nops;
};

static size_t
gap_size(uint8_t n)
{
	if (n == 254)
		return 65536;
	if (n == 255)
		return 0xffffffffu;
	return n;
}

static void
script_parse(const uint8_t *p, size_t n, struct script *sc)
{
	size_t		 i, dlen = 0;
	uint8_t		 dir = 1;
	struct op	*op = NULL;

	sc->data = malloc(n + 1);
	sc->ops = calloc(n + 1, sizeof(*sc->ops));
	if (sc->data == NULL || sc->ops == NULL)
		abort();
	sc->nops = 0;
	for (i = 0; i < n; i++) {
		switch (p[i]) {
		case M_CLIENT:
		case M_SERVER:
			dir = p[i] == M_CLIENT ? 0 : 1;
			op = NULL;
			continue;
		case M_GAP:
			op = &sc->ops[sc->nops++];
			op->gap = 1;
			op->dir = dir;
			op->lost = i + 1 < n ? gap_size(p[++i]) : 0;
			op = NULL;
			continue;
		case M_ESC:
			if (i + 1 == n)
				continue;
			i++;
			break;
		}
		if (op == NULL) {
			op = &sc->ops[sc->nops++];
			op->dir = dir;
			op->off = dlen;
		}
		sc->data[dlen++] = p[i];
		op->len++;
	}
}

/* Feed p[0..n) from an exact-size copy, so any over-read is caught. */
static int
feed_exact(struct smtp *s, int dir, const uint8_t *p, size_t n)
{
	uint8_t	*q;
	int	 r;

	if ((q = malloc(n)) == NULL)
		abort();
	memcpy(q, p, n);
	r = smtp_feed(s, dir, q, n);
	free(q);
	return r;
}

enum how { H_SPLIT, H_WHOLE, H_BYTES };

static void
run(const struct script *sc, enum smtp_addr_mode mode, enum how how,
    uint8_t split, uint64_t seed, struct smtp *s)
{
	const struct op	*op;
	size_t		 i, j, k, piece, len;
	uint8_t		*one;
	int		 r;

	smtp_init(s, mode);
	if ((one = malloc(1)) == NULL)
		abort();
	for (i = 0; i < sc->nops; i++) {
		op = &sc->ops[i];
		if (op->gap) {
			smtp_gap(s, op->dir, op->lost);
			continue;
		}
		switch (how) {
		case H_WHOLE:
			/* This op and the same direction's data after it. */
			len = op->len;
			for (j = i + 1; j < sc->nops && !sc->ops[j].gap &&
			    sc->ops[j].dir == op->dir; j++)
				len += sc->ops[j].len;
			r = feed_exact(s, op->dir, sc->data + op->off, len);
			i = j - 1;
			break;
		case H_BYTES:
			for (k = 0; k < op->len; k++) {
				one[0] = sc->data[op->off + k];
				r = smtp_feed(s, op->dir, one, 1);
			}
			break;
		default:
			for (k = 0; k < op->len; k += piece) {
				piece = split == 0 ? op->len :
				    1 + fuzz_rand(&seed) % (4u * split);
				if (piece > op->len - k)
					piece = op->len - k;
				r = feed_exact(s, op->dir,
				    sc->data + op->off + k, piece);
			}
			break;
		}
		(void)r;
		FUZZ_CHECK(s->clen <= SMTP_CLINE && s->slen <= SMTP_SLINE,
		    "clen %u slen %u", s->clen, s->slen);
	}
	free(one);
	/* Not a direction, no bytes: nothing changes. */
	r = s->status;
	FUZZ_CHECK(smtp_feed(s, 2, one, 1) == r, "dir 2 changed the status");
	FUZZ_CHECK(smtp_feed(s, 0, NULL, 0) == r, "NULL changed the status");
	smtp_gap(s, -1, 5);
}

static void
check_str(const char *what, const char *s, size_t size, bool domain)
{
	size_t	 i;

	for (i = 0; i < size && s[i] != '\0'; i++) {
		FUZZ_CHECK(s[i] >= 0x21 && s[i] <= 0x7e,
		    "%s: byte 0x%02x at %zu", what, (uint8_t)s[i], i);
		if (domain)
			FUZZ_CHECK(s[i] != '@' && !(s[i] >= 'A' && s[i] <= 'Z'),
			    "%s: '%c' in a domain", what, s[i]);
	}
	FUZZ_CHECK(i < size, "%s: not NUL-terminated", what);
}

static void
check_addrs(const char *what, char list[][SMTP_ADDRLEN], uint32_t n,
    enum smtp_addr_mode mode)
{
	uint32_t	 i, j;

	FUZZ_CHECK(n <= SMTP_MAX_ADDRS, "%s: %u kept", what, n);
	FUZZ_CHECK(mode != SMTP_ADDR_NONE || n == 0,
	    "%s: %u kept with smtp-addresses = none", what, n);
	for (i = 0; i < n; i++) {
		check_str(what, list[i], SMTP_ADDRLEN, mode == SMTP_ADDR_DOMAIN);
		for (j = 0; j < i; j++)
			FUZZ_CHECK(strcmp(list[i], list[j]) != 0,
			    "%s: '%s' kept twice", what, list[i]);
	}
}

static void
check_meta(const struct smtp *s, enum smtp_addr_mode mode)
{
	const struct smtp_meta	*m = smtp_meta(s);

	FUZZ_CHECK(s->status == SMTP_MORE || s->status == SMTP_TLS ||
	    s->status == SMTP_NOT_SMTP, "status %u", s->status);
	FUZZ_CHECK(strcmp(smtp_status_name(s->status), "?") != 0, "name");
	FUZZ_CHECK(m->starttls == (s->status == SMTP_TLS),
	    "starttls %d but status %s", m->starttls,
	    smtp_status_name(s->status));
	check_str("banner", m->banner, sizeof(m->banner), false);
	check_str("helo", m->helo, sizeof(m->helo), false);
	check_addrs("mail_from", (char (*)[SMTP_ADDRLEN])m->mail_from,
	    m->n_mail_from, mode);
	check_addrs("rcpt_to", (char (*)[SMTP_ADDRLEN])m->rcpt_to,
	    m->n_rcpt_to, mode);
	FUZZ_CHECK(m->n_mail_from <= m->transactions,
	    "%u addresses kept of %u MAIL FROM", m->n_mail_from,
	    m->transactions);
	FUZZ_CHECK(m->n_rcpt_to <= m->rcpts, "%u addresses kept of %u RCPT TO",
	    m->n_rcpt_to, m->rcpts);
	FUZZ_CHECK((uint64_t)m->transactions + m->rcpts <= m->commands,
	    "%u MAIL + %u RCPT but %u commands", m->transactions, m->rcpts,
	    m->commands);
	FUZZ_CHECK(m->max_message <= m->data_bytes,
	    "max_message %u > data_bytes %llu", m->max_message,
	    (unsigned long long)m->data_bytes);
}

static void
same(const struct smtp *a, const struct smtp *b, const char *how)
{
	const struct smtp_meta	*x = &a->meta, *y = &b->meta;
	uint32_t		 i;

#define SAME_N(f)	FUZZ_CHECK(x->f == y->f, "%s: " #f " %llu != %llu", \
			    how, (unsigned long long)x->f, (unsigned long long)y->f)
#define SAME_S(f)	FUZZ_CHECK(strcmp(x->f, y->f) == 0, \
			    "%s: " #f " '%s' != '%s'", how, x->f, y->f)
	FUZZ_CHECK(a->status == b->status, "%s: status %s != %s", how,
	    smtp_status_name(a->status), smtp_status_name(b->status));
	SAME_S(banner);
	SAME_S(helo);
	SAME_N(starttls);
	SAME_N(auth);
	SAME_N(transactions);
	SAME_N(rcpts);
	SAME_N(data_bytes);
	for (i = 0; i < 4; i++)
		SAME_N(replies[i]);
	SAME_N(n_mail_from);
	SAME_N(n_rcpt_to);
	for (i = 0; i < x->n_mail_from; i++)
		SAME_S(mail_from[i]);
	for (i = 0; i < x->n_rcpt_to; i++)
		SAME_S(rcpt_to[i]);
	SAME_N(commands);
	SAME_N(max_message);
	SAME_N(messages);
#undef SAME_N
#undef SAME_S
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum smtp_addr_mode modes[4] = { SMTP_ADDR_NONE,
	    SMTP_ADDR_DOMAIN, SMTP_ADDR_FULL, SMTP_ADDR_DOMAIN };
	struct script		 sc;
	struct smtp		*s[3];
	enum smtp_addr_mode	 mode;
	uint64_t		 seed;
	int			 i;

	if (size < 2)
		return 0;
	mode = modes[data[0] & 3];
	seed = hash64(data, size, 0);
	script_parse(data + 2, size - 2, &sc);
	for (i = 0; i < 3; i++) {
		if ((s[i] = malloc(sizeof(*s[i]))) == NULL)
			abort();
		run(&sc, mode, (enum how)i, data[1], seed, s[i]);
		check_meta(s[i], mode);
	}
	same(s[H_SPLIT], s[H_WHOLE], "split vs whole");
	same(s[H_BYTES], s[H_WHOLE], "bytes vs whole");
	for (i = 0; i < 3; i++)
		free(s[i]);
	free(sc.data);
	free(sc.ops);
	return 0;
}
