use crate::registry::{Context, Finding, declare_rule};

declare_rule! {
    /// An `nblint: allow(..)` entry that silences nothing, or names no rule.
    NB002_UNUSED_SUPPRESSION {
        code: "NB002",
        name: "unused-suppression",
        severity: Info,
        fixable: false,
        needs_analysis: false,
        check: check,
    }
}

/// Unused suppressions are only known once every other rule has run, so the driver
/// (`crate::driver::lint`) reports them; this rule's own pass finds nothing.
fn check(_context: &Context<'_>, _findings: &mut Vec<Finding>) {}
