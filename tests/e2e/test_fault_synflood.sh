#!/bin/bash
# Fault: a SYN flood from a million spoofed sources, from the Internet
# side to a campus host's port 25 (every one blocked), while the mail
# gateway has an SMTP session open and sends new mail.  With max-flows
# small, nfqd's memory stays flat once the table is full (SYNs recycle
# their own entries); the open session and new deliveries are unaffected;
# and the counters add up: every packet the kernel queued reached nfqd,
# and every flood packet that reached the router was either queued or
# let through by the kernel's fail-open (then dropped by the degraded-mode
# rules), none unaccounted for.
. "$(dirname "$0")/lib.sh"
command -v trafgen >/dev/null || fatal "trafgen is not installed (tools/deps.sh: netsniff-ng)"
[ -x "$NFQCTL" ] || fatal "$NFQCTL is not built (make)"
FLOOD=${FLOOD_COUNT:-1000000}
RATE=${FLOOD_RATE:-100000}
MAXF=20000
e2e_setup
make_conf
# A million policy events would be ~0.5 GB: the counters come from
# `nfqctl status`, the events go nowhere.
conf_set events file:/dev/null
conf_set max-flows $MAXF
rules_install "$CONF"
nfqd_start "$CONF"

# Count the flood where it enters the router, before anything decides.
ip netns exec "$R" iptables -t raw -A PREROUTING -i r-cli -p tcp --dport 25 \
    -m comment --comment fault-flood || fatal "raw counting rule"
q_rule() { ipt_pkts "$R" iptables mangle NFQD-QUEUE 'NFQUEUE'; }
nfqd_settle || fatal "nfqd's counters do not match the kernel's before the flood"
seq0=$(nfq_proc 0 seq) rule0=$(q_rule) pk0=$NFQD_SEEN
drop0=$(ipt_pkts "$R" iptables filter NFQD-DEGRADED '-j DROP$')

# The held session: gateway -> outside MTA, open before the flood.
from="e2e-$$-held@sender.e2e.test"
bg_ns "$(ns_of "$GW4")" "$T/hold.log" "$T/hold.log" \
    "$PY" "$E2E_DIR/hold.py" --src "$GW4" --dst "$MTA4" --from "$from" \
    --ready "$T/hold.ready" --go "$T/hold.go" --max-wait 100 --timeout 5
HOLD_PID=$BG_PID
for _ in $(seq 1 100); do
	[ -s "$T/hold.ready" ] && break
	kill -0 "$HOLD_PID" 2>/dev/null || break
	sleep 0.1
done
[ -s "$T/hold.ready" ] || { show_tail "$T/hold.log"; fatal "held session did not open"; }
pass "session $GW4 -> $MTA4:25 open"

deliver_loop during "$GW4" "$MTA4" 6
t0=$(date +%s.%N)
syn_burst cli "$WS4" "$FLOOD" "$RATE" &
FLOOD_PID=$!
STARTED_PIDS+=("$FLOOD_PID")
# RSS every 0.5 s; the table full from which sample on.  The active count
# comes from `nfqctl status` only until the table is full ("-" after): each
# request's replies are freed, but under ASan freed memory waits in its
# quarantine (about 46 kB a request here), so polling would grow RSS with
# the flood's duration, and a loaded machine would fail the check with
# memory the test itself had nfqd allocate.  /proc costs nfqd nothing.
: >"$T/rss"
active=0
while kill -0 "$FLOOD_PID" 2>/dev/null; do
	if [ "$active" = - ] || [ "$active" -ge "$MAXF" ] 2>/dev/null; then
		active=-
	else
		active=$(status_get stats.flow.active)
	fi
	printf '%s %s\n' "$(nfqd_rss)" "$active" >>"$T/rss"
	sleep 0.5
done
wait "$FLOOD_PID" || fail "flood generator failed"
secs=$(echo "$(date +%s.%N) - $t0" | bc)
printf '%s -\n' "$(nfqd_rss)" >>"$T/rss"
say "    flood of $FLOOD SYNs took ${secs} s; RSS kB / active flows: $(awk '{ printf "%s/%s ", $1, $2 }' "$T/rss")"

nfqd_alive || fatal "nfqd died during the flood"
# Memory: flat once the table is full (first sample at max-flows on; a
# "-" compares below it).
if awk -v m=$MAXF 'BEGIN { base = -1 } $2 >= m && base < 0 { base = $1 }
    base >= 0 && $1 > max { max = $1 }
    END { if (base < 0) { print "never full"; exit 1 }
          printf "RSS %d kB when full, at most %d kB after\n", base, max
          exit !(max - base <= 2048) }' "$T/rss" >"$T/rss.verdict"; then
	pass "memory flat at max-flows $MAXF: $(cat "$T/rss.verdict")"
else
	fail "memory not flat at max-flows $MAXF: $(cat "$T/rss.verdict") (tolerance 2048 kB)"
fi
active=$(status_get stats.flow.active)
[ "$active" -le $MAXF ] 2>/dev/null && pass "flow table holds $active <= $MAXF" ||
    fail "flow table holds $active (max-flows $MAXF)"

# The open session still works: finish its mail.
kill -0 "$HOLD_PID" 2>/dev/null && pass "held session alive through the flood" ||
    fail "held session ended during the flood: $(tail -n 1 "$T/hold.log")"
touch "$T/hold.go"
for _ in $(seq 1 150); do kill -0 "$HOLD_PID" 2>/dev/null || break; sleep 0.1; done
wait "$HOLD_PID"
if [ $? = 0 ] && "$PY" "$E2E_DIR/check.py" maillog "$T/mail.log" "$from" "$GW4" "$MTA4"; then
	pass "held session delivered its mail after the flood"
else
	fail "held session did not deliver"; show_tail "$T/hold.log" 5
fi
deliver_loop_check during 6 60

# The counters.  Wait for nfqd's once-a-second snapshot to catch up.
nfqd_settle 10
seq1=$(nfq_proc 0 seq) pk1=$NFQD_SEEN
arrived=$(ipt_pkts "$R" iptables raw PREROUTING 'fault-flood')
rule1=$(q_rule)
drop1=$(ipt_pkts "$R" iptables filter NFQD-DEGRADED '-j DROP$')
queued=$((seq1 - seq0)) seen=$((pk1 - pk0)) hits=$((rule1 - rule0))
failopen=$((hits - queued)) kdrop=$((drop1 - drop0))
say "    sent $FLOOD, arrived $arrived, queue rule $hits, queued $queued, nfqd saw $seen, fail-open $failopen (degraded-mode drops $kdrop)"
[ "$seen" = "$queued" ] && pass "nfqd saw every packet the kernel queued ($seen)" ||
    fail "nfqd saw $seen packets, the kernel queued $queued"
# The queue rule saw the flood plus the gateway's few hundred packets.
other=$((hits - arrived))
if [ "$other" -ge 0 ] && [ "$other" -le 2000 ]; then
	pass "queue rule: the $arrived flood packets + $other others"
else
	fail "queue rule counted $hits for $arrived flood packets"
fi
# Fail-open packets (not counted by the kernel) meet the degraded rules:
# every flood packet nfqd did not see was dropped there (the gateway's
# packets that failed open were let through).
if [ "$failopen" -ge 0 ] && [ "$kdrop" -le "$failopen" ] && [ "$kdrop" -ge $((failopen - other)) ]; then
	pass "fail-open passes ($failopen) dropped by the degraded-mode rules ($kdrop)"
else
	fail "fail-open passes $failopen, degraded-mode drops $kdrop"
fi
# Stated tolerance: at most 5% lost before netfilter (the veth backlog on
# a loaded machine); what arrived is what the counters account for.
if [ "$arrived" -ge $((FLOOD * 95 / 100)) ] && [ "$arrived" -le "$FLOOD" ]; then
	pass "$arrived of $FLOOD flood packets reached the router (tolerance 5%)"
else
	fail "$arrived of $FLOOD flood packets reached the router (tolerance 5%)"
fi
blocked=$(status_get stats.policy.blocked)
[ "$blocked" -ge $((queued - other - 1000)) ] 2>/dev/null &&
    pass "nfqd blocked $blocked connections" || fail "nfqd blocked only $blocked"
[ "$FAILS" -gt 0 ] && rules_dump
finish
