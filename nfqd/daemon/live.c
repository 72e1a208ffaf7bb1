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
 *
 * This file: the main thread (start, the loop of signals and periodic
 * work, the stop).  The workers are in live_worker.c, the writer in
 * live_writer.c, reloads, quarantines, responses and expiry in
 * live_reload.c, counters, stats events and metrics in live_stats.c,
 * the control socket's commands in livectl.c; live.h is what they share.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/defs.h"
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

#define IPSET_RESYNC_US	(3600 * INT64_C(1000000))	/* hourly */

struct policy *_Atomic		live_policy;
_Atomic uint64_t		live_gen = 1;
_Atomic int			live_stop;

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
	live_kernel_drops_open();
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
	live_kernel_drops_close();
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
