/*
 * fuzz_pkt: the packet parser (pkt.c) on every link type, and the whole
 * pipeline behind it (engine_packet: flow table, policy, flood control,
 * nDPI, TCP reassembly, the SMTP parser, event formatting) through a real
 * engine with a small policy.
 *
 * Input:
 *	byte 0		bits 0-2: link type, 0 Ethernet, 1 SLL, 2 SLL2, 3 raw
 *			IP (what NFQUEUE hands over), 4 BSD loopback, 5-6 as
 *			0-1, 7 not a link type (must be refused);
 *			bit 3: bypass (live: V_BYPASS ends inspection);
 *			bits 4-5: truncation, the wire length is the captured
 *			length + 300 * this (a snaplen cut);
 *			bit 6: which policy (0: enforce, smtp-addresses full;
 *			1: monitor, transit block, smtp-addresses domain);
 *			bit 7: HINT_ALLOWED on every packet (a restarted nfqd)
 *	then		one or more frames, separated by "\xfe\xedP" and one
 *			byte: the clock advances by that many quarter seconds
 *			(the policy's timeouts are 2-30 s, so flows expire)
 *
 * Each input is one short capture: every frame is parsed with pkt_parse()
 * (results checked against the buffer: every pointer inside it, every
 * length consistent) and given to engine_packet(); then the engine is
 * flushed, so every connection ends and its memory is freed within the
 * input.  The engine itself is kept across inputs (nDPI takes a while to
 * start) and replaced every ENGINE_INPUTS inputs.  Every event is
 * formatted, parsed back with cJSON and checked to be UTF-8; the engine's
 * counters must add up (one verdict per packet, every blocked connection
 * either in a policy event or a summary, monitor never drops).
 */
#include <cjson/cJSON.h>

#include "fuzz.h"

#define SEP		"\xfe\xedP"
#define SEPLEN		3
#define ENGINE_INPUTS	100000
#define T0		1735689600000000LL	/* 2025-01-01 */

static const char conf_text[] =
    "internal-networks = 10.20.0.0/16, 192.168.0.0/16, 2001:db8:20::/48, "
    "fd00::/8\n"
    "smtp-ports = 25, 465, 587\n"
    "exceptions = exceptions.conf\n"
    "state-dir = .\n"
    "max-flows = 64\n"
    "timeout-new = 5\n"
    "timeout-established = 30\n"
    "timeout-closed = 2\n"
    "classify = yes\n"
    "summary-threshold = 3\n"
    "summary-window = 60\n"
    "summary-interval = 10\n"
    "summary-sources = 64\n"
    /* Detections (detect.c) within reach of a short capture. */
    "bulk-attempts = 3\n"
    "bulk-messages = 2\n"
    "bulk-recipients = 3\n"
    "harvest-recipients = 3\n"
    "harvest-rejects = 2\n"
    "max-message-size = 1K\n"
    /* Windows shorter than the 120 s between inputs: none carries over. */
    "bulk-window = 60\n"
    "harvest-window = 60\n"
    "relay-window = 60\n"
    "detect-hosts = 64\n";

/* Expiry dates far from the fuzzing clock: decisions never drift. */
static const char exc_text[] =
    "10.20.1.25 both ticket=F-1 owner=fuzz added=2024-01-15\n"
    "10.20.8.0/24 inbound ticket=F-2 owner=fuzz expires=2099-12-31\n"
    "10.20.8.66 outbound ticket=F-3 expires=2099-12-31\n"
    "10.20.7.7 both ticket=F-4 expires=2020-01-01\n"
    "192.168.1.0/24 both owner=lab\n"
    "192.168.2.0/24 outbound expires=2020-01-01\n"
    "2001:db8:20:1::25 both ticket=F-5\n"
    "2001:db8:20::/48 inbound expires=2020-01-01\n";

struct tally {
	uint64_t	 policy[2];	/* policy events, by action */
	uint64_t	 conflicts;	/* of them, a second decision (roles) */
	uint64_t	 summarized;	/* sum of policy_summary counts */
	uint64_t	 events;
};

struct eng {
	struct policy	*pol;
	struct engine	*e;
	struct tally	 t;
	uint64_t	 inputs;
	int64_t		 clock;
};

static struct eng	 engs[2];
static char		*fmtbuf;
#define FMTLEN		65536

static void
check_json(const char *buf, int len, uint8_t type)
{
	cJSON	*o;
	size_t	 bad;

	FUZZ_CHECK(len > 0 && (size_t)len < FMTLEN && buf[len] == '\0',
	    "event %u: length %d", type, len);
	FUZZ_CHECK(fuzz_utf8_valid((const uint8_t *)buf, (size_t)len, &bad),
	    "event %u: not UTF-8 at %zu: %s", type, bad, buf);
	o = cJSON_Parse(buf);
	FUZZ_CHECK(o != NULL, "event %u does not parse: %s", type, buf);
	cJSON_Delete(o);
}

static void
emit(void *arg, const struct event *cev)
{
	struct tally	*t = arg;
	struct event	 ev = *cev;
	int		 len;

	t->events++;
	if (ev.type == EV_POLICY) {
		FUZZ_CHECK(ev.policy.action <= A_BLOCKED, "action %u",
		    ev.policy.action);
		if (ev.policy.roles == ROLES_CONFLICT)
			t->conflicts++;
		else
			t->policy[ev.policy.action]++;
	} else if (ev.type == EV_SUMMARY)
		t->summarized += ev.summary.count;
	len = event_format(&ev, fmtbuf, FMTLEN);
	check_json(fmtbuf, len, ev.type);
	event_release(&ev);
}

static struct policy *
load(const char *name, const char *extra)
{
	char		 path[MAX_PATH], err[ERRLEN];
	char		 text[2048];
	struct policy	*p;

	snprintf(text, sizeof(text), "%s%s", conf_text, extra);
	fuzz_write(name, text, strlen(text), path);
	if ((p = policy_load(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "fuzz_pkt: %s\n", err);
		abort();
	}
	return p;
}

static void
eng_start(struct eng *g)
{
	memset(&g->t, 0, sizeof(g->t));
	g->e = engine_new(g->pol, 0x5eed, emit, &g->t);
	FUZZ_CHECK(g->e != NULL, "engine_new");
	g->inputs = 0;
	g->clock = T0;
}

static void
eng_stop(void)
{
	for (int i = 0; i < 2; i++) {
		engine_free(engs[i].e);
		policy_free(engs[i].pol);
	}
	free(fmtbuf);
}

int
LLVMFuzzerInitialize(int *argc FUZZ_UNUSED, char ***argv FUZZ_UNUSED)
{
	char	 path[MAX_PATH];

	log_init(0, 0);
	fuzz_dir_new();
	fuzz_write("exceptions.conf", exc_text, strlen(exc_text), path);
	engs[0].pol = load("enforce.conf", "mode = enforce\n"
	    "smtp-addresses = full\n");
	engs[1].pol = load("monitor.conf", "mode = monitor\ntransit = block\n"
	    "smtp-addresses = domain\nreject = yes\n");
	if ((fmtbuf = malloc(FMTLEN)) == NULL)
		abort();
	eng_start(&engs[0]);
	eng_start(&engs[1]);
	atexit(eng_stop);
	return 0;
}

/* pkt_parse's answer must stay inside the frame and add up. */
static void
check_pkt(int r, const struct pkt *p, const uint8_t *d, uint32_t cap,
    uint32_t wire)
{
	volatile uint8_t	 sink = 0;
	uint32_t		 i;

	FUZZ_CHECK(r >= PKT_OK && r <= PKT_FRAGMENT, "result %d", r);
	FUZZ_CHECK(p->vlans <= 4, "%u VLAN tags", p->vlans);
	if (r != PKT_OK)
		return;
	FUZZ_CHECK(p->src.af == p->dst.af && (p->src.af == 4 ||
	    p->src.af == 6), "af %u/%u", p->src.af, p->dst.af);
	FUZZ_CHECK(p->l3 >= d && p->l3_caplen <= cap &&
	    p->l3 + p->l3_caplen <= d + cap, "l3 outside the frame");
	FUZZ_CHECK(p->payload >= p->l3 && p->payload_caplen <= p->l3_caplen &&
	    p->payload + p->payload_caplen <= p->l3 + p->l3_caplen,
	    "payload outside the IP packet");
	FUZZ_CHECK(p->payload_caplen <= p->payload_len,
	    "captured %u of a %u-byte payload", p->payload_caplen,
	    p->payload_len);
	FUZZ_CHECK(p->ip_len <= (wire > cap ? wire : cap),
	    "ip_len %u, wire %u", p->ip_len, wire);
	FUZZ_CHECK(p->payload_len <= p->ip_len,
	    "payload %u in a %u-byte IP packet", p->payload_len, p->ip_len);
	for (i = 0; i < p->l3_caplen; i++)
		sink ^= p->l3[i];
	(void)sink;
}

static void
one_frame(struct eng *g, enum link link, const uint8_t *data, size_t n,
    uint32_t extra, unsigned hints)
{
	struct pkt	 p;
	uint8_t		*d;
	uint32_t	 cap = (uint32_t)n, wire = cap + extra;
	int		 r, v;

	/* An exact-size copy: ASan sees a read one byte past the frame. */
	if ((d = malloc(n ? n : 1)) == NULL)
		abort();
	memcpy(d, data, n);
	r = pkt_parse(link, d, cap, wire, &p);
	check_pkt(r, &p, d, cap, wire);
	if (link > LINK_NULL)
		FUZZ_CHECK(r == PKT_INVALID, "link %d parsed", link);
	v = engine_packet(g->e, g->pol, link, d, cap, wire,
	    &(struct pkt_info){ .ts = g->clock, .hints = (uint8_t)hints });
	FUZZ_CHECK(v == V_ACCEPT || v == V_BYPASS || v == V_DROP ||
	    v == V_ALLOWED || v == V_PASS, "verdict %d", v);
	FUZZ_CHECK(v != V_DROP || g->pol->conf.mode == MODE_ENFORCE,
	    "monitor mode dropped a packet");
	free(d);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum link links[8] = { LINK_ETH, LINK_SLL, LINK_SLL2,
	    LINK_RAW, LINK_NULL, LINK_ETH, LINK_SLL, (enum link)7 };
	const struct stats	*st;
	const uint8_t		*p, *end, *sep;
	struct eng		*g;
	enum link		 link;
	uint32_t		 extra;
	unsigned		 hints;
	int64_t			 step = 0;

	if (size < 1)
		return 0;
	link = links[data[0] & 7];
	extra = 300u * ((data[0] >> 4) & 3);
	hints = data[0] & 0x80 ? HINT_ALLOWED : 0;
	g = &engs[(data[0] >> 6) & 1];
	if (g->inputs++ == ENGINE_INPUTS) {
		engine_free(g->e);
		eng_start(g);
		g->inputs = 1;
	}
	engine_set_bypass(g->e, (data[0] & 0x08) != 0);
	/* Every input starts two minutes after the last: summaries reset. */
	g->clock += 120 * 1000000LL;
	p = data + 1;
	end = data + size;
	for (;;) {
		sep = memmem(p, (size_t)(end - p), SEP, SEPLEN);
		g->clock += step;
		one_frame(g, link, p, (size_t)((sep ? sep : end) - p), extra,
		    hints);
		if (sep == NULL || sep + SEPLEN == end)
			break;
		step = (int64_t)sep[SEPLEN] * 250000;
		p = sep + SEPLEN + 1;
	}
	engine_tick(g->e, g->clock);
	engine_flush(g->e, FE_END_OF_CAPTURE);
	engine_stats_event(g->e);

	st = engine_stats(g->e);
	FUZZ_CHECK(st->pkts_accepted + st->pkts_dropped == st->pkts,
	    "%llu packets, %llu accepted + %llu dropped",
	    (unsigned long long)st->pkts,
	    (unsigned long long)st->pkts_accepted,
	    (unsigned long long)st->pkts_dropped);
	FUZZ_CHECK(g->t.policy[A_ALLOWED] == st->allowed,
	    "%llu allowed, %llu policy events",
	    (unsigned long long)st->allowed,
	    (unsigned long long)g->t.policy[A_ALLOWED]);
	FUZZ_CHECK(g->t.policy[A_BLOCKED] + st->summarized == st->blocked,
	    "%llu blocked: %llu policy events + %llu summarized",
	    (unsigned long long)st->blocked,
	    (unsigned long long)g->t.policy[A_BLOCKED],
	    (unsigned long long)st->summarized);
	FUZZ_CHECK(g->t.conflicts == st->role_conflicts,
	    "%llu role conflicts, %llu such policy events",
	    (unsigned long long)st->role_conflicts,
	    (unsigned long long)g->t.conflicts);
	FUZZ_CHECK(g->t.summarized == st->summarized,
	    "summaries count %llu, stats %llu",
	    (unsigned long long)g->t.summarized,
	    (unsigned long long)st->summarized);
	return 0;
}
