/*
 * nfqd-collect: one line in.  A syslog header in front is taken off; what
 * is left must be an nfqd event, or it is counted, logged and never
 * stored; an event goes, byte for byte, to its sender's daily file of
 * the UTC date of its own timestamp.
 */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "collect/collect.h"

/*
 * Skip a syslog header: RFC 5424 (<PRI>1 TS HOST APP PROCID MSGID SD MSG)
 * or syslog(3)'s (<PRI>Mmm dd hh:mm:ss TAG[PID]: MSG).
 */
static const char *
syslog_strip(const char *p, const char *end)
{
	const char	*q = p;
	int		 field;

	if (q >= end || *q != '<')
		return p;
	while (q < end && *q != '>')
		q++;
	if (q + 2 >= end)
		return p;
	if (q[1] != '1' || q[2] != ' ') {
		/* RFC 3164: the message starts after the tag's ": " */
		for (q++; q + 1 < end; q++)
			if (q[0] == ':' && q[1] == ' ')
				return q + 2;
		return p;
	}
	q += 3;
	for (field = 0; field < 5; field++) {	/* TS HOST APP PROCID MSGID */
		while (q < end && *q != ' ')
			q++;
		if (q++ >= end)
			return p;
	}
	if (q < end && *q == '-')
		q++;
	else
		while (q < end && *q == '[') {	/* SD-ELEMENTs */
			for (q++; q < end && *q != ']'; q++)
				if (*q == '\\' && q + 1 < end)
					q++;
				else if (*q == '"')
					for (q++; q < end && *q != '"'; q++)
						if (*q == '\\' && q + 1 < end)
							q++;
			q++;
		}
	if (q < end && *q == ' ')
		q++;
	if (end - q >= 3 && memcmp(q, "\xef\xbb\xbf", 3) == 0)
		q += 3;			/* BOM */
	return q <= end ? q : p;
}

/*
 * Is o an nfqd event?  The header every event has (docs/events.md):
 * "timestamp" (2026-09-21T08:05:00.123456+0000), a known "event_type";
 * for the events about one connection "flow_id", "src_ip", "src_port",
 * "dest_ip", "dest_port", "proto"; and the object named after the type
 * (an smtp event may have none).  NULL, or what is wrong.  Its day into
 * *day.
 */
static const char *
event_valid(const cJSON *o, int64_t *day)
{
	static const char *const types[] = { "policy", "flow", "stats",
	    "reload", "smtp", "alert", "policy_summary", "quarantine",
	    "exception_expired", "smtp_session", "nfqd_stats" };
	static const char *const tuple[] = { "policy", "flow", "smtp",
	    "alert", "smtp_session" };
	const cJSON	*ts, *type;
	const char	*t;
	size_t		 i;
	bool		 known = false, has_tuple = false;

	if (!cJSON_IsObject(o))
		return "not a JSON object";
	ts = cJSON_GetObjectItemCaseSensitive(o, "timestamp");
	if (!cJSON_IsString(ts) || strlen(ts->valuestring) < 26 ||
	    ts->valuestring[10] != 'T' || (*day = day_parse(ts->valuestring,
	    10)) == -1)
		return "no valid \"timestamp\"";
	type = cJSON_GetObjectItemCaseSensitive(o, "event_type");
	if (!cJSON_IsString(type))
		return "no \"event_type\"";
	t = type->valuestring;
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		known |= strcmp(t, types[i]) == 0;
	if (!known)
		return "an unknown \"event_type\"";
	for (i = 0; i < sizeof(tuple) / sizeof(tuple[0]); i++)
		has_tuple |= strcmp(t, tuple[i]) == 0;
	if (has_tuple && (
	    !cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(o, "flow_id")) ||
	    !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, "src_ip")) ||
	    !cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(o, "src_port")) ||
	    !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, "dest_ip")) ||
	    !cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(o,
	    "dest_port")) ||
	    !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, "proto"))))
		return "a connection's event without its flow_id, addresses, "
		    "ports and proto";
	if (strcmp(t, "smtp") != 0 &&
	    !cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(o, t)))
		return "no object named after its event_type";
	return NULL;
}

static void
line_reject(struct collector *co, const char *sender, const char *why)
{
	uint64_t	 missed;

	co->n.invalid++;
	if (ratelog_due(&co->invalid_log, &missed))
		collect_say("rejected a line from %s: %s (%llu rejected so "
		    "far, %llu since the last such line)", sender, why,
		    (unsigned long long)co->n.invalid,
		    (unsigned long long)missed);
}

void
line_in(struct collector *co, const char *sender, const char *p, size_t len)
{
	const char	*end = p + len, *pe = NULL, *why;
	cJSON		*o;
	char		 date[11];
	struct dayfile	*f;
	int64_t		 d = -1;

	while (end > p && (end[-1] == '\r' || end[-1] == '\n'))
		end--;
	p = syslog_strip(p, end);
	len = (size_t)(end - p);
	if (len == 0)
		return;
	co->n.lines++;
	if ((o = cJSON_ParseWithLengthOpts(p, len, &pe, false)) == NULL) {
		line_reject(co, sender, "not JSON");
		return;
	}
	for (; pe != NULL && pe < end; pe++)
		if (*pe != ' ' && *pe != '\t')
			break;
	why = pe != NULL && pe < end ? "something after the object" :
	    event_valid(o, &d);
	cJSON_Delete(o);
	if (why != NULL) {
		line_reject(co, sender, why);
		return;
	}
	day_format(d, date, sizeof(date));
	if ((f = dayfile_get(co, sender, date)) == NULL) {
		co->n.write_failed++;
		return;
	}
	if (f->len + len + 1 > DAYFILE_BUF)
		dayfile_write(co, f);
	memcpy(f->buf + f->len, p, len);
	f->len += len;
	f->buf[f->len++] = '\n';
	co->n.written++;
}
