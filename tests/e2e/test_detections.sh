#!/bin/bash
# What nfqd does about the seed policies' detections, live: a workstation
# hammering outside port 25 gets a bulk_attempts alert and nfqd puts it
# in quarantine itself (state file, quarantine event, degraded-mode set,
# `nfqctl quarantine list`), after which even its campus-internal mail,
# allowed before, is blocked; the gateway sending as much under its
# exception is alerted on but never quarantined; an outside client
# harvesting recipients at the gateway (a real server answering 550 User
# unknown) gets a harvest alert and its next connection is blocked at the
# border (and in the degraded-mode set nfqd-hb4) while other senders
# still get through; `nfqctl census` lists the
# hosts that spoke SMTP, with their exception status, and its counts
# survive a restart of the daemon.
. "$(dirname "$0")/lib.sh"
NFQCTL=${NFQCTL:-$TOP/bin/nfqctl}
case $NFQCTL in /*) ;; *) NFQCTL=$TOP/$NFQCTL ;; esac
[ -x "$NFQCTL" ] || fatal "$NFQCTL is not built (make)"
# The gateway's mailboxes: postmaster (the harness's recipient) only.
SMTPD_ARGS="--users postmaster"
e2e_setup
make_conf
cat >>"$CONF" <<EOF
bulk-attempts = 10
bulk-window = 10m
harvest-recipients = 8
harvest-rejects = 5
harvest-window = 10m
auto-quarantine = 5m
harvest-block = 5m
EOF
rules_install "$CONF"
nfqd_start "$CONF"
EVE=$T/eve.json

ctl() {
	"$NFQCTL" -c "$CONF" "$@" >"$T/ctl.out" 2>"$T/ctl.err"
	RC=$?
	vsay "nfqctl $* -> $RC: $(tr '\n' ' ' <"$T/ctl.err")"
}
ctl_report() { show_tail "$T/ctl.err" 5 "nfqctl stderr"; show_tail "$T/ctl.out" 8 "nfqctl stdout"; }
# json EXPR: a Python expression over the JSON in ctl.out (j)
json() { "$PY" -c 'import json,sys; j=json.load(open(sys.argv[1])); h={x["host"]: x for x in j.get("hosts", [])}; sys.exit(0 if eval("(" + sys.argv[2] + ")") else 1)' "$T/ctl.out" "$1"; }
count() { eve_count "$EVE" "$@"; }

# connects SRC DST N: N TCP connections to DST:25 from SRC at once, each
# given up after 1 s (a blocked one is a dropped SYN): a rogue sender.
connects() {
	timeout 20 ip netns exec "$(ns_of "$1")" "$PY" - "$2" "$3" <<'PY'
import socket, sys, threading
def one():
    s = socket.socket(socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET)
    s.settimeout(1)
    try:
        s.connect((sys.argv[1], 25))
    except OSError:
        pass
    s.close()
ts = [threading.Thread(target=one) for _ in range(int(sys.argv[2]))]
for t in ts: t.start()
for t in ts: t.join()
PY
}

day0=$(date -u +%F)	# census --since 1 is the current UTC day
run_cases before <<CASES
deliver $WS4 $GW4 internal	# campus mail, allowed
deliver $CLI4 $GW4 inbound	# the gateway takes outside mail
CASES

# ---- 1. a rogue sender: alerted, quarantined by nfqd ----
connects "$WS4" "$MTA4" 12
if eve_wait 5 1 "$EVE" alert alert.metadata.detection.0=bulk_attempts alert.metadata.host.0="$WS4" \
    alert.metadata.response.0=quarantine alert.severity=1; then
	pass "bulk_attempts alert for $WS4, response quarantine"
else
	fail "no bulk_attempts alert with response quarantine for $WS4"
fi
if eve_wait 5 1 "$EVE" quarantine quarantine.action=start quarantine.host="$WS4" \
    quarantine.who=nfqd; then
	pass "quarantine start event, who nfqd"
else
	fail "no quarantine start event for $WS4 by nfqd"
fi
"$PY" - "$EVE" "$WS4" <<'PY' && pass "the quarantine's reason names the alert and its flow" || fail "quarantine reason"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
a = [e for e in ev if e["event_type"] == "alert" and e["alert"].get("metadata", {}).get("detection") == ["bulk_attempts"]][0]
q = [e for e in ev if e["event_type"] == "quarantine" and e["quarantine"]["host"] == sys.argv[2]][0]
r = q["quarantine"]["reason"]
assert r.startswith("auto-quarantine: bulk_attempts alert (sid 9250101)"), r
assert ("flow %d" % a["flow_id"]) in r, (r, a["flow_id"])
assert a["alert"]["metadata"]["response_until"] == [q["quarantine"]["until"]], (a, q)
PY
ctl quarantine list --json
if [ "$RC" = 0 ] && "$PY" -c 'import json,sys; l=json.load(open(sys.argv[1])); sys.exit(0 if any(q["host"]==sys.argv[2] and q["who"]=="nfqd" for q in l) else 1)' "$T/ctl.out" "$WS4"; then
	pass "nfqctl quarantine list shows it, who nfqd"
else
	fail "nfqctl quarantine list"; ctl_report
fi
"$PY" -c 'import json,sys; sys.exit(0 if any(q["host"] == sys.argv[2] and q["who"] == "nfqd" for q in json.load(open(sys.argv[1]))["quarantines"]) else 1)' \
    "$STATE/quarantine.json" "$WS4" 2>/dev/null &&
    pass "recorded in the state file" || fail "not in $STATE/quarantine.json"
ip netns exec "$R" ipset test nfqd-q4 "$WS4" >/dev/null 2>&1 &&
    pass "in the degraded-mode quarantine set" || fail "$WS4 not in nfqd-q4"
# Even what was allowed before is blocked now.
run_cases quarantined <<CASES
refused $WS4 $GW4 internal	# allowed before the alert
deliver $GEN4 $GW4 internal	# another host, unaffected
CASES
[ "$(count policy src_ip="$WS4" dest_ip="$GW4" policy.reason=quarantine \
    policy.quarantine.who=nfqd)" -ge 1 ] &&
    pass "its policy event: reason quarantine, policy.quarantine by nfqd" ||
    fail "no policy event with policy.quarantine for $WS4 -> $GW4"

# ---- 2. the gateway sending as much: alerted, never quarantined ----
cases=""
for i in $(seq 1 11); do cases="$cases
deliver $GW4 $MTA4 outbound"; done
run_cases gateway <<<"$cases"
if eve_wait 5 1 "$EVE" alert alert.metadata.detection.0=bulk_attempts alert.metadata.host.0="$GW4" \
    alert.metadata.response.0=none; then
	pass "the gateway's bulk alert: response none (exception)"
else
	fail "no bulk_attempts alert for the gateway with response none"
fi
[ "$(count quarantine quarantine.host="$GW4")" = 0 ] &&
    pass "the gateway is not quarantined" || fail "the gateway was quarantined"
run_cases gateway_after <<CASES
deliver $GW4 $MTA4 outbound
CASES

# ---- 3. a directory harvest: the source blocked at the border ----
rcpts=""
for i in $(seq 1 10); do rcpts="${rcpts}staff$i@campus.example,"; done
timeout 30 ip netns exec "$(ns_of "$CLI4")" swaks --server "$GW4:25" \
    --from harvest@outside.example --to "${rcpts%,}" --timeout 5 \
    >"$T/harvest.log" 2>&1
grep -q "<\*\* 550 5.1.1" "$T/harvest.log" &&
    pass "the gateway answered 550 User unknown" ||
    { fail "no 550 in the harvest session"; show_tail "$T/harvest.log" 10; }
if eve_wait 5 1 "$EVE" alert alert.metadata.detection.0=harvest_recipients alert.metadata.host.0="$CLI4" \
    alert.metadata.response.0=harvest_block; then
	pass "harvest alert for $CLI4, response harvest_block"
else
	fail "no harvest alert with response harvest_block"
fi
run_cases harvest_blocked <<CASES
refused $CLI4 $GW4 inbound	# the harvester, exception notwithstanding
deliver $MTA4 $GW4 inbound	# another outside sender
CASES
[ "$(count policy src_ip="$CLI4" policy.reason=harvest-block \
    policy.harvest_block.host="$CLI4")" -ge 1 ] &&
    pass "its policy event: reason harvest-block" ||
    fail "no policy event with reason harvest-block"
ip netns exec "$R" ipset test nfqd-hb4 "$CLI4" >/dev/null 2>&1 &&
    pass "in the degraded-mode harvest set nfqd-hb4" ||
    fail "$CLI4 not in nfqd-hb4"
ip netns exec "$R" ipset test nfqd-hb4 "$MTA4" >/dev/null 2>&1 &&
    fail "$MTA4 in nfqd-hb4" || pass "other sources are not"

# ---- 4. the census ----
ctl census --json
if [ "$RC" = 0 ] && json 'h["'"$GW4"'"]["exception_directions"] == "both" and
    h["'"$GW4"'"]["outbound"]["allowed"] >= 12 and
    h["'"$GW4"'"]["inbound"]["allowed"] >= 2 and
    h["'"$GW4"'"]["inbound"]["blocked"] >= 1 and
    h["'"$WS4"'"]["exception_directions"] == "none" and
    h["'"$WS4"'"]["outbound"]["blocked"] >= 10 and
    "'"$MTA4"'" not in h and "'"$CLI4"'" not in h'; then
	pass "census --json: the gateway (both, in and out) and the workstation (none, blocked out)"
else
	fail "census --json"; ctl_report
fi
cp "$T/ctl.out" "$T/census.before"
json '"10.20.8.66/32" in [x["entry"] for x in j["unused_exceptions"]] and "10.20.1.25/32" not in [x["entry"] for x in j["unused_exceptions"]]' &&
    pass "census: the unused exceptions, not the gateway's" ||
    { fail "census unused exceptions"; ctl_report; }
ctl census
if [ "$RC" = 0 ] && grep -q "^10\.20\.1\.25 .* both (10\.20\.1\.25/32)$" "$T/ctl.out" &&
    grep -q "^10\.20\.3\.44 .* none$" "$T/ctl.out" &&
    grep -q "^exceptions unused for 90 days" "$T/ctl.out"; then
	pass "census: a table with exception status"
else
	fail "census table"; ctl_report
fi
ctl census --since 1 --json
if [ "$(date -u +%F)" != "$day0" ]; then
	say "  skip census --since 1: UTC midnight passed since the traffic"
else
	[ "$RC" = 0 ] && json 'j["since_days"] == 1 and "'"$GW4"'" in h' &&
	    pass "census --since 1" || { fail "census --since 1"; ctl_report; }
fi

# ---- 5. after a restart: the census goes on, the quarantine stays ----
nfqd_stop TERM 20 || fail "nfqd did not stop within 20 s"
[ -s "$STATE/census.json" ] && pass "census saved at shutdown" ||
    fail "no $STATE/census.json"
nfqd_start "$CONF"
# The control socket comes up just after the queue is bound.
for _ in $(seq 1 50); do
	ctl census --json
	[ "$RC" = 0 ] && break
	sleep 0.1
done
"$PY" - "$T/census.before" "$T/ctl.out" "$GW4" "$WS4" <<'PY' &&
import json, sys
a = {h["host"]: h for h in json.load(open(sys.argv[1]))["hosts"]}
b = {h["host"]: h for h in json.load(open(sys.argv[2]))["hosts"]}
for host in sys.argv[3:5]:
    for d in ("inbound", "outbound"):
        for k in ("allowed", "blocked"):
            assert b[host][d][k] >= a[host][d][k], (host, d, k, a[host], b[host])
PY
    pass "census counts survive the restart" || { fail "census after restart"; ctl_report; }
run_cases restarted <<CASES
refused $WS4 $GW4 internal	# still in quarantine
deliver $GW4 $MTA4 outbound
CASES
nfqd_stop TERM
finish
