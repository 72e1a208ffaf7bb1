#!/usr/bin/python3
"""A raw listener for tests/e2e/test_roles.sh: every TCP segment that
arrives on DEV with payload for port 25 (or --port), whatever a TCP stack
would make of it, one JSON line each in OUT:

    {"src": ..., "sport": N, "dst": ..., "dport": N, "flags": N, "len": N}

    sniff.py --dev eth0 --out FILE [--port 25] --ready FILE

Reads the frames itself (an AF_PACKET socket): Ethernet, IPv4, IPv6 with
its extension headers (hop-by-hop, routing, destination options, AH, a
first fragment, mobility, HIP, shim6), so that a segment the host's kernel
would refuse (behind a mobility header, say) still counts as having
crossed the border.  Runs until SIGTERM.  Debian's /usr/bin/python3.
"""
import argparse
import ipaddress
import json
import os
import signal
import socket
import struct
import sys

ETH_P_ALL = 3
EXT = {0, 43, 60, 135, 139, 140}


def tcp_of(frame):
    """(src, dst, tcp bytes) of a frame, or None."""
    if len(frame) < 14:
        return None
    etype = struct.unpack("!H", frame[12:14])[0]
    p = frame[14:]
    if etype == 0x0800 and len(p) >= 20 and p[0] >> 4 == 4:
        ihl = (p[0] & 15) * 4
        total = struct.unpack("!H", p[2:4])[0]
        if p[9] != 6 or struct.unpack("!H", p[6:8])[0] & 0x1fff:
            return None
        return (str(ipaddress.IPv4Address(p[12:16])),
                str(ipaddress.IPv4Address(p[16:20])), p[ihl:total])
    if etype == 0x86DD and len(p) >= 40 and p[0] >> 4 == 6:
        src = str(ipaddress.IPv6Address(p[8:24]))
        dst = str(ipaddress.IPv6Address(p[24:40]))
        end = 40 + struct.unpack("!H", p[4:6])[0]
        nh, off = p[6], 40
        while off + 8 <= len(p):
            if nh == 6:
                return src, dst, p[off:end]
            if nh == 44:			# a first fragment only
                if struct.unpack("!H", p[off + 2:off + 4])[0] & 0xfff8:
                    return None
                nh, off = p[off], off + 8
            elif nh == 51:
                nh, off = p[off], off + (p[off + 1] + 2) * 4
            elif nh in EXT:
                nh, off = p[off], off + (p[off + 1] + 1) * 8
            else:
                return None
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dev", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--port", type=int, default=25)
    ap.add_argument("--ready", required=True)
    a = ap.parse_args()
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((a.dev, 0))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    out = open(a.out, "a", buffering=1)
    with open(a.ready, "w") as f:
        f.write("%d\n" % os.getpid())
    while True:
        frame, addr = s.recvfrom(65535)
        if addr[2] == socket.PACKET_OUTGOING:
            continue
        t = tcp_of(frame)
        if t is None or len(t[2]) < 20:
            continue
        src, dst, seg = t
        sport, dport = struct.unpack("!HH", seg[:4])
        doff = (seg[12] >> 4) * 4
        if dport != a.port or len(seg) <= doff:
            continue
        out.write(json.dumps({"src": src, "sport": sport, "dst": dst,
                              "dport": dport, "flags": seg[13],
                              "len": len(seg) - doff}) + "\n")


if __name__ == "__main__":
    main()
