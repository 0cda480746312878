#!/usr/bin/env python3
"""agreement.py [FOLDER]: how the second, independent reading of an NB206 double-read sample
agrees with the first (FOLDER/key.tsv: id, first verdict; FOLDER/dr_reads_N.tsv: id, verdict,
cause). FOLDER defaults to this one (sets AX to BL); `../double_read_bm` holds BM's."""
import csv, glob, os, sys, collections

here = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
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
