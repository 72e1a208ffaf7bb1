/*
 * Flood control: per-source thresholds, the window, targets sampled once,
 * eviction that writes out what it throws away, and counts that add up.
 */
#include "util.h"

#define SEC	INT64_C(1000000)

struct got {
	struct summary_rec	 r[64];
	int			 n;
	uint64_t		 total;
};

static void
collect(void *arg, const struct summary_rec *r)
{
	struct got	*g = arg;

	if (g->n < 64)
		g->r[g->n] = *r;
	g->n++;
	g->total += r->count;
}

static bool
admit(struct summary *s, struct got *g, const char *src, const char *dst,
    int64_t t)
{
	struct ip_addr	 a = ip(src), b = ip(dst);

	return summary_admit(s, &a, D_INBOUND, &b, 25, MODE_ENFORCE, t,
	    collect, g);
}

static void
test_threshold_and_window(void **state UNUSED)
{
	struct summary	*s = summary_new(1024, 3, 60);
	struct got	 g = { .n = 0 };
	int		 i, own = 0;

	assert_non_null(s);
	for (i = 0; i < 10; i++)
		own += admit(s, &g, "203.0.113.66", "10.20.3.1", i * SEC);
	assert_int_equal(own, 3);
	assert_int_equal(g.n, 0);		/* nothing written yet */
	summary_flush(s, collect, &g);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.r[0].count, 7);
	assert_int_equal(g.r[0].first_us, 3 * SEC);
	assert_int_equal(g.r[0].last_us, 9 * SEC);
	/* the same target is sampled once */
	assert_int_equal(g.r[0].ntargets, 1);
	/* a flush leaves nothing pending */
	summary_flush(s, collect, &g);
	assert_int_equal(g.n, 1);
	/* a new window: three own events again */
	own = 0;
	for (i = 0; i < 5; i++)
		own += admit(s, &g, "203.0.113.66", "10.20.3.1",
		    (100 + i) * SEC);
	assert_int_equal(own, 3);
	summary_free(s);
}

static void
test_sources_apart_and_sample_bound(void **state UNUSED)
{
	struct summary	*s = summary_new(1024, 1, 60);
	struct got	 g = { .n = 0 };
	char		 d[32];
	int		 i;

	for (i = 0; i < 20; i++) {
		snprintf(d, sizeof(d), "10.20.3.%d", i + 1);
		admit(s, &g, "203.0.113.66", d, i * SEC);
		admit(s, &g, "198.51.100.9", d, i * SEC);
	}
	summary_flush(s, collect, &g);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.total, 38);
	for (i = 0; i < 2; i++)
		assert_int_equal(g.r[i].ntargets, SUMMARY_TARGETS);
	summary_free(s);
}

static void
test_eviction_writes_out(void **state UNUSED)
{
	struct summary	*s = summary_new(64, 1, 60);
	struct got	 g = { .n = 0 };
	char		 a[32];
	int		 i, own = 0, n = 5000;

	/* far more sources than slots, each folding one attempt */
	for (i = 0; i < n; i++) {
		snprintf(a, sizeof(a), "198.51.%d.%d", i / 250, i % 250 + 1);
		own += admit(s, &g, a, "10.20.3.1", i);
		own += admit(s, &g, a, "10.20.3.2", i);
	}
	summary_flush(s, collect, &g);
	/* every attempt is either its own event or counted in a summary */
	assert_int_equal((uint64_t)own + g.total, (uint64_t)(2 * n));
	summary_free(s);
}

static void
test_threshold_zero_is_off(void **state UNUSED)
{
	struct summary	*s = summary_new(64, 0, 60);
	struct got	 g = { .n = 0 };
	int		 i;

	for (i = 0; i < 100; i++)
		assert_true(admit(s, &g, "203.0.113.66", "10.20.3.1", i));
	assert_true(admit(NULL, &g, "203.0.113.66", "10.20.3.1", 0));
	summary_flush(s, collect, &g);
	assert_int_equal(g.n, 0);
	summary_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_threshold_and_window),
		cmocka_unit_test(test_sources_apart_and_sample_bound),
		cmocka_unit_test(test_eviction_writes_out),
		cmocka_unit_test(test_threshold_zero_is_off),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
