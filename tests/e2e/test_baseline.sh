#!/bin/bash
# No nfqd, no rules: every delivery across the router works, IPv4 and IPv6.
# Proves the harness (topology, routing, servers, clients, the mail log).
. "$(dirname "$0")/lib.sh"
e2e_setup

# No netfilter rule of ours anywhere in the router.
if ip netns exec "$R" iptables-save | grep -q -- '-j NFQUEUE'; then
	fail "router has NFQUEUE rules before any test installed them"
fi

run_cases baseline <<CASES
deliver $WS4    $MTA4	# outbound, plain workstation
deliver $GW4    $MTA4	# outbound, gateway
deliver $GEN4   $MTA4
deliver $OLD4   $MTA4
deliver $PHYS4  $MTA4
deliver $PHYS66 $MTA4
deliver $CLI4   $GW4	# inbound
deliver $CLI4   $WS4
deliver $CLI4   $PHYS4
deliver $CLI4   $PHYS66
deliver $MTA4   $GEN4
deliver $WS4    $GW4	# internal, across the router
deliver $GW4    $WS4
deliver $CLI4   $MTA4	# transit, across the router
deliver $WS6    $MTA6	# IPv6
deliver $GW6    $MTA6
deliver $CLI6   $GW6
deliver $CLI6   $WS6
deliver $WS6    $GW6
deliver $CLI6   $MTA6
CASES

# The same again one at a time, through the plain helpers.
deliver "$WS4" "$MTA4" && pass "deliver() helper" || fail "deliver() helper"
refused "$WS4" 10.20.3.99 && pass "refused() helper (no such host)" ||
    fail "refused() helper (no such host)"
finish
