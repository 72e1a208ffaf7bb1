#!/bin/bash
# The eBPF fast path (docs/fastpath.md), in tc and in xdp mode:
#  - the whole policy suite (test_policy.sh, its own topology) passes with
#    the same deliveries, refusals and policy events as the queue path,
#    and the detections suite (test_detections.sh) with fastpath = tc;
#  - a bounded SYN flood from 64 outside sources to a workstation is
#    dropped in the kernel, every SYN accounted for in the events (policy
#    plus policy_summary counts, "pkt_src": "kernel") and in the kernel's
#    counters, while mail through the gateway is delivered;
#  - quarantine, its end and reloads rewrite the kernel's maps at once;
#  - a mail server's outbound attempt (an open-relay sign) is left to the
#    queue, and the relay alert is raised as without the fast path;
#  - `nfqctl flows` lists connections the kernel dropped ("path": "kernel");
#  - a clean stop leaves nothing attached; a killed nfqd's program is
#    removed by `nfqd-rules remove`;
#  - a program the verifier refuses, or an interface that does not exist,
#    falls back to the queue path with a log line, and the policy holds.
. "$(dirname "$0")/lib.sh"

SYNFLOOD=${SYNFLOOD:-$TOP/bin/nfqd-synflood}
FLOOD_N=${FLOOD_N:-20000}
FLOOD_SRC=203.0.113.128		# .128-.191: 203.0.113.128/26, behind r-cli
FLOOD_NET=203.0.113.128/26

# ---- 1. the policy suite in both modes (each in its own topology) ----
for mode in tc xdp; do
	if FASTPATH=$mode "$E2E_DIR/test_policy.sh" >"/tmp/nfqdt-$$-policy-$mode.log" 2>&1; then
		pass "policy suite with fastpath = $mode"
	else
		fail "policy suite with fastpath = $mode"
		show_tail "/tmp/nfqdt-$$-policy-$mode.log" 30 "test_policy.sh ($mode)"
	fi
	rm -f "/tmp/nfqdt-$$-policy-$mode.log"
done
# The detections with the kernel dropping the spam bot's SYNs: its bulk
# alert and auto-quarantine, the harvest block, the census.
if FASTPATH=tc "$E2E_DIR/test_detections.sh" >"/tmp/nfqdt-$$-detections.log" 2>&1; then
	pass "detections suite with fastpath = tc"
else
	fail "detections suite with fastpath = tc"
	show_tail "/tmp/nfqdt-$$-detections.log" 30 "test_detections.sh (tc)"
fi
rm -f "/tmp/nfqdt-$$-detections.log"

e2e_setup
[ -x "$SYNFLOOD" ] || fatal "$SYNFLOOD is not built (make)"
command -v trafgen >/dev/null 2>&1 ||
    fatal "trafgen (netsniff-ng) missing: run tools/deps.sh as root"

# What is attached to router port r-cli: "xdp", "tc" or "none".
attached() {
	if ip -n "$R" -d link show dev r-cli 2>/dev/null | grep -q 'prog/xdp'; then
		echo xdp
	elif tc -n "$R" filter show dev r-cli ingress 2>/dev/null |
	    grep -q nfqd_tc; then
		echo tc
	else
		echo none
	fi
}

# The last nfqd_stats event's nfqd_stats.fastpath.KEY.
fp_stat() {	# EVE KEY
	"$PY" "$E2E_DIR/check.py" stat "$1" "nfqd_stats.fastpath.$2"
}

# The running daemon's stats.fastpath.dropped is N or more.
fp_dropped_at_least() {	# N
	[ "$(status_get stats.fastpath.dropped)" -ge "$1" ] 2>/dev/null
}

# ---- 2. the flood, in each mode ----
# xdp-small: a one-page ring buffer (a test knob), so that most records
# find no room and the kernel's per-source counts carry them.
for run in tc xdp xdp-small; do
	mode=${run%-small} rate=5000
	[ "$run" = xdp-small ] && rate=0	# as fast as it can: the ring overflows
	if [ "$run" = xdp-small ]; then export NFQD_FASTPATH_TEST=small-ring
	else unset NFQD_FASTPATH_TEST; fi
	FASTPATH=$mode make_conf "$T/conf-$run" "$T/eve-$run.json"
	rules_install "$CONF"
	: >"$T/nfqd.err"
	nfqd_start "$CONF"
	if grep -q "fastpath: $mode on 7 interfaces" "$T/nfqd.err"; then
		pass "$run: attached to the 7 router ports"
	else
		fail "$run: no 'fastpath: $mode on 7 interfaces' in the log"
	fi
	[ "$(attached)" = "$mode" ] ||
	    fail "$run: r-cli shows $(attached) attached"

	# The flood (about 4 s), and mail through the gateway meanwhile.
	ip netns exec "${P}cli" "$SYNFLOOD" -s "$FLOOD_SRC" -n 64 -d "$WS4" \
	    -p 25 -c "$FLOOD_N" -r "$rate" -t 60 >"$T/flood-$run.out" 2>&1 &
	fpid=$!
	STARTED_PIDS+=("$fpid")
	sleep 0.5
	run_cases "flood-$mode" <<CASES
deliver $CLI4   $GW4    inbound    # to the gateway during the flood
deliver $GW4    $MTA4   outbound   # from the gateway during the flood
CASES
	wait "$fpid"
	# Frames from a packet socket's ring (their IP header in page
	# fragments at tc ingress): 2000 more, from 203.0.113.0/26.
	tg_sent=0
	{
		trafgen_syns 0 63 >"$T/syn.cfg"
		ip netns exec "${P}cli" timeout -s INT 30 trafgen --dev eth0 \
		    --conf "$T/syn.cfg" -n 2000 --cpus 1 \
		    >"$T/trafgen-$run.out" 2>&1
		tg_sent=$(tr '\r' '\n' <"$T/trafgen-$run.out" | awk '/packets outgoing/ { print $1 }')
		tg_sent=${tg_sent:-0}
		[ "$tg_sent" = 2000 ] || fail "$run: trafgen sent '$tg_sent' of 2000"
	}
	sent=$(sed -n 's/^sent \([0-9]*\) SYNs.*/\1/p' "$T/flood-$run.out")
	if [ "$sent" = "$FLOOD_N" ]; then
		pass "$run: flood of $sent SYNs sent ($(cat "$T/flood-$run.out"))"
	else
		fail "$run: flood sent '${sent:-nothing}' of $FLOOD_N"
		show_tail "$T/flood-$run.out" 5
	fi
	# Every SYN sent has met the kernel program before the stop detaches
	# it (its counters, a snapshot a second; the stop then reads what
	# is left in the ring buffer): waited for, bounded.
	wait_for 30 fp_dropped_at_least $((FLOOD_N + ${tg_sent:-0})) ||
	    fail "$run: the kernel program had not dropped $((FLOOD_N + ${tg_sent:-0})) SYNs within ${E2E_WAIT} s"
	nfqd_stop TERM 20
	[ "$NFQD_RC" = 0 ] || fail "$run: nfqd exit status $NFQD_RC"
	if grep -q "falling back" "$T/nfqd.err"; then
		fail "$run: fell back to the queue path"
		show_tail "$T/nfqd.err" 10
	fi
	[ "$(attached)" = none ] || fail "$run: still attached after stop"
	read -r total kernel < <("$PY" "$E2E_DIR/check.py" blocked \
	    "$T/eve-$run.json" "$FLOOD_NET")
	if [ "$total" = "$FLOOD_N" ] && [ "$kernel" = "$FLOOD_N" ]; then
		pass "$run: events account for all $FLOOD_N flood SYNs, all decided in the kernel"
	else
		fail "$run: events: $total blocked connections from $FLOOD_NET, $kernel in the kernel (sent $FLOOD_N)"
	fi
	d=$(fp_stat "$T/eve-$run.json" dropped)
	l=$(fp_stat "$T/eve-$run.json" lost)
	g=$(fp_stat "$T/eve-$run.json" disagree)
	if [ "$run" = xdp-small ]; then
		if [ "$d" = $((FLOOD_N + ${tg_sent:-0})) ] && [ "${l:-0}" -gt 100 ] && [ "$g" = 0 ]; then
			pass "$run: kernel counters: $d dropped, $l without a record (counted per source), 0 disagreements"
		else
			fail "$run: kernel counters: dropped '$d' (sent $FLOOD_N + ${tg_sent:-0}), lost '$l' (want > 100), disagree '$g'"
		fi
	elif [ "$d" = $((FLOOD_N + ${tg_sent:-0})) ] && [ "$l" = 0 ] && [ "$g" = 0 ]; then
		pass "$run: kernel counters: $d dropped ($FLOOD_N + $tg_sent from a packet socket), 0 lost, 0 disagreements"
	else
		fail "$run: kernel counters: dropped '$d' (sent $FLOOD_N + ${tg_sent:-0}), lost '$l', disagree '$g'"
	fi
	n=$("$PY" "$E2E_DIR/check.py" count "$T/eve-$run.json" \
	    policy_summary pkt_src=kernel)
	[ "$n" -ge 64 ] && pass "$run: flood control folded it ($n policy_summary events)" ||
	    fail "$run: only $n kernel policy_summary events for 64 sources"
done
unset NFQD_FASTPATH_TEST

# ---- 3. the maps follow: quarantine, its end, reloads ----
FASTPATH=tc make_conf "$T/conf-follow" "$T/eve-follow.json"
rules_install "$CONF"
: >"$T/nfqd.err"
nfqd_start "$CONF"
# 12 s: it ends on a whole second, and a refusal's last SYN (swaks'
# retransmission 3 s after it starts) must still meet it.
"$NFQCTL" -c "$CONF" quarantine add "$GW4" --for 12s --reason "e2e: fastpath" \
    >/dev/null 2>"$T/ctl.err" || fail "quarantine add: $(cat "$T/ctl.err")"
run_cases follow-quarantine <<CASES
refused $GW4    $MTA4   outbound   # the gateway, quarantined
refused $CLI4   $GW4    inbound
CASES
n=$(eve_count "$T/eve-follow.json" policy pkt_src=kernel policy.reason=quarantine)
[ "$n" = 2 ] && pass "quarantine: both refusals decided in the kernel" ||
    fail "quarantine: $n kernel policy events with reason quarantine (want 2)"
eve_wait 20 1 "$T/eve-follow.json" quarantine quarantine.action=end ||
    fail "the quarantine did not end"
run_cases follow-ended <<CASES
deliver $GW4    $MTA4   outbound   # its quarantine over: the maps say so
CASES
# An open-relay sign: the physics server (inbound-only exception) takes
# mail from outside, then sends out.  Blocked, but the kernel leaves that
# SYN to the queue, whose worker saw the inbound mail: the relay alert is
# raised as with the fast path off.  A workstation's stays in the kernel.
run_cases follow-relay <<CASES
deliver $CLI4   $PHYS4  inbound
CASES
run_cases follow-relay <<CASES
refused $PHYS4  $MTA4   outbound   # blocked by the queue path
refused $WS4    $MTA4   outbound   # blocked in the kernel
CASES
eve_wait 5 1 "$T/eve-follow.json" alert alert.metadata.detection.0=relay_suspect \
    alert.metadata.host.0="$PHYS4" &&
    pass "relay_suspect for $PHYS4 with the fast path on" ||
    fail "no relay_suspect alert for $PHYS4 with the fast path on"
n=$(eve_count "$T/eve-follow.json" policy src_ip="$PHYS4" policy.action=blocked)
k=$(eve_count "$T/eve-follow.json" policy src_ip="$PHYS4" pkt_src=kernel)
w=$(eve_count "$T/eve-follow.json" policy src_ip="$WS4" pkt_src=kernel)
[ "$n" -ge 1 ] && [ "$k" = 0 ] && [ "$w" -ge 1 ] &&
    pass "the relay sign was decided by the queue ($n), the workstation's in the kernel ($w)" ||
    fail "relay sign: $n blocked policy events for $PHYS4, $k of them in the kernel (want 0); workstation in the kernel: $w"
printf '%s outbound ticket=E2E-FP\n' "$WS4" >>"$EXC"
kill -HUP "$NFQD_PID"
eve_wait 10 1 "$T/eve-follow.json" reload || fail "no reload event"
run_cases follow-reload <<CASES
deliver $WS4    $MTA4   outbound   # an exception added by a reload
CASES
sed -i '/E2E-FP/d' "$EXC"
kill -HUP "$NFQD_PID"
eve_wait 10 2 "$T/eve-follow.json" reload || fail "no second reload event"
run_cases follow-reload2 <<CASES
refused $WS4    $MTA4   outbound   # ... and removed by the next
CASES
# `nfqctl flows` asks the fast path's engine too: the workstation's
# attempt, dropped in the kernel, is listed with "path": "kernel".
"$NFQCTL" -c "$CONF" flows "$WS4" >"$T/flows.json" 2>"$T/ctl.err"
n=$("$PY" -c 'import json, sys
j = json.load(open(sys.argv[1]))
print(sum(1 for f in j["flows"] if f.get("path") == "kernel" and
    f["action"] == "blocked" and f["src_ip"] == sys.argv[2] and "queue" not in f))' \
    "$T/flows.json" "$WS4" 2>&1)
[ "$n" -ge 1 ] 2>/dev/null && pass "nfqctl flows $WS4: its kernel-dropped attempt ($n), path kernel" ||
    { fail "nfqctl flows $WS4: '$n'"; show_tail "$T/flows.json" 10 "flows"; show_tail "$T/ctl.err" 5; }
nfqd_stop TERM 10
g=$(fp_stat "$T/eve-follow.json" disagree)
[ "$g" = 0 ] && pass "the kernel never disagreed with the policy" ||
    fail "fastpath.disagree = '$g'"
r=$(fp_stat "$T/eve-follow.json" relay)
[ "${r:-0}" -ge 1 ] && pass "stats.fastpath.relay counts the SYN left to the queue ($r)" ||
    fail "stats.fastpath.relay = '$r'"

# ---- 4. a killed nfqd's program: nfqd-rules remove detaches it ----
FASTPATH=xdp make_conf "$T/conf-kill" "$T/eve-kill.json"
nfqd_start "$CONF"
nfqd_stop KILL 5
# The next nfqd removes the leftover before attaching its own ...
: >"$T/nfqd.err"
nfqd_start "$CONF"
grep -q "fastpath: removed 7 programs left attached" "$T/nfqd.err" &&
    grep -q "fastpath: xdp on 7" "$T/nfqd.err" &&
    pass "a restarted nfqd replaced the killed one's 7 XDP programs" ||
    { fail "restart after SIGKILL: no leftover removed, or not attached"; show_tail "$T/nfqd.err" 5; }
nfqd_stop KILL 5
# ... and so does nfqd-rules remove.
if [ "$(attached)" = xdp ]; then
	out=$(timeout 30 ip netns exec "$R" "$NFQD_RULES" -c "$CONF" remove 2>&1)
	if [ "$(attached)" = none ] && printf '%s' "$out" | grep -q detached; then
		pass "nfqd-rules remove detached the killed nfqd's XDP program"
	else
		fail "nfqd-rules remove: still $(attached) attached ($out)"
	fi
else
	fail "after SIGKILL: expected the XDP program left attached, found $(attached)"
fi
rules_install "$CONF"

# ---- 5. load or attach failures: the queue path enforces alone ----
fallback() {	# TAG LOGPATTERN
	nfqd_start "$CONF"
	if grep -q "$2" "$T/nfqd.err" && grep -q "falling back to the queue path" "$T/nfqd.err"; then
		pass "$1: fell back with a log line"
	else
		fail "$1: no fallback log line"
		show_tail "$T/nfqd.err" 10
	fi
	[ "$(attached)" = none ] || fail "$1: $(attached) attached"
	run_cases "$1" <<CASES
refused $WS4    $MTA4   outbound   # still refused, by the queue path
deliver $GW4    $MTA4   outbound
CASES
	nfqd_stop TERM 10
	[ "$NFQD_RC" = 0 ] || fail "$1: nfqd exit status $NFQD_RC"
}
: >"$T/nfqd.err"
export NFQD_FASTPATH_TEST=reject	# the test knob: the verifier refuses
fallback verifier "refused the eBPF program"
unset NFQD_FASTPATH_TEST
: >"$T/nfqd.err"
sed -i 's/^fastpath-interfaces = .*/fastpath-interfaces = r-cli, nosuch0/' "$CONF"
fallback no-interface "no interface nosuch0"
finish
