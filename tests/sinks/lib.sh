# tests/sinks/lib.sh: what tests/sinks/run.sh and redis.sh share, sourced
# after they set top, NFQD and PYTHON (and NAME, for the scratch folder).
# A scratch folder $T and the background processes in $pids are removed
# by an EXIT trap; ok/bad count the checks.

PCAP=$top/test-pcaps/campus-day.pcap
CASE=$top/tests/replay/campus-day
T=$(mktemp -d "${TMPDIR:-/tmp}/nfqd-${NAME:-sinks}.XXXXXX")
pids=""
pass=0 fail=0

cleanup() {
	for p in $pids; do
		kill -9 "$p" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

ok()	{ echo "ok   $*"; pass=$((pass + 1)); }
bad()	{ echo "FAIL $*"; fail=$((fail + 1)); }
# check NAME COMMAND...: ok when the command succeeds, else FAIL and its output
check() {
	name=$1
	shift
	if out=$("$@" 2>&1); then
		ok "$name"
	else
		bad "$name"
		[ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/    /'
	fi
}

# mkconf FILE SINKS: the campus-day configuration with other event sinks
mkconf() {
	grep -v '^[[:space:]]*events[[:space:]]*=' "$CASE/nfqd.conf" >"$1"
	echo "events = $2" >>"$1"
	cp "$CASE/exceptions.conf" "$(dirname "$1")/exceptions.conf"
}

# replay CONF OUT ERR: run the campus day, bounded in time
replay() {
	timeout 120 "$NFQD" -c "$1" --replay "$PCAP" >"$2" 2>"$3"
}

free_port() {
	"$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
