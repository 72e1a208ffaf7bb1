#!/usr/bin/env python3
"""Checks of `nfqd-collect report` against a count of its own
(tests/report/run.sh).  The count here is written from docs/events.md and
the report's documentation, not from nfqd/collect/report.c: every number
the report prints must come out the same.

  check.py json DIR REPORT [--since D] [--until D] [--conf CONF]
  check.py text DIR REPORT
  check.py csv DIR SECTION REPORT [--conf CONF]
  check.py dom DIR DOM [--conf CONF]    the page as Chromium rendered it
  check.py png SCREENSHOT               a screenshot is not blank
  check.py pdf FILE                     a PDF of A4 landscape pages

Prints nothing and exits 0 when all agree; else says what differs, exit 1.
"""
import collections
import csv
import datetime
import gzip
import html.parser
import io
import ipaddress
import json
import os
import re
import sys

DIRS = ("inbound", "outbound", "internal", "transit")
SID_KINDS = {9250001: "non_smtp_protocol", 9250002: "unidentified_payload"}
NAME = re.compile(r"^eve-(\d{4}-\d\d-\d\d)\.json(\.gz)?$")
ANY = re.compile(r"^eve-\d{4}-\d\d-\d\d\.json\.")


def day(s):
    return datetime.date.fromisoformat(s)


def files(top):
    """(path, sender, gz) of every daily file, and the names not read."""
    out, skipped = [], []
    for folder, sender in [(top, "")] + [
            (os.path.join(top, n), n) for n in sorted(os.listdir(top))
            if not n.startswith(".") and os.path.isdir(os.path.join(top, n))]:
        for n in sorted(os.listdir(folder)):
            m = NAME.match(n)
            if m:
                out.append((os.path.join(folder, n), sender, bool(m.group(2))))
            elif ANY.match(n):
                skipped.append(os.path.join(folder, n))
    return out, skipped


class Model:
    """What the report must say about DIR."""

    def __init__(self, top, since=None, until=None, conf=None):
        self.days = collections.defaultdict(lambda: {
            "events": 0, "modes": set(), "hours": [0] * 24,
            **{d: {"allowed": 0, "blocked": 0, "would_be_blocked": 0} for d in DIRS}})
        self.reasons = collections.Counter()    # (reason, dir, col)
        self.hosts = collections.defaultdict(lambda: [0, 0, 0, 0])
        self.sources = collections.defaultdict(
            lambda: {"allowed": 0, "blocked": 0, "would_be_blocked": 0})
        self.routers = collections.defaultdict(lambda: {
            "events": 0, "allowed": 0, "blocked": 0, "would_be_blocked": 0,
            "alerts": 0, "days": set(), "senders": set()})
        self.exc = collections.defaultdict(lambda: [0, 0])
        self.alerts = []
        self.quar = {}
        self.harvest = {}
        self.bad = self.events = self.summaries = 0
        self.files, self.skipped = files(top)
        self.since, self.until = since, until
        # a file holds its day's events: the report reads the period's
        # files and their neighbours
        self.files = [f for f in self.files if self.near(f[0], since, until)]
        self.skipped = [f for f in self.skipped if self.near(f, since, until)]
        for path, sender, gz in self.files:
            opener = gzip.open if gz else open
            with opener(path, "rt", encoding="utf-8") as f:
                for line in f:
                    line = line.strip()
                    if not line:
                        continue
                    if len(line) > 1 << 20:     # longer than it reads
                        self.bad += 1
                        continue
                    try:
                        e = json.loads(line)
                        d = day(e["timestamp"][:10])
                    except (ValueError, KeyError, TypeError):
                        self.bad += 1
                        continue
                    if (since and d < since) or (until and d > until):
                        continue
                    self.event(e, d, sender)
        have = sorted(self.days)
        first = since or (have[0] if have else None)
        last = until or (have[-1] if have else None)
        self.period = []
        if first is not None and last is not None:
            n = (last - first).days + 1
            self.period = [first + datetime.timedelta(days=i) for i in range(n)]
        self.unused = None
        if conf:
            used = set(self.exc)
            self.unused = [e for e in exception_entries(conf) if e not in used]

    @staticmethod
    def near(path, since, until):
        d = day(os.path.basename(path)[4:14])
        one = datetime.timedelta(days=1)
        return not ((since and d + one < since) or (until and d - one > until))

    def event(self, e, d, sender):
        t = e.get("event_type")
        # the report shows a control character as '?'
        host = re.sub(r"[\x00-\x1f\x7f]", "?", e.get("host") or "(no host field)")
        r = self.routers[host]
        self.events += 1
        r["events"] += 1
        r["days"].add(d)
        if sender:
            r["senders"].add(sender)
        self.days[d]["events"] += 1
        if t in ("policy", "policy_summary"):
            self.decision(e, t, d, r)
        elif t == "alert":
            self.alert(e, r)
        elif t == "quarantine":
            q = e["quarantine"]
            k = self.quar.setdefault((q["host"], q["since"]), {
                "refused": 0, "start": False, "end": None, "routers": set()})
            k["routers"].add(host)
            if q["action"] == "start":
                k["start"] = True
            else:
                k["end"] = q.get("cause", "ended")

    def decision(self, e, t, d, r):
        p = e[t]
        n = p["count"] if t == "policy_summary" else 1
        direction = p["direction"]
        col = "allowed" if p["action"] == "allowed" else \
            "would_be_blocked" if p.get("mode") == "monitor" else "blocked"
        day_ = self.days[d]
        day_[direction][col] += n
        day_["modes"].add(p.get("mode"))
        r[col] += n
        if t == "policy_summary":
            self.summaries += 1
        if direction == "inbound":
            self.sources[e["src_ip"]][col] += n
        if col == "allowed":
            if t == "policy" and direction in ("inbound", "outbound") and "exception" in p:
                self.exc[p["exception"]["entry"]][DIRS.index(direction)] += n
            return
        if direction == "outbound":
            day_["hours"][int(e["timestamp"][11:13])] += n
        reason = p.get("reason", "-") if t == "policy" else "(flood control)"
        self.reasons[(reason, direction, col)] += n
        campus = None
        if direction == "inbound" and t == "policy":
            campus = e["dest_ip"]
        elif direction == "outbound":
            campus = e["src_ip"]
        if campus is not None:
            self.hosts[campus][(2 if col == "would_be_blocked" else 0) +
                               DIRS.index(direction)] += n
        if t == "policy" and "quarantine" in p:
            q = p["quarantine"]
            k = self.quar.setdefault((q["host"], q["since"]), {
                "refused": 0, "start": False, "end": None, "routers": set()})
            k["refused"] += n
        if t == "policy" and "harvest_block" in p:
            q = p["harvest_block"]
            self.harvest.setdefault((q["host"], q["until"]), {"refused": 0})
            self.harvest[(q["host"], q["until"])]["refused"] += n

    def alert(self, e, r):
        # a detection's facts: alert.metadata, each value ["v"]
        det = {k: v[0] for k, v in e["alert"].get("metadata", {}).items()
               if isinstance(v, list) and v}
        sid = e["alert"]["signature_id"]
        kind = det.get("detection") or SID_KINDS.get(sid) or (
            "blocked_connection" if 9250300 <= sid <= 9250339 else
            "sid %d" % sid)
        subject = det.get("host", e.get("src_ip"))
        self.alerts.append((e["timestamp"], kind, e["flow_id"], subject))
        r["alerts"] += 1
        if det.get("response") == "harvest_block":
            self.harvest.setdefault((subject, det["response_until"]),
                                    {"refused": 0})

    # ---- derived ----

    def day_mode(self, d):
        x = self.days.get(d)
        if x is None or x["events"] == 0:
            return "no data"
        m = x["modes"] - {None}
        if m == {"enforce"}:
            return "enforce"
        if m == {"monitor"}:
            return "monitor"
        if m == {"enforce", "monitor"}:
            return "mixed"
        return "-"

    def total(self):
        t = {k: {"allowed": 0, "blocked": 0, "would_be_blocked": 0} for k in DIRS}
        for d in self.period:
            for k in DIRS:
                for c in t[k]:
                    t[k][c] += self.days[d][k][c] if d in self.days else 0
        return t

    def top_hosts(self):
        return sorted(self.hosts.items(), key=lambda kv: (-sum(kv[1]), kv[0]))[:10]

    def top_sources(self):
        return sorted(self.sources.items(), key=lambda kv: (
            -(kv[1]["blocked"] + kv[1]["would_be_blocked"]),
            -kv[1]["allowed"], kv[0]))[:10]

    def missing(self, router):
        return [d for d in self.period if d not in self.routers[router]["days"]]

    def nodata(self):
        return [d for d in self.period if d not in self.days or self.days[d]["events"] == 0]


def exception_entries(conf):
    folder = os.path.dirname(conf)
    name = None
    for l in open(conf, encoding="utf-8"):
        k, _, v = l.partition("=")
        if k.strip() == "exceptions":
            name = v.split("#")[0].strip()
    out = []
    for l in open(os.path.join(folder, name), encoding="utf-8"):
        l = l.split("#")[0].strip()
        if l:
            out.append(str(ipaddress.ip_network(l.split()[0], strict=False)))
    return out


def differ(what, got, want):
    if got != want:
        return ["%s: report says %r, counted %r" % (what, got, want)]
    return []


# ---- the JSON document ----

def check_json(m, r):
    bad = []
    bad += differ("events", r["events"], m.events)
    bad += differ("unreadable_lines", r["unreadable_lines"], m.bad)
    bad += differ("files", r["files"], len(m.files))
    bad += differ("files_gzipped", r["files_gzipped"], sum(1 for f in m.files if f[2]))
    bad += differ("files_not_read", sorted(x["path"] for x in r["files_not_read"]),
                  sorted(m.skipped))
    bad += differ("flood_summaries", r["flood_summaries"], m.summaries)
    bad += differ("period", (r["period"].get("first"), r["period"].get("last"),
                             r["period"]["days"], r["period"]["days_without_data"]),
                  (m.period[0].isoformat() if m.period else None,
                   m.period[-1].isoformat() if m.period else None,
                   len(m.period), len(m.nodata())))
    want_days = []
    for d in m.period:
        x = m.days.get(d)
        row = {"date": d.isoformat(), "mode": m.day_mode(d),
               "events": x["events"] if x else 0,
               "outbound_refused_by_hour": x["hours"] if x else [0] * 24}
        for k in DIRS:
            row[k] = dict(x[k]) if x else {"allowed": 0, "blocked": 0, "would_be_blocked": 0}
        want_days.append(row)
    got_days = [{k: v for k, v in d.items()} for d in r["days"]]
    if got_days != want_days:
        for g, w in zip(got_days, want_days):
            bad += differ("day %s" % w["date"], g, w)
        bad += differ("number of days", len(got_days), len(want_days))
    bad += differ("total", r["total"], m.total())
    got = collections.Counter()
    for x in r["block_reasons"]:
        for c in ("blocked", "would_be_blocked"):
            if x[c]:
                got[(x["reason"], x["direction"], c)] += x[c]
    bad += differ("block_reasons", dict(got), dict(m.reasons))
    bad += differ("alerts", sorted((a["timestamp"], a["kind"], a["flow_id"], a["host"])
                                   for a in r["alerts"]), sorted(m.alerts))
    got = {(q["host"], q["since"]): (q["refused"], q["start_seen"], q["end"])
           for q in r["quarantines"]}
    want = {k: (v["refused"], v["start"], v["end"] or ("no end event in the period"
            if v["start"] else "start before the period")) for k, v in m.quar.items()}
    bad += differ("quarantines", got, want)
    got = {(q["host"], q["until"]): q["refused"] for q in r["harvest_blocks"]}
    bad += differ("harvest_blocks", got, {k: v["refused"] for k, v in m.harvest.items()})
    bad += differ("top_blocked_hosts",
                  [(h["ip"], h["inbound"], h["outbound"], h["would_be_blocked"])
                   for h in r["top_blocked_hosts"]],
                  [(k, v[0] + v[2], v[1] + v[3], v[2] + v[3]) for k, v in m.top_hosts()])
    bad += differ("top_outside_sources",
                  [(s["ip"], s["allowed"], s["blocked"], s["would_be_blocked"])
                   for s in r["top_outside_sources"]],
                  [(k, v["allowed"], v["blocked"], v["would_be_blocked"])
                   for k, v in m.top_sources()])
    bad += differ("outside_sources", r["outside_sources"], len(m.sources))
    got = {x["host"]: (x["events"], x["allowed"], x["blocked"], x["would_be_blocked"],
                       x["alerts"], x["days_without_data"],
                       sorted((x.get("senders") or "").split(", ")) if x.get("senders") else [])
           for x in r["routers"]}
    want = {k: (v["events"], v["allowed"], v["blocked"], v["would_be_blocked"], v["alerts"],
                [d.isoformat() for d in m.missing(k)], sorted(v["senders"]))
            for k, v in m.routers.items()}
    bad += differ("routers", got, want)
    bad += differ("exceptions_used",
                  {x["entry"]: [x["inbound"], x["outbound"]] for x in r["exceptions_used"]},
                  dict(m.exc))
    if m.unused is not None:
        bad += differ("exceptions_unused",
                      sorted(x["entry"] for x in r["exceptions_unused"]), sorted(m.unused))
    return bad


# ---- the text ----

def check_text(m, text):
    bad = []
    lines = [" ".join(l.split()) for l in text.splitlines()]
    t = m.total()
    for k in DIRS:
        row = "total %s %d %d %d" % (k, t[k]["allowed"], t[k]["blocked"],
                                     t[k]["would_be_blocked"])
        if row not in lines:
            bad.append("no line '%s'" % row)
    for d in m.period:
        x = m.days.get(d)
        for k in DIRS:
            if x is None or not any(x[k].values()):
                continue
            row = "%s %s %s %d %d %d" % (d, m.day_mode(d), k, x[k]["allowed"],
                                         x[k]["blocked"], x[k]["would_be_blocked"])
            if row not in lines:
                bad.append("no line '%s'" % row)
    for d in m.nodata():
        if not any(l.startswith(str(d)) and "NO DATA" in l or
                   ("NO DATA" in l and l.split()[0] <= str(d) <= l.split()[2])
                   for l in lines):
            bad.append("day %s is not flagged NO DATA" % d)
    if "Alerts: %d" % len(m.alerts) not in lines:
        bad.append("no line 'Alerts: %d'" % len(m.alerts))
    for ts, kind, flow, host in m.alerts:
        head = "%s %s %s %s" % (ts[:10], ts[11:19], kind, host)
        if not any(l.startswith(head) for l in lines):
            bad.append("alert '%s' not listed" % head)
        if not any(l.startswith("flow %d " % flow) for l in lines):
            bad.append("flow %d of a %s alert not named" % (flow, kind))
    if "Quarantines: %d" % len(m.quar) not in lines:
        bad.append("no line 'Quarantines: %d'" % len(m.quar))
    if "Harvest blocks: %d" % len(m.harvest) not in lines:
        bad.append("no line 'Harvest blocks: %d'" % len(m.harvest))
    for path in m.skipped:
        if not any(path in l and "NOT READ" in l for l in lines):
            bad.append("%s is not named as not read" % path)
    for k, v in m.top_hosts():
        row = "%s %d %d %d %d" % (k, sum(v), v[0] + v[2], v[1] + v[3], v[2] + v[3])
        if row not in lines:
            bad.append("no host line '%s'" % row)
    return bad


# ---- CSV ----

def check_csv(m, section, text):
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    bad = []
    if section == "days":
        want = []
        for d in m.period:
            x = m.days.get(d)
            for k in DIRS:
                c = x[k] if x else {"allowed": 0, "blocked": 0, "would_be_blocked": 0}
                want.append([d.isoformat(), m.day_mode(d), str(x["events"] if x else 0), k,
                             str(c["allowed"]), str(c["blocked"]), str(c["would_be_blocked"])])
        got = [[r["date"], r["mode"], r["events"], r["direction"], r["allowed"],
                r["blocked"], r["would_be_blocked"]] for r in rows]
        bad += differ("csv days", got, want)
    elif section == "hours":
        got = {(r["date"], int(r["hour"])): int(r["outbound_refused"]) for r in rows}
        want = {(d.isoformat(), h): (m.days[d]["hours"][h] if d in m.days else 0)
                for d in m.period for h in range(24)}
        bad += differ("csv hours", got, want)
    elif section == "reasons":
        got = collections.Counter()
        for r in rows:
            for c in ("blocked", "would_be_blocked"):
                if int(r[c]):
                    got[(r["reason"], r["direction"], c)] += int(r[c])
        bad += differ("csv reasons", dict(got), dict(m.reasons))
    elif section == "alerts":
        got = sorted((r["timestamp"], r["kind"], int(r["flow_id"]), r["host"]) for r in rows)
        bad += differ("csv alerts", got, sorted(m.alerts))
    elif section == "quarantines":
        got = {(r["kind"], r["host"], r["since"] if r["kind"] == "quarantine" else r["until"]):
               int(r["refused"]) for r in rows}
        want = {("quarantine",) + k: v["refused"] for k, v in m.quar.items()}
        want.update({("harvest_block",) + k: v["refused"] for k, v in m.harvest.items()})
        bad += differ("csv quarantines", got, want)
    elif section == "hosts":
        got = [(r["ip"], int(r["refused"]), int(r["inbound"]), int(r["outbound"]))
               for r in rows]
        want = [(k, sum(v), v[0] + v[2], v[1] + v[3]) for k, v in
                sorted(m.hosts.items(), key=lambda kv: (-sum(kv[1]), kv[0]))]
        bad += differ("csv hosts", got, want)
    elif section == "sources":
        got = {r["ip"]: (int(r["allowed"]), int(r["blocked"]), int(r["would_be_blocked"]))
               for r in rows}
        want = {k: (v["allowed"], v["blocked"], v["would_be_blocked"])
                for k, v in m.sources.items()}
        bad += differ("csv sources", got, want)
    elif section == "routers":
        got = {r["host"]: (int(r["events"]), int(r["alerts"]), int(r["days_with_data"]),
                           int(r["days"])) for r in rows}
        want = {k: (v["events"], v["alerts"], len(m.period) - len(m.missing(k)),
                    len(m.period)) for k, v in m.routers.items()}
        bad += differ("csv routers", got, want)
    elif section == "exceptions":
        got = {r["entry"]: (r["used"], int(r["inbound"]), int(r["outbound"])) for r in rows}
        want = {k: ("yes", v[0], v[1]) for k, v in m.exc.items()}
        for e in m.unused or []:
            want[e] = ("no", 0, 0)
        bad += differ("csv exceptions", got, want)
    return bad


# ---- the page as rendered ----

class Dom(html.parser.HTMLParser):
    """Tables by id (rows: attributes and cell texts), elements seen."""

    def __init__(self):
        super().__init__()
        self.tables, self.tags, self.figs = {}, collections.Counter(), {}
        self.sections, self.svgs = [], []
        self.table = self.row = self.cell = self.dd = None
        self.attrs_seen = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags[tag] += 1
        self.attrs_seen.extend(attrs)
        if tag == "section":
            self.sections.append(a.get("id"))
        elif tag == "svg":
            self.svgs.append(a.get("id"))
        elif tag == "table":
            self.table = self.tables.setdefault(a.get("id"), [])
        elif tag == "tr" and self.table is not None:
            self.row = (a, [])
            self.table.append(self.row)
        elif tag in ("td", "th") and self.row is not None:
            self.cell = []
        elif tag == "dd":
            self.dd = (a.get("data-k"), [])

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.row[1].append("".join(self.cell).strip())
            self.cell = None
        elif tag == "tr":
            self.row = None
        elif tag == "table":
            self.table = None
        elif tag == "dd" and self.dd is not None:
            self.figs[self.dd[0]] = "".join(self.dd[1]).strip()
            self.dd = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)
        if self.dd is not None:
            self.dd[1].append(data)


def check_dom(m, text):
    p = Dom()
    p.feed(text)
    bad = []
    for s in ("figures", "daily", "heatmap", "alerts", "quarantines", "hosts",
              "reasons", "sources", "routers", "exceptions"):
        if s not in p.sections:
            bad.append("no section #%s" % s)
    for s in ("daily-inbound", "daily-outbound", "heat", "timeline", "hostchart"):
        if s not in p.svgs:
            bad.append("no chart #%s" % s)
    # nothing that would fetch, run or embed anything
    for tag in ("script", "link", "img", "iframe", "object", "embed"):
        if p.tags[tag]:
            bad.append("%d <%s> elements in the page" % (p.tags[tag], tag))
    for k, v in p.attrs_seen:
        if k in ("src", "href") or k.startswith("on") or \
                (v and re.search(r"(https?:|//)", v) and k != "xmlns"):
            bad.append("attribute %s=%r" % (k, v))
    t = m.total()
    conns = sum(sum(v.values()) for v in t.values())
    figs = {"connections": conns,
            "blocked": sum(v["blocked"] for v in t.values()),
            "would": sum(v["would_be_blocked"] for v in t.values()),
            "alerts": len(m.alerts), "quarantines": len(m.quar),
            "harvest_blocks": len(m.harvest), "nodata": len(m.nodata())}
    bad += differ("figures", {k: int(v) for k, v in p.figs.items()}, figs)
    got = {}
    for a, cells in p.tables.get("t-days", []):
        dd = a.get("data-day")
        if dd and dd != "total" and "nodata" not in (a.get("class") or ""):
            got[dd] = [cells[1]] + [int(c) for c in cells[2:]]
        elif dd and dd != "total":
            got[dd] = ["no data"]
    want = {}
    for d in m.period:
        x = m.days.get(d)
        if x is None or x["events"] == 0:
            want[d.isoformat()] = ["no data"]
            continue
        want[d.isoformat()] = [m.day_mode(d), x["events"]] + [
            x[k][c] for k in DIRS for c in ("allowed", "blocked", "would_be_blocked")]
    bad += differ("page: daily table", got, want)
    got = {}
    for a, cells in p.tables.get("t-hours", []):
        if a.get("data-day"):
            got[a["data-day"]] = [int(c) for c in cells[1:25]]
    want = {d.isoformat(): m.days[d]["hours"] for d in m.period
            if d in m.days and sum(m.days[d]["hours"])}
    bad += differ("page: hour table", got, want)
    got = sorted((cells[0], a.get("data-kind"), int(a["data-flow"]), cells[3])
                 for a, cells in p.tables.get("t-alerts", []) if a.get("data-flow"))
    want = sorted(("%s %s" % (ts[:10], ts[11:19]), k, f, h) for ts, k, f, h in m.alerts)
    bad += differ("page: every alert", got, want)
    got = {(a["data-kind"], a["data-host"]): int(cells[6])
           for a, cells in p.tables.get("t-quarantines", []) if a.get("data-host")}
    want = {("quarantine", k[0]): v["refused"] for k, v in m.quar.items()}
    want.update({("harvest_block", k[0]): v["refused"] for k, v in m.harvest.items()})
    bad += differ("page: quarantines and harvest blocks", got, want)
    got = [(a["data-ip"], int(cells[1]), int(cells[2]), int(cells[3]))
           for a, cells in p.tables.get("t-hosts", []) if a.get("data-ip")]
    want = [(k, sum(v), v[0] + v[2], v[1] + v[3]) for k, v in m.top_hosts()]
    bad += differ("page: campus hosts", got, want)
    got = collections.Counter()
    for a, cells in p.tables.get("t-reasons", []):
        if a.get("data-reason"):
            for c, v in (("blocked", cells[2]), ("would_be_blocked", cells[3])):
                if int(v):
                    got[(a["data-reason"], a["data-dir"], c)] += int(v)
    bad += differ("page: reasons", dict(got), dict(m.reasons))
    got = {a["data-router"]: (int(cells[2]), int(cells[6]), cells[7])
           for a, cells in p.tables.get("t-routers", []) if a.get("data-router")}
    want = {k: (v["events"], v["alerts"],
                ", ".join(d.isoformat() for d in m.missing(k)) or "none")
            for k, v in m.routers.items()}
    bad += differ("page: routers", got, want)
    got = [(a["data-ip"], int(cells[1]), int(cells[2]), int(cells[3]))
           for a, cells in p.tables.get("t-sources", []) if a.get("data-ip")]
    want = [(k, v["blocked"], v["would_be_blocked"], v["allowed"])
            for k, v in m.top_sources()]
    bad += differ("page: outside sources", got, want)
    if m.unused is not None:
        got = sorted(a["data-entry"] for a, _ in p.tables.get("t-exc-unused", [])
                     if a.get("data-entry"))
        bad += differ("page: exceptions never used", got, sorted(m.unused))
    return bad


def check_png(path):
    from PIL import Image
    im = Image.open(path).convert("RGB")
    w, h = im.size
    small = im.resize((w // 4, h // 4))
    px = list(small.getdata())
    colours = len(set(px))
    ink = sum(1 for p in px if p != (255, 255, 255)) / len(px)
    # the charts' own colours must be on screen
    want = {(0x00, 0x72, 0xb2), (0xd5, 0x5e, 0x00)}
    seen = set(im.getdata()) & want
    bad = []
    if colours < 16:
        bad.append("%d distinct colours: blank or nearly" % colours)
    if ink < 0.05:
        bad.append("only %.1f%% of the pixels are not white" % (100 * ink))
    if seen != want:
        bad.append("the chart colours %s are not on the screenshot" %
                   sorted("#%02x%02x%02x" % c for c in want - seen))
    if not bad:
        print("%dx%d, %d colours, %.0f%% ink" % (w, h, colours, 100 * ink))
    return bad


def check_pdf(path):
    data = open(path, "rb").read()
    bad = []
    if not data.startswith(b"%PDF-"):
        return ["not a PDF"]
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", data)
    if not boxes:
        return ["no /MediaBox in the PDF"]
    for w, h in boxes:
        w, h = float(w), float(h)
        if not (abs(w - 842) < 2 and abs(h - 595) < 2):
            bad.append("a page of %.0fx%.0f pt, not A4 landscape (842x595)" % (w, h))
    if not bad:
        print("%d A4 landscape pages" % len(boxes))
    return bad


def main():
    args = sys.argv[1:]
    opts = {}
    for o in ("--since", "--until", "--conf"):
        if o in args:
            i = args.index(o)
            opts[o] = args[i + 1]
            del args[i:i + 2]
    cmd = args[0]
    if cmd == "png":
        bad = check_png(args[1])
    elif cmd == "pdf":
        bad = check_pdf(args[1])
    else:
        m = Model(args[1], day(opts["--since"]) if "--since" in opts else None,
                  day(opts["--until"]) if "--until" in opts else None,
                  opts.get("--conf"))
        if cmd == "json":
            bad = check_json(m, json.load(open(args[2], encoding="utf-8")))
        elif cmd == "text":
            bad = check_text(m, open(args[2], encoding="utf-8").read())
        elif cmd == "csv":
            bad = check_csv(m, args[2], open(args[3], encoding="utf-8", newline="").read())
        elif cmd == "dom":
            bad = check_dom(m, open(args[2], encoding="utf-8").read())
        else:
            sys.exit("check.py: unknown check %s" % cmd)
    for b in bad:
        print(b[:2000])
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
