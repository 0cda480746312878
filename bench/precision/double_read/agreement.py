#!/usr/bin/env python3
"""agreement.py: how the second, independent reading of the NB206 double-read sample agrees
with the first (key.tsv: id, first verdict; dr_reads_N.tsv: id, verdict, cause)."""
import csv, glob, os, collections

here = os.path.dirname(os.path.abspath(__file__))
first = {r['id']: r['first'] for r in csv.DictReader(open(os.path.join(here, 'key.tsv')), delimiter='\t')}
second = {}
for f in sorted(glob.glob(os.path.join(here, 'dr_reads_*.tsv'))):
    for r in csv.DictReader(open(f), delimiter='\t'):
        second[r['id']] = r['verdict'].strip()
pairs = collections.Counter((first[i], second.get(i, '-')) for i in first)
for (a, b), n in sorted(pairs.items()):
    print('first %s, second %s: %d' % (a, b, n))
print('read false both times:', ' '.join(sorted(i for i in first if first[i] == 'F' and second.get(i) == 'F')))
print('false, then true:', ' '.join(sorted(i for i in first if first[i] == 'F' and second.get(i) == 'T')))
print('true, then false:', ' '.join(sorted(i for i in first if first[i] == 'T' and second.get(i) == 'F')))
