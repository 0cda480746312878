#!/usr/bin/env bash
# Benchmarks nblint against the JSON parse floor and the tools people use today (issue 7), in
# one run on the same files, and prints a table of medians, ratios and peak memory.
#
#   bash bench/compare.sh            # from the repository root (or anywhere)
#
# Environment (all optional):
#   RUNS=5                       timed runs per row (after one untimed warm-up run)
#   PER_FILE_RUNS=3              timed runs of the one-process-per-file rows (slow for Python)
#   NBLINT_SHARED=../shared      folder holding bench/make_corpus.py and corpus/{evcxr,python}
#   NBLINT_BENCH_DIR=/tmp/nblint-bench        generated corpora, copies, results.md
#   NBLINT_BENCH_VENV=/tmp/nblint-bench-venv  throwaway venv for nbstripout, nbstripout-fast
#   SCALES="1000 10000 100000"   cells per notebook for the growth rows
#   COUNT=2000                   notebooks in the generated rust corpus
#   SKIP_PEERS=1                 do not install or time nbstripout / nbstripout-fast
#   STATIC=1                     also build nblint statically linked (x86_64 Linux, glibc:
#                                `cargo rustc -- -C target-feature=+crt-static`) and time its
#                                clean filter: start-up without the dynamic loader
#
# What is timed: each row runs the command(s) as separate processes, wall-clock, median of
# RUNS after one warm-up run; the warm-up run (untimed) measures peak memory with
# `/usr/bin/time -f %M` (largest over the row's processes; wait4's ru_maxrss without it). The floor
# comes from `nblint-bench --floor-only` (read + serde_json::from_slice into Value, in
# process, sequential and on all cores). Exit status 1 of `nblint check` (findings) is normal.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SHARED=${NBLINT_SHARED:-$ROOT/../shared}
WORK=${NBLINT_BENCH_DIR:-/tmp/nblint-bench}
VENV=${NBLINT_BENCH_VENV:-/tmp/nblint-bench-venv}
RUNS=${RUNS:-5}
PER_FILE_RUNS=${PER_FILE_RUNS:-3}
SCALES=${SCALES:-"1000 10000 100000"}
COUNT=${COUNT:-2000}

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'compare.sh: %s\n' "$*" >&2; exit 2; }

command -v python3 >/dev/null || die "python3 is required (corpus generator and timing harness)"
command -v cargo >/dev/null || die "cargo is required to build nblint"
[[ -f $SHARED/bench/make_corpus.py ]] || die "no $SHARED/bench/make_corpus.py (set NBLINT_SHARED)"
for corpus in evcxr python; do
    [[ -d $SHARED/corpus/$corpus ]] || die "no $SHARED/corpus/$corpus (set NBLINT_SHARED)"
done
mkdir -p "$WORK/corpus"

# --- Corpora (generated once per parameters; the generator is deterministic by seed) --------
generate() { # name, make_corpus.py arguments...
    local name=$1
    shift
    local dir=$WORK/corpus/$name stamp="$*"
    if [[ -f $dir.stamp && $(cat "$dir.stamp") == "$stamp" ]]; then
        return
    fi
    say "generating $name"
    rm -rf "$dir" "$dir.stamp"
    python3 "$SHARED/bench/make_corpus.py" --out "$dir" "$@" >&2
    printf '%s' "$stamp" >"$dir.stamp"
}
generate "rust-$COUNT" --count "$COUNT" --lang rust --seed 1
for cells in $SCALES; do
    generate "scale-$cells" --scale "$cells" --lang rust --seed 1
done
# Copies in a writable folder (a cache may be written beside them).
rm -rf "$WORK/corpus/evcxr"
cp -r "$SHARED/corpus/evcxr" "$WORK/corpus/evcxr"

# --- nblint, release ------------------------------------------------------------------------
say "building nblint and nblint-bench (release)"
(cd "$ROOT" && cargo build --release --quiet -p nblint -p nblint_benchmark)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
[[ $TARGET == /* ]] || TARGET=$ROOT/$TARGET
NBLINT=$TARGET/release/nblint
BENCH=$TARGET/release/nblint-bench
[[ -x $NBLINT && -x $BENCH ]] || die "release binaries not found under $TARGET/release"
NBLINT_STATIC=""
if [[ ${STATIC:-0} == 1 ]]; then
    say "building a statically linked nblint (release, into $WORK/target-static)"
    if (cd "$ROOT" && CARGO_TARGET_DIR=$WORK/target-static cargo rustc --release --quiet \
        --bin nblint -- -C target-feature=+crt-static); then
        NBLINT_STATIC=$WORK/target-static/release/nblint
    else
        say "the static build failed: its row is skipped"
    fi
fi

# --- Peers from PyPI, in a throwaway venv ---------------------------------------------------
NBSTRIPOUT=""
NBSTRIPOUT_FAST=""
if [[ ${SKIP_PEERS:-0} != 1 ]]; then
    if [[ ! -x $VENV/bin/nbstripout || ! -x $VENV/bin/nbstripout-fast ]]; then
        say "installing nbstripout and nbstripout-fast into $VENV"
        if python3 -m venv "$VENV" >&2 &&
            "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
                nbstripout nbstripout-fast >&2; then
            :
        else
            say "could not install the peers from PyPI: their rows are skipped"
        fi
    fi
    [[ -x $VENV/bin/nbstripout ]] && NBSTRIPOUT=$VENV/bin/nbstripout
    [[ -x $VENV/bin/nbstripout-fast ]] && NBSTRIPOUT_FAST=$VENV/bin/nbstripout-fast
    [[ -n $NBSTRIPOUT ]] || say "nbstripout missing: its rows are skipped"
    [[ -n $NBSTRIPOUT_FAST ]] || say "nbstripout-fast missing: its rows are skipped"
fi
PEER_VERSIONS=""
if [[ -x $VENV/bin/python ]]; then
    PEER_VERSIONS=$("$VENV/bin/python" -m pip list --disable-pip-version-check 2>/dev/null |
        awk '$1 ~ /^nbstripout/ {printf "%s %s; ", $1, $2}')
fi

# --- Measure --------------------------------------------------------------------------------
export NBLINT NBLINT_STATIC NBLINT_BENCH=$BENCH NBSTRIPOUT NBSTRIPOUT_FAST RUNS PER_FILE_RUNS SCALES WORK COUNT PEER_VERSIONS
export PYTHON_CORPUS=$SHARED/corpus/python
COMMIT=${NBLINT_BENCH_COMMIT:-$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)}
export COMMIT
DIRTY=$(git -C "$ROOT" status --porcelain 2>/dev/null | grep -c . || true)
export DIRTY
say "measuring ($RUNS runs per row; this takes a few minutes)"
python3 - <<'PYTHON'
import os, shutil, statistics, subprocess, sys, time

env = os.environ
RUNS = int(env["RUNS"])
PER_FILE_RUNS = int(env["PER_FILE_RUNS"])
WORK = env["WORK"]
NBLINT, BENCH = env["NBLINT"], env["NBLINT_BENCH"]
PEERS = {"nbstripout": env["NBSTRIPOUT"], "nbstripout-fast": env["NBSTRIPOUT_FAST"]}
LOAD_BEFORE = os.getloadavg()[0]
CACHE_HOME = os.path.join(WORK, "xdg-cache")  # where a user-level nblint cache would go
# check's result cache goes to a known folder (NBLINT_CACHE_DIR, set by clear_cache below),
# whatever the working folder of a row.
CHILD_ENV = dict(env, XDG_CACHE_HOME=CACHE_HOME, NO_COLOR="1")


def log(message):
    print(f"==> {message}", file=sys.stderr, flush=True)


TIME_BIN = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None
MEMORY_FILE = os.path.join(WORK, "memory.txt")


def spawn(argv, cwd=None, stdin_path=None, ok=(0,), pipe=False, memory=False):
    """Runs one process; returns (seconds, peak RSS in KiB). With `pipe`, standard output is
    a pipe the harness drains, as git reads a clean filter (nbstripout cannot write to
    /dev/null: it truncates its output stream); otherwise it goes to /dev/null. With
    `memory`, the process runs under `/usr/bin/time -f %M` (the warm-up run, untimed);
    without /usr/bin/time, ru_maxrss from wait4, which cannot go below the harness's own
    ~15 MB (the child is forked from it)."""
    if memory and TIME_BIN:
        argv = [TIME_BIN, "-f", "%M", "-o", MEMORY_FILE] + argv
    stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
    errors = os.path.join(WORK, "stderr.txt")
    with open(errors, "wb") as stderr:
        start = time.perf_counter()
        process = subprocess.Popen(argv, cwd=cwd, stdin=stdin,
                                   stdout=subprocess.PIPE if pipe else subprocess.DEVNULL,
                                   stderr=stderr, env=CHILD_ENV)
        if pipe:
            while process.stdout.read(1 << 20):
                pass
            process.stdout.close()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if stdin_path:
        stdin.close()
    if process.returncode not in ok:
        with open(errors, "rb") as stderr:
            tail = stderr.read()[-300:].decode(errors="replace")
        tail = " ".join(tail.split()).replace("|", "/")
        raise RuntimeError(f"{' '.join(argv[:3])}... exited {process.returncode}: {tail}")
    peak = usage.ru_maxrss
    if memory and TIME_BIN:
        with open(MEMORY_FILE) as lines:
            peak = int(lines.read().split()[-1])
    return seconds, peak


def measure(one_run, setup=None, runs=RUNS):
    """An untimed warm-up run that measures peak memory, then `runs` timed runs:
    (median seconds, peak KiB)."""
    times, peak = [], 0
    for index in range(runs + 1):
        if setup:
            setup()
        seconds, rss = one_run(index == 0)
        if index == 0:
            peak = rss
        else:
            times.append(seconds)
    return statistics.median(times), peak


def bench_floor(path):
    """nblint-bench's floor: (sequential ms, parallel ms)."""
    out = subprocess.run([BENCH, "--floor-only", "--tsv", "--runs", str(RUNS), path],
                         check=True, capture_output=True, text=True).stdout
    values = [float(line.split("\t")[1]) / 1000 for line in out.splitlines()]
    return values[0], values[1]


def notebooks(folder):
    return sorted(os.path.join(folder, name) for name in os.listdir(folder)
                  if name.endswith(".ipynb"))


def size(paths):
    return sum(os.path.getsize(path) for path in paths)


rows = []  # (group, label, seconds or None, files, ratio text, peak KiB or None, note)


def row(group, label, seconds, files, ratio="", peak=None, note=""):
    rows.append((group, label, seconds, files, ratio, peak, note))
    shown = "skipped" if seconds is None else f"{seconds * 1000:.1f} ms"
    log(f"{group} | {label}: {shown} {ratio} {note}")


def guarded(group, label, files, work):
    """Runs `work` (returning (seconds, peak)); a failure becomes a skipped row."""
    try:
        return work()
    except (RuntimeError, OSError) as error:
        row(group, label, None, files, note=f"failed: {str(error)[:200]}")
        return None


def check_argv(folder_or_file):
    return [NBLINT, "check", folder_or_file]


CACHES = os.path.join(WORK, "result-caches")
cache_runs = [0]


def clear_cache(folder):
    """A first run gets a new, empty cache folder: deleting the last one instead (75 MB in
    2,000 files for the generated corpus) just before the timed run made ext4 search long for
    inodes not recently freed, and the row measured that (up to 2 s of system time)."""
    shutil.rmtree(os.path.join(folder, ".nblint_cache"), ignore_errors=True)
    cache_runs[0] += 1
    CHILD_ENV["NBLINT_CACHE_DIR"] = os.path.join(CACHES, str(cache_runs[0]))


targets = []  # (target, measured, met)

# --- check on the generated corpus and on evcxr -------------------------------------------
for group, folder in [(f"check: generated rust corpus ({env['COUNT']} notebooks)",
                       os.path.join(WORK, "corpus", f"rust-{env['COUNT']}")),
                      ("check: evcxr corpus", os.path.join(WORK, "corpus", "evcxr"))]:
    files = notebooks(folder)
    mb = size(files) / 1e6
    log(f"{group}: floor")
    floor_seq, floor_par = bench_floor(folder)
    row(group, "floor: read + serde_json::Value, 1 thread (nblint-bench)", floor_seq, len(files),
        f"{floor_seq / floor_par:.2f}x")
    row(group, "floor: same, all cores (nblint-bench)", floor_par, len(files), "1.00x")
    argv = check_argv(".")
    cold = guarded(group, "nblint check, first run", len(files), lambda: measure(
        lambda m: spawn(argv, cwd=folder, ok=(0, 1), memory=m), setup=lambda: clear_cache(folder)))
    if cold:
        row(group, "nblint check, first run (cache cleared)", cold[0], len(files),
            f"{cold[0] / floor_par:.2f}x", cold[1], f"{mb:.0f} MB of notebooks")
        warm = guarded(group, "nblint check, unchanged re-run", len(files), lambda: measure(
            lambda m: spawn(argv, cwd=folder, ok=(0, 1), memory=m)))
        if warm:
            row(group, "nblint check, unchanged re-run", warm[0], len(files),
                f"{warm[0] / floor_par:.2f}x", warm[1],
                f"{cold[0] / warm[0]:.1f}x faster than the first run")
        if folder.endswith(f"rust-{env['COUNT']}"):
            targets.append(("check on the generated corpus within 2x the JSON floor (all cores)",
                            f"{cold[0] / floor_par:.2f}x", cold[0] / floor_par <= 2))
            if warm:
                targets.append(("unchanged re-run of check at least 10x faster than the first",
                                f"{cold[0] / warm[0]:.1f}x", cold[0] / warm[0] >= 10))
        clear_cache(folder)

# --- check per notebook at growing sizes ----------------------------------------------------
group = "check: one notebook of N cells"
by_cells = {}
for cells in env["SCALES"].split():
    folder = os.path.join(WORK, "corpus", f"scale-{cells}")
    files = notebooks(folder)
    file_size = size(files)
    log(f"{group}: {cells} cells")
    floor_seq, _ = bench_floor(folder)
    result = guarded(group, f"{cells} cells", 1, lambda: measure(
        lambda m: spawn(check_argv(files[0]), ok=(0, 1), memory=m), setup=lambda: clear_cache(folder)))
    if result:
        by_cells[int(cells)] = result
        row(group, f"nblint check, {int(cells):,} cells ({file_size / 1e6:.0f} MB)", result[0], 1,
            f"{result[0] / floor_seq:.2f}x floor", result[1],
            f"peak memory {result[1] * 1024 / file_size:.1f}x the file; floor {floor_seq * 1000:.0f} ms")
        clear_cache(folder)
if 10000 in by_cells and 100000 in by_cells:
    growth = by_cells[100000][0] / by_cells[10000][0]
    row(group, "growth 100k / 10k cells (linear = 10x)", None, 1, f"{growth:.1f}x")
    targets.append(("100k cells at most 12x the time of 10k cells", f"{growth:.1f}x", growth <= 12))
    sizes = size(notebooks(os.path.join(WORK, "corpus", "scale-100000")))
    memory = by_cells[100000][1] * 1024 / sizes
    targets.append(("memory a small multiple of the file size (100k cells)",
                    f"{memory:.1f}x the file", None))

# --- strip in place over copies of the python corpus -----------------------------------------
pristine = env["PYTHON_CORPUS"]
py_files = [os.path.basename(path) for path in notebooks(pristine)]
copy = os.path.join(WORK, "strip-copy")
group = f"strip in place: python corpus ({len(py_files)} notebooks, {size(notebooks(pristine)) / 1e6:.0f} MB)"


def fresh_copy():
    shutil.rmtree(copy, ignore_errors=True)
    os.makedirs(copy)
    for name in py_files:
        shutil.copyfile(os.path.join(pristine, name), os.path.join(copy, name))


strip_times = {}
commands = {"nblint strip": [NBLINT, "strip", copy]}
for name, exe in PEERS.items():
    if exe:
        commands[name] = [exe] + [os.path.join(copy, file) for file in py_files]
for name, argv in commands.items():
    log(f"{group}: {name}")
    result = guarded(group, name, len(py_files),
                     lambda: measure(lambda m: spawn(argv, memory=m), setup=fresh_copy))
    if result:
        strip_times[name] = result
for name in PEERS:
    if name not in commands:
        row(group, name, None, len(py_files), note="not installed: skipped")
base = strip_times.get("nbstripout-fast")
for name, (seconds, peak) in strip_times.items():
    row(group, name, seconds, len(py_files),
        f"{seconds / base[0]:.2f}x nbstripout-fast" if base else "", peak)
if base and "nblint strip" in strip_times:
    ratio = strip_times["nblint strip"][0] / base[0]
    targets.append(("strip over a folder faster than nbstripout-fast", f"{ratio:.2f}x", ratio < 1))
shutil.rmtree(copy, ignore_errors=True)

# --- strip --stdin, one process per file, as git's clean filter runs it ----------------------
group = "clean filter: one process per file, stdin to stdout"
filters = {"cat": ["cat"], "nblint strip --stdin": [NBLINT, "strip", "--stdin"]}
if env.get("NBLINT_STATIC"):
    filters["nblint strip --stdin (static build)"] = [env["NBLINT_STATIC"], "strip", "--stdin"]
for name, exe in PEERS.items():
    if exe:
        filters[name] = [exe]
paths = notebooks(pristine)


def per_file(argv):
    def one_run(memory):
        total, peak = 0.0, 0
        for path in paths:
            seconds, rss = spawn(argv, stdin_path=path, pipe=True, memory=memory)
            total += seconds
            peak = max(peak, rss)
        return total, peak
    return one_run


filter_times = {}
for name, argv in filters.items():
    log(f"{group}: {name}")
    result = guarded(group, name, len(paths), lambda: measure(per_file(argv), runs=PER_FILE_RUNS))
    if result:
        filter_times[name] = result
for name in PEERS:
    if name not in filters:
        row(group, name, None, len(paths), note="not installed: skipped")
cat = filter_times.get("cat")
for name, (seconds, peak) in filter_times.items():
    row(group, name, seconds, len(paths), f"{seconds / cat[0]:.2f}x cat" if cat else "", peak,
        f"{seconds / len(paths) * 1000:.2f} ms per file")
if cat and "nblint strip --stdin" in filter_times:
    ratio = filter_times["nblint strip --stdin"][0] / cat[0]
    targets.append(("strip --stdin per file within 1.2x of cat", f"{ratio:.2f}x", ratio <= 1.2))
if cat and "nblint strip --stdin (static build)" in filter_times:
    ratio = filter_times["nblint strip --stdin (static build)"][0] / cat[0]
    targets.append(("strip --stdin per file within 1.2x of cat, static build (context)",
                    f"{ratio:.2f}x", None))
if "nbstripout-fast" in filter_times and "nblint strip --stdin" in filter_times:
    ratio = filter_times["nblint strip --stdin"][0] / filter_times["nbstripout-fast"][0]
    targets.append(("strip --stdin per file vs nbstripout-fast (no target; context)",
                    f"{ratio:.2f}x", None))

# --- git add of the python corpus through each filter ---------------------------------------
group = f"git add: python corpus ({len(py_files)} notebooks) through the filter"
GIT_ENV = {"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull,
           "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.com"}
CHILD_ENV.update(GIT_ENV)
adders = {"no filter (git alone)": None,
          "nblint strip --stdin (clean, one process per file)": {
              "clean": f"'{NBLINT}' strip --stdin", "required": "true"},
          "nblint strip --filter-process (as `nblint git install` sets it)": {
              "clean": f"'{NBLINT}' strip --stdin",
              "process": f"'{NBLINT}' strip --filter-process", "required": "true"}}
for name, exe in PEERS.items():
    if exe:
        adders[f"{name} (clean, one process per file)"] = {"clean": f"'{exe}'", "required": "true"}
add_times = {}
for name, driver in adders.items():
    repo = os.path.join(WORK, "git-add-repo")
    shutil.rmtree(repo, ignore_errors=True)
    os.makedirs(repo)
    for file in py_files:
        shutil.copyfile(os.path.join(pristine, file), os.path.join(repo, file))
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True, env=CHILD_ENV)
    if driver:
        for key, value in driver.items():
            subprocess.run(["git", "config", f"filter.bench.{key}", value], cwd=repo,
                           check=True, env=CHILD_ENV)
        with open(os.path.join(repo, ".gitattributes"), "w") as attributes:
            attributes.write("*.ipynb filter=bench\n")
    index = os.path.join(repo, ".git", "index")

    def forget_index():
        if os.path.exists(index):
            os.remove(index)

    log(f"{group}: {name}")
    per_process = "one process per file" in name
    result = guarded(group, name, len(py_files), lambda: measure(
        lambda m: spawn(["git", "add", "."], cwd=repo, memory=m), setup=forget_index,
        runs=PER_FILE_RUNS if per_process else RUNS))
    if result:
        add_times[name] = result
    shutil.rmtree(repo, ignore_errors=True)
alone = add_times.get("no filter (git alone)")
for name, (seconds, peak) in add_times.items():
    row(group, name, seconds, len(py_files),
        f"{seconds / alone[0]:.2f}x git alone" if alone else "", peak,
        f"{seconds / len(py_files) * 1000:.2f} ms per file")

# --- The table -------------------------------------------------------------------------------
lines = [f"commit {env['COMMIT']}"
         + (f" (+{env['DIRTY']} uncommitted paths)" if env["DIRTY"] not in ("", "0") else "")
         + f"; {os.cpu_count()} cores; median of {RUNS} runs after 1 warm-up"
         + f" ({PER_FILE_RUNS} for the per-file rows); "
         + (env["PEER_VERSIONS"] or "peers not installed")
         + f" load average {LOAD_BEFORE:.1f} before, {os.getloadavg()[0]:.1f} after"
         + (" (above the core count: other processes shared the machine)"
            if max(LOAD_BEFORE, os.getloadavg()[0]) > (os.cpu_count() or 1) else ""), ""]
current = None
for group, label, seconds, files, ratio, peak, note in rows:
    if group != current:
        lines += ["", f"**{group}**", "", "| row | median | ratio | peak RSS | note |",
                  "|---|---:|---:|---:|---|"]
        current = group
    shown = "—" if seconds is None else (f"{seconds:.2f} s" if seconds >= 10 else f"{seconds * 1000:.1f} ms")
    memory = "—" if peak is None else f"{peak / 1024:.0f} MB"
    lines.append(f"| {label} | {shown} | {ratio} | {memory} | {note} |")
lines += ["", "**Targets (issue 7)**", "", "| target | measured | met |", "|---|---:|---|"]
for target, measured, met in targets:
    lines.append(f"| {target} | {measured} | {'—' if met is None else ('yes' if met else 'NO')} |")
shutil.rmtree(CACHES, ignore_errors=True)
table = "\n".join(lines) + "\n"
with open(os.path.join(WORK, "results.md"), "w") as out:
    out.write(table)
print(table)
PYTHON
say "table saved to $WORK/results.md"
