/*
 * The packet pipeline, the same for pcap replay and NFQUEUE: parse, check
 * the source address's side, find or open the connection (decided once,
 * bound to who opened it), count and inspect, and return the verdict.
 * Per-packet code allocates nothing, never exits, and every packet it is
 * given gets exactly one verdict.  Nothing on an SMTP port passes
 * undecided: a packet that is not of a decided connection opens one and
 * is decided; one nfqd cannot read is refused where the source says it
 * is on an SMTP port (docs/security.md: roles and directions).
 *
 * This file: an engine's life and settings, and the packet's way through
 * (engine_packet).  A packet's connection, found or decided, is in
 * engine_decide.c; the events a connection writes in engine_events.c.
 */
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "engine/engine_int.h"
#include "base/addr.h"
#include "base/log.h"
#include "base/lpm.h"
#include "policy/conf.h"
#include "policy/exceptions.h"
#include "policy/policy.h"
#include "event/event.h"
#include "engine/pkt.h"
#include "engine/flow.h"
#include "engine/classify.h"
#include "engine/summary.h"
#include "engine/detect.h"
#include "engine/respond.h"
#include "engine/dpi.h"

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
