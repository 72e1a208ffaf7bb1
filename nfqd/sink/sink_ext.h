/*
 * Event sinks in files of their own (sink_redis.c, sink_kafka.c), hooked
 * into sink.c's table of kinds.  sink.c keeps what every queued sink
 * shares: the bounded queue that sinks_write fills without waiting, the
 * counters of stats.sinks, the thread, and the logs.  A sink_proto adds
 * its spec after HOST:PORT and speaks its protocol, in one of two ways:
 *
 *  - step: sink.c's sender connects a TCP socket (sink_fd), backs off
 *    and logs; up() is told of each new connection, step() does some
 *    work and returns -1 with errno when the connection is lost;
 *  - run: a thread body of its own, for a library with its own
 *    connections and threads (no address is resolved by sink.c).
 *
 * Every line taken (sink_take) is later settled, once: sink_settle.
 * Lines not settled when the sink stops are counted as dropped.
 */
#ifndef NFQD_SINK_EXT_H
#define NFQD_SINK_EXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sink;

struct sink_proto {
	/* the part after HOST:PORT, "" or from its '/': -1 and a message */
	int	 (*check)(const char *, char *, size_t);
	/* at start, with "HOST:PORT" and that part; sink_set_priv */
	int	 (*open)(struct sink *, const char *, const char *, char *,
		    size_t);
	void	 (*close)(struct sink *);	/* after the thread ended */
	void	 (*up)(struct sink *);		/* step: a new connection */
	int	 (*step)(struct sink *);
	void	*(*run)(void *);		/* or: the whole thread */
};

extern const struct sink_proto sink_redis, sink_kafka;

const char	*sink_name(const struct sink *k);
size_t		 sink_buffer(const struct sink *k);
void		*sink_priv(const struct sink *k);
void		 sink_set_priv(struct sink *k, void *p);
int		 sink_fd(const struct sink *k);
bool		 sink_stopping(struct sink *k);
bool		 sink_take(struct sink *k, char *buf, size_t *len);
short		 sink_wait(struct sink *k, int ms, int fd, short events,
		    bool idle);
void		 sink_settle(struct sink *k, uint64_t written, uint64_t failed,
		    uint64_t dropped);
void		 sink_log_tick(struct sink *k);
void		 sink_state(struct sink *k, bool up, const char *why);

#endif
