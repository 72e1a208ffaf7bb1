#!/bin/sh
# nfqd-collect report, end to end: real replays (the campus day in enforce
# and monitor mode, the detections capture with its bulk sender,
# harvester and relay suspect, the responses capture with a quarantine and
# a harvest block, the port-25 scan) spread by tests/report/mkinput.py
# over six days and two routers, one day missing, one gzipped, one flat;
# then every output (text, --json, each --csv section, --html rendered by
# a real Chromium) checked against tests/report/check.py's own count.
#
#   NFQD=bin/nfqd NFQD_COLLECT=bin/nfqd-collect tests/report/run.sh
#
# The browser checks need Debian's chromium and python3-pil
# (tools/deps.sh); each Chromium run is bounded (CHROMIUM_TIMEOUT, 60 s;
# one takes 1-2 s here).
# Ends with "report: N passed, N failed".
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
NFQD=${NFQD:-$top/bin/nfqd}
NFQD_COLLECT=${NFQD_COLLECT:-$top/bin/nfqd-collect}
case $NFQD in /*) ;; *) NFQD=$top/$NFQD ;; esac
case $NFQD_COLLECT in /*) ;; *) NFQD_COLLECT=$top/$NFQD_COLLECT ;; esac
CHROMIUM=${CHROMIUM:-chromium}
CHROMIUM_TIMEOUT=${CHROMIUM_TIMEOUT:-60}
PYTHON=${PYTHON:-python3}
# Debian's python3-pil is for Debian's python3 (tools/deps.sh)
PIL_PYTHON=${PIL_PYTHON:-/usr/bin/python3}
CHECK="$PYTHON $top/tests/report/check.py"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT INT TERM
pass=0 fail=0

ok()	{ echo "ok   $*"; pass=$((pass + 1)); }
bad()	{ echo "FAIL $*"; fail=$((fail + 1)); }
# check NAME COMMAND...: pass when COMMAND exits 0, its output shown if not
check() {
	name=$1
	shift
	if "$@" >"$T/check.out" 2>&1; then
		ok "$name"
	else
		bad "$name"
		sed 's/^/    /' "$T/check.out" | head -40
	fi
}

# ---- the input: real replays, spread over days and routers ------------

replay() {	# CASE OUT
	dir=$top/tests/replay/$1
	"$NFQD" -c "$dir/nfqd.conf" --replay "$top/$(head -n 1 "$dir/pcap")" \
	    >"$2" 2>"$T/replay.err" || { bad "replay $1"; cat "$T/replay.err"; }
}
replay campus-day "$T/campus.json"
replay monitor "$T/monitor.json"
replay detections "$T/detections.json"
replay responses "$T/responses.json"
replay flood "$T/flood.json"
D=$T/collect
CONF=$top/tests/replay/campus-day/nfqd.conf
"$PYTHON" "$top/tests/report/mkinput.py" "$D" "$T/campus.json" \
    "$T/monitor.json" "$T/detections.json" "$T/responses.json" \
    "$T/flood.json" || bad "mkinput.py"
check "input: 2 routers, 6 days, a day missing, gzipped and flat files" \
    test -f "$D/192.0.2.2/eve-2026-10-09.json.gz" -a \
    -f "$D/eve-2026-10-10.json" -a ! -e "$D/192.0.2.1/eve-2026-10-07.json"

# ---- text, JSON, CSV ---------------------------------------------------

"$NFQD_COLLECT" report "$D" -c "$CONF" >"$T/report.txt" 2>"$T/report.err"
rc=$?
check "text: exit 0 (the .xz file is named, not an error)" test "$rc" = 0
check "text: the .xz day named on stderr" \
    grep -q "eve-2026-10-11.json.xz: not read" "$T/report.err"
check "text: days, monitor days, NO DATA, alerts, quarantines, hosts" \
    $CHECK text "$D" "$T/report.txt"
check "text: the monitor day's refusals are would-block, not blocked" \
    grep -Eq "^  2026-10-08  monitor  outbound +6 +0 +6$" "$T/report.txt"
check "text: the gzipped days are read (2 of 8 files)" \
    grep -q "events from 8 files (2 gzipped), 3 routers, 2 unreadable lines$" "$T/report.txt"

"$NFQD_COLLECT" report "$D" -c "$CONF" --json >"$T/report.json" \
    2>"$T/report.err"
check "--json: every number against an independent count" \
    $CHECK json "$D" "$T/report.json" --conf "$CONF"
check "--json: the relay suspect's two flows" "$PYTHON" -c '
import json, sys
r = json.load(open(sys.argv[1]))
a = [x for x in r["alerts"] if x["kind"] == "relay_suspect"]
sys.exit(not a or not all(x["inbound_flow_id"] and x["outbound_flow_id"] and
                          x["outbound_blocked"] for x in a))' "$T/report.json"

for s in days hours reasons alerts quarantines hosts sources routers \
    exceptions; do
	"$NFQD_COLLECT" report "$D" -c "$CONF" --csv "$s" >"$T/$s.csv" \
	    2>"$T/csv.err"
	check "--csv $s: against the count" $CHECK csv "$D" "$s" "$T/$s.csv" \
	    --conf "$CONF"
done

"$NFQD_COLLECT" report "$D" --json --since 2026-10-06 --until 2026-10-08 \
    >"$T/window.json" 2>/dev/null
check "--since/--until: three days, the middle one without data" \
    $CHECK json "$D" "$T/window.json" --since 2026-10-06 --until 2026-10-08

# ---- bad input changes nothing ----------------------------------------

usage_err() {	# NAME WORDS ARGS...
	name=$1 words=$2
	shift 2
	"$NFQD_COLLECT" report "$@" >"$T/u.out" 2>"$T/u.err"
	rc=$?
	if [ "$rc" = 2 ] && [ ! -s "$T/u.out" ] && grep -q "$words" "$T/u.err"
	then
		ok "usage error, exit 2: $name"
	else
		bad "usage error $name: exit $rc, stderr: $(head -c 200 "$T/u.err")"
	fi
}
usage_err "--since 2026-13-01" "expected YYYY-MM-DD" "$D" --since 2026-13-01
usage_err "--csv nonsense" "no section 'nonsense'" "$D" --csv nonsense
usage_err "--json with --html" "one of --json" "$D" --json --html "$T/x.html"
usage_err "no such folder" "No such file" "$T/none"
usage_err "--since after --until" "after --until" "$D" --since 2026-10-09 \
    --until 2026-10-05
usage_err "a page of 3,000 days" "at most 366" "$D" --since 2018-01-01 \
    --html "$T/long.html"
check "a refused page leaves no file" test ! -e "$T/long.html"
"$NFQD_COLLECT" report "$D" --html "$T/no/such/dir/r.html" >/dev/null \
    2>"$T/h.err"
rc=$?
check "--html into a missing folder: exit 1, said, nothing written" \
    test "$rc" = 1 -a ! -e "$T/no" -a -s "$T/h.err"
echo "<old page>" >"$T/keep.html"
cp -r "$D" "$T/cut"
head -c 300 "$D/192.0.2.1/eve-2026-10-09.json.gz" \
    >"$T/cut/192.0.2.1/eve-2026-10-09.json.gz"
"$NFQD_COLLECT" report "$T/cut" >"$T/cut.txt" 2>"$T/cut.err"
rc=$?
check "a truncated gzip day: exit 1, named on stderr and in the report" \
    test "$rc" = 1 -a -n "$(grep eve-2026-10-09.json.gz "$T/cut.err")" \
    -a -n "$(grep "NOT READ WHOLE.*eve-2026-10-09.json.gz" "$T/cut.txt")"

# ---- the page, in a real browser --------------------------------------

"$NFQD_COLLECT" report "$D" -c "$CONF" --html "$T/report.html" \
    >"$T/html.out" 2>"$T/html.err"
rc=$?
check "--html: exit 0, nothing on standard output" \
    test "$rc" = 0 -a ! -s "$T/html.out" -a -s "$T/report.html"
check "--html: self-contained (no script, link, img; no URL but SVG's namespace)" \
    "$PYTHON" -c '
import re, sys
t = open(sys.argv[1], encoding="utf-8").read()
tags = re.findall(r"<(script|link|img|iframe|object|embed|base)\b", t, re.I)
urls = set(re.findall(r"[a-z]+://[^\s\"<>)]*", t)) - {"http://www.w3.org/2000/svg"}
print(tags, urls)
sys.exit(bool(tags or urls))' "$T/report.html"
check "--html: the hostile router name is escaped" \
    grep -q '&lt;img src=x onerror=alert(1)&gt;&amp;&quot;&#39;?\[31m' \
    "$T/report.html"
check "text: no terminal escape passed on from an event (shown as ?)" \
    sh -c '! grep -q "$1" "$2" && grep -qF "onerror=alert(1)>&" "$2" &&
    grep -qF "?[31m" "$2"' - "$(printf '\033')" "$T/report.txt"

if ! command -v "$CHROMIUM" >/dev/null 2>&1; then
	bad "$CHROMIUM is not installed (tools/deps.sh installs it)"
else
	# A new profile each run; no network, no updates, no sandbox (root).
	chrome() {	# OUTFILE-OPTION ...
		rm -rf "$T/profile"
		mkdir "$T/profile"
		timeout "$CHROMIUM_TIMEOUT" "$CHROMIUM" --headless --no-sandbox \
		    --disable-gpu --disable-quic --no-first-run \
		    --disable-background-networking \
		    --disable-component-update --disable-sync \
		    --user-data-dir="$T/profile" "$@" 2>>"$T/chromium.err"
	}
	t0=$(date +%s)
	chrome --dump-dom "file://$T/report.html" >"$T/dom.html"
	rc=$?
	t1=$(date +%s)
	check "chromium --dump-dom: exit 0 in $((t1 - t0)) s (bound ${CHROMIUM_TIMEOUT} s)" \
	    test "$rc" = 0 -a -s "$T/dom.html"
	check "the rendered page: sections, charts, every number, every alert" \
	    $CHECK dom "$D" "$T/dom.html" --conf "$CONF"
	chrome --screenshot="$T/shot.png" --window-size=1280,3000 \
	    --hide-scrollbars "file://$T/report.html" >/dev/null
	check "chromium --screenshot: not blank, the charts' colours on it" \
	    "$PIL_PYTHON" "$top/tests/report/check.py" png "$T/shot.png"
	chrome --print-to-pdf="$T/report.pdf" --no-pdf-header-footer \
	    "file://$T/report.html" >/dev/null
	check "chromium --print-to-pdf: A4 landscape pages (@media print)" \
	    $CHECK pdf "$T/report.pdf"
	[ -n "${REPORT_KEEP:-}" ] && cp "$T/shot.png" "$T/report.html" \
	    "$T/report.pdf" "$REPORT_KEEP"/
fi

echo "report: $pass passed, $fail failed"
[ "$fail" = 0 ]
