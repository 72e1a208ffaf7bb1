#!/bin/bash
# Redundant borders: two routers, nfqd and conntrackd (FTFW) on both, the
# hosts' gateways on virtual addresses that move from r1 to r2 the way
# keepalived with conntrackd's primary-backup.sh moves them.
#
#  - a blocked SYN leaves nothing for conntrackd to replicate (no entry in
#    r1's table, none in r2's external cache), an allowed one does, with
#    nfqd's mark;
#  - an allowed SMTP transfer in the middle of its DATA survives the switch
#    and the message arrives intact, and r2 carries it on the replicated
#    connection mark: r2's nfqd never decides it;
#  - new connections are decided on r2 with the same policy;
#  - both nfqd send their events to one collector, told apart by "host".
. "$(dirname "$0")/ha.sh"
ha_setup
pass "r1 and r2 up: nfqd-rules, nfqd and conntrackd on each, r1 primary"

# ---- through r1 -------------------------------------------------------
run_cases before <<CASES
deliver $GW4    $MTA4   outbound
refused $WS4    $MTA4   outbound
deliver $MTA4   $GW4    inbound
refused $MTA4   $WS4    inbound
CASES
n=$(grep -c '^before ' "$T/attempts")
eve_wait 5 "$n" "$T/r1/eve.json" policy
eve_check_attempts "$T/r1/eve.json" before && pass "r1's nfqd decided them" ||
    fail "r1's policy events differ from the attempts"

# What a decision leaves in the kernel, and what conntrackd replicates.
ct_pair() {	# R SRC DST  (either way round, any port: the reset too)
	ip netns exec "$P$1" conntrack -L -p tcp -s "$2" -d "$3" 2>/dev/null
	ip netns exec "$P$1" conntrack -L -p tcp -s "$3" -d "$2" 2>/dev/null
}
ext_pair() {	# R SRC DST
	ctd "$1" -e ct 2>/dev/null | grep -F "src=$2 dst=$3 " | grep -F "dport=25 "
}
# The allowed pair shows the lookup finds entries (in TIME_WAIT by now).
[ -n "$(ct_pair r1 "$GW4" "$MTA4")" ] &&
    pass "allowed $GW4 -> $MTA4: r1 has its conntrack entry" ||
    fail "allowed $GW4 -> $MTA4: no conntrack entry on r1"
for pair in "$WS4 $MTA4" "$MTA4 $WS4"; do
	# shellcheck disable=SC2086
	if [ -z "$(ct_pair r1 $pair)" ]; then
		pass "blocked ${pair/ / -> } (reject = $HA_REJECT): no conntrack entry on r1"
	else
		fail "blocked ${pair/ / -> }: r1 has a conntrack entry"
		ct_pair r1 $pair | sed 's/^/    /'
	fi
done
allowed_ext=""
for _ in $(seq 1 50); do
	allowed_ext=$(ext_pair r2 "$GW4" "$MTA4")
	[ -n "$allowed_ext" ] && break
	sleep 0.1
done
if [ -n "$allowed_ext" ]; then
	pass "allowed $GW4 -> $MTA4 is in r2's external cache: $allowed_ext"
else
	fail "allowed $GW4 -> $MTA4 not in r2's external cache"
fi
# shellcheck disable=SC2086
if [ -z "$(ext_pair r2 $WS4 $MTA4)$(ext_pair r2 $MTA4 $WS4)" ]; then
	pass "nothing of the blocked attempts reached r2's conntrackd"
else
	fail "r2's conntrackd has entries of blocked attempts"
fi

# An allowed SYN that is never answered (no host at 198.51.100.9): its
# SYN_SENT entry is replicated, with nfqd's mark, before any reply.
ip netns exec "${P}gw" timeout 2 bash -c \
    'exec 3<>/dev/tcp/198.51.100.9/25' 2>/dev/null
ext=""
for _ in $(seq 1 50); do
	ext=$(ext_pair r2 "$GW4" 198.51.100.9)
	[ -n "$ext" ] && break
	sleep 0.1
done
case $ext in
*SYN_SENT*mark=*) pass "an unanswered allowed SYN is replicated in SYN_SENT: $ext" ;;
*) fail "unanswered allowed SYN: r2's external cache has '${ext:-nothing}'" ;;
esac

# ---- a transfer in progress across the switch --------------------------
from="e2e-$$-transfer@sender.e2e.test"
bg_ns "$(ns_of "$GW4")" "$T/hold.log" "$T/hold.log" \
    "$PY" "$E2E_DIR/hold.py" --src "$GW4" --dst "$MTA4" --from "$from" \
    --ready "$T/hold.ready" --go "$T/hold.go" --data 30 --every 0.1 \
    --max-wait 60 --timeout 20
HOLD_PID=$BG_PID
for _ in $(seq 1 100); do
	[ -s "$T/hold.ready" ] && break
	kill -0 "$HOLD_PID" 2>/dev/null || break
	sleep 0.1
done
[ -s "$T/hold.ready" ] || { show_tail "$T/hold.log"; fatal "transfer did not reach DATA"; }
sport=$(cat "$T/hold.ready")
pass "transfer $GW4:$sport -> $MTA4:25 in DATA through r1"
eve_wait 5 1 "$T/r1/eve.json" policy src_port="$sport" policy.action=allowed &&
    pass "r1's nfqd allowed it" || fail "r1: no allowed policy event for port $sport"

# Marks are bits: nfqd.conf's defaults (bypass 0x10000000, allowed 0x40000000).
B=$((0x10000000)) A=$((0x40000000))
m1=""
for _ in $(seq 1 30); do
	m1=$(ct_mark r1 "$sport")
	[ -n "$m1" ] && [ $((m1 & (B | A))) != 0 ] && break
	sleep 0.1
done
if [ -n "$m1" ] && [ $((m1 & (B | A))) != 0 ]; then
	pass "r1's conntrack entry carries nfqd's mark ($(printf 0x%x "$m1"))"
else
	fail "r1's conntrack entry has no nfqd mark: $(ct_line r1 "$sport")"
fi
ext=""
for _ in $(seq 1 50); do
	ext=$(ctd_external r2 "$sport")
	case $ext in *mark=$m1*) break ;; esac
	sleep 0.1
done
case $ext in
*mark=$m1*) pass "r2's conntrackd learnt it with the same mark: $ext" ;;
*) fail "r2's external cache: '${ext:-nothing}' (want mark=$m1)" ;;
esac
sleep 1				# more of the body through r1

ha_failover r1 r2
# r1 stops forwarding, as a dead router would: from now on the transfer
# can only go through r2.
ip netns exec "${P}r1" sysctl -qw net.ipv4.ip_forward=0 >/dev/null
[ "$PRIMARY" = r2 ] && pass "switched to r2 (conntrackd -c -f -R -B on r2, addresses moved, r1 forwards nothing)"
touch "$T/hold.go"

for _ in $(seq 1 300); do kill -0 "$HOLD_PID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$HOLD_PID" 2>/dev/null; then
	fail "transfer did not finish within 30 s of the switch"
	show_tail "$T/hold.log"
else
	wait "$HOLD_PID"
	rc=$?
	want=$(sed -n 's/^sha256 \([0-9a-f]*\) size \([0-9]*\)$/\1 \2/p' "$T/hold.log")
	got=$("$PY" - "$T/mail.log" "$from" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r.get("mail_from") == sys.argv[2]:
        print(r.get("sha256"), r.get("size"))
PY
)
	if [ $rc = 0 ] && [ -n "$want" ] && [ "$want" = "$got" ] &&
	    "$PY" "$E2E_DIR/check.py" maillog "$T/mail.log" "$from" "$GW4" "$MTA4"; then
		pass "the transfer completed across the switch, message intact (${want#* } bytes, sha256 ${want%% *})"
	else
		fail "transfer: exit $rc, sent '${want:-?}', server got '${got:-nothing}'"
		show_tail "$T/hold.log"
	fi
fi

# r2 carried it on the replicated state.
line=$(ct_line r2 "$sport")
m2=$(ct_mark r2 "$sport")
pk=$(printf '%s\n' "$line" | sed -n 's/.* packets=\([0-9]*\) .*/\1/p' | head -n 1)
if [ -n "$m2" ] && [ $((m2 & (B | A))) != 0 ] && [ "${pk:-0}" -gt 0 ]; then
	pass "r2's entry: mark $(printf 0x%x "$m2"), $pk packets through r2"
else
	fail "r2's entry for port $sport: '${line:-none}'"
fi
c=$(eve_count "$T/r2/eve.json" policy src_port="$sport")
if [ "$c" = 0 ]; then
	pass "r2's nfqd made no decision on the transfer"
else
	fail "r2's nfqd decided the transfer again ($c policy events)"
fi
# With only the allowed bit (r1 was still inspecting the session), r2
# queues its first packet once: nfqd lets it go on that bit without a
# decision (stats.flow.resumed) and sets the bypass bit; with the bypass
# bit r2 never queues it at all.
if [ $((m1 & B)) = 0 ]; then
	resumed=0
	for _ in $(seq 1 30); do
		resumed=$("$PY" - "$T/r2/eve.json" <<'PY'
import json, sys
n = 0
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e.get("event_type") == "stats":
        n = max(n, e["stats"].get("flow", {}).get("resumed", 0))
print(n)
PY
)
		[ "$resumed" -gt 0 ] && break
		sleep 0.1
	done
	[ "$resumed" -gt 0 ] &&
	    pass "r2's nfqd resumed it on the replicated allowed bit (stats.flow.resumed $resumed)" ||
	    fail "r2's nfqd: stats.flow.resumed is 0"
fi

# ---- new connections on r2 ---------------------------------------------
r1_before=$(eve_count "$T/r1/eve.json" policy)
run_cases after <<CASES
deliver $GW4    $MTA4   outbound
refused $WS4    $MTA4   outbound
deliver $MTA4   $GW4    inbound
refused $MTA4   $WS4    inbound
CASES
n=$(grep -c '^after ' "$T/attempts")
eve_wait 5 "$n" "$T/r2/eve.json" policy
eve_check_attempts "$T/r2/eve.json" after &&
    pass "r2's nfqd decided the new connections, same policy" ||
    fail "r2's policy events differ from the attempts"
[ "$(eve_count "$T/r1/eve.json" policy)" = "$r1_before" ] &&
    pass "r1 saw none of them" || fail "r1 decided connections after the switch"

# ---- one collector, two sensors ------------------------------------------
n1=$(eve_count "$T/r1/eve.json" policy)
n2=$(eve_count "$T/r2/eve.json" policy)
ok=0
for _ in $(seq 1 50); do
	cat "$T"/collect/eve-*.json >"$T/collected.json" 2>/dev/null
	[ "$(eve_count "$T/collected.json" policy host=r1)" = "$n1" ] &&
	    [ "$(eve_count "$T/collected.json" policy host=r2)" = "$n2" ] &&
	    { ok=1; break; }
	sleep 0.1
done
if [ $ok = 1 ]; then
	pass "the collector has both routers' policy events, told apart by host ($n1 r1, $n2 r2)"
else
	fail "collector: $(eve_count "$T/collected.json" policy host=r1) r1 / $(eve_count "$T/collected.json" policy host=r2) r2 policy events, want $n1 / $n2"
fi
if "$PY" - "$T/collected.json" <<'PY'
import json, sys
bad = [l for l in open(sys.argv[1]) if json.loads(l).get("host") not in ("r1", "r2")]
print("    events without host r1/r2:", len(bad))
sys.exit(1 if bad else 0)
PY
then
	pass "every collected event names its router"
else
	fail "collected events without a router's host"
fi
# Both daemons stop cleanly with their collector up (their last events
# delivered), before the trap takes down the rest.
for r in r1 r2; do
	NFQD_PID=${HA_NFQD_PID[$r]}
	nfqd_stop TERM 10
	[ "$NFQD_RC" = 0 ] && pass "$r's nfqd stopped on SIGTERM" ||
	    fail "$r's nfqd on SIGTERM: exit status $NFQD_RC"
done
[ "$FAILS" -gt 0 ] && ha_dump
finish
