/*
 * The Case ITS SMTP policy:
 *  Part 1: outside -> campus port 25 is blocked,
 *  Part 2: campus -> outside port 25 is blocked,
 * unless the campus end holds an active exception for that direction.
 * Among the active entries containing the campus address the most specific
 * decides; expired entries count as absent, but are reported when nothing
 * active matched, so the event says why a once-allowed host is refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nfqd.h"

const char *
direction_name(uint8_t d)
{
	static const char *names[] = { "inbound", "outbound", "internal",
	    "transit" };
	return d < 4 ? names[d] : "?";
}

const char *
action_name(uint8_t a)
{
	return a == A_ALLOWED ? "allowed" : "blocked";
}

const char *
reason_name(uint8_t r)
{
	static const char *names[] = { "exception", "internal", "transit",
	    "no-exception", "exception-expired", "exception-direction" };
	return r < sizeof(names) / sizeof(names[0]) ? names[r] : "?";
}

struct policy *
policy_load(const char *path, char *err, size_t errlen)
{
	struct policy	*p;

	if ((p = calloc(1, sizeof(*p))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (conf_load(path, &p->conf, err, errlen) == -1) {
		free(p);
		return NULL;
	}
	if (exc_load(p->conf.exceptions, &p->exc, err, errlen) == -1) {
		conf_free(&p->conf);
		free(p);
		return NULL;
	}
	return p;
}

void
policy_free(struct policy *p)
{
	if (p == NULL)
		return;
	exc_free(&p->exc);
	conf_free(&p->conf);
	free(p);
}

void
policy_decide(const struct policy *p, const struct ip_addr *client,
    const struct ip_addr *server, int64_t now, struct decision *d)
{
	bool			 cin, sin;
	const struct ip_addr	*campus;
	const struct exc_entry	*e, *expired = NULL, *lapsed = NULL;
	uint32_t		 idx[129];
	int			 i, n;
	uint8_t			 need;

	memset(d, 0, sizeof(*d));
	cin = lpm_match(&p->conf.internal_lpm, client);
	sin = lpm_match(&p->conf.internal_lpm, server);
	if (cin && sin) {
		d->direction = D_INTERNAL;
		d->action = A_ALLOWED;
		d->reason = R_INTERNAL;
		return;
	}
	if (!cin && !sin) {
		d->direction = D_TRANSIT;
		d->action = p->conf.transit == TRANSIT_ALLOW ? A_ALLOWED :
		    A_BLOCKED;
		d->reason = R_TRANSIT;
		return;
	}
	campus = sin ? server : client;
	d->direction = sin ? D_INBOUND : D_OUTBOUND;
	need = sin ? DIR_INBOUND : DIR_OUTBOUND;
	d->action = A_BLOCKED;
	d->reason = R_NO_EXCEPTION;
	n = lpm_lookup(&p->exc.lpm, campus, idx, 129);
	for (i = 0; i < n; i++) {
		e = &p->exc.v[idx[i]];
		if (e->expires_at != 0 && now >= e->expires_at) {
			if (expired == NULL)
				expired = e;
			if (lapsed == NULL && (e->dir & need))
				lapsed = e;
			continue;
		}
		d->exc = e;
		if (e->dir & need) {
			d->action = A_ALLOWED;
			d->reason = R_EXCEPTION;
		} else
			d->reason = R_EXCEPTION_DIRECTION;
		return;
	}
	/*
	 * Say "expired" only of an entry that would have allowed this
	 * direction; an expired entry for the other direction is reported,
	 * but the reason stays no-exception.
	 */
	if (lapsed != NULL) {
		d->exc = lapsed;
		d->reason = R_EXCEPTION_EXPIRED;
	} else if (expired != NULL)
		d->exc = expired;
}

/* Same prefix in `p`, or NULL. */
static const struct exc_entry *
policy_find(const struct policy *p, const struct prefix *pfx)
{
	uint32_t	 idx[129];
	int		 i, n;

	n = lpm_lookup(&p->exc.lpm, &pfx->addr, idx, 129);
	for (i = 0; i < n; i++)
		if (p->exc.v[idx[i]].pfx.len == pfx->len)
			return &p->exc.v[idx[i]];
	return NULL;
}

/* What a reload changes in the exception list, entry by entry. */
void
policy_diff(const struct policy *old, const struct policy *new,
    uint32_t *added, uint32_t *removed, uint32_t *changed)
{
	const struct exc_entry	*a, *b;
	size_t			 i;

	*added = *removed = *changed = 0;
	for (i = 0; i < new->exc.n; i++) {
		b = &new->exc.v[i];
		if ((a = policy_find(old, &b->pfx)) == NULL)
			(*added)++;
		else if (a->dir != b->dir || a->expires_at != b->expires_at ||
		    strcmp(a->ticket, b->ticket) != 0 ||
		    strcmp(a->owner, b->owner) != 0)
			(*changed)++;
	}
	for (i = 0; i < old->exc.n; i++)
		if (policy_find(new, &old->exc.v[i].pfx) == NULL)
			(*removed)++;
}
