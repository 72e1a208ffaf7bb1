#!/usr/bin/env python3
"""A small sender that checks nfqd-collect's side of the acknowledgement
protocol (docs/collectors.md), for tests/sinks/run.sh.  Each sub-command
exits 0 when it holds, otherwise 1 with the reason on stdout; every wait
is bounded (5 s).

  ack.py stored ADDR DIR EVENTS     tcp HOST:PORT or a unix socket path:
                                    the greeting comes first; the events
                                    (a file, one a line) and one line that
                                    is not an event are answered "ok N+1",
                                    and when it comes every event is in
                                    DIR's files already; 300 more, sent
                                    as fast as they go, end at "ok N+301"
                                    through counts that never go back
  ack.py stop ADDR DIR EVENT PID    two events acknowledged, then a third
                                    sent and PID (the collector) sent
                                    SIGTERM: "ok 3", then the close
  ack.py unstored ADDR EVENT        the collector cannot write the event:
                                    the connection closes with no "ok"
"""
import glob
import os
import signal
import socket
import sys
import time

GREETING = b"nfqd-ack 1\n"
WAIT = 5.0


def fail(msg):
    print(msg)
    sys.exit(1)


def connect(addr):
    if addr.startswith("/"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(addr)
    else:
        host, port = addr.rsplit(":", 1)
        s = socket.create_connection((host, int(port)), WAIT)
    s.settimeout(WAIT)
    return s


class Lines:
    """What the collector sends, line by line; b"" at its close."""

    def __init__(self, s):
        self.s, self.buf = s, b""

    def next(self):
        deadline = time.monotonic() + WAIT
        while b"\n" not in self.buf:
            if time.monotonic() > deadline:
                fail("nothing from the collector in %.0f s (have %r)" % (WAIT, self.buf))
            try:
                b = self.s.recv(4096)
            except ConnectionResetError:
                b = b""
            if not b:
                if self.buf:
                    fail("a cut line %r at the close" % self.buf)
                return b""
            self.buf += b
        line, self.buf = self.buf.split(b"\n", 1)
        if len(line) + 1 > 64:
            fail("a line longer than 64 bytes: %r" % line[:80])
        return line + b"\n"


def count(line):
    if not line.startswith(b"ok ") or not line[3:-1].isdigit():
        fail("%r is not \"ok COUNT\"" % line)
    return int(line[3:-1])


def stored_lines(d):
    got = []
    for f in glob.glob(os.path.join(d, "*", "eve-*.json")):
        with open(f, "rb") as fh:
            got += fh.read().splitlines()
    return got


def stored(addr, d, events):
    with open(events, "rb") as f:
        evs = [l for l in f.read().splitlines() if l]
    s = connect(addr)
    r = Lines(s)
    g = r.next()
    if g != GREETING:
        fail("the first line is %r, not the greeting %r" % (g, GREETING))
    t0 = time.monotonic()
    s.sendall(b"\n".join(evs) + b"\nnot an event\n")
    n = count(r.next())
    ms = (time.monotonic() - t0) * 1000
    if n != len(evs) + 1:
        fail("acknowledged %d, sent %d lines" % (n, len(evs) + 1))
    have = set(stored_lines(d))
    missing = [e for e in evs if e not in have]
    if missing:
        fail("acknowledged, yet %d events are not in the files, e.g. %r"
             % (len(missing), missing[0][:80]))
    # 300 more, as fast as they go: counts never go back, end at the total
    for i in range(300):
        s.sendall(evs[i % len(evs)] + b"\n")
    total, last, acks = n + 300, n, 0
    while last < total:
        v = count(r.next())
        if v < last:
            fail("the count went back from %d to %d" % (last, v))
        last, acks = v, acks + 1
    if last != total:
        fail("acknowledged %d of %d" % (last, total))
    s.close()
    print("first acknowledgement after %.1f ms; 300 lines acknowledged in %d "
          "acknowledgements" % (ms, acks))


def stop(addr, d, event, pid):
    with open(event, "rb") as f:
        ev = f.read().splitlines()[0]
    before = stored_lines(d).count(ev)
    s = connect(addr)
    r = Lines(s)
    if r.next() != GREETING:
        fail("no greeting")
    s.sendall(ev + b"\n" + ev + b"\n")
    if count(r.next()) != 2:
        fail("the first two not acknowledged as 2")
    s.sendall(ev + b"\n")
    os.kill(pid, signal.SIGTERM)
    n = count(r.next())
    if n != 3:
        fail("acknowledged %d at the stop, sent 3" % n)
    end = r.next()
    if end != b"":
        fail("%r after the last acknowledgement, not the close" % end)
    if stored_lines(d).count(ev) != before + 3:
        fail("the third event is not in the files")
    print("ok 3, then the close")


def unstored(addr, event):
    with open(event, "rb") as f:
        ev = f.read().splitlines()[0]
    s = connect(addr)
    r = Lines(s)
    if r.next() != GREETING:
        fail("no greeting")
    s.sendall(ev + b"\n")
    line = r.next()
    if line != b"":
        fail("%r for an event it could not store" % line)
    print("closed unacknowledged")


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "stored":
        stored(*args)
    elif cmd == "stop":
        stop(args[0], args[1], args[2], int(args[3]))
    elif cmd == "unstored":
        unstored(*args)
    else:
        fail("unknown check %s" % cmd)


if __name__ == "__main__":
    main()
