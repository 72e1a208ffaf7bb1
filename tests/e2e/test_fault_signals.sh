#!/bin/bash
# Faults by signal, during traffic.
# 1. A storm of 200 SIGHUPs while the gateway sends mail and the
#    workstation is refused: every delivery decided right, the same
#    daemon alive after, and every reload it made (signals coalesce: at
#    most 200) succeeded with the same, unchanged list.
# 2. kill -9 in the middle of deliveries: the in-flight and later
#    sessions go on under the kernel's degraded-mode rules (allowed ones
#    arrive, refused ones stay refused); nfqd started again resumes
#    deciding, with events.  (test_degraded.sh kills between batches and
#    covers every policy case in degraded mode; test_restart.sh keeps an
#    idle session open across restarts.)
. "$(dirname "$0")/lib.sh"
e2e_setup
make_conf
EVE=$T/eve.json
rules_install "$CONF"
nfqd_start "$CONF"
pid=$NFQD_PID

# 1. The storm.
deliver_loop storm "$GW4" "$MTA4" 10
(
	for _ in $(seq 1 200); do
		kill -HUP "$pid" 2>/dev/null || exit 1
		sleep 0.01
	done
) &
HUPPER=$!
STARTED_PIDS+=("$HUPPER")
run_cases storm <<CASES
refused $WS4  $MTA4 outbound
refused $CLI4 $WS4  inbound
deliver $CLI6 $GW6  inbound
CASES
wait "$HUPPER" && pass "200 SIGHUPs sent" || fail "nfqd went away during the storm"
deliver_loop_check storm 10 90
nfqd_alive && [ "$NFQD_PID" = "$pid" ] && pass "same nfqd process after the storm" ||
    fatal "nfqd died in the SIGHUP storm"
# The storm's reloads may still be landing: whole lines only, and the
# check holds whatever their number (1 to 200).
if "$PY" - "$EVE" <<'PY'
import json, sys
r = [e["reload"] for e in map(json.loads, (l for l in open(sys.argv[1]) if l.endswith("\n")))
     if e.get("event_type") == "reload"]
bad = [x for x in r if x.get("status") != "ok" or x.get("exceptions") != 6
       or x.get("added") or x.get("removed") or x.get("changed")]
print("    %d reload events for 200 SIGHUPs, %d not ok/unchanged" % (len(r), len(bad)))
sys.exit(0 if 1 <= len(r) <= 200 and not bad else 1)
PY
then pass "every reload ok, 6 exceptions, nothing added, removed or changed"
else fail "reload events inconsistent"
fi
n=$(grep -c '^storm ' "$T/attempts")
eve_wait 5 "$n" "$EVE" policy
eve_check_attempts "$EVE" storm && pass "one right policy event per attempt during the storm" ||
    fail "policy events during the storm"

# 2. kill -9 mid-traffic.
deliver_loop killed "$GW4" "$MTA4" 8
# Mid-traffic: once the loop's first delivery is done, not after a guess.
wait_for 60 test -s "$T/loop-killed" || fail "no delivery of the loop within 60 s"
nfqd_stop KILL 5
wait_unbound "$CONF" 5 && pass "kill -9 mid-traffic: queue unbound" ||
    fail "queue still bound ${E2E_WAIT} s after kill -9"
run_cases degraded <<CASES
refused $WS4  $MTA4
deliver $CLI4 $GW4
refused $WS6  $MTA6
CASES
# The loop ends under the degraded chain: a delivery still running at
# the restart would be one more GW4 -> MTA4 policy event in eve2.json,
# which holds only the resumed attempts'.
deliver_loop_check killed 8 90
make_conf "$T/conf2" "$T/eve2.json"
nfqd_start "$CONF"
run_cases resumed <<CASES
refused $WS4  $MTA4 outbound
deliver $GW4  $MTA4 outbound
deliver $CLI6 $GW6  inbound
CASES
n=$(grep -c '^resumed ' "$T/attempts")
eve_wait 5 "$n" "$T/eve2.json" policy
eve_check_attempts "$T/eve2.json" resumed && pass "restarted nfqd decides again (events)" ||
    fail "restarted nfqd events"
nfqd_stop TERM 10
[ "$NFQD_RC" = 0 ] && pass "clean stop" || fail "nfqd stop: $NFQD_RC"
[ "$FAILS" -gt 0 ] && rules_dump
finish
