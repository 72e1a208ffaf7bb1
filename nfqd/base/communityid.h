/*
 * communityid.c: the Community ID (version 1) of a flow.
 */
#ifndef NFQD_COMMUNITYID_H
#define NFQD_COMMUNITYID_H

#include <stdint.h>

#include "base/addr.h"

#define COMMUNITY_ID_LEN	32	/* "1:" + 28 characters of base64, NUL */
#define COMMUNITY_ID_HASHLEN	20	/* the SHA-1 digest behind it */

/*
 * The ID of the flow src:sport -> dst:dport over IP protocol proto (the
 * same both ways); for ICMP and ICMPv6, sport is the type and dport the
 * code.  seed: the domain's seed, 0 by default.
 */
void	community_id(uint16_t seed, const struct ip_addr *src,
	    const struct ip_addr *dst, uint8_t proto, uint16_t sport,
	    uint16_t dport, char out[COMMUNITY_ID_LEN]);
/*
 * The same in two steps: the digest (what a flow keeps: it is computed
 * once per connection), then its text (what an event writes).
 */
void	community_id_hash(uint16_t seed, const struct ip_addr *src,
	    const struct ip_addr *dst, uint8_t proto, uint16_t sport,
	    uint16_t dport, uint8_t out[COMMUNITY_ID_HASHLEN]);
void	community_id_text(const uint8_t hash[COMMUNITY_ID_HASHLEN],
	    char out[COMMUNITY_ID_LEN]);

#endif
