#!/bin/sh
# The redis:// and kafka:// event sinks, with real programs, loopback only:
#  - nfqd -n takes every redis mode and kafka properties, and refuses a bad
#    mode, a bad topic and an unknown kafka property, naming file:line;
#  - a redis-server started here (its own folder, a free loopback port,
#    no persistence, killed in the trap) receives a replay of
#    test-pcaps/campus-day.pcap as a list (LPUSH and RPUSH), a stream
#    (XADD, field "eve") and on a channel (PUBLISH, to a redis-cli
#    subscriber): every event once, in order;
#  - redis-server is stopped: the replay ends, counts every event as
#    dropped; started again on the same port, the next replay delivers;
#  - redis-server with a password and an ACL user: auth-file with
#    PASSWORD and with USER PASSWORD delivers every event; a wrong
#    password is logged with Redis's refusal and sends nothing to be
#    refused; an auth-file others can read, or a missing one, stops
#    nfqd at start with the file named;
#  - kafka:// to a port where nothing listens (no broker can run here):
#    the replay ends within a bounded time, stdout gets every event, and
#    the kafka sink counts every event as dropped.
# Prints ok/FAIL per check, ends with "redis: N passed, N failed", exits
# non-zero on any failure.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
NFQD=${NFQD:-bin/nfqd}
case $NFQD in /*) ;; *) NFQD=$top/$NFQD ;; esac
PYTHON=${PYTHON:-python3}
REDIS_SERVER=${REDIS_SERVER:-$(command -v redis-server || echo /usr/bin/redis-server)}
REDIS_CLI=${REDIS_CLI:-$(command -v redis-cli || echo /usr/bin/redis-cli)}

NAME=redis
. "$top/tests/sinks/lib.sh"

rcli() {
	"$REDIS_CLI" -h 127.0.0.1 -p "$RPORT" "$@"
}
redis_start() {	# [redis-server options...]
	"$REDIS_SERVER" --bind 127.0.0.1 --port "$RPORT" --dir "$T/redis" \
	    --save '' --appendonly no --daemonize no \
	    --logfile "$T/redis/server.log" "$@" &
	redis_pid=$!
	pids="$pids $redis_pid"
	i=0
	until [ "$(rcli ping 2>/dev/null)" = PONG ]; do
		i=$((i + 1))
		if [ $i -gt 100 ] || ! kill -0 "$redis_pid" 2>/dev/null; then
			sed 's/^/    /' "$T/redis/server.log"
			return 1
		fi
		sleep 0.05
	done
}
redis_stop() {
	kill -TERM "$redis_pid" 2>/dev/null
	wait "$redis_pid" 2>/dev/null
}
# same WANT GOT: GOT holds exactly WANT's lines, in the same order
same() {
	"$PYTHON" - "$1" "$2" <<'PY'
import sys
w = [l for l in open(sys.argv[1]).read().split("\n") if l]
g = [l for l in open(sys.argv[2]).read().split("\n") if l]
strip = lambda ls: [l for l in ls if '"event_type":"stats"' not in l and
                     '"event_type":"nfqd_stats"' not in l]
if strip(w) != strip(g) or len(w) != len(g):
    print("%d lines, want %d; first difference: %s" % (len(g), len(w),
          next((x for x in zip(strip(w), strip(g)) if x[0] != x[1]), None)))
    sys.exit(1)
PY
}

for p in "$NFQD" "$REDIS_SERVER" "$REDIS_CLI"; do
	if [ ! -x "$p" ]; then
		bad "$p is missing (make; tools/deps.sh installs redis-server)"
		echo "redis: $pass passed, $fail failed"
		exit 1
	fi
done

mkconf "$T/stdout.conf" "stdout"
replay "$T/stdout.conf" "$T/want.json" "$T/want.err"
nev=$(wc -l <"$T/want.json")
[ "$nev" -ge 10 ] || bad "replay to stdout gave $nev events"

# ---- configuration ---------------------------------------------------------

mkconf "$T/check.conf" "redis://127.0.0.1:6379, redis://[::1]:6379/rpush/a, redis://localhost:6379/stream/eve-nfqd, redis://127.0.0.1:6379/channel/nfqd, kafka://127.0.0.1:9092/nfqd-events?compression.type=lz4&acks=all"
check "nfqd -n accepts redis modes and kafka properties" \
    "$NFQD" -c "$T/check.conf" -n
refuses() {	# SPEC TEXT
	mkconf "$T/bad.conf" "$1"
	if "$NFQD" -c "$T/bad.conf" -n >"$T/bad.out" 2>&1; then
		bad "nfqd -n accepted $1"
	elif grep -q "bad.conf:[0-9]*: bad event sink.*$2" "$T/bad.out"; then
		ok "nfqd -n refuses $1, naming file:line"
	else
		bad "nfqd -n error for $1:"
		sed 's/^/    /' "$T/bad.out"
	fi
}
refuses "redis://127.0.0.1:6379/set/nfqd" "bad redis mode 'set'"
refuses "redis://127.0.0.1:6379/list/" "expected redis://HOST:PORT/MODE/KEY"
refuses "redis://127.0.0.1:6379/list/k?db=2" "unknown redis option 'db=2'"
refuses "redis://127.0.0.1:6379/list/k?auth-file=redis.pass" "redis auth-file: an absolute path"
refuses "kafka://127.0.0.1:9092" "expected kafka://HOST:PORT/TOPIC"
refuses "kafka://127.0.0.1:9092/a/b" "bad kafka topic"
refuses "kafka://127.0.0.1:9092/t?no.such.property=1" "kafka property no.such.property"

# ---- redis-server: list, stream, channel -----------------------------------

mkdir -p "$T/redis"
RPORT=$(free_port)
if redis_start; then
	ok "redis-server listens on 127.0.0.1:$RPORT"
else
	bad "redis-server does not start"
fi
rcli subscribe nfqd-ch >"$T/sub.out" 2>&1 &
sub=$!
pids="$pids $sub"
i=0
until [ "$(rcli pubsub numsub nfqd-ch 2>/dev/null | tail -n 1)" = 1 ] ||
    [ $i -gt 100 ]; do
	i=$((i + 1))
	sleep 0.05
done
R="redis://127.0.0.1:$RPORT"
mkconf "$T/r.conf" "$R/list/nfqd-l, $R/rpush/nfqd-r, $R/stream/nfqd-s, $R/channel/nfqd-ch"
if replay "$T/r.conf" "$T/r.out" "$T/r.err"; then
	ok "replay to four redis sinks"
else
	bad "replay to redis (exit $?):"
	sed 's/^/    /' "$T/r.err"
fi
check "LLEN of the LPUSH list is $nev" test "$(rcli llen nfqd-l)" = "$nev"
check "XLEN of the stream is $nev" test "$(rcli xlen nfqd-s)" = "$nev"
rcli --raw lrange nfqd-r 0 -1 >"$T/rpush.json"
check "RPUSH list: every event once, in order" same "$T/want.json" "$T/rpush.json"
rcli --raw lrange nfqd-l 0 -1 | tac >"$T/lpush.json"
check "LPUSH list (read from the tail): every event once, in order" \
    same "$T/want.json" "$T/lpush.json"
# XRANGE --raw: id, field name, value per entry
rcli --raw xrange nfqd-s - + | awk 'NR % 3 == 0' >"$T/xadd.json"
check "stream entries: field eve, every event once, in order" \
    same "$T/want.json" "$T/xadd.json"
check "stream field name is eve (as Suricata's)" \
    test "$(rcli --raw xrange nfqd-s - + count 1 | sed -n 2p)" = eve
i=0
while [ "$(grep -c '"event_type"' "$T/sub.out")" -lt "$nev" ] && [ $i -lt 100 ]; do
	i=$((i + 1))
	sleep 0.05
done
grep '"event_type"' "$T/sub.out" >"$T/pub.json"
check "PUBLISH: the subscriber got every event once, in order" \
    same "$T/want.json" "$T/pub.json"
kill "$sub" 2>/dev/null

# ---- redis-server down, then back ------------------------------------------

redis_stop
mkconf "$T/d.conf" "stdout, $R/rpush/nfqd-d"
t0=$(date +%s)
replay "$T/d.conf" "$T/d.out" "$T/d.err"
# Its events did not all arrive: exit 3 after the summary (nfqd(8)).
if [ $? = 3 ] && grep -q "event lines lost" "$T/d.err"; then
	ok "replay with redis down ends, exit 3 (events lost) ($(($(date +%s) - t0)) s)"
else
	bad "replay with redis down:"
	sed 's/^/    /' "$T/d.err"
fi
check "redis sink said it cannot connect" \
    grep -q "$R/rpush/nfqd-d: cannot connect" "$T/d.err"
check "redis sink: all $nev events counted as dropped" \
    grep -q "$R/rpush/nfqd-d: 0 events written, $nev dropped" "$T/d.err"
check "stdout still got every event" same "$T/want.json" "$T/d.out"
if redis_start; then
	ok "redis-server back on the same port"
else
	bad "redis-server does not start again"
fi
replay "$T/d.conf" "$T/d2.out" "$T/d2.err"
rcli --raw lrange nfqd-d 0 -1 >"$T/back.json"
check "redis back: the next replay delivers every event" \
    same "$T/want.json" "$T/back.json"
redis_stop

# ---- redis-server with a password and an ACL user --------------------------

rcli() {
	"$REDIS_CLI" -h 127.0.0.1 -p "$RPORT" -a pw-0ne --no-auth-warning "$@"
}
if redis_start --requirepass pw-0ne --user nfqd on '>acl-2' '~nfqd-*' '+@all'; then
	ok "redis-server with requirepass and an ACL user"
else
	bad "redis-server with requirepass does not start"
fi
(umask 077; echo pw-0ne >"$T/pass"; printf 'nfqd acl-2\n' >"$T/acl")
chmod 640 "$T/acl"
(umask 077; echo pw-wrong >"$T/wrong")
mkconf "$T/a.conf" "$R/rpush/nfqd-p?auth-file=$T/pass, $R/rpush/nfqd-a?auth-file=$T/acl"
if replay "$T/a.conf" "$T/a.out" "$T/a.err"; then
	ok "replay to redis with AUTH: a password (mode 600), an ACL user (640)"
else
	bad "replay to redis with AUTH (exit $?):"
	sed 's/^/    /' "$T/a.err"
fi
rcli --raw lrange nfqd-p 0 -1 >"$T/auth-p.json"
check "AUTH password: every event once, in order" same "$T/want.json" "$T/auth-p.json"
rcli --raw lrange nfqd-a 0 -1 >"$T/auth-a.json"
check "AUTH USER PASSWORD: every event once, in order" same "$T/want.json" "$T/auth-a.json"
check "the password is in no log line" sh -c "! grep -q 'pw-0ne\|acl-2' '$T/a.err'"

mkconf "$T/w.conf" "stdout, $R/rpush/nfqd-w?auth-file=$T/wrong"
replay "$T/w.conf" "$T/w.out" "$T/w.err"
# Its events did not all arrive: exit 3 after the summary (nfqd(8)).
if [ $? = 3 ] && grep -q "event lines lost" "$T/w.err"; then
	ok "replay with a wrong redis password ends, exit 3 (events lost)"
else
	bad "replay with a wrong redis password:"
	sed 's/^/    /' "$T/w.err"
fi
check "wrong password: Redis's refusal is logged" \
    grep -q "nfqd-w?auth-file=$T/wrong: redis refused AUTH: WRONGPASS" "$T/w.err"
check "wrong password: no event sent to be refused, all $nev dropped" \
    grep -q "nfqd-w?auth-file=$T/wrong: 0 events written, $nev dropped (.*), 0 failed" "$T/w.err"
check "wrong password: nothing stored" test "$(rcli llen nfqd-w)" = 0
check "stdout still got every event" same "$T/want.json" "$T/w.out"

cp "$T/pass" "$T/open"
chmod 644 "$T/open"
for f in open missing; do
	mkconf "$T/o.conf" "stdout, $R/rpush/nfqd-o?auth-file=$T/$f"
	if replay "$T/o.conf" "$T/o.out" "$T/o.err"; then
		bad "nfqd started with auth-file $f"
	else
		check "auth-file $f: refused at start, named" \
		    grep -q "auth-file $T/$f: \(readable or writable by others\|No such file\)" "$T/o.err"
	fi
done
check "auth-file refused: nothing stored" test "$(rcli llen nfqd-o)" = 0
redis_stop

# ---- kafka: no broker can run here -----------------------------------------

KPORT=$(free_port)		# nothing listens there
mkconf "$T/k.conf" "stdout, kafka://127.0.0.1:$KPORT/nfqd?message.timeout.ms=2000"
t0=$(date +%s)
replay "$T/k.conf" "$T/k.out" "$T/k.err"
# Its events did not all arrive: exit 3 after the summary (nfqd(8)).
if [ $? = 3 ] && grep -q "event lines lost" "$T/k.err"; then
	ok "replay with an unreachable kafka broker ends, exit 3 (events lost) ($(($(date +%s) - t0)) s)"
else
	bad "replay with an unreachable kafka broker:"
	sed 's/^/    /' "$T/k.err"
fi
check "kafka sink: ended within 30 s" test $(($(date +%s) - t0)) -le 30
check "kafka sink: all $nev events counted as dropped" \
    grep -q "kafka://127.0.0.1:$KPORT/nfqd?message.timeout.ms=2000: 0 events written, $nev dropped" "$T/k.err"
check "stdout still got every event" same "$T/want.json" "$T/k.out"

echo "redis: $pass passed, $fail failed"
[ "$fail" = 0 ]
