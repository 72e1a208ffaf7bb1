/*
 * Verdict latency against the state of the event collector: a measurement
 * (tests/sinks/latency.sh builds and runs it), not a pass/fail test.
 *
 * Each packet is a new port-25 connection, so each one is decided and
 * writes a policy event.  The time taken is engine_packet() with the event
 * formatted and handed to sinks_write() in the same thread, before the
 * verdict returns: stricter than the live daemon, whose workers only push
 * the event into a ring for the writer thread.  Sinks, all on loopback:
 *
 *	stdout		fd 1 on /dev/null (the baseline)
 *	tcp-reading	a collector that reads everything
 *	tcp-blackhole	a listener whose accept queue is full: SYNs unanswered
 *	tcp-stuck	a collector that accepted and never reads
 *	tcp-refused	nothing listens: connect refused, backoff
 *	udp-refused	nothing listens: ICMP port unreachable
 *
 *	latency [PACKETS [SPEC...]]	(default 200000 per sink; SPECs
 *				are measured too, e.g. redis://HOST:PORT)
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/nfqd_all.h"
#include "sink/sink.h"

struct run {
	struct sinks	*sinks;
	char		 buf[65536];
};

static int64_t
now_ns(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void
emit(void *arg, const struct event *cev)
{
	struct run	*r = arg;
	struct event	 ev = *cev;
	int		 n;

	n = event_format(&ev, r->buf, sizeof(r->buf));
	event_release(&ev);
	if (n > 0)
		sinks_write(r->sinks, r->buf, (size_t)n);
}

/*
 * A TCP SYN to campus 10.20.0.25:25, raw IPv4, each from its own address
 * in 100.64.0.0/10 (one connection per source: flood control, which
 * folds a source's repeated attempts into one summary, stays out of it).
 */
static size_t
syn(uint8_t *p, uint32_t i)
{
	memset(p, 0, 40);
	p[0] = 0x45;
	p[3] = 40;
	p[8] = 64;
	p[9] = 6;
	p[12] = 100; p[13] = (uint8_t)(64 + ((i >> 16) & 63));
	p[14] = (uint8_t)(i >> 8); p[15] = (uint8_t)i;
	p[16] = 10; p[17] = 20; p[18] = 0; p[19] = 25;
	p[20] = (uint8_t)((1024 + (i & 0xff)) >> 8);
	p[21] = (uint8_t)(1024 + (i & 0xff));
	p[23] = 25;
	p[24] = (uint8_t)(i >> 24); p[27] = (uint8_t)i;	/* seq */
	p[32] = 0x50;
	p[33] = TH_SYN;
	p[34] = 0xff; p[35] = 0xff;
	return 40;
}

static int
cmp64(const void *a, const void *b)
{
	int64_t	 x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static void *
reader(void *arg)
{
	int	 fd = *(int *)arg, c;
	char	 buf[65536];

	if ((c = accept(fd, NULL, NULL)) == -1)
		return NULL;
	while (read(c, buf, sizeof(buf)) > 0)
		;
	close(c);
	return NULL;
}

static int
listener(uint16_t *port, int backlog)
{
	struct sockaddr_in	 sin;
	socklen_t		 sl = sizeof(sin);
	int			 fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(fd, backlog) == -1) {
		perror("listener");
		exit(1);
	}
	getsockname(fd, (struct sockaddr *)&sin, &sl);
	*port = ntohs(sin.sin_port);
	return fd;
}

static void
measure(const char *label, const char *spec, const struct policy *pol,
    uint32_t n)
{
	struct conf		 c;
	struct run		*r = calloc(1, sizeof(*r));
	struct engine		*e;
	struct sink_stat	 st[1];
	int64_t			*t = calloc(n, sizeof(*t)), t0, sum = 0;
	uint8_t			 pkt[64];
	size_t			 len, ns = 1;
	uint32_t		 i;
	char			 err[ERRLEN];
	cpu_set_t		 cpus;

	memset(&c, 0, sizeof(c));
	snprintf(c.events[0], sizeof(c.events[0]), "%s", spec);
	c.nevents = 1;
	if (r == NULL || t == NULL ||
	    (r->sinks = sinks_open(&c, err, sizeof(err))) == NULL ||
	    (e = engine_new_sized(pol, n + 1024, 1, emit, r)) == NULL) {
		fprintf(stderr, "%s: %s\n", label, err);
		exit(1);
	}
	/* pinned like a live worker; the sink's thread, made before, floats */
	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	pthread_setaffinity_np(pthread_self(), sizeof(cpus), &cpus);
	usleep(100000);		/* let the sender connect, or fail to */
	for (i = 0; i < n; i++) {
		len = syn(pkt, i);
		t0 = now_ns();
		engine_packet(e, pol, LINK_RAW, pkt, (uint32_t)len,
		    (uint32_t)len, &(struct pkt_info){ .ts = 1790000000000000 +
		    (int64_t)i * 10 });
		t[i] = now_ns() - t0;
		sum += t[i];
	}
	sinks_stats(r->sinks, st, &ns);
	qsort(t, n, sizeof(*t), cmp64);
	fprintf(stderr, "%-14s %8.2f %8.2f %8.2f %8.2f %9.1f %9llu %9llu\n",
	    label, sum / (double)n / 1000, t[n / 2] / 1000.0,
	    t[n * 99 / 100] / 1000.0, t[n * 999 / 1000] / 1000.0,
	    t[n - 1] / 1000.0, (unsigned long long)st[0].written,
	    (unsigned long long)st[0].dropped);
	engine_free(e);
	CPU_ZERO(&cpus);	/* the next sink's thread may go anywhere */
	for (i = 0; i < CPU_SETSIZE; i++)
		CPU_SET(i, &cpus);
	pthread_setaffinity_np(pthread_self(), sizeof(cpus), &cpus);
	sinks_close(r->sinks);
	free(t);
	free(r);
}

int
main(int argc, char **argv)
{
	struct policy	*pol;
	pthread_t	 th;
	char		 dir[] = "/tmp/nfqd-latency-XXXXXX", path[256], spec[64];
	char		 err[ERRLEN];
	uint32_t	 n = argc > 1 ? (uint32_t)atoi(argv[1]) : 200000;
	uint16_t	 port;
	pid_t		 pid;
	int		 fd, fill[4], null, i;
	FILE		*f;

	signal(SIGPIPE, SIG_IGN);
	log_init(0, 0);
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/exceptions.conf", dir);
	f = fopen(path, "w");
	fprintf(f, "10.20.1.25 both ticket=NET-1\n");
	fclose(f);
	snprintf(path, sizeof(path), "%s/nfqd.conf", dir);
	f = fopen(path, "w");
	fprintf(f, "internal-networks = 10.20.0.0/16\nexceptions = "
	    "exceptions.conf\nclassify = no\n");
	fclose(f);
	if ((pol = policy_load(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	/* stdout goes to /dev/null: the baseline sink costs a write(2) */
	null = open("/dev/null", O_WRONLY);
	dup2(null, 1);
	fprintf(stderr, "%u new connections per sink, one policy event each; "
	    "microseconds per packet\n", n);
	fprintf(stderr, "%-14s %8s %8s %8s %8s %9s %9s %9s\n", "sink", "mean",
	    "p50", "p99", "p99.9", "max", "written", "dropped");

	measure("stdout", "stdout", pol, n);

	fd = listener(&port, 16);
	pthread_create(&th, NULL, reader, &fd);
	snprintf(spec, sizeof(spec), "tcp://127.0.0.1:%u", port);
	measure("tcp-reading", spec, pol, n);
	pthread_join(th, NULL);
	close(fd);

	fd = listener(&port, 0);
	for (i = 0; i < 4; i++) {	/* fill the accept queue */
		struct sockaddr_in sin = { .sin_family = AF_INET,
		    .sin_port = htons(port),
		    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

		fill[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		connect(fill[i], (struct sockaddr *)&sin, sizeof(sin));
	}
	snprintf(spec, sizeof(spec), "tcp://127.0.0.1:%u", port);
	measure("tcp-blackhole", spec, pol, n);
	for (i = 0; i < 4; i++)
		close(fill[i]);
	close(fd);

	fd = listener(&port, 16);
	snprintf(spec, sizeof(spec), "tcp://127.0.0.1:%u", port);
	if ((pid = fork()) == 0) {	/* accepts, then never reads */
		if (accept(fd, NULL, NULL) != -1)
			pause();
		_exit(0);
	}
	measure("tcp-stuck", spec, pol, n);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(fd);

	fd = listener(&port, 1);
	close(fd);		/* nobody there now */
	snprintf(spec, sizeof(spec), "tcp://127.0.0.1:%u", port);
	measure("tcp-refused", spec, pol, n);
	snprintf(spec, sizeof(spec), "udp://127.0.0.1:%u", port);
	measure("udp-refused", spec, pol, n);
	/* more sinks named after PACKETS: redis://..., kafka://... */
	for (i = 2; i < argc; i++)
		measure(strncmp(argv[i], "redis", 5) == 0 ? "redis" :
		    strncmp(argv[i], "kafka", 5) == 0 ? "kafka" : "extra",
		    argv[i], pol, n);

	policy_free(pol);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	return system(path) == 0 ? 0 : 1;
}
