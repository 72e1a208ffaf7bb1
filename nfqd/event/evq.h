/*
 * evq.c: a bounded single-producer single-consumer ring of events.
 */
#ifndef NFQD_EVENT_EVQ_H
#define NFQD_EVENT_EVQ_H

#include <stdbool.h>
#include <stdint.h>

#include "event/event.h"

struct evq;
struct evq	*evq_new(uint32_t size);
void	 evq_free(struct evq *q);
bool	 evq_push(struct evq *q, const struct event *ev);
bool	 evq_pop(struct evq *q, struct event *ev);

#endif
