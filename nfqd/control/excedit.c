/*
 * Editing exceptions.conf the way a reviewer wants to see it in git: one
 * line added, removed or changed, every other byte as it was.
 *
 * The file is held as its lines.  An entry line is parsed by
 * exc_parse_line(), the daemon's own parser, and checked against
 * internal-networks as the daemon checks it (exc_check_scope), so an
 * entry means here what it means to nfqd; the values an edit brings are
 * checked by the same functions (exc_check_text, exc_check_date,
 * exc_check_dir); the finished file is loaded once more with exc_load()
 * before it replaces the old one.  See excedit.h for the session, the
 * lock and the write.
 *
 * An entry's comment is the text after its '#' on its own line or,
 * failing that, the comment line directly above it when that line clearly
 * belongs to it alone (xe_attached()); remove takes that line away with
 * the entry.
 *
 * Linear time: the runs of entry lines (for the comment rule) are found
 * in one pass after each change (xe_reindex), an entry by its prefix with
 * a hash table (xe_index), and an import applies its plan in one pass.
 */
#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "control/excedit_int.h"
#include "base/files.h"
#include "base/when.h"

#define LOCK_WAIT_MS	30000	/* then give up: someone holds it too long */

/* ---- small helpers ---- */

void __attribute__((format(printf, 3, 4)))
xe_msg(const struct excedit *x, int level, const char *fmt, ...)
{
	char	 buf[ERRLEN * 2];
	va_list	 ap;

	if (x->o.msg == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	x->o.msg(x->o.arg, level, buf);
}

/* SUDO_USER when set, else the name of the real uid, else "uid N". */
void
excedit_who(char *buf, size_t len)
{
	const char	*s = getenv("SUDO_USER");
	struct passwd	*pw;

	if (s != NULL && s[0] != '\0')
		snprintf(buf, len, "%s", s);
	else if ((pw = getpwuid(getuid())) != NULL)
		snprintf(buf, len, "%s", pw->pw_name);
	else
		snprintf(buf, len, "uid %u", (unsigned)getuid());
}

/* ---- open, close ---- */

int
xe_lock(struct excedit *x, char *err, size_t errlen)
{
	char	 path[MAX_PATH + 8];

	snprintf(path, sizeof(path), "%s.lock", x->real);
	if ((x->lockfd = file_lock(path, 0644, LOCK_WAIT_MS)) == -1) {
		if (errno == EWOULDBLOCK)
			snprintf(err, errlen, "%s is locked by another edit "
			    "(%s) for %d s already; try again", x->name, path,
			    LOCK_WAIT_MS / 1000);
		else
			snprintf(err, errlen, "cannot lock %s: %s", path,
			    strerror(errno));
		return -1;
	}
	return 0;
}

void
xe_unlock(struct excedit *x)
{
	if (x->lockfd != -1)
		close(x->lockfd);	/* releases the flock */
	x->lockfd = -1;
}

/* The same message as exc_load for a prefix listed twice. */
static int
xe_dups(struct excedit *x, char *err, size_t errlen)
{
	size_t	 dup[2];
	char	 a[PREFIX_STRLEN];

	switch (xe_index(x, dup)) {
	case 0:
		return 0;
	case 1:
		prefix_format(&x->pfx[dup[1]], a, sizeof(a));
		snprintf(err, errlen, "%s:%u: %s listed twice (first on line "
		    "%u)", x->name, x->ptr[dup[1]]->line, a,
		    x->ptr[dup[0]]->line);
		return -1;
	}
	snprintf(err, errlen, "out of memory");
	return -1;
}

struct excedit *
excedit_open(const struct excedit_opts *o, char *err, size_t errlen)
{
	struct excedit	*x;
	char		*real;

	if ((x = calloc(1, sizeof(*x))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	x->o = *o;
	x->tz = o->conf != NULL ? o->conf->tz : NULL;
	x->lockfd = -1;
	/* The day in the zone (where expiry days end), YYYY-MM-DD. */
	when_format(tz_day_of(x->tz, o->now) * 86400, WHEN_DATE, x->today,
	    sizeof(x->today));
	if (snprintf(x->name, sizeof(x->name), "%s", o->path) >=
	    (int)sizeof(x->name)) {
		snprintf(err, errlen, "%.64s...: path too long", o->path);
		goto fail;
	}
	/* Edit the file a symlink points to, and keep the symlink. */
	if ((real = realpath(o->path, NULL)) == NULL) {
		snprintf(err, errlen, "%s: %s", o->path, strerror(errno));
		goto fail;
	}
	if (strlen(real) >= sizeof(x->real)) {
		snprintf(err, errlen, "%.64s...: path too long", real);
		free(real);
		goto fail;
	}
	strcpy(x->real, real);
	free(real);
	if (o->lock && !o->late_lock && xe_lock(x, err, errlen) == -1)
		goto fail;
	if (xe_read(x, err, errlen) == -1)
		goto fail;
	xe_reindex(x);
	if (xe_dups(x, err, errlen) == -1)
		goto fail;
	xe_layout(x);
	return x;
fail:
	excedit_close(x);
	return NULL;
}

void
excedit_close(struct excedit *x)
{
	size_t	 i;

	if (x == NULL)
		return;
	for (i = 0; i < x->n; i++)
		xl_free(&x->l[i]);
	free(x->l);
	free(x->text);
	free(x->ent);
	free(x->pfx);
	free(x->ptr);
	lpm_free(&x->idx);
	free(x->orig);
	free(x->audit);
	xe_unlock(x);
	free(x);
}

/* ---- reading ---- */

const char *
excedit_path(const struct excedit *x)
{
	return x->name;
}

const char *
excedit_real(const struct excedit *x)
{
	return x->real;
}

/* The SHA-256 (exchash.c) of the list excedit_commit() wrote, or "". */
const char *
excedit_sha256(const struct excedit *x)
{
	return x->sha256;
}

/* Has the session something to write? */
bool
excedit_changed(const struct excedit *x)
{
	return x->changed;
}

size_t
excedit_count(const struct excedit *x)
{
	return x->nent;
}

void
excedit_get(const struct excedit *x, size_t k, struct excedit_info *info)
{
	size_t	 i = x->ent[k];

	info->e = x->l[i].e;
	xe_comment_of(x, i, info->comment, sizeof(info->comment),
	    &info->comment_line);
	xl_text(&x->l[i], info->text, sizeof(info->text));
}

/* Room for n more bytes in b; -1 when out of memory. */
static int
sb_room(struct sb *b, size_t n)
{
	char	*nb;
	size_t	 cap = b->cap;

	if (b->len + n < b->cap)
		return 0;
	while (cap <= b->len + n)
		cap *= 2;
	if ((nb = realloc(b->p, cap)) == NULL)
		return -1;
	b->p = nb;
	b->cap = cap;
	return 0;
}

/* "key":"value" (or null for ""), escaped as cJSON escapes strings. */
static void
sb_json(struct sb *b, const char *key, const char *v, bool last)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char	 c;

	b->len += (size_t)sprintf(b->p + b->len, "\"%s\":", key);
	if (v[0] == '\0') {
		memcpy(b->p + b->len, "null", 4);
		b->len += 4;
	} else {
		b->p[b->len++] = '"';
		for (; (c = (unsigned char)*v) != '\0'; v++) {
			if (c >= 0x20 && c != '"' && c != '\\') {
				b->p[b->len++] = (char)c;
				continue;
			}
			b->p[b->len++] = '\\';
			switch (c) {
			case '"': case '\\':	b->p[b->len++] = (char)c; break;
			case '\b':		b->p[b->len++] = 'b'; break;
			case '\f':		b->p[b->len++] = 'f'; break;
			case '\n':		b->p[b->len++] = 'n'; break;
			case '\r':		b->p[b->len++] = 'r'; break;
			case '\t':		b->p[b->len++] = 't'; break;
			default:
				memcpy(b->p + b->len, "u00", 3);
				b->p[b->len + 3] = hex[c >> 4];
				b->p[b->len + 4] = hex[c & 15];
				b->len += 5;
			}
		}
		b->p[b->len++] = '"';
	}
	b->p[b->len++] = last ? '}' : ',';
	b->p[b->len] = '\0';
}

/*
 * One entry as a JSON object on one line, appended to b: what
 * cJSON_PrintUnformatted writes for it, byte for byte, without building
 * a cJSON object for each of 100,000 entries.
 */
static int
xe_json_entry(const struct excedit *x, size_t k, struct sb *b)
{
	struct excedit_info	 in;
	char			 a[ADDR_STRLEN];

	excedit_get(x, k, &in);
	/* every byte escaped as \u00XX at worst, and the keys */
	if (sb_room(b, 6 * (strlen(in.comment) + 4 * EXC_TEXTLEN) + 256) ==
	    -1)
		return -1;
	addr_format(&in.e.pfx.addr, a, sizeof(a));
	b->len += (size_t)sprintf(b->p + b->len, "%s\n  {\"address\":\"%s\","
	    "\"prefix\":%u,\"direction\":\"%s\",", b->len > 1 ? "," : "", a,
	    in.e.pfx.len, exc_dir_name(in.e.dir));
	sb_json(b, "ticket", in.e.ticket, false);
	sb_json(b, "owner", in.e.owner, false);
	sb_json(b, "expires", in.e.expires, false);
	sb_json(b, "added", in.e.added, false);
	sb_json(b, "comment", in.comment, true);
	return 0;
}

/*
 * A JSON array of the entries (those with select[k] when select is not
 * NULL), one object per line.  malloc'd; NULL when out of memory.
 */
char *
excedit_json(const struct excedit *x, const bool *select)
{
	struct sb	 b = { NULL, 0, 0, false };
	size_t		 k;

	b.cap = 64;
	if ((b.p = malloc(b.cap)) == NULL)
		return NULL;
	xe_sb_add(&b, "[");
	for (k = 0; k < x->nent; k++) {
		if (select != NULL && !select[k])
			continue;
		if (xe_json_entry(x, k, &b) == -1) {
			free(b.p);
			return NULL;
		}
	}
	xe_sb_add(&b, "%s]\n", b.len > 1 ? "\n" : "");
	return b.p;
}
