#!/bin/bash
# Fault: evasion attempts, decided exactly as the plain case.  Hand-made
# connection attempts (craft.py: a SYN, then three data segments whose
# sequence ranges overlap) from an allowed sender (the gateway) and a
# refused one (the workstation) to the outside MTA's port 25, over IPv4
# and IPv6, with the SYN shaped: plain; IPv4 options; IPv4 fragments (the
# TCP header cut in three); IPv6 hop-by-hop + destination options; an
# IPv6 atomic fragment; IPv6 fragments, the first with the whole TCP
# header and without (RFC 8200 forbids that); an IPv6 chain of ten
# extension headers.  For each: what reaches the MTA (counted by its own firewall)
# is what reaches it in the plain case -- all four packets allowed, none
# refused; but a SYN whose first fragment is too small to read is refused
# even from the allowed sender -- and nfqd logs one policy event for it,
# with the plain case's action.  IPv6 is decided like IPv4: the same hosts, the same answers;
# and a campus listed in IPv4 only is warned about (its IPv6 is transit).
. "$(dirname "$0")/lib.sh"
e2e_setup
make_conf
EVE=$T/eve.json
rules_install "$CONF"
nfqd_start "$CONF"
mta=$P"mta"
for h in gw ws; do
	# The senders' kernels have no socket for these: keep their RSTs in.
	ip netns exec "$P$h" iptables -A OUTPUT -p tcp --dport 25 --tcp-flags RST RST -j DROP
	ip netns exec "$P$h" ip6tables -A OUTPUT -p tcp --dport 25 --tcp-flags RST RST -j DROP
done

sport=41000
declare -a FLOWS=()		# "sport src dst shape want(allowed|blocked)"
attempt_shape() {	# SRC DST SHAPE WANT
	local src=$1 dst=$2 shape=$3 want=$4 ns h ipt=iptables
	ns=$(ns_of "$src") h=${ns#"$P"}
	sport=$((sport + 1))
	case $dst in *:*) ipt=ip6tables ;; esac
	ip netns exec "$mta" "$ipt" -A INPUT -s "$src" -p tcp --sport "$sport" \
	    --dport 25 -m comment --comment "ev-$sport"
	craft() {
		ip netns exec "$ns" "$PY" "$E2E_DIR/craft.py" --dev eth0 \
		    --dmac "$(ip -n "$R" link show "r-$h" | awk '/ether/ { print $2 }')" \
		    --src "$src" --dst "$dst" --sport "$sport" --shape "$shape" \
		    --part "$1" >>"$T/craft.log" 2>&1 ||
		    fail "craft.py $1 $shape $src -> $dst failed"
	}
	local s0
	s0=$(nfq_proc 0 seq)
	craft syn
	# The data segments only once the SYN is decided (nfqd's event; a
	# tiny first fragment, which nfqd cannot read and leaves to the
	# kernel, writes none: the queue's verdict on it): on a loaded
	# machine, sent while the SYN was still queued, they once raced it
	# through conntrack and were lost (1 run in about 7).
	if [ "$shape" = tinyfrag ]; then
		wait_for 30 queue_verdicts_since "$s0" ||
		    fail "$shape $src -> $dst: the SYN not queued and answered within ${E2E_WAIT} s"
	else eve_wait 30 1 "$EVE" policy src_port="$sport" ||
	    fail "$shape $src -> $dst: the SYN not decided within ${E2E_WAIT} s"
	fi
	craft data
	FLOWS+=("$sport $src $dst $shape $want")
}

# Queue 0 took a packet after SEQ, and none waits for a verdict.
queue_verdicts_since() {	# SEQ
	[ "$(nfq_proc 0 seq)" -gt "$1" ] && [ "$(nfq_proc 0 total)" = 0 ]
}
# Every attempt decided (its policy event), every allowed one's 4 packets
# at the MTA, and nfqd has read all the kernel queued: then the counts are
# final (a blocked attempt's packets, dropped, are never waited for).
all_settled() {
	local f sp src dst shape want ipt n
	for f in "${FLOWS[@]}"; do
		read -r sp src dst shape want <<<"$f"
		[ "$(eve_count "$EVE" policy src_port="$sp")" -ge 1 ] || return 1
		[ "$want" = allowed ] || continue
		ipt=iptables; case $dst in *:*) ipt=ip6tables ;; esac
		n=4; [ "$shape" = tinyfrag ] && n=3	# its SYN refused, below
		[ "$(ipt_pkts "$mta" "$ipt" filter INPUT "ev-$sp")" -ge $n ] || return 1
	done
	[ "$(nfq_proc 0 total)" = 0 ] && nfqd_caught_up
}

for shape in plain ipopt frag; do
	attempt_shape "$GW4" "$MTA4" $shape allowed
	attempt_shape "$WS4" "$MTA4" $shape blocked
done
for shape in plain ext atomic frag tinyfrag long; do
	attempt_shape "$GW6" "$MTA6" $shape allowed
	attempt_shape "$WS6" "$MTA6" $shape blocked
done
wait_for 30 all_settled || fail "not every attempt decided and delivered within ${E2E_WAIT} s"
declare -A PLAIN=()
for f in "${FLOWS[@]}"; do
	read -r sp src dst shape want <<<"$f"
	ipt=iptables; case $dst in *:*) ipt=ip6tables ;; esac
	got=$(ipt_pkts "$mta" "$ipt" filter INPUT "ev-$sp")
	key="$src $dst"
	[ "$shape" = plain ] && PLAIN[$key]=$got
	ev=$(eve_count "$EVE" policy src_port="$sp")
	act=$("$PY" "$E2E_DIR/check.py" count "$EVE" policy src_port="$sp" policy.action="$want")
	desc="$shape $src -> $dst ($want)"
	exp=${PLAIN[$key]}
	want_got=0
	[ "$want" = allowed ] && want_got=4
	# A SYN nfqd cannot read is refused (below): the allowed sender's
	# data segments alone arrive, decided as its connection.
	[ "$shape" = tinyfrag ] && [ "$want" = allowed ] && exp=3 want_got=3
	if [ "$got" = "$exp" ] && [ "$got" = $want_got ]; then
		pass "$desc: $got of 4 packets reached the MTA, as expected"
	else
		fail "$desc: $got of 4 packets reached the MTA (expected $want_got)"
	fi
	[ "$ev" = 1 ] && [ "$act" = 1 ] && pass "$desc: one policy event, $want" ||
	    fail "$desc: $ev policy event(s), $act of them $want"
done
# The kernel queues an IPv6 first fragment that does not hold the whole
# TCP header (RFC 8200 forbids it) as it is, not reassembled: nfqd cannot
# read its ports, and nothing on an SMTP port passes undecided: refused,
# allowed sender or not, and counted.  Every other packet nfqd parsed.
# Its counters are a snapshot a second: read once it has every packet the
# kernel queued.
nfqd_settle 30 || fail "nfqd's counters behind the kernel's"
inv=$(status_get stats.decoder.invalid)
und=$(status_get stats.policy.unparsed_dropped)
[ "$inv" = 2 ] && [ "$und" = 2 ] &&
    pass "nfqd parsed every packet but the 2 tiny first fragments, and refused those" ||
    fail "nfqd could not parse $inv packet(s), refused $und (expected the 2 tiny first fragments)"
# SMTP over IPv6 where only IPv4 was thought of: a campus listed in IPv4
# only leaves its hosts' IPv6 mail to `transit`: nfqd says so.
sed 's|^internal-networks = .*|internal-networks = 10.20.0.0/16|' "$CONF" >"$T/v4only.conf"
if "$NFQD" -n -c "$T/v4only.conf" 2>&1 | grep -q "internal-networks has no IPv6 prefix: IPv6 SMTP is decided as transit (allowed)"; then
	pass "an IPv4-only campus: nfqd -n warns that IPv6 SMTP is transit"
else
	fail "an IPv4-only campus: no warning from nfqd -n"
fi
"$NFQD" -n -c "$CONF" 2>&1 | grep -q "has no IPv" &&
    fail "the sample campus (IPv4 and IPv6) is warned about" ||
    pass "no such warning for the sample campus (IPv4 and IPv6)"
[ "$FAILS" -gt 0 ] && { show_tail "$T/craft.log" 30 craft.py; rules_dump; }
finish
