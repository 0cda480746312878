//! Drawing the report of a `check` run: in every output format (full, concise, json, sarif,
//! github) with its summary, from the parts drawn as each notebook was checked or from the
//! diagnostics kept for formats drawn as a whole.

use std::path::Path;

use nblint_report::{NotebookReport, OutputFormat, ReadFailure, render_with_failures};

use super::display_path;
use super::pipeline::{Checked, Shown};

/// How the report is drawn: what a stored part of it depends on, besides the notebook.
#[derive(Debug, Clone, Copy)]
pub(super) struct ReportStyle {
    /// `--output-format`.
    pub(super) format: OutputFormat,
    /// Whether to colour (full format on a terminal, see `use_color`).
    pub(super) color: bool,
}

impl ReportStyle {
    /// What a notebook's stored part is drawn for: these options and the path shown.
    pub(super) fn tag(self, path: &str) -> String {
        format!("{:?}|{}|{path}", self.format, self.color)
    }

    /// Whether the report needs the lines of the `.ipynb` file: SARIF and GitHub
    /// annotations point at them, the other formats do not.
    pub(super) fn needs_file_lines(self) -> bool {
        matches!(self.format, OutputFormat::Sarif | OutputFormat::Github)
    }

    /// A notebook's part of the report, for the formats drawn a notebook at a time.
    pub(super) fn draw_part(self, report: &NotebookReport<'_>) -> Vec<u8> {
        nblint_report::render_notebook(self.format, report, self.color).unwrap_or_default()
    }
}

/// A notebook that could not be checked, as the report shows it (NB000): the error's cell
/// or place in the file, when it is a notebook that could not be parsed.
pub(super) fn read_failure(path: &Path, error: &anyhow::Error) -> ReadFailure {
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
pub(super) fn draw_report(
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
