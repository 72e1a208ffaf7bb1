/*
 * bench/connlat: connection-setup latency at a steady rate, for
 * bench/live.sh.
 *
 *	connlat -l ADDR [-p PORT]		server: accept and close
 *	connlat -c ADDR [-p PORT] [-r RATE] [-n COUNT] [-w MS]
 *						client
 *
 * The client opens COUNT (default 10,000) TCP connections to ADDR:PORT,
 * RATE per second (default 10,000) on a fixed schedule, each with a
 * non-blocking connect(); a connection's setup time is from connect() to
 * the socket becoming writable (the SYN-ACK has arrived), by
 * CLOCK_MONOTONIC.  Each is then closed with a RST (SO_LINGER 0), so no
 * TIME_WAIT piles up.  One not set up within -w ms (default 1000) counts
 * as failed (not an error: the figures say how many).  Prints count, failures, the rate achieved and p50, p90, p99
 * and the maximum, in microseconds; the line starting "connlat:" is for
 * scripts.  The server accepts and closes at once; it runs until killed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAXFD	65536

static void __attribute__((noreturn))
die(const char *what)
{
	fprintf(stderr, "connlat: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int64_t
now_ns(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t	 x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static int
addr_of(const char *s, uint16_t port, struct sockaddr_storage *ss,
    socklen_t *len)
{
	struct sockaddr_in	*s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, s, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		*len = sizeof(*s4);
		return 0;
	}
	if (inet_pton(AF_INET6, s, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		*len = sizeof(*s6);
		return 0;
	}
	return -1;
}

static void
rst_close(int fd)
{
	struct linger	 l = { 1, 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(fd);
}

static int
server(const struct sockaddr_storage *ss, socklen_t len)
{
	int	 fd, c, one = 1;

	if ((fd = socket(ss->ss_family, SOCK_STREAM, 0)) == -1)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)ss, len) == -1)
		die("bind");
	if (listen(fd, 4096) == -1)
		die("listen");
	printf("connlat: listening\n");
	fflush(stdout);
	for (;;) {
		if ((c = accept(fd, NULL, NULL)) == -1) {
			if (errno == EINTR || errno == ECONNABORTED ||
			    errno == EMFILE || errno == ENFILE)
				continue;
			die("accept");
		}
		close(c);
	}
}

int
main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	struct epoll_event ev, evs[256];
	struct rlimit	 rl = { MAXFD, MAXFD };
	socklen_t	 sslen;
	const char	*addr = NULL;
	int64_t		*lat, *start, t0, t, wait_ns, last_scan = 0;
	unsigned long	 count = 10000, rate = 10000, next = 0, done = 0,
			 ok = 0, failed = 0, inflight = 0;
	uint16_t	 port = 25;
	int		 c, ep, fd, i, n, serve = 0, err;
	socklen_t	 elen;
	long		 wait_ms = 1000;

	while ((c = getopt(argc, argv, "c:l:n:p:r:w:")) != -1)
		switch (c) {
		case 'c': addr = optarg; break;
		case 'l': addr = optarg; serve = 1; break;
		case 'n': count = strtoul(optarg, NULL, 10); break;
		case 'p': port = (uint16_t)atoi(optarg); break;
		case 'r': rate = strtoul(optarg, NULL, 10); break;
		case 'w': wait_ms = atol(optarg); break;
		default: goto usage;
		}
	if (addr == NULL || addr_of(addr, port, &ss, &sslen) == -1 ||
	    count < 1 || count > 1000000 || rate < 1 || wait_ms < 1)
		goto usage;
	signal(SIGPIPE, SIG_IGN);
	setrlimit(RLIMIT_NOFILE, &rl);
	if (serve)
		return server(&ss, sslen);

	/* start[fd]: when fd's connect() began; lat[]: the results. */
	if ((lat = calloc(count, sizeof(*lat))) == NULL ||
	    (start = calloc(MAXFD, sizeof(*start))) == NULL)
		die("calloc");
	if ((ep = epoll_create1(0)) == -1)
		die("epoll_create1");
	wait_ns = (int64_t)wait_ms * 1000000;
	t0 = now_ns();
	while (done < count) {
		t = now_ns();
		/* Every connection due by now, on the fixed schedule. */
		while (next < count &&
		    t0 + (int64_t)(next * 1000000000ULL / rate) <= t) {
			next++;
			if ((fd = socket(ss.ss_family, SOCK_STREAM |
			    SOCK_NONBLOCK, 0)) == -1 || fd >= MAXFD) {
				if (fd >= 0)
					close(fd);
				failed++;
				done++;
				continue;
			}
			start[fd] = now_ns();
			if (connect(fd, (struct sockaddr *)&ss, sslen) == 0) {
				lat[ok++] = now_ns() - start[fd];
				rst_close(fd);
				done++;
				continue;
			}
			if (errno != EINPROGRESS) {
				close(fd);
				failed++;
				done++;
				continue;
			}
			ev.events = EPOLLOUT;
			ev.data.fd = fd;
			if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == -1)
				die("epoll_ctl");
			inflight++;
		}
		/* Sleep until the next connection is due, 1 ms at most. */
		{
			int64_t		 due = next < count ? t0 +
			    (int64_t)(next * 1000000000ULL / rate) - now_ns() :
			    1000000;
			struct timespec	 ts;

			if (due < 0)
				due = 0;
			if (due > 1000000)
				due = 1000000;
			ts.tv_sec = 0;
			ts.tv_nsec = (long)due;
			n = epoll_pwait2(ep, evs, 256, &ts, NULL);
		}
		t = now_ns();
		for (i = 0; i < n; i++) {
			fd = evs[i].data.fd;
			err = 0;
			elen = sizeof(err);
			getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen);
			if (err == 0)
				lat[ok++] = t - start[fd];
			else
				failed++;
			epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
			rst_close(fd);
			start[fd] = 0;
			inflight--;
			done++;
		}
		/* Give up on connections older than the wait. */
		if (inflight > 0 && t - last_scan > 10000000) {
			last_scan = t;
			for (fd = 0; fd < MAXFD; fd++)
				if (start[fd] != 0 && t - start[fd] > wait_ns) {
					epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
					close(fd);
					start[fd] = 0;
					inflight--;
					failed++;
					done++;
				}
		}
	}
	t = now_ns();
	qsort(lat, ok, sizeof(*lat), cmp_i64);
#define PCT(p)	(ok ? (double)lat[(ok - 1) * (p) / 100] / 1e3 : 0.0)
	printf("connlat: %lu ok %lu failed %.0f per s p50 %.1f p90 %.1f "
	    "p99 %.1f max %.1f us\n", ok, failed,
	    (double)count * 1e9 / (double)(t - t0), PCT(50), PCT(90), PCT(99),
	    PCT(100));
	return 0;
usage:
	fprintf(stderr, "usage: connlat -l ADDR [-p PORT] | -c ADDR [-p PORT] "
	    "[-r RATE] [-n COUNT] [-w MS]\n");
	return 2;
}
