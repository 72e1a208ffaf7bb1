/*
 * Events: what an event owns, given back.  Their shapes are in event.h;
 * sink/eve.c writes them as EVE JSON lines.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event/event.h"
#include "base/addr.h"
#include "policy/exceptions.h"
#include "policy/quarantine.h"
#include "policy/policy.h"

void
event_init(struct event *ev, enum ev_type type, int64_t ts_us)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = type;
	ev->ts_us = ts_us;
}

/* The header of an event about a connection. */
static void
event_conn(struct event *ev, const struct ev_conn *c)
{
	ev->flow_id = c->flow_id;
	ev->src = c->src;
	ev->dst = c->dst;
	ev->sport = c->sport;
	ev->dport = c->dport;
	if ((ev->has_cid = c->has_cid))
		memcpy(ev->cid, c->cid, sizeof(ev->cid));
	if (c->app_proto != NULL)
		snprintf(ev->app_proto, sizeof(ev->app_proto), "%s",
		    c->app_proto);
	ev->path = c->path;
}

/* An exception entry as events name it. */
static void
event_exc(struct ev_exc *x, const struct exc_entry *e)
{
	prefix_format(&e->pfx, x->entry, sizeof(x->entry));
	x->dir = e->dir;
	memcpy(x->ticket, e->ticket, EXC_TEXTLEN);
	memcpy(x->owner, e->owner, EXC_TEXTLEN);
	memcpy(x->expires, e->expires, 11);
}

void
event_policy_make(struct event *ev, int64_t ts, const struct ev_conn *c,
    const struct decision *d, enum mode mode)
{
	event_init(ev, EV_POLICY, ts);
	event_conn(ev, c);
	ev->app_proto[0] = '\0';	/* decided before any payload */
	ev->policy.action = d->action;
	ev->policy.direction = d->direction;
	ev->policy.reason = d->reason;
	ev->policy.roles = d->roles;
	ev->policy.mode = (uint8_t)mode;
	if (d->exc != NULL)
		event_exc(&ev->policy.exc, d->exc);
	if (d->quar != NULL) {
		const struct quar_entry	*q = d->quar;

		host_format(&q->pfx, ev->policy.quar.host,
		    sizeof(ev->policy.quar.host));
		ev->policy.quar.since = q->since;
		ev->policy.quar.until = q->until;
		memcpy(ev->policy.quar.who, q->who, sizeof(q->who));
		memcpy(ev->policy.quar.reason, q->reason, sizeof(q->reason));
	}
}

void
event_flow_make(struct event *ev, int64_t ts, const struct ev_conn *c,
    const struct ev_flow *f)
{
	event_init(ev, EV_FLOW, ts);
	event_conn(ev, c);
	ev->flow = *f;
}

void
event_smtp_make(struct event *ev, int64_t ts, const struct ev_conn *c,
    struct smtp_tx *tx, uint8_t addr_mode)
{
	event_init(ev, EV_SMTP, ts);
	event_conn(ev, c);
	/* a transaction is SMTP's, whatever nDPI said of the connection */
	snprintf(ev->app_proto, sizeof(ev->app_proto), "smtp");
	ev->smtp.tx = tx;
	ev->smtp.addr_mode = addr_mode;
}

void
event_smtp_session_make(struct event *ev, int64_t ts, const struct ev_conn *c,
    struct smtp_meta *meta, uint8_t addr_mode)
{
	event_init(ev, EV_SMTP_SESSION, ts);
	event_conn(ev, c);
	ev->smtp_session.meta = meta;
	ev->smtp_session.addr_mode = addr_mode;
}

void
event_alert_make(struct event *ev, int64_t ts, const struct ev_conn *c,
    const struct ev_alert *a)
{
	event_init(ev, EV_ALERT, ts);
	event_conn(ev, c);
	ev->alert = *a;
}

void
event_summary_make(struct event *ev, int64_t ts, const struct summary_rec *r)
{
	event_init(ev, EV_SUMMARY, ts);
	ev->src = r->src;
	ev->summary = *r;
}

void
event_stats_make(struct event *ev, enum ev_type type, int64_t ts,
    const struct stats *s)
{
	event_init(ev, type, ts);
	ev->stats = *s;
	if (ev->stats.start_us == -1)
		ev->stats.start_us = ts;	/* nothing seen yet */
}

void
event_reload_make(struct event *ev, int64_t ts, const struct ev_reload *r)
{
	event_init(ev, EV_RELOAD, ts);
	ev->reload = *r;
}

int
event_quarantine_make(struct event *ev, int64_t ts, enum quar_action action,
    const struct quar_entry *q)
{
	event_init(ev, EV_QUARANTINE, ts);
	ev->quarantine.action = action;
	if ((ev->quarantine.q = malloc(sizeof(*q))) == NULL)
		return -1;
	*ev->quarantine.q = *q;
	return 0;
}

void
event_expired_make(struct event *ev, int64_t ts, const struct exc_entry *e)
{
	event_init(ev, EV_EXC_EXPIRED, ts);
	event_exc(&ev->expired.exc, e);
	ev->expired.line = e->line;
}

/* Free what an event owns; after formatting it, or instead of it. */
void
event_release(struct event *ev)
{
	if (ev->type == EV_SMTP) {
		free(ev->smtp.tx);
		ev->smtp.tx = NULL;
	}
	if (ev->type == EV_SMTP_SESSION) {
		free(ev->smtp_session.meta);
		ev->smtp_session.meta = NULL;
	}
	if (ev->type == EV_QUARANTINE) {
		free(ev->quarantine.q);
		ev->quarantine.q = NULL;
	}
}
