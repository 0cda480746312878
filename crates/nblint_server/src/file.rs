//! `.ipynb` files opened as plain text (JSON), for editors with no notebook document support
//! (Neovim, Zed, Helix open a notebook as its JSON): the file is parsed as `nblint check`
//! parses it and each diagnostic is placed on the line of the file that holds its cell line,
//! with the cell named in the message. Only diagnostics: fixes, hover and navigation need
//! cell documents.

use lsp_types::{
    Diagnostic as LspDiagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, Location,
    NumberOrString, Position, Range, Uri,
};
use nblint_analysis::{Choice, FactsCache};
use nblint_lint::{Config, RuleSelection, Severity};
use nblint_notebook::{FileLines, Notebook};

use crate::position::Encoding;

/// Whether `uri` names a notebook file (`file:` or `untitled:`), as opposed to a cell of an
/// open notebook (whose URI may also end in `.ipynb` before its fragment).
pub fn is_notebook_file(uri: &Uri) -> bool {
    let text = uri.as_str();
    let file_like = text.starts_with("file:") || text.starts_with("untitled:");
    let extension = std::path::Path::new(text).extension();
    file_like
        && !text.contains('#')
        && extension.is_some_and(|ext| ext.eq_ignore_ascii_case("ipynb"))
}

/// The range of the whole of one-based `line` of `text`, without its indentation (the
/// JSON string of a cell line starts after it).
fn line_range(text: &str, line: usize, encoding: Encoding) -> Range {
    let content = text.lines().nth(line.saturating_sub(1)).unwrap_or("");
    let indent = content.len() - content.trim_start().len();
    let width = |part: &str| -> u32 {
        let units: usize = part
            .chars()
            .map(|character| match encoding {
                Encoding::Utf16 => character.len_utf16(),
                Encoding::Utf8 => character.len_utf8(),
            })
            .sum();
        u32::try_from(units).unwrap_or(u32::MAX)
    };
    let line = u32::try_from(line.saturating_sub(1)).unwrap_or(u32::MAX);
    Range::new(
        Position::new(line, width(&content[..indent])),
        Position::new(line, width(content)),
    )
}

/// The diagnostics of the notebook file whose text is `text`: the findings of the rules, or
/// one error (NB000) where the file does not parse.
pub fn diagnostics(
    uri: &Uri,
    text: &str,
    config: &Config,
    selection: &RuleSelection,
    cache: &mut FactsCache,
    encoding: Encoding,
) -> Vec<LspDiagnostic> {
    let notebook = match Notebook::parse(text.as_bytes()) {
        Ok(notebook) => notebook,
        Err(error) => {
            let line = error.file_position().map_or(1, |position| position.line);
            return vec![LspDiagnostic {
                range: line_range(text, line, encoding),
                severity: Some(DiagnosticSeverity::ERROR),
                code: Some(NumberOrString::String("NB000".to_owned())),
                source: Some("nblint".to_owned()),
                message: format!("{error} (io-error)"),
                ..LspDiagnostic::default()
            }];
        }
    };
    let choice = Choice {
        flag: None,
        setting: config.language.as_ref(),
    };
    let analysed = nblint_analysis::analyse_cached(&notebook, choice, cache);
    let found = nblint_analysis::lint(&notebook, &analysed, &config.settings, selection);
    let lines = FileLines::new(text);
    let file_range = |cell: usize, offset: usize| {
        let line = notebook.cell(cell).map_or(1, |cell_| {
            cell_.lines.line_column(&cell_.source, offset).line
        });
        let file_line = lines.file_line(&notebook, cell, line).unwrap_or(1);
        line_range(text, file_line, encoding)
    };
    found
        .iter()
        .map(|diagnostic| {
            let related: Vec<DiagnosticRelatedInformation> = diagnostic
                .related
                .iter()
                .map(|related| DiagnosticRelatedInformation {
                    location: Location::new(
                        uri.clone(),
                        file_range(related.cell, related.span.start),
                    ),
                    message: format!("cell {}: {}", related.cell, related.message),
                })
                .collect();
            LspDiagnostic {
                range: file_range(diagnostic.cell, diagnostic.span.start),
                severity: Some(match diagnostic.severity {
                    Severity::Error => DiagnosticSeverity::ERROR,
                    Severity::Warning => DiagnosticSeverity::WARNING,
                    Severity::Info => DiagnosticSeverity::INFORMATION,
                }),
                code: Some(NumberOrString::String(diagnostic.code.to_owned())),
                source: Some("nblint".to_owned()),
                message: format!(
                    "cell {}: {} ({})",
                    diagnostic.cell, diagnostic.message, diagnostic.name
                ),
                related_information: (!related.is_empty()).then_some(related),
                ..LspDiagnostic::default()
            }
        })
        .collect()
}
