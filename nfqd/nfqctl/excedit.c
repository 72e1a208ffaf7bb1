/*
 * Editing exceptions.conf the way a reviewer wants to see it in git: one
 * line added, removed or changed, every other byte as it was.
 *
 * The file is held as its lines.  An entry line is parsed by
 * exc_parse_line(), the daemon's own parser, so an entry means here what
 * it means to nfqd; the finished file is loaded once more with exc_load()
 * before it replaces the old one.  See excedit.h for the session, the lock
 * and the write.
 *
 * An entry's comment is the text after '#' on its own line or, failing
 * that, the comment line directly above it when that line clearly belongs
 * to it alone (xe_attached()); remove takes that line away with the entry.
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

#include "nfqctl/excedit.h"

#define LOCK_WAIT_MS	30000	/* then give up: someone holds it too long */
#define LINE_LEN	4096	/* exc_parse_line's limit */
#define DEF_COL1	20	/* layout of an empty file: the sample's */
#define DEF_COL2	10
#define TEXT_CHARS	"-._:/+@"

enum { XL_BLANK, XL_COMMENT, XL_ENTRY };

struct xline {
	char		*s;		/* the line and its end, NUL-terminated */
	size_t		 len;
	uint8_t		 kind;
	bool		 fresh;		/* written by this session */
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
	char		 name[MAX_PATH];	/* as given: messages */
	char		 real[MAX_PATH];	/* symlinks resolved */
	char		 today[11];
	int		 lockfd;
	struct stat	 st;
	struct xline	*l;
	size_t		 n, cap;
	size_t		*ent;			/* line index of each entry */
	size_t		 nent;
	struct layout	 lay;
	const char	*eol;
	bool		 changed;
	unsigned	 last_line;
	char		*audit;			/* pending JSON lines */
	size_t		 auditlen;
};

/* A validated entry, before it becomes a line. */
struct xnew {
	struct prefix	 pfx;
	uint8_t		 dir;
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

void
excedit_today(int64_t now, char *buf, size_t len)
{
	time_t		 t = (time_t)now;
	struct tm	 tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(buf, len, "%Y-%m-%d",
	    &tm) == 0)
		snprintf(buf, len, "?");
}

static void
xe_when(int64_t now, char *buf, size_t len)
{
	time_t		 t = (time_t)now;
	struct tm	 tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(buf, len,
	    "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "?");
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

/* Bytes of the UTF-8 sequence at p (at most n bytes), 0 when invalid. */
static size_t
utf8_seq(const unsigned char *p, size_t n)
{
	size_t		 need, i;
	uint32_t	 c;

	if (p[0] < 0x80)
		return 1;
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
	return need;
}

/* Copy s[0..n) into out (cap bytes), invalid UTF-8 bytes as '?'. */
static void
utf8_clean(const char *s, size_t n, char *out, size_t cap)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i = 0, o = 0, k;

	while (i < n) {
		k = utf8_seq(p + i, n - i);
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

/* The comment text of line s, from its first '#', trimmed; "" if none. */
static void
xl_comment(const char *s, char *out, size_t cap)
{
	const char	*p = strchr(s, '#'), *e;

	out[0] = '\0';
	if (p == NULL)
		return;
	for (p++; *p == ' ' || *p == '\t'; p++)
		;
	for (e = p + strlen(p); e > p && isspace((unsigned char)e[-1]); e--)
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
xe_expired(const struct excedit *x, const struct exc_entry *e)
{
	return e->expires_at != 0 && x->o.now >= e->expires_at;
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

static void
xe_reindex(struct excedit *x)
{
	size_t	 i;

	x->nent = 0;
	for (i = 0; i < x->n; i++)
		if (x->l[i].kind == XL_ENTRY) {
			x->l[i].e.line = (unsigned)(i + 1);
			x->ent[x->nent++] = i;
		}
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
	switch (exc_parse_line(l->s, &l->e, msg, sizeof(msg))) {
	case -1:
		snprintf(err, errlen, "%s:%zu: %s", x->name, i + 1, msg);
		return -1;
	case 1:
		l->kind = XL_ENTRY;
		l->e.line = (unsigned)(i + 1);
		return 0;
	}
	for (p = l->s; *p == ' ' || *p == '\t' || *p == '\r'; p++)
		;
	l->kind = *p == '#' ? XL_COMMENT : XL_BLANK;
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
	x->n++;
	return 0;
}

static void
xe_delete(struct excedit *x, size_t at)
{
	free(x->l[at].s);
	memmove(&x->l[at], &x->l[at + 1], (x->n - at - 1) * sizeof(*x->l));
	x->n--;
}

static int
xe_replace(struct excedit *x, size_t at, const char *s, size_t len)
{
	char	*c;

	if ((c = malloc(len + 1)) == NULL)
		return -1;
	memcpy(c, s, len);
	c[len] = '\0';
	free(x->l[at].s);
	x->l[at].s = c;
	x->l[at].len = len;
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
	size_t	 a = i, b = i;

	while (a > 0 && x->l[a - 1].kind == XL_ENTRY)
		a--;
	while (b + 1 < x->n && x->l[b + 1].kind == XL_ENTRY)
		b++;
	*first = a;
	*last = b;
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
	xl_comment(x->l[i].s, out, cap);
	if (out[0] != '\0')
		return;
	if ((c = xe_attached(x, i)) != -1) {
		xl_comment(x->l[c].s, out, cap);
		*own = (unsigned)c + 1;
	}
}

/* ---- layout ---- */

/* Start column (tabs every 8) and length of the first 3 fields. */
static int
xl_fields(const char *s, int col[3], int len[3])
{
	int		 c = 0, n = 0;
	const char	*p = s, *q;

	while (*p != '\0' && *p != '\n' && *p != '#' && n < 3) {
		if (*p == '\t') {
			c = (c / 8 + 1) * 8;
			p++;
		} else if (isspace((unsigned char)*p)) {
			c++;
			p++;
		} else {
			col[n] = c;
			for (q = p; *p != '\0' && *p != '#' &&
			    !isspace((unsigned char)*p); p++)
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
		k = xl_fields(x->l[i].s, col, len);
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
	const char	*d = dir_name(e->dir);

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
	int	 waited = 0;

	snprintf(path, sizeof(path), "%s.lock", x->real);
	if ((x->lockfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) ==
	    -1) {
		snprintf(err, errlen, "cannot open the lock file %s: %s", path,
		    strerror(errno));
		return -1;
	}
	while (flock(x->lockfd, LOCK_EX | LOCK_NB) == -1) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			snprintf(err, errlen, "cannot lock %s: %s", path,
			    strerror(errno));
			return -1;
		}
		if (waited >= LOCK_WAIT_MS) {
			snprintf(err, errlen, "%s is locked by another edit "
			    "(%s) for %d s already; try again", x->name, path,
			    LOCK_WAIT_MS / 1000);
			return -1;
		}
		usleep(10000);
		waited += 10;
	}
	return 0;
}

static int
xe_read(struct excedit *x, char *err, size_t errlen)
{
	int		 fd;
	char		*buf = NULL, *nb, *p, *e;
	size_t		 len = 0, cap = 0;
	ssize_t		 r;
	int		 rc = -1;

	if ((fd = open(x->real, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &x->st) == -1) {
		snprintf(err, errlen, "%s: %s", x->name, strerror(errno));
		goto out;
	}
	for (;;) {
		if (len + 1 >= cap) {
			cap = cap ? cap * 2 : 65536;
			if ((nb = realloc(buf, cap)) == NULL) {
				snprintf(err, errlen, "%s: out of memory",
				    x->name);
				goto out;
			}
			buf = nb;
		}
		if ((r = read(fd, buf + len, cap - len - 1)) == -1) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "%s: %s", x->name,
			    strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	x->eol = "\n";
	for (p = buf; p < buf + len; p = e) {
		if ((e = memchr(p, '\n', (size_t)(buf + len - p))) != NULL)
			e++;
		else
			e = buf + len;
		if (x->n == 0 && e - p >= 2 && e[-1] == '\n' && e[-2] == '\r')
			x->eol = "\r\n";
		if (xe_insert(x, x->n, p, (size_t)(e - p)) == -1) {
			snprintf(err, errlen, "%s: out of memory", x->name);
			goto out;
		}
		if (xe_parse(x, x->n - 1, err, errlen) == -1)
			goto out;
	}
	rc = 0;
out:
	free(buf);
	if (fd != -1)
		close(fd);
	return rc;
}

/* The entries as one array, for lpm_build; NULL when out of memory. */
static struct exc_entry *
xe_array(const struct excedit *x)
{
	struct exc_entry	*v;
	size_t			 i;

	if ((v = calloc(x->nent ? x->nent : 1, sizeof(*v))) == NULL)
		return NULL;
	for (i = 0; i < x->nent; i++)
		v[i] = x->l[x->ent[i]].e;
	return v;
}

/* The same message as exc_load for a prefix listed twice. */
static int
xe_dups(const struct excedit *x, char *err, size_t errlen)
{
	struct exc_entry	*v;
	struct lpm		 lpm;
	size_t			 dup[2];
	char			 a[PREFIX_STRLEN];
	int			 r;

	if ((v = xe_array(x)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	r = lpm_build(&lpm, v, x->nent, sizeof(*v), dup);
	if (r == 1) {
		prefix_format(&v[dup[1]].pfx, a, sizeof(a));
		snprintf(err, errlen, "%s:%u: %s listed twice (first on line "
		    "%u)", x->name, v[dup[1]].line, a, v[dup[0]].line);
	} else if (r == -1)
		snprintf(err, errlen, "out of memory");
	else
		lpm_free(&lpm);
	free(v);
	return r == 0 ? 0 : -1;
}

struct excedit *
excedit_open(const struct excedit_opts *o, char *err, size_t errlen)
{
	struct excedit	*x;

	if ((x = calloc(1, sizeof(*x))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	x->o = *o;
	x->lockfd = -1;
	excedit_today(o->now, x->today, sizeof(x->today));
	if (snprintf(x->name, sizeof(x->name), "%s", o->path) >=
	    (int)sizeof(x->name)) {
		snprintf(err, errlen, "%.64s...: path too long", o->path);
		goto fail;
	}
	/* Edit the file a symlink points to, and keep the symlink. */
	if (realpath(o->path, x->real) == NULL) {
		snprintf(err, errlen, "%s: %s", o->path, strerror(errno));
		goto fail;
	}
	if (o->lock && xe_lock(x, err, errlen) == -1)
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
		free(x->l[i].s);
	free(x->l);
	free(x->ent);
	free(x->audit);
	if (x->lockfd != -1)
		close(x->lockfd);	/* releases the flock */
	free(x);
}

/* ---- reading ---- */

const char *
excedit_path(const struct excedit *x)
{
	return x->name;
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

	memset(info, 0, sizeof(*info));
	info->e = x->l[i].e;
	xe_comment_of(x, i, info->comment, sizeof(info->comment),
	    &info->comment_line);
	xl_text(&x->l[i], info->text, sizeof(info->text));
}

static cJSON *
xe_json_entry(const struct excedit *x, size_t k)
{
	struct excedit_info	 in;
	cJSON			*o;
	char			 a[ADDR_STRLEN];

	excedit_get(x, k, &in);
	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	addr_format(&in.e.pfx.addr, a, sizeof(a));
	cJSON_AddStringToObject(o, "address", a);
	cJSON_AddNumberToObject(o, "prefix", in.e.pfx.len);
	cJSON_AddStringToObject(o, "direction", dir_name(in.e.dir));
#define STR_OR_NULL(key, v)						\
	do {								\
		if ((v)[0] != '\0')					\
			cJSON_AddStringToObject(o, key, v);		\
		else							\
			cJSON_AddNullToObject(o, key);			\
	} while (0)
	STR_OR_NULL("ticket", in.e.ticket);
	STR_OR_NULL("owner", in.e.owner);
	STR_OR_NULL("expires", in.e.expires);
	STR_OR_NULL("added", in.e.added);
	STR_OR_NULL("comment", in.comment);
#undef STR_OR_NULL
	return o;
}

/*
 * A JSON array of the entries (those with select[k] when select is not
 * NULL), one object per line.  malloc'd; NULL when out of memory.
 */
char *
excedit_json(const struct excedit *x, const bool *select)
{
	struct sb	 b = { NULL, 0, 0, false };
	cJSON		*o;
	char		*s, *nb;
	size_t		 k, need;
	bool		 first = true;

	b.cap = 64;
	if ((b.p = malloc(b.cap)) == NULL)
		return NULL;
	sb_add(&b, "[");
	for (k = 0; k < x->nent; k++) {
		if (select != NULL && !select[k])
			continue;
		if ((o = xe_json_entry(x, k)) == NULL)
			goto fail;
		s = cJSON_PrintUnformatted(o);
		cJSON_Delete(o);
		if (s == NULL)
			goto fail;
		need = b.len + strlen(s) + 16;
		if (need > b.cap) {
			while (b.cap < need)
				b.cap *= 2;
			if ((nb = realloc(b.p, b.cap)) == NULL) {
				cJSON_free(s);
				goto fail;
			}
			b.p = nb;
		}
		sb_add(&b, "%s\n  %s", first ? "" : ",", s);
		first = false;
		cJSON_free(s);
	}
	sb_add(&b, "%s]\n", first ? "" : "\n");
	return b.p;
fail:
	free(b.p);
	return NULL;
}

/* ---- checks shared by add, import and lint ---- */

static void
xe_internal_list(const struct conf *c, char *buf, size_t len)
{
	struct sb	 b = { buf, 0, len, false };
	char		 a[PREFIX_STRLEN];
	size_t		 i;

	buf[0] = '\0';
	for (i = 0; i < c->ninternal && i < 3; i++) {
		prefix_format(&c->internal[i], a, sizeof(a));
		sb_add(&b, "%s%s", i ? ", " : "", a);
	}
	if (c->ninternal > 3)
		sb_add(&b, ", ...");
}

static bool
xe_inside(const struct conf *c, const struct prefix *p)
{
	size_t	 i;

	for (i = 0; i < c->ninternal; i++)
		if (c->internal[i].len <= p->len &&
		    prefix_contains(&c->internal[i], &p->addr))
			return true;
	return false;
}

static void
xe_warn_outside(const struct excedit *x, const struct exc_entry *e)
{
	char	 a[PREFIX_STRLEN], list[256];

	if (x->o.conf == NULL || xe_inside(x->o.conf, &e->pfx))
		return;
	host_format(&e->pfx, a, sizeof(a));
	xe_internal_list(x->o.conf, list, sizeof(list));
	xe_msg(x, EXCEDIT_WARN, "%s:%u: %s is not inside internal-networks "
	    "(%s): nfqd never consults it", x->name, e->line, a, list);
}

/*
 * Entries inside another entry with a different direction: the more
 * specific one decides for its addresses, so they lose or gain a
 * direction.  Each entry is compared with the nearest active entry
 * containing it (the one that would decide without it); only pairs with
 * a line written by this session, unless `all`.  Expired entries count
 * as absent, as in the policy.
 */
static void
xe_overlaps(const struct excedit *x, bool all)
{
	struct exc_entry	*v, *in, *out;
	struct lpm		 lpm;
	size_t			 dup[2], k;
	uint32_t		 idx[129];
	int			 i, n;
	uint8_t			 lost, gained;
	char			 a[PREFIX_STRLEN], b[PREFIX_STRLEN];
	char			 what[64];

	if ((v = xe_array(x)) == NULL)
		return;
	if (lpm_build(&lpm, v, x->nent, sizeof(*v), dup) != 0) {
		free(v);
		return;
	}
	for (k = 0; k < x->nent; k++) {
		in = &v[k];
		if (xe_expired(x, in))
			continue;
		n = lpm_lookup(&lpm, &in->pfx.addr, idx, 129);
		out = NULL;
		for (i = 0; i < n; i++) {
			if (v[idx[i]].pfx.len >= in->pfx.len ||
			    xe_expired(x, &v[idx[i]]))
				continue;
			out = &v[idx[i]];
			break;
		}
		if (out == NULL || out->dir == in->dir)
			continue;
		if (!all && !x->l[in->line - 1].fresh &&
		    !x->l[out->line - 1].fresh)
			continue;
		lost = out->dir & ~in->dir;
		gained = in->dir & ~out->dir;
		host_format(&in->pfx, a, sizeof(a));
		host_format(&out->pfx, b, sizeof(b));
		if (lost && gained)
			snprintf(what, sizeof(what), "loses %s and gains %s",
			    dir_name(lost), dir_name(gained));
		else
			snprintf(what, sizeof(what), "%s %s", lost ? "loses" :
			    "gains", dir_name(lost ? lost : gained));
		xe_msg(x, EXCEDIT_WARN, "%s:%u: %s %s overlaps %s %s (line %u) "
		    "with another direction: the more specific entry decides, "
		    "so %s %s", x->name, in->line, a, dir_name(in->dir), b,
		    dir_name(out->dir), out->line, a, what);
	}
	lpm_free(&lpm);
	free(v);
}

/* Every fresh entry outside internal-networks, every fresh overlap. */
static void
xe_warn_fresh(const struct excedit *x)
{
	size_t	 k;

	for (k = 0; k < x->nent; k++)
		if (x->l[x->ent[k]].fresh)
			xe_warn_outside(x, &x->l[x->ent[k]].e);
	xe_overlaps(x, false);
}

void
excedit_lint(const struct excedit *x)
{
	size_t			 k;
	const struct exc_entry	*e;
	char			 a[PREFIX_STRLEN];

	for (k = 0; k < x->nent; k++) {
		e = &x->l[x->ent[k]].e;
		xe_warn_outside(x, e);
		if (xe_expired(x, e)) {
			host_format(&e->pfx, a, sizeof(a));
			xe_msg(x, EXCEDIT_WARN, "%s:%u: %s expired on %s "
			    "(nfqctl exception remove %s)", x->name, e->line,
			    a, e->expires, a);
		}
	}
	xe_overlaps(x, true);
}

/* ---- validation ---- */

static const char *
xv_or(const char *s)
{
	return s != NULL ? s : "";
}

/* A ticket or owner: 1-63 of letters, digits and TEXT_CHARS. */
static int
xv_text(const char *key, const char *v, char *out, char *err,
    size_t errlen)
{
	size_t		 len = strlen(v), i;
	unsigned char	 c;

	if (len == 0) {
		snprintf(err, errlen, "%s is required", key);
		return -1;
	}
	if (len >= EXC_TEXTLEN) {
		snprintf(err, errlen, "%s '%.20s...' is too long (%zu "
		    "characters, at most %d)", key, v, len, EXC_TEXTLEN - 1);
		return -1;
	}
	for (i = 0; i < len; i++) {
		c = (unsigned char)v[i];
		if (c < 0x80 && (isalnum(c) || strchr(TEXT_CHARS, c) != NULL))
			continue;
		if (isprint(c))
			snprintf(err, errlen, "%s '%s' has a character that is "
			    "not allowed: '%c' (letters, digits and %s)", key,
			    v, c, "- . _ : / + @");
		else
			snprintf(err, errlen, "%s has a character that is not "
			    "allowed: byte 0x%02x (letters, digits and %s)",
			    key, c, "- . _ : / + @");
		return -1;
	}
	memcpy(out, v, len + 1);
	return 0;
}

/* YYYY-MM-DD, a real day; *t its 00:00 UTC. */
static int
xv_date(const char *key, const char *v, char *out, int64_t *t, char *err,
    size_t errlen)
{
	int	 i;
	bool	 shape = strlen(v) == 10 && v[4] == '-' && v[7] == '-';

	for (i = 0; shape && i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)v[i]))
			shape = false;
	if (!shape) {
		snprintf(err, errlen, "%s '%.40s' is not a date (expected "
		    "YYYY-MM-DD)", key, v);
		return -1;
	}
	if (date_parse(v, t) == -1) {
		snprintf(err, errlen, "%s '%s' is not a real calendar date",
		    key, v);
		return -1;
	}
	memcpy(out, v, 11);
	return 0;
}

static int
xv_comment(const char *v, char *out, char *err, size_t errlen)
{
	const unsigned char	*p;
	size_t			 len, i, k;

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
		if ((k = utf8_seq(p + i, len - i)) == 0) {
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

/*
 * Validate r into n.  With `old` (an import changing an entry), a field
 * equal to the old entry's is taken as it is: an entry that is already
 * expired, or has no owner, can keep that.
 */
static int
xe_check(const struct excedit *x, const struct excedit_req *r,
    const struct xnew *old, struct xnew *n, char *err, size_t errlen)
{
	const char	*v;
	int64_t		 t;

	memset(n, 0, sizeof(*n));
	if (r->address == NULL || r->address[0] == '\0') {
		snprintf(err, errlen, "address is required");
		return -1;
	}
	if (prefix_parse(r->address, &n->pfx, err, errlen) == -1)
		return -1;
	v = xv_or(r->direction);
	if (strcmp(v, "inbound") == 0)
		n->dir = DIR_INBOUND;
	else if (strcmp(v, "outbound") == 0)
		n->dir = DIR_OUTBOUND;
	else if (strcmp(v, "both") == 0)
		n->dir = DIR_BOTH;
	else if (v[0] == '\0') {
		snprintf(err, errlen, "direction is required (inbound, "
		    "outbound or both)");
		return -1;
	} else {
		snprintf(err, errlen, "bad direction '%.40s' (expected "
		    "inbound, outbound or both)", v);
		return -1;
	}

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
		if (xv_date("expires", v, n->expires, &t, err, errlen) == -1)
			return -1;
		if (t + 86400 <= x->o.now) {
			snprintf(err, errlen, "expires %s is in the past "
			    "(today is %s UTC)", v, x->today);
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
		if (xv_date("added", v, n->added, &t, err, errlen) == -1)
			return -1;
		if (t > x->o.now) {
			snprintf(err, errlen, "added %s is in the future "
			    "(today is %s UTC)", v, x->today);
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
	char	 msg[ERRLEN];

	if (xe_format(x, n, line, cap) == -1) {
		snprintf(err, errlen, "entry line too long");
		return -1;
	}
	if (exc_parse_line(line, e, msg, sizeof(msg)) != 1 ||
	    !pfx_equal(&e->pfx, &n->pfx) || e->dir != n->dir ||
	    strcmp(e->ticket, n->ticket) != 0 ||
	    strcmp(e->owner, n->owner) != 0) {
		snprintf(err, errlen, "internal error: the new line does not "
		    "parse back: %s", msg);
		return -1;
	}
	return 0;
}

/* Entry k whose prefix is p, or -1. */
static ssize_t
xe_find(const struct excedit *x, const struct prefix *p)
{
	size_t	 k;

	for (k = 0; k < x->nent; k++)
		if (pfx_equal(&x->l[x->ent[k]].e.pfx, p))
			return (ssize_t)k;
	return -1;
}

/* ---- the audit log ---- */

static int
xe_audit(struct excedit *x, const char *what, const char *change,
    const char *entry, const char *was, const char *ticket)
{
	cJSON	*o;
	char	 when[32], *s, *nb;
	size_t	 len;

	if (x->o.audit == NULL)
		return 0;
	xe_when(x->o.now, when, sizeof(when));
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
	if ((nb = realloc(x->audit, x->auditlen + len + 2)) == NULL) {
		cJSON_free(s);
		return -1;
	}
	x->audit = nb;
	memcpy(x->audit + x->auditlen, s, len);
	x->audit[x->auditlen + len] = '\n';
	x->auditlen += len + 1;
	cJSON_free(s);
	return 0;
}

/* ---- add ---- */

/* Give line i a line end if it is the last and has none. */
static int
xe_terminate(struct excedit *x, size_t i)
{
	char	 buf[LINE_LEN + 8];
	size_t	 el = strlen(x->eol);

	if (i >= x->n || (x->l[i].len > 0 && x->l[i].s[x->l[i].len - 1] ==
	    '\n'))
		return 0;
	if (x->l[i].len + el >= sizeof(buf))
		return -1;
	memcpy(buf, x->l[i].s, x->l[i].len);
	memcpy(buf + x->l[i].len, x->eol, el);
	return xe_replace(x, i, buf, x->l[i].len + el);
}

/*
 * Does the entry on line i belong to a group headed by a comment (the
 * lines above it are entries up to a comment line)?
 */
static bool
xe_in_group(const struct excedit *x, size_t i)
{
	while (i > 0 && x->l[i].kind == XL_ENTRY)
		i--;
	return x->l[i].kind == XL_COMMENT;
}

/*
 * Append the entry n at the end of the file.  After an entry under a
 * comment heading, a blank line first: the new entry is not part of that
 * group, and the comment stays the old entry's own.
 */
static int
xe_put(struct excedit *x, const struct xnew *n, char *err, size_t errlen)
{
	char			 line[LINE_LEN];
	struct exc_entry	 e;
	size_t			 at = x->n;

	if (xe_line(x, n, line, sizeof(line), &e, err, errlen) == -1)
		return -1;
	if (at > 0 && xe_terminate(x, at - 1) == -1)
		goto oom;
	if (at > 0 && x->l[at - 1].kind == XL_ENTRY &&
	    xe_in_group(x, at - 1)) {
		if (xe_insert(x, at, x->eol, strlen(x->eol)) == -1)
			goto oom;
		x->l[at++].kind = XL_BLANK;
	}
	if (xe_insert(x, at, line, strlen(line)) == -1) {
oom:
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	x->l[at].kind = XL_ENTRY;
	x->l[at].e = e;
	x->l[at].fresh = true;
	xe_reindex(x);
	x->last_line = (unsigned)at + 1;
	x->changed = true;
	return 0;
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
	if ((k = xe_find(x, &n.pfx)) != -1) {
		host_format(&n.pfx, a, sizeof(a));
		snprintf(err, errlen, "%s is already listed (%s:%u); remove it "
		    "first to change it", a, x->name,
		    x->l[x->ent[k]].e.line);
		return -1;
	}
	if (xe_put(x, &n, err, errlen) == -1)
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

/* Delete entry line i, and its own comment line: 1 when it did that. */
static int
xe_drop(struct excedit *x, size_t i)
{
	ssize_t	 c = xe_attached(x, i);
	char	 text[LINE_LEN];

	xl_text(&x->l[i], text, sizeof(text));
	xe_msg(x, EXCEDIT_INFO, "%s:%zu: removed %s", x->name, i + 1, text);
	xe_delete(x, i);
	if (c != -1) {
		xl_text(&x->l[c], text, sizeof(text));
		xe_msg(x, EXCEDIT_INFO, "%s:%zd: removed its comment %s",
		    x->name, c + 1, text);
		xe_delete(x, (size_t)c);
	}
	x->changed = true;
	return c != -1;
}

int
excedit_remove(struct excedit *x, const char *addr, const char *ticket,
    char *err, size_t errlen)
{
	struct prefix	 p;
	ssize_t		 k;
	size_t		 j, i;
	char		 a[PREFIX_STRLEN], b[PREFIX_STRLEN], t[EXC_TEXTLEN];
	char		 text[LINE_LEN];
	const struct exc_entry *e, *c;

	if (prefix_parse(addr, &p, err, errlen) == -1)
		return -1;
	if (ticket != NULL && ticket[0] != '\0' &&
	    xv_text("ticket", ticket, t, err, errlen) == -1)
		return -1;
	host_format(&p, a, sizeof(a));
	if ((k = xe_find(x, &p)) == -1) {
		e = NULL;
		for (j = 0; j < x->nent; j++) {
			c = &x->l[x->ent[j]].e;
			if (c->pfx.len < p.len &&
			    prefix_contains(&c->pfx, &p.addr) &&
			    (e == NULL || c->pfx.len > e->pfx.len))
				e = c;
		}
		if (e != NULL) {
			host_format(&e->pfx, b, sizeof(b));
			snprintf(err, errlen, "%s is not in %s (it is inside "
			    "%s, line %u, which stays)", a, x->name, b,
			    e->line);
		} else
			snprintf(err, errlen, "%s is not in %s", a, x->name);
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
	(void)xe_drop(x, i);
	xe_reindex(x);
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
	struct xnew	 n;
	int		 pos;		/* 1-based, in the JSON array */
};

static const char *const imp_keys[] = {
	"address", "prefix", "direction", "ticket", "owner", "expires",
	"added", "comment",
};
#define NIMP_KEYS	(sizeof(imp_keys) / sizeof(imp_keys[0]))

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

/* A string member (or null / absent: NULL); -1 for another type. */
static int
json_str(const cJSON *o, const char *key, const char **out)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, key);

	*out = NULL;
	if (v == NULL || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsString(v))
		return -1;
	*out = v->valuestring;
	return 0;
}

/* One array element into m; a problem message on -1. */
static int
imp_entry(const cJSON *o, struct ximp *m, char *err, size_t errlen)
{
	const cJSON	*c, *d, *pv;
	size_t		 i;
	const char	*addr, *slash;
	double		 pl;

	if (!cJSON_IsObject(o)) {
		snprintf(err, errlen, "not an object");
		return -1;
	}
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
		for (d = o->child; d != c; d = d->next)
			if (strcmp(d->string, c->string) == 0) {
				snprintf(err, errlen, "key '%s' given twice",
				    c->string);
				return -1;
			}
	}
	if (json_str(o, "address", &addr) == -1 || addr == NULL) {
		snprintf(err, errlen, "address is required (a string)");
		return -1;
	}
	if (strlen(addr) > 64) {
		snprintf(err, errlen, "address '%.40s...' is too long", addr);
		return -1;
	}
	pv = cJSON_GetObjectItemCaseSensitive(o, "prefix");
	slash = strchr(addr, '/');
	if (pv != NULL && !cJSON_IsNull(pv)) {
		pl = cJSON_IsNumber(pv) ? pv->valuedouble : -1;
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
	if (json_str(o, "direction", &m->r.direction) == -1 ||
	    json_str(o, "ticket", &m->r.ticket) == -1 ||
	    json_str(o, "owner", &m->r.owner) == -1 ||
	    json_str(o, "expires", &m->r.expires) == -1 ||
	    json_str(o, "added", &m->r.added) == -1 ||
	    json_str(o, "comment", &m->r.comment) == -1) {
		snprintf(err, errlen, "direction, ticket, owner, expires, "
		    "added and comment must be strings (or null)");
		return -1;
	}
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

/*
 * The lines of an import, decided on the file as it was: each is kept,
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

/* Entry line i becomes n; its comment changes where it is. */
static int
imp_change(struct excedit *x, size_t i, const struct xnew *n,
    struct xplan *plan, char *err, size_t errlen)
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
	if (plan_rep(&plan[i], line) == -1)
		goto oom;
	line[strcspn(line, "\r\n")] = '\0';
	xe_msg(x, EXCEDIT_INFO, "%s:%zu: changed %s", x->name, i + 1, line);
	if (xe_audit(x, "import", "change", line, was, n->ticket) == -1)
		goto oom;
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
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
	struct xnew	 old;
	ssize_t		*who = NULL;	/* line index -> element */
	char		 msg[ERRLEN], a[PREFIX_STRLEN], line[LINE_LEN];
	unsigned	 problems = 0, ln, col;
	size_t		 n, i, j, ra, rb, nplan = 0;
	ssize_t		 k, h;
	int		 rc = -1;

	memset(st, 0, sizeof(*st));
	root = cJSON_ParseWithLengthOpts(text, len, &end, false);
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
	if ((m = calloc(n, sizeof(*m))) == NULL ||
	    (sorted = calloc(n, sizeof(*sorted))) == NULL ||
	    (who = calloc(x->n ? x->n : 1, sizeof(*who))) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (j = 0; j < x->n; j++)
		who[j] = -1;

	/* Parse each element; match it with an entry of the file. */
	i = 0;
	cJSON_ArrayForEach(o, root) {
		m[i].pos = (int)i + 1;
		m[i].old = -1;
		sorted[i] = &m[i];
		if (imp_entry(o, &m[i], msg, sizeof(msg)) == -1) {
			xe_msg(x, EXCEDIT_ERROR, "%s: entry %zu: %s", name,
			    i + 1, msg);
			problems++;
		} else if ((k = xe_find(x, &m[i].pfx)) != -1)
			m[i].old = (ssize_t)x->ent[k];
		i++;
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
		}
		if (xe_check(x, &m[i].r, m[i].old != -1 ? &old : NULL,
		    &m[i].n, msg, sizeof(msg)) == 0) {
			if (m[i].old != -1 && xnew_equal(&m[i].n, &old)) {
				m[i].same = true;
				continue;
			}
			if (xe_format(x, &m[i].n, line, sizeof(line)) == 0)
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
	 * Then apply, bottom up, and append the new entries.
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
			if (imp_change(x, j, &m[who[j]].n, plan, err,
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
	for (j = x->n; j-- > 0;) {
		if (plan[j].del) {
			xe_delete(x, j);
			x->changed = true;
		} else if (plan[j].rep != NULL) {
			if (xe_replace(x, j, plan[j].rep,
			    strlen(plan[j].rep)) == -1)
				goto oom;
			if (x->l[j].kind == XL_ENTRY) {
				if (xe_parse(x, j, err, errlen) == -1)
					goto out;
				x->l[j].fresh = true;
			}
			x->changed = true;
		}
	}
	xe_reindex(x);
	for (i = 0; i < n; i++) {
		if (m[i].old != -1)
			continue;
		if (xe_put(x, &m[i].n, err, errlen) == -1)
			goto out;
		xl_text(&x->l[x->last_line - 1], line, sizeof(line));
		xe_msg(x, EXCEDIT_INFO, "%s:%u: added %s", x->name,
		    x->last_line, line);
		if (xe_audit(x, "import", "add", line, NULL, m[i].n.ticket) ==
		    -1)
			goto oom;
		st->added++;
	}
	xe_reindex(x);
	xe_warn_fresh(x);
	rc = 0;
	goto out;
oom:
	snprintf(err, errlen, "out of memory");
out:
	cJSON_Delete(root);
	free(m);
	free(sorted);
	free(who);
	for (j = 0; plan != NULL && j < nplan; j++)
		free(plan[j].rep);
	free(plan);
	return rc;
}

/* ---- commit ---- */

static int
xe_write_all(int fd, const char *p, size_t len)
{
	ssize_t	 w;

	while (len > 0) {
		if ((w = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

static int
xe_append_audit(struct excedit *x, char *err, size_t errlen)
{
	int	 fd;

	if (x->o.audit == NULL || x->auditlen == 0)
		return 0;
	if ((fd = open(x->o.audit, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0644)) == -1 || xe_write_all(fd, x->audit, x->auditlen) == -1 ||
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
 * nothing when nothing changed.
 */
int
excedit_commit(struct excedit *x, char *err, size_t errlen)
{
	char		 dir[MAX_PATH], tmp[MAX_PATH + 32], msg[ERRLEN];
	const char	*slash, *base;
	struct exc_list	 chk;
	int		 fd = -1, dfd;
	size_t		 i;

	if (!x->changed)
		return 0;
	if (!x->o.lock) {
		snprintf(err, errlen, "internal error: %s was not opened for "
		    "editing", x->name);
		return -1;
	}
	slash = strrchr(x->real, '/');
	snprintf(dir, sizeof(dir), "%.*s", slash == x->real ? 1 :
	    (int)(slash - x->real), x->real);
	base = slash + 1;
	snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", slash == x->real ? "" :
	    dir, base);
	if ((fd = mkstemp(tmp)) == -1) {
		snprintf(err, errlen, "cannot create a temporary file in %s: "
		    "%s", dir, strerror(errno));
		return -1;
	}
	for (i = 0; i < x->n; i++)
		if (xe_write_all(fd, x->l[i].s, x->l[i].len) == -1)
			goto syserr;
	if (fchmod(fd, x->st.st_mode & 07777) == -1)
		goto syserr;
	if ((x->st.st_uid != geteuid() || x->st.st_gid != getegid()) &&
	    fchown(fd, x->st.st_uid, x->st.st_gid) == -1)
		xe_msg(x, EXCEDIT_WARN, "%s: could not keep its owner and group "
		    "(%s)", x->name, strerror(errno));
	if (fsync(fd) == -1)
		goto syserr;
	if (close(fd) == -1) {
		fd = -1;
		goto syserr;
	}
	fd = -1;
	if (exc_load(tmp, &chk, msg, sizeof(msg)) == -1) {
		xe_unname(msg, tmp, x->name, err, errlen);
		unlink(tmp);
		return -1;
	}
	exc_free(&chk);
	if (xe_append_audit(x, err, errlen) == -1) {
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, x->real) == -1) {
		snprintf(err, errlen, "cannot replace %s: %s (the audit log "
		    "already has the change)", x->name, strerror(errno));
		unlink(tmp);
		return -1;
	}
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		if (fsync(dfd) == -1)
			xe_msg(x, EXCEDIT_WARN, "fsync %s: %s", dir,
			    strerror(errno));
		close(dfd);
	}
	x->changed = false;
	x->auditlen = 0;
	for (i = 0; i < x->n; i++)
		x->l[i].fresh = false;
	return 0;
syserr:
	snprintf(err, errlen, "cannot write %s: %s; nothing changed", tmp,
	    strerror(errno));
	if (fd != -1)
		close(fd);
	unlink(tmp);
	return -1;
}
