#!/usr/bin/env python3
"""Extracts the eligible notebooks of the Python corpus with `nblint extract`, checks the
packages with ruff, runs each with `python -m PKG`, compares its stdout with the notebook's
stored outputs, and writes the Python section of docs/extract-report.md. Run by hand (it
installs packages and runs every notebook), not by CI:

    tests/extract_corpus_python.py                  # every eligible notebook
    tests/extract_corpus_python.py --only 'Sorting|Pivot'   # re-run a few
    tests/extract_corpus_python.py --limit 10

Eligible: a Python notebook whose code cells all ran, in order, with no error output,
whose imports are the standard library or the distributions installed here (numpy, pandas,
matplotlib with the Agg backend, scikit-learn, scipy, seaborn), and which needs no data
the machine does not have (files beside the notebook, downloads). They go into a throwaway
virtual environment under --work (PyPI must be reachable); the corpus is only read, never
copied into the repository.

Compared: the package's stdout against the stored `stdout` streams and `text/plain`
execute results, in cell order, both normalised as `nblint extract` does (object addresses,
%time/%timeit lines, trailing blanks). Cells with a pip/conda install line are not compared
(their install log cannot repeat).
"""

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# What the runs can import: the distributions installed below and the ones they pull in
# (joblib, PIL, dateutil, packaging).
ALLOWED = {
    "numpy", "pandas", "matplotlib", "mpl_toolkits", "sklearn", "scipy", "seaborn",
    "joblib", "PIL", "dateutil", "packaging", "numexpr", "IPython",
}
# The interpreter and versions the runs use: of the era most eligible notebooks ran in
# (numpy 1.21.2, the version jakevdp's notebooks print), since newer releases print values
# differently (numpy 2's `np.float64(1.0)`, scikit-learn's short estimator reprs) and removed
# what they call (matplotlib's `seaborn-whitegrid` style). Python 3.10 is the newest with
# wheels for all of them. ruff is pinned for the "ruff clean" column.
def find_python310():
    """`$CORPUS_PYTHON`, else a python3.10 that runs (on PATH, else under pyenv)."""
    if os.environ.get("CORPUS_PYTHON"):
        return os.environ["CORPUS_PYTHON"]
    candidates = ["python3.10"] + sorted(
        str(p) for p in (Path.home() / ".pyenv" / "versions").glob("3.10*/bin/python3.10")
    )
    for candidate in candidates:
        try:
            subprocess.run([candidate, "--version"], check=True, capture_output=True)
            return candidate
        except (OSError, subprocess.CalledProcessError):
            continue
    return "python3.10"


PYTHON = find_python310()
REQUIREMENTS = [
    "numpy==1.21.2",
    "pandas==1.3.5",
    "matplotlib==3.5.3",
    "scikit-learn==1.0.2",
    "scipy==1.7.3",
    "seaborn==0.11.2",
    "pillow==9.5.0",
    "numexpr==2.8.1",
    "ipython==7.34.0",
    "ruff==0.8.6",
]
IMPORT = re.compile(r"^\s*(?:import\s+([\w.]+(?:\s+as\s+\w+)?(?:\s*,\s*[\w.]+(?:\s+as\s+\w+)?)*)|from\s+([\w.]+)\s+import)", re.M)
INSTALL = re.compile(r"^\s*[!%](?:pip|conda|mamba)\b.*\binstall\b|^\s*!.*\bpip3?\s+install\b", re.M)
# Data a run needs that is not here: the corpus holds notebooks only (no `data/*.csv` beside
# them), and the machine has no network beyond PyPI (seaborn's and scikit-learn's dataset
# downloads, URLs).
DOWNLOADS = re.compile(
    r"load_dataset\(|\bfetch_\w+\(|urlopen|urlretrieve|^\s*!\s*(curl|wget)\b|"
    r"read_\w+\(\s*['\"]https?://|load_sample_image",
    re.M,
)
LOCAL_DATA = re.compile(
    r"\b(read_csv|read_json|read_table|read_excel|read_hdf|read_pickle|loadtxt|genfromtxt|"
    r"np\.load|imread|load_files)\(\s*['\"](?!https?://)|\bopen\(\s*['\"][^'\"]+['\"]\s*\)"
)
TIMING = re.compile(
    r"^\s*(CPU times:|Wall time:)|per loop \(mean ± std\. dev\. of |loops?, best of \d+:|"
    r"^The slowest run took "
)


def text(value):
    return "".join(value) if isinstance(value, list) else (value or "")


def normalise(output):
    lines = []
    for line in output.splitlines():
        if TIMING.search(line):
            continue
        line = re.sub(r"0x[0-9a-fA-F]{6,}", "0x…", line)
        lines.append(line.rstrip())
    return "".join(line + "\n" for line in lines)


def classify(path):
    """("eligible", expected stdout per cell) or ("excluded", reason)."""
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except Exception as error:  # noqa: BLE001 - any unreadable file is excluded
        return "excluded", f"not valid JSON ({error})"
    meta = nb.get("metadata", {})
    language = (
        meta.get("kernelspec", {}).get("language") or meta.get("language_info", {}).get("name") or ""
    ).lower()
    if language != "python":
        return "excluded", f"not a Python notebook ({language or 'no language'})"
    version = meta.get("language_info", {}).get("version") or ""
    if version.startswith("2"):
        return "excluded", "a Python 2 notebook"
    cells = [
        c for c in nb.get("cells", []) if c.get("cell_type") == "code" and text(c.get("source")).strip()
    ]
    if not cells:
        return "excluded", "no code cells"
    counts = [c.get("execution_count") for c in cells]
    if any(n is None for n in counts):
        return "excluded", "some code cells never ran"
    if any(b <= a for a, b in zip(counts, counts[1:])):
        return "excluded", "cells did not run in order"
    if any(o.get("output_type") == "error" for c in cells for o in c.get("outputs", [])):
        return "excluded", "stored error outputs"
    modules = set()
    for cell in cells:
        for match in IMPORT.finditer(text(cell.get("source"))):
            if match.group(1):
                for part in match.group(1).split(","):
                    modules.add(part.strip().split()[0].split(".")[0])
            else:
                modules.add(match.group(2).split(".")[0])
    foreign = sorted(m for m in modules if m and m not in sys.stdlib_module_names and m not in ALLOWED)
    if foreign:
        return "excluded", "imports " + ", ".join(foreign[:4])
    sources = "\n".join(text(cell.get("source")) for cell in cells)
    if DOWNLOADS.search(sources):
        return "excluded", "downloads data (no network but PyPI here)"
    if LOCAL_DATA.search(sources):
        return "excluded", "reads data files that are not in the corpus"
    expected = []
    for cell in cells:
        if INSTALL.search(text(cell.get("source"))):
            continue
        out = ""
        for output in cell.get("outputs", []):
            kind = output.get("output_type")
            if kind == "stream" and output.get("name") == "stdout":
                out += text(output.get("text"))
            elif kind == "execute_result" and "text/plain" in output.get("data", {}):
                out += text(output["data"]["text/plain"]) + "\n"
        expected.append(out)
    return "eligible", expected


def ensure_venv(work):
    venv = work / "venv310"
    python = venv / "bin" / "python"
    marker = venv / "installed.txt"
    wanted = "\n".join([PYTHON, *REQUIREMENTS])
    if marker.exists() and marker.read_text() == wanted:
        return python
    if not python.exists():
        subprocess.run([PYTHON, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *REQUIREMENTS],
        check=True,
    )
    marker.write_text(wanted)
    return python


def first_difference(expected, actual):
    want, got = expected.splitlines(), actual.splitlines()
    for number, (a, b) in enumerate(zip(want, got), 1):
        if a != b:
            return f"line {number}: expected `{a[:50]}`, got `{b[:50]}`"
    if len(want) > len(got):
        return f"stops after {len(got)} of {len(want)} lines (next expected `{want[len(got)][:50]}`)"
    return f"{len(got) - len(want)} extra lines (first `{got[len(want)][:50]}`)"


def one_line(text_block):
    lines = [line.strip() for line in text_block.strip().splitlines() if line.strip()]
    return (lines[-1] if lines else "").replace("|", "\\|")[:160]


def run_one(path, expected, nblint, python, ruff, work, timeout):
    name = path.stem
    out = work / "out" / name
    version = json.loads(path.read_text(encoding="utf-8")).get("metadata", {}).get("language_info", {}).get("version") or "?"
    row = {"notebook": name, "ran_on": version, "extracted": "no", "ruff": "-", "runs": "-", "matches": "-", "note": ""}
    if out.exists():
        subprocess.run(["rm", "-rf", str(out)], check=True)
    env = dict(os.environ, NBLINT_RUFF=str(ruff), NBLINT_PYTHON=str(python))
    extract = subprocess.run(
        [str(nblint), "extract", str(path), "--out", str(out), "--no-run", "--name", "nbpkg"],
        capture_output=True, text=True, env=env, timeout=300,
    )
    if extract.returncode != 0:
        row["note"] = one_line("\n".join(l for l in extract.stderr.splitlines() if l.startswith("error")))
        return row
    row["extracted"] = "yes"
    check = subprocess.run(
        [str(ruff), "check", "--isolated", "--quiet", "--output-format", "concise", "."],
        cwd=out, capture_output=True, text=True,
    )
    fmt = subprocess.run([str(ruff), "format", "--isolated", "--check", "--quiet", "."], cwd=out, capture_output=True, text=True)
    compiled = subprocess.run([str(python), "-m", "compileall", "-q", "src"], cwd=out, capture_output=True, text=True)
    codes = sorted(set(re.findall(r": ([A-Z]+\d+) ", check.stdout)))
    clean = check.returncode == 0 and fmt.returncode == 0 and compiled.returncode == 0
    row["ruff"] = "yes" if clean else "no"
    ruff_note = "" if clean else "ruff: " + (", ".join(codes) if codes else "format" if fmt.returncode else "compileall")
    started = time.time()
    try:
        run = subprocess.run(
            [str(python), "-m", "nbpkg"], cwd=out / "src", capture_output=True, text=True,
            env=dict(os.environ, MPLBACKEND="Agg", PYTHONHASHSEED="0"), timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        row["runs"] = "no"
        row["note"] = f"timed out after {timeout} s"
        return row
    row["seconds"] = round(time.time() - started, 1)
    (work / "out" / f"{name}.stdout").write_text(run.stdout)
    (work / "out" / f"{name}.stderr").write_text(run.stderr)
    row["runs"] = "yes" if run.returncode == 0 else "no"
    want = normalise("".join(expected))
    got = normalise(run.stdout)
    row["matches"] = "yes" if want == got and run.returncode == 0 else "no"
    if run.returncode != 0:
        row["note"] = one_line(run.stderr)
    elif want != got:
        row["note"] = first_difference(want, got).replace("|", "\\|")
    if ruff_note:
        row["note"] = (row["note"] + "; " if row["note"] else "") + ruff_note
    return row


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", default=str(ROOT.parent / "shared" / "corpus" / "python"))
    parser.add_argument("--work", default=os.path.join(os.environ.get("TMPDIR", "/tmp"), "nblint-extract-corpus-python"))
    parser.add_argument("--nblint", default=None, help="an nblint binary (default: build this checkout's)")
    parser.add_argument("--limit", type=int, default=1000)
    parser.add_argument("--only", default=None, help="regex: run only matching notebooks (others keep their last row)")
    parser.add_argument("--timeout", type=int, default=180)
    parser.add_argument("--report", default=str(ROOT / "docs" / "extract-report.md"))
    args = parser.parse_args()
    work = Path(args.work)
    (work / "out").mkdir(parents=True, exist_ok=True)
    nblint = args.nblint
    if nblint is None:
        subprocess.run(["nice", "-n", "10", "cargo", "build", "--quiet", "--bin", "nblint"], cwd=ROOT, check=True)
        nblint = ROOT / "target" / "debug" / "nblint"
    python = ensure_venv(work)
    ruff = python.parent / "ruff"
    rows_file = work / "rows.json"
    rows = json.loads(rows_file.read_text()) if rows_file.exists() and args.only else {}
    excluded = {}
    eligible = 0
    for path in sorted(Path(args.corpus).glob("*.ipynb")):
        verdict, detail = classify(path)
        if verdict == "excluded":
            reason = "imports packages not installed here" if detail.startswith("imports") else detail.split(" (")[0]
            excluded[reason] = excluded.get(reason, 0) + 1
            continue
        eligible += 1
        if eligible > args.limit:
            break
        if args.only and not re.search(args.only, path.stem):
            continue
        row = run_one(path, detail, nblint, python, ruff, work, args.timeout)
        rows[path.stem] = row
        print(f"{row['notebook'][:70]:70} {row['extracted']:3} {row['ruff']:3} {row['runs']:3} {row['matches']:3} {row['note'][:80]}", flush=True)
    rows_file.write_text(json.dumps(rows, indent=1))
    write_report(Path(args.report), rows, excluded, args)


MISSES = ROOT / "tests" / "extract_corpus_python_misses.txt"


def explanations():
    """notebook -> why it does not reproduce, from MISSES (tab-separated, written by hand)."""
    if not MISSES.exists():
        return {}
    out = {}
    for line in MISSES.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#") and "\t" in line:
            name, why = line.split("\t", 1)
            out[name.strip()] = why.strip()
    return out


def recent(row):
    parts = row.get("ran_on", "?").split(".")
    return len(parts) > 1 and parts[0] == "3" and parts[1].isdigit() and int(parts[1]) >= 8


def write_report(report, rows, excluded, args):
    ordered = [rows[k] for k in sorted(rows)]
    total = len(ordered)
    count = lambda key, among=ordered: sum(1 for r in among if r[key] == "yes")  # noqa: E731
    modern = [r for r in ordered if recent(r)]
    why = explanations()
    for r in ordered:
        if r["matches"] != "yes":
            reason = why.get(r["notebook"])
            symptom = r["note"] or "no output difference recorded"
            r["why"] = f"{reason} ({symptom})" if reason else f"not yet explained: {symptom}"
        elif r["ruff"] == "no":
            r["why"] = (why.get(r["notebook"], "") + " (" + r["note"] + ")").strip()
        else:
            r["why"] = ""
    lines = [
        "<!-- python-corpus:start -->",
        "## Python notebooks: `tests/extract_corpus_python.py`",
        "",
        f"Generated on {time.strftime('%Y-%m-%d')} by `tests/extract_corpus_python.py` over "
        "`../shared/corpus/python` (read in place). Eligible: a Python notebook whose code cells all "
        "ran, in order, with no error output, needing no data that is not here (files beside the "
        "notebook, downloads), importing only the standard library and numpy, "
        "pandas, matplotlib (Agg), scikit-learn, scipy, seaborn (installed by the script into a "
        f"throwaway venv on `{PYTHON}`: {', '.join('`' + r + '`' for r in REQUIREMENTS)}). Compared: `python -m PKG`'s "
        "stdout against the stored stdout streams and `text/plain` results, normalised (object "
        "addresses, %time/%timeit lines, trailing blanks).",
        "",
        "Command: `tests/extract_corpus_python.py` (finds a Python 3.10, or takes "
        "`CORPUS_PYTHON`; builds this checkout's nblint unless `--nblint` is given; "
        "about ten minutes on the shared 2-core machine). Each miss's reason comes from "
        "`tests/extract_corpus_python_misses.txt`, written after reading the run's output.",
        "",
        f"Totals: {total} attempted, {count('extracted')} extracted, {count('ruff')} ruff clean "
        f"(`ruff check` and `ruff format --check` with default rules, and `compileall`), "
        f"{count('runs')} run to the end, {count('matches')} reproduce their stdout exactly "
        f"({(100 * count('matches') // total) if total else 0}% of eligible).",
        "",
        f"Of the {len(modern)} that ran on Python 3.8 or newer (their libraries' releases install "
        f"here): {count('extracted', modern)} extracted, {count('ruff', modern)} ruff clean, "
        f"{count('runs', modern)} run, {count('matches', modern)} reproduce their stdout "
        f"({(100 * count('matches', modern) // len(modern)) if modern else 0}%). The others ran on "
        "Python 3.5 in 2016 with numpy 1.11, pandas 0.18, scikit-learn 0.17 and matplotlib 1.5, "
        "whose APIs (`DataFrame.ix`, `sklearn.cross_validation`, `axisbg`) and printing (numpy's "
        "sign column) no release installable on a Python the package supports (3.8+) has.",
        "",
        "Excluded: " + "; ".join(f"{n} {reason}" for reason, n in sorted(excluded.items(), key=lambda kv: -kv[1])) + ".",
        "",
        "| notebook | ran on | extracted | ruff clean | runs | output matches | why not (symptom) |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in ordered:
        lines.append(
            f"| {r['notebook']} | {r.get('ran_on', '?')} | {r['extracted']} | {r['ruff']} | {r['runs']} "
            f"| {r['matches']} | {r['why']} |"
        )
    lines.append("<!-- python-corpus:end -->")
    section = "\n".join(lines) + "\n"
    old = report.read_text(encoding="utf-8") if report.exists() else ""
    start, end = old.find("<!-- python-corpus:start -->"), old.find("<!-- python-corpus:end -->")
    if start != -1 and end != -1:
        new = old[:start] + section + old[end + len("<!-- python-corpus:end -->\n"):]
    else:
        new = old.rstrip("\n") + "\n\n" + section
    report.write_text(new, encoding="utf-8")
    print(f"wrote {report}")


if __name__ == "__main__":
    main()
