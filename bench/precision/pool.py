#!/usr/bin/env python3
"""pool.py BIN [SET ...]: run rejudge.py for each set (default: every sets/* folder) and
print, per rule, the false findings still reported over all findings still reported, pooled
over the sets, with the 95 % Wilson interval, and the true findings lost. Sets are named as
their folders (AX, BF); their files must be in WORK/measure/ (see README.md)."""
import sys, os, re, subprocess, collections, math

here = os.path.dirname(os.path.abspath(__file__))
WORK = os.environ.get('NBLINT_PRECISION_WORK', '/work/ext')
binary = os.path.abspath(sys.argv[1]) if os.sep in sys.argv[1] else sys.argv[1]
sets = sys.argv[2:] or sorted(os.listdir(os.path.join(here, 'sets')))
line = re.compile(r'^(NB\d+) before (\d+)/(\d+) .* after (\d+)/(\d+) .* gone F (\d+) T (\d+)')
pooled = collections.defaultdict(lambda: [0, 0, 0, 0])
for name in sets:
    rows = os.path.join(WORK, 'measure', name.lower() + '_rows.tsv')
    out = subprocess.run([sys.executable, os.path.join(here, 'rejudge.py'), binary, rows],
                         capture_output=True, text=True).stdout
    for text in out.splitlines():
        m = line.match(text)
        if m:
            rule = m.group(1)
            after_false, after_all, lost = int(m.group(4)), int(m.group(5)), int(m.group(7))
            pooled[rule][0] += after_false
            pooled[rule][1] += after_all
            pooled[rule][2] += lost
            pooled[rule][3] += int(m.group(3)) - int(m.group(2))


def wilson(k, n, z=1.96):
    if n == 0:
        return (0.0, 0.0)
    p = k / n
    d = 1 + z * z / n
    c = p + z * z / (2 * n)
    m = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (max(0.0, (c - m) / d * 100), min(100.0, (c + m) / d * 100))


print('sets:', ' '.join(sets))
for rule in sorted(pooled):
    false, total, lost, true_read = pooled[rule]
    low, high = wilson(false, total)
    print('%s  %d/%d = %.1f%% [%.1f, %.1f]  true lost %d of %d read true' % (
        rule, false, total, 100 * false / max(total, 1), low, high, lost, true_read))
