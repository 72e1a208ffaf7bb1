#!/bin/sh
# Regenerate the seed corpora in tests/fuzz/corpus/ (`make fuzz-corpus`).
# Deterministic: the same captures and configurations give the same files.
#
#   pkt/, smtp/   from test-pcaps/*.pcap* and, when present, the shared
#                 third-party captures (SHARED_PCAPS, ../shared/pcaps),
#                 by build/fuzz/mkcorpus (tests/fuzz/mkcorpus.c)
#   conf/         nfqd/nfqd.conf and every tests/replay/*/nfqd.conf, each
#                 with its exceptions.conf after a "===" line (fuzz_conf)
#   exceptions/   every exceptions.conf in the repository
#   event/        one small event of each type (fuzz_event)
#   ctl/          control-socket requests, words and JSON (fuzz_ctl)
#
# Identical files are kept once.  Inputs the fuzzer finds interesting are
# not added here: a run works on a copy (tests/fuzz/run.sh).
set -eu
cd "$(dirname "$0")/../.."
MKCORPUS=${MKCORPUS:-build/fuzz/mkcorpus}
SHARED_PCAPS=${SHARED_PCAPS:-../shared/pcaps}
C=tests/fuzz/corpus
export LC_ALL=C

[ -x "$MKCORPUS" ] || { echo "mkcorpus.sh: build $MKCORPUS first" >&2; exit 1; }
rm -rf "$C"
mkdir -p "$C/pkt" "$C/smtp" "$C/conf" "$C/exceptions" "$C/event" "$C/ctl"

caps=$(ls test-pcaps/*.pcap* | sort)
if [ -d "$SHARED_PCAPS" ]; then
	caps="$caps $(ls "$SHARED_PCAPS"/*.pcap* 2>/dev/null | sort)"
fi
# shellcheck disable=SC2086
"$MKCORPUS" "$C/pkt" "$C/smtp" $caps

# Keep one file of each content (the first by name).
dedup() {
	for f in $(ls "$1" | sort); do
		echo "$(sha1sum <"$1/$f" | cut -c1-40) $f"
	done | sort -s -k1,1 | awk 'seen[$1]++ { print $2 }' |
	    while read -r f; do rm -f "$1/$f"; done
}

conf_seed() {	# DIR NAME
	{
		cat "$1/nfqd.conf"
		if [ -f "$1/exceptions.conf" ]; then
			printf '\n===\n'
			cat "$1/exceptions.conf"
		fi
	} >"$C/conf/$2"
}
conf_seed nfqd sample
for d in $(ls -d tests/replay/*/ | sort); do
	d=${d%/}
	[ -f "$d/nfqd.conf" ] && conf_seed "$d" "$(basename "$d")"
done

cp nfqd/exceptions.conf "$C/exceptions/sample"
for d in $(ls -d tests/replay/*/ | sort); do
	d=${d%/}
	[ -f "$d/exceptions.conf" ] &&
	    cp "$d/exceptions.conf" "$C/exceptions/$(basename "$d")"
done

# fuzz_event: buffer byte, type, then fields (tests/fuzz/fuzz_event.c).
t=0
while [ $t -lt 9 ]; do
	{
		printf "\\000\\$(printf %03o $t)"
		printf '\000\000\001\223\000\000\000\000\000\000\000\000\000\000\000\007'
		printf '\000\012\024\001\031\000\000\000\000\000\000\000\000\000\000\000\000'
		printf '\001\040\001\015\270\000\040\000\001\000\000\000\000\000\000\000\045'
		printf '\000\000\000\000\000\000\241\061\000\000\000\000\000\000\000\031'
		printf '\004smtp\001\001\002\003\010NET-1001\011its-mail\01210.20.1.25'
		printf '\0242026-12-31T00:00:00Z\050nfqd: caf\303\251 \342\202\254 on port 25'
	} >"$C/event/type$t"
	t=$((t + 1))
done

# fuzz_ctl: one request per file, as nfqctl sends them (nfqd/daemon/ctl.c).
n=0
while IFS= read -r req; do
	n=$((n + 1))
	printf '%s\n' "$req" >"$C/ctl/req$n"
done <<'REQ'
status
reload
flows
flows 10.20.3.44 50
exceptions 2001:db8:20::/48
quarantine list
quarantine add 10.20.3.44 24h spam bot, ticket SEC-77
quarantine add 2001:db8:20::/64 90m café relay
quarantine remove 10.20.3.44
{"cmd":"status"}
{"cmd":"flows","host":"10.20.3.44","limit":10}
{"cmd":"exceptions","limit":1000000}
{"cmd":"quarantine","op":"add","host":"10.20.3.0/24","for":"7d","reason":"scan","who":"alice"}
{"cmd":"quarantine","op":"add","host":"10.20.3.44","for":3600,"reason":"spam \u00e9"}
{"cmd":"quarantine","op":"remove","host":"10.20.3.44","who":"bob"}
{"cmd":"quarantine","op":"list"}
census 7
{"cmd":"census","days":35}
REQ

for d in pkt smtp conf exceptions event ctl; do
	dedup "$C/$d"
	echo "corpus/$d: $(ls "$C/$d" | wc -l) files, $(du -sk "$C/$d" | cut -f1) KB"
done
