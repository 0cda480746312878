#!/usr/bin/env bash
# Extracts the eligible notebooks of the evcxr corpus with `nblint extract`, builds and runs each
# crate, compares its stdout with the notebook's stored outputs, and writes
# docs/extract-report.md. Run by hand (slow: every crate is built), not by CI.
#
#   tests/extract_corpus.sh                 # std-only notebooks (no :dep line)
#   WITH_DEPS=1 tests/extract_corpus.sh     # also notebooks with :dep lines (downloads crates)
#   ONLY='rs010|config-logger' WITH_DEPS=1 tests/extract_corpus.sh   # re-run a few notebooks
#   UNRUN=1 CORPUS=DIR tests/extract_corpus.sh   # also notebooks with cells never run or run
#                                                # out of order: extracted, built and run, but
#                                                # their output is not compared ("n/a")
#
# Environment: CORPUS (default ../shared/corpus/evcxr), WORK (scratch folder, default
# $TMPDIR/nblint-extract-corpus), LIMIT (at most this many eligible notebooks), ONLY (a regex:
# run only the notebooks whose name matches; the others keep their row from the last run, kept
# in $WORK/rows), NBLINT (an nblint binary to use instead of building one), EXTRACT_TIMEOUT, BUILD_TIMEOUT and RUN_TIMEOUT (seconds per notebook,
# default 900, 900 and 60), REPORT (default docs/extract-report.md), SOURCES (a folder of the
# corpus notebooks' own repositories as bare git directories, SOURCES/OWNER+NAME/repo, as the
# search tool's `fetch` lays them out: a notebook whose repository is there, at the commit
# MANIFEST.tsv names, runs in a checkout of that commit, from the notebook's own folder, so the
# data files it reads beside it are there as they were for its author; without it every binary
# runs in $WORK).
#
# Every cargo run (the probes and checks of `nblint extract`, the builds) shares one target
# directory, $WORK/target, so a dependency common to several notebooks compiles once; all of
# it runs under `nice -n 10` (the machine is shared).
set -u
cd "$(dirname "$0")/.."
ROOT=$PWD
CORPUS=${CORPUS:-$ROOT/../shared/corpus/evcxr}
WORK=${WORK:-${TMPDIR:-/tmp}/nblint-extract-corpus}
LIMIT=${LIMIT:-1000}
EXTRACT_TIMEOUT=${EXTRACT_TIMEOUT:-900}
BUILD_TIMEOUT=${BUILD_TIMEOUT:-900}
RUN_TIMEOUT=${RUN_TIMEOUT:-60}
REPORT=${REPORT:-$ROOT/docs/extract-report.md}
WITH_DEPS=${WITH_DEPS:-0}
ONLY=${ONLY:-}
SOURCES=${SOURCES:-}
mkdir -p "$WORK/rows" "$(dirname "$REPORT")"
# One target directory for everything: `nblint extract` puts its probes under
# $WORK/shared/target, and the builds below use the same folder.
TARGET=$WORK/shared/target
export CARGO_TARGET_DIR=$TARGET
NICE=(nice -n 10)

# NBLINT: an nblint binary to use instead of building this checkout's.
if [[ -z ${NBLINT:-} ]]; then
  CARGO_TARGET_DIR=$ROOT/target "${NICE[@]}" cargo build --quiet --bin nblint || exit 2
  NBLINT=$ROOT/target/debug/nblint
fi

# Dependencies that need a system library, a GPU or a network service at run time.
EXCLUDED_DEPS='tch|cuda|opencv|rust-bert|torch|reqwest|sqlx|postgres|mysql|redis|z3|gtk|sdl2|hdf5|netcdf|gdal|arrayfire|ocl|blas-src|openblas|lapack|rdkafka'
# Dependencies too heavy to compile on a shared 2-core machine within the per-notebook limit
# (hundreds of crates, or minutes of codegen for one crate).
HEAVY_DEPS='polars|polars-.*|burn|burn-.*|candle-.*|arrow|datafusion|linfa|tensorflow|ort'

# Prints "eligible" or "excluded<TAB>reason" for a notebook, and writes the expected stdout
# (stored stdout streams and text results of the cells that run Rust code) to $2.
classify() {
  python3 - "$1" "$2" "$WITH_DEPS" "$EXCLUDED_DEPS" "$HEAVY_DEPS" "${UNRUN:-0}" <<'PY'
import json, os, re, sys
path, expected_path, with_deps, excluded, heavy, unrun = (
    sys.argv[1], sys.argv[2], sys.argv[3] == "1", sys.argv[4], sys.argv[5], sys.argv[6] == "1")
no_compare = ""
def not_comparable(reason):
    global no_compare
    if not unrun:
        print(f"excluded\t{reason}"); sys.exit()
    no_compare = no_compare or reason
def text(value):
    return "".join(value) if isinstance(value, list) else (value or "")
try:
    nb = json.load(open(path, encoding="utf-8"))
except Exception as error:
    print(f"excluded\tnot valid JSON ({error})"); sys.exit()
meta = nb.get("metadata", {})
lang = (meta.get("kernelspec", {}).get("language") or meta.get("language_info", {}).get("name") or "").lower()
if lang != "rust" and meta.get("language_info", {}).get("file_extension") != ".rs":
    print(f"excluded\tnot a Rust notebook ({lang or 'no language'})"); sys.exit()
cells = [c for c in nb.get("cells", []) if c.get("cell_type") == "code" and text(c.get("source")).strip()]
if not cells:
    print("excluded\tno code cells"); sys.exit()
counts = [c.get("execution_count") for c in cells]
if any(n is None for n in counts):
    not_comparable("some code cells never ran")
elif any(b <= a for a, b in zip(counts, counts[1:])):
    not_comparable("cells did not run in order")
if any(o.get("output_type") == "error" for c in cells for o in c.get("outputs", [])):
    print("excluded\tstored error outputs"); sys.exit()
deps = set()
git, missing_paths = set(), set()
for c in cells:
    for line in text(c.get("source")).splitlines():
        m = re.match(r"\s*:dep\s+([^\s=]+)(.*)", line)
        if m:
            deps.add(m.group(1))
            if re.search(r"\bgit\s*=", m.group(2)):
                git.add(m.group(1))
            p = re.search(r"\bpath\s*=\s*\"([^\"]*)\"", m.group(2))
            if p and not os.path.exists(os.path.join(os.path.dirname(path), p.group(1))):
                missing_paths.add(f"{m.group(1)} at {p.group(1)}")
bad = sorted(d for d in deps if re.fullmatch(excluded, d))
if bad:
    print(f"excluded\tneeds a system library, GPU or network service: {', '.join(bad)}"); sys.exit()
if missing_paths:
    print(f"excluded\tpath dependency not in the corpus: {', '.join(sorted(missing_paths))}"); sys.exit()
if git:
    print(f"excluded\tgit dependency ({', '.join(sorted(git))}): only crates.io is reachable here"); sys.exit()
big = sorted(d for d in deps if re.fullmatch(heavy, d))
if big and with_deps:
    print(f"excluded\ttoo heavy to compile on 2 shared cores: {', '.join(big)}"); sys.exit()
if deps and not with_deps:
    print(f"excluded\thas :dep lines ({', '.join(sorted(deps))}); run with WITH_DEPS=1"); sys.exit()
out = []
for c in cells:
    rust = [l for l in text(c.get("source")).splitlines()
            if l.strip() and not l.lstrip().startswith((":", "!", "//"))]
    if not rust:
        continue
    for o in c.get("outputs", []):
        if o.get("output_type") == "stream" and o.get("name") == "stdout":
            out.append(text(o.get("text")))
        elif o.get("output_type") == "execute_result" and "text/plain" in o.get("data", {}):
            out.append(text(o["data"]["text/plain"]) + "\n")
open(expected_path, "w", encoding="utf-8").write("".join(out))
print(f"eligible\t{no_compare}" if no_compare else "eligible")
PY
}

# Prints the folder a notebook's binary runs in: the notebook's own folder in a checkout of its
# repository at the corpus commit when SOURCES has that repository, else $WORK.
run_folder() {
  local name=$1 repo path commit git_dir checkout
  if [[ -n $SOURCES && -f $CORPUS/MANIFEST.tsv ]]; then
    IFS=$'\t' read -r repo path commit < <(awk -F'\t' -v f="$name.ipynb" \
      '$1 == f { print $2 "\t" $3 "\t" $4 }' "$CORPUS/MANIFEST.tsv")
    git_dir=$SOURCES/${repo/\//+}/repo
    if [[ -n ${commit:-} && -d $git_dir ]] \
      && git --git-dir "$git_dir" cat-file -e "$commit^{commit}" 2>/dev/null; then
      checkout=$WORK/sources/$name
      rm -rf "$checkout" && mkdir -p "$checkout"
      # Every file of the commit the fetched copy holds (it may leave out its largest ones).
      if python3 - "$git_dir" "$commit" "$checkout" <<'PY'
import os, subprocess, sys
git_dir, commit, checkout = sys.argv[1:]
git = ["git", "--git-dir", git_dir]
listing = subprocess.run(git + ["ls-tree", "-r", "-z", commit], capture_output=True, check=True).stdout
entries = []
for record in listing.split(b"\0"):
    if not record:
        continue
    meta, path = record.split(b"\t", 1)
    mode, kind, oid = meta.split()
    if kind == b"blob":
        entries.append((mode, oid, path.decode("utf-8", "surrogateescape")))
batch = subprocess.Popen(git + ["cat-file", "--batch"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
for mode, oid, path in entries:
    batch.stdin.write(oid + b"\n")
    batch.stdin.flush()
    header = batch.stdout.readline().split()
    if header[-1] == b"missing":
        continue
    data = batch.stdout.read(int(header[2]))
    batch.stdout.read(1)
    target = os.path.join(checkout, path)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    if mode == b"120000":
        continue
    with open(target, "wb") as out:
        out.write(data)
    if mode == b"100755":
        os.chmod(target, 0o755)
batch.stdin.close()
batch.wait()
PY
      then
        echo "$checkout/$(dirname "$path")"
        return
      fi
    fi
  fi
  echo "$WORK"
}

rows=()
excluded=()
ran=0
for notebook in "$CORPUS"/*.ipynb; do
  name=$(basename "$notebook" .ipynb)
  verdict=$(classify "$notebook" "$WORK/$name.expected")
  no_compare=""
  if [[ $verdict == eligible$'\t'* ]]; then
    no_compare=${verdict#eligible$'\t'}
    verdict=eligible
  fi
  if [[ $verdict != eligible ]]; then
    excluded+=("| $name | ${verdict#excluded$'\t'} |")
    continue
  fi
  if (( ran >= LIMIT )); then
    excluded+=("| $name | not run: LIMIT=$LIMIT reached |")
    continue
  fi
  ran=$((ran + 1))
  if [[ -n $ONLY && ! $name =~ $ONLY ]]; then
    if [[ -f $WORK/rows/$name ]]; then
      rows+=("$(cat "$WORK/rows/$name")")
    else
      rows+=("| $name | - | - | - | - | - | - | not run yet (ONLY=$ONLY) |")
    fi
    continue
  fi
  out=$WORK/crates/$name
  echo "== $name" >&2
  started=$SECONDS
  note=""
  timeout "$EXTRACT_TIMEOUT" "${NICE[@]}" "$NBLINT" extract "$notebook" --out "$out" --force \
    --target-dir "$WORK/shared" --name nb_crate 2>"$WORK/$name.extract.log"
  code=$?
  case $code in
    0) ;;
    124) note="extract timed out after ${EXTRACT_TIMEOUT}s" ;;
    *) note="extract exit $code: $(grep -m1 -E '^error' "$WORK/$name.extract.log" | cut -c1-120)" ;;
  esac
  extracted=yes
  [[ $code != 0 ]] && extracted=no
  fallback=no
  grep -q "wrote one \`run()\`" "$WORK/$name.extract.log" && fallback=yes
  builds=no warnings=- clippy=- matches=no
  if [[ $code != 124 && -f $out/Cargo.toml ]]; then
    timeout "$BUILD_TIMEOUT" "${NICE[@]}" cargo build --quiet --manifest-path "$out/Cargo.toml" \
      >"$WORK/$name.build.log" 2>&1
    bcode=$?
    if [[ $bcode == 0 ]]; then
      builds=yes
      # Rebuild the crate itself (touch) to count its warnings.
      touch "$out/src/lib.rs"
      warnings=$(timeout "$BUILD_TIMEOUT" "${NICE[@]}" cargo build \
        --manifest-path "$out/Cargo.toml" 2>&1 \
        | grep -E '^warning: ' | grep -cvE 'generated [0-9]+ warning')
      clippy=no
      timeout "$BUILD_TIMEOUT" "${NICE[@]}" cargo clippy --quiet \
        --manifest-path "$out/Cargo.toml" -- -D warnings >"$WORK/$name.clippy.log" 2>&1 \
        && clippy=yes
      folder=$(run_folder "$name")
      [[ $folder != "$WORK" ]] && note="${note:+$note; }ran in its repository at the corpus commit"
      (cd "$folder" && timeout "$RUN_TIMEOUT" "$TARGET/debug/nb_crate" >"$WORK/$name.stdout" \
        2>"$WORK/$name.stderr" </dev/null)
      rcode=$?
      actual=$WORK/$name.stdout expected=$WORK/$name.expected
      if [[ $folder != "$WORK" ]]; then
        # A path the program printed under the checkout stands for the same file under the
        # author's folder: both become <repository>/REL before comparing.
        python3 - "$actual" "$expected" "$WORK/sources/$name" <<'PY'
import re, sys
actual_path, expected_path, checkout = sys.argv[1:]
actual = open(actual_path, encoding="utf-8", errors="replace").read().replace(checkout, "<repository>")
expected = open(expected_path, encoding="utf-8", errors="replace").read()
for relative in sorted(set(re.findall(r"<repository>(/[^\s\"']+)", actual)), key=len, reverse=True):
    expected = re.sub(r"/[^\s\"']*?" + re.escape(relative) + r"(?![^\s\"'])", "<repository>" + relative, expected)
open(actual_path + ".cmp", "w", encoding="utf-8").write(actual)
open(expected_path + ".cmp", "w", encoding="utf-8").write(expected)
PY
        actual=$actual.cmp expected=$expected.cmp
      fi
      if [[ -n $no_compare ]]; then
        matches="n/a"
      elif cmp -s "$actual" "$expected"; then
        matches=yes
      fi
      if [[ $rcode == 124 ]]; then
        note="${note:+$note; }run timed out after ${RUN_TIMEOUT}s"
      elif [[ $rcode != 0 ]]; then
        note="${note:+$note; }binary exit $rcode"
      fi
    elif [[ $bcode == 124 ]]; then
      note="${note:+$note; }build timed out after ${BUILD_TIMEOUT}s"
    fi
  fi
  if [[ -n $no_compare ]]; then
    [[ $matches == no ]] && matches="n/a"
    note="${note:+$note; }not compared: $no_compare"
  fi
  echo "   builds=$builds warnings=$warnings clippy=$clippy matches=$matches fallback=$fallback" \
    "($((SECONDS - started))s) $note" >&2
  row="| $name | $extracted | $builds | $warnings | $clippy | $matches | $fallback | $note |"
  echo "$row" >"$WORK/rows/$name"
  rows+=("$row")
done

total=${#rows[@]}
column() { printf '%s\n' "${rows[@]}" | awk -F'|' -v c="$1" '$c ~ /yes/' | wc -l; }
extracted=$(column 3)
built=$(column 4)
clippy_clean=$(column 6)
matched=$(column 7)
fallbacks=$(column 8)
# The hand-written explanations between the notes markers survive a regeneration.
notes=""
python_part=""
if [[ -f $REPORT ]]; then
  notes=$(awk '/^<!-- notes -->$/{keep=1} keep{print} /^<!-- \/notes -->$/{keep=0}' "$REPORT")
  # The Python section tests/extract_corpus_python.py writes survives too.
  python_part=$(awk '/^<!-- python-corpus:start -->$/{keep=1} keep{print} /^<!-- python-corpus:end -->$/{keep=0}' "$REPORT")
fi
{
  echo "# \`nblint extract\` on the evcxr corpus"
  echo
  if [[ -n $python_part ]]; then
    echo "(Python notebooks: see [the section at the end](#python-notebooks-testsextract_corpus_pythonpy).)"
    echo
  fi
  echo "Generated by \`tests/extract_corpus.sh\` on $(date -u +%Y-%m-%d) (WITH_DEPS=$WITH_DEPS)."
  echo "Eligible: a Rust notebook whose code cells all ran, in order, with no error output, and"
  echo "whose \`:dep\` crates can be built here (see Excluded); output compared: the binary's"
  echo "stdout against the stored stdout streams and \`text/plain\` results of the cells that hold"
  echo "Rust code."
  if [[ -n $SOURCES ]]; then
    echo "With SOURCES: a notebook whose repository was fetched runs in a checkout of it at the"
    echo "corpus commit, from the notebook's folder (the note says so), and an absolute path it prints"
    echo "to a file of that checkout is compared as the same file under the author's folder"
    echo "(\`<repository>/data/01.txt\` on both sides); the others run in a scratch folder."
  fi
  if [[ ${UNRUN:-0} == 1 ]]; then
    echo "With UNRUN=1: notebooks with cells never run or run out of order are eligible too;"
    echo "they are extracted, built and run, and their output is not compared (\"n/a\")."
  fi
  echo
  comparable=$(printf '%s\n' "${rows[@]}" | grep -vc 'not compared: ')
  echo "Totals: $total eligible, $extracted extracted, $built build, $clippy_clean clippy clean"
  echo "(\`cargo clippy -- -D warnings\`), $matched of the $comparable"
  echo "whose output can be compared reproduce it exactly, $fallbacks used the single \`run()\`"
  echo "fallback."
  echo
  echo "| notebook | extracted | builds | warnings | clippy clean | output matches | fallback used | note |"
  echo "|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
  echo
  if [[ -n $notes ]]; then
    printf '%s\n\n' "$notes"
  fi
  echo "## Excluded"
  echo
  echo "| notebook | reason |"
  echo "|---|---|"
  printf '%s\n' "${excluded[@]}"
  if [[ -n $python_part ]]; then
    echo
    printf '%s\n' "$python_part"
  fi
} >"$REPORT"
echo "wrote $REPORT: $total eligible, $extracted extracted, $built build, $matched match," \
  "$fallbacks fallbacks" >&2
