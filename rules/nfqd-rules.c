/*
 * nfqd-rules: install, remove and inspect nfqd's netfilter rules and its
 * degraded-mode ipsets.
 *
 *	nfqd-rules [-c CONF] install|remove|status|print [--json] [--nft]
 *	nfqd-rules -h | -V
 *
 * It only ever touches nfqd's own chains (filter NFQD, NFQD-DEGRADED,
 * NFQD-DACCEPT, mangle NFQD-QUEUE, NFQD-SAVE, NFQD-QSRC, NFQD-QDST), the
 * rules that jump to them and the <prefix>-* sets.  Exit status: 0
 * success (status: fully installed), 1 a command failed (status: partly
 * or not installed), 2 usage or configuration error.
 *
 * The pieces: iptables.c (running the tools, reading their rules),
 * install.c (install, remove), status.c, with nfqd-rules.h; this file is
 * the command line and print.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/defs.h"
#include "base/when.h"
#include "base/addr.h"
#include "policy/conf.h"
#include "policy/exceptions.h"
#include "policy/quarantine.h"
#include "policy/policy.h"
#include "kernel/ipset.h"
#include "kernel/rules.h"
#include "rules/nfqd-rules.h"

#define DEFAULT_CONF	"/etc/nfqd/nfqd.conf"

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
