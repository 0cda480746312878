#!/usr/bin/env python3
"""take.py SET [MIRRORS]: write exactly the notebooks `sets/SET/notebooks.txt` lists, each
from the commit `sets/SET/projects.tsv` names for its project, into WORK/FOLDER/owner+name/
(WORK: NBLINT_PRECISION_WORK, default /work/ext). For sets read from a list (BLR's evcxr
notebooks, which prep.py skips as not Python). MIRRORS (default /work/.mirror) holds each
project fetched as owner+name/repo, a bare git directory or a clone."""
import os, subprocess, sys
here = os.path.dirname(os.path.abspath(__file__))
work = os.environ.get('NBLINT_PRECISION_WORK', '/work/ext')
name = sys.argv[1]
mirrors = sys.argv[2] if len(sys.argv) > 2 else '/work/.mirror'
projects = {}
for line in open(os.path.join(here, 'sets', name, 'projects.tsv')):
    folder, repo, commit = line.rstrip('\n').split('\t')
    projects[repo.replace('/', '+')] = (folder, commit)
written = 0
for line in open(os.path.join(here, 'sets', name, 'notebooks.txt')):
    path = line.rstrip('\n')
    parts = path.split('/')
    if parts[0] not in projects:
        parts = parts[1:]
    project, inner = parts[0], '/'.join(parts[1:])
    folder, commit = projects[project]
    gitdir = os.path.join(mirrors, project, 'repo')
    if os.path.isdir(os.path.join(gitdir, '.git')):
        gitdir = os.path.join(gitdir, '.git')
    data = subprocess.run(['git', '--git-dir', gitdir, 'show', '%s:%s' % (commit, inner)],
                          capture_output=True).stdout
    if not data:
        print('missing', project, inner, file=sys.stderr)
        continue
    dest = os.path.join(work, folder, project, inner)
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    with open(dest, 'wb') as f:
        f.write(data)
    written += 1
print(name, written, 'notebooks written')
