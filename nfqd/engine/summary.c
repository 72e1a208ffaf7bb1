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
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "engine/summary.h"
#include "base/addr.h"
#include "base/hosttab.h"
#include "base/table.h"
#include "event/event.h"

#define PROBE	8

/*
 * A source and direction: the key, hashed and compared as its 18 bytes,
 * which are the first of its entry's summary_rec (src, direction).
 */
struct summary_key {
	struct ip_addr		 src;
	uint8_t			 dir;
};
_Static_assert(sizeof(struct summary_key) == 18, "no padding in the key");
_Static_assert(offsetof(struct summary_rec, src) == 0 &&
    offsetof(struct summary_rec, direction) ==
    offsetof(struct summary_key, dir), "the key leads summary_rec");

struct summary_ent {
	struct summary_rec	 rec;		/* the key, what is pending */
	int64_t			 win_start;
	uint32_t		 win_count;
};

struct summary {
	struct summary_ent	*v;
	struct hosttab		 srcs;		/* over v */
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
	if ((s->v = table_calloc(n, sizeof(*s->v))) == NULL ||
	    hosttab_init(&s->srcs, s->v, n, sizeof(*s->v),
	    sizeof(struct summary_key), PROBE, 0x5eed) == -1) {
		free(s->v);
		free(s);
		return NULL;
	}
	s->threshold = threshold;
	s->window_us = (int64_t)window_s * 1000000;
	return s;
}

void
summary_free(struct summary *s)
{
	if (s == NULL)
		return;
	hosttab_free(&s->srcs);
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

struct summary_dest {
	summary_cb	 cb;
	void		*arg;
};

/* A source's entry about to be reused: what it holds goes out first. */
static void
summary_evict(void *arg, void *e)
{
	struct summary_dest	*o = arg;

	summary_out(e, o->cb, o->arg);
}

/* The source's entry, seen now. */
static struct summary_ent *
summary_find(struct summary *s, const struct ip_addr *src, uint8_t dir,
    int64_t now, summary_cb cb, void *arg)
{
	struct summary_key	 key;
	struct summary_dest	 o = { cb, arg };

	memset(&key, 0, sizeof(key));
	key.src = *src;
	key.dir = dir;
	return hosttab_add(&s->srcs, &key, now, summary_evict, &o);
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
	e = summary_find(s, src, dir, now, cb, arg);
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
	struct summary_ent	*e;
	uint32_t		 slot = 0;

	if (s == NULL)
		return;
	while ((e = hosttab_next(&s->srcs, &slot)) != NULL)
		summary_out(e, cb, arg);
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
	e = summary_find(s, src, dir, now, cb, arg);
	if (e->rec.count == 0)
		e->rec.first_us = now;
	e->rec.count += (uint32_t)n;
	e->rec.last_us = now;
	e->rec.mode = mode;
}
