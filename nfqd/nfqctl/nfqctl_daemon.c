/*
 * nfqctl and the running daemon: one request to its control socket and
 * its answer, and the commands that are questions to it: status, reload,
 * flows, exceptions, quarantine, census.  Quarantine and census fall back
 * on the daemon's state files when no daemon runs.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "nfqctl/nfqctl.h"
#include "base/digest.h"
#include "base/when.h"
#include "policy/quarantine.h"
#include "policy/policy.h"
#include "event/census.h"
#include "control/ctlreq.h"
#include "control/excedit.h"

#define CTL_TIMEOUT_S	120	/* a reload of a long list, a big reply */

/* ---- the control socket ---- */


/*
 * Send one request to the daemon at control-socket and read its answer.
 * CTL_OK with *reply; CTL_NODAEMON when nothing listens there (no socket,
 * connection refused, or control-socket = none); CTL_ERROR with err.
 */
int
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
int
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

/* ---- the daemon: status, reload, flows, exceptions ---- */

cJSON *
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
		status_table(all);
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

int
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

int
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

int
cmd_flows(const struct args *a)
{
	return cmd_listing(a, "flows");
}

int
cmd_exceptions(const struct args *a)
{
	return cmd_listing(a, "exceptions");
}

/* ---- quarantine ---- */

/* The request both quarantine edits start with: op, the host, who asks. */
static cJSON *
quar_request(const char *op, const char *host, const char *who)
{
	cJSON	*req;

	if ((req = new_req("quarantine")) == NULL)
		return NULL;
	cJSON_AddStringToObject(req, "op", op);
	cJSON_AddStringToObject(req, "host", host);
	cJSON_AddStringToObject(req, "who", who);
	return req;
}

int
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
	if ((req = quar_request("add", a->pos[0], who)) == NULL)
		return EX_FAIL;
	cJSON_AddStringToObject(req, "for", a->val[OPT_FOR]);
	cJSON_AddStringToObject(req, "reason", a->val[OPT_REASON]);
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

int
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
	if ((req = quar_request("remove", a->pos[0], who)) == NULL)
		return EX_FAIL;
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

/*
 * No daemon: the quarantines in force in its state file, as the daemon
 * would answer quarantine list; NULL after saying why.
 */
static cJSON *
quar_saved(void)
{
	struct quar_list	 l;
	cJSON			*reply, *arr, *o;
	char			 err[ERRLEN], path[MAX_PATH], h[PREFIX_STRLEN],
				 u[48];
	int64_t			 now = (int64_t)time(NULL);
	size_t			 i;

	quar_path(&conf, path, sizeof(path));
	if (quar_load(path, &l, err, sizeof(err)) == -1) {
		say("%s", err);
		return NULL;
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
	return reply;
}

int
cmd_quar_list(const struct args *a)
{
	cJSON	*req, *reply, *arr;
	char	*s;
	int	 rc;

	if (load_conf(a) == -1)
		return EX_USAGE;
	if ((req = new_req("quarantine")) == NULL)
		return EX_FAIL;
	cJSON_AddStringToObject(req, "op", "list");
	if ((rc = ask_daemon(req, &reply)) == CTL_ERROR)
		return EX_FAIL;
	if (rc == CTL_NODAEMON && (reply = quar_saved()) == NULL)
		return EX_FAIL;
	arr = cJSON_GetObjectItemCaseSensitive(reply, "quarantines");
	if (a->seen & B(OPT_JSON)) {
		if ((s = cJSON_PrintUnformatted(arr)) != NULL)
			printf("%s\n", s);
		cJSON_free(s);
	} else
		quar_table(arr);
	cJSON_Delete(reply);
	return fflush(stdout) == 0 ? EX_OK : EX_FAIL;
}

/* ---- census ---- */

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
int
cmd_census(const struct args *a)
{
	cJSON		*req, *reply;
	char		*end, *s;
	unsigned long	 days = 0;
	int		 rc;

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
	census_table(reply, days > 0);
	cJSON_Delete(reply);
	return fflush(stdout) == 0 ? EX_OK : EX_FAIL;
}
