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
struct fastpath	*fastpath_start(struct policy *pol,
		    struct policy *_Atomic *polp, _Atomic uint64_t *genp,
		    struct respond *resp, char *err, size_t errlen);
/*
 * Each engine's share of max-flows: the queues' workers and, with
 * `fastpath` configured, the fast path's engine, so that max-flows bounds
 * them all together (at least 16 each).
 */
uint32_t	 fastpath_flows_share(const struct conf *c);
/*
 * fn(arg, engine) runs in the reader thread after each batch of records,
 * as a queue worker's batch boundary: live_worker.c answers `flows` there.  Set
 * before fastpath_run.
 */
void		 fastpath_set_between(struct fastpath *fp, void (*fn)(void *,
		    struct engine *), void *arg);
/* Start the reader thread (after the privilege drop). */
int		 fastpath_run(struct fastpath *fp);
/*
 * Detach, read what the kernel still has, flush (events); fastpath_free
 * once the event writer has taken them.
 */
void		 fastpath_stop(struct fastpath *fp);
void		 fastpath_free(struct fastpath *fp);
/* Rewrite the maps from p as in force at now (unix s). */
int		 fastpath_sync(struct fastpath *fp, const struct policy *p,
		    int64_t now, char *err, size_t errlen);
/* Refresh the kernel's real-time clock offset. */
void		 fastpath_clock(struct fastpath *fp);
uint64_t	 fastpath_seen(const struct fastpath *fp);
struct evq	*fastpath_evq(struct fastpath *fp);
/* Add the kernel path's counts (its engine and the kernel's) to sum. */
void		 fastpath_stats(struct fastpath *fp, struct stats *sum);
void		 fastpath_stats_own(struct fastpath *fp, struct stats *sum,
		    struct stats *own, struct decisions *dec,
		    uint64_t *ev_dropped);

/* Without attaching (tests): load and fill the maps. */
struct fastpath	*fastpath_open(const struct conf *c, char *err, size_t errlen);
void		 fastpath_close(struct fastpath *fp);
int		 fastpath_prog_fd(const struct fastpath *fp, uint8_t mode);
int		 fastpath_map_fd(const struct fastpath *fp, const char *name);
void		 fastpath_set_clock(struct fastpath *fp, int64_t off_ns);
void		 fastpath_counters(const struct fastpath *fp, uint64_t *out);

#endif
