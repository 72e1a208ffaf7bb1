/*
 * Quarantine: the security officer's temporary restrictions.  A host (or
 * prefix) in quarantine has all its SMTP blocked, to and from it,
 * exceptions notwithstanding, from `since` until `until`.
 *
 * The list lives in <state-dir>/quarantine.json, so that it survives a
 * restart of the daemon:
 *
 *	{"version": 1, "quarantines": [
 *	  {"host": "10.20.3.44", "since": "2026-11-22T10:00:00Z",
 *	   "until": "2026-11-23T10:00:00Z", "reason": "spam bot, SEC-77",
 *	   "who": "alice"}
 *	]}
 *
 * with two bookkeeping fields: "pending": true while the entry's `start`
 * event is still owed (written by whoever adds it; the daemon writes the
 * event and clears it), and "removed_by" when it was ended early (its
 * `until` is then the time of the removal).
 *
 * Every change holds an exclusive flock(2) on quarantine.json.lock, reads
 * the file, writes a temporary file next to it, syncs it and renames it
 * over the old one: nfqctl (no daemon running) and the daemon (its
 * control socket) edit the same way, and concurrent edits lose nothing.
 * quar_settle() is the daemon's half: it writes the owed events (start
 * for pending entries, end for those whose time is over) and drops the
 * ended entries from the file.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "policy/quarantine.h"
#include "base/defs.h"
#include "base/addr.h"
#include "base/lpm.h"
#include "policy/conf.h"
#include "policy/exceptions.h"
#include "base/files.h"
#include "base/when.h"
#include "base/text.h"

#define QUAR_FILE_MAX	(8 << 20)	/* bytes of quarantine.json */
#define QUAR_LOCK_MS	30000

void
quar_path(const struct conf *c, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", c->state_dir, QUAR_FILE);
}

/* "30s", "15m", "24h", "7d", "2w" or seconds; 1 s to 366 days. */
int
duration_parse(const char *s, int64_t *out)
{
	int64_t		 n = 0, mul = 1;
	const char	*p = s;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		n = n * 10 + (*p - '0');
		if (n > QUAR_MAX_SECS)
			return -1;
	}
	switch (*p) {
	case '\0': break;
	case 's': mul = 1; p++; break;
	case 'm': mul = 60; p++; break;
	case 'h': mul = 3600; p++; break;
	case 'd': mul = 86400; p++; break;
	case 'w': mul = 7 * 86400; p++; break;
	default: return -1;
	}
	if (*p != '\0' || n == 0 || n > QUAR_MAX_SECS / mul)
		return -1;
	*out = n * mul;
	return 0;
}

/* Valid UTF-8 without control characters (C0, DEL or C1). */
static bool
text_ok(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 n = strlen(s), i, k;
	uint32_t		 c;

	for (i = 0; i < n; i += k)
		if ((k = utf8_seq(p + i, n - i, &c)) == 0 || c < 0x20 ||
		    c == 0x7f || (c >= 0x80 && c < 0xa0))
			return false;
	return true;
}

/* A who or removed_by as quar_load() takes it (ctl.c checks clients'). */
bool
quar_text_ok(const char *s)
{
	return s[0] != '\0' && strlen(s) < QUAR_WHOLEN && text_ok(s);
}

/*
 * What `quarantine add` takes, checked the same way in nfqctl and in the
 * daemon: HOST (an address, or a prefix without host bits, not /0), the
 * duration, the reason (1-200 bytes of printable UTF-8).
 */
int
quar_check(const char *host, const char *dur, const char *reason,
    struct prefix *pfx, int64_t *secs, char *err, size_t errlen)
{
	char	 msg[ERRLEN];

	if (host == NULL || prefix_parse(host, pfx, msg, sizeof(msg)) == -1) {
		snprintf(err, errlen, "%s", host == NULL ? "no host" : msg);
		return -1;
	}
	if (pfx->len == 0) {
		snprintf(err, errlen, "'%s' is every address: quarantine a host "
		    "or a network", host);
		return -1;
	}
	if (dur != NULL && duration_parse(dur, secs) == -1) {
		snprintf(err, errlen, "bad duration '%.40s' (e.g. 30m, 24h, 7d, "
		    "or seconds; at most 366d)", dur);
		return -1;
	}
	if (reason != NULL) {
		if (reason[0] == '\0' || strlen(reason) >= QUAR_REASONLEN) {
			snprintf(err, errlen, "the reason must be 1-%d bytes",
			    QUAR_REASONLEN - 1);
			return -1;
		}
		if (!text_ok(reason)) {
			snprintf(err, errlen, "the reason has a control "
			    "character or is not UTF-8");
			return -1;
		}
	}
	return 0;
}

/* ---- times as text: "2026-11-22T10:00:00Z" ---- */

static int
when_parse_iso(const char *s, int64_t *out)
{
	const char	*end;

	if (when_parse(s, out, &end) == -1 || end - s != 19 ||
	    strcmp(end, "Z") != 0)
		return -1;
	return 0;
}

/* ---- the list ---- */

void
quar_free(struct quar_list *l)
{
	if (l == NULL)
		return;
	lpm_free(&l->lpm);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

void
quar_destroy(struct quar_list *l)
{
	quar_free(l);
	free(l);
}

static int
quar_index(struct quar_list *l, char *err, size_t errlen)
{
	size_t	 dup[2];
	char	 a[PREFIX_STRLEN];

	lpm_free(&l->lpm);
	switch (lpm_build(&l->lpm, l->v, l->n, sizeof(*l->v), dup)) {
	case -1:
		snprintf(err, errlen, "out of memory");
		return -1;
	case 1:
		host_format(&l->v[dup[1]].pfx, a, sizeof(a));
		snprintf(err, errlen, "%s is listed twice", a);
		return -1;
	}
	return 0;
}

static const char *
json_text(const cJSON *o, const char *key)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int
quar_entry_json(const cJSON *o, struct quar_entry *e, char *err,
    size_t errlen)
{
	static const char *const keys[] = { "host", "since", "until",
	    "reason", "who", "removed_by", "pending" };
	const char	*host, *since, *until, *reason, *who, *rb;
	const cJSON	*k, *pending;
	char		 msg[ERRLEN];
	size_t		 i;

	memset(e, 0, sizeof(*e));
	if (!cJSON_IsObject(o)) {
		snprintf(err, errlen, "not an object");
		return -1;
	}
	cJSON_ArrayForEach(k, o) {
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (k->string != NULL && strcmp(k->string, keys[i]) == 0)
				break;
		if (i == sizeof(keys) / sizeof(keys[0])) {
			snprintf(err, errlen, "unknown key '%.40s'",
			    k->string ? k->string : "?");
			return -1;
		}
	}
	host = json_text(o, "host");
	since = json_text(o, "since");
	until = json_text(o, "until");
	reason = json_text(o, "reason");
	who = json_text(o, "who");
	rb = json_text(o, "removed_by");
	pending = cJSON_GetObjectItemCaseSensitive(o, "pending");
	if (host == NULL || since == NULL || until == NULL || reason == NULL ||
	    who == NULL) {
		snprintf(err, errlen, "host, since, until, reason and who are "
		    "required strings");
		return -1;
	}
	if (quar_check(host, NULL, reason, &e->pfx, NULL, msg,
	    sizeof(msg)) == -1) {
		snprintf(err, errlen, "%s", msg);
		return -1;
	}
	if (when_parse_iso(since, &e->since) == -1 ||
	    when_parse_iso(until, &e->until) == -1 || e->until < e->since) {
		snprintf(err, errlen, "bad since/until (YYYY-MM-DDTHH:MM:SSZ, "
		    "until not before since)");
		return -1;
	}
	if (strlen(who) >= QUAR_WHOLEN || (rb != NULL &&
	    strlen(rb) >= QUAR_WHOLEN) || !text_ok(who) ||
	    (rb != NULL && !text_ok(rb))) {
		snprintf(err, errlen, "bad who or removed_by (1-%d bytes of "
		    "text)", QUAR_WHOLEN - 1);
		return -1;
	}
	if (pending != NULL && !cJSON_IsBool(pending)) {
		snprintf(err, errlen, "pending must be true or false");
		return -1;
	}
	snprintf(e->reason, sizeof(e->reason), "%s", reason);
	snprintf(e->who, sizeof(e->who), "%s", who);
	if (rb != NULL)
		snprintf(e->removed_by, sizeof(e->removed_by), "%s", rb);
	e->pending = pending != NULL && cJSON_IsTrue(pending);
	return 0;
}

/* Parse the text of quarantine.json (name: for messages). */
static int
quar_parse(const char *name, const char *text, struct quar_list *l,
    char *err, size_t errlen)
{
	cJSON		*root, *arr, *o, *ver;
	char		 msg[ERRLEN];
	size_t		 i = 0;

	memset(l, 0, sizeof(*l));
	if ((root = cJSON_Parse(text)) == NULL) {
		snprintf(err, errlen, "%s: not valid JSON", name);
		return -1;
	}
	arr = cJSON_GetObjectItemCaseSensitive(root, "quarantines");
	ver = cJSON_GetObjectItemCaseSensitive(root, "version");
	if (!cJSON_IsObject(root) || !cJSON_IsArray(arr) ||
	    !cJSON_IsNumber(ver) || ver->valuedouble != 1) {
		snprintf(err, errlen, "%s: expected {\"version\": 1, "
		    "\"quarantines\": [...]}", name);
		cJSON_Delete(root);
		return -1;
	}
	if ((size_t)cJSON_GetArraySize(arr) > QUAR_MAX) {
		snprintf(err, errlen, "%s: more than %d entries", name,
		    QUAR_MAX);
		cJSON_Delete(root);
		return -1;
	}
	if ((l->v = calloc((size_t)cJSON_GetArraySize(arr) + 1,
	    sizeof(*l->v))) == NULL) {
		snprintf(err, errlen, "%s: out of memory", name);
		cJSON_Delete(root);
		return -1;
	}
	cJSON_ArrayForEach(o, arr) {
		if (quar_entry_json(o, &l->v[i], msg, sizeof(msg)) == -1) {
			snprintf(err, errlen, "%s: entry %zu: %s", name, i + 1,
			    msg);
			goto fail;
		}
		i++;
	}
	l->n = i;
	cJSON_Delete(root);
	if (quar_index(l, msg, sizeof(msg)) == -1) {
		snprintf(err, errlen, "%s: %s", name, msg);
		quar_free(l);
		return -1;
	}
	return 0;
fail:
	cJSON_Delete(root);
	quar_free(l);
	return -1;
}

/* Read the file at fd (or path); a missing file is an empty list. */
static int
quar_read(const char *path, struct quar_list *l, char *err, size_t errlen)
{
	char		*buf;
	int		 rc;

	memset(l, 0, sizeof(*l));
	if ((buf = file_read_text(path, QUAR_FILE_MAX, true, err, errlen)) == NULL)
		return err[0] == '\0' ? quar_index(l, err, errlen) : -1;
	rc = quar_parse(path, buf, l, err, errlen);
	free(buf);
	return rc;
}

int
quar_load(const char *path, struct quar_list *l, char *err, size_t errlen)
{
	return quar_read(path, l, err, errlen);
}

/* The entry in force at `now` for address a: the most specific one. */
const struct quar_entry *
quar_match(const struct quar_list *l, const struct ip_addr *a, int64_t now)
{
	uint32_t		 idx[129];
	const struct quar_entry	*e;
	int			 i, n;

	if (l == NULL || l->n == 0)
		return NULL;
	n = lpm_lookup(&l->lpm, a, idx, 129);
	for (i = 0; i < n; i++) {
		e = &l->v[idx[i]];
		if (e->since <= now && now < e->until)
			return e;
	}
	return NULL;
}

/* ---- edits: lock, read, change, write ---- */

struct quar_session {
	char		 path[MAX_PATH];
	char		 dir[MAX_PATH];
	int		 lockfd;
	struct quar_list l;
};

static int
qs_open(struct quar_session *s, const char *dir, char *err, size_t errlen)
{
	char	 lock[MAX_PATH + 32];

	memset(s, 0, sizeof(*s));
	s->lockfd = -1;
	snprintf(s->dir, sizeof(s->dir), "%s", dir);
	snprintf(s->path, sizeof(s->path), "%s/%s", dir, QUAR_FILE);
	if (mkdir(dir, 0750) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create the state folder %s: %s",
		    dir, strerror(errno));
		return -1;
	}
	snprintf(lock, sizeof(lock), "%s.lock", s->path);
	if ((s->lockfd = file_lock(lock, 0640, QUAR_LOCK_MS)) == -1) {
		snprintf(err, errlen, "cannot lock %s: %s", lock,
		    errno == EWOULDBLOCK ? "held by another edit for 30 s" :
		    strerror(errno));
		return -1;
	}
	if (quar_read(s->path, &s->l, err, errlen) == -1) {
		close(s->lockfd);
		s->lockfd = -1;
		return -1;
	}
	return 0;
}

static void
qs_close(struct quar_session *s)
{
	quar_free(&s->l);
	if (s->lockfd != -1)
		close(s->lockfd);
	s->lockfd = -1;
}

static char *
quar_json(const struct quar_list *l)
{
	cJSON		*root, *arr, *o;
	char		 a[PREFIX_STRLEN], t[32], *s;
	size_t		 i;

	if ((root = cJSON_CreateObject()) == NULL)
		return NULL;
	cJSON_AddNumberToObject(root, "version", 1);
	arr = cJSON_AddArrayToObject(root, "quarantines");
	for (i = 0; arr != NULL && i < l->n; i++) {
		const struct quar_entry *e = &l->v[i];

		if ((o = cJSON_CreateObject()) == NULL)
			break;
		cJSON_AddItemToArray(arr, o);
		host_format(&e->pfx, a, sizeof(a));
		cJSON_AddStringToObject(o, "host", a);
		when_format(e->since, WHEN_ISO, t, sizeof(t));
		cJSON_AddStringToObject(o, "since", t);
		when_format(e->until, WHEN_ISO, t, sizeof(t));
		cJSON_AddStringToObject(o, "until", t);
		cJSON_AddStringToObject(o, "reason", e->reason);
		cJSON_AddStringToObject(o, "who", e->who);
		if (e->removed_by[0] != '\0')
			cJSON_AddStringToObject(o, "removed_by", e->removed_by);
		if (e->pending)
			cJSON_AddTrueToObject(o, "pending");
	}
	if (arr == NULL || i < l->n) {
		cJSON_Delete(root);
		return NULL;
	}
	s = cJSON_Print(root);
	cJSON_Delete(root);
	return s;
}

/* Write the session's list. */
static int
qs_write(struct quar_session *s, char *err, size_t errlen)
{
	char	*text;
	int	 rc;

	if ((text = quar_json(&s->l)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rc = file_write_text(s->path, text, err, errlen);
	cJSON_free(text);
	return rc;
}

static ssize_t
qs_find(const struct quar_session *s, const struct prefix *p)
{
	int64_t	 k = lpm_exact(&s->l.lpm, p);

	return k < 0 ? -1 : (ssize_t)k;
}

/*
 * Put e in force (e->pending is set here: its start event is owed).
 * Refused when the host already has an entry that has not ended.
 */
int
quar_add(const char *dir, const struct quar_entry *e, char *err,
    size_t errlen)
{
	struct quar_session	 s;
	struct quar_entry	*nv;
	char			 a[PREFIX_STRLEN], t[32];
	ssize_t			 k;

	/* What quar_load() would refuse must not reach the file. */
	if (!quar_text_ok(e->who)) {
		snprintf(err, errlen, "who must be 1-%d bytes of text (UTF-8, "
		    "no control characters)", QUAR_WHOLEN - 1);
		return -1;
	}
	if (qs_open(&s, dir, err, errlen) == -1)
		return -1;
	if ((k = qs_find(&s, &e->pfx)) >= 0) {
		const struct quar_entry *o = &s.l.v[k];

		host_format(&o->pfx, a, sizeof(a));
		when_format(o->until, WHEN_ISO, t, sizeof(t));
		if (o->until > e->since)
			snprintf(err, errlen, "%s is already in quarantine until "
			    "%s (by %s: %s); remove it first", a, t, o->who,
			    o->reason);
		else
			snprintf(err, errlen, "%s: its last quarantine is still "
			    "being ended; try again in a second", a);
		qs_close(&s);
		return -1;
	}
	if (s.l.n >= QUAR_MAX) {
		snprintf(err, errlen, "%d hosts in quarantine already",
		    QUAR_MAX);
		qs_close(&s);
		return -1;
	}
	if ((nv = reallocarray(s.l.v, s.l.n + 1, sizeof(*nv))) == NULL) {
		snprintf(err, errlen, "out of memory");
		qs_close(&s);
		return -1;
	}
	s.l.v = nv;
	s.l.v[s.l.n] = *e;
	s.l.v[s.l.n].pending = true;
	s.l.v[s.l.n].removed_by[0] = '\0';
	s.l.n++;
	if (qs_write(&s, err, errlen) == -1) {
		qs_close(&s);
		return -1;
	}
	qs_close(&s);
	return 0;
}

/*
 * End the quarantine of exactly that prefix now: its until becomes `now`
 * and removed_by `who`; quar_settle() then writes its end event and
 * drops it.  *out gets the entry as it was.
 */
int
quar_remove(const char *dir, const struct prefix *p, int64_t now,
    const char *who, struct quar_entry *out, char *err, size_t errlen)
{
	struct quar_session	 s;
	struct quar_entry	*e;
	const struct quar_entry	*in;
	char			 a[PREFIX_STRLEN], b[PREFIX_STRLEN];
	ssize_t			 k;

	if (who != NULL && who[0] != '\0' && !quar_text_ok(who)) {
		snprintf(err, errlen, "who must be 1-%d bytes of text (UTF-8, "
		    "no control characters)", QUAR_WHOLEN - 1);
		return -1;
	}
	if (qs_open(&s, dir, err, errlen) == -1)
		return -1;
	host_format(p, a, sizeof(a));
	if ((k = qs_find(&s, p)) < 0 || s.l.v[k].until <= now) {
		if ((in = quar_match(&s.l, &p->addr, now)) != NULL) {
			host_format(&in->pfx, b, sizeof(b));
			snprintf(err, errlen, "%s is not in quarantine itself; "
			    "%s around it is (remove that)", a, b);
		} else
			snprintf(err, errlen, "%s is not in quarantine", a);
		qs_close(&s);
		return -1;
	}
	e = &s.l.v[k];
	if (out != NULL)
		*out = *e;
	e->until = now < e->since ? e->since : now;
	snprintf(e->removed_by, sizeof(e->removed_by), "%s",
	    who != NULL && who[0] ? who : "?");
	if (qs_write(&s, err, errlen) == -1) {
		qs_close(&s);
		return -1;
	}
	qs_close(&s);
	return 0;
}

/*
 * The daemon's bookkeeping, at start, after every change and when an
 * entry's time is over: a start event for each pending entry, an end
 * event for each entry whose until has come (removed_by says whether it
 * was removed or expired), the ended entries dropped from the file.  The
 * file is written first, the events after, so a failed write owes them
 * still.  *out (may be NULL) gets the list that stays.
 */
int
quar_settle(const char *dir, int64_t now, struct quar_list *out, quar_cb cb,
    void *arg, char *err, size_t errlen)
{
	struct quar_session	 s;
	struct quar_entry	*ev = NULL;
	uint8_t			*act = NULL;
	size_t			 i, j, nev = 0;
	bool			 changed = false;
	int			 rc = -1;

	if (out != NULL)
		memset(out, 0, sizeof(*out));
	/* Nothing ever quarantined: no folder to make, no lock to take. */
	snprintf(s.path, sizeof(s.path), "%s/%s", dir, QUAR_FILE);
	if (access(s.path, F_OK) == -1 && errno == ENOENT)
		return out != NULL ? quar_index(out, err, errlen) : 0;
	if (qs_open(&s, dir, err, errlen) == -1)
		return -1;
	if ((ev = calloc(s.l.n * 2 + 1, sizeof(*ev))) == NULL ||
	    (act = calloc(s.l.n * 2 + 1, 1)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (i = j = 0; i < s.l.n; i++) {
		struct quar_entry *e = &s.l.v[i];

		if (e->pending) {
			e->pending = false;
			act[nev] = QA_START;
			ev[nev++] = *e;
			changed = true;
		}
		if (e->until <= now) {
			act[nev] = QA_END;
			ev[nev++] = *e;
			changed = true;
			continue;
		}
		s.l.v[j++] = *e;
	}
	s.l.n = j;
	if (changed && (quar_index(&s.l, err, errlen) == -1 ||
	    qs_write(&s, err, errlen) == -1))
		goto out;
	for (i = 0; cb != NULL && i < nev; i++)
		cb(arg, act[i], &ev[i]);
	if (out != NULL) {
		*out = s.l;
		memset(&s.l, 0, sizeof(s.l));
	}
	rc = 0;
out:
	free(ev);
	free(act);
	qs_close(&s);
	return rc;
}
