#!/bin/bash
# The decision cannot be turned around: crafted packets (tests/e2e/roles.py,
# Debian's python3-scapy) where an attacker would craft them, against the
# live daemon with one queue (and reject = yes), two queues, the eBPF fast
# path (fastpath = tc), and against the kernel rules alone with the daemon
# gone.  For each attack a raw listener (sniff.py) at the far end's port 25
# proves that no byte of payload crossed the border, and (with the daemon)
# the events name the real direction.  The gateway (both), the department
# server (10.20.8.15, inbound) and the sender (10.20.8.66, outbound)
# still deliver exactly what their entries allow.
#
#   A  SYN|ACK|RST from an outside port 25 to the sender's port 25, then
#      an ordinary connection from that port 25: inbound mail to a host
#      that may only send
#   B  the mirror: the department server's own SYN|ACK|RST, then it
#      connects out from its port 25
#   C  a real inbound SYN to the department server, reset; the server
#      connects back the other way on the same tuple
#   D  a SYN from an outside port 25 to a workstation's high port (a
#      colluding host), then the workstation's SYN-ACK carrying SMTP
#   D2 the same SYN forged by the workstation itself, sent to the router
#      and routed back (a source from the wrong side: campus-interfaces)
#   E  IPv6 whose extension headers run past the bytes the kernel copies
#      to nfqd (MTU 9000), from the workstation and from the gateway
#   F  crossed SYNs, port 25 to port 25, IPv6, then data both ways
#   G  (one queue, reject = yes) a refused attempt, then an exception,
#      then a new attempt from the same source port: delivered at once
#   H  an IPv4-mapped source (::ffff:10.20.3.44) from the campus
#   I  a campus host forging an outside source
#   J  TCP behind IPv6 mobility, HIP and shim6 headers
. "$(dirname "$0")/lib.sh"
"$PY" -c 'import scapy' 2>/dev/null ||
    fatal "python3-scapy missing (tools/deps.sh installs it)"
e2e_setup
CAMPUS_IFS="r-gw, r-ws, r-gen, r-old, r-phys"
DEPT=$PHYS4 SENDER=$PHYS66

# Jumbo frames where E sends: campus hosts and the outside MTA.
for h in ws gw mta; do
	ip -n "$R" link set "r-$h" mtu 9000
	ip -n "$P$h" link set eth0 mtu 9000
done

mac_of() { ip -n "$R" link show "r-$1" | awk '/link\/ether/ { print $2 }'; }

# craft HOST ARGS...: one crafted segment from HOST's eth0 to the router.
craft() {
	local h=$1
	shift
	ip netns exec "$P$h" "$PY" "$E2E_DIR/roles.py" send --dev eth0 \
	    --dmac "$(mac_of "$h")" "$@" >>"$T/roles.log" 2>&1 ||
	    echo "roles.py send $h $*" >>"$T/craft-failed"
}

# connect_from HOST SRC SPORT DST TAG: one SMTP session through the kernel;
# its exit status in $T/rc-TAG, its message id in $T/id-TAG.
connect_from() {
	# The message id names the round and the case: the attacks run in
	# subshells, where new_id's count would not be seen.
	echo "$ROUND-$5" >"$T/id-$5"
	ip netns exec "$P$1" "$PY" "$E2E_DIR/roles.py" connect --src "$2" \
	    --sport "$3" --dst "$4" --id "$$-$ROUND-$5" \
	    --timeout "$SMTP_TIMEOUT" >>"$T/roles.log" 2>&1
	echo $? >"$T/rc-$5"
}

# A raw listener at every host's eth0, for this round.
declare -a SNIFF_PIDS=()
sniff_up() {
	local h
	SNIFF_PIDS=()
	for h in gw ws phys mta cli; do
		bg_ns "$P$h" "$T/sniff.err" "$T/sniff.err" "$PY" \
		    "$E2E_DIR/sniff.py" --dev eth0 --out "$T/sniff-$h.$ROUND" \
		    --ready "$T/sniff-$h.$ROUND.ready"
		SNIFF_PIDS+=("$BG_PID")
	done
	for _ in $(seq 1 100); do
		local ready=1
		for h in gw ws phys mta cli; do
			[ -s "$T/sniff-$h.$ROUND.ready" ] || ready=0
		done
		[ $ready = 1 ] && return 0
		sleep 0.1
	done
	show_tail "$T/sniff.err" 10 sniff.py
	fatal "raw listeners not ready after 10 s"
}
sniff_down() {
	kill "${SNIFF_PIDS[@]}" 2>/dev/null
	wait "${SNIFF_PIDS[@]}" 2>/dev/null
}

# payload_at HOST SRC SPORT: segments with payload from SRC:SPORT that
# reached HOST's port 25 this round.
payload_at() {
	"$PY" - "$T/sniff-$1.$ROUND" "$2" "$3" <<'PY'
import ipaddress, json, sys
src, sport = ipaddress.ip_address(sys.argv[2]), int(sys.argv[3])
n = 0
for line in open(sys.argv[1]):
    s = json.loads(line)
    n += ipaddress.ip_address(s["src"]) == src and s["sport"] == sport
print(n)
PY
}

# none_at WHAT HOST SRC SPORT: no payload from SRC:SPORT at HOST.
none_at() {
	local n
	n=$(payload_at "$2" "$3" "$4")
	[ "$n" = 0 ] && pass "$ROUND $1: no payload from $3:$4 at $2's port 25" ||
	    fail "$ROUND $1: $n segment(s) with payload from $3:$4 reached $2's port 25"
}

# refused_conn WHAT TAG SRC DST: the session of TAG failed, and no message.
refused_conn() {
	local id got
	id=$(cat "$T/id-$2")
	in_maillog "$id" "$3" "$4"
	got=$?
	[ "$(cat "$T/rc-$2")" != 0 ] && [ $got = 1 ] &&
	    pass "$ROUND $1: $3 -> $4 refused, nothing delivered" ||
	    fail "$ROUND $1: $3 -> $4 delivered (session exit $(cat "$T/rc-$2"), in the server's log: $got)"
}

# ev KEY=VALUE...: policy events of this round matching.
ev() { eve_count "$EVE" policy "$@"; }

# event WHAT N-MIN KEY=VALUE...: at least N such policy events (waited
# for, bounded: the events of packets sent before are on their way).
event() {
	local what=$1 n=$2
	shift 2
	eve_wait 10 "$n" "$EVE" policy "$@" &&
	    pass "$ROUND $what: event $*" ||
	    fail "$ROUND $what: no event $* ($(ev "$@") of $n)"
}

# no_allow WHAT SRC SPORT DST DPORT: no allowed event for the tuple, as
# either end the client.
no_allow() {
	local n
	n=$(( $(ev src_ip="$2" src_port="$3" dest_ip="$4" dest_port="$5" policy.action=allowed) +
	    $(ev src_ip="$4" src_port="$5" dest_ip="$2" dest_port="$3" policy.action=allowed) ))
	[ "$n" = 0 ] && pass "$ROUND $1: no allowed event for $2:$3 <-> $4:$5" ||
	    fail "$ROUND $1: $n allowed event(s) for $2:$3 <-> $4:$5"
}

# The attacks, all at once (each on a tuple of its own); BASE: this
# round's high ports.
attacks() {
	local b=$BASE
	local -a ap=()
	# A
	( craft cli --src "$CLI4" --sport 25 --dst "$SENDER" --dport 25 \
	    --flags SAR --seq 500
	  sleep 0.3
	  connect_from cli "$CLI4" 25 "$SENDER" A ) &
	ap+=($!)
	# B
	( craft phys --src "$DEPT" --sport 25 --dst "$MTA4" --dport 25 \
	    --flags SAR --seq 500
	  sleep 0.3
	  connect_from phys "$DEPT" 25 "$MTA4" B ) &
	ap+=($!)
	# C: the server's kernel answers the SYN, the client's resets that
	( craft cli --src "$CLI4" --sport 25 --dst "$DEPT" --dport 25 \
	    --flags S --seq 100
	  sleep 0.5
	  connect_from phys "$DEPT" 25 "$CLI4" C ) &
	ap+=($!)
	# D, D2
	( craft cli --src "$CLI4" --sport 25 --dst "$WS4" --dport $((b + 1)) \
	    --flags S --seq 100
	  sleep 0.3
	  craft ws --src "$WS4" --sport $((b + 1)) --dst "$CLI4" --dport 25 \
	    --flags SA --seq 900 --ack 101 \
	    --data 'EHLO d\r\nMAIL FROM:<d@e2e.test>\r\n' ) &
	ap+=($!)
	( craft ws --src "$CLI4" --sport 25 --dst "$WS4" --dport $((b + 2)) \
	    --flags S --seq 100
	  sleep 0.3
	  craft ws --src "$WS4" --sport $((b + 2)) --dst "$CLI4" --dport 25 \
	    --flags SA --seq 900 --ack 101 \
	    --data 'EHLO d2\r\nMAIL FROM:<d2@e2e.test>\r\n' ) &
	ap+=($!)
	# E
	craft ws --src "$WS6" --sport $((b + 3)) --dst "$MTA6" --dport 25 \
	    --flags PA --seq 1 --ack 1 --data 'MAIL FROM:<e@e2e.test>\r\n' \
	    --ext destopt:2000 &
	ap+=($!)
	craft gw --src "$GW6" --sport $((b + 4)) --dst "$MTA6" --dport 25 \
	    --flags PA --seq 1 --ack 1 --data 'MAIL FROM:<e@e2e.test>\r\n' \
	    --ext destopt:2000 &
	ap+=($!)
	# F
	( craft ws --src "$WS6" --sport 25 --dst "$MTA6" --dport 25 \
	    --flags S --seq 100 &
	  craft mta --src "$MTA6" --sport 25 --dst "$WS6" --dport 25 \
	    --flags S --seq 200
	  wait
	  sleep 0.3
	  craft ws --src "$WS6" --sport 25 --dst "$MTA6" --dport 25 \
	    --flags PA --seq 101 --ack 201 --data 'MAIL FROM:<f@e2e.test>\r\n' &
	  craft mta --src "$MTA6" --sport 25 --dst "$WS6" --dport 25 \
	    --flags PA --seq 201 --ack 101 --data 'MAIL FROM:<f@e2e.test>\r\n'
	  wait ) &
	ap+=($!)
	# H, I
	( craft ws --src "::ffff:$WS4" --sport $((b + 5)) --dst "$MTA6" \
	    --dport 25 --flags S --seq 100
	  sleep 0.3
	  craft ws --src "::ffff:$WS4" --sport $((b + 5)) --dst "$MTA6" \
	    --dport 25 --flags PA --seq 101 --ack 1 \
	    --data 'MAIL FROM:<h@e2e.test>\r\n' ) &
	ap+=($!)
	( craft ws --src 198.51.100.99 --sport $((b + 6)) --dst "$MTA4" \
	    --dport 25 --flags S --seq 100
	  sleep 0.3
	  craft ws --src 198.51.100.99 --sport $((b + 6)) --dst "$MTA4" \
	    --dport 25 --flags PA --seq 101 --ack 1 \
	    --data 'MAIL FROM:<i@e2e.test>\r\n' ) &
	ap+=($!)
	# J
	local k=7 x
	for x in mobility hip shim6; do
		for h in ws gw; do
			( a=$WS6; [ $h = gw ] && a=$GW6
			  craft $h --src "$a" --sport $((b + k)) --dst "$MTA6" \
			    --dport 25 --flags S --seq 100 --ext $x
			  sleep 0.3
			  craft $h --src "$a" --sport $((b + k)) --dst "$MTA6" \
			    --dport 25 --flags PA --seq 101 --ack 1 --ext $x \
			    --data 'MAIL FROM:<j@e2e.test>\r\n' ) &
			ap+=($!)
			k=$((k + 1))
		done
	done
	# (not a bare wait: the listeners and servers are children too)
	wait "${ap[@]}"
}

checks() {
	local b=$BASE live=1 k x
	[ "$ROUND" = degraded ] && live=0
	[ -s "$T/craft-failed" ] && { fail "$ROUND: roles.py could not send:"; sed 's/^/    /' "$T/craft-failed"; rm -f "$T/craft-failed"; }
	# A
	refused_conn A A "$CLI4" "$SENDER"
	none_at A phys "$CLI4" 25
	# B
	refused_conn B B "$DEPT" "$MTA4"
	none_at B mta "$DEPT" 25
	# C
	refused_conn C C "$DEPT" "$CLI4"
	none_at C cli "$DEPT" 25
	# D, D2
	none_at D cli "$WS4" $((b + 1))
	none_at D2 cli "$WS4" $((b + 2))
	# E
	none_at E mta "$WS6" $((b + 3))
	none_at E mta "$GW6" $((b + 4))
	# F
	none_at F mta "$WS6" 25
	none_at F ws "$MTA6" 25
	# H, I
	none_at H mta "::ffff:$WS4" $((b + 5))
	none_at I mta 198.51.100.99 $((b + 6))
	# J: the workstation never; the gateway, allowed both ways, only
	# through nfqd (the degraded rules refuse what they cannot read)
	k=7
	for x in mobility hip shim6; do
		none_at "J $x" mta "$WS6" $((b + k))
		n=$(payload_at mta "$GW6" $((b + k + 1)))
		if [ $live = 1 ]; then
			[ "$n" -ge 1 ] && pass "$ROUND J $x: the gateway's payload arrived" ||
			    fail "$ROUND J $x: the gateway's payload behind $x did not arrive"
		else
			[ "$n" = 0 ] && pass "$ROUND J $x: refused without the daemon" ||
			    fail "$ROUND J $x: $n segment(s) through the degraded rules"
		fi
		k=$((k + 2))
	done
	[ $live = 1 ] || return 0

	# The events, with the real direction.
	event A 1 src_ip="$CLI4" src_port=25 dest_ip="$SENDER" dest_port=25 \
	    policy.action=blocked policy.direction=inbound policy.roles=syn
	no_allow A "$CLI4" 25 "$SENDER" 25
	event B 1 src_ip="$DEPT" src_port=25 dest_ip="$MTA4" dest_port=25 \
	    policy.action=blocked policy.direction=outbound policy.roles=syn
	no_allow B "$DEPT" 25 "$MTA4" 25
	event C 1 src_ip="$DEPT" src_port=25 dest_ip="$CLI4" dest_port=25 \
	    policy.action=blocked policy.direction=outbound policy.roles=syn
	[ "$(ev src_ip="$DEPT" src_port=25 dest_ip="$CLI4" dest_port=25 policy.action=allowed)" = 0 ] &&
	    pass "$ROUND C: the server's connection back never allowed" ||
	    fail "$ROUND C: the server's connection back allowed"
	event D 1 src_ip="$WS4" src_port=$((b + 1)) dest_ip="$CLI4" \
	    dest_port=25 policy.action=blocked policy.direction=outbound
	event D2 1 src_ip="$CLI4" src_port=25 dest_ip="$WS4" \
	    dest_port=$((b + 2)) policy.reason=spoofed-source
	event D2 1 src_ip="$WS4" src_port=$((b + 2)) dest_ip="$CLI4" \
	    dest_port=25 policy.action=blocked policy.direction=outbound
	event E 2 policy.reason=unparsed policy.direction=outbound
	no_allow F "$WS6" 25 "$MTA6" 25
	event H 1 src_ip="::ffff:$WS4" src_port=$((b + 5)) \
	    policy.action=blocked policy.direction=outbound
	event I 1 src_ip=198.51.100.99 src_port=$((b + 6)) \
	    policy.reason=spoofed-source policy.direction=outbound
	k=7
	for x in mobility hip shim6; do
		event "J $x" 1 src_ip="$WS6" src_port=$((b + k)) \
		    policy.action=blocked policy.direction=outbound
		k=$((k + 2))
	done
}

# G (one queue, reject = yes): a refused attempt is not the next one.
reuse_case() {
	local p=$((BASE + 50))
	connect_from ws "$WS4" $p "$MTA4" G1
	refused_conn G G1 "$WS4" "$MTA4"
	ctl exception add "$WS4" --direction outbound --ticket T-ROLES \
	    --owner e2e >/dev/null 2>&1
	connect_from ws "$WS4" $p "$MTA4" G2
	id=$(cat "$T/id-G2")
	in_maillog "$id" "$WS4" "$MTA4" && [ "$(cat "$T/rc-G2")" = 0 ] &&
	    pass "$ROUND G: the same source port, after an exception: delivered" ||
	    fail "$ROUND G: the new attempt (same port) was not delivered"
	event G 1 src_port=$p policy.action=blocked
	event G 1 src_port=$p policy.action=allowed
	ctl exception remove "$WS4" >/dev/null 2>&1
}

ctl() { timeout 20 "$NFQCTL" -c "$CONF" "$@"; }

# One round: CONF lines, a daemon (or none), the attacks, the controls.
round() {	# NAME BASE daemon|none [KEY=VALUE...]
	ROUND=$1 BASE=$2
	local daemon=$3 kv
	shift 3
	say "  -- round $ROUND"
	make_conf "$T/conf-$ROUND" "$T/eve-$ROUND.json"
	EVE=$T/eve-$ROUND.json
	conf_set campus-interfaces "$CAMPUS_IFS"
	for kv in "$@"; do conf_set "${kv%%=*}" "${kv#*=}"; done
	ip netns exec "$R" conntrack -F >/dev/null 2>&1
	rules_install "$CONF"
	[ "$daemon" = daemon ] && nfqd_start "$CONF"
	sniff_up
	attacks
	[ "$ROUND" = q1-reject ] && reuse_case
	run_cases "$ROUND" <<CASES
deliver $GW4 $MTA4 outbound	# the gateway: both
deliver $CLI4 $GW4 inbound
deliver $CLI4 $DEPT inbound	# the department server: inbound
refused $DEPT $MTA4 outbound
deliver $SENDER $MTA4 outbound	# the sender: outbound
refused $CLI4 $SENDER inbound
refused $WS4 $MTA4 outbound	# a workstation
deliver $GW6 $MTA6 outbound
refused $WS6 $MTA6 outbound
CASES
	sleep 0.5	# segments in flight reach the listeners
	checks
	sniff_down
	if [ "$daemon" = daemon ]; then
		nfqd_stop TERM
		[ "$NFQD_RC" = 0 ] && pass "$ROUND: nfqd stopped cleanly" ||
		    fail "$ROUND: nfqd exit $NFQD_RC"
	fi
}

round q1-reject 41000 daemon reject=yes
round q2 42000 daemon queues=0-1
round fastpath 43000 daemon fastpath=tc "fastpath-interfaces=$ROUTER_PORTS"
grep -q 'fastpath: tc on 7 interfaces' "$T/nfqd.err" &&
    pass "fastpath round: the program was attached" ||
    fail "fastpath round: the program did not attach"
round degraded 44000 none
[ "$FAILS" -gt 0 ] && { show_tail "$T/roles.log" 30 roles.py; rules_dump; }
finish
