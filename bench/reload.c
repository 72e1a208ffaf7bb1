/*
 * bench/reload: how long a reload of a 100,000-entry exception list takes,
 * step by step, against baselines measured in the same run.
 *
 *	bench/reload [-n ENTRIES] [-r ROUNDS] [-k]
 *
 * Writes nfqd.conf and two exception lists of ENTRIES lines (the second
 * with 1% of the entries changed, 1% removed, 1% added) to a mkdtemp
 * folder, then times, ROUNDS times each (the best and the median are
 * printed):
 *
 *	parse		exc_load() alone: read, parse, lpm_build
 *	lpm_build	lpm_build() alone, on the parsed entries
 *	policy_load	conf + exceptions + quarantine state (what a reload reads)
 *	diff		policy_diff(), the reload event's counts
 *	diff-lpm	the diff as it was before (an LPM lookup per entry, both
 *			ways): the baseline
 *	swap		publishing the new policy and freeing the old
 *	ipset-script	the `ipset restore` input, written to memory
 *	ipset-sync	ipset_sync(): the script and `ipset restore` (root only,
 *			in a network namespace of its own, so no set of the
 *			host is touched)
 *
 * `reload` = policy_load + diff + swap, the time packets wait for nothing
 * (workers keep judging with the old policy meanwhile) but the time from
 * SIGHUP or `nfqctl reload` to the new list in force.  -k keeps the folder.
 */
#include <errno.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "base/defs.h"
#include "base/addr.h"
#include "base/lpm.h"
#include "policy/exceptions.h"
#include "policy/policy.h"
#include "kernel/ipset.h"

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

struct timing {
	const char	*name;
	int64_t		 v[64];
	int		 n;
};

static void
t_add(struct timing *t, int64_t ns)
{
	if (t->n < 64)
		t->v[t->n++] = ns;
}

static void
t_print(struct timing *t, const char *note)
{
	if (t->n == 0) {
		printf("  %-14s %10s %10s   %s\n", t->name, "-", "-", note);
		return;
	}
	qsort(t->v, (size_t)t->n, sizeof(t->v[0]), cmp_i64);
	printf("  %-14s %8.2f ms %7.2f ms   %s\n", t->name, t->v[0] / 1e6,
	    t->v[t->n / 2] / 1e6, note);
}

static double
t_median(const struct timing *t)
{
	int64_t	 v[64];

	if (t->n == 0)
		return 0;
	memcpy(v, t->v, sizeof(v));
	qsort(v, (size_t)t->n, sizeof(v[0]), cmp_i64);
	return v[t->n / 2] / 1e6;
}

/*
 * Entry i of a list: 70% IPv4 hosts, 15% IPv4 /24 and /28 networks, 15%
 * IPv6 hosts and /64s; a third with an expiry date.  `variant` 1 changes
 * every 100th entry's direction, drops every 100th (offset 50) and adds
 * as many new ones at the end.
 */
static int
gen_line(FILE *f, size_t i, int variant)
{
	static const char *const dirs[] = { "inbound", "outbound", "both" };
	size_t	 k = i % 20;
	unsigned dir = (unsigned)(i % 3);
	char	 addr[64];

	if (variant == 1 && i % 100 == 50)
		return 0;
	if (variant == 1 && i % 100 == 0)
		dir = (dir + 1) % 3;
	if (k < 14)
		snprintf(addr, sizeof(addr), "10.%zu.%zu.%zu", 64 + i / 65536,
		    (i / 256) % 256, i % 256);
	else if (k < 16)
		snprintf(addr, sizeof(addr), "10.%zu.%zu.0/24",
		    (i / 20 * 2 + k - 14) / 256 % 64,
		    (i / 20 * 2 + k - 14) % 256);
	else if (k < 17)
		snprintf(addr, sizeof(addr), "10.%zu.%zu.%zu/28",
		    128 + (i / 20) / 4096 % 64, (i / 20) / 16 % 256,
		    (i / 20) % 16 * 16);
	else if (k < 19)
		snprintf(addr, sizeof(addr), "2001:db8:%zx:%zx::25",
		    32 + (i >> 16), i & 0xffff);
	else
		snprintf(addr, sizeof(addr), "2001:db8:%zx:%zx::/64",
		    0x1000 + (i >> 16), i & 0xffff);
	fprintf(f, "%-20s %-9s ticket=NET-%06zu owner=dept-%03zu%s added=2025-"
	    "%02zu-%02zu\n", addr, dirs[dir], i, i % 997,
	    i % 3 == 0 ? " expires=2031-06-30" : "", 1 + i % 12, 1 + i % 28);
	return 1;
}

static int
gen_list(const char *path, size_t n, int variant)
{
	FILE	*f;
	size_t	 i, extra = variant == 1 ? n / 100 : 0;

	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fprintf(f, "# bench/reload: %zu generated entries\n", n);
	for (i = 0; i < n; i++)
		gen_line(f, i, variant);
	for (i = 0; i < extra; i++)		/* added: a range of their own */
		fprintf(f, "10.200.%zu.%zu both ticket=NET-9%05zu owner=new\n",
		    i / 256, i % 256, i);
	return fclose(f);
}

/* ---- the baseline diff: the implementation before this benchmark ---- */

static const struct exc_entry *
old_find(const struct policy *p, const struct prefix *pfx)
{
	uint32_t	 idx[129];
	int		 i, n;

	n = lpm_lookup(&p->exc.lpm, &pfx->addr, idx, 129);
	for (i = 0; i < n; i++)
		if (p->exc.v[idx[i]].pfx.len == pfx->len)
			return &p->exc.v[idx[i]];
	return NULL;
}

static void
old_diff(const struct policy *old, const struct policy *new,
    uint32_t *added, uint32_t *removed, uint32_t *changed)
{
	const struct exc_entry	*a, *b;
	size_t			 i;

	*added = *removed = *changed = 0;
	for (i = 0; i < new->exc.n; i++) {
		b = &new->exc.v[i];
		if ((a = old_find(old, &b->pfx)) == NULL)
			(*added)++;
		else if (a->dir != b->dir || a->expires_at != b->expires_at ||
		    strcmp(a->ticket, b->ticket) != 0 ||
		    strcmp(a->owner, b->owner) != 0)
			(*changed)++;
	}
	for (i = 0; i < old->exc.n; i++)
		if (old_find(new, &old->exc.v[i].pfx) == NULL)
			(*removed)++;
}

static void __attribute__((noreturn))
die(const char *what, const char *err)
{
	fprintf(stderr, "bench/reload: %s: %s\n", what, err);
	exit(1);
}

int
main(int argc, char **argv)
{
	struct timing	 t_parse = { "parse", {0}, 0 }, t_lpm = { "lpm_build", {0}, 0 };
	struct timing	 t_load = { "policy_load", {0}, 0 }, t_diff = { "diff", {0}, 0 };
	struct timing	 t_odiff = { "diff-lpm", {0}, 0 }, t_swap = { "swap", {0}, 0 };
	struct timing	 t_script = { "ipset-script", {0}, 0 };
	struct timing	 t_sync = { "ipset-sync", {0}, 0 };
	struct timing	 t_reload = { "reload", {0}, 0 };
	static struct policy *_Atomic live;
	char		 dir[] = "/tmp/nfqd-bench.XXXXXX", conf[256], exc[256],
			 exc2[256], err[ERRLEN], cmd[1100];
	struct policy	*a, *b, *p;
	struct exc_list	 l;
	struct lpm	 lpm;
	size_t		 n = 100000, dup[2];
	uint32_t	 ad, rm, ch, oad, orm, och;
	int		 rounds = 7, keep = 0, c, r, can_sync = 0;
	int64_t		 t0, t1, t2, t3;
	FILE		*f;

	while ((c = getopt(argc, argv, "n:r:k")) != -1)
		switch (c) {
		case 'n': n = strtoul(optarg, NULL, 10); break;
		case 'r': rounds = atoi(optarg); break;
		case 'k': keep = 1; break;
		default:
			fprintf(stderr, "usage: bench/reload [-n ENTRIES] "
			    "[-r ROUNDS] [-k]\n");
			return 2;
		}
	if (rounds < 1 || rounds > 64 || n < 1)
		die("arguments", "-r 1-64, -n at least 1");
	if (mkdtemp(dir) == NULL)
		die("mkdtemp", strerror(errno));
	snprintf(conf, sizeof(conf), "%s/nfqd.conf", dir);
	snprintf(exc, sizeof(exc), "%s/exceptions.conf", dir);
	snprintf(exc2, sizeof(exc2), "%s/exceptions.new", dir);
	if ((f = fopen(conf, "w")) == NULL)
		die(conf, strerror(errno));
	fprintf(f, "internal-networks = 10.0.0.0/8, 2001:db8::/32\n"
	    "exceptions = exceptions.conf\nstate-dir = %s/state\n"
	    "ipset-prefix = nfqdbench\n", dir);
	fclose(f);
	if (gen_list(exc, n, 0) == -1 || gen_list(exc2, n, 1) == -1)
		die("writing the lists", strerror(errno));

	/* ipset restore in a network namespace of our own, if we may. */
	if (geteuid() == 0 && unshare(CLONE_NEWNET) == 0 &&
	    system("ipset -v >/dev/null 2>&1") == 0)
		can_sync = 1;

	for (r = 0; r < rounds; r++) {
		t0 = now_ns();
		if (exc_load(exc, NULL, 0, &l, err, sizeof(err)) == -1)
			die("exc_load", err);
		t_add(&t_parse, now_ns() - t0);
		t0 = now_ns();
		if (lpm_build(&lpm, l.v, l.n, sizeof(*l.v), dup) != 0)
			die("lpm_build", "failed");
		t_add(&t_lpm, now_ns() - t0);
		lpm_free(&lpm);
		exc_free(&l);

		/* The running policy: the first list. */
		if ((a = policy_load(conf, err, sizeof(err))) == NULL)
			die("policy_load", err);
		atomic_store(&live, a);
		/* The reload: the second list replaces it. */
		snprintf(cmd, sizeof(cmd), "cp %s %s.1 && cp %s %s", exc, exc,
		    exc2, exc);
		if (system(cmd) != 0)
			die("cp", "failed");
		t0 = now_ns();
		if ((b = policy_load(conf, err, sizeof(err))) == NULL)
			die("policy_load", err);
		t1 = now_ns();
		policy_diff(a, b, &ad, &rm, &ch);
		t2 = now_ns();
		p = atomic_exchange(&live, b);
		policy_free(p);
		t3 = now_ns();
		t_add(&t_load, t1 - t0);
		t_add(&t_diff, t2 - t1);
		t_add(&t_swap, t3 - t2);
		t_add(&t_reload, t3 - t0);

		/* The baseline diff, on a fresh copy of the old list. */
		snprintf(cmd, sizeof(cmd), "cp %s.1 %s", exc, exc);
		if (system(cmd) != 0 ||
		    (a = policy_load(conf, err, sizeof(err))) == NULL)
			die("policy_load", err);
		t0 = now_ns();
		old_diff(a, b, &oad, &orm, &och);
		t_add(&t_odiff, now_ns() - t0);
		if (oad != ad || orm != rm || och != ch) {
			fprintf(stderr, "bench/reload: diffs differ: %u/%u/%u, "
			    "baseline %u/%u/%u\n", ad, rm, ch, oad, orm, och);
			return 1;
		}
		policy_free(a);

		t0 = now_ns();
		if ((f = fopen("/dev/null", "w")) == NULL ||
		    ipset_script(b, (int64_t)time(NULL), f) == -1)
			die("ipset_script", strerror(errno));
		fclose(f);
		t_add(&t_script, now_ns() - t0);
		if (can_sync) {
			t0 = now_ns();
			if (ipset_sync(b, (int64_t)time(NULL), err,
			    sizeof(err)) == -1)
				die("ipset_sync", err);
			t_add(&t_sync, now_ns() - t0);
		}
		policy_free(atomic_exchange(&live, NULL));
	}

	printf("bench/reload: %zu entries (%zu after the reload: %u added, "
	    "%u removed, %u changed), %d rounds\n", n, n - n / 100 + n / 100,
	    ad, rm, ch, rounds);
	printf("  %-14s %11s %10s\n", "step", "best", "median");
	t_print(&t_parse, "baseline: exc_load alone (read, parse, lpm_build)");
	t_print(&t_lpm, "lpm_build alone");
	t_print(&t_load, "conf + exceptions + quarantine");
	t_print(&t_diff, "policy_diff");
	t_print(&t_odiff, "baseline: the previous policy_diff (LPM lookups)");
	t_print(&t_swap, "atomic swap + free the old policy");
	t_print(&t_reload, "= policy_load + diff + swap (the reload)");
	t_print(&t_script, "ipset restore input, to /dev/null");
	t_print(&t_sync, can_sync ? "ipset_sync: script + ipset restore, "
	    "after the swap" : "needs root and ipset");
	printf("reload %.1f ms for %zu entries (budget 100 ms): %s; "
	    "diff %.1fx faster than the baseline\n", t_median(&t_reload), n,
	    t_median(&t_reload) < 100 ? "OK" : "OVER", t_median(&t_odiff) /
	    (t_median(&t_diff) > 0 ? t_median(&t_diff) : 1));
	if (!keep) {
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "bench/reload: cannot remove %s\n", dir);
	} else
		printf("kept %s\n", dir);
	return 0;
}
