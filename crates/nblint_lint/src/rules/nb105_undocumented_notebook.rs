use nblint_notebook::CellKind;

use super::places::{first_line, has_code};
use crate::registry::{Context, Finding, declare_rule};

declare_rule! {
    /// A notebook with no markdown at all, or a long run of code cells with no markdown
    /// between them.
    NB105_UNDOCUMENTED_NOTEBOOK {
        code: "NB105",
        name: "undocumented-notebook",
        severity: Info,
        fixable: false,
        needs_analysis: false,
        check: check,
    }
}

/// Whether a cell explains something: a markdown cell with text in it.
fn is_prose(cell: &nblint_notebook::Cell) -> bool {
    cell.kind == CellKind::Markdown && !cell.source.trim().is_empty()
}

fn check(context: &Context<'_>, findings: &mut Vec<Finding>) {
    let cells = context.notebook.cells();
    let code_cells: Vec<&nblint_notebook::Cell> = cells
        .iter()
        .filter(|cell| has_code(cell, context.vocabulary))
        .collect();
    if !cells.iter().any(is_prose) {
        // One code cell is a snippet, not a notebook that needs a narrative.
        if let [first, _, ..] = code_cells.as_slice() {
            findings.push(Finding::new(
                first.number,
                first_line(first),
                format!(
                    "this notebook has {} code cells and no markdown; add a markdown cell that says what it does",
                    code_cells.len()
                ),
            ));
        }
        return;
    }
    let limit = context.settings.max_code_cells_without_markdown;
    // Runs of code cells with code, broken by prose; empty code cells and raw cells neither
    // count nor break a run. One finding per run, at the first cell over the limit.
    let mut run: Vec<usize> = Vec::new();
    let flush = |run: &mut Vec<usize>, findings: &mut Vec<Finding>| {
        if run.len() > limit {
            let over = run[limit];
            let span = context
                .notebook
                .cell(over)
                .map(first_line)
                .unwrap_or_default();
            findings.push(Finding::new(
                over,
                span,
                format!(
                    "{} code cells in a row (cells {} to {}) have no markdown between them, more than the limit of {limit}; add a heading or a sentence that says what this part does",
                    run.len(),
                    run[0],
                    run[run.len() - 1]
                ),
            ));
        }
        run.clear();
    };
    for cell in cells {
        if is_prose(cell) {
            flush(&mut run, findings);
        } else if has_code(cell, context.vocabulary) {
            run.push(cell.number);
        }
    }
    flush(&mut run, findings);
}
