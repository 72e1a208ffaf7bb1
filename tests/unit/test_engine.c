/*
 * The packet pipeline end to end: engine_new / engine_packet /
 * engine_flush with an emit callback that records every event.
 */
#include "engine_fx.h"
#include "engine/smtp.h"

static void
test_syn_retransmissions_one_decision(void **state)
{
	struct fx		*f = *state;
	const struct event	*ev;

	assert_int_equal(tcp(f, T0, "10.20.3.3", 40000, OUT, 25, TH_SYN, 0),
	    V_DROP);
	assert_int_equal(tcp(f, T0 + 1 * SEC, "10.20.3.3", 40000, OUT, 25,
	    TH_SYN, 0), V_DROP);
	assert_int_equal(tcp(f, T0 + 3 * SEC, "10.20.3.3", 40000, OUT, 25,
	    TH_SYN, 0), V_DROP);
	assert_int_equal(count(f, EV_POLICY), 1);
	assert_int_equal(count(f, EV_FLOW), 0);
	ev = nth(f, EV_POLICY, 0);
	check_tuple(ev, "10.20.3.3", 40000, OUT, 25);
	assert_int_equal(ev->ts_us, T0);
	assert_int_equal(ev->policy.action, A_BLOCKED);
	assert_int_equal(ev->policy.direction, D_OUTBOUND);
	assert_int_equal(ev->policy.reason, R_NO_EXCEPTION);
	assert_int_equal(ev->policy.mode, MODE_ENFORCE);
	assert_string_equal(ev->policy.exc.entry, "");
	assert_true(ev->flow_id != 0 && ev->flow_id < (1ULL << 51));

	engine_flush(f->e, FE_END_OF_CAPTURE);
	assert_int_equal(count(f, EV_FLOW), 1);
	ev = nth(f, EV_FLOW, 0);
	assert_int_equal(ev->flow_id, nth(f, EV_POLICY, 0)->flow_id);
	check_tuple(ev, "10.20.3.3", 40000, OUT, 25);
	assert_int_equal(ev->flow.pkts[0], 3);
	assert_int_equal(ev->flow.pkts[1], 0);
	assert_int_equal(ev->flow.bytes[0], 3 * 40);
	assert_int_equal(ev->flow.start_us, T0);
	assert_int_equal(ev->flow.end_us, T0 + 3 * SEC);
	assert_int_equal(ev->flow.state, FS_NEW);
	assert_int_equal(ev->flow.end, FE_END_OF_CAPTURE);
	assert_int_equal(ev->flow.action, A_BLOCKED);
	assert_int_equal(ev->flow.direction, D_OUTBOUND);
	assert_int_equal(engine_stats(f->e)->blocked, 1);
	assert_int_equal(engine_stats(f->e)->pkts_dropped, 3);
	assert_int_equal(engine_stats(f->e)->flows_created, 1);
}

static void
test_port_reuse_after_rst(void **state)
{
	struct fx		*f = *state;
	const struct event	*ev;

	assert_int_equal(handshake(f, T0, OUT, 50000, "10.20.1.25", 25),
	    V_BYPASS);
	tcp(f, T0 + SEC, OUT, 50000, "10.20.1.25", 25, TH_ACK | TH_PSH, 30);
	tcp(f, T0 + 2 * SEC, "10.20.1.25", 25, OUT, 50000, TH_RST, 0);
	/* packets after the RST belong to the closed connection */
	tcp(f, T0 + 2 * SEC + 1, OUT, 50000, "10.20.1.25", 25, TH_ACK, 0);
	assert_int_equal(count(f, EV_POLICY), 1);
	assert_int_equal(count(f, EV_FLOW), 0);

	/* the same four-tuple opens again */
	assert_int_equal(tcp(f, T0 + 4 * SEC, OUT, 50000, "10.20.1.25", 25,
	    TH_SYN, 0), V_BYPASS);
	assert_int_equal(count(f, EV_POLICY), 2);
	assert_int_equal(count(f, EV_FLOW), 1);
	/* the old one is reported first, ended by its RST */
	assert_int_equal(f->ev[1].type, EV_FLOW);
	ev = &f->ev[1];
	assert_int_equal(ev->flow_id, f->ev[0].flow_id);
	assert_int_equal(ev->flow.end, FE_RST);
	assert_int_equal(ev->flow.state, FS_CLOSED);
	assert_int_equal(ev->flow.pkts[0], 4);
	assert_int_equal(ev->flow.pkts[1], 2);
	assert_int_equal(ev->flow.bytes[0], 40 * 3 + 70);
	ev = nth(f, EV_POLICY, 1);
	assert_int_equal(f->ev[2].type, EV_POLICY);
	assert_true(ev->flow_id != f->ev[0].flow_id);
	check_tuple(ev, OUT, 50000, "10.20.1.25", 25);
	assert_int_equal(ev->policy.action, A_ALLOWED);
	assert_int_equal(ev->policy.reason, R_EXCEPTION);
	assert_string_equal(ev->policy.exc.entry, "10.20.1.25/32");
	assert_string_equal(ev->policy.exc.ticket, "NET-1001");

	engine_flush(f->e, FE_END_OF_CAPTURE);
	assert_int_equal(count(f, EV_FLOW), 2);
	ev = nth(f, EV_FLOW, 1);
	assert_int_equal(ev->flow_id, nth(f, EV_POLICY, 1)->flow_id);
	assert_int_equal(ev->flow.pkts[0], 1);
	assert_int_equal(ev->flow.end, FE_END_OF_CAPTURE);
	assert_int_equal(engine_stats(f->e)->allowed, 2);
	assert_int_equal(engine_stats(f->e)->flows_closed, 1);

	/* same after a client RST and a FIN close */
	start(f, "");
	handshake(f, T0, "10.20.3.3", 41000, OUT, 25);
	tcp(f, T0 + SEC, "10.20.3.3", 41000, OUT, 25, TH_RST | TH_ACK, 0);
	tcp(f, T0 + 2 * SEC, "10.20.3.3", 41000, OUT, 25, TH_SYN, 0);
	assert_int_equal(count(f, EV_POLICY), 2);
	assert_int_equal(count(f, EV_FLOW), 1);
	start(f, "");
	handshake(f, T0, "10.20.1.25", 41000, OUT, 25);
	tcp(f, T0 + SEC, "10.20.1.25", 41000, OUT, 25, TH_FIN | TH_ACK, 0);
	tcp(f, T0 + SEC, OUT, 25, "10.20.1.25", 41000, TH_FIN | TH_ACK, 0);
	tcp(f, T0 + SEC, "10.20.1.25", 41000, OUT, 25, TH_ACK, 0);
	assert_int_equal(tcp(f, T0 + 2 * SEC, "10.20.1.25", 41000, OUT, 25,
	    TH_SYN, 0), V_BYPASS);
	assert_int_equal(count(f, EV_POLICY), 2);
	assert_int_equal(count(f, EV_FLOW), 1);
	assert_int_equal(nth(f, EV_FLOW, 0)->flow.end, FE_FIN);
}

static void
test_midstream_originator_by_smtp_port(void **state)
{
	struct fx		*f = *state;
	const struct event	*ev;

	/* first packet from the server's side, port 25 */
	assert_int_equal(tcp(f, T0, OUT, 25, "10.20.3.3", 40001,
	    TH_ACK | TH_PSH, 50), V_DROP);
	ev = nth(f, EV_POLICY, 0);
	check_tuple(ev, "10.20.3.3", 40001, OUT, 25);
	assert_int_equal(ev->policy.direction, D_OUTBOUND);
	assert_int_equal(ev->policy.action, A_BLOCKED);

	/* first packet from the client's side */
	tcp(f, T0, "10.20.3.4", 40002, OUT, 25, TH_ACK, 0);
	ev = nth(f, EV_POLICY, 1);
	check_tuple(ev, "10.20.3.4", 40002, OUT, 25);
	assert_int_equal(ev->policy.direction, D_OUTBOUND);

	/* inbound, seen from the campus server's reply */
	assert_int_equal(tcp(f, T0, "10.20.1.25", 25, OUT2, 50000,
	    TH_ACK, 0), V_BYPASS);
	ev = nth(f, EV_POLICY, 2);
	check_tuple(ev, OUT2, 50000, "10.20.1.25", 25);
	assert_int_equal(ev->policy.direction, D_INBOUND);
	assert_int_equal(ev->policy.action, A_ALLOWED);

	/* IPv6, address order the other way round */
	tcp(f, T0, OUT6, 25, "2001:db8:20:1::25", 40003, TH_ACK, 0);
	ev = nth(f, EV_POLICY, 3);
	check_tuple(ev, "2001:db8:20:1::25", 40003, OUT6, 25);
	assert_int_equal(ev->policy.direction, D_OUTBOUND);
	assert_int_equal(ev->policy.action, A_ALLOWED);

	/* more packets of the first one: no new decision; to/from split */
	tcp(f, T0 + SEC, "10.20.3.3", 40001, OUT, 25, TH_ACK, 0);
	tcp(f, T0 + SEC, OUT, 25, "10.20.3.3", 40001, TH_ACK, 10);
	assert_int_equal(count(f, EV_POLICY), 4);
	engine_flush(f->e, FE_END_OF_CAPTURE);
	assert_int_equal(count(f, EV_FLOW), 4);
	for (size_t i = 0; i < 4; i++) {
		ev = nth(f, EV_FLOW, i);
		assert_int_equal(ev->flow.state, FS_ESTABLISHED);
		if (ev->flow_id == nth(f, EV_POLICY, 0)->flow_id) {
			check_tuple(ev, "10.20.3.3", 40001, OUT, 25);
			assert_int_equal(ev->flow.pkts[0], 1);
			assert_int_equal(ev->flow.pkts[1], 2);
			assert_int_equal(ev->flow.bytes[1], 90 + 50);
		}
	}
}

static void
test_monitor_bypasses_blocked(void **state)
{
	struct fx		*f = *state;
	const struct event	*ev;

	/* enforce: a blocked flow is dropped, an allowed one bypassed */
	assert_int_equal(tcp(f, T0, OUT2, 50000, "10.20.3.3", 25, TH_SYN, 0),
	    V_DROP);
	assert_int_equal(tcp(f, T0 + SEC, OUT2, 50000, "10.20.3.3", 25,
	    TH_SYN, 0), V_DROP);
	assert_int_equal(tcp(f, T0, OUT2, 50001, "10.20.8.8", 25, TH_SYN, 0),
	    V_BYPASS);
	assert_int_equal(engine_stats(f->e)->pkts_dropped, 2);
	assert_int_equal(engine_stats(f->e)->pkts_accepted, 1);

	start(f, "mode = monitor\n");
	assert_int_equal(tcp(f, T0, OUT2, 50000, "10.20.3.3", 25, TH_SYN, 0),
	    V_BYPASS);
	assert_int_equal(tcp(f, T0 + SEC, OUT2, 50000, "10.20.3.3", 25,
	    TH_SYN, 0), V_BYPASS);
	assert_int_equal(tcp(f, T0, OUT2, 50001, "10.20.8.8", 25, TH_SYN, 0),
	    V_BYPASS);
	ev = nth(f, EV_POLICY, 0);
	/* the event still says what enforce would have done */
	assert_int_equal(ev->policy.action, A_BLOCKED);
	assert_int_equal(ev->policy.reason, R_NO_EXCEPTION);
	assert_int_equal(ev->policy.mode, MODE_MONITOR);
	assert_int_equal(engine_stats(f->e)->pkts_dropped, 0);
	assert_int_equal(engine_stats(f->e)->pkts_accepted, 3);
	assert_int_equal(engine_stats(f->e)->blocked, 1);
	assert_int_equal(engine_stats(f->e)->allowed, 1);

	/* transit block, in both modes */
	start(f, "transit = block\n");
	assert_int_equal(tcp(f, T0, OUT2, 50000, OUT, 25, TH_SYN, 0), V_DROP);
	start(f, "transit = block\nmode = monitor\n");
	assert_int_equal(tcp(f, T0, OUT2, 50000, OUT, 25, TH_SYN, 0),
	    V_BYPASS);
	assert_int_equal(nth(f, EV_POLICY, 0)->policy.direction, D_TRANSIT);
}

/* Many connections of every shape: one flow event each at the end. */
static void
test_one_flow_event_per_connection(void **state)
{
	struct fx	*f = *state;
	char		 c[64];
	uint16_t	 i;
	size_t		 a, b, seen;

	for (i = 0; i < 60; i++) {
		int64_t	 t = T0 + i * 1000;

		snprintf(c, sizeof(c), "10.20.%u.%u", 3 + i % 7, 1 + i);
		switch (i % 6) {
		case 0:		/* SYN only */
			tcp(f, t, c, 40000 + i, OUT, 25, TH_SYN, 0);
			break;
		case 1:		/* established, data */
			handshake(f, t, OUT, 40000 + i, c, 25);
			tcp(f, t + 5000, OUT, 40000 + i, c, 25, TH_ACK, 100);
			break;
		case 2:		/* FIN close */
			handshake(f, t, c, 40000 + i, OUT, 25);
			tcp(f, t + 5000, c, 40000 + i, OUT, 25, TH_FIN | TH_ACK,
			    0);
			tcp(f, t + 6000, OUT, 25, c, 40000 + i, TH_FIN | TH_ACK,
			    0);
			break;
		case 3:		/* refused */
			tcp(f, t, c, 40000 + i, OUT, 25, TH_SYN, 0);
			tcp(f, t + 10, OUT, 25, c, 40000 + i, TH_RST | TH_ACK,
			    0);
			break;
		case 4:		/* mid-stream */
			tcp(f, t, OUT, 25, c, 40000 + i, TH_ACK, 20);
			break;
		case 5:		/* IPv6 */
			snprintf(c, sizeof(c), "2001:db8:20::%x", i);
			handshake(f, t, OUT6, 40000 + i, c, 25);
			break;
		}
	}
	assert_int_equal(count(f, EV_POLICY), 60);
	assert_int_equal(count(f, EV_FLOW), 0);
	engine_flush(f->e, FE_END_OF_CAPTURE);
	assert_int_equal(count(f, EV_FLOW), 60);
	for (a = 0; a < 60; a++) {
		const struct event *pe = nth(f, EV_POLICY, a);

		seen = 0;
		for (b = 0; b < 60; b++)
			if (nth(f, EV_FLOW, b)->flow_id == pe->flow_id)
				seen++;
		assert_int_equal(seen, 1);
	}
	for (b = 0; b < 60; b++) {
		const struct event *fe = nth(f, EV_FLOW, b);

		if (fe->flow.state == FS_CLOSED)
			assert_true(fe->flow.end == FE_FIN ||
			    fe->flow.end == FE_RST);
		else
			assert_int_equal(fe->flow.end, FE_END_OF_CAPTURE);
	}
	assert_int_equal(engine_stats(f->e)->flows_created, 60);
	/* a second flush has nothing left */
	engine_flush(f->e, FE_SHUTDOWN);
	assert_int_equal(count(f, EV_FLOW), 60);
}

static void
test_not_smtp_not_tcp_invalid(void **state)
{
	struct fx		*f = *state;
	const struct stats	*st = engine_stats(f->e);
	uint8_t			 b[256], u[8] = { 0 };
	size_t			 n;

	/* From a capture: every port is there, and not ours is passed. */
	assert_int_equal(tcp(f, T0, "10.20.3.3", 40000, OUT, 80, TH_SYN, 0),
	    V_PASS);
	assert_int_equal(st->other_port, 1);
	n = build_ipv4(b, "10.20.3.3", OUT, 17, u, 8, 0, 0);
	assert_int_equal(engine_packet(f->e, f->pol, LINK_RAW, b, (uint32_t)n,
	    (uint32_t)n, &(struct pkt_info){ .ts = T0 }), V_PASS);
	assert_int_equal(st->not_tcp, 1);
	assert_int_equal(engine_packet(f->e, f->pol, LINK_RAW, b, 10, 10,
	    &(struct pkt_info){ .ts = T0 }), V_PASS);
	assert_int_equal(st->invalid, 1);
	n = build_ip_tcp(b, "10.20.3.3", 40000, OUT, 25, TH_SYN, 0);
	put16(b + 6, 100);		/* a non-first fragment */
	assert_int_equal(engine_packet(f->e, f->pol, LINK_RAW, b, (uint32_t)n,
	    (uint32_t)n, &(struct pkt_info){ .ts = T0 }), V_PASS);
	assert_int_equal(st->fragments, 1);
	assert_int_equal(f->nev, 0);
	assert_int_equal(st->pkts, 4);
	assert_int_equal(st->unparsed_dropped, 0);
}

/*
 * NFQUEUE hands in only packets on SMTP ports (engine_set_smtp_only):
 * one nfqd cannot read is on an SMTP port too, and nothing there passes
 * undecided.  Refused in enforce mode (one event when its addresses are
 * known), accepted in monitor mode, never a flow.  Not TCP (an IPv6
 * mobility header without TCP behind it) is still not the policy's.
 */
static void
test_unparsed_refused_from_the_queue(void **state)
{
	struct fx		*f = *state;
	const struct stats	*st;
	const struct event	*ev;
	uint8_t			 b[2048], u[8] = { 0 };
	size_t			 n;
	int			 monitor;

	for (monitor = 0; monitor < 2; monitor++) {
		start(f, monitor ? "mode = monitor\n" : "");
		engine_set_smtp_only(f->e, true);
		st = engine_stats(f->e);
		/* IPv6 whose destination options run past the bytes copied */
		n = build_ip_tcp(b, "2001:db8:20:3::44", 40000, OUT6, 25,
		    TH_SYN, 0);
		b[6] = 60;			/* next header: dest. options */
		assert_int_equal(engine_packet(f->e, f->pol, LINK_RAW, b, 44,
		    (uint32_t)n, &(struct pkt_info){ .ts = T0 }),
		    monitor ? V_ACCEPT : V_DROP);
		/* a fragment (the kernel reassembles them before the queue) */
		n = build_ip_tcp(b, "10.20.3.3", 40000, OUT, 25, TH_SYN, 0);
		put16(b + 6, 100);
		assert_int_equal(engine_packet(f->e, f->pol, LINK_RAW, b,
		    (uint32_t)n, (uint32_t)n, &(struct pkt_info){ .ts = T0 }),
		    monitor ? V_ACCEPT : V_DROP);
		/* no IP header to speak of: no addresses, no event */
		assert_int_equal(engine_packet(f->e, f->pol, LINK_RAW, b, 10,
		    10, &(struct pkt_info){ .ts = T0 }),
		    monitor ? V_ACCEPT : V_DROP);
		/* not TCP: passed */
		n = build_ipv4(b, "10.20.3.3", OUT, 17, u, 8, 0, 0);
		assert_int_equal(engine_packet(f->e, f->pol, LINK_RAW, b,
		    (uint32_t)n, (uint32_t)n, &(struct pkt_info){ .ts = T0 }),
		    V_PASS);
		assert_int_equal(st->unparsed_dropped, 3);
		assert_int_equal(st->invalid, 2);
		assert_int_equal(st->fragments, 1);
		assert_int_equal(st->flows_created, 0);
		assert_int_equal(count(f, EV_POLICY), 2);
		ev = nth(f, EV_POLICY, 0);
		assert_int_equal(ev->policy.reason, R_UNPARSED);
		assert_int_equal(ev->policy.action, A_BLOCKED);
		assert_int_equal(ev->policy.direction, D_OUTBOUND);
		assert_int_equal(ev->policy.mode, monitor ? MODE_MONITOR :
		    MODE_ENFORCE);
		assert_int_equal(ev->src.af, 6);
	}
}

static void
test_directions_and_exceptions(void **state)
{
	struct fx		*f = *state;
	const struct event	*ev;

	tcp(f, T0, "10.20.3.3", 40000, "10.20.4.4", 25, TH_SYN, 0);
	tcp(f, T0, OUT, 40000, OUT2, 25, TH_SYN, 0);
	tcp(f, T0, OUT, 40000, "10.20.8.66", 25, TH_SYN, 0);
	tcp(f, T0, "10.20.8.66", 40000, OUT, 25, TH_SYN, 0);
	ev = nth(f, EV_POLICY, 0);
	assert_int_equal(ev->policy.direction, D_INTERNAL);
	assert_int_equal(ev->policy.reason, R_INTERNAL);
	ev = nth(f, EV_POLICY, 1);
	assert_int_equal(ev->policy.direction, D_TRANSIT);
	assert_int_equal(ev->policy.action, A_ALLOWED);
	ev = nth(f, EV_POLICY, 2);
	assert_int_equal(ev->policy.direction, D_INBOUND);
	assert_int_equal(ev->policy.action, A_ALLOWED);
	assert_string_equal(ev->policy.exc.entry, "10.20.8.0/24");
	assert_int_equal(ev->policy.exc.dir, EXC_INBOUND);
	assert_string_equal(ev->policy.exc.ticket, "NET-1187");
	ev = nth(f, EV_POLICY, 3);
	assert_int_equal(ev->policy.direction, D_OUTBOUND);
	assert_int_equal(ev->policy.action, A_BLOCKED);
	assert_int_equal(ev->policy.reason, R_EXCEPTION_DIRECTION);
	assert_string_equal(ev->policy.exc.entry, "10.20.8.0/24");
}

static void
test_expiry_boundary_by_packet_time(void **state)
{
	struct fx		*f = *state;
	const struct event	*ev;

	assert_int_equal(tcp(f, T_0901 - 1, OUT, 50000, "10.20.7.7", 25,
	    TH_SYN, 0), V_BYPASS);
	assert_int_equal(tcp(f, T_0901, OUT, 50001, "10.20.7.7", 25, TH_SYN,
	    0), V_DROP);
	ev = nth(f, EV_POLICY, 0);
	assert_int_equal(ev->policy.reason, R_EXCEPTION);
	ev = nth(f, EV_POLICY, 1);
	assert_int_equal(ev->policy.reason, R_EXCEPTION_EXPIRED);
	assert_string_equal(ev->policy.exc.entry, "10.20.7.7/32");
	assert_string_equal(ev->policy.exc.expires, "2026-08-31");
	/* an allowed connection keeps its decision past the boundary */
	assert_int_equal(tcp(f, T_0901 + SEC, OUT, 50000, "10.20.7.7", 25,
	    TH_ACK, 0), V_BYPASS);
}

static void
test_timeouts_by_tick_and_packets(void **state)
{
	struct fx		*f = *state;
	const struct event	*ev;

	tcp(f, T0, "10.20.3.3", 40000, OUT, 25, TH_SYN, 0);
	engine_tick(f->e, T0 + 29 * SEC);
	assert_int_equal(count(f, EV_FLOW), 0);
	engine_tick(f->e, T0 + 30 * SEC);
	assert_int_equal(count(f, EV_FLOW), 1);
	ev = nth(f, EV_FLOW, 0);
	assert_int_equal(ev->flow.end, FE_TIMEOUT);
	assert_int_equal(ev->ts_us, T0 + 30 * SEC);
	assert_int_equal(engine_stats(f->e)->flows_timeout, 1);
	/* the retry is a new connection, decided again */
	tcp(f, T0 + 31 * SEC, "10.20.3.3", 40000, OUT, 25, TH_SYN, 0);
	assert_int_equal(count(f, EV_POLICY), 2);

	/* an established connection lives an hour; a packet expires others */
	handshake(f, T0 + 40 * SEC, OUT, 50000, "10.20.1.25", 25);
	tcp(f, T0 + 3641 * SEC, OUT2, 50000, "10.20.1.25", 25, TH_SYN, 0);
	assert_int_equal(count(f, EV_FLOW), 3);
	ev = nth(f, EV_FLOW, 2);
	check_tuple(ev, OUT, 50000, "10.20.1.25", 25);
	assert_int_equal(ev->flow.state, FS_ESTABLISHED);
	assert_int_equal(ev->flow.end, FE_TIMEOUT);
	/* time never runs backwards */
	tcp(f, T0, OUT2, 50000, "10.20.1.25", 25, TH_ACK, 0);
	engine_flush(f->e, FE_END_OF_CAPTURE);
	ev = nth(f, EV_FLOW, 3);
	check_tuple(ev, OUT2, 50000, "10.20.1.25", 25);
	assert_int_equal(ev->flow.end_us, T0 + 3641 * SEC);
}

static void
test_full_table_never_evicts_established(void **state)
{
	struct fx		*f = *state;
	char			 c[32];
	uint16_t		 i;

	start(f, "max-flows = 16\n");
	for (i = 0; i < 16; i++) {
		snprintf(c, sizeof(c), "10.20.1.%u", 100 + i);
		handshake(f, T0, c, 40000, OUT, 25);
	}
	assert_int_equal(count(f, EV_POLICY), 16);
	/* no room: decided and reported, but not tracked */
	assert_int_equal(tcp(f, T0 + SEC, OUT, 40000, "10.20.1.25", 25,
	    TH_SYN, 0), V_BYPASS);
	assert_int_equal(tcp(f, T0 + SEC, "10.20.3.3", 40000, OUT, 25,
	    TH_SYN, 0), V_DROP);
	assert_int_equal(count(f, EV_POLICY), 18);
	assert_int_equal(count(f, EV_FLOW), 0);
	assert_int_equal(engine_stats(f->e)->flows_untracked, 2);
	engine_flush(f->e, FE_SHUTDOWN);
	assert_int_equal(count(f, EV_FLOW), 16);

	/* new (SYN-only) flows are recycled for newcomers */
	start(f, "max-flows = 16\n");
	for (i = 0; i < 17; i++) {
		snprintf(c, sizeof(c), "10.20.1.%u", 100 + i);
		tcp(f, T0 + i, c, 40000, OUT, 25, TH_SYN, 0);
	}
	assert_int_equal(count(f, EV_FLOW), 1);
	assert_int_equal(nth(f, EV_FLOW, 0)->flow.end, FE_EVICTED);
	check_tuple(nth(f, EV_FLOW, 0), "10.20.1.100", 40000, OUT, 25);
	assert_int_equal(engine_stats(f->e)->flows_evicted, 1);
}

static void
test_stats_event(void **state)
{
	struct fx		*f = *state;
	const struct event	*ev;

	handshake(f, T0, OUT, 50000, "10.20.1.25", 25);
	tcp(f, T0 + SEC, "10.20.3.3", 40000, OUT, 25, TH_SYN, 0);
	tcp(f, T0 + 2 * SEC, "2001:db8:20::5", 40000, OUT6, 25, TH_SYN, 0);
	engine_stats_event(f->e);
	/* nfqd's stats, then Suricata's, of one snapshot */
	assert_int_equal(f->ev[f->nev - 1].type, EV_STATS);
	assert_memory_equal(&f->ev[f->nev - 2].stats, &f->ev[f->nev - 1].stats,
	    sizeof(struct stats));
	ev = &f->ev[f->nev - 2];
	assert_int_equal(ev->type, EV_NFQD_STATS);
	assert_int_equal(ev->ts_us, T0 + 2 * SEC);
	assert_int_equal(ev->stats.start_us, T0);
	assert_int_equal(ev->stats.pkts, 5);
	assert_int_equal(ev->stats.ipv4, 4);
	assert_int_equal(ev->stats.ipv6, 1);
	assert_int_equal(ev->stats.allowed, 1);
	assert_int_equal(ev->stats.blocked, 2);
	assert_int_equal(ev->stats.flows_created, 3);
	assert_int_equal(ev->stats.flows_active, 3);
	assert_int_equal(ev->stats.events, 5);	/* 3 policy + these two */
}

static void
test_bypass_source(void **state)
{
	struct fx	*f = *state;

	engine_set_bypass(f->e, true);
	handshake(f, T0, OUT, 50000, "10.20.1.25", 25);
	assert_int_equal(tcp(f, T0, OUT, 50001, "10.20.3.3", 25, TH_SYN, 0),
	    V_DROP);
	engine_flush(f->e, FE_SHUTDOWN);
	assert_int_equal(count(f, EV_FLOW), 2);
	assert_int_equal(nth(f, EV_FLOW, 0)->flow.state, FS_NEW);
	assert_int_equal(nth(f, EV_FLOW, 1)->flow.state, FS_BYPASSED);
}

/*
 * Two connections on one four-tuple that start in the same microsecond
 * (a RST and the client's next SYN in one capture tick, or timestamps
 * that go backwards, which the engine clamps) are still two flows.
 */
static void
test_flow_ids_unique_within_one_microsecond(void **state)
{
	struct fx	*f = *state;
	uint64_t	 id0, id1;

	tcp(f, T0, OUT, 50000, "10.20.1.25", 25, TH_SYN, 0);
	tcp(f, T0, "10.20.1.25", 25, OUT, 50000, TH_RST | TH_ACK, 0);
	tcp(f, T0, OUT, 50000, "10.20.1.25", 25, TH_SYN, 0);
	assert_int_equal(count(f, EV_POLICY), 2);
	assert_int_equal(count(f, EV_FLOW), 1);
	id0 = nth(f, EV_POLICY, 0)->flow_id;
	id1 = nth(f, EV_POLICY, 1)->flow_id;
	assert_int_equal(nth(f, EV_FLOW, 0)->flow_id, id0);
	if (id0 == id1)
		fail_msg("both connections got flow_id %llu",
		    (unsigned long long)id0);

	/* the same with the capture clock stepping backwards */
	start(f, "");
	tcp(f, T0 + SEC, OUT2, 50000, "10.20.1.25", 25, TH_SYN, 0);
	tcp(f, T0, OUT, 50001, "10.20.1.25", 25, TH_SYN, 0);
	tcp(f, T0, "10.20.1.25", 25, OUT, 50001, TH_RST | TH_ACK, 0);
	tcp(f, T0 + 1, OUT, 50001, "10.20.1.25", 25, TH_SYN, 0);
	assert_int_equal(count(f, EV_POLICY), 3);
	id0 = nth(f, EV_POLICY, 1)->flow_id;
	id1 = nth(f, EV_POLICY, 2)->flow_id;
	if (id0 == id1)
		fail_msg("both connections got flow_id %llu",
		    (unsigned long long)id0);
}

static uint64_t rng_state = 0x853c49e6748fea9bULL;

/*
 * xorshift64*: the multiply mixes every state bit into the output; the
 * bare shift's neighbouring outputs were so alike in their low bits that
 * a packet's direction chose its flags (no opener ever sent a SYN-ACK).
 */
static uint32_t
rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dULL) >> 32);
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t	 x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Random traffic over a few hosts and ports, with timeouts and a table
 * small enough to evict: every tracked connection's policy event gets
 * exactly one flow event, and the counters add up.
 */
static void
test_random_traffic_invariants(void **state)
{
	static const char *const hosts[] = { "10.20.1.25", "10.20.3.3",
	    "10.20.8.8", OUT, OUT2 };
	static const uint8_t flags[] = { TH_SYN, TH_SYN, TH_SYN | TH_ACK,
	    TH_ACK, TH_ACK | TH_PSH, TH_FIN | TH_ACK, TH_RST,
	    TH_RST | TH_ACK };
	struct fx		*f = *state;
	const struct stats	*st;
	uint64_t		*pol, *flw;
	size_t			 npol, nflw, i, j;
	uint64_t		 folded;
	int64_t			 t = T0;
	int			 mode, r, drops, others;
	unsigned		 k;

	for (mode = 0; mode < 2; mode++) {
		start(f, mode ? "max-flows = 16\nmode = monitor\n"
		    "timeout-new = 5\ntimeout-established = 60\n"
		    "timeout-closed = 2\n" :
		    "max-flows = 16\ntimeout-new = 5\ntimeout-closed = 2\n");
		drops = others = 0;
		for (k = 0; k < 20000; k++) {
			const char	*a = hosts[rng() % NELEM(hosts)];
			const char	*b = hosts[rng() % NELEM(hosts)];
			uint16_t	 pa = (uint16_t)(40000 + rng() % 8);

			if (a == b)
				continue;
			/* strictly later: same-microsecond ids are tested apart */
			t += 1 + (rng() % 4 == 0 ? (int64_t)(rng() % 3000) * 1000 :
			    0);
			if (rng() % 2)
				r = tcp(f, t, a, pa, b, 25,
				    flags[rng() % NELEM(flags)], rng() % 3);
			else
				r = tcp(f, t, b, 25, a, pa,
				    flags[rng() % NELEM(flags)], rng() % 3);
			assert_in_range(r, V_ACCEPT, V_PASS);
			if (r == V_DROP)
				drops++;
			/* every packet has port 25 at one end: none */
			if (r == V_PASS)
				others++;
		}
		engine_flush(f->e, FE_END_OF_CAPTURE);
		st = engine_stats(f->e);
		assert_int_equal(st->pkts, st->pkts_accepted + st->pkts_dropped);
		assert_int_equal(st->pkts_dropped, drops);
		assert_int_equal(st->other_port, others);
		if (mode == 1)
			assert_int_equal(drops, 0);
		else
			assert_true(drops > 0);
		npol = count(f, EV_POLICY);
		nflw = count(f, EV_FLOW);
		/*
		 * Flood control folds some blocked decisions into summaries:
		 * each is either a policy event or counted in one, never
		 * both, and their connections get no flow event.
		 */
		for (i = 0, folded = 0; i < f->nev; i++)
			if (f->ev[i].type == EV_SUMMARY)
				folded += f->ev[i].summary.count;
		assert_int_equal(folded, st->summarized);
		/* a role conflict decides its connection again, with an event */
		assert_true(st->role_conflicts > 0);
		assert_int_equal(npol + folded, st->flows_created +
		    st->flows_untracked + st->role_conflicts);
		assert_true(nflw <= st->flows_created);
		assert_true(nflw + folded >= st->flows_created);
		assert_int_equal(st->allowed + st->blocked,
		    npol + folded - st->role_conflicts);
		assert_int_equal(others, 0);
		assert_true(st->flows_evicted > 0);
		assert_true(st->flows_timeout > 0);
		assert_true(st->flows_closed > 0);
		assert_int_equal(st->events, f->nev);

		/* flow ids: each flow event matches one policy event */
		pol = malloc(npol * sizeof(*pol));
		flw = malloc(nflw * sizeof(*flw));
		assert_non_null(pol);
		assert_non_null(flw);
		for (i = j = 0; i < f->nev; i++)
			if (f->ev[i].type == EV_POLICY)
				pol[j++] = f->ev[i].flow_id;
		for (i = j = 0; i < f->nev; i++)
			if (f->ev[i].type == EV_FLOW) {
				flw[j++] = f->ev[i].flow_id;
				assert_true(f->ev[i].flow.pkts[0] +
				    f->ev[i].flow.pkts[1] > 0);
				assert_true(f->ev[i].flow.end != FE_NONE);
			}
		qsort(pol, npol, sizeof(*pol), cmp_u64);
		qsort(flw, nflw, sizeof(*flw), cmp_u64);
		for (i = 1; i < nflw; i++)
			assert_true(flw[i] != flw[i - 1]);
		for (i = 0; i < nflw; i++)
			assert_non_null(bsearch(&flw[i], pol, npol,
			    sizeof(*pol), cmp_u64));
		free(pol);
		free(flw);
	}
}

/* One segment with this payload text and these sequence numbers. */
static int
seg(struct fx *f, int64_t ts, const char *src, uint16_t sport,
    const char *dst, uint16_t dport, uint8_t flags, uint32_t seq,
    uint32_t ack, const char *text)
{
	uint8_t		 s[2048], b[2048];
	struct tcpspec	 t = { .sport = sport, .dport = dport, .seq = seq,
			    .ack = ack, .flags = flags };
	size_t		 n, len = strlen(text);

	n = build_tcp(s, &t);
	memcpy(s + n, text, len);
	n = build_ipv4(b, src, dst, 6, s, n + len, 0, 0);
	return engine_packet(f->e, f->pol, LINK_RAW, b, (uint32_t)n,
	    (uint32_t)n, &(struct pkt_info){ .ts = ts });
}

struct conv {
	struct fx	*f;
	const char	*c, *s;
	uint16_t	 cp, sp;
	uint32_t	 cseq, sseq;
	int64_t		 ts;
	int		 accepts, bypasses;
};

static int
say_c(struct conv *v, const char *text)
{
	int	 r = seg(v->f, v->ts += 1000, v->c, v->cp, v->s, v->sp,
		    TH_ACK | TH_PSH, v->cseq, v->sseq, text);

	v->cseq += (uint32_t)strlen(text);
	v->accepts += r == V_ALLOWED;
	v->bypasses += r == V_BYPASS;
	return r;
}

static int
say_s(struct conv *v, const char *text)
{
	int	 r = seg(v->f, v->ts += 1000, v->s, v->sp, v->c, v->cp,
		    TH_ACK | TH_PSH, v->sseq, v->cseq, text);

	v->sseq += (uint32_t)strlen(text);
	v->accepts += r == V_ALLOWED;
	v->bypasses += r == V_BYPASS;
	return r;
}

static void
conv_open(struct conv *v, struct fx *f, const char *c, const char *s)
{
	int	 want;

	memset(v, 0, sizeof(*v));
	v->f = f;
	v->c = c;
	v->s = s;
	v->cp = 40000;
	v->sp = 25;
	v->ts = T0;
	/*
	 * Inspected: accepted with the allowed mark, not bypassed, from the
	 * very first packet (monitor mode: accepted, no mark).
	 */
	want = v->f->pol->conf.mode == MODE_MONITOR ? V_ACCEPT : V_ALLOWED;
	assert_int_equal(seg(f, v->ts, c, v->cp, s, v->sp, TH_SYN, 99, 0, ""),
	    want);
	assert_int_equal(seg(f, v->ts += 1000, s, v->sp, c, v->cp,
	    TH_SYN | TH_ACK, 499, 100, ""), want);
	v->cseq = 100;
	v->sseq = 500;
}

static void
test_smtp_session_classified(void **state)
{
	struct fx		*f = *state;
	struct conv		 v;
	const struct event	*ev;

	start(f, "classify = yes\n");
	conv_open(&v, f, "10.20.1.25", OUT);
	say_s(&v, "220 mx.example.net ESMTP\r\n");
	say_c(&v, "EHLO smtp.campus.example\r\n");
	say_s(&v, "250-mx.example.net\r\n250 PIPELINING\r\n");
	say_c(&v, "MAIL FROM:<Alice@Campus.Example>\r\n");
	say_s(&v, "250 ok\r\n");
	say_c(&v, "RCPT TO:<bob@example.net>\r\n");
	say_s(&v, "250 ok\r\n");
	say_c(&v, "RCPT TO:<nobody@example.net>\r\n");
	say_s(&v, "550 no such user\r\n");
	say_c(&v, "DATA\r\n");
	say_s(&v, "354 go ahead\r\n");
	say_c(&v, "Subject: results\r\n\r\nhello\r\n.\r\n");
	say_s(&v, "250 queued\r\n");
	say_c(&v, "QUIT\r\n");
	say_s(&v, "221 bye\r\n");
	/* A cleartext session is followed to its end: never bypassed. */
	assert_int_equal(v.bypasses, 0);
	assert_int_equal(v.accepts, 15);
	/* the transaction's event came when its message ended */
	assert_int_equal(count(f, EV_SMTP), 1);
	assert_int_equal(count(f, EV_SMTP_SESSION), 0);
	ev = nth(f, EV_SMTP, 0);
	check_tuple(ev, "10.20.1.25", 40000, OUT, 25);
	assert_string_equal(ev->app_proto, "smtp");
	assert_true(ev->has_cid);
	assert_non_null(ev->smtp.tx);
	assert_int_equal(ev->smtp.tx->id, 0);
	assert_string_equal(ev->smtp.tx->helo, "smtp.campus.example");
	/* smtp-addresses defaults to domain: no local parts */
	assert_true(ev->smtp.tx->has_mail_from);
	assert_string_equal(ev->smtp.tx->mail_from, "campus.example");
	assert_int_equal(ev->smtp.tx->n_rcpt_to, 2);
	assert_string_equal(ev->smtp.tx->rcpt_to[1], "example.net");
	assert_int_equal(ev->smtp.addr_mode, SMTP_ADDR_DOMAIN);
	engine_flush(f->e, FE_END_OF_CAPTURE);

	assert_int_equal(count(f, EV_SMTP), 1);
	assert_int_equal(count(f, EV_SMTP_SESSION), 1);
	assert_int_equal(count(f, EV_ALERT), 0);
	ev = nth(f, EV_SMTP_SESSION, 0);
	assert_non_null(ev->smtp_session.meta);
	assert_string_equal(ev->smtp_session.meta->banner, "mx.example.net");
	assert_string_equal(ev->smtp_session.meta->helo,
	    "smtp.campus.example");
	assert_int_equal(ev->smtp_session.meta->transactions, 1);
	assert_int_equal(ev->smtp_session.meta->rcpts, 2);
	assert_int_equal(ev->smtp_session.meta->messages, 1);
	assert_int_equal(ev->smtp_session.meta->replies[3], 1);
	/* the session's event comes before the flow event, same flow */
	assert_int_equal(nth(f, EV_FLOW, 0)->flow_id, ev->flow_id);
	assert_true(ev < nth(f, EV_FLOW, 0));
	assert_string_equal(nth(f, EV_FLOW, 0)->app_proto, "smtp");
	/* one Community ID for the connection, on all its events */
	assert_memory_equal(nth(f, EV_FLOW, 0)->cid, ev->cid,
	    COMMUNITY_ID_HASHLEN);
	assert_memory_equal(nth(f, EV_POLICY, 0)->cid, ev->cid,
	    COMMUNITY_ID_HASHLEN);
}

static void
test_starttls_then_bypass(void **state)
{
	struct fx	*f = *state;
	struct conv	 v;
	int		 i, r = V_ACCEPT;

	start(f, "classify = yes\n");
	conv_open(&v, f, "10.20.1.25", OUT);
	say_s(&v, "220 mx.example.net ESMTP\r\n");
	say_c(&v, "EHLO smtp.campus.example\r\n");
	say_s(&v, "250-mx.example.net\r\n250 STARTTLS\r\n");
	say_c(&v, "STARTTLS\r\n");
	say_s(&v, "220 ready\r\n");
	/* TLS from here: once nDPI is done too, the flow is bypassed. */
	for (i = 0; i < 24 && r != V_BYPASS; i++)
		r = say_c(&v, "\x17\x03\x03\x00\x05hello");
	assert_int_equal(r, V_BYPASS);
	/* no MAIL FROM: one transaction with the HELO, then the session */
	assert_int_equal(count(f, EV_SMTP), 1);
	assert_false(nth(f, EV_SMTP, 0)->smtp.tx->has_mail_from);
	assert_int_equal(count(f, EV_SMTP_SESSION), 1);
	assert_true(nth(f, EV_SMTP_SESSION, 0)->smtp_session.meta->starttls);
	assert_string_equal(nth(f, EV_SMTP_SESSION, 0)->app_proto, "smtp");
}

static void
test_http_on_port_25_alerts(void **state)
{
	struct fx		*f = *state;
	struct conv		 v;
	const struct event	*a;

	start(f, "classify = yes\n");
	conv_open(&v, f, "10.20.1.25", OUT);
	say_c(&v, "GET /index.html HTTP/1.1\r\nHost: www.example.net\r\n"
	    "User-Agent: curl/7.88\r\nAccept: */*\r\n\r\n");
	say_s(&v, "HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: "
	    "text/html\r\nContent-Length: 5\r\n\r\nhello");
	engine_flush(f->e, FE_END_OF_CAPTURE);
	assert_int_equal(count(f, EV_SMTP), 0);
	assert_int_equal(count(f, EV_ALERT), 1);
	a = nth(f, EV_ALERT, 0);
	assert_string_equal(a->app_proto, "http");
	assert_int_equal(a->alert.sid, SID_NON_SMTP);
	assert_string_equal(a->alert.signature,
	    "nfqd: non-SMTP protocol on an SMTP port");
	assert_int_equal(a->dport, 25);
	assert_int_equal(a->flow_id, nth(f, EV_POLICY, 0)->flow_id);
}

static void
test_unknown_payload_alerts(void **state)
{
	struct fx	*f = *state;
	struct conv	 v;
	int		 i;

	start(f, "classify = yes\n");
	conv_open(&v, f, "10.20.1.25", OUT);
	for (i = 0; i < 30; i++) {
		say_c(&v, "\x01\x9a\x7f\x42\xee\x10\x03zz\x80");
		say_s(&v, "\x02\x44\x90\x11\xfe\x31\x07yy\x81");
	}
	engine_flush(f->e, FE_END_OF_CAPTURE);
	assert_int_equal(count(f, EV_SMTP), 0);
	assert_int_equal(count(f, EV_ALERT), 1);
	assert_int_equal(nth(f, EV_ALERT, 0)->alert.sid, SID_UNKNOWN_PAYLOAD);
	assert_string_equal(nth(f, EV_FLOW, 0)->app_proto, "");
}

static void
test_blocked_not_classified(void **state)
{
	struct fx	*f = *state;
	struct conv	 v;

	/* Enforced blocks drop the packets: nothing to classify. */
	start(f, "classify = yes\n");
	assert_int_equal(seg(f, T0, "10.20.3.44", 40000, OUT, 25, TH_SYN, 99,
	    0, ""), V_DROP);
	engine_flush(f->e, FE_END_OF_CAPTURE);
	assert_int_equal(count(f, EV_SMTP) + count(f, EV_ALERT), 0);
	/* In monitor mode it passes, so it is classified. */
	start(f, "classify = yes\nmode = monitor\n");
	conv_open(&v, f, "10.20.3.44", OUT);
	say_s(&v, "220 mx.example.net ESMTP\r\n");
	say_c(&v, "HELO ws.campus.example\r\n");
	say_s(&v, "250 hi\r\n");
	engine_flush(f->e, FE_END_OF_CAPTURE);
	assert_int_equal(count(f, EV_SMTP), 1);
}

static void
test_restart_hint_resumes(void **state)
{
	struct fx	*f = *state;
	uint8_t		 b[2048];
	size_t		 n;

	/*
	 * A packet of a connection nfqd does not know, but that the kernel
	 * says an earlier nfqd allowed (restart mid-session): no second
	 * decision, no event, bypassed.  Even one the policy would block.
	 */
	start(f, "classify = yes\n");
	n = build_ip_tcp(b, "10.20.3.44", 40000, OUT, 25, TH_ACK, 20);
	assert_int_equal(engine_packet(f->e, f->pol, LINK_RAW, b, (uint32_t)n,
	    (uint32_t)n,
	    &(struct pkt_info){ .ts = T0, .hints = HINT_ALLOWED }), V_BYPASS);
	assert_int_equal(f->nev, 0);
	assert_int_equal(engine_stats(f->e)->flows_resumed, 1);
	/* Without the hint the same packet is decided, and blocked. */
	assert_int_equal(engine_packet(f->e, f->pol, LINK_RAW, b, (uint32_t)n,
	    (uint32_t)n, &(struct pkt_info){ .ts = T0 }), V_DROP);
	assert_int_equal(count(f, EV_POLICY), 1);
}

static void
test_kernel_drop_recorded_as_dropped(void **state)
{
	struct fx		*f = *state;
	const struct event	*ev;
	uint8_t			 b[2048];
	size_t			 n;

	/*
	 * A record of the fast path: the kernel dropped a SYN to the mail
	 * gateway (10.20.1.25 has an exception now) by the list it held a
	 * moment before a reload.  The record says blocked, with the
	 * kernel's reason, and the disagreement is counted.
	 */
	n = build_ip_tcp(b, OUT, 40000, "10.20.1.25", 25, TH_SYN, 0);
	assert_int_equal(engine_packet(f->e, f->pol, LINK_RAW, b, (uint32_t)n,
	    (uint32_t)n,
	    &(struct pkt_info){ .ts = T0, .hints = HINT_DROPPED,
	    .kernel_reason = R_NO_EXCEPTION }), V_DROP);
	ev = nth(f, EV_POLICY, 0);
	assert_int_equal(ev->policy.action, A_BLOCKED);
	assert_int_equal(ev->policy.reason, R_NO_EXCEPTION);
	assert_string_equal(ev->policy.exc.entry, "");
	assert_int_equal(engine_stats(f->e)->fp_disagree, 1);
	assert_int_equal(engine_stats(f->e)->blocked, 1);
	/* One the policy blocks as well: its own reason, no disagreement. */
	n = build_ip_tcp(b, "10.20.3.44", 40001, OUT, 25, TH_SYN, 0);
	assert_int_equal(engine_packet(f->e, f->pol, LINK_RAW, b, (uint32_t)n,
	    (uint32_t)n,
	    &(struct pkt_info){ .ts = T0, .hints = HINT_DROPPED,
	    .kernel_reason = R_QUARANTINE }), V_DROP);
	ev = nth(f, EV_POLICY, 1);
	assert_int_equal(ev->policy.reason, R_NO_EXCEPTION);
	assert_int_equal(engine_stats(f->e)->fp_disagree, 1);
	/* Without the hint the gateway's SYN is the policy's: allowed. */
	n = build_ip_tcp(b, OUT, 40002, "10.20.1.25", 25, TH_SYN, 0);
	assert_int_not_equal(engine_packet(f->e, f->pol, LINK_RAW, b,
	    (uint32_t)n, (uint32_t)n, &(struct pkt_info){ .ts = T0 }), V_DROP);
	assert_int_equal(nth(f, EV_POLICY, 2)->policy.action, A_ALLOWED);
}

/*
 * policy-alerts = yes: a blocked connection's policy event is followed by
 * an alert with Suricata's IPS semantics, one signature per direction and
 * reason; in monitor mode its action is allowed.  Off by default.
 */
static void
test_policy_alerts(void **state)
{
	struct fx		*f = *state;
	const struct event	*a;

	tcp(f, T0, "10.20.3.3", 40000, OUT, 25, TH_SYN, 0);
	assert_int_equal(count(f, EV_ALERT), 0);
	start(f, "policy-alerts = yes\n");
	tcp(f, T0, "10.20.3.3", 40000, OUT, 25, TH_SYN, 0);
	tcp(f, T0 + SEC, "10.20.3.3", 40000, OUT, 25, TH_SYN, 0);
	handshake(f, T0 + 2 * SEC, "10.20.1.25", 40001, OUT, 25);
	assert_int_equal(count(f, EV_POLICY), 2);
	assert_int_equal(count(f, EV_ALERT), 1);	/* one per connection */
	a = nth(f, EV_ALERT, 0);
	assert_int_equal(a->alert.sid, SID_POLICY + 10 * D_OUTBOUND +
	    R_NO_EXCEPTION);
	assert_int_equal(a->alert.action, A_BLOCKED);
	assert_int_equal(a->alert.mode, MODE_ENFORCE);
	assert_string_equal(a->alert.signature,
	    "nfqd: outbound SMTP blocked (no-exception)");
	assert_int_equal(a->flow_id, nth(f, EV_POLICY, 0)->flow_id);
	assert_memory_equal(a->cid, nth(f, EV_POLICY, 0)->cid,
	    COMMUNITY_ID_HASHLEN);
	engine_flush(f->e, FE_END_OF_CAPTURE);
	assert_true(nth(f, EV_FLOW, 0)->flow.alerted);
	assert_false(nth(f, EV_FLOW, 1)->flow.alerted);

	start(f, "policy-alerts = yes\nmode = monitor\n");
	tcp(f, T0, "198.51.100.7", 40000, "10.20.3.3", 25, TH_SYN, 0);
	a = nth(f, EV_ALERT, 0);
	assert_int_equal(a->alert.sid, SID_POLICY + 10 * D_INBOUND +
	    R_NO_EXCEPTION);
	assert_int_equal(a->alert.mode, MODE_MONITOR);
}

/*
 * community_id: computed once per connection and carried by its events;
 * community-id = no leaves it out; the seed changes it.
 */
static void
test_community_id(void **state)
{
	struct fx		*f = *state;
	struct ip_addr		 a, b;
	char			 want[COMMUNITY_ID_LEN], got[COMMUNITY_ID_LEN];
	const struct event	*ev;

	tcp(f, T0, "10.20.3.3", 40000, OUT, 25, TH_SYN, 0);
	engine_flush(f->e, FE_END_OF_CAPTURE);
	ev = nth(f, EV_FLOW, 0);
	assert_true(ev->has_cid);
	assert_int_equal(addr_parse("10.20.3.3", &a), 0);
	assert_int_equal(addr_parse(OUT, &b), 0);
	community_id(0, &b, &a, 6, 25, 40000, want);
	community_id_text(ev->cid, got);
	assert_string_equal(got, want);
	assert_memory_equal(nth(f, EV_POLICY, 0)->cid, ev->cid,
	    COMMUNITY_ID_HASHLEN);

	start(f, "community-id-seed = 1\n");
	tcp(f, T0, "10.20.3.3", 40000, OUT, 25, TH_SYN, 0);
	community_id(1, &a, &b, 6, 40000, 25, want);
	community_id_text(nth(f, EV_POLICY, 0)->cid, got);
	assert_string_equal(got, want);

	start(f, "community-id = no\n");
	tcp(f, T0, "10.20.3.3", 40000, OUT, 25, TH_SYN, 0);
	assert_false(nth(f, EV_POLICY, 0)->has_cid);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn)	cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_syn_retransmissions_one_decision),
		T(test_port_reuse_after_rst),
		T(test_midstream_originator_by_smtp_port),
		T(test_monitor_bypasses_blocked),
		T(test_one_flow_event_per_connection),
		T(test_not_smtp_not_tcp_invalid),
		T(test_unparsed_refused_from_the_queue),
		T(test_directions_and_exceptions),
		T(test_expiry_boundary_by_packet_time),
		T(test_timeouts_by_tick_and_packets),
		T(test_full_table_never_evicts_established),
		T(test_stats_event),
		T(test_bypass_source),
		T(test_flow_ids_unique_within_one_microsecond),
		T(test_random_traffic_invariants),
		T(test_smtp_session_classified),
		T(test_starttls_then_bypass),
		T(test_http_on_port_25_alerts),
		T(test_unknown_payload_alerts),
		T(test_blocked_not_classified),
		T(test_restart_hint_resumes),
		T(test_kernel_drop_recorded_as_dropped),
		T(test_policy_alerts),
		T(test_community_id),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
