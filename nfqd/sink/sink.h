/*
 * sink.c: where formatted events go.
 *
 * Sink specs, as `events` in nfqd.conf lists them:
 *
 *	stdout			the daemon's standard output
 *	file:PATH		appended; reopened by sinks_reopen (SIGHUP)
 *	udp://HOST:PORT		one datagram per event
 *	tcp://HOST:PORT		newline-delimited, reconnects with backoff
 *	unix:PATH		a unix stream socket, like tcp://
 *	unix-dgram:PATH		a unix datagram socket, one event each
 *	syslog[:PATH]		the local syslog socket, /dev/log unless PATH
 *				is given, in syslog(3)'s format, which
 *				journald and rsyslog read there by default
 *	syslog-rfc5424[:PATH]	the same in RFC 5424, for a reader set up
 *				for it (rsyslog: useSpecialParser="off")
 *	redis://HOST:PORT[/MODE/KEY]	LPUSH, RPUSH, PUBLISH or XADD
 *				(sink_redis.c)
 *	kafka://HOST:PORT/TOPIC[?P=V&...]	librdkafka (sink_kafka.c)
 *
 * HOST is an IPv4 literal, an IPv6 literal in brackets ([2001:db8::5]) or
 * a name, looked up by the sink's own thread before every connection (a
 * name that does not resolve is a connection that failed: retried with
 * backoff while the queue fills); kafka:// leaves that to librdkafka.
 *
 * stdout and file: are written by the caller's thread (a local file does
 * not wait for a collector; a failed write is counted, never retried).
 * Every other sink has a bounded queue (`buffer` bytes) drained by its
 * own thread: sinks_write copies the line into it and returns, and when
 * the queue is full the new line is dropped and counted.
 *
 * One thread (nfqd's event writer, or the replay loop) calls sinks_write,
 * sinks_flush, sinks_reopen, sinks_drain and sinks_close; sinks_stats may
 * be called from any thread.
 */
#ifndef NFQD_SINK_H
#define NFQD_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/defs.h"
#include "policy/conf.h"
#include "policy/sinkspec.h"

#define SINK_LINE_MAX		65536		/* longest line, without \n */
#define SINK_SYSLOG_PATH	"/dev/log"
#define SINK_BACKOFF_MIN_MS	500
#define SINK_BACKOFF_MAX_MS	30000
#define SINK_LOG_EVERY_S	60		/* rate limit of sink logs */
#define SINK_CONFIRM_MS		200	/* stream: held this long, counted */
/*
 * Stream sinks and a collector that acknowledges (docs/collectors.md):
 * its greeting, the first line it sends on a connection, is "nfqd-ack 1"
 * (optionally a space and more), then "ok N" after storing, N the lines
 * of this connection it has stored, cumulative.  Either line is at most
 * SINK_ACK_LINE_MAX bytes with its newline.
 */
#define SINK_ACK_PROTO		"nfqd-ack"
#define SINK_ACK_VERSION	1
#define SINK_ACK_LINE_MAX	64
#define SINK_GREET_WAIT_MS	10000	/* a collector that greeted before:
					   wait this long for a greeting */
#define SINK_EXIT_BUDGET_MS	10000	/* live stop: burst and drain */
#define SINK_JOIN_MAX_MS	2000	/* a sender stuck in a lookup */

struct sink_opts {
	size_t		 buffer;	/* bytes per queued sink; 0: default */
	bool		 wait;		/* replay: wait for room, deliver all */
	uint32_t	 drain_ms;	/* longest wait without progress;
					   0: 10 s with wait, 1 s without */
};

struct sink_stat {
	char		 name[MAX_PATH];	/* the spec */
	const char	*type;		/* stdout file udp tcp unix unix-dgram
					   syslog syslog-rfc5424 redis kafka */
	bool		 connected;	/* stream: connected now; others: the
					   last write or send worked */
	uint64_t	 written;	/* lines handed to the file or socket */
	uint64_t	 dropped;	/* queue full, or undelivered at close */
	uint64_t	 failed;	/* lost to a write or send error */
	uint64_t	 queued;	/* waiting now */
	uint64_t	 reconnects;	/* connections after the first */
};

struct sinks;
struct sinks	*sinks_open(const struct conf *c, char *err, size_t errlen);
void		 sinks_write(struct sinks *s, const char *line, size_t len);
void		 sinks_flush(struct sinks *s);
void		 sinks_reopen(struct sinks *s);
uint64_t	 sinks_close(struct sinks *s);	/* lines lost */
/* sinkspec_check, and each kind's own part: -1 with a message. */
int		 sink_spec_check(const char *spec, char *out, size_t outlen,
		    const char *confdir, char *err, size_t errlen);
/* Every sink of c so: "FILE:LINE: bad event sink ...", before opening. */
int		 sinks_check_specs(const struct conf *c, char *err,
		    size_t errlen);
struct sinks	*sinks_open_opts(const struct conf *c,
		    const struct sink_opts *o, char *err, size_t errlen);
void		 sinks_stats(struct sinks *s, struct sink_stat *out, size_t *n);
uint64_t	 sinks_drain(struct sinks *s, uint32_t ms);
void		 sinks_set_deadline(struct sinks *s, int64_t deadline);
bool		 sink_spec_named(const char *spec);
int		 sinks_check_names(const struct conf *c);

#endif
