/*
 * The live daemon's way out for events: the writer thread (nfqd-writer)
 * takes them from every worker's ring, the fast path's and the main
 * queue, and hands each to evwrite.c (format, sinks, census); the main
 * queue, shared by the main and control threads, takes the stats,
 * reload, quarantine and expiry events (live_emit), and a SIGHUP's
 * reopen ahead of its reload event (live_reopen).
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <unistd.h>

#include "base/defs.h"
#include "base/clock.h"
#include "event/event.h"
#include "event/evq.h"
#include "event/census.h"
#include "engine/flow.h"
#include "sink/sink.h"
#include "daemon/fastpath.h"
#include "daemon/live.h"
#include "sink/evwrite.h"

/* An event of the main or control thread to the writer; lost when full. */
void
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
void
live_reopen(struct live *l)
{
	struct event	 ev;

	event_init(&ev, EV_REOPEN, 0);
	pthread_mutex_lock(&l->emit_lock);
	if (!evq_push(l->mainq, &ev))
		atomic_store(&l->writer_reopen, 1);
	pthread_mutex_unlock(&l->emit_lock);
}

/* The live run's observer of the events it writes: the census. */
static void
writer_seen(void *arg, const struct event *ev)
{
	struct live	*l = arg;

	census_event(l->census, ev);
}

#define WRITER_NAP_MS	32

/* The writer thread (nfqd-writer), until writer_stop and nothing left. */
void *
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
