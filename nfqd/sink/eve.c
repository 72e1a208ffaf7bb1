/*
 * Events as one JSON object per line in Suricata's EVE shape: a common
 * header (timestamp, host, flow_id, event_type, src/dest ip and port,
 * proto) then one object named after the event type.  src is the
 * originator.  host is the sensor name, as in Suricata's EVE.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "sink/eve.h"
#include "base/addr.h"
#include "base/json.h"
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
 * cJSON allocates every node and string of an event, and event_format
 * frees them all again: on the writer's hot path that was a fifth of its
 * time in malloc and free.  While a thread formats an event, its nodes
 * come from a per-thread arena instead, all released at once at the end;
 * anything else (other threads, other cJSON users, an event too large
 * for the arena) gets malloc and free as before.
 */
#define ARENA_SIZE	(256 * 1024)

static _Thread_local char	*arena;		/* ARENA_SIZE bytes */
static _Thread_local size_t	 arena_used;
static _Thread_local bool	 arena_on;

static void *
arena_alloc(size_t n)
{
	void	*p;

	n = (n + 15) & ~(size_t)15;
	if (!arena_on || n > ARENA_SIZE - arena_used)
		return malloc(n);
	p = arena + arena_used;
	arena_used += n;
	return p;
}

static void
arena_free(void *p)
{
	if (arena != NULL && (char *)p >= arena && (char *)p < arena + ARENA_SIZE)
		return;			/* released by arena_end() */
	free(p);
}

static pthread_key_t	 arena_key;	/* frees a thread's arena at its exit */
static bool		 arena_ready;	/* eve_init() was called */

/*
 * Install the arena's allocator in cJSON (for the whole process: outside
 * event formatting it is malloc and free).  Once, before the first event
 * is formatted and before threads start: by main, not a constructor.
 */
void
eve_init(void)
{
	cJSON_Hooks	 h = { arena_alloc, arena_free };

	if (arena_ready || pthread_key_create(&arena_key, free) != 0)
		return;
	cJSON_InitHooks(&h);
	arena_ready = true;
}

static void
arena_begin(void)
{
	if (!arena_ready)
		return;			/* cJSON's own malloc, then */
	if (arena == NULL) {
		if ((arena = malloc(ARENA_SIZE)) == NULL)
			return;		/* plain malloc, then */
		pthread_setspecific(arena_key, arena);
	}
	arena_used = 0;
	arena_on = true;
}

static void
arena_end(void)
{
	arena_on = false;
	arena_used = 0;
}

static void
add_addr(cJSON *o, const char *key, const struct ip_addr *a)
{
	char	 s[ADDR_STRLEN];

	addr_format(a, s, sizeof(s));
	cJSON_AddStringToObject(o, key, s);
}

#define N(obj, name, v)	json_add_u64(obj, name, (uint64_t)(v))

/*
 * The two events a flood brings one of per packet, policy and flow (and
 * the header of every event), are written straight into the output
 * buffer: building and printing cJSON nodes for them was most of the
 * event writer's time (bench/live.sh: 2.2 us of writer CPU per flood
 * SYN).  The output is what cJSON printed, byte for byte: the same keys
 * in the same order, strings escaped as cJSON escapes them.
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

/* nDPI's risks as an array of names, when there are any. */
static void
add_risks(struct jw *w, uint64_t risk)
{
	char	 names[512], *p, *save = NULL;
	bool	 first = true;

	if (risk == 0)
		return;
	dpi_risk_names(risk, names, sizeof(names));
	jw_key(w, "risks");
	jw_char(w, '[');
	for (p = strtok_r(names, ",", &save); p != NULL;
	    p = strtok_r(NULL, ",", &save)) {
		if (!first)
			jw_char(w, ',');
		first = false;
		jw_string(w, p);
	}
	jw_char(w, ']');
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
	jw_u64(w, "age", (uint64_t)((ev->flow.end_us - ev->flow.start_us) /
	    1000000));
	jw_str(w, "state", flow_state_name(ev->flow.state));
	jw_str(w, "reason", flow_end_name(ev->flow.end));
	jw_str(w, "action", action_name(ev->flow.action));
	jw_str(w, "direction", direction_name(ev->flow.direction));
	add_risks(w, ev->flow.risk);
	jw_close(w);
}

static void
event_stats(cJSON *o, const struct event *ev)
{
	const struct stats	*s = &ev->stats;
	cJSON			*st, *x;

	st = cJSON_AddObjectToObject(o, "stats");
	N(st, "uptime", (ev->ts_us - s->start_us) / 1000000);
	if (s->exc_sha256[0] != '\0')
		cJSON_AddStringToObject(st, "exceptions_sha256", s->exc_sha256);
	x = cJSON_AddObjectToObject(st, "decoder");
	N(x, "pkts", s->pkts);
	N(x, "bytes", s->bytes);
	N(x, "invalid", s->invalid);
	N(x, "fragments", s->fragments);
	N(x, "not_ip", s->not_ip);
	N(x, "not_tcp", s->not_tcp);
	N(x, "ipv4", s->ipv4);
	N(x, "ipv6", s->ipv6);
	N(x, "vlan", s->vlan);
	x = cJSON_AddObjectToObject(st, "policy");
	N(x, "allowed", s->allowed);
	N(x, "blocked", s->blocked);
	N(x, "other_port", s->other_port);
	N(x, "unparsed_dropped", s->unparsed_dropped);
	N(x, "spoofed", s->spoofed);
	N(x, "role_conflicts", s->role_conflicts);
	N(x, "summarized", s->summarized);
	N(x, "pkts_accepted", s->pkts_accepted);
	N(x, "pkts_dropped", s->pkts_dropped);
	x = cJSON_AddObjectToObject(st, "flow");
	N(x, "created", s->flows_created);
	N(x, "active", s->flows_active);
	N(x, "closed", s->flows_closed);
	N(x, "timeout", s->flows_timeout);
	N(x, "evicted", s->flows_evicted);
	N(x, "untracked", s->flows_untracked);
	N(x, "resumed", s->flows_resumed);
	N(x, "reused", s->reopened);
	x = cJSON_AddObjectToObject(st, "nfq");
	N(x, "queue_dropped", s->queue_dropped);
	N(x, "user_dropped", s->user_dropped);
	x = cJSON_AddObjectToObject(st, "events");
	N(x, "written", s->events);
	N(x, "dropped", s->events_dropped);
	if (s->fp_mode != 0) {
		x = cJSON_AddObjectToObject(st, "fastpath");
		cJSON_AddStringToObject(x, "mode", s->fp_mode == 2 ? "xdp" :
		    "tc");
		N(x, "syn", s->fp_syn);
		N(x, "dropped", s->fp_dropped);
		N(x, "lost", s->fp_lost);
		N(x, "deferred", s->fp_deferred);
		N(x, "unparsed", s->fp_unparsed);
		N(x, "relay", s->fp_relay);
		N(x, "spoofed", s->fp_spoofed);
		N(x, "disagree", s->fp_disagree);
	}
	if (s->nsinks > 0) {
		x = cJSON_AddArrayToObject(st, "sinks");
		for (size_t i = 0; i < s->nsinks; i++) {
			const struct sink_stat	*k = &s->sinks[i];
			cJSON			*y = cJSON_CreateObject();

			cJSON_AddStringToObject(y, "name", k->name);
			cJSON_AddStringToObject(y, "type", k->type);
			cJSON_AddBoolToObject(y, "connected", k->connected);
			N(y, "written", k->written);
			N(y, "dropped", k->dropped);
			N(y, "failed", k->failed);
			N(y, "queued", k->queued);
			N(y, "reconnects", k->reconnects);
			cJSON_AddItemToArray(x, y);
		}
	}
}

static void
event_reload(cJSON *o, const struct event *ev)
{
	cJSON	*r;

	r = cJSON_AddObjectToObject(o, "reload");
	cJSON_AddStringToObject(r, "status", ev->reload.ok ? "ok" : "failed");
	if (!ev->reload.ok)
		cJSON_AddStringToObject(r, "error", ev->reload.error);
	N(r, "exceptions", ev->reload.entries);
	if (ev->reload.exc_sha256[0] != '\0')
		cJSON_AddStringToObject(r, "exceptions_sha256",
		    ev->reload.exc_sha256);
	if (ev->reload.ok) {
		N(r, "added", ev->reload.added);
		N(r, "removed", ev->reload.removed);
		N(r, "changed", ev->reload.changed);
	}
}

/* A host as nfqctl writes it: no /32 or /128. */
static void
add_host(cJSON *o, const char *key, const struct prefix *p)
{
	char	 s[PREFIX_STRLEN];

	host_format(p, s, sizeof(s));
	cJSON_AddStringToObject(o, key, s);
}

static void
event_quarantine(cJSON *o, const struct event *ev)
{
	const struct quar_entry	*e = ev->quarantine.q;
	cJSON			*q;

	if (e == NULL)
		return;
	q = cJSON_AddObjectToObject(o, "quarantine");
	add_host(q, "host", &e->pfx);
	cJSON_AddStringToObject(q, "action",
	    ev->quarantine.action == QA_START ? "start" : "end");
	cJSON_AddStringToObject(q, "reason", e->reason);
	json_add_ts(q, "since", e->since * 1000000);
	json_add_ts(q, "until", e->until * 1000000);
	cJSON_AddStringToObject(q, "who", e->who);
	if (ev->quarantine.action == QA_END) {
		cJSON_AddStringToObject(q, "cause", e->removed_by[0] ?
		    "removed" : "expired");
		if (e->removed_by[0])
			cJSON_AddStringToObject(q, "removed_by", e->removed_by);
	}
}

static void
event_expired(cJSON *o, const struct event *ev)
{
	const struct ev_exc	*e = &ev->expired.exc;
	cJSON			*x;

	x = cJSON_AddObjectToObject(o, "exception_expired");
	cJSON_AddStringToObject(x, "entry", e->entry);
	cJSON_AddStringToObject(x, "direction", exc_dir_name(e->dir));
	if (e->ticket[0])
		cJSON_AddStringToObject(x, "ticket", e->ticket);
	if (e->owner[0])
		cJSON_AddStringToObject(x, "owner", e->owner);
	cJSON_AddStringToObject(x, "expires", e->expires);
	N(x, "line", ev->expired.line);
}

static void
add_addrs(cJSON *o, const char *key, char list[][SMTP_ADDRLEN], uint32_t n)
{
	cJSON	*a = cJSON_AddArrayToObject(o, key);

	for (uint32_t i = 0; i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(list[i]));
}

static void
event_smtp(cJSON *o, const struct event *ev)
{
	const struct smtp_meta	*m = ev->smtp.meta;
	cJSON			*s, *r;

	s = cJSON_AddObjectToObject(o, "smtp");
	if (m->banner[0])
		cJSON_AddStringToObject(s, "banner", m->banner);
	if (m->helo[0])
		cJSON_AddStringToObject(s, "helo", m->helo);
	cJSON_AddBoolToObject(s, "starttls", m->starttls);
	cJSON_AddBoolToObject(s, "auth", m->auth);
	N(s, "transactions", m->transactions);
	N(s, "rcpts", m->rcpts);
	N(s, "messages", m->messages);
	N(s, "data_bytes", m->data_bytes);
	N(s, "max_message", m->max_message);
	r = cJSON_AddObjectToObject(s, "replies");
	N(r, "2xx", m->replies[0]);
	N(r, "3xx", m->replies[1]);
	N(r, "4xx", m->replies[2]);
	N(r, "5xx", m->replies[3]);
	/* smtp-addresses = none: counts only (FERPA). */
	if (ev->smtp.addr_mode == SMTP_ADDR_NONE)
		return;
	add_addrs(s, "mail_from", (char (*)[SMTP_ADDRLEN])m->mail_from,
	    m->n_mail_from);
	add_addrs(s, "rcpt_to", (char (*)[SMTP_ADDRLEN])m->rcpt_to,
	    m->n_rcpt_to);
}

/* What a detection saw: the host, the count against its threshold. */
static void
event_detection(cJSON *o, const struct event *ev)
{
	cJSON	*d = cJSON_AddObjectToObject(o, "detection");
	uint8_t	 kind = (uint8_t)(ev->alert.detection - 1);

	cJSON_AddStringToObject(d, "kind", detection_name(kind));
	add_addr(d, "host", &ev->alert.host);
	if (strcmp(detection_name(kind), "relay_suspect") == 0) {
		N(d, "inbound_flow_id", ev->alert.related_flow);
		N(d, "outbound_flow_id", ev->flow_id);
		cJSON_AddBoolToObject(d, "outbound_blocked", ev->alert.blocked);
		N(d, "window", ev->alert.window);
		return;
	}
	N(d, "count", ev->alert.count);
	N(d, "threshold", ev->alert.limit);
	if (ev->alert.window != 0)
		N(d, "window", ev->alert.window);
	if (strcmp(detection_name(kind), "bulk_attempts") == 0)
		cJSON_AddBoolToObject(d, "blocked", ev->alert.blocked);
	if (ev->alert.response != RK_NONE) {
		/* What nfqd did about it (respond.c): done, or why not. */
		cJSON	*r = cJSON_AddObjectToObject(d, "response");

		cJSON_AddStringToObject(r, "action", ev->alert.response_note ==
		    RN_DONE ? response_name(ev->alert.response) : "none");
		if (ev->alert.response_until != 0)
			json_add_ts(r, "until", ev->alert.response_until *
			    1000000);
		if (ev->alert.response_note != RN_DONE)
			cJSON_AddStringToObject(r, "note",
			    response_note(ev->alert.response_note));
	}
}

static void
event_alert(cJSON *o, const struct event *ev)
{
	cJSON	*a = cJSON_AddObjectToObject(o, "alert");

	cJSON_AddStringToObject(a, "action", action_name(ev->alert.action));
	N(a, "gid", 1);
	N(a, "signature_id", ev->alert.sid);
	N(a, "rev", 1);
	cJSON_AddStringToObject(a, "signature", ev->alert.signature);
	cJSON_AddStringToObject(a, "category",
	    "Potential Corporate Privacy Violation");
	N(a, "severity", ev->alert.severity);
	if (ev->alert.detection != 0)
		event_detection(o, ev);
}

static void
event_summary(cJSON *o, const struct event *ev)
{
	const struct summary_rec	*r = &ev->summary;
	cJSON				*s, *t;
	char				 a[ADDR_STRLEN], buf[ADDR_STRLEN + 8];

	s = cJSON_AddObjectToObject(o, "policy_summary");
	cJSON_AddStringToObject(s, "action", "blocked");
	cJSON_AddStringToObject(s, "direction", direction_name(r->direction));
	cJSON_AddStringToObject(s, "mode",
	    r->mode == MODE_MONITOR ? "monitor" : "enforce");
	N(s, "count", r->count);
	json_add_ts(s, "first", r->first_us);
	json_add_ts(s, "last", r->last_us);
	t = cJSON_AddArrayToObject(s, "targets");
	for (uint8_t i = 0; i < r->ntargets; i++) {
		addr_format(&r->targets[i].addr, a, sizeof(a));
		snprintf(buf, sizeof(buf), r->targets[i].addr.af == 6 ?
		    "[%s]:%u" : "%s:%u", a, r->targets[i].port);
		cJSON_AddItemToArray(t, cJSON_CreateString(buf));
	}
}

static const char *ev_names[] = { "policy", "flow", "stats", "reload",
    "smtp", "alert", "policy_summary", "quarantine", "exception_expired" };

static bool
ev_has_tuple(uint8_t type)
{
	return type != EV_STATS && type != EV_RELOAD && type != EV_SUMMARY &&
	    type != EV_QUARANTINE && type != EV_EXC_EXPIRED;
}

/*
 * Each byte of s that is not part of well-formed UTF-8 becomes '?'.  cJSON
 * copies bytes >= 0x80 as they are, and strings reach events from files
 * and the wire (a Latin-1 exceptions.conf line in a reload error, a
 * "%.40s" cut through a character); a JSON line must be UTF-8 (RFC 8259).
 * Same length, and cJSON's own output is ASCII, so the JSON stays valid.
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
 * header and the policy and flow events are written directly (struct jw
 * above); the other events' own objects are built with cJSON and printed
 * after the header, their opening brace turned into the comma.
 */
int
event_format(const struct event *ev, char *buf, size_t len)
{
	struct jw	 w = { buf, buf + (len > 0 ? len - 1 : 0), true, len == 0 };
	cJSON		*o;
	size_t		 hlen;
	int		 ok;

	jw_char(&w, '{');
	jw_ts(&w, "timestamp", ev->ts_us);
	if (ev_host[0] != '\0')
		jw_str(&w, "host", ev_host);
	if (ev_has_tuple(ev->type))
		jw_u64(&w, "flow_id", ev->flow_id);
	jw_str(&w, "event_type", ev_names[ev->type]);
	if (ev->path == 1)	/* decided in the kernel (fastpath.c) */
		jw_str(&w, "path", "kernel");
	if (ev_has_tuple(ev->type)) {
		jw_addr(&w, "src_ip", &ev->src);
		jw_u64(&w, "src_port", ev->sport);
		jw_addr(&w, "dest_ip", &ev->dst);
		jw_u64(&w, "dest_port", ev->dport);
		jw_str(&w, "proto", "TCP");
		if (ev->app_proto[0] != '\0')
			jw_str(&w, "app_proto", ev->app_proto);
	} else if (ev->type == EV_SUMMARY) {
		jw_addr(&w, "src_ip", &ev->src);
		jw_str(&w, "proto", "TCP");
	}
	if (ev->type == EV_POLICY || ev->type == EV_FLOW) {
		if (ev->type == EV_POLICY)
			event_policy(&w, ev);
		else
			event_flow(&w, ev);
		jw_char(&w, '}');
		if (w.full)
			return -1;
		*w.p = '\0';
		utf8_scrub(buf);
		return (int)(w.p - buf);
	}
	if (w.full)
		return -1;
	hlen = (size_t)(w.p - buf);

	arena_begin();
	if ((o = cJSON_CreateObject()) == NULL) {
		arena_end();
		return -1;
	}
	switch (ev->type) {
	case EV_STATS:
		event_stats(o, ev);
		break;
	case EV_RELOAD:
		event_reload(o, ev);
		break;
	case EV_SMTP:
		if (ev->smtp.meta != NULL)
			event_smtp(o, ev);
		break;
	case EV_ALERT:
		event_alert(o, ev);
		break;
	case EV_SUMMARY:
		event_summary(o, ev);
		break;
	case EV_QUARANTINE:
		event_quarantine(o, ev);
		break;
	case EV_EXC_EXPIRED:
		event_expired(o, ev);
		break;
	case EV_POLICY:
	case EV_FLOW:
	case EV_REOPEN:
		break;		/* written above, without cJSON; no line */
	}
	ok = cJSON_PrintPreallocated(o, buf + hlen, (int)(len - hlen), 0);
	cJSON_Delete(o);
	arena_end();
	if (!ok)
		return -1;
	/* "{...}" after the header: its brace becomes the comma. */
	if (buf[hlen + 1] == '}')
		memcpy(buf + hlen, "}", 2);
	else
		buf[hlen] = ',';
	utf8_scrub(buf);
	return (int)strlen(buf);
}
