/*
 * A packet's connection: found in the table (a retransmitted SYN is its
 * opener's; any other SYN opens a new connection on the tuple), or decided
 * and opened.  The decision, once per connection, from every input: the
 * roles (who sent the SYN, docs/security.md), each reading's list,
 * quarantine and responses (engine_judge), the kernel's word; then
 * counted, and written unless flood control folds it into a summary.
 */
#include <string.h>

#include "engine/engine.h"
#include "engine/engine_int.h"
#include "base/addr.h"
#include "base/hash.h"
#include "policy/conf.h"
#include "policy/exceptions.h"
#include "policy/quarantine.h"
#include "policy/policy.h"
#include "engine/pkt.h"
#include "engine/flow.h"
#include "engine/classify.h"
#include "engine/summary.h"
#include "engine/detect.h"
#include "engine/respond.h"

#define NO_CLIENT	2	/* no key end is an SMTP client */

/*
 * The tuple, the start time and the engine's connection count: two
 * connections on one tuple in the same microsecond (a RST and a new SYN in
 * one receive) still differ.  51 bits, so JSON consumers keep every digit.
 */
uint64_t
engine_flow_id(struct engine *e, const struct flow_key *k)
{
	uint64_t	 id;

	id = hash64(k, sizeof(*k), (uint64_t)e->now ^
	    hash64(&e->conns, sizeof(e->conns), e->salt));
	e->conns++;
	id &= (1ULL << 51) - 1;
	return id ? id : 1;
}

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
void
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
void
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

/* A packet's connection key (flow.c), its hash, the end that sent it. */
void
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
struct flow *
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
struct flow *
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
