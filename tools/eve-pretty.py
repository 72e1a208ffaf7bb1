#!/usr/bin/env python3
"""One readable line per nfqd EVE event (stdin or files), for people."""
import fileinput
import json


def line(e):
    t = e["timestamp"][11:19]
    kind = e["event_type"]
    if kind in ("policy", "flow"):
        tup = f"{e['src_ip']}:{e['src_port']} -> {e['dest_ip']}:{e['dest_port']}"
    if kind == "policy":
        p = e["policy"]
        x = p.get("exception")
        why = p["reason"] + (f", entry {x['entry']} {x.get('ticket', '')}" if x else "")
        return f"{t} policy {p['action']:7} {p['direction']:8} {tup}  ({why.strip()})"
    if kind == "flow":
        f = e["flow"]
        return (f"{t} flow   {f['action']:7} {f['direction']:8} {tup}  "
                f"{f['pkts_toserver']}/{f['pkts_toclient']} pkts, {f['state']}, {f['reason']}")
    if kind == "stats":
        s = e["stats"]
        return (f"{t} stats  {s['decoder']['pkts']} packets, {s['policy']['allowed']} allowed, "
                f"{s['policy']['blocked']} blocked")
    if kind == "reload":
        r = e["reload"]
        return f"{t} reload {r['status']} {r.get('error', '')}".rstrip()
    return f"{t} {kind}"


for raw in fileinput.input():
    if raw.strip():
        print("  " + line(json.loads(raw)))
