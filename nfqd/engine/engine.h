/*
 * engine.c, engine_decide.c, engine_events.c: one packet pipeline for every
 * source (NFQUEUE, replay, the fast path's records): parse, check the
 * source's side, find or open the connection, decide, inspect, and the
 * verdict.
 */
#ifndef NFQD_ENGINE_ENGINE_H
#define NFQD_ENGINE_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include "policy/policy.h"
#include "event/event.h"
#include "engine/pkt.h"
#include "engine/flow.h"
#include "engine/respond.h"

/*
 * V_ALLOWED: accept a connection the policy allowed that is still being
 * inspected (live: the allowed mark, saved in the conntrack mark, so a
 * restarted nfqd knows it).  V_BYPASS: accept, and the connection needs
 * no more inspection (live: the allowed and bypass marks; the kernel stops
 * queueing it).  V_PASS: accept, not the policy's business (not TCP, no
 * SMTP port; live: the bypass mark).  V_ACCEPT: accept with no mark, what
 * monitor mode does to what it would block (live: the kernel's own rules
 * decide, and in monitor mode they accept).
 */
enum verdict { V_ACCEPT, V_BYPASS, V_DROP, V_ALLOWED, V_PASS };

/* What the packet source knows about a packet besides its bytes. */
#define HINT_ALLOWED	0x1	/* conntrack says nfqd allowed it before */
#define HINT_DROPPED	0x2	/* the kernel fast path dropped it */
struct pkt_info {
	int64_t		 ts;		/* microseconds, the source's clock */
	uint32_t	 ifindex;	/* arrival interface; 0: not known */
	uint8_t		 hints;		/* HINT_* */
	uint8_t		 kernel_reason;	/* HINT_DROPPED: the kernel's reason */
};

struct engine;

/*
 * Connections decided, by direction, action and reason (the metrics'
 * labels, metrics.c): stats.policy.allowed and .blocked, told apart.
 * Reason DEC_UNRECORDED: SYNs the fast path dropped whose records the
 * ring buffer had no room for (engine_fold): the kernel counted them by
 * source and direction only.  Not in struct stats, which every event
 * carries.
 */
#define DEC_UNRECORDED	R_COUNT
struct decisions {
	uint64_t	 n[4][2][R_COUNT + 1];	/* direction, action, reason */
};
typedef void (*emit_cb)(void *, const struct event *);
struct engine	*engine_new(const struct policy *p, uint64_t seed,
	    emit_cb emit, void *arg);
struct engine	*engine_new_sized(const struct policy *p, uint32_t max_flows,
	    uint64_t seed, emit_cb emit, void *arg);
void	 engine_free(struct engine *e);
void	 engine_set_bypass(struct engine *e, bool on);
void	 engine_set_policy(struct engine *e, const struct policy *pol);
void	 engine_set_respond(struct engine *e, struct respond *r);
int	 engine_packet(struct engine *e, const struct policy *pol,
	    enum link link, const uint8_t *data, uint32_t cap, uint32_t wire,
	    const struct pkt_info *pi);
void	 engine_set_smtp_only(struct engine *e, bool on);
void	 engine_tick(struct engine *e, int64_t now);
void	 engine_flush(struct engine *e, uint8_t reason);
void	 engine_fold(struct engine *e, const struct policy *pol,
	    const struct ip_addr *src, uint8_t direction, uint64_t n,
	    int64_t now);
void	 engine_stats_event(struct engine *e);
const struct stats	*engine_stats(const struct engine *e);
const struct decisions	*engine_decisions(const struct engine *e);
const struct flowtab	*engine_flows(const struct engine *e);

#endif
