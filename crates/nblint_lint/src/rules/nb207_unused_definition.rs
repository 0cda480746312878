use std::collections::HashMap;

use nblint_facts::{DefinitionKind, ImplicitUse, Import, NotebookFacts};
use nblint_graph::Resolution;
use nblint_notebook::CellKind;

use crate::registry::{Context, Finding, Silencing, declare_rule};

declare_rule! {
    /// A top-level definition (or import) that no cell uses.
    NB207_UNUSED_DEFINITION {
        code: "NB207",
        name: "unused-definition",
        severity: Info,
        fixable: false,
        needs_analysis: true,
        check: check,
        silencing: Silencing {
            first_cell: uncertain_cell,
            across_notebooks: "have a cell that does not parse, holds a macro body nblint did \
                 not read, or reads names chosen when it runs",
        },
    }
}

/// Uses are only complete when every cell was read in full: the first cell that may hold a
/// use nblint cannot see (it does not parse, holds a macro body that was not analysed, or
/// reads names chosen when it runs: `globals()[name]`, `eval(..)`), and why. While there is
/// one, the rule reports nothing in the notebook.
fn uncertain_cell(facts: &NotebookFacts) -> Option<(usize, &'static str)> {
    facts.cells.iter().enumerate().find_map(|(index, facts)| {
        let facts = facts.as_ref()?;
        let reason = if !facts.parsed() {
            "does not parse, so the names it uses are unknown"
        } else if facts.partially_analysed {
            "holds a macro body nblint did not read, so the names it uses are unknown"
        } else if facts.reads_unknown_names {
            "reads names chosen when it runs (`globals()`, `eval`, `exec`, `vars()`, \
             `locals()`, a notebook run with `%run`), so any definition may be used"
        } else {
            return None;
        };
        Some((index + 1, reason))
    })
}

fn check(context: &Context<'_>, findings: &mut Vec<Finding>) {
    if uncertain_cell(context.facts).is_some() {
        return;
    }
    let mut method_calls = None;
    // Whether each cell asked about is one CodeGrade grades.
    let mut graded: HashMap<usize, bool> = HashMap::new();
    // Each name read by some cell: the reading cells, with the cell each read gets its
    // value from (`None` for a builtin or a name defined nowhere).
    let mut readers_of: Option<HashMap<&str, Vec<Reader>>> = None;
    // Each name read in a cell that binds it, after that binding: the cells.
    let mut own_readers: Option<HashMap<&str, Vec<Reader>>> = None;
    let last_unpickling = context
        .facts
        .cells
        .iter()
        .rposition(|facts| {
            facts
                .as_ref()
                .is_some_and(|facts| facts.loads_pickled_objects)
        })
        .map(|index| index + 1);
    for site in context.graph.unused_definitions(context.facts) {
        let Some(definition) = context
            .facts
            .cell(site.cell)
            .and_then(|facts| facts.defines.get(site.index))
        else {
            continue;
        };
        let name = &definition.name;
        // A binding the cell never reaches (it stops above, calling a function that raises)
        // is no definition at all.
        if definition.unreached {
            continue;
        }
        // A `:dep` crate is used by what it links, derives and features too, which no cell
        // names: its use is the compiler's to judge.
        if definition.kind == DefinitionKind::Dependency {
            continue;
        }
        // The statement the stored error was raised in bound nothing (`a, b = numbers`
        // showing a `ValueError`): there is no binding to report.
        if let Some(cell) = context.notebook.cell(site.cell)
            && let Some(line) = cell.error_line
            && cell
                .lines
                .line_column(&cell.source, definition.span.start)
                .line
                == line
        {
            continue;
        }
        // An assignment's answer, stored under the name the question asks for in a cell an
        // autograder reads (`# Codegrade Tag Question3a` above `fig = ..`, the question
        // saying "store the figure as `fig`"): the grader reads it, from outside.
        if definition.kind != DefinitionKind::Import
            && *graded
                .entry(site.cell)
                .or_insert_with(|| graded_by_codegrade(context, site.cell))
            && asked_for_by_the_question(context, site.cell, name)
        {
            continue;
        }
        // `main` is what a reader runs by hand, `pub` items are meant for outside the
        // notebook, and a leading `_` says "unused on purpose", as rustc reads it.
        if name == "main" || definition.public || name.starts_with('_') {
            continue;
        }
        // Unpickling in this cell or below finds classes and functions by name.
        if matches!(
            definition.kind,
            DefinitionKind::Type | DefinitionKind::Function
        ) && last_unpickling.is_some_and(|last| site.cell <= last)
        {
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
        // Bound again before any read (`import os` in two cells, only the later one read):
        // say so, or "never used" reads as wrong beside the uses of the later binding.
        let readers_of = readers_of.get_or_insert_with(|| {
            let mut readers: HashMap<&str, Vec<Reader>> = HashMap::new();
            for use_ in context.graph.uses() {
                let from = match use_.resolution {
                    Resolution::Above(from) | Resolution::Below(from) => Some(from),
                    Resolution::Builtin | Resolution::Unresolved => None,
                };
                readers
                    .entry(use_.name.as_str())
                    .or_default()
                    .push((use_.cell, from));
            }
            readers
        });
        let readers = readers_of.get(name.as_str()).map_or(&[][..], Vec::as_slice);
        if let Some(again) =
            bound_again_before_read(context, site.cell, definition, !readers.is_empty())
        {
            let (what, noun) = binding_words(definition.kind);
            let place = if again == site.cell {
                "this cell".to_owned()
            } else {
                format!("cell {again}")
            };
            findings.push(Finding::new(
                site.cell,
                definition.span,
                format!(
                    "`{name}` is {what} here but this {noun} is never used: {place} {what} it \
                     again before any cell reads it"
                ),
            ));
            continue;
        }
        // Read elsewhere, from another binding (`std_dpi` read in cells 36 to 41, bound again
        // in cell 55): "never used" would read as wrong beside those reads.
        // A cell reading its own binding of the name (`import os` then `os.environ[..]` in
        // cell 6) reads it from another one too; one that only tries the import (`try:
        // import penzai` / `except ImportError:`) reads nothing.
        let own = own_readers
            .get_or_insert_with(|| {
                let mut own: HashMap<&str, Vec<Reader>> = HashMap::new();
                for (index, facts) in context.facts.cells.iter().enumerate() {
                    for other in facts.iter().flat_map(|facts| &facts.defines) {
                        if other.used_in_cell && !other.probe {
                            own.entry(other.name.as_str())
                                .or_default()
                                .push((index + 1, Some(index + 1)));
                        }
                    }
                }
                own
            })
            .get(name.as_str())
            .map_or(&[][..], Vec::as_slice);
        if let Some(readers) = read_from_other_bindings(readers, own, site.cell) {
            let (what, noun) = binding_words(definition.kind);
            findings.push(Finding::new(
                site.cell,
                definition.span,
                format!(
                    "`{name}` is {what} here but no cell reads this {noun}: {readers} `{name}` from another one"
                ),
            ));
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

/// How a message says a definition of `kind` was made, and what it is: "imported" and
/// "import", "bound" and "definition" (a variable), "defined" and "definition".
fn binding_words(kind: DefinitionKind) -> (&'static str, &'static str) {
    match kind {
        DefinitionKind::Import => ("imported", "import"),
        DefinitionKind::Variable => ("bound", "definition"),
        _ => ("defined", "definition"),
    }
}

/// Whether cell `cell` is one an autograder reads: a comment line `# Codegrade Tag ..`, which
/// CodeGrade's Jupyter grading asks students to keep.
fn graded_by_codegrade(context: &Context<'_>, cell: usize) -> bool {
    context.notebook.cell(cell).is_some_and(|graded| {
        graded.source.lines().any(|line| {
            line.trim_start().strip_prefix('#').is_some_and(|comment| {
                comment
                    .trim_start()
                    .to_ascii_lowercase()
                    .starts_with("codegrade tag")
            })
        })
    })
}

/// Whether the nearest markdown cell above cell `cell`, the question, names `name` as a
/// word: in a graded cell ([`graded_by_codegrade`]) the grader reads that name from the
/// notebook's namespace after it runs.
fn asked_for_by_the_question(context: &Context<'_>, cell: usize, name: &str) -> bool {
    let cells = context.notebook.cells();
    cells[..cell.saturating_sub(1).min(cells.len())]
        .iter()
        .rev()
        .find(|cell| cell.kind == CellKind::Markdown)
        .is_some_and(|question| names_word(&question.source, name))
}

/// Whether `text` holds `word` with no identifier character on either side.
fn names_word(text: &str, word: &str) -> bool {
    let identifier = |c: char| c.is_alphanumeric() || c == '_';
    text.match_indices(word).any(|(start, _)| {
        !text[..start].chars().next_back().is_some_and(identifier)
            && !text[start + word.len()..]
                .chars()
                .next()
                .is_some_and(identifier)
    })
}

/// A cell that reads a name, and the cell its read gets the value from (`None` for a builtin
/// or a name defined nowhere).
type Reader = (usize, Option<usize>);

/// The cells other than `cell` that read the name from another binding than `cell`'s (which
/// no one reads), of `readers` (each reading cell and the cell its read gets the value from:
/// reads across cells, and `own`, reads of a cell's own binding), said as "cell 36 reads" or
/// "cells 36, 38 and 41 read"; `None` when no other cell reads it.
fn read_from_other_bindings(readers: &[Reader], own: &[Reader], cell: usize) -> Option<String> {
    let mut cells: Vec<usize> = readers
        .iter()
        .chain(own)
        .filter(|&&(reader, from)| reader != cell && from.is_some_and(|from| from != cell))
        .map(|&(reader, _)| reader)
        .collect();
    cells.sort_unstable();
    cells.dedup();
    let (last, rest) = cells.split_last()?;
    Some(if rest.is_empty() {
        format!("cell {last} reads")
    } else {
        let rest: Vec<String> = rest.iter().map(ToString::to_string).collect();
        format!("cells {} and {last} read", rest.join(", "))
    })
}

/// The cell that binds `definition`'s name again, unconditionally and at top level, next
/// after it, when the name is read (across cells, `read_across_cells`, or in that cell after
/// the binding): the unused definition was replaced by another that is used.
fn bound_again_before_read(
    context: &Context<'_>,
    cell: usize,
    definition: &nblint_facts::Definition,
    read_across_cells: bool,
) -> Option<usize> {
    (cell..=context.facts.cells.len()).find_map(|later| {
        let facts = context.facts.cell(later)?;
        let other = facts.defines.iter().find(|other| {
            other.name == definition.name
                && other.kind != DefinitionKind::Dependency
                && !other.conditional
                && !other.in_function
                && !other.unreached
                && (later > cell || other.span.start > definition.span.start)
        })?;
        (read_across_cells || other.used_in_cell).then_some(later)
    })
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

#[cfg(test)]
mod tests {
    use nblint_facts::CellFacts;

    use super::*;
    use crate::registry::silence_note;

    #[test]
    fn silence_names_the_first_cell_that_may_hold_an_unseen_use() {
        let unparsed = nblint_testing::unparsed_cell();
        let dynamic = CellFacts {
            reads_unknown_names: true,
            ..CellFacts::default()
        };
        let partial = CellFacts {
            partially_analysed: true,
            ..CellFacts::default()
        };
        let note = |cells| silence_note(&NB207_UNUSED_DEFINITION, cells);
        assert_eq!(note(vec![None, Some(CellFacts::default())]), None);
        assert_eq!(
            note(vec![None, Some(dynamic), Some(unparsed)]).as_deref(),
            Some(
                "unused-definition (NB207) stays quiet in this notebook: cell 2 reads names \
                 chosen when it runs (`globals()`, `eval`, `exec`, `vars()`, `locals()`, a \
                 notebook run with `%run`), so any definition may be used"
            )
        );
        assert_eq!(
            note(vec![Some(partial)]).as_deref(),
            Some(
                "unused-definition (NB207) stays quiet in this notebook: cell 1 holds a macro \
                 body nblint did not read, so the names it uses are unknown"
            )
        );
        assert_eq!(
            NB207_UNUSED_DEFINITION.silence_summary(3).as_deref(),
            Some(
                "unused-definition (NB207) stayed quiet in 3 notebooks that have a cell that \
                 does not parse, holds a macro body nblint did not read, or reads names chosen \
                 when it runs"
            )
        );
    }
}
