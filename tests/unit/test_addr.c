/*
 * Addresses, prefixes and the longest-prefix-match table.
 */
#include "util.h"

static struct prefix
pfx(const char *s)
{
	struct prefix	 p;
	char		 err[ERRLEN];

	if (prefix_parse(s, &p, err, sizeof(err)) == -1)
		fail_msg("prefix_parse(%s): %s", s, err);
	return p;
}

/* prefix_parse must fail, with a message containing `want`. */
static void
parse_fails(const char *s, const char *want)
{
	struct prefix	 p;
	char		 err[ERRLEN] = "";

	if (prefix_parse(s, &p, err, sizeof(err)) != -1)
		fail_msg("prefix_parse(%s) accepted", s);
	assert_contains(err, want);
}

/* ---- addr ---- */

static void
test_addr_parse_format(void **state UNUSED)
{
	static const struct { const char *in, *out; int af; } cases[] = {
		{ "10.20.1.25", "10.20.1.25", 4 },
		{ "0.0.0.0", "0.0.0.0", 4 },
		{ "255.255.255.255", "255.255.255.255", 4 },
		{ "2001:db8:20:1::25", "2001:db8:20:1::25", 6 },
		{ "2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1", 6 },
		{ "2001:DB8::A", "2001:db8::a", 6 },
		{ "::", "::", 6 },
		{ "::1", "::1", 6 },
		{ "2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1", 6 },
		{ "::ffff:10.1.2.3", "::ffff:10.1.2.3", 6 },
	};
	struct ip_addr	 a;
	char		 s[ADDR_STRLEN];
	size_t		 i;

	for (i = 0; i < NELEM(cases); i++) {
		assert_int_equal(addr_parse(cases[i].in, &a), 0);
		assert_int_equal(a.af, cases[i].af);
		addr_format(&a, s, sizeof(s));
		assert_string_equal(s, cases[i].out);
	}
	assert_int_equal(addr_parse("10.20.1.25", &a), 0);
	assert_memory_equal(a.b, "\x0a\x14\x01\x19\0\0\0\0\0\0\0\0\0\0\0\0",
	    16);
	assert_int_equal(addr_parse("10.20.1", &a), -1);
	assert_int_equal(addr_parse("10.20.1.256", &a), -1);
	assert_int_equal(addr_parse("", &a), -1);
	assert_int_equal(addr_parse("2001:db8:::1", &a), -1);
	assert_int_equal(addr_parse("host.example", &a), -1);
	assert_int_equal(addr_parse(" 10.0.0.1", &a), -1);
}

static void
test_addr_equal(void **state UNUSED)
{
	struct ip_addr	 a = ip("10.20.1.25"), b = ip("10.20.1.25");
	struct ip_addr	 c = ip("10.20.1.26"), v6 = ip("a14:119::");

	assert_true(addr_equal(&a, &b));
	assert_false(addr_equal(&a, &c));
	/* the same 16 bytes in the other family */
	assert_memory_equal(a.b, v6.b, 16);
	assert_false(addr_equal(&a, &v6));
}

static void
test_addr_mask(void **state UNUSED)
{
	struct ip_addr	 a;
	char		 s[ADDR_STRLEN];
	static const struct { unsigned len; const char *out; } v4[] = {
		{ 32, "10.20.255.129" }, { 31, "10.20.255.128" },
		{ 25, "10.20.255.128" }, { 24, "10.20.255.0" },
		{ 17, "10.20.128.0" }, { 9, "10.0.0.0" }, { 8, "10.0.0.0" },
		{ 7, "10.0.0.0" }, { 4, "0.0.0.0" }, { 0, "0.0.0.0" },
	};
	size_t		 i;

	for (i = 0; i < NELEM(v4); i++) {
		a = ip("10.20.255.129");
		addr_mask(&a, v4[i].len);
		addr_format(&a, s, sizeof(s));
		assert_string_equal(s, v4[i].out);
	}
	a = ip("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff");
	addr_mask(&a, 127);
	addr_format(&a, s, sizeof(s));
	assert_string_equal(s, "2001:db8:ffff:ffff:ffff:ffff:ffff:fffe");
	addr_mask(&a, 33);
	addr_format(&a, s, sizeof(s));
	assert_string_equal(s, "2001:db8:8000::");
	addr_mask(&a, 0);
	addr_format(&a, s, sizeof(s));
	assert_string_equal(s, "::");
}

/* ---- prefix ---- */

static void
test_prefix_parse_v4(void **state UNUSED)
{
	struct prefix	 p;

	p = pfx("10.20.0.0/16");
	assert_int_equal(p.addr.af, 4);
	assert_int_equal(p.len, 16);
	assert_memory_equal(p.addr.b, "\x0a\x14\0\0\0\0\0\0\0\0\0\0\0\0\0\0",
	    16);
	p = pfx("10.20.1.25");
	assert_int_equal(p.addr.af, 4);
	assert_int_equal(p.len, 32);
	p = pfx("10.20.1.25/32");
	assert_int_equal(p.len, 32);
	p = pfx("0.0.0.0/0");
	assert_int_equal(p.len, 0);
	p = pfx("10.20.9.128/25");
	assert_int_equal(p.len, 25);
}

static void
test_prefix_parse_v6(void **state UNUSED)
{
	struct prefix	 p;
	struct ip_addr	 a = ip("2001:db8:20::");

	p = pfx("2001:db8:20::/48");
	assert_int_equal(p.addr.af, 6);
	assert_int_equal(p.len, 48);
	assert_memory_equal(p.addr.b, a.b, 16);
	p = pfx("2001:db8:20:1::25");
	assert_int_equal(p.addr.af, 6);
	assert_int_equal(p.len, 128);
	p = pfx("::/0");
	assert_int_equal(p.addr.af, 6);
	assert_int_equal(p.len, 0);
	p = pfx("2001:db8::/127");
	assert_int_equal(p.len, 127);
}

static void
test_prefix_parse_errors(void **state UNUSED)
{
	char	 longs[200];

	parse_fails("", "bad address ''");
	parse_fails("10.20.0.256/16", "bad address '10.20.0.256'");
	parse_fails("campus/16", "bad address 'campus'");
	parse_fails("10.20/16", "bad address '10.20'");
	parse_fails("/24", "bad address ''");
	parse_fails("2001:db8::g/64", "bad address '2001:db8::g'");

	parse_fails("10.20.0.0/33",
	    "bad prefix length '33' in '10.20.0.0/33' (0-32)");
	parse_fails("2001:db8::/129",
	    "bad prefix length '129' in '2001:db8::/129' (0-128)");
	parse_fails("10.20.0.0/", "bad prefix length '' in '10.20.0.0/'");
	parse_fails("10.20.0.0/-1", "bad prefix length '-1'");
	parse_fails("10.20.0.0/+8", "bad prefix length '+8'");
	parse_fails("10.20.0.0/ 8", "bad prefix length ' 8'");
	parse_fails("10.20.0.0/16x", "bad prefix length '16x'");
	parse_fails("10.20.0.0/16/8", "bad prefix length '16/8'");
	parse_fails("10.0.0.0/99999999999999999999999",
	    "bad prefix length '99999999999999999999999'");
	parse_fails("10.0.0.0/4294967304", "bad prefix length");

	memset(longs, '1', sizeof(longs) - 1);
	longs[sizeof(longs) - 1] = '\0';
	parse_fails(longs, "address too long");
}

static void
test_prefix_host_bits_suggest_network(void **state UNUSED)
{
	parse_fails("10.20.9.1/24",
	    "host bits set in '10.20.9.1/24' (did you mean 10.20.9.0/24?)");
	parse_fails("10.20.9.1/24", "did you mean 10.20.9.0/24?");
	parse_fails("10.20.9.129/25", "did you mean 10.20.9.128/25?");
	parse_fails("10.20.0.0/8", "did you mean 10.0.0.0/8?");
	parse_fails("0.0.0.1/0", "did you mean 0.0.0.0/0?");
	parse_fails("2001:db8:20::1/48", "did you mean 2001:db8:20::/48?");
	parse_fails("2001:db8::3/127", "did you mean 2001:db8::2/127?");
	parse_fails("::1/0", "did you mean ::/0?");
}

static void
test_prefix_format(void **state UNUSED)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "10.20.0.0/16", "10.20.0.0/16" },
		{ "10.20.1.25", "10.20.1.25/32" },
		{ "0.0.0.0/0", "0.0.0.0/0" },
		{ "2001:db8:20::/48", "2001:db8:20::/48" },
		{ "2001:0db8:0020:0001:0000:0000:0000:0025",
		  "2001:db8:20:1::25/128" },
		{ "::/0", "::/0" },
		{ "fe80::/10", "fe80::/10" },
	};
	char		 s[PREFIX_STRLEN];
	struct prefix	 p;
	size_t		 i;

	for (i = 0; i < NELEM(cases); i++) {
		p = pfx(cases[i].in);
		prefix_format(&p, s, sizeof(s));
		assert_string_equal(s, cases[i].out);
	}
	/* the longest form still fits */
	p = pfx("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255");
	prefix_format(&p, s, sizeof(s));
	assert_string_equal(s, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128");
	p = pfx("::ffff:255.255.255.255");
	prefix_format(&p, s, sizeof(s));
	assert_string_equal(s, "::ffff:255.255.255.255/128");
}

static void
test_prefix_contains(void **state UNUSED)
{
	struct prefix	 p;
	struct ip_addr	 a;

	p = pfx("10.20.0.0/16");
	a = ip("10.20.0.0");
	assert_true(prefix_contains(&p, &a));
	a = ip("10.20.255.255");
	assert_true(prefix_contains(&p, &a));
	a = ip("10.21.0.0");
	assert_false(prefix_contains(&p, &a));
	a = ip("10.19.255.255");
	assert_false(prefix_contains(&p, &a));

	p = pfx("10.20.8.0/23");
	a = ip("10.20.9.200");
	assert_true(prefix_contains(&p, &a));
	a = ip("10.20.10.0");
	assert_false(prefix_contains(&p, &a));

	p = pfx("10.20.1.25");
	a = ip("10.20.1.25");
	assert_true(prefix_contains(&p, &a));
	a = ip("10.20.1.24");
	assert_false(prefix_contains(&p, &a));

	/* /0 holds its own family only */
	p = pfx("0.0.0.0/0");
	a = ip("203.0.113.9");
	assert_true(prefix_contains(&p, &a));
	a = ip("::");
	assert_false(prefix_contains(&p, &a));
	p = pfx("::/0");
	a = ip("2001:db8::1");
	assert_true(prefix_contains(&p, &a));
	a = ip("0.0.0.0");
	assert_false(prefix_contains(&p, &a));

	p = pfx("2001:db8:20::/48");
	a = ip("2001:db8:20:ffff::1");
	assert_true(prefix_contains(&p, &a));
	a = ip("2001:db8:21::1");
	assert_false(prefix_contains(&p, &a));
	/* same bytes, other family */
	p = pfx("a14::/16");
	a = ip("10.20.1.1");
	assert_false(prefix_contains(&p, &a));
}

/* ---- lpm ---- */

static void
build_ok(struct lpm *t, const struct prefix *v, size_t n)
{
	size_t	 dup[2] = { 99, 99 };

	assert_int_equal(lpm_build(t, v, n, sizeof(*v), dup), 0);
	assert_int_equal(t->count, n);
}

static int
lookup(const struct lpm *t, const char *addr, uint32_t *out, int max)
{
	struct ip_addr	 a = ip(addr);

	return lpm_lookup(t, &a, out, max);
}

static void
test_lpm_most_specific_first(void **state UNUSED)
{
	struct prefix	 v[6];
	struct lpm	 t;
	uint32_t	 out[8];
	int		 n;

	v[0] = pfx("10.20.0.0/16");
	v[1] = pfx("10.20.8.66");
	v[2] = pfx("0.0.0.0/0");
	v[3] = pfx("10.20.8.0/24");
	v[4] = pfx("10.0.0.0/8");
	v[5] = pfx("10.20.8.64/26");
	build_ok(&t, v, 6);

	n = lookup(&t, "10.20.8.66", out, 8);
	assert_int_equal(n, 6);
	assert_int_equal(out[0], 1);
	assert_int_equal(out[1], 5);
	assert_int_equal(out[2], 3);
	assert_int_equal(out[3], 0);
	assert_int_equal(out[4], 4);
	assert_int_equal(out[5], 2);

	n = lookup(&t, "10.20.8.1", out, 8);
	assert_int_equal(n, 4);
	assert_int_equal(out[0], 3);
	assert_int_equal(out[1], 0);
	assert_int_equal(out[2], 4);
	assert_int_equal(out[3], 2);

	n = lookup(&t, "192.0.2.1", out, 8);
	assert_int_equal(n, 1);
	assert_int_equal(out[0], 2);

	/* at most `max` */
	n = lookup(&t, "10.20.8.66", out, 2);
	assert_int_equal(n, 2);
	assert_int_equal(out[0], 1);
	assert_int_equal(out[1], 5);
	n = lookup(&t, "10.20.8.66", out, 0);
	assert_int_equal(n, 0);

	lpm_free(&t);
	assert_null(t.slots);
}

static void
test_lpm_families_apart(void **state UNUSED)
{
	struct prefix	 v[5];
	struct lpm	 t;
	uint32_t	 out[8];
	struct ip_addr	 a;

	v[0] = pfx("::/0");
	v[1] = pfx("0.0.0.0/0");
	v[2] = pfx("a14:842::/32");	/* bytes 0a 14 08 42 */
	v[3] = pfx("10.20.8.66/32");	/* the same four bytes */
	v[4] = pfx("2001:db8:20::/48");
	build_ok(&t, v, 5);

	assert_int_equal(lookup(&t, "10.20.8.66", out, 8), 2);
	assert_int_equal(out[0], 3);
	assert_int_equal(out[1], 1);

	assert_int_equal(lookup(&t, "a14:842::", out, 8), 2);
	assert_int_equal(out[0], 2);
	assert_int_equal(out[1], 0);

	assert_int_equal(lookup(&t, "2001:db8:20::9", out, 8), 2);
	assert_int_equal(out[0], 4);
	assert_int_equal(out[1], 0);

	assert_int_equal(lookup(&t, "0.0.0.0", out, 8), 1);
	assert_int_equal(out[0], 1);
	assert_int_equal(lookup(&t, "::", out, 8), 1);
	assert_int_equal(out[0], 0);
	lpm_free(&t);

	/* only IPv4 prefixes: IPv6 matches nothing, even ::/0's bytes */
	build_ok(&t, &v[1], 1);
	a = ip("::");
	assert_false(lpm_match(&t, &a));
	a = ip("1.2.3.4");
	assert_true(lpm_match(&t, &a));
	lpm_free(&t);
}

static void
test_lpm_zero_length(void **state UNUSED)
{
	struct prefix	 v[2];
	struct lpm	 t;
	uint32_t	 out[2];

	v[0] = pfx("0.0.0.0/0");
	build_ok(&t, v, 1);
	assert_int_equal(lookup(&t, "255.255.255.255", out, 2), 1);
	assert_int_equal(lookup(&t, "0.0.0.1", out, 2), 1);
	assert_int_equal(lookup(&t, "ffff::", out, 2), 0);
	lpm_free(&t);
	v[0] = pfx("::/0");
	v[1] = pfx("::/1");
	build_ok(&t, v, 2);
	assert_int_equal(lookup(&t, "7fff::1", out, 2), 2);
	assert_int_equal(out[0], 1);
	assert_int_equal(out[1], 0);
	assert_int_equal(lookup(&t, "8000::", out, 2), 1);
	assert_int_equal(out[0], 0);
	lpm_free(&t);
}

static void
test_lpm_empty(void **state UNUSED)
{
	struct lpm	 t;
	uint32_t	 out[2];
	size_t		 dup[2];
	struct ip_addr	 a = ip("10.0.0.1");

	/* never built */
	memset(&t, 0, sizeof(t));
	assert_int_equal(lpm_lookup(&t, &a, out, 2), 0);
	assert_false(lpm_match(&t, &a));
	lpm_free(&t);
	/* built from nothing */
	assert_int_equal(lpm_build(&t, NULL, 0, sizeof(struct prefix), dup),
	    0);
	assert_int_equal(t.count, 0);
	assert_false(lpm_match(&t, &a));
	lpm_free(&t);
}

static void
test_lpm_duplicates(void **state UNUSED)
{
	struct prefix	 v[5];
	struct lpm	 t;
	size_t		 dup[2] = { 99, 99 };

	v[0] = pfx("10.0.0.0/8");
	v[1] = pfx("10.20.0.0/16");
	v[2] = pfx("2001:db8::/32");
	v[3] = pfx("10.20.0.0/24");	/* same network, other length */
	v[4] = pfx("10.20.0.0/16");
	assert_int_equal(lpm_build(&t, v, 5, sizeof(v[0]), dup), 1);
	assert_int_equal(dup[0], 1);
	assert_int_equal(dup[1], 4);
	assert_null(t.slots);

	v[4] = pfx("2001:db8::/32");
	assert_int_equal(lpm_build(&t, v, 5, sizeof(v[0]), dup), 1);
	assert_int_equal(dup[0], 2);
	assert_int_equal(dup[1], 4);
	lpm_free(&t);

	/* a host and its /32 spelled out are the same prefix */
	v[0] = pfx("10.20.1.25");
	v[1] = pfx("10.20.1.25/32");
	assert_int_equal(lpm_build(&t, v, 2, sizeof(v[0]), dup), 1);
	assert_int_equal(dup[0], 0);
	assert_int_equal(dup[1], 1);
	lpm_free(&t);
}

/* Every length at once: 33 IPv4 and 129 IPv6 matches, longest first. */
static void
test_lpm_every_length(void **state UNUSED)
{
	struct prefix	 v[33 + 129];
	struct lpm	 t;
	uint32_t	 out[129];
	struct ip_addr	 a4 = ip("255.255.255.255");
	struct ip_addr	 a6 = ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	unsigned	 i;
	int		 n;

	for (i = 0; i <= 32; i++) {
		v[i].addr = a4;
		v[i].len = (uint8_t)i;
		addr_mask(&v[i].addr, i);
	}
	for (i = 0; i <= 128; i++) {
		v[33 + i].addr = a6;
		v[33 + i].len = (uint8_t)i;
		addr_mask(&v[33 + i].addr, i);
	}
	build_ok(&t, v, NELEM(v));
	assert_int_equal(t.nlens4, 33);
	assert_int_equal(t.nlens6, 129);
	n = lpm_lookup(&t, &a4, out, 129);
	assert_int_equal(n, 33);
	for (i = 0; i < 33; i++)
		assert_int_equal(out[i], 32 - i);
	n = lpm_lookup(&t, &a6, out, 129);
	assert_int_equal(n, 129);
	for (i = 0; i < 129; i++)
		assert_int_equal(out[i], 33 + 128 - i);
	/* the top bit clear: only the /0 */
	assert_int_equal(lookup(&t, "127.255.255.255", out, 129), 1);
	assert_int_equal(out[0], 0);
	assert_int_equal(lookup(&t, "7fff::", out, 129), 1);
	assert_int_equal(out[0], 33);
	lpm_free(&t);
}

/* lpm over an array of structs whose first member is the prefix. */
struct rec {
	struct prefix	 p;
	char		 name[13];
	unsigned	 line;
};

static void
test_lpm_stride(void **state UNUSED)
{
	struct rec	 r[3];
	struct lpm	 t;
	size_t		 dup[2];
	uint32_t	 out[3];

	memset(r, 0, sizeof(r));
	r[0].p = pfx("10.20.8.0/24");
	r[1].p = pfx("10.20.8.66");
	r[2].p = pfx("2001:db8:20::/48");
	assert_int_equal(lpm_build(&t, r, 3, sizeof(r[0]), dup), 0);
	assert_int_equal(lookup(&t, "10.20.8.66", out, 3), 2);
	assert_int_equal(out[0], 1);
	assert_int_equal(out[1], 0);
	assert_int_equal(lookup(&t, "2001:db8:20::66", out, 3), 1);
	assert_int_equal(out[0], 2);
	lpm_free(&t);
}

/* ---- 10,000 random prefixes against a linear scan ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t
rng(void)
{
	uint64_t	 x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

/* Whole bytes, then the bits of the last one; independent of addr_mask. */
static bool
slow_contains(const struct prefix *p, const struct ip_addr *a)
{
	unsigned	 full = p->len / 8, rest = p->len % 8;
	uint8_t		 m;

	if (p->addr.af != a->af || memcmp(p->addr.b, a->b, full) != 0)
		return false;
	if (rest == 0)
		return true;
	m = (uint8_t)(0xffu << (8 - rest));
	return (p->addr.b[full] & m) == (a->b[full] & m);
}

#define NRAND		10000
#define NBASES		64
#define NLOOKUPS	4000
#define SETSIZE		32768

static uint32_t
prefix_key_hash(const struct prefix *p)
{
	uint8_t	 k[18];

	k[0] = p->addr.af;
	k[1] = p->len;
	memcpy(k + 2, p->addr.b, 16);
	return (uint32_t)hash64(k, sizeof(k), 1);
}

static void
random_addr(struct ip_addr *a, const struct ip_addr *bases)
{
	unsigned	 i, keep;

	*a = bases[rng() % NBASES];
	/* keep a random number of the base's leading bits */
	keep = (unsigned)(rng() % (a->af == 4 ? 33 : 129));
	for (i = keep; i < (a->af == 4 ? 32u : 128u); i++)
		if (rng() & 1)
			a->b[i / 8] ^= (uint8_t)(0x80u >> (i % 8));
}

static void
test_lpm_random_vs_linear(void **state UNUSED)
{
	struct prefix	*v;
	struct ip_addr	 bases[NBASES], a;
	int32_t		*set, bylen[129];
	struct lpm	 t;
	size_t		 n = 0, i, j, dup[2];
	uint32_t	 out[129], want[129], h;
	int		 got, nw, k;
	unsigned	 len, tries = 0, total = 0, deep = 0;

	v = calloc(NRAND, sizeof(*v));
	set = malloc(SETSIZE * sizeof(*set));
	assert_non_null(v);
	assert_non_null(set);
	memset(set, 0xff, SETSIZE * sizeof(*set));
	for (i = 0; i < NBASES; i++) {
		memset(&bases[i], 0, sizeof(bases[i]));
		bases[i].af = i % 3 == 0 ? 6 : 4;
		for (j = 0; j < (bases[i].af == 4 ? 4u : 16u); j++)
			bases[i].b[j] = (uint8_t)rng();
	}
	while (n < NRAND) {
		assert_true(++tries < 10 * NRAND);
		random_addr(&v[n].addr, bases);
		/* mostly long prefixes, as real lists are */
		len = v[n].addr.af == 4 ? 32 : 128;
		if (rng() % 4 != 0)
			len = (unsigned)(rng() % (len + 1));
		else
			len = len - (unsigned)(rng() % 4);
		v[n].len = (uint8_t)len;
		addr_mask(&v[n].addr, len);
		for (h = prefix_key_hash(&v[n]) % SETSIZE; set[h] != -1;
		    h = (h + 1) % SETSIZE)
			if (v[set[h]].len == v[n].len &&
			    addr_equal(&v[set[h]].addr, &v[n].addr))
				break;
		if (set[h] != -1)
			continue;		/* duplicate, draw again */
		set[h] = (int32_t)n++;
	}
	assert_int_equal(lpm_build(&t, v, n, sizeof(*v), dup), 0);
	assert_int_equal(t.count, NRAND);

	for (i = 0; i < NLOOKUPS; i++) {
		if (i % 2 == 0)
			random_addr(&a, bases);
		else {		/* an address inside a random prefix */
			a = v[rng() % NRAND].addr;
			for (j = 0; j < 16; j++)
				a.b[j] ^= (uint8_t)(rng() & rng() & rng());
			if (a.af == 4)
				memset(a.b + 4, 0, 12);
		}
		/* no duplicates: at most one match per length */
		memset(bylen, 0xff, sizeof(bylen));
		for (j = 0; j < NRAND; j++)
			if (slow_contains(&v[j], &a)) {
				assert_int_equal(bylen[v[j].len], -1);
				bylen[v[j].len] = (int32_t)j;
			}
		nw = 0;
		for (len = 129; len-- > 0;)
			if (bylen[len] != -1)
				want[nw++] = (uint32_t)bylen[len];
		got = lpm_lookup(&t, &a, out, 129);
		if (got != nw)
			fail_msg("lookup %zu: %d matches, linear scan %d", i,
			    got, nw);
		for (k = 0; k < nw; k++)
			assert_int_equal(out[k], want[k]);
		total += (unsigned)nw;
		if (nw >= 3)
			deep++;
		assert_int_equal(lpm_match(&t, &a), nw > 0);
	}
	/* the draw must exercise nested matches, not only misses */
	assert_true(total > NLOOKUPS);
	assert_true(deep > NLOOKUPS / 10);
	lpm_free(&t);
	free(set);
	free(v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addr_parse_format),
		cmocka_unit_test(test_addr_equal),
		cmocka_unit_test(test_addr_mask),
		cmocka_unit_test(test_prefix_parse_v4),
		cmocka_unit_test(test_prefix_parse_v6),
		cmocka_unit_test(test_prefix_parse_errors),
		cmocka_unit_test(test_prefix_host_bits_suggest_network),
		cmocka_unit_test(test_prefix_format),
		cmocka_unit_test(test_prefix_contains),
		cmocka_unit_test(test_lpm_most_specific_first),
		cmocka_unit_test(test_lpm_families_apart),
		cmocka_unit_test(test_lpm_zero_length),
		cmocka_unit_test(test_lpm_empty),
		cmocka_unit_test(test_lpm_duplicates),
		cmocka_unit_test(test_lpm_every_length),
		cmocka_unit_test(test_lpm_stride),
		cmocka_unit_test(test_lpm_random_vs_linear),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
