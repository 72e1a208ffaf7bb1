/*
 * excedit_commit: the edited lines written to a temporary file beside the
 * list, loaded with the daemon's loader, the audit records appended, then
 * renamed over the list; the audit records each edit makes on its way.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control/excedit_int.h"
#include "base/files.h"
#include "base/when.h"

/*
 * excedit_commit with a late lock: is the file still what was read?
 * 1 yes, 0 no, -1 with err.
 */
static int
xe_unchanged(struct excedit *x, char *err, size_t errlen)
{
	char	*buf;
	size_t	 len;
	int	 fd, same;

	if ((fd = open(x->real, O_RDONLY | O_CLOEXEC)) == -1 ||
	    xe_read_fd(fd, &buf, &len) == -1) {
		snprintf(err, errlen, "%s: %s", x->name, strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	close(fd);
	same = len == x->origlen && memcmp(buf, x->orig, len) == 0;
	free(buf);
	return same;
}

/* ---- the audit log ---- */

int
xe_audit(struct excedit *x, const char *what, const char *change,
    const char *entry, const char *was, const char *ticket)
{
	cJSON	*o;
	char	 when[32], *s, *nb;
	size_t	 len, cap;

	if (x->o.audit == NULL)
		return 0;
	when_format(x->o.now, WHEN_ISO, when, sizeof(when));
	if ((o = cJSON_CreateObject()) == NULL)
		return -1;
	cJSON_AddStringToObject(o, "when", when);
	cJSON_AddStringToObject(o, "who", xv_or(x->o.who));
	cJSON_AddStringToObject(o, "what", what);
	if (change != NULL)
		cJSON_AddStringToObject(o, "change", change);
	cJSON_AddStringToObject(o, "entry", entry);
	if (was != NULL)
		cJSON_AddStringToObject(o, "was", was);
	if (ticket != NULL && ticket[0] != '\0')
		cJSON_AddStringToObject(o, "ticket", ticket);
	else
		cJSON_AddNullToObject(o, "ticket");
	cJSON_AddStringToObject(o, "file", x->real);
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (s == NULL)
		return -1;
	len = strlen(s);
	if (x->auditlen + len + 2 > x->auditcap) {
		for (cap = x->auditcap ? x->auditcap : 4096;
		    cap < x->auditlen + len + 2; cap *= 2)
			;
		if ((nb = realloc(x->audit, cap)) == NULL) {
			cJSON_free(s);
			return -1;
		}
		x->audit = nb;
		x->auditcap = cap;
	}
	memcpy(x->audit + x->auditlen, s, len);
	x->audit[x->auditlen + len] = '\n';
	x->auditlen += len + 1;
	cJSON_free(s);
	return 0;
}

/* ---- commit ---- */

/* The lines to t, 64 KB at a time: not a write(2) per line. */
static int
xe_write_lines(const struct excedit *x, struct file_tmp *t)
{
	char	 buf[65536];
	size_t	 used = 0, i;

	if (x->bom) {
		memcpy(buf, "\xef\xbb\xbf", 3);
		used = 3;
	}
	for (i = 0; i < x->n; i++) {
		if (used + x->l[i].len > sizeof(buf)) {
			if (file_tmp_write(t, buf, used) == -1)
				return -1;
			used = 0;
		}
		if (x->l[i].len > sizeof(buf)) {
			if (file_tmp_write(t, x->l[i].s, x->l[i].len) == -1)
				return -1;
			continue;
		}
		memcpy(buf + used, x->l[i].s, x->l[i].len);
		used += x->l[i].len;
	}
	return file_tmp_write(t, buf, used);
}

static int
xe_append_audit(struct excedit *x, char *err, size_t errlen)
{
	int	 fd;

	if (x->o.audit == NULL || x->auditlen == 0)
		return 0;
	if ((fd = open(x->o.audit, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0644)) == -1 || file_write_all(fd, x->audit, x->auditlen) == -1 ||
	    fsync(fd) == -1) {
		snprintf(err, errlen, "cannot write the audit log %s: %s; "
		    "nothing changed", x->o.audit, strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* exc_load's message with the temporary file's name replaced. */
static void
xe_unname(const char *msg, const char *tmp, const char *name, char *out,
    size_t len)
{
	size_t	 tl = strlen(tmp);

	if (strncmp(msg, tmp, tl) == 0)
		snprintf(out, len, "%s%s", name, msg + tl);
	else
		snprintf(out, len, "%s", msg);
}

/*
 * Write the edited file: a temporary file next to it (same owner and
 * mode), fsync, load it with exc_load() as the daemon would, append the
 * audit records, rename it over the file, fsync the folder.  Does
 * nothing when nothing changed.  With a late lock: the lock is taken
 * here, EXCEDIT_STALE when the file is no longer what was read, and let
 * go once the file is written.
 */
int
excedit_commit(struct excedit *x, char *err, size_t errlen)
{
	char		 msg[ERRLEN];
	struct file_tmp	 t;
	struct exc_list	 chk;
	int		 rc = -1;
	size_t		 i;

	if (!x->changed)
		return 0;
	if (!x->o.lock) {
		snprintf(err, errlen, "internal error: %s was not opened for "
		    "editing", x->name);
		return -1;
	}
	if (x->o.late_lock) {
		if (xe_lock(x, err, errlen) == -1)
			goto out;
		switch (xe_unchanged(x, err, errlen)) {
		case -1:
			goto out;
		case 0:
			rc = EXCEDIT_STALE;
			snprintf(err, errlen, "%s changed while this edit was "
			    "made; nothing written", x->name);
			goto out;
		}
	}
	if (file_tmp_open(&t, x->real, err, errlen) == -1)
		goto out;
	if (xe_write_lines(x, &t) == -1)
		goto syserr;
	if ((x->st.st_uid != geteuid() || x->st.st_gid != getegid()) &&
	    fchown(t.fd, x->st.st_uid, x->st.st_gid) == -1)
		xe_msg(x, EXCEDIT_WARN, "%s: could not keep its owner and group "
		    "(%s)", x->name, strerror(errno));
	if (file_tmp_close(&t, x->st.st_mode & 07777) == -1)
		goto syserr;
	/* Its content, as the daemon reads it; its mode is the file's own. */
	if (exc_load(t.tmp, x->o.conf, EXC_ANY_MODE, &chk, msg, sizeof(msg)) ==
	    -1) {
		xe_unname(msg, t.tmp, x->name, err, errlen);
		file_tmp_discard(&t);
		goto out;
	}
	if (!x->o.want_sha256 || exc_hash(&chk, x->sha256) == -1)
		x->sha256[0] = '\0';
	exc_free(&chk);
	if (xe_append_audit(x, err, errlen) == -1) {
		file_tmp_discard(&t);
		goto out;
	}
	if (file_tmp_rename(&t) == -1) {
		snprintf(err, errlen, "cannot replace %s: %s (the audit log "
		    "already has the change)", x->name, strerror(errno));
		file_tmp_discard(&t);
		goto out;
	}
	x->changed = false;
	x->auditlen = 0;
	for (i = 0; i < x->n; i++)
		x->l[i].fresh = false;
	rc = 0;
	goto out;
syserr:
	snprintf(err, errlen, "cannot write %s: %s; nothing changed", t.tmp,
	    strerror(errno));
	file_tmp_discard(&t);
out:
	if (x->o.late_lock)
		xe_unlock(x);
	return rc;
}
