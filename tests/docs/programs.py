#!/usr/bin/env python3
"""The programs against what the docs say of them (tests/docs/run.sh).

    programs.py TOP BINDIR INSTALLED

INSTALLED lists the files `make install DESTDIR=... PREFIX=/usr` put, one
absolute path a line.  Prints one "ok   ..." or "FAIL ..." line per check.
"""
import os
import re
import subprocess
import sys

TOP, BINDIR, INSTALLED = sys.argv[1], sys.argv[2], sys.argv[3]
# Every program in bin/ with its page, or None: a build tool, not installed.
PROGRAMS = {"nfqd": "man/nfqd.8", "nfqd-rules": "man/nfqd-rules.8",
            "nfqctl": "man/nfqctl.8", "nfqd-collect": "man/nfqd-collect.8",
            "nfqd-pcapgen": None}
NUMBERS = ["zero", "one", "two", "three", "four", "five", "six", "seven",
           "eight", "nine", "ten", "eleven", "twelve", "thirteen",
           "fourteen", "fifteen", "sixteen"]


def ok(msg):
    print("ok   " + msg)


def bad(msg):
    print("FAIL " + msg)


def read(path):
    with open(os.path.join(TOP, path), encoding="utf-8") as f:
        return f.read()


def run(argv, **kw):
    return subprocess.run(argv, capture_output=True, text=True, timeout=60,
                          **kw)


RENDER = {}


def render(page):
    """The page as a reader sees it, overstrike removed."""
    if page not in RENDER:
        out = run(["mandoc", "-Tutf8", os.path.join(TOP, page)]).stdout
        RENDER[page] = re.sub(".\b", "", out)
    return RENDER[page]


def section(text, name):
    """One section of a rendered page, from its heading to the next."""
    m = re.search(r"^%s\n(.*?)(?=^[A-Z][A-Z ]+\n|\Z)" % re.escape(name),
                  text, re.M | re.S)
    return m.group(1) if m else ""


def version():
    m = re.search(r'#define\s+NFQD_VERSION\s+"([^"]+)"', read("nfqd/base/defs.h"))
    return m.group(1)


# ---- make install and docs/deploy.md's table -------------------------

def check_install():
    installed = {l.strip() for l in open(INSTALLED) if l.strip()}
    text = read("docs/deploy.md")
    m = re.search(r"`make install PREFIX=/usr` puts:\n\n((?:\|.*\n)+)", text)
    if m is None:
        bad("docs/deploy.md: no table after '`make install PREFIX=/usr` puts:'")
        return
    said = set()
    for row in m.group(1).splitlines()[2:]:
        cell = row.split("|")[1]
        said.update(p for p in re.findall(r"`([^`]+)`", cell))
    odd = {p for p in said if not p.startswith("/")}
    if odd:
        bad("docs/deploy.md install table: not full paths: %s" % sorted(odd))
    if not installed:
        bad("make install put no file")
        return
    missing, extra = sorted(installed - said), sorted(said - installed)
    if missing or extra:
        bad("docs/deploy.md install table against make install: "
            "installed but not listed %s; listed but not installed %s" % (missing, extra))
    else:
        progs = [p for p in installed if "/sbin/" in p]
        pages = [p for p in installed if "/man/" in p]
        ok("docs/deploy.md install table is what make install puts "
           "(%d programs, %d man pages, %d files)" % (len(progs), len(pages), len(installed)))
    # Every installed page is one of man/, every program one of bin/.
    for p in installed:
        if "/man/man" in p and not os.path.exists(os.path.join(TOP, "man", os.path.basename(p))):
            bad("make install puts %s, which is not in man/" % p)


# ---- ipsets: nfqd-rules print against nfqd-rules(8) ------------------

def check_sets():
    conf = os.path.join(TOP, "tests/replay/campus-day/nfqd.conf")
    r = run([os.path.join(BINDIR, "nfqd-rules"), "-c", conf, "print"])
    names = re.findall(r"^create (\S+) hash:net", r.stdout, re.M)
    if r.returncode != 0 or not names:
        bad("nfqd-rules print: exit %d, no sets: %s" % (r.returncode, r.stderr.strip()))
        return
    sets = sorted({n for n in names if not n.endswith("-tmp")})
    prefix = "nfqd-"
    page = render("man/nfqd-rules.8")
    sec = section(page, "DESCRIPTION")
    missing = [s for s in sets
               if "prefix-" + s[len(prefix):] not in sec]
    if missing:
        bad("nfqd-rules(8) does not list the sets %s (as prefix-NAME)" % missing)
    else:
        ok("nfqd-rules(8) lists every set nfqd-rules print creates (%s)" %
           ", ".join(s[len(prefix):] for s in sets))
    listed = set(re.findall(r"prefix-([a-z]+[46])\b", sec))
    stale = sorted(listed - {s[len(prefix):] for s in sets})
    if stale:
        bad("nfqd-rules(8) names sets nfqd-rules does not create: %s" % stale)
    m = re.search(r"(\w+) ‘hash:net’\s+sets", sec)
    if m is None:
        bad("nfqd-rules(8): no 'N ‘hash:net’ sets' sentence")
    elif m.group(1).lower() not in NUMBERS or \
            NUMBERS.index(m.group(1).lower()) != len(sets):
        bad("nfqd-rules(8) says %s ‘hash:net’ sets; nfqd-rules print "
            "creates %d" % (m.group(1), len(sets)))
    else:
        ok("nfqd-rules(8): %s ‘hash:net’ sets, as nfqd-rules print creates" % m.group(1))


# ---- options and conventions -----------------------------------------

def options(usage):
    """The options a usage text names: --long and -x."""
    longs = set(re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", usage))
    shorts = set(re.findall(r"(?<![\w-])-[a-zA-Z](?![\w-])", usage))
    return longs | shorts


def check_program(prog, page):
    path = os.path.join(BINDIR, prog)
    if not os.access(path, os.X_OK):
        bad("%s is not built" % path)
        return
    want = "%s %s" % (prog, version())
    for opt in ("-V", "--version"):
        r = run([path, opt])
        if r.returncode == 0 and r.stdout.strip() == want and not r.stderr:
            ok("%s %s: '%s', exit 0" % (prog, opt, want))
        else:
            bad("%s %s: exit %d, stdout %r, stderr %r (want '%s', exit 0)" % (
                prog, opt, r.returncode, r.stdout.strip()[:80],
                r.stderr.strip()[:80], want))
    usage = None
    for opt in ("-h", "--help"):
        r = run([path, opt])
        if r.returncode == 0 and r.stdout.startswith("usage:") and not r.stderr:
            ok("%s %s: the usage on stdout, exit 0" % (prog, opt))
            usage = r.stdout
        else:
            bad("%s %s: exit %d, stdout %r, stderr %r (want the usage on "
                "stdout, exit 0)" % (prog, opt, r.returncode,
                                     r.stdout[:60], r.stderr[:60]))
    r = run([path, "--no-such-option"])
    first = r.stderr.splitlines()[0] if r.stderr else ""
    if r.returncode == 2 and not r.stdout and "usage:" in r.stderr and \
            first.startswith(prog + ": "):
        ok("%s --no-such-option: '%s', the usage on stderr, exit 2" % (prog, first))
    else:
        bad("%s --no-such-option: exit %d, stdout %r, stderr %r (want "
            "'%s: ...', the usage on stderr, exit 2)" % (
                prog, r.returncode, r.stdout[:60], r.stderr[:120], prog))
    if page is None or usage is None:
        return
    text = render(page)
    body = section(text, "SYNOPSIS") + section(text, "DESCRIPTION") + \
        section(text, "COMMANDS") + section(text, "OPTIONS")
    missing = sorted(o for o in options(usage)
                     if not re.search(r"(?<![\w-])%s(?![\w-])" % re.escape(o), body))
    if missing:
        bad("%s: options in --help that %s does not describe: %s" % (
            prog, page, " ".join(missing)))
    else:
        ok("%s: every option of --help (%d) is in %s" % (
            prog, len(options(usage)), page))
    status = section(text, "EXIT STATUS")
    m = re.search(r"^\s+2\s+(.*?)(?=^\s+\d+\s|\Z)", status, re.M | re.S)
    # a tagged list (".It 2"), or prose ("... 2 on a usage error")
    two = " ".join(m.group(1).split()) if m else ""
    prose = re.search(r"(?<![\w.-])2 ((?:(?!(?<![\w.-])[0-9](?![\w.-])).){0,80})",
                      " ".join(status.split()))
    if prose and not two:
        two = prose.group(1)
    if not two:
        bad("%s: no exit status 2 in EXIT STATUS" % page)
    elif not re.search(r"usage|command line", two, re.I):
        bad("%s: EXIT STATUS 2 does not name the wrong command line: %s" % (
            page, two[:120]))
    else:
        ok("%s: EXIT STATUS 2 is the usage error the program exits with" % page)


# ---- SEE ALSO, the unit's Documentation= ------------------------------

def check_refs():
    pages = sorted(f for f in os.listdir(os.path.join(TOP, "man"))
                   if re.fullmatch(r"[a-z.-]+\.[1-9]", f))
    names = {p: "%s(%s)" % (p.rsplit(".", 1)[0], p.rsplit(".", 1)[1]) for p in pages}
    for p in pages:
        see = " ".join(section(render("man/" + p), "SEE ALSO").split())
        missing = [names[q] for q in pages if q != p and names[q] not in see]
        if missing:
            bad("man/%s SEE ALSO lacks %s" % (p, ", ".join(missing)))
        else:
            ok("man/%s SEE ALSO names every other page" % p)
    unit = read("nfqd/nfqd.service")
    doc = " ".join(re.findall(r"^Documentation=(.*)$", unit, re.M))
    missing = [names[q] for q in pages
               if "man:%s" % names[q] not in doc.split()]
    if missing:
        bad("nfqd/nfqd.service Documentation= lacks %s" % ", ".join(missing))
    else:
        ok("nfqd/nfqd.service Documentation= names every page")


# ---- README against the tree and the Makefile ------------------------

def check_readme():
    text = read("README.md")
    for row in re.findall(r"^\| `([^`/]+)/` \| (.*) \|$", text, re.M):
        folder, what = row
        if "planned" in what.lower() and os.path.isdir(os.path.join(TOP, folder)) \
                and os.listdir(os.path.join(TOP, folder)):
            bad("README.md calls %s/ planned, and it holds %s" % (
                folder, ", ".join(sorted(os.listdir(os.path.join(TOP, folder)))[:3])))
            break
    else:
        ok("README.md layout: no folder that exists called planned")
    mk = read("Makefile")
    m = re.search(r"^demo:.*?\n((?:\t.*\n)+)", mk, re.M)
    live = m is not None and "tools/demo.sh" in m.group(1) and 'id -u' in m.group(1)
    m = re.search(r"make demo\s+#(.*?)\n\s+make check", text, re.S)
    said = " ".join(m.group(1).replace("#", " ").split()) if m else ""
    if not live:
        ok("Makefile: make demo does not run the live campus; README not checked")
    elif "root" in said and "namespace" in said:
        ok("README.md: make demo is the live campus as root, as the Makefile runs it")
    else:
        bad("README.md says make demo '%s'; as root the Makefile runs the "
            "live campus (tools/demo.sh)" % said)


def main():
    check_install()
    check_sets()
    for prog, page in PROGRAMS.items():
        check_program(prog, page)
    check_refs()
    check_readme()


if __name__ == "__main__":
    main()
