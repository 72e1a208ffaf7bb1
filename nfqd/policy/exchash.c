/*
 * The exception list's identity: SHA-256 (FIPS 180-4) of its canonical
 * form, so that routers whose files differ only in comments, blank
 * lines, spacing, key order, `added=` dates or the order of the entries
 * show the same hash, and any difference in what decides a verdict or
 * what the events say of it shows another.
 *
 * Canonical form: one line per entry, sorted by address family, address
 * bytes, then prefix length:
 *
 *	PREFIX/LEN <TAB> DIRECTION <TAB> EXPIRES <TAB> TICKET <TAB> OWNER <LF>
 *
 * PREFIX/LEN as prefix_format writes it (host bits zero, IPv6 in RFC 5952
 * form, /32 and /128 written out), DIRECTION inbound, outbound or both,
 * EXPIRES YYYY-MM-DD, and "-" for a key the entry does not have.  An
 * empty list is the hash of nothing (e3b0c442...).
 *
 * SHA-256 from base/digest.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/addr.h"
#include "base/digest.h"
#include "policy/exceptions.h"

static int
entry_cmp(const void *a, const void *b)
{
	const struct exc_entry	*x = *(const struct exc_entry *const *)a;
	const struct exc_entry	*y = *(const struct exc_entry *const *)b;
	int			 c;

	if (x->pfx.addr.af != y->pfx.addr.af)
		return x->pfx.addr.af < y->pfx.addr.af ? -1 : 1;
	if ((c = memcmp(x->pfx.addr.b, y->pfx.addr.b, 16)) != 0)
		return c;
	return (x->pfx.len > y->pfx.len) - (x->pfx.len < y->pfx.len);
}

/* s into p, returns the end; "-" for an empty one. */
static char *
put_str(char *p, const char *s)
{
	size_t	 n = strlen(s);

	if (n == 0) {
		*p++ = '-';
		return p;
	}
	memcpy(p, s, n);
	return p + n;
}

/*
 * SHA-256 of the list's canonical form; -1 only when out of memory.
 * The lines are made with memcpy, not snprintf: a reload of 100,000
 * entries spent a fifth of its time formatting them.
 */
int
exc_hash(const struct exc_list *l, char out[SHA256_HEXLEN])
{
	const struct exc_entry	**v;
	struct sha256		 s;
	char			 line[PREFIX_STRLEN + 3 * EXC_TEXTLEN + 32];
	char			*p;
	unsigned		 len;

	if ((v = malloc((l->n > 0 ? l->n : 1) * sizeof(*v))) == NULL)
		return -1;
	for (size_t i = 0; i < l->n; i++)
		v[i] = &l->v[i];
	qsort(v, l->n, sizeof(*v), entry_cmp);
	sha256_init(&s);
	for (size_t i = 0; i < l->n; i++) {
		/* PREFIX/LEN \t DIRECTION \t EXPIRES \t TICKET \t OWNER \n */
		addr_format(&v[i]->pfx.addr, line, ADDR_STRLEN);
		p = line + strlen(line);
		*p++ = '/';
		len = v[i]->pfx.len;
		if (len >= 100)
			*p++ = (char)('0' + len / 100);
		if (len >= 10)
			*p++ = (char)('0' + len / 10 % 10);
		*p++ = (char)('0' + len % 10);
		*p++ = '\t';
		p = put_str(p, exc_dir_name(v[i]->dir));
		*p++ = '\t';
		p = put_str(p, v[i]->expires);
		*p++ = '\t';
		p = put_str(p, v[i]->ticket);
		*p++ = '\t';
		p = put_str(p, v[i]->owner);
		*p++ = '\n';
		sha256_update(&s, line, (size_t)(p - line));
	}
	free(v);
	sha256_hex(&s, out);
	return 0;
}
