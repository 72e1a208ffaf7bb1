/*
 * Times as nfqd writes them: ISO 8601 in UTC with microseconds, as
 * Suricata's EVE has them (2026-09-21T08:05:00.000000+0000).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/when.h"

/* n decimal digits of v, zero-padded, at p. */
static void
put_digits(char *p, uint64_t v, int n)
{
	while (n-- > 0) {
		p[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

/*
 * Every event carries timestamps, so this is on the writer's hot path:
 * the date and time of the last second formatted are kept (per thread),
 * and the digits are written by hand, not by gmtime_r and snprintf.
 */
void
ts_format(int64_t us, char *buf, size_t len)
{
	static _Thread_local int64_t	 last_s = INT64_MIN;
	static _Thread_local char	 last[20];	/* YYYY-MM-DDTHH:MM:SS */
	struct tm	 tm;
	time_t		 s;
	int64_t		 frac;
	char		 out[32];

	s = (time_t)(us / 1000000);
	frac = us % 1000000;
	if (frac < 0) {
		frac += 1000000;
		s--;
	}
	if ((int64_t)s != last_s) {
		gmtime_r(&s, &tm);
		if (tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999) {
			snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d."
			    "%06lld+0000", tm.tm_year + 1900, tm.tm_mon + 1,
			    tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
			    (long long)frac);
			return;
		}
		put_digits(last, (uint64_t)tm.tm_year + 1900, 4);
		last[4] = '-';
		put_digits(last + 5, (uint64_t)tm.tm_mon + 1, 2);
		last[7] = '-';
		put_digits(last + 8, (uint64_t)tm.tm_mday, 2);
		last[10] = 'T';
		put_digits(last + 11, (uint64_t)tm.tm_hour, 2);
		last[13] = ':';
		put_digits(last + 14, (uint64_t)tm.tm_min, 2);
		last[16] = ':';
		put_digits(last + 17, (uint64_t)tm.tm_sec, 2);
		last_s = s;
	}
	memcpy(out, last, 19);
	out[19] = '.';
	put_digits(out + 20, (uint64_t)frac, 6);
	memcpy(out + 26, "+0000", 6);
	if (len > 0) {
		len = len > sizeof(out) ? sizeof(out) : len;
		memcpy(buf, out, len - 1);
		buf[len - 1] = '\0';
	}
}
