//! `nblint check [PATH]...`: lint notebooks, print the diagnostics, optionally fix them.
//!
//! This module resolves the arguments once ([`CheckOptions`]) and orchestrates a run: find
//! the inputs (files or staged blobs), check them in parallel, print what each produced and
//! the report. The work is split by concern:
//!
//! - [`pipeline`]: one notebook: read, analyse, lint, the fix loop, the cache lookup;
//! - [`cache`]: the typed cache entry, the settings fingerprint, where the cache lives and
//!   its pruning;
//! - [`notes`]: what the user is told about how a notebook was checked;
//! - [`draw`]: the report in every output format, and its summary.

mod cache;
mod draw;
mod includes;
mod notes;
mod pipeline;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use clap::{Args, ValueEnum};
use nblint_lint::{FixOptions, RuleSelection, Selector};
use nblint_report::OutputFormat;
use rayon::prelude::*;

use crate::ExitStatus;
use crate::config::ConfigResolver;
use cache::ResultCache;
use draw::{ReportStyle, draw_report, read_failure};
use pipeline::{Checked, Input};

/// Arguments of `nblint check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Notebooks or folders to check (folders are walked, `.gitignore` respected); default:
    /// the current folder
    pub paths: Vec<PathBuf>,
    /// How to print diagnostics
    #[arg(long, value_enum, default_value_t = Format::Full)]
    pub output_format: Format,
    /// Rules to run: codes (NB201), prefixes (NB2), names (undefined-above) or ALL;
    /// comma-separated or repeated. Default: every rule but NB205 and NB206 (`nblint rule` says which
    /// are outside the default selection)
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    pub select: Vec<String>,
    /// Rules to run besides the selected ones (or the default selection), in the same forms
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    pub extend_select: Vec<String>,
    /// Rules not to run, in the same forms as --select
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    pub ignore: Vec<String>,
    /// Use this configuration file instead of the nearest nblint.toml
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Apply the fixes that are safe, then report what remains. Each fix is checked before
    /// anything is written: every cell it touches must still parse and keep its other code,
    /// and no cell holding text, outputs or metadata is deleted; a fix that fails is not
    /// applied and the reason is printed
    #[arg(long)]
    pub fix: bool,
    /// With --fix: also apply the fixes marked unsafe (they may change what the notebook
    /// does, such as an import moved above the cell that sets an environment variable)
    #[arg(long, requires = "fix")]
    pub unsafe_fixes: bool,
    /// With --fix: show what would change instead of writing
    #[arg(long)]
    pub diff: bool,
    /// Lint the notebooks as staged in the git index (what the next commit holds), not the
    /// working files: without PATHs every staged notebook that differs from HEAD, with PATHs
    /// the staged notebooks under them. Positions are those of the staged version
    #[arg(long)]
    pub staged: bool,
    /// Read code cells as this language (`rust` or `python`) instead of what each
    /// notebook's kernel metadata (or `language` in nblint.toml) says; without either, the
    /// language is guessed from the cells (Python unless they hold evcxr commands or parse
    /// only as Rust), with a note
    #[arg(long, value_parser = nblint_analysis::parse_language)]
    pub language: Option<nblint_facts::Language>,
    /// Neither read nor write the result cache, which makes re-checking unchanged notebooks
    /// fast (`.nblint_cache/` at the project root: the nearest folder above the current one
    /// with an `nblint.toml` or a `.git`, else the current folder)
    #[arg(long)]
    pub no_cache: bool,
    /// Keep the result cache in DIR (also `$NBLINT_CACHE_DIR`). After each run the cache is
    /// pruned, oldest entries first, to `$NBLINT_CACHE_MAX_BYTES` (default 256 MiB)
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
}

/// Output formats, as `--output-format` spells them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Source snippets with labels and a summary
    Full,
    /// One line per diagnostic: `path:cell N:line:col: CODE message`
    Concise,
    /// A JSON array of diagnostics
    Json,
    /// SARIF 2.1.0
    Sarif,
    /// GitHub Actions annotations
    Github,
}

impl From<Format> for OutputFormat {
    fn from(format: Format) -> Self {
        match format {
            Format::Full => Self::Full,
            Format::Concise => Self::Concise,
            Format::Json => Self::Json,
            Format::Sarif => Self::Sarif,
            Format::Github => Self::Github,
        }
    }
}

/// What `--fix` asks for.
#[derive(Debug, Clone, Copy)]
struct FixMode {
    /// `--unsafe-fixes`.
    options: FixOptions,
    /// `--diff`: print what would change instead of writing.
    diff: bool,
}

/// Where `check` keeps its results.
enum CachePlace {
    /// No cache: `--no-cache`, or `--fix`, which rewrites the file and is rare enough not to
    /// need one.
    Off,
    /// The default place: `$NBLINT_CACHE_DIR`, else `.nblint_cache/` at the project root.
    Default,
    /// `--cache-dir`.
    Folder(PathBuf),
}

/// The arguments of one run, resolved once and shared by every notebook: what each
/// notebook's check needs, with no `CheckArgs` left to interpret.
struct CheckOptions {
    /// The paths given (none: the current folder, or every staged notebook).
    paths: Vec<PathBuf>,
    /// `--staged`: lint the blobs in the git index.
    staged: bool,
    /// Where the result cache lives, if anywhere.
    cache: CachePlace,
    /// `--select`/`--ignore`, over each notebook's configuration.
    selection: RuleSelection,
    /// Each notebook's configuration (`--config`, else the nearest `nblint.toml`).
    resolver: ConfigResolver,
    /// `--language`.
    language: Option<nblint_facts::Language>,
    /// `--fix` and its companions; `None` without `--fix`.
    fix: Option<FixMode>,
    /// How the report is drawn.
    style: ReportStyle,
}

impl CheckOptions {
    /// Resolves the arguments, in the order their errors are reported.
    fn resolve(args: &CheckArgs) -> Result<Self> {
        if args.diff && !args.fix {
            anyhow::bail!("--diff previews fixes: use it with --fix");
        }
        let selection = cli_selection(args)?;
        let resolver = match &args.config {
            Some(path) => ConfigResolver::explicit(path)?,
            None => ConfigResolver::default(),
        };
        Ok(Self {
            paths: args.paths.clone(),
            staged: args.staged,
            cache: match &args.cache_dir {
                _ if args.no_cache || args.fix => CachePlace::Off,
                None => CachePlace::Default,
                Some(dir) => CachePlace::Folder(dir.clone()),
            },
            selection,
            resolver,
            language: args.language.clone(),
            fix: args.fix.then_some(FixMode {
                options: FixOptions {
                    unsafe_fixes: args.unsafe_fixes,
                },
                diff: args.diff,
            }),
            style: ReportStyle {
                format: args.output_format.into(),
                color: args.output_format == Format::Full && use_color(),
            },
        })
    }

    /// Whether fixes are previewed (`--fix --diff`) rather than written.
    fn previews_fixes(&self) -> bool {
        self.fix.is_some_and(|fix| fix.diff)
    }
}

/// Lints notebooks and reports.
pub fn run(args: &CheckArgs) -> Result<ExitStatus> {
    let options = CheckOptions::resolve(args)?;
    let cache = match &options.cache {
        CachePlace::Off => None,
        CachePlace::Default => ResultCache::open(None),
        CachePlace::Folder(dir) => ResultCache::open(Some(dir)),
    };
    if options.staged {
        return check_staged(&options, cache.as_ref());
    }
    let mut status = ExitStatus::Success;
    let mut inputs = Vec::new();
    let paths = if options.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        options.paths.clone()
    };
    for found in crate::discover::notebooks_under(&paths) {
        match found {
            Ok(path) => inputs.push(Input { path, bytes: None }),
            Err(error) => {
                crate::report_error(&error);
                status = ExitStatus::Error;
            }
        }
    }
    let status = status.max(check_inputs(&options, cache.as_ref(), inputs, true)?);
    if let Some(cache) = &cache {
        cache.prune();
    }
    Ok(status)
}

/// `check --staged`: lints the blobs in the git index (or in `GIT_INDEX_FILE`, which git sets
/// for hooks during `git commit -a` and `git commit PATH`), each configured by its
/// working-tree path.
fn check_staged(options: &CheckOptions, cache: Option<&ResultCache>) -> Result<ExitStatus> {
    if options.fix.is_some_and(|fix| !fix.diff) {
        anyhow::bail!(
            "--fix writes working files, not the index: with --staged, preview fixes with --fix --diff"
        );
    }
    let cwd = std::env::current_dir().context("reading the current folder")?;
    // git resolves a relative GIT_INDEX_FILE against the folder it runs in.
    let index_file = std::env::var_os("GIT_INDEX_FILE")
        .filter(|file| !file.is_empty())
        .map(|file| cwd.join(file));
    let staged = nblint_git::staged_notebooks(&nblint_git::StagedQuery {
        cwd: &cwd,
        paths: &options.paths,
        index_file: index_file.as_deref(),
    })?;
    {
        let mut stderr = std::io::stderr().lock();
        for path in &staged.unmatched {
            writeln!(
                stderr,
                "note: {}: no staged notebook (not added, or deleted from the index)",
                path.display()
            )?;
        }
    }
    let inputs = staged
        .notebooks
        .into_iter()
        .map(|notebook| Input {
            path: notebook.path,
            bytes: Some(notebook.bytes),
        })
        .collect();
    check_inputs(options, cache, inputs, false)
}

/// What every notebook of one `check` run shares.
struct Run<'a> {
    options: &'a CheckOptions,
    cache: Option<&'a ResultCache>,
    /// False for staged blobs, which `--fix` must not write over the working file.
    writable: bool,
    /// The notebooks of the run that another one runs with `%run`, each with its runner
    /// (see [`includes::run_targets`]).
    run_by: std::collections::HashMap<PathBuf, PathBuf>,
}

/// Lints `inputs` (in parallel), prints the report, and returns the exit status. `writable`
/// is false for staged blobs, which `--fix` must not write over the working file.
fn check_inputs(
    options: &CheckOptions,
    cache: Option<&ResultCache>,
    inputs: Vec<Input>,
    writable: bool,
) -> Result<ExitStatus> {
    let run = Run {
        options,
        cache,
        writable,
        run_by: includes::run_targets(&inputs),
    };
    let progress = crate::progress::bar(inputs.len(), "checking");
    let outcomes: Vec<(PathBuf, Result<Checked>)> = inputs
        .into_par_iter()
        .map(|Input { path, bytes }| {
            let result = pipeline::check_input(&path, bytes, &run);
            progress.inc(1);
            (path, result)
        })
        .collect();
    progress.finish_and_clear();

    let mut status = ExitStatus::Success;
    let mut quiet_notebooks = Vec::new();
    let mut stderr = std::io::stderr().lock();
    let mut stdout = std::io::stdout().lock();
    let mut checked_notebooks = Vec::new();
    let mut held_back = 0;
    let mut failures = Vec::new();
    for (path, outcome) in &outcomes {
        match outcome {
            Ok(checked) => {
                for note in &checked.notes {
                    writeln!(stderr, "note: {}: {note}", path.display())?;
                }
                for quiet in &checked.quiet {
                    quiet_notebooks.push((path.as_path(), quiet));
                }
                if checked.fixed > 0 && !options.previews_fixes() {
                    writeln!(
                        stderr,
                        "fixed {} problem{} in {}",
                        checked.fixed,
                        if checked.fixed == 1 { "" } else { "s" },
                        path.display()
                    )?;
                }
                for refusal in &checked.refused {
                    writeln!(
                        stderr,
                        "warning: {}: fix for {} in cell {} not applied: {}",
                        path.display(),
                        refusal.code,
                        refusal.cell,
                        refusal.reason
                    )?;
                }
                held_back += checked.held_back;
                if let Some(diff) = &checked.diff {
                    stdout.write_all(diff.as_bytes())?;
                }
                if checked.shown.counts().problems > 0 {
                    status = status.max(ExitStatus::Findings);
                }
                checked_notebooks.push((path.as_path(), checked));
            }
            Err(error) => {
                writeln!(stderr, "error: {error:#}")?;
                // Also a finding in the report (NB000), whatever the format.
                failures.push(read_failure(path, error));
                status = ExitStatus::Error;
            }
        }
    }
    if held_back > 0 {
        writeln!(
            stderr,
            "note: {held_back} unsafe fix{} not applied (they may change what the notebook does; \
             review them, then use --unsafe-fixes)",
            if held_back == 1 { " was" } else { "es were" }
        )?;
    }
    drop(stderr);
    let bytes = draw_report(options.style, &checked_notebooks, &failures);
    stdout.write_all(&bytes)?;
    stdout.flush()?;
    // One line per rule, not one per notebook: a project whose notebooks all start with a
    // glob import would otherwise get a note for each.
    let mut stderr = std::io::stderr().lock();
    for note in notes::quiet_summary(&quiet_notebooks) {
        writeln!(stderr, "note: {note}")?;
    }
    Ok(status)
}

/// `--select`/`--extend-select`/`--ignore` as a selection (empty when none was given).
fn cli_selection(args: &CheckArgs) -> Result<RuleSelection> {
    let parse = |list: &[String]| -> Result<Vec<Selector>> {
        list.iter()
            .filter(|text| !text.trim().is_empty())
            .map(|text| Selector::parse(text).map_err(anyhow::Error::from))
            .collect()
    };
    Ok(RuleSelection {
        select: parse(&args.select)?,
        extend_select: parse(&args.extend_select)?,
        ignore: parse(&args.ignore)?,
    })
}

/// The path as the user should read it: relative paths as given, without a leading `./`.
fn display_path(path: &Path) -> String {
    let text = path.display().to_string();
    text.strip_prefix("./").map_or(text.clone(), str::to_owned)
}

/// Colour on a terminal unless `NO_COLOR` is set (to anything non-empty), or forced with
/// `CLICOLOR_FORCE`.
fn use_color() -> bool {
    let set = |name: &str| std::env::var_os(name).is_some_and(|value| !value.is_empty());
    if set("NO_COLOR") {
        return false;
    }
    set("CLICOLOR_FORCE") || std::io::stdout().is_terminal()
}
