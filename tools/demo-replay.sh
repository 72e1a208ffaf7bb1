#!/bin/sh
# make demo-replay: replay the bundled campus day through nfqd with the sample
# configuration, show each event as a readable line, then the summary.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
events=$(mktemp)
trap 'rm -f "$events"' EXIT INT TERM
echo "== sample policy: nfqd/nfqd.conf"
grep -v '^#' nfqd/nfqd.conf | sed '/^$/d; s/^/   /'
echo "== exception list: nfqd/exceptions.conf"
grep -v '^#' nfqd/exceptions.conf | sed '/^$/d; s/^/   /'
echo "== events (JSON, one per line, in $events while this runs)"
bin/nfqd -c nfqd/nfqd.conf --replay test-pcaps/campus-day.pcap \
    >"$events" 2>"$events.summary" || true
python3 tools/eve-pretty.py "$events"
echo "== one event as the collector sees it"
head -n 1 "$events"
echo "== summary"
cat "$events.summary"
rm -f "$events.summary"
