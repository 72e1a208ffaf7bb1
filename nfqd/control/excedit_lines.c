/*
 * excedit's file model: exceptions.conf held as its lines, each classified
 * (blank, comment, entry) by the daemon's parser, with what an edit needs
 * to keep every other byte as it was: the runs of entry lines and the
 * comment that heads them, the index of the entries by prefix, the
 * columns the file aligns to, the BOM and the line ends (CRLF).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control/excedit_int.h"
#include "base/text.h"

#define DEF_COL1	20	/* layout of an empty file: the sample's */
#define DEF_COL2	10

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
void
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

bool
xl_has_end(const struct xline *l)
{
	return l->len > 0 && l->s[l->len - 1] == '\n';
}

/* ---- the lines ---- */

/* After any change: the entries, their line numbers, their runs. */
void
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
int
xe_parse(struct excedit *x, size_t i, char *err, size_t errlen)
{
	struct xline	*l = &x->l[i];
	char		 msg[ERRLEN] = "";

	switch (exc_check_line(l->s, l->len, x->o.conf, &l->e, &l->cpos, msg,
	    sizeof(msg))) {
	case -1:
		snprintf(err, errlen, "%s:%zu: %s", x->name, i + 1, msg);
		return -1;
	case 1:
		l->kind = XL_ENTRY;
		l->e.line = (unsigned)(i + 1);
		break;
	default:	/* nothing but blanks before its comment, if any */
		l->kind = l->cpos != NO_COMMENT ? XL_COMMENT : XL_BLANK;
	}
	return 0;
}

int
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

void
xl_free(struct xline *l)
{
	if (l->owned)
		free(l->s);
}

void
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
ssize_t
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
ssize_t
xe_attached(const struct excedit *x, size_t i)
{
	size_t	 a, b;
	ssize_t	 h = xe_heading(x, i, &a, &b);

	return a == b ? h : -1;
}

/* The entry on line i's comment; *own: the comment's own line or 0. */
void
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
bool
xe_in_group(const struct excedit *x, size_t i)
{
	size_t	 a = x->l[i].first;

	return a > 0 && x->l[a - 1].kind == XL_COMMENT;
}

/* The entries as one array, and a table of them by prefix. */
int
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
ssize_t
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
void
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

void __attribute__((format(printf, 2, 3)))
xe_sb_add(struct sb *b, const char *fmt, ...)
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
	xe_sb_add(b, "%*s", n, "");
}

/* The entry's line, in the file's layout, with the file's line end. */
int
xe_format(const struct excedit *x, const struct xnew *e, char *out,
    size_t cap)
{
	struct sb	 b = { out, 0, cap, false };
	char		 a[PREFIX_STRLEN];
	const char	*d = exc_dir_name(e->dir);

	host_format(&e->pfx, a, sizeof(a));
	xe_sb_add(&b, "%s", a);
	sb_pad(&b, (int)strlen(a), x->lay.abs1, x->lay.col1, x->lay.min1);
	xe_sb_add(&b, "%s", d);
	sb_pad(&b, (int)strlen(d), x->lay.abs2, x->lay.col2, x->lay.min2);
	if (e->ticket[0])
		xe_sb_add(&b, "ticket=%s ", e->ticket);
	if (e->owner[0])
		xe_sb_add(&b, "owner=%s ", e->owner);
	if (e->expires[0])
		xe_sb_add(&b, "expires=%s ", e->expires);
	if (e->added[0])
		xe_sb_add(&b, "added=%s ", e->added);
	while (b.len > 0 && out[b.len - 1] == ' ')
		out[--b.len] = '\0';
	if (e->comment[0])
		xe_sb_add(&b, "  # %s", e->comment);
	xe_sb_add(&b, "%s", x->eol);
	if (b.over || b.len >= LINE_LEN)
		return -1;
	return 0;
}

/* The whole of fd into *buf (malloc'd, NUL-terminated); -1 with errno. */
int
xe_read_fd(int fd, char **buf, size_t *len)
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

int
xe_read(struct excedit *x, char *err, size_t errlen)
{
	int		 fd;
	char		*p, *e, *buf, *end, *t;
	size_t		 nl;

	if ((fd = open(x->real, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &x->st) == -1 || xe_read_fd(fd, &x->orig, &x->origlen) ==
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
	if (utf8_bom(buf, x->origlen) > 0) {
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

/* ---- line ends ---- */

/* Give line i a line end if it has none. */
int
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
void
xe_unterminate(struct excedit *x, size_t i)
{
	struct xline	*l = &x->l[i];

	if (l->len > 0 && l->s[l->len - 1] == '\n')
		l->len--;
	if (l->len > 0 && l->s[l->len - 1] == '\r')
		l->len--;
	l->s[l->len] = '\0';
}
