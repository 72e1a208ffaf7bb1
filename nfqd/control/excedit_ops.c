/*
 * excedit's edits: the values of an entry validated with the daemon's
 * own checks (exceptions.c), then add (a line appended), remove (a line,
 * and its own comment line, taken away) and set (a line changed in
 * place, through a plan that import uses too); the warnings on what the
 * session wrote.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/excedit_int.h"
#include "base/text.h"

/* exc_lint's warnings, as excedit's. */
static void
xe_warn(void *arg, const char *text)
{
	const struct excedit	*x = arg;

	if (x->o.msg != NULL)
		x->o.msg(x->o.arg, EXCEDIT_WARN, text);
}

/* ---- warnings on what this session wrote ---- */

/*
 * Every fresh entry outside internal-networks, the same as one, mapped,
 * and every overlap with another direction that a fresh entry makes: the
 * warnings of exc_lint, less the expiry ones (an edit sets them on
 * purpose).
 */
void
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

/* What entry line i says, as an xnew. */
void
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
int
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
	else if (exc_check_comment(v, n->comment, err, errlen) == -1)
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
	    !xe_pfx_equal(&e->pfx, &n->pfx) || e->dir != n->dir ||
	    strcmp(e->ticket, n->ticket) != 0 ||
	    strcmp(e->owner, n->owner) != 0 ||
	    strcmp(e->expires, n->expires) != 0) {
		snprintf(err, errlen, "internal error: the new line does not "
		    "parse back: %s", msg);
		return -1;
	}
	return 0;
}

/* ---- add ---- */

/*
 * Append the entries n[0..count) at the end of the file.  After an entry
 * under a comment heading, a blank line first: the new entries are not
 * part of that group, and the comment stays the old entry's own.  A file
 * without a line end after its last line keeps that: the new last line
 * has none (so that removing it restores the file).
 */
int
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
int
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
int
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

void
xe_plan_free(struct xplan *plan, size_t n)
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
	xe_plan_free(plan, nplan);
	if (rc == -1)
		return -1;
	x->last_line = (unsigned)i + 1;
	xe_warn_fresh(x);
	return 0;
}
