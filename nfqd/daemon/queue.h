/*
 * queue.c: the NFQUEUE source (libmnl + libnetfilter_queue).
 */
#ifndef NFQD_DAEMON_QUEUE_H
#define NFQD_DAEMON_QUEUE_H

#include <stddef.h>
#include <stdint.h>

#include "policy/policy.h"
#include "engine/engine.h"

struct queue;
struct queue	*queue_open(uint16_t queue, const struct conf *c, char *err,
	    size_t errlen);
void	 queue_close(struct queue *q);
int	 queue_run(struct queue *q, struct engine *e, const struct policy *pol,
	    int64_t *now);

#endif
