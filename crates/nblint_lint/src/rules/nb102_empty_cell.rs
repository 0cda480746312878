use nblint_facts::Span;

use crate::diagnostic::{Applicability, Edit, Fix};
use crate::fix::disposable_cell;
use crate::registry::{Context, Finding, declare_rule};

declare_rule! {
    /// A code cell with no code: only blank lines and comments, or nothing at all.
    NB102_EMPTY_CELL {
        code: "NB102",
        name: "empty-cell",
        severity: Info,
        fixable: true,
        needs_analysis: false,
        check: check,
    }
}

fn check(context: &Context<'_>, findings: &mut Vec<Finding>) {
    for cell in context
        .notebook
        .cells()
        .iter()
        .filter(|cell| cell.is_code())
    {
        let has_code = cell.source.lines().any(|line| {
            let trimmed = line.trim();
            !trimmed.is_empty() && !context.vocabulary.is_comment(trimmed)
        });
        if has_code {
            continue;
        }
        // A cell holding only comments is a note someone wrote: report it, but deleting it
        // would lose their words, so only a blank cell gets the fix, and only when it holds
        // nothing else either (outputs, attachments, tags, ids, slideshow metadata).
        let blank = cell.source.trim().is_empty();
        let disposable = blank && disposable_cell(context.notebook, cell.number).is_ok();
        let finding = Finding::new(
            cell.number,
            Span::new(0, cell.source.len()),
            if blank {
                "this code cell is empty".to_owned()
            } else {
                "this code cell has only comments; make it a markdown cell".to_owned()
            },
        );
        // Deleting a cell renumbers every cell below it (what people, suppressions and
        // reports refer to), and a blank cell emptied by another fix in the same run once
        // held code: so the fix is unsafe, applied only when asked for.
        findings.push(if disposable {
            finding.with_fix(
                Fix::safe(
                    "delete the empty cell",
                    vec![Edit::DeleteCell { cell: cell.number }],
                )
                .with_applicability(Applicability::Unsafe),
            )
        } else {
            finding
        });
    }
}
