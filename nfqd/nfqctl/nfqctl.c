/*
 * nfqctl: the network team's tool for the exception list (add, remove,
 * list, check, import, export through excedit.c), the helpdesk's
 * question "what does the policy do with this connection, and why", and
 * the running daemon's control socket (ctl.c): reload after an edit,
 * status, flows, what is in force, quarantine.
 *
 * Data (tables, JSON, test results) goes to stdout; everything said to
 * the user goes to stderr, starting with "nfqctl: ", or with "warning: "
 * for a warning (as nfqd -n writes them).  Exit 0: done, 1: refused or
 * failed (a warning with --strict), 2: usage or configuration error.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "base/defs.h"
#include "base/addr.h"
#include "base/digest.h"
#include "base/lpm.h"
#include "base/tz.h"
#include "policy/conf.h"
#include "policy/exceptions.h"
#include "policy/quarantine.h"
#include "policy/policy.h"
#include "event/event.h"
#include "event/census.h"
#include "control/ctlreq.h"
#include "control/excedit.h"
#include "base/when.h"

#define DEFAULT_CONF	"/etc/nfqd/nfqd.conf"
#define CTL_TIMEOUT_S	120	/* a reload of a long list, a big reply */
#define IMPORT_MAX	(64 << 20)
#define EDIT_TRIES	10	/* edits that found the file changed; then
				   the next waits for the lock first */
#define NOTES_SHOWN	40	/* lines of what an edit did; the audit log
				   has them all */

enum { EX_OK = 0, EX_FAIL = 1, EX_USAGE = 2 };

/* Options; the bit of each in struct cmd's mask. */
enum {
	OPT_CONFIG, OPT_NO_RELOAD, OPT_DIRECTION, OPT_TICKET, OPT_OWNER,
	OPT_EXPIRES, OPT_COMMENT, OPT_JSON, OPT_EXPIRED, OPT_EXPIRING,
	OPT_HELP, OPT_VERSION, OPT_FOR, OPT_REASON, OPT_LIMIT, OPT_SINCE,
	OPT_SOCKET, OPT_STRICT, NOPTS
};
#define B(o)	(1u << (o))

static const struct option longopts[] = {
	{ "config",	required_argument,	NULL, 'c' },
	{ "no-reload",	no_argument,		NULL, 256 + OPT_NO_RELOAD },
	{ "direction",	required_argument,	NULL, 256 + OPT_DIRECTION },
	{ "ticket",	required_argument,	NULL, 256 + OPT_TICKET },
	{ "owner",	required_argument,	NULL, 256 + OPT_OWNER },
	{ "expires",	required_argument,	NULL, 256 + OPT_EXPIRES },
	{ "comment",	required_argument,	NULL, 256 + OPT_COMMENT },
	{ "json",	no_argument,		NULL, 256 + OPT_JSON },
	{ "expired",	no_argument,		NULL, 256 + OPT_EXPIRED },
	{ "expiring",	required_argument,	NULL, 256 + OPT_EXPIRING },
	{ "for",	required_argument,	NULL, 256 + OPT_FOR },
	{ "reason",	required_argument,	NULL, 256 + OPT_REASON },
	{ "limit",	required_argument,	NULL, 256 + OPT_LIMIT },
	{ "since",	required_argument,	NULL, 256 + OPT_SINCE },
	{ "socket",	required_argument,	NULL, 256 + OPT_SOCKET },
	{ "strict",	no_argument,		NULL, 256 + OPT_STRICT },
	{ "help",	no_argument,		NULL, 'h' },
	{ "version",	no_argument,		NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

#define MAXPOS	8
#define MAXSOCKS	32	/* --socket, one per daemon */

struct args {
	const char	*config;
	const char	*val[NOPTS];	/* option arguments */
	unsigned	 seen;		/* B(OPT_*) given */
	const char	*pos[MAXPOS];	/* after the command's words */
	int		 npos;
	const char	*socks[MAXSOCKS];	/* --socket, in order */
	int		 nsocks;
};

struct cmd {
	const char	*w1, *w2;	/* "exception", "add"; w2 NULL */
	int		 minpos, maxpos;
	unsigned	 opts;		/* allowed besides -c, -h */
	int		(*fn)(const struct args *);
	const char	*synopsis;
};

static struct conf	 conf;
static unsigned		 nwarn;

/*
 * What an edit did (INFO) and its warnings, held until the file is
 * written: an edit that finds the file changed is made again, and says
 * it once.
 */
struct notes {
	char	*p;
	size_t	 len, cap;
	unsigned n;
};
static struct notes	 notes[2];	/* 0: warnings, 1: what was done */

static void __attribute__((format(printf, 1, 0)))
vsay(const char *fmt, va_list ap)
{
	fputs("nfqctl: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

static void __attribute__((format(printf, 1, 2)))
say(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
}

/* A warning, as nfqd -n writes them: "warning: FILE:LINE: ...". */
static void
warn_line(void *arg, const char *text)
{
	(void)arg;
	nwarn++;
	fprintf(stderr, "warning: %s\n", text);
}

static void
note_add(struct notes *b, const char *text)
{
	size_t	 len = strlen(text), cap;
	char	*n;

	if (b->len + len + 2 > b->cap) {
		for (cap = b->cap ? b->cap : 4096; cap < b->len + len + 2;
		    cap *= 2)
			;
		if ((n = realloc(b->p, cap)) == NULL)
			return;
		b->p = n;
		b->cap = cap;
	}
	memcpy(b->p + b->len, text, len);
	b->p[b->len + len] = '\n';
	b->len += len + 1;
	b->p[b->len] = '\0';
	b->n++;
}

/* excedit's messages: errors now, warnings and notes once written. */
static void
on_msg(void *arg, int level, const char *text)
{
	(void)arg;
	switch (level) {
	case EXCEDIT_INFO:
		note_add(&notes[1], text);
		return;
	case EXCEDIT_WARN:
		note_add(&notes[0], text);
		return;
	default:
		say("%s", text);
	}
}

/* Say the warnings and what was done (show), or forget them. */
static void
notes_flush(bool show)
{
	char		*p, *e;
	unsigned	 i;

	for (p = notes[0].p; show && p != NULL && *p != '\0'; p = e + 1) {
		e = strchr(p, '\n');
		warn_line(NULL, (*e = '\0', p));
	}
	for (p = notes[1].p, i = 0; show && p != NULL && *p != '\0' &&
	    i < NOTES_SHOWN; p = e + 1, i++) {
		e = strchr(p, '\n');
		say("%.*s", (int)(e - p), p);
	}
	if (show && notes[1].n > NOTES_SHOWN)
		say("... and %u more changes (the audit log has every one)",
		    notes[1].n - NOTES_SHOWN);
	for (i = 0; i < 2; i++) {
		free(notes[i].p);
		memset(&notes[i], 0, sizeof(notes[i]));
	}
}

static const char usage_text[] =
    "usage: nfqctl [-c CONF] exception add ADDR[/LEN] "
    "--direction inbound|outbound|both\n"
    "                  --ticket T --owner O [--expires YYYY-MM-DD] "
    "[--comment TEXT] [--no-reload]\n"
    "       nfqctl [-c CONF] exception set ADDR[/LEN] [--expires DATE|never] "
    "[--ticket T]\n"
    "                  [--owner O] [--direction D] [--comment TEXT] "
    "[--no-reload]\n"
    "       nfqctl [-c CONF] exception remove ADDR[/LEN] [--ticket T] "
    "[--no-reload]\n"
    "       nfqctl exception add|remove ... --socket PATH --socket PATH "
    "...\n"
    "       nfqctl [-c CONF] exception list [--json] [--expired] "
    "[--expiring DAYS]\n"
    "       nfqctl [-c CONF] exception check [FILE] [--strict]\n"
    "       nfqctl [-c CONF] exception import --json FILE|- "
    "[--no-reload]\n"
    "       nfqctl [-c CONF] exception export --json\n"
    "       nfqctl [-c CONF] test SRC DST [PORT] [--json]\n"
    "       nfqctl [-c CONF] status [--json] | reload\n"
    "       nfqctl status --socket PATH --socket PATH ... [--json]\n"
    "       nfqctl [-c CONF] flows [HOST] [--limit N] [--json]\n"
    "       nfqctl [-c CONF] exceptions [HOST] [--limit N] [--json]\n"
    "       nfqctl [-c CONF] quarantine add HOST --for DURATION "
    "--reason TEXT\n"
    "       nfqctl [-c CONF] quarantine remove HOST\n"
    "       nfqctl [-c CONF] quarantine list [--json]\n"
    "       nfqctl [-c CONF] census [--since DAYS] [--json]\n"
    "       nfqctl -h | --help | -V | --version\n"
    "  -c, --config CONF   configuration file (default " DEFAULT_CONF ")\n"
    "  --no-reload         edit the file only; do not ask the daemon to "
    "reload\n"
    "  --socket PATH       a daemon's control socket (repeatable): status "
    "side by side,\n"
    "                      or the edit made by each daemon on its own "
    "list\n"
    "  --strict            exception check: a warning fails the check "
    "(exit 1)\n"
    "  --json              the answer as JSON, where there is a table\n";

static const struct cmd	*cur;		/* the command, once known */

/* A usage error: the problem, then the command's synopsis; exit 2. */
static void __attribute__((noreturn, format(printf, 1, 2)))
usage_exit(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
	if (cur != NULL)
		fprintf(stderr, "nfqctl: usage: nfqctl [-c CONF] %s\n",
		    cur->synopsis);
	else
		fputs(usage_text, stderr);
	exit(EX_USAGE);
}

static int
load_conf(const struct args *a)
{
	char	 err[ERRLEN];

	if (conf_load(a->config, &conf, err, sizeof(err)) == -1) {
		say("%s", err);
		return -1;
	}
	return 0;
}

/* ---- the control socket ---- */

enum { CTL_OK, CTL_NODAEMON, CTL_ERROR };

/*
 * Send one request to the daemon at control-socket and read its answer.
 * CTL_OK with *reply; CTL_NODAEMON when nothing listens there (no socket,
 * connection refused, or control-socket = none); CTL_ERROR with err.
 */
static int
ctl_ask(const struct conf *c, cJSON *req, cJSON **reply, char *err,
    size_t errlen)
{
	struct sockaddr_un	 sa;
	struct timeval		 tv = { CTL_TIMEOUT_S, 0 };
	char			*line = NULL, *buf = NULL, *nb;
	size_t			 len = 0, cap = 0;
	ssize_t			 r;
	int			 fd = -1, rc = CTL_ERROR;

	*reply = NULL;
	if (c->control_socket[0] == '\0')
		return CTL_NODAEMON;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(c->control_socket) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "%s: path too long", c->control_socket);
		return CTL_ERROR;
	}
	memcpy(sa.sun_path, c->control_socket, strlen(c->control_socket) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return CTL_ERROR;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		if (errno == ENOENT || errno == ECONNREFUSED)
			rc = CTL_NODAEMON;
		else
			snprintf(err, errlen, "%s: %s", c->control_socket,
			    strerror(errno));
		goto out;
	}
	if ((line = cJSON_PrintUnformatted(req)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	len = strlen(line);
	if (send(fd, line, len, MSG_NOSIGNAL) != (ssize_t)len ||
	    send(fd, "\n", 1, MSG_NOSIGNAL) != 1) {
		snprintf(err, errlen, "%s: sending the request: %s",
		    c->control_socket, strerror(errno));
		goto out;
	}
	len = 0;
	for (;;) {
		if (len + 65536 + 1 > cap) {
			cap = cap ? cap * 2 : 262144;
			if (cap > CTL_REPLY_MAX + 65536 ||
			    (nb = realloc(buf, cap)) == NULL) {
				snprintf(err, errlen, "the daemon's answer is "
				    "too large");
				goto out;
			}
			buf = nb;
		}
		if ((r = recv(fd, buf + len, cap - len - 1, 0)) == 0)
			break;
		if (r == -1) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "%s: %s", c->control_socket,
			    errno == EAGAIN ? "no answer from the daemon in "
			    "time" : strerror(errno));
			goto out;
		}
		len += (size_t)r;
	}
	if (buf == NULL || len == 0) {
		snprintf(err, errlen, "%s: the daemon closed the connection "
		    "without an answer", c->control_socket);
		goto out;
	}
	buf[len] = '\0';
	if ((*reply = cJSON_Parse(buf)) == NULL || !cJSON_IsObject(*reply)) {
		cJSON_Delete(*reply);
		*reply = NULL;
		snprintf(err, errlen, "%s: the daemon's answer is not JSON",
		    c->control_socket);
		goto out;
	}
	rc = CTL_OK;
out:
	cJSON_free(line);
	free(buf);
	if (fd != -1)
		close(fd);
	return rc;
}

static bool
reply_ok(const cJSON *o)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "ok"));
}

static const char *
reply_str(const cJSON *o, const char *key)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : "";
}

static double
reply_num(const cJSON *o, const char *key)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

/*
 * ctl_ask for a command that has nothing to add to the daemon's refusal:
 * takes req; CTL_OK with an accepted *reply, CTL_NODAEMON, or CTL_ERROR
 * once the error or the daemon's refusal is said.
 */
static int
ask_daemon(cJSON *req, cJSON **reply)
{
	char	 err[ERRLEN];
	int	 rc;

	rc = ctl_ask(&conf, req, reply, err, sizeof(err));
	cJSON_Delete(req);
	if (rc == CTL_ERROR)
		say("%s", err);
	else if (rc == CTL_OK && !reply_ok(*reply)) {
		say("%s", reply_str(*reply, "error"));
		cJSON_Delete(*reply);
		*reply = NULL;
		rc = CTL_ERROR;
	}
	return rc;
}

/* The daemon's answer to a reload, in a sentence; exit status. */
static int
reload_said(const cJSON *reply)
{
	const cJSON	*r = cJSON_GetObjectItemCaseSensitive(reply, "reload");
	const cJSON	*ms = cJSON_GetObjectItemCaseSensitive(r, "ms");
	const char	*sets;

	if (!reply_ok(reply)) {
		say("the daemon refused the reload; the running list stays: %s",
		    reply_str(reply, "error"));
		return EX_FAIL;
	}
	say("reloaded: %.0f exceptions (%.0f added, %.0f removed, %.0f "
	    "changed) in %.1f ms", reply_num(r, "exceptions"),
	    reply_num(r, "added"), reply_num(r, "removed"),
	    reply_num(r, "changed"), reply_num(ms, "load") +
	    reply_num(ms, "diff") + reply_num(ms, "swap"));
	sets = reply_str(r, "degraded_sets");
	if (sets[0] != '\0' && strcmp(sets, "ok") != 0)
		say("warning: degraded-mode sets not updated: %s", sets);
	return EX_OK;
}

/*
 * The daemon's list is the file that was edited (real, its path with
 * symlinks resolved): 1 yes, 0 no (said), 2 no daemon, -1 the daemon
 * did not answer (said).  Without an absolute path in the daemon's answer
 * (one started with a relative -c), only the SHA-256 after the reload
 * tells.
 */
static int
daemon_runs(const char *real, char *dpath, size_t dlen)
{
	cJSON		*req, *reply, *x;
	const char	*path;
	char		 err[ERRLEN];
	int		 rc;

	if ((req = cJSON_CreateObject()) == NULL) {
		say("out of memory");
		return -1;
	}
	cJSON_AddStringToObject(req, "cmd", "status");
	rc = ctl_ask(&conf, req, &reply, err, sizeof(err));
	cJSON_Delete(req);
	if (rc == CTL_NODAEMON)
		return 2;
	if (rc == CTL_ERROR) {
		say("edited, but the daemon was not asked to reload: %s", err);
		return -1;
	}
	if (!reply_ok(reply)) {
		say("edited, but the daemon was not asked to reload: it "
		    "answered status with: %s", reply_str(reply, "error"));
		cJSON_Delete(reply);
		return -1;
	}
	x = cJSON_GetObjectItemCaseSensitive(reply, "exceptions");
	path = reply_str(x, "path");
	if (path[0] == '\0')
		path = reply_str(x, "file");
	snprintf(dpath, dlen, "%s", path);
	cJSON_Delete(reply);
	if (dpath[0] != '/' || strcmp(dpath, real) == 0)
		return 1;
	say("edited %s only: the daemon on %s runs %s, not this file; not "
	    "reloaded (give -c the nfqd.conf of the daemon that runs it, or "
	    "--no-reload for a copy)", real, conf.control_socket, dpath);
	return 0;
}

/*
 * Ask the running daemon to load the edited list, once it is known to be
 * the daemon that runs that file, and say what it answered: exit 1 when
 * it refused, or when the list it runs after the reload is not the file
 * as written (real, sha: exchash.c's SHA-256).  No daemon: the edit
 * waits for its start.
 */
static int
request_reload(const struct args *a, const char *real, const char *sha)
{
	cJSON		*req, *reply, *r;
	struct exc_list	 l;
	char		 err[ERRLEN], dpath[MAX_PATH], now[SHA256_HEXLEN];
	const char	*got;
	int		 rc;

	if (a->seen & B(OPT_NO_RELOAD))
		return EX_OK;
	if (conf.control_socket[0] == '\0') {
		say("control-socket = none: edited only; reload nfqd yourself "
		    "(systemctl reload nfqd)");
		return EX_OK;
	}
	/* Is anyone there, and does it run this file? */
	switch (daemon_runs(real, dpath, sizeof(dpath))) {
	case -1:
	case 0:
		return EX_FAIL;
	case 2:
		say("no running daemon: edited only");
		return EX_OK;
	}
	if ((req = cJSON_CreateObject()) == NULL) {
		say("out of memory");
		return EX_FAIL;
	}
	cJSON_AddStringToObject(req, "cmd", "reload");
	rc = ctl_ask(&conf, req, &reply, err, sizeof(err));
	cJSON_Delete(req);
	switch (rc) {
	case CTL_NODAEMON:
		say("no running daemon: edited only");
		return EX_OK;
	case CTL_ERROR:
		say("edited, but the daemon was not asked to reload: %s", err);
		return EX_FAIL;
	}
	r = cJSON_GetObjectItemCaseSensitive(reply, "reload");
	got = reply_str(r, "exceptions_sha256");
	if (reply_ok(reply) && sha[0] != '\0' && got[0] != '\0' &&
	    strcmp(got, sha) != 0) {
		/* Another edit since ours?  Then the file says so now. */
		if (exc_load(real, &conf, EXC_ANY_MODE, &l, err,
		    sizeof(err)) == 0 && exc_hash(&l, now) == 0 &&
		    strcmp(now, got) == 0)
			say("the daemon runs %s with a later edit in it too",
			    real);
		else {
			say("the daemon on %s reloaded, but the list it runs "
			    "(sha256 %.16s..., from %s) is not %s as written "
			    "(sha256 %.16s...)", conf.control_socket, got,
			    dpath, real, sha);
			exc_free(&l);
			cJSON_Delete(reply);
			return EX_FAIL;
		}
		exc_free(&l);
	}
	rc = reload_said(reply);
	cJSON_Delete(reply);
	return rc;
}

/* An edit session on the configured list; NULL after saying why. */
static struct excedit *
edit_open(const char *path, bool lock, bool late, bool hash,
    const struct conf *c)
{
	struct excedit_opts	 o;
	struct excedit		*x;
	static char		 who[256], audit[MAX_PATH + 16];
	char			 err[ERRLEN], *real;

	memset(&o, 0, sizeof(o));
	o.path = path;
	o.conf = c;
	o.now = (int64_t)time(NULL);
	o.lock = lock;
	o.late_lock = lock && late;
	/* The list's hash, to compare with the daemon's after its reload. */
	o.want_sha256 = hash;
	o.msg = on_msg;
	if (lock) {
		excedit_who(who, sizeof(who));
		o.who = who;
		/* audit-log in nfqd.conf, else beside the real file. */
		if (c != NULL && c->audit_log[0] != '\0')
			o.audit = c->audit_log;
		else if ((real = realpath(path, NULL)) != NULL) {
			snprintf(audit, sizeof(audit), "%s.audit", real);
			o.audit = audit;
			free(real);
		}
	}
	if ((x = excedit_open(&o, err, sizeof(err))) == NULL)
		say("%s", err);
	return x;
}

static int
edit_refused(struct excedit *x, const char *err)
{
	notes_flush(false);
	say("%s", err);
	excedit_close(x);
	return EX_FAIL;
}

/*
 * One edit of the configured list, made by fn on a session: prepared
 * without the lock, written under it; made again when the file changed
 * meanwhile (EDIT_TRIES times, then with the lock held throughout).
 * Says what it did (and summary), then asks the daemon to reload.
 * fn returns -1 with err when it refuses; 1 when there is nothing to
 * write (it said so).
 */
typedef int (*edit_fn)(struct excedit *, const struct args *, void *,
    char *, size_t);

static int
edit_run(const struct args *a, edit_fn fn, void *arg, const char *summary)
{
	struct excedit	*x;
	char		 err[ERRLEN], real[MAX_PATH], sha[SHA256_HEXLEN];
	int		 rc;

	for (int try = 0;; try++) {
		if ((x = edit_open(conf.exceptions, true, try < EDIT_TRIES,
		    !(a->seen & B(OPT_NO_RELOAD)) &&
		    conf.control_socket[0] != '\0', &conf)) == NULL)
			return EX_FAIL;
		if ((rc = fn(x, a, arg, err, sizeof(err))) == -1)
			return edit_refused(x, err);
		if (rc == 1 || !excedit_changed(x)) {
			notes_flush(true);
			excedit_close(x);
			return EX_OK;
		}
		if ((rc = excedit_commit(x, err, sizeof(err))) ==
		    EXCEDIT_STALE) {
			notes_flush(false);
			excedit_close(x);
			continue;
		}
		if (rc == -1)
			return edit_refused(x, err);
		snprintf(real, sizeof(real), "%s", excedit_real(x));
		snprintf(sha, sizeof(sha), "%s", excedit_sha256(x));
		excedit_close(x);
		notes_flush(true);
		if (summary != NULL && summary[0] != '\0')
			say("%s", summary);
		return request_reload(a, real, sha);
	}
}

/* ---- exception add / remove ---- */

/*
 * exception add/remove --socket A --socket B ...: each daemon makes the
 * edit on its own list (locked, checked, audited, renamed, as here) and
 * reloads (docs/multi-router.md).  One line per daemon, with the hash of
 * the list now in force there; exit 0 when every daemon made the edit and
 * all hashes agree.  A daemon that refused changed nothing.
 */
static cJSON	*new_req(const char *);

static int
edit_many(const struct args *a, const char *op)
{
	static struct conf	 sc;
	cJSON			*req, *reply, *r;
	char			 err[ERRLEN], first[SHA256_HEXLEN] = "";
	const char		*sha;
	int			 i, rc, bad = 0, drift = 0;

	if (a->seen & B(OPT_NO_RELOAD))
		usage_exit("--no-reload: a daemon always reloads what it "
		    "edits");
	for (i = 0; i < a->nsocks; i++) {
		if ((req = new_req("exception")) == NULL)
			return EX_FAIL;
		cJSON_AddStringToObject(req, "op", op);
		cJSON_AddStringToObject(req, "host", a->pos[0]);
		if (a->val[OPT_DIRECTION] != NULL)
			cJSON_AddStringToObject(req, "direction",
			    a->val[OPT_DIRECTION]);
		if (a->val[OPT_TICKET] != NULL)
			cJSON_AddStringToObject(req, "ticket",
			    a->val[OPT_TICKET]);
		if (a->val[OPT_OWNER] != NULL)
			cJSON_AddStringToObject(req, "owner", a->val[OPT_OWNER]);
		if (a->val[OPT_EXPIRES] != NULL)
			cJSON_AddStringToObject(req, "expires",
			    a->val[OPT_EXPIRES]);
		if (a->val[OPT_COMMENT] != NULL)
			cJSON_AddStringToObject(req, "comment",
			    a->val[OPT_COMMENT]);
		excedit_who(err, sizeof(err));
		if (strlen(err) < QUAR_WHOLEN)
			cJSON_AddStringToObject(req, "who", err);
		snprintf(sc.control_socket, sizeof(sc.control_socket), "%s",
		    a->socks[i]);
		rc = ctl_ask(&sc, req, &reply, err, sizeof(err));
		cJSON_Delete(req);
		if (rc != CTL_OK) {
			say("%s: not edited: %s", a->socks[i],
			    rc == CTL_NODAEMON ? "no daemon (no socket, or "
			    "nobody listens)" : err);
			bad++;
			continue;
		}
		r = cJSON_GetObjectItemCaseSensitive(reply, "reload");
		sha = reply_str(r, "exceptions_sha256");
		if (!reply_ok(reply)) {
			say("%s: %s", a->socks[i], reply_str(reply, "error"));
			bad++;
		} else {
			printf("%s: %s %s: %.0f exceptions, sha256 %s\n",
			    a->socks[i], op, a->pos[0],
			    reply_num(r, "exceptions"), sha);
			if (first[0] == '\0')
				snprintf(first, sizeof(first), "%s", sha);
			else if (strcmp(first, sha) != 0)
				drift = 1;
		}
		cJSON_Delete(reply);
	}
	if (bad > 0)
		say("%d of %d daemons did not make the edit", bad, a->nsocks);
	if (drift)
		say("drift: the daemons' lists still differ after the edit "
		    "(nfqctl status --socket ... shows them)");
	else if (bad == 0)
		say("edited on all %d daemons; the same list is in force in "
		    "all", a->nsocks);
	return fflush(stdout) == 0 && !bad && !drift ? EX_OK : EX_FAIL;
}

/* The request of add and set: the options as given (NULL: not given). */
static void
edit_req(const struct args *a, struct excedit_req *r)
{
	memset(r, 0, sizeof(*r));
	r->address = a->pos[0];
	r->direction = a->val[OPT_DIRECTION];
	r->ticket = a->val[OPT_TICKET];
	r->owner = a->val[OPT_OWNER];
	r->expires = a->val[OPT_EXPIRES];
	r->comment = a->val[OPT_COMMENT];
}

static int
do_add(struct excedit *x, const struct args *a, void *arg, char *err,
    size_t errlen)
{
	struct excedit_req	 r;

	(void)arg;
	edit_req(a, &r);
	return excedit_add(x, &r, err, errlen);
}

static int
cmd_add(const struct args *a)
{
	if (!(a->seen & B(OPT_DIRECTION)) || !(a->seen & B(OPT_TICKET)) ||
	    !(a->seen & B(OPT_OWNER)))
		usage_exit("exception add needs --direction, --ticket and "
		    "--owner");
	if (a->nsocks > 0)
		return edit_many(a, "add");
	if (load_conf(a) == -1)
		return EX_USAGE;
	return edit_run(a, do_add, NULL, NULL);
}

static int
do_set(struct excedit *x, const struct args *a, void *arg, char *err,
    size_t errlen)
{
	struct excedit_req	 r;
	char			 p[PREFIX_STRLEN];
	struct prefix		 pfx;

	(void)arg;
	edit_req(a, &r);
	if (excedit_set(x, &r, err, errlen) == -1)
		return -1;
	if (!excedit_changed(x)) {
		if (prefix_parse(a->pos[0], &pfx, err, errlen) == 0)
			host_format(&pfx, p, sizeof(p));
		else
			snprintf(p, sizeof(p), "%s", a->pos[0]);
		say("%s: nothing to change (%s already says that)",
		    excedit_path(x), p);
		return 1;
	}
	return 0;
}

/* exception set ADDR [--expires DATE|never] [--ticket ...]: in place. */
static int
cmd_set(const struct args *a)
{
	if (!(a->seen & (B(OPT_DIRECTION) | B(OPT_TICKET) | B(OPT_OWNER) |
	    B(OPT_EXPIRES) | B(OPT_COMMENT))))
		usage_exit("exception set needs what to change: --expires, "
		    "--ticket, --owner, --direction or --comment");
	if (load_conf(a) == -1)
		return EX_USAGE;
	return edit_run(a, do_set, NULL, NULL);
}

static int
do_remove(struct excedit *x, const struct args *a, void *arg, char *err,
    size_t errlen)
{
	(void)arg;
	return excedit_remove(x, a->pos[0], a->val[OPT_TICKET], err, errlen);
}

static int
cmd_remove(const struct args *a)
{
	if (a->nsocks > 0)
		return edit_many(a, "remove");
	if (load_conf(a) == -1)
		return EX_USAGE;
	return edit_run(a, do_remove, NULL, NULL);
}

/* ---- exception list / export ---- */

#define NCOLS	8

static void
list_row(const char *const *cell, const int *w)
{
	int	 i;

	int	 n = NCOLS;

	while (n > 1 && cell[n - 1][0] == '\0')	/* no trailing blanks */
		n--;
	for (i = 0; i < n - 1; i++)
		printf("%-*s  ", w[i], cell[i]);
	printf("%s\n", cell[n - 1]);
}

/* Days from today (in the configured zone) to the entry's last day. */
static int64_t
days_left(const struct exc_entry *e, int64_t now)
{
	int64_t		 t;
	const char	*end;

	if (when_parse(e->expires, &t, &end) == -1)
		return 0;
	return t / 86400 - tz_day_of(conf.tz, now);
}

static void
list_status(const struct exc_entry *e, int64_t now, char *buf, size_t len)
{
	int64_t	 days;

	if (e->expires_at == 0)
		snprintf(buf, len, "-");
	else if (now >= e->expires_at)
		snprintf(buf, len, "expired");
	else if ((days = days_left(e, now)) <= 0)
		snprintf(buf, len, "last day");
	else
		snprintf(buf, len, "%lld day%s left", (long long)days,
		    days == 1 ? "" : "s");
}

static void
list_table(const struct excedit *x, const bool *sel, int64_t now)
{
	static const char *const head[NCOLS] = { "ADDRESS", "DIRECTION",
	    "TICKET", "OWNER", "EXPIRES", "STATUS", "ADDED", "COMMENT" };
	struct excedit_info	 in;
	char			 a[PREFIX_STRLEN], st[32];
	const char		*cell[NCOLS];
	int			 w[NCOLS], pass, i;
	size_t			 k;

	for (i = 0; i < NCOLS; i++)
		w[i] = (int)strlen(head[i]);
	for (pass = 0; pass < 2; pass++) {
		if (pass == 1)
			list_row(head, w);
		for (k = 0; k < excedit_count(x); k++) {
			if (!sel[k])
				continue;
			excedit_get(x, k, &in);
			host_format(&in.e.pfx, a, sizeof(a));
			list_status(&in.e, now, st, sizeof(st));
			cell[0] = a;
			cell[1] = exc_dir_name(in.e.dir);
			cell[2] = in.e.ticket[0] ? in.e.ticket : "-";
			cell[3] = in.e.owner[0] ? in.e.owner : "-";
			cell[4] = in.e.expires[0] ? in.e.expires : "never";
			cell[5] = st;
			cell[6] = in.e.added[0] ? in.e.added : "-";
			cell[7] = in.comment;
			if (pass == 1) {
				list_row(cell, w);
				continue;
			}
			for (i = 0; i < NCOLS; i++)
				if ((int)strlen(cell[i]) > w[i])
					w[i] = (int)strlen(cell[i]);
		}
	}
}

static int
cmd_list(const struct args *a)
{
	struct excedit		*x;
	struct excedit_info	 in;
	bool			*sel;
	char			*json, *end;
	int64_t			 now = (int64_t)time(NULL);
	long			 days = 0;
	size_t			 k, n = 0;
	bool			 expired;

	if (a->seen & B(OPT_EXPIRING)) {
		errno = 0;
		days = strtol(a->val[OPT_EXPIRING], &end, 10);
		if (a->val[OPT_EXPIRING][0] == '\0' || *end != '\0' ||
		    errno != 0 || days < 0 || days > 36500)
			usage_exit("--expiring takes a number of days, not "
			    "'%s'", a->val[OPT_EXPIRING]);
	}
	if (load_conf(a) == -1)
		return EX_USAGE;
	if ((x = edit_open(conf.exceptions, false, false, false,
	    &conf)) == NULL)
		return EX_FAIL;
	if ((sel = calloc(excedit_count(x) + 1, sizeof(*sel))) == NULL) {
		say("out of memory");
		excedit_close(x);
		return EX_FAIL;
	}
	for (k = 0; k < excedit_count(x); k++) {
		if (!(a->seen & (B(OPT_EXPIRED) | B(OPT_EXPIRING)))) {
			sel[k] = true;
			n++;
			continue;
		}
		excedit_get(x, k, &in);
		expired = in.e.expires_at != 0 && now >= in.e.expires_at;
		sel[k] = ((a->seen & B(OPT_EXPIRED)) && expired) ||
		    ((a->seen & B(OPT_EXPIRING)) && !expired &&
		    in.e.expires_at != 0 && days_left(&in.e, now) <= days);
		n += sel[k];
	}
	if (a->seen & B(OPT_JSON)) {
		if ((json = excedit_json(x, sel)) == NULL)
			say("out of memory");
		else
			fputs(json, stdout);
		free(json);
	} else if (n > 0)
		list_table(x, sel, now);
	else
		say("%s: no entries%s", excedit_path(x),
		    (a->seen & (B(OPT_EXPIRED) | B(OPT_EXPIRING))) ?
		    " match" : "");
	free(sel);
	excedit_close(x);
	return fflush(stdout) == 0 ? EX_OK : EX_FAIL;
}

static int
cmd_export(const struct args *a)
{
	struct excedit	*x;
	char		*json;
	int		 rc = EX_OK;

	if (!(a->seen & B(OPT_JSON)))
		usage_exit("exception export needs --json (the only format)");
	if (load_conf(a) == -1)
		return EX_USAGE;
	if ((x = edit_open(conf.exceptions, false, false, false,
	    &conf)) == NULL)
		return EX_FAIL;
	if ((json = excedit_json(x, NULL)) == NULL) {
		say("out of memory");
		rc = EX_FAIL;
	} else
		fputs(json, stdout);
	free(json);
	excedit_close(x);
	if (fflush(stdout) != 0)
		rc = EX_FAIL;
	return rc;
}

/* ---- exception check / import ---- */

/*
 * exception check [FILE]: the list as the daemon loads it, and the
 * warnings nfqd -n gives.  FILE is a copy (a checkout, a pre-commit
 * hook, a CI job): its mode, and that of the -c configuration, are the
 * checkout's business; without -c the system's configuration gives
 * internal-networks if it loads, else the list is checked alone.  The
 * configured list (no FILE) is the daemon's own: its mode is checked.
 */
static int
cmd_check(const struct args *a)
{
	static struct conf	 bare;	/* no configuration: the zone alone */
	struct exc_list		 l;
	const char		*path;
	const struct conf	*c = &conf;
	char			 err[ERRLEN];
	unsigned		 n, flags = a->npos == 1 ? EXC_ANY_MODE : 0;

	if (a->npos == 1 && a->config == NULL) {
		if (conf_load(DEFAULT_CONF, &conf, err, sizeof(err)) == -1) {
			say("no configuration (%s): %s checked alone, not "
			    "against internal-networks (give -c nfqd.conf)",
			    err, a->pos[0]);
			if ((bare.tz = tz_load(NULL, err, sizeof(err))) ==
			    NULL) {
				say("the system's time zone: %s", err);
				return EX_USAGE;
			}
			c = &bare;
		}
	} else if (conf_load_flags(a->config, &conf, a->npos == 1 ?
	    CONF_ANY_MODE : 0, err, sizeof(err)) == -1) {
		say("%s", err);
		return EX_USAGE;
	}
	path = a->npos == 1 ? a->pos[0] : conf.exceptions;
	/* The daemon's own loader decides what is valid. */
	if (exc_load(path, c, flags, &l, err, sizeof(err)) == -1) {
		say("%s", err);
		return EX_FAIL;
	}
	n = exc_lint(c, &l, path, (int64_t)time(NULL), warn_line, NULL);
	fflush(stderr);
	if (n > 0 && (a->seen & B(OPT_STRICT))) {
		say("%s: %zu entr%s, %u warning%s: refused (--strict)", path,
		    l.n, l.n == 1 ? "y" : "ies", n, n == 1 ? "" : "s");
		exc_free(&l);
		return EX_FAIL;
	}
	if (n > 0)
		say("%s: %zu entr%s, OK, %u warning%s", path, l.n, l.n == 1 ?
		    "y" : "ies", n, n == 1 ? "" : "s");
	else
		say("%s: %zu entr%s, OK", path, l.n, l.n == 1 ? "y" : "ies");
	exc_free(&l);
	return EX_OK;
}

/* The whole of FILE, or of stdin for "-"; NULL after saying why. */
static char *
read_all(const char *path, size_t *len)
{
	FILE	*f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	char	*buf = NULL, *nb;
	size_t	 cap = 0, r;

	*len = 0;
	if (f == NULL) {
		say("%s: %s", path, strerror(errno));
		return NULL;
	}
	for (;;) {
		if (*len + 1 >= cap) {
			cap = cap ? cap * 2 : 65536;
			if (cap > IMPORT_MAX) {
				say("%s: larger than %d MB", path,
				    IMPORT_MAX >> 20);
				goto fail;
			}
			if ((nb = realloc(buf, cap)) == NULL) {
				say("%s: out of memory", path);
				goto fail;
			}
			buf = nb;
		}
		r = fread(buf + *len, 1, cap - *len - 1, f);
		*len += r;
		if (r == 0)
			break;
	}
	if (ferror(f)) {
		say("%s: %s", path, strerror(errno));
		goto fail;
	}
	buf[*len] = '\0';
	if (f != stdin)
		fclose(f);
	return buf;
fail:
	free(buf);
	if (f != stdin)
		fclose(f);
	return NULL;
}

struct import_arg {
	const char	*text, *name;
	size_t		 len;
	char		 sum[256];	/* what it did, in a line */
};

static int
do_import(struct excedit *x, const struct args *a, void *arg, char *err,
    size_t errlen)
{
	struct import_arg	*ia = arg;
	struct excedit_stats	 st;

	(void)a;
	if (excedit_import(x, ia->text, ia->len, ia->name, &st, err,
	    errlen) == -1)
		return -1;
	if (st.added + st.removed + st.changed == 0) {
		say("%s: nothing to change (%u entries as they are)",
		    conf.exceptions, st.kept);
		return 1;
	}
	snprintf(ia->sum, sizeof(ia->sum), "imported %s: %u added, %u "
	    "removed, %u "
	    "changed, %u unchanged", ia->name, st.added, st.removed,
	    st.changed, st.kept);
	return 0;
}

static int
cmd_import(const struct args *a)
{
	struct import_arg	 ia;
	char			*text;
	int			 rc;

	if (!(a->seen & B(OPT_JSON)))
		usage_exit("exception import needs --json (the only format)");
	if (load_conf(a) == -1)
		return EX_USAGE;
	ia.name = strcmp(a->pos[0], "-") == 0 ? "(stdin)" : a->pos[0];
	/* Read it before anything else: stdin may be slow. */
	if ((text = read_all(a->pos[0], &ia.len)) == NULL)
		return EX_FAIL;
	ia.text = text;
	ia.sum[0] = '\0';
	rc = edit_run(a, do_import, &ia, ia.sum);
	free(text);
	return rc;
}

/* ---- test SRC DST [PORT] ---- */

static const char *
side_dir(const struct conf *c, const struct ip_addr *s,
    const struct ip_addr *d)
{
	bool	 cin = lpm_match(&c->internal_lpm, s);
	bool	 sin = lpm_match(&c->internal_lpm, d);

	if (cin && sin)
		return "internal";
	if (!cin && !sin)
		return "transit";
	return sin ? "inbound" : "outbound";
}

/* Why, in a sentence. */
static void
test_why(const struct policy *p, const struct decision *d,
    const struct ip_addr *campus, char *buf, size_t len)
{
	char			 a[ADDR_STRLEN], e[PREFIX_STRLEN], u[32];
	const struct exc_entry	*x = d->exc;
	const char		*want = d->direction == D_INBOUND ?
				    "inbound" : "outbound";

	addr_format(campus, a, sizeof(a));
	if (x != NULL) {
		host_format(&x->pfx, e, sizeof(e));
	}
	switch (d->reason) {
	case R_INTERNAL:
		snprintf(buf, len, "both ends are inside internal-networks; "
		    "SMTP between campus hosts is not restricted");
		break;
	case R_TRANSIT:
		snprintf(buf, len, "neither end is inside internal-networks "
		    "(transit = %s)", p->conf.transit == TRANSIT_ALLOW ?
		    "allow" : "block");
		break;
	case R_EXCEPTION:
		snprintf(buf, len, "%s is covered by the active entry %s %s, "
		    "which allows %s", a, e, exc_dir_name(x->dir), want);
		break;
	case R_EXCEPTION_EXPIRED:
		snprintf(buf, len, "the exception %s %s for %s expired at the "
		    "end of %s (%s)", e, exc_dir_name(x->dir), a, x->expires,
		    tz_name(p->conf.tz));
		break;
	case R_EXCEPTION_DIRECTION:
		snprintf(buf, len, "the most specific active exception for "
		    "%s, %s %s, does not allow %s", a, e, exc_dir_name(x->dir),
		    want);
		break;
	case R_QUARANTINE:
		host_format(&d->quar->pfx, e, sizeof(e));
		when_format(d->quar->until, WHEN_TEXT, u, sizeof(u));
		snprintf(buf, len, "%s is in quarantine until %s (by %s: %s): "
		    "all its SMTP is blocked, exceptions notwithstanding", e, u,
		    d->quar->who, d->quar->reason);
		break;
	default:
		snprintf(buf, len, "%s SMTP %s campus host %s is blocked "
		    "(Part %d) and no active exception lists it", want,
		    d->direction == D_INBOUND ? "to" : "from", a,
		    d->direction == D_INBOUND ? 1 : 2);
	}
}

static int
cmd_test(const struct args *a)
{
	struct ip_addr	 src, dst;
	struct policy	*p;
	struct decision	 d;
	cJSON		*o, *x;
	char		 err[ERRLEN], why[512], e[PREFIX_STRLEN], *s, *end,
			 why2[32];
	char		 s_txt[ADDR_STRLEN], d_txt[ADDR_STRLEN];
	const char	*action, *dir, *reason;
	unsigned long	 port = 25;
	bool		 smtp;

	if (addr_parse(a->pos[0], &src) == -1)
		usage_exit("bad address '%s'", a->pos[0]);
	if (addr_parse(a->pos[1], &dst) == -1)
		usage_exit("bad address '%s'", a->pos[1]);
	addr_format(&src, s_txt, sizeof(s_txt));
	addr_format(&dst, d_txt, sizeof(d_txt));
	if (src.af != dst.af)
		usage_exit("%s and %s are not the same address family",
		    a->pos[0], a->pos[1]);
	if (a->npos == 3) {
		errno = 0;
		port = strtoul(a->pos[2], &end, 10);
		if (a->pos[2][0] < '0' || a->pos[2][0] > '9' || *end != '\0' ||
		    errno != 0 || port < 1 || port > 65535)
			usage_exit("bad port '%s' (1-65535)", a->pos[2]);
	}
	if ((p = policy_load(a->config, err, sizeof(err))) == NULL) {
		say("%s", err);
		return EX_USAGE;
	}
	memset(&d, 0, sizeof(d));
	smtp = conf_is_smtp_port(&p->conf, (uint16_t)port);
	if (smtp) {
		policy_decide(p, &src, &dst, (int64_t)time(NULL), &d);
		action = action_name(d.action);
		dir = direction_name(d.direction);
		reason = reason_name(d.reason);
		test_why(p, &d, d.direction == D_INBOUND ? &dst : &src, why,
		    sizeof(why));
	} else {
		action = "not-policy";
		dir = side_dir(&p->conf, &src, &dst);
		reason = "not-smtp-port";
		snprintf(why, sizeof(why), "port %lu is not in smtp-ports: "
		    "the kernel rules do not send it to nfqd", port);
	}
	if (d.exc != NULL)
		prefix_format(&d.exc->pfx, e, sizeof(e));
	if (a->seen & B(OPT_JSON)) {
		if ((o = cJSON_CreateObject()) == NULL) {
			policy_free(p);
			say("out of memory");
			return EX_FAIL;
		}
		cJSON_AddStringToObject(o, "src", s_txt);
		cJSON_AddStringToObject(o, "dst", d_txt);
		cJSON_AddNumberToObject(o, "port", (double)port);
		cJSON_AddStringToObject(o, "action", action);
		cJSON_AddStringToObject(o, "direction", dir);
		cJSON_AddStringToObject(o, "reason", reason);
		cJSON_AddStringToObject(o, "mode", p->conf.mode ==
		    MODE_MONITOR ? "monitor" : "enforce");
		if (d.exc != NULL) {
			x = cJSON_AddObjectToObject(o, "exception");
			cJSON_AddStringToObject(x, "entry", e);
			cJSON_AddStringToObject(x, "direction",
			    exc_dir_name(d.exc->dir));
			if (d.exc->ticket[0])
				cJSON_AddStringToObject(x, "ticket",
				    d.exc->ticket);
			if (d.exc->owner[0])
				cJSON_AddStringToObject(x, "owner",
				    d.exc->owner);
			if (d.exc->expires[0])
				cJSON_AddStringToObject(x, "expires",
				    d.exc->expires);
			cJSON_AddNumberToObject(x, "line", d.exc->line);
		}
		if (d.quar != NULL) {
			x = cJSON_AddObjectToObject(o, "quarantine");
			host_format(&d.quar->pfx, e, sizeof(e));
			cJSON_AddStringToObject(x, "host", e);
			when_format(d.quar->until, WHEN_TEXT, why2, sizeof(why2));
			cJSON_AddStringToObject(x, "until", why2);
			cJSON_AddStringToObject(x, "reason", d.quar->reason);
			cJSON_AddStringToObject(x, "who", d.quar->who);
		}
		cJSON_AddStringToObject(o, "why", why);
		if ((s = cJSON_PrintUnformatted(o)) != NULL)
			printf("%s\n", s);
		cJSON_free(s);
		cJSON_Delete(o);
	} else {
		printf("%s: %s %s -> %s port %lu\n", action, dir, s_txt, d_txt,
		    port);
		printf("  reason: %s: %s\n", reason, why);
		if (d.exc != NULL)
			printf("  exception: %s %s ticket=%s owner=%s "
			    "expires=%s (%s:%u)\n", e, exc_dir_name(d.exc->dir),
			    d.exc->ticket[0] ? d.exc->ticket : "-",
			    d.exc->owner[0] ? d.exc->owner : "-",
			    d.exc->expires[0] ? d.exc->expires : "never",
			    p->conf.exceptions, d.exc->line);
		if (smtp && p->conf.mode == MODE_MONITOR)
			printf("  mode: monitor: nfqd logs this decision and "
			    "blocks nothing\n");
	}
	policy_free(p);
	return fflush(stdout) == 0 ? EX_OK : EX_FAIL;
}

/* ---- the daemon: status, reload, flows, exceptions ---- */

static cJSON *
new_req(const char *cmd)
{
	cJSON	*o = cJSON_CreateObject();

	if (o == NULL || cJSON_AddStringToObject(o, "cmd", cmd) == NULL) {
		cJSON_Delete(o);
		say("out of memory");
		return NULL;
	}
	return o;
}

/* HOST and --limit N into the request; exit 2 when they are wrong. */
static void
req_filter(cJSON *req, const struct args *a)
{
	struct prefix	 p;
	char		 err[ERRLEN], *end;
	unsigned long	 n;

	if (a->npos == 1) {
		if (prefix_parse(a->pos[0], &p, err, sizeof(err)) == -1)
			usage_exit("%s", err);
		cJSON_AddStringToObject(req, "host", a->pos[0]);
	}
	if (a->seen & B(OPT_LIMIT)) {
		errno = 0;
		n = strtoul(a->val[OPT_LIMIT], &end, 10);
		if (a->val[OPT_LIMIT][0] < '0' || a->val[OPT_LIMIT][0] > '9' ||
		    *end != '\0' || errno != 0 || n < 1 || n > CTL_LIMIT_MAX)
			usage_exit("--limit takes a number, 1-%d", CTL_LIMIT_MAX);
		cJSON_AddNumberToObject(req, "limit", (double)n);
	}
}

/*
 * Ask, print the answer (one JSON line) on standard output, and its
 * error, if any, on standard error.  No daemon: exit 1, said so.
 */
static int
ask_print(cJSON *req, cJSON **keep)
{
	cJSON	*reply;
	char	 err[ERRLEN], *s;
	int	 rc;

	if (keep != NULL)
		*keep = NULL;
	rc = ctl_ask(&conf, req, &reply, err, sizeof(err));
	cJSON_Delete(req);
	if (rc == CTL_NODAEMON) {
		say("no running daemon (%s: %s)", conf.control_socket[0] ?
		    conf.control_socket : "control-socket = none",
		    conf.control_socket[0] ? "no socket, or nobody listens" :
		    "no socket");
		return EX_FAIL;
	}
	if (rc == CTL_ERROR) {
		say("%s", err);
		return EX_FAIL;
	}
	if ((s = cJSON_PrintUnformatted(reply)) != NULL)
		printf("%s\n", s);
	cJSON_free(s);
	rc = reply_ok(reply) ? EX_OK : EX_FAIL;
	if (rc == EX_FAIL && keep == NULL)
		say("%s", reply_str(reply, "error"));
	if (keep != NULL)
		*keep = reply;
	else
		cJSON_Delete(reply);
	return fflush(stdout) == 0 ? rc : EX_FAIL;
}

/*
 * status --socket A --socket B ...: the daemons side by side, and whether
 * the same exception list is in force in all of them (its SHA-256, see
 * exchash.c and docs/multi-router.md).  Exit 0 when every daemon answered
 * and all hashes agree, 1 otherwise.
 */
static int
status_many(const struct args *a)
{
	static struct conf	 sc;	/* control_socket is all ctl_ask uses */
	cJSON			*req, *reply, *all, *d, *x;
	char			 err[ERRLEN], first[SHA256_HEXLEN] = "", *s;
	const char		*sha, *host;
	int			 i, rc, bad = 0, drift = 0;
	double			 n;

	if ((all = cJSON_CreateArray()) == NULL) {
		say("out of memory");
		return EX_FAIL;
	}
	for (i = 0; i < a->nsocks; i++) {
		snprintf(sc.control_socket, sizeof(sc.control_socket), "%s",
		    a->socks[i]);
		d = cJSON_CreateObject();
		cJSON_AddStringToObject(d, "socket", a->socks[i]);
		cJSON_AddItemToArray(all, d);
		if ((req = new_req("status")) == NULL)
			return EX_FAIL;
		rc = ctl_ask(&sc, req, &reply, err, sizeof(err));
		cJSON_Delete(req);
		if (rc != CTL_OK || !reply_ok(reply)) {
			cJSON_AddFalseToObject(d, "ok");
			cJSON_AddStringToObject(d, "error", rc == CTL_NODAEMON ?
			    "no daemon (no socket, or nobody listens)" :
			    rc == CTL_ERROR ? err : reply_str(reply, "error"));
			cJSON_Delete(reply);
			bad++;
			continue;
		}
		x = cJSON_GetObjectItemCaseSensitive(reply, "exceptions");
		sha = reply_str(x, "sha256");
		host = reply_str(reply, "host");
		n = reply_num(x, "entries");
		cJSON_AddTrueToObject(d, "ok");
		cJSON_AddStringToObject(d, "host", host);
		cJSON_AddNumberToObject(d, "exceptions", n);
		cJSON_AddStringToObject(d, "exceptions_sha256", sha);
		if (first[0] == '\0')
			snprintf(first, sizeof(first), "%s", sha);
		else if (strcmp(first, sha) != 0)
			drift = 1;
		cJSON_Delete(reply);
	}
	if (a->seen & B(OPT_JSON)) {
		x = cJSON_CreateObject();
		cJSON_AddItemToObject(x, "daemons", all);
		cJSON_AddBoolToObject(x, "same", !drift && !bad);
		if ((s = cJSON_PrintUnformatted(x)) != NULL)
			printf("%s\n", s);
		cJSON_free(s);
		cJSON_Delete(x);
	} else {
		printf("%-32s  %-20s  %10s  %s\n", "SOCKET", "HOST",
		    "EXCEPTIONS", "SHA256");
		cJSON_ArrayForEach(d, all) {
			if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(d,
			    "ok"))) {
				printf("%-32s  %-20s  %10s  %s\n",
				    reply_str(d, "socket"), "-", "-",
				    reply_str(d, "error"));
				continue;
			}
			printf("%-32s  %-20s  %10.0f  %s\n",
			    reply_str(d, "socket"), reply_str(d, "host"),
			    reply_num(d, "exceptions"),
			    reply_str(d, "exceptions_sha256"));
		}
		cJSON_Delete(all);
	}
	if (bad > 0)
		say("%d of %d daemons did not answer", bad, a->nsocks);
	if (drift)
		say("drift: the daemons do not have the same exception list "
		    "in force");
	else if (bad == 0)
		say("the same exception list is in force in all %d daemons",
		    a->nsocks);
	return fflush(stdout) == 0 && !bad && !drift ? EX_OK : EX_FAIL;
}

static int
cmd_status(const struct args *a)
{
	cJSON	*req;

	if (a->nsocks > 0)
		return status_many(a);
	/* The one daemon's answer is JSON already: --json is welcome. */
	if (load_conf(a) == -1)
		return EX_USAGE;
	if ((req = new_req("status")) == NULL)
		return EX_FAIL;
	return ask_print(req, NULL);
}

static int
cmd_reload(const struct args *a)
{
	cJSON	*req, *reply;
	int	 rc;

	if (load_conf(a) == -1)
		return EX_USAGE;
	if ((req = new_req("reload")) == NULL)
		return EX_FAIL;
	if ((rc = ask_print(req, &reply)) == EX_FAIL && reply == NULL)
		return EX_FAIL;
	rc = reload_said(reply);
	cJSON_Delete(reply);
	return rc;
}

/* flows and exceptions: a listing, filtered by host, from the daemon. */
static int
cmd_listing(const struct args *a, const char *cmd)
{
	cJSON	*req;

	if (load_conf(a) == -1)
		return EX_USAGE;
	if ((req = new_req(cmd)) == NULL)
		return EX_FAIL;
	req_filter(req, a);
	return ask_print(req, NULL);
}

static int
cmd_flows(const struct args *a)
{
	return cmd_listing(a, "flows");
}

static int
cmd_exceptions(const struct args *a)
{
	return cmd_listing(a, "exceptions");
}

/* ---- quarantine ---- */

static void
left_text(int64_t s, char *buf, size_t len)
{
	if (s >= 2 * 86400)
		snprintf(buf, len, "%lldd%lldh", (long long)(s / 86400),
		    (long long)(s % 86400 / 3600));
	else if (s >= 3600)
		snprintf(buf, len, "%lldh%02lldm", (long long)(s / 3600),
		    (long long)(s % 3600 / 60));
	else
		snprintf(buf, len, "%lldm%02llds", (long long)(s / 60),
		    (long long)(s % 60));
}

static int
cmd_quar_add(const struct args *a)
{
	struct quar_entry	 e;
	struct prefix		 p;
	cJSON			*req, *reply;
	char			 err[ERRLEN], who[QUAR_WHOLEN], h[PREFIX_STRLEN],
				 u[32], path[MAX_PATH];
	int64_t			 secs, now = (int64_t)time(NULL);
	int			 rc;

	if (!(a->seen & B(OPT_FOR)) || !(a->seen & B(OPT_REASON)))
		usage_exit("quarantine add needs --for and --reason");
	if (quar_check(a->pos[0], a->val[OPT_FOR], a->val[OPT_REASON], &p,
	    &secs, err, sizeof(err)) == -1)
		usage_exit("%s", err);
	if (load_conf(a) == -1)
		return EX_USAGE;
	excedit_who(who, sizeof(who));
	host_format(&p, h, sizeof(h));
	if ((req = new_req("quarantine")) == NULL)
		return EX_FAIL;
	cJSON_AddStringToObject(req, "op", "add");
	cJSON_AddStringToObject(req, "host", a->pos[0]);
	cJSON_AddStringToObject(req, "for", a->val[OPT_FOR]);
	cJSON_AddStringToObject(req, "reason", a->val[OPT_REASON]);
	cJSON_AddStringToObject(req, "who", who);
	if ((rc = ask_daemon(req, &reply)) == CTL_ERROR)
		return EX_FAIL;
	if (rc == CTL_OK) {
		say("%s in quarantine until %s: all its SMTP is blocked",
		    h, reply_str(cJSON_GetObjectItemCaseSensitive(reply,
		    "quarantine"), "until"));
		cJSON_Delete(reply);
		return EX_OK;
	}
	/* No daemon: the state file; its start event waits for nfqd. */
	memset(&e, 0, sizeof(e));
	e.pfx = p;
	e.since = now;
	e.until = now + secs;
	snprintf(e.reason, sizeof(e.reason), "%s", a->val[OPT_REASON]);
	snprintf(e.who, sizeof(e.who), "%s", who);
	if (quar_add(conf.state_dir, &e, err, sizeof(err)) == -1) {
		say("%s", err);
		return EX_FAIL;
	}
	quar_path(&conf, path, sizeof(path));
	when_format(e.until, WHEN_TEXT, u, sizeof(u));
	if (conf.control_socket[0] == '\0')
		say("control-socket = none: %s recorded in quarantine until %s "
		    "in %s; in force at nfqd's next reload (systemctl reload "
		    "nfqd) or start", h, u, path);
	else
		say("no running daemon: %s recorded in quarantine until %s in "
		    "%s; nfqd enforces it when it starts", h, u, path);
	return EX_OK;
}

static int
cmd_quar_remove(const struct args *a)
{
	struct quar_entry	 old;
	struct prefix		 p;
	cJSON			*req, *reply;
	char			 err[ERRLEN], who[QUAR_WHOLEN], h[PREFIX_STRLEN],
				 path[MAX_PATH];
	int			 rc;

	if (quar_check(a->pos[0], NULL, NULL, &p, NULL, err,
	    sizeof(err)) == -1)
		usage_exit("%s", err);
	if (load_conf(a) == -1)
		return EX_USAGE;
	excedit_who(who, sizeof(who));
	host_format(&p, h, sizeof(h));
	if ((req = new_req("quarantine")) == NULL)
		return EX_FAIL;
	cJSON_AddStringToObject(req, "op", "remove");
	cJSON_AddStringToObject(req, "host", a->pos[0]);
	cJSON_AddStringToObject(req, "who", who);
	if ((rc = ask_daemon(req, &reply)) == CTL_ERROR)
		return EX_FAIL;
	if (rc == CTL_OK) {
		say("%s: quarantine ended", h);
		cJSON_Delete(reply);
		return EX_OK;
	}
	if (quar_remove(conf.state_dir, &p, (int64_t)time(NULL), who, &old,
	    err, sizeof(err)) == -1) {
		say("%s", err);
		return EX_FAIL;
	}
	quar_path(&conf, path, sizeof(path));
	if (conf.control_socket[0] == '\0')
		say("control-socket = none: %s ended in %s; nfqd lifts it at its "
		    "next reload (systemctl reload nfqd) or start", h, path);
	else
		say("no running daemon: %s ended in %s; its end event is "
		    "written when nfqd starts", h, path);
	return EX_OK;
}

static int
cmd_quar_list(const struct args *a)
{
	struct quar_list	 l;
	cJSON			*req, *reply, *arr, *o, *e;
	char			 err[ERRLEN], path[MAX_PATH], h[PREFIX_STRLEN],
				 u[48], left[32], *s;
	int64_t			 now = (int64_t)time(NULL);
	size_t			 i, n = 0;
	int			 rc;

	if (load_conf(a) == -1)
		return EX_USAGE;
	if ((req = new_req("quarantine")) == NULL)
		return EX_FAIL;
	cJSON_AddStringToObject(req, "op", "list");
	if ((rc = ask_daemon(req, &reply)) == CTL_ERROR)
		return EX_FAIL;
	if (rc == CTL_NODAEMON) {
		/* The state file, as the daemon will find it. */
		quar_path(&conf, path, sizeof(path));
		if (quar_load(path, &l, err, sizeof(err)) == -1) {
			say("%s", err);
			return EX_FAIL;
		}
		reply = cJSON_CreateObject();
		arr = cJSON_AddArrayToObject(reply, "quarantines");
		for (i = 0; arr != NULL && i < l.n; i++) {
			if (l.v[i].until <= now)
				continue;
			o = cJSON_CreateObject();
			host_format(&l.v[i].pfx, h, sizeof(h));
			cJSON_AddStringToObject(o, "host", h);
			/* As the daemon says them (EVE timestamps). */
			ts_format(l.v[i].since * 1000000, u, sizeof(u));
			cJSON_AddStringToObject(o, "since", u);
			ts_format(l.v[i].until * 1000000, u, sizeof(u));
			cJSON_AddStringToObject(o, "until", u);
			cJSON_AddNumberToObject(o, "seconds_left",
			    (double)(l.v[i].until - now));
			cJSON_AddStringToObject(o, "reason", l.v[i].reason);
			cJSON_AddStringToObject(o, "who", l.v[i].who);
			cJSON_AddItemToArray(arr, o);
		}
		quar_free(&l);
		say("no running daemon: from %s", path);
	}
	arr = cJSON_GetObjectItemCaseSensitive(reply, "quarantines");
	if (a->seen & B(OPT_JSON)) {
		if ((s = cJSON_PrintUnformatted(arr)) != NULL)
			printf("%s\n", s);
		cJSON_free(s);
	} else {
		cJSON_ArrayForEach(e, arr) {
			if (n++ == 0)
				printf("%-20s  %-20s  %-9s  %-12s  %s\n", "HOST",
				    "UNTIL", "LEFT", "WHO", "REASON");
			left_text((int64_t)reply_num(e, "seconds_left"), left,
			    sizeof(left));
			/* 2026-11-22T11:58:27.000000+0000: to the second. */
			snprintf(u, sizeof(u), "%.10s %.8sZ",
			    reply_str(e, "until"), reply_str(e, "until") +
			    (strlen(reply_str(e, "until")) > 11 ? 11 : 0));
			printf("%-20s  %-20s  %-9s  %-12s  %s\n",
			    reply_str(e, "host"), u, left,
			    reply_str(e, "who"), reply_str(e, "reason"));
		}
		if (n == 0)
			say("no host in quarantine");
	}
	cJSON_Delete(reply);
	return fflush(stdout) == 0 ? EX_OK : EX_FAIL;
}

/* ---- census ---- */

/* "2026-11-22T11:58:27.000000+0000" as "2026-11-22 11:58". */
static void
short_ts(const char *ts, char *buf, size_t len)
{
	if (strlen(ts) >= 16)
		snprintf(buf, len, "%.10s %.5s", ts, ts + 11);
	else
		snprintf(buf, len, "%s", ts);
}

/*
 * No daemon: the census as it last saved it (<state-dir>/census.json,
 * at most CENSUS_SAVE_S old when it stopped), reported against the
 * exception list as it is now; NULL after saying why.
 */
static cJSON *
census_saved(const struct args *a, uint32_t days)
{
	struct policy	*pol;
	struct census	*c;
	cJSON		*o, *reply = NULL;
	char		 err[ERRLEN], path[MAX_PATH + 32], *text = NULL;
	uint32_t	 dropped;

	snprintf(path, sizeof(path), "%s/%s", conf.state_dir, CENSUS_FILE);
	if (access(path, F_OK) == -1) {
		say("no running daemon (%s), and no census saved in %s",
		    conf.control_socket[0] ? conf.control_socket :
		    "control-socket = none", path);
		return NULL;
	}
	if ((pol = policy_load(a->config, err, sizeof(err))) == NULL) {
		say("%s", err);
		return NULL;
	}
	if ((c = census_new(conf.census_hosts ? conf.census_hosts : 1,
	    (int64_t)time(NULL))) == NULL || (o = cJSON_CreateObject()) ==
	    NULL) {
		say("out of memory");
		census_free(c);
		policy_free(pol);
		return NULL;
	}
	if (census_load(c, path, &dropped, err, sizeof(err)) == -1 ||
	    census_report(c, pol, days, CENSUS_UNUSED_DAYS,
	    (int64_t)time(NULL), o, err, sizeof(err)) == -1) {
		say("%s", err);
	} else {
		/* As a client reads it: raw numbers become numbers. */
		cJSON_AddTrueToObject(o, "ok");
		if ((text = cJSON_PrintUnformatted(o)) == NULL ||
		    (reply = cJSON_Parse(text)) == NULL)
			say("out of memory");
		else
			say("no running daemon: the census as saved in %s",
			    path);
		cJSON_free(text);
	}
	cJSON_Delete(o);
	census_free(c);
	policy_free(pol);
	return reply;
}

/*
 * The campus mail servers, as the running daemon counted them (or, with
 * no daemon, as it last saved them): a table, or the answer as it is
 * with --json.
 */
static int
cmd_census(const struct args *a)
{
	cJSON		*req, *reply, *arr, *h, *in, *out, *x;
	char		 f[24], l[24], *end, *s;
	unsigned long	 days = 0;
	int		 rc, n = 0;

	if (load_conf(a) == -1)
		return EX_USAGE;
	if (a->seen & B(OPT_SINCE)) {
		errno = 0;
		days = strtoul(a->val[OPT_SINCE], &end, 10);
		if (a->val[OPT_SINCE][0] < '0' || a->val[OPT_SINCE][0] > '9' ||
		    *end != '\0' || errno != 0 || days < 1 ||
		    days > CENSUS_DAYS)
			usage_exit("--since takes a number of days, 1-%d (the "
			    "census keeps %d days)", CENSUS_DAYS, CENSUS_DAYS);
	}
	if ((req = new_req("census")) == NULL)
		return EX_FAIL;
	if (days > 0)
		cJSON_AddNumberToObject(req, "days", (double)days);
	if ((rc = ask_daemon(req, &reply)) == CTL_ERROR)
		return EX_FAIL;
	if (rc == CTL_NODAEMON &&
	    (reply = census_saved(a, (uint32_t)days)) == NULL)
		return EX_FAIL;
	if (a->seen & B(OPT_JSON)) {
		cJSON_DeleteItemFromObject(reply, "ok");
		if ((s = cJSON_PrintUnformatted(reply)) != NULL)
			printf("%s\n", s);
		cJSON_free(s);
		cJSON_Delete(reply);
		return fflush(stdout) == 0 ? EX_OK : EX_FAIL;
	}
	arr = cJSON_GetObjectItemCaseSensitive(reply, "hosts");
	cJSON_ArrayForEach(h, arr) {
		if (n++ == 0)
			printf("%-39s %8s %8s %8s %8s  %-16s  %-16s  %s\n",
			    "HOST", "IN-OK", "IN-BLK", "OUT-OK", "OUT-BLK",
			    "FIRST SEEN", "LAST SEEN", "EXCEPTION");
		in = cJSON_GetObjectItemCaseSensitive(h, "inbound");
		out = cJSON_GetObjectItemCaseSensitive(h, "outbound");
		x = cJSON_GetObjectItemCaseSensitive(h, "exception");
		short_ts(reply_str(h, "first_seen"), f, sizeof(f));
		short_ts(reply_str(h, "last_seen"), l, sizeof(l));
		printf("%-39s %8.0f %8.0f %8.0f %8.0f  %-16s  %-16s  %s%s%s%s\n",
		    reply_str(h, "host"), reply_num(in, "allowed"),
		    reply_num(in, "blocked"), reply_num(out, "allowed"),
		    reply_num(out, "blocked"), f, l,
		    reply_str(h, "exception_directions"),
		    cJSON_IsObject(x) ? " (" : "",
		    cJSON_IsObject(x) ? reply_str(x, "entry") : "",
		    cJSON_IsObject(x) ? ")" : "");
	}
	if (n == 0)
		say("no campus host spoke SMTP across the border%s",
		    days > 0 ? " in that time" : " yet");
	n = 0;
	arr = cJSON_GetObjectItemCaseSensitive(reply, "unused_exceptions");
	cJSON_ArrayForEach(x, arr) {
		if (n++ == 0)
			printf("\nexceptions unused for %.0f days (candidates "
			    "for removal):\n%-43s %-9s %-12s %-14s %s\n",
			    reply_num(reply, "unused_days"), "ENTRY",
			    "DIRECTION", "TICKET", "OWNER", "LAST USED");
		printf("%-43s %-9s %-12s %-14s %s\n", reply_str(x, "entry"),
		    reply_str(x, "direction"), reply_str(x, "ticket")[0] ?
		    reply_str(x, "ticket") : "-", reply_str(x, "owner")[0] ?
		    reply_str(x, "owner") : "-",
		    cJSON_IsString(cJSON_GetObjectItemCaseSensitive(x,
		    "last_used")) ? reply_str(x, "last_used") : "never (since "
		    "counting began)");
	}
	if (reply_num(reply, "overflow") > 0)
		say("warning: %.0f connections of hosts beyond census-hosts "
		    "(%.0f) were not counted", reply_num(reply, "overflow"),
		    reply_num(reply, "hosts_max"));
	short_ts(reply_str(reply, "counting_since"), f, sizeof(f));
	say("counting since %s UTC", f);
	cJSON_Delete(reply);
	return fflush(stdout) == 0 ? EX_OK : EX_FAIL;
}

/* ---- main ---- */

#define EDIT	B(OPT_NO_RELOAD)

static const struct cmd cmds[] = {
	{ "exception", "add", 1, 1, EDIT | B(OPT_DIRECTION) | B(OPT_TICKET) |
	    B(OPT_OWNER) | B(OPT_EXPIRES) | B(OPT_COMMENT) | B(OPT_SOCKET),
	    cmd_add,
	    "exception add ADDR[/LEN] --direction inbound|outbound|both "
	    "--ticket T --owner O [--expires YYYY-MM-DD] [--comment TEXT] "
	    "[--no-reload | --socket PATH ...]" },
	{ "exception", "set", 1, 1, EDIT | B(OPT_DIRECTION) | B(OPT_TICKET) |
	    B(OPT_OWNER) | B(OPT_EXPIRES) | B(OPT_COMMENT), cmd_set,
	    "exception set ADDR[/LEN] [--expires YYYY-MM-DD|never] "
	    "[--ticket T] [--owner O] [--direction D] [--comment TEXT] "
	    "[--no-reload]" },
	{ "exception", "remove", 1, 1, EDIT | B(OPT_TICKET) | B(OPT_SOCKET),
	    cmd_remove,
	    "exception remove ADDR[/LEN] [--ticket T] "
	    "[--no-reload | --socket PATH ...]" },
	{ "exception", "list", 0, 0, B(OPT_JSON) | B(OPT_EXPIRED) |
	    B(OPT_EXPIRING), cmd_list,
	    "exception list [--json] [--expired] [--expiring DAYS]" },
	{ "exception", "check", 0, 1, B(OPT_STRICT), cmd_check,
	    "exception check [FILE] [--strict]" },
	{ "exception", "import", 1, 1, EDIT | B(OPT_JSON), cmd_import,
	    "exception import --json FILE|- [--no-reload]" },
	{ "exception", "export", 0, 0, B(OPT_JSON), cmd_export,
	    "exception export --json" },
	{ "test", NULL, 2, 3, B(OPT_JSON), cmd_test,
	    "test SRC DST [PORT] [--json]" },
	{ "status", NULL, 0, 0, B(OPT_SOCKET) | B(OPT_JSON), cmd_status,
	    "status [--socket PATH ...] [--json]" },
	{ "reload", NULL, 0, 0, B(OPT_JSON), cmd_reload, "reload [--json]" },
	{ "flows", NULL, 0, 1, B(OPT_LIMIT) | B(OPT_JSON), cmd_flows,
	    "flows [HOST] [--limit N] [--json]" },
	{ "exceptions", NULL, 0, 1, B(OPT_LIMIT) | B(OPT_JSON), cmd_exceptions,
	    "exceptions [HOST] [--limit N] [--json]" },
	{ "quarantine", "add", 1, 1, B(OPT_FOR) | B(OPT_REASON), cmd_quar_add,
	    "quarantine add HOST --for DURATION --reason TEXT" },
	{ "quarantine", "remove", 1, 1, 0, cmd_quar_remove,
	    "quarantine remove HOST" },
	{ "quarantine", "list", 0, 0, B(OPT_JSON), cmd_quar_list,
	    "quarantine list [--json]" },
	{ "census", NULL, 0, 0, B(OPT_JSON) | B(OPT_SINCE), cmd_census,
	    "census [--since DAYS] [--json]" },
};
#define NCMDS	(sizeof(cmds) / sizeof(cmds[0]))

/* Letters and dashes only: a command's word, never an address. */
static bool
is_word(const char *s)
{
	struct ip_addr	 a;

	if (s[0] == '\0' || addr_parse(s, &a) == 0)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    *s == '-'))
			return false;
	return true;
}

static const char *
opt_name(int o)
{
	const struct option	*l;

	for (l = longopts; l->name != NULL; l++)
		if (l->val == 256 + o)
			return l->name;
	return "?";
}

int
main(int argc, char **argv)
{
	struct args		 a;
	const char		*words[MAXPOS + 2];
	const struct cmd	*c;
	int			 ch, nw = 0, o, last, i;
	size_t			 k;

	memset(&a, 0, sizeof(a));
	opterr = 0;
	/*
	 * Options anywhere ("+": no reordering, so this works the same
	 * under POSIXLY_CORRECT): collect the other words in order.
	 */
	for (;;) {
		last = optind;
		ch = getopt_long(argc, argv, "+:c:hV", longopts, NULL);
		if (ch == -1) {
			if (optind >= argc)
				break;
			if (optind == last + 1 && strcmp(argv[last], "--") == 0) {
				while (optind < argc && nw < MAXPOS + 2)
					words[nw++] = argv[optind++];
				break;
			}
			if (nw == MAXPOS + 2)
				usage_exit("too many arguments");
			words[nw++] = argv[optind++];
			continue;
		}
		switch (ch) {
		case 'c':
			a.config = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return EX_OK;
		case 'V':
			printf("nfqctl %s\n", NFQD_VERSION);
			return EX_OK;
		case ':':
			usage_exit("%s needs a value", argv[last]);
		case '?':
			usage_exit("unknown option '%s'", argv[last]);
		default:
			o = ch - 256;
			if (o == OPT_SOCKET) {		/* may repeat */
				if (a.nsocks == MAXSOCKS)
					usage_exit("at most %d --socket",
					    MAXSOCKS);
				a.socks[a.nsocks++] = optarg;
				a.seen |= B(o);
				break;
			}
			if (a.seen & B(o))
				usage_exit("--%s given twice", opt_name(o));
			a.seen |= B(o);
			a.val[o] = optarg;
		}
	}
	if (nw == 0) {
		fputs(usage_text, stderr);
		return EX_USAGE;
	}
	for (k = 0; k < NCMDS; k++) {
		c = &cmds[k];
		if (strcmp(words[0], c->w1) == 0 && (c->w2 == NULL ||
		    (nw > 1 && strcmp(words[1], c->w2) == 0)))
			break;
	}
	if (k == NCMDS) {
		if (strcmp(words[0], "exception") == 0 && nw == 1)
			usage_exit("exception needs a command: add, remove, "
			    "list, check, import or export");
		if (strcmp(words[0], "exception") == 0)
			usage_exit("unknown command 'exception %s'", words[1]);
		if (strcmp(words[0], "quarantine") == 0 && nw == 1)
			usage_exit("quarantine needs a command: add, remove or "
			    "list");
		if (strcmp(words[0], "quarantine") == 0)
			usage_exit("unknown command 'quarantine %s'", words[1]);
		usage_exit("unknown command '%s'", words[0]);
	}
	/*
	 * A command of one word takes addresses and ports, never a word:
	 * "exceptions list" is a mistyped command, not a bad address.
	 */
	if (c->w2 == NULL && nw > 1 && is_word(words[1]))
		usage_exit("unknown command '%s %s'%s%s%s", words[0], words[1],
		    strcmp(words[0], "exceptions") == 0 ? " (did you mean "
		    "'exception " : "", strcmp(words[0], "exceptions") == 0 ?
		    words[1] : "", strcmp(words[0], "exceptions") == 0 ? "'?)" :
		    "");
	cur = c;
	i = c->w2 == NULL ? 1 : 2;
	for (; i < nw; i++)
		a.pos[a.npos++] = words[i];
	if (a.npos < c->minpos || a.npos > c->maxpos)
		usage_exit("wrong number of arguments");
	for (o = 0; o < NOPTS; o++)
		if ((a.seen & B(o)) && !(c->opts & B(o)))
			usage_exit("--%s is not an option of '%s%s%s'",
			    opt_name(o), c->w1, c->w2 ? " " : "",
			    c->w2 ? c->w2 : "");
	/* exception check FILE may run without a configuration. */
	if (a.config == NULL && !(c->fn == cmd_check && a.npos == 1))
		a.config = DEFAULT_CONF;
	return c->fn(&a);
}
