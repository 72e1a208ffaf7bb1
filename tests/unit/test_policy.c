/*
 * policy_decide over a policy loaded from files written to a scratch
 * folder: every direction, exact and prefix exceptions, the more specific
 * entry deciding, expired entries, the expiry boundary, IPv6.
 */
#include "util.h"

#define T_2026_09_21	INT64_C(1790000000)	/* 2026-09-21T14:13:20Z */
#define T_2026_09_01	INT64_C(1788220800)	/* 2026-09-01T00:00:00Z */

#define OUTSIDE		"198.51.100.7"
#define OUTSIDE6	"2001:db8:ff::7"

static const char *const conf_text =
    "internal-networks = 10.20.0.0/16, 2001:db8:20::/48\n"
    "exceptions = exceptions.conf\n";

static const char *const exc_text =
    /* 1 */ "10.20.1.25 both ticket=NET-1001 owner=its-mail\n"
    /* 2 */ "10.20.8.0/24 inbound ticket=NET-1187 expires=2027-06-30\n"
    /* 3 */ "10.20.8.66 outbound ticket=NET-1203\n"
    /* 4 */ "10.20.5.10 outbound expires=2026-12-31\n"
    /* 5 */ "10.20.7.7 both ticket=NET-0950 expires=2026-08-31\n"
    /* 6 */ "10.20.6.0/24 inbound\n"
    /* 7 */ "10.20.6.6 both expires=2026-01-31\n"
    /* 8 */ "10.20.9.0/24 both expires=2025-01-01\n"
    /* 9 */ "10.20.9.9 inbound expires=2026-01-01\n"
    /* 10 */ "2001:db8:20:1::25 both\n"
    /* 11 */ "2001:db8:20:8::/64 inbound\n"
    /* 12 */ "2001:db8:20:8::66 outbound\n"
    /* 13 */ "198.51.100.0/24 both\n"
    /* 14 */ "2001:db8:20:7::7 both expires=2026-08-31\n"
    /* 15 */ "10.20.10.10 outbound expires=2026-01-01\n";

struct fx {
	struct tmpdir	 dir;
	struct policy	*pol;
};

static struct policy *
load(struct fx *f, const char *conf, const char *exc)
{
	char	 path[MAX_PATH], err[ERRLEN] = "";

	write_file(&f->dir, "exceptions.conf", exc, path);
	write_file(&f->dir, "nfqd.conf", conf, path);
	policy_free(f->pol);
	f->pol = policy_load(path, err, sizeof(err));
	if (f->pol == NULL)
		fail_msg("policy_load: %s", err);
	return f->pol;
}

static int
setup(void **state)
{
	struct fx	*f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	tmpdir_new(&f->dir);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;

	policy_free(f->pol);
	tmpdir_rm(&f->dir);
	free(f);
	return 0;
}

static struct decision
decide(const struct policy *p, const char *client, const char *server,
    int64_t now)
{
	struct ip_addr	 c = ip(client), s = ip(server);
	struct decision	 d;

	memset(&d, 0xa5, sizeof(d));
	policy_decide(p, &c, &s, now, &d);
	return d;
}

static void
check_at(const struct decision *d, int action, int direction, int reason,
    int line)
{
	if (d->action != action || d->direction != direction ||
	    d->reason != reason)
		fail_msg("line %d: got %s/%s/%s, expected %s/%s/%s", line,
		    action_name(d->action), direction_name(d->direction),
		    reason_name(d->reason), action_name((uint8_t)action),
		    direction_name((uint8_t)direction),
		    reason_name((uint8_t)reason));
}
#define check(d, a, di, r)	check_at(d, a, di, r, __LINE__)

/* The deciding entry is `pfx`, from line `line`. */
static void
check_exc(const struct decision *d, const char *pfxs, unsigned line)
{
	char	 s[PREFIX_STRLEN];

	assert_non_null(d->exc);
	prefix_format(&d->exc->pfx, s, sizeof(s));
	assert_string_equal(s, pfxs);
	assert_int_equal(d->exc->line, line);
}

static void
test_names(void **state UNUSED)
{
	assert_string_equal(direction_name(D_INBOUND), "inbound");
	assert_string_equal(direction_name(D_OUTBOUND), "outbound");
	assert_string_equal(direction_name(D_INTERNAL), "internal");
	assert_string_equal(direction_name(D_TRANSIT), "transit");
	assert_string_equal(direction_name(9), "?");
	assert_string_equal(action_name(A_ALLOWED), "allowed");
	assert_string_equal(action_name(A_BLOCKED), "blocked");
	assert_string_equal(reason_name(R_EXCEPTION), "exception");
	assert_string_equal(reason_name(R_INTERNAL), "internal");
	assert_string_equal(reason_name(R_TRANSIT), "transit");
	assert_string_equal(reason_name(R_NO_EXCEPTION), "no-exception");
	assert_string_equal(reason_name(R_EXCEPTION_EXPIRED),
	    "exception-expired");
	assert_string_equal(reason_name(R_EXCEPTION_DIRECTION),
	    "exception-direction");
	assert_string_equal(reason_name(99), "?");
}

static void
test_inbound_outbound_without_exception(void **state)
{
	struct policy	*p = load(*state, conf_text, exc_text);
	struct decision	 d;

	d = decide(p, OUTSIDE, "10.20.3.3", T_2026_09_21);
	check(&d, A_BLOCKED, D_INBOUND, R_NO_EXCEPTION);
	assert_null(d.exc);
	d = decide(p, "10.20.3.3", OUTSIDE, T_2026_09_21);
	check(&d, A_BLOCKED, D_OUTBOUND, R_NO_EXCEPTION);
	assert_null(d.exc);
}

static void
test_internal_and_transit(void **state)
{
	struct policy	*p = load(*state, conf_text, exc_text);
	struct decision	 d;

	d = decide(p, "10.20.3.3", "10.20.4.4", T_2026_09_21);
	check(&d, A_ALLOWED, D_INTERNAL, R_INTERNAL);
	assert_null(d.exc);
	d = decide(p, "2001:db8:20::1", "10.20.4.4", T_2026_09_21);
	check(&d, A_ALLOWED, D_INTERNAL, R_INTERNAL);
	d = decide(p, OUTSIDE, "203.0.113.5", T_2026_09_21);
	check(&d, A_ALLOWED, D_TRANSIT, R_TRANSIT);
	assert_null(d.exc);
	d = decide(p, OUTSIDE6, "2001:db8:fe::1", T_2026_09_21);
	check(&d, A_ALLOWED, D_TRANSIT, R_TRANSIT);
}

static void
test_transit_block(void **state)
{
	struct policy	*p;
	struct decision	 d;
	char		 conf[256];

	snprintf(conf, sizeof(conf), "%stransit = block\n", conf_text);
	p = load(*state, conf, exc_text);
	assert_int_equal(p->conf.transit, TRANSIT_BLOCK);
	d = decide(p, OUTSIDE, "203.0.113.5", T_2026_09_21);
	check(&d, A_BLOCKED, D_TRANSIT, R_TRANSIT);
	assert_null(d.exc);
	d = decide(p, OUTSIDE6, "2001:db8:fe::1", T_2026_09_21);
	check(&d, A_BLOCKED, D_TRANSIT, R_TRANSIT);
	/* internal is still allowed */
	d = decide(p, "10.20.3.3", "10.20.4.4", T_2026_09_21);
	check(&d, A_ALLOWED, D_INTERNAL, R_INTERNAL);
	/* an exception for a transit address changes nothing */
	d = decide(p, OUTSIDE, "198.51.100.8", T_2026_09_21);
	check(&d, A_BLOCKED, D_TRANSIT, R_TRANSIT);
}

static void
test_allowed_by_exact_host(void **state)
{
	struct policy	*p = load(*state, conf_text, exc_text);
	struct decision	 d;

	d = decide(p, OUTSIDE, "10.20.1.25", T_2026_09_21);
	check(&d, A_ALLOWED, D_INBOUND, R_EXCEPTION);
	check_exc(&d, "10.20.1.25/32", 1);
	assert_string_equal(d.exc->ticket, "NET-1001");
	assert_string_equal(d.exc->owner, "its-mail");
	d = decide(p, "10.20.1.25", OUTSIDE, T_2026_09_21);
	check(&d, A_ALLOWED, D_OUTBOUND, R_EXCEPTION);
	check_exc(&d, "10.20.1.25/32", 1);
	/* the neighbour is not covered */
	d = decide(p, OUTSIDE, "10.20.1.26", T_2026_09_21);
	check(&d, A_BLOCKED, D_INBOUND, R_NO_EXCEPTION);
}

static void
test_allowed_by_prefix(void **state)
{
	struct policy	*p = load(*state, conf_text, exc_text);
	struct decision	 d;

	d = decide(p, OUTSIDE, "10.20.8.5", T_2026_09_21);
	check(&d, A_ALLOWED, D_INBOUND, R_EXCEPTION);
	check_exc(&d, "10.20.8.0/24", 2);
	d = decide(p, OUTSIDE, "10.20.8.255", T_2026_09_21);
	check(&d, A_ALLOWED, D_INBOUND, R_EXCEPTION);
	/* the /24 is inbound only */
	d = decide(p, "10.20.8.5", OUTSIDE, T_2026_09_21);
	check(&d, A_BLOCKED, D_OUTBOUND, R_EXCEPTION_DIRECTION);
	check_exc(&d, "10.20.8.0/24", 2);
}

static void
test_more_specific_other_direction_wins(void **state)
{
	struct policy	*p = load(*state, conf_text, exc_text);
	struct decision	 d;

	/* 10.20.8.66 outbound (line 3) inside 10.20.8.0/24 inbound */
	d = decide(p, OUTSIDE, "10.20.8.66", T_2026_09_21);
	check(&d, A_BLOCKED, D_INBOUND, R_EXCEPTION_DIRECTION);
	check_exc(&d, "10.20.8.66/32", 3);
	d = decide(p, "10.20.8.66", OUTSIDE, T_2026_09_21);
	check(&d, A_ALLOWED, D_OUTBOUND, R_EXCEPTION);
	check_exc(&d, "10.20.8.66/32", 3);
	/* an outbound-only host */
	d = decide(p, OUTSIDE, "10.20.5.10", T_2026_09_21);
	check(&d, A_BLOCKED, D_INBOUND, R_EXCEPTION_DIRECTION);
	check_exc(&d, "10.20.5.10/32", 4);
}

static void
test_expired_ignored_under_active(void **state)
{
	struct policy	*p = load(*state, conf_text, exc_text);
	struct decision	 d;

	/* 10.20.6.6 both, expired 2026-01-31, inside active 10.20.6.0/24 */
	d = decide(p, OUTSIDE, "10.20.6.6", T_2026_09_21);
	check(&d, A_ALLOWED, D_INBOUND, R_EXCEPTION);
	check_exc(&d, "10.20.6.0/24", 6);
	/* the active /24 is inbound only: it decides outbound too */
	d = decide(p, "10.20.6.6", OUTSIDE, T_2026_09_21);
	check(&d, A_BLOCKED, D_OUTBOUND, R_EXCEPTION_DIRECTION);
	check_exc(&d, "10.20.6.0/24", 6);
	/* before it expired, the /32 decided */
	d = decide(p, "10.20.6.6", OUTSIDE, INT64_C(1769000000));
	check(&d, A_ALLOWED, D_OUTBOUND, R_EXCEPTION);
	check_exc(&d, "10.20.6.6/32", 7);
}

static void
test_only_expired(void **state)
{
	struct policy	*p = load(*state, conf_text, exc_text);
	struct decision	 d;

	/* the most specific expired entry is the one reported */
	d = decide(p, OUTSIDE, "10.20.9.9", T_2026_09_21);
	check(&d, A_BLOCKED, D_INBOUND, R_EXCEPTION_EXPIRED);
	check_exc(&d, "10.20.9.9/32", 9);
	assert_string_equal(d.exc->expires, "2026-01-01");
	d = decide(p, OUTSIDE, "10.20.9.10", T_2026_09_21);
	check(&d, A_BLOCKED, D_INBOUND, R_EXCEPTION_EXPIRED);
	check_exc(&d, "10.20.9.0/24", 8);
	/* the /24 was for both directions */
	d = decide(p, "10.20.9.10", OUTSIDE, T_2026_09_21);
	check(&d, A_BLOCKED, D_OUTBOUND, R_EXCEPTION_EXPIRED);
	check_exc(&d, "10.20.9.0/24", 8);
	/* outbound from .9: its /32 was inbound only, the /24 lapsed */
	d = decide(p, "10.20.9.9", OUTSIDE, T_2026_09_21);
	check(&d, A_BLOCKED, D_OUTBOUND, R_EXCEPTION_EXPIRED);
	check_exc(&d, "10.20.9.0/24", 8);
	/* an expired entry for the other direction only: reported, but
	 * it never allowed this, so the reason is no-exception */
	d = decide(p, OUTSIDE, "10.20.10.10", T_2026_09_21);
	check(&d, A_BLOCKED, D_INBOUND, R_NO_EXCEPTION);
	check_exc(&d, "10.20.10.10/32", 15);
}

static void
test_expiry_boundary(void **state)
{
	struct policy	*p = load(*state, conf_text, exc_text);
	struct decision	 d;

	/* expires=2026-08-31: the whole of that UTC day is still valid */
	d = decide(p, OUTSIDE, "10.20.7.7", T_2026_09_01 - 86400);
	check(&d, A_ALLOWED, D_INBOUND, R_EXCEPTION);
	d = decide(p, OUTSIDE, "10.20.7.7", T_2026_09_01 - 1);
	check(&d, A_ALLOWED, D_INBOUND, R_EXCEPTION);
	check_exc(&d, "10.20.7.7/32", 5);
	d = decide(p, "10.20.7.7", OUTSIDE, T_2026_09_01 - 1);
	check(&d, A_ALLOWED, D_OUTBOUND, R_EXCEPTION);
	d = decide(p, OUTSIDE, "10.20.7.7", T_2026_09_01);
	check(&d, A_BLOCKED, D_INBOUND, R_EXCEPTION_EXPIRED);
	check_exc(&d, "10.20.7.7/32", 5);
	assert_string_equal(d.exc->ticket, "NET-0950");
	d = decide(p, "10.20.7.7", OUTSIDE, T_2026_09_01 + 1);
	check(&d, A_BLOCKED, D_OUTBOUND, R_EXCEPTION_EXPIRED);
	/* IPv6 the same */
	d = decide(p, OUTSIDE6, "2001:db8:20:7::7", T_2026_09_01 - 1);
	check(&d, A_ALLOWED, D_INBOUND, R_EXCEPTION);
	d = decide(p, OUTSIDE6, "2001:db8:20:7::7", T_2026_09_01);
	check(&d, A_BLOCKED, D_INBOUND, R_EXCEPTION_EXPIRED);
	check_exc(&d, "2001:db8:20:7::7/128", 14);
}

static void
test_ipv6(void **state)
{
	struct policy	*p = load(*state, conf_text, exc_text);
	struct decision	 d;

	d = decide(p, OUTSIDE6, "2001:db8:20:1::25", T_2026_09_21);
	check(&d, A_ALLOWED, D_INBOUND, R_EXCEPTION);
	check_exc(&d, "2001:db8:20:1::25/128", 10);
	d = decide(p, "2001:db8:20:1::25", OUTSIDE6, T_2026_09_21);
	check(&d, A_ALLOWED, D_OUTBOUND, R_EXCEPTION);
	d = decide(p, OUTSIDE6, "2001:db8:20:8::1", T_2026_09_21);
	check(&d, A_ALLOWED, D_INBOUND, R_EXCEPTION);
	check_exc(&d, "2001:db8:20:8::/64", 11);
	d = decide(p, OUTSIDE6, "2001:db8:20:8::66", T_2026_09_21);
	check(&d, A_BLOCKED, D_INBOUND, R_EXCEPTION_DIRECTION);
	check_exc(&d, "2001:db8:20:8::66/128", 12);
	d = decide(p, "2001:db8:20:8::66", OUTSIDE6, T_2026_09_21);
	check(&d, A_ALLOWED, D_OUTBOUND, R_EXCEPTION);
	d = decide(p, "2001:db8:20:3::3", OUTSIDE6, T_2026_09_21);
	check(&d, A_BLOCKED, D_OUTBOUND, R_NO_EXCEPTION);
	assert_null(d.exc);
	d = decide(p, OUTSIDE6, "2001:db8:20:3::3", T_2026_09_21);
	check(&d, A_BLOCKED, D_INBOUND, R_NO_EXCEPTION);
	/* campus IPv6 with an IPv4 exception for the "same" bytes */
	d = decide(p, OUTSIDE6, "a14:119::", T_2026_09_21);
	check(&d, A_ALLOWED, D_TRANSIT, R_TRANSIT);
	assert_null(d.exc);
}

static void
test_exception_for_outside_end_ignored(void **state)
{
	struct policy	*p = load(*state, conf_text, exc_text);
	struct decision	 d;

	/* 198.51.100.0/24 is listed, but only the campus end counts */
	d = decide(p, OUTSIDE, "10.20.3.3", T_2026_09_21);
	check(&d, A_BLOCKED, D_INBOUND, R_NO_EXCEPTION);
	d = decide(p, "10.20.3.3", OUTSIDE, T_2026_09_21);
	check(&d, A_BLOCKED, D_OUTBOUND, R_NO_EXCEPTION);
}

static void
test_direction_from_roles_not_order(void **state)
{
	struct policy	*p = load(*state, conf_text, exc_text);
	struct decision	 d;

	/* an inbound-only entry: allowed when campus is the server */
	d = decide(p, "203.0.113.200", "10.20.8.200", T_2026_09_21);
	check(&d, A_ALLOWED, D_INBOUND, R_EXCEPTION);
	d = decide(p, "10.20.8.200", "203.0.113.200", T_2026_09_21);
	check(&d, A_BLOCKED, D_OUTBOUND, R_EXCEPTION_DIRECTION);
}

static void
test_empty_exception_list(void **state)
{
	struct policy	*p = load(*state, conf_text, "# nothing yet\n\n");
	struct decision	 d;

	assert_int_equal(p->exc.n, 0);
	d = decide(p, OUTSIDE, "10.20.1.25", T_2026_09_21);
	check(&d, A_BLOCKED, D_INBOUND, R_NO_EXCEPTION);
	assert_null(d.exc);
}

static void
test_policy_load_errors(void **state)
{
	struct fx	*f = *state;
	char		 path[MAX_PATH], err[ERRLEN] = "";
	struct policy	*p;

	/* a bad exceptions file refuses the whole policy */
	write_file(&f->dir, "exceptions.conf",
	    "10.20.1.25 both\n10.20.9.1/24 inbound\n", path);
	write_file(&f->dir, "nfqd.conf", conf_text, path);
	p = policy_load(path, err, sizeof(err));
	assert_null(p);
	assert_contains(err, "exceptions.conf:2: ");
	assert_contains(err, "did you mean 10.20.9.0/24?");

	/* a missing one */
	write_file(&f->dir, "nfqd.conf",
	    "internal-networks = 10.20.0.0/16\nexceptions = nothere.conf\n",
	    path);
	p = policy_load(path, err, sizeof(err));
	assert_null(p);
	assert_contains(err, "nothere.conf: No such file or directory");

	/* a bad configuration */
	write_file(&f->dir, "nfqd.conf", "mode = enforce\n", path);
	p = policy_load(path, err, sizeof(err));
	assert_null(p);
	assert_contains(err, "internal-networks is not set");
}

static struct policy *
load_as(struct fx *f, const char *name, const char *exc)
{
	char	 conf[256], file[64], path[MAX_PATH], err[ERRLEN] = "";
	struct policy *p;

	snprintf(conf, sizeof(conf), "internal-networks = 10.20.0.0/16\n"
	    "exceptions = %s.exc\n", name);
	snprintf(file, sizeof(file), "%s.exc", name);
	write_file(&f->dir, file, exc, path);
	snprintf(file, sizeof(file), "%s.conf", name);
	write_file(&f->dir, file, conf, path);
	if ((p = policy_load(path, err, sizeof(err))) == NULL)
		fail_msg("policy_load: %s", err);
	return p;
}

static void
test_policy_diff(void **state)
{
	struct fx	*f = *state;
	struct policy	*a, *b;
	uint32_t	 added = 9, removed = 9, changed = 9;

	a = load_as(f, "old",
	    "10.20.1.25 both ticket=A\n"
	    "10.20.8.0/24 inbound\n"
	    "10.20.9.9 outbound\n"
	    "10.20.7.7 both expires=2026-08-31\n"
	    "10.20.6.6 both owner=x added=2020-01-01\n"
	    "10.20.4.0/24 inbound\n");
	b = load_as(f, "new",
	    "10.20.8.0/25 both\n"			/* added */
	    "10.20.1.25 both ticket=B\n"		/* changed: ticket */
	    "10.20.8.0/24 inbound\n"			/* same */
	    "10.20.7.7 both expires=2026-09-30\n"	/* changed: expiry */
	    "10.20.6.6 both owner=x added=2021-01-01\n" /* same */
	    "10.20.4.0/24 outbound\n"			/* changed: dir */
	    "10.20.5.5 both\n");			/* added */
	policy_diff(a, b, &added, &removed, &changed);
	assert_int_equal(added, 2);
	assert_int_equal(removed, 1);
	assert_int_equal(changed, 3);
	policy_diff(b, a, &added, &removed, &changed);
	assert_int_equal(added, 1);
	assert_int_equal(removed, 2);
	assert_int_equal(changed, 3);
	policy_diff(a, a, &added, &removed, &changed);
	assert_int_equal(added + removed + changed, 0);
	policy_free(a);
	policy_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
#define T(fn)	cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_inbound_outbound_without_exception),
		T(test_internal_and_transit),
		T(test_transit_block),
		T(test_allowed_by_exact_host),
		T(test_allowed_by_prefix),
		T(test_more_specific_other_direction_wins),
		T(test_expired_ignored_under_active),
		T(test_only_expired),
		T(test_expiry_boundary),
		T(test_ipv6),
		T(test_exception_for_outside_end_ignored),
		T(test_direction_from_roles_not_order),
		T(test_empty_exception_list),
		T(test_policy_load_errors),
		T(test_policy_diff),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
