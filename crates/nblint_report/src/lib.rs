//! Renders diagnostics for people and for machines: `full` (source snippets with
//! codespan-reporting, each cell shown as a file named `path:cell N`), `concise` (one line
//! each), `json` (the fixed contract), `sarif` 2.1.0 and `github` (workflow annotations).
//!
//! Renderers return bytes; they never print. Positions come out one-based and
//! cell-relative: `line` and `column` inside the cell's source.

use nblint_facts::Span;
use nblint_lint::{Applicability, Diagnostic, Edit, Severity};
use nblint_notebook::{FileLines, FilePosition, Notebook};
use rayon::prelude::*;
use serde::Serialize;

mod full;
mod sarif;

/// How to render diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// Source snippets with labels, and a summary.
    Full,
    /// `path:cell N:line:col: CODE message`, and a summary.
    Concise,
    /// One JSON array of diagnostics.
    Json,
    /// A SARIF 2.1.0 log.
    Sarif,
    /// GitHub Actions workflow commands (`::warning file=..::..`).
    Github,
}

impl OutputFormat {
    /// Whether the format draws each notebook on its own and ends with a summary (`full`,
    /// `concise`): its report is the notebooks' parts from [`render_notebook`], then
    /// [`summary`].
    pub fn draws_each_notebook(self) -> bool {
        matches!(self, Self::Full | Self::Concise)
    }
}

/// The diagnostics of one notebook, with what is needed to locate them.
#[derive(Debug)]
pub struct NotebookReport<'a> {
    /// The path as the user gave it (or as found walking a folder).
    pub path: String,
    /// The notebook the diagnostics are about.
    pub notebook: &'a Notebook,
    /// Its diagnostics, sorted.
    pub diagnostics: &'a [Diagnostic],
    /// Where cell sources sit in the file, for formats that point at file lines (SARIF,
    /// GitHub annotations); without it they name the cell only.
    pub file_lines: Option<&'a FileLines>,
}

impl NotebookReport<'_> {
    /// The line of the `.ipynb` file holding `line` of `cell`, when known.
    pub fn file_line(&self, cell: usize, line: usize) -> Option<usize> {
        self.file_lines
            .and_then(|lines| lines.file_line(self.notebook, cell, line))
    }
}

/// A one-based (line, column) range inside one cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CellRange {
    /// One-based start line.
    pub line: usize,
    /// One-based start column (characters).
    pub column: usize,
    /// One-based end line.
    pub end_line: usize,
    /// One-based end column (exclusive, characters).
    pub end_column: usize,
}

/// The one-based range of `span` in cell `cell` of `notebook`.
pub fn cell_range(notebook: &Notebook, cell: usize, span: Span) -> CellRange {
    let Some(found) = notebook.cell(cell) else {
        return CellRange {
            line: 1,
            column: 1,
            end_line: 1,
            end_column: 1,
        };
    };
    let start = found.lines.line_column(&found.source, span.start);
    let end = found
        .lines
        .line_column(&found.source, span.end.max(span.start));
    CellRange {
        line: start.line,
        column: start.column,
        end_line: end.line,
        end_column: end.column,
    }
}

/// A notebook that could not be read or parsed (or, with `--fix`, written back): reported as
/// NB000 (io-error) in every format, so that no report passes over a file it never checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadFailure {
    /// The path as the user gave it (or as found walking a folder).
    pub path: String,
    /// What went wrong, for a person.
    pub message: String,
    /// The cell the failure is about, if it is about a cell.
    pub cell: Option<usize>,
    /// Where in the `.ipynb` file (invalid JSON or UTF-8), if known.
    pub position: Option<FilePosition>,
}

impl ReadFailure {
    /// The one-based line and column reported: the place in the file when known, else 1:1
    /// (of the cell, or of the file).
    pub fn line_column(&self) -> (usize, usize) {
        self.position
            .map_or((1, 1), |position| (position.line, position.column))
    }

    /// `path:line:column` or `path:cell N:1:1`, as the concise format and the `full` note
    /// locate it.
    fn location(&self) -> String {
        let (line, column) = self.line_column();
        match (self.cell, self.position) {
            (Some(cell), None) => format!("{}:cell {cell}:{line}:{column}", self.path),
            _ => format!("{}:{line}:{column}", self.path),
        }
    }
}

/// The rule failures are reported under.
fn io_error_rule() -> &'static nblint_lint::Rule {
    &nblint_lint::rules::NB000_IO_ERROR
}

/// Renders `reports` in `format`; `color` adds ANSI colours where the format has them.
pub fn render(format: OutputFormat, reports: &[NotebookReport<'_>], color: bool) -> Vec<u8> {
    render_with_failures(format, reports, &[], color)
}

/// [`render`], with the notebooks that could not be read reported after the others, as
/// NB000 (io-error) diagnostics; the summary of `full` and `concise` counts them apart.
pub fn render_with_failures(
    format: OutputFormat,
    reports: &[NotebookReport<'_>],
    failures: &[ReadFailure],
    color: bool,
) -> Vec<u8> {
    match format {
        OutputFormat::Full | OutputFormat::Concise => {
            // Notebooks are drawn independently (in parallel: a large run has many thousands
            // of snippets) and joined in order.
            let mut parts: Vec<Vec<u8>> = reports
                .par_iter()
                .map(|report| render_notebook(format, report, color).unwrap_or_default())
                .collect();
            parts.extend(
                failures
                    .iter()
                    .map(|failure| render_failure(format, failure, color).unwrap_or_default()),
            );
            let counts = Counts::of(reports)
                + Counts {
                    unreadable: failures.len(),
                    ..Counts::default()
                };
            join_parts(parts.iter().map(Vec::as_slice), counts)
        }
        OutputFormat::Json => render_json(reports, failures),
        OutputFormat::Sarif => sarif::render(reports, failures),
        OutputFormat::Github => render_github(reports, failures),
    }
}

/// A failure's part of the report, for the formats drawn a notebook at a time (`full`,
/// `concise`; `None` for the others): an NB000 diagnostic, which the summary counts as
/// [`Counts::unreadable`].
pub fn render_failure(format: OutputFormat, failure: &ReadFailure, color: bool) -> Option<Vec<u8>> {
    let rule = io_error_rule();
    match format {
        OutputFormat::Full => Some(full::render_failure(failure, color)),
        OutputFormat::Concise => Some(
            format!(
                "{}: {} {}\n",
                failure.location(),
                rule.code,
                failure.message
            )
            .into_bytes(),
        ),
        OutputFormat::Json | OutputFormat::Sarif | OutputFormat::Github => None,
    }
}

/// One notebook's part of the report, for the formats that draw each notebook on its own
/// and end with a summary (`full` and `concise`); `None` for the others. The parts of a
/// run, in order, then [`summary`] make the report [`render`] makes, so a part can be kept
/// (in a cache) and reused while its notebook and the rendering options stay the same.
pub fn render_notebook(
    format: OutputFormat,
    report: &NotebookReport<'_>,
    color: bool,
) -> Option<Vec<u8>> {
    match format {
        OutputFormat::Full => Some(full::render_report(report, color)),
        OutputFormat::Concise => Some(render_concise(report)),
        OutputFormat::Json | OutputFormat::Sarif | OutputFormat::Github => None,
    }
}

/// A report made of parts (from [`render_notebook`]) and the summary line of `counts`.
pub fn join_parts<'p>(parts: impl Iterator<Item = &'p [u8]> + Clone, counts: Counts) -> Vec<u8> {
    let summary = summary(counts);
    let length = parts.clone().map(<[u8]>::len).sum::<usize>() + summary.len() + 1;
    let mut out = Vec::with_capacity(length);
    for part in parts {
        out.extend_from_slice(part);
    }
    out.extend_from_slice(summary.as_bytes());
    out.push(b'\n');
    out
}

/// What the summary line counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Diagnostics.
    pub problems: usize,
    /// Notebooks with at least one diagnostic.
    pub notebooks: usize,
    /// Diagnostics with a safe fix (applied by `--fix`).
    pub fixable: usize,
    /// Diagnostics with an unsafe fix (applied only with `--unsafe-fixes`).
    pub unsafe_fixable: usize,
    /// Notebooks that could not be read (NB000, io-error), counted apart from problems.
    pub unreadable: usize,
}

impl Counts {
    /// The counts of one notebook's diagnostics.
    pub fn of_diagnostics(diagnostics: &[Diagnostic]) -> Self {
        Self {
            problems: diagnostics.len(),
            notebooks: usize::from(!diagnostics.is_empty()),
            fixable: with_fix(diagnostics, Applicability::Safe),
            unsafe_fixable: with_fix(diagnostics, Applicability::Unsafe),
            unreadable: 0,
        }
    }

    /// The counts over all `reports`.
    pub fn of(reports: &[NotebookReport<'_>]) -> Self {
        reports
            .iter()
            .map(|report| Self::of_diagnostics(report.diagnostics))
            .sum()
    }
}

impl std::ops::Add for Counts {
    type Output = Self;

    fn add(self, other: Self) -> Self {
        Self {
            problems: self.problems + other.problems,
            notebooks: self.notebooks + other.notebooks,
            fixable: self.fixable + other.fixable,
            unsafe_fixable: self.unsafe_fixable + other.unsafe_fixable,
            unreadable: self.unreadable + other.unreadable,
        }
    }
}

impl std::iter::Sum for Counts {
    fn sum<I: Iterator<Item = Self>>(counts: I) -> Self {
        counts.fold(Self::default(), |total, counts| total + counts)
    }
}

/// How many of `diagnostics` have a fix of this applicability.
fn with_fix(diagnostics: &[Diagnostic], applicability: Applicability) -> usize {
    diagnostics
        .iter()
        .filter(|diagnostic| {
            diagnostic
                .fix
                .as_ref()
                .is_some_and(|fix| fix.applicability == applicability)
        })
        .count()
}

/// "Found 3 problems in 2 notebooks (1 fixable with `--fix`)", "Found 1 error reading
/// notebooks" (never "All checks passed" while a notebook could not be read), both joined
/// by "and", or "All checks passed".
pub fn summary(counts: Counts) -> String {
    let Counts {
        problems,
        notebooks,
        fixable,
        unsafe_fixable,
        unreadable,
    } = counts;
    let errors = format!("{unreadable} error{} reading notebooks", plural(unreadable));
    if problems == 0 {
        return if unreadable == 0 {
            "All checks passed".to_owned()
        } else {
            format!("Found {errors}")
        };
    }
    let mut text = format!(
        "Found {problems} problem{} in {notebooks} notebook{}",
        plural(problems),
        plural(notebooks)
    );
    match (fixable, unsafe_fixable) {
        (0, 0) => {}
        (safe, 0) => text.push_str(&format!(" ({safe} fixable with `--fix`)")),
        (0, more) => text.push_str(&format!(" ({more} fixable with `--fix --unsafe-fixes`)")),
        (safe, more) => text.push_str(&format!(
            " ({safe} fixable with `--fix`, {more} more with `--unsafe-fixes`)"
        )),
    }
    if unreadable > 0 {
        text.push_str(&format!(", and {errors}"));
    }
    text
}

fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}

fn render_concise(report: &NotebookReport<'_>) -> Vec<u8> {
    let mut out = String::new();
    for diagnostic in report.diagnostics {
        let range = cell_range(report.notebook, diagnostic.cell, diagnostic.span);
        out.push_str(&format!(
            "{}:cell {}:{}:{}: {} {}\n",
            report.path,
            diagnostic.cell,
            range.line,
            range.column,
            diagnostic.code,
            diagnostic.message
        ));
    }
    out.into_bytes()
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    code: &'a str,
    name: &'a str,
    message: &'a str,
    path: &'a str,
    cell: usize,
    #[serde(flatten)]
    range: CellRange,
    severity: &'a str,
    fix: Option<JsonFix<'a>>,
    related: Vec<JsonRelated<'a>>,
}

#[derive(Serialize)]
struct JsonRelated<'a> {
    cell: usize,
    #[serde(flatten)]
    range: CellRange,
    message: &'a str,
}

#[derive(Serialize)]
struct JsonFix<'a> {
    message: &'a str,
    /// `safe`, `unsafe` (applied only with `--unsafe-fixes`) or `display_only`.
    applicability: &'static str,
    edits: Vec<JsonEdit<'a>>,
}

#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum JsonEdit<'a> {
    Replace {
        cell: usize,
        #[serde(flatten)]
        range: CellRange,
        content: &'a str,
    },
    DeleteCell {
        cell: usize,
    },
}

/// An NB000 entry: `cell` is null when the position is in the `.ipynb` file itself (then
/// `line` and `column` are the file's), or when there is none (then they are 1:1).
#[derive(Serialize)]
struct JsonFailure<'a> {
    code: &'a str,
    name: &'a str,
    message: &'a str,
    path: &'a str,
    cell: Option<usize>,
    #[serde(flatten)]
    range: CellRange,
    severity: &'a str,
    fix: Option<JsonFix<'a>>,
    related: Vec<JsonRelated<'a>>,
}

impl<'a> JsonFailure<'a> {
    fn of(failure: &'a ReadFailure) -> Self {
        let rule = io_error_rule();
        let (line, column) = failure.line_column();
        Self {
            code: rule.code,
            name: rule.name,
            message: &failure.message,
            path: &failure.path,
            cell: failure.cell,
            range: CellRange {
                line,
                column,
                end_line: line,
                end_column: column,
            },
            severity: rule.severity.as_str(),
            fix: None,
            related: Vec::new(),
        }
    }
}

/// One entry of the JSON array.
#[derive(Serialize)]
#[serde(untagged)]
enum JsonEntry<'a> {
    Diagnostic(JsonDiagnostic<'a>),
    Failure(JsonFailure<'a>),
}

fn render_json(reports: &[NotebookReport<'_>], failures: &[ReadFailure]) -> Vec<u8> {
    let diagnostics: Vec<JsonEntry<'_>> = reports
        .iter()
        .flat_map(|report| {
            report
                .diagnostics
                .iter()
                .map(move |diagnostic| JsonDiagnostic {
                    code: diagnostic.code,
                    name: diagnostic.name,
                    message: &diagnostic.message,
                    path: &report.path,
                    cell: diagnostic.cell,
                    range: cell_range(report.notebook, diagnostic.cell, diagnostic.span),
                    severity: diagnostic.severity.as_str(),
                    fix: diagnostic.fix.as_ref().map(|fix| JsonFix {
                        message: &fix.message,
                        applicability: fix.applicability.as_str(),
                        edits: fix
                            .edits
                            .iter()
                            .map(|edit| match edit {
                                Edit::Replace {
                                    cell,
                                    span,
                                    replacement,
                                } => JsonEdit::Replace {
                                    cell: *cell,
                                    range: cell_range(report.notebook, *cell, *span),
                                    content: replacement,
                                },
                                Edit::DeleteCell { cell } => JsonEdit::DeleteCell { cell: *cell },
                            })
                            .collect(),
                    }),
                    related: diagnostic
                        .related
                        .iter()
                        .map(|related| JsonRelated {
                            cell: related.cell,
                            range: cell_range(report.notebook, related.cell, related.span),
                            message: &related.message,
                        })
                        .collect(),
                })
                .map(JsonEntry::Diagnostic)
        })
        .chain(failures.iter().map(JsonFailure::of).map(JsonEntry::Failure))
        .collect();
    let mut out = serde_json::to_vec_pretty(&diagnostics).unwrap_or_else(|_| b"[]".to_vec());
    out.push(b'\n');
    out
}

/// GitHub workflow commands: `::error file=PATH,line=L,title=CODE::cell N:L:C: message`.
/// The line is the line of the `.ipynb` file that holds the cell's line (GitHub shows the
/// file's text), and the message names the cell-relative position a person looks for.
/// A failure is an `::error` annotation at the file's line and column when known.
fn render_github(reports: &[NotebookReport<'_>], failures: &[ReadFailure]) -> Vec<u8> {
    let mut out = String::new();
    for report in reports {
        for diagnostic in report.diagnostics {
            let range = cell_range(report.notebook, diagnostic.cell, diagnostic.span);
            let level = match diagnostic.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info => "notice",
            };
            let location = report
                .file_line(diagnostic.cell, range.line)
                .map_or_else(String::new, |line| format!(",line={line}"));
            out.push_str(&format!(
                "::{level} file={}{location},title={}::{}\n",
                escape_property(&report.path),
                escape_property(&format!("{} ({})", diagnostic.code, diagnostic.name)),
                escape_data(&format!(
                    "cell {}:{}:{}: {}",
                    diagnostic.cell, range.line, range.column, diagnostic.message
                )),
            ));
        }
    }
    let rule = io_error_rule();
    for failure in failures {
        let location = failure.position.map_or_else(String::new, |position| {
            format!(",line={},col={}", position.line, position.column)
        });
        out.push_str(&format!(
            "::error file={}{location},title={}::{}\n",
            escape_property(&failure.path),
            escape_property(&format!("{} ({})", rule.code, rule.name)),
            escape_data(&failure.message),
        ));
    }
    out.into_bytes()
}

/// Escapes a workflow command's message, as the Actions toolkit does.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests;
