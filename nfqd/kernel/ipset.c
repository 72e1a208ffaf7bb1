/*
 * Degraded-mode ipsets: the policy in a form the kernel enforces by itself
 * while no nfqd is bound to the queue (see rules.c).
 *
 *	<prefix>-int4/6	internal-networks
 *	<prefix>-in4/6	every exception entry active at `now`: a normal
 *			element when its direction covers inbound, else
 *			`nomatch`
 *	<prefix>-out4/6	the same for outbound
 *	<prefix>-q4/6	the hosts in quarantine at `now`, each with the
 *			time it has left (quarantine.c)
 *	<prefix>-hb4/6	outside sources under a harvest block (respond.c),
 *			each with its timeout: created here, never rebuilt
 *			(the policy does not hold them); the daemon adds
 *			to them as blocks start (ipset_harvest_block)
 *
 * hash:net answers a test with its most specific matching element, and a
 * nomatch element makes the answer "no": the same "most specific active
 * entry decides" rule as policy_decide().  An entry that expires within
 * ipset's largest timeout carries `timeout <seconds left>`, so the kernel
 * drops it at its time even when no daemon is running; when it goes, the
 * next less specific element decides, as in the policy.
 *
 * The update is one `ipset restore` run: fill <name>-tmp sets, swap them
 * in, destroy them.  ipset executes the lines in order and stops at the
 * first error, and every line that can fail comes before the first swap,
 * so a failed run leaves the live sets as they were.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kernel/ipset.h"
#include "base/defs.h"
#include "base/when.h"
#include "base/addr.h"
#include "policy/conf.h"
#include "policy/exceptions.h"
#include "policy/quarantine.h"
#include "policy/policy.h"

/*
 * ipset refuses a timeout above (UINT_MAX >> 1) milliseconds, 24.8 days
 * ("Syntax error: '2147484' is out of range 0-2147483", ipset 7.17).
 */
#define IPSET_MAX_TIMEOUT	2147483
/*
 * Fixed, so that `create <live> ... -exist` matches the live set (ipset
 * compares maxelem and the timeout flag; a resized hashsize is ignored).
 */
#define IPSET_MAXELEM		1048576
#define IPSET_LOCK		"/run/nfqd-ipset.lock"

enum set_kind { K_INT, K_IN, K_OUT, K_Q, K_HB };
const char *const ipset_kind_name[IPSET_KINDS] = { "int", "in", "out", "q",
    "hb" };
#define kind_name	ipset_kind_name
#define ALL_KINDS	((1u << IPSET_KINDS) - 1)

struct elem {
	struct prefix	 pfx;
	bool		 nomatch;
	int64_t		 timeout;	/* seconds, 0 = none */
};

struct elems {
	struct elem	*v;
	size_t		 n, alloc;
};

static int
elems_add(struct elems *l, const struct prefix *p, bool nomatch,
    int64_t timeout)
{
	struct elem	*nv;

	if (l->n == l->alloc) {
		l->alloc = l->alloc ? l->alloc * 2 : 64;
		if ((nv = reallocarray(l->v, l->alloc, sizeof(*nv))) == NULL)
			return -1;
		l->v = nv;
	}
	l->v[l->n].pfx = *p;
	l->v[l->n].nomatch = nomatch;
	l->v[l->n].timeout = timeout;
	l->n++;
	return 0;
}

static bool
prefix_equal(const struct prefix *a, const struct prefix *b)
{
	return a->len == b->len && addr_equal(&a->addr, &b->addr);
}

static bool
exc_active(const struct exc_entry *e, int64_t now)
{
	return e->expires_at == 0 || now < e->expires_at;
}

/*
 * hash:net holds /1 to /32 (/128): "The value of the CIDR parameter of the
 * IP address is invalid" for /0.  A /0 becomes its two /1 halves, each
 * left out when the list has that /1 itself (for the exception sets: an
 * active entry, which is more specific than the /0 and so decides).
 */
static int
add_prefix(struct elems *l, const struct prefix *p, bool nomatch,
    int64_t timeout, bool (*listed)(const void *, const struct prefix *),
    const void *arg)
{
	struct prefix	 half;

	if (p->len > 0)
		return elems_add(l, p, nomatch, timeout);
	for (int i = 0; i < 2; i++) {
		half = *p;
		half.len = 1;
		half.addr.b[0] = i ? 0x80 : 0;
		if (!listed(arg, &half) &&
		    elems_add(l, &half, nomatch, timeout) == -1)
			return -1;
	}
	return 0;
}

static bool
internal_listed(const void *arg, const struct prefix *p)
{
	const struct conf	*c = arg;

	for (size_t i = 0; i < c->ninternal; i++)
		if (prefix_equal(&c->internal[i], p))
			return true;
	return false;
}

struct active_arg {
	const struct exc_list	*exc;
	int64_t			 now;
};

static bool
exc_listed(const void *arg, const struct prefix *p)
{
	const struct active_arg	*a = arg;

	for (size_t i = 0; i < a->exc->n; i++)
		if (prefix_equal(&a->exc->v[i].pfx, p) &&
		    exc_active(&a->exc->v[i], a->now))
			return true;
	return false;
}

/* The elements of one set. */
static int
set_elems(const struct policy *pol, int64_t now, enum set_kind kind, int af,
    struct elems *l)
{
	const struct conf	*c = &pol->conf;
	const struct exc_entry	*e;
	struct active_arg	 a = { &pol->exc, now };
	uint8_t			 need;
	int64_t			 left;

	if (kind == K_HB)
		return 0;		/* not the policy's: only created */
	if (kind == K_Q) {
		const struct quar_list	*q = policy_quar(pol);

		for (size_t i = 0; q != NULL && i < q->n; i++) {
			const struct quar_entry *qe = &q->v[i];

			if (qe->pfx.addr.af != af || qe->since > now ||
			    now >= qe->until)
				continue;
			left = qe->until - now;
			if (left > IPSET_MAX_TIMEOUT)
				left = 0;	/* a later sync sets it */
			if (elems_add(l, &qe->pfx, false, left) == -1)
				return -1;
		}
		return 0;
	}
	if (kind == K_INT) {
		for (size_t i = 0; i < c->ninternal; i++)
			if (c->internal[i].addr.af == af &&
			    add_prefix(l, &c->internal[i], false, 0,
			    internal_listed, c) == -1)
				return -1;
		return 0;
	}
	need = kind == K_IN ? EXC_INBOUND : EXC_OUTBOUND;
	for (size_t i = 0; i < pol->exc.n; i++) {
		e = &pol->exc.v[i];
		if (e->pfx.addr.af != af || !exc_active(e, now))
			continue;
		left = e->expires_at == 0 ? 0 : e->expires_at - now;
		if (left > IPSET_MAX_TIMEOUT)
			left = 0;	/* a later sync sets it */
		if (add_prefix(l, &e->pfx, (e->dir & need) == 0, left,
		    exc_listed, &a) == -1)
			return -1;
	}
	return 0;
}

static int
ipset_write(const struct policy *pol, int64_t now, unsigned mask, FILE *f)
{
	const char	*p = pol->conf.ipset_prefix;
	struct elems	 sets[2][IPSET_KINDS];
	char		 a[PREFIX_STRLEN], ts[WHEN_STRLEN];
	int		 fi, k, rc = -1, af;
	const struct elem *el;

	memset(sets, 0, sizeof(sets));
	for (fi = 0; fi < 2; fi++)
		for (k = 0; k < IPSET_KINDS; k++) {
			if (!(mask & (1u << k)))
				continue;
			if (set_elems(pol, now, (enum set_kind)k, fi ? 6 : 4,
			    &sets[fi][k]) == -1) {
				errno = ENOMEM;
				goto out;
			}
			if (sets[fi][k].n > IPSET_MAXELEM) {
				errno = E2BIG;
				goto out;
			}
		}
	when_format(now, WHEN_ISO, ts, sizeof(ts));

	fprintf(f, "# nfqd degraded-mode sets for `ipset restore`, from %s "
	    "at %s\n", pol->conf.exceptions, ts);
	/* Lines that can fail first: creates and adds. */
	for (fi = 0; fi < 2; fi++)
		for (k = 0; k < IPSET_KINDS; k++) {
			if (!(mask & (1u << k)))
				continue;
			af = fi ? 6 : 4;
			fprintf(f, "create %s-%s%d hash:net family %s maxelem %d "
			    "timeout 0 -exist\n", p, kind_name[k], af,
			    af == 4 ? "inet" : "inet6", IPSET_MAXELEM);
			if (k == K_HB)
				continue;	/* kept as it is */
			fprintf(f, "create %s-%s%d-tmp hash:net family %s "
			    "maxelem %d timeout 0 -exist\n", p, kind_name[k], af,
			    af == 4 ? "inet" : "inet6", IPSET_MAXELEM);
			fprintf(f, "flush %s-%s%d-tmp\n", p, kind_name[k], af);
			for (size_t i = 0; i < sets[fi][k].n; i++) {
				el = &sets[fi][k].v[i];
				prefix_format(&el->pfx, a, sizeof(a));
				fprintf(f, "add %s-%s%d-tmp %s", p, kind_name[k],
				    af, a);
				if (el->timeout > 0)
					fprintf(f, " timeout %lld",
					    (long long)el->timeout);
				fprintf(f, "%s\n", el->nomatch ? " nomatch" : "");
			}
		}
	for (fi = 0; fi < 2; fi++)
		for (k = 0; k < K_HB; k++)
			if (mask & (1u << k))
				fprintf(f, "swap %s-%s%d-tmp %s-%s%d\n", p,
				    kind_name[k], fi ? 6 : 4, p, kind_name[k],
				    fi ? 6 : 4);
	for (fi = 0; fi < 2; fi++)
		for (k = 0; k < K_HB; k++)
			if (mask & (1u << k))
				fprintf(f, "destroy %s-%s%d-tmp\n", p,
				    kind_name[k], fi ? 6 : 4);
	if (fflush(f) == EOF || ferror(f))
		goto out;
	rc = 0;
out:
	for (fi = 0; fi < 2; fi++)
		for (k = 0; k < IPSET_KINDS; k++)
			free(sets[fi][k].v);
	return rc;
}

int
ipset_script(const struct policy *pol, int64_t now, FILE *f)
{
	return ipset_write(pol, now, ALL_KINDS, f);
}

/*
 * Run `ipset [-exist] restore` on the memfd `in`, its stdout and stderr
 * into the memfd `out`.  Returns the exit status, or -1 with errno when it
 * could not be started.
 */
static int
ipset_run(int in, int out, bool exist)
{
	static const char *const paths[] = { "ipset", "/usr/sbin/ipset",
	    "/sbin/ipset" };
	char				*argv[4];
	posix_spawn_file_actions_t	 fa;
	posix_spawnattr_t		 at;
	sigset_t			 none, all;
	pid_t				 pid;
	int				 st, r = ENOENT, i = 0;

	argv[i++] = (char *)"ipset";
	if (exist)
		argv[i++] = (char *)"-exist";
	argv[i++] = (char *)"restore";
	argv[i] = NULL;
	if (lseek(in, 0, SEEK_SET) == -1)
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in, 0);
	posix_spawn_file_actions_adddup2(&fa, out, 1);
	posix_spawn_file_actions_adddup2(&fa, out, 2);
	/* The daemon blocks and ignores signals: give ipset the defaults. */
	posix_spawnattr_init(&at);
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &all);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK |
	    POSIX_SPAWN_SETSIGDEF);
	for (size_t p = 0; p < sizeof(paths) / sizeof(paths[0]); p++) {
		r = p == 0 ? posix_spawnp(&pid, paths[p], &fa, &at, argv,
		    environ) : posix_spawn(&pid, paths[p], &fa, &at, argv,
		    environ);
		if (r != ENOENT)
			break;
	}
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	if (r != 0) {
		errno = r;
		return -1;
	}
	while (waitpid(pid, &st, 0) == -1)
		if (errno != EINTR)
			return -1;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

/* Line `n` (1-based) of the memfd, without its newline. */
static void
fd_line(int fd, unsigned long n, char *buf, size_t len)
{
	FILE	*f;
	int	 d, ch;
	size_t	 i = 0;

	buf[0] = '\0';
	if ((d = dup(fd)) == -1)
		return;
	if (lseek(d, 0, SEEK_SET) == -1 || (f = fdopen(d, "r")) == NULL) {
		close(d);
		return;
	}
	while (n > 1 && (ch = getc(f)) != EOF)
		if (ch == '\n')
			n--;
	while ((ch = getc(f)) != EOF && ch != '\n')
		if (i + 1 < len)
			buf[i++] = (char)ch;
	buf[i] = '\0';
	fclose(f);
}

/* ipset's messages, one line, "ipset v7.17: " dropped. */
static void
fd_text(int fd, char *buf, size_t len)
{
	ssize_t	 r;
	size_t	 n = 0;
	char	*p;

	buf[0] = '\0';
	if (lseek(fd, 0, SEEK_SET) == -1)
		return;
	while (n + 1 < len && (r = read(fd, buf + n, len - 1 - n)) > 0)
		n += (size_t)r;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	for (p = buf; *p; p++)
		if (*p == '\n')
			*p = ' ';
	if (strncmp(buf, "ipset v", 7) == 0 && (p = strstr(buf, ": ")) != NULL)
		memmove(buf, p + 2, strlen(p + 2) + 1);
}

static int
ipset_sync_mask(const struct policy *pol, int64_t now, unsigned mask,
    char *err, size_t errlen)
{
	/*
	 * Opened once and kept: the daemon's first sync runs before it drops
	 * to its user, who could not open root's file later.  flock needs
	 * no write access, so root makes it readable for a daemon started
	 * as its user (the systemd unit), whatever the umask.
	 */
	static int	 lock = -1;
	FILE		*f = NULL;
	int		 in = -1, out = -1, d, st, rc = -1;
	char		 msg[ERRLEN], line[256], *p;
	unsigned long	 n;

	if (lock == -1 && (lock = open(IPSET_LOCK, O_RDONLY | O_CREAT |
	    O_CLOEXEC, 0644)) != -1 && geteuid() == 0)
		(void)fchmod(lock, 0644);
	if (lock != -1)
		(void)flock(lock, LOCK_EX);	/* best effort */
	if ((in = memfd_create("nfqd-ipset-in", MFD_CLOEXEC)) == -1 ||
	    (out = memfd_create("nfqd-ipset-out", MFD_CLOEXEC)) == -1) {
		snprintf(err, errlen, "ipset restore: memfd_create: %s",
		    strerror(errno));
		goto out;
	}
	if ((d = dup(in)) == -1 || (f = fdopen(d, "w")) == NULL) {
		snprintf(err, errlen, "ipset restore: %s", strerror(errno));
		if (d != -1)
			close(d);
		goto out;
	}
	if (ipset_write(pol, now, mask, f) == -1) {
		if (errno == E2BIG)
			snprintf(err, errlen, "ipset restore: more than %d "
			    "elements for one set", IPSET_MAXELEM);
		else
			snprintf(err, errlen, "ipset restore: writing the "
			    "input: %s", strerror(errno));
		goto out;
	}
	if ((st = ipset_run(in, out, false)) == -1) {
		snprintf(err, errlen, "ipset restore: cannot run ipset: %s%s",
		    strerror(errno), errno == ENOENT ?
		    " (install the ipset package)" : "");
		goto out;
	}
	if (st != 0) {
		fd_text(out, msg, sizeof(msg));
		/* "Error in line N: ...": name what line N was. */
		line[0] = '\0';
		if ((p = strstr(msg, "Error in line ")) != NULL &&
		    (n = strtoul(p + 14, NULL, 10)) > 0)
			fd_line(in, n, line, sizeof(line));
		snprintf(err, errlen, "ipset restore failed (exit %d): %s%s%s%s",
		    st, msg[0] ? msg : "no message", line[0] ? " [" : "",
		    line, line[0] ? "]" : "");
		/* Drop the half-filled temporary sets; the live ones stand. */
		if (ftruncate(in, 0) == 0 && lseek(in, 0, SEEK_SET) == 0 &&
		    ftruncate(out, 0) == 0) {
			for (int fi = 0; fi < 2; fi++)
				for (int k = 0; k < K_HB; k++)
					if (mask & (1u << k))
						dprintf(in, "destroy %s-%s%d-tmp\n",
						    pol->conf.ipset_prefix,
						    kind_name[k], fi ? 6 : 4);
			(void)ipset_run(in, out, true);
		}
		goto out;
	}
	rc = 0;
out:
	if (f != NULL)
		fclose(f);
	if (in != -1)
		close(in);
	if (out != -1)
		close(out);
	if (lock != -1)
		(void)flock(lock, LOCK_UN);
	return rc;
}

int
ipset_sync(const struct policy *pol, int64_t now, char *err, size_t errlen)
{
	return ipset_sync_mask(pol, now, ALL_KINDS, err, errlen);
}

/* The quarantine sets alone: a quarantine added or ended. */
int
ipset_sync_quarantine(const struct policy *pol, int64_t now, char *err,
    size_t errlen)
{
	return ipset_sync_mask(pol, now, 1u << K_Q, err, errlen);
}

/*
 * A harvest block into <prefix>-hb4/6: the source for secs seconds (the
 * kernel drops it then), so that the degraded-mode rules refuse it too.
 * One `ipset -exist restore` of one line: an existing entry gets the new
 * timeout.
 */
int
ipset_harvest_block(const struct conf *c, const struct ip_addr *a,
    int64_t secs, char *err, size_t errlen)
{
	char	 s[ADDR_STRLEN], msg[ERRLEN];
	int	 in = -1, out = -1, st, rc = -1;

	if (secs <= 0)
		return 0;
	if (secs > IPSET_MAX_TIMEOUT)
		secs = IPSET_MAX_TIMEOUT;
	addr_format(a, s, sizeof(s));
	if ((in = memfd_create("nfqd-ipset-in", MFD_CLOEXEC)) == -1 ||
	    (out = memfd_create("nfqd-ipset-out", MFD_CLOEXEC)) == -1) {
		snprintf(err, errlen, "ipset: memfd_create: %s",
		    strerror(errno));
		goto out;
	}
	if (dprintf(in, "add %s-hb%d %s timeout %lld\n", c->ipset_prefix,
	    a->af == 4 ? 4 : 6, s, (long long)secs) < 0) {
		snprintf(err, errlen, "ipset: %s", strerror(errno));
		goto out;
	}
	if ((st = ipset_run(in, out, true)) != 0) {
		if (st == -1)
			snprintf(msg, sizeof(msg), "cannot run ipset: %s",
			    strerror(errno));
		else
			fd_text(out, msg, sizeof(msg));
		snprintf(err, errlen, "ipset add %s-hb%d %s: %s",
		    c->ipset_prefix, a->af == 4 ? 4 : 6, s, msg[0] ? msg :
		    "failed");
		goto out;
	}
	rc = 0;
out:
	if (in != -1)
		close(in);
	if (out != -1)
		close(out);
	return rc;
}
