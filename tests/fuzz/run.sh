#!/bin/sh
# Run the libFuzzer targets for a bounded time each (docs/fuzzing.md).
#
#   tests/fuzz/run.sh [SECONDS [TARGET...]]
#
# SECONDS per target (default 10, what `make check` runs; `make fuzz`
# runs 300; 0 replays the regression inputs only).  For each target fuzz_NAME: first every input in
# tests/fuzz/regress/NAME/ once (each must pass: the regression tests),
# then fuzzing from a copy of tests/fuzz/corpus/NAME/ (the committed
# corpus is never grown here) with tests/fuzz/dict/NAME.dict if any.
# Prints ok/FAIL per target and "fuzz: N passed, N failed"; exits 1 on
# any crash, leak, timeout, sanitizer report or failed check.  A crash
# input is kept under FUZZ_ARTIFACTS and its path printed.
#
# Environment: FUZZ_BIN (build/fuzz: the fuzz_* programs; built with
# `make fuzz-build` when missing), FUZZ_JOBS (targets at once, default
# the CPU count), FUZZ_ARTIFACTS (build/fuzz/artifacts), FUZZ_KEEP (a
# folder: keep each target's grown corpus there, for `-merge=1`).
# shellcheck disable=SC2086,SC2012	# word splitting of options is meant
set -u
cd "$(dirname "$0")/../.." || exit 1
root=$(pwd)
secs=${1:-10}
[ $# -gt 0 ] && shift
FUZZ_BIN=${FUZZ_BIN:-build/fuzz}
FUZZ_ARTIFACTS=${FUZZ_ARTIFACTS:-build/fuzz/artifacts}
FUZZ_JOBS=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 2)}
F=tests/fuzz
case $FUZZ_BIN in /*) ;; *) FUZZ_BIN=$root/$FUZZ_BIN ;; esac
case $FUZZ_ARTIFACTS in /*) ;; *) FUZZ_ARTIFACTS=$root/$FUZZ_ARTIFACTS ;; esac

case $secs in
''|*[!0-9]*) echo "usage: $0 [SECONDS [TARGET...]]" >&2; exit 2 ;;
esac
if [ $# -gt 0 ]; then
	targets="$*"
else
	targets=$(ls $F/fuzz_*.c | sed 's|.*/\(fuzz_[a-z0-9_]*\)\.c|\1|' |
	    LC_ALL=C sort)
fi
missing=""
for t in $targets; do
	[ -x "$FUZZ_BIN/$t" ] || missing="$missing $t"
done
if [ -n "$missing" ]; then
	echo "fuzz: building$missing"
	${MAKE:-make} --no-print-directory fuzz-build >/dev/null ||
	    { echo "fuzz: FAIL: could not build the fuzzers" >&2; exit 1; }
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/nfqd-fuzz-run.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
mkdir -p "$FUZZ_ARTIFACTS"
start=$(date +%s)

# Sanitizer or libFuzzer reports that must fail the run even if the exit
# status were 0.
BAD='ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|ERROR: libFuzzer|fuzz check failed|WARNING: MemorySanitizer|SUMMARY: '

# One target: regressions, then fuzzing.  Writes $tmp/$t.result.
one() {
	t=$1
	s=${t#fuzz_}		# corpus/, regress/ and dict/ use the short name
	bin=$FUZZ_BIN/$t
	w=$tmp/$t
	mkdir -p "$w/corpus" "$w/scratch"
	opts="-rss_limit_mb=2048 -timeout=10"
	: >"$w/log"

	if [ -d "$F/regress/$s" ]; then
		for r in "$F"/regress/"$s"/*; do
			[ -f "$r" ] || continue
			if ! TMPDIR=$w/scratch "$bin" $opts "$r" \
			    >>"$w/log" 2>&1 ||
			    grep -Eq "$BAD" "$w/log"; then
				echo "FAIL $t: regression input $r" >"$w/result"
				return
			fi
		done
	fi
	nreg=$(ls "$F/regress/$s" 2>/dev/null | wc -l)
	if [ "$secs" = 0 ]; then	# the regression inputs only
		echo "ok   $t: $nreg regression inputs" >"$w/result"
		return
	fi

	[ -d "$F/corpus/$s" ] && cp "$F/corpus/$s"/* "$w/corpus/" 2>/dev/null
	dict=""
	[ -f "$F/dict/$s.dict" ] && dict="-dict=$root/$F/dict/$s.dict"
	# Room for lines over the parsers' 4096-byte limit.
	case $s in conf|exceptions) dict="$dict -max_len=9000" ;; esac
	(cd "$w" && TMPDIR=$w/scratch "$bin" $opts $dict \
	    -max_total_time="$secs" -print_final_stats=1 \
	    -artifact_prefix="$FUZZ_ARTIFACTS/$t-" corpus \
	    >fuzz.log 2>&1)
	rc=$?
	cat "$w/fuzz.log" >>"$w/log"
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$w/fuzz.log")
	eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$w/fuzz.log")
	cov=$(grep -a ' cov: ' "$w/fuzz.log" | tail -1 |
	    sed -n 's/.* cov: \([0-9]*\) ft: \([0-9]*\) corp: \([0-9]*\).*/cov \1 ft \2 corpus \3/p')
	if [ $rc -ne 0 ] || grep -aEq "$BAD" "$w/fuzz.log"; then
		crash=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' \
		    "$w/fuzz.log" | head -1)
		echo "FAIL $t: exit $rc${crash:+, input $crash}" >"$w/result"
	else
		printf 'ok   %-16s %ss %10s runs %7s/s  %s, %s regression inputs\n' \
		    "$t" "$secs" "${runs:-?}" "${eps:-?}" "${cov:-?}" "$nreg" \
		    >"$w/result"
	fi
	if [ -n "${FUZZ_KEEP:-}" ]; then
		mkdir -p "$FUZZ_KEEP/$s" && cp "$w/corpus"/* "$FUZZ_KEEP/$s/"
	fi
}

# FUZZ_JOBS targets at a time (each runs for the same time).
set -- $targets
while [ $# -gt 0 ]; do
	n=0
	while [ $# -gt 0 ] && [ $n -lt "$FUZZ_JOBS" ]; do
		one "$1" &
		shift
		n=$((n + 1))
	done
	wait
done

pass=0 fail=0
for t in $targets; do
	res=$(cat "$tmp/$t/result" 2>/dev/null || echo "FAIL $t: no result")
	echo "$res"
	case $res in
	ok*)	pass=$((pass + 1)) ;;
	*)	fail=$((fail + 1))
		# The report: the first sanitizer or check lines, and the stack.
		pat="$BAD|==ERROR|deadly signal|Slowest unit|out-of-memory"
		if grep -aEq "$pat" "$tmp/$t/log"; then
			grep -aE -A30 "$pat" "$tmp/$t/log" | head -60
		else
			tail -n 20 "$tmp/$t/log"
		fi | sed 's/^/    /'
		;;
	esac
done
echo "fuzz: $(echo $targets | wc -w) targets, ${secs}s each, $(( $(date +%s) - start ))s in all"
echo "fuzz: $pass passed, $fail failed"
[ $fail -eq 0 ]
