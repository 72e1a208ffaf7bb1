#!/bin/bash
# Metrics, end to end (docs/metrics.md): nfqd on the router, as an
# unprivileged user under its seccomp filter, with the eBPF fast path,
# writes its metrics textfile; nfqd-collect, receiving its events, writes
# its own; Debian's prometheus-node-exporter serves both (textfile
# collector) and Debian's prometheus scrapes it every second, all on
# loopback ports of the router's namespace.  After real deliveries
# (allowed and refused, both directions, IPv4 and IPv6), a quarantine and
# reloads that succeed and fail, every value of the stats event nfqd made
# from the snapshot Prometheus holds equals what PromQL (the table in
# docs/metrics.md) makes of the scraped series; the reloads, the list and
# the quarantine read back from Prometheus too, and so do nfqd-collect's
# counters, against its own stats line.  promtool lints both files; the
# Grafana dashboard's queries use only names the files hold; every family
# is documented.  nfqd -n warns of a folder nfqd's user cannot write; a
# folder that becomes unwritable is logged once and never stops nfqd; a
# reload that moves the file removes the old one.
. "$(dirname "$0")/lib.sh"
NFQD_COLLECT=${NFQD_COLLECT:-$TOP/bin/nfqd-collect}
case $NFQD_COLLECT in /*) ;; *) NFQD_COLLECT=$TOP/$NFQD_COLLECT ;; esac
NFQCTL=${NFQCTL:-$TOP/bin/nfqctl}
case $NFQCTL in /*) ;; *) NFQCTL=$TOP/$NFQCTL ;; esac
[ -x "$NFQD_COLLECT" ] || fatal "$NFQD_COLLECT is not built (make)"
for c in prometheus promtool prometheus-node-exporter; do
	command -v "$c" >/dev/null ||
	    fatal "$c is not installed (tools/deps.sh)"
done
M="$E2E_DIR/metrics.py"
PROM=http://127.0.0.1:9090

U="nfqdm$$"			# the daemon's user
metrics_cleanup() {
	local rc=$?
	userdel "$U" 2>/dev/null
	groupdel "$U" 2>/dev/null
	(exit "$rc")
	e2e_cleanup
}
e2e_setup
trap metrics_cleanup EXIT
useradd --system --user-group --no-create-home --home-dir /nonexistent \
    --shell /usr/sbin/nologin "$U" || fatal "useradd $U failed"

# nfqd's user reads the configuration and owns its events folder and the
# textfile folder (node_exporter, root here, reads it).
chmod 0755 "$T"
TF=$T/textfile
mkdir -p "$TF" "$T/log" "$T/collect"
make_conf "$T/conf" "$T/log/eve.json"
EVE=$T/log/eve.json
mkdir -p "$STATE"
chown "$U:$U" "$STATE" "$T/log"
port=$((20000 + $$ % 20000))
conf_set events "file:$EVE, tcp://127.0.0.1:$port"
conf_set user "$U"
conf_set seccomp yes
conf_set stats-interval 1
conf_set metrics "$TF/nfqd.prom"
conf_set timeout-new 3
conf_set timeout-closed 1
conf_set fastpath tc
conf_set fastpath-interfaces "$ROUTER_PORTS"

# ---- nfqd -n: the folder as nfqd's user will find it ----
chown root:root "$TF"
chmod 0755 "$TF"
out=$("$NFQD" -c "$CONF" -n 2>&1)
rc=$?
if [ $rc = 0 ] && printf '%s' "$out" | grep -q "warning: metrics: folder $TF (owner 0, group 0, mode 0755) is not writable by user $U"; then
	pass "nfqd -n: a folder $U cannot write is named, as a warning"
else
	fail "nfqd -n with an unwritable metrics folder: exit $rc: $out"
fi
chown "$U:$U" "$TF"
# The sample list's own warnings (an expired entry) stay; none on metrics.
out=$("$NFQD" -c "$CONF" -n 2>&1) &&
    [ "$(printf '%s\n' "$out" | tail -n 1)" = "configuration OK" ] &&
    ! printf '%s' "$out" | grep -q metrics &&
    pass "nfqd -n: no metrics warning once $U owns $TF" ||
    fail "nfqd -n after chown: $out"

# ---- the collector, node_exporter, Prometheus: the router's loopback ----
bg_ns "$R" "$T/collect.out" "$T/collect.err" "$NFQD_COLLECT" \
    -d "$T/collect" --tcp "127.0.0.1:$port" --retention 0 \
    --metrics "$TF/nfqd-collect.prom" --metrics-interval 1
COLLECT_PID=$BG_PID
bg_ns "$R" "$T/node.log" "$T/node.log" prometheus-node-exporter \
    --web.listen-address=127.0.0.1:9100 --collector.disable-defaults \
    --collector.textfile --collector.textfile.directory="$TF"
cat >"$T/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: nfqd
    static_configs:
      - targets: ['127.0.0.1:9100']
YML
bg_ns "$R" "$T/prometheus.log" "$T/prometheus.log" prometheus \
    --config.file="$T/prometheus.yml" --storage.tsdb.path="$T/prom" \
    --web.listen-address=127.0.0.1:9090
pq() { ip netns exec "$R" "$PY" "$M" value "$PROM" "$1" 2>/dev/null; }
prom_is() {	# EXPR VALUE: Prometheus has it now
	[ "$(pq "$1")" = "$2" ]
}

rules_install "$CONF"
nfqd_start "$CONF"
wait_for 30 prom_is 'nfqd_running' 1 &&
    wait_for 30 prom_is 'nfqd_collect_running' 1 &&
    pass "Prometheus scrapes nfqd's and nfqd-collect's files through node_exporter" ||
    { show_tail "$T/prometheus.log" 10 prometheus; show_tail "$T/node.log" 10 node_exporter
      fatal "Prometheus has no nfqd_running 1 and nfqd_collect_running 1"; }
grep -q "fastpath: tc on " "$T/nfqd.err" &&
    pass "the fast path is attached (its counters are in the stats event)" ||
    fail "the fast path did not attach"
[ "$(stat -c %U "$TF/nfqd.prom")" = "$U" ] &&
    pass "the file is written by $U, under the filter" ||
    fail "$TF/nfqd.prom is owned by $(stat -c %U "$TF/nfqd.prom")"

# ---- traffic: allowed and refused, both directions ----
run_cases traffic <<CASES
deliver $GW4    $MTA4   outbound
refused $WS4    $MTA4   outbound
deliver $CLI4   $GW4    inbound
refused $CLI4   $WS4    inbound
deliver $CLI4   $PHYS4  inbound
refused $PHYS4  $MTA4   outbound
deliver $WS4    $GW4    internal
deliver $GW6    $MTA6   outbound
refused $CLI6   $WS6    inbound
CASES
eve_check_attempts "$EVE" traffic

# The decisions Prometheus holds, by direction: the policy events'.
for c in "outbound allowed 2" "outbound blocked 2" "inbound allowed 2" \
    "inbound blocked 2" "internal allowed 1"; do
	set -- $c
	want=$("$PY" "$E2E_DIR/check.py" count "$EVE" policy \
	    policy.direction=$1 policy.action=$2)
	expr="sum(nfqd_decisions_total{direction=\"$1\",action=\"$2\"})"
	if [ "$want" -ge "$3" ] && wait_for 10 prom_is "$expr" "$want"; then
		pass "$expr = $want, the $1 $2 policy events"
	else
		fail "$expr = $(pq "$expr"), policy events: $want"
	fi
done

# ---- a quarantine, reloads that work and one that fails ----
"$NFQCTL" -c "$CONF" quarantine add "$OLD4" --for 1h --reason "metrics test" \
    >"$T/ctl.out" 2>&1 || fail "quarantine add: $(cat "$T/ctl.out")"
wait_for 10 prom_is nfqd_quarantined_hosts 1 &&
    wait_for 10 prom_is nfqd_quarantines_started_total 1 &&
    pass "nfqd_quarantined_hosts 1, nfqd_quarantines_started_total 1" ||
    fail "quarantine: hosts $(pq nfqd_quarantined_hosts), started $(pq nfqd_quarantines_started_total)"
"$NFQCTL" -c "$CONF" quarantine remove "$OLD4" >"$T/ctl.out" 2>&1 ||
    fail "quarantine remove: $(cat "$T/ctl.out")"
wait_for 10 prom_is nfqd_quarantined_hosts 0 &&
    wait_for 10 prom_is nfqd_quarantines_ended_total 1 &&
    pass "quarantine removed: nfqd_quarantined_hosts 0, nfqd_quarantines_ended_total 1" ||
    fail "quarantine removed: hosts $(pq nfqd_quarantined_hosts), ended $(pq nfqd_quarantines_ended_total)"
nfqd_hup ok "$EVE" || fail "no reload event after SIGHUP"
echo "10.20.66.0/24 sideways" >>"$EXC"
nfqd_hup failed "$EVE" || fail "no failed reload event after a broken list"
wait_for 10 prom_is nfqd_last_reload_success 0 &&
    wait_for 10 prom_is 'nfqd_reloads_total{source="SIGHUP",result="failed"}' 1 &&
    pass "a failed reload: nfqd_last_reload_success 0, counted failed" ||
    fail "failed reload: success $(pq nfqd_last_reload_success), failed $(pq 'nfqd_reloads_total{source="SIGHUP",result="failed"}')"
sed -i '$d' "$EXC"
"$NFQCTL" -c "$CONF" reload >"$T/ctl.out" 2>&1 || fail "nfqctl reload: $(cat "$T/ctl.out")"
wait_for 10 prom_is 'nfqd_reloads_total{source="socket",result="ok"}' 1 &&
    wait_for 10 prom_is nfqd_last_reload_success 1 &&
    prom_is 'nfqd_reloads_total{source="SIGHUP",result="ok"}' 1 &&
    pass "reloads by source and result: SIGHUP ok 1, failed 1; socket ok 1" ||
    fail "reloads: SIGHUP ok $(pq 'nfqd_reloads_total{source="SIGHUP",result="ok"}'), socket ok $(pq 'nfqd_reloads_total{source="socket",result="ok"}'), last $(pq nfqd_last_reload_success)"
want=$(status_get exceptions.entries)
[ "$want" != null ] && prom_is nfqd_exceptions "$want" &&
    pass "nfqd_exceptions $want, as nfqctl status says" ||
    fail "nfqd_exceptions $(pq nfqd_exceptions), status: $want"

# ---- quiet: no connection left; then the stats event against PromQL ----
quiet() {
	[ "$("$PY" "$E2E_DIR/check.py" stat "$EVE" nfqd_stats.flow.active)" = 0 ]
}
wait_for 30 quiet || fail "connections still tracked after 30 s"
ip netns exec "$R" "$PY" "$M" compare "$PROM" "$EVE" "$TOP/docs/metrics.md" \
    >"$T/compare.out" 2>&1
rc=$?
n=$(grep -c '^ok ' "$T/compare.out")
if [ $rc = 0 ] && [ "$n" -ge 50 ]; then
	pass "every value of the stats event equals Prometheus' ($n checks)"
else
	fail "the stats event against Prometheus (exit $rc, $n ok):"
	grep -v '^ok ' "$T/compare.out" | head -20 | sed 's/^/    /'
fi
vsay "$(cat "$T/compare.out")"

# ---- the files: promtool, the dashboard, the docs ----
for f in "$TF/nfqd.prom" "$TF/nfqd-collect.prom"; do
	if promtool check metrics <"$f" >"$T/promtool.out" 2>&1 &&
	    [ ! -s "$T/promtool.out" ]; then
		pass "promtool check metrics $(basename "$f"): clean"
	else
		fail "promtool check metrics $(basename "$f"):"
		sed 's/^/    /' "$T/promtool.out"
	fi
done
"$PY" "$M" dashboard "$TOP/docs/grafana-nfqd.json" "$TF/nfqd.prom" \
    "$TF/nfqd-collect.prom" >"$T/dash.out" 2>&1 &&
    pass "docs/grafana-nfqd.json: $(grep -c '^ok ' "$T/dash.out") metric names, all exported" ||
    { fail "docs/grafana-nfqd.json:"; grep -v '^ok ' "$T/dash.out" | sed 's/^/    /'; }
"$PY" "$M" documented "$TOP/docs/metrics.md" "$TF/nfqd.prom" \
    "$TF/nfqd-collect.prom" >"$T/doc.out" 2>&1 &&
    pass "docs/metrics.md names all $(grep -c '^ok ' "$T/doc.out") families" ||
    { fail "docs/metrics.md:"; grep -v '^ok ' "$T/doc.out" | sed 's/^/    /'; }

vsay "nfqd.prom: $(wc -c <"$TF/nfqd.prom") bytes, $(grep -c '^nfqd' "$TF/nfqd.prom") samples, $(grep -c '^# TYPE' "$TF/nfqd.prom") families"

# ---- a folder nfqd cannot write: logged once, never fatal, then again ----
stats_count() { "$PY" "$E2E_DIR/check.py" count "$EVE" stats; }
stats_above() { [ "$(stats_count)" -ge "$1" ]; }
log_has() { grep -q "$1" "$T/nfqd.err"; }
# nfqd rewrites its file every second (create, write, fsync, rename): a
# chmod during a write fails that write's rename instead of the next
# create, and strands its temporary file.  Change the mode while every
# nfqd thread is stopped between two writes.
stopped() {	# every thread of nfqd: state T
	! sed 's/.*) //; s/ .*//' /proc/"$NFQD_PID"/task/*/stat | grep -vqx T
}
chmod_between_writes() {	# MODE
	for _ in $(seq 50); do
		kill -STOP "$NFQD_PID"
		if wait_for 5 stopped && ! ls -a "$TF" | grep -q '^\.nfqd\.prom\.'; then
			chmod "$1" "$TF"
			kill -CONT "$NFQD_PID"
			return 0
		fi
		kill -CONT "$NFQD_PID"
		sleep 0.05
	done
	return 1
}
chmod_between_writes 0500 || fatal "nfqd was always writing its textfile"
wait_for 10 log_has "metrics: cannot create a file beside $TF/nfqd.prom: Permission denied" ||
    fail "no log line for a write that failed"
n=$(stats_count)
wait_for 15 stats_above $((n + 3)) || fail "no stats events while the file cannot be written"
if nfqd_alive && [ "$(grep -c 'metrics: cannot create a file beside' "$T/nfqd.err")" = 1 ]; then
	pass "a folder nfqd cannot write: one log line over 3 intervals, nfqd runs on"
else
	fail "unwritable folder: alive $(nfqd_alive && echo yes || echo no), $(grep -c 'metrics: cannot' "$T/nfqd.err") log lines"
fi
old=$(pq nfqd_snapshot_timestamp_seconds)
chmod 0755 "$TF"
wait_for 10 log_has "metrics: $TF/nfqd.prom written again, after [0-9]* failed writes" &&
    wait_for 10 eval '[ "$(pq nfqd_snapshot_timestamp_seconds)" != "$old" ]' &&
    pass "the folder writable again: logged, and Prometheus' snapshot moves on" ||
    fail "after chmod 0755: $(grep 'metrics:' "$T/nfqd.err" | tail -n 2)"

# ---- a reload moves the file: the old one goes, not left to go stale ----
conf_set metrics "$TF/border.prom"
nfqd_hup ok "$EVE" || fail "no reload event after moving the file"
moved() { [ -s "$TF/border.prom" ] && [ ! -e "$TF/nfqd.prom" ]; }
wait_for 10 moved &&
    pass "metrics moved by a reload: border.prom written, nfqd.prom removed" ||
    fail "after the move: $(ls "$TF" | xargs)"

# ---- the stop: the last file says so ----
nfqd_stop TERM 15 || fail "nfqd did not stop"
[ "$NFQD_RC" = 0 ] && pass "nfqd exited 0 (nothing killed by the filter)" ||
    fail "nfqd exited $NFQD_RC"
grep -qx 'nfqd_running 0' "$TF/border.prom" &&
    wait_for 10 prom_is nfqd_running 0 &&
    pass "the file written at the stop: nfqd_running 0, scraped" ||
    fail "after the stop: $(grep '^nfqd_running' "$TF/border.prom"), Prometheus $(pq nfqd_running)"

# ---- nfqd-collect: its counters against its own stats line ----
# nfqd is gone: once the collector has stored every event nfqd wrote (it
# sent each to both sinks), nothing more comes; then its stats line and
# Prometheus must agree exactly.
all_stored() {
	[ "$(cat "$T"/collect/*/eve-*.json 2>/dev/null | wc -l)" = "$(wc -l <"$EVE")" ]
}
wait_for 30 all_stored || fail "nfqd-collect stored $(cat "$T"/collect/*/eve-*.json | wc -l) lines, nfqd wrote $(wc -l <"$EVE")"
stored=$(cat "$T"/collect/*/eve-*.json | wc -l)
collect_line() {	# N: the Nth stats line is there
	[ "$(grep -c ' lines: ' "$T/collect.err")" -ge "$1" ]
}
collect_matches() {	# LINES WRITTEN INVALID
	prom_is nfqd_collect_lines_total "$1" &&
	    prom_is nfqd_collect_written_lines_total "$2" &&
	    prom_is 'nfqd_collect_rejected_lines_total{reason="invalid"}' "$3"
}
kill -USR1 "$COLLECT_PID"
wait_for 10 collect_line 1 || fail "nfqd-collect logged no stats line"
line=$(grep ' lines: ' "$T/collect.err" | tail -n 1)
set -- $(printf '%s\n' "$line" | grep -o '[0-9]\+')
if [ "$1" = "$stored" ] && [ "$2" = "$stored" ] && [ "$3" = 0 ] &&
    wait_for 10 collect_matches "$1" "$2" 0; then
	pass "nfqd-collect: its stats line and Prometheus agree: $1 lines, $2 written, as stored"
else
	fail "nfqd-collect: $line; stored $stored; Prometheus lines $(pq nfqd_collect_lines_total), written $(pq nfqd_collect_written_lines_total)"
fi
ip netns exec "$R" "$PY" -c 'import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"not an event\n")
s.close()' "$port" || fail "could not send to nfqd-collect"
# Its file comes after the line was read: then the stats line too.
wait_for 10 collect_matches $((stored + 1)) "$stored" 1
kill -USR1 "$COLLECT_PID"
wait_for 10 collect_line 2 || fail "nfqd-collect logged no second stats line"
if grep ' lines: ' "$T/collect.err" | tail -n 1 |
    grep -q "^nfqd-collect: $((stored + 1)) lines: $stored written, 1 rejected" &&
    collect_matches $((stored + 1)) "$stored" 1 &&
    prom_is nfqd_collect_clients_total 2; then
	pass "nfqd-collect: a line that is not an event, rejected and counted in both"
else
	fail "nfqd-collect after a bad line: $(grep ' lines: ' "$T/collect.err" | tail -n 1); Prometheus rejected $(pq 'nfqd_collect_rejected_lines_total{reason="invalid"}'), clients $(pq nfqd_collect_clients_total)"
fi
kill -TERM "$COLLECT_PID"
wait_for 10 prom_is nfqd_collect_running 0 &&
    pass "nfqd-collect's last file, at its stop: nfqd_collect_running 0" ||
    fail "nfqd-collect stopped: $(grep '^nfqd_collect_running' "$TF/nfqd-collect.prom")"
# Both write their files through a temporary one renamed over it, every
# second: only once both have exited is a temporary file a leftover.
# (bash reaps its exited children as it waits for others, as nfqd_stop
# relies on: kill -0 then fails.)
wait_for 10 eval '! kill -0 "$COLLECT_PID" 2>/dev/null' ||
    fail "nfqd-collect still runs 10 s after SIGTERM"
ls -a "$TF" | grep -q '^\.nfqd' &&
    fail "a temporary file left in $TF: $(ls -a "$TF" | xargs)" ||
    pass "no temporary file left beside the textfiles, both stopped"
finish
