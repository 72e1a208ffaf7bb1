#!/usr/bin/python3
"""A real SMTP server for the e2e tests: accepts any mail on port 25 of the
given addresses and appends one JSON line per delivered message to LOG:

    {"mail_from": ..., "rcpt_tos": [...], "peer": [ip, port],
     "local": [ip, port], "subject": ..., "size": N, "sha256": HEX}

The line is written (and flushed) before the 250 reply to DATA, so a client
that saw 250 can rely on the line being there.

    smtpd.py --log FILE [--port 25] [--ready FILE]
             [--tls-cert PEM --tls-key PEM] [--users LIST] ADDR [ADDR ...]

--ready FILE is created once every address is listening.  With a
certificate and key it offers STARTTLS (not required).  --users a,b,c:
only these local parts are mailboxes, any other recipient gets 550 (User
unknown), as a real server answers a directory harvest.  SIGTERM stops it.
Runs under Debian's /usr/bin/python3 (python3-aiosmtpd).
"""
import argparse
import asyncio
import email
import hashlib
import json
import os
import signal
import socket
import ssl
import sys

from aiosmtpd.smtp import SMTP


class Recorder:
    def __init__(self, path, users=None):
        self.path = path
        self.users = users

    async def handle_RCPT(self, server, session, envelope, address,
                          rcpt_options):
        local = address.rsplit("@", 1)[0].lower()
        if self.users is not None and local not in self.users:
            return "550 5.1.1 <%s>: Recipient address rejected: " \
                "User unknown" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        sock = server.transport.get_extra_info("sockname") or ("?", 0)
        subject = ""
        try:
            msg = email.message_from_bytes(envelope.content or b"")
            subject = msg.get("Subject", "") or ""
        except Exception:  # a test message that does not parse is still mail
            pass
        rec = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "peer": list(session.peer[:2]) if session.peer else None,
            "local": list(sock[:2]),
            "subject": str(subject),
            "size": len(envelope.content or b""),
            "sha256": hashlib.sha256(envelope.content or b"").hexdigest(),
        }
        line = json.dumps(rec, sort_keys=True) + "\n"
        # O_APPEND + one write: lines from several servers never interleave.
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line.encode())
        finally:
            os.close(fd)
        return "250 OK queued as e2e"


async def serve(args):
    users = None
    if args.users is not None:
        users = {u.strip().lower() for u in args.users.split(",") if u}
    handler = Recorder(args.log, users)
    tls = None
    if args.tls_cert:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(args.tls_cert, args.tls_key)
    loop = asyncio.get_running_loop()
    servers = []
    for addr in args.addrs:
        fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
        srv = await loop.create_server(
            # hostname given: no getfqdn() (no DNS in a namespace)
            lambda: SMTP(handler, hostname="mx.e2e.test",
                         ident="nfqd-e2e smtpd", data_size_limit=1 << 20,
                         tls_context=tls),
            # reuse_port: tests/e2e/roles.py connects out from port 25
            host=addr, port=args.port, family=fam, reuse_address=True,
            reuse_port=True)
        servers.append(srv)
    if args.ready:
        with open(args.ready, "w") as f:
            f.write("%d\n" % os.getpid())
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    for srv in servers:
        srv.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--log", required=True)
    ap.add_argument("--port", type=int, default=25)
    ap.add_argument("--ready")
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    ap.add_argument("--users")
    ap.add_argument("addrs", nargs="+")
    args = ap.parse_args()
    try:
        asyncio.run(serve(args))
    except OSError as e:
        print("smtpd.py: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
