#!/bin/bash
# Rules installed, daemon started, then kill -9: with no daemon bound, the
# kernel rules (degraded mode: the last exception list, in ipsets) still
# enforce the same policy.  Started again, nfqd resumes deciding.
. "$(dirname "$0")/lib.sh"
e2e_setup
make_conf
rules_install "$CONF"
nfqd_start "$CONF"

run_cases daemon <<CASES
refused $WS4 $MTA4 outbound
deliver $GW4 $MTA4 outbound
CASES

nfqd_stop KILL 5
wait_unbound "$CONF" 5 && pass "queue unbound after kill -9" ||
    fail "queue still bound ${E2E_WAIT} s after kill -9"

run_cases degraded <<CASES
refused $WS4    $MTA4
deliver $GW4    $MTA4
deliver $CLI4   $GW4
deliver $CLI4   $PHYS4
refused $CLI4   $PHYS66
deliver $PHYS66 $MTA4
refused $PHYS4  $MTA4
deliver $GEN4   $MTA4
refused $OLD4   $MTA4
deliver $WS4    $GW4
refused $CLI4   $WS4
deliver $CLI4   $MTA4
deliver $CLI6   $GW6
deliver $GW6    $MTA6
refused $WS6    $MTA6
refused $CLI6   $WS6
deliver $WS6    $GW6
CASES
[ "$FAILS" -gt 0 ] && rules_dump

make_conf "$T/conf2" "$T/eve2.json"
nfqd_start "$CONF"
run_cases resumed <<CASES
refused $WS4  $MTA4 outbound
deliver $GW4  $MTA4 outbound
deliver $CLI6 $GW6  inbound
refused $WS6  $MTA6 outbound
CASES
n=$(grep -c '^resumed ' "$T/attempts")
eve_wait 5 "$n" "$T/eve2.json" policy
eve_check_attempts "$T/eve2.json" resumed && pass "restarted nfqd decides again (events)" ||
    fail "restarted nfqd events"

# Degraded mode enforces the *last* list: add the workstation, reload,
# kill -9 again: with no daemon, the kernel now lets it send.
echo "10.20.3.44 outbound ticket=T-9 owner=test" >>"$EXC"
nfqd_hup ok "$T/eve2.json" &&
    pass "reload with 10.20.3.44 added" || fail "no reload event ok after SIGHUP"
nfqd_stop KILL 5
wait_unbound "$CONF" 5 || fail "queue still bound ${E2E_WAIT} s after the second kill -9"
run_cases reloaded <<CASES
deliver $WS4  $MTA4	# added by the reload
refused $CLI4 $WS4	# outbound only
refused $OLD4 $MTA4	# unchanged
CASES
[ "$FAILS" -gt 0 ] && rules_dump
finish
