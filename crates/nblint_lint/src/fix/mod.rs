//! Applying fixes to a notebook: a fix is a proven edit or no edit.
//!
//! All edits of one fix or none; never two fixes that touch the same bytes; cells deleted
//! last so numbers stay valid while editing. Several insertions at one point are allowed and
//! land in the order their fixes come (several late imports moved to the top of the first
//! cell). Before anything changes, every cell a fix touches is checked by [`verify`]: a fix
//! that would break a cell, change code other than the statements it names, or delete a cell
//! holding anything worth keeping is dropped and reported as refused, with the reason.

mod verify;

use std::collections::{BTreeMap, HashSet};

use nblint_facts::{CellFrontend, NotebookFacts};
use nblint_notebook::{Notebook, NotebookError};

use crate::diagnostic::{Applicability, Diagnostic, Edit};

pub use verify::{disposable_cell, verify_notebook};

/// Which fixes to apply.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FixOptions {
    /// Apply [`Applicability::Unsafe`] fixes too (`--unsafe-fixes`).
    pub unsafe_fixes: bool,
}

impl FixOptions {
    /// Whether a fix of this applicability is applied.
    pub fn allows(self, applicability: Applicability) -> bool {
        match applicability {
            Applicability::Safe => true,
            Applicability::Unsafe => self.unsafe_fixes,
            Applicability::DisplayOnly => false,
        }
    }
}

/// A fix that the checks refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The rule whose fix it was.
    pub code: &'static str,
    /// The cell of the finding.
    pub cell: usize,
    /// Why it was not applied.
    pub reason: String,
}

/// What [`apply_fixes`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FixOutcome {
    /// Fixes applied.
    pub applied: usize,
    /// Fixes the checks refused, with the reason.
    pub refused: Vec<Refusal>,
}

/// What a notebook's cells were when the fixes were found: their facts and the front end
/// that read them, so a changed cell can be read again the same way.
#[derive(Clone, Copy)]
pub struct Analysis<'a> {
    /// Facts per cell, as the diagnostics were found on.
    pub facts: &'a NotebookFacts,
    /// The front end, `None` when the cell language is not analysed (then no fix may change
    /// a code cell's source).
    pub frontend: Option<&'a dyn CellFrontend>,
}

/// The accepted edits of one round: new sources per cell and cells to delete.
#[derive(Default)]
struct Plan {
    /// Replacements per cell: `(start, end, text, fix index)`.
    replacements: BTreeMap<usize, Vec<(usize, usize, String, usize)>>,
    /// Cells to delete, with the fix deleting each.
    deleted: Vec<(usize, usize)>,
    /// Indexes of the fixes accepted.
    accepted: Vec<usize>,
}

/// Applies the fixes of `diagnostics` that `options` allows to `notebook`, each only if the
/// checks hold for every cell it touches (see [`verify`]). A fix whose edits overlap an
/// earlier accepted fix's waits for the next lint pass. On success the notebook holds the
/// fixed cells; a notebook in which the final whole-notebook check fails is left as it was.
pub fn apply_fixes(
    notebook: &mut Notebook,
    diagnostics: &[Diagnostic],
    analysis: Analysis<'_>,
    options: FixOptions,
) -> Result<FixOutcome, NotebookError> {
    let candidates: Vec<&Diagnostic> = diagnostics
        .iter()
        .filter(|diagnostic| {
            diagnostic
                .fix
                .as_ref()
                .is_some_and(|fix| options.allows(fix.applicability))
        })
        .collect();
    let mut outcome = FixOutcome::default();
    let mut excluded: HashSet<usize> = HashSet::new();
    // Each round either passes the checks or excludes at least one more fix.
    let (plan, sources) = loop {
        let plan = plan(notebook, &candidates, &excluded);
        let sources = new_sources(notebook, &plan);
        let refused = check_plan(notebook, &plan, &sources, analysis);
        if refused.is_empty() {
            break (plan, sources);
        }
        for (fix, reason) in refused {
            if excluded.insert(fix) {
                outcome.refused.push(Refusal {
                    code: candidates[fix].code,
                    cell: candidates[fix].cell,
                    reason,
                });
            }
        }
    };
    if plan.accepted.is_empty() {
        return Ok(outcome);
    }
    let before = notebook.clone();
    for (cell, source) in sources {
        notebook.set_source(cell, &source)?;
    }
    let mut deleted: Vec<usize> = plan.deleted.iter().map(|(cell, _)| *cell).collect();
    deleted.sort_unstable();
    for cell in deleted.iter().rev() {
        notebook.remove_cell(*cell)?;
    }
    // The net under the per-cell checks: nothing but sources and disposable cells changed.
    if let Err(reason) = verify_notebook(&before, notebook, &deleted) {
        *notebook = before;
        for &fix in &plan.accepted {
            outcome.refused.push(Refusal {
                code: candidates[fix].code,
                cell: candidates[fix].cell,
                reason: reason.clone(),
            });
        }
        return Ok(outcome);
    }
    outcome.applied = plan.accepted.len();
    Ok(outcome)
}

/// The fixes of `candidates` (less `excluded`) that do not conflict with an earlier one.
fn plan(notebook: &Notebook, candidates: &[&Diagnostic], excluded: &HashSet<usize>) -> Plan {
    let mut plan = Plan::default();
    for (index, diagnostic) in candidates.iter().enumerate() {
        let Some(fix) = diagnostic.fix.as_ref() else {
            continue;
        };
        if excluded.contains(&index) {
            continue;
        }
        let deleted = |cell: &usize| plan.deleted.iter().any(|(deleted, _)| deleted == cell);
        let conflicts = fix.edits.iter().any(|edit| match edit {
            Edit::Replace { cell, span, .. } => {
                deleted(cell)
                    || notebook.cell(*cell).is_none_or(|found| {
                        span.end > found.source.len()
                            || span.start > span.end
                            || !found.source.is_char_boundary(span.start)
                            || !found.source.is_char_boundary(span.end)
                    })
                    || plan.replacements.get(cell).is_some_and(|accepted| {
                        accepted
                            .iter()
                            .any(|(start, end, _, _)| overlaps(span.start, span.end, *start, *end))
                    })
            }
            Edit::DeleteCell { cell } => {
                deleted(cell)
                    || plan.replacements.contains_key(cell)
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
                } => plan.replacements.entry(*cell).or_default().push((
                    span.start,
                    span.end,
                    replacement.clone(),
                    index,
                )),
                Edit::DeleteCell { cell } => plan.deleted.push((*cell, index)),
            }
        }
        plan.accepted.push(index);
    }
    plan
}

/// Each edited cell's new source, in cell order.
fn new_sources(notebook: &Notebook, plan: &Plan) -> Vec<(usize, String)> {
    let mut sources = Vec::new();
    for (cell, edits) in &plan.replacements {
        let Some(found) = notebook.cell(*cell) else {
            continue;
        };
        // Front to back, copying the text between edits. The sort is stable, so insertions
        // at one point keep the order their fixes were accepted in, and an insertion comes
        // before a replacement that starts at the same point.
        let mut edits: Vec<&(usize, usize, String, usize)> = edits.iter().collect();
        edits.sort_by_key(|(start, end, _, _)| (*start, *end));
        let mut source = String::with_capacity(found.source.len());
        let mut copied_to = 0;
        for (start, end, replacement, _) in edits {
            source.push_str(&found.source[copied_to..*start]);
            source.push_str(replacement);
            copied_to = *end;
        }
        source.push_str(&found.source[copied_to..]);
        sources.push((*cell, source));
    }
    sources
}

/// The fixes of `plan` that fail a check, with the reason: every fix touching a cell whose
/// new source fails, and every fix deleting a cell that holds something.
fn check_plan(
    notebook: &Notebook,
    plan: &Plan,
    sources: &[(usize, String)],
    analysis: Analysis<'_>,
) -> Vec<(usize, String)> {
    let mut refused = Vec::new();
    for (cell, source) in sources {
        let cell = *cell;
        let Some(found) = notebook.cell(cell) else {
            continue;
        };
        let facts = analysis.facts.cells.get(cell - 1).and_then(Option::as_ref);
        if let Err(reason) = verify::verify_cell(found, facts, source, analysis.frontend) {
            for (_, _, _, fix) in plan.replacements.get(&cell).into_iter().flatten() {
                refused.push((*fix, reason.clone()));
            }
        }
    }
    for &(cell, fix) in &plan.deleted {
        if let Err(reason) = disposable_cell(notebook, cell) {
            refused.push((fix, reason));
        }
    }
    refused
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
        let bytes = nblint_testing::NotebookBuilder::bare().code(source).bytes();
        Notebook::parse(&bytes).unwrap()
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
            fix: Some(Fix::safe(
                "",
                vec![Edit::Replace {
                    cell: 1,
                    span: Span::new(start, end),
                    replacement: replacement.into(),
                }],
            )),
        }
    }

    /// Plans `diagnostics` on a one-cell notebook holding `source` (the edit mechanics, before
    /// the checks, which need a front end: see the fixture tests).
    fn check(source: &str, diagnostics: &[Diagnostic], expected: &str, expected_applied: usize) {
        let notebook = notebook(source);
        let candidates: Vec<&Diagnostic> = diagnostics.iter().collect();
        let plan = plan(&notebook, &candidates, &HashSet::new());
        let sources = new_sources(&notebook, &plan);
        assert_eq!(sources, vec![(1, expected.to_owned())]);
        assert_eq!(plan.accepted.len(), expected_applied);
    }

    #[test]
    fn without_a_front_end_no_code_cell_changes() {
        let mut notebook = notebook("let a = 1;\n");
        let facts = NotebookFacts::unanalysed(&notebook);
        let analysis = Analysis {
            facts: &facts,
            frontend: None,
        };
        let outcome = apply_fixes(
            &mut notebook,
            &[replace(0, 0, "use x;\n")],
            analysis,
            FixOptions::default(),
        )
        .unwrap();
        assert_eq!(outcome.applied, 0);
        assert_eq!(outcome.refused.len(), 1);
        assert_eq!(notebook.cells()[0].source, "let a = 1;\n");
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
