/*
 * nfqd-collect report: what the daily files hold, counted once
 * (report.c), read through one table of field accessors (report_eve.c),
 * written as text, JSON or CSV (report.c) or as a page (report_html.c).
 */
#ifndef NFQD_REPORT_H
#define NFQD_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct cJSON;
struct policy;

/* ---- report_eve.c: the one place that knows the event format ---- */

/* What the report reads of an event. */
enum rf {
	RF_TIMESTAMP, RF_TYPE, RF_HOST, RF_FLOW_ID, RF_SRC_IP, RF_SRC_PORT,
	RF_DEST_IP, RF_DEST_PORT, RF_APP_PROTO,
	/* a connection's decision */
	RF_POL_ACTION, RF_POL_DIRECTION, RF_POL_REASON, RF_POL_MODE,
	RF_POL_EXC_ENTRY, RF_POL_EXC_DIRECTION, RF_POL_EXC_TICKET,
	RF_POL_EXC_OWNER,
	RF_POL_QUAR_HOST, RF_POL_QUAR_SINCE, RF_POL_QUAR_UNTIL,
	RF_POL_HB_HOST, RF_POL_HB_SINCE, RF_POL_HB_UNTIL, RF_POL_HB_REASON,
	/* flood control's folded attempts */
	RF_SUM_ACTION, RF_SUM_DIRECTION, RF_SUM_MODE, RF_SUM_COUNT,
	/* alerts and what the detection behind one found */
	RF_ALERT_ACTION, RF_ALERT_SID, RF_ALERT_SIGNATURE, RF_ALERT_SEVERITY,
	RF_DET_KIND, RF_DET_HOST, RF_DET_COUNT, RF_DET_THRESHOLD,
	RF_DET_WINDOW, RF_DET_IN_FLOW, RF_DET_OUT_FLOW, RF_DET_OUT_BLOCKED,
	RF_DET_RESP_ACTION, RF_DET_RESP_UNTIL, RF_DET_RESP_NOTE,
	/* a quarantine's start or end */
	RF_Q_HOST, RF_Q_ACTION, RF_Q_REASON, RF_Q_SINCE, RF_Q_UNTIL, RF_Q_WHO,
	RF_Q_CAUSE, RF_Q_REMOVED_BY,
	RF_COUNT
};

/* The kinds of event the report counts; RT_OTHER: only its day. */
enum rt { RT_OTHER, RT_POLICY, RT_SUMMARY, RT_ALERT, RT_QUARANTINE };

/* Values with a meaning of their own. */
enum rv_action { RV_ALLOWED, RV_BLOCKED };
enum rv_mode { RV_ENFORCE, RV_MONITOR };
enum rv_qaction { RV_START, RV_END };

#define RPT_DIRS	4	/* inbound, outbound, internal, transit */

const char	*rf_str(const struct cJSON *, enum rf);
bool		 rf_num(const struct cJSON *, enum rf, double *);
bool		 rf_bool(const struct cJSON *, enum rf, bool *);
const char	*rf_path(enum rf);
enum rt		 rt_of(const struct cJSON *);
int		 rv_action(const char *);	/* -1: unknown */
int		 rv_mode(const char *);
int		 rv_direction(const char *);
int		 rv_qaction(const char *);
const char	*rv_direction_name(int);
const char	*rv_alert_kind(const struct cJSON *, char *, size_t);
const char	*rv_harvest_response(void);

/* ---- the counts (report_count.c) ---- */

/* action columns: allowed, blocked (enforce), would be blocked (monitor) */
enum { RC_ALLOWED, RC_BLOCKED, RC_WOULD, RC_N };

#define TS_LEN		40	/* "2026-09-21T08:05:00.123456+0000" */
#define MODE_ENFORCE	0x1
#define MODE_MONITOR	0x2

struct rpt_day {
	int64_t		 day;		/* UTC days since 1970 */
	uint64_t	 n[RPT_DIRS][RC_N];
	uint64_t	 out_hour[24];	/* refused outbound attempts */
	uint64_t	 events;
	uint8_t		 modes;		/* MODE_* seen in decisions */
};

/* A string-keyed entry of a count table. */
struct rpt_item {
	char		*key;
	uint64_t	 n[8];		/* what each table counts, below */
	char		*s[3];		/* and keeps: see each table */
	char		 first[TS_LEN], last[TS_LEN];
	int64_t		*days;		/* routers: days with events */
	size_t		 ndays, capdays;
};

struct rpt_table {
	struct rpt_item	*v;
	size_t		 cap, n;
};

struct rpt_alert {
	char		 ts[TS_LEN];
	char		*router, *kind, *subject, *signature, *action;
	char		*src, *dst, *app_proto;
	char		*resp_action, *resp_until, *resp_note;
	double		 flow_id, sid, severity, count, threshold, window;
	double		 in_flow, out_flow;
	int		 sport, dport;
	int		 out_blocked;	/* -1: not said */
	bool		 has_count, has_threshold, has_window;
};

/* A quarantine (by host and since) or a harvest block (host, until). */
struct rpt_resp {
	bool		 harvest;
	char		*host, *who, *reason, *cause, *removed_by, *routers;
	char		 since[TS_LEN], until[TS_LEN], ended[TS_LEN];
	bool		 started, ended_seen;
	uint64_t	 refused;	/* connections its policy events name */
};

struct rpt_file {
	char		*path;
	bool		 gz;
	const char	*error;		/* NULL: read whole */
};

struct report {
	const char	*dir;
	int64_t		 since, until;	/* as asked; INT64_MIN/MAX: open */
	int64_t		 first, last;	/* the period shown, days */
	struct rpt_day	*days;		/* sorted, first .. last, every day */
	size_t		 ndays, capdays;
	struct rpt_table hosts;		/* campus ends: n[0..1] blocked in/out,
					   n[2..3] would in/out */
	struct rpt_table sources;	/* outside ends of inbound: n[RC_*] */
	struct rpt_table reasons;	/* "reason": n[dir * 2 + blocked/would] */
	struct rpt_table routers;	/* host field: n[RC_*], n[3] events,
					   n[4] alerts; s[0] sender folders */
	struct rpt_table exc;		/* entries: n[0..1] in/out allowed;
					   s[] direction, ticket, owner */
	struct rpt_alert *alerts;
	size_t		 nalerts, capalerts;
	struct rpt_resp	*resps;
	size_t		 nresps, capresps;
	struct rpt_file	*files;
	size_t		 nfiles, capfiles;
	char		**skipped;	/* eve-DATE.json.* the report cannot read */
	size_t		 nskipped, capskipped;
	uint64_t	 events, bad, summaries, summarized;
	uint64_t	 quarantine_events;
	const struct policy *pol;
	const char	*conf;
};

/* The sorted views every writer uses, made once by report_finish(). */
struct rpt_view {
	struct rpt_item	*hosts, *sources, *reasons, *routers, *exc;
	size_t		 nhosts, nsources, nreasons, nrouters, nexc;
	uint64_t	 total[RPT_DIRS][RC_N];
	size_t		 nodata;	/* days without any event */
	size_t		 ngz, nfailed;
};

#define TOP_HOSTS	10
#define TOP_SOURCES	10

/* No event at all that day. */
bool	 rpt_day_empty(const struct rpt_day *d);
/* The days of the period router it sent nothing. */
size_t	 rpt_router_missing(const struct report *r,
	    const struct rpt_item *it);
/* A host's or a source's refused connections. */
uint64_t rpt_refused(const struct rpt_item *it);

/* ---- report.c: the folder read, and what every file uses ---- */

/* "nfqd-collect: report: " and the message, on stderr. */
void	 rpt_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* realloc of n times size, or exit(1) out of memory. */
void	*rpt_realloc(void *p, size_t n, size_t size);
/* A copy of s (NULL: NULL), its control characters made '?', so that no
 * output can drive a terminal; or exit(1) out of memory. */
char	*rpt_strdup(const char *s);
/* Grow array v of n used and cap kept so that one more fits. */
#define GROW(v, n, cap) do {						\
	if ((n) == (cap)) {						\
		(cap) = (cap) ? (cap) * 2 : 16;				\
		(v) = rpt_realloc((v), (cap), sizeof(*(v)));		\
	}								\
} while (0)

/* ---- report_count.c ---- */

/* "YYYY-MM-DD" at the start of s: its day, or -1. */
int64_t	 rpt_day_of(const char *s);
/* One event o of day d, from folder sender (NULL: the top), counted. */
void	 rpt_count_event(struct report *r, const struct cJSON *o, int64_t d,
	    const char *sender);
/* The entry of key in t, added (zero) if need be. */
struct rpt_item	*rpt_table_get(struct rpt_table *t, const char *key);
/* The entry of key in t, or NULL. */
const struct rpt_item *rpt_table_find(const struct rpt_table *t,
	    const char *key);
void	 rpt_table_free(struct rpt_table *t);
/* t's entries (n of them) in a new array sorted by cmp. */
struct rpt_item	*rpt_table_sorted(const struct rpt_table *t, size_t *n,
	    int (*cmp)(const void *, const void *));
/* s, or "-" when it is NULL or empty. */
const char	*rpt_or_dash(const char *s);
/* qsort order of rpt_items by key. */
int	 rpt_by_key(const void *a, const void *b);
/* The period filled (every day of it), the alerts and responses sorted,
 * and the views made (v); report_free frees both. */
void	 report_finish(struct report *r, struct rpt_view *v);
void	 report_free(struct report *r, struct rpt_view *v);

/* ---- report_text.c: the writers' shared wording, and the text ---- */

/* A day's mode: "enforce", "monitor", "mixed" or "no data". */
const char	*rpt_day_mode(const struct rpt_day *d);
/* How a quarantine ended, or why that is not known. */
const char	*rpt_resp_end(const struct rpt_resp *q);
/* Exception entry i of the configuration as a prefix in buf when no
 * event used it; NULL when one did. */
const char	*rpt_exc_unused(const struct report *r, size_t i, char *buf,
	    size_t len);
void	 report_text(const struct report *r, const struct rpt_view *v);

/* ---- report_json.c, report_csv.c ---- */

/* 0, or -1 said. */
int	 report_json(const struct report *r, const struct rpt_view *v);
/* Is section one of the tables --csv prints (days, hours, ...)? */
bool	 report_csv_section(const char *section);
/* The table section, or nothing when there is no such table. */
void	 report_csv(const struct report *r, const struct rpt_view *v,
	    const char *section);

/* ---- report_html.c ---- */

int	 report_html(const struct report *r, const struct rpt_view *v,
	    FILE *fp);

/* ---- the entry point, from collect.c ---- */

/* nfqd-collect report ...: argv[0] is "report"; the exit status. */
int	 report_main(int argc, char **argv);
/* The report's usage lines, for nfqd-collect's usage. */
void	 report_usage(FILE *fp);

#endif
