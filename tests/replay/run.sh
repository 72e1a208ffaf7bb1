#!/bin/sh
# Golden replay tests: each folder under tests/replay/ holds a `pcap` (path
# from the repository root), nfqd.conf + exceptions.conf, `expect` (checks
# over the events, see check.py), and optionally `exit` and `stderr`.
# Captures under ../shared/ are used when that folder exists, skipped
# cleanly when it does not.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
NFQD=${NFQD:-$top/bin/nfqd}
case $NFQD in /*) ;; *) NFQD=$top/$NFQD ;; esac
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT INT TERM
pass=0 fail=0 skip=0

for dir in "$top"/tests/replay/*/; do
	name=$(basename "$dir")
	[ -f "$dir/expect" ] || continue
	pcap=$(head -n 1 "$dir/pcap")
	case $pcap in /*) ;; *) pcap=$top/$pcap ;; esac
	if [ ! -f "$pcap" ]; then
		case $pcap in
		*/shared/*) echo "skip $name (no $pcap)"; skip=$((skip + 1)); continue ;;
		esac
		echo "FAIL $name: capture $pcap is missing"
		fail=$((fail + 1))
		continue
	fi
	want_rc=0
	[ -f "$dir/exit" ] && want_rc=$(head -n 1 "$dir/exit")
	"$NFQD" -c "$dir/nfqd.conf" --replay "$pcap" \
	    >"$out/$name.json" 2>"$out/$name.err"
	rc=$?
	ok=1
	if [ "$rc" != "$want_rc" ]; then
		echo "FAIL $name: exit $rc, expected $want_rc"
		sed 's/^/    /' "$out/$name.err"
		ok=0
	fi
	if [ -f "$dir/stderr" ]; then
		while IFS= read -r want; do
			[ -n "$want" ] || continue
			if ! grep -qF -- "$want" "$out/$name.err"; then
				echo "FAIL $name: stderr lacks '$want'"
				ok=0
			fi
		done <"$dir/stderr"
	fi
	if ! python3 "$top/tests/replay/check.py" "$dir/expect" \
	    "$out/$name.json"; then
		echo "FAIL $name: events differ from $dir/expect"
		ok=0
	fi
	if [ $ok = 1 ]; then
		echo "ok   $name"
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
	fi
done
echo "replay: $pass passed, $fail failed, $skip skipped"
[ $fail = 0 ]
