#!/usr/bin/env python3
"""docs/architecture.md against the tree: every nfqd/ folder is in the
layer table, every module (a .c under nfqd/LAYER/) is named in its layer's
row, every path the page names exists, every function or name it quotes
is in the sources.  (Each program's libraries: tests/linkage.sh.)
Prints "ok ..." / "FAIL ..." lines."""
import glob, os, re, sys

top = sys.argv[1]
os.chdir(top)
page = open('docs/architecture.md').read()

rows = {}
for m in re.finditer(r'^\| `(\w+)/` \| [^|]*\| ([^|]*) \|$', page, re.M):
    rows[m.group(1)] = set(x.strip() for x in m.group(2).split(','))
folders = sorted(d for d in os.listdir('nfqd') if os.path.isdir('nfqd/' + d))
for d in folders:
    if d not in rows:
        print('FAIL architecture.md: nfqd/%s/ has no row in the layer table' % d)
        continue
    mods = sorted(os.path.basename(c)[:-2] for c in glob.glob('nfqd/%s/*.c' % d))
    missing = [m for m in mods if m not in rows[d]]
    extra = [m for m in rows[d] if m not in mods and
             not os.path.exists('nfqd/%s/%s.h' % (d, m))]
    if missing or extra:
        print('FAIL architecture.md: nfqd/%s/ row: missing %s, not there %s'
              % (d, missing, extra))
    else:
        print('ok   architecture.md: nfqd/%s/ row names its %d modules' % (d, len(mods)))

bad = 0
paths = set(re.findall(r'`((?:[a-z]+/)+[A-Za-z0-9_.-]+\.(?:c|h|sh|md|py))`', page))
for p in sorted(paths):
    if not (os.path.exists(p) or os.path.exists('nfqd/' + p)):
        print('FAIL architecture.md names %s, which does not exist' % p)
        bad += 1
if not bad:
    print('ok   architecture.md: the %d files it names exist' % len(paths))

# `func` next to a file: "`engine/engine.c` `engine_packet`" or
# "`engine_packet` ... (`daemon/live.c`)": each such function is defined
# somewhere under nfqd/, rules/ or tools/.
src = ''
for f in glob.glob('nfqd/*/*.c') + glob.glob('rules/*.c') + glob.glob('tools/*.c'):
    src += open(f).read()
funcs = set(re.findall(r'`([a-z][a-z0-9_]+_[a-z0-9_]+)`', page))
funcs = {f for f in funcs if not re.search(r'\.(c|h|md)$', f) and '/' not in f}
known = {'live_policy', 'reload_lock', 'state-dir'}
undefined = [f for f in sorted(funcs - known)
             if not re.search(r'^(?:static )?[a-z].*\n%s\(' % re.escape(f), src, re.M)
             and not re.search(r'\b%s\b' % re.escape(f), src)]
if undefined:
    print('FAIL architecture.md names %s, not in the sources' % ', '.join(undefined))
else:
    print('ok   architecture.md: the %d functions and names it quotes are in the sources' % len(funcs))
