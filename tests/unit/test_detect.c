/*
 * Detections: sliding windows, once-per-window alerts, the relay rule
 * (the gateway relays by design), announcements raising thresholds, and
 * the announcements file's errors by file:line.
 */
#include "util.h"
#include "engine/smtp.h"

#define SEC	INT64_C(1000000)

struct got {
	struct detection	 x[16];
	int			 n;
};

static void
collect(void *arg, const struct detection *x)
{
	struct got	*g = arg;

	if (g->n < 16)
		g->x[g->n] = *x;
	g->n++;
}

static struct conf
conf_for_test(void)
{
	struct conf	 c;

	memset(&c, 0, sizeof(c));
	c.detect_hosts = 256;
	c.bulk_attempts = 5;
	c.bulk_messages = 3;
	c.bulk_recipients = 10;
	c.bulk_window = 60;
	c.harvest_recipients = 20;
	c.harvest_rejects = 5;
	c.harvest_window = 60;
	c.relay_window = 60;
	c.max_message_size = 1000;
	return c;
}

static void
attempt(struct detect *d, struct got *g, const char *src, uint8_t action,
    uint8_t excdir, int64_t t)
{
	struct ip_addr	 a = ip(src), b = ip("198.51.100.7");

	detect_conn(d, NULL, &a, &b, D_OUTBOUND, action, excdir, 1, t,
	    collect, g);
}

static void
test_bulk_attempts_window(void **state UNUSED)
{
	struct conf	 c = conf_for_test();
	struct detect	*d = detect_new(&c);
	struct got	 g = { .n = 0 };
	int		 i;

	for (i = 0; i < 5; i++)
		attempt(d, &g, "10.20.3.44", A_BLOCKED, 0, i * SEC);
	assert_int_equal(g.n, 0);		/* at the limit: quiet */
	attempt(d, &g, "10.20.3.44", A_BLOCKED, 0, 5 * SEC);
	assert_int_equal(g.n, 1);
	assert_string_equal(detection_name(g.x[0].kind), "bulk_attempts");
	assert_int_equal(g.x[0].count, 6);
	assert_int_equal(g.x[0].limit, 5);
	assert_true(g.x[0].blocked);
	/* once per window */
	for (i = 6; i < 30; i++)
		attempt(d, &g, "10.20.3.44", A_BLOCKED, 0, i * SEC);
	assert_int_equal(g.n, 1);
	/* two windows later it has all been forgotten */
	attempt(d, &g, "10.20.3.44", A_BLOCKED, 0, 200 * SEC);
	assert_int_equal(g.n, 1);
	/* another host has its own count */
	for (i = 0; i < 6; i++)
		attempt(d, &g, "10.20.3.45", A_ALLOWED, EXC_OUTBOUND, i * SEC);
	assert_int_equal(g.n, 2);
	assert_false(g.x[1].blocked);
	detect_free(d);
}

static void
test_sliding_window_weights_previous(void **state UNUSED)
{
	struct conf	 c = conf_for_test();
	struct detect	*d = detect_new(&c);
	struct got	 g = { .n = 0 };
	int		 i;

	/*
	 * Two buckets of 60 s: the previous bucket counts in proportion to
	 * how much of it the sliding window still covers.  5 attempts at
	 * 0-4 s, then 2 at 61-62 s: the previous bucket still counts about
	 * 5, so 2 more make 6, over the limit of 5.
	 */
	for (i = 0; i < 5; i++)
		attempt(d, &g, "10.20.3.44", A_BLOCKED, 0, i * SEC);
	attempt(d, &g, "10.20.3.44", A_BLOCKED, 0, 61 * SEC);
	assert_int_equal(g.n, 0);
	attempt(d, &g, "10.20.3.44", A_BLOCKED, 0, 62 * SEC);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.x[0].count, 6);
	/* Late in the next bucket the old 5 have nearly faded: quiet. */
	for (i = 0; i < 5; i++)
		attempt(d, &g, "10.20.3.45", A_BLOCKED, 0, i * SEC);
	attempt(d, &g, "10.20.3.45", A_BLOCKED, 0, 115 * SEC);
	attempt(d, &g, "10.20.3.45", A_BLOCKED, 0, 116 * SEC);
	assert_int_equal(g.n, 1);
	detect_free(d);
}

static void
test_relay_rule(void **state UNUSED)
{
	struct conf	 c = conf_for_test();
	struct detect	*d = detect_new(&c);
	struct got	 g = { .n = 0 };
	struct ip_addr	 out = ip("198.51.100.40"), gw = ip("10.20.1.25"),
			 phys = ip("10.20.8.15");

	/* the gateway: in, then out under an exception for both: quiet */
	detect_conn(d, NULL, &out, &gw, D_INBOUND, A_ALLOWED, EXC_BOTH, 7,
	    0, collect, &g);
	attempt(d, &g, "10.20.1.25", A_ALLOWED, EXC_BOTH, 10 * SEC);
	assert_int_equal(g.n, 0);
	/* a department server: in, then out and blocked: suspect */
	detect_conn(d, NULL, &out, &phys, D_INBOUND, A_ALLOWED, EXC_INBOUND, 8,
	    0, collect, &g);
	attempt(d, &g, "10.20.8.15", A_BLOCKED, 0, 10 * SEC);
	assert_int_equal(g.n, 1);
	assert_string_equal(detection_name(g.x[0].kind), "relay_suspect");
	assert_int_equal(g.x[0].related_flow, 8);
	/* too late after the inbound one: quiet */
	detect_conn(d, NULL, &out, &phys, D_INBOUND, A_ALLOWED, EXC_INBOUND, 9,
	    100 * SEC, collect, &g);
	attempt(d, &g, "10.20.8.15", A_BLOCKED, 0, 300 * SEC);
	assert_int_equal(g.n, 1);
	detect_free(d);
}

static void
test_smtp_detections(void **state UNUSED)
{
	struct conf		 c = conf_for_test();
	struct detect		*d = detect_new(&c);
	struct got		 g = { .n = 0 };
	struct smtp_meta	 m;
	struct ip_addr		 cli = ip("192.0.2.200"), srv = ip("10.20.1.25");

	memset(&m, 0, sizeof(m));
	m.rcpts = 21;
	m.replies[3] = 6;
	detect_smtp(d, NULL, &cli, &srv, D_INBOUND, &m, 3, 0, collect, &g);
	assert_int_equal(g.n, 2);
	assert_string_equal(detection_name(g.x[0].kind), "harvest_recipients");
	assert_string_equal(detection_name(g.x[1].kind), "harvest_rejects");
	assert_true(addr_equal(&g.x[0].host, &cli));
	memset(&m, 0, sizeof(m));
	m.messages = 4;
	m.rcpts = 4;
	m.max_message = 1001;
	detect_smtp(d, NULL, &srv, &cli, D_OUTBOUND, &m, 4, 0, collect, &g);
	assert_int_equal(g.n, 4);
	assert_string_equal(detection_name(g.x[2].kind), "bulk_messages");
	assert_string_equal(detection_name(g.x[3].kind), "message_size");
	assert_int_equal(g.x[3].count, 1001);
	assert_int_equal(detection_sid(g.x[3].kind), 9250107);
	detect_free(d);
}

static void
test_announcements(void **state UNUSED)
{
	struct tmpdir	 t;
	char		 path[MAX_PATH], conf[MAX_PATH], err[ERRLEN];
	struct announce	*a;
	size_t		 n;
	struct policy	*p;
	struct ip_addr	 h = ip("10.20.5.10");

	tmpdir_new(&t);
	write_file(&t, "a.conf", "# mailings\n"
	    "10.20.5.10 2026-09-21T09:00 2026-09-21T12:00 x10 # SEC-77\n"
	    "10.20.6.0/24 2026-09-21 2026-09-22 x2\n", path);
	assert_int_equal(announce_load(path, &a, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 2);
	assert_int_equal(a[0].factor, 10);
	assert_int_equal(a[0].until - a[0].from, 3 * 3600);
	free(a);
	write_file(&t, "b.conf", "\n10.20.5.10 2026-09-21 x10\n", path);
	assert_int_equal(announce_load(path, &a, &n, err, sizeof(err)), -1);
	assert_contains(err, "b.conf:2: expected ADDRESS FROM UNTIL xFACTOR");
	write_file(&t, "b.conf", "10.20.5.1/24 2026-09-21 2026-09-22 x2\n",
	    path);
	assert_int_equal(announce_load(path, &a, &n, err, sizeof(err)), -1);
	assert_contains(err, "b.conf:1: host bits set");
	write_file(&t, "b.conf", "10.20.5.1 2026-09-21T25:00 2026-09-22 x2\n",
	    path);
	assert_int_equal(announce_load(path, &a, &n, err, sizeof(err)), -1);
	assert_contains(err, "b.conf:1: bad time");
	write_file(&t, "b.conf", "10.20.5.1 2026-09-21 2026-09-22 x1\n", path);
	assert_int_equal(announce_load(path, &a, &n, err, sizeof(err)), -1);
	assert_contains(err, "bad factor 'x1'");

	/* through the policy: the factor in force at a time */
	write_file(&t, "e.conf", "", path);
	write_file(&t, "nfqd.conf", "internal-networks = 10.20.0.0/16\n"
	    "exceptions = e.conf\nbulk-announcements = a.conf\n", conf);
	p = policy_load(conf, err, sizeof(err));
	assert_non_null(p);
	assert_int_equal(policy_bulk_factor(p, &h,
	    INT64_C(1789981200) * SEC), 10);	/* 2026-09-21T09:00Z */
	assert_int_equal(policy_bulk_factor(p, &h,
	    INT64_C(1789992000) * SEC), 1);	/* 12:00Z: over */
	policy_free(p);
	tmpdir_rm(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bulk_attempts_window),
		cmocka_unit_test(test_sliding_window_weights_previous),
		cmocka_unit_test(test_relay_rule),
		cmocka_unit_test(test_smtp_detections),
		cmocka_unit_test(test_announcements),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
