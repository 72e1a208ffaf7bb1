/*
 * The keyed hash of base/hash.h.
 */
#include <string.h>

#include "base/hash.h"

uint64_t
hash64(const void *p, size_t n, uint64_t seed)
{
	const uint8_t	*b = p;
	uint64_t	 h = seed ^ (n * 0x9e3779b97f4a7c15ULL), w[2];
	size_t		 len = n;

	for (; n > 16; b += 16, n -= 16) {
		memcpy(w, b, 16);
		h = mulfold(w[0] ^ h ^ HK0, w[1] ^ HK1);
	}
	w[0] = w[1] = 0;
	memcpy(w, b, n);
	return mix64(mulfold(w[0] ^ h ^ HK2, w[1] ^ len ^ HK3));
}
