/*
 * Events: what an event owns, given back.  Their shapes are in event.h;
 * sink/eve.c writes them as EVE JSON lines.
 */
#include <stdlib.h>

#include "event/event.h"
#include "policy/quarantine.h"

/* Free what an event owns; after formatting it, or instead of it. */
void
event_release(struct event *ev)
{
	if (ev->type == EV_SMTP) {
		free(ev->smtp.meta);
		ev->smtp.meta = NULL;
	}
	if (ev->type == EV_QUARANTINE) {
		free(ev->quarantine.q);
		ev->quarantine.q = NULL;
	}
}
