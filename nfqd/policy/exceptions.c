/*
 * exceptions.conf, the list the network team edits:
 *
 *	ADDRESS[/PREFIXLEN]  DIRECTION  [key=value ...]  [# comment]
 *
 * Any invalid line refuses the whole list, naming file:line.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nfqd.h"

const char *
dir_name(uint8_t d)
{
	switch (d) {
	case DIR_INBOUND:	return "inbound";
	case DIR_OUTBOUND:	return "outbound";
	case DIR_BOTH:		return "both";
	}
	return "?";
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; H. Hinnant). */
static int64_t
days_from_civil(int y, int m, int d)
{
	int	 era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (int64_t)era * 146097 + doe - 719468;
}

/*
 * YYYY-MM-DD to the unix time of that day's 00:00 UTC.  Arithmetic, not
 * timegm(): a 100,000-entry list has as many dates, and reloads must be
 * quick (bench/reload).
 */
int
date_parse(const char *s, int64_t *out)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	int	 y, m, d, dim;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return -1;
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
	    (s[3] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	if (y < 1970 || m < 1 || m > 12 || d < 1)
		return -1;
	dim = mdays[m - 1];
	if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
		dim = 29;
	if (d > dim)
		return -1;
	*out = days_from_civil(y, m, d) * 86400;
	return 0;
}

static int
exc_text(const char *key, const char *v, char *out, char *err, size_t errlen)
{
	size_t	 len = strlen(v);

	if (out[0] != '\0') {
		snprintf(err, errlen, "%s given twice", key);
		return -1;
	}
	if (len == 0 || len >= EXC_TEXTLEN) {
		snprintf(err, errlen, "%s must be 1-%d characters", key,
		    EXC_TEXTLEN - 1);
		return -1;
	}
	for (const char *p = v; *p; p++)
		/* isgraph() in the C locale, without the table lookup. */
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f ||
		    *p == '"' || *p == '\\') {
			snprintf(err, errlen, "%s has a character that is not "
			    "allowed (printable, no quotes or backslashes)", key);
			return -1;
		}
	memcpy(out, v, len + 1);
	return 0;
}

static int
exc_date(const char *key, const char *v, char *out, int64_t *t, char *err,
    size_t errlen)
{
	if (out[0] != '\0') {
		snprintf(err, errlen, "%s given twice", key);
		return -1;
	}
	if (date_parse(v, t) == -1) {
		snprintf(err, errlen, "bad %s date '%.40s' (expected "
		    "YYYY-MM-DD)", key, v);
		return -1;
	}
	memcpy(out, v, 11);
	return 0;
}

/*
 * One line into an entry.  Returns 1 for an entry, 0 for a blank or
 * comment line, -1 with a message (no file:line) on error.
 */
int
exc_parse_line(const char *line, struct exc_entry *e, char *err,
    size_t errlen)
{
	char		 buf[4096], *tok[16], *p, *v;
	int		 n = 0, i, r;
	int64_t		 t = 0;

	memset(e, 0, sizeof(*e));
	if (strlen(line) >= sizeof(buf)) {
		snprintf(err, errlen, "line too long");
		return -1;
	}
	strcpy(buf, line);
	if ((p = strchr(buf, '#')) != NULL)
		*p = '\0';
	for (p = strtok(buf, " \t\r\n"); p != NULL; p = strtok(NULL, " \t\r\n")) {
		if (n == 16) {
			snprintf(err, errlen, "too many fields");
			return -1;
		}
		tok[n++] = p;
	}
	if (n == 0)
		return 0;
	if (prefix_parse(tok[0], &e->pfx, err, errlen) == -1)
		return -1;
	if (n < 2) {
		snprintf(err, errlen, "missing direction after %s "
		    "(inbound, outbound or both)", tok[0]);
		return -1;
	}
	if (strcmp(tok[1], "inbound") == 0)
		e->dir = DIR_INBOUND;
	else if (strcmp(tok[1], "outbound") == 0)
		e->dir = DIR_OUTBOUND;
	else if (strcmp(tok[1], "both") == 0)
		e->dir = DIR_BOTH;
	else {
		snprintf(err, errlen, "bad direction '%.40s' (expected "
		    "inbound, outbound or both)", tok[1]);
		return -1;
	}
	for (i = 2; i < n; i++) {
		if ((v = strchr(tok[i], '=')) == NULL) {
			snprintf(err, errlen, "expected key=value, got '%.40s'",
			    tok[i]);
			return -1;
		}
		*v++ = '\0';
		if (strcmp(tok[i], "ticket") == 0)
			r = exc_text(tok[i], v, e->ticket, err, errlen);
		else if (strcmp(tok[i], "owner") == 0)
			r = exc_text(tok[i], v, e->owner, err, errlen);
		else if (strcmp(tok[i], "expires") == 0) {
			r = exc_date(tok[i], v, e->expires, &t, err, errlen);
			e->expires_at = t + 86400;	/* end of that day */
		} else if (strcmp(tok[i], "added") == 0)
			r = exc_date(tok[i], v, e->added, &t, err, errlen);
		else {
			snprintf(err, errlen, "unknown attribute '%.40s' "
			    "(expected ticket, owner, expires or added)", tok[i]);
			return -1;
		}
		if (r == -1)
			return -1;
	}
	return 1;
}

int
exc_load(const char *path, struct exc_list *l, char *err, size_t errlen)
{
	FILE		*f;
	char		*line = NULL, msg[ERRLEN], a[PREFIX_STRLEN];
	size_t		 cap = 0, dup[2];
	ssize_t		 len;
	unsigned	 lineno = 0;
	size_t		 alloc = 0;
	struct exc_entry e, *nv;

	memset(l, 0, sizeof(*l));
	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (priv_file_check(fileno(f), path, err, errlen) == -1)
		goto fail;
	while ((len = getline(&line, &cap, f)) != -1) {
		lineno++;
		msg[0] = '\0';
		if (memchr(line, '\0', (size_t)len) != NULL) {
			snprintf(err, errlen, "%s:%u: NUL byte in line", path,
			    lineno);
			goto fail;
		}
		switch (exc_parse_line(line, &e, msg, sizeof(msg))) {
		case -1:
			snprintf(err, errlen, "%s:%u: %s", path, lineno, msg);
			goto fail;
		case 0:
			continue;
		}
		e.line = lineno;
		if (l->n == alloc) {
			alloc = alloc ? alloc * 2 : 64;
			if ((nv = reallocarray(l->v, alloc, sizeof(*nv))) ==
			    NULL) {
				snprintf(err, errlen, "%s: out of memory", path);
				goto fail;
			}
			l->v = nv;
		}
		l->v[l->n++] = e;
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	switch (lpm_build(&l->lpm, l->v, l->n, sizeof(*l->v), dup)) {
	case -1:
		snprintf(err, errlen, "%s: out of memory", path);
		goto fail;
	case 1:
		prefix_format(&l->v[dup[1]].pfx, a, sizeof(a));
		snprintf(err, errlen, "%s:%u: %s listed twice (first on line "
		    "%u)", path, l->v[dup[1]].line, a, l->v[dup[0]].line);
		goto fail;
	}
	free(line);
	fclose(f);
	return 0;
fail:
	free(line);
	fclose(f);
	exc_free(l);
	return -1;
}

void
exc_free(struct exc_list *l)
{
	lpm_free(&l->lpm);
	free(l->v);
	memset(l, 0, sizeof(*l));
}
