#!/bin/bash
# Events at scale, live: nfqd on the router sends every event to a
# redis-server (redis://, RPUSH) started by this test on the router's
# loopback, and to a Kafka broker address where nothing listens (no
# broker can run here), besides its file.
#  - redis gets every policy event live;
#  - redis-server is killed in the middle of traffic: every verdict stays
#    what the policy says, nfqd keeps running, stats.sinks shows redis
#    down with its events counted (queued or dropped); started again,
#    redis gets what was queued and the new traffic's events;
#  - the kafka sink never connects: stats.sinks shows it down with its
#    events counted as dropped once message.timeout.ms (3 s) has passed,
#    and the other sinks and verdicts are unaffected;
#  - nfqd stops within 10 s (bounded flush of the kafka sink).
. "$(dirname "$0")/lib.sh"
command -v redis-server >/dev/null ||
    fatal "redis-server is not installed (tools/deps.sh)"
command -v redis-cli >/dev/null || fatal "redis-cli is not installed (tools/deps.sh)"
e2e_setup

rport=$((20000 + $$ % 20000))
kport=$((rport + 1))		# nothing listens there
mkdir -p "$T/redis"
rcli() { ip netns exec "$R" redis-cli -h 127.0.0.1 -p "$rport" "$@"; }
redis_start() {
	bg_ns "$R" "$T/redis.out" "$T/redis.err" redis-server --bind 127.0.0.1 \
	    --port "$rport" --dir "$T/redis" --save '' --appendonly no
	REDIS_PID=$BG_PID
	for _ in $(seq 50); do
		[ "$(rcli ping 2>/dev/null)" = PONG ] && return 0
		sleep 0.1
	done
	fatal "redis-server did not answer on 127.0.0.1:$rport"
}
# Policy events in redis's list (the stats events are there too).
redis_policy() {
	rcli --raw lrange nfqd 0 -1 2>/dev/null | grep -c '"event_type":"policy"'
}
redis_start

make_conf
RS="redis://127.0.0.1:$rport/rpush/nfqd"
KS="kafka://127.0.0.1:$kport/nfqd?message.timeout.ms=3000"
sed -i "s|^events = .*|events = file:$T/eve.json, $RS, $KS|" "$CONF"
echo "stats-interval = 1" >>"$CONF"
echo "sensor-name = border-e2e" >>"$CONF"
rules_install "$CONF"
nfqd_start "$CONF"

run_cases before <<CASES
deliver $GW4    $MTA4   outbound
refused $WS4    $MTA4   outbound
deliver $CLI4   $GW4    inbound
refused $CLI4   $WS4    inbound
CASES

n_file=0 n_red=0
for _ in $(seq 50); do
	n_file=$(grep -c '"event_type":"policy"' "$T/eve.json")
	n_red=$(redis_policy)
	[ "$n_file" -ge 4 ] && [ "$n_red" = "$n_file" ] && break
	sleep 0.1
done
if [ "$n_file" -ge 4 ] && [ "$n_red" = "$n_file" ]; then
	pass "redis got every policy event live ($n_red)"
else
	fail "redis has $n_red policy events, the file $n_file"
fi
if rcli --raw lrange nfqd 0 0 | grep -q '"host":"border-e2e"'; then
	pass "the events in redis carry host = sensor-name"
else
	fail "no host field in redis's events"
fi

sink_stat() {	# NAME EXPR: eve_sink_stat on this test's events
	eve_sink_stat "$T/eve.json" "$@"
}

# Kafka: nothing listens; within message.timeout.ms its events are dropped.
ok=0
for _ in $(seq 20); do
	sink_stat "$KS" 'not s["connected"] and s["dropped"] > 0 and s["written"] == 0' \
	    >"$T/kafka-stat" && { ok=1; break; }
	sleep 0.5
done
cat "$T/kafka-stat"
[ $ok = 1 ] && pass "stats.sinks: kafka unreachable, its events counted as dropped within 10 s" ||
    fail "stats.sinks does not count the unreachable kafka broker's drops"

# redis dies in the middle of traffic.
kill -9 "$REDIS_PID"
wait "$REDIS_PID" 2>/dev/null
run_cases during <<CASES
deliver $GW4    $MTA4   outbound
refused $WS4    $MTA4   outbound
deliver $CLI4   $PHYS4  inbound
refused $CLI4   $PHYS66 inbound
deliver $GW6    $MTA6   outbound
refused $WS6    $MTA6   outbound
CASES
nfqd_alive && pass "nfqd still running with redis dead" ||
    fail "nfqd died with redis"
redis_down() {
	sink_stat "$RS" 'not s["connected"] and s["dropped"] + s["queued"] > 0' >"$T/sink-stat"
}
wait_for 30 redis_down
cat "$T/sink-stat"
if redis_down; then
	pass "stats.sinks: redis down, its events counted (queued or dropped)"
else
	fail "stats.sinks does not account for the dead redis"
fi

# It comes back: what was queued, and the new traffic, arrive.
redis_start
run_cases after <<CASES
deliver $GW4    $MTA4   outbound
refused $WS4    $MTA4   outbound
CASES
ok=0
for _ in $(seq 70); do
	n_red=$(redis_policy)
	[ "$n_red" -ge 8 ] && { ok=1; break; }
	sleep 0.5
done
sleep 0.5
n_red=$(redis_policy)
# The list was lost with the killed server: it holds what was queued
# while it was down (6 policy events) and the 2 after, once each.
[ $ok = 1 ] && [ "$n_red" = 8 ] && pass "redis back: the queued and the new policy events arrived ($n_red)" ||
    fail "redis has $n_red policy events after it came back, want 8"
redis_back() {
	sink_stat "$RS" 's["connected"] and s["reconnects"] >= 1' >"$T/sink-stat"
}
if wait_for 30 redis_back; then
	pass "stats.sinks: redis connected again, one reconnect or more"
else
	cat "$T/sink-stat"
	fail "stats.sinks does not show redis back"
fi
if eve_check_attempts "$T/eve.json" before,during,after; then
	pass "every verdict as the policy says, before, during and after"
else
	fail "policy events differ from the attempts"
fi
t0=$(date +%s)
if nfqd_stop TERM 10 && [ "$NFQD_RC" = 0 ]; then
	pass "nfqd stopped in $(($(date +%s) - t0)) s, exit 0, kafka unreachable"
else
	fail "nfqd did not stop cleanly within 10 s (status $NFQD_RC)"
	show_tail "$T/nfqd.err" 20 "nfqd stderr"
fi
grep -q "kafka://127.0.0.1:$kport/nfqd?message.timeout.ms=3000: 0 events written" \
    "$T/nfqd.err" && pass "nfqd's exit log counts the kafka sink's losses" ||
    fail "no kafka count in nfqd's exit log"
kill "$REDIS_PID" 2>/dev/null
finish
