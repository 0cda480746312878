#!/usr/bin/env python3
"""prep.py GITDIR OUTDIR [--max N] [--seed S] [--commit SHA]: write the repo's Python .ipynb
files (at SHA, the commit a set's projects.tsv names; HEAD by default)
under OUTDIR/<owner+name>/<path>, at most N chosen at random (seeded), skipping files
> 3 MB and non-Python kernels."""
import sys, subprocess, os, json, random
args = sys.argv[1:]
gitdir, out = args[0], args[1]
mx = int(args[args.index('--max')+1]) if '--max' in args else 10**9
seed = int(args[args.index('--seed')+1]) if '--seed' in args else 1
commit = args[args.index('--commit')+1] if '--commit' in args else 'HEAD'
# The project's folder: the mirror's `owner+name` part of GITDIR.
proj = [p for p in gitdir.split('/') if '+' in p][0]
ls = subprocess.run(['git', '--git-dir', gitdir, 'ls-tree', '-r', '-l', commit], capture_output=True, text=True).stdout
cands = []
for line in ls.splitlines():
    meta, path = line.split('\t', 1)
    parts = meta.split()
    if not path.endswith('.ipynb') or parts[1] != 'blob' or not parts[3].isdigit() or int(parts[3]) > 3_000_000:
        continue
    if '.ipynb_checkpoints' in path:
        continue
    cands.append((path, parts[2]))
random.Random(seed).shuffle(cands)
n = 0
for path, sha in cands:
    if n >= mx:
        break
    data = subprocess.run(['git', '--git-dir', gitdir, 'cat-file', 'blob', sha], capture_output=True).stdout
    try:
        nb = json.loads(data)
    except Exception:
        continue
    if not isinstance(nb, dict):
        continue
    md = nb.get('metadata', {})
    if not isinstance(md, dict):
        continue
    ks = json.dumps(md.get('kernelspec', {})).lower() + json.dumps(md.get('language_info', {})).lower()
    if any(k in ks for k in ('julia', '"r"', 'ir"', 'scala', 'rust', 'javascript', 'sql', 'bash', 'c++', 'wolfram', 'matlab', 'octave', 'sas', 'java"')):
        continue
    cells = nb.get('cells') or [c for ws in nb.get('worksheets', []) for c in ws.get('cells', [])]
    code = [c for c in cells if c.get('cell_type') == 'code']
    if len(code) < 3:
        continue
    dest = os.path.join(out, proj, path)
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    with open(dest, 'wb') as f:
        f.write(data)
    n += 1
print(proj, n, 'of', len(cands))
