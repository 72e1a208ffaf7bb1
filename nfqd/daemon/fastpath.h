/*
 * fastpath.c: nfqd's side of the eBPF fast path (bpf/fastpath.bpf.c):
 * load, attach to the border interfaces, keep the kernel's maps equal to
 * the running policy, turn the kernel's drop records into nfqd's events,
 * detach.  docs/fastpath.md says what runs where.
 */
#ifndef NFQD_FASTPATH_H
#define NFQD_FASTPATH_H

#include "policy/policy.h"
#include "event/event.h"
#include "engine/engine.h"

struct fastpath;
struct evq;

/*
 * Load, fill the maps from pol, attach (conf.fastpath, its interfaces);
 * fastpath_run then starts the thread that reads the kernel's records
 * (after the privilege drop, priv.c).  polp and genp
 * are the daemon's running policy and its generation: the thread takes
 * the policy at each batch and says so in fastpath_seen(), like a queue
 * worker.  NULL with err set: nothing is left attached; the queue path
 * does all the work.
 */
struct fastpath	*fastpath_start(struct policy *, struct policy *_Atomic *,
		    _Atomic uint64_t *, struct respond *, char *, size_t);
/*
 * Each engine's share of max-flows: the queues' workers and, with
 * `fastpath` configured, the fast path's engine, so that max-flows bounds
 * them all together (at least 16 each).
 */
uint32_t	 fastpath_flows_share(const struct conf *);
/*
 * fn(arg, engine) runs in the reader thread after each batch of records,
 * as a queue worker's batch boundary: live.c answers `flows` there.  Set
 * before fastpath_run.
 */
void		 fastpath_set_between(struct fastpath *,
		    void (*)(void *, struct engine *), void *);
/* Start the reader thread (after the privilege drop). */
int		 fastpath_run(struct fastpath *);
/*
 * Detach, read what the kernel still has, flush (events); fastpath_free
 * once the event writer has taken them.
 */
void		 fastpath_stop(struct fastpath *);
void		 fastpath_free(struct fastpath *);
/* Rewrite the maps from p as in force at now (unix s). */
int		 fastpath_sync(struct fastpath *, const struct policy *,
		    int64_t, char *, size_t);
/* Refresh the kernel's real-time clock offset. */
void		 fastpath_clock(struct fastpath *);
uint64_t	 fastpath_seen(const struct fastpath *);
struct evq	*fastpath_evq(struct fastpath *);
/* Add the kernel path's counts (its engine and the kernel's) to sum. */
void		 fastpath_stats(struct fastpath *, struct stats *);
void		 fastpath_stats_own(struct fastpath *, struct stats *,
		    struct stats *, struct decisions *, uint64_t *);

/* Without attaching (tests): load and fill the maps. */
struct fastpath	*fastpath_open(const struct conf *, char *, size_t);
void		 fastpath_close(struct fastpath *);
int		 fastpath_prog_fd(const struct fastpath *, uint8_t);
int		 fastpath_map_fd(const struct fastpath *, const char *);
void		 fastpath_set_clock(struct fastpath *, int64_t);
void		 fastpath_counters(const struct fastpath *, uint64_t *);

/*
 * Detach nfqd's programs from every interface of this network namespace
 * (a leftover of a daemon that was killed).  Returns how many were
 * removed, or -1 with err.
 */
int		 fastpath_remove_leftovers(char *, size_t);

#endif
