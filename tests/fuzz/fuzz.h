/*
 * Shared by the libFuzzer harnesses: the two entry points' prototypes, a
 * scratch folder made once per process, writing an input to a file in it,
 * a deterministic PRNG seeded from input bytes, and a loud check.
 *
 * Everything is static inline so a harness that uses part of it still
 * builds with -Wall -Wextra -Werror.
 */
#ifndef NFQD_FUZZ_H
#define NFQD_FUZZ_H

#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tests/nfqd_all.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);
int	LLVMFuzzerInitialize(int *, char ***);

#define FUZZ_UNUSED	__attribute__((unused))

/*
 * An invariant of the code under test does not hold: say which, then
 * abort so libFuzzer saves the input as a crash.
 */
#define FUZZ_CHECK(cond, ...) do {					\
	if (!(cond)) {							\
		fprintf(stderr, "fuzz check failed: %s (%s:%d): ",	\
		    #cond, __FILE__, __LINE__);				\
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
		abort();						\
	}								\
} while (0)

/* ---- scratch folder: one per process, removed at exit ---- */

static char	fuzz_dir[256];

static inline int
fuzz_rm_one(const char *p, const struct stat *sb FUZZ_UNUSED,
    int flag FUZZ_UNUSED, struct FTW *ftw FUZZ_UNUSED)
{
	return remove(p);
}

static inline void
fuzz_dir_rm(void)
{
	if (fuzz_dir[0] != '\0')
		nftw(fuzz_dir, fuzz_rm_one, 16, FTW_DEPTH | FTW_PHYS);
	fuzz_dir[0] = '\0';
}

static inline const char *
fuzz_dir_new(void)
{
	const char	*base = getenv("TMPDIR");

	snprintf(fuzz_dir, sizeof(fuzz_dir), "%s/nfqd-fuzz-XXXXXX",
	    base != NULL && base[0] != '\0' ? base : "/tmp");
	if (mkdtemp(fuzz_dir) == NULL) {
		perror(fuzz_dir);
		abort();
	}
	atexit(fuzz_dir_rm);
	return fuzz_dir;
}

/* folder/name into out (MAX_PATH bytes). */
static inline char *
fuzz_path(const char *name, char *out)
{
	snprintf(out, MAX_PATH, "%s/%s", fuzz_dir, name);
	return out;
}

/* Write len bytes to folder/name; the path goes to out. */
static inline char *
fuzz_write(const char *name, const void *data, size_t len, char *out)
{
	FILE	*f;

	fuzz_path(name, out);
	if ((f = fopen(out, "w")) == NULL) {
		perror(out);
		abort();
	}
	if (len > 0 && fwrite(data, 1, len, f) != len) {
		perror(out);
		abort();
	}
	if (fclose(f) != 0) {
		perror(out);
		abort();
	}
	return out;
}

/* A NUL-terminated heap copy, so ASan sees reads past the end. */
static inline char *
fuzz_strndup(const uint8_t *p, size_t n)
{
	char	*s = malloc(n + 1);

	if (s == NULL)
		abort();
	memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

/* ---- splitmix64: split points and field values from input bytes ---- */

static inline uint64_t
fuzz_rand(uint64_t *st)
{
	uint64_t	 z = (*st += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* ---- UTF-8 ---- */

/*
 * Whether p[0..n) is well-formed UTF-8 (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF); *bad is the offset of the first
 * byte that is not.
 */
static inline int
fuzz_utf8_valid(const uint8_t *p, size_t n, size_t *bad)
{
	size_t	 i = 0, k, len;
	uint32_t cp, min;

	while (i < n) {
		uint8_t c = p[i];

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			len = 2;
			cp = c & 0x1f;
			min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			len = 3;
			cp = c & 0x0f;
			min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			len = 4;
			cp = c & 0x07;
			min = 0x10000;
		} else
			goto bad;
		if (n - i < len)
			goto bad;
		for (k = 1; k < len; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				goto bad;
			cp = cp << 6 | (p[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			goto bad;
		i += len;
	}
	return 1;
bad:
	if (bad != NULL)
		*bad = i;
	return 0;
}

#endif
