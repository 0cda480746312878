//! Suppression comments: `nblint: allow(NB201, mutated-across-cells)` anywhere in a cell's
//! text (after `//` in Rust, `#` in Python, or in a markdown cell). In a cell it silences
//! those rules for that cell; in the first code cell, or a cell above it, for the whole
//! notebook.

use nblint_facts::Span;
use nblint_notebook::Notebook;

use crate::registry::{Rule, find_rule};

const MARKER: &str = "nblint: allow(";

/// One entry of an `allow(...)` list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    /// The cell the comment is in.
    pub cell: usize,
    /// The entry (`NB201`) in the cell's source.
    pub span: Span,
    /// The entry as written.
    pub text: String,
    /// The rule it names, if any.
    pub rule: Option<&'static Rule>,
    /// Applies to every cell.
    pub notebook_wide: bool,
}

impl Suppression {
    /// Whether this suppression covers a finding of `rule` in `cell`.
    pub fn covers(&self, rule: &Rule, cell: usize) -> bool {
        self.rule.is_some_and(|own| own.code == rule.code)
            && (self.notebook_wide || self.cell == cell)
    }
}

/// Every suppression in the notebook, in cell order.
pub fn suppressions(notebook: &Notebook) -> Vec<Suppression> {
    let first_code = notebook
        .cells()
        .iter()
        .find(|cell| cell.is_code())
        .map_or(usize::MAX, |cell| cell.number);
    let mut found = Vec::new();
    for cell in notebook.cells() {
        let source = &cell.source;
        let mut search_from = 0;
        while let Some(at) = source[search_from..].find(MARKER) {
            let list_start = search_from + at + MARKER.len();
            let Some(close) = source[list_start..].find(')') else {
                break;
            };
            let list_end = list_start + close;
            // Entries must stay on the marker's line.
            if source[list_start..list_end].contains('\n') {
                search_from = list_start;
                continue;
            }
            let mut entry_start = list_start;
            for entry in source[list_start..list_end].split(',') {
                let trimmed = entry.trim();
                if !trimmed.is_empty() {
                    let offset = entry_start + (entry.len() - entry.trim_start().len());
                    found.push(Suppression {
                        cell: cell.number,
                        span: Span::new(offset, offset + trimmed.len()),
                        text: trimmed.to_owned(),
                        rule: find_rule(trimmed),
                        notebook_wide: cell.number <= first_code,
                    });
                }
                entry_start += entry.len() + 1;
            }
            search_from = list_end;
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_codes_and_names_with_their_spans() {
        let notebook = Notebook::parse(
            br#"{"nbformat": 4, "cells": [
              {"cell_type": "markdown", "source": "intro"},
              {"cell_type": "code", "source": "// nblint: allow(NB101)\nlet a = 1;"},
              {"cell_type": "code", "source": "x // nblint: allow( empty-cell , NB9 )"}
            ]}"#,
        )
        .unwrap();
        let found = suppressions(&notebook);
        let summary: Vec<(usize, &str, bool, bool)> = found
            .iter()
            .map(|s| (s.cell, s.text.as_str(), s.rule.is_some(), s.notebook_wide))
            .collect();
        assert_eq!(
            summary,
            vec![
                (2, "NB101", true, true),
                (3, "empty-cell", true, false),
                (3, "NB9", false, false)
            ]
        );
        let source = &notebook.cells()[2].source;
        assert_eq!(
            &source[found[1].span.start..found[1].span.end],
            "empty-cell"
        );
        assert_eq!(&source[found[2].span.start..found[2].span.end], "NB9");
    }
}
