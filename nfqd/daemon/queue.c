/*
 * queue.c: the NFQUEUE packet source: libmnl and libnetfilter_queue's nfq_nlmsg_*
 * API.  One socket per queue, owned by one worker thread.
 *
 * Every packet gets exactly one verdict.  One receive may carry several
 * packets (the libmnl example's trap is to answer only the last): each
 * packet's id goes into a pending list as it is parsed, and the list is
 * answered as a whole, consecutive equal verdicts folded into one
 * NFQNL_MSG_VERDICT_BATCH.  A message without a packet id cannot be
 * answered (the kernel's fail-open applies); one without its bytes is
 * dropped: the kernel queues only SMTP ports, and nothing on them passes
 * undecided.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <libnetfilter_queue/libnetfilter_queue.h>

#include "daemon/queue.h"
#include "base/clock.h"
#include "policy/conf.h"
#include "policy/policy.h"
#include "engine/pkt.h"
#include "engine/engine.h"

#define QUEUE_BATCH	256		/* receives per round */
/*
 * Verdicts go out once this many are pending (or the socket is empty):
 * a packet waits for those decided after it in the same batch, so under
 * load a batch of 256 held the first packet's verdict back by 256
 * decisions (hundreds of microseconds, bench/live.sh's p99); 16 keeps
 * one send per 16 packets and bounds that wait.
 */
#define QUEUE_VERDICTS	16
#define QUEUE_RCVBUF	(8 << 20)

struct queue_pending {
	uint32_t	 id;
	uint32_t	 mark;
	uint8_t		 verdict;	/* NF_ACCEPT, NF_DROP, NF_REPEAT */
	uint8_t		 setmark;
};

struct queue {
	struct mnl_socket	*nl;
	uint32_t		 portid;
	uint16_t		 queue;
	uint32_t		 mark_bypass, mark_reject, mark_allowed;
	bool			 reject;
	char			*buf;
	size_t			 buflen;
	char			 vbuf[QUEUE_BATCH * 64];
	struct queue_pending	 pend[QUEUE_BATCH];
	unsigned		 npend;
	/* set for the duration of one queue_run() */
	struct engine		*engine;
	const struct policy	*policy;
	int64_t			 now;
	uint64_t		 unreadable, send_errors;
};

static int
queue_send_config(struct queue *q, struct nlmsghdr *nlh, char *err, size_t errlen)
{
	char	 buf[MNL_SOCKET_BUFFER_SIZE];
	ssize_t	 n;

	nlh->nlmsg_flags |= NLM_F_ACK;
	nlh->nlmsg_seq = (uint32_t)time(NULL);
	if (mnl_socket_sendto(q->nl, nlh, nlh->nlmsg_len) < 0) {
		snprintf(err, errlen, "queue %u: send: %s", q->queue,
		    strerror(errno));
		return -1;
	}
	if ((n = mnl_socket_recvfrom(q->nl, buf, sizeof(buf))) < 0 ||
	    mnl_cb_run(buf, (size_t)n, nlh->nlmsg_seq, q->portid, NULL,
	    NULL) < 0) {
		snprintf(err, errlen, "queue %u: %s%s", q->queue,
		    strerror(errno), errno == EBUSY ?
		    " (another process is bound to this queue)" : errno == EPERM ?
		    " (needs CAP_NET_ADMIN)" : "");
		return -1;
	}
	return 0;
}

struct queue *
queue_open(uint16_t queue, const struct conf *c, char *err, size_t errlen)
{
	struct queue	*q;
	struct nlmsghdr	*nlh;
	char		 buf[MNL_SOCKET_BUFFER_SIZE];
	uint32_t	 flags = NFQA_CFG_F_GSO | NFQA_CFG_F_FAIL_OPEN;
	int		 one = 1, rcvbuf = QUEUE_RCVBUF;
	struct timeval	 tv = { 0, 100000 };

	if ((q = calloc(1, sizeof(*q))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	q->queue = queue;
	q->mark_bypass = c->mark_bypass;
	q->mark_reject = c->mark_reject;
	q->mark_allowed = c->mark_allowed;
	q->reject = c->reject;
	q->buflen = c->copy_range + MNL_SOCKET_BUFFER_SIZE;
	if ((q->buf = malloc(q->buflen)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if ((q->nl = mnl_socket_open(NETLINK_NETFILTER)) == NULL ||
	    mnl_socket_bind(q->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		snprintf(err, errlen, "netlink socket: %s", strerror(errno));
		goto fail;
	}
	q->portid = mnl_socket_get_portid(q->nl);

	/* libmnl 1.0.4 leaves attribute padding as it finds it (valgrind). */
	memset(buf, 0, sizeof(buf));
	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, queue);
	nfq_nlmsg_cfg_put_cmd(nlh, AF_INET, NFQNL_CFG_CMD_BIND);
	if (queue_send_config(q, nlh, err, errlen) == -1)
		goto fail;

	memset(buf, 0, sizeof(buf));
	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, queue);
	nfq_nlmsg_cfg_put_params(nlh, NFQNL_COPY_PACKET, (int)c->copy_range);
	nfq_nlmsg_cfg_put_qmaxlen(nlh, c->queue_maxlen);
	mnl_attr_put_u32(nlh, NFQA_CFG_FLAGS,
	    htonl(c->fail_open ? flags : NFQA_CFG_F_GSO));
	mnl_attr_put_u32(nlh, NFQA_CFG_MASK, htonl(flags));
	if (queue_send_config(q, nlh, err, errlen) == -1)
		goto fail;

	/* Keep reading after an overrun instead of failing with ENOBUFS. */
	setsockopt(mnl_socket_get_fd(q->nl), SOL_NETLINK, NETLINK_NO_ENOBUFS,
	    &one, sizeof(one));
	if (setsockopt(mnl_socket_get_fd(q->nl), SOL_SOCKET, SO_RCVBUFFORCE,
	    &rcvbuf, sizeof(rcvbuf)) == -1)
		setsockopt(mnl_socket_get_fd(q->nl), SOL_SOCKET, SO_RCVBUF,
		    &rcvbuf, sizeof(rcvbuf));
	/* Wake up regularly to see a stop request and expire flows. */
	setsockopt(mnl_socket_get_fd(q->nl), SOL_SOCKET, SO_RCVTIMEO, &tv,
	    sizeof(tv));
	return q;
fail:
	queue_close(q);
	return NULL;
}

void
queue_close(struct queue *q)
{
	char		 buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr	*nlh;

	if (q == NULL)
		return;
	if (q->nl != NULL) {
		nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, q->queue);
		nfq_nlmsg_cfg_put_cmd(nlh, AF_INET, NFQNL_CFG_CMD_UNBIND);
		mnl_socket_sendto(q->nl, nlh, nlh->nlmsg_len);
		mnl_socket_close(q->nl);
	}
	free(q->buf);
	free(q);
}

static void
queue_pend(struct queue *q, uint32_t id, uint8_t verdict, uint32_t mark,
    uint8_t setmark)
{
	struct queue_pending	*p = &q->pend[q->npend++];

	p->id = id;
	p->verdict = verdict;
	p->mark = mark;
	p->setmark = setmark;
}

/* Answer every pending packet; equal neighbours share a batch verdict. */
static void
queue_flush_verdicts(struct queue *q)
{
	struct nlmsghdr		*nlh;
	struct queue_pending	*p, *last;
	size_t			 off = 0;
	unsigned		 i, j;

	for (i = 0; i < q->npend; i = j) {
		p = &q->pend[i];
		for (j = i + 1; j < q->npend; j++)
			if (q->pend[j].verdict != p->verdict ||
			    q->pend[j].setmark != p->setmark ||
			    (p->setmark && q->pend[j].mark != p->mark))
				break;
		last = &q->pend[j - 1];
		nlh = nfq_nlmsg_put(q->vbuf + off, j - i > 1 ?
		    NFQNL_MSG_VERDICT_BATCH : NFQNL_MSG_VERDICT, q->queue);
		nfq_nlmsg_verdict_put(nlh, (int)last->id, p->verdict);
		if (p->setmark)
			nfq_nlmsg_verdict_put_mark(nlh, p->mark);
		off += nlh->nlmsg_len;
	}
	if (off > 0 && mnl_socket_sendto(q->nl, q->vbuf, off) < 0 &&
	    mnl_socket_sendto(q->nl, q->vbuf, off) < 0)
		q->send_errors++;
	q->npend = 0;
}

static int
queue_packet(const struct nlmsghdr *nlh, void *arg)
{
	struct queue			*q = arg;
	struct nlattr			*attr[NFQA_MAX + 1] = { NULL };
	struct nfqnl_msg_packet_hdr	*ph;
	struct pkt_info			 pi = { .ts = q->now };
	uint32_t			 id, mark = 0, cap, wire;
	const uint8_t			*data;

	if (nfq_nlmsg_parse(nlh, attr) < 0 || attr[NFQA_PACKET_HDR] == NULL) {
		/* No id, nothing to answer: the kernel's fail-open applies. */
		q->unreadable++;
		return MNL_CB_OK;
	}
	ph = mnl_attr_get_payload(attr[NFQA_PACKET_HDR]);
	id = ntohl(ph->packet_id);
	if (attr[NFQA_MARK] != NULL)
		mark = ntohl(mnl_attr_get_u32(attr[NFQA_MARK]));
	if (attr[NFQA_PAYLOAD] == NULL) {
		q->unreadable++;
		queue_pend(q, id, NF_DROP, 0, 0);
		goto out;
	}
	data = mnl_attr_get_payload(attr[NFQA_PAYLOAD]);
	cap = mnl_attr_get_payload_len(attr[NFQA_PAYLOAD]);
	wire = attr[NFQA_CAP_LEN] != NULL ?
	    ntohl(mnl_attr_get_u32(attr[NFQA_CAP_LEN])) : cap;

	if (attr[NFQA_IFINDEX_INDEV] != NULL)
		pi.ifindex = ntohl(mnl_attr_get_u32(attr[NFQA_IFINDEX_INDEV]));
	if (mark & q->mark_allowed)
		pi.hints |= HINT_ALLOWED;
	switch (engine_packet(q->engine, q->policy, LINK_RAW, data, cap, wire,
	    &pi)) {
	case V_BYPASS:
		queue_pend(q, id, NF_ACCEPT,
		    mark | q->mark_allowed | q->mark_bypass, 1);
		break;
	case V_PASS:
		/*
		 * Not the policy's: the bypass mark alone.  Saved to the
		 * connection only for TCP (rules.c), so IPv6 whose TCP
		 * conntrack cannot see (behind a mobility header) is judged
		 * packet by packet.
		 */
		queue_pend(q, id, NF_ACCEPT, mark | q->mark_bypass, 1);
		break;
	case V_ALLOWED:
		queue_pend(q, id, NF_ACCEPT, mark | q->mark_allowed, 1);
		break;
	case V_DROP:
		/*
		 * Reject: repeat the chain with the reject mark, whose rule
		 * sits before the queue.  A packet that comes back with the
		 * mark already set means that rule is missing: drop it rather
		 * than loop.
		 */
		if (q->reject && (mark & q->mark_reject) == 0)
			queue_pend(q, id, NF_REPEAT, mark | q->mark_reject, 1);
		else
			queue_pend(q, id, NF_DROP, 0, 0);
		break;
	default:
		queue_pend(q, id, NF_ACCEPT, 0, 0);
		break;
	}
out:
	if (q->npend >= QUEUE_VERDICTS)
		queue_flush_verdicts(q);
	return MNL_CB_OK;
}

/*
 * Wait up to the receive timeout for packets, then decide everything
 * already queued (up to QUEUE_BATCH receives) and answer it.  Returns the
 * number of receives handled, 0 on timeout, -1 on a socket error.
 */
int
queue_run(struct queue *q, struct engine *e, const struct policy *pol,
    int64_t *now)
{
	ssize_t	 n;
	int	 rounds = 0, flags = 0;

	q->engine = e;
	q->policy = pol;
	for (; rounds < QUEUE_BATCH; rounds++, flags = MSG_DONTWAIT) {
		n = recv(mnl_socket_get_fd(q->nl), q->buf, q->buflen, flags);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR)
				break;
			if (errno == ENOBUFS)
				continue;
			queue_flush_verdicts(q);
			return -1;
		}
		q->now = *now = clock_real_us();
		mnl_cb_run(q->buf, (size_t)n, 0, q->portid, queue_packet, q);
	}
	queue_flush_verdicts(q);
	if (rounds == 0)
		*now = clock_real_us();
	return rounds;
}
