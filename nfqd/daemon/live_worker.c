/*
 * The live daemon's queue workers: one thread per NFQUEUE queue, pinned
 * to its CPU, each with its own engine and connection table.  A worker
 * picks up the running policy at each batch, hands its events to its
 * ring for the writer (never waiting), snapshots its counters once a
 * second, and between batches answers a `flows` request (dumper_answer,
 * which the fast path's reader calls too).
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "base/defs.h"
#include "base/addr.h"
#include "base/clock.h"
#include "base/log.h"
#include "event/event.h"
#include "event/evq.h"
#include "engine/flow.h"
#include "engine/respond.h"
#include "engine/engine.h"
#include "daemon/queue.h"
#include "daemon/fastpath.h"
#include "daemon/live.h"

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

/* The engine's counters, copied for live_stats (worker->lock). */
static void
worker_snapshot(struct worker *w)
{
	pthread_mutex_lock(&w->lock);
	w->snap = *engine_stats(w->engine);
	w->dsnap = *engine_decisions(w->engine);
	pthread_mutex_unlock(&w->lock);
}

/* One connection into the `flows` answer, if it matches the host asked. */
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
void
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

/*
 * As root: each queue's worker, its queue bound, its engine (a share of
 * max-flows) and event ring.  The threads start after the privilege drop.
 */
int
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
int
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
