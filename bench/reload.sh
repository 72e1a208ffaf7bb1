#!/bin/bash
# bench/reload.sh: the reload of a 100,000-entry exception list, from
# bench/reload (see bench/reload.c), against the kernel-only alternative's
# reload of the same list (ipset restore, root only).
. "$(dirname "$0")/lib.sh"
bench_init

rounds=7
[ "$BENCH_QUICK" = 1 ] && rounds=3
timeout 300 "$BENCH_BIN/reload" -n 100000 -r "$rounds" >"$BT/out" 2>&1 ||
    { cat "$BT/out" >&2; exit 1; }
cat "$BT/out" >&2
# "  reload   12.34 ms   13.45 ms   ..." -> the median
med() { awk -v s="$1" '$1 == s && $5 == "ms" { print $4 }' "$BT/out"; }
r=$(med reload) s=$(med ipset-sync)
if [ -n "$s" ]; then
	row "reload, 100,000 entries (ms, median)" "$r" "$s" "$(calc "$s / $r")x" \
	    "< 100 ms" "$(met "$r < 100")" "baseline: ipset restore of the same list (degraded-mode sets)"
else
	row "reload, 100,000 entries (ms, median)" "$r" "-" "-" "< 100 ms" \
	    "$(met "$r < 100")" "ipset baseline needs root"
fi
