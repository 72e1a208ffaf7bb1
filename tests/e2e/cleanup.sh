#!/bin/bash
# Remove what an e2e test left behind (after KEEP=1, or a test killed with
# SIGKILL so its trap could not run):
#
#   cleanup.sh PID     the namespaces nfqdt-PID-* and /tmp/nfqdt-PID.*
#   cleanup.sh         every nfqdt-<pid>-* whose test process <pid> is gone
#
# Kills the processes inside those namespaces first (all of them were
# started by that test), then deletes the namespaces.
set -u
export PATH="$PATH:/usr/sbin:/sbin"
[ "$(id -u)" = 0 ] || { echo "cleanup.sh: needs root" >&2; exit 1; }
want=${1:-}
gone=""
for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep '^nfqdt-[0-9]*-'); do
	pid=${ns#nfqdt-}; pid=${pid%%-*}
	if [ -n "$want" ]; then
		[ "$pid" = "$want" ] || continue
	elif kill -0 "$pid" 2>/dev/null; then
		continue		# its test is still running
	fi
	for p in $(ip netns pids "$ns" 2>/dev/null); do kill -TERM "$p" 2>/dev/null; done
	sleep 0.2
	for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
	ip netns del "$ns" && echo "deleted $ns"
	gone="$gone $pid"
done
for pid in $gone $want; do
	for d in /tmp/nfqdt-"$pid".*; do
		[ -d "$d" ] && rm -rf "$d" && echo "removed $d"
	done
done
exit 0
