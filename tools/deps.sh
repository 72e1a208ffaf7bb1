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
# replay of gzip-compressed captures (nfqd/daemon/replay.c)
need_pkg zlib zlib1g-dev
need_pkg libcjson libcjson-dev
need_pkg cmocka libcmocka-dev
need_pkg libndpi libndpi-dev
need_pkg libnetfilter_queue libnetfilter-queue-dev
need_pkg libmnl libmnl-dev
# the eBPF fast path (bpf/, nfqd/daemon/fastpath.c): clang -target bpf, libbpf,
# bpftool for vmlinux.h and the skeleton
need_pkg libbpf libbpf-dev
need_cmd bpftool bpftool
# least privilege (nfqd/daemon/priv.c): capabilities and the system call filter
need_pkg libcap-ng libcap-ng-dev
need_pkg libseccomp libseccomp-dev
# event sinks: redis:// (hiredis) and kafka:// (librdkafka)
need_pkg hiredis libhiredis-dev
need_pkg rdkafka librdkafka-dev
# tests/e2e: network namespaces, real SMTP servers and clients
need_cmd ip iproute2
need_cmd iptables iptables
need_cmd ip6tables iptables
need_cmd ipset ipset
need_cmd conntrack conntrack
need_cmd pgrep procps
need_cmd swaks swaks
/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || want python3-aiosmtpd
# tests/e2e/test_roles.sh: packets crafted where an attacker would craft them
/usr/bin/python3 -c 'import scapy' 2>/dev/null || want python3-scapy
# swaks speaks IPv6 only with IO::Socket::INET6 (a Recommends, not a Depends)
perl -MIO::Socket::INET6 -e 1 2>/dev/null || want libio-socket-inet6-perl

# nfqd-rules (runs these) and tests/rules
need_cmd iptables-restore iptables
need_cmd ip6tables-restore iptables
need_cmd ip6tables-save iptables
need_cmd ipset ipset
need_cmd nft nftables
need_cmd ip iproute2
need_cmd conntrack conntrack
# tests/e2e/test_privs.sh: a test user, nfqctl and nfqd as other users
need_cmd setpriv util-linux
# tests/e2e/test_sink_dns.sh: nfqd with an /etc/hosts of its own
need_cmd unshare util-linux
need_cmd mount mount
# tests/e2e/test_reload.sh: gdb holds the event writer for the worst
# moment of a logrotate
need_cmd gdb gdb
need_cmd useradd passwd
# make test-valgrind (make check): memcheck over replay and the daemon
need_cmd valgrind valgrind
# tests/unit/test_tz.c, tests/nfqctl: expiry in the campus's zone, read
# from the zone files (America/Los_Angeles, Pacific/Auckland, ...)
[ -e /usr/share/zoneinfo/America/Los_Angeles ] || want tzdata
# tests/docs: man page lint
need_cmd mandoc mandoc
# tests/replay, tests/e2e: every event against Suricata's and nfqd's EVE
# schemas (tools/eve-check.py, draft 2020-12)
/usr/bin/python3 -c 'import jsonschema' 2>/dev/null || want python3-jsonschema
# tests/docs: the jq recipes of docs/events.md, run over replays
need_cmd jq jq
# tests/fuzz (make fuzz, make check): clang's libFuzzer and the ASan/UBSan
# runtimes it links (-fsanitize=fuzzer,address,undefined)
need_cmd clang clang
[ -e /usr/lib/llvm-14/lib/libFuzzer.a ] || want libfuzzer-14-dev
ls /usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-*.a \
    >/dev/null 2>&1 || want libclang-rt-14-dev
# tests/e2e/test_fastpath.sh and bench/fastpath.sh: SYN floods
need_cmd hping3 hping3
need_cmd trafgen netsniff-ng
# tests/sinks: Debian's rsyslog as a real collector of nfqd's events
need_cmd rsyslogd rsyslog
# tests/e2e/test_ha.sh: conntrack state replicated between two routers
need_cmd conntrackd conntrackd
need_cmd openssl openssl
# bench/ (make bench): ndpiReader is the replay baseline, iperf3 the bulk
# one, /usr/bin/time the peak memory, perf the profiles (PERF=1)
need_cmd ndpiReader libndpi-bin
need_cmd iperf3 iperf3
[ -x /usr/bin/time ] || want time
need_cmd taskset util-linux
need_cmd perf linux-perf
# tests/report: nfqd-collect report --html rendered by a real browser,
# its screenshot read by PIL (Debian's, for Debian's python3)
need_cmd chromium chromium
/usr/bin/python3 -c 'import PIL' 2>/dev/null || want python3-pil
# tests/sinks: a real redis-server for the redis:// sink
need_cmd redis-server redis-server
need_cmd redis-cli redis-tools
# tests/e2e/test_fault_*: trafgen (floods, bursts), bc, ss
need_cmd trafgen netsniff-ng
need_cmd bc bc
need_cmd ss iproute2
# tests/e2e/test_metrics.sh: a real Prometheus scraping node_exporter's
# textfile collector, which serves nfqd's metrics file; promtool lints it
need_cmd prometheus prometheus
need_cmd promtool prometheus
need_cmd prometheus-node-exporter prometheus-node-exporter

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
