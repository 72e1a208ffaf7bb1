/*
 * The nDPI wrapper (dpi.c): real captures fed packet by packet, one
 * dpi_flow per TCP connection, freed at DPI_DONE as the engine does; the
 * packet cap; payload-less flows never named from their port.
 *
 * The captures are read from $NFQD_SHARED_PCAPS, ../shared/pcaps or
 * /work/shared/pcaps; those tests are skipped when none exists.
 * NFQD_DPI_VERBOSE=1 prints every flow's result.
 */
#include <dirent.h>
#include <pcap/pcap.h>
#include <stdatomic.h>

#include <ndpi_api.h>

#include "util.h"
#include "engine/dpi.h"

/* ---- nDPI's own allocations, counted (hooks installed in main) ---- */

static atomic_long	 ndpi_live;	/* blocks allocated and not freed */

static void *
count_malloc(size_t n)
{
	void	*p = malloc(n);

	if (p != NULL)
		atomic_fetch_add(&ndpi_live, 1);
	return p;
}

static void
count_free(void *p)
{
	if (p != NULL)
		atomic_fetch_sub(&ndpi_live, 1);
	free(p);
}

/* ---- captures ---- */

static const char *
pcap_dir(void)
{
	static const char *const dirs[] = {
		"../shared/pcaps", "/work/shared/pcaps"
	};
	const char	*e = getenv("NFQD_SHARED_PCAPS");
	struct stat	 sb;
	size_t		 i;

	if (e != NULL && *e != '\0')
		return stat(e, &sb) == 0 && S_ISDIR(sb.st_mode) ? e : NULL;
	for (i = 0; i < NELEM(dirs); i++)
		if (stat(dirs[i], &sb) == 0 && S_ISDIR(sb.st_mode))
			return dirs[i];
	return NULL;
}

struct tflow {
	uint8_t			 af;
	uint8_t			 a[2][16];	/* [0] first packet's src */
	uint16_t		 port[2];
	uint8_t			 vlans;
	unsigned		 pkts;		/* fed to dpi_packet */
	unsigned		 payload_pkts;	/* ... with TCP payload */
	unsigned		 done_at;	/* packet that got DPI_DONE */
	unsigned		 payload_at;	/* payload_pkts then */
	bool			 done;
	struct dpi_flow		*df;
	struct dpi_result	 r;
};

struct run {
	struct tflow	*v;
	size_t		 n, cap;
	long		 ndpi_live_max;	/* nDPI blocks alive, at most */
	unsigned	 flows_new, flows_freed;
};

static void
run_free(struct run *r)
{
	free(r->v);
	memset(r, 0, sizeof(*r));
}

/*
 * The link header's length in front of the IP header, and pkt_parse's
 * link type; -1 if not IP.  Ethernet: any number of 802.1Q/802.1ad tags.
 */
static int
ip_offset(int dlt, const uint8_t *d, uint32_t cap, enum link *link)
{
	uint32_t	 off;
	uint16_t	 type;

	switch (dlt) {
	case DLT_EN10MB:
		*link = LINK_ETH;
		for (off = 12; off + 2 <= cap; off += 4) {
			type = (uint16_t)(d[off] << 8 | d[off + 1]);
			if (type != 0x8100 && type != 0x88a8 && type != 0x9100)
				return off + 2;
		}
		return -1;
	case DLT_LINUX_SLL:
		*link = LINK_SLL;
		return 16;
	case DLT_LINUX_SLL2:
		*link = LINK_SLL2;
		return 20;
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
		*link = LINK_RAW;
		return 0;
	case DLT_NULL:
		*link = LINK_NULL;
		return 4;
	}
	return -1;
}

static struct tflow *
run_lookup(struct run *r, const struct pkt *p)
{
	struct tflow	*f;
	size_t		 i;

	for (i = 0; i < r->n; i++) {
		f = &r->v[i];
		if (f->af != p->src.af)
			continue;
		if (memcmp(f->a[0], p->src.b, 16) == 0 &&
		    memcmp(f->a[1], p->dst.b, 16) == 0 &&
		    f->port[0] == p->sport && f->port[1] == p->dport)
			return f;
		if (memcmp(f->a[1], p->src.b, 16) == 0 &&
		    memcmp(f->a[0], p->dst.b, 16) == 0 &&
		    f->port[1] == p->sport && f->port[0] == p->dport)
			return f;
	}
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 16;
		if ((f = realloc(r->v, r->cap * sizeof(*f))) == NULL)
			fail_msg("out of memory");
		r->v = f;
	}
	f = &r->v[r->n++];
	memset(f, 0, sizeof(*f));
	f->af = p->src.af;
	memcpy(f->a[0], p->src.b, 16);
	memcpy(f->a[1], p->dst.b, 16);
	f->port[0] = p->sport;
	f->port[1] = p->dport;
	f->vlans = p->vlans;
	return f;
}

static void
flow_finish(struct dpi *d, struct run *r, struct tflow *f)
{
	dpi_result(d, f->df, &f->r);
	dpi_flow_free(f->df);
	f->df = NULL;
	f->done = true;
	r->flows_freed++;
}

/*
 * Every TCP packet of `name` through dpi_packet, one dpi_flow per
 * connection, freed at DPI_DONE; flows still classifying at the end of
 * the capture are given up.  -1 when the capture is not there.
 */
static int
run_pcap(struct dpi *d, const char *name, struct run *r)
{
	char			 path[MAX_PATH], err[PCAP_ERRBUF_SIZE];
	const char		*dir;
	pcap_t			*pc;
	struct pcap_pkthdr	*h;
	const u_char		*data;
	struct pkt		 p;
	struct tflow		*f;
	enum link		 link = LINK_ETH;
	size_t			 i;
	int			 dlt, off, rc;
	long			 live;

	memset(r, 0, sizeof(*r));
	if ((dir = pcap_dir()) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (access(path, R_OK) != 0)
		return -1;
	if ((pc = pcap_open_offline(path, err)) == NULL)
		fail_msg("%s: %s", path, err);
	dlt = pcap_datalink(pc);
	while ((rc = pcap_next_ex(pc, &h, &data)) == 1) {
		if ((off = ip_offset(dlt, data, h->caplen, &link)) < 0 ||
		    (uint32_t)off >= h->caplen)
			continue;
		if (pkt_parse(link, data, h->caplen, h->len, &p) != PKT_OK)
			continue;
		if (link == LINK_ETH)
			assert_int_equal(off, 14 + 4 * p.vlans);
		f = run_lookup(r, &p);
		if (f->done)
			continue;
		if (f->df == NULL) {
			assert_non_null(f->df = dpi_flow_new(d));
			r->flows_new++;
		}
		f->pkts++;
		if (p.payload_len > 0)
			f->payload_pkts++;
		if (dpi_packet(d, f->df, data + off, h->caplen - (uint32_t)off,
		    (int64_t)h->ts.tv_sec * 1000000 + h->ts.tv_usec) ==
		    DPI_DONE) {
			f->done_at = f->pkts;
			f->payload_at = f->payload_pkts;
			flow_finish(d, r, f);
		}
		live = atomic_load(&ndpi_live);
		if (live > r->ndpi_live_max)
			r->ndpi_live_max = live;
	}
	if (rc != PCAP_ERROR_BREAK)
		fail_msg("%s: %s", path, pcap_geterr(pc));
	pcap_close(pc);
	for (i = 0; i < r->n; i++)
		if (!r->v[i].done)
			flow_finish(d, r, &r->v[i]);
	assert_int_equal(r->flows_new, r->flows_freed);
	if (getenv("NFQD_DPI_VERBOSE") != NULL) {
		for (i = 0; i < r->n; i++) {
			char	 s[ADDR_STRLEN], t[ADDR_STRLEN];
			struct ip_addr	 a;

			f = &r->v[i];
			a.af = f->af;
			memcpy(a.b, f->a[0], 16);
			addr_format(&a, s, sizeof(s));
			memcpy(a.b, f->a[1], 16);
			addr_format(&a, t, sizeof(t));
			print_message("%s: %s:%u > %s:%u vlans=%u pkts=%u "
			    "done_at=%u/%u proto='%s' detail='%s' "
			    "server='%s' payload=%d risk=%#llx [%s]\n", name,
			    s, f->port[0], t, f->port[1], f->vlans, f->pkts,
			    f->done_at, f->payload_at, f->r.app_proto,
			    f->r.app_detail,
			    f->r.server_name, f->r.by_payload,
			    (unsigned long long)f->r.risk, f->r.risks);
		}
	}
	return 0;
}

/* The only flow with `port` at either end, or fail. */
static const struct tflow *
by_port(const struct run *r, uint16_t port)
{
	const struct tflow	*found = NULL;
	size_t			 i;

	for (i = 0; i < r->n; i++) {
		if (r->v[i].port[0] != port && r->v[i].port[1] != port)
			continue;
		if (found != NULL)
			fail_msg("more than one flow on port %u", port);
		found = &r->v[i];
	}
	if (found == NULL)
		fail_msg("no flow on port %u", port);
	return found;
}

/* ---- fixtures ---- */

static int
setup(void **state)
{
	struct dpi	*d;

	if ((d = dpi_new()) == NULL)
		return -1;
	*state = d;
	return 0;
}

static int
teardown(void **state)
{
	dpi_free(*state);
	return 0;
}

#define RUN(d, name, r) do {						\
	if (run_pcap((d), (name), (r)) == -1)				\
		skip();							\
} while (0)

/* ---- real captures ---- */

static void
test_smtp(void **state)
{
	struct run		 r;
	const struct tflow	*f;

	RUN(*state, "ndpi-4.2_smtp.pcap", &r);
	f = by_port(&r, 25);
	assert_string_equal(f->r.app_proto, "smtp");
	assert_string_equal(f->r.app_detail, "");
	assert_string_equal(f->r.server_name, "pigeon.eyrie.af.mil");
	assert_true(f->r.by_payload);
	assert_int_equal(f->r.risk, 0);
	assert_string_equal(f->r.risks, "");
	/* Detected at packet 10, nothing more wanted at 11 (ndpiReader). */
	assert_int_equal(f->done_at, 11);
	run_free(&r);
}

static void
test_smtp_starttls_google(void **state)
{
	struct run		 r;
	const struct tflow	*f;

	RUN(*state, "ndpi-4.2_smtp-starttls.pcap", &r);
	f = by_port(&r, 25);
	assert_string_equal(f->r.app_proto, "smtp");
	assert_string_equal(f->r.app_detail, "google");
	assert_string_equal(f->r.server_name, "mx.google.com");
	assert_true(f->r.by_payload);
	assert_int_equal(f->done_at, 9);
	run_free(&r);
}

static void
test_smtp_starttls_v4v6(void **state)
{
	struct run		 r;
	const struct tflow	*f4 = NULL, *f6 = NULL;
	size_t			 i;

	RUN(*state, "ndpi-HEAD_smtp-starttls-v4v6.pcap", &r);
	assert_int_equal(r.n, 2);
	for (i = 0; i < r.n; i++) {
		if (r.v[i].af == 4)
			f4 = &r.v[i];
		else
			f6 = &r.v[i];
	}
	assert_non_null(f4);
	assert_non_null(f6);
	assert_string_equal(f4->r.app_proto, "smtp");
	assert_string_equal(f4->r.app_detail, "google");
	assert_string_equal(f4->r.server_name, "mx.google.com");
	assert_int_equal(f6->vlans, 1);		/* VLAN 125 */
	assert_string_equal(f6->r.app_proto, "smtp");
	assert_string_equal(f6->r.app_detail, "");
	assert_string_equal(f6->r.server_name,
	    "jw-vm08-int-dns.webernetz.net");
	assert_true(f6->r.by_payload);
	run_free(&r);
}

/* Implicit TLS on 465: nDPI 4.2 names TLS seen on 465 "SMTPS". */
static void
test_smtps(void **state)
{
	struct run		 r;
	const struct tflow	*f;

	RUN(*state, "ndpi-HEAD_smtps.pcapng", &r);
	f = by_port(&r, 465);
	assert_string_equal(f->r.app_proto, "smtps");
	assert_string_equal(f->r.app_detail, "");
	assert_string_equal(f->r.server_name, "");	/* no SNI */
	assert_true(f->r.by_payload);
	assert_true(f->r.risk & (1ULL << NDPI_TLS_MISSING_SNI));
	assert_true(f->r.risk & (1ULL << NDPI_TLS_NOT_CARRYING_HTTPS));
	assert_contains(f->r.risks, "Missing SNI TLS Extension");
	run_free(&r);
}

/* OpenVPN dressed up on 465: never "smtp"; 4.2 only guesses it by port. */
static void
test_openvpn_on_465(void **state)
{
	struct run		 r;
	const struct tflow	*f;

	RUN(*state, "ndpi-HEAD_openvpn_obfuscated.pcapng", &r);
	f = by_port(&r, 465);
	assert_string_equal(f->r.app_proto, "");
	assert_false(f->r.by_payload);
	/* Given up at the payload-packet cap, not at the end of capture. */
	assert_true(f->done_at > 0 && f->done_at <= DPI_MAX_PACKETS);
	assert_int_equal(f->payload_at, DPI_MAX_PAYLOAD_PACKETS);
	run_free(&r);
}

/* A SYN answered by RST: nothing on the wire to classify. */
static void
test_synscan(void **state)
{
	struct run		 r;
	const struct tflow	*f;
	size_t			 i;

	RUN(*state, "ndpi-4.2_synscan.pcap", &r);
	f = by_port(&r, 25);
	assert_int_equal(f->pkts, 2);
	assert_string_equal(f->r.app_proto, "");
	assert_string_equal(f->r.app_detail, "");
	assert_false(f->r.by_payload);
	/*
	 * Nor any of the ~2000 other probes, whatever their port: not even
	 * the two SYNs to 5001 that nDPI 4.2 calls TargusDataspeed with
	 * confidence DPI (its dissector goes by the port; ndpiReader too).
	 */
	assert_true(r.n > 1900);
	for (i = 0; i < r.n; i++) {
		assert_int_equal(r.v[i].payload_pkts, 0);
		assert_string_equal(r.v[i].r.app_proto, "");
		assert_false(r.v[i].r.by_payload);
	}
	run_free(&r);
}

static void
test_http_connect(void **state)
{
	struct run		 r;
	const struct tflow	*f;

	RUN(*state, "zeek_http-connect-with-smtp.pcap", &r);
	f = by_port(&r, 8240);
	/* nDPI 4.2: "HTTP_Connect.HTTP", HTTP_Connect being the master. */
	assert_string_equal(f->r.app_proto, "http_connect");
	assert_string_equal(f->r.app_detail, "http");
	assert_true(f->r.by_payload);
	assert_true(f->r.risk &
	    (1ULL << NDPI_KNOWN_PROTOCOL_ON_NON_STANDARD_PORT));
	run_free(&r);
}

static void
test_wireshark_smtp(void **state)
{
	struct run		 r;
	const struct tflow	*f;

	RUN(*state, "wireshark-sample_smtp.pcap", &r);
	f = by_port(&r, 25);
	assert_string_equal(f->r.app_proto, "smtp");
	assert_string_equal(f->r.server_name, "xc90.websitewelcome.com");
	/* AUTH LOGIN seen: extra dissection ran to packet 12. */
	assert_int_equal(f->done_at, 12);
	assert_true(f->r.risk & (1ULL << NDPI_CLEAR_TEXT_CREDENTIALS));
	assert_string_equal(f->r.risks, "Clear-Text Credentials");
	run_free(&r);
}

/*
 * Per-flow memory is gone at DONE: flows are freed as they finish (no
 * flow outlives its DONE in run_pcap), and every block nDPI allocated for
 * them is back when the last one is freed.  ASan checks our own blocks.
 */
static void
test_flow_memory_freed(void **state)
{
	static const char *const names[] = {
		"ndpi-HEAD_smtps.pcapng", "wireshark-sample_smtp.pcap",
		"zeek_smtp.pcap", "ndpi-HEAD_emotet.pcap",
	};
	struct run	 r;
	long		 base;
	size_t		 i, ran = 0;

	for (i = 0; i < NELEM(names); i++) {
		base = atomic_load(&ndpi_live);
		if (run_pcap(*state, names[i], &r) == -1)
			continue;
		ran++;
		assert_true(r.n > 0);
		assert_int_equal(r.flows_new, r.flows_freed);
		assert_int_equal(atomic_load(&ndpi_live), base);
		run_free(&r);
	}
	if (ran == 0)
		skip();
}

/*
 * Every capture there is: no flow is ever named except from payload,
 * every dpi_flow is freed, and nDPI holds nothing of them afterwards.
 */
static void
test_all_captures(void **state)
{
	const char	*dir = pcap_dir();
	struct dirent	**ents;
	struct run	 r;
	long		 base;
	size_t		 i;
	int		 n = -1, k, ran = 0;

	if (dir != NULL)
		n = scandir(dir, &ents, NULL, alphasort);
	if (n < 0) {
		skip();
		return;
	}
	for (k = 0; k < n; k++) {
		const char	*nm = ents[k]->d_name;
		size_t		 l = strlen(nm);

		if (!((l > 5 && strcmp(nm + l - 5, ".pcap") == 0) ||
		    (l > 7 && strcmp(nm + l - 7, ".pcapng") == 0))) {
			free(ents[k]);
			continue;
		}
		base = atomic_load(&ndpi_live);
		if (run_pcap(*state, nm, &r) == 0) {
			ran++;
			assert_int_equal(r.flows_new, r.flows_freed);
			assert_int_equal(atomic_load(&ndpi_live), base);
			for (i = 0; i < r.n; i++) {
				if (r.v[i].r.app_proto[0] != '\0')
					assert_true(r.v[i].r.by_payload);
				else
					assert_string_equal(
					    r.v[i].r.app_detail, "");
				assert_true(r.v[i].done_at == 0 ||
				    r.v[i].done_at <= DPI_MAX_PACKETS);
			}
			run_free(&r);
		}
		free(ents[k]);
	}
	free(ents);
	if (ran == 0)
		skip();
}

/* ---- synthetic flows (no captures needed) ---- */

#define CLI	"10.20.1.25"
#define SRV	"198.51.100.7"

/*
 * A TCP/IPv4 packet of the connection CLI:40000 -> SRV:25 (dir 0) or back
 * (dir 1), with sequence numbers that follow on, as nDPI drops what looks
 * like a retransmission.
 */
struct conn {
	uint32_t	 seq[2];
};

static size_t
tcp_packet(struct conn *c, uint8_t *out, int dir, uint8_t flags,
    const uint8_t *pay, size_t paylen)
{
	uint8_t		 seg[1600];
	struct tcpspec	 t = { .sport = 40000, .dport = 25,
			    .seq = c->seq[dir], .ack = c->seq[!dir],
			    .flags = flags, .paylen = paylen };
	size_t		 n;

	if (dir) {
		t.sport = 25;
		t.dport = 40000;
	}
	if ((flags & TH_ACK) == 0)
		t.ack = 0;
	n = build_tcp(seg, &t);
	if (paylen > 0)
		memcpy(seg + 20, pay, paylen);
	c->seq[dir] += (uint32_t)paylen + (flags & (TH_SYN | TH_FIN) ? 1 : 0);
	return dir ? build_ipv4(out, SRV, CLI, 6, seg, n, 0, 0) :
	    build_ipv4(out, CLI, SRV, 6, seg, n, 0, 0);
}

static void
test_result_before_any_packet(void **state)
{
	struct dpi		*d = *state;
	struct dpi_flow		*f;
	struct dpi_result	 r, zero;

	memset(&zero, 0, sizeof(zero));
	memset(&r, 0x5a, sizeof(r));
	assert_non_null(f = dpi_flow_new(d));
	dpi_result(d, f, &r);
	assert_memory_equal(&r, &zero, sizeof(r));
	/* Still usable afterwards. */
	memset(&r, 0x5a, sizeof(r));
	dpi_result(d, f, &r);
	assert_memory_equal(&r, &zero, sizeof(r));
	dpi_flow_free(f);
	dpi_flow_free(NULL);
	dpi_free(NULL);
}

/* 100 packets of random payload: DONE at the payload-packet cap. */
static void
test_cap_random_payload(void **state)
{
	struct dpi		*d = *state;
	struct dpi_flow		*f;
	struct dpi_result	 r;
	uint8_t			 pay[512], pkt[2048];
	unsigned		 seed, i, j, done_at = 0;
	size_t			 n, len;

	for (seed = 1; seed <= 20; seed++) {
		struct conn	 c = { { 1000, 5000 } };

		srandom(seed);
		assert_non_null(f = dpi_flow_new(d));
		done_at = 0;
		for (i = 1; i <= 100; i++) {
			len = 1 + (size_t)random() % sizeof(pay);
			for (j = 0; j < len; j++)
				pay[j] = (uint8_t)random();
			n = tcp_packet(&c, pkt, (int)(i & 1), TH_ACK | TH_PSH,
			    pay, len);
			if (dpi_packet(d, f, pkt, (uint32_t)n,
			    (int64_t)i * 1000) == DPI_DONE) {
				if (done_at == 0)
					done_at = i;
			} else
				assert_int_equal(done_at, 0);
		}
		dpi_result(d, f, &r);
		if (r.app_proto[0] == '\0') {
			assert_int_equal(done_at, DPI_MAX_PAYLOAD_PACKETS);
			assert_false(r.by_payload);
		} else {
			/* Random bytes that nDPI took for something. */
			assert_true(r.by_payload);
			assert_true(done_at <= DPI_MAX_PAYLOAD_PACKETS);
		}
		assert_string_not_equal(r.app_proto, "smtp");
		dpi_flow_free(f);
	}
}

/* Payload-less packets count against the total cap only. */
static void
test_cap_total(void **state)
{
	struct dpi		*d = *state;
	struct dpi_flow		*f;
	struct conn		 c = { { 1000, 5000 } };
	struct dpi_result	 r;
	uint8_t			 pkt[128];
	unsigned		 i, done_at = 0;
	size_t			 n;

	assert_non_null(f = dpi_flow_new(d));
	for (i = 1; i <= 100 && done_at == 0; i++) {
		n = tcp_packet(&c, pkt, (int)(i & 1), i == 1 ? TH_SYN :
		    i == 2 ? TH_SYN | TH_ACK : TH_ACK, NULL, 0);
		if (dpi_packet(d, f, pkt, (uint32_t)n, (int64_t)i * 1000) ==
		    DPI_DONE)
			done_at = i;
	}
	assert_int_equal(done_at, DPI_MAX_PACKETS);
	n = tcp_packet(&c, pkt, 0, TH_ACK, NULL, 0);
	assert_int_equal(dpi_packet(d, f, pkt, (uint32_t)n, 200000),
	    DPI_DONE);
	dpi_result(d, f, &r);
	assert_string_equal(r.app_proto, "");	/* never "smtp" by port */
	assert_false(r.by_payload);
	dpi_flow_free(f);
}

/* A refused SYN to port 25, then the result: "". */
static void
test_refused_syn(void **state)
{
	struct dpi		*d = *state;
	struct dpi_flow		*f;
	struct conn		 c = { { 1000, 5000 } };
	struct dpi_result	 r;
	uint8_t			 pkt[128];
	size_t			 n;

	assert_non_null(f = dpi_flow_new(d));
	n = tcp_packet(&c, pkt, 0, TH_SYN, NULL, 0);
	assert_int_equal(dpi_packet(d, f, pkt, (uint32_t)n, 1000), DPI_MORE);
	n = tcp_packet(&c, pkt, 1, TH_RST | TH_ACK, NULL, 0);
	assert_int_equal(dpi_packet(d, f, pkt, (uint32_t)n, 2000), DPI_MORE);
	dpi_result(d, f, &r);
	assert_string_equal(r.app_proto, "");
	assert_string_equal(r.app_detail, "");
	assert_string_equal(r.server_name, "");
	assert_false(r.by_payload);
	/* The result gave up on it: no more packets wanted. */
	assert_int_equal(dpi_packet(d, f, pkt, (uint32_t)n, 3000), DPI_DONE);
	dpi_flow_free(f);
}

/*
 * nDPI 4.2's TargusDataspeed dissector names a bare SYN to port 5001 with
 * confidence DPI: a flow without payload is still "".
 */
static void
test_portonly_dissector(void **state)
{
	struct dpi		*d = *state;
	struct dpi_flow		*f;
	struct dpi_result	 r;
	uint8_t			 seg[64], pkt[128];
	struct tcpspec		 t = { .sport = 40000, .dport = 5001,
				    .seq = 1000, .flags = TH_SYN };
	size_t			 n;

	assert_non_null(f = dpi_flow_new(d));
	n = build_tcp(seg, &t);
	n = build_ipv4(pkt, CLI, SRV, 6, seg, n, 0, 0);
	assert_int_equal(dpi_packet(d, f, pkt, (uint32_t)n, 1000), DPI_MORE);
	dpi_result(d, f, &r);
	assert_string_equal(r.app_proto, "");
	assert_false(r.by_payload);
	dpi_flow_free(f);
}

/* A short SMTP dialogue built by hand: named from payload. */
static void
test_synthetic_smtp(void **state)
{
	static const char *const lines[] = {
		"220 mx.example.org ESMTP Postfix\r\n",
		"EHLO client.example.net\r\n",
		"250-mx.example.org\r\n250 PIPELINING\r\n",
		"MAIL FROM:<a@example.net>\r\n",
		"250 2.1.0 Ok\r\n",
		"RCPT TO:<b@example.org>\r\n",
		"250 2.1.5 Ok\r\n",
		"QUIT\r\n",
	};
	struct dpi		*d = *state;
	struct dpi_flow		*f;
	struct conn		 c = { { 1000, 5000 } };
	struct dpi_result	 r;
	uint8_t			 pkt[512];
	size_t			 i, n;
	int			 st = DPI_MORE;

	assert_non_null(f = dpi_flow_new(d));
	n = tcp_packet(&c, pkt, 0, TH_SYN, NULL, 0);
	assert_int_equal(dpi_packet(d, f, pkt, (uint32_t)n, 1000), DPI_MORE);
	n = tcp_packet(&c, pkt, 1, TH_SYN | TH_ACK, NULL, 0);
	assert_int_equal(dpi_packet(d, f, pkt, (uint32_t)n, 2000), DPI_MORE);
	n = tcp_packet(&c, pkt, 0, TH_ACK, NULL, 0);
	assert_int_equal(dpi_packet(d, f, pkt, (uint32_t)n, 3000), DPI_MORE);
	for (i = 0; i < NELEM(lines) && st == DPI_MORE; i++) {
		n = tcp_packet(&c, pkt, i % 2 == 0, TH_ACK | TH_PSH,
		    (const uint8_t *)lines[i], strlen(lines[i]));
		st = dpi_packet(d, f, pkt, (uint32_t)n,
		    4000 + (int64_t)i * 1000);
	}
	dpi_result(d, f, &r);
	assert_string_equal(r.app_proto, "smtp");
	assert_string_equal(r.server_name, "mx.example.org");
	assert_true(r.by_payload);
	dpi_flow_free(f);
}

/*
 * Truncated and malformed packets (every length of a real SMTP segment,
 * a bogus version, a header length past the end): no crash, no over-read
 * (each is copied to an exact-size block for ASan), no classification.
 */
static void
test_truncated(void **state)
{
	static const char	 line[] = "220 mx.example.org ESMTP\r\n";
	struct dpi		*d = *state;
	struct dpi_flow		*f;
	struct dpi_result	 r;
	struct conn		 c = { { 1000, 5000 } };
	uint8_t			 pkt[256], *q;
	size_t			 n, len;

	n = tcp_packet(&c, pkt, 1, TH_ACK | TH_PSH, (const uint8_t *)line,
	    sizeof(line) - 1);
	for (len = 0; len <= n; len++) {
		assert_non_null(f = dpi_flow_new(d));
		q = dup_exact(pkt, len);
		(void)dpi_packet(d, f, q, (uint32_t)len, 1000);
		pkt[0] ^= 0xf0;			/* version 11 */
		memcpy(q, pkt, len);
		(void)dpi_packet(d, f, q, (uint32_t)len, 2000);
		pkt[0] ^= 0xf0;
		pkt[0] = 0x4f;			/* IHL 60 bytes */
		memcpy(q, pkt, len);
		(void)dpi_packet(d, f, q, (uint32_t)len, 3000);
		pkt[0] = 0x45;
		dpi_result(d, f, &r);
		assert_string_equal(r.app_proto, "");
		free(q);
		dpi_flow_free(f);
	}
	/* No module: nothing to classify, and no crash. */
	assert_null(dpi_flow_new(NULL));
	assert_int_equal(dpi_packet(NULL, NULL, pkt, (uint32_t)n, 0),
	    DPI_DONE);
	dpi_result(NULL, NULL, &r);
	assert_string_equal(r.app_proto, "");
}

/* Two modules at once (two workers), each torn down cleanly. */
static void
test_two_modules(void **state)
{
	struct dpi	*d2;

	(void)state;
	assert_non_null(d2 = dpi_new());
	dpi_free(d2);
	assert_true(dpi_flow_size() >= sizeof(struct ndpi_flow_struct));
}

int
main(void)
{
#define T(fn)	cmocka_unit_test(fn)
	const struct CMUnitTest tests[] = {
		T(test_two_modules),
		T(test_result_before_any_packet),
		T(test_cap_random_payload),
		T(test_cap_total),
		T(test_refused_syn),
		T(test_portonly_dissector),
		T(test_synthetic_smtp),
		T(test_truncated),
		T(test_smtp),
		T(test_smtp_starttls_google),
		T(test_smtp_starttls_v4v6),
		T(test_smtps),
		T(test_openvpn_on_465),
		T(test_synscan),
		T(test_http_connect),
		T(test_wireshark_smtp),
		T(test_flow_memory_freed),
		T(test_all_captures),
	};

	/* Before any module exists: every nDPI block goes through them. */
	set_ndpi_malloc(count_malloc);
	set_ndpi_free(count_free);
	return cmocka_run_group_tests(tests, setup, teardown);
#undef T
}
