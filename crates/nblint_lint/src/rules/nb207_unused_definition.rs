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
    let mut method_calls = None;
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
        if definition.kind == DefinitionKind::Import && *context.language == Language::Rust {
            let path = context.facts.cell(site.cell).and_then(|facts| {
                facts
                    .imports
                    .iter()
                    .find(|import| import.binding.as_deref() == Some(name.as_str()))
                    .map(|import| import.path.as_str())
            });
            if may_be_trait(name) || path.is_some_and(|path| is_trait_path(path, name)) {
                continue;
            }
            // `use ndarray::linalg::Dot;` then `a.dot(&b)`: a method named after the import
            // (its name in snake case) called in its cell or below.
            let calls = method_calls.get_or_insert_with(|| MethodCalls::of(context));
            if calls.called_at_or_after(&snake_case(name), site.cell) {
                continue;
            }
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
    "AbsDiffEq",
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
    "ImageDisplay",
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
    "RelativeEq",
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
    "TryFrom",
    "TryInto",
    "UlpsEq",
    "Write",
    "Zero",
];

/// Traits known by their full import path, whose short name other crates give to types
/// (`ndarray::linalg::Dot` is a trait, `petgraph::dot::Dot` a struct).
const TRAIT_PATHS: &[&str] = &["ndarray::linalg::Dot"];

/// Modules whose capitalised names are all traits: smartcore's array and matrix traits
/// (`Array2`, `MutArray`, `MatrixStats`, ...), unlike ndarray's `Array2`, a type.
const TRAIT_MODULES: &[&str] = &[
    "smartcore::linalg::basic::arrays",
    "smartcore::linalg::traits",
];

/// Whether the import of `name` from `path` is a trait known by its path.
fn is_trait_path(path: &str, name: &str) -> bool {
    let path = path.strip_prefix("::").unwrap_or(path);
    TRAIT_PATHS.contains(&path)
        || (name.starts_with(|c: char| c.is_ascii_uppercase())
            && TRAIT_MODULES.iter().any(|module| {
                path.strip_prefix(module)
                    .is_some_and(|rest| rest.starts_with("::"))
            }))
}

/// `MatrixStats` → `matrix_stats`, `AbsDiffEq` → `abs_diff_eq`, `Dot` → `dot`.
fn snake_case(name: &str) -> String {
    let mut snake = String::with_capacity(name.len() + 4);
    for (index, c) in name.char_indices() {
        if c.is_uppercase() {
            if index > 0 {
                snake.push('_');
            }
            snake.extend(c.to_lowercase());
        } else {
            snake.push(c);
        }
    }
    snake
}

/// The methods the notebook's code cells call (`.name(` or `.name::<`), each with the last
/// cell that calls it; read from the cell text once per notebook, so comments and strings
/// count too (which can only keep the rule quiet).
struct MethodCalls {
    last_cell: std::collections::HashMap<String, usize>,
}

impl MethodCalls {
    fn of(context: &Context<'_>) -> Self {
        let mut last_cell = std::collections::HashMap::new();
        for (index, cell) in context.notebook.cells().iter().enumerate() {
            if !cell.is_code() {
                continue;
            }
            let text = cell.source.as_bytes();
            let mut at = 0;
            while let Some(offset) = text[at..].iter().position(|&byte| byte == b'.') {
                let start = at + offset + 1;
                let mut end = start;
                while end < text.len() && (text[end].is_ascii_alphanumeric() || text[end] == b'_') {
                    end += 1;
                }
                let call = text.get(end) == Some(&b'(') || text[end..].starts_with(b"::<");
                if end > start && call && !text[start].is_ascii_digit() {
                    let method = String::from_utf8_lossy(&text[start..end]).into_owned();
                    last_cell.insert(method, index + 1);
                }
                at = end.max(start);
            }
        }
        Self { last_cell }
    }

    fn called_at_or_after(&self, method: &str, cell: usize) -> bool {
        self.last_cell.get(method).is_some_and(|&last| last >= cell)
    }
}

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
        assert!(is_trait_path(
            "smartcore::linalg::basic::arrays::MutArray",
            "MutArray"
        ));
        assert!(is_trait_path("ndarray::linalg::Dot", "Dot"));
        assert!(!is_trait_path("petgraph::dot::Dot", "Dot"));
        assert!(!is_trait_path("ndarray::Array2", "Array2"));
        assert_eq!(snake_case("AbsDiffEq"), "abs_diff_eq");
        assert_eq!(snake_case("Dot"), "dot");
    }
}
