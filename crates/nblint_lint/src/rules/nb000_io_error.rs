use crate::registry::{Context, Finding, declare_rule};

declare_rule! {
    /// A notebook that cannot be read or parsed (or written back by `--fix`). It is reported
    /// where the file is read, by the command line, in every output format: no check finds
    /// it in a notebook that was read.
    NB000_IO_ERROR {
        code: "NB000",
        name: "io-error",
        severity: Error,
        fixable: false,
        needs_analysis: false,
        check: check,
    }
}

/// A notebook that reached the rules was read: this rule's own pass finds nothing.
fn check(_context: &Context<'_>, _findings: &mut Vec<Finding>) {}
