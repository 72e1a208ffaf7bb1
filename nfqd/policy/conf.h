/*
 * conf.c: nfqd.conf, every key with its default and range (nfqd.conf(5)).
 * Errors name file:line; a file others may write is refused.
 */
#ifndef NFQD_POLICY_CONF_H
#define NFQD_POLICY_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/addr.h"
#include "base/defs.h"
#include "base/lpm.h"
#include "base/tz.h"

enum mode { MODE_ENFORCE, MODE_MONITOR };
enum transit { TRANSIT_ALLOW, TRANSIT_BLOCK };
enum fastpath_mode { FASTPATH_OFF, FASTPATH_TC, FASTPATH_XDP };
enum seccomp_mode { SECCOMP_OFF, SECCOMP_ON, SECCOMP_LOG };
/* smtp-addresses: how much of an address events carry (smtp.c). */
enum smtp_addr_mode { SMTP_ADDR_NONE, SMTP_ADDR_DOMAIN, SMTP_ADDR_FULL };
#define MAX_FP_IFACES	16

#define MAX_INTERNAL	256
#define MAX_SINKS	8

struct conf {
	char		 path[MAX_PATH];
	char		 exceptions[MAX_PATH];	/* resolved path */
	char		 exceptions_real[MAX_PATH];	/* symlinks resolved,
						   when absolute */
	char		 audit_log[MAX_PATH];	/* "" = <exceptions>.audit */
	struct prefix	 internal[MAX_INTERNAL];
	size_t		 ninternal;
	unsigned	 internal_line;		/* its line in the file */
	struct lpm	 internal_lpm;
	char		 timezone[TZ_NAMELEN];	/* as set; "" = the system's */
	struct tz	*tz;			/* expires days end there */
	uint8_t		 smtp_port[65536 / 8];	/* bitmap */
	uint16_t	 ports[64];		/* the same, as a list */
	size_t		 nports;
	enum mode	 mode;
	enum transit	 transit;
	char		 events[MAX_SINKS][MAX_PATH];
	size_t		 nevents;
	unsigned	 events_line;	/* of `events` in path, 0: none */
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
	enum smtp_addr_mode	 smtp_addresses;
	char		 sensor_name[64];	/* events' "host" */
	bool		 community_id;		/* events carry community_id */
	uint32_t	 community_id_seed;	/* its seed, 0-65535 */
	bool		 policy_alerts;		/* an alert per blocked conn. */
	/* eBPF fast path (fastpath.c) */
	enum fastpath_mode	 fastpath;
	char		 fastpath_ifaces[MAX_FP_IFACES][16];
	size_t		 nfastpath_ifaces;
	/* anti-spoofing: the interfaces that face the campus */
	char		 campus_ifaces[MAX_FP_IFACES][16];
	size_t		 ncampus_ifaces;
	/* least privilege (priv.c) */
	char		 user[64];		/* "" = stay as started */
	uint32_t	 uid, gid;
	enum seccomp_mode	 seccomp;
	/* responses (respond.c) and the census (census.c) */
	uint32_t	 auto_quarantine;	/* seconds, 0 = off */
	bool		 auto_quarantine_exceptions;
	uint32_t	 harvest_block;		/* seconds, 0 = off */
	uint32_t	 response_hosts;
	uint32_t	 census_hosts;		/* 0 = no census */
};
#define CONF_ANY_MODE	0x1	/* a checkout copy: its mode unchecked */
int	 conf_load(const char *path, struct conf *c, char *err, size_t errlen);
int	 conf_load_flags(const char *path, struct conf *c, unsigned flags,
	    char *err, size_t errlen);
void	 conf_free(struct conf *c);
static inline bool
conf_is_smtp_port(const struct conf *c, uint16_t port)
{
	return (c->smtp_port[port >> 3] >> (port & 7)) & 1;
}

#endif
