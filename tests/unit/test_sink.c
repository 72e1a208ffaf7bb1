/*
 * Event sinks: lines reach the file, and a logrotate reopen after the
 * configuration that named the file is gone (a reload frees it) still
 * writes to the right path.  Network sinks, on loopback and unix sockets
 * in a scratch folder only: the queue is bounded and its drops counted,
 * sinks_write never waits for a dead collector, a TCP sink reconnects
 * and delivers what was queued meanwhile, UDP, unix stream and datagram
 * delivery, the RFC 5424 syslog line, a full disk that does not stop the
 * other sinks, and replay's wait mode.  Fake collectors that speak the
 * acknowledgement protocol (nfqd-ack 1): only what they acknowledge
 * counts, one that stops reading and dies loses nothing counted, one
 * that sends garbage is reconnected to and gets its lines again, one
 * that never acknowledges keeps the 0.2 s rule.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>

#include "util.h"
#include "sink/sink.h"

static char *
slurp(const char *path)
{
	static char	 buf[4096];
	FILE		*f = fopen(path, "r");
	size_t		 n;

	if (f == NULL)
		fail_msg("cannot read %s", path);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static double
now_s(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
pause_ms(long ms)
{
	struct timespec	 ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* One sink from its spec, with options. */
static struct sinks *
open_one(const char *spec, size_t buffer, bool wait, uint32_t drain_ms)
{
	struct conf		*c = calloc(1, sizeof(*c));
	struct sink_opts	 o = { buffer, wait, drain_ms };
	struct sinks		*s;
	char			 err[ERRLEN] = "";

	assert_non_null(c);
	snprintf(c->events[0], sizeof(c->events[0]), "%s", spec);
	c->nevents = 1;
	s = sinks_open_opts(c, &o, err, sizeof(err));
	if (s == NULL)
		fail_msg("sinks_open_opts %s: %s", spec, err);
	free(c);
	return s;
}

static struct sink_stat
stat_of(struct sinks *s, size_t i)
{
	struct sink_stat	 v[MAX_SINKS];
	size_t			 n = MAX_SINKS;

	sinks_stats(s, v, &n);
	assert_true(i < n);
	return v[i];
}

/* ---- loopback peers ---- */

static int
tcp_listen(uint16_t *port, int backlog)
{
	struct sockaddr_in	 sin;
	socklen_t		 sl = sizeof(sin);
	int			 fd, one = 1;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(*port);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		fail_msg("bind 127.0.0.1:%u: %s", *port, strerror(errno));
	assert_int_equal(listen(fd, backlog), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &sl), 0);
	*port = ntohs(sin.sin_port);
	return fd;
}

static int
accept_within(int lfd, int ms)
{
	struct pollfd	 p = { lfd, POLLIN, 0 };

	if (poll(&p, 1, ms) != 1)
		fail_msg("no connection within %d ms", ms);
	return accept(lfd, NULL, NULL);
}

static int
dgram_bind(int af, const char *path, uint16_t *port)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sl;
	int			 fd;

	memset(&ss, 0, sizeof(ss));
	fd = socket(af, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	if (af == AF_UNIX) {
		struct sockaddr_un *sun = (struct sockaddr_un *)&ss;

		sun->sun_family = AF_UNIX;
		snprintf(sun->sun_path, sizeof(sun->sun_path), "%s", path);
		sl = sizeof(*sun);
	} else if (af == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sl = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = in6addr_loopback;
		sl = sizeof(*sin6);
	}
	if (bind(fd, (struct sockaddr *)&ss, sl) == -1) {
		close(fd);
		return -1;
	}
	if (port != NULL) {
		sl = sizeof(ss);
		getsockname(fd, (struct sockaddr *)&ss, &sl);
		*port = ntohs(af == AF_INET ?
		    ((struct sockaddr_in *)&ss)->sin_port :
		    ((struct sockaddr_in6 *)&ss)->sin6_port);
	}
	return fd;
}

/* One datagram, or "" after ms. */
static char *
recv_within(int fd, int ms)
{
	static char	 buf[70000];
	struct pollfd	 p = { fd, POLLIN, 0 };
	ssize_t		 n;

	buf[0] = '\0';
	if (poll(&p, 1, ms) != 1)
		return buf;
	n = recv(fd, buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

/* Read from a stream until `lines` newlines came, or ms passed. */
static size_t
read_lines(int fd, size_t lines, int ms, char *out, size_t outlen)
{
	double		 until = now_s() + ms / 1000.0;
	size_t		 len = 0, nl = 0;
	ssize_t		 n;
	char		 buf[65536];
	struct pollfd	 p = { fd, POLLIN, 0 };

	while (nl < lines && now_s() < until) {
		if (poll(&p, 1, 50) != 1)
			continue;
		if ((n = read(fd, buf, sizeof(buf))) <= 0)
			break;
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] == '\n')
				nl++;
			if (out != NULL && len + 1 < outlen)
				out[len++] = buf[i];
		}
	}
	if (out != NULL)
		out[len] = '\0';
	return nl;
}

/* Wait until the sink has settled `n` lines (written or failed). */
static void
settle(struct sinks *s, size_t i, uint64_t n, int ms)
{
	double			 until = now_s() + ms / 1000.0;
	struct sink_stat	 st;

	do {
		st = stat_of(s, i);
		if (st.written + st.failed >= n)
			return;
		pause_ms(5);
	} while (now_s() < until);
	fail_msg("%s: %llu written, %llu failed, wanted %llu", st.name,
	    (unsigned long long)st.written, (unsigned long long)st.failed,
	    (unsigned long long)n);
}

/* ---- file and stdout ---- */

static void
test_file_sink_survives_conf_free_and_reopen(void **state UNUSED)
{
	struct tmpdir	 d;
	struct conf	*c;
	struct sinks	*s;
	char		 path[MAX_PATH], rotated[MAX_PATH], err[ERRLEN];

	tmpdir_new(&d);
	tmpdir_file(&d, "eve.json", path);
	tmpdir_file(&d, "eve.json.1", rotated);
	c = calloc(1, sizeof(*c));
	assert_non_null(c);
	snprintf(c->events[0], sizeof(c->events[0]), "file:%.1000s", path);
	c->nevents = 1;
	s = sinks_open(c, err, sizeof(err));
	assert_non_null(s);
	/* what a reload does to the old configuration */
	memset(c, 0x5a, sizeof(*c));
	free(c);

	sinks_write(s, "{\"a\":1}", 7);
	sinks_flush(s);
	assert_int_equal(rename(path, rotated), 0);	/* logrotate */
	sinks_reopen(s);
	sinks_write(s, "{\"b\":2}", 7);
	sinks_close(s);
	assert_string_equal(slurp(rotated), "{\"a\":1}\n");
	assert_string_equal(slurp(path), "{\"b\":2}\n");
	tmpdir_rm(&d);
}

/*
 * A file sink's buffered lines are its `queued` (lines waiting), so that
 * written + failed + dropped + queued is every line offered at any time.
 */
static void
test_file_sink_buffered_lines_are_queued(void **state UNUSED)
{
	struct tmpdir		 d;
	struct sinks		*s;
	struct sink_stat	 st;
	char			 path[MAX_PATH], spec[MAX_PATH + 8];

	tmpdir_new(&d);
	tmpdir_file(&d, "eve.json", path);
	snprintf(spec, sizeof(spec), "file:%s", path);
	s = open_one(spec, 0, false, 0);
	sinks_write(s, "{\"a\":1}", 7);
	sinks_write(s, "{\"b\":2}", 7);
	sinks_write(s, "{\"c\":3}", 7);
	st = stat_of(s, 0);
	assert_int_equal(st.written + st.failed + st.dropped + st.queued, 3);
	assert_int_equal(st.queued, 3);
	sinks_flush(s);
	st = stat_of(s, 0);
	assert_int_equal(st.written, 3);
	assert_int_equal(st.queued, 0);
	sinks_close(s);
	tmpdir_rm(&d);
}

static void
test_unwritable_sink_is_an_error(void **state UNUSED)
{
	struct conf	 c;
	char		 err[ERRLEN] = "";

	memset(&c, 0, sizeof(c));
	snprintf(c.events[0], sizeof(c.events[0]),
	    "file:/nonexistent-nfqd-dir/eve.json");
	c.nevents = 1;
	assert_null(sinks_open(&c, err, sizeof(err)));
	assert_contains(err, "/nonexistent-nfqd-dir/eve.json");
}

/* A full disk fails the file sink, counted, and the others go on. */
static void
test_full_disk_counted_others_continue(void **state UNUSED)
{
	struct tmpdir		 d;
	struct conf		*c = calloc(1, sizeof(*c));
	struct sinks		*s;
	struct sink_stat	 f, u;
	char			 sock[MAX_PATH], err[ERRLEN];
	int			 fd, i;

	assert_non_null(c);
	tmpdir_new(&d);
	tmpdir_file(&d, "d.sock", sock);
	fd = dgram_bind(AF_UNIX, sock, NULL);
	assert_true(fd >= 0);
	snprintf(c->events[0], sizeof(c->events[0]), "file:/dev/full");
	snprintf(c->events[1], sizeof(c->events[1]), "unix-dgram:%.900s",
	    sock);
	c->nevents = 2;
	s = sinks_open(c, err, sizeof(err));
	if (s == NULL)
		fail_msg("%s", err);
	for (i = 0; i < 10; i++) {
		sinks_write(s, "{\"n\":1}", 7);
		sinks_flush(s);
	}
	settle(s, 1, 10, 2000);
	f = stat_of(s, 0);
	u = stat_of(s, 1);
	assert_int_equal(f.failed, 10);
	assert_int_equal(f.written, 0);
	assert_false(f.connected);
	assert_string_equal(f.type, "file");
	assert_int_equal(u.written, 10);
	assert_string_equal(recv_within(fd, 1000), "{\"n\":1}");
	sinks_close(s);
	close(fd);
	free(c);
	tmpdir_rm(&d);
}

/* ---- specs ---- */

static void
test_spec_check(void **state UNUSED)
{
	static const struct {
		const char	*in, *out;	/* out NULL: an error */
	} cases[] = {
		{ "stdout",			"stdout" },
		{ "file:eve.json",		"file:/etc/nfqd/eve.json" },
		{ "file:/var/log/nfqd/eve.json", "file:/var/log/nfqd/eve.json" },
		{ "udp://10.0.0.5:5514",	"udp://10.0.0.5:5514" },
		{ "tcp://[2001:db8::5]:6514",	"tcp://[2001:db8::5]:6514" },
		{ "tcp://collector.example:0601", "tcp://collector.example:601" },
		{ "unix:/run/nfqd/c.sock",	"unix:/run/nfqd/c.sock" },
		{ "unix-dgram:c.sock",		"unix-dgram:/etc/nfqd/c.sock" },
		{ "syslog",			"syslog" },
		{ "syslog:/run/rsyslog/nfqd.sock", "syslog:/run/rsyslog/nfqd.sock" },
		{ "syslog-rfc5424",		"syslog-rfc5424" },
		{ "syslog-rfc5424:nfqd.sock",	"syslog-rfc5424:/etc/nfqd/nfqd.sock" },
		{ "syslog-rfc5424x",		NULL },
		{ "syslog-rfc5424:",		NULL },
		{ "file:",			NULL },
		{ "tcp://10.0.0.5",		NULL },
		{ "tcp://10.0.0.5:0",		NULL },
		{ "tcp://10.0.0.5:65536",	NULL },
		{ "udp://2001:db8::5:514",	NULL },
		{ "udp://[10.0.0.5]:514",	NULL },
		{ "tcp://:514",			NULL },
		{ "tcp://a b:514",		NULL },
		{ "http://10.0.0.5:80",		NULL },
		{ "stdoutx",			NULL },
		{ "syslogx",			NULL },
		{ "syslog:",			NULL },
		{ "unix:",			NULL },
		{ "unix:/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",  NULL },
		/* sink_redis.c, sink_kafka.c: HOST:PORT, then their part */
		{ "redis://127.0.0.1:06379",	"redis://127.0.0.1:6379" },
		{ "redis://[::1]:6379/list/nfqd", "redis://[::1]:6379/list/nfqd" },
		{ "redis://r.example:6379/stream/eve", "redis://r.example:6379/stream/eve" },
		{ "redis://127.0.0.1:6379/channel/a:b", "redis://127.0.0.1:6379/channel/a:b" },
		{ "redis://127.0.0.1:6379/",	NULL },
		{ "redis://127.0.0.1:6379/list",	NULL },
		{ "redis://127.0.0.1:6379/list/",	NULL },
		{ "redis://127.0.0.1:6379/hset/k",	NULL },
		{ "redis://127.0.0.1/list/k",	NULL },
		{ "redis://127.0.0.1:6379/list/a b", NULL },
		{ "kafka://k1.example:9092/nfqd", "kafka://k1.example:9092/nfqd" },
		{ "kafka://[::1]:9092/nfqd?acks=all&linger.ms=50",
		  "kafka://[::1]:9092/nfqd?acks=all&linger.ms=50" },
		{ "kafka://127.0.0.1:9092",	NULL },
		{ "kafka://127.0.0.1:9092/",	NULL },
		{ "kafka://127.0.0.1:9092/a/b",	NULL },
		{ "kafka://127.0.0.1:9092/t?acks", NULL },
		{ "kafka://127.0.0.1:9092/t?linger.ms=x", NULL },
		{ "kafka://127.0.0.1:9092/t?bogus.key=1", NULL },
		{ "kafka://127.0.0.1/t",	NULL },
	};
	char	 out[MAX_PATH], err[ERRLEN];

	for (size_t i = 0; i < NELEM(cases); i++) {
		int rc = sink_spec_check(cases[i].in, out, sizeof(out),
		    "/etc/nfqd", err, sizeof(err));

		if (cases[i].out == NULL) {
			if (rc != -1)
				fail_msg("'%s' accepted as '%s'", cases[i].in,
				    out);
			assert_contains(err, "event sink");
		} else {
			if (rc != 0)
				fail_msg("'%s' refused: %s", cases[i].in, err);
			assert_string_equal(out, cases[i].out);
		}
	}
	assert_int_equal(sink_spec_check("file:eve.json", out, sizeof(out),
	    NULL, err, sizeof(err)), 0);
	assert_string_equal(out, "file:eve.json");
	assert_int_equal(sink_spec_check("file:eve.json", out, 16, "/etc/nfqd",
	    err, sizeof(err)), -1);
	assert_string_equal(err, "path too long");
}

static void
test_size_parse(void **state UNUSED)
{
	uint64_t	 n;
	char		 err[ERRLEN];

	assert_int_equal(sinkspec_size("4M", &n, err, sizeof(err)), 0);
	assert_int_equal(n, 4 << 20);
	assert_int_equal(sinkspec_size("65536", &n, err, sizeof(err)), 0);
	assert_int_equal(n, 65536);
	assert_int_equal(sinkspec_size("1g", &n, err, sizeof(err)), 0);
	assert_int_equal(n, 1 << 30);
	assert_int_equal(sinkspec_size("1k", &n, err, sizeof(err)), -1);
	assert_int_equal(sinkspec_size("2G", &n, err, sizeof(err)), -1);
	assert_int_equal(sinkspec_size("-1M", &n, err, sizeof(err)), -1);
	assert_int_equal(sinkspec_size("4MB", &n, err, sizeof(err)), -1);
	assert_contains(err, "bad size");
}

/* ---- the queue ---- */

/* A peer that accepts and never reads: the queue stays bounded. */
static void
test_queue_bound_and_drops(void **state UNUSED)
{
	struct sinks		*s;
	struct sink_stat	 st;
	char			 spec[64], line[1000];
	uint16_t		 port = 0;
	int			 lfd, cfd, i, n = 20000;
	size_t			 buffer = 64 << 10;

	lfd = tcp_listen(&port, 16);
	snprintf(spec, sizeof(spec), "tcp://127.0.0.1:%u", port);
	s = open_one(spec, buffer, false, 100);
	cfd = accept_within(lfd, 3000);
	assert_true(cfd >= 0);
	memset(line, 'x', sizeof(line));
	for (i = 0; i < n; i++)
		sinks_write(s, line, sizeof(line));
	pause_ms(300);
	st = stat_of(s, 0);
	/* every line is written, queued, failed or counted as dropped */
	assert_int_equal(st.written + st.queued + st.failed + st.dropped, n);
	assert_true(st.dropped > 0);
	assert_int_equal(st.failed, 0);
	/* queued: what the ring holds, plus one batch being sent */
	assert_true(st.queued <= buffer / (sizeof(line) + 16) +
	    (SINK_LINE_MAX + 256) / (sizeof(line) + 1) + 1);
	assert_true(st.connected);
	sinks_close(s);
	close(cfd);
	close(lfd);
}

/*
 * A blackholed collector: its listen queue is full, so the sink's SYN is
 * never answered.  100,000 writes still take well under a second.
 */
static void
test_write_never_blocks(void **state UNUSED)
{
	struct sinks		*s;
	struct sink_stat	 st;
	struct sockaddr_in	 sin;
	char			 spec[64], line[300];
	uint16_t		 port = 0;
	int			 lfd, fill[4], i;
	double			 t0, dt;

	lfd = tcp_listen(&port, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(port);
	for (i = 0; i < 4; i++) {	/* fill the accept queue */
		fill[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		connect(fill[i], (struct sockaddr *)&sin, sizeof(sin));
	}
	snprintf(spec, sizeof(spec), "tcp://127.0.0.1:%u", port);
	s = open_one(spec, 1 << 20, false, 100);
	memset(line, 'y', sizeof(line));
	t0 = now_s();
	for (i = 0; i < 100000; i++)
		sinks_write(s, line, sizeof(line));
	dt = now_s() - t0;
	print_message("    100000 writes to a blackholed tcp sink: %.1f ms\n",
	    dt * 1000);
	assert_true(dt < 2.0);
	st = stat_of(s, 0);
	assert_false(st.connected);
	assert_true(st.dropped > 0);
	assert_int_equal(st.written, 0);
	assert_int_equal(st.dropped + st.queued, 100000);
	t0 = now_s();
	sinks_close(s);		/* gives up on it in drain_ms */
	assert_true(now_s() - t0 < 2.0);
	for (i = 0; i < 4; i++)
		close(fill[i]);
	close(lfd);
}

/* The collector goes away and comes back: what was queued arrives. */
static void
test_tcp_reconnect(void **state UNUSED)
{
	struct sinks		*s;
	struct sink_stat	 st;
	char			 spec[64], got[4096];
	uint16_t		 port = 0;
	int			 lfd, cfd;

	lfd = tcp_listen(&port, 16);
	snprintf(spec, sizeof(spec), "tcp://127.0.0.1:%u", port);
	s = open_one(spec, 0, false, 0);
	cfd = accept_within(lfd, 3000);
	sinks_write(s, "{\"a\":1}", 7);
	sinks_write(s, "{\"a\":2}", 7);
	assert_int_equal(read_lines(cfd, 2, 2000, got, sizeof(got)), 2);
	assert_string_equal(got, "{\"a\":1}\n{\"a\":2}\n");
	assert_true(stat_of(s, 0).connected);
	settle(s, 0, 2, 2000);	/* held SINK_CONFIRM_MS, then counted */

	close(cfd);		/* the collector stops */
	close(lfd);
	pause_ms(200);
	assert_false(stat_of(s, 0).connected);
	sinks_write(s, "{\"b\":1}", 7);	/* queued while it is down */
	sinks_write(s, "{\"b\":2}", 7);
	pause_ms(200);
	lfd = tcp_listen(&port, 16);	/* and starts again */
	cfd = accept_within(lfd, 5000);
	assert_true(cfd >= 0);
	sinks_write(s, "{\"c\":1}", 7);
	assert_int_equal(read_lines(cfd, 3, 3000, got, sizeof(got)), 3);
	assert_string_equal(got, "{\"b\":1}\n{\"b\":2}\n{\"c\":1}\n");
	settle(s, 0, 5, 2000);
	st = stat_of(s, 0);
	assert_true(st.connected);
	assert_int_equal(st.reconnects, 1);
	assert_int_equal(st.written, 5);
	assert_int_equal(st.dropped, 0);
	sinks_close(s);
	close(cfd);
	close(lfd);
}

/*
 * Lines that went out on a connection that died within a moment are
 * sent again: the collector accepted (the kernel did), never read, and
 * closed (a collector killed, or a stopping one's listener reset).  They
 * are not counted as written until a connection held them; the next
 * connection gets all three, once each, in order.
 */
static void
test_tcp_resend_unconfirmed(void **state UNUSED)
{
	struct sinks		*s;
	struct sink_stat	 st;
	uint16_t		 port = 0;
	int			 lfd, cfd;
	char			 spec[64], got[256];

	lfd = tcp_listen(&port, 16);
	snprintf(spec, sizeof(spec), "tcp://127.0.0.1:%u", port);
	s = open_one(spec, 0, false, 0);
	cfd = accept_within(lfd, 3000);
	sinks_write(s, "{\"a\":1}", 7);
	sinks_write(s, "{\"a\":2}", 7);
	sinks_write(s, "{\"a\":3}", 7);
	pause_ms(SINK_CONFIRM_MS / 4);	/* sent and acknowledged, unread */
	st = stat_of(s, 0);
	assert_int_equal(st.written, 0);
	assert_int_equal(st.queued, 3);
	close(cfd);			/* unread data: a reset */
	close(lfd);
	pause_ms(100);
	st = stat_of(s, 0);
	assert_int_equal(st.written, 0);
	assert_int_equal(st.queued, 3);
	lfd = tcp_listen(&port, 16);
	cfd = accept_within(lfd, 5000);
	assert_true(cfd >= 0);
	assert_int_equal(read_lines(cfd, 3, 3000, got, sizeof(got)), 3);
	assert_string_equal(got, "{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n");
	settle(s, 0, 3, 2000);
	st = stat_of(s, 0);
	assert_int_equal(st.written, 3);
	assert_int_equal(st.dropped, 0);
	assert_int_equal(st.queued, 0);
	sinks_close(s);
	close(cfd);
	close(lfd);
}

/*
 * The live daemon's stop: past sinks_set_deadline a full queue waits for
 * room while the collector reads, so a burst larger than the queue is
 * delivered whole; without it, most of the burst is dropped.
 */
struct reader {
	int		 fd;
	size_t		 lines;
};

static void *
reader_main(void *arg)
{
	struct reader	*r = arg;

	r->lines = read_lines(r->fd, 2000, 15000, NULL, 0);
	return NULL;
}

static void
test_stop_deadline_waits_for_room(void **state UNUSED)
{
	struct sinks		*s;
	struct sink_stat	 st;
	struct reader		 r;
	pthread_t		 t;
	uint16_t		 port = 0;
	int			 lfd, i;
	char			 spec[64], line[600];

	lfd = tcp_listen(&port, 16);
	snprintf(spec, sizeof(spec), "tcp://127.0.0.1:%u", port);
	s = open_one(spec, SINK_BUFFER_MIN, false, 0);
	r.fd = accept_within(lfd, 3000);
	assert_int_equal(pthread_create(&t, NULL, reader_main, &r), 0);
	sinks_set_deadline(s, clock_mono_ms() + SINK_EXIT_BUDGET_MS);
	memset(line, 'x', sizeof(line));
	for (i = 0; i < 2000; i++)	/* 1.2 MB through a 64 KiB queue */
		sinks_write(s, line, sizeof(line) - 1);
	pthread_join(t, NULL);
	assert_int_equal(r.lines, 2000);
	settle(s, 0, 2000, 3000);
	st = stat_of(s, 0);
	assert_int_equal(st.written, 2000);
	assert_int_equal(st.dropped, 0);
	sinks_close(s);
	close(r.fd);
	close(lfd);
}

/*
 * A host name that does not resolve is no error: the sink opens, queues,
 * and its thread keeps looking the name up (".invalid" never resolves,
 * RFC 6761), counting what it cannot deliver at the end.
 */
static void
test_unresolved_name_queues(void **state UNUSED)
{
	struct sinks		*s;
	struct sink_stat	 st;

	assert_true(sink_spec_named("tcp://collector.nfqd.invalid:5514"));
	assert_true(sink_spec_named("redis://cache.nfqd.invalid:6379"));
	assert_false(sink_spec_named("tcp://127.0.0.1:5514"));
	assert_false(sink_spec_named("udp://[::1]:5514"));
	assert_false(sink_spec_named("kafka://k.nfqd.invalid:9092/t"));
	s = open_one("tcp://collector.nfqd.invalid:5514", 0, false, 0);
	sinks_write(s, "{}", 2);
	pause_ms(300);
	st = stat_of(s, 0);
	assert_false(st.connected);
	assert_int_equal(st.queued, 1);
	sinks_close(s);
}

static void
test_udp_delivery(void **state UNUSED)
{
	struct sinks	*s;
	char		 spec[64];
	uint16_t	 port = 0;
	int		 fd;

	fd = dgram_bind(AF_INET, NULL, &port);
	assert_true(fd >= 0);
	snprintf(spec, sizeof(spec), "udp://127.0.0.1:%u", port);
	s = open_one(spec, 0, false, 0);
	sinks_write(s, "{\"u\":1}", 7);
	sinks_write(s, "{\"u\":2}", 7);
	assert_string_equal(recv_within(fd, 2000), "{\"u\":1}");
	assert_string_equal(recv_within(fd, 2000), "{\"u\":2}");
	settle(s, 0, 2, 1000);
	assert_string_equal(stat_of(s, 0).type, "udp");
	sinks_close(s);
	close(fd);

	/* IPv6 loopback, where the machine has it */
	if ((fd = dgram_bind(AF_INET6, NULL, &port)) == -1) {
		print_message("    no IPv6 loopback: [::1] not tried\n");
		return;
	}
	snprintf(spec, sizeof(spec), "udp://[::1]:%u", port);
	s = open_one(spec, 0, false, 0);
	sinks_write(s, "{\"v6\":1}", 8);
	assert_string_equal(recv_within(fd, 2000), "{\"v6\":1}");
	sinks_close(s);
	close(fd);
}

/* Nobody on the port: refusals show as connected=false, nothing waits. */
static void
test_udp_refused(void **state UNUSED)
{
	struct sinks		*s;
	struct sink_stat	 st;
	char			 spec[64];
	uint16_t		 port = 0;
	int			 fd, i;

	fd = dgram_bind(AF_INET, NULL, &port);
	close(fd);
	snprintf(spec, sizeof(spec), "udp://127.0.0.1:%u", port);
	s = open_one(spec, 0, false, 0);
	for (i = 0; i < 10; i++)
		sinks_write(s, "{\"r\":1}", 7);
	settle(s, 0, 10, 2000);
	st = stat_of(s, 0);
	assert_false(st.connected);
	assert_int_equal(st.written, 10);	/* UDP cannot tell */
	assert_int_equal(st.dropped + st.failed + st.queued, 0);
	sinks_close(s);
}

static void
test_unix_stream(void **state UNUSED)
{
	struct tmpdir		 d;
	struct sockaddr_un	 sun;
	struct sinks		*s;
	char			 path[MAX_PATH], spec[MAX_PATH + 8], got[256];
	int			 lfd, cfd;

	tmpdir_new(&d);
	tmpdir_file(&d, "c.sock", path);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%.100s", path);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(lfd, 4), 0);
	snprintf(spec, sizeof(spec), "unix:%s", path);
	s = open_one(spec, 0, false, 0);
	cfd = accept_within(lfd, 3000);
	sinks_write(s, "{\"x\":1}", 7);
	sinks_write(s, "{\"x\":2}", 7);
	assert_int_equal(read_lines(cfd, 2, 2000, got, sizeof(got)), 2);
	assert_string_equal(got, "{\"x\":1}\n{\"x\":2}\n");
	assert_string_equal(stat_of(s, 0).type, "unix");
	sinks_close(s);
	close(cfd);
	close(lfd);
	tmpdir_rm(&d);
}

/* A datagram receiver that goes away and comes back. */
static void
test_unix_dgram(void **state UNUSED)
{
	struct tmpdir	 d;
	struct sinks	*s;
	char		 path[MAX_PATH], spec[MAX_PATH + 16];
	int		 fd;

	tmpdir_new(&d);
	tmpdir_file(&d, "d.sock", path);
	fd = dgram_bind(AF_UNIX, path, NULL);
	snprintf(spec, sizeof(spec), "unix-dgram:%s", path);
	s = open_one(spec, 0, false, 0);
	sinks_write(s, "{\"d\":1}", 7);
	assert_string_equal(recv_within(fd, 2000), "{\"d\":1}");
	settle(s, 0, 1, 1000);

	close(fd);		/* the receiver stops */
	unlink(path);
	sinks_write(s, "{\"d\":2}", 7);
	pause_ms(100);
	assert_false(stat_of(s, 0).connected);
	fd = dgram_bind(AF_UNIX, path, NULL);	/* and starts again */
	assert_string_equal(recv_within(fd, 5000), "{\"d\":2}");
	assert_int_equal(stat_of(s, 0).dropped, 0);
	sinks_close(s);
	close(fd);
	tmpdir_rm(&d);
}

/* <30>1 2026-09-21T08:05:00.123456Z HOST nfqd PID - - JSON */
static void
test_syslog_rfc5424_line(void **state UNUSED)
{
	struct tmpdir	 d;
	struct sinks	*s;
	char		 path[MAX_PATH], spec[MAX_PATH + 16], host[64], *m;
	char		 want[128];
	int		 fd;
	long		 pid;

	tmpdir_new(&d);
	tmpdir_file(&d, "log", path);
	fd = dgram_bind(AF_UNIX, path, NULL);
	snprintf(spec, sizeof(spec), "syslog-rfc5424:%s", path);
	s = open_one(spec, 0, false, 0);
	sinks_write(s, "{\"event_type\":\"policy\"}", 23);
	m = recv_within(fd, 2000);
	print_message("    %s\n", m);
	assert_true(strncmp(m, "<30>1 ", 6) == 0);
	/* TIMESTAMP: RFC 3339, UTC, microseconds */
	for (int i = 0; i < 27; i++)
		if (!(i == 4 || i == 7 ? m[6 + i] == '-' :
		    i == 10 ? m[6 + i] == 'T' :
		    i == 13 || i == 16 ? m[6 + i] == ':' :
		    i == 19 ? m[6 + i] == '.' :
		    i == 26 ? m[6 + i] == 'Z' :
		    m[6 + i] >= '0' && m[6 + i] <= '9'))
			fail_msg("bad timestamp at %d: %s", i, m);
	assert_int_equal(m[33], ' ');
	assert_int_equal(sscanf(m + 34, "%63s nfqd %ld - - ", host, &pid), 2);
	assert_int_equal(pid, (long)getpid());
	snprintf(want, sizeof(want), " nfqd %ld - - {\"event_type\":"
	    "\"policy\"}", pid);
	assert_contains(m, want);
	assert_int_equal(strlen(m), (size_t)(strstr(m, want) - m) +
	    strlen(want));
	assert_string_equal(stat_of(s, 0).type, "syslog-rfc5424");
	sinks_close(s);
	close(fd);
	tmpdir_rm(&d);
}

/* What syslog(3) writes: <30>Sep 21 10:05:00 nfqd[PID]: JSON */
static void
test_syslog_local_line(void **state UNUSED)
{
	struct tmpdir	 d;
	struct sinks	*s;
	char		 path[MAX_PATH], spec[MAX_PATH + 16], mon[8], want[64];
	char		*m;
	int		 fd, day, hh, mm, ss, len = 0;

	tmpdir_new(&d);
	tmpdir_file(&d, "log", path);
	fd = dgram_bind(AF_UNIX, path, NULL);
	snprintf(spec, sizeof(spec), "syslog:%s", path);
	s = open_one(spec, 0, false, 0);
	sinks_write(s, "{\"event_type\":\"flow\"}", 21);
	m = recv_within(fd, 2000);
	print_message("    %s\n", m);
	assert_int_equal(sscanf(m, "<30>%3s %d %d:%d:%d %n", mon, &day, &hh,
	    &mm, &ss, &len), 5);
	assert_true(strstr("JanFebMarAprMayJunJulAugSepOctNovDec", mon) !=
	    NULL);
	assert_int_equal(m[4 + 3 + 1 + 2 + 1 + 8], ' ');	/* %e: " 1" */
	snprintf(want, sizeof(want), "nfqd[%ld]: {\"event_type\":\"flow\"}",
	    (long)getpid());
	assert_string_equal(m + len, want);
	assert_string_equal(stat_of(s, 0).type, "syslog");
	sinks_close(s);
	close(fd);
	tmpdir_rm(&d);
}

/* ---- wait mode (replay) ---- */

struct slow_reader {
	int		 fd;
	size_t		 lines;
};

static void *
slow_read(void *arg)
{
	struct slow_reader	*r = arg;
	char			 buf[4096];
	ssize_t			 n;

	while ((n = read(r->fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++)
			r->lines += buf[i] == '\n';
		pause_ms(1);
	}
	return NULL;
}

/* A slow collector and a small queue: replay still delivers everything. */
static void
test_wait_mode_delivers_all(void **state UNUSED)
{
	struct sinks		*s;
	struct sink_stat	 st;
	struct slow_reader	 r = { -1, 0 };
	pthread_t		 t;
	char			 spec[64], line[500];
	uint16_t		 port = 0;
	int			 lfd, rcv = 4096, i, n = 5000;

	lfd = tcp_listen(&port, 16);
	setsockopt(lfd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	snprintf(spec, sizeof(spec), "tcp://127.0.0.1:%u", port);
	s = open_one(spec, 64 << 10, true, 5000);
	r.fd = accept_within(lfd, 3000);
	assert_int_equal(pthread_create(&t, NULL, slow_read, &r), 0);
	memset(line, 'w', sizeof(line));
	for (i = 0; i < n; i++)
		sinks_write(s, line, sizeof(line));
	assert_int_equal(sinks_drain(s, 5000), 0);
	st = stat_of(s, 0);
	assert_int_equal(st.written, n);
	assert_int_equal(st.dropped, 0);
	sinks_close(s);
	shutdown(r.fd, SHUT_WR);
	pthread_join(t, NULL);
	assert_int_equal(r.lines, n);
	close(r.fd);
	close(lfd);
}

/* Wait mode with nobody listening: it gives up, and counts. */
static void
test_wait_mode_gives_up(void **state UNUSED)
{
	struct sinks	*s;
	char		 spec[64], line[100];
	uint16_t	 port = 0;
	int		 lfd, i;
	double		 t0;

	lfd = tcp_listen(&port, 1);
	close(lfd);		/* a port nobody listens on */
	snprintf(spec, sizeof(spec), "tcp://127.0.0.1:%u", port);
	s = open_one(spec, 64 << 10, true, 300);
	memset(line, 'z', sizeof(line));
	t0 = now_s();
	for (i = 0; i < 2000; i++)	/* more than the queue holds */
		sinks_write(s, line, sizeof(line));
	assert_true(now_s() - t0 < 2.0);	/* waited once, not per line */
	assert_true(stat_of(s, 0).dropped > 0);
	assert_int_equal(sinks_drain(s, 300), stat_of(s, 0).queued);
	sinks_close(s);
	assert_true(now_s() - t0 < 3.0);
}

/* A line longer than a sink takes is counted as failed, not queued. */
static void
test_too_long_line(void **state UNUSED)
{
	struct sinks	*s;
	char		*big, spec[64];
	uint16_t	 port = 0;
	int		 fd;

	fd = dgram_bind(AF_INET, NULL, &port);
	snprintf(spec, sizeof(spec), "udp://127.0.0.1:%u", port);
	s = open_one(spec, 0, false, 0);
	big = calloc(1, SINK_LINE_MAX + 2);
	assert_non_null(big);
	memset(big, 'q', SINK_LINE_MAX + 1);
	sinks_write(s, big, SINK_LINE_MAX + 1);
	sinks_write(s, "{}", 2);
	assert_string_equal(recv_within(fd, 2000), "{}");
	settle(s, 0, 2, 1000);
	assert_int_equal(stat_of(s, 0).failed, 1);
	assert_int_equal(stat_of(s, 0).written, 1);
	sinks_close(s);
	free(big);
	close(fd);
}

/* ---- collectors that acknowledge (nfqd-ack 1) ---- */

static void
say_to(int fd, const char *s)
{
	assert_int_equal(write(fd, s, strlen(s)), (ssize_t)strlen(s));
}

static void
greet(int fd)
{
	say_to(fd, SINK_ACK_PROTO " 1 unit-test\n");
}

static void
ack_to(int fd, unsigned n)
{
	char	 b[32];

	snprintf(b, sizeof(b), "ok %u\n", n);
	say_to(fd, b);
}

/* Until `written` is exactly n; fail after ms, or if it goes past n. */
static void
written_is(struct sinks *s, uint64_t n, int ms)
{
	double			 until = now_s() + ms / 1000.0;
	struct sink_stat	 st;

	do {
		st = stat_of(s, 0);
		if (st.written > n)
			break;
		if (st.written == n)
			return;
		pause_ms(5);
	} while (now_s() < until);
	fail_msg("%s: %llu written, wanted %llu", st.name,
	    (unsigned long long)st.written, (unsigned long long)n);
}

/* The sink closes its end within ms: read until EOF or a reset. */
static bool
closed_within(int fd, int ms)
{
	double		 until = now_s() + ms / 1000.0;
	struct pollfd	 p = { fd, POLLIN, 0 };
	char		 buf[4096];
	ssize_t		 n;

	while (now_s() < until) {
		if (poll(&p, 1, 50) != 1)
			continue;
		if ((n = read(fd, buf, sizeof(buf))) <= 0)
			return true;
	}
	return false;
}

/* Bytes the peer sent that fd has not read, once some are there. */
static int
unread_within(int fd, int want, int ms)
{
	double	 until = now_s() + ms / 1000.0;
	int	 n = 0;

	while (now_s() < until) {
		if (ioctl(fd, FIONREAD, &n) == 0 && n >= want)
			break;
		pause_ms(5);
	}
	return n;
}

/*
 * A collector that greets: a line counts as written when it says so and
 * not before, however long it holds the line unacknowledged; a count
 * said twice counts once.
 */
static void
test_ack_counts_only_acknowledged(void **state UNUSED)
{
	struct sinks		*s;
	struct sink_stat	 st;
	char			 spec[64], got[256], line[16];
	uint16_t		 port = 0;
	int			 lfd, cfd, i;

	lfd = tcp_listen(&port, 16);
	snprintf(spec, sizeof(spec), "tcp://127.0.0.1:%u", port);
	s = open_one(spec, 0, false, 0);
	cfd = accept_within(lfd, 3000);
	greet(cfd);
	for (i = 0; i < 5; i++) {
		snprintf(line, sizeof(line), "{\"a\":%d}", i);
		sinks_write(s, line, strlen(line));
	}
	assert_int_equal(read_lines(cfd, 5, 2000, got, sizeof(got)), 5);
	pause_ms(SINK_CONFIRM_MS * 3);	/* the 0.2 s rule would count them */
	st = stat_of(s, 0);
	assert_int_equal(st.written, 0);
	assert_int_equal(st.queued, 5);
	ack_to(cfd, 2);
	written_is(s, 2, 2000);
	assert_int_equal(stat_of(s, 0).queued, 3);
	ack_to(cfd, 2);
	ack_to(cfd, 5);
	written_is(s, 5, 2000);
	st = stat_of(s, 0);
	assert_int_equal(st.queued, 0);
	assert_true(st.connected);
	assert_int_equal(st.reconnects, 0);
	sinks_close(s);
	close(cfd);
	close(lfd);
}

/*
 * The soak's failure, small: the collector acknowledges two lines, then
 * stops reading (SIGSTOP) while a thousand more reach its socket, then
 * dies (kill -9: the kernel discards what it had not read).  Nothing of
 * the thousand counted as written meanwhile, and the next connection
 * gets all of them, once each, in order.
 */
static void
test_ack_stopped_collector_dies(void **state UNUSED)
{
	static char		 got[65536];
	struct sinks		*s;
	struct sink_stat	 st;
	char			 spec[64], line[32], *p;
	uint16_t		 port = 0;
	int			 lfd, cfd, i;

	lfd = tcp_listen(&port, 16);
	snprintf(spec, sizeof(spec), "tcp://127.0.0.1:%u", port);
	s = open_one(spec, 0, false, 0);
	cfd = accept_within(lfd, 3000);
	greet(cfd);
	sinks_write(s, "{\"a\":1}", 7);
	sinks_write(s, "{\"a\":2}", 7);
	assert_int_equal(read_lines(cfd, 2, 2000, NULL, 0), 2);
	ack_to(cfd, 2);
	written_is(s, 2, 2000);
	for (i = 0; i < 1000; i++) {		/* it reads no more */
		snprintf(line, sizeof(line), "{\"n\":%d}", i);
		sinks_write(s, line, strlen(line));
	}
	assert_true(unread_within(cfd, 1000 * 8, 2000) >= 1000 * 8);
	pause_ms(SINK_CONFIRM_MS * 3);
	st = stat_of(s, 0);
	assert_int_equal(st.written, 2);
	assert_int_equal(st.queued, 1000);
	close(cfd);				/* killed: a reset */
	cfd = accept_within(lfd, 5000);
	assert_true(cfd >= 0);
	greet(cfd);
	assert_int_equal(read_lines(cfd, 1000, 5000, got, sizeof(got)), 1000);
	for (i = 0, p = got; i < 1000; i++) {
		snprintf(line, sizeof(line), "{\"n\":%d}\n", i);
		if (strncmp(p, line, strlen(line)) != 0)
			fail_msg("line %d: %.20s, wanted %s", i, p, line);
		p += strlen(line);
	}
	assert_int_equal(stat_of(s, 0).written, 2);
	ack_to(cfd, 1000);
	written_is(s, 1002, 2000);
	st = stat_of(s, 0);
	assert_int_equal(st.dropped, 0);
	assert_int_equal(st.queued, 0);
	assert_int_equal(st.reconnects, 1);
	sinks_close(s);
	close(cfd);
	close(lfd);
}

/*
 * A collector that stops: it acknowledges what it stored, then closes.
 * Closed cleanly, nothing is sent again; closed with two lines it never
 * read (a reset after its last acknowledgement), those two alone are.
 */
static void
test_ack_graceful_close(void **state UNUSED)
{
	struct sinks		*s;
	char			 spec[64], got[256];
	uint16_t		 port = 0;
	int			 lfd, cfd;

	lfd = tcp_listen(&port, 16);
	snprintf(spec, sizeof(spec), "tcp://127.0.0.1:%u", port);
	s = open_one(spec, 0, false, 0);
	cfd = accept_within(lfd, 3000);
	greet(cfd);
	sinks_write(s, "{\"a\":1}", 7);
	sinks_write(s, "{\"a\":2}", 7);
	sinks_write(s, "{\"a\":3}", 7);
	assert_int_equal(read_lines(cfd, 3, 2000, NULL, 0), 3);
	ack_to(cfd, 3);
	shutdown(cfd, SHUT_WR);
	assert_true(closed_within(cfd, 2000));
	close(cfd);
	written_is(s, 3, 2000);

	cfd = accept_within(lfd, 5000);
	greet(cfd);
	sinks_write(s, "{\"b\":1}", 7);
	assert_int_equal(read_lines(cfd, 1, 2000, got, sizeof(got)), 1);
	assert_string_equal(got, "{\"b\":1}\n");	/* nothing again */
	sinks_write(s, "{\"b\":2}", 7);
	sinks_write(s, "{\"b\":3}", 7);
	assert_true(unread_within(cfd, 16, 2000) >= 16);
	ack_to(cfd, 1);
	close(cfd);				/* unread: a reset */
	written_is(s, 4, 2000);

	cfd = accept_within(lfd, 5000);
	greet(cfd);
	assert_int_equal(read_lines(cfd, 2, 2000, got, sizeof(got)), 2);
	assert_string_equal(got, "{\"b\":2}\n{\"b\":3}\n");
	ack_to(cfd, 2);
	written_is(s, 6, 2000);
	assert_int_equal(stat_of(s, 0).dropped, 0);
	sinks_close(s);
	close(cfd);
	close(lfd);
}

/*
 * Whatever a collector that greeted sends that is not "ok COUNT" within
 * the rules closes the connection: nothing it claimed counts, and the
 * next connection gets every line not acknowledged.
 */
static void
test_ack_garbage(void **state UNUSED)
{
	static const struct {
		const char	*greeting;	/* NULL: the good one */
		const char	*says;
		unsigned	 acked;		/* lines it acknowledged first */
	} cases[] = {
		{ NULL, "ok banana\n", 0 },
		{ NULL, "ok 3\n", 0 },		/* two were sent */
		{ NULL, "ok -1\n", 0 },
		{ NULL, "OK 1\n", 0 },
		{ NULL, "ok 1 2\n", 0 },
		{ NULL, "ok 99999999999999999999999\n", 0 },
		{ NULL, "ok 2\nok 1\n", 2 },	/* backwards */
		{ NULL, "nfqd-ack 1\n", 0 },	/* a second greeting */
		{ NULL, "ok 1\0\n", 0 },
		{ NULL, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 0 },
		{ "nfqd-ack one\n", "", 0 },
		{ "nfqd-ack\n", "ok 2\n", 0 },	/* not a greeting: plain */
	};
	struct sinks		*s;
	struct sink_stat	 st;
	char			 spec[64], got[256];
	uint16_t		 port = 0;
	int			 lfd, cfd;
	size_t			 i;

	lfd = tcp_listen(&port, 16);
	snprintf(spec, sizeof(spec), "tcp://127.0.0.1:%u", port);
	for (i = 0; i < NELEM(cases); i++) {
		s = open_one(spec, 0, false, 0);
		cfd = accept_within(lfd, 3000);
		if (cases[i].greeting == NULL)
			greet(cfd);
		else
			say_to(cfd, cases[i].greeting);
		sinks_write(s, "{\"a\":1}", 7);
		sinks_write(s, "{\"a\":2}", 7);
		/* a bad greeting may close it before the lines go out */
		if (read_lines(cfd, 2, 2000, NULL, 0) != 2 &&
		    cases[i].greeting == NULL)
			fail_msg("case %zu: the lines did not come", i);
		/* the says string of case 8 holds a NUL */
		assert_int_equal(write(cfd, cases[i].says, i == 8 ? 6 :
		    strlen(cases[i].says)), i == 8 ? 6 :
		    (ssize_t)strlen(cases[i].says));
		if (i == NELEM(cases) - 1) {
			/* plain: the 0.2 s rule, and its "ok" ignored */
			written_is(s, 2, 2000);
			assert_false(closed_within(cfd, 300));
			sinks_close(s);
			close(cfd);
			continue;
		}
		if (!closed_within(cfd, 2000))
			fail_msg("case %zu: '%s' did not close the connection",
			    i, cases[i].says);
		close(cfd);
		pause_ms(SINK_CONFIRM_MS * 2);
		st = stat_of(s, 0);
		if (st.written != cases[i].acked)
			fail_msg("case %zu: %llu written, %u acknowledged", i,
			    (unsigned long long)st.written, cases[i].acked);
		cfd = accept_within(lfd, 5000);	/* and again */
		greet(cfd);
		if (cases[i].acked == 2) {
			sinks_write(s, "{\"a\":3}", 7);
			assert_int_equal(read_lines(cfd, 1, 2000, got,
			    sizeof(got)), 1);
			assert_string_equal(got, "{\"a\":3}\n");
			ack_to(cfd, 1);
			written_is(s, 3, 2000);
		} else {
			assert_int_equal(read_lines(cfd, 2, 2000, got,
			    sizeof(got)), 2);
			assert_string_equal(got, "{\"a\":1}\n{\"a\":2}\n");
			ack_to(cfd, 2);
			written_is(s, 2, 2000);
		}
		st = stat_of(s, 0);
		assert_int_equal(st.dropped, 0);
		assert_int_equal(st.queued, 0);
		assert_int_equal(st.reconnects, 1);
		sinks_close(s);
		close(cfd);
	}
	close(lfd);
}

/*
 * Collectors that do not acknowledge keep the 0.2 s rule: one that says
 * something else first (a banner), and one that speaks a version this
 * nfqd does not know.  A collector that says nothing is
 * test_tcp_reconnect's.
 */
static void
test_ack_plain_collectors(void **state UNUSED)
{
	static const char	*first[] = { "220 a banner\n", "nfqd-ack 2\n",
				    "nfqd-ack 2 ok 5\n" };
	struct sinks		*s;
	char			 spec[64];
	uint16_t		 port = 0;
	int			 lfd, cfd;
	size_t			 i;
	double			 t0;

	lfd = tcp_listen(&port, 16);
	snprintf(spec, sizeof(spec), "tcp://127.0.0.1:%u", port);
	for (i = 0; i < NELEM(first); i++) {
		s = open_one(spec, 0, false, 0);
		cfd = accept_within(lfd, 3000);
		say_to(cfd, first[i]);
		pause_ms(20);
		t0 = now_s();
		sinks_write(s, "{\"a\":1}", 7);
		sinks_write(s, "{\"a\":2}", 7);
		assert_int_equal(read_lines(cfd, 2, 2000, NULL, 0), 2);
		written_is(s, 2, 3000);
		if (now_s() - t0 < SINK_CONFIRM_MS / 1000.0)
			fail_msg("'%s': counted before %d ms", first[i],
			    SINK_CONFIRM_MS);
		say_to(cfd, "whatever it says later\n");
		assert_false(closed_within(cfd, 100));
		assert_int_equal(stat_of(s, 0).reconnects, 0);
		sinks_close(s);
		close(cfd);
	}
	close(lfd);
}

/*
 * Lines sent before the greeting came stay held until acknowledged; and
 * once a collector has greeted, the next connection (a collector
 * restarted, slow to accept and greet) waits for its greeting rather
 * than count lines by the 0.2 s rule.
 */
static void
test_ack_lines_before_greeting(void **state UNUSED)
{
	struct sinks		*s;
	char			 spec[64];
	uint16_t		 port = 0;
	int			 lfd, cfd;

	lfd = tcp_listen(&port, 16);
	snprintf(spec, sizeof(spec), "tcp://127.0.0.1:%u", port);
	s = open_one(spec, 0, false, 0);
	cfd = accept_within(lfd, 3000);
	sinks_write(s, "{\"a\":1}", 7);
	assert_int_equal(read_lines(cfd, 1, 2000, NULL, 0), 1);
	greet(cfd);			/* within the 0.2 s */
	pause_ms(SINK_CONFIRM_MS * 3);
	assert_int_equal(stat_of(s, 0).written, 0);
	ack_to(cfd, 1);
	written_is(s, 1, 2000);
	shutdown(cfd, SHUT_WR);
	assert_true(closed_within(cfd, 2000));
	close(cfd);

	cfd = accept_within(lfd, 5000);	/* no greeting yet */
	sinks_write(s, "{\"b\":1}", 7);
	sinks_write(s, "{\"b\":2}", 7);
	assert_int_equal(read_lines(cfd, 2, 2000, NULL, 0), 2);
	pause_ms(SINK_CONFIRM_MS * 4);
	assert_int_equal(stat_of(s, 0).written, 1);
	greet(cfd);
	pause_ms(SINK_CONFIRM_MS);
	assert_int_equal(stat_of(s, 0).written, 1);
	ack_to(cfd, 2);
	written_is(s, 3, 2000);
	sinks_close(s);
	close(cfd);
	close(lfd);
}

/*
 * A collector that acknowledged lines and then went away is restarting,
 * not failing: each time the sink is back after the shortest backoff
 * (0.5 s), where one that never acknowledged waits 0.5, 1, 2 s... unless
 * its connection lasted 10 s.
 */
static void
test_ack_restart_short_backoff(void **state UNUSED)
{
	struct sinks		*s;
	char			 spec[64];
	uint16_t		 port = 0;
	int			 lfd, cfd, i;
	double			 t0, gap;

	lfd = tcp_listen(&port, 16);
	snprintf(spec, sizeof(spec), "tcp://127.0.0.1:%u", port);
	s = open_one(spec, 0, false, 0);
	cfd = accept_within(lfd, 3000);
	for (i = 1; i <= 4; i++) {
		greet(cfd);
		sinks_write(s, "{\"a\":1}", 7);
		assert_int_equal(read_lines(cfd, 1, 2000, NULL, 0), 1);
		ack_to(cfd, 1);
		written_is(s, (uint64_t)i, 2000);
		close(cfd);
		t0 = now_s();
		cfd = accept_within(lfd, 5000);
		gap = now_s() - t0;
		if (gap > SINK_BACKOFF_MIN_MS * 2.4 / 1000)
			fail_msg("restart %d: back after %.2f s", i, gap);
	}
	sinks_close(s);
	close(cfd);
	close(lfd);
}

/* The same protocol on a unix stream socket. */
static void
test_ack_unix_stream(void **state UNUSED)
{
	struct tmpdir		 d;
	struct sockaddr_un	 sun;
	struct sinks		*s;
	char			 path[MAX_PATH], spec[MAX_PATH + 8];
	int			 lfd, cfd;

	tmpdir_new(&d);
	tmpdir_file(&d, "a.sock", path);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%.100s", path);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(lfd, 4), 0);
	snprintf(spec, sizeof(spec), "unix:%s", path);
	s = open_one(spec, 0, false, 0);
	cfd = accept_within(lfd, 3000);
	greet(cfd);
	sinks_write(s, "{\"x\":1}", 7);
	sinks_write(s, "{\"x\":2}", 7);
	assert_int_equal(read_lines(cfd, 2, 2000, NULL, 0), 2);
	pause_ms(SINK_CONFIRM_MS * 3);
	assert_int_equal(stat_of(s, 0).written, 0);
	ack_to(cfd, 2);
	written_is(s, 2, 2000);
	ack_to(cfd, 3);			/* more than it was sent */
	assert_true(closed_within(cfd, 2000));
	sinks_close(s);
	close(cfd);
	close(lfd);
	tmpdir_rm(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_sink_survives_conf_free_and_reopen),
		cmocka_unit_test(test_file_sink_buffered_lines_are_queued),
		cmocka_unit_test(test_unwritable_sink_is_an_error),
		cmocka_unit_test(test_full_disk_counted_others_continue),
		cmocka_unit_test(test_spec_check),
		cmocka_unit_test(test_size_parse),
		cmocka_unit_test(test_queue_bound_and_drops),
		cmocka_unit_test(test_write_never_blocks),
		cmocka_unit_test(test_tcp_reconnect),
		cmocka_unit_test(test_tcp_resend_unconfirmed),
		cmocka_unit_test(test_stop_deadline_waits_for_room),
		cmocka_unit_test(test_unresolved_name_queues),
		cmocka_unit_test(test_udp_delivery),
		cmocka_unit_test(test_udp_refused),
		cmocka_unit_test(test_unix_stream),
		cmocka_unit_test(test_unix_dgram),
		cmocka_unit_test(test_syslog_rfc5424_line),
		cmocka_unit_test(test_syslog_local_line),
		cmocka_unit_test(test_wait_mode_delivers_all),
		cmocka_unit_test(test_wait_mode_gives_up),
		cmocka_unit_test(test_too_long_line),
		cmocka_unit_test(test_ack_counts_only_acknowledged),
		cmocka_unit_test(test_ack_stopped_collector_dies),
		cmocka_unit_test(test_ack_graceful_close),
		cmocka_unit_test(test_ack_garbage),
		cmocka_unit_test(test_ack_plain_collectors),
		cmocka_unit_test(test_ack_lines_before_greeting),
		cmocka_unit_test(test_ack_restart_short_backoff),
		cmocka_unit_test(test_ack_unix_stream),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
