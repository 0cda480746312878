use crate::registry::{Context, Finding, declare_rule};

declare_rule! {
    /// A code cell that does not parse; the other cells are still analysed.
    NB001_SYNTAX_ERROR {
        code: "NB001",
        name: "syntax-error",
        severity: Error,
        fixable: false,
        needs_analysis: true,
        check: check,
    }
}

/// One diagnostic per cell, at its first error: a parser that recovers (ruff's) reports
/// every later line of a cell in another language or dialect, which says nothing more than
/// the first error does. The message counts the rest.
fn check(context: &Context<'_>, findings: &mut Vec<Finding>) {
    for (index, facts) in context.facts.cells.iter().enumerate() {
        let Some(facts) = facts else { continue };
        let Some(first) = facts
            .errors
            .iter()
            .enumerate()
            .min_by_key(|(order, error)| (error.span.start, *order))
            .map(|(_, error)| error)
        else {
            continue;
        };
        let more = facts.errors.len() - 1;
        let mut message = format!(
            "this cell does not parse as {}: {}",
            context.language.display_name(),
            first.message
        );
        if more > 0 {
            message.push_str(&format!(
                " (and {more} more error{} in this cell)",
                if more == 1 { "" } else { "s" }
            ));
        }
        findings.push(Finding::new(index + 1, first.span, message));
    }
}
