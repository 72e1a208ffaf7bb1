/*
 * flow.c: the connection table -- a fixed array of max-flows entries,
 * hash buckets of indexes, one list per TCP state oldest first.
 */
#ifndef NFQD_ENGINE_FLOW_H
#define NFQD_ENGINE_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/addr.h"
#include "policy/policy.h"

/*
 * FS_BYPASSED (live only): the kernel no longer queues the connection, so
 * nfqd will not see its end; the entry lives on for timeout-closed to catch
 * packets already in flight, then reports what nfqd saw.
 */
enum flow_state { FS_NEW, FS_ESTABLISHED, FS_CLOSED, FS_BYPASSED };
#define FS_COUNT	4
enum flow_end {
	FE_NONE, FE_FIN, FE_RST, FE_TIMEOUT, FE_EVICTED, FE_END_OF_CAPTURE,
	FE_SHUTDOWN,
	FE_REUSE	/* a new connection (a new SYN) took over its tuple */
};

/*
 * Key with the lower (address, port) end first, so both directions match.
 * Made by flow_key_make and read by flow_key_tuple: nothing else knows
 * which end is where.
 */
struct flow_key {
	uint8_t		 af;
	uint8_t		 pad;
	uint16_t	 port[2];
	uint8_t		 addr[2][16];
};

/* A key's two ends as a connection names them: one end as src. */
struct flow_tuple {
	struct ip_addr	 src, dst;
	uint16_t	 sport, dport;
};

struct flow {
	struct flow_key	 key;
	uint64_t	 id;
	int64_t		 first_us, last_us;
	uint64_t	 bytes[2];	/* [0] to server, [1] to client */
	uint32_t	 pkts[2];
	uint32_t	 hnext;		/* hash chain */
	uint32_t	 prev, next;	/* list of its state, oldest first */
	uint8_t		 client;	/* key end (0/1): the SMTP client */
	enum flow_state	 state : 8;
	enum flow_end	 end : 8;
	uint8_t		 tcp;		/* TF_* below */
	uint8_t		 action, direction;
	uint8_t		 inlist;
	enum roles	 roles : 8;
	uint8_t		 tflags[2];	/* TCP flags seen, [0] to server */
	bool		 has_cid;	/* cid computed (community-id = yes) */
	uint32_t	 isn;		/* the opener's SYN: ROLES_SYN, _REVERSED */
	uint8_t		 cid[20];	/* its Community ID's digest, once */
	char		 app_proto[32];	/* from payload; "" unknown */
	uint64_t	 risk;		/* nDPI risk bits */
	struct cls	*cls;		/* while being classified */
};

#define TF_SYN		0x01	/* client SYN seen */
#define TF_SYNACK	0x02	/* server SYN-ACK seen */
#define TF_FIN_C	0x04
#define TF_FIN_S	0x08
#define TF_MIDSTREAM	0x10	/* first packet was not a SYN */
#define TF_FOLDED	0x20	/* its decision went into a policy_summary */
#define TF_ALERTED	0x40	/* an alert was written about it */
#define TF_MONITOR	0x80	/* decided in monitor mode: nothing dropped */

struct flowtab;
typedef void (*flow_end_cb)(void *, struct flow *);
struct flowtab	*flowtab_new(uint32_t max, const uint32_t timeouts[FS_COUNT],
	    uint64_t seed, flow_end_cb end, void *arg);
void	 flowtab_free(struct flowtab *t);
uint8_t	 flow_key_make(struct flow_key *k, const struct ip_addr *src,
	    uint16_t sport, const struct ip_addr *dst, uint16_t dport);
void	 flow_key_tuple(const struct flow_key *k, uint8_t src_end,
	    struct flow_tuple *t);
uint32_t	 flow_hash(const struct flowtab *t, const struct flow_key *k);
struct flow	*flowtab_lookup(struct flowtab *t, const struct flow_key *k,
	    uint32_t h);
struct flow	*flowtab_insert(struct flowtab *t, const struct flow_key *k,
	    uint32_t h, int64_t now);
void	 flowtab_touch(struct flowtab *t, struct flow *f);
void	 flowtab_remove(struct flowtab *t, struct flow *f);
void	 flowtab_end(struct flowtab *t, struct flow *f, uint8_t reason);
void	 flowtab_expire(struct flowtab *t, int64_t now);
void	 flowtab_flush(struct flowtab *t, uint8_t reason);
uint32_t	 flowtab_count(const struct flowtab *t);
void	 flowtab_foreach(const struct flowtab *t, void (*cb)(void *,
	    const struct flow *), void *arg);
const char	*flow_state_name(uint8_t s);
const char	*flow_end_name(uint8_t e);

#endif
