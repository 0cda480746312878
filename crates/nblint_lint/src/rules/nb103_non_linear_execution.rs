use super::places::first_line;
use crate::registry::{Context, Finding, declare_rule};

declare_rule! {
    /// Stored execution counts that do not increase from top to bottom: the outputs were
    /// produced by running cells out of order.
    NB103_NON_LINEAR_EXECUTION {
        code: "NB103",
        name: "non-linear-execution",
        severity: Warning,
        fixable: false,
        needs_analysis: false,
        check: check,
    }
}

/// One finding per backwards step: each run cell is compared with the nearest run cell above
/// it. A cell re-run at the end (the top cell with count 40 above cells 2, 3, 4) gives one
/// finding, at the first cell below it, not one for every cell below.
fn check(context: &Context<'_>, findings: &mut Vec<Finding>) {
    let mut previous: Option<(usize, i64)> = None;
    for cell in context
        .notebook
        .cells()
        .iter()
        .filter(|cell| cell.is_code())
    {
        let Some(count) = cell.execution_count else {
            continue;
        };
        if let Some((above, above_count)) = previous {
            let message = match count.cmp(&above_count) {
                std::cmp::Ordering::Less => Some(format!(
                    "this cell ran before cell {above} above it (execution count {count} < {above_count}); restart the kernel and run all cells in order"
                )),
                std::cmp::Ordering::Equal => Some(format!(
                    "this cell and cell {above} above it have the same execution count {count}: they ran in different kernel sessions; restart the kernel and run all cells in order"
                )),
                std::cmp::Ordering::Greater => None,
            };
            if let Some(message) = message {
                let above_span = context
                    .notebook
                    .cell(above)
                    .map(first_line)
                    .unwrap_or_default();
                findings.push(
                    Finding::new(cell.number, first_line(cell), message).with_related(
                        above,
                        above_span,
                        format!("cell {above} ran with execution count {above_count}"),
                    ),
                );
            }
        }
        previous = Some((cell.number, count));
    }
}
