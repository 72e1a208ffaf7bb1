#!/bin/bash
# Fault: the disk of the events file fills up.  The event file sits on a
# 256 KiB tmpfs that a filler then fills; a second file sink elsewhere
# carries the stats.  While the disk is full every verdict stays right,
# nfqd keeps running, and the lost lines are counted (the full sink's
# `failed` grows, it shows down).  When space is freed, writing resumes
# in the same file; after a logrotate-style move and SIGHUP, in a new one.
. "$(dirname "$0")/lib.sh"
e2e_setup
tmpfs_mount "$T/small" 256k
make_conf
EVE=$T/eve.json			# on /tmp: stats and every event
SMALL=$T/small/eve.json		# on the small tmpfs
SINK="file:$SMALL"
conf_set events "file:$EVE, $SINK"
conf_set stats-interval 1
rules_install "$CONF"
nfqd_start "$CONF"

run_cases before <<CASES
deliver $GW4 $MTA4 outbound
refused $WS4 $MTA4 outbound
CASES
eve_wait 5 2 "$SMALL" policy && pass "events reach the small disk" ||
    fail "no policy events in $SMALL"

# Fill the disk (dd stops at ENOSPC).
dd if=/dev/zero of="$T/small/fill" bs=4k 2>/dev/null
avail=$(df --output=avail -k "$T/small" | tail -n 1 | tr -d ' ')
[ "$avail" = 0 ] && pass "disk full" || fail "disk not full ($avail kB free)"
f0=$("$PY" "$E2E_DIR/check.py" sink "$EVE" "$SINK" failed)
# A burst of events (stats, policy) larger than what any page left holds.
run_cases full <<CASES
deliver $GW4  $MTA4  outbound
refused $WS4  $MTA4  outbound
deliver $CLI4 $GW4   inbound
refused $CLI4 $WS4   inbound
deliver $GW6  $MTA6  outbound
refused $WS6  $MTA6  outbound
CASES
nfqd_alive || fatal "nfqd died on a full disk"
n=$(eve_count "$EVE" stats)
eve_wait 10 $((n + 2)) "$EVE" stats || fail "no stats events within 10 s"
f1=$("$PY" "$E2E_DIR/check.py" sink "$EVE" "$SINK" failed)
up=$("$PY" "$E2E_DIR/check.py" sink "$EVE" "$SINK" connected)
if [ "$f1" -gt "${f0:-0}" ] 2>/dev/null && [ "$up" = false ]; then
	pass "full disk: $((f1 - ${f0:-0})) lost lines counted (failed $f1), sink down"
else
	fail "full disk: failed '$f0' -> '$f1', connected '$up'"
fi
if "$PY" "$E2E_DIR/check.py" sinksum "$EVE" "$SINK" >"$T/sinksum" 2>&1; then
	pass "full sink's counters add up at every stats event"
else
	fail "full sink's counters do not add up"; show_tail "$T/sinksum" 5
fi
grep -q "event sink $SINK: write: No space left on device" "$T/nfqd.err" &&
    pass "nfqd logged the full disk" || fail "nfqd did not log the full disk"

# Space again: the same file grows.
rm -f "$T/small/fill"
lines=$(wc -l <"$SMALL")
run_cases freed <<CASES
deliver $GW4 $MTA4 outbound
refused $WS4 $MTA4 outbound
CASES
n=$(grep -c '^freed ' "$T/attempts")
ok=0
for _ in $(seq 1 50); do
	[ "$(eve_count "$SMALL" policy)" -ge $((2 + n)) ] && { ok=1; break; }
	sleep 0.1
done
[ $ok = 1 ] && pass "space freed: writing resumed ($lines -> $(wc -l <"$SMALL") lines)" ||
    fail "space freed: no new policy events in $SMALL"
bad=$(eve_count "$SMALL" __unparsable__)
[ "$bad" -le 1 ] && pass "$SMALL: $bad cut line(s), every other line is JSON" ||
    fail "$SMALL: $bad lines are not JSON"

# Logrotate: move the file away (another disk), SIGHUP reopens.
mv "$SMALL" "$T/eve.rotated"
nfqd_hup ok "$EVE" || fail "no reload event after the rotation's SIGHUP"
run_cases rotated <<CASES
deliver $GW4 $MTA4 outbound
CASES
eve_wait 5 1 "$SMALL" policy && pass "after the rotation: events in a new $SMALL" ||
    fail "after the rotation: no events in a new $SMALL"
eve_check_attempts "$EVE" before,full,freed,rotated &&
    pass "every verdict as the policy says, full disk or not" ||
    fail "policy events differ from the attempts"
nfqd_stop TERM 10
[ "$NFQD_RC" = 0 ] && pass "clean stop" || fail "nfqd stop: $NFQD_RC"
finish
