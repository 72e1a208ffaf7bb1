/*
 * The control socket's commands, in its thread (ctl.c reads and checks
 * the request, then calls live_ctl): status, flows, exceptions in force,
 * exception edits, reload, quarantine and census.  Everything but `flows`
 * runs under reload_lock, so the running policy is never freed under a
 * command and edits reach the workers one at a time.
 */
#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/defs.h"
#include "base/addr.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/lpm.h"
#include "policy/conf.h"
#include "policy/exceptions.h"
#include "policy/quarantine.h"
#include "policy/policy.h"
#include "event/event.h"
#include "event/census.h"
#include "engine/flow.h"
#include "daemon/ctl.h"
#include "control/excedit.h"
#include "daemon/live.h"
#include "base/json.h"
#include "sink/eve.h"

#define DUMP_WAIT_MS	2000	/* workers answer `flows` within */

static void
add_prefix_json(cJSON *o, const char *key, const struct prefix *p)
{
	char	 s[PREFIX_STRLEN];

	host_format(p, s, sizeof(s));
	cJSON_AddStringToObject(o, key, s);
}

static cJSON *
quar_entry_json(const struct quar_entry *e, int64_t now)
{
	cJSON	*o = cJSON_CreateObject();

	if (o == NULL)
		return NULL;
	add_prefix_json(o, "host", &e->pfx);
	json_add_ts(o, "since", e->since * 1000000);
	json_add_ts(o, "until", e->until * 1000000);
	json_add_u64(o, "seconds_left", (uint64_t)(e->until > now ?
	    e->until - now : 0));
	cJSON_AddStringToObject(o, "reason", e->reason);
	cJSON_AddStringToObject(o, "who", e->who);
	return o;
}

static void
reload_json(cJSON *o, const struct reload_result *r)
{
	cJSON	*x = cJSON_AddObjectToObject(o, "reload"), *t;

	json_add_ts(x, "timestamp", r->ts_us);
	cJSON_AddStringToObject(x, "source", r->source);
	cJSON_AddStringToObject(x, "status", r->ok ? "ok" : "failed");
	if (!r->ok)
		cJSON_AddStringToObject(x, "error", r->error);
	json_add_u64(x, "exceptions", r->entries);
	if (r->ok) {
		json_add_u64(x, "added", r->added);
		json_add_u64(x, "removed", r->removed);
		json_add_u64(x, "changed", r->changed);
	}
	json_add_u64(x, "quarantines", r->quarantines);
	cJSON_AddStringToObject(x, "exceptions_sha256", r->exc_sha256);
	if (!r->ok)
		return;
	t = cJSON_AddObjectToObject(x, "ms");
	cJSON_AddNumberToObject(t, "load", (double)(int64_t)(r->load_ms *
	    100) / 100);
	cJSON_AddNumberToObject(t, "diff", (double)(int64_t)(r->diff_ms *
	    100) / 100);
	cJSON_AddNumberToObject(t, "swap", (double)(int64_t)(r->swap_ms *
	    100) / 100);
	cJSON_AddNumberToObject(t, "ipset", (double)(int64_t)(r->ipset_ms *
	    100) / 100);
	cJSON_AddStringToObject(x, "degraded_sets", r->ipset_error[0] ?
	    r->ipset_error : "ok");
}

static int
ctl_status(struct live *l, cJSON *o)
{
	struct policy		*pol = atomic_load(&live_policy);
	const struct quar_list	*q = policy_quar(pol);
	struct event		 ev;
	struct stats		 st_sum;
	cJSON			*x, *parsed, *st;
	char			*buf;
	int64_t			 now = clock_real_us(), s = now / 1000000;
	size_t			 i, active = 0, inq = 0;
	int			 n;

	cJSON_AddStringToObject(o, "version", NFQD_VERSION);
	cJSON_AddStringToObject(o, "host", event_host());
	json_add_u64(o, "pid", (uint64_t)getpid());
	json_add_ts(o, "started", l->start_us);
	json_add_u64(o, "uptime", (uint64_t)((now - l->start_us) / 1000000));
	cJSON_AddStringToObject(o, "config", l->conf_path);
	cJSON_AddStringToObject(o, "mode", pol->conf.mode == MODE_MONITOR ?
	    "monitor" : "enforce");
	x = cJSON_AddObjectToObject(o, "queues");
	json_add_u64(x, "first", pol->conf.queue_first);
	json_add_u64(x, "count", pol->conf.queue_count);
	for (i = 0; i < pol->exc.n; i++)
		active += pol->exc.v[i].expires_at == 0 ||
		    s < pol->exc.v[i].expires_at;
	x = cJSON_AddObjectToObject(o, "exceptions");
	cJSON_AddStringToObject(x, "file", pol->conf.exceptions);
	/* symlinks resolved: nfqctl checks it runs the file it edited */
	cJSON_AddStringToObject(x, "path", pol->conf.exceptions_real);
	json_add_u64(x, "entries", pol->exc.n);
	json_add_u64(x, "active", active);
	/* 1 at start, one more per reload that took: a refused one keeps it */
	json_add_u64(x, "generation", l->exc_gen);
	cJSON_AddStringToObject(x, "sha256", pol->exc_sha256);
	for (i = 0; i < q->n; i++)
		inq += q->v[i].since <= s && s < q->v[i].until;
	json_add_u64(o, "quarantines", inq);
	if (l->last.done)
		reload_json(o, &l->last);
	else
		cJSON_AddNullToObject(o, "reload");
	/* The counters as the nfqd_stats event has them. */
	memset(&st_sum, 0, sizeof(st_sum));
	live_stats(l, &st_sum);
	event_stats_make(&ev, EV_NFQD_STATS, now, &st_sum);
	if ((buf = malloc(65536)) == NULL)
		return 0;
	n = event_format(&ev, buf, 65536);
	if (n > 0 && (parsed = cJSON_Parse(buf)) != NULL) {
		if ((st = cJSON_DetachItemFromObject(parsed, "nfqd_stats")) !=
		    NULL)
			cJSON_AddItemToObject(o, "stats", st);
		cJSON_Delete(parsed);
	}
	free(buf);
	return 0;
}

static int
ctl_flows(struct live *l, const struct ctl_req *r, cJSON *o, char *err,
    size_t errlen)
{
	struct dumpctl		*d = &l->dump;
	struct flow_info	*v;
	struct timespec		 dl;
	cJSON			*arr, *f, *late;
	char			 a[ADDR_STRLEN];
	uint64_t		 seq;
	unsigned		 i;
	int64_t			 now = clock_real_us();

	if ((v = calloc(r->limit, sizeof(*v))) == NULL) {
		snprintf(err, errlen, "out of memory (limit %u)", r->limit);
		return -1;
	}
	pthread_mutex_lock(&d->lock);
	seq = ++d->seq;
	d->open = true;
	d->pending = l->nw + (l->fp != NULL);
	d->has_host = r->has_host;
	d->host = r->host;
	d->max = r->limit;
	d->v = v;
	d->n = 0;
	d->matched = 0;
	for (i = 0; i < l->nw; i++)
		atomic_store(&l->w[i].dumper.want, seq);
	if (l->fp != NULL)
		atomic_store(&l->fpdump.want, seq);
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += DUMP_WAIT_MS / 1000;
	while (d->pending > 0)
		if (pthread_cond_timedwait(&d->cond, &d->lock, &dl) != 0)
			break;
	d->open = false;		/* late answers are not wanted */
	late = NULL;
	if (d->pending > 0) {
		late = cJSON_CreateArray();
		for (i = 0; i < l->nw; i++)
			if (atomic_load(&l->w[i].dumper.done) != seq)
				cJSON_AddItemToArray(late, cJSON_CreateNumber(
				    l->queue_first + i));
		if (l->fp != NULL && atomic_load(&l->fpdump.done) != seq)
			cJSON_AddItemToArray(late,
			    cJSON_CreateString("fastpath"));
	}
	pthread_mutex_unlock(&d->lock);

	if (r->has_host)
		add_prefix_json(o, "host", &r->host);
	json_add_ts(o, "timestamp", now);
	json_add_u64(o, "matched", d->matched);
	json_add_u64(o, "shown", d->n);
	json_add_u64(o, "omitted", d->matched - d->n);
	if (late != NULL)
		cJSON_AddItemToObject(o, "queues_not_answering", late);
	arr = cJSON_AddArrayToObject(o, "flows");
	for (i = 0; arr != NULL && i < d->n; i++) {
		const struct flow_info *fi = &v[i];

		if ((f = cJSON_CreateObject()) == NULL)
			break;
		cJSON_AddItemToArray(arr, f);
		json_add_u64(f, "flow_id", fi->id);
		addr_format(&fi->src, a, sizeof(a));
		cJSON_AddStringToObject(f, "src_ip", a);
		json_add_u64(f, "src_port", fi->sport);
		addr_format(&fi->dst, a, sizeof(a));
		cJSON_AddStringToObject(f, "dest_ip", a);
		json_add_u64(f, "dest_port", fi->dport);
		if (fi->app_proto[0])
			cJSON_AddStringToObject(f, "app_proto", fi->app_proto);
		cJSON_AddStringToObject(f, "action", action_name(fi->action));
		cJSON_AddStringToObject(f, "direction",
		    direction_name(fi->direction));
		cJSON_AddStringToObject(f, "state", flow_state_name(fi->state));
		json_add_ts(f, "start", fi->first_us);
		json_add_ts(f, "last", fi->last_us);
		json_add_u64(f, "pkts_toserver", fi->pkts[0]);
		json_add_u64(f, "pkts_toclient", fi->pkts[1]);
		json_add_u64(f, "bytes_toserver", fi->bytes[0]);
		json_add_u64(f, "bytes_toclient", fi->bytes[1]);
		if (fi->queue == FLOW_KERNEL)	/* SYNs dropped in the kernel */
			cJSON_AddStringToObject(f, "path", "kernel");
		else
			json_add_u64(f, "queue", l->queue_first + fi->queue);
	}
	pthread_mutex_lock(&d->lock);
	d->v = NULL;
	pthread_mutex_unlock(&d->lock);
	free(v);
	return 0;
}

/*
 * What is in force: the running list's active entries (all of them, or
 * those containing HOST, most specific first), the quarantines.
 */
static int
ctl_exceptions(struct live *l, const struct ctl_req *r, cJSON *o)
{
	struct policy		*pol = atomic_load(&live_policy);
	const struct quar_list	*q = policy_quar(pol);
	const struct exc_entry	*e;
	int64_t			 now = clock_real_us() / 1000000;
	uint32_t		 idx[129];
	size_t			 i, n, shown = 0, active = 0, expired = 0;
	cJSON			*arr, *qa;

	(void)l;
	cJSON_AddStringToObject(o, "file", pol->conf.exceptions);
	json_add_ts(o, "timestamp", now * 1000000);
	if (r->has_host)
		add_prefix_json(o, "host", &r->host);
	n = r->has_host ? (size_t)lpm_lookup(&pol->exc.lpm, &r->host.addr,
	    idx, 129) : pol->exc.n;
	arr = cJSON_CreateArray();
	for (i = 0; arr != NULL && i < n; i++) {
		e = &pol->exc.v[r->has_host ? idx[i] : i];
		if (r->has_host && e->pfx.len < r->host.len &&
		    !prefix_contains(&e->pfx, &r->host.addr))
			continue;
		if (e->expires_at != 0 && now >= e->expires_at) {
			expired++;
			continue;
		}
		active++;
		if (shown < r->limit) {
			cJSON_AddItemToArray(arr, exc_json(e, now));
			shown++;
		}
	}
	json_add_u64(o, "entries", pol->exc.n);
	json_add_u64(o, "active", active);
	json_add_u64(o, "expired", expired);
	json_add_u64(o, "shown", shown);
	json_add_u64(o, "omitted", active - shown);
	cJSON_AddItemToObject(o, "exceptions", arr);
	qa = cJSON_AddArrayToObject(o, "quarantines");
	for (i = 0; qa != NULL && i < q->n; i++)
		if (q->v[i].since <= now && now < q->v[i].until &&
		    (!r->has_host || prefix_contains(&q->v[i].pfx,
		    &r->host.addr) || prefix_contains(&r->host,
		    &q->v[i].pfx.addr)))
			cJSON_AddItemToArray(qa, quar_entry_json(&q->v[i],
			    now));
	return 0;
}

static int
ctl_quarantine(struct live *l, const struct ctl_req *r,
    const struct ctl_peer *peer, cJSON *o, char *err, size_t errlen)
{
	struct policy		*pol = atomic_load(&live_policy);
	const struct quar_list	*q;
	struct quar_entry	 e;
	int64_t			 now = clock_real_us() / 1000000;
	const char		*who;
	cJSON			*arr;

	/* The client's word for who it is counts from root (sudo) only. */
	who = peer->uid == 0 && r->who[0] ? r->who : peer->name;
	switch (r->cmd) {
	case CTL_QUAR_LIST:
		q = policy_quar(pol);
		arr = cJSON_AddArrayToObject(o, "quarantines");
		for (size_t i = 0; arr != NULL && i < q->n; i++)
			if (now < q->v[i].until)
				cJSON_AddItemToArray(arr,
				    quar_entry_json(&q->v[i], now));
		return 0;
	case CTL_QUAR_ADD:
		memset(&e, 0, sizeof(e));
		e.pfx = r->host;
		e.since = now;
		e.until = now + r->secs;
		snprintf(e.reason, sizeof(e.reason), "%s", r->reason);
		snprintf(e.who, sizeof(e.who), "%s", who);
		if (quar_add(pol->conf.state_dir, &e, err, errlen) == -1)
			return -1;
		cJSON_AddStringToObject(o, "op", "add");
		break;
	case CTL_QUAR_REMOVE:
		if (quar_remove(pol->conf.state_dir, &r->host, now, who, &e,
		    err, errlen) == -1)
			return -1;
		e.until = now;
		cJSON_AddStringToObject(o, "op", "remove");
		cJSON_AddStringToObject(o, "removed_by", who);
		break;
	default:
		snprintf(err, errlen, "internal error");
		return -1;
	}
	cJSON_AddItemToObject(o, "quarantine", quar_entry_json(&e, now));
	if (live_quar_apply(l, now, err, errlen) == -1) {
		/* Recorded in the file; the next reload or tick applies it. */
		return -1;
	}
	return 0;
}

/* excedit's notes and warnings: the daemon's log. */
static void
live_edit_msg(void *arg, int level, const char *text)
{
	(void)arg;
	if (level == EXCEDIT_INFO)
		log_info("exception edit: %s", text);
	else
		log_warnx("exception edit: %s", text);
}

/*
 * exception add/remove through the socket (nfqctl --socket): the same
 * edit nfqctl makes on a local file, by excedit.c (locked, checked,
 * audited, written whole and renamed), on this daemon's own list, then
 * a reload.  So one command can put the same edit in force on several
 * routers, each answering with its list's hash.  reload_lock is held.
 */
static int
ctl_exc_edit(struct live *l, const struct ctl_req *r,
    const struct ctl_peer *peer, cJSON *o, char *err, size_t errlen)
{
	const struct policy	*pol = atomic_load(&live_policy);
	const struct ctl_edit	*e = &r->edit;
	struct excedit_opts	 eo;
	struct excedit_req	 er;
	struct excedit		*x;
	struct reload_result	 res;
	char			 who[QUAR_WHOLEN * 2 + 64], audit[MAX_PATH + 8];

	memset(&eo, 0, sizeof(eo));
	eo.path = pol->conf.exceptions;
	eo.conf = &pol->conf;
	eo.now = clock_real_us() / 1000000;
	eo.lock = true;
	eo.msg = live_edit_msg;
	/* who the socket says (a person behind nfqctl), and who asked */
	snprintf(who, sizeof(who), "%s%s%s (control socket, uid %u)",
	    peer->uid == 0 ? r->who : "", peer->uid == 0 && r->who[0] ?
	    " via " : "", peer->name, (unsigned)peer->uid);
	eo.who = who;
	if (pol->conf.audit_log[0] != '\0')
		eo.audit = pol->conf.audit_log;
	else {
		snprintf(audit, sizeof(audit), "%s.audit",
		    pol->conf.exceptions);
		eo.audit = audit;
	}
	if ((x = excedit_open(&eo, err, errlen)) == NULL)
		return -1;
	if (r->cmd == CTL_EXC_ADD) {
		memset(&er, 0, sizeof(er));
		er.address = e->address;
		er.direction = e->direction;
		er.ticket = e->ticket;
		er.owner = e->owner;
		er.expires = e->expires[0] ? e->expires : NULL;
		er.comment = e->comment[0] ? e->comment : NULL;
		if (excedit_add(x, &er, err, errlen) == -1)
			goto refused;
	} else if (excedit_remove(x, e->address, e->ticket[0] ? e->ticket :
	    NULL, err, errlen) == -1)
		goto refused;
	if (excedit_commit(x, err, errlen) == -1)
		goto refused;
	excedit_close(x);
	log_info("exception %s %s by %s", r->cmd == CTL_EXC_ADD ? "add" :
	    "remove", e->address, who);
	live_reload(l, "socket", &res);
	reload_json(o, &res);
	if (!res.ok) {
		snprintf(err, errlen, "edited, but the reload was refused: %s",
		    res.error);
		return -1;
	}
	return 0;
refused:
	excedit_close(x);
	return -1;
}

int
live_ctl(void *arg, const struct ctl_req *r, const struct ctl_peer *peer,
    cJSON *o, char *err, size_t errlen)
{
	struct live		*l = arg;
	struct reload_result	 res;
	int			 rc = 0;

	if (r->cmd == CTL_FLOWS)	/* no policy read: no lock */
		return ctl_flows(l, r, o, err, errlen);
	pthread_mutex_lock(&l->reload_lock);
	switch (r->cmd) {
	case CTL_STATUS:
		rc = ctl_status(l, o);
		break;
	case CTL_RELOAD:
		log_info("reload asked by %s (uid %u, pid %d)", peer->name,
		    (unsigned)peer->uid, (int)peer->pid);
		live_reload(l, "socket", &res);
		reload_json(o, &res);
		if (!res.ok) {
			snprintf(err, errlen, "%s", res.error);
			rc = -1;
		}
		break;
	case CTL_EXCEPTIONS:
		rc = ctl_exceptions(l, r, o);
		break;
	case CTL_EXC_ADD:
	case CTL_EXC_REMOVE:
		rc = ctl_exc_edit(l, r, peer, o, err, errlen);
		break;
	case CTL_CENSUS:
		if (l->census == NULL) {
			snprintf(err, errlen, "no census (census-hosts = 0)");
			rc = -1;
			break;
		}
		rc = census_report(l->census, atomic_load(&live_policy),
		    r->days, CENSUS_UNUSED_DAYS, clock_real_us() / 1000000, o,
		    err, errlen);
		break;
	default:
		rc = ctl_quarantine(l, r, peer, o, err, errlen);
	}
	pthread_mutex_unlock(&l->reload_lock);
	return rc;
}
