#!/bin/sh
# tests/nfqctl/run.sh: bin/nfqctl as the network team and the helpdesk use
# it, on a copy of the sample configuration in a mktemp -d folder: add,
# list (--expiring, --expired, --json), remove, check (and a broken file),
# import/export, `test SRC DST` for every policy case of the sample, 20
# concurrent adds, the audit log; the daemon's commands with no daemon
# and against a stand-in on the socket (reload answered, refused,
# garbled); quarantine through the state file (no daemon running).
# Issue 18, each case with its message: entries wider than the campus,
# '#' inside a value, byte-order marks and invisible characters, the
# warnings of check and nfqd -n (--strict), exception set, the reload of
# the right daemon (its file's path, the list's SHA-256), checkout copies
# whatever their mode, expiry in Pacific/Auckland, add + remove byte for
# byte, the monitor-first sample, a 20,000-entry round trip; and the
# conventions (-h, -V, usage errors, mistyped commands).
#
#   NFQCTL   the program (default bin/nfqctl)
#   NFQD     the daemon, for `nfqd -n` on the edited files (default: nfqd
#            next to NFQCTL; skipped when it is not there)
#   VERBOSE=1  show every command's output
#
# The sample's expiry dates are moved relative to today, so the cases do
# not age: 10.20.8.0/24 expires in 200 days, 10.20.5.10 in 10 days (the
# weekly review's --expiring 14 finds it), 10.20.7.7 expired 30 days ago.
# Prints ok/FAIL per test, then "nfqctl: N passed, N failed"; exits 1 on a
# failure.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
NFQCTL=${NFQCTL:-bin/nfqctl}
case $NFQCTL in /*) ;; *) NFQCTL=$top/$NFQCTL ;; esac
NFQD=${NFQD:-$(dirname "$NFQCTL")/nfqd}
case $NFQD in /*) ;; *) NFQD=$top/$NFQD ;; esac
PY=python3
VERBOSE=${VERBOSE:-0}

[ -x "$NFQCTL" ] || { echo "tests/nfqctl: $NFQCTL not built (make)" >&2; exit 1; }
command -v "$PY" >/dev/null 2>&1 || { echo "tests/nfqctl: python3 missing" >&2; exit 1; }

T=$(mktemp -d /tmp/nfqctl-test.XXXXXX)
trap 'rm -rf "$T"' EXIT INT TERM
pass=0 fail=0

ok()	{ echo "ok   $*"; pass=$((pass + 1)); }
bad()	{ echo "FAIL $*"; fail=$((fail + 1)); [ -s "$T/err" ] && sed 's/^/    err: /' "$T/err"; [ -s "$T/out" ] && sed 's/^/    out: /' "$T/out"; return 0; }
check()	{ # NAME CONDITION...: ok when the condition (a command) succeeds
	name=$1; shift
	if "$@"; then ok "$name"; else bad "$name"; fi
}

day() { date -u -d "$1 days" +%Y-%m-%d; }
TODAY=$(date -u +%Y-%m-%d)
IN200=$(day +200) IN10=$(day +10) AGO30=$(day -30) IN30=$(day +30)

# A fresh copy of the sample, dates moved; $C the configuration.
fresh() {
	rm -rf "$T/etc" && mkdir -p "$T/etc"
	cp "$top/nfqd/nfqd.conf" "$T/etc/nfqd.conf"
	sed -e "s/expires=2027-06-30/expires=$IN200/" \
	    -e "s/expires=2026-12-31/expires=$IN10/" \
	    -e "s/expires=2026-08-31/expires=$AGO30/" \
	    "$top/nfqd/exceptions.conf" >"$T/etc/exceptions.conf"
	cp "$T/etc/exceptions.conf" "$T/fresh.conf"
	# The control socket and quarantine state here, not in /run, /var.
	printf 'control-socket = %s\nstate-dir = %s\ntimezone = UTC\n' \
	    "$T/etc/control.sock" "$T/etc/state" >>"$T/etc/nfqd.conf"
	# The sample ships mode = monitor (monitor first); these enforce.
	sed -i 's/^mode = monitor$/mode = enforce/' "$T/etc/nfqd.conf"
	C=$T/etc/nfqd.conf
	E=$T/etc/exceptions.conf
	A=$T/etc/exceptions.conf.audit
}

# run ARGS...: nfqctl with -c $C; $rc, $T/out, $T/err
run() {
	"$NFQCTL" -c "$C" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	if [ "$VERBOSE" = 1 ]; then
		echo "  \$ nfqctl $* -> $rc"
		sed 's/^/    /' "$T/out" "$T/err"
	fi
}
has()	{ grep -qF -- "$2" "$T/$1"; }		# has out|err TEXT
lacks()	{ ! grep -qF -- "$2" "$T/$1"; }
rc_is()	{ [ "$rc" = "$1" ]; }
same()	{ cmp -s "$1" "$2"; }
# every line on stderr starts with "nfqctl: " (or "warning: ")
prefixed() { ! grep -qv -e '^nfqctl: ' -e '^warning: ' "$T/err"; }
lines()	{ [ -f "$1" ] && wc -l <"$1" | tr -d ' ' || echo 0; }

# A stand-in daemon on the socket: nfqctl's side of the protocol.
fake() {	# fake REPLY...: answer one request with each REPLY in turn,
		# record the requests, one a line, in $T/fake.req; with
		# FAKE_EDIT=FILE and FAKE_LINE=LINE, a reload request first
		# appends LINE to FILE (another edit, made meanwhile)
	rm -f "$T/etc/control.sock" "$T/fake.req"
	"$PY" - "$T/etc/control.sock" "$T/fake.req" "$@" <<'PY' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(1)
open(sys.argv[2] + ".ready", "w").close()
s.settimeout(10)
out = open(sys.argv[2], "wb")
for reply in sys.argv[3:]:
    try:
        c, _ = s.accept()
    except socket.timeout:
        break
    req = b""
    while not req.endswith(b"\n"):
        d = c.recv(4096)
        if not d:
            break
        req += d
    out.write(req)
    out.flush()
    if b'"reload"' in req and os.environ.get("FAKE_EDIT"):
        with open(os.environ["FAKE_EDIT"], "a") as f:
            f.write(os.environ["FAKE_LINE"] + "\n")
    c.sendall(reply.encode() + b"\n")
    c.close()
PY
	FAKE=$!
	for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
		[ -e "$T/fake.req.ready" ] && break
		sleep 0.1
	done
	rm -f "$T/fake.req.ready"
}
# The list's SHA-256 as exchash.c defines it (its canonical form),
# computed here independently of nfqd.
sha_of() {	# FILE
	"$PY" - "$1" <<'PY'
import hashlib, ipaddress, sys
rows = []
for line in open(sys.argv[1], encoding="utf-8-sig"):
    words = []
    for i, w in enumerate(line.rstrip("\r\n").replace("\t", " ").split(" ")):
        if w.startswith("#"):
            break
        if w:
            words.append(w)
    if not words:
        continue
    net = ipaddress.ip_network(words[0])
    attrs = dict(w.split("=", 1) for w in words[2:])
    rows.append(((net.version, net.network_address.packed.ljust(16, b"\0"),
        net.prefixlen), "%s/%d\t%s\t%s\t%s\t%s\n" % (net.network_address,
        net.prefixlen, words[1], attrs.get("expires", "-"),
        attrs.get("ticket", "-"), attrs.get("owner", "-"))))
print(hashlib.sha256("".join(r for _, r in sorted(rows)).encode()).hexdigest())
PY
}
# What a daemon that runs FILE (its real path) says to status.
status_of() {	# FILE [SHA]
	printf '{"ok":true,"cmd":"status","exceptions":{"file":"%s","path":"%s","entries":7,"sha256":"%s"}}' \
	    "$1" "$("$PY" -c 'import os, sys; print(os.path.realpath(sys.argv[1]))' "$1")" "${2:-}"
}
RELOAD_OK='{"ok":true,"cmd":"reload","reload":{"status":"ok","exceptions":7,"added":1,"removed":0,"changed":0,"ms":{"load":0.5,"diff":0.1,"swap":0},"degraded_sets":"ok"}}'

# ---- usage and configuration errors: exit 2 ----------------------------

fresh
run -h
check "-h prints the usage, exit 0" eval 'rc_is 0 && has out "exception add" && has out "test SRC DST"'
"$NFQCTL" >"$T/out" 2>"$T/err"; rc=$?
check "no command: usage, exit 2" eval 'rc_is 2 && has err "usage: nfqctl"'
run frobnicate
check "unknown command: exit 2, the usage on stderr" eval 'rc_is 2 && has err "nfqctl: unknown command '"'"'frobnicate'"'"'" && has err "usage: nfqctl" && [ ! -s "$T/out" ]'
run exception add 10.20.9.0/24 --direction inbound --owner chem-it
check "add without --ticket: exit 2, names what is missing" eval 'rc_is 2 && has err "needs --direction, --ticket and --owner" && prefixed'
run exception list --direction inbound
check "an option of another command: exit 2" eval 'rc_is 2 && has err "--direction is not an option of '"'"'exception list'"'"'"'
run exception list --expiring soon
check "--expiring soon: exit 2" eval 'rc_is 2 && has err "--expiring takes a number of days"'
run exception add 10.20.9.0/24 --direction inbound --ticket A --ticket B --owner o
check "an option twice: exit 2" eval 'rc_is 2 && has err "--ticket given twice"'
"$NFQCTL" -c "$T/nonexistent.conf" exception list >"$T/out" 2>"$T/err"; rc=$?
check "missing configuration: exit 2, names it" eval 'rc_is 2 && has err "nfqctl: $T/nonexistent.conf: No such file or directory"'
printf 'internal-networks = 10.20.0.0/16\nexceptions = exceptions.conf\ncolour = red\n' >"$T/etc/bad.conf"
"$NFQCTL" -c "$T/etc/bad.conf" exception list >"$T/out" 2>"$T/err"; rc=$?
check "bad configuration: exit 2 with file:line" eval 'rc_is 2 && has err "bad.conf:3: unknown key"'

# ---- the conventions: -h, -V, usage errors, mistyped commands ---------

run --help
check "--help: the usage on stdout, exit 0" eval 'rc_is 0 && has out "exception set ADDR" && [ ! -s "$T/err" ]'
run -V
check "-V: nfqctl VERSION, exit 0" eval 'rc_is 0 && grep -qx "nfqctl [0-9][0-9.]*" "$T/out"'
run --version
check "--version: the same" eval 'rc_is 0 && grep -qx "nfqctl [0-9][0-9.]*" "$T/out"'
run exceptions list
check "exceptions list: the unknown command named, the usage on stderr, exit 2" eval 'rc_is 2 && has err "nfqctl: unknown command '"'"'exceptions list'"'"' (did you mean '"'"'exception list'"'"'?)" && has err "usage: nfqctl" && lacks err "bad address" && [ ! -s "$T/out" ]'
run flows show
check "flows show: an unknown command, not a bad address" eval 'rc_is 2 && has err "unknown command '"'"'flows show'"'"'"'
run exception frobnicate
check "exception frobnicate: unknown, exit 2" eval 'rc_is 2 && has err "unknown command '"'"'exception frobnicate'"'"'"'
run exception set 10.20.1.25
check "exception set without a change: a usage error" eval 'rc_is 2 && has err "exception set needs what to change" && has err "usage: nfqctl [-c CONF] exception set ADDR"'
run exception check --strict --json
check "an option a command does not take: exit 2" eval 'rc_is 2 && has err "--json is not an option of '"'"'exception check'"'"'"'

# ---- list ---------------------------------------------------------------

fresh
run exception list
check "list: a table of the 6 entries" eval 'rc_is 0 && [ "$(lines "$T/out")" = 7 ] && has out "ADDRESS" && has out "10.20.8.0/24" && has out "2001:db8:20:1::25"'
check "list: expired and days left shown" eval 'grep -q "^10\.20\.7\.7 .*expired" "$T/out" && grep -q "^10\.20\.5\.10 .*10 days left" "$T/out"'
run exception list --json
check "list --json: 6 objects with the export's keys" "$PY" -c '
import json, sys
a = json.load(open(sys.argv[1]))
keys = ["address", "prefix", "direction", "ticket", "owner", "expires", "added", "comment"]
assert len(a) == 6 and all(list(o) == keys for o in a), a
assert a[2] == {"address": "10.20.8.0", "prefix": 24, "direction": "inbound",
    "ticket": "NET-1187", "owner": "physics-it", "expires": sys.argv[2],
    "added": "2025-07-01", "comment": "Physics department mail servers: inbound only (Case Part 1 exception)"}, a[2]
' "$T/out" "$IN200"
run exception list --expiring 14
check "list --expiring 14: the weekly review finds 10.20.5.10 only" eval 'rc_is 0 && [ "$(lines "$T/out")" = 2 ] && grep -q "^10\.20\.5\.10 " "$T/out"'
run exception list --expired
check "list --expired: 10.20.7.7 only" eval 'rc_is 0 && [ "$(lines "$T/out")" = 2 ] && grep -q "^10\.20\.7\.7 " "$T/out"'
run exception list --expired --expiring 14 --json
check "list --expired --expiring 14 --json: both" "$PY" -c '
import json, sys
assert [o["address"] for o in json.load(open(sys.argv[1]))] == ["10.20.5.10", "10.20.7.7"]
' "$T/out"
run exception list --expiring 5
check "list --expiring 5: none, said so, exit 0" eval 'rc_is 0 && [ ! -s "$T/out" ] && has err "no entries match"'

# ---- add ----------------------------------------------------------------

fresh
cp "$E" "$T/before"
run exception add 10.20.9.0/24 --direction inbound --ticket NET-1300 --owner chem-it --comment "Chemistry department relay"
want="10.20.9.0/24        inbound   ticket=NET-1300 owner=chem-it added=$TODAY  # Chemistry department relay"
check "add: exit 0, edited only (no daemon socket)" eval 'rc_is 0 && has err "nfqctl: no running daemon: edited only" && prefixed'
{ cat "$T/before"; echo; echo "$want"; } >"$T/want"
check "add: the file is the old bytes, a blank line, the aligned new line" same "$E" "$T/want"
check "add: says what it added, with file:line" has err "exceptions.conf:19: added 10.20.9.0/24"
cp "$E" "$T/before"
run exception add 10.20.9.25 --direction outbound --ticket NET-1301 --owner chem-it --expires "$IN30" --no-reload
check "add --no-reload: exit 0, no reload message" eval 'rc_is 0 && lacks err "no running daemon"'
{ cat "$T/before"; echo "10.20.9.25          outbound  ticket=NET-1301 owner=chem-it expires=$IN30 added=$TODAY"; } >"$T/want"
check "add: a host without /32, appended to the new group" same "$E" "$T/want"
run exception add 2001:DB8:20:9:0:0:0:25/128 --direction both --ticket NET-1302 --owner chem-it
check "add: IPv6 written short, without /128" grep -q "^2001:db8:20:9::25   both      ticket=NET-1302" "$E"

# refused: exit 1, the message names the problem, not a byte changed
refused() { # NAME MESSAGE ARGS...
	name=$1 msg=$2; shift 2
	cp "$E" "$T/before"
	al=$(lines "$A")
	run exception "$@"
	if rc_is 1 && has err "$msg" && prefixed && same "$E" "$T/before" &&
	    [ "$(lines "$A")" = "$al" ]; then
		ok "refused: $name"
	else
		bad "refused: $name (exit $rc)"
	fi
}
refused "host bits set, the network suggested" \
    "nfqctl: host bits set in '10.20.9.1/24' (did you mean 10.20.9.0/24?)" \
    add 10.20.9.1/24 --direction inbound --ticket NET-1 --owner o
refused "bad address" "nfqctl: bad address '10.20.9.300'" \
    add 10.20.9.300 --direction inbound --ticket NET-1 --owner o
refused "bad direction" "nfqctl: bad direction 'in' (expected inbound, outbound or both)" \
    add 10.20.9.30 --direction in --ticket NET-1 --owner o
refused "duplicate (same prefix written differently)" \
    "nfqctl: 10.20.1.25 is already listed ($E:8); change it with nfqctl exception set 10.20.1.25" \
    add 10.20.1.25/32 --direction inbound --ticket NET-1 --owner o
refused "not a real date" "nfqctl: expires '2027-02-29' is not a real calendar date" \
    add 10.20.9.30 --direction inbound --ticket NET-1 --owner o --expires 2027-02-29
refused "expires in the past" "nfqctl: expires $(day -1) is in the past (today is $TODAY in UTC)" \
    add 10.20.9.30 --direction inbound --ticket NET-1 --owner o --expires "$(day -1)"
refused "ticket with a space" "nfqctl: ticket 'NET 1' has a character that is not allowed: ' '" \
    add 10.20.9.30 --direction inbound --ticket "NET 1" --owner o
refused "owner with a quote" "nfqctl: owner 'chem\"it' has a character that is not allowed: '\"'" \
    add 10.20.9.30 --direction inbound --ticket NET-1 --owner 'chem"it'
refused "comment of two lines" "nfqctl: comment has a control character (byte 0x0a)" \
    add 10.20.9.30 --direction inbound --ticket NET-1 --owner o --comment "two
lines"
run exception add 192.0.2.25 --direction both --ticket NET-1303 --owner guest
check "outside internal-networks: a warning, still written" eval 'rc_is 0 && grep -q "^warning: $E:[0-9]*: 192\.0\.2\.25 is outside internal-networks" "$T/err" && grep -q "^192\.0\.2\.25 " "$E"'
run exception add 10.20.8.67 --direction outbound --ticket NET-1304 --owner physics-it
check "overlap with another direction: a warning, still written" eval 'rc_is 0 && has err "10.20.8.67 outbound overlaps 10.20.8.0/24 inbound (line 11)" && has err "loses inbound" && grep -q "^10\.20\.8\.67 " "$E"'

# ---- remove -------------------------------------------------------------

fresh
cp "$E" "$T/before"
run exception remove 10.20.8.66
grep -v -e '^10\.20\.8\.66 ' -e '^# \.\.\. but this host' "$T/before" >"$T/want"
check "remove: the entry and its own comment line, nothing else" eval 'rc_is 0 && same "$E" "$T/want" && has err "no running daemon: edited only"'
cp "$E" "$T/before"
run exception remove 10.20.1.25 --ticket NET-1400 --no-reload
grep -v '^10\.20\.1\.25 ' "$T/before" >"$T/want"
check "remove: a group's heading stays while the group has entries" eval 'rc_is 0 && same "$E" "$T/want" && grep -q "^# Central mail gateway" "$E"'
cp "$E" "$T/before"
run exception remove 10.20.8.5
check "remove what is not listed: exit 1, says what covers it, unchanged" eval 'rc_is 1 && has err "nfqctl: 10.20.8.5 is not in $E (it is inside 10.20.8.0/24, line 10, which stays)" && same "$E" "$T/before"'

# ---- check --------------------------------------------------------------

fresh
run exception check
check "check: the sample is valid, its expired entry reported" eval 'rc_is 0 && has err "6 entries, OK, 3 warnings" && grep -q "^warning: $E:17: 10\.20\.7\.7 expired at the end of $AGO30 (UTC)" "$T/err" && grep -q "^warning: $E:15: 10\.20\.5\.10 expires at the end of $IN10 (UTC), in 10 days" "$T/err"'
printf '# a broken list\n10.20.1.25  both  ticket=NET-1\n10.20.1.26  sideways  ticket=NET-2\n' >"$T/broken.conf"
run exception check "$T/broken.conf"
check "check FILE: a broken line, named file:line, exit 1" eval 'rc_is 1 && has err "nfqctl: $T/broken.conf:3: bad direction '"'"'sideways'"'"'"'
printf '10.20.1.25 both\n10.20.1.25/32 inbound\n' >"$T/dup.conf"
run exception check "$T/dup.conf"
check "check FILE: a duplicate, both lines named, exit 1" eval 'rc_is 1 && has err "$T/dup.conf:2: 10.20.1.25/32 listed twice (first on line 1)"'
"$NFQCTL" exception check "$T/etc/exceptions.conf" >"$T/out" 2>"$T/err"; rc=$?
check "check FILE needs no configuration (a pre-commit hook)" eval 'rc_is 0 && has err "6 entries, OK"'
cp "$T/broken.conf" "$E"
cp "$E" "$T/before"
run exception add 10.20.9.9 --direction both --ticket NET-1 --owner o
check "add to a broken list: refused with its file:line, unchanged" eval 'rc_is 1 && has err "exceptions.conf:3: bad direction" && same "$E" "$T/before"'

# ---- test SRC DST: every case of the sample -----------------------------

fresh
# name | src dst [port] | action direction reason entry
while IFS='|' read -r name args want; do
	[ -n "$name" ] || continue
	# shellcheck disable=SC2086
	run test $args --json
	if rc_is 0 && "$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
want = sys.argv[2].split()
got = [d["action"], d["direction"], d["reason"], d.get("exception", {}).get("entry", "-")]
assert got == want, (got, want)
' "$T/out" "$want" 2>>"$T/err"; then
		ok "test $name"
	else
		bad "test $name: $args"
	fi
done <<'EOF'
gateway outbound, both|10.20.1.25 198.51.100.7|allowed outbound exception 10.20.1.25/32
gateway inbound, both|203.0.113.5 10.20.1.25|allowed inbound exception 10.20.1.25/32
gateway over IPv6|2001:db8:ff::7 2001:db8:20:1::25|allowed inbound exception 2001:db8:20:1::25/128
physics subnet inbound|198.51.100.7 10.20.8.5|allowed inbound exception 10.20.8.0/24
physics subnet outbound: other direction|10.20.8.5 198.51.100.7|blocked outbound exception-direction 10.20.8.0/24
physics host outbound: the more specific entry|10.20.8.66 198.51.100.7|allowed outbound exception 10.20.8.66/32
physics host inbound: the more specific entry decides|198.51.100.7 10.20.8.66|blocked inbound exception-direction 10.20.8.66/32
genomics outbound|10.20.5.10 198.51.100.7|allowed outbound exception 10.20.5.10/32
genomics inbound|198.51.100.7 10.20.5.10|blocked inbound exception-direction 10.20.5.10/32
expired entry|198.51.100.7 10.20.7.7|blocked inbound exception-expired 10.20.7.7/32
no exception, outbound (Part 2)|10.20.3.3 198.51.100.7|blocked outbound no-exception -
no exception, inbound (Part 1)|198.51.100.7 10.20.3.3|blocked inbound no-exception -
campus to campus|10.20.3.3 10.20.1.25|allowed internal internal -
transit|198.51.100.1 203.0.113.1|allowed transit transit -
port not in smtp-ports|10.20.3.3 198.51.100.7 587|not-policy outbound not-smtp-port -
explicit port 25|198.51.100.7 10.20.8.5 25|allowed inbound exception 10.20.8.0/24
EOF
run test 198.51.100.7 10.20.8.66 --json
check "test --json: the exception's ticket, owner, expires" "$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["exception"]["ticket"] == "NET-1203" and d["exception"]["owner"] == "physics-it"
assert "expires" not in d["exception"] and d["mode"] == "enforce" and d["port"] == 25
' "$T/out"
run test 198.51.100.7 10.20.8.66
check "test: readable, says why" eval 'rc_is 0 && has out "blocked: inbound 198.51.100.7 -> 10.20.8.66 port 25" && has out "does not allow inbound" && has out "ticket=NET-1203"'
run test 198.51.100.7 10.20.7.7
check "test: an expired entry says when" has out "expired at the end of $AGO30"
run test 10.20.3.3 mail.example.org
check "test with a name, not an address: exit 2" eval 'rc_is 2 && has err "nfqctl: bad address '"'"'mail.example.org'"'"'"'
run test 10.20.3.3 198.51.100.7 70000
check "test with a bad port: exit 2" eval 'rc_is 2 && has err "bad port"'

# ---- export, import -----------------------------------------------------

fresh
run exception export --json
cp "$T/out" "$T/export.json"
check "export --json: a JSON array" "$PY" -c 'import json, sys; assert len(json.load(open(sys.argv[1]))) == 6' "$T/export.json"
cp "$E" "$T/before"
run exception import --json "$T/export.json"
check "export -> import: nothing to change, not a byte" eval 'rc_is 0 && has err "nothing to change" && same "$E" "$T/before" && [ ! -f "$A" ]'
"$PY" - "$T/export.json" "$T/new.json" "$IN30" <<'PY'
import json, sys
a = json.load(open(sys.argv[1]))
a = [o for o in a if o["address"] != "10.20.7.7"]			# remove
for o in a:
    if o["address"] == "10.20.5.10":
        o["expires"] = sys.argv[3]					# renew
a.append({"address": "10.20.9.0", "prefix": 24, "direction": "inbound",
    "ticket": "NET-1300", "owner": "chem-it", "expires": None,
    "added": None, "comment": "from NetBox"})				# add
json.dump(a, open(sys.argv[2], "w"), indent=1)
PY
run exception import --json - <"$T/new.json"
check "import from stdin: 1 added, 1 removed, 1 changed" eval 'rc_is 0 && has err "1 added, 1 removed, 1 changed, 4 unchanged"'
check "import: removed with its comment, renewed in place, added" eval '! grep -q "10\.20\.7\.7\|old conference" "$E" && grep -q "^10\.20\.5\.10 .*expires=$IN30 " "$E" && grep -q "^# Genomics" "$E" && tail -n 1 "$E" | grep -q "^10\.20\.9\.0/24 .*# from NetBox$"'
run exception export --json
check "import -> export: what was imported" "$PY" -c '
import json, sys
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert a[-1]["added"] == sys.argv[3], a[-1]	# a new entry: added today
a[-1]["added"] = None
assert a == b, (a, b)
' "$T/out" "$T/new.json" "$TODAY"
cp "$E" "$T/before"
printf '[{"address": "10.20.9.1/24", "direction": "both"}, {"address": "10.20.9.9", "direction": "both", "ticket": "T", "owner": "o", "colour": "red"}]' >"$T/bad.json"
run exception import --json "$T/bad.json"
check "import with problems: every one named, nothing imported" eval 'rc_is 1 && has err "entry 1: host bits set" && has err "entry 2: unknown key '"'"'colour'"'"'" && has err "2 problems; nothing imported" && same "$E" "$T/before"'
printf '[]' >"$T/empty.json"
run exception import --json "$T/empty.json"
check "import of an empty array: refused" eval 'rc_is 1 && has err "refusing to empty the list" && same "$E" "$T/before"'
run exception import "$T/new.json"
check "import without --json: exit 2" rc_is 2

# ---- 20 concurrent adds -------------------------------------------------

fresh
i=1
while [ $i -le 20 ]; do
	( "$NFQCTL" -c "$C" exception add "10.20.50.$i" --direction both \
	    --ticket "NET-2$i" --owner "team$i" --no-reload \
	    >"$T/c$i.out" 2>"$T/c$i.err"; echo $? >"$T/c$i.rc" ) &
	i=$((i + 1))
done
wait
okc=0 i=1
while [ $i -le 20 ]; do
	[ "$(cat "$T/c$i.rc")" = 0 ] && grep -q "^10\.20\.50\.$i  *both  *ticket=NET-2$i owner=team$i " "$E" && okc=$((okc + 1))
	i=$((i + 1))
done
check "20 concurrent adds: all 20 exit 0 and are in the file" [ "$okc" = 20 ]
run exception check
check "20 concurrent adds: the file is valid, 26 entries" eval 'rc_is 0 && has err "26 entries, OK"'
n=$(lines "$T/fresh.conf")
check "20 concurrent adds: the sample's lines untouched" eval 'head -n "$n" "$E" | cmp -s - "$T/fresh.conf"'
check "20 concurrent adds: 20 audit lines" eval '[ "$(grep -c "\"what\":\"add\"" "$A")" = 20 ]'
if [ -x "$NFQD" ]; then
	"$NFQD" -n -c "$C" >"$T/out" 2>"$T/err"; rc=$?
	check "20 concurrent adds: nfqd -n accepts the result" eval 'rc_is 0 && has out "configuration OK"'
fi

# ---- the audit log ------------------------------------------------------

fresh
SUDO_USER=alice "$NFQCTL" -c "$C" exception add 10.20.9.0/24 --direction inbound --ticket NET-1300 --owner chem-it --no-reload 2>"$T/err"
"$NFQCTL" -c "$C" exception remove 10.20.7.7 --ticket NET-1401 --no-reload 2>"$T/err"
"$NFQCTL" -c "$C" exception export --json >"$T/x.json"
"$PY" - "$T/x.json" <<'PY'
import json, sys
a = json.load(open(sys.argv[1]))
a[0]["owner"] = "its-postmaster"
json.dump(a, open(sys.argv[1], "w"))
PY
"$NFQCTL" -c "$C" exception import --json "$T/x.json" --no-reload 2>"$T/err"
check "audit log: one JSON line per change, who/what/entry/ticket" "$PY" - "$A" "$(id -un)" "$TODAY" "$(cd "$T/etc" && pwd -P)/exceptions.conf" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert len(rows) == 3, rows
add, rm, imp = rows
for r in rows:
    assert set(r) >= {"when", "who", "what", "entry", "ticket", "file"}, r
    assert r["when"].startswith(sys.argv[3] + "T") and r["when"].endswith("Z"), r
    assert r["file"] == sys.argv[4], r
assert add["what"] == "add" and add["who"] == "alice" and add["ticket"] == "NET-1300"
assert add["entry"].startswith("10.20.9.0/24        inbound   ticket=NET-1300")
assert rm["what"] == "remove" and rm["who"] == sys.argv[2] and rm["ticket"] == "NET-1401"
assert rm["entry"].startswith("10.20.7.7           both      ticket=NET-0950")
assert imp["what"] == "import" and imp["change"] == "change" and "owner=its-postmaster" in imp["entry"]
assert "owner=its-mail" in imp["was"]
PY

# ---- the exception list cannot switch the policy off (issue 18) ---------

# 1. An entry that contains the campus: refused everywhere, said why.
fresh
for wide in 10.0.0.0/8 0.0.0.0/0; do
	refused "$wide: contains the campus" \
	    "nfqctl: $wide contains the internal network 10.20.0.0/16: it would exempt every campus host there, not the ones it is for; list those hosts (or their subnet), or write 10.20.0.0/16 itself to exempt that whole network on purpose" \
	    add "$wide" --direction both --ticket X --owner y
done
refused "::/0: contains the IPv6 campus" \
    "nfqctl: ::/0 contains the internal network 2001:db8:20::/48: it would exempt every campus host there" \
    add ::/0 --direction both --ticket X --owner y
run test 10.20.3.44 198.51.100.7
check "after the refused adds, 10.20.3.44 is still blocked" eval 'rc_is 0 && has out "blocked: outbound"'
cp "$E" "$T/before"
echo "10.0.0.0/8          both      ticket=X owner=y" >>"$E"
run exception check
check "check: a wide entry written by hand, named file:line, exit 1" eval 'rc_is 1 && has err "nfqctl: $E:18: 10.0.0.0/8 contains the internal network 10.20.0.0/16"'
if [ -x "$NFQD" ]; then
	"$NFQD" -n -c "$C" >"$T/out" 2>"$T/err"; rc=$?
	check "nfqd -n: the wide entry refused, exit 2" eval 'rc_is 2 && has err "$E:18: 10.0.0.0/8 contains the internal network" && lacks out "configuration OK"'
fi
run test 10.20.3.44 198.51.100.7
check "test: a list with a wide entry is not used (exit 2)" eval 'rc_is 2 && has err "10.0.0.0/8 contains the internal network"'
cp "$T/before" "$E"
run exception add 10.20.0.0/16 --direction outbound --ticket NET-9 --owner its --no-reload
check "the whole internal network: written, the direction it opens said" eval 'rc_is 0 && grep -q "^warning: $E:19: 10\.20\.0\.0/16 outbound is the whole internal network 10\.20\.0\.0/16: it opens outbound SMTP (Part 2) from every campus host in it$" "$T/err"'
run exception remove 10.20.0.0/16 --no-reload
check "add, then remove: the sample byte for byte" eval 'rc_is 0 && same "$E" "$T/fresh.conf"'

# 2. '#' inside a value is the value's; a comment cannot cut attributes.
fresh
printf '10.20.1.99          both      ticket=INC#4711 owner=its-mail expires=%s\n' "$IN30" >>"$E"
run exception list --json
check "ticket=INC#4711: the ticket, the owner and the expiry kept" "$PY" -c '
import json, sys
e = [o for o in json.load(open(sys.argv[1])) if o["address"] == "10.20.1.99"][0]
assert e["ticket"] == "INC#4711" and e["owner"] == "its-mail" and e["expires"] == sys.argv[2], e
' "$T/out" "$IN30"
printf '10.20.1.98          both      ticket=INC #4711 owner=its-mail expires=%s\n' "$IN30" >>"$E"
run exception check
check "ticket=INC #4711 owner=...: refused, not cut" eval 'rc_is 1 && has err "nfqctl: $E:19: '"'"'owner=its-mail'"'"' is in the comment that starts at column 42, so it is not read"'

# 3. Invisible characters: a byte-order mark is skipped, others named.
fresh
printf '\357\273\277' >"$T/bom.conf"
cat "$E" >>"$T/bom.conf"
run exception check "$T/bom.conf"
check "a list saved with a BOM (Notepad): OK" eval 'rc_is 0 && has err "bom.conf: 6 entries, OK"'
printf '\357\273\277' >"$T/etc/bom-nfqd.conf"
cat "$C" >>"$T/etc/bom-nfqd.conf"
run -c "$T/etc/bom-nfqd.conf" exception list
check "an nfqd.conf saved with a BOM: internal-networks known" eval 'rc_is 0 && has out "10.20.8.0/24"'
printf '10.20.1.97\302\240both\n' >"$T/nbsp.conf"
run exception check "$T/nbsp.conf"
check "a no-break space: named by code and column" eval 'rc_is 1 && has err "nfqctl: $T/nbsp.conf:1: non-ASCII character U+00A0 (a no-break space; bytes 0xc2 0xa0) at column 11"'

# 4. Warnings, from nfqd -n and check, and --strict.
fresh
printf '%s\n' "10.20.1.25 both ticket=A owner=a" "192.0.2.25 both ticket=B owner=b" \
    "::ffff:10.20.1.26 both ticket=C owner=c" "10.20.8.0/24 inbound ticket=D owner=d" \
    "10.20.8.66 outbound ticket=E owner=e" "10.20.3.3 both ticket=F owner=f expires=$IN10" \
    >"$T/lint.conf"
run exception check "$T/lint.conf"
check "check FILE: every warning, prefixed, with file:line" eval 'rc_is 0 && has err "lint.conf: 6 entries, OK, 4 warnings" &&
    grep -q "^warning: $T/lint.conf:2: 192\.0\.2\.25 is outside internal-networks" "$T/err" &&
    grep -q "^warning: $T/lint.conf:3: ::ffff:10\.20\.1\.26 is an IPv4-mapped address: .*write 10\.20\.1\.26$" "$T/err" &&
    grep -q "^warning: $T/lint.conf:6: 10\.20\.3\.3 expires at the end of $IN10 (UTC), in 10 days" "$T/err" &&
    grep -q "^warning: $T/lint.conf:5: 10\.20\.8\.66 outbound overlaps 10\.20\.8\.0/24 inbound (line 4)" "$T/err"'
run exception check "$T/lint.conf" --strict
check "check --strict: the warnings fail it, exit 1" eval 'rc_is 1 && has err "lint.conf: 6 entries, 4 warnings: refused (--strict)"'
if [ -x "$NFQD" ]; then
	sed -i "s|^exceptions = .*|exceptions = $T/lint.conf|" "$C"
	"$NFQD" -n -c "$C" >"$T/out" 2>"$T/err"; rc=$?
	check "nfqd -n: the same warnings, then configuration OK" eval 'rc_is 0 && [ "$(grep -c "^warning: $T/lint.conf:" "$T/err")" = 4 ] && [ "$(cat "$T/out")" = "configuration OK" ]'
	"$NFQD" -n -c "$C" >"$T/out" 2>&1; rc=$?
	check "nfqd -n: in one stream, the warnings before the OK" eval 'rc_is 0 && [ "$(tail -n 1 "$T/out")" = "configuration OK" ] && [ "$(grep -c "^warning: " "$T/out")" = 4 ]'
	"$NFQD" -n --strict -c "$C" >"$T/out" 2>"$T/err"; rc=$?
	check "nfqd -n --strict: refused, exit 2" eval 'rc_is 2 && has err "nfqd: 4 warnings, and --strict: configuration refused" && [ ! -s "$T/out" ]'
	: >"$T/empty.conf"
	sed -i -e "s|^exceptions = .*|exceptions = $T/empty.conf|" -e "s|^mode = .*|mode = enforce|" "$C"
	"$NFQD" -n -c "$C" >"$T/out" 2>"$T/err"; rc=$?
	check "nfqd -n: an empty list in enforce mode" eval 'rc_is 0 && grep -q "^warning: $T/empty.conf: no entries, and mode = enforce" "$T/err"'
	sed -i "s|^internal-networks = .*|internal-networks = 0.0.0.0/0, ::/0|" "$C"
	"$NFQD" -n -c "$C" >"$T/out" 2>"$T/err"; rc=$?
	check "nfqd -n: internal-networks = 0.0.0.0/0, ::/0" eval 'rc_is 0 && grep -q "^warning: $C:4: internal-networks holds 0\.0\.0\.0/0: every IPv4 address is campus" "$T/err" && grep -q "^warning: $C:4: internal-networks holds ::/0" "$T/err"'
fi

# 6. exception set: in place, one line, audited.
fresh
cp "$E" "$T/before"
run exception set 10.20.5.10 --expires "$IN200" --no-reload
check "set --expires: a renewal, exit 0, said" eval 'rc_is 0 && has err "exceptions.conf:15: changed 10.20.5.10          outbound  ticket=NET-1290 owner=genomics expires=$IN200 added=2026-01-10"'
check "set: a one-line diff" eval '[ "$(diff "$T/before" "$E" | grep -c "^[<>]")" = 2 ] && [ "$(diff "$T/before" "$E" | grep "^>")" = "> 10.20.5.10          outbound  ticket=NET-1290 owner=genomics expires=$IN200 added=2026-01-10" ]'
check "set: audited, with what it was" "$PY" -c '
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])][-1]
assert r["what"] == "set" and "expires=" + sys.argv[2] in r["entry"] and "expires=" + sys.argv[3] in r["was"], r
' "$A" "$IN200" "$IN10"
run exception set 10.20.7.7 --expires never --direction inbound --ticket NET-2000 --owner events-it --comment "kept for the archive" --no-reload
check "set: expires never, the rest changed in place" eval 'rc_is 0 && grep -q "^10\.20\.7\.7           inbound   ticket=NET-2000 owner=events-it added=2025-09-01$" "$E" && grep -q "^# kept for the archive$" "$E"'
cp "$E" "$T/before"
run exception set 10.20.5.10 --expires "$IN200" --no-reload
check "set to what it is: nothing to change, nothing written" eval 'rc_is 0 && has err "nothing to change (10.20.5.10 already says that)" && same "$E" "$T/before"'
refused "set of an entry not listed" "nfqctl: 10.20.3.3 is not in $E; add it with nfqctl exception add 10.20.3.3" \
    set 10.20.3.3 --expires "$IN30"
refused "set --expires in the past" "nfqctl: expires $(day -1) is in the past (today is $TODAY in UTC)" \
    set 10.20.5.10 --expires "$(day -1)"
fake "$(status_of "$E")" "$RELOAD_OK"
run exception set 10.20.5.10 --owner genomics-it
wait "$FAKE"
check "set with a daemon: reloaded like add" eval 'rc_is 0 && has err "nfqctl: reloaded: 7 exceptions" && grep -qx "{\"cmd\":\"reload\"}" "$T/fake.req"'

# 7. Reload the right daemon.
fresh
mkdir -p "$T/copy"
cp "$E" "$T/copy/exceptions.conf"
sed "s|^exceptions = .*|exceptions = $T/copy/exceptions.conf|" "$C" >"$T/copy/nfqd.conf"
fake "$(status_of /etc/nfqd/exceptions.conf)" "$RELOAD_OK"
"$NFQCTL" -c "$T/copy/nfqd.conf" exception add 10.20.9.9 --direction both --ticket NET-1 --owner o >"$T/out" 2>"$T/err"; rc=$?
kill "$FAKE" 2>/dev/null; wait "$FAKE" 2>/dev/null
check "-c COPY: the daemon runs another file: not reloaded, said which, exit 1" eval 'rc_is 1 && has err "edited $(cd "$T/copy" && pwd -P)/exceptions.conf only: the daemon on $T/etc/control.sock runs /etc/nfqd/exceptions.conf, not this file; not reloaded" && lacks err "reloaded:" && [ "$(cat "$T/fake.req")" = "{\"cmd\":\"status\"}" ] && grep -q "^10\.20\.9\.9 " "$T/copy/exceptions.conf"'
run exception add 10.20.9.9 --direction both --ticket NET-1 --owner o --no-reload
sha=$(sha_of "$E")
run exception remove 10.20.9.9 --no-reload
fake "$(status_of "$E")" "$(printf '{"ok":true,"cmd":"reload","reload":{"status":"ok","exceptions":7,"added":1,"removed":0,"changed":0,"exceptions_sha256":"%s","ms":{"load":0.5,"diff":0.1,"swap":0},"degraded_sets":"ok"}}' "$sha")"
run exception add 10.20.9.9 --direction both --ticket NET-1 --owner o
wait "$FAKE"
check "the daemon runs the file as written (its SHA-256): reloaded" eval 'rc_is 0 && has err "nfqctl: reloaded: 7 exceptions"'
fake "$(status_of "$E")" "$(printf '{"ok":true,"cmd":"reload","reload":{"status":"ok","exceptions":6,"exceptions_sha256":"%s","ms":{}}}' "$(sha_of "$T/copy/exceptions.conf")")"
run exception remove 10.20.9.9
wait "$FAKE"
check "the daemon reloaded another list: not reported as done, exit 1" eval 'rc_is 1 && has err "reloaded, but the list it runs (sha256 " && has err "is not $(cd "$T/etc" && pwd -P)/exceptions.conf as written" && lacks err "nfqctl: reloaded:"'
# Another edit lands between ours and the reload (ten nfqctl at once, a
# slow daemon): the daemon runs neither our file nor, by the time we look,
# the file as it is now; the file moved on from ours, so that edit (which
# started from ours) carries our change, and its own reload asks for it.
export FAKE_EDIT="$E" FAKE_LINE="10.20.9.7 inbound ticket=NET-2 owner=o"
fake "$(status_of "$E")" "$(printf '{"ok":true,"cmd":"reload","reload":{"status":"ok","exceptions":7,"exceptions_sha256":"%s","ms":{}}}' "$(sha_of "$T/copy/exceptions.conf")")"
unset FAKE_EDIT FAKE_LINE
run exception add 10.20.9.8 --direction both --ticket NET-1 --owner o
wait "$FAKE"
check "a later edit meanwhile: ours is in it, said, exit 0" eval 'rc_is 0 && has err "has a later edit too" && lacks err "is not" && grep -q "^10\.20\.9\.8 " "$E" && grep -q "^10\.20\.9\.7 " "$E"'

# 8. check FILE: a checkout copy by content, whatever its mode.
fresh
cp "$E" "$T/checkout.conf"
chgrp nogroup "$T/checkout.conf" "$E"	# a group of people, not root's
chmod 664 "$T/checkout.conf"
"$NFQCTL" exception check "$T/checkout.conf" >"$T/out" 2>"$T/err"; rc=$?
check "check FILE: group-writable (umask 002) is fine" eval 'rc_is 0 && has err "checkout.conf: 6 entries, OK"'
cp "$C" "$T/checkout-nfqd.conf"
chgrp nogroup "$T/checkout-nfqd.conf"
chmod 664 "$T/checkout-nfqd.conf"
run -c "$T/checkout-nfqd.conf" exception check "$T/checkout.conf"
check "check -c COPY FILE: both copies group-writable, fine" eval 'rc_is 0 && has err "checkout.conf: 6 entries, OK"'
chmod 664 "$E"
run exception check
check "check: the daemon's own list group-writable: refused" eval 'rc_is 1 && has err "mode 0664: writable by its group"'
chmod 644 "$E"

# 9. Expiry in the campus's zone: Auckland, where the day starts first.
fresh
sed -i "s|^timezone = .*|timezone = Pacific/Auckland|" "$C"
AKL=$(TZ=Pacific/Auckland date +%Y-%m-%d)
AKL1=$(TZ=Pacific/Auckland date -d "-1 day" +%Y-%m-%d)
printf '10.20.1.91 both ticket=A owner=a expires=%s\n10.20.1.92 both ticket=B owner=b expires=%s\n' "$AKL" "$AKL1" >>"$E"
run exception list
check "Pacific/Auckland: its today is the last day, its yesterday expired" eval 'rc_is 0 && grep -q "^10\.20\.1\.91 .*last day" "$T/out" && grep -q "^10\.20\.1\.92 .*expired" "$T/out"'
run test 198.51.100.7 10.20.1.92
check "test: the entry expired at the end of that day in the zone" eval 'has out "expired at the end of $AKL1 (Pacific/Auckland)"'
run test 198.51.100.7 10.20.1.91
check "test: the one that ends tonight in Auckland still allows" eval 'has out "allowed: inbound"'
refused "add --expires: yesterday in Auckland is the past" \
    "nfqctl: expires $AKL1 is in the past (today is $AKL in Pacific/Auckland)" \
    add 10.20.1.93 --direction both --ticket C --owner c --expires "$AKL1"

# 10. add, then remove, of the shipped sample and a file without a final newline.
fresh
cp "$top/nfqd/exceptions.conf" "$E"
run exception add 10.20.9.0/24 --direction inbound --ticket NET-1300 --owner chem-it --comment "Chemistry relay" --no-reload
run exception remove 10.20.9.0/24 --no-reload
check "add then remove on the shipped sample: byte for byte" cmp -s "$E" "$top/nfqd/exceptions.conf"
printf '# list\n10.20.1.25 both ticket=A owner=a' >"$E"
cp "$E" "$T/before"
run exception add 10.20.9.9 --direction both --ticket NET-1 --owner o --no-reload
run exception remove 10.20.9.9 --no-reload
check "add then remove on a file without a final newline: byte for byte" same "$E" "$T/before"

# 11. The sample nfqd.conf: monitor first.
check "the sample nfqd.conf ships mode = monitor" grep -qx "mode = monitor" "$top/nfqd/nfqd.conf"

# 5. Big lists, read and written whole: a 20,000-entry round trip.
fresh
"$PY" - "$T/big.json" <<'PY'
import json, sys
json.dump([{"address": "10.20.%d.%d" % (100 + i // 250, 1 + i % 250), "prefix": 32,
    "direction": "both" if i % 3 else "inbound", "ticket": "T-%d" % i, "owner": "o",
    "expires": None, "added": "2026-01-01", "comment": None} for i in range(20000)],
    open(sys.argv[1], "w"))
PY
run exception import --json "$T/big.json" --no-reload
check "import of 20,000 entries: 20000 added, 6 removed" eval 'rc_is 0 && has err "20000 added, 6 removed, 0 changed, 0 unchanged" && has err "more changes (the audit log has every one)"'
run exception export --json
check "export of 20,000: what was imported" "$PY" -c '
import json, sys
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert a == b, (len(a), len(b))
' "$T/out" "$T/big.json"
run exception list
check "list of 20,000: a header and 20,000 rows" eval 'rc_is 0 && [ "$(lines "$T/out")" = 20001 ]'
run exception check
check "check of 20,000: OK" eval 'rc_is 0 && has err "20000 entries, OK"'

# ---- the running daemon's commands, with no daemon ---------------------

fresh
run status
check "status without a daemon: exit 1, said" eval 'rc_is 1 && has err "nfqctl: no running daemon ($T/etc/control.sock" && prefixed'
run reload
check "reload without a daemon: exit 1" eval 'rc_is 1 && has err "no running daemon"'
run census
check "census without a daemon or a saved one: exit 1, said" eval 'rc_is 1 && has err "no running daemon ($T/etc/control.sock), and no census saved in $T/etc/state/census.json" && prefixed'
# The census the daemon saved: read, against today's exception list.
mkdir -p "$T/etc/state"
now=$(date -u +%s); today=$((now / 86400))
printf '{"version":1,"since":%s,"overflow":0,"hosts":[{"host":"10.20.1.25","first":%s,"last":%s,"exception_used":[%s,0],"total":[40,0,2,0],"days":[[%s,4,0,2,0]]},{"host":"10.20.3.44","first":%s,"last":%s,"exception_used":[0,0],"total":[0,0,0,31],"days":[[%s,0,0,0,31]]}]}\n' \
    $((now - 86400 * 3)) $((now - 86400 * 3)) "$now" "$now" "$today" "$now" "$now" $((today - 2)) >"$T/etc/state/census.json"
run census
check "census without a daemon: the saved one, said" eval 'rc_is 0 && has err "no running daemon: the census as saved in $T/etc/state/census.json" && grep -q "^10\.20\.1\.25  *40  *0  *2  *0 .* both (10\.20\.1\.25/32)$" "$T/out" && grep -q "^10\.20\.3\.44 .* 31 .* none$" "$T/out"'
run census --since 1 --json
check "census --since 1 from the saved one: today only" "$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
h = {x["host"]: x for x in d["hosts"]}
assert list(h) == ["10.20.1.25"], d
assert h["10.20.1.25"]["inbound"] == {"allowed": 4, "blocked": 0}, d
' "$T/out"
echo '{"version":1,"since":1,"hosts":[{"host":"nowhere"}]}' >"$T/etc/state/census.json"
run census
check "a damaged saved census: named, exit 1" eval 'rc_is 1 && has err "census.json: host 1: no valid \"host\" address"'
rm -f "$T/etc/state/census.json"
run flows 10.20.3.999
check "flows with a bad host: exit 2" eval 'rc_is 2 && has err "bad address"'
run flows --limit 0
check "flows --limit 0: exit 2" eval 'rc_is 2 && has err "--limit takes a number"'
run exceptions 10.20.3.44 10.20.3.45
check "exceptions with two hosts: exit 2" eval 'rc_is 2 && has err "wrong number of arguments"'
run status --json
check "status --json: taken (no daemon: exit 1, said)" eval 'rc_is 1 && has err "nfqctl: no running daemon"'

fake "$(status_of "$E")" "$RELOAD_OK"
run exception add 10.20.9.0/24 --direction inbound --ticket NET-1300 --owner chem-it
wait "$FAKE"
check "add with a daemon: it is asked to reload, its answer said" eval 'rc_is 0 && has err "nfqctl: reloaded: 7 exceptions (1 added, 0 removed, 0 changed) in 0.6 ms" && [ "$(cat "$T/fake.req")" = "$(printf "{\"cmd\":\"status\"}\n{\"cmd\":\"reload\"}")" ]'
fake "$(status_of "$E")" '{"ok":false,"cmd":"reload","error":"exceptions.conf:14: bad address","reload":{"status":"failed"}}'
run exception remove 10.20.9.0/24
wait "$FAKE"
check "a refused reload: exit 1, the daemon's reason said, the edit made" eval 'rc_is 1 && has err "the daemon refused the reload; the running list stays: exceptions.conf:14: bad address" && ! grep -q "^10\.20\.9\.0/24" "$E"'
fake 'this is not json'
run exception add 10.20.9.0/24 --direction inbound --ticket NET-1300 --owner chem-it
wait "$FAKE"
check "a garbled answer: exit 1, said" eval 'rc_is 1 && has err "the daemon was not asked to reload" && has err "not JSON"'
fake '{"ok":true,"cmd":"flows","matched":0,"shown":0,"omitted":0,"flows":[]}'
run flows 10.20.3.44 --limit 5
wait "$FAKE"
check "flows: the request carries host and limit, the answer printed" eval 'rc_is 0 && grep -qx "{\"cmd\":\"flows\",\"host\":\"10.20.3.44\",\"limit\":5}" "$T/fake.req" && has out "\"cmd\":\"flows\""'
# census: nfqctl's side (the daemon's is in tests/e2e/test_detections.sh).
CENSUS='{"ok":true,"cmd":"census","timestamp":"2026-11-22T12:00:00.000000+0000","counting_since":"2026-11-01T08:00:00.000000+0000","since_days":7,"hosts_tracked":3,"hosts_max":4096,"overflow":12,"hosts":[{"host":"10.20.1.25","inbound":{"allowed":1200,"blocked":0},"outbound":{"allowed":900,"blocked":0},"first_seen":"2026-11-01T08:00:01.000000+0000","last_seen":"2026-11-22T11:59:00.000000+0000","exception_directions":"both","exception":{"entry":"10.20.1.25/32","direction":"both","ticket":"NET-1001","owner":"its-mail","line":3}},{"host":"10.20.3.44","inbound":{"allowed":0,"blocked":0},"outbound":{"allowed":0,"blocked":31},"first_seen":"2026-11-20T10:00:00.000000+0000","last_seen":"2026-11-20T10:03:00.000000+0000","exception_directions":"none","exception":null}],"unused_days":90,"unused_exceptions":[{"entry":"10.20.7.7/32","direction":"both","ticket":"NET-0950","owner":"events","line":12,"last_used":null}]}'
fake "$CENSUS"
run census --since 7
wait "$FAKE"
check "census --since 7: the request carries days" eval 'rc_is 0 && grep -qx "{\"cmd\":\"census\",\"days\":7}" "$T/fake.req"'
check "census: a table, busiest first, with exception status" eval 'head -n 1 "$T/out" | grep -q "^HOST .*IN-OK .*IN-BLK .*OUT-OK .*OUT-BLK .*FIRST SEEN .*LAST SEEN .*EXCEPTION" && sed -n 2p "$T/out" | grep -q "^10\.20\.1\.25  *1200  *0  *900  *0  *2026-11-01 08:00  *2026-11-22 11:59  *both (10\.20\.1\.25/32)$" && sed -n 3p "$T/out" | grep -q "^10\.20\.3\.44  *0  *0  *0  *31 .* none$"'
check "census: unused exceptions listed" eval 'has out "exceptions unused for 90 days" && grep -q "^10\.20\.7\.7/32  *both  *NET-0950  *events  *never" "$T/out"'
check "census: overflow and counting start said" eval 'has err "nfqctl: warning: 12 connections of hosts beyond census-hosts (4096) were not counted" && has err "nfqctl: counting since 2026-11-01 08:00 UTC" && prefixed'
fake "$CENSUS"
run census --json
wait "$FAKE"
check "census --json: the answer, for scripts" "$PY" -c '
import json, sys
req = json.load(open(sys.argv[2]))
assert req == {"cmd": "census"}, req
d = json.load(open(sys.argv[1]))
assert "ok" not in d and d["hosts"][0]["host"] == "10.20.1.25", d
assert d["hosts"][1]["exception"] is None and d["overflow"] == 12, d
' "$T/out" "$T/fake.req"
fake '{"ok":false,"cmd":"census","error":"no census (census-hosts = 0)"}'
run census
wait "$FAKE"
check "census refused by the daemon: exit 1, its reason said" eval 'rc_is 1 && has err "nfqctl: no census (census-hosts = 0)"'
for bad in 0 36 7d -1; do
	run census --since "$bad"
	check "census --since $bad: exit 2" eval 'rc_is 2 && has err "--since takes a number of days, 1-35"'
done
run census 10.20.1.25
check "census takes no host: exit 2" eval 'rc_is 2 && has err "wrong number of arguments"'
run exception add 10.20.9.25 --direction both --ticket NET-1301 --owner chem-it --no-reload
check "--no-reload: no daemon asked (stale socket ignored)" eval 'rc_is 0 && lacks err "daemon"'

# ---- quarantine without a daemon: the state file -------------------------

fresh
S=$T/etc/state/quarantine.json
run quarantine
check "quarantine without a command: exit 2" eval 'rc_is 2 && has err "quarantine needs a command: add, remove or list"'
run quarantine add 10.20.3.44 --for 1h
check "quarantine add without --reason: exit 2" eval 'rc_is 2 && has err "needs --for and --reason"'
run quarantine add 10.20.3.44 --for forever --reason spam
check "quarantine add --for forever: exit 2" eval 'rc_is 2 && has err "bad duration '"'"'forever'"'"'"'
run quarantine add 10.20.3.1/24 --for 1h --reason spam
check "quarantine add with host bits: exit 2" eval 'rc_is 2 && has err "host bits set"'
run quarantine add 10.20.3.44 --for 1h --reason "spam bot, SEC-77"
check "quarantine add: recorded in the state file, said" eval 'rc_is 0 && has err "no running daemon: 10.20.3.44 recorded in quarantine until" && has err "$S" && [ -f "$S" ]'
check "state file: the entry, its start event owed" "$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["version"] == 1 and len(d["quarantines"]) == 1, d
q = d["quarantines"][0]
assert q["host"] == "10.20.3.44" and q["reason"] == "spam bot, SEC-77" and q["pending"] is True, q
assert q["who"] == sys.argv[2], q
' "$S" "$(id -un)"
run quarantine add 10.20.3.44 --for 2h --reason again
check "quarantine add twice: refused" eval 'rc_is 1 && has err "10.20.3.44 is already in quarantine until"'
run quarantine list
check "quarantine list: a table" eval 'rc_is 0 && grep -q "^10\.20\.3\.44  .* \(1h00m\|59m[0-9][0-9]s\) .*spam bot, SEC-77" "$T/out"'
run quarantine list --json
check "quarantine list --json" "$PY" -c '
import json, sys
a = json.load(open(sys.argv[1]))
assert len(a) == 1 and a[0]["host"] == "10.20.3.44" and 3500 < a[0]["seconds_left"] <= 3600, a
' "$T/out"
run test 10.20.3.44 198.51.100.7 --json
check "test: quarantine decides, before the exception list" "$PY" -c '
import json, sys
o = json.load(open(sys.argv[1]))
assert o["action"] == "blocked" and o["reason"] == "quarantine", o
assert o["quarantine"]["host"] == "10.20.3.44" and o["quarantine"]["reason"] == "spam bot, SEC-77", o
' "$T/out"
run test 198.51.100.7 10.20.1.25
check "test: a host not in quarantine is unchanged" eval 'rc_is 0 && has out "allowed: inbound"'
if [ -x "$NFQD" ]; then
	"$NFQD" -n -c "$C" >"$T/out" 2>"$T/err"; rc=$?
	check "nfqd -n reads the state file" eval 'rc_is 0 && has out "configuration OK"'
fi
run quarantine remove 10.20.3.45
check "quarantine remove of another host: refused" eval 'rc_is 1 && has err "10.20.3.45 is not in quarantine"'
run quarantine remove 10.20.3.44
check "quarantine remove: ended in the state file, said" eval 'rc_is 0 && has err "no running daemon: 10.20.3.44 ended in"'
run quarantine list
check "quarantine list: none left" eval 'rc_is 0 && [ ! -s "$T/out" ] && has err "no host in quarantine"'
echo '{"version":1,"quarantines":[{"host":"nowhere"}]}' >"$S"
run test 10.20.3.44 198.51.100.7
check "a broken state file: named, exit 2" eval 'rc_is 2 && has err "quarantine.json: entry 1:"'

# ---- a symlinked list (a git checkout elsewhere) ------------------------

fresh
mkdir -p "$T/git"
mv "$E" "$T/git/exceptions.conf"
ln -s "$T/git/exceptions.conf" "$E"
run exception add 10.20.9.9 --direction both --ticket NET-1 --owner o --no-reload
check "symlinked list: edited through the link, the link kept" eval 'rc_is 0 && [ -L "$E" ] && grep -q "^10\.20\.9\.9 " "$T/git/exceptions.conf" && [ -f "$T/git/exceptions.conf.audit" ]'

echo "nfqctl: $pass passed, $fail failed"
[ "$fail" = 0 ]
