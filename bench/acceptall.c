/*
 * bench/acceptall: the floor of userspace NFQUEUE cost, for bench/live.sh.
 *
 *	acceptall [-q QUEUE] [-r COPY_RANGE] [-c CPU]
 *
 * The smallest program the libnetfilter_queue API allows: bind one queue,
 * receive each packet, parse its attributes, answer NF_ACCEPT with one
 * verdict message per packet (libnetfilter_queue's own example does the
 * same).  It reads nothing of the packet.  The socket is set up as nfqd
 * sets up its own (queue.c): copy mode, copy range, GSO and fail-open
 * flags, an 8 MB receive buffer, NETLINK_NO_ENOBUFS, a receive timeout,
 * so the difference in packet rate is what nfqd does per packet.  On
 * SIGTERM or SIGINT it unbinds and prints how many packets it answered.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <libnetfilter_queue/libnetfilter_queue.h>

static volatile sig_atomic_t	 stop;
static struct mnl_socket	*nl;
static uint16_t			 queue_num;
static unsigned long long	 answered, unreadable;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void __attribute__((noreturn))
die(const char *what)
{
	fprintf(stderr, "acceptall: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void
config(struct nlmsghdr *nlh)
{
	char		 buf[MNL_SOCKET_BUFFER_SIZE];
	ssize_t		 n;
	uint32_t	 portid = mnl_socket_get_portid(nl);

	nlh->nlmsg_flags |= NLM_F_ACK;
	nlh->nlmsg_seq = (uint32_t)time(NULL);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		die("config send");
	if ((n = mnl_socket_recvfrom(nl, buf, sizeof(buf))) < 0 ||
	    mnl_cb_run(buf, (size_t)n, nlh->nlmsg_seq, portid, NULL,
	    NULL) < 0)
		die("config");
}

static int
on_packet(const struct nlmsghdr *nlh, void *arg)
{
	struct nlattr			*attr[NFQA_MAX + 1] = { NULL };
	struct nfqnl_msg_packet_hdr	*ph;
	char				 buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr			*v;

	(void)arg;
	if (nfq_nlmsg_parse(nlh, attr) < 0 || attr[NFQA_PACKET_HDR] == NULL) {
		unreadable++;
		return MNL_CB_OK;
	}
	ph = mnl_attr_get_payload(attr[NFQA_PACKET_HDR]);
	v = nfq_nlmsg_put(buf, NFQNL_MSG_VERDICT, queue_num);
	nfq_nlmsg_verdict_put(v, (int)ntohl(ph->packet_id), NF_ACCEPT);
	if (mnl_socket_sendto(nl, v, v->nlmsg_len) < 0)
		unreadable++;
	else
		answered++;
	return MNL_CB_OK;
}

int
main(int argc, char **argv)
{
	char		 buf[MNL_SOCKET_BUFFER_SIZE];
	char		*rbuf;
	size_t		 rlen;
	struct nlmsghdr	*nlh;
	struct sigaction sa;
	struct timeval	 tv = { 0, 100000 };
	uint32_t	 flags = NFQA_CFG_F_GSO | NFQA_CFG_F_FAIL_OPEN;
	int		 c, one = 1, rcvbuf = 8 << 20, copy = 1536, cpu = -1;
	ssize_t		 n;

	while ((c = getopt(argc, argv, "c:q:r:")) != -1)
		switch (c) {
		case 'c': cpu = atoi(optarg); break;
		case 'q': queue_num = (uint16_t)atoi(optarg); break;
		case 'r': copy = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: acceptall [-q queue] "
			    "[-r copy-range] [-c cpu]\n");
			return 2;
		}
	if (cpu >= 0) {
		cpu_set_t	 set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		sched_setaffinity(0, sizeof(set), &set);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	rlen = (size_t)copy + MNL_SOCKET_BUFFER_SIZE;
	if ((rbuf = malloc(rlen)) == NULL)
		die("malloc");
	if ((nl = mnl_socket_open(NETLINK_NETFILTER)) == NULL ||
	    mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		die("netlink socket");
	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, queue_num);
	nfq_nlmsg_cfg_put_cmd(nlh, AF_INET, NFQNL_CFG_CMD_BIND);
	config(nlh);
	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, queue_num);
	nfq_nlmsg_cfg_put_params(nlh, NFQNL_COPY_PACKET, copy);
	nfq_nlmsg_cfg_put_qmaxlen(nlh, 4096);
	mnl_attr_put_u32(nlh, NFQA_CFG_FLAGS, htonl(flags));
	mnl_attr_put_u32(nlh, NFQA_CFG_MASK, htonl(flags));
	config(nlh);
	setsockopt(mnl_socket_get_fd(nl), SOL_NETLINK, NETLINK_NO_ENOBUFS,
	    &one, sizeof(one));
	if (setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUFFORCE,
	    &rcvbuf, sizeof(rcvbuf)) == -1)
		setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUF,
		    &rcvbuf, sizeof(rcvbuf));
	setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVTIMEO, &tv,
	    sizeof(tv));
	printf("acceptall: queue %u bound\n", queue_num);
	fflush(stdout);

	while (!stop) {
		n = recv(mnl_socket_get_fd(nl), rbuf, rlen, 0);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR ||
			    errno == ENOBUFS)
				continue;
			die("recv");
		}
		mnl_cb_run(rbuf, (size_t)n, 0, mnl_socket_get_portid(nl),
		    on_packet, NULL);
	}
	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, queue_num);
	nfq_nlmsg_cfg_put_cmd(nlh, AF_INET, NFQNL_CFG_CMD_UNBIND);
	mnl_socket_sendto(nl, nlh, nlh->nlmsg_len);
	mnl_socket_close(nl);
	printf("acceptall: queue %u: %llu packets answered, %llu unreadable\n",
	    queue_num, answered, unreadable);
	free(rbuf);
	return 0;
}
