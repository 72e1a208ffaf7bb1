/*
 * The control socket: a unix stream socket (control-socket, mode 0660,
 * group control-group) on which nfqctl asks the running daemon to reload,
 * for its status, its connections, what is in force, and to put hosts in
 * quarantine or take them out.
 *
 * One request per connection: a line of at most CTL_REQ_MAX bytes, either
 * words (`status`, `flows 10.20.3.44`, `quarantine add 10.20.3.44 24h spam
 * bot`) or one JSON object (`{"cmd":"flows","host":"10.20.3.44"}`); the
 * answer is one JSON object on one line, `{"ok":true,...}` or
 * `{"ok":false,"error":"..."}`, and the daemon closes the connection.
 * Anything malformed, too long or too slow gets an error answer.
 *
 * The socket is served by a thread of its own, one connection at a time:
 * a client has 2 s to send its request and 10 s to read the answer, so a
 * stuck one holds the socket that long at most.  Who may ask: root, the
 * daemon's own user, and members of control-group (the peer's
 * credentials, SO_PEERCRED, and its user's groups).
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "nfqd.h"

#define CTL_READ_MS	2000	/* to send the request */
#define CTL_WRITE_MS	10000	/* to read the answer */

struct ctl {
	int		 fd;
	int		 stop[2];
	pthread_t	 thread;
	bool		 running;
	char		 path[MAX_PATH];
	bool		 has_group;
	uint32_t	 gid;
	uint32_t	 self;
	ctl_handler	 fn;
	void		*arg;
};

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

/* ---- who may ask ---- */

/* Root, the daemon's own user, the control group (primary or other). */
bool
ctl_allowed(const struct ctl_peer *p, uint32_t self, bool has_group,
    uint32_t gid)
{
	gid_t	 groups[256];
	int	 n = 256;

	if (p->uid == 0 || p->uid == self)
		return true;
	if (!has_group)
		return false;
	if (p->gid == gid)
		return true;
	if (p->name[0] == '\0' || getgrouplist(p->name, (gid_t)p->gid, groups,
	    &n) == -1)
		return false;
	for (int i = 0; i < n; i++)
		if ((uint32_t)groups[i] == gid)
			return true;
	return false;
}

/* ---- the socket ---- */

static int
sun_set(struct sockaddr_un *sa, const char *path, char *err, size_t errlen)
{
	size_t	 len = strlen(path);

	if (len >= sizeof(sa->sun_path)) {
		snprintf(err, errlen, "%s: too long for a unix socket", path);
		return -1;
	}
	memcpy(sa->sun_path, path, len + 1);
	return 0;
}

/* Another daemon answering on path?  Else remove what is left there. */
static int
ctl_clear(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un	 sa;
	struct stat		 st;
	int			 fd, r;

	if (lstat(path, &st) == -1) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "%s exists and is not a socket", path);
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (sun_set(&sa, path, err, errlen) == -1)
		return -1;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	if (r == 0) {
		snprintf(err, errlen, "another nfqd answers on %s", path);
		return -1;
	}
	if (unlink(path) == -1 && errno != ENOENT) {
		snprintf(err, errlen, "cannot remove the old %s: %s", path,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Bind the configured socket.  NULL with err "" when control-socket is
 * none; NULL with a message when it cannot be made.
 */
struct ctl *
ctl_open(const struct conf *c, ctl_handler fn, void *arg, char *err,
    size_t errlen)
{
	struct sockaddr_un	 sa;
	struct ctl		*x;
	char			 dir[MAX_PATH], *slash;

	err[0] = '\0';
	if (c->control_socket[0] == '\0')
		return NULL;
	if ((x = calloc(1, sizeof(*x))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	x->fd = x->stop[0] = x->stop[1] = -1;
	snprintf(x->path, sizeof(x->path), "%s", c->control_socket);
	x->has_group = c->control_group[0] != '\0';
	x->gid = c->control_gid;
	x->self = (uint32_t)geteuid();
	x->fn = fn;
	x->arg = arg;
	/* /run/nfqd is made at start (systemd's RuntimeDirectory, or here). */
	snprintf(dir, sizeof(dir), "%s", x->path);
	if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) == -1 && errno != EEXIST) {
			snprintf(err, errlen, "control-socket: cannot create "
			    "%s: %s", dir, strerror(errno));
			goto fail;
		}
	}
	if (ctl_clear(x->path, err, errlen) == -1)
		goto fail;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (sun_set(&sa, x->path, err, errlen) == -1)
		goto fail;
	if ((x->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0)) == -1 ||
	    bind(x->fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		snprintf(err, errlen, "control-socket %s: %s", x->path,
		    strerror(errno));
		goto fail;
	}
	if (chmod(x->path, 0660) == -1 || (x->has_group &&
	    chown(x->path, (uid_t)-1, (gid_t)x->gid) == -1) ||
	    listen(x->fd, 16) == -1 || pipe2(x->stop, O_CLOEXEC) == -1) {
		snprintf(err, errlen, "control-socket %s: %s", x->path,
		    strerror(errno));
		unlink(x->path);
		goto fail;
	}
	return x;
fail:
	if (x->fd != -1)
		close(x->fd);
	free(x);
	return NULL;
}

/* Read one line within the deadline; returns its length or -1 with err. */
static ssize_t
ctl_read(int fd, char *buf, size_t cap, char *err, size_t errlen)
{
	struct pollfd	 p = { fd, POLLIN, 0 };
	int64_t		 end = clock_mono_ms() + CTL_READ_MS, left;
	size_t		 n = 0;
	ssize_t		 r;
	char		*nl;

	for (;;) {
		if ((left = end - clock_mono_ms()) <= 0) {
			snprintf(err, errlen, "timed out waiting for the "
			    "request (%d s)", CTL_READ_MS / 1000);
			return -1;
		}
		if (poll(&p, 1, (int)left) == -1 && errno != EINTR) {
			snprintf(err, errlen, "poll: %s", strerror(errno));
			return -1;
		}
		r = read(fd, buf + n, cap - n);
		if (r == -1) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			snprintf(err, errlen, "read: %s", strerror(errno));
			return -1;
		}
		if (r == 0) {
			if (n == 0) {
				snprintf(err, errlen, "empty request");
				return -1;
			}
			return (ssize_t)n;	/* the line without its end */
		}
		if ((nl = memchr(buf + n, '\n', (size_t)r)) != NULL)
			return nl - buf + 1;
		n += (size_t)r;
		if (n == cap) {
			snprintf(err, errlen, "request too long (at most %d "
			    "bytes)", CTL_REQ_MAX);
			return -1;
		}
	}
}

static void
ctl_write(int fd, const char *s, size_t len)
{
	struct pollfd	 p = { fd, POLLOUT, 0 };
	int64_t		 end = clock_mono_ms() + CTL_WRITE_MS, left;
	ssize_t		 w;

	while (len > 0 && (left = end - clock_mono_ms()) > 0) {
		if (poll(&p, 1, (int)left) == -1 && errno != EINTR)
			return;
		if ((w = send(fd, s, len, MSG_NOSIGNAL)) == -1) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return;
		}
		s += w;
		len -= (size_t)w;
	}
}

static void
ctl_reply(int fd, cJSON *o)
{
	char	*s;
	size_t	 len = 0;

	if ((s = cJSON_PrintUnformatted(o)) == NULL ||
	    (len = strlen(s)) > CTL_REPLY_MAX) {
		cJSON_free(s);
		s = strdup(len > CTL_REPLY_MAX ?
		    "{\"ok\":false,\"error\":\"reply too large: ask for less "
		    "(a host, a smaller limit)\"}" :
		    "{\"ok\":false,\"error\":\"out of memory\"}");
		if (s == NULL)
			return;
		len = strlen(s);
		ctl_write(fd, s, len);
		ctl_write(fd, "\n", 1);
		free(s);
		return;
	}
	ctl_write(fd, s, len);
	ctl_write(fd, "\n", 1);
	cJSON_free(s);
}

static void
ctl_error(int fd, const char *msg)
{
	cJSON	*o = cJSON_CreateObject();

	if (o == NULL)
		return;
	cJSON_AddFalseToObject(o, "ok");
	cJSON_AddStringToObject(o, "error", msg);
	ctl_reply(fd, o);
	cJSON_Delete(o);
}

static void
ctl_conn(struct ctl *x, int fd)
{
	struct ucred	 uc;
	socklen_t	 sl = sizeof(uc);
	struct ctl_peer	 peer;
	struct ctl_req	 req;
	struct passwd	 pw, *res = NULL;
	char		 buf[CTL_REQ_MAX + 2], pwbuf[4096], err[ERRLEN];
	ssize_t		 n;
	cJSON		*o;

	memset(&peer, 0, sizeof(peer));
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &sl) == -1) {
		ctl_error(fd, "cannot tell who is asking (SO_PEERCRED)");
		return;
	}
	peer.pid = uc.pid;
	peer.uid = uc.uid;
	peer.gid = uc.gid;
	if (getpwuid_r(uc.uid, &pw, pwbuf, sizeof(pwbuf), &res) == 0 &&
	    res != NULL)
		snprintf(peer.name, sizeof(peer.name), "%s", pw.pw_name);
	else
		snprintf(peer.name, sizeof(peer.name), "uid %u",
		    (unsigned)uc.uid);
	if (!ctl_allowed(&peer, x->self, x->has_group, x->gid)) {
		snprintf(err, sizeof(err), "permission denied: %s (uid %u) is "
		    "not root and not in control-group%s", peer.name,
		    (unsigned)uc.uid, x->has_group ? "" : " (none is set)");
		log_warnx("control socket: refused %s (uid %u, pid %d)",
		    peer.name, (unsigned)uc.uid, (int)uc.pid);
		ctl_error(fd, err);
		return;
	}
	/* One byte more than a request may have: "too long" is seen. */
	if ((n = ctl_read(fd, buf, CTL_REQ_MAX + 2, err, sizeof(err))) == -1 ||
	    ctl_parse(buf, (size_t)n, &req, err, sizeof(err)) == -1) {
		ctl_error(fd, err);
		return;
	}
	if ((o = cJSON_CreateObject()) == NULL) {
		ctl_error(fd, "out of memory");
		return;
	}
	cJSON_AddTrueToObject(o, "ok");
	cJSON_AddStringToObject(o, "cmd", ctl_cmd_name(req.cmd));
	err[0] = '\0';
	if (x->fn(x->arg, &req, &peer, o, err, sizeof(err)) == -1) {
		cJSON_ReplaceItemInObjectCaseSensitive(o, "ok",
		    cJSON_CreateFalse());
		cJSON_AddStringToObject(o, "error", err[0] ? err : "failed");
	}
	ctl_reply(fd, o);
	cJSON_Delete(o);
}

/*
 * The answer is out: say so (EOF), then read what the client may still be
 * sending (an oversized request) before closing, for a moment, so that
 * the close does not reset the connection under an unread answer.
 */
static void
ctl_drain(int fd)
{
	struct pollfd	 p = { fd, POLLIN, 0 };
	char		 buf[16384];
	int64_t		 end = clock_mono_ms() + 500, left;
	size_t		 total = 0;
	ssize_t		 r;

	shutdown(fd, SHUT_WR);
	while (total < (4u << 20) && (left = end - clock_mono_ms()) > 0) {
		if (poll(&p, 1, (int)left) <= 0)
			break;
		if ((r = read(fd, buf, sizeof(buf))) <= 0) {
			if (r == -1 && (errno == EAGAIN || errno == EINTR))
				continue;
			break;
		}
		total += (size_t)r;
	}
}

static void *
ctl_main(void *arg)
{
	struct ctl	*x = arg;
	struct pollfd	 p[2];
	int		 fd;

	pthread_setname_np(pthread_self(), "nfqd-ctl");
	for (;;) {
		p[0].fd = x->fd;
		p[0].events = POLLIN;
		p[1].fd = x->stop[0];
		p[1].events = POLLIN;
		if (poll(p, 2, -1) == -1) {
			if (errno == EINTR)
				continue;
			log_warn("control socket: poll");
			break;
		}
		if (p[1].revents)
			break;
		if ((fd = accept4(x->fd, NULL, NULL, SOCK_CLOEXEC |
		    SOCK_NONBLOCK)) == -1) {
			if (errno != EAGAIN && errno != EINTR &&
			    errno != ECONNABORTED)
				log_warn("control socket: accept");
			if (errno == EMFILE || errno == ENFILE)
				usleep(100000);
			continue;
		}
		ctl_conn(x, fd);
		ctl_drain(fd);
		close(fd);
	}
	return NULL;
}

int
ctl_start(struct ctl *x)
{
	if (pthread_create(&x->thread, NULL, ctl_main, x) != 0)
		return -1;
	x->running = true;
	return 0;
}

/* Stop serving (the request being answered is finished), remove it. */
void
ctl_close(struct ctl *x)
{
	if (x == NULL)
		return;
	if (x->running) {
		if (write(x->stop[1], "x", 1) != 1)
			log_warn("control socket: cannot stop its thread");
		else
			pthread_join(x->thread, NULL);
	}
	close(x->fd);
	close(x->stop[0]);
	close(x->stop[1]);
	unlink(x->path);
	free(x);
}
