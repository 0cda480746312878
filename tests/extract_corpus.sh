#!/usr/bin/env bash
# Extracts the eligible notebooks of the evcxr corpus with `nblint extract`, builds and runs each
# crate, compares its stdout with the notebook's stored outputs, and writes
# docs/extract-report.md. Run by hand (slow: every crate is built), not by CI.
#
#   tests/extract_corpus.sh                 # std-only notebooks (no :dep line)
#   WITH_DEPS=1 tests/extract_corpus.sh     # also notebooks with :dep lines (downloads crates)
#
# Environment: CORPUS (default ../shared/corpus/evcxr), WORK (scratch folder, default
# $TMPDIR/nblint-extract-corpus), LIMIT (at most this many eligible notebooks), BUILD_TIMEOUT
# and RUN_TIMEOUT (seconds, default 600 and 60), REPORT (default docs/extract-report.md).
set -u
cd "$(dirname "$0")/.."
ROOT=$PWD
CORPUS=${CORPUS:-$ROOT/../shared/corpus/evcxr}
WORK=${WORK:-${TMPDIR:-/tmp}/nblint-extract-corpus}
LIMIT=${LIMIT:-1000}
BUILD_TIMEOUT=${BUILD_TIMEOUT:-600}
RUN_TIMEOUT=${RUN_TIMEOUT:-60}
REPORT=${REPORT:-$ROOT/docs/extract-report.md}
WITH_DEPS=${WITH_DEPS:-0}
mkdir -p "$WORK" "$(dirname "$REPORT")"

cargo build --quiet --bin nblint || exit 2
NBLINT=$ROOT/target/debug/nblint

# Dependencies that need a system library, a GPU or a network service at run time.
EXCLUDED_DEPS='tch|cuda|opencv|rust-bert|torch|reqwest|sqlx|postgres|mysql|redis|z3|gtk|sdl2|hdf5|netcdf|gdal|arrayfire|ocl|blas-src|openblas|lapack|rdkafka'

# Prints "eligible" or "excluded<TAB>reason" for a notebook, and writes the expected stdout
# (stored stdout streams and text results of the cells that run Rust code) to $2.
classify() {
  python3 - "$1" "$2" "$WITH_DEPS" "$EXCLUDED_DEPS" <<'PY'
import json, re, sys
path, expected_path, with_deps, excluded = sys.argv[1], sys.argv[2], sys.argv[3] == "1", sys.argv[4]
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
    print("excluded\tsome code cells never ran"); sys.exit()
if any(b <= a for a, b in zip(counts, counts[1:])):
    print("excluded\tcells did not run in order"); sys.exit()
if any(o.get("output_type") == "error" for c in cells for o in c.get("outputs", [])):
    print("excluded\tstored error outputs"); sys.exit()
deps = set()
for c in cells:
    for line in text(c.get("source")).splitlines():
        m = re.match(r"\s*:dep\s+([^\s=]+)", line)
        if m:
            deps.add(m.group(1))
bad = sorted(d for d in deps if re.fullmatch(excluded, d))
if bad:
    print(f"excluded\tneeds a system library, GPU or network service: {', '.join(bad)}"); sys.exit()
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
print("eligible")
PY
}

rows=()
excluded=()
ran=0
for notebook in "$CORPUS"/*.ipynb; do
  name=$(basename "$notebook" .ipynb)
  verdict=$(classify "$notebook" "$WORK/$name.expected")
  if [[ $verdict != eligible ]]; then
    excluded+=("| $name | ${verdict#excluded$'\t'} |")
    continue
  fi
  if (( ran >= LIMIT )); then
    excluded+=("| $name | not run: LIMIT=$LIMIT reached |")
    continue
  fi
  ran=$((ran + 1))
  out=$WORK/crates/$name
  echo "== $name" >&2
  if ! "$NBLINT" extract "$notebook" --out "$out" --force --target-dir "$WORK/extract" \
      --name nb_crate 2>"$WORK/$name.extract.log"; then
    status="extract failed"
  else
    status=ok
  fi
  fallback=no
  grep -q "wrote one \`run()\`" "$WORK/$name.extract.log" && fallback=yes
  builds=no warnings=- matches=no
  if [[ -f $out/Cargo.toml ]] && timeout "$BUILD_TIMEOUT" cargo build --quiet \
      --manifest-path "$out/Cargo.toml" --target-dir "$WORK/build" \
      >"$WORK/$name.build.log" 2>&1; then
    builds=yes
    # Rebuild the crate itself (touch) to count its warnings.
    touch "$out/src/lib.rs"
    warnings=$(cargo build --manifest-path "$out/Cargo.toml" --target-dir "$WORK/build" 2>&1 \
      | grep -E '^warning: ' | grep -cvE 'generated [0-9]+ warning')
    if timeout "$RUN_TIMEOUT" "$WORK/build/debug/nb_crate" >"$WORK/$name.stdout" \
        2>"$WORK/$name.stderr" </dev/null || true; then
      if cmp -s "$WORK/$name.stdout" "$WORK/$name.expected"; then matches=yes; fi
    fi
  fi
  note=""
  [[ $status != ok ]] && note="$status: $(tail -n 1 "$WORK/$name.extract.log")"
  rows+=("| $name | $builds | $warnings | $matches | $fallback | $note |")
done

total=${#rows[@]}
built=$(printf '%s\n' "${rows[@]}" | grep -c '^| [^|]* | yes |')
matched=$(printf '%s\n' "${rows[@]}" | awk -F'|' '$5 ~ /yes/' | wc -l)
fallbacks=$(printf '%s\n' "${rows[@]}" | awk -F'|' '$6 ~ /yes/' | wc -l)
{
  echo "# \`nblint extract\` on the evcxr corpus"
  echo
  echo "Generated by \`tests/extract_corpus.sh\` on $(date -u +%Y-%m-%d) (WITH_DEPS=$WITH_DEPS)."
  echo "Eligible: a Rust notebook whose code cells all ran, in order, with no error output;"
  echo "output compared: the binary's stdout against the stored stdout streams and \`text/plain\`"
  echo "results of the cells that hold Rust code."
  echo
  echo "Totals: $total extracted, $built build, $matched reproduce their output exactly,"
  echo "$fallbacks used the single \`run()\` fallback."
  echo
  echo "| notebook | builds | warnings | output matches | fallback used | note |"
  echo "|---|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
  echo
  echo "## Excluded"
  echo
  echo "| notebook | reason |"
  echo "|---|---|"
  printf '%s\n' "${excluded[@]}"
} >"$REPORT"
echo "wrote $REPORT: $total extracted, $built build, $matched match, $fallbacks fallbacks" >&2
