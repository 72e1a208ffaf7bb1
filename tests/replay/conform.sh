#!/bin/sh
# The EVE consumer's check (issue 19): every capture in test-pcaps/ and
# ../shared/pcaps/ replayed under four configurations -- enforce, monitor,
# full addresses, responses and policy alerts on -- and every event checked
# by tools/eve-check.py: events of Suricata's types against Suricata's
# schema and vocabulary, every event against docs/eve-schema.json, and
# the community_id of every event that names a connection, recomputed.
#
#   NFQD=bin/nfqd tests/replay/conform.sh [--summary] [--keep DIR]
#
# Exits non-zero when any event fails.  Without ../shared, Suricata's
# schema is missing: the test says so and checks nfqd's schema only.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
NFQD=${NFQD:-$top/bin/nfqd}
case $NFQD in /*) ;; *) NFQD=$top/$NFQD ;; esac
PYTHON=${PYTHON:-python3}
SURI=$top/../shared/eve/suricata-schema.json
summary="" keep=""
while [ $# -gt 0 ]; do
	case $1 in
	--summary) summary=--summary ;;
	--keep) keep=$2; shift ;;
	*) echo "usage: $0 [--summary] [--keep DIR]" >&2; exit 2 ;;
	esac
	shift
done
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT INT TERM

base() {	# the sample campus, its list, every port the captures use
	cat <<EOF
internal-networks = 10.20.0.0/16, 2001:db8:20::/48
smtp-ports = 25, 465, 587, 8240
exceptions = $top/nfqd/exceptions.conf
transit = allow
events = stdout
sensor-name = border-1
EOF
}
base >"$out/enforce.conf"; echo "mode = enforce" >>"$out/enforce.conf"
base >"$out/monitor.conf"; echo "mode = monitor" >>"$out/monitor.conf"
base >"$out/full.conf"; cat >>"$out/full.conf" <<EOF
mode = enforce
smtp-addresses = full
EOF
base >"$out/responses.conf"; cat >>"$out/responses.conf" <<EOF
mode = enforce
smtp-addresses = full
bulk-attempts = 30
bulk-window = 10m
bulk-messages = 5
harvest-recipients = 25
harvest-rejects = 10
harvest-window = 10m
auto-quarantine = 30m
harvest-block = 10m
EOF
# policy-alerts when this nfqd knows the key
cp "$out/responses.conf" "$out/try.conf"
echo "policy-alerts = yes" >>"$out/try.conf"
"$NFQD" -c "$out/try.conf" -n >/dev/null 2>&1 &&
    cp "$out/try.conf" "$out/responses.conf"

n=0
for conf in enforce monitor full responses; do
	for pcap in "$top"/test-pcaps/*.pcap* "$top"/../shared/pcaps/*.pcap*; do
		[ -f "$pcap" ] || continue
		name=$conf-$(basename "$pcap")
		"$NFQD" -c "$out/$conf.conf" --replay "$pcap" \
		    >"$out/$name.json" 2>/dev/null
		n=$((n + 1))
	done
done
set -- --nfqd "$top/docs/eve-schema.json"
[ -f "$top/docs/eve-schema.json" ] || set --
if [ -f "$SURI" ]; then
	set -- "$@" --suricata "$SURI"
else
	echo "conform: no $SURI (../shared): Suricata's schema not checked"
fi
echo "conform: $n replays ($(cat "$out"/*.json | wc -l) events)"
[ -n "$keep" ] && mkdir -p "$keep" && cp "$out"/*.json "$out"/*.conf "$keep"/
"$PYTHON" "$top/tools/eve-check.py" $summary "$@" "$out"/*.json
