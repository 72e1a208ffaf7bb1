#!/bin/bash
# Soak: every event nfqd counts as written reaches the collector.
#
# For SOAK_SECS (default 100) the router carries a SYN flood from spoofed
# Internet sources (SOAK_RATE a second, default 3000: every one a blocked
# connection, its policy event and later its flow event), real mail
# allowed and blocked both ways, and control-plane traffic (nfqctl reload,
# SIGHUP), while nfqd-collect, nfqd's tcp:// sink, is restarted every
# cycle: in turn gracefully (SIGTERM), killed (SIGKILL), and stopped
# (SIGSTOP) for a second while events flow, then killed.  Then nfqd stops
# with tens of thousands of connections still tracked (a flow event each,
# in one burst), and the collector after it.
#
# Then, event by event: nfqd's file sink (every event) against the
# collector's files, with nfqd's own counters for the tcp sink at exit.
# Every line the collector stored is one nfqd wrote; every line nfqd
# counted as written is in the collector's files (nfqd-collect
# acknowledges what it stored; a line may be there twice: what a broken
# connection had not had acknowledged is sent again, docs/collectors.md);
# what is missing is no more than what nfqd counted as dropped, and the
# connection never broke for a protocol error.  And nfqd's memory is flat
# from the first samples on (its rings take their pages at start).
#
# Every verdict is checked against the attempts, per connection: under
# the flood a blocked client's retransmitted SYN may find its entry
# reused (the oldest undecided go first) and be decided again, and on a
# loaded machine a late retransmission may come after a closed entry's
# timeout: right as long as the verdict is, and a flow event says the
# entry had ended (evicted, timed out, closed) before.
. "$(dirname "$0")/lib.sh"
NFQD_COLLECT=${NFQD_COLLECT:-$TOP/bin/nfqd-collect}
case $NFQD_COLLECT in /*) ;; *) NFQD_COLLECT=$TOP/$NFQD_COLLECT ;; esac
[ -x "$NFQD_COLLECT" ] || fatal "$NFQD_COLLECT is not built (make)"
[ -x "$NFQCTL" ] || fatal "$NFQCTL is not built (make)"
command -v trafgen >/dev/null || fatal "trafgen is not installed (tools/deps.sh: netsniff-ng)"
SOAK_SECS=${SOAK_SECS:-100}
SOAK_RATE=${SOAK_RATE:-3000}
CYCLE=12				# seconds between collector restarts
e2e_setup

port=$((20000 + $$ % 20000))
SINK="tcp://127.0.0.1:$port"
CDIR=$T/collect
mkdir -p "$CDIR"

# Start nfqd-collect in the router; wait (bounded) until it listens.
collector_start() {
	bg_ns "$R" "$T/collect.out" "$T/collect.err" "$NFQD_COLLECT" \
	    -d "$CDIR" --tcp "127.0.0.1:$port" --retention 0
	COLLECT_PID=$BG_PID
	for _ in $(seq 50); do
		ip netns exec "$R" ss -Htln "sport = :$port" | grep -q . &&
		    return 0
		kill -0 "$COLLECT_PID" 2>/dev/null || break
		sleep 0.1
	done
	show_tail "$T/collect.err" 10 "nfqd-collect"
	fatal "nfqd-collect did not listen on 127.0.0.1:$port"
}

# Stop it: TERM (bounded wait for its exit), KILL, or STOP: stopped for
# a second while events flow (its socket's receive buffer fills, nothing
# is stored), then killed.
collector_stop() {	# TERM|KILL|STOP
	if [ "$1" = STOP ]; then
		kill -STOP "$COLLECT_PID" 2>/dev/null
		sleep 1
		kill -KILL "$COLLECT_PID" 2>/dev/null
	else
		kill -"$1" "$COLLECT_PID" 2>/dev/null
	fi
	for _ in $(seq 100); do
		kill -0 "$COLLECT_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$COLLECT_PID" 2>/dev/null; then
		fail "nfqd-collect still running 10 s after SIG$1"
		kill -KILL "$COLLECT_PID" 2>/dev/null
	fi
	wait "$COLLECT_PID" 2>/dev/null
}

# SIGHUP, then wait (bounded) for one more reload event: grep, as the
# file grows to hundreds of megabytes.
soak_hup() {
	local n
	n=$(grep -c '"event_type":"reload"' "$EVE")
	kill -HUP "$NFQD_PID" 2>/dev/null || return 1
	for _ in $(seq 50); do
		[ "$(grep -c '"event_type":"reload"' "$EVE")" -gt "$n" ] &&
		    return 0
		sleep 0.2
	done
	return 1
}

collector_start
make_conf
EVE=$T/eve.json
conf_set events "file:$EVE, $SINK"
conf_set stats-interval 1
# The flow table full within seconds (SYNs then recycle their entries):
# steady load, and 20,000 connections tracked at the stop.
conf_set max-flows 20000
# SOAK_BUFFER: the sinks' queue (event-buffer), default 4M.
[ -n "${SOAK_BUFFER:-}" ] && conf_set event-buffer "$SOAK_BUFFER"
rules_install "$CONF"
nfqd_start "$CONF"

# nfqd's RSS (kB) with the seconds since the load started.
: >"$T/rss"
rss_sample() { printf '%s %s\n' "$((SECONDS - t0))" "$(nfqd_rss)" >>"$T/rss"; }

t0=$SECONDS
syn_burst cli "$WS4" $((SOAK_RATE * SOAK_SECS)) "$SOAK_RATE" &
FLOOD_PID=$!
STARTED_PIDS+=("$FLOOD_PID")
deliver_loop soak "$GW4" "$MTA4" $((SOAK_SECS / 3))
cycle=0 graceful=0 killed=0 stopped=0 reloads=0
while [ $((SECONDS - t0)) -lt "$SOAK_SECS" ]; do
	start=$SECONDS
	cycle=$((cycle + 1))
	rss_sample
	run_cases "c$cycle" <<CASES
deliver $GW4  $MTA4  outbound
refused $WS4  $MTA4  outbound
deliver $CLI4 $PHYS4 inbound
refused $CLI4 $WS4   inbound
CASES
	# the control plane: a reload through the socket, one by SIGHUP
	if timeout 10 "$NFQCTL" -c "$CONF" reload >"$T/reload.out" 2>&1; then
		reloads=$((reloads + 1))
	else
		fail "cycle $cycle: nfqctl reload: $(cat "$T/reload.out")"
	fi
	soak_hup && reloads=$((reloads + 1)) ||
	    fail "cycle $cycle: no reload event within 10 s of SIGHUP"
	# the collector goes away, in turn gracefully, killed, and
	# stopped for a second (it stores nothing) and then killed
	case $((cycle % 3)) in
	1)	collector_stop TERM; graceful=$((graceful + 1)) ;;
	2)	collector_stop KILL; killed=$((killed + 1)) ;;
	0)	collector_stop STOP; stopped=$((stopped + 1)) ;;
	esac
	sleep 1
	collector_start
	nfqd_alive || fatal "nfqd died in cycle $cycle"
	left=$((CYCLE - (SECONDS - start)))
	[ "$left" -gt 0 ] && sleep "$left"
done
rss_sample
vsay "$(date +%T) load over; waiting for the flood generator"
wait "$FLOOD_PID" || fail "the flood generator failed"
deliver_loop_check soak $((SOAK_SECS / 3)) 60
pass "$SOAK_SECS s: $cycle cycles, $graceful graceful collector restarts, $killed kills, $stopped stopped then killed, $reloads reloads"

# Stop nfqd at once, its connections still tracked (a flow event each, in
# one burst), once the sink is connected to the collector again.
for _ in $(seq 100); do
	ip netns exec "$R" ss -Htn state established "dport = :$port" |
	    grep -q . && break
	sleep 0.1
done
# The sink's drops so far, from a stats event that says it is connected.
last_stats() {
	grep '"event_type":"nfqd_stats"' "$EVE" | tail -n 1 | "$PY" -c '
import json, sys
for s in json.loads(sys.stdin.read())["nfqd_stats"]["sinks"]:
    if s["name"] == sys.argv[1]:
        print(s["connected"], s["dropped"])' "$SINK"
}
d0=""
for _ in $(seq 50); do
	read -r up d0 <<<"$(last_stats)"
	[ "$up" = True ] && break
	sleep 0.2
done
[ "$up" = True ] || fail "the tcp sink does not say it is connected again"
tracked=$(status_get stats.flow.active)
vsay "$(date +%T) stopping nfqd"
ts=$SECONDS
nfqd_stop TERM 30
[ "$NFQD_RC" = 0 ] && pass "nfqd stopped in $((SECONDS - ts)) s with $tracked connections tracked" ||
    fail "nfqd stop: $NFQD_RC"
collector_stop TERM
vsay "$(date +%T) comparing"
# Per connection (source port): as many as the attempts, each verdict
# right; a connection decided again only after its entry ended.
"$PY" - "$EVE" "$T/attempts" "$(seq -s, -f 'c%g' 1 "$cycle"),soak" \
    >"$T/verdicts" 2>&1 <<'PY'
import collections, json, sys
eve, attempts, tags = sys.argv[1], sys.argv[2], set(sys.argv[3].split(","))
want = collections.defaultdict(list)
for line in open(attempts):
    p = line.split()
    if len(p) >= 6 and p[0] in tags:
        want[(p[3], p[4])].append(({"deliver": "allowed", "refused": "blocked"}[p[2]], p[5]))
policy, ended = collections.defaultdict(list), collections.Counter()
for line in open(eve, "rb"):
    if b'"event_type":"policy"' not in line and b'"event_type":"flow"' not in line:
        continue
    e = json.loads(line)
    if e.get("dest_port") != 25:
        continue
    k = (e["src_ip"], e["dest_ip"])
    if k not in want:
        continue
    if e["event_type"] == "policy":
        policy[k].append(e)
    elif e["event_type"] == "flow":
        ended[k + (e["src_port"],)] += 1
ok, again = True, 0
for k, atts in sorted(want.items()):
    action, direction = atts[0]
    ports = collections.Counter(e["src_port"] for e in policy[k])
    bad = ["%s/%s (%s)" % (e["policy"]["action"], e["policy"]["direction"], e["policy"]["reason"])
           for e in policy[k] if e["policy"]["action"] != action
           or (direction != "-" and e["policy"]["direction"] != direction)]
    twice = {p: n for p, n in ports.items() if n > 1}
    unexplained = [p for p, n in twice.items() if ended[k + (p,)] < n - 1]
    again += sum(n - 1 for n in twice.values())
    if len(ports) != len(atts) or bad or unexplained:
        ok = False
        print("%s %s -> %s: %d connections for %d attempts%s%s" % (action, k[0], k[1], len(ports), len(atts),
              "; verdicts " + ", ".join(bad) if bad else "",
              "; decided again while its entry lived: ports %s" % unexplained if unexplained else ""))
print("%d attempts, each one connection with the right verdict; %d decided again after their entry ended"
      % (sum(len(a) for a in want.values()), again))
sys.exit(0 if ok else 1)
PY
if [ $? = 0 ]; then
	pass "every verdict as the policy says: $(tail -n 1 "$T/verdicts")"
else
	fail "policy events differ from the attempts: $(cat "$T/verdicts")"
fi

# Event by event.
"$PY" - "$EVE" "$CDIR" "$SINK" "$T/nfqd.err" >"$T/compare" 2>&1 <<'PY'
import collections, glob, re, sys
eve, cdir, sink, err = sys.argv[1:5]
want = collections.Counter(open(eve, "rb").read().splitlines())
got = collections.Counter()
for f in glob.glob(cdir + "/*/eve-*.json") + glob.glob(cdir + "/eve-*.json"):
    got.update(open(f, "rb").read().splitlines())
stray = [l for l in got if l not in want]
missing = sum((want - got).values())
dups = sum(max(0, got[l] - want[l]) for l in got if l in want)
m = None
for line in open(err, errors="replace"):
    x = re.search(re.escape(sink) + r": (\d+) events written, (\d+) dropped .*?, (\d+) failed", line)
    if x:
        m = [int(v) for v in x.groups()]
if m is None:
    print("no exit counters for %s in nfqd's log" % sink)
    sys.exit(1)
w, d, f = m
total = sum(want.values())
print("nfqd wrote %d events (file sink); tcp sink at exit: %d written, %d dropped, %d failed; "
      "collector stored %d lines: %d missing, %d duplicates, %d not nfqd's"
      % (total, w, d, f, sum(got.values()), missing, dups, len(stray)))
ok = True
if stray:
    print("stored lines nfqd never wrote, e.g. %r" % stray[0][:120]); ok = False
if w + d + f != total:
    print("the tcp sink's counters (%d) do not add up to the events (%d)" % (w + d + f, total)); ok = False
if missing > d + f:
    print("%d events missing at the collector, but only %d counted as not delivered: "
          "%d events counted as written are not in its files" % (missing, d + f, missing - d - f)); ok = False
sys.exit(0 if ok else 1)
PY
rc=$?
if [ $rc = 0 ]; then
	pass "every event counted as written is in the collector's files: $(head -n 1 "$T/compare")"
else
	fail "events lost: $(cat "$T/compare")"
fi
# The collector never sent anything the sink could not take.
if grep -q "broke the acknowledgement protocol" "$T/nfqd.err"; then
	fail "the tcp sink saw a protocol error: $(grep -m 1 "broke the acknowledgement protocol" "$T/nfqd.err")"
else
	pass "the tcp sink's connections never broke for a protocol error"
fi
vsay "the tcp sink's log: $(grep -c "$SINK: lost" "$T/nfqd.err") connections lost, $(grep -c "$SINK: connected again" "$T/nfqd.err") reconnections logged"
grep "event sink $SINK" "$T/nfqd.err" | tail -n 40 | while read -r l; do vsay "| $l"; done
d1=$(sed -n 's/.*tcp sink at exit: [0-9]* written, \([0-9]*\) dropped.*/\1/p' "$T/compare")
if [ -n "$d0" ] && [ "$d1" = "$d0" ]; then
	pass "the stop burst ($tracked tracked connections) delivered: $d0 dropped before the stop, none during it"
else
	fail "the stop burst: ${d0:-?} events dropped before the stop, ${d1:-?} at exit"
fi

# Memory: from before the load to its end, only the flow table filling
# (20,000 entries, about 4 MB); the event rings and the sinks' queues
# took their pages at start (before: 18 MB more in the first 12 s).
read -r first last <<<"$(awk 'NR == 1 { f = $2 } { l = $2 } END { print f, l }' "$T/rss")"
grow=$(( (last - first) / 1024 ))
vsay "RSS samples (s kB): $(tr '\n' ' ' <"$T/rss")"
if nfqd_is_asan; then
	say "  skip nfqd's RSS flat under load: an ASan build's RSS holds ASan's quarantine ($((first / 1024)) MB -> $((last / 1024)) MB); the plain build's run checks it"
elif [ "$grow" -lt 8 ]; then
	pass "nfqd's RSS flat under load: $((first / 1024)) MB -> $((last / 1024)) MB"
else
	fail "nfqd's RSS grew $grow MB under steady load: $(tr '\n' ' ' <"$T/rss")"
fi
finish
