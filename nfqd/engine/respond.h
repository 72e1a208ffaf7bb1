/*
 * respond.c: what an alert sets off -- auto-quarantine, a harvest block --
 * until the quarantine list (or the ipsets) have it.
 */
#ifndef NFQD_ENGINE_RESPOND_H
#define NFQD_ENGINE_RESPOND_H

#include <stdbool.h>
#include <stdint.h>

#include "base/addr.h"
#include "policy/policy.h"
#include "engine/detect.h"

enum resp_kind { RK_NONE, RK_QUARANTINE, RK_HARVEST_BLOCK };
/* What became of a response (the alert's detection.response.note). */
enum resp_note { RN_NONE, RN_DONE, RN_ALREADY, RN_EXCEPTION, RN_NOT_CAMPUS,
    RN_CAMPUS, RN_FULL };
enum resp_action { RA_START, RA_END };

struct resp_entry {
	struct ip_addr	 host;
	enum resp_kind	 kind : 8;
	uint8_t		 detection;	/* the alert's kind */
	bool		 owed;		/* its start is still to settle */
	int64_t		 since, until;	/* unix s */
	uint64_t	 count, limit, flow_id;
	uint32_t	 window;
	char		 reason[QUAR_REASONLEN];
};

struct resp_out {
	uint8_t		 kind, note;
	int64_t		 until;
};

struct respond;
/* Returns 1 to hand a started entry over (it leaves the table). */
typedef int (*respond_cb)(void *, uint8_t, const struct resp_entry *);
struct respond	*respond_new(uint32_t cap);
void	 respond_free(struct respond *r);
void	 respond_alert(struct respond *r, const struct policy *p,
	    const struct detection *x, int64_t now, struct resp_out *out);
bool	 respond_check(struct respond *r, const struct ip_addr *client,
	    const struct ip_addr *server, uint8_t direction, int64_t now,
	    struct resp_entry *hit);
uint32_t	 respond_settle(struct respond *r, int64_t now, respond_cb cb,
	    void *arg);
uint64_t	 respond_refused(struct respond *r);
void	 respond_quar_entry(const struct resp_entry *e, struct quar_entry *q);
const char	*response_name(uint8_t kind);
const char	*response_note(uint8_t note);

#endif
