/*
 * fuzz_event: event_format() (event.c) on events whose every field comes
 * from the input: any number, any enum value, strings of arbitrary bytes
 * (invalid UTF-8, control characters, quotes), and small output buffers.
 *
 * Numbers are any value, except times whose differences event.c prints
 * (a flow's age, the uptime): those are as the engine makes them, on its
 * clock (never negative, end not before start), and a quarantine's
 * since/until, which quarantine.c keeps to years 1970-9999.
 *
 * Input: consumed front to back (missing bytes read as zero): the output
 * buffer size (0xf0-0xff: 1-601 bytes, else 64 KB), the type, the common
 * header, then the fields of that type; a string is a length byte then
 * that many bytes.
 *
 * The output must be -1 (did not fit) or a NUL-terminated line of that
 * length that cJSON parses back, that is valid UTF-8, whose event_type is
 * the type's name, and in which a string field given as valid UTF-8 comes
 * back unchanged.
 */
#include <stddef.h>

#include <cjson/cJSON.h>

#include "fuzz.h"
#include "engine/smtp.h"
#include "sink/eve.h"

#define BUFLEN	65536

static const char *const type_names[] = { "policy", "flow", "stats",
    "reload", "smtp", "alert", "policy_summary", "quarantine",
    "exception_expired", "smtp_session", "nfqd_stats" };
#define NTYPES	(sizeof(type_names) / sizeof(type_names[0]))

struct in {
	const uint8_t	*p;
	size_t		 n;
};

static uint8_t
u8(struct in *in)
{
	if (in->n == 0)
		return 0;
	in->n--;
	return *in->p++;
}

static uint64_t
u64(struct in *in)
{
	uint64_t	 v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | u8(in);
	return v;
}

/* A string of arbitrary bytes (no NUL inside: it would end it). */
static void
str(struct in *in, char *out, size_t size)
{
	size_t	 len = u8(in), i;

	if (len > size - 1)
		len = size - 1;
	for (i = 0; i < len; i++) {
		out[i] = (char)u8(in);
		if (out[i] == '\0')
			out[i] = (char)0x80;
	}
	out[len] = '\0';
}

static void
addr(struct in *in, struct ip_addr *a)
{
	a->af = u8(in) & 1 ? 6 : 4;
	for (int i = 0; i < 16; i++)
		a->b[i] = u8(in);
	if (a->af == 4)
		memset(a->b + 4, 0, 12);
}

/* A prefix of any length, as event.c may be handed one. */
static void
prefix(struct in *in, struct prefix *p)
{
	addr(in, &p->addr);
	p->len = u8(in);
}

static void
exc(struct in *in, struct ev_exc *x)
{
	str(in, x->entry, sizeof(x->entry));
	x->dir = u8(in);
	str(in, x->ticket, sizeof(x->ticket));
	str(in, x->owner, sizeof(x->owner));
	str(in, x->expires, sizeof(x->expires));
}

static void
fill_smtp(struct in *in, struct smtp_meta *m)
{
	uint32_t	 i;

	memset(m, 0, sizeof(*m));
	str(in, m->banner, sizeof(m->banner));
	str(in, m->helo, sizeof(m->helo));
	m->starttls = u8(in) & 1;
	m->auth = u8(in) & 1;
	m->transactions = (uint32_t)u64(in);
	m->rcpts = (uint32_t)u64(in);
	m->data_bytes = u64(in);
	for (i = 0; i < 4; i++)
		m->replies[i] = (uint32_t)u64(in);
	m->n_mail_from = u8(in) % (SMTP_MAX_ADDRS + 1);
	m->n_rcpt_to = u8(in) % (SMTP_MAX_ADDRS + 1);
	for (i = 0; i < m->n_mail_from; i++)
		str(in, m->mail_from[i], SMTP_ADDRLEN);
	for (i = 0; i < m->n_rcpt_to; i++)
		str(in, m->rcpt_to[i], SMTP_ADDRLEN);
	m->commands = (uint32_t)u64(in);
	m->max_message = (uint32_t)u64(in);
	m->messages = (uint32_t)u64(in);
}

static void
fill_tx(struct in *in, struct smtp_tx *t)
{
	memset(t, 0, sizeof(*t));
	t->id = (uint32_t)u64(in);
	t->has_mail_from = u8(in) & 1;
	str(in, t->helo, sizeof(t->helo));
	str(in, t->mail_from, sizeof(t->mail_from));
	t->n_rcpt_to = u8(in) % (SMTP_MAX_ADDRS + 1);
	for (uint32_t i = 0; i < t->n_rcpt_to; i++)
		str(in, t->rcpt_to[i], SMTP_ADDRLEN);
}

static void
build(struct in *in, struct event *ev)
{
	struct quar_entry *q;
	uint64_t	*st;
	size_t		 i;

	memset(ev, 0, sizeof(*ev));
	ev->type = u8(in) % NTYPES;
	ev->ts_us = (int64_t)u64(in);
	ev->flow_id = u64(in);
	addr(in, &ev->src);
	addr(in, &ev->dst);
	ev->sport = (uint16_t)u64(in);
	ev->dport = (uint16_t)u64(in);
	str(in, ev->app_proto, sizeof(ev->app_proto));
	ev->path = u8(in) & 1;
	if ((ev->has_cid = u8(in) & 1))
		for (i = 0; i < sizeof(ev->cid); i++)
			ev->cid[i] = u8(in);
	switch (ev->type) {
	case EV_POLICY:
		ev->policy.action = u8(in);
		ev->policy.direction = u8(in);
		ev->policy.reason = u8(in);
		ev->policy.mode = u8(in);
		exc(in, &ev->policy.exc);
		break;
	case EV_FLOW:
		ev->flow.bytes[0] = u64(in);
		ev->flow.bytes[1] = u64(in);
		ev->flow.pkts[0] = (uint32_t)u64(in);
		ev->flow.pkts[1] = (uint32_t)u64(in);
		/* As the engine makes them: 0 <= start <= end. */
		ev->flow.start_us = (int64_t)(u64(in) >> 2);
		ev->flow.end_us = ev->flow.start_us + (int64_t)(u64(in) >> 3);
		ev->flow.state = u8(in);
		ev->flow.end = u8(in);
		ev->flow.action = u8(in);
		ev->flow.direction = u8(in);
		ev->flow.mode = u8(in);
		ev->flow.tflags[0] = u8(in);
		ev->flow.tflags[1] = u8(in);
		ev->flow.alerted = u8(in) & 1;
		ev->flow.risk = u64(in);
		break;
	case EV_STATS:
	case EV_NFQD_STATS:
		/* 64-bit counters up to start_us; what follows is left 0. */
		st = (uint64_t *)&ev->stats;
		for (i = 0; i <= offsetof(struct stats, start_us) /
		    sizeof(uint64_t); i++)
			st[i] = u64(in);
		/* Started before now, both on the engine's clock (>= 0). */
		ev->ts_us = (int64_t)((uint64_t)ev->ts_us >> 2);
		ev->stats.start_us = (int64_t)((uint64_t)ev->stats.start_us %
		    ((uint64_t)ev->ts_us + 1));
		break;
	case EV_RELOAD:
		ev->reload.ok = u8(in) & 1;
		ev->reload.entries = (uint32_t)u64(in);
		ev->reload.added = (uint32_t)u64(in);
		ev->reload.removed = (uint32_t)u64(in);
		ev->reload.changed = (uint32_t)u64(in);
		str(in, ev->reload.error, sizeof(ev->reload.error));
		break;
	case EV_SMTP:
		ev->smtp.addr_mode = u8(in) % 4;
		if (u8(in) != 0xff) {	/* 0xff: an smtp event without tx */
			if ((ev->smtp.tx = malloc(sizeof(*ev->smtp.tx))) ==
			    NULL)
				abort();
			fill_tx(in, ev->smtp.tx);
		}
		break;
	case EV_SMTP_SESSION:
		ev->smtp_session.addr_mode = u8(in) % 4;
		if (u8(in) != 0xff) {	/* 0xff: without meta */
			if ((ev->smtp_session.meta =
			    malloc(sizeof(*ev->smtp_session.meta))) == NULL)
				abort();
			fill_smtp(in, ev->smtp_session.meta);
		}
		break;
	case EV_ALERT:
		ev->alert.sid = (uint32_t)u64(in);
		ev->alert.severity = u8(in);
		ev->alert.action = u8(in);
		str(in, ev->alert.signature, sizeof(ev->alert.signature));
		ev->alert.detection = u8(in);
		ev->alert.blocked = u8(in) & 1;
		addr(in, &ev->alert.host);
		ev->alert.count = u64(in);
		ev->alert.limit = u64(in);
		ev->alert.related_flow = u64(in);
		ev->alert.window = (uint32_t)u64(in);
		ev->alert.mode = u8(in);
		ev->alert.direction = u8(in);
		ev->alert.reason = u8(in);
		ev->alert.response = u8(in);
		ev->alert.response_note = u8(in);
		/* respond.c's times: years 1970-9999 */
		ev->alert.response_until = (int64_t)(u64(in) % 253402300800ULL);
		break;
	case EV_QUARANTINE:
		ev->quarantine.action = u8(in);
		/* Owned by the event, as live.c makes it: event_release. */
		if ((q = calloc(1, sizeof(*q))) == NULL)
			abort();
		ev->quarantine.q = q;
		prefix(in, &q->pfx);
		/* quarantine.c takes years 1970-9999 only (date_parse). */
		q->since = (int64_t)(u64(in) % 253402300800ULL);
		q->until = (int64_t)(u64(in) % 253402300800ULL);
		str(in, q->reason, sizeof(q->reason));
		str(in, q->who, sizeof(q->who));
		str(in, q->removed_by, sizeof(q->removed_by));
		q->pending = u8(in) & 1;
		break;
	case EV_EXC_EXPIRED:
		exc(in, &ev->expired.exc);
		ev->expired.line = (unsigned)u64(in);
		break;
	case EV_SUMMARY:
		addr(in, &ev->summary.src);
		ev->src = ev->summary.src;
		ev->summary.direction = u8(in);
		ev->summary.mode = u8(in);
		ev->summary.count = (uint32_t)u64(in);
		ev->summary.first_us = (int64_t)u64(in);
		ev->summary.last_us = (int64_t)u64(in);
		ev->summary.ntargets = u8(in) % (SUMMARY_TARGETS + 1);
		for (i = 0; i < ev->summary.ntargets; i++) {
			addr(in, &ev->summary.targets[i].addr);
			ev->summary.targets[i].port = (uint16_t)u64(in);
		}
		break;
	default:
		break;		/* nothing beyond the header */
	}
}

/* A string given as valid UTF-8 must come back as it was. */
static void
same_str(const cJSON *o, const char *path, const char *want)
{
	const cJSON	*v = o;
	char		 p[128], *save = NULL, *k;

	if (want[0] == '\0' ||
	    !fuzz_utf8_valid((const uint8_t *)want, strlen(want), NULL))
		return;
	snprintf(p, sizeof(p), "%s", path);
	for (k = strtok_r(p, ".", &save); k != NULL && v != NULL;
	    k = strtok_r(NULL, ".", &save))
		v = cJSON_GetObjectItemCaseSensitive(v, k);
	FUZZ_CHECK(cJSON_IsString(v), "%s missing", path);
	FUZZ_CHECK(strcmp(v->valuestring, want) == 0,
	    "%s: '%s' came back as '%s'", path, want, v->valuestring);
}

static void
check(const struct event *ev, const char *buf, int len)
{
	cJSON		*o;
	const cJSON	*t;
	size_t		 bad;

	FUZZ_CHECK((size_t)len == strlen(buf), "length %d, strlen %zu", len,
	    strlen(buf));
	FUZZ_CHECK(fuzz_utf8_valid((const uint8_t *)buf, (size_t)len, &bad),
	    "not UTF-8 at byte %zu: %s", bad, buf);
	FUZZ_CHECK(memchr(buf, '\n', (size_t)len) == NULL,
	    "a newline inside a line: %s", buf);
	o = cJSON_Parse(buf);
	FUZZ_CHECK(o != NULL, "does not parse: %s", buf);
	FUZZ_CHECK(cJSON_IsObject(o), "not an object: %s", buf);
	t = cJSON_GetObjectItemCaseSensitive(o, "event_type");
	FUZZ_CHECK(cJSON_IsString(t) &&
	    strcmp(t->valuestring, type_names[ev->type]) == 0,
	    "event_type of %u: %s", ev->type, buf);
	FUZZ_CHECK(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o,
	    "timestamp")), "no timestamp: %s", buf);
	/* app_proto in Suricata's words: nDPI's, mapped (eve.c) */
	if ((t = cJSON_GetObjectItemCaseSensitive(o, "app_proto")) != NULL)
		FUZZ_CHECK(cJSON_IsString(t) && strcmp(t->valuestring,
		    eve_app_proto(ev->app_proto)) == 0, "app_proto: %s", buf);
	/* every event carries the format version */
	t = cJSON_GetObjectItemCaseSensitive(o, "metadata");
	t = cJSON_GetObjectItemCaseSensitive(t, "flowints");
	t = cJSON_GetObjectItemCaseSensitive(t, "nfqd_format");
	FUZZ_CHECK(cJSON_IsNumber(t) && t->valueint == EVE_FORMAT,
	    "no format version: %s", buf);
	switch (ev->type) {
	case EV_POLICY:
		same_str(o, "policy.exception.entry", ev->policy.exc.entry);
		if (ev->policy.exc.entry[0] != '\0' &&
		    fuzz_utf8_valid((const uint8_t *)ev->policy.exc.entry,
		    strlen(ev->policy.exc.entry), NULL)) {
			same_str(o, "policy.exception.ticket",
			    ev->policy.exc.ticket);
			same_str(o, "policy.exception.owner",
			    ev->policy.exc.owner);
		}
		break;
	case EV_RELOAD:
		if (!ev->reload.ok)
			same_str(o, "reload.error", ev->reload.error);
		break;
	case EV_ALERT:
		same_str(o, "alert.signature", ev->alert.signature);
		break;
	case EV_QUARANTINE:
		same_str(o, "quarantine.reason", ev->quarantine.q->reason);
		same_str(o, "quarantine.who", ev->quarantine.q->who);
		break;
	case EV_EXC_EXPIRED:
		same_str(o, "exception_expired.entry", ev->expired.exc.entry);
		same_str(o, "exception_expired.expires",
		    ev->expired.exc.expires);
		break;
	case EV_SMTP:
		if (ev->smtp.tx != NULL)
			same_str(o, "smtp.helo", ev->smtp.tx->helo);
		break;
	case EV_SMTP_SESSION:
		if (ev->smtp_session.meta != NULL) {
			same_str(o, "smtp_session.banner",
			    ev->smtp_session.meta->banner);
			same_str(o, "smtp_session.helo",
			    ev->smtp_session.meta->helo);
		}
		break;
	default:
		break;		/* nothing beyond the header */
	}
	cJSON_Delete(o);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in	 in = { data, size };
	struct event	 ev;
	size_t		 buflen;
	char		*buf;
	uint8_t		 b;
	int		 len;

	b = u8(&in);
	/* Mostly a buffer that fits; sometimes a small one. */
	buflen = b < 0xf0 ? BUFLEN : 1 + (size_t)(b - 0xf0) * 40;
	build(&in, &ev);
	if ((buf = malloc(buflen)) == NULL)
		abort();
	len = event_format(&ev, buf, buflen);
	FUZZ_CHECK(len == -1 || (len >= 0 && (size_t)len < buflen),
	    "length %d for a %zu-byte buffer", len, buflen);
	FUZZ_CHECK(len != -1 || buflen < BUFLEN,
	    "a %u event did not fit in %d bytes", ev.type, BUFLEN);
	if (len != -1)
		check(&ev, buf, len);
	event_release(&ev);
	FUZZ_CHECK(ev.type != EV_SMTP || ev.smtp.tx == NULL,
	    "event_release kept the transaction");
	FUZZ_CHECK(ev.type != EV_SMTP_SESSION || ev.smtp_session.meta == NULL,
	    "event_release kept the meta");
	FUZZ_CHECK(ev.type != EV_QUARANTINE || ev.quarantine.q == NULL,
	    "event_release kept the entry");
	free(buf);
	return 0;
}
