#!/bin/bash
# Redundant borders: two routers, nfqd and conntrackd (FTFW) on both, the
# hosts' gateways on virtual addresses that move from r1 to r2 the way
# keepalived with conntrackd's primary-backup.sh moves them.
#
#  - a blocked SYN leaves nothing for conntrackd to replicate (no entry in
#    r1's table, none in r2's external cache), an allowed one does, with
#    nfqd's mark;
#  - three allowed SMTP transfers in the middle of their DATA survive the
#    switch and the messages arrive intact; r2 carries them on the
#    replicated connection mark: the ones still being inspected (allowed
#    bit; IPv4 and IPv6) are let go by r2's nfqd without a decision, the
#    one in TLS (bypass bit) never reaches r2's queue at all;
#  - new connections are decided on r2 with the same policy;
#  - both nfqd send their events to one collector, told apart by "host".
. "$(dirname "$0")/ha.sh"
ha_setup
pass "r1 and r2 up: nfqd-rules, nfqd and conntrackd on each, r1 primary"

# ---- through r1 -------------------------------------------------------
run_cases before <<CASES
deliver $GW4    $MTA4   outbound
refused $WS4    $MTA4   outbound
deliver $MTA4   $GW4    inbound
refused $MTA4   $WS4    inbound
deliver $GW6    $MTA6   outbound
refused $WS6    $MTA6   outbound
CASES
n=$(grep -c '^before ' "$T/attempts")
eve_wait 5 "$n" "$T/r1/eve.json" policy
eve_check_attempts "$T/r1/eve.json" before && pass "r1's nfqd decided them" ||
    fail "r1's policy events differ from the attempts"

# What a decision leaves in the kernel, and what conntrackd replicates.
ct_pair() {	# R SRC DST  (either way round, any port: the reset too)
	ip netns exec "$P$1" conntrack -L -p tcp -s "$2" -d "$3" 2>/dev/null
	ip netns exec "$P$1" conntrack -L -p tcp -s "$3" -d "$2" 2>/dev/null
}
ext_pair() {	# R SRC DST
	ctd "$1" -e ct 2>/dev/null | grep -F "src=$2 dst=$3 " | grep -F "dport=25 "
}
# The allowed pairs show the lookup finds entries (in TIME_WAIT by now).
for pair in "$GW4 $MTA4" "$GW6 $MTA6"; do
	# shellcheck disable=SC2086
	[ -n "$(ct_pair r1 $pair)" ] &&
	    pass "allowed ${pair/ / -> }: r1 has its conntrack entry" ||
	    fail "allowed ${pair/ / -> }: no conntrack entry on r1"
done
for pair in "$WS4 $MTA4" "$MTA4 $WS4" "$WS6 $MTA6"; do
	# shellcheck disable=SC2086
	if [ -z "$(ct_pair r1 $pair)" ]; then
		pass "blocked ${pair/ / -> } (reject = $HA_REJECT): no conntrack entry on r1"
	else
		fail "blocked ${pair/ / -> }: r1 has a conntrack entry"
		ct_pair r1 $pair | sed 's/^/    /'
	fi
done
for pair in "$GW4 $MTA4" "$GW6 $MTA6"; do
	ext=""
	for _ in $(seq 1 50); do
		# shellcheck disable=SC2086
		ext=$(ext_pair r2 $pair)
		[ -n "$ext" ] && break
		sleep 0.1
	done
	if [ -n "$ext" ]; then
		pass "allowed ${pair/ / -> } is in r2's external cache: $ext"
	else
		fail "allowed ${pair/ / -> } not in r2's external cache"
	fi
done
# shellcheck disable=SC2086
if [ -z "$(ext_pair r2 $WS4 $MTA4)$(ext_pair r2 $MTA4 $WS4)$(ext_pair r2 $WS6 $MTA6)" ]; then
	pass "nothing of the blocked attempts reached r2's conntrackd"
else
	fail "r2's conntrackd has entries of blocked attempts"
fi

# An allowed SYN that is never answered (no host at 198.51.100.9): its
# SYN_SENT entry is replicated, with nfqd's mark, before any reply.
ip netns exec "${P}gw" timeout 2 bash -c \
    'exec 3<>/dev/tcp/198.51.100.9/25' 2>/dev/null
ext=""
for _ in $(seq 1 50); do
	ext=$(ext_pair r2 "$GW4" 198.51.100.9)
	[ -n "$ext" ] && break
	sleep 0.1
done
case $ext in
*SYN_SENT*mark=*) pass "an unanswered allowed SYN is replicated in SYN_SENT: $ext" ;;
*) fail "unanswered allowed SYN: r2's external cache has '${ext:-nothing}'" ;;
esac

# ---- transfers in progress across the switch ---------------------------
# Three messages from the gateway to the MTA, each held in the middle of
# its DATA: "plain" and "plain6" (IPv6) are still being inspected by r1's
# nfqd (allowed bit only), "tls" switched to TLS after EHLO, so r1's nfqd
# stopped inspecting it and set the bypass bit.
B=$((0x10000000)) A=$((0x40000000))	# nfqd.conf's default bits
TRANSFERS="plain tls plain6"
declare -A SPORT=() HPID=() M1=()
declare -A TSRC=([plain]=$GW4 [tls]=$GW4 [plain6]=$GW6)
declare -A TDST=([plain]=$MTA4 [tls]=$MTA4 [plain6]=$MTA6)
ipt() {	# TRANSFER -> iptables or ip6tables
	case $1 in *6) echo ip6tables ;; *) echo iptables ;; esac
}
for x in $TRANSFERS; do
	bg_ns "$(ns_of "${TSRC[$x]}")" "$T/hold-$x.log" "$T/hold-$x.log" \
	    "$PY" "$E2E_DIR/hold.py" --src "${TSRC[$x]}" --dst "${TDST[$x]}" \
	    --from "e2e-$$-$x@sender.e2e.test" --ready "$T/hold-$x.ready" \
	    --go "$T/hold.go" --data 30 --every 0.1 --max-wait 60 --timeout 20 \
	    $([ $x = tls ] && echo --starttls)
	HPID[$x]=$BG_PID
done
for x in $TRANSFERS; do
	for _ in $(seq 1 100); do
		[ -s "$T/hold-$x.ready" ] && break
		kill -0 "${HPID[$x]}" 2>/dev/null || break
		sleep 0.1
	done
	[ -s "$T/hold-$x.ready" ] ||
	    { show_tail "$T/hold-$x.log"; fatal "$x transfer did not reach DATA"; }
	SPORT[$x]=$(cat "$T/hold-$x.ready")
	pass "$x transfer $(bracket "${TSRC[$x]}"):${SPORT[$x]} -> $(bracket "${TDST[$x]}"):25 in DATA through r1"
	eve_wait 5 1 "$T/r1/eve.json" policy src_port="${SPORT[$x]}" \
	    policy.action=allowed && pass "r1's nfqd allowed the $x transfer" ||
	    fail "r1: no allowed policy event for the $x transfer"
done

# r1's marks: the allowed bit alone on the plain one, the bypass bit on the
# TLS one (once r1's nfqd has seen the handshake go by; the allowed bit it
# had while inspecting stays).
for x in $TRANSFERS; do
	mask=$([ $x = tls ] && echo $B || echo $((A | B)))
	want=$([ $x = tls ] && echo $B || echo $A)
	m=""
	for _ in $(seq 1 50); do
		m=$(ct_mark r1 "${SPORT[$x]}")
		[ -n "$m" ] && [ $((m & mask)) = "$want" ] && break
		sleep 0.1
	done
	M1[$x]=${m:-0}
	if [ -n "$m" ] && [ $((m & mask)) = "$want" ]; then
		pass "r1's conntrack entry of the $x transfer: mark $(printf 0x%x "$m")"
	else
		fail "r1's entry of the $x transfer: '$(ct_line r1 "${SPORT[$x]}")' (want bits $(printf 0x%x "$want"))"
	fi
	ext=""
	for _ in $(seq 1 50); do
		ext=$(ctd_external r2 "${SPORT[$x]}")
		case $ext in *"mark=${M1[$x]} "*) break ;; esac
		sleep 0.1
	done
	case $ext in
	*"mark=${M1[$x]} "*) pass "r2's conntrackd has the $x transfer, same mark: $ext" ;;
	*) fail "r2's external cache for the $x transfer: '${ext:-nothing}' (want mark=${M1[$x]})" ;;
	esac
	# Count, on r2, the packets of it that nfqd's queue rule would get
	# (no bypass bit): a rule with no target before the NFQD-QUEUE jump.
	ip netns exec "${P}r2" "$(ipt $x)" -t mangle -I FORWARD 1 -p tcp \
	    -m multiport --ports "${SPORT[$x]}" -m connmark ! --mark "$B/$B" ||
	    fatal "counting rule on r2"
done
sleep 1				# more of the bodies through r1

ha_failover r1 r2
# r1 stops forwarding, as a dead router would: from now on the transfers
# can only go through r2.
ip netns exec "${P}r1" sysctl -qw net.ipv4.ip_forward=0 \
    net.ipv6.conf.all.forwarding=0 >/dev/null
[ "$PRIMARY" = r2 ] && pass "switched to r2 (conntrackd -c -f -R -B on r2, addresses moved, r1 forwards nothing)"
touch "$T/hold.go"

for x in $TRANSFERS; do
	for _ in $(seq 1 300); do kill -0 "${HPID[$x]}" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "${HPID[$x]}" 2>/dev/null; then
		fail "$x transfer did not finish within 30 s of the switch"
		show_tail "$T/hold-$x.log"
		continue
	fi
	wait "${HPID[$x]}"
	rc=$?
	from="e2e-$$-$x@sender.e2e.test"
	want=$(sed -n 's/^sha256 \([0-9a-f]*\) size \([0-9]*\)$/\1 \2/p' "$T/hold-$x.log")
	got=$("$PY" - "$T/mail.log" "$from" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r.get("mail_from") == sys.argv[2]:
        print(r.get("sha256"), r.get("size"))
PY
)
	if [ $rc = 0 ] && [ -n "$want" ] && [ "$want" = "$got" ] &&
	    "$PY" "$E2E_DIR/check.py" maillog "$T/mail.log" "$from" "${TSRC[$x]}" "${TDST[$x]}"; then
		pass "the $x transfer completed across the switch, message intact (${want#* } bytes, sha256 ${want%% *})"
	else
		fail "$x transfer: exit $rc, sent '${want:-?}', server got '${got:-nothing}'"
		show_tail "$T/hold-$x.log"
	fi
done

# r2 carried both on the replicated state, and decided neither.
queued() {	# TRANSFER -> packets r2's counting rule saw
	ip netns exec "${P}r2" "$(ipt "$1")" -t mangle -L FORWARD -v -x -n |
	    awk -v p="${SPORT[$1]}" '$0 ~ "ports " p " " { print $1; exit }'
}
for x in $TRANSFERS; do
	sp=${SPORT[$x]}
	line=$(ct_line r2 "$sp")
	m2=$(ct_mark r2 "$sp")
	pk=$(printf '%s\n' "$line" | sed -n 's/.* packets=\([0-9]*\) .*/\1/p' | head -n 1)
	if [ -n "$m2" ] && [ $((m2 & B)) != 0 ] && [ "${pk:-0}" -gt 0 ]; then
		pass "r2's entry of the $x transfer: mark $(printf 0x%x "$m2"), $pk packets through r2"
	else
		fail "r2's entry of the $x transfer: '${line:-none}'"
	fi
	c=$(eve_count "$T/r2/eve.json" policy src_port="$sp")
	[ "$c" = 0 ] && pass "r2's nfqd made no decision on the $x transfer" ||
	    fail "r2's nfqd decided the $x transfer again ($c policy events)"
done
q=$(queued tls)
[ "${q:-x}" = 0 ] &&
    pass "r2 never queued a packet of the tls transfer (the bypass bit came with it)" ||
    fail "r2 queued ${q:-?} packets of the tls transfer"
# The plain ones come with the allowed bit only: r2 queues their first
# packet(s), and nfqd lets them go on that bit without a decision
# (stats.flow.resumed) and sets the bypass bit.
q4=$(queued plain) q6=$(queued plain6)
q=$((${q4:-0} + ${q6:-0}))
resumed=0
for _ in $(seq 1 30); do
	resumed=$("$PY" "$E2E_DIR/check.py" stat "$T/r2/eve.json" \
	    nfqd_stats.flow.resumed)	# a counter: the last is the most
	resumed=${resumed:-0}
	[ "$resumed" -gt 0 ] && break
	sleep 0.1
done
if [ "${q4:-0}" -gt 0 ] && [ "${q6:-0}" -gt 0 ] && [ "$resumed" -ge "$q" ]; then
	pass "r2 queued $q4 + $q6 packet(s) of the plain transfers (IPv4 + IPv6); its nfqd resumed them on the allowed bit (stats.flow.resumed $resumed)"
else
	fail "plain transfers on r2: ${q4:-?} + ${q6:-?} packets queued, stats.flow.resumed $resumed"
fi

# ---- new connections on r2 ---------------------------------------------
r1_before=$(eve_count "$T/r1/eve.json" policy)
run_cases after <<CASES
deliver $GW4    $MTA4   outbound
refused $WS4    $MTA4   outbound
deliver $MTA4   $GW4    inbound
refused $MTA4   $WS4    inbound
deliver $MTA6   $GW6    inbound
refused $MTA6   $WS6    inbound
CASES
n=$(grep -c '^after ' "$T/attempts")
eve_wait 5 "$n" "$T/r2/eve.json" policy
eve_check_attempts "$T/r2/eve.json" after &&
    pass "r2's nfqd decided the new connections, same policy" ||
    fail "r2's policy events differ from the attempts"
[ "$(eve_count "$T/r1/eve.json" policy)" = "$r1_before" ] &&
    pass "r1 saw none of them" || fail "r1 decided connections after the switch"

# ---- one collector, two sensors ------------------------------------------
n1=$(eve_count "$T/r1/eve.json" policy)
n2=$(eve_count "$T/r2/eve.json" policy)
ok=0
for _ in $(seq 1 50); do
	cat "$T"/collect/*/eve-*.json >"$T/collected.json" 2>/dev/null
	[ "$(eve_count "$T/collected.json" policy host=r1)" = "$n1" ] &&
	    [ "$(eve_count "$T/collected.json" policy host=r2)" = "$n2" ] &&
	    { ok=1; break; }
	sleep 0.1
done
if [ $ok = 1 ]; then
	pass "the collector has both routers' policy events, told apart by host ($n1 r1, $n2 r2)"
else
	fail "collector: $(eve_count "$T/collected.json" policy host=r1) r1 / $(eve_count "$T/collected.json" policy host=r2) r2 policy events, want $n1 / $n2"
fi
if "$PY" - "$T/collected.json" <<'PY'
import json, sys
bad = [l for l in open(sys.argv[1]) if l.endswith("\n") and
       json.loads(l).get("host") not in ("r1", "r2")]
print("    events without host r1/r2:", len(bad))
sys.exit(1 if bad else 0)
PY
then
	pass "every collected event names its router"
else
	fail "collected events without a router's host"
fi
# Both daemons stop cleanly with their collector up (their last events
# delivered), before the trap takes down the rest.
for r in r1 r2; do
	NFQD_PID=${HA_NFQD_PID[$r]}
	nfqd_stop TERM 10
	[ "$NFQD_RC" = 0 ] && pass "$r's nfqd stopped on SIGTERM" ||
	    fail "$r's nfqd on SIGTERM: exit status $NFQD_RC"
done
[ "$FAILS" -gt 0 ] && ha_dump
finish
