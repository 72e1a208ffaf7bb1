#!/usr/bin/env python3
"""A man page's quotes as a reader sees them, and the mdoc that breaks them.

    quotes.py PAGE RENDERED

RENDERED is `mandoc -Tutf8 PAGE`.  Prints one line per problem, nothing
when the page is clean:
  - in the rendered text, a quote mark opened while one of its kind is
    open (`(‘host, ‘until’’)`), a closing mark with none open, or a
    doubled "" (`"path: "kernel""`);
  - in the source, a line where a quoting macro (Ql, Dq, Sq, Qq), which
    encloses the rest of its line, is followed by another one or by No
    (`.Pq Ql ok No or ipset's error` quotes "ok or ipset's error"), and
    an Op that swallows a second Op or a ", Cm ..." meant to follow it.
"""
import re
import sys

QUOTE = r"(?:Ql|Dq|Sq|Qq)"


def rendered(path, text):
    text = re.sub(".\b", "", text)          # overstrike: bold, underline
    for o, c in ("‘’", "“”"):
        depth, line = 0, 1
        for i, ch in enumerate(text):
            if ch == "\n":
                line += 1
            elif ch == o:
                if depth:
                    ctx = text[max(0, i - 40):i + 30].replace("\n", " ")
                    yield "%s (rendered) line %d: %s opened inside %s%s: ...%s..." % (
                        path, line, o, o, c, " ".join(ctx.split()))
                depth += 1
            elif ch == c:
                if depth == 0:
                    yield "%s (rendered) line %d: %s with none open" % (path, line, c)
                else:
                    depth -= 1
    for n, l in enumerate(text.splitlines(), 1):
        if '""' in l:
            yield '%s (rendered) line %d: doubled "": %s' % (path, n, l.strip())


def source(path):
    for n, l in enumerate(open(path, encoding="utf-8"), 1):
        if not l.startswith(".") or l.startswith('.\\"'):
            continue
        toks = l.split()
        for i, t in enumerate(toks):
            if re.fullmatch(r"\.?" + QUOTE, t):
                bad = [r for r in toks[i + 1:] if re.fullmatch(QUOTE + "|No", r)]
                if bad:
                    yield ("%s:%d: %s quotes the rest of the line, %s included "
                           "(one macro a line, or Po/Pc): %s" % (
                               path, n, t.lstrip("."), bad[0], l.strip()))
                break
        ops = [i for i, t in enumerate(toks) if t in ("Op", ".Op")]
        for i in ops[1:]:
            if toks[i - 1] != "Ns":
                yield "%s:%d: an Op inside an Op (Oo ... Oc): %s" % (path, n, l.strip())
        if ops:
            rest = toks[ops[0] + 1:]
            for j in range(1, len(rest) - 1):
                if rest[j] == "," and rest[j + 1] in ("Cm", "Fl", "Ar", "Ic"):
                    yield ("%s:%d: Op encloses ', %s ...' (Oo ... Oc): %s" % (
                        path, n, rest[j + 1], l.strip()))
                    break


def main():
    page, render = sys.argv[1], sys.argv[2]
    for problem in list(rendered(page, open(render, encoding="utf-8").read())) + \
            list(source(page)):
        print(problem)


if __name__ == "__main__":
    main()
