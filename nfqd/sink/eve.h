/*
 * eve.c: an event as one EVE JSON line, in Suricata's format: the common
 * header (timestamp, host, flow_id, event_type, the tuple, proto,
 * community_id, app_proto), one object named after the event type, the
 * format version (metadata.flowints.nfqd_format).
 */
#ifndef NFQD_SINK_EVE_H
#define NFQD_SINK_EVE_H

#include <stddef.h>

#include "event/event.h"

/* The sensor name every event carries as "host"; "" leaves it out. */
void		 event_set_host(const char *name);
const char	*event_host(void);
/* ev as one line into buf (no newline); its length, or -1: no room. */
int		 event_format(const struct event *ev, char *buf, size_t len);
/* nDPI's protocol name in Suricata's app_proto words ("" stays ""). */
const char	*eve_app_proto(const char *ndpi);

#endif
