/*
 * nfqd-collect report as text, for a person at a terminal; and the
 * wording the text, JSON and CSV share.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/defs.h"
#include "base/addr.h"
#include "policy/conf.h"
#include "policy/exceptions.h"
#include "policy/policy.h"
#include "collect/collect.h"
#include "collect/report.h"

#define TEXT_ALERTS_MAX	200

/* ---- shared wording ---- */

const char *
rpt_day_mode(const struct rpt_day *d)
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

const char *
rpt_resp_end(const struct rpt_resp *q)
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

const char *
rpt_exc_unused(const struct report *r, size_t i, char *buf, size_t len)
{
	const struct exc_entry	*e = &r->pol->exc.v[i];

	prefix_format(&e->pfx, buf, len);
	return rpt_table_find(&r->exc, buf) != NULL ? NULL : buf;
}

/* ---- the text ---- */

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
			day_format(d->day, a, sizeof(a));
			day_format(r->days[j - 1].day, b, sizeof(b));
			if (j - i == 1)
				printf("  %-10s  NO DATA: no event from any "
				    "router\n", a);
			else
				printf("  %s .. %s  NO DATA: %zu days without "
				    "an event\n", a, b, j - i);
			continue;
		}
		j = i + 1;
		day_format(d->day, a, sizeof(a));
		for (int k = 0; k < RPT_DIRS; k++) {
			if (d->n[k][0] + d->n[k][1] + d->n[k][2] == 0)
				continue;
			printf("  %-10s  %-7s  %-9s %9llu %9llu %11llu\n", a,
			    rpt_day_mode(d), rv_direction_name(k),
			    (unsigned long long)d->n[k][RC_ALLOWED],
			    (unsigned long long)d->n[k][RC_BLOCKED],
			    (unsigned long long)d->n[k][RC_WOULD]);
		}
		if (d->n[0][0] + d->n[0][1] + d->n[0][2] + d->n[1][0] +
		    d->n[1][1] + d->n[1][2] + d->n[2][0] + d->n[2][1] +
		    d->n[2][2] + d->n[3][0] + d->n[3][1] + d->n[3][2] == 0)
			printf("  %-10s  %-7s  no decisions (%llu other "
			    "events)\n", a, rpt_day_mode(d),
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
		rpt_table_get(&kinds, r->alerts[i].kind)->n[0]++;
	kv = rpt_table_sorted(&kinds, &nk, rpt_by_key);
	for (size_t i = 0; i < nk; i++)
		printf("%s%s %llu%s", i % 4 == 0 ? "  " : ", ", kv[i].key,
		    (unsigned long long)kv[i].n[0],
		    i % 4 == 3 || i + 1 == nk ? "\n" : "");
	free(kv);
	rpt_table_free(&kinds);
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
		    rpt_resp_end(q), rpt_or_dash(q->who));
		printf("      connections refused: %llu; router: %s\n"
		    "      %s\n", (unsigned long long)q->refused,
		    rpt_or_dash(q->routers), rpt_or_dash(q->reason));
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
		    rpt_or_dash(q->routers), rpt_or_dash(q->reason));
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
			day_format(d, a, sizeof(a));
			day_format(e, b, sizeof(b));
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
		    "%s %s\n", e->key, rpt_or_dash(e->s[0]),
		    (unsigned long long)(e->n[0] + e->n[1]),
		    (unsigned long long)e->n[0], (unsigned long long)e->n[1],
		    rpt_or_dash(e->s[1]), rpt_or_dash(e->s[2]));
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

		if (rpt_exc_unused(r, i, pfx, sizeof(pfx)) == NULL)
			continue;
		unused++;
		printf("  %-24s %-8s line %-4u %s %s%s%s\n", pfx,
		    exc_dir_name(e->dir), e->line, rpt_or_dash(e->ticket),
		    rpt_or_dash(e->owner), e->expires[0] ? " expires=" : "",
		    e->expires);
	}
	if (unused == 0)
		printf("  none\n");
}

void
report_text(const struct report *r, const struct rpt_view *v)
{
	char	 a[16], b[16];

	day_format(r->first, a, sizeof(a));
	day_format(r->last, b, sizeof(b));
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
