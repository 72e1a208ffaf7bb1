#!/usr/bin/python3
"""The metrics test's helper (test_metrics.sh; Debian's /usr/bin/python3).

  metrics.py value URL EXPR
      one instant query to the Prometheus at URL; prints the value of its
      single series, "none" when it has none, "many" when more than one.

  metrics.py compare URL EVE DOC
      takes the snapshot Prometheus holds now (nfqd_snapshot_timestamp_
      seconds), finds the stats event nfqd made from the same snapshot in
      EVE (waiting for it, bounded), and checks every value of that event
      against DOC's table (docs/metrics.md: stats event key -> PromQL),
      each expression evaluated by Prometheus at one instant.  Every key
      path of the event must have a row.  One "ok"/"FAIL" line each.

  metrics.py families FILE...
      the metric families of textfiles (their # TYPE lines), one a line.

  metrics.py dashboard JSON FILE...
      every metric name in every PromQL expression of the Grafana
      dashboard JSON (panels' targets, templating queries) is a family of
      one of the textfiles nfqd and nfqd-collect wrote.

  metrics.py documented DOC FILE...
      every family of the textfiles is named in DOC as `name`.
"""
import json
import re
import sys
import time
import urllib.parse
import urllib.request
from datetime import datetime

ok_n = fail_n = 0


def ok(msg):
    global ok_n
    ok_n += 1
    print("ok   " + msg)


def bad(msg):
    global fail_n
    fail_n += 1
    print("FAIL " + msg)


def query(url, expr, at=None):
    q = {"query": expr}
    if at is not None:
        q["time"] = "%.3f" % at
    with urllib.request.urlopen(url + "/api/v1/query?" +
                                urllib.parse.urlencode(q), timeout=10) as r:
        j = json.load(r)
    if j.get("status") != "success":
        raise RuntimeError("%s: %s" % (expr, j))
    res = j["data"]["result"]
    if j["data"]["resultType"] == "scalar":
        return [({}, res[1])]
    return [(s["metric"], s["value"][1]) for s in res]


def ts_us(s):
    """An event's timestamp (2026-09-21T14:13:20.123456+0000) in us."""
    d = datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%f%z")
    return int(d.timestamp()) * 1000000 + d.microsecond


def doc_rows(doc):
    """docs/metrics.md's mapping: `nfqd_stats.key` | `PromQL` rows."""
    rows = {}
    for line in open(doc, encoding="utf-8"):
        m = re.match(r"\|\s*`(nfqd_stats\.[a-z_.0-9]+)`\s*\|\s*`([^`]+)`",
                     line)
        if m:
            rows[m.group(1)] = m.group(2)
    return rows


def walk(v, pfx, out):
    if isinstance(v, dict):
        for k, x in v.items():
            walk(x, pfx + [k], out)
    else:
        out.append((".".join(pfx), v))


def compare(url, eve, doc):
    rows = doc_rows(doc)
    if not rows:
        bad("%s: no `nfqd_stats.key` | `PromQL` rows" % doc)
        return
    # A snapshot of a quiet moment: nothing but stats events in the 1.5 s
    # before it.  A stream sink counts a line written 200 ms after the
    # collector acknowledged it, and nfqd reads the sinks' counters for
    # the metrics a few ms before the writer reads them for the event: a
    # line sent just before could be counted between the two readings.
    ev = None
    end = time.time() + 30
    while time.time() < end:
        # Every query at the newest scrape's own time: queried at "now",
        # a scrape stored between two queries would give the later ones
        # another snapshot than the first.
        ts = query(url, "timestamp(nfqd_snapshot_timestamp_seconds)")
        if len(ts) != 1:
            bad("Prometheus has %d nfqd_snapshot_timestamp_seconds" %
                len(ts))
            return
        at = float(ts[0][1])
        snap = query(url, "nfqd_snapshot_timestamp_seconds", at)
        if len(snap) != 1:
            bad("Prometheus has %d nfqd_snapshot_timestamp_seconds" %
                len(snap))
            return
        want = round(float(snap[0][1]) * 1e6)
        before = []
        for line in open(eve, encoding="utf-8"):
            if not line.endswith("\n"):
                break		# nfqd is writing it
            e = json.loads(line)
            if e.get("event_type") == "nfqd_stats" and \
                    ts_us(e["timestamp"]) == want:
                ev = e
                break
            before.append(e)
        if ev is not None and not any(
                e["event_type"] not in ("stats", "nfqd_stats") and
                ts_us(e["timestamp"]) > want - 1500000 for e in before):
            break
        ev = None
        time.sleep(0.5)
    if ev is None:
        bad("no nfqd_stats event of a quiet moment that Prometheus has")
        return
    ok("the nfqd_stats event of %s, the snapshot Prometheus scraped" %
       ev["timestamp"])
    st = dict(ev["nfqd_stats"])
    sinks = st.pop("sinks", [])
    paths = []
    walk(st, ["nfqd_stats"], paths)
    for k in sinks:
        for f, v in k.items():
            paths.append(("nfqd_stats.sinks." + f, v, k["name"]))
    for p in paths:
        key, v = p[0], p[1]
        expr = rows.get(key)
        if expr is None:
            bad("%s: no row in %s" % (key, doc))
            continue
        if len(p) == 3:
            expr = expr.replace("<name>", p[2])
            key = "%s[%s]" % (key, p[2])
        try:
            res = query(url, expr, at)
        except Exception as e:    # noqa: BLE001 -- reported as a failure
            bad("%s: %s: %s" % (key, expr, e))
            continue
        if len(res) != 1:
            bad("%s: %s gives %d series" % (key, expr, len(res)))
            continue
        labels, val = res[0]
        if isinstance(v, str):
            good = v in labels.values()
            got = labels
        else:
            good = float(val) == float(int(v))
            got = val
        (ok if good else bad)("%s = %s, Prometheus: %s = %s" %
                              (key, json.dumps(v), expr, got))
    for key in rows:
        if key.startswith("nfqd_stats.fastpath.") and "fastpath" not in st:
            bad("%s: the event has no fastpath object (turn it on)" % key)


def families(files):
    names = set()
    for f in files:
        for line in open(f, encoding="utf-8"):
            m = re.match(r"# TYPE (\S+) (counter|gauge)$", line)
            if m:
                names.add(m.group(1))
    return names


KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right",
            "bool", "and", "or", "unless", "offset", "inf", "nan"}


def expr_names(expr):
    """The metric names a PromQL expression reads."""
    e = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)         # strings
    e = re.sub(r"\$\{?[A-Za-z_][A-Za-z0-9_:]*\}?", "1", e)  # Grafana vars
    e = re.sub(r"\{[^}]*\}", "", e)                       # matchers
    e = re.sub(r"\[[^\]]*\]", "", e)                      # ranges
    e = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*"
               r"\([^)]*\)", " ", e)
    names = set()
    for m in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*", e):
        rest = e[m.end():].lstrip()
        w = m.group(0)
        if rest.startswith("(") or w.lower() in KEYWORDS:
            continue                                      # a function
        if m.start() > 0 and (e[m.start() - 1].isdigit() or
                              e[m.start() - 1] == "."):
            continue                                      # 5m, 1e3
        names.add(w)
    return names


def dashboard(path, files):
    have = families(files)
    d = json.load(open(path, encoding="utf-8"))
    exprs = []

    def panels(ps):
        for p in ps:
            for t in p.get("targets", []):
                if "expr" in t:
                    exprs.append((p.get("title", "?"), t["expr"]))
            panels(p.get("panels", []))
    panels(d.get("panels", []))
    for v in d.get("templating", {}).get("list", []):
        q = v.get("query")
        q = q.get("query") if isinstance(q, dict) else q
        if v.get("type") == "query" and q:
            m = re.match(r"\s*label_values\(\s*([^,)]*)", q)
            exprs.append(("variable " + v.get("name", "?"),
                          m.group(1) if m else q))
    if not exprs:
        bad("%s: no PromQL expressions" % path)
    for title, e in exprs:
        names = expr_names(e)
        if not names:
            bad("%s: %s: no metric name in %s" % (path, title, e))
        for n in sorted(names):
            if n in have:
                ok("%s: %s: %s is exported" % (path, title, n))
            else:
                bad("%s: %s: %s is not in %s" % (path, title, n,
                                                  " ".join(files)))


def documented(doc, files):
    text = open(doc, encoding="utf-8").read()
    for n in sorted(families(files)):
        if "`%s`" % n in text or "`%s{" % n in text:
            ok("%s documented in %s" % (n, doc))
        else:
            bad("%s (written by the programs) not in %s" % (n, doc))


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "value":
        res = query(args[0], args[1])
        print("none" if not res else res[0][1] if len(res) == 1 else "many")
        return 0
    if cmd == "compare":
        compare(*args)
    elif cmd == "families":
        print("\n".join(sorted(families(args))))
        return 0
    elif cmd == "dashboard":
        dashboard(args[0], args[1:])
    elif cmd == "documented":
        documented(args[0], args[1:])
    else:
        print("unknown command " + cmd, file=sys.stderr)
        return 2
    return 1 if fail_n or not ok_n else 0


if __name__ == "__main__":
    sys.exit(main())
