/*
 * nfqd-rules: install, remove and inspect nfqd's netfilter rules and its
 * degraded-mode ipsets.
 *
 *	nfqd-rules [-c CONF] install|remove|status|print [--json] [--nft]
 *	nfqd-rules -h | -V
 *
 * It only ever touches nfqd's own chains (filter NFQD, NFQD-DEGRADED,
 * NFQD-DACCEPT, mangle NFQD-QUEUE, NFQD-SAVE, NFQD-QSRC, NFQD-QDST), the rules that jump to them and the
 * <prefix>-* sets.  Exit status: 0 success (status: fully installed),
 * 1 a command failed (status: partly or not installed), 2 usage or
 * configuration error.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "base/defs.h"
#include "base/when.h"
#include "base/addr.h"
#include "policy/conf.h"
#include "policy/exceptions.h"
#include "policy/quarantine.h"
#include "policy/policy.h"
#include "kernel/ipset.h"
#include "kernel/rules.h"
#include "kernel/bpfhook.h"

#define DEFAULT_CONF	"/etc/nfqd/nfqd.conf"

/* The first NFILTER are filter's, the rest mangle's. */
static const char *const our_chains[] = {
	"NFQD", "NFQD-DEGRADED", "NFQD-DACCEPT", "NFQD-QUEUE", "NFQD-SAVE",
	"NFQD-QSRC", "NFQD-QDST"
};
#define NFILTER	3
#define NOURS	(sizeof(our_chains) / sizeof(our_chains[0]))
static const char *const tables[] = { "mangle", "filter" };
#define set_kinds	ipset_kind_name		/* int, in, out, q */

static void __attribute__((noreturn))
usage(int rc)
{
	fprintf(rc ? stderr : stdout,
	    "usage: nfqd-rules [-c CONF] install|remove\n"
	    "       nfqd-rules [-c CONF] status [--json]\n"
	    "       nfqd-rules [-c CONF] print [--nft]\n"
	    "       nfqd-rules -h | -V\n"
	    "  install   fill the degraded-mode ipsets, add nfqd's chains and "
	    "jumps\n"
	    "            (IPv4 and IPv6); running it again updates them\n"
	    "  remove    delete the jumps, chains and ipsets, and detach a "
	    "fast-path\n            program left attached (quiet when "
	    "nothing is there)\n"
	    "  status    what is installed; exit 0 only when all of it is, "
	    "as configured\n"
	    "  print     the ipset and iptables-restore input, or with --nft "
	    "the nftables\n"
	    "            ruleset, without applying anything\n"
	    "  -c, --config CONF   configuration file (default %s)\n"
	    "      --json          status: one JSON object instead of text\n"
	    "      --nft           print: the nftables ruleset\n"
	    "  -h, --help          this help\n"
	    "  -V, --version       print the version\n",
	    DEFAULT_CONF);
	exit(rc);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
usage_error(const char *fmt, ...)
{
	va_list	 ap;

	fprintf(stderr, "nfqd-rules: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	usage(2);
}

/* ---- running commands ---- */

struct out {
	int	 rc;		/* exit status */
	char	*out, *err;	/* NUL-terminated, trailing newlines kept */
};

static char *
fd_slurp(int fd)
{
	char	*buf;
	off_t	 len;
	ssize_t	 r;
	size_t	 n = 0;

	if ((len = lseek(fd, 0, SEEK_END)) == -1 || lseek(fd, 0, SEEK_SET) == -1)
		len = 0;
	if ((buf = malloc((size_t)len + 1)) == NULL)
		return NULL;
	while (n < (size_t)len && (r = read(fd, buf + n, (size_t)len - n)) > 0)
		n += (size_t)r;
	buf[n] = '\0';
	return buf;
}

/*
 * Run argv with `input` on stdin; stdout and stderr into o.  Returns 0
 * when it ran (o->rc is its status), -1 with a message when it could not
 * be started.
 */
static int
run(const char *const argv[], const char *input, struct out *o, char *err,
    size_t errlen)
{
	posix_spawn_file_actions_t	 fa;
	int				 fd[3], st, r, i;
	pid_t				 pid;

	memset(o, 0, sizeof(*o));
	for (i = 0; i < 3; i++)
		if ((fd[i] = memfd_create("nfqd-rules", MFD_CLOEXEC)) == -1) {
			snprintf(err, errlen, "memfd_create: %s",
			    strerror(errno));
			while (i-- > 0)
				close(fd[i]);
			return -1;
		}
	if (input != NULL && (write(fd[0], input, strlen(input)) !=
	    (ssize_t)strlen(input) || lseek(fd[0], 0, SEEK_SET) == -1)) {
		snprintf(err, errlen, "writing %s's input: %s", argv[0],
		    strerror(errno));
		r = -1;
		goto out;
	}
	posix_spawn_file_actions_init(&fa);
	for (i = 0; i < 3; i++)
		posix_spawn_file_actions_adddup2(&fa, fd[i], i);
	r = posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv,
	    environ);
	posix_spawn_file_actions_destroy(&fa);
	if (r != 0) {
		snprintf(err, errlen, "cannot run %s: %s%s", argv[0],
		    strerror(r), r == ENOENT ? " (not installed, or not in "
		    "PATH: it is usually in /usr/sbin)" : "");
		r = -1;
		goto out;
	}
	while (waitpid(pid, &st, 0) == -1)
		if (errno != EINTR) {
			snprintf(err, errlen, "waitpid: %s", strerror(errno));
			r = -1;
			goto out;
		}
	o->rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	o->out = fd_slurp(fd[1]);
	o->err = fd_slurp(fd[2]);
	if (o->out == NULL || o->err == NULL) {
		snprintf(err, errlen, "out of memory");
		free(o->out);
		free(o->err);
		r = -1;
		goto out;
	}
	r = 0;
out:
	for (i = 0; i < 3; i++)
		close(fd[i]);
	return r;
}

static void
out_free(struct out *o)
{
	free(o->out);
	free(o->err);
	memset(o, 0, sizeof(*o));
}

/* "`iptables-restore --noflush` failed (exit 1): <stderr>" */
static void
cmd_failed(const char *const argv[], const struct out *o)
{
	char	 cmd[512];
	size_t	 len = 0, n;

	cmd[0] = '\0';
	for (int i = 0; argv[i] != NULL && len < sizeof(cmd); i++)
		len += (size_t)snprintf(cmd + len, sizeof(cmd) - len, "%s%s",
		    i ? " " : "", argv[i]);
	n = o->err != NULL ? strlen(o->err) : 0;
	while (n > 0 && o->err[n - 1] == '\n')
		n--;
	fprintf(stderr, "nfqd-rules: `%s` failed (exit %d)%s%.*s\n", cmd,
	    o->rc, n ? ": " : "", (int)n, n ? o->err : "");
}

/* Run, and complain unless it exits 0; 0 or -1. */
static int
run_ok(const char *const argv[], const char *input, struct out *o)
{
	char	 err[ERRLEN];

	if (run(argv, input, o, err, sizeof(err)) == -1) {
		fprintf(stderr, "nfqd-rules: %s\n", err);
		return -1;
	}
	if (o->rc != 0) {
		cmd_failed(argv, o);
		out_free(o);
		return -1;
	}
	return 0;
}

/* ---- iptables-save text ---- */

struct rule {
	char	 table[16];
	char	 chain[32];
	char	*spec;		/* after "-A CHAIN " */
	char	 target[32];	/* -j or -g argument */
};

struct saved {
	char		*text;
	struct rule	*r;
	size_t		 nr;
	char		 chains[64][2][32];	/* table, chain: user chains */
	size_t		 nchains;
};

/* The -j/-g argument of a rule spec, double quotes respected. */
static void
spec_target(const char *s, char *t, size_t len)
{
	const char	*p = s, *w;
	bool		 jump = false;
	size_t		 n;

	t[0] = '\0';
	while (*p) {
		while (*p == ' ')
			p++;
		w = p;
		if (*p == '"') {
			for (p++; *p && *p != '"'; p++)
				if (*p == '\\' && p[1])
					p++;
			if (*p)
				p++;
		} else
			while (*p && *p != ' ')
				p++;
		n = (size_t)(p - w);
		if (jump) {
			snprintf(t, len, "%.*s", (int)n, w);
			return;
		}
		jump = (n == 2 && (strncmp(w, "-j", 2) == 0 ||
		    strncmp(w, "-g", 2) == 0));
	}
}

static void
saved_free(struct saved *s)
{
	free(s->text);
	free(s->r);
	memset(s, 0, sizeof(*s));
}

static int
save_parse(char *text, struct saved *s)
{
	char		*line, *next, table[16] = "", *sp;
	struct rule	*nv;
	size_t		 alloc = 0;

	memset(s, 0, sizeof(*s));
	s->text = text;
	for (line = text; line != NULL && *line; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (line[0] == '*')
			snprintf(table, sizeof(table), "%s", line + 1);
		else if (line[0] == ':' && s->nchains < 64) {
			sp = strchr(line, ' ');
			snprintf(s->chains[s->nchains][0], 32, "%s", table);
			snprintf(s->chains[s->nchains][1], 32, "%.*s",
			    sp ? (int)(sp - line - 1) : (int)strlen(line + 1),
			    line + 1);
			s->nchains++;
		} else if (strncmp(line, "-A ", 3) == 0 &&
		    (sp = strchr(line + 3, ' ')) != NULL) {
			if (s->nr == alloc) {
				alloc = alloc ? alloc * 2 : 64;
				if ((nv = reallocarray(s->r, alloc,
				    sizeof(*nv))) == NULL)
					return -1;
				s->r = nv;
			}
			memset(&s->r[s->nr], 0, sizeof(s->r[s->nr]));
			snprintf(s->r[s->nr].table, 16, "%s", table);
			snprintf(s->r[s->nr].chain, 32, "%.*s",
			    (int)(sp - line - 3), line + 3);
			s->r[s->nr].spec = sp + 1;
			spec_target(sp + 1, s->r[s->nr].target, 32);
			s->nr++;
		}
	}
	return 0;
}

static bool
chain_exists(const struct saved *s, const char *table, const char *chain)
{
	for (size_t i = 0; i < s->nchains; i++)
		if (strcmp(s->chains[i][0], table) == 0 &&
		    strcmp(s->chains[i][1], chain) == 0)
			return true;
	return false;
}

static bool
is_ours(const char *chain)
{
	for (size_t i = 0; i < NOURS; i++)
		if (strcmp(chain, our_chains[i]) == 0)
			return true;
	return false;
}

static const char *const *
tool(int family, const char *what)
{
	static const char *argv[8];

	memset(argv, 0, sizeof(argv));
	if (strcmp(what, "save") == 0) {
		argv[0] = family == 4 ? "iptables-save" : "ip6tables-save";
	} else if (strcmp(what, "restore") == 0) {
		argv[0] = family == 4 ? "iptables-restore" :
		    "ip6tables-restore";
		argv[1] = "-w";
		argv[2] = "--noflush";
	}
	return argv;
}

static int
save_load(int family, struct saved *s)
{
	struct out	 o;

	if (run_ok(tool(family, "save"), NULL, &o) == -1)
		return -1;
	free(o.err);
	if (save_parse(o.out, s) == -1) {
		fprintf(stderr, "nfqd-rules: out of memory\n");
		saved_free(s);
		return -1;
	}
	return 0;
}

/* ---- what rules.c says ---- */

struct jump {
	char	 table[16], chain[32];
	bool	 first;
	char	 spec[256];
};

struct script {
	char		*text;
	struct jump	 j[16];
	size_t		 nj;
};

static int
script_make(const struct conf *c, int family, struct script *sc)
{
	FILE	*f;
	size_t	 len;
	char	*line, *next, *copy, where[8];
	struct jump *j;
	int	 off;

	memset(sc, 0, sizeof(*sc));
	if ((f = open_memstream(&sc->text, &len)) == NULL ||
	    rules_script(c, family, f) == -1 || fclose(f) == EOF) {
		fprintf(stderr, "nfqd-rules: cannot make the IPv%d rules: %s\n",
		    family, strerror(errno));
		return -1;
	}
	if ((copy = strdup(sc->text)) == NULL)
		return -1;
	for (line = copy; line != NULL && *line; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (strncmp(line, "# jump: ", 8) != 0 || sc->nj == 16)
			continue;
		j = &sc->j[sc->nj];
		off = 0;
		if (sscanf(line + 8, "%15s %31s %7s %n", j->table, j->chain,
		    where, &off) != 3 || off == 0)
			continue;
		j->first = strcmp(where, "first") == 0;
		snprintf(j->spec, sizeof(j->spec), "%s", line + 8 + off);
		sc->nj++;
	}
	free(copy);
	return 0;
}

/* Does the installed chain hold exactly the rules the script has? */
static bool
chain_matches(const struct script *sc, const struct saved *s,
    const char *table, const char *chain)
{
	char		*copy, *line, *next, cur[16] = "", pfx[48];
	size_t		 i = 0, plen;
	bool		 ok = true;

	if ((copy = strdup(sc->text)) == NULL)
		return false;
	plen = (size_t)snprintf(pfx, sizeof(pfx), "-A %s ", chain);
	for (line = copy; line != NULL && *line && ok; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (line[0] == '*')
			snprintf(cur, sizeof(cur), "%s", line + 1);
		if (strcmp(cur, table) != 0 || strncmp(line, pfx, plen) != 0)
			continue;
		while (i < s->nr && (strcmp(s->r[i].table, table) != 0 ||
		    strcmp(s->r[i].chain, chain) != 0))
			i++;
		if (i == s->nr || strcmp(s->r[i].spec, line + plen) != 0)
			ok = false;
		i++;
	}
	if (ok)		/* nothing extra after the last one */
		for (; i < s->nr; i++)
			if (strcmp(s->r[i].table, table) == 0 &&
			    strcmp(s->r[i].chain, chain) == 0)
				ok = false;
	free(copy);
	return ok;
}

/* ---- install ---- */

static int
buf_add(char **buf, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
buf_add(char **buf, size_t *len, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;
	char	*nb;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || (nb = realloc(*buf, *len + (size_t)n + 1)) == NULL)
		return -1;
	*buf = nb;
	va_start(ap, fmt);
	vsnprintf(*buf + *len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	*len += (size_t)n;
	return 0;
}

/* Split a rule spec of ours (no quotes) into argv after `pre`. */
static int
spec_argv(const char *const pre[], const char *spec, char *buf, size_t len,
    const char *argv[], size_t max)
{
	size_t	 n = 0;
	char	*p;

	while (pre[n] != NULL && n + 1 < max) {
		argv[n] = pre[n];
		n++;
	}
	snprintf(buf, len, "%s", spec);
	for (p = strtok(buf, " "); p != NULL && n + 1 < max;
	    p = strtok(NULL, " "))
		argv[n++] = p;
	argv[n] = NULL;
	return p == NULL ? 0 : -1;
}

/* The index to handle at step kk: "first" jumps of a chain reversed. */
static size_t
first_rev(const struct script *sc, size_t kk)
{
	size_t	 lo = kk, hi = kk;

	while (lo > 0 && sc->j[lo - 1].first &&
	    strcmp(sc->j[lo - 1].table, sc->j[kk].table) == 0 &&
	    strcmp(sc->j[lo - 1].chain, sc->j[kk].chain) == 0)
		lo--;
	while (hi + 1 < sc->nj && sc->j[hi + 1].first &&
	    strcmp(sc->j[hi + 1].table, sc->j[kk].table) == 0 &&
	    strcmp(sc->j[hi + 1].chain, sc->j[kk].chain) == 0)
		hi++;
	return hi - (kk - lo);
}

static int
install_family(const struct conf *c, int family)
{
	struct script	 sc;
	struct saved	 s;
	struct out	 o;
	char		*del = NULL, buf[256];
	size_t		 dlen = 0, i, k;
	bool		 keep[16];
	const char	*argv[48], *ipt = family == 4 ? "iptables" :
			    "ip6tables";
	int		 rc = -1;

	memset(&s, 0, sizeof(s));
	if (script_make(c, family, &sc) == -1)
		return -1;
	if (run_ok(tool(family, "restore"), sc.text, &o) == -1)
		goto out;
	out_free(&o);
	if (save_load(family, &s) == -1)
		goto out;

	/*
	 * Jumps to our chains in the chains we jump from: keep one copy of
	 * each current jump, delete duplicates and ones from an older
	 * configuration (other smtp-ports).
	 */
	memset(keep, 0, sizeof(keep));
	for (size_t t = 0; t < 2; t++) {
		bool	 any = false;

		for (i = 0; i < s.nr; i++) {
			bool	 from = false, good = false;

			if (strcmp(s.r[i].table, tables[t]) != 0 ||
			    !is_ours(s.r[i].target) || is_ours(s.r[i].chain))
				continue;
			for (k = 0; k < sc.nj; k++)
				if (strcmp(sc.j[k].table, tables[t]) == 0 &&
				    strcmp(sc.j[k].chain, s.r[i].chain) == 0) {
					from = true;
					if (!keep[k] && strcmp(sc.j[k].spec,
					    s.r[i].spec) == 0) {
						keep[k] = good = true;
						break;
					}
				}
			if (!from || good)
				continue;
			if ((!any && buf_add(&del, &dlen, "*%s\n",
			    tables[t]) == -1) || buf_add(&del, &dlen,
			    "-D %s %s\n", s.r[i].chain, s.r[i].spec) == -1)
				goto nomem;
			any = true;
		}
		if (any && buf_add(&del, &dlen, "COMMIT\n") == -1)
			goto nomem;
	}
	saved_free(&s);
	if (del != NULL) {
		if (run_ok(tool(family, "restore"), del, &o) == -1)
			goto out;
		out_free(&o);
	}

	/*
	 * Each jump: -C, then -I 1 (first) or -A (last) when missing; the
	 * "first" ones from the last, so that they end up in script order.
	 */
	for (size_t kk = 0; kk < sc.nj; kk++) {
		k = sc.j[kk].first ? first_rev(&sc, kk) : kk;
		const char *check[] = { ipt, "-w", "-t", sc.j[k].table, "-C",
		    sc.j[k].chain, NULL };
		char err[ERRLEN];

		if (spec_argv(check, sc.j[k].spec, buf, sizeof(buf), argv,
		    48) == -1)
			goto nomem;
		if (run(argv, NULL, &o, err, sizeof(err)) == -1) {
			fprintf(stderr, "nfqd-rules: %s\n", err);
			goto out;
		}
		if (o.rc == 0) {
			out_free(&o);
			continue;
		}
		if (o.rc != 1) {
			cmd_failed(argv, &o);
			out_free(&o);
			goto out;
		}
		out_free(&o);
		{
			const char *ins_first[] = { ipt, "-w", "-t",
			    sc.j[k].table, "-I", sc.j[k].chain, "1", NULL };
			const char *ins_last[] = { ipt, "-w", "-t",
			    sc.j[k].table, "-A", sc.j[k].chain, NULL };

			if (spec_argv(sc.j[k].first ? ins_first : ins_last,
			    sc.j[k].spec, buf, sizeof(buf), argv, 48) == -1)
				goto nomem;
		}
		if (run_ok(argv, NULL, &o) == -1)
			goto out;
		out_free(&o);
	}
	rc = 0;
	goto out;
nomem:
	fprintf(stderr, "nfqd-rules: out of memory\n");
out:
	saved_free(&s);
	free(del);
	free(sc.text);
	return rc;
}

static int
cmd_install(const struct policy *pol)
{
	char	 err[ERRLEN];

	if (ipset_sync(pol, (int64_t)time(NULL), err, sizeof(err)) == -1) {
		fprintf(stderr, "nfqd-rules: %s\n", err);
		return 1;
	}
	if (install_family(&pol->conf, 4) == -1 ||
	    install_family(&pol->conf, 6) == -1)
		return 1;
	printf("nfqd-rules: installed: sets %s-*, chains NFQD, NFQD-DEGRADED, "
	    "NFQD-DACCEPT (filter), NFQD-QUEUE, NFQD-SAVE, NFQD-QSRC, NFQD-QDST (mangle), "
	    "IPv4 and IPv6\n",
	    pol->conf.ipset_prefix);
	return 0;
}

/* ---- remove ---- */

static int
remove_family(int family)
{
	struct saved	 s;
	struct out	 o;
	char		*in = NULL;
	size_t		 len = 0, i, k;
	int		 rc = -1;

	if (save_load(family, &s) == -1)
		return -1;
	for (size_t t = 0; t < 2; t++) {
		bool	 any = false;

		/* Every jump to one of our chains, from any other chain. */
		for (i = 0; i < s.nr; i++) {
			if (strcmp(s.r[i].table, tables[t]) != 0 ||
			    !is_ours(s.r[i].target) || is_ours(s.r[i].chain))
				continue;
			if ((!any && buf_add(&in, &len, "*%s\n",
			    tables[t]) == -1) || buf_add(&in, &len,
			    "-D %s %s\n", s.r[i].chain, s.r[i].spec) == -1)
				goto nomem;
			any = true;
		}
		for (k = 0; k < NOURS; k++) {
			if (!chain_exists(&s, tables[t], our_chains[k]))
				continue;
			if ((!any && buf_add(&in, &len, "*%s\n",
			    tables[t]) == -1) || buf_add(&in, &len, "-F %s\n",
			    our_chains[k]) == -1)
				goto nomem;
			any = true;
		}
		for (k = 0; k < NOURS; k++)
			if (chain_exists(&s, tables[t], our_chains[k]) &&
			    buf_add(&in, &len, "-X %s\n", our_chains[k]) == -1)
				goto nomem;
		if (any && buf_add(&in, &len, "COMMIT\n") == -1)
			goto nomem;
	}
	if (in != NULL) {
		if (run_ok(tool(family, "restore"), in, &o) == -1)
			goto out;
		out_free(&o);
	}
	rc = 0;
	goto out;
nomem:
	fprintf(stderr, "nfqd-rules: out of memory\n");
out:
	free(in);
	saved_free(&s);
	return rc;
}

/* Our set names (and the -tmp ones an interrupted update leaves). */
static bool
our_set(const struct conf *c, const char *name)
{
	char	 n[64];

	for (int af = 4; af <= 6; af += 2)
		for (int k = 0; k < IPSET_KINDS; k++)
			for (int tmp = 0; tmp < 2; tmp++) {
				snprintf(n, sizeof(n), "%s-%s%d%s",
				    c->ipset_prefix, set_kinds[k], af,
				    tmp ? "-tmp" : "");
				if (strcmp(n, name) == 0)
					return true;
			}
	return false;
}

static int
remove_sets(const struct conf *c)
{
	const char	*list[] = { "ipset", "list", "-n", NULL };
	struct out	 o, d;
	char		 err[ERRLEN], *name, *next;
	int		 rc = 0, tries;

	if (run(list, NULL, &o, err, sizeof(err)) == -1) {
		/* No ipset program: none of our sets can exist. */
		return 0;
	}
	if (o.rc != 0) {
		cmd_failed(list, &o);
		out_free(&o);
		return -1;
	}
	for (name = o.out; name != NULL && *name; name = next) {
		if ((next = strchr(name, '\n')) != NULL)
			*next++ = '\0';
		if (!our_set(c, name))
			continue;
		const char *argv[] = { "ipset", "destroy", name, NULL };
		/*
		 * The nf_tables backend releases a deleted rule's set
		 * reference after the commit, in a worker: retry a moment.
		 */
		for (tries = 0;; tries++) {
			if (run(argv, NULL, &d, err, sizeof(err)) == -1) {
				fprintf(stderr, "nfqd-rules: %s\n", err);
				rc = -1;
				break;
			}
			if (d.rc == 0 || tries == 20 ||
			    strstr(d.err, "in use") == NULL) {
				if (d.rc != 0) {
					cmd_failed(argv, &d);
					rc = -1;
				}
				out_free(&d);
				break;
			}
			out_free(&d);
			usleep(100000);
		}
	}
	out_free(&o);
	return rc;
}

static int
cmd_remove(const struct conf *c)
{
	char	 err[ERRLEN];
	int	 n;

	/* A killed nfqd's eBPF programs stay attached: detach them first. */
	if ((n = bpfhook_remove_leftovers(err, sizeof(err))) == -1)
		fprintf(stderr, "nfqd-rules: fast path: %s\n", err);
	else if (n > 0)
		printf("nfqd-rules: detached %d fast-path program%s\n", n,
		    n == 1 ? "" : "s");
	if (remove_family(4) == -1 || remove_family(6) == -1)
		return 1;
	return remove_sets(c) == -1 ? 1 : 0;
}

/* ---- status ---- */

/*
 * status reads what is installed into one JSON object, then prints it as
 * text or, with --json, as it is:
 *
 *	{"config":PATH, "families":[{"family":4, "tool":"iptables",
 *	  "chains":[{"table","chain","state","rules"}],
 *	  "jumps":[{"table","chain","state","rule","of","spec"}],
 *	  "stray_jumps":[{"table","chain","spec"}]}, ...],
 *	 "sets":[{"name","state","elements"}], "sets_error":TEXT,
 *	 "leftover_sets":[NAME...],
 *	 "queues":[{"queue","bound","portid","waiting","copy_range",
 *	  "queue_dropped","user_dropped"}],
 *	 "status":"installed"|"partly installed"|"not installed",
 *	 "smtp":"queued"|"partly filtered"|"not filtered"}
 *
 * A chain's state is "as configured", "not as configured" or "missing"; a
 * jump's "present" or "missing".
 */
static cJSON *
status_obj(cJSON *arr)
{
	cJSON	*o = cJSON_CreateObject();

	if (o != NULL)
		cJSON_AddItemToArray(arr, o);
	return o;
}

static int
status_family(const struct conf *c, int family, cJSON *fams, bool *all,
    bool *none)
{
	struct script	 sc;
	struct saved	 s;
	size_t		 i, k, n, pos;
	bool		 found;
	cJSON		*f, *chains, *jumps, *stray, *o;

	if (script_make(c, family, &sc) == -1)
		return -1;
	if (save_load(family, &s) == -1) {
		free(sc.text);
		return -1;
	}
	f = status_obj(fams);
	cJSON_AddNumberToObject(f, "family", family);
	cJSON_AddStringToObject(f, "tool", family == 4 ? "iptables" :
	    "ip6tables");
	chains = cJSON_AddArrayToObject(f, "chains");
	jumps = cJSON_AddArrayToObject(f, "jumps");
	stray = cJSON_AddArrayToObject(f, "stray_jumps");
	for (size_t t = 0; t < 2; t++)
		for (k = 0; k < NOURS; k++) {
			const char *tb = tables[t], *ch = our_chains[k];

			if ((t == 1) != (k < NFILTER))
				continue;
			o = status_obj(chains);
			cJSON_AddStringToObject(o, "table", tb);
			cJSON_AddStringToObject(o, "chain", ch);
			if (!chain_exists(&s, tb, ch)) {
				cJSON_AddStringToObject(o, "state", "missing");
				*all = false;
				continue;
			}
			*none = false;
			for (i = n = 0; i < s.nr; i++)
				n += strcmp(s.r[i].table, tb) == 0 &&
				    strcmp(s.r[i].chain, ch) == 0;
			if (chain_matches(&sc, &s, tb, ch))
				cJSON_AddStringToObject(o, "state",
				    "as configured");
			else {
				cJSON_AddStringToObject(o, "state",
				    "not as configured");
				*all = false;
			}
			cJSON_AddNumberToObject(o, "rules", (double)n);
		}
	for (k = 0; k < sc.nj; k++) {
		found = false;
		for (i = pos = n = 0; i < s.nr; i++) {
			if (strcmp(s.r[i].table, sc.j[k].table) != 0 ||
			    strcmp(s.r[i].chain, sc.j[k].chain) != 0)
				continue;
			n++;
			if (!found && strcmp(s.r[i].spec, sc.j[k].spec) == 0) {
				found = true;
				pos = n;
			}
		}
		o = status_obj(jumps);
		cJSON_AddStringToObject(o, "table", sc.j[k].table);
		cJSON_AddStringToObject(o, "chain", sc.j[k].chain);
		cJSON_AddStringToObject(o, "state", found ? "present" :
		    "missing");
		if (found) {
			cJSON_AddNumberToObject(o, "rule", (double)pos);
			cJSON_AddNumberToObject(o, "of", (double)n);
			*none = false;
		} else
			*all = false;
		cJSON_AddStringToObject(o, "spec", sc.j[k].spec);
	}
	/* Jumps to our chains that the configuration does not make. */
	for (i = 0; i < s.nr; i++) {
		if (!is_ours(s.r[i].target) || is_ours(s.r[i].chain))
			continue;
		found = false;
		for (k = 0; k < sc.nj; k++)
			found |= strcmp(sc.j[k].table, s.r[i].table) == 0 &&
			    strcmp(sc.j[k].chain, s.r[i].chain) == 0 &&
			    strcmp(sc.j[k].spec, s.r[i].spec) == 0;
		if (!found) {
			o = status_obj(stray);
			cJSON_AddStringToObject(o, "table", s.r[i].table);
			cJSON_AddStringToObject(o, "chain", s.r[i].chain);
			cJSON_AddStringToObject(o, "spec", s.r[i].spec);
			*all = false;
			*none = false;
		}
	}
	saved_free(&s);
	free(sc.text);
	return 0;
}

static void
status_sets(const struct conf *c, cJSON *st, bool *all, bool *none)
{
	const char	*argv[] = { "ipset", "list", "-t", NULL };
	struct out	 o;
	char		 err[ERRLEN], name[64], want[64], *p;
	long		 count;
	cJSON		*sets, *left, *e;

	sets = cJSON_AddArrayToObject(st, "sets");
	left = cJSON_AddArrayToObject(st, "leftover_sets");
	if (run(argv, NULL, &o, err, sizeof(err)) == -1 || o.rc != 0) {
		if (o.err != NULL) {
			size_t n = strlen(o.err);

			while (n > 0 && o.err[n - 1] == '\n')
				n--;
			snprintf(err, sizeof(err), "`ipset list -t` failed "
			    "(exit %d)%s%.*s", o.rc, n ? ": " : "", (int)n,
			    o.err);
		}
		cJSON_AddStringToObject(st, "sets_error", err);
		out_free(&o);
		*all = false;
		return;
	}
	for (int af = 4; af <= 6; af += 2)
		for (int k = 0; k < IPSET_KINDS; k++)
			for (int tmp = 0; tmp < 2; tmp++) {
				snprintf(want, sizeof(want), "%s-%s%d%s",
				    c->ipset_prefix, set_kinds[k], af,
				    tmp ? "-tmp" : "");
				count = -1;
				for (p = o.out; (p = strstr(p, "Name: ")) !=
				    NULL; p++) {
					if (sscanf(p, "Name: %63s", name) != 1 ||
					    strcmp(name, want) != 0)
						continue;
					if ((p = strstr(p, "Number of entries: "))
					    != NULL)
						count = strtol(p + 19, NULL, 10);
					break;
				}
				if (tmp) {
					if (count >= 0)
						cJSON_AddItemToArray(left,
						    cJSON_CreateString(want));
					continue;
				}
				e = status_obj(sets);
				cJSON_AddStringToObject(e, "name", want);
				if (count < 0) {
					cJSON_AddStringToObject(e, "state",
					    "missing");
					*all = false;
				} else {
					cJSON_AddStringToObject(e, "state",
					    "present");
					cJSON_AddNumberToObject(e, "elements",
					    (double)count);
					*none = false;
				}
			}
	out_free(&o);
}

static void
status_queues(const struct conf *c, cJSON *st)
{
	FILE		*f;
	char		 line[256];
	unsigned	 q, portid, total, mode, range, qdrop, udrop, seq;
	bool		 bound;
	cJSON		*qs, *o;

	qs = cJSON_AddArrayToObject(st, "queues");
	for (unsigned i = c->queue_first;
	    i < (unsigned)c->queue_first + c->queue_count; i++) {
		bound = false;
		if ((f = fopen("/proc/net/netfilter/nfnetlink_queue", "r")) !=
		    NULL) {
			while (fgets(line, sizeof(line), f) != NULL)
				if (sscanf(line, "%u %u %u %u %u %u %u %u", &q,
				    &portid, &total, &mode, &range, &qdrop,
				    &udrop, &seq) == 8 && q == i) {
					bound = true;
					break;
				}
			fclose(f);
		}
		o = status_obj(qs);
		cJSON_AddNumberToObject(o, "queue", i);
		cJSON_AddBoolToObject(o, "bound", bound);
		if (!bound)
			continue;
		cJSON_AddNumberToObject(o, "portid", portid);
		cJSON_AddNumberToObject(o, "waiting", total);
		cJSON_AddNumberToObject(o, "copy_range", range);
		cJSON_AddNumberToObject(o, "queue_dropped", qdrop);
		cJSON_AddNumberToObject(o, "user_dropped", udrop);
	}
}

static const char *
jstr(const cJSON *o, const char *key)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : "";
}

static double
jnum(const cJSON *o, const char *key)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

/* The model as the lines an engineer reads. */
static void
status_text(const cJSON *st)
{
	const cJSON	*f, *o, *a;
	const char	*path = jstr(st, "config"), *state, *smtp;

	cJSON_ArrayForEach(f, cJSON_GetObjectItem(st, "families")) {
		printf("IPv%.0f (%s):\n", jnum(f, "family"), jstr(f, "tool"));
		cJSON_ArrayForEach(o, cJSON_GetObjectItem(f, "chains")) {
			state = jstr(o, "state");
			if (strcmp(state, "missing") == 0)
				printf("  chain %s %s: missing\n",
				    jstr(o, "table"), jstr(o, "chain"));
			else if (strcmp(state, "as configured") == 0)
				printf("  chain %s %s: %.0f rules, as "
				    "configured\n", jstr(o, "table"),
				    jstr(o, "chain"), jnum(o, "rules"));
			else
				printf("  chain %s %s: %.0f rules, NOT as "
				    "configured in %s (run install)\n",
				    jstr(o, "table"), jstr(o, "chain"),
				    jnum(o, "rules"), path);
		}
		cJSON_ArrayForEach(o, cJSON_GetObjectItem(f, "jumps")) {
			if (strcmp(jstr(o, "state"), "present") == 0)
				printf("  jump %s %s rule %.0f of %.0f: %s\n",
				    jstr(o, "table"), jstr(o, "chain"),
				    jnum(o, "rule"), jnum(o, "of"),
				    jstr(o, "spec"));
			else
				printf("  jump %s %s: missing: %s\n",
				    jstr(o, "table"), jstr(o, "chain"),
				    jstr(o, "spec"));
		}
		cJSON_ArrayForEach(o, cJSON_GetObjectItem(f, "stray_jumps"))
			printf("  stray jump %s %s: %s (install or remove "
			    "deletes it)\n", jstr(o, "table"),
			    jstr(o, "chain"), jstr(o, "spec"));
	}
	printf("ipsets:\n");
	if ((a = cJSON_GetObjectItem(st, "sets_error")) != NULL)
		printf("  %s\n", a->valuestring);
	cJSON_ArrayForEach(o, cJSON_GetObjectItem(st, "sets")) {
		if (strcmp(jstr(o, "state"), "missing") == 0)
			printf("  %s: missing\n", jstr(o, "name"));
		else
			printf("  %s: %.0f element%s\n", jstr(o, "name"),
			    jnum(o, "elements"), jnum(o, "elements") == 1 ?
			    "" : "s");
	}
	cJSON_ArrayForEach(o, cJSON_GetObjectItem(st, "leftover_sets"))
		printf("  %s: left over from an interrupted update (remove "
		    "or the next update deletes it)\n", o->valuestring);
	smtp = jstr(st, "smtp");
	printf("queues (/proc/net/netfilter/nfnetlink_queue):\n");
	cJSON_ArrayForEach(o, cJSON_GetObjectItem(st, "queues")) {
		if (cJSON_IsTrue(cJSON_GetObjectItem(o, "bound")))
			printf("  queue %.0f: bound (portid %.0f), %.0f "
			    "waiting, copy range %.0f, queue_dropped %.0f, "
			    "user_dropped %.0f%s\n", jnum(o, "queue"),
			    jnum(o, "portid"), jnum(o, "waiting"),
			    jnum(o, "copy_range"), jnum(o, "queue_dropped"),
			    jnum(o, "user_dropped"),
			    strcmp(smtp, "not filtered") == 0 ? "; but no "
			    "rule of nfqd's sends it packets" : "");
		else if (strcmp(smtp, "queued") == 0)
			printf("  queue %.0f: not bound: no nfqd on it, its "
			    "packets go to NFQD-DEGRADED\n", jnum(o, "queue"));
		else if (strcmp(smtp, "not filtered") == 0)
			printf("  queue %.0f: not bound, and no rule of "
			    "nfqd's sends it packets\n", jnum(o, "queue"));
		else
			printf("  queue %.0f: not bound: no nfqd on it; its "
			    "packets go to NFQD-DEGRADED only where the rules "
			    "above are in place\n", jnum(o, "queue"));
	}
	state = jstr(st, "status");
	if (strcmp(smtp, "not filtered") == 0)
		printf("status: %s: SMTP-port traffic through this router is "
		    "not filtered by nfqd\n", state);
	else if (strcmp(smtp, "partly filtered") == 0)
		printf("status: %s: some SMTP-port traffic may not be "
		    "filtered as configured (run install)\n", state);
	else
		printf("status: %s\n", state);
}

static int
cmd_status(const struct conf *c, bool json)
{
	bool	 all = true, none = true;
	cJSON	*st, *fams;
	char	*text;
	int	 rc;

	if ((st = cJSON_CreateObject()) == NULL ||
	    cJSON_AddStringToObject(st, "config", c->path) == NULL ||
	    (fams = cJSON_AddArrayToObject(st, "families")) == NULL) {
		fprintf(stderr, "nfqd-rules: out of memory\n");
		cJSON_Delete(st);
		return 1;
	}
	if (status_family(c, 4, fams, &all, &none) == -1 ||
	    status_family(c, 6, fams, &all, &none) == -1) {
		cJSON_Delete(st);
		return 1;
	}
	status_sets(c, st, &all, &none);
	status_queues(c, st);
	cJSON_AddStringToObject(st, "status", all ? "installed" : none ?
	    "not installed" : "partly installed");
	cJSON_AddStringToObject(st, "smtp", all ? "queued" : none ?
	    "not filtered" : "partly filtered");
	rc = all ? 0 : 1;
	if (!json)
		status_text(st);
	else if ((text = cJSON_PrintUnformatted(st)) != NULL) {
		printf("%s\n", text);
		free(text);
	} else {
		fprintf(stderr, "nfqd-rules: out of memory\n");
		rc = 1;
	}
	cJSON_Delete(st);
	return rc;
}

/* ---- print --nft: exception sets as nftables intervals ---- */

/*
 * nftables interval sets have no nomatch and refuse overlapping elements,
 * so "the most specific active entry decides" is resolved here: the
 * addresses a direction allows are each allowing entry's range minus the
 * ranges of the active entries inside it.  An element whose entry expires
 * gets the seconds until then as its timeout; when an entry inside a
 * larger allowing one expires, nftables cannot give its hole back to the
 * larger entry, so the kernel blocks there until the next regeneration
 * (never allows more than the policy).
 */
struct range {
	uint8_t	 lo[16], hi[16];
	int	 len;		/* prefix length, -1 for a plain range */
};

static void
prefix_range(const struct prefix *p, struct range *r)
{
	unsigned	 bits = p->addr.af == 4 ? 32 : 128, i;

	memcpy(r->lo, p->addr.b, 16);
	memcpy(r->hi, p->addr.b, 16);
	for (i = p->len; i < bits; i++)
		r->hi[i / 8] |= (uint8_t)(0x80 >> (i % 8));
	r->len = p->len;
}

static int
range_cmp(const void *a, const void *b)
{
	const struct range	*x = a, *y = b;
	int			 c = memcmp(x->lo, y->lo, 16);

	/* Same start: the larger range first. */
	return c ? c : x->len - y->len;
}

/* a + 1 (or - 1) in n bytes; true on wrap. */
static bool
addr_step(uint8_t *a, int n, int d)
{
	for (int i = n - 1; i >= 0; i--) {
		a[i] = (uint8_t)(a[i] + d);
		if ((d > 0 && a[i] != 0) || (d < 0 && a[i] != 0xff))
			return false;
	}
	return true;
}

static void
range_print(FILE *f, const char *hdr, int af, const uint8_t lo[16],
    const uint8_t hi[16], int len, bool *first)
{
	struct ip_addr	 a = { .af = (uint8_t)af }, b = { .af = (uint8_t)af };
	char		 s1[ADDR_STRLEN], s2[ADDR_STRLEN];

	memcpy(a.b, lo, 16);
	memcpy(b.b, hi, 16);
	addr_format(&a, s1, sizeof(s1));
	addr_format(&b, s2, sizeof(s2));
	fprintf(f, "%s", *first ? hdr : ", ");
	*first = false;
	if (len >= 0)
		fprintf(f, "%s/%d", s1, len);
	else if (memcmp(lo, hi, 16) == 0)
		fprintf(f, "%s", s1);
	else
		fprintf(f, "%s-%s", s1, s2);
}

/*
 * The hosts in quarantine.  An interval set refuses overlapping elements:
 * an entry inside another one in force is left out (the outer one blocks
 * its addresses already; should the outer one end first, the inner one
 * is back at the next regeneration).
 */
static void
nft_quarantine(const struct policy *pol, int64_t now, int af, FILE *f)
{
	const struct quar_list	*q = policy_quar(pol);
	char			 hdr[64];
	bool			 first = true, inside;
	size_t			 i, j;

	snprintf(hdr, sizeof(hdr), "add element inet nfqd q%d { ", af);
	for (i = 0; q != NULL && i < q->n; i++) {
		const struct quar_entry *e = &q->v[i];
		struct range r;

		if (e->pfx.addr.af != af || e->since > now || now >= e->until)
			continue;
		inside = false;
		for (j = 0; j < q->n && !inside; j++)
			inside = j != i && q->v[j].pfx.addr.af == af &&
			    q->v[j].pfx.len < e->pfx.len &&
			    q->v[j].since <= now && now < q->v[j].until &&
			    prefix_contains(&q->v[j].pfx, &e->pfx.addr);
		if (inside)
			continue;
		prefix_range(&e->pfx, &r);
		range_print(f, hdr, af, r.lo, r.hi, r.len, &first);
		fprintf(f, " timeout %llds", (long long)(e->until - now));
	}
	if (!first)
		fprintf(f, " }\n");
}

static int
nft_elements(const struct policy *pol, int64_t now, FILE *f)
{
	const struct exc_list	*x = &pol->exc;
	struct range		*kids, pr;
	size_t			 i, j, nk;
	uint8_t			 cur[16];
	int			 n;
	bool			 first, done;
	char			 hdr[64];

	if ((kids = calloc(x->n + 1, sizeof(*kids))) == NULL)
		return -1;
	for (int af = 4; af <= 6; af += 2) {
		n = af == 4 ? 4 : 16;
		for (int k = 1; k < 3; k++) {
			uint8_t need = k == 1 ? EXC_INBOUND : EXC_OUTBOUND;

			first = true;
			snprintf(hdr, sizeof(hdr), "add element inet nfqd "
			    "%s%d { ", set_kinds[k], af);
			for (i = 0; i < x->n; i++) {
				const struct exc_entry *e = &x->v[i];
				int64_t left;

				if (e->pfx.addr.af != af || !(e->dir & need) ||
				    (e->expires_at != 0 && now >= e->expires_at))
					continue;
				left = e->expires_at ? e->expires_at - now : 0;
				prefix_range(&e->pfx, &pr);
				for (j = nk = 0; j < x->n; j++) {
					const struct exc_entry *q = &x->v[j];

					if (j == i || q->pfx.addr.af != af ||
					    q->pfx.len <= e->pfx.len ||
					    !prefix_contains(&e->pfx,
					    &q->pfx.addr) || (q->expires_at &&
					    now >= q->expires_at))
						continue;
					prefix_range(&q->pfx, &kids[nk++]);
				}
				qsort(kids, nk, sizeof(*kids), range_cmp);
				/* The gaps between the holes. */
				memcpy(cur, pr.lo, 16);
				done = false;
				for (j = 0; j < nk && !done; j++) {
					uint8_t end[16];

					if (memcmp(kids[j].hi, cur, 16) < 0)
						continue;	/* nested */
					if (memcmp(kids[j].lo, cur, 16) > 0) {
						memcpy(end, kids[j].lo, 16);
						addr_step(end, n, -1);
						range_print(f, hdr, af, cur, end,
						    nk ? -1 : pr.len, &first);
						if (left)
							fprintf(f, " timeout "
							    "%llds",
							    (long long)left);
					}
					memcpy(cur, kids[j].hi, 16);
					done = addr_step(cur, n, 1) ||
					    memcmp(cur, pr.hi, 16) > 0;
				}
				if (!done) {
					range_print(f, hdr, af, cur, pr.hi,
					    nk ? -1 : pr.len, &first);
					if (left)
						fprintf(f, " timeout %llds",
						    (long long)left);
				}
			}
			if (!first)
				fprintf(f, " }\n");
		}
		nft_quarantine(pol, now, af, f);
	}
	free(kids);
	return fflush(f) == EOF ? -1 : 0;
}

static int
cmd_print(const struct policy *pol, bool nft)
{
	int64_t	 now = (int64_t)time(NULL);
	char	 ts[WHEN_STRLEN];

	if (nft) {
		when_format(now, WHEN_TEXT, ts, sizeof(ts));
		if (rules_nft(&pol->conf, stdout) == -1)
			goto fail;
		printf("\n# The exception sets (and quarantine), from %s as "
		    "of %s.  Timeouts "
		    "count from loading:\n# generate this right before "
		    "`nft -f` (nfqd-rules print --nft | nft -f -), and\n"
		    "# again whenever the list changes or an entry expires."
		    "\n", pol->conf.exceptions, ts);
		if (nft_elements(pol, now, stdout) == -1)
			goto fail;
		return 0;
	}
	if (ipset_script(pol, now, stdout) == -1) {
		fprintf(stderr, "nfqd-rules: ipset input: %s\n",
		    errno == E2BIG ? "too many elements for one set" :
		    strerror(errno));
		return 1;
	}
	printf("\n");
	if (rules_script(&pol->conf, 4, stdout) == -1)
		goto fail;
	printf("\n");
	if (rules_script(&pol->conf, 6, stdout) == -1)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "nfqd-rules: writing: %s\n", strerror(errno));
	return 1;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config",	required_argument,	NULL, 'c' },
		{ "nft",	no_argument,		NULL, 'N' },
		{ "json",	no_argument,		NULL, 'J' },
		{ "help",	no_argument,		NULL, 'h' },
		{ "version",	no_argument,		NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const char	*path = DEFAULT_CONF, *cmd;
	char		 err[ERRLEN];
	bool		 nft = false, json = false;
	int		 ch, rc;
	struct policy	*pol;
	struct conf	 c;

	opterr = 0;		/* our own message, then the usage */
	while ((ch = getopt_long(argc, argv, ":c:hV", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': path = optarg; break;
		case 'N': nft = true; break;
		case 'J': json = true; break;
		case 'h': usage(0);
		case 'V': printf("nfqd-rules %s\n", NFQD_VERSION); return 0;
		case ':': usage_error("%s needs an argument", argv[optind - 1]);
		default:
			if (optopt != 0)
				usage_error("unknown option -%c", optopt);
			usage_error("unknown option %s", argv[optind - 1]);
		}
	}
	if (optind == argc)
		usage_error("no command given");
	if (optind + 1 != argc)
		usage_error("one command at a time: unexpected '%s'",
		    argv[optind + 1]);
	cmd = argv[optind];
	if (strcmp(cmd, "install") != 0 && strcmp(cmd, "remove") != 0 &&
	    strcmp(cmd, "status") != 0 && strcmp(cmd, "print") != 0)
		usage_error("unknown command '%s'", cmd);
	if (nft && strcmp(cmd, "print") != 0)
		usage_error("--nft goes with print only");
	if (json && strcmp(cmd, "status") != 0)
		usage_error("--json goes with status only");
	signal(SIGPIPE, SIG_DFL);

	if (strcmp(cmd, "install") == 0 || strcmp(cmd, "print") == 0) {
		if ((pol = policy_load(path, err, sizeof(err))) == NULL) {
			fprintf(stderr, "nfqd-rules: %s\n", err);
			return 2;
		}
		rc = cmd[0] == 'i' ? cmd_install(pol) : cmd_print(pol, nft);
		policy_free(pol);
		return rc;
	}
	/* Only the configuration: a broken exception list must not stop these. */
	if (conf_load(path, &c, err, sizeof(err)) == -1) {
		fprintf(stderr, "nfqd-rules: %s\n", err);
		return 2;
	}
	rc = cmd[0] == 'r' ? cmd_remove(&c) : cmd_status(&c, json);
	conf_free(&c);
	return rc;
}
