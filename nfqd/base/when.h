/*
 * when.c: times as nfqd writes them.
 */
#ifndef NFQD_BASE_WHEN_H
#define NFQD_BASE_WHEN_H

#include <stddef.h>
#include <stdint.h>

#define TS_STRLEN	32	/* "2026-09-21T08:05:00.000000+0000" and NUL */

/* Microseconds since the epoch, as YYYY-MM-DDTHH:MM:SS.ffffff+0000. */
void	 ts_format(int64_t us, char *buf, size_t len);

#endif
