#!/usr/bin/env python3
"""The examples of docs/events.md, written from what nfqd writes.

    events-doc.py [--check] [--nfqd BIN] [DOC]     (DOC: docs/events.md)

Every ```json block that follows a marker line is an example to write:

    <!-- eve SOURCE SELECTION [| SELECTION ...] [line] -->

SOURCE is a replay case (tests/replay/CASE: its nfqd.conf, exceptions.conf
and capture, replayed with sensor-name = border-1) or `live`
(docs/eve-live.json: events a live daemon wrote in the end-to-end tests,
kept with E2E_EVE_KEEP; see tests/e2e/lib.sh).  A SELECTION is filters as
tests/replay/check.py reads them (key=value, !key; a number picks an
array's element; key!=value: present and not that value) and optionally
#N, the N-th event matching (default the first).  One selection is written pretty-printed; several, or `line`, one
event per line.

The output of a command is written the same way: a ```text block after

    <!-- eve-sh SOURCE -->

is what the ```sh block before it prints (sh -c, LC_ALL=C) in a folder
where eve.json holds SOURCE's events as nfqd wrote them.  A case whose
capture is under ../shared is left as it is when that folder is not
there (counted, as the replay tests skip it).

Without --check the blocks are rewritten in place.  With --check nothing
is written: exit 1, naming each block that differs from what nfqd writes
now (tests/docs/run.sh), or whose selection matches nothing.
"""
import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, "tests", "replay"))
from check import lookup, matches, MISSING  # noqa: E402
from check import render as value_text  # noqa: E402

MARK = "<!-- eve "


def raw(nfqd, case, cache):
    """The lines nfqd wrote for a replay case (the docs' sensor name)."""
    if case in cache:
        return cache[case]
    if case == "live":
        path = os.path.join(TOP, "docs", "eve-live.json")
        with open(path, encoding="utf-8") as f:
            cache[case] = f.read()
        return cache[case]
    d = os.path.join(TOP, "tests", "replay", case)
    with open(os.path.join(d, "pcap")) as f:
        pcap = f.readline().strip()
    if not pcap.startswith("/"):
        pcap = os.path.join(TOP, pcap)
    if not os.path.exists(pcap) and "/shared/" in pcap:
        cache[case] = None          # ../shared is not here: not checked
        return None
    with tempfile.TemporaryDirectory() as t:
        conf = open(os.path.join(d, "nfqd.conf"), encoding="utf-8").read()
        conf = "".join(l for l in conf.splitlines(True)
                       if not l.lstrip().startswith("sensor-name"))
        with open(os.path.join(t, "nfqd.conf"), "w") as f:
            f.write(conf + "\nsensor-name = border-1\n")
        exc = os.path.join(d, "exceptions.conf")
        with open(os.path.join(t, "exceptions.conf"), "w") as f:
            f.write(open(exc).read() if os.path.exists(exc) else "")
        r = subprocess.run([nfqd, "-c", os.path.join(t, "nfqd.conf"),
                            "--replay", pcap], capture_output=True,
                           text=True)
    if r.returncode not in (0, 1) or not r.stdout:
        sys.exit("events-doc.py: replay of %s failed: %s" % (case, r.stderr))
    cache[case] = r.stdout
    return cache[case]


def replay(nfqd, case, cache):
    text = raw(nfqd, case, cache)
    if text is None:
        return None
    return [json.loads(l) for l in text.splitlines() if l]


def run_sh(cmd, text):
    """What the shell command prints over eve.json = text."""
    with tempfile.TemporaryDirectory() as t:
        with open(os.path.join(t, "eve.json"), "w", encoding="utf-8") as f:
            f.write(text)
        r = subprocess.run(["sh", "-c", cmd], cwd=t, capture_output=True,
                           text=True, env=dict(os.environ, LC_ALL="C"))
    return r.stdout


def select(events, words):
    nth = 1
    filters, unlike = [], []
    for w in words:
        if w.startswith("#") and w[1:].isdigit():
            nth = int(w[1:])
        elif "!=" in w:
            unlike.append(w.split("!=", 1))    # key!=value: present, not it
        else:
            filters.append(w)
    hits = [e for e in events if matches(e, filters) and all(
        lookup(e, k) is not MISSING and value_text(lookup(e, k)) != v
        for k, v in unlike)]
    return hits[nth - 1] if len(hits) >= nth else None


def render(events, line):
    if line or len(events) > 1:
        return "".join(json.dumps(e, separators=(",", ":"),
                                  ensure_ascii=False) + "\n"
                       for e in events)
    return json.dumps(events[0], indent=2, ensure_ascii=False) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--nfqd", default=os.path.join(TOP, "bin", "nfqd"))
    ap.add_argument("doc", nargs="?",
                    default=os.path.join(TOP, "docs", "events.md"))
    a = ap.parse_args()
    lines = open(a.doc, encoding="utf-8").read().split("\n")
    out, cache, bad, n, i, skipped = [], {}, [], 0, 0, 0
    last_sh = None
    while i < len(lines):
        l = lines[i]
        out.append(l)
        i += 1
        if l.strip() == "```sh":
            j = i
            while j < len(lines) and lines[j].strip() != "```":
                j += 1
            last_sh = "\n".join(lines[i:j])
            continue
        if l.startswith("<!-- eve-sh ") and l.endswith("-->"):
            n += 1
            src = l[len("<!-- eve-sh "):-3].strip()
            if i >= len(lines) or lines[i].strip() != "```text" or \
                    last_sh is None:
                bad.append("%s:%d: eve-sh not after a ```sh block and "
                           "before a ```text block" % (a.doc, i))
                continue
            j = i + 1
            while j < len(lines) and lines[j].strip() != "```":
                j += 1
            old = "".join(x + "\n" for x in lines[i + 1:j])
            text = raw(a.nfqd, src, cache)
            if text is None:
                skipped += 1
                new = old
            else:
                new = run_sh(last_sh, text)
            if new != old:
                bad.append("%s:%d: the output differs from what the "
                           "command prints now" % (a.doc, i + 1))
            out.append(lines[i])
            out.extend(new.rstrip("\n").split("\n") if new else [])
            out.append("```")
            i = j + 1
            continue
        if not l.startswith(MARK) or not l.endswith("-->"):
            continue
        n += 1
        words = shlex.split(l[len(MARK):-3])
        line = words and words[-1] == "line"
        if line:
            words = words[:-1]
        src, rest = words[0], words[1:]
        sels, cur = [], []
        for w in rest:
            if w == "|":
                sels.append(cur)
                cur = []
            else:
                cur.append(w)
        sels.append(cur)
        evs = replay(a.nfqd, src, cache)
        if evs is None:
            skipped += 1
            picked = [{}]
        else:
            picked = [select(evs, s) for s in sels]
        if i >= len(lines) or lines[i].strip() != "```json":
            bad.append("%s:%d: marker not followed by ```json" % (a.doc, i))
            continue
        j = i + 1
        while j < len(lines) and lines[j].strip() != "```":
            j += 1
        old = "\n".join(lines[i + 1:j]) + "\n"
        if evs is None:
            new = old
        elif any(p is None for p in picked):
            bad.append("%s:%d: %s: nothing matches" % (a.doc, i, l))
            new = old
        else:
            new = render(picked, line)
            if new != old:
                bad.append("%s:%d: the example differs from what nfqd "
                           "writes now" % (a.doc, i + 1))
        out.append(lines[i])
        out.extend(new.rstrip("\n").split("\n"))
        out.append("```")
        i = j + 1
    if n == 0:
        bad.append("%s: no <!-- eve ... --> examples" % a.doc)
    if a.check:
        for b in bad:
            print(b)
        print("events-doc: %d examples, %d differ or match nothing%s" % (
            n, len(bad), ", %d not checked (no ../shared)" % skipped
            if skipped else ""))
        return 1 if bad else 0
    with open(a.doc, "w", encoding="utf-8") as f:
        f.write("\n".join(out))
    for b in bad:
        if "nothing matches" in b or "not followed" in b:
            print(b, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
