#!/usr/bin/python3
"""The attacker's tools for tests/e2e/test_roles.sh (Debian's python3-scapy).

  roles.py send --dev DEV --dmac MAC --src A --sport P --dst B --dport Q
                --flags FLAGS [--seq N] [--ack N] [--data TEXT]
                [--ext destopt:BYTES|mobility|hip|shim6]
      one TCP segment, as crafted as an attacker likes: FLAGS in scapy's
      letters (S, SA, SAR, A, PA, R), TEXT with \\r\\n for line ends; with
      --ext an IPv6 extension header before TCP (destopt:BYTES: that many
      bytes of destination options, chained in headers of at most 2 KB).

  roles.py connect --src A --sport P --dst B --id ID [--timeout S]
      an SMTP session through the kernel's TCP from A:P (SO_REUSEPORT, so
      a mail server's own port 25 can be the source) to B:25, delivering
      one message with envelope sender e2e-ID@sender.e2e.test.  Exit 0 when
      the server accepted it (250 after DATA), 1 otherwise.
"""
import argparse
import socket
import sys


def send(a):
    from scapy.all import (IP, IPv6, TCP, Ether, Raw, IPv6ExtHdrDestOpt,
                           PadN, sendp, conf)
    conf.verb = 0
    data = a.data.replace("\\r\\n", "\r\n").encode() if a.data else b""
    tcp = TCP(sport=a.sport, dport=a.dport, flags=a.flags, seq=a.seq,
              ack=a.ack, window=64240)
    v6 = ":" in a.src
    if not v6:
        pkt = IP(src=a.src, dst=a.dst) / tcp / Raw(data)
    elif not a.ext:
        pkt = IPv6(src=a.src, dst=a.dst) / tcp / Raw(data)
    elif a.ext.startswith("destopt:"):
        left, hdrs = int(a.ext.split(":")[1]), None
        while left > 0:
            n = min(left, 2000)
            opts = [PadN(optdata=b"\0" * min(253, n - i))
                    for i in range(0, n, 255)]
            h = IPv6ExtHdrDestOpt(options=opts)
            hdrs = h if hdrs is None else hdrs / h
            left -= n
        pkt = IPv6(src=a.src, dst=a.dst) / hdrs / tcp / Raw(data)
    else:
        # A header ip6tables cannot look through, then TCP: its checksum
        # from the plain packet (the same pseudo-header).
        nh = {"mobility": 135, "hip": 139, "shim6": 140}[a.ext]
        seg = bytes((IPv6(src=a.src, dst=a.dst) / tcp / Raw(data))[TCP])
        # next header 6, length 0 (8 bytes); mobility: Payload Proto 6
        hdr = bytes([6, 0]) + b"\0" * 6
        pkt = IPv6(src=a.src, dst=a.dst, nh=nh) / Raw(hdr + seg)
    sendp(Ether(dst=a.dmac) / pkt, iface=a.dev)
    return 0


def reply(f):
    """One SMTP reply: its code, None at the end of the stream."""
    while True:
        line = f.readline()
        if not line:
            return None
        if len(line) < 4 or line[3:4] == b" ":
            return line[:3]


def connect(a):
    fam = socket.AF_INET6 if ":" in a.dst else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    s.settimeout(a.timeout)
    try:
        s.bind((a.src, a.sport))
        s.connect((a.dst, 25))
        f = s.makefile("rb")
        if reply(f) != b"220":
            return 1
        for cmd, want in (("EHLO roles.e2e.test", b"250"),
                          ("MAIL FROM:<e2e-%s@sender.e2e.test>" % a.id,
                           b"250"),
                          ("RCPT TO:<postmaster@e2e.test>", b"250"),
                          ("DATA", b"354")):
            s.sendall(cmd.encode() + b"\r\n")
            if reply(f) != want:
                return 1
        s.sendall(b"Subject: roles %s\r\n\r\nturned around?\r\n.\r\n" %
                  a.id.encode())
        if reply(f) != b"250":
            return 1
        s.sendall(b"QUIT\r\n")
        return 0
    except OSError as e:
        print("connect %s:%d -> %s:25: %s" % (a.src, a.sport, a.dst, e),
              file=sys.stderr)
        return 1
    finally:
        s.close()


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("send")
    p.add_argument("--dev", required=True)
    p.add_argument("--dmac", required=True)
    p.add_argument("--src", required=True)
    p.add_argument("--dst", required=True)
    p.add_argument("--sport", type=int, required=True)
    p.add_argument("--dport", type=int, required=True)
    p.add_argument("--flags", required=True)
    p.add_argument("--seq", type=int, default=1000)
    p.add_argument("--ack", type=int, default=0)
    p.add_argument("--data", default="")
    p.add_argument("--ext")
    c = sub.add_parser("connect")
    c.add_argument("--src", required=True)
    c.add_argument("--sport", type=int, required=True)
    c.add_argument("--dst", required=True)
    c.add_argument("--id", required=True)
    c.add_argument("--timeout", type=float, default=5)
    a = ap.parse_args()
    return send(a) if a.cmd == "send" else connect(a)


if __name__ == "__main__":
    sys.exit(main())
