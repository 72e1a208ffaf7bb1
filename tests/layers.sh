#!/bin/sh
# The layers of nfqd/ (docs/architecture.md): a file includes headers of
# its own layer or of the layers below, never above.  Also: no file under
# nfqd/ includes the tests' umbrella.  Exit 1 with every offence named.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
rank() {
	case $1 in
	base) echo 0 ;; policy) echo 1 ;; event) echo 2 ;; engine) echo 3 ;;
	sink) echo 4 ;; kernel) echo 5 ;; control) echo 6 ;; daemon) echo 7 ;;
	nfqctl) echo 7 ;; collect) echo 7 ;; *) echo 99 ;;
	esac
}
bad=0 n=0
for f in nfqd/*/*.c nfqd/*/*.h; do
	layer=${f#nfqd/}; layer=${layer%%/*}
	me=$(rank "$layer")
	for inc in $(sed -n 's/^#include "\([a-z_]*\)\/[^"]*".*/\1/p' "$f"); do
		n=$((n + 1))
		case $inc in bpf|tests) [ "$inc" = tests ] || continue ;; esac
		them=$(rank "$inc")
		if [ "$inc" = tests ] || [ "$them" -gt "$me" ] ||
		    { [ "$them" = "$me" ] && [ "$inc" != "$layer" ]; }; then
			echo "FAIL $f ($layer) includes $inc/"
			bad=$((bad + 1))
		fi
	done
done
echo "layers: $n includes checked, $bad across a layer upwards"
[ $bad = 0 ]
