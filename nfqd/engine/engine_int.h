/*
 * engine_int.h: what the engine's three files share -- engine.c (the
 * packet path: an engine's life, parse, verdict), engine_decide.c (a
 * packet's connection: found in the table, or decided and opened) and
 * engine_events.c (the events a connection writes: policy, alerts, smtp,
 * flow).  Not for other files: engine.h is the engine's interface.
 */
#ifndef NFQD_ENGINE_INT_H
#define NFQD_ENGINE_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "base/addr.h"
#include "base/communityid.h"
#include "policy/policy.h"
#include "event/event.h"
#include "engine/engine.h"
#include "engine/flow.h"
#include "engine/pkt.h"
#include "engine/detect.h"
#include "engine/smtp.h"
#include "engine/summary.h"

struct engine {
	struct flowtab	*flows;
	struct stats	 st;
	struct decisions dec;		/* st.allowed and .blocked, told apart */
	emit_cb		 emit;
	void		*emit_arg;
	int64_t		 now;
	bool		 bypass;	/* the source honours V_BYPASS */
	uint64_t	 conns;		/* connections seen, for flow ids */
	uint64_t	 salt;
	struct dpi	*dpi;		/* NULL: no classification */
	uint8_t		 addr_mode;	/* smtp-addresses */
	struct summary	*sum;		/* NULL: no flood control */
	int64_t		 sum_every, sum_next;
	struct detect	*det;		/* bulk, harvest, relay, size */
	struct respond	*resp;		/* NULL: no responses (shared) */
	const struct policy *pol;	/* the one packets were judged by */
	bool		 smtp_only;	/* the source hands in SMTP ports only */
	struct flow	 untracked;	/* a connection the table had no room for */
};

/* Where a detection's alert belongs: the connection that raised it. */
struct det_ctx {
	struct engine		*e;
	struct flow		*f;	/* its flow (e->untracked included) */
	uint8_t			 action;
	const char		*app_proto;
};

/* The SMTP parser's transaction context: the engine and the flow. */
struct tx_ctx {
	struct engine	*e;
	struct flow	*f;
};

/* A packet's connection: its key, the key's hash, the end that sent it. */
struct conn {
	struct flow_key	 k;
	uint32_t	 h;
	uint8_t		 from;
};

/* engine_events.c */
void	 engine_emit(struct engine *e, const struct event *ev);
bool	 engine_cid(const struct policy *pol, const struct flow_key *k,
	    uint8_t cid[COMMUNITY_ID_HASHLEN]);
void	 engine_conn(const struct flow *f, struct ev_conn *c);
void	 engine_summary_event(void *arg, const struct summary_rec *r);
void	 engine_summaries(struct engine *e);
void	 engine_detect_alert(void *arg, const struct detection *x);
void	 engine_smtp_tx(void *arg, const struct smtp_tx *tx);
void	 engine_cls_finish(struct engine *e, struct flow *f);
void	 engine_flow_end(void *arg, struct flow *f);
void	 engine_policy_event(struct engine *e, const struct policy *pol,
	    const struct flow_key *k, uint8_t client, uint64_t id,
	    const struct decision *d, struct flow *f, bool alert);

/* engine_decide.c */
uint64_t	 engine_flow_id(struct engine *e, const struct flow_key *k);
void	 engine_count(struct engine *e, uint8_t direction, uint8_t action,
	    uint8_t reason, uint64_t n);
void	 engine_account(struct engine *e, const struct policy *pol,
	    const struct flow_key *k, uint8_t client, uint64_t id,
	    const struct decision *d, struct flow *f);
void	 engine_key(struct engine *e, const struct pkt *p, struct conn *c);
struct flow	*engine_find(struct engine *e, const struct policy *pol,
	    const struct conn *c, const struct pkt *p);
struct flow	*engine_open(struct engine *e, const struct policy *pol,
	    const struct conn *c, const struct pkt *p,
	    const struct pkt_info *pi);

#endif
