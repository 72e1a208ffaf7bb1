#!/usr/bin/env python3
"""TCP listeners and concurrent connect probes for tests/rules/run.sh.

  tcp.py listen PORT...        accept on every address (IPv4 and IPv6)
                               of these ports until killed; prints "ready"
  tcp.py probe [TIMEOUT]       read "SRC DST PORT" lines on stdin, connect
                               from SRC (ADDR or ADDR/SPORT: from that
                               port, which a listener may share: both
                               sockets SO_REUSEPORT) to DST:PORT, all at
                               once; print
                               "SRC DST PORT ok|refused|timeout|error:..."
                               in input order
"""
import socket
import sys
import threading


def listen(ports):
    socks = []
    for port in ports:
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        s.bind(("::", port))
        s.listen(64)
        socks.append(s)

    def serve(s):
        while True:
            c, _ = s.accept()
            c.close()

    for s in socks:
        threading.Thread(target=serve, args=(s,), daemon=True).start()
    print("ready", flush=True)
    threading.Event().wait()


def probe(timeout):
    jobs = [line.split() for line in sys.stdin if line.strip()]
    res = [None] * len(jobs)

    def one(i, src, dst, port):
        fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.settimeout(timeout)
        addr, _, sport = src.partition("/")
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        try:
            s.bind((addr, int(sport or 0)))
            s.connect((dst, int(port)))
            res[i] = "ok"
        except ConnectionRefusedError:
            res[i] = "refused"
        except (socket.timeout, TimeoutError):
            res[i] = "timeout"
        except OSError as e:
            res[i] = "error:%s" % e.strerror.replace(" ", "_")
        finally:
            s.close()

    threads = [threading.Thread(target=one, args=(i, *j))
               for i, j in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for j, r in zip(jobs, res):
        print(" ".join(j), r)


if __name__ == "__main__":
    if sys.argv[1] == "listen":
        listen([int(p) for p in sys.argv[2:]])
    elif sys.argv[1] == "probe":
        probe(float(sys.argv[2]) if len(sys.argv) > 2 else 2.0)
    else:
        sys.exit(__doc__)
