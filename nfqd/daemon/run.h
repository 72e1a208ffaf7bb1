/*
 * The two ways main.c runs the pipeline: live (live.c and its live_*.c:
 * the NFQUEUE workers, the event writer, signals and reloads) and over a
 * capture (replay.c).
 */
#ifndef NFQD_DAEMON_RUN_H
#define NFQD_DAEMON_RUN_H

#include "policy/policy.h"
#include "sink/sink.h"

/* The daemon, until SIGTERM or SIGINT; takes pol over. */
int	 live_run(struct policy *pol, const char *conf_path);
/* One capture (a path, or "-" for standard input) through the engine. */
int	 replay_run(const struct policy *pol, const char *file,
	    struct sinks *sinks);

#endif
