/*
 * event.c: nfqd's events, their C shapes (sink/eve.c writes them as EVE
 * JSON lines).
 */
#ifndef NFQD_EVENT_EVENT_H
#define NFQD_EVENT_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/addr.h"
#include "base/communityid.h"
#include "base/digest.h"
#include "policy/policy.h"

/*
 * The format of the events, written on every one as
 * metadata.flowints.nfqd_format (docs/events.md, "Format version"): 1 was
 * the format before the events followed Suricata's schema, 2 this one.
 */
#define EVE_FORMAT	2

/*
 * Suricata's types (flow, smtp, alert, stats) are written as Suricata
 * writes them; the others are nfqd's own (docs/eve-schema.json).
 */
enum ev_type { EV_POLICY, EV_FLOW, EV_STATS, EV_RELOAD, EV_SMTP, EV_ALERT,
    EV_SUMMARY, EV_QUARANTINE, EV_EXC_EXPIRED, EV_SMTP_SESSION,
    EV_NFQD_STATS,
    EV_REOPEN };	/* not written: the live writer reopens its files here */

/* Alert signature ids (gid 1, as Suricata's rules use). */
#define SID_NON_SMTP		9250001	/* a known non-SMTP protocol */
#define SID_UNKNOWN_PAYLOAD	9250002	/* payload that is not SMTP */
/*
 * policy-alerts: a blocked connection's alert, one signature per
 * direction and reason: SID_POLICY + 10 * direction + reason.
 */
#define SID_POLICY		9250300
#define SID_POLICY_LAST		(SID_POLICY + 10 * 4 - 1)

struct sink_stat;

struct stats {
	uint64_t	 pkts, bytes;
	uint64_t	 invalid, fragments, not_ip, not_tcp;
	uint64_t	 ipv4, ipv6, vlan;
	uint64_t	 other_port;
	uint64_t	 unparsed_dropped;	/* on SMTP ports, unreadable */
	uint64_t	 spoofed;		/* packets, source on wrong side */
	uint64_t	 role_conflicts;	/* flows a packet contradicted */
	uint64_t	 reopened;	/* a new SYN took over a tuple */
	uint64_t	 allowed, blocked;		/* connections */
	uint64_t	 summarized;	/* blocked, folded into summaries */
	uint64_t	 pkts_accepted, pkts_dropped;	/* verdicts */
	uint64_t	 flows_created, flows_closed, flows_timeout;
	uint64_t	 flows_evicted, flows_untracked, flows_resumed;
	uint64_t	 flows_active;
	uint64_t	 events, events_dropped;
	uint64_t	 queue_dropped, user_dropped;	/* kernel's counts */
	uint64_t	 verdict_errors;
	int64_t		 start_us;
	/* the eBPF fast path's kernel counters (fastpath.c); mode 0: off */
	enum fastpath_mode	 fp_mode : 8;
	uint64_t	 fp_syn, fp_dropped, fp_lost, fp_deferred, fp_unparsed,
			 fp_relay, fp_spoofed;
	uint64_t	 fp_disagree;	/* dropped, yet the policy allows (engine) */
	const struct sink_stat *sinks;	/* set by the writer before */
	size_t		 nsinks;		/* event_format */
	char		 exc_sha256[SHA256_HEXLEN];	/* the list in force */
};

struct ev_exc {
	char		 entry[PREFIX_STRLEN];	/* "" when none */
	uint8_t		 dir;
	char		 ticket[EXC_TEXTLEN];
	char		 owner[EXC_TEXTLEN];
	char		 expires[11];
};

/* What blocked a connection besides the list: quarantine, harvest block. */
struct ev_quar {
	char		 host[PREFIX_STRLEN];	/* "" when none */
	int64_t		 since, until;		/* unix s */
	char		 who[QUAR_WHOLEN];
	char		 reason[QUAR_REASONLEN];
};

#define SUMMARY_TARGETS	8

struct summary_rec {
	struct ip_addr	 src;
	uint8_t		 direction;
	uint8_t		 mode;
	uint8_t		 ntargets;
	uint32_t	 count;			/* folded connections */
	int64_t		 first_us, last_us;
	struct {
		struct ip_addr	 addr;
		uint16_t	 port;
	}		 targets[SUMMARY_TARGETS];	/* a sample */
};

struct smtp_meta;
struct smtp_tx;

struct event {
	enum ev_type	 type : 8;
	uint8_t		 path;		/* 1: the kernel decided (fastpath.c) */
	bool		 has_cid;	/* cid is set (community-id = yes) */
	int64_t		 ts_us;
	uint64_t	 flow_id;
	struct ip_addr	 src, dst;
	uint16_t	 sport, dport;
	char		 app_proto[32];	/* nDPI's name; "" when not known */
	uint8_t		 cid[COMMUNITY_ID_HASHLEN];	/* community_id */
	union {
		struct ev_policy {
			uint8_t		 action, direction, reason, mode;
			uint8_t		 roles;
			struct ev_exc	 exc;
			struct ev_quar	 quar;	/* R_QUARANTINE, harvest */
		} policy;
		struct ev_flow {
			uint64_t	 bytes[2];
			uint32_t	 pkts[2];
			int64_t		 start_us, end_us;
			uint8_t		 state, end, action, direction;
			uint8_t		 mode;		/* enum mode */
			uint8_t		 tflags[2];	/* TCP flags seen, each way */
			bool		 alerted;
			uint64_t	 risk;
		} flow;
		struct {
			struct smtp_tx	*tx;	/* owned: event_release() */
			uint8_t		 addr_mode;
		} smtp;
		struct {
			struct smtp_meta *meta;	/* owned: event_release() */
			uint8_t		 addr_mode;
		} smtp_session;
		struct ev_alert {
			uint32_t	 sid;
			uint8_t		 severity, action;
			uint8_t		 mode;		/* enum mode */
			uint8_t		 direction, reason;	/* SID_POLICY */
			char		 signature[128];
			uint8_t		 detection;	/* kind + 1, 0: none */
			bool		 blocked;
			struct ip_addr	 host;
			uint64_t	 count, limit, related_flow;
			uint32_t	 window;
			uint8_t		 response, response_note;
			int64_t		 response_until;	/* unix s */
		} alert;
		struct summary_rec summary;
		struct stats	 stats;
		struct ev_reload {
			uint8_t		 ok;
			uint32_t	 entries, added, removed, changed;
			char		 error[256];
			char		 exc_sha256[SHA256_HEXLEN];	/* in force */
		} reload;
		struct {
			enum quar_action	 action : 8;
			struct quar_entry *q;	/* owned: event_release() */
		} quarantine;
		struct {
			struct ev_exc	 exc;
			unsigned	 line;
		} expired;
	};
};

/*
 * The connection an event is about, as the header of the policy, flow,
 * smtp, smtp_session and alert events names it.
 */
struct ev_conn {
	uint64_t	 flow_id;
	struct ip_addr	 src, dst;	/* src: the SMTP client */
	uint16_t	 sport, dport;
	bool		 has_cid;	/* cid is set (community-id = yes) */
	uint8_t		 cid[COMMUNITY_ID_HASHLEN];
	const char	*app_proto;	/* nDPI's name; NULL: not known */
	uint8_t		 path;		/* 1: the kernel decided */
};

/*
 * One constructor per event type: the event, all of it, from what its
 * maker knows (ts: unix microseconds).  Adding a field to an event is a
 * field here and its line in sink/eve.c.  What an event owns (an smtp
 * transaction or session, a quarantine's copy) event_release() gives
 * back; event_quarantine_make returns -1 when it cannot have its copy.
 */
void	 event_init(struct event *ev, enum ev_type type, int64_t ts_us);
void	 event_policy_make(struct event *ev, int64_t ts, const struct ev_conn *c,
	    const struct decision *d, enum mode mode);
void	 event_flow_make(struct event *ev, int64_t ts, const struct ev_conn *c,
	    const struct ev_flow *f);
/* take tx and meta (malloc'ed; the event owns them) */
void	 event_smtp_make(struct event *ev, int64_t ts, const struct ev_conn *c,
	    struct smtp_tx *tx, uint8_t addr_mode);
void	 event_smtp_session_make(struct event *ev, int64_t ts,
	    const struct ev_conn *c, struct smtp_meta *meta, uint8_t addr_mode);
void	 event_alert_make(struct event *ev, int64_t ts, const struct ev_conn *c,
	    const struct ev_alert *a);
void	 event_summary_make(struct event *ev, int64_t ts,
	    const struct summary_rec *r);
/* type: EV_STATS (Suricata's counters) or EV_NFQD_STATS (all) */
void	 event_stats_make(struct event *ev, enum ev_type type, int64_t ts,
	    const struct stats *s);
void	 event_reload_make(struct event *ev, int64_t ts,
	    const struct ev_reload *r);
int	 event_quarantine_make(struct event *ev, int64_t ts,
	    enum quar_action action, const struct quar_entry *q);
void	 event_expired_make(struct event *ev, int64_t ts,
	    const struct exc_entry *e);
/* Free what an event owns; after formatting it, or instead of it. */
void	 event_release(struct event *ev);

#endif
