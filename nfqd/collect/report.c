/*
 * nfqd-collect report: the daily files of a collector's folder, counted
 * for the security office.
 *
 *	nfqd-collect report DIR [--since DATE] [--until DATE] [-c CONF]
 *	    [--json | --csv SECTION | --html FILE]
 *
 * DIR holds DIR/SENDER/eve-YYYY-MM-DD.json (the collector's layout) and
 * DIR/eve-YYYY-MM-DD.json (an older one's); any of them may be gzipped
 * (.json.gz).  Every event is read through the field table of
 * report_eve.c.  What is counted:
 *
 *  - per day and direction: connections allowed, blocked, and would be
 *    blocked (blocked in monitor mode), from the policy events and the
 *    flood summaries' counts; the day's mode; the days of the period
 *    without a single event;
 *  - refused outbound attempts per day and hour (the page's heat map);
 *  - why: the policy reason of every refused connection;
 *  - every alert, with its flow, hosts, counts and the response; every
 *    quarantine and harvest block, with the connections it refused;
 *  - the campus hosts with the most refused attempts, the outside
 *    sources of the most inbound attempts;
 *  - per router (the events' `host`): events, decisions, alerts, the
 *    sender folders they came from, the days it sent nothing;
 *  - the exception entries used, and with -c the ones never used.
 *
 * Exit status: 0, 1 when a daily file could not be read (whole), 2 on a
 * usage error.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <zlib.h>

#include "base/defs.h"
#include "base/files.h"
#include "base/when.h"
#include "base/addr.h"
#include "policy/conf.h"
#include "policy/exceptions.h"
#include "policy/policy.h"
#include "report.h"

#define LINE_START	4096
#define LINE_LIMIT	(1 << 20)	/* longer lines are unreadable */
#define HTML_DAYS_MAX	366
#define TEXT_ALERTS_MAX	200

/* What --csv can print, one table each. */
static const char *const csv_sections[] = { "days", "hours", "reasons",
    "alerts", "quarantines", "hosts", "sources", "routers", "exceptions" };
#define NCSV	(sizeof(csv_sections) / sizeof(csv_sections[0]))

static void __attribute__((format(printf, 1, 2)))
say(const char *fmt, ...)
{
	va_list	 ap;

	fputs("nfqd-collect: report: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void *
xrealloc(void *p, size_t n, size_t size)
{
	if (n != 0 && size > SIZE_MAX / n) {
		say("out of memory");
		exit(1);
	}
	if ((p = realloc(p, n * size)) == NULL) {
		say("out of memory");
		exit(1);
	}
	return p;
}

/*
 * A copy of text from an event or a file name: control characters (an
 * escape sequence in a router's name) become '?', so that no output of
 * the report can drive the terminal that shows it.
 */
static char *
xstrdup(const char *s)
{
	char	*d;

	if (s == NULL)
		return NULL;
	if ((d = strdup(s)) == NULL) {
		say("out of memory");
		exit(1);
	}
	for (char *p = d; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return d;
}

#define GROW(v, n, cap) do {						\
	if ((n) == (cap)) {						\
		(cap) = (cap) ? (cap) * 2 : 16;				\
		(v) = xrealloc((v), (cap), sizeof(*(v)));		\
	}								\
} while (0)

/* ---- days ---- */

void
rpt_day_format(int64_t day, char *out, size_t len)
{
	when_format(day * 86400, WHEN_DATE, out, len);
}

/* "YYYY-MM-DD" at the start of s: its day, or -1. */
static int64_t
day_of(const char *s)
{
	char		 d[11];
	const char	*end;
	int64_t		 t;

	if (s == NULL || strnlen(s, 10) < 10)
		return -1;
	memcpy(d, s, 10);
	d[10] = '\0';
	if (when_parse(d, &t, &end) == -1)
		return -1;
	return t / 86400;
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

/* A character as xstrdup keeps it. */
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

/* A kept key against one from an event, as xstrdup would keep it. */
static bool
key_eq(const char *kept, const char *s)
{
	for (; *kept && *s; kept++, s++)
		if ((unsigned char)*kept != clean_char(*s))
			return false;
	return *kept == *s;
}

static struct rpt_item *
table_get(struct rpt_table *t, const char *key)
{
	struct rpt_item	*old = t->v;
	size_t		 i, oldcap = t->cap;

	if (t->n * 2 >= t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		t->v = xrealloc(NULL, t->cap, sizeof(*t->v));
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
	t->v[i].key = xstrdup(key);
	t->n++;
	return &t->v[i];
}

static const struct rpt_item *
table_find(const struct rpt_table *t, const char *key)
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

static void
table_free(struct rpt_table *t)
{
	for (size_t i = 0; i < t->cap; i++) {
		free(t->v[i].key);
		for (size_t k = 0; k < 3; k++)
			free(t->v[i].s[k]);
		free(t->v[i].days);
	}
	free(t->v);
}

/* A timestamp from an event into a TS_LEN buffer, as xstrdup cleans. */
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

static const char *
or_dash(const char *s)
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
		*list = xstrdup(s);
		return;
	}
	for (p = *list; (p = strstr(p, s)) != NULL; p += strlen(s))
		if ((p == *list || p[-1] == ' ') &&
		    (p[strlen(s)] == ',' || p[strlen(s)] == '\0'))
			return;
	len = strlen(*list);
	if (len > 200)
		return;
	*list = xrealloc(*list, len + strlen(s) + 3, 1);
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
	q->host = xstrdup(host);
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
		reason = or_dash(rf_str(o, RF_POL_REASON));
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
		it = table_get(&r->sources, outside);
		it->n[col] += n;
		item_seen(it, ts);
	}
	if (a != RV_BLOCKED)
		goto exception;
	if (d == 1 && (h = hour_of(ts)) != -1)
		day->out_hour[h] += n;
	it = table_get(&r->reasons, reason);
	it->n[d * 2 + (col == RC_WOULD)] += n;
	if (campus != NULL && d < 2) {
		it = table_get(&r->hosts, campus);
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
			q->reason = xstrdup(rf_str(o, RF_POL_HB_REASON));
		if (q->who == NULL)
			q->who = xstrdup("nfqd");
		list_add(&q->routers, router->key);
	}
	return;
exception:
	if (!summary && (d == 0 || d == 1) &&
	    (s = rf_str(o, RF_POL_EXC_ENTRY)) != NULL) {
		it = table_get(&r->exc, s);
		it->n[d] += n;
		if (it->s[0] == NULL) {
			it->s[0] = xstrdup(rf_str(o, RF_POL_EXC_DIRECTION));
			it->s[1] = xstrdup(rf_str(o, RF_POL_EXC_TICKET));
			it->s[2] = xstrdup(rf_str(o, RF_POL_EXC_OWNER));
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
	al->router = xstrdup(router->key);
	al->kind = xstrdup(rv_alert_kind(o, buf, sizeof(buf)));
	s = rf_str(o, RF_DET_HOST);
	al->subject = xstrdup(s != NULL ? s : or_dash(rf_str(o, RF_SRC_IP)));
	al->signature = xstrdup(or_dash(rf_str(o, RF_ALERT_SIGNATURE)));
	al->action = xstrdup(or_dash(rf_str(o, RF_ALERT_ACTION)));
	al->src = xstrdup(or_dash(rf_str(o, RF_SRC_IP)));
	al->dst = xstrdup(or_dash(rf_str(o, RF_DEST_IP)));
	al->app_proto = xstrdup(rf_str(o, RF_APP_PROTO));
	al->resp_action = xstrdup(rf_str(o, RF_DET_RESP_ACTION));
	al->resp_until = xstrdup(rf_str(o, RF_DET_RESP_UNTIL));
	al->resp_note = xstrdup(rf_str(o, RF_DET_RESP_NOTE));
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
			q->reason = xstrdup(why);
		}
		if (q->who == NULL)
			q->who = xstrdup("nfqd");
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
		q->who = xstrdup(rf_str(o, RF_Q_WHO));
	if (q->reason == NULL)
		q->reason = xstrdup(rf_str(o, RF_Q_REASON));
	if (a == RV_START) {
		q->started = true;
		if (until != NULL)
			ts_copy(q->until, until);
	} else {
		q->ended_seen = true;
		if (until != NULL)
			snprintf(q->ended, sizeof(q->ended), "%s", until);
		if (q->cause == NULL)
			q->cause = xstrdup(rf_str(o, RF_Q_CAUSE));
		if (q->removed_by == NULL)
			q->removed_by = xstrdup(rf_str(o, RF_Q_REMOVED_BY));
	}
	list_add(&q->routers, router->key);
}

static void
count_event(struct report *r, const cJSON *o, int64_t d, const char *sender)
{
	const char	*ts = rf_str(o, RF_TIMESTAMP), *host;
	struct rpt_day	*day = day_get(r, d);
	struct rpt_item	*router;

	host = rf_str(o, RF_HOST);
	router = table_get(&r->routers, host != NULL && host[0] != '\0' ?
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

/* ---- the files ---- */

/* One daily file, plain or gzipped (zlib reads both). */
static int
read_file(struct report *r, const char *path, const char *sender, bool gz)
{
	struct rpt_file	*f;
	gzFile		 z;
	char		*line;
	size_t		 cap = LINE_START, len;
	cJSON		*o;
	const char	*ts, *e;
	int64_t		 d;
	int		 err;
	bool		 toolong = false;

	GROW(r->files, r->nfiles, r->capfiles);
	f = &r->files[r->nfiles++];
	f->path = xstrdup(path);
	f->gz = gz;
	f->error = NULL;
	if ((z = gzopen(path, "rb")) == NULL) {
		f->error = xstrdup(strerror(errno ? errno : ENOMEM));
		say("%s: %s", path, f->error);
		return -1;
	}
	gzbuffer(z, 1 << 16);
	line = xrealloc(NULL, cap, 1);
	for (;;) {
		len = 0;
		line[0] = '\0';
		/* one line, however long (up to LINE_LIMIT) */
		while (gzgets(z, line + len, (int)(cap - len)) != NULL) {
			len += strlen(line + len);
			if (len > 0 && line[len - 1] == '\n')
				break;
			if (len + 1 < cap)
				break;		/* the last line, unended */
			if (cap >= LINE_LIMIT) {
				toolong = true;
				len = 0;	/* dropped; read on */
				continue;
			}
			cap *= 2;
			line = xrealloc(line, cap, 1);
		}
		if (len == 0 && !toolong)
			break;
		if (toolong) {		/* what is here is its tail */
			r->bad++;
			toolong = false;
			continue;
		}
		while (len > 0 && (line[len - 1] == '\n' ||
		    line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len == 0)
			continue;
		o = cJSON_ParseWithLength(line, len);
		ts = rf_str(o, RF_TIMESTAMP);
		if (!cJSON_IsObject(o) || ts == NULL ||
		    (d = day_of(ts)) == -1) {
			r->bad++;
			cJSON_Delete(o);
			continue;
		}
		if (d >= r->since && d <= r->until)
			count_event(r, o, d, sender);
		cJSON_Delete(o);
	}
	free(line);
	e = gzerror(z, &err);
	if (err != Z_OK && err != Z_BUF_ERROR) {
		f->error = xstrdup(err == Z_ERRNO ? strerror(errno) : e);
		say("%s: %s", path, f->error);
	} else if (!gzeof(z)) {
		f->error = xstrdup("read stopped before the end");
		say("%s: %s", path, f->error);
	}
	if (gzclose_r(z) != Z_OK && f->error == NULL) {
		f->error = xstrdup("truncated");
		say("%s: %s", path, f->error);
	}
	return f->error != NULL ? -1 : 0;
}

/*
 * eve-YYYY-MM-DD.json and eve-YYYY-MM-DD.json.gz are read; any other
 * eve-YYYY-MM-DD.json.SUFFIX is named as not read.
 */
static int
read_folder(struct report *r, const char *folder, const char *sender)
{
	struct dirent	**names = NULL;
	char		  path[MAX_PATH];
	const char	 *nm;
	int64_t		  d;
	int		  n, rc = 0;

	if ((n = scandir(folder, &names, NULL, alphasort)) == -1) {
		say("%s: %s", folder, strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		nm = names[i]->d_name;
		if (strncmp(nm, "eve-", 4) != 0 || strlen(nm) < 19 ||
		    (d = day_of(nm + 4)) == -1 ||
		    strncmp(nm + 14, ".json", 5) != 0) {
			free(names[i]);
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", folder, nm);
		/* a file holds its date's events: neighbours for safety */
		if (d + 1 < r->since || d - 1 > r->until)
			;
		else if (nm[19] == '\0') {
			if (read_file(r, path, sender, false) == -1)
				rc = -1;
		} else if (strcmp(nm + 19, ".gz") == 0) {
			if (read_file(r, path, sender, true) == -1)
				rc = -1;
		} else {
			GROW(r->skipped, r->nskipped, r->capskipped);
			r->skipped[r->nskipped++] = xstrdup(path);
			say("%s: not read (plain or .gz only)", path);
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

static int
read_dir(struct report *r)
{
	struct dirent	**names = NULL;
	struct stat	  st;
	char		  path[MAX_PATH];
	int		  n, rc;

	rc = read_folder(r, r->dir, "");
	if ((n = scandir(r->dir, &names, NULL, alphasort)) == -1)
		return -1;
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", r->dir,
		    names[i]->d_name);
		if (names[i]->d_name[0] != '.' && lstat(path, &st) == 0 &&
		    S_ISDIR(st.st_mode) &&
		    read_folder(r, path, names[i]->d_name) == -1)
			rc = -1;
		free(names[i]);
	}
	free(names);
	return rc;
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

static int
by_key(const void *a, const void *b)
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

static struct rpt_item *
table_sorted(const struct rpt_table *t, size_t *n,
    int (*cmp)(const void *, const void *))
{
	struct rpt_item	*v = xrealloc(NULL, t->n + 1, sizeof(*v));

	*n = 0;
	for (size_t i = 0; i < t->cap; i++)
		if (t->v[i].key != NULL)
			v[(*n)++] = t->v[i];
	qsort(v, *n, sizeof(*v), cmp);
	return v;
}

static void
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
	v->hosts = table_sorted(&r->hosts, &v->nhosts, by_refused);
	v->sources = table_sorted(&r->sources, &v->nsources, by_attempts);
	v->reasons = table_sorted(&r->reasons, &v->nreasons, by_reason);
	v->routers = table_sorted(&r->routers, &v->nrouters, by_key);
	v->exc = table_sorted(&r->exc, &v->nexc, by_exc_use);
	qsort(r->alerts, r->nalerts, sizeof(*r->alerts), by_alert_time);
	qsort(r->resps, r->nresps, sizeof(*r->resps), by_resp_time);
}

static void
report_free(struct report *r, struct rpt_view *v)
{
	free(v->hosts);
	free(v->sources);
	free(v->reasons);
	free(v->routers);
	free(v->exc);
	table_free(&r->hosts);
	table_free(&r->sources);
	table_free(&r->reasons);
	table_free(&r->routers);
	table_free(&r->exc);
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

/* ---- shared wording ---- */

static const char *
day_mode(const struct rpt_day *d)
{
	if (d->events == 0)
		return "no data";
	switch (d->modes) {
	case MODE_ENFORCE:			return "enforce";
	case MODE_MONITOR:			return "monitor";
	case MODE_ENFORCE | MODE_MONITOR:	return "mixed";
	}
	return "-";
}

static const char *
resp_end(const struct rpt_resp *q)
{
	if (q->harvest)
		return "";
	if (!q->ended_seen)
		return q->started ? "no end event in the period" :
		    "start before the period";
	return q->cause != NULL ? q->cause : "ended";
}

/* "2026-09-21T08:05:00.123456+0000" as "2026-09-21 08:05:00". */
static const char *
ts_short(const char *ts, char *buf, size_t len)
{
	if (ts == NULL || ts[0] == '\0') {
		snprintf(buf, len, "-");
		return buf;
	}
	snprintf(buf, len, "%.10s %.8s", ts, strlen(ts) > 11 ? ts + 11 : "");
	return buf;
}

static const char *
exc_unused_pfx(const struct report *r, size_t i, char *buf, size_t len)
{
	const struct exc_entry	*e = &r->pol->exc.v[i];

	prefix_format(&e->pfx, buf, len);
	return table_find(&r->exc, buf) != NULL ? NULL : buf;
}

/* ---- text ---- */

static void
text_days(const struct report *r, const struct rpt_view *v)
{
	char	 a[16], b[16];
	size_t	 i, j;

	printf("\nConnections to SMTP ports, per day and direction%s\n",
	    r->summaries ? " (flood summaries included)" : "");
	printf("(would-block: refused in monitor mode, what enforce mode "
	    "would have blocked)\n");
	printf("  %-10s  %-7s  %-9s %9s %9s %11s\n", "day", "mode",
	    "direction", "allowed", "blocked", "would-block");
	for (i = 0; i < r->ndays; i = j) {
		const struct rpt_day *d = &r->days[i];

		if (rpt_day_empty(d)) {
			for (j = i; j < r->ndays && rpt_day_empty(&r->days[j]);
			    j++)
				;
			rpt_day_format(d->day, a, sizeof(a));
			rpt_day_format(r->days[j - 1].day, b, sizeof(b));
			if (j - i == 1)
				printf("  %-10s  NO DATA: no event from any "
				    "router\n", a);
			else
				printf("  %s .. %s  NO DATA: %zu days without "
				    "an event\n", a, b, j - i);
			continue;
		}
		j = i + 1;
		rpt_day_format(d->day, a, sizeof(a));
		for (int k = 0; k < RPT_DIRS; k++) {
			if (d->n[k][0] + d->n[k][1] + d->n[k][2] == 0)
				continue;
			printf("  %-10s  %-7s  %-9s %9llu %9llu %11llu\n", a,
			    day_mode(d), rv_direction_name(k),
			    (unsigned long long)d->n[k][RC_ALLOWED],
			    (unsigned long long)d->n[k][RC_BLOCKED],
			    (unsigned long long)d->n[k][RC_WOULD]);
		}
		if (d->n[0][0] + d->n[0][1] + d->n[0][2] + d->n[1][0] +
		    d->n[1][1] + d->n[1][2] + d->n[2][0] + d->n[2][1] +
		    d->n[2][2] + d->n[3][0] + d->n[3][1] + d->n[3][2] == 0)
			printf("  %-10s  %-7s  no decisions (%llu other "
			    "events)\n", a, day_mode(d),
			    (unsigned long long)d->events);
	}
	for (int k = 0; k < RPT_DIRS; k++)
		printf("  %-10s  %-7s  %-9s %9llu %9llu %11llu\n", "total", "",
		    rv_direction_name(k),
		    (unsigned long long)v->total[k][RC_ALLOWED],
		    (unsigned long long)v->total[k][RC_BLOCKED],
		    (unsigned long long)v->total[k][RC_WOULD]);
}

static void
text_reasons(const struct rpt_view *v)
{
	printf("\nWhy connections were refused\n");
	if (v->nreasons == 0) {
		printf("  none\n");
		return;
	}
	printf("  %-22s %-9s %9s %11s\n", "reason", "direction", "blocked",
	    "would-block");
	for (size_t i = 0; i < v->nreasons; i++)
		for (int d = 0; d < RPT_DIRS; d++) {
			const uint64_t *n = &v->reasons[i].n[d * 2];

			if (n[0] + n[1] == 0)
				continue;
			printf("  %-22s %-9s %9llu %11llu\n",
			    v->reasons[i].key, rv_direction_name(d),
			    (unsigned long long)n[0],
			    (unsigned long long)n[1]);
		}
}

static void
text_alert_detail(const struct rpt_alert *a)
{
	char	 b[32];

	printf("      flow %.0f  %s:%d -> %s:%d", a->flow_id, a->src,
	    a->sport, a->dst, a->dport);
	if (a->app_proto != NULL)
		printf(" (%s)", a->app_proto);
	printf("  %s\n", a->action);
	if (a->has_count || a->has_window) {
		printf("      ");
		if (a->has_count && a->has_threshold)
			printf("%.0f over %.0f", a->count, a->threshold);
		if (a->has_window)
			printf("%sin %.0f s", a->has_count ? " " : "",
			    a->window);
		printf("\n");
	}
	if (a->in_flow != 0 || a->out_flow != 0)
		printf("      mail in on flow %.0f, out on flow %.0f (%s)\n",
		    a->in_flow, a->out_flow, a->out_blocked == 1 ? "blocked" :
		    a->out_blocked == 0 ? "allowed" : "?");
	if (a->resp_action != NULL) {
		printf("      response: %s", a->resp_action);
		if (a->resp_until != NULL)
			printf(" until %s", ts_short(a->resp_until, b,
			    sizeof(b)));
		if (a->resp_note != NULL)
			printf(" (%s)", a->resp_note);
		printf("\n");
	}
}

static void
text_alerts(const struct report *r)
{
	struct rpt_table kinds;
	struct rpt_item	*kv;
	size_t		 nk;
	char		 b[32];

	printf("\nAlerts: %zu\n", r->nalerts);
	memset(&kinds, 0, sizeof(kinds));
	for (size_t i = 0; i < r->nalerts; i++)
		table_get(&kinds, r->alerts[i].kind)->n[0]++;
	kv = table_sorted(&kinds, &nk, by_key);
	for (size_t i = 0; i < nk; i++)
		printf("%s%s %llu%s", i % 4 == 0 ? "  " : ", ", kv[i].key,
		    (unsigned long long)kv[i].n[0],
		    i % 4 == 3 || i + 1 == nk ? "\n" : "");
	free(kv);
	table_free(&kinds);
	for (size_t i = 0; i < r->nalerts && i < TEXT_ALERTS_MAX; i++) {
		const struct rpt_alert *a = &r->alerts[i];

		printf("  %s  %-18s %-20s %s\n", ts_short(a->ts, b,
		    sizeof(b)), a->kind, a->subject, a->router);
		text_alert_detail(a);
	}
	if (r->nalerts > TEXT_ALERTS_MAX)
		printf("  ... %zu more: --json, --csv alerts or --html list "
		    "every one\n", r->nalerts - TEXT_ALERTS_MAX);
}

static void
text_resps(const struct report *r)
{
	size_t	 nq = 0, nh = 0;
	char	 b1[32], b2[32];

	for (size_t i = 0; i < r->nresps; i++)
		r->resps[i].harvest ? nh++ : nq++;
	printf("\nQuarantines: %zu\n", nq);
	for (size_t i = 0; i < r->nresps; i++) {
		const struct rpt_resp *q = &r->resps[i];

		if (q->harvest)
			continue;
		ts_short(q->since, b1, sizeof(b1));
		ts_short(q->ended_seen ? q->ended : q->until, b2, sizeof(b2));
		printf("  %-18s %s .. %s  %s, by %s\n", q->host, b1,
		    strncmp(b1, b2, 10) == 0 && strlen(b2) > 11 ? b2 + 11 : b2,
		    resp_end(q), or_dash(q->who));
		printf("      connections refused: %llu; router: %s\n"
		    "      %s\n", (unsigned long long)q->refused,
		    or_dash(q->routers), or_dash(q->reason));
	}
	printf("\nHarvest blocks: %zu\n", nh);
	for (size_t i = 0; i < r->nresps; i++) {
		const struct rpt_resp *q = &r->resps[i];

		if (!q->harvest)
			continue;
		printf("  %-18s %s .. %s\n", q->host,
		    ts_short(q->since, b1, sizeof(b1)),
		    ts_short(q->until, b2, sizeof(b2)));
		printf("      connections refused: %llu; router: %s\n"
		    "      %s\n", (unsigned long long)q->refused,
		    or_dash(q->routers), or_dash(q->reason));
	}
}

static void
text_hosts(const struct rpt_view *v)
{
	printf("\nCampus hosts with the most refused attempts (would: in "
	    "monitor mode)\n");
	if (v->nhosts == 0) {
		printf("  none\n");
		return;
	}
	printf("  %-39s %7s %7s %8s %7s\n", "host", "refused", "inbound",
	    "outbound", "(would)");
	for (size_t i = 0; i < v->nhosts && i < TOP_HOSTS; i++) {
		const struct rpt_item *h = &v->hosts[i];

		printf("  %-39s %7llu %7llu %8llu %7llu\n", h->key,
		    (unsigned long long)rpt_refused(h),
		    (unsigned long long)(h->n[0] + h->n[2]),
		    (unsigned long long)(h->n[1] + h->n[3]),
		    (unsigned long long)(h->n[2] + h->n[3]));
	}
}

static void
text_sources(const struct rpt_view *v)
{
	char	 b1[32], b2[32];

	printf("\nOutside sources of the most inbound attempts\n");
	if (v->nsources == 0) {
		printf("  none\n");
		return;
	}
	printf("  %-24s %7s %7s %7s  %s\n", "source", "refused", "(would)",
	    "allowed", "first..last seen");
	for (size_t i = 0; i < v->nsources && i < TOP_SOURCES; i++) {
		const struct rpt_item *s = &v->sources[i];

		ts_short(s->first, b1, sizeof(b1));
		ts_short(s->last, b2, sizeof(b2));
		printf("  %-24s %7llu %7llu %7llu  ", s->key,
		    (unsigned long long)(s->n[RC_BLOCKED] + s->n[RC_WOULD]),
		    (unsigned long long)s->n[RC_WOULD],
		    (unsigned long long)s->n[RC_ALLOWED]);
		/* one day: its times; several: the days */
		if (strlen(b1) >= 16 && strncmp(b1, b2, 10) == 0)
			printf("%.16s..%.5s\n", b1, b2 + 11);
		else
			printf("%.10s..%.10s\n", b1, b2);
	}
	if (v->nsources > TOP_SOURCES)
		printf("  ... %zu more sources\n", v->nsources - TOP_SOURCES);
}

static void
text_routers(const struct report *r, const struct rpt_view *v)
{
	char	 a[16], b[16];
	int64_t	 d, e;
	size_t	 k;

	printf("\nRouters (the events' host field)\n");
	if (v->nrouters == 0) {
		printf("  none\n");
		return;
	}
	printf("  %-16s %8s %8s %8s %8s %6s %7s\n", "router", "events",
	    "allowed", "blocked", "(would)", "alerts", "days");
	for (size_t i = 0; i < v->nrouters; i++) {
		const struct rpt_item *it = &v->routers[i];
		size_t miss = rpt_router_missing(r, it);

		printf("  %-16s %8llu %8llu %8llu %8llu %6llu %3lld/%lld\n",
		    it->key, (unsigned long long)it->n[3],
		    (unsigned long long)it->n[RC_ALLOWED],
		    (unsigned long long)(it->n[RC_BLOCKED] + it->n[RC_WOULD]),
		    (unsigned long long)it->n[RC_WOULD],
		    (unsigned long long)it->n[4],
		    (long long)(r->last - r->first + 1 - (int64_t)miss),
		    (long long)(r->last - r->first + 1));
		printf("      from %s\n", it->s[0] != NULL ? it->s[0] :
		    "the top folder");
		if (miss == 0)
			continue;
		printf("      no events on");
		/* the missing days, as ranges */
		k = 0;
		for (d = r->first; d <= r->last; d = e + 1) {
			while (k < it->ndays && it->days[k] < d)
				k++;
			if (k < it->ndays && it->days[k] == d) {
				e = d;
				continue;
			}
			e = k < it->ndays && it->days[k] <= r->last ?
			    it->days[k] - 1 : r->last;
			rpt_day_format(d, a, sizeof(a));
			rpt_day_format(e, b, sizeof(b));
			if (e == d)
				printf(" %s", a);
			else
				printf(" %s..%s", a, b);
		}
		printf("\n");
	}
}

static void
text_exceptions(const struct report *r, const struct rpt_view *v)
{
	char	 pfx[PREFIX_STRLEN];
	size_t	 unused = 0;

	printf("\nExceptions used (connections they allowed)\n");
	if (v->nexc == 0)
		printf("  none\n");
	for (size_t i = 0; i < v->nexc; i++) {
		const struct rpt_item *e = &v->exc[i];

		printf("  %-24s %-8s %8llu  (inbound %llu, outbound %llu)  "
		    "%s %s\n", e->key, or_dash(e->s[0]),
		    (unsigned long long)(e->n[0] + e->n[1]),
		    (unsigned long long)e->n[0], (unsigned long long)e->n[1],
		    or_dash(e->s[1]), or_dash(e->s[2]));
	}
	if (r->pol == NULL) {
		printf("\nExceptions never used: give -c nfqd.conf to list "
		    "them\n");
		return;
	}
	printf("\nExceptions never used (%s, %s)\n", r->conf,
	    r->pol->conf.exceptions);
	for (size_t i = 0; i < r->pol->exc.n; i++) {
		const struct exc_entry	*e = &r->pol->exc.v[i];

		if (exc_unused_pfx(r, i, pfx, sizeof(pfx)) == NULL)
			continue;
		unused++;
		printf("  %-24s %-8s line %-4u %s %s%s%s\n", pfx,
		    exc_dir_name(e->dir), e->line, or_dash(e->ticket),
		    or_dash(e->owner), e->expires[0] ? " expires=" : "",
		    e->expires);
	}
	if (unused == 0)
		printf("  none\n");
}

static void
report_text(const struct report *r, const struct rpt_view *v)
{
	char	 a[16], b[16];

	rpt_day_format(r->first, a, sizeof(a));
	rpt_day_format(r->last, b, sizeof(b));
	printf("nfqd events in %s: %s .. %s", r->dir,
	    r->ndays ? a : "-", r->ndays ? b : "-");
	if (r->ndays > 0)
		printf(" (%zu day%s, %zu without data)", r->ndays,
		    r->ndays == 1 ? "" : "s", v->nodata);
	printf("\n  %llu event%s from %zu file%s (%zu gzipped), %zu "
	    "router%s", (unsigned long long)r->events, r->events == 1 ? "" :
	    "s", r->nfiles, r->nfiles == 1 ? "" : "s", v->ngz, v->nrouters,
	    v->nrouters == 1 ? "" : "s");
	if (r->bad > 0)
		printf(", %llu unreadable line%s", (unsigned long long)r->bad,
		    r->bad == 1 ? "" : "s");
	printf("\n");
	for (size_t i = 0; i < r->nfiles; i++)
		if (r->files[i].error != NULL)
			printf("  NOT READ WHOLE: %s: %s\n", r->files[i].path,
			    r->files[i].error);
	for (size_t i = 0; i < r->nskipped; i++)
		printf("  NOT READ: %s (plain or .gz only)\n", r->skipped[i]);
	text_days(r, v);
	text_reasons(v);
	text_alerts(r);
	text_resps(r);
	text_hosts(v);
	text_sources(v);
	text_routers(r, v);
	text_exceptions(r, v);
}

/* ---- JSON ---- */

static void
add_str(cJSON *o, const char *k, const char *v)
{
	if (v != NULL)
		cJSON_AddStringToObject(o, k, v);
}

static cJSON *
json_counts(const uint64_t n[RC_N])
{
	cJSON	*o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "allowed", (double)n[RC_ALLOWED]);
	cJSON_AddNumberToObject(o, "blocked", (double)n[RC_BLOCKED]);
	cJSON_AddNumberToObject(o, "would_be_blocked", (double)n[RC_WOULD]);
	return o;
}

static void
json_head(cJSON *o, const struct report *r, const struct rpt_view *v)
{
	cJSON	*x, *a;
	char	 d[16];

	cJSON_AddStringToObject(o, "dir", r->dir);
	x = cJSON_AddObjectToObject(o, "period");
	if (r->ndays > 0) {
		rpt_day_format(r->first, d, sizeof(d));
		cJSON_AddStringToObject(x, "first", d);
		rpt_day_format(r->last, d, sizeof(d));
		cJSON_AddStringToObject(x, "last", d);
	}
	cJSON_AddNumberToObject(x, "days", (double)r->ndays);
	cJSON_AddNumberToObject(x, "days_without_data", (double)v->nodata);
	cJSON_AddNumberToObject(o, "files", (double)r->nfiles);
	cJSON_AddNumberToObject(o, "files_gzipped", (double)v->ngz);
	a = cJSON_AddArrayToObject(o, "files_not_read");
	for (size_t i = 0; i < r->nfiles; i++)
		if (r->files[i].error != NULL) {
			x = cJSON_CreateObject();
			cJSON_AddStringToObject(x, "path", r->files[i].path);
			cJSON_AddStringToObject(x, "error", r->files[i].error);
			cJSON_AddItemToArray(a, x);
		}
	for (size_t i = 0; i < r->nskipped; i++) {
		x = cJSON_CreateObject();
		cJSON_AddStringToObject(x, "path", r->skipped[i]);
		cJSON_AddStringToObject(x, "error", "plain or .gz only");
		cJSON_AddItemToArray(a, x);
	}
	cJSON_AddNumberToObject(o, "events", (double)r->events);
	cJSON_AddNumberToObject(o, "unreadable_lines", (double)r->bad);
	cJSON_AddNumberToObject(o, "flood_summaries", (double)r->summaries);
}

static void
json_days(cJSON *o, const struct report *r, const struct rpt_view *v)
{
	cJSON	*a, *x, *h;
	char	 d[16];

	a = cJSON_AddArrayToObject(o, "days");
	for (size_t i = 0; i < r->ndays; i++) {
		const struct rpt_day *day = &r->days[i];

		x = cJSON_CreateObject();
		rpt_day_format(day->day, d, sizeof(d));
		cJSON_AddStringToObject(x, "date", d);
		cJSON_AddStringToObject(x, "mode", day_mode(day));
		cJSON_AddNumberToObject(x, "events", (double)day->events);
		for (int k = 0; k < RPT_DIRS; k++)
			cJSON_AddItemToObject(x, rv_direction_name(k),
			    json_counts(day->n[k]));
		h = cJSON_AddArrayToObject(x, "outbound_refused_by_hour");
		for (int k = 0; k < 24; k++)
			cJSON_AddItemToArray(h,
			    cJSON_CreateNumber((double)day->out_hour[k]));
		cJSON_AddItemToArray(a, x);
	}
	x = cJSON_AddObjectToObject(o, "total");
	for (int k = 0; k < RPT_DIRS; k++)
		cJSON_AddItemToObject(x, rv_direction_name(k),
		    json_counts(v->total[k]));
}

static void
json_alerts(cJSON *o, const struct report *r)
{
	cJSON	*a = cJSON_AddArrayToObject(o, "alerts"), *x;

	for (size_t i = 0; i < r->nalerts; i++) {
		const struct rpt_alert *al = &r->alerts[i];

		x = cJSON_CreateObject();
		cJSON_AddStringToObject(x, "timestamp", al->ts);
		cJSON_AddStringToObject(x, "router", al->router);
		cJSON_AddStringToObject(x, "kind", al->kind);
		cJSON_AddStringToObject(x, "host", al->subject);
		cJSON_AddNumberToObject(x, "flow_id", al->flow_id);
		cJSON_AddStringToObject(x, "src_ip", al->src);
		cJSON_AddNumberToObject(x, "src_port", al->sport);
		cJSON_AddStringToObject(x, "dest_ip", al->dst);
		cJSON_AddNumberToObject(x, "dest_port", al->dport);
		add_str(x, "app_proto", al->app_proto);
		cJSON_AddNumberToObject(x, "signature_id", al->sid);
		cJSON_AddStringToObject(x, "signature", al->signature);
		cJSON_AddNumberToObject(x, "severity", al->severity);
		cJSON_AddStringToObject(x, "action", al->action);
		if (al->has_count)
			cJSON_AddNumberToObject(x, "count", al->count);
		if (al->has_threshold)
			cJSON_AddNumberToObject(x, "threshold", al->threshold);
		if (al->has_window)
			cJSON_AddNumberToObject(x, "window", al->window);
		if (al->in_flow != 0)
			cJSON_AddNumberToObject(x, "inbound_flow_id",
			    al->in_flow);
		if (al->out_flow != 0)
			cJSON_AddNumberToObject(x, "outbound_flow_id",
			    al->out_flow);
		if (al->out_blocked != -1)
			cJSON_AddBoolToObject(x, "outbound_blocked",
			    al->out_blocked);
		add_str(x, "response", al->resp_action);
		add_str(x, "response_until", al->resp_until);
		add_str(x, "response_note", al->resp_note);
		cJSON_AddItemToArray(a, x);
	}
}

static void
json_resps(cJSON *o, const struct report *r)
{
	cJSON	*qa = cJSON_AddArrayToObject(o, "quarantines");
	cJSON	*ha = cJSON_AddArrayToObject(o, "harvest_blocks"), *x;

	for (size_t i = 0; i < r->nresps; i++) {
		const struct rpt_resp *q = &r->resps[i];

		x = cJSON_CreateObject();
		cJSON_AddStringToObject(x, "host", q->host);
		add_str(x, "since", q->since[0] ? q->since : NULL);
		add_str(x, "until", q->until[0] ? q->until : NULL);
		if (!q->harvest) {
			add_str(x, "ended", q->ended[0] ? q->ended : NULL);
			add_str(x, "end", resp_end(q));
			add_str(x, "removed_by", q->removed_by);
			cJSON_AddBoolToObject(x, "start_seen", q->started);
		}
		add_str(x, "who", q->who);
		add_str(x, "reason", q->reason);
		cJSON_AddNumberToObject(x, "refused", (double)q->refused);
		add_str(x, "routers", q->routers);
		cJSON_AddItemToArray(q->harvest ? ha : qa, x);
	}
}

static void
json_tables(cJSON *o, const struct report *r, const struct rpt_view *v)
{
	cJSON	*a, *x, *y;
	char	 pfx[PREFIX_STRLEN];

	a = cJSON_AddArrayToObject(o, "block_reasons");
	for (size_t i = 0; i < v->nreasons; i++)
		for (int d = 0; d < RPT_DIRS; d++) {
			const uint64_t *n = &v->reasons[i].n[d * 2];

			if (n[0] + n[1] == 0)
				continue;
			x = cJSON_CreateObject();
			cJSON_AddStringToObject(x, "reason", v->reasons[i].key);
			cJSON_AddStringToObject(x, "direction",
			    rv_direction_name(d));
			cJSON_AddNumberToObject(x, "blocked", (double)n[0]);
			cJSON_AddNumberToObject(x, "would_be_blocked",
			    (double)n[1]);
			cJSON_AddItemToArray(a, x);
		}
	a = cJSON_AddArrayToObject(o, "top_blocked_hosts");
	for (size_t i = 0; i < v->nhosts && i < TOP_HOSTS; i++) {
		const struct rpt_item *h = &v->hosts[i];

		x = cJSON_CreateObject();
		cJSON_AddStringToObject(x, "ip", h->key);
		cJSON_AddNumberToObject(x, "blocked", (double)rpt_refused(h));
		cJSON_AddNumberToObject(x, "inbound", (double)(h->n[0] +
		    h->n[2]));
		cJSON_AddNumberToObject(x, "outbound", (double)(h->n[1] +
		    h->n[3]));
		cJSON_AddNumberToObject(x, "would_be_blocked",
		    (double)(h->n[2] + h->n[3]));
		cJSON_AddItemToArray(a, x);
	}
	a = cJSON_AddArrayToObject(o, "top_outside_sources");
	for (size_t i = 0; i < v->nsources && i < TOP_SOURCES; i++) {
		const struct rpt_item *s = &v->sources[i];

		x = json_counts(s->n);
		cJSON_AddStringToObject(x, "ip", s->key);
		cJSON_AddStringToObject(x, "first", s->first);
		cJSON_AddStringToObject(x, "last", s->last);
		cJSON_AddItemToArray(a, x);
	}
	cJSON_AddNumberToObject(o, "outside_sources", (double)v->nsources);
	a = cJSON_AddArrayToObject(o, "routers");
	for (size_t i = 0; i < v->nrouters; i++) {
		const struct rpt_item *it = &v->routers[i];
		char d[16];

		x = json_counts(it->n);
		cJSON_AddStringToObject(x, "host", it->key);
		cJSON_AddNumberToObject(x, "events", (double)it->n[3]);
		cJSON_AddNumberToObject(x, "alerts", (double)it->n[4]);
		add_str(x, "senders", it->s[0]);
		add_str(x, "first", it->first);
		add_str(x, "last", it->last);
		y = cJSON_AddArrayToObject(x, "days_without_data");
		for (int64_t day = r->first; day <= r->last; day++) {
			bool have = false;

			for (size_t k = 0; k < it->ndays && !have; k++)
				have = it->days[k] == day;
			if (!have) {
				rpt_day_format(day, d, sizeof(d));
				cJSON_AddItemToArray(y, cJSON_CreateString(d));
			}
		}
		cJSON_AddItemToArray(a, x);
	}
	a = cJSON_AddArrayToObject(o, "exceptions_used");
	for (size_t i = 0; i < v->nexc; i++) {
		const struct rpt_item *e = &v->exc[i];

		x = cJSON_CreateObject();
		cJSON_AddStringToObject(x, "entry", e->key);
		add_str(x, "direction", e->s[0]);
		add_str(x, "ticket", e->s[1]);
		add_str(x, "owner", e->s[2]);
		cJSON_AddNumberToObject(x, "allowed", (double)(e->n[0] +
		    e->n[1]));
		cJSON_AddNumberToObject(x, "inbound", (double)e->n[0]);
		cJSON_AddNumberToObject(x, "outbound", (double)e->n[1]);
		cJSON_AddItemToArray(a, x);
	}
	if (r->pol == NULL)
		return;
	a = cJSON_AddArrayToObject(o, "exceptions_unused");
	for (size_t i = 0; i < r->pol->exc.n; i++) {
		const struct exc_entry	*e = &r->pol->exc.v[i];

		if (exc_unused_pfx(r, i, pfx, sizeof(pfx)) == NULL)
			continue;
		y = cJSON_CreateObject();
		cJSON_AddStringToObject(y, "entry", pfx);
		cJSON_AddStringToObject(y, "direction", exc_dir_name(e->dir));
		add_str(y, "ticket", e->ticket[0] ? e->ticket : NULL);
		add_str(y, "owner", e->owner[0] ? e->owner : NULL);
		add_str(y, "expires", e->expires[0] ? e->expires : NULL);
		cJSON_AddNumberToObject(y, "line", e->line);
		cJSON_AddItemToArray(a, y);
	}
}

static int
report_json(const struct report *r, const struct rpt_view *v)
{
	cJSON	*o = cJSON_CreateObject();
	char	*s;

	json_head(o, r, v);
	json_days(o, r, v);
	json_tables(o, r, v);
	json_alerts(o, r);
	json_resps(o, r);
	if ((s = cJSON_Print(o)) == NULL) {
		cJSON_Delete(o);
		say("out of memory");
		return -1;
	}
	printf("%s\n", s);
	free(s);
	cJSON_Delete(o);
	return 0;
}

/* ---- CSV: one table per section, RFC 4180 ---- */

static void
csv_field(const char *s, bool last)
{
	if (s == NULL)
		s = "";
	if (strpbrk(s, ",\"\r\n") != NULL) {
		putchar('"');
		for (; *s; s++) {
			if (*s == '"')
				putchar('"');
			putchar(*s);
		}
		putchar('"');
	} else
		fputs(s, stdout);
	fputs(last ? "\r\n" : ",", stdout);
}

static void
csv_num(double n, bool last)
{
	printf(last ? "%.0f\r\n" : "%.0f,", n);
}

static void
report_csv(const struct report *r, const struct rpt_view *v,
    const char *section)
{
	char	 d[16], pfx[PREFIX_STRLEN];

	if (strcmp(section, "days") == 0) {
		printf("date,mode,events,direction,allowed,blocked,"
		    "would_be_blocked\r\n");
		for (size_t i = 0; i < r->ndays; i++) {
			rpt_day_format(r->days[i].day, d, sizeof(d));
			for (int k = 0; k < RPT_DIRS; k++) {
				csv_field(d, false);
				csv_field(day_mode(&r->days[i]), false);
				csv_num((double)r->days[i].events, false);
				csv_field(rv_direction_name(k), false);
				for (int c = 0; c < RC_N; c++)
					csv_num((double)r->days[i].n[k][c],
					    c == RC_N - 1);
			}
		}
	} else if (strcmp(section, "hours") == 0) {
		printf("date,hour,outbound_refused\r\n");
		for (size_t i = 0; i < r->ndays; i++) {
			rpt_day_format(r->days[i].day, d, sizeof(d));
			for (int h = 0; h < 24; h++)
				printf("%s,%d,%llu\r\n", d, h,
				    (unsigned long long)r->days[i].out_hour[h]);
		}
	} else if (strcmp(section, "reasons") == 0) {
		printf("reason,direction,blocked,would_be_blocked\r\n");
		for (size_t i = 0; i < v->nreasons; i++)
			for (int k = 0; k < RPT_DIRS; k++) {
				const uint64_t *n = &v->reasons[i].n[k * 2];

				if (n[0] + n[1] == 0)
					continue;
				csv_field(v->reasons[i].key, false);
				csv_field(rv_direction_name(k), false);
				csv_num((double)n[0], false);
				csv_num((double)n[1], true);
			}
	} else if (strcmp(section, "alerts") == 0) {
		printf("timestamp,router,kind,host,flow_id,src_ip,src_port,"
		    "dest_ip,dest_port,signature_id,severity,action,count,"
		    "threshold,window,inbound_flow_id,outbound_flow_id,"
		    "response,response_until,signature\r\n");
		for (size_t i = 0; i < r->nalerts; i++) {
			const struct rpt_alert *a = &r->alerts[i];

			csv_field(a->ts, false);
			csv_field(a->router, false);
			csv_field(a->kind, false);
			csv_field(a->subject, false);
			csv_num(a->flow_id, false);
			csv_field(a->src, false);
			csv_num(a->sport, false);
			csv_field(a->dst, false);
			csv_num(a->dport, false);
			csv_num(a->sid, false);
			csv_num(a->severity, false);
			csv_field(a->action, false);
			a->has_count ? csv_num(a->count, false) :
			    csv_field("", false);
			a->has_threshold ? csv_num(a->threshold, false) :
			    csv_field("", false);
			a->has_window ? csv_num(a->window, false) :
			    csv_field("", false);
			a->in_flow ? csv_num(a->in_flow, false) :
			    csv_field("", false);
			a->out_flow ? csv_num(a->out_flow, false) :
			    csv_field("", false);
			csv_field(a->resp_action, false);
			csv_field(a->resp_until, false);
			csv_field(a->signature, true);
		}
	} else if (strcmp(section, "quarantines") == 0) {
		printf("kind,host,since,until,ended,end,who,refused,routers,"
		    "reason\r\n");
		for (size_t i = 0; i < r->nresps; i++) {
			const struct rpt_resp *q = &r->resps[i];

			csv_field(q->harvest ? "harvest_block" : "quarantine",
			    false);
			csv_field(q->host, false);
			csv_field(q->since, false);
			csv_field(q->until, false);
			csv_field(q->ended, false);
			csv_field(resp_end(q), false);
			csv_field(q->who, false);
			csv_num((double)q->refused, false);
			csv_field(q->routers, false);
			csv_field(q->reason, true);
		}
	} else if (strcmp(section, "hosts") == 0) {
		printf("ip,refused,inbound,outbound,would_be_blocked,first,"
		    "last\r\n");
		for (size_t i = 0; i < v->nhosts; i++) {
			const struct rpt_item *h = &v->hosts[i];

			csv_field(h->key, false);
			csv_num((double)rpt_refused(h), false);
			csv_num((double)(h->n[0] + h->n[2]), false);
			csv_num((double)(h->n[1] + h->n[3]), false);
			csv_num((double)(h->n[2] + h->n[3]), false);
			csv_field(h->first, false);
			csv_field(h->last, true);
		}
	} else if (strcmp(section, "sources") == 0) {
		printf("ip,allowed,blocked,would_be_blocked,first,last\r\n");
		for (size_t i = 0; i < v->nsources; i++) {
			const struct rpt_item *s = &v->sources[i];

			csv_field(s->key, false);
			for (int c = 0; c < RC_N; c++)
				csv_num((double)s->n[c], false);
			csv_field(s->first, false);
			csv_field(s->last, true);
		}
	} else if (strcmp(section, "routers") == 0) {
		printf("host,events,allowed,blocked,would_be_blocked,alerts,"
		    "days_with_data,days,senders\r\n");
		for (size_t i = 0; i < v->nrouters; i++) {
			const struct rpt_item *it = &v->routers[i];
			int64_t n = r->last - r->first + 1;

			csv_field(it->key, false);
			csv_num((double)it->n[3], false);
			for (int c = 0; c < RC_N; c++)
				csv_num((double)it->n[c], false);
			csv_num((double)it->n[4], false);
			csv_num((double)(n - (int64_t)rpt_router_missing(r,
			    it)), false);
			csv_num((double)n, false);
			csv_field(it->s[0], true);
		}
	} else {	/* exceptions */
		printf("entry,used,direction,ticket,owner,allowed,inbound,"
		    "outbound\r\n");
		for (size_t i = 0; i < v->nexc; i++) {
			const struct rpt_item *e = &v->exc[i];

			csv_field(e->key, false);
			csv_field("yes", false);
			csv_field(e->s[0], false);
			csv_field(e->s[1], false);
			csv_field(e->s[2], false);
			csv_num((double)(e->n[0] + e->n[1]), false);
			csv_num((double)e->n[0], false);
			csv_num((double)e->n[1], true);
		}
		for (size_t i = 0; r->pol != NULL && i < r->pol->exc.n; i++) {
			const struct exc_entry *e = &r->pol->exc.v[i];

			if (exc_unused_pfx(r, i, pfx, sizeof(pfx)) == NULL)
				continue;
			csv_field(pfx, false);
			csv_field("no", false);
			csv_field(exc_dir_name(e->dir), false);
			csv_field(e->ticket, false);
			csv_field(e->owner, false);
			printf("0,0,0\r\n");
		}
	}
}

/* ---- the page: written aside, then renamed into place ---- */

static int
write_html(const struct report *r, const struct rpt_view *v, const char *file)
{
	char	*page = NULL, err[ERRLEN];
	size_t	 len = 0;
	FILE	*f;
	int	 rc;

	if (strcmp(file, "-") == 0)
		return report_html(r, v, stdout) == -1 || fflush(stdout) != 0 ?
		    -1 : 0;
	if ((f = open_memstream(&page, &len)) == NULL) {
		say("%s: %s", file, strerror(errno));
		return -1;
	}
	rc = report_html(r, v, f);
	if (fclose(f) != 0 || rc == -1) {
		say("%s: %s", file, strerror(errno));
		free(page);
		return -1;
	}
	if ((rc = file_replace(file, page, len, 0644, err, sizeof(err))) == -1)
		say("%s", err);
	free(page);
	return rc;
}

/* ---- main ---- */

void
report_usage(FILE *fp)
{
	fprintf(fp,
	    "       nfqd-collect report DIR [--since YYYY-MM-DD] "
	    "[--until YYYY-MM-DD]\n"
	    "           [-c nfqd.conf] [--json | --csv SECTION | "
	    "--html FILE]\n");
}

static void __attribute__((noreturn))
usage(int rc)
{
	FILE	*fp = rc ? stderr : stdout;

	fprintf(fp, "usage:\n");
	report_usage(fp);
	fprintf(fp,
	    "  --since, --until DAY  only these UTC days, both included\n"
	    "  -c, --config CONF     list the exception entries never used\n"
	    "  --json                one JSON document\n"
	    "  --csv SECTION         one table: days, hours, reasons, alerts,"
	    "\n"
	    "                        quarantines, hosts, sources, routers, "
	    "exceptions\n"
	    "  --html FILE           a page with charts (- for standard "
	    "output)\n");
	exit(rc);
}

int
report_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "since",	required_argument,	NULL, 's' },
		{ "until",	required_argument,	NULL, 'u' },
		{ "config",	required_argument,	NULL, 'c' },
		{ "json",	no_argument,		NULL, 'j' },
		{ "csv",	required_argument,	NULL, 'C' },
		{ "html",	required_argument,	NULL, 'H' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct report	 r;
	struct rpt_view	 v;
	struct policy	*pol = NULL;
	struct stat	 st;
	const char	*conf = NULL, *csv = NULL, *html = NULL;
	char		 err[ERRLEN];
	int64_t		 d;
	size_t		 i;
	int		 ch, json = 0, rc = 0, formats = 0;

	memset(&r, 0, sizeof(r));
	r.since = INT64_MIN;
	r.until = INT64_MAX;
	opterr = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, ":c:h", opts, NULL)) != -1) {
		switch (ch) {
		case 's':
		case 'u':
			if (strlen(optarg) != 10 ||
			    (d = day_of(optarg)) == -1) {
				say("--%s: expected YYYY-MM-DD, got '%s'",
				    ch == 's' ? "since" : "until", optarg);
				return 2;
			}
			*(ch == 's' ? &r.since : &r.until) = d;
			break;
		case 'c': conf = optarg; break;
		case 'j': json = 1; formats++; break;
		case 'C':
			for (i = 0; i < NCSV; i++)
				if (strcmp(optarg, csv_sections[i]) == 0)
					break;
			if (i == NCSV) {
				say("--csv: no section '%s' (days, hours, "
				    "reasons, alerts, quarantines, hosts, "
				    "sources, routers, exceptions)", optarg);
				return 2;
			}
			csv = optarg;
			formats++;
			break;
		case 'H': html = optarg; formats++; break;
		case 'h': usage(0);
		case ':':
			say("%s needs an argument", argv[optind - 1]);
			usage(2);
		default:
			if (optopt != 0)
				say("unknown option -%c", optopt);
			else
				say("unknown option %s", argv[optind - 1]);
			usage(2);
		}
	}
	if (optind + 1 != argc) {
		say(optind == argc ? "which folder? (DIR)" :
		    "one folder only (DIR)");
		usage(2);
	}
	if (formats > 1) {
		say("one of --json, --csv and --html");
		return 2;
	}
	if (r.since != INT64_MIN && r.until != INT64_MAX && r.since > r.until) {
		say("--since is after --until");
		return 2;
	}
	r.dir = argv[optind];
	if (stat(r.dir, &st) == -1) {
		say("%s: %s", r.dir, strerror(errno));
		return 2;
	}
	if (!S_ISDIR(st.st_mode)) {
		say("%s: not a folder", r.dir);
		return 2;
	}
	if (conf != NULL &&
	    (pol = policy_load(conf, err, sizeof(err))) == NULL) {
		say("%s", err);
		return 2;
	}
	r.pol = pol;
	r.conf = conf;
	if (read_dir(&r) == -1)
		rc = 1;
	report_finish(&r, &v);
	if (html != NULL && r.ndays > HTML_DAYS_MAX) {
		say("the period has %zu days; a page shows at most %d: narrow "
		    "it with --since and --until", r.ndays, HTML_DAYS_MAX);
		rc = 2;
	} else if (html != NULL) {
		if (write_html(&r, &v, html) == -1)
			rc = 1;
	} else if (csv != NULL)
		report_csv(&r, &v, csv);
	else if (json) {
		if (report_json(&r, &v) == -1)
			rc = 1;
	} else
		report_text(&r, &v);
	if (html == NULL && (fflush(stdout) != 0 || ferror(stdout))) {
		say("standard output: %s", strerror(errno));
		rc = 1;
	}
	report_free(&r, &v);
	policy_free(pol);
	return rc;
}
