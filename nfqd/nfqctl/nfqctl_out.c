/*
 * What nfqctl prints: the daemon's JSON answers read, and the tables
 * made of them and of the exception list.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "nfqctl/nfqctl.h"
#include "base/tz.h"
#include "base/when.h"
#include "policy/exceptions.h"
#include "control/excedit.h"

bool
reply_ok(const cJSON *o)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "ok"));
}

const char *
reply_str(const cJSON *o, const char *key)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : "";
}

double
reply_num(const cJSON *o, const char *key)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

/* ---- exception list ---- */

#define NCOLS	8

static void
list_row(const char *const *cell, const int *w)
{
	int	 i;

	int	 n = NCOLS;

	while (n > 1 && cell[n - 1][0] == '\0')	/* no trailing blanks */
		n--;
	for (i = 0; i < n - 1; i++)
		printf("%-*s  ", w[i], cell[i]);
	printf("%s\n", cell[n - 1]);
}

static void
list_status(const struct exc_entry *e, int64_t now, char *buf, size_t len)
{
	int64_t	 days;

	if (e->expires_at == 0)
		snprintf(buf, len, "-");
	else if (now >= e->expires_at)
		snprintf(buf, len, "expired");
	else if ((days = exc_days_left(conf.tz, e, now)) <= 0)
		snprintf(buf, len, "last day");
	else
		snprintf(buf, len, "%lld day%s left", (long long)days,
		    days == 1 ? "" : "s");
}

void
list_table(const struct excedit *x, const bool *sel, int64_t now)
{
	static const char *const head[NCOLS] = { "ADDRESS", "DIRECTION",
	    "TICKET", "OWNER", "EXPIRES", "STATUS", "ADDED", "COMMENT" };
	struct excedit_info	 in;
	char			 a[PREFIX_STRLEN], st[32];
	const char		*cell[NCOLS];
	int			 w[NCOLS], pass, i;
	size_t			 k;

	for (i = 0; i < NCOLS; i++)
		w[i] = (int)strlen(head[i]);
	for (pass = 0; pass < 2; pass++) {
		if (pass == 1)
			list_row(head, w);
		for (k = 0; k < excedit_count(x); k++) {
			if (!sel[k])
				continue;
			excedit_get(x, k, &in);
			host_format(&in.e.pfx, a, sizeof(a));
			list_status(&in.e, now, st, sizeof(st));
			cell[0] = a;
			cell[1] = exc_dir_name(in.e.dir);
			cell[2] = in.e.ticket[0] ? in.e.ticket : "-";
			cell[3] = in.e.owner[0] ? in.e.owner : "-";
			cell[4] = in.e.expires[0] ? in.e.expires : "never";
			cell[5] = st;
			cell[6] = in.e.added[0] ? in.e.added : "-";
			cell[7] = in.comment;
			if (pass == 1) {
				list_row(cell, w);
				continue;
			}
			for (i = 0; i < NCOLS; i++)
				if ((int)strlen(cell[i]) > w[i])
					w[i] = (int)strlen(cell[i]);
		}
	}
}

/* ---- status --socket ---- */

/* status --socket ...: one row per daemon (all: status_many's array). */
void
status_table(const cJSON *all)
{
	const cJSON	*d;

	printf("%-32s  %-20s  %10s  %s\n", "SOCKET", "HOST", "EXCEPTIONS",
	    "SHA256");
	cJSON_ArrayForEach(d, all) {
		if (!reply_ok(d)) {
			printf("%-32s  %-20s  %10s  %s\n",
			    reply_str(d, "socket"), "-", "-",
			    reply_str(d, "error"));
			continue;
		}
		printf("%-32s  %-20s  %10.0f  %s\n", reply_str(d, "socket"),
		    reply_str(d, "host"), reply_num(d, "exceptions"),
		    reply_str(d, "exceptions_sha256"));
	}
}

/* ---- quarantine ---- */

static void
left_text(int64_t s, char *buf, size_t len)
{
	if (s >= 2 * 86400)
		snprintf(buf, len, "%lldd%lldh", (long long)(s / 86400),
		    (long long)(s % 86400 / 3600));
	else if (s >= 3600)
		snprintf(buf, len, "%lldh%02lldm", (long long)(s / 3600),
		    (long long)(s % 3600 / 60));
	else
		snprintf(buf, len, "%lldm%02llds", (long long)(s / 60),
		    (long long)(s % 60));
}

/* quarantine list: one row per host, or that there is none. */
void
quar_table(const cJSON *arr)
{
	const cJSON	*e;
	char		 u[48], left[32];
	size_t		 n = 0;

	cJSON_ArrayForEach(e, arr) {
		if (n++ == 0)
			printf("%-20s  %-20s  %-9s  %-12s  %s\n", "HOST",
			    "UNTIL", "LEFT", "WHO", "REASON");
		left_text((int64_t)reply_num(e, "seconds_left"), left,
		    sizeof(left));
		/* 2026-11-22T11:58:27.000000+0000: to the second. */
		snprintf(u, sizeof(u), "%.10s %.8sZ", reply_str(e, "until"),
		    reply_str(e, "until") + (strlen(reply_str(e, "until")) >
		    11 ? 11 : 0));
		printf("%-20s  %-20s  %-9s  %-12s  %s\n", reply_str(e, "host"),
		    u, left, reply_str(e, "who"), reply_str(e, "reason"));
	}
	if (n == 0)
		say("no host in quarantine");
}

/* ---- census ---- */

/* "2026-11-22T11:58:27.000000+0000" as "2026-11-22 11:58". */
static void
short_ts(const char *ts, char *buf, size_t len)
{
	if (strlen(ts) >= 16)
		snprintf(buf, len, "%.10s %.5s", ts, ts + 11);
	else
		snprintf(buf, len, "%s", ts);
}

/*
 * census: the hosts, the exceptions nobody used, and since when it
 * counts (since: the answer covers --since days, not all).
 */
void
census_table(const cJSON *reply, bool since)
{
	const cJSON	*arr, *h, *in, *out, *x;
	char		 f[24], l[24];
	int		 n = 0;

	arr = cJSON_GetObjectItemCaseSensitive(reply, "hosts");
	cJSON_ArrayForEach(h, arr) {
		if (n++ == 0)
			printf("%-39s %8s %8s %8s %8s  %-16s  %-16s  %s\n",
			    "HOST", "IN-OK", "IN-BLK", "OUT-OK", "OUT-BLK",
			    "FIRST SEEN", "LAST SEEN", "EXCEPTION");
		in = cJSON_GetObjectItemCaseSensitive(h, "inbound");
		out = cJSON_GetObjectItemCaseSensitive(h, "outbound");
		x = cJSON_GetObjectItemCaseSensitive(h, "exception");
		short_ts(reply_str(h, "first_seen"), f, sizeof(f));
		short_ts(reply_str(h, "last_seen"), l, sizeof(l));
		printf("%-39s %8.0f %8.0f %8.0f %8.0f  %-16s  %-16s  %s%s%s%s\n",
		    reply_str(h, "host"), reply_num(in, "allowed"),
		    reply_num(in, "blocked"), reply_num(out, "allowed"),
		    reply_num(out, "blocked"), f, l,
		    reply_str(h, "exception_directions"),
		    cJSON_IsObject(x) ? " (" : "",
		    cJSON_IsObject(x) ? reply_str(x, "entry") : "",
		    cJSON_IsObject(x) ? ")" : "");
	}
	if (n == 0)
		say("no campus host spoke SMTP across the border%s",
		    since ? " in that time" : " yet");
	n = 0;
	arr = cJSON_GetObjectItemCaseSensitive(reply, "unused_exceptions");
	cJSON_ArrayForEach(x, arr) {
		if (n++ == 0)
			printf("\nexceptions unused for %.0f days (candidates "
			    "for removal):\n%-43s %-9s %-12s %-14s %s\n",
			    reply_num(reply, "unused_days"), "ENTRY",
			    "DIRECTION", "TICKET", "OWNER", "LAST USED");
		printf("%-43s %-9s %-12s %-14s %s\n", reply_str(x, "entry"),
		    reply_str(x, "direction"), reply_str(x, "ticket")[0] ?
		    reply_str(x, "ticket") : "-", reply_str(x, "owner")[0] ?
		    reply_str(x, "owner") : "-",
		    cJSON_IsString(cJSON_GetObjectItemCaseSensitive(x,
		    "last_used")) ? reply_str(x, "last_used") : "never (since "
		    "counting began)");
	}
	if (reply_num(reply, "overflow") > 0)
		say("warning: %.0f connections of hosts beyond census-hosts "
		    "(%.0f) were not counted", reply_num(reply, "overflow"),
		    reply_num(reply, "hosts_max"));
	short_ts(reply_str(reply, "counting_since"), f, sizeof(f));
	say("counting since %s UTC", f);
}
