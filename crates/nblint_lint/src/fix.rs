//! Applying fixes to a notebook: all edits of one fix or none, never two fixes that touch the
//! same bytes, cells deleted last so numbers stay valid while editing. Several insertions at
//! one point are allowed and land in the order their fixes come (several late imports moved
//! to the top of the first cell).

use std::collections::BTreeMap;

use nblint_notebook::{Notebook, NotebookError};

use crate::diagnostic::{Diagnostic, Edit};

/// Applies the fixes of `diagnostics` to `notebook`. A fix whose edits overlap an earlier
/// accepted fix's is skipped (the next lint run offers it again). Returns the number of
/// fixes applied.
pub fn apply_fixes(
    notebook: &mut Notebook,
    diagnostics: &[Diagnostic],
) -> Result<usize, NotebookError> {
    // Accepted replacements per cell, and cells to delete.
    let mut replacements: BTreeMap<usize, Vec<(usize, usize, String)>> = BTreeMap::new();
    let mut deleted: Vec<usize> = Vec::new();
    let mut applied = 0;
    for fix in diagnostics
        .iter()
        .filter_map(|diagnostic| diagnostic.fix.as_ref())
    {
        let conflicts = fix.edits.iter().any(|edit| match edit {
            Edit::Replace { cell, span, .. } => {
                deleted.contains(cell)
                    || notebook.cell(*cell).is_none_or(|found| {
                        span.end > found.source.len()
                            || !found.source.is_char_boundary(span.start)
                            || !found.source.is_char_boundary(span.end)
                    })
                    || replacements.get(cell).is_some_and(|accepted| {
                        accepted
                            .iter()
                            .any(|(start, end, _)| overlaps(span.start, span.end, *start, *end))
                    })
            }
            Edit::DeleteCell { cell } => {
                deleted.contains(cell)
                    || replacements.contains_key(cell)
                    || notebook.cell(*cell).is_none()
            }
        });
        if conflicts {
            continue;
        }
        for edit in &fix.edits {
            match edit {
                Edit::Replace {
                    cell,
                    span,
                    replacement,
                } => replacements.entry(*cell).or_default().push((
                    span.start,
                    span.end,
                    replacement.clone(),
                )),
                Edit::DeleteCell { cell } => deleted.push(*cell),
            }
        }
        applied += 1;
    }
    for (cell, mut edits) in replacements {
        let Some(found) = notebook.cell(cell) else {
            continue;
        };
        // Front to back, copying the text between edits. The sort is stable, so insertions
        // at one point keep the order their fixes were accepted in, and an insertion comes
        // before a replacement that starts at the same point.
        edits.sort_by_key(|(start, end, _)| (*start, *end));
        let mut source = String::with_capacity(found.source.len());
        let mut copied_to = 0;
        for (start, end, replacement) in &edits {
            source.push_str(&found.source[copied_to..*start]);
            source.push_str(replacement);
            copied_to = *end;
        }
        source.push_str(&found.source[copied_to..]);
        notebook.set_source(cell, &source)?;
    }
    deleted.sort_unstable();
    for cell in deleted.into_iter().rev() {
        notebook.remove_cell(cell)?;
    }
    Ok(applied)
}

/// Whether two edits of one cell's source, `[a_start, a_end)` and `[b_start, b_end)`, would
/// touch the same bytes. Two insertions at one point do not (they land in order), nor does an
/// insertion at either end of a replaced range; an insertion strictly inside one does.
fn overlaps(a_start: usize, a_end: usize, b_start: usize, b_end: usize) -> bool {
    let a_empty = a_end <= a_start;
    let b_empty = b_end <= b_start;
    match (a_empty, b_empty) {
        (true, true) => false,
        (true, false) => b_start < a_start && a_start < b_end,
        (false, true) => a_start < b_start && b_start < a_end,
        (false, false) => a_start < b_end && b_start < a_end,
    }
}

#[cfg(test)]
mod tests {
    use nblint_facts::Span;

    use super::*;
    use crate::diagnostic::{Fix, Severity};

    fn notebook(source: &str) -> Notebook {
        let json = format!(
            r#"{{"nbformat": 4, "nbformat_minor": 5, "metadata": {{}}, "cells": [
              {{"cell_type": "code", "source": {}, "metadata": {{}}, "outputs": [],
                "execution_count": null}}]}}"#,
            serde_json::to_string(source).unwrap()
        );
        Notebook::parse(json.as_bytes()).unwrap()
    }

    fn replace(start: usize, end: usize, replacement: &str) -> Diagnostic {
        Diagnostic {
            code: "NB204",
            name: "late-import",
            message: String::new(),
            severity: Severity::Info,
            cell: 1,
            span: Span::new(start, end),
            related: Vec::new(),
            fix: Some(Fix {
                message: String::new(),
                edits: vec![Edit::Replace {
                    cell: 1,
                    span: Span::new(start, end),
                    replacement: replacement.into(),
                }],
            }),
        }
    }

    /// Applies `diagnostics` to a one-cell notebook holding `source`.
    fn check(source: &str, diagnostics: &[Diagnostic], expected: &str, expected_applied: usize) {
        let mut notebook = notebook(source);
        let applied = apply_fixes(&mut notebook, diagnostics).unwrap();
        assert_eq!(notebook.cells()[0].source, expected);
        assert_eq!(applied, expected_applied);
    }

    #[test]
    fn insertions_at_one_point_land_in_order() {
        check(
            "let a = 1;\n",
            &[replace(0, 0, "use x;\n"), replace(0, 0, "use y;\n")],
            "use x;\nuse y;\nlet a = 1;\n",
            2,
        );
    }

    #[test]
    fn an_insertion_may_touch_a_replaced_range_but_not_enter_it() {
        check(
            "abcdef",
            &[
                replace(2, 4, "XY"),
                replace(2, 2, "<"),
                replace(4, 4, ">"),
                replace(3, 3, "!"),
            ],
            "ab<XY>ef",
            3,
        );
    }

    #[test]
    fn overlapping_replacements_keep_the_first() {
        check("abcdef", &[replace(1, 4, ""), replace(3, 5, "Z")], "aef", 1);
    }
}
