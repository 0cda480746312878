use std::collections::HashMap;

use nblint_facts::{DefinitionKind, Dependency, Import, Span};

use super::places::{alone_on_its_line, import_label, same_dependency, without_line_break};
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
/// from a cell that needs it. Two things end a first occurrence's reach: the name it binds
/// being bound to something else or deleted (`pi = 3`, `del np`), after which an import of
/// it again is needed; and a stored error output in its cell (evcxr discards a cell that
/// fails to compile, and a Python cell that raised ran only up to the failing statement,
/// which its output does not place reliably), so an import there is never the copy others
/// lean on.
fn check_imports(context: &Context<'_>, findings: &mut Vec<Finding>) {
    let mut first = FirstCopies::default();
    for (index, facts) in context.facts.cells.iter().enumerate() {
        let Some(facts) = facts else { continue };
        let cell = index + 1;
        let failed = context
            .notebook
            .cell(cell)
            .is_some_and(|found| found.has_error_output);
        let mut rebinds: Vec<(usize, &str)> = facts
            .defines
            .iter()
            .filter(|definition| {
                !matches!(
                    definition.kind,
                    DefinitionKind::Import | DefinitionKind::Dependency
                )
            })
            .map(|definition| (definition.span.start, definition.name.as_str()))
            .chain(
                facts
                    .deleted
                    .iter()
                    .map(|deleted| (deleted.span.start, deleted.name.as_str())),
            )
            .collect();
        rebinds.sort_unstable();
        let mut rebinds = rebinds.into_iter().peekable();
        for statement in statements(&facts.imports) {
            let at = statement[0].statement.start;
            while let Some((_, name)) = rebinds.next_if(|(start, _)| *start < at) {
                first.forget(name);
            }
            let earlier: Vec<Option<(usize, Span)>> =
                statement.iter().map(|import| first.get(import)).collect();
            // A statement whose every leaf is a duplicate can go as a whole; one that also
            // brings something new is left for a person to trim.
            let removable = earlier.iter().all(Option::is_some);
            for (import, earlier) in statement.iter().zip(&earlier) {
                let Some((earlier_cell, earlier_span)) = *earlier else {
                    // A new import of a name rebinds it: earlier imports of that name from
                    // elsewhere are no longer in force.
                    if let Some(binding) = &import.binding {
                        first.forget(binding);
                    }
                    // Only an import that surely ran is a copy others may lean on: not one
                    // in a failed cell or a cell that does not parse (which never runs), nor
                    // one inside a block (`if`, `for`: it runs only sometimes) or a cell
                    // magic, which have no removal span.
                    if !failed && facts.parsed() && import.removal.is_some() {
                        first.insert(import, cell);
                    }
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
                if removable
                    && facts.parsed()
                    && let Some(removal) = import.removal
                {
                    finding = finding.with_fix(Fix::safe(
                        format!(
                            "remove the duplicate `{}`",
                            context.vocabulary.import_keyword
                        ),
                        vec![Edit::Replace {
                            cell,
                            span: removal,
                            replacement: String::new(),
                        }],
                    ));
                }
                findings.push(finding);
            }
        }
        for (_, name) in rebinds {
            first.forget(name);
        }
    }
}

/// The first copy of each import still in force, by path and bound name.
#[derive(Default)]
struct FirstCopies {
    by_key: HashMap<(String, Option<String>), (usize, Span)>,
    /// The keys in `by_key` binding each name, so a rebinding forgets them at once.
    by_binding: HashMap<String, Vec<(String, Option<String>)>>,
}

impl FirstCopies {
    fn get(&self, import: &Import) -> Option<(usize, Span)> {
        self.by_key.get(&owned_key(import)).copied()
    }

    fn insert(&mut self, import: &Import, cell: usize) {
        let key = owned_key(import);
        if let Some(binding) = &import.binding {
            self.by_binding
                .entry(binding.clone())
                .or_default()
                .push(key.clone());
        }
        self.by_key.insert(key, (cell, import.span));
    }

    /// `name` now means something else: imports binding it are no longer in force.
    fn forget(&mut self, name: &str) {
        for key in self.by_binding.remove(name).unwrap_or_default() {
            self.by_key.remove(&key);
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
                let verb = context.vocabulary.dependency_done;
                let finding = Finding::new(
                    cell,
                    without_line_break(context.notebook, cell, dependency.span),
                    format!(
                        "{} is already {verb} {}",
                        (context.vocabulary.dependency_label)(dependency),
                        where_(earlier_cell, cell)
                    ),
                )
                .with_related(
                    earlier_cell,
                    without_line_break(context.notebook, earlier_cell, earlier.span),
                    format!("`{}` is {verb} here", earlier.name),
                );
                // A pip line may install other packages too: then it stays for a person to
                // trim.
                // An indented one (under `if`) may be its block's only statement.
                findings.push(
                    if alone_on_its_line(facts, dependency)
                        && dependency.top_level
                        && facts.parsed()
                    {
                        finding.with_fix(Fix::safe(
                            format!(
                                "remove the duplicate {}",
                                context
                                    .vocabulary
                                    .dependency_line
                                    .trim_start_matches("the ")
                            ),
                            vec![Edit::Replace {
                                cell,
                                span: dependency.span,
                                replacement: String::new(),
                            }],
                        ))
                    } else {
                        finding
                    },
                );
            }
            latest.insert(&dependency.name, (cell, dependency));
        }
    }
}
