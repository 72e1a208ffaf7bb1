/*
 * nfqd.conf: "key = value" lines, '#' comments, in the grammar of
 * exceptions.conf (line_scan, base/text.c): a comment starts at the
 * start of a line or after a space or tab; a UTF-8 byte-order mark is
 * skipped; a control or non-ASCII byte outside a comment is an error.
 * Every error names file:line and what is wrong; nothing is half-loaded.
 */
#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy/conf.h"
#include "base/defs.h"
#include "base/addr.h"
#include "base/lpm.h"
#include "base/prom.h"
#include "base/tz.h"
#include "base/text.h"
#include "policy/quarantine.h"
#include "base/files.h"
#include "policy/sinkspec.h"

#define LINE_MAX_LEN	4096

struct conf_key {
	const char	*name;
	int		(*set)(struct conf *, char *, char *, size_t);
	bool		 required;
};

/* Split a comma list in place; empty items are an error. */
static int
conf_split(char *v, char **items, int max, char *err, size_t errlen)
{
	int	 n = 0;
	char	*p, *e;

	for (p = v;; p = e + 1) {
		if ((e = strchr(p, ',')) != NULL)
			*e = '\0';
		while (isspace((unsigned char)*p))
			p++;
		for (char *t = p + strlen(p); t > p && isspace((unsigned char)t[-1]);)
			*--t = '\0';
		if (*p == '\0') {
			snprintf(err, errlen, "empty item in list");
			return -1;
		}
		if (n == max) {
			snprintf(err, errlen, "too many items (at most %d)", max);
			return -1;
		}
		items[n++] = p;
		if (e == NULL)
			return n;
	}
}

/* A number with an optional s/m/h/d suffix when `duration`. */
static int
conf_number(const char *v, bool duration, uint64_t min, uint64_t max,
    uint64_t *out, char *err, size_t errlen)
{
	char			*end;
	unsigned long long	 n;
	uint64_t		 mul = 1;

	errno = 0;
	n = strtoull(v, &end, 10);
	if (duration && end != v && end[0] != '\0' && end[1] == '\0') {
		switch (*end) {
		case 's': mul = 1; end++; break;
		case 'm': mul = 60; end++; break;
		case 'h': mul = 3600; end++; break;
		case 'd': mul = 86400; end++; break;
		}
	}
	if (!isdigit((unsigned char)*v) || *end != '\0' || errno != 0 ||
	    n > max / mul || n * mul < min || n * mul > max) {
		snprintf(err, errlen, "bad %s '%s' (%llu-%llu%s)",
		    duration ? "duration" : "number", v,
		    (unsigned long long)min, (unsigned long long)max,
		    duration ? " seconds, or with s/m/h/d" : "");
		return -1;
	}
	*out = n * mul;
	return 0;
}

static int
set_internal(struct conf *c, char *v, char *err, size_t errlen)
{
	char	*items[MAX_INTERNAL], perr[ERRLEN];
	int	 i, n;
	size_t	 dup[2];
	char	 a[PREFIX_STRLEN];

	if ((n = conf_split(v, items, MAX_INTERNAL, err, errlen)) == -1)
		return -1;
	for (i = 0; i < n; i++)
		if (prefix_parse(items[i], &c->internal[i], perr,
		    sizeof(perr)) == -1) {
			snprintf(err, errlen, "internal-networks: %s", perr);
			return -1;
		}
	c->ninternal = (size_t)n;
	switch (lpm_build(&c->internal_lpm, c->internal, c->ninternal,
	    sizeof(struct prefix), dup)) {
	case -1:
		snprintf(err, errlen, "out of memory");
		return -1;
	case 1:
		prefix_format(&c->internal[dup[1]], a, sizeof(a));
		snprintf(err, errlen, "internal-networks: %s listed twice", a);
		return -1;
	}
	return 0;
}

static int
set_ports(struct conf *c, char *v, char *err, size_t errlen)
{
	char		*items[64];
	int		 i, n;
	uint64_t	 port;

	if ((n = conf_split(v, items, 64, err, errlen)) == -1)
		return -1;
	memset(c->smtp_port, 0, sizeof(c->smtp_port));
	c->nports = 0;
	for (i = 0; i < n; i++) {
		if (conf_number(items[i], false, 1, 65535, &port, err,
		    errlen) == -1)
			return -1;
		if (conf_is_smtp_port(c, (uint16_t)port)) {
			snprintf(err, errlen, "port %s listed twice", items[i]);
			return -1;
		}
		c->smtp_port[port >> 3] |= (uint8_t)(1 << (port & 7));
		c->ports[c->nports++] = (uint16_t)port;
	}
	return 0;
}

/* A path relative to the configuration file's folder. */
static int
conf_path(const struct conf *c, const char *v, char *out, size_t len,
    char *err, size_t errlen)
{
	const char	*slash = strrchr(c->path, '/');
	int		 n;

	if (v[0] == '/' || slash == NULL)
		n = snprintf(out, len, "%s", v);
	else
		n = snprintf(out, len, "%.*s/%s", (int)(slash - c->path),
		    c->path, v);
	if (n < 0 || (size_t)n >= len) {
		snprintf(err, errlen, "path too long");
		return -1;
	}
	return 0;
}

static int
set_exceptions(struct conf *c, char *v, char *err, size_t errlen)
{
	return conf_path(c, v, c->exceptions, sizeof(c->exceptions), err,
	    errlen);
}

static int
set_audit_log(struct conf *c, char *v, char *err, size_t errlen)
{
	return conf_path(c, v, c->audit_log, sizeof(c->audit_log), err,
	    errlen);
}

static int
set_mode(struct conf *c, char *v, char *err, size_t errlen)
{
	if (strcmp(v, "enforce") == 0)
		c->mode = MODE_ENFORCE;
	else if (strcmp(v, "monitor") == 0)
		c->mode = MODE_MONITOR;
	else {
		snprintf(err, errlen,
		    "bad mode '%s' (expected enforce or monitor)", v);
		return -1;
	}
	return 0;
}

static int
set_transit(struct conf *c, char *v, char *err, size_t errlen)
{
	if (strcmp(v, "allow") == 0)
		c->transit = TRANSIT_ALLOW;
	else if (strcmp(v, "block") == 0)
		c->transit = TRANSIT_BLOCK;
	else {
		snprintf(err, errlen,
		    "bad transit '%s' (expected allow or block)", v);
		return -1;
	}
	return 0;
}

static int
set_events(struct conf *c, char *v, char *err, size_t errlen)
{
	char		*items[MAX_SINKS], dir[MAX_PATH];
	const char	*slash = strrchr(c->path, '/');
	int		 i, j, n;

	if ((n = conf_split(v, items, MAX_SINKS, err, errlen)) == -1)
		return -1;
	if (slash != NULL)
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - c->path),
		    c->path);
	for (i = 0; i < n; i++) {
		if (sinkspec_check(items[i], c->events[i],
		    sizeof(c->events[i]), slash != NULL ? dir : NULL, err,
		    errlen) == -1)
			return -1;
		for (j = 0; j < i; j++)
			if (strcmp(c->events[i], c->events[j]) == 0) {
				snprintf(err, errlen, "event sink '%.200s' "
				    "listed twice", items[i]);
				return -1;
			}
	}
	c->nevents = (size_t)n;
	return 0;
}

static int
set_event_buffer(struct conf *c, char *v, char *err, size_t errlen)
{
	uint64_t	 n;

	if (sinkspec_size(v, &n, err, errlen) == -1)
		return -1;
	c->event_buffer = (uint32_t)n;
	return 0;
}

#define NUMBER_KEY(fn, field, dur, min, max)				\
static int								\
fn(struct conf *c, char *v, char *err, size_t errlen)			\
{									\
	uint64_t n;							\
	if (conf_number(v, dur, min, max, &n, err, errlen) == -1)	\
		return -1;						\
	c->field = (uint32_t)n;						\
	return 0;							\
}
NUMBER_KEY(set_max_flows, max_flows, false, 16, 100000000)
NUMBER_KEY(set_timeout_new, timeout_new, true, 1, 86400)
NUMBER_KEY(set_timeout_est, timeout_established, true, 1, 30 * 86400)
NUMBER_KEY(set_timeout_closed, timeout_closed, true, 1, 86400)
NUMBER_KEY(set_stats_interval, stats_interval, true, 0, 86400)

NUMBER_KEY(set_queue_maxlen, queue_maxlen, false, 1, 1000000)
NUMBER_KEY(set_summary_threshold, summary_threshold, false, 0, 1000000)
NUMBER_KEY(set_bulk_attempts, bulk_attempts, false, 0, 10000000)
NUMBER_KEY(set_bulk_messages, bulk_messages, false, 0, 10000000)
NUMBER_KEY(set_bulk_recipients, bulk_recipients, false, 0, 10000000)
NUMBER_KEY(set_bulk_window, bulk_window, true, 1, 7 * 86400)
NUMBER_KEY(set_harvest_recipients, harvest_recipients, false, 0, 10000000)
NUMBER_KEY(set_harvest_rejects, harvest_rejects, false, 0, 10000000)
NUMBER_KEY(set_harvest_window, harvest_window, true, 1, 7 * 86400)
NUMBER_KEY(set_relay_window, relay_window, true, 1, 7 * 86400)
NUMBER_KEY(set_detect_hosts, detect_hosts, false, 64, 16777216)
NUMBER_KEY(set_response_hosts, response_hosts, false, 16, 1048576)
NUMBER_KEY(set_census_hosts, census_hosts, false, 0, 1048576)
NUMBER_KEY(set_community_id_seed, community_id_seed, false, 0, 65535)

/* respond.c's durations: off, or 1 minute to 7 days. */
static int
set_response(uint32_t *out, char *v, char *err, size_t errlen)
{
	uint64_t	 n;

	if (strcmp(v, "off") == 0) {
		*out = 0;
		return 0;
	}
	if (conf_number(v, true, 60, 7 * 86400, &n, err, errlen) == -1) {
		snprintf(err, errlen, "bad duration '%.40s' (off, or 60-604800 "
		    "seconds, or with s/m/h/d)", v);
		return -1;
	}
	*out = (uint32_t)n;
	return 0;
}

static int
set_auto_quarantine(struct conf *c, char *v, char *err, size_t errlen)
{
	return set_response(&c->auto_quarantine, v, err, errlen);
}

static int
set_harvest_block(struct conf *c, char *v, char *err, size_t errlen)
{
	return set_response(&c->harvest_block, v, err, errlen);
}

/* A size: bytes, or with K, M or G (powers of 1024); 0 turns it off. */
static int
set_max_message_size(struct conf *c, char *v, char *err, size_t errlen)
{
	char			*end;
	unsigned long long	 n, mul = 1;

	errno = 0;
	n = strtoull(v, &end, 10);
	if (end != v && end[0] != '\0' && end[1] == '\0') {
		switch (*end) {
		case 'K': mul = 1ULL << 10; end++; break;
		case 'M': mul = 1ULL << 20; end++; break;
		case 'G': mul = 1ULL << 30; end++; break;
		}
	}
	if (!isdigit((unsigned char)*v) || *end != '\0' || errno != 0 ||
	    n > (1ULL << 40) / mul) {
		snprintf(err, errlen, "bad size '%s' (bytes, or with K, M or "
		    "G; at most 1T)", v);
		return -1;
	}
	c->max_message_size = n * mul;
	return 0;
}

static int
set_announcements(struct conf *c, char *v, char *err, size_t errlen)
{
	return conf_path(c, v, c->announcements, sizeof(c->announcements),
	    err, errlen);
}
NUMBER_KEY(set_summary_window, summary_window, true, 1, 86400)
NUMBER_KEY(set_summary_interval, summary_interval, true, 1, 86400)
NUMBER_KEY(set_summary_sources, summary_sources, false, 64, 16777216)
NUMBER_KEY(set_copy_range, copy_range, false, 128, 65531)
NUMBER_KEY(set_event_queue, event_queue, false, 64, 1048576)

static int
set_bool(bool *out, const char *key, const char *v, char *err, size_t errlen)
{
	if (strcmp(v, "yes") == 0)
		*out = true;
	else if (strcmp(v, "no") == 0)
		*out = false;
	else {
		snprintf(err, errlen, "bad %s '%s' (expected yes or no)", key,
		    v);
		return -1;
	}
	return 0;
}

static int
set_fail_open(struct conf *c, char *v, char *err, size_t errlen)
{
	return set_bool(&c->fail_open, "fail-open", v, err, errlen);
}

static int
set_reject(struct conf *c, char *v, char *err, size_t errlen)
{
	return set_bool(&c->reject, "reject", v, err, errlen);
}

/* queues = N or N-M: one worker per queue, --queue-balance N:M. */
static int
set_queues(struct conf *c, char *v, char *err, size_t errlen)
{
	char		*dash;
	uint64_t	 lo, hi;

	if ((dash = strchr(v, '-')) != NULL)
		*dash++ = '\0';
	if (conf_number(v, false, 0, 65535, &lo, err, errlen) == -1)
		return -1;
	hi = lo;
	if (dash != NULL &&
	    conf_number(dash, false, 0, 65535, &hi, err, errlen) == -1)
		return -1;
	if (hi < lo || hi - lo >= 64) {
		snprintf(err, errlen, "bad queues '%s-%s' (N or N-M, at most "
		    "64 queues)", v, dash);
		return -1;
	}
	c->queue_first = (uint16_t)lo;
	c->queue_count = (uint16_t)(hi - lo + 1);
	return 0;
}

/* A packet mark bit: 0x... with exactly one bit set. */
static int
set_mark(uint32_t *out, const char *key, const char *v, char *err,
    size_t errlen)
{
	char			*end;
	unsigned long long	 m;

	errno = 0;
	m = strtoull(v, &end, 0);
	if (*end != '\0' || errno != 0 || m == 0 || m > UINT32_MAX ||
	    (m & (m - 1)) != 0) {
		snprintf(err, errlen, "bad %s '%s' (one bit, e.g. 0x10000000)",
		    key, v);
		return -1;
	}
	*out = (uint32_t)m;
	return 0;
}

static int
set_mark_bypass(struct conf *c, char *v, char *err, size_t errlen)
{
	return set_mark(&c->mark_bypass, "mark-bypass", v, err, errlen);
}

static int
set_mark_reject(struct conf *c, char *v, char *err, size_t errlen)
{
	return set_mark(&c->mark_reject, "mark-reject", v, err, errlen);
}

static int
set_mark_allowed(struct conf *c, char *v, char *err, size_t errlen)
{
	return set_mark(&c->mark_allowed, "mark-allowed", v, err, errlen);
}

static int
set_ipset_prefix(struct conf *c, char *v, char *err, size_t errlen)
{
	size_t	 i, len = strlen(v);

	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)v[i]) && v[i] != '-' && v[i] != '_')
			break;
	if (len == 0 || len >= sizeof(c->ipset_prefix) || i != len) {
		snprintf(err, errlen, "bad ipset-prefix '%s' (1-%zu letters, "
		    "digits, - or _)", v, sizeof(c->ipset_prefix) - 1);
		return -1;
	}
	memcpy(c->ipset_prefix, v, len + 1);
	return 0;
}

/*
 * metrics = PATH | none: the Prometheus textfile (metrics.c), named
 * *.prom as node_exporter's textfile collector wants.  Its folder is
 * checked by nfqd -n (metrics_check), not here: a reload must not fail
 * for a folder that went away.
 */
static int
set_metrics(struct conf *c, char *v, char *err, size_t errlen)
{
	if (strcmp(v, "none") == 0) {
		c->metrics[0] = '\0';
		return 0;
	}
	if (conf_path(c, v, c->metrics, sizeof(c->metrics), err,
	    errlen) == -1)
		return -1;
	if (prom_path_check(c->metrics, err, errlen) == -1) {
		c->metrics[0] = '\0';
		return -1;
	}
	return 0;
}

/* control-socket = PATH | none: sun_path holds 107 bytes and a NUL. */
static int
set_control_socket(struct conf *c, char *v, char *err, size_t errlen)
{
	if (strcmp(v, "none") == 0) {
		c->control_socket[0] = '\0';
		return 0;
	}
	if (conf_path(c, v, c->control_socket, sizeof(c->control_socket), err,
	    errlen) == -1)
		return -1;
	if (strlen(c->control_socket) > 107) {
		snprintf(err, errlen, "control-socket path too long for a unix "
		    "socket (at most 107 bytes)");
		return -1;
	}
	return 0;
}

static int
set_control_group(struct conf *c, char *v, char *err, size_t errlen)
{
	struct group	 gr, *res = NULL;
	char		 buf[16384];

	if (strlen(v) >= sizeof(c->control_group) ||
	    getgrnam_r(v, &gr, buf, sizeof(buf), &res) != 0 || res == NULL) {
		snprintf(err, errlen, "control-group: no group '%.64s' on this "
		    "system", v);
		return -1;
	}
	snprintf(c->control_group, sizeof(c->control_group), "%s", v);
	c->control_gid = (uint32_t)gr.gr_gid;
	return 0;
}

static int
set_state_dir(struct conf *c, char *v, char *err, size_t errlen)
{
	if (conf_path(c, v, c->state_dir, sizeof(c->state_dir) -
	    sizeof(QUAR_FILE) - 16, err, errlen) == -1)
		return -1;
	return 0;
}

static int
set_classify(struct conf *c, char *v, char *err, size_t errlen)
{
	return set_bool(&c->classify, "classify", v, err, errlen);
}

static int
set_community_id(struct conf *c, char *v, char *err, size_t errlen)
{
	return set_bool(&c->community_id, "community-id", v, err, errlen);
}

static int
set_policy_alerts(struct conf *c, char *v, char *err, size_t errlen)
{
	return set_bool(&c->policy_alerts, "policy-alerts", v, err, errlen);
}

static int
set_fastpath(struct conf *c, char *v, char *err, size_t errlen)
{
	static const char *names[] = { "off", "tc", "xdp" };

	for (uint8_t i = 0; i < 3; i++)
		if (strcmp(v, names[i]) == 0) {
			c->fastpath = i;
			return 0;
		}
	snprintf(err, errlen, "bad fastpath '%.64s' (expected off, tc or xdp)",
	    v);
	return -1;
}

/* A list of interface names, for key `what`. */
static int
set_ifaces(char names[MAX_FP_IFACES][16], size_t *count, const char *what,
    char *v, char *err, size_t errlen)
{
	char	*items[MAX_FP_IFACES];
	int	 i, j, n;

	if ((n = conf_split(v, items, MAX_FP_IFACES, err, errlen)) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		if (strlen(items[i]) >= sizeof(names[0]) ||
		    strpbrk(items[i], " \t/") != NULL) {
			snprintf(err, errlen, "%s: bad interface name '%.64s'",
			    what, items[i]);
			return -1;
		}
		for (j = 0; j < i; j++)
			if (strcmp(items[i], items[j]) == 0) {
				snprintf(err, errlen, "%s: '%s' listed twice",
				    what, items[i]);
				return -1;
			}
		strcpy(names[i], items[i]);
	}
	*count = (size_t)n;
	return 0;
}

static int
set_fastpath_ifaces(struct conf *c, char *v, char *err, size_t errlen)
{
	return set_ifaces(c->fastpath_ifaces, &c->nfastpath_ifaces,
	    "fastpath-interfaces", v, err, errlen);
}

static int
set_campus_ifaces(struct conf *c, char *v, char *err, size_t errlen)
{
	return set_ifaces(c->campus_ifaces, &c->ncampus_ifaces,
	    "campus-interfaces", v, err, errlen);
}

static int
set_autoq_exceptions(struct conf *c, char *v, char *err, size_t errlen)
{
	return set_bool(&c->auto_quarantine_exceptions,
	    "auto-quarantine-exceptions", v, err, errlen);
}

static int
set_smtp_addresses(struct conf *c, char *v, char *err, size_t errlen)
{
	static const char *names[] = { "none", "domain", "full" };

	for (uint8_t i = 0; i < 3; i++)
		if (strcmp(v, names[i]) == 0) {
			c->smtp_addresses = i;
			return 0;
		}
	snprintf(err, errlen, "bad smtp-addresses '%s' (expected none, "
	    "domain or full)", v);
	return -1;
}

/*
 * sensor-name: the events' "host" (Suricata's EVE key of the same name),
 * what tells routers apart in one collector.  Host-name characters only,
 * so it needs no quoting in any sink or report.
 */
static int
sensor_name_ok(const char *v)
{
	size_t	 i, len = strlen(v);

	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)v[i]) && strchr("-_.:", v[i]) == NULL)
			return 0;
	return len > 0 && len < sizeof(((struct conf *)0)->sensor_name);
}

static int
set_sensor_name(struct conf *c, char *v, char *err, size_t errlen)
{
	if (!sensor_name_ok(v)) {
		snprintf(err, errlen, "bad sensor-name '%.80s' (1-%zu letters, "
		    "digits, '-', '_', '.' or ':')", v,
		    sizeof(c->sensor_name) - 1);
		return -1;
	}
	snprintf(c->sensor_name, sizeof(c->sensor_name), "%s", v);
	return 0;
}

/* user = NAME: the user nfqd becomes after binding (priv.c). */
static int
set_user(struct conf *c, char *v, char *err, size_t errlen)
{
	if (strlen(v) >= sizeof(c->user)) {
		snprintf(err, errlen, "user: name too long");
		return -1;
	}
	if (user_lookup(v, &c->uid, &c->gid, err, errlen) == -1)
		return -1;
	snprintf(c->user, sizeof(c->user), "%s", v);
	return 0;
}

static int
set_seccomp(struct conf *c, char *v, char *err, size_t errlen)
{
	static const char *names[] = { "no", "yes", "log" };

	for (uint8_t i = 0; i < 3; i++)
		if (strcmp(v, names[i]) == 0) {
			c->seccomp = i;
			return 0;
		}
	snprintf(err, errlen, "bad seccomp '%s' (expected yes, no or log)", v);
	return -1;
}

/* timezone = Area/City: loaded once every key is read (conf_load). */
static int
set_timezone(struct conf *c, char *v, char *err, size_t errlen)
{
	if (strlen(v) >= sizeof(c->timezone)) {
		snprintf(err, errlen, "timezone: '%.40s...' is too long", v);
		return -1;
	}
	snprintf(c->timezone, sizeof(c->timezone), "%s", v);
	return 0;
}

static const struct conf_key conf_keys[] = {
	{ "internal-networks",		set_internal,		true },
	{ "smtp-ports",			set_ports,		false },
	{ "exceptions",			set_exceptions,		true },
	{ "audit-log",			set_audit_log,		false },
	{ "mode",			set_mode,		false },
	{ "transit",			set_transit,		false },
	{ "events",			set_events,		false },
	{ "event-buffer",		set_event_buffer,	false },
	{ "max-flows",			set_max_flows,		false },
	{ "timeout-new",		set_timeout_new,	false },
	{ "timeout-established",	set_timeout_est,	false },
	{ "timeout-closed",		set_timeout_closed,	false },
	{ "stats-interval",		set_stats_interval,	false },
	{ "metrics",			set_metrics,		false },
	{ "queues",			set_queues,		false },
	{ "fail-open",			set_fail_open,		false },
	{ "reject",			set_reject,		false },
	{ "queue-maxlen",		set_queue_maxlen,	false },
	{ "copy-range",			set_copy_range,		false },
	{ "mark-bypass",		set_mark_bypass,	false },
	{ "mark-reject",		set_mark_reject,	false },
	{ "mark-allowed",		set_mark_allowed,	false },
	{ "event-queue",		set_event_queue,	false },
	{ "ipset-prefix",		set_ipset_prefix,	false },
	{ "control-socket",		set_control_socket,	false },
	{ "control-group",		set_control_group,	false },
	{ "state-dir",			set_state_dir,		false },
	{ "classify",			set_classify,		false },
	{ "summary-threshold",		set_summary_threshold,	false },
	{ "summary-window",		set_summary_window,	false },
	{ "summary-interval",		set_summary_interval,	false },
	{ "summary-sources",		set_summary_sources,	false },
	{ "bulk-attempts",		set_bulk_attempts,	false },
	{ "bulk-messages",		set_bulk_messages,	false },
	{ "bulk-recipients",		set_bulk_recipients,	false },
	{ "bulk-window",		set_bulk_window,	false },
	{ "bulk-announcements",		set_announcements,	false },
	{ "harvest-recipients",		set_harvest_recipients,	false },
	{ "harvest-rejects",		set_harvest_rejects,	false },
	{ "harvest-window",		set_harvest_window,	false },
	{ "relay-window",		set_relay_window,	false },
	{ "max-message-size",		set_max_message_size,	false },
	{ "detect-hosts",		set_detect_hosts,	false },
	{ "smtp-addresses",		set_smtp_addresses,	false },
	{ "sensor-name",		set_sensor_name,	false },
	{ "community-id",		set_community_id,	false },
	{ "community-id-seed",		set_community_id_seed,	false },
	{ "policy-alerts",		set_policy_alerts,	false },
	{ "fastpath",			set_fastpath,		false },
	{ "fastpath-interfaces",	set_fastpath_ifaces,	false },
	{ "campus-interfaces",		set_campus_ifaces,	false },
	{ "user",			set_user,		false },
	{ "seccomp",			set_seccomp,		false },
	{ "auto-quarantine",		set_auto_quarantine,	false },
	{ "auto-quarantine-exceptions",	set_autoq_exceptions,	false },
	{ "harvest-block",		set_harvest_block,	false },
	{ "response-hosts",		set_response_hosts,	false },
	{ "census-hosts",		set_census_hosts,	false },
	{ "timezone",			set_timezone,		false },
};
#define NKEYS	(sizeof(conf_keys) / sizeof(conf_keys[0]))

static void
conf_defaults(struct conf *c)
{
	memset(c, 0, sizeof(*c));
	c->smtp_port[25 >> 3] |= 1 << (25 & 7);
	c->ports[0] = 25;
	c->nports = 1;
	c->mode = MODE_ENFORCE;
	c->transit = TRANSIT_ALLOW;
	strcpy(c->events[0], "stdout");
	c->nevents = 1;
	c->event_buffer = SINK_BUFFER_DEFAULT;
	c->max_flows = 262144;
	c->timeout_new = 30;
	c->timeout_established = 3600;
	c->timeout_closed = 10;
	c->stats_interval = 60;
	c->queue_first = 0;
	c->queue_count = 1;
	c->fail_open = true;
	c->reject = false;
	c->queue_maxlen = 4096;
	c->copy_range = 1536;
	c->mark_bypass = 0x10000000;
	c->mark_reject = 0x20000000;
	c->mark_allowed = 0x40000000;
	c->event_queue = 16384;
	strcpy(c->ipset_prefix, "nfqd");
	strcpy(c->control_socket, "/run/nfqd/control.sock");
	strcpy(c->state_dir, "/var/lib/nfqd");
	c->classify = true;
	c->community_id = true;
	c->summary_threshold = 10;
	c->summary_window = 60;
	c->summary_interval = 60;
	c->summary_sources = 65536;
	c->bulk_attempts = 30;
	c->bulk_messages = 200;
	c->bulk_recipients = 1000;
	c->bulk_window = 600;
	c->harvest_recipients = 100;
	c->harvest_rejects = 20;
	c->harvest_window = 600;
	c->relay_window = 600;
	c->max_message_size = 50ULL << 20;	/* the Case relay's limit */
	c->detect_hosts = 65536;
	c->response_hosts = 4096;
	c->census_hosts = 4096;
	c->smtp_addresses = 1;		/* domain: FERPA, see nfqd.conf(5) */
	/* The system's host name, when it is one sensor-name accepts. */
	if (gethostname(c->sensor_name, sizeof(c->sensor_name)) != 0 ||
	    c->sensor_name[sizeof(c->sensor_name) - 1] != '\0' ||
	    !sensor_name_ok(c->sensor_name))
		strcpy(c->sensor_name, "nfqd");
	c->seccomp = SECCOMP_ON;
}

/* Trim; NULL for nothing left. */
static char *
conf_strip(char *s)
{
	char	*e;

	while (isspace((unsigned char)*s))
		s++;
	for (e = s + strlen(s); e > s && isspace((unsigned char)e[-1]);)
		*--e = '\0';
	return *s ? s : NULL;
}

int
conf_load(const char *path, struct conf *c, char *err, size_t errlen)
{
	return conf_load_flags(path, c, 0, err, errlen);
}

/* The zone expires days end in: timezone, else the system's. */
static int
conf_tz(struct conf *c, unsigned line, char *err, size_t errlen)
{
	char	 msg[ERRLEN];

	if ((c->tz = tz_load(c->timezone[0] ? c->timezone : NULL, msg,
	    sizeof(msg))) != NULL)
		return 0;
	if (c->timezone[0])
		snprintf(err, errlen, "%s:%u: timezone: %s", c->path, line,
		    msg);
	else
		snprintf(err, errlen, "%s: the system's time zone: %s (set "
		    "timezone = Area/City)", c->path, msg);
	return -1;
}

/*
 * One line of nfqd.conf (its BOM gone, NUL-terminated): a blank or
 * comment line, or KEY = VALUE set once.  -1 with msg.
 */
static int
conf_line(struct conf *c, char *s, unsigned lineno, unsigned *seen,
    char *msg, size_t msglen)
{
	char	*k, *v, *eq;
	size_t	 i, content, comment;

	if (line_scan(s, &content, &comment, msg, msglen) == -1)
		return -1;
	s[content] = '\0';
	if ((s = conf_strip(s)) == NULL)
		return 0;
	if ((eq = strchr(s, '=')) == NULL) {
		snprintf(msg, msglen, "expected 'key = value', got '%.80s'", s);
		return -1;
	}
	*eq = '\0';
	k = conf_strip(s);
	v = conf_strip(eq + 1);
	if (k == NULL || v == NULL) {
		snprintf(msg, msglen, "%s", k == NULL ?
		    "missing key before '='" : "missing value after '='");
		return -1;
	}
	for (i = 0; i < NKEYS; i++)
		if (strcmp(k, conf_keys[i].name) == 0)
			break;
	if (i == NKEYS) {
		snprintf(msg, msglen, "unknown key '%.80s'", k);
		return -1;
	}
	if (seen[i]) {
		snprintf(msg, msglen, "%s set twice (first on line %u)", k,
		    seen[i]);
		return -1;
	}
	seen[i] = lineno;
	return conf_keys[i].set(c, v, msg, msglen);
}

/*
 * What only the whole file says: keys that go together, required keys,
 * the time zone (after every key it may depend on), the list's real path.
 */
static int
conf_finish(struct conf *c, const unsigned *seen, char *err, size_t errlen)
{
	const char	*path = c->path;
	char		*real;
	size_t		 i;

	if (c->mark_bypass == c->mark_reject ||
	    c->mark_bypass == c->mark_allowed ||
	    c->mark_reject == c->mark_allowed) {
		snprintf(err, errlen, "%s: mark-bypass, mark-reject and "
		    "mark-allowed must be three different bits", path);
		return -1;
	}
	if (c->metrics[0] != '\0' && c->stats_interval == 0) {
		snprintf(err, errlen, "%s: metrics needs stats-interval above 0 "
		    "(the file is written with each stats event)", path);
		return -1;
	}
	if (c->fastpath != FASTPATH_OFF && c->nfastpath_ifaces == 0) {
		snprintf(err, errlen, "%s: fastpath = %s needs "
		    "fastpath-interfaces (the border interfaces)", path,
		    c->fastpath == FASTPATH_TC ? "tc" : "xdp");
		return -1;
	}
	for (i = 0; i < NKEYS; i++) {
		if (conf_keys[i].required && !seen[i]) {
			snprintf(err, errlen, "%s: %s is not set", path,
			    conf_keys[i].name);
			return -1;
		}
		if (conf_keys[i].set == set_internal)
			c->internal_line = seen[i];
		if (conf_keys[i].set == set_events)
			c->events_line = seen[i];	/* sinks_check_specs */
		if (conf_keys[i].set == set_timezone &&
		    conf_tz(c, seen[i], err, errlen) == -1)
			return -1;
	}
	/*
	 * The list's real path, which nfqctl compares with the file it
	 * edited.  Only for an absolute path: a relative one would need
	 * getcwd(), which a reloading daemon's seccomp filter does not allow.
	 */
	snprintf(c->exceptions_real, sizeof(c->exceptions_real), "%s",
	    c->exceptions);
	if (c->exceptions[0] == '/' && (real = realpath(c->exceptions,
	    NULL)) != NULL) {
		if (strlen(real) < sizeof(c->exceptions_real))
			strcpy(c->exceptions_real, real);
		free(real);
	}
	return 0;
}

/*
 * flags: CONF_ANY_MODE for a copy being checked (nfqctl exception check
 * -c): its mode is the checkout's business, not the daemon's.
 */
int
conf_load_flags(const char *path, struct conf *c, unsigned flags, char *err,
    size_t errlen)
{
	FILE		*f;
	char		*line = NULL, msg[ERRLEN];
	size_t		 cap = 0;
	ssize_t		 len;
	unsigned	 lineno = 0, seen[NKEYS] = { 0 };

	conf_defaults(c);
	if (snprintf(c->path, sizeof(c->path), "%s", path) >=
	    (int)sizeof(c->path)) {
		snprintf(err, errlen, "%.64s...: path too long", path);
		return -1;
	}
	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!(flags & CONF_ANY_MODE) &&
	    file_check_mode(fileno(f), path, err, errlen) == -1)
		goto fail;
	while ((len = getline(&line, &cap, f)) != -1) {
		lineno++;
		if (len > LINE_MAX_LEN) {
			snprintf(msg, sizeof(msg), "line too long");
			goto bad;
		}
		if (memchr(line, '\0', (size_t)len) != NULL) {
			snprintf(msg, sizeof(msg), "NUL byte in line");
			goto bad;
		}
		if (conf_line(c, line + (lineno == 1 ? utf8_bom(line,
		    (size_t)len) : 0), lineno, seen, msg, sizeof(msg)) == -1)
			goto bad;
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (conf_finish(c, seen, err, errlen) == -1)
		goto fail;
	free(line);
	fclose(f);
	return 0;
bad:
	snprintf(err, errlen, "%s:%u: %s", path, lineno, msg);
fail:
	free(line);
	fclose(f);
	conf_free(c);
	return -1;
}

void
conf_free(struct conf *c)
{
	lpm_free(&c->internal_lpm);
	tz_free(c->tz);
	c->tz = NULL;
}
