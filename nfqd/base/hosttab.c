/*
 * The per-host table of base/hosttab.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/hosttab.h"
#include "base/hash.h"
#include "base/table.h"

int
hosttab_init(struct hosttab *t, void *records, uint32_t cap, size_t size,
    size_t keylen, uint32_t probe, uint64_t seed)
{
	uint64_t	 slots = 16;

	memset(t, 0, sizeof(*t));
	if (keylen == 0 || keylen > size || cap > (1u << 30) ||
	    (probe > 0 && (cap == 0 || (cap & (cap - 1)) != 0))) {
		errno = EINVAL;
		return -1;
	}
	if (probe > 0)
		slots = cap;
	else
		while (slots < 2 * (uint64_t)cap)
			slots <<= 1;
	if ((t->slot = table_calloc(slots, sizeof(*t->slot))) == NULL)
		return -1;
	if (probe > 0 && (t->seen = table_calloc(cap,
	    sizeof(*t->seen))) == NULL) {
		free(t->slot);
		t->slot = NULL;
		return -1;
	}
	t->v = records;
	t->size = size;
	t->keylen = keylen;
	t->mask = (uint32_t)(slots - 1);
	t->cap = cap;
	t->probe = probe;
	t->seed = seed;
	return 0;
}

void
hosttab_free(struct hosttab *t)
{
	free(t->slot);
	free(t->seen);
	t->slot = NULL;
	t->seen = NULL;
}

void
hosttab_clear(struct hosttab *t)
{
	memset(t->slot, 0, ((size_t)t->mask + 1) * sizeof(*t->slot));
	t->n = 0;
}

static inline void *
rec(const struct hosttab *t, uint32_t i)
{
	return t->v + (size_t)i * t->size;
}

/*
 * The slot of the key (hash h): its record's, or the empty one where it
 * would go, or (evicting, no room) UINT32_MAX after `probe` slots.
 */
static uint32_t
hosttab_slot(const struct hosttab *t, const void *key, uint32_t h)
{
	uint32_t	 i, s;

	for (i = 0; t->probe == 0 || i < t->probe; i++) {
		s = (h + i) & t->mask;
		if (t->slot[s] == 0 ||
		    memcmp(rec(t, t->slot[s] - 1), key, t->keylen) == 0)
			return s;
	}
	return UINT32_MAX;
}

void *
hosttab_find(const struct hosttab *t, const void *key)
{
	uint32_t	 s;

	s = hosttab_slot(t, key, (uint32_t)hash64(key, t->keylen, t->seed));

	if (s == UINT32_MAX || t->slot[s] == 0)
		return NULL;
	return rec(t, t->slot[s] - 1);
}

/*
 * Evicting, no room: the least recently seen record in the probe from
 * hash h (the first of equals).
 */
static uint32_t
hosttab_victim(const struct hosttab *t, uint32_t h)
{
	uint32_t	 i, r, victim = UINT32_MAX;

	for (i = 0; i < t->probe; i++) {
		r = t->slot[(h + i) & t->mask] - 1;
		if (victim == UINT32_MAX || t->seen[r] < t->seen[victim])
			victim = r;
	}
	return victim;
}

void *
hosttab_add(struct hosttab *t, const void *key, int64_t now,
    hosttab_evict_cb evict, void *arg)
{
	uint32_t	 h, s, r;
	char		*p;

	h = (uint32_t)hash64(key, t->keylen, t->seed);
	if ((s = hosttab_slot(t, key, h)) != UINT32_MAX && t->slot[s] != 0) {
		r = t->slot[s] - 1;
		p = rec(t, r);
	} else if (s != UINT32_MAX) {
		if (t->n >= t->cap)
			return NULL;		/* refusing, full */
		r = t->n++;
		t->slot[s] = r + 1;
		p = rec(t, r);
		memset(p, 0, t->size);
		memcpy(p, key, t->keylen);
	} else {
		r = hosttab_victim(t, h);
		p = rec(t, r);
		if (evict != NULL)
			evict(arg, p);
		memset(p, 0, t->size);
		memcpy(p, key, t->keylen);
	}
	if (t->seen != NULL)
		t->seen[r] = now;
	return p;
}

void *
hosttab_next(const struct hosttab *t, uint32_t *slot)
{
	for (; *slot <= t->mask; (*slot)++)
		if (t->slot[*slot] != 0)
			return rec(t, t->slot[(*slot)++] - 1);
	return NULL;
}
