#!/usr/bin/env python3
"""One readable line per nfqd EVE event (stdin or files), for people.

Every event type nfqd writes (docs/events.md, format 2) has its own line:
policy, flow, smtp, smtp_session, alert, stats, nfqd_stats, reload,
policy_summary, quarantine and exception_expired.  A type this script does not know, or an event that
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
    t = f_e.get("tcp") or {}
    app = f" {f_e['app_proto']}," if f_e.get("app_proto") else ""
    how = "rst" if t.get("rst") else "fin" if t.get("fin") else ""
    end = f"{f['reason']}" + (f" after {how}" if how else "")
    return (f"{f.get('action', '-'):7} {tup(f_e)} "
            f" {f['pkts_toserver']}/{f['pkts_toclient']} pkts,{app} "
            f"{f['state']}, {end}")


def smtp(e):
    s = e["smtp"]
    words = [f"tx {e.get('tx_id')}"]
    if s.get("helo"):
        words.append(f"helo {s['helo']}")
    if s.get("mail_from"):
        words.append("from " + s["mail_from"])
    if s.get("rcpt_to"):
        words.append("to " + ",".join(s["rcpt_to"]))
    return f"{tup(e)}  " + "; ".join(words)


def smtp_session(e):
    s = e["smtp_session"]
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
    return f"{tup(e)}  " + "; ".join(words)


def alert(e):
    a = e["alert"]
    # alert.metadata, each value ["v"] as Suricata writes a rule's
    d = {k: v[0] for k, v in (a.get("metadata") or {}).items() if v}
    more = ""
    if d.get("detection"):
        more = (f" [{d['detection']} {d.get('host', '')}: {d.get('count')} "
                f"over {d.get('threshold')}")
        if d.get("window"):
            more += f" in {d['window']} s"
        if d.get("response"):
            more += f"; {d['response']}"
            if d.get("response_until"):
                more += f" until {d['response_until'][:19]}"
        more += "]"
    proto = d.get("protocol") or e.get("app_proto")
    app = f" ({proto})" if proto and not d.get("detection") else ""
    return (f"{a['action']:7} sid {a['signature_id']} {tup(e)}  "
            f"{a['signature']}{app}{more}")


def stats(e):
    s = e["stats"]
    f = s.get("flow", {})
    ips = s.get("ips", {})
    return (f"{s['decoder']['pkts']} packets, {ips.get('accepted', 0)} "
            f"accepted, {ips.get('blocked', 0)} dropped, {f.get('total', 0)} "
            f"flows, {f.get('active', 0)} active")


def nfqd_stats(e):
    s = e["nfqd_stats"]
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
    "policy": policy, "flow": flow, "smtp": smtp,
    "smtp_session": smtp_session, "alert": alert, "stats": stats,
    "nfqd_stats": nfqd_stats, "reload": reload,
    "policy_summary": policy_summary, "quarantine": quarantine,
    "exception_expired": exception_expired,
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
