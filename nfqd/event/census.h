/*
 * census.c: the campus mail servers, counted day by day from the events.
 */
#ifndef NFQD_EVENT_CENSUS_H
#define NFQD_EVENT_CENSUS_H

#include <stdbool.h>
#include <stdint.h>

#include "base/addr.h"
#include "policy/policy.h"
#include "event/event.h"

#define CENSUS_FILE	"census.json"
#define CENSUS_DAYS	35		/* day buckets: `census --since` */
#define CENSUS_UNUSED_DAYS 90		/* exceptions unused this long */
#define CENSUS_SAVE_S	300		/* the state file, live */

struct cJSON;
struct census;
struct census	*census_new(uint32_t cap, int64_t now);
void	 census_free(struct census *c);
void	 census_count(struct census *c, const struct ip_addr *a,
	    uint8_t direction, uint8_t action, bool by_exception, uint64_t n,
	    int64_t ts);
void	 census_event(struct census *c, const struct event *ev);
char	*census_dump(struct census *c);
int	 census_load(struct census *c, const char *path, uint32_t *dropped,
	    char *err, size_t errlen);
int	 census_save(struct census *c, const char *dir, char *err,
	    size_t errlen);
int	 census_report(struct census *c, const struct policy *p, uint32_t days,
	    uint32_t unused_days, int64_t now, struct cJSON *o, char *err,
	    size_t errlen);

#endif
