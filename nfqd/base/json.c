/*
 * What cJSON lacks for nfqd's answers and files: timestamps as
 * ts_format writes them, and 64-bit integers printed exactly.
 */
#include <stdint.h>

#include <cjson/cJSON.h>

#include "base/json.h"
#include "base/when.h"

void
json_add_ts(struct cJSON *o, const char *key, int64_t us)
{
	char	 ts[TS_STRLEN];

	ts_format(us, ts, sizeof(ts));
	cJSON_AddStringToObject(o, key, ts);
}

/*
 * Integers as integers: cJSON keeps numbers as doubles and prints some
 * 16-digit values in exponent form, which EVE consumers do not expect.
 */
void
json_add_u64(struct cJSON *o, const char *key, uint64_t v)
{
	char	 buf[24], *p = buf + sizeof(buf) - 1;

	*p = '\0';
	do
		*--p = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	cJSON_AddRawToObject(o, key, p);
}
