/*
 * The per-host table: find and add, refusal when full, eviction of the
 * least recently seen (the caller told first), IPv4 apart from IPv6, a key
 * with a direction, and keys whose hashes collide.
 */
#include <errno.h>

#include "util.h"

#define SEED	0x7e57

struct rec {
	struct ip_addr	 a;		/* the key */
	uint64_t	 count;
};

struct dirkey {
	struct ip_addr	 a;
	uint8_t		 dir;
};

struct dirrec {
	struct dirkey	 key;
	uint32_t	 count;
};

struct evicted {
	struct rec	 r[16];
	int		 n;
};

static void
on_evict(void *arg, void *rec)
{
	struct evicted	*e = arg;

	assert_true(e->n < (int)NELEM(e->r));
	e->r[e->n++] = *(struct rec *)rec;
}

/* Address number i: 10.x.y.z, or 2001:db8::i when v6. */
static struct ip_addr
nth(uint32_t i, bool v6)
{
	struct ip_addr	 a;

	memset(&a, 0, sizeof(a));
	if (v6) {
		a.af = 6;
		a.b[0] = 0x20;
		a.b[1] = 0x01;
		a.b[2] = 0x0d;
		a.b[3] = 0xb8;
		a.b[12] = (uint8_t)(i >> 24);
		a.b[13] = (uint8_t)(i >> 16);
		a.b[14] = (uint8_t)(i >> 8);
		a.b[15] = (uint8_t)i;
	} else {
		a.af = 4;
		a.b[0] = 10;
		a.b[1] = (uint8_t)(i >> 16);
		a.b[2] = (uint8_t)(i >> 8);
		a.b[3] = (uint8_t)i;
	}
	return a;
}

/* The slot a key's probe starts at. */
static uint32_t
home(const struct hosttab *t, const void *key)
{
	return (uint32_t)hash64(key, t->keylen, t->seed) & t->mask;
}

/* n addresses, from 10.0.0.0 up, whose probes all start at one slot. */
static void
colliding(const struct hosttab *t, struct ip_addr *out, int n)
{
	struct ip_addr	 a = nth(0, false);
	uint32_t	 h = home(t, &a), i;
	int		 k = 0;

	for (i = 0; k < n && i < (1u << 24); i++) {
		a = nth(i, false);
		if (home(t, &a) == h)
			out[k++] = a;
	}
	assert_int_equal(k, n);
}

static void
test_find_and_add(void **state UNUSED)
{
	struct rec	 v[4];
	struct hosttab	 t;
	struct ip_addr	 a = ip("10.20.1.25"), b = ip("10.20.1.26");
	struct rec	*r, *s;

	memset(v, 0xa5, sizeof(v));		/* a new record is zeroed */
	assert_int_equal(hosttab_init(&t, v, NELEM(v), sizeof(v[0]),
	    sizeof(v[0].a), 0, SEED), 0);
	assert_null(hosttab_find(&t, &a));
	assert_non_null(r = hosttab_add(&t, &a, 0, NULL, NULL));
	assert_ptr_equal(r, &v[0]);
	assert_true(addr_equal(&r->a, &a));
	assert_int_equal(r->count, 0);
	r->count = 7;
	assert_ptr_equal(hosttab_find(&t, &a), r);
	assert_ptr_equal(hosttab_add(&t, &a, 0, NULL, NULL), r);
	assert_int_equal(r->count, 7);
	assert_non_null(s = hosttab_add(&t, &b, 0, NULL, NULL));
	assert_ptr_equal(s, &v[1]);			/* in order added */
	assert_int_equal(s->count, 0);
	assert_int_equal(t.n, 2);
	assert_ptr_equal(hosttab_find(&t, &a), r);
	assert_ptr_equal(hosttab_find(&t, &b), s);

	hosttab_clear(&t);
	assert_int_equal(t.n, 0);
	assert_null(hosttab_find(&t, &a));
	assert_null(hosttab_find(&t, &b));
	assert_ptr_equal(hosttab_add(&t, &b, 0, NULL, NULL), &v[0]);
	hosttab_free(&t);
}

static void
test_refused_when_full(void **state UNUSED)
{
	struct rec	 v[4];
	struct hosttab	 t;
	struct ip_addr	 a;
	struct rec	*r;
	uint32_t	 i, slot = 0, seen = 0;

	assert_int_equal(hosttab_init(&t, v, NELEM(v), sizeof(v[0]),
	    sizeof(v[0].a), 0, SEED), 0);
	assert_int_equal(t.mask + 1, 16);		/* 2 * cap, at least 16 */
	for (i = 0; i < 4; i++) {
		a = nth(i, false);
		assert_non_null(r = hosttab_add(&t, &a, 0, NULL, NULL));
		r->count = i + 100;
	}
	a = nth(4, false);
	assert_null(hosttab_add(&t, &a, 0, NULL, NULL));
	assert_null(hosttab_find(&t, &a));
	assert_int_equal(t.n, 4);
	for (i = 0; i < 4; i++) {		/* nothing else changed */
		a = nth(i, false);
		assert_non_null(r = hosttab_add(&t, &a, 0, NULL, NULL));
		assert_int_equal(r->count, i + 100);
	}
	/* Each record once, in slot order. */
	while ((r = hosttab_next(&t, &slot)) != NULL)
		seen |= 1u << (r->count - 100);
	assert_int_equal(seen, 0xf);
	hosttab_free(&t);

	/* No room at all: every key refused. */
	assert_int_equal(hosttab_init(&t, v, 0, sizeof(v[0]),
	    sizeof(v[0].a), 0, SEED), 0);
	assert_null(hosttab_add(&t, &a, 0, NULL, NULL));
	assert_null(hosttab_find(&t, &a));
	hosttab_free(&t);
}

static void
test_bad_shape(void **state UNUSED)
{
	struct rec	 v[8];
	struct hosttab	 t;

	/* An evicting table's cap is its slots: a power of two. */
	errno = 0;
	assert_int_equal(hosttab_init(&t, v, 6, sizeof(v[0]),
	    sizeof(v[0].a), 8, SEED), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(hosttab_init(&t, v, 0, sizeof(v[0]),
	    sizeof(v[0].a), 8, SEED), -1);
	/* A key longer than its record. */
	assert_int_equal(hosttab_init(&t, v, 8, sizeof(v[0]),
	    sizeof(v[0]) + 1, 0, SEED), -1);
	assert_int_equal(hosttab_init(&t, v, 8, sizeof(v[0]), 0, 0, SEED),
	    -1);
}

/* 8 slots probed 8 deep: every key sees the whole table. */
static void
test_evicts_least_recently_seen(void **state UNUSED)
{
	struct rec	 v[8];
	struct hosttab	 t;
	struct evicted	 ev = { .n = 0 };
	struct ip_addr	 a;
	struct rec	*r;
	uint32_t	 i;

	assert_int_equal(hosttab_init(&t, v, 8, sizeof(v[0]),
	    sizeof(v[0].a), 8, SEED), 0);
	for (i = 0; i < 8; i++) {
		a = nth(i, false);
		assert_non_null(r = hosttab_add(&t, &a, 10 + i, on_evict,
		    &ev));
		r->count = i;
	}
	assert_int_equal(ev.n, 0);
	a = nth(0, false);			/* 0 seen again: 1 is oldest */
	assert_int_equal(((struct rec *)hosttab_add(&t, &a, 20, on_evict,
	    &ev))->count, 0);

	a = nth(8, false);
	assert_non_null(r = hosttab_add(&t, &a, 21, on_evict, &ev));
	assert_int_equal(ev.n, 1);		/* told, with what it held */
	a = nth(1, false);
	assert_true(addr_equal(&ev.r[0].a, &a));
	assert_int_equal(ev.r[0].count, 1);
	assert_int_equal(r->count, 0);		/* reused: zeroed, new key */
	a = nth(8, false);
	assert_true(addr_equal(&r->a, &a));
	assert_int_equal(t.n, 8);
	a = nth(1, false);
	assert_null(hosttab_find(&t, &a));
	for (i = 0; i <= 8; i++) {
		a = nth(i, false);
		if (i != 1)
			assert_non_null(hosttab_find(&t, &a));
	}

	/* find does not make a record recent: 2 (seen at 12) goes next. */
	a = nth(2, false);
	assert_non_null(hosttab_find(&t, &a));
	a = nth(9, false);
	assert_non_null(hosttab_add(&t, &a, 22, NULL, NULL));	/* untold */
	assert_int_equal(ev.n, 1);
	a = nth(2, false);
	assert_null(hosttab_find(&t, &a));
	hosttab_free(&t);
}

/* Seen at the same time: the first in the new key's probe goes. */
static void
test_evicts_first_of_equals(void **state UNUSED)
{
	struct rec	 v[8];
	struct hosttab	 t;
	struct evicted	 ev = { .n = 0 };
	struct ip_addr	 a, b;
	struct rec	*first;
	uint32_t	 i;

	assert_int_equal(hosttab_init(&t, v, 8, sizeof(v[0]),
	    sizeof(v[0].a), 8, SEED), 0);
	for (i = 0; i < 8; i++) {
		a = nth(i, false);
		assert_non_null(hosttab_add(&t, &a, 5, NULL, NULL));
	}
	b = nth(100, false);
	first = &v[home(&t, &b)];
	a = first->a;
	assert_ptr_equal(hosttab_add(&t, &b, 5, on_evict, &ev), first);
	assert_int_equal(ev.n, 1);
	assert_true(addr_equal(&ev.r[0].a, &a));
	hosttab_free(&t);
}

static void
test_ipv4_apart_from_ipv6(void **state UNUSED)
{
	struct rec	 v[8];
	struct hosttab	 t;
	struct ip_addr	 k[4] = { ip("10.0.0.1"), ip("::ffff:10.0.0.1"),
			    ip("a00:1::"), ip("::a00:1") };
	struct rec	*r[4];
	int		 i, j;

	assert_int_equal(hosttab_init(&t, v, NELEM(v), sizeof(v[0]),
	    sizeof(v[0].a), 0, SEED), 0);
	for (i = 0; i < 4; i++)
		assert_non_null(r[i] = hosttab_add(&t, &k[i], 0, NULL, NULL));
	assert_int_equal(t.n, 4);
	for (i = 0; i < 4; i++) {
		assert_ptr_equal(hosttab_find(&t, &k[i]), r[i]);
		for (j = 0; j < i; j++)
			assert_ptr_not_equal(r[i], r[j]);
	}
	hosttab_free(&t);
}

/* The same address in two directions: two keys, in both kinds of table. */
static void
test_key_with_direction(void **state UNUSED)
{
	struct dirrec	 v[8];
	struct hosttab	 t;
	struct dirkey	 in, out;
	struct dirrec	*ri, *ro;
	uint32_t	 probe;

	assert_int_equal(sizeof(struct dirkey), 18);	/* no padding */
	for (probe = 0; probe <= 8; probe += 8) {
		assert_int_equal(hosttab_init(&t, v, NELEM(v), sizeof(v[0]),
		    sizeof(v[0].key), probe, SEED), 0);
		memset(&in, 0, sizeof(in));
		in.a = ip("203.0.113.66");
		in.dir = 1;
		out = in;
		out.dir = 2;
		assert_non_null(ri = hosttab_add(&t, &in, 1, NULL, NULL));
		assert_null(hosttab_find(&t, &out));
		assert_non_null(ro = hosttab_add(&t, &out, 2, NULL, NULL));
		assert_ptr_not_equal(ri, ro);
		assert_int_equal(ri->key.dir, 1);
		assert_int_equal(ro->key.dir, 2);
		assert_true(addr_equal(&ro->key.a, &in.a));
		ri->count = 3;
		ro->count = 4;
		assert_int_equal(((struct dirrec *)hosttab_find(&t,
		    &in))->count, 3);
		assert_int_equal(((struct dirrec *)hosttab_find(&t,
		    &out))->count, 4);
		hosttab_free(&t);
	}
}

/* Two IPv6 addresses one last byte apart, from one home slot. */
static void
test_last_byte_apart(void **state UNUSED)
{
	static struct rec	 v[64];
	struct hosttab		 t;
	struct ip_addr		 a = nth(0, true), b;
	struct rec		*ra, *rb;
	uint32_t		 i;

	assert_int_equal(hosttab_init(&t, v, NELEM(v), sizeof(v[0]),
	    sizeof(v[0].a), 0, SEED), 0);
	for (i = 1; i < 256; i++) {
		b = nth(i, true);
		if (home(&t, &b) == home(&t, &a))
			break;
	}
	assert_true(i < 256);
	assert_non_null(ra = hosttab_add(&t, &a, 0, NULL, NULL));
	assert_null(hosttab_find(&t, &b));
	assert_non_null(rb = hosttab_add(&t, &b, 0, NULL, NULL));
	assert_ptr_not_equal(ra, rb);
	assert_ptr_equal(hosttab_find(&t, &a), ra);
	assert_ptr_equal(hosttab_find(&t, &b), rb);
	hosttab_free(&t);
}

/* Keys that all start at one slot: a refusing table walks past them. */
static void
test_collisions_refusing(void **state UNUSED)
{
	static struct rec	 v[64];
	struct hosttab		 t;
	struct ip_addr		 k[40], other;
	struct rec		*r;
	uint32_t		 h;
	int			 i;

	assert_int_equal(hosttab_init(&t, v, NELEM(v), sizeof(v[0]),
	    sizeof(v[0].a), 0, SEED), 0);
	colliding(&t, k, 40);
	h = home(&t, &k[0]);
	for (i = 0; i < 40; i++) {
		assert_non_null(r = hosttab_add(&t, &k[i], 0, NULL, NULL));
		r->count = (uint64_t)i;
	}
	for (i = 0; i < 40; i++) {
		assert_non_null(r = hosttab_find(&t, &k[i]));
		assert_int_equal(r->count, i);
		assert_true(addr_equal(&r->a, &k[i]));
	}
	/* One more with the same home is not there; it goes after them. */
	for (i = 1 << 20; ; i++) {
		other = nth((uint32_t)i, true);
		if (home(&t, &other) == h)
			break;
	}
	assert_null(hosttab_find(&t, &other));
	assert_non_null(r = hosttab_add(&t, &other, 0, NULL, NULL));
	assert_ptr_equal(r, &v[40]);
	assert_int_equal(t.slot[(h + 40) & t.mask], 41);
	hosttab_free(&t);
}

/* Nine keys for one probe of eight: the oldest of them goes, no other. */
static void
test_collisions_evicting(void **state UNUSED)
{
	static struct rec	 v[64];
	struct hosttab		 t;
	struct evicted		 ev = { .n = 0 };
	struct ip_addr		 k[9];
	struct rec		*r;
	uint32_t		 h, i;

	assert_int_equal(hosttab_init(&t, v, NELEM(v), sizeof(v[0]),
	    sizeof(v[0].a), 8, SEED), 0);
	colliding(&t, k, 9);
	h = home(&t, &k[0]);
	for (i = 0; i < 8; i++) {		/* slots h .. h + 7 */
		assert_non_null(r = hosttab_add(&t, &k[i], i == 3 ? 50 :
		    100 + i, on_evict, &ev));
		assert_ptr_equal(r, &v[(h + i) & t.mask]);	/* slot's own */
		r->count = i;
	}
	assert_int_equal(ev.n, 0);
	assert_non_null(r = hosttab_add(&t, &k[8], 200, on_evict, &ev));
	assert_int_equal(ev.n, 1);
	assert_true(addr_equal(&ev.r[0].a, &k[3]));
	assert_int_equal(ev.r[0].count, 3);
	assert_ptr_equal(r, &v[(h + 3) & t.mask]);
	assert_int_equal(t.n, 8);
	assert_null(hosttab_find(&t, &k[3]));
	for (i = 0; i < 9; i++)
		if (i != 3)
			assert_non_null(hosttab_find(&t, &k[i]));
	/* The slot after the probe stays empty: nothing spills past it. */
	assert_int_equal(t.slot[(h + 8) & t.mask], 0);
	hosttab_free(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find_and_add),
		cmocka_unit_test(test_refused_when_full),
		cmocka_unit_test(test_bad_shape),
		cmocka_unit_test(test_evicts_least_recently_seen),
		cmocka_unit_test(test_evicts_first_of_equals),
		cmocka_unit_test(test_ipv4_apart_from_ipv6),
		cmocka_unit_test(test_key_with_direction),
		cmocka_unit_test(test_last_byte_apart),
		cmocka_unit_test(test_collisions_refusing),
		cmocka_unit_test(test_collisions_evicting),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
