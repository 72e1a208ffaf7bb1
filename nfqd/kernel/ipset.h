/*
 * ipset.c: the degraded-mode sets, the policy as the kernel rules read it
 * while no daemon is bound.
 */
#ifndef NFQD_KERNEL_IPSET_H
#define NFQD_KERNEL_IPSET_H

#include <stdint.h>
#include <stdio.h>

#include "base/addr.h"
#include "policy/policy.h"

/*
 * Sets <prefix>-int4/6 (internal networks), <prefix>-in4/6 and
 * <prefix>-out4/6 (exceptions active at `now`, the other direction's
 * entries as nomatch so the most specific entry decides, as in the policy),
 * <prefix>-q4/6 (quarantined hosts, with their time left).
 * ipset_sync_quarantine() updates the last two only.  <prefix>-hb4/6
 * (harvest-blocked outside sources, respond.c) are created with the
 * others but never rebuilt: ipset_harvest_block() adds to them, each
 * entry with its timeout, and the kernel drops it at its end.
 */
#define IPSET_KINDS	5	/* int, in, out, q, hb */
extern const char *const ipset_kind_name[IPSET_KINDS];
int	 ipset_script(const struct policy *pol, int64_t now, FILE *f);
int	 ipset_sync(const struct policy *pol, int64_t now, char *err,
	    size_t errlen);
int	 ipset_sync_quarantine(const struct policy *pol, int64_t now,
	    char *err, size_t errlen);
int	 ipset_harvest_block(const struct conf *c, const struct ip_addr *a,
	    int64_t secs, char *err, size_t errlen);

#endif
