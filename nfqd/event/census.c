/*
 * The mail-server census: every campus host seen speaking SMTP across the
 * border, its connections in and out, allowed and blocked, per UTC day
 * for the last CENSUS_DAYS days and in total, first and last seen, and
 * when it last used an exception in each direction (`nfqctl census`).
 *
 * Who counts: a campus host that makes an outbound SMTP connection
 * (allowed or blocked: a workstation trying port 25 is a rogue sender the
 * census must show), or that receives an allowed inbound one.  A blocked
 * inbound attempt is counted only for a host already listed: an outside
 * scan of the whole campus would otherwise fill the table with machines
 * that never spoke SMTP.  Outbound attempts folded into policy_summary
 * events count too; folded inbound ones do not (their campus ends are a
 * sample).
 *
 * Live, the event writer thread counts as it writes the policy and
 * policy_summary events (off the packet path; an event dropped before the
 * writer is not counted), the control thread reports, and the main
 * thread saves the table to <state-dir>/census.json every
 * CENSUS_SAVE_S and at shutdown (a temporary file, fsync, rename), so
 * the counts survive a restart.  One mutex guards the table.  The table
 * holds census-hosts hosts; a connection of a host beyond that is only
 * counted in `overflow`.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "event/census.h"
#include "base/defs.h"
#include "base/addr.h"
#include "base/hosttab.h"
#include "base/lpm.h"
#include "base/files.h"
#include "base/when.h"
#include "policy/conf.h"
#include "policy/exceptions.h"
#include "policy/quarantine.h"
#include "policy/policy.h"
#include "event/event.h"
#include "base/json.h"

#define CENSUS_FILE_MAX	(256u << 20)

struct census_host {
	struct ip_addr	 a;			/* the key */
	int64_t		 first, last;		/* unix s */
	int64_t		 exc_used[2];		/* [in, out]: last allowed by
						   an exception, 0 never */
	uint64_t	 total[2][2];		/* [in, out][allowed, blocked] */
	int32_t		 day[CENSUS_DAYS];	/* the day of each bucket */
	uint32_t	 n[CENSUS_DAYS][2][2];
};

struct census {
	pthread_mutex_t		 lock;
	struct census_host	*v;
	struct hosttab		 hosts;		/* over v: census-hosts */
	uint64_t		 overflow;	/* connections not counted */
	int64_t			 since;		/* counting since, unix s */
};

struct census *
census_new(uint32_t cap, int64_t now)
{
	struct census	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if ((c->v = calloc(cap ? cap : 1, sizeof(*c->v))) == NULL ||
	    hosttab_init(&c->hosts, c->v, cap, sizeof(*c->v), sizeof(c->v->a),
	    0, 0xce05) == -1) {
		free(c->v);
		free(c);
		return NULL;
	}
	c->since = now;
	pthread_mutex_init(&c->lock, NULL);
	return c;
}

void
census_free(struct census *c)
{
	if (c == NULL)
		return;
	pthread_mutex_destroy(&c->lock);
	hosttab_free(&c->hosts);
	free(c->v);
	free(c);
}

/* The host's record; add it when `add` and there is room.  Lock held. */
static struct census_host *
host_get(struct census *c, const struct ip_addr *a, bool add)
{
	if (!add)
		return hosttab_find(&c->hosts, a);
	return hosttab_add(&c->hosts, a, 0, NULL, NULL);
}

static void
host_add(struct census_host *h, int dir, int blocked, uint64_t n, int64_t ts)
{
	int32_t		 day = (int32_t)(ts / 86400);
	unsigned	 b = (unsigned)day % CENSUS_DAYS;

	if (h->first == 0 || ts < h->first)
		h->first = ts;
	if (ts > h->last)
		h->last = ts;
	h->total[dir][blocked] += n;
	if (h->day[b] != day) {
		if (day < h->day[b])
			return;		/* older than the buckets: total only */
		h->day[b] = day;
		memset(h->n[b], 0, sizeof(h->n[b]));
	}
	h->n[b][dir][blocked] = h->n[b][dir][blocked] > UINT32_MAX - n ?
	    UINT32_MAX : h->n[b][dir][blocked] + (uint32_t)n;
}

/*
 * n connections of campus host a in direction (D_INBOUND, D_OUTBOUND),
 * decided action, at ts (unix s); by_exception: allowed by an exception.
 */
void
census_count(struct census *c, const struct ip_addr *a, uint8_t direction,
    uint8_t action, bool by_exception, uint64_t n, int64_t ts)
{
	struct census_host	*h;
	int			 dir = direction == D_OUTBOUND;

	if (c == NULL || (direction != D_INBOUND && direction != D_OUTBOUND) ||
	    n == 0)
		return;
	pthread_mutex_lock(&c->lock);
	/* A blocked inbound attempt alone does not make a mail server. */
	h = host_get(c, a, dir == 1 || action == A_ALLOWED);
	if (h == NULL) {
		if (dir == 1 || action == A_ALLOWED)
			c->overflow += n;
		pthread_mutex_unlock(&c->lock);
		return;
	}
	host_add(h, dir, action == A_BLOCKED, n, ts);
	if (action == A_ALLOWED && by_exception && ts > h->exc_used[dir])
		h->exc_used[dir] = ts;
	pthread_mutex_unlock(&c->lock);
}

/* Count what a policy or policy_summary event says (the writer thread). */
void
census_event(struct census *c, const struct event *ev)
{
	if (c == NULL)
		return;
	if (ev->type == EV_POLICY)
		census_count(c, ev->policy.direction == D_INBOUND ? &ev->dst :
		    &ev->src, ev->policy.direction, ev->policy.action,
		    ev->policy.reason == R_EXCEPTION, 1, ev->ts_us / 1000000);
	else if (ev->type == EV_SUMMARY && ev->summary.direction == D_OUTBOUND)
		census_count(c, &ev->summary.src, D_OUTBOUND, A_BLOCKED, false,
		    ev->summary.count, ev->summary.last_us / 1000000);
}

/* ---- the state file ---- */

/*
 * The table as census.json's text (malloc'ed), or NULL.  The hosts are
 * copied under the lock (a memcpy) and written out after it, so the
 * writer thread, which counts, waits a millisecond, not the formatting.
 */
char *
census_dump(struct census *c)
{
	struct census_host	*v;
	FILE			*f;
	char			*s = NULL, a[ADDR_STRLEN];
	size_t			 len = 0;
	uint32_t		 i, b, n;
	uint64_t		 overflow;
	int64_t			 since;
	bool			 first, bad;

	pthread_mutex_lock(&c->lock);
	n = c->hosts.n;
	since = c->since;
	overflow = c->overflow;
	if ((v = malloc(((size_t)n + 1) * sizeof(*v))) != NULL)
		memcpy(v, c->v, (size_t)n * sizeof(*v));
	pthread_mutex_unlock(&c->lock);
	if (v == NULL || (f = open_memstream(&s, &len)) == NULL) {
		free(v);
		return NULL;
	}
	fprintf(f, "{\"version\":1,\"since\":%lld,\"overflow\":%llu,"
	    "\"hosts\":[", (long long)since, (unsigned long long)overflow);
	for (i = 0; i < n; i++) {
		const struct census_host *h = &v[i];

		addr_format(&h->a, a, sizeof(a));
		fprintf(f, "%s{\"host\":\"%s\",\"first\":%lld,\"last\":%lld,"
		    "\"exception_used\":[%lld,%lld],\"total\":[%llu,%llu,%llu,"
		    "%llu],\"days\":[", i ? "," : "", a, (long long)h->first,
		    (long long)h->last, (long long)h->exc_used[0],
		    (long long)h->exc_used[1],
		    (unsigned long long)h->total[0][0],
		    (unsigned long long)h->total[0][1],
		    (unsigned long long)h->total[1][0],
		    (unsigned long long)h->total[1][1]);
		first = true;
		for (b = 0; b < CENSUS_DAYS; b++) {
			if (h->day[b] == 0)
				continue;
			fprintf(f, "%s[%d,%u,%u,%u,%u]", first ? "" : ",",
			    h->day[b], h->n[b][0][0], h->n[b][0][1],
			    h->n[b][1][0], h->n[b][1][1]);
			first = false;
		}
		fputs("]}", f);
	}
	fputs("]}", f);
	free(v);
	bad = ferror(f) != 0;
	if (fclose(f) == EOF || bad) {
		free(s);
		return NULL;
	}
	return s;
}

/* A whole number in [0, max] from a JSON number. */
static bool
whole(const cJSON *v, double max, uint64_t *out)
{
	if (!cJSON_IsNumber(v) || v->valuedouble < 0 ||
	    v->valuedouble > max ||
	    v->valuedouble != (double)(uint64_t)v->valuedouble)
		return false;
	*out = (uint64_t)v->valuedouble;
	return true;
}

#define TIME_MAX	253402300799.0		/* 9999-12-31T23:59:59Z */
#define COUNT_MAX	9007199254740992.0	/* 2^53: exact in JSON */

static int
host_json(struct census *c, const cJSON *o, char *err, size_t errlen)
{
	const cJSON		*host, *first, *last, *eu, *tot, *days, *d;
	struct census_host	*h, tmp;
	uint64_t		 v[5];
	int			 k;

	memset(&tmp, 0, sizeof(tmp));
	host = cJSON_GetObjectItemCaseSensitive(o, "host");
	first = cJSON_GetObjectItemCaseSensitive(o, "first");
	last = cJSON_GetObjectItemCaseSensitive(o, "last");
	eu = cJSON_GetObjectItemCaseSensitive(o, "exception_used");
	tot = cJSON_GetObjectItemCaseSensitive(o, "total");
	days = cJSON_GetObjectItemCaseSensitive(o, "days");
	if (!cJSON_IsObject(o) || !cJSON_IsString(host) ||
	    addr_parse(host->valuestring, &tmp.a) == -1) {
		snprintf(err, errlen, "no valid \"host\" address");
		return -1;
	}
	if (!whole(first, TIME_MAX, &v[0]) || !whole(last, TIME_MAX, &v[1]) ||
	    v[1] < v[0]) {
		snprintf(err, errlen, "bad first/last (unix seconds, first not "
		    "after last)");
		return -1;
	}
	tmp.first = (int64_t)v[0];
	tmp.last = (int64_t)v[1];
	if (!cJSON_IsArray(eu) || cJSON_GetArraySize(eu) != 2 ||
	    !whole(cJSON_GetArrayItem(eu, 0), TIME_MAX, &v[0]) ||
	    !whole(cJSON_GetArrayItem(eu, 1), TIME_MAX, &v[1])) {
		snprintf(err, errlen, "bad exception_used ([in, out] unix "
		    "seconds)");
		return -1;
	}
	tmp.exc_used[0] = (int64_t)v[0];
	tmp.exc_used[1] = (int64_t)v[1];
	if (!cJSON_IsArray(tot) || cJSON_GetArraySize(tot) != 4) {
		snprintf(err, errlen, "bad total (4 counts)");
		return -1;
	}
	for (k = 0; k < 4; k++)
		if (!whole(cJSON_GetArrayItem(tot, k), COUNT_MAX, &v[k])) {
			snprintf(err, errlen, "bad total (4 counts)");
			return -1;
		} else
			tmp.total[k / 2][k % 2] = v[k];
	if (!cJSON_IsArray(days) || cJSON_GetArraySize(days) > CENSUS_DAYS) {
		snprintf(err, errlen, "bad days (at most %d [day, 4 counts])",
		    CENSUS_DAYS);
		return -1;
	}
	cJSON_ArrayForEach(d, days) {
		if (!cJSON_IsArray(d) || cJSON_GetArraySize(d) != 5) {
			snprintf(err, errlen, "bad day ([day, 4 counts])");
			return -1;
		}
		for (k = 0; k < 5; k++)
			if (!whole(cJSON_GetArrayItem(d, k), k == 0 ?
			    TIME_MAX / 86400 : UINT32_MAX, &v[k]) ||
			    (k == 0 && v[0] == 0)) {
				snprintf(err, errlen, "bad day ([day, 4 counts])");
				return -1;
			}
		if (tmp.day[v[0] % CENSUS_DAYS] != 0) {
			snprintf(err, errlen, "day %llu: two days in one bucket",
			    (unsigned long long)v[0]);
			return -1;
		}
		tmp.day[v[0] % CENSUS_DAYS] = (int32_t)v[0];
		for (k = 1; k < 5; k++)
			tmp.n[v[0] % CENSUS_DAYS][(k - 1) / 2][(k - 1) % 2] =
			    (uint32_t)v[k];
	}
	if (host_get(c, &tmp.a, false) != NULL) {
		snprintf(err, errlen, "%s listed twice", host->valuestring);
		return -1;
	}
	if ((h = host_get(c, &tmp.a, true)) == NULL) {
		c->overflow += tmp.total[0][0] + tmp.total[0][1] +
		    tmp.total[1][0] + tmp.total[1][1];
		return 1;
	}
	*h = tmp;
	return 0;
}

/*
 * Read census.json into c (empty, just made); a missing file is an empty
 * census.  Anything malformed refuses the whole file: -1, with
 * "path: host N: what" in err, and c left empty.  Hosts beyond census-hosts
 * go to overflow (*dropped says how many).
 */
int
census_load(struct census *c, const char *path, uint32_t *dropped,
    char *err, size_t errlen)
{
	char		*buf, msg[ERRLEN];
	cJSON		*root = NULL, *ver, *since, *ov, *hosts, *o;
	uint64_t	 v;
	int		 i = 0, r, rc = -1;

	*dropped = 0;
	if ((buf = file_read_text(path, CENSUS_FILE_MAX, false, err,
	    errlen)) == NULL)
		return err[0] == '\0' ? 0 : -1;
	if ((root = cJSON_ParseWithOpts(buf, NULL, 1)) == NULL) {
		snprintf(err, errlen, "%s: not valid JSON (a damaged file: "
		    "move it away to start counting afresh)", path);
		goto out;
	}
	ver = cJSON_GetObjectItemCaseSensitive(root, "version");
	since = cJSON_GetObjectItemCaseSensitive(root, "since");
	ov = cJSON_GetObjectItemCaseSensitive(root, "overflow");
	hosts = cJSON_GetObjectItemCaseSensitive(root, "hosts");
	if (!cJSON_IsObject(root) || !cJSON_IsNumber(ver) ||
	    ver->valuedouble != 1 || !cJSON_IsArray(hosts) ||
	    !whole(since, TIME_MAX, &v)) {
		snprintf(err, errlen, "%s: expected {\"version\": 1, \"since\": "
		    "..., \"hosts\": [...]}", path);
		goto out;
	}
	pthread_mutex_lock(&c->lock);
	c->since = (int64_t)v;
	c->overflow = 0;
	if (ov != NULL && !whole(ov, COUNT_MAX, &c->overflow)) {
		snprintf(err, errlen, "%s: bad overflow count", path);
		goto reset;
	}
	cJSON_ArrayForEach(o, hosts) {
		i++;
		if ((r = host_json(c, o, msg, sizeof(msg))) == -1) {
			snprintf(err, errlen, "%s: host %d: %s", path, i, msg);
			goto reset;
		}
		*dropped += r == 1;
	}
	pthread_mutex_unlock(&c->lock);
	rc = 0;
	goto out;
reset:
	hosttab_clear(&c->hosts);
	c->overflow = 0;
	pthread_mutex_unlock(&c->lock);
out:
	cJSON_Delete(root);
	free(buf);
	return rc;
}

/* Write census.json (file_write_text: atomically). */
int
census_save(struct census *c, const char *dir, char *err, size_t errlen)
{
	char	 path[MAX_PATH + 32], *text;
	int	 rc;

	if (mkdir(dir, 0750) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create the state folder %s: %s",
		    dir, strerror(errno));
		return -1;
	}
	if ((text = census_dump(c)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, CENSUS_FILE);
	rc = file_write_text(path, text, err, errlen);
	free(text);
	return rc;
}

/* ---- the report ---- */

struct row {
	const struct census_host *h;
	uint64_t	 n[2][2];
};

static int
row_cmp(const void *a, const void *b)
{
	const struct row	*x = a, *y = b;
	uint64_t		 nx = x->n[0][0] + x->n[0][1] + x->n[1][0] +
				    x->n[1][1];
	uint64_t		 ny = y->n[0][0] + y->n[0][1] + y->n[1][0] +
				    y->n[1][1];

	if (nx != ny)
		return nx < ny ? 1 : -1;
	if (x->h->a.af != y->h->a.af)
		return x->h->a.af - y->h->a.af;
	return memcmp(x->h->a.b, y->h->a.b, 16);
}

/* The active exception deciding for a (policy_decide's rule), or NULL. */
static const struct exc_entry *
active_exception(const struct policy *p, const struct ip_addr *a,
    int64_t now)
{
	uint32_t	 idx[129];
	int		 i, n = lpm_lookup(&p->exc.lpm, a, idx, 129);

	for (i = 0; i < n; i++)
		if (p->exc.v[idx[i]].expires_at == 0 ||
		    now < p->exc.v[idx[i]].expires_at)
			return &p->exc.v[idx[i]];
	return NULL;
}

static void
add_dir(cJSON *o, const char *key, const uint64_t n[2])
{
	cJSON	*x = cJSON_AddObjectToObject(o, key);

	json_add_u64(x, "allowed", n[0]);
	json_add_u64(x, "blocked", n[1]);
}

/*
 * The census as the control socket answers it, into o: the hosts with
 * connections in the last `days` days (0: all of them, totals), most
 * active first, each with the exception that covers it; and the active
 * exceptions no host used (an allowed connection by it) for unused_days,
 * among those older than that (their `added`, when known).  now: unix s.
 */
int
census_report(struct census *c, const struct policy *p, uint32_t days,
    uint32_t unused_days, int64_t now, cJSON *o, char *err, size_t errlen)
{
	struct row		*rows;
	int64_t			*used, added, cut = now - (int64_t)unused_days *
				    86400;
	int32_t			 today = (int32_t)(now / 86400);
	uint32_t		 i, b, nr = 0;
	const char		*end;
	size_t			 k;
	cJSON			*arr, *h, *x;
	char			 a[ADDR_STRLEN];
	const struct exc_entry	*e;

	if (days > CENSUS_DAYS) {
		snprintf(err, errlen, "the census keeps %d days: --since 1-%d",
		    CENSUS_DAYS, CENSUS_DAYS);
		return -1;
	}
	pthread_mutex_lock(&c->lock);
	rows = calloc(c->hosts.n + 1, sizeof(*rows));
	used = calloc(p->exc.n + 1, sizeof(*used));
	if (rows == NULL || used == NULL) {
		pthread_mutex_unlock(&c->lock);
		free(rows);
		free(used);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < c->hosts.n; i++) {
		const struct census_host *ch = &c->v[i];
		struct row	*r = &rows[nr];

		r->h = ch;
		if (days == 0)
			memcpy(r->n, ch->total, sizeof(r->n));
		else
			for (b = 0; b < CENSUS_DAYS; b++)
				if (ch->day[b] != 0 &&
				    ch->day[b] > today - (int32_t)days &&
				    ch->day[b] <= today)
					for (int d = 0; d < 4; d++)
						r->n[d / 2][d % 2] +=
						    ch->n[b][d / 2][d % 2];
		/* The exception in force now: did the host use it? */
		if ((e = active_exception(p, &ch->a, now)) != NULL) {
			k = (size_t)(e - p->exc.v);
			if ((e->dir & EXC_INBOUND) && ch->exc_used[0] > used[k])
				used[k] = ch->exc_used[0];
			if ((e->dir & EXC_OUTBOUND) && ch->exc_used[1] >
			    used[k])
				used[k] = ch->exc_used[1];
		}
		if (r->n[0][0] + r->n[0][1] + r->n[1][0] + r->n[1][1] > 0)
			nr++;
	}
	qsort(rows, nr, sizeof(*rows), row_cmp);
	json_add_ts(o, "timestamp", now * 1000000);
	json_add_ts(o, "counting_since", c->since * 1000000);
	if (days > 0)
		json_add_u64(o, "since_days", days);
	json_add_u64(o, "hosts_tracked", c->hosts.n);
	json_add_u64(o, "hosts_max", c->hosts.cap);
	json_add_u64(o, "overflow", c->overflow);
	arr = cJSON_AddArrayToObject(o, "hosts");
	for (i = 0; arr != NULL && i < nr; i++) {
		const struct census_host *ch = rows[i].h;

		if ((h = cJSON_CreateObject()) == NULL)
			break;
		cJSON_AddItemToArray(arr, h);
		addr_format(&ch->a, a, sizeof(a));
		cJSON_AddStringToObject(h, "host", a);
		add_dir(h, "inbound", rows[i].n[0]);
		add_dir(h, "outbound", rows[i].n[1]);
		json_add_ts(h, "first_seen", ch->first * 1000000);
		json_add_ts(h, "last_seen", ch->last * 1000000);
		e = active_exception(p, &ch->a, now);
		cJSON_AddStringToObject(h, "exception_directions", e == NULL ?
		    "none" : exc_dir_name(e->dir));
		if (e != NULL)
			cJSON_AddItemToObject(h, "exception",
			    exc_json(e, now));
		else
			cJSON_AddNullToObject(h, "exception");
	}
	json_add_u64(o, "unused_days", unused_days);
	arr = cJSON_AddArrayToObject(o, "unused_exceptions");
	for (k = 0; arr != NULL && k < p->exc.n; k++) {
		e = &p->exc.v[k];
		if ((e->expires_at != 0 && now >= e->expires_at) ||
		    used[k] > cut)
			continue;
		/* Too young to judge: added within the period. */
		if (e->added[0] && when_parse(e->added, &added, &end) == 0 &&
		    added > cut)
			continue;
		if ((x = exc_json(e, now)) == NULL)
			break;
		if (e->added[0])
			cJSON_AddStringToObject(x, "added", e->added);
		if (used[k] != 0)
			json_add_ts(x, "last_used", used[k] * 1000000);
		else
			cJSON_AddNullToObject(x, "last_used");
		cJSON_AddItemToArray(arr, x);
	}
	pthread_mutex_unlock(&c->lock);
	free(rows);
	free(used);
	return 0;
}
