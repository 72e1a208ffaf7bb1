/*
 * base/text.c: UTF-8 sequences at their edges (overlong forms,
 * surrogates, beyond U+10FFFF, cut short), the cleaning of what is not
 * UTF-8, the byte-order mark, and the line scan nfqd.conf and
 * exceptions.conf share: where a comment starts, which bytes may stand
 * outside one and what the refusal says.
 */
#include "util.h"

static void
test_utf8_seq(void **state UNUSED)
{
	static const struct {
		const char	*bytes;
		size_t		 len, want;	/* 0: invalid */
		uint32_t	 cp;
	} cases[] = {
		{ "A", 1, 1, 'A' },
		{ "\x7f", 1, 1, 0x7f },
		{ "\xc2\x80", 2, 2, 0x80 },
		{ "\xc3\xa9", 2, 2, 0xe9 },
		{ "\xdf\xbf", 2, 2, 0x7ff },
		{ "\xe0\xa0\x80", 3, 3, 0x800 },
		{ "\xed\x9f\xbf", 3, 3, 0xd7ff },
		{ "\xee\x80\x80", 3, 3, 0xe000 },
		{ "\xef\xbb\xbf", 3, 3, 0xfeff },
		{ "\xf0\x90\x80\x80", 4, 4, 0x10000 },
		{ "\xf4\x8f\xbf\xbf", 4, 4, 0x10ffff },
		/* overlong forms */
		{ "\xc0\xaf", 2, 0, 0 },
		{ "\xc1\xbf", 2, 0, 0 },
		{ "\xe0\x9f\xbf", 3, 0, 0 },
		{ "\xf0\x8f\xbf\xbf", 4, 0, 0 },
		/* surrogates, beyond U+10FFFF, no lead byte */
		{ "\xed\xa0\x80", 3, 0, 0 },
		{ "\xed\xbf\xbf", 3, 0, 0 },
		{ "\xf4\x90\x80\x80", 4, 0, 0 },
		{ "\xf5\x80\x80\x80", 4, 0, 0 },
		{ "\xff", 1, 0, 0 },
		{ "\x80", 1, 0, 0 },
		{ "\xbf", 1, 0, 0 },
		/* cut short: by n, or by a byte that does not continue it */
		{ "\xc3\xa9", 1, 0, 0 },
		{ "\xe2\x82\xac", 2, 0, 0 },
		{ "\xe2\x28\xac", 3, 0, 0 },
		{ "\xf0\x90\x80\x41", 4, 0, 0 },
	};
	uint32_t	 cp;
	size_t		 i, k;

	for (i = 0; i < NELEM(cases); i++) {
		cp = 0xdeadbeef;
		k = utf8_seq((const unsigned char *)cases[i].bytes,
		    cases[i].len, &cp);
		if (k != cases[i].want)
			fail_msg("case %zu: %zu bytes, want %zu", i, k,
			    cases[i].want);
		if (k != 0)
			assert_int_equal(cp, cases[i].cp);
	}
}

static void
test_utf8_clean(void **state UNUSED)
{
	char	 out[16];

	utf8_clean("caf\xc3\xa9", 5, out, sizeof(out));
	assert_string_equal(out, "caf\xc3\xa9");
	utf8_clean("caf\xe9 x", 6, out, sizeof(out));
	assert_string_equal(out, "caf? x");
	utf8_clean("\xc0\xaf", 2, out, sizeof(out));
	assert_string_equal(out, "??");
	/* Only s[0..n) is read; a character that does not fit is left out. */
	utf8_clean("abcdef", 3, out, sizeof(out));
	assert_string_equal(out, "abc");
	utf8_clean("ab\xc3\xa9", 4, out, 4);
	assert_string_equal(out, "ab");
	utf8_clean("", 0, out, sizeof(out));
	assert_string_equal(out, "");
}

static void
test_bom(void **state UNUSED)
{
	assert_int_equal(utf8_bom("\xef\xbb\xbf# x\n", 6), 3);
	assert_int_equal(utf8_bom("\xef\xbb\xbf", 3), 3);
	assert_int_equal(utf8_bom("\xef\xbb", 2), 0);
	assert_int_equal(utf8_bom("# x\n", 4), 0);
	assert_int_equal(utf8_bom("\xef\xbb\xbe", 3), 0);
}

/* line_scan of s: content and comment, or the message. */
static void
scan_ok(const char *s, size_t content, size_t comment)
{
	char	 err[ERRLEN] = "";
	size_t	 c = 99, m = 99;

	if (line_scan(s, &c, &m, err, sizeof(err)) != 0)
		fail_msg("'%s' refused: %s", s, err);
	if (c != content || m != comment)
		fail_msg("'%s': content %zu comment %zd, want %zu %zd", s, c,
		    (ssize_t)m, content, (ssize_t)comment);
}

static void
scan_bad(const char *s, const char *want)
{
	char	 err[ERRLEN] = "";
	size_t	 c, m;

	if (line_scan(s, &c, &m, err, sizeof(err)) != -1)
		fail_msg("'%s' accepted", s);
	assert_string_equal(err, want);
}

#define WHY	": outside a comment a line holds printable ASCII, spaces " \
		"and tabs only"

static void
test_line_scan(void **state UNUSED)
{
	const size_t	 none = (size_t)-1;

	scan_ok("", 0, none);
	scan_ok("\n", 0, none);
	scan_ok("\r\n", 0, none);
	scan_ok("key = value\n", 11, none);
	scan_ok("key = value\r\n", 11, none);
	scan_ok("# a comment\n", 0, 0);
	scan_ok("   # indented\n", 3, 3);
	scan_ok("a = b # then a comment\n", 6, 6);
	scan_ok("a = b\t# after a tab\n", 6, 6);
	/* '#' inside a word is part of it */
	scan_ok("ticket=INC#4711 owner=x\n", 23, none);
	scan_ok("a#b #c\n", 4, 4);
	/* in a comment, anything goes */
	scan_ok("x # caf\xc3\xa9 \x01 \xff\n", 2, 2);

	scan_bad("a\rb\n", "control character 0x0d (a carriage return) at "
	    "column 2" WHY);
	scan_bad("a\x01\n", "control character 0x01 at column 2" WHY);
	scan_bad("a \x7f\n", "control character 0x7f at column 3" WHY);
	scan_bad("caf\xe9\n", "byte 0xe9 at column 4 is not UTF-8 (a "
	    "Latin-1 file?)" WHY);
	scan_bad("a\xc2\xa0" "b\n", "non-ASCII character U+00A0 (a no-break "
	    "space; bytes 0xc2 0xa0) at column 2" WHY);
	scan_bad("\xe2\x80\x8b\n", "non-ASCII character U+200B (a zero-width "
	    "space; bytes 0xe2 0x80 0x8b) at column 1" WHY);
	scan_bad("x\xf0\x9f\x98\x80\n", "non-ASCII character U+1F600 (bytes "
	    "0xf0 0x9f 0x98 0x80) at column 2" WHY);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8_seq),
		cmocka_unit_test(test_utf8_clean),
		cmocka_unit_test(test_bom),
		cmocka_unit_test(test_line_scan),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
