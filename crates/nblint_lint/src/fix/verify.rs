//! The checks a fix must pass before anything is written, made on the result and not on the
//! fix's intent, so a fixer's mistake is caught rather than written:
//!
//! - a code cell that parsed still parses, read by the same front end, and one that did not
//!   parse is not changed (its facts are only what the parser recovered);
//! - its code other than top-level import and dependency statements is unchanged and in the
//!   same order (compared statement by statement as the front end delimits them);
//! - a cell opened by a cell magic (`%%writefile`, `%%bash`) is never changed;
//! - a deleted cell held nothing: no source text, outputs, attachments or metadata other than
//!   the volatile keys that `strip` removes;
//! - nothing else changes: every other field of every cell, and the notebook's metadata.

use nblint_facts::{CellFacts, CellFrontend, Span};
use nblint_notebook::{Cell, Notebook, VOLATILE_CELL_METADATA};
use serde_json::{Map, Value};

/// Checks that `after` is an acceptable new source for code cell `cell`, whose facts before
/// the fix were `before`. `Err` says why not, for a person.
pub(super) fn verify_cell(
    cell: &Cell,
    before: Option<&CellFacts>,
    after: &str,
    frontend: Option<&dyn CellFrontend>,
) -> Result<(), String> {
    let number = cell.number;
    if !cell.is_code() {
        return Err(format!("cell {number} is not a code cell"));
    }
    let (Some(frontend), Some(before)) = (frontend, before) else {
        return Err(format!(
            "cell {number} is in a cell language nblint does not read"
        ));
    };
    if opens_with_cell_magic(before) {
        let first = cell.source.trim_start().starts_with("%%");
        return Err(if first {
            format!("cell {number} is a cell magic; its body is not the notebook's code")
        } else {
            format!(
                "cell {number} has a cell-magic line (`%%`) below its first line, which IPython \
                 refuses; fix the cell by hand"
            )
        });
    }
    if !before.parsed() {
        // Its facts are what the parser recovered: not enough to know what an edit touches.
        return Err(format!(
            "cell {number} does not parse; fixes leave it as it is"
        ));
    }
    let after_facts = frontend.analyze(after);
    if let Some(error) = after_facts.errors.first() {
        return Err(format!(
            "cell {number} would no longer parse ({})",
            error.message
        ));
    }
    if opens_with_cell_magic(&after_facts) {
        return Err(format!("cell {number} would become a cell magic"));
    }
    if skeleton(&cell.source, before) != skeleton(after, &after_facts) {
        return Err(format!(
            "cell {number} would change code other than its import and install statements"
        ));
    }
    Ok(())
}

/// Whether the cell holds a cell magic line (`%%bash`) as its first command: at the very
/// start, or (wrongly, for IPython) below a comment.
fn opens_with_cell_magic(facts: &CellFacts) -> bool {
    facts
        .commands
        .first()
        .is_some_and(|command| command.name.starts_with("%%"))
}

/// The cell's code less its top-level import and dependency statements, line by line, blank
/// lines and trailing spaces left out: what a fix must leave as it was.
fn skeleton(source: &str, facts: &CellFacts) -> Vec<String> {
    let mut cut: Vec<Span> = facts
        .imports
        .iter()
        .filter_map(|import| import.removal)
        .chain(
            facts
                .dependencies
                .iter()
                .filter(|dependency| dependency.top_level)
                .map(|dependency| dependency.span),
        )
        .collect();
    cut.sort();
    let mut kept = String::with_capacity(source.len());
    let mut copied_to = 0;
    for span in cut {
        let start = span.start.max(copied_to).min(source.len());
        let end = span.end.min(source.len());
        if start >= end {
            continue;
        }
        if let (Some(before), Some(_)) = (source.get(copied_to..start), source.get(start..end)) {
            kept.push_str(before);
            // A statement cut from a line keeps the lines apart.
            kept.push('\n');
            copied_to = end;
        }
    }
    kept.push_str(source.get(copied_to..).unwrap_or(""));
    kept.lines()
        .map(str::trim_end)
        .filter(|line| !line.trim().is_empty())
        .map(str::to_owned)
        .collect()
}

/// Whether cell `cell` of `notebook` may be deleted: `Err` names what it holds.
pub fn disposable_cell(notebook: &Notebook, cell: usize) -> Result<(), String> {
    let Some(found) = notebook.cell(cell) else {
        return Err(format!("cell {cell} does not exist"));
    };
    if !found.source.trim().is_empty() {
        return Err(format!("cell {cell} has text"));
    }
    if found.output_count > 0 || found.has_error_output {
        return Err(format!("cell {cell} has outputs"));
    }
    let Some(json) = notebook.cell_json(cell) else {
        return Err(format!("cell {cell} cannot be read"));
    };
    if json
        .get("outputs")
        .is_some_and(|outputs| !matches!(outputs, Value::Array(items) if items.is_empty()))
    {
        return Err(format!("cell {cell} has outputs"));
    }
    if json
        .get("attachments")
        .is_some_and(|attachments| !matches!(attachments, Value::Object(map) if map.is_empty()))
    {
        return Err(format!("cell {cell} has attachments"));
    }
    if let Some(metadata) = json.get("metadata") {
        let Value::Object(metadata) = metadata else {
            return Err(format!("cell {cell} has metadata"));
        };
        if let Some(key) = metadata
            .keys()
            .find(|key| !VOLATILE_CELL_METADATA.contains(&key.as_str()))
        {
            return Err(format!("cell {cell} has metadata (`{key}`)"));
        }
    }
    Ok(())
}

/// Checks the whole notebook after fixing against the one before: the same document but for
/// cell sources and the cells in `deleted` (numbers before fixing, each disposable), so no
/// output, attachment, id or metadata changed anywhere.
pub fn verify_notebook(
    before: &Notebook,
    after: &Notebook,
    deleted: &[usize],
) -> Result<(), String> {
    let without_cells = |notebook: &Notebook| -> Map<String, Value> {
        let mut json = notebook.json().clone();
        json.remove("cells");
        json.remove("worksheets");
        json
    };
    if without_cells(before) != without_cells(after) {
        return Err("the notebook's metadata would change".to_owned());
    }
    for &cell in deleted {
        disposable_cell(before, cell)?;
    }
    let kept: Vec<usize> = (1..=before.cells().len())
        .filter(|cell| !deleted.contains(cell))
        .collect();
    if kept.len() != after.cells().len() {
        return Err("the number of cells would change unexpectedly".to_owned());
    }
    for (index, &cell) in kept.iter().enumerate() {
        let old = before.cell_json(cell).map(without_source);
        let new = after.cell_json(index + 1).map(without_source);
        if old != new {
            return Err(format!(
                "cell {cell} would change more than its source (outputs, metadata or id)"
            ));
        }
    }
    Ok(())
}

/// A cell's JSON without its source (`source`, or v3's `input`).
fn without_source(cell: &Map<String, Value>) -> Map<String, Value> {
    let mut cell = cell.clone();
    cell.remove("source");
    cell.remove("input");
    cell
}
