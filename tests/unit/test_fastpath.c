/*
 * The fast path's kernel program against policy_decide(): the maps are
 * written by fastpath_sync() from a policy loaded from files, crafted
 * frames are run through the loaded XDP and tc programs with
 * BPF_PROG_TEST_RUN, and the kernel's verdict must be "drop" exactly when
 * the policy blocks a SYN to an SMTP port (enforce mode, no reject), with
 * one ring-buffer record per drop giving the policy's reason.  Everything
 * else passes.  Expiry: an entry past its time makes the kernel defer to
 * userspace until the maps are rewritten, then decide as the policy does.
 *
 * Needs root (or CAP_BPF + CAP_NET_ADMIN): skipped without; as root a
 * program the kernel refuses fails the test.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <net/if.h>
#include <time.h>

#include "util.h"
#include "daemon/fastpath.h"
#include "bpf/fastpath.h"

#define XDP_DROP_	1
#define XDP_PASS_	2
#define TC_ACT_OK_	0
#define TC_ACT_SHOT_	2

static const char *const conf_text =
    "internal-networks = 10.20.0.0/16, 2001:db8:20::/48\n"
    "smtp-ports = 25, 587\n"
    "exceptions = exceptions.conf\n"
    "state-dir = state\n"
    "control-socket = none\n";

/* Nested prefixes both ways, expired entries above and below active ones. */
static const char *const exc_text =
    "10.20.1.25 both\n"
    "10.20.8.0/24 inbound expires=2027-06-30\n"
    "10.20.8.66 outbound\n"
    "10.20.5.10 outbound expires=2026-12-31\n"
    "10.20.7.7 both expires=2026-08-31\n"
    "10.20.6.0/24 inbound\n"
    "10.20.6.6 both expires=2026-01-31\n"
    "10.20.9.0/24 both expires=2025-01-01\n"
    "10.20.9.9 inbound\n"
    "10.20.12.0/22 outbound\n"
    "10.20.12.128/25 both expires=2030-01-01\n"
    "2001:db8:20:1::25 both\n"
    "2001:db8:20:8::/64 inbound\n"
    "2001:db8:20:8::66 outbound\n"
    "2001:db8:20:7::7 both expires=2026-08-31\n";

/* 2026-11-22 12:00:00 UTC: between the expiries above. */
#define T_NOW		INT64_C(1795348800)
/* 2027-01-01 00:00:05: 10.20.5.10's entry (expires=2026-12-31) is over. */
#define T_AFTER_GEN	INT64_C(1798761605)

static const char *const v4hosts[] = {
	"10.20.1.25", "10.20.3.44", "10.20.8.15", "10.20.8.66", "10.20.5.10",
	"10.20.7.7", "10.20.6.6", "10.20.6.7", "10.20.9.9", "10.20.9.10",
	"10.20.12.5", "10.20.12.200", "10.20.13.1", "10.20.3.99",
	"198.51.100.7", "203.0.113.66", "192.0.2.66", "10.21.0.1",
};
static const char *const v6hosts[] = {
	"2001:db8:20:1::25", "2001:db8:20:3::44", "2001:db8:20:8::15",
	"2001:db8:20:8::66", "2001:db8:20:7::7", "2001:db8:20:3::99",
	"2001:db8:99::7", "2001:db8:99::66", "2001:db8:21::1",
};
/* In quarantine: a campus host, an outside host, a campus /30. */
static const char *const quarantined[] = {
	"10.20.3.99", "192.0.2.66", "2001:db8:20:3::99",
};

struct fx {
	struct tmpdir		 dir;
	struct policy		*pol;
	struct fastpath		*fp;
	struct ring_buffer	*rb;
	unsigned		 nrec;
	struct fp_rec		 last;
	char			 why[ERRLEN];	/* fastpath_open's error */
};

static int
on_rec(void *arg, void *data, size_t len)
{
	struct fx	*f = arg;

	if (len >= sizeof(f->last))
		memcpy(&f->last, data, sizeof(f->last));
	f->nrec++;
	return 0;
}

static int64_t
boot_ns(void)
{
	struct timespec	 t;

	clock_gettime(CLOCK_BOOTTIME, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* The kernel's real time: `now` (unix s), half a second in. */
static void
set_kernel_now(struct fx *f, int64_t now)
{
	fastpath_set_clock(f->fp, now * 1000000000 + 500000000 - boot_ns());
}

static void
sync_at(struct fx *f, int64_t now)
{
	char	 err[ERRLEN];

	if (fastpath_sync(f->fp, f->pol, now, err, sizeof(err)) == -1)
		fail_msg("fastpath_sync: %s", err);
	set_kernel_now(f, now);
}

static int
setup(void **state)
{
	struct fx		*f = calloc(1, sizeof(*f));
	struct quar_entry	 q;
	char			 path[MAX_PATH], err[ERRLEN] = "";
	size_t			 i;

	if (f == NULL)
		return -1;
	tmpdir_new(&f->dir);
	write_file(&f->dir, "exceptions.conf", exc_text, path);
	write_file(&f->dir, "nfqd.conf", conf_text, path);
	tmpdir_file(&f->dir, "state", path);
	mkdir(path, 0700);
	for (i = 0; i < NELEM(quarantined); i++) {
		memset(&q, 0, sizeof(q));
		if (prefix_parse(quarantined[i], &q.pfx, err, sizeof(err)) == -1)
			fail_msg("%s", err);
		q.since = T_NOW - 60;
		q.until = T_NOW + 3600;
		snprintf(q.reason, sizeof(q.reason), "test");
		snprintf(q.who, sizeof(q.who), "unit");
		if (quar_add(path, &q, err, sizeof(err)) == -1)
			fail_msg("quar_add: %s", err);
	}
	/* One more, already over at T_NOW: absent from the maps. */
	memset(&q, 0, sizeof(q));
	prefix_parse("10.20.3.44", &q.pfx, err, sizeof(err));
	q.since = T_NOW - 7200;
	q.until = T_NOW - 3600;
	snprintf(q.reason, sizeof(q.reason), "over");
	snprintf(q.who, sizeof(q.who), "unit");
	if (quar_add(path, &q, err, sizeof(err)) == -1)
		fail_msg("quar_add: %s", err);
	tmpdir_file(&f->dir, "nfqd.conf", path);
	if ((f->pol = policy_load(path, err, sizeof(err))) == NULL)
		fail_msg("policy_load: %s", err);
	*state = f;
	if ((f->fp = fastpath_open(&f->pol->conf, f->why,
	    sizeof(f->why))) == NULL)
		return 0;	/* the tests skip */
	f->rb = ring_buffer__new(fastpath_map_fd(f->fp, "fp_events"), on_rec,
	    f, NULL);
	if (f->rb == NULL)
		fail_msg("ring_buffer__new failed");
	sync_at(f, T_NOW);
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;

	ring_buffer__free(f->rb);
	fastpath_close(f->fp);
	policy_free(f->pol);
	tmpdir_rm(&f->dir);
	free(f);
	return 0;
}

/* Each test starts from the sample policy written at T_NOW. */
static void
need_bpf(struct fx *f)
{
	if (f->fp == NULL && geteuid() == 0)
		fail_msg("fastpath_open as root: %s", f->why);	/* verifier */
	if (f->fp == NULL) {
		print_message("fastpath: cannot load eBPF here (not root: %s): "
		    "skipped\n", f->why);
		skip();
	}
	f->pol->conf.mode = MODE_ENFORCE;
	f->pol->conf.transit = TRANSIT_ALLOW;
	f->pol->conf.reject = false;
	sync_at(f, T_NOW);
}

/* One frame: Ethernet (tags), IP, TCP. */
static size_t
frame(uint8_t *b, const uint16_t *tags, const char *src, const char *dst,
    uint16_t dport, uint8_t flags, bool hopopt)
{
	uint8_t		 l4[80], l3[200];
	size_t		 n, tl, el = 0;
	bool		 v6 = strchr(src, ':') != NULL;
	struct tcpspec	 t = { .sport = 40000, .dport = dport, .seq = 7,
			     .flags = flags, .optwords = 5 };

	n = build_eth(b, tags, v6 ? 0x86dd : 0x0800);
	tl = build_tcp(l4, &t);
	if (v6 && hopopt) {
		el = build_ext6(l3, 6, 0);
		memcpy(l3 + el, l4, tl);
		n += build_ipv6(b + n, src, dst, 0, l3, el + tl);
	} else if (v6)
		n += build_ipv6(b + n, src, dst, 6, l4, tl);
	else
		n += build_ipv4(b + n, src, dst, 6, l4, tl, 0, 0);
	return n;
}

/* Run both programs; returns true when both dropped, fails if they differ. */
static bool
run(struct fx *f, const uint8_t *b, size_t len, unsigned *records)
{
	uint32_t	 rx = 0, rt = 0;
	int		 e1, e2;

	DECLARE_LIBBPF_OPTS(bpf_test_run_opts, ox, .data_in = b,
	    .data_size_in = (uint32_t)len, .repeat = 1);
	DECLARE_LIBBPF_OPTS(bpf_test_run_opts, ot, .data_in = b,
	    .data_size_in = (uint32_t)len, .repeat = 1);

	f->nrec = 0;
	e1 = bpf_prog_test_run_opts(fastpath_prog_fd(f->fp, FASTPATH_XDP), &ox);
	e2 = bpf_prog_test_run_opts(fastpath_prog_fd(f->fp, FASTPATH_TC), &ot);
	if (e1 != 0 || e2 != 0)
		fail_msg("BPF_PROG_TEST_RUN (%zu bytes): xdp %d, tc %d: %s",
		    len, e1, e2, strerror(errno));
	rx = ox.retval;
	rt = ot.retval;
	ring_buffer__consume(f->rb);
	if ((rx == XDP_DROP_) != (rt == TC_ACT_SHOT_))
		fail_msg("xdp said %u, tc said %u", rx, rt);
	if (rx != XDP_DROP_ && rx != XDP_PASS_)
		fail_msg("xdp returned %u", rx);
	*records = f->nrec;
	return rx == XDP_DROP_;
}

/* XDP alone (the tc test run wants a whole IP header). */
static bool
run_xdp(struct fx *f, const uint8_t *b, size_t len)
{
	DECLARE_LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = b,
	    .data_size_in = (uint32_t)len, .repeat = 1);

	if (bpf_prog_test_run_opts(fastpath_prog_fd(f->fp, FASTPATH_XDP),
	    &o) != 0)
		fail_msg("BPF_PROG_TEST_RUN (%zu bytes): %s", len,
		    strerror(errno));
	return o.retval == XDP_DROP_;
}

static void
check_pair(struct fx *f, const char *c, const char *s, int64_t now,
    unsigned *drops)
{
	static const uint16_t	 ports[] = { 25, 587, 80 };
	static const uint8_t	 flags[] = { TH_SYN, TH_SYN | TH_ACK, TH_ACK,
				     TH_SYN | TH_RST, TH_SYN | TH_FIN };
	static const uint16_t	 none[] = { 0 }, one[] = { 0x8100, 0 },
				 two[] = { 0x88a8, 0x8100, 0 },
				 three[] = { 0x88a8, 0x8100, 0x8100, 0 };
	static const uint16_t	*tagsets[] = { none, one, two, three };
	struct ip_addr		 ca = ip(c), sa = ip(s);
	struct decision		 d;
	uint8_t			 b[300];
	size_t			 len, pi, fi, ti;
	unsigned		 recs;
	bool			 dropped, want;

	policy_decide(f->pol, &ca, &sa, now, &d);
	for (pi = 0; pi < NELEM(ports); pi++)
		for (fi = 0; fi < NELEM(flags); fi++)
			for (ti = 0; ti < NELEM(tagsets); ti++) {
				len = frame(b, tagsets[ti], c, s, ports[pi],
				    flags[fi], false);
				dropped = run(f, b, len, &recs);
				/*
				 * Blocked, but left to the queue: a mail
				 * server's outbound attempt (relay sign).
				 */
				want = d.action == A_BLOCKED &&
				    !(d.reason == R_EXCEPTION_DIRECTION &&
				    d.direction == D_OUTBOUND) &&
				    ports[pi] != 80 &&
				    (flags[fi] & (TH_SYN | TH_ACK | TH_RST)) ==
				    TH_SYN && ti < 3 &&
				    f->pol->conf.mode == MODE_ENFORCE &&
				    !f->pol->conf.reject;
				if (dropped != want)
					fail_msg("%s -> %s:%u flags %#x, %zu "
					    "tags: kernel %s, policy %s (%s)",
					    c, s, ports[pi], flags[fi], ti,
					    dropped ? "dropped" : "passed",
					    action_name(d.action),
					    reason_name(d.reason));
				/* One record per drop (two: xdp and tc). */
				assert_int_equal(recs, dropped ? 2 : 0);
				if (dropped) {
					/*
					 * Expired entries are not in the maps:
					 * the kernel says no-exception, the
					 * event (userspace's) says expired.
					 */
					assert_int_equal(f->last.reason,
					    d.reason == R_EXCEPTION_EXPIRED ?
					    R_NO_EXCEPTION : d.reason);
					assert_int_equal(f->last.dport,
					    ports[pi]);
					assert_int_equal(f->last.vlans, ti);
					(*drops)++;
				}
			}
}

static void
check_all(struct fx *f, int64_t now, unsigned *drops)
{
	size_t	 i, j;

	for (i = 0; i < NELEM(v4hosts); i++)
		for (j = 0; j < NELEM(v4hosts); j++)
			if (i != j)
				check_pair(f, v4hosts[i], v4hosts[j], now,
				    drops);
	for (i = 0; i < NELEM(v6hosts); i++)
		for (j = 0; j < NELEM(v6hosts); j++)
			if (i != j)
				check_pair(f, v6hosts[i], v6hosts[j], now,
				    drops);
}

/* Every pair of hosts, both transit settings: kernel == policy. */
static void
test_fastpath_matches_policy(void **state)
{
	struct fx	*f = *state;
	unsigned	 drops = 0, d0;

	need_bpf(f);
	check_all(f, T_NOW, &drops);
	assert_true(drops > 100);	/* the table does exercise drops */
	d0 = drops;
	f->pol->conf.transit = TRANSIT_BLOCK;
	sync_at(f, T_NOW);
	check_all(f, T_NOW, &drops);
	assert_true(drops - d0 > d0);	/* transit blocks add drops */
	f->pol->conf.transit = TRANSIT_ALLOW;
	sync_at(f, T_NOW);
}

/* Monitor mode and reject = yes: the kernel drops nothing. */
static void
test_fastpath_monitor_reject(void **state)
{
	struct fx	*f = *state;
	unsigned	 drops = 0;

	need_bpf(f);
	f->pol->conf.mode = MODE_MONITOR;
	sync_at(f, T_NOW);
	check_all(f, T_NOW, &drops);
	assert_int_equal(drops, 0);
	f->pol->conf.mode = MODE_ENFORCE;
	f->pol->conf.reject = true;
	sync_at(f, T_NOW);
	check_all(f, T_NOW, &drops);
	assert_int_equal(drops, 0);
	f->pol->conf.reject = false;
	sync_at(f, T_NOW);
}

/*
 * 10.20.5.10's exception (outbound, expires=2026-12-31): allowed before;
 * past its time with the maps not yet rewritten, the kernel defers (pass,
 * counted); once rewritten, it drops as the policy blocks.
 */
static void
test_fastpath_expiry(void **state)
{
	struct fx	*f = *state;
	struct ip_addr	 ca = ip("10.20.5.10"), sa = ip("198.51.100.7");
	struct decision	 d;
	uint64_t	 c0[FP_C_COUNT], c1[FP_C_COUNT];
	uint8_t		 b[300];
	size_t		 len;
	unsigned	 recs;

	need_bpf(f);
	len = frame(b, NULL, "10.20.5.10", "198.51.100.7", 25, TH_SYN, false);
	sync_at(f, T_NOW);
	assert_false(run(f, b, len, &recs));
	fastpath_counters(f->fp, c0);
	set_kernel_now(f, T_AFTER_GEN);		/* maps as written at T_NOW */
	assert_false(run(f, b, len, &recs));
	fastpath_counters(f->fp, c1);
	assert_int_equal(c1[FP_C_DEFERRED] - c0[FP_C_DEFERRED], 2);
	policy_decide(f->pol, &ca, &sa, T_AFTER_GEN, &d);
	assert_int_equal(d.action, A_BLOCKED);
	sync_at(f, T_AFTER_GEN);
	assert_true(run(f, b, len, &recs));
	assert_int_equal(f->last.reason, R_NO_EXCEPTION);
	/* And the whole table at that time. */
	recs = 0;
	check_all(f, T_AFTER_GEN, &recs);
	sync_at(f, T_NOW);
}

/*
 * A relay sign stays with the queue: a mail server with an inbound-only
 * exception sending out is blocked by the policy, but the kernel passes
 * it (counted) so the worker that saw its inbound mail sees it too.  The
 * other direction's refusal (an outbound-only host taking mail) is the
 * kernel's.
 */
static void
test_fastpath_relay_sign(void **state)
{
	struct fx	*f = *state;
	struct ip_addr	 ca = ip("10.20.9.9"), sa = ip("198.51.100.7");
	struct decision	 d;
	uint64_t	 c0[FP_C_COUNT], c1[FP_C_COUNT];
	uint8_t		 b[300];
	size_t		 len;
	unsigned	 recs;

	need_bpf(f);
	policy_decide(f->pol, &ca, &sa, T_NOW, &d);
	assert_int_equal(d.action, A_BLOCKED);
	assert_int_equal(d.reason, R_EXCEPTION_DIRECTION);
	fastpath_counters(f->fp, c0);
	len = frame(b, NULL, "10.20.9.9", "198.51.100.7", 25, TH_SYN, false);
	assert_false(run(f, b, len, &recs));
	assert_int_equal(recs, 0);
	len = frame(b, NULL, "2001:db8:20:8::9", "2001:db8:99::7", 587, TH_SYN,
	    false);
	assert_false(run(f, b, len, &recs));
	fastpath_counters(f->fp, c1);
	assert_int_equal(c1[FP_C_RELAY] - c0[FP_C_RELAY], 4);	/* xdp, tc */
	assert_int_equal(c1[FP_C_DROPPED] - c0[FP_C_DROPPED], 0);
	len = frame(b, NULL, "198.51.100.7", "10.20.8.66", 25, TH_SYN, false);
	assert_true(run(f, b, len, &recs));
	assert_int_equal(f->last.reason, R_EXCEPTION_DIRECTION);
}

/* Quarantine past its end (maps not rewritten): deferred, not dropped. */
static void
test_fastpath_quarantine_end(void **state)
{
	struct fx	*f = *state;
	uint8_t		 b[300];
	size_t		 len;
	unsigned	 recs;

	need_bpf(f);
	/* 10.20.3.99 -> 10.20.1.25: internal, blocked only by quarantine. */
	len = frame(b, NULL, "10.20.3.99", "10.20.1.25", 25, TH_SYN, false);
	assert_true(run(f, b, len, &recs));
	assert_int_equal(f->last.reason, R_QUARANTINE);
	set_kernel_now(f, T_NOW + 3600);	/* its `until` */
	assert_false(run(f, b, len, &recs));
	set_kernel_now(f, T_NOW);
}

/*
 * What the kernel leaves to userspace: IPv6 extension headers, fragments,
 * more than two VLAN tags; and short frames, every length: never dropped.
 */
static void
test_fastpath_passes_the_rest(void **state)
{
	struct fx	*f = *state;
	uint64_t	 c0[FP_C_COUNT], c1[FP_C_COUNT];
	uint8_t		 b[300], l4[80];
	size_t		 len, n, i;
	unsigned	 recs;
	struct tcpspec	 t = { .sport = 40000, .dport = 25, .flags = TH_SYN };

	need_bpf(f);
	fastpath_counters(f->fp, c0);
	/* Blocked (no exception) as a plain SYN ... */
	len = frame(b, NULL, "2001:db8:99::7", "2001:db8:20:3::44", 25,
	    TH_SYN, false);
	assert_true(run(f, b, len, &recs));
	/* ... but behind a hop-by-hop header it is userspace's. */
	len = frame(b, NULL, "2001:db8:99::7", "2001:db8:20:3::44", 25,
	    TH_SYN, true);
	assert_false(run(f, b, len, &recs));
	/* An IPv4 fragment. */
	n = build_eth(b, NULL, 0x0800);
	len = n + build_ipv4(b + n, "198.51.100.7", "10.20.3.44", 6, l4,
	    build_tcp(l4, &t), 0, 0x2000);
	assert_false(run(f, b, len, &recs));
	fastpath_counters(f->fp, c1);
	assert_int_equal(c1[FP_C_UNPARSED] - c0[FP_C_UNPARSED], 4);
	/* Truncated: every length of a blocked SYN short of whole headers. */
	len = frame(b, NULL, "198.51.100.7", "10.20.3.44", 25, TH_SYN, false);
	assert_true(run(f, b, len, &recs));
	/* (the XDP test run wants an Ethernet header) */
	for (i = 14; i < len; i++)
		if (i < 14 + 20 + 20)
			assert_false(i < 34 ? run_xdp(f, b, i) :
			    run(f, b, i, &recs));
}

/*
 * What the queue decides with its own reason: an IPv4-mapped address
 * (decided as the IPv4 host it carries), and, with campus-interfaces,
 * a source from the wrong side of the border.  The test runs deliver
 * every frame on lo, so lo is the campus side here: an outside source
 * arriving on it is left to the queue, a campus one decided as usual.
 */
static void
test_fastpath_leaves_to_the_queue(void **state)
{
	struct fx	*f = *state;
	uint64_t	 c0[FP_C_COUNT], c1[FP_C_COUNT];
	uint8_t		 b[300];
	size_t		 len;
	unsigned	 recs;

	need_bpf(f);
	fastpath_counters(f->fp, c0);
	len = frame(b, NULL, "::ffff:10.20.3.44", "2001:db8:99::7", 25, TH_SYN,
	    false);
	assert_false(run(f, b, len, &recs));
	len = frame(b, NULL, "2001:db8:99::7", "::10.20.3.44", 25, TH_SYN,
	    false);
	assert_false(run(f, b, len, &recs));
	fastpath_counters(f->fp, c1);
	assert_int_equal(c1[FP_C_UNPARSED] - c0[FP_C_UNPARSED], 4);

	f->pol->campus_if[0] = if_nametoindex("lo");
	f->pol->ncampus_if = 1;
	sync_at(f, T_NOW);
	fastpath_counters(f->fp, c0);
	len = frame(b, NULL, "198.51.100.7", "10.20.3.44", 25, TH_SYN, false);
	assert_false(run(f, b, len, &recs));
	len = frame(b, NULL, "198.51.100.7", "203.0.113.66", 25, TH_SYN, false);
	assert_false(run(f, b, len, &recs));
	fastpath_counters(f->fp, c1);
	assert_int_equal(c1[FP_C_SPOOFED] - c0[FP_C_SPOOFED], 4);
	/* from the campus, a campus source: the kernel's to drop */
	len = frame(b, NULL, "10.20.3.44", "198.51.100.7", 25, TH_SYN, false);
	assert_true(run(f, b, len, &recs));
	f->pol->ncampus_if = 0;
}

/*
 * A flood faster than anyone reads the ring buffer: every drop is either
 * a record or counted for its source in fp_lost, with its direction.
 */
static void
test_fastpath_lost_counted(void **state)
{
	struct fx		*f = *state;
	struct fp_srckey	 k, next, *prev = NULL;
	uint64_t		 c0[FP_C_COUNT], c1[FP_C_COUNT], n, lost = 0;
	uint8_t			 b[300];
	size_t			 len;
	unsigned		 runs = 100000, sources = 0;
	int			 fd;

	need_bpf(f);
	fastpath_counters(f->fp, c0);
	len = frame(b, NULL, "198.51.100.7", "10.20.3.44", 25, TH_SYN, false);
	{
		DECLARE_LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = b,
		    .data_size_in = (uint32_t)len, .repeat = runs);

		if (bpf_prog_test_run_opts(fastpath_prog_fd(f->fp,
		    FASTPATH_XDP), &o) != 0)
			fail_msg("BPF_PROG_TEST_RUN: %s", strerror(errno));
		assert_int_equal(o.retval, XDP_DROP_);
	}
	f->nrec = 0;
	ring_buffer__consume(f->rb);
	fastpath_counters(f->fp, c1);
	assert_int_equal(c1[FP_C_DROPPED] - c0[FP_C_DROPPED], runs);
	fd = fastpath_map_fd(f->fp, "fp_lost");
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		k = next;
		prev = &k;
		if (bpf_map_lookup_elem(fd, &k, &n) != 0)
			continue;
		sources++;
		lost += n;
		assert_int_equal(k.af, 4);
		assert_int_equal(k.direction, D_INBOUND);
		assert_memory_equal(k.addr, "\xc6\x33\x64\x07", 4);
	}
	assert_true(lost > 0);		/* the buffer did fill */
	assert_int_equal(sources, 1);
	assert_int_equal(lost, c1[FP_C_LOST] - c0[FP_C_LOST]);
	assert_int_equal(f->nrec + lost, runs);
	/* Leave the map empty for the other tests. */
	while (bpf_map_get_next_key(fd, NULL, &next) == 0)
		bpf_map_delete_elem(fd, &next);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fastpath_matches_policy),
		cmocka_unit_test(test_fastpath_monitor_reject),
		cmocka_unit_test(test_fastpath_expiry),
		cmocka_unit_test(test_fastpath_relay_sign),
		cmocka_unit_test(test_fastpath_quarantine_end),
		cmocka_unit_test(test_fastpath_passes_the_rest),
		cmocka_unit_test(test_fastpath_leaves_to_the_queue),
		cmocka_unit_test(test_fastpath_lost_counted),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
