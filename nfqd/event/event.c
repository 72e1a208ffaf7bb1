/*
 * Events: what an event owns, given back.  Their shapes are in event.h;
 * sink/eve.c writes them as EVE JSON lines.
 */
#include <stdlib.h>
#include <string.h>

#include "event/event.h"
#include "policy/quarantine.h"

void
event_init(struct event *ev, enum ev_type type, int64_t ts_us)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = type;
	ev->ts_us = ts_us;
}

/* Free what an event owns; after formatting it, or instead of it. */
void
event_release(struct event *ev)
{
	if (ev->type == EV_SMTP) {
		free(ev->smtp.tx);
		ev->smtp.tx = NULL;
	}
	if (ev->type == EV_SMTP_SESSION) {
		free(ev->smtp_session.meta);
		ev->smtp_session.meta = NULL;
	}
	if (ev->type == EV_QUARANTINE) {
		free(ev->quarantine.q);
		ev->quarantine.q = NULL;
	}
}

bool
event_is_suricata(enum ev_type type)
{
	return type == EV_FLOW || type == EV_SMTP || type == EV_ALERT ||
	    type == EV_STATS;
}
