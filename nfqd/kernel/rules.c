/*
 * nfqd's own netfilter rules, as `iptables-restore --noflush` input (one
 * family at a time) and as the equivalent nftables ruleset.
 *
 * A queue rule with --queue-bypass and no process bound to the queue does
 * not fall through to the next rule: the kernel accepts the packet in that
 * hook and goes on with the next hook (nf_queue() returns 1,
 * nf_hook_slow() `continue`s; measured here: a DROP rule right after the
 * NFQUEUE rule was never reached and the packet showed up in the security
 * table).  So the queue sits in the mangle table (FORWARD, priority -150)
 * and everything that decides sits in the filter table (priority 0), which
 * every queued packet reaches afterwards -- whether the daemon accepted it
 * or nobody was bound:
 *
 *  mangle FORWARD     -A ... --ports <smtp> -j NFQD-QUEUE   (appended, so
 *                     the site's own mangle rules, e.g. TCPMSS, run first);
 *                     IPv6 also -p mobility-header, hip, shim6: TCP behind
 *                     those headers, which ip6tables cannot look through
 *                     and nfqd's parser does
 *  mangle NFQD-QUEUE  connmark B -> RETURN       allowed connection
 *                     mark R -> RETURN           the daemon's NF_REPEAT of
 *                                                a blocked packet
 *                     connmark A -> mark A       tells a restarted nfqd
 *                                                that it allowed this one
 *                     NFQUEUE --queue-bypass
 *                     (queues = N-M: steering to NFQD-QSRC, NFQD-QDST
 *                     first, below)
 *  filter FORWARD     -I 1 ... --ports <smtp> -j NFQD (and the IPv6
 *                     headers above)
 *  filter NFQD        mark R -> REJECT tcp-reset (reject = yes)
 *                     connmark B, mark B -> ACCEPT   nfqd allowed it
 *                     mark A -> ACCEPT           nfqd allowed it (still
 *                                                inspecting), or allowed
 *                                                its connection before
 *                     -> NFQD-DEGRADED           anything else: nobody
 *                                                gave a verdict
 *  filter NFQD-DEGRADED  the policy from the ipsets (ipset.c), for a
 *                     connection's opening SYN only: what conntrack
 *                     cannot place, IPv6 not TCP, IPv4-mapped IPv6
 *                     addresses, what is not an opening (a connection
 *                     nobody allowed) and a SYN from an SMTP port to
 *                     another port meet the final verdict; then a host in
 *                     quarantine (<prefix>-q4/6) is refused, at either
 *                     end, before any exception can allow it; then a
 *                     harvest-blocked source (<prefix>-hb4/6) to campus;
 *                     a SYN the policy allows goes to NFQD-DACCEPT
 *  filter NFQD-DACCEPT   connmark A, then ACCEPT: the rest of the
 *                     connection passes NFQD's mark A rule (and a nfqd
 *                     that comes back resumes it)
 *  mangle POSTROUTING -I 1 -j NFQD-SAVE
 *  mangle NFQD-SAVE   TCP with mark B -> CONNMARK --save-mark --mask B
 *                     TCP with mark A -> CONNMARK --save-mark --mask A
 *                     (TCP only: conntrack tracks IPv6 behind a mobility
 *                     header as one flow per address pair, so nfqd's
 *                     verdict for such a packet stays the packet's)
 *
 * Nothing accepts an established connection for being established: a
 * packet passes as nfqd's (marks A, B), as a connection nfqd or the
 * degraded policy allowed at its SYN (connmarks A, B), or not at all.
 *
 * The jumps are not part of the restore input (--noflush cannot check
 * for a rule): they are listed as "# jump: TABLE CHAIN first|last RULE"
 * comment lines, which nfqd-rules reads and applies with -C and -I/-A.
 *
 * Rules are written exactly as iptables-save 1.8.9 prints them, so that
 * `nfqd-rules status` can compare what is installed with the config.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kernel/rules.h"
#include "base/addr.h"
#include "policy/conf.h"

#define MULTIPORT_MAX	15	/* ports in one multiport match */

/*
 * IPv6 headers that hide TCP from ip6tables' -p tcp (it looks through
 * hop-by-hop, routing, fragment, AH and destination options only) and
 * that nfqd's parser walks (pkt.c): named as ip6tables-save prints them.
 */
static const char *const nexthdrs[] = { "mobility-header", "hip", "shim6" };
#define NEXTHDRS	(int)(sizeof(nexthdrs) / sizeof(nexthdrs[0]))
#define NEXTHDRS_NFT	"135, 139, 140"	/* the same, for nft */

/* The SMTP ports in multiport lists of at most 15; returns how many. */
static int
port_lists(const struct conf *c, char lists[][MULTIPORT_MAX * 6 + 1])
{
	int	 n = 0;
	size_t	 i, len = 0;

	for (i = 0; i < c->nports; i++) {
		if (i % MULTIPORT_MAX == 0) {
			n++;
			len = 0;
			lists[n - 1][0] = '\0';
		}
		len += (size_t)snprintf(lists[n - 1] + len,
		    MULTIPORT_MAX * 6 + 1 - len, "%s%u", len ? "," : "",
		    c->ports[i]);
	}
	return n;
}

/*
 * More than one queue: every packet of a connection must meet the same
 * worker, whatever conntrack makes of it (a packet it calls INVALID has
 * no direction), or one worker could decide a tuple another has already
 * decided; and every connection of a campus host must meet the same
 * worker, or its detections (bulk sender, relay) would count only the
 * share of its connections that hashed to each queue.  So a packet goes
 * to the queue of its campus end, chosen by that address's low bits (u32
 * match: the last 32-bit word of the address): the source when it is
 * internal, else the destination; both internal, or neither (transit),
 * the address-pair hash of --queue-balance, the same both ways.  A flood
 * at one campus host meets one worker; past the queue's length the
 * kernel's fail-open hands it to the degraded policy (docs/security.md).
 *
 * Buckets: the queue count when it is a power of two, else the power of
 * two at least four times it (the queues' shares then differ by at most
 * one bucket in sixteen).
 */
static unsigned
steer_buckets(const struct conf *c)
{
	unsigned	 n = c->queue_count, b = 1;

	while (b < n)
		b <<= 1;
	if (b != n)
		while (b < 4 * n)
			b <<= 1;
	return b;
}

/* NFQD-QSRC and NFQD-QDST: one NFQUEUE rule per bucket of the address. */
static void
steer_chains(const struct conf *c, int family, FILE *f)
{
	/* The last 32-bit word of the source and destination addresses. */
	const unsigned	 off[2] = { family == 4 ? 12 : 20, family == 4 ? 16 : 36 };
	unsigned	 b, nb = steer_buckets(c);

	for (int k = 0; k < 2; k++)
		for (b = 0; b < nb; b++)
			fprintf(f, "-A NFQD-Q%s -m u32 --u32 "
			    "\"0x%x&0x%x=0x%x\" -j NFQUEUE --queue-num %u "
			    "--queue-bypass\n",
			    k ? "DST" : "SRC", off[k], nb - 1, b,
			    c->queue_first + b % c->queue_count);
}

static void
queue_target(const struct conf *c, char *buf, size_t len)
{
	if (c->queue_count <= 1)
		snprintf(buf, len, "--queue-num %u", c->queue_first);
	else
		snprintf(buf, len, "--queue-balance %u:%u", c->queue_first,
		    c->queue_first + c->queue_count - 1);
}

/* What every rule of one family's iptables input is written with. */
struct ipt {
	int		 family;	/* 4 or 6 */
	char		 ports[64 / MULTIPORT_MAX + 1][MULTIPORT_MAX * 6 + 1];
	int		 np;		/* multiport lists */
	char		 q[64];		/* the NFQUEUE target's options */
	char		 B[16], R[16], A[16];	/* the marks, 0x... */
	char		 ints[40], in[40], out[40], quar[40], hb[40]; /* sets */
	const char	*final;		/* a connection the policy refuses */
	const char	*block;		/* a refused opening SYN */
	bool		 monitor;
};

static void
ipt_init(const struct conf *c, int family, struct ipt *t)
{
	const char	*p = c->ipset_prefix;

	t->family = family;
	t->monitor = c->mode == MODE_MONITOR;
	t->np = port_lists(c, t->ports);
	queue_target(c, t->q, sizeof(t->q));
	snprintf(t->B, sizeof(t->B), "0x%x", c->mark_bypass);
	snprintf(t->R, sizeof(t->R), "0x%x", c->mark_reject);
	snprintf(t->A, sizeof(t->A), "0x%x", c->mark_allowed);
	snprintf(t->ints, sizeof(t->ints), "%s-int%d", p, family);
	snprintf(t->in, sizeof(t->in), "%s-in%d", p, family);
	snprintf(t->out, sizeof(t->out), "%s-out%d", p, family);
	snprintf(t->quar, sizeof(t->quar), "%s-q%d", p, family);
	snprintf(t->hb, sizeof(t->hb), "%s-hb%d", p, family);
	/* What the kernel does to a connection the policy refuses. */
	t->final = t->monitor ? "-j ACCEPT" : "-j DROP";
	t->block = t->monitor ? "-j ACCEPT" : c->reject ?
	    "-j REJECT --reject-with tcp-reset" : "-j DROP";
}

/* The header, and the jumps nfqd-rules adds itself (see the top). */
static void
ipt_jumps(const struct conf *c, const struct ipt *t, FILE *f)
{
	int	 i, family = t->family;

	fprintf(f, "# nfqd rules for IPv%d: %s --noflush input, from %s\n",
	    family, family == 4 ? "iptables-restore" : "ip6tables-restore",
	    c->path);
	fprintf(f, "# Applied by `nfqd-rules install`, which then adds these "
	    "jumps (with -C first):\n");
	for (i = 0; i < t->np; i++)
		fprintf(f, "# jump: filter FORWARD first -p tcp -m multiport "
		    "--ports %s -j NFQD\n", t->ports[i]);
	for (i = 0; family == 6 && i < NEXTHDRS; i++)
		fprintf(f, "# jump: filter FORWARD first -p %s -j NFQD\n",
		    nexthdrs[i]);
	for (i = 0; i < t->np; i++)
		fprintf(f, "# jump: mangle FORWARD last -p tcp -m multiport "
		    "--ports %s -j NFQD-QUEUE\n", t->ports[i]);
	for (i = 0; family == 6 && i < NEXTHDRS; i++)
		fprintf(f, "# jump: mangle FORWARD last -p %s -j NFQD-QUEUE\n",
		    nexthdrs[i]);
	fprintf(f, "# jump: mangle POSTROUTING first -j NFQD-SAVE\n");
}

/* The mangle table: NFQD-QUEUE (and its steering), NFQD-SAVE. */
static void
ipt_mangle(const struct conf *c, const struct ipt *t, FILE *f)
{
	const char	*B = t->B, *R = t->R, *A = t->A;

	fprintf(f, "*mangle\n"
	    ":NFQD-QDST - [0:0]\n"
	    ":NFQD-QSRC - [0:0]\n"
	    ":NFQD-QUEUE - [0:0]\n"
	    ":NFQD-SAVE - [0:0]\n");
	fprintf(f, "-A NFQD-QUEUE -m connmark --mark %s/%s -j RETURN\n", B, B);
	fprintf(f, "-A NFQD-QUEUE -m mark --mark %s/%s -j RETURN\n", R, R);
	fprintf(f, "-A NFQD-QUEUE -j CONNMARK --restore-mark --nfmask %s "
	    "--ctmask %s\n", A, A);
	if (c->queue_count > 1) {
		/* The campus end, both ways (steer_buckets). */
		fprintf(f, "-A NFQD-QUEUE -m set --match-set %s src -m set "
		    "--match-set %s dst -j NFQUEUE %s --queue-bypass\n",
		    t->ints, t->ints, t->q);
		fprintf(f, "-A NFQD-QUEUE -m set --match-set %s src "
		    "-g NFQD-QSRC\n", t->ints);
		fprintf(f, "-A NFQD-QUEUE -m set --match-set %s dst "
		    "-g NFQD-QDST\n", t->ints);
	}
	fprintf(f, "-A NFQD-QUEUE -j NFQUEUE %s --queue-bypass\n", t->q);
	fprintf(f, "-A NFQD-SAVE -p tcp -m mark --mark %s/%s -j CONNMARK "
	    "--save-mark --nfmask %s --ctmask %s\n", B, B, B, B);
	fprintf(f, "-A NFQD-SAVE -p tcp -m mark --mark %s/%s -j CONNMARK "
	    "--save-mark --nfmask %s --ctmask %s\n", A, A, A, A);
	if (c->queue_count > 1)
		steer_chains(c, t->family, f);
	fprintf(f, "COMMIT\n");
}

/* The filter table's NFQD (what the daemon said) and NFQD-DACCEPT. */
static void
ipt_decide(const struct conf *c, const struct ipt *t, FILE *f)
{
	const char	*B = t->B, *R = t->R, *A = t->A;

	fprintf(f, "*filter\n"
	    ":NFQD - [0:0]\n"
	    ":NFQD-DACCEPT - [0:0]\n"
	    ":NFQD-DEGRADED - [0:0]\n");
	if (c->reject)
		fprintf(f, "-A NFQD -p tcp -m mark --mark %s/%s -j REJECT "
		    "--reject-with tcp-reset\n", R, R);
	fprintf(f, "-A NFQD -m connmark --mark %s/%s -j ACCEPT\n", B, B);
	fprintf(f, "-A NFQD -m mark --mark %s/%s -j ACCEPT\n", B, B);
	fprintf(f, "-A NFQD -m mark --mark %s/%s -j ACCEPT\n", A, A);
	fprintf(f, "-A NFQD -j NFQD-DEGRADED\n");
	fprintf(f, "-A NFQD-DACCEPT -j CONNMARK --set-xmark %s/%s\n", A, A);
	fprintf(f, "-A NFQD-DACCEPT -j ACCEPT\n");
}

/* NFQD-DEGRADED: the policy from the ipsets, then the filter's COMMIT. */
static void
ipt_degraded(const struct conf *c, const struct ipt *t, FILE *f)
{
	const char	*final = t->final, *block = t->block;
	const char	*ints = t->ints;
	int		 i;

	/* Only an opening SYN is judged here (see the top of the file). */
	fprintf(f, "-A NFQD-DEGRADED -m conntrack --ctstate INVALID,UNTRACKED "
	    "%s\n", final);
	fprintf(f, "-A NFQD-DEGRADED ! -p tcp %s\n", final);
	/*
	 * An IPv4-mapped or -compatible address: nfqd decides it as the
	 * IPv4 host it carries (addr_unmap); the sets cannot, so refused.
	 */
	for (i = 0; t->family == 6 && i < 4; i++)
		fprintf(f, "-A NFQD-DEGRADED -%c %s %s\n", i % 2 ? 'd' : 's',
		    i < 2 ? "::ffff:0.0.0.0/96" : "::/96", final);
	fprintf(f, "-A NFQD-DEGRADED -p tcp -m tcp ! --tcp-flags "
	    "FIN,SYN,RST,ACK SYN %s\n", final);
	fprintf(f, "-A NFQD-DEGRADED -p tcp");
	for (i = 0; i < t->np; i++)
		fprintf(f, " -m multiport ! --dports %s", t->ports[i]);
	fprintf(f, " %s\n", block);
	/* Quarantine: to or from the host, whatever else applies. */
	if (!t->monitor)
		for (i = 0; i < 2; i++)
			fprintf(f, "-A NFQD-DEGRADED %s-m set --match-set %s %s "
			    "%s\n", c->reject ? "-p tcp " : "", t->quar,
			    i ? "dst" : "src", block);
	/* A harvest block: the source, to campus, whatever else applies. */
	if (!t->monitor)
		fprintf(f, "-A NFQD-DEGRADED %s-m set --match-set %s src -m set "
		    "--match-set %s dst %s\n", c->reject ? "-p tcp " : "",
		    t->hb, ints, block);
	fprintf(f, "-A NFQD-DEGRADED -m set --match-set %s src -m set "
	    "--match-set %s dst -j NFQD-DACCEPT\n", ints, ints);
	/* iptables-save puts -p first: so do we, for status to compare. */
	fprintf(f, "-A NFQD-DEGRADED %s-m set ! --match-set %s src -m set "
	    "! --match-set %s dst %s\n",
	    c->transit == TRANSIT_BLOCK && c->reject && !t->monitor ?
	    "-p tcp " : "", ints, ints,
	    c->transit == TRANSIT_ALLOW ? "-j NFQD-DACCEPT" : block);
	fprintf(f, "-A NFQD-DEGRADED -m set ! --match-set %s src -m set "
	    "--match-set %s dst -j NFQD-DACCEPT\n", ints, t->in);
	fprintf(f, "-A NFQD-DEGRADED -m set --match-set %s src -m set "
	    "! --match-set %s dst -j NFQD-DACCEPT\n", t->out, ints);
	if (c->reject && !t->monitor)
		fprintf(f, "-A NFQD-DEGRADED -p tcp -j REJECT --reject-with "
		    "tcp-reset\n");
	fprintf(f, "-A NFQD-DEGRADED %s\n", final);
	fprintf(f, "COMMIT\n");
}

int
rules_script(const struct conf *c, int family, FILE *f)
{
	struct ipt	 t;

	if ((family != 4 && family != 6) || c->nports == 0) {
		errno = EINVAL;
		return -1;
	}
	ipt_init(c, family, &t);
	ipt_jumps(c, &t, f);
	ipt_mangle(c, &t, f);
	ipt_decide(c, &t, f);
	ipt_degraded(c, &t, f);
	if (fflush(f) == EOF || ferror(f))
		return -1;
	return 0;
}

/*
 * The same for nftables, one table for both families.  Its exception sets
 * are declared here and filled by `nfqd-rules print --nft` (nftables sets
 * have no nomatch: the most specific entry is resolved into plain
 * intervals there).  As with iptables, `queue ... bypass` with nobody bound
 * accepts in that hook, so the queue is in a chain of its own at mangle
 * priority and the decision in one at filter priority.
 */

/* What every rule of the nftables ruleset is written with. */
struct nft {
	char		 ports[64 * 6 + 1];	/* "25, 465" */
	char		 B[16], R[16], A[16];	/* the marks, 0x%08x */
	const char	*final;		/* a connection the policy refuses */
	const char	*block;		/* a refused opening SYN */
	bool		 monitor;
};

static void
nft_init(const struct conf *c, struct nft *t)
{
	size_t	 i, len = 0;

	t->monitor = c->mode == MODE_MONITOR;
	for (i = 0; i < c->nports; i++)
		len += (size_t)snprintf(t->ports + len, sizeof(t->ports) - len,
		    "%s%u", i ? ", " : "", c->ports[i]);
	snprintf(t->B, sizeof(t->B), "0x%08x", c->mark_bypass);
	snprintf(t->R, sizeof(t->R), "0x%08x", c->mark_reject);
	snprintf(t->A, sizeof(t->A), "0x%08x", c->mark_allowed);
	t->final = t->monitor ? "accept" : "drop";
	t->block = t->monitor ? "accept" : c->reject ?
	    "meta l4proto tcp reject with tcp reset" : "drop";
}

/* The header, and the sets: int4/6 filled here, the rest declared. */
static void
nft_sets(const struct conf *c, FILE *f)
{
	char	 a[PREFIX_STRLEN];
	size_t	 i;
	bool	 first;

	fprintf(f, "# nfqd rules for nftables (nft -f), from %s\n", c->path);
	fprintf(f, "# Loading this file replaces table inet nfqd.\n");
	fprintf(f, "table inet nfqd\ndelete table inet nfqd\n\n");
	fprintf(f, "table inet nfqd {\n");
	for (int af = 4; af <= 6; af += 2) {
		fprintf(f, "\tset int%d {\n\t\ttype %s\n"
		    "\t\tflags interval\n\t\tauto-merge\n", af,
		    af == 4 ? "ipv4_addr" : "ipv6_addr");
		first = true;
		for (i = 0; i < c->ninternal; i++) {
			if (c->internal[i].addr.af != af)
				continue;
			prefix_format(&c->internal[i], a, sizeof(a));
			fprintf(f, "%s%s", first ? "\t\telements = { " : ", ",
			    a);
			first = false;
		}
		if (!first)
			fprintf(f, " }\n");
		fprintf(f, "\t}\n\n");
	}
	for (int af = 4; af <= 6; af += 2)
		for (int k = 0; k < 4; k++)
			fprintf(f, "\tset %s%d {\n\t\ttype %s\n"
			    "\t\tflags interval, timeout\n\t}\n\n",
			    k == 3 ? "hb" : k == 2 ? "q" : k ? "out" : "in", af,
			    af == 4 ? "ipv4_addr" : "ipv6_addr");
}

/* Queue: every port-25 packet not yet decided. */
static void
nft_queue(const struct conf *c, const struct nft *t, FILE *f)
{
	const char	*B = t->B, *R = t->R, *A = t->A;

	fprintf(f, "\tchain forward_mangle {\n"
	    "\t\ttype filter hook forward priority mangle; policy accept;\n"
	    "\t\ttcp dport { %s } goto enqueue\n"
	    "\t\ttcp sport { %s } goto enqueue\n"
	    "\t\tmeta nfproto ipv6 meta l4proto { %s } goto enqueue\n"
	    "\t}\n\n", t->ports, t->ports, NEXTHDRS_NFT);
	fprintf(f, "\tchain enqueue {\n"
	    "\t\tct mark & %s == %s return\n"
	    "\t\tmeta mark & %s == %s return\n"
	    "\t\tct mark & %s == %s meta mark set meta mark | %s\n",
	    B, B, R, R, A, A, A);
	if (c->queue_count <= 1)
		fprintf(f, "\t\tqueue num %u bypass\n", c->queue_first);
	else {
		/* The campus end's queue, both ways (steer_buckets). */
		for (int af = 4; af <= 6; af += 2) {
			const char	*ip = af == 4 ? "ip" : "ip6";

			fprintf(f, "\t\t%s saddr @int%d %s daddr @int%d queue "
			    "num %u-%u bypass\n", ip, af, ip, af,
			    c->queue_first, c->queue_first + c->queue_count - 1);
			for (int k = 0; k < 2; k++)
				fprintf(f, "\t\t%s %s @int%d queue flags bypass "
				    "to jhash %s %s mod %u offset %u\n", ip,
				    k ? "daddr" : "saddr", af, ip,
				    k ? "daddr" : "saddr", c->queue_count,
				    c->queue_first);
		}
		/* The pair hash, as --queue-balance (not fanout: by CPU). */
		fprintf(f, "\t\tqueue num %u-%u bypass\n",
		    c->queue_first, c->queue_first + c->queue_count - 1);
	}
	fprintf(f, "\t}\n\n");
}

/* Decision: what the daemon said, else the degraded policy. */
static void
nft_decide(const struct conf *c, const struct nft *t, FILE *f)
{
	const char	*B = t->B, *R = t->R, *A = t->A;

	fprintf(f, "\tchain forward_filter {\n"
	    "\t\ttype filter hook forward priority filter; policy accept;\n"
	    "\t\ttcp dport { %s } goto decide\n"
	    "\t\ttcp sport { %s } goto decide\n"
	    "\t}\n\n", t->ports, t->ports);
	fprintf(f, "\tchain decide {\n");
	if (c->reject)
		fprintf(f, "\t\tmeta mark & %s == %s meta l4proto tcp reject "
		    "with tcp reset\n", R, R);
	fprintf(f, "\t\tct mark & %s == %s accept\n"
	    "\t\tmeta mark & %s == %s accept\n"
	    "\t\tmeta mark & %s == %s accept\n"
	    "\t\tgoto degraded\n\t}\n\n", B, B, B, B, A, A);
	/* A connection's opening SYN only (see rules_script). */
	fprintf(f, "\tchain daccept {\n"
	    "\t\tct mark set ct mark | %s\n"
	    "\t\taccept\n\t}\n\n", A);
}

/* The degraded policy, as NFQD-DEGRADED says it. */
static void
nft_degraded(const struct conf *c, const struct nft *t, FILE *f)
{
	const char	*final = t->final, *block = t->block;

	fprintf(f, "\tchain degraded {\n"
	    "\t\tct state invalid,untracked %s\n"
	    "\t\tmeta l4proto != tcp %s\n"
	    "\t\tip6 saddr { ::ffff:0.0.0.0/96, ::/96 } %s\n"
	    "\t\tip6 daddr { ::ffff:0.0.0.0/96, ::/96 } %s\n"
	    "\t\ttcp flags & (fin | syn | rst | ack) != syn %s\n"
	    "\t\ttcp dport != { %s } %s\n", final, final, final, final,
	    final, t->ports, block);
	for (int af = 4; af <= 6 && !t->monitor; af += 2) {
		const char *ip = af == 4 ? "ip" : "ip6";

		fprintf(f, "\t\t%s saddr @q%d %s\n\t\t%s daddr @q%d %s\n", ip,
		    af, block, ip, af, block);
		fprintf(f, "\t\t%s saddr @hb%d %s daddr @int%d %s\n", ip, af,
		    ip, af, block);
	}
	for (int af = 4; af <= 6; af += 2) {
		const char *ip = af == 4 ? "ip" : "ip6";

		fprintf(f, "\t\t%s saddr @int%d %s daddr @int%d goto "
		    "daccept\n", ip, af, ip, af);
		fprintf(f, "\t\t%s saddr != @int%d %s daddr != @int%d %s\n",
		    ip, af, ip, af,
		    c->transit == TRANSIT_ALLOW ? "goto daccept" : block);
		fprintf(f, "\t\t%s saddr != @int%d %s daddr @in%d goto "
		    "daccept\n", ip, af, ip, af);
		fprintf(f, "\t\t%s saddr @out%d %s daddr != @int%d goto "
		    "daccept\n", ip, af, ip, af);
	}
	if (c->reject && !t->monitor)
		fprintf(f, "\t\tmeta l4proto tcp reject with tcp reset\n");
	fprintf(f, "\t\t%s\n\t}\n\n", final);
}

int
rules_nft(const struct conf *c, FILE *f)
{
	struct nft	 t;
	const char	*B, *A;

	if (c->nports == 0) {
		errno = EINVAL;
		return -1;
	}
	nft_init(c, &t);
	B = t.B;
	A = t.A;
	nft_sets(c, f);
	nft_queue(c, &t, f);
	nft_decide(c, &t, f);
	nft_degraded(c, &t, f);
	fprintf(f, "\tchain postrouting {\n"
	    "\t\ttype filter hook postrouting priority mangle; policy accept;\n"
	    "\t\tmeta l4proto tcp meta mark & %s == %s ct mark set ct mark | "
	    "%s\n"
	    "\t\tmeta l4proto tcp meta mark & %s == %s ct mark set ct mark | "
	    "%s\n"
	    "\t}\n}\n", B, B, B, A, A, A);
	if (fflush(f) == EOF || ferror(f))
		return -1;
	return 0;
}
