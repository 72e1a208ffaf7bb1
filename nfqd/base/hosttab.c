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

/*
 * A slot's record.  Evicting tables: v[slot], and the slot holds a tag of
 * its key's hash (never 0), so a probe reads a record only when the tags
 * agree.  Refusing tables: the slot holds the record's index + 1.
 */
static inline char *
rec(const struct hosttab *t, uint32_t slot)
{
	uint32_t	 i = t->probe > 0 ? slot : t->slot[slot] - 1;

	return t->v + (size_t)i * t->size;
}

static inline uint32_t
tag(uint32_t h)
{
	return h | 1;
}

/* A record's key against key, bytes compared without a call to memcmp. */
static inline int
same_key(const struct hosttab *t, const char *r, const char *key)
{
	uint64_t	 a[2], b[2];
	size_t		 i = 0;

	if (t->keylen >= 16) {
		memcpy(a, r, 16);
		memcpy(b, key, 16);
		if (((a[0] ^ b[0]) | (a[1] ^ b[1])) != 0)
			return 0;
		i = 16;
	}
	for (; i < t->keylen; i++)
		if (r[i] != key[i])
			return 0;
	return 1;
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
		if (t->slot[s] == 0 || ((t->probe == 0 ||
		    t->slot[s] == tag(h)) && same_key(t, rec(t, s), key)))
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
	return rec(t, s);
}

/*
 * Evicting, no room: the slot of the least recently seen record in the
 * probe from hash h (the first of equals).
 */
static uint32_t
hosttab_victim(const struct hosttab *t, uint32_t h)
{
	uint32_t	 i, s, victim = h & t->mask;

	for (i = 1; i < t->probe; i++) {
		s = (h + i) & t->mask;
		if (t->seen[s] < t->seen[victim])
			victim = s;
	}
	return victim;
}

void *
hosttab_add(struct hosttab *t, const void *key, int64_t now,
    hosttab_evict_cb evict, void *arg)
{
	uint32_t	 h, s;
	char		*p;

	h = (uint32_t)hash64(key, t->keylen, t->seed);
	if ((s = hosttab_slot(t, key, h)) != UINT32_MAX && t->slot[s] != 0) {
		p = rec(t, s);
	} else if (s != UINT32_MAX) {
		if (t->n >= t->cap)
			return NULL;		/* refusing, full */
		t->n++;
		t->slot[s] = t->probe > 0 ? tag(h) : t->n;
		p = rec(t, s);
		memset(p, 0, t->size);
		memcpy(p, key, t->keylen);
	} else {
		s = hosttab_victim(t, h);
		t->slot[s] = tag(h);
		p = rec(t, s);
		if (evict != NULL)
			evict(arg, p);
		memset(p, 0, t->size);
		memcpy(p, key, t->keylen);
	}
	if (t->seen != NULL)
		t->seen[s] = now;
	return p;
}

void *
hosttab_next(const struct hosttab *t, uint32_t *slot)
{
	for (; *slot <= t->mask; (*slot)++)
		if (t->slot[*slot] != 0)
			return rec(t, (*slot)++);
	return NULL;
}
