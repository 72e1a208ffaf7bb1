/*
 * The mail-server census (census.c): who is counted (outbound always,
 * inbound blocked only for a host already listed), per-day buckets and
 * the --since window, the bounded table and its overflow counter, the
 * report's exception status and unused exceptions, the state file's
 * round trip, and damaged state files refused with a clear error.
 */
#include <cjson/cJSON.h>

#include "util.h"

#define DAY	INT64_C(86400)
#define NOW	(INT64_C(20717) * DAY + 12 * 3600)	/* 2026-09-21 12:00 */

struct fx {
	struct tmpdir	 dir;
	struct policy	*pol;
	struct census	*c;
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
	    "10.20.1.25 both ticket=NET-1001 owner=its-mail added=2024-01-15\n"
	    "10.20.8.0/24 inbound ticket=NET-1187 owner=physics added=2025-07-01\n"
	    "10.20.7.7 both ticket=NET-0950 owner=events added=2025-09-01\n"
	    "10.20.9.9 outbound ticket=NET-1400 owner=new added=2026-09-01\n",
	    path);
	snprintf(conf, sizeof(conf), "internal-networks = 10.20.0.0/16\n"
	    "exceptions = exceptions.conf\nstate-dir = %s/state\n",
	    f->dir.path);
	write_file(&f->dir, "nfqd.conf", conf, path);
	if ((f->pol = policy_load(path, err, sizeof(err))) == NULL)
		fail_msg("policy_load: %s", err);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;

	census_free(f->c);
	policy_free(f->pol);
	tmpdir_rm(&f->dir);
	free(f);
	return 0;
}

/* The report as a client reads it (json_add_u64 writes raw numbers). */
static cJSON *
reparse(cJSON *o)
{
	char	*s = cJSON_PrintUnformatted(o);
	cJSON	*p = cJSON_Parse(s);

	assert_non_null(p);
	cJSON_free(s);
	cJSON_Delete(o);
	return p;
}

static cJSON *
report_at(struct fx *f, uint32_t days, int64_t now)
{
	cJSON	*o = cJSON_CreateObject();
	char	 err[ERRLEN];

	assert_int_equal(census_report(f->c, f->pol, days, 90, now, o, err,
	    sizeof(err)), 0);
	return reparse(o);
}

static cJSON *
report(struct fx *f, uint32_t days)
{
	return report_at(f, days, NOW);
}

static const cJSON *
host(const cJSON *o, const char *a)
{
	const cJSON	*h;

	cJSON_ArrayForEach(h, cJSON_GetObjectItem(o, "hosts"))
		if (strcmp(cJSON_GetObjectItem(h, "host")->valuestring, a) == 0)
			return h;
	return NULL;
}

static double
count(const cJSON *h, const char *dir, const char *act)
{
	return cJSON_GetObjectItem(cJSON_GetObjectItem(h, dir), act)->
	    valuedouble;
}

static void
test_who_is_counted(void **state)
{
	struct fx	*f = *state;
	cJSON		*o;
	struct ip_addr	 gw = ip("10.20.1.25"), ws = ip("10.20.3.44"),
			 scanned = ip("10.20.4.4");

	f->c = census_new(16, NOW - 10 * DAY);
	census_count(f->c, &gw, D_INBOUND, A_ALLOWED, true, 5, NOW - 3600);
	census_count(f->c, &gw, D_OUTBOUND, A_ALLOWED, true, 2, NOW - 60);
	census_count(f->c, &gw, D_INBOUND, A_BLOCKED, false, 1, NOW - 30);
	census_count(f->c, &ws, D_OUTBOUND, A_BLOCKED, false, 31, NOW - 600);
	/* An outside scan of a campus host that never spoke SMTP. */
	census_count(f->c, &scanned, D_INBOUND, A_BLOCKED, false, 9, NOW);
	/* Neither inbound nor outbound: not the census's business. */
	census_count(f->c, &ws, D_INTERNAL, A_ALLOWED, false, 4, NOW);
	o = report(f, 0);
	assert_non_null(host(o, "10.20.1.25"));
	assert_null(host(o, "10.20.4.4"));
	assert_int_equal(count(host(o, "10.20.1.25"), "inbound", "allowed"), 5);
	assert_int_equal(count(host(o, "10.20.1.25"), "inbound", "blocked"), 1);
	assert_int_equal(count(host(o, "10.20.1.25"), "outbound", "allowed"),
	    2);
	assert_int_equal(count(host(o, "10.20.3.44"), "outbound", "blocked"),
	    31);
	assert_int_equal(count(host(o, "10.20.3.44"), "inbound", "allowed"), 0);
	/* Busiest first; exception status. */
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(o, "hosts"),
	    0)->child->valuestring, "10.20.3.44");
	assert_string_equal(cJSON_GetObjectItem(host(o, "10.20.1.25"),
	    "exception_directions")->valuestring, "both");
	assert_string_equal(cJSON_GetObjectItem(host(o, "10.20.3.44"),
	    "exception_directions")->valuestring, "none");
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(host(o, "10.20.3.44"),
	    "exception")));
	assert_int_equal(cJSON_GetObjectItem(o, "overflow")->valuedouble, 0);
	cJSON_Delete(o);
}

static void
test_since_buckets(void **state)
{
	struct fx	*f = *state;
	cJSON		*o;
	struct ip_addr	 a = ip("10.20.8.15"), b = ip("10.20.8.16");

	f->c = census_new(16, NOW - 60 * DAY);
	/* Today, 3 days ago, 20 days ago, 40 days ago (beyond the buckets). */
	census_count(f->c, &a, D_INBOUND, A_ALLOWED, true, 1, NOW);
	census_count(f->c, &a, D_INBOUND, A_ALLOWED, true, 10, NOW - 3 * DAY);
	census_count(f->c, &a, D_INBOUND, A_ALLOWED, true, 100, NOW - 20 * DAY);
	census_count(f->c, &a, D_INBOUND, A_ALLOWED, true, 1000,
	    NOW - 40 * DAY);
	/* b spoke only 30 days ago. */
	census_count(f->c, &b, D_OUTBOUND, A_BLOCKED, false, 7, NOW - 30 * DAY);

	o = report(f, 1);
	assert_int_equal(count(host(o, "10.20.8.15"), "inbound", "allowed"), 1);
	assert_null(host(o, "10.20.8.16"));
	assert_int_equal(cJSON_GetObjectItem(o, "since_days")->valuedouble, 1);
	cJSON_Delete(o);
	o = report(f, 4);
	assert_int_equal(count(host(o, "10.20.8.15"), "inbound", "allowed"),
	    11);
	cJSON_Delete(o);
	o = report(f, 35);
	assert_int_equal(count(host(o, "10.20.8.15"), "inbound", "allowed"),
	    111);
	assert_int_equal(count(host(o, "10.20.8.16"), "outbound", "blocked"), 7);
	cJSON_Delete(o);
	/* No window: the totals, the 40-day-old ones too; first seen. */
	o = report(f, 0);
	assert_int_equal(count(host(o, "10.20.8.15"), "inbound", "allowed"),
	    1111);
	assert_string_equal(cJSON_GetObjectItem(host(o, "10.20.8.15"),
	    "first_seen")->valuestring, "2026-08-12T12:00:00.000000+0000");
	cJSON_Delete(o);
	/* A bucket reused 35 days on starts from zero. */
	census_count(f->c, &b, D_OUTBOUND, A_BLOCKED, false, 2, NOW + 5 * DAY);
	o = report_at(f, 1, NOW + 5 * DAY);
	assert_int_equal(count(host(o, "10.20.8.16"), "outbound", "blocked"),
	    2);
	cJSON_Delete(o);
}

static void
test_since_range(void **state)
{
	struct fx	*f = *state;
	cJSON		*o = cJSON_CreateObject();
	char		 err[ERRLEN];

	f->c = census_new(16, NOW);
	assert_int_equal(census_report(f->c, f->pol, CENSUS_DAYS + 1, 90, NOW,
	    o, err, sizeof(err)), -1);
	assert_contains(err, "the census keeps 35 days");
	cJSON_Delete(o);
}

static void
test_overflow(void **state)
{
	struct fx	*f = *state;
	struct ip_addr	 a;
	char		 s[32];
	cJSON		*o;
	int		 i;

	f->c = census_new(4, NOW);
	for (i = 0; i < 10; i++) {
		snprintf(s, sizeof(s), "10.20.3.%d", i + 1);
		a = ip(s);
		census_count(f->c, &a, D_OUTBOUND, A_BLOCKED, false, 3, NOW);
	}
	/* Known hosts are still counted when the table is full. */
	a = ip("10.20.3.1");
	census_count(f->c, &a, D_OUTBOUND, A_BLOCKED, false, 1, NOW);
	o = report(f, 0);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(o, "hosts")), 4);
	assert_int_equal(cJSON_GetObjectItem(o, "hosts_tracked")->valuedouble,
	    4);
	assert_int_equal(cJSON_GetObjectItem(o, "overflow")->valuedouble, 18);
	assert_int_equal(count(host(o, "10.20.3.1"), "outbound", "blocked"), 4);
	cJSON_Delete(o);
}

/* The exceptions nobody used for 90 days, among those old enough. */
static void
test_unused_exceptions(void **state)
{
	struct fx	*f = *state;
	struct ip_addr	 gw = ip("10.20.1.25"), ph = ip("10.20.8.15"),
			 ev = ip("10.20.7.7");
	const cJSON	*u, *x;
	cJSON		*o;
	int		 n = 0;

	f->c = census_new(16, NOW - 200 * DAY);
	census_count(f->c, &gw, D_OUTBOUND, A_ALLOWED, true, 1, NOW - DAY);
	/* Physics: last used 100 days ago. */
	census_count(f->c, &ph, D_INBOUND, A_ALLOWED, true, 1, NOW - 100 * DAY);
	/* events: only blocked inbound... nothing allowed by its entry. */
	census_count(f->c, &ev, D_OUTBOUND, A_BLOCKED, false, 1, NOW - DAY);
	o = report(f, 0);
	u = cJSON_GetObjectItem(o, "unused_exceptions");
	cJSON_ArrayForEach(x, u) {
		const char *e = cJSON_GetObjectItem(x, "entry")->valuestring;

		n++;
		if (strcmp(e, "10.20.8.0/24") == 0)
			assert_string_equal(cJSON_GetObjectItem(x,
			    "last_used")->valuestring,
			    "2026-06-13T12:00:00.000000+0000");
		else if (strcmp(e, "10.20.7.7/32") == 0)
			assert_true(cJSON_IsNull(cJSON_GetObjectItem(x,
			    "last_used")));
		else
			fail_msg("%s listed as unused", e);
	}
	/* Not the gateway (used), not 10.20.9.9 (added 20 days ago). */
	assert_int_equal(n, 2);
	cJSON_Delete(o);
}

static void
test_round_trip(void **state)
{
	struct fx	*f = *state;
	struct census	*c2;
	struct ip_addr	 gw = ip("10.20.1.25"), v6 = ip("2001:db8:20::25");
	char		 err[ERRLEN], path[MAX_PATH], *a, *b;
	uint32_t	 dropped;

	f->c = census_new(16, NOW - 5 * DAY);
	census_count(f->c, &gw, D_INBOUND, A_ALLOWED, true, 5, NOW - 2 * DAY);
	census_count(f->c, &gw, D_OUTBOUND, A_BLOCKED, false, 3, NOW);
	census_count(f->c, &v6, D_OUTBOUND, A_ALLOWED, false, 1, NOW);
	tmpdir_file(&f->dir, "state", path);
	assert_int_equal(census_save(f->c, path, err, sizeof(err)), 0);
	tmpdir_file(&f->dir, "state/" CENSUS_FILE, path);
	c2 = census_new(16, NOW + DAY);
	assert_int_equal(census_load(c2, path, &dropped, err, sizeof(err)), 0);
	assert_int_equal(dropped, 0);
	a = census_dump(f->c);
	b = census_dump(c2);
	assert_string_equal(a, b);
	free(a);
	free(b);
	/* Counting goes on where it stopped. */
	census_count(c2, &gw, D_OUTBOUND, A_BLOCKED, false, 1, NOW);
	{
		cJSON		*o;
		struct census	*keep = f->c;

		f->c = c2;
		o = report(f, 1);
		f->c = keep;
		assert_int_equal(count(host(o, "10.20.1.25"), "outbound",
		    "blocked"), 4);
		assert_string_equal(cJSON_GetObjectItem(o,
		    "counting_since")->valuestring,
		    "2026-09-16T12:00:00.000000+0000");
		cJSON_Delete(o);
	}
	census_free(c2);
	/* A smaller table: the rest is overflow, said. */
	c2 = census_new(1, NOW);
	assert_int_equal(census_load(c2, path, &dropped, err, sizeof(err)), 0);
	assert_int_equal(dropped, 1);
	census_free(c2);
	/* No file: an empty census. */
	c2 = census_new(1, NOW);
	tmpdir_file(&f->dir, "state/none.json", path);
	assert_int_equal(census_load(c2, path, &dropped, err, sizeof(err)), 0);
	census_free(c2);
}

static void
test_damaged_file(void **state)
{
	static const struct {
		const char	*text, *err;
	} cases[] = {
		{ "{\"version\":1,\"since\":1,\"hosts\":[", "not valid JSON" },
		{ "", "not valid JSON" },
		{ "[]", "expected {\"version\": 1" },
		{ "{\"version\":2,\"since\":1,\"hosts\":[]}", "expected" },
		{ "{\"version\":1,\"since\":-5,\"hosts\":[]}", "expected" },
		{ "{\"version\":1,\"since\":1,\"overflow\":\"x\",\"hosts\":[]}",
		    "bad overflow" },
		{ "{\"version\":1,\"since\":1,\"hosts\":[{\"host\":\"nowhere\"}]}",
		    "host 1: no valid \"host\"" },
		{ "{\"version\":1,\"since\":1,\"hosts\":[{\"host\":\"10.20.1.1\","
		    "\"first\":9,\"last\":3,\"exception_used\":[0,0],\"total\":"
		    "[0,0,0,0],\"days\":[]}]}", "host 1: bad first/last" },
		{ "{\"version\":1,\"since\":1,\"hosts\":[{\"host\":\"10.20.1.1\","
		    "\"first\":1,\"last\":3,\"exception_used\":[0,0],\"total\":"
		    "[0,1.5,0,0],\"days\":[]}]}", "host 1: bad total" },
		{ "{\"version\":1,\"since\":1,\"hosts\":[{\"host\":\"10.20.1.1\","
		    "\"first\":1,\"last\":3,\"exception_used\":[0,0],\"total\":"
		    "[0,0,0,0],\"days\":[[20000,1,2,3]]}]}", "host 1: bad day" },
		{ "{\"version\":1,\"since\":1,\"hosts\":[{\"host\":\"10.20.1.1\","
		    "\"first\":1,\"last\":3,\"exception_used\":[0,0],\"total\":"
		    "[0,0,0,0],\"days\":[[20000,1,2,3,4],[20035,1,1,1,1]]}]}",
		    "two days in one bucket" },
		{ "{\"version\":1,\"since\":1,\"hosts\":[{\"host\":\"10.20.1.1\","
		    "\"first\":1,\"last\":3,\"exception_used\":[0,0],\"total\":"
		    "[0,0,0,0],\"days\":[]},{\"host\":\"10.20.1.1\",\"first\":1,"
		    "\"last\":3,\"exception_used\":[0,0],\"total\":[0,0,0,0],"
		    "\"days\":[]}]}", "host 2: 10.20.1.1 listed twice" },
	};
	struct fx	*f = *state;
	char		 err[ERRLEN], path[MAX_PATH], *dump;
	uint32_t	 dropped;
	size_t		 i;

	for (i = 0; i < NELEM(cases); i++) {
		census_free(f->c);
		f->c = census_new(16, NOW);
		write_file(&f->dir, "census.json", cases[i].text, path);
		err[0] = '\0';
		if (census_load(f->c, path, &dropped, err, sizeof(err)) != -1)
			fail_msg("case %zu loaded", i);
		assert_contains(err, "census.json: ");
		assert_contains(err, cases[i].err);
		/* Refused whole: nothing of it kept. */
		dump = census_dump(f->c);
		assert_contains(dump, "\"hosts\":[]");
		free(dump);
	}
	/* A NUL byte in the middle. */
	write_bytes(&f->dir, "census.json", "{\"version\":1\0}", 14, path);
	assert_int_equal(census_load(f->c, path, &dropped, err, sizeof(err)),
	    -1);
	assert_contains(err, "census.json: NUL byte");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_who_is_counted, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_since_buckets, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_since_range, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_overflow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unused_exceptions, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_round_trip, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_damaged_file, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
