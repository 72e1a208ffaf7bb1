/*
 * hash.c: the keyed hash every table of nfqd uses (connections, hosts,
 * prefixes), and the two steps it is built from, for a caller that hashes
 * a key of its own shape (flow_hash).
 */
#ifndef NFQD_BASE_HASH_H
#define NFQD_BASE_HASH_H

#include <stddef.h>
#include <stdint.h>

/* The keys: odd 64-bit constants with mixed bits. */
#define HK0	0xa0761d6478bd642fULL
#define HK1	0xe7037ed1a0b428dbULL
#define HK2	0x8ebc6af09c88c6e3ULL
#define HK3	0x589965cc75374cc3ULL

/* A finalizer: every bit of x reaches every bit of the result. */
static inline uint64_t
mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

/* The 128-bit product of a and b, its halves folded together. */
static inline uint64_t
mulfold(uint64_t a, uint64_t b)
{
	__extension__ unsigned __int128 r = (unsigned __int128)a * b;

	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

/*
 * Keyed hash of n bytes: one 64x64->128 multiply per 16 bytes, every bit of
 * the input reaching every bit of the product, then a finalizer.  With a
 * random seed an outsider cannot aim addresses at one bucket.
 */
uint64_t	 hash64(const void *p, size_t n, uint64_t seed);

#endif
