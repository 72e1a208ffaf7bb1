#!/bin/bash
# bench/memory.sh: nfqd's state per tracked connection (classification
# apart) and its memory under a one-million-source SYN flood, from
# bench/flowmem (the engine, in one process; see bench/flowmem.c).
. "$(dirname "$0")/lib.sh"
bench_init

FLOOD=1000000
[ "$BENCH_QUICK" = 1 ] && FLOOD=300000
mkdir -p "$BT/conf"
cp "$TOP/nfqd/exceptions.conf" "$BT/conf/exceptions.conf"
sed -e "s|^events.*|events = stdout|" \
    -e "s|^exceptions.*|exceptions = $BT/conf/exceptions.conf|" \
    -e "s|^mode = monitor\$|mode = enforce|" \
    "$TOP/nfqd/nfqd.conf" >"$BT/conf/nfqd.conf"
printf 'state-dir = %s/state\n' "$BT" >>"$BT/conf/nfqd.conf"
timeout 120 "$BENCH_BIN/flowmem" -c "$BT/conf/nfqd.conf" -n 100000 -f "$FLOOD" \
    >"$BT/out" 2>&1 || { cat "$BT/out" >&2; exit 1; }
cat "$BT/out" >&2

per=$(sed -n 's/^flowmem: per-connection \([0-9]*\) bytes.*/\1/p' "$BT/out")
sz=$(sed -n 's/.*struct flow \([0-9]*\) bytes + \([0-9.]*\) bytes.*/\1 + \2/p' "$BT/out")
full=$(sed -n 's/.*resident \([0-9]*\) KB when full.*/\1/p' "$BT/out")
peak=$(sed -n 's/.*KB when full, \([0-9]*\) KB peak.*/\1/p' "$BT/out")
grow=$(sed -n 's/.*growth after full \([-0-9]*\) KB.*/\1/p' "$BT/out")
maxf=$(sed -n 's/.*max-flows \([0-9]*\):.*/\1/p' "$BT/out")

row "state per tracked connection (bytes)" "$per" "256" "$(calc "$per / 256")x" \
    "<= 256 B" "$(met "$per <= 256")" "resident growth per connection; sizeof: struct flow $sz bucket"
row "flood $FLOOD sources: RSS growth after max-flows (KB)" "$grow" "$full" \
    "$(calc "$grow / $full * 100" %.1f)%" "flat (< 1%)" \
    "$(met "$grow <= $full / 100")" "engine with max-flows $maxf: $full KB when full, $peak KB peak"
