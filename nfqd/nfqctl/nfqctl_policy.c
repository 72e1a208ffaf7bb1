/*
 * nfqctl test SRC DST [PORT]: what the policy does with a connection,
 * and why, from the configuration and the lists as they are on disk.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nfqctl/nfqctl.h"
#include "base/lpm.h"
#include "base/tz.h"
#include "base/when.h"
#include "policy/exceptions.h"
#include "policy/policy.h"
#include "event/event.h"

/* ---- test SRC DST [PORT] ---- */

static const char *
side_dir(const struct conf *c, const struct ip_addr *s,
    const struct ip_addr *d)
{
	bool	 cin = lpm_match(&c->internal_lpm, s);
	bool	 sin = lpm_match(&c->internal_lpm, d);

	if (cin && sin)
		return "internal";
	if (!cin && !sin)
		return "transit";
	return sin ? "inbound" : "outbound";
}

/* Why, in a sentence. */
static void
test_why(const struct policy *p, const struct decision *d,
    const struct ip_addr *campus, char *buf, size_t len)
{
	char			 a[ADDR_STRLEN], e[PREFIX_STRLEN], u[32];
	const struct exc_entry	*x = d->exc;
	const char		*want = d->direction == D_INBOUND ?
				    "inbound" : "outbound";

	addr_format(campus, a, sizeof(a));
	if (x != NULL) {
		host_format(&x->pfx, e, sizeof(e));
	}
	switch (d->reason) {
	case R_INTERNAL:
		snprintf(buf, len, "both ends are inside internal-networks; "
		    "SMTP between campus hosts is not restricted");
		break;
	case R_TRANSIT:
		snprintf(buf, len, "neither end is inside internal-networks "
		    "(transit = %s)", p->conf.transit == TRANSIT_ALLOW ?
		    "allow" : "block");
		break;
	case R_EXCEPTION:
		snprintf(buf, len, "%s is covered by the active entry %s %s, "
		    "which allows %s", a, e, exc_dir_name(x->dir), want);
		break;
	case R_EXCEPTION_EXPIRED:
		snprintf(buf, len, "the exception %s %s for %s expired at the "
		    "end of %s (%s)", e, exc_dir_name(x->dir), a, x->expires,
		    tz_name(p->conf.tz));
		break;
	case R_EXCEPTION_DIRECTION:
		snprintf(buf, len, "the most specific active exception for "
		    "%s, %s %s, does not allow %s", a, e, exc_dir_name(x->dir),
		    want);
		break;
	case R_QUARANTINE:
		host_format(&d->quar->pfx, e, sizeof(e));
		when_format(d->quar->until, WHEN_TEXT, u, sizeof(u));
		snprintf(buf, len, "%s is in quarantine until %s (by %s: %s): "
		    "all its SMTP is blocked, exceptions notwithstanding", e, u,
		    d->quar->who, d->quar->reason);
		break;
	default:
		snprintf(buf, len, "%s SMTP %s campus host %s is blocked "
		    "(Part %d) and no active exception lists it", want,
		    d->direction == D_INBOUND ? "to" : "from", a,
		    d->direction == D_INBOUND ? 1 : 2);
	}
}

int
cmd_test(const struct args *a)
{
	struct ip_addr	 src, dst;
	struct policy	*p;
	struct decision	 d;
	cJSON		*o, *x;
	char		 err[ERRLEN], why[512], e[PREFIX_STRLEN], *s, *end,
			 why2[32];
	char		 s_txt[ADDR_STRLEN], d_txt[ADDR_STRLEN];
	const char	*action, *dir, *reason;
	unsigned long	 port = 25;
	bool		 smtp;

	if (addr_parse(a->pos[0], &src) == -1)
		usage_exit("bad address '%s'", a->pos[0]);
	if (addr_parse(a->pos[1], &dst) == -1)
		usage_exit("bad address '%s'", a->pos[1]);
	addr_format(&src, s_txt, sizeof(s_txt));
	addr_format(&dst, d_txt, sizeof(d_txt));
	if (src.af != dst.af)
		usage_exit("%s and %s are not the same address family",
		    a->pos[0], a->pos[1]);
	if (a->npos == 3) {
		errno = 0;
		port = strtoul(a->pos[2], &end, 10);
		if (a->pos[2][0] < '0' || a->pos[2][0] > '9' || *end != '\0' ||
		    errno != 0 || port < 1 || port > 65535)
			usage_exit("bad port '%s' (1-65535)", a->pos[2]);
	}
	if ((p = policy_load(a->config, err, sizeof(err))) == NULL) {
		say("%s", err);
		return EX_USAGE;
	}
	memset(&d, 0, sizeof(d));
	smtp = conf_is_smtp_port(&p->conf, (uint16_t)port);
	if (smtp) {
		policy_decide(p, &src, &dst, (int64_t)time(NULL), &d);
		action = action_name(d.action);
		dir = direction_name(d.direction);
		reason = reason_name(d.reason);
		test_why(p, &d, d.direction == D_INBOUND ? &dst : &src, why,
		    sizeof(why));
	} else {
		action = "not-policy";
		dir = side_dir(&p->conf, &src, &dst);
		reason = "not-smtp-port";
		snprintf(why, sizeof(why), "port %lu is not in smtp-ports: "
		    "the kernel rules do not send it to nfqd", port);
	}
	if (d.exc != NULL)
		prefix_format(&d.exc->pfx, e, sizeof(e));
	if (a->seen & B(OPT_JSON)) {
		if ((o = cJSON_CreateObject()) == NULL) {
			policy_free(p);
			say("out of memory");
			return EX_FAIL;
		}
		cJSON_AddStringToObject(o, "src", s_txt);
		cJSON_AddStringToObject(o, "dst", d_txt);
		cJSON_AddNumberToObject(o, "port", (double)port);
		cJSON_AddStringToObject(o, "action", action);
		cJSON_AddStringToObject(o, "direction", dir);
		cJSON_AddStringToObject(o, "reason", reason);
		cJSON_AddStringToObject(o, "mode", p->conf.mode ==
		    MODE_MONITOR ? "monitor" : "enforce");
		if (d.exc != NULL) {
			x = cJSON_AddObjectToObject(o, "exception");
			cJSON_AddStringToObject(x, "entry", e);
			cJSON_AddStringToObject(x, "direction",
			    exc_dir_name(d.exc->dir));
			if (d.exc->ticket[0])
				cJSON_AddStringToObject(x, "ticket",
				    d.exc->ticket);
			if (d.exc->owner[0])
				cJSON_AddStringToObject(x, "owner",
				    d.exc->owner);
			if (d.exc->expires[0])
				cJSON_AddStringToObject(x, "expires",
				    d.exc->expires);
			cJSON_AddNumberToObject(x, "line", d.exc->line);
		}
		if (d.quar != NULL) {
			x = cJSON_AddObjectToObject(o, "quarantine");
			host_format(&d.quar->pfx, e, sizeof(e));
			cJSON_AddStringToObject(x, "host", e);
			when_format(d.quar->until, WHEN_TEXT, why2, sizeof(why2));
			cJSON_AddStringToObject(x, "until", why2);
			cJSON_AddStringToObject(x, "reason", d.quar->reason);
			cJSON_AddStringToObject(x, "who", d.quar->who);
		}
		cJSON_AddStringToObject(o, "why", why);
		if ((s = cJSON_PrintUnformatted(o)) != NULL)
			printf("%s\n", s);
		cJSON_free(s);
		cJSON_Delete(o);
	} else {
		printf("%s: %s %s -> %s port %lu\n", action, dir, s_txt, d_txt,
		    port);
		printf("  reason: %s: %s\n", reason, why);
		if (d.exc != NULL)
			printf("  exception: %s %s ticket=%s owner=%s "
			    "expires=%s (%s:%u)\n", e, exc_dir_name(d.exc->dir),
			    d.exc->ticket[0] ? d.exc->ticket : "-",
			    d.exc->owner[0] ? d.exc->owner : "-",
			    d.exc->expires[0] ? d.exc->expires : "never",
			    p->conf.exceptions, d.exc->line);
		if (smtp && p->conf.mode == MODE_MONITOR)
			printf("  mode: monitor: nfqd logs this decision and "
			    "blocks nothing\n");
	}
	policy_free(p);
	return fflush(stdout) == 0 ? EX_OK : EX_FAIL;
}
