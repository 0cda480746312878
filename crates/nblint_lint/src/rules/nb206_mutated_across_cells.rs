use std::collections::HashSet;

use nblint_facts::MutationKind;

use super::name_index::{NameIndex, never_holds};
use super::places;
use crate::registry::{Context, Finding, declare_rule};

declare_rule! {
    /// A cell that changes in place a value another cell defined: what the value holds depends
    /// on whether that cell has run.
    NB206_MUTATED_ACROSS_CELLS {
        code: "NB206",
        name: "mutated-across-cells",
        severity: Warning,
        fixable: false,
        needs_analysis: true,
        check: check,
    }
}

/// The evidence quoted in the message: the source text when it is short and on one line,
/// otherwise a description of the change.
fn evidence(name: &str, kind: &MutationKind, text: Option<&str>) -> String {
    if let Some(text) = text.map(str::trim)
        && !text.is_empty()
        && !text.contains('\n')
        && text.len() <= 40
    {
        return format!("`{text}`");
    }
    match kind {
        MutationKind::Assign => format!("an assignment to `{name}`"),
        MutationKind::CompoundAssign => format!("a compound assignment to `{name}`"),
        MutationKind::MutableBorrow => format!("`&mut {name}`"),
        MutationKind::MethodCall { method } => format!("`{name}.{method}(..)`"),
    }
}

/// One finding per (cell, name), at the first change: a loop of `push` calls is one problem.
fn check(context: &Context<'_>, findings: &mut Vec<Finding>) {
    let mut reported: HashSet<(usize, String)> = HashSet::new();
    let mut index = None;
    for mutation in context.graph.cross_cell_mutations(context.facts) {
        // A change under a top-level `if` on a flag that switches it off (`RETRAIN = True`,
        // then `if not RETRAIN: net.load_state_dict(..)`) never happens.
        if let Some(guard) = &mutation.guard
            && never_holds(
                index.get_or_insert_with(|| NameIndex::of(context.facts)),
                guard,
                mutation.cell,
                mutation.span.start,
            )
        {
            continue;
        }
        if !reported.insert((mutation.cell, mutation.name.clone())) {
            continue;
        }
        // A cell that does not parse changed nothing, and one that does not parse defined
        // nothing to change (homework templates with `<YOUR CODE HERE>`).
        if places::never_ran(context, mutation.cell)
            || places::never_ran(context, mutation.defined_in)
            // `exec(code)` above may have bound the name anew (evalml's generated
            // `pipeline = ..`): the change may be of that value.
            || places::after_unknown_code(context, mutation.cell, mutation.span)
        {
            continue;
        }
        // A cell whose stored output is an error changed nothing: the kernel discarded its
        // effects (and it is usually a deliberate compile-error demonstration).
        if context
            .notebook
            .cell(mutation.cell)
            .is_some_and(|cell| cell.has_error_output)
        {
            continue;
        }
        let definition = context.facts.cell(mutation.defined_in).and_then(|facts| {
            facts
                .defines
                .iter()
                .rev()
                .find(|definition| definition.name == mutation.name)
        });
        // A method that changes most receivers leaves this one alone, given how it was made
        // (`mod = smf.ols(..)` then `mod.fit()`: statsmodels returns a results object).
        if let (MutationKind::MethodCall { method }, Some(value)) = (
            &mutation.kind,
            definition.and_then(|definition| definition.value.as_ref()),
        ) && (context.vocabulary.leaves_unchanged)(value, method, &|name| {
            imported_from(context, name)
        }) {
            continue;
        }
        let source = context
            .notebook
            .cell(mutation.cell)
            .map_or("", |cell| cell.source.as_str());
        let text = source.get(mutation.span.start..mutation.span.end);
        let what = evidence(&mutation.name, &mutation.kind, text);
        let name = &mutation.name;
        let defined_in = mutation.defined_in;
        let place = if defined_in > mutation.cell {
            format!("cell {defined_in}, below,")
        } else {
            format!("cell {defined_in}")
        };
        let mut finding = Finding::new(
            mutation.cell,
            mutation.span,
            format!(
                "`{name}` is defined in {place} and changed in place here ({what}): what it holds depends on whether this cell has run, not only on cell {defined_in}"
            ),
        );
        if let Some(definition) = definition {
            finding = finding.with_related(
                defined_in,
                definition.span,
                format!("`{name}` is defined here"),
            );
        }
        findings.push(finding);
    }
}

/// The module path a name was imported from in any cell (`Logit` →
/// `statsmodels.discrete.discrete_model.Logit`), if it was imported.
fn imported_from(context: &Context<'_>, name: &str) -> Option<String> {
    context
        .facts
        .cells
        .iter()
        .flatten()
        .flat_map(|facts| &facts.imports)
        .find(|import| import.binding.as_deref() == Some(name))
        .map(|import| import.path.clone())
}
