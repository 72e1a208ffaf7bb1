#!/bin/bash
# Fault: the kernel queue overflows.  queue-maxlen = 4 and a burst of
# 20,000 SYNs (spoofed sources, to the mail gateway, which may receive):
#   fail-open = yes: what does not fit passes the queue (the kernel counts
#     nothing), meets the degraded-mode rules, and reaches the gateway: it
#     receives every SYN that reached the router; no drop counted.
#   fail-open = no: what does not fit is dropped and counted: the
#     gateway receives exactly what was queued, and nfqd reports the
#     kernel's queue_dropped exactly.
# nfqd sees every packet the kernel queued, and mail still flows after.
# (Overflow towards a host the policy blocks: test_fault_synflood.sh.)
. "$(dirname "$0")/lib.sh"
command -v trafgen >/dev/null || fatal "trafgen is not installed (tools/deps.sh: netsniff-ng)"
[ -x "$NFQCTL" ] || fatal "$NFQCTL is not built (make)"
N=20000
e2e_setup
make_conf
conf_set queue-maxlen 4
conf_set events file:/dev/null
rules_install "$CONF"
ip netns exec "$R" iptables -t raw -A PREROUTING -i r-cli -p tcp --dport 25 \
    -m comment --comment fault-burst || fatal "raw counting rule"
ip netns exec "$P"gw iptables -A INPUT -i eth0 -p tcp --dport 25 --syn \
    -s 198.0.0.0/8 -m comment --comment fault-burst || fatal "gw counting rule"

# All N of the burst counted at the router, or no more for a second (the
# rest was lost before netfilter: the veth backlog of a loaded machine).
burst_arrived() {	# A0
	local n now
	n=$(( $(ipt_pkts "$R" iptables raw PREROUTING fault-burst) - $1 ))
	now=$(date +%s%N)
	[ "$n" -ge "$N" ] && return 0
	if [ "$n" != "$ARR_LAST" ]; then
		ARR_LAST=$n ARR_SINCE=$now
		return 1
	fi
	[ $(( (now - ARR_SINCE) / 1000000 )) -ge 1000 ]
}
gw_got() {	# G0 WANT: the gateway counted WANT of them
	[ $(( $(ipt_pkts "$P"gw iptables filter INPUT fault-burst) - $1 )) -ge "$2" ]
}
# burst FAILOPEN: one phase; sets ARRIVED QUEUED KDROP GOT SEEN NDROP.
burst() {
	local a0 g0 s0 d0 h0 a1 g1
	conf_set fail-open "$1"
	nfqd_start "$CONF"
	nfqd_settle || fail "fail-open=$1: nfqd's counters behind the kernel's before the burst"
	a0=$(ipt_pkts "$R" iptables raw PREROUTING fault-burst)
	g0=$(ipt_pkts "$P"gw iptables filter INPUT fault-burst)
	s0=$(nfq_proc 0 seq) d0=$(nfq_proc 0 dropped) h0=$NFQD_SEEN
	syn_burst cli "$GW4" $N 100000 || return 1
	# The burst is sent; wait for it to arrive (all N, or the cap: the
	# check below allows 5% lost before netfilter), for nfqd to have
	# read what was queued, then for the gateway to have what passed
	# (fail-open: all that arrived; else what was queued).
	ARR_LAST=-1 ARR_SINCE=0
	wait_for 30 burst_arrived "$a0"
	nfqd_settle 30 || fail "fail-open=$1: nfqd's counters behind the kernel's after the burst"
	a1=$(ipt_pkts "$R" iptables raw PREROUTING fault-burst)
	ARRIVED=$((a1 - a0))
	QUEUED=$(($(nfq_proc 0 seq) - s0)) KDROP=$(($(nfq_proc 0 dropped) - d0))
	if [ "$1" = yes ]; then wait_for 30 gw_got "$g0" "$ARRIVED"
	else wait_for 30 gw_got "$g0" "$QUEUED"; fi
	g1=$(ipt_pkts "$P"gw iptables filter INPUT fault-burst)
	GOT=$((g1 - g0))
	SEEN=$((NFQD_SEEN - h0))
	NDROP=$(status_get stats.nfq.queue_dropped)
	say "    fail-open=$1: arrived $ARRIVED, queued $QUEUED, kernel dropped $KDROP (nfqd saw $SEEN and says $NDROP dropped), gateway got $GOT"
	[ "$SEEN" = "$QUEUED" ] && pass "fail-open=$1: nfqd saw every queued packet ($SEEN)" ||
	    fail "fail-open=$1: nfqd saw $SEEN, the kernel queued $QUEUED"
	[ "$NDROP" = "$(nfq_proc 0 dropped)" ] &&
	    pass "fail-open=$1: nfqd reports the kernel's queue_dropped ($NDROP)" ||
	    fail "fail-open=$1: nfqd reports queue_dropped $NDROP, the kernel $(nfq_proc 0 dropped)"
	[ "$ARRIVED" -ge $((N * 95 / 100)) ] ||
	    fail "fail-open=$1: only $ARRIVED of $N reached the router"
	[ "$QUEUED" -lt "$ARRIVED" ] &&
	    pass "fail-open=$1: the queue overflowed ($((ARRIVED - QUEUED)) did not fit)" ||
	    fail "fail-open=$1: the queue of 4 did not overflow"
}

burst yes
[ "$KDROP" = 0 ] && pass "fail-open=yes: no drop counted" ||
    fail "fail-open=yes: kernel dropped $KDROP"
[ "$GOT" = "$ARRIVED" ] && pass "fail-open=yes: the gateway got all $GOT (degraded rules let the overflow through)" ||
    fail "fail-open=yes: the gateway got $GOT of $ARRIVED"
run_cases yes <<CASES
deliver $GW4 $MTA4 outbound
refused $WS4 $MTA4 outbound
CASES
nfqd_stop TERM 10

burst no
[ "$KDROP" -gt 0 ] && [ $((QUEUED + KDROP)) = "$ARRIVED" ] &&
    pass "fail-open=no: queued $QUEUED + dropped $KDROP = arrived $ARRIVED" ||
    fail "fail-open=no: queued $QUEUED + dropped $KDROP, arrived $ARRIVED"
[ "$GOT" = "$QUEUED" ] && pass "fail-open=no: the gateway got exactly the $GOT queued" ||
    fail "fail-open=no: the gateway got $GOT, $QUEUED were queued"
run_cases no <<CASES
deliver $GW4 $MTA4 outbound
refused $WS4 $MTA4 outbound
CASES
nfqd_stop TERM 10
[ "$FAILS" -gt 0 ] && rules_dump
finish
