#!/bin/bash
# Events reach collectors live: nfqd on the router sends every event to
# nfqd-collect (tcp://) and to Debian's rsyslogd (unix-dgram:, RFC 5424)
# at once.  Then the collector is killed in the middle of the traffic:
# every verdict stays what the policy says, nfqd keeps running, and what
# it could not deliver is counted (stats.sinks), not lost silently; when
# the collector is back, delivery resumes.
. "$(dirname "$0")/lib.sh"
NFQD_COLLECT=${NFQD_COLLECT:-$TOP/bin/nfqd-collect}
case $NFQD_COLLECT in /*) ;; *) NFQD_COLLECT=$TOP/$NFQD_COLLECT ;; esac
[ -x "$NFQD_COLLECT" ] || fatal "$NFQD_COLLECT is not built (make)"
command -v rsyslogd >/dev/null || fatal "rsyslogd is not installed (tools/deps.sh)"
e2e_setup

port=$((20000 + $$ % 20000))
mkdir -p "$T/collect"
rsock=$T/rsyslog.sock
cat >"$T/rsyslog.conf" <<RS
module(load="imuxsock" SysSock.Use="off")
input(type="imuxsock" Socket="$rsock" CreatePath="on")
template(name="msgonly" type="string" string="%msg%\n")
*.* action(type="omfile" file="$T/rsyslog.out" template="msgonly")
RS
collector_start() {
	bg_ns "$R" "$T/collect.out" "$T/collect.err" "$NFQD_COLLECT" \
	    -d "$T/collect" --tcp "127.0.0.1:$port" --retention 0
	COLLECT_PID=$BG_PID
	for _ in $(seq 50); do
		ip netns exec "$R" bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" \
		    2>/dev/null && return 0
		sleep 0.1
	done
	fatal "nfqd-collect did not listen on 127.0.0.1:$port"
}
collector_start
bg_ns "$R" "$T/rsyslog.stdout" "$T/rsyslog.err" rsyslogd -n -f "$T/rsyslog.conf" \
    -i "$T/rsyslog.pid"
for _ in $(seq 50); do [ -S "$rsock" ] && break; sleep 0.1; done
[ -S "$rsock" ] || fatal "rsyslogd did not create $rsock"

make_conf
sed -i "s|^events = .*|events = file:$T/eve.json, tcp://127.0.0.1:$port, syslog-rfc5424:$rsock|" "$CONF"
echo "stats-interval = 1" >>"$CONF"
rules_install "$CONF"
nfqd_start "$CONF"

run_cases before <<CASES
deliver $GW4    $MTA4   outbound
refused $WS4    $MTA4   outbound
deliver $CLI4   $GW4    inbound
refused $CLI4   $WS4    inbound
CASES

# Both collectors have this traffic's policy events, live: wait until
# each has as many as the file (bounded), then compare.
policy_counts() {
	n_file=$(grep -c '"event_type":"policy"' "$T/eve.json")
	n_coll=$(cat "$T"/collect/*/eve-*.json 2>/dev/null | grep -c '"event_type":"policy"')
	n_rsys=$(grep -c '"event_type":"policy"' "$T/rsyslog.out" 2>/dev/null)
	[ "$n_file" -ge 4 ] && [ "$n_coll" = "$n_file" ] && [ "${n_rsys:-0}" = "$n_file" ]
}
wait_for 30 policy_counts
if [ "$n_file" -ge 4 ] && [ "$n_coll" = "$n_file" ]; then
	pass "nfqd-collect got every policy event live ($n_coll)"
else
	fail "nfqd-collect has $n_coll policy events, the file $n_file"
fi
if [ "${n_rsys:-0}" = "$n_file" ]; then
	pass "rsyslogd got every policy event live ($n_rsys)"
else
	fail "rsyslogd has ${n_rsys:-0} policy events, the file $n_file"
	show_tail "$T/rsyslog.err" 10 "rsyslogd stderr"
fi

# The collector dies in the middle of traffic.
kill -9 "$COLLECT_PID"
run_cases during <<CASES
deliver $GW4    $MTA4   outbound
refused $WS4    $MTA4   outbound
deliver $CLI4   $PHYS4  inbound
refused $CLI4   $PHYS66 inbound
deliver $GW6    $MTA6   outbound
refused $WS6    $MTA6   outbound
CASES
nfqd_alive && pass "nfqd still running with its collector dead" ||
    fail "nfqd died with its collector"
# A stats event (one a second) that shows it: waited for, bounded.
collector_down() {
	eve_sink_stat "$T/eve.json" "tcp://127.0.0.1:$port" \
	    'not s["connected"] and s["dropped"] + s["queued"] > 0' >"$T/sink-stat"
}
wait_for 30 collector_down
cat "$T/sink-stat"
if collector_down
then
	pass "stats.sinks: the tcp collector is down, its events counted (queued or dropped)"
else
	fail "stats.sinks does not account for the dead collector"
fi

# It comes back: delivery resumes.
before=$(cat "$T"/collect/*/eve-*.json 2>/dev/null | wc -l)
collector_start
run_cases after <<CASES
deliver $GW4    $MTA4   outbound
refused $WS4    $MTA4   outbound
CASES
ok=0
for _ in $(seq 70); do
	now=$(cat "$T"/collect/*/eve-*.json 2>/dev/null | wc -l)
	[ "$now" -gt "$before" ] && { ok=1; break; }
	sleep 0.5
done
[ $ok = 1 ] && pass "delivery to nfqd-collect resumed ($before -> $now lines)" ||
    fail "nothing reached nfqd-collect after it came back"
if eve_check_attempts "$T/eve.json" before,during,after; then
	pass "every verdict as the policy says, before, during and after"
else
	fail "policy events differ from the attempts"
fi
nfqd_stop TERM 10
finish
