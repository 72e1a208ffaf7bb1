/*
 * nfqd-rules install and remove: the degraded-mode sets, then per family
 * the chains (iptables-restore --noflush) and the jumps to them.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/defs.h"
#include "kernel/bpfhook.h"
#include "rules/nfqd-rules.h"

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

/*
 * The restore input (into *del, NULL when there is nothing to do) that
 * deletes the jumps to our chains the script does not make, from the
 * chains we jump from: a second copy of a current jump, and ones from an
 * older configuration (other smtp-ports).  0, or -1 out of memory.
 */
static int
jumps_stale(const struct script *sc, const struct saved *s, char **del,
    size_t *dlen)
{
	bool	 keep[16];
	size_t	 i, k;

	memset(keep, 0, sizeof(keep));
	for (size_t t = 0; t < 2; t++) {
		bool	 any = false;

		for (i = 0; i < s->nr; i++) {
			bool	 from = false, good = false;

			if (strcmp(s->r[i].table, tables[t]) != 0 ||
			    !is_ours(s->r[i].target) || is_ours(s->r[i].chain))
				continue;
			for (k = 0; k < sc->nj; k++) {
				const struct jump *j = &sc->j[k];

				if (strcmp(j->table, tables[t]) != 0 ||
				    strcmp(j->chain, s->r[i].chain) != 0)
					continue;
				from = true;
				if (!keep[k] && strcmp(j->spec,
				    s->r[i].spec) == 0) {
					keep[k] = good = true;
					break;
				}
			}
			if (!from || good)
				continue;
			if ((!any && buf_add(del, dlen, "*%s\n",
			    tables[t]) == -1) || buf_add(del, dlen,
			    "-D %s %s\n", s->r[i].chain, s->r[i].spec) == -1)
				return -1;
			any = true;
		}
		if (any && buf_add(del, dlen, "COMMIT\n") == -1)
			return -1;
	}
	return 0;
}

/* Jump k of the script: -C, then -I 1 (first) or -A (last) when it is
 * missing.  0, or -1 said. */
static int
jump_ensure(const struct script *sc, size_t k, const char *ipt)
{
	const struct jump *j = &sc->j[k];
	const char	*check[] = { ipt, "-w", "-t", j->table, "-C", j->chain,
			    NULL };
	const char	*ins_first[] = { ipt, "-w", "-t", j->table, "-I",
			    j->chain, "1", NULL };
	const char	*ins_last[] = { ipt, "-w", "-t", j->table, "-A",
			    j->chain, NULL };
	const char	*argv[48];
	char		 buf[256], err[ERRLEN];
	struct out	 o;

	if (spec_argv(check, j->spec, buf, sizeof(buf), argv, 48) == -1)
		goto nomem;
	if (run(argv, NULL, &o, err, sizeof(err)) == -1) {
		fprintf(stderr, "nfqd-rules: %s\n", err);
		return -1;
	}
	if (o.rc == 0) {
		out_free(&o);
		return 0;
	}
	if (o.rc != 1) {
		cmd_failed(argv, &o);
		out_free(&o);
		return -1;
	}
	out_free(&o);
	if (spec_argv(j->first ? ins_first : ins_last, j->spec, buf,
	    sizeof(buf), argv, 48) == -1)
		goto nomem;
	if (run_ok(argv, NULL, &o) == -1)
		return -1;
	out_free(&o);
	return 0;
nomem:
	fprintf(stderr, "nfqd-rules: out of memory\n");
	return -1;
}

/* One family: the chains restored, stale jumps deleted, every jump of
 * the script in place.  0, or -1 said. */
static int
install_family(const struct conf *c, int family)
{
	struct script	 sc;
	struct saved	 s;
	struct out	 o;
	char		*del = NULL;
	size_t		 dlen = 0;
	const char	*ipt = family == 4 ? "iptables" : "ip6tables";
	int		 rc = -1;

	memset(&s, 0, sizeof(s));
	if (script_make(c, family, &sc) == -1)
		return -1;
	if (run_ok(tool(family, "restore"), sc.text, &o) == -1)
		goto out;
	out_free(&o);
	if (save_load(family, &s) == -1)
		goto out;
	if (jumps_stale(&sc, &s, &del, &dlen) == -1) {
		fprintf(stderr, "nfqd-rules: out of memory\n");
		goto out;
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
	for (size_t kk = 0; kk < sc.nj; kk++)
		if (jump_ensure(&sc, sc.j[kk].first ? first_rev(&sc, kk) : kk,
		    ipt) == -1)
			goto out;
	rc = 0;
out:
	saved_free(&s);
	free(del);
	free(sc.text);
	return rc;
}

int
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

int
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
