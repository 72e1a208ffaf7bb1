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

/* ---- exception list / export ---- */

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

/* ---- quarantine ---- */

void
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

/* ---- census ---- */

/* "2026-11-22T11:58:27.000000+0000" as "2026-11-22 11:58". */
void
short_ts(const char *ts, char *buf, size_t len)
{
	if (strlen(ts) >= 16)
		snprintf(buf, len, "%.10s %.5s", ts, ts + 11);
	else
		snprintf(buf, len, "%s", ts);
}
