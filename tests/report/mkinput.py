#!/usr/bin/env python3
"""A collector's folder for tests/report/run.sh, from real replays.

    mkinput.py OUT CAMPUS MONITOR DETECTIONS RESPONSES FLOOD

Each of CAMPUS ... FLOOD is the events of one `nfqd --replay` (JSON
lines).  Their timestamps are moved to the days below and their `host`
rewritten, into the collector's layout, OUT/SENDER/eve-DAY.json:

    2026-10-05  192.0.2.1 border-1: campus day, enforce (+1 unreadable line)
                192.0.2.2 border-2: detections (bulk sender, harvester,
                                    relay suspect)
    2026-10-06  192.0.2.1 border-1: responses (a quarantine, a harvest
                                    block, flood summaries)
                192.0.2.2 border-2: campus day, enforce, and one event whose
                                    host is markup and a terminal escape
                                    (the page must escape it, the text
                                    must not pass the escape on)
    2026-10-07  nothing from anyone
    2026-10-08  192.0.2.1 border-1: campus day, monitor mode
    2026-10-09  192.0.2.1 border-1: campus day, gzipped
                192.0.2.2 border-2: port-25 scan (inbound flood summaries),
                                    gzipped
    2026-10-10  OUT/eve-2026-10-10.json (an older collector's flat layout):
                detections again, border-1; 70 alerts of made-up kinds, and
                a last line of 1.5 MiB without its newline
    2026-10-11  OUT/192.0.2.1/eve-2026-10-11.json.xz: a name the report
                cannot read, and must say so
"""
import datetime
import gzip
import json
import os
import re
import sys

TS = re.compile(r"^(\d{4}-\d\d-\d\d)T")
HOSTILE = "<img src=x onerror=alert(1)>&\"'\x1b[31m"


def load(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(l) for l in f if l.strip()]


def shift(v, delta):
    """Every timestamp inside v, moved by delta days."""
    if isinstance(v, dict):
        return {k: shift(x, delta) for k, x in v.items()}
    if isinstance(v, list):
        return [shift(x, delta) for x in v]
    if isinstance(v, str):
        m = TS.match(v)
        if m:
            d = datetime.date.fromisoformat(m.group(1)) + datetime.timedelta(days=delta)
            return d.isoformat() + v[10:]
    return v


def place(events, day, host):
    """The events moved to day (their first event's day becomes it)."""
    first = datetime.date.fromisoformat(events[0]["timestamp"][:10])
    delta = (datetime.date.fromisoformat(day) - first).days
    out = []
    for e in events:
        e = shift(e, delta)
        e["host"] = host
        out.append(e)
    return out


def write(path, events, extra=(), gz=False):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    text = "".join(json.dumps(e, separators=(",", ":")) + "\n" for e in events)
    text += "".join(l + "\n" for l in extra)
    if gz:
        with gzip.open(path, "wt", encoding="utf-8") as f:
            f.write(text)
    else:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)


def main():
    out = sys.argv[1]
    campus, monitor, det, resp, flood = (load(p) for p in sys.argv[2:7])
    a, b = os.path.join(out, "192.0.2.1"), os.path.join(out, "192.0.2.2")
    write(os.path.join(a, "eve-2026-10-05.json"),
          place(campus, "2026-10-05", "border-1"),
          extra=['{"timestamp": "not a time", "event_type": "policy"}'])
    write(os.path.join(b, "eve-2026-10-05.json"), place(det, "2026-10-05", "border-2"))
    write(os.path.join(a, "eve-2026-10-06.json"), place(resp, "2026-10-06", "border-1"))
    evs = place(campus, "2026-10-06", "border-2")
    odd = dict(next(e for e in evs if e["event_type"] == "policy"))
    odd["host"] = HOSTILE
    write(os.path.join(b, "eve-2026-10-06.json"), evs + [odd])
    write(os.path.join(a, "eve-2026-10-08.json"), place(monitor, "2026-10-08", "border-1"))
    write(os.path.join(a, "eve-2026-10-09.json.gz"),
          place(campus, "2026-10-09", "border-1"), gz=True)
    write(os.path.join(b, "eve-2026-10-09.json.gz"),
          place(flood, "2026-10-09", "border-2"), gz=True)
    # and what a broken or hostile sender could leave: 70 alert kinds
    # (more than the page's timeline has lanes) and, last, a line of
    # 1.5 MiB without its newline (longer than the report reads)
    evs = place(det, "2026-10-10", "border-1")
    alert = next(e for e in evs if e["event_type"] == "alert")
    for i in range(70):
        x = json.loads(json.dumps(alert))
        x["alert"]["metadata"]["detection"] = ["kind_%02d" % i]
        x["flow_id"] = 1000 + i
        evs.append(x)
    path = os.path.join(out, "eve-2026-10-10.json")
    write(path, evs)
    with open(path, "a", encoding="utf-8") as f:
        f.write('{"timestamp":"2026-10-10T23:00:00.000000+0000","x":"' +
                "y" * (3 << 19) + '"}')
    with open(os.path.join(a, "eve-2026-10-11.json.xz"), "wb") as f:
        f.write(b"\xfd7zXZ\x00 not read")


if __name__ == "__main__":
    main()
