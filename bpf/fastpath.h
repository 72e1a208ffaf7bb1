/*
 * What the fast path's kernel program (fastpath.bpf.c) and its loader
 * (nfqd/fastpath.c) share: map keys and values, counters, the ring-buffer
 * record.  Only __u* types, so both sides can include it.
 *
 * Every map entry carries a generation (0 or 1).  nfqd writes the whole
 * policy under the generation not in use, then flips fp_state.gen: a
 * packet reads the generation once and sees one policy, old or new, never
 * a mix (the same rule as the userspace reload's pointer swap).
 */
#ifndef NFQD_BPF_FASTPATH_H
#define NFQD_BPF_FASTPATH_H

#define FP_MAX_ENTRIES	262144	/* per LPM map, both generations */
#define FP_MAX_PORTS	256	/* {gen, port} entries */
#define FP_RINGBUF	(1 << 22)	/* bytes */
#define FP_MAX_SOURCES	65536	/* fp_lost: sources counted at once */

/* LPM keys: prefixlen counts the generation byte (8) and the address. */
struct fp_key4 {
	__u32	prefixlen;
	__u8	gen;
	__u8	addr[4];
	__u8	pad[3];
};

struct fp_key6 {
	__u32	prefixlen;
	__u8	gen;
	__u8	addr[16];
	__u8	pad[3];
};

/* An active exception: its direction bits (enum exc_dir) and expiry. */
struct fp_exc {
	__s64	expires;	/* unix seconds, 0 = never */
	__u8	dir;
	__u8	pad[7];
};

/* A quarantine in force: [since, until) in unix seconds. */
struct fp_quar {
	__s64	since, until;
};

#define FP_MAX_CAMPUS_IF	16	/* campus-interfaces (MAX_FP_IFACES) */

/* Per generation: what the policy's configuration says. */
struct fp_conf {
	__u8	enforce;	/* mode = enforce */
	__u8	transit_block;	/* transit = block */
	__u8	reject;		/* reject = yes: leave it to the queue */
	__u8	ncampus_if;	/* campus-interfaces: 0, no source check */
	__u8	pad[4];
	__u32	campus_if[FP_MAX_CAMPUS_IF];	/* their indexes */
};

/* One entry: the generation in force and the clock. */
struct fp_state {
	__u32	gen;
	__u32	pad;
	__s64	clock_off_ns;	/* CLOCK_REALTIME - CLOCK_BOOTTIME */
};

/* Why the kernel dropped a SYN (the values of enum reason in nfqd.h). */
#define FP_R_TRANSIT		2
#define FP_R_NO_EXCEPTION	3
#define FP_R_DIRECTION		5
#define FP_R_QUARANTINE		6

/* Exception directions (the bits of enum exc_dir in nfqd.h). */
#define FP_EXC_INBOUND		1
#define FP_EXC_OUTBOUND		2

/* Directions (the values of enum direction in nfqd.h). */
#define FP_D_INBOUND		0
#define FP_D_OUTBOUND		1
#define FP_D_INTERNAL		2
#define FP_D_TRANSIT		3

/*
 * fp_lost: drops the ring buffer had no room for, per source.  The kernel
 * counts under the generation in fp_lostgen; nfqd flips it every second
 * and reads (and deletes) the other generation's entries, which nobody
 * writes any more: a count never lands in an entry being deleted.
 */
struct fp_srckey {
	__u8	af;
	__u8	direction;	/* FP_D_* */
	__u8	gen;		/* fp_lostgen's value when counted */
	__u8	pad;
	__u8	addr[16];
};

/* Per-CPU counters (index into fp_counters). */
enum fp_counter {
	FP_C_PACKETS,		/* packets the program saw */
	FP_C_SYN,		/* TCP SYNs to an SMTP port, decided */
	FP_C_DROPPED,		/* of them dropped */
	FP_C_LOST,		/* dropped, no ring-buffer room: fp_lost */
	FP_C_DEFERRED,		/* an entry at its expiry: to userspace */
	FP_C_UNPARSED,		/* VLANs, extension headers, fragments,
				   IPv4-mapped IPv6 addresses */
	FP_C_RELAY,		/* blocked, but a relay sign: to userspace */
	FP_C_SPOOFED,		/* a source from the wrong side: userspace */
	FP_C_COUNT
};

/* One dropped SYN, for nfqd's events (addresses in network order). */
struct fp_rec {
	__u64	ts_ns;		/* CLOCK_BOOTTIME */
	__u8	af;		/* 4 or 6 */
	__u8	reason;		/* FP_R_* */
	__u8	flags;		/* TCP flags */
	__u8	vlans;
	__u16	sport, dport;	/* host order */
	__u32	ifindex;
	__u32	seq;
	__u16	ip_len;		/* from the IP header */
	__u16	window;
	__u8	src[16], dst[16];
	__u8	doff;		/* TCP header length, 32-bit words */
	__u8	pad[7];
};

#endif
