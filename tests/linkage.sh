#!/bin/sh
# Each program links only the libraries it uses (Makefile's PKGS_*):
# readelf -d of each lists what the dynamic linker loads for it.  A
# program that pulled in nDPI, Redis or Kafka through a header it did not
# need would load (and trust) them on every run.
set -u
BIN=${BIN:-bin}
bad=0 n=0
needed() { readelf -d "$BIN/$1" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p'; }
# program, libraries it must not load
check() {
	prog=$1; shift
	libs=$(needed "$prog") || { echo "FAIL $prog: readelf"; bad=$((bad+1)); return; }
	for no in "$@"; do
		n=$((n + 1))
		if printf '%s\n' "$libs" | grep -q "^$no"; then
			echo "FAIL $prog loads $no"
			bad=$((bad + 1))
		else
			echo "ok   $prog does not load $no"
		fi
	done
}
check nfqd-rules libndpi libhiredis librdkafka libnetfilter_queue libpcap libseccomp
check nfqctl libndpi libhiredis librdkafka libnetfilter_queue libpcap libbpf libseccomp
check nfqd-collect libndpi libhiredis librdkafka libnetfilter_queue libpcap libbpf libseccomp
# and the daemon still loads what it runs on
for lib in libnetfilter_queue libndpi libbpf libhiredis librdkafka; do
	n=$((n + 1))
	if needed nfqd | grep -q "^$lib"; then
		echo "ok   nfqd loads $lib"
	else
		echo "FAIL nfqd does not load $lib"
		bad=$((bad + 1))
	fi
done
echo "linkage: $n checks, $bad failed"
[ "$bad" = 0 ]
