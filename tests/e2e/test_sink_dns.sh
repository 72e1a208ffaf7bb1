#!/bin/bash
# Sinks survive DNS: a router that boots before its DNS.  nfqd's tcp://
# sink names its collector by a host name that does not resolve yet:
# `nfqd -n` warns and says "configuration OK", nfqd starts and enforces
# (seccomp on, after the privilege drop), queues the sink's events and
# keeps looking the name up; once the name resolves, every event reaches
# the collector, those queued meanwhile first.
#
# The name lives in an /etc/hosts of nfqd's own: nfqd runs in a mount
# namespace (unshare -m) where $T/hosts, $T/resolv.conf (a nameserver on
# the router's loopback, where nothing listens: refused at once, no query
# leaves) and $T/nsswitch.conf (files, dns) are bind-mounted over /etc's.
. "$(dirname "$0")/lib.sh"
NFQD_COLLECT=${NFQD_COLLECT:-$TOP/bin/nfqd-collect}
case $NFQD_COLLECT in /*) ;; *) NFQD_COLLECT=$TOP/$NFQD_COLLECT ;; esac
[ -x "$NFQD_COLLECT" ] || fatal "$NFQD_COLLECT is not built (make)"
command -v unshare >/dev/null || fatal "unshare is not installed (util-linux)"
e2e_setup

NAME=collector.nfqd.test
port=$((20000 + $$ % 20000))
printf '127.0.0.1 localhost\n::1 localhost\n' >"$T/hosts"
printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' >"$T/resolv.conf"
printf 'hosts: files dns\n' >"$T/nsswitch.conf"
# nfqd, with those three files as its /etc's (the same pid: each execs).
cat >"$T/nfqd-dns" <<SH
#!/bin/sh
exec unshare -m sh -c 'mount --bind "$T/hosts" /etc/hosts &&
    mount --bind "$T/resolv.conf" /etc/resolv.conf &&
    mount --bind "$T/nsswitch.conf" /etc/nsswitch.conf &&
    exec "\$0" "\$@"' "$NFQD" "\$@"
SH
chmod +x "$T/nfqd-dns"
REAL_NFQD=$NFQD
NFQD=$T/nfqd-dns

mkdir -p "$T/collect"
bg_ns "$R" "$T/collect.out" "$T/collect.err" "$NFQD_COLLECT" \
    -d "$T/collect" --tcp "127.0.0.1:$port" --retention 0
for _ in $(seq 50); do
	ip netns exec "$R" ss -Htln "sport = :$port" | grep -q . && break
	sleep 0.1
done

make_conf
EVE=$T/eve.json
SINK="tcp://$NAME:$port"
conf_set events "file:$EVE, $SINK"
conf_set stats-interval 1

# nfqd -n: a warning, not an error.
if ip netns exec "$R" "$NFQD" -n -c "$CONF" >"$T/check.out" 2>&1 &&
    grep -q "configuration OK" "$T/check.out" &&
    grep -q "$NAME does not resolve now" "$T/check.out"; then
	pass "nfqd -n: '$NAME does not resolve now' is a warning; configuration OK"
else
	fail "nfqd -n with an unresolvable sink name:"; show_tail "$T/check.out" 5
fi

rules_install "$CONF"
nfqd_start "$CONF"
run_cases before <<CASES
deliver $GW4  $MTA4  outbound
refused $WS4  $MTA4  outbound
CASES
nfqd_alive && pass "nfqd started and enforces with its collector's name unresolved" ||
    fatal "nfqd is not running"
grep -q "event sink $SINK: cannot resolve its host" "$T/nfqd.err" &&
    pass "the sink logged that its host does not resolve" ||
    fail "no log line about the unresolved name"
eve_sink_stat "$EVE" "$SINK" 'not s["connected"] and s["queued"] > 0' &&
    pass "stats.sinks: not connected, its events queued" ||
    fail "stats.sinks does not show the sink's events queued"
[ -z "$(find "$T/collect" -name 'eve-*.json')" ] ||
    fail "the collector has events before the name resolved"

# DNS comes up: the name resolves (same file: the bind mount follows it).
printf '127.0.0.1 %s\n' "$NAME" >>"$T/hosts"
ok=0
for _ in $(seq 400); do	# the backoff is at most a few seconds here
	[ "$(cat "$T"/collect/*/eve-*.json 2>/dev/null | grep -c '"event_type":"policy"')" -ge 2 ] &&
	    { ok=1; break; }
	sleep 0.1
done
[ $ok = 1 ] && pass "once $NAME resolved, the queued events arrived" ||
    fail "the queued events did not reach the collector within 40 s"
run_cases after <<CASES
deliver $CLI4 $PHYS4 inbound
refused $CLI4 $WS4   inbound
CASES
eve_wait 5 4 "$EVE" policy || fail "no policy events for the later attempts"
nfqd_stop TERM 15
[ "$NFQD_RC" = 0 ] && pass "nfqd stopped cleanly (seccomp allowed every lookup)" ||
    fail "nfqd stop: $NFQD_RC"
# Every policy event nfqd wrote is at the collector.
grep '"event_type":"policy"' "$EVE" | sort >"$T/want"
cat "$T"/collect/*/eve-*.json 2>/dev/null | grep '"event_type":"policy"' |
    sort -u >"$T/got"
if [ -s "$T/want" ] && cmp -s "$T/want" "$T/got"; then
	pass "every policy event reached the collector ($(wc -l <"$T/want"))"
else
	fail "policy events: nfqd wrote $(wc -l <"$T/want"), the collector has $(wc -l <"$T/got")"
fi
eve_check_attempts "$EVE" before,after && pass "every verdict as the policy says" ||
    fail "policy events differ from the attempts"
NFQD=$REAL_NFQD
finish
