/*
 * The control socket's requests, as nfqctl writes them and the daemon
 * reads them (daemon/ctl.c serves the socket): one line of at most
 * CTL_REQ_MAX bytes, either one JSON object
 * (`{"cmd":"flows","host":"10.20.3.44"}`) or words (`status`,
 * `flows 10.20.3.44`, `quarantine add 10.20.3.44 24h spam bot`).
 *
 * One grammar: the words are translated into the JSON object they stand
 * for (words_to_json), and that object is checked once (req_check), so a
 * rule -- a range, a required member, its message -- is written once.
 * The words form keeps only what is its own: which word goes where, the
 * commands it offers (not exception edits), and numbers that are words,
 * which a refusal quotes as they were typed.
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

/* ---- the request, as a JSON object ---- */

/* Its members, read once; the checks of each command take them. */
struct members {
	const cJSON	*o;
	bool		 words;		/* from words: numbers are words */
	const char	*cmd, *op, *host, *reason, *who;
	const cJSON	*limit, *dur, *days;
	const char	*fs;		/* "for" as text: "24h", "3600" */
	char		 num[32];
};

static const char *const member_keys[] = { "cmd", "op", "host", "limit",
    "for", "reason", "who", "days", "direction", "ticket", "owner",
    "expires", "comment" };
static const char *const edit_keys[] = { "direction", "ticket", "owner",
    "expires", "comment" };
#define NELEMS(a)	(sizeof(a) / sizeof((a)[0]))

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

/* The known members, each of its type; cmd is required. */
static int
members_read(const cJSON *o, struct members *m, char *err, size_t errlen)
{
	const cJSON	*k;
	bool		 bad = false;
	size_t		 i;

	if (!cJSON_IsObject(o)) {
		snprintf(err, errlen, "a JSON request is an object");
		return -1;
	}
	cJSON_ArrayForEach(k, o) {
		for (i = 0; i < NELEMS(member_keys); i++)
			if (strcmp(k->string, member_keys[i]) == 0)
				break;
		if (i == NELEMS(member_keys)) {
			snprintf(err, errlen, "unknown key '%.40s'", k->string);
			return -1;
		}
	}
	m->o = o;
	m->cmd = jstr(o, "cmd", &bad);
	m->op = jstr(o, "op", &bad);
	m->host = jstr(o, "host", &bad);
	m->reason = jstr(o, "reason", &bad);
	m->who = jstr(o, "who", &bad);
	m->limit = cJSON_GetObjectItemCaseSensitive(o, "limit");
	m->dur = cJSON_GetObjectItemCaseSensitive(o, "for");
	m->days = cJSON_GetObjectItemCaseSensitive(o, "days");
	if (bad || m->cmd == NULL) {
		snprintf(err, errlen, "cmd, op, host, reason and who are "
		    "strings; cmd is required");
		return -1;
	}
	return 0;
}

/*
 * A count (limit, days), 1 to max: a JSON number, or in the words form
 * the word itself, quoted when refused (why: what that message adds).
 */
static int
check_count(const cJSON *v, bool words, const char *key, uint32_t max,
    const char *why, uint32_t *out, char *err, size_t errlen)
{
	unsigned long	 n = 0;
	const char	*s, *p;

	if (words) {
		s = v->valuestring;
		for (p = s; *p >= '0' && *p <= '9' && n <= max; p++)
			n = n * 10 + (unsigned long)(*p - '0');
		if (p == s || *p != '\0' || n < 1 || n > max) {
			snprintf(err, errlen, "bad %s '%.20s' (1-%u%s)", key, s,
			    (unsigned)max, why);
			return -1;
		}
	} else {
		if (!cJSON_IsNumber(v) || v->valuedouble < 1 ||
		    v->valuedouble > max ||
		    v->valuedouble != (double)(uint32_t)v->valuedouble) {
			snprintf(err, errlen, "%s is a number, 1-%u", key,
			    (unsigned)max);
			return -1;
		}
		n = (unsigned long)v->valuedouble;
	}
	*out = (uint32_t)n;
	return 0;
}

/* What any command may carry: limit, for (as text), who. */
static int
check_common(struct members *m, struct ctl_req *r, char *err, size_t errlen)
{
	const cJSON	*d = m->dur;

	if (m->limit != NULL && check_count(m->limit, m->words, "limit",
	    CTL_LIMIT_MAX, "", &r->limit, err, errlen) == -1)
		return -1;
	if (d != NULL) {
		if (cJSON_IsString(d))
			m->fs = d->valuestring;
		else if (cJSON_IsNumber(d) && d->valuedouble >= 1 &&
		    d->valuedouble <= QUAR_MAX_SECS &&
		    d->valuedouble == (double)(int64_t)d->valuedouble) {
			snprintf(m->num, sizeof(m->num), "%lld",
			    (long long)d->valuedouble);
			m->fs = m->num;
		} else {
			snprintf(err, errlen, "for is a duration: \"24h\", or "
			    "seconds");
			return -1;
		}
	}
	/* It goes into quarantine.json: what quar_load() would refuse. */
	if (m->who != NULL && !quar_text_ok(m->who)) {
		snprintf(err, errlen, "who must be 1-%d bytes of text (UTF-8, "
		    "no control characters)", QUAR_WHOLEN - 1);
		return -1;
	}
	if (m->who != NULL)
		snprintf(r->who, sizeof(r->who), "%s", m->who);
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

/* status, reload. */
static int
check_plain(const struct members *m, struct ctl_req *r, char *err,
    size_t errlen)
{
	r->cmd = m->cmd[0] == 's' ? CTL_STATUS : CTL_RELOAD;
	if (m->op || m->host || m->limit || m->dur || m->reason) {
		snprintf(err, errlen, "%s takes no arguments", m->cmd);
		return -1;
	}
	return 0;
}

/* flows, exceptions: [host] [limit]. */
static int
check_listing(const struct members *m, struct ctl_req *r, char *err,
    size_t errlen)
{
	r->cmd = m->cmd[0] == 'f' ? CTL_FLOWS : CTL_EXCEPTIONS;
	if (m->op || m->dur || m->reason) {
		snprintf(err, errlen, "%s takes host and limit", m->cmd);
		return -1;
	}
	if (m->host != NULL && parse_host(m->host, r, err, errlen) == -1)
		return -1;
	return 0;
}

/* census [days]: 1 to the days the census keeps. */
static int
check_census(const struct members *m, struct ctl_req *r, char *err,
    size_t errlen)
{
	char	 why[48];

	r->cmd = CTL_CENSUS;
	if (m->op || m->host || m->limit || m->dur || m->reason) {
		snprintf(err, errlen, "census takes days");
		return -1;
	}
	snprintf(why, sizeof(why), ": the census keeps %d days", CENSUS_DAYS);
	if (m->days != NULL && check_count(m->days, m->words, "days",
	    CENSUS_DAYS, why, &r->days, err, errlen) == -1)
		return -1;
	return 0;
}

/* quarantine list | remove host | add host for reason. */
static int
check_quarantine(const struct members *m, struct ctl_req *r, char *err,
    size_t errlen)
{
	const char	*op = m->op;

	if (op == NULL) {
		snprintf(err, errlen, "quarantine needs op: add, remove or "
		    "list");
		return -1;
	}
	if (strcmp(op, "list") == 0) {
		r->cmd = CTL_QUAR_LIST;
		if (m->host || m->dur || m->reason || m->limit) {
			snprintf(err, errlen, "quarantine list takes no "
			    "arguments");
			return -1;
		}
	} else if (strcmp(op, "remove") == 0) {
		r->cmd = CTL_QUAR_REMOVE;
		if (m->host == NULL || m->dur || m->reason || m->limit) {
			snprintf(err, errlen, "quarantine remove takes host");
			return -1;
		}
		if (quar_check(m->host, NULL, NULL, &r->host, NULL, err,
		    errlen) == -1)
			return -1;
		r->has_host = true;
	} else if (strcmp(op, "add") == 0) {
		r->cmd = CTL_QUAR_ADD;
		if (m->host == NULL || m->fs == NULL || m->reason == NULL ||
		    m->limit) {
			snprintf(err, errlen, "quarantine add takes host, for "
			    "and reason");
			return -1;
		}
		if (quar_check(m->host, m->fs, m->reason, &r->host, &r->secs,
		    err, errlen) == -1)
			return -1;
		r->has_host = true;
		snprintf(r->reason, sizeof(r->reason), "%s", m->reason);
	} else {
		snprintf(err, errlen, "unknown quarantine op '%.40s' (add, "
		    "remove or list)", op);
		return -1;
	}
	return 0;
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
check_exception(const struct members *m, struct ctl_req *r, char *err,
    size_t errlen)
{
	struct ctl_edit	*e = &r->edit;
	const char	*op = m->op, *host = m->host;

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
	if (edit_str(m->o, "direction", e->direction, sizeof(e->direction),
	    err, errlen) == -1 || edit_str(m->o, "ticket", e->ticket,
	    sizeof(e->ticket), err, errlen) == -1 || edit_str(m->o, "owner",
	    e->owner, sizeof(e->owner), err, errlen) == -1 ||
	    edit_str(m->o, "expires", e->expires, sizeof(e->expires), err,
	    errlen) == -1 || edit_str(m->o, "comment", e->comment,
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
	if (m->limit || m->dur || m->reason) {
		snprintf(err, errlen, "exception takes op, host, direction, "
		    "ticket, owner, expires and comment");
		return -1;
	}
	return 0;
}

static const struct {
	const char	*name;
	int		(*check)(const struct members *, struct ctl_req *,
			    char *, size_t);
} cmd_checks[] = {
	{ "status", check_plain },
	{ "reload", check_plain },
	{ "flows", check_listing },
	{ "exceptions", check_listing },
	{ "census", check_census },
	{ "quarantine", check_quarantine },
	{ "exception", check_exception },
};

/* Members that belong to one command only, on another. */
static int
check_scope(const struct members *m, const struct ctl_req *r, char *err,
    size_t errlen)
{
	size_t	 i;

	for (i = 0; r->cmd != CTL_EXC_ADD && r->cmd != CTL_EXC_REMOVE &&
	    i < NELEMS(edit_keys); i++)
		if (cJSON_GetObjectItemCaseSensitive(m->o, edit_keys[i])) {
			snprintf(err, errlen, "direction, ticket, owner, "
			    "expires and comment are for exception add and "
			    "remove");
			return -1;
		}
	if (m->days != NULL && r->cmd != CTL_CENSUS) {
		snprintf(err, errlen, "days is for census only");
		return -1;
	}
	return 0;
}

/*
 * The one check of a request, whichever form it came in: its members,
 * what every command may carry, the command's own, and what belongs to
 * another command.  words: o was made of words (words_to_json).
 */
static int
req_check(const cJSON *o, bool words, struct ctl_req *r, char *err,
    size_t errlen)
{
	struct members	 m;
	size_t		 i;

	memset(&m, 0, sizeof(m));
	m.words = words;
	if (members_read(o, &m, err, errlen) == -1 ||
	    check_common(&m, r, err, errlen) == -1)
		return -1;
	for (i = 0; i < NELEMS(cmd_checks); i++)
		if (strcmp(m.cmd, cmd_checks[i].name) == 0)
			break;
	if (i == NELEMS(cmd_checks)) {
		snprintf(err, errlen, "unknown command '%.40s' (status, reload, "
		    "flows, exceptions, quarantine, census or exception)",
		    m.cmd);
		return -1;
	}
	if (cmd_checks[i].check(&m, r, err, errlen) == -1)
		return -1;
	return check_scope(&m, r, err, errlen);
}

/* ---- the words form ---- */

#define MAXWORDS	8

/* What a word after the command may be, and the member it fills. */
enum { W_ANY, W_NOTNUM, W_NUM, W_REST };
struct slot {
	const char	*key;		/* NULL: no more */
	int		 kind;		/* W_REST: the rest of the line */
};

/*
 * The commands of the words form: the words after a command fill its
 * slots in order; a slot is optional unless counted in need.  usage:
 * the message for words that do not fit.
 */
static const struct words_cmd {
	const char	*cmd, *op;
	struct slot	 slot[4];
	int		 need;
	const char	*usage;
} words_cmds[] = {
	{ "status", NULL, { { NULL, 0 } }, 0, "status takes no arguments" },
	{ "reload", NULL, { { NULL, 0 } }, 0, "reload takes no arguments" },
	/* [HOST] [LIMIT]: a word of digits is the limit */
	{ "flows", NULL, { { "host", W_NOTNUM }, { "limit", W_NUM },
	    { NULL, 0 } }, 0, "flows takes [HOST] [LIMIT]" },
	{ "exceptions", NULL, { { "host", W_NOTNUM }, { "limit", W_NUM },
	    { NULL, 0 } }, 0, "exceptions takes [HOST] [LIMIT]" },
	{ "census", NULL, { { "days", W_ANY }, { NULL, 0 } }, 0,
	    "census takes [DAYS]" },
	{ "quarantine", "list", { { NULL, 0 } }, 0,
	    "quarantine list takes no arguments" },
	{ "quarantine", "remove", { { "host", W_ANY }, { NULL, 0 } }, 1,
	    "usage: quarantine remove HOST" },
	{ "quarantine", "add", { { "host", W_ANY }, { "for", W_ANY },
	    { "reason", W_REST }, { NULL, 0 } }, 3,
	    "usage: quarantine add HOST DURATION REASON" },
};

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

/*
 * The line's words, at most MAXWORDS - 1, into w; after the fourth word
 * of a quarantine command, the rest of the line (a reason, its trailing
 * blanks cut) into *rest.  The line is cut up in place.
 */
static int
words_split(char *line, char **w, int *nw, char **rest, char *err,
    size_t errlen)
{
	char	*p = line;
	int	 n = 0;

	*rest = NULL;
	while (n < MAXWORDS) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		if (n == 4 && strcmp(w[0], "quarantine") == 0) {
			*rest = p;
			for (p += strlen(p); p > *rest && (p[-1] == ' ' ||
			    p[-1] == '\t');)
				*--p = '\0';
			break;
		}
		w[n++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		if (*p)
			*p++ = '\0';
	}
	if (n == MAXWORDS) {
		snprintf(err, errlen, "too many words");
		return -1;
	}
	if (n == 0) {
		snprintf(err, errlen, "empty request");
		return -1;
	}
	*nw = n;
	return 0;
}

/*
 * The command the first words name: 0 with *c, or 1 when they name a
 * command without its op (the check says what it needs), or -1 with a
 * message.
 */
static int
words_find(char **w, int nw, const struct words_cmd **c, char *err,
    size_t errlen)
{
	bool	 known = false;

	for (*c = words_cmds; *c < words_cmds + NELEMS(words_cmds); (*c)++) {
		if (strcmp(w[0], (*c)->cmd) != 0)
			continue;
		known = true;
		if ((*c)->op == NULL || (nw > 1 && strcmp(w[1], (*c)->op) == 0))
			return 0;
	}
	*c = NULL;
	if (known && nw == 1)
		return 1;
	if (known)
		snprintf(err, errlen, "unknown command '%s %.40s' (add, remove "
		    "or list)", w[0], w[1]);
	else
		snprintf(err, errlen, "unknown command '%.40s' (status, reload, "
		    "flows, exceptions, quarantine or census)", w[0]);
	return -1;
}

/* Does slot s take v (rest: v is the rest of the line)? */
static bool
slot_takes(const struct slot *s, const char *v, bool rest)
{
	if ((s->kind == W_REST) != rest)
		return false;
	if (s->kind == W_NUM || s->kind == W_NOTNUM)
		return all_digits(v) == (s->kind == W_NUM);
	return true;
}

/*
 * The words after the command, then the rest of the line, into c's
 * slots of o, in order; an optional slot that does not take a word is
 * passed over.
 */
static int
words_fill(const struct words_cmd *c, char **w, int nw, char *rest,
    cJSON *o, char *err, size_t errlen)
{
	const struct slot	*s = c->slot;
	const char		*v;
	int			 i;

	for (i = 0; i <= nw && (v = i < nw ? w[i] : rest) != NULL; i++) {
		while (s->key != NULL && s - c->slot >= c->need &&
		    !slot_takes(s, v, i == nw))
			s++;
		if (s->key == NULL || !slot_takes(s, v, i == nw))
			goto usage;
		if (cJSON_AddStringToObject(o, s->key, v) == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		s++;
	}
	if (s - c->slot >= c->need)
		return 0;
usage:
	snprintf(err, errlen, "%s", c->usage);
	return -1;
}

/*
 * A request in words, as the JSON object it stands for: `flows
 * 10.20.3.44 20` is {"cmd":"flows","host":"10.20.3.44","limit":"20"}
 * (a number stays the word it was: req_check knows the form).  NULL
 * with a message when the words do not make a request of the form.
 */
static cJSON *
words_to_json(char *line, char *err, size_t errlen)
{
	const struct words_cmd	*c;
	char			*w[MAXWORDS], *rest;
	int			 nw;
	cJSON			*o;

	if (words_split(line, w, &nw, &rest, err, errlen) == -1 ||
	    words_find(w, nw, &c, err, errlen) == -1)
		return NULL;
	if ((o = cJSON_CreateObject()) == NULL ||
	    cJSON_AddStringToObject(o, "cmd", w[0]) == NULL ||
	    (c != NULL && c->op != NULL &&
	    cJSON_AddStringToObject(o, "op", c->op) == NULL)) {
		snprintf(err, errlen, "out of memory");
		cJSON_Delete(o);
		return NULL;
	}
	if (c != NULL && words_fill(c, w + (c->op != NULL ? 2 : 1),
	    nw - (c->op != NULL ? 2 : 1), rest, o, err, errlen) == -1) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
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
	cJSON	*o;
	bool	 words;
	int	 rc;

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
	if ((words = *p != '{'))
		o = words_to_json(p, err, errlen);
	else if ((o = cJSON_ParseWithOpts(p, NULL, 1)) == NULL)
		snprintf(err, errlen, "malformed JSON request");
	if (o == NULL)
		return -1;
	rc = req_check(o, words, r, err, errlen);
	cJSON_Delete(o);
	if (rc == -1) {
		/* It quotes strings that JSON escapes ("\n") made. */
		for (p = err; !words && *p != '\0'; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				*p = '?';
		return -1;
	}
	if (r->limit == 0)
		r->limit = r->cmd == CTL_EXCEPTIONS ? CTL_LIMIT_MAX :
		    CTL_LIMIT_DEF;
	return 0;
}
