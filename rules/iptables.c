/*
 * nfqd-rules: running iptables and friends, reading what iptables-save
 * prints, and reading what rules.c says, so that install and status can
 * compare the two.
 */
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/defs.h"
#include "kernel/rules.h"
#include "rules/nfqd-rules.h"

const char *const our_chains[] = {
	"NFQD", "NFQD-DEGRADED", "NFQD-DACCEPT", "NFQD-QUEUE", "NFQD-SAVE",
	"NFQD-QSRC", "NFQD-QDST"
};
_Static_assert(sizeof(our_chains) / sizeof(our_chains[0]) == NOURS,
    "NOURS counts our_chains");
const char *const tables[] = { "mangle", "filter" };

/* ---- running commands ---- */

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
int
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

void
out_free(struct out *o)
{
	free(o->out);
	free(o->err);
	memset(o, 0, sizeof(*o));
}

/* "`iptables-restore --noflush` failed (exit 1): <stderr>" */
void
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
int
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

void
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

bool
chain_exists(const struct saved *s, const char *table, const char *chain)
{
	for (size_t i = 0; i < s->nchains; i++)
		if (strcmp(s->chains[i][0], table) == 0 &&
		    strcmp(s->chains[i][1], chain) == 0)
			return true;
	return false;
}

bool
is_ours(const char *chain)
{
	for (size_t i = 0; i < NOURS; i++)
		if (strcmp(chain, our_chains[i]) == 0)
			return true;
	return false;
}

const char *const *
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

int
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

int
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
bool
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
