/*
 * A bounded single-producer single-consumer ring of events: a worker
 * pushes, the writer thread pops.  The packet path never waits: a push
 * into a full ring fails and the caller counts the drop.
 */
#include <stdatomic.h>
#include <stdlib.h>

#include "nfqd.h"

struct evq {
	struct event		*v;
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
	if ((q->v = calloc(n, sizeof(*q->v))) == NULL) {
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
	free(q->v);
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
