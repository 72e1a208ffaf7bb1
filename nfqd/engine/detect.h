/*
 * detect.c: bulk senders, directory harvest, relay suspects, message size.
 */
#ifndef NFQD_ENGINE_DETECT_H
#define NFQD_ENGINE_DETECT_H

#include <stdbool.h>
#include <stdint.h>

#include "base/addr.h"
#include "policy/policy.h"

struct detection {
	uint8_t		 kind;
	bool		 fire, blocked;
	struct ip_addr	 host;		/* the host the alert is about */
	uint64_t	 count, limit;
	uint32_t	 window;	/* seconds */
	uint64_t	 flow_id, related_flow;
};

struct detect;
struct smtp_meta;
typedef void (*detect_cb)(void *, const struct detection *);
struct detect	*detect_new(const struct conf *c);
void	 detect_free(struct detect *d);
void	 detect_conn(struct detect *d, const struct policy *p,
	    const struct ip_addr *client, const struct ip_addr *server,
	    uint8_t direction, uint8_t action, uint8_t exc_dir, uint64_t flow,
	    int64_t now, detect_cb cb, void *arg);
void	 detect_smtp(struct detect *d, const struct policy *p,
	    const struct ip_addr *client, const struct ip_addr *server,
	    uint8_t direction, const struct smtp_meta *m, uint64_t flow,
	    int64_t now, detect_cb cb, void *arg);
const char	*detection_name(uint8_t kind);
const char	*detection_signature(uint8_t kind);
uint32_t	 detection_sid(uint8_t kind);
int	 announce_load(const char *path, struct announce **out, size_t *n,
	    char *err, size_t errlen);

#endif
