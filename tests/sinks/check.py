#!/usr/bin/env python3
"""Checks for tests/sinks/run.sh, one sub-command each; exit 0 when it holds,
otherwise 1 with the reason on stdout.

  check.py copies WANT GOT N [MAX]   every event of WANT (nfqd's stdout) is
                                     in GOT (collected lines) N times (up to
                                     MAX); stats and nfqd_stats events are only counted
                                     (their sinks[] differ between runs)
  check.py report-json WANT REPORT CONF
                                     nfqd-collect report --json agrees with
                                     the events in WANT
  check.py report-text WANT REPORT   the text report's totals agree
  check.py json-lines FILE N         FILE has N lines, each a JSON object
  check.py stats-sink WANT NAME KEY VALUE
                                     the nfqd_stats event's sinks[] entry NAME
                                     has KEY == VALUE (JSON literal)
"""
import collections
import ipaddress
import json
import os
import sys

DIRS = ("inbound", "outbound", "internal", "transit")


def lines(path):
    with open(path, encoding="utf-8") as f:
        return [l for l in f.read().split("\n") if l]


def events(path):
    return [json.loads(l) for l in lines(path)]


def is_stats(line):
    """A stats or nfqd_stats event: its sinks' counters move."""
    return ('"event_type":"stats"' in line or
            '"event_type":"nfqd_stats"' in line)


def copies(want, got, n, most=None):
    most = n if most is None else most
    w = collections.Counter(l for l in lines(want) if not is_stats(l))
    g = collections.Counter(l for l in lines(got) if not is_stats(l))
    for l, k in w.items():
        if not n * k <= g[l] <= most * k:
            return "%d copies of %s (want %d..%d)" % (g[l], l[:120], n * k, most * k)
    extra = set(g) - set(w)
    if extra:
        return "%d lines that nfqd did not write, e.g. %s" % (len(extra), sorted(extra)[0][:120])
    ws = sum(1 for l in lines(want) if '"event_type":"stats"' in l)
    gs = sum(1 for l in lines(got) if '"event_type":"stats"' in l)
    if not n * ws <= gs <= most * ws:
        return "%d stats events (want %d..%d)" % (gs, n * ws, most * ws)
    return None


def truth(want):
    """What the report must say, from nfqd's own events."""
    days = collections.defaultdict(lambda: {d: [0, 0] for d in DIRS})
    hosts = collections.defaultdict(lambda: [0, 0])
    exc = collections.defaultdict(lambda: [0, 0])
    for e in events(want):
        t = e.get("event_type")
        if t == "policy":
            p, n = e["policy"], 1
        elif t == "policy_summary":
            p, n = e["policy_summary"], e["policy_summary"]["count"]
        else:
            continue
        d, a = p["direction"], 0 if p["action"] == "allowed" else 1
        days[e["timestamp"][:10]][d][a] += n
        if a == 1 and d == "inbound" and t == "policy":
            hosts[e["dest_ip"]][0] += n
        elif a == 1 and d == "outbound":
            hosts[e["src_ip"]][1] += n
        if a == 0 and d in ("inbound", "outbound") and "exception" in p:
            exc[p["exception"]["entry"]][DIRS.index(d)] += n
    return days, hosts, exc


def exception_entries(conf):
    """The prefixes of the exception list CONF names, as nfqd writes them."""
    folder = os.path.dirname(conf)
    name = None
    for l in lines(conf):
        k, _, v = l.partition("=")
        if k.strip() == "exceptions":
            name = v.split("#")[0].strip()
    out = []
    for l in lines(os.path.join(folder, name)):
        l = l.split("#")[0].strip()
        if l:
            out.append(str(ipaddress.ip_network(l.split()[0], strict=False)))
    return out


def report_json(want, report, conf):
    days, hosts, exc = truth(want)
    with open(report, encoding="utf-8") as f:
        r = json.load(f)
    got_days = {d["date"]: {k: [d[k]["allowed"], d[k]["blocked"]] for k in DIRS}
                for d in r["days"]}
    if got_days != {k: dict(v) for k, v in days.items()}:
        return "days: %s, want %s" % (got_days, dict(days))
    total = {k: [sum(days[d][k][i] for d in days) for i in (0, 1)] for k in DIRS}
    got_total = {k: [r["total"][k]["allowed"], r["total"][k]["blocked"]] for k in DIRS}
    if got_total != total:
        return "total: %s, want %s" % (got_total, total)
    top = sorted(hosts.items(), key=lambda kv: (-sum(kv[1]), kv[0]))[:10]
    got_top = [(h["ip"], [h["inbound"], h["outbound"]]) for h in r["top_blocked_hosts"]]
    if got_top != [(k, v) for k, v in top]:
        return "top hosts: %s, want %s" % (got_top, top)
    got_exc = {x["entry"]: [x["inbound"], x["outbound"]] for x in r["exceptions_used"]}
    if got_exc != dict(exc):
        return "exceptions used: %s, want %s" % (got_exc, dict(exc))
    unused = [e for e in exception_entries(conf) if e not in exc]
    got_unused = [x["entry"] for x in r.get("exceptions_unused", [])]
    if sorted(got_unused) != sorted(unused):
        return "exceptions never used: %s, want %s" % (got_unused, unused)
    return None


def report_text(want, report):
    days, _, _ = truth(want)
    text = lines(report)
    for k in DIRS:
        a = sum(days[d][k][0] for d in days)
        b = sum(days[d][k][1] for d in days)
        row = "total %s %d %d" % (k, a, b)
        # the report's columns go on (would-block) after these
        if not any((" ".join(l.split()) + " ").startswith(row + " ")
                   for l in text):
            return "no line '%s' in the text report" % row
    return None


def json_lines(path, n):
    ls = lines(path)
    if len(ls) != n:
        return "%d lines, want %d" % (len(ls), n)
    for l in ls:
        try:
            if not isinstance(json.loads(l), dict):
                return "not an object: %s" % l[:120]
        except ValueError:
            return "not JSON: %s" % l[:120]
    return None


def stats_sink(want, name, key, value):
    for e in events(want):
        if e.get("event_type") != "nfqd_stats":
            continue
        for s in e["nfqd_stats"].get("sinks", []):
            if s["name"] == name:
                if s.get(key) == json.loads(value):
                    return None
                return "nfqd_stats.sinks[%s].%s = %r" % (name, key,
                                                         s.get(key))
        return "no %s in nfqd_stats.sinks" % name
    return "no nfqd_stats event"


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "copies":
        why = copies(args[0], args[1], int(args[2]),
                     int(args[3]) if len(args) > 3 else None)
    elif cmd == "report-json":
        why = report_json(*args)
    elif cmd == "report-text":
        why = report_text(*args)
    elif cmd == "json-lines":
        why = json_lines(args[0], int(args[1]))
    elif cmd == "stats-sink":
        why = stats_sink(*args)
    else:
        why = "unknown check %s" % cmd
    if why:
        print(why)
        sys.exit(1)


if __name__ == "__main__":
    main()
