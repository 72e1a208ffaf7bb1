/*
 * Events as one JSON object per line in Suricata's EVE shape: a common
 * header (timestamp, flow_id, event_type, src/dest ip and port, proto)
 * then one object named after the event type.  src is the originator.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "nfqd.h"

void
ts_format(int64_t us, char *buf, size_t len)
{
	struct tm	 tm;
	time_t		 s;
	int64_t		 frac;

	s = (time_t)(us / 1000000);
	frac = us % 1000000;
	if (frac < 0) {
		frac += 1000000;
		s--;
	}
	gmtime_r(&s, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%06lld+0000",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (long long)frac);
}

static void
add_ts(cJSON *o, const char *key, int64_t us)
{
	char	 ts[40];

	ts_format(us, ts, sizeof(ts));
	cJSON_AddStringToObject(o, key, ts);
}

static void
add_addr(cJSON *o, const char *key, const struct ip_addr *a)
{
	char	 s[ADDR_STRLEN];

	addr_format(a, s, sizeof(s));
	cJSON_AddStringToObject(o, key, s);
}

static void
event_policy(cJSON *o, const struct event *ev)
{
	cJSON	*p, *x;

	p = cJSON_AddObjectToObject(o, "policy");
	cJSON_AddStringToObject(p, "action", action_name(ev->policy.action));
	cJSON_AddStringToObject(p, "direction",
	    direction_name(ev->policy.direction));
	cJSON_AddStringToObject(p, "reason", reason_name(ev->policy.reason));
	cJSON_AddStringToObject(p, "mode",
	    ev->policy.mode == MODE_MONITOR ? "monitor" : "enforce");
	if (ev->policy.exc.entry[0] == '\0')
		return;
	x = cJSON_AddObjectToObject(p, "exception");
	cJSON_AddStringToObject(x, "entry", ev->policy.exc.entry);
	cJSON_AddStringToObject(x, "direction", dir_name(ev->policy.exc.dir));
	if (ev->policy.exc.ticket[0])
		cJSON_AddStringToObject(x, "ticket", ev->policy.exc.ticket);
	if (ev->policy.exc.owner[0])
		cJSON_AddStringToObject(x, "owner", ev->policy.exc.owner);
	if (ev->policy.exc.expires[0])
		cJSON_AddStringToObject(x, "expires", ev->policy.exc.expires);
}

static void
event_flow(cJSON *o, const struct event *ev)
{
	cJSON	*f;

	f = cJSON_AddObjectToObject(o, "flow");
	cJSON_AddNumberToObject(f, "pkts_toserver", ev->flow.pkts[0]);
	cJSON_AddNumberToObject(f, "pkts_toclient", ev->flow.pkts[1]);
	cJSON_AddNumberToObject(f, "bytes_toserver", (double)ev->flow.bytes[0]);
	cJSON_AddNumberToObject(f, "bytes_toclient", (double)ev->flow.bytes[1]);
	add_ts(f, "start", ev->flow.start_us);
	add_ts(f, "end", ev->flow.end_us);
	cJSON_AddNumberToObject(f, "age",
	    (double)((ev->flow.end_us - ev->flow.start_us) / 1000000));
	cJSON_AddStringToObject(f, "state", flow_state_name(ev->flow.state));
	cJSON_AddStringToObject(f, "reason", flow_end_name(ev->flow.end));
	cJSON_AddStringToObject(f, "action", action_name(ev->flow.action));
	cJSON_AddStringToObject(f, "direction",
	    direction_name(ev->flow.direction));
}

#define N(obj, name, v)	cJSON_AddNumberToObject(obj, name, (double)(v))

static void
event_stats(cJSON *o, const struct event *ev)
{
	const struct stats	*s = &ev->stats;
	cJSON			*st, *x;

	st = cJSON_AddObjectToObject(o, "stats");
	N(st, "uptime", (ev->ts_us - s->start_us) / 1000000);
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
	N(x, "pkts_accepted", s->pkts_accepted);
	N(x, "pkts_dropped", s->pkts_dropped);
	x = cJSON_AddObjectToObject(st, "flow");
	N(x, "created", s->flows_created);
	N(x, "active", s->flows_active);
	N(x, "closed", s->flows_closed);
	N(x, "timeout", s->flows_timeout);
	N(x, "evicted", s->flows_evicted);
	N(x, "untracked", s->flows_untracked);
	x = cJSON_AddObjectToObject(st, "nfq");
	N(x, "queue_dropped", s->queue_dropped);
	N(x, "user_dropped", s->user_dropped);
	x = cJSON_AddObjectToObject(st, "events");
	N(x, "written", s->events);
	N(x, "dropped", s->events_dropped);
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
	if (ev->reload.ok) {
		N(r, "added", ev->reload.added);
		N(r, "removed", ev->reload.removed);
		N(r, "changed", ev->reload.changed);
	}
}

static const char *ev_names[] = { "policy", "flow", "stats", "reload" };

/* Format into buf; returns the length, or -1 if it did not fit. */
int
event_format(const struct event *ev, char *buf, size_t len)
{
	cJSON	*o;
	int	 ok;

	if ((o = cJSON_CreateObject()) == NULL)
		return -1;
	add_ts(o, "timestamp", ev->ts_us);
	if (ev->type == EV_POLICY || ev->type == EV_FLOW)
		N(o, "flow_id", ev->flow_id);
	cJSON_AddStringToObject(o, "event_type", ev_names[ev->type]);
	if (ev->type == EV_POLICY || ev->type == EV_FLOW) {
		add_addr(o, "src_ip", &ev->src);
		N(o, "src_port", ev->sport);
		add_addr(o, "dest_ip", &ev->dst);
		N(o, "dest_port", ev->dport);
		cJSON_AddStringToObject(o, "proto", "TCP");
	}
	switch (ev->type) {
	case EV_POLICY:
		event_policy(o, ev);
		break;
	case EV_FLOW:
		event_flow(o, ev);
		break;
	case EV_STATS:
		event_stats(o, ev);
		break;
	case EV_RELOAD:
		event_reload(o, ev);
		break;
	}
	ok = cJSON_PrintPreallocated(o, buf, (int)len, 0);
	cJSON_Delete(o);
	return ok ? (int)strlen(buf) : -1;
}
