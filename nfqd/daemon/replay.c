/*
 * pcap replay: the second packet source.  Frames from a pcap or pcapng
 * file go through the same engine_packet() as NFQUEUE packets; the clock
 * is the capture's timestamps, so expiry and timeouts are deterministic.
 * At the end every remaining flow is flushed, a stats event written, and a
 * one-screen summary printed to stderr.
 *
 * As live, events are formatted off the packet path: the engine pushes
 * them into an evq ring and a writer thread formats, counts and writes
 * them, in order.  Unlike live, replay never drops an event: a full ring
 * makes the reader wait for the writer.
 *
 * The capture itself (a file or standard input, plain or gzip) is opened
 * and read by capture.c.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pcap/pcap.h>

#include "base/addr.h"
#include "base/hash.h"
#include "base/hosttab.h"
#include "base/log.h"
#include "base/table.h"
#include "policy/conf.h"
#include "policy/quarantine.h"
#include "policy/policy.h"
#include "event/event.h"
#include "event/evq.h"
#include "engine/pkt.h"
#include "engine/flow.h"
#include "engine/detect.h"
#include "engine/respond.h"
#include "engine/engine.h"
#include "daemon/run.h"
#include "daemon/capture.h"
#include "sink/sink.h"
#include "base/when.h"
#include "sink/eve.h"
#include "sink/evwrite.h"

#define TOP_HOSTS	10
#define SUM_HOSTS	32768		/* campus hosts, outside sources
					   counted for the summary */
#define REPLAY_RING	8192		/* events between reader and writer */

#define SUM_ALERTS	32		/* alerts, quarantines listed by name */
#define SUM_RESPS	16
#define SUM_REASONS	16		/* > R_UNPARSED */
#define OTHER_MAX	(1u << 21)	/* other-port connections told apart */

struct host_count {
	struct ip_addr	 addr;		/* the key */
	uint64_t	 n[2];		/* hosts: blocked in, out; sources:
					   allowed, blocked */
};

struct host_table {
	struct host_count	*v;		/* SUM_HOSTS, NULL: not counted */
	struct hosttab		 tab;		/* over v */
	uint64_t		 dropped;
};

/* What the summary says of an alert, a quarantine or a harvest block. */
struct sum_alert {
	int64_t		 ts_us;
	uint8_t		 detection;	/* kind + 1, 0: none */
	uint32_t	 sid;
	struct ip_addr	 host;
	uint64_t	 flow_id, related;
	uint8_t		 response, note;
};

struct sum_resp {
	bool		 harvest;
	char		 host[PREFIX_STRLEN];
	int64_t		 since, until;	/* unix s */
	bool		 ended;
	uint64_t	 refused;
	char		 why[QUAR_REASONLEN];
};

/*
 * The summary's counts, kept by the writer thread from the events it
 * formats (and, for the other ports, by the reader from the packets the
 * engine counted there).
 */
struct replay_sum {
	uint64_t		 conns[4][2];	/* direction x action */
	uint64_t		 reasons[SUM_REASONS][4];	/* blocked */
	bool			 monitor;
	struct host_table	 hosts, sources;
	struct sum_alert	 alerts[SUM_ALERTS];
	uint64_t		 nalerts;
	struct sum_resp		 resps[SUM_RESPS];
	uint32_t		 nresps;
	uint64_t		 resps_dropped;
	/* TCP connections on other ports, told apart by their tuple */
	uint64_t		*other;
	uint32_t		 other_cap, nother;
	bool			 other_full;
};

struct replay {
	struct evwriter		 w;		/* the one way out */
	struct replay_sum	 sum;
	/* the reader (engine) and the writer thread */
	struct evq		*q;
	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;
	_Atomic int		 waiting;	/* someone sleeps on cond */
	_Atomic int		 done;		/* no more events */
	int64_t			 now_us;	/* the last packet's time */
	_Atomic uint64_t	 pushed, popped;	/* the ring's backlog */
	pthread_t		 writer;
	struct engine		*e;
	struct respond		*resp;		/* NULL: no responses */
};

/* A summary's table of hosts; without memory, it counts nothing. */
static void
host_table_init(struct host_table *t)
{
	if ((t->v = table_calloc(SUM_HOSTS, sizeof(*t->v))) != NULL &&
	    hosttab_init(&t->tab, t->v, SUM_HOSTS, sizeof(*t->v),
	    sizeof(t->v->addr), 0, 0) == -1) {
		free(t->v);
		t->v = NULL;
	}
}

static void
host_table_free(struct host_table *t)
{
	hosttab_free(&t->tab);
	free(t->v);
}

static void
sum_count_host(struct host_table *t, const struct ip_addr *a, int i,
    uint64_t n)
{
	struct host_count	*h;

	if (t->v == NULL)
		return;
	if ((h = hosttab_add(&t->tab, a, 0, NULL, NULL)) == NULL) {
		t->dropped++;
		return;
	}
	h->n[i] += n;
}

static struct sum_resp *
sum_resp(struct replay_sum *s, bool harvest, const char *host, int64_t until)
{
	struct sum_resp	*q;

	for (uint32_t i = 0; i < s->nresps; i++) {
		q = &s->resps[i];
		if (q->harvest == harvest && q->until == until &&
		    strcmp(q->host, host) == 0)
			return q;
	}
	if (s->nresps == SUM_RESPS) {
		s->resps_dropped++;
		return NULL;
	}
	q = &s->resps[s->nresps++];
	memset(q, 0, sizeof(*q));
	q->harvest = harvest;
	snprintf(q->host, sizeof(q->host), "%s", host);
	q->until = until;
	return q;
}

/* The event, counted for the summary (the writer thread, in order). */
static void
sum_event(struct replay_sum *s, const struct event *ev)
{
	struct sum_resp	*q;
	char		 a[PREFIX_STRLEN];
	uint8_t		 d;

	switch (ev->type) {
	case EV_POLICY:
		d = ev->policy.direction;
		s->conns[d][ev->policy.action]++;
		s->monitor |= ev->policy.mode == MODE_MONITOR;
		if (d == D_INBOUND)
			sum_count_host(&s->sources, &ev->src,
			    ev->policy.action, 1);
		if (ev->policy.action != A_BLOCKED)
			break;
		if (ev->policy.reason < SUM_REASONS)
			s->reasons[ev->policy.reason][d]++;
		if (d == D_INBOUND)
			sum_count_host(&s->hosts, &ev->dst, 0, 1);
		else if (d == D_OUTBOUND)
			sum_count_host(&s->hosts, &ev->src, 1, 1);
		if ((ev->policy.reason == R_QUARANTINE ||
		    ev->policy.reason == R_HARVEST_BLOCK) &&
		    (q = sum_resp(s, ev->policy.reason == R_HARVEST_BLOCK,
		    ev->policy.quar.host, ev->policy.quar.until)) != NULL) {
			q->refused++;
			if (q->since == 0)
				q->since = ev->policy.quar.since;
		}
		break;
	case EV_SUMMARY:
		/* Folded attempts count too; the campus end of an inbound
		 * scan is many hosts, so only outbound ones name a host. */
		d = ev->summary.direction;
		s->conns[d][A_BLOCKED] += ev->summary.count;
		s->monitor |= ev->summary.mode == MODE_MONITOR;
		s->reasons[SUM_REASONS - 1][d] += ev->summary.count;
		if (d == D_OUTBOUND)
			sum_count_host(&s->hosts, &ev->src, 1,
			    ev->summary.count);
		else if (d == D_INBOUND)
			sum_count_host(&s->sources, &ev->src, A_BLOCKED,
			    ev->summary.count);
		break;
	case EV_ALERT:
		if (s->nalerts < SUM_ALERTS) {
			struct sum_alert *al = &s->alerts[s->nalerts];

			al->ts_us = ev->ts_us;
			al->detection = ev->alert.detection;
			al->sid = ev->alert.sid;
			al->host = ev->alert.detection ? ev->alert.host :
			    ev->src;
			al->flow_id = ev->flow_id;
			al->related = ev->alert.related_flow;
			al->response = ev->alert.response;
			al->note = ev->alert.response_note;
		}
		s->nalerts++;
		if (ev->alert.response == RK_HARVEST_BLOCK &&
		    ev->alert.response_note == RN_DONE) {
			addr_format(&ev->alert.host, a, sizeof(a));
			if ((q = sum_resp(s, true, a,
			    ev->alert.response_until)) != NULL) {
				q->since = ev->ts_us / 1000000;
				snprintf(q->why, sizeof(q->why), "%s, flow "
				    "%llu", detection_name((uint8_t)
				    (ev->alert.detection - 1)),
				    (unsigned long long)ev->flow_id);
			}
		}
		break;
	case EV_QUARANTINE:
		prefix_format(&ev->quarantine.q->pfx, a, sizeof(a));
		/* replay: an auto-quarantine's host, by itself */
		if (strchr(a, '/') != NULL && (strstr(a, "/32") != NULL ||
		    strstr(a, "/128") != NULL))
			*strchr(a, '/') = '\0';
		if ((q = sum_resp(s, false, a, ev->quarantine.q->until)) ==
		    NULL)
			break;
		q->since = ev->quarantine.q->since;
		if (ev->quarantine.action == QA_END)
			q->ended = true;
		if (q->why[0] == '\0')
			snprintf(q->why, sizeof(q->why), "%s",
			    ev->quarantine.q->reason);
		break;
	default:
		break;
	}
}

/*
 * A packet the engine counted as on no SMTP port: its connection, told
 * apart by the tuple (both ends, in either order), is counted once.
 */
static void
sum_other_port(struct replay_sum *s, enum link link, const uint8_t *data,
    uint32_t caplen, uint32_t len)
{
	struct flow_key	 key;		/* either end first: the same key */
	struct pkt	 p;
	uint64_t	 h, *old;
	uint32_t	 i, oldcap;

	if (s->other_full || pkt_parse(link, data, caplen, len, &p) != PKT_OK)
		return;
	flow_key_make(&key, &p.src, p.sport, &p.dst, p.dport);
	h = hash64(&key, sizeof(key), 0x07e4) | 1;	/* 0: an empty slot */
	if (s->nother * 2 >= s->other_cap) {
		if (s->other_cap == OTHER_MAX) {
			s->other_full = true;
			return;
		}
		old = s->other;
		oldcap = s->other_cap;
		s->other_cap = oldcap ? oldcap * 2 : 4096;
		if ((s->other = calloc(s->other_cap, sizeof(*s->other))) ==
		    NULL) {
			s->other = old;
			s->other_cap = oldcap;
			s->other_full = true;
			return;
		}
		for (i = 0; i < oldcap; i++) {
			uint32_t j;

			if (old[i] == 0)
				continue;
			for (j = (uint32_t)old[i] & (s->other_cap - 1);
			    s->other[j] != 0; j = (j + 1) & (s->other_cap - 1))
				;
			s->other[j] = old[i];
		}
		free(old);
	}
	for (i = (uint32_t)h & (s->other_cap - 1); s->other[i] != 0;
	    i = (i + 1) & (s->other_cap - 1))
		if (s->other[i] == h)
			return;
	s->other[i] = h;
	s->nother++;
}

/* Sleep until the other side signals, 1 ms at most (a missed wake-up). */
static void
replay_wait(struct replay *r)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&r->lock);
	atomic_store(&r->waiting, 1);
	pthread_cond_timedwait(&r->cond, &r->lock, &ts);
	atomic_store(&r->waiting, 0);
	pthread_mutex_unlock(&r->lock);
}

static void
replay_wake(struct replay *r)
{
	if (atomic_load(&r->waiting)) {
		pthread_mutex_lock(&r->lock);
		pthread_cond_signal(&r->cond);
		pthread_mutex_unlock(&r->lock);
	}
}

/*
 * Engine callback: hand the event to the writer, waiting if it is behind.
 * A sleeping writer is woken only once a batch is waiting (it wakes on
 * its own within 1 ms anyway): a wake-up per event cost the reader a
 * tenth of its time in futex calls.
 */
static void
replay_emit(void *arg, const struct event *ev)
{
	struct replay	*r = arg;
	uint64_t	 n;

	while (!evq_push(r->q, ev))
		replay_wait(r);
	n = atomic_load_explicit(&r->pushed, memory_order_relaxed) + 1;
	atomic_store_explicit(&r->pushed, n, memory_order_relaxed);
	if (n - atomic_load_explicit(&r->popped, memory_order_relaxed) >=
	    REPLAY_RING / 8)
		replay_wake(r);
}

/* The replay's observer of the events it writes: the summary. */
static void
replay_seen(void *arg, const struct event *ev)
{
	struct replay	*r = arg;

	sum_event(&r->sum, ev);
}

static void *
replay_writer(void *arg)
{
	struct replay	*r = arg;
	struct event	 ev;

	for (;;) {
		if (evq_pop(r->q, &ev)) {
			evwriter_write(&r->w, &ev);
			atomic_store_explicit(&r->popped, atomic_load_explicit(
			    &r->popped, memory_order_relaxed) + 1,
			    memory_order_relaxed);
			/* The reader waits only on a full ring. */
			replay_wake(r);
		} else if (atomic_load(&r->done)) {
			if (!evq_pop(r->q, &ev))
				break;
			evwriter_write(&r->w, &ev);
		} else
			replay_wait(r);
	}
	return NULL;
}

/*
 * An auto-quarantine's start and end, as the quarantine events the
 * daemon writes for the state file's entries (replay writes no state:
 * the response table is the list here, for the whole duration).
 */
static int
replay_respond(void *arg, uint8_t action, const struct resp_entry *e)
{
	struct replay		*r = arg;
	struct quar_entry	 q;
	struct event		 ev;

	if (e->kind != RK_QUARANTINE)
		return 0;
	respond_quar_entry(e, &q);
	if (event_quarantine_make(&ev, action == RA_START ? r->now_us :
	    e->until * 1000000, action == RA_START ? QA_START : QA_END,
	    &q) == -1) {
		log_warnx("quarantine event lost: out of memory");
		return 0;
	}
	replay_emit(r, &ev);
	return 0;
}

static int
host_cmp(const void *a, const void *b)
{
	const struct host_count	*x = a, *y = b;
	uint64_t		 nx = x->n[0] + x->n[1], ny = y->n[0] + y->n[1];

	if (nx != ny)
		return nx < ny ? 1 : -1;
	if (x->addr.af != y->addr.af)
		return x->addr.af - y->addr.af;
	return memcmp(x->addr.b, y->addr.b, 16);
}

/* Outside sources: blocked attempts first, then every attempt. */
static int
source_cmp(const void *a, const void *b)
{
	const struct host_count	*x = a, *y = b;

	if (x->n[1] != y->n[1])
		return x->n[1] < y->n[1] ? 1 : -1;
	return host_cmp(a, b);
}

/* The table's entries sorted (its index no longer finds them); their
 * number. */
static uint32_t
sum_sorted(struct host_table *t, int (*cmp)(const void *, const void *))
{
	if (t->v == NULL)
		return 0;
	qsort(t->v, t->tab.n, sizeof(*t->v), cmp);
	return t->tab.n;
}

/* "2026-09-21 10:03:00" of a time in microseconds; the time alone when
 * it is on day. */
static const char *
sum_time(int64_t us, const char *day, char *buf, size_t len)
{
	char	 ts[40];

	ts_format(us, ts, sizeof(ts));
	if (day != NULL && strncmp(ts, day, 10) == 0)
		snprintf(buf, len, "%.8s", ts + 11);
	else
		snprintf(buf, len, "%.10s %.8s", ts, ts + 11);
	return buf;
}

static void
sum_alerts(const struct replay_sum *s, const char *day)
{
	char		 a[ADDR_STRLEN], t[24];
	const char	*kind;
	uint64_t	 i;

	fprintf(stderr, "  alerts: %llu%s\n", (unsigned long long)s->nalerts,
	    s->nalerts > 0 ? " (time, kind, host, flow)" : "");
	for (i = 0; i < s->nalerts && i < SUM_ALERTS; i++) {
		const struct sum_alert *al = &s->alerts[i];

		kind = al->detection ? detection_name((uint8_t)(al->detection -
		    1)) : al->sid == SID_NON_SMTP ? "non_smtp_protocol" :
		    al->sid == SID_UNKNOWN_PAYLOAD ? "unidentified_payload" :
		    al->sid >= SID_POLICY && al->sid <= SID_POLICY_LAST ?
		    "blocked_connection" : "?";
		addr_format(&al->host, a, sizeof(a));
		fprintf(stderr, "    %-8s %-18s %-15s ", sum_time(al->ts_us,
		    day, t, sizeof(t)), kind, a);
		fprintf(stderr, "flow %llu\n", (unsigned long long)al->flow_id);
		if (al->related != 0)
			fprintf(stderr, "      the mail came in on flow %llu\n",
			    (unsigned long long)al->related);
		if (al->response != RK_NONE && al->note == RN_DONE)
			fprintf(stderr, "      response: %s\n",
			    response_name(al->response));
	}
	if (s->nalerts > SUM_ALERTS)
		fprintf(stderr, "    ... %llu more: see the alert events\n",
		    (unsigned long long)(s->nalerts - SUM_ALERTS));
}

/* Text on lines of at most width columns, each after indent. */
static void
sum_wrap(const char *text, const char *indent, size_t width)
{
	size_t	 room = width - strlen(indent), len, cut;

	while (*text != '\0') {
		len = strlen(text);
		cut = len;
		if (len > room) {
			for (cut = room; cut > 0 && text[cut] != ' '; cut--)
				;
			if (cut == 0)
				cut = room;
		}
		fprintf(stderr, "%s%.*s\n", indent, (int)cut, text);
		text += cut;
		while (*text == ' ')
			text++;
	}
}

static void
sum_resps(const struct replay_sum *s, const char *day)
{
	char	 t1[24], t2[24];

	for (int harvest = 0; harvest < 2; harvest++) {
		uint32_t n = 0;

		for (uint32_t i = 0; i < s->nresps; i++)
			n += s->resps[i].harvest == harvest;
		fprintf(stderr, "  %s: %u\n", harvest ? "harvest blocks" :
		    "quarantines", n);
		for (uint32_t i = 0; i < s->nresps; i++) {
			const struct sum_resp *q = &s->resps[i];

			if (q->harvest != harvest)
				continue;
			fprintf(stderr, "    %-18s %s .. %s, %llu refused%s\n",
			    q->host, sum_time(q->since * 1000000, day, t1,
			    sizeof(t1)), sum_time(q->until * 1000000, day, t2,
			    sizeof(t2)), (unsigned long long)q->refused,
			    !harvest && !q->ended ? ", no end in the capture" :
			    "");
			if (q->why[0] != '\0')
				sum_wrap(q->why, "      ", 78);
		}
	}
	if (s->resps_dropped > 0)
		fprintf(stderr, "    ... and %llu more\n",
		    (unsigned long long)s->resps_dropped);
}

static void
replay_summary(struct replay *r, const char *file, const struct stats *st,
    int64_t first_us, int64_t last_us)
{
	static const char	*dirs[] = { "inbound", "outbound", "internal",
				    "transit" };
	struct replay_sum	*s = &r->sum;
	uint64_t		 total = st->allowed + st->blocked, n;
	uint32_t		 i, nh, ns;
	char			 a[ADDR_STRLEN], day[40], t[24];
	int64_t			 secs = (last_us - first_us) / 1000000;

	fprintf(stderr, "nfqd: replay of %s\n", file);
	if (st->pkts > 0) {
		ts_format(first_us, day, sizeof(day));
		fprintf(stderr, "  %.10s %.8s .. %s UTC (", day, day + 11,
		    sum_time(last_us, day, t, sizeof(t)));
		if (secs < 120)
			fprintf(stderr, "%lld s", (long long)secs);
		else if (secs < 2 * 3600)
			fprintf(stderr, "%lld min", (long long)secs / 60);
		else
			fprintf(stderr, "%lld h %lld min",
			    (long long)secs / 3600,
			    (long long)secs % 3600 / 60);
		fprintf(stderr, "), %llu packets\n",
		    (unsigned long long)st->pkts);
	} else {
		day[0] = '\0';
		fprintf(stderr, "  no packets\n");
	}
	fprintf(stderr, "  %llu SMTP-port connections (%llu allowed, %llu "
	    "blocked)\n", (unsigned long long)total,
	    (unsigned long long)st->allowed, (unsigned long long)st->blocked);
	if (s->monitor)
		fprintf(stderr, "  monitor mode: blocked means would be "
		    "blocked, nothing was\n");
	if (st->summarized > 0)
		fprintf(stderr, "  %llu blocked attempts were folded into "
		    "policy_summary events (flood control)\n",
		    (unsigned long long)st->summarized);
	fprintf(stderr, "  %-10s %9s %9s\n", "direction", "allowed",
	    "blocked");
	for (i = 0; i < 4; i++)
		fprintf(stderr, "  %-10s %9llu %9llu\n", dirs[i],
		    (unsigned long long)s->conns[i][A_ALLOWED],
		    (unsigned long long)s->conns[i][A_BLOCKED]);
	if (st->blocked > 0)
		fprintf(stderr, "  why blocked:\n");
	for (i = 0; i < SUM_REASONS; i++) {
		const uint64_t *c = s->reasons[i];

		if ((n = c[0] + c[1] + c[2] + c[3]) == 0)
			continue;
		fprintf(stderr, "    %-21s %7llu  (", i == SUM_REASONS - 1 ?
		    "flood control" : reason_name((uint8_t)i),
		    (unsigned long long)n);
		for (int d = 0, k = 0; d < 4; d++)
			if (c[d] > 0)
				fprintf(stderr, "%s%s %llu", k++ ? ", " : "",
				    dirs[d], (unsigned long long)c[d]);
		fprintf(stderr, ")\n");
	}
	sum_alerts(s, day);
	sum_resps(s, day);
	nh = sum_sorted(&s->hosts, host_cmp);
	if (nh > 0)
		fprintf(stderr, "  top blocked campus hosts:\n");
	for (i = 0; i < nh && i < TOP_HOSTS; i++) {
		addr_format(&s->hosts.v[i].addr, a, sizeof(a));
		fprintf(stderr, "    %-39s %6llu  (inbound %llu, outbound "
		    "%llu)\n", a, (unsigned long long)(s->hosts.v[i].n[0] +
		    s->hosts.v[i].n[1]), (unsigned long long)s->hosts.v[i].n[0],
		    (unsigned long long)s->hosts.v[i].n[1]);
	}
	ns = sum_sorted(&s->sources, source_cmp);
	if (ns > 0)
		fprintf(stderr, "  top outside sources (inbound attempts, %u "
		    "sources):\n", ns);
	for (i = 0; i < ns && i < TOP_HOSTS; i++) {
		addr_format(&s->sources.v[i].addr, a, sizeof(a));
		fprintf(stderr, "    %-39s %6llu  (blocked %llu, allowed "
		    "%llu)\n", a, (unsigned long long)(s->sources.v[i].n[0] +
		    s->sources.v[i].n[1]),
		    (unsigned long long)s->sources.v[i].n[1],
		    (unsigned long long)s->sources.v[i].n[0]);
	}
	fprintf(stderr, "  other ports: %s%u TCP connections (%llu packets)\n",
	    s->other_full ? "at least " : "", s->nother,
	    (unsigned long long)st->other_port);
	fprintf(stderr, "  not decided: %llu not TCP, %llu not IP, %llu "
	    "fragments, %llu invalid\n", (unsigned long long)st->not_tcp,
	    (unsigned long long)st->not_ip, (unsigned long long)st->fragments,
	    (unsigned long long)st->invalid);
}

/*
 * The run's state: the engine, its event ring, the writer thread (started
 * here), the summary's tables, the response table when auto-quarantine or
 * harvest-block is on.  NULL: out of memory, logged.
 */
static struct replay *
replay_new(const struct policy *pol, struct sinks *sinks)
{
	struct replay	*r;

	if ((r = calloc(1, sizeof(*r))) == NULL ||
	    (r->q = evq_new(REPLAY_RING)) == NULL ||
	    (r->e = engine_new(pol, 0, replay_emit, r)) == NULL) {
		if (r != NULL)
			evq_free(r->q);
		free(r);
		log_warnx("out of memory");
		return NULL;
	}
	evwriter_init(&r->w, sinks, replay_seen, r);
	host_table_init(&r->sum.hosts);
	host_table_init(&r->sum.sources);
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->cond, NULL);
	if ((errno = pthread_create(&r->writer, NULL, replay_writer, r)) != 0)
		fatal("replay: writer thread");
	if ((pol->conf.auto_quarantine > 0 || pol->conf.harvest_block > 0) &&
	    (r->resp = respond_new(pol->conf.response_hosts)) == NULL)
		log_warnx("out of memory: no auto-quarantine or harvest block");
	engine_set_respond(r->e, r->resp);
	return r;
}

/*
 * Every record of the capture through the engine, in the capture's
 * order, responses settled around each.  1: the capture is unreadable
 * or truncated (logged) after the records read.
 */
static int
replay_read(struct replay *r, const struct policy *pol, struct capture *c)
{
	struct pcap_pkthdr	*hdr;
	const u_char		*data;
	const struct stats	*st = engine_stats(r->e);
	const char		*why;
	uint64_t		 other;
	int			 n;

	while ((n = pcap_next_ex(c->pc, &hdr, &data)) == 1) {
		r->now_us = capture_ts(&hdr->ts);
		/* a capture need not be in time order */
		if (c->first_us == INT64_MIN || r->now_us < c->first_us)
			c->first_us = r->now_us;
		if (r->now_us > c->last_us)
			c->last_us = r->now_us;
		other = st->other_port;
		/* Ends that came before this packet, starts it raised. */
		respond_settle(r->resp, r->now_us / 1000000, replay_respond, r);
		engine_packet(r->e, pol, c->link, data, hdr->caplen, hdr->len,
		    &(struct pkt_info){ .ts = r->now_us });
		respond_settle(r->resp, r->now_us / 1000000, replay_respond, r);
		if (st->other_port != other)	/* for the summary */
			sum_other_port(&r->sum, c->link, data, hdr->caplen,
			    hdr->len);
	}
	if (n == PCAP_ERROR_BREAK)
		return 0;
	if ((why = capture_gz_why(c->gz)) != NULL)
		log_warnx("%s: gzip: %s", c->name, why);
	else
		log_warnx("%s: %s", c->name, pcap_geterr(c->pc));
	return 1;
}

/*
 * The end of the capture: the connections still open end (their flow
 * events), the stats event, the writer drains the ring and stops, the
 * sinks are flushed, and the summary goes to standard error.
 */
static void
replay_end(struct replay *r, struct sinks *sinks, const struct capture *c)
{
	engine_flush(r->e, FE_END_OF_CAPTURE);
	engine_stats_event(r->e);
	atomic_store(&r->done, 1);
	replay_wake(r);
	pthread_join(r->writer, NULL);
	sinks_flush(sinks);
	replay_summary(r, c->name, engine_stats(r->e), c->first_us ==
	    INT64_MIN ? 0 : c->first_us, c->last_us);
}

/* What replay_new made; the writer has stopped. */
static void
replay_free(struct replay *r)
{
	engine_free(r->e);
	evq_free(r->q);
	pthread_cond_destroy(&r->cond);
	pthread_mutex_destroy(&r->lock);
	respond_free(r->resp);
	host_table_free(&r->sum.hosts);
	host_table_free(&r->sum.sources);
	free(r->sum.other);
	free(r);
}

/*
 * Returns 0, or 1 for an unreadable or truncated capture.  FILE "-" is
 * standard input.
 */
int
replay_run(const struct policy *pol, const char *file, struct sinks *sinks)
{
	struct capture	 c;
	struct replay	*r;
	int		 rc;

	if (capture_open(file, &c) == -1)
		return 1;
	if ((r = replay_new(pol, sinks)) == NULL) {
		pcap_close(c.pc);
		return 1;
	}
	rc = replay_read(r, pol, &c);
	replay_end(r, sinks, &c);
	replay_free(r);
	pcap_close(c.pc);
	return rc;
}
