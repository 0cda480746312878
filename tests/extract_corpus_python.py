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
the machine does not have (files beside the notebook, downloads). Each runs with the libraries
of its era (see ERAS: the Python that ran it, `metadata.language_info.version`, picks a
Python 3.10 venv of 2021-22 releases, a Python 3.9 venv of late-2021 releases or a Python 3.6
venv of 2016 releases), which the script
installs into throwaway virtual environments under --work (PyPI must be reachable); the
corpus is only read, never copied into the repository.

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
# Each notebook runs with the libraries of its era, as someone reproducing it would install
# them: `metadata.language_info.version` says which Python ran it.
#
# - Python 3.10 or newer (or no version stored): Python 3.10 with releases of 2021-22 (numpy
#   1.21.2, the version jakevdp's notebooks print), since newer releases print values
#   differently (numpy 2's `np.float64(1.0)`, scikit-learn's short estimator reprs) and removed
#   what they call (matplotlib's `seaborn-whitegrid` style). Python 3.10 is the newest with
#   wheels for all of them. ruff (the "ruff clean" column, for every era) comes from this venv.
# - Python 3.8 or 3.9: Python 3.9 with the releases those notebooks print or show. jakevdp's
#   (Python 3.9.2) print numpy 1.21.2 and pandas 1.3.5, so late 2021, not early 2021; their
#   `plt.style.available` has no `_mpl-gallery` styles, which matplotlib 3.5 added, so
#   matplotlib 3.4.3 (the last 3.4, Aug 2021; no 3.4 has a wheel for Python 3.10, hence this
#   venv). The others as in the 3.10 venv (scikit-learn 1.0.2, scipy 1.7.3, seaborn 0.11.2:
#   ageron's notebooks assert scikit-learn >= 1.0.1). All are cp39 wheels.
# - Python 3.5 to 3.7: Python 3.6 with the 2016 releases (the notebooks of that era print
#   numpy 1.11.1 and pandas 0.18.1, and use scikit-learn 0.17 and matplotlib 1.5). Where that
#   exact release has no wheel for any Python that still builds here, the closest later one
#   that has a cp36 wheel: numpy 1.11.3, pandas 0.19.2, scikit-learn 0.18.1, scipy 0.18.1;
#   matplotlib 1.5.3 has one. The compiled ones are installed from wheels only (building
#   numpy 1.11 from source needs a 2016 toolchain); pure-Python ones (seaborn 0.7.1, IPython's
#   dependencies) may come as sdists. Their own dependencies are pinned to 2016 releases too,
#   so that pip does not pair pandas 0.19 with a python-dateutil of 2026.
def find_python(version, variable):
    """`$variable`, else a pythonX.Y that runs (on PATH, else under pyenv)."""
    if os.environ.get(variable):
        return os.environ[variable]
    candidates = [f"python{version}"] + sorted(
        str(p) for p in (Path.home() / ".pyenv" / "versions").glob(f"{version}.*/bin/python{version}")
    )
    for candidate in candidates:
        try:
            subprocess.run([candidate, "--version"], check=True, capture_output=True)
            return candidate
        except (OSError, subprocess.CalledProcessError):
            continue
    return f"python{version}"


ERAS = {
    "py310": {
        "ran_on": "3.10 or newer, or that do not say",
        "python": find_python("3.10", "CORPUS_PYTHON"),
        "pip": [],
        "only_binary": ":all:",
        "requirements": [
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
        ],
    },
    "py39": {
        "ran_on": "3.8 or 3.9",
        "python": find_python("3.9", "CORPUS_PYTHON39"),
        "pip": [],
        "only_binary": ":all:",
        "requirements": [
            "numpy==1.21.2",
            "pandas==1.3.5",
            "matplotlib==3.4.3",
            "scikit-learn==1.0.2",
            "scipy==1.7.3",
            "seaborn==0.11.2",
            "pillow==9.5.0",
            "numexpr==2.8.1",
            "ipython==7.34.0",
        ],
    },
    "py36-2016": {
        "ran_on": "3.5 to 3.7",
        "python": find_python("3.6", "CORPUS_PYTHON36"),
        # The pip that Python 3.6 bundles (18.1) predates manylinux2010 tags; 21.3.1 is the
        # last release for 3.6.
        "pip": ["pip==21.3.1"],
        # numpy 1.11.1 and pandas 0.18.1, the releases the notebooks printed, have no Python
        # 3.6 wheel: built from their source packages first, in this order (pandas' setup
        # imports numpy), with a stand-in for the `xlocale.h` glibc no longer ships.
        "from_source": ["numpy==1.11.1", "pandas==0.18.1"],
        "only_binary": "numpy,scipy,pandas,scikit-learn,matplotlib,pillow,numexpr",
        "requirements": [
            "numpy==1.11.1",
            "pandas==0.18.1",
            "matplotlib==1.5.3",
            "scikit-learn==0.18.1",
            "scipy==0.18.1",
            "seaborn==0.7.1",
            "pillow==4.0.0",
            "numexpr==2.6.2",
            "ipython==5.1.0",
            "python-dateutil==2.6.0",
            "pytz==2016.10",
            "pyparsing==2.1.10",
            "cycler==0.10.0",
        ],
    },
}
MODERN = "py310"


def era_of(version):
    """The venv for a notebook that ran on Python `version` (`3.5.1`): the 2016 one for 3.5
    to 3.7, the Python 3.9 one for 3.8 and 3.9, the modern one for 3.10 and newer or when the
    notebook does not say."""
    parts = (version or "").split(".")
    if len(parts) > 1 and parts[0] == "3" and parts[1].isdigit():
        minor = int(parts[1])
        if minor < 8:
            return "py36-2016"
        if minor < 10:
            return "py39"
    return MODERN


IMPORT = re.compile(r"^\s*(?:import\s+([\w.]+(?:\s+as\s+\w+)?(?:\s*,\s*[\w.]+(?:\s+as\s+\w+)?)*)|from\s+([\w.]+)\s+import)", re.M)
INSTALL = re.compile(r"^\s*[!%](?:pip|conda|mamba)\b.*\binstall\b|^\s*!.*\bpip3?\s+install\b", re.M)
# Data a run needs that is not here: the corpus holds notebooks only (no `data/*.csv` beside
# them), and the machine has no network beyond PyPI (seaborn's and scikit-learn's dataset
# downloads, URLs; scikit-learn's `load_sample_image` reads images the package ships).
DOWNLOADS = re.compile(
    r"load_dataset\(|\bfetch_\w+\(|urlopen|urlretrieve|^\s*!\s*(curl|wget)\b|"
    r"read_\w+\(\s*['\"]https?://",
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


def ensure_venv(work, era):
    """The python of `era`'s throwaway venv under `work`, installing it when it is missing or
    holds other versions (PyPI must be reachable)."""
    spec = ERAS[era]
    venv = work / f"venv-{era}"
    python = venv / "bin" / "python"
    marker = venv / "installed.txt"
    from_source = spec.get("from_source", [])
    wanted = "\n".join(
        [spec["python"], *spec["pip"], *from_source, spec["only_binary"], *spec["requirements"]]
    )
    if marker.exists() and marker.read_text() == wanted:
        return python
    if not python.exists():
        subprocess.run([spec["python"], "-m", "venv", str(venv)], check=True)
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    if spec["pip"]:
        subprocess.run([*pip, *spec["pip"]], check=True)
    if from_source:
        shim = venv / "xlocale"
        shim.mkdir(exist_ok=True)
        (shim / "xlocale.h").write_text("#include <locale.h>\n")
        env = dict(os.environ, CFLAGS=f"-I{shim}")
        for requirement in from_source:
            name = requirement.split("==")[0]
            subprocess.run(
                [*pip, "--no-build-isolation", f"--no-binary={name}", requirement],
                check=True, env=env,
            )
    subprocess.run([*pip, f"--only-binary={spec['only_binary']}", *spec["requirements"]], check=True)
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


def notebook_version(path):
    """`metadata.language_info.version`, or None."""
    return json.loads(path.read_text(encoding="utf-8")).get("metadata", {}).get("language_info", {}).get("version")


def run_one(path, expected, nblint, python, ruff, work, timeout):
    name = path.stem
    out = work / "out" / name
    version = notebook_version(path) or "?"
    era = era_of(notebook_version(path))
    row = {
        "notebook": name, "ran_on": version, "venv": era, "extracted": "no", "ruff": "-", "runs": "-",
        "matches": "-", "note": "",
    }
    if out.exists():
        subprocess.run(["rm", "-rf", str(out)], check=True)
    env = dict(os.environ, NBLINT_RUFF=str(ruff), NBLINT_PYTHON=str(python))
    extract = subprocess.run(
        [str(nblint), "extract", str(path), "--out", str(out), "--no-run", "--name", "nbpkg"],
        capture_output=True, text=True, env=env, timeout=300,
    )
    if extract.returncode != 0:
        row["note"] = one_line("\n".join(line for line in extract.stderr.splitlines() if line.startswith("error")))
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
    pythons = {}  # era -> its venv's python, installed when a notebook of that era comes up

    def python_of(era):
        if era not in pythons:
            pythons[era] = ensure_venv(work, era)
        return pythons[era]

    ruff = python_of(MODERN).parent / "ruff"
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
        python = python_of(era_of(notebook_version(path)))
        row = run_one(path, detail, nblint, python, ruff, work, args.timeout)
        rows[path.stem] = row
        print(f"{row['notebook'][:70]:70} {row['venv']:9} {row['extracted']:3} {row['ruff']:3} {row['runs']:3} {row['matches']:3} {row['note'][:80]}", flush=True)
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


def percent(part, whole):
    return (100 * part // whole) if whole else 0


def write_report(report, rows, excluded, args):
    ordered = [rows[k] for k in sorted(rows)]
    for r in ordered:
        r.setdefault("venv", era_of(r.get("ran_on")))
    total = len(ordered)
    count = lambda key, among=ordered: sum(1 for r in among if r[key] == "yes")  # noqa: E731
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
    environments = [
        f"- `{era}` for notebooks that ran on Python {spec['ran_on']}: a venv on `{spec['python']}` "
        f"with {', '.join('`' + r + '`' for r in spec['requirements'])}"
        + (f" (pip upgraded first: `{' '.join(spec['pip'])}`)" if spec["pip"] else "")
        + (
            f"; built from their PyPI source packages first: `{'`, `'.join(spec['from_source'])}` "
            "(no Python 3.6 wheel)"
            if spec.get("from_source")
            else ""
        )
        + f"; wheels only for `{spec['only_binary']}`."
        for era, spec in ERAS.items()
    ]
    per_era = []
    for era, spec in ERAS.items():
        among = [r for r in ordered if r["venv"] == era]
        if not among:
            per_era.append(
                f"- `{era}` (notebooks that ran on Python {spec['ran_on']}): no eligible notebook"
                + (" (its ruff still checks every notebook)." if era == MODERN else ".")
            )
            continue
        per_era.append(
            f"- `{era}` (notebooks that ran on Python {spec['ran_on']}): {len(among)} attempted, "
            f"{count('extracted', among)} extracted, {count('ruff', among)} ruff clean, "
            f"{count('runs', among)} run, {count('matches', among)} reproduce their stdout "
            f"({percent(count('matches', among), len(among))}%)."
        )
    lines = [
        "<!-- python-corpus:start -->",
        "## Python notebooks: `tests/extract_corpus_python.py`",
        "",
        f"Generated on {time.strftime('%Y-%m-%d')} by `tests/extract_corpus_python.py` over "
        "`../shared/corpus/python` (read in place). Eligible: a Python notebook whose code cells all "
        "ran, in order, with no error output, needing no data that is not here (files beside the "
        "notebook, downloads), importing only the standard library and numpy, "
        "pandas, matplotlib (Agg), scikit-learn, scipy, seaborn. Compared: `python -m PKG`'s "
        "stdout against the stored stdout streams and `text/plain` results, normalised (object "
        "addresses, %time/%timeit lines, trailing blanks).",
        "",
        "Each notebook runs with the libraries of its era, chosen by the Python that ran it "
        "(`metadata.language_info.version`) and installed by the script from PyPI into throwaway "
        "venvs under `--work`, as someone reproducing the notebook would. Where the exact release "
        "a notebook used has no wheel here, it is built from its PyPI source package (numpy "
        "1.11.1, pandas 0.18.1), or, where that does not build (scikit-learn 0.17), the closest "
        "later release that has a wheel. ruff (the \"ruff clean\" column) "
        "is the modern venv's for every notebook; `compileall` and the run use the notebook's venv:",
        "",
        *environments,
        "",
        "Command: `tests/extract_corpus_python.py --nblint target/release/nblint` (finds Python "
        "3.10, 3.9 and 3.6 on PATH or under pyenv, or takes `CORPUS_PYTHON`, `CORPUS_PYTHON39` "
        "and `CORPUS_PYTHON36`; "
        "without `--nblint` it builds this checkout's debug nblint; about twenty minutes on the "
        "shared 2-core machine the first time, venv installs and source builds included, ten "
        "after). Each miss's reason comes from "
        "`tests/extract_corpus_python_misses.txt`, written after reading the run's output.",
        "",
        f"Totals: {total} attempted, {count('extracted')} extracted, {count('ruff')} ruff clean "
        f"(`ruff check` and `ruff format --check` with default rules, and `compileall`), "
        f"{count('runs')} run to the end, {count('matches')} reproduce their stdout exactly "
        f"({percent(count('matches'), total)}% of eligible). Per venv:",
        "",
        *per_era,
        "",
        "Excluded: " + "; ".join(f"{n} {reason}" for reason, n in sorted(excluded.items(), key=lambda kv: -kv[1])) + ".",
        "",
        "| notebook | ran on | venv | extracted | ruff clean | runs | output matches | why not (symptom) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in ordered:
        lines.append(
            f"| {r['notebook']} | {r.get('ran_on', '?')} | {r['venv']} | {r['extracted']} | {r['ruff']} "
            f"| {r['runs']} | {r['matches']} | {r['why']} |"
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
