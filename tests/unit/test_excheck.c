/*
 * The checks of exceptions.c that nfqctl's edits share with the
 * daemon's loader: one line as every reader takes it (exc_check_line),
 * an edit's comment (exc_check_comment, whose attribute rule is the
 * file's too), and the days an entry has left (exc_days_left).
 */
#include "util.h"

/* 2026-11-22 12:00:00 UTC */
#define NOON	INT64_C(1795348800)

struct fx {
	struct tmpdir	 dir;
	struct conf	 c;
	char		 err[ERRLEN];
};

static int
setup(void **state)
{
	struct fx	*f = calloc(1, sizeof(*f));
	char		 path[MAX_PATH];

	assert_non_null(f);
	tmpdir_new(&f->dir);
	write_file(&f->dir, "nfqd.conf", "internal-networks = 10.20.0.0/16\n"
	    "exceptions = exceptions.conf\ntimezone = UTC\n", path);
	if (conf_load(path, &f->c, f->err, sizeof(f->err)) == -1)
		fail_msg("conf_load: %s", f->err);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;

	conf_free(&f->c);
	tmpdir_rm(&f->dir);
	free(f);
	return 0;
}

/* exc_check_line of s (its whole length), the conf's campus. */
static int
line(struct fx *f, const char *s, size_t len, struct exc_entry *e,
    size_t *comment)
{
	f->err[0] = '\0';
	return exc_check_line(s, len, &f->c, e, comment, f->err,
	    sizeof(f->err));
}

static void
test_check_line(void **state)
{
	struct fx		*f = *state;
	struct exc_entry	 e;
	size_t			 cm;

	assert_int_equal(line(f, "10.20.1.25 both ticket=A  # gw\n", 31, &e,
	    &cm), 1);
	assert_int_equal(e.dir, EXC_BOTH);
	assert_string_equal(e.ticket, "A");
	assert_int_equal(cm, 26);
	assert_int_equal(line(f, "   # a comment\n", 15, &e, &cm), 0);
	assert_int_equal(cm, 3);
	assert_int_equal(line(f, "  \t\n", 4, &e, &cm), 0);
	assert_int_equal(cm, (size_t)-1);
	/* a NUL anywhere in its bytes, even in the comment */
	assert_int_equal(line(f, "# a\0b\n", 6, &e, &cm), -1);
	assert_string_equal(f->err, "NUL byte in line");
	/* the campus: an entry holding an internal network is refused */
	assert_int_equal(line(f, "10.0.0.0/8 both\n", 16, &e, &cm), -1);
	assert_contains(f->err, "10.0.0.0/8 contains the internal network "
	    "10.20.0.0/16");
	/* the parser's own messages come through as they are */
	assert_int_equal(line(f, "10.20.1.25 sideways\n", 20, &e, &cm), -1);
	assert_string_equal(f->err, "bad direction 'sideways' (expected "
	    "inbound, outbound or both)");
	/* without a configuration: no campus to check */
	assert_int_equal(exc_check_line("10.0.0.0/8 both\n", 16, NULL, &e,
	    &cm, f->err, sizeof(f->err)), 1);
}

static void
comment_ok(const char *v, const char *want)
{
	char	 out[EXC_COMMENTMAX + 1], err[ERRLEN] = "";

	if (exc_check_comment(v, out, err, sizeof(err)) != 0)
		fail_msg("'%s' refused: %s", v, err);
	assert_string_equal(out, want);
}

static void
comment_bad(const char *v, const char *want)
{
	char	 out[EXC_COMMENTMAX + 1], err[ERRLEN] = "";

	if (exc_check_comment(v, out, err, sizeof(err)) != -1)
		fail_msg("'%s' accepted", v);
	assert_string_equal(err, want);
}

static void
test_check_comment(void **state)
{
	struct fx		*f = *state;
	struct exc_entry	 e;
	char			 big[EXC_COMMENTMAX + 8];
	size_t			 cm;

	comment_ok("  Chemistry relay\t ", "Chemistry relay");
	comment_ok("", "");
	comment_ok("caf\xc3\xa9, ticket#4 x=y owners=z", "caf\xc3\xa9, "
	    "ticket#4 x=y owners=z");
	comment_ok("a#owner=x", "a#owner=x");	/* '#' inside a word */
	memset(big, 'c', EXC_COMMENTMAX);
	big[EXC_COMMENTMAX] = '\0';
	comment_ok(big, big);
	big[EXC_COMMENTMAX] = 'c';
	big[EXC_COMMENTMAX + 1] = '\0';
	comment_bad(big, "comment is too long (201 bytes, at most 200)");
	comment_bad("a\x01", "comment has a control character (byte 0x01): "
	    "one line of printable text");
	/* a tab only at either end, where it is trimmed */
	comment_bad("a\tb", "comment has a control character (byte 0x09): "
	    "one line of printable text");
	comment_bad("caf\xe9", "comment is not valid UTF-8 (byte 0xe9 at "
	    "offset 3)");
	comment_bad("renew: expires=2027-01-01 then", "comment holds "
	    "'expires=2027-01-01', which reads as an attribute that nfqd "
	    "would not read there: give it as an option, or reword the "
	    "comment");
	comment_bad("##added=x", "comment holds 'added=x', which reads as an "
	    "attribute that nfqd would not read there: give it as an option, "
	    "or reword the comment");
	/* The same words are what the file refuses after an entry's '#'. */
	assert_int_equal(line(f, "10.20.1.25 both # renew: expires=2027-01-01 "
	    "then\n", 48, &e, &cm), -1);
	assert_string_equal(f->err, "'expires=2027-01-01' is in the comment "
	    "that starts at column 17, so it is not read: if the '#' belongs "
	    "to a value, write it without the space before it "
	    "(ticket=INC#4711); else put the comment after the attributes");
	assert_int_equal(line(f, "10.20.1.25 both # a#owner=x\n", 28, &e,
	    &cm), 1);
}

static void
test_days_left(void **state)
{
	struct fx		*f = *state;
	struct exc_entry	 e;
	size_t			 cm;
	static const struct {
		const char	*expires;
		int64_t		 left;
	} cases[] = {
		{ "2026-11-22", 0 }, { "2026-11-23", 1 }, { "2026-12-22", 30 },
		{ "2026-11-21", -1 }, { "2025-11-22", -365 },
	};
	char		 text[128];
	size_t		 i;

	for (i = 0; i < NELEM(cases); i++) {
		snprintf(text, sizeof(text), "10.20.1.25 both expires=%s\n",
		    cases[i].expires);
		assert_int_equal(line(f, text, strlen(text), &e, &cm), 1);
		assert_int_equal(exc_days_left(f->c.tz, &e, NOON),
		    cases[i].left);
		/* the last second of a day is still that day */
		assert_int_equal(exc_days_left(f->c.tz, &e, NOON + 43199),
		    cases[i].left);
		assert_int_equal(exc_days_left(f->c.tz, &e, NOON + 43200),
		    cases[i].left - 1);
	}
	assert_int_equal(line(f, "10.20.1.25 both\n", 16, &e, &cm), 1);
	assert_true(exc_days_left(f->c.tz, &e, NOON) == INT64_MAX);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_check_line, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_check_comment, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_days_left, setup,
		    teardown),
	};

	log_init(0, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
