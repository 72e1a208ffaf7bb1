/*
 * nfqd: campus border SMTP policy on the packet path.
 *
 * One internal header, prototypes grouped by the file that defines them.
 * The packet pipeline is: source (pcap replay or NFQUEUE) -> pkt_parse ->
 * engine_packet (flow table, policy) -> verdict + events.
 */
#ifndef NFQD_H
#define NFQD_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define NFQD_VERSION	"0.1.0"
#define ERRLEN		512	/* room for "file:line: message" */

/* ---- addr.c: addresses and prefixes ---- */

struct ip_addr {
	uint8_t		af;		/* 4 or 6 */
	uint8_t		b[16];		/* IPv4 in b[0..3], rest zero */
};

struct prefix {
	struct ip_addr	addr;		/* host bits are zero */
	uint8_t		len;
};

#define ADDR_STRLEN	46		/* INET6_ADDRSTRLEN */
#define PREFIX_STRLEN	(ADDR_STRLEN + 4)

int	 addr_parse(const char *, struct ip_addr *);
void	 addr_format(const struct ip_addr *, char *, size_t);
bool	 addr_equal(const struct ip_addr *, const struct ip_addr *);
int	 prefix_parse(const char *, struct prefix *, char *, size_t);
void	 prefix_format(const struct prefix *, char *, size_t);
void	 host_format(const struct prefix *, char *, size_t);
bool	 prefix_contains(const struct prefix *, const struct ip_addr *);
void	 addr_mask(struct ip_addr *, unsigned);
bool	 addr_unmap(const struct ip_addr *, struct ip_addr *);

/* ---- lpm.c: longest-prefix match (one hash table per prefix length) ---- */

struct lpm_slot;
struct lpm {
	struct lpm_slot	*slots;		/* open addressing, power of two */
	uint32_t	 mask;
	uint32_t	 count;
	uint8_t		 lens4[33], nlens4;	/* distinct lengths, longest first */
	uint8_t		 lens6[129], nlens6;
};

int	 lpm_build(struct lpm *, const void *, size_t, size_t, size_t[2]);
void	 lpm_free(struct lpm *);
int	 lpm_lookup(const struct lpm *, const struct ip_addr *, uint32_t *, int);
bool	 lpm_match(const struct lpm *, const struct ip_addr *);
int64_t	 lpm_exact(const struct lpm *, const struct prefix *);

/* ---- conf.c: nfqd.conf ---- */

enum mode { MODE_ENFORCE, MODE_MONITOR };
enum transit { TRANSIT_ALLOW, TRANSIT_BLOCK };
enum fastpath_mode { FASTPATH_OFF, FASTPATH_TC, FASTPATH_XDP };
#define MAX_FP_IFACES	16

#define MAX_INTERNAL	256
#define MAX_PATH	1024
#define MAX_SINKS	8

struct conf {
	char		 path[MAX_PATH];
	char		 exceptions[MAX_PATH];	/* resolved path */
	char		 audit_log[MAX_PATH];	/* "" = <exceptions>.audit */
	struct prefix	 internal[MAX_INTERNAL];
	size_t		 ninternal;
	struct lpm	 internal_lpm;
	uint8_t		 smtp_port[65536 / 8];	/* bitmap */
	uint16_t	 ports[64];		/* the same, as a list */
	size_t		 nports;
	enum mode	 mode;
	enum transit	 transit;
	char		 events[MAX_SINKS][MAX_PATH];
	size_t		 nevents;
	uint32_t	 event_buffer;		/* bytes per network sink */
	uint32_t	 max_flows;
	uint32_t	 timeout_new;		/* seconds */
	uint32_t	 timeout_established;
	uint32_t	 timeout_closed;
	uint32_t	 stats_interval;	/* seconds, live only */
	char		 metrics[MAX_PATH];	/* node_exporter textfile; "" */
	/* live datapath */
	uint16_t	 queue_first, queue_count;	/* queues = 0 or 0-3 */
	bool		 fail_open;
	bool		 reject;
	uint32_t	 queue_maxlen;
	uint32_t	 copy_range;
	uint32_t	 mark_bypass;		/* one bit: saved to connmark */
	uint32_t	 mark_reject;		/* one bit: REJECT on repeat */
	uint32_t	 mark_allowed;		/* one bit: nfqd allowed it */
	uint32_t	 event_queue;		/* events buffered per worker */
	char		 ipset_prefix[16];	/* degraded-mode sets */
	/* control socket and state (ctl.c, quarantine.c) */
	char		 control_socket[MAX_PATH];	/* "" = none */
	char		 control_group[64];	/* "" = root only */
	uint32_t	 control_gid;
	char		 state_dir[MAX_PATH];
	/* classification */
	bool		 classify;		/* nDPI + SMTP metadata */
	/* flood control */
	uint32_t	 summary_threshold;	/* own events per source */
	uint32_t	 summary_window;	/* seconds */
	uint32_t	 summary_interval;	/* seconds */
	uint32_t	 summary_sources;	/* sources tracked */
	/* detections (detect.c) */
	uint32_t	 bulk_attempts, bulk_messages, bulk_recipients;
	uint32_t	 bulk_window;		/* seconds */
	uint32_t	 harvest_recipients, harvest_rejects;
	uint32_t	 harvest_window, relay_window;
	uint64_t	 max_message_size;	/* bytes, 0 = off */
	uint32_t	 detect_hosts;
	char		 announcements[MAX_PATH];	/* "" = none */
	uint8_t		 smtp_addresses;	/* enum smtp_addr_mode */
	char		 sensor_name[64];	/* events' "host" */
	/* eBPF fast path (fastpath.c) */
	uint8_t		 fastpath;		/* enum fastpath_mode */
	char		 fastpath_ifaces[MAX_FP_IFACES][16];
	size_t		 nfastpath_ifaces;
	/* anti-spoofing: the interfaces that face the campus */
	char		 campus_ifaces[MAX_FP_IFACES][16];
	size_t		 ncampus_ifaces;
	/* least privilege (priv.c) */
	char		 user[64];		/* "" = stay as started */
	uint32_t	 uid, gid;
	uint8_t		 seccomp;		/* enum seccomp_mode */
	/* responses (respond.c) and the census (census.c) */
	uint32_t	 auto_quarantine;	/* seconds, 0 = off */
	bool		 auto_quarantine_exceptions;
	uint32_t	 harvest_block;		/* seconds, 0 = off */
	uint32_t	 response_hosts;
	uint32_t	 census_hosts;		/* 0 = no census */
};
enum seccomp_mode { SECCOMP_OFF, SECCOMP_ON, SECCOMP_LOG };

int	 conf_load(const char *, struct conf *, char *, size_t);
void	 conf_free(struct conf *);
static inline bool
conf_is_smtp_port(const struct conf *c, uint16_t port)
{
	return (c->smtp_port[port >> 3] >> (port & 7)) & 1;
}

/* ---- exceptions.c: exceptions.conf ---- */

enum dir { DIR_INBOUND = 1, DIR_OUTBOUND = 2, DIR_BOTH = 3 };

#define EXC_TEXTLEN	64

struct exc_entry {
	struct prefix	 pfx;
	uint8_t		 dir;			/* enum dir */
	int64_t		 expires_at;		/* unix s, 0 = never */
	char		 ticket[EXC_TEXTLEN];
	char		 owner[EXC_TEXTLEN];
	char		 expires[11];		/* YYYY-MM-DD or "" */
	char		 added[11];
	unsigned	 line;
};

struct exc_list {
	struct exc_entry *v;
	size_t		  n;
	struct lpm	  lpm;
};

int	 exc_load(const char *, struct exc_list *, char *, size_t);
int	 exc_parse_line(const char *, struct exc_entry *, char *, size_t);
void	 exc_free(struct exc_list *);
const char *dir_name(uint8_t);
int	 date_parse(const char *, int64_t *);

/* ---- exchash.c: the list's SHA-256, of its canonical form ---- */

#define SHA256_HEXLEN	65		/* 64 hex digits and a NUL */

struct sha256 {
	uint32_t	 h[8];
	uint64_t	 len;
	uint8_t		 buf[64];
};

void	 sha256_init(struct sha256 *);
void	 sha256_update(struct sha256 *, const void *, size_t);
void	 sha256_hex(struct sha256 *, char [SHA256_HEXLEN]);
int	 exc_hash(const struct exc_list *, char [SHA256_HEXLEN]);

/* ---- policy.c: the Case ITS rules ---- */

enum direction { D_INBOUND, D_OUTBOUND, D_INTERNAL, D_TRANSIT };
enum action { A_ALLOWED, A_BLOCKED };
enum reason {
	R_EXCEPTION,		/* allowed by an active exception */
	R_INTERNAL,		/* both ends on campus */
	R_TRANSIT,		/* neither end on campus */
	R_NO_EXCEPTION,		/* nothing in the list matched */
	R_EXCEPTION_EXPIRED,	/* only expired entries matched */
	R_EXCEPTION_DIRECTION,	/* deciding entry is for the other direction */
	R_QUARANTINE,		/* either end is quarantined (quarantine.c) */
	R_HARVEST_BLOCK,	/* the source harvested addresses (respond.c) */
	R_SPOOFED,		/* a source address from the wrong side */
	R_UNPARSED,		/* on an SMTP port, but nfqd cannot read it */
};
#define R_COUNT		(R_UNPARSED + 1)

/*
 * Who is the SMTP client of a connection, and how nfqd knows: it saw the
 * opening SYN (the opener is the client, or, opened from an SMTP port to
 * another port, the other end is); it did not (every end whose peer is on
 * an SMTP port may be the client, and the strictest reading decides); or
 * a packet contradicted the roles it had recorded (the strictest reading
 * since then).
 */
enum roles { ROLES_SYN, ROLES_REVERSED, ROLES_INFERRED, ROLES_CONFLICT };

/* ---- quarantine.c: temporary restrictions, kept in a state file ---- */

#define QUAR_FILE	"quarantine.json"
#define QUAR_REASONLEN	201		/* bytes of reason text, and a NUL */
#define QUAR_WHOLEN	64
#define QUAR_MAX	4096		/* hosts in quarantine at once */
#define QUAR_MAX_SECS	(366 * 86400)

struct quar_entry {
	struct prefix	 pfx;
	int64_t		 since, until;	/* unix s: in force in [since, until) */
	char		 reason[QUAR_REASONLEN];
	char		 who[QUAR_WHOLEN];	/* who put it in force */
	char		 removed_by[QUAR_WHOLEN];	/* ended early: by whom */
	bool		 pending;	/* its start event is still owed */
};

struct quar_list {
	struct quar_entry *v;
	size_t		  n;
	struct lpm	  lpm;
};

enum quar_action { QA_START, QA_END };

typedef void (*quar_cb)(void *, uint8_t, const struct quar_entry *);

void	 quar_path(const struct conf *, char *, size_t);
int	 quar_load(const char *, struct quar_list *, char *, size_t);
void	 quar_free(struct quar_list *);
void	 quar_destroy(struct quar_list *);	/* quar_free, then free */
const struct quar_entry *quar_match(const struct quar_list *,
	    const struct ip_addr *, int64_t);
int	 quar_check(const char *, const char *, const char *, struct prefix *,
	    int64_t *, char *, size_t);
bool	 quar_text_ok(const char *);
int	 quar_add(const char *, const struct quar_entry *, char *, size_t);
int	 quar_remove(const char *, const struct prefix *, int64_t,
	    const char *, struct quar_entry *, char *, size_t);
int	 quar_settle(const char *, int64_t, struct quar_list *, quar_cb,
	    void *, char *, size_t);
int	 duration_parse(const char *, int64_t *);
int	 state_write(const char *, const char *, const char *, char *, size_t);
char	*state_read(const char *, size_t, bool, char *, size_t);

/* A pre-announced bulk mailing: thresholds times factor in [from, until). */
struct announce {
	struct prefix	 pfx;
	int64_t		 from, until;	/* unix seconds */
	uint32_t	 factor;
};

/*
 * An immutable snapshot: configuration plus exception list.  The one
 * part that changes in place is the quarantine list (quar): a quarantine
 * added or ended swaps that pointer alone, with the same pass-then-free
 * rule as a reload (live.c); read it with policy_quar().
 */
struct policy {
	struct conf	 conf;
	struct exc_list	 exc;
	struct announce	*ann;
	size_t		 nann;
	struct quar_list *_Atomic quar;	/* never NULL once loaded */
	char		 exc_sha256[SHA256_HEXLEN];	/* exc_hash(&exc) */
	/* campus-interfaces as interface indexes; 0 of them: no check */
	uint32_t	 campus_if[MAX_FP_IFACES];
	size_t		 ncampus_if;
	char		 warning[ERRLEN];	/* for the log; "" when none */
};

struct decision {
	uint8_t			 action, direction, reason, roles;
	const struct exc_entry	*exc;		/* matched entry or NULL */
	const struct quar_entry	*quar;		/* R_QUARANTINE: the entry */
};

typedef void (*expired_cb)(void *, const struct exc_entry *);

struct policy	*policy_load(const char *, char *, size_t);
void		 policy_free(struct policy *);
void		 policy_decide(const struct policy *, const struct ip_addr *,
		    const struct ip_addr *, int64_t, struct decision *);
void		 policy_diff(const struct policy *, const struct policy *,
		    uint32_t *, uint32_t *, uint32_t *);
const struct quar_list *policy_quar(const struct policy *);
struct quar_list *policy_set_quar(struct policy *, struct quar_list *);
int64_t		 policy_expired(const struct policy *, int64_t, int64_t,
		    expired_cb, void *);
uint32_t	 policy_bulk_factor(const struct policy *,
		    const struct ip_addr *, int64_t);
const char	*direction_name(uint8_t);
const char	*action_name(uint8_t);
const char	*reason_name(uint8_t);
const char	*roles_name(uint8_t);

/* ---- pkt.c: packet parsing from raw bytes ---- */

enum link { LINK_ETH, LINK_SLL, LINK_SLL2, LINK_RAW, LINK_NULL };

enum pkt_result {
	PKT_OK, PKT_INVALID, PKT_NOT_IP, PKT_NOT_TCP, PKT_FRAGMENT
};

#define TH_FIN	0x01
#define TH_SYN	0x02
#define TH_RST	0x04
#define TH_PSH	0x08
#define TH_ACK	0x10

struct pkt {
	struct ip_addr	 src, dst;
	uint16_t	 sport, dport;
	uint8_t		 flags;		/* TCP flags */
	uint8_t		 vlans;		/* VLAN tags seen */
	uint32_t	 seq, ack;
	uint32_t	 ip_len;	/* IP header + payload, from the header */
	uint32_t	 payload_len;	/* TCP payload on the wire */
	const uint8_t	*payload;	/* captured part of it */
	uint32_t	 payload_caplen;
	const uint8_t	*l3;		/* the IP header */
	uint32_t	 l3_caplen;	/* captured bytes of the IP packet */
};

int	 pkt_parse(enum link, const uint8_t *, uint32_t, uint32_t, struct pkt *);

/* ---- flow.c: the connection table ---- */

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

/* Key with the lower (address, port) end first, so both directions match. */
struct flow_key {
	uint8_t		 af;
	uint8_t		 pad;
	uint16_t	 port[2];
	uint8_t		 addr[2][16];
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
	uint8_t		 state;		/* enum flow_state */
	uint8_t		 end;		/* enum flow_end */
	uint8_t		 tcp;		/* TF_* below */
	uint8_t		 action, direction;
	uint8_t		 inlist;
	uint8_t		 roles;		/* enum roles */
	uint32_t	 isn;		/* the opener's SYN: ROLES_SYN, _REVERSED */
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

struct flowtab;
typedef void (*flow_end_cb)(void *, struct flow *);

struct flowtab	*flowtab_new(uint32_t, const uint32_t[FS_COUNT], uint64_t,
		    flow_end_cb, void *);
void		 flowtab_free(struct flowtab *);
uint32_t	 flow_hash(const struct flowtab *, const struct flow_key *);
struct flow	*flowtab_lookup(struct flowtab *, const struct flow_key *,
		    uint32_t);
struct flow	*flowtab_insert(struct flowtab *, const struct flow_key *,
		    uint32_t, int64_t);
void		 flowtab_touch(struct flowtab *, struct flow *);
void		 flowtab_remove(struct flowtab *, struct flow *);
void		 flowtab_end(struct flowtab *, struct flow *, uint8_t);
void		 flowtab_expire(struct flowtab *, int64_t);
void		 flowtab_flush(struct flowtab *, uint8_t);
uint32_t	 flowtab_count(const struct flowtab *);
void		 flowtab_foreach(const struct flowtab *,
		    void (*)(void *, const struct flow *), void *);
uint64_t	 hash64(const void *, size_t, uint64_t);
const char	*flow_state_name(uint8_t);
const char	*flow_end_name(uint8_t);

/* ---- event.c: EVE-shaped JSON events ---- */

enum ev_type { EV_POLICY, EV_FLOW, EV_STATS, EV_RELOAD, EV_SMTP, EV_ALERT,
    EV_SUMMARY, EV_QUARANTINE, EV_EXC_EXPIRED,
    EV_REOPEN };	/* not written: the live writer reopens its files here */

/* Alert signature ids (gid 1, as Suricata's rules use). */
#define SID_NON_SMTP		9250001	/* a known non-SMTP protocol */
#define SID_UNKNOWN_PAYLOAD	9250002	/* payload that is not SMTP */

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
	uint8_t		 fp_mode;		/* enum fastpath_mode */
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

struct event {
	uint8_t		 type;		/* enum ev_type */
	int64_t		 ts_us;
	uint64_t	 flow_id;
	struct ip_addr	 src, dst;
	uint16_t	 sport, dport;
	char		 app_proto[32];	/* "" when not known */
	uint8_t		 path;		/* 1: the kernel decided (fastpath.c) */
	union {
		struct {
			uint8_t		 action, direction, reason, mode;
			uint8_t		 roles;
			struct ev_exc	 exc;
			struct ev_quar	 quar;	/* R_QUARANTINE, harvest */
		} policy;
		struct {
			uint64_t	 bytes[2];
			uint32_t	 pkts[2];
			int64_t		 start_us, end_us;
			uint8_t		 state, end, action, direction;
			uint64_t	 risk;
		} flow;
		struct {
			struct smtp_meta *meta;	/* owned: event_release() */
			uint8_t		 addr_mode;
		} smtp;
		struct {
			uint32_t	 sid;
			uint8_t		 severity, action;
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
		struct {
			uint8_t		 ok;
			uint32_t	 entries, added, removed, changed;
			char		 error[256];
			char		 exc_sha256[SHA256_HEXLEN];	/* in force */
		} reload;
		struct {
			uint8_t		 action;	/* enum quar_action */
			struct quar_entry *q;	/* owned: event_release() */
		} quarantine;
		struct {
			struct ev_exc	 exc;
			unsigned	 line;
		} expired;
	};
};

struct cJSON;
int	 event_format(const struct event *, char *, size_t);
void	 json_add_ts(struct cJSON *, const char *, int64_t);
void	 json_add_u64(struct cJSON *, const char *, uint64_t);
struct cJSON *json_exc_entry(const struct exc_entry *, int64_t);
void	 event_release(struct event *);
void	 ts_format(int64_t, char *, size_t);
void	 event_set_host(const char *);	/* before any event_format */
const char *event_host(void);

/* ---- classify.c: protocol and SMTP metadata of allowed connections ---- */

struct cls;
struct dpi;
struct cls_result {
	char			 app_proto[32];
	uint64_t		 risk;
	struct smtp_meta	*smtp;		/* malloc'ed copy or NULL */
	bool			 unknown_payload;
};

struct cls	*cls_new(struct dpi *, int, bool);
void		 cls_free(struct cls *);
bool		 cls_packet(struct dpi *, struct cls *, const struct pkt *, int,
		    int64_t);
void		 cls_result(struct dpi *, struct cls *, struct cls_result *);

/* ---- summary.c: flood control, policy_summary events ---- */

struct summary;
typedef void (*summary_cb)(void *, const struct summary_rec *);
struct summary	*summary_new(uint32_t, uint32_t, uint32_t);
void		 summary_free(struct summary *);
bool		 summary_admit(struct summary *, const struct ip_addr *,
		    uint8_t, const struct ip_addr *, uint16_t, uint8_t, int64_t,
		    summary_cb, void *);
void		 summary_flush(struct summary *, summary_cb, void *);
void		 summary_fold(struct summary *, const struct ip_addr *, uint8_t,
		    uint8_t, uint64_t, int64_t, summary_cb, void *);

/* ---- detect.c: bulk senders, harvest, relays, message size ---- */

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
struct detect	*detect_new(const struct conf *);
void		 detect_free(struct detect *);
void		 detect_conn(struct detect *, const struct policy *,
		    const struct ip_addr *, const struct ip_addr *, uint8_t,
		    uint8_t, uint8_t, uint64_t, int64_t, detect_cb, void *);
void		 detect_smtp(struct detect *, const struct policy *,
		    const struct ip_addr *, const struct ip_addr *, uint8_t,
		    const struct smtp_meta *, uint64_t, int64_t, detect_cb,
		    void *);
const char	*detection_name(uint8_t);
const char	*detection_signature(uint8_t);
uint32_t	 detection_sid(uint8_t);
int		 announce_load(const char *, struct announce **, size_t *,
		    char *, size_t);

/* ---- respond.c: auto-quarantine and harvest blocks ---- */

enum resp_kind { RK_NONE, RK_QUARANTINE, RK_HARVEST_BLOCK };
/* What became of a response (the alert's detection.response.note). */
enum resp_note { RN_NONE, RN_DONE, RN_ALREADY, RN_EXCEPTION, RN_NOT_CAMPUS,
    RN_CAMPUS, RN_FULL };
enum resp_action { RA_START, RA_END };

struct resp_entry {
	struct ip_addr	 host;
	uint8_t		 kind;		/* enum resp_kind */
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
struct respond	*respond_new(uint32_t);
void		 respond_free(struct respond *);
void		 respond_alert(struct respond *, const struct policy *,
		    const struct detection *, int64_t, struct resp_out *);
bool		 respond_check(struct respond *, const struct ip_addr *,
		    const struct ip_addr *, uint8_t, int64_t,
		    struct resp_entry *);
uint32_t	 respond_settle(struct respond *, int64_t, respond_cb, void *);
uint64_t	 respond_refused(struct respond *);
void		 respond_reason(const struct resp_entry *, char *, size_t);
void		 respond_quar_entry(const struct resp_entry *,
		    struct quar_entry *);
const char	*response_name(uint8_t);
const char	*response_note(uint8_t);

/* ---- census.c: the campus mail servers, counted ---- */

#define CENSUS_FILE	"census.json"
#define CENSUS_DAYS	35		/* day buckets: `census --since` */
#define CENSUS_UNUSED_DAYS 90		/* exceptions unused this long */
#define CENSUS_SAVE_S	300		/* the state file, live */

struct census;
struct census	*census_new(uint32_t, int64_t);
void		 census_free(struct census *);
void		 census_count(struct census *, const struct ip_addr *, uint8_t,
		    uint8_t, bool, uint64_t, int64_t);
void		 census_event(struct census *, const struct event *);
char		*census_dump(struct census *);
int		 census_load(struct census *, const char *, uint32_t *, char *,
		    size_t);
int		 census_save(struct census *, const char *, char *, size_t);
int		 census_report(struct census *, const struct policy *,
		    uint32_t, uint32_t, int64_t, struct cJSON *, char *,
		    size_t);

/* ---- sink.c: where formatted events go ---- */

struct sinks;
struct sinks	*sinks_open(const struct conf *, char *, size_t);
void		 sinks_write(struct sinks *, const char *, size_t);
void		 sinks_flush(struct sinks *);
void		 sinks_reopen(struct sinks *);
uint64_t	 sinks_close(struct sinks *);	/* lines lost */

/* ---- engine.c: one packet pipeline for every source ---- */

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
typedef void (*emit_cb)(void *, const struct event *);

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

struct engine	*engine_new(const struct policy *, uint64_t, emit_cb, void *);
struct engine	*engine_new_sized(const struct policy *, uint32_t, uint64_t,
		    emit_cb, void *);
void		 engine_free(struct engine *);
void		 engine_set_bypass(struct engine *, bool);
void		 engine_set_policy(struct engine *, const struct policy *);
void		 engine_set_respond(struct engine *, struct respond *);
int		 engine_packet(struct engine *, const struct policy *, enum link,
		    const uint8_t *, uint32_t, uint32_t, const struct pkt_info *);
void		 engine_set_smtp_only(struct engine *, bool);
void		 engine_tick(struct engine *, int64_t);
void		 engine_flush(struct engine *, uint8_t);
void		 engine_fold(struct engine *, const struct policy *,
		    const struct ip_addr *, uint8_t, uint64_t, int64_t);
void		 engine_stats_event(struct engine *);
const struct stats *engine_stats(const struct engine *);
const struct decisions *engine_decisions(const struct engine *);
const struct flowtab *engine_flows(const struct engine *);

/* ---- evq.c: single-producer single-consumer event ring ---- */

struct evq;
struct evq	*evq_new(uint32_t);
void		 evq_free(struct evq *);
bool		 evq_push(struct evq *, const struct event *);
bool		 evq_pop(struct evq *, struct event *);

/* ---- queue.c: the NFQUEUE source (libmnl + libnetfilter_queue) ---- */

struct queue;
struct queue	*queue_open(uint16_t, const struct conf *, char *, size_t);
void		 queue_close(struct queue *);
int		 queue_run(struct queue *, struct engine *, const struct policy *,
		    int64_t *);

/* ---- live.c: the daemon: workers, writer, signals, reload ---- */

int	 live_run(struct policy *, const char *);

/* ---- replay.c: pcap source ---- */

int	 replay_run(const struct policy *, const char *, struct sinks *);

/* ---- ipset.c: degraded-mode sets mirroring the policy ---- */

/*
 * Sets <prefix>-int4/6 (internal networks), <prefix>-in4/6 and
 * <prefix>-out4/6 (exceptions active at `now`, the other direction's
 * entries as nomatch so the most specific entry decides, as in the policy),
 * <prefix>-q4/6 (quarantined hosts, with their time left).
 * ipset_sync_quarantine() updates the last two only.  <prefix>-hb4/6
 * (harvest-blocked outside sources, respond.c) are created with the
 * others but never rebuilt: ipset_harvest_block() adds to them, each
 * entry with its timeout, and the kernel drops it at its end.
 */
#define IPSET_KINDS	5	/* int, in, out, q, hb */
extern const char *const ipset_kind_name[IPSET_KINDS];
int	 ipset_script(const struct policy *, int64_t, FILE *);
int	 ipset_sync(const struct policy *, int64_t, char *, size_t);
int	 ipset_sync_quarantine(const struct policy *, int64_t, char *, size_t);
int	 ipset_harvest_block(const struct conf *, const struct ip_addr *,
	    int64_t, char *, size_t);

/* ---- ctl.c: the control socket ---- */

#define CTL_REQ_MAX	4096		/* bytes of a request line */
#define CTL_LIMIT_DEF	1000		/* flows/exceptions per reply */
#define CTL_LIMIT_MAX	1000000
#define CTL_REPLY_MAX	(64u << 20)

enum ctl_cmd {
	CTL_STATUS, CTL_RELOAD, CTL_FLOWS, CTL_EXCEPTIONS, CTL_QUAR_ADD,
	CTL_QUAR_REMOVE, CTL_QUAR_LIST, CTL_CENSUS, CTL_EXC_ADD, CTL_EXC_REMOVE
};

/* exception add/remove through the socket: excedit.c validates them. */
struct ctl_edit {
	char		 address[PREFIX_STRLEN];
	char		 direction[16];
	char		 ticket[EXC_TEXTLEN];
	char		 owner[EXC_TEXTLEN];
	char		 expires[16];
	char		 comment[256];
};

struct ctl_req {
	uint8_t		 cmd;		/* enum ctl_cmd */
	bool		 has_host;
	struct prefix	 host;
	uint32_t	 limit;
	int64_t		 secs;		/* quarantine add: duration */
	char		 reason[QUAR_REASONLEN];
	char		 who[QUAR_WHOLEN];	/* as the client says; "" */
	uint32_t	 days;		/* census --since; 0: all */
	struct ctl_edit	 edit;		/* CTL_EXC_ADD, CTL_EXC_REMOVE */
};

struct ctl_peer {
	int32_t		 pid;
	uint32_t	 uid, gid;
	char		 name[QUAR_WHOLEN];	/* the uid's user name */
};

struct cJSON;
/* Answer one request: fill the reply object; return 0, or -1 with err. */
typedef int (*ctl_handler)(void *, const struct ctl_req *,
    const struct ctl_peer *, struct cJSON *, char *, size_t);

struct ctl;
int	 ctl_parse(const char *, size_t, struct ctl_req *, char *, size_t);
const char *ctl_cmd_name(uint8_t);
bool	 ctl_allowed(const struct ctl_peer *, uint32_t, bool, uint32_t);
struct ctl *ctl_open(const struct conf *, ctl_handler, void *, char *,
	    size_t);
int	 ctl_start(struct ctl *);
void	 ctl_close(struct ctl *);

/* ---- rules.c: nfqd's own iptables/ip6tables chains ---- */

int	 rules_script(const struct conf *, int, FILE *);	/* 4 or 6 */
int	 rules_nft(const struct conf *, FILE *);

/* ---- priv.c: file modes, privilege drop, seccomp ---- */

int	 priv_file_check(int, const char *, char *, size_t);
int	 priv_user(const char *, uint32_t *, uint32_t *, char *, size_t);
int	 priv_drop(const struct conf *, char *, size_t);
int	 priv_seccomp(const struct conf *, char *, size_t);

/* ---- clock.c ---- */

int64_t	 clock_real_us(void);
int64_t	 clock_mono_ms(void);
void	 clock_sleep_ms(long);

/* ---- table.c ---- */
void	*table_calloc(size_t, size_t);

/* ---- log.c ---- */

void	 log_init(int, int);
void	 log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	 fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif
