#!/usr/bin/env python3
"""nblint against ruff (and pynblint) over the Python corpus: findings matched per rule pair,
disagreements listed with their cells for checking by hand, and both tools timed (issue 9).

    cargo build --release && python3 bench/python_compare.py

Environment (all optional):
    NBLINT_SHARED=../shared                 folder holding corpus/python/
    NBLINT_PYCOMPARE_DIR=/tmp/nblint-pycompare        results: summary.md, disagreements.md
    NBLINT_PYCOMPARE_VENV=/tmp/nblint-pycompare-venv  throwaway venv for ruff and pynblint
    RUNS=5                                  timed runs per tool (after one untimed warm-up)
    SKIP_PYNBLINT=1                         do not install or run pynblint (slow: ~2 s a file)

Rule pairs (F821 findings are keyed by file, cell and name, the others by file, cell, line):
    NB202 and NB201 <-> F821 (ruff reads cells in document order, so a use above its definition
                              is F821 too)
    NB203 <-> F811       NB207 (imports only) <-> F401       NB204 <-> E402
Cells and lines: both tools count cells from 1 over all cells (markdown too) and lines from 1
within the cell.
"""

import collections
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("NBLINT_SHARED", ROOT.parent / "shared"))
CORPUS = SHARED / "corpus" / "python"
OUT = Path(os.environ.get("NBLINT_PYCOMPARE_DIR", "/tmp/nblint-pycompare"))
VENV = Path(os.environ.get("NBLINT_PYCOMPARE_VENV", "/tmp/nblint-pycompare-venv"))
RUNS = int(os.environ.get("RUNS", "5"))
NBLINT = ROOT / "target" / "release" / "nblint"
RUFF_VERSION = "0.17.6"
PYNBLINT_VERSION = "0.1.6"
RUFF_RULES = "F821,F811,F401,E402"
NBLINT_RULES = "NB201,NB202,NB203,NB204,NB207"


def run(args, **kwargs):
    return subprocess.run(args, check=False, **kwargs)


def setup_venv():
    if not (VENV / "bin" / "python").exists():
        run([sys.executable, "-m", "venv", str(VENV)]).check_returncode()
    pip = [str(VENV / "bin" / "pip"), "install", "-q", "--disable-pip-version-check"]
    run(pip + [f"ruff=={RUFF_VERSION}"]).check_returncode()
    if os.environ.get("SKIP_PYNBLINT") != "1":
        # pynblint 0.1.6 crashes at start-up with click >= 8.2 (typer's parameter handling).
        done = run(pip + [f"pynblint=={PYNBLINT_VERSION}", "click<8.2"])
        if done.returncode != 0:
            print("pynblint is not installable here; skipping it", file=sys.stderr)
            return False
        return True
    return False


def notebooks():
    return sorted(CORPUS.glob("*.ipynb"))


# ---------------------------------------------------------------------------------------------
# Findings.

NAME = re.compile(r"`([^`]+)`")


def ruff_findings(files):
    done = run(
        [str(VENV / "bin" / "ruff"), "check", "--no-cache", "--isolated", "--select", RUFF_RULES,
         "--output-format", "json", *map(str, files)],
        capture_output=True, text=True)
    found = []
    for item in json.loads(done.stdout or "[]"):
        if item.get("code") not in RUFF_RULES.split(","):
            continue
        names = NAME.findall(item["message"])
        found.append({
            "tool": "ruff", "code": item["code"], "file": Path(item["filename"]).name,
            "cell": item.get("cell"), "line": item["location"]["row"],
            "name": names[0] if names else "", "message": item["message"]})
    return found


def nblint_findings(files):
    done = run([str(NBLINT), "check", "--output-format", "json", "--select", NBLINT_RULES,
                *map(str, files)], capture_output=True, text=True)
    found = []
    for item in json.loads(done.stdout or "[]"):
        names = NAME.findall(item["message"])
        found.append({
            "tool": "nblint", "code": item["code"], "file": Path(item["path"]).name,
            "cell": item["cell"], "line": item["line"], "name": names[0] if names else "",
            "message": item["message"]})
    return found


def is_import_finding(finding):
    return finding["code"] == "NB207" and "is imported but never used" in finding["message"]


def nb204_is_import(finding):
    return finding["code"] == "NB204" and "pip install" not in finding["message"]


def ruff_name(finding):
    """The name a ruff finding is about, as nblint names it: F401 says `a.b` for `import a.b`
    (binding `a`) and `x.y` for `from x import y` (binding `y`); aliases are matched by line."""
    return finding["name"]


def match(pair, left, right, key):
    """Multiset match of `left` (nblint) against `right` (ruff) findings by `key`."""
    pool = collections.defaultdict(list)
    for finding in right:
        pool[key(finding)].append(finding)
    agree, only_left = [], []
    for finding in left:
        bucket = pool.get(key(finding))
        if bucket:
            agree.append((finding, bucket.pop()))
        else:
            only_left.append(finding)
    only_right = [finding for bucket in pool.values() for finding in bucket]
    return {"pair": pair, "agree": agree, "only_nblint": only_left, "only_ruff": only_right}


def compare(nb, rf):
    by = lambda code, source: [f for f in source if f["code"] == code]
    line_only = lambda f: (f["file"], f["cell"], f["line"])
    results = []
    # F821 against NB202 and NB201 together, then split by which nblint rule agreed. nblint
    # reports a name once per cell (its first use), ruff every use: ruff's are deduplicated
    # by (file, cell, name) first, and matched on that key.
    cell_name = lambda f: (f["file"], f["cell"], f["name"])
    seen, f821_once = set(), []
    for finding in by("F821", rf):
        if cell_name(finding) not in seen:
            seen.add(cell_name(finding))
            f821_once.append(finding)
    f821 = match("NB201+NB202 / F821", by("NB202", nb) + by("NB201", nb), f821_once,
                 cell_name)
    results.append(f821)
    results.append(match("NB203 / F811", by("NB203", nb), by("F811", rf), line_only))
    results.append(match("NB207 (imports) / F401", [f for f in nb if is_import_finding(f)],
                         by("F401", rf), line_only))
    results.append(match("NB204 (imports) / E402", [f for f in nb if nb204_is_import(f)],
                         by("E402", rf), line_only))
    return results


# ---------------------------------------------------------------------------------------------
# pynblint: notebook-level lints; the overlap is imports-beyond-first-cell (NB204),
# non-linear-execution (NB103) and empty-cells (NB102).

PYNBLINT_PAIRS = {"imports-beyond-first-cell": "NB204", "non-linear-execution": "NB103",
                  "empty-cells": "NB102"}


def pynblint_compare(files):
    out = OUT / "pynblint"
    out.mkdir(parents=True, exist_ok=True)
    todo = [f for f in files if not (out / (f.stem + ".json")).exists()]
    procs = []
    for f in todo:
        procs.append(subprocess.Popen(
            [str(VENV / "bin" / "pynblint"), "-y", "-o", str(out / (f.stem + ".json")), str(f)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        if len(procs) >= (os.cpu_count() or 2):
            procs.pop(0).wait()
    for p in procs:
        p.wait()
    done = run([str(NBLINT), "check", "--output-format", "json", "--select",
                ",".join(sorted(set(PYNBLINT_PAIRS.values()))), *map(str, files)],
               capture_output=True, text=True)
    ours = collections.defaultdict(set)
    for item in json.loads(done.stdout or "[]"):
        if item["code"] == "NB204" and "pip install" in item["message"]:
            continue
        ours[(Path(item["path"]).stem, item["code"])].add(item["cell"])
    table = {}
    failed = 0
    for f in files:
        report = out / (f.stem + ".json")
        if not report.exists():
            failed += 1
            continue
        lints = {lint["slug"]: lint for lint in json.loads(report.read_text()).get("lints", [])}
        for slug, code in PYNBLINT_PAIRS.items():
            theirs = slug in lints
            mine = bool(ours.get((f.stem, code)))
            row = table.setdefault(slug, collections.Counter())
            row[(theirs, mine)] += 1
    return table, failed


# ---------------------------------------------------------------------------------------------
# Timing.

def median_time(args):
    run(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        run(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times), times


# ---------------------------------------------------------------------------------------------
# Report.

def cell_source(path, cell):
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return ""
    cells = data.get("cells") or [c for ws in data.get("worksheets", []) for c in ws["cells"]]
    if not cell or cell > len(cells):
        return ""
    source = cells[cell - 1].get("source") or cells[cell - 1].get("input", "")
    return "".join(source) if isinstance(source, list) else source


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    if not NBLINT.exists():
        sys.exit(f"{NBLINT} is missing: run `cargo build --release` first")
    with_pynblint = setup_venv()
    files = notebooks()
    print(f"{len(files)} notebooks under {CORPUS}")
    nb, rf = nblint_findings(files), ruff_findings(files)
    (OUT / "nblint.json").write_text(json.dumps(nb, indent=1))
    (OUT / "ruff.json").write_text(json.dumps(rf, indent=1))
    results = compare(nb, rf)
    lines = ["| pair | agree | only nblint | only ruff |", "|---|---:|---:|---:|"]
    for r in results:
        lines.append(f"| {r['pair']} | {len(r['agree'])} | {len(r['only_nblint'])} | "
                     f"{len(r['only_ruff'])} |")
        if r["pair"].startswith("NB201"):
            split = collections.Counter(a["code"] for a, _ in r["agree"])
            split_only = collections.Counter(a["code"] for a in r["only_nblint"])
            lines.append(f"|   of which NB201 | {split['NB201']} | {split_only['NB201']} | |")
            lines.append(f"|   of which NB202 | {split['NB202']} | {split_only['NB202']} | |")
    totals = collections.Counter(f["code"] for f in nb + rf)
    lines.append("")
    lines.append("Totals: " + ", ".join(f"{k} {v}" for k, v in sorted(totals.items())))
    if with_pynblint:
        table, failed = pynblint_compare(files)
        lines += ["", f"pynblint ({failed} notebooks it could not read)", "",
                  "| pynblint lint | nblint rule | both | only pynblint | only nblint | neither |",
                  "|---|---|---:|---:|---:|---:|"]
        for slug, row in table.items():
            lines.append(f"| {slug} | {PYNBLINT_PAIRS[slug]} | {row[(True, True)]} | "
                         f"{row[(True, False)]} | {row[(False, True)]} | {row[(False, False)]} |")
    nblint_time, nblint_runs = median_time([str(NBLINT), "check", *map(str, files)])
    ruff_time, ruff_runs = median_time([str(VENV / "bin" / "ruff"), "check", "--no-cache",
                                        "--isolated", "--select", "F,E402", *map(str, files)])
    ruff_cached, _ = median_time([str(VENV / "bin" / "ruff"), "check", "--isolated",
                                  "--select", "F,E402", *map(str, files)])
    lines += ["", f"Timing over {len(files)} notebooks, median of {RUNS} runs after a warm-up:",
              "", "| command | median (ms) | runs (ms) |", "|---|---:|---|",
              f"| nblint check (all rules) | {nblint_time * 1000:.0f} | "
              + ", ".join(f"{t * 1000:.0f}" for t in nblint_runs) + " |",
              f"| ruff check --select F,E402 --no-cache | {ruff_time * 1000:.0f} | "
              + ", ".join(f"{t * 1000:.0f}" for t in ruff_runs) + " |",
              f"| ruff check --select F,E402 (cache warm) | {ruff_cached * 1000:.0f} | |",
              "", f"ruff {RUFF_VERSION}, {os.cpu_count()} cores"]
    summary = "\n".join(lines) + "\n"
    (OUT / "summary.md").write_text(summary)
    print(summary)
    # Every disagreement with its cell, for checking by hand.
    out = []
    for r in results:
        for side in ("only_nblint", "only_ruff"):
            for f in r[side]:
                source = cell_source(CORPUS / f["file"], f["cell"])
                out.append(f"### {r['pair']} {side}: {f['code']} {f['file']} cell {f['cell']} "
                           f"line {f['line']}\n\n{f['message']}\n\n```python\n{source}\n```\n")
    (OUT / "disagreements.md").write_text("\n".join(out))
    print(f"disagreements with their cells: {OUT / 'disagreements.md'}")


if __name__ == "__main__":
    main()
