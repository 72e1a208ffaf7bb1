// SPDX-License-Identifier: GPL-2.0
/*
 * nfqd's fast path: a TCP SYN to an SMTP port whose verdict the policy
 * already knows to be "blocked" is dropped here, before netfilter, and a
 * record of it goes to nfqd through a ring buffer.  Everything else --
 * every other packet, every SYN the policy allows, and every case this
 * program is not sure of -- passes untouched to netfilter and nfqd.
 * A SYN (without ACK) is always its connection's opening, so its sender
 * is the client, as nfqd's engine has it; a source from the wrong side
 * of the border (campus-interfaces) and an IPv4-mapped address are left
 * to the queue, which writes its own reason for them.
 *
 * The decision mirrors policy_decide() (nfqd/policy.c) for a SYN:
 *   quarantine of either end (an entry in force)      -> blocked
 *   both ends internal                                 -> allowed (pass)
 *   neither end internal                               -> transit setting
 *   otherwise the campus end's most specific active exception decides:
 *     none -> blocked; for the other direction -> blocked; else allowed.
 * One blocked case passes all the same: a campus host with an inbound-only
 * exception (a mail server that takes mail from outside) opening SMTP to
 * outside.  That is nfqd's open-relay sign (detect.c), which needs the SYN
 * in the queue worker that saw the host's inbound connections; such
 * hosts are few, and a workstation's attempts stay in the kernel.
 * nfqd writes only the entries active when it writes the maps (and
 * rewrites them at every expiry); an entry met here past its time is
 * "not sure": the packet goes to userspace, which has the whole list.
 *
 * Attached at tc clsact ingress (nfqd_tc) or XDP (nfqd_xdp) on the border
 * interfaces; both share one parser and one decision.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "fastpath.h"

#define ETH_P_IP	0x0800
#define ETH_P_IPV6	0x86DD
#define ETH_P_8021Q	0x8100
#define ETH_P_8021AD	0x88A8
#define ETH_P_QINQ1	0x9100
#define IS_VLAN(p)	((p) == ETH_P_8021Q || (p) == ETH_P_8021AD || \
			 (p) == ETH_P_QINQ1)
#define IPPROTO_TCP_	6
#define TH_SYN_		0x02
#define TH_RST_		0x04
#define TH_ACK_		0x10
#define MAX_VLANS	2
#define TC_ACT_OK	0
#define TC_ACT_SHOT	2

/* Set by nfqd's tests only: a program the verifier must refuse. */
const volatile __u8 test_reject_me = 0;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fp_state);
} fp_state SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct fp_conf);
} fp_conf SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FP_MAX_PORTS);
	__type(key, __u32);		/* gen << 16 | port */
	__type(value, __u8);
} fp_ports SEC(".maps");

#define LPM_MAP(name, key_t, val_t)					\
struct {								\
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);				\
	__uint(max_entries, FP_MAX_ENTRIES);				\
	__uint(map_flags, BPF_F_NO_PREALLOC);				\
	__type(key, key_t);						\
	__type(value, val_t);						\
} name SEC(".maps")

LPM_MAP(fp_int4, struct fp_key4, __u8);
LPM_MAP(fp_int6, struct fp_key6, __u8);
LPM_MAP(fp_exc4, struct fp_key4, struct fp_exc);
LPM_MAP(fp_exc6, struct fp_key6, struct fp_exc);
LPM_MAP(fp_quar4, struct fp_key4, struct fp_quar);
LPM_MAP(fp_quar6, struct fp_key6, struct fp_quar);

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FP_C_COUNT);
	__type(key, __u32);
	__type(value, __u64);
} fp_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, FP_RINGBUF);
} fp_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, FP_MAX_SOURCES);
	__type(key, struct fp_srckey);
	__type(value, __u64);
} fp_lost SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} fp_lostgen SEC(".maps");

struct vlanhdr {
	__be16	tci;
	__be16	proto;
};

/* What the parser found: a TCP header to look at, or nothing to do. */
struct fp_pkt {
	__u8	af;
	__u8	flags;
	__u8	vlans;
	__u16	sport, dport;
	__u16	ip_len;
	__u16	window;
	__u32	seq;
	__u8	doff;
	__u8	src[16], dst[16];
};

enum { P_TCP, P_OTHER, P_UNPARSED };

static __always_inline void
count(__u32 idx)
{
	__u64	*v = bpf_map_lookup_elem(&fp_counters, &idx);

	if (v != NULL)
		*v += 1;
}

/*
 * An IPv4-mapped or -compatible IPv6 address (::ffff:0:0/96, ::/96 but
 * :: and ::1): nfqd decides it as the IPv4 host it carries (addr_unmap),
 * which these maps cannot; the packet goes to userspace.
 */
static __always_inline int
v4_in_v6(const __u8 *a)
{
	__u32	 w0, w1, w2, w3;

	__builtin_memcpy(&w0, a, 4);
	__builtin_memcpy(&w1, a + 4, 4);
	__builtin_memcpy(&w2, a + 8, 4);
	__builtin_memcpy(&w3, a + 12, 4);
	if (w0 != 0 || w1 != 0)
		return 0;
	if (w2 == bpf_htonl(0xffff))
		return 1;
	return w2 == 0 && bpf_ntohl(w3) > 1;
}

/*
 * campus-interfaces: a source from the side of the border it cannot come
 * from (a campus interface and an outside source, or the reverse).  The
 * queue refuses it with an event of its own (engine_spoofed).
 */
static __always_inline int
spoofed(const struct fp_conf *c, __u32 ifindex, int src_internal)
{
	int	 campus_side = 0, i;

	if (c->ncampus_if == 0)
		return 0;
#pragma unroll
	for (i = 0; i < FP_MAX_CAMPUS_IF; i++)
		if (i < c->ncampus_if && c->campus_if[i] == ifindex)
			campus_side = 1;
	return campus_side != src_internal;
}

static __always_inline int
parse(void *data, void *end, struct fp_pkt *p)
{
	struct ethhdr	*eth = data;
	struct vlanhdr	*vh;
	struct tcphdr	*th;
	void		*l4;
	__u16		 proto;
	__u8		*fl;
	int		 i;

	if ((void *)(eth + 1) > end)
		return P_OTHER;
	proto = bpf_ntohs(eth->h_proto);
	l4 = eth + 1;
#pragma unroll
	for (i = 0; i < MAX_VLANS; i++) {
		if (!IS_VLAN(proto))
			break;
		vh = l4;
		if ((void *)(vh + 1) > end)
			return P_OTHER;
		proto = bpf_ntohs(vh->proto);
		l4 = vh + 1;
		p->vlans++;
	}
	if (IS_VLAN(proto))
		return P_UNPARSED;	/* more tags than we look through */
	if (proto == ETH_P_IP) {
		struct iphdr	*ip = l4;
		__u32		 hl;

		if ((void *)(ip + 1) > end)
			return P_OTHER;
		if (ip->version != 4 || ip->ihl < 5)
			return P_OTHER;
		if (ip->protocol != IPPROTO_TCP_)
			return P_OTHER;
		if (ip->frag_off & bpf_htons(0x3fff))
			return P_UNPARSED;	/* a fragment: userspace */
		hl = (__u32)ip->ihl * 4;
		th = (void *)ip + hl;
		p->af = 4;
		p->ip_len = bpf_ntohs(ip->tot_len);
		__builtin_memcpy(p->src, &ip->saddr, 4);
		__builtin_memcpy(p->dst, &ip->daddr, 4);
	} else if (proto == ETH_P_IPV6) {
		struct ipv6hdr	*ip6 = l4;

		if ((void *)(ip6 + 1) > end)
			return P_OTHER;
		if (ip6->nexthdr != IPPROTO_TCP_)
			/*
			 * An extension header (or not TCP at all): the
			 * queue path walks extension headers; leave it there.
			 */
			return P_UNPARSED;
		if (v4_in_v6(ip6->saddr.in6_u.u6_addr8) ||
		    v4_in_v6(ip6->daddr.in6_u.u6_addr8))
			return P_UNPARSED;	/* decided as IPv4: userspace */
		th = (void *)(ip6 + 1);
		p->af = 6;
		p->ip_len = bpf_ntohs(ip6->payload_len) + 40;
		__builtin_memcpy(p->src, &ip6->saddr, 16);
		__builtin_memcpy(p->dst, &ip6->daddr, 16);
	} else
		return P_OTHER;
	if ((void *)(th + 1) > end)
		return P_OTHER;
	fl = (__u8 *)th + 13;
	p->flags = *fl;
	p->sport = bpf_ntohs(th->source);
	p->dport = bpf_ntohs(th->dest);
	p->seq = bpf_ntohl(th->seq);
	p->window = bpf_ntohs(th->window);
	p->doff = th->doff;
	return P_TCP;
}

/* Lookups in generation g's maps; the caller's key is on its stack. */
static __always_inline void *
lookup(void *map4, void *map6, __u8 gen, const struct fp_pkt *p,
    const __u8 *addr)
{
	if (p->af == 4) {
		struct fp_key4	 k = { .prefixlen = 8 + 32, .gen = gen };

		__builtin_memcpy(k.addr, addr, 4);
		return bpf_map_lookup_elem(map4, &k);
	} else {
		struct fp_key6	 k = { .prefixlen = 8 + 128, .gen = gen };

		__builtin_memcpy(k.addr, addr, 16);
		return bpf_map_lookup_elem(map6, &k);
	}
}

enum { V_PASS, V_DROP };

/*
 * The decision for a SYN; *reason and *direction (nfqd's enum direction)
 * set when it is V_DROP.
 */
static __always_inline int
decide(const struct fp_pkt *p, __u8 gen, __s64 now, const struct fp_conf *c,
    __u32 ifindex, __u8 *reason, __u8 *direction)
{
	struct fp_quar	*q;
	struct fp_exc	*e;
	const __u8	*campus = NULL;
	__u8		*cin, *sin;
	__u8		 need = 0;

	/* Branches, not (cin | sin): the verifier refuses ORed pointers. */
	cin = lookup(&fp_int4, &fp_int6, gen, p, p->src);
	sin = lookup(&fp_int4, &fp_int6, gen, p, p->dst);
	if (cin != NULL) {
		if (sin != NULL)
			*direction = FP_D_INTERNAL;
		else {
			*direction = FP_D_OUTBOUND;
			campus = p->src;
			need = FP_EXC_OUTBOUND;
		}
	} else if (sin != NULL) {
		*direction = FP_D_INBOUND;
		campus = p->dst;
		need = FP_EXC_INBOUND;
	} else
		*direction = FP_D_TRANSIT;
	if (spoofed(c, ifindex, cin != NULL)) {
		count(FP_C_SPOOFED);
		return V_PASS;
	}
	/* Quarantine first: either end, whatever else applies. */
	q = lookup(&fp_quar4, &fp_quar6, gen, p, p->src);
	if (q == NULL)
		q = lookup(&fp_quar4, &fp_quar6, gen, p, p->dst);
	if (q != NULL) {
		if (q->since <= now && now < q->until) {
			*reason = FP_R_QUARANTINE;
			return V_DROP;
		}
		count(FP_C_DEFERRED);	/* ended since nfqd wrote it */
		return V_PASS;
	}
	if (*direction == FP_D_INTERNAL)
		return V_PASS;
	if (*direction == FP_D_TRANSIT) {
		if (!c->transit_block)
			return V_PASS;
		*reason = FP_R_TRANSIT;
		return V_DROP;
	}
	if (campus == NULL)
		return V_PASS;
	e = lookup(&fp_exc4, &fp_exc6, gen, p, campus);
	if (e == NULL) {
		*reason = FP_R_NO_EXCEPTION;
		return V_DROP;
	}
	if (e->expires != 0 && now >= e->expires) {
		/* Expired since nfqd wrote it: a shorter entry may decide. */
		count(FP_C_DEFERRED);
		return V_PASS;
	}
	if (e->dir & need)
		return V_PASS;			/* allowed by the exception */
	if (need == FP_EXC_OUTBOUND) {		/* a relay sign: see the top */
		count(FP_C_RELAY);
		return V_PASS;
	}
	*reason = FP_R_DIRECTION;
	return V_DROP;
}

/*
 * No room in the ring buffer: the drop is still counted, per source and
 * direction, for nfqd to fold into that source's policy_summary.
 */
static __always_inline void
count_lost(const struct fp_pkt *p, __u8 direction)
{
	struct fp_srckey	 k = { .af = p->af, .direction = direction };
	__u64			*n, one = 1;
	__u32			 zero = 0, *g;

	count(FP_C_LOST);
	if ((g = bpf_map_lookup_elem(&fp_lostgen, &zero)) != NULL)
		k.gen = (__u8)(*g & 1);
	__builtin_memcpy(k.addr, p->src, 16);
	if ((n = bpf_map_lookup_elem(&fp_lost, &k)) != NULL) {
		__sync_fetch_and_add(n, 1);
		return;
	}
	if (bpf_map_update_elem(&fp_lost, &k, &one, BPF_NOEXIST) == 0)
		return;
	if ((n = bpf_map_lookup_elem(&fp_lost, &k)) != NULL)
		__sync_fetch_and_add(n, 1);	/* another CPU made it */
}

static __always_inline int
fastpath(void *data, void *end, __u32 ifindex)
{
	struct fp_state	*st;
	struct fp_conf	*c;
	struct fp_rec	*r;
	struct fp_pkt	 p = {};
	__u32		 zero = 0, gen, pk;
	__u8		 reason = 0, direction = 0;
	__s64		 now;
	int		 rc;

	count(FP_C_PACKETS);
	if (test_reject_me) {
		/* Unchecked: the verifier refuses the program. */
		volatile __u8 *b = data;
		if (b[1000] == 0)
			return V_PASS;
	}
	rc = parse(data, end, &p);
	if (rc == P_UNPARSED) {
		count(FP_C_UNPARSED);
		return V_PASS;
	}
	if (rc != P_TCP || (p.flags & (TH_SYN_ | TH_ACK_ | TH_RST_)) != TH_SYN_)
		return V_PASS;
	if ((st = bpf_map_lookup_elem(&fp_state, &zero)) == NULL)
		return V_PASS;
	gen = st->gen & 1;
	if ((c = bpf_map_lookup_elem(&fp_conf, &gen)) == NULL)
		return V_PASS;
	/* Monitor mode drops nothing; reject = yes answers from the queue. */
	if (!c->enforce || c->reject)
		return V_PASS;
	pk = gen << 16 | p.dport;
	if (bpf_map_lookup_elem(&fp_ports, &pk) == NULL)
		return V_PASS;
	count(FP_C_SYN);
	/* Unsigned: the BPF backend has no signed division (real time > 0). */
	now = (__s64)(((__u64)bpf_ktime_get_boot_ns() +
	    (__u64)st->clock_off_ns) / 1000000000);
	if (decide(&p, (__u8)gen, now, c, ifindex, &reason, &direction) !=
	    V_DROP)
		return V_PASS;
	count(FP_C_DROPPED);
	if ((r = bpf_ringbuf_reserve(&fp_events, sizeof(*r), 0)) == NULL) {
		count_lost(&p, direction);
		return V_DROP;
	}
	r->ts_ns = bpf_ktime_get_boot_ns();
	r->af = p.af;
	r->reason = reason;
	r->flags = p.flags;
	r->vlans = p.vlans;
	r->sport = p.sport;
	r->dport = p.dport;
	r->ifindex = ifindex;
	r->seq = p.seq;
	r->ip_len = p.ip_len;
	r->window = p.window;
	r->doff = p.doff;
	__builtin_memcpy(r->src, p.src, 16);
	__builtin_memcpy(r->dst, p.dst, 16);
	bpf_ringbuf_submit(r, 0);
	return V_DROP;
}

SEC("xdp")
int
nfqd_xdp(struct xdp_md *ctx)
{
	void	*data = (void *)(long)ctx->data;
	void	*end = (void *)(long)ctx->data_end;

	return fastpath(data, end, ctx->ingress_ifindex) == V_DROP ?
	    XDP_DROP : XDP_PASS;
}

/* Ethernet, two VLAN tags, IPv4 with options or IPv6, a TCP header. */
#define FP_HEADERS	(14 + 8 + 60 + 20)

/*
 * Only the linear part of an skb is readable here: a frame sent through a
 * packet socket's ring, or merged by GRO, may carry its IP header in page
 * fragments.  Such a frame's headers are pulled in first (a frame that is
 * short but whole needs nothing).
 */
static __always_inline int
tc_short(struct __sk_buff *skb)
{
	void	*data = (void *)(long)skb->data;
	void	*end = (void *)(long)skb->data_end;

	return data + FP_HEADERS > end && data + skb->len > end;
}

SEC("tc")
int
nfqd_tc(struct __sk_buff *skb)
{
	void	*data, *end;

	if (tc_short(skb))
		bpf_skb_pull_data(skb, skb->len < FP_HEADERS ? skb->len :
		    FP_HEADERS);
	asm volatile("" ::: "memory");	/* the pointers again, after it */
	data = (void *)(long)skb->data;
	end = (void *)(long)skb->data_end;
	return fastpath(data, end, skb->ifindex) == V_DROP ?
	    TC_ACT_SHOT : TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
