#!/usr/bin/env python3
"""Check nfqd's EVE events as an EVE consumer would read them.

    eve-check.py [--suricata SCHEMA] [--nfqd SCHEMA] [--seed N]
                 [--no-community-id] [--partial-last] [--max-events N]
                 [--max-errors N] [--summary] FILE...

Each line of each FILE is one event.  For every event:

  - an event of a type Suricata defines (its event_type is one of the
    objects of Suricata's schema: flow, smtp, alert, stats, ...) must
    validate against Suricata's EVE schema (--suricata), and use
    Suricata's words where Suricata has a fixed set (flow.action,
    flow.reason, flow.state, alert.action, app_proto, smtp.mail_from as
    one string, rcpt_to never empty);
  - every event must validate against nfqd's own schema (--nfqd, Suricata's
    extended with nfqd's event types), when given;
  - every event that names a connection (src_ip, dest_ip, src_port,
    dest_port, proto) must carry community_id, equal to the Community ID
    v1 of its tuple computed here, independently of nfqd's C code, with
    seed --seed (default 0); with --no-community-id (community-id = no),
    none may carry one.

--partial-last: a file's last line without its newline (a daemon stopped
while writing it, a full disk) is left out, not counted invalid.
--max-events N: of a file with more events, about N are checked: the first of
each event_type and an even spread of the rest (a soak's million events
would take the schemas' validator half an hour); the figures say so.

Prints "eve-check: N of M events valid (shared types: A of B; ...)" and,
for each invalid event, why (the first --max-errors).  Exit 1 when any
event is invalid.  Needs python3-jsonschema (Debian 12) for the schemas.
"""
import argparse
import base64
import hashlib
import ipaddress
import json
import struct
import sys

# Suricata's own words for the fields that have a fixed set of values
# (output-json-flow.c, output-json-alert.c; docs/events.md says where
# each comes from).
FLOW_ACTION = {"drop", "accept", "pass"}
FLOW_REASON = {"timeout", "forced", "shutdown", "tcp_reuse", "unknown"}
FLOW_STATE = {"new", "established", "closed", "bypassed"}
FLOW_BYPASS = {"local", "capture"}
ALERT_ACTION = {"allowed", "blocked"}
# Suricata's app-layer names (app-layer-protos.c) nfqd can meet on an SMTP
# port, and "failed"; nDPI's own names would read as unknown protocols.
APP_PROTO = {"smtp", "tls", "http", "http2", "ftp", "ssh", "imap", "pop3",
             "dns", "smb", "dcerpc", "nfs", "ntp", "dnp3", "modbus", "enip",
             "ike", "krb5", "rdp", "rfb", "sip", "snmp", "mqtt", "pgsql",
             "telnet", "websocket", "ldap", "bittorrent-dht", "failed"}
PROTO_NUM = {"TCP": 6, "UDP": 17, "SCTP": 132}


def community_id(ev, seed):
    """Community ID v1 (corelight/community-id-spec) of the event's tuple."""
    sa = ipaddress.ip_address(ev["src_ip"]).packed
    da = ipaddress.ip_address(ev["dest_ip"]).packed
    sp, dp = ev["src_port"], ev["dest_port"]
    proto = PROTO_NUM[ev["proto"]]
    if (sa, sp) > (da, dp):
        sa, da, sp, dp = da, sa, dp, sp
    h = hashlib.sha1()
    h.update(struct.pack("!H", seed))
    h.update(sa + da)
    h.update(struct.pack("!BB", proto, 0))
    h.update(struct.pack("!HH", sp, dp))
    return "1:" + base64.b64encode(h.digest()).decode()


def vocabulary(ev):
    """Suricata's words in a shared-type event: the problems found."""
    t = ev.get("event_type")
    if "app_proto" in ev and ev["app_proto"] not in APP_PROTO:
        yield "app_proto %r is not one of Suricata's" % ev["app_proto"]
    if t == "flow":
        f = ev.get("flow", {})
        if "action" in f and f["action"] not in FLOW_ACTION:
            yield "flow.action %r not in %s" % (f["action"],
                                                sorted(FLOW_ACTION))
        if f.get("reason") not in FLOW_REASON:
            yield "flow.reason %r not in %s" % (f.get("reason"),
                                                sorted(FLOW_REASON))
        if f.get("state") not in FLOW_STATE:
            yield "flow.state %r not in %s" % (f.get("state"),
                                               sorted(FLOW_STATE))
        if "bypass" in f and f["bypass"] not in FLOW_BYPASS:
            yield "flow.bypass %r" % f["bypass"]
    elif t == "alert":
        a = ev.get("alert", {})
        if a.get("action") not in ALERT_ACTION:
            yield "alert.action %r not in %s" % (a.get("action"),
                                                 sorted(ALERT_ACTION))
    elif t == "smtp":
        s = ev.get("smtp", {})
        if "mail_from" in s and not isinstance(s["mail_from"], str):
            yield "smtp.mail_from is not one string"
        if "rcpt_to" in s and not s["rcpt_to"]:
            yield "smtp.rcpt_to is empty (Suricata leaves it out)"
        if "tx_id" not in ev:
            yield "smtp event without tx_id"


def names_connection(ev):
    return all(k in ev for k in ("src_ip", "dest_ip", "src_port",
                                 "dest_port", "proto"))


def sample(path, most):
    """Line numbers of FILE to check: None for all, else the first of each
    event_type and an even spread, about `most` in all (one pass to count,
    reading as it goes: a soak's files are hundreds of megabytes)."""
    keep, seen, count = set(), set(), 0
    with open(path, "rb") as f:
        for count, l in enumerate(f, 1):
            at = l.find(b'"event_type":"')
            t = l[at + 14:l.find(b'"', at + 14)] if at >= 0 else b"?"
            if t not in seen:
                seen.add(t)
                keep.add(count)
    if count <= most:
        return None, count
    step = max(1, count // max(1, most - len(keep)))
    keep.update(range(1, count + 1, step))
    keep.add(count)
    return keep, count


def validator(path):
    import jsonschema
    with open(path, encoding="utf-8") as f:
        schema = json.load(f)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--suricata", help="Suricata's EVE schema")
    ap.add_argument("--nfqd", help="nfqd's schema (docs/eve-schema.json)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-community-id", action="store_true")
    ap.add_argument("--partial-last", action="store_true")
    ap.add_argument("--max-events", type=int, default=0)
    ap.add_argument("--max-errors", type=int, default=20)
    ap.add_argument("--summary", action="store_true",
                    help="print the figures only")
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    suri = validator(a.suricata) if a.suricata else None
    own = validator(a.nfqd) if a.nfqd else None
    shared_types = set()
    if a.suricata:
        with open(a.suricata, encoding="utf-8") as f:
            shared_types = set(json.load(f)["properties"])
    n = bad = shared = shared_bad = conns = conns_bad = total = 0
    sampled = False
    by_type = {}
    errors = []
    for path in a.files:
        keep = None
        if a.max_events:
            keep, count = sample(path, a.max_events)
            total += count
        sampled = sampled or keep is not None
        f = open(path, encoding="utf-8", errors="replace")
        for lineno, line in enumerate(f, 1):
            if (keep is not None and lineno not in keep) or \
                    not line.strip() or (a.partial_last and
                                         not line.endswith("\n")):
                continue
            n += 1
            why = []
            try:
                ev = json.loads(line)
            except ValueError as e:
                why.append("not JSON: %s" % e)
                ev = {}
            t = ev.get("event_type", "?")
            is_shared = t in shared_types
            if is_shared and suri is not None:
                for e in suri.iter_errors(ev):
                    why.append("Suricata's schema: %s at /%s" % (
                        e.message[:160],
                        "/".join(str(p) for p in e.absolute_path)))
            if is_shared:
                why.extend(vocabulary(ev))
            if own is not None:
                for e in own.iter_errors(ev):
                    why.append("nfqd's schema: %s at /%s" % (
                        e.message[:160],
                        "/".join(str(p) for p in e.absolute_path)))
            if names_connection(ev):
                conns += 1
                want = None if a.no_community_id else \
                    community_id(ev, a.seed)
                if ev.get("community_id") != want:
                    conns_bad += 1
                    why.append("community_id %r, expected %r" % (
                        ev.get("community_id"), want))
            cnt = by_type.setdefault(t, [0, 0])
            cnt[0] += 1
            if is_shared:
                shared += 1
            if why:
                bad += 1
                cnt[1] += 1
                shared_bad += is_shared
                errors.append("%s:%d: %s event: %s" % (
                    path, lineno, t, "; ".join(why)))
        f.close()
    types = ", ".join("%s %d of %d" % (t, c[0] - c[1], c[0])
                      for t, c in sorted(by_type.items()))
    print("eve-check: %d of %d events valid (shared types: %d of %d; "
          "community_id: %d of %d connection events; %s)%s" % (
              n - bad, n, shared - shared_bad, shared, conns - conns_bad,
              conns, types, "; %d lines in all, a sample of %d checked" % (
                  total, n) if sampled else ""))
    if not a.summary:
        for e in errors[:a.max_errors]:
            print("  " + e)
        if len(errors) > a.max_errors:
            print("  ... and %d more" % (len(errors) - a.max_errors))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
