#!/bin/bash
# bench/replay.sh: nfqd --replay against Debian's ndpiReader on the same
# large generated capture: whole-process wall time, CPU time, peak RSS.
#
# The capture: nfqd-pcapgen -b (seed 1, 90,000 connections over 300 s,
# about 1.15 M packets, IPv4 and IPv6; see tools/pcapgen/cap_bench.c),
# written to build/bench/replay.pcap once and kept (regenerated when pcapgen is
# newer).  nfqd runs with the sample policy (enforce, classification on),
# events to a file on the same file system; ndpiReader -q classifies every
# flow with the same nDPI 4.2, its report to /dev/null.  Both read the
# file from the page cache (one warm-up read first); ROUNDS runs of each,
# alternating, the median reported.
#
# REPLAY_PCAP=FILE replays FILE instead, for an independent check of the
# ratio on a capture the generator did not write, e.g. real captures
# tiled by tools/pcaptile.py (docs/performance.md):
#   tools/pcaptile.py -n 1000 -o build/bench/tiled.pcap ../shared/pcaps/*.pcap
#   REPLAY_PCAP=build/bench/tiled.pcap BENCH_ONLY=replay make bench
. "$(dirname "$0")/lib.sh"
bench_init

ROUNDS=${ROUNDS:-3}
[ "$BENCH_QUICK" = 1 ] && ROUNDS=1
PCAP=${REPLAY_PCAP:-$BENCH_OUT/replay.pcap}
case $PCAP in /*) ;; *) PCAP=$TOP/$PCAP ;; esac
command -v ndpiReader >/dev/null || { say "replay: ndpiReader missing (libndpi-bin; tools/deps.sh)"; exit 1; }
[ -x /usr/bin/time ] || { say "replay: /usr/bin/time missing (time; tools/deps.sh)"; exit 1; }

if [ -n "${REPLAY_PCAP:-}" ]; then
	[ -s "$PCAP" ] || { say "replay: REPLAY_PCAP $PCAP: no such capture"; exit 1; }
elif [ ! -s "$PCAP" ] || [ "$PCAPGEN" -nt "$PCAP" ]; then
	say "replay: writing $PCAP"
	"$PCAPGEN" -b "$PCAP.tmp" -s 1 -n 90000 -t 300 >"$BT/gen.out" &&
	    mv "$PCAP.tmp" "$PCAP" || { cat "$BT/gen.out" >&2; exit 1; }
fi
pkts=$(sed -n 's/.*: \([0-9]*\) packets.*/\1/p' "$BT/gen.out" 2>/dev/null)
cat "$PCAP" >/dev/null			# page cache, for both

mkdir -p "$BT/conf"
cp "$TOP/nfqd/exceptions.conf" "$BT/conf/exceptions.conf"
sed -e "s|^events.*|events = file:$BENCH_OUT/replay-eve.json|" \
    -e "s|^exceptions.*|exceptions = $BT/conf/exceptions.conf|" \
    -e "s|^mode = monitor\$|mode = enforce|" \
    "$TOP/nfqd/nfqd.conf" >"$BT/conf/nfqd.conf"
printf 'state-dir = %s/state\n' "$BT" >>"$BT/conf/nfqd.conf"

# timed OUT PROGRAM ARGS...: appends "wall rss_kb user sys" to OUT
timed() {
	local out=$1
	shift
	/usr/bin/time -f '%e %M %U %S' -o "$BT/time" timeout 300 "$@" \
	    >/dev/null 2>"$BT/stderr" || { say "replay: $* failed"; cat "$BT/stderr" >&2; exit 1; }
	cat "$BT/time" >>"$out"
}

: >"$BT/nfqd.t"
: >"$BT/ndpi.t"
for r in $(seq 1 "$ROUNDS"); do
	rm -f "$BENCH_OUT/replay-eve.json"
	timed "$BT/nfqd.t" "$NFQD" -c "$BT/conf/nfqd.conf" --replay "$PCAP"
	cp "$BT/stderr" "$BT/nfqd.summary"
	timed "$BT/ndpi.t" ndpiReader -q -i "$PCAP"
	say "replay round $r: nfqd $(tail -n 1 "$BT/nfqd.t"), ndpiReader $(tail -n 1 "$BT/ndpi.t") (wall s, KB, user s, sys s)"
done
[ -n "$pkts" ] || pkts=$(sed -n 's/^ *\([0-9]*\) packets.*/\1/p' "$BT/nfqd.summary")
events=$(wc -l <"$BENCH_OUT/replay-eve.json")

# median of column C of a file
median() { sort -n -k "$2" "$1" | awk -v c="$2" '{ v[NR] = $c } END { print v[int((NR + 1) / 2)] }'; }
nw=$(median "$BT/nfqd.t" 1) bw=$(median "$BT/ndpi.t" 1)
nm=$(median "$BT/nfqd.t" 2) bm=$(median "$BT/ndpi.t" 2)
nc=$(awk '{ print $3 + $4 }' "$BT/nfqd.t" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
bc=$(awk '{ print $3 + $4 }' "$BT/ndpi.t" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')

what=""
[ -n "${REPLAY_PCAP:-}" ] && what=" of $(basename "$PCAP")"
row "replay wall time$what, $pkts pkts (s)" "$nw" "$bw" "$(calc "$bw / $nw")x" ">= 1.5x" \
    "$(met "$bw / $nw >= 1.5")" "ndpiReader -q; nfqd with policy and $events events on"
row "replay CPU time, user+sys (s)" "$nc" "$bc" "$(calc "$bc / $nc")x" "-" "-" \
    "nfqd formats events on a second thread"
row "replay packets per second (wall)" "$(calc "$pkts / $nw" %.0f)" \
    "$(calc "$pkts / $bw" %.0f)" "$(calc "$bw / $nw")x" "-" "-"
row "replay peak RSS (MB)" "$(calc "$nm / 1024" %.1f)" "$(calc "$bm / 1024" %.1f)" \
    "$(calc "$nm / $bm")x" "-" "-" "ndpiReader keeps every flow"
