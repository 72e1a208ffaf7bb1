/*
 * Helpers shared by the cmocka unit tests: a scratch folder made with
 * mkdtemp() (fixtures are written there at run time), substring asserts,
 * and builders for raw Ethernet / VLAN / IPv4 / IPv6 / TCP frames.
 *
 * Everything is static inline so a test program that uses only part of it
 * still builds with -Wall -Wextra -Werror.
 */
#ifndef NFQD_TEST_UTIL_H
#define NFQD_TEST_UTIL_H

#include <arpa/inet.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/nfqd_all.h"

#define UNUSED		__attribute__((unused))
#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* Fail, showing both strings, unless `hay` contains `needle`. */
#define assert_contains(hay, needle) do {				\
	const char *h_ = (hay), *n_ = (needle);				\
	if (h_ == NULL || strstr(h_, n_) == NULL)			\
		fail_msg("'%s' does not contain '%s'",			\
		    h_ ? h_ : "(null)", n_);				\
} while (0)

/* ---- scratch folder ---- */

struct tmpdir {
	char	 path[256];
};

static inline void
tmpdir_new(struct tmpdir *d)
{
	const char	*base = getenv("TMPDIR");

	snprintf(d->path, sizeof(d->path), "%s/nfqd-unit-XXXXXX",
	    base != NULL && base[0] != '\0' ? base : "/tmp");
	if (mkdtemp(d->path) == NULL)
		fail_msg("mkdtemp %s failed", d->path);
}

static inline int
tmpdir_rm_one(const char *p, const struct stat *sb UNUSED, int flag UNUSED,
    struct FTW *ftw UNUSED)
{
	return remove(p);
}

static inline void
tmpdir_rm(struct tmpdir *d)
{
	if (d->path[0] != '\0')
		nftw(d->path, tmpdir_rm_one, 16, FTW_DEPTH | FTW_PHYS);
	d->path[0] = '\0';
}

/* Join into out (at least MAX_PATH bytes). */
static inline char *
tmpdir_file(const struct tmpdir *d, const char *name, char *out)
{
	snprintf(out, MAX_PATH, "%s/%s", d->path, name);
	return out;
}

/* Write `len` bytes to folder/name; the full path goes to out. */
static inline char *
write_bytes(const struct tmpdir *d, const char *name, const void *data,
    size_t len, char *out)
{
	FILE	*f;

	tmpdir_file(d, name, out);
	if ((f = fopen(out, "w")) == NULL)
		fail_msg("cannot write %s", out);
	if (len > 0 && fwrite(data, 1, len, f) != len)
		fail_msg("short write to %s", out);
	/* Whatever the umask: loaders refuse group/other-writable files. */
	if (fchmod(fileno(f), 0644) == -1)
		fail_msg("cannot chmod %s", out);
	fclose(f);
	return out;
}

static inline char *
write_file(const struct tmpdir *d, const char *name, const char *text,
    char *out)
{
	return write_bytes(d, name, text, strlen(text), out);
}

static inline struct ip_addr
ip(const char *s)
{
	struct ip_addr	 a;

	if (addr_parse(s, &a) == -1)
		fail_msg("bad address in test: %s", s);
	return a;
}

/* ---- frame builders (network byte order) ---- */

#define ETHERTYPE_IPV4	0x0800
#define ETHERTYPE_ARP	0x0806
#define ETHERTYPE_VLAN	0x8100
#define ETHERTYPE_QINQ	0x88a8
#define ETHERTYPE_IPV6	0x86dd

#define IPF_DF		0x4000
#define IPF_MF		0x2000

static inline void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

struct tcpspec {
	uint16_t	 sport, dport;
	uint32_t	 seq, ack;
	uint8_t		 flags;
	unsigned	 optwords;	/* TCP options, 4-byte words */
	size_t		 paylen;	/* payload bytes, filled with 'A'+i */
};

/* A TCP segment at p; returns its length. */
static inline size_t
build_tcp(uint8_t *p, const struct tcpspec *t)
{
	size_t	 hl = 20 + 4 * (size_t)t->optwords, i;

	memset(p, 0, hl);
	put16(p, t->sport);
	put16(p + 2, t->dport);
	put32(p + 4, t->seq);
	put32(p + 8, t->ack);
	p[12] = (uint8_t)((hl / 4) << 4);
	p[13] = t->flags;
	put16(p + 14, 65535);
	for (i = 20; i < hl; i++)
		p[i] = 1;		/* NOP */
	for (i = 0; i < t->paylen; i++)
		p[hl + i] = (uint8_t)('A' + i % 26);
	return hl + t->paylen;
}

/*
 * An IPv4 header with `optwords` words of options followed by `l4len`
 * bytes of l4 (which may alias nothing: l4 NULL means zero bytes).
 * frag is the flags+offset field.  Returns the total length.
 */
static inline size_t
build_ipv4(uint8_t *p, const char *src, const char *dst, uint8_t proto,
    const uint8_t *l4, size_t l4len, unsigned optwords, uint16_t frag)
{
	size_t	 hl = 20 + 4 * (size_t)optwords, i;

	memset(p, 0, hl);
	p[0] = (uint8_t)(0x40 | (hl / 4));
	put16(p + 2, (uint16_t)(hl + l4len));
	put16(p + 4, 0x1234);
	put16(p + 6, frag);
	p[8] = 64;
	p[9] = proto;
	if (inet_pton(AF_INET, src, p + 12) != 1 ||
	    inet_pton(AF_INET, dst, p + 16) != 1)
		fail_msg("bad IPv4 address in test");
	for (i = 20; i < hl; i++)
		p[i] = 1;		/* NOP option */
	if (l4len > 0)
		memmove(p + hl, l4, l4len);
	return hl + l4len;
}

/* An IPv6 header with next header nh and plen bytes of payload. */
static inline size_t
build_ipv6(uint8_t *p, const char *src, const char *dst, uint8_t nh,
    const uint8_t *pl, size_t plen)
{
	memset(p, 0, 40);
	p[0] = 0x60;
	put16(p + 4, (uint16_t)plen);
	p[6] = nh;
	p[7] = 64;
	if (inet_pton(AF_INET6, src, p + 8) != 1 ||
	    inet_pton(AF_INET6, dst, p + 24) != 1)
		fail_msg("bad IPv6 address in test");
	if (plen > 0)
		memmove(p + 40, pl, plen);
	return 40 + plen;
}

/*
 * A generic IPv6 extension header (hop-by-hop, routing, destination
 * options) of 8 * (1 + extra8) bytes in front of `len` bytes at p+hdr.
 */
static inline size_t
build_ext6(uint8_t *p, uint8_t nh, unsigned extra8)
{
	size_t	 len = 8 * (1 + (size_t)extra8);

	memset(p, 0, len);
	p[0] = nh;
	p[1] = (uint8_t)extra8;
	if (len > 2)
		p[2] = 1;	/* PadN */
	return len;
}

/* IPv6 fragment header: offset in 8-byte units, more-fragments flag. */
static inline size_t
build_frag6(uint8_t *p, uint8_t nh, uint16_t off8, int more)
{
	memset(p, 0, 8);
	p[0] = nh;
	put16(p + 2, (uint16_t)(off8 << 3 | (more ? 1 : 0)));
	put32(p + 4, 0xabcdef01);
	return 8;
}

/*
 * Ethernet header with the given VLAN tag types (0-terminated list of
 * TPIDs, may be NULL) then ethertype. Returns its length.
 */
static inline size_t
build_eth(uint8_t *p, const uint16_t *tags, uint16_t type)
{
	size_t	 n = 12;
	uint16_t vid = 100;

	memcpy(p, "\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02", 12);
	for (; tags != NULL && *tags != 0; tags++) {
		put16(p + n, *tags);
		put16(p + n + 2, vid++);
		n += 4;
	}
	put16(p + n, type);
	return n + 2;
}

/*
 * One TCP packet as raw IP (v4 or v6 picked from src), the simple case
 * the engine tests need.  Returns its length.
 */
static inline size_t
build_ip_tcp(uint8_t *out, const char *src, uint16_t sport, const char *dst,
    uint16_t dport, uint8_t flags, size_t paylen)
{
	uint8_t			 seg[2048];
	struct tcpspec		 t = { .sport = sport, .dport = dport,
				    .seq = 1000, .ack = 0, .flags = flags,
				    .paylen = paylen };
	size_t			 n;

	if (flags & TH_ACK)
		t.ack = 2000;
	n = build_tcp(seg, &t);
	if (strchr(src, ':') != NULL)
		return build_ipv6(out, src, dst, 6, seg, n);
	return build_ipv4(out, src, dst, 6, seg, n, 0, 0);
}

/* Copy into an exact-size heap block so ASan sees any over-read. */
static inline uint8_t *
dup_exact(const uint8_t *p, size_t n)
{
	uint8_t	*q = malloc(n ? n : 1);

	if (q == NULL)
		fail_msg("out of memory");
	if (n > 0)
		memcpy(q, p, n);
	return q;
}

#endif
