/*
 * policy.c: the Case ITS rules -- outside to campus port 25 blocked
 * (Part 1), campus to outside port 25 blocked (Part 2), unless the campus
 * end holds an active exception for that direction; quarantine first.
 * A struct policy is one immutable snapshot of the configuration, the
 * list and the announcements (announce.c).
 */
#ifndef NFQD_POLICY_POLICY_H
#define NFQD_POLICY_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/addr.h"
#include "base/defs.h"
#include "base/digest.h"
#include "policy/conf.h"
#include "policy/exceptions.h"
#include "policy/quarantine.h"

enum direction { D_INBOUND, D_OUTBOUND, D_INTERNAL, D_TRANSIT };
enum action { A_ALLOWED, A_BLOCKED };
enum reason {
	R_EXCEPTION,		/* allowed by an active exception */
	R_INTERNAL,		/* both ends on campus */
	R_TRANSIT,		/* neither end on campus */
	R_NO_EXCEPTION,		/* nothing in the list matched */
	R_EXCEPTION_EXPIRED,	/* only expired entries matched */
	R_EXCEPTION_DIRECTION,	/* deciding entry is for the other direction */
	R_QUARANTINE,		/* either end is quarantined (quarantine.c) */
	R_HARVEST_BLOCK,	/* the source harvested addresses (respond.c) */
	R_SPOOFED,		/* a source address from the wrong side */
	R_UNPARSED,		/* on an SMTP port, but nfqd cannot read it */
};
#define R_COUNT		(R_UNPARSED + 1)

/*
 * Who is the SMTP client of a connection, and how nfqd knows: it saw the
 * opening SYN (the opener is the client, or, opened from an SMTP port to
 * another port, the other end is); it did not (every end whose peer is on
 * an SMTP port may be the client, and the strictest reading decides); or
 * a packet contradicted the roles it had recorded (the strictest reading
 * since then).
 */
enum roles { ROLES_SYN, ROLES_REVERSED, ROLES_INFERRED, ROLES_CONFLICT };


/* A pre-announced bulk mailing: thresholds times factor in [from, until). */
struct announce {
	struct prefix	 pfx;
	int64_t		 from, until;	/* unix seconds */
	uint32_t	 factor;
};

/*
 * An immutable snapshot: configuration plus exception list.  The one
 * part that changes in place is the quarantine list (quar): a quarantine
 * added or ended swaps that pointer alone, with the same pass-then-free
 * rule as a reload (live_reload.c); read it with policy_quar().
 */
struct policy {
	struct conf	 conf;
	struct exc_list	 exc;
	struct announce	*ann;
	size_t		 nann;
	struct quar_list *_Atomic quar;	/* never NULL once loaded */
	char		 exc_sha256[SHA256_HEXLEN];	/* exc_hash(&exc) */
	/* campus-interfaces as interface indexes; 0 of them: no check */
	uint32_t	 campus_if[MAX_FP_IFACES];
	size_t		 ncampus_if;
	char		 warning[ERRLEN];	/* for the log; "" when none */
};

struct decision {
	uint8_t			 action, direction, reason, roles;
	const struct exc_entry	*exc;		/* matched entry or NULL */
	const struct quar_entry	*quar;		/* R_QUARANTINE: the entry */
};

typedef void (*expired_cb)(void *arg, const struct exc_entry *e);
struct policy	*policy_load(const char *path, char *err, size_t errlen);
void	 policy_free(struct policy *p);
void	 policy_decide(const struct policy *p, const struct ip_addr *client,
	    const struct ip_addr *server, int64_t now, struct decision *d);
void	 policy_diff(const struct policy *old, const struct policy *new,
	    uint32_t *added, uint32_t *removed, uint32_t *changed);
const struct quar_list	*policy_quar(const struct policy *p);
struct quar_list	*policy_set_quar(struct policy *p,
	    struct quar_list *q);
int64_t	 policy_expired(const struct policy *p, int64_t from, int64_t to,
	    expired_cb cb, void *arg);
uint32_t	 policy_bulk_factor(const struct policy *p,
	    const struct ip_addr *host, int64_t now_us);
const char	*direction_name(uint8_t d);
const char	*action_name(uint8_t a);
const char	*reason_name(uint8_t r);
const char	*roles_name(uint8_t r);

/* bulk-announcements: the file's entries, for policy_bulk_factor(). */
int	 announce_load(const char *path, struct announce **out, size_t *n,
	    char *err, size_t errlen);

#endif
