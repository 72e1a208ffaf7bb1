# bench/lib.sh: what the benchmark scripts share (sourced by bash).
#
# Each benchmark appends rows to $BENCH_RESULTS, one per figure, tab
# separated: figure, nfqd, baseline, ratio, goal, met (yes/no/-), note.
# bench/run.sh turns them into the table.  Scratch files live in $BT
# (under /tmp), namespaces are named nfqdb-<pid>-*; both are removed by
# the EXIT trap, pass or fail.

set -u
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$BENCH_DIR/.." && pwd)
NFQD=${NFQD:-$TOP/bin/nfqd}
NFQD_RULES=${NFQD_RULES:-$TOP/bin/nfqd-rules}
PCAPGEN=${PCAPGEN:-$TOP/bin/nfqd-pcapgen}
BENCH_BIN=${BENCH_BIN:-$TOP/build/obj/bench}
BENCH_OUT=${BENCH_OUT:-$TOP/build/bench}
BENCH_RESULTS=${BENCH_RESULTS:-$BENCH_OUT/results.tsv}
BENCH_QUICK=${BENCH_QUICK:-0}	# 1: shorter runs, for checking the scripts
for v in NFQD NFQD_RULES PCAPGEN BENCH_BIN BENCH_OUT BENCH_RESULTS; do
	case ${!v} in /*) ;; *) printf -v "$v" '%s' "$TOP/${!v}" ;; esac
done
export PATH="$PATH:/usr/sbin:/sbin"
mkdir -p "$BENCH_OUT"
. "$TOP/tests/reap.sh"

BT=""
NAMESPACES=()
STARTED_PIDS=()
P="nfqdb-$$-"

say() { printf '%s\n' "$*" >&2; }

# row FIGURE NFQD BASELINE RATIO GOAL MET [NOTE]
row() {
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "$6" \
	    "${7:-}" >>"$BENCH_RESULTS"
	say "  $1: nfqd $2, baseline $3, ratio $4 (goal $5: $6)"
}

# Arithmetic in awk: calc 'EXPR' (prints with the given format, %.2f).
calc() { awk "BEGIN { printf \"${2:-%.2f}\", $1 }"; }
# yes when awk finds CONDITION true
met() { awk "BEGIN { exit !($1) }" && echo yes || echo no; }

bench_cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	reap 0.2 "${STARTED_PIDS[@]}"
	[ -n "$BT" ] && [ -d "$BT" ] && rm -rf "$BT"
	exit "$rc"
}

bench_init() {
	BT=$(mktemp -d "/tmp/nfqdb-$$.XXXXXX") || exit 1
	trap bench_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

# Start PROGRAM... in namespace NS in the background; pid in $BG_PID.
bg_ns() {	# NS OUT PROGRAM ARGS...
	local ns=$1 out=$2
	shift 2
	ip netns exec "$ns" "$@" >>"$out" 2>&1 &
	BG_PID=$!
	STARTED_PIDS+=("$BG_PID")
}

# Stop a process we started: TERM, then KILL after 5 s.
stop_pid() {	# PID
	local pid=$1
	kill -TERM "$pid" 2>/dev/null
	for _ in $(seq 1 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

ns_add() {	# SHORTNAME
	local ns="$P$1"
	ip netns del "$ns" 2>/dev/null
	ip netns add "$ns" || { say "ip netns add $ns failed"; exit 1; }
	NAMESPACES+=("$ns")
	ip -n "$ns" link set lo up
}

# The machine, for the report's header.
machine() {
	local cpu
	cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -n 1)
	printf '%s, %s CPUs, %s GiB; Linux %s; %s' "${cpu:-unknown CPU}" \
	    "$(nproc)" "$(awk '/MemTotal/ { printf "%.0f", $2 / 1048576 }' /proc/meminfo)" \
	    "$(uname -r)" "$(. /etc/os-release 2>/dev/null; echo "${PRETTY_NAME:-}")"
}
