#!/usr/bin/env python3
"""pcaptile: a large capture made of real ones, for an independent replay
benchmark (docs/performance.md): nfqd --replay against ndpiReader on
traffic nfqd's own generator (tools/pcapgen/) did not write.

    tools/pcaptile.py -n COPIES -o OUT.pcap IN.pcap...

Takes the TCP port-25 packets of the classic-pcap Ethernet captures given
(others are skipped, and so is every other packet: nfqd only ever sees
port 25), and lays COPIES copies of them side by side, copy i starting i
tenths of a second after copy 0, merged in time order.  Each copy gets
addresses of its own, so every copy's connections are new connections
(to nfqd's flow table and to ndpiReader's alike), in the roles of the
sample policy (nfqd/nfqd.conf, nfqd/exceptions.conf), by copy number:
    i % 3 == 0  the client is the mail gateway 10.20.1.25 (allowed out),
                the server an outside host;
    i % 3 == 1  the client is an outside host, the server the gateway
                (allowed in);
    i % 3 == 2  the client is a campus workstation in 10.20.100.0/22
                (blocked out), the server an outside host.
Outside hosts are 198.18.0.0/15 (IPv6: 2001:db8:99::/48); the gateway's
IPv6 address is 2001:db8:20:1::25, workstations 2001:db8:20:100::/64.
The server is the end on port 25.  IP and TCP checksums are adjusted for
the new addresses (RFC 1624), so a bad checksum stays bad and a good one
stays good.
"""
import argparse
import heapq
import struct
import sys

GW4 = bytes([10, 20, 1, 25])
GW6 = bytes.fromhex("20010db8002000010000000000000025")


def read_pcap(path):
    """(ts_us, frame) of TCP port-25 Ethernet frames, or None if skipped."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return None
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        return None		# pcapng and others
    nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    if struct.unpack(e + "I", data[20:24])[0] != 1:
        return None		# not Ethernet
    out, off = [], 24
    while off + 16 <= len(data):
        sec, frac, incl, _ = struct.unpack(e + "IIII", data[off:off + 16])
        frame = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if len(frame) < incl:
            break
        ts = sec * 1000000 + (frac // 1000 if nano else frac)
        if parse(frame) is not None:
            out.append((ts, frame))
    return out


def parse(frame):
    """(l3 offset, version, l4 offset) of a TCP segment to or from port 25."""
    off, etype = 14, struct.unpack("!H", frame[12:14])[0] if len(frame) >= 14 else 0
    while etype in (0x8100, 0x88A8) and len(frame) >= off + 4:
        etype = struct.unpack("!H", frame[off + 2:off + 4])[0]
        off += 4
    if etype == 0x0800 and len(frame) >= off + 20:
        ihl = (frame[off] & 0x0F) * 4
        frag = struct.unpack("!H", frame[off + 6:off + 8])[0] & 0x1FFF
        if frame[off + 9] != 6 or frag != 0:
            return None
        l4 = off + ihl
    elif etype == 0x86DD and len(frame) >= off + 40:
        if frame[off + 6] != 6:
            return None		# extension headers: skipped
        l4 = off + 40
    else:
        return None
    if len(frame) < l4 + 18:
        return None
    sport, dport = struct.unpack("!HH", frame[l4:l4 + 4])
    if 25 not in (sport, dport):
        return None
    return off, 4 if etype == 0x0800 else 6, l4


def csum_adjust(csum, old, new):
    """RFC 1624: the checksum after 16-bit words old became new."""
    s = (~csum) & 0xFFFF
    for i in range(0, len(old), 2):
        s += (~((old[i] << 8) | old[i + 1])) & 0xFFFF
        s += (new[i] << 8) | new[i + 1]
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def outside(v, copy, orig):
    h = (copy * 2654435761 + int.from_bytes(orig, "big")) & 0xFFFFFFFF
    if v == 4:
        return bytes([198, 18 | ((h >> 16) & 1), (h >> 8) & 0xFF, h & 0xFF])
    return bytes.fromhex("20010db80099") + copy.to_bytes(4, "big") + \
        (h & 0xFFFFFFFFFFFF).to_bytes(6, "big")


def workstation(v, copy, orig):
    h = (copy * 40503 + int.from_bytes(orig, "big")) & 0x3FF
    if v == 4:
        return bytes([10, 20, 100 + (h >> 8), h & 0xFF or 1])
    return bytes.fromhex("20010db8002001000000") + copy.to_bytes(4, "big") + \
        (h or 1).to_bytes(2, "big")


def rewrite(frame, copy):
    l3, v, l4 = parse(frame)
    b = bytearray(frame)
    sport = struct.unpack("!H", b[l4:l4 + 2])[0]
    if v == 4:
        so, do, alen = l3 + 12, l3 + 16, 4
    else:
        so, do, alen = l3 + 8, l3 + 24, 16
    src, dst = bytes(b[so:so + alen]), bytes(b[do:do + alen])
    server_is_src = sport == 25
    client, server = (dst, src) if server_is_src else (src, dst)
    role = copy % 3
    gw = GW4 if v == 4 else GW6
    if role == 0:
        nc, ns = gw, outside(v, copy, server)
    elif role == 1:
        nc, ns = outside(v, copy, client), gw
    else:
        nc, ns = workstation(v, copy, client), outside(v, copy, server)
    nsrc, ndst = (ns, nc) if server_is_src else (nc, ns)
    old, new = src + dst, nsrc + ndst
    b[so:so + alen], b[do:do + alen] = nsrc, ndst
    if v == 4:
        c = struct.unpack("!H", b[l3 + 10:l3 + 12])[0]
        b[l3 + 10:l3 + 12] = struct.pack("!H", csum_adjust(c, old, new))
    c = struct.unpack("!H", b[l4 + 16:l4 + 18])[0]
    b[l4 + 16:l4 + 18] = struct.pack("!H", csum_adjust(c, old, new))
    return bytes(b)


def copy_stream(pkts, copy, t0):
    shift = copy * 100000 - t0
    for ts, frame in pkts:
        yield ts + shift, copy, frame


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-n", type=int, required=True, help="copies")
    ap.add_argument("-o", required=True, help="output pcap")
    ap.add_argument("inputs", nargs="+")
    a = ap.parse_args()
    # The inputs one after the other (each from its own first packet), as
    # one capture: copy 0.
    seq, used, base = [], [], 0
    for p in a.inputs:
        r = read_pcap(p)
        if not r:
            continue
        used.append(p)
        t0 = min(ts for ts, _ in r)
        seq.extend((ts - t0 + base, f) for ts, f in r)
        base = max(ts for ts, _ in seq) + 1000
    if not seq:
        sys.exit("pcaptile: no TCP port-25 packets in classic Ethernet pcaps")
    seq.sort(key=lambda x: x[0])
    n = 0
    with open(a.o, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for ts, copy, frame in heapq.merge(
                *(copy_stream(seq, c, 0) for c in range(a.n))):
            f = rewrite(frame, copy)
            out.write(struct.pack("<IIII", ts // 1000000 + 1700000000,
                                  ts % 1000000, len(f), len(f)))
            out.write(f)
            n += 1
    print("pcaptile: %d packets, %d copies of %d port-25 packets from %d "
          "captures (%s)" % (n, a.n, len(seq), len(used),
                             ", ".join(p.rsplit("/", 1)[-1] for p in used)))


if __name__ == "__main__":
    main()
