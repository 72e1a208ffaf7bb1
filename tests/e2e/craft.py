#!/usr/bin/python3
"""Hand-made evasion attempts for tests/e2e/test_fault_evasion.sh: one TCP
connection attempt to DST:25, written byte by byte and sent on a raw
AF_PACKET socket (Debian's /usr/bin/python3, no scapy):

    craft.py --dev eth0 --dmac ROUTER_MAC --src SRC --dst DST --sport N
             --shape SHAPE [--part syn|data|both]

first a SYN in the given SHAPE, then, 0.3 s later (or as a second
call: --part syn, then --part data, when the caller has seen the SYN
decided), three data segments
whose sequence ranges overlap ("EHLO a\\r\\n" at +1, "LO b\\r\\nMAIL" at
+3, "b\\r\\nQUIT\\r\\n" at +7: the middle bytes sent twice, differently).
SHAPEs:

  plain   the SYN as a kernel would send it
  ipopt   IPv4: header with options (NOP, NOP, NOP, end) -- ihl 6
  frag    IPv4: the SYN's TCP header cut into three fragments (8, 8, 16
          bytes); IPv6: two fragments behind a fragment header, the first
          with the 20-byte TCP header and 4 bytes of its options
  tinyfrag  IPv6: the same, cut at 16 bytes: the first fragment does not
          hold the whole TCP header, which RFC 8200 forbids
  ext     IPv6: hop-by-hop (PadN) and destination options headers
  atomic  IPv6: a fragment header with offset 0 and no more fragments
  long    IPv6: ten destination options headers

Prints what it sent.  Exit 0 when every frame was sent.
"""
import argparse
import socket
import struct
import sys
import time


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def tcp_seg(src, dst, v6, sport, seq, ack, flags, payload=b"", opts=b""):
    hdr = struct.pack("!HHIIBBHHH", sport, 25, seq, ack,
                      (5 + len(opts) // 4) << 4, flags, 64240, 0, 0) + opts
    seg = hdr + payload
    if v6:
        pseudo = (socket.inet_pton(socket.AF_INET6, src)
                  + socket.inet_pton(socket.AF_INET6, dst)
                  + struct.pack("!IxxxB", len(seg), 6))
    else:
        pseudo = (socket.inet_aton(src) + socket.inet_aton(dst)
                  + struct.pack("!xBH", 6, len(seg)))
    c = csum(pseudo + seg)
    return seg[:16] + struct.pack("!H", c) + seg[18:]


def ipv4(src, dst, payload, ident, frag=0, opts=b""):
    ihl = 5 + len(opts) // 4
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, ihl * 4 + len(payload),
                    ident, frag, 64, 6, 0, socket.inet_aton(src),
                    socket.inet_aton(dst)) + opts
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload


def ipv6(src, dst, nh, payload):
    return struct.pack("!IHBB16s16s", 6 << 28, len(payload), nh, 64,
                       socket.inet_pton(socket.AF_INET6, src),
                       socket.inet_pton(socket.AF_INET6, dst)) + payload


def opts_hdr(nh):
    """A hop-by-hop or destination options header: 8 bytes, PadN."""
    return struct.pack("!BBBB4x", nh, 0, 1, 4)


def frag_hdr(nh, off, more, ident):
    return struct.pack("!BxHI", nh, (off // 8) << 3 | (1 if more else 0),
                       ident)


def frames(a, seg, ident):
    """The IP packet(s) carrying TCP segment seg in shape a.shape."""
    v6 = ":" in a.dst
    if not v6:
        if a.shape == "plain":
            return [ipv4(a.src, a.dst, seg, ident, 0x4000)]
        if a.shape == "ipopt":
            return [ipv4(a.src, a.dst, seg, ident, 0x4000, b"\x01\x01\x01\x00")]
        if a.shape == "frag":
            cuts = [(0, 8), (8, 16), (16, len(seg))]
            return [ipv4(a.src, a.dst, seg[lo:hi], ident,
                         (lo // 8) | (0x2000 if hi < len(seg) else 0))
                    for lo, hi in cuts]
        raise SystemExit("craft.py: shape %s is IPv6 only" % a.shape)
    if a.shape == "plain":
        return [ipv6(a.src, a.dst, 6, seg)]
    if a.shape == "ext":
        return [ipv6(a.src, a.dst, 0, opts_hdr(60) + opts_hdr(6) + seg)]
    if a.shape == "atomic":
        return [ipv6(a.src, a.dst, 44, frag_hdr(6, 0, False, ident) + seg)]
    if a.shape == "long":
        chain = b"".join(opts_hdr(60) for _ in range(9)) + opts_hdr(6)
        return [ipv6(a.src, a.dst, 60, chain + seg)]
    if a.shape in ("frag", "tinyfrag"):
        cut = 24 if a.shape == "frag" else 16
        return [ipv6(a.src, a.dst, 44, frag_hdr(6, 0, True, ident) + seg[:cut]),
                ipv6(a.src, a.dst, 44, frag_hdr(6, cut, False, ident) + seg[cut:])]
    raise SystemExit("craft.py: shape %s is IPv4 only" % a.shape)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dev", default="eth0")
    ap.add_argument("--dmac", required=True)
    ap.add_argument("--src", required=True)
    ap.add_argument("--dst", required=True)
    ap.add_argument("--sport", type=int, required=True)
    ap.add_argument("--part", default="both", choices=["syn", "data", "both"])
    ap.add_argument("--shape", required=True,
                    choices=["plain", "ipopt", "frag", "tinyfrag", "ext",
                             "atomic", "long"])
    a = ap.parse_args()
    v6 = ":" in a.dst
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((a.dev, 0))
    smac = s.getsockname()[4]
    eth = (bytes.fromhex(a.dmac.replace(":", "")) + smac
           + struct.pack("!H", 0x86DD if v6 else 0x0800))
    isn = 0x10000000 + a.sport * 7919
    sent = 0
    # MSS 1460, SACK permitted, NOP, NOP, window scale 7, NOP: 12 bytes
    syn = tcp_seg(a.src, a.dst, v6, a.sport, isn, 0, 0x02, b"",
                  b"\x02\x04\x05\xb4\x04\x02\x01\x01\x03\x03\x07\x01")
    if a.part != "data":
        for f in frames(a, syn, a.sport):
            sent += s.send(eth + f) > 0
    if a.part == "syn":
        print("craft.py: %s SYN %s:%d -> %s:25, %d frames" % (a.shape, a.src,
              a.sport, a.dst, sent))
        return 0
    if a.part == "both":
        time.sleep(0.3)
    # Overlapping data segments: bytes 3..12 of the stream sent twice.
    a.shape = "plain" if a.shape in ("frag", "tinyfrag", "atomic") else a.shape
    for i, (off, data) in enumerate([(1, b"EHLO a\r\n"),
                                     (3, b"LO b\r\nMAIL"),
                                     (7, b"b\r\nQUIT\r\n")]):
        seg = tcp_seg(a.src, a.dst, v6, a.sport, isn + off, 1, 0x18, data)
        for f in frames(a, seg, a.sport + 1 + i):
            sent += s.send(eth + f) > 0
    print("craft.py: %s %s:%d -> %s:25, %d frames" % (a.shape, a.src,
          a.sport, a.dst, sent))
    return 0


if __name__ == "__main__":
    sys.exit(main())
