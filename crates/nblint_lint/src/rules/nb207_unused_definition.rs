use nblint_facts::{DefinitionKind, ImplicitUse, Import};

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
        // An import can be used without its name being written (a Rust trait through its
        // methods, a Python module through what importing it registers): the front end says.
        if definition.kind == DefinitionKind::Import {
            let import = context
                .facts
                .cell(site.cell)
                .and_then(|facts| {
                    facts
                        .imports
                        .iter()
                        .find(|import| import.binding.as_deref() == Some(name.as_str()))
                })
                .cloned()
                .unwrap_or_else(|| Import {
                    path: name.clone(),
                    binding: Some(name.clone()),
                    ..Import::default()
                });
            match (context.vocabulary.implicit_use)(&import) {
                ImplicitUse::NameOnly => {}
                ImplicitUse::Always => continue,
                ImplicitUse::ThroughMethod(method) => {
                    // `use ndarray::linalg::Dot;` then `a.dot(&b)`: a method named after
                    // the import called in its cell or below.
                    let calls = method_calls.get_or_insert_with(|| MethodCalls::of(context));
                    if calls.called_at_or_after(&method, site.cell) {
                        continue;
                    }
                }
            }
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
