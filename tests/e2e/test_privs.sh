#!/bin/bash
# Least privilege, live (docs/security.md): nfqd started as root with
# `user = <a test user>` binds its queue and sockets, then runs as that
# user with CAP_NET_ADMIN alone (effective, permitted, ambient) and an
# empty bounding set, no supplementary groups, no_new_privs and the
# seccomp filter, on every thread.  Under all that, the policy holds (real
# mail refused and delivered), nfqctl edits reload it (the ipset child
# included), quarantine state is written and kept, logrotate's reopen
# works, the flows dump answers.  A policy file writable by others is
# refused at reload (the running list stays, the reload event says why)
# and at start.  The control socket turns away a user outside
# control-group, by file mode and, with the mode opened up, by peer
# credentials.  Last, nfqd started the way the systemd unit starts it (as
# the user, with ambient capabilities) ends in the same state.  In both,
# the kernel's queue counters (a root-only /proc file) are still read.
# With `fastpath = tc`: loaded before the drop, its maps rewritten after
# it; started as the unit starts it (no CAP_BPF), it falls back; started
# with the capabilities of docs/fastpath.md's drop-in, it attaches.
. "$(dirname "$0")/lib.sh"
NFQCTL=${NFQCTL:-$TOP/bin/nfqctl}
case $NFQCTL in /*) ;; *) NFQCTL=$TOP/$NFQCTL ;; esac
[ -x "$NFQCTL" ] || fatal "$NFQCTL is not built (make)"
command -v setpriv >/dev/null || fatal "setpriv missing (util-linux)"

U="nfqdt$$"			# the daemon's user, and its group
G="nfqdtc$$"			# control-group
privs_cleanup() {
	local rc=$?
	userdel "$U" 2>/dev/null
	groupdel "$U" 2>/dev/null
	groupdel "$G" 2>/dev/null
	(exit "$rc")
	e2e_cleanup
}
e2e_setup
trap privs_cleanup EXIT
useradd --system --user-group --no-create-home --home-dir /nonexistent \
    --shell /usr/sbin/nologin "$U" || fatal "useradd $U failed"
groupadd --system "$G" || fatal "groupadd $G failed"
UID_U=$(id -u "$U") GID_U=$(id -g "$U") GID_G=$(getent group "$G" | cut -d: -f3)

# The daemon's user reads the configuration (folders 0755, files 0644) and
# owns what it writes: the state folder and the events folder (logrotate
# reopens by name there).
chmod 0755 "$T"
make_conf "$T/conf" "$T/log/eve.json"
EVE=$T/log/eve.json
mkdir -p "$STATE" "$T/log"
chown "$U:$U" "$STATE" "$T/log"
chmod 0750 "$STATE" "$T/log"
printf 'user = %s\ncontrol-group = %s\nseccomp = yes\n' "$U" "$G" >>"$CONF"
# Expiry in a zone far from UTC: its file is read again at each reload,
# under the filter, as the user.
echo "timezone = Pacific/Auckland" >>"$CONF"

ctl() {		# as root, the network team
	"$NFQCTL" -c "$CONF" "$@" >"$T/ctl.out" 2>"$T/ctl.err"
	RC=$?
}
ctl_as() {	# SETPRIV-ARGS... -- NFQCTL-ARGS...
	local a=()
	while [ "$1" != -- ]; do a+=("$1"); shift; done
	shift
	setpriv "${a[@]}" "$NFQCTL" -c "$CONF" "$@" >"$T/ctl.out" 2>"$T/ctl.err"
	RC=$?
}
ctl_report() { show_tail "$T/ctl.err" 5 "nfqctl stderr"; show_tail "$T/ctl.out" 3 "nfqctl stdout"; }
json() { "$PY" -c 'import json,sys; j=json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' "$T/ctl.out" "$1"; }
field() { awk -v k="$2:" '$1 == k { $1 = ""; sub(/^ /, ""); print; exit }' "$1"; }

# The process and each of its threads: user, capabilities, filter.
check_creds() {	# PID TAG EXPECT_CAPS_HEX
	local pid=$1 tag=$2 caps=$3 st t bad=0 n=0
	st=/proc/$pid/status
	[ "$(field "$st" Uid)" = "$UID_U $UID_U $UID_U $UID_U" ] &&
	    [ "$(field "$st" Gid)" = "$GID_U $GID_U $GID_U $GID_U" ] &&
	    pass "$tag: uid and gid $U ($UID_U/$GID_U), real, effective, saved, fs" ||
	    fail "$tag: Uid $(field "$st" Uid) Gid $(field "$st" Gid)"
	[ -z "$(field "$st" Groups)" ] && pass "$tag: no supplementary groups" ||
	    fail "$tag: Groups: $(field "$st" Groups)"
	[ "$(field "$st" CapEff)" = "$caps" ] && [ "$(field "$st" CapPrm)" = "$caps" ] &&
	    [ "$(field "$st" CapAmb)" = "$caps" ] &&
	    pass "$tag: CapEff = CapPrm = CapAmb = $caps (CAP_NET_ADMIN)" ||
	    fail "$tag: CapEff $(field "$st" CapEff) CapPrm $(field "$st" CapPrm) CapAmb $(field "$st" CapAmb)"
	[ "$(field "$st" NoNewPrivs)" = 1 ] && [ "$(field "$st" Seccomp)" = 2 ] &&
	    pass "$tag: NoNewPrivs 1, Seccomp 2 (filter)" ||
	    fail "$tag: NoNewPrivs $(field "$st" NoNewPrivs) Seccomp $(field "$st" Seccomp)"
	for t in /proc/"$pid"/task/*/status; do
		n=$((n + 1))
		[ "$(field "$t" Uid)" = "$UID_U $UID_U $UID_U $UID_U" ] &&
		    [ "$(field "$t" Seccomp)" = 2 ] &&
		    [ "$(field "$t" NoNewPrivs)" = 1 ] || { bad=$((bad + 1)); vsay "$t"; }
		case $(field "$t" CapEff) in "$caps"|0000000000000000) ;; *) bad=$((bad + 1)) ;; esac
	done
	[ $bad = 0 ] && [ $n -ge 3 ] &&
	    pass "$tag: all $n threads: uid $U, seccomp, at most CAP_NET_ADMIN" ||
	    fail "$tag: $bad of $n threads not dropped"
	CAPBND=$(field "$st" CapBnd)
}

rules_install "$CONF"
nfqd_start "$CONF"
pid=$NFQD_PID
# The drop happens after the queue is bound: give it its moment.
for _ in $(seq 1 50); do
	[ "$(field /proc/"$pid"/status Seccomp)" = 2 ] && break
	sleep 0.1
done
check_creds "$pid" "user = $U" 0000000000001000
[ "$CAPBND" = 0000000000000000 ] && pass "bounding set empty: no capability can come back" ||
    fail "CapBnd $CAPBND"
grep -q "running as $U (uid $UID_U, gid $GID_U) with CAP_NET_ADMIN only" "$T/nfqd.err" &&
    pass "the log says who it runs as" || fail "no 'running as' log line"
# The kernel's queue counters (stats.nfq) come from a root-only file.
grep -q "kernel queue drop counters unavailable" "$T/nfqd.err" &&
    fail "the kernel's queue counters were lost with the drop" ||
    pass "the kernel's queue counters file was opened before the drop"

# ---- the policy under the drop ----
run_cases dropped <<CASES
deliver $GW4 $MTA4 outbound	# exception both
refused $WS4 $MTA4 outbound	# no exception
refused $CLI4 $WS4 inbound
deliver $CLI4 $GW4 inbound
CASES
eve_check_attempts "$EVE" dropped && pass "a policy event per attempt" ||
    fail "policy events missing"

# ---- nfqctl: an edit reloads it, the ipset child runs ----
ctl exception add "$WS4" --direction outbound --ticket NET-9001 --owner e2e
[ "$RC" = 0 ] && grep -q "nfqctl: reloaded: 7 exceptions (1 added" "$T/ctl.err" &&
    pass "nfqctl exception add: reloaded" || { fail "exception add: exit $RC"; ctl_report; }
[ "$(stat -c %a "$EXC")" = 644 ] && pass "nfqctl's rewrite keeps exceptions.conf 0644" ||
    fail "exceptions.conf mode $(stat -c %a "$EXC") after nfqctl"
ctl status
json 'j["ok"] and j["reload"]["status"] == "ok" and j["reload"]["degraded_sets"] == "ok"' &&
    pass "status: reload ok, degraded-mode sets updated (ipset, as $U)" ||
    { fail "status after reload"; ctl_report; }
ip netns exec "$R" ipset list nfqd-out4 2>/dev/null | grep -q '^10\.20\.3\.44' &&
    pass "nfqd-out4 has $WS4: the ipset child kept CAP_NET_ADMIN" ||
    fail "$WS4 not in nfqd-out4"
run_cases reloaded <<CASES
deliver $WS4 $MTA4 outbound	# now an exception
CASES
ctl flows
json 'j["ok"] and j["matched"] >= 0' && pass "flows answers" || { fail "flows"; ctl_report; }

# ---- timezone: expires days end at midnight in Auckland, after a reload ----
# Not across Auckland's midnight: "today" must stay today for these checks.
akl_left=$(( 86400 - $(TZ=Pacific/Auckland date +'%-H * 3600 + %-M * 60 + %-S') ))
[ "$akl_left" -lt 60 ] && sleep $((akl_left + 1))
AKL=$(TZ=Pacific/Auckland date +%Y-%m-%d)
AKL1=$(TZ=Pacific/Auckland date -d "-1 day" +%Y-%m-%d)
ctl exception add 10.20.3.91 --direction both --ticket E2E-TZ --owner e2e --expires "$AKL"
[ "$RC" = 0 ] && grep -q "nfqctl: reloaded: 8 exceptions" "$T/ctl.err" &&
    pass "add --expires today in Auckland: reloaded as $U under seccomp" ||
    { fail "add with a zone: exit $RC"; ctl_report; }
printf '10.20.3.92 both ticket=E2E-TZ owner=e2e expires=%s\n' "$AKL1" >>"$EXC"
ctl reload
[ "$RC" = 0 ] && pass "reload with timezone = Pacific/Auckland, as $U" ||
    { fail "reload with a zone: exit $RC"; ctl_report; }
ctl exceptions 10.20.3.91
json 'j["active"] == 1' && pass "10.20.3.91, through today in Auckland: active" ||
    { fail "10.20.3.91 not active"; ctl_report; }
ctl exceptions 10.20.3.92
json 'j["active"] == 0 and j["expired"] == 1' &&
    pass "10.20.3.92, through yesterday in Auckland: expired" ||
    { fail "10.20.3.92 not expired"; ctl_report; }

# ---- quarantine: the state file, written as the user ----
ctl quarantine add "$GEN4" --for 1h --reason "e2e: privs"
[ "$RC" = 0 ] && pass "quarantine add" || { fail "quarantine add: exit $RC"; ctl_report; }
qf=$STATE/quarantine.json
[ "$(stat -c '%U %a' "$qf" 2>/dev/null)" = "$U 640" ] &&
    grep -q '10.20.5.10' "$qf" && pass "quarantine.json: owned by $U, 0640, has $GEN4" ||
    fail "quarantine.json: $(stat -c '%U %a' "$qf" 2>&1)"
run_cases quarantined <<CASES
refused $GEN4 $MTA4 outbound	# exception outbound, in quarantine
CASES

# ---- logrotate: move the file, SIGHUP, a new one by the user ----
mv "$EVE" "$EVE.1"
kill -HUP "$pid"
wait_for 30 test -s "$EVE"
[ "$(stat -c %U "$EVE" 2>/dev/null)" = "$U" ] && pass "reopened after logrotate: new $EVE, owned by $U" ||
    fail "no new event file after SIGHUP"
eve_wait 5 1 "$EVE" reload reload.status=ok && pass "the SIGHUP reload event is in the new file" ||
    fail "no reload event in the new file"

# ---- a policy file writable by others: refused ----
chmod 0666 "$EXC"
ctl reload
[ "$RC" = 1 ] && json 'j["reload"]["status"] == "failed" and "mode 0666: writable by others" in j["error"]' &&
    pass "reload of a 0666 exceptions.conf: refused, the answer says why" ||
    { fail "reload with 0666 exceptions: exit $RC"; ctl_report; }
eve_wait 5 1 "$EVE" reload reload.status=failed &&
    grep -q 'exceptions.conf: mode 0666: writable by others' "$EVE" &&
    pass "failed reload event names the file and its mode" || fail "no failed reload event"
run_cases refused_reload <<CASES
deliver $WS4 $MTA4 outbound	# the running list stays
CASES
"$NFQD" -n -c "$CONF" >"$T/check.out" 2>&1
rc=$?
[ $rc = 2 ] && grep -q "$EXC: mode 0666: writable by others" "$T/check.out" &&
    pass "nfqd -n: exit 2, names $EXC and its mode" || { fail "nfqd -n: exit $rc"; show_tail "$T/check.out"; }
chmod 0644 "$EXC"
chmod 0664 "$CONF"; chgrp "$G" "$CONF"
"$NFQD" -n -c "$CONF" >"$T/check.out" 2>&1
rc=$?
[ $rc = 2 ] && grep -q "mode 0664: writable by its group" "$T/check.out" &&
    pass "group-writable nfqd.conf (group $G): refused" || { fail "group-writable: exit $rc"; show_tail "$T/check.out"; }
chgrp root "$CONF"
"$NFQD" -n -c "$CONF" >"$T/check.out" 2>&1 && pass "group-writable by root's group: accepted" ||
    { fail "0664 root:root refused"; show_tail "$T/check.out"; }
chmod 0644 "$CONF"

# ---- the control socket: mode, group, peer credentials ----
[ "$(stat -c '%a %G' "$SOCK")" = "660 $G" ] && pass "socket 0660, group $G" ||
    fail "socket: $(stat -c '%a %G' "$SOCK")"
ctl_as --reuid=nobody --regid=nogroup --clear-groups -- status
[ "$RC" = 1 ] && grep -q "control.sock: Permission denied" "$T/ctl.err" &&
    pass "nobody: refused by the socket's mode" || { fail "nobody by mode: exit $RC"; ctl_report; }
ctl_as --reuid=nobody --regid="$GID_G" --clear-groups -- status
[ "$RC" = 0 ] && json 'j["ok"]' && pass "a member of control-group: answered" ||
    { fail "control-group member: exit $RC"; ctl_report; }
chmod 0666 "$SOCK"	# a mode opened by mistake: credentials still count
ctl_as --reuid=nobody --regid=nogroup --clear-groups -- status
[ "$RC" = 1 ] && grep -q "permission denied: nobody (uid 65534) is not root and not in control-group" "$T/ctl.err" &&
    pass "nobody through a 0666 socket: refused by peer credentials" ||
    { fail "nobody by credentials: exit $RC"; ctl_report; }
ctl_as --reuid=nobody --regid=nogroup --clear-groups -- quarantine add "$GW4" --for 1h --reason x
[ "$RC" = 1 ] && ! grep -q 10.20.1.25 "$qf" && pass "nobody cannot add a quarantine" ||
    { fail "nobody quarantine: exit $RC"; ctl_report; }
grep -q "control socket: refused nobody (uid 65534" "$T/nfqd.err" &&
    pass "the daemon logs the refusal" || fail "no refusal in the log"

# ---- an exception edit through the socket: the daemon edits its own list ----
# As its user it cannot write root's folder: refused, nothing changed.
cp "$EXC" "$T/exc.before"
ctl exception add 10.20.9.9 --direction inbound --ticket NET-9100 --owner e2e --socket "$SOCK"
[ "$RC" != 0 ] && grep -q "Permission denied" "$T/ctl.err" && cmp -s "$EXC" "$T/exc.before" &&
    nfqd_alive && pass "socket edit, list's folder root's: refused (Permission denied), list unchanged" ||
    { fail "socket edit in a root folder: exit $RC"; ctl_report; }
# Given the folder, and the lock and audit files root's nfqctl made, it
# can (docs/security.md: the trade-off).
chown "$U" "$T/conf" "$EXC.lock" "$EXC.audit"
ctl exception add 10.20.9.9 --direction inbound --ticket NET-9100 --owner e2e --socket "$SOCK"
[ "$RC" = 0 ] && grep -q '^10\.20\.9\.9[[:space:]]' "$EXC" && [ "$(stat -c %a "$EXC")" = 644 ] &&
    pass "socket edit, folder the user's: made under the filter, list still 0644" ||
    { fail "socket edit in the user's folder: exit $RC"; ctl_report; }

[ "$NFQD_PID" = "$pid" ] && nfqd_alive && pass "same nfqd process throughout (no seccomp kill)" ||
    fail "nfqd died"
nfqd_stop TERM 10
[ "$NFQD_RC" = 0 ] && pass "clean stop as $U" || fail "stop: $NFQD_RC"

# ---- as the systemd unit starts it: the user, ambient capabilities ----
sed -i -e "/^user = /d" "$CONF"
echo "--- nfqd start (setpriv) $(date +%T.%N)" >>"$T/nfqd.err"
rm -f "$SOCK"		# the user makes its socket in its folder
bg_ns "$R" "$T/nfqd.out" "$T/nfqd.err" setpriv --reuid="$U" --regid="$U" \
    --clear-groups --inh-caps=+net_admin,+chown,+dac_read_search \
    --ambient-caps=+net_admin,+chown,+dac_read_search \
    "$NFQD" -c "$CONF"
NFQD_PID=$BG_PID
for _ in $(seq 1 100); do
	[ "$(field /proc/"$NFQD_PID"/status Seccomp 2>/dev/null)" = 2 ] && break
	kill -0 "$NFQD_PID" 2>/dev/null || break
	sleep 0.1
done
nfqd_alive || fatal "nfqd started as $U exited"
check_creds "$NFQD_PID" "started as $U" 0000000000001000
run_cases unit_like <<CASES
refused $WS6 $MTA6 outbound	# no exception
deliver $GW6 $MTA6 outbound
CASES
grep -q "kernel queue drop counters unavailable" "$T/nfqd.err" &&
    fail "started as $U: the kernel's queue counters were lost" ||
    pass "started as $U: the kernel's queue counters file was opened (CAP_DAC_READ_SEARCH, then dropped)"
nfqd_stop TERM 10
[ "$NFQD_RC" = 0 ] && pass "clean stop (started as $U)" || fail "stop: $NFQD_RC"

# ---- the eBPF fast path under the drop (docs/fastpath.md) ----
# Started as root with `user =`: loaded and attached before the drop, then
# the maps rewritten by a reload and a quarantine, the ring buffer read and
# the programs detached at stop, all as the user with CAP_NET_ADMIN alone
# and under the filter.
attached_tc() { tc -n "$R" filter show dev r-cli ingress 2>/dev/null | grep -q nfqd_tc; }
FASTPATH=tc make_conf "$T/conf-fp" "$T/log/eve-fp.json"
EVE=$T/log/eve-fp.json
printf 'user = %s\ncontrol-group = %s\nseccomp = yes\n' "$U" "$G" >>"$CONF"
# Expiry in a zone far from UTC: its file is read again at each reload,
# under the filter, as the user.
echo "timezone = Pacific/Auckland" >>"$CONF"
mkdir -p "$STATE"
chown "$U:$U" "$STATE"
rm -f "$SOCK"
rules_install "$CONF"
: >"$T/nfqd.err"
nfqd_start "$CONF"
for _ in $(seq 1 50); do
	[ "$(field /proc/"$NFQD_PID"/status Seccomp)" = 2 ] && break
	sleep 0.1
done
grep -q "fastpath: tc on" "$T/nfqd.err" && attached_tc &&
    pass "fastpath as $U: tc attached before the drop" ||
    { fail "fastpath as $U: not attached"; show_tail "$T/nfqd.err" 5; }
check_creds "$NFQD_PID" "fastpath as $U" 0000000000001000
run_cases fp_dropped <<CASES
refused $WS4 $MTA4 outbound	# no exception: the kernel drops it
deliver $GW4 $MTA4 outbound
CASES
n=$(eve_count "$EVE" policy pkt_src=kernel)
[ "$n" -ge 1 ] && pass "fastpath as $U: the refusal was decided in the kernel and its record read ($n events)" ||
    fail "fastpath as $U: no policy event with path kernel"
printf '%s outbound ticket=E2E-PRIV-FP\n' "$WS4" >>"$EXC"
kill -HUP "$NFQD_PID"
eve_wait 10 1 "$EVE" reload || fail "fastpath as $U: no reload event"
run_cases fp_reloaded <<CASES
deliver $WS4 $MTA4 outbound	# the reload rewrote the kernel's maps as $U
CASES
ctl quarantine add "$GW4" --for 1h --reason "e2e: privs fastpath"
[ "$RC" = 0 ] || { fail "fastpath as $U: quarantine add exit $RC"; ctl_report; }
run_cases fp_quarantined <<CASES
refused $GW4 $MTA4 outbound	# quarantined: in the kernel's map at once
CASES
n=$(eve_count "$EVE" policy pkt_src=kernel policy.reason=quarantine)
[ "$n" -ge 1 ] && pass "fastpath as $U: the quarantine reached the kernel's map" ||
    fail "fastpath as $U: no kernel policy event with reason quarantine"
[ "$NFQD_PID" ] && nfqd_alive && pass "fastpath as $U: no seccomp kill" || fail "fastpath as $U: nfqd died"
nfqd_stop TERM 10
[ "$NFQD_RC" = 0 ] && pass "fastpath as $U: clean stop" || fail "fastpath as $U: stop: $NFQD_RC"
attached_tc && fail "fastpath as $U: the program is still attached after stop" ||
    pass "fastpath as $U: detached at stop"
g=$("$PY" "$E2E_DIR/check.py" stat "$EVE" nfqd_stats.fastpath.disagree)
[ "$g" = 0 ] && pass "fastpath as $U: the kernel never disagreed with the policy" ||
    fail "fastpath as $U: stats.fastpath.disagree = '$g'"

# Started as the unit starts it (the user, CAP_NET_ADMIN but no CAP_BPF):
# the fast path cannot load, falls back with its log line, policy holds.
# A new events file: the user cannot reopen the one root's nfqd made.
# start_fp_as_user CAPS: nfqd as $U with ambient capabilities CAPS
# (setpriv's list), as a systemd unit starts it; back once its log has
# said what became of the fast path and its queues are bound.
start_fp_as_user() {
	rm -f "$SOCK"
	: >"$T/nfqd.err"
	bg_ns "$R" "$T/nfqd.out" "$T/nfqd.err" setpriv --reuid="$U" \
	    --regid="$U" --clear-groups --inh-caps="$1" --ambient-caps="$1" \
	    "$NFQD" -c "$CONF"
	NFQD_PID=$BG_PID
	for _ in $(seq 1 100); do
		grep -q "fastpath" "$T/nfqd.err" && queues_bound "$CONF" && break
		kill -0 "$NFQD_PID" 2>/dev/null || break
		sleep 0.1
	done
}
sed -i -e "/^user = /d" -e "s|^events = .*|events = file:$T/log/eve-fp2.json|" "$CONF"
start_fp_as_user +net_admin,+chown,+dac_read_search
nfqd_alive || fatal "nfqd started as $U with fastpath = tc exited"
grep -q "falling back to the queue path" "$T/nfqd.err" && ! attached_tc &&
    pass "no CAP_BPF: the fast path fell back with a log line ($(grep -m1 "falling back" "$T/nfqd.err" | cut -c1-120))" ||
    { fail "no CAP_BPF: no fallback log line, or attached"; show_tail "$T/nfqd.err" 5; }
run_cases fp_nobpf <<CASES
refused $WS6 $MTA6 outbound	# the queue path decides
deliver $GW6 $MTA6 outbound
CASES
nfqd_stop TERM 10
[ "$NFQD_RC" = 0 ] && pass "no CAP_BPF: clean stop" || fail "no CAP_BPF: stop: $NFQD_RC"

# Started with the capabilities of docs/fastpath.md's systemd drop-in
# (the unit's, plus CAP_BPF and CAP_SYS_ADMIN): the program loads and
# attaches, the kernel decides, and nfqd still keeps CAP_NET_ADMIN alone.
# (The drop-in's SystemCallFilter= part needs systemd, not here.)
sed -i "s|^events = .*|events = file:$T/log/eve-fp3.json|" "$CONF"
EVE=$T/log/eve-fp3.json
start_fp_as_user +net_admin,+chown,+dac_read_search,+bpf,+sys_admin
nfqd_alive || fatal "nfqd started as $U with the drop-in's capabilities exited"
grep -q "fastpath: tc on" "$T/nfqd.err" && attached_tc &&
    pass "drop-in capabilities: the fast path attached as $U" ||
    { fail "drop-in capabilities: not attached"; show_tail "$T/nfqd.err" 5; }
check_creds "$NFQD_PID" "drop-in capabilities" 0000000000001000
run_cases fp_dropin <<CASES
refused $WS6 $MTA6 outbound	# the kernel drops it (v4: excepted and quarantined above)
deliver $GW6 $MTA6 outbound
CASES
n=$(eve_count "$EVE" policy pkt_src=kernel)
[ "$n" -ge 1 ] && pass "drop-in capabilities: the refusal was decided in the kernel ($n events)" ||
    fail "drop-in capabilities: no policy event with path kernel"
nfqd_stop TERM 10
[ "$NFQD_RC" = 0 ] && pass "drop-in capabilities: clean stop" || fail "drop-in capabilities: stop: $NFQD_RC"
attached_tc && fail "drop-in capabilities: still attached after stop" ||
    pass "drop-in capabilities: detached at stop"

[ "$FAILS" -gt 0 ] && rules_dump
finish
