use nblint_graph::Resolution;

use super::name_index::{NameIndex, never_read};
use super::places;
use crate::registry::{Context, Finding, declare_rule};

declare_rule! {
    /// A name used in a cell but defined only in a cell below it: it works only if that cell
    /// ran first, and fails on a clean run from the top.
    NB201_UNDEFINED_ABOVE {
        code: "NB201",
        name: "undefined-above",
        severity: Warning,
        fixable: false,
        needs_analysis: true,
        check: check,
    }
}

fn check(context: &Context<'_>, findings: &mut Vec<Finding>) {
    // A crate declared with `:dep` is in scope from the cell that declares it; a later
    // `extern crate` of it below is not what the use depends on (NB204 covers late `:dep`s).
    let crates = places::declared_crates(context.facts);
    let postponed_from = places::annotations_postponed_from(context.facts);
    let mut index: Option<NameIndex<'_>> = None;
    for use_ in context.graph.uses_defined_only_below() {
        let Resolution::Below(defined_in) = use_.resolution else {
            continue;
        };
        let name = &use_.name;
        if crates.contains(name) {
            continue;
        }
        // A cell that does not parse runs none of its code: its reads are not made, and its
        // definitions never happen (NB001 reports the cell).
        if places::never_ran(context, use_.cell) || places::never_ran(context, defined_in) {
            continue;
        }
        // A read inside a function body happens when the function is called, by which time
        // the cell below may have run (ruff resolves them at the end of the module too): only
        // a read made while the cell runs counts, and not a mention of a name that need not
        // exist (an unevaluated annotation, a `$name` in a shell line), nor a read in a branch
        // a flag the notebook sets switches off.
        let Some(span) = context.facts.cell(use_.cell).and_then(|facts| {
            facts
                .uses
                .iter()
                .find(|other| {
                    &other.name == name
                        && !other.deferred
                        && places::needs_name(other, use_.cell, postponed_from)
                        && !(other.guard.is_some()
                            && never_read(
                                index.get_or_insert_with(|| NameIndex::of(context.facts)),
                                use_.cell,
                                other,
                            ))
                })
                .map(|other| other.span)
        }) else {
            continue;
        };
        // A glob import at or above the use may already have brought the name: what a
        // module holds cannot be listed (`from math import *` then `cos(pi)`, with
        // `from math import cos` below; `from preamble import *`, a book's own module whose
        // `import pandas as pd` brings `pd`; `from aima.mdp import *`, whose module defines
        // the `sequential_decision_environment` a cell below binds again to show it), so the
        // use may not depend on the cell below.
        let glob_above = {
            (1..=use_.cell).any(|cell| {
                context.facts.cell(cell).is_some_and(|facts| {
                    facts.imports.iter().any(|import| {
                        import.glob && (cell < use_.cell || import.span.start < span.start)
                    })
                })
            })
        };
        // So may code that binds names no one can list, run at or above the use: `%run
        // helpers.py`, `exec(code)`, `%store -r`, a write through `globals()` or, at the top
        // level, `locals()` (`for name in files: locals()[name] = pd.read_csv(..)`).
        let unknown_above = (1..=use_.cell).any(|cell| {
            context.facts.cell(cell).is_some_and(|facts| {
                facts
                    .runs_unknown_code_at
                    .is_some_and(|at| cell < use_.cell || at < span.start)
            })
        });
        if glob_above || unknown_above {
            continue;
        }
        let mut finding = Finding::new(
            use_.cell,
            span,
            format!(
                "`{name}` is used here but only defined in cell {defined_in}, below; this works only if cell {defined_in} ran first"
            ),
        );
        if let Some(definition) = context.facts.cell(defined_in).and_then(|facts| {
            facts
                .defines
                .iter()
                .find(|definition| &definition.name == name)
        }) {
            finding = finding.with_related(
                defined_in,
                definition.span,
                format!("`{name}` is defined here"),
            );
        }
        findings.push(finding);
    }
}
