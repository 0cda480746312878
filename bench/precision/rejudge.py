#!/usr/bin/env python3
"""rejudge.py BIN [ROWS.tsv]: re-run BIN on the folders of the rows and say, per rule, how
many findings read false/true are still reported (same path, rule, cell, line, message),
which true ones were lost, and which changed their message (need a new read).
Verdicts come from measure/SET_reads_*.tsv, SET_corrections*.tsv and SET_reread*.tsv (later
files win), SET being the rows file's prefix (`ax` of ax_rows.tsv).
REJ=-v lists the false rows still reported."""
import sys, csv, json, subprocess, glob, os, collections, math

# The folder holding the held-out folders and `measure/` (a set's files copied from
# bench/precision/sets/NAME/ into measure/).
WORK = os.environ.get('NBLINT_PRECISION_WORK', '/work/ext')
binary = os.path.abspath(sys.argv[1]) if os.sep in sys.argv[1] else sys.argv[1]
rowsf = sys.argv[2] if len(sys.argv) > 2 else WORK + '/measure/ax_rows.tsv'
os.chdir(WORK)
prefix = os.path.basename(rowsf).split('_')[0]
rows = list(csv.DictReader(open(rowsf), delimiter='\t'))
verdict, cause = {}, {}
for f in sorted(glob.glob('measure/%s_reads_*.tsv' % prefix)) + sorted(glob.glob('measure/%s_corrections*.tsv' % prefix)) + sorted(glob.glob('measure/%s_reread*.tsv' % prefix)):
    for r in csv.DictReader(open(f), delimiter='\t'):
        if r.get('message'):
            verdict[(r['id'], r['message'])] = r['verdict'].strip(); cause[(r['id'], r['message'])] = r['cause']
        else:
            verdict[r['id']] = r['verdict'].strip(); cause[r['id']] = r['cause']
now = {}
for folder in sorted({r['folder'] for r in rows}):
    out = subprocess.run([binary, 'check', '--no-cache', '--output-format', 'json', '--select', 'NB201,NB202,NB205,NB206,NB207', folder], capture_output=True, text=True).stdout
    for x in json.loads(out):
        now.setdefault((x['path'], x['code'], str(x['cell']), str(x['line'])), []).append(x['message'].replace('\t', ' ').replace('\n', ' '))
def wilson(k, n, z=1.96):
    if n == 0: return (0, 0)
    p = k / n; d = 1 + z * z / n; c = p + z * z / (2 * n); m = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return ((c - m) / d * 100, (c + m) / d * 100)
stats = collections.defaultdict(lambda: collections.Counter())
lost, changed, falses = [], [], []
for r in rows:
    # A reread of the same message (under clarified instructions) replaces the first read.
    v = verdict.get((r['id'], r['message'])) or verdict.get(r['id'], '')
    key = (r['path'], r['rule'], r['cell'], r['line'])
    msgs = now.get(key, [])
    st = stats[r['rule']]
    st['before_' + v] += 1
    if r['message'] in msgs:
        st['after_' + v] += 1
        if v == 'F': falses.append(r)
    elif msgs:
        v2 = verdict.get((r['id'], msgs[0]))
        if v2:
            st['after_' + v2] += 1
            if v2 == 'F': falses.append(r)
        else:
            changed.append((r, msgs[0]))
            st['changed'] += 1
    else:
        if v == 'T': lost.append(r)
        st['gone_' + v] += 1
for rule in sorted(stats):
    st = stats[rule]
    nb, fb = st['before_T'] + st['before_F'], st['before_F']
    na, fa = st['after_T'] + st['after_F'], st['after_F']
    print('%s before %d/%d = %.1f%% [%.1f, %.1f]  after %d/%d = %.1f%% [%.1f, %.1f]  gone F %d T %d  changed %d  ? %d' % (
        rule, fb, nb, 100 * fb / max(nb, 1), *wilson(fb, nb), fa, na, 100 * fa / max(na, 1), *wilson(fa, na), st['gone_F'], st['gone_T'], st['changed'], st['before_?']))
for r in lost: print('LOST TRUE', r['id'], r['path'], r['rule'], r['cell'], r['message'])
for r, m in changed: print('CHANGED', r['id'], verdict.get(r['id']), r['path'], r['rule'], r['cell'], '|', r['message'], '=>', m)
if os.environ.get('REJ') == '-v':
    for r in falses:
        print('FALSE', r['id'], r['path'], r['rule'], r['cell'], r['line'], r['message'], '::', cause.get(r['id']))
