/*
 * What nfqd does about an alert (respond.c): auto-quarantine of a campus
 * bulk sender and harvest blocks of an outside source, each only when
 * configured; who is never auto-quarantined (an exception for the
 * alert's direction, unless auto-quarantine-exceptions; a host already in
 * quarantine; an outside host); what the table blocks (either end of any
 * connection, or an inbound client) and until when; the bounded table's
 * eviction and refusals; the owner's settle (starts, hand-over, ends).
 */
#include "util.h"

#define NOW	INT64_C(1790000000)

struct fx {
	struct tmpdir	 dir;
	struct policy	*pol;
	struct respond	*r;
};

static int
setup(void **state)
{
	struct fx	*f = calloc(1, sizeof(*f));
	char		 path[MAX_PATH], err[ERRLEN], conf[2 * MAX_PATH];

	if (f == NULL)
		return -1;
	tmpdir_new(&f->dir);
	write_file(&f->dir, "exceptions.conf",
	    "10.20.1.25 both ticket=NET-1001\n"
	    "10.20.9.9 inbound ticket=NET-1311\n"
	    "10.20.5.10 outbound ticket=NET-1290 expires=2020-01-01\n", path);
	snprintf(conf, sizeof(conf), "internal-networks = 10.20.0.0/16\n"
	    "exceptions = exceptions.conf\nstate-dir = %s/state\n"
	    "auto-quarantine = 30m\nharvest-block = 10m\n", f->dir.path);
	write_file(&f->dir, "nfqd.conf", conf, path);
	if ((f->pol = policy_load(path, err, sizeof(err))) == NULL)
		fail_msg("policy_load: %s", err);
	assert_int_equal(f->pol->conf.auto_quarantine, 1800);
	assert_int_equal(f->pol->conf.harvest_block, 600);
	f->r = respond_new(16);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;

	respond_free(f->r);
	policy_free(f->pol);
	tmpdir_rm(&f->dir);
	free(f);
	return 0;
}

static uint8_t
kind(const char *name)
{
	for (uint8_t k = 0; k < 8; k++)
		if (strcmp(detection_name(k), name) == 0)
			return k;
	fail_msg("no detection %s", name);
	return 0;
}

static struct resp_out
alert(struct fx *f, const char *k, const char *host, int64_t now)
{
	struct detection	 x;
	struct resp_out		 out;

	memset(&x, 0, sizeof(x));
	x.kind = kind(k);
	x.fire = true;
	x.host = ip(host);
	x.count = 31;
	x.limit = 30;
	x.window = 600;
	x.flow_id = 4242;
	respond_alert(f->r, f->pol, &x, now, &out);
	return out;
}

static bool
blocks(struct fx *f, const char *c, const char *s, uint8_t dir, int64_t now,
    struct resp_entry *hit)
{
	struct ip_addr	 a = ip(c), b = ip(s);
	struct resp_entry tmp;

	return respond_check(f->r, &a, &b, dir, now, hit ? hit : &tmp);
}

static void
test_auto_quarantine(void **state)
{
	struct fx		*f = *state;
	struct resp_out		 o;
	struct resp_entry	 hit;
	struct quar_entry	 q;

	assert_false(blocks(f, "10.20.3.44", "198.51.100.7", D_OUTBOUND, NOW,
	    NULL));
	o = alert(f, "bulk_attempts", "10.20.3.44", NOW);
	assert_int_equal(o.kind, RK_QUARANTINE);
	assert_int_equal(o.note, RN_DONE);
	assert_int_equal(o.until, NOW + 1800);
	/* Either end of any connection, until its end. */
	assert_true(blocks(f, "10.20.3.44", "198.51.100.7", D_OUTBOUND, NOW,
	    &hit));
	assert_int_equal(hit.kind, RK_QUARANTINE);
	assert_true(blocks(f, "203.0.113.66", "10.20.3.44", D_INBOUND,
	    NOW + 60, NULL));
	assert_true(blocks(f, "10.20.1.25", "10.20.3.44", D_INTERNAL,
	    NOW + 1799, NULL));
	assert_false(blocks(f, "10.20.3.44", "198.51.100.7", D_OUTBOUND,
	    NOW + 1800, NULL));
	assert_false(blocks(f, "10.20.3.45", "198.51.100.7", D_OUTBOUND, NOW,
	    NULL));
	/* As a quarantine list entry: who nfqd, the alert named. */
	respond_quar_entry(&hit, &q);
	assert_string_equal(q.who, "nfqd");
	assert_int_equal(q.pfx.len, 32);
	assert_int_equal(q.since, NOW);
	assert_int_equal(q.until, NOW + 1800);
	assert_string_equal(q.reason, "auto-quarantine: bulk_attempts alert "
	    "(sid 9250101): 31 over 30 in 600 s, flow 4242");
	/* A second alert finds it in force. */
	o = alert(f, "bulk_messages", "10.20.3.44", NOW + 5);
	assert_int_equal(o.note, RN_ALREADY);
	assert_int_equal(o.until, NOW + 1800);
	/* Outside internal-networks (no IPv6 prefix here): not ours. */
	o = alert(f, "bulk_recipients", "2001:db8:20:3::44", NOW);
	assert_int_equal(o.note, RN_NOT_CAMPUS);
	/* Other kinds: no response. */
	o = alert(f, "relay_suspect", "10.20.8.15", NOW);
	assert_int_equal(o.kind, RK_NONE);
	o = alert(f, "message_size", "10.20.8.15", NOW);
	assert_int_equal(o.kind, RK_NONE);
}

static void
test_who_is_spared(void **state)
{
	struct fx	*f = *state;
	struct resp_out	 o;

	/* The gateway: an exception for the alert's direction. */
	o = alert(f, "bulk_attempts", "10.20.1.25", NOW);
	assert_int_equal(o.kind, RK_QUARANTINE);
	assert_int_equal(o.note, RN_EXCEPTION);
	assert_int_equal(o.until, 0);
	assert_contains(response_note(o.note), "auto-quarantine-exceptions");
	assert_false(blocks(f, "10.20.1.25", "198.51.100.7", D_OUTBOUND, NOW,
	    NULL));
	/* An exception for the other direction protects nothing here. */
	o = alert(f, "bulk_attempts", "10.20.9.9", NOW);
	assert_int_equal(o.note, RN_DONE);
	/* An expired one neither. */
	o = alert(f, "bulk_messages", "10.20.5.10", NOW);
	assert_int_equal(o.note, RN_DONE);
	/* An outside host is not ours to quarantine. */
	o = alert(f, "bulk_attempts", "198.51.100.7", NOW);
	assert_int_equal(o.note, RN_NOT_CAMPUS);
	/* auto-quarantine-exceptions = yes: the gateway too. */
	f->pol->conf.auto_quarantine_exceptions = true;
	o = alert(f, "bulk_attempts", "10.20.1.25", NOW);
	assert_int_equal(o.note, RN_DONE);
	/* off: nothing, said nothing. */
	f->pol->conf.auto_quarantine = 0;
	o = alert(f, "bulk_attempts", "10.20.3.99", NOW);
	assert_int_equal(o.kind, RK_NONE);
	assert_false(blocks(f, "10.20.3.99", "198.51.100.7", D_OUTBOUND, NOW,
	    NULL));
}

/* A host the quarantine list already has: nothing more to do. */
static void
test_already_in_quarantine(void **state)
{
	struct fx		*f = *state;
	struct quar_entry	 e;
	struct quar_list	*q = calloc(1, sizeof(*q));
	char			 err[ERRLEN], dir[MAX_PATH];
	struct resp_out		 o;

	memset(&e, 0, sizeof(e));
	assert_int_equal(prefix_parse("10.20.3.0/24", &e.pfx, err,
	    sizeof(err)), 0);
	e.since = NOW - 10;
	e.until = NOW + 3600;
	snprintf(e.reason, sizeof(e.reason), "scan");
	snprintf(e.who, sizeof(e.who), "alice");
	tmpdir_file(&f->dir, "state", dir);
	assert_int_equal(quar_add(dir, &e, err, sizeof(err)), 0);
	assert_int_equal(quar_settle(dir, NOW, q, NULL, NULL, err,
	    sizeof(err)), 0);
	quar_destroy(policy_set_quar(f->pol, q));
	o = alert(f, "bulk_attempts", "10.20.3.44", NOW);
	assert_int_equal(o.note, RN_ALREADY);
	assert_false(blocks(f, "10.20.3.44", "198.51.100.7", D_OUTBOUND, NOW,
	    NULL));
}

static void
test_harvest_block(void **state)
{
	struct fx		*f = *state;
	struct resp_out		 o;
	struct resp_entry	 hit;

	o = alert(f, "harvest_rejects", "192.0.2.200", NOW);
	assert_int_equal(o.kind, RK_HARVEST_BLOCK);
	assert_int_equal(o.note, RN_DONE);
	assert_int_equal(o.until, NOW + 600);
	/* Its inbound connections, to any campus host; nothing else. */
	assert_true(blocks(f, "192.0.2.200", "10.20.1.25", D_INBOUND, NOW + 1,
	    &hit));
	assert_int_equal(hit.kind, RK_HARVEST_BLOCK);
	assert_contains(hit.reason, "harvest-block: harvest_rejects alert");
	assert_false(blocks(f, "10.20.1.25", "192.0.2.200", D_OUTBOUND, NOW,
	    NULL));
	assert_false(blocks(f, "192.0.2.201", "10.20.1.25", D_INBOUND, NOW,
	    NULL));
	assert_false(blocks(f, "192.0.2.200", "10.20.1.25", D_INBOUND,
	    NOW + 600, NULL));
	o = alert(f, "harvest_recipients", "192.0.2.200", NOW + 2);
	assert_int_equal(o.note, RN_ALREADY);
	/* Never a campus host. */
	o = alert(f, "harvest_recipients", "10.20.3.44", NOW);
	assert_int_equal(o.note, RN_CAMPUS);
	/* Not the bulk kinds' business, and off when off. */
	f->pol->conf.harvest_block = 0;
	o = alert(f, "harvest_recipients", "192.0.2.9", NOW);
	assert_int_equal(o.kind, RK_NONE);
}

/* Full: the entry closest to its end makes room, if it ends sooner. */
static void
test_full_table(void **state)
{
	struct fx	*f = *state;
	struct resp_out	 o;

	respond_free(f->r);
	f->r = respond_new(2);
	assert_int_equal(alert(f, "bulk_attempts", "10.20.3.1", NOW).note,
	    RN_DONE);
	assert_int_equal(alert(f, "bulk_attempts", "10.20.3.2", NOW + 10).note,
	    RN_DONE);
	/* A 10-minute harvest block ends before both: refused. */
	o = alert(f, "harvest_recipients", "192.0.2.200", NOW + 20);
	assert_int_equal(o.note, RN_FULL);
	assert_int_equal(respond_refused(f->r), 1);
	assert_false(blocks(f, "192.0.2.200", "10.20.1.25", D_INBOUND, NOW + 20,
	    NULL));
	/* A quarantine ending later evicts the earliest (10.20.3.1). */
	o = alert(f, "bulk_attempts", "10.20.3.3", NOW + 30);
	assert_int_equal(o.note, RN_DONE);
	assert_false(blocks(f, "10.20.3.1", "198.51.100.7", D_OUTBOUND, NOW + 30,
	    NULL));
	assert_true(blocks(f, "10.20.3.2", "198.51.100.7", D_OUTBOUND, NOW + 30,
	    NULL));
	assert_true(blocks(f, "10.20.3.3", "198.51.100.7", D_OUTBOUND, NOW + 30,
	    NULL));
}

struct rec {
	int		 n;
	uint8_t		 act[8];
	struct resp_entry e[8];
	int		 ret;
};

static int
record(void *arg, uint8_t act, const struct resp_entry *e)
{
	struct rec	*r = arg;

	if (r->n < 8) {
		r->act[r->n] = act;
		r->e[r->n] = *e;
	}
	r->n++;
	return act == RA_START ? r->ret : 0;
}

static void
test_settle(void **state)
{
	struct fx	*f = *state;
	struct rec	 r;

	memset(&r, 0, sizeof(r));
	/* Nothing owed: no call. */
	assert_int_equal(respond_settle(f->r, NOW, record, &r), 0);
	assert_int_equal(r.n, 0);
	alert(f, "bulk_attempts", "10.20.3.44", NOW);
	alert(f, "harvest_rejects", "192.0.2.200", NOW);
	/* Kept (replay): a start each, once. */
	assert_int_equal(respond_settle(f->r, NOW, record, &r), 2);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.act[0], RA_START);
	assert_int_equal(r.act[1], RA_START);
	assert_int_equal(respond_settle(f->r, NOW + 1, record, &r), 2);
	assert_int_equal(r.n, 2);
	/* The harvest block ends first (10 min), then the quarantine. */
	assert_int_equal(respond_settle(f->r, NOW + 600, record, &r), 1);
	assert_int_equal(r.n, 3);
	assert_int_equal(r.act[2], RA_END);
	assert_int_equal(r.e[2].kind, RK_HARVEST_BLOCK);
	assert_int_equal(respond_settle(f->r, NOW + 1800, record, &r), 0);
	assert_int_equal(r.n, 4);
	assert_int_equal(r.e[3].kind, RK_QUARANTINE);
	assert_false(blocks(f, "10.20.3.44", "198.51.100.7", D_OUTBOUND,
	    NOW + 1700, NULL));

	/* Handed over (live: the quarantine list has it): it leaves. */
	memset(&r, 0, sizeof(r));
	r.ret = 1;
	alert(f, "bulk_attempts", "10.20.3.45", NOW + 2000);
	assert_true(blocks(f, "10.20.3.45", "198.51.100.7", D_OUTBOUND,
	    NOW + 2000, NULL));
	assert_int_equal(respond_settle(f->r, NOW + 2000, record, &r), 0);
	assert_int_equal(r.n, 1);
	assert_false(blocks(f, "10.20.3.45", "198.51.100.7", D_OUTBOUND,
	    NOW + 2000, NULL));
	/* No end for what was handed over. */
	assert_int_equal(respond_settle(f->r, NOW + 9000, record, &r), 0);
	assert_int_equal(r.n, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_auto_quarantine, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_who_is_spared, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_already_in_quarantine,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_harvest_block, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_full_table, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_settle, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
