/*
 * What the live daemon's files share: the daemon's state, and what each
 * file does for the others -- live.c (the main thread: start, loop,
 * stop), live_worker.c (the queue workers, `flows` answers),
 * live_writer.c (the writer thread, the main event queue),
 * live_reload.c (reloads, quarantines, responses, expiry), live_stats.c
 * (counters, stats events, metrics) and livectl.c (the control socket's
 * commands).  Private to them: live_run is in run.h.
 */
#ifndef NFQD_LIVE_H
#define NFQD_LIVE_H

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdatomic.h>

#include "base/defs.h"
#include "policy/policy.h"
#include "event/event.h"
#include "event/evq.h"
#include "event/census.h"
#include "engine/engine.h"
#include "engine/flow.h"
#include "engine/respond.h"
#include "daemon/ctl.h"
#include "sink/sink.h"
#include "sink/metrics.h"

/* One connection of a `flows` answer, copied by its worker. */
struct flow_info {
	uint64_t		 id;
	struct ip_addr		 src, dst;	/* client, server */
	uint16_t		 sport, dport;
	int64_t			 first_us, last_us;
	uint64_t		 bytes[2];
	uint32_t		 pkts[2];
	uint8_t			 state, action, direction;
	uint8_t			 queue;		/* worker index, or FLOW_KERNEL */
	char			 app_proto[32];
};
#define FLOW_KERNEL	UINT8_MAX	/* the fast path's engine */

/* A `flows` request to the workers (and the fast path), their answers. */
struct dumpctl {
	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;
	uint64_t		 seq;		/* the request being answered */
	bool			 open;		/* answers for seq wanted */
	unsigned		 pending;	/* engines yet to answer */
	bool			 has_host;
	struct prefix		 host;
	uint32_t		 max;
	struct flow_info	*v;
	uint32_t		 n;
	uint64_t		 matched;
};

/* What a reload did: the reload event, and the control socket's answer. */
struct reload_result {
	bool			 done;		/* a reload happened */
	int64_t			 ts_us;
	bool			 ok;
	char			 error[256];
	uint32_t		 entries, added, removed, changed, quarantines;
	double			 load_ms, diff_ms, swap_ms, ipset_ms;
	char			 ipset_error[256];
	char			 source[16];	/* SIGHUP, socket */
	char			 exc_sha256[SHA256_HEXLEN];	/* in force after */
};

/* One engine's side of `flows`: asked by the control thread, answered by
 * the engine's own thread between batches. */
struct dumper {
	struct dumpctl		*dump;
	uint8_t			 index;		/* flow_info.queue */
	_Atomic uint64_t	 want;		/* `flows` request to answer */
	_Atomic uint64_t	 done;		/* the last one answered */
};

struct worker {
	pthread_t		 thread;
	unsigned		 index;
	struct queue		*q;
	struct engine		*engine;
	struct evq		*evq;
	_Atomic uint64_t	 seen;		/* policy generation in use */
	_Atomic uint64_t	 ev_dropped;
	_Atomic int		 flushing;
	pthread_mutex_t		 lock;		/* guards snap, dsnap */
	struct stats		 snap;
	struct decisions	 dsnap;
	struct dumper		 dumper;
};

struct live {
	const char		*conf_path;
	struct worker		*w;
	unsigned		 nw;
	struct evq		*mainq;		/* stats and reload events */
	struct sinks		*sinks;
	pthread_t		 writer;
	_Atomic int		 writer_stop;
	_Atomic int		 writer_reopen;	/* SIGHUP, main queue full */
	int64_t			 start_us;
	uint64_t		 mainq_dropped;
	uint16_t		 queue_first;
	pthread_mutex_t		 reload_lock;	/* see the top of live.c */
	pthread_mutex_t		 emit_lock;	/* mainq: main and ctl threads */
	pthread_mutex_t		 hash_lock;	/* exc_sha256: any thread */
	char			 exc_sha256[SHA256_HEXLEN];	/* the list in force */
	struct ctl		*ctl;
	struct dumpctl		 dump;
	struct dumper		 fpdump;	/* the fast path's engine */
	struct reload_result	 last;		/* the last reload */
	int64_t			 exc_checked;	/* expiry events: up to here */
	int64_t			 exc_next;	/* next expiry, 0: none */
	int64_t			 quar_next;	/* next quarantine end, 0 */
	struct fastpath		*fp;		/* eBPF fast path, or NULL */
	struct respond		*resp;		/* alerts' responses */
	struct census		*census;	/* NULL: census-hosts = 0 */
	uint64_t		 exc_gen;	/* lists in force so far, 1: start */
	struct metrics		*metrics;	/* the textfile; NULL: none */
	struct metrics_part	*parts;		/* nw + 1: its snapshot */
	struct metrics_state	 mstate;	/* reload_lock */
};

/* The running policy: workers read it per batch, a reload swaps it. */
extern struct policy *_Atomic	live_policy;
/* Its generation: a worker records the one its batch started under. */
extern _Atomic uint64_t		live_gen;
/* Set at the stop: the workers and the writer finish. */
extern _Atomic int		live_stop;

/* live_worker.c */
int	 live_open_workers(struct live *l, struct policy *pol);
int	 live_run_workers(struct live *l);
void	 dumper_answer(void *arg, struct engine *e);

/* live_writer.c */
void	*writer_main(void *arg);
void	 live_emit(struct live *l, const struct event *ev);
void	 live_reopen(struct live *l);

/* live_stats.c */
void	 live_set_hash(struct live *l, const struct policy *p);
void	 live_kernel_drops_open(void);
void	 live_kernel_drops_close(void);
void	 live_stats(struct live *l, struct stats *sum);
void	 live_stats_event(struct live *l, bool running);
void	 live_log_stats(struct live *l);
void	 live_metrics_open(struct live *l, const struct policy *pol);

/* live_reload.c */
int	 live_quar_settle(struct live *l, struct policy *p, int64_t now,
	     bool live, char *err, size_t errlen);
int	 live_quar_apply(struct live *l, int64_t now, char *err, size_t errlen);
int	 live_respond(void *arg, uint8_t action, const struct resp_entry *e);
void	 live_reload(struct live *l, const char *source,
	     struct reload_result *r);
void	 live_expiry(struct live *l, int64_t now);

/* livectl.c */
int	 live_ctl(void *arg, const struct ctl_req *r,
	     const struct ctl_peer *peer, cJSON *o, char *err, size_t errlen);

#endif
