/*
 * base/when.c: the one parser and formatter of dates and times that
 * configuration, state files, audit lines and reports share.
 */
#include "util.h"
#include "base/when.h"

#define T_2026_08_31	INT64_C(1788134400)

static void
test_parse_forms(void **state UNUSED)
{
	const char	*s, *end;
	int64_t		 t = 42;

	/* Each form, and where it stops. */
	s = "2026-08-31";
	assert_int_equal(when_parse(s, &t, &end), 0);
	assert_int_equal(t, T_2026_08_31);
	assert_ptr_equal(end, s + 10);
	s = "2026-08-31T10:05";
	assert_int_equal(when_parse(s, &t, &end), 0);
	assert_int_equal(t, T_2026_08_31 + 10 * 3600 + 5 * 60);
	assert_ptr_equal(end, s + 16);
	s = "2026-08-31T10:05:07Z";
	assert_int_equal(when_parse(s, &t, &end), 0);
	assert_int_equal(t, T_2026_08_31 + 10 * 3600 + 5 * 60 + 7);
	assert_ptr_equal(end, s + 19);
	assert_string_equal(end, "Z");
	/* An EVE timestamp: seconds, then the rest left to the caller. */
	s = "2026-08-31T23:59:59.123456+0000";
	assert_int_equal(when_parse(s, &t, &end), 0);
	assert_int_equal(t, T_2026_08_31 + 86399);
	assert_string_equal(end, ".123456+0000");
	/* A time that is not one: the date alone was read. */
	s = "2026-08-31T24:00";
	assert_int_equal(when_parse(s, &t, &end), 0);
	assert_ptr_equal(end, s + 10);
	s = "2026-08-31T10:60";
	assert_int_equal(when_parse(s, &t, &end), 0);
	assert_ptr_equal(end, s + 10);
	s = "2026-08-31T10:05:61";
	assert_int_equal(when_parse(s, &t, &end), 0);
	assert_ptr_equal(end, s + 16);
	s = "2026-08-31T1";
	assert_int_equal(when_parse(s, &t, &end), 0);
	assert_ptr_equal(end, s + 10);
}

static void
test_parse_bad(void **state UNUSED)
{
	static const char *const bad[] = {
		"2026-02-30", "2026-02-29", "2026-04-31", "2026-13-01",
		"2026-00-10", "2026-01-00", "2026-01-32", "2026-1-01",
		"26-01-01", "2026/01/01", "1969-12-31", "", "2026-0",
		"yyyy-mm-dd", "2026-0a-01", " 2026-01-1", "+026-01-01",
	};
	const char	*end = NULL;
	int64_t		 t = 42;

	for (size_t i = 0; i < NELEM(bad); i++) {
		if (when_parse(bad[i], &t, &end) != -1)
			fail_msg("when_parse accepted '%s'", bad[i]);
		assert_int_equal(t, 42);
		assert_null(end);
	}
	/* date_parse: the date and nothing after it. */
	assert_int_equal(date_parse("2028-02-29", &t), 0);
	assert_int_equal(t, INT64_C(1835395200));
	assert_int_equal(date_parse("2026-08-31T10:05", &t), -1);
	assert_int_equal(date_parse("2026-08-31 ", &t), -1);
}

static void
test_format(void **state UNUSED)
{
	char	 buf[WHEN_STRLEN];
	int64_t	 t = T_2026_08_31 + 10 * 3600 + 5 * 60 + 7;

	when_format(t, WHEN_DATE, buf, sizeof(buf));
	assert_string_equal(buf, "2026-08-31");
	when_format(t, WHEN_ISO, buf, sizeof(buf));
	assert_string_equal(buf, "2026-08-31T10:05:07Z");
	when_format(t, WHEN_TEXT, buf, sizeof(buf));
	assert_string_equal(buf, "2026-08-31 10:05:07Z");
	when_format(0, WHEN_ISO, buf, sizeof(buf));
	assert_string_equal(buf, "1970-01-01T00:00:00Z");
	/* Beyond four-digit years: the number, not a wrong date. */
	when_format(INT64_C(300000000000), WHEN_DATE, buf, sizeof(buf));
	assert_string_equal(buf, "300000000000");
	/* What it writes, it reads back. */
	for (int64_t s = 0; s < INT64_C(4102444800); s += 86400 * 37 + 3671) {
		const char	*end;
		int64_t		 back;

		when_format(s, WHEN_ISO, buf, sizeof(buf));
		assert_int_equal(when_parse(buf, &back, &end), 0);
		assert_int_equal(back, s);
		assert_string_equal(end, "Z");
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_forms),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
