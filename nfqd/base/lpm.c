/*
 * Longest-prefix match over a fixed set of IPv4 and IPv6 prefixes.
 *
 * One open-addressing hash table holds every (family, length, network)
 * triple; a lookup masks the address to each length present in the set,
 * longest first, and probes.  With the handful of distinct lengths a real
 * exception list has (/32, /24, /128, /64) that is a few probes, and
 * building a 100,000-entry table is one pass with no per-node allocation.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/lpm.h"
#include "base/addr.h"
#include "base/hash.h"

#define LPM_AHEAD	16	/* prefetch distance of lpm_build() */

struct lpm_slot {
	uint8_t		 af;		/* 0: empty */
	uint8_t		 len;
	uint8_t		 net[16];
	uint32_t	 idx;
};

static uint32_t
lpm_hash(uint8_t af, uint8_t len, const uint8_t *net)
{
	uint8_t	 k[18];

	k[0] = af;
	k[1] = len;
	memcpy(k + 2, net, 16);
	return (uint32_t)hash64(k, sizeof(k), 0x6c706d);
}

static struct lpm_slot *
lpm_probe(const struct lpm *t, uint32_t h, uint8_t af, uint8_t len,
    const uint8_t *net)
{
	uint32_t	 i;
	struct lpm_slot	*s;

	for (i = h & t->mask;; i = (i + 1) & t->mask) {
		s = &t->slots[i];
		if (s->af == 0 || (s->af == af && s->len == len &&
		    memcmp(s->net, net, 16) == 0))
			return s;
	}
}

static struct lpm_slot *
lpm_find(const struct lpm *t, uint8_t af, uint8_t len, const uint8_t *net)
{
	if (t->slots == NULL)
		return NULL;
	return lpm_probe(t, lpm_hash(af, len, net), af, len, net);
}

static void
lpm_add_len(uint8_t *lens, uint8_t *n, uint8_t len)
{
	int	 i, j;

	for (i = 0; i < *n; i++) {
		if (lens[i] == len)
			return;
		if (lens[i] < len)
			break;
	}
	for (j = *n; j > i; j--)
		lens[j] = lens[j - 1];
	lens[i] = len;
	(*n)++;
}

/*
 * Build from n prefixes laid out every `stride` bytes (a prefix array, or
 * an array of structs whose first member is a struct prefix).  Returns 0,
 * -1 when out of memory, or 1 for a duplicate, with its two indexes in dup.
 */
int
lpm_build(struct lpm *t, const void *first, size_t n, size_t stride,
    size_t dup[2])
{
	size_t			 i, size = 16;
	const struct prefix	*p;
	struct lpm_slot		*s;
	uint32_t		*h;

	memset(t, 0, sizeof(*t));
	while (size < n * 2)
		size *= 2;
	if (size > UINT32_MAX || (t->slots = calloc(size, sizeof(*s))) == NULL ||
	    (h = malloc((n ? n : 1) * sizeof(*h))) == NULL) {
		lpm_free(t);
		errno = ENOMEM;
		return -1;
	}
	t->mask = (uint32_t)(size - 1);
	/*
	 * Hash everything first, then insert with the slot of the entry
	 * LPM_AHEAD places later already requested from memory: a large
	 * table is one cache miss per entry, and these overlap.
	 */
	for (i = 0; i < n; i++) {
		p = (const struct prefix *)((const char *)first + i * stride);
		h[i] = lpm_hash(p->addr.af, p->len, p->addr.b);
	}
	for (i = 0; i < n; i++) {
		if (i + LPM_AHEAD < n)
			__builtin_prefetch(&t->slots[h[i + LPM_AHEAD] & t->mask],
			    1);
		p = (const struct prefix *)((const char *)first + i * stride);
		s = lpm_probe(t, h[i], p->addr.af, p->len, p->addr.b);
		if (s->af != 0) {
			dup[0] = s->idx;
			dup[1] = i;
			free(h);
			lpm_free(t);
			return 1;
		}
		s->af = p->addr.af;
		s->len = p->len;
		memcpy(s->net, p->addr.b, 16);
		s->idx = (uint32_t)i;
		t->count++;
		if (p->addr.af == 4)
			lpm_add_len(t->lens4, &t->nlens4, p->len);
		else
			lpm_add_len(t->lens6, &t->nlens6, p->len);
	}
	free(h);
	return 0;
}

/* The index of exactly this prefix, or -1: one probe, not a walk. */
int64_t
lpm_exact(const struct lpm *t, const struct prefix *p)
{
	struct lpm_slot	*s = lpm_find(t, p->addr.af, p->len, p->addr.b);

	return s != NULL && s->af != 0 ? (int64_t)s->idx : -1;
}

void
lpm_free(struct lpm *t)
{
	free(t->slots);
	memset(t, 0, sizeof(*t));
}

/*
 * The indexes of the prefixes containing `a`, most specific first; at most
 * `max` of them.  Returns how many.
 */
int
lpm_lookup(const struct lpm *t, const struct ip_addr *a, uint32_t *out,
    int max)
{
	const uint8_t	*lens = a->af == 4 ? t->lens4 : t->lens6;
	int		 i, nlens = a->af == 4 ? t->nlens4 : t->nlens6, n = 0;
	struct ip_addr	 m;
	struct lpm_slot	*s;

	for (i = 0; i < nlens && n < max; i++) {
		m = *a;
		addr_mask(&m, lens[i]);
		s = lpm_find(t, a->af, lens[i], m.b);
		if (s != NULL && s->af != 0)
			out[n++] = s->idx;
	}
	return n;
}

bool
lpm_match(const struct lpm *t, const struct ip_addr *a)
{
	uint32_t	 idx;

	return lpm_lookup(t, a, &idx, 1) == 1;
}
