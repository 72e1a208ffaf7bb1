/*
 * Bytes as text, for the files people write (nfqd.conf, exceptions.conf)
 * and the strings nfqd shows back: UTF-8 sequences, the byte-order mark,
 * and the one scan of a line that both files share -- where its comment
 * starts, and which bytes may stand outside one.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "base/text.h"

/* Bytes of the UTF-8 sequence at p (at most n), 0 if invalid; *cp. */
size_t
utf8_seq(const unsigned char *p, size_t n, uint32_t *cp)
{
	size_t		 need, i;
	uint32_t	 c;

	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		need = 2;
		c = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		need = 3;
		c = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		need = 4;
		c = p[0] & 0x07;
	} else
		return 0;
	if (n < need)
		return 0;
	for (i = 1; i < need; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3f);
	}
	if ((need == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
	    (need == 4 && (c < 0x10000 || c > 0x10ffff)))
		return 0;
	*cp = c;
	return need;
}

/* 3 when s starts with a UTF-8 byte-order mark (Notepad's), else 0. */
size_t
utf8_bom(const char *s, size_t len)
{
	return len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
}

/* Characters that look like nothing, or like ASCII, in an editor. */
static const char *
char_name(uint32_t c)
{
	static const struct {
		uint32_t	 c;
		const char	*name;
	} names[] = {
		{ 0x00a0, "no-break space" }, { 0x00ad, "soft hyphen" },
		{ 0x200b, "zero-width space" }, { 0x200c, "zero-width "
		    "non-joiner" }, { 0x200d, "zero-width joiner" },
		{ 0x200e, "left-to-right mark" }, { 0x2010, "hyphen" },
		{ 0x2011, "non-breaking hyphen" }, { 0x2013, "en dash" },
		{ 0x2014, "em dash" }, { 0x2018, "left single quote" },
		{ 0x2019, "right single quote" }, { 0x201c, "left double "
		    "quote" }, { 0x201d, "right double quote" },
		{ 0x2028, "line separator" }, { 0x202f, "narrow no-break "
		    "space" }, { 0x2060, "word joiner" }, { 0x3000,
		    "ideographic space" }, { 0xfeff, "byte-order mark" },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].c == c)
			return names[i].name;
	return NULL;
}

/* The message for the byte at s[i], column i + 1. */
static void
byte_err(const char *s, size_t i, size_t len, char *err, size_t errlen)
{
	static const char why[] = "outside a comment a line holds printable "
	    "ASCII, spaces and tabs only";
	const unsigned char	*p = (const unsigned char *)s + i;
	const char		*name;
	char			 bytes[24];
	uint32_t		 c;
	size_t			 k;

	if (*p < 0x80) {
		snprintf(err, errlen, "control character 0x%02x%s at column "
		    "%zu: %s", *p, *p == '\r' ? " (a carriage return)" : "",
		    i + 1, why);
		return;
	}
	if ((k = utf8_seq(p, len - i, &c)) == 0) {
		snprintf(err, errlen, "byte 0x%02x at column %zu is not "
		    "UTF-8 (a Latin-1 file?): %s", *p, i + 1, why);
		return;
	}
	name = char_name(c);
	for (size_t j = 0, o = 0; j < k; j++, o = 5 * j - 1)
		snprintf(bytes + o, sizeof(bytes) - o, "%s0x%02x", j ? " " :
		    "", p[j]);
	snprintf(err, errlen, "non-ASCII character U+%04X (%s%s%sbytes %s) "
	    "at column %zu: %s", (unsigned)c, name ? "a " : "", name ? name :
	    "", name ? "; " : "", bytes, i + 1, why);
}

/*
 * The one scan of a line (nfqd.conf's too): *content the bytes before its
 * comment or line end, *comment the offset of the comment's '#' (or
 * (size_t)-1).  -1 with a message for a byte that has no place outside a
 * comment.
 */
int
line_scan(const char *s, size_t *content, size_t *comment, char *err,
    size_t errlen)
{
	size_t		 len = strlen(s), i;
	unsigned char	 c;
	bool		 blank = true;	/* the line's start, or after one */

	if (len > 0 && s[len - 1] == '\n')
		len--;
	if (len > 0 && s[len - 1] == '\r')
		len--;
	*comment = (size_t)-1;
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c == ' ' || c == '\t') {
			blank = true;
			continue;
		}
		if (c < 0x21 || c > 0x7e) {
			byte_err(s, i, strlen(s), err, errlen);
			return -1;
		}
		if (c == '#' && blank) {
			*comment = i;
			break;
		}
		blank = false;
	}
	*content = i;
	return 0;
}

/* Copy s[0..n) into out (cap bytes), invalid UTF-8 bytes as '?'. */
void
utf8_clean(const char *s, size_t n, char *out, size_t cap)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i = 0, o = 0, k;
	uint32_t		 c;

	while (i < n) {
		k = utf8_seq(p + i, n - i, &c);
		if (o + (k ? k : 1) >= cap)
			break;
		if (k == 0) {
			out[o++] = '?';
			i++;
		} else {
			memcpy(out + o, p + i, k);
			o += k;
			i += k;
		}
	}
	out[o] = '\0';
}
