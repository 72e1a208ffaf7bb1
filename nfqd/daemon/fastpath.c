/*
 * The eBPF fast path, nfqd's side (docs/fastpath.md).
 *
 * The kernel program (bpf/fastpath.bpf.c) drops TCP SYNs to an SMTP port
 * that the policy blocks and writes one record per dropped SYN to a ring
 * buffer.  Here:
 *
 *  - load and attach: tc clsact ingress or XDP (native, else generic) on
 *    the configured interfaces; any failure detaches what was attached
 *    and the caller goes on with the queue path alone;
 *  - the maps: written from the same struct policy the workers decide by
 *    (internal networks, the exceptions active now with their direction
 *    and expiry, the quarantines in force), under the generation not in
 *    use, then one flip: a packet sees the old policy or the new one;
 *  - the records: one thread reads the ring buffer and gives each record,
 *    rebuilt as the packet's IP and TCP headers, to an engine of its own
 *    (engine.c, the queue path's pipeline): the same flow table, policy
 *    decision, flood control and events.  Its events say "path": "kernel".
 *    A record the running policy would not block (a SYN the kernel
 *    dropped in the moment between a reload's swap and the maps' flip)
 *    is still recorded as blocked, for the kernel's reason, and counted
 *    as a disagreement and logged.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/defs.h"
#include "base/addr.h"
#include "base/clock.h"
#include "base/log.h"
#include "policy/conf.h"
#include "policy/exceptions.h"
#include "policy/quarantine.h"
#include "policy/policy.h"
#include "event/event.h"
#include "event/evq.h"
#include "engine/pkt.h"
#include "engine/flow.h"
#include "engine/engine.h"
#include "kernel/bpfhook.h"
#include "daemon/fastpath.h"
#include "fastpath.skel.h"
#include "bpf/fastpath.h"

/* The kernel program's copies of nfqd's values (bpf/fastpath.h). */
_Static_assert(FP_R_TRANSIT == R_TRANSIT, "FP_R_TRANSIT");
_Static_assert(FP_R_NO_EXCEPTION == R_NO_EXCEPTION, "FP_R_NO_EXCEPTION");
_Static_assert(FP_R_DIRECTION == R_EXCEPTION_DIRECTION, "FP_R_DIRECTION");
_Static_assert(FP_R_QUARANTINE == R_QUARANTINE, "FP_R_QUARANTINE");
_Static_assert(FP_D_INBOUND == D_INBOUND, "FP_D_INBOUND");
_Static_assert(FP_D_OUTBOUND == D_OUTBOUND, "FP_D_OUTBOUND");
_Static_assert(FP_D_INTERNAL == D_INTERNAL, "FP_D_INTERNAL");
_Static_assert(FP_D_TRANSIT == D_TRANSIT, "FP_D_TRANSIT");
_Static_assert(FP_EXC_INBOUND == EXC_INBOUND, "FP_EXC_INBOUND");
_Static_assert(FP_EXC_OUTBOUND == EXC_OUTBOUND, "FP_EXC_OUTBOUND");
_Static_assert(FP_MAX_CAMPUS_IF == MAX_FP_IFACES, "campus-interfaces");


struct fp_iface {
	char		 name[16];
	int		 ifindex;
	uint32_t	 xdp_flags;	/* XDP mode it was attached in */
	bool		 attached;
	bool		 hook_created;	/* tc: we made the clsact qdisc */
};

struct fastpath {
	struct fastpath_bpf	*skel;
	enum fastpath_mode	 mode;
	struct fp_iface		 ifs[MAX_FP_IFACES];
	size_t			 nifs;
	uint32_t		 gen;		/* in force in the kernel */
	int64_t			 clock_off_ns;
	/* the reader thread */
	struct ring_buffer	*rb;
	pthread_t		 thread;
	bool			 running;
	_Atomic int		 stop;
	_Atomic int		 flushing;
	_Atomic uint64_t	 seen;
	struct policy *_Atomic	*polp;
	_Atomic uint64_t	*genp;
	const struct policy	*pol;		/* the reader's, this batch */
	struct engine		*engine;
	struct evq		*evq;
	int64_t			 now_us;
	uint32_t		 lostgen;	/* fp_lost's, in force */
	_Atomic uint64_t	 ev_dropped;
	pthread_mutex_t		 lock;		/* snap, dsnap */
	struct stats		 snap;
	struct decisions	 dsnap;
	void			(*between)(void *, struct engine *);
	void			*between_arg;
};

/* ---- clock ---- */

static int64_t
fp_ns(clockid_t id)
{
	struct timespec	 t;

	clock_gettime(id, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* ---- maps ---- */

int
fastpath_map_fd(const struct fastpath *fp, const char *name)
{
	struct bpf_map	*m;

	m = bpf_object__find_map_by_name(fp->skel->obj, name);
	return m != NULL ? bpf_map__fd(m) : -1;
}

int
fastpath_prog_fd(const struct fastpath *fp, uint8_t mode)
{
	return bpf_program__fd(mode == FASTPATH_XDP ? fp->skel->progs.nfqd_xdp :
	    fp->skel->progs.nfqd_tc);
}

static int
fp_put_prefix(int fd4, int fd6, uint8_t gen, const struct prefix *p,
    const void *val, size_t vlen, bool merge_quar)
{
	struct fp_key4	 k4;
	struct fp_key6	 k6;
	void		*k;
	int		 fd;

	if (p->addr.af == 4) {
		memset(&k4, 0, sizeof(k4));
		k4.prefixlen = 8 + p->len;
		k4.gen = gen;
		memcpy(k4.addr, p->addr.b, 4);
		k = &k4;
		fd = fd4;
	} else {
		memset(&k6, 0, sizeof(k6));
		k6.prefixlen = 8 + p->len;
		k6.gen = gen;
		memcpy(k6.addr, p->addr.b, 16);
		k = &k6;
		fd = fd6;
	}
	if (merge_quar) {
		/* Two quarantines of one prefix, both in force: the union. */
		struct fp_quar	 old, v;

		memcpy(&v, val, sizeof(v));
		if (bpf_map_lookup_elem(fd, k, &old) == 0) {
			if (old.since < v.since)
				v.since = old.since;
			if (old.until > v.until)
				v.until = old.until;
		}
		return bpf_map_update_elem(fd, k, &v, BPF_ANY);
	}
	(void)vlen;
	return bpf_map_update_elem(fd, k, val, BPF_ANY);
}

/* Delete every entry of generation gen from an LPM map. */
static int
fp_clear_lpm(int fd, size_t ksize, uint8_t gen)
{
	uint8_t		 key[sizeof(struct fp_key6)], next[sizeof(key)];
	uint8_t		*del = NULL, *tmp;
	size_t		 n = 0, cap = 0, i;
	void		*prev = NULL;
	int		 rc = 0;

	while (bpf_map_get_next_key(fd, prev, next) == 0) {
		if (next[4] == gen) {	/* the byte after prefixlen */
			if (n == cap) {
				cap = cap ? cap * 2 : 256;
				if ((tmp = realloc(del, cap * ksize)) == NULL) {
					free(del);
					return -1;
				}
				del = tmp;
			}
			memcpy(del + n * ksize, next, ksize);
			n++;
		}
		memcpy(key, next, ksize);
		prev = key;
	}
	for (i = 0; i < n; i++)
		if (bpf_map_delete_elem(fd, del + i * ksize) != 0 &&
		    errno != ENOENT)
			rc = -1;
	free(del);
	return rc;
}

static int
fp_clear_ports(int fd, uint32_t gen)
{
	uint32_t	 k, next, del[FP_MAX_PORTS];
	uint32_t	*prev = NULL;
	size_t		 n = 0, i;

	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		if ((next >> 16) == gen && n < FP_MAX_PORTS)
			del[n++] = next;
		k = next;
		prev = &k;
	}
	for (i = 0; i < n; i++)
		bpf_map_delete_elem(fd, &del[i]);
	return 0;
}

static void
fp_write_state(struct fastpath *fp)
{
	struct fp_state	 st;
	uint32_t	 zero = 0;

	memset(&st, 0, sizeof(st));
	st.gen = fp->gen;
	st.clock_off_ns = fp->clock_off_ns;
	bpf_map_update_elem(bpf_map__fd(fp->skel->maps.fp_state), &zero, &st,
	    BPF_ANY);
}

void
fastpath_set_clock(struct fastpath *fp, int64_t off_ns)
{
	fp->clock_off_ns = off_ns;
	fp_write_state(fp);
}

void
fastpath_clock(struct fastpath *fp)
{
	if (fp != NULL)
		fastpath_set_clock(fp, fp_ns(CLOCK_REALTIME) -
		    fp_ns(CLOCK_BOOTTIME));
}

/*
 * The policy in force at `now`, into the generation not in use, then the
 * flip.  The old generation's entries stay until the next sync removes
 * them (a packet that read the old generation just before the flip still
 * finds them).
 */
int
fastpath_sync(struct fastpath *fp, const struct policy *p, int64_t now,
    char *err, size_t errlen)
{
	struct fastpath_bpf	*s = fp->skel;
	const struct conf	*c = &p->conf;
	const struct quar_list	*q = policy_quar(p);
	struct fp_conf		 fc;
	struct fp_exc		 fe;
	struct fp_quar		 fq;
	uint32_t		 ng = fp->gen ^ 1, k;
	uint8_t			 one = 1;
	size_t			 i;
	int			 fails = 0;

	fails += fp_clear_lpm(bpf_map__fd(s->maps.fp_int4),
	    sizeof(struct fp_key4), (uint8_t)ng) != 0;
	fails += fp_clear_lpm(bpf_map__fd(s->maps.fp_int6),
	    sizeof(struct fp_key6), (uint8_t)ng) != 0;
	fails += fp_clear_lpm(bpf_map__fd(s->maps.fp_exc4),
	    sizeof(struct fp_key4), (uint8_t)ng) != 0;
	fails += fp_clear_lpm(bpf_map__fd(s->maps.fp_exc6),
	    sizeof(struct fp_key6), (uint8_t)ng) != 0;
	fails += fp_clear_lpm(bpf_map__fd(s->maps.fp_quar4),
	    sizeof(struct fp_key4), (uint8_t)ng) != 0;
	fails += fp_clear_lpm(bpf_map__fd(s->maps.fp_quar6),
	    sizeof(struct fp_key6), (uint8_t)ng) != 0;
	fp_clear_ports(bpf_map__fd(s->maps.fp_ports), ng);
	if (fails) {
		snprintf(err, errlen, "fastpath: cannot clear the maps: %s",
		    strerror(errno));
		return -1;
	}

	memset(&fc, 0, sizeof(fc));
	fc.enforce = c->mode == MODE_ENFORCE;
	fc.transit_block = c->transit == TRANSIT_BLOCK;
	fc.reject = c->reject;
	for (i = 0; i < p->ncampus_if && i < FP_MAX_CAMPUS_IF; i++)
		fc.campus_if[i] = p->campus_if[i];
	fc.ncampus_if = (uint8_t)i;
	fails += bpf_map_update_elem(bpf_map__fd(s->maps.fp_conf), &ng, &fc,
	    BPF_ANY) != 0;
	for (i = 0; i < c->nports; i++) {
		k = ng << 16 | c->ports[i];
		fails += bpf_map_update_elem(bpf_map__fd(s->maps.fp_ports), &k,
		    &one, BPF_ANY) != 0;
	}
	for (i = 0; i < c->ninternal; i++)
		fails += fp_put_prefix(bpf_map__fd(s->maps.fp_int4),
		    bpf_map__fd(s->maps.fp_int6), (uint8_t)ng,
		    &c->internal[i], &one, 1, false) != 0;
	for (i = 0; i < p->exc.n; i++) {
		const struct exc_entry	*e = &p->exc.v[i];

		if (e->expires_at != 0 && now >= e->expires_at)
			continue;	/* expired: absent, as in the policy */
		memset(&fe, 0, sizeof(fe));
		fe.expires = e->expires_at;
		fe.dir = e->dir;
		fails += fp_put_prefix(bpf_map__fd(s->maps.fp_exc4),
		    bpf_map__fd(s->maps.fp_exc6), (uint8_t)ng, &e->pfx, &fe,
		    sizeof(fe), false) != 0;
	}
	for (i = 0; q != NULL && i < q->n; i++) {
		const struct quar_entry	*e = &q->v[i];

		if (!(e->since <= now && now < e->until))
			continue;	/* not in force now */
		fq.since = e->since;
		fq.until = e->until;
		fails += fp_put_prefix(bpf_map__fd(s->maps.fp_quar4),
		    bpf_map__fd(s->maps.fp_quar6), (uint8_t)ng, &e->pfx, &fq,
		    sizeof(fq), true) != 0;
	}
	if (fails) {
		/* The kernel keeps the generation it has: nothing half-done. */
		snprintf(err, errlen, "fastpath: %d map updates failed (last: "
		    "%s); the kernel keeps the previous policy", fails,
		    strerror(errno));
		return -1;
	}
	fp->gen = ng;
	fp->clock_off_ns = fp_ns(CLOCK_REALTIME) - fp_ns(CLOCK_BOOTTIME);
	fp_write_state(fp);
	return 0;
}

/* Sum of the per-CPU counters, FP_C_COUNT of them. */
void
fastpath_counters(const struct fastpath *fp, uint64_t *out)
{
	int		 ncpu = libbpf_num_possible_cpus(), fd;
	uint64_t	*v;
	uint32_t	 i;

	memset(out, 0, FP_C_COUNT * sizeof(*out));
	if (ncpu <= 0 || (v = calloc((size_t)ncpu, sizeof(*v))) == NULL)
		return;
	fd = bpf_map__fd(fp->skel->maps.fp_counters);
	for (i = 0; i < FP_C_COUNT; i++)
		if (bpf_map_lookup_elem(fd, &i, v) == 0)
			for (int c = 0; c < ncpu; c++)
				out[i] += v[c];
	free(v);
}

/* ---- load ---- */

static struct fastpath *
fp_load(const struct conf *c, const char *test, char *err, size_t errlen)
{
	struct fastpath	*fp;
	int		 rc;

	bpfhook_log_init();
	if ((fp = calloc(1, sizeof(*fp))) == NULL) {
		snprintf(err, errlen, "fastpath: out of memory");
		return NULL;
	}
	pthread_mutex_init(&fp->lock, NULL);
	fp->mode = c->fastpath;
	fp->gen = 1;		/* the first sync writes generation 0 */
		if ((fp->skel = fastpath_bpf__open()) == NULL) {
		snprintf(err, errlen, "fastpath: cannot open the eBPF object: "
		    "%s", strerror(errno));
		goto fail;
	}
	/*
	 * NFQD_FASTPATH_TEST (tests only): "reject", a program the verifier
	 * refuses; "small-ring", a one-page ring buffer that a flood fills.
	 */
	fp->skel->rodata->test_reject_me = test != NULL &&
	    strcmp(test, "reject") == 0;
	if (test != NULL && strcmp(test, "small-ring") == 0)
		bpf_map__set_max_entries(fp->skel->maps.fp_events,
		    (uint32_t)sysconf(_SC_PAGESIZE));
	/* Only the program we attach is loaded. */
	bpf_program__set_autoload(fp->skel->progs.nfqd_xdp,
	    c->fastpath != FASTPATH_TC);
	bpf_program__set_autoload(fp->skel->progs.nfqd_tc,
	    c->fastpath != FASTPATH_XDP);
	if ((rc = fastpath_bpf__load(fp->skel)) != 0) {
		snprintf(err, errlen, "fastpath: the kernel refused the eBPF "
		    "program (%s)%s%.200s", strerror(-rc),
		    bpfhook_last_warning()[0] ? ": " : "",
		    bpfhook_last_warning());
		goto fail;
	}
	return fp;
fail:
	fastpath_bpf__destroy(fp->skel);
	pthread_mutex_destroy(&fp->lock);
	free(fp);
	return NULL;
}

/* For tests: both programs loaded, nothing attached. */
struct fastpath *
fastpath_open(const struct conf *c, char *err, size_t errlen)
{
	struct conf	*both;
	struct fastpath	*fp;

	if ((both = malloc(sizeof(*both))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	memcpy(both, c, sizeof(*both));
	both->fastpath = FASTPATH_OFF;	/* neither excluded: both load */
	fp = fp_load(both, NULL, err, errlen);
	free(both);
	return fp;
}

void
fastpath_close(struct fastpath *fp)
{
	if (fp == NULL)
		return;
	fastpath_bpf__destroy(fp->skel);
	pthread_mutex_destroy(&fp->lock);
	free(fp);
}

/* ---- attach and detach ---- */

static void
fp_detach_one(struct fastpath *fp, struct fp_iface *f)
{
	if (!f->attached)
		return;
	if (fp->mode == FASTPATH_XDP)
		bpf_xdp_detach(f->ifindex, f->xdp_flags, NULL);
	else {
		DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = f->ifindex,
		    .attach_point = BPF_TC_INGRESS);
		DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = FP_TC_HANDLE,
		    .priority = FP_TC_PRIO);

		bpf_tc_detach(&hook, &opts);
		if (f->hook_created) {
			hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
			bpf_tc_hook_destroy(&hook);
		}
	}
	f->attached = false;
}

static int
fp_attach_one(struct fastpath *fp, struct fp_iface *f, char *err,
    size_t errlen)
{
	int	 fd = fastpath_prog_fd(fp, fp->mode), rc;

	if (fp->mode == FASTPATH_XDP) {
		f->xdp_flags = XDP_FLAGS_DRV_MODE | XDP_FLAGS_UPDATE_IF_NOEXIST;
		rc = bpf_xdp_attach(f->ifindex, fd, f->xdp_flags, NULL);
		if (rc != 0) {
			f->xdp_flags = XDP_FLAGS_SKB_MODE |
			    XDP_FLAGS_UPDATE_IF_NOEXIST;
			rc = bpf_xdp_attach(f->ifindex, fd, f->xdp_flags, NULL);
			if (rc == 0)
				log_info("fastpath: %s has no native XDP; "
				    "generic XDP attached", f->name);
		}
		if (rc != 0) {
			snprintf(err, errlen, "fastpath: cannot attach XDP to "
			    "%s: %s", f->name, strerror(-rc));
			return -1;
		}
	} else {
		DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = f->ifindex,
		    .attach_point = BPF_TC_INGRESS);
		DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = FP_TC_HANDLE,
		    .priority = FP_TC_PRIO, .prog_fd = fd);

		rc = bpf_tc_hook_create(&hook);
		if (rc != 0 && rc != -EEXIST) {
			snprintf(err, errlen, "fastpath: cannot add the clsact "
			    "qdisc to %s: %s", f->name, strerror(-rc));
			return -1;
		}
		f->hook_created = rc == 0;
		if ((rc = bpf_tc_attach(&hook, &opts)) != 0) {
			snprintf(err, errlen, "fastpath: cannot attach to tc "
			    "ingress of %s: %s", f->name, strerror(-rc));
			if (f->hook_created) {
				hook.attach_point = BPF_TC_INGRESS |
				    BPF_TC_EGRESS;
				bpf_tc_hook_destroy(&hook);
			}
			return -1;
		}
	}
	f->attached = true;
	return 0;
}

/* ---- the reader: kernel records -> engine -> events ---- */

static void
fp_emit(void *arg, const struct event *ev)
{
	struct fastpath	*fp = arg;
	struct event	 e = *ev;

	e.path = 1;
	while (!evq_push(fp->evq, &e)) {
		if (!atomic_load(&fp->flushing)) {
			event_release(&e);
			atomic_fetch_add(&fp->ev_dropped, 1);
			return;
		}
		clock_sleep_ms(1);
	}
}

/* The SYN's IP and TCP headers, as the queue would have handed them. */
static uint32_t
fp_rebuild(const struct fp_rec *r, uint8_t *b)
{
	uint32_t	 l3, thl = (uint32_t)(r->doff < 5 ? 5 : r->doff) * 4;
	uint8_t		*t;

	if (r->af == 4) {
		l3 = 20;
		memset(b, 0, 20);
		b[0] = 0x45;
		b[2] = (uint8_t)(r->ip_len >> 8);
		b[3] = (uint8_t)r->ip_len;
		b[8] = 64;
		b[9] = 6;
		memcpy(b + 12, r->src, 4);
		memcpy(b + 16, r->dst, 4);
	} else {
		uint16_t	 pl = (uint16_t)(r->ip_len - 40);

		l3 = 40;
		memset(b, 0, 40);
		b[0] = 0x60;
		b[4] = (uint8_t)(pl >> 8);
		b[5] = (uint8_t)pl;
		b[6] = 6;
		b[7] = 64;
		memcpy(b + 8, r->src, 16);
		memcpy(b + 24, r->dst, 16);
	}
	t = b + l3;
	memset(t, 1, thl);		/* options: NOPs */
	t[0] = (uint8_t)(r->sport >> 8);
	t[1] = (uint8_t)r->sport;
	t[2] = (uint8_t)(r->dport >> 8);
	t[3] = (uint8_t)r->dport;
	t[4] = (uint8_t)(r->seq >> 24);
	t[5] = (uint8_t)(r->seq >> 16);
	t[6] = (uint8_t)(r->seq >> 8);
	t[7] = (uint8_t)r->seq;
	memset(t + 8, 0, 4);
	t[12] = (uint8_t)((thl / 4) << 4);
	t[13] = r->flags;
	t[14] = (uint8_t)(r->window >> 8);
	t[15] = (uint8_t)r->window;
	memset(t + 16, 0, 4);
	return l3 + thl;
}

static int
fp_record(void *arg, void *data, size_t len)
{
	struct fastpath		*fp = arg;
	const struct fp_rec	*r = data;
	const struct stats	*st = engine_stats(fp->engine);
	uint8_t			 b[40 + 60];
	uint64_t		 before = st->fp_disagree;
	uint32_t		 cap;
	int64_t			 ts;

	if (len < sizeof(*r) || (r->af != 4 && r->af != 6))
		return 0;
	cap = fp_rebuild(r, b);
	ts = ((int64_t)r->ts_ns + fp->clock_off_ns) / 1000;
	if (ts < fp->now_us)
		ts = fp->now_us;	/* CPUs' records interleave */
	fp->now_us = ts;
	/* The kernel dropped it: the engine records it so, whatever the
	 * running policy says of it now (the reason is the kernel's). */
	engine_packet(fp->engine, fp->pol, LINK_RAW, b, cap,
	    r->ip_len > cap ? r->ip_len : cap, &(struct pkt_info){ .ts = ts,
	    .ifindex = r->ifindex, .hints = HINT_DROPPED,
	    .kernel_reason = r->reason });
	if (st->fp_disagree != before && before % 1000 == 0) {
		char		 s[ADDR_STRLEN], d[ADDR_STRLEN];
		struct ip_addr	 a;

		a.af = r->af;
		memset(a.b, 0, 16);
		memcpy(a.b, r->src, r->af == 4 ? 4 : 16);
		addr_format(&a, s, sizeof(s));
		memcpy(a.b, r->dst, r->af == 4 ? 4 : 16);
		addr_format(&a, d, sizeof(d));
		log_warnx("fastpath: the kernel dropped a SYN %s -> %s:%u that "
		    "the running policy allows (%llu so far; recorded as "
		    "blocked): its maps lagged a reload, or failed to follow "
		    "it", s, d, r->dport, (unsigned long long)st->fp_disagree);
	}
	return 0;
}

/*
 * The drops the ring buffer had no room for, counted per source by the
 * kernel: the entries of the generation the kernel stopped counting
 * under a tick ago are taken out of fp_lost and folded into the sources'
 * summaries; then the generations swap.  all: both (the program is
 * detached: nobody counts any more).
 */
static void
fp_drain_lost(struct fastpath *fp, bool all)
{
	int			 fd = bpf_map__fd(fp->skel->maps.fp_lost);
	struct fp_srckey	 k, next, *prev = NULL;
	struct ip_addr		 a;
	uint64_t		 n;
	uint32_t		 zero = 0, idle = fp->lostgen ^ 1;
	unsigned		 bound = 2 * FP_MAX_SOURCES;

	while (bound-- > 0 && bpf_map_get_next_key(fd, prev, &next) == 0) {
		k = next;
		prev = &k;
		if (!all && k.gen != idle)
			continue;
		if (bpf_map_lookup_and_delete_elem(fd, &k, &n) != 0 || n == 0)
			continue;
		if (k.af != 4 && k.af != 6)
			continue;
		a.af = k.af;
		memset(a.b, 0, sizeof(a.b));
		memcpy(a.b, k.addr, k.af == 4 ? 4 : 16);
		engine_fold(fp->engine, fp->pol, &a, k.direction, n,
		    fp->now_us);
	}
	fp->lostgen = idle;
	bpf_map_update_elem(bpf_map__fd(fp->skel->maps.fp_lostgen), &zero,
	    &fp->lostgen, BPF_ANY);
}

static void
fp_snapshot(struct fastpath *fp)
{
	pthread_mutex_lock(&fp->lock);
	fp->snap = *engine_stats(fp->engine);
	fp->dsnap = *engine_decisions(fp->engine);
	pthread_mutex_unlock(&fp->lock);
}

uint32_t
fastpath_flows_share(const struct conf *c)
{
	uint32_t	 n = c->queue_count + (c->fastpath != FASTPATH_OFF);
	uint32_t	 share = c->max_flows / (n > 0 ? n : 1);

	return share < 16 ? 16 : share;
}

void
fastpath_set_between(struct fastpath *fp, void (*fn)(void *, struct engine *),
    void *arg)
{
	fp->between = fn;
	fp->between_arg = arg;
}

static void *
fp_reader(void *arg)
{
	struct fastpath	*fp = arg;
	int64_t		 last = 0, now;
	uint64_t	 g;

	pthread_setname_np(pthread_self(), "nfqd-fastpath");
	while (!atomic_load(&fp->stop)) {
		g = atomic_load(fp->genp);
		fp->pol = atomic_load(fp->polp);
		engine_set_policy(fp->engine, fp->pol);
		fp->clock_off_ns = fp_ns(CLOCK_REALTIME) -
		    fp_ns(CLOCK_BOOTTIME);
		ring_buffer__poll(fp->rb, 100);
		if (fp->between != NULL)
			fp->between(fp->between_arg, fp->engine);
		now = clock_real_us();
		if (now - last >= 1000000) {
			if (now > fp->now_us)
				fp->now_us = now;
			engine_tick(fp->engine, fp->now_us);
			fp_drain_lost(fp, false);
			fp_snapshot(fp);
			last = now;
		}
		atomic_store(&fp->seen, g);
	}
	return NULL;
}

struct fastpath *
fastpath_start(struct policy *pol, struct policy *_Atomic *polp,
    _Atomic uint64_t *genp, struct respond *resp, char *err, size_t errlen)
{
	const struct conf	*c = &pol->conf;
	const char		*test = getenv("NFQD_FASTPATH_TEST");
	struct fastpath		*fp;
	char			 msg[ERRLEN];
	size_t			 i;
	int			 n;

	err[0] = '\0';
	if (c->fastpath == FASTPATH_OFF)
		return NULL;
	/* A killed nfqd's programs first: they hold an old policy. */
	if ((n = bpfhook_remove_leftovers(msg, sizeof(msg))) > 0)
		log_info("fastpath: removed %d program%s left attached by an "
		    "earlier nfqd", n, n == 1 ? "" : "s");
	if ((fp = fp_load(c, test, err, errlen)) == NULL)
		return NULL;
	fp->polp = polp;
	fp->genp = genp;
	fp->pol = pol;
	if (fastpath_sync(fp, pol, clock_real_us() / 1000000, err,
	    errlen) == -1)
		goto fail;
	fp->engine = engine_new_sized(pol, fastpath_flows_share(c),
	    (uint64_t)clock_real_us() ^ 0x6670, fp_emit, fp);
	fp->evq = evq_new(pol->conf.event_queue);
	fp->rb = ring_buffer__new(bpf_map__fd(fp->skel->maps.fp_events),
	    fp_record, fp, NULL);
	if (fp->engine == NULL || fp->evq == NULL || fp->rb == NULL) {
		snprintf(err, errlen, "fastpath: out of memory");
		goto fail;
	}
	engine_set_smtp_only(fp->engine, true);
	/*
	 * The workers' response table: a spam bot whose SYNs the kernel
	 * drops is auto-quarantined like one the queue blocks.
	 */
	engine_set_respond(fp->engine, resp);
	for (i = 0; i < c->nfastpath_ifaces; i++) {
		struct fp_iface	*f = &fp->ifs[fp->nifs];

		snprintf(f->name, sizeof(f->name), "%s", c->fastpath_ifaces[i]);
		if ((f->ifindex = (int)if_nametoindex(f->name)) == 0) {
			snprintf(err, errlen, "fastpath: no interface %s",
			    f->name);
			goto fail;
		}
		fp->nifs++;
		if (fp_attach_one(fp, f, err, errlen) == -1)
			goto fail;
	}
	return fp;
fail:
	for (i = 0; i < fp->nifs; i++)
		fp_detach_one(fp, &fp->ifs[i]);
	ring_buffer__free(fp->rb);
	engine_free(fp->engine);
	evq_free(fp->evq);
	fastpath_close(fp);
	return NULL;
}

/*
 * The reader thread, once the daemon has dropped its privileges (threads
 * keep what they had when they were made).  On failure the program stays
 * attached and drops; its records wait in the ring buffer, and the drops
 * are counted (stats.fastpath).
 */
int
fastpath_run(struct fastpath *fp)
{
	if (fp == NULL)
		return 0;
	if (pthread_create(&fp->thread, NULL, fp_reader, fp) != 0)
		return -1;
	fp->running = true;
	return 0;
}

void
fastpath_stop(struct fastpath *fp)
{
	size_t	 i;

	if (fp == NULL)
		return;
	for (i = 0; i < fp->nifs; i++)
		fp_detach_one(fp, &fp->ifs[i]);
	if (fp->running) {
		atomic_store(&fp->stop, 1);
		pthread_join(fp->thread, NULL);
	}
	/* What the kernel wrote before the detach, then the summaries. */
	atomic_store(&fp->flushing, 1);
	ring_buffer__consume(fp->rb);
	fp_drain_lost(fp, true);
	engine_flush(fp->engine, FE_SHUTDOWN);
	fp_snapshot(fp);
	ring_buffer__free(fp->rb);
	fp->rb = NULL;
}

/* After the writer is done with the events: free the rest. */
void
fastpath_free(struct fastpath *fp)
{
	if (fp == NULL)
		return;
	engine_free(fp->engine);
	evq_free(fp->evq);
	fastpath_close(fp);
}

uint64_t
fastpath_seen(const struct fastpath *fp)
{
	return atomic_load(&((struct fastpath *)fp)->seen);
}

struct evq *
fastpath_evq(struct fastpath *fp)
{
	return fp->evq;
}

void
fastpath_stats(struct fastpath *fp, struct stats *sum)
{
	fastpath_stats_own(fp, sum, NULL, NULL, NULL);
}

/*
 * fastpath_stats, and from the same snapshot (when not NULL) its engine's
 * own counts, decisions and events lost to a full event queue (metrics.c
 * labels them queue="kernel").
 */
void
fastpath_stats_own(struct fastpath *fp, struct stats *sum, struct stats *own,
    struct decisions *dec, uint64_t *ev_dropped)
{
	uint64_t	 k[FP_C_COUNT], lost;
	struct stats	 s;

	if (fp == NULL)
		return;
	pthread_mutex_lock(&fp->lock);
	s = fp->snap;
	if (dec != NULL)
		*dec = fp->dsnap;
	sum->fp_disagree = s.fp_disagree;
	pthread_mutex_unlock(&fp->lock);
	if (own != NULL)
		*own = s;
	lost = atomic_load(&fp->ev_dropped);
	if (ev_dropped != NULL)
		*ev_dropped = lost;
#define ADD(x)	sum->x += s.x
	ADD(pkts); ADD(bytes); ADD(ipv4); ADD(ipv6); ADD(vlan);
	ADD(allowed); ADD(blocked); ADD(summarized);
	ADD(pkts_accepted); ADD(pkts_dropped); ADD(flows_created);
	ADD(flows_closed); ADD(flows_timeout); ADD(flows_evicted);
	ADD(flows_untracked); ADD(events);
#undef ADD
	sum->flows_active += s.flows_created - s.flows_closed -
	    s.flows_timeout - s.flows_evicted;
	sum->events_dropped += lost;
	fastpath_counters(fp, k);
	sum->fp_mode = fp->mode;
	sum->fp_syn = k[FP_C_SYN];
	sum->fp_dropped = k[FP_C_DROPPED];
	sum->fp_lost = k[FP_C_LOST];
	sum->fp_deferred = k[FP_C_DEFERRED];
	sum->fp_unparsed = k[FP_C_UNPARSED];
	sum->fp_relay = k[FP_C_RELAY];
	sum->fp_spoofed = k[FP_C_SPOOFED];
}
