#!/usr/bin/env python3
"""sample.py BIN SETNAME OUT.tsv FOLDER...: run BIN check on the folders; keep every NB201,
NB202, NB205 and up to CAP (env, default 30) NB206 and NB207 per folder (seeded), one row a
finding: id, folder, path, rule, cell, line, message, related."""
import sys, json, subprocess, random, os
binary, setname, out, folders = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
cap = int(os.environ.get('CAP', '30'))
rows = []
for folder in folders:
    r = subprocess.run([binary, 'check', '--no-cache', '--output-format', 'json', '--select',
                        'NB201,NB202,NB205,NB206,NB207', folder], capture_output=True, text=True)
    found = [x for x in json.loads(r.stdout) if x['code'] in ('NB201', 'NB202', 'NB205', 'NB206', 'NB207')]
    keep = []
    for code in ('NB201', 'NB202', 'NB205', 'NB206', 'NB207'):
        xs = [x for x in found if x['code'] == code]
        if code in ('NB206', 'NB207') and len(xs) > cap:
            xs = random.Random(49).sample(xs, cap)
        keep += xs
    keep.sort(key=lambda x: (x['path'], x['cell'], x['line'], x['code']))
    for x in keep:
        rel = ' | '.join('cell %s line %s: %s' % (r_['cell'], r_['line'], r_['message']) for r_ in x['related'])
        rows.append([os.path.basename(folder.rstrip('/')), x['path'], x['code'], str(x['cell']), str(x['line']),
                     x['message'].replace('\t', ' ').replace('\n', ' '), rel.replace('\t', ' ').replace('\n', ' ')])
with open(out, 'w') as f:
    f.write('id\tfolder\tpath\trule\tcell\tline\tmessage\trelated\tverdict\tcause\n')
    for i, row in enumerate(rows):
        f.write('%s%d\t' % (setname, i + 1) + '\t'.join(row) + '\t\t\n')
print(len(rows), 'rows')
