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
# The benchmark capture (-b, never committed): the same bytes for the
# same seed, other bytes for another, records in time order.
mkdir "$tmp/b"
"$PCAPGEN" -b "$tmp/b/1" -n 500 -t 5 >/dev/null &&
    "$PCAPGEN" -b "$tmp/b/2" -n 500 -t 5 >/dev/null &&
    "$PCAPGEN" -b "$tmp/b/3" -n 500 -t 5 -s 2 >/dev/null
if cmp -s "$tmp/b/1" "$tmp/b/2" && ! cmp -s "$tmp/b/1" "$tmp/b/3" &&
    python3 - "$tmp/b/1" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read()
off, last, n = 24, 0, 0
while off + 16 <= len(d):
    s, us, cap, _ = struct.unpack_from("<IIII", d, off)
    t = s * 1000000 + us
    assert t >= last, "records out of time order"
    last, off, n = t, off + 16 + cap, n + 1
assert off == len(d) and n > 5000, (off, len(d), n)
PY
then
	pass=$((pass + 1))
else
	echo "FAIL nfqd-pcapgen -b: not reproducible, or records out of order"
	fail=$((fail + 1))
fi
echo "pcaps: $pass passed, $fail failed"
[ $fail = 0 ]
