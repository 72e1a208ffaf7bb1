#!/usr/bin/python3
"""Announce that ADDR now lives on DEV, as keepalived does when it takes
over a virtual address: for IPv4 a gratuitous ARP request (sender =
target = ADDR, from DEV's MAC, to the broadcast address); for IPv6 an
unsolicited neighbour advertisement (router and override flags, DEV's MAC
as target link-layer address, to all nodes).  Neighbours that cache ADDR
update it to this MAC; a bridge learns the MAC's port.

    garp.py DEV ADDR [COUNT]
"""
import socket
import struct
import sys
import time


def mac_of(dev):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((dev, 0))
    return s, s.getsockname()[4]


def arp(dev, addr):
    s, mac = mac_of(dev)
    ip = socket.inet_aton(addr)
    frame = (b"\xff" * 6 + mac + struct.pack("!H", 0x0806) +
             struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) +
             mac + ip + b"\x00" * 6 + ip)
    return lambda: s.send(frame)


def na(dev, addr):
    _, mac = mac_of(dev)
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, 255)
    idx = socket.if_nametoindex(dev)
    s.bind((addr, 0, 0, idx))
    # type 136, code 0, checksum (the kernel fills it), R|O flags, target,
    # option 2 (target link-layer address), length 1 (8 bytes).
    msg = (struct.pack("!BBHI", 136, 0, 0, 0xA0000000) +
           socket.inet_pton(socket.AF_INET6, addr) +
           struct.pack("!BB", 2, 1) + mac)
    return lambda: s.sendto(msg, ("ff02::1", 0, 0, idx))


def main():
    dev, addr = sys.argv[1], sys.argv[2]
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    send = na(dev, addr) if ":" in addr else arp(dev, addr)
    for i in range(count):
        if i:
            time.sleep(0.05)
        send()
    return 0


if __name__ == "__main__":
    sys.exit(main())
