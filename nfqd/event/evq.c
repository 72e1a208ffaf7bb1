/*
 * A bounded single-producer single-consumer ring of events: a worker
 * pushes, the writer thread pops.  The packet path never waits: a push
 * into a full ring fails and the caller counts the drop.  Its memory is
 * taken, every page, when it is made.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "event/evq.h"
#include "event/event.h"

struct evq {
	struct event		*v;
	size_t			 bytes;
	uint32_t		 mask;
	_Atomic uint32_t	 head;		/* next to pop */
	_Atomic uint32_t	 tail;		/* next to push */
};

struct evq *
evq_new(uint32_t size)
{
	struct evq	*q;
	uint32_t	 n = 64;

	while (n < size)
		n <<= 1;
	if ((q = calloc(1, sizeof(*q))) == NULL)
		return NULL;
	/*
	 * Every page now (MAP_POPULATE), not as the ring first wraps: a
	 * calloc'ed ring grew the daemon's RSS by megabytes over its first
	 * minutes of load, which looks like a leak to whoever watches it.
	 */
	q->bytes = (size_t)n * sizeof(*q->v);
	q->v = mmap(NULL, q->bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE |
	    MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (q->v == MAP_FAILED) {
		free(q);
		return NULL;
	}
	q->mask = n - 1;
	return q;
}

void
evq_free(struct evq *q)
{
	if (q == NULL)
		return;
	munmap(q->v, q->bytes);
	free(q);
}

bool
evq_push(struct evq *q, const struct event *ev)
{
	uint32_t	 t = atomic_load_explicit(&q->tail, memory_order_relaxed);
	uint32_t	 h = atomic_load_explicit(&q->head, memory_order_acquire);

	if (t - h > q->mask)
		return false;
	q->v[t & q->mask] = *ev;
	atomic_store_explicit(&q->tail, t + 1, memory_order_release);
	return true;
}

bool
evq_pop(struct evq *q, struct event *ev)
{
	uint32_t	 h = atomic_load_explicit(&q->head, memory_order_relaxed);
	uint32_t	 t = atomic_load_explicit(&q->tail, memory_order_acquire);

	if (h == t)
		return false;
	*ev = q->v[h & q->mask];
	atomic_store_explicit(&q->head, h + 1, memory_order_release);
	return true;
}
