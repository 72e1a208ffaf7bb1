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
 * is sent again on the next one.  The senders are in sink_send.c.
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
#include "sink/sink_int.h"
#include "base/clock.h"
#include "base/log.h"

/* ---- stdout and file: written by the caller ---- */

size_t
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

void
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
bool
ring_peek(struct sink *k, struct rec *r)
{
	if (atomic_load(&k->head) == k->sent)	/* seq_cst: see ring_push */
		return false;
	ring_get(k, k->sent, r, sizeof(*r));
	return true;
}

void
ring_take(struct sink *k, const struct rec *r, char *out)
{
	ring_get(k, k->sent + sizeof(*r), out, r->len);
	k->sent += sizeof(*r) + r->len;
	if (!k->hold)		/* settled by the caller: free its room now */
		atomic_store_explicit(&k->tail, k->sent, memory_order_release);
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
