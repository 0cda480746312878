use std::collections::HashSet;

use nblint_facts::{CellFacts, DefinitionKind, Dependency, Language, Span};
use nblint_notebook::Cell;

use super::nb203_duplicate_import::statements;
use super::places::{
    alone_on_its_line, covers_whole_lines, dependency_label, dependency_line, has_code,
    import_keyword, import_label, same_dependency, whole_statement, without_line_break,
};
use crate::diagnostic::{Edit, Fix};
use crate::registry::{Context, Finding, declare_rule};

declare_rule! {
    /// A `use` or `:dep` after the first code cell: setup scattered through the notebook.
    NB204_LATE_IMPORT {
        code: "NB204",
        name: "late-import",
        severity: Info,
        fixable: true,
        needs_analysis: true,
        check: check,
    }
}

/// Path roots that are always there, so a `use` of them works in the first cell too.
const ALWAYS_THERE: &[&str] = &["std", "core", "alloc"];

/// The first code cell, where late imports are moved, and the two places in it where they go.
struct Target<'a> {
    cell: &'a Cell,
    facts: &'a CellFacts,
    /// Where a moved `:dep` line goes, and the text before and after the line: at the end of
    /// the leading command block's last line (before its line break), or at the very top.
    dependency_at: usize,
    /// Where a moved `use` statement goes: just after the leading command block.
    use_at: usize,
    has_commands: bool,
}

impl<'a> Target<'a> {
    fn new(cell: &'a Cell, facts: &'a CellFacts) -> Self {
        let last_command = facts
            .commands
            .iter()
            .map(|command| command.span)
            .chain(facts.dependencies.iter().map(|dependency| dependency.span))
            .max_by_key(|span| span.end);
        match last_command {
            Some(span) => {
                let text = cell.source.get(span.start..span.end).unwrap_or("");
                Self {
                    cell,
                    facts,
                    dependency_at: span.start + text.trim_end_matches(['\n', '\r']).len(),
                    use_at: span.end,
                    has_commands: true,
                }
            }
            None => Self {
                cell,
                facts,
                dependency_at: 0,
                use_at: 0,
                has_commands: false,
            },
        }
    }

    /// The text that inserts `line` (one `:dep` line, without its line break).
    fn dependency_text(&self, line: &str) -> String {
        if self.has_commands {
            format!("\n{line}")
        } else {
            format!("{line}\n")
        }
    }

    /// The text that inserts `statement` (whole lines).
    fn use_text(&self, statement: &str) -> String {
        let mut text = String::new();
        if self.use_at == self.cell.source.len()
            && !self.cell.source.is_empty()
            && !self.cell.source.ends_with('\n')
        {
            text.push('\n');
        }
        text.push_str(statement);
        if !statement.ends_with('\n') {
            text.push('\n');
        }
        text
    }
}

fn check(context: &Context<'_>, findings: &mut Vec<Finding>) {
    let cells = context.notebook.cells();
    let Some(first) = cells.iter().find(|cell| has_code(cell)) else {
        return;
    };
    let Some(first_facts) = context.facts.cell(first.number) else {
        return;
    };
    let target = Target::new(first, first_facts);
    let late = || {
        cells[first.number..]
            .iter()
            .filter_map(|cell| Some((cell, context.facts.cell(cell.number)?)))
    };

    // `:dep` lines first: whether any moves decides whether `use` statements can move in
    // the same pass (see below), and a moved `:dep` lets a `use` of its crate move too.
    let mut moved_dependencies: Vec<&Dependency> = Vec::new();
    for (cell, facts) in late() {
        for dependency in &facts.dependencies {
            let line = without_line_break(context.notebook, cell.number, dependency.span);
            let text = cell.source.get(line.start..line.end).unwrap_or("").trim();
            let already = first_facts
                .dependencies
                .iter()
                .chain(moved_dependencies.iter().copied())
                .filter(|other| other.name == dependency.name)
                .collect::<Vec<_>>();
            let delete = Edit::Replace {
                cell: cell.number,
                span: dependency.span,
                replacement: String::new(),
            };
            let line_words = dependency_line(context.language);
            let fix = if !alone_on_its_line(facts, dependency) {
                // A pip line installing several packages: one finding per package, and the
                // line is for a person to move.
                None
            } else if already.is_empty() {
                moved_dependencies.push(dependency);
                Some(Fix {
                    message: format!("move {line_words} to cell {}", first.number),
                    edits: vec![
                        Edit::Replace {
                            cell: first.number,
                            span: Span::new(target.dependency_at, target.dependency_at),
                            replacement: target.dependency_text(text),
                        },
                        delete,
                    ],
                })
            } else if already
                .iter()
                .all(|other| same_dependency(other, dependency))
            {
                Some(Fix {
                    message: format!("remove {line_words}; cell {} already has it", first.number),
                    edits: vec![delete],
                })
            } else {
                // Cell one asks for the crate differently (NB208): which should win is a
                // person's call.
                None
            };
            let finding = Finding::new(
                cell.number,
                line,
                match context.language {
                    Language::Python => format!(
                        "{} comes after the first code cell; install packages in cell {}, so a run from the top sets up the environment before any import",
                        dependency_label(context.language, dependency),
                        first.number
                    ),
                    _ => format!(
                        "`:dep {}` comes after the first code cell; declare dependencies in cell {}, so a run from the top builds them once",
                        dependency.name, first.number
                    ),
                },
            );
            findings.push(match fix {
                Some(fix) => finding.with_fix(fix),
                None => finding,
            });
        }
    }

    // A `:dep` and a `use` inserted at one point would land in the order their findings come,
    // which can put a `use` above a `:dep` and end the command block early. When the points
    // coincide and a `:dep` moves, the `use` statements wait for the next fix pass.
    let uses_wait = target.dependency_at == target.use_at && !moved_dependencies.is_empty();
    let crates_in_first_cell: HashSet<String> = first_facts
        .dependencies
        .iter()
        .chain(moved_dependencies.iter().copied())
        .map(|dependency| dependency.name.replace('-', "_"))
        .collect();
    let first_defines: HashSet<&str> = first_facts
        .defines
        .iter()
        .filter(|definition| definition.kind != DefinitionKind::Import)
        .map(|definition| definition.name.as_str())
        .collect();
    let mut in_first_cell: HashSet<(&str, Option<&str>)> = target
        .facts
        .imports
        .iter()
        .map(|import| import.key())
        .collect();
    for (cell, facts) in late() {
        for statement in statements(&facts.imports) {
            let Some(&leaf) = statement.first() else {
                continue;
            };
            let labels: Vec<String> = statement
                .iter()
                .map(|import| format!("`{}`", import_label(import)))
                .collect();
            let line = without_line_break(context.notebook, cell.number, leaf.statement);
            let finding = Finding::new(
                cell.number,
                line,
                format!(
                    "{} {} imported after the first code cell; put imports in cell {}, where a reader looks for them",
                    labels.join(", "),
                    if labels.len() == 1 { "is" } else { "are" },
                    first.number
                ),
            );
            let all_there = statement
                .iter()
                .all(|import| in_first_cell.contains(&import.key()));
            let movable = covers_whole_lines(&cell.source, leaf.statement)
                && statement.iter().all(|import| {
                    let root = import.path.trim_start_matches("::");
                    let root = root.split("::").next().unwrap_or("");
                    (ALWAYS_THERE.contains(&root) || crates_in_first_cell.contains(root))
                        && import
                            .binding
                            .as_deref()
                            .is_none_or(|binding| !first_defines.contains(binding))
                });
            let delete = Edit::Replace {
                cell: cell.number,
                span: whole_statement(&cell.source, leaf.statement),
                replacement: String::new(),
            };
            let fix = if all_there && covers_whole_lines(&cell.source, leaf.statement) {
                Some(Fix {
                    message: format!(
                        "remove the `{}`; cell {} already imports {}",
                        import_keyword(context.language),
                        first.number,
                        labels.join(", ")
                    ),
                    edits: vec![delete],
                })
            } else if movable && !uses_wait {
                let span = whole_statement(&cell.source, leaf.statement);
                let text = cell.source.get(span.start..span.end).unwrap_or("");
                for import in &statement {
                    in_first_cell.insert(import.key());
                }
                Some(Fix {
                    message: format!(
                        "move the `{}` to cell {}",
                        import_keyword(context.language),
                        first.number
                    ),
                    edits: vec![
                        Edit::Replace {
                            cell: first.number,
                            span: Span::new(target.use_at, target.use_at),
                            replacement: target.use_text(text),
                        },
                        delete,
                    ],
                })
            } else {
                None
            };
            findings.push(match fix {
                Some(fix) => finding.with_fix(fix),
                None => finding,
            });
        }
    }
}
