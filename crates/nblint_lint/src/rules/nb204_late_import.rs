use std::collections::{HashMap, HashSet};

use nblint_facts::{CellFacts, DefinitionKind, Dependency, Import, Span, Vocabulary};
use nblint_notebook::Cell;

use super::nb203_duplicate_import::statements;
use super::places::{
    alone_on_its_line, has_code, import_label, same_dependency, without_line_break,
};
use crate::diagnostic::{Applicability, Edit, Fix};
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
    /// Whether statements may be put into the cell at all: not into a cell magic's body
    /// (`%%writefile`, `%%bash`), a cell that does not parse, or a cell whose one line runs
    /// as a command only alone ([`CellFacts::alone_command`]).
    open: bool,
    /// The cell's stored output is an error: what it imports is not known to be in force.
    failed: bool,
}

impl<'a> Target<'a> {
    fn new(cell: &'a Cell, facts: &'a CellFacts) -> Self {
        let last_command = facts
            .commands
            .iter()
            .map(|command| command.span)
            .chain(facts.dependencies.iter().map(|dependency| dependency.span))
            .max_by_key(|span| span.end);
        let cell_magic = facts
            .commands
            .first()
            .is_some_and(|command| command.name.starts_with("%%"));
        // Nor into a cell whose one line runs as a command only while it is alone there
        // (IPython's automagic `pip install x`).
        let open = !cell_magic && facts.parsed() && facts.alone_command.is_none();
        let failed = cell.has_error_output;
        match last_command {
            Some(span) => {
                let text = cell.source.get(span.start..span.end).unwrap_or("");
                Self {
                    cell,
                    facts,
                    dependency_at: span.start + text.trim_end_matches(['\n', '\r']).len(),
                    use_at: span.end,
                    has_commands: true,
                    open,
                    failed,
                }
            }
            None => Self {
                cell,
                facts,
                dependency_at: 0,
                use_at: 0,
                has_commands: false,
                open,
                failed,
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

/// Where environment setup stands (see [`CellFacts::environment`]), so a move can tell
/// whether it would pass any: an import moved above `os.environ["KERAS_BACKEND"] = ...`
/// loads another backend.
struct Environment {
    /// For each cell number, how many cells before it (after the first code cell) set up
    /// the environment.
    cells_before: Vec<usize>,
}

impl Environment {
    fn new(context: &Context<'_>, first: usize) -> Self {
        let mut cells_before = Vec::with_capacity(context.facts.cells.len() + 2);
        let mut count = 0;
        cells_before.push(0);
        for (index, facts) in context.facts.cells.iter().enumerate() {
            cells_before.push(count);
            let cell = index + 1;
            if cell > first
                && facts
                    .as_ref()
                    .is_some_and(|facts| !facts.environment.is_empty())
            {
                count += 1;
            }
        }
        Self { cells_before }
    }

    /// `fix`, which moves the statement at `at` in cell `cell` to `insert_at` in the first
    /// cell, made unsafe when the move passes environment setup.
    fn judge(
        &self,
        fix: Fix,
        target: &Target<'_>,
        insert_at: usize,
        cell: usize,
        facts: &CellFacts,
        at: usize,
    ) -> Fix {
        if self.passed(target, insert_at, cell, facts, at) {
            fix.with_applicability(Applicability::Unsafe)
        } else {
            fix
        }
    }

    /// Whether moving a statement at `at` in cell `cell` to `insert_at` in the first cell
    /// passes environment setup.
    fn passed(
        &self,
        target: &Target<'_>,
        insert_at: usize,
        cell: usize,
        facts: &CellFacts,
        at: usize,
    ) -> bool {
        target
            .facts
            .environment
            .iter()
            .any(|span| span.start >= insert_at)
            || self.cells_before.get(cell).copied().unwrap_or(0) > 0
            || facts.environment.iter().any(|span| span.start < at)
    }
}

/// Every place a name is bound or deleted, in notebook order, to tell whether a moved import
/// would be overridden by something between its new place and its old one.
struct Bindings<'a> {
    by_name: HashMap<&'a str, Vec<Binding<'a>>>,
}

/// One place a name is bound or deleted.
struct Binding<'a> {
    cell: usize,
    at: usize,
    /// The import's key when it is an import.
    import: Option<(&'a str, Option<&'a str>)>,
}

impl<'a> Bindings<'a> {
    fn new(context: &'a Context<'_>) -> Self {
        let mut by_name: HashMap<&str, Vec<Binding<'_>>> = HashMap::new();
        for (index, facts) in context.facts.cells.iter().enumerate() {
            let Some(facts) = facts else { continue };
            let cell = index + 1;
            for definition in &facts.defines {
                if !matches!(
                    definition.kind,
                    DefinitionKind::Import | DefinitionKind::Dependency
                ) {
                    by_name.entry(&definition.name).or_default().push(Binding {
                        cell,
                        at: definition.span.start,
                        import: None,
                    });
                }
            }
            for deleted in &facts.deleted {
                by_name.entry(&deleted.name).or_default().push(Binding {
                    cell,
                    at: deleted.span.start,
                    import: None,
                });
            }
            for import in &facts.imports {
                if let Some(binding) = &import.binding {
                    by_name.entry(binding).or_default().push(Binding {
                        cell,
                        at: import.span.start,
                        import: Some(import.key()),
                    });
                }
            }
        }
        Self { by_name }
    }

    /// Whether `import` (in cell `cell`) may move to the first cell: no other binding or
    /// deletion of its name stands anywhere in the first cell, or between the first cell and
    /// the import, except the same import.
    fn clear(&self, import: &Import, first: usize, cell: usize) -> bool {
        let Some(name) = import.binding.as_deref() else {
            return true;
        };
        self.by_name.get(name).is_none_or(|bindings| {
            bindings.iter().all(|binding| {
                let between = binding.cell == first
                    || (binding.cell > first && binding.cell < cell)
                    || (binding.cell == cell && binding.at < import.span.start);
                !between || binding.import == Some(import.key())
            })
        })
    }
}

fn check(context: &Context<'_>, findings: &mut Vec<Finding>) {
    let cells = context.notebook.cells();
    let Some(first) = cells.iter().find(|cell| has_code(cell, context.vocabulary)) else {
        return;
    };
    let Some(first_facts) = context.facts.cell(first.number) else {
        return;
    };
    let target = Target::new(first, first_facts);
    let environment = Environment::new(context, first.number);
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
            // A line that runs as a command only alone in its cell moves as the command it
            // runs (`pip install x` as `%pip install x`).
            let text = facts
                .alone_command
                .as_deref()
                .unwrap_or_else(|| cell.source.get(line.start..line.end).unwrap_or(""))
                .trim();
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
            let line_words = context.vocabulary.dependency_line;
            let fix = if !alone_on_its_line(facts, dependency)
                || !dependency.top_level
                || !facts.parsed()
            {
                // A pip line installing several packages (one finding per package), or one
                // inside a block (`if 'google.colab' in sys.modules:`): for a person to move.
                None
            } else if already.is_empty() {
                if target.open {
                    moved_dependencies.push(dependency);
                    let fix = Fix::safe(
                        format!("move {line_words} to cell {}", first.number),
                        vec![
                            Edit::Replace {
                                cell: first.number,
                                span: Span::new(target.dependency_at, target.dependency_at),
                                replacement: target.dependency_text(text),
                            },
                            delete,
                        ],
                    );
                    Some(environment.judge(
                        fix,
                        &target,
                        target.dependency_at,
                        cell.number,
                        facts,
                        dependency.span.start,
                    ))
                } else {
                    None
                }
            } else if already
                .iter()
                .all(|other| same_dependency(other, dependency))
            {
                Some(Fix::safe(
                    format!("remove {line_words}; cell {} already has it", first.number),
                    vec![delete],
                ))
            } else {
                // Cell one asks for the crate differently (NB208): which should win is a
                // person's call.
                None
            };
            let words = context.vocabulary;
            let finding = Finding::new(
                cell.number,
                line,
                format!(
                    "{} comes after the first code cell; {} in cell {}, so a run from the top {}",
                    (words.dependency_label)(dependency),
                    words.dependency_advice,
                    first.number,
                    words.dependency_reason,
                ),
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
    let bindings = Bindings::new(context);
    // What the first cell imports, by bound name, with the moves accepted so far. A cell whose
    // stored output is an error left nothing behind that later cells could count on.
    let mut in_first_cell: HashMap<Option<&str>, Vec<(&str, Option<&str>)>> = HashMap::new();
    for import in &target.facts.imports {
        in_first_cell
            .entry(import.binding.as_deref())
            .or_default()
            .push(import.key());
    }
    // Its own imports still bind their names there (a move must not bind one twice), but
    // they are not known to be in force when its stored output is an error.
    let own_keys: HashSet<(&str, Option<&str>)> =
        target.facts.imports.iter().map(Import::key).collect();
    let in_force = |in_first_cell: &HashMap<Option<&str>, Vec<(&str, Option<&str>)>>,
                    import: &Import| {
        let original = own_keys.contains(&import.key());
        in_first_cell
            .get(&import.binding.as_deref())
            .is_some_and(|keys| keys.contains(&import.key()))
            && !(target.failed && original)
    };
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
            // A cell that does not parse is left as it is: its facts are partial.
            let removal = leaf.removal.filter(|_| facts.parsed());
            let fix = removal.and_then(|removal| {
                let delete = Edit::Replace {
                    cell: cell.number,
                    span: removal,
                    replacement: String::new(),
                };
                // Imports of the same name between the two places decide what it means.
                let clear = statement
                    .iter()
                    .all(|import| bindings.clear(import, first.number, cell.number));
                if !clear {
                    return None;
                }
                let there: Vec<bool> = statement
                    .iter()
                    .map(|import| in_force(&in_first_cell, import))
                    .collect();
                if there.iter().all(|there| *there) {
                    return Some(Fix::safe(
                        format!(
                            "remove the `{}`; cell {} already imports {}",
                            context.vocabulary.import_keyword,
                            first.number,
                            labels.join(", ")
                        ),
                        vec![delete],
                    ));
                }
                if !target.open || uses_wait {
                    return None;
                }
                let available = statement.iter().all(|import| {
                    let root = import.path.trim_start_matches("::");
                    let root = root.split("::").next().unwrap_or("");
                    context
                        .vocabulary
                        .roots_without_dependency
                        .is_none_or(|roots| roots.contains(&root))
                        || crates_in_first_cell.contains(root)
                });
                // A name the first cell already binds another way would be bound twice
                // there (E0252 in Rust) or be overridden.
                let free = statement.iter().zip(&there).all(|(import, there)| {
                    *there
                        || in_first_cell
                            .get(&import.binding.as_deref())
                            .is_none_or(Vec::is_empty)
                        || import.binding.is_none()
                });
                if !available || !free {
                    return None;
                }
                let text = moved_text(
                    context.vocabulary,
                    &cell.source,
                    &statement,
                    &there,
                    removal,
                )?;
                for import in &statement {
                    in_first_cell
                        .entry(import.binding.as_deref())
                        .or_default()
                        .push(import.key());
                }
                let fix = Fix::safe(
                    format!(
                        "move the `{}` to cell {}",
                        context.vocabulary.import_keyword, first.number
                    ),
                    vec![
                        Edit::Replace {
                            cell: first.number,
                            span: Span::new(target.use_at, target.use_at),
                            replacement: target.use_text(&text),
                        },
                        delete,
                    ],
                );
                Some(environment.judge(
                    fix,
                    &target,
                    target.use_at,
                    cell.number,
                    facts,
                    leaf.statement.start,
                ))
            });
            findings.push(match fix {
                Some(fix) => finding.with_fix(fix),
                None => finding,
            });
        }
    }
}

/// The text to put in the first cell for a moved import statement: the statement as written
/// (without a trailing comment, which stays where it was), or for a Rust `use` some of whose
/// leaves the first cell already has, one `use` per new leaf, so no name is bound twice.
/// `None` when that cannot be written safely (a `pub use` or one with attributes).
fn moved_text(
    vocabulary: &Vocabulary,
    source: &str,
    statement: &[&Import],
    there: &[bool],
    removal: Span,
) -> Option<String> {
    let leaf = statement.first()?;
    let end = leaf
        .statement
        .end
        .min(removal.end.max(leaf.statement.start));
    let written = source.get(leaf.statement.start..end)?.trim();
    if there.iter().all(|there| !*there) {
        return Some(written.to_owned());
    }
    let Some(write_import) = vocabulary.write_import else {
        return Some(written.to_owned());
    };
    if !written.starts_with(&format!("{} ", vocabulary.import_keyword)) {
        return None;
    }
    let mut text = String::new();
    for (import, there) in statement.iter().zip(there) {
        if !*there {
            text.push_str(&write_import(import));
            text.push('\n');
        }
    }
    Some(text.trim_end().to_owned())
}
