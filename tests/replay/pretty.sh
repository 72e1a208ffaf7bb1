#!/bin/sh
# tools/eve-pretty.py (make demo, make demo-replay) on one event of every
# type nfqd/sink/eve.c names: the first of each type from the replays of
# test-pcaps/ (campus-day, detections, scan, responses), plus the reload
# and exception_expired examples of docs/events.md, which a replay never
# writes.  Each event must give exactly one line, with its time, its type
# and the facts of that type (action, addresses, counts), never the
# fallback for a missing key or an unknown type.  A line that is not JSON
# is named on stderr and exits 1.
# Ends with "pretty: N passed, N failed".
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
NFQD=${NFQD:-$top/bin/nfqd}
case $NFQD in /*) ;; *) NFQD=$top/$NFQD ;; esac
PY=${PYTHON:-python3}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT INT TERM
pass=0 fail=0

ok()	{ echo "ok   $*"; pass=$((pass + 1)); }
bad()	{ echo "FAIL $*"; fail=$((fail + 1)); }

: >"$out/all.json"
for c in campus-day detections-announced flood responses-exceptions; do
	dir=$top/tests/replay/$c
	pcap=$top/$(head -n 1 "$dir/pcap")
	"$NFQD" -c "$dir/nfqd.conf" --replay "$pcap" >>"$out/all.json" \
	    2>"$out/err" || { bad "replay $c: exit $?"; cat "$out/err"; }
done

# One event per type (a detection alert and a plain one when both exist,
# a quarantine start and end); the types event.c can write, for the check.
"$PY" - "$out/all.json" "$top/docs/events.md" "$top/nfqd/sink/eve.c" \
    "$out/one.json" "$out/types" <<'PY'
import json, re, sys
picked, seen = [], set()
def take(e, key):
    if key not in seen:
        seen.add(key)
        picked.append(e)
for line in open(sys.argv[1]):
    if line.strip():
        e = json.loads(line)
        k = e["event_type"]
        if k == "alert":
            k += "-detection" if "detection" in e["alert"].get(
                "metadata", {}) else "-protocol"
        elif k == "quarantine":
            k += "-" + e["quarantine"]["action"]
        take(e, k)
# docs/events.md's ```json examples of the types a replay does not write
text = open(sys.argv[2]).read()
for block in re.findall(r"```json\n(.*?)```", text, re.S):
    try:
        e = json.loads(block)
    except ValueError:
        continue
    if isinstance(e, dict) and e.get("event_type") in ("reload", "exception_expired"):
        k = e["event_type"] + "-" + e.get("reload", {}).get("status", "")
        take(e, k)
with open(sys.argv[4], "w") as f:
    for e in picked:
        f.write(json.dumps(e) + "\n")
src = open(sys.argv[3]).read()
m = re.search(r"ev_names\[\]\s*=\s*\{(.*?)\}", src, re.S)
with open(sys.argv[5], "w") as f:
    f.write("\n".join(re.findall(r'"([a-z_]+)"', m.group(1))) + "\n")
PY
[ -s "$out/one.json" ] || { bad "no events collected"; echo "pretty: $pass passed, $fail failed"; exit 1; }

"$PY" "$top/tools/eve-pretty.py" "$out/one.json" >"$out/pretty" 2>"$out/perr"
rc=$?
[ $rc = 0 ] && [ ! -s "$out/perr" ] && ok "eve-pretty.py: exit 0, nothing on stderr" ||
    { bad "eve-pretty.py: exit $rc"; cat "$out/perr"; }
n_in=$(wc -l <"$out/one.json") n_out=$(wc -l <"$out/pretty")
[ "$n_in" = "$n_out" ] && ok "one line per event ($n_in events)" ||
    bad "$n_in events, $n_out lines"

# Each type: at least one event of it, and its line says what it should.
"$PY" - "$out/one.json" "$out/pretty" "$out/types" >"$out/res" <<'PY'
import json, re, sys
events = [json.loads(l) for l in open(sys.argv[1])]
lines = open(sys.argv[2]).read().splitlines()
types = open(sys.argv[3]).read().split()
def want(e):
    k = e["event_type"]
    tup = "%s:%s -> %s:%s" % (e.get("src_ip"), e.get("src_port"), e.get("dest_ip"), e.get("dest_port"))
    if k == "policy":
        return [e["policy"]["action"], e["policy"]["direction"], e["policy"]["reason"], tup]
    if k == "flow":
        f = e["flow"]
        return [f["action"], tup, "%d/%d pkts" % (f["pkts_toserver"], f["pkts_toclient"]), f["reason"]]
    if k == "smtp":
        s = e["smtp"]
        return [tup, "tx %d" % e["tx_id"]] + \
            (["from " + s["mail_from"]] if s.get("mail_from") else [])
    if k == "smtp_session":
        s = e["smtp_session"]
        return [tup, "%d msg" % s["messages"], "%d rcpt" % s["rcpts"]] + \
            (["banner " + s["banner"]] if s.get("banner") else [])
    if k == "alert":
        w = ["sid %d" % e["alert"]["signature_id"], e["alert"]["signature"], tup]
        m = e["alert"].get("metadata", {})
        if "detection" in m:
            w.append(m["detection"][0])
        return w
    if k == "stats":
        return ["%d packets" % e["stats"]["decoder"]["pkts"], "%d dropped" % e["stats"]["ips"]["blocked"]]
    if k == "nfqd_stats":
        s = e["nfqd_stats"]
        return ["%d packets" % s["decoder"]["pkts"], "%d blocked" % s["policy"]["blocked"]]
    if k == "reload":
        r = e["reload"]
        return [r["status"], "%d entries" % r["exceptions"]] + ([r["error"]] if "error" in r else [])
    if k == "policy_summary":
        return [e["src_ip"], "%d attempts" % e["policy_summary"]["count"], e["policy_summary"]["direction"]]
    if k == "quarantine":
        return [e["quarantine"]["action"], e["quarantine"]["host"]]
    if k == "exception_expired":
        x = e["exception_expired"]
        return [x["entry"], x["direction"], x["expires"], x["ticket"]]
    return ["(no check for %s)" % k]
for e, l in zip(events, lines):
    k = e["event_type"]
    head = "  %s %s" % (e["timestamp"][11:19], k)
    miss = [w for w in want(e) if w not in l]
    if not l.startswith(head):
        print("FAIL %s: line does not start with '%s': %s" % (k, head, l))
    elif "(no " in l or "(unknown" in l:
        print("FAIL %s: fallback line: %s" % (k, l))
    elif miss:
        print("FAIL %s: line lacks %s: %s" % (k, miss, l))
    else:
        print("ok   %s: %s" % (k, l.strip()))
have = {e["event_type"] for e in events}
for t in types:
    if t not in have:
        print("FAIL %s (nfqd/sink/eve.c) has no example event for eve-pretty.py" % t)
PY
while IFS= read -r line; do
	case $line in
	"ok   "*) ok "${line#ok   }" ;;
	*) bad "${line#FAIL }" ;;
	esac
done <"$out/res"

# Not JSON: named, exit 1, the rest still printed.
printf '%s\n' 'not json' "$(head -n 1 "$out/one.json")" >"$out/mixed"
"$PY" "$top/tools/eve-pretty.py" "$out/mixed" >"$out/p2" 2>"$out/e2"
rc=$?
[ $rc = 1 ] && grep -q "mixed:1: not JSON" "$out/e2" && [ "$(wc -l <"$out/p2")" = 1 ] &&
    ok "a line that is not JSON: named on stderr, exit 1, the rest printed" ||
    bad "a line that is not JSON: exit $rc: $(cat "$out/e2")"

echo "pretty: $pass passed, $fail failed"
[ $fail = 0 ]
