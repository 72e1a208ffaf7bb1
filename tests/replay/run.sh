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

# Every event of the suite, as EVE consumers read it (tools/eve-check.py):
# against nfqd's schema (docs/eve-schema.json), Suricata's types against
# Suricata's schema and words (when ../shared has it), and the
# community_id of every connection event recomputed in Python, with each
# case's community-id and community-id-seed.  First, events that are
# wrong in each of those ways must be caught: the check can fail.
SURI=$top/../shared/eve/suricata-schema.json
set -- --nfqd "$top/docs/eve-schema.json"
[ -f "$SURI" ] && set -- "$@" --suricata "$SURI"
if python3 "$top/tools/eve-check.py" --summary "$@" \
    "$top/tests/replay/eve-bad.json" >"$out/bad.out" 2>&1 ||
    ! grep -q "^eve-check: 0 of " "$out/bad.out"; then
	echo "FAIL eve-check: the wrong events of tests/replay/eve-bad.json" \
	    "were not all caught"
	sed 's/^/    /' "$out/bad.out"
	fail=$((fail + 1))
fi
groups=""
for f in "$out"/*.json; do
	name=$(basename "$f" .json)
	conf=$top/tests/replay/$name/nfqd.conf
	seed=$(sed -n 's/^[[:space:]]*community-id-seed[[:space:]]*=[[:space:]]*\([0-9]*\).*/\1/p' "$conf" | tail -n 1)
	g=seed${seed:-0}
	grep -q '^[[:space:]]*community-id[[:space:]]*=[[:space:]]*no' "$conf" && g=off
	echo "$f" >>"$out/group.$g"
	case " $groups " in *" $g "*) ;; *) groups="$groups $g" ;; esac
done
for g in $groups; do
	case $g in off) opt=--no-community-id ;; *) opt="--seed ${g#seed}" ;; esac
	if python3 "$top/tools/eve-check.py" $opt "$@" \
	    $(cat "$out/group.$g") >"$out/check.$g" 2>&1; then
		echo "ok   schema ($g): $(head -n 1 "$out/check.$g" | cut -c 12-)"
		pass=$((pass + 1))
	else
		echo "FAIL schema ($g):"
		sed 's/^/    /' "$out/check.$g"
		fail=$((fail + 1))
	fi
done
[ -f "$SURI" ] || echo "skip Suricata's schema (no $SURI)"
echo "replay: $pass passed, $fail failed, $skip skipped"
[ $fail = 0 ]
