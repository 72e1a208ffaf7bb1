/*
 * The live daemon's policy changes, under reload_lock: a reload
 * (SIGHUP, the control socket) builds the new policy aside and swaps
 * it; quarantines start and end (the state file, the workers' list, the
 * kernel's sets); responses owed (respond.c) are carried out; exceptions
 * that expire get their events.  A swap waits, 5 s at most, until every
 * worker has started a batch under the new one before the old is freed.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/defs.h"
#include "base/addr.h"
#include "base/clock.h"
#include "base/log.h"
#include "policy/conf.h"
#include "policy/exceptions.h"
#include "policy/quarantine.h"
#include "policy/policy.h"
#include "event/event.h"
#include "engine/flow.h"
#include "engine/respond.h"
#include "kernel/ipset.h"
#include "daemon/fastpath.h"
#include "daemon/live.h"

/* Settings a reload cannot change in a running datapath. */
static void
live_restart_only(const struct conf *a, const struct conf *b)
{
	if (a->queue_first != b->queue_first || a->queue_count != b->queue_count)
		log_warnx("reload: queues changed; takes effect at restart");
	if (a->max_flows != b->max_flows)
		log_warnx("reload: max-flows changed; takes effect at restart");
	if (a->nevents != b->nevents ||
	    memcmp(a->events, b->events, sizeof(a->events)) != 0)
		log_warnx("reload: events changed; takes effect at restart");
	if (strcmp(a->sensor_name, b->sensor_name) != 0)
		log_warnx("reload: sensor-name changed; takes effect at "
		    "restart");
	if (a->copy_range != b->copy_range ||
	    a->queue_maxlen != b->queue_maxlen || a->fail_open != b->fail_open ||
	    a->reject != b->reject || a->mark_bypass != b->mark_bypass ||
	    a->mark_reject != b->mark_reject || a->event_queue != b->event_queue)
		log_warnx("reload: queue settings changed; take effect at "
		    "restart");
	if (a->timeout_new != b->timeout_new ||
	    a->timeout_established != b->timeout_established ||
	    a->timeout_closed != b->timeout_closed)
		log_warnx("reload: timeouts changed; take effect at restart");
	if (a->fastpath != b->fastpath ||
	    a->nfastpath_ifaces != b->nfastpath_ifaces ||
	    memcmp(a->fastpath_ifaces, b->fastpath_ifaces,
	    sizeof(a->fastpath_ifaces)) != 0)
		log_warnx("reload: fastpath settings changed; take effect at "
		    "restart");
	if (a->classify != b->classify || a->smtp_addresses != b->smtp_addresses)
		log_warnx("reload: classification settings changed; take "
		    "effect at restart");
	if (strcmp(a->user, b->user) != 0 || a->seccomp != b->seccomp)
		log_warnx("reload: user or seccomp changed; takes effect at "
		    "restart");
}

/* Wait (5 s at most) until every worker has started a batch at g. */
static bool
live_pass(struct live *l, uint64_t g)
{
	unsigned	 i;

	for (int waited = 0; waited < 5000; waited++) {
		for (i = 0; i < l->nw; i++)
			if (atomic_load(&l->w[i].seen) < g)
				break;
		if (i == l->nw && (l->fp == NULL || fastpath_seen(l->fp) >= g))
			return true;
		clock_sleep_ms(1);
	}
	return false;
}

static double
ms_since(const struct timespec *t0)
{
	struct timespec	 t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) * 1e3 +
	    (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

/* settle's events: quarantine start and end. */
static void
live_quar_event(void *arg, uint8_t action, const struct quar_entry *e)
{
	struct live	*l = arg;
	struct event	 ev;
	char		 a[PREFIX_STRLEN];

	if (action == QA_START)
		l->mstate.quar_started++;
	else
		l->mstate.quar_ended++;
	if (event_quarantine_make(&ev, clock_real_us(), action, e) == -1)
		log_warnx("quarantine event lost: out of memory");
	else
		live_emit(l, &ev);
	host_format(&e->pfx, a, sizeof(a));
	if (action == QA_START)
		log_info("quarantine of %s starts (by %s): %s", a, e->who,
		    e->reason);
	else
		log_info("quarantine of %s ends (%s%s)", a, e->removed_by[0] ?
		    "removed by " : "expired", e->removed_by);
}

/* The earliest `until` still to come, 0 when none. */
static int64_t
quar_next_end(const struct quar_list *q, int64_t now)
{
	int64_t	 next = 0;

	for (size_t i = 0; q != NULL && i < q->n; i++)
		if (q->v[i].until > now && (next == 0 || q->v[i].until < next))
			next = q->v[i].until;
	return next;
}

/*
 * The state file's owed events written and ended entries dropped
 * (quar_settle), the result made p's quarantine list.  For a policy no
 * worker sees yet (start, reload): no wait.  On failure p keeps what it
 * loaded.
 */
int
live_quar_settle(struct live *l, struct policy *p, int64_t now, bool live,
    char *err, size_t errlen)
{
	struct quar_list	*q, *old;
	uint64_t		 g;

	if ((q = calloc(1, sizeof(*q))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (quar_settle(p->conf.state_dir, now, q, live_quar_event, l, err,
	    errlen) == -1) {
		free(q);
		return -1;
	}
	old = policy_set_quar(p, q);
	l->quar_next = quar_next_end(q, now);
	if (!live) {
		quar_destroy(old);
		return 0;
	}
	g = atomic_fetch_add(&live_gen, 1) + 1;
	if (live_pass(l, g))
		quar_destroy(old);
	else
		log_warnx("quarantine: a worker did not pass the new list in "
		    "5 s; the old one is kept in memory");
	return 0;
}

/* The fast path's maps follow the running policy (fastpath.c). */
static void
live_fastpath_sync(struct live *l, const struct policy *p, int64_t now)
{
	char	 err[ERRLEN];

	if (l->fp != NULL && fastpath_sync(l->fp, p, now, err,
	    sizeof(err)) == -1)
		log_warnx("%s", err);
}

/* A quarantine added, removed or ended: workers and kernel sets follow. */
int
live_quar_apply(struct live *l, int64_t now, char *err, size_t errlen)
{
	struct policy	*pol = atomic_load(&live_policy);
	char		 msg[ERRLEN];

	if (live_quar_settle(l, pol, now, true, err, errlen) == -1)
		return -1;
	live_fastpath_sync(l, pol, now);
	if (ipset_sync_quarantine(pol, now, msg, sizeof(msg)) == -1)
		log_warnx("degraded-mode quarantine sets not updated: %s", msg);
	return 0;
}

/*
 * respond.c's owed work, in the main thread (reload_lock held): an
 * auto-quarantine goes into the state file like any other (its start
 * event, the workers' list, the kernel's sets), then leaves the response
 * table, so `nfqctl quarantine remove` ends it.  If the file cannot take
 * it, the table entry keeps the host blocked until its end.  A harvest
 * block goes into <ipset-prefix>-hb4/6 with its timeout.
 */
int
live_respond(void *arg, uint8_t action, const struct resp_entry *e)
{
	struct live		*l = arg;
	struct policy		*pol = atomic_load(&live_policy);
	struct quar_entry	 q;
	char			 a[ADDR_STRLEN], err[ERRLEN];

	addr_format(&e->host, a, sizeof(a));
	if (e->kind == RK_HARVEST_BLOCK) {
		log_info("harvest block of %s %s (%s)", a, action == RA_START ?
		    "starts" : "ends", e->reason);
		/* The degraded-mode rules refuse it too, until its end. */
		if (action == RA_START && ipset_harvest_block(&pol->conf,
		    &e->host, e->until - clock_real_us() / 1000000, err,
		    sizeof(err)) == -1)
			log_warnx("harvest block of %s not in the degraded-mode "
			    "sets: %s", a, err);
		return 0;
	}
	if (action != RA_START)
		return 0;
	respond_quar_entry(e, &q);
	if (quar_add(pol->conf.state_dir, &q, err, sizeof(err)) == -1) {
		if (quar_match(policy_quar(pol), &e->host, e->since) != NULL)
			return 1;	/* someone was quicker: in force */
		log_warnx("auto-quarantine of %s not recorded (blocked until "
		    "%lld all the same, without events): %s", a,
		    (long long)e->until, err);
		return 0;
	}
	if (live_quar_apply(l, clock_real_us() / 1000000, err,
	    sizeof(err)) == -1)
		log_warnx("auto-quarantine of %s recorded, not yet applied: "
		    "%s", a, err);
	return 1;
}

/* A reload's event, and the metrics' count of reloads. */
static void
live_reload_event(struct live *l, const struct reload_result *r)
{
	struct ev_reload rl;
	struct event	 ev;

	/* The metrics' count (metrics.c): by source and result. */
	l->mstate.reloads[strcmp(r->source, "SIGHUP") == 0 ? METRICS_SIGHUP :
	    METRICS_SOCKET][r->ok]++;
	l->mstate.reload_ok = r->ok;
	l->mstate.reload_us = r->ts_us;
	memset(&rl, 0, sizeof(rl));
	rl.ok = r->ok;
	rl.entries = r->entries;
	rl.added = r->added;
	rl.removed = r->removed;
	rl.changed = r->changed;
	snprintf(rl.error, sizeof(rl.error), "%s", r->error);
	memcpy(rl.exc_sha256, r->exc_sha256, sizeof(r->exc_sha256));
	event_reload_make(&ev, r->ts_us, &rl);
	live_emit(l, &ev);
}

/*
 * Reload nfqd.conf, the exception list and the quarantine state; the
 * caller holds reload_lock.  Timed: load (both files parsed, tables
 * built), diff (the event's counts), swap (publish); the degraded-mode
 * ipsets are synced after the swap, off the path to the new list in
 * force (an `ipset restore` of 100,000 entries takes about 0.6 s), before
 * the old policy is freed.  The result goes to the reload event and to r.
 */
void
live_reload(struct live *l, const char *source, struct reload_result *r)
{
	struct policy	*old = atomic_load(&live_policy), *new;
	struct timespec	 t0;
	char		 err[ERRLEN];
	uint64_t	 g;
	int64_t		 now;

	memset(r, 0, sizeof(*r));
	r->done = true;
	r->ts_us = clock_real_us();
	now = r->ts_us / 1000000;
	snprintf(r->source, sizeof(r->source), "%s", source);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((new = policy_load(l->conf_path, err, sizeof(err))) == NULL) {
		log_warnx("reload refused, the running policy stays: %s", err);
		snprintf(r->error, sizeof(r->error), "%.255s", err);
		r->entries = (uint32_t)old->exc.n;
		r->quarantines = (uint32_t)policy_quar(old)->n;
		memcpy(r->exc_sha256, old->exc_sha256, sizeof(r->exc_sha256));
		live_reload_event(l, r);
		l->last = *r;
		return;
	}
	if (new->warning[0] != '\0')
		log_warnx("reload: %s", new->warning);
	if (live_quar_settle(l, new, now, false, err, sizeof(err)) == -1)
		log_warnx("reload: quarantine state not settled (events owed "
		    "stay owed): %s", err);
	r->load_ms = ms_since(&t0);
	live_restart_only(&old->conf, &new->conf);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	policy_diff(old, new, &r->added, &r->removed, &r->changed);
	r->diff_ms = ms_since(&t0);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	atomic_store(&live_policy, new);
	g = atomic_fetch_add(&live_gen, 1) + 1;
	r->swap_ms = ms_since(&t0);
	live_set_hash(l, new);
	live_fastpath_sync(l, new, now);	/* the kernel follows at once */

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (ipset_sync(new, now, err, sizeof(err)) == -1) {
		log_warnx("degraded-mode sets not updated: %s", err);
		snprintf(r->ipset_error, sizeof(r->ipset_error), "%.255s", err);
	}
	r->ipset_ms = ms_since(&t0);
	if (!live_pass(l, g))
		log_warnx("reload: a worker did not pass the new policy in "
		    "5 s; the old one is kept in memory");
	else
		policy_free(old);
	r->ok = true;
	l->exc_gen++;
	r->entries = (uint32_t)new->exc.n;
	memcpy(r->exc_sha256, new->exc_sha256, sizeof(r->exc_sha256));
	r->quarantines = (uint32_t)policy_quar(new)->n;
	l->exc_next = policy_expired(new, l->exc_checked, l->exc_checked,
	    NULL, NULL);
	log_info("reloaded %s (%s): %zu exceptions (%u added, %u removed, "
	    "%u changed), %u quarantined, in %.1f ms (load %.1f, diff %.1f, "
	    "swap %.2f); degraded-mode sets %.1f ms", l->conf_path, source,
	    new->exc.n, r->added, r->removed, r->changed, r->quarantines,
	    r->load_ms + r->diff_ms + r->swap_ms, r->load_ms, r->diff_ms,
	    r->swap_ms, r->ipset_ms);
	live_reload_event(l, r);
	l->last = *r;
}

static void
live_expired_event(void *arg, const struct exc_entry *e)
{
	struct live	*l = arg;
	struct event	 ev;

	event_expired_make(&ev, clock_real_us(), e);
	live_emit(l, &ev);
	log_info("exception %s %s (ticket %s) expired at the end of %s",
	    ev.expired.exc.entry, exc_dir_name(e->dir), e->ticket[0] ? e->ticket :
	    "-", e->expires);
}

/*
 * Once a second, reload_lock held: an exception_expired event for each
 * entry whose expiry came since the last check (policy_decide already
 * stops applying it at its time), and the quarantines whose time is over
 * ended (events, state file, workers, kernel sets).
 */
void
live_expiry(struct live *l, int64_t now)
{
	struct policy	*pol = atomic_load(&live_policy);
	char		 err[ERRLEN];

	if (l->exc_next != 0 && now >= l->exc_next) {
		l->exc_next = policy_expired(pol, l->exc_checked, now,
		    live_expired_event, l);
		l->exc_checked = now;
		live_fastpath_sync(l, pol, now);	/* without it, at once */
	}
	if (l->quar_next != 0 && now >= l->quar_next &&
	    live_quar_apply(l, now, err, sizeof(err)) == -1) {
		log_warnx("quarantine: cannot end the expired ones: %s", err);
		l->quar_next = now + 60;	/* retry in a minute */
	}
}
