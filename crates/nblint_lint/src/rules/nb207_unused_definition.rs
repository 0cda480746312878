use nblint_facts::{DefinitionKind, Language};

use crate::registry::{Context, Finding, declare_rule};

declare_rule! {
    /// A top-level definition (or import) that no cell uses.
    NB207_UNUSED_DEFINITION {
        code: "NB207",
        name: "unused-definition",
        severity: Info,
        fixable: false,
        needs_analysis: true,
        check: check,
    }
}

fn check(context: &Context<'_>, findings: &mut Vec<Finding>) {
    // Uses are only complete when every cell was read in full: a cell that does not parse,
    // a macro body that was not analysed, or a cell that reads names chosen when it runs
    // (`globals()[name]`, `eval(..)`) may hold the use we would miss.
    let uncertain = context
        .facts
        .cells
        .iter()
        .flatten()
        .any(|facts| !facts.parsed() || facts.partially_analysed || facts.reads_unknown_names);
    if uncertain {
        return;
    }
    for site in context.graph.unused_definitions(context.facts) {
        let Some(definition) = context
            .facts
            .cell(site.cell)
            .and_then(|facts| facts.defines.get(site.index))
        else {
            continue;
        };
        let name = &definition.name;
        // A `:dep` crate is used by what it links, derives and features too, which no cell
        // names: its use is the compiler's to judge.
        if definition.kind == DefinitionKind::Dependency {
            continue;
        }
        // `main` is what a reader runs by hand, `pub` items are meant for outside the
        // notebook, and a leading `_` says "unused on purpose", as rustc reads it.
        if name == "main" || definition.public || name.starts_with('_') {
            continue;
        }
        // A trait import is used by method calls (`writeln!`, `.try_into()`, `.par_iter()`)
        // that never name it; only the compiler knows, so stay quiet for known traits.
        if definition.kind == DefinitionKind::Import
            && *context.language == Language::Rust
            && may_be_trait(name)
        {
            continue;
        }
        // A Python module imported for what importing it does (`mpl_toolkits.mplot3d`
        // registers the 3-D projection) is used even if its names never are.
        if definition.kind == DefinitionKind::Import
            && *context.language == Language::Python
            && context.facts.cell(site.cell).is_some_and(|facts| {
                facts.imports.iter().any(|import| {
                    import.binding.as_deref() == Some(name.as_str())
                        && is_side_effect_import(&import.path)
                })
            })
        {
            continue;
        }
        let message = match definition.kind {
            DefinitionKind::Import => format!("`{name}` is imported but never used"),
            DefinitionKind::Dependency => format!("crate `{name}` is declared but never used"),
            DefinitionKind::Variable => {
                format!("`{name}` is bound here but no cell uses it, and it is not displayed")
            }
            DefinitionKind::Function => format!("function `{name}` is defined but never used"),
            DefinitionKind::Type => format!("type `{name}` is defined but never used"),
            DefinitionKind::Constant => format!("constant `{name}` is defined but never used"),
            DefinitionKind::Module => format!("module `{name}` is defined but never used"),
            DefinitionKind::Macro => format!("macro `{name}!` is defined but never used"),
        };
        findings.push(Finding::new(site.cell, definition.span, message));
    }
}

/// Traits of std and popular crates that code brings into scope only for their methods, and
/// extension traits by the `*Ext` naming convention. Sorted for binary search.
const METHOD_TRAITS: &[&str] = &[
    "Add",
    "AddAssign",
    "Any",
    "AsPrimitive",
    "Borrow",
    "BorrowMut",
    "BufRead",
    "Context",
    "Deref",
    "DerefMut",
    "Display",
    "Distribution",
    "Div",
    "Error",
    "Float",
    "FromIterator",
    "FromPrimitive",
    "FromStr",
    "Hash",
    "Hasher",
    "Index",
    "IndexMut",
    "IndexedParallelIterator",
    "IntoParallelIterator",
    "IntoParallelRefIterator",
    "IntoParallelRefMutIterator",
    "IteratorRandom",
    "Itertools",
    "Mul",
    "MulAssign",
    "Neg",
    "Num",
    "NumCast",
    "One",
    "ParallelBridge",
    "ParallelIterator",
    "ParallelSlice",
    "ParallelSliceMut",
    "Product",
    "Read",
    "Rng",
    "RngCore",
    "SeedableRng",
    "Seek",
    "Signed",
    "SliceRandom",
    "Sub",
    "SubAssign",
    "Sum",
    "ToPrimitive",
    "Write",
    "Zero",
];

/// Python modules people import for the import's effect, not for the names it binds.
const SIDE_EFFECT_MODULES: &[&str] = &["mpl_toolkits.mplot3d", "readline", "rlcompleter"];

/// Whether `path` (`mpl_toolkits.mplot3d.Axes3D`) comes from a side-effect module.
fn is_side_effect_import(path: &str) -> bool {
    SIDE_EFFECT_MODULES.iter().any(|module| {
        path == *module
            || path
                .strip_prefix(module)
                .is_some_and(|rest| rest.starts_with('.'))
    })
}

/// Whether an imported name may be a trait used only through its methods.
fn may_be_trait(name: &str) -> bool {
    name.ends_with("Ext") || METHOD_TRAITS.binary_search(&name).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trait_list_is_sorted() {
        assert!(METHOD_TRAITS.windows(2).all(|pair| pair[0] < pair[1]));
        assert!(may_be_trait("Write") && may_be_trait("StreamExt") && !may_be_trait("HashMap"));
        assert!(is_side_effect_import("mpl_toolkits.mplot3d.Axes3D"));
        assert!(is_side_effect_import("mpl_toolkits.mplot3d"));
        assert!(!is_side_effect_import("mpl_toolkits.mplot3d_other"));
        assert!(!is_side_effect_import("numpy"));
    }
}
