#!/usr/bin/env python3
"""docs/eve-schema.json: Suricata's EVE schema, extended with nfqd's events.

    eve-schema.py SURICATA_SCHEMA [OUT]      write OUT (default: stdout)
    eve-schema.py --check SURICATA_SCHEMA FILE  exit 1 unless FILE is what
                                              this script writes

Suricata's file is kept as it is, line for line: nfqd's part is inserted
as text, so that the next Suricata schema makes a diff of Suricata's
changes alone.  What is inserted:

  - nfqd's own event types as top-level objects beside Suricata's
    (policy, policy_summary, quarantine, reload, exception_expired,
    smtp_session, nfqd_stats), each closed as Suricata closes its own;
  - an "allOf" of rules Suricata's schema does not state: every event
    carries the format version (metadata.flowints.nfqd_format), each
    event_type its object, the connection header where it names one, and
    Suricata's words where nfqd writes a Suricata type (flow.action,
    flow.reason, flow.state, alert.action, app_proto, community_id).
"""
import json
import sys

FORMAT = 2

S = {"type": "string"}
I = {"type": "integer", "minimum": 0}
B = {"type": "boolean"}
TS = {"type": "string",
      "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+0000$"}
SHA256 = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
DIRECTION = {"enum": ["inbound", "outbound", "internal", "transit"]}
MODE = {"enum": ["enforce", "monitor"]}
EXC_DIR = {"enum": ["inbound", "outbound", "both"]}
REASONS = ["exception", "internal", "transit", "no-exception",
           "exception-expired", "exception-direction", "quarantine",
           "harvest-block", "spoofed-source", "unparsed"]


def obj(props, required=(), desc=None):
    o = {"type": "object", "additionalProperties": False}
    if desc:
        o["description"] = desc
    if required:
        o["required"] = list(required)
    o["properties"] = props
    return o


BLOCK = obj({"host": S, "since": TS, "until": TS, "who": S, "reason": S},
            ("host", "since", "until", "who", "reason"))

NFQD_TYPES = {
    "policy": obj({
        "action": {"enum": ["allowed", "blocked"]},
        "direction": DIRECTION,
        "reason": {"enum": REASONS},
        "roles": {"enum": ["syn", "reversed", "inferred", "conflict"]},
        "mode": MODE,
        "exception": obj({
            "entry": S, "direction": EXC_DIR, "ticket": S, "owner": S,
            "expires": {"type": "string",
                        "pattern": r"^\d{4}-\d{2}-\d{2}$"}},
            ("entry", "direction")),
        "quarantine": BLOCK,
        "harvest_block": BLOCK,
    }, ("action", "direction", "reason", "roles", "mode"),
        "nfqd: the decision on a connection (docs/events.md)"),
    "policy_summary": obj({
        "action": {"const": "blocked"}, "direction": DIRECTION,
        "mode": MODE, "count": I, "first": TS, "last": TS,
        "targets": {"type": "array", "items": S},
    }, ("action", "direction", "mode", "count", "first", "last",
        "targets"), "nfqd: blocked attempts folded by flood control"),
    "quarantine": obj({
        "host": S, "action": {"enum": ["start", "end"]}, "reason": S,
        "since": TS, "until": TS, "who": S,
        "cause": {"enum": ["expired", "removed"]}, "removed_by": S,
    }, ("host", "action", "reason", "since", "until", "who"),
        "nfqd: a quarantine starts or ends"),
    "reload": obj({
        "status": {"enum": ["ok", "failed"]}, "error": S,
        "exceptions": I, "exceptions_sha256": SHA256,
        "added": I, "removed": I, "changed": I,
    }, ("status", "exceptions"), "nfqd: a reload, accepted or not"),
    "exception_expired": obj({
        "entry": S, "direction": EXC_DIR, "ticket": S, "owner": S,
        "expires": S, "line": I,
    }, ("entry", "direction", "expires", "line"),
        "nfqd: an exception entry's last day ended"),
    "smtp_session": obj({
        "banner": S, "helo": S, "starttls": B, "auth": B,
        "transactions": I, "rcpts": I, "messages": I, "data_bytes": I,
        "max_message": I,
        "replies": obj({"2xx": I, "3xx": I, "4xx": I, "5xx": I},
                       ("2xx", "3xx", "4xx", "5xx")),
    }, ("starttls", "auth", "transactions", "rcpts", "messages",
        "data_bytes", "max_message", "replies"),
        "nfqd: an SMTP session's facts beside its transactions' smtp "
        "events"),
    "nfqd_stats": obj({
        "uptime": I, "exceptions_sha256": SHA256,
        "decoder": obj({k: I for k in (
            "pkts", "bytes", "invalid", "fragments", "not_ip", "not_tcp",
            "ipv4", "ipv6", "vlan")}),
        "policy": obj({k: I for k in (
            "allowed", "blocked", "other_port", "unparsed_dropped",
            "spoofed", "role_conflicts", "summarized", "pkts_accepted",
            "pkts_dropped")}),
        "flow": obj({k: I for k in (
            "created", "active", "closed", "timeout", "evicted",
            "untracked", "resumed", "reused")}),
        "nfq": obj({"queue_dropped": I, "user_dropped": I}),
        "events": obj({"written": I, "dropped": I}),
        "fastpath": obj(dict({"mode": {"enum": ["tc", "xdp"]}},
                             **{k: I for k in (
                                 "syn", "dropped", "lost", "deferred",
                                 "unparsed", "relay", "spoofed",
                                 "disagree")})),
        "sinks": {"type": "array", "items": obj({
            "name": S, "type": S, "connected": B, "written": I,
            "dropped": I, "failed": I, "queued": I, "reconnects": I})},
    }, ("uptime", "decoder", "policy", "flow", "nfq", "events"),
        "nfqd: every counter (the stats event has Suricata's)"),
}

# Event types with the connection header (flow_id to proto).
TUPLE = ["policy", "flow", "smtp", "alert", "smtp_session"]
SURICATA_APP_PROTO = [
    "smtp", "tls", "http", "http2", "ftp", "ssh", "imap", "pop3", "dns",
    "smb", "dcerpc", "nfs", "ntp", "dnp3", "modbus", "ike", "krb5", "rdp",
    "rfb", "sip", "snmp", "mqtt", "pgsql", "telnet", "websocket", "ldap",
    "failed"]


def when(event_type, then):
    return {"if": {"properties": {"event_type": {"const": event_type}},
                   "required": ["event_type"]},
            "then": then}


def rules():
    r = [{
        "$comment": "nfqd: every event carries its format version",
        "required": ["metadata"],
        "properties": {
            "metadata": {"required": ["flowints"], "properties": {
                "flowints": {"required": ["nfqd_format"], "properties": {
                    "nfqd_format": {"const": FORMAT}}}}},
            "event_type": {"enum": sorted(set(NFQD_TYPES) | {
                "flow", "smtp", "alert", "stats"})},
            "community_id": {"type": "string",
                             "pattern": "^1:[A-Za-z0-9+/]{27}=$"},
            "app_proto": {"enum": SURICATA_APP_PROTO},
            "pkt_src": {"const": "kernel"},
            "timestamp": TS,
        }}]
    for t in sorted(set(NFQD_TYPES) | {"flow", "smtp", "alert", "stats"}):
        req = [t]
        if t in TUPLE:
            req += ["flow_id", "src_ip", "src_port", "dest_ip",
                    "dest_port", "proto"]
        if t == "smtp":
            req += ["tx_id"]
        r.append(when(t, {"required": req}))
    r.append(when("flow", {"properties": {"flow": {
        "required": ["pkts_toserver", "pkts_toclient", "bytes_toserver",
                     "bytes_toclient", "start", "end", "age", "state",
                     "reason", "alerted", "action"],
        "properties": {
            "action": {"enum": ["drop", "accept"]},
            "reason": {"enum": ["timeout", "forced", "shutdown",
                                "tcp_reuse", "unknown"]},
            "state": {"enum": ["new", "established", "closed",
                               "bypassed"]},
            "bypass": {"const": "capture"}}}}}))
    r.append(when("alert", {"properties": {"alert": {
        "required": ["action", "gid", "signature_id", "rev", "signature",
                     "category", "severity"],
        "properties": {
            "action": {"enum": ["allowed", "blocked"]},
            "gid": {"const": 1},
            "severity": {"enum": [1, 2, 3]}}}}}))
    r.append(when("smtp", {"properties": {"smtp": {"properties": {
        "mail_from": {"type": "string", "pattern": "^<.*>$"},
        "rcpt_to": {"items": {"type": "string",
                              "pattern": "^<.*>$"}}}}}}))
    return r


def indent(text, n):
    pad = " " * n
    return "\n".join(pad + l if l else l for l in text.split("\n"))


def generate(suricata_text):
    lines = suricata_text.split("\n")
    # Suricata's top level: 4 spaces; its "properties" opens once there.
    try:
        at = lines.index('    "properties": {')
    except ValueError:
        sys.exit("eve-schema.py: no top-level \"properties\" in Suricata's "
                 "schema")
    props = []
    for name, schema in sorted(NFQD_TYPES.items()):
        body = json.dumps(schema, indent=4)
        props.append(indent('"%s": %s,' % (name, body), 8))
    head = [
        '    "$comment": "docs/eve-schema.json: Suricata\'s EVE schema '
        '(its lines unchanged) with nfqd\'s event types and rules, written '
        'by tools/eve-schema.py",',
        indent('"allOf": ' + json.dumps(rules(), indent=4) + ",", 4),
    ]
    out = lines[:at] + head + lines[at:at + 1] + props + lines[at + 1:]
    return "\n".join(out)


def main():
    args = sys.argv[1:]
    check = bool(args) and args[0] == "--check"
    if check:
        args = args[1:]
    if len(args) not in (1, 2) or (check and len(args) != 2):
        sys.exit(__doc__)
    with open(args[0], encoding="utf-8") as f:
        text = generate(f.read())
    json.loads(text)        # it is JSON
    if check:
        with open(args[1], encoding="utf-8") as f:
            if f.read() != text:
                print("%s is not what tools/eve-schema.py writes from %s: "
                      "run tools/eve-schema.py %s %s" % (
                          args[1], args[0], args[0], args[1]))
                return 1
        return 0
    if len(args) == 2:
        with open(args[1], "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
