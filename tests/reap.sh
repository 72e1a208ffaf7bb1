# tests/reap.sh: stop what a test or benchmark started (sourced by bash).
#
# reap PAUSE PID...: TERM each PID and every process inside the namespaces
# in $NAMESPACES, wait up to ten PAUSEs for them to go, KILL what is left,
# then delete the namespaces (which removes their veths, rules, ipsets and
# conntrack tables).  Shared by tests/e2e/lib.sh and bench/lib.sh.

reap() {
	local pause=$1 ns pid pids alive
	shift
	pids="$*"
	for ns in "${NAMESPACES[@]}"; do
		pids="$pids $(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')"
	done
	for pid in $pids; do kill -TERM "$pid" 2>/dev/null; done
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		alive=""
		for pid in $pids; do
			kill -0 "$pid" 2>/dev/null && alive="$alive $pid"
		done
		pids=$alive
		[ -z "$pids" ] && break
		sleep "$pause"
	done
	for pid in $pids; do kill -KILL "$pid" 2>/dev/null; done
	for ns in "${NAMESPACES[@]}"; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null
	done
}
