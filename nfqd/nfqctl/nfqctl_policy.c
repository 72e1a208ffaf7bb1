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

/* A test's question and the policy's answer. */
struct answer {
	struct ip_addr	 src, dst;
	char		 s_txt[ADDR_STRLEN], d_txt[ADDR_STRLEN];
	unsigned long	 port;
	bool		 smtp;		/* the port is in smtp-ports */
	struct decision	 d;
	const char	*action, *dir, *reason;
	char		 why[512];
	char		 e[PREFIX_STRLEN];	/* d.exc's entry */
};

/* SRC DST [PORT] into t; exit 2 when they are wrong. */
static void
test_args(const struct args *a, struct answer *t)
{
	char	*end;

	if (addr_parse(a->pos[0], &t->src) == -1)
		usage_exit("bad address '%s'", a->pos[0]);
	if (addr_parse(a->pos[1], &t->dst) == -1)
		usage_exit("bad address '%s'", a->pos[1]);
	addr_format(&t->src, t->s_txt, sizeof(t->s_txt));
	addr_format(&t->dst, t->d_txt, sizeof(t->d_txt));
	if (t->src.af != t->dst.af)
		usage_exit("%s and %s are not the same address family",
		    a->pos[0], a->pos[1]);
	t->port = 25;
	if (a->npos == 3) {
		errno = 0;
		t->port = strtoul(a->pos[2], &end, 10);
		if (a->pos[2][0] < '0' || a->pos[2][0] > '9' || *end != '\0' ||
		    errno != 0 || t->port < 1 || t->port > 65535)
			usage_exit("bad port '%s' (1-65535)", a->pos[2]);
	}
}

/* The policy's decision now, and why; off smtp-ports, none. */
static void
test_decide(struct policy *p, struct answer *t)
{
	struct decision	*d = &t->d;

	memset(d, 0, sizeof(*d));
	t->smtp = conf_is_smtp_port(&p->conf, (uint16_t)t->port);
	if (t->smtp) {
		policy_decide(p, &t->src, &t->dst, (int64_t)time(NULL), d);
		t->action = action_name(d->action);
		t->dir = direction_name(d->direction);
		t->reason = reason_name(d->reason);
		test_why(p, d, d->direction == D_INBOUND ? &t->dst : &t->src,
		    t->why, sizeof(t->why));
	} else {
		t->action = "not-policy";
		t->dir = side_dir(&p->conf, &t->src, &t->dst);
		t->reason = "not-smtp-port";
		snprintf(t->why, sizeof(t->why), "port %lu is not in "
		    "smtp-ports: the kernel rules do not send it to nfqd",
		    t->port);
	}
	if (d->exc != NULL)
		prefix_format(&d->exc->pfx, t->e, sizeof(t->e));
}

/* The answer as one JSON object on a line. */
static int
test_json(const struct policy *p, const struct answer *t)
{
	const struct decision	*d = &t->d;
	cJSON			*o, *x;
	char			 h[PREFIX_STRLEN], u[32], *s;

	if ((o = cJSON_CreateObject()) == NULL) {
		say("out of memory");
		return EX_FAIL;
	}
	cJSON_AddStringToObject(o, "src", t->s_txt);
	cJSON_AddStringToObject(o, "dst", t->d_txt);
	cJSON_AddNumberToObject(o, "port", (double)t->port);
	cJSON_AddStringToObject(o, "action", t->action);
	cJSON_AddStringToObject(o, "direction", t->dir);
	cJSON_AddStringToObject(o, "reason", t->reason);
	cJSON_AddStringToObject(o, "mode", p->conf.mode == MODE_MONITOR ?
	    "monitor" : "enforce");
	if (d->exc != NULL) {
		x = cJSON_AddObjectToObject(o, "exception");
		cJSON_AddStringToObject(x, "entry", t->e);
		cJSON_AddStringToObject(x, "direction",
		    exc_dir_name(d->exc->dir));
		if (d->exc->ticket[0])
			cJSON_AddStringToObject(x, "ticket", d->exc->ticket);
		if (d->exc->owner[0])
			cJSON_AddStringToObject(x, "owner", d->exc->owner);
		if (d->exc->expires[0])
			cJSON_AddStringToObject(x, "expires", d->exc->expires);
		cJSON_AddNumberToObject(x, "line", d->exc->line);
	}
	if (d->quar != NULL) {
		x = cJSON_AddObjectToObject(o, "quarantine");
		host_format(&d->quar->pfx, h, sizeof(h));
		cJSON_AddStringToObject(x, "host", h);
		when_format(d->quar->until, WHEN_TEXT, u, sizeof(u));
		cJSON_AddStringToObject(x, "until", u);
		cJSON_AddStringToObject(x, "reason", d->quar->reason);
		cJSON_AddStringToObject(x, "who", d->quar->who);
	}
	cJSON_AddStringToObject(o, "why", t->why);
	if ((s = cJSON_PrintUnformatted(o)) != NULL)
		printf("%s\n", s);
	cJSON_free(s);
	cJSON_Delete(o);
	return EX_OK;
}

/* The answer in a few lines for people. */
static void
test_text(const struct policy *p, const struct answer *t)
{
	const struct exc_entry	*x = t->d.exc;

	printf("%s: %s %s -> %s port %lu\n", t->action, t->dir, t->s_txt,
	    t->d_txt, t->port);
	printf("  reason: %s: %s\n", t->reason, t->why);
	if (x != NULL)
		printf("  exception: %s %s ticket=%s owner=%s expires=%s "
		    "(%s:%u)\n", t->e, exc_dir_name(x->dir),
		    x->ticket[0] ? x->ticket : "-",
		    x->owner[0] ? x->owner : "-",
		    x->expires[0] ? x->expires : "never", p->conf.exceptions,
		    x->line);
	if (t->smtp && p->conf.mode == MODE_MONITOR)
		printf("  mode: monitor: nfqd logs this decision and blocks "
		    "nothing\n");
}

/* test SRC DST [PORT] [--json]: the decision, from the files on disk. */
int
cmd_test(const struct args *a)
{
	struct answer	 t;
	struct policy	*p;
	char		 err[ERRLEN];
	int		 rc = EX_OK;

	memset(&t, 0, sizeof(t));
	test_args(a, &t);
	if ((p = policy_load(a->config, err, sizeof(err))) == NULL) {
		say("%s", err);
		return EX_USAGE;
	}
	test_decide(p, &t);
	if (a->seen & B(OPT_JSON))
		rc = test_json(p, &t);
	else
		test_text(p, &t);
	policy_free(p);
	if (rc != EX_OK)
		return rc;
	return fflush(stdout) == 0 ? EX_OK : EX_FAIL;
}
