#!/bin/bash
# nfqctl against the running daemon, through its control socket: an
# exception added with nfqctl lets the host's mail through without a
# restart, removing it blocks new connections again, a refused edit (or a
# refused reload) leaves traffic as it was; quarantine blocks even the
# mail gateway (exceptions notwithstanding), lifts itself at its time,
# with quarantine start/end events, and survives a restart of the
# daemon; concurrent nfqctl edits all arrive; `status`, `flows` and
# `exceptions` answer JSON; a malformed and an oversized request get an
# error answer and the daemon keeps running; with the daemon stopped,
# edits are made and said to be.
. "$(dirname "$0")/lib.sh"
NFQCTL=${NFQCTL:-$TOP/bin/nfqctl}
case $NFQCTL in /*) ;; *) NFQCTL=$TOP/$NFQCTL ;; esac
[ -x "$NFQCTL" ] || fatal "$NFQCTL is not built (make)"
e2e_setup
make_conf
grep -q '^10\.20\.3\.44[[:space:]]' "$EXC" && fatal "sample list already has 10.20.3.44"
rules_install "$CONF"
nfqd_start "$CONF"
pid=$NFQD_PID
EVE=$T/eve.json

# ctl ARGS...: nfqctl -c $CONF; $RC, $T/ctl.out, $T/ctl.err
ctl() {
	"$NFQCTL" -c "$CONF" "$@" >"$T/ctl.out" 2>"$T/ctl.err"
	RC=$?
	vsay "nfqctl $* -> $RC: $(tr '\n' ' ' <"$T/ctl.err")"
}
ctl_says() { grep -qF -- "$1" "$T/ctl.err"; }
ctl_report() { show_tail "$T/ctl.err" 5 "nfqctl stderr"; show_tail "$T/ctl.out" 3 "nfqctl stdout"; }
# json EXPR: evaluate a Python expression over the JSON in ctl.out (j)
json() { "$PY" -c 'import json,sys; j=json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' "$T/ctl.out" "$1"; }
same_daemon() {
	[ "$NFQD_PID" = "$pid" ] && nfqd_alive && pass "$1: same nfqd process" ||
	    fail "$1: nfqd died or was replaced"
}

[ -S "$SOCK" ] && pass "control socket $SOCK is there" || fatal "no control socket at $SOCK"
mode=$(stat -c %a "$SOCK")
[ "$mode" = 660 ] && pass "socket mode 0660" || fail "socket mode $mode, expected 660"

run_cases before <<CASES
refused $WS4 $MTA4 outbound	# no exception yet
CASES

# ---- 1. add: in force without a restart, said by the reload's answer ----
ctl exception add "$WS4" --direction outbound --ticket NET-2001 --owner e2e
if [ "$RC" = 0 ] && ctl_says "nfqctl: reloaded: 7 exceptions (1 added, 0 removed, 0 changed)"; then
	pass "exception add: the daemon reloaded and said so"
else
	fail "exception add: exit $RC"; ctl_report
fi
run_cases added <<CASES
deliver $WS4 $MTA4 outbound	# now an exception
refused $CLI4 $WS4 inbound	# outbound only
CASES
same_daemon "after add"
[ "$(eve_count "$EVE" reload reload.status=ok reload.added=1)" -ge 1 ] &&
    pass "reload event: ok, 1 added" || fail "no reload event with added 1"

# ---- 2. remove: new connections blocked again ----
ctl exception remove "$WS4" --ticket NET-2002
if [ "$RC" = 0 ] && ctl_says "(0 added, 1 removed, 0 changed)"; then
	pass "exception remove: the daemon reloaded"
else
	fail "exception remove: exit $RC"; ctl_report
fi
run_cases removed <<CASES
refused $WS4 $MTA4 outbound	# no longer listed
deliver $GW4 $MTA4 outbound	# others unchanged
CASES

# ---- 3. refused edits leave traffic as it was ----
cp "$EXC" "$T/exc.before"
ctl exception add 10.20.3.1/24 --direction both --ticket NET-2003 --owner e2e
[ "$RC" = 1 ] && ctl_says "host bits set" && cmp -s "$EXC" "$T/exc.before" &&
    pass "a refused edit: exit 1, file unchanged" || { fail "refused edit: exit $RC"; ctl_report; }
# A hand edit breaks the list: the daemon refuses the reload, nfqctl says
# so and exits 1; the running list stays in force.
echo "10.20.3.999 sideways ticket=BROKEN" >>"$EXC"
ctl reload
if [ "$RC" = 1 ] && ctl_says "the daemon refused the reload; the running list stays" &&
    json 'j["ok"] is False and j["reload"]["status"] == "failed" and "10.20.3.999" in j["error"]'; then
	pass "reload of a broken list: refused, said, exit 1"
else
	fail "reload of a broken list: exit $RC"; ctl_report
fi
cp "$T/exc.before" "$EXC"
run_cases refused_edit <<CASES
refused $WS4 $MTA4 outbound
deliver $GW4 $MTA4 outbound
deliver $CLI4 $GW4 inbound
CASES
same_daemon "after refused edits"

# ---- 4. quarantine: even the gateway, lifting itself ----
ctl quarantine add "$GW4" --for 12s --reason "e2e: gateway relays spam (SEC-9)"
[ "$RC" = 0 ] && ctl_says "10.20.1.25 in quarantine until" &&
    pass "quarantine add $GW4 for 12 s" || { fail "quarantine add: exit $RC"; ctl_report; }
qstart=$(date +%s)
eve_wait 3 1 "$EVE" quarantine quarantine.host="$GW4" quarantine.action=start \
    quarantine.who=root quarantine.reason="e2e: gateway relays spam (SEC-9)" &&
    pass "quarantine start event" || fail "no quarantine start event"
ctl quarantine list
grep -q "^10\.20\.1\.25 .*e2e: gateway relays spam" "$T/ctl.out" &&
    pass "quarantine list shows it" || { fail "quarantine list"; ctl_report; }
ctl test "$GW4" "$MTA4"
grep -q "reason: quarantine: 10.20.1.25 is in quarantine until" "$T/ctl.out" &&
    pass "nfqctl test names the quarantine" || { fail "nfqctl test"; ctl_report; }
run_cases quarantined <<CASES
refused $GW4 $MTA4 outbound	# the gateway, exception both
refused $CLI4 $GW4 inbound
deliver $GW6 $MTA6 outbound	# its IPv6 address is another host
CASES
"$PY" "$E2E_DIR/check.py" count "$EVE" policy policy.reason=quarantine \
    src_ip="$GW4" >"$T/n"
[ "$(cat "$T/n")" -ge 1 ] && pass "policy events say reason quarantine" ||
    fail "no policy event with reason quarantine"
# Its end: at 12 s, an end event, expired; then mail flows again.
if eve_wait 15 1 "$EVE" quarantine quarantine.host="$GW4" quarantine.action=end \
    quarantine.cause=expired; then
	pass "quarantine end event (expired) after $(( $(date +%s) - qstart )) s"
else
	fail "no quarantine end event"
fi
run_cases lifted <<CASES
deliver $GW4 $MTA4 outbound
deliver $CLI4 $GW4 inbound
CASES
# The set is synced after the end event is written (and the kernel's own
# timeout may run a second past it): wait for it, bounded.
q4_clear() { ! ip netns exec "$R" ipset list nfqd-q4 2>/dev/null | grep -q '^10\.20\.1\.25'; }
wait_for 10 q4_clear && pass "degraded-mode set nfqd-q4 emptied" ||
    fail "10.20.1.25 still in the degraded-mode set nfqd-q4"

# Removed early, and kept across a restart of the daemon.
ctl quarantine add "$GW6" --for 1h --reason "e2e: removed early"
[ "$RC" = 0 ] || { fail "quarantine add $GW6: exit $RC"; ctl_report; }
ip netns exec "$R" ipset list nfqd-q6 2>/dev/null | grep -q '^2001:db8:20:1::25 timeout' &&
    pass "degraded-mode set nfqd-q6 has $GW6 with a timeout" || fail "$GW6 not in nfqd-q6"
ctl quarantine add 10.20.5.10 --for 1h --reason "e2e: kept across restarts"
nfqd_stop TERM 10
ctl quarantine list --json
json 'sorted(q["host"] for q in j) == ["10.20.5.10", "2001:db8:20:1::25"]' &&
    ctl_says "no running daemon: from" && pass "quarantine list without a daemon: the state file" ||
    { fail "quarantine list without a daemon"; ctl_report; }
nfqd_start "$CONF"
pid=$NFQD_PID
run_cases restarted <<CASES
refused $GEN4 $MTA4 outbound	# exception outbound, in quarantine
CASES
[ "$(eve_count "$EVE" quarantine quarantine.host=10.20.5.10 quarantine.action=start)" = 1 ] &&
    pass "one start event for 10.20.5.10 across the restart" ||
    fail "start events for 10.20.5.10: $(eve_count "$EVE" quarantine quarantine.host=10.20.5.10 quarantine.action=start)"
run_cases restarted6 <<CASES
refused $GW6 $MTA6 outbound	# in quarantine until removed
CASES
ctl quarantine remove "$GW6"
[ "$RC" = 0 ] && ctl_says "quarantine ended" && pass "quarantine remove $GW6" ||
    { fail "quarantine remove: exit $RC"; ctl_report; }
eve_wait 3 1 "$EVE" quarantine quarantine.host="$GW6" quarantine.action=end \
    quarantine.cause=removed quarantine.removed_by=root &&
    pass "quarantine end event: removed, by root" || fail "no end event for $GW6"
ctl quarantine remove "$GW6"
[ "$RC" = 1 ] && ctl_says "2001:db8:20:1::25 is not in quarantine" &&
    pass "removing it twice: refused" || { fail "second remove: exit $RC"; ctl_report; }
ctl quarantine remove 10.20.5.10
run_cases after_remove <<CASES
deliver $GW6 $MTA6 outbound	# exception both, quarantine over
deliver $GEN4 $MTA4 outbound
CASES

# ---- 5. concurrent edits while the daemon runs ----
cpids=()
for i in $(seq 1 10); do
	"$NFQCTL" -c "$CONF" exception add "10.20.50.$i" --direction inbound \
	    --ticket "NET-30$i" --owner e2e >"$T/conc.$i.out" 2>"$T/conc.$i.err" &
	cpids+=($!)
done
for p in "${cpids[@]}"; do wait "$p"; done
bad=0
for i in $(seq 1 10); do
	grep -q "nfqctl: reloaded:" "$T/conc.$i.err" || { bad=$((bad + 1)); show_tail "$T/conc.$i.err" 3 "nfqctl $i"; }
done
[ $bad = 0 ] && pass "10 concurrent adds: each reloaded the daemon" || fail "$bad of 10 concurrent adds not reloaded"
[ "$(grep -c '^10\.20\.50\.' "$EXC")" = 10 ] && pass "all 10 entries in the file" ||
    fail "$(grep -c '^10\.20\.50\.' "$EXC") entries in the file"
ctl exceptions
json 'j["ok"] and j["active"] == 15 and sum(e["entry"].startswith("10.20.50.") for e in j["exceptions"]) == 10' &&
    pass "exceptions in force: 15 active, the 10 new ones among them" ||
    { fail "exceptions in force"; ctl_report; }
ctl exceptions 10.20.8.66
json '[e["entry"] for e in j["exceptions"]] == ["10.20.8.66/32", "10.20.8.0/24"]' &&
    pass "exceptions HOST: the entries containing it, most specific first" ||
    { fail "exceptions 10.20.8.66"; ctl_report; }

# ---- 6. status and flows: JSON ----
ctl status
json 'j["ok"] and j["pid"] == '"$NFQD_PID"' and j["stats"]["policy"]["blocked"] >= 1 and j["reload"]["status"] == "ok"' &&
    pass "status: JSON with the pid, the counters, the last reload" ||
    { fail "status"; ctl_report; }
( attempt flows-1 "$WS4" "$MTA4" ) &
apid=$!
# Its flow is in the table from its first packet: asked until it shows.
ws_flow() { ctl flows "$WS4"; json 'j["ok"] and j["matched"] >= 1'; }
wait_for 30 ws_flow
ctl flows "$WS4"
json 'j["ok"] and j["matched"] >= 1 and all(f["src_ip"] == "10.20.3.44" and f["action"] == "blocked" for f in j["flows"])' &&
    pass "flows $WS4: its blocked connection" || { fail "flows $WS4"; ctl_report; }
ctl flows --limit 1
json 'j["ok"] and j["shown"] <= 1 and j["omitted"] == j["matched"] - j["shown"]' &&
    pass "flows --limit 1: bounded, says how many were left out" ||
    { fail "flows --limit 1"; ctl_report; }
wait "$apid"

# ---- 7. malformed and oversized requests ----
"$PY" - "$SOCK" >"$T/raw.out" 2>&1 <<'PY'
import socket, sys
def ask(data):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sys.argv[1])
    try:
        s.sendall(data)
    except BrokenPipeError:
        pass
    out = b""
    while True:
        d = s.recv(65536)
        if not d:
            break
        out += d
    s.close()
    return out.decode()
print("malformed", ask(b'{"cmd":"flows",\n').strip())
print("oversized", ask(b"x" * (1 << 20) + b"\n").strip())
print("unknown", ask(b"shutdown now\n").strip())
PY
grep -q '^malformed {"ok":false,"error":"malformed JSON request"}$' "$T/raw.out" &&
    pass "malformed request: an error answer" || { fail "malformed request"; show_tail "$T/raw.out"; }
grep -q '^oversized {"ok":false,"error":"request too long (at most 4096 bytes)"}$' "$T/raw.out" &&
    pass "oversized request (1 MB): an error answer" || { fail "oversized request"; show_tail "$T/raw.out"; }
grep -q '^unknown {"ok":false,"error":"unknown command' "$T/raw.out" &&
    pass "unknown command: an error answer" || { fail "unknown command"; show_tail "$T/raw.out"; }
ctl status
[ "$RC" = 0 ] && nfqd_alive && pass "the daemon still answers" || fail "daemon gone after bad requests"

# ---- 8. no daemon: edits are made, and said to be ----
nfqd_stop TERM 10
[ "$NFQD_RC" = 0 ] && pass "nfqd stopped" || fail "nfqd stop: $NFQD_RC"
[ -e "$SOCK" ] && fail "socket left behind" || pass "socket removed at stop"
ctl exception add 10.20.60.1 --direction inbound --ticket NET-4001 --owner e2e
[ "$RC" = 0 ] && ctl_says "no running daemon: edited only" &&
    pass "add without a daemon: edited only, exit 0" || { fail "add without daemon: exit $RC"; ctl_report; }
ctl status
[ "$RC" = 1 ] && ctl_says "no running daemon" &&
    pass "status without a daemon: exit 1, said" || { fail "status without daemon: exit $RC"; ctl_report; }
ctl quarantine add "$WS4" --for 30m --reason "e2e: offline"
[ "$RC" = 0 ] && ctl_says "no running daemon: 10.20.3.44 recorded in quarantine" &&
    pass "quarantine add without a daemon: recorded" || { fail "offline quarantine: exit $RC"; ctl_report; }
nfqd_start "$CONF"
eve_wait 3 1 "$EVE" quarantine quarantine.host="$WS4" quarantine.action=start \
    quarantine.reason="e2e: offline" && pass "its start event, written by the daemon at start" ||
    fail "no start event for the offline quarantine"
run_cases offline <<CASES
refused $WS4 $GW4 internal	# campus to campus too: quarantine
CASES
[ "$FAILS" -gt 0 ] && rules_dump
finish
