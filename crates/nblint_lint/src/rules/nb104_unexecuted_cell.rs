use super::places::{first_line, has_code};
use crate::registry::{Context, Finding, declare_rule};

declare_rule! {
    /// A code cell that was never run while cells below it were.
    NB104_UNEXECUTED_CELL {
        code: "NB104",
        name: "unexecuted-cell",
        severity: Warning,
        fixable: false,
        needs_analysis: false,
        check: check,
    }
}

fn check(context: &Context<'_>, findings: &mut Vec<Finding>) {
    let cells = context.notebook.cells();
    // The last code cell that was run; cells at or after it are not "above a run cell". A
    // notebook where nothing ran (stripped, or never opened in a kernel) has none.
    let Some(last_run) = cells
        .iter()
        .rev()
        .find(|cell| cell.is_code() && cell.execution_count.is_some())
    else {
        return;
    };
    for cell in cells[..last_run.number - 1]
        .iter()
        .filter(|cell| has_code(cell, context.vocabulary) && cell.execution_count.is_none())
    {
        // The nearest run cell below, which is the one named in the message.
        let ran_below = cells[cell.number..]
            .iter()
            .find(|below| below.is_code() && below.execution_count.is_some())
            .unwrap_or(last_run);
        findings.push(Finding::new(
            cell.number,
            first_line(cell),
            format!(
                "this cell was never run, but cell {} below it was; the outputs below may not reflect it",
                ran_below.number
            ),
        ));
    }
}
