#!/usr/bin/python3
"""An SMTP session that stays open: connect from SRC to DST:25, EHLO, then
write the local port to READY and keep the session alive with a NOOP every
--every seconds until GO exists; then MAIL FROM / RCPT TO / DATA / QUIT.

    hold.py --src SRC --dst DST --from ADDR --ready FILE --go FILE
            [--max-wait 60] [--every 0.5] [--timeout 10] [--data N]
            [--starttls]

With --data N the session is held inside DATA instead: after EHLO, MAIL,
RCPT and DATA it writes READY, then sends one 100-byte body line every
--every seconds until GO exists, then N more lines, and ends the message;
the last line it prints is "sha256 HEX size N" of the message content as
the server stores it (smtpd.py logs the same two).  --starttls: switch
to TLS after EHLO (the server's certificate is not checked).

Exit 0 when the message was accepted (250), 1 on any SMTP or socket
error (printed), 2 when GO did not appear within --max-wait seconds.
Everything is bounded: socket timeout, wait, number of NOOPs.
"""
import argparse
import hashlib
import os
import smtplib
import ssl
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--src", required=True)
    ap.add_argument("--dst", required=True)
    ap.add_argument("--from", dest="mail_from", required=True)
    ap.add_argument("--to", default="postmaster@e2e.test")
    ap.add_argument("--ready", required=True)
    ap.add_argument("--go", required=True)
    ap.add_argument("--max-wait", type=float, default=60)
    ap.add_argument("--every", type=float, default=0.5)
    ap.add_argument("--timeout", type=float, default=10)
    ap.add_argument("--data", type=int, default=None)
    ap.add_argument("--starttls", action="store_true")
    a = ap.parse_args()
    if a.data is not None:
        return slow_data(a)

    try:
        s = smtplib.SMTP(timeout=a.timeout, local_hostname="hold.e2e.test",
                         source_address=(a.src, 0))
        code, msg = s.connect(a.dst, 25)
        if code != 220:
            print("hold.py: banner %d %r" % (code, msg))
            return 1
        code, msg = s.ehlo()
        if code != 250:
            print("hold.py: EHLO %d %r" % (code, msg))
            return 1
        sport = s.sock.getsockname()[1]
        tmp = a.ready + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % sport)
        os.rename(tmp, a.ready)
        print("hold.py: session %s:%d -> %s:25 open" % (a.src, sport, a.dst))
        sys.stdout.flush()

        deadline = time.monotonic() + a.max_wait
        noops = 0
        while not os.path.exists(a.go):
            if time.monotonic() > deadline:
                print("hold.py: no %s after %.0f s" % (a.go, a.max_wait))
                return 2
            time.sleep(a.every)
            code, msg = s.noop()
            noops += 1
            if code != 250:
                print("hold.py: NOOP %d: %d %r" % (noops, code, msg))
                return 1
        body = ("From: <%s>\r\nTo: <%s>\r\nSubject: e2e held session\r\n\r\n"
                "held across nfqd restarts after %d NOOPs\r\n"
                % (a.mail_from, a.to, noops))
        refused = s.sendmail(a.mail_from, [a.to], body)
        if refused:
            print("hold.py: refused %r" % refused)
            return 1
        s.quit()
        print("hold.py: delivered after %d NOOPs" % noops)
        return 0
    except (OSError, smtplib.SMTPException) as e:
        print("hold.py: %s: %s" % (type(e).__name__, e))
        return 1


def write_ready(path, sport):
    with open(path + ".tmp", "w") as f:
        f.write("%d\n" % sport)
    os.rename(path + ".tmp", path)


def slow_data(a):
    """A message in transfer: body lines trickle until GO, then N more."""
    try:
        # Host given here (not to connect()): STARTTLS names it in SNI.
        s = smtplib.SMTP(a.dst, 25, timeout=a.timeout,
                         local_hostname="hold.e2e.test",
                         source_address=(a.src, 0))
        if a.starttls:
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            s.ehlo()
            code, msg = s.starttls(context=ctx)
            if code != 220:
                print("hold.py: STARTTLS %d %r" % (code, msg))
                return 1
        for cmd, arg, want in (("EHLO", "hold.e2e.test", 250),
                               ("MAIL", "FROM:<%s>" % a.mail_from, 250),
                               ("RCPT", "TO:<%s>" % a.to, 250),
                               ("DATA", "", 354)):
            code, msg = s.docmd(cmd, arg)
            if code != want:
                print("hold.py: %s %d %r" % (cmd, code, msg))
                return 1
        head = ("From: <%s>\r\nTo: <%s>\r\nSubject: e2e data in transfer"
                "\r\n\r\n" % (a.mail_from, a.to)).encode()
        s.send(head)
        content = [head]
        write_ready(a.ready, s.sock.getsockname()[1])
        deadline = time.monotonic() + a.max_wait
        n = after = 0
        while after < a.data:
            if os.path.exists(a.go):
                after += 1
            elif time.monotonic() > deadline:
                print("hold.py: no %s after %.0f s" % (a.go, a.max_wait))
                return 2
            n += 1
            line = ("line %06d " % n).ljust(98, "x").encode() + b"\r\n"
            s.send(line)
            content.append(line)
            time.sleep(a.every)
        s.send(b".\r\n")
        code, msg = s.getreply()
        if code != 250:
            print("hold.py: end of DATA %d %r" % (code, msg))
            return 1
        s.quit()
        body = b"".join(content)
        print("hold.py: delivered %d lines, %d after GO" % (n, after))
        print("sha256 %s size %d" % (hashlib.sha256(body).hexdigest(),
                                     len(body)))
        return 0
    except (OSError, smtplib.SMTPException) as e:
        print("hold.py: %s: %s" % (type(e).__name__, e))
        return 1


if __name__ == "__main__":
    sys.exit(main())
