#!/usr/bin/env python3
"""reread.py BIN OUT.tsv: rows of measure/SET_rows.tsv (env SET, default ax) whose finding BIN now reports with
another message (same path, rule, cell, line) and that no reread file has a verdict for:
written with the new message and related places, for a blind read. NB206 rows first read
true are carried as true to measure/SET_reread_carry.tsv when CARRY=NB206 (the new claim is
weaker than the old)."""
import sys, csv, json, subprocess, glob, os

# The folder holding the held-out folders and `measure/` (a set's files copied from
# bench/precision/sets/NAME/ into measure/).
WORK = os.environ.get('NBLINT_PRECISION_WORK', '/work/ext')
binary, out = sys.argv[1], sys.argv[2]
os.chdir(WORK)
SET = os.environ.get('SET', 'ax')
rows = list(csv.DictReader(open('measure/%s_rows.tsv' % SET), delimiter='\t'))
verdict, have = {}, set()
for f in sorted(glob.glob('measure/%s_reads_*.tsv' % SET)):
    for r in csv.DictReader(open(f), delimiter='\t'): verdict[r['id']] = r['verdict']
for f in sorted(glob.glob('measure/%s_reread*.tsv' % SET)):
    for r in csv.DictReader(open(f), delimiter='\t'): have.add((r['id'], r['message']))
now = {}
for folder in sorted({r['folder'] for r in rows}):
    o = subprocess.run([binary, 'check', '--no-cache', '--output-format', 'json', '--select', 'NB201,NB202,NB205,NB206,NB207', folder], capture_output=True, text=True).stdout
    for x in json.loads(o):
        rel = ' | '.join('cell %s line %s: %s' % (r_['cell'], r_['line'], r_['message']) for r_ in x['related'])
        now.setdefault((x['path'], x['code'], str(x['cell']), str(x['line'])), []).append((x['message'].replace('\t', ' ').replace('\n', ' '), rel.replace('\t', ' ')))
todo, carry = [], []
for r in rows:
    got = now.get((r['path'], r['rule'], r['cell'], r['line']), [])
    if not got or r['message'] in [m for m, _ in got]: continue
    m, rel = got[0]
    if (r['id'], m) in have: continue
    if os.environ.get('CARRY') == r['rule'] and verdict.get(r['id']) == 'T':
        carry.append([r['id'], m, 'T', 'carried: first read true under the stronger claim'])
        continue
    todo.append([r['id'], r['folder'], r['path'], r['rule'], r['cell'], r['line'], m, rel, '', ''])
with open(out, 'w') as f:
    f.write('id\tfolder\tpath\trule\tcell\tline\tmessage\trelated\tverdict\tcause\n')
    for t in todo: f.write('\t'.join(t) + '\n')
if carry:
    new = not os.path.exists('measure/%s_reread_carry.tsv' % SET)
    with open('measure/%s_reread_carry.tsv' % SET, 'a') as f:
        if new: f.write('id\tmessage\tverdict\tcause\n')
        for c in carry: f.write('\t'.join(c) + '\n')
print(len(todo), 'to read,', len(carry), 'carried')
