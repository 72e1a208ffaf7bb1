# tests/e2e/ha.sh: two redundant border routers, conntrackd between them.
#
# Sourced (bash) by tests/e2e/test_ha*.sh, after lib.sh's helpers (it
# sources lib.sh itself).  Same conventions: everything is named
# nfqdt-<pid>-* or lives in $T, and lib.sh's trap tears it down, the
# conntrackd daemons too.
#
#   campus LAN (bridge "campus"        r1 c0 10.20.0.2    r1 o0 198.51.100.2     outside LAN (bridge
#   in namespace "lan")            /  [VIP 10.20.0.1]     [VIP 198.51.100.1] \    "outside")
#   gw   10.20.1.25/16  ---------- +                                          + -- mta 198.51.100.7/24
#   ws   10.20.3.44/16             \  r2 c0 10.20.0.3     r2 o0 198.51.100.3 /
#   siem 10.20.9.9/16 (collector)       r1 sync 192.0.2.1 -- r2 sync 192.0.2.2 (conntrackd FTFW, UDP)
#
#   IPv6: gw 2001:db8:20:1::25 and ws 2001:db8:20:3::44 on 2001:db8:20::/48
#   (routers ::2, ::3), mta 2001:db8:99::7 on 2001:db8:99::/64 (routers
#   ::2, ::3); the virtual gateway is fe80::1 on both sides.
#
# The hosts route through the virtual addresses (10.20.0.1 and fe80::1
# campus side, 198.51.100.1 and fe80::1 outside), held by one router at a
# time, as keepalived would hold them.  ha_failover moves them: the new
# primary commits conntrackd's external cache to its kernel table first
# (what primary-backup.sh does on keepalived's notify_master), then takes
# the addresses and announces them (gratuitous ARP, unsolicited neighbour
# advertisements).
#
# Both routers run nfqd-rules, nfqd (same nfqd.conf and exceptions.conf
# but for sensor-name and the scratch paths) and conntrackd; every nfqd
# sends its events to one nfqd-collect on the siem host, over the
# campus LAN, as well as to its own file.

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

NFQD_COLLECT=${NFQD_COLLECT:-$TOP/bin/nfqd-collect}
case $NFQD_COLLECT in /*) ;; *) NFQD_COLLECT=$TOP/$NFQD_COLLECT ;; esac

LAN="${P}lan"
VIP_C=10.20.0.1			VIP_O=198.51.100.1
SIEM4=10.20.9.9
HA_PORT=$((20000 + $$ % 20000))	# the collector's TCP port
declare -A RC=([r1]=10.20.0.2 [r2]=10.20.0.3)		# campus side
declare -A RO=([r1]=198.51.100.2 [r2]=198.51.100.3)	# outside
declare -A RS=([r1]=192.0.2.1 [r2]=192.0.2.2)		# sync link
declare -A RC6=([r1]=2001:db8:20::2 [r2]=2001:db8:20::3)
declare -A RO6=([r1]=2001:db8:99::2 [r2]=2001:db8:99::3)
VIP6=fe80::1
declare -A HA_NFQD_PID=()
PRIMARY=""
# reject = yes (the default here) or no in both nfqd.conf: with no, a
# blocked SYN is dropped instead of reset, and each refused batch waits
# SMTP_TIMEOUT seconds.
HA_REJECT=${HA_REJECT:-yes}

HOST_NS[$SIEM4]=siem

ha_require() {
	command -v conntrackd >/dev/null 2>&1 ||
	    fatal "conntrackd is not installed (tools/deps.sh)"
	command -v openssl >/dev/null 2>&1 ||
	    fatal "openssl is not installed (tools/deps.sh)"
	[ -x "$NFQD_COLLECT" ] || fatal "$NFQD_COLLECT is not built (make)"
}

# A veth from namespace NS (interface IF) to bridge BR in the lan namespace.
lan_link() {	# NS IF BR PORT
	ip -n "$LAN" link add "$4" type veth peer name "$2" netns "$1" ||
	    fatal "veth $4 failed"
	ip -n "$LAN" link set "$4" master "$3" up
	ip -n "$1" link set "$2" up
}

ha_topo_up() {
	local r h
	ns_add lan
	for h in campus outside; do
		ip -n "$LAN" link add "$h" type bridge || fatal "bridge $h"
		ip -n "$LAN" link set "$h" up
	done
	for r in r1 r2; do
		ns_add "$r"
		ip netns exec "$P$r" sysctl -qw net.ipv4.ip_forward=1 \
		    net.ipv6.conf.all.forwarding=1 \
		    net.netfilter.nf_conntrack_acct=1 >/dev/null ||
		    fatal "sysctl in $P$r"
		lan_link "$P$r" c0 campus "$r-c"
		lan_link "$P$r" o0 outside "$r-o"
		ip -n "$P$r" addr add "${RC[$r]}/16" dev c0
		ip -n "$P$r" addr add "${RO[$r]}/24" dev o0
		ip -n "$P$r" addr add "${RC6[$r]}/48" dev c0 nodad
		ip -n "$P$r" addr add "${RO6[$r]}/64" dev o0 nodad
	done
	ip -n "${P}r1" link add sync type veth peer name sync netns "${P}r2" ||
	    fatal "sync link"
	for r in r1 r2; do
		ip -n "$P$r" addr add "${RS[$r]}/30" dev sync
		ip -n "$P$r" link set sync up
	done
	for h in gw:$GW4 ws:$WS4 siem:$SIEM4; do
		ns_add "${h%%:*}"
		lan_link "$P${h%%:*}" eth0 campus "${h%%:*}"
		ip -n "$P${h%%:*}" addr add "${h#*:}/16" dev eth0
		ip -n "$P${h%%:*}" route add default via "$VIP_C" dev eth0
	done
	ns_add mta
	lan_link "${P}mta" eth0 outside mta
	ip -n "${P}mta" addr add "$MTA4/24" dev eth0
	ip -n "${P}mta" route add default via "$VIP_O" dev eth0
	ip -n "${P}gw" addr add "$GW6/48" dev eth0 nodad
	ip -n "${P}ws" addr add "$WS6/48" dev eth0 nodad
	ip -n "${P}mta" addr add "$MTA6/64" dev eth0 nodad
	for h in gw ws mta; do
		ip -n "$P$h" -6 route add default via "$VIP6" dev eth0 ||
		    fatal "IPv6 default route in $h"
	done
	vip_take r1
	vsay "HA topology up: ${NAMESPACES[*]}"
}

# Router R takes both virtual addresses and announces them.
vip_take() {	# R
	local dev a
	for dev in c0 o0; do
		[ $dev = c0 ] && a=$VIP_C || a=$VIP_O
		ip -n "$P$1" addr add "$a/32" dev $dev &&
		    ip -n "$P$1" addr add "$VIP6/64" dev $dev nodad ||
		    fatal "virtual addresses on $1 $dev"
		ip netns exec "$P$1" "$PY" "$E2E_DIR/garp.py" $dev "$a" 3 &&
		    ip netns exec "$P$1" "$PY" "$E2E_DIR/garp.py" $dev "$VIP6" 3 ||
		    fatal "announcing the addresses from $1 $dev failed"
	done
	PRIMARY=$1
}

vip_release() {	# R
	ip -n "$P$1" addr del "$VIP_C/32" dev c0 2>/dev/null
	ip -n "$P$1" addr del "$VIP_O/32" dev o0 2>/dev/null
	ip -n "$P$1" addr del "$VIP6/64" dev c0 2>/dev/null
	ip -n "$P$1" addr del "$VIP6/64" dev o0 2>/dev/null
	return 0
}

# ---- conntrackd ------------------------------------------------------

# The configuration of docs/ha.md, with this router's addresses and the
# lock file, socket and log under $T (two daemons on one machine).
ctd_conf() {	# R -> $T/conntrackd-R.conf
	local r=$1 peer
	[ "$r" = r1 ] && peer=r2 || peer=r1
	cat >"$T/conntrackd-$r.conf" <<CONF
Sync {
	Mode FTFW {
		ResendQueueSize 131072
		PurgeTimeout 60
		ACKWindowSize 300
		DisableExternalCache Off
		StartupResync on
	}
	UDP {
		IPv4_address ${RS[$r]}
		IPv4_Destination_Address ${RS[$peer]}
		Port 3780
		Interface sync
		Checksum on
	}
	Options {
		TCPWindowTracking Off
	}
}
General {
	Systemd off
	HashSize 8192
	HashLimit 65536
	LogFile $T/conntrackd-$r.log
	Syslog off
	LockFile $T/conntrackd-$r.lock
	UNIX {
		Path $T/conntrackd-$r.ctl
	}
	NetlinkBufferSize 2097152
	NetlinkBufferSizeMaxGrowth 8388608
	Filter From Kernelspace {
		Protocol Accept {
			TCP
		}
		Address Ignore {
			IPv4_address 127.0.0.1
			IPv4_address ${RC[$r]}
			IPv4_address ${RO[$r]}
			IPv4_address $VIP_C
			IPv4_address $VIP_O
			IPv4_address 192.0.2.0/30
			IPv6_address ::1
			IPv6_address ${RC6[$r]}
			IPv6_address ${RO6[$r]}
		}
	}
}
CONF
}

ctd() {	# R ARGS...  (a conntrackd client command for router R's daemon)
	local r=$1
	shift
	timeout 10 conntrackd -C "$T/conntrackd-$r.conf" "$@"
}

ctd_start() {	# R
	local r=$1
	ctd_conf "$r"
	bg_ns "$P$r" "$T/conntrackd-$r.out" "$T/conntrackd-$r.out" \
	    conntrackd -C "$T/conntrackd-$r.conf"
	for _ in $(seq 1 50); do
		ctd "$r" -s >/dev/null 2>&1 && return 0
		kill -0 "$BG_PID" 2>/dev/null || break
		sleep 0.1
	done
	show_tail "$T/conntrackd-$r.out" 10 "conntrackd $r"
	show_tail "$T/conntrackd-$r.log" 10 "conntrackd $r log"
	fatal "conntrackd did not start in $r"
}

# Is the connection SPORT -> DPORT in router R's conntrackd external
# cache (what it learnt from the other router)?  The line on stdout.
ctd_external() {	# R SPORT [DPORT]
	ctd "$1" -e ct 2>/dev/null | grep -E "sport=$2 dport=${3:-25} " | head -n 1
}

# ---- nfqd on both routers ---------------------------------------------

# nfqd.conf for router R: the sample policy, events to its own file and to
# the collector, sensor-name R.  Sets CONF, EXC, SOCK, STATE as make_conf.
ha_conf() {	# R
	make_conf "$T/$1" "$T/$1/eve.json"
	sed -i "s|^events = .*|events = file:$T/$1/eve.json, tcp://$SIEM4:$HA_PORT|" \
	    "$CONF"
	printf 'sensor-name = %s\nreject = %s\nstats-interval = 1\n' "$1" \
	    "$HA_REJECT" >>"$CONF"
}

ha_nfqd_start() {	# R
	local R="$P$1"
	ha_conf "$1"
	rules_install "$CONF"
	nfqd_start "$CONF"
	HA_NFQD_PID[$1]=$NFQD_PID
}

collector_start() {
	bg_ns "${P}siem" "$T/collect.out" "$T/collect.err" "$NFQD_COLLECT" \
	    -d "$T/collect" --tcp "$SIEM4:$HA_PORT" --allow 10.20.0.0/16 \
	    --retention 0
	for _ in $(seq 50); do
		ip netns exec "${P}siem" bash -c \
		    "exec 3<>/dev/tcp/$SIEM4/$HA_PORT" 2>/dev/null && return 0
		sleep 0.1
	done
	show_tail "$T/collect.err" 10 "nfqd-collect"
	fatal "nfqd-collect did not listen on $SIEM4:$HA_PORT"
}

ha_setup() {
	e2e_init
	ha_require
	mkdir -p "$T/collect"
	ha_topo_up
	# The servers offer STARTTLS, with a throwaway self-signed certificate.
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=mx.e2e.test \
	    -keyout "$T/tls.key" -out "$T/tls.crt" >"$T/openssl.log" 2>&1 ||
	    { show_tail "$T/openssl.log"; fatal "openssl req failed"; }
	SMTPD_ARGS="--tls-cert $T/tls.crt --tls-key $T/tls.key" servers_up gw ws mta
	collector_start
	ha_nfqd_start r1
	ha_nfqd_start r2
	ctd_start r1
	ctd_start r2
}

# Switch from router FROM to router TO, as keepalived with conntrackd's
# primary-backup.sh does: TO commits what it learnt from FROM into its
# kernel table, flushes its caches, resyncs with its kernel and sends a
# bulk update (primary); then the addresses move; FROM shortens its
# kernel timers and asks for a resync (backup).
ha_failover() {	# FROM TO
	local from=$1 to=$2 c n0
	n0=$(grep -c 'commit has taken' "$T/conntrackd-$to.log" 2>/dev/null)
	for c in -c -f -R -B; do
		ctd "$to" "$c" >>"$T/failover.log" 2>&1 ||
		    fail "conntrackd $c on $to failed"
	done
	# conntrackd commits in the background: on a loaded machine the
	# addresses could otherwise move before the entries are in the table
	# (primary-backup.sh does not wait; docs/ha.md says what that costs).
	c=0
	for _ in $(seq 1 50); do
		[ "$(grep -c 'commit has taken' "$T/conntrackd-$to.log" 2>/dev/null)" -gt "${n0:-0}" ] &&
		    { c=1; break; }
		sleep 0.1
	done
	[ $c = 1 ] || fail "conntrackd on $to did not log the end of its commit within 5 s"
	vip_release "$from"
	vip_take "$to"
	for c in -t -n; do
		ctd "$from" "$c" >>"$T/failover.log" 2>&1 ||
		    fail "conntrackd $c on $from failed"
	done
}

# conntrack's line for the connection with source port SPORT in router R
# (IPv4 or IPv6).
ct_line() {	# R SPORT
	{
		ip netns exec "$P$1" conntrack -L -f ipv4 -p tcp --orig-port-src "$2"
		ip netns exec "$P$1" conntrack -L -f ipv6 -p tcp --orig-port-src "$2"
	} 2>/dev/null | head -n 1
}

# The mark of that line, as a number (empty if none).
ct_mark() {	# R SPORT
	ct_line "$1" "$2" | sed -n 's/.* mark=\([0-9]*\).*/\1/p'
}

# Dump both routers' state for a failure report.
ha_dump() {
	local r
	{
		for r in r1 r2; do
			echo "== $r conntrack -L"
			ip netns exec "$P$r" conntrack -L 2>&1
			ip netns exec "$P$r" conntrack -L -f ipv6 2>&1
			echo "== $r conntrackd -i / -e"
			ctd "$r" -i ct 2>&1; ctd "$r" -e ct 2>&1
			echo "== $r iptables-save -c"
			ip netns exec "$P$r" iptables-save -c 2>&1
		done
		echo "== failover.log"; cat "$T/failover.log" 2>/dev/null
	} >"$T/ha-dump.txt" 2>&1
	show_tail "$T/ha-dump.txt" 120 "routers' state"
	show_tail "$T/conntrackd-r1.log" 10 "conntrackd r1 log"
	show_tail "$T/conntrackd-r2.log" 10 "conntrackd r2 log"
}
