/*
 * json.c: cJSON helpers.
 */
#ifndef NFQD_BASE_JSON_H
#define NFQD_BASE_JSON_H

#include <stdint.h>

struct cJSON;

/* key: the time `us` (microseconds since the epoch), as ts_format. */
void	 json_add_ts(struct cJSON *o, const char *key, int64_t us);
/* key: v as a JSON integer, every digit (cJSON's doubles lose some). */
void	 json_add_u64(struct cJSON *o, const char *key, uint64_t v);

#endif
