/*
 * nfqctl's exception commands: add, set, remove (on the file, or through
 * each daemon's socket with --socket), list, export, check and import.
 * An edit is an excedit session, made again when the file changed
 * meanwhile, then the daemon that runs the file is asked to reload it.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nfqctl/nfqctl.h"
#include "base/digest.h"
#include "policy/exceptions.h"
#include "policy/quarantine.h"
#include "control/excedit.h"

#define IMPORT_MAX	(64 << 20)
#define EDIT_TRIES	10	/* edits that found the file changed; then
				   the next waits for the lock first */
#define NOTES_SHOWN	40	/* lines of what an edit did; the audit log
				   has them all */

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

/* A warning, as nfqd -n writes them: "warning: FILE:LINE: ...". */
static void
warn_line(void *arg, const char *text)
{
	(void)arg;
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
		/*
		 * Another edit since ours?  Then the file has moved on from
		 * what we wrote, and every edit starts from the file as it
		 * is: the list the daemon runs (or the next one, which that
		 * edit's own reload asks for) has ours in it.  Only a file
		 * still as we wrote it, and a daemon that runs something
		 * else, is a failure.
		 */
		if (exc_load(real, &conf, EXC_ANY_MODE, &l, err,
		    sizeof(err)) == 0 && exc_hash(&l, now) == 0 &&
		    strcmp(now, sha) != 0)
			say("%s has a later edit too; the daemon runs it or "
			    "is asked to by that edit", real);
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

int
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
int
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

int
cmd_remove(const struct args *a)
{
	if (a->nsocks > 0)
		return edit_many(a, "remove");
	if (load_conf(a) == -1)
		return EX_USAGE;
	return edit_run(a, do_remove, NULL, NULL);
}

int
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
		    in.e.expires_at != 0 &&
		    exc_days_left(conf.tz, &in.e, now) <= days);
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

int
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
int
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

int
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
