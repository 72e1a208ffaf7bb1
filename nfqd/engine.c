/*
 * The packet pipeline, the same for pcap replay and NFQUEUE: parse, find
 * or create the connection, decide it once by policy, count, and return
 * the verdict.  Per-packet code allocates nothing, never exits, and every
 * packet it is given gets exactly one verdict: anything it cannot parse is
 * accepted and counted (the kernel rules only queue SMTP ports, and a
 * parser's doubt must never stop campus mail).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nfqd.h"
#include "dpi.h"

struct engine {
	struct flowtab	*flows;
	struct stats	 st;
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
};

/* Where a detection's alert belongs: the connection that raised it. */
struct det_ctx {
	struct engine		*e;
	const struct flow_key	*k;
	uint8_t			 client, action;
	const char		*app_proto;
};

static void	event_tuple(struct event *, const struct flow_key *, uint8_t);

static void
engine_detect_alert(void *arg, const struct detection *x)
{
	struct det_ctx	*c = arg;
	struct event	 ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = EV_ALERT;
	ev.ts_us = c->e->now;
	ev.flow_id = x->flow_id;
	event_tuple(&ev, c->k, c->client);
	if (c->app_proto != NULL)
		snprintf(ev.app_proto, sizeof(ev.app_proto), "%s",
		    c->app_proto);
	ev.alert.sid = detection_sid(x->kind);
	ev.alert.action = c->action;
	ev.alert.detection = (uint8_t)(x->kind + 1);
	ev.alert.blocked = x->blocked;
	ev.alert.host = x->host;
	ev.alert.count = x->count;
	ev.alert.limit = x->limit;
	ev.alert.window = x->window;
	ev.alert.related_flow = x->related_flow;
	if (c->e->resp != NULL) {
		struct resp_out	 ro;

		respond_alert(c->e->resp, c->e->pol, x, c->e->now / 1000000,
		    &ro);
		ev.alert.response = ro.kind;
		ev.alert.response_note = ro.note;
		ev.alert.response_until = ro.until;
	}
	ev.alert.severity = strcmp(detection_name(x->kind), "message_size") ==
	    0 ? 3 : x->blocked || strcmp(detection_name(x->kind),
	    "relay_suspect") == 0 ? 1 : 2;
	snprintf(ev.alert.signature, sizeof(ev.alert.signature), "%s",
	    detection_signature(x->kind));
	c->e->st.events++;
	c->e->emit(c->e->emit_arg, &ev);
}

static void
engine_summary_event(void *arg, const struct summary_rec *r)
{
	struct engine	*e = arg;
	struct event	 ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = EV_SUMMARY;
	ev.ts_us = e->now;
	ev.src = r->src;
	ev.summary = *r;
	e->st.events++;
	e->emit(e->emit_arg, &ev);
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

/* The originator's end of the key as src, the server's as dst. */
static void
event_tuple(struct event *ev, const struct flow_key *k, uint8_t client)
{
	uint8_t	 server = client ^ 1;

	ev->src.af = ev->dst.af = k->af;
	memcpy(ev->src.b, k->addr[client], 16);
	memcpy(ev->dst.b, k->addr[server], 16);
	ev->sport = k->port[client];
	ev->dport = k->port[server];
}

static void	engine_cls_finish(struct engine *, struct flow *);

static void
engine_flow_end(void *arg, struct flow *f)
{
	struct engine	*e = arg;
	struct event	 ev;

	if (f->cls != NULL)
		engine_cls_finish(e, f);

	switch (f->end) {
	case FE_FIN:
	case FE_RST:
		e->st.flows_closed++;
		break;
	case FE_TIMEOUT:
		e->st.flows_timeout++;
		break;
	case FE_EVICTED:
		e->st.flows_evicted++;
		break;
	}
	if (f->tcp & TF_FOLDED)
		return;		/* its decision is in a policy_summary */
	memset(&ev, 0, sizeof(ev));
	ev.type = EV_FLOW;
	ev.ts_us = e->now;
	ev.flow_id = f->id;
	event_tuple(&ev, &f->key, f->client);
	memcpy(ev.flow.pkts, f->pkts, sizeof(f->pkts));
	memcpy(ev.flow.bytes, f->bytes, sizeof(f->bytes));
	ev.flow.start_us = f->first_us;
	ev.flow.end_us = f->last_us;
	ev.flow.state = f->state;
	ev.flow.end = f->end;
	ev.flow.action = f->action;
	ev.flow.direction = f->direction;
	ev.flow.risk = f->risk;
	memcpy(ev.app_proto, f->app_proto, sizeof(ev.app_proto));
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
engine_alert(struct engine *e, const struct flow *f, uint32_t sid,
    const char *what)
{
	struct event	 ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = EV_ALERT;
	ev.ts_us = e->now;
	ev.flow_id = f->id;
	event_tuple(&ev, &f->key, f->client);
	memcpy(ev.app_proto, f->app_proto, sizeof(ev.app_proto));
	ev.alert.sid = sid;
	ev.alert.severity = 2;
	ev.alert.action = f->action;
	snprintf(ev.alert.signature, sizeof(ev.alert.signature), "%s", what);
	engine_emit(e, &ev);
}

/*
 * Inspection is over (both nDPI and the SMTP parser are done, or the
 * connection ended): keep the protocol's name, write the smtp event, and
 * alert when the port carried something other than mail.
 */
static void
engine_cls_finish(struct engine *e, struct flow *f)
{
	struct cls_result	 r;
	struct event		 ev;
	uint16_t		 sport = f->key.port[f->client ^ 1];

	cls_result(e->dpi, f->cls, &r);
	cls_free(f->cls);
	f->cls = NULL;
	memcpy(f->app_proto, r.app_proto, sizeof(f->app_proto));
	f->risk = r.risk;
	if (r.smtp != NULL) {
		struct det_ctx	 dc = { e, &f->key, f->client, f->action,
				    f->app_proto };
		struct ip_addr	 ca, sa;

		ca.af = sa.af = f->key.af;
		memcpy(ca.b, f->key.addr[f->client], 16);
		memcpy(sa.b, f->key.addr[f->client ^ 1], 16);
		detect_smtp(e->det, e->pol, &ca, &sa, f->direction, r.smtp,
		    f->id, e->now, engine_detect_alert, &dc);
		memset(&ev, 0, sizeof(ev));
		ev.type = EV_SMTP;
		ev.ts_us = e->now;
		ev.flow_id = f->id;
		event_tuple(&ev, &f->key, f->client);
		memcpy(ev.app_proto, f->app_proto, sizeof(ev.app_proto));
		ev.smtp.meta = r.smtp;
		ev.smtp.addr_mode = e->addr_mode;
		engine_emit(e, &ev);
	}
	/* Constant signatures, as in EVE: the protocol is in app_proto. */
	if (f->app_proto[0] != '\0' &&
	    !engine_expected_proto(sport, f->app_proto))
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

static void
engine_policy_event(struct engine *e, const struct policy *pol,
    const struct flow_key *k, uint8_t client, uint64_t id,
    const struct decision *d)
{
	struct event	 ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = EV_POLICY;
	ev.ts_us = e->now;
	ev.flow_id = id;
	event_tuple(&ev, k, client);
	ev.policy.action = d->action;
	ev.policy.direction = d->direction;
	ev.policy.reason = d->reason;
	ev.policy.mode = (uint8_t)pol->conf.mode;
	if (d->exc != NULL) {
		prefix_format(&d->exc->pfx, ev.policy.exc.entry,
		    sizeof(ev.policy.exc.entry));
		ev.policy.exc.dir = d->exc->dir;
		memcpy(ev.policy.exc.ticket, d->exc->ticket, EXC_TEXTLEN);
		memcpy(ev.policy.exc.owner, d->exc->owner, EXC_TEXTLEN);
		memcpy(ev.policy.exc.expires, d->exc->expires, 11);
	}
	if (d->quar != NULL) {
		const struct quar_entry	*q = d->quar;

		host_format(&q->pfx, ev.policy.quar.host,
		    sizeof(ev.policy.quar.host));
		ev.policy.quar.since = q->since;
		ev.policy.quar.until = q->until;
		memcpy(ev.policy.quar.who, q->who, sizeof(q->who));
		memcpy(ev.policy.quar.reason, q->reason, sizeof(q->reason));
	}
	engine_emit(e, &ev);
}

/*
 * Which key end opened the connection: the SYN sender; the receiver of a
 * SYN-ACK; otherwise (capture started mid-connection) the end that is not
 * on an SMTP port.
 */
static uint8_t
engine_client(const struct policy *pol, const struct pkt *p, uint8_t from)
{
	if ((p->flags & (TH_SYN | TH_ACK | TH_RST)) == TH_SYN)
		return from;
	if ((p->flags & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK))
		return from ^ 1;
	return conf_is_smtp_port(&pol->conf, p->dport) ? from : from ^ 1;
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

/* Track the TCP handshake and teardown, seen from direction `dir`. */
static void
engine_tcp(struct flow *f, const struct pkt *p, int dir)
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
	if ((fl & (TH_SYN | TH_ACK)) == TH_SYN && dir == 0)
		f->tcp |= TF_SYN;
	else if ((fl & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK) && dir == 1)
		f->tcp |= TF_SYNACK;
	else if (f->state == FS_NEW && (fl & (TH_SYN | TH_ACK)) == TH_ACK)
		f->state = FS_ESTABLISHED;
	if (fl & TH_FIN)
		f->tcp |= dir == 0 ? TF_FIN_C : TF_FIN_S;
	if ((f->tcp & (TF_FIN_C | TF_FIN_S)) == (TF_FIN_C | TF_FIN_S)) {
		f->state = FS_CLOSED;
		f->end = FE_FIN;
	}
}

static int
engine_verdict(struct engine *e, const struct policy *pol, uint8_t action)
{
	if (action == A_ALLOWED || pol->conf.mode == MODE_MONITOR) {
		e->st.pkts_accepted++;
		return V_BYPASS;
	}
	e->st.pkts_dropped++;
	return V_DROP;
}

int
engine_packet(struct engine *e, const struct policy *pol, enum link link,
    const uint8_t *data, uint32_t cap, uint32_t wire, int64_t ts,
    unsigned hints)
{
	struct pkt	 p;
	struct flow_key	 k;
	struct flow	*f;
	struct decision	 d;
	struct resp_entry rhit;
	struct quar_entry rq;
	uint32_t	 h;
	uint8_t		 from, client;
	int		 r, cmp, dir;
	bool		 folded;

	e->pol = pol;
	if (ts > e->now)
		e->now = ts;
	if (e->st.start_us == -1)
		e->st.start_us = e->now;
	flowtab_expire(e->flows, e->now);
	engine_summaries(e);
	e->st.pkts++;
	e->st.bytes += wire > cap ? wire : cap;

	r = pkt_parse(link, data, cap, wire, &p);
	if (p.vlans)
		e->st.vlan++;
	if (r != PKT_INVALID && p.src.af == 4)
		e->st.ipv4++;
	else if (r != PKT_INVALID && p.src.af == 6)
		e->st.ipv6++;
	switch (r) {
	case PKT_OK:
		break;
	case PKT_FRAGMENT:
		e->st.fragments++;
		goto accept;
	case PKT_NOT_IP:
		e->st.not_ip++;
		goto accept;
	case PKT_NOT_TCP:
		e->st.not_tcp++;
		goto accept;
	default:
		e->st.invalid++;
		goto accept;
	}
	/* Cheap filter first; the server's port is checked below. */
	if (!conf_is_smtp_port(&pol->conf, p.dport) &&
	    !conf_is_smtp_port(&pol->conf, p.sport))
		goto other_port;

	memset(&k, 0, sizeof(k));
	k.af = p.src.af;
	cmp = memcmp(p.src.b, p.dst.b, 16);
	from = cmp < 0 || (cmp == 0 && p.sport <= p.dport) ? 0 : 1;
	memcpy(k.addr[from], p.src.b, 16);
	memcpy(k.addr[from ^ 1], p.dst.b, 16);
	k.port[from] = p.sport;
	k.port[from ^ 1] = p.dport;
	h = flow_hash(e->flows, &k);
	f = flowtab_lookup(e->flows, &k, h);

	/* A new SYN from the client of a closed connection: port reuse. */
	if (f != NULL && f->state == FS_CLOSED && from == f->client &&
	    (p.flags & (TH_SYN | TH_ACK | TH_RST)) == TH_SYN) {
		flowtab_end(e->flows, f, FE_NONE);
		f = NULL;
	}
	/*
	 * An earlier nfqd allowed this connection (the kernel kept the mark)
	 * and was restarted while inspecting it: its decision and events
	 * stand; let it go without deciding it twice.
	 */
	if (f == NULL && (hints & HINT_ALLOWED)) {
		e->st.flows_resumed++;
		e->st.pkts_accepted++;
		return V_BYPASS;
	}
	if (f == NULL) {
		struct ip_addr	 ca, sa;

		/*
		 * The policy covers connections *to* an SMTP port: one from
		 * port 25 to a campus web server is not its business.
		 */
		client = engine_client(pol, &p, from);
		if (!conf_is_smtp_port(&pol->conf, k.port[client ^ 1]))
			goto other_port;
		ca.af = sa.af = k.af;
		memcpy(ca.b, k.addr[client], 16);
		memcpy(sa.b, k.addr[client ^ 1], 16);
		policy_decide(pol, &ca, &sa, e->now / 1000000, &d);
		if (e->resp != NULL && d.reason != R_QUARANTINE &&
		    (d.direction == D_INBOUND || d.direction == D_OUTBOUND) &&
		    respond_check(e->resp, &ca, &sa, d.direction,
		    e->now / 1000000, &rhit)) {
			/* An alert's response, until the list has it. */
			respond_quar_entry(&rhit, &rq);
			d.action = A_BLOCKED;
			d.reason = rhit.kind == RK_QUARANTINE ? R_QUARANTINE :
			    R_HARVEST_BLOCK;
			d.quar = &rq;
			if (rhit.kind == RK_QUARANTINE)
				d.exc = NULL;
		}
		if ((hints & HINT_DROPPED) && d.action == A_ALLOWED) {
			/*
			 * The kernel dropped it by the policy before a reload
			 * (its maps follow a moment after the workers'): the
			 * record says what was done, and why the kernel did.
			 */
			d.action = A_BLOCKED;
			d.reason = (uint8_t)(hints >> 8);
			d.exc = NULL;
			d.quar = NULL;
			e->st.fp_disagree++;
		}
		if (d.action == A_ALLOWED)
			e->st.allowed++;
		else
			e->st.blocked++;
		folded = d.action == A_BLOCKED && !summary_admit(e->sum, &ca,
		    d.direction, &sa, k.port[client ^ 1], (uint8_t)pol->conf.mode,
		    e->now, engine_summary_event, e);
		if (folded)
			e->st.summarized++;
		if ((f = flowtab_insert(e->flows, &k, h, e->now)) == NULL) {
			/* Full of established connections: decide untracked. */
			uint64_t	 id = engine_flow_id(e, &k);
			struct det_ctx	 dc = { e, &k, client, d.action, NULL };

			e->st.flows_untracked++;
			if (!folded)
				engine_policy_event(e, pol, &k, client, id, &d);
			detect_conn(e->det, pol, &ca, &sa, d.direction,
			    d.action, d.exc ? d.exc->dir : 0, id, e->now,
			    engine_detect_alert, &dc);
			return engine_verdict(e, pol, d.action);
		}
		e->st.flows_created++;
		f->client = client;
		f->action = d.action;
		f->direction = d.direction;
		f->id = engine_flow_id(e, &k);
		if ((p.flags & TH_SYN) == 0) {
			f->tcp |= TF_MIDSTREAM;
			f->state = FS_ESTABLISHED;
		}
		if (folded)
			f->tcp |= TF_FOLDED;
		else
			engine_policy_event(e, pol, &k, client, f->id, &d);
		{
			struct det_ctx	 dc = { e, &f->key, client, d.action,
					    NULL };

			detect_conn(e->det, pol, &ca, &sa, d.direction,
			    d.action, d.exc ? d.exc->dir : 0, f->id, e->now,
			    engine_detect_alert, &dc);
		}
		/* What passes is classified: allowed, or anything monitored. */
		if (e->dpi != NULL && (d.action == A_ALLOWED ||
		    pol->conf.mode == MODE_MONITOR))
			f->cls = cls_new(e->dpi, e->addr_mode, true);
	}
	dir = from == f->client ? 0 : 1;
	f->pkts[dir]++;
	f->bytes[dir] += p.ip_len;
	f->last_us = e->now;
	engine_tcp(f, &p, dir);
	/* Inspection ends when both inspectors are done, or at FIN/RST. */
	if (f->cls != NULL && (!cls_packet(e->dpi, f->cls, &p, dir, e->now) ||
	    f->state == FS_CLOSED))
		engine_cls_finish(e, f);
	r = engine_verdict(e, pol, f->action);
	/* Keep the connection in the queue while it is being inspected. */
	if (r == V_BYPASS && f->cls != NULL && f->action == A_ALLOWED)
		r = V_ALLOWED;
	else if (r == V_BYPASS && f->cls != NULL)
		r = V_ACCEPT;		/* monitor mode: blocked, inspected */
	if (r == V_BYPASS && e->bypass && f->state != FS_CLOSED)
		f->state = FS_BYPASSED;
	flowtab_touch(e->flows, f);
	return r;
other_port:
	e->st.other_port++;
accept:
	e->st.pkts_accepted++;
	return V_ACCEPT;
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
	e->st.blocked += n;
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

/* The connection table, for the owning thread's `flows` dumps (live.c). */
const struct flowtab *
engine_flows(const struct engine *e)
{
	return e->flows;
}

void
engine_stats_event(struct engine *e)
{
	struct event	 ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = EV_STATS;
	ev.ts_us = e->now;
	ev.stats = e->st;
	ev.stats.flows_active = flowtab_count(e->flows);
	memcpy(ev.stats.exc_sha256, e->pol->exc_sha256,
	    sizeof(ev.stats.exc_sha256));
	if (ev.stats.start_us == -1)
		ev.stats.start_us = e->now;
	e->st.events++;
	ev.stats.events = e->st.events;
	e->emit(e->emit_arg, &ev);
}
