/*
 * The queued sinks' own threads (sink.c has the rest): each connects,
 * takes lines from its ring and sends them, and reconnects with backoff;
 * a stream sink holds what it sent until the collector acknowledged it
 * (or held it a moment), a datagram sink sends one line per datagram.
 * Also the interface of sinks in files of their own (sink_ext.h).
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
#include "sink/sink_int.h"
#include "base/clock.h"
#include "base/log.h"

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

void *
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
