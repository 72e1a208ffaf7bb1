/*
 * nfqd-rules (nfqd-rules.c and the files beside it): what its pieces
 * share.  iptables.c runs the tools and reads what iptables-save prints
 * and what rules.c says; install.c installs and removes; status.c
 * compares what is installed with the configuration.
 */
#ifndef NFQD_RULES_NFQD_RULES_H
#define NFQD_RULES_NFQD_RULES_H

#include <stdbool.h>
#include <stddef.h>

#include "policy/conf.h"
#include "policy/policy.h"
#include "kernel/ipset.h"

/* nfqd's own chains: the first NFILTER are filter's, the rest mangle's. */
extern const char *const our_chains[];
#define NFILTER	3
#define NOURS	7
extern const char *const tables[];	/* "mangle", "filter" */
#define set_kinds	ipset_kind_name		/* int, in, out, q */

/* ---- iptables.c: running commands ---- */

struct out {
	int	 rc;		/* exit status */
	char	*out, *err;	/* NUL-terminated, trailing newlines kept */
};

/*
 * Run argv with input (NULL: none) on stdin; stdout and stderr into o.
 * 0 when it ran (o->rc is its status), -1 with err when it could not be
 * started.
 */
int	 run(const char *const argv[], const char *input, struct out *o,
	    char *err, size_t errlen);
/* Run, and complain unless it exits 0: 0, or -1 said (o freed). */
int	 run_ok(const char *const argv[], const char *input, struct out *o);
void	 out_free(struct out *o);
/* "`iptables-restore --noflush` failed (exit 1): <stderr>" on stderr. */
void	 cmd_failed(const char *const argv[], const struct out *o);
/* The argv of family's (4, 6) iptables-"save" or -"restore --noflush". */
const char *const *tool(int family, const char *what);

/* ---- iptables.c: iptables-save text ---- */

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

/* family's iptables-save output, parsed into s: 0, or -1 said. */
int	 save_load(int family, struct saved *s);
void	 saved_free(struct saved *s);
bool	 chain_exists(const struct saved *s, const char *table,
	    const char *chain);
/* Is chain one of nfqd's own? */
bool	 is_ours(const char *chain);

/* ---- iptables.c: what rules.c says ---- */

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

/* rules_script's text for family, and its "# jump:" lines read into
 * sc->j: 0, or -1 said. */
int	 script_make(const struct conf *c, int family, struct script *sc);
/* Does the installed chain hold exactly the rules the script has? */
bool	 chain_matches(const struct script *sc, const struct saved *s,
	    const char *table, const char *chain);

/* ---- install.c, status.c: the commands (an exit status) ---- */

int	 cmd_install(const struct policy *pol);
int	 cmd_remove(const struct conf *c);
/* json: one JSON object instead of text. */
int	 cmd_status(const struct conf *c, bool json);

#endif
