/*
 * The one loop body every event goes through on its way out, whoever
 * made it and whichever thread writes it (the live daemon's writer, the
 * replay's): a reopen of the files asked for in order with the events
 * (EV_REOPEN), the sinks' own counters into the stats events, the run's
 * observer (live: the mail-server census; replay: the summary on
 * stderr), one EVE line (eve.c), the sinks.  Neither run feeds anything
 * else from the events, so live and replay differ only by the observer
 * they give.
 */
#include "sink/evwrite.h"
#include "base/log.h"
#include "policy/conf.h"
#include "sink/eve.h"

void
evwriter_init(struct evwriter *w, struct sinks *sinks, evw_seen_fn seen,
    void *arg)
{
	w->sinks = sinks;
	w->seen = seen;
	w->arg = arg;
}

void
evwriter_write(struct evwriter *w, struct event *ev)
{
	struct sink_stat	 ss[MAX_SINKS];
	size_t			 nss = MAX_SINKS;
	int			 n;

	if (ev->type == EV_REOPEN) {
		sinks_flush(w->sinks);
		sinks_reopen(w->sinks);
		return;
	}
	if (ev->type == EV_STATS || ev->type == EV_NFQD_STATS) {
		sinks_stats(w->sinks, ss, &nss);
		ev->stats.sinks = ss;
		ev->stats.nsinks = nss;
	}
	if (w->seen != NULL)
		w->seen(w->arg, ev);	/* counted as it is written */
	n = event_format(ev, w->buf, sizeof(w->buf));
	event_release(ev);
	if (n == -1)
		log_warnx("event too large to format, dropped");
	else
		sinks_write(w->sinks, w->buf, (size_t)n);
}
