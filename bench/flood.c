/*
 * bench/flood: a bounded port-25 SYN flood from millions of sources, for
 * bench/live.sh.  (nfqd-synflood, bench/synflood.c, sends from a few
 * hundred consecutive sources through a raw socket.)  Test traffic only:
 * it writes Ethernet frames to one interface of a network namespace the
 * benchmark made.
 *
 *	flood -i IF -m DSTMAC -d DSTIP [-p PORT] [-S SRCNET/LEN]
 *	    [-n COUNT] [-t SECONDS] [-r PPS] [-o OFFSET]
 *
 * Sends IPv4 TCP SYNs (MSS option, valid checksums) to DSTIP:PORT through
 * AF_PACKET on IF, addressed to DSTMAC (the router's side of the link),
 * each from a different source in SRCNET (default 100.64.0.0/10: 4 M
 * sources): source k is OFFSET + k times an odd constant, modulo the
 * network's size, so the first 2^(32-LEN) packets all differ.  Stops
 * after COUNT packets (default 1,000,000) or SECONDS (default 10),
 * whichever comes first; -r paces to PPS (default: as fast as it can, in
 * batches of 64 with sendmmsg).  Prints what it sent and its rate.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH	64
#define FRAME	60

static void __attribute__((noreturn))
die(const char *what)
{
	fprintf(stderr, "flood: %s: %s\n", what, strerror(errno));
	exit(1);
}

static double
now_s(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint32_t
sum16(uint32_t s, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static uint16_t
fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* Fill in source address, source port, sequence and both checksums. */
static void
frame_set(uint8_t *f, uint32_t src, uint16_t sport, uint32_t seq)
{
	uint8_t		*ip = f + 14, *tcp = f + 34;
	uint32_t	 s;
	uint16_t	 c;

	src = htonl(src);
	memcpy(ip + 12, &src, 4);
	ip[10] = ip[11] = 0;
	c = htons(fold(sum16(0, ip, 20)));
	memcpy(ip + 10, &c, 2);
	tcp[0] = (uint8_t)(sport >> 8);
	tcp[1] = (uint8_t)sport;
	seq = htonl(seq);
	memcpy(tcp + 4, &seq, 4);
	tcp[16] = tcp[17] = 0;
	s = sum16(0, ip + 12, 8);		/* pseudo-header */
	s += 6 + 24;
	c = htons(fold(sum16(s, tcp, 24)));
	memcpy(tcp + 16, &c, 2);
}

static int
parse_mac(const char *s, uint8_t m[6])
{
	unsigned	 v[6];

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4],
	    &v[5]) != 6)
		return -1;
	for (int i = 0; i < 6; i++)
		m[i] = (uint8_t)v[i];
	return 0;
}

int
main(int argc, char **argv)
{
	const char	*ifname = NULL, *dmac = NULL, *dip = NULL;
	const char	*snet = "100.64.0.0/10";
	uint8_t		 frames[BATCH][FRAME], mac[6];
	struct iovec	 iov[BATCH];
	struct mmsghdr	 msg[BATCH];
	struct sockaddr_ll sll;
	struct ifreq	 ifr;
	struct in_addr	 a;
	char		 net[32], *slash;
	unsigned long	 count = 1000000, sent = 0, pps = 0;
	double		 secs = 10, t0, t;
	uint32_t	 base, size, offset = 0;
	uint16_t	 port = 25;
	int		 c, fd, one = 1, len, i, n;

	while ((c = getopt(argc, argv, "d:i:m:n:o:p:r:S:t:")) != -1)
		switch (c) {
		case 'd': dip = optarg; break;
		case 'i': ifname = optarg; break;
		case 'm': dmac = optarg; break;
		case 'n': count = strtoul(optarg, NULL, 10); break;
		case 'o': offset = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'p': port = (uint16_t)atoi(optarg); break;
		case 'r': pps = strtoul(optarg, NULL, 10); break;
		case 'S': snet = optarg; break;
		case 't': secs = atof(optarg); break;
		default: goto usage;
		}
	if (ifname == NULL || dmac == NULL || dip == NULL ||
	    parse_mac(dmac, mac) == -1 || inet_pton(AF_INET, dip, &a) != 1)
		goto usage;
	snprintf(net, sizeof(net), "%s", snet);
	if ((slash = strchr(net, '/')) == NULL)
		goto usage;
	*slash = '\0';
	len = atoi(slash + 1);
	if (len < 8 || len > 30 || inet_pton(AF_INET, net, &base) != 1)
		goto usage;
	base = ntohl(base);
	size = 1u << (32 - len);
	if (count > 100000000 || secs <= 0 || secs > 120)
		goto usage;

	if ((fd = socket(AF_PACKET, SOCK_RAW, 0)) == -1)
		die("AF_PACKET socket (root, in the sender's namespace)");
	setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) == -1)
		die(ifname);
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = (int)if_nametoindex(ifname);
	sll.sll_halen = 6;
	memcpy(sll.sll_addr, mac, 6);
	if (sll.sll_ifindex == 0)
		die(ifname);

	for (i = 0; i < BATCH; i++) {
		uint8_t	*f = frames[i], *ip = f + 14, *tcp = f + 34;

		memset(f, 0, FRAME);
		memcpy(f, mac, 6);
		memcpy(f + 6, ifr.ifr_hwaddr.sa_data, 6);
		f[12] = 0x08;
		ip[0] = 0x45;
		ip[3] = 44;			/* 20 + 24 */
		ip[6] = 0x40;			/* DF */
		ip[8] = 64;
		ip[9] = 6;
		memcpy(ip + 16, &a, 4);
		tcp[2] = (uint8_t)(port >> 8);
		tcp[3] = (uint8_t)port;
		tcp[12] = 6 << 4;
		tcp[13] = 0x02;			/* SYN */
		tcp[14] = 0xfa;			/* window 64240 */
		tcp[15] = 0xf0;
		tcp[20] = 2;			/* MSS 1460 */
		tcp[21] = 4;
		tcp[22] = 0x05;
		tcp[23] = 0xb4;
		iov[i].iov_base = f;
		iov[i].iov_len = FRAME;
		memset(&msg[i], 0, sizeof(msg[i]));
		msg[i].msg_hdr.msg_iov = &iov[i];
		msg[i].msg_hdr.msg_iovlen = 1;
		msg[i].msg_hdr.msg_name = &sll;
		msg[i].msg_hdr.msg_namelen = sizeof(sll);
	}

	t0 = t = now_s();
	while (sent < count && t - t0 < secs) {
		n = (int)(count - sent < BATCH ? count - sent : BATCH);
		if (pps > 0) {
			double	 due = t0 + (double)sent / (double)pps;

			if (t < due) {
				struct timespec	 ts = { 0, 0 };

				ts.tv_nsec = (long)((due - t) * 1e9);
				nanosleep(&ts, NULL);
			}
			if (n > 16)
				n = 16;
		}
		for (i = 0; i < n; i++) {
			uint32_t k = offset + (uint32_t)(sent + (unsigned long)i);

			frame_set(frames[i], base + (k * 2654435761u) %
			    size, (uint16_t)(1024 + k % 64000), k * 7919u);
		}
		if ((n = sendmmsg(fd, msg, (unsigned)n, 0)) < 0) {
			if (errno == ENOBUFS || errno == EAGAIN ||
			    errno == EINTR)
				continue;
			die("sendmmsg");
		}
		sent += (unsigned long)n;
		t = now_s();
	}
	close(fd);
	printf("flood: %lu SYNs to %s:%u in %.3f s: %.0f pps\n", sent, dip,
	    port, t - t0, (double)sent / (t - t0));
	return 0;
usage:
	fprintf(stderr, "usage: flood -i IF -m DSTMAC -d DSTIP [-p PORT] "
	    "[-S SRCNET/LEN] [-n COUNT] [-t SECONDS] [-r PPS] [-o OFFSET]\n");
	return 2;
}
