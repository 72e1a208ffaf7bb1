/*
 * excedit_import: the list made what a JSON array says, in place.  The
 * array is read by a quick reader of flat objects, or by cJSON (in an
 * arena) for anything else, with cJSON's messages; every element is
 * matched with the file's entries and validated before anything changes;
 * then one plan of deletions and changes, and the new entries appended.
 */
#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/excedit_int.h"

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
	int	 c = xe_pfx_cmp(&(*x)->pfx, &(*y)->pfx);

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
	return xe_pfx_equal(&a->pfx, &b->pfx) && a->dir == b->dir &&
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
 * The quick reader of the usual import: an array of objects with known
 * keys, each once, string or null values (prefix: digits or null),
 * strings without escapes.  Anything else it leaves to cJSON.
 */
struct quick {
	const char	*p, *e;
};

static inline void
quick_ws(struct quick *q)
{
	while (q->p < q->e && (*q->p == ' ' || *q->p == '\t' ||
	    *q->p == '\n' || *q->p == '\r'))
		q->p++;
}

/* Is the next byte, after blanks, c?  Then it is read. */
static inline bool
quick_is(struct quick *q, char c)
{
	quick_ws(q);
	if (q->p == q->e || *q->p != c)
		return false;
	q->p++;
	return true;
}

/*
 * The value of key i: v[i] and vl[i], vl[i] (size_t)-1 for null and,
 * for the prefix, the number itself.  false: not one the quick reader
 * takes.
 */
static bool
quick_value(struct quick *q, size_t i, const char **v, size_t *vl)
{
	const char	*s;
	int		 pl;

	quick_ws(q);
	if (q->e - q->p >= 4 && memcmp(q->p, "null", 4) == 0) {
		v[i] = "";
		vl[i] = (size_t)-1;
		q->p += 4;
	} else if (i == IMP_PREFIX) {
		for (s = q->p, pl = 0; q->p < q->e && *q->p >= '0' &&
		    *q->p <= '9' && q->p - s < 4; q->p++)
			pl = pl * 10 + (*q->p - '0');
		if (q->p == s || pl > 128 || (q->p < q->e && *q->p >= '0' &&
		    *q->p <= '9') || (*s == '0' && q->p - s > 1))
			return false;
		v[i] = s;
		vl[i] = (size_t)pl;
	} else {
		if (q->p == q->e || *q->p++ != '"')
			return false;
		for (s = q->p; q->p < q->e && *q->p != '"' && *q->p != '\\' &&
		    (unsigned char)*q->p >= 0x20; q->p++)
			;
		if (q->p == q->e || *q->p != '"')
			return false;
		v[i] = s;
		vl[i] = (size_t)(q->p++ - s);
	}
	return true;
}

/* One object's members into v and vl (v[i] NULL: key i is absent). */
static bool
quick_object(struct quick *q, const char **v, size_t *vl)
{
	const char	*k;
	size_t		 i, kl;

	memset(v, 0, NIMP_KEYS * sizeof(*v));
	if (!quick_is(q, '{'))
		return false;
	for (;;) {
		if (!quick_is(q, '"'))
			return false;
		for (k = q->p; q->p < q->e && *q->p != '"' && *q->p != '\\';
		    q->p++)
			;
		if (q->p == q->e || *q->p != '"')
			return false;
		kl = (size_t)(q->p++ - k);
		for (i = 0; i < NIMP_KEYS; i++)
			if (strlen(imp_keys[i]) == kl &&
			    memcmp(imp_keys[i], k, kl) == 0)
				break;
		if (i == NIMP_KEYS || v[i] != NULL || !quick_is(q, ':') ||
		    !quick_value(q, i, v, vl))
			return false;
		if (quick_is(q, ','))
			continue;
		return quick_is(q, '}');
	}
}

/*
 * An element from its values: its address (with the prefix), the other
 * strings copied into the arena.  1 done, 0 for the general path, -1
 * out of memory.
 */
static int
quick_element(const char **v, const size_t *vl, struct ximp *m)
{
	size_t	 i;
	char	*c;

	memset(m, 0, sizeof(*m));
	if (v[IMP_ADDRESS] == NULL || vl[IMP_ADDRESS] == (size_t)-1 ||
	    vl[IMP_ADDRESS] > 64)
		return 0;
	if (v[IMP_PREFIX] != NULL && vl[IMP_PREFIX] != (size_t)-1) {
		if (memchr(v[IMP_ADDRESS], '/', vl[IMP_ADDRESS]) != NULL)
			return 0;	/* do they agree? said there */
		snprintf(m->addr, sizeof(m->addr), "%.*s/%zu",
		    (int)vl[IMP_ADDRESS], v[IMP_ADDRESS], vl[IMP_PREFIX]);
	} else
		snprintf(m->addr, sizeof(m->addr), "%.*s",
		    (int)vl[IMP_ADDRESS], v[IMP_ADDRESS]);
	/* r.address: set once m stops moving (imp_match) */
	for (i = 2; i < NIMP_KEYS; i++) {
		if (v[i] == NULL || vl[i] == (size_t)-1)
			continue;
		if ((c = arena_alloc(vl[i] + 1)) == NULL)
			return -1;
		memcpy(c, v[i], vl[i]);
		c[vl[i]] = '\0';
		*imp_field(&m->r, i) = c;
	}
	return 1;
}

/*
 * The usual import, read without building a tree.  n elements into *mp
 * (their strings in the arena); 0 when the text is anything else, and
 * the general path (cJSON, with its messages) reads it; -1 when out of
 * memory.
 */
static ssize_t
imp_fast(const char *text, size_t len, struct ximp **mp)
{
	struct quick	 q = { text, text + len };
	const char	*v[NIMP_KEYS];
	size_t		 vl[NIMP_KEYS], n = 0, cap = 0;
	struct ximp	*m = NULL, *nm;

	*mp = NULL;
	if (!quick_is(&q, '['))
		return 0;
	do {
		if (!quick_object(&q, v, vl))
			goto slow;
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			if ((nm = reallocarray(m, cap, sizeof(*m))) == NULL)
				goto oom;
			m = nm;
		}
		switch (quick_element(v, vl, &m[n])) {
		case 0:
			goto slow;
		case -1:
			goto oom;
		}
		n++;
	} while (quick_is(&q, ','));
	if (!quick_is(&q, ']'))
		goto slow;
	quick_ws(&q);
	if (q.p != q.e || n == 0)
		goto slow;
	*mp = m;
	return (ssize_t)n;
slow:
	free(m);
	return 0;
oom:
	free(m);
	return -1;
}

/* An import under way: the array's elements, and what each does. */
struct imp {
	struct excedit	*x;
	const char	*name;		/* the array's, for messages */
	struct excedit_stats *st;
	struct ximp	*m;		/* the elements, in the array's order */
	size_t		 n;
	bool		 fast;		/* by imp_fast: addresses to parse */
	ssize_t		*who;		/* line index -> element, or -1 */
	struct xplan	*plan;
	size_t		 nplan;
	unsigned	 problems;
};

/*
 * The general reader: cJSON (in the arena), with where a syntax error
 * is, then each element (imp_entry); a bad element is a problem said
 * through opts.msg, the import goes on finding more.  -1 with err.
 */
static int
imp_tree(struct imp *im, const char *text, size_t len, char *err,
    size_t errlen)
{
	const cJSON	*root, *o;
	const char	*end = NULL, *name = im->name;
	char		 msg[ERRLEN];
	unsigned	 ln, col;
	size_t		 i = 0;

	if ((root = arena_parse(text, len, &end)) == NULL) {
		json_where(text, len, end != NULL ? (size_t)(end - text) : 0,
		    &ln, &col);
		snprintf(err, errlen, "%s:%u:%u: not valid JSON", name, ln,
		    col);
		return -1;
	}
	while (end != NULL && (size_t)(end - text) < len &&
	    isspace((unsigned char)*end))
		end++;
	if (end != NULL && (size_t)(end - text) < len) {
		json_where(text, len, (size_t)(end - text), &ln, &col);
		snprintf(err, errlen, "%s:%u:%u: text after the JSON array",
		    name, ln, col);
		return -1;
	}
	if (!cJSON_IsArray(root)) {
		snprintf(err, errlen, "%s: expected a JSON array of entries",
		    name);
		return -1;
	}
	if ((im->n = (size_t)cJSON_GetArraySize(root)) == 0) {
		snprintf(err, errlen, "%s: no entries; refusing to empty the "
		    "list (remove entries one by one, or edit the file)", name);
		return -1;
	}
	if ((im->m = calloc(im->n, sizeof(*im->m))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	cJSON_ArrayForEach(o, root) {
		if (imp_entry(o, &im->m[i], msg, sizeof(msg)) == -1) {
			xe_msg(im->x, EXCEDIT_ERROR, "%s: entry %zu: %s", name,
			    i + 1, msg);
			im->problems++;
		}
		i++;
	}
	return 0;
}

/* The array read, by the quick reader or else the general one. */
static int
imp_read(struct imp *im, const char *text, size_t len, char *err,
    size_t errlen)
{
	ssize_t	 k;

	if ((k = imp_fast(text, len, &im->m)) == -1) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (k > 0) {
		im->n = (size_t)k;
		im->fast = true;
		return 0;
	}
	return imp_tree(im, text, len, err, errlen);
}

/*
 * Each element with the file's entry of the same prefix (m[i].old), and
 * any prefix the array holds twice (a problem).  -1 out of memory.
 */
static int
imp_match(struct imp *im)
{
	struct excedit	*x = im->x;
	struct ximp	*m = im->m, **sorted;
	char		 msg[ERRLEN], a[PREFIX_STRLEN];
	size_t		 i, j;
	ssize_t		 k;

	if ((sorted = calloc(im->n, sizeof(*sorted))) == NULL ||
	    (im->who = calloc(x->n ? x->n : 1, sizeof(*im->who))) == NULL) {
		free(sorted);
		return -1;
	}
	for (j = 0; j < x->n; j++)
		im->who[j] = -1;
	for (i = 0; i < im->n; i++) {
		m[i].pos = (int)i + 1;
		m[i].old = -1;
		sorted[i] = &m[i];
		if (!m[i].ok && im->fast) {
			/* the fast path: the address is still to parse */
			m[i].r.address = m[i].addr;
			if (prefix_parse(m[i].addr, &m[i].pfx, msg,
			    sizeof(msg)) == -1) {
				xe_msg(x, EXCEDIT_ERROR, "%s: entry %zu: %s",
				    im->name, i + 1, msg);
				im->problems++;
				continue;
			}
			m[i].ok = true;
		}
		if (!m[i].ok)
			continue;
		if ((k = xe_find(x, &m[i].pfx)) == -2) {
			free(sorted);
			return -1;
		}
		if (k >= 0)
			m[i].old = (ssize_t)x->ent[k];
	}
	qsort(sorted, im->n, sizeof(*sorted), imp_cmp);
	for (i = 1; i < im->n; i++)
		if (sorted[i]->ok && sorted[i - 1]->ok &&
		    xe_pfx_equal(&sorted[i]->pfx, &sorted[i - 1]->pfx)) {
			host_format(&sorted[i]->pfx, a, sizeof(a));
			xe_msg(x, EXCEDIT_ERROR, "%s: entry %d: %s is also "
			    "entry %d", im->name, sorted[i]->pos, a,
			    sorted[i - 1]->pos);
			sorted[i]->ok = false;
			im->problems++;
		}
	free(sorted);
	return 0;
}

/*
 * Validate what would change: an element that says what its entry says
 * is kept as it is; any other is checked (xe_check) into m[i].n.  Each
 * problem said through opts.msg.  -1 out of memory.
 */
static int
imp_validate(struct imp *im)
{
	struct excedit	*x = im->x;
	struct ximp	*m = im->m;
	struct xnew	 old, nw;
	char		 msg[ERRLEN], line[LINE_LEN];
	size_t		 i;

	for (i = 0; i < im->n; i++) {
		if (!m[i].ok)
			continue;
		if (m[i].old != -1) {
			im->who[m[i].old] = (ssize_t)i;
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
				return -1;
			*m[i].n = nw;
			if (xe_format(x, m[i].n, line, sizeof(line)) == 0)
				continue;
			snprintf(msg, sizeof(msg), "entry line too long");
		}
		xe_msg(x, EXCEDIT_ERROR, "%s: entry %zu (%s): %s", im->name,
		    i + 1, m[i].addr, msg);
		im->problems++;
	}
	return 0;
}

/*
 * Decide on the file as it is, top down: an entry the array does not
 * name goes, and so does the comment line heading its run of entries
 * once every entry of the run goes (for a run of one: its own comment,
 * as remove does); a changed entry is rewritten in place.  -1 with err.
 */
static int
imp_plan(struct imp *im, char *err, size_t errlen)
{
	struct excedit	*x = im->x;
	char		 line[LINE_LEN];
	size_t		 i, j, ra, rb;
	ssize_t		 h, e;

	im->nplan = x->n;
	if ((im->plan = calloc(im->nplan ? im->nplan : 1,
	    sizeof(*im->plan))) == NULL)
		goto oom;
	for (j = 0; j < x->n; j++) {
		if (x->l[j].kind != XL_ENTRY)
			continue;
		if ((e = im->who[j]) == -1) {
			xl_text(&x->l[j], line, sizeof(line));
			xe_msg(x, EXCEDIT_INFO, "%s:%zu: removed %s", x->name,
			    j + 1, line);
			if (xe_audit(x, "import", "remove", line, NULL,
			    x->l[j].e.ticket) == -1)
				goto oom;
			im->plan[j].del = true;
			im->st->removed++;
		} else if (im->m[e].same)
			im->st->kept++;
		else {
			if (xe_change(x, j, im->m[e].n, im->plan, "import", err,
			    errlen) == -1)
				return -1;
			im->st->changed++;
		}
	}
	for (j = 0; j < x->n; j++) {
		if (x->l[j].kind != XL_ENTRY ||
		    (h = xe_heading(x, j, &ra, &rb)) == -1 || j != ra)
			continue;
		for (i = ra; i <= rb && im->plan[i].del; i++)
			;
		if (i > rb && !im->plan[h].del) {
			xl_text(&x->l[h], line, sizeof(line));
			xe_msg(x, EXCEDIT_INFO, "%s:%zd: removed %s %s",
			    x->name, h + 1, ra == rb ? "its comment" :
			    "their comment", line);
			im->plan[h].del = true;
		}
	}
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
	return -1;
}

/* The new entries appended, in the array's order.  -1 with err. */
static int
imp_add(struct imp *im, char *err, size_t errlen)
{
	struct excedit	*x = im->x;
	struct xnew	*add;
	char		 line[LINE_LEN];
	size_t		 i, j, nadd = 0, before;
	int		 rc = -1;

	for (i = 0; i < im->n; i++)
		if (im->m[i].old == -1)
			nadd++;
	if (nadd == 0)
		return 0;
	if ((add = calloc(nadd, sizeof(*add))) == NULL)
		goto oom;
	for (i = 0, nadd = 0; i < im->n; i++)
		if (im->m[i].old == -1)
			add[nadd++] = *im->m[i].n;
	before = x->n;
	if (xe_append(x, add, nadd, err, errlen) == -1)
		goto out;
	for (j = before; j < x->n; j++) {
		if (x->l[j].kind != XL_ENTRY)
			continue;
		xl_text(&x->l[j], line, sizeof(line));
		xe_msg(x, EXCEDIT_INFO, "%s:%zu: added %s", x->name, j + 1,
		    line);
		if (xe_audit(x, "import", "add", line, NULL,
		    x->l[j].e.ticket) == -1)
			goto oom;
		im->st->added++;
	}
	rc = 0;
	goto out;
oom:
	snprintf(err, errlen, "out of memory");
out:
	free(add);
	return rc;
}

/*
 * Make the list what the JSON array says, in place: entries it does not
 * name are removed (with their comment line, as remove does), entries
 * whose attributes differ are rewritten on their line, new ones are
 * appended in the array's order; every other line stays.  Everything is
 * validated first, every problem reported through opts.msg; then one
 * plan of deletions and changes is applied in one pass, and the new
 * entries appended.
 */
int
excedit_import(struct excedit *x, const char *text, size_t len,
    const char *name, struct excedit_stats *st, char *err, size_t errlen)
{
	struct imp	 im;
	size_t		 i;
	int		 rc = -1;

	memset(st, 0, sizeof(*st));
	memset(&im, 0, sizeof(im));
	im.x = x;
	im.name = name;
	im.st = st;
	if (imp_read(&im, text, len, err, errlen) == -1)
		goto out;
	if (imp_match(&im) == -1 || imp_validate(&im) == -1) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (im.problems > 0) {
		snprintf(err, errlen, "%s: %u problem%s; nothing imported",
		    name, im.problems, im.problems == 1 ? "" : "s");
		goto out;
	}
	if (imp_plan(&im, err, errlen) == -1 ||
	    xe_apply(x, im.plan, im.nplan, err, errlen) == -1 ||
	    imp_add(&im, err, errlen) == -1)
		goto out;
	xe_warn_fresh(x);
	rc = 0;
out:
	arena_drop();			/* the tree with it */
	for (i = 0; im.m != NULL && i < im.n; i++)
		free(im.m[i].n);
	free(im.m);
	free(im.who);
	xe_plan_free(im.plan, im.nplan);
	return rc;
}
