#!/bin/sh
# Install the Debian 12 packages nfqd needs to build and test, if missing.
# Run by `make check` and `make demo`; as root it apt-get installs what
# pkg-config or `command -v` cannot find, otherwise it names the packages.
set -eu
missing=""

want() {
	case " $missing " in *" $1 "*) ;; *) missing="$missing $1" ;; esac
}
need_cmd() {
	command -v "$1" >/dev/null 2>&1 || want "$2"
}
need_pkg() {
	pkg-config --exists "$1" 2>/dev/null || want "$2"
}

need_cmd pkg-config pkg-config
need_cmd cc build-essential
need_cmd make make
need_cmd clang clang
need_cmd python3 python3
need_pkg libpcap libpcap-dev
need_pkg libcjson libcjson-dev
need_pkg cmocka libcmocka-dev
need_pkg libndpi libndpi-dev
need_pkg libnetfilter_queue libnetfilter-queue-dev
need_pkg libmnl libmnl-dev

[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "nfqd needs these Debian packages:$missing" >&2
	echo "as root: apt-get install$missing" >&2
	exit 1
fi
echo "tools/deps.sh: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
