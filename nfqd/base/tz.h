/*
 * tz.c: a time zone, read from its TZif file (RFC 8536), so that an
 * exception's expiry day ends at midnight on campus; NULL is UTC.
 */
#ifndef NFQD_BASE_TZ_H
#define NFQD_BASE_TZ_H

#include <stddef.h>
#include <stdint.h>

#define TZ_NAMELEN	64

struct tz;

/* name: Area/City, or "" for the system's (/etc/localtime). */
struct tz	*tz_load(const char *name, char *err, size_t errlen);
void		 tz_free(struct tz *z);
const char	*tz_name(const struct tz *z);
int32_t		 tz_offset(const struct tz *z, int64_t t);
/* The local day (days since 1970-01-01) of unix time t, and its end. */
int64_t		 tz_day_of(const struct tz *z, int64_t t);
int64_t		 tz_day_end(const struct tz *z, int64_t day);
int64_t		 tz_days_from_civil(int64_t y, int m, int d);
void		 tz_civil_from_days(int64_t z, int *y, int *m, int *d);

#endif
