//! Applying fixes to a notebook: all edits of one fix or none, never two fixes that touch the
//! same bytes, cells deleted last so numbers stay valid while editing.

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
                        accepted.iter().any(|(start, end, _)| {
                            span.start < *end && *start < span.end
                                || (span.start == *start && span.is_empty())
                        })
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
        let mut source = found.source.clone();
        // Back to front, so earlier offsets stay valid.
        edits.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)));
        for (start, end, replacement) in edits {
            source.replace_range(start..end, &replacement);
        }
        notebook.set_source(cell, &source)?;
    }
    deleted.sort_unstable();
    for cell in deleted.into_iter().rev() {
        notebook.remove_cell(cell)?;
    }
    Ok(applied)
}
