/*
 * hosttab.c: a table of per-host records found by their key, the one
 * open-addressed hash the per-host tables share (detections, flood
 * control, the census, the replay's summary).
 *
 * The caller owns the records: an array of `cap` records of `size` bytes,
 * each beginning with its key (an address, or an address and more), which
 * is hashed and compared as `keylen` bytes: a key struct has no padding,
 * or zeroes it.  The table keeps the slots, each a record's or empty,
 * probed linearly from the key's hash64 (`seed`).  A new record is
 * zeroed and its key written; records are never removed (hosttab_clear
 * forgets them all).
 *
 * What a table does when a new key finds no room is its kind:
 *  - evicting (probe > 0): cap slots (a power of two), slot i's record
 *    v[i], a key looked for in `probe` slots from its hash; when none is
 *    free, the least recently seen record among them makes room, the
 *    caller told first.  For a table on the packet path: memory stays flat
 *    however many hosts come, and a probe reads adjacent records.
 *  - refusing (probe == 0): at least 2 * cap slots, records in the order
 *    added, v[0] .. v[n - 1], a key looked for until an empty slot; once
 *    cap records are in, a new key gets NULL.
 * Nothing is allocated after hosttab_init.
 */
#ifndef NFQD_BASE_HOSTTAB_H
#define NFQD_BASE_HOSTTAB_H

#include <stddef.h>
#include <stdint.h>

struct hosttab {
	char		*v;		/* the caller's records */
	size_t		 size, keylen;
	uint32_t	*slot;		/* 0: empty; evicting: a tag of the
					   key's hash, refusing: the record's
					   index + 1 */
	int64_t		*seen;		/* evicting: each slot's last add */
	uint32_t	 mask;		/* slots - 1 */
	uint32_t	 cap, n;	/* records: room for, in use */
	uint32_t	 probe;		/* 0: refusing */
	uint64_t	 seed;
};

/* The record about to be reused for another key (evicting tables). */
typedef void (*hosttab_evict_cb)(void *arg, void *rec);

/* -1 with errno: no memory, or an evicting cap not a power of two. */
int	 hosttab_init(struct hosttab *t, void *records, uint32_t cap,
	    size_t size, size_t keylen, uint32_t probe, uint64_t seed);
/* The slots; not the records, which are the caller's. */
void	 hosttab_free(struct hosttab *t);
/* Forget every record. */
void	 hosttab_clear(struct hosttab *t);
/* The key's record, or NULL. */
void	*hosttab_find(const struct hosttab *t, const void *key);
/*
 * The key's record, added when new, and seen at `now` (evicting tables:
 * the least recently seen is the one reused; evict, if not NULL, is told
 * before).  NULL: a refusing table is full.
 */
void	*hosttab_add(struct hosttab *t, const void *key, int64_t now,
	    hosttab_evict_cb evict, void *arg);
/* The next record in slot order from *slot (start at 0), or NULL. */
void	*hosttab_next(const struct hosttab *t, uint32_t *slot);

#endif
