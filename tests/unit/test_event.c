/*
 * event_format: the output parsed back with cJSON, field by field, for
 * policy (with and without an exception), flow and stats events.
 */
#include <cjson/cJSON.h>

#include "util.h"

#define TS	INT64_C(1790000000000123)	/* 2026-09-21T14:13:20.000123Z */
#define TS_STR	"2026-09-21T14:13:20.000123+0000"

static char *
format(const struct event *ev, char *buf, size_t len)
{
	int	 n;

	n = event_format(ev, buf, len);
	if (n < 0)
		fail_msg("event_format failed");
	assert_int_equal((size_t)n, strlen(buf));
	assert_null(strchr(buf, '\n'));		/* one event, one line */
	return buf;
}

static cJSON *
parse(const char *s)
{
	cJSON	*o = cJSON_Parse(s);

	if (o == NULL || !cJSON_IsObject(o))
		fail_msg("not a JSON object: %s", s);
	return o;
}

static const char *
str(const cJSON *o, const char *key)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!cJSON_IsString(v))
		fail_msg("'%s' is not a string", key);
	return v->valuestring;
}

static double
num(const cJSON *o, const char *key)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!cJSON_IsNumber(v))
		fail_msg("'%s' is not a number", key);
	return v->valuedouble;
}

static const cJSON *
obj(const cJSON *o, const char *key)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!cJSON_IsObject(v))
		fail_msg("'%s' is not an object", key);
	return v;
}

static int
nkeys(const cJSON *o)
{
	return cJSON_GetArraySize(o);
}

static struct event
policy_event(void)
{
	struct event	 ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = EV_POLICY;
	ev.ts_us = TS;
	ev.flow_id = 123456789012345ULL;
	ev.src = ip("10.20.1.25");
	ev.dst = ip("198.51.100.7");
	ev.sport = 40001;
	ev.dport = 25;
	ev.policy.action = A_BLOCKED;
	ev.policy.direction = D_OUTBOUND;
	ev.policy.reason = R_NO_EXCEPTION;
	ev.policy.mode = MODE_ENFORCE;
	return ev;
}

static void
test_ts_format(void **state UNUSED)
{
	static const struct { int64_t us; const char *s; } cases[] = {
		{ TS, TS_STR },
		{ 0, "1970-01-01T00:00:00.000000+0000" },
		{ 1, "1970-01-01T00:00:00.000001+0000" },
		{ 999999, "1970-01-01T00:00:00.999999+0000" },
		{ -1, "1969-12-31T23:59:59.999999+0000" },
		{ -1000000, "1969-12-31T23:59:59.000000+0000" },
		{ INT64_C(1788220799999999), "2026-08-31T23:59:59.999999+0000" },
		{ INT64_C(1788220800000000), "2026-09-01T00:00:00.000000+0000" },
		{ INT64_C(1835395200500000), "2028-02-29T00:00:00.500000+0000" },
	};
	char	 buf[64];
	size_t	 i;

	for (i = 0; i < NELEM(cases); i++) {
		ts_format(cases[i].us, buf, sizeof(buf));
		assert_string_equal(buf, cases[i].s);
	}
	/* a short buffer is cut, not overrun */
	ts_format(TS, buf, 11);
	assert_string_equal(buf, "2026-09-21");
}

static void
test_policy_without_exception(void **state UNUSED)
{
	struct event	 ev = policy_event();
	char		 buf[2048];
	cJSON		*o;
	const cJSON	*p;

	o = parse(format(&ev, buf, sizeof(buf)));
	assert_string_equal(str(o, "timestamp"), TS_STR);
	assert_true(num(o, "flow_id") == 123456789012345.0);
	assert_string_equal(str(o, "event_type"), "policy");
	assert_string_equal(str(o, "src_ip"), "10.20.1.25");
	assert_true(num(o, "src_port") == 40001);
	assert_string_equal(str(o, "dest_ip"), "198.51.100.7");
	assert_true(num(o, "dest_port") == 25);
	assert_string_equal(str(o, "proto"), "TCP");
	/* no community_id when the event has none (community-id = no) */
	assert_null(cJSON_GetObjectItemCaseSensitive(o, "community_id"));
	/* the format version, where Suricata's schema has room for it */
	assert_true(num(obj(obj(o, "metadata"), "flowints"), "nfqd_format") ==
	    EVE_FORMAT);
	assert_int_equal(nkeys(o), 10);
	p = obj(o, "policy");
	assert_string_equal(str(p, "action"), "blocked");
	assert_string_equal(str(p, "direction"), "outbound");
	assert_string_equal(str(p, "reason"), "no-exception");
	assert_string_equal(str(p, "mode"), "enforce");
	assert_string_equal(str(p, "roles"), "syn");
	assert_null(cJSON_GetObjectItemCaseSensitive(p, "exception"));
	assert_int_equal(nkeys(p), 5);
	cJSON_Delete(o);

	/* the EVE field order: timestamp first, the type object last */
	assert_true(strncmp(buf, "{\"timestamp\":\"" TS_STR "\"", 46) == 0);

	ev.policy.action = A_ALLOWED;
	ev.policy.direction = D_TRANSIT;
	ev.policy.reason = R_TRANSIT;
	ev.policy.mode = MODE_MONITOR;
	o = parse(format(&ev, buf, sizeof(buf)));
	p = obj(o, "policy");
	assert_string_equal(str(p, "action"), "allowed");
	assert_string_equal(str(p, "direction"), "transit");
	assert_string_equal(str(p, "reason"), "transit");
	assert_string_equal(str(p, "mode"), "monitor");
	cJSON_Delete(o);
}

static void
test_policy_with_exception(void **state UNUSED)
{
	struct event	 ev = policy_event();
	char		 buf[2048];
	cJSON		*o;
	const cJSON	*p, *x;

	ev.src = ip("203.0.113.9");
	ev.dst = ip("10.20.8.66");
	ev.policy.direction = D_INBOUND;
	ev.policy.reason = R_EXCEPTION_DIRECTION;
	snprintf(ev.policy.exc.entry, sizeof(ev.policy.exc.entry),
	    "10.20.8.66/32");
	ev.policy.exc.dir = EXC_OUTBOUND;
	snprintf(ev.policy.exc.ticket, EXC_TEXTLEN, "NET-1203");
	snprintf(ev.policy.exc.owner, EXC_TEXTLEN, "physics-it");
	snprintf(ev.policy.exc.expires, 11, "2027-06-30");
	o = parse(format(&ev, buf, sizeof(buf)));
	p = obj(o, "policy");
	assert_string_equal(str(p, "reason"), "exception-direction");
	assert_string_equal(str(p, "direction"), "inbound");
	x = obj(p, "exception");
	assert_string_equal(str(x, "entry"), "10.20.8.66/32");
	assert_string_equal(str(x, "direction"), "outbound");
	assert_string_equal(str(x, "ticket"), "NET-1203");
	assert_string_equal(str(x, "owner"), "physics-it");
	assert_string_equal(str(x, "expires"), "2027-06-30");
	assert_int_equal(nkeys(x), 5);
	cJSON_Delete(o);

	/* optional texts left out when empty */
	ev.policy.reason = R_EXCEPTION_EXPIRED;
	ev.policy.exc.dir = EXC_BOTH;
	ev.policy.exc.owner[0] = '\0';
	ev.policy.exc.ticket[0] = '\0';
	o = parse(format(&ev, buf, sizeof(buf)));
	p = obj(o, "policy");
	assert_string_equal(str(p, "reason"), "exception-expired");
	x = obj(p, "exception");
	assert_string_equal(str(x, "direction"), "both");
	assert_string_equal(str(x, "expires"), "2027-06-30");
	assert_null(cJSON_GetObjectItemCaseSensitive(x, "ticket"));
	assert_null(cJSON_GetObjectItemCaseSensitive(x, "owner"));
	assert_int_equal(nkeys(x), 3);
	cJSON_Delete(o);

	ev.policy.reason = R_EXCEPTION;
	ev.policy.action = A_ALLOWED;
	ev.policy.exc.expires[0] = '\0';
	o = parse(format(&ev, buf, sizeof(buf)));
	x = obj(obj(o, "policy"), "exception");
	assert_null(cJSON_GetObjectItemCaseSensitive(x, "expires"));
	assert_int_equal(nkeys(x), 2);
	cJSON_Delete(o);
}

static void
test_ipv6_compressed(void **state UNUSED)
{
	struct event	 ev = policy_event();
	char		 buf[2048];
	cJSON		*o;

	ev.src = ip("2001:0db8:0020:0001:0000:0000:0000:0025");
	ev.dst = ip("2001:db8:ff:0:0:0:0:7");
	ev.sport = 25;
	ev.dport = 65535;
	snprintf(ev.policy.exc.entry, sizeof(ev.policy.exc.entry),
	    "2001:db8:20::/48");
	ev.policy.exc.dir = EXC_INBOUND;
	o = parse(format(&ev, buf, sizeof(buf)));
	assert_string_equal(str(o, "src_ip"), "2001:db8:20:1::25");
	assert_string_equal(str(o, "dest_ip"), "2001:db8:ff::7");
	assert_true(num(o, "src_port") == 25);
	assert_true(num(o, "dest_port") == 65535);
	assert_string_equal(str(obj(obj(o, "policy"), "exception"), "entry"),
	    "2001:db8:20::/48");
	cJSON_Delete(o);
}

static void
test_flow_event(void **state UNUSED)
{
	struct event	 ev;
	char		 buf[2048];
	cJSON		*o;
	const cJSON	*f;

	memset(&ev, 0, sizeof(ev));
	ev.type = EV_FLOW;
	ev.ts_us = TS + 70 * INT64_C(1000000);
	ev.flow_id = (1ULL << 51) - 1;
	ev.src = ip("203.0.113.9");
	ev.dst = ip("10.20.1.25");
	ev.sport = 51515;
	ev.dport = 25;
	ev.flow.pkts[0] = 12;
	ev.flow.pkts[1] = 9;
	ev.flow.bytes[0] = 123456;
	ev.flow.bytes[1] = 4321;
	ev.flow.start_us = TS;
	ev.flow.end_us = TS + 65500000;		/* 65.5 s */
	ev.flow.state = FS_CLOSED;
	ev.flow.end = FE_FIN;
	ev.flow.action = A_ALLOWED;
	ev.flow.direction = D_INBOUND;
	ev.flow.tflags[0] = TH_SYN | TH_ACK | TH_FIN | TH_PSH;
	ev.flow.tflags[1] = TH_SYN | TH_ACK | TH_RST;
	ev.has_cid = true;
	community_id_hash(0, &ev.src, &ev.dst, 6, 51515, 25, ev.cid);
	o = parse(format(&ev, buf, sizeof(buf)));
	assert_string_equal(str(o, "timestamp"),
	    "2026-09-21T14:14:30.000123+0000");
	assert_string_equal(str(o, "event_type"), "flow");
	assert_true(num(o, "flow_id") == (double)((1ULL << 51) - 1));
	assert_string_equal(str(o, "src_ip"), "203.0.113.9");
	assert_string_equal(str(o, "dest_ip"), "10.20.1.25");
	assert_true(num(o, "src_port") == 51515);
	assert_true(num(o, "dest_port") == 25);
	assert_string_equal(str(o, "proto"), "TCP");
	assert_null(cJSON_GetObjectItemCaseSensitive(o, "policy"));
	f = obj(o, "flow");
	assert_true(num(f, "pkts_toserver") == 12);
	assert_true(num(f, "pkts_toclient") == 9);
	assert_true(num(f, "bytes_toserver") == 123456);
	assert_true(num(f, "bytes_toclient") == 4321);
	assert_string_equal(str(f, "start"), TS_STR);
	assert_string_equal(str(f, "end"), "2026-09-21T14:14:25.500123+0000");
	/* Suricata's age: 14:14:25 - 14:13:20, the seconds alone */
	assert_true(num(f, "age") == 65);
	assert_string_equal(str(f, "state"), "closed");
	/* a closed connection is written at its closed timeout */
	assert_string_equal(str(f, "reason"), "timeout");
	assert_string_equal(str(f, "action"), "accept");
	assert_false(cJSON_IsTrue(cJSON_GetObjectItem(f, "alerted")));
	assert_int_equal(nkeys(f), 11);
	/* FIN and RST are told apart in Suricata's tcp object */
	f = obj(o, "tcp");
	assert_string_equal(str(f, "tcp_flags"), "1f");
	assert_string_equal(str(f, "tcp_flags_ts"), "1b");
	assert_string_equal(str(f, "tcp_flags_tc"), "16");
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(f, "fin")));
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(f, "rst")));
	assert_null(cJSON_GetObjectItem(f, "urg"));
	/* the Community ID of 203.0.113.9:51515 -> 10.20.1.25:25 */
	{
		char	 want[COMMUNITY_ID_LEN];

		community_id(0, &ev.src, &ev.dst, 6, 51515, 25, want);
		assert_string_equal(str(o, "community_id"), want);
	}
	cJSON_Delete(o);

	ev.flow.state = FS_ESTABLISHED;
	ev.flow.end = FE_END_OF_CAPTURE;
	ev.flow.action = A_BLOCKED;
	ev.flow.direction = D_OUTBOUND;
	ev.flow.end_us = ev.flow.start_us;
	o = parse(format(&ev, buf, sizeof(buf)));
	f = obj(o, "flow");
	assert_string_equal(str(f, "state"), "established");
	assert_string_equal(str(f, "reason"), "shutdown");
	assert_string_equal(str(f, "action"), "drop");
	assert_null(cJSON_GetObjectItem(f, "direction"));
	assert_true(num(f, "age") == 0);
	cJSON_Delete(o);

	/* monitor mode dropped nothing; the table was full: forced */
	ev.flow.mode = MODE_MONITOR;
	ev.flow.end = FE_EVICTED;
	ev.flow.end_us = ev.flow.start_us + 999999;	/* 14:13:21.000122 */
	o = parse(format(&ev, buf, sizeof(buf)));
	f = obj(o, "flow");
	assert_string_equal(str(f, "action"), "accept");
	assert_string_equal(str(f, "reason"), "forced");
	assert_true(num(f, "age") == 1);	/* 21 - 20, as Suricata */
	cJSON_Delete(o);
	ev.flow.end = FE_REUSE;
	o = parse(format(&ev, buf, sizeof(buf)));
	assert_string_equal(str(obj(o, "flow"), "reason"), "tcp_reuse");
	cJSON_Delete(o);
}

static void
test_stats_event(void **state UNUSED)
{
	struct event	 ev;
	struct stats	*s = &ev.stats;
	char		 buf[4096];
	cJSON		*o;
	const cJSON	*st, *x;

	event_init(&ev, EV_NFQD_STATS, TS);
	s->start_us = TS - 3600 * INT64_C(1000000) - 1;
	s->pkts = 1;
	s->bytes = 2;
	s->invalid = 3;
	s->fragments = 4;
	s->not_ip = 5;
	s->not_tcp = 6;
	s->ipv4 = 7;
	s->ipv6 = 8;
	s->vlan = 9;
	s->other_port = 10;
	s->allowed = 11;
	s->blocked = 12;
	s->pkts_accepted = 13;
	s->pkts_dropped = 14;
	s->flows_created = 15;
	s->flows_closed = 16;
	s->flows_timeout = 17;
	s->flows_evicted = 18;
	s->flows_untracked = 19;
	s->flows_active = 20;
	s->events = 21;
	s->events_dropped = 22;
	o = parse(format(&ev, buf, sizeof(buf)));
	assert_string_equal(str(o, "timestamp"), TS_STR);
	assert_string_equal(str(o, "event_type"), "nfqd_stats");
	assert_null(cJSON_GetObjectItemCaseSensitive(o, "flow_id"));
	assert_null(cJSON_GetObjectItemCaseSensitive(o, "src_ip"));
	assert_null(cJSON_GetObjectItemCaseSensitive(o, "proto"));
	assert_int_equal(nkeys(o), 4);
	st = obj(o, "nfqd_stats");
	assert_true(num(st, "uptime") == 3600);
	x = obj(st, "decoder");
	assert_true(num(x, "pkts") == 1);
	assert_true(num(x, "bytes") == 2);
	assert_true(num(x, "invalid") == 3);
	assert_true(num(x, "fragments") == 4);
	assert_true(num(x, "not_ip") == 5);
	assert_true(num(x, "not_tcp") == 6);
	assert_true(num(x, "ipv4") == 7);
	assert_true(num(x, "ipv6") == 8);
	assert_true(num(x, "vlan") == 9);
	x = obj(st, "policy");
	assert_true(num(x, "other_port") == 10);
	assert_true(num(x, "allowed") == 11);
	assert_true(num(x, "blocked") == 12);
	assert_true(num(x, "pkts_accepted") == 13);
	assert_true(num(x, "pkts_dropped") == 14);
	x = obj(st, "flow");
	assert_true(num(x, "created") == 15);
	assert_true(num(x, "closed") == 16);
	assert_true(num(x, "timeout") == 17);
	assert_true(num(x, "evicted") == 18);
	assert_true(num(x, "untracked") == 19);
	assert_true(num(x, "active") == 20);
	x = obj(st, "events");
	assert_true(num(x, "written") == 21);
	assert_true(num(x, "dropped") == 22);
	cJSON_Delete(o);

	/* Suricata's stats: the counters Suricata has, by its names */
	ev.type = EV_STATS;
	s->reopened = 23;
	s->queue_dropped = 24;
	s->user_dropped = 1;
	o = parse(format(&ev, buf, sizeof(buf)));
	assert_string_equal(str(o, "event_type"), "stats");
	st = obj(o, "stats");
	assert_true(num(st, "uptime") == 3600);
	assert_null(cJSON_GetObjectItem(st, "policy"));
	assert_null(cJSON_GetObjectItem(obj(st, "decoder"), "not_ip"));
	x = obj(st, "flow");
	assert_true(num(x, "total") == 15);
	assert_true(num(x, "active") == 20);
	assert_true(num(x, "tcp_reuse") == 23);
	assert_true(num(obj(x, "mgr"), "flows_timeout") == 17);
	assert_true(num(obj(x, "mgr"), "flows_evicted") == 18);
	x = obj(st, "ips");
	assert_true(num(x, "accepted") == 13);
	assert_true(num(x, "blocked") == 14);
	assert_true(num(obj(st, "capture"), "kernel_drops") == 25);
	cJSON_Delete(o);
	ev.type = EV_NFQD_STATS;

	/* big counters keep every digit (below 2^52) */
	s->bytes = (1ULL << 52) - 1;
	s->pkts = (1ULL << 52) - 5;
	o = parse(format(&ev, buf, sizeof(buf)));
	x = obj(obj(o, "nfqd_stats"), "decoder");
	assert_true(num(x, "bytes") == 4503599627370495.0);
	assert_true(num(x, "pkts") == 4503599627370491.0);
	cJSON_Delete(o);
}

/* The sensor name is in every event's header as "host", or nowhere. */
static void
test_host(void **state UNUSED)
{
	struct event	 ev;
	char		 buf[4096];
	cJSON		*o;
	uint8_t		 types[] = { EV_POLICY, EV_FLOW, EV_STATS, EV_RELOAD };

	memset(&ev, 0, sizeof(ev));
	ev.ts_us = TS;
	ev.src.af = ev.dst.af = 4;
	for (size_t i = 0; i < sizeof(types); i++) {
		ev.type = types[i];
		event_set_host("border-2");
		o = parse(format(&ev, buf, sizeof(buf)));
		assert_string_equal(str(o, "host"), "border-2");
		cJSON_Delete(o);
		event_set_host("");
		o = parse(format(&ev, buf, sizeof(buf)));
		assert_null(cJSON_GetObjectItemCaseSensitive(o, "host"));
		cJSON_Delete(o);
	}
	event_set_host(NULL);
}

/*
 * Every buffer shorter than the output fails with -1 and writes nothing
 * past its end (exact-size heap blocks, for ASan); a roomy one works.
 */
/*
 * Policy and flow events are written without cJSON (event.c, struct jw):
 * strings escaped exactly as cJSON escapes them, so that a parser reads
 * back what went in, and the quarantine object in order.
 */
static void
test_direct_escapes(void **state UNUSED)
{
	static const char ticket[] = "NET-1\"2\\3\n4\t5\x01\x1f\x7f";
	struct event	 ev = policy_event();
	char		 buf[4096];
	cJSON		*o;
	const cJSON	*x;

	snprintf(ev.policy.exc.entry, sizeof(ev.policy.exc.entry),
	    "10.20.8.0/24");
	snprintf(ev.policy.exc.ticket, sizeof(ev.policy.exc.ticket), "%s",
	    ticket);
	snprintf(ev.policy.exc.owner, sizeof(ev.policy.exc.owner),
	    "r\xc3\xa9seau");			/* UTF-8 stays as it is */
	format(&ev, buf, sizeof(buf));
	assert_non_null(strstr(buf, "\"ticket\":\"NET-1\\\"2\\\\3\\n4\\t5"
	    "\\u0001\\u001f\x7f\""));
	assert_non_null(strstr(buf, "\"owner\":\"r\xc3\xa9seau\""));
	o = parse(buf);
	x = obj(obj(o, "policy"), "exception");
	assert_string_equal(str(x, "ticket"), ticket);
	assert_string_equal(str(x, "owner"), "r\xc3\xa9seau");
	cJSON_Delete(o);
	/* The header's keys, in EVE's order. */
	assert_true(strncmp(buf, "{\"timestamp\":\"" TS_STR "\",", 
	    strlen("{\"timestamp\":\"" TS_STR "\",")) == 0);
	assert_non_null(strstr(buf, "\"flow_id\":123456789012345,"
	    "\"event_type\":\"policy\",\"src_ip\":\"10.20.1.25\","
	    "\"src_port\":40001,\"dest_ip\":\"198.51.100.7\","
	    "\"dest_port\":25,\"proto\":\"TCP\",\"policy\":{"));
	assert_int_equal(buf[strlen(buf) - 1], '}');
}

static void
test_small_buffer(void **state UNUSED)
{
	struct event	 evs[3];
	char		 full[4096], *b;
	size_t		 len, i, k;
	int		 n;

	evs[0] = policy_event();
	snprintf(evs[0].policy.exc.entry, sizeof(evs[0].policy.exc.entry),
	    "10.20.8.0/24");
	memset(&evs[1], 0, sizeof(evs[1]));
	evs[1].type = EV_FLOW;
	evs[1].src = ip("2001:db8::1");
	evs[1].dst = ip("2001:db8::2");
	memset(&evs[2], 0, sizeof(evs[2]));
	evs[2].type = EV_STATS;
	for (k = 0; k < 3; k++) {
		n = event_format(&evs[k], full, sizeof(full));
		assert_true(n > 0);
		len = (size_t)n;
		for (i = 0; i <= len; i++) {
			b = malloc(i ? i : 1);
			assert_non_null(b);
			assert_int_equal(event_format(&evs[k], b, i), -1);
			free(b);
		}
		b = malloc(len + 16);
		assert_non_null(b);
		assert_int_equal(event_format(&evs[k], b, len + 16), n);
		assert_string_equal(b, full);
		free(b);
	}
}

/*
 * A line must be UTF-8 (RFC 8259): bytes that are not, such as a Latin-1
 * line of exceptions.conf quoted in a reload error, or a character cut
 * by "%.40s", become '?'; well-formed UTF-8 stays.  (fuzz_event found
 * it: tests/fuzz/regress/event/.)
 */
static void
test_invalid_utf8(void **state UNUSED)
{
	struct event	 ev;
	char		 buf[2048];
	cJSON		*o;

	memset(&ev, 0, sizeof(ev));
	ev.type = EV_RELOAD;
	ev.ts_us = TS;
	snprintf(ev.reload.error, sizeof(ev.reload.error),
	    "x.conf:3: bad direction 'inbo\xe9nd' caf\xc3\xa9 \xe2\x82 "
	    "\xed\xa0\x80 \xc0\xaf \xf4\x90\x80\x80 \xf0\x9f\x93\xa7");
	format(&ev, buf, sizeof(buf));
	o = parse(buf);
	assert_string_equal(str(obj(o, "reload"), "error"),
	    "x.conf:3: bad direction 'inbo?nd' caf\xc3\xa9 ?? ??? ?? ???? "
	    "\xf0\x9f\x93\xa7");
	cJSON_Delete(o);

	ev = policy_event();
	ev.type = EV_ALERT;
	ev.alert.sid = SID_NON_SMTP;
	snprintf(ev.app_proto, sizeof(ev.app_proto), "\xff\xfe\x80smtp");
	o = parse(format(&ev, buf, sizeof(buf)));
	/* not one of Suricata's names; nDPI's, scrubbed, in the metadata */
	assert_string_equal(str(o, "app_proto"), "failed");
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(obj(obj(o,
	    "alert"), "metadata"), "protocol"), 0)->valuestring, "???smtp");
	cJSON_Delete(o);
}

/*
 * The constructors (event.c): each type's event from what its maker
 * knows, the header from the connection, nothing left of an earlier
 * event in the same memory, and an owned copy where the event keeps one.
 */
static void
test_constructors(void **state UNUSED)
{
	struct ev_conn		 c;
	struct exc_entry	 x;
	struct quar_entry	 q;
	struct decision		 d;
	struct event		 ev;
	char			 buf[4096];
	cJSON			*o;

	memset(&c, 0, sizeof(c));
	c.flow_id = 42;
	c.src = ip("10.20.8.15");
	c.dst = ip("203.0.113.9");
	c.sport = 40001;
	c.dport = 25;
	c.has_cid = true;
	community_id_hash(0, &c.src, &c.dst, 6, 40001, 25, c.cid);
	c.app_proto = "smtp";
	memset(&x, 0, sizeof(x));
	assert_int_equal(prefix_parse("10.20.8.0/24", &x.pfx, NULL, 0), 0);
	x.dir = EXC_INBOUND;
	snprintf(x.ticket, sizeof(x.ticket), "NET-1187");
	snprintf(x.expires, sizeof(x.expires), "2027-06-30");
	x.line = 7;
	memset(&d, 0, sizeof(d));
	d.action = A_BLOCKED;
	d.direction = D_OUTBOUND;
	d.reason = R_EXCEPTION_DIRECTION;
	d.roles = ROLES_SYN;
	d.exc = &x;
	memset(&ev, 0xa5, sizeof(ev));		/* what was there before */
	event_policy_make(&ev, TS, &c, &d, MODE_MONITOR);
	assert_int_equal(ev.type, EV_POLICY);
	assert_int_equal(ev.flow_id, 42);
	assert_int_equal(ev.path, 0);
	assert_string_equal(ev.app_proto, "");	/* no payload yet */
	assert_string_equal(ev.policy.exc.entry, "10.20.8.0/24");
	assert_string_equal(ev.policy.quar.host, "");
	o = parse(format(&ev, buf, sizeof(buf)));
	assert_string_equal(str(obj(obj(o, "policy"), "exception"), "ticket"),
	    "NET-1187");
	assert_string_equal(str(obj(o, "policy"), "mode"), "monitor");
	assert_non_null(cJSON_GetObjectItem(o, "community_id"));
	cJSON_Delete(o);

	event_expired_make(&ev, TS, &x);
	assert_int_equal(ev.type, EV_EXC_EXPIRED);
	assert_int_equal(ev.expired.line, 7);
	assert_string_equal(ev.expired.exc.expires, "2027-06-30");

	memset(&q, 0, sizeof(q));
	assert_int_equal(prefix_parse("10.20.3.44/32", &q.pfx, NULL, 0), 0);
	snprintf(q.reason, sizeof(q.reason), "SEC-9");
	assert_int_equal(event_quarantine_make(&ev, TS, QA_START, &q), 0);
	assert_ptr_not_equal(ev.quarantine.q, &q);	/* its own copy */
	snprintf(q.reason, sizeof(q.reason), "changed after");
	assert_string_equal(ev.quarantine.q->reason, "SEC-9");
	event_release(&ev);
	assert_null(ev.quarantine.q);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_ts_format),
		cmocka_unit_test(test_policy_without_exception),
		cmocka_unit_test(test_policy_with_exception),
		cmocka_unit_test(test_ipv6_compressed),
		cmocka_unit_test(test_flow_event),
		cmocka_unit_test(test_stats_event),
		cmocka_unit_test(test_direct_escapes),
		cmocka_unit_test(test_small_buffer),
		cmocka_unit_test(test_host),
		cmocka_unit_test(test_constructors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
