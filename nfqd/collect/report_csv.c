/*
 * nfqd-collect report --csv SECTION: one table, RFC 4180 (CRLF line
 * ends, a field quoted when it holds a comma, a quote or a line end).
 */
#include <stdio.h>
#include <string.h>

#include "base/defs.h"
#include "base/addr.h"
#include "policy/conf.h"
#include "policy/exceptions.h"
#include "policy/policy.h"
#include "collect/collect.h"
#include "collect/report.h"

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
csv_days(const struct report *r, const struct rpt_view *v)
{
	char	 d[16];

	(void)v;
	printf("date,mode,events,direction,allowed,blocked,"
	    "would_be_blocked\r\n");
	for (size_t i = 0; i < r->ndays; i++) {
		day_format(r->days[i].day, d, sizeof(d));
		for (int k = 0; k < RPT_DIRS; k++) {
			csv_field(d, false);
			csv_field(rpt_day_mode(&r->days[i]), false);
			csv_num((double)r->days[i].events, false);
			csv_field(rv_direction_name(k), false);
			for (int c = 0; c < RC_N; c++)
				csv_num((double)r->days[i].n[k][c],
				    c == RC_N - 1);
		}
	}
}

static void
csv_hours(const struct report *r, const struct rpt_view *v)
{
	char	 d[16];

	(void)v;
	printf("date,hour,outbound_refused\r\n");
	for (size_t i = 0; i < r->ndays; i++) {
		day_format(r->days[i].day, d, sizeof(d));
		for (int h = 0; h < 24; h++)
			printf("%s,%d,%llu\r\n", d, h,
			    (unsigned long long)r->days[i].out_hour[h]);
	}
}

static void
csv_reasons(const struct report *r, const struct rpt_view *v)
{
	(void)r;
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
}

static void
csv_alerts(const struct report *r, const struct rpt_view *v)
{
	(void)v;
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
}

static void
csv_quarantines(const struct report *r, const struct rpt_view *v)
{
	(void)v;
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
		csv_field(rpt_resp_end(q), false);
		csv_field(q->who, false);
		csv_num((double)q->refused, false);
		csv_field(q->routers, false);
		csv_field(q->reason, true);
	}
}

static void
csv_hosts(const struct report *r, const struct rpt_view *v)
{
	(void)r;
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
}

static void
csv_sources(const struct report *r, const struct rpt_view *v)
{
	(void)r;
	printf("ip,allowed,blocked,would_be_blocked,first,last\r\n");
	for (size_t i = 0; i < v->nsources; i++) {
		const struct rpt_item *s = &v->sources[i];

		csv_field(s->key, false);
		for (int c = 0; c < RC_N; c++)
			csv_num((double)s->n[c], false);
		csv_field(s->first, false);
		csv_field(s->last, true);
	}
}

static void
csv_routers(const struct report *r, const struct rpt_view *v)
{
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
		csv_num((double)(n - (int64_t)rpt_router_missing(r, it)),
		    false);
		csv_num((double)n, false);
		csv_field(it->s[0], true);
	}
}

/* The entries used, then (with -c) the configured ones never used. */
static void
csv_exceptions(const struct report *r, const struct rpt_view *v)
{
	char	 pfx[PREFIX_STRLEN];

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

		if (rpt_exc_unused(r, i, pfx, sizeof(pfx)) == NULL)
			continue;
		csv_field(pfx, false);
		csv_field("no", false);
		csv_field(exc_dir_name(e->dir), false);
		csv_field(e->ticket, false);
		csv_field(e->owner, false);
		printf("0,0,0\r\n");
	}
}

/* What --csv can print, one table each. */
static const struct {
	const char	*name;
	void		(*write)(const struct report *r,
			    const struct rpt_view *v);
} csv_tables[] = {
	{ "days",	 csv_days },
	{ "hours",	 csv_hours },
	{ "reasons",	 csv_reasons },
	{ "alerts",	 csv_alerts },
	{ "quarantines", csv_quarantines },
	{ "hosts",	 csv_hosts },
	{ "sources",	 csv_sources },
	{ "routers",	 csv_routers },
	{ "exceptions",	 csv_exceptions },
};
#define NCSV	(sizeof(csv_tables) / sizeof(csv_tables[0]))

bool
report_csv_section(const char *section)
{
	for (size_t i = 0; i < NCSV; i++)
		if (strcmp(section, csv_tables[i].name) == 0)
			return true;
	return false;
}

void
report_csv(const struct report *r, const struct rpt_view *v,
    const char *section)
{
	for (size_t i = 0; i < NCSV; i++)
		if (strcmp(section, csv_tables[i].name) == 0) {
			csv_tables[i].write(r, v);
			return;
		}
}
