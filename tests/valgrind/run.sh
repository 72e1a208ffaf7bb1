#!/bin/sh
# make test-valgrind: valgrind memcheck over every replay case (nfqd
# --replay) and over the daemon's nfqctl end-to-end test (tests/e2e/
# test_nfqctl.sh: nfqd live on NFQUEUE with reloads, quarantines, the
# control socket, flows, restarts; every nfqctl under valgrind too).
# Zero errors and zero definite or indirect leaks: a process with either
# exits 99 (its test fails) and leaves a report, and any report fails the
# run.  tests/valgrind.supp holds reviewed suppressions (none needed).
#
# The daemon test runs with `seccomp = no` (E2E_CONF_EXTRA): valgrind
# does not implement seccomp(2), and a filter would apply to valgrind's
# own system calls.  Without root (network namespaces) it is skipped.
#
#   VG_BIN   where nfqd and nfqctl are (default bin/; not a SAN=1 build)
# About 3 minutes on 2 cores.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
VG_BIN=${VG_BIN:-$top/bin}
case $VG_BIN in /*) ;; *) VG_BIN=$top/$VG_BIN ;; esac
command -v valgrind >/dev/null 2>&1 ||
    { echo "valgrind: not installed (tools/deps.sh)" >&2; exit 1; }
VG_LOGDIR=$(mktemp -d /tmp/nfqd-valgrind.XXXXXX)
export VG_BIN VG_LOGDIR
trap 'rm -rf "$VG_LOGDIR"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
fail=0

if NFQD=$here/nfqd "$top/tests/replay/run.sh" >"$VG_LOGDIR/replay.out" 2>&1; then
	echo "ok   replay under valgrind: $(tail -n 1 "$VG_LOGDIR/replay.out")"
else
	echo "FAIL replay under valgrind"
	grep -v '^ok ' "$VG_LOGDIR/replay.out" | sed 's/^/    /'
	fail=1
fi
mv "$VG_LOGDIR/replay.out" "$VG_LOGDIR/replay.txt"

if [ "$(id -u)" = 0 ]; then
	if E2E_CONF_EXTRA="seccomp = no" NFQD=$here/nfqd NFQCTL=$here/nfqctl \
	    NFQD_RULES=$VG_BIN/nfqd-rules "$top/tests/e2e/run.sh" nfqctl \
	    >"$VG_LOGDIR/e2e.txt" 2>&1; then
		echo "ok   daemon under valgrind: $(tail -n 1 "$VG_LOGDIR/e2e.txt")"
	else
		echo "FAIL daemon under valgrind"
		sed 's/^/    /' "$VG_LOGDIR/e2e.txt"
		fail=1
	fi
else
	echo "skip daemon under valgrind (not root: network namespaces)"
fi

n=0 bad=0
for f in "$VG_LOGDIR"/*.log; do
	[ -e "$f" ] || continue
	n=$((n + 1))
	[ -s "$f" ] || continue
	bad=$((bad + 1))
	echo "FAIL valgrind report $(basename "$f"):"
	sed 's/^/    /' "$f"
done
nd=$(find "$VG_LOGDIR" -name 'nfqd.*.log' | wc -l)
nc=$(find "$VG_LOGDIR" -name 'nfqctl.*.log' | wc -l)
[ "$nd" -gt 0 ] || { echo "FAIL no nfqd ran under valgrind"; fail=1; }
echo "valgrind: $n processes ($nd nfqd, $nc nfqctl), $bad with errors or leaks"
[ $fail = 0 ] && [ $bad = 0 ]
