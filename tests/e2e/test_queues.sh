#!/bin/bash
# Two queues (queues = 0-1): both workers bound, each connection decided
# once whichever queue it lands on, IPv4 and IPv6; every connection of a
# campus host (as client, or as a server with an inbound exception) meets
# the same queue, whoever the other end is, so a relay suspect is seen
# across two queues; SIGUSR1 logs the stats; SIGTERM flushes open flows
# with reason shutdown and unbinds both queues.
. "$(dirname "$0")/lib.sh"
e2e_setup

make_conf
echo "queues = 0-1" >>"$CONF"
rules_install "$CONF"
if ip netns exec "$R" iptables-save | grep -q -- '--queue-balance 0:1'; then
	pass "rules balance over queues 0:1"
else
	fail "no --queue-balance 0:1 rule"
fi
nfqd_start "$CONF"
pass "nfqd bound queues 0 and 1"

run_cases queues <<CASES
refused $WS4    $MTA4   outbound
deliver $GW4    $MTA4   outbound
deliver $CLI4   $GW4    inbound
refused $CLI4   $PHYS66 inbound
deliver $GEN4   $MTA4   outbound
refused $OLD4   $MTA4   outbound
deliver $WS4    $GW4    internal
refused $CLI4   $WS4    inbound
deliver $CLI6   $GW6    inbound
refused $WS6    $MTA6   outbound
CASES

kill -USR1 "$NFQD_PID"
wait_for 30 grep -q 'nfqd: stats:' "$T/nfqd.err"
if grep -q 'nfqd: stats: .* allowed and .* blocked connections' "$T/nfqd.err"; then
	pass "SIGUSR1 logged the stats"
else
	fail "no stats line after SIGUSR1"
	show_tail "$T/nfqd.err" 10 "nfqd stderr"
fi

# Packets each queue has been given so far: "Q0 Q1" (id_sequence).
queued() {
	ip netns exec "$R" awk '$1 == 0 { a = $8 } $1 == 1 { b = $8 }
	    END { print a + 0, b + 0 }' /proc/net/netfilter/nfnetlink_queue
}
# steered TAG QUEUE < cases: the cases' packets went to QUEUE alone (the
# low bit of the campus host's address, nfqd/kernel/rules.c steer_chains).
steered() {
	local tag=$1 want=$2 a0 a1 b0 b1
	read -r a0 a1 < <(queued)
	run_cases "$tag"
	read -r b0 b1 < <(queued)
	if { [ "$want" = 0 ] && [ "$b0" -gt "$a0" ] && [ "$b1" = "$a1" ]; } ||
	    { [ "$want" = 1 ] && [ "$b1" -gt "$a1" ] && [ "$b0" = "$a0" ]; }; then
		pass "$tag: all on queue $want ($((b0 - a0)) and $((b1 - a1)) packets)"
	else
		fail "$tag: queue 0 got $((b0 - a0)) packets, queue 1 $((b1 - a1)); want all on $want"
	fi
}
# The workstation (.44, even) as a client of two outside servers.
steered ws 0 <<CASES
refused $WS4    $MTA4   outbound
refused $WS4    $CLI4   outbound
refused $WS6    $MTA6   outbound
CASES
# The gateway (.25, odd): mail from two outside senders, mail out.
steered gw 1 <<CASES
deliver $CLI4   $GW4    inbound
deliver $MTA4   $GW4    inbound
deliver $GW4    $MTA4   outbound
deliver $GW4    $CLI4   outbound
CASES
# A relay suspect: the physics server (.15, inbound exception only) takes
# mail from outside, then tries to send out.  Both connections meet one
# worker, so its detector sees both (with the pair hash, one time in two
# they went to different workers and nobody saw a relay).
steered relay 1 <<CASES
deliver $CLI4   $PHYS4  inbound
CASES
steered relay 1 <<CASES
refused $PHYS4  $MTA4   outbound
CASES
if eve_wait 5 1 "$T/eve.json" alert alert.metadata.detection.0=relay_suspect \
    alert.metadata.host.0="$PHYS4"; then
	pass "relay_suspect for $PHYS4 across two queues"
else
	fail "no relay_suspect alert for $PHYS4"
fi

n=$(wc -l <"$T/attempts")
eve_wait 5 "$n" "$T/eve.json" policy || true
nfqd_stop TERM 10
[ "$NFQD_RC" = 0 ] && pass "nfqd stopped cleanly on SIGTERM" ||
    fail "nfqd on SIGTERM: exit status $NFQD_RC"
wait_unbound "$CONF" 5 && pass "both queues unbound after stop" ||
    fail "a queue is still bound after stop"
if eve_check_attempts "$T/eve.json" queues,ws,gw,relay; then
	pass "one policy event per attempt across two queues"
else
	fail "eve.json policy events"
	show_tail "$T/eve.json" 40 "eve.json"
fi
# The blocked attempts were still open (reject = no: SYNs dropped): the
# stop flushes them as flow events with reason shutdown.
s=$(eve_count "$T/eve.json" flow flow.reason=shutdown)
if [ "$s" -ge 1 ]; then
	pass "$s open flow(s) flushed with reason shutdown"
else
	fail "no flow event with reason shutdown"
fi
finish
