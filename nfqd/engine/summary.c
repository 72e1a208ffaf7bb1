/*
 * Flood control: a port-25 scan across the campus, or a spam bot trying
 * the whole Internet, must not become one policy event per attempt.
 * Per source (and direction), the first `threshold` blocked connections in
 * `window` get their own policy events; the rest are folded into one
 * policy_summary event per source and interval (count, first and last
 * time, a sample of targets).  Nothing is lost: blocked policy events
 * plus summarized counts equal stats.policy.blocked.
 *
 * The table is fixed-size open addressing with a short probe; when it is
 * full the least recently seen source in the probe window is reused, and
 * its pending count is written out first.
 */
#include <stdlib.h>
#include <string.h>

#include "engine/summary.h"
#include "base/addr.h"
#include "base/hash.h"
#include "base/table.h"
#include "event/event.h"

#define PROBE	8

struct summary_ent {
	struct summary_rec	 rec;		/* what is pending */
	int64_t			 win_start;
	int64_t			 seen;		/* last attempt */
	uint32_t		 win_count;
	uint8_t			 used;
};

struct summary {
	struct summary_ent	*v;
	uint32_t		 mask;
	uint32_t		 threshold;
	int64_t			 window_us;
};

struct summary *
summary_new(uint32_t capacity, uint32_t threshold, uint32_t window_s)
{
	struct summary	*s;
	uint32_t	 n = 64;

	while (n < capacity && n < (1u << 30))
		n <<= 1;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	if ((s->v = table_calloc(n, sizeof(*s->v))) == NULL) {
		free(s);
		return NULL;
	}
	s->mask = n - 1;
	s->threshold = threshold;
	s->window_us = (int64_t)window_s * 1000000;
	return s;
}

void
summary_free(struct summary *s)
{
	if (s == NULL)
		return;
	free(s->v);
	free(s);
}

static void
summary_out(struct summary_ent *e, summary_cb cb, void *arg)
{
	if (e->rec.count > 0) {
		cb(arg, &e->rec);
		e->rec.count = 0;
		e->rec.ntargets = 0;
	}
}

static struct summary_ent *
summary_find(struct summary *s, const struct ip_addr *src, uint8_t dir,
    summary_cb cb, void *arg)
{
	struct {
		struct ip_addr	 a;
		uint8_t		 dir;
	} key;
	struct summary_ent	*e, *victim = NULL;
	uint32_t		 i, h;

	memset(&key, 0, sizeof(key));
	key.a = *src;
	key.dir = dir;
	h = (uint32_t)hash64(&key, sizeof(key), 0x5eed);
	for (i = 0; i < PROBE; i++) {
		e = &s->v[(h + i) & s->mask];
		if (!e->used) {
			memset(e, 0, sizeof(*e));
			e->used = 1;
			e->rec.src = *src;
			e->rec.direction = dir;
			return e;
		}
		if (e->rec.direction == dir && addr_equal(&e->rec.src, src))
			return e;
		if (victim == NULL || e->seen < victim->seen)
			victim = e;
	}
	summary_out(victim, cb, arg);
	memset(victim, 0, sizeof(*victim));
	victim->used = 1;
	victim->rec.src = *src;
	victim->rec.direction = dir;
	return victim;
}

/*
 * A blocked connection from src to dst:port.  Returns true when it gets
 * its own policy event, false when it was folded into the summary.
 */
bool
summary_admit(struct summary *s, const struct ip_addr *src, uint8_t dir,
    const struct ip_addr *dst, uint16_t port, uint8_t mode, int64_t now,
    summary_cb cb, void *arg)
{
	struct summary_ent	*e;
	struct summary_rec	*r;
	uint8_t			 i;

	if (s == NULL || s->threshold == 0)
		return true;
	e = summary_find(s, src, dir, cb, arg);
	e->seen = now;
	if (e->win_count == 0 || now - e->win_start >= s->window_us) {
		e->win_start = now;
		e->win_count = 0;
	}
	if (++e->win_count <= s->threshold)
		return true;
	r = &e->rec;
	if (r->count++ == 0)
		r->first_us = now;
	r->last_us = now;
	r->mode = mode;
	for (i = 0; i < r->ntargets; i++)
		if (r->targets[i].port == port &&
		    addr_equal(&r->targets[i].addr, dst))
			break;
	if (i == r->ntargets && r->ntargets < SUMMARY_TARGETS) {
		r->targets[i].addr = *dst;
		r->targets[i].port = port;
		r->ntargets++;
	}
	return false;
}

/* Write out every pending summary. */
void
summary_flush(struct summary *s, summary_cb cb, void *arg)
{
	uint32_t	 i;

	if (s == NULL)
		return;
	for (i = 0; i <= s->mask; i++)
		if (s->v[i].used)
			summary_out(&s->v[i], cb, arg);
}

/*
 * n blocked connections from src known only by their count (the fast
 * path's drops its ring buffer had no room for, fastpath.c): straight
 * into the source's pending summary, no targets.
 */
void
summary_fold(struct summary *s, const struct ip_addr *src, uint8_t dir,
    uint8_t mode, uint64_t n, int64_t now, summary_cb cb, void *arg)
{
	struct summary_ent	*e;

	if (s == NULL || n == 0)
		return;
	e = summary_find(s, src, dir, cb, arg);
	e->seen = now;
	if (e->rec.count == 0)
		e->rec.first_us = now;
	e->rec.count += (uint32_t)n;
	e->rec.last_us = now;
	e->rec.mode = mode;
}
