#!/bin/bash
# Fault: the exception list goes bad between two reloads, under traffic.
# Deleted, cut in the middle of a line, garbled, replaced by a directory:
# each SIGHUP is refused, the reload event says failed and why, the list
# in force stays (same generation and entries in `nfqctl status`, the
# gateway's entry still answered by `nfqctl exceptions`), the gateway's
# mail keeps flowing throughout, and the policy decided afterwards is the
# old list's.  Repaired, the next reload takes again.
. "$(dirname "$0")/lib.sh"
[ -x "$NFQCTL" ] || fatal "$NFQCTL is not built (make)"
e2e_setup
make_conf
rules_install "$CONF"
nfqd_start "$CONF"
EVE=$T/eve.json
cp "$EXC" "$T/exc.good"
gen0=$(status_get exceptions.generation)
n0=$(status_get exceptions.entries)
[ "$gen0" = 1 ] && [ "$n0" -gt 0 ] 2>/dev/null &&
    pass "status: generation 1, $n0 entries" ||
    fatal "status: generation '$gen0', entries '$n0' ($(cat "$T/ctl.err"))"

# The gateway sends mail the whole time (allowed by its exception).
deliver_loop during "$GW4" "$MTA4" 12

# refused NAME RE: the file is broken; HUP; the reload must be refused
# with an error matching RE, and the running list unchanged.
refused_reload() {
	local name=$1 re=$2 err
	if ! nfqd_hup failed; then
		fail "$name: no reload event status failed within 5 s"
		return
	fi
	err=$("$PY" "$E2E_DIR/check.py" get "$EVE" reload.error reload)
	if printf '%s' "$err" | grep -Eq "$re"; then
		pass "$name: reload refused: $err"
	else
		fail "$name: reload error '$err' does not match /$re/"
	fi
	local gen n st
	gen=$(status_get exceptions.generation)
	n=$("$PY" "$E2E_DIR/check.py" get "$T/ctl.json" exceptions.entries)
	st=$("$PY" "$E2E_DIR/check.py" get "$T/ctl.json" reload.status)
	if [ "$gen" = "$gen0" ] && [ "$n" = "$n0" ] && [ "$st" = failed ]; then
		pass "$name: status keeps generation $gen, $n entries, last reload failed"
	else
		fail "$name: status generation $gen (was $gen0), entries $n (was $n0), reload $st"
	fi
	if ctl_query exceptions "$GW4" && grep -q '"10.20.1.25' "$T/ctl.json"; then
		pass "$name: the gateway's exception is still in force"
	else
		fail "$name: nfqctl exceptions $GW4 does not show it: $(head -c 300 "$T/ctl.json")"
	fi
	nfqd_alive || fatal "$name: nfqd died"
}

rm -f "$EXC"
refused_reload "deleted" "exceptions.conf.*(No such file|not found)"
# Cut in the middle of the genomics line, after "out": no direction.
off=$(grep -b -o '^10\.20\.5\.10[[:space:]]*out' "$T/exc.good" | cut -d: -f1)
len=$(grep -o '^10\.20\.5\.10[[:space:]]*out' "$T/exc.good" | wc -c)
head -c $((off + len - 1)) "$T/exc.good" >"$EXC"
refused_reload "truncated mid-line" "exceptions.conf:[0-9]+"
printf '10.20.1.25 both ticket=\001\002\377\376\n\000\000garbage\377 inbound\n' >"$EXC"
refused_reload "garbled" "exceptions.conf:[0-9]+"
rm -f "$EXC"
mkdir "$EXC"
refused_reload "a directory" "exceptions.conf.*([Ii]s a directory|not a regular file)"
rmdir "$EXC"

deliver_loop_check during 12 90
# Decided by the old list: the gateway and genomics may send, the
# workstation and the expired host may not.
run_cases after <<CASES
deliver $GW4  $MTA4 outbound
deliver $GEN4 $MTA4 outbound
refused $WS4  $MTA4 outbound
refused $OLD4 $MTA4 outbound
deliver $CLI6 $GW6  inbound
CASES
n=$(grep -c '^after ' "$T/attempts")
eve_wait 5 $((n + 12)) "$EVE" policy
eve_check_attempts "$EVE" during,after && pass "policy events as the old list says" ||
    fail "policy events after the refused reloads"

# Repaired: the next reload takes, one generation on.
cp "$T/exc.good" "$EXC"
nfqd_hup ok && pass "repaired list: reload ok" || fail "repaired list: no reload ok"
gen=$(status_get exceptions.generation)
[ "$gen" = $((gen0 + 1)) ] && pass "status: generation $gen after the good reload" ||
    fail "status: generation $gen after the good reload (expected $((gen0 + 1)))"
nfqd_alive || fail "nfqd is not running at the end"
[ "$FAILS" -gt 0 ] && rules_dump
finish
