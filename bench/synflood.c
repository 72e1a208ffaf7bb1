/*
 * nfqd-synflood: a bounded TCP SYN flood for tests/e2e/test_fastpath.sh
 * and bench/fastpath.sh.  IPv4 only, through a raw socket (root), from N
 * consecutive source addresses, each SYN a new connection (source port
 * and address advance together), exactly COUNT packets or until SECONDS
 * have passed, whichever comes first.  Prints what it sent.
 *
 *   nfqd-synflood -s 203.0.113.100 -n 50 -d 10.20.3.44 [-p 25]
 *       [-c 20000] [-r PPS] [-t SECONDS]
 *
 * Only for addresses of test namespaces you made: it floods.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH	64
#define PKTLEN	40

static uint16_t
csum(const void *p, size_t len, uint32_t sum)
{
	const uint8_t	*b = p;

	for (; len > 1; len -= 2, b += 2)
		sum += (uint32_t)(b[0] << 8 | b[1]);
	if (len)
		sum += (uint32_t)b[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void
build(uint8_t *p, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
    uint32_t seq)
{
	uint8_t		 ph[12];
	uint32_t	 s;
	uint16_t	 c;

	memset(p, 0, PKTLEN);
	p[0] = 0x45;
	p[3] = PKTLEN;
	p[6] = 0x40;			/* DF */
	p[8] = 64;
	p[9] = 6;
	memcpy(p + 12, &src, 4);
	memcpy(p + 16, &dst, 4);
	c = csum(p, 20, 0);
	p[10] = (uint8_t)(c >> 8);
	p[11] = (uint8_t)c;
	p[20] = (uint8_t)(sport >> 8);
	p[21] = (uint8_t)sport;
	p[22] = (uint8_t)(dport >> 8);
	p[23] = (uint8_t)dport;
	p[24] = (uint8_t)(seq >> 24);
	p[25] = (uint8_t)(seq >> 16);
	p[26] = (uint8_t)(seq >> 8);
	p[27] = (uint8_t)seq;
	p[32] = 5 << 4;
	p[33] = 0x02;			/* SYN */
	p[34] = 0xfa;
	p[35] = 0xf0;
	memcpy(ph, &src, 4);
	memcpy(ph + 4, &dst, 4);
	ph[8] = 0;
	ph[9] = 6;
	ph[10] = 0;
	ph[11] = 20;
	s = 0;
	for (int i = 0; i < 12; i += 2)
		s += (uint32_t)(ph[i] << 8 | ph[i + 1]);
	c = csum(p + 20, 20, s);
	p[36] = (uint8_t)(c >> 8);
	p[37] = (uint8_t)c;
}

static double
now_s(void)
{
	struct timespec	 t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void
usage(void)
{
	fprintf(stderr, "usage: nfqd-synflood -s SRC -n NSRC -d DST [-p PORT] "
	    "[-c COUNT] [-r PPS] [-t SECONDS]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct sockaddr_in	 to;
	struct mmsghdr		 msg[BATCH];
	struct iovec		 iov[BATCH];
	uint8_t			 pkt[BATCH][PKTLEN];
	struct in_addr		 s0, d;
	unsigned long		 count = 20000, nsrc = 1, rate = 0, i = 0, k;
	double			 secs = 60, t0, el;
	uint16_t		 port = 25;
	int			 fd, c, n, one = 1;
	bool			 have_s = false, have_d = false;

	while ((c = getopt(argc, argv, "s:n:d:p:c:r:t:")) != -1)
		switch (c) {
		case 's': have_s = inet_pton(AF_INET, optarg, &s0) == 1; break;
		case 'n': nsrc = strtoul(optarg, NULL, 10); break;
		case 'd': have_d = inet_pton(AF_INET, optarg, &d) == 1; break;
		case 'p': port = (uint16_t)strtoul(optarg, NULL, 10); break;
		case 'c': count = strtoul(optarg, NULL, 10); break;
		case 'r': rate = strtoul(optarg, NULL, 10); break;
		case 't': secs = strtod(optarg, NULL); break;
		default: usage();
		}
	if (!have_s || !have_d || nsrc == 0 || nsrc > 65536 || secs <= 0 ||
	    secs > 600 || count == 0 || count > nsrc * 60000)
		usage();
	if ((fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW)) == -1 ||
	    setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one)) == -1) {
		perror("nfqd-synflood: raw socket");
		return 1;
	}
	memset(&to, 0, sizeof(to));
	to.sin_family = AF_INET;
	to.sin_addr = d;
	memset(msg, 0, sizeof(msg));
	for (k = 0; k < BATCH; k++) {
		iov[k].iov_base = pkt[k];
		iov[k].iov_len = PKTLEN;
		msg[k].msg_hdr.msg_iov = &iov[k];
		msg[k].msg_hdr.msg_iovlen = 1;
		msg[k].msg_hdr.msg_name = &to;
		msg[k].msg_hdr.msg_namelen = sizeof(to);
	}
	t0 = now_s();
	while (i < count && (el = now_s() - t0) < secs) {
		if (rate > 0 && (double)i > el * (double)rate) {
			usleep(200);
			continue;
		}
		for (k = 0; k < BATCH && i + k < count; k++) {
			unsigned long	 j = i + k;
			uint32_t	 src = htonl(ntohl(s0.s_addr) +
					     (uint32_t)(j % nsrc));

			build(pkt[k], src, d.s_addr,
			    (uint16_t)(1024 + (j / nsrc) % 60000), port,
			    (uint32_t)j * 2654435761u);
		}
		n = sendmmsg(fd, msg, (unsigned)k, 0);
		if (n < 0) {
			if (errno == ENOBUFS || errno == EAGAIN)
				continue;
			perror("nfqd-synflood: sendmmsg");
			return 1;
		}
		i += (unsigned long)n;
	}
	el = now_s() - t0;
	printf("sent %lu SYNs from %lu sources in %.3f s (%.0f/s)\n", i, nsrc,
	    el, el > 0 ? (double)i / el : 0.0);
	close(fd);
	return 0;
}
