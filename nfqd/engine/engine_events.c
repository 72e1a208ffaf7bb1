/*
 * The events a connection writes, and what they say of it: the policy
 * event of its decision (and with policy-alerts, the blocked one's alert),
 * the detections' alerts, the smtp events when inspection is over, the
 * flow event at its end; the Community ID and the tuple they all carry.
 * Every event goes out through engine_emit, which counts it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "engine/engine_int.h"
#include "base/communityid.h"
#include "policy/conf.h"
#include "policy/policy.h"
#include "event/event.h"
#include "engine/flow.h"
#include "engine/classify.h"
#include "engine/summary.h"
#include "engine/detect.h"
#include "engine/respond.h"

/* An event out to the engine's owner, counted. */
void
engine_emit(struct engine *e, const struct event *ev)
{
	e->st.events++;
	e->emit(e->emit_arg, ev);
}

/*
 * The Community ID of a key's connection (symmetric: either end first),
 * when community-id is on.  Once per connection: the flow keeps it.
 */
bool
engine_cid(const struct policy *pol, const struct flow_key *k,
    uint8_t cid[COMMUNITY_ID_HASHLEN])
{
	struct flow_tuple	 t;

	if (!pol->conf.community_id)
		return false;
	flow_key_tuple(k, 0, &t);
	community_id_hash((uint16_t)pol->conf.community_id_seed, &t.src,
	    &t.dst, 6, t.sport, t.dport, cid);
	return true;
}

/* A key's connection as events name it: the client's end as src. */
static void
engine_conn_key(const struct flow_key *k, uint8_t client, uint64_t id,
    struct ev_conn *c)
{
	struct flow_tuple	 t;

	flow_key_tuple(k, client, &t);
	memset(c, 0, sizeof(*c));
	c->flow_id = id;
	c->src = t.src;
	c->dst = t.dst;
	c->sport = t.sport;
	c->dport = t.dport;
}

/*
 * Flow f as its events name it: its flow_id, the tuple with the client as
 * src, the community_id computed when it was decided, the protocol found.
 */
void
engine_conn(const struct flow *f, struct ev_conn *c)
{
	engine_conn_key(&f->key, f->client, f->id, c);
	if ((c->has_cid = f->has_cid))
		memcpy(c->cid, f->cid, sizeof(c->cid));
	c->app_proto = f->app_proto;
}

/* A flood-control summary (summary.c's callback), written. */
void
engine_summary_event(void *arg, const struct summary_rec *r)
{
	struct engine	*e = arg;
	struct event	 ev;

	event_summary_make(&ev, e->now, r);
	engine_emit(e, &ev);
}

/* Write the pending summaries once per summary-interval. */
void
engine_summaries(struct engine *e)
{
	if (e->sum == NULL)
		return;
	if (e->sum_next == 0)
		e->sum_next = e->now + e->sum_every;
	else if (e->now >= e->sum_next) {
		summary_flush(e->sum, engine_summary_event, e);
		e->sum_next = e->now + e->sum_every;
	}
}

void
engine_detect_alert(void *arg, const struct detection *x)
{
	struct det_ctx	*c = arg;
	struct ev_conn	 conn;
	struct ev_alert	 a;
	struct event	 ev;

	engine_conn(c->f, &conn);
	conn.flow_id = x->flow_id;
	conn.app_proto = c->app_proto;
	c->f->tcp |= TF_ALERTED;
	memset(&a, 0, sizeof(a));
	a.sid = detection_sid(x->kind);
	a.action = c->action;
	a.mode = c->f->tcp & TF_MONITOR ? MODE_MONITOR : MODE_ENFORCE;
	a.detection = (uint8_t)(x->kind + 1);
	a.blocked = x->blocked;
	a.host = x->host;
	a.count = x->count;
	a.limit = x->limit;
	a.window = x->window;
	a.related_flow = x->related_flow;
	if (c->e->resp != NULL) {
		struct resp_out	 ro;

		respond_alert(c->e->resp, c->e->pol, x, c->e->now / 1000000,
		    &ro);
		a.response = ro.kind;
		a.response_note = ro.note;
		a.response_until = ro.until;
	}
	a.severity = strcmp(detection_name(x->kind), "message_size") ==
	    0 ? 3 : x->blocked || strcmp(detection_name(x->kind),
	    "relay_suspect") == 0 ? 1 : 2;
	snprintf(a.signature, sizeof(a.signature), "%s",
	    detection_signature(x->kind));
	event_alert_make(&ev, c->e->now, &conn, &a);
	engine_emit(c->e, &ev);
}

static void
engine_alert(struct engine *e, struct flow *f, uint32_t sid,
    const char *what)
{
	struct ev_conn	 conn;
	struct ev_alert	 a;
	struct event	 ev;

	engine_conn(f, &conn);
	f->tcp |= TF_ALERTED;
	memset(&a, 0, sizeof(a));
	a.sid = sid;
	a.severity = 2;
	a.action = f->action;
	a.mode = f->tcp & TF_MONITOR ? MODE_MONITOR : MODE_ENFORCE;
	snprintf(a.signature, sizeof(a.signature), "%s", what);
	event_alert_make(&ev, e->now, &conn, &a);
	engine_emit(e, &ev);
}

/* The protocol expected on a server port: implicit TLS on 465. */
static bool
engine_expected_proto(uint16_t port, const char *proto)
{
	if (port == 465)
		return strcmp(proto, "tls") == 0 || strcmp(proto, "smtps") == 0;
	return strcmp(proto, "smtp") == 0;
}

/* One smtp event per mail transaction, as Suricata writes them. */
void
engine_smtp_tx(void *arg, const struct smtp_tx *tx)
{
	struct tx_ctx	*c = arg;
	struct ev_conn	 conn;
	struct smtp_tx	*copy;
	struct event	 ev;

	if ((copy = malloc(sizeof(*copy))) == NULL) {
		c->e->st.events_dropped++;	/* out of memory: lost */
		return;
	}
	*copy = *tx;
	engine_conn(c->f, &conn);
	event_smtp_make(&ev, c->e->now, &conn, copy, c->e->addr_mode);
	engine_emit(c->e, &ev);
}

/*
 * Inspection is over (both nDPI and the SMTP parser are done, or the
 * connection ended): keep the protocol's name, write the smtp event, and
 * alert when the port carried something other than mail.
 */
void
engine_cls_finish(struct engine *e, struct flow *f)
{
	struct cls_result	 r;
	struct ev_conn		 conn;
	struct event		 ev;
	struct tx_ctx		 tc = { e, f };
	struct flow_tuple	 t;

	cls_result(e->dpi, f->cls, &r, engine_smtp_tx, &tc);
	cls_free(f->cls);
	f->cls = NULL;
	memcpy(f->app_proto, r.app_proto, sizeof(f->app_proto));
	f->risk = r.risk;
	flow_key_tuple(&f->key, f->client, &t);
	if (r.smtp != NULL) {
		struct det_ctx	 dc = { e, f, f->action, f->app_proto };

		detect_smtp(e->det, e->pol, &t.src, &t.dst, f->direction, r.smtp,
		    f->id, e->now, engine_detect_alert, &dc);
		engine_conn(f, &conn);
		event_smtp_session_make(&ev, e->now, &conn, r.smtp,
		    e->addr_mode);
		engine_emit(e, &ev);
	}
	/* Constant signatures, as in EVE: the protocol is in app_proto. */
	if (f->app_proto[0] != '\0' &&
	    !engine_expected_proto(t.dport, f->app_proto))
		engine_alert(e, f, SID_NON_SMTP,
		    "nfqd: non-SMTP protocol on an SMTP port");
	else if (r.unknown_payload)
		engine_alert(e, f, SID_UNKNOWN_PAYLOAD,
		    "nfqd: unidentified non-SMTP payload on an SMTP port");
}

void
engine_flow_end(void *arg, struct flow *f)
{
	struct engine	*e = arg;
	struct ev_conn	 conn;
	struct ev_flow	 fl;
	struct event	 ev;

	if (f->cls != NULL)
		engine_cls_finish(e, f);

	switch (f->end) {
	case FE_FIN:
	case FE_RST:
	case FE_REUSE:
		e->st.flows_closed++;
		break;
	case FE_TIMEOUT:
		e->st.flows_timeout++;
		break;
	case FE_EVICTED:
		e->st.flows_evicted++;
		break;
	case FE_NONE:
	case FE_END_OF_CAPTURE:
	case FE_SHUTDOWN:
		break;		/* counted by nobody: the run ends */
	}
	if (f->tcp & TF_FOLDED)
		return;		/* its decision is in a policy_summary */
	engine_conn(f, &conn);
	memset(&fl, 0, sizeof(fl));
	memcpy(fl.pkts, f->pkts, sizeof(f->pkts));
	memcpy(fl.bytes, f->bytes, sizeof(f->bytes));
	fl.start_us = f->first_us;
	fl.end_us = f->last_us;
	fl.state = f->state;
	fl.end = f->end;
	fl.action = f->action;
	fl.direction = f->direction;
	fl.mode = f->tcp & TF_MONITOR ? MODE_MONITOR : MODE_ENFORCE;
	memcpy(fl.tflags, f->tflags, sizeof(fl.tflags));
	fl.alerted = (f->tcp & TF_ALERTED) != 0;
	fl.risk = f->risk;
	event_flow_make(&ev, e->now, &conn, &fl);
	engine_emit(e, &ev);
}

/*
 * policy-alerts: a blocked connection's alert, as Suricata in IPS mode
 * writes one for a drop rule (blocked; allowed in monitor mode).
 */
static void
engine_policy_alert(struct engine *e, const struct policy *pol,
    const struct ev_conn *conn, const struct decision *d, struct flow *f)
{
	struct ev_alert	 a;
	struct event	 ev;

	memset(&a, 0, sizeof(a));
	a.sid = SID_POLICY + 10 * d->direction + d->reason;
	a.severity = 3;
	a.action = A_BLOCKED;
	a.mode = (uint8_t)pol->conf.mode;
	a.direction = d->direction;
	a.reason = d->reason;
	snprintf(a.signature, sizeof(a.signature), "nfqd: %s SMTP blocked (%s)",
	    direction_name(d->direction), reason_name(d->reason));
	if (f != NULL)
		f->tcp |= TF_ALERTED;
	event_alert_make(&ev, e->now, conn, &a);
	ev.app_proto[0] = '\0';	/* decided before any payload */
	engine_emit(e, &ev);
}

/*
 * f: the connection's flow, NULL for a packet refused alone (no entry).
 * alert: with policy-alerts, a blocked decision's alert is due.
 */
void
engine_policy_event(struct engine *e, const struct policy *pol,
    const struct flow_key *k, uint8_t client, uint64_t id,
    const struct decision *d, struct flow *f, bool alert)
{
	struct ev_conn	 conn;
	struct event	 ev;

	engine_conn_key(k, client, id, &conn);
	if (f != NULL && f->has_cid) {
		conn.has_cid = true;
		memcpy(conn.cid, f->cid, sizeof(conn.cid));
	} else if (f == NULL)
		conn.has_cid = engine_cid(pol, k, conn.cid);
	event_policy_make(&ev, e->now, &conn, d, pol->conf.mode);
	engine_emit(e, &ev);
	if (alert && d->action == A_BLOCKED && pol->conf.policy_alerts)
		engine_policy_alert(e, pol, &conn, d, f);
}
