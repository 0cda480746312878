//! Checking one notebook: read it (stamped, for `--fix`), answer from the cache when it
//! can, else analyse it through `nblint_analysis`, lint it, run the fix loop, and prepare
//! what the report shows of it.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use nblint_analysis::{Choice, analyse};
use nblint_lint::{Analysis, Applicability, Diagnostic, Refusal, Selector, apply_fixes};
use nblint_notebook::{FileLines, Notebook, ReadStamp};
use nblint_report::NotebookReport;

use super::cache::{CacheEntry, SettingsFingerprint};
use super::notes::{self, QuietRule};
use super::{Run, display_path};

/// One input: its path as shown to the user and its bytes (from disk or the git index).
pub(super) struct Input {
    /// The path as shown.
    pub(super) path: PathBuf,
    /// The bytes, when already read (staged blobs); `None` reads the file.
    pub(super) bytes: Option<Vec<u8>>,
}

/// What checking one notebook produced.
pub(super) struct Checked {
    /// What the report shows of it.
    pub(super) shown: Shown,
    /// Notes for the user: what was not analysed.
    pub(super) notes: Vec<String>,
    /// The rules that stayed quiet in this whole notebook, and why.
    pub(super) quiet: Vec<QuietRule>,
    /// Problems fixed.
    pub(super) fixed: usize,
    /// Fixes the checks refused, and why.
    pub(super) refused: Vec<Refusal>,
    /// Fixes left unapplied because they are unsafe (without `--unsafe-fixes`).
    pub(super) held_back: usize,
    /// With `--fix --diff`: what fixing would change.
    pub(super) diff: Option<String>,
}

impl Checked {
    /// A notebook checked without `--fix`: nothing fixed, refused, held back or diffed.
    fn unfixed(shown: Shown, notes: Vec<String>, quiet: Vec<QuietRule>) -> Self {
        Self {
            shown,
            notes,
            quiet,
            fixed: 0,
            refused: Vec::new(),
            held_back: 0,
            diff: None,
        }
    }
}

/// What the report shows of one notebook.
pub(super) enum Shown {
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
    /// The summary's counts for this notebook.
    pub(super) fn counts(&self) -> nblint_report::Counts {
        match self {
            Self::Diagnostics { diagnostics, .. } => {
                nblint_report::Counts::of_diagnostics(diagnostics)
            }
            Self::Drawn { counts, .. } => *counts,
        }
    }
}

/// Checks one input: its bytes when already read (staged blobs), else the file at `path`.
/// A file is stamped as it is read, so that `--fix` never writes over a newer save.
pub(super) fn check_input(path: &Path, bytes: Option<Vec<u8>>, run: &Run<'_>) -> Result<Checked> {
    let (bytes, stamp) = if let Some(bytes) = bytes {
        (bytes, None)
    } else {
        let (bytes, stamp) = nblint_notebook::read_stamped(path)
            .with_context(|| format!("reading {}", path.display()))?;
        (bytes, Some(stamp))
    };
    check_one(path, &bytes, stamp.as_ref(), run)
}

/// What the fix loop did to a notebook.
#[derive(Default)]
struct Fixing {
    fixed: usize,
    refused: Vec<Refusal>,
    diff: Option<String>,
    /// The bytes written, when the file was rewritten.
    written: Option<Vec<u8>>,
}

/// Checks one notebook, whose file holds `bytes` (as read with `stamp`, for a file).
fn check_one(
    path: &Path,
    bytes: &[u8],
    stamp: Option<&ReadStamp>,
    run: &Run<'_>,
) -> Result<Checked> {
    let options = run.options;
    let config = options.resolver.config_for(path)?;
    let mut selection = config.selection_for(path).overridden_by(&options.selection);
    // A notebook another one runs with `%run` reads names the runner binds and defines names
    // the runner uses: NB202 and NB207 cannot tell, so they are off for it.
    let runner = (!run.run_by.is_empty())
        .then(|| run.run_by.get(&super::includes::key(path)))
        .flatten();
    if runner.is_some() {
        selection.ignore.extend(
            ["NB202", "NB207"]
                .into_iter()
                .filter_map(|code| Selector::parse(code).ok()),
        );
    }
    // The result depends on the bytes, this build, and the settings that apply to this file.
    let key = run.cache.and_then(|cache| {
        cache.key(
            bytes,
            &SettingsFingerprint {
                settings: &config.settings,
                selection: &selection,
                language_flag: options.language.as_ref(),
                language_setting: config.language.as_ref(),
            },
        )
    });
    if let (Some(cache), Some(key)) = (run.cache, key)
        && let Some(entry) = cache.get(&key)
        && let Some(checked) = from_cache(entry, key, path, bytes, run)?
    {
        return Ok(checked);
    }
    // Only --fix writes the notebook back; otherwise outputs are read for their types alone.
    let parse = if options.fix.is_some() {
        Notebook::parse
    } else {
        Notebook::parse_for_analysis
    };
    let mut notebook = parse(bytes).with_context(|| format!("reading {}", path.display()))?;
    let choice = Choice {
        flag: options.language.as_ref(),
        setting: config.language.as_ref(),
    };
    let mut analysed = analyse(&notebook, choice);
    let mut diagnostics = nblint_analysis::lint(&notebook, &analysed, &config.settings, &selection);
    let (mut notes, quiet) = notes::notes_for(&analysed, &selection);
    if let Some(runner) = runner {
        notes.push(format!(
            "undefined-name (NB202) and unused-definition (NB207) are off here: {} runs this \
             notebook with `%run`, so the names it reads may be bound there and the names it \
             defines used there",
            display_path(runner)
        ));
    }
    let mut fixing = Fixing::default();
    let mut held_back = 0;
    if let Some(mode) = options.fix {
        let before = notebook.clone();
        // Fixes can unlock or conflict with each other: apply, re-lint, repeat a few times.
        for _ in 0..4 {
            if !diagnostics.iter().any(|diagnostic| {
                diagnostic
                    .fix
                    .as_ref()
                    .is_some_and(|fix| mode.options.allows(fix.applicability))
            }) {
                break;
            }
            let analysis = Analysis {
                facts: &analysed.facts,
                frontend: analysed.frontend,
            };
            let outcome = apply_fixes(&mut notebook, &diagnostics, analysis, mode.options)
                .with_context(|| format!("fixing {}", path.display()))?;
            for refusal in outcome.refused {
                if !fixing.refused.contains(&refusal) {
                    fixing.refused.push(refusal);
                }
            }
            if outcome.applied == 0 {
                break;
            }
            fixing.fixed += outcome.applied;
            analysed = analyse(&notebook, choice);
            diagnostics = nblint_analysis::lint(&notebook, &analysed, &config.settings, &selection);
        }
        let new_bytes = (fixing.fixed > 0).then(|| notebook.to_original_style_bytes());
        if let Some(new_bytes) = new_bytes.filter(|new_bytes| new_bytes != bytes) {
            if mode.diff {
                fixing.diff = Some(source_diff(&before, &notebook, path));
            } else if run.writable
                && let Some(stamp) = stamp
            {
                crate::replace::replace_notebook(path, &new_bytes, stamp, true)
                    .with_context(|| format!("writing {}", path.display()))?;
                fixing.written = Some(new_bytes);
            }
        }
        held_back = diagnostics
            .iter()
            .filter_map(|diagnostic| diagnostic.fix.as_ref())
            .filter(|fix| fix.applicability == Applicability::Unsafe && !mode.options.unsafe_fixes)
            .count();
    }
    let bytes = fixing.written.as_deref().unwrap_or(bytes);
    // The cache is off with --fix, so what is stored is what was checked.
    let found = Found {
        notebook,
        diagnostics,
        notes,
        quiet,
    };
    let mut checked = show(path, found, bytes, run, key);
    checked.fixed = fixing.fixed;
    checked.refused = fixing.refused;
    checked.held_back = held_back;
    checked.diff = fixing.diff;
    Ok(checked)
}

/// The result of a cache hit: the stored part of the report when it was drawn with this
/// run's options, else the stored diagnostics (and the entry is written again with the part
/// this run draws). `None` when the entry cannot be used: check the notebook anew.
fn from_cache(
    entry: CacheEntry,
    key: nblint_cache::CacheKey,
    path: &Path,
    bytes: &[u8],
    run: &Run<'_>,
) -> Result<Option<Checked>> {
    let CacheEntry {
        notes,
        quiet,
        diagnostics,
        part,
    } = entry;
    let Some(diagnostics) = diagnostics
        .into_iter()
        .map(nblint_lint::StoredDiagnostic::into_diagnostic)
        .collect::<Option<Vec<Diagnostic>>>()
    else {
        return Ok(None);
    };
    let style = run.options.style;
    let draws_each = style.format.draws_each_notebook();
    if draws_each
        && let Some(part) = part
        && part.tag == style.tag(&display_path(path))
    {
        let shown = Shown::Drawn {
            part: part.text.into_bytes(),
            counts: nblint_report::Counts::of_diagnostics(&diagnostics),
        };
        return Ok(Some(Checked::unfixed(shown, notes, quiet)));
    }
    // Drawing needs the cell sources, which are not stored: reading them again costs a
    // fraction of checking, and keeps entries small (a run writes one per notebook).
    let notebook = Notebook::parse_for_analysis(bytes)
        .with_context(|| format!("reading {}", path.display()))?;
    let found = Found {
        notebook,
        diagnostics,
        notes,
        quiet,
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
    quiet: Vec<QuietRule>,
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
    let style = run.options.style;
    let shown_path = display_path(path);
    let part = style.format.draws_each_notebook().then(|| {
        style.draw_part(&NotebookReport {
            path: shown_path.clone(),
            notebook: &notebook,
            diagnostics: &diagnostics,
            file_lines: None,
        })
    });
    if let (Some(cache), Some(key)) = (run.cache, store) {
        let entry = CacheEntry::new(
            &notes,
            &quiet,
            &diagnostics,
            part.as_deref().map(|part| (style.tag(&shown_path), part)),
        );
        cache.put(&key, &entry);
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
        let file_lines = style
            .needs_file_lines()
            .then(|| FileLines::new(&String::from_utf8_lossy(bytes)));
        Shown::Diagnostics {
            notebook,
            diagnostics,
            file_lines,
        }
    };
    Checked::unfixed(shown, notes, quiet)
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
