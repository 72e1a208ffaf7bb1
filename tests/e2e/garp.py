#!/usr/bin/python3
"""Announce that ADDR now lives on DEV: one gratuitous ARP request
(sender = target = ADDR, from DEV's MAC, to the broadcast address), as
keepalived sends when it takes over a virtual address.  Neighbours
that cache ADDR update it to this MAC; a bridge learns the MAC's port.

    garp.py DEV ADDR [COUNT]
"""
import socket
import struct
import sys
import time


def main():
    dev, addr = sys.argv[1], sys.argv[2]
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((dev, 0))
    mac = s.getsockname()[4]
    ip = socket.inet_aton(addr)
    frame = (b"\xff" * 6 + mac + struct.pack("!H", 0x0806) +
             struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) +
             mac + ip + b"\x00" * 6 + ip)
    for i in range(count):
        if i:
            time.sleep(0.05)
        s.send(frame)
    return 0


if __name__ == "__main__":
    sys.exit(main())
