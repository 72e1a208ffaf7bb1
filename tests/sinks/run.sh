#!/bin/sh
# End-to-end tests of nfqd's event sinks and bin/nfqd-collect, with the
# real programs and only loopback addresses and unix sockets in a scratch
# folder:
#  - nfqd -n takes tcp://, udp://, unix:, syslog sinks and refuses bad ones;
#  - a replay of test-pcaps/campus-day.pcap to tcp://, udp:// and unix:
#    reaches nfqd-collect's daily file, every event once per sink;
#  - the collector is killed, a replay starts, the collector comes back:
#    nothing crashes and what was queued for tcp:// and unix: arrives;
#  - with no collector at all the replay ends, counts its drops, exits 3;
#  - retention removes the daily files older than 60 days, and only them;
#  - syslog-rfc5424: to the collector's unix-dgram socket, and
#    `nfqd-collect report` agrees with the replay's own events;
#  - nfqd-collect's acknowledgements (tests/sinks/ack.py): the greeting,
#    "ok N" only once the lines are in its files, the last ones at
#    SIGTERM, none for a line it could not write;
#  - Debian's rsyslogd, started on its own config in the scratch folder,
#    receives the events over tcp://, syslog: and syslog-rfc5424: as JSON.
# Prints ok/FAIL per check, ends with "sinks: N passed, N failed", exits
# non-zero on any failure.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
NFQD=${NFQD:-bin/nfqd}
NFQD_COLLECT=${NFQD_COLLECT:-bin/nfqd-collect}
case $NFQD in /*) ;; *) NFQD=$top/$NFQD ;; esac
case $NFQD_COLLECT in /*) ;; *) NFQD_COLLECT=$top/$NFQD_COLLECT ;; esac
PYTHON=${PYTHON:-python3}
RSYSLOGD=${RSYSLOGD:-$(command -v rsyslogd || echo /usr/sbin/rsyslogd)}

. "$top/tests/sinks/lib.sh"
pycheck() { "$PYTHON" "$top/tests/sinks/check.py" "$@"; }

# start_collector LOG DIR ARGS...: start one, wait until it listens
start_collector() {
	log=$1 dir=$2
	shift 2
	mkdir -p "$dir"
	"$NFQD_COLLECT" -d "$dir" "$@" 2>"$log" &
	cpid=$!
	pids="$pids $cpid"
	i=0
	until grep -q "writing to" "$log" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 100 ] || ! kill -0 "$cpid" 2>/dev/null; then
			sed 's/^/    /' "$log"
			return 1
		fi
		sleep 0.05
	done
}

# port_of KIND LOG: the port the collector logged for tcp or udp
port_of() {
	sed -n "s/.*listening on $1 127\.0\.0\.1:\([0-9]*\)\$/\1/p" "$2" | head -n 1
}

# wait_lines N FILE...: until the files hold N lines together (5 s at most)
wait_lines() {
	n=$1
	shift
	i=0
	while [ "$(cat "$@" 2>/dev/null | wc -l)" -lt "$n" ] && [ $i -lt 100 ]; do
		i=$((i + 1))
		sleep 0.05
	done
}


for p in "$NFQD" "$NFQD_COLLECT"; do
	if [ ! -x "$p" ]; then
		bad "$p is not built"
		echo "sinks: $pass passed, $((fail)) failed"
		exit 1
	fi
done

# ---- the truth: the same replay to stdout ----------------------------------

mkconf "$T/stdout.conf" "stdout"
replay "$T/stdout.conf" "$T/want.json" "$T/want.err"
nev=$(wc -l <"$T/want.json")
if [ "$nev" -lt 10 ]; then
	bad "replay to stdout gave $nev events"
fi

# ---- configuration ---------------------------------------------------------

mkconf "$T/check.conf" "file:eve.json, tcp://127.0.0.1:6514, udp://[::1]:5514, unix:c.sock, unix-dgram:/run/x.sock, syslog, syslog-rfc5424:/dev/log"
check "nfqd -n accepts every kind of sink" "$NFQD" -c "$T/check.conf" -n
mkconf "$T/bad.conf" "tcp://2001:db8::5:514"
if "$NFQD" -c "$T/bad.conf" -n >"$T/bad.out" 2>&1; then
	bad "nfqd -n accepted tcp://2001:db8::5:514"
elif grep -q "bad.conf:.*bad event sink.*brackets" "$T/bad.out"; then
	ok "nfqd -n refuses an IPv6 sink without brackets, naming file:line"
else
	bad "nfqd -n error for an unbracketed IPv6 sink:"
	sed 's/^/    /' "$T/bad.out"
fi

# ---- delivery: tcp, udp, unix to nfqd-collect ------------------------------

C1=$T/c1
if start_collector "$T/col1.log" "$C1" --tcp 127.0.0.1:0 --udp 127.0.0.1:0 \
    --unix "$T/c.sock" --retention 36500; then
	ok "nfqd-collect listens on tcp, udp and $T/c.sock"
else
	bad "nfqd-collect does not start"
fi
col1=$cpid
TP=$(port_of tcp "$T/col1.log")
UP=$(port_of udp "$T/col1.log")
mkconf "$T/net.conf" "tcp://127.0.0.1:$TP, udp://127.0.0.1:$UP, unix:$T/c.sock"
if replay "$T/net.conf" "$T/net.out" "$T/net.err"; then
	ok "replay to tcp, udp and unix sinks"
else
	bad "replay to tcp, udp and unix sinks (exit $?):"
	sed 's/^/    /' "$T/net.err"
fi
wait_lines $((3 * nev)) "$C1"/*/eve-*.json
cat "$C1"/*/eve-*.json >"$T/got1.json" 2>/dev/null
check "every event arrived once per sink ($nev events x 3 sinks)" \
    pycheck copies "$T/want.json" "$T/got1.json" 3
check "the daily file is named by the events' own date" \
    test -f "$C1/127.0.0.1/eve-$(head -n 1 "$T/want.json" | cut -c15-24).json"
# the sender by folder: tcp and udp from 127.0.0.1, unix from our uid
cat "$C1"/127.0.0.1/eve-*.json >"$T/got1-inet.json" 2>/dev/null
cat "$C1"/local-uid-"$(id -u)"/eve-*.json >"$T/got1-unix.json" 2>/dev/null
check "each sender's events in its own folder, byte for byte (127.0.0.1: tcp + udp)" \
    pycheck copies "$T/want.json" "$T/got1-inet.json" 2
check "each sender's events in its own folder, byte for byte (local-uid-$(id -u): unix)" \
    pycheck copies "$T/want.json" "$T/got1-unix.json" 1

# ---- the collector dies and comes back -------------------------------------

kill -9 "$col1" 2>/dev/null
wait "$col1" 2>/dev/null
replay "$T/net.conf" "$T/net2.out" "$T/net2.err" &
rpid=$!
pids="$pids $rpid"
sleep 1
start_collector "$T/col1b.log" "$C1" --tcp "127.0.0.1:$TP" \
    --udp "127.0.0.1:$UP" --unix "$T/c.sock" --retention 36500
col1=$cpid
wait "$rpid"
rc=$?
if [ $rc = 0 ]; then
	ok "replay while the collector is down, then back: exit 0"
else
	bad "replay while the collector is down, then back: exit $rc"
	sed 's/^/    /' "$T/net2.err"
fi
check "the sinks said the collector was down" \
    grep -q "tcp://127.0.0.1:$TP: cannot connect" "$T/net2.err"
wait_lines $((5 * nev - 1)) "$C1"/*/eve-*.json
cat "$C1"/*/eve-*.json >"$T/got2.json" 2>/dev/null
# tcp and unix held their queues until it came back; udp cannot know
check "what tcp and unix queued arrived once the collector was back" \
    pycheck copies "$T/want.json" "$T/got2.json" 5 6

# ---- no collector at all: drops are counted --------------------------------

kill -TERM "$col1" 2>/dev/null
wait "$col1" 2>/dev/null
check "nfqd-collect removes its unix socket at SIGTERM" test ! -e "$T/c.sock"
mkconf "$T/dead.conf" "stdout, tcp://127.0.0.1:$TP, udp://127.0.0.1:$UP, unix:$T/c.sock"
t0=$(date +%s)
replay "$T/dead.conf" "$T/dead.out" "$T/dead.err"
# Its events did not all arrive: exit 3 after the summary (nfqd(8)).
if [ $? = 3 ] && grep -q "event lines lost" "$T/dead.err"; then
	ok "replay with no collector ends, exit 3 (events lost) ($(($(date +%s) - t0)) s)"
else
	bad "replay with no collector:"
	sed 's/^/    /' "$T/dead.err"
fi
check "tcp sink: all $nev events counted as dropped" \
    grep -q "tcp://127.0.0.1:$TP: 0 events written, $nev dropped" "$T/dead.err"
check "unix sink: all $nev events counted as dropped" \
    grep -q "unix:$T/c.sock: 0 events written, $nev dropped" "$T/dead.err"
check "udp sink: the refusals are reported" \
    grep -q "udp://127.0.0.1:$UP: refused" "$T/dead.err"
check "stdout still got every event" \
    pycheck copies "$T/want.json" "$T/dead.out" 1
check "the stats event says the tcp sink is down" \
    pycheck stats-sink "$T/dead.out" "tcp://127.0.0.1:$TP" connected false

# ---- retention -------------------------------------------------------------

R=$T/retention
mkdir -p "$R"
d59=$(date -u -d '-59 days' +%F)
d60=$(date -u -d '-60 days' +%F)
d61=$(date -u -d '-61 days' +%F)
for f in eve-2000-01-01.json "eve-$d61.json" "eve-$d61.json.gz" \
    "eve-$d60.json" "eve-$d59.json" "eve-$(date -u +%F).json" notes.txt \
    eve-latest.json; do
	echo '{}' >"$R/$f"
done
mkdir -p "$R/192.0.2.1"
for f in "eve-$d61.json" "eve-$d60.json"; do echo '{}' >"$R/192.0.2.1/$f"; done
start_collector "$T/colr.log" "$R" --unix "$T/r.sock"
kill -TERM "$cpid" 2>/dev/null
wait "$cpid" 2>/dev/null
left=$(for f in "$R"/*; do basename "$f"; done | LC_ALL=C sort | tr '\n' ' ')
keep=$(printf '%s\n' "eve-$d59.json" "eve-$d60.json" "eve-$(date -u +%F).json" \
    eve-latest.json notes.txt 192.0.2.1 | LC_ALL=C sort | tr '\n' ' ')
if [ "$left" = "$keep" ]; then
	ok "retention 60 days: removed 2000-01-01 and $d61, kept $d60 and later"
else
	bad "retention 60 days left: $left"
	sed 's/^/    /' "$T/colr.log"
fi
check "retention in a sender's folder too: $d61 removed, $d60 kept" \
    test "$(ls "$R/192.0.2.1" | tr '\n' ' ')" = "eve-$d60.json "
check "retention logs what it removed" \
    grep -q "removed $R/eve-2000-01-01.json: older than 60 days" "$T/colr.log"

# ---- syslog-rfc5424 to the collector, and its report -----------------------

C2=$T/c2
start_collector "$T/col2.log" "$C2" --unix-dgram "$T/d.sock" --retention 0
col2=$cpid
mkconf "$T/sys.conf" "syslog-rfc5424:$T/d.sock"
replay "$T/sys.conf" "$T/sys.out" "$T/sys.err"
wait_lines "$nev" "$C2"/*/eve-*.json
cat "$C2"/*/eve-*.json >"$T/got3.json" 2>/dev/null
check "syslog-rfc5424: to the collector: headers off, every event once" \
    pycheck copies "$T/want.json" "$T/got3.json" 1
kill -TERM "$col2" 2>/dev/null
wait "$col2" 2>/dev/null
"$NFQD_COLLECT" report "$C2" --json -c "$CASE/nfqd.conf" >"$T/report.json" \
    2>"$T/report.err"
check "report --json: per day and direction, top hosts, exceptions used and never used" \
    pycheck report-json "$T/want.json" "$T/report.json" "$CASE/nfqd.conf"
"$NFQD_COLLECT" report "$C2" -c "$CASE/nfqd.conf" >"$T/report.txt" 2>&1
check "report (text): allowed/blocked totals per direction" \
    pycheck report-text "$T/want.json" "$T/report.txt"
day=$(head -n 1 "$T/want.json" | cut -c15-24)
next=$(date -u -d "$day + 1 day" +%F)
"$NFQD_COLLECT" report "$C2" --json --since "$next" >"$T/report2.json" 2>&1
check "report --since the next day counts nothing" \
    "$PYTHON" -c 'import json, sys; r = json.load(open(sys.argv[1])); sys.exit(r["events"] != 0 or r["days"] != [])' "$T/report2.json"
sed 's/^/    /' "$T/report.txt"

# flood control's policy_summary events count too (where that case exists)
FLOOD=$top/tests/replay/flood
if [ -f "$FLOOD/nfqd.conf" ] && [ -f "$top/test-pcaps/scan.pcap" ]; then
	C3=$T/c3
	start_collector "$T/col3.log" "$C3" --tcp 127.0.0.1:0 --retention 0
	col3=$cpid
	grep -v '^[[:space:]]*events[[:space:]]*=' "$FLOOD/nfqd.conf" \
	    >"$T/flood.conf"
	cp "$FLOOD/exceptions.conf" "$T/exceptions.conf"
	cp "$T/flood.conf" "$T/flood-stdout.conf"
	echo "events = stdout" >>"$T/flood-stdout.conf"
	echo "events = tcp://127.0.0.1:$(port_of tcp "$T/col3.log")" \
	    >>"$T/flood.conf"
	timeout 120 "$NFQD" -c "$T/flood-stdout.conf" \
	    --replay "$top/test-pcaps/scan.pcap" >"$T/flood-want.json" 2>/dev/null
	timeout 120 "$NFQD" -c "$T/flood.conf" \
	    --replay "$top/test-pcaps/scan.pcap" >/dev/null 2>"$T/flood.err"
	wait_lines "$(wc -l <"$T/flood-want.json")" "$C3"/*/eve-*.json
	kill -TERM "$col3" 2>/dev/null
	wait "$col3" 2>/dev/null
	"$NFQD_COLLECT" report "$C3" --json -c "$FLOOD/nfqd.conf" \
	    >"$T/flood-report.json" 2>&1
	check "report --json counts policy_summary events (scan.pcap)" \
	    pycheck report-json "$T/flood-want.json" "$T/flood-report.json" \
	    "$FLOOD/nfqd.conf"
fi

# ---- a collector that trusts no one ---------------------------------------

# Conventions: -V, -h, usage errors exit 2 before anything is bound.
v=$("$NFQD_COLLECT" -V 2>&1)
check "nfqd-collect -V prints its version ($v)" \
    test "$v" = "nfqd-collect $("$NFQD" -V | sed 's/^nfqd //')"
check "nfqd-collect -h: usage on stdout, exit 0" \
    sh -c '"$1" -h | grep -q "^usage: nfqd-collect"' sh "$NFQD_COLLECT"
usage_err() {	# NAME EXPECTED-MESSAGE ARGS...
	name=$1 msg=$2
	shift 2
	"$NFQD_COLLECT" -d "$T" "$@" >"$T/usage.out" 2>&1
	rc=$?
	if [ $rc = 2 ] && grep -q -- "$msg" "$T/usage.out" &&
	    ! grep -q "listening on" "$T/usage.out"; then
		ok "usage error, exit 2, nothing bound: $name"
	else
		bad "$name: exit $rc"
		sed 's/^/    /' "$T/usage.out"
	fi
}
TPF=$(free_port)
usage_err "--tcp 127.0.0.1:99999" "port from 0 to 65535" \
    --unix "$T/u0.sock" --tcp 127.0.0.1:99999
check "... and the unix socket named before it was not created" \
    test ! -e "$T/u0.sock"
usage_err "--udp localhost:5514 (a name)" "not a numeric address" \
    --udp localhost:5514
usage_err "--allow 10.0.0.1/8" "host bits set" --allow 10.0.0.1/8 \
    --tcp "127.0.0.1:$TPF"
usage_err "--unix-mode 888" "not an octal mode" --unix-mode 888 \
    --unix "$T/u1.sock"
usage_err "--unix-group with no such group" "no group" \
    --unix-group nfqd-no-such-group --unix "$T/u1.sock"
usage_err "an unknown option" "unknown option --no-such-option" --no-such-option
usage_err "--tcp 127.0.0.1" "expected ADDRESS:PORT" --tcp 127.0.0.1

# --allow: a sender outside it is refused (connection closed, datagram
# dropped), counted and logged; nothing of it is stored.
C4=$T/c4
start_collector "$T/col4.log" "$C4" --tcp 127.0.0.1:0 --udp 127.0.0.1:0 \
    --allow 192.0.2.0/24 --allow 2001:db8::/32 --retention 0
col4=$cpid
mkconf "$T/deny.conf" "tcp://127.0.0.1:$(port_of tcp "$T/col4.log"), udp://127.0.0.1:$(port_of udp "$T/col4.log")"
replay "$T/deny.conf" "$T/deny.out" "$T/deny.err"
kill -TERM "$col4" 2>/dev/null
wait "$col4" 2>/dev/null
check "--allow 192.0.2.0/24: nothing from 127.0.0.1 stored" \
    test -z "$(find "$C4" -type f)"
check "--allow: the refusal is logged with the sender" \
    grep -q "refused a connection from 127.0.0.1: not in --allow" "$T/col4.log"
check "--allow: refused datagrams are counted (udp: $nev)" \
    grep -q "refused a datagram from 127.0.0.1\|[1-9][0-9]* connections or datagrams refused" "$T/col4.log"
check "--allow: refusals logged at most once a minute each" \
    test "$(grep -c "refused a" "$T/col4.log")" -le 2

# Lines that are not nfqd events are rejected, counted, logged
# rate-limited, never stored; the one event among them is stored as sent.
C5=$T/c5
start_collector "$T/col5.log" "$C5" --tcp 127.0.0.1:0 --unix "$T/c5.sock" \
    --unix-mode 0600 --retention 0
col5=$cpid
good=$(grep '"event_type":"policy"' "$T/want.json" | head -n 1)
"$PYTHON" - "$(port_of tcp "$T/col5.log")" "$good" <<'PY'
import socket, sys
bad = [b'not json', b'[1,2]', b'{"timestamp":"2026-09-21T08:00:00.000000+0000"}',
       b'{"timestamp":"yesterday","event_type":"policy","policy":{}}',
       b'{"timestamp":"2026-09-21T08:00:00.000000+0000","event_type":"nonsense"}',
       b'{"timestamp":"2026-09-21T08:00:00.000000+0000","event_type":"policy","policy":{}}',
       b'{"timestamp":"2026-09-21T08:00:00.000000+0000","event_type":"stats"}',
       b'{"a":1} trailing']
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 5)
s.sendall(b"\n".join(bad) + b"\n" + sys.argv[2].encode() + b"\n")
s.close()
PY
wait_lines 1 "$C5"/*/eve-*.json
check "unix socket --unix-mode 0600: $(stat -c %a "$T/c5.sock" 2>/dev/null)" \
    test "$(stat -c %a "$T/c5.sock" 2>/dev/null)" = 600
kill -TERM "$col5" 2>/dev/null
wait "$col5" 2>/dev/null
check "8 lines that are not nfqd events rejected and counted" \
    grep -q "9 lines: 1 written, 8 rejected" "$T/col5.log"
check "rejects logged once a minute: one line, naming the sender" \
    test "$(grep -c "rejected a line from 127.0.0.1" "$T/col5.log")" = 1
check "the one event stored, byte for byte, nothing else" \
    test "$(cat "$C5"/127.0.0.1/eve-*.json)" = "$good"

# --unix-group: the socket's group
C6=$T/c6
grp=$(id -gn nobody 2>/dev/null || echo nogroup)
if [ "$(id -u)" = 0 ]; then
	start_collector "$T/col6.log" "$C6" --unix "$T/c6.sock" \
	    --unix-group "$grp" --retention 0
	check "--unix-group $grp: $(stat -c '%a %G' "$T/c6.sock")" \
	    test "$(stat -c '%a %G' "$T/c6.sock")" = "660 $grp"
	kill -TERM "$cpid" 2>/dev/null
	wait "$cpid" 2>/dev/null
fi

# The systemd unit's command line, as it is, with a scratch folder and a
# free port: accepted and listening (systemd itself does not run here).
unit=$top/nfqd/nfqd-collect.service
args=$(sed -n 's|^ExecStart=/usr/sbin/nfqd-collect ||p' "$unit" |
    sed "s|-d /var/log/nfqd-collect|-d $T/unit|; s|:5514|:$(free_port)|g")
check "nfqd-collect.service: runs as its own user, with its own folder" \
    sh -c 'grep -q "^User=nfqd-collect$" "$1" && grep -q "^LogsDirectory=nfqd-collect$" "$1"' sh "$unit"
# shellcheck disable=SC2086
if start_collector "$T/colu.log" "$T/unit" $args; then
	ok "nfqd-collect.service's ExecStart: listening ($(grep -c "listening on" "$T/colu.log") sockets)"
else
	bad "nfqd-collect.service's ExecStart does not start: $args"
fi
kill -TERM "$cpid" 2>/dev/null
wait "$cpid" 2>/dev/null

# ---- acknowledgements: nfqd-collect's side of nfqd-ack 1 -------------------

# A small sender (ack.py): the greeting first; "ok N" once the lines are
# in the files (a line that is not an event counts too: it is done with);
# the last words at SIGTERM; no "ok" for what could not be written.
C7=$T/c7
grep -v '"event_type":"\(nfqd_\)\{0,1\}stats"' "$T/want.json" | head -n 20 >"$T/ack20.json"
start_collector "$T/col7.log" "$C7" --tcp 127.0.0.1:0 --unix "$T/c7.sock" \
    --retention 0
col7=$cpid
A7=127.0.0.1:$(port_of tcp "$T/col7.log")
check "tcp: greeting, then ok N once stored: $("$PYTHON" "$top/tests/sinks/ack.py" stored "$A7" "$C7" "$T/ack20.json" 2>&1 | tail -n 1)" \
    "$PYTHON" "$top/tests/sinks/ack.py" stored "$A7" "$C7" "$T/ack20.json"
check "unix: greeting, then ok N once stored" \
    "$PYTHON" "$top/tests/sinks/ack.py" stored "$T/c7.sock" "$C7" "$T/ack20.json"
check "SIGTERM: what it read is stored and acknowledged, then it closes" \
    "$PYTHON" "$top/tests/sinks/ack.py" stop "$A7" "$C7" "$T/ack20.json" "$col7"
wait "$col7" 2>/dev/null
check "... and it closed no connection unacknowledged" \
    grep -q "0 closed unacknowledged" "$T/col7.log"
# A sender folder it cannot make (a file in its place): no "ok", closed.
C8=$T/c8
mkdir -p "$C8"
: >"$C8/127.0.0.1"
start_collector "$T/col8.log" "$C8" --tcp 127.0.0.1:0 --retention 0
col8=$cpid
A8=127.0.0.1:$(port_of tcp "$T/col8.log")
check "a line it cannot write: never acknowledged, the connection closed" \
    "$PYTHON" "$top/tests/sinks/ack.py" unstored "$A8" "$T/ack20.json"
check "... and logged" grep -q "closing its connection unacknowledged" \
    "$T/col8.log"
rm -f "$C8/127.0.0.1"
check "once it can write again, the line sent again is acknowledged" \
    "$PYTHON" "$top/tests/sinks/ack.py" stored "$A8" "$C8" "$T/ack20.json"
kill -TERM "$col8" 2>/dev/null
wait "$col8" 2>/dev/null
check "nfqd's tcp and unix sinks saw nfqd-collect's greeting" \
    test "$(grep -c "the collector acknowledges what it stores" "$T/net.err")" = 2

# ---- rsyslog as the collector ----------------------------------------------

if [ ! -x "$RSYSLOGD" ]; then
	bad "rsyslogd not installed (tools/deps.sh installs rsyslog)"
else
	RS=$T/rs
	mkdir -p "$RS"
	RP=$(free_port)
	cat >"$RS/rsyslog.conf" <<EOF
global(workDirectory="$RS" maxMessageSize="64k")
module(load="imuxsock" SysSock.Use="off")
module(load="imtcp")
template(name="nfqd_raw" type="string" string="%rawmsg%\n")
template(name="nfqd_msg" type="string" string="%msg%\n")
template(name="nfqd_msg3164" type="string" string="%msg:2:\$%\n")
ruleset(name="nfqd_tcp") {
	action(type="omfile" file="$RS/tcp.json" template="nfqd_raw")
}
ruleset(name="nfqd_local") {
	if \$programname == "nfqd" then
		action(type="omfile" file="$RS/syslog.json" template="nfqd_msg3164")
}
ruleset(name="nfqd_5424") {
	if \$app-name == "nfqd" then
		action(type="omfile" file="$RS/rfc5424.json" template="nfqd_msg")
}
input(type="imtcp" address="127.0.0.1" port="$RP" ruleset="nfqd_tcp")
input(type="imuxsock" socket="$RS/log.sock" ruleset="nfqd_local" ratelimit.interval="0")
input(type="imuxsock" socket="$RS/log5424.sock" ruleset="nfqd_5424" useSpecialParser="off" ratelimit.interval="0")
EOF
	"$RSYSLOGD" -n -f "$RS/rsyslog.conf" -i "$RS/rsyslogd.pid" \
	    >"$RS/rsyslogd.out" 2>&1 &
	rspid=$!
	pids="$pids $rspid"
	i=0
	until [ -S "$RS/log.sock" ] && [ -S "$RS/log5424.sock" ] &&
	    "$PYTHON" -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$RP" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt 100 ] && break
		sleep 0.05
	done
	mkconf "$T/rs.conf" "tcp://127.0.0.1:$RP, syslog:$RS/log.sock, syslog-rfc5424:$RS/log5424.sock"
	if replay "$T/rs.conf" "$T/rs.out" "$T/rs.err"; then
		ok "replay to rsyslogd over tcp://, syslog: and syslog-rfc5424:"
	else
		bad "replay to rsyslogd:"
		sed 's/^/    /' "$T/rs.err"
	fi
	wait_lines $((3 * nev)) "$RS/tcp.json" "$RS/syslog.json" "$RS/rfc5424.json"
	kill -TERM "$rspid" 2>/dev/null
	wait "$rspid" 2>/dev/null
	for f in tcp syslog rfc5424; do
		check "rsyslogd ($f): $nev lines, each a JSON object" \
		    pycheck json-lines "$RS/$f.json" "$nev"
		check "rsyslogd ($f): exactly nfqd's events" \
		    pycheck copies "$T/want.json" "$RS/$f.json" 1
	done
	if [ -s "$RS/rsyslogd.out" ]; then
		echo "    rsyslogd said:"
		sed 's/^/    /' "$RS/rsyslogd.out"
	fi
fi

echo "sinks: $pass passed, $fail failed"
[ $fail = 0 ]
