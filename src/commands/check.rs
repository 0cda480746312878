//! `nblint check [PATH]...`: lint notebooks, print the diagnostics, optionally fix them.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use clap::{Args, ValueEnum};
use nblint_lint::{
    Analysis, Applicability, Diagnostic, FixOptions, RuleSelection, Selector, apply_fixes,
};
use nblint_notebook::{FileLines, Notebook, ReadStamp};
use nblint_report::{NotebookReport, OutputFormat, ReadFailure, render_with_failures};
use rayon::prelude::*;

use crate::ExitStatus;
use crate::config::ConfigResolver;
use nblint_analysis::{Analysed, Choice, analyse};

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

/// What checking one notebook produced.
struct Checked {
    shown: Shown,
    /// Notes for the user: what was not analysed.
    notes: Vec<String>,
    /// Why undefined-name (NB202) stayed quiet in this notebook, if it did.
    quiet: Option<String>,
    fixed: usize,
    /// Fixes the checks refused, and why.
    refused: Vec<nblint_lint::Refusal>,
    /// Fixes left unapplied because they are unsafe (without `--unsafe-fixes`).
    held_back: usize,
    diff: Option<String>,
}

/// What the report shows of one notebook.
enum Shown {
    /// Its diagnostics, with what is needed to draw them.
    Diagnostics {
        notebook: Notebook,
        diagnostics: Vec<Diagnostic>,
        file_lines: Option<FileLines>,
    },
    /// Its part of the report (for formats drawn a notebook at a time), and its counts.
    Drawn {
        part: Vec<u8>,
        counts: nblint_report::Counts,
    },
}

impl Shown {
    fn counts(&self) -> nblint_report::Counts {
        match self {
            Self::Diagnostics { diagnostics, .. } => {
                nblint_report::Counts::of_diagnostics(diagnostics)
            }
            Self::Drawn { counts, .. } => *counts,
        }
    }
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
    if let Some(cache) = &cache {
        cache.prune();
    }
    Ok(status)
}

/// Where a project's cache lives: the nearest folder from `start` upwards that holds an
/// `nblint.toml` or a `.git`, else `start` itself.
fn project_root(start: &Path) -> PathBuf {
    start
        .ancestors()
        .find(|folder| folder.join("nblint.toml").is_file() || folder.join(".git").exists())
        .unwrap_or(start)
        .to_path_buf()
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
    let run = Run {
        args,
        selection,
        resolver,
        cache,
        style: ReportStyle {
            format: args.output_format.into(),
            color: args.output_format == Format::Full && use_color(),
        },
        writable,
    };
    let progress = crate::progress::bar(inputs.len(), "checking");
    let outcomes: Vec<(PathBuf, Result<Checked>)> = inputs
        .into_par_iter()
        .map(|Input { path, bytes }| {
            let result = check_input(&path, bytes, &run);
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
    let bytes = draw_report(run.style, &checked_notebooks, &failures);
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
             nblint cannot list (a star or glob import, `%run`, `%store -r`, `exec`, a write \
             through `globals()`, `#[macro_use]`, \
             an item-defining `macro_rules!`) or have a cell that does not parse",
            many.len()
        )?,
    }
    Ok(status)
}

/// How the report is drawn: what a stored part of it depends on, besides the notebook.
#[derive(Debug, Clone, Copy)]
struct ReportStyle {
    format: OutputFormat,
    color: bool,
}

impl ReportStyle {
    /// What a notebook's stored part is drawn for: these options and the path shown.
    fn tag(self, path: &str) -> String {
        format!("{:?}|{}|{path}", self.format, self.color)
    }
}

/// A notebook that could not be checked, as the report shows it (NB000): the error's cell
/// or place in the file, when it is a notebook that could not be parsed.
fn read_failure(path: &Path, error: &anyhow::Error) -> ReadFailure {
    let cause = error
        .chain()
        .find_map(|cause| cause.downcast_ref::<nblint_notebook::NotebookError>());
    ReadFailure {
        path: display_path(path),
        message: format!("{error:#}"),
        cell: cause.and_then(nblint_notebook::NotebookError::cell),
        position: cause.and_then(nblint_notebook::NotebookError::file_position),
    }
}

/// The report of all checked notebooks, in order, then the notebooks that could not be
/// checked (`failures`): the parts drawn as each notebook was checked and the summary, or
/// for the other formats the whole report drawn from the diagnostics.
fn draw_report(
    style: ReportStyle,
    checked: &[(&Path, &Checked)],
    failures: &[ReadFailure],
) -> Vec<u8> {
    if style.format.draws_each_notebook() {
        let failure_parts: Vec<Vec<u8>> = failures
            .iter()
            .map(|failure| {
                nblint_report::render_failure(style.format, failure, style.color)
                    .unwrap_or_default()
            })
            .collect();
        let parts = checked
            .iter()
            .map(|(_, checked)| match &checked.shown {
                Shown::Drawn { part, .. } => part.as_slice(),
                Shown::Diagnostics { .. } => &[][..],
            })
            .chain(failure_parts.iter().map(Vec::as_slice));
        let counts = checked
            .iter()
            .map(|(_, checked)| checked.shown.counts())
            .sum::<nblint_report::Counts>()
            + nblint_report::Counts {
                unreadable: failures.len(),
                ..nblint_report::Counts::default()
            };
        return nblint_report::join_parts(parts, counts);
    }
    let reports: Vec<NotebookReport<'_>> = checked
        .iter()
        .filter_map(|(path, checked)| match &checked.shown {
            Shown::Diagnostics {
                notebook,
                diagnostics,
                file_lines,
            } => Some(NotebookReport {
                path: display_path(path),
                notebook,
                diagnostics,
                file_lines: file_lines.as_ref(),
            }),
            Shown::Drawn { .. } => None,
        })
        .collect();
    render_with_failures(style.format, &reports, failures, style.color)
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

/// What every notebook of one `check` run shares.
struct Run<'a> {
    args: &'a CheckArgs,
    /// `--select`/`--ignore`, over each notebook's configuration.
    selection: &'a RuleSelection,
    resolver: &'a ConfigResolver,
    cache: Option<&'a ResultCache>,
    style: ReportStyle,
    /// False for staged blobs, which `--fix` must not write over the working file.
    writable: bool,
}

/// Checks one input: its bytes when already read (staged blobs), else the file at `path`.
/// A file is stamped as it is read, so that `--fix` never writes over a newer save.
fn check_input(path: &Path, bytes: Option<Vec<u8>>, run: &Run<'_>) -> Result<Checked> {
    let (bytes, stamp) = if let Some(bytes) = bytes {
        (bytes, None)
    } else {
        let (bytes, stamp) = nblint_notebook::read_stamped(path)
            .with_context(|| format!("reading {}", path.display()))?;
        (bytes, Some(stamp))
    };
    check_one(path, &bytes, stamp.as_ref(), run)
}

/// Checks one notebook, whose file holds `bytes` (as read with `stamp`, for a file).
fn check_one(
    path: &Path,
    bytes: &[u8],
    stamp: Option<&ReadStamp>,
    run: &Run<'_>,
) -> Result<Checked> {
    let args = run.args;
    let config = run.resolver.config_for(path)?;
    let selection = config.selection_for(path).overridden_by(run.selection);
    // The result depends on the bytes, this build, and the settings that apply to this file.
    let cached = run.cache.map(|cache| {
        let fingerprint = format!(
            "{:?}|{:?}|{:?}|{:?}",
            config.settings, selection, args.language, config.language
        );
        (cache, cache.key(bytes, &fingerprint))
    });
    if let Some((cache, key)) = &cached
        && let Some(hit) = cache.get(key)
        && let Some(checked) = from_cache(hit, *key, path, bytes, run)?
    {
        return Ok(checked);
    }
    // Only --fix writes the notebook back; otherwise outputs are read for their types alone.
    let parse = if args.fix {
        Notebook::parse
    } else {
        Notebook::parse_for_analysis
    };
    let mut notebook = parse(bytes).with_context(|| format!("reading {}", path.display()))?;
    let choice = Choice {
        flag: args.language.as_ref(),
        setting: config.language.as_ref(),
    };
    let mut analysed = analyse(&notebook, choice);
    let mut diagnostics = nblint_analysis::lint(&notebook, &analysed, &config.settings, &selection);
    let (notes, quiet) = notes_for(&analysed, &selection);
    let mut fixed = 0;
    let mut refused = Vec::new();
    let mut diff = None;
    let mut final_bytes = None;
    let options = FixOptions {
        unsafe_fixes: args.unsafe_fixes,
    };
    if args.fix {
        let before = notebook.clone();
        // Fixes can unlock or conflict with each other: apply, re-lint, repeat a few times.
        for _ in 0..4 {
            if !diagnostics.iter().any(|diagnostic| {
                diagnostic
                    .fix
                    .as_ref()
                    .is_some_and(|fix| options.allows(fix.applicability))
            }) {
                break;
            }
            let analysis = Analysis {
                facts: &analysed.facts,
                frontend: analysed.frontend,
            };
            let outcome = apply_fixes(&mut notebook, &diagnostics, analysis, options)
                .with_context(|| format!("fixing {}", path.display()))?;
            for refusal in outcome.refused {
                if !refused.contains(&refusal) {
                    refused.push(refusal);
                }
            }
            if outcome.applied == 0 {
                break;
            }
            fixed += outcome.applied;
            analysed = analyse(&notebook, choice);
            diagnostics = nblint_analysis::lint(&notebook, &analysed, &config.settings, &selection);
        }
        if fixed > 0 {
            let new_bytes = notebook.to_original_style_bytes();
            if new_bytes != bytes {
                if args.diff {
                    diff = Some(source_diff(&before, &notebook, path));
                } else if run.writable
                    && let Some(stamp) = stamp
                {
                    crate::replace::replace_notebook(path, &new_bytes, stamp, true)
                        .with_context(|| format!("writing {}", path.display()))?;
                    final_bytes = Some(new_bytes);
                }
            }
        }
    }
    let bytes = final_bytes.as_deref().unwrap_or(bytes);
    // The cache is off with --fix, so what is stored is what was checked.
    let store = cached.map(|(_, key)| key);
    let found = Found {
        notebook,
        diagnostics,
        notes,
        quiet,
    };
    let held_back = if args.fix {
        found
            .diagnostics
            .iter()
            .filter_map(|diagnostic| diagnostic.fix.as_ref())
            .filter(|fix| fix.applicability == Applicability::Unsafe && !options.unsafe_fixes)
            .count()
    } else {
        0
    };
    let mut checked = show(path, found, bytes, run, store);
    checked.fixed = fixed;
    checked.refused = refused;
    checked.held_back = held_back;
    checked.diff = diff;
    Ok(checked)
}

/// The result of a cache hit: the stored part of the report when it was drawn with this
/// run's options, else the stored diagnostics (and the entry is written again with the part
/// this run draws). `None` when the entry cannot be read back: check the notebook anew.
fn from_cache(
    hit: CachedResult,
    key: nblint_cache::CacheKey,
    path: &Path,
    bytes: &[u8],
    run: &Run<'_>,
) -> Result<Option<Checked>> {
    let draws_each = run.style.format.draws_each_notebook();
    if draws_each && hit.tag() == run.style.tag(&display_path(path)).as_bytes() {
        return Ok(Some(Checked {
            shown: Shown::Drawn {
                part: hit.part().to_vec(),
                counts: hit.counts,
            },
            notes: hit.notes,
            quiet: hit.quiet,
            fixed: 0,
            refused: Vec::new(),
            held_back: 0,
            diff: None,
        }));
    }
    let Some(diagnostics) = nblint_lint::diagnostics_from_bytes(hit.diagnostics()) else {
        return Ok(None);
    };
    // Drawing needs the cell sources, which are not stored: reading them again costs a
    // fraction of checking, and keeps entries small (a run writes one per notebook).
    let notebook = Notebook::parse_for_analysis(bytes)
        .with_context(|| format!("reading {}", path.display()))?;
    let found = Found {
        notebook,
        diagnostics,
        notes: hit.notes,
        quiet: hit.quiet,
    };
    // Stored again with the part drawn for this run's options.
    Ok(Some(show(
        path,
        found,
        bytes,
        run,
        draws_each.then_some(key),
    )))
}

/// What checking a notebook found, before it is shown.
struct Found {
    notebook: Notebook,
    diagnostics: Vec<Diagnostic>,
    notes: Vec<String>,
    quiet: Option<String>,
}

/// What the report shows of a notebook, from its diagnostics however they were obtained:
/// its part of the report for the formats drawn a notebook at a time (drawn here, on the
/// checking thread, so the notebook need not be kept), else the diagnostics and what
/// drawing them needs. The result is written to the cache under `store`, if given.
fn show(
    path: &Path,
    found: Found,
    bytes: &[u8],
    run: &Run<'_>,
    store: Option<nblint_cache::CacheKey>,
) -> Checked {
    let Found {
        mut notebook,
        diagnostics,
        notes,
        quiet,
    } = found;
    let style = run.style;
    let shown_path = display_path(path);
    let part = style.format.draws_each_notebook().then(|| {
        let report = NotebookReport {
            path: shown_path.clone(),
            notebook: &notebook,
            diagnostics: &diagnostics,
            file_lines: None,
        };
        nblint_report::render_notebook(style.format, &report, style.color).unwrap_or_default()
    });
    if let (Some(cache), Some(key)) = (run.cache, store) {
        let tag = part
            .as_ref()
            .map_or_else(String::new, |_| style.tag(&shown_path));
        let stored = StoredResult {
            notes: &notes,
            quiet: quiet.as_deref(),
            diagnostics: &diagnostics,
            tag: &tag,
            part: part.as_deref().unwrap_or_default(),
        };
        cache.put(&key, &stored);
    }
    let shown = if let Some(part) = part {
        Shown::Drawn {
            counts: nblint_report::Counts::of_diagnostics(&diagnostics),
            part,
        }
    } else {
        // The report shows sources only; the outputs (most of a notebook's bytes,
        // often) would otherwise stay in memory for every notebook until all are drawn.
        release_outputs(&mut notebook);
        // SARIF and GitHub annotations point at lines of the file; the others do not
        // need them.
        let file_lines = matches!(run.args.output_format, Format::Sarif | Format::Github)
            .then(|| FileLines::new(&String::from_utf8_lossy(bytes)));
        Shown::Diagnostics {
            notebook,
            diagnostics,
            file_lines,
        }
    };
    Checked {
        shown,
        notes,
        quiet,
        fixed: 0,
        refused: Vec::new(),
        held_back: 0,
        diff: None,
    }
}

/// What the user should know about how this notebook was checked: cells in a language
/// nblint does not read, and undefined-name checks silenced by names nblint cannot see.
fn notes_for(analysed: &Analysed, selection: &RuleSelection) -> (Vec<String>, Option<String>) {
    let mut notes = analysed.language_notes();
    if analysed.frontend.is_none() {
        notes.push(format!(
            "code cells are {}, which nblint does not analyse yet; only the language-independent rules ran",
            analysed.language.name()
        ));
        return (notes, None);
    }
    let undefined_name_runs =
        nblint_lint::find_rule("NB202").is_some_and(|rule| selection.is_enabled(rule));
    if !undefined_name_runs {
        return (notes, None);
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
             nblint cannot list (a star or glob import, `%run`, `%store -r`, `exec`, a write \
             through `globals()`, `#[macro_use]`, \
             an item-defining `macro_rules!`)"
        ))
    } else if let Some((cell, _)) = cells().find(|(_, facts)| !facts.parsed()) {
        Some(format!(
            "undefined-name (NB202) stays quiet in this notebook: cell {cell} does not parse, \
             so the names it defines are unknown"
        ))
    } else {
        None
    };
    (notes, quiet)
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

/// A cache entry, read back. Only its sections are split apart; the diagnostics and the
/// cell sources are read when the stored part of the report cannot be used.
struct CachedResult {
    notes: Vec<String>,
    quiet: Option<String>,
    counts: nblint_report::Counts,
    /// The whole entry, which [`split_sections`] takes apart.
    payload: Vec<u8>,
}

impl CachedResult {
    fn section(&self, index: usize) -> &[u8] {
        split_sections(&self.payload).map_or(&[][..], |sections| sections[index])
    }

    /// What [`Self::part`] was drawn for ([`ReportStyle::tag`]), or empty.
    fn tag(&self) -> &[u8] {
        self.section(3)
    }

    /// The notebook's part of the report.
    fn part(&self) -> &[u8] {
        self.section(4)
    }

    /// The diagnostics, as [`nblint_lint::diagnostics_to_bytes`] wrote them.
    fn diagnostics(&self) -> &[u8] {
        self.section(5)
    }
}

/// What a cache entry is written from.
struct StoredResult<'a> {
    notes: &'a [String],
    quiet: Option<&'a str>,
    diagnostics: &'a [Diagnostic],
    /// What `part` was drawn for, or empty when the format draws the report as a whole.
    tag: &'a str,
    part: &'a [u8],
}

/// The sections of a cache entry, in order: each an 8-byte little-endian length and its bytes.
const ENTRY_SECTIONS: usize = 6;

fn join_sections(sections: [&[u8]; ENTRY_SECTIONS]) -> Vec<u8> {
    let length = sections.iter().map(|section| 8 + section.len()).sum();
    let mut out = Vec::with_capacity(length);
    for section in sections {
        out.extend_from_slice(&(section.len() as u64).to_le_bytes());
        out.extend_from_slice(section);
    }
    out
}

fn split_sections(mut payload: &[u8]) -> Option<[&[u8]; ENTRY_SECTIONS]> {
    let mut sections = [&[][..]; ENTRY_SECTIONS];
    for section in &mut sections {
        let (length, rest) = payload.split_first_chunk::<8>()?;
        let length = usize::try_from(u64::from_le_bytes(*length)).ok()?;
        if length > rest.len() {
            return None;
        }
        (*section, payload) = rest.split_at(length);
    }
    payload.is_empty().then_some(sections)
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
        let from_env = std::env::var_os("NBLINT_CACHE_DIR")
            .filter(|dir| !dir.is_empty())
            .map(PathBuf::from);
        let cache = match args.cache_dir.clone().or(from_env) {
            Some(dir) => nblint_cache::Cache::at(&dir),
            None => nblint_cache::Cache::in_project(&project_root(&std::env::current_dir().ok()?)),
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

    /// Shrinks the cache to its size cap (`$NBLINT_CACHE_MAX_BYTES`, default 256 MiB), oldest
    /// entries first. Best effort, like every cache write.
    fn prune(&self) {
        const DEFAULT_MAX_BYTES: u64 = 256 * 1024 * 1024;
        let max = std::env::var("NBLINT_CACHE_MAX_BYTES")
            .ok()
            .and_then(|value| value.trim().parse().ok())
            .unwrap_or(DEFAULT_MAX_BYTES);
        let _ = self.cache.prune(max);
    }

    fn key(&self, bytes: &[u8], fingerprint: &str) -> nblint_cache::CacheKey {
        nblint_cache::CacheKey::new(bytes, &self.build, fingerprint, "check-result-v7")
    }

    /// The entry stored under `key` ([`join_sections`]): the notes one a line, why NB202
    /// stayed quiet (or nothing), the counts (problems, notebooks, fixable, unsafe fixable;
    /// 8 bytes each),
    /// what the part was drawn for, the part, and the diagnostics.
    fn get(&self, key: &nblint_cache::CacheKey) -> Option<CachedResult> {
        let payload = self.cache.get(key)?;
        let [notes, quiet, counts, ..] = split_sections(&payload)?;
        let notes = std::str::from_utf8(notes).ok()?;
        let quiet = std::str::from_utf8(quiet).ok()?;
        let mut counts = counts
            .chunks_exact(8)
            .map(|count| usize::try_from(u64::from_le_bytes(count.try_into().ok()?)).ok());
        Some(CachedResult {
            notes: notes.lines().map(str::to_owned).collect(),
            quiet: (!quiet.is_empty()).then(|| quiet.to_owned()),
            counts: nblint_report::Counts {
                problems: counts.next()??,
                notebooks: counts.next()??,
                fixable: counts.next()??,
                unsafe_fixable: counts.next()??,
                unreadable: 0,
            },
            payload,
        })
    }

    /// Best effort: a cache that cannot be written only makes the next run slower.
    fn put(&self, key: &nblint_cache::CacheKey, result: &StoredResult<'_>) {
        let counts = nblint_report::Counts::of_diagnostics(result.diagnostics);
        let counts: Vec<u8> = [
            counts.problems,
            counts.notebooks,
            counts.fixable,
            counts.unsafe_fixable,
        ]
        .into_iter()
        .flat_map(|count| (count as u64).to_le_bytes())
        .collect();
        let payload = join_sections([
            result.notes.join("\n").as_bytes(),
            result.quiet.unwrap_or_default().as_bytes(),
            &counts,
            result.tag.as_bytes(),
            result.part,
            &nblint_lint::diagnostics_to_bytes(result.diagnostics),
        ]);
        let _ = self.cache.put(key, &payload);
    }
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
