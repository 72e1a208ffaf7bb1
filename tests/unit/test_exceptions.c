/*
 * exceptions.conf: exc_parse_line messages, exc_load with file:line,
 * duplicates naming both lines, and the end-of-day expiry.
 */
#include "util.h"

#define T_2026_08_31	INT64_C(1788134400)	/* 2026-08-31T00:00:00Z */
#define T_2026_09_01	INT64_C(1788220800)	/* 2026-09-01T00:00:00Z */

/* exc_parse_line must fail with exactly `msg`. */
static void
line_err_at(const char *line, const char *msg, int caller)
{
	struct exc_entry e;
	char		 err[ERRLEN] = "";

	if (exc_parse_line(line, &e, err, sizeof(err)) != -1)
		fail_msg("line %d: '%s' accepted", caller, line);
	if (strcmp(err, msg) != 0)
		fail_msg("line %d:\n got '%s'\nwant '%s'", caller, err, msg);
}
#define line_err(line, msg)	line_err_at(line, msg, __LINE__)

static struct exc_entry
line_ok(const char *line)
{
	struct exc_entry e;
	char		 err[ERRLEN] = "";

	if (exc_parse_line(line, &e, err, sizeof(err)) != 1)
		fail_msg("'%s': %s", line, err);
	return e;
}

static void
test_dir_name(void **state UNUSED)
{
	assert_string_equal(dir_name(DIR_INBOUND), "inbound");
	assert_string_equal(dir_name(DIR_OUTBOUND), "outbound");
	assert_string_equal(dir_name(DIR_BOTH), "both");
	assert_string_equal(dir_name(0), "?");
}

static void
test_date_parse(void **state UNUSED)
{
	static const char *const bad[] = {
		"2026-02-30", "2026-02-29", "2026-04-31", "2026-13-01",
		"2026-00-10", "2026-01-00", "2026-01-32", "2026-1-01",
		"26-01-01", "2026/01/01", "2026-01-01T00", "1969-12-31",
		"", "yyyy-mm-dd", "2026-0a-01", " 2026-01-1", "+026-01-01",
		"2026--1-01",
	};
	int64_t		 t = 42;
	size_t		 i;

	assert_int_equal(date_parse("2026-08-31", &t), 0);
	assert_int_equal(t, T_2026_08_31);
	assert_int_equal(date_parse("1970-01-01", &t), 0);
	assert_int_equal(t, 0);
	assert_int_equal(date_parse("2028-02-29", &t), 0);	/* leap */
	assert_int_equal(t, INT64_C(1835395200));
	assert_int_equal(date_parse("2026-12-31", &t), 0);
	assert_int_equal(t, INT64_C(1798675200));
	for (i = 0; i < NELEM(bad); i++) {
		t = 42;
		if (date_parse(bad[i], &t) != -1)
			fail_msg("date_parse accepted '%s'", bad[i]);
		assert_int_equal(t, 42);
	}
}

static void
test_blank_and_comment_lines(void **state UNUSED)
{
	static const char *const lines[] = {
		"", "\n", "   \t  \r\n", "# a comment\n", "   # indented\n",
		"#10.20.1.25 both\n",
	};
	struct exc_entry e;
	char		 err[ERRLEN];
	size_t		 i;

	for (i = 0; i < NELEM(lines); i++)
		assert_int_equal(exc_parse_line(lines[i], &e, err, sizeof(err)),
		    0);
}

static void
test_parse_fields(void **state UNUSED)
{
	struct exc_entry e;
	char		 s[PREFIX_STRLEN];

	e = line_ok("10.20.1.25 both\n");
	prefix_format(&e.pfx, s, sizeof(s));
	assert_string_equal(s, "10.20.1.25/32");
	assert_int_equal(e.dir, DIR_BOTH);
	assert_int_equal(e.expires_at, 0);
	assert_string_equal(e.ticket, "");
	assert_string_equal(e.owner, "");
	assert_string_equal(e.expires, "");
	assert_string_equal(e.added, "");

	e = line_ok("10.20.8.0/24\tinbound  ticket=NET-1187 owner=physics-it "
	    "expires=2026-08-31 added=2025-07-01   # Part 1 exception\r\n");
	prefix_format(&e.pfx, s, sizeof(s));
	assert_string_equal(s, "10.20.8.0/24");
	assert_int_equal(e.dir, DIR_INBOUND);
	assert_string_equal(e.ticket, "NET-1187");
	assert_string_equal(e.owner, "physics-it");
	assert_string_equal(e.expires, "2026-08-31");
	assert_string_equal(e.added, "2025-07-01");
	/* the end of that UTC day: valid through 23:59:59 */
	assert_int_equal(e.expires_at, T_2026_09_01);

	/* attribute order does not matter, added does not move expires */
	e = line_ok("2001:db8:20:1::25 outbound added=2020-01-01 "
	    "expires=2026-08-31 owner=x ticket=y");
	assert_int_equal(e.pfx.addr.af, 6);
	assert_int_equal(e.pfx.len, 128);
	assert_int_equal(e.dir, DIR_OUTBOUND);
	assert_int_equal(e.expires_at, T_2026_09_01);
	e = line_ok("10.20.1.25 both expires=2026-08-31 added=2030-01-01");
	assert_int_equal(e.expires_at, T_2026_09_01);
	assert_string_equal(e.added, "2030-01-01");

	/* no expires: never */
	e = line_ok("10.20.0.0/16 outbound added=2025-01-01");
	assert_int_equal(e.expires_at, 0);

	/* the longest allowed texts */
	e = line_ok("10.20.1.25 both ticket=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
	assert_int_equal(strlen(e.ticket), 63);
	e = line_ok("10.20.1.25 both owner=~!@$%^&*()_+-={}[]|:;'<>,.?/`");
	assert_string_equal(e.owner, "~!@$%^&*()_+-={}[]|:;'<>,.?/`");
}

static void
test_parse_address_errors(void **state UNUSED)
{
	line_err("10.20.1.256 both", "bad address '10.20.1.256'");
	line_err("mailhost both", "bad address 'mailhost'");
	line_err("10.20.9.1/24 inbound",
	    "host bits set in '10.20.9.1/24' (did you mean 10.20.9.0/24?)");
	line_err("2001:db8:20::25/48 both",
	    "host bits set in '2001:db8:20::25/48' "
	    "(did you mean 2001:db8:20::/48?)");
	line_err("10.20.0.0/33 both",
	    "bad prefix length '33' in '10.20.0.0/33' (0-32)");
}

static void
test_parse_direction_errors(void **state UNUSED)
{
	line_err("10.20.1.25",
	    "missing direction after 10.20.1.25 (inbound, outbound or both)");
	line_err("10.20.1.25   # both",
	    "missing direction after 10.20.1.25 (inbound, outbound or both)");
	line_err("10.20.1.25 in",
	    "bad direction 'in' (expected inbound, outbound or both)");
	line_err("10.20.1.25 Inbound",
	    "bad direction 'Inbound' (expected inbound, outbound or both)");
	line_err("10.20.1.25 ticket=NET-1",
	    "bad direction 'ticket=NET-1' (expected inbound, outbound or "
	    "both)");
}

static void
test_parse_attribute_errors(void **state UNUSED)
{
	line_err("10.20.1.25 both color=red",
	    "unknown attribute 'color' (expected ticket, owner, expires or "
	    "added)");
	line_err("10.20.1.25 both Ticket=A",
	    "unknown attribute 'Ticket' (expected ticket, owner, expires or "
	    "added)");
	line_err("10.20.1.25 both ticket", "expected key=value, got 'ticket'");
	line_err("10.20.1.25 both inbound",
	    "expected key=value, got 'inbound'");
	line_err("10.20.1.25 both ticket=A ticket=B", "ticket given twice");
	line_err("10.20.1.25 both owner=a ticket=t owner=a",
	    "owner given twice");
	line_err("10.20.1.25 both expires=2026-01-01 expires=2027-01-01",
	    "expires given twice");
	line_err("10.20.1.25 both added=2026-01-01 added=2026-01-01",
	    "added given twice");
	line_err("10.20.1.25 both a b c d e f g h i j k l m n o",
	    "too many fields");
}

static void
test_parse_date_errors(void **state UNUSED)
{
	line_err("10.20.1.25 both expires=2026-02-30",
	    "bad expires date '2026-02-30' (expected YYYY-MM-DD)");
	line_err("10.20.1.25 both expires=2026-13-01",
	    "bad expires date '2026-13-01' (expected YYYY-MM-DD)");
	line_err("10.20.1.25 both expires=2026-9-1",
	    "bad expires date '2026-9-1' (expected YYYY-MM-DD)");
	line_err("10.20.1.25 both expires=31/08/2026",
	    "bad expires date '31/08/2026' (expected YYYY-MM-DD)");
	line_err("10.20.1.25 both expires=",
	    "bad expires date '' (expected YYYY-MM-DD)");
	line_err("10.20.1.25 both added=yesterday",
	    "bad added date 'yesterday' (expected YYYY-MM-DD)");
	line_err("10.20.1.25 both added=2025-02-29",
	    "bad added date '2025-02-29' (expected YYYY-MM-DD)");
}

static void
test_parse_text_errors(void **state UNUSED)
{
	static const char *const allowed =
	    " has a character that is not allowed (printable, no quotes or "
	    "backslashes)";
	char		 want[256];

	line_err("10.20.1.25 both ticket=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "ticket must be 1-63 characters");
	line_err("10.20.1.25 both owner=", "owner must be 1-63 characters");
	line_err("10.20.1.25 both ticket=", "ticket must be 1-63 characters");
	snprintf(want, sizeof(want), "ticket%s", allowed);
	line_err("10.20.1.25 both ticket=NET\"1", want);
	line_err("10.20.1.25 both ticket=NET\\1", want);
	line_err("10.20.1.25 both ticket=NET\x01", want);
	line_err("10.20.1.25 both ticket=NET\x7f", want);
	snprintf(want, sizeof(want), "owner%s", allowed);
	line_err("10.20.1.25 both owner=j\xc3\xa9r\xc3\xb4me", want);
}

static void
test_parse_long_line(void **state UNUSED)
{
	char		 line[8192];
	struct exc_entry e;
	char		 err[ERRLEN] = "";

	/* The same limit as nfqd.conf: 4095 bytes a line. */
	memset(line, ' ', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	memcpy(line, "10.20.1.25 both", 15);
	assert_int_equal(exc_parse_line(line, &e, err, sizeof(err)), -1);
	assert_string_equal(err, "line too long");
	line[4096] = '\0';
	assert_int_equal(exc_parse_line(line, &e, err, sizeof(err)), -1);
	line[4095] = '\0';
	assert_int_equal(exc_parse_line(line, &e, err, sizeof(err)), 1);
}

/* ---- exc_load ---- */

struct fx {
	struct tmpdir	 dir;
	struct exc_list	 l;
	char		 path[MAX_PATH];
	char		 err[ERRLEN];
};

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

	exc_free(&f->l);
	tmpdir_rm(&f->dir);
	free(f);
	return 0;
}

static void
load_err_at(struct fx *f, const char *text, unsigned line, const char *msg,
    int caller)
{
	char	 want[ERRLEN + MAX_PATH];

	write_file(&f->dir, "exceptions.conf", text, f->path);
	f->err[0] = '\0';
	if (exc_load(f->path, &f->l, f->err, sizeof(f->err)) != -1)
		fail_msg("line %d: exc_load accepted", caller);
	snprintf(want, sizeof(want), "%s:%u: %s", f->path, line, msg);
	if (strcmp(f->err, want) != 0)
		fail_msg("line %d:\n got '%s'\nwant '%s'", caller, f->err,
		    want);
	/* nothing is half-loaded */
	assert_int_equal(f->l.n, 0);
	assert_null(f->l.v);
	assert_null(f->l.lpm.slots);
}
#define load_err(f, text, line, msg)	load_err_at(f, text, line, msg, __LINE__)

static const char *const sample =
    /* 1 */ "# Central mail gateway\n"
    /* 2 */ "10.20.1.25          both      ticket=NET-1001 owner=its-mail "
	    "added=2024-01-15\n"
    /* 3 */ "2001:db8:20:1::25   both      ticket=NET-1001 owner=its-mail "
	    "added=2024-01-15\n"
    /* 4 */ "\n"
    /* 5 */ "10.20.8.0/24        inbound   ticket=NET-1187 owner=physics-it "
	    "expires=2027-06-30 added=2025-07-01\n"
    /* 6 */ "10.20.8.66          outbound  ticket=NET-1203 "
	    "owner=physics-it added=2025-09-02   # sends only\n"
    /* 7 */ "   # Expired: the old list server\n"
    /* 8 */ "10.20.7.7           both      ticket=NET-0950 owner=events "
	    "expires=2026-08-31 added=2025-09-01\n";

static void
test_load_sample(void **state)
{
	struct fx	*f = *state;
	struct exc_list	*l = &f->l;
	char		 s[PREFIX_STRLEN];
	uint32_t	 idx[4];
	struct ip_addr	 a;

	write_file(&f->dir, "exceptions.conf", sample, f->path);
	if (exc_load(f->path, l, f->err, sizeof(f->err)) != 0)
		fail_msg("%s", f->err);
	assert_int_equal(l->n, 5);
	assert_int_equal(l->lpm.count, 5);

	prefix_format(&l->v[0].pfx, s, sizeof(s));
	assert_string_equal(s, "10.20.1.25/32");
	assert_int_equal(l->v[0].line, 2);
	assert_int_equal(l->v[0].dir, DIR_BOTH);
	assert_string_equal(l->v[0].ticket, "NET-1001");
	assert_string_equal(l->v[0].owner, "its-mail");
	assert_string_equal(l->v[0].added, "2024-01-15");
	assert_int_equal(l->v[0].expires_at, 0);

	prefix_format(&l->v[1].pfx, s, sizeof(s));
	assert_string_equal(s, "2001:db8:20:1::25/128");
	assert_int_equal(l->v[1].line, 3);

	prefix_format(&l->v[2].pfx, s, sizeof(s));
	assert_string_equal(s, "10.20.8.0/24");
	assert_int_equal(l->v[2].line, 5);
	assert_int_equal(l->v[2].dir, DIR_INBOUND);
	assert_string_equal(l->v[2].expires, "2027-06-30");
	assert_int_equal(l->v[2].expires_at, INT64_C(1814400000));

	assert_int_equal(l->v[3].line, 6);
	assert_int_equal(l->v[3].dir, DIR_OUTBOUND);
	assert_string_equal(l->v[3].owner, "physics-it");

	assert_int_equal(l->v[4].line, 8);
	assert_int_equal(l->v[4].expires_at, T_2026_09_01);

	/* the table indexes the list */
	a = ip("10.20.8.66");
	assert_int_equal(lpm_lookup(&l->lpm, &a, idx, 4), 2);
	assert_int_equal(idx[0], 3);
	assert_int_equal(idx[1], 2);
	exc_free(l);
	assert_null(l->v);
	assert_int_equal(l->n, 0);
}

static void
test_load_many(void **state)
{
	struct fx	*f = *state;
	char		*text, *p;
	size_t		 i;
	uint32_t	 idx;
	struct ip_addr	 a;

	text = malloc(5000 * 64);
	assert_non_null(text);
	p = text;
	for (i = 0; i < 5000; i++)
		p += sprintf(p, "10.%zu.%zu.0/24 %s ticket=T-%zu\n", 100 + i / 256,
		    i % 256, i % 2 ? "inbound" : "outbound", i);
	write_file(&f->dir, "exceptions.conf", text, f->path);
	free(text);
	if (exc_load(f->path, &f->l, f->err, sizeof(f->err)) != 0)
		fail_msg("%s", f->err);
	assert_int_equal(f->l.n, 5000);
	a = ip("10.119.135.77");		/* i = 19 * 256 + 135 */
	assert_int_equal(lpm_lookup(&f->l.lpm, &a, &idx, 1), 1);
	assert_int_equal(idx, 19 * 256 + 135);
	assert_string_equal(f->l.v[idx].ticket, "T-4999");
	assert_int_equal(f->l.v[idx].line, 5000);
}

static void
test_load_empty_and_comments_only(void **state)
{
	struct fx	*f = *state;
	struct ip_addr	 a = ip("10.20.1.25");

	write_file(&f->dir, "exceptions.conf", "", f->path);
	assert_int_equal(exc_load(f->path, &f->l, f->err, sizeof(f->err)), 0);
	assert_int_equal(f->l.n, 0);
	assert_false(lpm_match(&f->l.lpm, &a));
	exc_free(&f->l);
	write_file(&f->dir, "exceptions.conf", "# none\n\n   \n#x both\n",
	    f->path);
	assert_int_equal(exc_load(f->path, &f->l, f->err, sizeof(f->err)), 0);
	assert_int_equal(f->l.n, 0);
}

static void
test_load_errors_name_file_line(void **state)
{
	struct fx	*f = *state;

	load_err(f, "10.20.1.25 both\n\n10.20.1.256 both\n", 3,
	    "bad address '10.20.1.256'");
	load_err(f, "# x\n10.20.9.1/24 inbound\n", 2,
	    "host bits set in '10.20.9.1/24' (did you mean 10.20.9.0/24?)");
	load_err(f, "10.20.1.25 sideways\n", 1,
	    "bad direction 'sideways' (expected inbound, outbound or both)");
	load_err(f, "10.20.1.25 both\n10.20.1.26\n", 2,
	    "missing direction after 10.20.1.26 (inbound, outbound or both)");
	load_err(f, "10.20.1.25 both colour=red\n", 1,
	    "unknown attribute 'colour' (expected ticket, owner, expires or "
	    "added)");
	load_err(f, "10.20.1.25 both owner=a owner=b\n", 1,
	    "owner given twice");
	load_err(f, "\n\n\n10.20.1.25 both expires=2026-02-30\n", 4,
	    "bad expires date '2026-02-30' (expected YYYY-MM-DD)");
	load_err(f, "10.20.1.25 both ticket=0123456789012345678901234567890"
	    "1234567890123456789012345678901234\n", 1,
	    "ticket must be 1-63 characters");
	load_err(f, "10.20.1.25 both ticket=\"NET-1\"\n", 1,
	    "ticket has a character that is not allowed (printable, no "
	    "quotes or backslashes)");
}

static void
test_load_duplicates(void **state)
{
	struct fx	*f = *state;

	load_err(f,
	    "# list\n"
	    "10.20.1.25 both\n"
	    "10.20.8.0/24 inbound\n"
	    "10.20.1.26 both\n"
	    "\n"
	    "10.20.8.0/24 outbound ticket=NET-2\n", 6,
	    "10.20.8.0/24 listed twice (first on line 3)");
	load_err(f, "10.20.1.25 both\n10.20.1.25/32 inbound\n", 2,
	    "10.20.1.25/32 listed twice (first on line 1)");
	load_err(f, "2001:db8:20:1::25 both\n# x\n"
	    "2001:db8:20:1:0:0:0:25/128 both\n", 3,
	    "2001:db8:20:1::25/128 listed twice (first on line 1)");
	/* same network, other length, is not a duplicate */
	write_file(&f->dir, "exceptions.conf",
	    "10.20.8.0/24 inbound\n10.20.8.0/25 both\n10.20.8.0/32 both\n",
	    f->path);
	assert_int_equal(exc_load(f->path, &f->l, f->err, sizeof(f->err)), 0);
	assert_int_equal(f->l.n, 3);
}

static void
test_load_nul_byte(void **state)
{
	static const char text[] = "10.20.1.25 both\n10.20.1.26 bo\0th\n";
	struct fx	*f = *state;
	char		 want[ERRLEN + MAX_PATH];

	write_bytes(&f->dir, "exceptions.conf", text, sizeof(text) - 1,
	    f->path);
	assert_int_equal(exc_load(f->path, &f->l, f->err, sizeof(f->err)), -1);
	snprintf(want, sizeof(want), "%s:2: NUL byte in line", f->path);
	assert_string_equal(f->err, want);
	assert_int_equal(f->l.n, 0);
	assert_null(f->l.v);
}

static void
test_load_long_line(void **state)
{
	struct fx	*f = *state;
	char		*text;

	text = malloc(8192);
	assert_non_null(text);
	strcpy(text, "10.20.1.25 both\n10.20.1.26 both #");
	memset(text + strlen(text), 'c', 5000);
	strcpy(text + 33 + 5000, "\n");
	load_err(f, text, 2, "line too long");
	free(text);
}

static void
test_load_unreadable(void **state)
{
	struct fx	*f = *state;
	char		 want[ERRLEN + MAX_PATH];

	tmpdir_file(&f->dir, "none.conf", f->path);
	assert_int_equal(exc_load(f->path, &f->l, f->err, sizeof(f->err)), -1);
	snprintf(want, sizeof(want), "%s: No such file or directory",
	    f->path);
	assert_string_equal(f->err, want);
	assert_int_equal(exc_load(f->dir.path, &f->l, f->err, sizeof(f->err)),
	    -1);
	snprintf(want, sizeof(want), "%s: Is a directory", f->dir.path);
	assert_string_equal(f->err, want);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dir_name),
		cmocka_unit_test(test_date_parse),
		cmocka_unit_test(test_blank_and_comment_lines),
		cmocka_unit_test(test_parse_fields),
		cmocka_unit_test(test_parse_address_errors),
		cmocka_unit_test(test_parse_direction_errors),
		cmocka_unit_test(test_parse_attribute_errors),
		cmocka_unit_test(test_parse_date_errors),
		cmocka_unit_test(test_parse_text_errors),
		cmocka_unit_test(test_parse_long_line),
#define T(fn)	cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_load_sample),
		T(test_load_many),
		T(test_load_empty_and_comments_only),
		T(test_load_errors_name_file_line),
		T(test_load_duplicates),
		T(test_load_nul_byte),
		T(test_load_long_line),
		T(test_load_unreadable),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
