#!/bin/bash
# An allowed SMTP session that stays open survives restarts of nfqd (SIGTERM
# then start, SIGKILL then start) and then completes its mail.  Its
# conntrack mark keeps it out of the queue: the restarted daemons never
# make a policy decision on it, though it sends a NOOP every half second.
. "$(dirname "$0")/lib.sh"
e2e_setup
make_conf
rules_install "$CONF"
nfqd_start "$CONF"

# The held session: gateway -> outside MTA (allowed outbound, exception).
from="e2e-$$-held@sender.e2e.test"
bg_ns "$(ns_of "$GW4")" "$T/hold.log" "$T/hold.log" \
    "$PY" "$E2E_DIR/hold.py" --src "$GW4" --dst "$MTA4" --from "$from" \
    --ready "$T/hold.ready" --go "$T/hold.go" --max-wait 90
HOLD_PID=$BG_PID
for _ in $(seq 1 100); do
	[ -s "$T/hold.ready" ] && break
	kill -0 "$HOLD_PID" 2>/dev/null || break
	sleep 0.1
done
[ -s "$T/hold.ready" ] || { show_tail "$T/hold.log"; fatal "held session did not open"; }
sport=$(cat "$T/hold.ready")
pass "session $GW4:$sport -> $MTA4:25 open after EHLO"

if eve_wait 5 1 "$T/eve.json" policy src_port="$sport" policy.action=allowed; then
	pass "first nfqd allowed the session (policy event)"
else
	fail "first nfqd: no allowed policy event for port $sport"
fi
ct() {
	ip netns exec "$R" conntrack -L -p tcp --orig-port-src "$sport" 2>/dev/null |
	    sed 's/^/    conntrack: /'
}
[ "$E2E_VERBOSE" = 1 ] && ct

sleep 1
nfqd_stop TERM 10
[ "$NFQD_RC" = 0 ] && pass "nfqd stopped on SIGTERM" ||
    fail "nfqd on SIGTERM: exit status $NFQD_RC"
sleep 1				# the session goes on with no daemon bound
make_conf "$T/conf2" "$T/eve2.json"
nfqd_start "$CONF"
sleep 2				# ... and through the second daemon
nfqd_stop KILL 5
wait_unbound "$CONF" 5 || fail "queue still bound after kill -9"
sleep 1
make_conf "$T/conf3" "$T/eve3.json"
nfqd_start "$CONF"
sleep 2
kill -0 "$HOLD_PID" 2>/dev/null && pass "held session alive across two restarts" ||
    fail "held session ended during the restarts"

# Complete the mail.
touch "$T/hold.go"
for _ in $(seq 1 150); do kill -0 "$HOLD_PID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$HOLD_PID" 2>/dev/null; then
	fail "held session did not finish within 15 s"
else
	wait "$HOLD_PID"
	rc=$?
	if [ $rc = 0 ] && "$PY" "$E2E_DIR/check.py" maillog "$T/mail.log" "$from" "$GW4" "$MTA4"; then
		pass "held session delivered its mail after the restarts"
	else
		fail "held session: exit $rc, mail not in the server log"
		show_tail "$T/hold.log"
	fi
fi

# The daemon now running is on the path and enforcing ...
run_cases after <<CASES
deliver $CLI4 $GW4 inbound	# not the held pair
refused $WS4 $MTA4 outbound
CASES
n=$(grep -c '^after ' "$T/attempts")
eve_wait 5 "$n" "$T/eve3.json" policy
eve_check_attempts "$T/eve3.json" after && pass "third nfqd logs new sessions" ||
    fail "third nfqd events for new sessions"
# ... but neither restarted daemon decided on the held session.
for eve in eve2.json eve3.json; do
	c=$(eve_count "$T/$eve" policy src_port="$sport")
	if [ "$c" = 0 ]; then pass "$eve: no policy event for the held session"
	else fail "$eve: $c policy event(s) for the held session (it was queued again)"; ct; fi
done
nfqd_alive || fail "nfqd is not running at the end"
[ "$FAILS" -gt 0 ] && rules_dump
finish
