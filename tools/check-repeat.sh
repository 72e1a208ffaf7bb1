#!/bin/bash
# check-repeat: run the test suites N times, optionally with a CPU hog on
# every core for the whole run, and report each test's pass rate: per unit
# program, per replay case, per e2e test, per check of the other suites,
# and per suite.  A flaky test is a bug; this is how one is found.
#
#   tools/check-repeat.sh [-n N] [--load] [--san] [-s SUITE,...]
#                         [-e "E2E_TEST ..."] [-o DIR]
#   make check-repeat N=5 [LOAD=1] [SAN=1] [SUITES=unit,replay] [E2E="policy reload"]
#
# The suites and their command lines are those of `make test` (read with
# `make -n test`, so they cannot drift from the Makefile): unit, replay,
# replay-input, replay-pretty, pcaps, rules, nfqctl, sinks, sinks-redis, report,
# e2e, docs.  -s keeps only the named ones; -e runs only the named e2e
# tests.  --load starts one busy loop per core (nproc) before the first
# run and stops them after the last, on failure or interrupt too; each is
# bounded by timeout(1) to the runs' own bound (N x LOAD_MAX_RUN, default
# 3600 s a run).  --san runs the ASan+UBSan build's programs (SAN=1).
#
# Every run's output is kept in DIR (default /tmp/check-repeat.XXXXXX):
# DIR/run-I/SUITE.log, DIR/results.tsv (run, suite, test, result) and
# DIR/report.txt, which is also printed.  Exits 0 only when every run of
# every suite passed.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1

n=5 load=0 san=0 suites="" e2e="" dir=""
usage() {
	sed -n '/^#   tools/,/^#   make/p' "$0" | sed 's/^# //' >&2
	exit 2
}
while [ $# -gt 0 ]; do
	case $1 in
	-n) n=${2:-}; shift 2 ;;
	--load|-l) load=1; shift ;;
	--san) san=1; shift ;;
	-s) suites=${2:-}; shift 2 ;;
	-e) e2e=${2:-}; shift 2 ;;
	-o) dir=${2:-}; shift 2 ;;
	-h|--help) usage ;;
	*) echo "check-repeat: unknown argument '$1'" >&2; usage ;;
	esac
done
case $n in ''|*[!0-9]*|0) echo "check-repeat: -n wants a count of runs, 1 or more" >&2; usage ;; esac
[ -n "$dir" ] || dir=$(mktemp -d /tmp/check-repeat.XXXXXX)
mkdir -p "$dir" || exit 1
mkflags=(--no-print-directory)
[ $san = 1 ] && mkflags+=(SAN=1)

# ---- the suites, as `make test` runs them ----------------------------

echo "check-repeat: building (make -j2 test-progs: the programs and unit tests)"
if ! make "${mkflags[@]}" -j2 -s test-progs >"$dir/build.log" 2>&1 ||
    ! make "${mkflags[@]}" -n test >"$dir/make-n.txt" 2>>"$dir/build.log"; then
	cat "$dir/build.log"
	exit 1
fi

declare -a names cmds
while IFS= read -r line; do
	# a test line: VAR=value ... tests/SCRIPT.sh [args]
	printf '%s\n' "$line" |
	    grep -Eq '^([A-Za-z_]+=[^ ]* )*tests/[A-Za-z0-9_/.-]+\.sh( |$)' ||
	    continue
	script=$(printf '%s\n' "$line" | grep -Eo 'tests/[A-Za-z0-9_/.-]+\.sh' | head -n 1)
	case $script in
	tests/run-unit.sh)		name=unit ;;
	tests/pcaps-reproducible.sh)	name=pcaps ;;
	tests/*/run.sh)			name=${script#tests/}; name=${name%/run.sh} ;;
	*)				name=${script#tests/}; name=${name%.sh}
					name=${name//\//-} ;;
	esac
	if [ -n "$suites" ]; then
		case ",$suites," in *",$name,"*) ;; *) continue ;; esac
	fi
	[ "$name" = e2e ] && [ -n "$e2e" ] && line="$line $e2e"
	names+=("$name")
	cmds+=("$line")
done <"$dir/make-n.txt"
if [ ${#names[@]} = 0 ]; then
	echo "check-repeat: no suite selected (make -n test has: $(grep -o 'tests/[^ ]*\.sh' "$dir/make-n.txt" | xargs))" >&2
	exit 2
fi

# ---- the load ---------------------------------------------------------

hogs=() suite_pid=""
stop_load() {
	local p
	for p in "${hogs[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${hogs[@]}"; do wait "$p" 2>/dev/null; done
	hogs=()
}
# An interrupted run stops the suite that runs (its process group: the
# suites clean up on TERM) and the load, then exits.
interrupted() {
	echo "check-repeat: interrupted"
	if [ -n "$suite_pid" ]; then
		kill -TERM -- "-$suite_pid" 2>/dev/null
		wait "$suite_pid" 2>/dev/null
	fi
	exit 130
}
trap 'stop_load' EXIT
trap 'interrupted' INT TERM
if [ $load = 1 ]; then
	bound=$(( n * ${LOAD_MAX_RUN:-3600} ))
	for _ in $(seq 1 "$(nproc)"); do
		timeout "$bound" sh -c 'while :; do :; done' &
		hogs+=($!)
	done
	echo "check-repeat: load: ${#hogs[@]} busy loops (one per core), at most ${bound} s"
fi

# ---- the runs ---------------------------------------------------------

res=$dir/results.tsv
printf 'run\tsuite\ttest\tresult\n' >"$res"
echo "check-repeat: $n run(s) of: ${names[*]}${e2e:+ (e2e: $e2e)}; logs in $dir"
for run in $(seq 1 "$n"); do
	mkdir -p "$dir/run-$run"
	for i in "${!names[@]}"; do
		name=${names[$i]} log=$dir/run-$run/${names[$i]}.log
		start=$(date +%s)
		# In the background, in a process group of its own, so that
		# a signal reaches the trap at once (wait is interruptible).
		setsid bash -c "${cmds[$i]}" >"$log" 2>&1 </dev/null &
		suite_pid=$!
		wait "$suite_pid"
		rc=$?
		suite_pid=""
		secs=$(( $(date +%s) - start ))
		if [ $rc = 0 ]; then r=pass; else r=fail; fi
		printf '%s\t%s\t%s\t%s\n' "$run" "$name" "(suite)" "$r" >>"$res"
		printf '  run %s/%s %-14s %s (%ss, exit %s)\n' "$run" "$n" "$name" "$r" "$secs" "$rc"
		# One line a test: "ok NAME", "FAIL NAME: why", "skip NAME ...";
		# the unit runner names only its failures.
		if [ "$name" = unit ]; then
			for b in ${cmds[$i]#*run-unit.sh}; do
				if grep -qxF "FAIL $b" "$log"; then r=fail; else r=pass; fi
				printf '%s\t%s\t%s\t%s\n' "$run" unit "$(basename "$b")" "$r" >>"$res"
			done
			continue
		fi
		sed -n -e 's/^ok  *\(.*\)$/pass\t\1/p' -e 's/^FAIL  *\(.*\)$/fail\t\1/p' \
		    -e 's/^skip  *\(.*\)$/skip\t\1/p' "$log" |
		while IFS="$(printf '\t')" read -r r t; do
			# the test's name, without what varies from run to run
			t=$(printf '%s' "$t" | sed -e 's/ ([^)]*)$//' -e 's/: .*$//' \
			    -e 's/ ([0-9][^)]*)//g')
			printf '%s\t%s\t%s\t%s\n' "$run" "$name" "$t" "$r"
		done >>"$res"
	done
done
stop_load

# ---- the report -------------------------------------------------------

python3 - "$res" "$n" "$load" "$dir" >"$dir/report.txt" <<'PY'
import collections, sys
path, n, load, d = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1", sys.argv[4]
runs = collections.defaultdict(dict)        # (suite, test) -> run -> result
order = []
for row in list(open(path))[1:]:
    run, suite, test, r = row.rstrip("\n").split("\t")
    key = (suite, test)
    if key not in runs:
        order.append(key)
    # a name seen twice in one run: one failure fails it
    if runs[key].get(run) != "fail":
        runs[key][run] = r
def rate(key):
    v = [r for r in runs[key].values() if r != "skip"]
    return sum(r == "pass" for r in v), len(v)
print("check-repeat: %d run(s)%s; logs in %s" % (n, " under load (a busy loop per core)" if load else "", d))
print("\nper suite:")
for key in order:
    if key[1] == "(suite)":
        p, t = rate(key)
        print("  %-16s %d/%d passed (%3.0f%%)" % (key[0], p, t, 100.0 * p / t if t else 0))
flaky = [k for k in order if k[1] != "(suite)" and rate(k)[0] < rate(k)[1]]
tests = [k for k in order if k[1] != "(suite)"]
print("\nper test: %d tests, %d with a failure" % (len(tests), len(flaky)))
for k in flaky:
    p, t = rate(k)
    bad = ",".join(r for r, v in sorted(runs[k].items(), key=lambda x: int(x[0])) if v == "fail")
    print("  %-14s %-50s %d/%d passed (%3.0f%%), failed in run %s" % (k[0], k[1][:50], p, t, 100.0 * p / t, bad))
for suite in dict.fromkeys(s for s, _ in tests):
    ks = [k for k in tests if k[0] == suite]
    full = sum(rate(k)[0] == rate(k)[1] and rate(k)[1] > 0 for k in ks)
    skipped = sum(rate(k)[1] == 0 for k in ks)
    print("  %-14s %d tests: %d passed every run%s" % (suite, len(ks), full,
          ", %d skipped every run" % skipped if skipped else ""))
ok = all(rate(k)[0] == rate(k)[1] for k in order if k[1] == "(suite)")
print("\ncheck-repeat: %s" % ("every run of every suite passed" if ok else "FAILURES (see above; logs in %s)" % d))
PY
cat "$dir/report.txt"
awk -F '\t' 'NR > 1 && $3 == "(suite)" && $4 == "fail" { bad = 1 } END { exit bad }' "$res"
