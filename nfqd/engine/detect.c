/*
 * What the seed policies block port 25 for, noticed as it happens:
 *  - bulk and rogue senders (Missouri S&T): a campus host making many
 *    outbound SMTP attempts, or sending many messages or recipients;
 *  - directory harvest (Cal Poly): an outside source trying many
 *    recipients, or collecting many 5xx rejections, at campus servers;
 *  - open relay signs (Cornell, Case): a campus host that accepted SMTP
 *    from outside and then opens SMTP to outside;
 *  - messages above max-message-size (the Case relay's 50 MB).
 * Each raises an alert event; nothing here blocks a connection.
 *
 * Counts are sliding windows of two buckets (the previous bucket weighted
 * by how much of it the window still covers), per host, in a fixed-size
 * table: memory stays flat however many hosts a scan touches.  A host
 * alerts at most once per window and kind.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/detect.h"
#include "base/addr.h"
#include "base/hosttab.h"
#include "base/table.h"
#include "policy/conf.h"
#include "policy/exceptions.h"
#include "policy/policy.h"
#include "engine/smtp.h"

#define PROBE	8

enum { K_ATTEMPTS, K_MESSAGES, K_RCPTS, K_HARVEST_RCPTS, K_HARVEST_REJECTS,
    K_RELAY, K_COUNT };

struct win {
	int64_t		 start;
	uint32_t	 cur, prev;
};

struct host {
	struct ip_addr	 a;			/* the key */
	struct win	 w[K_COUNT - 1];	/* counted kinds */
	int64_t		 alerted[K_COUNT];	/* until when not to repeat */
	int64_t		 inbound_at;		/* relay: accepted from outside */
	uint64_t	 inbound_flow;
	bool		 inbound;		/* inbound_at is set */
};

struct detect {
	struct host	*v;
	struct hosttab	 hosts;			/* over v */
	int64_t		 window_us[K_COUNT];
	uint32_t	 limit[K_COUNT];
	uint64_t	 max_message;
};

struct detect *
detect_new(const struct conf *c)
{
	struct detect	*d;
	uint32_t	 n = 64;

	while (n < c->detect_hosts && n < (1u << 28))
		n <<= 1;
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	if ((d->v = table_calloc(n, sizeof(*d->v))) == NULL ||
	    hosttab_init(&d->hosts, d->v, n, sizeof(*d->v), sizeof(d->v->a),
	    PROBE, 0xde7ec7) == -1) {
		free(d->v);
		free(d);
		return NULL;
	}
	d->limit[K_ATTEMPTS] = c->bulk_attempts;
	d->limit[K_MESSAGES] = c->bulk_messages;
	d->limit[K_RCPTS] = c->bulk_recipients;
	d->limit[K_HARVEST_RCPTS] = c->harvest_recipients;
	d->limit[K_HARVEST_REJECTS] = c->harvest_rejects;
	d->window_us[K_ATTEMPTS] = d->window_us[K_MESSAGES] =
	    d->window_us[K_RCPTS] = (int64_t)c->bulk_window * 1000000;
	d->window_us[K_HARVEST_RCPTS] = d->window_us[K_HARVEST_REJECTS] =
	    (int64_t)c->harvest_window * 1000000;
	d->window_us[K_RELAY] = (int64_t)c->relay_window * 1000000;
	d->max_message = c->max_message_size;
	return d;
}

void
detect_free(struct detect *d)
{
	if (d == NULL)
		return;
	hosttab_free(&d->hosts);
	free(d->v);
	free(d);
}

/* Add n at now; returns the sliding count over the window. */
static uint32_t
win_add(struct win *w, int64_t window, int64_t now, uint32_t n)
{
	int64_t		 age;

	if ((w->cur == 0 && w->prev == 0) || now - w->start >= 2 * window) {
		w->start = now;
		w->cur = w->prev = 0;
	} else if (now - w->start >= window) {
		w->prev = w->cur;
		w->cur = 0;
		w->start += window;
	}
	w->cur = w->cur > UINT32_MAX - n ? UINT32_MAX : w->cur + n;
	age = now - w->start;
	return w->cur + (uint32_t)((double)w->prev *
	    (double)(window - age) / (double)window);
}

/* The host's record, seen now; a new host, or the least recently seen one
 * in its probe makes room. */
static struct host *
detect_host(struct detect *d, const struct ip_addr *a, int64_t now)
{
	return hosttab_add(&d->hosts, a, now, NULL, NULL);
}

/* Count, and alert once per window when the count passes its limit. */
static void
detect_count(struct detect *d, struct host *h, int kind, uint32_t n,
    uint32_t factor, int64_t now, struct detection *x)
{
	uint32_t	 v, limit;

	if (d->limit[kind] == 0 || n == 0)
		return;
	v = win_add(&h->w[kind], d->window_us[kind], now, n);
	limit = d->limit[kind] * factor;
	if (v <= limit || now < h->alerted[kind])
		return;
	h->alerted[kind] = now + d->window_us[kind];
	x->kind = (uint8_t)kind;
	x->count = v;
	x->limit = limit;
	x->window = (uint32_t)(d->window_us[kind] / 1000000);
	x->fire = true;
}

static void
detect_fire(struct detection *x, const struct ip_addr *host, uint64_t flow,
    detect_cb cb, void *arg)
{
	if (!x->fire)
		return;
	x->host = *host;
	x->flow_id = flow;
	cb(arg, x);
	memset(x, 0, sizeof(*x));
}

/*
 * A connection was decided.  exc_dir: the deciding exception's direction
 * bits (0: none).
 */
void
detect_conn(struct detect *d, const struct policy *p,
    const struct ip_addr *client, const struct ip_addr *server,
    uint8_t direction, uint8_t action, uint8_t exc_dir, uint64_t flow,
    int64_t now, detect_cb cb, void *arg)
{
	struct detection	 x;
	struct host		*h;

	if (d == NULL)
		return;
	memset(&x, 0, sizeof(x));
	if (direction == D_INBOUND && action == A_ALLOWED) {
		h = detect_host(d, server, now);
		h->inbound_at = now;
		h->inbound_flow = flow;
		h->inbound = true;
		return;
	}
	if (direction != D_OUTBOUND)
		return;
	h = detect_host(d, client, now);
	detect_count(d, h, K_ATTEMPTS, 1, policy_bulk_factor(p, client, now),
	    now, &x);
	x.blocked = action == A_BLOCKED;
	detect_fire(&x, client, flow, cb, arg);

	/*
	 * Relay signs: it took mail from outside and now sends outside.
	 * The central gateway does exactly that, under an exception for
	 * both directions: only a blocked attempt, or one allowed by an
	 * outbound-only exception, is suspect.
	 */
	if (h->inbound && now - h->inbound_at <=
	    d->window_us[K_RELAY] && (action == A_BLOCKED ||
	    exc_dir != EXC_BOTH) && now >= h->alerted[K_RELAY]) {
		h->alerted[K_RELAY] = now + d->window_us[K_RELAY];
		memset(&x, 0, sizeof(x));
		x.kind = K_RELAY;
		x.fire = true;
		x.blocked = action == A_BLOCKED;
		x.related_flow = h->inbound_flow;
		x.window = (uint32_t)(d->window_us[K_RELAY] / 1000000);
		detect_fire(&x, client, flow, cb, arg);
	}
}

/* An SMTP session ended (or turned to TLS). */
void
detect_smtp(struct detect *d, const struct policy *p,
    const struct ip_addr *client, const struct ip_addr *server,
    uint8_t direction, const struct smtp_meta *m, uint64_t flow, int64_t now,
    detect_cb cb, void *arg)
{
	struct detection	 x;
	struct host		*h;
	uint32_t		 factor;

	if (d == NULL)
		return;
	memset(&x, 0, sizeof(x));
	if (direction == D_OUTBOUND) {
		h = detect_host(d, client, now);
		factor = policy_bulk_factor(p, client, now);
		detect_count(d, h, K_MESSAGES, m->messages, factor, now, &x);
		detect_fire(&x, client, flow, cb, arg);
		detect_count(d, h, K_RCPTS, m->rcpts, factor, now, &x);
		detect_fire(&x, client, flow, cb, arg);
	} else if (direction == D_INBOUND) {
		/* the outside source that tries campus mailboxes */
		h = detect_host(d, client, now);
		detect_count(d, h, K_HARVEST_RCPTS, m->rcpts, 1, now, &x);
		detect_fire(&x, client, flow, cb, arg);
		detect_count(d, h, K_HARVEST_REJECTS, m->replies[3], 1, now,
		    &x);
		detect_fire(&x, client, flow, cb, arg);
	}
	/* Message size: an event, never a block. */
	if (d->max_message > 0 && m->max_message > d->max_message) {
		memset(&x, 0, sizeof(x));
		x.kind = K_COUNT;		/* message size */
		x.fire = true;
		x.count = m->max_message;
		x.limit = d->max_message;
		detect_fire(&x, direction == D_INBOUND ? server : client, flow,
		    cb, arg);
	}
}

const char *
detection_name(uint8_t kind)
{
	static const char *names[] = { "bulk_attempts", "bulk_messages",
	    "bulk_recipients", "harvest_recipients", "harvest_rejects",
	    "relay_suspect", "message_size" };
	return kind <= K_COUNT ? names[kind] : "?";
}

const char *
detection_signature(uint8_t kind)
{
	static const char *sigs[] = {
	    "nfqd: campus host making many outbound SMTP attempts",
	    "nfqd: campus host sending many messages",
	    "nfqd: campus host sending to many recipients",
	    "nfqd: directory harvest: many recipients tried at campus servers",
	    "nfqd: directory harvest: many recipients rejected by campus "
	    "servers",
	    "nfqd: open relay suspect: campus host took mail from outside, "
	    "then sent outside",
	    "nfqd: message above max-message-size" };
	return kind <= K_COUNT ? sigs[kind] : "?";
}

uint32_t
detection_sid(uint8_t kind)
{
	return 9250101 + kind;
}
