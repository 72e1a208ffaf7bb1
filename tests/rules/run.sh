#!/bin/sh
# tests/rules/run.sh: nfqd-rules and the degraded-mode sets, as root.
#
# Every test runs in network namespaces of its own (nfqdt-rules-<pid>-*),
# removed on exit even after a failure: nothing here touches the host's
# rules, sets or interfaces.
#
#   NFQD_RULES  the program        (default bin/nfqd-rules)
#   NFQD_LIB    the folder of the layer archives (libkernel.a, ...), for
#               the ipset_sync() helper (default: the one of NFQD_RULES's
#               build, else build/obj; a path with "asan" links the
#               helper with the sanitizers)
#   NFQD        the daemon, for test 7 (default: nfqd next to NFQD_RULES)
#   CC          compiler for the helper (default cc)
#   VERBOSE=1   show every test's output, not only a failed one's
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
RULES=${NFQD_RULES:-$top/bin/nfqd-rules}
case $RULES in /*) ;; *) RULES=$PWD/$RULES ;; esac
# The layer archives of the same build: build/asan/bin/nfqd-rules with
# build/asan/lib*.a, bin/nfqd-rules with build/obj/lib*.a.
LIB=$(dirname "$(dirname "$RULES")")
[ -f "$LIB/libkernel.a" ] || LIB=$top/build/obj
LIB=${NFQD_LIB:-$LIB}
CC=${CC:-cc}
NFQD=${NFQD:-$(dirname "$RULES")/nfqd}
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
case $LIB in /*) ;; *) LIB=$PWD/$LIB ;; esac
case $NFQD in /*) ;; *) NFQD=$PWD/$NFQD ;; esac

if [ "$(id -u)" != 0 ]; then
	echo "rules: skipped, needs root (network namespaces)"
	exit 0
fi
for c in ip iptables-save iptables-restore ip6tables-save ipset nft "$PY"; do
	command -v "$c" >/dev/null 2>&1 || {
		echo "tests/rules: $c missing (tools/deps.sh installs it)" >&2
		exit 1
	}
done
[ -x "$RULES" ] || { echo "tests/rules: $RULES not built" >&2; exit 1; }

NS=nfqdt-rules-$$
T=$(mktemp -d /tmp/nfqdt-rules.XXXXXX)
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for n in $(ip netns list 2>/dev/null | awk '{print $1}'); do
		case $n in "$NS"-*)
			# Whatever still runs in our namespaces is ours.
			for p in $(ip netns pids "$n" 2>/dev/null); do
				kill -KILL "$p" 2>/dev/null
			done
			ip netns del "$n" ;;
		esac
	done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

pass=0 fail=0
why=""
# run NAME FUNCTION: one test, one line.
run() {
	why=""
	if "$2" >"$T/$2.log" 2>&1; then
		echo "ok   $1"
		[ -n "${VERBOSE:-}" ] && sed 's/^/     | /' "$T/$2.log"
		pass=$((pass + 1))
	else
		echo "FAIL $1: ${why:-see below}"
		sed 's/^/     | /' "$T/$2.log" | tail -n 40
		fail=$((fail + 1))
	fi
}
bad() { why="$*"; echo "$*"; return 1; }

newns() {	# newns NAME: a fresh namespace with lo up
	ip netns add "$NS-$1" && ip -n "$NS-$1" link set lo up
}
delns() {
	for p in $(ip netns pids "$NS-$1" 2>/dev/null); do kill -KILL "$p"; done
	ip netns del "$NS-$1" 2>/dev/null; true
}
nx() {		# nx NAME CMD...: run in namespace NAME
	n=$1; shift
	ip netns exec "$NS-$n" "$@"
}
# nfqd-rules in a namespace; its stderr also kept for the sanitizer check.
rules() {
	n=$1; shift
	ip netns exec "$NS-$n" "$RULES" "$@" 2>"$T/stderr.last"
	r=$?
	cat "$T/stderr.last" >>"$T/stderr.all"
	cat "$T/stderr.last" >&2
	return $r
}

# Saved state without what changes by itself: dates, the hash seed,
# remaining timeouts, element order.
ipt_state() { nx "$1" iptables-save | grep -v '^#'; nx "$1" ip6tables-save | grep -v '^#'; }
set_state() {
	nx "$1" ipset save | sed -e 's/ initval 0x[0-9a-f]*//' \
	    -e 's/ timeout [1-9][0-9]*/ timeout T/' | sort
}

# ---- configurations ----

day() { date -u -d "$(date -u +%F) $1 days" +%F; }
# expires=D covers all of day D: gone at the next 00:00 UTC.
end_of() { echo $(( $(date -u -d "$1" +%s) + 86400 )); }

mkconf() {	# mkconf FILE EXCEPTIONS [extra lines...]
	f=$1 e=$2; shift 2
	{
		echo "internal-networks = 10.20.0.0/16, 2001:db8:20::/48"
		case "$*" in *smtp-ports*) ;; *) echo "smtp-ports = 25" ;; esac
		echo "exceptions = $e"
		# Quarantine state here, never the host's /var/lib/nfqd.
		echo "state-dir = $T/state"
		echo "control-socket = none"
		for l in "$@"; do echo "$l"; done
	} >"$f"
}

cp "$top/nfqd/nfqd.conf" "$top/nfqd/exceptions.conf" "$T/"
# The sample ships mode = monitor (monitor first); these tests enforce.
sed -i 's/^mode = monitor$/mode = enforce/' "$T/nfqd.conf"
SAMPLE=$T/nfqd.conf
# The sample campus with dates relative to today.
cat >"$T/rel-exceptions.conf" <<EOF
10.20.1.25          both
2001:db8:20:1::25   both
10.20.8.0/24        inbound   expires=$(day +400)
10.20.8.66          outbound
10.20.5.10          outbound  expires=$(day +10)
10.20.7.7           both      expires=$(day -1)
10.20.6.6           inbound   expires=$(day +0)
2001:db8:20:8::/64  inbound   expires=$(day +3)
2001:db8:20:8::66   outbound
EOF
mkconf "$T/rel.conf" rel-exceptions.conf
mkconf "$T/rel-reject.conf" rel-exceptions.conf "reject = yes"
mkconf "$T/rel-monitor.conf" rel-exceptions.conf "mode = monitor"
mkconf "$T/rel-ports.conf" rel-exceptions.conf "smtp-ports = 25, 587, 465"
cat >"$T/zero-exceptions.conf" <<EOF
0.0.0.0/0           inbound
128.0.0.0/1         outbound
::/0                outbound
EOF
mkconf "$T/zero.conf" zero-exceptions.conf
# A /0 entry is refused when it contains an internal network (nfqd.conf(5));
# with a catch-all campus it is the whole network, and loads.
sed -i 's|^internal-networks = .*|internal-networks = 0.0.0.0/0, ::/0|' "$T/zero.conf"

# An element line of `ipset save`, or nothing.
elem() { nx "$1" ipset save "$2" | grep "^add $2 $3 " ; }
# expect_elem NS SET ADDR EXPIRES|"" normal|nomatch: present as that, with
# the timeout its expiry calls for (ipset keeps at most 2147483 s).
expect_elem() {
	ns=$1 set=$2 a=$3 exp=$4 kind=$5
	line=$(elem "$ns" "$set" "$a")
	now=$(date +%s)
	if [ -n "$exp" ]; then
		left=$(( $(end_of "$exp") - now ))
		if [ "$left" -le 0 ]; then
			[ -z "$line" ] && return 0
			bad "$set: $a expired on $exp but listed: $line"; return 1
		fi
	else
		left=0
	fi
	[ -n "$line" ] || { bad "$set: $a missing"; return 1; }
	case $kind in
	nomatch) case $line in *" nomatch") ;; *)
		bad "$set: $a should be nomatch: $line"; return 1 ;; esac ;;
	*) case $line in *nomatch*)
		bad "$set: $a should match: $line"; return 1 ;; esac ;;
	esac
	t=$(echo "$line" | sed -n 's/.* timeout \([0-9]*\).*/\1/p')
	if [ "$left" -gt 0 ] && [ "$left" -le 2147483 ]; then
		if [ "$t" -gt "$left" ] || [ "$t" -lt $((left - 30)) ]; then
			bad "$set: $a timeout $t, expected about $left"
			return 1
		fi
	elif [ "$t" != 0 ]; then
		bad "$set: $a has timeout $t, expected none (0)"; return 1
	fi
	return 0
}
absent() {
	[ -z "$(elem "$1" "$2" "$3")" ] || { bad "$2: $3 listed"; return 1; }
}
member() {	# member NS SET ADDR yes|no (ipset test: most specific wins)
	if nx "$1" ipset test "$2" "$3" >/dev/null 2>&1; then r=yes; else r=no; fi
	[ "$r" = "$4" ] || { bad "ipset test $2 $3: $r, expected $4"; return 1; }
}

# ---- 1. install in a fresh namespace ----

t_install() {
	newns a || return 1
	rules a -c "$SAMPLE" install || { bad "install failed"; return 1; }
	s=$(ipt_state a)
	for c in ':NFQD - ' ':NFQD-DEGRADED - ' ':NFQD-QUEUE - ' ':NFQD-SAVE - '; do
		[ "$(echo "$s" | grep -c "^$c")" = 2 ] ||
		    { bad "chain $c not in both iptables and ip6tables"; return 1; }
	done
	for j in '-A FORWARD -p tcp -m multiport --ports 25 -j NFQD$' \
	    '-A FORWARD -p tcp -m multiport --ports 25 -j NFQD-QUEUE$' \
	    '-A POSTROUTING -j NFQD-SAVE$'; do
		[ "$(echo "$s" | grep -c -e "^$j")" = 2 ] ||
		    { bad "jump '$j' not once per family"; return 1; }
	done
	# The jump into NFQD is the first rule of filter FORWARD.
	nx a iptables -S FORWARD | sed -n 2p | grep -q -- '-j NFQD$' ||
	    { bad "NFQD jump not first"; return 1; }
	for s in int4 in4 out4 q4 hb4 int6 in6 out6 q6 hb6; do
		nx a ipset list -n | grep -qx "nfqd-$s" || { bad "no set nfqd-$s"; return 1; }
	done
	[ -z "$(nx a ipset list -n | grep -- -tmp)" ] || { bad "tmp sets left"; return 1; }

	# The sample list, expectations relative to today.
	expect_elem a nfqd-int4 10.20.0.0/16 "" normal &&
	expect_elem a nfqd-int6 2001:db8:20::/48 "" normal &&
	expect_elem a nfqd-in4 10.20.1.25 "" normal &&
	expect_elem a nfqd-out4 10.20.1.25 "" normal &&
	expect_elem a nfqd-in6 2001:db8:20:1::25 "" normal &&
	expect_elem a nfqd-in4 10.20.8.0/24 2027-06-30 normal &&
	expect_elem a nfqd-out4 10.20.8.0/24 2027-06-30 nomatch &&
	expect_elem a nfqd-in4 10.20.8.66 "" nomatch &&
	expect_elem a nfqd-out4 10.20.8.66 "" normal &&
	expect_elem a nfqd-out4 10.20.5.10 2026-12-31 normal &&
	expect_elem a nfqd-in4 10.20.5.10 2026-12-31 nomatch &&
	expect_elem a nfqd-in4 10.20.7.7 2026-08-31 normal &&
	expect_elem a nfqd-out4 10.20.7.7 2026-08-31 normal || return 1
	if [ "$(date -u +%F)" \< 2027-07-01 ]; then
		member a nfqd-in4 10.20.8.1 yes && member a nfqd-in4 10.20.8.66 no &&
		member a nfqd-out4 10.20.8.66 yes && member a nfqd-out4 10.20.8.1 no ||
		    return 1
	fi
	echo "sample list ok ($(date -u +%F))"

	# Dates relative to today: timeouts certain.
	rules a -c "$T/rel.conf" install || { bad "install rel.conf failed"; return 1; }
	expect_elem a nfqd-out4 10.20.5.10 "$(day +10)" normal &&
	expect_elem a nfqd-in4 10.20.5.10 "$(day +10)" nomatch &&
	expect_elem a nfqd-in4 10.20.6.6 "$(day +0)" normal &&
	expect_elem a nfqd-in4 10.20.8.0/24 "$(day +400)" normal &&
	expect_elem a nfqd-in6 2001:db8:20:8::/64 "$(day +3)" normal &&
	expect_elem a nfqd-out6 2001:db8:20:8::/64 "$(day +3)" nomatch &&
	expect_elem a nfqd-in6 2001:db8:20:8::66 "" nomatch &&
	absent a nfqd-in4 10.20.7.7 && absent a nfqd-out4 10.20.7.7 || return 1
	member a nfqd-in6 2001:db8:20:8::1 yes && member a nfqd-in6 2001:db8:20:8::66 no &&
	    member a nfqd-out6 2001:db8:20:8::66 yes || return 1
	t=$(elem a nfqd-out4 10.20.5.10 | sed 's/.*timeout \([0-9]*\).*/\1/')
	[ "$t" -gt $((9 * 86400)) ] || { bad "10.20.5.10 timeout $t"; return 1; }
	echo "relative list ok"

	# /0: hash:net cannot hold it; its /1 halves, the listed /1 decides.
	rules a -c "$T/zero.conf" install || { bad "install zero.conf failed"; return 1; }
	expect_elem a nfqd-in4 0.0.0.0/1 "" normal &&
	expect_elem a nfqd-in4 128.0.0.0/1 "" nomatch &&
	expect_elem a nfqd-out4 0.0.0.0/1 "" nomatch &&
	expect_elem a nfqd-out4 128.0.0.0/1 "" normal &&
	expect_elem a nfqd-out6 ::/1 "" normal &&
	expect_elem a nfqd-out6 8000::/1 "" normal &&
	expect_elem a nfqd-in6 ::/1 "" nomatch || return 1
	[ "$(nx a ipset save nfqd-in4 | grep -c '^add')" = 2 ] ||
	    { bad "in4 should hold exactly two /1 elements"; return 1; }
	member a nfqd-in4 100.64.0.1 yes && member a nfqd-in4 198.51.100.1 no &&
	member a nfqd-out4 198.51.100.1 yes && member a nfqd-out6 2001:db8:99::1 yes &&
	member a nfqd-in6 2001:db8:99::1 no || return 1
	echo "/0 ok"
	delns a
}

# ---- 2. install twice ----

t_twice() {
	newns b || return 1
	rules b -c "$SAMPLE" install || { bad "first install failed"; return 1; }
	ipt_state b >"$T/b.ipt1"; set_state b >"$T/b.set1"
	rules b -c "$SAMPLE" install || { bad "second install failed"; return 1; }
	ipt_state b >"$T/b.ipt2"; set_state b >"$T/b.set2"
	diff -u "$T/b.ipt1" "$T/b.ipt2" || { bad "iptables-save differs"; return 1; }
	diff -u "$T/b.set1" "$T/b.set2" || { bad "ipset save differs"; return 1; }
	# IPv6: also TCP behind mobility, HIP and shim6 headers (rules.c)
	for f in iptables:1 ip6tables:4; do
		n=${f#*:} f=${f%:*}
		[ "$(nx b $f -S FORWARD | grep -c -- '-j NFQD$')" = "$n" ] &&
		[ "$(nx b $f -t mangle -S FORWARD | grep -c -- '-j NFQD-QUEUE$')" = "$n" ] &&
		[ "$(nx b $f -t mangle -S POSTROUTING | grep -c -- '-j NFQD-SAVE$')" = 1 ] ||
		    { bad "$f: not exactly one jump each"; return 1; }
	done
	for h in mobility-header hip shim6; do
		nx b ip6tables -S FORWARD | grep -q -- "-p $h -j NFQD\$" ||
		    { bad "ip6tables: no jump for $h"; return 1; }
	done
	# A duplicated jump and a stale one from older smtp-ports: one again.
	nx b iptables -I FORWARD -p tcp -m multiport --ports 25 -j NFQD
	nx b iptables -A FORWARD -p tcp -m multiport --ports 25,2525 -j NFQD
	rules b -c "$SAMPLE" install || { bad "third install failed"; return 1; }
	ipt_state b >"$T/b.ipt3"
	diff -u "$T/b.ipt1" "$T/b.ipt3" || { bad "duplicate/stale jump kept"; return 1; }
	# Other ports: the jumps follow the configuration.
	rules b -c "$T/rel-ports.conf" install || { bad "install rel-ports failed"; return 1; }
	[ "$(nx b iptables -S FORWARD | grep -c -- '-j NFQD$')" = 1 ] &&
	nx b iptables -S FORWARD | grep -q -- '--ports 25,587,465 -j NFQD$' &&
	nx b iptables -S NFQD-DEGRADED | grep -q -- '! --dports 25,587,465 -j DROP' ||
	    { bad "smtp-ports change not applied"; nx b iptables -S; return 1; }
	delns b
}

# ---- 3. remove ----

t_remove() {
	newns c || return 1
	for f in iptables ip6tables; do
		nx c $f -N FOREIGN && nx c $f -A FOREIGN -j RETURN &&
		nx c $f -A FORWARD -p tcp --dport 25 -j FOREIGN &&
		nx c $f -t mangle -A FORWARD -p tcp --tcp-flags SYN,RST SYN \
		    -j TCPMSS --clamp-mss-to-pmtu &&
		nx c $f -t mangle -A POSTROUTING -j RETURN || return 1
	done
	nx c ipset create foreign hash:ip && nx c ipset create nfqd-other hash:ip || return 1
	ipt_state c >"$T/c.before"; nx c ipset save | sed 's/ initval.*//' >"$T/c.sets.before"

	rules c -c "$SAMPLE" install || { bad "install failed"; return 1; }
	nx c iptables -S FORWARD | grep -q -- '-j FOREIGN' ||
	    { bad "foreign rule gone after install"; return 1; }
	# mangle FORWARD: our queue jump after the site's TCPMSS rule.
	nx c iptables -t mangle -S FORWARD | tail -n 1 | grep -q -- '-j NFQD-QUEUE$' ||
	    { bad "queue jump not last in mangle FORWARD"; return 1; }
	# What a crashed daemon or an interrupted update leaves: a -tmp set,
	# a second copy of a jump.
	nx c ipset create nfqd-in4-tmp hash:net timeout 0 &&
	nx c iptables -A FORWARD -p tcp -m multiport --ports 25 -j NFQD &&
	nx c ip6tables -t mangle -I POSTROUTING -j NFQD-SAVE || return 1

	rules c -c "$SAMPLE" remove || { bad "remove failed"; return 1; }
	ipt_state c >"$T/c.after"; nx c ipset save | sed 's/ initval.*//' >"$T/c.sets.after"
	diff -u "$T/c.before" "$T/c.after" || { bad "iptables state differs"; return 1; }
	diff -u "$T/c.sets.before" "$T/c.sets.after" || { bad "sets differ"; return 1; }
	# Nothing installed: quiet success.
	out=$(rules c -c "$SAMPLE" remove 2>&1) || { bad "second remove failed"; return 1; }
	[ -z "$out" ] || { bad "second remove said: $out"; return 1; }
	newns c2 || return 1
	out=$(rules c2 -c "$SAMPLE" remove 2>&1) || { bad "remove in empty ns failed"; return 1; }
	[ -z "$out" ] || { bad "remove in empty ns said: $out"; return 1; }
	delns c; delns c2
}

# ---- 4. status and exit codes ----

t_status() {
	newns d || return 1
	rules d -c "$SAMPLE" status >"$T/d.st0"; r=$?
	[ $r = 1 ] || { bad "status before install: $r, expected 1"; return 1; }
	grep -q '^status: not installed: SMTP-port traffic .* not filtered' "$T/d.st0" ||
	    { bad "not 'not installed', or not that SMTP passes unfiltered"; cat "$T/d.st0"; return 1; }
	# Nothing sends packets to the queue: no word of NFQD-DEGRADED there.
	grep -q '^  queue 0: not bound, and no rule of nfqd.s sends it packets$' "$T/d.st0" &&
	! grep -q 'go to NFQD-DEGRADED' "$T/d.st0" ||
	    { bad "queue line before install"; cat "$T/d.st0"; return 1; }
	rules d -c "$SAMPLE" status --json >"$T/d.js0"; r=$?
	[ $r = 1 ] || { bad "status --json before install: $r, expected 1"; return 1; }
	"$PY" - "$T/d.js0" 'not installed' 'not filtered' <<'PY' || { bad "status --json before install"; cat "$T/d.js0"; return 1; }
import json, sys
d = json.load(open(sys.argv[1]))
assert d["status"] == sys.argv[2] and d["smtp"] == sys.argv[3], d
assert all(c["state"] == "missing" for f in d["families"] for c in f["chains"])
assert d["queues"] == [{"queue": 0, "bound": False}], d["queues"]
PY
	rules d -c "$SAMPLE" install >/dev/null || return 1
	rules d -c "$SAMPLE" status >"$T/d.st1"; r=$?
	cat "$T/d.st1"
	[ $r = 0 ] || { bad "status after install: $r, expected 0"; return 1; }
	rules d -c "$SAMPLE" status --json >"$T/d.js1"; r=$?
	[ $r = 0 ] || { bad "status --json after install: $r, expected 0"; return 1; }
	# The JSON says what the text says: every set and its count.
	"$PY" - "$T/d.js1" "$T/d.st1" <<'PY' || { bad "status --json after install"; cat "$T/d.js1"; return 1; }
import json, re, sys
d = json.load(open(sys.argv[1]))
text = open(sys.argv[2]).read()
assert d["status"] == "installed" and d["smtp"] == "queued", d
sets = {s["name"]: s["elements"] for s in d["sets"]}
assert sets == {m[0]: int(m[1]) for m in
    re.findall(r"^  (\S+): (\d+) elements?$", text, re.M)}, sets
assert sets["nfqd-in4"] == 4, sets
assert all(c["state"] == "as configured" for f in d["families"] for c in f["chains"])
assert all(j["state"] == "present" for f in d["families"] for j in f["jumps"])
PY
	grep -q 'jump filter FORWARD rule 1 of 1' "$T/d.st1" &&
	grep -q 'nfqd-in4: 4 elements' "$T/d.st1" &&
	grep -q 'queue 0: not bound' "$T/d.st1" || { bad "status output"; return 1; }
	# A queue with a process bound shows as bound.
	ip netns exec "$NS-d" "$PY" -c '
import socket, struct, time, sys
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 12)  # NETLINK_NETFILTER
s.bind((0, 0))
def msg(cmdattr, fam, qnum):
    # nfgenmsg + NFQA_CFG_CMD (1): cmd, pad, pf
    body = struct.pack("=BBH", fam, 0, socket.htons(qnum))
    attr = struct.pack("=HHBBH", 8, 1, cmdattr, 0, socket.htons(fam))
    hdr = struct.pack("=IHHII", 16 + len(body) + len(attr), (3 << 8) | 2, 5, 1, 0)
    return hdr + body + attr
s.send(msg(1, socket.AF_INET, 0))   # NFQNL_CFG_CMD_BIND
print("bound", flush=True)
time.sleep(5)
' >"$T/d.bind" 2>&1 &
	bp=$!; PIDS="$PIDS $bp"
	for i in 1 2 3 4 5 6 7 8 9 10; do
		grep -q bound "$T/d.bind" && break; sleep 0.2
	done
	rules d -c "$SAMPLE" status >"$T/d.st2"
	kill $bp 2>/dev/null; wait $bp 2>/dev/null
	grep '^  queue' "$T/d.st2"
	grep -q 'queue 0: bound (portid [0-9]*), 0 waiting, .*queue_dropped 0, user_dropped 0' "$T/d.st2" ||
	    { bad "bound queue not shown"; return 1; }
	# Partly installed: one jump gone.
	nx d ip6tables -t mangle -D POSTROUTING -j NFQD-SAVE
	rules d -c "$SAMPLE" status >"$T/d.st3"; r=$?
	[ $r = 1 ] && grep -q '^status: partly installed' "$T/d.st3" &&
	grep -q 'jump mangle POSTROUTING: missing' "$T/d.st3" ||
	    { bad "partly installed: exit $r"; cat "$T/d.st3"; return 1; }
	# Installed, but for another configuration.
	rules d -c "$SAMPLE" install >/dev/null || return 1
	rules d -c "$T/rel-reject.conf" status >"$T/d.st4"; r=$?
	[ $r = 1 ] && grep -q 'NOT as configured' "$T/d.st4" ||
	    { bad "other config: exit $r"; return 1; }
	# Every option that changes the rules: installed text is what
	# iptables-save prints, so status compares equal (exit 0).
	for extra in "reject = yes" "transit = block" "reject = yes|transit = block" \
	    "mode = monitor|reject = yes|transit = block" "queues = 2-5" \
	    "smtp-ports = $(seq -s, 25 44)" "mark-bypass = 0x1|mark-reject = 0x80000000"; do
		old_ifs=$IFS; IFS='|'
		# shellcheck disable=SC2086
		mkconf "$T/combo.conf" exceptions.conf $extra
		IFS=$old_ifs
		rules d -c "$T/combo.conf" install >/dev/null &&
		rules d -c "$T/combo.conf" install >/dev/null ||
		    { bad "install with '$extra' failed"; return 1; }
		rules d -c "$T/combo.conf" status >"$T/d.combo"; r=$?
		[ $r = 0 ] || { bad "status with '$extra': exit $r"; cat "$T/d.combo"; return 1; }
		echo "status with '$extra': installed"
	done
	rules d -c "$SAMPLE" remove || return 1
	rules d -c "$SAMPLE" status >/dev/null; r=$?
	[ $r = 1 ] || { bad "status after remove: $r, expected 1"; return 1; }
	# Configuration errors: file:line, exit 2, nothing done.
	printf 'internal-networks = 10.20.0.0/16\nexceptions = exceptions.conf\nqueues = 7-3\n' >"$T/broken.conf"
	msg=$(rules d -c "$T/broken.conf" install 2>&1); r=$?
	echo "$msg"
	[ $r = 2 ] && echo "$msg" | grep -q "broken.conf:3: " ||
	    { bad "config error: exit $r: $msg"; return 1; }
	printf '10.20.9.1/24 inbound\n' >"$T/broken-exc.conf"
	mkconf "$T/broken2.conf" broken-exc.conf
	msg=$(rules d -c "$T/broken2.conf" install 2>&1); r=$?
	[ $r = 2 ] && echo "$msg" | grep -q "broken-exc.conf:1: host bits" ||
	    { bad "exception error: exit $r: $msg"; return 1; }
	[ -z "$(nx d ipset list -n)" ] || { bad "sets made despite the error"; return 1; }
	rules d -c "$T/nonexistent.conf" status >/dev/null 2>&1; r=$?
	[ $r = 2 ] || { bad "missing config: exit $r"; return 1; }
	delns d
}

# ---- 5. degraded mode with traffic ----

# out (198.51.100.10, 2001:db8:99::10) -- router -- campus (10.20.x.y, 2001:db8:20:...)
topology() {
	for n in out r cam; do
		newns $n || return 1
		# No duplicate address detection: addresses usable at once.
		nx $n sysctl -qw net.ipv6.conf.all.accept_dad=0 \
		    net.ipv6.conf.default.accept_dad=0 || return 1
	done
	nx r sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
	ip link add o0 netns "$NS-out" type veth peer name r-o netns "$NS-r" &&
	ip link add c0 netns "$NS-cam" type veth peer name r-c netns "$NS-r" || return 1
	ip -n "$NS-r" addr add 198.51.100.1/24 dev r-o
	ip -n "$NS-r" addr add 2001:db8:99::1/64 dev r-o nodad
	ip -n "$NS-r" addr add 10.20.0.1/16 dev r-c
	ip -n "$NS-r" addr add 2001:db8:20::1/48 dev r-c nodad
	ip -n "$NS-out" addr add 198.51.100.10/24 dev o0
	ip -n "$NS-out" addr add 2001:db8:99::10/64 dev o0 nodad
	for a in 10.20.1.25 10.20.8.1 10.20.8.66 10.20.9.9 10.20.7.7 10.20.5.10 10.20.6.6; do
		ip -n "$NS-cam" addr add $a/16 dev c0
	done
	for a in 2001:db8:20:1::25 2001:db8:20:9::9 2001:db8:20:8::1 2001:db8:20:8::66; do
		ip -n "$NS-cam" addr add $a/48 dev c0 nodad
	done
	for l in r:r-o r:r-c out:o0 cam:c0; do
		ip -n "$NS-${l%%:*}" link set "${l#*:}" up
	done
	ip -n "$NS-out" route add default via 198.51.100.1
	ip -n "$NS-out" -6 route add default via 2001:db8:99::1
	ip -n "$NS-cam" route add default via 10.20.0.1
	ip -n "$NS-cam" -6 route add default via 2001:db8:20::1
	for n in out cam; do
		# Not through nx: $! must be the listener (ip netns exec execs).
		ip netns exec "$NS-$n" "$PY" "$here/tcp.py" listen 25 80 \
		    >"$T/listen.$n" 2>&1 &
		PIDS="$PIDS $!"
	done
	for i in $(seq 50); do
		grep -q ready "$T/listen.out" && grep -q ready "$T/listen.cam" &&
		    [ -z "$(for n in out r cam; do ip -n "$NS-$n" -6 addr | grep tentative; done)" ] &&
		    return 0
		sleep 0.1
	done
	bad "listeners or addresses not ready"
}

# probe NS EXPECTED-FILE: every "SRC DST PORT RESULT" line must come true.
probe() {
	cut -d' ' -f1-3 "$2" | nx "$1" "$PY" "$here/tcp.py" probe 2 >"$2.got"
	if ! diff -u "$2" "$2.got"; then
		bad "connections not as expected ($(basename "$2"))"
		return 1
	fi
}

t_degraded() {
	topology || return 1
	# Without nfqd-rules everything passes (the topology works).
	cat >"$T/e0" <<EOF
198.51.100.10 10.20.9.9 25 ok
2001:db8:99::10 2001:db8:20:9::9 25 ok
EOF
	probe out "$T/e0" || return 1
	rules r -c "$T/rel.conf" install >/dev/null || { bad "install failed"; return 1; }
	nx r sh -c 'grep -q "^ *0 " /proc/net/netfilter/nfnetlink_queue 2>/dev/null' &&
	    { bad "something is bound to queue 0"; return 1; }
	B=blocked
	# inbound: outside -> campus
	cat >"$T/e-in" <<EOF
198.51.100.10 10.20.1.25 25 ok
198.51.100.10 10.20.8.1 25 ok
198.51.100.10 10.20.6.6 25 ok
198.51.100.10 10.20.8.66 25 $B
198.51.100.10 10.20.9.9 25 $B
198.51.100.10 10.20.7.7 25 $B
198.51.100.10 10.20.5.10 25 $B
198.51.100.10 10.20.9.9 80 ok
2001:db8:99::10 2001:db8:20:1::25 25 ok
2001:db8:99::10 2001:db8:20:8::1 25 ok
2001:db8:99::10 2001:db8:20:8::66 25 $B
2001:db8:99::10 2001:db8:20:9::9 25 $B
2001:db8:99::10 2001:db8:20:9::9 80 ok
EOF
	# opened from port 25 to another port: only nfqd reads such roles
	# (it would allow the gateway); without it, refused for everyone
	cat >>"$T/e-in" <<EOF
198.51.100.10/25 10.20.1.25 80 $B
198.51.100.10/25 10.20.9.9 80 $B
2001:db8:99::10/25 2001:db8:20:9::9 80 $B
EOF
	# outbound: campus -> outside
	cat >"$T/e-out" <<EOF
10.20.1.25 198.51.100.10 25 ok
10.20.8.66 198.51.100.10 25 ok
10.20.5.10 198.51.100.10 25 ok
10.20.8.1 198.51.100.10 25 $B
10.20.9.9 198.51.100.10 25 $B
10.20.7.7 198.51.100.10 25 $B
10.20.6.6 198.51.100.10 25 $B
10.20.9.9 198.51.100.10 80 ok
2001:db8:20:1::25 2001:db8:99::10 25 ok
2001:db8:20:8::66 2001:db8:99::10 25 ok
2001:db8:20:8::1 2001:db8:99::10 25 $B
2001:db8:20:9::9 2001:db8:99::10 25 $B
2001:db8:20:9::9 2001:db8:99::10 80 ok
10.20.9.9/25 198.51.100.10 80 $B
EOF
	for mode in drop reject monitor; do
		case $mode in
		drop) conf=$T/rel.conf; res=timeout ;;
		reject) conf=$T/rel-reject.conf; res=refused ;;
		monitor) conf=$T/rel-monitor.conf; res=ok ;;
		esac
		rules r -c "$conf" install >/dev/null || { bad "install $mode failed"; return 1; }
		for e in e-in e-out; do
			sed "s/ $B\$/ $res/" "$T/$e" >"$T/$e.$mode"
		done
		probe out "$T/e-in.$mode" && probe cam "$T/e-out.$mode" || return 1
		echo "$mode: ok"
	done
	# The packets took the queue rule (bypassed) and then NFQD-DEGRADED.
	n=$(nx r iptables -t mangle -L NFQD-QUEUE -v -n -x | awk '/NFQUEUE/ {print $1}')
	[ "${n:-0}" -gt 0 ] || { bad "the queue rule saw no packets"; return 1; }
	delns out; delns r; delns cam
}

# ---- 9. quarantine in degraded mode ----

# quarantine.json with HOST:SECONDS... entries (since now).
quarantine_file() {
	mkdir -p "$T/state"
	now=$(date -u +%s)
	{
		printf '{"version":1,"quarantines":['
		sep=""
		for hs in "$@"; do
			h=${hs%:*} s=${hs##*:}
			printf '%s{"host":"%s","since":"%s","until":"%s","reason":"test","who":"rules"}' \
			    "$sep" "$h" "$(date -u -d "@$now" +%Y-%m-%dT%H:%M:%SZ)" \
			    "$(date -u -d "@$((now + s))" +%Y-%m-%dT%H:%M:%SZ)"
			sep=","
		done
		printf ']}\n'
	} >"$T/state/quarantine.json"
}

t_quarantine() {
	topology || return 1
	# Hosts with exceptions: the gateway (both) for 10 minutes, a physics
	# host (its /24 is inbound) for 3 seconds; an IPv6 host.
	quarantine_file "10.20.1.25:600" "10.20.8.1:3" "2001:db8:20:1::25:600"
	rules r -c "$T/rel.conf" install >/dev/null || { bad "install failed"; return 1; }
	elem r nfqd-q4 10.20.1.25 >/dev/null || { bad "q4: 10.20.1.25 missing"; return 1; }
	t=$(elem r nfqd-q4 10.20.1.25 | sed 's/.*timeout \([0-9]*\).*/\1/')
	[ "$t" -gt 590 ] && [ "$t" -le 600 ] || { bad "10.20.1.25 timeout $t, expected about 600"; return 1; }
	elem r nfqd-q6 2001:db8:20:1::25 >/dev/null || { bad "q6: 2001:db8:20:1::25 missing"; return 1; }
	rules r -c "$T/rel.conf" status >"$T/q.status" || { bad "status after install: not 0"; cat "$T/q.status"; return 1; }
	grep -q 'nfqd-q4: 2 elements' "$T/q.status" || { bad "status: q4 count"; cat "$T/q.status"; return 1; }
	printf '%s\n' "198.51.100.10 10.20.1.25 25 timeout" \
	    "198.51.100.10 10.20.8.1 25 timeout" \
	    "198.51.100.10 10.20.1.25 80 ok" \
	    "2001:db8:99::10 2001:db8:20:1::25 25 timeout" \
	    "2001:db8:99::10 2001:db8:20:8::1 25 ok" >"$T/q-in"
	printf '%s\n' "10.20.1.25 198.51.100.10 25 timeout" \
	    "10.20.8.66 198.51.100.10 25 ok" \
	    "2001:db8:20:1::25 2001:db8:99::10 25 timeout" >"$T/q-out"
	probe out "$T/q-in" && probe cam "$T/q-out" || return 1
	echo "quarantined hosts refused both ways, exceptions notwithstanding"
	# The 3-second entry leaves the kernel set by itself.
	sleep 3
	[ -z "$(elem r nfqd-q4 10.20.8.1)" ] || { bad "10.20.8.1 still in q4 after its time"; return 1; }
	echo "198.51.100.10 10.20.8.1 25 ok" >"$T/q-after"
	probe out "$T/q-after" || return 1
	echo "the 3 s quarantine lifted itself"
	# reject = yes: refused with a reset, not dropped.
	rules r -c "$T/rel-reject.conf" install >/dev/null || { bad "install reject failed"; return 1; }
	echo "198.51.100.10 10.20.1.25 25 refused" >"$T/q-rej"
	probe out "$T/q-rej" || return 1
	nx r iptables -S NFQD-DEGRADED | grep -q -- '-p tcp -m set --match-set nfqd-q4 src -j REJECT --reject-with tcp-reset' ||
	    { bad "no reject rule for q4"; nx r iptables -S NFQD-DEGRADED; return 1; }
	# monitor: nothing refused.
	rules r -c "$T/rel-monitor.conf" install >/dev/null || { bad "install monitor failed"; return 1; }
	echo "198.51.100.10 10.20.1.25 25 ok" >"$T/q-mon"
	probe out "$T/q-mon" || return 1
	rm -f "$T/state/quarantine.json"
	delns out; delns r; delns cam
}

# ---- 10. harvest blocks in degraded mode ----

# The daemon adds a harvesting source to nfqd-hb4/6 with a timeout
# (ipset_harvest_block); the rules refuse it to campus, the gateway's
# exception notwithstanding; a sync (install, reload) keeps the set as it
# is; the entry leaves by itself.
t_harvest() {
	topology || return 1
	rules r -c "$T/rel.conf" install >/dev/null || { bad "install failed"; return 1; }
	nx r ipset add nfqd-hb4 198.51.100.10 timeout 4 || { bad "ipset add hb4"; return 1; }
	nx r ipset add nfqd-hb6 2001:db8:99::10 timeout 600 || { bad "ipset add hb6"; return 1; }
	# A sync rebuilds the policy's sets, never this one.
	rules r -c "$T/rel.conf" install >/dev/null || { bad "second install failed"; return 1; }
	elem r nfqd-hb4 198.51.100.10 >/dev/null || { bad "a sync emptied nfqd-hb4"; return 1; }
	printf '%s\n' "198.51.100.10 10.20.1.25 25 timeout" \
	    "198.51.100.10 10.20.8.1 25 timeout" \
	    "198.51.100.10 10.20.1.25 80 ok" \
	    "2001:db8:99::10 2001:db8:20:1::25 25 timeout" >"$T/h-in"
	printf '%s\n' "10.20.1.25 198.51.100.10 25 ok" >"$T/h-out"
	probe out "$T/h-in" && probe cam "$T/h-out" || return 1
	echo "a harvest-blocked source refused to campus, exceptions notwithstanding"
	nx r iptables -S NFQD-DEGRADED | grep -q -- '-m set --match-set nfqd-hb4 src -m set --match-set nfqd-int4 dst -j DROP' ||
	    { bad "no hb4 rule"; nx r iptables -S NFQD-DEGRADED; return 1; }
	sleep 4
	[ -z "$(elem r nfqd-hb4 198.51.100.10)" ] || { bad "198.51.100.10 still in hb4 after its time"; return 1; }
	echo "198.51.100.10 10.20.1.25 25 ok" >"$T/h-after"
	probe out "$T/h-after" || return 1
	echo "the 4 s block lifted itself"
	# monitor: nothing refused.
	rules r -c "$T/rel-monitor.conf" install >/dev/null || { bad "install monitor failed"; return 1; }
	nx r iptables -S NFQD-DEGRADED | grep -q -- 'nfqd-hb4' &&
	    { bad "monitor mode has an hb4 rule"; return 1; }
	delns out; delns r; delns cam
}

# ---- 7. the same topology with nfqd deciding ----

# The daemon's verdicts through these rules: an allowed packet comes back
# with the bypass mark (filter NFQD accepts it, NFQD-SAVE keeps it in the
# conntrack mark), a blocked one is dropped, or with reject = yes repeated
# with the reject mark (NFQD-QUEUE lets it through, filter NFQD resets it).
t_live() {
	[ -x "$NFQD" ] || { bad "$NFQD not built"; return 1; }
	topology || return 1
	for mode in reject drop; do
		case $mode in
		reject) conf=$T/rel-reject.conf; res=refused ;;
		drop) conf=$T/rel.conf; res=timeout ;;
		esac
		rules r -c "$conf" install >/dev/null || { bad "install failed"; return 1; }
		ip netns exec "$NS-r" "$NFQD" -c "$conf" >"$T/nfqd.$mode.out" \
		    2>"$T/nfqd.$mode.err" &
		np=$!; PIDS="$PIDS $np"
		for i in $(seq 100); do
			nx r grep -q '^ *0 ' /proc/net/netfilter/nfnetlink_queue 2>/dev/null && break
			kill -0 $np 2>/dev/null || break
			sleep 0.1
		done
		nx r grep -q '^ *0 ' /proc/net/netfilter/nfnetlink_queue ||
		    { bad "nfqd did not bind queue 0"; cat "$T/nfqd.$mode.err"; return 1; }
		cat >"$T/l-in.$mode" <<EOF
198.51.100.10 10.20.1.25 25 ok
198.51.100.10 10.20.8.1 25 ok
198.51.100.10 10.20.8.66 25 $res
198.51.100.10 10.20.9.9 25 $res
198.51.100.10 10.20.9.9 80 ok
2001:db8:99::10 2001:db8:20:1::25 25 ok
2001:db8:99::10 2001:db8:20:9::9 25 $res
EOF
		cat >"$T/l-out.$mode" <<EOF
10.20.8.66 198.51.100.10 25 ok
10.20.8.1 198.51.100.10 25 $res
2001:db8:20:8::66 2001:db8:99::10 25 ok
2001:db8:20:9::9 2001:db8:99::10 25 $res
EOF
		probe out "$T/l-in.$mode" && probe cam "$T/l-out.$mode" || {
			cat "$T/nfqd.$mode.err"; return 1; }
		kill $np; wait $np
		cat "$T/nfqd.$mode.err" >>"$T/stderr.all"
		# nfqd decided them (a policy event each), not NFQD-DEGRADED.
		nb=$(grep '"event_type":"policy"' "$T/nfqd.$mode.out" | grep -c '"action":"blocked"')
		na=$(grep '"event_type":"policy"' "$T/nfqd.$mode.out" | grep -c '"action":"allowed"')
		[ "$nb" -ge 5 ] && [ "$na" -ge 5 ] ||
		    { bad "$mode: nfqd saw $na allowed, $nb blocked (expected 5+ each)"; return 1; }
		n=$(nx r iptables -L NFQD-DEGRADED -v -n -x | awk '$3 == "DROP" {s += $1} END {print s + 0}')
		[ "${n:-0}" = 0 ] || { bad "$mode: NFQD-DEGRADED dropped $n packets"; return 1; }
		# Allowed connections carry the allowed bit (0x40000000) in their
		# conntrack mark, and the bypass bit (0x10000000) too once their
		# inspection ended; these probes close before it does.
		if command -v conntrack >/dev/null; then
			nx r conntrack -L -p tcp --dport 25 -d 10.20.1.25 2>/dev/null |
			    grep -Eq 'mark=(1073741824|1342177280)' ||
			    { bad "$mode: no conntrack mark on an allowed connection"; return 1; }
		fi
		echo "$mode with nfqd: ok ($na allowed, $nb blocked events)"
	done
	delns out; delns r; delns cam
}

# ---- 8. print, and the nftables ruleset ----

t_print() {
	newns f || return 1
	rules f -c "$SAMPLE" print >"$T/f.print" || { bad "print failed"; return 1; }
	grep -q '^swap nfqd-in4-tmp nfqd-in4$' "$T/f.print" &&
	[ "$(grep -c '^\*filter$' "$T/f.print")" = 2 ] &&
	grep -q '^-A NFQD-QUEUE -j NFQUEUE --queue-num 0 --queue-bypass$' "$T/f.print" ||
	    { bad "print output incomplete"; return 1; }
	[ -z "$(nx f iptables-save)$(nx f ipset list -n)" ] ||
	    { bad "print changed something"; return 1; }

	rules f -c "$SAMPLE" print --nft >"$T/f.nft" || { bad "print --nft failed"; return 1; }
	# The whole ruleset: on a kernel without nft_queue only the queue
	# statement may fail.
	nx f nft -c -f "$T/f.nft" >"$T/f.nft.out" 2>&1; r=$?
	echo "nft -c -f (as printed): exit $r"; cat "$T/f.nft.out"
	if [ $r != 0 ]; then
		[ "$(grep -c 'Error' "$T/f.nft.out")" = 1 ] &&
		grep -q 'Error: Could not process rule: No such file or directory' "$T/f.nft.out" &&
		grep -A1 Error "$T/f.nft.out" | grep -q 'queue num 0 bypass' ||
		    { bad "nft -c: more than the queue statement failed"; return 1; }
	fi
	# Everything else checked and loaded: the queue statement as accept.
	sed 's/^\(\t*\)queue num .*/\1accept/' "$T/f.nft" >"$T/f2.nft"
	nx f nft -c -f "$T/f2.nft" || { bad "nft -c without the queue statement"; return 1; }
	nx f nft -f "$T/f2.nft" && nx f nft -f "$T/f2.nft" ||
	    { bad "nft -f without the queue statement"; return 1; }
	[ "$(nx f nft list tables | grep -c 'inet nfqd')" = 1 ] || { bad "table twice"; return 1; }
	nx f nft get element inet nfqd in4 '{ 10.20.8.1 }' >/dev/null 2>&1 &&
	! nx f nft get element inet nfqd in4 '{ 10.20.8.66 }' >/dev/null 2>&1 &&
	nx f nft get element inet nfqd out4 '{ 10.20.8.66 }' >/dev/null 2>&1 &&
	! nx f nft get element inet nfqd out4 '{ 10.20.8.1 }' >/dev/null 2>&1 &&
	! nx f nft get element inet nfqd in4 '{ 10.20.7.7 }' >/dev/null 2>&1 ||
	    { bad "nft sets: most specific entry not deciding"; return 1; }
	# Several queues: a campus host's connections all go to one queue
	# (nfqd/kernel/rules.c steer_chains); nft's own steering rules parse, and on
	# this kernel fail only for want of nft_queue.
	mkconf "$T/f-q.conf" exceptions.conf "queues = 2-4"
	rules f -c "$T/f-q.conf" print >"$T/f-q.print" &&
	rules f -c "$T/f-q.conf" print --nft >"$T/f-q.nft" || { bad "print with queues = 2-4"; return 1; }
	# the campus end both ways, whatever conntrack says: no --ctdir
	grep -q '^-A NFQD-QUEUE -m set --match-set nfqd-int4 src -m set --match-set nfqd-int4 dst -j NFQUEUE --queue-balance 2:4 --queue-bypass$' "$T/f-q.print" &&
	grep -q '^-A NFQD-QUEUE -m set --match-set nfqd-int4 src -g NFQD-QSRC$' "$T/f-q.print" &&
	grep -q '^-A NFQD-QUEUE -m set --match-set nfqd-int6 dst -g NFQD-QDST$' "$T/f-q.print" &&
	! grep -q -- '--ctdir' "$T/f-q.print" &&
	grep -q '^-A NFQD-QSRC -m u32 --u32 "0xc&0xf=0xf" -j NFQUEUE --queue-num 2 --queue-bypass$' "$T/f-q.print" &&
	grep -q '^-A NFQD-QDST -m u32 --u32 "0x24&0xf=0x4" -j NFQUEUE --queue-num 3 --queue-bypass$' "$T/f-q.print" &&
	[ "$(grep -c '^-A NFQD-QSRC ' "$T/f-q.print")" = 32 ] ||
	    { bad "queues = 2-4: steering rules"; return 1; }
	nx f nft -c -f "$T/f-q.nft" >"$T/f-q.nft.out" 2>&1
	e=$(grep -c 'Error' "$T/f-q.nft.out")
	q=$(grep -A1 'Error: Could not process rule: No such file or directory' "$T/f-q.nft.out" |
	    grep -c -e 'queue flags bypass to jhash' -e 'queue num 2-4 bypass$')
	[ "$e" = "$q" ] || { bad "nft -c, queues = 2-4: $e errors, $q of them the queue's"; cat "$T/f-q.nft.out"; return 1; }
	sed 's/ queue flags bypass to jhash .*/ accept/; s/ queue num [0-9-]* bypass$/ accept/; s/^\(\t*\)queue num .*/\1accept/' "$T/f-q.nft" >"$T/f-q2.nft"
	nx f nft -c -f "$T/f-q2.nft" || { bad "nft -c, queues = 2-4, without the queue statements"; return 1; }
	# rules/nfqd.nft is this output for the sample (the ruleset part;
	# the exception elements depend on the day).
	(cd "$top" && "$RULES" -c nfqd/nfqd.conf print --nft) |
	    sed '/^# The exception sets/,$d' >"$T/f.gen"
	sed '/^# The exception sets/,$d' "$top/rules/nfqd.nft" >"$T/f.shipped"
	diff -u "$T/f.shipped" "$T/f.gen" ||
	    { bad "rules/nfqd.nft is stale: nfqd-rules -c nfqd/nfqd.conf print --nft >rules/nfqd.nft"; return 1; }
	delns f
}

# ---- 6. a failed ipset_sync leaves the live sets alone ----

t_syncfail() {
	san=""
	case $LIB in *asan*) san="-fsanitize=address,undefined -fno-sanitize-recover=all" ;; esac
	# shellcheck disable=SC2086
	# shellcheck disable=SC2046
	$CC -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror $san -I"$top/nfqd" -I"$top" \
	    -o "$T/sync_fail" "$here/sync_fail.c" "$LIB/libkernel.a" \
	    "$LIB/libpolicy.a" "$LIB/libbase.a" \
	    $(pkg-config --libs libpcap libcjson libmnl libnetfilter_queue libndpi libcap-ng libseccomp hiredis rdkafka) \
	    -lpthread ||
	    { bad "cannot build the helper"; return 1; }
	newns e || return 1
	nx e "$T/sync_fail" "$SAMPLE" good 2>>"$T/stderr.all" || { bad "good sync failed"; return 1; }
	set_state e >"$T/e.before"
	msg=$(nx e "$T/sync_fail" "$SAMPLE" bad 2>>"$T/stderr.all") ||
	    { bad "the bad sync succeeded: $msg"; return 1; }
	echo "ipset_sync: $msg"
	echo "$msg" | grep -q "^ipset restore failed (exit [0-9]*): .*33" ||
	    { bad "message does not carry ipset's: $msg"; return 1; }
	set_state e >"$T/e.after"
	diff -u "$T/e.before" "$T/e.after" || { bad "live sets changed"; return 1; }
	[ -z "$(nx e ipset list -n | grep -- -tmp)" ] || { bad "tmp sets left"; return 1; }
	# Through nfqd-rules: a set of the wrong type under one of our names.
	nx e ipset destroy nfqd-out6 && nx e ipset create nfqd-out6 hash:ip family inet6 &&
	set_state e >"$T/e.before2" || return 1
	msg=$(rules e -c "$SAMPLE" install 2>&1); r=$?
	echo "install: $msg"
	[ $r = 1 ] && echo "$msg" | grep -q "ipset restore failed .*same name already exists.*\[create nfqd-out6 hash:net" ||
	    { bad "wrong-type set: exit $r: $msg"; return 1; }
	set_state e >"$T/e.after2"
	diff -u "$T/e.before2" "$T/e.after2" || { bad "sets changed"; return 1; }
	[ -z "$(nx e ipset list -n | grep -- -tmp)" ] || { bad "tmp sets left"; return 1; }
	delns e
}

: >"$T/stderr.all"
run "1 install: chains, jumps, sets and their contents" t_install
run "2 install twice: same state, one jump each" t_twice
run "3 remove: nothing of nfqd left, foreign rules kept" t_remove
run "4 status and exit codes" t_status
run "5 degraded mode (no daemon): traffic through the router" t_degraded
run "6 failed ipset_sync leaves the live sets unchanged" t_syncfail
run "7 nfqd running: its verdicts through the same rules" t_live
run "8 print, print --nft and rules/nfqd.nft" t_print
run "9 quarantine: sets with timeouts, refused before exceptions" t_quarantine
run "10 harvest blocks: a set of its own, kept by syncs, refused to campus" t_harvest
if grep -q -e 'Sanitizer' -e 'runtime error:' "$T/stderr.all"; then
	echo "FAIL sanitizer reports:"
	grep -A5 -e 'Sanitizer' -e 'runtime error:' "$T/stderr.all" | head -40
	fail=$((fail + 1))
fi
echo "rules: $pass passed, $fail failed"
[ $fail = 0 ]
