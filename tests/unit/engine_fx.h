/*
 * The engine under test (test_engine.c, test_roles.c): a policy from
 * config lines and an exceptions text, an engine whose every event is
 * recorded, and raw packets built byte by byte (util.h) handed to
 * engine_packet().
 */
#ifndef ENGINE_FX_H
#define ENGINE_FX_H

#include "util.h"

#define SEC	INT64_C(1000000)
#define T0	(INT64_C(1790000000) * SEC)	/* 2026-09-21T14:13:20Z */
#define T_0901	(INT64_C(1788220800) * SEC)	/* 2026-09-01T00:00:00Z */

#define OUT	"198.51.100.7"
#define OUT2	"203.0.113.9"
#define OUT6	"2001:db8:ff::7"
#define MAXEV	512

static const char *const exc_default =
    "10.20.1.25 both ticket=NET-1001 owner=its-mail\n"
    "10.20.8.0/24 inbound ticket=NET-1187\n"
    "10.20.7.7 both expires=2026-08-31\n"
    "2001:db8:20:1::25 both\n";

struct fx {
	const char	*exc;		/* exceptions.conf's text */
	struct tmpdir	 dir;
	struct policy	*pol;
	struct engine	*e;
	struct event	*ev;		/* everything emitted, in order */
	size_t		 nev, cap;
};

static inline void
record(void *arg, const struct event *ev)
{
	struct fx	*f = arg;

	struct event	*v;

	if (f->nev == f->cap) {
		f->cap *= 2;
		if ((v = realloc(f->ev, f->cap * sizeof(*v))) == NULL)
			fail_msg("out of memory");
		f->ev = v;
	}
	f->ev[f->nev++] = *ev;
}

/* Events own memory (smtp metadata): give it back. */
static inline void
release_all(struct fx *f)
{
	for (size_t i = 0; i < f->nev; i++)
		event_release(&f->ev[i]);
	f->nev = 0;
}

/* (Re)load the policy from `extra` config lines and start an engine. */
static inline void
start(struct fx *f, const char *extra)
{
	char	 conf[1024], path[MAX_PATH], err[ERRLEN] = "";

	engine_free(f->e);
	policy_free(f->pol);
	release_all(f);
	/* The decision path alone, unless a test asks for classification. */
	snprintf(conf, sizeof(conf),
	    "internal-networks = 10.20.0.0/16, 2001:db8:20::/48\n"
	    "exceptions = exceptions.conf\n%s%s", extra,
	    strstr(extra, "classify") ? "" : "classify = no\n");
	write_file(&f->dir, "exceptions.conf", f->exc, path);
	write_file(&f->dir, "nfqd.conf", conf, path);
	if ((f->pol = policy_load(path, err, sizeof(err))) == NULL)
		fail_msg("policy_load: %s", err);
	f->e = engine_new(f->pol, 42, record, f);
	assert_non_null(f->e);
}

static inline int
setup(void **state)
{
	struct fx	*f = calloc(1, sizeof(*f));

	if (f == NULL || (f->ev = calloc(MAXEV, sizeof(*f->ev))) == NULL) {
		free(f);
		return -1;
	}
	f->cap = MAXEV;
	f->exc = exc_default;
	tmpdir_new(&f->dir);
	start(f, "");
	*state = f;
	return 0;
}

static inline int
teardown(void **state)
{
	struct fx	*f = *state;

	engine_free(f->e);
	policy_free(f->pol);
	release_all(f);
	tmpdir_rm(&f->dir);
	free(f->ev);
	free(f);
	return 0;
}

/* One TCP packet as raw IP through the engine. */
static inline int
tcp(struct fx *f, int64_t ts, const char *src, uint16_t sport,
    const char *dst, uint16_t dport, uint8_t flags, size_t paylen)
{
	uint8_t	 b[2048];
	size_t	 n;

	n = build_ip_tcp(b, src, sport, dst, dport, flags, paylen);
	return engine_packet(f->e, f->pol, LINK_RAW, b, (uint32_t)n,
	    (uint32_t)n, &(struct pkt_info){ .ts = ts });
}

static inline size_t
count(const struct fx *f, uint8_t type)
{
	size_t	 i, n = 0;

	for (i = 0; i < f->nev; i++)
		if (f->ev[i].type == type)
			n++;
	return n;
}

/* The k-th event of a type. */
static inline const struct event *
nth(const struct fx *f, uint8_t type, size_t k)
{
	size_t	 i, left = k;

	for (i = 0; i < f->nev; i++)
		if (f->ev[i].type == type && left-- == 0)
			return &f->ev[i];
	fail_msg("no event %zu of type %d", k, type);
	return NULL;
}

static inline void
check_tuple(const struct event *ev, const char *src, uint16_t sport,
    const char *dst, uint16_t dport)
{
	char	 s[ADDR_STRLEN], d[ADDR_STRLEN];

	addr_format(&ev->src, s, sizeof(s));
	addr_format(&ev->dst, d, sizeof(d));
	if (strcmp(s, src) != 0 || strcmp(d, dst) != 0 ||
	    ev->sport != sport || ev->dport != dport)
		fail_msg("tuple %s:%u -> %s:%u, expected %s:%u -> %s:%u", s,
		    ev->sport, d, ev->dport, src, sport, dst, dport);
}

/* A full handshake c -> s, returns the last verdict. */
static inline int
handshake(struct fx *f, int64_t ts, const char *c, uint16_t cp,
    const char *s, uint16_t sp)
{
	tcp(f, ts, c, cp, s, sp, TH_SYN, 0);
	tcp(f, ts + 1000, s, sp, c, cp, TH_SYN | TH_ACK, 0);
	return tcp(f, ts + 2000, c, cp, s, sp, TH_ACK, 0);
}

#endif
