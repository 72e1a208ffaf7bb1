#!/bin/bash
# make demo: a throwaway campus in network namespaces with nfqd live on
# its border router, a scripted set of mail attempts (real swaks clients,
# real aiosmtpd servers) printed as they happen with nfqd's events, then
# everything removed.  Root only; traffic stays between the namespaces.
. "$(dirname "$0")/../tests/e2e/lib.sh"
TEST_NAME=demo
SMTP_TIMEOUT=3
e2e_setup
make_conf
echo "reject = yes" >>"$CONF"		# refused mail fails at once, visibly

say "== campus border: nfqd-rules install, then nfqd on the router"
rules_install "$CONF"
nfqd_start "$CONF"
say "   policy: $(grep -c '^[0-9a-f]' "$EXC") exception entries from nfqd/exceptions.conf"

seen=0
show_events() {
	local n
	sleep 0.3
	n=$(wc -l <"$T/eve.json")
	[ "$n" -gt "$seen" ] &&
	    tail -n +$((seen + 1)) "$T/eve.json" | "$PY" "$TOP/tools/eve-pretty.py"
	seen=$n
}

try() {	# "what" SRC DST
	local what=$1 src=$2 dst=$3 result
	new_id
	attempt "$ID" "$src" "$dst"
	if in_maillog "$ID" "$src" "$dst"; then result="DELIVERED"
	else result="REFUSED"; fi
	printf '\n%s\n  %s -> %s port 25: %s\n' "$what" "$src" "$dst" "$result"
	show_events
}

try "A workstation mails the Internet directly (Part 2: blocked)" "$WS4" "$MTA4"
try "The central mail gateway sends out (exception: both)" "$GW4" "$MTA4"
try "The Internet delivers to the gateway (exception: both)" "$CLI4" "$GW4"
try "The Internet delivers to a physics server (10.20.8.0/24 inbound)" "$CLI4" "$PHYS4"
try "... but not to 10.20.8.66, whose own entry is outbound only" "$CLI4" "$PHYS66"
try "The genomics lab sends large results (Part 2 exception)" "$GEN4" "$MTA4"
try "The old conference server's exception expired on 2026-08-31" "$OLD4" "$MTA4"
try "Campus to campus is not the border's business (internal)" "$WS4" "$GW4"
try "The Internet tries a stray campus host (Part 1: blocked)" "$CLI4" "$WS4"
try "IPv6: the gateway sends out" "$GW6" "$MTA6"
try "IPv6: the workstation cannot" "$WS6" "$MTA6"

say ""
say "== nfqd stops (SIGTERM): open flows are flushed as flow events"
nfqd_stop TERM 10
show_events
say ""
say "== $(grep -c . "$T/eve.json") events in all; the removal of the campus follows"
FAILS=0
finish
