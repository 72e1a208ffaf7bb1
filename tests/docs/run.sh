#!/bin/sh
# Documentation checks, one line per check:
#  - every man page is clean under `mandoc -Tlint -Wwarning`;
#  - every ```json block of docs/events.md parses (as one JSON document,
#    or as one JSON document per line), and every marked example of it
#    and of docs/detections.md is what nfqd writes now
#    (tools/events-doc.py --check; jq for the recipes);
#    docs/eve-live.json validates against both schemas, and
#    docs/eve-schema.json is what tools/eve-schema.py writes from
#    Suricata's (when ../shared has it);
#  - every dotted key path nfqd emits when replaying test-pcaps/campus-day
#    and test-pcaps/malformed (with their tests/replay/*/nfqd.conf) is
#    named in docs/events.md, as `path`;
#  - every key name nfqd/sink/eve.c can write (reload ones included, which a
#    replay never shows) is part of such a `path` (metadata values of
#    alerts included);
#  - every key of the key table in nfqd/policy/conf.c has its `.It Ic key` entry
#    in man/nfqd.conf.5;
#  - the man pages as a reader sees them (`mandoc -Tutf8`): no quote mark
#    opened inside another or closed twice, no doubled "", and no macro in
#    the source that swallows the rest of its line (`.Ql a , Ql b`,
#    `.Ql ok No or ...`, an Op inside an Op);
#  - the programs against the pages (tests/docs/programs.py): the files
#    `make install` puts are those in docs/deploy.md's table; the ipsets
#    `nfqd-rules print` creates are those nfqd-rules(8) lists, and as many;
#    every option a program's --help prints is in its page; every program
#    answers -h/--help and -V/--version (exit 0, "PROGRAM VERSION"), and a
#    usage error exits 2 with the usage on stderr, as the pages' EXIT
#    STATUS say; each page's SEE ALSO and the unit's Documentation= name
#    every page; README and the Makefile agree on `make demo` and bpf/;
#  - docs/architecture.md against the tree (tests/docs/architecture.py):
#    every layer folder and module in its table, every file and function
#    it names there.
# The programs are taken from the folder of NFQD (bin/ by default).
# Ends with "docs: N passed, N failed"; exits non-zero on any failure.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
NFQD=${NFQD:-bin/nfqd}
case $NFQD in /*) ;; *) NFQD=$top/$NFQD ;; esac
PYTHON=${PYTHON:-python3}
EVENTS=docs/events.md
CONF5=man/nfqd.conf.5
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT INT TERM
pass=0 fail=0

ok()	{ echo "ok   $*"; pass=$((pass + 1)); }
bad()	{ echo "FAIL $*"; fail=$((fail + 1)); }

# ---- man pages -------------------------------------------------------

if ! command -v mandoc >/dev/null 2>&1; then
	bad "mandoc not installed (tools/deps.sh installs it)"
else
	for page in man/*.[1-9]; do
		[ -f "$page" ] || continue
		if mandoc -Tlint -Wwarning "$page" >"$out/lint" 2>&1 &&
		    [ ! -s "$out/lint" ]; then
			ok "mandoc lint $page"
		else
			bad "mandoc lint $page:"
			sed 's/^/    /' "$out/lint"
		fi
	done
fi

# ---- docs/events.md: JSON examples -----------------------------------

if [ ! -f "$EVENTS" ]; then
	bad "$EVENTS is missing"
else
	"$PYTHON" - "$EVENTS" >"$out/json" <<'PY'
import json, sys
path = sys.argv[1]
blocks, cur, start = [], None, 0
for n, line in enumerate(open(path, encoding="utf-8"), 1):
    s = line.strip()
    if cur is None and s == "```json":
        cur, start = [], n
    elif cur is not None and s == "```":
        blocks.append((start, "".join(cur)))
        cur = None
    elif cur is not None:
        cur.append(line)
if cur is not None:
    print("FAIL %s:%d: ```json block never closed" % (path, start))
if not blocks:
    print("FAIL %s: no ```json examples" % path)
for start, text in blocks:
    try:
        json.loads(text)
        print("ok   %s:%d: JSON example parses" % (path, start))
        continue
    except ValueError as e:
        # Where the document went wrong, as a line of the .md file.
        err = "line %d: %s" % (start + e.lineno, e.msg)
    lines = [l for l in text.splitlines() if l.strip()]
    if lines and lines[0].strip().startswith("{") and \
            lines[0].strip().endswith("}"):
        # One event per line: each line on its own.
        err = None
        for i, line in enumerate(text.splitlines(), start + 1):
            if line.strip():
                try:
                    json.loads(line)
                except ValueError as e:
                    err = "line %d: %s" % (i, e.msg)
                    break
    if err:
        print("FAIL %s:%d: JSON example does not parse (%s)" % (path, start, err))
    else:
        print("ok   %s:%d: JSON example parses (one event per line)" % (path, start))
PY
	while IFS= read -r line; do
		case $line in
		"ok   "*) ok "${line#ok   }" ;;
		*) bad "${line#FAIL }" ;;
		esac
	done <"$out/json"
fi

# ---- key paths nfqd emits --------------------------------------------

replay() {	# CASE
	dir=tests/replay/$1
	pcap=$(head -n 1 "$dir/pcap")
	want=0
	[ -f "$dir/exit" ] && want=$(head -n 1 "$dir/exit")
	"$NFQD" -c "$dir/nfqd.conf" --replay "$pcap" >"$out/$1.json" \
	    2>"$out/$1.err"
	rc=$?
	if [ "$rc" = "$want" ] && [ -s "$out/$1.json" ]; then
		ok "replay $1 for key paths ($(wc -l <"$out/$1.json") events)"
		cat "$out/$1.json" >>"$out/all.json"
	else
		bad "replay $1: exit $rc (expected $want), $(wc -l <"$out/$1.json") events"
		sed 's/^/    /' "$out/$1.err"
	fi
}

if [ ! -x "$NFQD" ]; then
	bad "$NFQD is not built (make)"
else
	: >"$out/all.json"
	replay campus-day
	replay malformed
	"$PYTHON" - "$out/all.json" >"$out/paths" <<'PY'
import json, sys
paths = set()
def walk(v, pfx):
    if isinstance(v, dict):
        for k, x in v.items():
            walk(x, pfx + [k])
    elif isinstance(v, list):
        for x in v:
            walk(x, pfx)
    else:
        paths.add(".".join(pfx))
for line in open(sys.argv[1], encoding="utf-8"):
    if line.strip():
        walk(json.loads(line), [])
# nDPI's risks are keyed by their number: ndpi.flow_risk.<id>.risk
import re
paths = {re.sub(r"\.flow_risk\.[0-9]+\.", ".flow_risk.<id>.", p)
         for p in paths}
print("\n".join(sorted(paths)))
PY
	[ -s "$out/paths" ] || bad "no key paths collected from the replays"
	while IFS= read -r p; do
		[ -n "$p" ] || continue
		if grep -qF "\`$p\`" "$EVENTS" 2>/dev/null; then
			ok "key path $p in $EVENTS"
		else
			bad "key path $p (emitted by nfqd) not in $EVENTS as \`$p\`"
		fi
	done <"$out/paths"
fi

# Key names eve.c writes, whether or not a replay shows them (its one
# writer's calls: jw_str(w, "key", ...), jw_open(&w, "key"), ...).
names=$(sed -n '/jw_put\|jw_item\|jw_string/d; s/.*jw_[a-z0-9_]*(&\{0,1\}w, "\([a-z_0-9]*\)".*/\1/p' \
    nfqd/sink/eve.c | sort -u)
if [ -z "$names" ]; then
	bad "no key names found in nfqd/sink/eve.c"
else
	missing=""
	for k in $names; do
		grep -qE "\`([a-z_0-9<>]+\.)*$k(\.[a-z_0-9<>]+)*\`" "$EVENTS" 2>/dev/null ||
		    missing="$missing $k"
	done
	if [ -z "$missing" ]; then
		ok "every key name in nfqd/sink/eve.c ($(echo $names | wc -w)) in $EVENTS"
	else
		bad "key names in nfqd/sink/eve.c not in $EVENTS:$missing"
	fi
fi

# ---- docs/events.md: its examples are what nfqd writes ----------------

# Each marked example (<!-- eve ... -->, <!-- eve-sh ... -->) is written
# again from its replay case or docs/eve-live.json and must not differ.
if [ -x "$NFQD" ] && command -v jq >/dev/null 2>&1; then
	for doc in "$EVENTS" docs/detections.md; do
		if "$PYTHON" tools/events-doc.py --check --nfqd "$NFQD" "$doc" \
		    >"$out/examples" 2>&1; then
			ok "$(tail -n 1 "$out/examples") ($doc)"
		else
			bad "$doc examples drifted from what nfqd writes (tools/events-doc.py $doc rewrites them):"
			sed 's/^/    /' "$out/examples"
		fi
	done
else
	bad "$EVENTS examples not checked: no $NFQD or no jq (tools/deps.sh)"
fi
# The live examples are events of this format, valid against both schemas.
SURI=../shared/eve/suricata-schema.json
set -- --nfqd docs/eve-schema.json
[ -f "$SURI" ] && set -- "$@" --suricata "$SURI"
if "$PYTHON" tools/eve-check.py "$@" docs/eve-live.json >"$out/live" 2>&1; then
	ok "docs/eve-live.json: $(head -n 1 "$out/live" | cut -c 12-)"
else
	bad "docs/eve-live.json:"
	sed 's/^/    /' "$out/live"
fi
# docs/eve-schema.json is what tools/eve-schema.py writes from Suricata's.
if [ -f "$SURI" ]; then
	if "$PYTHON" tools/eve-schema.py --check "$SURI" docs/eve-schema.json \
	    >"$out/schema" 2>&1; then
		ok "docs/eve-schema.json: Suricata's schema with nfqd's part (tools/eve-schema.py)"
	else
		bad "$(cat "$out/schema")"
	fi
fi

# ---- configuration keys ----------------------------------------------

keys=$(sed -n '/conf_keys\[\] = {/,/^};/s/^[[:space:]]*{[[:space:]]*"\([a-z0-9-]*\)".*/\1/p' \
    nfqd/policy/conf.c)
if [ -z "$keys" ]; then
	bad "no keys found in the key table of nfqd/policy/conf.c"
else
	for k in $keys; do
		if grep -qE "^\.It Ic $k( |\$)" "$CONF5" 2>/dev/null; then
			ok "config key $k in $CONF5"
		else
			bad "config key $k (nfqd/policy/conf.c) has no '.It Ic $k' in $CONF5"
		fi
	done
fi

# ---- man pages as rendered, and their markup --------------------------

if command -v mandoc >/dev/null 2>&1; then
	for page in man/*.[1-9]; do
		[ -f "$page" ] || continue
		mandoc -Tutf8 "$page" >"$out/render" 2>/dev/null
		"$PYTHON" "$top/tests/docs/quotes.py" "$page" "$out/render" \
		    >"$out/quotes"
		if [ -s "$out/quotes" ]; then
			bad "quotes and markup of $page:"
			sed 's/^/    /' "$out/quotes"
		else
			ok "quotes and markup of $page (mandoc -Tutf8)"
		fi
	done
fi

# ---- the programs against the pages ----------------------------------

bindir=$(dirname "$NFQD")
if [ ! -x "$bindir/nfqd-rules" ]; then
	bad "$bindir/nfqd-rules is not built (make)"
elif ! command -v mandoc >/dev/null 2>&1; then
	:
else
	# make install into a scratch root (without the flags of a make
	# that runs this test: SAN=1 must not change what is installed).
	if env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$top" \
	    install DESTDIR="$out/root" PREFIX=/usr \
	    >"$out/install.log" 2>&1; then
		(cd "$out/root" && find . -type f | sed 's/^\.//' | sort) \
		    >"$out/installed"
	else
		bad "make install DESTDIR=... failed:"
		sed 's/^/    /' "$out/install.log"
		: >"$out/installed"
	fi
	"$PYTHON" "$top/tests/docs/programs.py" "$top" "$bindir" \
	    "$out/installed" >"$out/programs" 2>&1 ||
	    echo "FAIL tests/docs/programs.py exited $?" >>"$out/programs"
	while IFS= read -r line; do
		case $line in
		"ok   "*) ok "${line#ok   }" ;;
		"FAIL "*) bad "${line#FAIL }" ;;
		*) bad "tests/docs/programs.py: $line" ;;
		esac
	done <"$out/programs"
fi

# ---- docs/architecture.md against the tree ----------------------------

"$PYTHON" "$top/tests/docs/architecture.py" "$top" >"$out/arch" 2>&1 ||
    echo "FAIL tests/docs/architecture.py exited $?" >>"$out/arch"
while IFS= read -r line; do
	case $line in
	"ok   "*) ok "${line#ok   }" ;;
	"FAIL "*) bad "${line#FAIL }" ;;
	*) bad "tests/docs/architecture.py: $line" ;;
	esac
done <"$out/arch"

echo "docs: $pass passed, $fail failed"
[ $fail = 0 ]
