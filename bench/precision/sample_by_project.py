#!/usr/bin/env python3
"""sample_by_project.py BIN SETNAME FOLDER SEED OUT.tsv: run BIN check on WORK/FOLDER (every
hazard rule selected by name) and keep, per project (the folder's first level), every NB201
and NB202 and up to CAPS NB205, NB206 and NB207 findings, drawn with SEED. One row a finding:
id, folder, path, rule, cell, line, message, related, and empty verdict and cause columns.
CAPS (env, default "NB205=3,NB206=6,NB207=8") sets the caps; sets BP and BR were drawn so."""
import collections, json, os, random, subprocess, sys

binary, setname, folder, seed, out = sys.argv[1:6]
binary = os.path.abspath(binary) if os.sep in binary else binary
WORK = os.environ.get('NBLINT_PRECISION_WORK', '/work/ext')
caps = {'NB201': None, 'NB202': None, 'NB205': 3, 'NB206': 6, 'NB207': 8}
for item in filter(None, os.environ.get('CAPS', '').split(',')):
    rule, cap = item.split('=')
    caps[rule] = int(cap)
run = subprocess.run([binary, 'check', '--no-cache', '--output-format', 'json', '--select',
                      ','.join(caps), folder], capture_output=True, text=True, cwd=WORK)
found = [x for x in json.loads(run.stdout) if x['code'] in caps]
by_project = collections.defaultdict(list)
for x in found:
    by_project[(x['path'].split('/')[1], x['code'])].append(x)
keep = []
for (project, code), xs in sorted(by_project.items()):
    xs.sort(key=lambda x: (x['path'], x['cell'], x['line']))
    if caps[code] is not None and len(xs) > caps[code]:
        xs = random.Random(int(seed)).sample(xs, caps[code])
    keep += xs
keep.sort(key=lambda x: (x['path'], x['cell'], x['line'], x['code']))
with open(out, 'w') as f:
    f.write('id\tfolder\tpath\trule\tcell\tline\tmessage\trelated\tverdict\tcause\n')
    for i, x in enumerate(keep):
        related = ' | '.join('cell %s line %s: %s' % (q['cell'], q['line'], q['message'])
                             for q in x['related'])
        row = [folder, x['path'], x['code'], str(x['cell']), str(x['line']),
               x['message'].replace('\t', ' ').replace('\n', ' '),
               related.replace('\t', ' ').replace('\n', ' ')]
        f.write('%s%d\t' % (setname, i + 1) + '\t'.join(row) + '\t\t\n')
print(len(keep), 'rows', dict(collections.Counter(x['code'] for x in keep)))
