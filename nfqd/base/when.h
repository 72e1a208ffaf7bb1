/*
 * when.c: times as nfqd writes and reads them, all in UTC: the events'
 * timestamps, and the one parser and formatter of dates and times in
 * configuration, state files, audit lines and reports.  Local days (an
 * exception's expiry) are tz.c's.
 */
#ifndef NFQD_BASE_WHEN_H
#define NFQD_BASE_WHEN_H

#include <stddef.h>
#include <stdint.h>

#define TS_STRLEN	32	/* "2026-09-21T08:05:00.000000+0000" and NUL */

/* Microseconds since the epoch, as YYYY-MM-DDTHH:MM:SS.ffffff+0000. */
void	 ts_format(int64_t us, char *buf, size_t len);

enum when_fmt {
	WHEN_DATE,	/* 2026-12-06 */
	WHEN_ISO,	/* 2026-12-06T23:50:00Z */
	WHEN_TEXT,	/* 2026-12-06 23:50:00Z, for people */
};
#define WHEN_STRLEN	24

/* Unix seconds t as f; the number itself if the year has no 4 digits. */
void	 when_format(int64_t t, enum when_fmt f, char *buf, size_t len);

/*
 * "YYYY-MM-DD" (a real day, from 1970), then "THH:MM" and ":SS" when they
 * follow: the unix time in *t and, in *end, the first byte not read.
 * The caller says which forms it takes by what it allows at *end.
 */
int	 when_parse(const char *s, int64_t *t, const char **end);
/* Exactly YYYY-MM-DD: the unix time of its 00:00 UTC in *t. */
int	 date_parse(const char *s, int64_t *t);

#endif
