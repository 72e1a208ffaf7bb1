/*
 * exceptions.conf: exc_parse_line messages, exc_load with file:line,
 * duplicates naming both lines, and the end-of-day expiry; the one
 * grammar ('#' inside a value, a comment that would swallow attributes,
 * a byte-order mark, bytes that have no place outside a comment); entries
 * that contain the campus; exc_lint's warnings; expiry in a zone.
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

	if (exc_parse_line(line, NULL, &e, err, sizeof(err)) != -1)
		fail_msg("line %d: '%s' accepted", caller, line);
	if (strcmp(err, msg) != 0)
		fail_msg("line %d:\n got '%s'\nwant '%s'", caller, err, msg);
}
#define line_err(line, msg)	line_err_at(line, msg, __LINE__)

/* 0 for a blank or comment line, 1 for an entry, -1 for an error. */
static int
line_kind(const char *line)
{
	struct exc_entry e;
	char		 err[ERRLEN] = "";

	return exc_parse_line(line, NULL, &e, err, sizeof(err));
}

static struct exc_entry
line_ok(const char *line)
{
	struct exc_entry e;
	char		 err[ERRLEN] = "";

	if (exc_parse_line(line, NULL, &e, err, sizeof(err)) != 1)
		fail_msg("'%s': %s", line, err);
	return e;
}

static void
test_dir_name(void **state UNUSED)
{
	assert_string_equal(exc_dir_name(EXC_INBOUND), "inbound");
	assert_string_equal(exc_dir_name(EXC_OUTBOUND), "outbound");
	assert_string_equal(exc_dir_name(EXC_BOTH), "both");
	assert_string_equal(exc_dir_name(0), "?");
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
		assert_int_equal(exc_parse_line(lines[i], NULL, &e, err,
		    sizeof(err)),
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
	assert_int_equal(e.dir, EXC_BOTH);
	assert_int_equal(e.expires_at, 0);
	assert_string_equal(e.ticket, "");
	assert_string_equal(e.owner, "");
	assert_string_equal(e.expires, "");
	assert_string_equal(e.added, "");

	e = line_ok("10.20.8.0/24\tinbound  ticket=NET-1187 owner=physics-it "
	    "expires=2026-08-31 added=2025-07-01   # Part 1 exception\r\n");
	prefix_format(&e.pfx, s, sizeof(s));
	assert_string_equal(s, "10.20.8.0/24");
	assert_int_equal(e.dir, EXC_INBOUND);
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
	assert_int_equal(e.dir, EXC_OUTBOUND);
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
	/* an attribute given twice is an error, never a silent choice */
	line_err("10.20.1.25 both ticket=A ticket=B", "ticket given twice "
	    "('A', then 'B'): which one is meant? write it once");
	line_err("10.20.1.25 both owner=a ticket=t owner=a",
	    "owner given twice ('a' both times): write it once");
	line_err("10.20.1.25 both expires=2026-01-01 expires=2027-01-01",
	    "expires given twice ('2026-01-01', then '2027-01-01'): which "
	    "one is meant? write it once");
	line_err("10.20.1.25 both added=2026-01-01 added=2026-01-01",
	    "added given twice ('2026-01-01' both times): write it once");
	line_err("10.20.1.25 both a b c d e f g h i j k l m n o",
	    "too many fields");
}

static void
test_parse_date_errors(void **state UNUSED)
{
	line_err("10.20.1.25 both expires=2026-02-30",
	    "expires '2026-02-30' is not a real calendar date");
	line_err("10.20.1.25 both expires=2026-13-01",
	    "expires '2026-13-01' is not a real calendar date");
	line_err("10.20.1.25 both expires=1969-12-31",
	    "expires '1969-12-31' is not a real calendar date");
	line_err("10.20.1.25 both expires=2026-9-1",
	    "expires '2026-9-1' is not a date (expected YYYY-MM-DD)");
	line_err("10.20.1.25 both expires=31/08/2026",
	    "expires '31/08/2026' is not a date (expected YYYY-MM-DD)");
	line_err("10.20.1.25 both expires=",
	    "expires '' is not a date (expected YYYY-MM-DD)");
	line_err("10.20.1.25 both added=yesterday",
	    "added 'yesterday' is not a date (expected YYYY-MM-DD)");
	line_err("10.20.1.25 both added=2025-02-29",
	    "added '2025-02-29' is not a real calendar date");
}

#define ALLOWED	"(printable ASCII without spaces, quotes or backslashes)"

static void
test_parse_text_errors(void **state UNUSED)
{
	line_err("10.20.1.25 both ticket=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	    "ticket 'AAAAAAAAAAAAAAAAAAAA...' is too long (64 characters, at "
	    "most 63)");
	line_err("10.20.1.25 both owner=", "owner is empty (1-63 characters)");
	line_err("10.20.1.25 both ticket=",
	    "ticket is empty (1-63 characters)");
	line_err("10.20.1.25 both ticket=NET\"1", "ticket 'NET\"1' has a "
	    "character that is not allowed: '\"' " ALLOWED);
	line_err("10.20.1.25 both ticket=NET\\1", "ticket 'NET\\1' has a "
	    "character that is not allowed: '\\' " ALLOWED);
	/* any other byte is the line's, named by code and column */
	line_err("10.20.1.25 both ticket=NET\x01", "control character 0x01 at "
	    "column 27: outside a comment a line holds printable ASCII, "
	    "spaces and tabs only");
	line_err("10.20.1.25 both ticket=NET\x7f", "control character 0x7f at "
	    "column 27: outside a comment a line holds printable ASCII, "
	    "spaces and tabs only");
	line_err("10.20.1.25 both owner=j\xc3\xa9r\xc3\xb4me", "non-ASCII "
	    "character U+00E9 (bytes 0xc3 0xa9) at column 24: outside a "
	    "comment a line holds printable ASCII, spaces and tabs only");
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
	assert_int_equal(exc_parse_line(line, NULL, &e, err, sizeof(err)), -1);
	assert_string_equal(err, "line too long");
	line[4096] = '\0';
	assert_int_equal(exc_parse_line(line, NULL, &e, err, sizeof(err)), -1);
	line[4095] = '\0';
	assert_int_equal(exc_parse_line(line, NULL, &e, err, sizeof(err)), 1);
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
	if (exc_load(f->path, NULL, 0, &f->l, f->err, sizeof(f->err)) != -1)
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
	if (exc_load(f->path, NULL, 0, l, f->err, sizeof(f->err)) != 0)
		fail_msg("%s", f->err);
	assert_int_equal(l->n, 5);
	assert_int_equal(l->lpm.count, 5);

	prefix_format(&l->v[0].pfx, s, sizeof(s));
	assert_string_equal(s, "10.20.1.25/32");
	assert_int_equal(l->v[0].line, 2);
	assert_int_equal(l->v[0].dir, EXC_BOTH);
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
	assert_int_equal(l->v[2].dir, EXC_INBOUND);
	assert_string_equal(l->v[2].expires, "2027-06-30");
	assert_int_equal(l->v[2].expires_at, INT64_C(1814400000));

	assert_int_equal(l->v[3].line, 6);
	assert_int_equal(l->v[3].dir, EXC_OUTBOUND);
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
	if (exc_load(f->path, NULL, 0, &f->l, f->err, sizeof(f->err)) != 0)
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
	assert_int_equal(exc_load(f->path, NULL, 0, &f->l, f->err,
	    sizeof(f->err)), 0);
	assert_int_equal(f->l.n, 0);
	assert_false(lpm_match(&f->l.lpm, &a));
	exc_free(&f->l);
	write_file(&f->dir, "exceptions.conf", "# none\n\n   \n#x both\n",
	    f->path);
	assert_int_equal(exc_load(f->path, NULL, 0, &f->l, f->err,
	    sizeof(f->err)), 0);
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
	    "owner given twice ('a', then 'b'): which one is meant? write it "
	    "once");
	load_err(f, "\n\n\n10.20.1.25 both expires=2026-02-30\n", 4,
	    "expires '2026-02-30' is not a real calendar date");
	load_err(f, "10.20.1.25 both ticket=0123456789012345678901234567890"
	    "1234567890123456789012345678901234\n", 1,
	    "ticket '01234567890123456789...' is too long (65 characters, at "
	    "most 63)");
	load_err(f, "10.20.1.25 both ticket=\"NET-1\"\n", 1,
	    "ticket '\"NET-1\"' has a character that is not allowed: '\"' "
	    ALLOWED);
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
	assert_int_equal(exc_load(f->path, NULL, 0, &f->l, f->err,
	    sizeof(f->err)), 0);
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
	assert_int_equal(exc_load(f->path, NULL, 0, &f->l, f->err,
	    sizeof(f->err)), -1);
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
	assert_int_equal(exc_load(f->path, NULL, 0, &f->l, f->err,
	    sizeof(f->err)), -1);
	snprintf(want, sizeof(want), "%s: No such file or directory",
	    f->path);
	assert_string_equal(f->err, want);
	assert_int_equal(exc_load(f->dir.path, NULL, 0, &f->l, f->err,
	    sizeof(f->err)),
	    -1);
	snprintf(want, sizeof(want), "%s: Is a directory", f->dir.path);
	assert_string_equal(f->err, want);
}


/* ---- the one grammar ---- */

static void
test_hash_inside_a_value(void **state UNUSED)
{
	struct exc_entry e;

	/* the issue's line: ticket INC#4711, its owner and expiry kept */
	e = line_ok("10.20.1.25 both ticket=INC#4711 owner=its-mail "
	    "expires=2027-01-31\n");
	assert_string_equal(e.ticket, "INC#4711");
	assert_string_equal(e.owner, "its-mail");
	assert_string_equal(e.expires, "2027-01-31");
	assert_int_equal(e.expires_at, INT64_C(1801440000));
	e = line_ok("10.20.1.25 both ticket=#4711 owner=a#b#");
	assert_string_equal(e.ticket, "#4711");
	assert_string_equal(e.owner, "a#b#");
	/* after a space or a tab, or first on the line: a comment */
	e = line_ok("10.20.1.25 both ticket=INC # 4711 was the old one\n");
	assert_string_equal(e.ticket, "INC");
	assert_string_equal(e.owner, "");
	e = line_ok("10.20.1.25 both\t#a note about it\n");
	assert_string_equal(e.ticket, "");
	e = line_ok("10.20.1.25 both ticket=A\t# note # with = and #x\n");
	assert_string_equal(e.ticket, "A");
	/* '#' inside the address or direction: part of them, so refused */
	line_err("10.20.1.25#gw both", "bad address '10.20.1.25#gw'");
	line_err("10.20.1.25 both#gw", "bad direction 'both#gw' (expected "
	    "inbound, outbound or both)");
	/* a comment must not swallow attributes: an error, not a cut */
	line_err("10.20.1.25 both ticket=INC #4711 owner=its-mail "
	    "expires=2027-01-31", "'owner=its-mail' is in the comment that "
	    "starts at column 28, so it is not read: if the '#' belongs to a "
	    "value, write it without the space before it (ticket=INC#4711); "
	    "else put the comment after the attributes");
	line_err("10.20.1.25 both # expires=2027-01-31", "'expires=2027-01-31' "
	    "is in the comment that starts at column 17, so it is not read: if "
	    "the '#' belongs to a value, write it without the space before it "
	    "(ticket=INC#4711); else put the comment after the attributes");
	line_err("10.20.1.25 both ticket=A #added=2026-01-01", "'added=2026-"
	    "01-01' is in the comment that starts at column 26, so it is not "
	    "read: if the '#' belongs to a value, write it without the space "
	    "before it (ticket=INC#4711); else put the comment after the "
	    "attributes");
	/* ... but a line that is all comment may hold an old entry */
	assert_int_equal(line_kind("# 10.20.1.25 both ticket=INC owner=x "
	    "expires=2027-01-31\n"), 0);
	assert_int_equal(line_kind("#10.20.1.25 both owner=x\n"), 0);
	/* a word that only looks like one is a comment's */
	e = line_ok("10.20.1.25 both ticket=A  # the owner is its-mail\n");
	assert_string_equal(e.ticket, "A");
}

static void
test_bytes_outside_comments(void **state UNUSED)
{
	struct exc_entry e;

	line_err("10.20.1.25\xc2\xa0" "both", "non-ASCII character U+00A0 (a "
	    "no-break space; bytes 0xc2 0xa0) at column 11: outside a comment "
	    "a line holds printable ASCII, spaces and tabs only");
	line_err("\xef\xbb\xbf" "10.20.1.25 both", "non-ASCII character "
	    "U+FEFF (a byte-order mark; bytes 0xef 0xbb 0xbf) at column 1: "
	    "outside a comment a line holds printable ASCII, spaces and tabs "
	    "only");
	line_err("10.20.1.25 both ticket=NET\xe2\x80\x91" "1", "non-ASCII "
	    "character U+2011 (a non-breaking hyphen; bytes 0xe2 0x80 0x91) at "
	    "column 27: outside a comment a line holds printable ASCII, spaces "
	    "and tabs only");
	line_err("10.20.1.25 both\xe2\x80\x8b", "non-ASCII character U+200B "
	    "(a zero-width space; bytes 0xe2 0x80 0x8b) at column 16: outside "
	    "a comment a line holds printable ASCII, spaces and tabs only");
	line_err("10.20.1.25 both owner=Ren\xe9", "byte 0xe9 at column 26 is "
	    "not UTF-8 (a Latin-1 file?): outside a comment a line holds "
	    "printable ASCII, spaces and tabs only");
	line_err("10.20.1.25\rboth", "control character 0x0d (a carriage "
	    "return) at column 11: outside a comment a line holds printable "
	    "ASCII, spaces and tabs only");
	line_err("10.20.1.25 \vboth", "control character 0x0b at column 12: "
	    "outside a comment a line holds printable ASCII, spaces and tabs "
	    "only");
	/* tabs, CRLF; anything in a comment */
	e = line_ok("10.20.1.25\tboth\tticket=A\r\n");
	assert_string_equal(e.ticket, "A");
	e = line_ok("10.20.1.25 both  # d\xc3\xa9partement, caf\xe9, \x01\r\n");
	assert_int_equal(e.dir, EXC_BOTH);
	assert_int_equal(line_kind("# \xef\xbb\xbf\xc2\xa0\x7f\n"), 0);
}

/* ---- exc_load: a byte-order mark, the campus ---- */

static void
test_load_bom(void **state)
{
	struct fx	*f = *state;

	/* Notepad's: skipped at the start of the file, line 1 still 1 */
	write_file(&f->dir, "exceptions.conf", "\xef\xbb\xbf" "10.20.1.25 "
	    "both ticket=A\n10.20.1.26 both\n", f->path);
	if (exc_load(f->path, NULL, 0, &f->l, f->err, sizeof(f->err)) != 0)
		fail_msg("%s", f->err);
	assert_int_equal(f->l.n, 2);
	assert_int_equal(f->l.v[0].line, 1);
	assert_string_equal(f->l.v[0].ticket, "A");
	exc_free(&f->l);
	write_file(&f->dir, "exceptions.conf", "\xef\xbb\xbf# list\n", f->path);
	assert_int_equal(exc_load(f->path, NULL, 0, &f->l, f->err,
	    sizeof(f->err)), 0);
	exc_free(&f->l);
	/* anywhere else it is named */
	load_err(f, "10.20.1.25 both\n\xef\xbb\xbf" "10.20.1.26 both\n", 2,
	    "non-ASCII character U+FEFF (a byte-order mark; bytes 0xef 0xbb "
	    "0xbf) at column 1: outside a comment a line holds printable "
	    "ASCII, spaces and tabs only");
	load_err(f, "\xef\xbb\xbf\xef\xbb\xbf" "10.20.1.26 both\n", 1,
	    "non-ASCII character U+FEFF (a byte-order mark; bytes 0xef 0xbb "
	    "0xbf) at column 1: outside a comment a line holds printable "
	    "ASCII, spaces and tabs only");
}

static const char campus_conf[] =
    "internal-networks = 10.20.0.0/16, 2001:db8:20::/48, 172.16.5.0/24\n"
    "exceptions = exceptions.conf\n"
    "timezone = America/New_York\n";

static void
conf_for(struct fx *f, const char *text, struct conf *c)
{
	char	 path[MAX_PATH];

	write_file(&f->dir, "nfqd.conf", text, path);
	if (conf_load(path, c, f->err, sizeof(f->err)) == -1)
		fail_msg("conf_load: %s", f->err);
}

static void
load_conf_err_at(struct fx *f, const struct conf *c, const char *text,
    const char *msg, int caller)
{
	char	 want[ERRLEN + MAX_PATH];

	write_file(&f->dir, "exceptions.conf", text, f->path);
	if (exc_load(f->path, c, 0, &f->l, f->err, sizeof(f->err)) != -1)
		fail_msg("line %d: accepted", caller);
	snprintf(want, sizeof(want), "%s:%s", f->path, msg);
	if (strcmp(f->err, want) != 0)
		fail_msg("line %d:\n got '%s'\nwant '%s'", caller, f->err,
		    want);
	assert_null(f->l.v);
}

static void
test_load_scope(void **state)
{
	struct fx	*f = *state;
	struct conf	 c;

	conf_for(f, campus_conf, &c);
	/* wider than an internal network: refused, what to write said */
	load_conf_err_at(f, &c, "10.20.1.25 both\n10.0.0.0/8 both ticket=X "
	    "owner=y\n", "2: 10.0.0.0/8 contains the internal network "
	    "10.20.0.0/16: it would exempt every campus host there, not the "
	    "ones it is for; list those hosts (or their subnet), or write "
	    "10.20.0.0/16 itself to exempt that whole network on purpose",
	    __LINE__);
	load_conf_err_at(f, &c, "0.0.0.0/0 inbound\n", "1: 0.0.0.0/0 contains "
	    "the internal network 10.20.0.0/16 (and 1 more): it would exempt "
	    "every campus host there, not the ones it is for; list those "
	    "hosts (or their subnet), or write 10.20.0.0/16 itself to exempt "
	    "that whole network on purpose", __LINE__);
	load_conf_err_at(f, &c, "::/0 outbound\n", "1: ::/0 contains the "
	    "internal network 2001:db8:20::/48: it would exempt every campus "
	    "host there, not the ones it is for; list those hosts (or their "
	    "subnet), or write 2001:db8:20::/48 itself to exempt that whole "
	    "network on purpose", __LINE__);
	load_conf_err_at(f, &c, "# x\n\n172.16.0.0/12 both\n", "3: "
	    "172.16.0.0/12 contains the internal network 172.16.5.0/24: it "
	    "would exempt every campus host there, not the ones it is for; "
	    "list those hosts (or their subnet), or write 172.16.5.0/24 itself "
	    "to exempt that whole network on purpose", __LINE__);
	/* inside, equal, outside: all load (exc_lint says the rest) */
	write_file(&f->dir, "exceptions.conf", "10.20.1.25 both\n10.20.0.0/16 "
	    "inbound\n2001:db8:20::/48 both\n192.0.2.0/24 both\n172.16.6.1 "
	    "both\n::ffff:10.20.1.26 both\n2001:db8:20:8::/64 inbound\n",
	    f->path);
	if (exc_load(f->path, &c, 0, &f->l, f->err, sizeof(f->err)) != 0)
		fail_msg("%s", f->err);
	assert_int_equal(f->l.n, 7);
	exc_free(&f->l);
	/* without a configuration there is no campus to compare with */
	write_file(&f->dir, "exceptions.conf", "0.0.0.0/0 both\n", f->path);
	assert_int_equal(exc_load(f->path, NULL, 0, &f->l, f->err,
	    sizeof(f->err)), 0);
	conf_free(&c);
}

/* ---- expiry in the configured zone ---- */

static void
test_expiry_in_zone(void **state)
{
	static const struct {
		const char	*zone;
		int64_t		 end;	/* of 2026-12-31 */
	} z[] = {
		{ "UTC", INT64_C(1798761600) },
		{ "America/New_York", INT64_C(1798779600) },
		{ "America/Los_Angeles", INT64_C(1798790400) },
		{ "Pacific/Auckland", INT64_C(1798714800) },
	};
	struct fx	*f = *state;
	struct conf	 c;
	char		 text[256];

	for (size_t i = 0; i < NELEM(z); i++) {
		snprintf(text, sizeof(text), "internal-networks = "
		    "10.20.0.0/16\nexceptions = exceptions.conf\n"
		    "timezone = %s\n", z[i].zone);
		conf_for(f, text, &c);
		write_file(&f->dir, "exceptions.conf", "10.20.1.25 both "
		    "expires=2026-12-31\n10.20.1.26 both expires=2027-03-14\n",
		    f->path);
		if (exc_load(f->path, &c, 0, &f->l, f->err, sizeof(f->err)) !=
		    0)
			fail_msg("%s", f->err);
		assert_int_equal(f->l.v[0].expires_at, z[i].end);
		if (strcmp(z[i].zone, "America/Los_Angeles") == 0)
			/* the day the clocks spring forward ends in PDT */
			assert_int_equal(f->l.v[1].expires_at,
			    INT64_C(1805094000));
		exc_free(&f->l);
		conf_free(&c);
	}
}

/* ---- exc_lint ---- */

struct msgs {
	char	 buf[16384];
	unsigned n;
};

static void
collect(void *arg, const char *text)
{
	struct msgs	*m = arg;
	size_t		 n = strlen(m->buf);

	snprintf(m->buf + n, sizeof(m->buf) - n, "%s\n", text);
	m->n++;
}

/* Lint text against conf at now; the warnings in m. */
static unsigned
lint(struct fx *f, const char *conf_text, const char *text, int64_t now,
    struct msgs *m)
{
	struct conf	 c;
	unsigned	 n;

	memset(m, 0, sizeof(*m));
	conf_for(f, conf_text, &c);
	write_file(&f->dir, "exceptions.conf", text, f->path);
	if (exc_load(f->path, &c, 0, &f->l, f->err, sizeof(f->err)) != 0)
		fail_msg("%s", f->err);
	n = exc_lint(&c, &f->l, "exceptions.conf", now, collect, m);
	exc_free(&f->l);
	conf_free(&c);
	assert_int_equal(n, m->n);
	return n;
}

#define NOW_LINT	INT64_C(1795348800)	/* 2026-11-22T12:00:00Z */

static void
test_lint_entries(void **state)
{
	struct fx	*f = *state;
	struct msgs	 m;

	assert_int_equal(lint(f, campus_conf,
	    /* 1 */ "10.20.1.25 both\n"
	    /* 2 */ "10.20.0.0/16 inbound\n"
	    /* 3 */ "2001:db8:20::/48 outbound\n"
	    /* 4 */ "172.16.5.0/24 both\n"
	    /* 5 */ "192.0.2.25 both\n"
	    /* 6 */ "::ffff:10.20.1.26 both\n"
	    /* 7 */ "::ffff:10.20.2.0/120 both\n"
	    /* 8 */ "10.20.3.1 inbound expires=2026-08-31\n"
	    /* 9 */ "10.20.3.2 inbound expires=2026-11-22\n"
	    /* 10 */ "10.20.3.3 inbound expires=2026-11-23\n"
	    /* 11 */ "10.20.3.4 inbound expires=2026-12-05\n"
	    /* 12 */ "10.20.3.5 inbound expires=2026-12-06\n",
	    NOW_LINT, &m), 11);
	assert_string_equal(m.buf,
	    "exceptions.conf:2: 10.20.0.0/16 inbound is the whole internal "
	    "network 10.20.0.0/16: it opens inbound SMTP (Part 1) to every "
	    "campus host in it\n"
	    "exceptions.conf:3: 2001:db8:20::/48 outbound is the whole "
	    "internal network 2001:db8:20::/48: it opens outbound SMTP "
	    "(Part 2) from every campus host in it\n"
	    "exceptions.conf:4: 172.16.5.0/24 both is the whole internal "
	    "network 172.16.5.0/24: it opens inbound and outbound SMTP for "
	    "every campus host in it: the policy is off there\n"
	    "exceptions.conf:5: 192.0.2.25 is outside internal-networks "
	    "(10.20.0.0/16, 2001:db8:20::/48, 172.16.5.0/24): only campus "
	    "addresses are looked up, so it never matches\n"
	    "exceptions.conf:6: ::ffff:10.20.1.26 is an IPv4-mapped address: "
	    "nfqd sees that host's packets as IPv4, so this entry never "
	    "matches; write 10.20.1.26\n"
	    "exceptions.conf:7: ::ffff:10.20.2.0/120 is an IPv4-mapped "
	    "address: nfqd sees that host's packets as IPv4, so this entry "
	    "never matches; write 10.20.2.0/24\n"
	    "exceptions.conf:8: 10.20.3.1 expired at the end of 2026-08-31 "
	    "(America/New_York): it allows nothing now; renew it (nfqctl "
	    "exception set 10.20.3.1 --expires YYYY-MM-DD) or remove it "
	    "(nfqctl exception remove 10.20.3.1)\n"
	    "exceptions.conf:9: 10.20.3.2 expires at the end of 2026-11-22 "
	    "(America/New_York), today: renew it in time (nfqctl exception "
	    "set 10.20.3.2 --expires YYYY-MM-DD) or let it lapse\n"
	    "exceptions.conf:10: 10.20.3.3 expires at the end of 2026-11-23 "
	    "(America/New_York), tomorrow: renew it in time (nfqctl exception "
	    "set 10.20.3.3 --expires YYYY-MM-DD) or let it lapse\n"
	    "exceptions.conf:11: 10.20.3.4 expires at the end of 2026-12-05 "
	    "(America/New_York), in 13 days: renew it in time (nfqctl "
	    "exception set 10.20.3.4 --expires YYYY-MM-DD) or let it lapse\n"
	    "exceptions.conf:1: 10.20.1.25 both overlaps 10.20.0.0/16 inbound "
	    "(line 2) with another direction: the more specific entry decides, "
	    "so 10.20.1.25 gains outbound\n");
	/* a clean list: nothing to say */
	assert_int_equal(lint(f, campus_conf, "# gateway\n10.20.1.25 both "
	    "ticket=A owner=a\n10.20.8.0/24 inbound expires=2027-06-30\n",
	    NOW_LINT, &m), 0);
	/* late in the evening in New York it is already the 23rd in UTC */
	assert_int_equal(lint(f, campus_conf, "10.20.3.2 both "
	    "expires=2026-11-22\n", INT64_C(1795402800) /* 23rd 03:00Z */,
	    &m), 1);
	assert_contains(m.buf, "expires at the end of 2026-11-22 "
	    "(America/New_York), today");
}

static void
test_lint_configuration(void **state)
{
	struct fx	*f = *state;
	struct msgs	 m;
	char		 want[ERRLEN + MAX_PATH];

	/* an empty list in enforce mode; none in monitor mode */
	assert_int_equal(lint(f, campus_conf, "# nothing yet\n", NOW_LINT, &m),
	    1);
	assert_string_equal(m.buf, "exceptions.conf: no entries, and mode = "
	    "enforce: SMTP across the border to and from every campus host "
	    "is blocked, the central mail gateway's too (list it, or run mode "
	    "= monitor first: docs/deploy.md)\n");
	assert_int_equal(lint(f, "internal-networks = 10.20.0.0/16, "
	    "2001:db8:20::/48\nexceptions = exceptions.conf\nmode = monitor\n",
	    "", NOW_LINT, &m), 0);
	/* every entry expired is the same as none */
	assert_int_equal(lint(f, campus_conf, "10.20.3.1 both "
	    "expires=2026-08-31\n", NOW_LINT, &m), 2);
	assert_contains(m.buf, "exceptions.conf: no active entry (all have "
	    "expired), and mode = enforce");
	/* internal-networks that takes in every address */
	assert_int_equal(lint(f, "# campus\ninternal-networks = 0.0.0.0/0, "
	    "::/0\nexceptions = exceptions.conf\nmode = monitor\n",
	    "10.20.1.25 both\n", NOW_LINT, &m), 2);
	snprintf(want, sizeof(want), "%s/nfqd.conf:2: internal-networks holds "
	    "0.0.0.0/0: every IPv4 address is campus, so no IPv4 connection "
	    "is inbound or outbound and the policy blocks none\n"
	    "%s/nfqd.conf:2: internal-networks holds ::/0: every IPv6 address "
	    "is campus, so no IPv6 connection is inbound or outbound and the "
	    "policy blocks none\n", f->dir.path, f->dir.path);
	assert_string_equal(m.buf, want);
	/* a family without a campus prefix */
	assert_int_equal(lint(f, "internal-networks = 10.20.0.0/16\n"
	    "exceptions = exceptions.conf\nmode = monitor\n", "",
	    NOW_LINT, &m), 1);
	snprintf(want, sizeof(want), "%s/nfqd.conf:1: internal-networks has no "
	    "IPv6 prefix: IPv6 SMTP is decided as transit (allowed)\n",
	    f->dir.path);
	assert_string_equal(m.buf, want);
	/* without a configuration: the entries alone */
	memset(&m, 0, sizeof(m));
	write_file(&f->dir, "exceptions.conf", "", f->path);
	assert_int_equal(exc_load(f->path, NULL, 0, &f->l, f->err,
	    sizeof(f->err)), 0);
	assert_int_equal(exc_lint(NULL, &f->l, "x", NOW_LINT, collect, &m), 0);
	exc_free(&f->l);
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
		cmocka_unit_test(test_hash_inside_a_value),
		cmocka_unit_test(test_bytes_outside_comments),
#define T(fn)	cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_load_sample),
		T(test_load_many),
		T(test_load_empty_and_comments_only),
		T(test_load_errors_name_file_line),
		T(test_load_duplicates),
		T(test_load_nul_byte),
		T(test_load_long_line),
		T(test_load_unreadable),
		T(test_load_bom),
		T(test_load_scope),
		T(test_expiry_in_zone),
		T(test_lint_entries),
		T(test_lint_configuration),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
