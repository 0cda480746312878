use nblint_facts::DefinitionKind;
use nblint_graph::Graph;

use crate::registry::{Context, Finding, declare_rule};

declare_rule! {
    /// A top-level name bound by `let` in more than one cell: which value later cells see
    /// depends on which of those cells ran last.
    NB205_REDEFINED_ACROSS_CELLS {
        code: "NB205",
        name: "redefined-across-cells",
        severity: Warning,
        fixable: false,
        needs_analysis: true,
        check: check,
    }
}

/// One finding per later binding cell, naming the binding cell just before it (the value it
/// replaces on a run from the top).
fn check(context: &Context<'_>, findings: &mut Vec<Finding>) {
    for (name, cells) in Graph::variables_bound_in_several_cells(context.facts) {
        let binding = |cell: usize| {
            context.facts.cell(cell).and_then(|facts| {
                facts.defines.iter().find(|definition| {
                    definition.kind == DefinitionKind::Variable && definition.name == name
                })
            })
        };
        for pair in cells.windows(2) {
            let (earlier, later) = (pair[0], pair[1]);
            let (Some(earlier_binding), Some(later_binding)) = (binding(earlier), binding(later))
            else {
                continue;
            };
            findings.push(
                Finding::new(
                    later,
                    later_binding.span,
                    format!(
                        "`{name}` is also bound in cell {earlier}; what later cells see depends on which of the two ran last, so re-running cell {earlier} changes them"
                    ),
                )
                .with_related(
                    earlier,
                    earlier_binding.span,
                    format!("`{name}` is first bound here"),
                ),
            );
        }
    }
}
