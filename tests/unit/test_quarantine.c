/*
 * Quarantine (quarantine.c, policy_decide) and expiry (policy_expired):
 * durations and checks; the state file's edits and their events (add,
 * remove, expiry, owed events of a daemon that was not running); what a
 * malformed state file gets; the policy with hosts in quarantine, at
 * either end, over exceptions, in and out of their time; the exception
 * expiry events; policy_diff's counts on reordered lists.
 */
#include "util.h"

#define NOW	INT64_C(1790000000)	/* 2026-09-21T14:13:20Z */

struct fx {
	struct tmpdir	 dir;
	char		 state[MAX_PATH];
	struct policy	*pol;
};

static int
setup(void **state)
{
	struct fx	*f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	tmpdir_new(&f->dir);
	tmpdir_file(&f->dir, "state", f->state);
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

/* ---- recorded events ---- */

struct rec {
	int		 n;
	uint8_t		 act[16];
	struct quar_entry e[16];
};

static void
record(void *arg, uint8_t act, const struct quar_entry *e)
{
	struct rec	*r = arg;

	if (r->n < 16) {
		r->act[r->n] = act;
		r->e[r->n] = *e;
	}
	r->n++;
}

static struct quar_entry
entry(const char *host, int64_t since, int64_t secs, const char *reason)
{
	struct quar_entry	 e;
	char			 err[ERRLEN];

	memset(&e, 0, sizeof(e));
	if (prefix_parse(host, &e.pfx, err, sizeof(err)) == -1)
		fail_msg("%s", err);
	e.since = since;
	e.until = since + secs;
	snprintf(e.reason, sizeof(e.reason), "%s", reason);
	snprintf(e.who, sizeof(e.who), "alice");
	return e;
}

static void
test_duration(void **state UNUSED)
{
	int64_t	 s;

	assert_int_equal(duration_parse("30s", &s), 0);
	assert_int_equal(s, 30);
	assert_int_equal(duration_parse("15m", &s), 0);
	assert_int_equal(s, 900);
	assert_int_equal(duration_parse("24h", &s), 0);
	assert_int_equal(s, 86400);
	assert_int_equal(duration_parse("7d", &s), 0);
	assert_int_equal(s, 7 * 86400);
	assert_int_equal(duration_parse("2w", &s), 0);
	assert_int_equal(s, 14 * 86400);
	assert_int_equal(duration_parse("5", &s), 0);
	assert_int_equal(s, 5);
	assert_int_equal(duration_parse("366d", &s), 0);
	assert_int_equal(duration_parse("367d", &s), -1);
	assert_int_equal(duration_parse("0", &s), -1);
	assert_int_equal(duration_parse("0h", &s), -1);
	assert_int_equal(duration_parse("", &s), -1);
	assert_int_equal(duration_parse("h", &s), -1);
	assert_int_equal(duration_parse("-5m", &s), -1);
	assert_int_equal(duration_parse("5mm", &s), -1);
	assert_int_equal(duration_parse("1.5h", &s), -1);
	assert_int_equal(duration_parse("99999999999999999999", &s), -1);
}

static void
test_check(void **state UNUSED)
{
	struct prefix	 p;
	int64_t		 s;
	char		 err[ERRLEN], r[300];

	assert_int_equal(quar_check("10.20.3.44", "1h", "spam", &p, &s, err,
	    sizeof(err)), 0);
	assert_int_equal(p.len, 32);
	assert_int_equal(quar_check("2001:db8::/32", "1h", "x", &p, &s, err,
	    sizeof(err)), 0);
	assert_int_equal(quar_check("10.20.3.1/24", "1h", "x", &p, &s, err,
	    sizeof(err)), -1);
	assert_contains(err, "did you mean 10.20.3.0/24");
	assert_int_equal(quar_check("::/0", "1h", "x", &p, &s, err,
	    sizeof(err)), -1);
	assert_contains(err, "every address");
	assert_int_equal(quar_check("10.20.3.44", "soon", "x", &p, &s, err,
	    sizeof(err)), -1);
	assert_contains(err, "bad duration 'soon'");
	assert_int_equal(quar_check("10.20.3.44", "1h", "", &p, &s, err,
	    sizeof(err)), -1);
	assert_contains(err, "reason must be 1-200 bytes");
	memset(r, 'a', 201);
	r[201] = '\0';
	assert_int_equal(quar_check("10.20.3.44", "1h", r, &p, &s, err,
	    sizeof(err)), -1);
	assert_int_equal(quar_check("10.20.3.44", "1h", "tab\there", &p, &s,
	    err, sizeof(err)), -1);
	assert_contains(err, "control character");
	assert_int_equal(quar_check("10.20.3.44", "1h", "caf\xc3\xa9", &p, &s,
	    err, sizeof(err)), 0);
	assert_int_equal(quar_check("10.20.3.44", "1h", "\xed\xa0\x80", &p,
	    &s, err, sizeof(err)), -1);		/* a UTF-16 surrogate */
}

/* add, settle (start), settle again (nothing), remove, settle (end). */
static void
test_add_remove(void **state)
{
	struct fx		*f = *state;
	struct quar_entry	 e = entry("10.20.3.44", NOW, 86400, "spam bot"),
				 old;
	struct quar_list	 l;
	struct rec		 r = { 0 };
	struct prefix		 p;
	struct ip_addr		 a = ip("10.20.3.44");
	char			 err[ERRLEN], path[MAX_PATH + 32];

	if (quar_add(f->state, &e, err, sizeof(err)) == -1)
		fail_msg("quar_add: %s", err);
	snprintf(path, sizeof(path), "%s/%s", f->state, QUAR_FILE);
	assert_int_equal(quar_load(path, &l, err, sizeof(err)), 0);
	assert_int_equal(l.n, 1);
	assert_true(l.v[0].pending);
	assert_non_null(quar_match(&l, &a, NOW));
	assert_null(quar_match(&l, &a, NOW - 1));	/* before since */
	assert_null(quar_match(&l, &a, NOW + 86400));	/* at until */
	quar_free(&l);

	/* A second add for the same host is refused, the file unchanged. */
	assert_int_equal(quar_add(f->state, &e, err, sizeof(err)), -1);
	assert_contains(err, "10.20.3.44 is already in quarantine until "
	    "2026-09-22T14:13:20Z (by alice: spam bot)");

	assert_int_equal(quar_settle(f->state, NOW + 5, &l, record, &r, err,
	    sizeof(err)), 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.act[0], QA_START);
	assert_string_equal(r.e[0].reason, "spam bot");
	assert_int_equal(l.n, 1);
	assert_false(l.v[0].pending);
	quar_free(&l);
	assert_int_equal(quar_settle(f->state, NOW + 6, NULL, record, &r, err,
	    sizeof(err)), 0);
	assert_int_equal(r.n, 1);		/* nothing owed */

	/* Remove: not listed, inside a listed one, then the host itself. */
	prefix_parse("10.20.3.45", &p, err, sizeof(err));
	assert_int_equal(quar_remove(f->state, &p, NOW + 10, "bob", &old, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "10.20.3.45 is not in quarantine");
	prefix_parse("10.20.3.44", &p, err, sizeof(err));
	assert_int_equal(quar_remove(f->state, &p, NOW + 10, "bob", &old, err,
	    sizeof(err)), 0);
	assert_int_equal(old.until, NOW + 86400);
	assert_int_equal(quar_remove(f->state, &p, NOW + 11, "bob", &old, err,
	    sizeof(err)), -1);		/* ended already */
	assert_int_equal(quar_settle(f->state, NOW + 10, &l, record, &r, err,
	    sizeof(err)), 0);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.act[1], QA_END);
	assert_string_equal(r.e[1].removed_by, "bob");
	assert_int_equal(r.e[1].until, NOW + 10);
	assert_int_equal(l.n, 0);
	quar_free(&l);
}

/*
 * A who the state file's reader would refuse (SUDO_USER with a control
 * character or not UTF-8, or empty) is refused at the edit: the file stays
 * readable, so the daemon still starts.
 */
static void
test_bad_who(void **state)
{
	struct fx		*f = *state;
	struct quar_entry	 e = entry("10.20.3.44", NOW, 3600, "spam");
	struct quar_list	 l;
	struct prefix		 p;
	char			 err[ERRLEN], path[MAX_PATH + 32];
	static const char *const bad[] = { "", "al\nice", "bob\x1b[31m",
	    "\xff\xfe" };

	for (size_t i = 0; i < NELEM(bad); i++) {
		snprintf(e.who, sizeof(e.who), "%s", bad[i]);
		assert_int_equal(quar_add(f->state, &e, err, sizeof(err)), -1);
		assert_contains(err, "who must be 1-63 bytes of text");
	}
	snprintf(path, sizeof(path), "%s/%s", f->state, QUAR_FILE);
	assert_int_equal(access(path, F_OK), -1);	/* nothing written */
	snprintf(e.who, sizeof(e.who), "alice");
	assert_int_equal(quar_add(f->state, &e, err, sizeof(err)), 0);
	prefix_parse("10.20.3.44", &p, err, sizeof(err));
	assert_int_equal(quar_remove(f->state, &p, NOW + 1, "b\tob", NULL, err,
	    sizeof(err)), -1);
	assert_contains(err, "who must be");
	assert_int_equal(quar_load(path, &l, err, sizeof(err)), 0);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.v[0].until, NOW + 3600);	/* not removed */
	quar_free(&l);
}

/* Its time over: an end event without removed_by; entries around. */
static void
test_expiry_and_prefixes(void **state)
{
	struct fx		*f = *state;
	struct quar_entry	 a = entry("10.20.3.0/24", NOW, 60, "net"),
				 b = entry("10.20.3.44", NOW, 3600, "host");
	struct quar_list	 l;
	struct rec		 r = { 0 };
	struct prefix		 p;
	struct ip_addr		 h = ip("10.20.3.44"), o = ip("10.20.3.7");
	const struct quar_entry	*m;
	char			 err[ERRLEN];

	assert_int_equal(quar_add(f->state, &a, err, sizeof(err)), 0);
	assert_int_equal(quar_add(f->state, &b, err, sizeof(err)), 0);
	assert_int_equal(quar_settle(f->state, NOW, &l, record, &r, err,
	    sizeof(err)), 0);
	assert_int_equal(r.n, 2);
	m = quar_match(&l, &h, NOW);		/* the most specific */
	assert_non_null(m);
	assert_string_equal(m->reason, "host");
	m = quar_match(&l, &o, NOW);
	assert_non_null(m);
	assert_string_equal(m->reason, "net");
	quar_free(&l);
	/* Removing the host inside: names the network around it. */
	prefix_parse("10.20.3.7", &p, err, sizeof(err));
	assert_int_equal(quar_remove(f->state, &p, NOW, "bob", NULL, err,
	    sizeof(err)), -1);
	assert_contains(err, "10.20.3.7 is not in quarantine itself; "
	    "10.20.3.0/24 around it is");
	/* The /24's time is over: its end, expired; the host stays. */
	assert_int_equal(quar_settle(f->state, NOW + 60, &l, record, &r, err,
	    sizeof(err)), 0);
	assert_int_equal(r.n, 3);
	assert_int_equal(r.act[2], QA_END);
	assert_string_equal(r.e[2].reason, "net");
	assert_string_equal(r.e[2].removed_by, "");
	assert_int_equal(l.n, 1);
	assert_null(quar_match(&l, &o, NOW + 60));
	assert_non_null(quar_match(&l, &h, NOW + 60));
	quar_free(&l);
}

/* Added and removed while no daemon ran: both events owed, in order. */
static void
test_owed_events(void **state)
{
	struct fx		*f = *state;
	struct quar_entry	 e = entry("2001:db8:20:3::44", NOW, 600, "x");
	struct rec		 r = { 0 };
	char			 err[ERRLEN];

	assert_int_equal(quar_add(f->state, &e, err, sizeof(err)), 0);
	assert_int_equal(quar_remove(f->state, &e.pfx, NOW + 5, "bob", NULL,
	    err, sizeof(err)), 0);
	assert_int_equal(quar_settle(f->state, NOW + 100, NULL, record, &r,
	    err, sizeof(err)), 0);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.act[0], QA_START);
	assert_int_equal(r.act[1], QA_END);
	assert_string_equal(r.e[1].removed_by, "bob");
}

static void
load_bad(const struct fx *f, const char *text, const char *want)
{
	struct quar_list	 l;
	char			 path[MAX_PATH + 32], err[ERRLEN];

	mkdir(f->state, 0700);
	snprintf(path, sizeof(path), "%s/%s", f->state, QUAR_FILE);
	write_file(&f->dir, "state/" QUAR_FILE, text, path);
	if (quar_load(path, &l, err, sizeof(err)) != -1)
		fail_msg("loaded: %s", text);
	assert_contains(err, want);
}

#define Q(h, extra)	"{\"version\":1,\"quarantines\":[{\"host\":\"" h \
	"\",\"since\":\"2026-09-21T14:13:20Z\",\"until\":"		\
	"\"2026-09-22T14:13:20Z\",\"reason\":\"r\",\"who\":\"w\"" extra "}]}"

static void
test_bad_state_files(void **state)
{
	struct fx		*f = *state;
	struct quar_list	 l;
	char			 path[MAX_PATH + 32], err[ERRLEN];

	/* No file: no quarantine. */
	snprintf(path, sizeof(path), "%s/%s", f->state, QUAR_FILE);
	assert_int_equal(quar_load(path, &l, err, sizeof(err)), 0);
	assert_int_equal(l.n, 0);
	quar_free(&l);
	load_bad(f, "{", "not valid JSON");
	load_bad(f, "[]", "expected {\"version\": 1");
	load_bad(f, "{\"version\":2,\"quarantines\":[]}", "expected");
	load_bad(f, Q("10.20.3.999", ""), "entry 1: bad address");
	load_bad(f, Q("10.20.3.44", ",\"colour\":\"red\""),
	    "unknown key 'colour'");
	load_bad(f, Q("10.20.3.44", ",\"pending\":1"), "pending must be");
	load_bad(f, "{\"version\":1,\"quarantines\":[{\"host\":\"10.1.1.1\","
	    "\"since\":\"2026-09-22T14:13:20Z\",\"until\":"
	    "\"2026-09-21T14:13:20Z\",\"reason\":\"r\",\"who\":\"w\"}]}",
	    "bad since/until");
	load_bad(f, "{\"version\":1,\"quarantines\":[{\"host\":\"10.1.1.1\","
	    "\"since\":\"2026-02-30T14:13:20Z\",\"until\":"
	    "\"2026-09-21T14:13:20Z\",\"reason\":\"r\",\"who\":\"w\"}]}",
	    "bad since/until");
	load_bad(f, "{\"version\":1,\"quarantines\":[{\"host\":\"10.1.1.1\"}]}",
	    "are required");
	load_bad(f, "{\"version\":1,\"quarantines\":[1]}", "not an object");
	{
		char	 two[1024];

		snprintf(two, sizeof(two), "{\"version\":1,\"quarantines\":["
		    "{\"host\":\"10.1.1.1\",\"since\":\"2026-09-21T14:13:20Z\","
		    "\"until\":\"2026-09-22T14:13:20Z\",\"reason\":\"r\","
		    "\"who\":\"w\"},{\"host\":\"10.1.1.1/32\",\"since\":"
		    "\"2026-09-21T14:13:20Z\",\"until\":\"2026-09-22T14:13:20Z\","
		    "\"reason\":\"r\",\"who\":\"w\"}]}");
		load_bad(f, two, "10.1.1.1 is listed twice");
	}
	/* An edit refuses to work on a broken file, and leaves it. */
	{
		struct quar_entry e = entry("10.20.3.44", NOW, 60, "x");

		assert_int_equal(quar_add(f->state, &e, err, sizeof(err)), -1);
		assert_contains(err, "listed twice");
	}
}

/* ---- the policy ---- */

static struct policy *
load_policy(struct fx *f, const char *exc)
{
	char	 path[MAX_PATH], conf[2 * MAX_PATH], err[ERRLEN];

	write_file(&f->dir, "exceptions.conf", exc, path);
	snprintf(conf, sizeof(conf), "internal-networks = 10.20.0.0/16, "
	    "2001:db8:20::/48\nexceptions = exceptions.conf\nstate-dir = "
	    "%s\n", f->state);
	write_file(&f->dir, "nfqd.conf", conf, path);
	policy_free(f->pol);
	if ((f->pol = policy_load(path, err, sizeof(err))) == NULL)
		fail_msg("policy_load: %s", err);
	return f->pol;
}

static struct decision
decide(const struct policy *p, const char *c, const char *s, int64_t now)
{
	struct ip_addr	 ca = ip(c), sa = ip(s);
	struct decision	 d;

	policy_decide(p, &ca, &sa, now, &d);
	return d;
}

static void
test_policy(void **state)
{
	struct fx		*f = *state;
	struct quar_entry	 gw = entry("10.20.1.25", NOW, 3600, "gw"),
				 out = entry("198.51.100.7", NOW, 3600, "ext"),
				 net = entry("2001:db8:20:3::/64", NOW, 60, "v6");
	struct policy		*p;
	struct decision		 d;
	char			 err[ERRLEN];

	assert_int_equal(quar_add(f->state, &gw, err, sizeof(err)), 0);
	assert_int_equal(quar_add(f->state, &out, err, sizeof(err)), 0);
	assert_int_equal(quar_add(f->state, &net, err, sizeof(err)), 0);
	p = load_policy(f, "10.20.1.25 both\n2001:db8:20:3::44 both\n");
	assert_int_equal(policy_quar(p)->n, 3);

	/* The gateway's exception does not help it, either way. */
	d = decide(p, "10.20.1.25", "203.0.113.9", NOW);
	assert_int_equal(d.action, A_BLOCKED);
	assert_int_equal(d.reason, R_QUARANTINE);
	assert_int_equal(d.direction, D_OUTBOUND);
	assert_non_null(d.quar);
	assert_string_equal(d.quar->reason, "gw");
	d = decide(p, "203.0.113.9", "10.20.1.25", NOW + 3599);
	assert_int_equal(d.reason, R_QUARANTINE);
	assert_int_equal(d.direction, D_INBOUND);
	/* Campus to campus, and an outside host quarantined. */
	d = decide(p, "10.20.5.5", "10.20.1.25", NOW);
	assert_int_equal(d.reason, R_QUARANTINE);
	assert_int_equal(d.direction, D_INTERNAL);
	d = decide(p, "198.51.100.7", "203.0.113.9", NOW);
	assert_int_equal(d.reason, R_QUARANTINE);
	assert_int_equal(d.direction, D_TRANSIT);
	/* Before since and from until on: the exception decides again. */
	d = decide(p, "10.20.1.25", "203.0.113.9", NOW - 1);
	assert_int_equal(d.reason, R_EXCEPTION);
	assert_null(d.quar);
	d = decide(p, "10.20.1.25", "203.0.113.9", NOW + 3600);
	assert_int_equal(d.action, A_ALLOWED);
	/* A network: its hosts, exception or not, until its end. */
	d = decide(p, "2001:db8:20:3::44", "2001:db8:99::7", NOW + 59);
	assert_int_equal(d.reason, R_QUARANTINE);
	d = decide(p, "2001:db8:20:3::44", "2001:db8:99::7", NOW + 60);
	assert_int_equal(d.reason, R_EXCEPTION);
	assert_string_equal(reason_name(R_QUARANTINE), "quarantine");

	/* Swapping the list in place: the decision follows. */
	{
		struct quar_list *q = calloc(1, sizeof(*q)), *old;

		assert_non_null(q);
		assert_int_equal(quar_settle(f->state, NOW + 1, q, NULL, NULL,
		    err, sizeof(err)), 0);
		prefix_parse("10.20.1.25", &gw.pfx, err, sizeof(err));
		assert_int_equal(quar_remove(f->state, &gw.pfx, NOW + 1, "bob",
		    NULL, err, sizeof(err)), 0);
		quar_destroy(policy_set_quar(p, q));
		q = calloc(1, sizeof(*q));
		assert_int_equal(quar_settle(f->state, NOW + 2, q, NULL, NULL,
		    err, sizeof(err)), 0);
		old = policy_set_quar(p, q);
		quar_destroy(old);
		d = decide(p, "10.20.1.25", "203.0.113.9", NOW + 2);
		assert_int_equal(d.reason, R_EXCEPTION);
		assert_int_equal(policy_quar(p)->n, 2);
	}
	/* A broken state file is a policy error, named. */
	write_file(&f->dir, "state/" QUAR_FILE, "{", err);
	{
		char	 path[MAX_PATH];

		tmpdir_file(&f->dir, "nfqd.conf", path);
		assert_null(policy_load(path, err, sizeof(err)));
		assert_contains(err, QUAR_FILE ": not valid JSON");
	}
}

/* ---- exception expiry events ---- */

struct seen {
	int	 n;
	unsigned line[8];
};

static void
on_expired(void *arg, const struct exc_entry *e)
{
	struct seen	*s = arg;

	if (s->n < 8)
		s->line[s->n] = e->line;
	s->n++;
}

static void
test_expired(void **state)
{
	struct fx	*f = *state;
	struct policy	*p;
	struct seen	 s = { 0 };
	int64_t		 d0, next;

	/* expires=D: inactive from the end of day D, UTC. */
	p = load_policy(f,
	    "10.20.1.1 both expires=2026-09-21\n"	/* ends 2026-09-22 */
	    "10.20.1.2 both\n"
	    "10.20.1.3 both expires=2026-09-20\n"	/* ended */
	    "10.20.1.4 inbound expires=2026-09-22\n"
	    "10.20.1.5 outbound expires=2026-09-21\n");
	date_parse("2026-09-22", &d0);
	next = policy_expired(p, NOW, NOW, on_expired, &s);
	assert_int_equal(s.n, 0);
	assert_int_equal(next, d0);
	/* One second before the day ends: nothing; at its end: two. */
	next = policy_expired(p, NOW, d0 - 1, on_expired, &s);
	assert_int_equal(s.n, 0);
	next = policy_expired(p, d0 - 1, d0, on_expired, &s);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.line[0], 1);
	assert_int_equal(s.line[1], 5);
	assert_int_equal(next, d0 + 86400);
	/* Not twice; the next one a day later; then none is left. */
	next = policy_expired(p, d0, d0 + 86399, on_expired, &s);
	assert_int_equal(s.n, 2);
	next = policy_expired(p, d0 + 86399, d0 + 90000, on_expired, &s);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.line[2], 4);
	assert_int_equal(next, 0);
	/* And the decision changes at that second, without a reload. */
	{
		struct decision d;

		d = decide(p, "10.20.1.1", "198.51.100.7", d0 - 1);
		assert_int_equal(d.reason, R_EXCEPTION);
		d = decide(p, "10.20.1.1", "198.51.100.7", d0);
		assert_int_equal(d.reason, R_EXCEPTION_EXPIRED);
	}
}

/* policy_diff: the cursor and the table give the same counts. */
static void
test_diff_reordered(void **state)
{
	struct fx	*f = *state;
	struct policy	*a, *b;
	uint32_t	 ad, rm, ch;

	a = load_policy(f, "10.20.1.1 both\n10.20.1.2 both\n10.20.1.3 both\n"
	    "10.20.1.0/24 inbound\n10.20.1.4 both ticket=T\n");
	f->pol = NULL;
	b = load_policy(f, "10.20.1.4 both ticket=U\n10.20.1.0/24 inbound\n"
	    "10.20.1.9 both\n10.20.1.3 both\n10.20.1.1 outbound\n");
	policy_diff(a, b, &ad, &rm, &ch);
	assert_int_equal(ad, 1);	/* .9 */
	assert_int_equal(rm, 1);	/* .2 */
	assert_int_equal(ch, 2);	/* .4 ticket, .1 direction */
	policy_diff(b, a, &ad, &rm, &ch);
	assert_int_equal(ad, 1);
	assert_int_equal(rm, 1);
	assert_int_equal(ch, 2);
	policy_free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_check),
#define T(fn)	cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_add_remove),
		T(test_bad_who),
		T(test_expiry_and_prefixes),
		T(test_owed_events),
		T(test_bad_state_files),
		T(test_policy),
		T(test_expired),
		T(test_diff_reordered),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
