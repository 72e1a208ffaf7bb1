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

#include "control/excedit.h"
#include "base/files.h"
#include "base/when.h"

#define LOCK_WAIT_MS	30000	/* then give up: someone holds it too long */
#define LINE_LEN	EXC_LINEMAX
#define DEF_COL1	20	/* layout of an empty file: the sample's */
#define DEF_COL2	10
#define NO_COMMENT	((size_t)-1)

enum { XL_BLANK, XL_COMMENT, XL_ENTRY };

struct xline {
	char		*s;		/* the line and its end, NUL-terminated */
	size_t		 len;
	size_t		 cpos;		/* its comment's '#', or NO_COMMENT */
	size_t		 first, last;	/* XL_ENTRY: its run of entry lines */
	uint8_t		 kind;
	bool		 fresh;		/* written by this session */
	bool		 owned;		/* s is malloc'd (else in x->text) */
	struct exc_entry e;		/* XL_ENTRY */
};

/*
 * Layout of the entry lines: the direction starts at column col1 (abs1)
 * or gap1 spaces after the address; the attributes col2 columns after the
 * direction's start (abs2) or gap2 spaces after it.  min1/min2: the
 * spaces used when a field does not fit its column.
 */
struct layout {
	bool		 abs1, abs2;
	int		 col1, col2, min1, min2;
};

struct excedit {
	struct excedit_opts o;
	const struct tz	*tz;			/* expires days end there */
	char		 name[MAX_PATH];	/* as given: messages */
	char		 real[MAX_PATH];	/* symlinks resolved */
	char		 today[11];
	int		 lockfd;
	struct stat	 st;
	char		*orig;			/* the file as read */
	size_t		 origlen;
	char		*text;			/* its lines, each NUL-ended */
	bool		 bom;			/* it starts with one: kept */
	struct xline	*l;
	size_t		 n, cap;
	size_t		*ent;			/* line index of each entry */
	size_t		 nent;
	struct prefix	*pfx;			/* entry k's, for idx */
	const struct exc_entry **ptr;		/* entry k, for the lint */
	struct lpm	 idx;			/* entry k by its prefix */
	bool		 idx_ok;
	struct layout	 lay;
	const char	*eol;
	bool		 changed;
	unsigned	 last_line;
	char		*audit;			/* pending JSON lines */
	size_t		 auditlen, auditcap;
	char		 sha256[SHA256_HEXLEN];	/* of the list written */
};

/* A validated entry, before it becomes a line. */
struct xnew {
	struct prefix	 pfx;
	enum exc_dir	 dir;
	char		 ticket[EXC_TEXTLEN];
	char		 owner[EXC_TEXTLEN];
	char		 expires[11];
	char		 added[11];
	char		 comment[EXCEDIT_COMMENTLEN];
};

/* ---- small helpers ---- */

static void __attribute__((format(printf, 3, 4)))
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

/* exc_lint's warnings, as excedit's. */
static void
xe_warn(void *arg, const char *text)
{
	const struct excedit	*x = arg;

	if (x->o.msg != NULL)
		x->o.msg(x->o.arg, EXCEDIT_WARN, text);
}

/* The date in the zone at now, YYYY-MM-DD. */
void
excedit_today(const struct tz *tz, int64_t now, char *buf, size_t len)
{
	int	 y, m, d;

	tz_civil_from_days(tz_day_of(tz, now), &y, &m, &d);
	snprintf(buf, len, "%04d-%02d-%02d", y, m, d);
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

/* Copy s[0..n) into out (cap bytes), invalid UTF-8 bytes as '?'. */
static void
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

/* The comment text of a line, after its '#', trimmed; "" if none. */
static void
xl_comment(const struct xline *l, char *out, size_t cap)
{
	const char	*p, *e;

	out[0] = '\0';
	if (l->cpos == NO_COMMENT)
		return;
	for (p = l->s + l->cpos + 1; *p == ' ' || *p == '\t'; p++)
		;
	for (e = l->s + l->len; e > p && isspace((unsigned char)e[-1]); e--)
		;
	utf8_clean(p, (size_t)(e - p), out, cap);
}

/* The line without its line end. */
static void
xl_text(const struct xline *l, char *out, size_t cap)
{
	size_t	 n = l->len;

	while (n > 0 && (l->s[n - 1] == '\n' || l->s[n - 1] == '\r'))
		n--;
	if (n >= cap)
		n = cap - 1;
	memcpy(out, l->s, n);
	out[n] = '\0';
}

static bool
xl_has_end(const struct xline *l)
{
	return l->len > 0 && l->s[l->len - 1] == '\n';
}

static int
pfx_cmp(const struct prefix *a, const struct prefix *b)
{
	if (a->addr.af != b->addr.af)
		return a->addr.af < b->addr.af ? -1 : 1;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return memcmp(a->addr.b, b->addr.b, 16);
}

static bool
pfx_equal(const struct prefix *a, const struct prefix *b)
{
	return pfx_cmp(a, b) == 0;
}

/* ---- the lines ---- */

/* After any change: the entries, their line numbers, their runs. */
static void
xe_reindex(struct excedit *x)
{
	size_t	 i, first = 0;

	x->nent = 0;
	x->idx_ok = false;
	for (i = 0; i < x->n; i++) {
		if (x->l[i].kind != XL_ENTRY)
			continue;
		x->l[i].e.line = (unsigned)(i + 1);
		x->ent[x->nent++] = i;
		if (i == 0 || x->l[i - 1].kind != XL_ENTRY)
			first = i;
		x->l[i].first = first;
	}
	for (i = x->n; i-- > 0;)
		if (x->l[i].kind == XL_ENTRY)
			x->l[i].last = i + 1 < x->n &&
			    x->l[i + 1].kind == XL_ENTRY ? x->l[i + 1].last : i;
}

static int
xe_grow(struct excedit *x, size_t want)
{
	struct xline	*nl;
	size_t		*ne, cap = x->cap ? x->cap : 64;

	if (want <= x->cap)
		return 0;
	while (cap < want)
		cap *= 2;
	if ((nl = reallocarray(x->l, cap, sizeof(*nl))) == NULL)
		return -1;
	x->l = nl;
	if ((ne = reallocarray(x->ent, cap, sizeof(*ne))) == NULL)
		return -1;
	x->ent = ne;
	x->cap = cap;
	return 0;
}

/* Classify line i; -1 with "file:line: message" for a bad one. */
static int
xe_parse(struct excedit *x, size_t i, char *err, size_t errlen)
{
	struct xline	*l = &x->l[i];
	char		 msg[ERRLEN] = "";
	const char	*p;

	if (memchr(l->s, '\0', l->len) != NULL) {
		snprintf(err, errlen, "%s:%zu: NUL byte in line", x->name, i + 1);
		return -1;
	}
	switch (exc_parse(l->s, x->tz, &l->e, &l->cpos, msg, sizeof(msg))) {
	case -1:
		snprintf(err, errlen, "%s:%zu: %s", x->name, i + 1, msg);
		return -1;
	case 1:
		if (exc_check_scope(x->o.conf, &l->e.pfx, msg,
		    sizeof(msg)) == -1) {
			snprintf(err, errlen, "%s:%zu: %s", x->name, i + 1,
			    msg);
			return -1;
		}
		l->kind = XL_ENTRY;
		l->e.line = (unsigned)(i + 1);
		break;
	default:
		for (p = l->s; *p == ' ' || *p == '\t' || *p == '\r'; p++)
			;
		l->kind = *p == '#' ? XL_COMMENT : XL_BLANK;
	}
	return 0;
}

static int
xe_insert(struct excedit *x, size_t at, const char *s, size_t len)
{
	char	*c;

	if (xe_grow(x, x->n + 1) == -1 || (c = malloc(len + 1)) == NULL)
		return -1;
	memcpy(c, s, len);
	c[len] = '\0';
	memmove(&x->l[at + 1], &x->l[at], (x->n - at) * sizeof(*x->l));
	memset(&x->l[at], 0, sizeof(*x->l));
	x->l[at].s = c;
	x->l[at].len = len;
	x->l[at].cpos = NO_COMMENT;
	x->l[at].owned = true;
	x->n++;
	x->idx_ok = false;
	return 0;
}

static void
xl_free(struct xline *l)
{
	if (l->owned)
		free(l->s);
}

static void
xe_delete(struct excedit *x, size_t at)
{
	xl_free(&x->l[at]);
	memmove(&x->l[at], &x->l[at + 1], (x->n - at - 1) * sizeof(*x->l));
	x->n--;
	x->idx_ok = false;
}

static int
xe_replace(struct excedit *x, size_t at, const char *s, size_t len)
{
	char	*c;

	if ((c = malloc(len + 1)) == NULL)
		return -1;
	memcpy(c, s, len);
	c[len] = '\0';
	xl_free(&x->l[at]);
	x->l[at].s = c;
	x->l[at].len = len;
	x->l[at].owned = true;
	x->idx_ok = false;
	return 0;
}

/*
 * The comment line heading the run of entry lines that line i is in
 * (*first..*last), or -1.  It must be directly above the run (no blank
 * line between) and be a one-line comment: the line above it is blank or
 * an entry, so it is neither part of a longer block nor the file's
 * header (a comment on the first line never heads entries).
 */
static ssize_t
xe_heading(const struct excedit *x, size_t i, size_t *first, size_t *last)
{
	size_t	 a = x->l[i].first;

	*first = a;
	*last = x->l[i].last;
	if (a < 2 || x->l[a - 1].kind != XL_COMMENT ||
	    x->l[a - 2].kind == XL_COMMENT)
		return -1;
	return (ssize_t)(a - 1);
}

/*
 * The comment line that is clearly the entry on line i's own, or -1: the
 * heading of a run of one entry.  A heading over several entries belongs
 * to the group; it goes when the group's last entry goes.
 */
static ssize_t
xe_attached(const struct excedit *x, size_t i)
{
	size_t	 a, b;
	ssize_t	 h = xe_heading(x, i, &a, &b);

	return a == b ? h : -1;
}

/* The entry on line i's comment; *own: the comment's own line or 0. */
static void
xe_comment_of(const struct excedit *x, size_t i, char *out, size_t cap,
    unsigned *own)
{
	ssize_t	 c;

	*own = 0;
	xl_comment(&x->l[i], out, cap);
	if (out[0] != '\0')
		return;
	if ((c = xe_attached(x, i)) != -1) {
		xl_comment(&x->l[c], out, cap);
		*own = (unsigned)c + 1;
	}
}

/* Is the entry on line i in a group headed by a comment line? */
static bool
xe_in_group(const struct excedit *x, size_t i)
{
	size_t	 a = x->l[i].first;

	return a > 0 && x->l[a - 1].kind == XL_COMMENT;
}

/* The entries as one array, and a table of them by prefix. */
static int
xe_index(struct excedit *x, size_t dup[2])
{
	struct prefix		 *v;
	const struct exc_entry	**p;
	int			  r;

	if (x->idx_ok)
		return 0;
	lpm_free(&x->idx);
	if ((v = reallocarray(x->pfx, x->nent ? x->nent : 1,
	    sizeof(*v))) == NULL)
		return -1;
	x->pfx = v;
	if ((p = reallocarray(x->ptr, x->nent ? x->nent : 1,
	    sizeof(*p))) == NULL)
		return -1;
	x->ptr = p;
	for (size_t k = 0; k < x->nent; k++) {
		p[k] = &x->l[x->ent[k]].e;
		v[k] = p[k]->pfx;
	}
	if ((r = lpm_build(&x->idx, v, x->nent, sizeof(*v), dup)) == 0)
		x->idx_ok = true;
	return r;
}

/* Entry k whose prefix is p, or -1 (-2: out of memory). */
static ssize_t
xe_find(struct excedit *x, const struct prefix *p)
{
	size_t	 dup[2];

	if (xe_index(x, dup) != 0)
		return -2;
	return (ssize_t)lpm_exact(&x->idx, p);
}

/* ---- layout ---- */

/* Start column (tabs every 8) and length of the first 3 fields. */
static int
xl_fields(const struct xline *l, int col[3], int len[3])
{
	int		 c = 0, n = 0;
	const char	*p = l->s, *q, *end;

	end = l->s + (l->cpos != NO_COMMENT ? l->cpos : l->len);
	while (p < end && *p != '\n' && n < 3) {
		if (*p == '\t') {
			c = (c / 8 + 1) * 8;
			p++;
		} else if (isspace((unsigned char)*p)) {
			c++;
			p++;
		} else {
			col[n] = c;
			for (q = p; p < end && !isspace((unsigned char)*p); p++)
				c++;
			len[n++] = (int)(p - q);
		}
	}
	return n;
}

static int
argmax(const unsigned *h, int n)
{
	int	 i, m = 0;

	for (i = 1; i < n; i++)
		if (h[i] > h[m])
			m = i;
	return m;
}

/*
 * Follow the existing lines: a column most lines align to, or the gap
 * most lines use, whichever more lines agree on.
 */
static void
xe_layout(struct excedit *x)
{
	unsigned	 c1[256] = { 0 }, g1[256] = { 0 };
	unsigned	 c2[256] = { 0 }, g2[256] = { 0 };
	int		 col[3], len[3], k, a, b, min1 = 2, min2 = 2;
	size_t		 i, n1 = 0, n2 = 0;
	struct layout	*y = &x->lay;

	y->abs1 = y->abs2 = true;
	y->col1 = DEF_COL1;
	y->col2 = DEF_COL2;
	for (i = 0; i < x->n; i++) {
		if (x->l[i].kind != XL_ENTRY)
			continue;
		k = xl_fields(&x->l[i], col, len);
		if (k < 2 || col[0] != 0 || col[1] >= 256)
			continue;
		c1[col[1]]++;
		g1[col[1] - len[0]]++;
		if (col[1] - len[0] < min1)
			min1 = col[1] - len[0];
		n1++;
		if (k < 3 || col[2] - col[1] >= 256)
			continue;
		c2[col[2] - col[1]]++;
		g2[col[2] - col[1] - len[1]]++;
		if (col[2] - col[1] - len[1] < min2)
			min2 = col[2] - col[1] - len[1];
		n2++;
	}
	y->min1 = min1;
	y->min2 = min2;
	if (n1 > 0) {
		a = argmax(c1, 256);
		b = argmax(g1, 256);
		y->abs1 = c1[a] >= g1[b];
		y->col1 = y->abs1 ? a : b;
	}
	if (n2 > 0) {
		a = argmax(c2, 256);
		b = argmax(g2, 256);
		y->abs2 = c2[a] >= g2[b];
		y->col2 = y->abs2 ? a : b;
	} else if (n1 > 0) {
		/* no line has attributes: space them as the direction */
		y->abs2 = false;
		y->col2 = y->min2 = min1;
	}
}

struct sb {
	char	*p;
	size_t	 len, cap;
	bool	 over;
};

static void __attribute__((format(printf, 2, 3)))
sb_add(struct sb *b, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= b->cap - b->len) {
		b->over = true;
		b->len = b->cap - 1;
	} else
		b->len += (size_t)n;
}

static void
sb_pad(struct sb *b, int used, bool abs, int col, int min)
{
	int	 n = abs ? col - used : col;

	if (n < 1)
		n = min < 1 ? 1 : min;
	sb_add(b, "%*s", n, "");
}

/* The entry's line, in the file's layout, with the file's line end. */
static int
xe_format(const struct excedit *x, const struct xnew *e, char *out,
    size_t cap)
{
	struct sb	 b = { out, 0, cap, false };
	char		 a[PREFIX_STRLEN];
	const char	*d = exc_dir_name(e->dir);

	host_format(&e->pfx, a, sizeof(a));
	sb_add(&b, "%s", a);
	sb_pad(&b, (int)strlen(a), x->lay.abs1, x->lay.col1, x->lay.min1);
	sb_add(&b, "%s", d);
	sb_pad(&b, (int)strlen(d), x->lay.abs2, x->lay.col2, x->lay.min2);
	if (e->ticket[0])
		sb_add(&b, "ticket=%s ", e->ticket);
	if (e->owner[0])
		sb_add(&b, "owner=%s ", e->owner);
	if (e->expires[0])
		sb_add(&b, "expires=%s ", e->expires);
	if (e->added[0])
		sb_add(&b, "added=%s ", e->added);
	while (b.len > 0 && out[b.len - 1] == ' ')
		out[--b.len] = '\0';
	if (e->comment[0])
		sb_add(&b, "  # %s", e->comment);
	sb_add(&b, "%s", x->eol);
	if (b.over || b.len >= LINE_LEN)
		return -1;
	return 0;
}

/* ---- open, close ---- */

static int
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

static void
xe_unlock(struct excedit *x)
{
	if (x->lockfd != -1)
		close(x->lockfd);	/* releases the flock */
	x->lockfd = -1;
}

/* The whole of fd into *buf (malloc'd, NUL-terminated); -1 with errno. */
static int
read_fd(int fd, char **buf, size_t *len)
{
	char	*nb;
	size_t	 cap = 0;
	ssize_t	 r;

	*buf = NULL;
	*len = 0;
	for (;;) {
		if (*len + 1 >= cap) {
			cap = cap ? cap * 2 : 65536;
			if ((nb = realloc(*buf, cap)) == NULL) {
				free(*buf);
				*buf = NULL;
				errno = ENOMEM;
				return -1;
			}
			*buf = nb;
		}
		if ((r = read(fd, *buf + *len, cap - *len - 1)) == -1) {
			if (errno == EINTR)
				continue;
			free(*buf);
			*buf = NULL;
			return -1;
		}
		if (r == 0)
			break;
		*len += (size_t)r;
	}
	(*buf)[*len] = '\0';
	return 0;
}

static int
xe_read(struct excedit *x, char *err, size_t errlen)
{
	int		 fd;
	char		*p, *e, *buf, *end, *t;
	size_t		 nl;

	if ((fd = open(x->real, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &x->st) == -1 || read_fd(fd, &x->orig, &x->origlen) ==
	    -1) {
		snprintf(err, errlen, "%s: %s", x->name, strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	close(fd);
	buf = x->orig;
	end = buf + x->origlen;
	x->eol = "\n";
	if (exc_bom(buf, x->origlen) > 0) {
		x->bom = true;
		buf += 3;
	}
	/* The lines, each with a NUL after it, in one block. */
	for (p = buf, nl = 0; p < end && (p = memchr(p, '\n',
	    (size_t)(end - p))) != NULL; p++)
		nl++;
	if ((x->text = malloc(x->origlen + nl + 2)) == NULL ||
	    xe_grow(x, nl + 2) == -1) {
		snprintf(err, errlen, "%s: out of memory", x->name);
		return -1;
	}
	for (p = buf, t = x->text; p < end; p = e) {
		if ((e = memchr(p, '\n', (size_t)(end - p))) != NULL)
			e++;
		else
			e = end;
		if (x->n == 0 && e - p >= 2 && e[-1] == '\n' && e[-2] == '\r')
			x->eol = "\r\n";
		memcpy(t, p, (size_t)(e - p));
		t[e - p] = '\0';
		memset(&x->l[x->n], 0, sizeof(x->l[x->n]));
		x->l[x->n].s = t;
		x->l[x->n].len = (size_t)(e - p);
		t += e - p + 1;
		if (xe_parse(x, x->n++, err, errlen) == -1)
			return -1;
	}
	return 0;
}

/*
 * excedit_commit with a late lock: is the file still what was read?
 * 1 yes, 0 no, -1 with err.
 */
static int
xe_unchanged(struct excedit *x, char *err, size_t errlen)
{
	char	*buf;
	size_t	 len;
	int	 fd, same;

	if ((fd = open(x->real, O_RDONLY | O_CLOEXEC)) == -1 ||
	    read_fd(fd, &buf, &len) == -1) {
		snprintf(err, errlen, "%s: %s", x->name, strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	close(fd);
	same = len == x->origlen && memcmp(buf, x->orig, len) == 0;
	free(buf);
	return same;
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
	excedit_today(x->tz, o->now, x->today, sizeof(x->today));
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
	sb_add(&b, "[");
	for (k = 0; k < x->nent; k++) {
		if (select != NULL && !select[k])
			continue;
		if (xe_json_entry(x, k, &b) == -1) {
			free(b.p);
			return NULL;
		}
	}
	sb_add(&b, "%s]\n", b.len > 1 ? "\n" : "");
	return b.p;
}

/* ---- warnings on what this session wrote ---- */

/*
 * Every fresh entry outside internal-networks, the same as one, mapped,
 * and every overlap with another direction that a fresh entry makes: the
 * warnings of exc_lint, less the expiry ones (an edit sets them on
 * purpose).
 */
static void
xe_warn_fresh(struct excedit *x)
{
	bool	*only, net = false;
	size_t	 k, dup[2];

	for (k = 0; k < x->nent; k++)
		if (x->l[x->ent[k]].fresh)
			exc_lint_entry(x->o.conf, &x->l[x->ent[k]].e, x->name,
			    x->o.now, 0, xe_warn, x);
	if (xe_index(x, dup) != 0 ||
	    (only = calloc(x->nent + 1, sizeof(*only))) == NULL)
		return;
	for (k = 0; k < x->nent; k++) {
		const struct prefix	*p = &x->l[x->ent[k]].e.pfx;

		if ((only[k] = x->l[x->ent[k]].fresh) &&
		    p->len < (p->addr.af == 4 ? 32 : 128))
			net = true;
	}
	/*
	 * A fresh host can only be inside another entry: those are all the
	 * pairs.  A fresh network may be around any entry: every entry.
	 */
	if (net)
		exc_lint_overlaps(x->ptr, x->nent, &x->idx, x->name, x->o.now,
		    only, xe_warn, x);
	else {
		const struct exc_entry	**v;
		size_t			  nf = 0;

		if ((v = malloc((x->nent + 1) * sizeof(*v))) != NULL) {
			for (k = 0; k < x->nent; k++)
				if (only[k])
					v[nf++] = x->ptr[k];
			exc_lint_overlaps_of(v, nf, x->ptr, &x->idx, x->name,
			    x->o.now, xe_warn, x);
			free(v);
		}
	}
	free(only);
}

/* ---- validation ---- */

static const char *
xv_or(const char *s)
{
	return s != NULL ? s : "";
}

static int
xv_comment(const char *v, char *out, char *err, size_t errlen)
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
	if (len > EXCEDIT_COMMENTMAX) {
		snprintf(err, errlen, "comment is too long (%zu bytes, at most "
		    "%d)", len, EXCEDIT_COMMENTMAX);
		return -1;
	}
	/* It follows the attributes: a word in it must not read as one. */
	for (w = v; w < v + len; w += n) {
		while (w < v + len && (*w == ' ' || *w == '\t' || *w == '#'))
			w++;
		n = strcspn(w, " \t");
		if (n > (size_t)(v + len - w))
			n = (size_t)(v + len - w);
		if ((strncmp(w, "ticket=", 7) == 0 || strncmp(w, "owner=",
		    6) == 0 || strncmp(w, "expires=", 8) == 0 ||
		    strncmp(w, "added=", 6) == 0)) {
			snprintf(err, errlen, "comment holds '%.*s', which "
			    "reads as an attribute that nfqd would not read "
			    "there: give it as an option, or reword the "
			    "comment", (int)(n > 60 ? 60 : n), w);
			return -1;
		}
	}
	memcpy(out, v, len);
	out[len] = '\0';
	return 0;
}

/* What entry line i says, as an xnew. */
static void
xe_old(const struct excedit *x, size_t i, struct xnew *o)
{
	const struct exc_entry	*e = &x->l[i].e;
	unsigned		 own;

	memset(o, 0, sizeof(*o));
	o->pfx = e->pfx;
	o->dir = e->dir;
	memcpy(o->ticket, e->ticket, sizeof(o->ticket));
	memcpy(o->owner, e->owner, sizeof(o->owner));
	memcpy(o->expires, e->expires, sizeof(o->expires));
	memcpy(o->added, e->added, sizeof(o->added));
	xe_comment_of(x, i, o->comment, sizeof(o->comment), &own);
}

/* A ticket or owner as an edit gives it: required, then exc_check_text. */
static int
xv_text(const char *key, const char *v, char *out, char *err, size_t errlen)
{
	if (v[0] == '\0') {
		snprintf(err, errlen, "%s is required", key);
		return -1;
	}
	return exc_check_text(key, v, out, err, errlen);
}

/*
 * Validate r into n.  With `old` (an import or set changing an entry), a
 * field equal to the old entry's is taken as it is: an entry that is
 * already expired, or has no owner, can keep that.
 */
static int
xe_check(const struct excedit *x, const struct excedit_req *r,
    const struct xnew *old, struct xnew *n, char *err, size_t errlen)
{
	const char	*v;
	int64_t		 day, now = x->o.now;

	memset(n, 0, sizeof(*n));
	if (r->address == NULL || r->address[0] == '\0') {
		snprintf(err, errlen, "address is required");
		return -1;
	}
	if (prefix_parse(r->address, &n->pfx, err, errlen) == -1 ||
	    exc_check_scope(x->o.conf, &n->pfx, err, errlen) == -1)
		return -1;
	v = xv_or(r->direction);
	if (v[0] == '\0') {
		snprintf(err, errlen, "direction is required (inbound, "
		    "outbound or both)");
		return -1;
	}
	if (exc_check_dir(v, &n->dir, err, errlen) == -1)
		return -1;

	v = xv_or(r->ticket);
	if (old != NULL && strcmp(v, old->ticket) == 0)
		memcpy(n->ticket, old->ticket, sizeof(n->ticket));
	else if (xv_text("ticket", v, n->ticket, err, errlen) == -1)
		return -1;
	v = xv_or(r->owner);
	if (old != NULL && strcmp(v, old->owner) == 0)
		memcpy(n->owner, old->owner, sizeof(n->owner));
	else if (xv_text("owner", v, n->owner, err, errlen) == -1)
		return -1;

	v = xv_or(r->expires);
	if (old != NULL && strcmp(v, old->expires) == 0)
		memcpy(n->expires, old->expires, sizeof(n->expires));
	else if (v[0] != '\0') {
		if (exc_check_date("expires", v, n->expires, &day, err,
		    errlen) == -1)
			return -1;
		if (exc_expires_at(x->tz, day) <= now) {
			snprintf(err, errlen, "expires %s is in the past "
			    "(today is %s in %s)", v, x->today,
			    tz_name(x->tz));
			return -1;
		}
	}

	v = xv_or(r->added);
	if (v[0] == '\0')		/* kept as it was; a new entry's is today */
		memcpy(n->added, old != NULL ? old->added : x->today,
		    sizeof(n->added));
	else if (old != NULL && strcmp(v, old->added) == 0)
		memcpy(n->added, old->added, sizeof(n->added));
	else {
		if (exc_check_date("added", v, n->added, &day, err,
		    errlen) == -1)
			return -1;
		if (day > tz_day_of(x->tz, now)) {
			snprintf(err, errlen, "added %s is in the future "
			    "(today is %s in %s)", v, x->today,
			    tz_name(x->tz));
			return -1;
		}
	}

	v = xv_or(r->comment);
	if (old != NULL && strcmp(v, old->comment) == 0)
		memcpy(n->comment, old->comment, sizeof(n->comment));
	else if (xv_comment(v, n->comment, err, errlen) == -1)
		return -1;
	return 0;
}

/* The entry line of n, parsed back by the daemon's parser. */
static int
xe_line(const struct excedit *x, const struct xnew *n, char *line,
    size_t cap, struct exc_entry *e, char *err, size_t errlen)
{
	char	 msg[ERRLEN] = "";

	if (xe_format(x, n, line, cap) == -1) {
		snprintf(err, errlen, "entry line too long");
		return -1;
	}
	if (exc_parse_line(line, x->tz, e, msg, sizeof(msg)) != 1 ||
	    !pfx_equal(&e->pfx, &n->pfx) || e->dir != n->dir ||
	    strcmp(e->ticket, n->ticket) != 0 ||
	    strcmp(e->owner, n->owner) != 0 ||
	    strcmp(e->expires, n->expires) != 0) {
		snprintf(err, errlen, "internal error: the new line does not "
		    "parse back: %s", msg);
		return -1;
	}
	return 0;
}

/* ---- the audit log ---- */

static int
xe_audit(struct excedit *x, const char *what, const char *change,
    const char *entry, const char *was, const char *ticket)
{
	cJSON	*o;
	char	 when[32], *s, *nb;
	size_t	 len, cap;

	if (x->o.audit == NULL)
		return 0;
	when_format(x->o.now, WHEN_ISO, when, sizeof(when));
	if ((o = cJSON_CreateObject()) == NULL)
		return -1;
	cJSON_AddStringToObject(o, "when", when);
	cJSON_AddStringToObject(o, "who", xv_or(x->o.who));
	cJSON_AddStringToObject(o, "what", what);
	if (change != NULL)
		cJSON_AddStringToObject(o, "change", change);
	cJSON_AddStringToObject(o, "entry", entry);
	if (was != NULL)
		cJSON_AddStringToObject(o, "was", was);
	if (ticket != NULL && ticket[0] != '\0')
		cJSON_AddStringToObject(o, "ticket", ticket);
	else
		cJSON_AddNullToObject(o, "ticket");
	cJSON_AddStringToObject(o, "file", x->real);
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (s == NULL)
		return -1;
	len = strlen(s);
	if (x->auditlen + len + 2 > x->auditcap) {
		for (cap = x->auditcap ? x->auditcap : 4096;
		    cap < x->auditlen + len + 2; cap *= 2)
			;
		if ((nb = realloc(x->audit, cap)) == NULL) {
			cJSON_free(s);
			return -1;
		}
		x->audit = nb;
		x->auditcap = cap;
	}
	memcpy(x->audit + x->auditlen, s, len);
	x->audit[x->auditlen + len] = '\n';
	x->auditlen += len + 1;
	cJSON_free(s);
	return 0;
}

/* ---- add ---- */

/* Give line i a line end if it has none. */
static int
xe_terminate(struct excedit *x, size_t i)
{
	char	 buf[LINE_LEN + 8];
	size_t	 el = strlen(x->eol);

	if (i >= x->n || xl_has_end(&x->l[i]))
		return 0;
	if (x->l[i].len + el >= sizeof(buf))
		return -1;
	memcpy(buf, x->l[i].s, x->l[i].len);
	memcpy(buf + x->l[i].len, x->eol, el);
	return xe_replace(x, i, buf, x->l[i].len + el);
}

/* Take line i's line end away (the file's last line had none). */
static void
xe_unterminate(struct excedit *x, size_t i)
{
	struct xline	*l = &x->l[i];

	if (l->len > 0 && l->s[l->len - 1] == '\n')
		l->len--;
	if (l->len > 0 && l->s[l->len - 1] == '\r')
		l->len--;
	l->s[l->len] = '\0';
}

/*
 * Append the entries n[0..count) at the end of the file.  After an entry
 * under a comment heading, a blank line first: the new entries are not
 * part of that group, and the comment stays the old entry's own.  A file
 * without a line end after its last line keeps that: the new last line
 * has none (so that removing it restores the file).
 */
static int
xe_append(struct excedit *x, const struct xnew *n, size_t count, char *err,
    size_t errlen)
{
	char			 line[LINE_LEN];
	struct exc_entry	 e;
	size_t			 at = x->n, i, content;
	bool			 noend = at > 0 && !xl_has_end(&x->l[at - 1]);

	if (count == 0)
		return 0;
	if (at > 0 && xe_terminate(x, at - 1) == -1)
		goto oom;
	if (at > 0 && x->l[at - 1].kind == XL_ENTRY &&
	    xe_in_group(x, at - 1)) {
		if (xe_insert(x, at, x->eol, strlen(x->eol)) == -1)
			goto oom;
		x->l[at++].kind = XL_BLANK;
	}
	for (i = 0; i < count; i++, at++) {
		if (xe_line(x, &n[i], line, sizeof(line), &e, err, errlen) ==
		    -1)
			return -1;
		if (xe_insert(x, at, line, strlen(line)) == -1)
			goto oom;
		x->l[at].kind = XL_ENTRY;
		x->l[at].e = e;
		x->l[at].fresh = true;
		(void)line_scan(x->l[at].s, &content, &x->l[at].cpos, line,
		    sizeof(line));
	}
	if (noend)
		xe_unterminate(x, at - 1);
	xe_reindex(x);
	x->last_line = (unsigned)at;
	x->changed = true;
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
	return -1;
}

int
excedit_add(struct excedit *x, const struct excedit_req *r, char *err,
    size_t errlen)
{
	struct xnew	 n;
	ssize_t		 k;
	char		 a[PREFIX_STRLEN], text[LINE_LEN];

	if (xe_check(x, r, NULL, &n, err, errlen) == -1)
		return -1;
	if ((k = xe_find(x, &n.pfx)) == -2) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (k >= 0) {
		host_format(&n.pfx, a, sizeof(a));
		snprintf(err, errlen, "%s is already listed (%s:%u); change it "
		    "with nfqctl exception set %s", a, x->name,
		    x->l[x->ent[k]].e.line, a);
		return -1;
	}
	if (xe_append(x, &n, 1, err, errlen) == -1)
		return -1;
	xl_text(&x->l[x->last_line - 1], text, sizeof(text));
	if (xe_audit(x, "add", NULL, text, NULL, n.ticket) == -1) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	xe_msg(x, EXCEDIT_INFO, "%s:%u: added %s", x->name, x->last_line,
	    text);
	xe_warn_fresh(x);
	return 0;
}

/* ---- remove ---- */

static bool
xl_blank_line(const struct xline *l)
{
	return (l->len == 1 && l->s[0] == '\n') ||
	    (l->len == 2 && l->s[0] == '\r' && l->s[1] == '\n');
}

/*
 * Delete entry line i, and its own comment line.  At the end of the file,
 * undo what xe_append does: the blank line it puts after a group, the
 * missing line end it keeps.
 */
static void
xe_drop(struct excedit *x, size_t i)
{
	ssize_t	 c = xe_attached(x, i);
	char	 text[LINE_LEN];
	bool	 last = i + 1 == x->n, noend = !xl_has_end(&x->l[i]);

	xl_text(&x->l[i], text, sizeof(text));
	xe_msg(x, EXCEDIT_INFO, "%s:%zu: removed %s", x->name, i + 1, text);
	xe_delete(x, i);
	if (c != -1) {
		xl_text(&x->l[c], text, sizeof(text));
		xe_msg(x, EXCEDIT_INFO, "%s:%zd: removed its comment %s",
		    x->name, c + 1, text);
		xe_delete(x, (size_t)c);
	}
	xe_reindex(x);
	if (last && x->n >= 2 && xl_blank_line(&x->l[x->n - 1]) &&
	    x->l[x->n - 2].kind == XL_ENTRY && xe_in_group(x, x->n - 2)) {
		xe_delete(x, x->n - 1);
		xe_reindex(x);
	}
	if (last && noend && x->n > 0)
		xe_unterminate(x, x->n - 1);
	x->changed = true;
}

/* "X is not in FILE", and the entry that covers it, if one does. */
static void
xe_not_listed(struct excedit *x, const struct prefix *p, char *err,
    size_t errlen)
{
	const struct exc_entry	*e = NULL, *c;
	char			 a[PREFIX_STRLEN], b[PREFIX_STRLEN];

	host_format(p, a, sizeof(a));
	for (size_t j = 0; j < x->nent; j++) {
		c = &x->l[x->ent[j]].e;
		if (c->pfx.len < p->len && prefix_contains(&c->pfx, &p->addr) &&
		    (e == NULL || c->pfx.len > e->pfx.len))
			e = c;
	}
	if (e != NULL) {
		host_format(&e->pfx, b, sizeof(b));
		snprintf(err, errlen, "%s is not in %s (it is inside %s, line "
		    "%u, which stays)", a, x->name, b, e->line);
	} else
		snprintf(err, errlen, "%s is not in %s", a, x->name);
}

int
excedit_remove(struct excedit *x, const char *addr, const char *ticket,
    char *err, size_t errlen)
{
	struct prefix	 p;
	ssize_t		 k;
	size_t		 i;
	char		 t[EXC_TEXTLEN], text[LINE_LEN];

	if (prefix_parse(addr, &p, err, errlen) == -1)
		return -1;
	if (ticket != NULL && ticket[0] != '\0' &&
	    exc_check_text("ticket", ticket, t, err, errlen) == -1)
		return -1;
	if ((k = xe_find(x, &p)) == -2) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (k == -1) {
		xe_not_listed(x, &p, err, errlen);
		return -1;
	}
	i = x->ent[k];
	xl_text(&x->l[i], text, sizeof(text));
	if (xe_audit(x, "remove", NULL, text, NULL, ticket != NULL &&
	    ticket[0] != '\0' ? ticket : x->l[i].e.ticket) == -1) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	x->last_line = (unsigned)i + 1;
	xe_drop(x, i);
	return 0;
}

/* ---- change in place: set, import ---- */

/*
 * The lines of a change, decided on the file as it is: each is kept,
 * deleted or replaced.
 */
struct xplan {
	bool		 del;
	char		*rep;		/* malloc'd new text, with its end */
};

static int
plan_rep(struct xplan *pl, const char *s)
{
	free(pl->rep);
	return (pl->rep = strdup(s)) == NULL ? -1 : 0;
}

/*
 * Entry line i becomes n; its comment changes where it is; a line that
 * had no line end (the file's last) keeps having none.  The audit record
 * says `what` ("set", "import").
 */
static int
xe_change(struct excedit *x, size_t i, const struct xnew *n,
    struct xplan *plan, const char *what, char *err, size_t errlen)
{
	struct xnew		 w = *n;
	char			 line[LINE_LEN], was[LINE_LEN];
	char			 old[EXCEDIT_COMMENTLEN];
	struct exc_entry	 e;
	unsigned		 own;

	xl_text(&x->l[i], was, sizeof(was));
	xe_comment_of(x, i, old, sizeof(old), &own);
	if (own != 0) {
		/* The comment has a line of its own: change it there. */
		w.comment[0] = '\0';
		if (n->comment[0] == '\0')
			plan[own - 1].del = true;
		else if (strcmp(n->comment, old) != 0) {
			snprintf(line, sizeof(line), "# %s%s", n->comment,
			    x->eol);
			if (plan_rep(&plan[own - 1], line) == -1)
				goto oom;
		}
	}
	if (xe_line(x, &w, line, sizeof(line), &e, err, errlen) == -1)
		return -1;
	if (!xl_has_end(&x->l[i]))
		line[strcspn(line, "\r\n")] = '\0';
	if (plan_rep(&plan[i], line) == -1)
		goto oom;
	line[strcspn(line, "\r\n")] = '\0';
	xe_msg(x, EXCEDIT_INFO, "%s:%zu: changed %s", x->name, i + 1, line);
	if (xe_audit(x, what, "change", line, was, n->ticket) == -1)
		goto oom;
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
	return -1;
}

/* Apply a plan in one pass: deletions, replacements, then reindex. */
static int
xe_apply(struct excedit *x, struct xplan *plan, size_t nplan, char *err,
    size_t errlen)
{
	size_t	 j, o = 0;
	int	 rc = 0;

	for (j = 0; j < x->n; j++) {
		if (j < nplan && plan[j].del) {
			xl_free(&x->l[j]);
			x->changed = true;
			continue;
		}
		x->l[o] = x->l[j];
		if (j < nplan && plan[j].rep != NULL) {
			xl_free(&x->l[o]);
			x->l[o].s = plan[j].rep;
			x->l[o].len = strlen(plan[j].rep);
			x->l[o].owned = true;
			plan[j].rep = NULL;
			x->changed = true;
			/* Lines made by xe_line parse; a failure is a bug. */
			if (xe_parse(x, o, err, errlen) == -1)
				rc = -1;
			x->l[o].fresh = x->l[o].kind == XL_ENTRY;
		}
		o++;
	}
	x->n = o;
	xe_reindex(x);
	return rc;
}

static void
plan_free(struct xplan *plan, size_t n)
{
	for (size_t j = 0; plan != NULL && j < n; j++)
		free(plan[j].rep);
	free(plan);
}

/*
 * nfqctl exception set: change the entry whose prefix is r->address in
 * place, one line (two when its comment has a line of its own).  A NULL
 * field stays as it is; expires "never" takes the expiry away.
 */
int
excedit_set(struct excedit *x, const struct excedit_req *r, char *err,
    size_t errlen)
{
	struct excedit_req	 q;
	struct xnew		 old, n;
	struct xplan		*plan;
	struct prefix		 p;
	ssize_t			 k;
	size_t			 i, nplan;
	char			 a[PREFIX_STRLEN];
	int			 rc;

	if (prefix_parse(xv_or(r->address), &p, err, errlen) == -1)
		return -1;
	if ((k = xe_find(x, &p)) == -2) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (k == -1) {
		xe_not_listed(x, &p, err, errlen);
		host_format(&p, a, sizeof(a));
		snprintf(err + strlen(err), errlen - strlen(err), "; add it "
		    "with nfqctl exception add %s", a);
		return -1;
	}
	i = x->ent[k];
	xe_old(x, i, &old);
	memset(&q, 0, sizeof(q));
	q.address = r->address;
	q.direction = r->direction != NULL ? r->direction :
	    exc_dir_name(old.dir);
	q.ticket = r->ticket != NULL ? r->ticket : old.ticket;
	q.owner = r->owner != NULL ? r->owner : old.owner;
	q.expires = r->expires == NULL ? old.expires :
	    strcmp(r->expires, "never") == 0 ? "" : r->expires;
	q.added = old.added;
	q.comment = r->comment != NULL ? r->comment : old.comment;
	if (xe_check(x, &q, &old, &n, err, errlen) == -1)
		return -1;
	n.pfx = old.pfx;		/* as the file writes it */
	if (n.dir == old.dir && strcmp(n.ticket, old.ticket) == 0 &&
	    strcmp(n.owner, old.owner) == 0 &&
	    strcmp(n.expires, old.expires) == 0 &&
	    strcmp(n.comment, old.comment) == 0)
		return 0;		/* nothing to change */
	nplan = x->n;
	if ((plan = calloc(nplan, sizeof(*plan))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if ((rc = xe_change(x, i, &n, plan, "set", err, errlen)) == 0)
		rc = xe_apply(x, plan, nplan, err, errlen);
	plan_free(plan, nplan);
	if (rc == -1)
		return -1;
	x->last_line = (unsigned)i + 1;
	xe_warn_fresh(x);
	return 0;
}

/* ---- import ---- */

struct ximp {
	struct excedit_req r;
	char		 addr[80];
	struct prefix	 pfx;
	bool		 ok;		/* address parsed */
	ssize_t		 old;		/* line index of the same prefix */
	bool		 same;		/* nothing to change */
	struct xnew	*n;		/* what it becomes, when it changes */
	int		 pos;		/* 1-based, in the JSON array */
};

static const char *const imp_keys[] = {
	"address", "prefix", "direction", "ticket", "owner", "expires",
	"added", "comment",
};
#define NIMP_KEYS	(sizeof(imp_keys) / sizeof(imp_keys[0]))
#define IMP_ADDRESS	0
#define IMP_PREFIX	1

/*
 * The parse of an import: a million small nodes for 100,000 entries,
 * allocated from chunks and let go all at once (cJSON's hooks, set for
 * the parse alone: nfqctl is one thread, and the daemon never imports).
 * A tree parsed here is never given to cJSON_Delete.
 */
struct arena {
	char		*chunk;
	size_t		 used, size;
	char		*chunks;	/* all of them, linked by their head */
};
static struct arena	 arena;

static void *
arena_alloc(size_t n)
{
	size_t	 size;
	char	*c;

	n = (n + 15) & ~(size_t)15;
	if (arena.chunk == NULL || arena.used + n > arena.size) {
		size = n + 16 > (1u << 20) ? n + 16 : (1u << 20);
		if ((c = malloc(size)) == NULL)
			return NULL;
		*(char **)c = arena.chunks;
		arena.chunks = c;
		arena.chunk = c;
		arena.size = size;
		arena.used = 16;
	}
	arena.used += n;
	return arena.chunk + arena.used - n;
}

static void
arena_free_one(void *p)
{
	(void)p;		/* all at once, in arena_drop() */
}

static void
arena_drop(void)
{
	char	*c, *next;

	for (c = arena.chunks; c != NULL; c = next) {
		next = *(char **)c;
		free(c);
	}
	memset(&arena, 0, sizeof(arena));
}

static cJSON *
arena_parse(const char *text, size_t len, const char **end)
{
	cJSON_Hooks	 h = { arena_alloc, arena_free_one };
	cJSON		*root;

	cJSON_InitHooks(&h);
	root = cJSON_ParseWithLengthOpts(text, len, end, false);
	cJSON_InitHooks(NULL);
	return root;
}

/* Line and column of byte off in text, for a JSON syntax error. */
static void
json_where(const char *text, size_t len, size_t off, unsigned *line,
    unsigned *col)
{
	size_t	 i;

	*line = 1;
	*col = 1;
	for (i = 0; i < off && i < len; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*col = 1;
		} else
			(*col)++;
	}
}

/* One array element into m; a problem message on -1. */
static int
imp_entry(const cJSON *o, struct ximp *m, char *err, size_t errlen)
{
	const cJSON	*c, *v[NIMP_KEYS] = { NULL };
	const char	*s[NIMP_KEYS] = { NULL }, *addr, *slash;
	size_t		 i;
	double		 pl;

	if (!cJSON_IsObject(o)) {
		snprintf(err, errlen, "not an object");
		return -1;
	}
	/* One pass over the members: each known, each once. */
	for (c = o->child; c != NULL; c = c->next) {
		for (i = 0; i < NIMP_KEYS; i++)
			if (strcmp(c->string, imp_keys[i]) == 0)
				break;
		if (i == NIMP_KEYS) {
			snprintf(err, errlen, "unknown key '%.40s' (expected "
			    "address, prefix, direction, ticket, owner, "
			    "expires, added, comment)", c->string);
			return -1;
		}
		if (v[i] != NULL) {
			snprintf(err, errlen, "key '%s' given twice",
			    c->string);
			return -1;
		}
		v[i] = c;
	}
	for (i = 0; i < NIMP_KEYS; i++) {
		if (i == IMP_PREFIX || v[i] == NULL || cJSON_IsNull(v[i]))
			continue;
		if (!cJSON_IsString(v[i])) {
			if (i == IMP_ADDRESS)
				break;
			snprintf(err, errlen, "direction, ticket, owner, "
			    "expires, added and comment must be strings (or "
			    "null)");
			return -1;
		}
		s[i] = v[i]->valuestring;
	}
	if ((addr = s[IMP_ADDRESS]) == NULL) {
		snprintf(err, errlen, "address is required (a string)");
		return -1;
	}
	if (strlen(addr) > 64) {
		snprintf(err, errlen, "address '%.40s...' is too long", addr);
		return -1;
	}
	slash = strchr(addr, '/');
	if (v[IMP_PREFIX] != NULL && !cJSON_IsNull(v[IMP_PREFIX])) {
		pl = cJSON_IsNumber(v[IMP_PREFIX]) ?
		    v[IMP_PREFIX]->valuedouble : -1;
		if (pl < 0 || pl > 128 || pl != (double)(int)pl) {
			snprintf(err, errlen, "prefix must be a number 0-128");
			return -1;
		}
		if (slash != NULL && strtol(slash + 1, NULL, 10) != (long)pl) {
			snprintf(err, errlen, "address '%.60s' and prefix %d "
			    "disagree", addr, (int)pl);
			return -1;
		}
		if (slash == NULL)
			snprintf(m->addr, sizeof(m->addr), "%s/%d", addr,
			    (int)pl);
		else
			snprintf(m->addr, sizeof(m->addr), "%s", addr);
	} else
		snprintf(m->addr, sizeof(m->addr), "%s", addr);
	m->r.address = m->addr;
	m->r.direction = s[2];
	m->r.ticket = s[3];
	m->r.owner = s[4];
	m->r.expires = s[5];
	m->r.added = s[6];
	m->r.comment = s[7];
	if (prefix_parse(m->addr, &m->pfx, err, errlen) == -1)
		return -1;
	m->ok = true;
	return 0;
}

static int
imp_cmp(const void *a, const void *b)
{
	const struct ximp *const *x = a, *const *y = b;
	int	 c = pfx_cmp(&(*x)->pfx, &(*y)->pfx);

	return c != 0 ? c : (*x)->pos - (*y)->pos;
}

/*
 * Does the request say what the entry says already?  What xe_check and
 * xnew_equal would find, without checking again what is not changed.
 */
static bool
imp_same(const struct excedit_req *r, const struct xnew *old)
{
	return strcmp(xv_or(r->direction), exc_dir_name(old->dir)) == 0 &&
	    strcmp(xv_or(r->ticket), old->ticket) == 0 &&
	    strcmp(xv_or(r->owner), old->owner) == 0 &&
	    strcmp(xv_or(r->expires), old->expires) == 0 &&
	    (xv_or(r->added)[0] == '\0' ||
	    strcmp(r->added, old->added) == 0) &&
	    strcmp(xv_or(r->comment), old->comment) == 0;
}

static bool
xnew_equal(const struct xnew *a, const struct xnew *b)
{
	return pfx_equal(&a->pfx, &b->pfx) && a->dir == b->dir &&
	    strcmp(a->ticket, b->ticket) == 0 &&
	    strcmp(a->owner, b->owner) == 0 &&
	    strcmp(a->expires, b->expires) == 0 &&
	    strcmp(a->added, b->added) == 0 &&
	    strcmp(a->comment, b->comment) == 0;
}

/* The request's field for key i (2: direction ... 7: comment). */
static const char **
imp_field(struct excedit_req *r, size_t i)
{
	switch (i) {
	case 2:		return &r->direction;
	case 3:		return &r->ticket;
	case 4:		return &r->owner;
	case 5:		return &r->expires;
	case 6:		return &r->added;
	}
	return &r->comment;
}

/*
 * The usual import, read without building a tree: an array of objects
 * with known keys, each once, string or null values (prefix: digits or
 * null), strings without escapes.  n elements into *mp (their strings
 * in the arena); 0 when the text is anything else, and the general path
 * (cJSON, with its messages) reads it; -1 when out of memory.
 */
static ssize_t
imp_fast(const char *text, size_t len, struct ximp **mp)
{
	const char	*p = text, *e = text + len, *q, *v[NIMP_KEYS];
	struct ximp	*m = NULL, *nm;
	size_t		 n = 0, cap = 0, i, vl[NIMP_KEYS], kl;
	char		*c;
	int		 pl;

#define WS()	while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || \
		    *p == '\r')) p++
	*mp = NULL;
	WS();
	if (p == e || *p++ != '[')
		return 0;
	for (;;) {
		WS();
		if (p == e || *p++ != '{')
			goto slow;
		memset(v, 0, sizeof(v));
		for (;;) {
			WS();
			if (p == e || *p++ != '"')
				goto slow;
			for (q = p; p < e && *p != '"' && *p != '\\'; p++)
				;
			if (p == e || *p != '"')
				goto slow;
			kl = (size_t)(p++ - q);
			for (i = 0; i < NIMP_KEYS; i++)
				if (strlen(imp_keys[i]) == kl &&
				    memcmp(imp_keys[i], q, kl) == 0)
					break;
			if (i == NIMP_KEYS || v[i] != NULL)
				goto slow;
			WS();
			if (p == e || *p++ != ':')
				goto slow;
			WS();
			if (e - p >= 4 && memcmp(p, "null", 4) == 0) {
				v[i] = "";
				vl[i] = (size_t)-1;
				p += 4;
			} else if (i == IMP_PREFIX) {
				for (q = p, pl = 0; p < e && *p >= '0' &&
				    *p <= '9' && p - q < 4; p++)
					pl = pl * 10 + (*p - '0');
				if (p == q || pl > 128 || (p < e && *p >= '0' &&
				    *p <= '9') || (*q == '0' && p - q > 1))
					goto slow;
				v[i] = q;
				vl[i] = (size_t)pl;
			} else {
				if (p == e || *p++ != '"')
					goto slow;
				for (q = p; p < e && *p != '"' && *p != '\\' &&
				    (unsigned char)*p >= 0x20; p++)
					;
				if (p == e || *p != '"')
					goto slow;
				v[i] = q;
				vl[i] = (size_t)(p++ - q);
			}
			WS();
			if (p < e && *p == ',') {
				p++;
				continue;
			}
			if (p < e && *p++ == '}')
				break;
			goto slow;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			if ((nm = reallocarray(m, cap, sizeof(*m))) == NULL)
				goto oom;
			m = nm;
		}
		memset(&m[n], 0, sizeof(m[n]));
		if (v[IMP_ADDRESS] == NULL || vl[IMP_ADDRESS] == (size_t)-1 ||
		    vl[IMP_ADDRESS] > 64)
			goto slow;
		if (v[IMP_PREFIX] != NULL && vl[IMP_PREFIX] != (size_t)-1) {
			if (memchr(v[IMP_ADDRESS], '/', vl[IMP_ADDRESS]) !=
			    NULL)
				goto slow;	/* do they agree? said there */
			snprintf(m[n].addr, sizeof(m[n].addr), "%.*s/%zu",
			    (int)vl[IMP_ADDRESS], v[IMP_ADDRESS],
			    vl[IMP_PREFIX]);
		} else
			snprintf(m[n].addr, sizeof(m[n].addr), "%.*s",
			    (int)vl[IMP_ADDRESS], v[IMP_ADDRESS]);
		/* r.address: set once m stops moving (excedit_import) */
		for (i = 2; i < NIMP_KEYS; i++) {
			if (v[i] == NULL || vl[i] == (size_t)-1)
				continue;
			if ((c = arena_alloc(vl[i] + 1)) == NULL)
				goto oom;
			memcpy(c, v[i], vl[i]);
			c[vl[i]] = '\0';
			*imp_field(&m[n].r, i) = c;
		}
		n++;
		WS();
		if (p < e && *p == ',') {
			p++;
			continue;
		}
		if (p < e && *p++ == ']')
			break;
		goto slow;
	}
	WS();
	if (p != e || n == 0)
		goto slow;
	*mp = m;
	return (ssize_t)n;
#undef WS
slow:
	free(m);
	return 0;
oom:
	free(m);
	return -1;
}

/*
 * Make the list what the JSON array says, in place: entries it does not
 * name are removed (with their comment line, as remove does), entries
 * whose attributes differ are rewritten on their line, new ones are
 * appended in the array's order; every other line stays.  Everything is
 * validated first, every problem reported through opts.msg.
 */
int
excedit_import(struct excedit *x, const char *text, size_t len,
    const char *name, struct excedit_stats *st, char *err, size_t errlen)
{
	cJSON		*root = NULL;
	const cJSON	*o;
	const char	*end = NULL;
	struct ximp	*m = NULL, **sorted = NULL;
	struct xplan	*plan = NULL;
	struct xnew	 old, nw, *add = NULL;
	ssize_t		*who = NULL;	/* line index -> element */
	char		 msg[ERRLEN], a[PREFIX_STRLEN], line[LINE_LEN];
	unsigned	 problems = 0, ln, col;
	size_t		 n = 0, i, j, ra, rb, nplan = 0, nadd = 0, before;
	ssize_t		 k, h;
	int		 rc = -1;

	memset(st, 0, sizeof(*st));
	switch (k = imp_fast(text, len, &m)) {
	case -1:
		goto oom;
	case 0:
		break;
	default:
		n = (size_t)k;
		goto parsed;
	}
	root = arena_parse(text, len, &end);
	if (root == NULL) {
		json_where(text, len, end != NULL ? (size_t)(end - text) : 0,
		    &ln, &col);
		snprintf(err, errlen, "%s:%u:%u: not valid JSON", name, ln,
		    col);
		goto out;
	}
	while (end != NULL && (size_t)(end - text) < len &&
	    isspace((unsigned char)*end))
		end++;
	if (end != NULL && (size_t)(end - text) < len) {
		json_where(text, len, (size_t)(end - text), &ln, &col);
		snprintf(err, errlen, "%s:%u:%u: text after the JSON array",
		    name, ln, col);
		goto out;
	}
	if (!cJSON_IsArray(root)) {
		snprintf(err, errlen, "%s: expected a JSON array of entries",
		    name);
		goto out;
	}
	if ((n = (size_t)cJSON_GetArraySize(root)) == 0) {
		snprintf(err, errlen, "%s: no entries; refusing to empty the "
		    "list (remove entries one by one, or edit the file)", name);
		goto out;
	}
	if ((m = calloc(n, sizeof(*m))) == NULL)
		goto oom;
	i = 0;
	cJSON_ArrayForEach(o, root) {
		if (imp_entry(o, &m[i], msg, sizeof(msg)) == -1) {
			xe_msg(x, EXCEDIT_ERROR, "%s: entry %zu: %s", name,
			    i + 1, msg);
			problems++;
		}
		i++;
	}
parsed:
	if ((sorted = calloc(n, sizeof(*sorted))) == NULL ||
	    (who = calloc(x->n ? x->n : 1, sizeof(*who))) == NULL)
		goto oom;
	for (j = 0; j < x->n; j++)
		who[j] = -1;

	/* Match each element with an entry of the file. */
	for (i = 0; i < n; i++) {
		m[i].pos = (int)i + 1;
		m[i].old = -1;
		sorted[i] = &m[i];
		if (!m[i].ok && root == NULL) {
			/* the fast path: the address is still to parse */
			m[i].r.address = m[i].addr;
			if (prefix_parse(m[i].addr, &m[i].pfx, msg,
			    sizeof(msg)) == -1) {
				xe_msg(x, EXCEDIT_ERROR, "%s: entry %zu: %s",
				    name, i + 1, msg);
				problems++;
				continue;
			}
			m[i].ok = true;
		}
		if (!m[i].ok)
			continue;
		if ((k = xe_find(x, &m[i].pfx)) == -2)
			goto oom;
		if (k >= 0)
			m[i].old = (ssize_t)x->ent[k];
	}
	qsort(sorted, n, sizeof(*sorted), imp_cmp);
	for (i = 1; i < n; i++)
		if (sorted[i]->ok && sorted[i - 1]->ok &&
		    pfx_equal(&sorted[i]->pfx, &sorted[i - 1]->pfx)) {
			host_format(&sorted[i]->pfx, a, sizeof(a));
			xe_msg(x, EXCEDIT_ERROR, "%s: entry %d: %s is also "
			    "entry %d", name, sorted[i]->pos, a,
			    sorted[i - 1]->pos);
			sorted[i]->ok = false;
			problems++;
		}

	/* Validate what would change. */
	for (i = 0; i < n; i++) {
		if (!m[i].ok)
			continue;
		if (m[i].old != -1) {
			who[m[i].old] = (ssize_t)i;
			xe_old(x, (size_t)m[i].old, &old);
			if (imp_same(&m[i].r, &old)) {
				m[i].same = true;
				continue;
			}
		}
		if (xe_check(x, &m[i].r, m[i].old != -1 ? &old : NULL,
		    &nw, msg, sizeof(msg)) == 0) {
			if (m[i].old != -1 && xnew_equal(&nw, &old)) {
				m[i].same = true;
				continue;
			}
			/* Kept only for what changes: an entry is 1.3 KB. */
			if ((m[i].n = malloc(sizeof(nw))) == NULL)
				goto oom;
			*m[i].n = nw;
			if (xe_format(x, m[i].n, line, sizeof(line)) == 0)
				continue;
			snprintf(msg, sizeof(msg), "entry line too long");
		}
		xe_msg(x, EXCEDIT_ERROR, "%s: entry %zu (%s): %s", name, i + 1,
		    m[i].addr, msg);
		problems++;
	}
	if (problems > 0) {
		snprintf(err, errlen, "%s: %u problem%s; nothing imported",
		    name, problems, problems == 1 ? "" : "s");
		goto out;
	}

	/*
	 * Decide on the file as it is, top down: an entry the array does not
	 * name goes, and so does the comment line heading its run of entries
	 * once every entry of the run goes (for a run of one: its own
	 * comment, as remove does); a changed entry is rewritten in place.
	 * Then apply in one pass, and append the new entries.
	 */
	nplan = x->n;
	if ((plan = calloc(nplan ? nplan : 1, sizeof(*plan))) == NULL)
		goto oom;
	for (j = 0; j < x->n; j++) {
		if (x->l[j].kind != XL_ENTRY)
			continue;
		if (who[j] == -1) {
			xl_text(&x->l[j], line, sizeof(line));
			xe_msg(x, EXCEDIT_INFO, "%s:%zu: removed %s", x->name,
			    j + 1, line);
			if (xe_audit(x, "import", "remove", line, NULL,
			    x->l[j].e.ticket) == -1)
				goto oom;
			plan[j].del = true;
			st->removed++;
		} else if (m[who[j]].same)
			st->kept++;
		else {
			if (xe_change(x, j, m[who[j]].n, plan, "import", err,
			    errlen) == -1)
				goto out;
			st->changed++;
		}
	}
	for (j = 0; j < x->n; j++) {
		if (x->l[j].kind != XL_ENTRY ||
		    (h = xe_heading(x, j, &ra, &rb)) == -1 || j != ra)
			continue;
		for (i = ra; i <= rb && plan[i].del; i++)
			;
		if (i > rb && !plan[h].del) {
			xl_text(&x->l[h], line, sizeof(line));
			xe_msg(x, EXCEDIT_INFO, "%s:%zd: removed %s %s",
			    x->name, h + 1, ra == rb ? "its comment" :
			    "their comment", line);
			plan[h].del = true;
		}
	}
	if (xe_apply(x, plan, nplan, err, errlen) == -1)
		goto out;
	for (i = 0; i < n; i++)
		if (m[i].old == -1)
			nadd++;
	if (nadd > 0 && (add = calloc(nadd, sizeof(*add))) == NULL)
		goto oom;
	for (i = 0, nadd = 0; i < n; i++)
		if (m[i].old == -1)
			add[nadd++] = *m[i].n;
	before = x->n;
	if (xe_append(x, add, nadd, err, errlen) == -1)
		goto out;
	for (j = before; nadd > 0 && j < x->n; j++) {
		if (x->l[j].kind != XL_ENTRY)
			continue;
		xl_text(&x->l[j], line, sizeof(line));
		xe_msg(x, EXCEDIT_INFO, "%s:%zu: added %s", x->name, j + 1,
		    line);
		if (xe_audit(x, "import", "add", line, NULL,
		    x->l[j].e.ticket) == -1)
			goto oom;
		st->added++;
	}
	xe_warn_fresh(x);
	rc = 0;
	goto out;
oom:
	snprintf(err, errlen, "out of memory");
out:
	arena_drop();			/* root with it */
	for (i = 0; m != NULL && i < n; i++)
		free(m[i].n);
	free(m);
	free(sorted);
	free(add);
	free(who);
	plan_free(plan, nplan);
	return rc;
}

/* ---- commit ---- */

/* The lines to t, 64 KB at a time: not a write(2) per line. */
static int
xe_write_lines(const struct excedit *x, struct file_tmp *t)
{
	char	 buf[65536];
	size_t	 used = 0, i;

	if (x->bom) {
		memcpy(buf, "\xef\xbb\xbf", 3);
		used = 3;
	}
	for (i = 0; i < x->n; i++) {
		if (used + x->l[i].len > sizeof(buf)) {
			if (file_tmp_write(t, buf, used) == -1)
				return -1;
			used = 0;
		}
		if (x->l[i].len > sizeof(buf)) {
			if (file_tmp_write(t, x->l[i].s, x->l[i].len) == -1)
				return -1;
			continue;
		}
		memcpy(buf + used, x->l[i].s, x->l[i].len);
		used += x->l[i].len;
	}
	return file_tmp_write(t, buf, used);
}

static int
xe_append_audit(struct excedit *x, char *err, size_t errlen)
{
	int	 fd;

	if (x->o.audit == NULL || x->auditlen == 0)
		return 0;
	if ((fd = open(x->o.audit, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0644)) == -1 || file_write_all(fd, x->audit, x->auditlen) == -1 ||
	    fsync(fd) == -1) {
		snprintf(err, errlen, "cannot write the audit log %s: %s; "
		    "nothing changed", x->o.audit, strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* exc_load's message with the temporary file's name replaced. */
static void
xe_unname(const char *msg, const char *tmp, const char *name, char *out,
    size_t len)
{
	size_t	 tl = strlen(tmp);

	if (strncmp(msg, tmp, tl) == 0)
		snprintf(out, len, "%s%s", name, msg + tl);
	else
		snprintf(out, len, "%s", msg);
}

/*
 * Write the edited file: a temporary file next to it (same owner and
 * mode), fsync, load it with exc_load() as the daemon would, append the
 * audit records, rename it over the file, fsync the folder.  Does
 * nothing when nothing changed.  With a late lock: the lock is taken
 * here, EXCEDIT_STALE when the file is no longer what was read, and let
 * go once the file is written.
 */
int
excedit_commit(struct excedit *x, char *err, size_t errlen)
{
	char		 msg[ERRLEN];
	struct file_tmp	 t;
	struct exc_list	 chk;
	int		 rc = -1;
	size_t		 i;

	if (!x->changed)
		return 0;
	if (!x->o.lock) {
		snprintf(err, errlen, "internal error: %s was not opened for "
		    "editing", x->name);
		return -1;
	}
	if (x->o.late_lock) {
		if (xe_lock(x, err, errlen) == -1)
			goto out;
		switch (xe_unchanged(x, err, errlen)) {
		case -1:
			goto out;
		case 0:
			rc = EXCEDIT_STALE;
			snprintf(err, errlen, "%s changed while this edit was "
			    "made; nothing written", x->name);
			goto out;
		}
	}
	if (file_tmp_open(&t, x->real, err, errlen) == -1)
		goto out;
	if (xe_write_lines(x, &t) == -1)
		goto syserr;
	if ((x->st.st_uid != geteuid() || x->st.st_gid != getegid()) &&
	    fchown(t.fd, x->st.st_uid, x->st.st_gid) == -1)
		xe_msg(x, EXCEDIT_WARN, "%s: could not keep its owner and group "
		    "(%s)", x->name, strerror(errno));
	if (file_tmp_close(&t, x->st.st_mode & 07777) == -1)
		goto syserr;
	/* Its content, as the daemon reads it; its mode is the file's own. */
	if (exc_load(t.tmp, x->o.conf, EXC_ANY_MODE, &chk, msg, sizeof(msg)) ==
	    -1) {
		xe_unname(msg, t.tmp, x->name, err, errlen);
		file_tmp_discard(&t);
		goto out;
	}
	if (!x->o.want_sha256 || exc_hash(&chk, x->sha256) == -1)
		x->sha256[0] = '\0';
	exc_free(&chk);
	if (xe_append_audit(x, err, errlen) == -1) {
		file_tmp_discard(&t);
		goto out;
	}
	if (file_tmp_rename(&t) == -1) {
		snprintf(err, errlen, "cannot replace %s: %s (the audit log "
		    "already has the change)", x->name, strerror(errno));
		file_tmp_discard(&t);
		goto out;
	}
	x->changed = false;
	x->auditlen = 0;
	for (i = 0; i < x->n; i++)
		x->l[i].fresh = false;
	rc = 0;
	goto out;
syserr:
	snprintf(err, errlen, "cannot write %s: %s; nothing changed", t.tmp,
	    strerror(errno));
	file_tmp_discard(&t);
out:
	if (x->o.late_lock)
		xe_unlock(x);
	return rc;
}
