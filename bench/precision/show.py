#!/usr/bin/env python3
"""show.py NOTEBOOK [--outputs]: every cell numbered as nblint numbers them (1-based, all
cells), with its type, execution count and source; --outputs adds the first lines of text
outputs."""
import sys, json
path = sys.argv[1]
nb = json.load(open(path))
cells = nb.get('cells') or [c for ws in nb.get('worksheets', []) for c in ws.get('cells', [])]
for i, c in enumerate(cells, 1):
    src = c.get('source', c.get('input', ''))
    src = ''.join(src) if isinstance(src, list) else src
    print('=' * 12, 'cell %d [%s] exec=%s' % (i, c.get('cell_type'), c.get('execution_count', c.get('prompt_number'))))
    for n, line in enumerate(src.split('\n'), 1):
        print('%4d  %s' % (n, line))
    if '--outputs' in sys.argv and c.get('cell_type') == 'code':
        for o in c.get('outputs', []):
            t = o.get('text') or (o.get('data') or {}).get('text/plain') or o.get('ename')
            if t:
                t = ''.join(t) if isinstance(t, list) else str(t)
                lines = t.split('\n')
                print('   >> ' + '\n   >> '.join(lines[:6]) + ('\n   >> ...' if len(lines) > 6 else ''))
