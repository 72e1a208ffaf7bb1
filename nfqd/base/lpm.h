/*
 * lpm.c: longest-prefix match over a table of entries that each start
 * with a struct prefix, one hash table per prefix length.
 */
#ifndef NFQD_BASE_LPM_H
#define NFQD_BASE_LPM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/addr.h"

struct lpm_slot;
struct lpm {
	struct lpm_slot	*slots;		/* open addressing, power of two */
	uint32_t	 mask;
	uint32_t	 count;
	uint8_t		 lens4[33], nlens4;	/* distinct lengths, longest first */
	uint8_t		 lens6[129], nlens6;
};

/*
 * The table over n entries of `stride` bytes from `first`; dup[0] and
 * dup[1] get the indexes of the first two entries with the same prefix.
 */
int	 lpm_build(struct lpm *t, const void *first, size_t n, size_t stride,
	    size_t dup[2]);
void	 lpm_free(struct lpm *t);
/* The entries containing a, most specific first, at most max of them. */
int	 lpm_lookup(const struct lpm *t, const struct ip_addr *a,
	    uint32_t *out, int max);
bool	 lpm_match(const struct lpm *t, const struct ip_addr *a);
/* The entry with exactly this prefix, or -1. */
int64_t	 lpm_exact(const struct lpm *t, const struct prefix *p);

#endif
