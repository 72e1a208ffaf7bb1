/*
 * The packet pipeline, the same for pcap replay and NFQUEUE: parse, check
 * the source address's side, find or open the connection (decided once,
 * bound to who opened it), count and inspect, and return the verdict.
 * Per-packet code allocates nothing, never exits, and every packet it is
 * given gets exactly one verdict.  Nothing on an SMTP port passes
 * undecided: a packet that is not of a decided connection opens one and
 * is decided; one nfqd cannot read is refused where the source says it
 * is on an SMTP port (docs/security.md: roles and directions).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "base/addr.h"
#include "base/communityid.h"
#include "base/hash.h"
#include "base/log.h"
#include "base/lpm.h"
#include "policy/conf.h"
#include "policy/exceptions.h"
#include "policy/quarantine.h"
#include "policy/policy.h"
#include "event/event.h"
#include "engine/pkt.h"
#include "engine/flow.h"
#include "engine/classify.h"
#include "engine/summary.h"
#include "engine/detect.h"
#include "engine/respond.h"
#include "engine/dpi.h"

struct engine {
	struct flowtab	*flows;
	struct stats	 st;
	struct decisions dec;		/* st.allowed and .blocked, told apart */
	emit_cb		 emit;
	void		*emit_arg;
	int64_t		 now;
	bool		 bypass;	/* the source honours V_BYPASS */
	uint64_t	 conns;		/* connections seen, for flow ids */
	uint64_t	 salt;
	struct dpi	*dpi;		/* NULL: no classification */
	uint8_t		 addr_mode;	/* smtp-addresses */
	struct summary	*sum;		/* NULL: no flood control */
	int64_t		 sum_every, sum_next;
	struct detect	*det;		/* bulk, harvest, relay, size */
	struct respond	*resp;		/* NULL: no responses (shared) */
	const struct policy *pol;	/* the one packets were judged by */
	bool		 smtp_only;	/* the source hands in SMTP ports only */
	struct flow	 untracked;	/* a connection the table had no room for */
};

/* Where a detection's alert belongs: the connection that raised it. */
struct det_ctx {
	struct engine		*e;
	struct flow		*f;	/* its flow (e->untracked included) */
	uint8_t			 action;
	const char		*app_proto;
};

static void	engine_conn(const struct flow *, struct ev_conn *);
static void	engine_emit(struct engine *, const struct event *);

static void
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
engine_summary_event(void *arg, const struct summary_rec *r)
{
	struct engine	*e = arg;
	struct event	 ev;

	event_summary_make(&ev, e->now, r);
	engine_emit(e, &ev);
}

/* Write the pending summaries once per summary-interval. */
static void
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

static void
engine_emit(struct engine *e, const struct event *ev)
{
	e->st.events++;
	e->emit(e->emit_arg, ev);
}

/*
 * The Community ID of a key's connection (symmetric: either end first),
 * when community-id is on.  Once per connection: the flow keeps it.
 */
static bool
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
static void
engine_conn(const struct flow *f, struct ev_conn *c)
{
	engine_conn_key(&f->key, f->client, f->id, c);
	if ((c->has_cid = f->has_cid))
		memcpy(c->cid, f->cid, sizeof(c->cid));
	c->app_proto = f->app_proto;
}

static void	engine_cls_finish(struct engine *, struct flow *);

static void
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

/* The protocol expected on a server port: implicit TLS on 465. */
static bool
engine_expected_proto(uint16_t port, const char *proto)
{
	if (port == 465)
		return strcmp(proto, "tls") == 0 || strcmp(proto, "smtps") == 0;
	return strcmp(proto, "smtp") == 0;
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

/*
 * Inspection is over (both nDPI and the SMTP parser are done, or the
 * connection ended): keep the protocol's name, write the smtp event, and
 * alert when the port carried something other than mail.
 */
/* The SMTP parser's transaction context: the engine and the flow. */
struct tx_ctx {
	struct engine	*e;
	struct flow	*f;
};

/* One smtp event per mail transaction, as Suricata writes them. */
static void
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

static void
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

struct engine *
engine_new(const struct policy *p, uint64_t seed, emit_cb emit, void *arg)
{
	return engine_new_sized(p, p->conf.max_flows, seed, emit, arg);
}

/* An engine tracking at most max_flows (a share of max-flows per queue). */
struct engine *
engine_new_sized(const struct policy *p, uint32_t max_flows, uint64_t seed,
    emit_cb emit, void *arg)
{
	struct engine	*e;
	uint32_t	 timeouts[FS_COUNT];

	if ((e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	timeouts[FS_NEW] = p->conf.timeout_new;
	timeouts[FS_ESTABLISHED] = p->conf.timeout_established;
	timeouts[FS_CLOSED] = p->conf.timeout_closed;
	timeouts[FS_BYPASSED] = p->conf.timeout_closed;
	e->flows = flowtab_new(max_flows, timeouts, seed,
	    engine_flow_end, e);
	if (e->flows == NULL) {
		free(e);
		return NULL;
	}
	e->emit = emit;
	e->emit_arg = arg;
	e->salt = seed;
	e->addr_mode = p->conf.smtp_addresses;
	if (p->conf.summary_threshold > 0 &&
	    (e->sum = summary_new(p->conf.summary_sources,
	    p->conf.summary_threshold, p->conf.summary_window)) == NULL) {
		engine_free(e);
		return NULL;
	}
	e->sum_every = (int64_t)p->conf.summary_interval * 1000000;
	if ((e->det = detect_new(&p->conf)) == NULL) {
		engine_free(e);
		return NULL;
	}
	e->pol = p;
	if (p->conf.classify && (e->dpi = dpi_new()) == NULL)
		log_warnx("nDPI did not start: connections are decided but "
		    "not classified");
	e->st.start_us = -1;
	return e;
}

/*
 * Live, a bypassed connection's later packets never reach nfqd; replay
 * sees them all, so there a flow stays in its TCP state.
 */
void
engine_set_bypass(struct engine *e, bool on)
{
	e->bypass = on;
}

/* The policy flow ends and timeouts are judged by, until the next packet. */
void
engine_set_policy(struct engine *e, const struct policy *pol)
{
	e->pol = pol;
}

/*
 * The source hands in only packets on SMTP ports (NFQUEUE: the kernel
 * rules queue nothing else), so one the parser cannot read is on an SMTP
 * port too, and is refused.
 */
void
engine_set_smtp_only(struct engine *e, bool on)
{
	e->smtp_only = on;
}

/* The response table the engine's decisions and alerts use (respond.c). */
void
engine_set_respond(struct engine *e, struct respond *r)
{
	e->resp = r;
}

void
engine_free(struct engine *e)
{
	if (e == NULL)
		return;
	flowtab_flush(e->flows, FE_SHUTDOWN);	/* no-op after a flush */
	flowtab_free(e->flows);
	dpi_free(e->dpi);
	summary_free(e->sum);
	detect_free(e->det);
	free(e);
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
static void
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

/*
 * The tuple, the start time and the engine's connection count: two
 * connections on one tuple in the same microsecond (a RST and a new SYN in
 * one receive) still differ.  51 bits, so JSON consumers keep every digit.
 */
static uint64_t
engine_flow_id(struct engine *e, const struct flow_key *k)
{
	uint64_t	 id;

	id = hash64(k, sizeof(*k), (uint64_t)e->now ^
	    hash64(&e->conns, sizeof(e->conns), e->salt));
	e->conns++;
	id &= (1ULL << 51) - 1;
	return id ? id : 1;
}

/* Track the TCP handshake and teardown, seen going `side`. */
static void
engine_tcp(struct flow *f, const struct pkt *p, enum side side)
{
	uint8_t	 fl = p->flags;

	if (f->state == FS_CLOSED || f->state == FS_BYPASSED)
		return;
	if (fl & TH_RST) {
		f->state = FS_CLOSED;
		f->end = FE_RST;
		return;
	}
	/*
	 * Established at the first ACK after the handshake started, from
	 * either end: a border with asymmetric routing may see only one
	 * direction, and a dropped SYN is never followed by an ACK.
	 */
	if ((fl & (TH_SYN | TH_ACK)) == TH_SYN && side == TO_SERVER)
		f->tcp |= TF_SYN;
	else if ((fl & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK) && side == TO_CLIENT)
		f->tcp |= TF_SYNACK;
	else if (f->state == FS_NEW && (fl & (TH_SYN | TH_ACK)) == TH_ACK)
		f->state = FS_ESTABLISHED;
	if (fl & TH_FIN)
		f->tcp |= side == TO_SERVER ? TF_FIN_C : TF_FIN_S;
	if ((f->tcp & (TF_FIN_C | TF_FIN_S)) == (TF_FIN_C | TF_FIN_S)) {
		f->state = FS_CLOSED;
		f->end = FE_FIN;
	}
}

/* ---- the decision ---- */

#define NO_CLIENT	2	/* no key end is an SMTP client */

/* A SYN that opens a connection: no ACK, no RST, no FIN. */
static bool
pkt_opens(const struct pkt *p)
{
	return (p->flags & (TH_SYN | TH_ACK | TH_RST | TH_FIN)) == TH_SYN;
}

/* Key end `end` as a, the other as b, as the policy sees them (addr_unmap). */
static void
key_policy_addrs(const struct flow_key *k, uint8_t end, struct ip_addr *a,
    struct ip_addr *b)
{
	struct flow_tuple	 t;
	struct ip_addr		 x;

	flow_key_tuple(k, end, &t);
	*a = t.src;
	*b = t.dst;
	if (addr_unmap(a, &x))
		*a = x;
	if (addr_unmap(b, &x))
		*b = x;
}

/*
 * One reading of a connection: key end `client` talks to the other end's
 * port.  The list and quarantine (policy_decide), then an alert's
 * response (respond.c) until the list has it.  *rq holds the response's
 * quarantine entry, which d->quar may point to.
 */
static void
engine_judge(struct engine *e, const struct policy *pol,
    const struct flow_key *k, uint8_t client, struct decision *d,
    struct quar_entry *rq)
{
	struct ip_addr		 ca, sa;
	struct resp_entry	 hit;

	key_policy_addrs(k, client, &ca, &sa);
	policy_decide(pol, &ca, &sa, e->now / 1000000, d);
	if (e->resp != NULL && d->reason != R_QUARANTINE &&
	    (d->direction == D_INBOUND || d->direction == D_OUTBOUND) &&
	    respond_check(e->resp, &ca, &sa, d->direction, e->now / 1000000,
	    &hit)) {
		respond_quar_entry(&hit, rq);
		d->action = A_BLOCKED;
		d->reason = hit.kind == RK_QUARANTINE ? R_QUARANTINE :
		    R_HARVEST_BLOCK;
		d->quar = rq;
		if (hit.kind == RK_QUARANTINE)
			d->exc = NULL;
	}
}

/*
 * A connection's decision, from every input: the list, quarantine and
 * responses (engine_judge, once per reading), the roles, and the kernel's
 * word on the packet.  Returns the SMTP client's key end, or NO_CLIENT
 * when no end is on an SMTP port as a server (not the policy's business).
 *
 * Roles seen (roles ROLES_SYN, `end` sent the opening SYN): one reading,
 * the opener as the client -- or, when it opened from an SMTP port to
 * another port, the other end as the client (ROLES_REVERSED: only a pair
 * that colludes opens so, to carry SMTP the other way).  Roles not seen
 * (ROLES_INFERRED, ROLES_CONFLICT; `end` the likelier client): every end
 * whose peer is on an SMTP port may be the client; a reading that blocks
 * decides, so that no guess can turn a refusal into an allow.
 */
static uint8_t
engine_decide(struct engine *e, const struct policy *pol,
    const struct flow_key *k, uint8_t roles, uint8_t end,
    const struct pkt_info *pi, struct decision *d, struct quar_entry rq[2])
{
	const struct conf	*c = &pol->conf;
	struct decision		 alt;
	struct flow_tuple	 t;	/* end as src */
	uint8_t			 client = NO_CLIENT, x;

	flow_key_tuple(k, end, &t);
	if (roles == ROLES_SYN || roles == ROLES_REVERSED) {
		if (conf_is_smtp_port(c, t.dport))
			client = end, roles = ROLES_SYN;
		else if (conf_is_smtp_port(c, t.sport))
			client = end ^ 1, roles = ROLES_REVERSED;
		else
			return NO_CLIENT;
		engine_judge(e, pol, k, client, d, &rq[0]);
		if ((pi->hints & HINT_DROPPED) && d->action == A_ALLOWED) {
			/*
			 * The kernel dropped it by the policy before a reload
			 * (its maps follow a moment after the workers'): the
			 * record says what was done, and why the kernel did.
			 */
			d->action = A_BLOCKED;
			d->reason = pi->kernel_reason;
			d->exc = NULL;
			d->quar = NULL;
			e->st.fp_disagree++;
		}
		d->roles = roles;
		return client;
	}
	for (int i = 0; i < 2; i++) {
		x = i == 0 ? end : end ^ 1;
		/* the port x talks to: the other end's */
		if (!conf_is_smtp_port(c, i == 0 ? t.dport : t.sport))
			continue;
		if (client == NO_CLIENT) {
			engine_judge(e, pol, k, x, d, &rq[0]);
			client = x;
		} else {
			engine_judge(e, pol, k, x, &alt, &rq[1]);
			if (d->action == A_ALLOWED && alt.action == A_BLOCKED) {
				*d = alt;
				client = x;
			}
		}
	}
	d->roles = roles;
	return client;
}

/*
 * Without the opening SYN: the likelier client of a packet from key end
 * `from`, asked first (its reading names the event's ends when every
 * reading allows): the receiver of a SYN-ACK, else the end not on an SMTP
 * port.
 */
static uint8_t
engine_guess(const struct policy *pol, const struct pkt *p, uint8_t from)
{
	if ((p->flags & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK))
		return from ^ 1;
	return conf_is_smtp_port(&pol->conf, p->dport) ? from : from ^ 1;
}

/* n decisions counted: stats.policy, and by their labels. */
static void
engine_count(struct engine *e, uint8_t direction, uint8_t action,
    uint8_t reason, uint64_t n)
{
	if (action == A_ALLOWED)
		e->st.allowed += n;
	else
		e->st.blocked += n;
	if (direction < 4 && action < 2)
		e->dec.n[direction][action][reason < R_COUNT ? reason :
		    DEC_UNRECORDED] += n;
}

/* Counted, and written unless flood control folds it into a summary. */
static void
engine_account(struct engine *e, const struct policy *pol,
    const struct flow_key *k, uint8_t client, uint64_t id,
    const struct decision *d, struct flow *f)
{
	struct flow_tuple	 t;

	engine_count(e, d->direction, d->action, d->reason, 1);
	flow_key_tuple(k, client, &t);
	if (d->action == A_BLOCKED && !summary_admit(e->sum, &t.src,
	    d->direction, &t.dst, t.dport, (uint8_t)pol->conf.mode, e->now,
	    engine_summary_event, e)) {
		e->st.summarized++;
		if (f != NULL)
			f->tcp |= TF_FOLDED;
		return;
	}
	engine_policy_event(e, pol, k, client, id, d, f, true);
}

/*
 * A packet contradicted the roles nfqd recorded (a SYN-ACK from the
 * connection's opener): what it knew of the roles no longer holds.  The
 * strictest reading decides from now on, and it can only make the
 * decision stricter: a connection blocked stays blocked, one allowed is
 * blocked if any reading blocks it.  One policy event says so.
 */
static void
engine_reconsider(struct engine *e, const struct policy *pol, struct flow *f)
{
	struct decision		 d;
	struct quar_entry	 rq[2];
	static const struct pkt_info none;
	uint8_t			 client;

	e->st.role_conflicts++;
	/* the recorded client first: its reading names a connection allowed */
	client = engine_decide(e, pol, &f->key, ROLES_CONFLICT, f->client,
	    &none, &d, rq);
	f->roles = ROLES_CONFLICT;
	if (client == NO_CLIENT)
		return;		/* the ports did not change: cannot happen */
	bool			 was_blocked = f->action == A_BLOCKED;

	if (f->action == A_BLOCKED && d.action == A_ALLOWED) {
		/* Keep the refusal; the event names the reading that made it. */
		d.action = A_BLOCKED;
		client = f->client;
	}
	f->action = d.action;
	f->direction = d.direction;
	f->client = client;
	/* a connection already blocked had its alert */
	engine_policy_event(e, pol, &f->key, client, f->id, &d, f,
	    !was_blocked);
}

/* A packet's connection: its key, the key's hash, the end that sent it. */
struct conn {
	struct flow_key	 k;
	uint32_t	 h;
	uint8_t		 from;
};

static void
engine_key(struct engine *e, const struct pkt *p, struct conn *c)
{
	c->from = flow_key_make(&c->k, &p->src, p->sport, &p->dst, p->dport);
	c->h = flow_hash(e->flows, &c->k);
}

/*
 * The tracked connection a packet belongs to, or NULL when it opens a
 * new one.  A SYN belongs to a tracked connection only as its opener's
 * retransmission (the same end, the same initial sequence number, the
 * connection not yet ended by RST or FIN); any other SYN opens a new
 * connection on the tuple, and the old one ends (FE_REUSE, or as it
 * already had).  Only a new decision can then allow it: no SYN inherits
 * another connection's allow.
 */
static struct flow *
engine_find(struct engine *e, const struct policy *pol, const struct conn *c,
    const struct pkt *p)
{
	struct flow	*f;
	uint8_t		 opener = NO_CLIENT;

	if ((f = flowtab_lookup(e->flows, &c->k, c->h)) == NULL)
		return NULL;
	if (f->roles == ROLES_SYN)
		opener = f->client;
	else if (f->roles == ROLES_REVERSED)
		opener = f->client ^ 1;
	if (pkt_opens(p)) {
		if (c->from == opener && p->seq == f->isn &&
		    f->state != FS_CLOSED)
			return f;		/* a retransmission */
		e->st.reopened++;
		flowtab_end(e->flows, f, FE_REUSE);
		return NULL;
	}
	if (c->from == opener && (p->flags & (TH_SYN | TH_ACK)) ==
	    (TH_SYN | TH_ACK))
		engine_reconsider(e, pol, f);
	return f;
}

/*
 * A packet of no tracked connection: decide its connection, record it
 * and account for the decision.  NULL when it is not the policy's
 * business.  With the table full of established connections the
 * connection is decided untracked: e->untracked stands in for it.
 */
static struct flow *
engine_open(struct engine *e, const struct policy *pol, const struct conn *c,
    const struct pkt *p, const struct pkt_info *pi)
{
	struct decision		 d;
	struct quar_entry	 rq[2];
	struct flow		*f;
	struct ip_addr		 ca, sa;
	uint8_t			 roles, end, client;
	uint64_t		 id;

	if (pkt_opens(p))
		roles = ROLES_SYN, end = c->from;
	else
		roles = ROLES_INFERRED, end = engine_guess(pol, p, c->from);
	client = engine_decide(e, pol, &c->k, roles, end, pi, &d, rq);
	if (client == NO_CLIENT)
		return NULL;
	id = engine_flow_id(e, &c->k);
	if ((f = flowtab_insert(e->flows, &c->k, c->h, e->now)) != NULL)
		e->st.flows_created++;
	else {
		/* Full of established connections: decided untracked. */
		e->st.flows_untracked++;
		f = &e->untracked;
		memset(f, 0, sizeof(*f));
		f->key = c->k;
		f->first_us = f->last_us = e->now;
	}
	f->id = id;
	f->client = client;
	f->roles = d.roles;
	f->isn = p->seq;
	f->action = d.action;
	f->direction = d.direction;
	f->has_cid = engine_cid(pol, &c->k, f->cid);
	if (pol->conf.mode == MODE_MONITOR)
		f->tcp |= TF_MONITOR;
	if (roles == ROLES_INFERRED) {
		f->tcp |= TF_MIDSTREAM;
		if ((p->flags & TH_SYN) == 0)
			f->state = FS_ESTABLISHED;
	}
	engine_account(e, pol, &c->k, client, id, &d, f);
	{
		struct det_ctx	 dc = { e, f, d.action, NULL };

		key_policy_addrs(&c->k, client, &ca, &sa);
		detect_conn(e->det, pol, &ca, &sa, d.direction, d.action,
		    d.exc ? d.exc->dir : 0, id, e->now, engine_detect_alert,
		    &dc);
	}
	/* What passes is classified: allowed, or anything monitored. */
	if (f != &e->untracked && e->dpi != NULL && (d.action == A_ALLOWED ||
	    pol->conf.mode == MODE_MONITOR))
		f->cls = cls_new(e->dpi, e->addr_mode, true);
	return f;
}

/* ---- the packet ---- */

/*
 * What the packet's source knows of it: an address from the side of the
 * border it cannot come from.  With campus-interfaces set (and the
 * arrival interface known, live), a packet from a campus interface must
 * come from inside internal-networks, one from any other interface from
 * outside them.
 */
static bool
engine_spoofed(const struct policy *pol, const struct pkt *p,
    const struct pkt_info *pi, bool *campus_side)
{
	struct ip_addr	 x;
	size_t		 i;

	if (pol->ncampus_if == 0 || pi->ifindex == 0)
		return false;
	*campus_side = false;
	for (i = 0; i < pol->ncampus_if; i++)
		if (pol->campus_if[i] == pi->ifindex)
			*campus_side = true;
	return *campus_side != lpm_match(&pol->conf.internal_lpm,
	    addr_unmap(&p->src, &x) ? &x : &p->src);
}

/*
 * A packet refused for what it is, not for its connection: a spoofed
 * source, or one on an SMTP port nfqd cannot read.  No connection is
 * recorded; the decision is counted, and written as a policy event
 * (through flood control) when its addresses are known.
 */
static int
engine_refuse(struct engine *e, const struct policy *pol, const struct pkt *p,
    uint8_t reason, uint8_t direction)
{
	struct decision	 d;
	struct conn	 c;

	memset(&d, 0, sizeof(d));
	d.action = A_BLOCKED;
	d.reason = reason;
	d.direction = direction;
	d.roles = ROLES_INFERRED;
	if (p->src.af == 4 || p->src.af == 6) {
		engine_key(e, p, &c);
		engine_account(e, pol, &c.k, c.from, engine_flow_id(e, &c.k),
		    &d, NULL);
	} else
		engine_count(e, d.direction, d.action, d.reason, 1);
	if (pol->conf.mode == MODE_MONITOR) {
		e->st.pkts_accepted++;
		return V_ACCEPT;
	}
	e->st.pkts_dropped++;
	return V_DROP;
}

/* Inside internal-networks, as the policy sees the address. */
static bool
engine_internal(const struct policy *pol, const struct ip_addr *a)
{
	struct ip_addr	 x;

	return lpm_match(&pol->conf.internal_lpm, addr_unmap(a, &x) ? &x : a);
}

/* The direction of a packet between src and dst, as the campus sees it. */
static uint8_t
engine_direction(const struct policy *pol, const struct ip_addr *src,
    const struct ip_addr *dst)
{
	bool	 sin = engine_internal(pol, src), din = engine_internal(pol, dst);

	return sin && din ? D_INTERNAL : !sin && !din ? D_TRANSIT :
	    din ? D_INBOUND : D_OUTBOUND;
}

/*
 * The parser's verdict on a packet it could not take whole.  Not IP, not
 * TCP: not the policy's business.  Unreadable (or a fragment): when the
 * source hands in only packets on SMTP ports (NFQUEUE's rules), nothing
 * on an SMTP port passes undecided, so it is refused; a capture holds
 * every port, and there it is counted only.
 */
static int
engine_unparsed(struct engine *e, const struct policy *pol,
    const struct pkt *p, int r)
{
	switch (r) {
	case PKT_NOT_IP:
		e->st.not_ip++;
		goto pass;
	case PKT_NOT_TCP:
		e->st.not_tcp++;
		goto pass;
	case PKT_FRAGMENT:
		e->st.fragments++;
		break;
	default:
		e->st.invalid++;
		break;
	}
	if (!e->smtp_only)
		goto pass;
	e->st.unparsed_dropped++;
	return engine_refuse(e, pol, p, R_UNPARSED, p->src.af == 0 ?
	    D_TRANSIT : engine_direction(pol, &p->src, &p->dst));
pass:
	e->st.pkts_accepted++;
	return V_PASS;
}

/*
 * The packet's verdict from its connection's decision.  Allowed (or
 * anything in monitor mode): accepted, kept in the queue while it is
 * being inspected.  Blocked: dropped.
 */
static int
engine_verdict(struct engine *e, const struct policy *pol, struct flow *f)
{
	if (f->action == A_BLOCKED && pol->conf.mode != MODE_MONITOR) {
		e->st.pkts_dropped++;
		return V_DROP;
	}
	e->st.pkts_accepted++;
	if (f->cls != NULL)
		/* monitor mode: blocked, inspected, no mark */
		return f->action == A_ALLOWED ? V_ALLOWED : V_ACCEPT;
	if (e->bypass && f->state != FS_CLOSED && f != &e->untracked)
		f->state = FS_BYPASSED;
	return V_BYPASS;
}

/*
 * The clock moves to the packet's time; connections idle past their
 * timeout end (their flow events are written now, before this packet's),
 * and flood-control summaries that are due are written.
 */
static void
engine_expire(struct engine *e, int64_t ts)
{
	if (ts > e->now)
		e->now = ts;
	if (e->st.start_us == -1)
		e->st.start_us = e->now;
	flowtab_expire(e->flows, e->now);
	engine_summaries(e);
}

/* Parse and count a packet: PKT_OK, or why it cannot be read. */
static int
engine_parse(struct engine *e, enum link link, const uint8_t *data,
    uint32_t cap, uint32_t wire, struct pkt *p)
{
	int	 r;

	e->st.pkts++;
	e->st.bytes += wire > cap ? wire : cap;
	r = pkt_parse(link, data, cap, wire, p);
	if (p->vlans)
		e->st.vlan++;
	if (r != PKT_INVALID && p->src.af == 4)
		e->st.ipv4++;
	else if (r != PKT_INVALID && p->src.af == 6)
		e->st.ipv6++;
	return r;
}

/* Count the packet on its connection, follow TCP, feed the inspectors. */
static void
engine_inspect(struct engine *e, struct flow *f, const struct conn *c,
    const struct pkt *p)
{
	enum side	 side = c->from == f->client ? TO_SERVER : TO_CLIENT;

	struct tx_ctx	 tc = { e, f };

	f->pkts[side]++;
	f->bytes[side] += p->ip_len;
	f->tflags[side] |= p->flags;
	f->last_us = e->now;
	engine_tcp(f, p, side);
	/* Inspection ends when both inspectors are done, or at FIN/RST. */
	if (f->cls != NULL && (!cls_packet(e->dpi, f->cls, p, side, e->now,
	    engine_smtp_tx, &tc) || f->state == FS_CLOSED))
		engine_cls_finish(e, f);
}

/* Not on an SMTP port: not nfqd's to decide. */
static int
engine_other_port(struct engine *e)
{
	e->st.other_port++;
	e->st.pkts_accepted++;
	return V_PASS;
}

/*
 * One packet through the pipeline: expire, parse, check where it came
 * from, find its connection (or decide a new one: engine_open), inspect,
 * and return its verdict.  Every packet gets exactly one.
 */
int
engine_packet(struct engine *e, const struct policy *pol, enum link link,
    const uint8_t *data, uint32_t cap, uint32_t wire,
    const struct pkt_info *pi)
{
	struct pkt	 p;
	struct conn	 c;
	struct flow	*f;
	int		 r;
	bool		 campus_side;

	e->pol = pol;
	engine_expire(e, pi->ts);
	if ((r = engine_parse(e, link, data, cap, wire, &p)) != PKT_OK)
		return engine_unparsed(e, pol, &p, r);
	if (!conf_is_smtp_port(&pol->conf, p.dport) &&
	    !conf_is_smtp_port(&pol->conf, p.sport))
		return engine_other_port(e);
	if (engine_spoofed(pol, &p, pi, &campus_side)) {
		/* Its direction: the side it came from, to where it goes. */
		e->st.spoofed++;
		return engine_refuse(e, pol, &p, R_SPOOFED, campus_side ?
		    (engine_internal(pol, &p.dst) ? D_INTERNAL : D_OUTBOUND) :
		    (engine_internal(pol, &p.dst) ? D_INBOUND : D_TRANSIT));
	}

	engine_key(e, &p, &c);
	if ((f = engine_find(e, pol, &c, &p)) == NULL) {
		/*
		 * An earlier nfqd allowed this connection (the kernel kept
		 * the mark) and was restarted while inspecting it: its
		 * decision and events stand; let it go without deciding it
		 * twice.
		 */
		if (pi->hints & HINT_ALLOWED) {
			e->st.flows_resumed++;
			e->st.pkts_accepted++;
			return V_BYPASS;
		}
		if ((f = engine_open(e, pol, &c, &p, pi)) == NULL)
			return engine_other_port(e);
	}
	engine_inspect(e, f, &c, &p);
	r = engine_verdict(e, pol, f);
	if (f != &e->untracked)
		flowtab_touch(e->flows, f);
	return r;
}

void
engine_tick(struct engine *e, int64_t now)
{
	if (now > e->now)
		e->now = now;
	flowtab_expire(e->flows, e->now);
	engine_summaries(e);
}

void
engine_flush(struct engine *e, uint8_t reason)
{
	summary_flush(e->sum, engine_summary_event, e);
	flowtab_flush(e->flows, reason);
}

/*
 * n blocked connections from src of which nothing but the count is known
 * (fastpath.c): counted, and folded into the source's policy_summary
 * (without flood control they are in the stats only).
 */
void
engine_fold(struct engine *e, const struct policy *pol,
    const struct ip_addr *src, uint8_t direction, uint64_t n, int64_t now)
{
	if (now > e->now)
		e->now = now;
	engine_count(e, direction, A_BLOCKED, DEC_UNRECORDED, n);
	if (e->sum == NULL)
		return;
	e->st.summarized += n;
	summary_fold(e->sum, src, direction, (uint8_t)pol->conf.mode, n,
	    e->now, engine_summary_event, e);
}

const struct stats *
engine_stats(const struct engine *e)
{
	return &e->st;
}

const struct decisions *
engine_decisions(const struct engine *e)
{
	return &e->dec;
}

/* The connection table, for the owning thread's `flows` dumps (live.c). */
const struct flowtab *
engine_flows(const struct engine *e)
{
	return e->flows;
}

/*
 * The counters, as two events of the same snapshot: nfqd_stats (all of
 * them) and Suricata's stats (the counters Suricata has).  nfqd_stats
 * first: the sinks' counters the writer puts in it are then those of the
 * moment of the snapshot, before either line (the metrics' figures).
 */
void
engine_stats_event(struct engine *e)
{
	struct stats	 st = e->st;
	struct event	 ev;

	st.flows_active = flowtab_count(e->flows);
	memcpy(st.exc_sha256, e->pol->exc_sha256, sizeof(st.exc_sha256));
	e->st.events += 2;
	st.events = e->st.events;
	event_stats_make(&ev, EV_NFQD_STATS, e->now, &st);
	e->emit(e->emit_arg, &ev);
	event_stats_make(&ev, EV_STATS, e->now, &st);
	e->emit(e->emit_arg, &ev);
}
