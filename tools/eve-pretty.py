#!/usr/bin/env python3
"""One readable line per nfqd EVE event (stdin or files), for people.

Every event type nfqd writes (docs/events.md) has its own line: policy,
flow, smtp, alert, stats, reload, policy_summary, quarantine and
exception_expired.  A type this script does not know, or an event that
lacks a key it expects, still gets one line, with its type and time, so
nothing is skipped silently.  A line that is not JSON is named on stderr
and the script exits 1 at the end.
"""
import fileinput
import json
import sys


def tup(e):
    return f"{e.get('src_ip')}:{e.get('src_port')} -> {e.get('dest_ip')}:{e.get('dest_port')}"


def policy(e):
    p = e["policy"]
    x = p.get("exception")
    why = p["reason"]
    if x:
        why += f", entry {x['entry']} {x.get('ticket', '')}".rstrip()
    mode = " (monitor: not blocked)" if p.get("mode") == "monitor" and \
        p["action"] == "blocked" else ""
    return f"{p['action']:7} {p['direction']:8} {tup(e)}  ({why}){mode}"


def flow(f_e):
    f = f_e["flow"]
    app = f" {f_e['app_proto']}," if f_e.get("app_proto") else ""
    return (f"{f['action']:7} {f['direction']:8} {tup(f_e)} "
            f" {f['pkts_toserver']}/{f['pkts_toclient']} pkts,{app} "
            f"{f['state']}, {f['reason']}")


def smtp(e):
    s = e["smtp"]
    words = []
    if s.get("banner"):
        words.append(f"banner {s['banner']}")
    if s.get("helo"):
        words.append(f"helo {s['helo']}")
    if s.get("starttls"):
        words.append("STARTTLS")
    if s.get("auth"):
        words.append("AUTH")
    words.append(f"{s.get('messages', 0)} msg, {s.get('rcpts', 0)} rcpt, "
                 f"{s.get('data_bytes', 0)} bytes")
    r = s.get("replies") or {}
    bad = r.get("4xx", 0) + r.get("5xx", 0)
    if bad:
        words.append(f"{bad} 4xx/5xx replies")
    if s.get("mail_from"):
        words.append("from " + ",".join(s["mail_from"]))
    if s.get("rcpt_to"):
        words.append("to " + ",".join(s["rcpt_to"]))
    return f"{tup(e)}  " + "; ".join(words)


def alert(e):
    a = e["alert"]
    d = e.get("detection")
    more = ""
    if d:
        more = f" [{d['kind']} {d.get('host', '')}: {d.get('count')} over {d.get('threshold')}"
        if d.get("window"):
            more += f" in {d['window']} s"
        resp = d.get("response")
        if resp:
            more += f"; {resp.get('action')}"
            if resp.get("until"):
                more += f" until {resp['until'][:19]}"
        more += "]"
    app = f" ({e['app_proto']})" if e.get("app_proto") and not d else ""
    return (f"{a['action']:7} sid {a['signature_id']} {tup(e)}  "
            f"{a['signature']}{app}{more}")


def stats(e):
    s = e["stats"]
    ev = s.get("events", {})
    line = (f"{s['decoder']['pkts']} packets, {s['policy']['allowed']} allowed, "
            f"{s['policy']['blocked']} blocked, {s['flow']['active']} active flows, "
            f"events {ev.get('written', 0)} written {ev.get('dropped', 0)} dropped")
    nfq = s.get("nfq", {})
    lost = nfq.get("queue_dropped", 0) + nfq.get("user_dropped", 0)
    if lost:
        line += f", queue drops {lost}"
    return line


def reload(e):
    r = e["reload"]
    if r["status"] == "ok":
        return (f"ok, {r.get('exceptions')} entries (+{r.get('added', 0)} "
                f"-{r.get('removed', 0)} ~{r.get('changed', 0)})")
    return f"{r['status']}: {r.get('error', '')}, {r.get('exceptions')} entries stay"


def policy_summary(e):
    s = e["policy_summary"]
    t = s.get("targets") or []
    more = f" ({', '.join(t[:3])}{', ...' if len(t) > 3 else ''})" if t else ""
    return (f"{s['action']:7} {s['direction']:8} {e.get('src_ip')}: "
            f"{s['count']} attempts {s['first'][11:19]}-{s['last'][11:19]} "
            f"folded{more}")


def quarantine(e):
    q = e["quarantine"]
    until = f" until {q['until'][:19]}" if q.get("until") and \
        q["action"] == "start" else ""
    return (f"{q['action']:7} {q['host']}{until} by {q.get('who', '?')}: "
            f"{q.get('reason', '')}")


def exception_expired(e):
    x = e["exception_expired"]
    who = " ".join(v for v in (x.get("ticket"), x.get("owner")) if v)
    return (f"{x['entry']} {x['direction']} ({who}) expired "
            f"{x['expires']}, line {x.get('line')}")


KINDS = {
    "policy": policy, "flow": flow, "smtp": smtp, "alert": alert,
    "stats": stats, "reload": reload, "policy_summary": policy_summary,
    "quarantine": quarantine, "exception_expired": exception_expired,
}
WIDTH = 6      # policy, flow, smtp, alert, stats align; longer names run on


def line(e):
    t = str(e.get("timestamp", "?"))[11:19]
    kind = e.get("event_type", "?")
    fmt = KINDS.get(kind)
    if fmt is None:
        return f"{t} {kind:{WIDTH}} (unknown event type)"
    try:
        return f"{t} {kind:{WIDTH}} {fmt(e)}"
    except (KeyError, TypeError, IndexError) as err:
        return f"{t} {kind:{WIDTH}} (no {err} in this event)"


def main():
    rc = 0
    for raw in fileinput.input():
        if not raw.strip():
            continue
        try:
            e = json.loads(raw)
        except ValueError as err:
            print(f"eve-pretty: {fileinput.filename()}:{fileinput.filelineno()}: "
                  f"not JSON ({err})", file=sys.stderr)
            rc = 1
            continue
        print("  " + line(e))
    return rc


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:
        sys.exit(0)
