/*
 * fuzz_ctl: the control socket's request parser (ctl_parse, ctl.c): one
 * line of words (`quarantine add 10.20.3.44 24h spam bot`) or one JSON
 * object, from any local client allowed on the socket.
 *
 * Input: the request line, as read from the socket (ctl_parse takes a
 * length: the bytes may hold NULs).
 *
 * Checked: an error is one line of text; a request is complete and in
 * range (known command, limit 1-CTL_LIMIT_MAX, a quarantine with a host
 * that is not /0, a duration of at most QUAR_MAX_SECS and a reason of
 * printable UTF-8); and the same request sent again as the JSON object
 * nfqctl would write parses to the same thing.
 */
#include <cjson/cJSON.h>

#include "fuzz.h"

static void
check_text(const char *what, const char *s, size_t size, bool empty_ok)
{
	size_t	 n = strnlen(s, size), i;

	FUZZ_CHECK(n < size, "%s: not NUL-terminated", what);
	FUZZ_CHECK(empty_ok || n > 0, "%s: empty", what);
	FUZZ_CHECK(fuzz_utf8_valid((const uint8_t *)s, n, NULL),
	    "%s: not UTF-8", what);
	for (i = 0; i < n; i++)
		FUZZ_CHECK((uint8_t)s[i] >= 0x20 && s[i] != 0x7f,
		    "%s: control character 0x%02x", what, (uint8_t)s[i]);
}

static void
check_req(const struct ctl_req *r)
{
	FUZZ_CHECK(r->cmd <= CTL_EXC_REMOVE &&
	    strcmp(ctl_cmd_name(r->cmd), "?") != 0, "cmd %u", r->cmd);
	FUZZ_CHECK(r->limit >= 1 && r->limit <= CTL_LIMIT_MAX, "limit %u",
	    r->limit);
	if (r->has_host)
		FUZZ_CHECK((r->host.addr.af == 4 && r->host.len <= 32) ||
		    (r->host.addr.af == 6 && r->host.len <= 128),
		    "host af %u len %u", r->host.addr.af, r->host.len);
	check_text("who", r->who, sizeof(r->who), true);
	switch (r->cmd) {
	case CTL_QUAR_ADD:
		FUZZ_CHECK(r->secs >= 1 && r->secs <= QUAR_MAX_SECS,
		    "quarantine for %lld s", (long long)r->secs);
		check_text("reason", r->reason, sizeof(r->reason), false);
		/* FALLTHROUGH */
	case CTL_QUAR_REMOVE:
		FUZZ_CHECK(r->has_host && r->host.len > 0,
		    "quarantine of no host or /0");
		break;
	case CTL_EXC_ADD:
		FUZZ_CHECK(r->edit.direction[0] && r->edit.ticket[0] &&
		    r->edit.owner[0], "exception add without its keys");
		/* FALLTHROUGH */
	case CTL_EXC_REMOVE:
		FUZZ_CHECK(r->edit.address[0] != '\0' &&
		    strlen(r->edit.address) < sizeof(r->edit.address),
		    "exception edit of no address");
		break;
	default:
		FUZZ_CHECK(r->reason[0] == '\0' && r->secs == 0,
		    "reason or duration on %s", ctl_cmd_name(r->cmd));
	}
}

/* r as the JSON object nfqctl would send. */
static char *
to_json(const struct ctl_req *r)
{
	static const char *const ops[] = { "add", "remove", "list" };
	cJSON	*o = cJSON_CreateObject();
	char	 host[PREFIX_STRLEN], *s;

	if (o == NULL)
		abort();
	cJSON_AddStringToObject(o, "cmd", ctl_cmd_name(r->cmd));
	if (r->cmd >= CTL_QUAR_ADD && r->cmd <= CTL_QUAR_LIST)
		cJSON_AddStringToObject(o, "op", ops[r->cmd - CTL_QUAR_ADD]);
	if (r->cmd == CTL_CENSUS && r->days != 0)
		cJSON_AddNumberToObject(o, "days", r->days);
	if (r->cmd == CTL_EXC_ADD || r->cmd == CTL_EXC_REMOVE) {
		cJSON_AddStringToObject(o, "op", r->cmd == CTL_EXC_ADD ?
		    "add" : "remove");
		cJSON_AddStringToObject(o, "host", r->edit.address);
#define EDIT_KEY(k)	if (r->edit.k[0] != '\0')			\
			cJSON_AddStringToObject(o, #k, r->edit.k)
		EDIT_KEY(direction);
		EDIT_KEY(ticket);
		EDIT_KEY(owner);
		EDIT_KEY(expires);
		EDIT_KEY(comment);
#undef EDIT_KEY
	}
	if (r->has_host) {
		prefix_format(&r->host, host, sizeof(host));
		cJSON_AddStringToObject(o, "host", host);
	}
	if (r->cmd == CTL_FLOWS || r->cmd == CTL_EXCEPTIONS)
		cJSON_AddNumberToObject(o, "limit", r->limit);
	if (r->cmd == CTL_QUAR_ADD) {
		cJSON_AddNumberToObject(o, "for", (double)r->secs);
		cJSON_AddStringToObject(o, "reason", r->reason);
	}
	if (r->who[0] != '\0')
		cJSON_AddStringToObject(o, "who", r->who);
	if ((s = cJSON_PrintUnformatted(o)) == NULL)
		abort();
	cJSON_Delete(o);
	return s;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctl_req	 r, r2;
	char		 err[ERRLEN], *line, *json;
	int		 rc;

	/* An exact-size copy: ctl_parse must not read past len. */
	if ((line = malloc(size ? size : 1)) == NULL)
		abort();
	memcpy(line, data, size);
	err[0] = '\0';
	rc = ctl_parse(line, size, &r, err, sizeof(err));
	free(line);
	FUZZ_CHECK(rc == 0 || rc == -1, "ctl_parse returned %d", rc);
	if (rc == -1) {
		FUZZ_CHECK(err[0] != '\0' && strchr(err, '\n') == NULL,
		    "error '%s'", err);
		return 0;
	}
	check_req(&r);

	json = to_json(&r);
	rc = ctl_parse(json, strlen(json), &r2, err, sizeof(err));
	FUZZ_CHECK(rc == 0, "%s: %s", json, err);
	FUZZ_CHECK(r2.cmd == r.cmd && r2.has_host == r.has_host &&
	    (!r.has_host || (r2.host.len == r.host.len &&
	    addr_equal(&r2.host.addr, &r.host.addr))) &&
	    r2.limit == r.limit && r2.secs == r.secs &&
	    strcmp(r2.reason, r.reason) == 0 && strcmp(r2.who, r.who) == 0 &&
	    r2.days == r.days && memcmp(&r2.edit, &r.edit, sizeof(r.edit)) == 0,
	    "%s parses differently", json);
	cJSON_free(json);
	return 0;
}
