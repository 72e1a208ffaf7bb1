#!/bin/bash
# Run the end-to-end tests: every tests/e2e/test_*.sh (or the ones named on
# the command line, e.g. `run.sh policy reload`), each in its own fresh
# throwaway topology.  Prints `ok NAME` / `FAIL NAME` / `skip NAME`, then
# `e2e: N passed, N failed, N skipped`; exits 1 if any test failed.
#
# Needs root (network namespaces); without root every test is skipped.
# A test that runs longer than E2E_TEST_TIMEOUT seconds (default 300) is
# stopped and counted as failed.  KEEP=1 leaves each test's namespaces.
set -u
here=$(cd "$(dirname "$0")" && pwd)
limit=${E2E_TEST_TIMEOUT:-300}
pass=0 fail=0 skip=0
failed=()

tests=()
if [ $# -gt 0 ]; then
	for n in "$@"; do
		n=${n##*/}; n=${n%.sh}; n=${n#test_}
		[ -f "$here/test_$n.sh" ] || { echo "no test $n" >&2; exit 2; }
		tests+=("$here/test_$n.sh")
	done
else
	tests=("$here"/test_*.sh)
fi

if [ "$(id -u)" != 0 ]; then
	for t in "${tests[@]}"; do
		echo "skip $(basename "$t" .sh) (not root: network namespaces need root)"
		skip=$((skip + 1))
	done
	echo "e2e: $pass passed, $fail failed, $skip skipped"
	exit 0
fi

out=$(mktemp -d /tmp/nfqdt-run.XXXXXX)
trap 'rm -rf "$out"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

for t in "${tests[@]}"; do
	name=$(basename "$t" .sh)
	start=$(date +%s)
	# timeout sends TERM (the test's trap tears down), then KILL 15 s later.
	timeout -k 15 "$limit" bash "$t" >"$out/$name.log" 2>&1
	rc=$?
	secs=$(( $(date +%s) - start ))
	case $rc in
	0)	echo "ok $name (${secs}s)"; pass=$((pass + 1)) ;;
	77)	echo "skip $name: $(grep -m1 '^  skip' "$out/$name.log" | sed 's/^  skip //')"
		skip=$((skip + 1)) ;;
	*)	[ $rc = 124 ] && echo "    (stopped after ${limit}s)" >>"$out/$name.log"
		echo "FAIL $name (${secs}s, exit $rc)"
		sed 's/^/    /' "$out/$name.log"
		failed+=("failed: $name")
		mapfile -t -O "${#failed[@]}" failed < <(grep -m 5 '^  FAIL' "$out/$name.log")
		fail=$((fail + 1)) ;;
	esac
	[ "${E2E_VERBOSE:-0}" = 1 ] && [ $rc = 0 ] && sed 's/^/    /' "$out/$name.log"
done
# The failed checks again, last: a log cut in the middle keeps its end.
[ $fail = 0 ] || printf '%s\n' "${failed[@]}"
echo "e2e: $pass passed, $fail failed, $skip skipped"
[ $fail = 0 ]
