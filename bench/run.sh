#!/bin/bash
# bench/run.sh (make bench): every benchmark in order, then one table:
# figure, nfqd, baseline, ratio, goal, met.  The table is printed and
# written to build/bench/results.md (machine, date, commands, load), ready
# to paste into docs/performance.md.
#
#   bench/replay.sh	nfqd --replay against ndpiReader, a 1.15 M-packet capture
#   bench/memory.sh	state per connection; a one-million-source flood
#   bench/reload.sh	a 100,000-entry exception list reload
#   bench/exceptions.sh	nfqctl list, export, import, check of 100,000 entries,
#			beside nfqd -n on the same file
#   bench/live.sh	NFQUEUE in namespaces (root): decisions per second
#			against acceptall and kernel-only rules, connection
#			setup latency, bulk throughput with the bypass
#   bench/fastpath.sh	the eBPF fast path, when that script exists
#
# Each is bounded in time (timeout) and cleans up after itself.  BENCH_QUICK=1
# runs shorter rounds (to check the scripts, not for figures); BENCH_ONLY="replay
# memory" runs a subset.
. "$(dirname "$0")/lib.sh"

: >"$BENCH_RESULTS"
started=$(date -u '+%Y-%m-%d %H:%M UTC')
load0=$(cut -d' ' -f1-3 /proc/loadavg)
t0=$(date +%s)
failed=""
for b in ${BENCH_ONLY:-replay memory reload exceptions live fastpath}; do
	script=$BENCH_DIR/$b.sh
	[ -f "$script" ] || continue
	say "== bench/$b.sh"
	timeout -k 10 300 bash "$script"
	rc=$?
	case $rc in
	0) ;;
	77) printf '%s\t-\t-\t-\t-\tskipped\tneeds root\n' "bench/$b.sh" >>"$BENCH_RESULTS" ;;
	*) failed="$failed $b"
	   printf '%s\t-\t-\t-\t-\tFAILED\texit %s\n' "bench/$b.sh" "$rc" >>"$BENCH_RESULTS" ;;
	esac
	# bench/fastpath.sh writes its own table: its rates, as rows here.
	if [ "$b" = fastpath ] && [ -s "$BENCH_OUT/fastpath.txt" ]; then
		awk -v OFS='\t' '$1 == "off" { off = $5 } $1 == "tc" || $1 == "xdp" { r[$1] = $5 }
		    END { for (m in r) if (off > 0) print "fast path " m ": blocked SYNs handled (pkt/s)",
			r[m], off, sprintf("%.1fx", r[m] / off), ">= 5x", (r[m] >= 5 * off ? "yes" : "no"),
			"baseline: the queue alone (bench/fastpath.sh), the same generator" }' \
		    "$BENCH_OUT/fastpath.txt" >>"$BENCH_RESULTS"
	fi
done
secs=$(($(date +%s) - t0))
load1=$(cut -d' ' -f1-3 /proc/loadavg)

{
	echo "Measured $started by \`make bench\` ($secs s) on $(machine)."
	echo "nfqd $(git -C "$TOP" describe --always --dirty 2>/dev/null || echo '?'),"\
	    "$(ndpiReader -h 2>/dev/null | sed -n 's/^Welcome to //p' | head -n 1),"\
	    "$(iptables -V 2>/dev/null), $(iperf3 -v 2>/dev/null | head -n 1 | cut -d' ' -f1-2)."
	echo "Load average before and after: $load0 / $load1."
	echo
	echo "| figure | nfqd | baseline | ratio | goal | met | note |"
	echo "|---|---|---|---|---|---|---|"
	awk -F '\t' '{ printf "| %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7 }' \
	    "$BENCH_RESULTS"
} >"$BENCH_OUT/results.md"
echo
cat "$BENCH_OUT/results.md"
echo
echo "(also in $BENCH_OUT/results.md)"
[ -z "$failed" ] || { echo "bench: failed:$failed" >&2; exit 1; }
