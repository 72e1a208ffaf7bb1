/*
 * Where the report finds things in an nfqd event: the one table that
 * knows the event format (docs/events.md, format 2: Suricata's EVE
 * vocabulary, a detection's facts in alert.metadata as Suricata writes a
 * rule's metadata, each value an array of strings).  When the format
 * changes, this file changes and the report does not.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "report.h"

/* Each field: a dotted path from the top of the event. */
static const char *const paths[RF_COUNT] = {
	[RF_TIMESTAMP]		= "timestamp",
	[RF_TYPE]		= "event_type",
	[RF_HOST]		= "host",
	[RF_FLOW_ID]		= "flow_id",
	[RF_SRC_IP]		= "src_ip",
	[RF_SRC_PORT]		= "src_port",
	[RF_DEST_IP]		= "dest_ip",
	[RF_DEST_PORT]		= "dest_port",
	[RF_APP_PROTO]		= "app_proto",

	[RF_POL_ACTION]		= "policy.action",
	[RF_POL_DIRECTION]	= "policy.direction",
	[RF_POL_REASON]		= "policy.reason",
	[RF_POL_MODE]		= "policy.mode",
	[RF_POL_EXC_ENTRY]	= "policy.exception.entry",
	[RF_POL_EXC_DIRECTION]	= "policy.exception.direction",
	[RF_POL_EXC_TICKET]	= "policy.exception.ticket",
	[RF_POL_EXC_OWNER]	= "policy.exception.owner",
	[RF_POL_QUAR_HOST]	= "policy.quarantine.host",
	[RF_POL_QUAR_SINCE]	= "policy.quarantine.since",
	[RF_POL_QUAR_UNTIL]	= "policy.quarantine.until",
	[RF_POL_HB_HOST]	= "policy.harvest_block.host",
	[RF_POL_HB_SINCE]	= "policy.harvest_block.since",
	[RF_POL_HB_UNTIL]	= "policy.harvest_block.until",
	[RF_POL_HB_REASON]	= "policy.harvest_block.reason",

	[RF_SUM_ACTION]		= "policy_summary.action",
	[RF_SUM_DIRECTION]	= "policy_summary.direction",
	[RF_SUM_MODE]		= "policy_summary.mode",
	[RF_SUM_COUNT]		= "policy_summary.count",

	[RF_ALERT_ACTION]	= "alert.action",
	[RF_ALERT_SID]		= "alert.signature_id",
	[RF_ALERT_SIGNATURE]	= "alert.signature",
	[RF_ALERT_SEVERITY]	= "alert.severity",
	[RF_DET_KIND]		= "alert.metadata.detection",
	[RF_DET_HOST]		= "alert.metadata.host",
	[RF_DET_COUNT]		= "alert.metadata.count",
	[RF_DET_THRESHOLD]	= "alert.metadata.threshold",
	[RF_DET_WINDOW]		= "alert.metadata.window",
	[RF_DET_IN_FLOW]	= "alert.metadata.inbound_flow_id",
	[RF_DET_OUT_FLOW]	= "alert.metadata.outbound_flow_id",
	[RF_DET_OUT_BLOCKED]	= "alert.metadata.outbound_blocked",
	[RF_DET_RESP_ACTION]	= "alert.metadata.response",
	[RF_DET_RESP_UNTIL]	= "alert.metadata.response_until",
	[RF_DET_RESP_NOTE]	= "alert.metadata.response_note",

	[RF_Q_HOST]		= "quarantine.host",
	[RF_Q_ACTION]		= "quarantine.action",
	[RF_Q_REASON]		= "quarantine.reason",
	[RF_Q_SINCE]		= "quarantine.since",
	[RF_Q_UNTIL]		= "quarantine.until",
	[RF_Q_WHO]		= "quarantine.who",
	[RF_Q_CAUSE]		= "quarantine.cause",
	[RF_Q_REMOVED_BY]	= "quarantine.removed_by",
};

/* The event types, by RF_TYPE. */
static const struct {
	const char	*name;
	enum rt		 type;
} types[] = {
	{ "policy",		RT_POLICY },
	{ "policy_summary",	RT_SUMMARY },
	{ "alert",		RT_ALERT },
	{ "quarantine",		RT_QUARANTINE },
};

/* Words with a meaning, index = the enum's value. */
static const char *const actions[] = { "allowed", "blocked" };
static const char *const modes[] = { "enforce", "monitor" };
static const char *const directions[RPT_DIRS] = { "inbound", "outbound",
    "internal", "transit" };
static const char *const qactions[] = { "start", "end" };

/* alert.metadata.response of a harvest block */
static const char harvest_response[] = "harvest_block";

/* Alerts without a detection: named by their signature ids. */
static const struct {
	double		 sid, last;
	const char	*kind;
} sid_kinds[] = {
	{ 9250001, 9250001, "non_smtp_protocol" },
	{ 9250002, 9250002, "unidentified_payload" },
	{ 9250300, 9250339, "blocked_connection" },	/* policy-alerts */
};

const char *
rf_path(enum rf f)
{
	return paths[f];
}

static const cJSON *
rf_get(const cJSON *o, enum rf f)
{
	const char	*p = paths[f], *dot;
	const cJSON	*c;
	size_t		 len;

	while (o != NULL && cJSON_IsObject(o)) {
		dot = strchr(p, '.');
		len = dot != NULL ? (size_t)(dot - p) : strlen(p);
		for (c = o->child; c != NULL; c = c->next)
			if (c->string != NULL && strlen(c->string) == len &&
			    memcmp(c->string, p, len) == 0)
				break;
		if (dot == NULL || c == NULL)
			/* alert.metadata: a rule's metadata value, ["v"] */
			return c != NULL && cJSON_IsArray(c) && strncmp(paths[f],
			    "alert.metadata.", 15) == 0 ? c->child : c;
		o = c;
		p = dot + 1;
	}
	return NULL;
}

const char *
rf_str(const cJSON *o, enum rf f)
{
	const cJSON	*v = rf_get(o, f);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A number, or (alert.metadata) a string that is one. */
bool
rf_num(const cJSON *o, enum rf f, double *out)
{
	const cJSON	*v = rf_get(o, f);
	char		*end;

	if (cJSON_IsString(v) && v->valuestring[0] >= '0' &&
	    v->valuestring[0] <= '9') {
		*out = strtod(v->valuestring, &end);
		return *end == '\0';
	}
	if (!cJSON_IsNumber(v))
		return false;
	*out = v->valuedouble;
	return true;
}

/* A boolean, or (alert.metadata) "true" or "false". */
bool
rf_bool(const cJSON *o, enum rf f, bool *out)
{
	const cJSON	*v = rf_get(o, f);

	if (cJSON_IsString(v) && (strcmp(v->valuestring, "true") == 0 ||
	    strcmp(v->valuestring, "false") == 0)) {
		*out = v->valuestring[0] == 't';
		return true;
	}
	if (!cJSON_IsBool(v))
		return false;
	*out = cJSON_IsTrue(v);
	return true;
}

enum rt
rt_of(const cJSON *o)
{
	const char	*t = rf_str(o, RF_TYPE);

	for (size_t i = 0; t != NULL && i < sizeof(types) / sizeof(types[0]);
	    i++)
		if (strcmp(t, types[i].name) == 0)
			return types[i].type;
	return RT_OTHER;
}

static int
word_index(const char *s, const char *const *words, int n)
{
	for (int i = 0; s != NULL && i < n; i++)
		if (strcmp(s, words[i]) == 0)
			return i;
	return -1;
}

int
rv_action(const char *s)
{
	return word_index(s, actions, 2);
}

int
rv_mode(const char *s)
{
	return word_index(s, modes, 2);
}

int
rv_direction(const char *s)
{
	return word_index(s, directions, RPT_DIRS);
}

int
rv_qaction(const char *s)
{
	return word_index(s, qactions, 2);
}

const char *
rv_direction_name(int d)
{
	return d >= 0 && d < RPT_DIRS ? directions[d] : "?";
}

const char *
rv_harvest_response(void)
{
	return harvest_response;
}

/*
 * An alert's kind: its detection's, else the name of its signature id,
 * else "sid N".
 */
const char *
rv_alert_kind(const cJSON *o, char *buf, size_t len)
{
	const char	*k = rf_str(o, RF_DET_KIND);
	double		 sid = 0;

	if (k != NULL)
		return k;
	rf_num(o, RF_ALERT_SID, &sid);
	for (size_t i = 0; i < sizeof(sid_kinds) / sizeof(sid_kinds[0]); i++)
		if (sid_kinds[i].sid <= sid && sid <= sid_kinds[i].last)
			return sid_kinds[i].kind;
	snprintf(buf, len, "sid %.0f", sid);
	return buf;
}
