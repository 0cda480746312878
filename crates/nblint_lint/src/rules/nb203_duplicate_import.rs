use std::collections::HashMap;

use nblint_facts::{Dependency, Import, Language, Span};

use super::places::{
    alone_on_its_line, dependency_label, dependency_line, import_keyword, import_label,
    same_dependency, whole_statement, without_line_break,
};
use crate::diagnostic::{Edit, Fix};
use crate::registry::{Context, Finding, declare_rule};

declare_rule! {
    /// The same `use` leaf, or the same `:dep` line, in more than one cell or twice in one.
    NB203_DUPLICATE_IMPORT {
        code: "NB203",
        name: "duplicate-import",
        severity: Info,
        fixable: true,
        needs_analysis: true,
        check: check,
    }
}

fn check(context: &Context<'_>, findings: &mut Vec<Finding>) {
    check_imports(context, findings);
    check_dependencies(context, findings);
}

/// Where an earlier occurrence was, in the words of a message about a later one.
fn where_(earlier_cell: usize, cell: usize) -> String {
    if earlier_cell == cell {
        "earlier in this cell".to_owned()
    } else {
        format!("in cell {earlier_cell}")
    }
}

/// The first occurrence of each import stays: it is above every later one, so it reaches
/// every cell the later ones reach, and removing the later ones never takes an import away
/// from a cell that needs it.
fn check_imports(context: &Context<'_>, findings: &mut Vec<Finding>) {
    let mut first: HashMap<(String, Option<String>), (usize, Span)> = HashMap::new();
    for (index, facts) in context.facts.cells.iter().enumerate() {
        let Some(facts) = facts else { continue };
        let cell = index + 1;
        for statement in statements(&facts.imports) {
            let earlier: Vec<Option<(usize, Span)>> = statement
                .iter()
                .map(|import| first.get(&owned_key(import)).copied())
                .collect();
            // A statement whose every leaf is a duplicate can go as a whole; one that also
            // brings something new is left for a person to trim.
            let removable = earlier.iter().all(Option::is_some);
            for (import, earlier) in statement.iter().zip(&earlier) {
                let Some((earlier_cell, earlier_span)) = *earlier else {
                    first.insert(owned_key(import), (cell, import.span));
                    continue;
                };
                let label = import_label(import);
                let mut finding = Finding::new(
                    cell,
                    import.span,
                    format!(
                        "`{label}` is already imported {}",
                        where_(earlier_cell, cell)
                    ),
                )
                .with_related(
                    earlier_cell,
                    earlier_span,
                    format!("`{label}` is imported here"),
                );
                if removable {
                    let span = context
                        .notebook
                        .cell(cell)
                        .map_or(import.statement, |found| {
                            whole_statement(&found.source, import.statement)
                        });
                    finding = finding.with_fix(Fix {
                        message: format!(
                            "remove the duplicate `{}`",
                            import_keyword(context.language)
                        ),
                        edits: vec![Edit::Replace {
                            cell,
                            span,
                            replacement: String::new(),
                        }],
                    });
                }
                findings.push(finding);
            }
        }
    }
}

fn owned_key(import: &Import) -> (String, Option<String>) {
    (import.path.clone(), import.binding.clone())
}

/// The import leaves grouped by the statement that holds them, in order.
pub(crate) fn statements(imports: &[Import]) -> Vec<Vec<&Import>> {
    let mut grouped: Vec<Vec<&Import>> = Vec::new();
    for import in imports {
        match grouped.last_mut() {
            Some(group) if group[0].statement == import.statement => group.push(import),
            _ => grouped.push(vec![import]),
        }
    }
    grouped
}

/// A `:dep` identical to the last earlier `:dep` of the same crate changes nothing; one that
/// differs is NB208's (conflicting-dependency).
fn check_dependencies(context: &Context<'_>, findings: &mut Vec<Finding>) {
    let mut latest: HashMap<&str, (usize, &Dependency)> = HashMap::new();
    for (index, facts) in context.facts.cells.iter().enumerate() {
        let Some(facts) = facts else { continue };
        let cell = index + 1;
        for dependency in &facts.dependencies {
            if let Some(&(earlier_cell, earlier)) = latest.get(dependency.name.as_str())
                && same_dependency(earlier, dependency)
            {
                let (verb, declared) = match context.language {
                    Language::Python => ("installed", "installed"),
                    _ => ("declared", "declared"),
                };
                let finding = Finding::new(
                    cell,
                    without_line_break(context.notebook, cell, dependency.span),
                    format!(
                        "{} is already {verb} {}",
                        dependency_label(context.language, dependency),
                        where_(earlier_cell, cell)
                    ),
                )
                .with_related(
                    earlier_cell,
                    without_line_break(context.notebook, earlier_cell, earlier.span),
                    format!("`{}` is {declared} here", earlier.name),
                );
                // A pip line may install other packages too: then it stays for a person to
                // trim.
                findings.push(if alone_on_its_line(facts, dependency) {
                    finding.with_fix(Fix {
                        message: format!(
                            "remove the duplicate {}",
                            dependency_line(context.language).trim_start_matches("the ")
                        ),
                        edits: vec![Edit::Replace {
                            cell,
                            span: dependency.span,
                            replacement: String::new(),
                        }],
                    })
                } else {
                    finding
                });
            }
            latest.insert(&dependency.name, (cell, dependency));
        }
    }
}
