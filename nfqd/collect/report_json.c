/*
 * nfqd-collect report --json: one JSON document with every count.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "base/defs.h"
#include "base/addr.h"
#include "policy/conf.h"
#include "policy/exceptions.h"
#include "policy/policy.h"
#include "collect/collect.h"
#include "collect/report.h"

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
		day_format(r->first, d, sizeof(d));
		cJSON_AddStringToObject(x, "first", d);
		day_format(r->last, d, sizeof(d));
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
		day_format(day->day, d, sizeof(d));
		cJSON_AddStringToObject(x, "date", d);
		cJSON_AddStringToObject(x, "mode", rpt_day_mode(day));
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
			add_str(x, "end", rpt_resp_end(q));
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
				day_format(day, d, sizeof(d));
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

		if (rpt_exc_unused(r, i, pfx, sizeof(pfx)) == NULL)
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

int
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
		rpt_say("out of memory");
		return -1;
	}
	printf("%s\n", s);
	free(s);
	cJSON_Delete(o);
	return 0;
}
