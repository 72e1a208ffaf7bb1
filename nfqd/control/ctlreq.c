/*
 * The control socket's requests, as nfqctl writes them and the daemon
 * reads them (daemon/ctl.c serves the socket): one line of at most
 * CTL_REQ_MAX bytes, either words (`status`, `flows 10.20.3.44`,
 * `quarantine add 10.20.3.44 24h spam bot`) or one JSON object
 * (`{"cmd":"flows","host":"10.20.3.44"}`).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "control/ctlreq.h"
#include "base/defs.h"
#include "base/addr.h"
#include "policy/exceptions.h"
#include "policy/quarantine.h"
#include "event/census.h"

static const char *const cmd_names[] = { "status", "reload", "flows",
    "exceptions", "quarantine", "quarantine", "quarantine", "census",
    "exception", "exception" };

const char *
ctl_cmd_name(uint8_t c)
{
	return c < sizeof(cmd_names) / sizeof(cmd_names[0]) ? cmd_names[c] :
	    "?";
}

/* ---- the request ---- */

static int
parse_limit(const char *s, uint32_t *out, char *err, size_t errlen)
{
	unsigned long	 n = 0;
	const char	*p;

	for (p = s; *p >= '0' && *p <= '9' && n <= CTL_LIMIT_MAX; p++)
		n = n * 10 + (unsigned long)(*p - '0');
	if (p == s || *p != '\0' || n < 1 || n > CTL_LIMIT_MAX) {
		snprintf(err, errlen, "bad limit '%.20s' (1-%d)", s,
		    CTL_LIMIT_MAX);
		return -1;
	}
	*out = (uint32_t)n;
	return 0;
}

/* census --since DAYS: 1 to CENSUS_DAYS. */
static int
parse_days(const char *s, uint32_t *out, char *err, size_t errlen)
{
	unsigned long	 n = 0;
	const char	*p;

	for (p = s; *p >= '0' && *p <= '9' && n <= CENSUS_DAYS; p++)
		n = n * 10 + (unsigned long)(*p - '0');
	if (p == s || *p != '\0' || n < 1 || n > CENSUS_DAYS) {
		snprintf(err, errlen, "bad days '%.20s' (1-%d: the census keeps "
		    "%d days)", s, CENSUS_DAYS, CENSUS_DAYS);
		return -1;
	}
	*out = (uint32_t)n;
	return 0;
}

static int
parse_host(const char *s, struct ctl_req *r, char *err, size_t errlen)
{
	char	 msg[ERRLEN];

	if (prefix_parse(s, &r->host, msg, sizeof(msg)) == -1) {
		snprintf(err, errlen, "%s", msg);
		return -1;
	}
	r->has_host = true;
	return 0;
}

static bool
all_digits(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* `flows [HOST] [LIMIT]`, `exceptions [HOST] [LIMIT]`. */
static int
parse_filter(char **w, int n, struct ctl_req *r, char *err, size_t errlen)
{
	bool	 limit = false;

	if (n > 2) {
		snprintf(err, errlen, "%s takes [HOST] [LIMIT]",
		    ctl_cmd_name(r->cmd));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		if (all_digits(w[i]) && !limit) {
			if (parse_limit(w[i], &r->limit, err, errlen) == -1)
				return -1;
			limit = true;
		} else if (!r->has_host && !limit) {
			if (parse_host(w[i], r, err, errlen) == -1)
				return -1;
		} else {
			snprintf(err, errlen, "%s takes [HOST] [LIMIT]",
			    ctl_cmd_name(r->cmd));
			return -1;
		}
	}
	return 0;
}

static int
parse_words(char *line, struct ctl_req *r, char *err, size_t errlen)
{
	char	*w[8], *p = line, *rest = NULL;
	int	 n = 0;
	int64_t	 secs;
	struct prefix pfx;

	/* At most 4 words, then the rest of the line (a reason). */
	while (n < 8) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		if (n == 4 && strcmp(w[0], "quarantine") == 0) {
			rest = p;
			break;
		}
		w[n++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		if (*p)
			*p++ = '\0';
	}
	if (n == 8) {
		snprintf(err, errlen, "too many words");
		return -1;
	}
	if (n == 0) {
		snprintf(err, errlen, "empty request");
		return -1;
	}
	if (strcmp(w[0], "status") == 0 || strcmp(w[0], "reload") == 0) {
		r->cmd = w[0][0] == 's' ? CTL_STATUS : CTL_RELOAD;
		if (n != 1) {
			snprintf(err, errlen, "%s takes no arguments", w[0]);
			return -1;
		}
		return 0;
	}
	if (strcmp(w[0], "flows") == 0 || strcmp(w[0], "exceptions") == 0) {
		r->cmd = w[0][0] == 'f' ? CTL_FLOWS : CTL_EXCEPTIONS;
		return parse_filter(w + 1, n - 1, r, err, errlen);
	}
	if (strcmp(w[0], "census") == 0) {
		r->cmd = CTL_CENSUS;
		if (n > 2 || (n == 2 && parse_days(w[1], &r->days, err,
		    errlen) == -1)) {
			if (n > 2)
				snprintf(err, errlen, "census takes [DAYS]");
			return -1;
		}
		return 0;
	}
	if (strcmp(w[0], "quarantine") != 0) {
		snprintf(err, errlen, "unknown command '%.40s' (status, reload, "
		    "flows, exceptions, quarantine or census)", w[0]);
		return -1;
	}
	if (n < 2) {
		snprintf(err, errlen, "quarantine needs add, remove or list");
		return -1;
	}
	if (strcmp(w[1], "list") == 0) {
		r->cmd = CTL_QUAR_LIST;
		if (n != 2) {
			snprintf(err, errlen, "quarantine list takes no "
			    "arguments");
			return -1;
		}
		return 0;
	}
	if (strcmp(w[1], "remove") == 0) {
		r->cmd = CTL_QUAR_REMOVE;
		if (n != 3 || rest != NULL) {
			snprintf(err, errlen, "usage: quarantine remove HOST");
			return -1;
		}
		if (quar_check(w[2], NULL, NULL, &pfx, NULL, err, errlen) == -1)
			return -1;
		r->host = pfx;
		r->has_host = true;
		return 0;
	}
	if (strcmp(w[1], "add") == 0) {
		r->cmd = CTL_QUAR_ADD;
		if (n != 4 || rest == NULL) {
			snprintf(err, errlen, "usage: quarantine add HOST "
			    "DURATION REASON");
			return -1;
		}
		for (p = rest + strlen(rest); p > rest && (p[-1] == ' ' ||
		    p[-1] == '\t');)
			*--p = '\0';
		if (quar_check(w[2], w[3], rest, &pfx, &secs, err,
		    errlen) == -1)
			return -1;
		r->host = pfx;
		r->has_host = true;
		r->secs = secs;
		snprintf(r->reason, sizeof(r->reason), "%s", rest);
		return 0;
	}
	snprintf(err, errlen, "unknown command 'quarantine %.40s' (add, "
	    "remove or list)", w[1]);
	return -1;
}

static const char *
jstr(const cJSON *o, const char *key, bool *bad)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (v == NULL)
		return NULL;
	if (!cJSON_IsString(v)) {
		*bad = true;
		return NULL;
	}
	return v->valuestring;
}

/* A string key of o into buf: absent is "", too long an error. */
static int
edit_str(const cJSON *o, const char *key, char *buf, size_t len, char *err,
    size_t errlen)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, key);

	buf[0] = '\0';
	if (v == NULL)
		return 0;
	if (!cJSON_IsString(v) || strlen(v->valuestring) >= len) {
		snprintf(err, errlen, "%s is a string of at most %zu bytes",
		    key, len - 1);
		return -1;
	}
	memcpy(buf, v->valuestring, strlen(v->valuestring) + 1);
	return 0;
}

/*
 * {"cmd":"exception","op":"add","host":ADDR[/LEN],"direction":...,
 * "ticket":...,"owner":...[,"expires":...][,"comment":...]} or op
 * "remove" with host [and ticket]: the daemon edits its own list
 * (excedit.c checks every value, as nfqctl's do) and reloads.
 */
static int
parse_edit(const cJSON *o, const char *op, const char *host,
    struct ctl_req *r, char *err, size_t errlen)
{
	struct ctl_edit	*e = &r->edit;

	if (op == NULL || (strcmp(op, "add") != 0 &&
	    strcmp(op, "remove") != 0)) {
		snprintf(err, errlen, "exception needs op: add or remove");
		return -1;
	}
	r->cmd = op[0] == 'a' ? CTL_EXC_ADD : CTL_EXC_REMOVE;
	if (host == NULL || strlen(host) >= sizeof(e->address)) {
		snprintf(err, errlen, "exception %s needs host, an address or "
		    "prefix", op);
		return -1;
	}
	snprintf(e->address, sizeof(e->address), "%s", host);
	if (edit_str(o, "direction", e->direction, sizeof(e->direction), err,
	    errlen) == -1 || edit_str(o, "ticket", e->ticket,
	    sizeof(e->ticket), err, errlen) == -1 || edit_str(o, "owner",
	    e->owner, sizeof(e->owner), err, errlen) == -1 ||
	    edit_str(o, "expires", e->expires, sizeof(e->expires), err,
	    errlen) == -1 || edit_str(o, "comment", e->comment,
	    sizeof(e->comment), err, errlen) == -1)
		return -1;
	if (r->cmd == CTL_EXC_ADD && (e->direction[0] == '\0' ||
	    e->ticket[0] == '\0' || e->owner[0] == '\0')) {
		snprintf(err, errlen, "exception add needs direction, ticket "
		    "and owner");
		return -1;
	}
	if (r->cmd == CTL_EXC_REMOVE && (e->direction[0] || e->owner[0] ||
	    e->expires[0] || e->comment[0])) {
		snprintf(err, errlen, "exception remove takes host and ticket");
		return -1;
	}
	return 0;
}

static int
parse_json(const char *line, struct ctl_req *r, char *err, size_t errlen)
{
	static const char *const keys[] = { "cmd", "op", "host", "limit",
	    "for", "reason", "who", "days", "direction", "ticket", "owner",
	    "expires", "comment" };
	cJSON		*o, *k, *lim, *dur, *days;
	const char	*cmd, *op, *host, *reason, *who, *fs = NULL;
	char		 num[32];
	bool		 bad = false;
	int		 rc = -1;
	size_t		 i;

	if ((o = cJSON_ParseWithOpts(line, NULL, 1)) == NULL) {
		snprintf(err, errlen, "malformed JSON request");
		return -1;
	}
	if (!cJSON_IsObject(o)) {
		snprintf(err, errlen, "a JSON request is an object");
		goto out;
	}
	cJSON_ArrayForEach(k, o) {
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (strcmp(k->string, keys[i]) == 0)
				break;
		if (i == sizeof(keys) / sizeof(keys[0])) {
			snprintf(err, errlen, "unknown key '%.40s'", k->string);
			goto out;
		}
	}
	cmd = jstr(o, "cmd", &bad);
	op = jstr(o, "op", &bad);
	host = jstr(o, "host", &bad);
	reason = jstr(o, "reason", &bad);
	who = jstr(o, "who", &bad);
	lim = cJSON_GetObjectItemCaseSensitive(o, "limit");
	dur = cJSON_GetObjectItemCaseSensitive(o, "for");
	days = cJSON_GetObjectItemCaseSensitive(o, "days");
	if (bad || cmd == NULL) {
		snprintf(err, errlen, "cmd, op, host, reason and who are "
		    "strings; cmd is required");
		goto out;
	}
	if (lim != NULL) {
		if (!cJSON_IsNumber(lim) || lim->valuedouble < 1 ||
		    lim->valuedouble > CTL_LIMIT_MAX ||
		    lim->valuedouble != (double)(uint32_t)lim->valuedouble) {
			snprintf(err, errlen, "limit is a number, 1-%d",
			    CTL_LIMIT_MAX);
			goto out;
		}
		r->limit = (uint32_t)lim->valuedouble;
	}
	if (dur != NULL) {
		if (cJSON_IsString(dur))
			fs = dur->valuestring;
		else if (cJSON_IsNumber(dur) && dur->valuedouble >= 1 &&
		    dur->valuedouble <= QUAR_MAX_SECS &&
		    dur->valuedouble == (double)(int64_t)dur->valuedouble) {
			snprintf(num, sizeof(num), "%lld",
			    (long long)dur->valuedouble);
			fs = num;
		} else {
			snprintf(err, errlen, "for is a duration: \"24h\", or "
			    "seconds");
			goto out;
		}
	}
	/* It goes into quarantine.json: what quar_load() would refuse. */
	if (who != NULL && !quar_text_ok(who)) {
		snprintf(err, errlen, "who must be 1-%d bytes of text (UTF-8, "
		    "no control characters)", QUAR_WHOLEN - 1);
		goto out;
	}
	if (who != NULL)
		snprintf(r->who, sizeof(r->who), "%s", who);
	if (strcmp(cmd, "status") == 0 || strcmp(cmd, "reload") == 0) {
		r->cmd = cmd[0] == 's' ? CTL_STATUS : CTL_RELOAD;
		if (op || host || lim || dur || reason) {
			snprintf(err, errlen, "%s takes no arguments", cmd);
			goto out;
		}
	} else if (strcmp(cmd, "flows") == 0 ||
	    strcmp(cmd, "exceptions") == 0) {
		r->cmd = cmd[0] == 'f' ? CTL_FLOWS : CTL_EXCEPTIONS;
		if (op || dur || reason) {
			snprintf(err, errlen, "%s takes host and limit", cmd);
			goto out;
		}
		if (host != NULL && parse_host(host, r, err, errlen) == -1)
			goto out;
	} else if (strcmp(cmd, "census") == 0) {
		r->cmd = CTL_CENSUS;
		if (op || host || lim || dur || reason) {
			snprintf(err, errlen, "census takes days");
			goto out;
		}
		if (days != NULL && (!cJSON_IsNumber(days) ||
		    days->valuedouble < 1 || days->valuedouble > CENSUS_DAYS ||
		    days->valuedouble != (double)(uint32_t)days->valuedouble)) {
			snprintf(err, errlen, "days is a number, 1-%d",
			    CENSUS_DAYS);
			goto out;
		}
		if (days != NULL)
			r->days = (uint32_t)days->valuedouble;
	} else if (strcmp(cmd, "quarantine") == 0) {
		if (op == NULL) {
			snprintf(err, errlen, "quarantine needs op: add, remove "
			    "or list");
			goto out;
		}
		if (strcmp(op, "list") == 0) {
			r->cmd = CTL_QUAR_LIST;
			if (host || dur || reason || lim) {
				snprintf(err, errlen, "quarantine list takes no "
				    "arguments");
				goto out;
			}
		} else if (strcmp(op, "remove") == 0) {
			r->cmd = CTL_QUAR_REMOVE;
			if (host == NULL || dur || reason || lim) {
				snprintf(err, errlen, "quarantine remove takes "
				    "host");
				goto out;
			}
			if (quar_check(host, NULL, NULL, &r->host, NULL, err,
			    errlen) == -1)
				goto out;
			r->has_host = true;
		} else if (strcmp(op, "add") == 0) {
			r->cmd = CTL_QUAR_ADD;
			if (host == NULL || fs == NULL || reason == NULL || lim) {
				snprintf(err, errlen, "quarantine add takes host, "
				    "for and reason");
				goto out;
			}
			if (quar_check(host, fs, reason, &r->host, &r->secs,
			    err, errlen) == -1)
				goto out;
			r->has_host = true;
			snprintf(r->reason, sizeof(r->reason), "%s", reason);
		} else {
			snprintf(err, errlen, "unknown quarantine op '%.40s' "
			    "(add, remove or list)", op);
			goto out;
		}
	} else if (strcmp(cmd, "exception") == 0) {
		if (parse_edit(o, op, host, r, err, errlen) == -1)
			goto out;
		if (lim || dur || reason) {
			snprintf(err, errlen, "exception takes op, host, "
			    "direction, ticket, owner, expires and comment");
			goto out;
		}
	} else {
		snprintf(err, errlen, "unknown command '%.40s' (status, reload, "
		    "flows, exceptions, quarantine, census or exception)", cmd);
		goto out;
	}
	if (r->cmd != CTL_EXC_ADD && r->cmd != CTL_EXC_REMOVE &&
	    (cJSON_GetObjectItemCaseSensitive(o, "direction") ||
	    cJSON_GetObjectItemCaseSensitive(o, "ticket") ||
	    cJSON_GetObjectItemCaseSensitive(o, "owner") ||
	    cJSON_GetObjectItemCaseSensitive(o, "expires") ||
	    cJSON_GetObjectItemCaseSensitive(o, "comment"))) {
		snprintf(err, errlen, "direction, ticket, owner, expires and "
		    "comment are for exception add and remove");
		goto out;
	}
	if (days != NULL && r->cmd != CTL_CENSUS) {
		snprintf(err, errlen, "days is for census only");
		goto out;
	}
	rc = 0;
out:
	cJSON_Delete(o);
	return rc;
}

/*
 * One request line (without or with its line end) into r.  Returns 0, or
 * -1 with a one-line message.
 */
int
ctl_parse(const char *line, size_t len, struct ctl_req *r, char *err,
    size_t errlen)
{
	char	 buf[CTL_REQ_MAX + 1], *p;

	memset(r, 0, sizeof(*r));
	r->limit = 0;
	if (len > 0 && line[len - 1] == '\n')
		len--;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len > CTL_REQ_MAX) {
		snprintf(err, errlen, "request too long (at most %d bytes)",
		    CTL_REQ_MAX);
		return -1;
	}
	memcpy(buf, line, len);
	buf[len] = '\0';
	for (size_t i = 0; i < len; i++)
		if (buf[i] == '\0' || buf[i] == '\n' ||
		    ((unsigned char)buf[i] < 0x20 && buf[i] != '\t') ||
		    buf[i] == 0x7f) {
			snprintf(err, errlen, "control character in the request "
			    "(one line of text or JSON)");
			return -1;
		}
	for (p = buf; *p == ' ' || *p == '\t'; p++)
		;
	if (*p == '{') {
		if (parse_json(p, r, err, errlen) == -1) {
			/* It quotes strings that JSON escapes ("\n") made. */
			for (p = err; *p != '\0'; p++)
				if ((unsigned char)*p < 0x20 || *p == 0x7f)
					*p = '?';
			return -1;
		}
	} else if (parse_words(p, r, err, errlen) == -1)
		return -1;
	if (r->limit == 0)
		r->limit = r->cmd == CTL_EXCEPTIONS ? CTL_LIMIT_MAX :
		    CTL_LIMIT_DEF;
	return 0;
}
