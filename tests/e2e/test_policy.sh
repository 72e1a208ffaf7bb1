#!/bin/bash
# The sample policy (nfqd/nfqd.conf + nfqd/exceptions.conf), enforced by
# nfqd-rules + nfqd on the router, proven by real deliveries and refusals,
# IPv4 and IPv6, then by the daemon's policy events.  FASTPATH=tc|xdp runs
# it with the eBPF fast path on (lib.sh; test_fastpath.sh does both).
. "$(dirname "$0")/lib.sh"
e2e_setup

# Without rules this topology delivers (a refusal below is the policy's).
run_cases precheck <<CASES
deliver $WS4 $MTA4
deliver $CLI6 $WS6
CASES

make_conf
rules_install "$CONF"
nfqd_start "$CONF"

run_cases policy <<CASES
refused $WS4    $MTA4   outbound   # plain workstation: no exception
deliver $GW4    $MTA4   outbound   # gateway: both
deliver $CLI4   $GW4    inbound    # gateway: both
deliver $CLI4   $PHYS4  inbound    # 10.20.8.0/24 inbound (prefix)
refused $CLI4   $PHYS66 inbound    # 10.20.8.66 outbound only (more specific)
deliver $PHYS66 $MTA4   outbound   # ... which it may
refused $PHYS4  $MTA4   outbound   # inbound-only prefix does not send
deliver $GEN4   $MTA4   outbound   # genomics: outbound, not expired
refused $OLD4   $MTA4   outbound   # expired
refused $MTA4   $OLD4   inbound    # expired
deliver $WS4    $GW4    internal   # campus to campus
refused $CLI4   $WS4    inbound    # workstation: no exception
deliver $CLI4   $MTA4   transit    # neither end on campus
deliver $CLI6   $GW6    inbound    # IPv6 gateway: both
deliver $GW6    $MTA6   outbound
refused $WS6    $MTA6   outbound   # IPv6 workstation
refused $CLI6   $WS6    inbound
deliver $WS6    $GW6    internal
CASES

nfqd_alive || fail "nfqd is not running after the policy cases"
[ "$FAILS" -gt 0 ] && rules_dump

# Events: give the daemon a moment to write them, then stop it cleanly.
n=$(grep -c '^policy ' "$T/attempts")
eve_wait 5 "$n" "$T/eve.json" policy ||
    say "  note: fewer than $n policy events in eve.json while nfqd runs ($(eve_count "$T/eve.json" policy))"
nfqd_stop TERM 10
if [ "$NFQD_RC" = 0 ]; then pass "nfqd stopped cleanly on SIGTERM"
else fail "nfqd on SIGTERM: exit status $NFQD_RC"; fi
if eve_check_attempts "$T/eve.json" policy; then
	pass "eve.json: one policy event per attempt, right action and direction"
else
	fail "eve.json policy events"
	show_tail "$T/eve.json" 40 "eve.json"
fi
# FASTPATH=tc|xdp (test_fastpath.sh): every refusal above is a dropped SYN,
# so the kernel decided each, and its events say so; all but the
# inbound-only mail server's own attempt to send out, an open-relay sign
# the kernel leaves to the queue (bpf/fastpath.bpf.c).
if [ "$FASTPATH" != off ]; then
	relay=$(grep -c "^policy [0-9]* refused $PHYS4 " "$T/attempts")
	want=$(($(grep -c '^policy [0-9]* refused' "$T/attempts") - relay))
	got=$(eve_count "$T/eve.json" policy pkt_src=kernel policy.action=blocked)
	if [ "$got" = "$want" ]; then
		pass "fastpath $FASTPATH: all $want other refusals decided in the kernel"
	else
		fail "fastpath $FASTPATH: $got kernel policy events for $want refusals"
	fi
	got=$(eve_count "$T/eve.json" policy src_ip="$PHYS4" pkt_src=kernel)
	[ "$relay" -ge 1 ] && [ "$got" = 0 ] &&
	    pass "fastpath $FASTPATH: the relay sign ($PHYS4 sending out) was left to the queue" ||
	    fail "fastpath $FASTPATH: $got kernel events for $PHYS4's $relay attempts (want 0)"
fi
finish
