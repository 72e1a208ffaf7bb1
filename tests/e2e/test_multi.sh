#!/bin/bash
# One exception list on several routers (docs/multi-router.md): two nfqd
# daemons on the router (queues 0 and 1, each with its own nfqd.conf,
# exception file, control socket and events), standing for two routers.
#  - their files differ only in comments and order: `nfqctl status
#    --socket A --socket B` shows the same SHA-256, which is the digest of
#    the canonical form computed here from the exported list, and exits 0;
#  - one router's file is edited alone: status shows the drift, exit 1;
#  - `nfqctl exception add ... --socket A --socket B`: the router that
#    lacked the entry makes the edit, the other refuses a duplicate and
#    changes nothing; status agrees again;
#  - a push of a bad edit is refused by both, nothing changes;
#  - a push of a remove: both edit, the same new hash everywhere;
#  - the reload and stats events of each router carry its host and the
#    hash; the audit log names who asked through the socket.
. "$(dirname "$0")/lib.sh"
NFQCTL=${NFQCTL:-$TOP/bin/nfqctl}
case $NFQCTL in /*) ;; *) NFQCTL=$TOP/$NFQCTL ;; esac
[ -x "$NFQCTL" ] || fatal "$NFQCTL is not built (make)"
e2e_init
topo_up

make_conf "$T/r1" "$T/r1/eve.json"
C1=$CONF S1=$SOCK E1=$EXC
make_conf "$T/r2" "$T/r2/eve.json"
C2=$CONF S2=$SOCK E2=$EXC
printf 'sensor-name = r1\nstats-interval = 1\n' >>"$C1"
printf 'sensor-name = r2\nstats-interval = 1\nqueues = 1\n' >>"$C2"
# r2: the same entries, no comments, in the reverse order, other spacing
grep -v '^[[:space:]]*#' "$E1" | grep . | tac | tr -s ' ' >"$E2"

nfqd_start "$C1"
PID1=$NFQD_PID
bg_ns "$R" "$T/r2/nfqd.out" "$T/r2/nfqd.err" "$NFQD" -c "$C2"
PID2=$BG_PID
for _ in $(seq 100); do [ -S "$S2" ] && [ -S "$S1" ] && break; sleep 0.1; done
[ -S "$S2" ] || fatal "the second daemon has no control socket"

ctl() {	# ARGS...: nfqctl in the router, output in $T/ctl.out and .err
	ip netns exec "$R" "$NFQCTL" "$@" >"$T/ctl.out" 2>"$T/ctl.err"
}
hash_of() {	# SOCKET: the status hash of that daemon
	ip netns exec "$R" "$NFQCTL" status --socket "$1" --json 2>/dev/null |
	    "$PY" -c 'import json, sys; print(json.load(sys.stdin)["daemons"][0].get("exceptions_sha256", ""))'
}
# The canonical form (exchash.c), computed from the exported list.
canon_hash() {	# CONF
	"$NFQCTL" -c "$1" exception export --json | "$PY" -c '
import hashlib, ipaddress, json, sys
rows = []
for e in json.load(sys.stdin):
    net = ipaddress.ip_network("%s/%d" % (e["address"], e["prefix"]))
    rows.append(((net.version, net.network_address.packed.ljust(16, b"\0"), net.prefixlen),
                 "%s\t%s\t%s\t%s\t%s\n" % (net.with_prefixlen, e["direction"],
                 e["expires"] or "-", e["ticket"] or "-", e["owner"] or "-")))
print(hashlib.sha256("".join(r for _, r in sorted(rows)).encode()).hexdigest())'
}

if ctl status --socket "$S1" --socket "$S2"; then
	pass "status: the same list in force on both (files differ in comments and order)"
else
	fail "status --socket A --socket B: exit $?"
	show_tail "$T/ctl.out" 5 out; show_tail "$T/ctl.err" 5 err
fi
h1=$(hash_of "$S1")
want=$(canon_hash "$C1")
[ -n "$h1" ] && [ "$h1" = "$want" ] &&
    pass "the hash is SHA-256 of the canonical form ($h1)" ||
    fail "status hash '$h1', canonical form '$want'"
grep -q "r1 .* $h1" "$T/ctl.out" && grep -q "r2 .* $h1" "$T/ctl.out" &&
    pass "status names each router (sensor-name) beside its hash" ||
    { fail "status table:"; show_tail "$T/ctl.out" 5 out; }

# One router edited alone: drift.
ip netns exec "$R" "$NFQCTL" -c "$C2" exception add 10.20.9.20 \
    --direction inbound --ticket NET-2001 --owner lab >/dev/null 2>&1
if ctl status --socket "$S1" --socket "$S2"; then
	fail "status did not see r2 edited alone"
elif grep -q "drift" "$T/ctl.err"; then
	pass "status: drift seen after r2 was edited alone, exit 1"
else
	fail "status after a lone edit:"; show_tail "$T/ctl.err" 5 err
fi

# Pushed to both: r1 makes it, r2 already has it and refuses.
ctl exception add 10.20.9.20 --direction inbound --ticket NET-2001 \
    --owner lab --socket "$S1" --socket "$S2"
rc=$?
if [ $rc = 1 ] && grep -q "^$S1: add 10.20.9.20: 7 exceptions" "$T/ctl.out" &&
    grep -q "$S2: .*10.20.9.20" "$T/ctl.err"; then
	pass "push: r1 made the edit, r2 refused a duplicate, exit 1"
else
	fail "push add (exit $rc):"
	show_tail "$T/ctl.out" 5 out; show_tail "$T/ctl.err" 5 err
fi
ctl status --socket "$S1" --socket "$S2" &&
    pass "status: the same list again after the push" ||
    { fail "status after the push:"; show_tail "$T/ctl.err" 5 err; }
h2=$(hash_of "$S1")
[ "$h2" = "$(canon_hash "$C1")" ] && [ "$h2" = "$(canon_hash "$C2")" ] &&
    [ "$h2" != "$h1" ] &&
    pass "the new hash is both files' canonical hash" ||
    fail "hash after the push: $h2"

# A bad edit pushed: refused by both, nothing changes.
cp "$E1" "$T/e1.before"
ctl exception add 10.20.9.30 --direction sideways --ticket NET-2002 \
    --owner lab --socket "$S1" --socket "$S2"
rc=$?
if [ $rc = 1 ] && [ "$(grep -c 'sideways' "$T/ctl.err")" -ge 2 ] &&
    cmp -s "$E1" "$T/e1.before" && [ "$(hash_of "$S2")" = "$h2" ]; then
	pass "push of a bad direction: both refused, said why, nothing changed"
else
	fail "push of a bad edit (exit $rc):"; show_tail "$T/ctl.err" 5 err
fi

# A remove pushed: both edit, one new hash.
if ctl exception remove 10.20.9.20 --ticket NET-2001 --socket "$S1" \
    --socket "$S2" && grep -q "edited on all 2 daemons" "$T/ctl.err"; then
	pass "push remove: edited on both, exit 0"
else
	fail "push remove:"; show_tail "$T/ctl.err" 5 err
fi
[ "$(hash_of "$S1")" = "$h1" ] && [ "$(hash_of "$S2")" = "$h1" ] &&
    pass "back to the first list, the first hash, on both" ||
    fail "hashes after the remove: $(hash_of "$S1") $(hash_of "$S2")"
grep -q "10.20.9.20" "$E1" && fail "the entry is still in r1's file" ||
    pass "the entry is gone from r1's file"

# Events: host and the hash, in reload and stats events: the stats event
# after the last reload (one a second) is waited for, bounded.
hash_events() {	# ROUTER
	"$PY" - "$T/$1/eve.json" "$1" "$h1" <<'PY'
import json, sys
# whole lines only: the writer may be in the middle of one
ev = [json.loads(l) for l in open(sys.argv[1]) if l.endswith("\n")]
host, h = sys.argv[2], sys.argv[3]
rel = [e for e in ev if e["event_type"] == "reload"]
st = [e for e in ev if e["event_type"] == "nfqd_stats"]
ok = (all(e.get("host") == host for e in ev) and rel and
      rel[-1]["reload"].get("exceptions_sha256") == h and
      st and st[-1]["nfqd_stats"].get("exceptions_sha256") == h)
print("    %s: %d events, last reload %s, last stats %s" % (host, len(ev),
      rel and rel[-1]["reload"].get("exceptions_sha256"),
      st and st[-1]["nfqd_stats"].get("exceptions_sha256")))
sys.exit(0 if ok else 1)
PY
}
for r in r1 r2; do
	wait_for 30 hash_events "$r" >/dev/null
	if hash_events "$r"
	then
		pass "$r: every event says host $r; the last reload and stats events carry the hash"
	else
		fail "$r: events lack host or the hash"
	fi
done
grep -q '"via' "$E1.audit" 2>/dev/null || grep -q 'control socket' "$E1.audit" &&
    pass "r1's audit log records the edits made through the socket" ||
    { fail "no socket edit in r1's audit log"; show_tail "$E1.audit" 5 audit; }

# A daemon that does not answer is an error, not agreement.
ctl status --socket "$S1" --socket "$T/none.sock"
[ $? = 1 ] && grep -q "did not answer" "$T/ctl.err" &&
    pass "status with an unreachable daemon: exit 1, said" ||
    fail "status with an unreachable daemon"

kill -TERM "$PID2"
nfqd_stop TERM 10
finish
