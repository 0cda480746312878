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

fn check(context: &Context<'_>, findings: &mut Vec<Finding>) {
    for (index, facts) in context.facts.cells.iter().enumerate() {
        let Some(facts) = facts else { continue };
        for error in &facts.errors {
            findings.push(Finding::new(
                index + 1,
                error.span,
                format!(
                    "this cell does not parse as {}: {}",
                    context.language.display_name(),
                    error.message
                ),
            ));
        }
    }
}
