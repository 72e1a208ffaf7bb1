#!/usr/bin/env python3
"""Check nfqd's JSON events against a case's `expect` file.

expect: one check per line, `COUNT key=value ... !key ...` (shell quoting),
'#' comments.  COUNT is the exact number of events matching every filter;
key is a dotted path (a number picks an array's element:
`alert.metadata.detection.0`); `!key` matches when the path is absent.  Values are
compared as text: numbers as integers, booleans as true/false.

Always checked as well: every flow_id has exactly one policy event and at
most one flow event (exactly one unless --allow-open), and every line is
a JSON object with the EVE common fields (timestamp, host, event_type).
"""
import json
import shlex
import sys
from collections import Counter

MISSING = object()


def lookup(ev, path):
    cur = ev
    for part in path.split("."):
        if isinstance(cur, list) and part.isdigit():
            if int(part) >= len(cur):
                return MISSING
            cur = cur[int(part)]
            continue
        if not isinstance(cur, dict) or part not in cur:
            return MISSING
        cur = cur[part]
    return cur


def render(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if v is None:
        return "null"
    if isinstance(v, (dict, list)):
        return json.dumps(v, sort_keys=True)
    return str(v)


def matches(ev, filters):
    for f in filters:
        if f.startswith("!"):
            if lookup(ev, f[1:]) is not MISSING:
                return False
            continue
        key, _, want = f.partition("=")
        got = lookup(ev, key)
        if got is MISSING or render(got) != want:
            return False
    return True


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: check.py EXPECT EVENTS")
    errors = []
    events = []
    with open(sys.argv[2]) as f:
        for n, line in enumerate(f, 1):
            try:
                ev = json.loads(line)
            except ValueError as e:
                errors.append(f"events line {n}: not JSON: {e}")
                continue
            for key in ("timestamp", "host", "event_type"):
                if key not in ev:
                    errors.append(f"events line {n}: no {key}")
            if ev.get("event_type") in ("policy", "flow"):
                for key in ("flow_id", "src_ip", "src_port", "dest_ip",
                            "dest_port", "proto"):
                    if key not in ev:
                        errors.append(f"events line {n}: no {key}")
            events.append(ev)

    policy = Counter(e["flow_id"] for e in events
                     if e.get("event_type") == "policy")
    flow = Counter(e["flow_id"] for e in events
                   if e.get("event_type") == "flow")
    for fid, n in policy.items():
        if n != 1:
            errors.append(f"flow_id {fid}: {n} policy events, expected 1")
        if flow.get(fid, 0) != 1:
            errors.append(f"flow_id {fid}: {flow.get(fid, 0)} flow events, "
                          "expected 1")
    for fid in flow:
        if fid not in policy:
            errors.append(f"flow_id {fid}: flow event without policy event")

    checks = 0
    with open(sys.argv[1]) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            words = shlex.split(line)
            try:
                want = int(words[0])
            except (ValueError, IndexError):
                errors.append(f"expect line {n}: no count: {line}")
                continue
            got = sum(1 for e in events if matches(e, words[1:]))
            checks += 1
            if got != want:
                errors.append(f"expect line {n}: {got} events match, "
                              f"expected {want}: {line}")
    if checks == 0:
        errors.append("expect file has no checks")
    for e in errors:
        print("    " + e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
