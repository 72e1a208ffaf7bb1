#!/usr/bin/python3
"""Checks for the e2e tests (run with Debian's /usr/bin/python3).

  check.py maillog LOG FROM SRC DST
      exit 0 if LOG (smtpd.py's) holds a message with envelope sender FROM
      whose peer is SRC and local address DST; 2 if it is there with other
      addresses; 1 if it is not there.

  check.py count EVE TYPE [KEY=VALUE ...]
      print how many events of event_type TYPE in EVE match every
      KEY=VALUE (KEY is a dotted path, e.g. policy.action=blocked, a
      number picks an array's element: alert.metadata.detection.0; IP
      addresses compare as addresses).

  check.py policy EVE ATTEMPTS TAG[,TAG...]
      for every (src, dst) pair of the attempts with those tags: exactly as
      many policy events src_ip=src dest_ip=dst dest_port=25 as attempts,
      each with action allowed (deliver) / blocked (refused) and the
      attempt's direction ("-" = any).  Prints one line per pair.

  check.py blocked EVE CIDR
      blocked connections from sources in CIDR as the events tell them:
      prints "TOTAL KERNEL" where TOTAL = blocked policy events +
      policy_summary counts and KERNEL = the part with "pkt_src": "kernel".

  check.py stat EVE PATH
      print the last nfqd_stats event's value at the dotted PATH (e.g.
      nfqd_stats.fastpath.dropped), or nothing when there is none.

  check.py reload EVE STATUS
      print how many reload events have status STATUS (reload.status or a
      top-level status).

  check.py get FILE KEY [TYPE]
      print the value at dotted KEY of FILE, one JSON document (nfqctl's
      answer), or with TYPE of the last event of that type in FILE (EVE);
      "null" when it is not there.

  check.py sink EVE NAME FIELD
      print FIELD (written, dropped, failed, queued, connected) of the
      event sink NAME in the last nfqd_stats event that lists it; "null"
      if none.

  check.py sinksum EVE NAME
      every line of EVE was offered to every sink, so at each stats event
      the sink NAME's written + failed + dropped + queued in each
      nfqd_stats event must equal the number of lines before it.  Prints the last such event's counters;
      exit 1 on a mismatch or if no stats event lists NAME.

  check.py decisions EVE
      with traffic over: the policy events before the last nfqd_stats event
      number exactly that event's policy.allowed + policy.blocked -
      policy.summarized (folded into summaries) - events.dropped (lost
      between nfqd's threads, counted).  Prints both; exit 1 if they differ.
"""
import ipaddress
import json
import sys


def norm_ip(s):
    try:
        return str(ipaddress.ip_address(str(s).split("%")[0]))
    except ValueError:
        return str(s)


def load_jsonl(path):
    out = []
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                line = line.strip()
                if not line:
                    continue
                try:
                    out.append(json.loads(line))
                except ValueError:
                    out.append({"event_type": "__unparsable__", "raw": line})
    except FileNotFoundError:
        pass
    return out


def get(ev, path):
    cur = ev
    for part in path.split("."):
        if isinstance(cur, list) and part.isdigit():
            cur = cur[int(part)] if int(part) < len(cur) else None
            continue
        if not isinstance(cur, dict) or part not in cur:
            return None
        cur = cur[part]
    return cur


def same(v, want):
    if v is None:
        return False
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        try:
            return float(v) == float(want)
        except ValueError:
            return False
    # IP addresses compare as addresses; other strings as they are
    return norm_ip(str(v)) == norm_ip(want)


def cmd_maillog(log, frm, src, dst):
    found_wrong = False
    for rec in load_jsonl(log):
        if rec.get("mail_from") != frm:
            continue
        peer = norm_ip((rec.get("peer") or ["?"])[0])
        local = norm_ip((rec.get("local") or ["?"])[0])
        if peer == norm_ip(src) and local == norm_ip(dst):
            return 0
        found_wrong = True
        print("message %s: peer %s local %s, expected %s -> %s"
              % (frm, peer, local, src, dst), file=sys.stderr)
    return 2 if found_wrong else 1


def cmd_count(eve, etype, conds):
    n = 0
    for ev in load_jsonl(eve):
        if ev.get("event_type") != etype:
            continue
        ok = True
        for c in conds:
            k, _, v = c.partition("=")
            if not same(get(ev, k), v):
                ok = False
                break
        n += ok
    print(n)
    return 0


def cmd_policy(eve, attempts, tags):
    tags = set(tags.split(","))
    want = {}
    with open(attempts) as f:
        for line in f:
            p = line.split()
            if len(p) < 6 or p[0] not in tags:
                continue
            _, aid, kind, src, dst, direction = p[:6]
            action = {"deliver": "allowed", "refused": "blocked"}[kind]
            key = (norm_ip(src), norm_ip(dst))
            want.setdefault(key, []).append((aid, action, direction))
    events = [e for e in load_jsonl(eve) if e.get("event_type") == "policy"]
    bad = 0
    for (src, dst), atts in sorted(want.items()):
        evs = [e for e in events
               if norm_ip(e.get("src_ip")) == src
               and norm_ip(e.get("dest_ip")) == dst
               and str(e.get("dest_port")) == "25"]
        action = atts[0][1]
        direction = atts[0][2]
        problems = []
        if len(evs) != len(atts):
            problems.append("%d policy event(s) for %d attempt(s)"
                            % (len(evs), len(atts)))
        for e in evs:
            a = get(e, "policy.action")
            d = get(e, "policy.direction")
            if a != action or (direction != "-" and d != direction):
                problems.append("event says %s/%s (reason %s)"
                                % (a, d, get(e, "policy.reason")))
        desc = "%s %s -> %s" % (action, src, dst)
        if direction != "-":
            desc += " " + direction
        if problems:
            bad += 1
            print("  FAIL eve: %s: %s" % (desc, "; ".join(problems)))
        else:
            print("  ok   eve: %s" % desc)
    return 1 if bad else 0


def cmd_blocked(eve, cidr):
    net = ipaddress.ip_network(cidr)
    total = kernel = 0
    for ev in load_jsonl(eve):
        try:
            src = ipaddress.ip_address(str(ev.get("src_ip")))
        except ValueError:
            continue
        if src.version != net.version or src not in net:
            continue
        t = ev.get("event_type")
        if t == "policy" and get(ev, "policy.action") == "blocked":
            n = 1
        elif t == "policy_summary":
            n = int(get(ev, "policy_summary.count") or 0)
        else:
            continue
        total += n
        if ev.get("pkt_src") == "kernel":
            kernel += n
    print(total, kernel)
    return 0


def cmd_stat(eve, path):
    v = None
    for ev in load_jsonl(eve):
        if ev.get("event_type") == "nfqd_stats":
            v = get(ev, path)
    print("" if v is None else v)
    return 0


def cmd_reload(eve, status):
    n = 0
    for ev in load_jsonl(eve):
        if ev.get("event_type") != "reload":
            continue
        st = get(ev, "reload.status")
        if st is None:
            st = ev.get("status")
        n += str(st) == status
    print(n)
    return 0


def show(v):
    if isinstance(v, str):
        return v
    return json.dumps(v)


def cmd_get(path, key, etype=None):
    if etype is None:
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                doc = json.load(f)
        except (OSError, ValueError):
            doc = None
    else:
        evs = [e for e in load_jsonl(path) if e.get("event_type") == etype]
        doc = evs[-1] if evs else None
    print(show(get(doc, key) if doc is not None else None))
    return 0


def cmd_sink(eve, name, field):
    val = None
    for ev in load_jsonl(eve):
        for k in get(ev, "nfqd_stats.sinks") or []:
            if k.get("name") == name:
                val = k.get(field)
    print(show(val))
    return 0


def cmd_sinksum(eve, name):
    n = bad = 0
    last = None
    for i, ev in enumerate(load_jsonl(eve)):
        for k in get(ev, "nfqd_stats.sinks") or []:
            if k.get("name") != name:
                continue
            n += 1
            tot = sum(int(k.get(f, 0)) for f in
                      ("written", "failed", "dropped", "queued"))
            if tot != i:
                bad += 1
                print("line %d: %s sums to %d" % (i + 1, k, tot))
            last = k
    print("%d stats events, last: %s" % (n, last))
    return 1 if bad or n == 0 else 0


def cmd_decisions(eve):
    evs = load_jsonl(eve)
    last = max((i for i, e in enumerate(evs)
                if e.get("event_type") == "nfqd_stats"), default=None)
    if last is None:
        print("no nfqd_stats event")
        return 1
    st = evs[last]["nfqd_stats"]
    n = sum(1 for e in evs[:last] if e.get("event_type") == "policy")
    want = (st["policy"]["allowed"] + st["policy"]["blocked"]
            - st["policy"]["summarized"] - st["events"]["dropped"])
    print("%d policy events, stats: %d allowed + %d blocked - %d summarized"
          " - %d events dropped = %d" % (n, st["policy"]["allowed"],
          st["policy"]["blocked"], st["policy"]["summarized"],
          st["events"]["dropped"], want))
    return 0 if n == want else 1


def main(argv):
    if len(argv) >= 6 and argv[1] == "maillog":
        return cmd_maillog(*argv[2:6])
    if len(argv) >= 4 and argv[1] == "count":
        return cmd_count(argv[2], argv[3], argv[4:])
    if len(argv) == 5 and argv[1] == "policy":
        return cmd_policy(*argv[2:5])
    if len(argv) == 4 and argv[1] == "blocked":
        return cmd_blocked(*argv[2:4])
    if len(argv) == 4 and argv[1] == "stat":
        return cmd_stat(*argv[2:4])
    if len(argv) == 4 and argv[1] == "reload":
        return cmd_reload(*argv[2:4])
    if len(argv) in (4, 5) and argv[1] == "get":
        return cmd_get(*argv[2:5])
    if len(argv) == 3 and argv[1] == "decisions":
        return cmd_decisions(argv[2])
    if len(argv) == 4 and argv[1] == "sinksum":
        return cmd_sinksum(*argv[2:4])
    if len(argv) == 5 and argv[1] == "sink":
        return cmd_sink(*argv[2:5])
    print(__doc__, file=sys.stderr)
    return 64


if __name__ == "__main__":
    sys.exit(main(sys.argv))
