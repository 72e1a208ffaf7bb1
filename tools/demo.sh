#!/bin/sh
# make demo: replay the bundled campus day through nfqd with the sample
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
python3 - "$events" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    t = e["timestamp"][11:19]
    if e["event_type"] == "policy":
        p = e["policy"]
        x = p.get("exception", {})
        why = p["reason"] + (f" {x['entry']} {x.get('ticket', '')}" if x else "")
        print(f"  {t} policy {p['action']:7} {p['direction']:8} "
              f"{e['src_ip']}:{e['src_port']} -> {e['dest_ip']}:{e['dest_port']}  ({why.strip()})")
    elif e["event_type"] == "flow":
        f = e["flow"]
        print(f"  {t} flow   {f['action']:7} {f['direction']:8} "
              f"{e['src_ip']}:{e['src_port']} -> {e['dest_ip']}:{e['dest_port']}  "
              f"{f['pkts_toserver']}/{f['pkts_toclient']} pkts, {f['state']}, {f['reason']}")
    else:
        s = e["stats"]
        print(f"  {t} stats  {s['decoder']['pkts']} packets, "
              f"{s['policy']['allowed']} allowed, {s['policy']['blocked']} blocked")
PY
echo "== one event as the collector sees it"
head -n 1 "$events"
echo "== summary"
cat "$events.summary"
rm -f "$events.summary"
