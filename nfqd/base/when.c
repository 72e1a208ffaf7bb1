/*
 * Times as nfqd writes them: ISO 8601 in UTC with microseconds, as
 * Suricata's EVE has them (2026-09-21T08:05:00.000000+0000); and the one
 * parser and formatter of dates and times elsewhere.  Arithmetic on day
 * numbers (tz.c), not timegm(): no time zone is involved.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/tz.h"
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

void
when_format(int64_t t, enum when_fmt f, char *buf, size_t len)
{
	time_t		 tt = (time_t)t;
	struct tm	 tm;
	size_t		 n = 0;

	if (gmtime_r(&tt, &tm) != NULL && tm.tm_year + 1900 >= 0 &&
	    tm.tm_year + 1900 <= 9999)
		switch (f) {
		case WHEN_DATE:
			n = strftime(buf, len, "%Y-%m-%d", &tm);
			break;
		case WHEN_ISO:
			n = strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
			break;
		case WHEN_TEXT:
			n = strftime(buf, len, "%Y-%m-%d %H:%M:%SZ", &tm);
			break;
		}
	if (n == 0)
		snprintf(buf, len, "%lld", (long long)t);
}

/* n digits at s, or -1. */
static int
digits(const char *s, int n)
{
	int	 v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int
when_parse(const char *s, int64_t *t, const char **end)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	int	 y, m, d, dim, hh, mm, ss;

	if (strnlen(s, 10) < 10 || s[4] != '-' || s[7] != '-' ||
	    (y = digits(s, 4)) < 1970 || (m = digits(s + 5, 2)) < 1 ||
	    m > 12 || (d = digits(s + 8, 2)) < 1)
		return -1;
	dim = mdays[m - 1];
	if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
		dim = 29;
	if (d > dim)
		return -1;
	*t = tz_days_from_civil(y, m, d) * 86400;
	*end = s + 10;
	if (s[10] != 'T' || strnlen(s + 11, 5) < 5 || s[13] != ':' ||
	    (hh = digits(s + 11, 2)) < 0 || hh > 23 ||
	    (mm = digits(s + 14, 2)) < 0 || mm > 59)
		return 0;
	*t += hh * 3600 + mm * 60;
	*end = s + 16;
	if (s[16] != ':' || strnlen(s + 17, 2) < 2 ||
	    (ss = digits(s + 17, 2)) < 0 || ss > 59)
		return 0;
	*t += ss;
	*end = s + 19;
	return 0;
}

int
date_parse(const char *s, int64_t *t)
{
	const char	*end;
	int64_t		 v;

	if (when_parse(s, &v, &end) == -1 || end != s + 10 || *end != '\0')
		return -1;
	*t = v;
	return 0;
}
