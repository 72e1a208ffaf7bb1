#!/bin/bash
# bench/live.sh: nfqd live on NFQUEUE, in network namespaces, against
# baselines measured in the same run.  Root only.
#
#   out 203.0.113.66 -- r-out [router: forwarding, nfqd-rules, nfqd] r-in -- in 10.20.1.25, 10.20.8.15
#
# 1. SYN flood (bench/flood, AF_PACKET from `out`, a new source in
#    100.64.0.0/10 per packet, to 10.20.3.44:25: blocked inbound): packets
#    decided per second at the router, over a window in the middle of the
#    flood, for
#      - kernel-only: nfqd-rules installed, nothing bound to the queue
#        (--queue-bypass): the degraded-mode iptables+ipset rules enforce
#        the same exceptions in the kernel: the ceiling;
#      - bench/acceptall: the minimal libnetfilter_queue program, one
#        NF_ACCEPT per packet (the packets then meet the same rules): the
#        floor of userspace cost;
#      - nfqd (enforce, classification on, events to a file);
#    with one queue (generator pinned to CPU 1, the queue's reader to CPU
#    0), then two queues (--queue-balance 0:1, one reader per CPU; the
#    generator competes with both: this machine has 2 CPUs).  Decided =
#    the queues' id_sequence less user_dropped (/proc/net/netfilter/
#    nfnetlink_queue); kernel-only: the FORWARD jump's packet counter.
# 2. Connection setup (bench/connlat): 10,000 connections per second to
#    10.20.1.25:25 (the gateway, allowed), connect() to writable, with
#    nfqd and with no rules and no queue at all; best p50/p99 of 2 rounds.
#    The same with bench/acceptall on the queue shows what any userspace
#    queue reader adds.  RATE=N sets another rate of connections per second.
#    PERF=1 records a profile of nfqd (all its threads) in its one-queue flood, in
#    build/bench/perf-live-nfqd.data.
# 3. Bulk: iperf3 on port 25 to 10.20.8.15 (allowed), nfqd with its
#    bypass marks against the same rules with nothing on the queue, and
#    against no rules at all; best of 2 rounds.
. "$(dirname "$0")/lib.sh"
bench_init

[ "$(id -u)" = 0 ] || { say "live: needs root (network namespaces)"; exit 77; }
for c in ip iptables iptables-save ipset iperf3 taskset python3; do
	command -v "$c" >/dev/null || { say "live: $c missing (tools/deps.sh)"; exit 1; }
done

FLOOD_SECS=5 WIN_FROM=1.5 WIN_LEN=3
CONNS=20000 BULK_SECS=4 ROUNDS=2
if [ "$BENCH_QUICK" = 1 ]; then
	FLOOD_SECS=3 WIN_FROM=1 WIN_LEN=1.5 CONNS=5000 BULK_SECS=2 ROUNDS=1
fi
R=${P}router O=${P}out I=${P}in
RATE=${RATE:-10000}

topo_up() {
	ns_add router; ns_add out; ns_add in
	ip netns exec "$R" sysctl -qw net.ipv4.ip_forward=1 \
	    net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
	ip -n "$R" link add r-out type veth peer name eth0 netns "$O"
	ip -n "$R" link add r-in type veth peer name eth0 netns "$I"
	ip -n "$R" addr add 203.0.113.1/24 dev r-out
	ip -n "$R" addr add 10.20.0.1/16 dev r-in
	ip -n "$O" addr add 203.0.113.66/24 dev eth0
	ip -n "$I" addr add 10.20.1.25/16 dev eth0
	ip -n "$I" addr add 10.20.8.15/16 dev eth0
	for l in "$R r-out" "$R r-in" "$O eth0" "$I eth0"; do
		set -- $l
		ip -n "$1" link set "$2" up
	done
	ip netns exec "$R" sysctl -qw net.ipv4.conf.r-out.rp_filter=0
	ip -n "$O" route add default via 203.0.113.1
	ip -n "$I" route add default via 10.20.0.1
	ROUTER_MAC=$(ip -n "$R" -o link show r-out | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
}

make_conf() {	# QUEUES -> $BT/nfqd.conf
	mkdir -p "$BT/conf" "$BT/state"
	cp "$TOP/nfqd/exceptions.conf" "$BT/conf/exceptions.conf"
	sed -e "s|^events.*|events = file:$BENCH_OUT/live-eve.json|" \
	    -e "s|^exceptions.*|exceptions = $BT/conf/exceptions.conf|" \
	    -e "s|^mode = monitor\$|mode = enforce|" \
	    "$TOP/nfqd/nfqd.conf" >"$BT/nfqd.conf"
	printf 'state-dir = %s/state\nqueues = %s\ncontrol-socket = %s/control.sock\n' \
	    "$BT" "$1" "$BT" >>"$BT/nfqd.conf"
}

rules() {	# install|remove
	timeout 60 ip netns exec "$R" "$NFQD_RULES" -c "$BT/nfqd.conf" "$1" \
	    >"$BT/rules.log" 2>&1 || { cat "$BT/rules.log" >&2; say "live: nfqd-rules $1 failed"; exit 1; }
}

# Wait until N queues are bound in the router.
wait_bound() {	# N
	for _ in $(seq 1 100); do
		[ "$(ip netns exec "$R" cat /proc/net/netfilter/nfnetlink_queue | wc -l)" -ge "$1" ] &&
		    return 0
		sleep 0.1
	done
	say "live: queue(s) not bound in 10 s"; cat "$BT/procs.log" >&2; exit 1
}

wait_unbound() {
	for _ in $(seq 1 50); do
		[ "$(ip netns exec "$R" cat /proc/net/netfilter/nfnetlink_queue | wc -l)" = 0 ] &&
		    return 0
		sleep 0.1
	done
	say "live: a queue is still bound"; exit 1
}

# Packets decided so far: by the queues' readers, or by the kernel rules.
decided_queue() {
	ip netns exec "$R" cat /proc/net/netfilter/nfnetlink_queue |
	    awk '{ n += $8 - $7 } END { print n + 0 }'
}
decided_kernel() {
	ip netns exec "$R" iptables-save -c -t filter |
	    sed -n 's/^\[\([0-9]*\):[0-9]*\] -A FORWARD .*-j NFQD$/\1/p' | head -n 1
}

# CPU ticks of PID's threads, "kind ticks" lines: the queue's reader is
# the thread pinned to CPU 0 (live.c pins queue N's worker to CPU N;
# acceptall -c 0), "other" is the rest (nfqd's event writer, sinks, main,
# control).
task_ticks() {
	local t kind
	for t in /proc/"$1"/task/*; do
		case $(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' "$t/status" 2>/dev/null) in
		0) kind=reader ;;
		*) kind=other ;;
		esac
		printf '%s %s\n' "$kind" "$(awk '{ print $14 + $15 }' "$t/stat" 2>/dev/null)"
	done
}

FLOOD_OFFSET=0
# flood COUNTER GEN_CPU: decided per second over the window -> $PPS,
# the generator's own rate -> $OFFERED
flood() {
	local counter=$1 cpu=$2 c0 c1 t0 t1 pid pin=""
	[ "$cpu" != - ] && pin="taskset -c $cpu"
	: >"$BT/flood.out"
	# shellcheck disable=SC2086
	bg_ns "$O" "$BT/flood.out" $pin "$BENCH_BIN/flood" -i eth0 -m "$ROUTER_MAC" \
	    -d 10.20.3.44 -p 25 -t "$FLOOD_SECS" -n 20000000 -o "$FLOOD_OFFSET"
	pid=$BG_PID
	FLOOD_OFFSET=$((FLOOD_OFFSET + 1000003))
	sleep "$WIN_FROM"
	[ -n "${TASKS_PID:-}" ] && task_ticks "$TASKS_PID" >"$BT/ticks0"
	c0=$($counter) t0=$(date +%s.%N)
	if [ -n "${PERF_OUT:-}" ]; then
		perf record -g -p "$NFQD_PID" -o "$PERF_OUT" -- sleep "$WIN_LEN" \
		    >/dev/null 2>&1
		PERF_OUT=""
	else
		sleep "$WIN_LEN"
	fi
	c1=$($counter) t1=$(date +%s.%N)
	if [ -n "${TASKS_PID:-}" ]; then
		# Each thread's share of a CPU over the window.
		task_ticks "$TASKS_PID" >"$BT/ticks1"
		THREADS=$(awk -v hz="$(getconf CLK_TCK)" -v w="$(calc "$t1 - $t0" %.3f)" \
		    'NR == FNR { a[$1] += $2; next } { b[$1] += $2 }
		     END { for (n in b) if (b[n] - a[n] > 0) {
			printf "%s%s %.0f%%", s, n, (b[n] - a[n]) * 100 / hz / w; s = ", " } }' \
		    "$BT/ticks0" "$BT/ticks1")
		# CPU time (all threads, user and kernel) per decided packet.
		CPUPP=$(awk -v hz="$(getconf CLK_TCK)" -v n="$((c1 - c0))" \
		    'NR == FNR { a += $2; next } { b += $2 } END { printf "%.1f", (n > 0 ? (b - a) / hz / n * 1e6 : 0) }' \
		    "$BT/ticks0" "$BT/ticks1")
		say "    CPU: $THREADS; $CPUPP us per decided packet"
	fi
	wait "$pid"
	PPS=$(calc "($c1 - $c0) / ($t1 - $t0)" %.0f)
	OFFERED=$(sed -n 's/.*: \([0-9]*\) pps$/\1/p' "$BT/flood.out")
	say "    decided $PPS pps (generator offered ${OFFERED:-?} pps)"
}

start_nfqd() {	# NQUEUES
	: >"$BT/procs.log"
	rm -f "$BENCH_OUT/live-eve.json"
	bg_ns "$R" "$BT/procs.log" "$NFQD" -c "$BT/nfqd.conf"
	NFQD_PID=$BG_PID
	wait_bound "$1"
}

start_acceptall() {	# NQUEUES
	local q
	: >"$BT/procs.log"
	AA_PIDS=""
	for q in $(seq 0 $(($1 - 1))); do
		bg_ns "$R" "$BT/procs.log" "$BENCH_BIN/acceptall" -q "$q" -c "$q"
		AA_PIDS="$AA_PIDS $BG_PID"
	done
	wait_bound "$1"
}

stop_all() {	# PIDS...
	local p
	for p in "$@"; do stop_pid "$p"; done
	wait_unbound
}

# connlat round -> $P50 $P99
latency() {
	local out
	out=$(ip netns exec "$O" timeout 60 "$BENCH_BIN/connlat" -c 10.20.1.25 -p 25 \
	    -r "$RATE" -n "$CONNS" 2>&1) || { say "live: connlat: $out"; exit 1; }
	say "    $out"
	P50=$(printf '%s\n' "$out" | sed -n 's/.* p50 \([0-9.]*\) .*/\1/p')
	P99=$(printf '%s\n' "$out" | sed -n 's/.* p99 \([0-9.]*\) .*/\1/p')
	FAILED=$(printf '%s\n' "$out" | sed -n 's/.* ok \([0-9]*\) failed.*/\1/p')
}

# iperf3 round -> $GBPS
bulk() {
	ip netns exec "$O" timeout $((BULK_SECS + 20)) iperf3 -c 10.20.8.15 -p 25 \
	    -t "$BULK_SECS" -J >"$BT/iperf.json" 2>&1 ||
	    { tail -n 5 "$BT/iperf.json" >&2; say "live: iperf3 failed"; exit 1; }
	GBPS=$(python3 -c 'import json,sys; print("%.2f" % (json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"] / 1e9))' "$BT/iperf.json")
	say "    iperf3 $GBPS Gbit/s"
}

best_min() { awk 'BEGIN { m = "" } { if (m == "" || $1 < m) m = $1 } END { print m }'; }
best_max() { awk 'BEGIN { m = "" } { if (m == "" || $1 > m) m = $1 } END { print m }'; }

topo_up
bg_ns "$I" "$BT/servers.log" "$BENCH_BIN/connlat" -l 10.20.1.25 -p 25
bg_ns "$I" "$BT/servers.log" iperf3 -s -B 10.20.8.15 -p 25
for _ in $(seq 1 50); do
	grep -q 'connlat: listening' "$BT/servers.log" &&
	    ip netns exec "$I" ss -ltn | grep -q '10.20.8.15:25' && break
	sleep 0.1
done
# The path works (and the neighbour tables are warm) before any figure.
ip netns exec "$O" timeout 20 "$BENCH_BIN/connlat" -c 10.20.1.25 -p 25 -r 1000 \
    -n 100 >/dev/null 2>&1 || { say "live: no connection through the router"; exit 1; }

# ---- one queue -------------------------------------------------------
make_conf 0
: >"$BT/lat.nq" ; : >"$BT/lat.nfqd" ; : >"$BT/lat.aa" ; : >"$BT/bulk.nq" ; : >"$BT/bulk.nfqd" ; : >"$BT/bulk.k"
for round in $(seq 1 "$ROUNDS"); do
	say "live: no queue, no rules: latency and bulk (round $round)"
	latency; echo "$P50 $P99 $FAILED" >>"$BT/lat.nq"
	bulk; echo "$GBPS" >>"$BT/bulk.nq"
	rules install
	say "live: kernel-only rules, nothing on the queue: bulk (round $round)"
	bulk; echo "$GBPS" >>"$BT/bulk.k"
	say "live: nfqd, 1 queue: bulk and latency (round $round)"
	start_nfqd 1
	# The bypass at work: how many of the transfer's packets met the queue.
	q0=$(decided_queue) f0=$(decided_kernel)
	task_ticks "$NFQD_PID" >"$BT/ticks0"
	bulk; echo "$GBPS" >>"$BT/bulk.nfqd"
	q1=$(decided_queue) f1=$(decided_kernel)
	task_ticks "$NFQD_PID" >"$BT/ticks1"
	BULKQ="$((q1 - q0)) of $((f1 - f0))"
	BULKCPU=$(awk -v hz="$(getconf CLK_TCK)" 'NR == FNR { a += $2; next } { b += $2 }
	    END { printf "%.2f", (b - a) / hz }' "$BT/ticks0" "$BT/ticks1")
	say "    during the transfer: $BULKQ port-25 packets queued, nfqd used $BULKCPU s of CPU"
	latency; echo "$P50 $P99 $FAILED" >>"$BT/lat.nfqd"
	stop_all "$NFQD_PID"
	say "live: acceptall, 1 queue: latency (round $round)"
	start_acceptall 1
	latency; echo "$P50 $P99 $FAILED" >>"$BT/lat.aa"
	# shellcheck disable=SC2086
	stop_all $AA_PIDS
	rules remove
done

# Floods: ROUNDS rounds, the setups alternating; the best round of each.
: >"$BT/k1" ; : >"$BT/a1" ; : >"$BT/n1" ; : >"$BT/a2" ; : >"$BT/n2" ; : >"$BT/hwm"
rules install
for round in $(seq 1 "$ROUNDS"); do
	say "live: kernel-only rules, 1 generator (round $round)"
	flood decided_kernel 1
	echo "$PPS $OFFERED" >>"$BT/k1"
	say "live: acceptall, 1 queue (round $round)"
	start_acceptall 1
	TASKS_PID=${AA_PIDS# }
	flood decided_queue 1
	TASKS_PID=""
	echo "$PPS $OFFERED $CPUPP" >>"$BT/a1"
	# shellcheck disable=SC2086
	stop_all $AA_PIDS
	say "live: nfqd, 1 queue (round $round)"
	start_nfqd 1
	# PERF=1: a profile of nfqd in this flood's window (perf report -i).
	[ "${PERF:-0}" = 1 ] && PERF_OUT=$BENCH_OUT/perf-live-nfqd.data
	TASKS_PID=$NFQD_PID
	flood decided_queue 1
	TASKS_PID=""
	echo "$PPS $OFFERED $CPUPP $THREADS" >>"$BT/n1"
	awk '/VmHWM/ { print $2 }' "/proc/$NFQD_PID/status" >>"$BT/hwm"
	stop_all "$NFQD_PID"
done
rules remove

# ---- two queues ------------------------------------------------------
make_conf 0-1
rules install
for round in $(seq 1 "$ROUNDS"); do
	say "live: acceptall, 2 queues (round $round)"
	start_acceptall 2
	flood decided_queue -
	echo "$PPS $OFFERED" >>"$BT/a2"
	# shellcheck disable=SC2086
	stop_all $AA_PIDS
	say "live: nfqd, 2 queues (round $round)"
	start_nfqd 2
	flood decided_queue -
	echo "$PPS $OFFERED" >>"$BT/n2"
	stop_all "$NFQD_PID"
done
rules remove
best_row() { sort -n -k 1 "$1" | tail -n 1; }
read -r K1 K1O <<<"$(best_row "$BT/k1")"
read -r A1 _ A1C <<<"$(best_row "$BT/a1")"
read -r N1 N1O N1C N1T <<<"$(best_row "$BT/n1")"
read -r A2 _ <<<"$(best_row "$BT/a2")"
read -r N2 _ <<<"$(best_row "$BT/n2")"
HWM1=$(best_max <"$BT/hwm")

# ---- the figures -----------------------------------------------------
np50=$(awk '{ print $1 }' "$BT/lat.nfqd" | best_min) bp50=$(awk '{ print $1 }' "$BT/lat.nq" | best_min)
np99=$(awk '{ print $2 }' "$BT/lat.nfqd" | best_min) bp99=$(awk '{ print $2 }' "$BT/lat.nq" | best_min)
nb=$(best_max <"$BT/bulk.nfqd") bb=$(best_max <"$BT/bulk.nq") kb=$(best_max <"$BT/bulk.k")
ap50=$(awk '{ print $1 }' "$BT/lat.aa" | best_min) ap99=$(awk '{ print $2 }' "$BT/lat.aa" | best_min)

row "live decisions, 1 queue (pkt/s)" "$N1" "$A1" "$(calc "$N1 / $A1")x" ">= 0.8x" \
    "$(met "$N1 / $A1 >= 0.8")" "baseline: bench/acceptall; generator offered $N1O pkt/s; nfqd's CPU: $N1T (reader: the queue's thread; other: the event writer and the rest)"
row "live CPU per decided packet, 1 queue (us)" "$N1C" "$A1C" "$(calc "$N1C / $A1C")x" "-" "-" \
    "user+system time of every thread of the reader process over the window, per packet decided"
row "live decisions, 2 queues (pkt/s)" "$N2" "$A2" "$(calc "$N2 / $A2")x" ">= 0.8x" \
    "$(met "$N2 / $A2 >= 0.8")" "2 CPUs, shared with the generator"
row "live scaling, 2 queues / 1 queue" "$(calc "$N2 / $N1")x" "$(calc "$A2 / $A1")x" \
    "$(calc "($N2 / $N1) / ($A2 / $A1)")x" "scales with cores" \
    "$(met "$N2 / $N1 >= 0.9 * $A2 / $A1")" "baseline: acceptall's own scaling"
row "live decisions vs kernel-only rules (pkt/s)" "$N1" "$K1" "$(calc "$N1 / $K1")x" "-" "-" \
    "ceiling: degraded-mode iptables+ipset, no queue; generator offered $K1O pkt/s"
row "live peak RSS during the flood (MB)" "$(calc "$HWM1 / 1024" %.1f)" "-" "-" "flat" "-" \
    "nfqd VmHWM after $FLOOD_SECS s of flood, a new source per SYN"
row "connection setup p50 (us), $RATE conn/s" "$np50" "$bp50" "+$(calc "$np50 - $bp50" %.1f) us" "-" "-" \
    "baseline: no rules, no queue; bench/acceptall on the queue: $ap50 us"
nf=$(awk '{ n += $3 } END { print n + 0 }' "$BT/lat.nfqd") bf=$(awk '{ n += $3 } END { print n + 0 }' "$BT/lat.nq")
row "connection setup p99 (us), $RATE conn/s" "$np99" "$bp99" "+$(calc "$np99 - $bp99" %.1f) us" \
    "<= +50 us" "$(met "$np99 - $bp99 <= 50")" "SYN and SYN-ACK both through the queue; bench/acceptall on the queue: $ap99 us; not set up in 1 s: $nf with nfqd, $bf without (of $((CONNS * ROUNDS)))"
# The issue's "the same path with no queue at all": the same rules and
# conntrack with nothing bound to the queue.  Against no firewall at all
# the difference is conntrack's and iptables' own cost, shown apart.
row "bulk port-25 throughput (Gbit/s)" "$nb" "$kb" "$(calc "$nb / $kb")x" ">= 0.95x" \
    "$(met "$nb / $kb >= 0.95")" "iperf3 over an allowed connection, bypass marks; baseline: the same rules and conntrack, nothing on the queue (--queue-bypass); in the last transfer $BULKQ port-25 packets were queued, nfqd used $BULKCPU s of CPU in $BULK_SECS s"
row "bulk port-25 throughput vs no firewall (Gbit/s)" "$nb" "$bb" "$(calc "$nb / $bb")x" "-" "-" \
    "baseline: no rules, no conntrack; the same rules with nothing on the queue: $(calc "$kb / $bb")x"
rm -f "$BENCH_OUT/live-eve.json"
