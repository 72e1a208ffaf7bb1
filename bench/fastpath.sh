#!/bin/bash
# bench/fastpath.sh: blocked SYNs handled per second, eBPF fast path
# (fastpath = tc, xdp) against the queue path alone (fastpath = off), in
# the e2e campus (tests/e2e/lib.sh: network namespaces, veth, real SMTP
# servers).  Root; run by `make bench`.  Bounded: per mode one flood of at
# most FLOOD_N SYNs or FLOOD_SECS seconds from 256 outside sources to a
# campus workstation's port 25 (nfqd-synflood, as fast as it can send),
# while mail goes through the gateway.  About a minute in all.
#
# "Handled" is what decided the SYNs: nfqd's queue verdicts
# (stats.policy.pkts_dropped) with the queue path, the kernel's drops
# (stats.fastpath.dropped) with the fast path, each divided by the flood's
# duration.  SYNs the queue could not take (its length overflowed) are
# shown apart: fail-open lets them through to the degraded-mode rules.
# Results: printed, and in build/bench/fastpath.txt.
set -u
. "$(dirname "$0")/../tests/e2e/lib.sh"

SYNFLOOD=${SYNFLOOD:-$TOP/bin/nfqd-synflood}
FLOOD_N=${FLOOD_N:-3000000}
FLOOD_SECS=${FLOOD_SECS:-6}
MODES=${MODES:-off tc xdp}
OUT=${OUT:-$TOP/build/bench/fastpath.txt}

[ "$(id -u)" = 0 ] || { echo "bench/fastpath.sh: needs root (network namespaces)"; exit 0; }
[ -x "$SYNFLOOD" ] || { echo "bench/fastpath.sh: $SYNFLOOD not built (make)"; exit 1; }
e2e_setup

# The last stats event's value at a dotted path, 0 if none.
stat() {	# EVE PATH
	"$PY" - "$1" "$2" <<'EOF'
import json, sys
v = 0
for line in open(sys.argv[1], errors="replace"):
    try:
        e = json.loads(line)
    except ValueError:
        continue
    if e.get("event_type") == "stats":
        cur = e
        for k in sys.argv[2].split("."):
            cur = cur.get(k, {}) if isinstance(cur, dict) else {}
        v = cur if isinstance(cur, int) else 0
print(v)
EOF
}

mkdir -p "$(dirname "$OUT")"
{
	echo "# bench/fastpath.sh $(date -u +%FT%TZ), $(nproc) CPUs, $(uname -r)"
	printf '%-5s %10s %9s %12s %12s %9s %8s %7s %s\n' mode sent secs \
	    handled handled/s queue-full lost events mail
} >"$OUT"

declare -A RATE
for mode in $MODES; do
	FASTPATH=$mode make_conf "$T/conf-$mode" "$T/eve-$mode.json"
	rules_install "$CONF"
	: >"$T/nfqd.err"
	nfqd_start "$CONF"
	if [ "$mode" != off ] && ! grep -q "fastpath: $mode on" "$T/nfqd.err"; then
		show_tail "$T/nfqd.err" 5
		fatal "$mode: the fast path did not attach"
	fi
	ip netns exec "${P}cli" "$SYNFLOOD" -s 203.0.113.0 -n 256 \
	    -d "$WS4" -p 25 -c "$FLOOD_N" -t "$FLOOD_SECS" \
	    >"$T/flood-$mode.out" 2>&1 &
	fpid=$!
	STARTED_PIDS+=("$fpid")
	sleep 1
	# Mail through the gateway during the flood, one after the other.
	ok=0 tries=0 t0=$(date +%s.%N)
	while kill -0 "$fpid" 2>/dev/null && [ $tries -lt 20 ]; do
		tries=$((tries + 1))
		if [ $((tries % 2)) = 1 ]; then deliver "$CLI4" "$GW4"
		else deliver "$GW4" "$MTA4"; fi && ok=$((ok + 1))
	done
	t1=$(date +%s.%N)
	wait "$fpid"
	sleep 1
	nfqd_stop TERM 60
	read -r sent secs < <(sed -n 's/^sent \([0-9]*\) SYNs from [0-9]* sources in \([0-9.]*\) s.*/\1 \2/p' "$T/flood-$mode.out")
	if [ "$mode" = off ]; then
		handled=$(stat "$T/eve-$mode.json" stats.policy.pkts_dropped)
	else
		handled=$(stat "$T/eve-$mode.json" stats.fastpath.dropped)
	fi
	qfull=$(stat "$T/eve-$mode.json" stats.nfq.queue_dropped)
	lost=$(stat "$T/eve-$mode.json" stats.fastpath.lost)
	events=$("$PY" "$E2E_DIR/check.py" blocked "$T/eve-$mode.json" 203.0.113.0/24 | cut -d' ' -f1)
	rate=$(awk -v h="$handled" -v s="$secs" 'BEGIN { printf "%.0f", (s > 0) ? h / s : 0 }')
	RATE[$mode]=$rate
	mail="$ok/$tries delivered, $(awk -v a="$t0" -v b="$t1" -v n="$tries" 'BEGIN { printf "%.2f", (n > 0) ? (b - a) / n : 0 }') s each"
	printf '%-5s %10s %9s %12s %12s %9s %8s %7s %s\n' "$mode" "${sent:-?}" \
	    "${secs:-?}" "$handled" "$rate" "$qfull" "$lost" "$events" \
	    "$mail" >>"$OUT"
	[ "$ok" = "$tries" ] || fail "$mode: legitimate mail: $ok of $tries delivered during the flood"
done
for mode in tc xdp; do
	[ -n "${RATE[$mode]:-}" ] && [ "${RATE[off]:-0}" -gt 0 ] &&
	    awk -v m="$mode" -v a="${RATE[$mode]}" -v b="${RATE[off]}" \
	    'BEGIN { printf "ratio %s/off: %.1fx\n", m, a / b }' >>"$OUT"
done
cat "$OUT"
finish
