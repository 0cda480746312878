use nblint_facts::Span;

use crate::registry::{Context, Finding, declare_rule};

declare_rule! {
    /// A code cell longer than `max-cell-lines` non-blank, non-comment lines.
    NB101_OVERSIZED_CELL {
        code: "NB101",
        name: "oversized-cell",
        severity: Info,
        fixable: false,
        needs_analysis: false,
        check: check,
    }
}

fn check(context: &Context<'_>, findings: &mut Vec<Finding>) {
    let limit = context.settings.max_cell_lines;
    for cell in context
        .notebook
        .cells()
        .iter()
        .filter(|cell| cell.is_code())
    {
        let mut count = 0;
        let mut first_over: Option<usize> = None;
        let mut offset = 0;
        for line in cell.source.split_inclusive('\n') {
            let trimmed = line.trim();
            if !trimmed.is_empty() && !context.vocabulary.is_comment(trimmed) {
                count += 1;
                if count == limit + 1 {
                    first_over = Some(offset + (line.len() - line.trim_start().len()));
                }
            }
            offset += line.len();
        }
        if let Some(start) = first_over {
            let end = cell.source[start..]
                .find('\n')
                .map_or(cell.source.len(), |at| start + at);
            findings.push(Finding::new(
                cell.number,
                Span::new(start, end),
                format!(
                    "this cell has {count} lines of code, more than the limit of {limit}; split it into cells that each do one step"
                ),
            ));
        }
    }
}
