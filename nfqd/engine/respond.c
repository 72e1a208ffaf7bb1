/*
 * What nfqd does about an alert, when it is configured to (off by
 * default):
 *  - auto-quarantine = DURATION: a bulk or rogue sender alert
 *    (bulk_attempts, bulk_messages, bulk_recipients) about a campus host
 *    puts the host in quarantine for DURATION, through the same quarantine
 *    list as `nfqctl quarantine add` (who "nfqd", the alert in the
 *    reason).  A host holding an active exception for the alert's
 *    direction (outbound: the mail gateway, a department's approved
 *    sender) is never quarantined unless auto-quarantine-exceptions = yes:
 *    an approved mail server sending a lot is doing its job, and cutting
 *    the gateway off would stop the campus's mail.
 *  - harvest-block = DURATION: a directory-harvest alert
 *    (harvest_recipients, harvest_rejects) about an outside source blocks
 *    its inbound SMTP connections for DURATION, exceptions
 *    notwithstanding (the harvest is aimed at the gateway, which holds
 *    one); the policy event's reason is `harvest-block`.
 *
 * Both live in one bounded table (response-hosts entries), shared by the
 * packet workers: an entry blocks from the packet that raised the alert
 * on, on every queue.  The table is read at each new connection's
 * decision only, and only when it is not empty (an atomic count first,
 * then a short mutex-held scan); nothing here does I/O.  The owner's
 * thread (live: the main thread, once a second; replay: after each
 * packet) settles it with respond_settle(): the owed starts and the ends
 * that came.  Live, an auto-quarantine is then written to the state file
 * (quarantine.c: events, ipsets, expiry as for any quarantine) and its
 * entry leaves the table, so that `nfqctl quarantine remove` ends it;
 * replay keeps it in the table and writes the quarantine events itself.
 *
 * When the table is full, the entry closest to its end makes room; if
 * every entry has longer to run than the new one, the new one is refused
 * and counted (the alert says so).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/respond.h"
#include "base/addr.h"
#include "base/lpm.h"
#include "base/table.h"
#include "policy/conf.h"
#include "policy/exceptions.h"
#include "policy/quarantine.h"
#include "policy/policy.h"
#include "engine/detect.h"

struct respond {
	pthread_mutex_t		 lock;
	_Atomic uint32_t	 n;		/* entries in v[0..n) */
	_Atomic uint32_t	 owed;		/* entries whose start is owed */
	_Atomic int64_t		 next_end;	/* earliest until, 0: none */
	uint32_t		 cap;
	uint64_t		 refused;	/* table full */
	struct resp_entry	*v;
};

struct respond *
respond_new(uint32_t cap)
{
	struct respond	*r;

	if (cap == 0)
		cap = 1;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	if ((r->v = table_calloc(cap, sizeof(*r->v))) == NULL) {
		free(r);
		return NULL;
	}
	r->cap = cap;
	pthread_mutex_init(&r->lock, NULL);
	return r;
}

void
respond_free(struct respond *r)
{
	if (r == NULL)
		return;
	pthread_mutex_destroy(&r->lock);
	free(r->v);
	free(r);
}

const char *
response_name(uint8_t kind)
{
	static const char *names[] = { "none", "quarantine", "harvest_block" };

	return kind < 3 ? names[kind] : "?";
}

/* Bulk and rogue senders: the three bulk kinds (detect.c's order). */
static bool
kind_bulk(uint8_t kind)
{
	const char	*n = detection_name(kind);

	return strncmp(n, "bulk_", 5) == 0;
}

static bool
kind_harvest(uint8_t kind)
{
	return strncmp(detection_name(kind), "harvest_", 8) == 0;
}

/* The active exception deciding for host (policy_decide's rule), or NULL. */
static const struct exc_entry *
deciding_exception(const struct policy *p, const struct ip_addr *host,
    int64_t now)
{
	uint32_t		 idx[129];
	const struct exc_entry	*e;
	int			 i, n;

	n = lpm_lookup(&p->exc.lpm, host, idx, 129);
	for (i = 0; i < n; i++) {
		e = &p->exc.v[idx[i]];
		if (e->expires_at == 0 || now < e->expires_at)
			return e;
	}
	return NULL;
}

/* The entry for (a, kind) in force at now; lock held. */
/* The reason nfqd writes: the response, the alert, its count, its flow. */
static void
respond_reason(const struct resp_entry *e, char *buf, size_t len)
{
	snprintf(buf, len, "%s: %s alert (sid %u): %llu over %llu in %u s, "
	    "flow %llu", e->kind == RK_QUARANTINE ? "auto-quarantine" :
	    "harvest-block", detection_name(e->detection),
	    detection_sid(e->detection), (unsigned long long)e->count,
	    (unsigned long long)e->limit, e->window,
	    (unsigned long long)e->flow_id);
}

static struct resp_entry *
find(struct respond *r, const struct ip_addr *a, uint8_t kind)
{
	uint32_t	 i, n = atomic_load(&r->n);

	for (i = 0; i < n; i++)
		if (r->v[i].kind == kind && addr_equal(&r->v[i].host, a))
			return &r->v[i];
	return NULL;
}

static void
next_end(struct respond *r)
{
	int64_t		 t = 0;
	uint32_t	 i, n = atomic_load(&r->n);

	for (i = 0; i < n; i++)
		if (t == 0 || r->v[i].until < t)
			t = r->v[i].until;
	atomic_store(&r->next_end, t);
}

/*
 * An alert was raised (packet path): put its response in the table, and
 * say in *out what was done.  now in seconds.
 */
void
respond_alert(struct respond *r, const struct policy *p,
    const struct detection *x, int64_t now, struct resp_out *out)
{
	const struct conf	*c = &p->conf;
	const struct exc_entry	*e;
	struct resp_entry	*slot, *v;
	uint8_t			 kind;
	int64_t			 secs;
	uint32_t		 i, n;

	memset(out, 0, sizeof(*out));
	if (r == NULL)
		return;
	if (kind_bulk(x->kind) && c->auto_quarantine > 0) {
		kind = RK_QUARANTINE;
		secs = c->auto_quarantine;
		out->kind = kind;
		/* A campus host only: quarantine is for our own machines. */
		if (!lpm_match(&c->internal_lpm, &x->host)) {
			out->note = RN_NOT_CAMPUS;
			return;
		}
		if (quar_match(policy_quar(p), &x->host, now) != NULL) {
			out->note = RN_ALREADY;
			return;
		}
		e = deciding_exception(p, &x->host, now);
		if (e != NULL && (e->dir & EXC_OUTBOUND) &&
		    !c->auto_quarantine_exceptions) {
			out->note = RN_EXCEPTION;
			return;
		}
	} else if (kind_harvest(x->kind) && c->harvest_block > 0) {
		kind = RK_HARVEST_BLOCK;
		secs = c->harvest_block;
		out->kind = kind;
		/* An outside source only: never cut a campus host off here. */
		if (lpm_match(&c->internal_lpm, &x->host)) {
			out->note = RN_CAMPUS;
			return;
		}
	} else
		return;

	pthread_mutex_lock(&r->lock);
	if ((slot = find(r, &x->host, kind)) != NULL && slot->until > now) {
		out->until = slot->until;
		out->note = RN_ALREADY;
		pthread_mutex_unlock(&r->lock);
		return;
	}
	n = atomic_load(&r->n);
	if (slot == NULL && n < r->cap)
		slot = &r->v[n++];
	else if (slot == NULL) {
		/* Full: the entry closest to its end makes room, if earlier. */
		for (v = &r->v[0], i = 1; i < n; i++)
			if (r->v[i].until < v->until)
				v = &r->v[i];
		if (v->until > now + secs) {
			r->refused++;
			out->note = RN_FULL;
			pthread_mutex_unlock(&r->lock);
			return;
		}
		slot = v;
		if (slot->owed)
			atomic_fetch_sub(&r->owed, 1);
	} else if (slot->owed)
		atomic_fetch_sub(&r->owed, 1);
	memset(slot, 0, sizeof(*slot));
	slot->host = x->host;
	slot->kind = kind;
	slot->detection = x->kind;
	slot->since = now;
	slot->until = now + secs;
	slot->count = x->count;
	slot->limit = x->limit;
	slot->window = x->window;
	slot->flow_id = x->flow_id;
	slot->owed = true;
	respond_reason(slot, slot->reason, sizeof(slot->reason));
	atomic_store(&r->n, n);
	atomic_fetch_add(&r->owed, 1);
	next_end(r);
	out->until = slot->until;
	out->note = RN_DONE;
	pthread_mutex_unlock(&r->lock);
}

/*
 * At a new connection's decision (packet path): the table's entry that
 * blocks it, copied to *hit.  Auto-quarantine: either end; harvest
 * block: the client of an inbound connection.
 */
bool
respond_check(struct respond *r, const struct ip_addr *client,
    const struct ip_addr *server, uint8_t direction, int64_t now,
    struct resp_entry *hit)
{
	const struct resp_entry	*e;
	uint32_t		 i, n;
	bool			 found = false;

	if (r == NULL || atomic_load_explicit(&r->n, memory_order_relaxed) ==
	    0)
		return false;
	pthread_mutex_lock(&r->lock);
	n = atomic_load(&r->n);
	for (i = 0; i < n && !found; i++) {
		e = &r->v[i];
		if (e->since > now || now >= e->until)
			continue;
		if (e->kind == RK_QUARANTINE && (addr_equal(&e->host, client) ||
		    addr_equal(&e->host, server)))
			found = true;
		else if (e->kind == RK_HARVEST_BLOCK &&
		    direction == D_INBOUND && addr_equal(&e->host, client))
			found = true;
		if (found)
			*hit = *e;
	}
	pthread_mutex_unlock(&r->lock);
	return found;
}

/*
 * The owner's half: cb(RA_START) for each entry whose start is owed,
 * cb(RA_END) for each whose time is over (which then leaves the table).
 * A start callback returning 1 hands the entry over (it leaves the
 * table: live, the quarantine list has it now).  Cheap when nothing is
 * due.  Returns the number of entries in the table.
 */
uint32_t
respond_settle(struct respond *r, int64_t now, respond_cb cb, void *arg)
{
	struct resp_entry	 e;
	uint32_t		 i, n;
	int64_t			 ne;
	bool			 drop;

	if (r == NULL)
		return 0;
	ne = atomic_load(&r->next_end);
	if (atomic_load(&r->owed) == 0 && (ne == 0 || now < ne))
		return atomic_load(&r->n);
	pthread_mutex_lock(&r->lock);
	n = atomic_load(&r->n);
	for (i = 0; i < n;) {
		drop = false;
		if (r->v[i].owed) {
			r->v[i].owed = false;
			atomic_fetch_sub(&r->owed, 1);
			e = r->v[i];
			/* The callback may take time (a state file): unlocked. */
			pthread_mutex_unlock(&r->lock);
			drop = cb(arg, RA_START, &e) == 1;
			pthread_mutex_lock(&r->lock);
			n = atomic_load(&r->n);
			/* Unchanged while unlocked?  (Only alerts add.) */
			if (i >= n || !addr_equal(&r->v[i].host, &e.host) ||
			    r->v[i].kind != e.kind)
				continue;
		}
		if (!drop && now >= r->v[i].until) {
			e = r->v[i];
			cb(arg, RA_END, &e);
			drop = true;
		}
		if (drop) {
			r->v[i] = r->v[--n];
			atomic_store(&r->n, n);
			continue;
		}
		i++;
	}
	next_end(r);
	pthread_mutex_unlock(&r->lock);
	return n;
}

/* How many responses the full table refused. */
uint64_t
respond_refused(struct respond *r)
{
	uint64_t	 v;

	if (r == NULL)
		return 0;
	pthread_mutex_lock(&r->lock);
	v = r->refused;
	pthread_mutex_unlock(&r->lock);
	return v;
}

/* As a quarantine list entry (who "nfqd"), for events and the state file. */
void
respond_quar_entry(const struct resp_entry *e, struct quar_entry *q)
{
	memset(q, 0, sizeof(*q));
	q->pfx.addr = e->host;
	q->pfx.len = e->host.af == 4 ? 32 : 128;
	q->since = e->since;
	q->until = e->until;
	snprintf(q->reason, sizeof(q->reason), "%s", e->reason);
	snprintf(q->who, sizeof(q->who), "nfqd");
}

const char *
response_note(uint8_t note)
{
	static const char *notes[] = { "", "done",
	    "already in force", ("holds an exception for this direction "
	    "(auto-quarantine-exceptions = no)"), "not a campus host",
	    "a campus host (harvest-block is for outside sources)",
	    "the response table is full (response-hosts)" };

	return note < sizeof(notes) / sizeof(notes[0]) ? notes[note] : "?";
}
