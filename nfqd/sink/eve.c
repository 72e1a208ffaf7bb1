/*
 * Events as one JSON object per line in Suricata's EVE format (format 2,
 * docs/events.md): a common header (timestamp, host, flow_id,
 * event_type, src/dest ip and port, proto, community_id, app_proto) then
 * one object named after the event type, and the format version.  Flow,
 * smtp, alert and stats events are written as Suricata writes them, in
 * its words; nfqd's own facts go where Suricata's schema leaves room or
 * into nfqd's own types.  src is the originator.  host is the sensor
 * name, as in Suricata's EVE.
 */
#include <stdio.h>
#include <string.h>

#include "sink/eve.h"
#include "base/addr.h"
#include "base/communityid.h"
#include "base/when.h"
#include "policy/exceptions.h"
#include "policy/quarantine.h"
#include "policy/policy.h"
#include "event/event.h"
#include "engine/flow.h"
#include "engine/detect.h"
#include "engine/respond.h"
#include "engine/dpi.h"
#include "engine/smtp.h"
#include "sink/sink.h"

static char	 ev_host[64];	/* set once, before events are formatted */

/* The sensor name every event carries as "host"; "" leaves it out. */
void
event_set_host(const char *name)
{
	snprintf(ev_host, sizeof(ev_host), "%s", name != NULL ? name : "");
}

const char *
event_host(void)
{
	return ev_host;
}

/*
 * The one JSON writer of every event: straight into the output buffer,
 * no nodes, no allocation (building and printing cJSON nodes was most of
 * the event writer's time, bench/live.sh: 2.2 us of writer CPU per flood
 * SYN).  Strings are escaped as cJSON escapes them (bytes >= 0x80 as they
 * are, then utf8_scrub).
 */
struct jw {
	char	*p, *end;	/* end: the last byte, kept for the NUL */
	bool	 first;		/* no member yet in the open object */
	bool	 full;		/* something did not fit */
};

static void
jw_put(struct jw *w, const char *s, size_t n)
{
	if (w->full || n > (size_t)(w->end - w->p)) {
		w->full = true;
		return;
	}
	memcpy(w->p, s, n);
	w->p += n;
}

static void
jw_char(struct jw *w, char c)
{
	jw_put(w, &c, 1);
}

/* A JSON string as cJSON prints it (bytes >= 0x80 as they are). */
static void
jw_string(struct jw *w, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const char	*run = s;
	char		 e[6];
	unsigned char	 c;

	jw_char(w, '"');
	for (; (c = (unsigned char)*s) != '\0'; s++) {
		if (c >= 32 && c != '"' && c != '\\')
			continue;
		jw_put(w, run, (size_t)(s - run));
		run = s + 1;
		e[0] = '\\';
		switch (c) {
		case '"': case '\\': e[1] = (char)c; break;
		case '\b': e[1] = 'b'; break;
		case '\f': e[1] = 'f'; break;
		case '\n': e[1] = 'n'; break;
		case '\r': e[1] = 'r'; break;
		case '\t': e[1] = 't'; break;
		default:
			memcpy(e + 1, "u00", 3);
			e[4] = hex[c >> 4];
			e[5] = hex[c & 15];
			jw_put(w, e, 6);
			continue;
		}
		jw_put(w, e, 2);
	}
	jw_put(w, run, (size_t)(s - run));
	jw_char(w, '"');
}

static void
jw_key(struct jw *w, const char *k)
{
	if (!w->first)
		jw_char(w, ',');
	w->first = false;
	jw_string(w, k);
	jw_char(w, ':');
}

static void
jw_str(struct jw *w, const char *k, const char *v)
{
	jw_key(w, k);
	jw_string(w, v);
}

static void
jw_u64(struct jw *w, const char *k, uint64_t v)
{
	char	 buf[24], *p = buf + sizeof(buf);

	do
		*--p = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	jw_key(w, k);
	jw_put(w, p, (size_t)(buf + sizeof(buf) - p));
}

static void
jw_ts(struct jw *w, const char *k, int64_t us)
{
	char	 ts[40];

	ts_format(us, ts, sizeof(ts));
	jw_str(w, k, ts);
}

static void
jw_addr(struct jw *w, const char *k, const struct ip_addr *a)
{
	char	 s[ADDR_STRLEN];

	addr_format(a, s, sizeof(s));
	jw_str(w, k, s);
}

static void
jw_open(struct jw *w, const char *k)
{
	jw_key(w, k);
	jw_char(w, '{');
	w->first = true;
}

static void
jw_close(struct jw *w)
{
	jw_char(w, '}');
	w->first = false;
}

static void
jw_bool(struct jw *w, const char *k, bool v)
{
	jw_key(w, k);
	if (v)
		jw_put(w, "true", 4);
	else
		jw_put(w, "false", 5);
}

/* An array: jw_array, then jw_item for each string, then jw_end. */
static void
jw_array(struct jw *w, const char *k)
{
	jw_key(w, k);
	jw_char(w, '[');
	w->first = true;
}

static void
jw_item(struct jw *w, const char *v)
{
	if (!w->first)
		jw_char(w, ',');
	w->first = false;
	jw_string(w, v);
}

static void
jw_end(struct jw *w)
{
	jw_char(w, ']');
	w->first = false;
}

/* k: [v], Suricata's shape for a rule's metadata value. */
static void
jw_meta(struct jw *w, const char *k, const char *v)
{
	jw_array(w, k);
	jw_item(w, v);
	jw_end(w);
}

static void
jw_meta_u64(struct jw *w, const char *k, uint64_t v)
{
	char	 s[24];

	snprintf(s, sizeof(s), "%llu", (unsigned long long)v);
	jw_meta(w, k, s);
}

/* A host as nfqctl writes it: no /32 or /128. */
static void
jw_host(struct jw *w, const char *k, const struct prefix *p)
{
	char	 s[PREFIX_STRLEN];

	host_format(p, s, sizeof(s));
	jw_str(w, k, s);
}

static void
event_policy(struct jw *w, const struct event *ev)
{
	jw_open(w, "policy");
	jw_str(w, "action", action_name(ev->policy.action));
	jw_str(w, "direction", direction_name(ev->policy.direction));
	jw_str(w, "reason", reason_name(ev->policy.reason));
	jw_str(w, "roles", roles_name(ev->policy.roles));
	jw_str(w, "mode", ev->policy.mode == MODE_MONITOR ? "monitor" :
	    "enforce");
	if (ev->policy.quar.host[0] != '\0') {
		/* Which quarantine or harvest block, by whom, until when. */
		jw_open(w, ev->policy.reason == R_HARVEST_BLOCK ?
		    "harvest_block" : "quarantine");
		jw_str(w, "host", ev->policy.quar.host);
		jw_ts(w, "since", ev->policy.quar.since * 1000000);
		jw_ts(w, "until", ev->policy.quar.until * 1000000);
		jw_str(w, "who", ev->policy.quar.who);
		jw_str(w, "reason", ev->policy.quar.reason);
		jw_close(w);
	}
	if (ev->policy.exc.entry[0] != '\0') {
		jw_open(w, "exception");
		jw_str(w, "entry", ev->policy.exc.entry);
		jw_str(w, "direction", exc_dir_name(ev->policy.exc.dir));
		if (ev->policy.exc.ticket[0])
			jw_str(w, "ticket", ev->policy.exc.ticket);
		if (ev->policy.exc.owner[0])
			jw_str(w, "owner", ev->policy.exc.owner);
		if (ev->policy.exc.expires[0])
			jw_str(w, "expires", ev->policy.exc.expires);
		jw_close(w);
	}
	jw_close(w);
}

/*
 * app_proto in Suricata's words (its app-layer names): nDPI's names
 * where Suricata has the same parser, TLS and HTTP by their variants
 * (nDPI 4.2's "smtps" is TLS on port 465, "http_connect" an HTTP
 * proxy's CONNECT), "failed" for a protocol Suricata has no name for
 * (nDPI's own name is then in ndpi.proto and the alert's metadata).
 */
const char *
eve_app_proto(const char *ndpi)
{
	static const char *same[] = { "smtp", "tls", "http", "http2", "ftp",
	    "ssh", "imap", "pop3", "dns", "smb", "dcerpc", "nfs", "ntp",
	    "dnp3", "modbus", "ike", "krb5", "rdp", "rfb", "sip", "snmp",
	    "mqtt", "pgsql", "telnet", "websocket", "ldap" };
	static const char *tls[] = { "smtps", "imaps", "pop3s", "ftps",
	    "dtls" };
	size_t		 i;

	if (ndpi[0] == '\0')
		return "";
	for (i = 0; i < sizeof(same) / sizeof(same[0]); i++)
		if (strcmp(ndpi, same[i]) == 0)
			return same[i];
	for (i = 0; i < sizeof(tls) / sizeof(tls[0]); i++)
		if (strcmp(ndpi, tls[i]) == 0)
			return "tls";
	if (strncmp(ndpi, "http", 4) == 0)
		return "http";		/* http_connect, http_proxy */
	return "failed";
}

/* nDPI's word on the flow, in the shape of Suricata 8's nDPI output. */
static void
event_ndpi(struct jw *w, const struct event *ev)
{
	char	 name[128], id[8];

	if (ev->app_proto[0] == '\0' && ev->flow.risk == 0)
		return;
	jw_open(w, "ndpi");
	if (ev->app_proto[0] != '\0')
		jw_str(w, "proto", ev->app_proto);
	if (ev->flow.risk != 0) {
		jw_open(w, "flow_risk");
		for (unsigned i = 0; i < 64; i++) {
			if ((ev->flow.risk & (UINT64_C(1) << i)) == 0)
				continue;
			dpi_risk_names(UINT64_C(1) << i, name, sizeof(name));
			if (name[0] == '\0')
				continue;
			snprintf(id, sizeof(id), "%u", i);
			jw_open(w, id);
			jw_str(w, "risk", name);
			jw_close(w);
		}
		jw_close(w);
	}
	jw_close(w);
}

/*
 * Suricata's end reasons: a connection closed by FIN or RST is written
 * when its closed timeout passes ("timeout", state "closed"), as Suricata
 * writes one; the table was full ("forced"); a new SYN on its tuple
 * ("tcp_reuse"); the end of the capture or of the daemon ("shutdown").
 */
static const char *
flow_reason(uint8_t end)
{
	switch (end) {
	case FE_FIN:
	case FE_RST:
	case FE_TIMEOUT:
		return "timeout";
	case FE_EVICTED:
		return "forced";
	case FE_REUSE:
		return "tcp_reuse";
	case FE_END_OF_CAPTURE:
	case FE_SHUTDOWN:
		return "shutdown";
	}
	return "unknown";
}

static void
hex2(char out[3], uint8_t v)
{
	static const char hex[] = "0123456789abcdef";

	out[0] = hex[v >> 4];
	out[1] = hex[v & 15];
	out[2] = '\0';
}

/* Suricata's tcp object: the flags seen, either way and each way. */
static void
event_tcp(struct jw *w, const uint8_t fl[2])
{
	static const struct {
		uint8_t		 bit;
		const char	*name;
	} f[] = { { 0x01, "fin" }, { 0x02, "syn" }, { 0x04, "rst" },
	    { 0x08, "psh" }, { 0x10, "ack" }, { 0x20, "urg" },
	    { 0x40, "ecn" }, { 0x80, "cwr" } };
	uint8_t	 all = fl[0] | fl[1];
	char	 h[3];

	jw_open(w, "tcp");
	hex2(h, all);
	jw_str(w, "tcp_flags", h);
	hex2(h, fl[0]);
	jw_str(w, "tcp_flags_ts", h);
	hex2(h, fl[1]);
	jw_str(w, "tcp_flags_tc", h);
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (all & f[i].bit)
			jw_bool(w, f[i].name, true);
	jw_close(w);
}

static void
event_flow(struct jw *w, const struct event *ev)
{
	jw_open(w, "flow");
	jw_u64(w, "pkts_toserver", ev->flow.pkts[0]);
	jw_u64(w, "pkts_toclient", ev->flow.pkts[1]);
	jw_u64(w, "bytes_toserver", ev->flow.bytes[0]);
	jw_u64(w, "bytes_toclient", ev->flow.bytes[1]);
	jw_ts(w, "start", ev->flow.start_us);
	jw_ts(w, "end", ev->flow.end_us);
	/* Suricata's age: the seconds of the two times, subtracted */
	jw_u64(w, "age", (uint64_t)(ev->flow.end_us / 1000000 -
	    ev->flow.start_us / 1000000));
	jw_str(w, "state", flow_state_name(ev->flow.state));
	if (ev->flow.state == FS_BYPASSED)
		jw_str(w, "bypass", "capture");	/* the kernel's mark */
	jw_str(w, "reason", flow_reason(ev->flow.end));
	jw_bool(w, "alerted", ev->flow.alerted);
	/* what was done to its packets: dropped, or let through */
	jw_str(w, "action", ev->flow.action == A_BLOCKED &&
	    ev->flow.mode != MODE_MONITOR ? "drop" : "accept");
	jw_close(w);
	event_tcp(w, ev->flow.tflags);
	event_ndpi(w, ev);
}

static void
event_stats(struct jw *w, const struct event *ev)
{
	const struct stats	*s = &ev->stats;

	jw_open(w, "stats");
	jw_u64(w, "uptime", (uint64_t)((ev->ts_us - s->start_us) / 1000000));
	jw_open(w, "decoder");
	jw_u64(w, "pkts", s->pkts);
	jw_u64(w, "bytes", s->bytes);
	jw_u64(w, "invalid", s->invalid);
	jw_u64(w, "ipv4", s->ipv4);
	jw_u64(w, "ipv6", s->ipv6);
	jw_u64(w, "vlan", s->vlan);
	jw_close(w);
	jw_open(w, "flow");
	jw_u64(w, "total", s->flows_created);
	jw_u64(w, "tcp", s->flows_created);
	jw_u64(w, "active", s->flows_active);
	jw_u64(w, "tcp_reuse", s->reopened);
	jw_open(w, "mgr");
	jw_u64(w, "flows_timeout", s->flows_timeout);
	jw_u64(w, "flows_evicted", s->flows_evicted);
	jw_close(w);
	jw_close(w);
	jw_open(w, "ips");
	jw_u64(w, "accepted", s->pkts_accepted);
	jw_u64(w, "blocked", s->pkts_dropped);
	jw_close(w);
	jw_open(w, "capture");
	jw_u64(w, "kernel_drops", s->queue_dropped + s->user_dropped);
	jw_close(w);
	jw_close(w);
}

/* Every counter, in nfqd's own event (the stats event before format 2). */
static void
event_nfqd_stats(struct jw *w, const struct event *ev)
{
	const struct stats	*s = &ev->stats;

	jw_open(w, "nfqd_stats");
	jw_u64(w, "uptime", (uint64_t)((ev->ts_us - s->start_us) / 1000000));
	if (s->exc_sha256[0] != '\0')
		jw_str(w, "exceptions_sha256", s->exc_sha256);
	jw_open(w, "decoder");
	jw_u64(w, "pkts", s->pkts);
	jw_u64(w, "bytes", s->bytes);
	jw_u64(w, "invalid", s->invalid);
	jw_u64(w, "fragments", s->fragments);
	jw_u64(w, "not_ip", s->not_ip);
	jw_u64(w, "not_tcp", s->not_tcp);
	jw_u64(w, "ipv4", s->ipv4);
	jw_u64(w, "ipv6", s->ipv6);
	jw_u64(w, "vlan", s->vlan);
	jw_close(w);
	jw_open(w, "policy");
	jw_u64(w, "allowed", s->allowed);
	jw_u64(w, "blocked", s->blocked);
	jw_u64(w, "other_port", s->other_port);
	jw_u64(w, "unparsed_dropped", s->unparsed_dropped);
	jw_u64(w, "spoofed", s->spoofed);
	jw_u64(w, "role_conflicts", s->role_conflicts);
	jw_u64(w, "summarized", s->summarized);
	jw_u64(w, "pkts_accepted", s->pkts_accepted);
	jw_u64(w, "pkts_dropped", s->pkts_dropped);
	jw_close(w);
	jw_open(w, "flow");
	jw_u64(w, "created", s->flows_created);
	jw_u64(w, "active", s->flows_active);
	jw_u64(w, "closed", s->flows_closed);
	jw_u64(w, "timeout", s->flows_timeout);
	jw_u64(w, "evicted", s->flows_evicted);
	jw_u64(w, "untracked", s->flows_untracked);
	jw_u64(w, "resumed", s->flows_resumed);
	jw_u64(w, "reused", s->reopened);
	jw_close(w);
	jw_open(w, "nfq");
	jw_u64(w, "queue_dropped", s->queue_dropped);
	jw_u64(w, "user_dropped", s->user_dropped);
	jw_close(w);
	jw_open(w, "events");
	jw_u64(w, "written", s->events);
	jw_u64(w, "dropped", s->events_dropped);
	jw_close(w);
	if (s->fp_mode != 0) {
		jw_open(w, "fastpath");
		jw_str(w, "mode", s->fp_mode == 2 ? "xdp" : "tc");
		jw_u64(w, "syn", s->fp_syn);
		jw_u64(w, "dropped", s->fp_dropped);
		jw_u64(w, "lost", s->fp_lost);
		jw_u64(w, "deferred", s->fp_deferred);
		jw_u64(w, "unparsed", s->fp_unparsed);
		jw_u64(w, "relay", s->fp_relay);
		jw_u64(w, "spoofed", s->fp_spoofed);
		jw_u64(w, "disagree", s->fp_disagree);
		jw_close(w);
	}
	if (s->nsinks > 0) {
		jw_array(w, "sinks");
		for (size_t i = 0; i < s->nsinks; i++) {
			const struct sink_stat	*k = &s->sinks[i];

			if (i > 0)
				jw_char(w, ',');
			jw_char(w, '{');
			w->first = true;
			jw_str(w, "name", k->name);
			jw_str(w, "type", k->type);
			jw_bool(w, "connected", k->connected);
			jw_u64(w, "written", k->written);
			jw_u64(w, "dropped", k->dropped);
			jw_u64(w, "failed", k->failed);
			jw_u64(w, "queued", k->queued);
			jw_u64(w, "reconnects", k->reconnects);
			jw_close(w);
		}
		jw_end(w);
	}
	jw_close(w);
}

static void
event_reload(struct jw *w, const struct event *ev)
{
	jw_open(w, "reload");
	jw_str(w, "status", ev->reload.ok ? "ok" : "failed");
	if (!ev->reload.ok)
		jw_str(w, "error", ev->reload.error);
	jw_u64(w, "exceptions", ev->reload.entries);
	if (ev->reload.exc_sha256[0] != '\0')
		jw_str(w, "exceptions_sha256", ev->reload.exc_sha256);
	if (ev->reload.ok) {
		jw_u64(w, "added", ev->reload.added);
		jw_u64(w, "removed", ev->reload.removed);
		jw_u64(w, "changed", ev->reload.changed);
	}
	jw_close(w);
}

static void
event_quarantine(struct jw *w, const struct event *ev)
{
	const struct quar_entry	*e = ev->quarantine.q;

	if (e == NULL)
		return;
	jw_open(w, "quarantine");
	jw_host(w, "host", &e->pfx);
	jw_str(w, "action", ev->quarantine.action == QA_START ? "start" :
	    "end");
	jw_str(w, "reason", e->reason);
	jw_ts(w, "since", e->since * 1000000);
	jw_ts(w, "until", e->until * 1000000);
	jw_str(w, "who", e->who);
	if (ev->quarantine.action == QA_END) {
		jw_str(w, "cause", e->removed_by[0] ? "removed" : "expired");
		if (e->removed_by[0])
			jw_str(w, "removed_by", e->removed_by);
	}
	jw_close(w);
}

static void
event_expired(struct jw *w, const struct event *ev)
{
	const struct ev_exc	*e = &ev->expired.exc;

	jw_open(w, "exception_expired");
	jw_str(w, "entry", e->entry);
	jw_str(w, "direction", exc_dir_name(e->dir));
	if (e->ticket[0])
		jw_str(w, "ticket", e->ticket);
	if (e->owner[0])
		jw_str(w, "owner", e->owner);
	jw_str(w, "expires", e->expires);
	jw_u64(w, "line", ev->expired.line);
	jw_close(w);
}

/*
 * An envelope address in Suricata's form, "<user@domain>" (full), as
 * smtp-addresses keeps it: "<@domain>" (domain; "<>" without one).
 */
static void
smtp_addr(const char *v, uint8_t mode, char *out, size_t len)
{
	if (mode == SMTP_ADDR_DOMAIN && v[0] != '\0')
		snprintf(out, len, "<@%s>", v);
	else
		snprintf(out, len, "<%s>", v);
}

/* One mail transaction, as Suricata's smtp event. */
static void
event_smtp(struct jw *w, const struct event *ev)
{
	const struct smtp_tx	*t = ev->smtp.tx;
	char			 a[SMTP_ADDRLEN + 4];

	jw_open(w, "smtp");
	if (t->helo[0])
		jw_str(w, "helo", t->helo);
	/* smtp-addresses = none: no address (FERPA) */
	if (ev->smtp.addr_mode != SMTP_ADDR_NONE) {
		if (t->has_mail_from) {
			smtp_addr(t->mail_from, ev->smtp.addr_mode, a,
			    sizeof(a));
			jw_str(w, "mail_from", a);
		}
		if (t->n_rcpt_to > 0) {
			jw_array(w, "rcpt_to");
			for (uint32_t i = 0; i < t->n_rcpt_to &&
			    i < SMTP_MAX_ADDRS; i++) {
				smtp_addr(t->rcpt_to[i], ev->smtp.addr_mode,
				    a, sizeof(a));
				jw_item(w, a);
			}
			jw_end(w);
		}
	}
	jw_close(w);
}

/* The session's facts, nfqd's own event beside the transactions. */
static void
event_smtp_session(struct jw *w, const struct event *ev)
{
	const struct smtp_meta	*m = ev->smtp_session.meta;

	jw_open(w, "smtp_session");
	if (m->banner[0])
		jw_str(w, "banner", m->banner);
	if (m->helo[0])
		jw_str(w, "helo", m->helo);
	jw_bool(w, "starttls", m->starttls);
	jw_bool(w, "auth", m->auth);
	jw_u64(w, "transactions", m->transactions);
	jw_u64(w, "rcpts", m->rcpts);
	jw_u64(w, "messages", m->messages);
	jw_u64(w, "data_bytes", m->data_bytes);
	jw_u64(w, "max_message", m->max_message);
	jw_open(w, "replies");
	jw_u64(w, "2xx", m->replies[0]);
	jw_u64(w, "3xx", m->replies[1]);
	jw_u64(w, "4xx", m->replies[2]);
	jw_u64(w, "5xx", m->replies[3]);
	jw_close(w);
	jw_close(w);
}

/*
 * What a detection saw, as the alert's metadata (Suricata's shape: each
 * value an array of strings).
 */
static void
alert_detection(struct jw *w, const struct event *ev)
{
	uint8_t		 kind = (uint8_t)(ev->alert.detection - 1);
	const char	*name = detection_name(kind);
	char		 a[ADDR_STRLEN], t[40];

	jw_meta(w, "detection", name);
	addr_format(&ev->alert.host, a, sizeof(a));
	jw_meta(w, "host", a);
	if (strcmp(name, "relay_suspect") == 0) {
		jw_meta_u64(w, "inbound_flow_id", ev->alert.related_flow);
		jw_meta_u64(w, "outbound_flow_id", ev->flow_id);
		jw_meta(w, "outbound_blocked", ev->alert.blocked ? "true" :
		    "false");
		jw_meta_u64(w, "window", ev->alert.window);
		return;
	}
	jw_meta_u64(w, "count", ev->alert.count);
	jw_meta_u64(w, "threshold", ev->alert.limit);
	if (ev->alert.window != 0)
		jw_meta_u64(w, "window", ev->alert.window);
	if (strcmp(name, "bulk_attempts") == 0)
		jw_meta(w, "blocked", ev->alert.blocked ? "true" : "false");
	if (ev->alert.response != RK_NONE) {
		/* What nfqd did about it (respond.c): done, or why not. */
		jw_meta(w, "response", ev->alert.response_note == RN_DONE ?
		    response_name(ev->alert.response) : "none");
		if (ev->alert.response_until != 0) {
			ts_format(ev->alert.response_until * 1000000, t,
			    sizeof(t));
			jw_meta(w, "response_until", t);
		}
		if (ev->alert.response_note != RN_DONE)
			jw_meta(w, "response_note",
			    response_note(ev->alert.response_note));
	}
}

/*
 * Suricata's classification (classification.config) of each signature:
 * a protocol that is not mail on an SMTP port is a non-standard protocol;
 * bulk sending and relaying potentially bad traffic; a directory harvest
 * an attempted information leak; a blocked connection and an oversized
 * message a policy violation.
 */
static const char *
alert_category(const struct event *ev)
{
	const char	*name;

	if (ev->alert.sid == SID_NON_SMTP || ev->alert.sid == SID_UNKNOWN_PAYLOAD)
		return "Detection of a Non-Standard Protocol or Event";
	if (ev->alert.detection == 0)
		return "Potential Corporate Privacy Violation";
	name = detection_name((uint8_t)(ev->alert.detection - 1));
	if (strncmp(name, "harvest", 7) == 0)
		return "Attempted Information Leak";
	if (strcmp(name, "message_size") == 0)
		return "Potential Corporate Privacy Violation";
	return "Potentially Bad Traffic";
}

static void
event_alert(struct jw *w, const struct event *ev)
{
	jw_open(w, "alert");
	/* what happened to the packet: monitor mode blocks nothing */
	jw_str(w, "action", ev->alert.action == A_BLOCKED &&
	    ev->alert.mode != MODE_MONITOR ? "blocked" : "allowed");
	jw_u64(w, "gid", 1);
	jw_u64(w, "signature_id", ev->alert.sid);
	jw_u64(w, "rev", 1);
	jw_str(w, "signature", ev->alert.signature);
	jw_str(w, "category", alert_category(ev));
	jw_u64(w, "severity", ev->alert.severity);
	if (ev->alert.detection != 0) {
		jw_open(w, "metadata");
		alert_detection(w, ev);
		jw_close(w);
	} else if (ev->alert.sid >= SID_POLICY &&
	    ev->alert.sid <= SID_POLICY_LAST) {
		jw_open(w, "metadata");
		jw_meta(w, "direction", direction_name(ev->alert.direction));
		jw_meta(w, "reason", reason_name(ev->alert.reason));
		jw_close(w);
	} else if (ev->app_proto[0] != '\0') {
		jw_open(w, "metadata");
		jw_meta(w, "protocol", ev->app_proto);	/* nDPI's name */
		jw_close(w);
	}
	jw_close(w);
}

static void
event_summary(struct jw *w, const struct event *ev)
{
	const struct summary_rec	*r = &ev->summary;
	char				 a[ADDR_STRLEN], buf[ADDR_STRLEN + 8];

	jw_open(w, "policy_summary");
	jw_str(w, "action", "blocked");
	jw_str(w, "direction", direction_name(r->direction));
	jw_str(w, "mode", r->mode == MODE_MONITOR ? "monitor" : "enforce");
	jw_u64(w, "count", r->count);
	jw_ts(w, "first", r->first_us);
	jw_ts(w, "last", r->last_us);
	jw_array(w, "targets");
	for (uint8_t i = 0; i < r->ntargets; i++) {
		addr_format(&r->targets[i].addr, a, sizeof(a));
		snprintf(buf, sizeof(buf), r->targets[i].addr.af == 6 ?
		    "[%s]:%u" : "%s:%u", a, r->targets[i].port);
		jw_item(w, buf);
	}
	jw_end(w);
	jw_close(w);
}

static const char *ev_names[] = { "policy", "flow", "stats", "reload",
    "smtp", "alert", "policy_summary", "quarantine", "exception_expired",
    "smtp_session", "nfqd_stats" };

/* Events about one connection: the whole header, flow_id to app_proto. */
static bool
ev_has_tuple(uint8_t type)
{
	return type == EV_POLICY || type == EV_FLOW || type == EV_SMTP ||
	    type == EV_ALERT || type == EV_SMTP_SESSION;
}

/*
 * Each byte of s that is not part of well-formed UTF-8 becomes '?'.
 * Strings reach events from files and the wire (a Latin-1
 * exceptions.conf line in a reload error, a "%.40s" cut through a
 * character); a JSON line must be UTF-8 (RFC 8259).  Same length, and the
 * writer's own output is ASCII, so the JSON stays valid.
 */
static void
utf8_scrub(char *s)
{
	unsigned char	*p = (unsigned char *)s;
	unsigned	 cp, min, k, n;

	while (*p != '\0') {
		if (*p < 0x80) {
			p++;
			continue;
		}
		n = 0;
		cp = min = 0;
		if (*p >= 0xc2 && *p <= 0xdf) {
			n = 1; cp = *p & 0x1f; min = 0x80;
		} else if (*p >= 0xe0 && *p <= 0xef) {
			n = 2; cp = *p & 0x0f; min = 0x800;
		} else if (*p >= 0xf0 && *p <= 0xf4) {
			n = 3; cp = *p & 0x07; min = 0x10000;
		}
		for (k = 1; k <= n && (p[k] & 0xc0) == 0x80; k++)
			cp = cp << 6 | (p[k] & 0x3f);
		if (n == 0 || k <= n || cp < min || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff)) {
			*p++ = '?';	/* then look again at the next byte */
			continue;
		}
		p += n + 1;
	}
}

/*
 * Format into buf; returns the length, or -1 if it did not fit.  The
 * header (Suricata's common fields), the event's own object, then the
 * format version, in one pass into buf.
 */
int
event_format(const struct event *ev, char *buf, size_t len)
{
	struct jw	 w = { buf, buf + (len > 0 ? len - 1 : 0), true, len == 0 };
	const char	*ap;
	char		 cid[COMMUNITY_ID_LEN];

	if (ev->type >= sizeof(ev_names) / sizeof(ev_names[0]))
		return -1;		/* EV_REOPEN: no line */
	jw_char(&w, '{');
	jw_ts(&w, "timestamp", ev->ts_us);
	if (ev_host[0] != '\0')
		jw_str(&w, "host", ev_host);
	if (ev_has_tuple(ev->type))
		jw_u64(&w, "flow_id", ev->flow_id);
	jw_str(&w, "event_type", ev_names[ev->type]);
	if (ev->path == 1)	/* decided in the kernel (fastpath.c) */
		jw_str(&w, "pkt_src", "kernel");
	if (ev_has_tuple(ev->type)) {
		jw_addr(&w, "src_ip", &ev->src);
		jw_u64(&w, "src_port", ev->sport);
		jw_addr(&w, "dest_ip", &ev->dst);
		jw_u64(&w, "dest_port", ev->dport);
		jw_str(&w, "proto", "TCP");
		if (ev->has_cid) {
			community_id_text(ev->cid, cid);
			jw_str(&w, "community_id", cid);
		}
		if ((ap = eve_app_proto(ev->app_proto))[0] != '\0')
			jw_str(&w, "app_proto", ap);
	} else if (ev->type == EV_SUMMARY) {
		jw_addr(&w, "src_ip", &ev->src);
		jw_str(&w, "proto", "TCP");
	}
	switch (ev->type) {
	case EV_POLICY:
		event_policy(&w, ev);
		break;
	case EV_FLOW:
		event_flow(&w, ev);
		break;
	case EV_STATS:
		event_stats(&w, ev);
		break;
	case EV_NFQD_STATS:
		event_nfqd_stats(&w, ev);
		break;
	case EV_RELOAD:
		event_reload(&w, ev);
		break;
	case EV_SMTP:
		if (ev->smtp.tx != NULL) {
			jw_u64(&w, "tx_id", ev->smtp.tx->id);
			event_smtp(&w, ev);
		}
		break;
	case EV_SMTP_SESSION:
		if (ev->smtp_session.meta != NULL)
			event_smtp_session(&w, ev);
		break;
	case EV_ALERT:
		event_alert(&w, ev);
		break;
	case EV_SUMMARY:
		event_summary(&w, ev);
		break;
	case EV_QUARANTINE:
		event_quarantine(&w, ev);
		break;
	case EV_EXC_EXPIRED:
		event_expired(&w, ev);
		break;
	case EV_REOPEN:
		return -1;
	}
	/* the format version: where Suricata's schema has room for it */
	jw_open(&w, "metadata");
	jw_open(&w, "flowints");
	jw_u64(&w, "nfqd_format", EVE_FORMAT);
	jw_close(&w);
	jw_close(&w);
	jw_char(&w, '}');
	if (w.full)
		return -1;
	*w.p = '\0';
	utf8_scrub(buf);
	return (int)(w.p - buf);
}
