#!/usr/bin/env python3
"""nb205_cuts.py BIN: pools every kept set's NB205 verdicts (for the message BIN reports now)
and prints the false share by simple features of the finding: the message's form, whether the
later binding's value reads the name, whether both bindings call the same function. Run from
WORK (NBLINT_PRECISION_WORK) with every set's files in measure/."""
import csv,glob,subprocess,json,collections,re,os,sys
os.chdir(os.environ.get('NBLINT_PRECISION_WORK', '/work/ext'))
BIN = sys.argv[1]
def src(nb,cell):
    cells=nb.get('cells') or [c for ws in nb.get('worksheets',[]) for c in ws.get('cells',[])]
    c=cells[cell-1]
    s=c.get('source', c.get('input',''))
    return ''.join(s) if isinstance(s,list) else s
stats=collections.Counter()
for s in ['ax','az','ba','bb','ay']:
    rows=list(csv.DictReader(open('measure/%s_rows.tsv'%s),delimiter='\t'))
    v={}
    for f in sorted(glob.glob('measure/%s_reads_*.tsv'%s))+sorted(glob.glob('measure/%s_corrections*.tsv'%s)):
        for r in csv.DictReader(open(f),delimiter='\t'): v[r['id']]=r['verdict'].strip()
    rv={}
    for f in sorted(glob.glob('measure/%s_reread*.tsv'%s)):
        for r in csv.DictReader(open(f),delimiter='\t'): rv[(r['id'],r['message'])]=r['verdict'].strip()
    now={}
    for folder in sorted({r['folder'] for r in rows}):
        out=subprocess.run([BIN,'check','--no-cache','--output-format','json','--select','NB205',folder],capture_output=True,text=True).stdout
        for x in json.loads(out):
            now.setdefault((x['path'],x['code'],str(x['cell']),str(x['line'])),[]).append(x['message'])
    for r in rows:
        if r['rule']!='NB205': continue
        msgs=now.get((r['path'],r['rule'],r['cell'],r['line']),[])
        if not msgs: continue
        m=r['message'] if r['message'] in msgs else msgs[0]
        verdict=rv.get((r['id'],m)) or (v.get(r['id']) if m==r['message'] else None)
        if verdict not in ('T','F'): continue
        nb=json.load(open(r['path']))
        name=m.split('`')[1]
        a=int(re.search(r'bound in cell (\d+)',m).group(1))
        B=src(nb,int(r['cell'])).split('\n')
        line=B[int(r['line'])-1] if int(r['line'])-1 < len(B) else ''
        rhs=line.split('=',1)[1] if '=' in line else ''
        derived = re.search(r'\b%s\b'%re.escape(name), rhs) is not None
        Asrc=src(nb,a)
        Aline=[l for l in Asrc.split('\n') if re.match(r'\s*%s\s*=[^=]'%re.escape(name), l)]
        arhs=Aline[-1].split('=',1)[1].strip() if Aline else None
        same_call = None
        if arhs is not None and rhs:
            fa=re.match(r'[\w\.]+',arhs); fb=re.match(r'[\w\.]+',rhs.strip())
            same_call = bool(fa and fb and fa.group(0)==fb.group(0))
        form='self' if 'before binding it again' in m else 'reader'
        for key in [('all',), ('form',form), ('derived',derived), ('samecallee',same_call), ('form+derived',form,derived)]:
            stats[key+(verdict,)]+=1
keys=sorted({k[:-1] for k in stats}, key=str)
for k in keys:
    t=stats[k+('T',)]; f=stats[k+('F',)]
    print(k, 'T',t,'F',f, 'Fpct %.1f'%(100*f/max(1,t+f)))
