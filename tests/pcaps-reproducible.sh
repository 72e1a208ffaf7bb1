#!/bin/sh
# The committed test captures must be exactly what the generator writes.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
PCAPGEN=${PCAPGEN:-$top/bin/nfqd-pcapgen}
case $PCAPGEN in /*) ;; *) PCAPGEN=$top/$PCAPGEN ;; esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
"$PCAPGEN" -o "$tmp" || { echo "FAIL pcapgen"; exit 1; }
pass=0 fail=0
for f in "$tmp"/*; do
	name=$(basename "$f")
	if cmp -s "$f" "$top/test-pcaps/$name"; then
		pass=$((pass + 1))
	else
		echo "FAIL test-pcaps/$name differs from what nfqd-pcapgen writes (run make pcaps)"
		fail=$((fail + 1))
	fi
done
for f in "$top"/test-pcaps/*; do
	[ -e "$tmp/$(basename "$f")" ] || { echo "FAIL $f is not written by nfqd-pcapgen"; fail=$((fail + 1)); }
done
echo "pcaps: $pass passed, $fail failed"
[ $fail = 0 ]
