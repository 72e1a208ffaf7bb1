/*
 * Event sinks.  Each sink gets every formatted event as one line.
 *
 * stdout and file: are written by the calling thread through a 64 KiB
 * buffer: a local file does not wait on a collector, and a failed write
 * (a full disk) is counted and logged, never retried, so it cannot hold
 * up the other sinks.
 *
 * udp://, tcp://, unix:, unix-dgram: and syslog are "queued" sinks: each
 * has a byte ring of `buffer` bytes with one producer (sinks_write, in
 * nfqd's event writer or the replay loop) and one consumer (the sink's
 * own thread, which connects, sends and reconnects).  The producer never
 * waits and never touches the consumer's position: when the ring is full
 * the new line is dropped and counted.  Dropping the newest line keeps
 * what is queued intact (a stream sink may be half-way through sending
 * the oldest one) and makes the loss one contiguous gap, which the logs
 * and the `dropped` counter describe.
 *
 * In wait mode (replay) a full ring makes sinks_write wait for room while
 * the sink makes progress, and sinks_close delivers what is queued; a
 * sink that makes no progress for drain_ms is given up and counted.
 *
 * A record in the ring is a 16-byte header (length, enqueue time) and the
 * line.  Stream sinks send lines with a '\n'; datagram sinks one line per
 * datagram; syslog prefixes an RFC 5424 header.  Stream sinks count a
 * line written only once the collector has acknowledged storing it (a
 * collector that greets with "nfqd-ack 1", stream_input), or, from one
 * that does not, once it has held it a moment on a live connection
 * (stream_confirm); every line the broken connection had not confirmed
 * is sent again on the next one.
 *
 * At the daemon's stop, sinks_set_deadline turns the live sinks into
 * waiting ones until a deadline, so that the last burst is delivered.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <linux/sockios.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "base/defs.h"
#include "base/when.h"
#include "policy/conf.h"
#include "policy/sinkspec.h"
#include "sink/sink.h"
#include "sink/sink_ext.h"
#include "base/clock.h"
#include "base/log.h"

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

/* ---- time ---- */

/* ---- stdout and file: written by the caller ---- */

static size_t
count_nl(const char *p, size_t n)
{
	size_t	 c = 0;
	const char *e = p + n;

	while (p < e && (p = memchr(p, '\n', (size_t)(e - p))) != NULL) {
		c++;
		p++;
	}
	return c;
}

static void
file_fail_log(struct sink *k, int e, uint64_t lost)
{
	int64_t	 now = clock_mono_ms();

	k->fmissed += lost;
	if (k->flog != 0 && now - k->flog < SINK_LOG_EVERY_S * 1000)
		return;
	log_warnx("event sink %s: write: %s; %llu events lost%s", k->name,
	    strerror(e), (unsigned long long)k->fmissed,
	    k->flog != 0 ? " since the last report" : "");
	k->flog = now;
	k->fmissed = 0;
}

/* Write p[0..n), whole lines; count what made it and what did not. */
static void
file_put(struct sink *k, const char *p, size_t n, size_t lines)
{
	size_t	 off = 0, done;
	ssize_t	 w;
	int	 e;

	if (k->fpartial) {
		/* end the line a failed write cut, or the next one joins it */
		if (write(k->fd, "\n", 1) != 1) {
			atomic_fetch_add(&k->failed, lines);
			atomic_store(&k->connected, false);
			file_fail_log(k, errno, lines);
			return;
		}
		k->fpartial = false;
	}
	while (off < n) {
		if ((w = write(k->fd, p + off, n - off)) > 0) {
			off += (size_t)w;
			continue;
		}
		if (w == -1 && errno == EINTR)
			continue;
		e = w == 0 ? EIO : errno;
		done = count_nl(p, off);
		atomic_fetch_add(&k->written, done);
		atomic_fetch_add(&k->failed, lines - done);
		atomic_store(&k->connected, false);
		k->fpartial = off > 0 && p[off - 1] != '\n';
		file_fail_log(k, e, lines - done);
		return;
	}
	atomic_fetch_add(&k->written, lines);
	atomic_store(&k->connected, true);
}

static void
file_flush(struct sink *k)
{
	if (k->flen > 0)
		file_put(k, k->fbuf, k->flen, k->flines);
	k->flen = k->flines = 0;
	atomic_store_explicit(&k->fheld, 0, memory_order_relaxed);
}

static void
file_write(struct sink *k, const char *line, size_t len)
{
	char	*big;

	if (k->flen + len + 1 > FILE_BUF)
		file_flush(k);
	if (len + 1 > FILE_BUF) {
		if ((big = malloc(len + 1)) == NULL) {
			atomic_fetch_add(&k->failed, 1);
			return;
		}
		memcpy(big, line, len);
		big[len] = '\n';
		file_put(k, big, len + 1, 1);
		free(big);
		return;
	}
	memcpy(k->fbuf + k->flen, line, len);
	k->flen += len;
	k->fbuf[k->flen++] = '\n';
	k->flines++;
	atomic_store_explicit(&k->fheld, k->flines, memory_order_relaxed);
}

static int
file_open(struct sink *k, char *err, size_t errlen)
{
	int	 fd;

	fd = open(k->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd == -1) {
		snprintf(err, errlen, "%s: %s", k->path, strerror(errno));
		return -1;
	}
	k->fd = fd;
	return 0;
}

/* ---- the ring: one producer, one consumer ---- */

static void
ring_put(struct sink *k, uint64_t pos, const void *p, size_t n)
{
	size_t	 off = (size_t)(pos % k->cap), first = k->cap - off;

	if (first > n)
		first = n;
	memcpy(k->ring + off, p, first);
	memcpy(k->ring, (const char *)p + first, n - first);
}

static void
ring_get(const struct sink *k, uint64_t pos, void *p, size_t n)
{
	size_t	 off = (size_t)(pos % k->cap), first = k->cap - off;

	if (first > n)
		first = n;
	memcpy(p, k->ring + off, first);
	memcpy((char *)p + first, k->ring, n - first);
}

static uint64_t
sink_settled(struct sink *k)
{
	return atomic_load_explicit(&k->written, memory_order_relaxed) +
	    atomic_load_explicit(&k->failed, memory_order_relaxed);
}

static void
sink_wake(struct sink *k)
{
	uint64_t	 one = 1;

	if (write(k->efd, &one, sizeof(one)) == -1) {
		/* EAGAIN: the counter is full, the sender is awake anyway */
	}
}

/* Producer: copy the line in, or drop it.  Waits only in wait mode. */
static void
ring_push(struct sink *k, const char *line, size_t len, int64_t us)
{
	struct rec	 r = { (uint32_t)len, 0, us };
	size_t		 need = sizeof(r) + len;
	uint64_t	 head, tail, mark;
	int64_t		 since = 0;

	if (len > SINK_LINE_MAX || need > k->cap) {
		atomic_fetch_add(&k->failed, 1);
		atomic_fetch_add(&k->enq, 1);
		return;
	}
	head = atomic_load_explicit(&k->head, memory_order_relaxed);
	for (;;) {
		tail = atomic_load_explicit(&k->tail, memory_order_acquire);
		if (k->cap - (head - tail) >= need)
			break;
		mark = sink_settled(k);
		if (k->stalled && mark != k->stall_mark)
			k->stalled = false;	/* it moves again */
		if ((!k->wait && k->deadline == 0) || k->stalled ||
		    (k->deadline != 0 && clock_mono_ms() >= k->deadline)) {
			atomic_fetch_add_explicit(&k->dropped, 1,
			    memory_order_relaxed);
			return;
		}
		if (since == 0 || mark != k->stall_mark) {
			since = clock_mono_ms();
			k->stall_mark = mark;
		} else if (clock_mono_ms() - since >= k->drain_ms) {
			k->stalled = true;	/* drop until it moves */
			continue;
		}
		sink_wake(k);
		clock_sleep_ms(1);
	}
	ring_put(k, head, &r, sizeof(r));
	ring_put(k, head + sizeof(r), line, len);
	atomic_fetch_add_explicit(&k->enq, 1, memory_order_relaxed);
	/*
	 * seq_cst store, then load: with the sender's store of `sleeping`
	 * and load of `head` (sink_idle), one of the two sees the other.
	 */
	atomic_store(&k->head, head + need);
	if (atomic_load(&k->sleeping) && atomic_exchange(&k->sleeping, 0))
		sink_wake(k);
}

/*
 * Consumer: the next record to send, or false if there is none.  It
 * reads at `sent`; records before it and after `tail` are sent but held
 * (stream sinks), and keep their room in the ring until confirmed.
 */
static bool
ring_peek(struct sink *k, struct rec *r)
{
	if (atomic_load(&k->head) == k->sent)	/* seq_cst: see ring_push */
		return false;
	ring_get(k, k->sent, r, sizeof(*r));
	return true;
}

static void
ring_take(struct sink *k, const struct rec *r, char *out)
{
	ring_get(k, k->sent + sizeof(*r), out, r->len);
	k->sent += sizeof(*r) + r->len;
	if (!k->hold)		/* settled by the caller: free its room now */
		atomic_store_explicit(&k->tail, k->sent, memory_order_release);
}

/* ---- the sender thread ---- */

static uint32_t
sink_jitter(struct sink *k, uint32_t ms)
{
	k->rnd ^= k->rnd << 13;
	k->rnd ^= k->rnd >> 17;
	k->rnd ^= k->rnd << 5;
	return ms - ms / 10 + k->rnd % (ms / 5 + 1);	/* +-10% */
}

static void
sink_drain_efd(struct sink *k)
{
	uint64_t	 v;

	if (read(k->efd, &v, sizeof(v)) == -1) {
		/* EAGAIN: nothing was signalled */
	}
}

/*
 * Sleep until woken (new data, stop) or timeout; with fd, also until fd
 * shows `events`.  Returns the fd's revents.
 */
static short
sink_sleep(struct sink *k, int timeout, int fd, short events)
{
	struct pollfd	 p[2] = { { k->efd, POLLIN, 0 }, { fd, events, 0 } };

	if (poll(p, fd >= 0 ? 2 : 1, timeout) > 0 && (p[0].revents & POLLIN))
		sink_drain_efd(k);
	return fd >= 0 ? p[1].revents : 0;
}

static void
sink_setsockopts(struct sink *k, int fd)
{
	int	 one = 1, v;

	if (k->kind->type != ST_TCP)
		return;
	v = TCP_USER_TIMEOUT_MS;	/* unacknowledged data: give up */
	setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &v, sizeof(v));
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	v = 60;
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &v, sizeof(v));
	v = 10;
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &v, sizeof(v));
	v = 3;
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &v, sizeof(v));
}

/*
 * A host name, looked up again before every connection, in this thread:
 * a name that does not resolve (DNS not up yet at boot, a typo) is a
 * connection that failed, retried with backoff while the queue fills.
 */
static int
sink_lookup(struct sink *k)
{
	struct addrinfo	 hints, *res = NULL;
	int		 rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = k->kind->socktype;
	hints.ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG;
	rc = getaddrinfo(k->rhost, k->rport, &hints, &res);
	if (atomic_load(&k->stop)) {
		if (rc == 0)
			freeaddrinfo(res);
		errno = ETIMEDOUT;
		return -1;
	}
	if (rc != 0 || res == NULL || res->ai_addrlen > sizeof(k->addr)) {
		k->gai_err = rc != 0 ? rc : EAI_FAIL;
		if (res != NULL)
			freeaddrinfo(res);
		errno = 0;
		return -1;
	}
	k->gai_err = 0;
	memcpy(&k->addr, res->ai_addr, res->ai_addrlen);
	k->addrlen = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

/* A connected socket in k->sfd, or -1 with errno. */
static int
sink_connect(struct sink *k)
{
	int64_t		 until;
	int		 fd, e = 0;
	socklen_t	 elen = sizeof(e);
	short		 rev;

	if (k->named && sink_lookup(k) == -1)
		return -1;
	fd = socket(k->addr.ss_family,
	    k->kind->socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	sink_setsockopts(k, fd);
	if (connect(fd, (struct sockaddr *)&k->addr, k->addrlen) == 0)
		goto done;
	if (errno != EINPROGRESS) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	until = clock_mono_ms() + CONNECT_TIMEOUT_MS;
	for (;;) {
		if (atomic_load(&k->stop) || clock_mono_ms() >= until) {
			close(fd);
			errno = ETIMEDOUT;
			return -1;
		}
		rev = sink_sleep(k, (int)(until - clock_mono_ms()), fd, POLLOUT);
		if (rev != 0)
			break;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &elen) == -1 || e != 0) {
		close(fd);
		errno = e != 0 ? e : EIO;
		return -1;
	}
done:
	k->sfd = fd;
	return 0;
}

static void
sink_up(struct sink *k, int64_t now)
{
	k->attempts = 0;
	k->up_since = now;
	if (k->connects++ > 0)
		atomic_fetch_add(&k->reconnects, 1);
	atomic_store(&k->connected, true);
	/*
	 * A datagram peer is "up" once a second passes without a refusal, and
	 * so is a protocol's server, which may refuse after the connect
	 * (Redis's AUTH): a refused login is not logged as a reconnect.
	 */
	k->up_pending = k->down_logged;
	k->up_log_at = k->kind->socktype == SOCK_STREAM &&
	    k->proto == NULL ? now : now + UP_CONFIRM_MS;
}

static void
sink_up_log(struct sink *k, int64_t now)
{
	uint64_t	 d = atomic_load(&k->dropped);

	if (!k->up_pending || now < k->up_log_at)
		return;
	log_info("event sink %s: %s%s after %llds; %llu events dropped "
	    "meanwhile", k->name, k->kind->socktype == SOCK_STREAM ?
	    "connected" : "delivering", k->connects > 1 ? " again" : "",
	    (long long)(now - k->down_since) / 1000,
	    (unsigned long long)(d - k->dropped_at_down));
	k->up_pending = false;
	k->down_logged = false;
	k->dropped_seen = d;
	k->last_drop_log = now;
}

/* A connect or send failed: close, schedule the next attempt, log. */
static const char *
sink_why(const struct sink *k, int e)
{
	if (k->gai_err != 0)
		return gai_strerror(k->gai_err);
	return e == 0 ? "closed by the collector" : strerror(e);
}

static void
sink_down(struct sink *k, int e, int64_t now, bool was_up)
{
	if (k->sfd != -1) {
		close(k->sfd);
		k->sfd = -1;
	}
	atomic_store(&k->connected, false);
	/*
	 * A connection that had been up a while, or on which the collector
	 * acknowledged storing lines (it works: a restart, not a collector
	 * that fails), starts the backoff afresh, but never retries at once:
	 * a collector that closed it may be stopping, its listener still
	 * open, and a new connection there would take lines only to be reset
	 * (SINK_BACKOFF_MIN_MS first).
	 */
	if (was_up && (now - k->up_since >= STABLE_MS ||
	    (k->amode == AM_ACK && k->alast > 0)))
		k->backoff = SINK_BACKOFF_MIN_MS;
	k->next_try = now + sink_jitter(k, k->backoff);
	k->backoff = k->backoff * 2 > SINK_BACKOFF_MAX_MS ?
	    SINK_BACKOFF_MAX_MS : k->backoff * 2;
	k->attempts++;
	if (k->up_pending) {
		/* it never really came back */
		k->up_pending = false;
		k->down_logged = true;
	}
	if (!k->down_logged) {
		k->down_since = now;
		k->dropped_at_down = atomic_load(&k->dropped);
		log_warnx("event sink %s: %s: %s; queuing up to %zu bytes, "
		    "retrying with backoff", k->name, was_up ? "lost" :
		    k->gai_err != 0 ? "cannot resolve its host" :
		    "cannot connect", sink_why(k, e), k->cap);
		k->down_logged = true;
		k->last_log = now;
	} else if (now - k->last_log >= SINK_LOG_EVERY_S * 1000) {
		log_warnx("event sink %s: still down after %llds (%s), %llu "
		    "attempts; %llu events dropped so far", k->name,
		    (long long)(now - k->down_since) / 1000, sink_why(k, e),
		    (unsigned long long)k->attempts,
		    (unsigned long long)(atomic_load(&k->dropped) -
		    k->dropped_at_down));
		k->last_log = now;
	}
}

/* Full-queue drops while the sink is up (a slow collector): once a minute. */
static void
sink_drop_log(struct sink *k, int64_t now)
{
	uint64_t	 d = atomic_load(&k->dropped);

	if (d == k->dropped_seen || k->down_logged || k->up_pending)
		return;
	if (k->last_drop_log != 0 &&
	    now - k->last_drop_log < SINK_LOG_EVERY_S * 1000)
		return;
	log_warnx("event sink %s: queue full (%zu bytes): %llu events dropped"
	    "%s", k->name, k->cap, (unsigned long long)(d - k->dropped_seen),
	    k->last_drop_log != 0 ? " since the last report" : "");
	k->dropped_seen = d;
	k->last_drop_log = now;
}

/*
 * Stream sinks hold what they send.  A line handed to the kernel is not
 * yet the collector's: a collector killed, or stopping, loses what it had
 * not read, and so does a listener that closes with connections not yet
 * accepted (the reset).  Until a line is counted written it keeps its
 * room in the ring, and when the connection breaks every line not yet
 * counted is sent again on the next one: the collector may get a line
 * twice, never miss one nfqd counted.
 *
 * A collector that acknowledges (AM_ACK, stream_input) says which lines
 * it has stored: only those count.  From any other collector nothing
 * says so, and a line counts once the collector has had it for
 * SINK_CONFIRM_MS on a connection still up: acknowledged by its host
 * (TCP: SIOCOUTQ, our unacknowledged bytes) or read by it (unix:
 * SIOCOUTQ, what it has not read yet), that long ago.  That is a guess:
 * a collector that falls more than SINK_CONFIRM_MS behind and is then
 * killed loses what its socket held.  Only when such held lines fill
 * half the queue (a small event-buffer at a high rate) is an
 * acknowledged line counted at once, so that holding them does not cost
 * drops.  A connection to a sink whose collector greeted before counts
 * nothing this way for SINK_GREET_WAIT_MS, waiting for its greeting (a
 * collector restarted, and slow to accept).
 */
static void
stream_confirm(struct sink *k, int64_t now)
{
	struct ckpt	*c;
	uint64_t	 acked, lines = 0, pos = 0;
	size_t		 i;
	int		 outq;
	bool		 rush;

	if (k->amode == AM_ACK || k->ck_n == 0 ||
	    ioctl(k->sfd, SIOCOUTQ, &outq) == -1)
		return;
	acked = outq < 0 || (uint64_t)outq >= k->cbytes ? 0 :
	    k->cbytes - (uint64_t)outq;
	for (i = 0; i < k->ck_n; i++) {
		c = &k->ckpt[(k->ck_first + i) % CKPT_MAX];
		if (c->acked != 0)
			continue;
		if (c->bytes > acked)
			break;
		c->acked = now;
	}
	if (k->amode == AM_UNKNOWN && k->ack_seen) {
		if (now - k->up_since < SINK_GREET_WAIT_MS)
			return;		/* its greeting may yet come */
		if (!k->greet_late_logged)
			log_warnx("event sink %s: no greeting from the "
			    "collector in %d s: counting lines %d ms after "
			    "it has them, unacknowledged", k->name,
			    SINK_GREET_WAIT_MS / 1000, SINK_CONFIRM_MS);
		k->greet_late_logged = true;
	}
	/* held lines filling half the queue: acknowledged is enough */
	rush = k->sent - atomic_load_explicit(&k->tail, memory_order_relaxed) >
	    k->cap / 2;
	while (k->ck_n > 0) {
		c = &k->ckpt[k->ck_first];
		if (c->acked == 0 || (!rush && now - c->acked < SINK_CONFIRM_MS))
			break;
		pos = c->pos;
		lines += c->lines;
		k->ck_first = (k->ck_first + 1) % CKPT_MAX;
		k->ck_n--;
	}
	if (lines > 0) {
		atomic_store_explicit(&k->tail, pos, memory_order_release);
		atomic_fetch_add(&k->written, lines);
		k->cdone += lines;
	}
}

/* The first n held lines are the collector's: count them, free their room. */
static int
stream_release(struct sink *k, uint64_t n)
{
	struct rec	 r;
	uint64_t	 pos, i;

	pos = atomic_load_explicit(&k->tail, memory_order_relaxed);
	for (i = 0; i < n; i++) {
		if (pos >= k->sent)	/* never: csent bounds n */
			return -1;
		ring_get(k, pos, &r, sizeof(r));
		pos += sizeof(r) + r.len;
	}
	if (pos > k->sent)
		return -1;
	atomic_store_explicit(&k->tail, pos, memory_order_release);
	atomic_fetch_add(&k->written, n);
	k->cdone += n;
	return 0;
}

/* The collector broke the protocol: an error of this connection. */
static int
stream_bad(struct sink *k, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
stream_bad(struct sink *k, const char *fmt, ...)
{
	va_list	 ap;
	char	 why[160];
	int64_t	 now = clock_mono_ms();

	if (k->proto_log == 0 || now - k->proto_log >= SINK_LOG_EVERY_S * 1000) {
		va_start(ap, fmt);
		vsnprintf(why, sizeof(why), fmt, ap);
		va_end(ap);
		log_warnx("event sink %s: the collector broke the "
		    "acknowledgement protocol: %s; closing the connection, "
		    "what it has not acknowledged is sent again", k->name, why);
		k->proto_log = now;
	}
	errno = EPROTO;
	return -1;
}

/* Decimal digits p[0..n) into v, at most 20 and no overflow. */
static bool
ack_number(const char *p, size_t n, uint64_t *v)
{
	uint64_t	 x = 0;

	if (n == 0 || n > 20)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9' ||
		    x > (UINT64_MAX - (uint64_t)(p[i] - '0')) / 10)
			return false;
		x = x * 10 + (uint64_t)(p[i] - '0');
	}
	*v = x;
	return true;
}

/*
 * One line from the collector, without its newline.  The first one
 * decides: "nfqd-ack 1" (or "nfqd-ack 1 " and anything) switches the
 * connection to acknowledged mode; anything else leaves it plain, its
 * input ignored, as from a collector that does not know the protocol.
 * In acknowledged mode every line is "ok N": N lines of this connection
 * stored, never fewer than the last count, never more than were sent.
 */
static int
stream_line(struct sink *k, const char *p, size_t n)
{
	const size_t	 pl = sizeof(SINK_ACK_PROTO) - 1;
	const char	*e;
	uint64_t	 v;

	if (n > 0 && p[n - 1] == '\r')
		n--;
	if (k->amode == AM_UNKNOWN) {
		if (n <= pl || memcmp(p, SINK_ACK_PROTO " ", pl + 1) != 0) {
			k->amode = AM_PLAIN;
			return 0;
		}
		p += pl + 1;
		n -= pl + 1;
		e = memchr(p, ' ', n);
		if (!ack_number(p, e != NULL ? (size_t)(e - p) : n, &v))
			return stream_bad(k, "a bad greeting");
		if (v != SINK_ACK_VERSION) {
			k->amode = AM_PLAIN;
			if (!k->ack_logged)
				log_warnx("event sink %s: the collector speaks "
				    "%s version %llu, nfqd knows %d: counting "
				    "lines %d ms after it has them, "
				    "unacknowledged", k->name, SINK_ACK_PROTO,
				    (unsigned long long)v, SINK_ACK_VERSION,
				    SINK_CONFIRM_MS);
			k->ack_logged = true;
			return 0;
		}
		k->amode = AM_ACK;
		k->ck_first = k->ck_n = 0;	/* its counts decide now */
		k->ack_seen = true;
		if (!k->ack_logged)
			log_info("event sink %s: the collector acknowledges "
			    "what it stores (%s %d): a line counts as written "
			    "once acknowledged", k->name, SINK_ACK_PROTO,
			    SINK_ACK_VERSION);
		k->ack_logged = true;
		return 0;
	}
	if (n < 4 || memcmp(p, "ok ", 3) != 0 || !ack_number(p + 3, n - 3, &v))
		return stream_bad(k, "'%.*s' is not \"ok COUNT\"", (int)n, p);
	if (v < k->alast)
		return stream_bad(k, "its count went back from %llu to %llu",
		    (unsigned long long)k->alast, (unsigned long long)v);
	if (v > k->csent)
		return stream_bad(k, "it acknowledged %llu lines, %llu were "
		    "sent", (unsigned long long)v,
		    (unsigned long long)k->csent);
	k->alast = v;
	if (v > k->cdone && stream_release(k, v - k->cdone) == -1)
		return stream_bad(k, "its count %llu is past the lines held",
		    (unsigned long long)v);
	return 0;
}

/*
 * Read what the collector sent back (never waits): its greeting and
 * acknowledgements.  -1 with errno when the connection is closed (0),
 * broken, or broke the protocol (EPROTO); the lines its last words
 * acknowledged are counted first.
 */
static int
stream_input(struct sink *k)
{
	char		 buf[512];
	const char	*p, *e, *nl;
	ssize_t		 n;
	size_t		 m;

	for (int t = 0; t < INPUT_READS; t++) {
		n = recv(k->sfd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n == 0) {
			errno = 0;		/* closed by the collector */
			return -1;
		}
		if (n == -1)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		if (k->amode == AM_PLAIN)
			continue;		/* a collector that talks */
		for (p = buf, e = buf + n; p < e; p = nl + 1) {
			nl = memchr(p, '\n', (size_t)(e - p));
			m = (size_t)((nl != NULL ? nl : e) - p);
			if (k->alen + m >= SINK_ACK_LINE_MAX) {
				if (k->amode == AM_ACK)
					return stream_bad(k, "a line longer "
					    "than %d bytes", SINK_ACK_LINE_MAX);
				k->amode = AM_PLAIN;
				break;
			}
			memcpy(k->abuf + k->alen, p, m);
			k->alen += m;
			if (nl == NULL)
				break;
			m = k->alen;
			k->alen = 0;
			if (stream_line(k, k->abuf, m) == -1)
				return -1;
			if (k->amode == AM_PLAIN)
				break;
		}
	}
	return 0;
}

/* Lines sent whole up to ring position pos, the connection at bytes. */
static void
stream_ckpt(struct sink *k, uint64_t pos, uint64_t bytes, uint64_t lines)
{
	struct ckpt	*c;

	if (k->ck_n == CKPT_MAX) {	/* join the newest: later, never sooner */
		c = &k->ckpt[(k->ck_first + k->ck_n - 1) % CKPT_MAX];
		c->lines += lines;
	} else {
		c = &k->ckpt[(k->ck_first + k->ck_n++) % CKPT_MAX];
		c->lines = lines;
	}
	c->pos = pos;
	c->bytes = bytes;
	c->acked = 0;
}

/* Wait for data; for a stream, notice the peer closing meanwhile. */
static int
sink_idle(struct sink *k)
{
	struct rec	 r;
	short		 rev;
	bool		 stream = k->kind->socktype == SOCK_STREAM;

	atomic_store(&k->sleeping, 1);
	if (ring_peek(k, &r) || atomic_load(&k->stop)) {
		atomic_store(&k->sleeping, 0);
		return 0;
	}
	/*
	 * Lines held under the 0.2 s rule: look at the kernel's counts again
	 * soon.  A collector's acknowledgements wake us themselves.
	 */
	rev = sink_sleep(k, k->ck_n > 0 ? SINK_CONFIRM_MS / 4 : IDLE_WAKE_MS,
	    stream ? k->sfd : -1, POLLIN);
	atomic_store(&k->sleeping, 0);
	if (rev == 0)
		return 0;
	return stream_input(k);
}

/* Move whole records into the batch, each with its '\n'. */
static void
stream_fill(struct sink *k)
{
	struct rec	 r;

	k->blen = k->boff = 0;
	k->blines = 0;
	k->bpos = k->sent;
	while (ring_peek(k, &r) && k->blen + r.len + 1 <= k->bcap) {
		ring_take(k, &r, k->batch + k->blen);
		k->blen += r.len;
		k->batch[k->blen++] = '\n';
	}
}

/* Send some of the batch; -1 with errno when the connection broke. */
static int
stream_step(struct sink *k)
{
	ssize_t	 n;
	size_t	 nl, i;

	if (stream_input(k) == -1)
		return -1;
	stream_confirm(k, clock_mono_ms());
	if (k->boff == k->blen) {
		stream_fill(k);
		if (k->blen == 0)
			return sink_idle(k);
	}
	n = send(k->sfd, k->batch + k->boff, k->blen - k->boff,
	    MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n == -1) {
		if (errno == EAGAIN || errno == EINTR) {
			sink_sleep(k, k->ck_n > 0 ? SINK_CONFIRM_MS / 4 :
			    IDLE_WAKE_MS, k->sfd, POLLOUT | POLLIN);
			return 0;
		}
		return -1;
	}
	nl = count_nl(k->batch + k->boff, (size_t)n);
	k->boff += (size_t)n;
	k->cbytes += (uint64_t)n;
	if (nl > 0) {
		for (i = k->boff; k->batch[i - 1] != '\n'; i--)
			;
		k->blines += nl;
		k->csent += nl;
		/* a record is its header and line, the line here its '\n' */
		if (k->amode != AM_ACK)
			stream_ckpt(k, k->bpos + i + k->blines *
			    (sizeof(struct rec) - 1), k->cbytes - (k->boff - i),
			    nl);
	}
	return 0;
}

/* After a broken connection: send again all it had not confirmed. */
static void
stream_rewind(struct sink *k)
{
	k->sent = atomic_load_explicit(&k->tail, memory_order_relaxed);
	k->blen = k->boff = 0;
	k->blines = k->cbytes = 0;
	k->ck_first = k->ck_n = 0;
	k->csent = k->cdone = k->alast = 0;
	k->amode = AM_UNKNOWN;
	k->alen = 0;
	k->greet_late_logged = false;
}

/*
 * syslog-rfc5424: "<30>1 2026-09-21T08:05:00.000000Z host nfqd 1234 - - "
 * syslog: what syslog(3) writes to /dev/log, "<30>Sep 21 10:05:00
 * nfqd[1234]: " in local time: journald and rsyslog's default imuxsock
 * parser read it, and neither reads RFC 5424 there.  Facility daemon,
 * severity info.
 */
static size_t
syslog_header(struct sink *k, int64_t us, char *out, size_t len)
{
	time_t		 t = (time_t)(us / 1000000);
	struct tm	 tm;
	char		 ts[TS_STRLEN];
	int		 n;

	if (k->kind->type == ST_SYSLOG) {
		localtime_r(&t, &tm);
		strftime(ts, sizeof(ts), "%b %e %H:%M:%S", &tm);
		n = snprintf(out, len, "<%d>%s nfqd[%ld]: ", 3 * 8 + 6, ts,
		    k->pid);
	} else {
		/* The event's own time, its "+0000" as RFC 5424's "Z". */
		ts_format(us, ts, sizeof(ts));
		n = snprintf(out, len, "<%d>1 %.26sZ %s nfqd %ld - - ",
		    3 * 8 + 6, ts, k->host, k->pid);
	}
	return n < 0 ? 0 : (size_t)n >= len ? len - 1 : (size_t)n;
}

/*
 * UDP cannot know what arrives.  A refusal (ICMP port unreachable, from
 * a collector on a reachable host that is not running) is reported on a
 * later send, which then sends nothing: send that one again.  The sink
 * shows connected=false until two seconds pass without one; the events
 * sent meanwhile are lost and, as UDP cannot tell, counted as written.
 */
static void
udp_refused(struct sink *k, int64_t now)
{
	k->refusals++;
	k->last_refused = now;
	if (atomic_exchange(&k->connected, false) &&
	    now - k->last_log >= SINK_LOG_EVERY_S * 1000) {
		log_warnx("event sink %s: refused (ICMP port unreachable): is "
		    "the collector down? Events sent to it are lost (%llu "
		    "refusals so far)", k->name,
		    (unsigned long long)k->refusals);
		k->last_log = now;
	}
}

static int
dgram_step(struct sink *k)
{
	struct rec	 r;
	ssize_t		 n;
	int64_t		 now;

	if (!k->held) {
		if (!ring_peek(k, &r))
			return sink_idle(k);
		k->blen = k->kind->syslog ?
		    syslog_header(k, r.us, k->batch, SYSLOG_HDR_MAX) : 0;
		ring_take(k, &r, k->batch + k->blen);
		k->blen += r.len;
		k->held = true;
	}
	n = send(k->sfd, k->batch, k->blen, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n >= 0) {
		k->held = false;
		atomic_fetch_add(&k->written, 1);
		if (k->kind->type == ST_UDP && k->last_refused != 0 &&
		    !atomic_load(&k->connected) &&
		    (now = clock_mono_ms()) - k->last_refused >= 2000)
			atomic_store(&k->connected, true);
		return 0;
	}
	if (errno == ECONNREFUSED && k->kind->type == ST_UDP) {
		udp_refused(k, clock_mono_ms());
		return 0;		/* this one was not sent: again */
	}
	switch (errno) {
	case EAGAIN:
	case ENOBUFS:
	case EINTR:
		sink_sleep(k, 10, k->sfd, POLLOUT);
		return 0;
	case EMSGSIZE:
		k->held = false;
		atomic_fetch_add(&k->failed, 1);
		if (clock_mono_ms() - k->last_log >= SINK_LOG_EVERY_S * 1000) {
			log_warnx("event sink %s: a %zu-byte event is too "
			    "large for a datagram, dropped", k->name, k->blen);
			k->last_log = clock_mono_ms();
		}
		return 0;
	}
	return -1;	/* unix: receiver gone; keep it, reconnect */
}

static void *
sink_main(void *arg)
{
	struct sink	*k = arg;
	int64_t		 now;
	int		 rc;

	while (!atomic_load(&k->stop)) {
		now = clock_mono_ms();
		sink_up_log(k, now);
		sink_drop_log(k, now);
		if (k->sfd == -1) {
			if (now < k->next_try) {
				sink_sleep(k, (int)(k->next_try - now), -1, 0);
				continue;
			}
			if (sink_connect(k) == -1) {
				if (!atomic_load(&k->stop))
					sink_down(k, errno, clock_mono_ms(), false);
				continue;
			}
			sink_up(k, clock_mono_ms());
			if (k->proto != NULL)
				k->proto->up(k);
		}
		rc = k->proto != NULL ? k->proto->step(k) :
		    k->kind->socktype == SOCK_STREAM ? stream_step(k) :
		    dgram_step(k);
		if (rc == -1) {
			sink_down(k, errno, clock_mono_ms(), true);
			if (k->proto == NULL &&
			    k->kind->socktype == SOCK_STREAM)
				stream_rewind(k);
		}
	}
	if (k->sfd != -1)
		close(k->sfd);
	k->sfd = -1;
	return NULL;
}

/* ---- opening ---- */

/* The sinks in files of their own, by kind; NULL: this file's. */
static const struct sink_proto *
sink_proto_of(const struct sink_kind *k)
{
	switch (k->type) {
	case ST_REDIS:
		return &sink_redis;
	case ST_KAFKA:
		return &sink_kafka;
	default:
		return NULL;
	}
}

/*
 * sinkspec_check, then what a kind's own part says (redis://'s MODE/KEY,
 * kafka://'s TOPIC and librdkafka properties).
 */
int
sink_spec_check(const char *spec, char *out, size_t outlen,
    const char *confdir, char *err, size_t errlen)
{
	const struct sink_kind	*k;
	const struct sink_proto	*p;
	const char		*rest, *part;
	char			 hp[300], msg[ERRLEN];

	if (sinkspec_check(spec, out, outlen, confdir, err, errlen) == -1)
		return -1;
	if ((k = sinkspec_kind(out, &rest)) == NULL ||
	    (p = sink_proto_of(k)) == NULL)
		return 0;
	if (sinkspec_split(k, rest, hp, sizeof(hp), &part) == -1 ||
	    p->check(part, msg, sizeof(msg)) == -1) {
		snprintf(err, errlen, "bad event sink '%.200s': %s", spec, msg);
		return -1;
	}
	return 0;
}

/*
 * Every sink of c as sink_spec_check sees it: nfqd checks this before it
 * opens them, and nfqd -n; the configuration's reader (conf.c) checked
 * only the grammar.  -1 with "FILE:LINE: bad event sink ...".
 */
int
sinks_check_specs(const struct conf *c, char *err, size_t errlen)
{
	char	 out[MAX_PATH], msg[ERRLEN];

	for (size_t i = 0; i < c->nevents; i++)
		if (sink_spec_check(c->events[i], out, sizeof(out), NULL, msg,
		    sizeof(msg)) == -1) {
			snprintf(err, errlen, "%s:%u: %s", c->path,
			    c->events_line, msg);
			return -1;
		}
	return 0;
}

bool
sink_spec_named(const char *spec)
{
	char	 host[256], port[8];

	return sinkspec_named(spec, host, sizeof(host), port, sizeof(port));
}

static int
sink_resolve(struct sink *k, const char *rest, char *err, size_t errlen)
{
	struct addrinfo	 hints, *res = NULL;
	struct sockaddr_un *sun;
	char		 host[256], port[8], msg[ERRLEN], hp[300];
	const char	*path;
	int		 rc;

	if (!k->kind->inet) {
		sun = (struct sockaddr_un *)&k->addr;
		sun->sun_family = AF_UNIX;
		if (strlen(k->path) >= sizeof(sun->sun_path)) {
			snprintf(err, errlen, "%s: socket path too long",
			    k->name);
			return -1;
		}
		strcpy(sun->sun_path, k->path);
		k->addrlen = sizeof(*sun);
		return 0;
	}
	snprintf(msg, sizeof(msg), "bad host");
	if (sinkspec_split(k->kind, rest, hp, sizeof(hp), &path) == -1 ||
	    sinkspec_hostport(hp, host, sizeof(host), port, sizeof(port), msg,
	    sizeof(msg)) == -1) {
		snprintf(err, errlen, "event sink %s: %s", k->name, msg);
		return -1;
	}
	/* A sink with a thread (and a resolver) of its own: no address. */
	if (k->proto != NULL && k->proto->run != NULL)
		return k->proto->open(k, hp, path, err, errlen);
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = k->kind->socktype;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0 && rc != EAI_NONAME) {
		snprintf(err, errlen, "event sink %s: %s: %s", k->name, host,
		    gai_strerror(rc));
		return -1;
	}
	if (k->proto != NULL && k->proto->open(k, hp, path, err,
	    errlen) == -1) {
		if (res != NULL)
			freeaddrinfo(res);
		return -1;
	}
	if (rc == EAI_NONAME) {
		/* a name: the sender looks it up, never this thread */
		k->named = true;
		snprintf(k->rhost, sizeof(k->rhost), "%s", host);
		snprintf(k->rport, sizeof(k->rport), "%s", port);
		return 0;
	}
	memcpy(&k->addr, res->ai_addr, res->ai_addrlen);
	k->addrlen = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

/*
 * nfqd -n: look up the sinks' host names now.  One that does not resolve
 * is a warning, never an error: the daemon starts, queues the sink's
 * events and keeps trying (a router may boot before its DNS).  Returns
 * the number of names that did not resolve.
 */
int
sinks_check_names(const struct conf *c)
{
	struct addrinfo	 hints, *res;
	char		 host[256], port[8];
	int		 rc, bad = 0;

	for (size_t i = 0; i < c->nevents; i++) {
		if (!sinkspec_named(c->events[i], host, sizeof(host), port,
		    sizeof(port)))
			continue;
		memset(&hints, 0, sizeof(hints));
		hints.ai_socktype = SOCK_STREAM;
		hints.ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG;
		res = NULL;
		if ((rc = getaddrinfo(host, port, &hints, &res)) == 0) {
			freeaddrinfo(res);
			continue;
		}
		log_warnx("event sink %s: %s does not resolve now (%s); nfqd "
		    "will queue its events and look the name up again, with "
		    "backoff, until it does", c->events[i], host,
		    gai_strerror(rc));
		bad++;
	}
	return bad;
}

static int
sink_start(struct sinks *s, struct sink *k, const char *rest,
    const struct sink_opts *o, char *err, size_t errlen)
{
	sigset_t	 all, old;
	char		 tname[16];
	int		 rc;

	if (sink_resolve(k, rest, err, errlen) == -1)
		return -1;
	k->cap = o->buffer != 0 ? o->buffer : SINK_BUFFER_DEFAULT;
	if (k->cap < sizeof(struct rec) + 1)
		k->cap = SINK_BUFFER_MIN;
	k->bcap = SINK_LINE_MAX + SYSLOG_HDR_MAX > BATCH_MIN ?
	    SINK_LINE_MAX + SYSLOG_HDR_MAX : BATCH_MIN;
	k->wait = o->wait;
	k->drain_ms = o->drain_ms != 0 ? o->drain_ms : o->wait ? 10000 : 1000;
	k->backoff = SINK_BACKOFF_MIN_MS;
	k->rnd = (uint32_t)clock_real_us() ^ (uint32_t)(uintptr_t)k ^ 0x9e3779b9u;
	k->pid = (long)getpid();
	if (gethostname(k->host, sizeof(k->host)) == -1 || k->host[0] == '\0')
		strcpy(k->host, "-");
	k->host[HOST_MAX] = '\0';
	for (char *p = k->host; *p; p++)
		if (*p <= ' ' || *p > '~')
			*p = '_';
	/*
	 * The ring's pages are taken now, not as the first events touch
	 * them: the daemon's memory is what it will be from the start.
	 */
	k->ring = mmap(NULL, k->cap, PROT_READ | PROT_WRITE, MAP_PRIVATE |
	    MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (k->ring == MAP_FAILED) {
		k->ring = NULL;
		snprintf(err, errlen, "event sink %s: out of memory", k->name);
		return -1;
	}
	k->hold = k->proto == NULL && k->kind->socktype == SOCK_STREAM;
	if ((k->batch = malloc(k->bcap)) == NULL || (k->hold &&
	    (k->ckpt = calloc(CKPT_MAX, sizeof(*k->ckpt))) == NULL)) {
		snprintf(err, errlen, "event sink %s: out of memory", k->name);
		return -1;
	}
	if ((k->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1) {
		snprintf(err, errlen, "event sink %s: eventfd: %s", k->name,
		    strerror(errno));
		return -1;
	}
	if (k->kind->syslog) {
		s->need_time = true;
		tzset();		/* localtime_r in the sender */
	}
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);	/* signals: not here */
	rc = pthread_create(&k->thread, NULL, k->proto != NULL &&
	    k->proto->run != NULL ? k->proto->run : sink_main, k);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		snprintf(err, errlen, "event sink %s: cannot start its thread",
		    k->name);
		return -1;
	}
	k->started = true;
	snprintf(tname, sizeof(tname), "nfqd-sink%zu", (size_t)(k - s->v));
	pthread_setname_np(k->thread, tname);
	return 0;
}

struct sinks *
sinks_open_opts(const struct conf *c, const struct sink_opts *o, char *err,
    size_t errlen)
{
	struct sinks	*s;
	struct sink	*k;
	const char	*rest;
	size_t		 i;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	for (i = 0; i < c->nevents && i < MAX_SINKS; i++) {
		k = &s->v[s->n++];
		k->fd = k->sfd = k->efd = -1;
		memcpy(k->name, c->events[i], sizeof(k->name));
		k->name[sizeof(k->name) - 1] = '\0';
		if ((k->kind = sinkspec_kind(k->name, &rest)) == NULL) {
			snprintf(err, errlen, "bad event sink '%.200s'",
			    k->name);
			goto fail;
		}
		k->proto = sink_proto_of(k->kind);
		snprintf(k->path, sizeof(k->path), "%s",
		    k->kind->syslog && *rest == '\0' ? SINK_SYSLOG_PATH : rest);
		atomic_store(&k->connected, k->kind->socktype == 0);
		if (k->kind->socktype != 0) {
			if (sink_start(s, k, rest, o, err, errlen) == -1)
				goto fail;
			continue;
		}
		if ((k->fbuf = malloc(FILE_BUF)) == NULL) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		if (k->kind->type == ST_STDOUT)
			k->fd = STDOUT_FILENO;
		else {
			if (*rest == '\0') {
				snprintf(err, errlen, "event sink %s: no path",
				    k->name);
				goto fail;
			}
			if (file_open(k, err, errlen) == -1)
				goto fail;
			k->own = true;
		}
	}
	return s;
fail:
	sinks_close(s);
	return NULL;
}

struct sinks *
sinks_open(const struct conf *c, char *err, size_t errlen)
{
	struct sink_opts	 o = { 0, false, 0 };

	return sinks_open_opts(c, &o, err, errlen);
}

/* ---- writing ---- */

void
sinks_write(struct sinks *s, const char *line, size_t len)
{
	int64_t	 us = s->need_time ? clock_real_us() : 0;
	size_t	 i;

	for (i = 0; i < s->n; i++) {
		if (s->v[i].kind->socktype == 0)
			file_write(&s->v[i], line, len);
		else
			ring_push(&s->v[i], line, len, us);
	}
}

/* Files: write the buffers out.  Queued sinks send on their own. */
void
sinks_flush(struct sinks *s)
{
	size_t	 i;

	for (i = 0; i < s->n; i++)
		if (s->v[i].kind->socktype == 0 && s->v[i].fd != -1)
			file_flush(&s->v[i]);
}

/* After logrotate moved the files: reopen them under their names. */
void
sinks_reopen(struct sinks *s)
{
	struct sink	*k;
	size_t		 i;
	int		 fd;
	char		 err[ERRLEN];

	for (i = 0; i < s->n; i++) {
		k = &s->v[i];
		if (!k->own)
			continue;
		file_flush(k);
		fd = k->fd;
		if (file_open(k, err, sizeof(err)) == -1) {
			log_warnx("event sink %s: reopen: %s", k->name, err);
			continue;
		}
		close(fd);
		k->fpartial = false;
	}
}

/*
 * Wait until every queued sink has sent what it holds, or has made no
 * progress for ms milliseconds.  Returns the lines still queued.
 */
static uint64_t
sinks_drain_cap(struct sinks *s, uint32_t ms, uint32_t cap_ms)
{
	int64_t		 since[MAX_SINKS], now, start;
	uint64_t	 mark[MAX_SINKS], left, q, m;
	size_t		 i;
	bool		 busy;

	sinks_flush(s);
	start = now = clock_mono_ms();
	for (i = 0; i < s->n; i++) {
		since[i] = now;
		mark[i] = sink_settled(&s->v[i]);
	}
	for (;;) {
		busy = false;
		left = 0;
		now = clock_mono_ms();
		for (i = 0; i < s->n; i++) {
			if (s->v[i].kind->socktype == 0)
				continue;
			m = sink_settled(&s->v[i]);
			q = atomic_load(&s->v[i].enq) - m;
			left += q;
			if (m != mark[i]) {
				mark[i] = m;
				since[i] = now;
			}
			if (q > 0 && now - since[i] < ms)
				busy = true;
		}
		if (!busy || (cap_ms > 0 && now - start >= cap_ms))
			return left;
		clock_sleep_ms(2);
	}
}

uint64_t
sinks_drain(struct sinks *s, uint32_t ms)
{
	return sinks_drain_cap(s, ms, 0);
}

void
sinks_stats(struct sinks *s, struct sink_stat *out, size_t *n)
{
	struct sink	*k;
	size_t		 i;
	uint64_t	 settled;

	for (i = 0; i < s->n && i < *n; i++) {
		k = &s->v[i];
		memcpy(out[i].name, k->name, sizeof(out[i].name));
		out[i].type = k->kind->name;
		out[i].connected = atomic_load(&k->connected);
		out[i].written = atomic_load(&k->written);
		out[i].failed = atomic_load(&k->failed);
		out[i].dropped = atomic_load(&k->dropped);
		out[i].reconnects = atomic_load(&k->reconnects);
		settled = out[i].written + out[i].failed;
		/* files: the lines in the caller's buffer, not yet written */
		out[i].queued = k->kind->socktype == 0 ?
		    atomic_load_explicit(&k->fheld, memory_order_relaxed) :
		    atomic_load(&k->enq) > settled ?
		    atomic_load(&k->enq) - settled : 0;
	}
	*n = i;
}

static void
sink_stop(struct sink *k)
{
	uint64_t	 left;

	struct timespec	 ts;

	if (!k->started)
		return;
	atomic_store(&k->stop, 1);
	sink_wake(k);
	/*
	 * A sender sees the stop within a poll; one inside getaddrinfo (a
	 * DNS server that does not answer) may take many seconds more: it
	 * is left behind, with its memory, so that the stop keeps to its
	 * budget.  Its events are counted as dropped.
	 */
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += SINK_JOIN_MAX_MS / 1000;
	if (k->proto != NULL && k->proto->run != NULL)
		pthread_join(k->thread, NULL);
	else if (pthread_timedjoin_np(k->thread, NULL, &ts) != 0) {
		pthread_detach(k->thread);
		k->abandoned = true;
		log_warnx("event sink %s: its thread is still looking up %s "
		    "at exit; left behind", k->name, k->rhost);
	}
	k->started = false;
	left = atomic_load(&k->enq) - sink_settled(k);	/* held ones too */
	atomic_fetch_add(&k->dropped, left);
	if (atomic_load(&k->dropped) > 0 || atomic_load(&k->failed) > 0 ||
	    k->refusals > 0 || k->connects > 1 || k->down_logged)
		log_warnx("event sink %s: %llu events written, %llu dropped "
		    "(queue full, or undelivered at exit), %llu failed%s",
		    k->name, (unsigned long long)atomic_load(&k->written),
		    (unsigned long long)atomic_load(&k->dropped),
		    (unsigned long long)atomic_load(&k->failed),
		    k->refusals > 0 ? "; the collector refused some (UDP: "
		    "those are lost)" : "");
}

uint64_t
sinks_close(struct sinks *s)
{
	struct sink	*k;
	size_t		 i;
	uint32_t	 ms = 1000, cap;
	int64_t		 left;
	bool		 wait = false, abandoned = false;
	uint64_t	 lost = 0;

	if (s == NULL)
		return 0;
	for (i = 0; i < s->n; i++)
		if (s->v[i].started) {
			ms = s->v[i].drain_ms;
			wait = s->v[i].wait;
		}
	/*
	 * live: a collector that is up gets a few seconds at exit, or what
	 * is left of the stop's budget (sinks_set_deadline).
	 */
	cap = CLOSE_DRAIN_MAX_MS;
	if (s->deadline != 0) {
		left = s->deadline - clock_mono_ms();
		cap = left < SINK_CONFIRM_MS * 2 ? SINK_CONFIRM_MS * 2 :
		    (uint32_t)left;
	}
	sinks_drain_cap(s, ms, wait ? 0 : cap);
	for (i = 0; i < s->n; i++) {
		k = &s->v[i];
		sink_stop(k);
		lost += atomic_load(&k->dropped) + atomic_load(&k->failed);
		if (k->abandoned) {
			abandoned = true;	/* its thread still uses it */
			continue;
		}
		if (k->kind != NULL && k->proto != NULL && k->priv != NULL)
			k->proto->close(k);
		if (k->own && k->fd != -1)
			close(k->fd);
		if (k->efd != -1)
			close(k->efd);
		free(k->fbuf);
		if (k->ring != NULL)
			munmap(k->ring, k->cap);
		free(k->batch);
		free(k->ckpt);
	}
	if (!abandoned)
		free(s);
	return lost;
}

/*
 * The daemon is stopping: from now on a full queue makes sinks_write wait
 * for room, as replay does, until deadline (mono ms), so that the last
 * burst (a flow event for every connection still tracked) is delivered
 * rather than dropped.  A sink that makes no progress for its drain time
 * (1 s) is still given up at once.  sinks_close drains within the same
 * deadline.  Called by the thread that calls sinks_write.
 */
void
sinks_set_deadline(struct sinks *s, int64_t deadline)
{
	s->deadline = deadline;
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].kind->socktype != 0)
			s->v[i].deadline = deadline;
}

/* ---- for sinks in files of their own (sink_ext.h) ---- */

const char *
sink_name(const struct sink *k)
{
	return k->name;
}

size_t
sink_buffer(const struct sink *k)
{
	return k->cap;
}

void *
sink_priv(const struct sink *k)
{
	return k->priv;
}

void
sink_set_priv(struct sink *k, void *p)
{
	k->priv = p;
}

int
sink_fd(const struct sink *k)
{
	return k->sfd;
}

bool
sink_stopping(struct sink *k)
{
	return atomic_load(&k->stop) != 0;
}

/* The next queued line into buf (SINK_LINE_MAX bytes), or false. */
bool
sink_take(struct sink *k, char *buf, size_t *len)
{
	struct rec	 r;

	if (!ring_peek(k, &r))
		return false;
	ring_take(k, &r, buf);
	*len = r.len;
	return true;
}

/*
 * Wait up to ms for fd (-1: none) to show events; with `idle`, also
 * until a line is queued (return at once if one is).  Returns revents.
 */
short
sink_wait(struct sink *k, int ms, int fd, short events, bool idle)
{
	struct rec	 r;
	short		 rev;

	if (!idle)
		return sink_sleep(k, ms, fd, events);
	atomic_store(&k->sleeping, 1);
	if (ring_peek(k, &r) || atomic_load(&k->stop)) {
		atomic_store(&k->sleeping, 0);
		return 0;
	}
	rev = sink_sleep(k, ms, fd, events);
	atomic_store(&k->sleeping, 0);
	return rev;
}

/*
 * Lines taken from the queue are settled: written (delivered), failed
 * (refused by the collector), or dropped (given up: a full or expired
 * queue of the sink's own library).
 */
void
sink_settle(struct sink *k, uint64_t written, uint64_t failed,
    uint64_t dropped)
{
	if (written > 0)
		atomic_fetch_add(&k->written, written);
	if (failed > 0)
		atomic_fetch_add(&k->failed, failed);
	if (dropped > 0) {
		atomic_fetch_sub(&k->enq, dropped);	/* no longer queued */
		atomic_fetch_add(&k->dropped, dropped);
	}
}

void
sink_set_connected(struct sink *k, bool up)
{
	atomic_store(&k->connected, up);
}

/* A run-loop sink's periodic logs: back up, drops while up. */
void
sink_log_tick(struct sink *k)
{
	int64_t	 now = clock_mono_ms();

	sink_up_log(k, now);
	sink_drop_log(k, now);
}

/* A run-loop sink lost or regained its collector: the same logs. */
void
sink_state(struct sink *k, bool up, const char *why)
{
	int64_t	 now = clock_mono_ms();

	if (up) {
		if (!atomic_load(&k->connected) || k->connects == 0)
			sink_up(k, now);
		return;
	}
	if (!atomic_load(&k->connected) && k->down_logged)
		return;
	atomic_store(&k->connected, false);
	if (!k->down_logged) {
		k->down_since = now;
		k->dropped_at_down = atomic_load(&k->dropped);
		log_warnx("event sink %s: %s; queuing up to %zu bytes",
		    k->name, why, k->cap);
		k->down_logged = true;
		k->last_log = now;
	}
}
