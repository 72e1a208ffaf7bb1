/*
 * metrics.c: nfqd's counters as Prometheus metrics (prom.h), written as
 * a node_exporter textfile (`metrics` in nfqd.conf) each time the stats
 * event is made, from the same snapshot.  docs/metrics.md lists every
 * metric and the stats event key it stands for.
 */
#ifndef NFQD_METRICS_H
#define NFQD_METRICS_H

#include "base/prom.h"
#include "policy/conf.h"
#include "event/event.h"
#include "engine/engine.h"
#include "sink/sink.h"

#define METRICS_KERNEL	(-1)		/* metrics_part.queue: the fast path */
#define METRICS_LOG_EVERY_S 600		/* a failing write: logged this often */

/* One engine's part of the snapshot: a queue's worker or the fast path's. */
struct metrics_part {
	int32_t			 queue;	/* NFQUEUE number, or METRICS_KERNEL */
	struct stats		 st;
	struct decisions	 dec;
	uint64_t		 ev_dropped;	/* its event queue was full */
	uint64_t		 queue_dropped, user_dropped;	/* kernel's */
};

enum { METRICS_SIGHUP, METRICS_SOCKET };	/* reloads[source] */

/* What the daemon keeps for the metrics beyond the stats (the live daemon). */
struct metrics_state {
	uint64_t		 reloads[2][2];	/* [source][ok] */
	bool			 reload_ok;	/* the last, or the start */
	int64_t			 reload_us;
	uint64_t		 quar_started, quar_ended;
};

struct metrics_snap {
	int64_t			 ts_us;		/* the stats event's */
	bool			 running;	/* false: written at the stop */
	const struct stats	*sum;		/* the stats event's numbers */
	const struct metrics_part *parts;
	size_t			 nparts;
	uint64_t		 main_dropped;	/* stats and reload events */
	const struct sink_stat	*sinks;
	size_t			 nsinks;
	enum mode	 mode;
	size_t			 exceptions;	/* entries of the list */
	size_t			 quarantined;	/* hosts in force now */
	const struct metrics_state *state;
};

int		 metrics_format(struct prom *p, const struct metrics_snap *s);
int		 metrics_check(const struct conf *c, char *err, size_t errlen);

/* nfqd-collect's counters (nfqd/collect/), as its stats line says them. */
struct metrics_collect {
	int64_t			 start_us, ts_us;
	uint64_t		 lines, written, invalid, too_long, partial;
	uint64_t		 write_failed, clients, refused;
	uint64_t		 senders_refused;
	uint64_t		 connected;	/* clients connected now */
	bool			 running;
};

int		 metrics_collect_format(struct prom *p,
		    const struct metrics_collect *c);
int		 metrics_folder_check(const char *path, char *err,
		    size_t errlen);

/* The textfile writer: the path, the text, the rate-limited complaints. */
struct metrics;
struct metrics	*metrics_new(void);
void		 metrics_free(struct metrics *m);
/* Format (under the daemon's lock) for path; "" removes the last file. */
void		 metrics_update(struct metrics *m, const char *path,
		    const struct metrics_snap *s);
/* Write what metrics_update made (outside the lock): fsync may wait. */
void		 metrics_flush(struct metrics *m);

#endif
