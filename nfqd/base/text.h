/*
 * text.c: bytes as text -- UTF-8, the byte-order mark, and the line
 * grammar nfqd.conf and exceptions.conf share: '#' starts a comment at
 * the start of a line or after a space or a tab; outside a comment a
 * line holds printable ASCII, spaces and tabs.
 */
#ifndef NFQD_BASE_TEXT_H
#define NFQD_BASE_TEXT_H

#include <stddef.h>
#include <stdint.h>

/* Bytes of the UTF-8 sequence at p (at most n), 0 if invalid; *cp. */
size_t	 utf8_seq(const unsigned char *p, size_t n, uint32_t *cp);
/* s[0..n) into out (cap bytes), each byte that is not UTF-8 as '?'. */
void	 utf8_clean(const char *s, size_t n, char *out, size_t cap);
/* 3 when s starts with a UTF-8 byte-order mark (Notepad's), else 0. */
size_t	 utf8_bom(const char *s, size_t len);
/*
 * One line (its end, if any, is not content): *content the bytes before
 * its comment, *comment the offset of the comment's '#' or (size_t)-1.
 * -1 with a message naming the byte and its column for a byte that has
 * no place outside a comment.
 */
int	 line_scan(const char *s, size_t *content, size_t *comment,
	    char *err, size_t errlen);

#endif
