/*
 * exceptions.conf, the list the network team edits:
 *
 *	ADDRESS[/PREFIXLEN]  DIRECTION  [key=value ...]  [# comment]
 *
 * The one grammar, for nfqd, nfqctl and every other reader:
 *
 *  - '#' starts a comment at the start of a line or after a space or a
 *    tab; anywhere else it is part of the word (ticket=INC#4711).
 *  - Outside a comment a line holds printable ASCII, spaces and tabs; any
 *    other byte is an error naming its code and column.  A UTF-8
 *    byte-order mark at the start of the file is skipped.  (Both rules
 *    are nfqd.conf's too: line_scan and utf8_bom, base/text.c.)
 *  - An attribute is given once.  A trailing comment that holds one
 *    (`ticket=INC #4711 owner=x`) is an error: it would not be read.
 *  - An entry stays inside the campus: one that contains an internal
 *    network is refused (exc_scope), with what to write instead.
 *  - `expires` days end at midnight in the configured zone (tz.c).
 *
 * Any invalid line refuses the whole list, naming file:line; exc_lint()
 * says what is valid but suspicious.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "policy/exceptions.h"
#include "base/json.h"
#include "base/defs.h"
#include "base/addr.h"
#include "base/lpm.h"
#include "base/tz.h"
#include "base/when.h"
#include "policy/conf.h"
#include "base/files.h"
#include "base/text.h"

#define EXPIRING_DAYS	14	/* exc_lint: "expires in N days" */

const char *
exc_dir_name(uint8_t d)
{
	switch (d) {
	case EXC_INBOUND:	return "inbound";
	case EXC_OUTBOUND:	return "outbound";
	case EXC_BOTH:		return "both";
	}
	return "?";
}

/* YYYY-MM-DD and nothing else, a real day from 1970 on: its number. */
static int
date_day(const char *s, int64_t *day)
{
	int64_t	 t;

	if (date_parse(s, &t) == -1)
		return -1;
	*day = t / 86400;
	return 0;
}

/* ---- fields: the checks nfqctl's edits make too ---- */

/* A ticket or owner: 1-63 printable ASCII, no space, quote or backslash. */
int
exc_check_text(const char *key, const char *v, char *out, char *err,
    size_t errlen)
{
	size_t		 len = strlen(v), i;
	unsigned char	 c;

	if (len == 0) {
		snprintf(err, errlen, "%s is empty (1-%d characters)", key,
		    EXC_TEXTLEN - 1);
		return -1;
	}
	if (len >= EXC_TEXTLEN) {
		snprintf(err, errlen, "%s '%.20s...' is too long (%zu "
		    "characters, at most %d)", key, v, len, EXC_TEXTLEN - 1);
		return -1;
	}
	for (i = 0; i < len; i++) {
		c = (unsigned char)v[i];
		if (c > ' ' && c < 0x7f && c != '"' && c != '\\')
			continue;
		if (c == ' ' || c == '"' || c == '\\')
			snprintf(err, errlen, "%s '%.63s' has a character "
			    "that is not allowed: '%c' (printable ASCII "
			    "without spaces, quotes or backslashes)", key, v,
			    c);
		else
			snprintf(err, errlen, "%s has a character that is not "
			    "allowed: byte 0x%02x (printable ASCII without "
			    "spaces, quotes or backslashes)", key, c);
		return -1;
	}
	memcpy(out, v, len + 1);
	return 0;
}

/* YYYY-MM-DD, a real day: into out, its day number into *day. */
int
exc_check_date(const char *key, const char *v, char out[11], int64_t *day,
    char *err, size_t errlen)
{
	bool	 shape = strlen(v) == 10 && v[4] == '-' && v[7] == '-';

	for (int i = 0; shape && i < 10; i++)
		if (i != 4 && i != 7 && (v[i] < '0' || v[i] > '9'))
			shape = false;
	if (!shape) {
		snprintf(err, errlen, "%s '%.40s' is not a date (expected "
		    "YYYY-MM-DD)", key, v);
		return -1;
	}
	if (date_day(v, day) == -1) {
		snprintf(err, errlen, "%s '%s' is not a real calendar date",
		    key, v);
		return -1;
	}
	memcpy(out, v, 11);
	return 0;
}

int
exc_check_dir(const char *v, enum exc_dir *out, char *err, size_t errlen)
{
	if (strcmp(v, "inbound") == 0)
		*out = EXC_INBOUND;
	else if (strcmp(v, "outbound") == 0)
		*out = EXC_OUTBOUND;
	else if (strcmp(v, "both") == 0)
		*out = EXC_BOTH;
	else {
		snprintf(err, errlen, "bad direction '%.40s' (expected "
		    "inbound, outbound or both)", v);
		return -1;
	}
	return 0;
}

/*
 * Days from now's day (in tz) to the last day of e: 0 on that day,
 * negative once it is over, INT64_MAX when e does not expire.
 */
int64_t
exc_days_left(const struct tz *tz, const struct exc_entry *e, int64_t now)
{
	int64_t	 day;

	if (date_day(e->expires, &day) == -1)
		return INT64_MAX;
	return day - tz_day_of(tz, now);
}

/* The unix time at which an entry expiring at the end of day ends. */
int64_t
exc_expires_at(const struct tz *tz, int64_t day)
{
	return tz_day_end(tz, day);
}

static const char *const attr_names[] = { "ticket", "owner", "expires",
    "added" };

/* "key=" for a known attribute at the start of w, else NULL. */
static const char *
attr_of(const char *w)
{
	for (size_t i = 0; i < 4; i++) {
		size_t	 n = strlen(attr_names[i]);

		if (strncmp(w, attr_names[i], n) == 0 && w[n] == '=')
			return attr_names[i];
	}
	return NULL;
}

/*
 * The comment rule: no word of a comment (s[0..len), words between
 * spaces, tabs and '#') may read as an attribute, since nfqd does not
 * read it there.  The first that does, its length in *n; NULL if none.
 */
static const char *
comment_attr(const char *s, size_t len, size_t *n)
{
	const char	*p = s, *e = s + len, *w;

	for (;;) {
		while (p < e && (*p == '#' || *p == ' ' || *p == '\t'))
			p++;
		if (p == e)
			return NULL;
		for (w = p; p < e && *p != ' ' && *p != '\t'; p++)
			;
		*n = (size_t)(p - w);
		if (attr_of(w) != NULL)
			return w;
	}
}

/* A trailing comment must not hold an attribute: it would not be read. */
static int
comment_check(const char *s, size_t at, char *err, size_t errlen)
{
	const char	*w;
	size_t		 n;

	if ((w = comment_attr(s + at, strcspn(s + at, "\r\n"), &n)) == NULL)
		return 0;
	snprintf(err, errlen, "'%.*s' is in the comment that starts at column "
	    "%zu, so it is not read: if the '#' belongs to a value, write it "
	    "without the space before it (ticket=INC#4711); else put the "
	    "comment after the attributes", (int)(n > 60 ? 60 : n), w, at + 1);
	return -1;
}

/*
 * A comment for an entry's line, as an edit gives it: trimmed into out,
 * one line of printable UTF-8, at most EXC_COMMENTMAX bytes, and no word
 * in it that reads as an attribute (the line holds it after them).
 */
int
exc_check_comment(const char *v, char out[EXC_COMMENTMAX + 1], char *err,
    size_t errlen)
{
	const unsigned char	*p;
	size_t			 len, i, k, n;
	uint32_t		 c;
	const char		*w;

	while (*v == ' ' || *v == '\t')
		v++;
	len = strlen(v);
	while (len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\t'))
		len--;
	p = (const unsigned char *)v;
	for (i = 0; i < len; i += k) {
		if (p[i] < 0x20 || p[i] == 0x7f) {
			snprintf(err, errlen, "comment has a control character "
			    "(byte 0x%02x): one line of printable text", p[i]);
			return -1;
		}
		if ((k = utf8_seq(p + i, len - i, &c)) == 0) {
			snprintf(err, errlen, "comment is not valid UTF-8 "
			    "(byte 0x%02x at offset %zu)", p[i], i);
			return -1;
		}
	}
	if (len > EXC_COMMENTMAX) {
		snprintf(err, errlen, "comment is too long (%zu bytes, at most "
		    "%d)", len, EXC_COMMENTMAX);
		return -1;
	}
	if ((w = comment_attr(v, len, &n)) != NULL) {
		snprintf(err, errlen, "comment holds '%.*s', which reads as an "
		    "attribute that nfqd would not read there: give it as an "
		    "option, or reword the comment", (int)(n > 60 ? 60 : n), w);
		return -1;
	}
	memcpy(out, v, len);
	out[len] = '\0';
	return 0;
}

/* One line into e, as exc_parse_line; *comment as line_scan finds it. */
static int
exc_parse(const char *line, const struct tz *tz, struct exc_entry *e,
    size_t *comment, char *err, size_t errlen)
{
	char		 buf[EXC_LINEMAX], *tok[16], *p, *v;
	char		*seen[4] = { NULL, NULL, NULL, NULL };
	size_t		 content, k;
	int		 n = 0, i, r;
	int64_t		 day = 0;

	memset(e, 0, sizeof(*e));
	if (strlen(line) >= sizeof(buf)) {
		snprintf(err, errlen, "line too long");
		return -1;
	}
	*comment = (size_t)-1;
	if (line_scan(line, &content, comment, err, errlen) == -1)
		return -1;
	memcpy(buf, line, content);
	buf[content] = '\0';
	for (p = strtok(buf, " \t"); p != NULL; p = strtok(NULL, " \t")) {
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
	if (exc_check_dir(tok[1], &e->dir, err, errlen) == -1)
		return -1;
	for (i = 2; i < n; i++) {
		if ((v = strchr(tok[i], '=')) == NULL) {
			snprintf(err, errlen, "expected key=value, got '%.40s'",
			    tok[i]);
			return -1;
		}
		*v++ = '\0';
		for (k = 0; k < 4; k++)
			if (strcmp(tok[i], attr_names[k]) == 0)
				break;
		if (k == 4) {
			snprintf(err, errlen, "unknown attribute '%.40s' "
			    "(expected ticket, owner, expires or added)", tok[i]);
			return -1;
		}
		if (seen[k] != NULL) {
			if (strcmp(seen[k], v) == 0)
				snprintf(err, errlen, "%s given twice ('%.40s' "
				    "both times): write it once", tok[i], v);
			else
				snprintf(err, errlen, "%s given twice "
				    "('%.40s', then '%.40s'): which one is "
				    "meant? write it once", tok[i], seen[k], v);
			return -1;
		}
		seen[k] = v;
		switch (k) {
		case 0:
			r = exc_check_text("ticket", v, e->ticket, err, errlen);
			break;
		case 1:
			r = exc_check_text("owner", v, e->owner, err, errlen);
			break;
		case 2:
			if ((r = exc_check_date("expires", v, e->expires,
			    &day, err, errlen)) == 0)
				e->expires_at = exc_expires_at(tz, day);
			break;
		default:
			r = exc_check_date("added", v, e->added, &day, err,
			    errlen);
		}
		if (r == -1)
			return -1;
	}
	if (*comment != (size_t)-1 &&
	    comment_check(line, *comment, err, errlen) == -1)
		return -1;
	return 1;
}

/*
 * One line into an entry (tz: the zone `expires` days end in; NULL: UTC).
 * Returns 1 for an entry, 0 for a blank or comment line, -1 with a
 * message (no file:line) on error.
 */
int
exc_parse_line(const char *line, const struct tz *tz, struct exc_entry *e,
    char *err, size_t errlen)
{
	size_t	 comment;

	return exc_parse(line, tz, e, &comment, err, errlen);
}

/* ---- the campus ---- */

/*
 * Where p lies against internal-networks: EXC_CONTAINS (it holds an
 * internal network and more: refused), EXC_EQUAL, EXC_INSIDE or
 * EXC_OUTSIDE; *which the internal network concerned (CONTAINS, EQUAL).
 * Prefixes either nest or are disjoint.
 */
/* The first len bits of a and b agree (same family). */
static bool
bits_equal(const uint8_t *a, const uint8_t *b, unsigned len)
{
	unsigned	 n = len / 8, r = len % 8;

	return memcmp(a, b, n) == 0 &&
	    (r == 0 || ((a[n] ^ b[n]) & (0xff00 >> r) & 0xff) == 0);
}

int
exc_scope(const struct conf *c, const struct prefix *p, size_t *which)
{
	const struct prefix	*in;
	int			 r = EXC_OUTSIDE;
	unsigned		 shorter;

	for (size_t i = 0; i < c->ninternal; i++) {
		in = &c->internal[i];
		shorter = p->len < in->len ? p->len : in->len;
		if (in->addr.af != p->addr.af ||
		    !bits_equal(in->addr.b, p->addr.b, shorter))
			continue;		/* disjoint */
		if (p->len < in->len) {
			*which = i;
			return EXC_CONTAINS;
		}
		if (p->len == in->len) {
			*which = i;
			r = EXC_EQUAL;
		} else if (r == EXC_OUTSIDE)
			r = EXC_INSIDE;
	}
	return r;
}

/* -1 with the message for an entry that contains an internal network. */
int
exc_check_scope(const struct conf *c, const struct prefix *p, char *err,
    size_t errlen)
{
	char	 a[PREFIX_STRLEN], in[PREFIX_STRLEN];
	size_t	 w = 0, more = 0;

	if (c == NULL || exc_scope(c, p, &w) != EXC_CONTAINS)
		return 0;
	for (size_t i = 0; i < c->ninternal; i++)
		if (i != w && c->internal[i].addr.af == p->addr.af &&
		    c->internal[i].len > p->len &&
		    prefix_contains(p, &c->internal[i].addr))
			more++;
	host_format(p, a, sizeof(a));
	prefix_format(&c->internal[w], in, sizeof(in));
	snprintf(err, errlen, "%s contains the internal network %s%s: it "
	    "would exempt every campus host there, not the ones it is for; "
	    "list those hosts (or their subnet), or write %s itself to "
	    "exempt that whole network on purpose", a, in, more == 0 ? "" :
	    more == 1 ? " (and 1 more)" : " (and others)", in);
	return -1;
}

/* ---- the file ---- */

/*
 * One line of the file as every reader takes it: no NUL byte in its len
 * bytes, exc_parse (in c's zone), and inside the campus (c's
 * internal-networks; c NULL: UTC, and no campus).  Returns what
 * exc_parse returns; the message has no file:line.
 */
int
exc_check_line(const char *line, size_t len, const struct conf *c,
    struct exc_entry *e, size_t *comment, char *err, size_t errlen)
{
	int	 r;

	if (memchr(line, '\0', len) != NULL) {
		memset(e, 0, sizeof(*e));
		*comment = (size_t)-1;
		snprintf(err, errlen, "NUL byte in line");
		return -1;
	}
	r = exc_parse(line, c != NULL ? c->tz : NULL, e, comment, err, errlen);
	if (r == 1 && exc_check_scope(c, &e->pfx, err, errlen) == -1)
		return -1;
	return r;
}

int
exc_load(const char *path, const struct conf *c, unsigned flags,
    struct exc_list *l, char *err, size_t errlen)
{
	FILE		*f;
	char		*line = NULL, msg[ERRLEN], a[PREFIX_STRLEN];
	const char	*s;
	size_t		 cap = 0, dup[2], comment;
	ssize_t		 len;
	unsigned	 lineno = 0;
	size_t		 alloc = 0;
	struct exc_entry e, *nv;

	memset(l, 0, sizeof(*l));
	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!(flags & EXC_ANY_MODE) &&
	    file_check_mode(fileno(f), path, err, errlen) == -1)
		goto fail;
	while ((len = getline(&line, &cap, f)) != -1) {
		lineno++;
		msg[0] = '\0';
		s = line + (lineno == 1 ? utf8_bom(line, (size_t)len) : 0);
		switch (exc_check_line(s, (size_t)(line + len - s), c, &e,
		    &comment, msg, sizeof(msg))) {
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

/* ---- valid, but suspicious: nfqd -n, nfqctl exception check ---- */

struct lint {
	exc_warn_cb	 cb;
	void		*arg;
	unsigned	 n;
};

static void __attribute__((format(printf, 2, 3)))
lint_say(struct lint *w, const char *fmt, ...)
{
	char	 buf[ERRLEN * 2];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	w->n++;
	if (w->cb != NULL)
		w->cb(w->arg, buf);
}

/* ::ffff:a.b.c.d/len (len >= 96): the IPv4 prefix it stands for. */
static bool
v4_mapped(const struct prefix *p, struct prefix *v4)
{
	static const uint8_t head[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff,
	    0xff };

	if (p->addr.af != 6 || p->len < 96 || memcmp(p->addr.b, head, 12) != 0)
		return false;
	memset(v4, 0, sizeof(*v4));
	v4->addr.af = 4;
	memcpy(v4->addr.b, p->addr.b + 12, 4);
	v4->len = (uint8_t)(p->len - 96);
	return true;
}

static void
internal_list(const struct conf *c, char *buf, size_t len)
{
	char	 a[PREFIX_STRLEN];
	size_t	 i, o = 0;

	buf[0] = '\0';
	for (i = 0; i < c->ninternal && i < 3 && o < len; i++) {
		prefix_format(&c->internal[i], a, sizeof(a));
		o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? ", " : "",
		    a);
	}
	if (c->ninternal > 3 && o < len)
		snprintf(buf + o, len - o, ", ...");
}

static const char *
opens(uint8_t dir)
{
	switch (dir) {
	case EXC_INBOUND:
		return "opens inbound SMTP (Part 1) to every campus host in it";
	case EXC_OUTBOUND:
		return "opens outbound SMTP (Part 2) from every campus host in "
		    "it";
	}
	return "opens inbound and outbound SMTP for every campus host in it: "
	    "the policy is off there";
}

static unsigned
lint_entry(struct lint *w, const struct conf *c, const struct exc_entry *e,
    const char *name, int64_t now, unsigned flags)
{
	char		 a[PREFIX_STRLEN], b[PREFIX_STRLEN], list[256];
	struct prefix	 v4;
	size_t		 which = 0;
	int64_t		 left;
	const struct tz	*tz = c != NULL ? c->tz : NULL;
	unsigned	 before = w->n;

	host_format(&e->pfx, a, sizeof(a));
	if (v4_mapped(&e->pfx, &v4)) {
		host_format(&v4, b, sizeof(b));
		lint_say(w, "%s:%u: %s is an IPv4-mapped address: nfqd sees "
		    "that host's packets as IPv4, so this entry never matches; "
		    "write %s", name, e->line, a, b);
	} else if (c != NULL && c->ninternal > 0) {
		switch (exc_scope(c, &e->pfx, &which)) {
		case EXC_EQUAL:
			prefix_format(&c->internal[which], b, sizeof(b));
			lint_say(w, "%s:%u: %s %s is the whole internal "
			    "network %s: it %s", name, e->line, a,
			    exc_dir_name(e->dir), b, opens(e->dir));
			break;
		case EXC_OUTSIDE:
			internal_list(c, list, sizeof(list));
			lint_say(w, "%s:%u: %s is outside internal-networks "
			    "(%s): only campus addresses are looked up, so it "
			    "never matches", name, e->line, a, list);
			break;
		}
	}
	if (!(flags & EXC_LINT_EXPIRY) || e->expires_at == 0)
		return w->n - before;
	if (now >= e->expires_at) {
		lint_say(w, "%s:%u: %s expired at the end of %s (%s): it "
		    "allows nothing now; renew it (nfqctl exception set %s "
		    "--expires YYYY-MM-DD) or remove it (nfqctl exception "
		    "remove %s)", name, e->line, a, e->expires, tz_name(tz), a,
		    a);
		return w->n - before;
	}
	if ((left = exc_days_left(tz, e, now)) < EXPIRING_DAYS) {
		if (left == 0)
			snprintf(b, sizeof(b), "today");
		else if (left == 1)
			snprintf(b, sizeof(b), "tomorrow");
		else
			snprintf(b, sizeof(b), "in %lld days",
			    (long long)left);
		lint_say(w, "%s:%u: %s expires at the end of %s (%s), %s: "
		    "renew it in time (nfqctl exception set %s --expires "
		    "YYYY-MM-DD) or let it lapse", name, e->line, a, e->expires,
		    tz_name(tz), b, a);
	}
	return w->n - before;
}

unsigned
exc_lint_entry(const struct conf *c, const struct exc_entry *e,
    const char *name, int64_t now, unsigned flags, exc_warn_cb cb,
    void *arg)
{
	struct lint	 w = { cb, arg, 0 };

	return lint_entry(&w, c, e, name, now, flags);
}

/* in is inside out, which has another direction: what it means. */
static void
lint_overlap(struct lint *w, const struct exc_entry *in,
    const struct exc_entry *out, const char *name)
{
	char		 a[PREFIX_STRLEN], b[PREFIX_STRLEN], what[64];
	uint8_t		 lost = out->dir & ~in->dir;
	uint8_t		 gained = in->dir & ~out->dir;

	host_format(&in->pfx, a, sizeof(a));
	host_format(&out->pfx, b, sizeof(b));
	if (lost && gained)
		snprintf(what, sizeof(what), "loses %s and gains %s",
		    exc_dir_name(lost), exc_dir_name(gained));
	else
		snprintf(what, sizeof(what), "%s %s", lost ? "loses" : "gains",
		    exc_dir_name(lost ? lost : gained));
	lint_say(w, "%s:%u: %s %s overlaps %s %s (line %u) with another "
	    "direction: the more specific entry decides, so %s %s", name,
	    in->line, a, exc_dir_name(in->dir), b, exc_dir_name(out->dir), out->line,
	    a, what);
}

/*
 * Entries inside another entry with a different direction: the more
 * specific one decides for its addresses, so they lose or gain a
 * direction.  Each entry is compared with the nearest active entry
 * containing it (the one that would decide without it); with `only`, the
 * pairs where either is selected.  Expired entries count as absent, as in
 * the policy.  lpm indexes v (entry k is v[k]).
 */
unsigned
exc_lint_overlaps(const struct exc_entry *const *v, size_t n,
    const struct lpm *lpm, const char *name, int64_t now, const bool *only,
    exc_warn_cb cb, void *arg)
{
	struct lint		 w = { cb, arg, 0 };
	const struct exc_entry	*in, *out;
	uint32_t		 idx[129], oi = 0;
	int			 i, k;

	for (size_t j = 0; j < n; j++) {
		in = v[j];
		if (in->expires_at != 0 && now >= in->expires_at)
			continue;
		k = lpm_lookup(lpm, &in->pfx.addr, idx, 129);
		out = NULL;
		for (i = 0; i < k; i++) {
			if (v[idx[i]]->pfx.len >= in->pfx.len ||
			    (v[idx[i]]->expires_at != 0 &&
			    now >= v[idx[i]]->expires_at))
				continue;
			out = v[idx[i]];
			oi = idx[i];
			break;
		}
		if (out == NULL || out->dir == in->dir)
			continue;
		if (only != NULL && !only[j] && !only[oi])
			continue;
		lint_overlap(&w, in, out, name);
	}
	return w.n;
}

/*
 * The same, for the entries f[0..nf) alone: each against the nearest
 * active entry containing it, of all v (indexed by lpm).  When the f are
 * hosts, nothing is inside them, so these are all their pairs.
 */
unsigned
exc_lint_overlaps_of(const struct exc_entry *const *f, size_t nf,
    const struct exc_entry *const *v, const struct lpm *lpm,
    const char *name, int64_t now, exc_warn_cb cb, void *arg)
{
	struct lint		 w = { cb, arg, 0 };
	const struct exc_entry	*in, *out;
	uint32_t		 idx[129];
	int			 i, k;

	for (size_t j = 0; j < nf; j++) {
		in = f[j];
		if (in->expires_at != 0 && now >= in->expires_at)
			continue;
		k = lpm_lookup(lpm, &in->pfx.addr, idx, 129);
		out = NULL;
		for (i = 0; i < k && out == NULL; i++)
			if (v[idx[i]]->pfx.len < in->pfx.len &&
			    (v[idx[i]]->expires_at == 0 ||
			    now < v[idx[i]]->expires_at))
				out = v[idx[i]];
		if (out != NULL && out->dir != in->dir)
			lint_overlap(&w, in, out, name);
	}
	return w.n;
}

/*
 * Everything nfqd -n and nfqctl exception check point out in a valid
 * configuration and list (c may be NULL: the list alone): each warning
 * as "FILE[:LINE]: text" to cb.  Returns how many.
 */
unsigned
exc_lint(const struct conf *c, const struct exc_list *l, const char *name,
    int64_t now, exc_warn_cb cb, void *arg)
{
	const struct conf *zc = c;	/* the zone, even of a bare one */
	const struct exc_entry **v;
	struct lint	 w = { cb, arg, 0 };
	char		 a[PREFIX_STRLEN];
	bool		 has[2] = { false, false };
	size_t		 i, active = 0;

	/* A configuration of its own (not nfqctl's bare zone) is checked. */
	if (c != NULL && c->path[0] == '\0')
		c = NULL;
	for (i = 0; c != NULL && i < c->ninternal; i++) {
		has[c->internal[i].addr.af == 6] = true;
		if (c->internal[i].len != 0)
			continue;
		prefix_format(&c->internal[i], a, sizeof(a));
		lint_say(&w, "%s:%u: internal-networks holds %s: every IPv%c "
		    "address is campus, so no IPv%c connection is inbound or "
		    "outbound and the policy blocks none", c->path,
		    c->internal_line, a,
		    c->internal[i].addr.af == 6 ? '6' : '4',
		    c->internal[i].addr.af == 6 ? '6' : '4');
	}
	for (i = 0; c != NULL && c->ninternal > 0 && i < 2; i++)
		if (!has[i])
			lint_say(&w, "%s:%u: internal-networks has no IPv%c "
			    "prefix: IPv%c SMTP is decided as transit (%s)",
			    c->path, c->internal_line, i ? '6' : '4',
			    i ? '6' : '4', c->transit == TRANSIT_ALLOW ?
			    "allowed" : "blocked");
	for (i = 0; i < l->n; i++) {
		active += l->v[i].expires_at == 0 || now < l->v[i].expires_at;
		lint_entry(&w, c != NULL ? c : zc, &l->v[i], name, now,
		    EXC_LINT_EXPIRY);
	}
	if (c != NULL && c->mode == MODE_ENFORCE && active == 0)
		lint_say(&w, "%s: %s, and mode = enforce: SMTP across the "
		    "border to and from every campus host is blocked, the "
		    "central mail gateway's too (list it, or run mode = "
		    "monitor first: docs/deploy.md)", name, l->n == 0 ?
		    "no entries" : "no active entry (all have expired)");
	if ((v = malloc((l->n ? l->n : 1) * sizeof(*v))) != NULL) {
		for (i = 0; i < l->n; i++)
			v[i] = &l->v[i];
		w.n += exc_lint_overlaps(v, l->n, &l->lpm, name, now, NULL,
		    cb, arg);
		free(v);
	}
	return w.n;
}

/* An exception-list entry as the control socket's answers show it. */
struct cJSON *
exc_json(const struct exc_entry *e, int64_t now)
{
	cJSON	*x = cJSON_CreateObject();
	char	 a[PREFIX_STRLEN];

	if (x == NULL)
		return NULL;
	prefix_format(&e->pfx, a, sizeof(a));
	cJSON_AddStringToObject(x, "entry", a);
	cJSON_AddStringToObject(x, "direction", exc_dir_name(e->dir));
	if (e->ticket[0])
		cJSON_AddStringToObject(x, "ticket", e->ticket);
	if (e->owner[0])
		cJSON_AddStringToObject(x, "owner", e->owner);
	if (e->expires[0])
		cJSON_AddStringToObject(x, "expires", e->expires);
	json_add_u64(x, "line", e->line);
	cJSON_AddBoolToObject(x, "active", e->expires_at == 0 ||
	    now < e->expires_at);
	return x;
}
