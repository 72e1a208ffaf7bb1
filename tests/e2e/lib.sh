# tests/e2e/lib.sh: a throwaway campus in network namespaces, real SMTP
# servers and clients, and nfqd on the router between them.
#
# Sourced (bash) by tests/e2e/test_*.sh.  Everything it creates is named
# nfqdt-<pid>-* (namespaces) or lives in $T (/tmp/nfqdt-<pid>.XXXX) and is
# torn down by an EXIT/INT/TERM trap, pass or fail, unless KEEP=1.
#
#   campus side                     router                 Internet side
#   gw    10.20.1.25  ::20:1::25 --  r-gw  \                / r-mta -- mta 198.51.100.7  2001:db8:99::7
#   ws    10.20.3.44  ::20:3::44 --  r-ws   |  ip_forward  |
#   gen   10.20.5.10             --  r-gen  |  v4 + v6     |
#   old   10.20.7.7              --  r-old  |  iptables,   |
#   phys  10.20.8.15, 10.20.8.66 --  r-phys/   nfqd        \ r-cli -- cli 203.0.113.66  2001:db8:99::66
#
# One namespace per host (two addresses on phys), so that campus-to-campus
# and outside-to-outside traffic crosses the router too.  Every leaf
# namespace runs tests/e2e/smtpd.py on port 25 of its addresses.
#
# Knobs (environment): NFQD, NFQD_RULES (programs, default bin/ of the
# tree), KEEP=1 (leave namespaces, processes and $T for debugging),
# SMTP_TIMEOUT (swaks --timeout, default 5), E2E_VERBOSE=1,
# FASTPATH=off|tc|xdp (make_conf turns on the eBPF fast path on every
# router port; docs/fastpath.md), E2E_CONF_EXTRA (lines make_conf adds to
# every config; tests/valgrind/run.sh: seccomp = no), E2E_WAIT (the
# least a wait on the daemon's asynchronous work may take before it gives
# up, default 30 s; see wait_for).

set -u

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$E2E_DIR/../.." && pwd)
NFQD=${NFQD:-$TOP/bin/nfqd}
NFQD_RULES=${NFQD_RULES:-$TOP/bin/nfqd-rules}
case $NFQD in /*) ;; *) NFQD=$TOP/$NFQD ;; esac
case $NFQD_RULES in /*) ;; *) NFQD_RULES=$TOP/$NFQD_RULES ;; esac
PY=/usr/bin/python3		# Debian's, with python3-aiosmtpd (not pyenv's)
SMTP_TIMEOUT=${SMTP_TIMEOUT:-5}
KEEP=${KEEP:-0}
E2E_VERBOSE=${E2E_VERBOSE:-0}
E2E_WAIT=${E2E_WAIT:-30}
FASTPATH=${FASTPATH:-off}
ROUTER_PORTS="r-gw, r-ws, r-gen, r-old, r-phys, r-mta, r-cli"
export PATH="$PATH:/usr/sbin:/sbin"
. "$TOP/tests/reap.sh"

P="nfqdt-$$-"			# namespace prefix
R="${P}router"			# the router namespace
TEST_NAME=$(basename "$0" .sh)
T=""				# scratch dir, made by e2e_init
FAILS=0
NEXT_ID=0
NFQD_PID=""
STARTED_PIDS=()			# every background process this test started
NAMESPACES=()			# every namespace this test made
MOUNTS=()			# every mount this test made (under $T)

# The sample campus (nfqd/nfqd.conf + nfqd/exceptions.conf).
GW4=10.20.1.25			GW6=2001:db8:20:1::25	# exception both
WS4=10.20.3.44			WS6=2001:db8:20:3::44	# plain workstation
PHYS4=10.20.8.15					# 10.20.8.0/24 inbound
PHYS66=10.20.8.66					# outbound only
GEN4=10.20.5.10						# outbound
OLD4=10.20.7.7						# expired both
MTA4=198.51.100.7		MTA6=2001:db8:99::7	# outside MTA
CLI4=203.0.113.66		CLI6=2001:db8:99::66	# outside client

# Address -> host namespace (without the prefix).
declare -A HOST_NS=(
	[$GW4]=gw [$GW6]=gw [$WS4]=ws [$WS6]=ws [$GEN4]=gen [$OLD4]=old
	[$PHYS4]=phys [$PHYS66]=phys [$MTA4]=mta [$MTA6]=mta
	[$CLI4]=cli [$CLI6]=cli
)

# ---- reporting -------------------------------------------------------

say()	{ printf '%s\n' "$*"; }
vsay()	{ [ "$E2E_VERBOSE" = 1 ] && printf '    %s\n' "$*"; return 0; }
pass()	{ printf '  ok   %s\n' "$*"; }
fail()	{ printf '  FAIL %s\n' "$*"; FAILS=$((FAILS + 1)); }
# A failure after which the test cannot go on: report and stop (the trap
# tears everything down).
fatal()	{ printf '  FAIL %s\n' "$*"; FAILS=$((FAILS + 1)); exit 1; }
skip_test() { printf '  skip %s\n' "$*"; exit 77; }

# Last lines of a file, indented, for a failure report.
show_tail() {	# FILE [N] [LABEL]
	[ -s "$1" ] || return 0
	printf '    --- %s (last %s lines)\n' "${3:-$1}" "${2:-15}"
	tail -n "${2:-15}" "$1" | sed 's/^/    | /'
}

finish() {
	if [ "$FAILS" -gt 0 ]; then
		say "$TEST_NAME: $FAILS check(s) failed"
		exit 1
	fi
	exit 0
}

# ---- setup and teardown ----------------------------------------------

e2e_require() {
	[ "$(id -u)" = 0 ] || skip_test "not root (network namespaces need root)"
	local c missing=""
	for c in ip iptables ip6tables ipset conntrack swaks timeout; do
		command -v "$c" >/dev/null 2>&1 || missing="$missing $c"
	done
	"$PY" -c 'import aiosmtpd' 2>/dev/null || missing="$missing python3-aiosmtpd"
	perl -MIO::Socket::INET6 -e 1 2>/dev/null ||
	    missing="$missing libio-socket-inet6-perl"
	[ -z "$missing" ] ||
	    fatal "missing:$missing (run tools/deps.sh as root)"
}

# The test's event files ($T/*eve*.json, and a folder below: collectors'
# daily files too) against nfqd's schema (docs/eve-schema.json), Suricata's
# for Suricata's types (when ../shared has it), and the community_id of
# every connection event, recomputed (tools/eve-check.py).  A line cut by
# a stop or a full disk at a file's end is not an event; of a file with
# more than 4,000 events (test_soak's), the first of each type and an
# even spread of 4,000 are checked.  E2E_EVE_CHECK=0
# skips it; E2E_EVE_KEEP=DIR keeps a copy of the files there (the live
# examples of docs/events.md come from such copies: docs/eve-live.json).
e2e_eve_check() {
	local f files=() suri=$TOP/../shared/eve/suricata-schema.json
	[ "${E2E_EVE_CHECK:-1}" = 0 ] && return 0
	[ -n "$T" ] || return 0
	for f in "$T"/*eve*.json "$T"/*/*eve*.json "$T"/*/*/*eve*.json; do
		[ -s "$f" ] && files+=("$f")
	done
	[ ${#files[@]} -gt 0 ] || return 0
	if [ -n "${E2E_EVE_KEEP:-}" ] && mkdir -p "$E2E_EVE_KEEP"; then
		for f in "${files[@]}"; do
			cp "$f" "$E2E_EVE_KEEP/$TEST_NAME-${f##*/}"
		done
	fi
	set -- --nfqd "$TOP/docs/eve-schema.json"
	[ -f "$suri" ] && set -- "$@" --suricata "$suri"
	"$PY" "$TOP/tools/eve-check.py" --partial-last --max-events 4000 \
	    "$@" "${files[@]}" \
	    >"$T/eve-check.out" 2>&1 || return 1
	vsay "$(head -n 1 "$T/eve-check.out")"
}

# Kill what we started, delete our namespaces (which removes their veths,
# iptables rules, ipsets and conntrack tables), remove $T.
e2e_cleanup() {
	local rc=$? m
	trap - EXIT INT TERM
	if [ "$KEEP" = 1 ]; then
		say "KEEP=1: left namespaces ${NAMESPACES[*]:-none}"
		say "        scratch dir $T; processes ${STARTED_PIDS[*]:-none}"
		[ ${#MOUNTS[@]} -gt 0 ] && say "        mounts ${MOUNTS[*]} (umount them)"
		say "        enter: ip netns exec ${R} bash"
		say "        clean: $E2E_DIR/cleanup.sh $$"
		exit "$rc"
	fi
	# Every event the test's daemons wrote, as EVE consumers read it.
	if [ "$rc" = 0 ] && [ "$FAILS" = 0 ] && ! e2e_eve_check; then
		printf '  FAIL %s\n' "events not valid (tools/eve-check.py)"
		sed 's/^/    /' "$T/eve-check.out"
		rc=1
	fi
	if [ "$FAILS" -gt 0 ] || [ "$rc" != 0 ]; then
		[ -n "$T" ] && show_tail "$T/nfqd.err" 20 "nfqd stderr"
	fi
	# Our own children first, then anything still inside our namespaces.
	reap 0.1 "${STARTED_PIDS[@]}" $(jobs -p 2>/dev/null)
	for m in "${MOUNTS[@]}"; do umount -l "$m" 2>/dev/null; done
	[ -n "$T" ] && [ -d "$T" ] && rm -rf "$T"
	exit "$rc"
}

e2e_init() {
	e2e_require
	T=$(mktemp -d "/tmp/nfqdt-$$.XXXXXX") || fatal "mktemp failed"
	trap e2e_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	: >"$T/mail.log"
	: >"$T/nfqd.err"
}

ns_add() {	# SHORTNAME
	local ns="$P$1"
	# A leftover of an earlier process with our pid: ours to remove.
	ip netns del "$ns" 2>/dev/null
	ip netns add "$ns" || fatal "ip netns add $ns failed"
	NAMESPACES+=("$ns")
	ip -n "$ns" link set lo up
	# No DAD: addresses are usable at once (no tentative flakes).
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
	    net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.dad_transmits=0 \
	    net.ipv6.conf.default.dad_transmits=0 >/dev/null
}

# Link host namespace NAME to the router (router side r-NAME, host side
# eth0), with the router's v4 address, host addresses, and fe80::1 on the
# router side as the hosts' IPv6 default gateway.  ROUTER_V6 may be - (none:
# the hosts' /128 addresses get host routes instead).
link_host() {	# NAME ROUTER_V4/LEN HOST_V4/LEN... [-- ROUTER_V6/LEN|- HOST_V6/LEN...]
	local name=$1 rv4=$2 hns="$P$1" a
	shift 2
	# VETH_QUEUES=N (bench/fastpath.sh): N queues each way, as a NIC's
	# RSS queues, so that native XDP runs on as many CPUs as send.
	# shellcheck disable=SC2086
	ip -n "$R" link add "r-$name" ${VETH_QUEUES:+numtxqueues $VETH_QUEUES numrxqueues $VETH_QUEUES} \
	    type veth peer name eth0 ${VETH_QUEUES:+numtxqueues $VETH_QUEUES numrxqueues $VETH_QUEUES} \
	    netns "$hns" || fatal "veth r-$name failed"
	ip -n "$R" addr add "$rv4" dev "r-$name"
	ip -n "$R" addr add fe80::1/64 dev "r-$name" nodad
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		ip -n "$hns" addr add "$1" dev eth0
		shift
	done
	[ $# -gt 0 ] && shift
	if [ $# -gt 0 ]; then
		[ "$1" = - ] || ip -n "$R" addr add "$1" dev "r-$name" nodad
		shift
	fi
	for a in "$@"; do
		ip -n "$hns" addr add "$a" dev eth0 nodad
	done
	ip -n "$R" link set "r-$name" up
	ip -n "$hns" link set eth0 up
	for a in "$@"; do
		# A /128 host address: the router needs a host route to it.
		case $a in
		*/128) ip -n "$R" -6 route add "$a" dev "r-$name" ||
		    fatal "route to $a failed" ;;
		esac
	done
	ip -n "$hns" route add default via "${rv4%/*}" dev eth0
	ip -n "$hns" -6 route add default via fe80::1 dev eth0
}

topo_up() {
	local n
	ns_add router
	ip netns exec "$R" sysctl -qw net.ipv4.ip_forward=1 \
	    net.ipv6.conf.all.forwarding=1 net.ipv6.conf.default.forwarding=1 \
	    >/dev/null || fatal "cannot turn on forwarding in $R"
	for n in gw ws gen old phys mta cli; do ns_add "$n"; done
	link_host gw   10.20.1.1/24 "$GW4/24" -- 2001:db8:20:1::1/64 "$GW6/64"
	link_host ws   10.20.3.1/24 "$WS4/24" -- 2001:db8:20:3::1/64 "$WS6/64"
	link_host gen  10.20.5.1/24 "$GEN4/24"
	link_host old  10.20.7.1/24 "$OLD4/24"
	link_host phys 10.20.8.1/24 "$PHYS4/24" "$PHYS66/24"
	# 2001:db8:99::7 and ::66 share a /64 but sit behind different router
	# ports: /128 host addresses with host routes on the router.
	link_host mta  198.51.100.1/24 "$MTA4/24" -- - "$MTA6/128"
	link_host cli  203.0.113.1/24 "$CLI4/24" -- - "$CLI6/128"
	vsay "topology up: ${NAMESPACES[*]}"
}

# Start PROGRAM ARGS... in namespace NS (full name) in the background;
# its pid (ip netns exec execs, so it is the program's pid) in $BG_PID.
bg_ns() {	# NS OUT ERR PROGRAM ARGS...
	local ns=$1 out=$2 err=$3
	shift 3
	ip netns exec "$ns" "$@" >>"$out" 2>>"$err" &
	BG_PID=$!
	STARTED_PIDS+=("$BG_PID")
}

# SMTP servers in the host namespaces NAME... (default: all seven), with
# SMTPD_ARGS (e.g. --tls-cert/--tls-key) added to smtpd.py's arguments.
servers_up() {
	local name addrs ready hosts=${*:-gw ws gen old phys mta cli}
	local -A spid=()
	for name in $hosts; do
		addrs=""
		for a in "${!HOST_NS[@]}"; do
			[ "${HOST_NS[$a]}" = "$name" ] && addrs="$addrs $a"
		done
		# shellcheck disable=SC2086
		bg_ns "$P$name" "$T/smtpd-$name.log" "$T/smtpd-$name.log" \
		    "$PY" "$E2E_DIR/smtpd.py" --log "$T/mail.log" \
		    --ready "$T/smtpd-$name.ready" ${SMTPD_ARGS:-} $addrs
		spid[$name]=$BG_PID
	done
	for _ in $(seq 1 100); do	# 10 s at most
		ready=1
		for name in $hosts; do
			[ -s "$T/smtpd-$name.ready" ] && continue
			ready=0
			kill -0 "${spid[$name]}" 2>/dev/null && continue
			show_tail "$T/smtpd-$name.log" 10 "smtpd $name"
			fatal "SMTP server in $P$name exited"
		done
		[ $ready = 1 ] && { vsay "SMTP servers listening"; return 0; }
		sleep 0.1
	done
	for name in $hosts; do
		[ -s "$T/smtpd-$name.ready" ] ||
		    show_tail "$T/smtpd-$name.log" 10 "smtpd $name"
	done
	fatal "SMTP servers not listening after 10 s"
}

# The usual start: fresh topology with servers.
e2e_setup() {
	e2e_init
	topo_up
	servers_up
}

# ---- SMTP: real deliveries ------------------------------------------

ns_of() {	# ADDR -> full namespace name
	local n=${HOST_NS[$1]:-}
	[ -n "$n" ] || fatal "no test host has address $1"
	printf '%s%s' "$P" "$n"
}

bracket() { case $1 in *:*) printf '[%s]' "$1" ;; *) printf '%s' "$1" ;; esac; }

# One swaks session SRC -> DST:25 with envelope sender e2e-<pid>-<id>@...
# Output in $T/swaks-<id>.log; returns swaks' exit status (bounded by
# timeout(1) as well as swaks' own --timeout).
attempt() {	# ID SRC DST
	local id=$1 src=$2 dst=$3 ns
	ns=$(ns_of "$src") || return 99
	timeout -k 2 $((SMTP_TIMEOUT * 4 + 5)) \
	    ip netns exec "$ns" swaks --server "$(bracket "$dst"):25" \
	    --local-interface "$(bracket "$src")" \
	    --from "e2e-$$-$id@sender.e2e.test" --to "postmaster@e2e.test" \
	    --helo "h$id.e2e.test" --header "Subject: e2e $id $src -> $dst" \
	    --timeout "$SMTP_TIMEOUT" >"$T/swaks-$id.log" 2>&1
}

# Did message ID arrive, from SRC at DST?  0 yes, 1 no, 2 yes but the
# addresses are wrong (a harness bug: source selection or routing).
in_maillog() {	# ID SRC DST
	"$PY" "$E2E_DIR/check.py" maillog "$T/mail.log" \
	    "e2e-$$-$1@sender.e2e.test" "$2" "$3"
}

new_id() { NEXT_ID=$((NEXT_ID + 1)); ID=$NEXT_ID; }

# deliver SRC DST: 0 when the message reached the server's log.
deliver() {
	local src=$1 dst=$2 rc
	new_id
	attempt "$ID" "$src" "$dst"
	rc=$?
	in_maillog "$ID" "$src" "$dst"
	case $? in
	0) return 0 ;;
	2) say "    (message $ID arrived with wrong addresses)"; return 1 ;;
	esac
	vsay "message $ID not delivered (swaks exit $rc)"
	return 1
}

# refused SRC DST: 0 when swaks failed AND the server did not log it.
refused() {
	local src=$1 dst=$2 rc
	new_id
	attempt "$ID" "$src" "$dst"
	rc=$?
	in_maillog "$ID" "$src" "$dst"
	[ $? = 1 ] && [ $rc != 0 ]
}

# Run many cases at once (a dropped SYN costs SMTP_TIMEOUT seconds; in
# parallel the whole batch costs that once).  Reads lines on stdin:
#     deliver|refused SRC DST [DIRECTION] [# comment]
# Reports each with pass/fail; appends "TAG ID KIND SRC DST DIRECTION" to
# $T/attempts for the event checks.
run_cases() {	# TAG < cases
	local tag=$1 kind src dst dir rest i
	local -a ids=() kinds=() srcs=() dsts=() pids=()
	while read -r kind src dst dir rest; do
		case $kind in ''|'#'*) continue ;; esac
		case $dir in ''|'#'*) dir=- ;; esac
		new_id
		( attempt "$ID" "$src" "$dst"; echo $? >"$T/rc-$ID" ) &
		pids+=($!)
		ids+=("$ID") kinds+=("$kind") srcs+=("$src") dsts+=("$dst")
		printf '%s %s %s %s %s %s\n' "$tag" "$ID" "$kind" "$src" \
		    "$dst" "$dir" >>"$T/attempts"
	done
	for i in "${pids[@]}"; do wait "$i"; done
	for i in "${!ids[@]}"; do
		local id=${ids[$i]} rc got desc
		rc=$(cat "$T/rc-$id" 2>/dev/null || echo 99)
		in_maillog "$id" "${srcs[$i]}" "${dsts[$i]}"
		got=$?
		desc="${kinds[$i]} ${srcs[$i]} -> ${dsts[$i]}"
		case ${kinds[$i]} in
		deliver)
			if [ $got = 0 ]; then pass "$tag: $desc"
			else
				fail "$tag: $desc (swaks exit $rc, in server log: $([ $got = 2 ] && echo 'wrong addresses' || echo no))"
				show_tail "$T/swaks-$id.log" 6 "swaks $id"
			fi ;;
		refused)
			if [ $got = 1 ] && [ "$rc" != 0 ]; then pass "$tag: $desc"
			else
				fail "$tag: $desc (swaks exit $rc, in server log: $([ $got = 1 ] && echo no || echo YES))"
				show_tail "$T/swaks-$id.log" 6 "swaks $id"
			fi ;;
		*) fail "bad case kind ${kinds[$i]}" ;;
		esac
	done
}

# ---- nfqd and nfqd-rules on the router -------------------------------

# A copy of the sample config in $T/conf (or DIR) with events to EVE.
make_conf() {	# [DIR] [EVE]  -> sets CONF, EXC
	local dir=${1:-$T/conf} eve=${2:-$T/eve.json}
	mkdir -p "$dir"
	# The sample's entries as the tests know them, whatever today is: the
	# physics /24 and genomics stay in force (a year or two from today),
	# the conference server stays expired.
	sed -e "/^10\.20\.8\.0\/24 /s/expires=[0-9-]*/expires=$(date -d '+2 years' +%F)/" \
	    -e "/^10\.20\.5\.10 /s/expires=[0-9-]*/expires=$(date -d '+1 year' +%F)/" \
	    "$TOP/nfqd/exceptions.conf" >"$dir/exceptions.conf"
	# The sample ships mode = monitor (monitor first); tests enforce.
	sed -e "s|^[[:space:]]*events[[:space:]]*=.*|events = file:$eve|" \
	    -e "s|^[[:space:]]*exceptions[[:space:]]*=.*|exceptions = $dir/exceptions.conf|" \
	    -e "s|^mode = monitor\$|mode = enforce|" \
	    "$TOP/nfqd/nfqd.conf" >"$dir/nfqd.conf"
	grep -q "^events = file:$eve" "$dir/nfqd.conf" ||
	    echo "events = file:$eve" >>"$dir/nfqd.conf"
	# The control socket and the quarantine state in the scratch folder,
	# never the host's /run/nfqd or /var/lib/nfqd.
	printf 'control-socket = %s/control.sock\nstate-dir = %s/state\n' \
	    "$dir" "$dir" >>"$dir/nfqd.conf"
	# Lines every test's config gets (tests/valgrind/run.sh: seccomp = no).
	[ -z "${E2E_CONF_EXTRA:-}" ] ||
	    printf '%s\n' "$E2E_CONF_EXTRA" >>"$dir/nfqd.conf"
	if [ "$FASTPATH" != off ]; then
		printf 'fastpath = %s\nfastpath-interfaces = %s\n' \
		    "$FASTPATH" "$ROUTER_PORTS" >>"$dir/nfqd.conf"
	fi
	CONF=$dir/nfqd.conf
	EXC=$dir/exceptions.conf
	SOCK=$dir/control.sock
	STATE=$dir/state
}

# The queue numbers CONF binds (queues = N or N-M; default 0).
conf_queues() {	# CONF
	local q lo hi
	q=$(sed -n 's/^[[:space:]]*queues[[:space:]]*=[[:space:]]*\([0-9-]*\).*/\1/p' "$1" | tail -n 1)
	[ -n "$q" ] || q=0
	lo=${q%-*} hi=${q#*-}
	seq "$lo" "$hi"
}

# Queues of CONF bound in the router (per /proc/net/netfilter/nfnetlink_queue).
queues_bound() {	# CONF -> 0 if every queue is bound
	local q table
	table=$(ip netns exec "$R" cat /proc/net/netfilter/nfnetlink_queue 2>/dev/null)
	for q in $(conf_queues "$1"); do
		printf '%s\n' "$table" | awk -v q="$q" '$1 == q { f = 1 } END { exit !f }' ||
		    return 1
	done
	return 0
}

queues_unbound() {	# CONF -> 0 if no queue of CONF is bound
	local q table
	table=$(ip netns exec "$R" cat /proc/net/netfilter/nfnetlink_queue 2>/dev/null)
	for q in $(conf_queues "$1"); do
		printf '%s\n' "$table" | awk -v q="$q" '$1 == q { f = 1 } END { exit !f }' &&
		    return 1
	done
	return 0
}

rules_install() {	# CONF
	[ -x "$NFQD_RULES" ] || fatal "$NFQD_RULES is not built (make)"
	if ! timeout 30 ip netns exec "$R" "$NFQD_RULES" -c "$1" install \
	    >"$T/rules-install.log" 2>&1; then
		show_tail "$T/rules-install.log" 20 "nfqd-rules install"
		fatal "nfqd-rules -c $1 install failed"
	fi
	vsay "rules installed"
	if [ "$E2E_VERBOSE" = 1 ]; then
		ip netns exec "$R" iptables-save | sed 's/^/    | /'
	fi
}

rules_dump() {	# for a failure report
	{
		echo "== nfqd-rules status"
		timeout 10 ip netns exec "$R" "$NFQD_RULES" -c "${CONF:-/dev/null}" status 2>&1
		echo "== iptables-save"; ip netns exec "$R" iptables-save -c 2>&1
		echo "== ip6tables-save"; ip netns exec "$R" ip6tables-save -c 2>&1
		echo "== ipset list"; ip netns exec "$R" ipset list 2>&1
		echo "== nfnetlink_queue"
		ip netns exec "$R" cat /proc/net/netfilter/nfnetlink_queue 2>&1
	} >"$T/rules-dump.txt" 2>&1
	show_tail "$T/rules-dump.txt" 80 "router netfilter state"
}

# Start nfqd -c CONF in the router; wait (bounded) until its queues are
# bound.  Fails the test at once, with nfqd's stderr, if it exits first.
nfqd_start() {	# CONF [WAIT_SECONDS]
	local conf=$1 wait=${2:-0} i rc end
	[ -x "$NFQD" ] || fatal "$NFQD is not built (make)"
	[ "$wait" -ge "$E2E_WAIT" ] || wait=$E2E_WAIT	# a cap: see wait_for
	end=$(( $(date +%s) + wait ))
	echo "--- nfqd start $(date +%T.%N)" >>"$T/nfqd.err"
	local from
	from=$(wc -l <"$T/nfqd.err")
	bg_ns "$R" "$T/nfqd.out" "$T/nfqd.err" "$NFQD" -c "$conf"
	NFQD_PID=$BG_PID
	for ((i = 1; ; i++)); do
		[ "$(date +%s)" -ge "$end" ] && break
		if ! kill -0 "$NFQD_PID" 2>/dev/null; then
			wait "$NFQD_PID"
			rc=$?
			NFQD_PID=""
			fatal "nfqd exited (status $rc) before binding queue(s) $(conf_queues "$conf" | xargs)"
		fi
		# With a fast path: also until it is attached (or refused).
		if queues_bound "$conf" && { ! grep -q '^fastpath *= *[tx]' \
		    "$conf" || tail -n +"$from" "$T/nfqd.err" |
		    grep -q 'fastpath: .* on \|falling back'; }; then
			vsay "nfqd $NFQD_PID bound its queue(s) after ${i}00 ms"
			return 0
		fi
		sleep 0.1
	done
	fatal "nfqd did not bind queue(s) $(conf_queues "$conf" | xargs) within ${wait} s"
}

# Stop nfqd with SIGNAL (default TERM), bounded; NFQD_RC gets its status.
nfqd_stop() {	# [SIGNAL] [WAIT_SECONDS]
	local sig=${1:-TERM} wait=${2:-10}
	NFQD_RC=""
	[ -n "$NFQD_PID" ] || return 0
	kill -"$sig" "$NFQD_PID" 2>/dev/null
	for _ in $(seq 1 $((wait * 10))); do
		kill -0 "$NFQD_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$NFQD_PID" 2>/dev/null; then
		kill -KILL "$NFQD_PID" 2>/dev/null
		wait "$NFQD_PID" 2>/dev/null
		NFQD_RC=timeout
		NFQD_PID=""
		return 1
	fi
	wait "$NFQD_PID" 2>/dev/null
	NFQD_RC=$?
	NFQD_PID=""
	return 0
}

nfqd_alive() { [ -n "$NFQD_PID" ] && kill -0 "$NFQD_PID" 2>/dev/null; }

# Is $NFQD the ASan build?  Its RSS then holds ASan's quarantine of freed
# memory (up to 256 MB, filled by every allocation, freed or not), so a
# check that RSS stays flat measures ASan, not nfqd: the plain build's run
# of the same test makes it.  Leaks are LeakSanitizer's and valgrind's.
nfqd_is_asan() { readelf -s "$NFQD" 2>/dev/null | grep -q __asan_init; }

# Wait (bounded) until CONF's queues are no longer bound.
wait_unbound() {	# CONF [SECONDS]
	wait_for "${2:-0}" queues_unbound "$1"
}

# A trafgen(8) configuration: SYNs cli -> r-cli, from 203.0.113.LO-HI
# (one after the other) and random ports, to WS4:25 (test_fastpath.sh,
# bench/fastpath.sh).
trafgen_syns() {	# LO HI
	local da sa
	da=$(ip -n "$R" link show r-cli | awk '/link\/ether/ { print $2 }')
	sa=$(ip -n "${P}cli" link show eth0 | awk '/link\/ether/ { print $2 }')
	hx() { printf '0x%s' "$1" | sed 's/:/, 0x/g'; }
	cat <<CFG
{ $(hx "$da"), $(hx "$sa"), 0x08, 0x00,
  0x45, 0x00, 0x00, 0x28, 0x00, 0x00, 0x40, 0x00, 0x40, 0x06, csumip(14, 33),
  203, 0, 113, dinc($1, $2), $(printf '%s' "$WS4" | tr . ,),
  drnd(2), 0x00, 0x19, drnd(4), 0x00, 0x00, 0x00, 0x00,
  0x50, 0x02, 0xfa, 0xf0, csumtcp(14, 34), 0x00, 0x00 }
CFG
}

# What the daemon does asynchronously (an event written, a stats snapshot,
# a reconnect, a reload) is waited for, never slept on: poll COMMAND every
# 0.1 s until it succeeds, until a deadline on the clock (a loaded machine
# stretches every poll, so a count of polls is no bound).  The cap is
# generous, at least E2E_WAIT: only a real failure reaches it, and a
# passing test never waits for it.  0 once COMMAND succeeded, 1 at the cap.
wait_for() {	# SECONDS COMMAND [ARGS...]
	local secs=$1 end
	shift
	[ "$secs" -ge "$E2E_WAIT" ] 2>/dev/null || secs=$E2E_WAIT
	end=$(( $(date +%s) + secs ))
	until "$@"; do
		[ "$(date +%s)" -ge "$end" ] && return 1
		sleep 0.1
	done
	return 0
}

# Number of EVE lines that are events of TYPE (0 if none / no file).
eve_count() {	# EVE TYPE [KEY=VALUE ...]
	"$PY" "$E2E_DIR/check.py" count "$@"
}

# Wait (bounded: wait_for) until eve_count EVE TYPE ... >= N.
eve_at_least() { [ "$(eve_count "${@:2}")" -ge "$1" ]; }
eve_wait() {	# SECONDS N EVE TYPE [KEY=VALUE ...]
	wait_for "$1" eve_at_least "${@:2}"
}

# The entry NAME of nfqd_stats.sinks in EVE's last nfqd_stats event, printed; 0
# when the Python expression EXPR over it (s) holds.
eve_sink_stat() {	# EVE NAME EXPR
	"$PY" - "$E2E_DIR" "$@" <<'PY'
import sys
sys.path.insert(0, sys.argv.pop(1))
from check import get, load_jsonl	# a line nfqd is writing: unparsable
last = None
for e in load_jsonl(sys.argv[1]):
    if get(e, "nfqd_stats.sinks") is not None:
        last = e["nfqd_stats"]["sinks"]
s = [k for k in (last or []) if k["name"] == sys.argv[2]]
print("    %s: %s" % (sys.argv[2], s[0] if s else None))
sys.exit(0 if s and eval(sys.argv[3], {}, {"s": s[0]}) else 1)
PY
}

# One policy event per attempt of TAG in $T/attempts, with the action
# (allowed for deliver, blocked for refused) and direction of the case.
eve_check_attempts() {	# EVE TAG
	"$PY" "$E2E_DIR/check.py" policy "$1" "$T/attempts" "$2"
}

# ---- faults: what the test_fault_*.sh tests share ---------------------

NFQCTL=${NFQCTL:-$TOP/bin/nfqctl}
case $NFQCTL in /*) ;; *) NFQCTL=$TOP/$NFQCTL ;; esac

# Set KEY = VALUE in CONF (default $CONF), replacing any earlier setting.
conf_set() {	# KEY VALUE [CONF]
	local conf=${3:-$CONF}
	sed -i "/^[[:space:]]*$1[[:space:]]*=/d" "$conf"
	printf '%s = %s\n' "$1" "$2" >>"$conf"
}

# nfqctl -c $CONF ARGS... against the running daemon (its control socket
# is a path, reachable from any namespace); answer in $T/ctl.json.
ctl_query() {
	timeout 10 "$NFQCTL" -c "$CONF" "$@" >"$T/ctl.json" 2>"$T/ctl.err"
}

# One value of `nfqctl status` by dotted key ("null" if not there).
status_get() {	# KEY
	ctl_query status
	"$PY" "$E2E_DIR/check.py" get "$T/ctl.json" "$1"
}

# Send SIGHUP and wait (bounded: wait_for) for one more reload event with
# STATUS (ok or failed) in EVE.
reloads_above() {	# N EVE STATUS
	[ "$("$PY" "$E2E_DIR/check.py" reload "$2" "$3")" -gt "$1" ]
}
nfqd_hup() {	# STATUS [EVE] [SECONDS]
	local eve=${2:-$T/eve.json} n
	n=$("$PY" "$E2E_DIR/check.py" reload "$eve" "$1")
	kill -HUP "$NFQD_PID" 2>/dev/null || return 1
	wait_for "${3:-0}" reloads_above "$n" "$eve" "$1"
}

# deliver_loop TAG SRC DST N: N deliveries one after the other, in the
# background (pid in LOOP_PID); each appends "ok ID" or "FAIL ID" to
# $T/loop-TAG and its case to $T/attempts (for eve_check_attempts).  Its
# message ids are its own (10000 above ours).
deliver_loop() {	# TAG SRC DST N
	local tag=$1 src=$2 dst=$3 n=$4
	: >"$T/loop-$tag"
	NEXT_ID=$((NEXT_ID + 10000))
	(
		for _ in $(seq 1 "$n"); do
			if deliver "$src" "$dst"; then echo "ok $ID"
			else echo "FAIL $ID"; fi >>"$T/loop-$tag"
			echo "$tag $ID deliver $src $dst -" >>"$T/attempts"
		done
	) &
	LOOP_PID=$!
	STARTED_PIDS+=("$LOOP_PID")
	NEXT_ID=$((NEXT_ID + 10000))
}

# Wait (bounded) for deliver_loop TAG to end; pass if all N arrived.
deliver_loop_check() {	# TAG N [SECONDS]
	local tag=$1 n=$2 ok
	for _ in $(seq 1 $((${3:-60} * 10))); do
		kill -0 "$LOOP_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$LOOP_PID" 2>/dev/null && { kill "$LOOP_PID"; fail "$tag: deliveries still running after ${3:-60} s"; return 1; }
	ok=$(grep -c '^ok ' "$T/loop-$tag")
	if [ "$ok" = "$n" ]; then
		pass "$tag: $ok of $n deliveries arrived"
	else
		fail "$tag: $ok of $n deliveries arrived"
		return 1
	fi
}

# nfqd's resident set size in kB.
nfqd_rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$NFQD_PID/status" 2>/dev/null; }

# A column of queue Q in the router's /proc/net/netfilter/nfnetlink_queue:
# total (waiting for a verdict), dropped (queue full), user_dropped
# (netlink socket full), seq (the last packet id: packets queued so far).
# Empty when nobody is bound to Q.
nfq_proc() {	# Q FIELD
	local col
	case $2 in total) col=3 ;; dropped) col=6 ;; user_dropped) col=7 ;;
	seq) col=8 ;; *) fatal "nfq_proc: no field $2" ;; esac
	ip netns exec "$R" cat /proc/net/netfilter/nfnetlink_queue |
	    awk -v q="$1" -v c="$col" '$1 == q { print $c }'
}

# Packets counted by the rules of CHAIN (TABLE, in namespace NS, iptables
# or ip6tables) whose iptables-save text matches the extended regex RE.
ipt_pkts() {	# NS iptables|ip6tables TABLE CHAIN RE
	ip netns exec "$1" "$2-save" -c -t "$3" |
	    awk -v ch="-A $4 " -v re="$5" 'index($0, ch) && $0 ~ re {
		c = $1; sub(/^./, "", c); split(c, a, ":"); n += a[1] }
		END { print n + 0 }'
}

# Wait (bounded) until nfqd's counters (a snapshot a second) have every
# packet the kernel queued to queue 0; NFQD_SEEN gets that count.
nfqd_caught_up() {
	local seq
	seq=$(nfq_proc 0 seq)
	NFQD_SEEN=$(status_get stats.decoder.pkts)
	[ -n "$seq" ] && [ "$NFQD_SEEN" = "$seq" ]
}
nfqd_settle() {	# [SECONDS]
	wait_for "${1:-0}" nfqd_caught_up
}

# A TCP listener on 127.0.0.1:PORT in the router that accepts and never
# reads: a collector that has stopped draining (its window closes).
tcp_blackhole() {	# PORT
	bg_ns "$R" "$T/blackhole.log" "$T/blackhole.log" "$PY" -c '
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(8)
held = []
while True:
    c, _ = s.accept()
    held.append(c)		# never read
' "$1"
	BLACKHOLE_PID=$BG_PID
	for _ in $(seq 50); do
		ip netns exec "$R" ss -Htln "sport = :$1" | grep -q . && return 0
		sleep 0.1
	done
	fatal "no listener on 127.0.0.1:$1 in the router"
}

# syn_burst SRCNS DST COUNT RATE [OCTET]: COUNT TCP SYNs to DST:25 (IPv4)
# from spoofed sources OCTET.x.y.z (random x, y, z, source port and
# sequence; OCTET default 198), sent by trafgen (netsniff-ng) on SRCNS's
# eth0 at RATE packets a second, straight to the router's MAC.  A fixed
# count, so the load is bounded; the seed is fixed, so runs repeat.
syn_burst() {	# SRCNS DST COUNT RATE [OCTET]
	local ns=$P$1 dst=$2 n=$3 rate=$4 o=${5:-198} rmac smac d
	rmac=$(ip -n "$R" link show "r-$1" | awk '/ether/ { print $2 }')
	smac=$(ip -n "$ns" link show eth0 | awk '/ether/ { print $2 }')
	[ -n "$rmac" ] && [ -n "$smac" ] || fatal "syn_burst: no MAC on r-$1 or $ns"
	d=$(printf '%s' "$dst" | tr . ,)
	cat >"$T/syn.trafgen" <<TG
{
  0x${rmac//:/, 0x}, 0x${smac//:/, 0x}, 0x08, 0x00,
  0x45, 0x00, 0x00, 0x28, drnd(2), 0x40, 0x00, 0x40, 0x06, csumip(14, 33),
  $o, drnd(3), $d,
  drnd(2), 0x00, 0x19, drnd(4), 0x00, 0x00, 0x00, 0x00,
  0x50, 0x02, 0x40, 0x00, csumtcp(14, 34), 0x00, 0x00,
}
TG
	timeout $((n / rate + 60)) ip netns exec "$ns" trafgen -o eth0 \
	    -i "$T/syn.trafgen" -n "$n" -b "${rate}pps" -E 4242 -q \
	    >"$T/trafgen.log" 2>&1 ||
	    { show_tail "$T/trafgen.log" 5 trafgen; fail "trafgen failed"; return 1; }
}

# A SIZE tmpfs at DIR (under $T), unmounted by the teardown.
tmpfs_mount() {	# DIR SIZE
	mkdir -p "$1"
	mount -t tmpfs -o "size=$2,mode=0755" "nfqdt-$$" "$1" ||
	    fatal "cannot mount a tmpfs on $1"
	MOUNTS+=("$1")
}
