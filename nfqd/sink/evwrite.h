/*
 * evwrite.c: the one way out for every event, live and in replay.
 */
#ifndef NFQD_SINK_EVWRITE_H
#define NFQD_SINK_EVWRITE_H

#include "event/event.h"
#include "sink/sink.h"

#define EVW_LINE	65536	/* the longest line an event may be */

/* What the run wants to know of each event as it goes out. */
typedef void (*evw_seen_fn)(void *arg, const struct event *ev);

struct evwriter {
	struct sinks	*sinks;
	evw_seen_fn	 seen;		/* NULL: nothing */
	void		*arg;
	char		 buf[EVW_LINE];
};

void	 evwriter_init(struct evwriter *w, struct sinks *sinks,
	    evw_seen_fn seen, void *arg);
/* ev out, and what it owns given back (event_release). */
void	 evwriter_write(struct evwriter *w, struct event *ev);

#endif
