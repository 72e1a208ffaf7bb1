#!/bin/bash
# Two queues (queues = 0-1, --queue-balance 0:1): both workers bound, each
# connection decided once whichever queue it lands on, IPv4 and IPv6;
# SIGUSR1 logs the stats; SIGTERM flushes open flows with reason shutdown
# and unbinds both queues.
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
for _ in $(seq 1 30); do grep -q 'nfqd: stats:' "$T/nfqd.err" && break; sleep 0.1; done
if grep -q 'nfqd: stats: .* allowed and .* blocked connections' "$T/nfqd.err"; then
	pass "SIGUSR1 logged the stats"
else
	fail "no stats line after SIGUSR1"
	show_tail "$T/nfqd.err" 10 "nfqd stderr"
fi

n=$(grep -c '^queues ' "$T/attempts")
eve_wait 5 "$n" "$T/eve.json" policy || true
nfqd_stop TERM 10
[ "$NFQD_RC" = 0 ] && pass "nfqd stopped cleanly on SIGTERM" ||
    fail "nfqd on SIGTERM: exit status $NFQD_RC"
wait_unbound "$CONF" 5 && pass "both queues unbound after stop" ||
    fail "a queue is still bound after stop"
if eve_check_attempts "$T/eve.json" queues; then
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
