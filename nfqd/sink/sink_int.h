/*
 * sink_int.h: what sink.c (opening, writing, the ring, files) and
 * sink_send.c (each queued sink's own thread) share: a sink's state.
 * Not for other files: sink.h is the sinks' interface, sink_ext.h the
 * one for kinds in files of their own (redis, kafka).
 */
#ifndef NFQD_SINK_INT_H
#define NFQD_SINK_INT_H

#include <netdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "base/defs.h"
#include "policy/sinkspec.h"
#include "sink/sink.h"
#include "sink/sink_ext.h"

#define FILE_BUF		65536
#define CONNECT_TIMEOUT_MS	5000
#define TCP_USER_TIMEOUT_MS	30000
#define IDLE_WAKE_MS		1000	/* a sender looks at its counters */
#define UP_CONFIRM_MS		1000	/* datagram, redis: "up" after 1 s quiet */
#define STABLE_MS		10000	/* a connection this old resets backoff */
#define BATCH_MIN		65536
#define CLOSE_DRAIN_MAX_MS	3000	/* live: the longest wait at exit */
#define CKPT_MAX		1024	/* stream: sends awaiting confirmation */
#define SYSLOG_HDR_MAX		256	/* room before the line */
#define HOST_MAX		128	/* syslog HOSTNAME, cut to this */
#define INPUT_READS		16	/* collector's input: reads per turn */

/* A stream connection: does its collector acknowledge? */
enum {
	AM_UNKNOWN,	/* nothing whole from it yet: the 0.2 s rule */
	AM_ACK,		/* it greeted: a line counts once acknowledged */
	AM_PLAIN	/* it said something else: the 0.2 s rule, input ignored */
};


struct rec {
	uint32_t	 len;
	uint32_t	 pad;
	int64_t		 us;		/* CLOCK_REALTIME at sinks_write */
};

struct sink {
	const struct sink_kind	*kind;
	const struct sink_proto	*proto;	/* sink_ext.h: its own file */
	char			 name[MAX_PATH];	/* the spec */
	char			 path[MAX_PATH];	/* file, socket */

	/* stdout, file: the caller's thread only */
	int			 fd;
	bool			 own;
	char			*fbuf;
	size_t			 flen, flines;
	_Atomic uint64_t	 fheld;		/* flines, for sinks_stats */
	bool			 fpartial;	/* a line cut by a failed write */
	int64_t			 flog;		/* last failure logged, mono ms */
	uint64_t		 fmissed;	/* failures since then */

	/* queued sinks: shared between producer and sender */
	char			*ring;
	size_t			 cap;
	_Atomic uint64_t	 head;		/* bytes in: producer */
	_Atomic uint64_t	 tail;		/* bytes out: sender */
	_Atomic int		 sleeping;	/* sender waits on efd */
	_Atomic int		 stop;
	int			 efd;
	pthread_t		 thread;
	bool			 started;
	bool			 wait;
	uint32_t		 drain_ms;
	bool			 stalled;	/* wait mode gave up: producer */
	uint64_t		 stall_mark;

	/* counters, read by sinks_stats from any thread */
	_Atomic uint64_t	 enq;		/* lines accepted */
	_Atomic uint64_t	 written, dropped, failed, reconnects;
	_Atomic bool		 connected;

	/* sender thread only */
	struct sockaddr_storage	 addr;
	socklen_t		 addrlen;
	bool			 named;		/* HOST is a name: resolved by */
	char			 rhost[256];	/* the sender at each connect */
	char			 rport[8];
	int			 gai_err;	/* the last resolution's error */
	int			 sfd;
	char			*batch;
	size_t			 bcap, blen, boff;

	/*
	 * Stream sinks (tcp, unix): lines sent but not yet confirmed stay in
	 * the ring between tail and sent, and are sent again on the next
	 * connection if this one breaks (see stream_confirm).
	 */
	bool			 hold;
	uint64_t		 sent;		/* ring: next record to send */
	uint64_t		 bpos;		/* ring position of batch[0] */
	uint64_t		 blines;	/* whole lines of the batch sent */
	uint64_t		 cbytes;	/* bytes sent on this connection */
	uint64_t		 csent;		/* lines sent whole on it */
	uint64_t		 cdone;		/* of them, counted written */
	struct ckpt {
		uint64_t	 pos;		/* ring, after these lines */
		uint64_t	 bytes;		/* cbytes after them */
		uint64_t	 lines;
		int64_t		 acked;		/* mono ms they were, 0: not yet */
	}			*ckpt;
	size_t			 ck_first, ck_n;
	/* what the collector sends back (stream_input) */
	int			 amode;		/* AM_*, this connection */
	bool			 ack_seen;	/* a connection of it greeted */
	bool			 ack_logged, greet_late_logged;
	char			 abuf[SINK_ACK_LINE_MAX];	/* a line */
	size_t			 alen;
	uint64_t		 alast;		/* its last "ok N" */
	int64_t			 proto_log;	/* last protocol error logged */
	int64_t			 deadline;	/* live stop: wait for room until */
	bool			 abandoned;	/* its thread outlived the stop */
	bool			 held;		/* datagram: batch is unsent */
	uint32_t		 backoff;	/* ms */
	int64_t			 next_try, up_since, down_since, up_log_at;
	uint64_t		 connects, attempts;
	bool			 down_logged, up_pending;
	int64_t			 last_log, last_drop_log;
	int64_t			 last_refused;	/* udp: ICMP refusal, mono ms */
	uint64_t		 refusals;
	uint64_t		 dropped_seen, dropped_at_down;
	uint32_t		 rnd;
	char			 host[256];	/* syslog HOSTNAME */
	long			 pid;
	void			*priv;		/* a sink_proto's state */
};

struct sinks {
	struct sink	 v[MAX_SINKS];
	size_t		 n;
	bool		 need_time;	/* a syslog sink stamps records */
	int64_t		 deadline;	/* sinks_set_deadline, 0: none */
};

/* sink.c */
size_t		 count_nl(const char *p, size_t n);
void		 ring_get(const struct sink *k, uint64_t pos, void *p, size_t n);
/* The oldest record's header, if there is one; then its line. */
bool		 ring_peek(struct sink *k, struct rec *r);
void		 ring_take(struct sink *k, const struct rec *r, char *out);

/* sink_send.c */
void		*sink_main(void *arg);	/* a queued sink's thread */

#endif
