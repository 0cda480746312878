//! What the server answers from a [`Snapshot`]: diagnostics per cell document, code actions
//! (safe fixes and suppression comments), hover, go to definition and find references
//! across cells. Positions are cell-relative byte spans in the snapshot; they become LSP
//! ranges in each cell's own text document.

// `WorkspaceEdit::changes` is keyed by `Uri`, whose `Hash` and `Eq` read only its text; the
// interior mutability clippy sees is fluent-uri's lazily parsed authority, not the key.
#![allow(clippy::mutable_key_type)]

use std::collections::{BTreeSet, HashMap};

use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, Diagnostic as LspDiagnostic,
    DiagnosticRelatedInformation, DiagnosticSeverity, DiagnosticTag, Hover, HoverContents,
    Location, MarkupContent, MarkupKind, NumberOrString, Range, TextEdit, Uri, WorkspaceEdit,
};
use nblint_facts::{CellFacts, DefinitionKind, Language, Span};
use nblint_graph::Resolution;
use nblint_lint::{Analysis, Applicability, Diagnostic, Edit, FixOptions, Severity, apply_fixes};

use crate::analysis::Snapshot;
use crate::position::{Encoding, range, touches};

/// The LSP diagnostics of every cell, indexed by cell number minus one (one pass over the
/// diagnostics, however many cells there are).
pub fn diagnostics_by_cell(snapshot: &Snapshot, encoding: Encoding) -> Vec<Vec<LspDiagnostic>> {
    let mut by_cell = vec![Vec::new(); snapshot.cell_uris.len()];
    for diagnostic in &snapshot.diagnostics {
        if let Some(list) = diagnostic
            .cell
            .checked_sub(1)
            .and_then(|index| by_cell.get_mut(index))
        {
            list.push(to_lsp(snapshot, diagnostic, encoding));
        }
    }
    by_cell
}

/// The LSP diagnostics of one cell.
pub fn cell_diagnostics(
    snapshot: &Snapshot,
    cell: usize,
    encoding: Encoding,
) -> Vec<LspDiagnostic> {
    snapshot
        .diagnostics
        .iter()
        .filter(|diagnostic| diagnostic.cell == cell)
        .map(|diagnostic| to_lsp(snapshot, diagnostic, encoding))
        .collect()
}

/// The rule's documentation page (`rules/NB201-undefined-above.md` in the repository).
fn rule_page(diagnostic: &Diagnostic) -> Option<lsp_types::CodeDescription> {
    let href = format!(
        "{}/blob/main/rules/{}-{}.md",
        env!("CARGO_PKG_REPOSITORY"),
        diagnostic.code,
        diagnostic.name
    );
    href.parse()
        .ok()
        .map(|href| lsp_types::CodeDescription { href })
}

/// One diagnostic as LSP shows it on its cell, with the other cells it names as related
/// information.
fn to_lsp(snapshot: &Snapshot, diagnostic: &Diagnostic, encoding: Encoding) -> LspDiagnostic {
    let source = snapshot.source(diagnostic.cell);
    let related = diagnostic
        .related
        .iter()
        .filter_map(|related| {
            let uri = snapshot.cell_uri(related.cell)?.clone();
            let text = snapshot.source(related.cell);
            Some(DiagnosticRelatedInformation {
                location: Location {
                    uri,
                    range: range(text, related.span.start, related.span.end, encoding),
                },
                message: format!("cell {}: {}", related.cell, related.message),
            })
        })
        .collect::<Vec<_>>();
    let tags = (diagnostic.code == "NB207").then(|| vec![DiagnosticTag::UNNECESSARY]);
    LspDiagnostic {
        range: range(source, diagnostic.span.start, diagnostic.span.end, encoding),
        severity: Some(match diagnostic.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
            Severity::Info => DiagnosticSeverity::INFORMATION,
        }),
        code: Some(NumberOrString::String(diagnostic.code.to_owned())),
        code_description: rule_page(diagnostic),
        source: Some("nblint".to_owned()),
        message: format!("{} ({})", diagnostic.message, diagnostic.name),
        related_information: (!related.is_empty()).then_some(related),
        tags,
        ..LspDiagnostic::default()
    }
}

/// The byte range `range` covers in cell `cell`.
fn span_of(snapshot: &Snapshot, cell: usize, range: Range, encoding: Encoding) -> Span {
    let source = snapshot.source(cell);
    let start = crate::position::offset(source, range.start, encoding);
    let end = crate::position::offset(source, range.end, encoding).max(start);
    Span::new(start, end)
}

/// The code actions for `range` of cell `cell`: each safe fix of a diagnostic there (checked
/// the way `nblint check --fix` checks it before offering it), and a comment that allows the
/// rule in the cell.
pub fn code_actions(
    snapshot: &Snapshot,
    cell: usize,
    requested: Range,
    only: Option<&[CodeActionKind]>,
    encoding: Encoding,
) -> Vec<CodeActionOrCommand> {
    // LSP: with `only`, return the actions of those kinds or their sub-kinds.
    let wanted_kind = |kind: &CodeActionKind| {
        only.is_none_or(|only| {
            only.iter().any(|wanted| {
                kind.as_str() == wanted.as_str()
                    || kind
                        .as_str()
                        .strip_prefix(wanted.as_str())
                        .is_some_and(|rest| rest.starts_with('.'))
            })
        })
    };
    let mut actions = Vec::new();
    // The notebook-wide kind only when asked for by name (VS Code's notebook save actions),
    // so the menu does not show the same action twice.
    let fix_all_kind = [FIX_ALL_KIND, NOTEBOOK_FIX_ALL_KIND]
        .into_iter()
        .map(CodeActionKind::new)
        .find(|kind| wanted_kind(kind) && (only.is_some() || kind.as_str() == FIX_ALL_KIND));
    if let Some(kind) = fix_all_kind
        && let Some(edit) = fix_all(snapshot, encoding)
    {
        actions.push(CodeActionOrCommand::CodeAction(CodeAction {
            title: "Apply every safe nblint fix in this notebook".to_owned(),
            kind: Some(kind),
            edit: Some(edit),
            ..CodeAction::default()
        }));
    }
    if !wanted_kind(&CodeActionKind::QUICKFIX) {
        return actions;
    }
    let wanted = span_of(snapshot, cell, requested, encoding);
    let here: Vec<&Diagnostic> = snapshot
        .diagnostics
        .iter()
        .filter(|diagnostic| {
            diagnostic.cell == cell
                && diagnostic.span.start <= wanted.end
                && wanted.start <= diagnostic.span.end
        })
        .collect();
    let lsp_diagnostics = cell_diagnostics(snapshot, cell, encoding);
    let lsp_for = |diagnostic: &Diagnostic| {
        let source = snapshot.source(cell);
        let range = range(source, diagnostic.span.start, diagnostic.span.end, encoding);
        lsp_diagnostics
            .iter()
            .filter(|lsp| {
                lsp.range == range
                    && lsp.code == Some(NumberOrString::String(diagnostic.code.to_owned()))
            })
            .cloned()
            .collect::<Vec<_>>()
    };
    for diagnostic in &here {
        if let Some(edit) = fix_edit(snapshot, diagnostic, encoding) {
            let message = diagnostic
                .fix
                .as_ref()
                .map_or_else(String::new, |fix| fix.message.clone());
            actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: format!("{message} ({})", diagnostic.code),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(lsp_for(diagnostic)),
                edit: Some(edit),
                is_preferred: Some(true),
                ..CodeAction::default()
            }));
        }
    }
    let mut allowed = BTreeSet::new();
    for diagnostic in &here {
        if !allowed.insert(diagnostic.code) {
            continue;
        }
        if let Some((title, edit)) = allow_edit(snapshot, diagnostic, encoding) {
            actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                title,
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(lsp_for(diagnostic)),
                edit: Some(edit),
                ..CodeAction::default()
            }));
        }
    }
    actions
}

/// The kind of the "apply every safe fix" action (`source.fixAll`, which editors run on
/// save when asked to).
pub const FIX_ALL_KIND: &str = "source.fixAll.nblint";

/// The same action under the notebook-wide kind VS Code requests for
/// `notebook.codeActionsOnSave` (`notebook.source.fixAll`).
pub const NOTEBOOK_FIX_ALL_KIND: &str = "notebook.source.fixAll.nblint";

/// Whether a fix can be offered as text edits of cell documents: safe, and no edit deletes a
/// whole cell (LSP has no notebook edits).
fn offerable(diagnostic: &Diagnostic) -> bool {
    diagnostic.fix.as_ref().is_some_and(|fix| {
        fix.applicability == Applicability::Safe
            && fix
                .edits
                .iter()
                .all(|edit| matches!(edit, Edit::Replace { .. }))
    })
}

/// Every offerable safe fix of the notebook, applied together as `nblint check --fix` applies
/// them (conflicting or refused fixes are left out), as one edit per changed cell: the part
/// between the unchanged start and end of the cell is replaced.
fn fix_all(snapshot: &Snapshot, encoding: Encoding) -> Option<WorkspaceEdit> {
    let fixable: Vec<Diagnostic> = snapshot
        .diagnostics
        .iter()
        .filter(|diagnostic| offerable(diagnostic))
        .cloned()
        .collect();
    if fixable.is_empty() {
        return None;
    }
    let mut trial = snapshot.notebook.clone();
    let analysis = Analysis {
        facts: &snapshot.analysed.facts,
        frontend: snapshot.analysed.frontend,
    };
    let outcome = apply_fixes(&mut trial, &fixable, analysis, FixOptions::default()).ok()?;
    if outcome.applied == 0 || trial.cells().len() != snapshot.notebook.cells().len() {
        return None;
    }
    let mut changes: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
    for (before, after) in snapshot.notebook.cells().iter().zip(trial.cells()) {
        if before.source == after.source {
            continue;
        }
        let uri = snapshot.cell_uri(before.number)?.clone();
        let (start, end_before, end_after) = changed_part(&before.source, &after.source);
        changes.entry(uri).or_default().push(TextEdit {
            range: range(&before.source, start, end_before, encoding),
            new_text: after.source[start..end_after].to_owned(),
        });
    }
    Some(WorkspaceEdit {
        changes: Some(changes),
        ..WorkspaceEdit::default()
    })
}

/// Where two texts differ: the end of their common start, and where their common end begins
/// in each (all on character boundaries).
fn changed_part(before: &str, after: &str) -> (usize, usize, usize) {
    let start: usize = before
        .chars()
        .zip(after.chars())
        .take_while(|(a, b)| a == b)
        .map(|(a, _)| a.len_utf8())
        .sum();
    let common_end: usize = before[start..]
        .chars()
        .rev()
        .zip(after[start..].chars().rev())
        .take_while(|(a, b)| a == b)
        .map(|(a, _)| a.len_utf8())
        .sum();
    (start, before.len() - common_end, after.len() - common_end)
}

/// The safe fix of `diagnostic` as edits of cell documents, if it has one that the fix
/// checks accept and that text edits can express (deleting a whole cell cannot be: LSP has
/// no notebook edits).
fn fix_edit(
    snapshot: &Snapshot,
    diagnostic: &Diagnostic,
    encoding: Encoding,
) -> Option<WorkspaceEdit> {
    let fix = diagnostic.fix.as_ref()?;
    if !offerable(diagnostic) {
        return None;
    }
    let mut changes: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
    for edit in &fix.edits {
        match edit {
            Edit::Replace {
                cell,
                span,
                replacement,
            } => {
                let uri = snapshot.cell_uri(*cell)?.clone();
                let text = snapshot.source(*cell);
                changes.entry(uri).or_default().push(TextEdit {
                    range: range(text, span.start, span.end, encoding),
                    new_text: replacement.clone(),
                });
            }
            Edit::DeleteCell { .. } => return None,
        }
    }
    // The same checks as `nblint check --fix`: the fixed cells still parse, nothing else
    // changes.
    let mut trial = snapshot.notebook.clone();
    let analysis = Analysis {
        facts: &snapshot.analysed.facts,
        frontend: snapshot.analysed.frontend,
    };
    let outcome = apply_fixes(
        &mut trial,
        std::slice::from_ref(diagnostic),
        analysis,
        FixOptions::default(),
    )
    .ok()?;
    if outcome.applied == 0 {
        return None;
    }
    Some(WorkspaceEdit {
        changes: Some(changes),
        ..WorkspaceEdit::default()
    })
}

/// A `nblint: allow(CODE)` comment for `diagnostic`'s cell: the code added to the cell's
/// existing `allow(...)` list, or a new comment line at the top of the cell (after a
/// Python cell magic, which must stay first).
fn allow_edit(
    snapshot: &Snapshot,
    diagnostic: &Diagnostic,
    encoding: Encoding,
) -> Option<(String, WorkspaceEdit)> {
    let cell = diagnostic.cell;
    let uri = snapshot.cell_uri(cell)?.clone();
    let source = snapshot.source(cell);
    let is_code = snapshot.notebook.cell(cell)?.is_code();
    let comment = match (&snapshot.analysed.language, is_code) {
        (Language::Python, true) => "#",
        (Language::Rust, true) => "//",
        // A markdown cell holds the comment as text; other languages' comments are unknown.
        (_, false) => "",
        (Language::Other(_), true) => return None,
    };
    let first_code = snapshot
        .notebook
        .cells()
        .iter()
        .find(|cell| cell.is_code())
        .map_or(usize::MAX, |cell| cell.number);
    let scope = if cell <= first_code {
        "in the whole notebook (a comment in the first code cell applies to every cell)"
    } else {
        "in this cell"
    };
    let title = format!("Ignore {} ({}) {scope}", diagnostic.code, diagnostic.name);
    let existing = nblint_lint::suppressions(&snapshot.notebook)
        .into_iter()
        .rfind(|suppression| suppression.cell == cell);
    let (at, new_text) = if let Some(existing) = existing {
        (existing.span.end, format!(", {}", diagnostic.code))
    } else {
        let at = if comment == "#" && source.starts_with("%%") {
            source
                .find('\n')
                .map_or(source.len(), |line_end| line_end + 1)
        } else {
            0
        };
        let prefix = if at == source.len() && !source.is_empty() && !source.ends_with('\n') {
            "\n"
        } else {
            ""
        };
        let separator = if comment.is_empty() { "" } else { " " };
        (
            at,
            format!(
                "{prefix}{comment}{separator}nblint: allow({})\n",
                diagnostic.code
            ),
        )
    };
    let edit = TextEdit {
        range: range(source, at, at, encoding),
        new_text,
    };
    let changes = HashMap::from([(uri, vec![edit])]);
    Some((
        title,
        WorkspaceEdit {
            changes: Some(changes),
            ..WorkspaceEdit::default()
        },
    ))
}

/// A top-level name at a place in a cell: read there, or bound there.
struct NameAt<'a> {
    name: &'a str,
    /// Bound at this place (a definition), not read.
    defines: bool,
    span: Span,
}

/// The name of the smallest use or definition span around `offset` in `cell`.
fn name_at(snapshot: &Snapshot, cell: usize, offset: usize) -> Option<NameAt<'_>> {
    let facts = snapshot.analysed.facts.cell(cell)?;
    let source = snapshot.source(cell);
    let uses = facts.uses.iter().map(|use_| NameAt {
        name: use_.name.as_str(),
        defines: false,
        span: use_.span,
    });
    let defines = facts.defines.iter().map(|definition| NameAt {
        name: definition.name.as_str(),
        defines: true,
        span: name_span(source, definition.span, &definition.name),
    });
    uses.chain(defines)
        .filter(|found| touches(found.span.start, found.span.end, offset))
        .min_by_key(|found| found.span.end - found.span.start)
}

/// The first whole-word occurrence of `name` inside `span` of `source` (a definition's span
/// may cover its whole statement), else `span` itself.
fn name_span(source: &str, span: Span, name: &str) -> Span {
    let Some(text) = source.get(span.start..span.end) else {
        return span;
    };
    let is_word = |character: char| character.is_alphanumeric() || character == '_';
    let mut from = 0;
    while let Some(found) = text[from..].find(name) {
        let start = from + found;
        let end = start + name.len();
        let before = text[..start].chars().next_back();
        let after = text[end..].chars().next();
        if !before.is_some_and(is_word) && !after.is_some_and(is_word) {
            return Span::new(span.start + start, span.start + end);
        }
        from = end;
    }
    span
}

fn cells_with<'a>(
    snapshot: &'a Snapshot,
    has: impl Fn(&CellFacts) -> bool + 'a,
) -> impl Iterator<Item = usize> + 'a {
    snapshot
        .analysed
        .facts
        .cells
        .iter()
        .enumerate()
        .filter_map(move |(index, facts)| {
            facts.as_ref().filter(|facts| has(facts)).map(|_| index + 1)
        })
}

fn list(cells: &[usize]) -> String {
    cells
        .iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn kind_name(kind: DefinitionKind) -> &'static str {
    match kind {
        DefinitionKind::Variable => "variable",
        DefinitionKind::Function => "function",
        DefinitionKind::Type => "type",
        DefinitionKind::Constant => "constant",
        DefinitionKind::Module => "module",
        DefinitionKind::Macro => "macro",
        DefinitionKind::Import => "import",
        DefinitionKind::Dependency => "crate",
    }
}

/// What a person asks of a name in a notebook: where its value comes from (and whether that
/// needs another cell to have run first), which cells read it, which change it.
pub fn hover(snapshot: &Snapshot, cell: usize, offset: usize, encoding: Encoding) -> Option<Hover> {
    let found = name_at(snapshot, cell, offset)?;
    let name = found.name;
    let defining: Vec<usize> = cells_with(snapshot, |facts| {
        facts.defines.iter().any(|d| d.name == name)
    })
    .collect();
    let readers: Vec<usize> =
        cells_with(snapshot, |facts| facts.uses.iter().any(|u| u.name == name)).collect();
    let changers: Vec<usize> = cells_with(snapshot, |facts| {
        facts.mutations.iter().any(|m| m.name == name)
    })
    .collect();
    let kind = snapshot
        .analysed
        .facts
        .cells
        .iter()
        .flatten()
        .flat_map(|facts| &facts.defines)
        .find(|definition| definition.name == name)
        .map(|definition| kind_name(definition.kind));
    let mut lines = vec![match kind {
        Some(kind) => format!("**`{name}`** ({kind})"),
        None => format!("**`{name}`**"),
    }];
    if found.defines {
        lines.push(format!("Defined here, in cell {cell}."));
    } else {
        let resolution = snapshot
            .graph
            .uses()
            .iter()
            .find(|use_| use_.cell == cell && use_.name == name)
            .map(|use_| use_.resolution);
        lines.push(match resolution {
            Some(Resolution::Above(from)) if from == cell => "Defined in this cell.".to_owned(),
            Some(Resolution::Above(from)) => format!("Defined in cell {from}, above."),
            Some(Resolution::Below(from)) => format!(
                "Defined only in cell {from}, below: this cell runs only if cell {from} ran first."
            ),
            Some(Resolution::Builtin) => "A builtin of the cell language.".to_owned(),
            Some(Resolution::Unresolved) | None => "Defined in no cell.".to_owned(),
        });
    }
    let others: Vec<usize> = defining.iter().copied().filter(|c| *c != cell).collect();
    if found.defines && !others.is_empty() || !found.defines && defining.len() > 1 {
        lines.push(format!(
            "Bound in cells {}: which value a cell sees depends on the order cells ran.",
            list(&defining)
        ));
    }
    lines.push(match readers.len() {
        0 => "Read by no cell.".to_owned(),
        1 => format!("Read by 1 cell: {}.", list(&readers)),
        n => format!("Read by {n} cells: {}.", list(&readers)),
    });
    if !changers.is_empty() {
        lines.push(format!(
            "Changed in place by cell{} {}.",
            if changers.len() == 1 { "" } else { "s" },
            list(&changers)
        ));
    }
    let source = snapshot.source(cell);
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: lines.join("\n\n"),
        }),
        range: Some(range(source, found.span.start, found.span.end, encoding)),
    })
}

fn definitions_in(
    snapshot: &Snapshot,
    cell: usize,
    name: &str,
    encoding: Encoding,
) -> Vec<Location> {
    let (Some(uri), Some(facts)) = (snapshot.cell_uri(cell), snapshot.analysed.facts.cell(cell))
    else {
        return Vec::new();
    };
    let source = snapshot.source(cell);
    facts
        .defines
        .iter()
        .filter(|definition| definition.name == name)
        .map(|definition| {
            let span = name_span(source, definition.span, name);
            Location::new(uri.clone(), range(source, span.start, span.end, encoding))
        })
        .collect()
}

/// Where the name at `offset` of `cell` is defined: for a use, its reaching definition (the
/// nearest cell above, else the cell below it needs); for a definition, every cell that
/// binds the name.
pub fn definition(
    snapshot: &Snapshot,
    cell: usize,
    offset: usize,
    encoding: Encoding,
) -> Vec<Location> {
    let Some(found) = name_at(snapshot, cell, offset) else {
        return Vec::new();
    };
    let name = found.name;
    if !found.defines {
        let resolution = snapshot
            .graph
            .uses()
            .iter()
            .find(|use_| use_.cell == cell && use_.name == name)
            .map(|use_| use_.resolution);
        if let Some(Resolution::Above(from) | Resolution::Below(from)) = resolution {
            return definitions_in(snapshot, from, name, encoding);
        }
    }
    cells_with(snapshot, |facts| {
        facts.defines.iter().any(|d| d.name == name)
    })
    .flat_map(|defining| definitions_in(snapshot, defining, name, encoding))
    .collect()
}

/// Every read of the name at `offset` of `cell` across the notebook (and its definitions
/// with `include_declaration`), in cell order.
pub fn references(
    snapshot: &Snapshot,
    cell: usize,
    offset: usize,
    include_declaration: bool,
    encoding: Encoding,
) -> Vec<Location> {
    let Some(found) = name_at(snapshot, cell, offset) else {
        return Vec::new();
    };
    let name = found.name;
    let mut locations = Vec::new();
    for (index, facts) in snapshot.analysed.facts.cells.iter().enumerate() {
        let number = index + 1;
        let (Some(facts), Some(uri)) = (facts, snapshot.cell_uri(number)) else {
            continue;
        };
        let source = snapshot.source(number);
        if include_declaration {
            locations.extend(definitions_in(snapshot, number, name, encoding));
        }
        for use_ in facts.uses.iter().filter(|use_| use_.name == name) {
            locations.push(Location::new(
                uri.clone(),
                range(source, use_.span.start, use_.span.end, encoding),
            ));
        }
    }
    locations
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::OpenNotebook;

    /// A live notebook of code cells in `language`, analysed with the default configuration.
    fn snapshot(language: &str, cells: &[&str]) -> Snapshot {
        let uri = |index: usize| -> Uri {
            format!("vscode-notebook-cell:/n.ipynb#c{index}")
                .parse()
                .unwrap()
        };
        let lsp_cells = (0..cells.len())
            .map(|index| lsp_types::NotebookCell {
                kind: lsp_types::NotebookCellKind::Code,
                document: uri(index),
                metadata: None,
                execution_summary: None,
            })
            .collect();
        let texts = cells
            .iter()
            .enumerate()
            .map(|(index, text)| {
                lsp_types::TextDocumentItem::new(
                    uri(index),
                    language.to_owned(),
                    1,
                    (*text).to_owned(),
                )
            })
            .collect();
        let document = lsp_types::NotebookDocument {
            uri: "file:///n.ipynb".parse().unwrap(),
            notebook_type: "jupyter-notebook".to_owned(),
            version: 1,
            metadata: None,
            cells: lsp_cells,
        };
        let open = OpenNotebook::open(document, texts);
        crate::analysis::analyse(
            &open,
            &nblint_lint::Config::default(),
            &nblint_lint::RuleSelection::default(),
            &mut nblint_analysis::FactsCache::default(),
        )
        .unwrap()
    }

    /// The hover text at the first occurrence of `needle` in `cell`.
    fn hover_at(snapshot: &Snapshot, cell: usize, needle: &str) -> String {
        let offset = snapshot.source(cell).find(needle).unwrap();
        let hover = hover(snapshot, cell, offset, Encoding::Utf16).unwrap();
        match hover.contents {
            HoverContents::Markup(markup) => markup.value,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn hover_tells_where_a_name_comes_from_and_who_reads_and_changes_it() {
        let rust = snapshot(
            "rust",
            &[
                "let mut words = vec![1];",
                "println!(\"{total}\");",
                "words.push(2);\nlet total = words.len();",
            ],
        );
        // A format-string argument is a use; its definition is below.
        let text = hover_at(&rust, 2, "total");
        assert!(text.contains("**`total`** (variable)"), "{text}");
        assert!(
            text.contains(
                "Defined only in cell 3, below: this cell runs only if cell 3 ran first."
            ),
            "{text}"
        );
        let text = hover_at(&rust, 1, "words");
        assert!(text.contains("Defined here, in cell 1."), "{text}");
        assert!(text.contains("Read by 1 cell: 3."), "{text}");
        assert!(text.contains("Changed in place by cell 3."), "{text}");
        // Go to definition from the use lands on the name in cell 3.
        let offset = rust.source(2).find("total").unwrap();
        let found = definition(&rust, 2, offset, Encoding::Utf16);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].uri.as_str(), "vscode-notebook-cell:/n.ipynb#c2");
        assert_eq!(
            found[0].range,
            range(rust.source(3), 19, 24, Encoding::Utf16)
        );
    }

    #[test]
    fn names_bound_inside_a_function_are_not_top_level_names() {
        let python = snapshot("python", &["x = 1", "def f(x):\n    return x\n\ny = x"]);
        // The parameter `x` is not the notebook's `x`: nothing to say there.
        let cell = python.source(2);
        let parameter = cell.find("x)").unwrap();
        assert!(hover(&python, 2, parameter, Encoding::Utf16).is_none());
        let text = hover_at(&python, 1, "x");
        assert!(text.contains("Read by 1 cell: 2."), "{text}");
        let references = references(&python, 1, 0, false, Encoding::Utf16);
        assert_eq!(references.len(), 1, "only `y = x` reads the top-level x");
    }

    #[test]
    fn changed_part_keeps_the_common_start_and_end() {
        let before = "import os\nimport os\nx = 1\n";
        let after = "import os\nx = 1\n";
        let (start, end_before, end_after) = changed_part(before, after);
        assert_eq!(&before[start..end_before], "import os\n");
        assert_eq!(&after[start..end_after], "");
        assert_eq!(changed_part("é", "è"), (0, 2, 2));
        assert_eq!(changed_part("same", "same"), (4, 4, 4));
    }
}
