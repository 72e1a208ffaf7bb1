/*
 * Roles and directions (issue: "the decision cannot be turned around"):
 * a connection's decision is bound to who opened it.  Each attack is a
 * sequence of raw packets through the engine; each check is the verdict
 * every packet gets and the events that say what happened, with the real
 * direction.
 */
#include <net/if.h>

#include "engine_fx.h"

#define WS	"10.20.3.44"		/* a workstation: no exception */
#define GW	"10.20.1.25"		/* the gateway: both */
#define DEPT	"10.20.8.15"		/* a department server: inbound */
#define SENDER	"10.20.8.66"		/* a host that only sends: outbound */
#define GW6	"2001:db8:20:1::25"

static const char *const exc_roles =
    "10.20.1.25 both\n"
    "2001:db8:20:1::25 both\n"
    "10.20.8.0/24 inbound\n"
    "10.20.8.66 outbound\n";

/* One TCP segment with its sequence number, payload and source facts. */
static int
pkt_at(struct fx *f, int64_t ts, const char *src, uint16_t sport,
    const char *dst, uint16_t dport, uint8_t flags, uint32_t seq,
    size_t paylen, uint32_t ifindex)
{
	uint8_t		 s[2048], b[2048];
	struct tcpspec	 t = { .sport = sport, .dport = dport, .seq = seq,
			    .ack = flags & TH_ACK ? 7000 : 0, .flags = flags,
			    .paylen = paylen };
	size_t		 n;

	n = build_tcp(s, &t);
	if (strchr(src, ':') != NULL)
		n = build_ipv6(b, src, dst, 6, s, n);
	else
		n = build_ipv4(b, src, dst, 6, s, n, 0, 0);
	return engine_packet(f->e, f->pol, LINK_RAW, b, (uint32_t)n,
	    (uint32_t)n, &(struct pkt_info){ .ts = ts, .ifindex = ifindex });
}

static int
pkt(struct fx *f, int64_t ts, const char *src, uint16_t sport,
    const char *dst, uint16_t dport, uint8_t flags, uint32_t seq,
    size_t paylen)
{
	return pkt_at(f, ts, src, sport, dst, dport, flags, seq, paylen, 0);
}

static int
setup_roles(void **state)
{
	struct fx	*f;

	if (setup(state) != 0)
		return -1;
	f = *state;
	f->exc = exc_roles;
	start(f, "");
	return 0;
}

/* The k-th policy event: its tuple, action, direction, roles. */
static void
check_policy(struct fx *f, size_t k, const char *src, uint16_t sport,
    const char *dst, uint16_t dport, uint8_t action, uint8_t direction,
    uint8_t roles)
{
	const struct event	*ev = nth(f, EV_POLICY, k);

	check_tuple(ev, src, sport, dst, dport);
	if (ev->policy.action != action || ev->policy.direction != direction ||
	    ev->policy.roles != roles)
		fail_msg("policy event %zu: %s %s roles %s (%s), expected %s "
		    "%s roles %s", k, action_name(ev->policy.action),
		    direction_name(ev->policy.direction),
		    roles_name(ev->policy.roles),
		    reason_name(ev->policy.reason), action_name(action),
		    direction_name(direction), roles_name(roles));
}

/*
 * 1. An outside host sends SYN|ACK|RST from its port 25 to the port 25 of
 * a host that may only send out, then opens an ordinary connection from
 * its port 25.  The odd packet was once taken as a SYN-ACK, making the
 * campus host the client of an allowed outbound connection that the real
 * connection then inherited.  Now the odd packet is judged by its
 * strictest reading (inbound: refused), and the SYN opens a connection of
 * its own: inbound, refused, every packet dropped.
 */
static void
test_synackrst_then_connect_inbound(void **state)
{
	struct fx	*f = *state;

	assert_int_equal(pkt(f, T0, OUT, 25, SENDER, 25,
	    TH_SYN | TH_ACK | TH_RST, 500, 0), V_DROP);
	assert_int_equal(pkt(f, T0 + 1000, OUT, 25, SENDER, 25, TH_SYN, 900,
	    0), V_DROP);
	assert_int_equal(pkt(f, T0 + 2000, SENDER, 25, OUT, 25,
	    TH_SYN | TH_ACK, 4000, 0), V_DROP);
	assert_int_equal(pkt(f, T0 + 3000, OUT, 25, SENDER, 25,
	    TH_ACK | TH_PSH, 901, 30), V_DROP);
	assert_int_equal(count(f, EV_POLICY), 2);
	check_policy(f, 0, OUT, 25, SENDER, 25, A_BLOCKED, D_INBOUND,
	    ROLES_INFERRED);
	check_policy(f, 1, OUT, 25, SENDER, 25, A_BLOCKED, D_INBOUND,
	    ROLES_SYN);
	assert_int_equal(nth(f, EV_POLICY, 1)->policy.reason,
	    R_EXCEPTION_DIRECTION);
	/* the odd packet's record ended when the SYN took the tuple over */
	assert_int_equal(count(f, EV_FLOW), 1);
	assert_int_equal(engine_stats(f->e)->reopened, 1);
}

/* 1b. The mirror image: a server that may only receive sends out. */
static void
test_synackrst_then_connect_outbound(void **state)
{
	struct fx	*f = *state;

	assert_int_equal(pkt(f, T0, DEPT, 25, OUT, 25,
	    TH_SYN | TH_ACK | TH_RST, 500, 0), V_DROP);
	assert_int_equal(pkt(f, T0 + 1000, DEPT, 25, OUT, 25, TH_SYN, 900,
	    0), V_DROP);
	assert_int_equal(pkt(f, T0 + 2000, DEPT, 25, OUT, 25,
	    TH_ACK | TH_PSH, 901, 40), V_DROP);
	check_policy(f, 0, DEPT, 25, OUT, 25, A_BLOCKED, D_OUTBOUND,
	    ROLES_INFERRED);
	check_policy(f, 1, DEPT, 25, OUT, 25, A_BLOCKED, D_OUTBOUND,
	    ROLES_SYN);
}

/*
 * 1c. A real inbound connection to the department server, reset by it;
 * the server then connects back the other way on the same tuple within
 * the closed-flow timeout.  The SYN after the RST is a new connection:
 * outbound, refused.
 */
static void
test_connect_back_after_rst(void **state)
{
	struct fx	*f = *state;

	assert_int_not_equal(pkt(f, T0, OUT, 25, DEPT, 25, TH_SYN, 100, 0),
	    V_DROP);
	assert_int_not_equal(pkt(f, T0 + 1000, DEPT, 25, OUT, 25,
	    TH_RST | TH_ACK, 0, 0), V_DROP);
	assert_int_equal(pkt(f, T0 + 2000, DEPT, 25, OUT, 25, TH_SYN, 300,
	    0), V_DROP);
	assert_int_equal(pkt(f, T0 + 3000, OUT, 25, DEPT, 25,
	    TH_SYN | TH_ACK, 900, 0), V_DROP);
	assert_int_equal(pkt(f, T0 + 4000, DEPT, 25, OUT, 25,
	    TH_ACK | TH_PSH, 301, 50), V_DROP);
	check_policy(f, 0, OUT, 25, DEPT, 25, A_ALLOWED, D_INBOUND,
	    ROLES_SYN);
	check_policy(f, 1, DEPT, 25, OUT, 25, A_BLOCKED, D_OUTBOUND,
	    ROLES_SYN);
	/* the inbound one was reported, ended by its RST */
	assert_int_equal(nth(f, EV_FLOW, 0)->flow.end, FE_RST);
}

/*
 * 2. One-way payload: a SYN from an outside port 25 to a workstation's
 * high port (from a colluding host, or forged), then the workstation's
 * SYN-ACK carrying SMTP to that port 25.  Once "another port", no
 * decision, no event, no mark.  Now the connection was opened from an
 * SMTP port: the workstation is the SMTP client of the reading, and it has
 * no exception -- refused, both packets, with the event naming it.  The
 * gateway, which may send, is allowed the same way.
 */
static void
test_opened_from_port_25(void **state)
{
	struct fx	*f = *state;

	assert_int_equal(pkt(f, T0, OUT, 25, WS, 40000, TH_SYN, 100, 0),
	    V_DROP);
	assert_int_equal(pkt(f, T0 + 1000, WS, 40000, OUT, 25,
	    TH_SYN | TH_ACK, 900, 60), V_DROP);
	assert_int_equal(count(f, EV_POLICY), 1);
	check_policy(f, 0, WS, 40000, OUT, 25, A_BLOCKED, D_OUTBOUND,
	    ROLES_REVERSED);
	/* without the SYN: the SYN-ACK with payload alone, strictest */
	assert_int_equal(pkt(f, T0 + 2000, WS, 40001, OUT, 25,
	    TH_SYN | TH_ACK, 900, 60), V_DROP);
	check_policy(f, 1, WS, 40001, OUT, 25, A_BLOCKED, D_OUTBOUND,
	    ROLES_INFERRED);
	assert_int_equal(pkt(f, T0 + 3000, OUT, 25, GW, 40000, TH_SYN, 100,
	    0), V_BYPASS);
	check_policy(f, 2, GW, 40000, OUT, 25, A_ALLOWED, D_OUTBOUND,
	    ROLES_REVERSED);
	assert_int_equal(engine_stats(f->e)->other_port, 0);
}

/*
 * A packet that contradicts the recorded roles: the opener of an allowed
 * inbound connection to the department server sends a SYN-ACK, as if it
 * were the server.  The connection's roles are unknown from then on; the
 * strictest reading (the department server as a client sending out)
 * refuses it, one event says so, and what follows is dropped.  The
 * server's own SYN-ACK contradicts nothing.
 */
static void
test_synack_from_the_opener(void **state)
{
	struct fx	*f = *state;

	assert_int_not_equal(pkt(f, T0, OUT, 25, DEPT, 25, TH_SYN, 100, 0),
	    V_DROP);
	assert_int_not_equal(pkt(f, T0 + 1000, DEPT, 25, OUT, 25,
	    TH_SYN | TH_ACK, 900, 0), V_DROP);
	assert_int_equal(engine_stats(f->e)->role_conflicts, 0);
	assert_int_equal(pkt(f, T0 + 2000, OUT, 25, DEPT, 25,
	    TH_SYN | TH_ACK, 100, 20), V_DROP);
	assert_int_equal(pkt(f, T0 + 3000, DEPT, 25, OUT, 25,
	    TH_ACK | TH_PSH, 901, 40), V_DROP);
	assert_int_equal(engine_stats(f->e)->role_conflicts, 1);
	assert_int_equal(count(f, EV_POLICY), 2);
	check_policy(f, 1, DEPT, 25, OUT, 25, A_BLOCKED, D_OUTBOUND,
	    ROLES_CONFLICT);
	/* one flow, the same id in both events */
	assert_int_equal(nth(f, EV_POLICY, 0)->flow_id,
	    nth(f, EV_POLICY, 1)->flow_id);

	/* The gateway may do both: a conflict changes nothing but roles. */
	assert_int_not_equal(pkt(f, T0, OUT, 25, GW, 25, TH_SYN, 100, 0),
	    V_DROP);
	assert_int_not_equal(pkt(f, T0 + 2000, OUT, 25, GW, 25,
	    TH_SYN | TH_ACK, 100, 0), V_DROP);
	check_policy(f, 3, OUT, 25, GW, 25, A_ALLOWED, D_INBOUND,
	    ROLES_CONFLICT);
}

/*
 * A SYN from the recorded server while the connection is being opened
 * (crossed SYNs) is a new connection, decided for its own opener.
 */
static void
test_syn_from_the_server(void **state)
{
	struct fx	*f = *state;

	assert_int_not_equal(pkt(f, T0, OUT, 25, DEPT, 25, TH_SYN, 100, 0),
	    V_DROP);
	assert_int_equal(pkt(f, T0 + 1000, DEPT, 25, OUT, 25, TH_SYN, 500, 0),
	    V_DROP);
	check_policy(f, 1, DEPT, 25, OUT, 25, A_BLOCKED, D_OUTBOUND,
	    ROLES_SYN);
	assert_int_equal(nth(f, EV_FLOW, 0)->flow.end, FE_REUSE);
}

/*
 * A new attempt is not merged into an old one: with reject = yes a
 * refused attempt stays "new" (the kernel's reset never passes nfqd), and
 * the client's next attempt from the same port comes with a new initial
 * sequence number -- a connection of its own, with its own event.  A
 * retransmission (same number) is the same attempt.  And when the host
 * was given an exception in between, the new attempt is allowed at once.
 */
static void
test_new_attempt_same_port(void **state)
{
	struct fx	*f = *state;
	struct policy	*old;

	start(f, "reject = yes\n");
	assert_int_equal(pkt(f, T0, WS, 41000, OUT, 25, TH_SYN, 100, 0),
	    V_DROP);
	assert_int_equal(pkt(f, T0 + SEC, WS, 41000, OUT, 25, TH_SYN, 100, 0),
	    V_DROP);
	assert_int_equal(count(f, EV_POLICY), 1);
	assert_int_equal(pkt(f, T0 + 2 * SEC, WS, 41000, OUT, 25, TH_SYN, 7777,
	    0), V_DROP);
	assert_int_equal(count(f, EV_POLICY), 2);
	assert_true(nth(f, EV_POLICY, 0)->flow_id !=
	    nth(f, EV_POLICY, 1)->flow_id);

	/* the exception arrives (a reload: a new policy, the same engine) */
	old = f->pol;
	f->exc = "10.20.3.44 outbound\n";
	{
		char	 path[MAX_PATH], err[ERRLEN];

		write_file(&f->dir, "exceptions.conf", f->exc, path);
		snprintf(path, sizeof(path), "%s/nfqd.conf", f->dir.path);
		if ((f->pol = policy_load(path, err, sizeof(err))) == NULL)
			fail_msg("policy_load: %s", err);
	}
	assert_int_equal(pkt(f, T0 + 3 * SEC, WS, 41000, OUT, 25, TH_SYN, 9999,
	    0), V_BYPASS);
	check_policy(f, 2, WS, 41000, OUT, 25, A_ALLOWED, D_OUTBOUND,
	    ROLES_SYN);
	engine_flush(f->e, FE_SHUTDOWN);
	engine_free(f->e);
	f->e = NULL;
	policy_free(old);
}

/*
 * IPv4-mapped and -compatible IPv6 addresses are decided as the IPv4
 * host they carry: ::ffff:10.20.3.44 is the workstation (outbound,
 * refused), not transit; ::ffff:10.20.1.25 is the gateway.  The events
 * keep the addresses as they were on the wire.
 */
static void
test_mapped_addresses(void **state)
{
	struct fx		*f = *state;
	const struct event	*ev;

	assert_int_equal(pkt(f, T0, "::ffff:10.20.3.44", 40000, OUT6, 25,
	    TH_SYN, 1, 0), V_DROP);
	ev = nth(f, EV_POLICY, 0);
	assert_int_equal(ev->policy.direction, D_OUTBOUND);
	assert_int_equal(ev->policy.reason, R_NO_EXCEPTION);
	assert_int_equal(ev->src.af, 6);
	assert_int_equal(pkt(f, T0, "::ffff:10.20.1.25", 40000, OUT6, 25,
	    TH_SYN, 1, 0), V_BYPASS);
	assert_int_equal(nth(f, EV_POLICY, 1)->policy.reason, R_EXCEPTION);
	assert_int_equal(pkt(f, T0, OUT6, 40000, "::10.20.3.44", 25, TH_SYN,
	    1, 0), V_DROP);
	assert_int_equal(nth(f, EV_POLICY, 2)->policy.direction, D_INBOUND);
	/* :: and ::1 carry no IPv4 address */
	assert_int_equal(pkt(f, T0, "::1", 40000, OUT6, 25, TH_SYN, 1, 0),
	    V_BYPASS);
	assert_int_equal(nth(f, EV_POLICY, 3)->policy.direction, D_TRANSIT);
}

/*
 * Anti-spoofing: with campus-interfaces set, a packet from a campus
 * interface with an outside source, or from another interface with a
 * campus source, is refused and written as such, and decides nothing
 * else: no connection is recorded.  Unknown arrival (a capture): no
 * check.  An interface that does not exist turns the check off, with a
 * warning, rather than count a campus interface as outside.
 */
static void
test_spoofed_sources(void **state)
{
	struct fx		*f = *state;
	const struct event	*ev;
	unsigned		 lo = if_nametoindex("lo");

	assert_true(lo != 0);
	start(f, "campus-interfaces = lo\n");
	assert_string_equal(f->pol->warning, "");
	assert_int_equal(f->pol->ncampus_if, 1);
	/* from the campus side, an outside source to an outside port 25 */
	assert_int_equal(pkt_at(f, T0, OUT2, 40000, OUT, 25, TH_SYN, 1, 0, lo),
	    V_DROP);
	ev = nth(f, EV_POLICY, 0);
	assert_int_equal(ev->policy.reason, R_SPOOFED);
	assert_int_equal(ev->policy.direction, D_OUTBOUND);
	/* from outside, a campus source (the gateway, allowed both ways) */
	assert_int_equal(pkt_at(f, T0, GW, 40000, OUT, 25, TH_SYN, 1, 0,
	    lo + 1000), V_DROP);
	ev = nth(f, EV_POLICY, 1);
	assert_int_equal(ev->policy.reason, R_SPOOFED);
	assert_int_equal(ev->policy.direction, D_TRANSIT);
	assert_int_equal(engine_stats(f->e)->spoofed, 2);
	assert_int_equal(engine_stats(f->e)->flows_created, 0);
	/* the right sides: decided as usual */
	assert_int_equal(pkt_at(f, T0, GW, 40001, OUT, 25, TH_SYN, 1, 0, lo),
	    V_BYPASS);
	assert_int_equal(pkt_at(f, T0, OUT, 40002, GW, 25, TH_SYN, 1, 0,
	    lo + 1000), V_BYPASS);
	assert_int_equal(pkt_at(f, T0, OUT2, 40003, OUT, 25, TH_SYN, 1, 0, 0),
	    V_BYPASS);
	/* monitor mode: written, not dropped */
	start(f, "campus-interfaces = lo\nmode = monitor\n");
	assert_int_equal(pkt_at(f, T0, OUT2, 40000, OUT, 25, TH_SYN, 1, 0, lo),
	    V_ACCEPT);
	assert_int_equal(nth(f, EV_POLICY, 0)->policy.mode, MODE_MONITOR);
	/* a missing interface: no check, and why */
	start(f, "campus-interfaces = lo, nfqd-no-such0\n");
	assert_int_equal(f->pol->ncampus_if, 0);
	assert_non_null(strstr(f->pol->warning, "no interface 'nfqd-no-such0'"));
	assert_int_equal(pkt_at(f, T0, OUT2, 40000, OUT, 25, TH_SYN, 1, 0, lo),
	    V_BYPASS);
}

/*
 * Without the opening, every reading counts: a packet from a port 25 to
 * a port 25 names two possible clients, and a refusal of either decides.
 * A SYN-ACK from the gateway's port 25 to a high port has one reading
 * (inbound to the gateway), allowed, and names the receiver the client.
 */
static void
test_inferred_readings(void **state)
{
	struct fx	*f = *state;

	assert_int_equal(pkt(f, T0, GW, 25, OUT, 40000, TH_SYN | TH_ACK, 1, 0),
	    V_BYPASS);
	check_policy(f, 0, OUT, 40000, GW, 25, A_ALLOWED, D_INBOUND,
	    ROLES_INFERRED);
	/* 25 to 25 between the gateway and outside: both readings allow */
	assert_int_equal(pkt(f, T0, GW, 25, OUT, 25, TH_ACK, 1, 10),
	    V_BYPASS);
	/* between the department server and outside: one refuses */
	assert_int_equal(pkt(f, T0, OUT, 25, DEPT, 25, TH_ACK, 1, 10),
	    V_DROP);
	check_policy(f, 2, DEPT, 25, OUT, 25, A_BLOCKED, D_OUTBOUND,
	    ROLES_INFERRED);
	/* IPv6, the gateway as the sender of a data segment to port 25 */
	assert_int_equal(pkt(f, T0, GW6, 40000, OUT6, 25, TH_ACK, 1, 10),
	    V_BYPASS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn)	cmocka_unit_test_setup_teardown(fn, setup_roles, teardown)
		T(test_synackrst_then_connect_inbound),
		T(test_synackrst_then_connect_outbound),
		T(test_connect_back_after_rst),
		T(test_opened_from_port_25),
		T(test_synack_from_the_opener),
		T(test_syn_from_the_server),
		T(test_new_attempt_same_port),
		T(test_mapped_addresses),
		T(test_spoofed_sources),
		T(test_inferred_readings),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
