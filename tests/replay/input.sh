#!/bin/sh
# Replay input and exit codes (nfqd(8) EXIT STATUS): a capture from
# standard input, file or pipe; gzip-compressed, file or pipe; a truncated
# gzip stream; another compression named with the command that reads it;
# a second --replay; a replay whose events were lost.  Each replay that
# succeeds must write the same events, byte for byte, as the plain file.
# Ends with "replay-input: N passed, N failed".
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
NFQD=${NFQD:-$top/bin/nfqd}
case $NFQD in /*) ;; *) NFQD=$top/$NFQD ;; esac
case=$top/tests/replay/campus-day
conf=$case/nfqd.conf
pcap=$top/$(head -n 1 "$case/pcap")
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT INT TERM
pass=0 fail=0

ok()	{ echo "ok   $*"; pass=$((pass + 1)); }
bad()	{ echo "FAIL $*"; fail=$((fail + 1)); }

# NAME WANT_RC STDERR_TEXT: the last run's exit code and stderr
check_run() {
	if [ "$rc" != "$2" ]; then
		bad "$1: exit $rc, expected $2"
		sed 's/^/    /' "$out/err"
	elif [ -n "$3" ] && ! grep -qF -- "$3" "$out/err"; then
		bad "$1: stderr lacks '$3'"
		sed 's/^/    /' "$out/err"
	else
		return 0
	fi
	return 1
}

# NAME: the last run wrote the reference events
same_events() {
	if cmp -s "$out/ref.json" "$out/got.json"; then
		ok "$1 ($(wc -l <"$out/got.json") events, as from the file)"
	else
		bad "$1: events differ from the plain file's"
		diff "$out/ref.json" "$out/got.json" | head -n 5 | sed 's/^/    /'
	fi
}

"$NFQD" -c "$conf" --replay "$pcap" >"$out/ref.json" 2>"$out/err"
rc=$?
check_run "plain file" 0 "replay of $pcap" &&
    [ -s "$out/ref.json" ] && ok "plain file"
gzip -c "$pcap" >"$out/c.pcap.gz"

"$NFQD" -c "$conf" --replay - <"$pcap" >"$out/got.json" 2>"$out/err"
rc=$?
check_run "standard input, a file" 0 "replay of standard input" &&
    same_events "standard input, a file"

cat "$pcap" | "$NFQD" -c "$conf" --replay - >"$out/got.json" 2>"$out/err"
rc=$?
check_run "standard input, a pipe" 0 "" && same_events "standard input, a pipe"

"$NFQD" -c "$conf" --replay "$out/c.pcap.gz" >"$out/got.json" 2>"$out/err"
rc=$?
check_run "gzip file" 0 "" && same_events "gzip file"

gzip -c "$pcap" | "$NFQD" -c "$conf" --replay - >"$out/got.json" 2>"$out/err"
rc=$?
check_run "gzip through a pipe" 0 "" && same_events "gzip through a pipe"

head -c 3000 "$out/c.pcap.gz" >"$out/t.pcap.gz"
"$NFQD" -c "$conf" --replay "$out/t.pcap.gz" >/dev/null 2>"$out/err"
rc=$?
check_run "truncated gzip" 1 "t.pcap.gz: gzip: unexpected end of file" &&
    ok "truncated gzip: exit 1, zlib's error named"

# xz's magic, then nothing: refused before any packet, with the command.
printf '\375\067\172\130\132\000\000\004' >"$out/c.pcap.xz"
"$NFQD" -c "$conf" --replay "$out/c.pcap.xz" >/dev/null 2>"$out/err"
rc=$?
check_run "xz capture" 1 "xz -dc $out/c.pcap.xz | nfqd --replay -" &&
    ok "xz capture: exit 1, names the command that reads it"

"$NFQD" -c "$conf" --replay "$pcap" --replay "$pcap" >"$out/got.json" \
    2>"$out/err"
rc=$?
if check_run "second --replay" 2 "--replay given twice"; then
	if [ -s "$out/got.json" ] || ! grep -q '^usage:' "$out/err"; then
		bad "second --replay: wrote events, or no usage on stderr"
	else
		ok "second --replay: exit 2, usage on stderr, nothing replayed"
	fi
fi

# Every line fails to be written: the summary, then exit 3.
sed 's|^events *=.*|events = file:/dev/full|' "$conf" >"$out/full.conf"
cp "$case/exceptions.conf" "$out/"
"$NFQD" -c "$out/full.conf" --replay "$pcap" >/dev/null 2>"$out/err"
rc=$?
if check_run "lost events" 3 "event lines lost"; then
	if grep -q "replay of $pcap" "$out/err"; then
		ok "lost events: the summary, then exit 3"
	else
		bad "lost events: no summary before the exit"
	fi
fi

echo "replay-input: $pass passed, $fail failed"
[ $fail = 0 ]
