/*
 * The live daemon: one worker thread per NFQUEUE queue (pinned, each with
 * its own engine and flow table, so nothing on the packet path is shared
 * between queues), one writer thread that turns events into JSON lines,
 * the main thread for signals, reloads and periodic work (stats, expiry
 * events, ipset resync), and the control socket's thread (ctl.c reads
 * the requests, livectl.c carries them out).
 *
 * Reload builds the new policy aside and swaps one pointer; workers pick
 * it up at their next batch, so a packet is judged by the old list or the
 * new one, never a mix.  The old policy is freed once every worker has
 * finished a batch that started after the swap.  A quarantine change
 * swaps the running policy's quarantine list the same way.  Reloads and
 * quarantine changes come from SIGHUP (main thread) and the control
 * socket: reload_lock makes them one at a time, and whoever reads the
 * running policy outside a worker holds it too (so it is never freed
 * under them).
 *
 * `flows` asks every worker for its connections: the worker copies them
 * at its next batch boundary (at most 100 ms away: the queue's receive
 * timeout), one table scan, and the control thread formats them.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "base/defs.h"
#include "base/addr.h"
#include "base/clock.h"
#include "base/log.h"
#include "policy/conf.h"
#include "policy/exceptions.h"
#include "policy/quarantine.h"
#include "policy/policy.h"
#include "event/event.h"
#include "event/evq.h"
#include "event/census.h"
#include "engine/flow.h"
#include "engine/respond.h"
#include "engine/engine.h"
#include "kernel/ipset.h"
#include "daemon/queue.h"
#include "daemon/run.h"
#include "daemon/ctl.h"
#include "daemon/priv.h"
#include "sink/sink.h"
#include "daemon/fastpath.h"
#include "daemon/live.h"
#include "sink/eve.h"
#include "sink/evwrite.h"

#define IPSET_RESYNC_US	(3600 * INT64_C(1000000))	/* hourly */

struct policy *_Atomic		live_policy;
static _Atomic uint64_t		live_gen = 1;
static _Atomic int		live_stop;

/* Engine callback: queue the event for the writer, never wait for it. */
static void
worker_emit(void *arg, const struct event *ev)
{
	struct worker	*w = arg;

	while (!evq_push(w->evq, ev)) {
		/* At shutdown the flush may wait for the writer; never before. */
		if (!atomic_load(&w->flushing)) {
			struct event	 lost = *ev;

			event_release(&lost);
			atomic_fetch_add(&w->ev_dropped, 1);
			return;
		}
		clock_sleep_ms(1);
	}
}

static void
worker_snapshot(struct worker *w)
{
	pthread_mutex_lock(&w->lock);
	w->snap = *engine_stats(w->engine);
	w->dsnap = *engine_decisions(w->engine);
	pthread_mutex_unlock(&w->lock);
}

static void
dump_one(void *arg, const struct flow *f)
{
	struct dumper		*w = arg;
	struct dumpctl		*d = w->dump;
	struct flow_info	*fi;
	struct flow_tuple	 t;	/* the client as src */

	flow_key_tuple(&f->key, f->client, &t);
	if (d->has_host && !prefix_contains(&d->host, &t.src) &&
	    !prefix_contains(&d->host, &t.dst))
		return;
	d->matched++;
	if (d->n >= d->max)
		return;
	fi = &d->v[d->n++];
	fi->id = f->id;
	fi->src = t.src;
	fi->dst = t.dst;
	fi->sport = t.sport;
	fi->dport = t.dport;
	fi->first_us = f->first_us;
	fi->last_us = f->last_us;
	memcpy(fi->bytes, f->bytes, sizeof(fi->bytes));
	memcpy(fi->pkts, f->pkts, sizeof(fi->pkts));
	fi->state = f->state;
	fi->action = f->action;
	fi->direction = f->direction;
	fi->queue = w->index;
	memcpy(fi->app_proto, f->app_proto, sizeof(fi->app_proto));
}

/*
 * At a batch boundary of the engine's own thread (a worker's, or the fast
 * path's reader, which calls it through fastpath_set_between): answer a
 * pending `flows` request to this struct dumper, one scan of the engine's
 * table under the request's lock (engines answer one after the other; a
 * scan is a few nanoseconds per connection).
 */
static void
dumper_answer(void *arg, struct engine *e)
{
	struct dumper	*w = arg;
	struct dumpctl	*d = w->dump;
	uint64_t	 s;

	if (atomic_load_explicit(&w->want, memory_order_relaxed) ==
	    atomic_load_explicit(&w->done, memory_order_relaxed))
		return;
	s = atomic_load(&w->want);
	pthread_mutex_lock(&d->lock);
	if (d->open && d->seq == s) {
		flowtab_foreach(engine_flows(e), dump_one, w);
		d->pending--;
		pthread_cond_signal(&d->cond);
	}
	atomic_store(&w->done, s);
	pthread_mutex_unlock(&d->lock);
}

static void *
worker_main(void *arg)
{
	struct worker	*w = arg;
	struct policy	*pol;
	cpu_set_t	 cpus;
	long		 ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int64_t		 now = 0, last = 0;
	uint64_t	 g, errors = 0;
	char		 name[16];

	/* top -H and gdb tell the threads apart by name */
	snprintf(name, sizeof(name), "nfqd-worker%u", w->index);
	pthread_setname_np(pthread_self(), name);
	if (ncpu > 0) {
		CPU_ZERO(&cpus);
		CPU_SET(w->index % (unsigned)ncpu, &cpus);
		pthread_setaffinity_np(pthread_self(), sizeof(cpus), &cpus);
	}
	while (!atomic_load(&live_stop)) {
		g = atomic_load(&live_gen);
		pol = atomic_load(&live_policy);
		engine_set_policy(w->engine, pol);
		if (queue_run(w->q, w->engine, pol, &now) == -1 &&
		    errors++ % 1000 == 0)
			log_warn("queue worker %u: receive", w->index);
		if (now - last >= 1000000) {
			engine_tick(w->engine, now);
			worker_snapshot(w);
			last = now;
		}
		dumper_answer(&w->dumper, w->engine);
		atomic_store(&w->seen, g);
	}
	atomic_store(&w->flushing, 1);
	engine_flush(w->engine, FE_SHUTDOWN);
	worker_snapshot(w);
	return NULL;
}

/* The live run's observer of the events it writes: the census. */
static void
writer_seen(void *arg, const struct event *ev)
{
	struct live	*l = arg;

	census_event(l->census, ev);
}

#define WRITER_NAP_MS	32

static void *
writer_main(void *arg)
{
	static struct evwriter	 w;	/* one writer thread */
	struct live	*l = arg;
	struct event	 ev;
	unsigned	 i, got;
	long		 c, nap = 1, ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t	 cpus;
	bool		 stopping = false;

	pthread_setname_np(pthread_self(), "nfqd-writer");
	evwriter_init(&w, l->sinks, writer_seen, l);
	/*
	 * Off the queue workers' CPUs when there are others (workers take
	 * CPUs 0 to queues - 1): formatting events cost a worker a third of
	 * its CPU in bench/live.sh's one-queue flood when the scheduler put
	 * this thread beside it.
	 */
	if (ncpu > (long)l->nw) {
		CPU_ZERO(&cpus);
		for (c = (long)l->nw; c < ncpu && c < CPU_SETSIZE; c++)
			CPU_SET((int)c, &cpus);
		pthread_setaffinity_np(pthread_self(), sizeof(cpus), &cpus);
	}
	for (;;) {
		/*
		 * The stop: each worker now writes a flow event for every
		 * connection it tracks, tens of thousands at once.  Rather
		 * than drop what a sink's queue cannot take, wait for room,
		 * within the stop's budget (docs/collectors.md).
		 */
		if (!stopping && atomic_load(&live_stop)) {
			stopping = true;
			sinks_set_deadline(l->sinks, clock_mono_ms() +
			    SINK_EXIT_BUDGET_MS);
		}
		got = 0;
		for (i = 0; i < l->nw; i++)
			while (got < 1024 && evq_pop(l->w[i].evq, &ev)) {
				evwriter_write(&w, &ev);
				got++;
			}
		while (l->fp != NULL && got < 2048 &&
		    evq_pop(fastpath_evq(l->fp), &ev)) {
			evwriter_write(&w, &ev);
			got++;
		}
		while (evq_pop(l->mainq, &ev)) {
			evwriter_write(&w, &ev);
			got++;
		}
		if (atomic_exchange(&l->writer_reopen, 0)) {
			sinks_flush(l->sinks);
			sinks_reopen(l->sinks);
		}
		if (got > 0) {
			nap = 1;
			continue;
		}
		sinks_flush(l->sinks);
		if (atomic_load(&l->writer_stop))
			break;
		/*
		 * Idle: naps of 1 ms doubling to WRITER_NAP_MS.  A fixed 2 ms
		 * nap cost an idle nfqd 1.5% of a CPU (500 wake-ups a second),
		 * taken from the router's forwarding.  At the highest event
		 * rate bench/live.sh reaches (235,000 a second, one per
		 * blocked SYN) the longest nap leaves 7,500 events waiting:
		 * under half of the default events-buffer (16,384 events).
		 */
		clock_sleep_ms(nap);
		if (nap < WRITER_NAP_MS)
			nap *= 2;
	}
	return NULL;
}

static void
live_emit(struct live *l, const struct event *ev)
{
	struct event	 lost;

	pthread_mutex_lock(&l->emit_lock);
	if (!evq_push(l->mainq, ev)) {
		l->mainq_dropped++;
		lost = *ev;
		event_release(&lost);
	}
	pthread_mutex_unlock(&l->emit_lock);
}

/*
 * SIGHUP after logrotate moved the files.  The reopen goes on the main
 * queue, ahead of the reload event that follows it, so the writer opens
 * the new files before it writes that event: a flag it checked once per
 * pass let the reload event into the moved file whenever the whole
 * reload fell between two of its passes (test_privs failed so in CI).
 * Only with the main queue full does the flag remain, for the next pass.
 */
static void
live_reopen(struct live *l)
{
	struct event	 ev;

	event_init(&ev, EV_REOPEN, 0);
	pthread_mutex_lock(&l->emit_lock);
	if (!evq_push(l->mainq, &ev))
		atomic_store(&l->writer_reopen, 1);
	pthread_mutex_unlock(&l->emit_lock);
}

/*
 * The kernel's per-queue drop counters.  The file is root's (mode 0440):
 * opened before the privilege drop and kept, read again from the start
 * each time.
 */
#define NFQ_PROC	"/proc/net/netfilter/nfnetlink_queue"
static FILE		*nfq_proc;
static pthread_mutex_t	 nfq_proc_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * The kernel's per-queue drop counters, summed over our queues; each
 * queue's own in parts (when not NULL: nparts of them, metrics.c).
 */
static void
live_kernel_drops(const struct conf *c, struct stats *st,
    struct metrics_part *parts, size_t nparts)
{
	FILE		*f;
	unsigned	 qn, portid, total, mode, range, qdrop, udrop;
	char		 line[256];
	size_t		 i;

	pthread_mutex_lock(&nfq_proc_lock);
	if ((f = nfq_proc) == NULL) {
		pthread_mutex_unlock(&nfq_proc_lock);
		return;
	}
	rewind(f);		/* a seq_file: read afresh from the start */
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "%u %u %u %u %u %u %u", &qn, &portid, &total,
		    &mode, &range, &qdrop, &udrop) == 7 &&
		    qn >= c->queue_first && qn < c->queue_first + c->queue_count) {
			st->queue_dropped += qdrop;
			st->user_dropped += udrop;
			for (i = 0; i < nparts; i++)
				if (parts[i].queue == (int32_t)qn) {
					parts[i].queue_dropped = qdrop;
					parts[i].user_dropped = udrop;
				}
		}
	clearerr(f);
	pthread_mutex_unlock(&nfq_proc_lock);
}

/* The hash of the list in force, for stats events and `status`. */
static void
live_set_hash(struct live *l, const struct policy *p)
{
	pthread_mutex_lock(&l->hash_lock);
	memcpy(l->exc_sha256, p->exc_sha256, sizeof(l->exc_sha256));
	pthread_mutex_unlock(&l->hash_lock);
}

/*
 * The stats event's counters, summed over the engines; with parts (room
 * for nw + 1), each engine's own from the same snapshot (metrics.c), the
 * fast path's last.  Returns how many parts were filled.
 */
static size_t
live_stats_parts(struct live *l, struct stats *sum, struct metrics_part *parts)
{
	struct metrics_part	*p;
	struct stats		 s;
	struct decisions	 dec;
	uint64_t		 lost;
	unsigned		 i;
	size_t			 n = 0;

	memset(sum, 0, sizeof(*sum));
	for (i = 0; i < l->nw; i++) {
		pthread_mutex_lock(&l->w[i].lock);
		s = l->w[i].snap;
		if (parts != NULL)
			dec = l->w[i].dsnap;
		pthread_mutex_unlock(&l->w[i].lock);
		lost = atomic_load(&l->w[i].ev_dropped);
		if (parts != NULL) {
			p = &parts[n++];
			memset(p, 0, sizeof(*p));
			p->queue = (int32_t)(l->queue_first + i);
			p->st = s;
			p->dec = dec;
			p->ev_dropped = lost;
		}
#define ADD(x)	sum->x += s.x
		ADD(pkts); ADD(bytes); ADD(invalid); ADD(fragments);
		ADD(not_ip); ADD(not_tcp); ADD(ipv4); ADD(ipv6); ADD(vlan);
		ADD(other_port); ADD(allowed); ADD(blocked);
		ADD(unparsed_dropped); ADD(spoofed); ADD(role_conflicts);
		ADD(reopened);
		ADD(pkts_accepted); ADD(pkts_dropped); ADD(flows_created);
		ADD(flows_closed); ADD(flows_timeout); ADD(flows_evicted);
		ADD(flows_untracked); ADD(flows_resumed); ADD(summarized);
		ADD(events);
#undef ADD
		sum->flows_active += s.flows_created - s.flows_closed -
		    s.flows_timeout - s.flows_evicted;
		sum->events_dropped += lost;
	}
	sum->events_dropped += l->mainq_dropped;
	if (parts != NULL && l->fp != NULL) {
		p = &parts[n++];
		memset(p, 0, sizeof(*p));
		p->queue = METRICS_KERNEL;
		fastpath_stats_own(l->fp, sum, &p->st, &p->dec, &p->ev_dropped);
	} else
		fastpath_stats(l->fp, sum);
	sum->start_us = l->start_us;
	pthread_mutex_lock(&l->hash_lock);
	memcpy(sum->exc_sha256, l->exc_sha256, sizeof(sum->exc_sha256));
	pthread_mutex_unlock(&l->hash_lock);
	live_kernel_drops(&atomic_load(&live_policy)->conf, sum, parts, n);
	return n;
}

void
live_stats(struct live *l, struct stats *sum)
{
	live_stats_parts(l, sum, NULL);
}

/* Quarantined now: entries whose [since, until) holds now. */
static size_t
quar_in_force(const struct quar_list *q, int64_t now)
{
	size_t	 i, n = 0;

	for (i = 0; q != NULL && i < q->n; i++)
		if (q->v[i].since <= now && now < q->v[i].until)
			n++;
	return n;
}

/*
 * The metrics from the stats event's own snapshot (reload_lock held),
 * the sinks' counters read before the event is queued: in a quiet
 * moment, the same the writer puts in the event.  Written by
 * metrics_flush, after the lock.
 */
static void
live_metrics(struct live *l, const struct event *ev, size_t nparts,
    bool running)
{
	const struct policy	*pol = atomic_load(&live_policy);
	struct sink_stat	 ss[MAX_SINKS];
	size_t			 nss = MAX_SINKS;

	if (pol->conf.metrics[0] == '\0') {
		metrics_update(l->metrics, "", NULL);
		return;
	}
	sinks_stats(l->sinks, ss, &nss);
	metrics_update(l->metrics, pol->conf.metrics, &(struct metrics_snap){
	    .ts_us = ev->ts_us, .running = running, .sum = &ev->stats,
	    .parts = l->parts, .nparts = nparts,
	    .main_dropped = l->mainq_dropped, .sinks = ss, .nsinks = nss,
	    .mode = (uint8_t)pol->conf.mode, .exceptions = pol->exc.n,
	    .quarantined = quar_in_force(policy_quar(pol), ev->ts_us / 1000000),
	    .state = &l->mstate });
}

/* running false: the last, as nfqd stops. */
static void
live_stats_event(struct live *l, bool running)
{
	struct event	 ev;
	struct stats	 st;
	size_t		 n = 0;
	int64_t		 now = clock_real_us();

	memset(&st, 0, sizeof(st));
	if (l->metrics == NULL)
		live_stats(l, &st);
	else
		n = live_stats_parts(l, &st, l->parts);
	/*
	 * All the counters, then Suricata's, of one snapshot: nfqd_stats
	 * first, so that the sinks' counters the writer puts in it are
	 * those of the metrics' snapshot, before either line.
	 */
	event_stats_make(&ev, EV_NFQD_STATS, now, &st);
	if (l->metrics != NULL)
		live_metrics(l, &ev, n, running);
	live_emit(l, &ev);
	event_stats_make(&ev, EV_STATS, now, &st);
	live_emit(l, &ev);
}

static void
live_log_stats(struct live *l)
{
	struct stats		 s;
	struct sink_stat	 ss[MAX_SINKS];
	size_t			 i, nss = MAX_SINKS;

	live_stats(l, &s);
	log_info("stats: %llu packets, %llu allowed and %llu blocked "
	    "connections, %llu flows active, %llu invalid, %llu events "
	    "dropped, kernel queue dropped %llu (user %llu)",
	    (unsigned long long)s.pkts, (unsigned long long)s.allowed,
	    (unsigned long long)s.blocked, (unsigned long long)s.flows_active,
	    (unsigned long long)s.invalid,
	    (unsigned long long)s.events_dropped,
	    (unsigned long long)s.queue_dropped,
	    (unsigned long long)s.user_dropped);
	sinks_stats(l->sinks, ss, &nss);
	for (i = 0; i < nss; i++)
		log_info("event sink %s: %s, %llu written, %llu dropped, "
		    "%llu failed, %llu queued", ss[i].name,
		    ss[i].connected ? "up" : "down",
		    (unsigned long long)ss[i].written,
		    (unsigned long long)ss[i].dropped,
		    (unsigned long long)ss[i].failed,
		    (unsigned long long)ss[i].queued);
}

/* Settings a reload cannot change in a running datapath. */
static void
live_restart_only(const struct conf *a, const struct conf *b)
{
	if (a->queue_first != b->queue_first || a->queue_count != b->queue_count)
		log_warnx("reload: queues changed; takes effect at restart");
	if (a->max_flows != b->max_flows)
		log_warnx("reload: max-flows changed; takes effect at restart");
	if (a->nevents != b->nevents ||
	    memcmp(a->events, b->events, sizeof(a->events)) != 0)
		log_warnx("reload: events changed; takes effect at restart");
	if (strcmp(a->sensor_name, b->sensor_name) != 0)
		log_warnx("reload: sensor-name changed; takes effect at "
		    "restart");
	if (a->copy_range != b->copy_range ||
	    a->queue_maxlen != b->queue_maxlen || a->fail_open != b->fail_open ||
	    a->reject != b->reject || a->mark_bypass != b->mark_bypass ||
	    a->mark_reject != b->mark_reject || a->event_queue != b->event_queue)
		log_warnx("reload: queue settings changed; take effect at "
		    "restart");
	if (a->timeout_new != b->timeout_new ||
	    a->timeout_established != b->timeout_established ||
	    a->timeout_closed != b->timeout_closed)
		log_warnx("reload: timeouts changed; take effect at restart");
	if (a->fastpath != b->fastpath ||
	    a->nfastpath_ifaces != b->nfastpath_ifaces ||
	    memcmp(a->fastpath_ifaces, b->fastpath_ifaces,
	    sizeof(a->fastpath_ifaces)) != 0)
		log_warnx("reload: fastpath settings changed; take effect at "
		    "restart");
	if (a->classify != b->classify || a->smtp_addresses != b->smtp_addresses)
		log_warnx("reload: classification settings changed; take "
		    "effect at restart");
	if (strcmp(a->user, b->user) != 0 || a->seccomp != b->seccomp)
		log_warnx("reload: user or seccomp changed; takes effect at "
		    "restart");
}

/* Wait (5 s at most) until every worker has started a batch at g. */
static bool
live_pass(struct live *l, uint64_t g)
{
	unsigned	 i;

	for (int waited = 0; waited < 5000; waited++) {
		for (i = 0; i < l->nw; i++)
			if (atomic_load(&l->w[i].seen) < g)
				break;
		if (i == l->nw && (l->fp == NULL || fastpath_seen(l->fp) >= g))
			return true;
		clock_sleep_ms(1);
	}
	return false;
}

static double
ms_since(const struct timespec *t0)
{
	struct timespec	 t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) * 1e3 +
	    (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

/* settle's events: quarantine start and end. */
static void
live_quar_event(void *arg, uint8_t action, const struct quar_entry *e)
{
	struct live	*l = arg;
	struct event	 ev;
	char		 a[PREFIX_STRLEN];

	if (action == QA_START)
		l->mstate.quar_started++;
	else
		l->mstate.quar_ended++;
	if (event_quarantine_make(&ev, clock_real_us(), action, e) == -1)
		log_warnx("quarantine event lost: out of memory");
	else
		live_emit(l, &ev);
	host_format(&e->pfx, a, sizeof(a));
	if (action == QA_START)
		log_info("quarantine of %s starts (by %s): %s", a, e->who,
		    e->reason);
	else
		log_info("quarantine of %s ends (%s%s)", a, e->removed_by[0] ?
		    "removed by " : "expired", e->removed_by);
}

/* The earliest `until` still to come, 0 when none. */
static int64_t
quar_next_end(const struct quar_list *q, int64_t now)
{
	int64_t	 next = 0;

	for (size_t i = 0; q != NULL && i < q->n; i++)
		if (q->v[i].until > now && (next == 0 || q->v[i].until < next))
			next = q->v[i].until;
	return next;
}

/*
 * The state file's owed events written and ended entries dropped
 * (quar_settle), the result made p's quarantine list.  For a policy no
 * worker sees yet (start, reload): no wait.  On failure p keeps what it
 * loaded.
 */
static int
live_quar_settle(struct live *l, struct policy *p, int64_t now, bool live,
    char *err, size_t errlen)
{
	struct quar_list	*q, *old;
	uint64_t		 g;

	if ((q = calloc(1, sizeof(*q))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (quar_settle(p->conf.state_dir, now, q, live_quar_event, l, err,
	    errlen) == -1) {
		free(q);
		return -1;
	}
	old = policy_set_quar(p, q);
	l->quar_next = quar_next_end(q, now);
	if (!live) {
		quar_destroy(old);
		return 0;
	}
	g = atomic_fetch_add(&live_gen, 1) + 1;
	if (live_pass(l, g))
		quar_destroy(old);
	else
		log_warnx("quarantine: a worker did not pass the new list in "
		    "5 s; the old one is kept in memory");
	return 0;
}

/* The fast path's maps follow the running policy (fastpath.c). */
static void
live_fastpath_sync(struct live *l, const struct policy *p, int64_t now)
{
	char	 err[ERRLEN];

	if (l->fp != NULL && fastpath_sync(l->fp, p, now, err,
	    sizeof(err)) == -1)
		log_warnx("%s", err);
}

/* A quarantine added, removed or ended: workers and kernel sets follow. */
int
live_quar_apply(struct live *l, int64_t now, char *err, size_t errlen)
{
	struct policy	*pol = atomic_load(&live_policy);
	char		 msg[ERRLEN];

	if (live_quar_settle(l, pol, now, true, err, errlen) == -1)
		return -1;
	live_fastpath_sync(l, pol, now);
	if (ipset_sync_quarantine(pol, now, msg, sizeof(msg)) == -1)
		log_warnx("degraded-mode quarantine sets not updated: %s", msg);
	return 0;
}

/*
 * respond.c's owed work, in the main thread (reload_lock held): an
 * auto-quarantine goes into the state file like any other (its start
 * event, the workers' list, the kernel's sets), then leaves the response
 * table, so `nfqctl quarantine remove` ends it.  If the file cannot take
 * it, the table entry keeps the host blocked until its end.  A harvest
 * block goes into <ipset-prefix>-hb4/6 with its timeout.
 */
static int
live_respond(void *arg, uint8_t action, const struct resp_entry *e)
{
	struct live		*l = arg;
	struct policy		*pol = atomic_load(&live_policy);
	struct quar_entry	 q;
	char			 a[ADDR_STRLEN], err[ERRLEN];

	addr_format(&e->host, a, sizeof(a));
	if (e->kind == RK_HARVEST_BLOCK) {
		log_info("harvest block of %s %s (%s)", a, action == RA_START ?
		    "starts" : "ends", e->reason);
		/* The degraded-mode rules refuse it too, until its end. */
		if (action == RA_START && ipset_harvest_block(&pol->conf,
		    &e->host, e->until - clock_real_us() / 1000000, err,
		    sizeof(err)) == -1)
			log_warnx("harvest block of %s not in the degraded-mode "
			    "sets: %s", a, err);
		return 0;
	}
	if (action != RA_START)
		return 0;
	respond_quar_entry(e, &q);
	if (quar_add(pol->conf.state_dir, &q, err, sizeof(err)) == -1) {
		if (quar_match(policy_quar(pol), &e->host, e->since) != NULL)
			return 1;	/* someone was quicker: in force */
		log_warnx("auto-quarantine of %s not recorded (blocked until "
		    "%lld all the same, without events): %s", a,
		    (long long)e->until, err);
		return 0;
	}
	if (live_quar_apply(l, clock_real_us() / 1000000, err,
	    sizeof(err)) == -1)
		log_warnx("auto-quarantine of %s recorded, not yet applied: "
		    "%s", a, err);
	return 1;
}

static void
live_reload_event(struct live *l, const struct reload_result *r)
{
	struct ev_reload rl;
	struct event	 ev;

	/* The metrics' count (metrics.c): by source and result. */
	l->mstate.reloads[strcmp(r->source, "SIGHUP") == 0 ? METRICS_SIGHUP :
	    METRICS_SOCKET][r->ok]++;
	l->mstate.reload_ok = r->ok;
	l->mstate.reload_us = r->ts_us;
	memset(&rl, 0, sizeof(rl));
	rl.ok = r->ok;
	rl.entries = r->entries;
	rl.added = r->added;
	rl.removed = r->removed;
	rl.changed = r->changed;
	snprintf(rl.error, sizeof(rl.error), "%s", r->error);
	memcpy(rl.exc_sha256, r->exc_sha256, sizeof(r->exc_sha256));
	event_reload_make(&ev, r->ts_us, &rl);
	live_emit(l, &ev);
}

/*
 * Reload nfqd.conf, the exception list and the quarantine state; the
 * caller holds reload_lock.  Timed: load (both files parsed, tables
 * built), diff (the event's counts), swap (publish); the degraded-mode
 * ipsets are synced after the swap, off the path to the new list in
 * force (an `ipset restore` of 100,000 entries takes about 0.6 s), before
 * the old policy is freed.  The result goes to the reload event and to r.
 */
void
live_reload(struct live *l, const char *source, struct reload_result *r)
{
	struct policy	*old = atomic_load(&live_policy), *new;
	struct timespec	 t0;
	char		 err[ERRLEN];
	uint64_t	 g;
	int64_t		 now;

	memset(r, 0, sizeof(*r));
	r->done = true;
	r->ts_us = clock_real_us();
	now = r->ts_us / 1000000;
	snprintf(r->source, sizeof(r->source), "%s", source);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((new = policy_load(l->conf_path, err, sizeof(err))) == NULL) {
		log_warnx("reload refused, the running policy stays: %s", err);
		snprintf(r->error, sizeof(r->error), "%.255s", err);
		r->entries = (uint32_t)old->exc.n;
		r->quarantines = (uint32_t)policy_quar(old)->n;
		memcpy(r->exc_sha256, old->exc_sha256, sizeof(r->exc_sha256));
		live_reload_event(l, r);
		l->last = *r;
		return;
	}
	if (new->warning[0] != '\0')
		log_warnx("reload: %s", new->warning);
	if (live_quar_settle(l, new, now, false, err, sizeof(err)) == -1)
		log_warnx("reload: quarantine state not settled (events owed "
		    "stay owed): %s", err);
	r->load_ms = ms_since(&t0);
	live_restart_only(&old->conf, &new->conf);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	policy_diff(old, new, &r->added, &r->removed, &r->changed);
	r->diff_ms = ms_since(&t0);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	atomic_store(&live_policy, new);
	g = atomic_fetch_add(&live_gen, 1) + 1;
	r->swap_ms = ms_since(&t0);
	live_set_hash(l, new);
	live_fastpath_sync(l, new, now);	/* the kernel follows at once */

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (ipset_sync(new, now, err, sizeof(err)) == -1) {
		log_warnx("degraded-mode sets not updated: %s", err);
		snprintf(r->ipset_error, sizeof(r->ipset_error), "%.255s", err);
	}
	r->ipset_ms = ms_since(&t0);
	if (!live_pass(l, g))
		log_warnx("reload: a worker did not pass the new policy in "
		    "5 s; the old one is kept in memory");
	else
		policy_free(old);
	r->ok = true;
	l->exc_gen++;
	r->entries = (uint32_t)new->exc.n;
	memcpy(r->exc_sha256, new->exc_sha256, sizeof(r->exc_sha256));
	r->quarantines = (uint32_t)policy_quar(new)->n;
	l->exc_next = policy_expired(new, l->exc_checked, l->exc_checked,
	    NULL, NULL);
	log_info("reloaded %s (%s): %zu exceptions (%u added, %u removed, "
	    "%u changed), %u quarantined, in %.1f ms (load %.1f, diff %.1f, "
	    "swap %.2f); degraded-mode sets %.1f ms", l->conf_path, source,
	    new->exc.n, r->added, r->removed, r->changed, r->quarantines,
	    r->load_ms + r->diff_ms + r->swap_ms, r->load_ms, r->diff_ms,
	    r->swap_ms, r->ipset_ms);
	live_reload_event(l, r);
	l->last = *r;
}

/* ---- periodic: expiry events ---- */

static void
live_expired_event(void *arg, const struct exc_entry *e)
{
	struct live	*l = arg;
	struct event	 ev;

	event_expired_make(&ev, clock_real_us(), e);
	live_emit(l, &ev);
	log_info("exception %s %s (ticket %s) expired at the end of %s",
	    ev.expired.exc.entry, exc_dir_name(e->dir), e->ticket[0] ? e->ticket :
	    "-", e->expires);
}

/*
 * Once a second, reload_lock held: an exception_expired event for each
 * entry whose expiry came since the last check (policy_decide already
 * stops applying it at its time), and the quarantines whose time is over
 * ended (events, state file, workers, kernel sets).
 */
static void
live_expiry(struct live *l, int64_t now)
{
	struct policy	*pol = atomic_load(&live_policy);
	char		 err[ERRLEN];

	if (l->exc_next != 0 && now >= l->exc_next) {
		l->exc_next = policy_expired(pol, l->exc_checked, now,
		    live_expired_event, l);
		l->exc_checked = now;
		live_fastpath_sync(l, pol, now);	/* without it, at once */
	}
	if (l->quar_next != 0 && now >= l->quar_next &&
	    live_quar_apply(l, now, err, sizeof(err)) == -1) {
		log_warnx("quarantine: cannot end the expired ones: %s", err);
		l->quar_next = now + 60;	/* retry in a minute */
	}
}

/*
 * The census (census.c), from <state-dir>/census.json.  A damaged file
 * is refused, moved aside (census.json.bad) and counting starts afresh:
 * enforcement does not wait for statistics.
 */
static void
live_census_open(struct live *l, const struct policy *pol)
{
	char		 path[MAX_PATH + 32], bad[MAX_PATH + 40], err[ERRLEN];
	uint32_t	 dropped;

	if (pol->conf.census_hosts == 0)
		return;
	if ((l->census = census_new(pol->conf.census_hosts,
	    l->start_us / 1000000)) == NULL) {
		log_warnx("census: out of memory, no census");
		return;
	}
	snprintf(path, sizeof(path), "%s/%s", pol->conf.state_dir,
	    CENSUS_FILE);
	if (census_load(l->census, path, &dropped, err, sizeof(err)) == -1) {
		snprintf(bad, sizeof(bad), "%s.bad", path);
		log_warnx("census refused, counting afresh: %s%s", err,
		    rename(path, bad) == 0 ? " (kept as census.json.bad)" : "");
	} else if (dropped > 0)
		log_warnx("census: %u hosts of %s beyond census-hosts, counted "
		    "in its overflow", dropped, path);
}

/* The census into <dir>/census.json; not under reload_lock (tens of ms). */
static void
live_census_save(struct live *l, const char *dir)
{
	char	 err[ERRLEN];

	if (l->census != NULL && census_save(l->census, dir, err,
	    sizeof(err)) == -1)
		log_warnx("census not saved: %s", err);
}

static int
live_open_workers(struct live *l, struct policy *pol)
{
	char		 err[ERRLEN];
	uint64_t	 seed = 0;
	uint32_t	 share;
	unsigned	 i;

	if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		seed = (uint64_t)clock_real_us();
	l->nw = pol->conf.queue_count;
	l->queue_first = pol->conf.queue_first;
	share = fastpath_flows_share(&pol->conf);
	if ((l->w = calloc(l->nw, sizeof(*l->w))) == NULL ||
	    (l->resp = respond_new(pol->conf.response_hosts)) == NULL)
		return -1;
	for (i = 0; i < l->nw; i++) {
		struct worker	*w = &l->w[i];

		w->index = i;
		w->dumper.dump = &l->dump;
		w->dumper.index = (uint8_t)i;
		pthread_mutex_init(&w->lock, NULL);
		w->q = queue_open((uint16_t)(pol->conf.queue_first + i),
		    &pol->conf, err, sizeof(err));
		if (w->q == NULL) {
			log_warnx("%s", err);
			return -1;
		}
		w->evq = evq_new(pol->conf.event_queue);
		w->engine = engine_new_sized(pol, share, seed,
		    worker_emit, w);
		if (w->evq == NULL || w->engine == NULL) {
			log_warnx("out of memory");
			return -1;
		}
		engine_set_bypass(w->engine, true);
		engine_set_smtp_only(w->engine, true);
		engine_set_respond(w->engine, l->resp);
	}
	return 0;
}

/* After the privilege drop: the threads inherit what is left. */
static int
live_run_workers(struct live *l)
{
	unsigned	 i;

	for (i = 0; i < l->nw; i++)
		if (pthread_create(&l->w[i].thread, NULL, worker_main,
		    &l->w[i]) != 0) {
			log_warnx("cannot start worker %u", i);
			atomic_store(&live_stop, 1);
			while (i-- > 0)
				pthread_join(l->w[i].thread, NULL);
			return -1;
		}
	return 0;
}

static void
live_cleanup(struct live *l)
{
	unsigned	 i;

	ctl_close(l->ctl);
	l->ctl = NULL;
	fastpath_stop(l->fp);		/* a failed start: nothing left attached */
	fastpath_free(l->fp);
	l->fp = NULL;
	for (i = 0; l->w != NULL && i < l->nw; i++) {
		queue_close(l->w[i].q);
		engine_free(l->w[i].engine);
		evq_free(l->w[i].evq);
		pthread_mutex_destroy(&l->w[i].lock);
	}
	free(l->w);
	respond_free(l->resp);
	census_free(l->census);
	metrics_free(l->metrics);
	l->metrics = NULL;
	free(l->parts);
	l->parts = NULL;
	evq_free(l->mainq);
	sinks_close(l->sinks);
}

/*
 * The metrics textfile (metrics.c), kept whether or not `metrics` is set
 * now (a reload may turn it on).  A folder nfqd cannot write is logged,
 * not fatal: enforcement does not wait for statistics.
 */
static void
live_metrics_open(struct live *l, const struct policy *pol)
{
	char	 err[ERRLEN];

	l->mstate.reload_ok = true;
	l->mstate.reload_us = l->start_us;
	if ((l->metrics = metrics_new()) == NULL ||
	    (l->parts = calloc(l->nw + 1, sizeof(*l->parts))) == NULL) {
		metrics_free(l->metrics);
		l->metrics = NULL;
		log_warnx("metrics: out of memory, no metrics");
		return;
	}
	if (metrics_check(&pol->conf, err, sizeof(err)) == -1)
		log_warnx("%s; the file is written once it can be", err);
}

/* The daemon's state before anything is opened; its signals blocked. */
static void
live_init(struct live *l, struct policy *pol, const char *conf_path,
    sigset_t *set)
{
	memset(l, 0, sizeof(*l));
	l->conf_path = conf_path;
	l->start_us = clock_real_us();
	l->exc_gen = 1;
	pthread_mutex_init(&l->reload_lock, NULL);
	pthread_mutex_init(&l->emit_lock, NULL);
	pthread_mutex_init(&l->hash_lock, NULL);
	live_set_hash(l, pol);
	pthread_mutex_init(&l->dump.lock, NULL);
	pthread_cond_init(&l->dump.cond, NULL);
	l->exc_checked = l->start_us / 1000000;
	l->exc_next = policy_expired(pol, l->exc_checked, l->exc_checked, NULL,
	    NULL);
	sigemptyset(set);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, set, NULL);	/* threads inherit it */
	signal(SIGPIPE, SIG_IGN);
}

/*
 * Open everything as root (sinks, state, the control socket, the queues,
 * the fast path), drop privileges, then start the threads.  -1: logged;
 * live_cleanup undoes what was done.
 */
static int
live_start(struct live *l, struct policy *pol)
{
	char	 err[ERRLEN];

	if ((l->sinks = sinks_open_opts(&pol->conf, &(struct sink_opts){
	    .buffer = pol->conf.event_buffer }, err, sizeof(err))) == NULL) {
		log_warnx("%s", err);
		return -1;
	}
	if ((l->mainq = evq_new(4096)) == NULL) {
		log_warnx("out of memory");
		return -1;
	}
	/*
	 * Quarantine events owed (added while no daemon ran, ended since it
	 * stopped) are written now; then the kernel's sets follow the list.
	 */
	if (live_quar_settle(l, pol, l->start_us / 1000000, false, err,
	    sizeof(err)) == -1)
		log_warnx("quarantine state not settled: %s", err);
	if (ipset_sync(pol, l->start_us / 1000000, err, sizeof(err)) == -1)
		log_warnx("degraded-mode sets not updated (is nfqd-rules "
		    "installed?): %s", err);
	live_census_open(l, pol);
	atomic_store(&live_policy, pol);
	/*
	 * Enforcement matters more than control: run without the socket.
	 * Bound before the queues, so that it is there once they are (its
	 * thread answers after the privilege drop).
	 */
	if ((l->ctl = ctl_open(&pol->conf, live_ctl, l, err,
	    sizeof(err))) == NULL && err[0] != '\0')
		log_warnx("no control socket: %s", err);
	if (live_open_workers(l, pol) == -1)
		return -1;
	live_metrics_open(l, pol);
	/*
	 * The fast path is an accelerator: without it the queue enforces.
	 * Loaded before the drop (loading needs more than CAP_NET_ADMIN).
	 */
	if ((l->fp = fastpath_start(pol, &live_policy, &live_gen, l->resp, err,
	    sizeof(err))) == NULL && err[0] != '\0')
		log_warnx("%s; falling back to the queue path: every packet "
		    "is decided by nfqd through NFQUEUE", err);
	else if (l->fp != NULL) {
		l->fpdump.dump = &l->dump;
		l->fpdump.index = FLOW_KERNEL;
		fastpath_set_between(l->fp, dumper_answer, &l->fpdump);
		log_info("fastpath: %s on %zu interface%s; blocked SYNs are "
		    "dropped in the kernel", pol->conf.fastpath == FASTPATH_XDP ?
		    "xdp" : "tc", pol->conf.nfastpath_ifaces,
		    pol->conf.nfastpath_ifaces == 1 ? "" : "s");
	}
	if (nfq_proc == NULL && (nfq_proc = fopen(NFQ_PROC, "re")) == NULL)
		log_warn("kernel queue drop counters unavailable: %s", NFQ_PROC);
	/*
	 * Everything is open: drop to the user and its one capability, then
	 * the system call filter (priv.c), before the threads that keep them.
	 */
	if (priv_drop(&pol->conf, err, sizeof(err)) == -1 ||
	    priv_seccomp(&pol->conf, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		return -1;
	}
	if (fastpath_run(l->fp) == -1)
		log_warnx("fastpath: cannot start its reader thread; the kernel "
		    "still drops, its records wait");
	if (live_run_workers(l) == -1)
		return -1;
	if (pthread_create(&l->writer, NULL, writer_main, l) != 0)
		fatalx("cannot start the event writer");
	if (l->ctl != NULL && ctl_start(l->ctl) == -1) {
		log_warnx("no control socket: cannot start its thread");
		ctl_close(l->ctl);
		l->ctl = NULL;
	}
	log_info("started: %u queue%s from %u, %s mode, %zu exceptions, "
	    "%zu quarantined, control socket %s", l->nw, l->nw == 1 ? "" : "s",
	    pol->conf.queue_first, pol->conf.mode == MODE_MONITOR ?
	    "monitor" : "enforce", pol->exc.n, policy_quar(pol)->n,
	    l->ctl != NULL ? pol->conf.control_socket : "none");
	return 0;
}

/*
 * The main thread's work until SIGTERM or SIGINT (returned): reloads
 * (SIGHUP), stats (SIGUSR1, and each stats-interval), exceptions that
 * expire, the fast path's clock, responses that end, the degraded-mode
 * sets' resync, the census saved; the metrics and the census are written
 * outside the reload lock.
 */
static int
live_loop(struct live *l, const sigset_t *set)
{
	struct timespec		 tick = { 1, 0 };
	struct reload_result	 res;
	struct policy		*pol = atomic_load(&live_policy);
	char			 err[ERRLEN], census_dir[MAX_PATH];
	int64_t			 next_stats, next_sync, next_census;
	siginfo_t		 si;
	int			 sig;

	next_stats = l->start_us + (int64_t)pol->conf.stats_interval * 1000000;
	next_sync = l->start_us + IPSET_RESYNC_US;
	next_census = l->start_us + CENSUS_SAVE_S * INT64_C(1000000);
	census_dir[0] = '\0';
	for (;;) {
		sig = sigtimedwait(set, &si, &tick);
		if (sig == SIGTERM || sig == SIGINT)
			return sig;
		pthread_mutex_lock(&l->reload_lock);
		if (sig == SIGHUP) {
			live_reopen(l);
			live_reload(l, "SIGHUP", &res);
		}
		else if (sig == SIGUSR1)
			live_log_stats(l);
		live_expiry(l, clock_real_us() / 1000000);
		fastpath_clock(l->fp);
		respond_settle(l->resp, clock_real_us() / 1000000, live_respond,
		    l);
		pol = atomic_load(&live_policy);
		if (clock_real_us() >= next_sync) {
			/*
			 * ipset timeouts stop at 24.8 days: re-sync so entries
			 * expiring later get theirs, and expired ones leave
			 * the degraded-mode sets even if no reload happens.
			 */
			if (ipset_sync(pol, clock_real_us() / 1000000, err,
			    sizeof(err)) == -1)
				log_warnx("degraded-mode sets not updated: %s",
				    err);
			next_sync = clock_real_us() + IPSET_RESYNC_US;
		}
		if (clock_real_us() >= next_census) {
			snprintf(census_dir, sizeof(census_dir), "%s",
			    pol->conf.state_dir);
			next_census = clock_real_us() + CENSUS_SAVE_S *
			    INT64_C(1000000);
		}
		if (pol->conf.stats_interval > 0 && clock_real_us() >= next_stats) {
			live_stats_event(l, true);
			next_stats = clock_real_us() +
			    (int64_t)pol->conf.stats_interval * 1000000;
		} else if (pol->conf.stats_interval == 0)
			metrics_update(l->metrics, "", NULL);	/* off */
		pthread_mutex_unlock(&l->reload_lock);
		metrics_flush(l->metrics);	/* fsync: not under the lock */
		if (census_dir[0] != '\0') {
			live_census_save(l, census_dir);
			census_dir[0] = '\0';
		}
	}
}

/*
 * The stop, in the order that loses nothing: the control socket (it uses
 * the workers), the workers, the fast path detached, the last stats (the
 * kernel still has its counters), the queues unbound (--queue-bypass
 * takes over), the writer with the last events, the census saved.
 */
static void
live_stop_all(struct live *l)
{
	unsigned	 i;

	ctl_close(l->ctl);
	l->ctl = NULL;
	atomic_store(&live_stop, 1);
	for (i = 0; i < l->nw; i++)
		pthread_join(l->w[i].thread, NULL);
	fastpath_stop(l->fp);		/* detached; its maps still count */
	live_stats_event(l, false);
	metrics_flush(l->metrics);
	for (i = 0; i < l->nw; i++) {
		queue_close(l->w[i].q);
		l->w[i].q = NULL;
	}
	atomic_store(&l->writer_stop, 1);
	pthread_join(l->writer, NULL);
	live_census_save(l, atomic_load(&live_policy)->conf.state_dir);
	live_log_stats(l);
	fastpath_free(l->fp);		/* stopped above, not again */
	l->fp = NULL;
}

/* What live_init made, and the policy in force, freed. */
static void
live_free(struct live *l, struct policy *pol)
{
	live_cleanup(l);
	policy_free(pol);
	if (nfq_proc != NULL) {
		fclose(nfq_proc);
		nfq_proc = NULL;
	}
	pthread_mutex_destroy(&l->reload_lock);
	pthread_mutex_destroy(&l->emit_lock);
	pthread_mutex_destroy(&l->hash_lock);
	pthread_mutex_destroy(&l->dump.lock);
	pthread_cond_destroy(&l->dump.cond);
}

/* Runs until SIGTERM/SIGINT.  Takes ownership of pol. */
int
live_run(struct policy *pol, const char *conf_path)
{
	struct live	 l;
	sigset_t	 set;
	int		 sig;

	live_init(&l, pol, conf_path, &set);
	if (live_start(&l, pol) == -1) {
		live_free(&l, pol);
		return 1;
	}
	sig = live_loop(&l, &set);
	log_info("stopping on signal %d", sig);
	live_stop_all(&l);
	live_free(&l, atomic_load(&live_policy));
	return 0;
}
