/*
 * digest.c: SHA-256 and SHA-1.
 */
#ifndef NFQD_BASE_DIGEST_H
#define NFQD_BASE_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_HEXLEN	65		/* 64 hex digits and a NUL */

struct sha256 {
	uint32_t	 h[8];
	uint64_t	 len;
	uint8_t		 buf[64];
};

void	 sha256_init(struct sha256 *s);
void	 sha256_update(struct sha256 *s, const void *data, size_t n);
/* The digest as 64 lower-case hex digits and a NUL. */
void	 sha256_hex(struct sha256 *s, char out[SHA256_HEXLEN]);

struct sha1 {
	uint32_t	 h[5];
	uint64_t	 len;		/* bytes */
	uint8_t		 buf[64];
};

void	 sha1_init(struct sha1 *s);
void	 sha1_update(struct sha1 *s, const void *data, size_t n);
void	 sha1_final(struct sha1 *s, uint8_t out[20]);

#endif
