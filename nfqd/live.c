/*
 * The live daemon: one worker thread per NFQUEUE queue (pinned, each with
 * its own engine and flow table, so nothing on the packet path is shared
 * between queues), one writer thread that turns events into JSON lines,
 * and the main thread for signals, reloads and periodic stats.
 *
 * Reload builds the new policy aside and swaps one pointer; workers pick
 * it up at their next batch, so a packet is judged by the old list or the
 * new one, never a mix.  The old policy is freed once every worker has
 * finished a batch that started after the swap.
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

#include "nfqd.h"

#define IPSET_RESYNC_US	(3600 * INT64_C(1000000))	/* hourly */

struct worker {
	pthread_t		 thread;
	unsigned		 index;
	struct queue		*q;
	struct engine		*engine;
	struct evq		*evq;
	_Atomic uint64_t	 seen;		/* policy generation in use */
	_Atomic uint64_t	 ev_dropped;
	_Atomic int		 flushing;
	pthread_mutex_t		 lock;		/* guards snap */
	struct stats		 snap;
};

struct live {
	const char		*conf_path;
	struct worker		*w;
	unsigned		 nw;
	struct evq		*mainq;		/* stats and reload events */
	struct sinks		*sinks;
	pthread_t		 writer;
	_Atomic int		 writer_stop;
	_Atomic int		 writer_reopen;	/* SIGHUP: logrotate */
	int64_t			 start_us;
	uint64_t		 mainq_dropped;
};

static struct policy *_Atomic	live_policy;
static _Atomic uint64_t		live_gen = 1;
static _Atomic int		live_stop;

static int64_t
live_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
live_sleep_ms(long ms)
{
	struct timespec	 ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

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
		live_sleep_ms(1);
	}
}

static void
worker_snapshot(struct worker *w)
{
	pthread_mutex_lock(&w->lock);
	w->snap = *engine_stats(w->engine);
	pthread_mutex_unlock(&w->lock);
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

	if (ncpu > 0) {
		CPU_ZERO(&cpus);
		CPU_SET(w->index % (unsigned)ncpu, &cpus);
		pthread_setaffinity_np(pthread_self(), sizeof(cpus), &cpus);
	}
	while (!atomic_load(&live_stop)) {
		g = atomic_load(&live_gen);
		pol = atomic_load(&live_policy);
		if (queue_run(w->q, w->engine, pol, &now) == -1 &&
		    errors++ % 1000 == 0)
			log_warn("queue worker %u: receive", w->index);
		if (now - last >= 1000000) {
			engine_tick(w->engine, now);
			worker_snapshot(w);
			last = now;
		}
		atomic_store(&w->seen, g);
	}
	atomic_store(&w->flushing, 1);
	engine_flush(w->engine, FE_SHUTDOWN);
	worker_snapshot(w);
	return NULL;
}

static void
writer_one(struct live *l, struct event *ev, char *buf, size_t len)
{
	int	 n;

	n = event_format(ev, buf, len);
	event_release(ev);
	if (n == -1)
		log_warnx("event too large to format, dropped");
	else
		sinks_write(l->sinks, buf, (size_t)n);
}

static void *
writer_main(void *arg)
{
	static char	 buf[65536];
	struct live	*l = arg;
	struct event	 ev;
	unsigned	 i, got;

	for (;;) {
		got = 0;
		for (i = 0; i < l->nw; i++)
			while (got < 1024 && evq_pop(l->w[i].evq, &ev)) {
				writer_one(l, &ev, buf, sizeof(buf));
				got++;
			}
		while (evq_pop(l->mainq, &ev)) {
			writer_one(l, &ev, buf, sizeof(buf));
			got++;
		}
		if (atomic_exchange(&l->writer_reopen, 0)) {
			sinks_flush(l->sinks);
			sinks_reopen(l->sinks);
		}
		if (got == 0) {
			sinks_flush(l->sinks);
			if (atomic_load(&l->writer_stop))
				break;
			live_sleep_ms(2);
		}
	}
	return NULL;
}

static void
live_emit(struct live *l, const struct event *ev)
{
	if (!evq_push(l->mainq, ev))
		l->mainq_dropped++;
}

/* The kernel's per-queue drop counters, summed over our queues. */
static void
live_kernel_drops(const struct conf *c, struct stats *st)
{
	FILE		*f;
	unsigned	 qn, portid, total, mode, range, qdrop, udrop;
	char		 line[256];

	if ((f = fopen("/proc/net/netfilter/nfnetlink_queue", "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "%u %u %u %u %u %u %u", &qn, &portid, &total,
		    &mode, &range, &qdrop, &udrop) == 7 &&
		    qn >= c->queue_first && qn < c->queue_first + c->queue_count) {
			st->queue_dropped += qdrop;
			st->user_dropped += udrop;
		}
	fclose(f);
}

static void
live_stats(struct live *l, struct stats *sum)
{
	struct stats	 s;
	unsigned	 i;

	memset(sum, 0, sizeof(*sum));
	for (i = 0; i < l->nw; i++) {
		pthread_mutex_lock(&l->w[i].lock);
		s = l->w[i].snap;
		pthread_mutex_unlock(&l->w[i].lock);
#define ADD(x)	sum->x += s.x
		ADD(pkts); ADD(bytes); ADD(invalid); ADD(fragments);
		ADD(not_ip); ADD(not_tcp); ADD(ipv4); ADD(ipv6); ADD(vlan);
		ADD(other_port); ADD(allowed); ADD(blocked);
		ADD(pkts_accepted); ADD(pkts_dropped); ADD(flows_created);
		ADD(flows_closed); ADD(flows_timeout); ADD(flows_evicted);
		ADD(flows_untracked); ADD(flows_resumed); ADD(summarized);
		ADD(events);
#undef ADD
		sum->flows_active += s.flows_created - s.flows_closed -
		    s.flows_timeout - s.flows_evicted;
		sum->events_dropped += atomic_load(&l->w[i].ev_dropped);
	}
	sum->events_dropped += l->mainq_dropped;
	sum->start_us = l->start_us;
	live_kernel_drops(&atomic_load(&live_policy)->conf, sum);
}

static void
live_stats_event(struct live *l)
{
	struct event	 ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = EV_STATS;
	ev.ts_us = live_now();
	live_stats(l, &ev.stats);
	live_emit(l, &ev);
}

static void
live_log_stats(struct live *l)
{
	struct stats	 s;

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
	if (a->classify != b->classify || a->smtp_addresses != b->smtp_addresses)
		log_warnx("reload: classification settings changed; take "
		    "effect at restart");
}

static void
live_reload(struct live *l)
{
	struct policy	*old = atomic_load(&live_policy), *new;
	struct event	 ev;
	char		 err[ERRLEN];
	uint64_t	 g;
	unsigned	 i;
	int		 waited;

	memset(&ev, 0, sizeof(ev));
	ev.type = EV_RELOAD;
	ev.ts_us = live_now();
	if ((new = policy_load(l->conf_path, err, sizeof(err))) == NULL) {
		log_warnx("reload refused, the running policy stays: %s", err);
		snprintf(ev.reload.error, sizeof(ev.reload.error), "%.255s", err);
		ev.reload.entries = (uint32_t)old->exc.n;
		live_emit(l, &ev);
		return;
	}
	live_restart_only(&old->conf, &new->conf);
	policy_diff(old, new, &ev.reload.added, &ev.reload.removed,
	    &ev.reload.changed);
	if (ipset_sync(new, ev.ts_us / 1000000, err, sizeof(err)) == -1)
		log_warnx("degraded-mode sets not updated: %s", err);

	atomic_store(&live_policy, new);
	g = atomic_fetch_add(&live_gen, 1) + 1;
	for (waited = 0; waited < 5000; waited++) {
		for (i = 0; i < l->nw; i++)
			if (atomic_load(&l->w[i].seen) < g)
				break;
		if (i == l->nw)
			break;
		live_sleep_ms(1);
	}
	if (waited == 5000)
		log_warnx("reload: a worker did not pass the new policy in "
		    "5 s; the old one is kept in memory");
	else
		policy_free(old);
	ev.reload.ok = 1;
	ev.reload.entries = (uint32_t)new->exc.n;
	log_info("reloaded %s: %zu exceptions (%u added, %u removed, "
	    "%u changed)", l->conf_path, new->exc.n, ev.reload.added,
	    ev.reload.removed, ev.reload.changed);
	live_emit(l, &ev);
}

static int
live_start_workers(struct live *l, struct policy *pol)
{
	char		 err[ERRLEN];
	uint64_t	 seed = 0;
	uint32_t	 share;
	unsigned	 i;

	if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		seed = (uint64_t)live_now();
	l->nw = pol->conf.queue_count;
	share = pol->conf.max_flows / l->nw;
	if ((l->w = calloc(l->nw, sizeof(*l->w))) == NULL)
		return -1;
	for (i = 0; i < l->nw; i++) {
		struct worker	*w = &l->w[i];

		w->index = i;
		pthread_mutex_init(&w->lock, NULL);
		w->q = queue_open((uint16_t)(pol->conf.queue_first + i),
		    &pol->conf, err, sizeof(err));
		if (w->q == NULL) {
			log_warnx("%s", err);
			return -1;
		}
		w->evq = evq_new(pol->conf.event_queue);
		w->engine = engine_new_sized(pol, share < 16 ? 16 : share, seed,
		    worker_emit, w);
		if (w->evq == NULL || w->engine == NULL) {
			log_warnx("out of memory");
			return -1;
		}
		engine_set_bypass(w->engine, true);
	}
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

	for (i = 0; l->w != NULL && i < l->nw; i++) {
		queue_close(l->w[i].q);
		engine_free(l->w[i].engine);
		evq_free(l->w[i].evq);
		pthread_mutex_destroy(&l->w[i].lock);
	}
	free(l->w);
	evq_free(l->mainq);
	sinks_close(l->sinks);
}

/* Runs until SIGTERM/SIGINT.  Takes ownership of pol. */
int
live_run(struct policy *pol, const char *conf_path)
{
	struct live	 l;
	sigset_t	 set;
	siginfo_t	 si;
	struct timespec	 tick = { 1, 0 };
	char		 err[ERRLEN];
	int64_t		 next_stats, next_sync;
	unsigned	 i;
	int		 sig, rc = 0;

	memset(&l, 0, sizeof(l));
	l.conf_path = conf_path;
	l.start_us = live_now();
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);	/* threads inherit it */
	signal(SIGPIPE, SIG_IGN);

	if (ipset_sync(pol, l.start_us / 1000000, err, sizeof(err)) == -1)
		log_warnx("degraded-mode sets not updated (is nfqd-rules "
		    "installed?): %s", err);
	if ((l.sinks = sinks_open(&pol->conf, err, sizeof(err))) == NULL) {
		log_warnx("%s", err);
		policy_free(pol);
		return 1;
	}
	if ((l.mainq = evq_new(1024)) == NULL) {
		log_warnx("out of memory");
		live_cleanup(&l);
		policy_free(pol);
		return 1;
	}
	atomic_store(&live_policy, pol);
	if (live_start_workers(&l, pol) == -1) {
		live_cleanup(&l);
		policy_free(pol);
		return 1;
	}
	if (pthread_create(&l.writer, NULL, writer_main, &l) != 0)
		fatalx("cannot start the event writer");
	log_info("started: %u queue%s from %u, %s mode, %zu exceptions",
	    l.nw, l.nw == 1 ? "" : "s", pol->conf.queue_first,
	    pol->conf.mode == MODE_MONITOR ? "monitor" : "enforce",
	    pol->exc.n);

	next_stats = l.start_us + (int64_t)pol->conf.stats_interval * 1000000;
	next_sync = l.start_us + IPSET_RESYNC_US;
	for (;;) {
		sig = sigtimedwait(&set, &si, &tick);
		if (sig == SIGTERM || sig == SIGINT)
			break;
		if (sig == SIGHUP) {
			atomic_store(&l.writer_reopen, 1);
			live_reload(&l);
		}
		else if (sig == SIGUSR1)
			live_log_stats(&l);
		pol = atomic_load(&live_policy);
		if (live_now() >= next_sync) {
			/*
			 * ipset timeouts stop at 24.8 days: re-sync so entries
			 * expiring later get theirs, and expired ones leave
			 * the degraded-mode sets even if no reload happens.
			 */
			if (ipset_sync(pol, live_now() / 1000000, err,
			    sizeof(err)) == -1)
				log_warnx("degraded-mode sets not updated: %s",
				    err);
			next_sync = live_now() + IPSET_RESYNC_US;
		}
		if (pol->conf.stats_interval > 0 && live_now() >= next_stats) {
			live_stats_event(&l);
			next_stats = live_now() +
			    (int64_t)pol->conf.stats_interval * 1000000;
		}
	}

	log_info("stopping on signal %d", sig);
	atomic_store(&live_stop, 1);
	for (i = 0; i < l.nw; i++)
		pthread_join(l.w[i].thread, NULL);
	live_stats_event(&l);		/* while the kernel still has counters */
	for (i = 0; i < l.nw; i++) {
		queue_close(l.w[i].q);	/* unbind: --queue-bypass takes over */
		l.w[i].q = NULL;
	}
	atomic_store(&l.writer_stop, 1);
	pthread_join(l.writer, NULL);
	live_log_stats(&l);
	live_cleanup(&l);
	policy_free(atomic_load(&live_policy));
	return rc;
}
