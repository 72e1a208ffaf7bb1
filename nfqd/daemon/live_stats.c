/*
 * The live daemon's counters: every engine's snapshot summed (and each
 * one's own, for the metrics), the kernel's per-queue drop counters, the
 * stats events and the metrics textfile, the SIGUSR1 log line.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/defs.h"
#include "base/clock.h"
#include "base/log.h"
#include "policy/conf.h"
#include "policy/exceptions.h"
#include "policy/quarantine.h"
#include "policy/policy.h"
#include "event/event.h"
#include "engine/flow.h"
#include "sink/sink.h"
#include "daemon/fastpath.h"
#include "daemon/live.h"

/* The hash of the list in force, for stats events and `status`. */
void
live_set_hash(struct live *l, const struct policy *p)
{
	pthread_mutex_lock(&l->hash_lock);
	memcpy(l->exc_sha256, p->exc_sha256, sizeof(l->exc_sha256));
	pthread_mutex_unlock(&l->hash_lock);
}

/*
 * The kernel's per-queue drop counters.  The file is root's (mode 0440):
 * opened before the privilege drop and kept, read again from the start
 * each time.
 */
#define NFQ_PROC	"/proc/net/netfilter/nfnetlink_queue"
static FILE		*nfq_proc;
static pthread_mutex_t	 nfq_proc_lock = PTHREAD_MUTEX_INITIALIZER;

/* As root, before the drop: the kernel's counters, kept open. */
void
live_kernel_drops_open(void)
{
	if (nfq_proc == NULL && (nfq_proc = fopen(NFQ_PROC, "re")) == NULL)
		log_warn("kernel queue drop counters unavailable: %s", NFQ_PROC);
}

void
live_kernel_drops_close(void)
{
	if (nfq_proc != NULL) {
		fclose(nfq_proc);
		nfq_proc = NULL;
	}
}

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
void
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

/* SIGUSR1, and the stop: the counters and each sink's, to the log. */
void
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

/*
 * The metrics textfile (metrics.c), kept whether or not `metrics` is set
 * now (a reload may turn it on).  A folder nfqd cannot write is logged,
 * not fatal: enforcement does not wait for statistics.
 */
void
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
