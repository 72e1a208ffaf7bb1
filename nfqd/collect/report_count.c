/*
 * nfqd-collect report: every event counted once, into the days, tables,
 * alerts and responses of struct report (report.h); then the period
 * filled and the sorted views every writer uses (report_finish).
 */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "base/defs.h"
#include "base/addr.h"
#include "collect/collect.h"
#include "collect/report.h"

/* ---- days ---- */

/* "YYYY-MM-DD" at the start of s: its day, or -1. */
int64_t
rpt_day_of(const char *s)
{
	return s == NULL ? -1 : day_parse(s, strnlen(s, 10));
}

/* The hour of an event's timestamp (YYYY-MM-DDTHH...), or -1. */
static int
hour_of(const char *ts)
{
	if (strnlen(ts, 13) < 13 || ts[10] != 'T' || ts[11] < '0' ||
	    ts[11] > '2' || ts[12] < '0' || ts[12] > '9')
		return -1;
	int h = (ts[11] - '0') * 10 + (ts[12] - '0');
	return h < 24 ? h : -1;
}

bool
rpt_day_empty(const struct rpt_day *d)
{
	return d->events == 0;
}

/* The day's entry, kept sorted; made when new. */
static struct rpt_day *
day_get(struct report *r, int64_t day)
{
	size_t	 lo = 0, hi = r->ndays, mid;

	if (r->ndays > 0 && r->days[r->ndays - 1].day == day)
		return &r->days[r->ndays - 1];
	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (r->days[mid].day == day)
			return &r->days[mid];
		if (r->days[mid].day < day)
			lo = mid + 1;
		else
			hi = mid;
	}
	GROW(r->days, r->ndays, r->capdays);
	memmove(&r->days[lo + 1], &r->days[lo],
	    (r->ndays - lo) * sizeof(*r->days));
	memset(&r->days[lo], 0, sizeof(*r->days));
	r->days[lo].day = day;
	r->ndays++;
	return &r->days[lo];
}

/* ---- count tables ---- */

/* A character as rpt_strdup keeps it. */
static unsigned char
clean_char(char c)
{
	return (unsigned char)c < 0x20 || c == 0x7f ? '?' : (unsigned char)c;
}

static uint64_t
str_hash(const char *s)
{
	uint64_t	 h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ clean_char(*s)) * 1099511628211ULL;
	return h;
}

/* A kept key against one from an event, as rpt_strdup would keep it. */
static bool
key_eq(const char *kept, const char *s)
{
	for (; *kept && *s; kept++, s++)
		if ((unsigned char)*kept != clean_char(*s))
			return false;
	return *kept == *s;
}

struct rpt_item *
rpt_table_get(struct rpt_table *t, const char *key)
{
	struct rpt_item	*old = t->v;
	size_t		 i, oldcap = t->cap;

	if (t->n * 2 >= t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		t->v = rpt_realloc(NULL, t->cap, sizeof(*t->v));
		memset(t->v, 0, t->cap * sizeof(*t->v));
		for (i = 0; i < oldcap; i++) {
			size_t j;

			if (old[i].key == NULL)
				continue;
			for (j = str_hash(old[i].key) & (t->cap - 1);
			    t->v[j].key != NULL; j = (j + 1) & (t->cap - 1))
				;
			t->v[j] = old[i];
		}
		free(old);
	}
	for (i = str_hash(key) & (t->cap - 1); t->v[i].key != NULL;
	    i = (i + 1) & (t->cap - 1))
		if (key_eq(t->v[i].key, key))
			return &t->v[i];
	t->v[i].key = rpt_strdup(key);
	t->n++;
	return &t->v[i];
}

const struct rpt_item *
rpt_table_find(const struct rpt_table *t, const char *key)
{
	size_t	 i;

	if (t->cap == 0)
		return NULL;
	for (i = str_hash(key) & (t->cap - 1); t->v[i].key != NULL;
	    i = (i + 1) & (t->cap - 1))
		if (strcmp(t->v[i].key, key) == 0)
			return &t->v[i];
	return NULL;
}

void
rpt_table_free(struct rpt_table *t)
{
	for (size_t i = 0; i < t->cap; i++) {
		free(t->v[i].key);
		for (size_t k = 0; k < 3; k++)
			free(t->v[i].s[k]);
		free(t->v[i].days);
	}
	free(t->v);
}

/* A timestamp from an event into a TS_LEN buffer, as rpt_strdup cleans. */
#define ts_copy(dst, src)	ts_copy_((dst), sizeof(dst), (src))
static void
ts_copy_(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src);
	for (; *dst; dst++)
		if ((unsigned char)*dst < 0x20 || *dst == 0x7f)
			*dst = '?';
}

static void
item_seen(struct rpt_item *it, const char *ts)
{
	if (it->first[0] == '\0' || strcmp(ts, it->first) < 0)
		ts_copy(it->first, ts);
	if (strcmp(ts, it->last) > 0)
		ts_copy(it->last, ts);
}

uint64_t
rpt_refused(const struct rpt_item *it)
{
	return it->n[0] + it->n[1] + it->n[2] + it->n[3];
}

/* ---- what one event says ---- */

const char *
rpt_or_dash(const char *s)
{
	return s != NULL && s[0] != '\0' ? s : "-";
}
/* "a, b": add s to a short list of names, once. */
static void
list_add(char **list, const char *s)
{
	size_t	 len;
	char	*p;

	if (*list == NULL) {
		*list = rpt_strdup(s);
		return;
	}
	for (p = *list; (p = strstr(p, s)) != NULL; p += strlen(s))
		if ((p == *list || p[-1] == ' ') &&
		    (p[strlen(s)] == ',' || p[strlen(s)] == '\0'))
			return;
	len = strlen(*list);
	if (len > 200)
		return;
	*list = rpt_realloc(*list, len + strlen(s) + 3, 1);
	snprintf(*list + len, strlen(s) + 3, ", %s", s);
}

static struct rpt_resp *
resp_get(struct report *r, bool harvest, const char *host, const char *since,
    const char *until)
{
	struct rpt_resp	*q;

	for (size_t i = 0; i < r->nresps; i++) {
		q = &r->resps[i];
		if (q->harvest != harvest || strcmp(q->host, host) != 0)
			continue;
		/* a quarantine is known by its start, a harvest block by its
		 * end (the alert that started it knows only that) */
		if (!harvest && since != NULL && strcmp(q->since, since) == 0)
			return q;
		if (harvest && until != NULL && strcmp(q->until, until) == 0)
			return q;
	}
	GROW(r->resps, r->nresps, r->capresps);
	q = &r->resps[r->nresps++];
	memset(q, 0, sizeof(*q));
	q->harvest = harvest;
	q->host = rpt_strdup(host);
	if (since != NULL)
		ts_copy(q->since, since);
	if (until != NULL)
		ts_copy(q->until, until);
	return q;
}

static void
count_decision(struct report *r, const cJSON *o, struct rpt_day *day,
    struct rpt_item *router, const char *ts, bool summary)
{
	const char	*reason, *campus = NULL, *outside = NULL, *s, *u;
	struct rpt_item	*it;
	struct rpt_resp	*q;
	double		 c = 1;
	uint64_t	 n;
	int		 d, a, m, col, h;

	if (summary) {
		if (!rf_num(o, RF_SUM_COUNT, &c) || c < 0 || c > 1e15)
			return;
		d = rv_direction(rf_str(o, RF_SUM_DIRECTION));
		a = rv_action(rf_str(o, RF_SUM_ACTION));
		m = rv_mode(rf_str(o, RF_SUM_MODE));
		reason = "(flood control)";
	} else {
		d = rv_direction(rf_str(o, RF_POL_DIRECTION));
		a = rv_action(rf_str(o, RF_POL_ACTION));
		m = rv_mode(rf_str(o, RF_POL_MODE));
		reason = rpt_or_dash(rf_str(o, RF_POL_REASON));
	}
	if (d == -1 || a == -1)
		return;
	n = (uint64_t)c;
	if (summary) {
		r->summaries++;
		r->summarized += n;
	}
	col = a == RV_ALLOWED ? RC_ALLOWED : m == RV_MONITOR ? RC_WOULD :
	    RC_BLOCKED;
	day->n[d][col] += n;
	day->modes |= m == RV_MONITOR ? MODE_MONITOR : MODE_ENFORCE;
	router->n[col] += n;
	/* the campus end and the outside one */
	if (d == 0) {
		campus = summary ? NULL : rf_str(o, RF_DEST_IP);
		outside = rf_str(o, RF_SRC_IP);
	} else if (d == 1)
		campus = rf_str(o, RF_SRC_IP);
	if (outside != NULL) {
		it = rpt_table_get(&r->sources, outside);
		it->n[col] += n;
		item_seen(it, ts);
	}
	if (a != RV_BLOCKED)
		goto exception;
	if (d == 1 && (h = hour_of(ts)) != -1)
		day->out_hour[h] += n;
	it = rpt_table_get(&r->reasons, reason);
	it->n[d * 2 + (col == RC_WOULD)] += n;
	if (campus != NULL && d < 2) {
		it = rpt_table_get(&r->hosts, campus);
		it->n[(col == RC_WOULD ? 2 : 0) + d] += n;
		item_seen(it, ts);
	}
	if (summary)
		return;
	/* the quarantine or harvest block that refused it */
	if ((s = rf_str(o, RF_POL_QUAR_HOST)) != NULL) {
		q = resp_get(r, false, s, rf_str(o, RF_POL_QUAR_SINCE),
		    rf_str(o, RF_POL_QUAR_UNTIL));
		q->refused += n;
		if (q->until[0] == '\0' &&
		    (u = rf_str(o, RF_POL_QUAR_UNTIL)) != NULL)
			ts_copy(q->until, u);
		list_add(&q->routers, router->key);
	}
	if ((s = rf_str(o, RF_POL_HB_HOST)) != NULL) {
		q = resp_get(r, true, s, rf_str(o, RF_POL_HB_SINCE),
		    rf_str(o, RF_POL_HB_UNTIL));
		q->refused += n;
		if ((u = rf_str(o, RF_POL_HB_SINCE)) != NULL)
			ts_copy(q->since, u);
		if (q->reason == NULL)
			q->reason = rpt_strdup(rf_str(o, RF_POL_HB_REASON));
		if (q->who == NULL)
			q->who = rpt_strdup("nfqd");
		list_add(&q->routers, router->key);
	}
	return;
exception:
	if (!summary && (d == 0 || d == 1) &&
	    (s = rf_str(o, RF_POL_EXC_ENTRY)) != NULL) {
		it = rpt_table_get(&r->exc, s);
		it->n[d] += n;
		if (it->s[0] == NULL) {
			it->s[0] = rpt_strdup(rf_str(o, RF_POL_EXC_DIRECTION));
			it->s[1] = rpt_strdup(rf_str(o, RF_POL_EXC_TICKET));
			it->s[2] = rpt_strdup(rf_str(o, RF_POL_EXC_OWNER));
		}
	}
}

static void
count_alert(struct report *r, const cJSON *o, struct rpt_item *router,
    const char *ts)
{
	struct rpt_alert *al;
	struct rpt_resp	*q;
	char		 buf[32];
	const char	*s;
	double		 v;
	bool		 b;

	GROW(r->alerts, r->nalerts, r->capalerts);
	al = &r->alerts[r->nalerts++];
	memset(al, 0, sizeof(*al));
	ts_copy(al->ts, ts);
	al->router = rpt_strdup(router->key);
	al->kind = rpt_strdup(rv_alert_kind(o, buf, sizeof(buf)));
	s = rf_str(o, RF_DET_HOST);
	al->subject = rpt_strdup(s != NULL ? s :
	    rpt_or_dash(rf_str(o, RF_SRC_IP)));
	al->signature = rpt_strdup(rpt_or_dash(rf_str(o, RF_ALERT_SIGNATURE)));
	al->action = rpt_strdup(rpt_or_dash(rf_str(o, RF_ALERT_ACTION)));
	al->src = rpt_strdup(rpt_or_dash(rf_str(o, RF_SRC_IP)));
	al->dst = rpt_strdup(rpt_or_dash(rf_str(o, RF_DEST_IP)));
	al->app_proto = rpt_strdup(rf_str(o, RF_APP_PROTO));
	al->resp_action = rpt_strdup(rf_str(o, RF_DET_RESP_ACTION));
	al->resp_until = rpt_strdup(rf_str(o, RF_DET_RESP_UNTIL));
	al->resp_note = rpt_strdup(rf_str(o, RF_DET_RESP_NOTE));
	rf_num(o, RF_FLOW_ID, &al->flow_id);
	rf_num(o, RF_ALERT_SID, &al->sid);
	rf_num(o, RF_ALERT_SEVERITY, &al->severity);
	al->has_count = rf_num(o, RF_DET_COUNT, &al->count);
	al->has_threshold = rf_num(o, RF_DET_THRESHOLD, &al->threshold);
	al->has_window = rf_num(o, RF_DET_WINDOW, &al->window);
	rf_num(o, RF_DET_IN_FLOW, &al->in_flow);
	rf_num(o, RF_DET_OUT_FLOW, &al->out_flow);
	al->sport = rf_num(o, RF_SRC_PORT, &v) ? (int)v : 0;
	al->dport = rf_num(o, RF_DEST_PORT, &v) ? (int)v : 0;
	al->out_blocked = rf_bool(o, RF_DET_OUT_BLOCKED, &b) ? b : -1;
	router->n[4]++;
	/* a harvest block starts with its alert */
	if (al->resp_action != NULL && al->resp_until != NULL &&
	    strcmp(al->resp_action, rv_harvest_response()) == 0) {
		q = resp_get(r, true, al->subject, NULL, al->resp_until);
		if (q->since[0] == '\0')
			ts_copy(q->since, ts);
		if (q->reason == NULL) {
			char why[160];

			snprintf(why, sizeof(why), "after the %s alert of flow "
			    "%.0f", al->kind, al->flow_id);
			q->reason = rpt_strdup(why);
		}
		if (q->who == NULL)
			q->who = rpt_strdup("nfqd");
		q->started = true;
		list_add(&q->routers, router->key);
	}
}

static void
count_quarantine(struct report *r, const cJSON *o, struct rpt_item *router)
{
	const char	*host = rf_str(o, RF_Q_HOST), *since, *until;
	struct rpt_resp	*q;
	int		 a = rv_qaction(rf_str(o, RF_Q_ACTION));

	since = rf_str(o, RF_Q_SINCE);
	until = rf_str(o, RF_Q_UNTIL);
	if (host == NULL || since == NULL || a == -1)
		return;
	r->quarantine_events++;
	q = resp_get(r, false, host, since, until);
	if (q->who == NULL)
		q->who = rpt_strdup(rf_str(o, RF_Q_WHO));
	if (q->reason == NULL)
		q->reason = rpt_strdup(rf_str(o, RF_Q_REASON));
	if (a == RV_START) {
		q->started = true;
		if (until != NULL)
			ts_copy(q->until, until);
	} else {
		q->ended_seen = true;
		if (until != NULL)
			snprintf(q->ended, sizeof(q->ended), "%s", until);
		if (q->cause == NULL)
			q->cause = rpt_strdup(rf_str(o, RF_Q_CAUSE));
		if (q->removed_by == NULL)
			q->removed_by = rpt_strdup(rf_str(o, RF_Q_REMOVED_BY));
	}
	list_add(&q->routers, router->key);
}

void
rpt_count_event(struct report *r, const cJSON *o, int64_t d, const char *sender)
{
	const char	*ts = rf_str(o, RF_TIMESTAMP), *host;
	struct rpt_day	*day = day_get(r, d);
	struct rpt_item	*router;

	host = rf_str(o, RF_HOST);
	router = rpt_table_get(&r->routers, host != NULL && host[0] != '\0' ?
	    host : "(no host field)");
	r->events++;
	day->events++;
	router->n[3]++;
	if (sender[0] != '\0')
		list_add(&router->s[0], sender);
	if (router->ndays == 0 || router->days[router->ndays - 1] != d) {
		GROW(router->days, router->ndays, router->capdays);
		router->days[router->ndays++] = d;
	}
	item_seen(router, ts);
	switch (rt_of(o)) {
	case RT_POLICY:
		count_decision(r, o, day, router, ts, false);
		break;
	case RT_SUMMARY:
		count_decision(r, o, day, router, ts, true);
		break;
	case RT_ALERT:
		count_alert(r, o, router, ts);
		break;
	case RT_QUARANTINE:
		count_quarantine(r, o, router);
		break;
	case RT_OTHER:
		break;
	}
}

/* ---- the period, and the sorted views ---- */

static int
router_day_cmp(const void *a, const void *b)
{
	int64_t	 x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* Days of the period on which the router wrote nothing. */
size_t
rpt_router_missing(const struct report *r, const struct rpt_item *it)
{
	size_t	 have = 0;

	for (size_t i = 0; i < it->ndays; i++)
		if (it->days[i] >= r->first && it->days[i] <= r->last)
			have++;
	return (size_t)(r->last - r->first + 1) - have;
}

/*
 * Every day of the period, the empty ones too: from --since (or the first
 * day with events) to --until (or the last day with events).  Without
 * events and without both bounds there is no period.
 */
static void
period_fill(struct report *r)
{
	if (r->ndays == 0 &&
	    (r->since == INT64_MIN || r->until == INT64_MAX)) {
		r->first = 0;
		r->last = -1;
		return;
	}
	r->first = r->since != INT64_MIN ? r->since : r->days[0].day;
	r->last = r->until != INT64_MAX ? r->until :
	    r->days[r->ndays - 1].day;
	for (int64_t d = r->first; d <= r->last; d++)
		day_get(r, d);
}

static int
by_refused(const void *a, const void *b)
{
	const struct rpt_item	*x = a, *y = b;
	uint64_t		 nx = rpt_refused(x), ny = rpt_refused(y);

	if (nx != ny)
		return nx < ny ? 1 : -1;
	return strcmp(x->key, y->key);
}

/* Outside sources: refused first, then every attempt. */
static int
by_attempts(const void *a, const void *b)
{
	const struct rpt_item	*x = a, *y = b;
	uint64_t		 rx = x->n[RC_BLOCKED] + x->n[RC_WOULD];
	uint64_t		 ry = y->n[RC_BLOCKED] + y->n[RC_WOULD];

	if (rx != ry)
		return rx < ry ? 1 : -1;
	if (x->n[RC_ALLOWED] != y->n[RC_ALLOWED])
		return x->n[RC_ALLOWED] < y->n[RC_ALLOWED] ? 1 : -1;
	return strcmp(x->key, y->key);
}

static int
by_reason(const void *a, const void *b)
{
	const struct rpt_item	*x = a, *y = b;
	uint64_t		 nx = 0, ny = 0;

	for (int i = 0; i < 8; i++) {
		nx += x->n[i];
		ny += y->n[i];
	}
	if (nx != ny)
		return nx < ny ? 1 : -1;
	return strcmp(x->key, y->key);
}

int
rpt_by_key(const void *a, const void *b)
{
	return strcmp(((const struct rpt_item *)a)->key,
	    ((const struct rpt_item *)b)->key);
}

static int
by_exc_use(const void *a, const void *b)
{
	const struct rpt_item	*x = a, *y = b;
	uint64_t		 nx = x->n[0] + x->n[1], ny = y->n[0] + y->n[1];

	if (nx != ny)
		return nx < ny ? 1 : -1;
	return strcmp(x->key, y->key);
}

static int
by_alert_time(const void *a, const void *b)
{
	const struct rpt_alert	*x = a, *y = b;
	int			 c = strcmp(x->ts, y->ts);

	if (c != 0)
		return c;
	if (x->flow_id != y->flow_id)
		return x->flow_id < y->flow_id ? -1 : 1;
	return strcmp(x->kind, y->kind);
}

static int
by_resp_time(const void *a, const void *b)
{
	const struct rpt_resp	*x = a, *y = b;
	int			 c;

	if (x->harvest != y->harvest)
		return x->harvest ? 1 : -1;
	if ((c = strcmp(x->since, y->since)) != 0)
		return c;
	return strcmp(x->host, y->host);
}

struct rpt_item *
rpt_table_sorted(const struct rpt_table *t, size_t *n,
    int (*cmp)(const void *, const void *))
{
	struct rpt_item	*v = rpt_realloc(NULL, t->n + 1, sizeof(*v));

	*n = 0;
	for (size_t i = 0; i < t->cap; i++)
		if (t->v[i].key != NULL)
			v[(*n)++] = t->v[i];
	qsort(v, *n, sizeof(*v), cmp);
	return v;
}

void
report_finish(struct report *r, struct rpt_view *v)
{
	memset(v, 0, sizeof(*v));
	period_fill(r);
	for (size_t i = 0; i < r->routers.cap; i++) {
		struct rpt_item	*it = &r->routers.v[i];
		size_t		 k = 0;

		if (it->key == NULL || it->ndays == 0)
			continue;
		qsort(it->days, it->ndays, sizeof(*it->days), router_day_cmp);
		for (size_t j = 1; j < it->ndays; j++)
			if (it->days[j] != it->days[k])
				it->days[++k] = it->days[j];
		it->ndays = k + 1;
	}
	for (size_t i = 0; i < r->ndays; i++) {
		for (int d = 0; d < RPT_DIRS; d++)
			for (int c = 0; c < RC_N; c++)
				v->total[d][c] += r->days[i].n[d][c];
		if (rpt_day_empty(&r->days[i]))
			v->nodata++;
	}
	for (size_t i = 0; i < r->nfiles; i++) {
		v->ngz += r->files[i].gz;
		v->nfailed += r->files[i].error != NULL;
	}
	v->hosts = rpt_table_sorted(&r->hosts, &v->nhosts, by_refused);
	v->sources = rpt_table_sorted(&r->sources, &v->nsources, by_attempts);
	v->reasons = rpt_table_sorted(&r->reasons, &v->nreasons, by_reason);
	v->routers = rpt_table_sorted(&r->routers, &v->nrouters, rpt_by_key);
	v->exc = rpt_table_sorted(&r->exc, &v->nexc, by_exc_use);
	/* qsort wants an array even for none: a period may have neither. */
	if (r->nalerts > 0)
		qsort(r->alerts, r->nalerts, sizeof(*r->alerts),
		    by_alert_time);
	if (r->nresps > 0)
		qsort(r->resps, r->nresps, sizeof(*r->resps), by_resp_time);
}

void
report_free(struct report *r, struct rpt_view *v)
{
	free(v->hosts);
	free(v->sources);
	free(v->reasons);
	free(v->routers);
	free(v->exc);
	rpt_table_free(&r->hosts);
	rpt_table_free(&r->sources);
	rpt_table_free(&r->reasons);
	rpt_table_free(&r->routers);
	rpt_table_free(&r->exc);
	for (size_t i = 0; i < r->nalerts; i++) {
		struct rpt_alert *a = &r->alerts[i];

		free(a->router); free(a->kind); free(a->subject);
		free(a->signature); free(a->action); free(a->src);
		free(a->dst); free(a->app_proto); free(a->resp_action);
		free(a->resp_until); free(a->resp_note);
	}
	free(r->alerts);
	for (size_t i = 0; i < r->nresps; i++) {
		struct rpt_resp *q = &r->resps[i];

		free(q->host); free(q->who); free(q->reason); free(q->cause);
		free(q->removed_by); free(q->routers);
	}
	free(r->resps);
	for (size_t i = 0; i < r->nfiles; i++) {
		free(r->files[i].path);
		free((char *)r->files[i].error);
	}
	free(r->files);
	for (size_t i = 0; i < r->nskipped; i++)
		free(r->skipped[i]);
	free(r->skipped);
	free(r->days);
}
