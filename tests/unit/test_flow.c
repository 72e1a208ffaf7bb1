/*
 * The connection table: insert, lookup, remove, the per-state lists and
 * their timeouts, flush, and eviction when full.
 */
#include "util.h"

#define SEC		INT64_C(1000000)
#define T_NEW		30
#define T_EST		3600
#define T_CLOSED	10
#define T_BYPASSED	20

static const uint32_t timeouts[FS_COUNT] = {
	[FS_NEW] = T_NEW,
	[FS_ESTABLISHED] = T_EST,
	[FS_CLOSED] = T_CLOSED,
	[FS_BYPASSED] = T_BYPASSED,
};

#define MAXREC	64

/* What the end callback saw. */
struct rec {
	unsigned	 n;
	uint64_t	 id[MAXREC];
	uint8_t		 end[MAXREC];
	uint8_t		 state[MAXREC];
	unsigned	 by_end[8];
	struct flowtab	*t;
	uint32_t	 count_in_cb;	/* flowtab_count() during the call */
};

static void
on_end(void *arg, struct flow *f)
{
	struct rec	*r = arg;

	if (r->n < MAXREC) {
		r->id[r->n] = f->id;
		r->end[r->n] = f->end;
		r->state[r->n] = f->state;
	}
	r->n++;
	if (f->end < 8)
		r->by_end[f->end]++;
	if (r->t != NULL)
		r->count_in_cb = flowtab_count(r->t);
}

/* A distinct key for every i < 2^24. */
static struct flow_key
key(uint32_t i)
{
	struct flow_key	 k;

	memset(&k, 0, sizeof(k));
	k.af = 4;
	k.addr[0][0] = 10;
	k.addr[0][1] = 20;
	k.addr[0][2] = (uint8_t)(i >> 8);
	k.addr[0][3] = (uint8_t)i;
	k.addr[1][0] = 198;
	k.addr[1][1] = 51;
	k.addr[1][2] = 100;
	k.addr[1][3] = 7;
	k.port[0] = (uint16_t)(1024 + (i >> 16));
	k.port[1] = 25;
	return k;
}

static struct flow *
ins(struct flowtab *t, uint32_t i, int64_t now)
{
	struct flow_key	 k = key(i);
	struct flow	*f;

	f = flowtab_insert(t, &k, flow_hash(t, &k), now);
	if (f != NULL)
		f->id = i;
	return f;
}

static struct flow *
find(struct flowtab *t, uint32_t i)
{
	struct flow_key	 k = key(i);

	return flowtab_lookup(t, &k, flow_hash(t, &k));
}

static struct flowtab *
newtab(uint32_t max, struct rec *r)
{
	struct flowtab	*t;

	memset(r, 0, sizeof(*r));
	t = flowtab_new(max, timeouts, 0x1234, on_end, r);
	assert_non_null(t);
	r->t = t;
	assert_int_equal(flowtab_count(t), 0);
	return t;
}

/* Change state the way the engine does: set it, then touch. */
static void
set_state(struct flowtab *t, struct flow *f, uint8_t s, int64_t now)
{
	f->state = s;
	f->last_us = now;
	flowtab_touch(t, f);
}

static void
test_names(void **state UNUSED)
{
	assert_string_equal(flow_state_name(FS_NEW), "new");
	assert_string_equal(flow_state_name(FS_ESTABLISHED), "established");
	assert_string_equal(flow_state_name(FS_CLOSED), "closed");
	assert_string_equal(flow_state_name(FS_BYPASSED), "bypassed");
	assert_string_equal(flow_state_name(FS_COUNT), "?");
	assert_string_equal(flow_state_name(255), "?");
	assert_string_equal(flow_end_name(FE_NONE), "none");
	assert_string_equal(flow_end_name(FE_FIN), "fin");
	assert_string_equal(flow_end_name(FE_RST), "rst");
	assert_string_equal(flow_end_name(FE_TIMEOUT), "timeout");
	assert_string_equal(flow_end_name(FE_EVICTED), "evicted");
	assert_string_equal(flow_end_name(FE_END_OF_CAPTURE),
	    "end-of-capture");
	assert_string_equal(flow_end_name(FE_SHUTDOWN), "shutdown");
	assert_string_equal(flow_end_name(200), "?");
}

static void
test_hash(void **state UNUSED)
{
	struct rec	 r;
	struct flowtab	*t = newtab(64, &r), *t2;
	struct flow_key	 a = key(1), b = key(1), c = key(2);
	uint8_t		 buf[19];
	size_t		 n;

	assert_int_equal(flow_hash(t, &a), flow_hash(t, &b));
	assert_int_not_equal(flow_hash(t, &a), flow_hash(t, &c));
	/* another seed, another hash */
	t2 = flowtab_new(64, timeouts, 0x5678, on_end, &r);
	assert_non_null(t2);
	assert_int_not_equal(flow_hash(t, &a), flow_hash(t2, &a));
	flowtab_free(t2);
	/* every length, including the tail after whole words */
	memset(buf, 7, sizeof(buf));
	for (n = 0; n < sizeof(buf); n++) {
		assert_true(hash64(buf, n, 1) == hash64(buf, n, 1));
		assert_true(hash64(buf, n, 1) != hash64(buf, n, 2));
		assert_true(hash64(buf, n, 1) != hash64(buf, n + 1, 1));
	}
	flowtab_free(t);
}

static void
test_insert_lookup_remove(void **state UNUSED)
{
	struct rec	 r;
	struct flowtab	*t = newtab(64, &r);
	struct flow	*f[3], *g;
	struct flow_key	 k = key(1);
	uint32_t	 i;

	for (i = 0; i < 3; i++) {
		f[i] = ins(t, i, (int64_t)i * SEC);
		assert_non_null(f[i]);
		assert_int_equal(f[i]->state, FS_NEW);
		assert_int_equal(f[i]->end, FE_NONE);
		assert_int_equal(f[i]->first_us, (int64_t)i * SEC);
		assert_int_equal(f[i]->last_us, (int64_t)i * SEC);
		assert_int_equal(f[i]->pkts[0] + f[i]->pkts[1], 0);
	}
	assert_memory_equal(&f[1]->key, &k, sizeof(k));
	assert_int_equal(flowtab_count(t), 3);
	for (i = 0; i < 3; i++)
		assert_ptr_equal(find(t, i), f[i]);
	assert_null(find(t, 3));

	flowtab_remove(t, f[1]);
	assert_int_equal(flowtab_count(t), 2);
	assert_null(find(t, 1));
	assert_ptr_equal(find(t, 0), f[0]);
	assert_ptr_equal(find(t, 2), f[2]);
	assert_int_equal(r.n, 0);	/* remove does not report */

	/* re-insert reuses the entry, fresh */
	f[0]->pkts[0] = 5;
	g = ins(t, 7, 9 * SEC);
	assert_non_null(g);
	assert_ptr_equal(find(t, 7), g);
	assert_int_equal(g->pkts[0], 0);
	assert_int_equal(flowtab_count(t), 3);
	assert_int_equal(f[0]->pkts[0], 5);

	/* flowtab_end reports, then frees */
	flowtab_end(t, f[0], FE_RST);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.id[0], 0);
	assert_int_equal(r.end[0], FE_RST);
	assert_int_equal(r.count_in_cb, 3);	/* still there during the call */
	assert_int_equal(flowtab_count(t), 2);
	assert_null(find(t, 0));
	flowtab_free(t);
}

static void
test_same_bucket_chains(void **state UNUSED)
{
	struct rec	 r;
	struct flowtab	*t = newtab(4096, &r);
	struct flow	*f[4096];
	uint32_t	 i;

	/* 4096 flows in 4096 buckets: chains are certain */
	for (i = 0; i < 4096; i++)
		assert_non_null(f[i] = ins(t, i, 0));
	for (i = 0; i < 4096; i++)
		assert_ptr_equal(find(t, i), f[i]);
	/* remove every third, from the middle of chains too */
	for (i = 0; i < 4096; i += 3)
		flowtab_remove(t, f[i]);
	for (i = 0; i < 4096; i++)
		if (i % 3 == 0)
			assert_null(find(t, i));
		else
			assert_ptr_equal(find(t, i), f[i]);
	assert_int_equal(flowtab_count(t), 4096 - 1366);
	flowtab_free(t);
}

static void
test_touch_moves_to_tail(void **state UNUSED)
{
	struct rec	 r;
	struct flowtab	*t = newtab(64, &r);
	struct flow	*a, *b;

	a = ins(t, 1, 0);
	b = ins(t, 2, 0);
	a->last_us = 20 * SEC;
	flowtab_touch(t, a);		/* same state: to the tail */
	flowtab_expire(t, 31 * SEC);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.id[0], 2);
	assert_int_equal(r.end[0], FE_TIMEOUT);
	assert_ptr_equal(find(t, 1), a);
	assert_null(find(t, 2));
	(void)b;
	flowtab_expire(t, 50 * SEC);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.id[1], 1);
	assert_int_equal(flowtab_count(t), 0);
	flowtab_free(t);
}

static void
test_touch_moves_between_state_lists(void **state UNUSED)
{
	struct rec	 r;
	struct flowtab	*t = newtab(64, &r);
	struct flow	*a, *b, *c;

	a = ins(t, 1, 0);
	b = ins(t, 2, 0);
	c = ins(t, 3, 0);
	set_state(t, a, FS_ESTABLISHED, 0);
	set_state(t, b, FS_CLOSED, 0);

	/* closed times out after 10 s, new after 30 s */
	flowtab_expire(t, 10 * SEC - 1);
	assert_int_equal(r.n, 0);
	flowtab_expire(t, 10 * SEC);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.id[0], 2);
	assert_int_equal(r.state[0], FS_CLOSED);
	assert_int_equal(r.end[0], FE_TIMEOUT);
	flowtab_expire(t, 30 * SEC);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.id[1], 3);
	assert_int_equal(r.state[1], FS_NEW);
	/* established: an hour */
	flowtab_expire(t, 3599 * SEC);
	assert_int_equal(r.n, 2);
	assert_ptr_equal(find(t, 1), a);
	flowtab_expire(t, 3600 * SEC);
	assert_int_equal(r.n, 3);
	assert_int_equal(r.id[2], 1);
	assert_int_equal(r.state[2], FS_ESTABLISHED);
	assert_int_equal(r.end[2], FE_TIMEOUT);
	assert_int_equal(flowtab_count(t), 0);
	(void)c;

	/* back from established to new list order after many moves */
	a = ins(t, 10, 100 * SEC);
	b = ins(t, 11, 100 * SEC);
	set_state(t, a, FS_ESTABLISHED, 101 * SEC);
	set_state(t, a, FS_CLOSED, 102 * SEC);
	set_state(t, b, FS_CLOSED, 103 * SEC);
	set_state(t, a, FS_CLOSED, 104 * SEC);	/* a to the closed tail */
	flowtab_expire(t, 113 * SEC);
	assert_int_equal(r.n, 4);
	assert_int_equal(r.id[3], 11);
	flowtab_expire(t, 114 * SEC);
	assert_int_equal(r.n, 5);
	assert_int_equal(r.id[4], 10);
	assert_int_equal(flowtab_count(t), 0);
	flowtab_free(t);
}

static void
test_bypassed_timeout_and_eviction(void **state UNUSED)
{
	struct rec	 r;
	struct flowtab	*t = newtab(16, &r);
	uint32_t	 i;

	/* its own timeout */
	set_state(t, ins(t, 1, 0), FS_BYPASSED, 0);
	set_state(t, ins(t, 2, 0), FS_CLOSED, 0);
	flowtab_expire(t, T_CLOSED * SEC);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.id[0], 2);
	flowtab_expire(t, T_BYPASSED * SEC - 1);
	assert_int_equal(r.n, 1);
	flowtab_expire(t, T_BYPASSED * SEC);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.id[1], 1);
	assert_int_equal(r.state[1], FS_BYPASSED);
	assert_int_equal(r.end[1], FE_TIMEOUT);

	/* when full: closed first, then bypassed, then the oldest new */
	for (i = 0; i < 16; i++)
		ins(t, 10 + i, 100);
	for (i = 0; i < 12; i++)
		set_state(t, find(t, 10 + i), FS_ESTABLISHED, 101);
	set_state(t, find(t, 22), FS_BYPASSED, 102);
	set_state(t, find(t, 23), FS_CLOSED, 103);
	/* new: 24, 25 */
	for (i = 0; i < 4; i++)
		assert_non_null(ins(t, 100 + i, 200));
	assert_int_equal(r.n, 6);
	assert_int_equal(r.id[2], 23);
	assert_int_equal(r.id[3], 22);
	assert_int_equal(r.state[3], FS_BYPASSED);
	assert_int_equal(r.end[3], FE_EVICTED);
	assert_int_equal(r.id[4], 24);
	assert_int_equal(r.id[5], 25);
	assert_int_equal(flowtab_count(t), 16);
	flowtab_free(t);
}

static void
test_expire_keeps_existing_end(void **state UNUSED)
{
	struct rec	 r;
	struct flowtab	*t = newtab(64, &r);
	struct flow	*a;

	a = ins(t, 1, 0);
	a->end = FE_FIN;
	set_state(t, a, FS_CLOSED, 0);
	flowtab_expire(t, 10 * SEC);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.end[0], FE_FIN);
	assert_int_equal(r.by_end[FE_TIMEOUT], 0);
	flowtab_free(t);
}

static void
test_expire_oldest_first_and_stops(void **state UNUSED)
{
	struct rec	 r;
	struct flowtab	*t = newtab(64, &r);
	uint32_t	 i;

	for (i = 0; i < 10; i++)
		ins(t, i, (int64_t)i * SEC);
	flowtab_expire(t, 34 * SEC);	/* 0..4 are 30 s old or more */
	assert_int_equal(r.n, 5);
	for (i = 0; i < 5; i++) {
		assert_int_equal(r.id[i], i);
		assert_int_equal(r.end[i], FE_TIMEOUT);
		assert_null(find(t, i));
	}
	assert_int_equal(flowtab_count(t), 5);
	assert_int_equal(r.by_end[FE_TIMEOUT], 5);
	flowtab_free(t);
}

struct each {
	unsigned	 n;
	bool		 seen[64];
};

static void
on_each(void *arg, const struct flow *f)
{
	struct each	*e = arg;

	e->n++;
	if (f->id < 64) {
		assert_false(e->seen[f->id]);
		e->seen[f->id] = true;
	}
}

/* Every tracked flow once, whatever its state; nothing changes. */
static void
test_foreach(void **state UNUSED)
{
	struct rec	 r;
	struct flowtab	*t = newtab(64, &r);
	struct each	 e;
	struct flow	*f;
	uint32_t	 i;

	memset(&e, 0, sizeof(e));
	flowtab_foreach(t, on_each, &e);
	assert_int_equal(e.n, 0);
	for (i = 0; i < 40; i++) {
		f = ins(t, i, (int64_t)i);
		if (i % 4 == 1)
			set_state(t, f, FS_ESTABLISHED, i);
		else if (i % 4 == 2)
			set_state(t, f, FS_CLOSED, i);
		else if (i % 4 == 3)
			set_state(t, f, FS_BYPASSED, i);
	}
	flowtab_remove(t, find(t, 7));
	flowtab_foreach(t, on_each, &e);
	assert_int_equal(e.n, 39);
	for (i = 0; i < 40; i++)
		assert_int_equal(e.seen[i], i != 7);
	assert_int_equal(flowtab_count(t), 39);
	assert_int_equal(r.n, 0);
	flowtab_free(t);
}

static void
test_flush(void **state UNUSED)
{
	struct rec	 r;
	struct flowtab	*t = newtab(64, &r);
	struct flow	*f;
	uint32_t	 i;
	bool		 seen[20] = { false };

	for (i = 0; i < 20; i++) {
		f = ins(t, i, (int64_t)i);
		if (i % 3 == 1)
			set_state(t, f, FS_ESTABLISHED, i);
		else if (i % 3 == 2)
			set_state(t, f, FS_CLOSED, i);
	}
	find(t, 5)->end = FE_RST;
	flowtab_flush(t, FE_SHUTDOWN);
	assert_int_equal(r.n, 20);
	assert_int_equal(flowtab_count(t), 0);
	for (i = 0; i < 20; i++) {
		assert_false(seen[r.id[i]]);
		seen[r.id[i]] = true;
		assert_int_equal(r.end[i], r.id[i] == 5 ? FE_RST : FE_SHUTDOWN);
		assert_null(find(t, i));
	}
	/* flushing an empty table does nothing; the table is reusable */
	flowtab_flush(t, FE_SHUTDOWN);
	assert_int_equal(r.n, 20);
	assert_non_null(ins(t, 99, 0));
	assert_int_equal(flowtab_count(t), 1);
	flowtab_expire(t, 1000 * SEC);
	assert_int_equal(r.n, 21);
	flowtab_free(t);
}

static void
test_evict_closed_then_oldest_new_never_established(void **state UNUSED)
{
	struct rec	 r;
	struct flowtab	*t = newtab(16, &r);
	struct flow	*f;
	uint32_t	 i;

	for (i = 0; i < 16; i++)
		assert_non_null(ins(t, i, (int64_t)i));
	for (i = 0; i < 10; i++)
		set_state(t, find(t, i), FS_ESTABLISHED, 100);
	/* closed in the order 12, 10, 11 */
	set_state(t, find(t, 12), FS_CLOSED, 101);
	set_state(t, find(t, 10), FS_CLOSED, 102);
	set_state(t, find(t, 11), FS_CLOSED, 103);
	/* new: 13, 14, 15; make 13 the most recent */
	set_state(t, find(t, 13), FS_NEW, 104);
	assert_int_equal(flowtab_count(t), 16);

	/* three closed, oldest first */
	for (i = 0; i < 3; i++) {
		f = ins(t, 100 + i, 200);
		assert_non_null(f);
		assert_int_equal(flowtab_count(t), 16);
	}
	assert_int_equal(r.n, 3);
	assert_int_equal(r.id[0], 12);
	assert_int_equal(r.id[1], 10);
	assert_int_equal(r.id[2], 11);
	for (i = 0; i < 3; i++) {
		assert_int_equal(r.end[i], FE_EVICTED);
		assert_int_equal(r.state[i], FS_CLOSED);
	}
	assert_null(find(t, 10));
	assert_int_equal(find(t, 100)->id, 100);

	/* then new ones, oldest first: 14, 15, 13, then 100.. */
	for (i = 3; i < 9; i++)
		assert_non_null(ins(t, 100 + i, 300));
	assert_int_equal(r.n, 9);
	assert_int_equal(r.id[3], 14);
	assert_int_equal(r.id[4], 15);
	assert_int_equal(r.id[5], 13);
	assert_int_equal(r.id[6], 100);
	assert_int_equal(r.id[7], 101);
	assert_int_equal(r.id[8], 102);
	for (i = 3; i < 9; i++) {
		assert_int_equal(r.end[i], FE_EVICTED);
		assert_int_equal(r.state[i], FS_NEW);
	}
	assert_int_equal(r.by_end[FE_EVICTED], 9);
	for (i = 0; i < 10; i++)
		assert_non_null(find(t, i));	/* established untouched */

	/* every entry established: no room, nothing evicted */
	for (i = 103; i < 109; i++)
		set_state(t, find(t, i), FS_ESTABLISHED, 400);
	assert_null(ins(t, 500, 500));
	assert_null(ins(t, 501, 500));
	assert_int_equal(r.n, 9);
	assert_int_equal(flowtab_count(t), 16);
	for (i = 0; i < 10; i++)
		assert_non_null(find(t, i));
	assert_null(find(t, 500));

	/* one closes: it is the one that makes room */
	set_state(t, find(t, 4), FS_CLOSED, 600);
	assert_non_null(ins(t, 502, 600));
	assert_int_equal(r.n, 10);
	assert_int_equal(r.id[9], 4);
	assert_int_equal(flowtab_count(t), 16);

	/* removing one frees a slot without any eviction */
	flowtab_remove(t, find(t, 5));
	assert_int_equal(flowtab_count(t), 15);
	assert_non_null(ins(t, 503, 700));
	assert_int_equal(r.n, 10);
	assert_int_equal(flowtab_count(t), 16);
	flowtab_free(t);
}

static uint64_t rng_state = 88172645463325252ULL;

static uint32_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 11);
}

#define BIG	100000

static void
test_100k_insert_remove(void **state UNUSED)
{
	struct rec	 r;
	struct flowtab	*t = newtab(BIG, &r);
	uint32_t	*order, i, j, tmp;
	int		 round;

	order = malloc(BIG * sizeof(*order));
	assert_non_null(order);
	for (round = 0; round < 2; round++) {
		for (i = 0; i < BIG; i++) {
			if (ins(t, i + (uint32_t)round * BIG, i) == NULL)
				fail_msg("insert %u failed", i);
			order[i] = i;
		}
		assert_int_equal(flowtab_count(t), BIG);
		for (i = 0; i < BIG; i++)
			if (find(t, i + (uint32_t)round * BIG) == NULL)
				fail_msg("lookup %u failed", i);
		for (i = BIG - 1; i > 0; i--) {
			j = rng() % (i + 1);
			tmp = order[i];
			order[i] = order[j];
			order[j] = tmp;
		}
		for (i = 0; i < BIG; i++) {
			struct flow	*f = find(t, order[i] +
			    (uint32_t)round * BIG);

			assert_non_null(f);
			flowtab_remove(t, f);
			if (i % 9973 == 0)
				assert_int_equal(flowtab_count(t),
				    BIG - i - 1);
		}
		assert_int_equal(flowtab_count(t), 0);
		assert_null(find(t, (uint32_t)round * BIG));
	}
	assert_int_equal(r.n, 0);

	/* interleaved, with expiry and flush */
	for (i = 0; i < BIG; i++) {
		struct flow	*f = ins(t, i, (int64_t)i * 1000);

		assert_non_null(f);
		if (i % 2 == 1)
			flowtab_remove(t, find(t, i - 1));
	}
	assert_int_equal(flowtab_count(t), BIG / 2);
	flowtab_expire(t, (int64_t)(BIG / 2) * 1000 + T_NEW * SEC);
	assert_int_equal(r.by_end[FE_TIMEOUT], BIG / 4);
	assert_int_equal(flowtab_count(t), BIG / 4);
	flowtab_flush(t, FE_END_OF_CAPTURE);
	assert_int_equal(r.by_end[FE_END_OF_CAPTURE], BIG / 4);
	assert_int_equal(flowtab_count(t), 0);
	free(order);
	flowtab_free(t);
}

static void
test_100k_through_small_table(void **state UNUSED)
{
	struct rec	 r;
	struct flowtab	*t = newtab(1000, &r);
	uint32_t	 i;

	for (i = 0; i < BIG; i++) {
		assert_non_null(ins(t, i, (int64_t)i));
		if (i % 3 == 0)
			set_state(t, find(t, i), FS_CLOSED, (int64_t)i);
	}
	assert_int_equal(flowtab_count(t), 1000);
	assert_int_equal(r.n, BIG - 1000);
	assert_int_equal(r.by_end[FE_EVICTED], BIG - 1000);
	/* closed flows go first: 0, then 3 (1000 closed after its insert) */
	assert_int_equal(r.id[0], 0);
	assert_int_equal(r.state[0], FS_CLOSED);
	assert_int_equal(r.id[1], 3);
	assert_int_equal(r.state[1], FS_CLOSED);
	assert_non_null(find(t, BIG - 1));
	assert_non_null(find(t, BIG - 2));
	flowtab_flush(t, FE_SHUTDOWN);
	assert_int_equal(r.n, BIG);
	assert_int_equal(flowtab_count(t), 0);
	flowtab_free(t);
}

/*
 * flow_key_make and flow_key_tuple: a connection's two directions make
 * one key, the end each came from is told, and the tuple read from that
 * end gives back what went in.
 */
static void
test_key_make_tuple(void **state)
{
	struct ip_addr		 c, s, v6c, v6s;
	struct flow_key		 k1, k2;
	struct flow_tuple	 t;
	uint8_t			 from1, from2;

	(void)state;
	assert_int_equal(addr_parse("198.51.100.7", &c), 0);
	assert_int_equal(addr_parse("10.20.3.44", &s), 0);
	from1 = flow_key_make(&k1, &c, 40001, &s, 25);
	from2 = flow_key_make(&k2, &s, 25, &c, 40001);
	assert_memory_equal(&k1, &k2, sizeof(k1));
	assert_int_equal(from1, 1);		/* 10.x is the lower end */
	assert_int_equal(from2, 0);
	flow_key_tuple(&k1, from1, &t);
	assert_true(addr_equal(&t.src, &c));
	assert_true(addr_equal(&t.dst, &s));
	assert_int_equal(t.sport, 40001);
	assert_int_equal(t.dport, 25);
	flow_key_tuple(&k1, from1 ^ 1, &t);
	assert_true(addr_equal(&t.src, &s));
	assert_int_equal(t.sport, 25);
	assert_int_equal(t.dport, 40001);

	/* one address at both ends: the lower port first */
	from1 = flow_key_make(&k1, &c, 587, &c, 1025);
	from2 = flow_key_make(&k2, &c, 1025, &c, 587);
	assert_memory_equal(&k1, &k2, sizeof(k1));
	assert_int_equal(from1, 0);
	assert_int_equal(from2, 1);
	flow_key_tuple(&k2, from2, &t);
	assert_int_equal(t.sport, 1025);
	assert_int_equal(t.dport, 587);

	/* IPv6: the family is kept */
	assert_int_equal(addr_parse("2001:db8::25", &v6s), 0);
	assert_int_equal(addr_parse("2001:db8:1::9", &v6c), 0);
	from1 = flow_key_make(&k1, &v6c, 50000, &v6s, 25);
	assert_int_equal(k1.af, 6);
	flow_key_tuple(&k1, from1, &t);
	assert_int_equal(t.src.af, 6);
	assert_true(addr_equal(&t.src, &v6c));
	assert_true(addr_equal(&t.dst, &v6s));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_hash),
		cmocka_unit_test(test_key_make_tuple),
		cmocka_unit_test(test_insert_lookup_remove),
		cmocka_unit_test(test_same_bucket_chains),
		cmocka_unit_test(test_touch_moves_to_tail),
		cmocka_unit_test(test_touch_moves_between_state_lists),
		cmocka_unit_test(test_bypassed_timeout_and_eviction),
		cmocka_unit_test(test_expire_keeps_existing_end),
		cmocka_unit_test(test_expire_oldest_first_and_stops),
		cmocka_unit_test(test_flush),
		cmocka_unit_test(test_foreach),
		cmocka_unit_test(test_evict_closed_then_oldest_new_never_established),
		cmocka_unit_test(test_100k_insert_remove),
		cmocka_unit_test(test_100k_through_small_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
