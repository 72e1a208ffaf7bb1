/*
 * bench/flowmem: nfqd's memory per tracked connection, and under a SYN
 * flood from a million sources, measured on the engine itself (the code
 * every packet goes through, live and replay).
 *
 *	flowmem -c CONF [-n CONNS] [-f FLOOD]
 *
 * Per connection (classification off: nDPI's state apart): an engine
 * sized for 2 x CONNS connections takes CONNS SYNs from distinct sources
 * (which also touches the fixed-size flood-control and detection tables),
 * then CONNS more; the resident memory (/proc/self/statm) grown by the
 * second CONNS, divided by CONNS, is the state a connection costs.  The
 * struct sizes are printed beside it.
 *
 * Flood: an engine as CONF configures it (max-flows, classification on)
 * takes FLOOD SYNs (default 1,000,000), each from a new source, within
 * 20 s of packet time (no connection times out); resident memory is
 * sampled every 50,000 packets.  Once the table is full, SYNs recycle the
 * oldest unestablished entries: memory must stay flat.
 *
 * The lines starting "flowmem:" are for bench/run.sh.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/defs.h"
#include "base/log.h"
#include "policy/policy.h"
#include "event/event.h"
#include "engine/pkt.h"
#include "engine/flow.h"
#include "engine/engine.h"

static uint64_t	 nevents;

static void
count_event(void *arg, const struct event *ev)
{
	struct event	 e = *ev;

	(void)arg;
	nevents++;
	event_release(&e);
}

static long
rss_kb(void)
{
	FILE	*f;
	long	 size = 0, res = 0;

	if ((f = fopen("/proc/self/statm", "r")) == NULL)
		return -1;
	if (fscanf(f, "%ld %ld", &size, &res) != 2)
		res = -1;
	fclose(f);
	return res * (sysconf(_SC_PAGESIZE) / 1024);
}

static long
hwm_kb(void)
{
	FILE	*f;
	char	 line[256];
	long	 v = -1;

	if ((f = fopen("/proc/self/status", "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmHWM: %ld", &v) == 1)
			break;
	fclose(f);
	return v;
}

/* A 40-byte IPv4 SYN from source number k (in 100.64.0.0/10, distinct
 * for k < 4 M) to 10.20.3.44:25, a campus workstation. */
static void
syn(uint8_t *p, uint32_t k)
{
	uint32_t	 src = htonl(0x64400000u | ((k * 2654435761u) & 0x3fffff));
	uint32_t	 dst = htonl(0x0a14032cu);

	memset(p, 0, 40);
	p[0] = 0x45;
	p[3] = 40;
	p[8] = 64;
	p[9] = 6;
	memcpy(p + 12, &src, 4);
	memcpy(p + 16, &dst, 4);
	p[20] = (uint8_t)((1024 + k % 60000) >> 8);
	p[21] = (uint8_t)(1024 + k % 60000);
	p[23] = 25;
	p[32] = 5 << 4;
	p[33] = TH_SYN;
}

static void __attribute__((noreturn))
die(const char *what, const char *err)
{
	fprintf(stderr, "flowmem: %s: %s\n", what, err);
	exit(1);
}

int
main(int argc, char **argv)
{
	struct policy	*pol;
	struct engine	*e;
	char		 err[ERRLEN];
	const char	*conf = NULL;
	uint8_t		 pkt[40];
	uint32_t	 n = 100000, flood = 1000000, k, max;
	int64_t		 t0 = INT64_C(1789948800) * 1000000;
	long		 r0, r1, r2, at_full = 0, peak = 0, after = 0, rss;
	uint32_t	 nb;
	int		 c;
	bool		 classify;

	while ((c = getopt(argc, argv, "c:f:n:")) != -1)
		switch (c) {
		case 'c': conf = optarg; break;
		case 'f': flood = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'n': n = (uint32_t)strtoul(optarg, NULL, 10); break;
		default: goto usage;
		}
	if (conf == NULL || n < 1000 || n > 10000000 || flood > 4000000)
		goto usage;
	log_init(0, 0);
	if ((pol = policy_load(conf, err, sizeof(err))) == NULL)
		die("policy_load", err);
	classify = pol->conf.classify;
	max = pol->conf.max_flows;

	/* Per connection: classification off, a table of 2n. */
	pol->conf.classify = false;
	r0 = rss_kb();
	if ((e = engine_new_sized(pol, 2 * n, 1, count_event, NULL)) == NULL)
		die("engine_new", "out of memory");
	for (k = 0; k < n; k++) {
		syn(pkt, k);
		engine_packet(e, pol, LINK_RAW, pkt, 40, 40,
		    &(struct pkt_info){ .ts = t0 + k });
	}
	r1 = rss_kb();
	for (k = n; k < 2 * n; k++) {
		syn(pkt, k);
		engine_packet(e, pol, LINK_RAW, pkt, 40, 40,
		    &(struct pkt_info){ .ts = t0 + k });
	}
	r2 = rss_kb();
	if (flowtab_count(engine_flows(e)) != 2 * n)
		die("per connection", "not every SYN made a connection");
	for (nb = 1024; nb < 2 * n; nb <<= 1)
		;
	printf("flowmem: per-connection %.0f bytes (resident, %u connections "
	    "beyond %u), struct flow %zu bytes + %.1f bytes of hash bucket; "
	    "engine before packets %ld KB\n",
	    (double)(r2 - r1) * 1024 / n, n, n, sizeof(struct flow),
	    (double)nb * sizeof(uint32_t) / (2.0 * n), r1 - r0);
	engine_free(e);

	/* The flood, with the configuration as it is. */
	pol->conf.classify = classify;
	if ((e = engine_new(pol, 1, count_event, NULL)) == NULL)
		die("engine_new", "out of memory");
	for (k = 0; k < flood; k++) {
		syn(pkt, 2 * n + k);
		engine_packet(e, pol, LINK_RAW, pkt, 40, 40,
		    &(struct pkt_info){ .ts = t0 +
		    (int64_t)k * 20000000 / flood });
		if ((k + 1) % 50000 == 0 || k + 1 == flood) {
			rss = rss_kb();
			if (rss > peak)
				peak = rss;
			if (at_full == 0 && flowtab_count(engine_flows(e)) >= max)
				at_full = rss;
			after = rss;
		}
	}
	printf("flowmem: flood %u SYNs from %u sources, max-flows %u: "
	    "%u tracked, %llu evicted; resident %ld KB when full, %ld KB "
	    "peak, %ld KB at the end (VmHWM %ld KB); growth after full %ld "
	    "KB; %llu events\n", flood, flood, max,
	    flowtab_count(engine_flows(e)),
	    (unsigned long long)engine_stats(e)->flows_evicted, at_full,
	    peak, after, hwm_kb(), at_full ? peak - at_full : -1,
	    (unsigned long long)nevents);
	engine_free(e);
	policy_free(pol);
	return 0;
usage:
	fprintf(stderr, "usage: flowmem -c CONF [-n CONNS] [-f FLOOD]\n");
	return 2;
}
