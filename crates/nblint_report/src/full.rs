//! The `full` format: each diagnostic with its source snippet, drawn by codespan-reporting.
//! Each cell is its own "file", named `path:cell N`, so line numbers are cell-relative as a
//! person reads them in Jupyter.

use std::collections::HashMap;

use codespan_reporting::diagnostic::{Diagnostic as Snippet, Label, Severity as SnippetSeverity};
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term::{self, Config, termcolor};
use nblint_lint::Severity;

use crate::NotebookReport;

/// The snippets of one notebook's diagnostics.
pub(crate) fn render_report(report: &NotebookReport<'_>, color: bool) -> Vec<u8> {
    let mut files = SimpleFiles::new();
    let mut file_ids: HashMap<usize, usize> = HashMap::new();
    let mut file_id = |files: &mut SimpleFiles<String, String>, cell: usize| {
        *file_ids.entry(cell).or_insert_with(|| {
            let source = report
                .notebook
                .cell(cell)
                .map_or_else(String::new, |found| found.source.clone());
            files.add(format!("{}:cell {cell}", report.path), source)
        })
    };
    let mut buffer = if color {
        termcolor::Buffer::ansi()
    } else {
        termcolor::Buffer::no_color()
    };
    let config = Config::default();
    for diagnostic in report.diagnostics {
        let primary = file_id(&mut files, diagnostic.cell);
        let mut labels = vec![Label::primary(
            primary,
            clamp(report, diagnostic.cell, diagnostic.span),
        )];
        for related in &diagnostic.related {
            let id = file_id(&mut files, related.cell);
            labels.push(
                Label::secondary(id, clamp(report, related.cell, related.span))
                    .with_message(related.message.clone()),
            );
        }
        let mut notes = vec![format!("{} ({})", diagnostic.name, diagnostic.code)];
        if let Some(fix) = &diagnostic.fix {
            notes.push(format!("fix available with `--fix`: {}", fix.message));
        }
        let snippet = Snippet::new(match diagnostic.severity {
            Severity::Error => SnippetSeverity::Error,
            Severity::Warning => SnippetSeverity::Warning,
            Severity::Info => SnippetSeverity::Note,
        })
        .with_code(diagnostic.code)
        .with_message(diagnostic.message.clone())
        .with_labels(labels)
        .with_notes(notes);
        // An error here means a span outside its cell, which `clamp` rules out; a diagnostic
        // that still cannot be drawn is left out rather than aborting the report.
        let _ = term::emit_to_write_style(&mut buffer, &config, &files, &snippet);
    }
    buffer.into_inner()
}

/// A notebook that could not be read, drawn as an NB000 error with where it happened.
pub(crate) fn render_failure(failure: &crate::ReadFailure, color: bool) -> Vec<u8> {
    let rule = crate::io_error_rule();
    let files: SimpleFiles<String, String> = SimpleFiles::new();
    let mut buffer = if color {
        termcolor::Buffer::ansi()
    } else {
        termcolor::Buffer::no_color()
    };
    let snippet = Snippet::new(SnippetSeverity::Error)
        .with_code(rule.code)
        .with_message(failure.message.clone())
        .with_notes(vec![
            format!("at {}", failure.location()),
            format!(
                "{} ({}): this notebook was not checked",
                rule.name, rule.code
            ),
        ]);
    let _ = term::emit_to_write_style(&mut buffer, &Config::default(), &files, &snippet);
    buffer.into_inner()
}

/// The span as a range inside the cell's source, clamped to it and to char boundaries.
fn clamp(
    report: &NotebookReport<'_>,
    cell: usize,
    span: nblint_facts::Span,
) -> std::ops::Range<usize> {
    let source = report
        .notebook
        .cell(cell)
        .map_or("", |found| found.source.as_str());
    let mut start = span.start.min(source.len());
    while !source.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = span.end.clamp(start, source.len());
    while !source.is_char_boundary(end) {
        end += 1;
    }
    start..end
}
