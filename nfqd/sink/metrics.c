/*
 * nfqd's metrics: the stats event's counters (and what a NOC asks of a
 * daemon beside them: reloads, the list in force, quarantines) in
 * Prometheus' text format, as a node_exporter textfile.  live_stats.c
 * takes one snapshot at each stats interval, makes the stats event from it
 * and hands it here; the file is written after the daemon's lock is
 * released, and a write that fails is logged (rate-limited) and tried
 * again at the next interval: the metrics never hold up enforcement.
 *
 * Per-engine counters carry a `queue` label: the NFQUEUE number of a
 * worker, or "kernel" for the fast path's engine, in exactly the families
 * the stats event sums it into (fastpath_stats), so that sum() over the
 * label is the stats event's figure (docs/metrics.md has the table).
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sink/metrics.h"
#include "base/clock.h"
#include "base/defs.h"
#include "base/log.h"
#include "base/prom.h"
#include "policy/conf.h"
#include "policy/policy.h"
#include "event/event.h"
#include "engine/engine.h"
#include "sink/sink.h"

/* A column of struct stats, as a label value (or the family's value). */
struct qcol {
	const char	*value;		/* the label's value; NULL: no label */
	size_t		 off;		/* offsetof(struct stats, ...) */
};

/* A family of per-engine counters. */
struct qfam {
	const char	*name;
	const char	*help;
	bool		 kernel;	/* the fast path's engine too */
	const char	*label;		/* the second label, or NULL */
	struct qcol	 col[4];
};

#define S(x)	offsetof(struct stats, x)

static const struct qfam qfams[] = {
	{ "nfqd_packets_total", "Packets handed to nfqd: queued by the "
	    "kernel, or rebuilt from the fast path's drop records "
	    "(stats.decoder.pkts).", true, NULL, { { NULL, S(pkts) } } },
	{ "nfqd_bytes_total", "Bytes of those packets, IP header included "
	    "(stats.decoder.bytes).", true, NULL, { { NULL, S(bytes) } } },
	{ "nfqd_ip_packets_total", "Packets with a readable IPv4 or IPv6 "
	    "header (stats.decoder.ipv4, .ipv6).", true, "family",
	    { { "ipv4", S(ipv4) }, { "ipv6", S(ipv6) } } },
	{ "nfqd_vlan_packets_total", "Frames with at least one VLAN tag "
	    "(stats.decoder.vlan).", true, NULL, { { NULL, S(vlan) } } },
	{ "nfqd_undecoded_packets_total", "Packets accepted without a "
	    "decision because nfqd could not read a TCP header from them "
	    "(stats.decoder.invalid, .fragments, .not_ip, .not_tcp).", false,
	    "kind", { { "invalid", S(invalid) }, { "fragment", S(fragments) },
	    { "not_ip", S(not_ip) }, { "not_tcp", S(not_tcp) } } },
	{ "nfqd_other_port_packets_total", "TCP packets with no SMTP port at "
	    "either end, accepted without a decision "
	    "(stats.policy.other_port).", false, NULL,
	    { { NULL, S(other_port) } } },
	{ "nfqd_summarized_connections_total", "Blocked connections folded "
	    "into policy_summary events instead of their own policy event "
	    "(stats.policy.summarized).", true, NULL,
	    { { NULL, S(summarized) } } },
	{ "nfqd_unparsed_packets_total", "Packets on an SMTP port nfqd could "
	    "not read, refused (stats.policy.unparsed_dropped).", false, NULL,
	    { { NULL, S(unparsed_dropped) } } },
	{ "nfqd_spoofed_packets_total", "Packets refused for a source address "
	    "from the wrong side of the border (stats.policy.spoofed).", false,
	    NULL, { { NULL, S(spoofed) } } },
	{ "nfqd_role_conflicts_total", "Connections a packet contradicted "
	    "the roles of (stats.policy.role_conflicts).", false, NULL,
	    { { NULL, S(role_conflicts) } } },
	{ "nfqd_verdicts_total", "Packets given an accept or a drop verdict "
	    "(stats.policy.pkts_accepted, .pkts_dropped).", true, "verdict",
	    { { "accept", S(pkts_accepted) }, { "drop", S(pkts_dropped) } } },
	{ "nfqd_flows_created_total", "Connections entered into the table "
	    "(stats.flow.created).", true, NULL,
	    { { NULL, S(flows_created) } } },
	{ "nfqd_flows_ended_total", "Connections forgotten: closed (fin, rst, "
	    "reuse), timeout, evicted (stats.flow.closed, .timeout, "
	    ".evicted).", true, "end", { { "closed", S(flows_closed) },
	    { "timeout", S(flows_timeout) },
	    { "evicted", S(flows_evicted) } } },
	{ "nfqd_flows_untracked_total", "Connections decided without a table "
	    "entry: the table was full (stats.flow.untracked).", true, NULL,
	    { { NULL, S(flows_untracked) } } },
	{ "nfqd_flows_resumed_total", "Packets of connections an earlier nfqd "
	    "allowed, bypassed after a restart (stats.flow.resumed).", false,
	    NULL, { { NULL, S(flows_resumed) } } },
	{ "nfqd_flows_reused_total", "SYNs that opened a new connection on a "
	    "tuple still tracked (stats.flow.reused).", false, NULL,
	    { { NULL, S(reopened) } } },
	{ "nfqd_events_total", "policy and flow events the engines produced "
	    "(stats.events.written).", true, NULL, { { NULL, S(events) } } },
};

/* Decisions shown from the start, so that rate() sees them from zero. */
static const uint8_t dec_always[][3] = {
	{ D_INBOUND, A_ALLOWED, R_EXCEPTION },
	{ D_OUTBOUND, A_ALLOWED, R_EXCEPTION },
	{ D_INBOUND, A_BLOCKED, R_NO_EXCEPTION },
	{ D_OUTBOUND, A_BLOCKED, R_NO_EXCEPTION },
};

static uint64_t
col(const struct stats *s, size_t off)
{
	uint64_t	 v;

	memcpy(&v, (const char *)s + off, sizeof(v));
	return v;
}

static void
queue_name(const struct metrics_part *p, char *out, size_t len)
{
	if (p->queue == METRICS_KERNEL)
		snprintf(out, len, "kernel");
	else
		snprintf(out, len, "%d", (int)p->queue);
}

static void
format_decisions(struct prom *pr, const struct metrics_snap *s)
{
	const struct metrics_part	*p;
	char				 q[16];
	const char			*r;
	size_t				 i, k;
	unsigned			 d, a, n;
	uint64_t			 v;
	bool				 show;

	prom_family(pr, "nfqd_decisions_total", PROM_COUNTER, "Connections "
	    "decided, by direction, action and reason as in policy events "
	    "(stats.policy.allowed, .blocked); reason unrecorded: SYNs the "
	    "fast path dropped that its ring buffer had no room to record.");
	for (i = 0; i < s->nparts; i++) {
		p = &s->parts[i];
		queue_name(p, q, sizeof(q));
		for (d = 0; d < 4; d++)
			for (a = 0; a < 2; a++)
				for (n = 0; n <= R_COUNT; n++) {
					v = p->dec.n[d][a][n];
					show = v > 0;
					for (k = 0; k < 4 && !show; k++)
						show = dec_always[k][0] == d &&
						    dec_always[k][1] == a &&
						    dec_always[k][2] == n;
					if (!show)
						continue;
					r = n == DEC_UNRECORDED ?
					    "unrecorded" : reason_name(n);
					prom_u64(pr, v, "queue", q, "direction",
					    direction_name(d), "action",
					    action_name(a), "reason", r, NULL);
				}
	}
}

static void
format_queues(struct prom *pr, const struct metrics_snap *s)
{
	const struct metrics_part	*p;
	const struct qfam		*f;
	char				 q[16];
	size_t				 i, j, k;
	uint64_t			 v;

	for (j = 0; j < sizeof(qfams) / sizeof(qfams[0]); j++) {
		f = &qfams[j];
		prom_family(pr, f->name, PROM_COUNTER, f->help);
		for (i = 0; i < s->nparts; i++) {
			p = &s->parts[i];
			if (p->queue == METRICS_KERNEL && !f->kernel)
				continue;
			queue_name(p, q, sizeof(q));
			for (k = 0; k < 4 && (k == 0 || f->col[k].value); k++) {
				v = col(&p->st, f->col[k].off);
				if (f->label == NULL)
					prom_u64(pr, v, "queue", q, NULL);
				else
					prom_u64(pr, v, "queue", q, f->label,
					    f->col[k].value, NULL);
			}
		}
	}
	format_decisions(pr, s);

	prom_family(pr, "nfqd_flows_active", PROM_GAUGE, "Connections being "
	    "tracked (stats.flow.active).");
	for (i = 0; i < s->nparts; i++) {
		p = &s->parts[i];
		queue_name(p, q, sizeof(q));
		prom_u64(pr, p->st.flows_created - p->st.flows_closed -
		    p->st.flows_timeout - p->st.flows_evicted, "queue", q,
		    NULL);
	}
	prom_family(pr, "nfqd_events_dropped_total", PROM_COUNTER, "Events "
	    "lost to a full event queue: a worker's, the fast path's, or "
	    "main for stats and reload events (stats.events.dropped).");
	for (i = 0; i < s->nparts; i++) {
		queue_name(&s->parts[i], q, sizeof(q));
		prom_u64(pr, s->parts[i].ev_dropped, "queue", q, NULL);
	}
	prom_u64(pr, s->main_dropped, "queue", "main", NULL);

	prom_family(pr, "nfqd_nfqueue_dropped_packets_total", PROM_COUNTER,
	    "The kernel's count of packets it could not queue: the queue was "
	    "full, queue-maxlen (stats.nfq.queue_dropped).");
	for (i = 0; i < s->nparts; i++) {
		if ((p = &s->parts[i])->queue == METRICS_KERNEL)
			continue;
		queue_name(p, q, sizeof(q));
		prom_u64(pr, p->queue_dropped, "queue", q, NULL);
	}
	prom_family(pr, "nfqd_nfqueue_user_dropped_packets_total",
	    PROM_COUNTER, "The kernel's count of packets it could not deliver "
	    "to nfqd's netlink socket (stats.nfq.user_dropped).");
	for (i = 0; i < s->nparts; i++) {
		if ((p = &s->parts[i])->queue == METRICS_KERNEL)
			continue;
		queue_name(p, q, sizeof(q));
		prom_u64(pr, p->user_dropped, "queue", q, NULL);
	}
}

static void
format_fastpath(struct prom *pr, const struct stats *s)
{
	static const struct {
		const char	*name, *help;
		size_t		 off;
	} fp[] = {
		{ "nfqd_fastpath_syns_total", "SYNs to an SMTP port the kernel "
		    "program decided (stats.fastpath.syn).", S(fp_syn) },
		{ "nfqd_fastpath_dropped_syns_total", "Of them, dropped in the "
		    "kernel (stats.fastpath.dropped).", S(fp_dropped) },
		{ "nfqd_fastpath_lost_records_total", "Dropped SYNs the ring "
		    "buffer to nfqd had no room for (stats.fastpath.lost).",
		    S(fp_lost) },
		{ "nfqd_fastpath_deferred_syns_total", "SYNs left to the queue: "
		    "an entry of the maps at its end (stats.fastpath.deferred).",
		    S(fp_deferred) },
		{ "nfqd_fastpath_unparsed_packets_total", "Packets left to the "
		    "queue unread (stats.fastpath.unparsed).", S(fp_unparsed) },
		{ "nfqd_fastpath_relay_syns_total", "Blocked SYNs left to the "
		    "queue for the relay detector (stats.fastpath.relay).",
		    S(fp_relay) },
		{ "nfqd_fastpath_spoofed_syns_total", "SYNs from the wrong side "
		    "of the border, left to the queue (stats.fastpath.spoofed).",
		    S(fp_spoofed) },
		{ "nfqd_fastpath_disagreements_total", "SYNs the kernel dropped "
		    "that the running policy allows (stats.fastpath.disagree).",
		    S(fp_disagree) },
	};

	if (s->fp_mode == FASTPATH_OFF)
		return;
	prom_family(pr, "nfqd_fastpath_info", PROM_GAUGE, "The eBPF fast path "
	    "is loaded, in this mode: tc or xdp (stats.fastpath.mode).");
	prom_u64(pr, 1, "mode", s->fp_mode == FASTPATH_XDP ? "xdp" : "tc",
	    NULL);
	for (size_t i = 0; i < sizeof(fp) / sizeof(fp[0]); i++) {
		prom_family(pr, fp[i].name, PROM_COUNTER, fp[i].help);
		prom_u64(pr, col(s, fp[i].off), NULL);
	}
}

static void
format_sinks(struct prom *pr, const struct metrics_snap *s)
{
	static const struct {
		const char	*name, *help;
		enum prom_type	 type;
		size_t		 off;
	} sk[] = {
		{ "nfqd_sink_written_events_total", "Events delivered to the "
		    "sink (stats.sinks.written).", PROM_COUNTER,
		    offsetof(struct sink_stat, written) },
		{ "nfqd_sink_dropped_events_total", "Events its full queue "
		    "dropped (stats.sinks.dropped).", PROM_COUNTER,
		    offsetof(struct sink_stat, dropped) },
		{ "nfqd_sink_failed_events_total", "Events lost to a failed "
		    "write or send (stats.sinks.failed).", PROM_COUNTER,
		    offsetof(struct sink_stat, failed) },
		{ "nfqd_sink_queued_events", "Events waiting in its queue now "
		    "(stats.sinks.queued).", PROM_GAUGE,
		    offsetof(struct sink_stat, queued) },
		{ "nfqd_sink_reconnects_total", "Connections made again after "
		    "the collector went away (stats.sinks.reconnects).",
		    PROM_COUNTER, offsetof(struct sink_stat, reconnects) },
	};
	const struct sink_stat	*k;
	uint64_t		 v;
	size_t			 i, j;

	prom_family(pr, "nfqd_sink_up", PROM_GAUGE, "1 when the sink's "
	    "collector is reachable (files: the last write worked) "
	    "(stats.sinks.connected).");
	for (i = 0; i < s->nsinks; i++) {
		k = &s->sinks[i];
		prom_u64(pr, k->connected, "sink", k->name, "type", k->type,
		    NULL);
	}
	for (j = 0; j < sizeof(sk) / sizeof(sk[0]); j++) {
		prom_family(pr, sk[j].name, sk[j].type, sk[j].help);
		for (i = 0; i < s->nsinks; i++) {
			k = &s->sinks[i];
			memcpy(&v, (const char *)k + sk[j].off, sizeof(v));
			prom_u64(pr, v, "sink", k->name, "type", k->type,
			    NULL);
		}
	}
}

static void
format_daemon(struct prom *pr, const struct metrics_snap *s)
{
	const struct metrics_state	*m = s->state;
	static const char *const	 src[2] = { "SIGHUP", "socket" };

	prom_family(pr, "nfqd_info", PROM_GAUGE, "nfqd's version and mode "
	    "(enforce, or monitor: nothing blocked); always 1.");
	prom_u64(pr, 1, "version", NFQD_VERSION, "mode",
	    s->mode == MODE_MONITOR ? "monitor" : "enforce", NULL);
	prom_family(pr, "nfqd_running", PROM_GAUGE, "1 while nfqd runs; 0 in "
	    "the file it writes as it stops.");
	prom_u64(pr, s->running, NULL);
	prom_family(pr, "nfqd_start_time_seconds", PROM_GAUGE, "When nfqd "
	    "started, Unix time (stats.uptime is the snapshot's time minus "
	    "this).");
	prom_us(pr, s->sum->start_us, NULL);
	prom_family(pr, "nfqd_snapshot_timestamp_seconds", PROM_GAUGE, "When "
	    "the counters were read: the timestamp of the stats event made "
	    "from the same snapshot.");
	prom_us(pr, s->ts_us, NULL);
	prom_family(pr, "nfqd_exceptions", PROM_GAUGE, "Entries of the "
	    "exception list in force, expired ones included.");
	prom_u64(pr, s->exceptions, NULL);
	prom_family(pr, "nfqd_exceptions_info", PROM_GAUGE, "The SHA-256 of "
	    "the exception list in force, of its canonical form "
	    "(stats.exceptions_sha256); always 1.");
	prom_u64(pr, 1, "sha256", s->sum->exc_sha256, NULL);
	prom_family(pr, "nfqd_quarantined_hosts", PROM_GAUGE, "Hosts and "
	    "prefixes in quarantine now.");
	prom_u64(pr, s->quarantined, NULL);
	prom_family(pr, "nfqd_quarantines_started_total", PROM_COUNTER,
	    "Quarantines that started (quarantine events, action start).");
	prom_u64(pr, m->quar_started, NULL);
	prom_family(pr, "nfqd_quarantines_ended_total", PROM_COUNTER,
	    "Quarantines that ended (quarantine events, action end).");
	prom_u64(pr, m->quar_ended, NULL);
	prom_family(pr, "nfqd_reloads_total", PROM_COUNTER, "Reloads of "
	    "nfqd.conf and the exception list, by what asked (SIGHUP, or "
	    "socket: nfqctl) and result (reload events).");
	for (int i = 0; i < 2; i++) {
		prom_u64(pr, m->reloads[i][1], "source", src[i], "result", "ok",
		    NULL);
		prom_u64(pr, m->reloads[i][0], "source", src[i], "result",
		    "failed", NULL);
	}
	prom_family(pr, "nfqd_last_reload_success", PROM_GAUGE, "1 when the "
	    "last reload (or the start) loaded the files; 0: the running "
	    "policy is older than the files.");
	prom_u64(pr, m->reload_ok, NULL);
	prom_family(pr, "nfqd_last_reload_timestamp_seconds", PROM_GAUGE,
	    "When the last reload was tried, or nfqd started, Unix time.");
	prom_us(pr, m->reload_us, NULL);
}

/* The whole text for one snapshot; -1 with prom_error on a bug. */
int
metrics_format(struct prom *pr, const struct metrics_snap *s)
{
	prom_reset(pr);
	format_daemon(pr, s);
	format_queues(pr, s);
	format_fastpath(pr, s->sum);
	format_sinks(pr, s);
	return prom_error(pr) != NULL ? -1 : 0;
}

/* nfqd-collect's metrics: its stats line (SIGUSR1, exit), figure for figure. */
int
metrics_collect_format(struct prom *pr, const struct metrics_collect *c)
{
	prom_reset(pr);
	prom_family(pr, "nfqd_collect_info", PROM_GAUGE, "nfqd-collect's "
	    "version; always 1.");
	prom_u64(pr, 1, "version", NFQD_VERSION, NULL);
	prom_family(pr, "nfqd_collect_running", PROM_GAUGE, "1 while "
	    "nfqd-collect runs; 0 in the file it writes as it stops.");
	prom_u64(pr, c->running, NULL);
	prom_family(pr, "nfqd_collect_start_time_seconds", PROM_GAUGE, "When "
	    "nfqd-collect started, Unix time.");
	prom_us(pr, c->start_us, NULL);
	prom_family(pr, "nfqd_collect_snapshot_timestamp_seconds", PROM_GAUGE,
	    "When the counters were read, Unix time.");
	prom_us(pr, c->ts_us, NULL);
	prom_family(pr, "nfqd_collect_lines_total", PROM_COUNTER, "Complete "
	    "lines and datagrams received (lines).");
	prom_u64(pr, c->lines, NULL);
	prom_family(pr, "nfqd_collect_written_lines_total", PROM_COUNTER,
	    "Lines that were nfqd events, appended to their sender's daily "
	    "file (written).");
	prom_u64(pr, c->written, NULL);
	prom_family(pr, "nfqd_collect_rejected_lines_total", PROM_COUNTER,
	    "Lines not stored: not an nfqd event (invalid, among lines), too "
	    "long, or cut by a close (too_long, cut: not among lines).");
	prom_u64(pr, c->invalid, "reason", "invalid", NULL);
	prom_u64(pr, c->too_long, "reason", "too_long", NULL);
	prom_u64(pr, c->partial, "reason", "cut", NULL);
	prom_family(pr, "nfqd_collect_lost_lines_total", PROM_COUNTER,
	    "Lines lost to write errors, a full disk (lost to write errors).");
	prom_u64(pr, c->write_failed, NULL);
	prom_family(pr, "nfqd_collect_clients_total", PROM_COUNTER, "Stream "
	    "connections accepted (clients).");
	prom_u64(pr, c->clients, NULL);
	prom_family(pr, "nfqd_collect_refused_clients_total", PROM_COUNTER,
	    "Stream connections refused: too many at once (refused: too "
	    "many).");
	prom_u64(pr, c->refused, NULL);
	prom_family(pr, "nfqd_collect_refused_senders_total", PROM_COUNTER,
	    "Connections and datagrams refused: the sender is not in --allow.");
	prom_u64(pr, c->senders_refused, NULL);
	prom_family(pr, "nfqd_collect_clients", PROM_GAUGE, "Stream "
	    "connections open now.");
	prom_u64(pr, c->connected, NULL);
	return prom_error(pr) != NULL ? -1 : 0;
}

/*
 * `metrics` as nfqd -n sees it, for nfqd's user after the drop.  The
 * running daemon does not refuse to start for it: enforcement does not
 * wait for statistics (it logs, and writes once it can).
 */
int
metrics_check(const struct conf *c, char *err, size_t errlen)
{
	char	 msg[ERRLEN];
	bool	 user = c->user[0] != '\0';

	if (c->metrics[0] == '\0')
		return 0;
	if (prom_folder_check(c->metrics, c->user, user ? c->uid :
	    (uint32_t)geteuid(), user ? c->gid : (uint32_t)getegid(), msg,
	    sizeof(msg)) == -1) {
		snprintf(err, errlen, "metrics: %s", msg);
		return -1;
	}
	return 0;
}

/* nfqd-collect's --metrics, for the user it runs as. */
int
metrics_folder_check(const char *path, char *err, size_t errlen)
{
	return prom_folder_check(path, "", (uint32_t)geteuid(), (uint32_t)getegid(),
	    err, errlen);
}

/* ---- the textfile ---- */

struct metrics {
	struct prom	 prom;
	char		 path[MAX_PATH];	/* written at the next flush */
	char		 last[MAX_PATH];	/* written before; "" none */
	bool		 pending;
	uint64_t	 failed;		/* writes failed in a row */
	uint64_t	 unlogged;		/* of them, not logged */
	int64_t		 logged_ms;		/* mono, the last complaint */
};

struct metrics *
metrics_new(void)
{
	struct metrics	*m;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	prom_init(&m->prom);
	return m;
}

void
metrics_free(struct metrics *m)
{
	if (m == NULL)
		return;
	prom_free(&m->prom);
	free(m);
}

void
metrics_update(struct metrics *m, const char *path,
    const struct metrics_snap *s)
{
	if (m == NULL)
		return;
	snprintf(m->path, sizeof(m->path), "%s", path);
	m->pending = false;
	if (path[0] == '\0')
		return;
	if (metrics_format(&m->prom, s) == -1) {
		log_warnx("metrics: %s", prom_error(&m->prom));	/* a bug */
		return;
	}
	m->pending = true;
}

void
metrics_flush(struct metrics *m)
{
	char	 err[ERRLEN];
	int64_t	 now;

	if (m == NULL)
		return;
	/* Turned off, or moved by a reload: the old file would go stale. */
	if (m->last[0] != '\0' && strcmp(m->last, m->path) != 0) {
		if (unlink(m->last) == -1 && errno != ENOENT)
			log_warn("metrics: cannot remove %s", m->last);
		m->last[0] = '\0';
	}
	if (!m->pending)
		return;
	m->pending = false;
	if (prom_write_file(&m->prom, m->path, err, sizeof(err)) == 0) {
		if (m->failed > 0)
			log_info("metrics: %s written again, after %llu failed "
			    "write%s", m->path, (unsigned long long)m->failed,
			    m->failed == 1 ? "" : "s");
		m->failed = m->unlogged = 0;
		snprintf(m->last, sizeof(m->last), "%s", m->path);
		return;
	}
	m->failed++;
	now = clock_mono_ms();
	if (m->failed > 1 && now - m->logged_ms < METRICS_LOG_EVERY_S * 1000) {
		m->unlogged++;
		return;
	}
	if (m->unlogged > 0)
		log_warnx("metrics: %s (and %llu more failed writes; tried "
		    "again each stats-interval)", err,
		    (unsigned long long)m->unlogged);
	else
		log_warnx("metrics: %s (tried again each stats-interval)",
		    err);
	m->unlogged = 0;
	m->logged_ms = now;
}
