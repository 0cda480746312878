//! `nblint-bench PATH...`: in-process timings of nblint's stages on the given notebooks (or
//! folders of them), against the floor of reading the files and parsing them into
//! `serde_json::Value`.
//!
//! Every stage runs once to warm up, then `--runs` times; the table shows the median. The
//! stages are timed separately, each on the previous stage's output kept in memory:
//!
//! | stage | what is timed |
//! |---|---|
//! | `floor` | `fs::read` + `serde_json::from_slice::<Value>` of every file |
//! | `read` | `fs::read` of every file (what every stage pays first) |
//! | `parse` | `fs::read` + `Notebook::parse_for_analysis` (as `check` reads) |
//! | `front end` | `nblint_analysis::analyse` (the language and front end `check` picks) |
//! | `graph` | `Graph::build` |
//! | `lint` | `nblint_lint::lint`, all rules, default settings |
//! | `strip` | `fs::read` + `nblint_git::strip_bytes` (what `strip` does before writing) |
//! | `pipeline` | read + parse + front end + graph + lint in one pass (what `check` does before rendering) |
//! | `cache hit` | read + `CacheKey::new` + `Cache::get` of a stored payload per file (`nblint_cache`, in a temporary folder): the floor of a re-run of `check` that finds every file in its cache |
//!
//! The `‖` rows run the same work over the files in parallel (rayon, one thread per core), as
//! `nblint check` does; their ratio is to the parallel floor. `--tsv` prints
//! `stage<TAB>median_ms<TAB>ratio` lines for scripts.

use std::fmt::Write as _;
use std::hint::black_box;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use nblint_analysis::{Analysed, Choice};
use nblint_graph::Graph;
use nblint_lint::{RuleSelection, RuleSettings};
use nblint_notebook::Notebook;
use rayon::prelude::*;

const USAGE: &str = "usage: nblint-bench [--runs N] [--tsv] [--floor-only] PATH...

Times nblint's stages in-process on the notebooks under PATH (files or folders) and prints the
median of N runs (default 5) of each, with its ratio to the JSON floor (read + parse into
serde_json::Value). --tsv prints `stage<TAB>median ms<TAB>ratio` lines; --floor-only
times only the floor.";

struct Options {
    runs: usize,
    tsv: bool,
    floor_only: bool,
    paths: Vec<PathBuf>,
}

fn parse_args() -> Result<Options, String> {
    let mut options = Options {
        runs: 5,
        tsv: false,
        floor_only: false,
        paths: Vec::new(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--runs" => {
                let value = args.next().ok_or("--runs needs a number")?;
                options.runs = value
                    .parse()
                    .ok()
                    .filter(|runs| *runs > 0)
                    .ok_or_else(|| format!("--runs: `{value}` is not a positive number"))?;
            }
            "--tsv" => options.tsv = true,
            "--floor-only" => options.floor_only = true,
            "-h" | "--help" => return Err(String::new()),
            flag if flag.starts_with('-') => return Err(format!("unknown option `{flag}`")),
            path => options.paths.push(PathBuf::from(path)),
        }
    }
    if options.paths.is_empty() {
        return Err("no notebooks or folders given".to_owned());
    }
    Ok(options)
}

/// Every `.ipynb` under `paths`, sorted.
fn notebooks(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut found = Vec::new();
    for path in paths {
        if path.is_file() {
            found.push(path.clone());
            continue;
        }
        if !path.is_dir() {
            return Err(format!("{}: no such file or folder", path.display()));
        }
        for entry in walkdir::WalkDir::new(path) {
            let entry = entry.map_err(|error| error.to_string())?;
            if entry.file_type().is_file()
                && entry.path().extension().is_some_and(|ext| ext == "ipynb")
            {
                found.push(entry.into_path());
            }
        }
    }
    found.sort();
    Ok(found)
}

/// A notebook read and parsed once, for the stages that start from it.
struct Parsed {
    notebook: Notebook,
}

/// The front end stage: `nblint_analysis::analyse`, as `check` runs it without configuration
/// (the language from the metadata, else a guess from the cells).
fn analyze(parsed: &Parsed) -> Analysed {
    nblint_analysis::analyse(&parsed.notebook, Choice::default())
}

fn build_graph(parsed: &Parsed, analysed: &Analysed) -> Graph {
    nblint_analysis::graph(&parsed.notebook, analysed)
}

fn run_lint(parsed: &Parsed, analysed: &Analysed, graph: &Graph) -> usize {
    nblint_analysis::lint_with_graph(
        &parsed.notebook,
        analysed,
        graph,
        &RuleSettings::default(),
        &RuleSelection::default(),
    )
    .len()
}

fn read(path: &Path) -> Vec<u8> {
    // Files that vanish mid-run time as empty: the benchmark reports, it does not fail.
    std::fs::read(path).unwrap_or_default()
}

/// What `nblint strip` does to one file, short of writing it: the bytes it would write.
fn strip(path: &Path) -> usize {
    let options = nblint_git::StripOptions::default();
    match nblint_git::strip_bytes(&read(path), &options) {
        Ok(Some(bytes)) => bytes.len(),
        _ => 0,
    }
}

fn parse(path: &Path) -> Option<Parsed> {
    let notebook = Notebook::parse_for_analysis(&read(path)).ok()?;
    Some(Parsed { notebook })
}

/// The whole per-file pipeline of `check` before rendering; returns the diagnostic count.
fn pipeline(path: &Path) -> usize {
    let Some(parsed) = parse(path) else { return 0 };
    let facts = analyze(&parsed);
    let graph = build_graph(&parsed, &facts);
    run_lint(&parsed, &facts, &graph)
}

fn floor(path: &Path) -> usize {
    let bytes = read(path);
    serde_json::from_slice::<serde_json::Value>(&bytes).map_or(0, |value| {
        value
            .get("cells")
            .and_then(serde_json::Value::as_array)
            .map_or(0, Vec::len)
    })
}

/// The cache key `check` would use: file bytes, version, settings, options.
fn cache_key(bytes: &[u8]) -> nblint_cache::CacheKey {
    nblint_cache::CacheKey::new(
        bytes,
        env!("CARGO_PKG_VERSION"),
        "default settings",
        "concise",
    )
}

/// The median of `runs` timings of `work`, after one untimed warm-up run.
fn median<T>(runs: usize, mut work: impl FnMut() -> T) -> Duration {
    black_box(work());
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            black_box(work());
            start.elapsed()
        })
        .collect();
    times.sort();
    let middle = times.len() / 2;
    if times.len().is_multiple_of(2) {
        (times[middle - 1] + times[middle]) / 2
    } else {
        times[middle]
    }
}

struct Row {
    stage: &'static str,
    time: Duration,
    /// Which floor the ratio is to: the sequential or the parallel one.
    parallel: bool,
}

/// The floor rows only (sequential and parallel).
fn floor_rows(paths: &[PathBuf], runs: usize) -> Vec<Row> {
    vec![
        Row {
            stage: "floor (read + serde_json::Value)",
            time: median(runs, || paths.iter().map(|p| floor(p)).sum::<usize>()),
            parallel: false,
        },
        Row {
            stage: "floor ‖",
            time: median(runs, || paths.par_iter().map(|p| floor(p)).sum::<usize>()),
            parallel: true,
        },
    ]
}

/// Every stage, and a line saying what was measured.
fn all_rows(paths: &[PathBuf], runs: usize) -> Result<(Vec<Row>, String), String> {
    let parsed: Vec<Parsed> = paths.iter().filter_map(|path| parse(path)).collect();
    let cells: usize = parsed.iter().map(|p| p.notebook.cells().len()).sum();
    let unreadable = paths.len() - parsed.len();
    let facts: Vec<Analysed> = parsed.iter().map(analyze).collect();
    let graphs: Vec<Graph> = parsed
        .iter()
        .zip(&facts)
        .map(|(parsed, facts)| build_graph(parsed, facts))
        .collect();
    let diagnostics: usize = parsed
        .iter()
        .zip(&facts)
        .zip(&graphs)
        .map(|((parsed, facts), graph)| run_lint(parsed, facts, graph))
        .sum();

    // A cache holding every file's result, as an unchanged re-run of `check` would find it.
    let cache_folder = tempfile::tempdir().map_err(|error| format!("temporary folder: {error}"))?;
    let cache = nblint_cache::Cache::in_project(cache_folder.path());
    for path in paths {
        let payload = pipeline(path).to_string();
        cache
            .put(&cache_key(&read(path)), payload.as_bytes())
            .map_err(|error| format!("cache: {error}"))?;
    }

    let rows = vec![
        Row {
            stage: "floor (read + serde_json::Value)",
            time: median(runs, || paths.iter().map(|p| floor(p)).sum::<usize>()),
            parallel: false,
        },
        Row {
            stage: "read (fs::read only)",
            time: median(runs, || paths.iter().map(|p| read(p).len()).sum::<usize>()),
            parallel: false,
        },
        Row {
            stage: "parse (read + Notebook::parse_for_analysis)",
            time: median(runs, || paths.iter().filter_map(|p| parse(p)).count()),
            parallel: false,
        },
        Row {
            stage: "front end (nblint_analysis::analyse)",
            time: median(runs, || {
                for one in &parsed {
                    drop(black_box(analyze(one)));
                }
            }),
            parallel: false,
        },
        Row {
            stage: "graph (Graph::build)",
            time: median(runs, || {
                parsed
                    .iter()
                    .zip(&facts)
                    .for_each(|(parsed, facts)| drop(black_box(build_graph(parsed, facts))));
            }),
            parallel: false,
        },
        Row {
            stage: "lint (all rules)",
            time: median(runs, || {
                parsed
                    .iter()
                    .zip(&facts)
                    .zip(&graphs)
                    .map(|((parsed, facts), graph)| run_lint(parsed, facts, graph))
                    .sum::<usize>()
            }),
            parallel: false,
        },
        Row {
            stage: "pipeline (all of the above)",
            time: median(runs, || paths.iter().map(|p| pipeline(p)).sum::<usize>()),
            parallel: false,
        },
        Row {
            stage: "strip (read + strip_bytes)",
            time: median(runs, || paths.iter().map(|p| strip(p)).sum::<usize>()),
            parallel: false,
        },
        Row {
            stage: "cache hit (read + key + get)",
            time: median(runs, || {
                paths
                    .iter()
                    .filter_map(|p| cache.get(&cache_key(&read(p))))
                    .count()
            }),
            parallel: false,
        },
        Row {
            stage: "floor ‖",
            time: median(runs, || paths.par_iter().map(|p| floor(p)).sum::<usize>()),
            parallel: true,
        },
        Row {
            stage: "pipeline ‖",
            time: median(runs, || {
                paths.par_iter().map(|p| pipeline(p)).sum::<usize>()
            }),
            parallel: true,
        },
        Row {
            stage: "cache hit ‖",
            time: median(runs, || {
                paths
                    .par_iter()
                    .filter_map(|p| cache.get(&cache_key(&read(p))))
                    .count()
            }),
            parallel: true,
        },
    ];

    let summary = format!(
        ", {cells} cells, {diagnostics} diagnostics{}",
        if unreadable > 0 {
            format!(", {unreadable} unreadable (skipped)")
        } else {
            String::new()
        }
    );
    Ok((rows, summary))
}

fn main() -> ExitCode {
    let options = match parse_args() {
        Ok(options) => options,
        Err(message) => {
            let mut stderr = std::io::stderr();
            if message.is_empty() {
                let _ = writeln!(stderr, "{USAGE}");
                return ExitCode::SUCCESS;
            }
            let _ = writeln!(stderr, "nblint-bench: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let paths = match notebooks(&options.paths) {
        Ok(paths) if paths.is_empty() => {
            let _ = writeln!(std::io::stderr(), "nblint-bench: no .ipynb files found");
            return ExitCode::from(2);
        }
        Ok(paths) => paths,
        Err(message) => {
            let _ = writeln!(std::io::stderr(), "nblint-bench: {message}");
            return ExitCode::from(2);
        }
    };
    let runs = options.runs;
    let bytes: u64 = paths
        .iter()
        .filter_map(|path| std::fs::metadata(path).ok())
        .map(|metadata| metadata.len())
        .sum();
    let (rows, summary) = if options.floor_only {
        (floor_rows(&paths, runs), String::new())
    } else {
        match all_rows(&paths, runs) {
            Ok(measured) => measured,
            Err(message) => {
                let _ = writeln!(std::io::stderr(), "nblint-bench: {message}");
                return ExitCode::FAILURE;
            }
        }
    };

    let floor_of = |parallel: bool| {
        rows.iter()
            .find(|row| row.parallel == parallel)
            .map_or(Duration::ZERO, |row| row.time)
    };
    let ms = |time: Duration| time.as_secs_f64() * 1000.0;
    let mut out = String::new();
    if options.tsv {
        for row in &rows {
            let ratio = ms(row.time) / ms(floor_of(row.parallel)).max(f64::MIN_POSITIVE);
            let _ = writeln!(out, "{}\t{:.3}\t{ratio:.2}", row.stage, ms(row.time));
        }
    } else {
        let _ = writeln!(
            out,
            "{} notebooks, {:.1} MB{summary}; median of {runs} runs, {} threads for ‖",
            paths.len(),
            f64::from(u32::try_from(bytes / 1000).unwrap_or(u32::MAX)) / 1e3,
            rayon::current_num_threads(),
        );
        let _ = writeln!(
            out,
            "{:<36} {:>12} {:>16}",
            "stage", "median ms", "ratio to floor"
        );
        for row in &rows {
            let ratio = ms(row.time) / ms(floor_of(row.parallel)).max(f64::MIN_POSITIVE);
            let _ = writeln!(
                out,
                "{:<36} {:>12.2} {:>15.2}x",
                row.stage,
                ms(row.time),
                ratio
            );
        }
    }
    let mut stdout = std::io::stdout().lock();
    if stdout
        .write_all(out.as_bytes())
        .and_then(|()| stdout.flush())
        .is_err()
    {
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
