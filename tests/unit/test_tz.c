/*
 * tz.c: the end of an `expires` day in the campus's zone.  The oracle is
 * glibc's localtime_r() on the same zone file (TZ=:Area/City) and on the
 * same POSIX rule strings: every DST change of 2024-2040 in zones far
 * from UTC or with odd rules (a midnight skipped, half-hour DST, +12:45),
 * random instants 1900-2100, and synthetic TZif files that are only a
 * footer rule.  Plus the figures a campus reads: a 2026-12-31 entry in
 * Cleveland ends 2027-01-01 05:00 UTC, not 2026-12-31 19:00 local.
 */
#include <time.h>

#include "util.h"

static const char *const zones[] = {
	"America/New_York", "America/Los_Angeles", "Pacific/Auckland",
	"Europe/London", "Australia/Lord_Howe", "America/Santiago",
	"America/Havana", "Pacific/Chatham", "America/St_Johns",
	"Asia/Kolkata", "Asia/Tehran", "Europe/Dublin", "Africa/Casablanca",
	"Pacific/Kiritimati", "Pacific/Pago_Pago", "Etc/UTC",
};

static void
set_tz(const char *spec)
{
	setenv("TZ", spec, 1);
	tzset();
}

/* glibc's local day number at t. */
static int64_t
libc_day(int64_t t)
{
	time_t		 tt = (time_t)t;
	struct tm	 tm;

	if (localtime_r(&tt, &tm) == NULL)
		fail_msg("localtime_r(%lld)", (long long)t);
	return tz_days_from_civil(tm.tm_year + 1900, tm.tm_mon + 1,
	    tm.tm_mday);
}

static int32_t
libc_off(int64_t t)
{
	time_t		 tt = (time_t)t;
	struct tm	 tm;

	localtime_r(&tt, &tm);
	return (int32_t)tm.tm_gmtoff;
}

/*
 * The first instant glibc shows day + 1 or later: a scan by quarter
 * hours, then minutes, then seconds (a change of offset can fall on any).
 */
static int64_t
libc_day_end(int64_t day)
{
	int64_t	 t = (day + 1) * 86400 - 27 * 3600;

	while (libc_day(t) <= day)
		t += 900;
	for (t -= 900; libc_day(t) <= day; t += 60)
		;
	for (t -= 60; libc_day(t) <= day; t++)
		;
	return t;
}

static struct tz *
load(const char *name)
{
	char		 err[ERRLEN];
	struct tz	*z = tz_load(name, err, sizeof(err));

	if (z == NULL)
		fail_msg("tz_load(%s): %s", name ? name : "NULL", err);
	return z;
}

static void
test_utc(void **state UNUSED)
{
	int64_t	 d = tz_days_from_civil(2026, 12, 31);

	assert_string_equal(tz_name(NULL), "UTC");
	assert_int_equal(tz_offset(NULL, 1798675200), 0);
	assert_int_equal(tz_day_end(NULL, d), INT64_C(1798761600));
	assert_int_equal(tz_day_of(NULL, INT64_C(1798761599)), d);
	assert_int_equal(tz_day_of(NULL, INT64_C(1798761600)), d + 1);
	assert_int_equal(tz_day_of(NULL, -1), -1);
}

static void
test_civil(void **state UNUSED)
{
	int	 y, m, d;

	for (int64_t z = -800000; z < 800000; z += 13) {
		tz_civil_from_days(z, &y, &m, &d);
		assert_int_equal(tz_days_from_civil(y, m, d), z);
	}
	tz_civil_from_days(tz_days_from_civil(2028, 2, 29), &y, &m, &d);
	assert_true(y == 2028 && m == 2 && d == 29);
}

/* The figures of the issue: a day ends at midnight in the zone. */
static void
test_campus_figures(void **state UNUSED)
{
	struct tz	*z;
	int64_t		 d31 = tz_days_from_civil(2026, 12, 31);

	z = load("America/New_York");		/* Cleveland */
	assert_string_equal(tz_name(z), "America/New_York");
	/* 2027-01-01T05:00:00Z, not 2026-12-31T19:00 EST */
	assert_int_equal(tz_day_end(z, d31), INT64_C(1798779600));
	assert_int_equal(tz_offset(z, INT64_C(1798779600)), -5 * 3600);
	tz_free(z);

	z = load("America/Los_Angeles");
	assert_int_equal(tz_day_end(z, d31), INT64_C(1798790400));
	/* spring forward 2027-03-14 02:00 PST: that day ends in PDT */
	assert_int_equal(tz_day_end(z, tz_days_from_civil(2027, 3, 14)),
	    INT64_C(1805094000));		/* 2027-03-15T07:00:00Z */
	/* fall back 2026-11-01 02:00 PDT: that day ends in PST */
	assert_int_equal(tz_day_end(z, tz_days_from_civil(2026, 11, 1)),
	    INT64_C(1793606400));		/* 2026-11-02T08:00:00Z */
	/* the day before each change: 7 and 8 hours after UTC midnight */
	assert_int_equal(tz_day_end(z, tz_days_from_civil(2027, 3, 13)),
	    INT64_C(1805011200));		/* 2027-03-14T08:00:00Z */
	assert_int_equal(tz_day_end(z, tz_days_from_civil(2026, 10, 31)),
	    INT64_C(1793516400));		/* 2026-11-01T07:00:00Z */
	tz_free(z);

	z = load("Pacific/Auckland");
	/* NZDT, +13: ends 2026-12-31T11:00:00Z, hours before UTC's */
	assert_int_equal(tz_day_end(z, d31), INT64_C(1798714800));
	assert_int_equal(tz_day_of(z, INT64_C(1798714799)), d31);
	assert_int_equal(tz_day_of(z, INT64_C(1798714800)), d31 + 1);
	tz_free(z);
}

/* Chile skips a midnight: the day ends when the clocks jump. */
static void
test_midnight_skipped(void **state UNUSED)
{
	struct tz	*z = load("America/Santiago");
	int64_t		 d = tz_days_from_civil(2026, 9, 5), end;

	end = tz_day_end(z, d);
	/* 2026-09-06 00:00 -04 does not exist: 01:00 -03 is 04:00Z */
	assert_int_equal(end, INT64_C(1788667200));
	assert_int_equal(tz_offset(z, end - 1), -4 * 3600);
	assert_int_equal(tz_offset(z, end), -3 * 3600);
	tz_free(z);
}

/* Every DST change in 2024-2040, and random days 1971-2099, vs glibc. */
static void
test_against_libc(void **state UNUSED)
{
	char		 spec[128];
	struct tz	*z;
	int64_t		 t, day, n = 0;
	uint64_t	 r = 88172645463325252ULL;
	int32_t		 prev;

	for (size_t i = 0; i < NELEM(zones); i++) {
		z = load(zones[i]);
		snprintf(spec, sizeof(spec), ":%s", zones[i]);
		set_tz(spec);
		/* the days around every change of offset */
		prev = libc_off(INT64_C(1704067200));	/* 2024-01-01 */
		for (t = INT64_C(1704067200); t < INT64_C(2240611200);
		    t += 6 * 3600) {
			if (libc_off(t) == prev)
				continue;
			prev = libc_off(t);
			for (day = libc_day(t) - 1; day <= libc_day(t) + 1;
			    day++, n++)
				if (tz_day_end(z, day) != libc_day_end(day))
					fail_msg("%s: day %lld ends at %lld, "
					    "glibc: %lld", zones[i],
					    (long long)day,
					    (long long)tz_day_end(z, day),
					    (long long)libc_day_end(day));
		}
		for (int k = 0; k < 300; k++, n++) {
			r ^= r << 13, r ^= r >> 7, r ^= r << 17;
			/* 1900-2100 for the offset, 1971-2099 for days */
			t = -INT64_C(2208988800) + (int64_t)(r %
			    UINT64_C(6311433600));
			if (tz_offset(z, t) != libc_off(t))
				fail_msg("%s: offset at %lld is %d, glibc: %d",
				    zones[i], (long long)t, tz_offset(z, t),
				    libc_off(t));
			day = 365 + (int64_t)(r % 46000);
			if (tz_day_end(z, day) != libc_day_end(day))
				fail_msg("%s: day %lld", zones[i],
				    (long long)day);
			if (tz_day_of(z, t) != libc_day(t))
				fail_msg("%s: day of %lld", zones[i],
				    (long long)t);
		}
		tz_free(z);
	}
	unsetenv("TZ");
	tzset();
	assert_true(n > 5000);
}

/* ---- synthetic files: only a footer rule ---- */

static void
put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* A version-2 TZif file: no transitions, type 0 at off, footer rule. */
static size_t
tzif(uint8_t *buf, int32_t off, const char *rule)
{
	size_t	 n = 0;

	for (int part = 0; part < 2; part++) {
		memset(buf + n, 0, 44);
		memcpy(buf + n, "TZif2", 5);
		put_be32(buf + n + 36, 1);		/* typecnt */
		put_be32(buf + n + 40, 4);		/* charcnt */
		n += 44;
		put_be32(buf + n, (uint32_t)off);	/* ttinfo */
		buf[n + 4] = 0;
		buf[n + 5] = 0;
		n += 6;
		memcpy(buf + n, "ZZZ", 4);
		n += 4;
	}
	n += (size_t)sprintf((char *)buf + n, "\n%s\n", rule);
	return n;
}

static void
test_footer_rules(void **state UNUSED)
{
	static const struct {
		const char	*rule;
		int32_t		 std;
	} rules[] = {
		{ "EST5EDT,M3.2.0,M11.1.0", -5 * 3600 },
		{ "NZST-12NZDT,M9.5.0,M4.1.0/3", 12 * 3600 },
		{ "<-04>4<-03>,M9.1.6/24,M4.1.6/24", -4 * 3600 },
		{ "IST-1GMT0,M10.5.0,M3.5.0/1", 3600 },
		{ "AAA3BBB,J60/2,J300/2", -3 * 3600 },
		{ "AAA3BBB,59/2,299/2", -3 * 3600 },
		{ "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0", 37800 },
		{ "<+0530>-5:30", 19800 },
		{ "XXX-3:15:20YYY-1,M4.5.3/-3,M10.5.3/167", 11720 },
	};
	struct tmpdir	 d;
	char		 path[MAX_PATH], err[ERRLEN], spec[128];
	uint8_t		 buf[512];
	struct tz	*z;
	uint64_t	 r = 0x9e3779b97f4a7c15ULL;
	int64_t		 t;

	tmpdir_new(&d);
	for (size_t i = 0; i < NELEM(rules); i++) {
		write_bytes(&d, "zone", buf, tzif(buf, rules[i].std,
		    rules[i].rule), path);
		if ((z = tz_load(path, err, sizeof(err))) == NULL)
			fail_msg("%s: %s", rules[i].rule, err);
		snprintf(spec, sizeof(spec), "%s", rules[i].rule);
		set_tz(spec);
		for (int k = 0; k < 2000; k++) {
			r ^= r << 13, r ^= r >> 7, r ^= r << 17;
			t = INT64_C(946684800) + (int64_t)(r %
			    UINT64_C(2524608000));	/* 2000-2080 */
			if (tz_offset(z, t) != libc_off(t))
				fail_msg("%s: offset at %lld is %d, glibc %d",
				    rules[i].rule, (long long)t,
				    tz_offset(z, t), libc_off(t));
			if (k % 10 == 0 && tz_day_end(z, t / 86400) !=
			    libc_day_end(t / 86400))
				fail_msg("%s: end of day %lld", rules[i].rule,
				    (long long)(t / 86400));
		}
		tz_free(z);
	}
	unsetenv("TZ");
	tzset();
	/*
	 * All-year DST as RFC 8536 writes it: the end of one year's DST is
	 * the start of the next.  (glibc takes the year of t in UTC and so
	 * answers standard time in the hours around New Year.)
	 */
	write_bytes(&d, "zone", buf, tzif(buf, -5 * 3600,
	    "EST5EDT,0/0,J365/25"), path);
	if ((z = tz_load(path, err, sizeof(err))) == NULL)
		fail_msg("%s", err);
	for (t = INT64_C(946684800); t < INT64_C(3471292800); t += 7717)
		if (tz_offset(z, t) != -4 * 3600)
			fail_msg("all-year DST: %d at %lld", tz_offset(z, t),
			    (long long)t);
	assert_int_equal(tz_day_end(z, tz_days_from_civil(2037, 12, 31)),
	    INT64_C(2145931200));		/* 2038-01-01T04:00:00Z */
	tz_free(z);
	tmpdir_rm(&d);
}

static void
test_errors(void **state UNUSED)
{
	struct tmpdir	 d;
	char		 path[MAX_PATH], err[ERRLEN], want[ERRLEN + MAX_PATH];
	uint8_t		 buf[512];
	size_t		 n;

	assert_null(tz_load("Mars/Olympus_Mons", err, sizeof(err)));
	assert_string_equal(err, "no zone 'Mars/Olympus_Mons' "
	    "(/usr/share/zoneinfo/Mars/Olympus_Mons: No such file or "
	    "directory; is tzdata installed?)");
	assert_null(tz_load("../../etc/passwd", err, sizeof(err)));
	assert_string_equal(err, "'../../etc/passwd' is not a zone name "
	    "(Area/City, as in /usr/share/zoneinfo)");
	assert_null(tz_load("America/New York", err, sizeof(err)));
	assert_contains(err, "is not a zone name");
	assert_null(tz_load("", err, sizeof(err)));
	assert_null(tz_load("America", err, sizeof(err)));
	assert_string_equal(err, "/usr/share/zoneinfo/America: Is a "
	    "directory");

	tmpdir_new(&d);
	write_file(&d, "notzif", "not a zone file at all\n", path);
	assert_null(tz_load(path, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s: not a valid TZif file", path);
	assert_string_equal(err, want);
	/* every truncation of a valid file is refused, none crashes */
	n = tzif(buf, -5 * 3600, "EST5EDT,M3.2.0,M11.1.0");
	for (size_t k = 0; k < n - 1; k++) {
		struct tz *z;

		write_bytes(&d, "cut", buf, k, path);
		if ((z = tz_load(path, err, sizeof(err))) != NULL) {
			/* only the footer's end may go: the rule is then
			   incomplete, or the file is read without it */
			assert_true(k >= n - 30);
			tz_free(z);
		}
	}
	n = tzif(buf, 0, "XXX0YYY,M13.1.0,M11.1.0");
	write_bytes(&d, "badrule", buf, n, path);
	assert_null(tz_load(path, err, sizeof(err)));
	assert_contains(err, "its rule 'XXX0YYY,M13.1.0,M11.1.0' is not one "
	    "nfqd reads");
	tmpdir_rm(&d);
}

/* The system's zone: /etc/localtime, named after its link. */
static void
test_system(void **state UNUSED)
{
	struct tz	*z = load(NULL);
	char		 link[MAX_PATH];
	ssize_t		 n;

	n = readlink("/etc/localtime", link, sizeof(link) - 1);
	if (n > 0) {
		link[n] = '\0';
		assert_non_null(strstr(link, tz_name(z)));
	}
	set_tz(":/etc/localtime");
	for (int64_t t = INT64_C(1700000000); t < INT64_C(1900000000);
	    t += 86400 * 7 + 3599)
		assert_int_equal(tz_offset(z, t), libc_off(t));
	unsetenv("TZ");
	tzset();
	tz_free(z);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utc),
		cmocka_unit_test(test_civil),
		cmocka_unit_test(test_campus_figures),
		cmocka_unit_test(test_midnight_skipped),
		cmocka_unit_test(test_against_libc),
		cmocka_unit_test(test_footer_rules),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_system),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
