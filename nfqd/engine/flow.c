/*
 * The connection table: a fixed array of max-flows entries (allocated
 * once, pages touched only as used), chained hash buckets of indexes, and
 * one list per TCP state ordered by last packet.  Since every list has a
 * single timeout its head is always the next to expire, so expiry costs
 * nothing per packet.  When the table is full a closed (or bypassed) flow
 * is reused first, then the oldest un-established one: a SYN flood recycles its own
 * entries and never pushes out an established connection.
 */
#include <stdlib.h>
#include <string.h>

#include "engine/flow.h"
#include "base/hash.h"

#define NIL	UINT32_MAX

struct flowlist {
	uint32_t	 head, tail;
};

struct flowtab {
	struct flow	*flows;
	uint32_t	*buckets;
	uint32_t	 bmask;
	uint32_t	 max, used, hiwater, freelist;
	struct flowlist	 lists[FS_COUNT];
	int64_t		 timeout_us[FS_COUNT];
	uint64_t	 seed;
	flow_end_cb	 end;
	void		*arg;
};

const char *
flow_state_name(uint8_t s)
{
	static const char *names[] = { "new", "established", "closed",
	    "bypassed" };
	return s < FS_COUNT ? names[s] : "?";
}

const char *
flow_end_name(uint8_t e)
{
	static const char *names[] = { "none", "fin", "rst", "timeout",
	    "evicted", "end-of-capture", "shutdown", "reuse" };
	return e < sizeof(names) / sizeof(names[0]) ? names[e] : "?";
}

/*
 * The key of a packet from src:sport to dst:dport, the lower (address,
 * port) end first.  Returns the key end the packet came from.
 */
uint8_t
flow_key_make(struct flow_key *k, const struct ip_addr *src, uint16_t sport,
    const struct ip_addr *dst, uint16_t dport)
{
	uint8_t	 from;
	int	 cmp;

	memset(k, 0, sizeof(*k));
	k->af = src->af;
	cmp = memcmp(src->b, dst->b, 16);
	from = cmp < 0 || (cmp == 0 && sport <= dport) ? 0 : 1;
	memcpy(k->addr[from], src->b, 16);
	memcpy(k->addr[from ^ 1], dst->b, 16);
	k->port[from] = sport;
	k->port[from ^ 1] = dport;
	return from;
}

/* The key's ends, key end src_end (0 or 1) as src, the other as dst. */
void
flow_key_tuple(const struct flow_key *k, uint8_t src_end, struct flow_tuple *t)
{
	uint8_t	 dst_end = src_end ^ 1;

	memset(t, 0, sizeof(*t));
	t->src.af = t->dst.af = k->af;
	memcpy(t->src.b, k->addr[src_end], 16);
	memcpy(t->dst.b, k->addr[dst_end], 16);
	t->sport = k->port[src_end];
	t->dport = k->port[dst_end];
}

struct flowtab *
flowtab_new(uint32_t max, const uint32_t timeouts[FS_COUNT], uint64_t seed,
    flow_end_cb end, void *arg)
{
	struct flowtab	*t;
	uint32_t	 nb = 1024, i;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	while (nb < max && nb < (1u << 31))
		nb <<= 1;
	t->flows = calloc(max, sizeof(*t->flows));
	t->buckets = malloc(nb * sizeof(*t->buckets));
	if (t->flows == NULL || t->buckets == NULL) {
		flowtab_free(t);
		return NULL;
	}
	memset(t->buckets, 0xff, nb * sizeof(*t->buckets));
	t->bmask = nb - 1;
	t->max = max;
	t->freelist = NIL;
	for (i = 0; i < FS_COUNT; i++) {
		t->lists[i].head = t->lists[i].tail = NIL;
		t->timeout_us[i] = (int64_t)timeouts[i] * 1000000;
	}
	t->seed = seed;
	t->end = end;
	t->arg = arg;
	return t;
}

void
flowtab_free(struct flowtab *t)
{
	if (t == NULL)
		return;
	free(t->flows);
	free(t->buckets);
	free(t);
}

uint32_t
flowtab_count(const struct flowtab *t)
{
	return t->used;
}

/*
 * Every tracked connection, oldest first within each state; the caller
 * is the thread that owns the table (a worker answering `flows`).
 */
void
flowtab_foreach(const struct flowtab *t, void (*cb)(void *,
    const struct flow *), void *arg)
{
	uint32_t	 i;
	int		 s;

	for (s = 0; s < FS_COUNT; s++)
		for (i = t->lists[s].head; i != NIL; i = t->flows[i].next)
			cb(arg, &t->flows[i]);
}

/*
 * hash64 of the key's bytes, but read field by field: the key was just
 * written field by field, and a word spanning two of those writes waits
 * for both to reach the cache (a failed store forward) where a word
 * inside one is forwarded at once.
 */
uint32_t
flow_hash(const struct flowtab *t, const struct flow_key *k)
{
	uint64_t	 a[4], x;

	memcpy(a, k->addr, sizeof(a));
	x = (uint64_t)k->af << 32 | (uint64_t)k->port[0] << 16 | k->port[1];
	return (uint32_t)mix64(mulfold(mulfold(a[0] ^ t->seed ^ HK0,
	    a[1] ^ HK1) ^ a[2] ^ HK2, a[3] ^ x ^ HK3));
}

struct flow *
flowtab_lookup(struct flowtab *t, const struct flow_key *k, uint32_t h)
{
	uint32_t	 i;
	struct flow	*f;

	for (i = t->buckets[h & t->bmask]; i != NIL; i = f->hnext) {
		f = &t->flows[i];
		if (memcmp(&f->key, k, sizeof(*k)) == 0)
			return f;
	}
	return NULL;
}

static void
list_unlink(struct flowtab *t, struct flow *f)
{
	struct flowlist	*l = &t->lists[f->inlist];

	if (f->prev != NIL)
		t->flows[f->prev].next = f->next;
	else
		l->head = f->next;
	if (f->next != NIL)
		t->flows[f->next].prev = f->prev;
	else
		l->tail = f->prev;
}

static void
list_append(struct flowtab *t, struct flow *f, uint8_t which)
{
	struct flowlist	*l = &t->lists[which];
	uint32_t	 i = (uint32_t)(f - t->flows);

	f->inlist = which;
	f->next = NIL;
	f->prev = l->tail;
	if (l->tail != NIL)
		t->flows[l->tail].next = i;
	else
		l->head = i;
	l->tail = i;
}

/* Move to the tail of the list of its (possibly new) state. */
void
flowtab_touch(struct flowtab *t, struct flow *f)
{
	if (t->lists[f->inlist].tail == (uint32_t)(f - t->flows) &&
	    f->inlist == f->state)
		return;
	list_unlink(t, f);
	list_append(t, f, f->state);
}

void
flowtab_remove(struct flowtab *t, struct flow *f)
{
	uint32_t	 i = (uint32_t)(f - t->flows), *pp;
	uint32_t	 h = flow_hash(t, &f->key);

	for (pp = &t->buckets[h & t->bmask]; *pp != i;
	    pp = &t->flows[*pp].hnext)
		;
	*pp = f->hnext;
	list_unlink(t, f);
	f->hnext = t->freelist;
	t->freelist = i;
	t->used--;
}

/* Report a flow's end to the owner, then free its entry. */
void
flowtab_end(struct flowtab *t, struct flow *f, uint8_t reason)
{
	if (f->end == FE_NONE)
		f->end = reason;
	t->end(t->arg, f);
	flowtab_remove(t, f);
}

struct flow *
flowtab_insert(struct flowtab *t, const struct flow_key *k, uint32_t h,
    int64_t now)
{
	struct flow	*f;
	uint32_t	 i;

	if (t->freelist == NIL && t->hiwater == t->max) {
		if (t->lists[FS_CLOSED].head != NIL)
			flowtab_end(t, &t->flows[t->lists[FS_CLOSED].head],
			    FE_EVICTED);
		else if (t->lists[FS_BYPASSED].head != NIL)
			flowtab_end(t, &t->flows[t->lists[FS_BYPASSED].head],
			    FE_EVICTED);
		else if (t->lists[FS_NEW].head != NIL)
			flowtab_end(t, &t->flows[t->lists[FS_NEW].head],
			    FE_EVICTED);
		else
			return NULL;
	}
	if (t->freelist != NIL) {
		i = t->freelist;
		t->freelist = t->flows[i].hnext;
	} else
		i = t->hiwater++;
	f = &t->flows[i];
	memset(f, 0, sizeof(*f));
	f->key = *k;
	f->first_us = f->last_us = now;
	f->hnext = t->buckets[h & t->bmask];
	t->buckets[h & t->bmask] = i;
	list_append(t, f, FS_NEW);
	t->used++;
	return f;
}

void
flowtab_expire(struct flowtab *t, int64_t now)
{
	int		 s;
	struct flow	*f;

	for (s = 0; s < FS_COUNT; s++)
		while (t->lists[s].head != NIL) {
			f = &t->flows[t->lists[s].head];
			if (now - f->last_us < t->timeout_us[s])
				break;
			flowtab_end(t, f, FE_TIMEOUT);
		}
}

void
flowtab_flush(struct flowtab *t, uint8_t reason)
{
	int	 s;

	for (s = 0; s < FS_COUNT; s++)
		while (t->lists[s].head != NIL)
			flowtab_end(t, &t->flows[t->lists[s].head], reason);
}
