#!/bin/bash
# Fault: a slow collector.  nfqd's TCP collector accepts the connection
# and never reads (a collector that has hung, or a network that stalls):
# its buffer fills, and with a burst of 20,000 blocked attempts to log,
# nfqd must drop events for it and count them, never wait for it.  Every
# verdict stays what the policy says, the file sink beside it gets an
# event for every decision nfqd made, and at every stats event the stalled sink's written + failed + dropped +
# queued adds up to the events offered to it.  (A dead collector: see
# test_collector.sh.)
. "$(dirname "$0")/lib.sh"
command -v trafgen >/dev/null || fatal "trafgen is not installed (tools/deps.sh: netsniff-ng)"
e2e_setup
port=$((20000 + $$ % 20000))
tcp_blackhole "$port"
SINK="tcp://127.0.0.1:$port"
make_conf
EVE=$T/eve.json
conf_set events "file:$EVE, $SINK"
conf_set event-buffer 64k
conf_set stats-interval 1
rules_install "$CONF"
nfqd_start "$CONF"

run_cases before <<CASES
deliver $GW4  $MTA4 outbound
refused $WS4  $MTA4 outbound
CASES

# 20,000 blocked attempts from spoofed sources: 20,000 policy events.
syn_burst cli "$WS4" 20000 20000 || fatal "burst failed"
run_cases during <<CASES
deliver $GW4  $MTA4  outbound
refused $WS4  $MTA4  outbound
deliver $CLI4 $PHYS4 inbound
refused $CLI4 $WS4   inbound
deliver $GW6  $MTA6  outbound
refused $WS6  $MTA6  outbound
CASES
nfqd_alive || fatal "nfqd died with its collector stalled"
# Two more stats events, then the counters.
n=$(eve_count "$EVE" stats)
eve_wait 10 $((n + 2)) "$EVE" stats || fail "no stats events within 10 s"
d=$("$PY" "$E2E_DIR/check.py" sink "$EVE" "$SINK" dropped)
c=$("$PY" "$E2E_DIR/check.py" sink "$EVE" "$SINK" written)
if [ "$d" -gt 0 ] 2>/dev/null; then
	pass "stalled sink: $d events dropped and counted ($c written)"
else
	fail "stalled sink: dropped '$d' (written '$c')"
fi
for s in "$SINK" "file:$EVE"; do
	if "$PY" "$E2E_DIR/check.py" sinksum "$EVE" "$s" >"$T/sinksum" 2>&1; then
		pass "$s: counters add up at every stats event: $(tail -n 1 "$T/sinksum")"
	else
		fail "$s: counters do not add up"; show_tail "$T/sinksum" 5
	fi
done
# The file sink, beside it, has an event for every decision nfqd made
# (what the kernel let through on a full queue is the degraded rules').
if "$PY" "$E2E_DIR/check.py" decisions "$EVE" >"$T/dec" 2>&1; then
	pass "file sink: $(cat "$T/dec")"
else
	fail "file sink: $(cat "$T/dec")"
fi
eve_check_attempts "$EVE" before,during && pass "every verdict as the policy says" ||
    fail "policy events differ from the attempts"
nfqd_stop TERM 10
[ "$NFQD_RC" = 0 ] && pass "nfqd stops cleanly with the collector still stalled" ||
    fail "nfqd stop: $NFQD_RC"
finish
