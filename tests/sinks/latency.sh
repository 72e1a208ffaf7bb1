#!/bin/sh
# Verdict latency with a dead, stuck or refusing collector against stdout
# on /dev/null (see latency.c).  A measurement, not a test: it prints a
# table and always passes.  Builds against the library `make` left in
# build/obj (BUILD=... for another).
#	tests/sinks/latency.sh [PACKETS [SPEC...]]  (SPEC: more sinks, e.g. redis://...)
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
BUILD=${BUILD:-build/obj}
CC=${CC:-cc}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
make --no-print-directory "$BUILD/libnfqd.a" >/dev/null
# shellcheck disable=SC2046
$CC -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Infqd -I. -o "$out/latency" \
    tests/sinks/latency.c "$BUILD/libnfqd.a" \
    $(pkg-config --cflags --libs libpcap libcjson libmnl libnetfilter_queue libndpi libcap-ng libseccomp hiredis rdkafka) \
    -lpthread
"$out/latency" "$@"
