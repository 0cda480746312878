//! `nblint check [PATH]...`: lint notebooks, print the diagnostics, optionally fix them.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use clap::{Args, ValueEnum};
use nblint_graph::Graph;
use nblint_lint::{Config, Context, Diagnostic, RuleSelection, Selector, apply_fixes, lint};
use nblint_notebook::{FileLines, Notebook, write_atomically};
use nblint_report::{NotebookReport, OutputFormat, render};
use rayon::prelude::*;

use crate::ExitStatus;
use crate::config::ConfigResolver;
use crate::frontends::{Analysed, analyse};

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
    /// comma-separated or repeated
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    pub select: Vec<String>,
    /// Rules not to run, in the same forms as --select
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    pub ignore: Vec<String>,
    /// Use this configuration file instead of the nearest nblint.toml
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Apply the fixes that are safe, then report what remains
    #[arg(long)]
    pub fix: bool,
    /// With --fix: show what would change instead of writing
    #[arg(long)]
    pub diff: bool,
    /// Lint the notebooks as staged in the git index (what the next commit holds), not the
    /// working files: without PATHs every staged notebook that differs from HEAD, with PATHs
    /// the staged notebooks under them. Positions are those of the staged version
    #[arg(long)]
    pub staged: bool,
    /// Read code cells as this language (`rust` or `python`) instead of what each
    /// notebook's kernel metadata says
    #[arg(long, value_parser = crate::frontends::parse_language)]
    pub language: Option<nblint_facts::Language>,
    /// Neither read nor write the result cache (`.nblint_cache/` in the current folder, or
    /// `$NBLINT_CACHE_DIR`), which makes re-checking unchanged notebooks fast
    #[arg(long)]
    pub no_cache: bool,
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

/// What checking one notebook produced.
struct Checked {
    notebook: Notebook,
    diagnostics: Vec<Diagnostic>,
    /// Notes for the user: what was not analysed.
    notes: Vec<String>,
    /// Why undefined-name (NB202) stayed quiet in this notebook, if it did.
    quiet: Option<String>,
    fixed: usize,
    diff: Option<String>,
    file_lines: Option<FileLines>,
}

/// One input: its path as shown to the user and its bytes (from disk or the git index).
pub struct Input {
    /// The path as shown.
    pub path: PathBuf,
    /// The bytes, when already read (staged blobs); `None` reads the file.
    pub bytes: Option<Vec<u8>>,
}

/// Lints notebooks and reports.
pub fn run(args: &CheckArgs) -> Result<ExitStatus> {
    if args.diff && !args.fix {
        anyhow::bail!("--diff previews fixes: use it with --fix");
    }
    let selection = cli_selection(args)?;
    let resolver = match &args.config {
        Some(path) => ConfigResolver::explicit(path)?,
        None => ConfigResolver::default(),
    };
    let cache = ResultCache::open(args);
    if args.staged {
        return check_staged(args, &selection, &resolver, cache.as_ref());
    }
    let mut status = ExitStatus::Success;
    let mut inputs = Vec::new();
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
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
    let status = status.max(check_inputs(
        args,
        &selection,
        &resolver,
        cache.as_ref(),
        inputs,
        true,
    )?);
    Ok(status)
}

/// `check --staged`: lints the blobs in the git index (or in `GIT_INDEX_FILE`, which git sets
/// for hooks during `git commit -a` and `git commit PATH`), each configured by its
/// working-tree path.
fn check_staged(
    args: &CheckArgs,
    selection: &RuleSelection,
    resolver: &ConfigResolver,
    cache: Option<&ResultCache>,
) -> Result<ExitStatus> {
    if args.fix && !args.diff {
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
        paths: &args.paths,
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
    check_inputs(args, selection, resolver, cache, inputs, false)
}

/// Lints `inputs` (in parallel), prints the report, and returns the exit status. `writable`
/// is false for staged blobs, which `--fix` must not write over the working file.
pub fn check_inputs(
    args: &CheckArgs,
    selection: &RuleSelection,
    resolver: &ConfigResolver,
    cache: Option<&ResultCache>,
    inputs: Vec<Input>,
    writable: bool,
) -> Result<ExitStatus> {
    let progress = crate::progress::bar(inputs.len(), "checking");
    let outcomes: Vec<(PathBuf, Result<Checked>)> = inputs
        .into_par_iter()
        .map(|Input { path, bytes }| {
            let result = check_one(&path, bytes, args, selection, resolver, cache, writable);
            progress.inc(1);
            (path, result)
        })
        .collect();
    progress.finish_and_clear();

    let mut status = ExitStatus::Success;
    let mut reports = Vec::new();
    let mut quiet_notebooks = Vec::new();
    let mut stderr = std::io::stderr().lock();
    let mut stdout = std::io::stdout().lock();
    for (path, outcome) in &outcomes {
        match outcome {
            Ok(checked) => {
                for note in &checked.notes {
                    writeln!(stderr, "note: {}: {note}", path.display())?;
                }
                if let Some(quiet) = &checked.quiet {
                    quiet_notebooks.push((path, quiet));
                }
                if checked.fixed > 0 && !args.diff {
                    writeln!(
                        stderr,
                        "fixed {} problem{} in {}",
                        checked.fixed,
                        if checked.fixed == 1 { "" } else { "s" },
                        path.display()
                    )?;
                }
                if let Some(diff) = &checked.diff {
                    stdout.write_all(diff.as_bytes())?;
                }
                if !checked.diagnostics.is_empty() {
                    status = status.max(ExitStatus::Findings);
                }
                reports.push(NotebookReport {
                    path: display_path(path),
                    notebook: &checked.notebook,
                    diagnostics: checked.diagnostics.clone(),
                    file_lines: checked.file_lines.clone(),
                });
            }
            Err(error) => {
                writeln!(stderr, "error: {error:#}")?;
                status = ExitStatus::Error;
            }
        }
    }
    drop(stderr);
    let color = args.output_format == Format::Full && use_color();
    let bytes = render(args.output_format.into(), &reports, color);
    stdout.write_all(&bytes)?;
    stdout.flush()?;
    // One line, not one per notebook: a project whose notebooks all start with a glob
    // import would otherwise get a note for each.
    let mut stderr = std::io::stderr().lock();
    match quiet_notebooks.as_slice() {
        [] => {}
        [(path, why)] => writeln!(stderr, "note: {}: {why}", path.display())?,
        many => writeln!(
            stderr,
            "note: undefined-name (NB202) stayed quiet in {} notebooks that bring in names \
             nblint cannot list (a star or glob import, `%run`, `%store -r`, `#[macro_use]`) \
             or have a cell that does not parse",
            many.len()
        )?,
    }
    Ok(status)
}

/// `--select`/`--ignore` as a selection (empty when neither was given).
pub fn cli_selection(args: &CheckArgs) -> Result<RuleSelection> {
    let parse = |list: &[String]| -> Result<Vec<Selector>> {
        list.iter()
            .filter(|text| !text.trim().is_empty())
            .map(|text| Selector::parse(text).map_err(anyhow::Error::from))
            .collect()
    };
    Ok(RuleSelection {
        select: parse(&args.select)?,
        ignore: parse(&args.ignore)?,
    })
}

/// Checks one notebook: its bytes when already read (staged blobs), else the file at `path`.
fn check_one(
    path: &Path,
    bytes: Option<Vec<u8>>,
    args: &CheckArgs,
    cli: &RuleSelection,
    resolver: &ConfigResolver,
    cache: Option<&ResultCache>,
    writable: bool,
) -> Result<Checked> {
    let bytes = match bytes {
        Some(bytes) => bytes,
        None => std::fs::read(path).with_context(|| format!("reading {}", path.display()))?,
    };
    let config = resolver.config_for(path)?;
    let selection = config.selection_for(path).overridden_by(cli);
    // The result depends on the bytes, this build, and the settings that apply to this file.
    let cached = cache.map(|cache| {
        let fingerprint = format!("{:?}|{:?}|{:?}", config.settings, selection, args.language);
        (cache, cache.key(&bytes, &fingerprint))
    });
    if let Some((cache, key)) = &cached
        && let Some(hit) = cache.get(key)
    {
        // The entry holds the sources the report shows; only SARIF and GitHub annotations,
        // which point at lines of the .ipynb file, need the whole notebook again.
        let whole = matches!(args.output_format, Format::Sarif | Format::Github);
        let notebook = match (whole, Notebook::parse(&hit.sources)) {
            (false, Ok(sources)) => sources,
            _ => Notebook::parse_for_analysis(&bytes)
                .with_context(|| format!("reading {}", path.display()))?,
        };
        let mut checked = finish(notebook, hit.diagnostics, hit.notes, args, &bytes);
        checked.quiet = hit.quiet;
        return Ok(checked);
    }
    // Only --fix writes the notebook back; otherwise outputs are read for their types alone.
    let parse = if args.fix {
        Notebook::parse
    } else {
        Notebook::parse_for_analysis
    };
    let mut notebook = parse(&bytes).with_context(|| format!("reading {}", path.display()))?;
    let mut analysed = analyse(&notebook, args.language.as_ref());
    let mut diagnostics = lint_analysed(&notebook, &analysed, &config, &selection);
    let (notes, quiet) = notes_for(&analysed, &selection);
    if let Some((cache, key)) = &cached {
        cache.put(key, &notes, quiet.as_deref(), &diagnostics, &notebook);
    }
    let mut fixed = 0;
    let mut diff = None;
    let mut final_bytes = None;
    if args.fix {
        let before = notebook.clone();
        // Fixes can unlock or conflict with each other: apply, re-lint, repeat a few times.
        for _ in 0..4 {
            if !diagnostics
                .iter()
                .any(|diagnostic| diagnostic.fix.is_some())
            {
                break;
            }
            let applied = apply_fixes(&mut notebook, &diagnostics)
                .with_context(|| format!("fixing {}", path.display()))?;
            if applied == 0 {
                break;
            }
            fixed += applied;
            analysed = analyse(&notebook, args.language.as_ref());
            diagnostics = lint_analysed(&notebook, &analysed, &config, &selection);
        }
        if fixed > 0 {
            let new_bytes = notebook.to_original_style_bytes();
            if new_bytes != bytes {
                if args.diff {
                    diff = Some(source_diff(&before, &notebook, path));
                } else if writable {
                    write_atomically(path, &new_bytes)
                        .with_context(|| format!("writing {}", path.display()))?;
                    final_bytes = Some(new_bytes);
                }
            }
        }
    }
    let mut checked = finish(
        notebook,
        diagnostics,
        notes,
        args,
        final_bytes.as_deref().unwrap_or(&bytes),
    );
    checked.fixed = fixed;
    checked.diff = diff;
    checked.quiet = quiet;
    Ok(checked)
}

/// The outcome of checking one notebook, from its diagnostics however they were obtained.
fn finish(
    mut notebook: Notebook,
    diagnostics: Vec<Diagnostic>,
    notes: Vec<String>,
    args: &CheckArgs,
    bytes: &[u8],
) -> Checked {
    // The report shows sources only; the outputs (most of a notebook's bytes, often) would
    // otherwise stay in memory for every notebook until all are rendered.
    release_outputs(&mut notebook);
    // SARIF and GitHub annotations point at lines of the file; the others do not need them.
    let file_lines = matches!(args.output_format, Format::Sarif | Format::Github)
        .then(|| FileLines::new(&String::from_utf8_lossy(bytes)));
    Checked {
        notebook,
        diagnostics,
        notes,
        quiet: None,
        fixed: 0,
        diff: None,
        file_lines,
    }
}

/// What the user should know about how this notebook was checked: cells in a language
/// nblint does not read, and undefined-name checks silenced by names nblint cannot see.
fn notes_for(analysed: &Analysed, selection: &RuleSelection) -> (Vec<String>, Option<String>) {
    if analysed.frontend.is_none() {
        let note = format!(
            "code cells are {}, which nblint does not analyse yet; only the language-independent rules ran",
            analysed.language.name()
        );
        return (vec![note], None);
    }
    let undefined_name_runs =
        nblint_lint::find_rule("NB202").is_some_and(|rule| selection.is_enabled(rule));
    if !undefined_name_runs {
        return (Vec::new(), None);
    }
    let cells = || {
        analysed
            .facts
            .cells
            .iter()
            .enumerate()
            .filter_map(|(index, facts)| facts.as_ref().map(|facts| (index + 1, facts)))
    };
    let quiet = if let Some((cell, _)) = cells().find(|(_, facts)| facts.binds_unknown_names) {
        Some(format!(
            "undefined-name (NB202) stays quiet in this notebook: cell {cell} brings in names \
             nblint cannot list (a star or glob import, `%run`, `%store -r`, `#[macro_use]`)"
        ))
    } else if let Some((cell, _)) = cells().find(|(_, facts)| !facts.parsed()) {
        Some(format!(
            "undefined-name (NB202) stays quiet in this notebook: cell {cell} does not parse, \
             so the names it defines are unknown"
        ))
    } else {
        None
    };
    (Vec::new(), quiet)
}

/// Frees the outputs of the in-memory notebook (the cell view, with its output counts,
/// is kept; the notebook is not written after this).
fn release_outputs(notebook: &mut Notebook) {
    if let Some(serde_json::Value::Array(cells)) = notebook.json_mut().get_mut("cells") {
        for cell in cells
            .iter_mut()
            .filter_map(serde_json::Value::as_object_mut)
        {
            if let Some(serde_json::Value::Array(outputs)) = cell.get_mut("outputs") {
                *outputs = Vec::new();
            }
        }
    }
}

/// What a cache entry gives back.
struct CachedResult {
    notes: Vec<String>,
    quiet: Option<String>,
    diagnostics: Vec<Diagnostic>,
    /// A notebook with every cell, holding the sources of the cells the diagnostics point at
    /// (their related places and fixes included) and nothing else: enough to render them.
    sources: Vec<u8>,
}

/// The notebook a cached report is rendered from: the same cells, numbered the same, with
/// the source of each cell a diagnostic points at and nothing else. Small, and quick to read
/// back, so a cached run does not parse the whole notebook again.
fn report_sources(notebook: &Notebook, diagnostics: &[Diagnostic]) -> Vec<u8> {
    let mut needed = std::collections::HashSet::new();
    for diagnostic in diagnostics {
        needed.insert(diagnostic.cell);
        needed.extend(diagnostic.related.iter().map(|related| related.cell));
        if let Some(fix) = &diagnostic.fix {
            needed.extend(fix.edits.iter().map(nblint_lint::Edit::cell));
        }
    }
    let cells: Vec<serde_json::Value> = notebook
        .cells()
        .iter()
        .map(|cell| {
            let source = if needed.contains(&cell.number) {
                cell.source.as_str()
            } else {
                ""
            };
            let mut json = serde_json::json!({
                "cell_type": cell.kind.as_str(),
                "metadata": {},
                "source": source,
            });
            if cell.is_code()
                && let Some(object) = json.as_object_mut()
            {
                object.insert("outputs".to_owned(), serde_json::Value::Array(Vec::new()));
                object.insert("execution_count".to_owned(), serde_json::Value::Null);
            }
            json
        })
        .collect();
    serde_json::to_vec(&serde_json::json!({
        "cells": cells,
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }))
    .unwrap_or_default()
}

/// The result cache as `check` uses it: diagnostics per (file bytes, build, settings).
pub struct ResultCache {
    cache: nblint_cache::Cache,
    /// This build: the version and the executable's size and modification time, so a
    /// rebuilt binary never reads results of an older one.
    build: String,
}

impl ResultCache {
    /// The cache for this run, or `None` with `--no-cache` or `--fix` (fixing rewrites the
    /// file, and is rare enough not to need it).
    fn open(args: &CheckArgs) -> Option<Self> {
        if args.no_cache || args.fix {
            return None;
        }
        let cache = match std::env::var_os("NBLINT_CACHE_DIR").filter(|dir| !dir.is_empty()) {
            Some(dir) => nblint_cache::Cache::at(Path::new(&dir)),
            None => nblint_cache::Cache::in_project(&std::env::current_dir().ok()?),
        };
        let executable = std::env::current_exe()
            .and_then(std::fs::metadata)
            .map(|metadata| {
                let modified = metadata
                    .modified()
                    .ok()
                    .and_then(|time| time.duration_since(std::time::UNIX_EPOCH).ok())
                    .map_or(0, |since| since.as_nanos());
                format!("{}:{modified}", metadata.len())
            })
            .unwrap_or_default();
        Some(Self {
            cache,
            build: format!("{}:{executable}", env!("CARGO_PKG_VERSION")),
        })
    }

    fn key(&self, bytes: &[u8], fingerprint: &str) -> nblint_cache::CacheKey {
        nblint_cache::CacheKey::new(bytes, &self.build, fingerprint, "check-result-v4")
    }

    /// The entry stored under `key`: the notes one a line, a NUL byte, why NB202 stayed quiet
    /// (or nothing), a NUL byte, the diagnostics, a NUL byte, then the sources the report
    /// shows.
    fn get(&self, key: &nblint_cache::CacheKey) -> Option<CachedResult> {
        let payload = self.cache.get(key)?;
        let mut parts = payload.splitn(4, |&byte| byte == 0);
        let notes = std::str::from_utf8(parts.next()?).ok()?;
        let notes = notes.lines().map(str::to_owned).collect();
        let quiet = std::str::from_utf8(parts.next()?).ok()?;
        let quiet = (!quiet.is_empty()).then(|| quiet.to_owned());
        let diagnostics = nblint_lint::diagnostics_from_bytes(parts.next()?)?;
        let sources = parts.next()?.to_vec();
        Some(CachedResult {
            notes,
            quiet,
            diagnostics,
            sources,
        })
    }

    /// Best effort: a cache that cannot be written only makes the next run slower.
    fn put(
        &self,
        key: &nblint_cache::CacheKey,
        notes: &[String],
        quiet: Option<&str>,
        diagnostics: &[Diagnostic],
        notebook: &Notebook,
    ) {
        let mut payload = notes.join("\n").into_bytes();
        payload.push(0);
        payload.extend_from_slice(quiet.unwrap_or_default().as_bytes());
        payload.push(0);
        payload.extend(nblint_lint::diagnostics_to_bytes(diagnostics));
        payload.push(0);
        payload.extend(report_sources(notebook, diagnostics));
        let _ = self.cache.put(key, &payload);
    }
}

fn lint_analysed(
    notebook: &Notebook,
    analysed: &Analysed,
    config: &Config,
    selection: &RuleSelection,
) -> Vec<Diagnostic> {
    let is_builtin = |name: &str| {
        analysed
            .frontend
            .is_some_and(|frontend| frontend.is_builtin(name))
    };
    let graph = Graph::build(notebook, &analysed.facts, &is_builtin);
    let context = Context {
        notebook,
        facts: &analysed.facts,
        graph: &graph,
        settings: &config.settings,
        language: &analysed.language,
        analysed: analysed.frontend.is_some(),
    };
    lint(&context, selection)
}

/// A unified diff of the cell sources before and after fixing.
fn source_diff(before: &Notebook, after: &Notebook, path: &Path) -> String {
    let text = |notebook: &Notebook| {
        let mut out = String::new();
        for cell in notebook.cells() {
            out.push_str(&format!(
                "# cell {} [{}]\n",
                cell.number,
                cell.kind.as_str()
            ));
            out.push_str(&cell.source);
            if !cell.source.ends_with('\n') {
                out.push('\n');
            }
        }
        out
    };
    let old = text(before);
    let new = text(after);
    similar::TextDiff::from_lines(&old, &new)
        .unified_diff()
        .context_radius(2)
        .header(
            &display_path(path),
            &format!("{} (fixed)", display_path(path)),
        )
        .to_string()
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
