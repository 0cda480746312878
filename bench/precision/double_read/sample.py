#!/usr/bin/env python3
"""sample.py BIN: draw the NB206 double-read sample of session 24 again. Every NB206 finding
BIN still reports whose verdict (after rereads) is F, and as many drawn at random (seed 24)
among those read T, shuffled, split by notebook over three readers: writes
WORK/dr/key.tsv (id, first verdict) and WORK/dr/dr_partN.tsv (rows as in a set's rows file).
Readers follow reader_instructions.md with one line added: open nothing under WORK/measure/
or WORK/dr/ but their own input and output (other verdicts must not sway them)."""
import csv, glob, os, json, subprocess, random, sys

WORK = os.environ.get('NBLINT_PRECISION_WORK', '/work/ext')
SETS = 'ax ay az ba bb bc bd be bf bg bh bi bj bk bl'.split()
binary = os.path.abspath(sys.argv[1])
os.chdir(WORK)
current = []
for prefix in SETS:
    rows = [r for r in csv.DictReader(open('measure/%s_rows.tsv' % prefix), delimiter='\t')
            if r['rule'] == 'NB206']
    verdict = {}
    files = (sorted(glob.glob('measure/%s_reads_*.tsv' % prefix))
             + sorted(glob.glob('measure/%s_corrections*.tsv' % prefix))
             + sorted(glob.glob('measure/%s_reread*.tsv' % prefix)))
    for f in files:
        for r in csv.DictReader(open(f), delimiter='\t'):
            key = (r['id'], r['message']) if r.get('message') else r['id']
            verdict[key] = r['verdict'].strip()
    now = set()
    for folder in sorted({r['folder'] for r in rows}):
        out = subprocess.run([binary, 'check', '--no-cache', '--output-format', 'json',
                              '--select', 'NB206', folder], capture_output=True, text=True).stdout
        for x in json.loads(out):
            message = x['message'].replace('\t', ' ').replace('\n', ' ')
            now.add((x['path'], str(x['cell']), str(x['line']), message))
    for r in rows:
        if (r['path'], r['cell'], r['line'], r['message']) in now:
            v = verdict.get((r['id'], r['message'])) or verdict.get(r['id'], '')
            if v in ('T', 'F'):
                current.append((r, v))
false = [x for x in current if x[1] == 'F']
true = [x for x in current if x[1] == 'T']
rnd = random.Random(24)
sample = false + rnd.sample(true, len(false))
rnd.shuffle(sample)
by_notebook = {}
for r, v in sample:
    by_notebook.setdefault(r['path'], []).append((r, v))
parts, load = [[] for _ in range(3)], [0] * 3
for _, xs in sorted(by_notebook.items(), key=lambda kv: -len(kv[1])):
    k = load.index(min(load))
    parts[k] += xs
    load[k] += len(xs)
os.makedirs('dr', exist_ok=True)
with open('dr/key.tsv', 'w') as f:
    f.write('id\tfirst\n')
    for r, v in sample:
        f.write('%s\t%s\n' % (r['id'], v))
header = ['id', 'folder', 'path', 'rule', 'cell', 'line', 'message', 'related', 'verdict', 'cause']
for k in range(3):
    with open('dr/dr_part%d.tsv' % (k + 1), 'w') as f:
        f.write('\t'.join(header) + '\n')
        for r, _ in sorted(parts[k], key=lambda x: (x[0]['path'], int(x[0]['cell']))):
            f.write('\t'.join([r[h] if h in r else '' for h in header[:8]] + ['', '']) + '\n')
print(len(false), 'read false,', len(true), 'read true; parts', load)
