//! From notebook cells to a plan: sections (modules), hoisted items, and one step per code cell
//! with the values it takes from earlier cells and the values later cells take from it.

use std::collections::{BTreeMap, HashMap, HashSet};

use nblint_facts::{CellFacts, DefinitionKind, Dependency, MutationKind, NotebookFacts};
use nblint_graph::Graph;
use nblint_notebook::{Cell, CellKind, Notebook};
use serde_json::Value;
use syn::visit_mut::VisitMut;
use syn::{Item, ItemExternCrate, ItemMacro, ItemUse};

use crate::naming::{NameTable, snake_case};
use crate::source::{self, CellCode};

/// Names the generated code defines itself; user names and step names must avoid them.
const GENERATED: &[&str] = &["main", "run", "CellError", "pipeline"];

/// The extraction plan of one notebook.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// The notebook's file name (`analysis.ipynb`), for comments pointing back at cells.
    pub file_name: String,
    /// The notebook's title heading, if it has one above all sections.
    pub title: Option<String>,
    /// Markdown prose under the title: the crate's doc comment.
    pub crate_doc: Vec<String>,
    /// `#![...]` attributes from cells, deduplicated.
    pub inner_attrs: Vec<syn::Attribute>,
    /// `extern crate` items, deduplicated.
    pub externs: Vec<ItemExternCrate>,
    /// `use` items, deduplicated, in order.
    pub uses: Vec<ItemUse>,
    /// `macro_rules!` definitions, the last per name.
    pub macros: Vec<ItemMacro>,
    /// Sections in order; each becomes a module.
    pub sections: Vec<Section>,
    /// The steps (code cells that run code), in notebook order.
    pub steps: Vec<Step>,
    /// The pipeline: steps and skipped cells in notebook order.
    pub pipeline: Vec<PipelineEntry>,
    /// The `:dep` lines of the cells kept, in order.
    pub dependencies: Vec<Dependency>,
    /// Some step uses `?` at top level.
    pub uses_question_mark: bool,
    /// Some step uses `.await` at top level.
    pub uses_await: bool,
    /// The `:fmt` display format in force (`{:?}` by default).
    pub fmt: String,
    /// Warnings for the user (skipped cells, redefinitions, lost displays).
    pub warnings: Vec<String>,
    /// How many code cells are kept (not blank, not skipped).
    pub kept_cells: usize,
    /// Per-cell versions made of items a later cell redefines: `(version's name, the item's
    /// name, the cell whose definition it holds)`.
    pub versions: Vec<(String, String, usize)>,
    /// The kept cells' statements and items as written, for those the extraction leaves
    /// unchanged.
    pub texts: crate::verbatim::Texts,
}

/// A markdown section: a module.
#[derive(Debug, Clone, Default)]
pub struct Section {
    /// The module name (snake case, unique).
    pub module: String,
    /// The heading text (the module's doc comment), if any.
    pub heading: Option<String>,
    /// Markdown prose that follows the heading.
    pub doc: Vec<String>,
    /// Items, steps and skip notes in cell order.
    pub entries: Vec<Entry>,
}

/// Something placed in a section's module.
#[derive(Debug, Clone)]
pub enum Entry {
    /// A user item, with the cell it comes from.
    Item(usize, Box<Item>),
    /// A step, by index into [`Plan::steps`].
    Step(usize),
    /// A cell left out, with the reason.
    Skipped(usize, String),
}

/// One element of the generated `main`.
#[derive(Debug, Clone)]
pub enum PipelineEntry {
    /// Run a step, by index into [`Plan::steps`].
    Step(usize),
    /// A cell left out, with the reason.
    Skipped(usize, String),
}

/// How a step changes a value it takes from an earlier cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Change {
    /// No evidence of change.
    None,
    /// Method calls on a `let mut` value (may take `&mut self`).
    Method,
    /// Assignment, compound assignment or `&mut`.
    Assign,
}

/// A value a step takes from an earlier cell.
#[derive(Debug, Clone)]
pub struct Param {
    /// The variable's name.
    pub name: String,
    /// The cell whose definition gives the value (and its type).
    pub defined_in: usize,
    /// How the step changes it.
    pub change: Change,
    /// A later step uses the same value (so a step that takes it by value gives it back).
    pub used_later: bool,
}

/// A value a step defines and a later step uses.
#[derive(Debug, Clone)]
pub struct Output {
    /// The variable's name.
    pub name: String,
}

/// How a step shows its trailing expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Display {
    /// No trailing expression.
    None,
    /// Print it with the display format (the notebook stored a `text/plain` result).
    Print,
    /// It was `()`: run it, then print `()`.
    Unit,
    /// Run it as a statement (no text result was stored).
    Statement,
}

/// A code cell that runs code: one function.
#[derive(Debug, Clone)]
pub struct Step {
    /// One-based cell number.
    pub cell: usize,
    /// Index into [`Plan::sections`].
    pub section: usize,
    /// The function's name.
    pub name: String,
    /// Doc comment lines (markdown prose above the cell).
    pub doc: Vec<String>,
    /// The cell's code.
    pub code: CellCode,
    /// Values taken from earlier cells.
    pub params: Vec<Param>,
    /// Values defined here and used later.
    pub outputs: Vec<Output>,
    /// `?` at top level.
    pub question_mark: bool,
    /// `.await` at top level.
    pub awaits: bool,
    /// How the trailing expression is shown.
    pub display: Display,
    /// What the cell printed on stdout (streams, then its text result), as stored.
    pub stored_stdout: String,
}

/// What the notebook stored for a cell: its stdout stream text and its `text/plain` result.
#[derive(Debug, Clone, Default)]
pub struct StoredOutputs {
    /// Concatenated `stdout` stream text.
    pub stdout: String,
    /// The `text/plain` of the `execute_result`, if any.
    pub text_result: Option<String>,
    /// An `execute_result` with no `text/plain` (HTML, images).
    pub rich_result: bool,
}

/// The stored outputs of cell `number`, as nbformat keeps them (empty when it has none).
pub fn outputs(notebook: &Notebook, number: usize) -> &[Value] {
    notebook
        .cell_json(number)
        .and_then(|cell| cell.get("outputs"))
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// Reads the stored outputs of cell `number`.
pub fn stored_outputs(notebook: &Notebook, number: usize) -> StoredOutputs {
    let mut stored = StoredOutputs::default();
    for output in outputs(notebook, number) {
        match output.get("output_type").and_then(Value::as_str) {
            Some("stream") if output.get("name").and_then(Value::as_str) == Some("stdout") => {
                stored.stdout.push_str(&text_of(output.get("text")));
            }
            Some("execute_result") => {
                let data = output.get("data");
                if let Some(text) = data.and_then(|data| data.get("text/plain")) {
                    stored.text_result = Some(text_of(Some(text)));
                } else if data.is_some_and(|data| {
                    data.as_object().is_some_and(|map| {
                        map.keys()
                            .any(|key| key.starts_with("text/") || key.starts_with("image/"))
                    })
                }) {
                    stored.rich_result = true;
                }
            }
            _ => {}
        }
    }
    stored
}

/// Joins an nbformat multi-line string (a string or a list of strings).
pub fn text_of(value: Option<&Value>) -> String {
    match value {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Array(parts)) => parts.iter().filter_map(Value::as_str).collect(),
        _ => String::new(),
    }
}

/// Why a code cell is left out, if it is. `ran_in_order` is false for a notebook where no
/// cell has an execution count (stripped, or never run): then every cell counts as run, in
/// document order.
fn skip_reason(cell: &Cell, facts: &CellFacts, ran_in_order: bool) -> Option<String> {
    if cell.has_error_output {
        return Some(
            "skipped: its stored output is an error, so the kernel discarded its effects".into(),
        );
    }
    if let Some(error) = facts.errors.first() {
        let line = cell.lines.line_column(&cell.source, error.span.start).line;
        return Some(format!(
            "skipped: not Rust the kernel could run (line {line}: {})",
            error.message
        ));
    }
    if ran_in_order && cell.execution_count.is_none() && !cell.source.trim().is_empty() {
        return Some("skipped: never run in the notebook".into());
    }
    None
}

/// A markdown heading: `(level, text)`. Shared with the Python extractor, so both cut a
/// notebook into the same sections.
pub fn heading(line: &str) -> Option<(usize, String)> {
    let trimmed = line.trim_start();
    let level = trimmed.chars().take_while(|&ch| ch == '#').count();
    if level == 0 || level > 6 {
        return None;
    }
    let rest = &trimmed[level..];
    if !(rest.is_empty() || rest.starts_with(' ')) {
        return None;
    }
    Some((level, rest.trim().trim_end_matches('#').trim().to_owned()))
}

/// Markdown prose as doc comment lines: code fences become `text` blocks so rustdoc does not
/// compile them.
fn prose(lines: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut in_fence = false;
    // The indentation of the text of the list item above, while its paragraph goes on.
    let mut list_indent: Option<usize> = None;
    // The same for the list item the text is in, across blank lines, until the list ends.
    let mut item_width: Option<usize> = None;
    let mut after_blank = false;
    for line in lines {
        let trimmed = line.trim_end();
        if let Some(rest) = trimmed.trim_start().strip_prefix("```") {
            if in_fence {
                out.push("```".into());
            } else {
                let _ = rest;
                out.push("```text".into());
            }
            in_fence = !in_fence;
            list_indent = None;
            after_blank = false;
            continue;
        }
        if in_fence {
            out.push(trimmed.to_owned());
            continue;
        }
        let indent = trimmed.len() - trimmed.trim_start().len();
        let text = trimmed.trim_start();
        let blank = trimmed.is_empty();
        if let Some(width) = list_marker_width(text) {
            list_indent = Some(indent + width);
            item_width = list_indent;
            out.push(trimmed.to_owned());
        } else if blank || text.starts_with('#') {
            list_indent = None;
            if !blank {
                item_width = None;
            }
            out.push(trimmed.to_owned());
        } else if let Some(width) = list_indent.filter(|&width| indent != width) {
            // A continuation of a list item's paragraph, less or more indented than the
            // item's text: indented as the item's text (the same rendering, since nothing but
            // a list item, fence or heading interrupts a paragraph; clippy's
            // `doc_lazy_continuation` and `doc_overindented_list_items`).
            out.push(format!("{}{text}", " ".repeat(width)));
        } else if let (true, Some(width)) = (after_blank, item_width) {
            if indent < width {
                // Not indented into the item: the list has ended.
                item_width = None;
                out.push(trimmed.to_owned());
            } else if indent < width + 4 {
                // Another paragraph of the item, indented as the item's text.
                list_indent = Some(width);
                out.push(format!("{}{text}", " ".repeat(width)));
            } else {
                // An indented code block inside the item.
                out.push(trimmed.to_owned());
            }
        } else {
            out.push(trimmed.to_owned());
        }
        after_blank = blank;
    }
    if in_fence {
        out.push("```".into());
    }
    while out.first().is_some_and(String::is_empty) {
        out.remove(0);
    }
    while out.last().is_some_and(String::is_empty) {
        out.pop();
    }
    out
}

/// The width of a markdown list marker starting `line` with its space (`- `, `* `, `+ `,
/// `12. `, `3) `), if it starts with one.
fn list_marker_width(line: &str) -> Option<usize> {
    if ["- ", "* ", "+ "]
        .iter()
        .any(|marker| line.starts_with(marker))
    {
        return Some(2);
    }
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    let rest = &line[digits..];
    (digits > 0 && digits < 10 && (rest.starts_with(". ") || rest.starts_with(") ")))
        .then_some(digits + 2)
}

/// The kept cells (those with facts) in the order they ran: by execution count when every
/// kept cell has its own and, in that order, no cell reads a variable that only a cell after
/// it binds (a cell re-run later would give such counts); else in document order. Each case
/// other than plain document order is said in `warnings`.
fn run_order(
    cells: &[Cell],
    facts: &NotebookFacts,
    graph: &Graph,
    has_counts: bool,
    warnings: &mut Vec<String>,
) -> Vec<usize> {
    let kept: Vec<&Cell> = cells
        .iter()
        .filter(|cell| facts.cell(cell.number).is_some())
        .collect();
    let document: Vec<usize> = kept.iter().map(|cell| cell.number).collect();
    if !has_counts {
        return document;
    }
    let counts: HashSet<i64> = kept
        .iter()
        .filter_map(|cell| cell.execution_count)
        .collect();
    if counts.len() != kept.len() {
        return document;
    }
    let mut by_count = kept.clone();
    by_count.sort_by_key(|cell| cell.execution_count);
    let order: Vec<usize> = by_count.iter().map(|cell| cell.number).collect();
    if order == document {
        return document;
    }
    // In count order, a read of a variable no earlier cell binds while a later one does:
    // the counts do not tell the order the values flowed in.
    let mut bound: HashSet<&str> = HashSet::new();
    for &number in &order {
        let Some(cell_facts) = facts.cell(number) else {
            continue;
        };
        for name in graph.used_names(number) {
            let later = order
                .iter()
                .skip_while(|&&other| other != number)
                .skip(1)
                .any(|&other| {
                    facts
                        .cell(other)
                        .is_some_and(|other| other.defined_names().contains(&name.as_str()))
                });
            if !bound.contains(name.as_str()) && later {
                warnings.push(format!(
                    "the execution counts are not a run order: in their order cell {number} \
                     reads `{name}` before any cell binds it (a cell was re-run later); the \
                     crate runs the cells top to bottom, as Restart & Run All would, so what \
                     it prints can differ from the notebook's stored outputs"
                ));
                return document;
            }
        }
        bound.extend(cell_facts.defined_names());
    }
    warnings.push(
        "the cells ran out of document order: main() calls the steps in the order of their \
         execution counts, the order that produced the stored outputs"
            .to_owned(),
    );
    order
}

/// For each kept cell and variable it reads from other cells, the cell whose binding of it
/// was in force when the cell ran, walking `order`; a name last bound as an item (`fn`,
/// type) is not a variable handed on.
fn reaching_variables(
    order: &[usize],
    facts: &NotebookFacts,
    graph: &Graph,
) -> HashMap<(usize, String), usize> {
    let mut variables: HashMap<&str, usize> = HashMap::new();
    let mut reaching = HashMap::new();
    for &number in order {
        let Some(cell_facts) = facts.cell(number) else {
            continue;
        };
        for name in graph.used_names(number) {
            if let Some(&defined_in) = variables.get(name.as_str())
                && defined_in != number
            {
                reaching.insert((number, name.clone()), defined_in);
            }
        }
        for definition in &cell_facts.defines {
            if definition.kind == DefinitionKind::Variable {
                variables.insert(&definition.name, number);
            } else {
                variables.remove(definition.name.as_str());
            }
        }
    }
    reaching
}

/// Builds the plan of `notebook` (whose file is called `file_name`).
pub fn plan(notebook: &Notebook, file_name: &str) -> Plan {
    let cells = notebook.cells();
    // Read as `check` reads it (one composition of front end and graph: nblint_analysis),
    // as Rust.
    let cell_language = nblint_facts::Language::Rust;
    let mut analysed = nblint_analysis::analyse(
        notebook,
        nblint_analysis::Choice {
            flag: Some(&cell_language),
            setting: None,
        },
    );
    let all_facts = std::mem::take(&mut analysed.facts);
    let mut plan = Plan {
        file_name: file_name.to_owned(),
        fmt: "{:?}".into(),
        ..Plan::default()
    };

    // Which cells are kept, and their split code.
    let mut kept_facts = NotebookFacts {
        cells: vec![None; cells.len()],
    };
    let mut codes: HashMap<usize, CellCode> = HashMap::new();
    let mut skipped: HashMap<usize, String> = HashMap::new();
    // A stripped (or never run) notebook has no execution counts at all: its cells run in
    // document order, as a restart-and-run-all would.
    let has_counts = cells
        .iter()
        .any(|cell| cell.is_code() && cell.execution_count.is_some());
    if !has_counts
        && cells
            .iter()
            .any(|cell| cell.is_code() && !cell.source.trim().is_empty())
    {
        plan.warnings.push(
            "no cell has an execution count (a stripped or never-run notebook): cells are \
             taken in document order"
                .to_owned(),
        );
    }
    for (index, cell) in cells.iter().enumerate() {
        let Some(facts) = all_facts.cells.get(index).and_then(Option::as_ref) else {
            continue;
        };
        if cell.source.trim().is_empty() {
            continue;
        }
        if let Some(reason) = skip_reason(cell, facts, has_counts) {
            plan.warnings
                .push(format!("cell {}: {reason}", cell.number));
            skipped.insert(cell.number, reason);
            continue;
        }
        let start = source::rust_start(facts).min(cell.source.len());
        match source::split(&cell.source[start..]) {
            Ok(code) => {
                plan.texts.extend(&code.texts);
                codes.insert(cell.number, code);
                kept_facts.cells[index] = Some(facts.clone());
            }
            Err(message) => {
                let reason = format!("skipped: not Rust the kernel could run ({message})");
                plan.warnings
                    .push(format!("cell {}: {reason}", cell.number));
                skipped.insert(cell.number, reason);
            }
        }
    }
    plan.kept_cells = codes.len();
    // The graph of the cells kept, built as `check` builds it.
    analysed.facts = kept_facts;
    let graph = nblint_analysis::graph(notebook, &analysed);
    let kept_facts = analysed.facts;
    let order = run_order(cells, &kept_facts, &graph, has_counts, &mut plan.warnings);
    let reaching = reaching_variables(&order, &kept_facts, &graph);

    // Names the user's code binds anywhere: generated names avoid them.
    let mut reserved: HashSet<String> = GENERATED.iter().map(|&name| name.to_owned()).collect();
    for facts in kept_facts.cells.iter().flatten() {
        reserved.extend(facts.defines.iter().map(|d| d.name.clone()));
        reserved.extend(facts.imports.iter().filter_map(|i| i.binding.clone()));
    }
    let mut function_names = NameTable::with_reserved(reserved.iter().map(String::as_str));
    let mut module_names = NameTable::with_reserved(
        ["std", "core", "alloc", "crate", "self", "super", "tokio"]
            .into_iter()
            .chain(reserved.iter().map(String::as_str)),
    );
    for facts in kept_facts.cells.iter().flatten() {
        for dependency in &facts.dependencies {
            module_names.unique(&dependency.name.replace('-', "_"));
        }
    }

    // Section level: a single top heading above deeper ones is the title.
    let headings: Vec<usize> = cells
        .iter()
        .filter(|cell| cell.kind == CellKind::Markdown)
        .flat_map(|cell| {
            cell.source
                .lines()
                .filter_map(heading)
                .map(|(level, _)| level)
        })
        .collect();
    let min_level = headings.iter().copied().min().unwrap_or(1);
    let top_count = headings.iter().filter(|&&level| level == min_level).count();
    let deeper = headings
        .iter()
        .copied()
        .filter(|&level| level > min_level)
        .min();
    // A single top heading, first in the notebook, is its title; sections are the next level
    // (none when there is no deeper heading).
    let (title_level, section_level) = match deeper {
        _ if top_count == 1 && headings.first() == Some(&min_level) => {
            (Some(min_level), deeper.unwrap_or(0))
        }
        _ => (None, min_level),
    };

    let stem = crate::naming::notebook_stem(std::path::Path::new(file_name));
    let mut current_section: Option<usize> = None;
    let mut pending_doc: Vec<String> = Vec::new();
    let mut seen_uses: HashSet<String> = HashSet::new();
    let mut seen_attrs: HashSet<String> = HashSet::new();
    let mut seen_externs: HashSet<String> = HashSet::new();
    let mut item_at: HashMap<String, (usize, usize)> = HashMap::new();
    let mut seen_impls: HashSet<String> = HashSet::new();
    // (defining cell, name) → the steps that use that value.
    let mut uses_of: HashMap<(usize, String), Vec<usize>> = HashMap::new();

    let ensure_section =
        |plan: &mut Plan, names: &mut NameTable, current: &mut Option<usize>| -> usize {
            if let Some(index) = *current {
                return index;
            }
            plan.sections.push(Section {
                module: names.unique(&snake_case(&stem, 4, "notebook")),
                ..Section::default()
            });
            *current = Some(plan.sections.len() - 1);
            plan.sections.len() - 1
        };

    for (index, cell) in cells.iter().enumerate() {
        match cell.kind {
            CellKind::Markdown => {
                let mut rest: Vec<&str> = Vec::new();
                let mut started: Option<String> = None;
                let mut is_title = false;
                for line in cell.source.lines() {
                    match heading(line) {
                        Some((level, text)) if Some(level) == title_level && started.is_none() => {
                            plan.title.get_or_insert(text);
                            is_title = true;
                        }
                        Some((level, text))
                            if level <= section_level && Some(level) != title_level =>
                        {
                            if let Some(previous) = started.take() {
                                open_section(
                                    &mut plan,
                                    &mut module_names,
                                    &mut current_section,
                                    &previous,
                                    prose(&rest),
                                );
                                rest.clear();
                            }
                            started = Some(text);
                        }
                        _ => rest.push(line),
                    }
                }
                if let Some(text) = started {
                    open_section(
                        &mut plan,
                        &mut module_names,
                        &mut current_section,
                        &text,
                        prose(&rest),
                    );
                    pending_doc.clear();
                } else if is_title && current_section.is_none() {
                    plan.crate_doc.extend(prose(&rest));
                } else {
                    if !pending_doc.is_empty() {
                        pending_doc.push(String::new());
                    }
                    pending_doc.extend(prose(&rest));
                }
            }
            CellKind::Code => {
                let number = cell.number;
                if let Some(reason) = skipped.get(&number) {
                    let section =
                        ensure_section(&mut plan, &mut module_names, &mut current_section);
                    plan.sections[section]
                        .entries
                        .push(Entry::Skipped(number, reason.clone()));
                    plan.pipeline
                        .push(PipelineEntry::Skipped(number, reason.clone()));
                    continue;
                }
                let Some(mut code) = codes.remove(&number) else {
                    continue;
                };
                let Some(facts) = kept_facts.cells.get(index).and_then(Option::as_ref) else {
                    continue;
                };
                let section = ensure_section(&mut plan, &mut module_names, &mut current_section);
                plan.dependencies.extend(facts.dependencies.iter().cloned());
                if plan.dependencies.iter().any(|dep| dep.name == "plotly") {
                    let files = plotly_displays_to_files(&mut code, number);
                    if !files.is_empty() {
                        plan.warnings.push(format!(
                            "cell {number}: the plotly plot the notebook displayed is written to \
                             {} in the working folder instead of printing the kernel's display \
                             protocol",
                            files.join(", ")
                        ));
                    }
                }
                for command in &facts.commands {
                    if command.name == ":fmt" && !command.argument.trim().is_empty() {
                        command.argument.trim().clone_into(&mut plan.fmt);
                    }
                }
                // Hoisted things.
                for mut attr in code.inner_attrs.drain(..) {
                    let lint_level = ["allow", "warn", "deny", "forbid", "expect"]
                        .iter()
                        .any(|level| attr.path().is_ident(level));
                    if lint_level {
                        attr.style = syn::AttrStyle::Outer;
                        code.lint_attrs.push(attr);
                    } else if seen_attrs.insert(quote::quote!(#attr).to_string()) {
                        plan.inner_attrs.push(attr);
                    }
                }
                let lint_attrs = code.lint_attrs.clone();
                for item in code.externs.drain(..) {
                    if seen_externs.insert(item.ident.to_string()) {
                        plan.externs.push(item);
                    }
                }
                for item in code.uses.drain(..) {
                    if seen_uses.insert(quote::quote!(#item).to_string()) {
                        plan.uses.push(item);
                    }
                }
                for item in code.macros.drain(..) {
                    let name = item.ident.as_ref().map(ToString::to_string);
                    plan.macros
                        .retain(|old| old.ident.as_ref().map(ToString::to_string) != name);
                    plan.macros.push(item);
                }
                for mut item in code.items.drain(..) {
                    if let Some(attrs) = item_attrs(&mut item) {
                        attrs.splice(0..0, lint_attrs.iter().cloned());
                    }
                    place_item(
                        &mut plan,
                        &mut item_at,
                        &mut seen_impls,
                        section,
                        number,
                        item,
                    );
                }
                if !code.runs_code() {
                    continue;
                }
                // Values taken from earlier cells.
                let mut params = Vec::new();
                for name in graph.used_names(number) {
                    // The variable in force when this cell ran (in run order).
                    let Some(&defined_in) = reaching.get(&(number, name.clone())) else {
                        continue;
                    };
                    uses_of
                        .entry((defined_in, name.clone()))
                        .or_default()
                        .push(number);
                    let mutable = kept_facts
                        .cell(defined_in)
                        .and_then(|facts| facts.defines.iter().rev().find(|d| &d.name == name))
                        .is_some_and(|d| d.mutable);
                    let change = facts
                        .mutations
                        .iter()
                        .filter(|mutation| &mutation.name == name)
                        .map(|mutation| match mutation.kind {
                            MutationKind::MethodCall { .. } if mutable => Change::Method,
                            MutationKind::MethodCall { .. } => Change::None,
                            _ => Change::Assign,
                        })
                        .max()
                        .unwrap_or(Change::None);
                    params.push(Param {
                        name: name.clone(),
                        defined_in,
                        change,
                        used_later: false,
                    });
                }
                let stored = stored_outputs(notebook, number);
                let display = match (&code.trailing, &stored.text_result) {
                    (None, _) => Display::None,
                    (Some(_), Some(text)) if text.trim() == "()" => Display::Unit,
                    (Some(_), Some(_)) => Display::Print,
                    // A stripped notebook stored no results: the kernel shows every trailing
                    // expression with `{:?}` (a cell whose value has no `Debug` would not have
                    // compiled there either).
                    (Some(_), None) if !has_counts => Display::Print,
                    (Some(_), None) => {
                        if stored.rich_result {
                            plan.warnings.push(format!(
                                "cell {number}: its result was shown as HTML or an image; the \
                                 extracted step evaluates it without showing it"
                            ));
                        }
                        Display::Statement
                    }
                };
                let mut stored_stdout = stored.stdout.clone();
                if matches!(display, Display::Print | Display::Unit)
                    && let Some(text) = &stored.text_result
                {
                    stored_stdout.push_str(text);
                    stored_stdout.push('\n');
                }
                // The cell's first comment, else its section's heading, else its number: a
                // comment or heading with no ASCII word (`// 计算`) names nothing.
                let worded = |text: &str| {
                    let name = snake_case(text, 4, "step");
                    (name != "step").then_some(name)
                };
                let wanted = code
                    .first_comment
                    .as_deref()
                    .and_then(worded)
                    .or_else(|| {
                        let heading = plan.sections[section].heading.as_deref()?;
                        worded(heading).map(|_| plan.sections[section].module.clone())
                    })
                    .unwrap_or_else(|| format!("cell_{number}"));
                let name = function_names.unique(&wanted);
                plan.uses_question_mark |= facts.uses_question_mark;
                plan.uses_await |= facts.uses_await;
                plan.steps.push(Step {
                    cell: number,
                    section,
                    name,
                    doc: std::mem::take(&mut pending_doc),
                    code,
                    params,
                    outputs: Vec::new(),
                    question_mark: facts.uses_question_mark,
                    awaits: facts.uses_await,
                    display,
                    stored_stdout,
                });
                let index = plan.steps.len() - 1;
                plan.sections[section].entries.push(Entry::Step(index));
                plan.pipeline.push(PipelineEntry::Step(index));
            }
            _ => {}
        }
    }

    drop_crate_name_uses(&mut plan);
    version_items(&mut plan, &reserved, &order);

    // The pipeline runs the steps in run order; a skipped cell's note stays before the kept
    // cell that follows it in the document.
    let position: HashMap<usize, usize> = order
        .iter()
        .enumerate()
        .map(|(position, &cell)| (cell, position))
        .collect();
    // A kept cell's place in the run; a left-out cell takes the place of the kept cell that
    // follows it in the document.
    let run_position = |cell: usize| {
        position.get(&cell).copied().unwrap_or_else(|| {
            order
                .iter()
                .filter(|&&kept| kept > cell)
                .min()
                .map_or(order.len(), |next| position[next])
        })
    };
    let steps = &plan.steps;
    plan.pipeline.sort_by_key(|entry| match entry {
        PipelineEntry::Step(index) => (run_position(steps[*index].cell), 1),
        PipelineEntry::Skipped(cell, _) => (run_position(*cell), 0),
    });

    // Outputs and pass-through values, now that every use is known.
    for step in &mut plan.steps {
        let cell = step.cell;
        let here = run_position(cell);
        for param in &mut step.params {
            param.used_later = uses_of
                .get(&(param.defined_in, param.name.clone()))
                .is_some_and(|users| users.iter().any(|&user| run_position(user) > here));
        }
        let Some(facts) = kept_facts.cell(cell) else {
            continue;
        };
        for name in facts.defined_names() {
            let is_variable = facts
                .defines
                .iter()
                .rev()
                .find(|d| d.name == name)
                .is_some_and(|d| d.kind == DefinitionKind::Variable);
            if is_variable && uses_of.contains_key(&(cell, name.to_owned())) {
                step.outputs.push(Output {
                    name: name.to_owned(),
                });
            }
        }
    }
    let uses = std::mem::take(&mut plan.uses);
    plan.uses = merge_uses(uses, &mut plan.warnings);
    plan
}

/// The attributes of an item that can carry a lint level.
fn item_attrs(item: &mut Item) -> Option<&mut Vec<syn::Attribute>> {
    match item {
        Item::Const(item) => Some(&mut item.attrs),
        Item::Enum(item) => Some(&mut item.attrs),
        Item::Fn(item) => Some(&mut item.attrs),
        Item::Impl(item) => Some(&mut item.attrs),
        Item::Mod(item) => Some(&mut item.attrs),
        Item::Static(item) => Some(&mut item.attrs),
        Item::Struct(item) => Some(&mut item.attrs),
        Item::Trait(item) => Some(&mut item.attrs),
        Item::Type(item) => Some(&mut item.attrs),
        Item::Union(item) => Some(&mut item.attrs),
        _ => None,
    }
}

/// One imported name of a `use` tree: its parent path (`std::io` for `std::io::Write`;
/// `std` for `std::io::{self}`) and what it brings in.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum UseLeaf {
    /// `name` or `name as alias` (`alias` is `_` for an anonymous import).
    Name { name: String, alias: Option<String> },
    /// `*`.
    Glob,
}

/// The `use` items of every cell as the crate root can hold them: each imported name once
/// (`use std::io;` beside `use std::io::{self, Write};` binds `io` twice, E0252), grouped by
/// parent path (`use std::io::{Read, Write};`). A name the cells import from two places
/// cannot be both at the root: the first stays, and a warning says so.
fn merge_uses(uses: Vec<ItemUse>, warnings: &mut Vec<String>) -> Vec<ItemUse> {
    let mut kept: Vec<ItemUse> = Vec::new();
    let mut groups: Vec<(String, Vec<UseLeaf>)> = Vec::new();
    let mut bound: HashMap<String, String> = HashMap::new();
    for item in uses {
        // Attributes or `pub` change what the item means: it stays as written.
        if !item.attrs.is_empty() || !matches!(item.vis, syn::Visibility::Inherited) {
            kept.push(item);
            continue;
        }
        let leading = if item.leading_colon.is_some() {
            "::"
        } else {
            ""
        };
        let mut leaves = Vec::new();
        use_leaves(&item.tree, &mut Vec::new(), &mut leaves);
        for (parent, leaf) in leaves {
            let parent = format!("{leading}{parent}");
            let binding = match &leaf {
                UseLeaf::Name { name, alias } => alias.clone().unwrap_or_else(|| name.clone()),
                UseLeaf::Glob => String::new(),
            };
            let full = match &leaf {
                UseLeaf::Name { name, .. } if parent.is_empty() => name.clone(),
                UseLeaf::Name { name, .. } => format!("{parent}::{name}"),
                UseLeaf::Glob => format!("{parent}::*"),
            };
            if !binding.is_empty() && binding != "_" {
                match bound.get(&binding) {
                    Some(earlier) if *earlier == full => continue,
                    Some(earlier) => {
                        warnings.push(format!(
                            "`{binding}` is imported as `{earlier}` and as `{full}`; the crate \
                             root can hold one, so it keeps `{earlier}`"
                        ));
                        continue;
                    }
                    None => {
                        bound.insert(binding, full);
                    }
                }
            }
            match groups.iter_mut().find(|(path, _)| *path == parent) {
                Some((_, group)) => {
                    if !group.contains(&leaf) {
                        group.push(leaf);
                    }
                }
                None => groups.push((parent, vec![leaf])),
            }
        }
    }
    let leaf_text = |leaf: &UseLeaf| match leaf {
        UseLeaf::Name { name, alias: None } => name.clone(),
        UseLeaf::Name {
            name,
            alias: Some(alias),
        } => format!("{name} as {alias}"),
        UseLeaf::Glob => "*".to_owned(),
    };
    let mut merged = Vec::new();
    for (parent, group) in groups {
        let inner = match group.as_slice() {
            [one] => leaf_text(one),
            many => format!(
                "{{{}}}",
                many.iter().map(leaf_text).collect::<Vec<_>>().join(", ")
            ),
        };
        let text = if parent.is_empty() || parent == "::" {
            format!("use {parent}{inner};")
        } else {
            format!("use {parent}::{inner};")
        };
        if let Ok(item) = syn::parse_str::<ItemUse>(&text) {
            merged.push(item);
        }
    }
    merged.extend(kept);
    merged
}

/// The leaves of a `use` tree with their parent paths.
fn use_leaves(tree: &syn::UseTree, prefix: &mut Vec<String>, out: &mut Vec<(String, UseLeaf)>) {
    let unraw = |ident: &proc_macro2::Ident| syn::ext::IdentExt::unraw(ident).to_string();
    match tree {
        syn::UseTree::Path(path) => {
            prefix.push(path.ident.to_string());
            use_leaves(&path.tree, prefix, out);
            prefix.pop();
        }
        syn::UseTree::Name(name) if name.ident == "self" => {
            // `a::b::{self}` is `a::b`.
            if let Some((last, parent)) = prefix.split_last() {
                out.push((
                    parent.join("::"),
                    UseLeaf::Name {
                        name: last.clone(),
                        alias: None,
                    },
                ));
            }
        }
        syn::UseTree::Name(name) => out.push((
            prefix.join("::"),
            UseLeaf::Name {
                name: name.ident.to_string(),
                alias: None,
            },
        )),
        syn::UseTree::Rename(rename) if rename.ident == "self" => {
            if let Some((last, parent)) = prefix.split_last() {
                out.push((
                    parent.join("::"),
                    UseLeaf::Name {
                        name: last.clone(),
                        alias: Some(unraw(&rename.rename)),
                    },
                ));
            }
        }
        syn::UseTree::Rename(rename) => out.push((
            prefix.join("::"),
            UseLeaf::Name {
                name: rename.ident.to_string(),
                alias: Some(rename.rename.to_string()),
            },
        )),
        syn::UseTree::Glob(_) => out.push((prefix.join("::"), UseLeaf::Glob)),
        syn::UseTree::Group(group) => {
            for tree in &group.items {
                use_leaves(tree, prefix, out);
            }
        }
    }
}

fn open_section(
    plan: &mut Plan,
    names: &mut NameTable,
    current: &mut Option<usize>,
    heading: &str,
    doc: Vec<String>,
) {
    plan.sections.push(Section {
        module: names.unique(&snake_case(heading, 4, "section")),
        heading: Some(heading.to_owned()),
        doc,
        entries: Vec::new(),
    });
    *current = Some(plan.sections.len() - 1);
}

/// Puts an item in its section; a later definition of the same name replaces the earlier one
/// (the kernel keeps the last), and an `impl` identical to an earlier one (a re-run cell) is
/// dropped.
fn place_item(
    plan: &mut Plan,
    item_at: &mut HashMap<String, (usize, usize)>,
    seen_impls: &mut HashSet<String>,
    section: usize,
    cell: usize,
    mut item: Item,
) {
    make_public(&mut item);
    if let Item::Impl(implementation) = &item {
        // The same impl text for another definition of its type (`impl Display for Shape`
        // after `struct Shape` and again after `enum Shape`) is a different impl.
        let epoch = impl_self_name(implementation)
            .and_then(|name| item_at.get(&name))
            .map_or(0, |&(_, cell)| cell);
        if !seen_impls.insert(format!("{epoch}:{}", quote::quote!(#item))) {
            return;
        }
    } else if let Some(name) = item_name(&item) {
        let redefined = is_versioned(&item)
            && item_at.get(&name).is_some_and(|&(old_section, old_cell)| {
                old_cell != cell && is_versioned_entry(plan, old_section, old_cell, &name)
            });
        // An item redefined by a later cell stays for now: `version_items` keeps the earlier
        // one (renamed) for the cells that still used it, or drops it.
        if !redefined && let Some(&(old_section, old_cell)) = item_at.get(&name) {
            plan.sections[old_section].entries.retain(|entry| {
                !matches!(entry, Entry::Item(c, old) if *c == old_cell && item_name(old).as_deref() == Some(name.as_str()))
            });
            plan.warnings.push(format!(
                "cell {cell}: `{name}` redefines the one of cell {old_cell}; the crate keeps the \
                 last definition, as the kernel does for later cells"
            ));
        }
        item_at.insert(name, (section, cell));
    }
    plan.sections[section]
        .entries
        .push(Entry::Item(cell, Box::new(item)));
}

/// The name an item defines, if it has one.
fn item_name(item: &Item) -> Option<String> {
    let ident = match item {
        Item::Const(item) => &item.ident,
        Item::Enum(item) => &item.ident,
        Item::Fn(item) => &item.sig.ident,
        Item::Mod(item) => &item.ident,
        Item::Static(item) => &item.ident,
        Item::Struct(item) => &item.ident,
        Item::Trait(item) => &item.ident,
        Item::TraitAlias(item) => &item.ident,
        Item::Type(item) => &item.ident,
        Item::Union(item) => &item.ident,
        _ => return None,
    };
    Some(ident.to_string())
}

/// Items become `pub` (with their fields and inherent methods), so that other modules can use
/// them and the library has no dead code.
pub(crate) fn make_public(item: &mut Item) {
    let public: syn::Visibility = syn::parse_quote!(pub);
    let set = |vis: &mut syn::Visibility| {
        if matches!(vis, syn::Visibility::Inherited) {
            *vis = public.clone();
        }
    };
    match item {
        Item::Const(item) => set(&mut item.vis),
        Item::Enum(item) => set(&mut item.vis),
        Item::Fn(item) => set(&mut item.vis),
        Item::Mod(item) => set(&mut item.vis),
        Item::Static(item) => set(&mut item.vis),
        Item::Trait(item) => set(&mut item.vis),
        Item::TraitAlias(item) => set(&mut item.vis),
        Item::Type(item) => set(&mut item.vis),
        Item::Struct(item) => {
            set(&mut item.vis);
            for field in &mut item.fields {
                set(&mut field.vis);
            }
        }
        Item::Union(item) => {
            set(&mut item.vis);
            for field in &mut item.fields.named {
                set(&mut field.vis);
            }
        }
        Item::Impl(item) if item.trait_.is_none() => {
            for member in &mut item.items {
                match member {
                    syn::ImplItem::Fn(method) => set(&mut method.vis),
                    syn::ImplItem::Const(constant) => set(&mut constant.vis),
                    syn::ImplItem::Type(ty) => set(&mut ty.vis),
                    _ => {}
                }
            }
        }
        _ => {}
    }
}

/// plotly's notebook displays (`plot.lab_display()`, `notebook_display()`, `evcxr_display()`)
/// print the kernel's display protocol on stdout; in a program the plot goes to an HTML file
/// (`plot.write_html("cell_7.html")`). Returns the file names.
fn plotly_displays_to_files(code: &mut CellCode, cell: usize) -> Vec<String> {
    struct Displays {
        cell: usize,
        files: Vec<String>,
    }
    impl syn::visit_mut::VisitMut for Displays {
        fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
            syn::visit_mut::visit_expr_mut(self, expr);
            if let syn::Expr::MethodCall(call) = expr
                && call.args.is_empty()
                && call.turbofish.is_none()
                && ["lab_display", "notebook_display", "evcxr_display"]
                    .iter()
                    .any(|name| call.method == name)
            {
                let file = if self.files.is_empty() {
                    format!("cell_{}.html", self.cell)
                } else {
                    format!("cell_{}_{}.html", self.cell, self.files.len() + 1)
                };
                let receiver = &call.receiver;
                *expr = syn::parse_quote!(#receiver.write_html(#file));
                self.files.push(file);
            }
        }
    }
    let mut displays = Displays {
        cell,
        files: Vec::new(),
    };
    for stmt in &mut code.stmts {
        displays.visit_stmt_mut(stmt);
    }
    if let Some(expr) = &mut code.trailing {
        displays.visit_expr_mut(expr);
    }
    displays.files
}

/// Whether section `section` holds a versioned item `name` from cell `cell`.
fn is_versioned_entry(plan: &Plan, section: usize, cell: usize, name: &str) -> bool {
    plan.sections[section].entries.iter().any(|entry| {
        matches!(entry, Entry::Item(c, item)
            if *c == cell && is_versioned(item) && item_name(item).as_deref() == Some(name))
    })
}

/// Drops `use num;` of a dependency's (or std's) crate name: evcxr cells write it, but in a
/// crate of edition 2018 or later the name is in scope in every module already (clippy's
/// `single_component_path_imports`).
fn drop_crate_name_uses(plan: &mut Plan) {
    let crates: HashSet<String> = plan
        .dependencies
        .iter()
        .map(|dependency| dependency.name.replace('-', "_"))
        .chain(plan.externs.iter().map(|item| item.ident.to_string()))
        .chain(["std", "core", "alloc"].map(String::from))
        .collect();
    plan.uses.retain(|item| {
        let syn::UseTree::Name(name) = &item.tree else {
            return true;
        };
        item.leading_colon.is_some() || !crates.contains(&name.ident.to_string())
    });
}

/// Items a later cell may redefine while earlier cells keep their own version: functions,
/// types, traits, consts and statics.
fn is_versioned(item: &Item) -> bool {
    matches!(
        item,
        Item::Fn(_)
            | Item::Struct(_)
            | Item::Enum(_)
            | Item::Union(_)
            | Item::Trait(_)
            | Item::Type(_)
            | Item::Const(_)
            | Item::Static(_)
    )
}

/// Gives a named item a new name.
fn set_item_name(item: &mut Item, name: &str) {
    let ident = crate::codegen::ident(name);
    match item {
        Item::Const(item) => item.ident = ident,
        Item::Enum(item) => item.ident = ident,
        Item::Fn(item) => item.sig.ident = ident,
        Item::Static(item) => item.ident = ident,
        Item::Struct(item) => item.ident = ident,
        Item::Trait(item) => item.ident = ident,
        Item::Type(item) => item.ident = ident,
        Item::Union(item) => item.ident = ident,
        _ => {}
    }
}

/// The name of the type an `impl` is for (`Shape` in `impl Describe for Shape<T>`).
fn impl_self_name(implementation: &syn::ItemImpl) -> Option<String> {
    match &*implementation.self_ty {
        syn::Type::Path(path) if path.qself.is_none() && path.path.leading_colon.is_none() => {
            path.path.segments.first().map(|s| s.ident.to_string())
        }
        _ => None,
    }
}

/// The name of `name` as it was from cell `since` on, in its naming style: `helper_cell3`,
/// `ShapeCell3`, `SCALE_CELL3`.
fn versioned_name(name: &str, since: usize) -> String {
    let upper = name.chars().any(|c| c.is_ascii_uppercase())
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    if upper {
        format!("{name}_CELL{since}")
    } else if name.starts_with(|c: char| c.is_ascii_uppercase()) {
        format!("{name}Cell{since}")
    } else {
        format!("{name}_cell{since}")
    }
}

/// Every definition of the items (functions, types, consts, statics) a notebook defines, and
/// what each one refers to.
struct FunctionHistory {
    /// Name → the cells defining it, in the order they ran.
    defs: HashMap<String, Vec<usize>>,
    /// Cell → its place in the run order (execution counts, else the document).
    rank: HashMap<usize, usize>,
    /// Names that are types, traits, consts or statics rather than functions.
    types: HashSet<String>,
    /// (name, cell) → the names of known items it refers to (itself included).
    callees: HashMap<(String, usize), Vec<String>>,
}

impl FunctionHistory {
    /// A cell's place in the run order.
    fn rank(&self, cell: usize) -> usize {
        self.rank.get(&cell).copied().unwrap_or(cell)
    }

    /// The cell whose definition of `name` is in force when cell `at` runs (the items of a
    /// cell are compiled before its statements run): the last to run before it.
    fn in_force(&self, name: &str, at: usize) -> Option<usize> {
        let at = self.rank(at);
        self.defs
            .get(name)?
            .iter()
            .copied()
            .rev()
            .find(|&cell| self.rank(cell) <= at)
    }

    fn last(&self, name: &str) -> Option<usize> {
        self.defs.get(name)?.last().copied()
    }

    /// The definitions reached from `name` when cell `at` runs (through calls), itself first.
    fn reached(&self, name: &str, at: usize) -> Vec<(String, usize)> {
        let mut seen: Vec<(String, usize)> = Vec::new();
        let mut queue = vec![name.to_owned()];
        while let Some(next) = queue.pop() {
            if seen.iter().any(|(n, _)| *n == next) {
                continue;
            }
            let Some(cell) = self.in_force(&next, at) else {
                continue;
            };
            if let Some(callees) = self.callees.get(&(next.clone(), cell)) {
                queue.extend(callees.iter().rev().cloned());
            }
            seen.push((next, cell));
        }
        seen
    }

    /// The name under which the crate holds `name` as it behaved when cell `at` ran: the name
    /// itself when it and everything it refers to are the last definitions, otherwise a
    /// versioned name (`name_cellK`, `NameCellK`), K being the cell from which that version was
    /// in force.
    fn version(&self, name: &str, at: usize) -> Option<String> {
        let reached = self.reached(name, at);
        if reached.is_empty() {
            return None;
        }
        let stale = reached.iter().any(|(n, cell)| self.last(n) != Some(*cell));
        if !stale {
            return Some(name.to_owned());
        }
        let since = reached
            .iter()
            .map(|(_, cell)| *cell)
            .max_by_key(|&cell| self.rank(cell))
            .unwrap_or(at);
        Some(versioned_name(name, since))
    }
}

/// The names of `known` items that `stmts`/`expr` refer to (paths, and identifiers inside
/// macro calls): functions by a one-segment path, types and consts by a path's first segment.
#[derive(Default)]
struct References<'a> {
    known: Option<&'a HashMap<String, Vec<usize>>>,
    types: Option<&'a HashSet<String>>,
    found: Vec<String>,
}

impl References<'_> {
    fn note(&mut self, name: String) {
        if self.known.is_some_and(|known| known.contains_key(&name)) && !self.found.contains(&name)
        {
            self.found.push(name);
        }
    }

    fn tokens(&mut self, tokens: proc_macro2::TokenStream) {
        for tree in tokens {
            match tree {
                proc_macro2::TokenTree::Ident(ident) => self.note(ident.to_string()),
                proc_macro2::TokenTree::Group(group) => self.tokens(group.stream()),
                _ => {}
            }
        }
    }
}

impl<'ast> syn::visit::Visit<'ast> for References<'_> {
    fn visit_expr_path(&mut self, path: &'ast syn::ExprPath) {
        if path.qself.is_none() && path.path.segments.len() == 1 {
            self.note(path.path.segments[0].ident.to_string());
        }
        syn::visit::visit_expr_path(self, path);
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        if path.leading_colon.is_none()
            && let Some(first) = path.segments.first()
        {
            let name = first.ident.to_string();
            if self.types.is_some_and(|types| types.contains(&name)) {
                self.note(name);
            }
        }
        syn::visit::visit_path(self, path);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        self.tokens(mac.tokens.clone());
    }
}

/// Items redefined by a later cell: functions, types, traits, consts and statics. The crate
/// keeps the last definition under its name, as the kernel does for later cells. A cell that
/// ran before the redefinition used the earlier one, directly or through other items (a
/// `fn main` calling the redefined helper, a function taking the redefined `Shape`): it uses a
/// versioned copy (`helper_cell3`, `main_cell3`, `ShapeCell3`, `SCALE_CELL3`) holding the code
/// in force then, and the impls of an earlier type version follow it. Earlier definitions no
/// cell needs are dropped.
#[allow(clippy::too_many_lines)]
fn version_items(plan: &mut Plan, reserved: &HashSet<String>, order: &[usize]) {
    use syn::visit::Visit;

    let mut history = FunctionHistory {
        defs: HashMap::new(),
        rank: order
            .iter()
            .enumerate()
            .map(|(position, &cell)| (cell, position))
            .collect(),
        types: HashSet::new(),
        callees: HashMap::new(),
    };
    let mut bodies: HashMap<(String, usize), Item> = HashMap::new();
    for section in &plan.sections {
        for entry in &section.entries {
            if let Entry::Item(cell, item) = entry
                && is_versioned(item)
                && let Some(name) = item_name(item)
            {
                if !matches!(&**item, Item::Fn(_)) {
                    history.types.insert(name.clone());
                }
                history.defs.entry(name.clone()).or_default().push(*cell);
                bodies.insert((name, *cell), (**item).clone());
            }
        }
    }
    for cells in history.defs.values_mut() {
        cells.sort_unstable_by_key(|&cell| history.rank.get(&cell).copied().unwrap_or(cell));
        cells.dedup();
    }
    if history.defs.values().all(|cells| cells.len() < 2) {
        return;
    }
    for ((name, cell), item) in &bodies {
        let mut refs = References {
            known: Some(&history.defs),
            types: Some(&history.types),
            found: Vec::new(),
        };
        refs.visit_item(item);
        history.callees.insert((name.clone(), *cell), refs.found);
    }

    // Renames (functions, and types by their paths) from the names used in cell `at`.
    let renames_at = |found: &[String], at: usize| -> HashMap<String, String> {
        found
            .iter()
            .filter_map(|name| {
                let version = history.version(name, at)?;
                (version != *name).then(|| (name.clone(), version))
            })
            .collect()
    };
    // Records the copies needed for `name` as in force at cell `at`.
    let need_copies =
        |copies: &mut BTreeMap<String, (String, usize, usize)>, name: &str, at: usize| {
            let mut added = false;
            for (reached, cell) in history.reached(name, at) {
                if let Some(copy) = history.version(&reached, at)
                    && copy != reached
                    && !copies.contains_key(&copy)
                {
                    copies.insert(copy, (reached, cell, at));
                    added = true;
                }
            }
            added
        };

    // The steps: uses of stale items go to versioned copies.
    let mut copies: BTreeMap<String, (String, usize, usize)> = BTreeMap::new();
    for step in &mut plan.steps {
        let mut refs = References {
            known: Some(&history.defs),
            types: Some(&history.types),
            found: Vec::new(),
        };
        for stmt in &step.code.stmts {
            refs.visit_stmt(stmt);
        }
        if let Some(expr) = &step.code.trailing {
            refs.visit_expr(expr);
        }
        let renames = renames_at(&refs.found, step.cell);
        for name in renames.keys() {
            need_copies(&mut copies, name, step.cell);
        }
        rename_in_cell(&renames, &history.types, step);
    }

    // Impls written for an earlier version of a type (or trait) stay with that version: they
    // are kept, renamed, when that version is kept, and dropped otherwise.
    let mut old_impls: Vec<(usize, usize, usize, Vec<String>)> = Vec::new();
    for (section_index, section) in plan.sections.iter().enumerate() {
        for (entry_index, entry) in section.entries.iter().enumerate() {
            if let Entry::Item(cell, item) = entry
                && let Item::Impl(implementation) = &**item
            {
                let mut refs = References {
                    known: Some(&history.defs),
                    types: Some(&history.types),
                    found: Vec::new(),
                };
                refs.visit_item_impl(implementation);
                let stale_type = refs.found.iter().any(|name| {
                    history.types.contains(name)
                        && history.version(name, *cell).is_some_and(|v| v != *name)
                });
                if stale_type {
                    old_impls.push((section_index, entry_index, *cell, refs.found));
                }
            }
        }
    }
    let mut kept_impls: HashSet<(usize, usize)> = HashSet::new();
    loop {
        let mut added = false;
        for (section_index, entry_index, cell, found) in &old_impls {
            if kept_impls.contains(&(*section_index, *entry_index)) {
                continue;
            }
            let renames = renames_at(found, *cell);
            let needed = renames.iter().any(|(name, version)| {
                history.types.contains(name) && copies.contains_key(version)
            });
            if needed {
                kept_impls.insert((*section_index, *entry_index));
                for name in renames.keys() {
                    need_copies(&mut copies, name, *cell);
                }
                added = true;
            }
        }
        if !added {
            break;
        }
    }

    // Versioned names must not clash with the user's names.
    let mut taken: HashSet<String> = reserved.clone();
    taken.extend(history.defs.keys().cloned());
    taken.extend(plan.steps.iter().map(|step| step.name.clone()));
    let mut final_names: HashMap<String, String> = HashMap::new();
    for copy in copies.keys() {
        let mut unique = copy.clone();
        let mut n = 2;
        while taken.contains(&unique) {
            unique = format!("{copy}_{n}");
            n += 1;
        }
        taken.insert(unique.clone());
        final_names.insert(copy.clone(), unique);
    }
    let final_types: HashSet<String> = copies
        .iter()
        .filter(|(_, (name, _, _))| history.types.contains(name))
        .map(|(copy, _)| copy.clone())
        .collect();
    if final_names.iter().any(|(from, to)| from != to) {
        for step in &mut plan.steps {
            rename_in_cell(&final_names, &final_types, step);
        }
    }
    // The renames inside an item as it was in force at cell `at`.
    let renames_in = |found: &[String], at: usize| -> HashMap<String, String> {
        renames_at(found, at)
            .into_iter()
            .map(|(name, version)| {
                let version = final_names.get(&version).cloned().unwrap_or(version);
                (name, version)
            })
            .collect()
    };

    // The copies, each right after the definition it copies.
    let mut after: HashMap<(String, usize), Vec<(String, Item)>> = HashMap::new();
    for (copy, (name, cell, at)) in &copies {
        let Some(item) = bodies.get(&(name.clone(), *cell)) else {
            continue;
        };
        let mut item = item.clone();
        let callees = history
            .callees
            .get(&(name.clone(), *cell))
            .cloned()
            .unwrap_or_default();
        rename_in_item(&renames_in(&callees, *at), &history.types, &mut item);
        let unique = final_names
            .get(copy)
            .cloned()
            .unwrap_or_else(|| copy.clone());
        set_item_name(&mut item, &unique);
        plan.versions.push((unique.clone(), name.clone(), *cell));
        after
            .entry((name.clone(), *cell))
            .or_default()
            .push((unique, item));
    }
    let old_impl_found: HashMap<(usize, usize), (usize, Vec<String>)> = old_impls
        .into_iter()
        .map(|(section, entry, cell, found)| ((section, entry), (cell, found)))
        .collect();
    let mut dropped_trait_impls: Vec<String> = Vec::new();
    for (section_index, section) in plan.sections.iter_mut().enumerate() {
        let entries = std::mem::take(&mut section.entries);
        for (entry_index, entry) in entries.into_iter().enumerate() {
            let Entry::Item(cell, mut item) = entry else {
                section.entries.push(entry);
                continue;
            };
            if let Some((at, found)) = old_impl_found.get(&(section_index, entry_index)) {
                if kept_impls.contains(&(section_index, entry_index)) {
                    rename_in_item(&renames_in(found, *at), &history.types, &mut item);
                    section.entries.push(Entry::Item(cell, item));
                } else if let Item::Impl(implementation) = &*item
                    && let Some((trait_path, _)) = &implementation.trait_
                    && let Some(first) = trait_path.segments.first()
                    && history.types.contains(&first.ident.to_string())
                    && history
                        .version(&first.ident.to_string(), *at)
                        .is_some_and(|version| first.ident != version)
                {
                    // Method calls name no trait: the earlier cells calling this impl's
                    // methods now reach the impl written for the later trait, if any.
                    let self_ty = &implementation.self_ty;
                    dropped_trait_impls.push(format!(
                        "cell {cell}: `impl {} for {}` was written for the earlier `{}`, which \
                         no later cell names; it is left out, and method calls in earlier cells \
                         use the impl of the trait's last definition, if there is one",
                        quote::quote!(#trait_path).to_string().replace(' ', ""),
                        quote::quote!(#self_ty).to_string().replace(' ', ""),
                        first.ident
                    ));
                }
                continue;
            }
            let Some(name) = item_name(&item).filter(|_| is_versioned(&item)) else {
                section.entries.push(Entry::Item(cell, item));
                continue;
            };
            let key = (name, cell);
            if history.last(&key.0) == Some(cell) {
                section.entries.push(Entry::Item(cell, item));
            }
            for (_, copy) in after.remove(&key).unwrap_or_default() {
                section.entries.push(Entry::Item(cell, Box::new(copy)));
            }
        }
    }

    // Notes.
    let mut names: Vec<&String> = history
        .defs
        .iter()
        .filter(|(_, cells)| cells.len() > 1)
        .map(|(name, _)| name)
        .collect();
    names.sort();
    for name in names {
        let cells = &history.defs[name];
        let what = if history.types.contains(name) {
            "one"
        } else {
            "function"
        };
        for pair in cells.windows(2) {
            plan.warnings.push(format!(
                "cell {}: `{name}` redefines the {what} of cell {}; the crate keeps the last \
                 definition, as the kernel does for later cells",
                pair[1], pair[0]
            ));
        }
    }
    plan.warnings.extend(dropped_trait_impls);
    for (copy, (name, cell, _)) in &copies {
        let unique = final_names.get(copy).unwrap_or(copy);
        let what = if history.types.contains(name) {
            "as it was"
        } else {
            "as it behaved"
        };
        plan.warnings.push(format!(
            "`{unique}`: cell {cell}'s `{name}` {what} before a later redefinition (of it \
             or of an item it uses), for the cells that ran then"
        ));
    }
}

/// Renames the versioned items a step uses: functions where the name is not shadowed, types,
/// consts and statics (`types`) by their paths.
fn rename_in_cell(renames: &HashMap<String, String>, types: &HashSet<String>, step: &mut Step) {
    if renames.is_empty() {
        return;
    }
    Rename::new(renames.clone()).visit_cell(&mut step.code.stmts, step.code.trailing.as_mut());
    let mut paths = RenameTypes::new(renames, types);
    for stmt in &mut step.code.stmts {
        paths.visit_stmt_mut(stmt);
    }
    if let Some(expr) = step.code.trailing.as_mut() {
        paths.visit_expr_mut(expr);
    }
}

/// Renames the versioned items an item (a copy, an impl) uses.
fn rename_in_item(renames: &HashMap<String, String>, types: &HashSet<String>, item: &mut Item) {
    if renames.is_empty() {
        return;
    }
    Rename::new(renames.clone()).visit_item_mut(item);
    RenameTypes::new(renames, types).visit_item_mut(item);
}

/// Renames the first segment of paths (`Shape` in `Shape::Circle(1.0)`, `&Shape`,
/// `impl Describe for Shape`) for the types, traits, consts and statics among `renames`.
struct RenameTypes {
    map: HashMap<String, String>,
}

impl RenameTypes {
    fn new(renames: &HashMap<String, String>, types: &HashSet<String>) -> Self {
        Self {
            map: renames
                .iter()
                .filter(|(name, _)| types.contains(*name))
                .map(|(name, to)| (name.clone(), to.clone()))
                .collect(),
        }
    }
}

impl syn::visit_mut::VisitMut for RenameTypes {
    fn visit_path_mut(&mut self, path: &mut syn::Path) {
        if path.leading_colon.is_none()
            && let Some(first) = path.segments.first_mut()
            && let Some(to) = self.map.get(&first.ident.to_string())
        {
            first.ident = crate::codegen::ident(to);
        }
        syn::visit_mut::visit_path_mut(self, path);
    }
}

/// Renames uses of functions (paths and identifiers inside macro calls) where the name
/// still means the function: a parameter, local, closure parameter or pattern binding of the
/// same name shadows it, and its uses are left alone (`fn apply(f: fn(f64) -> f64, x: f64)
/// { f(x) }` calls its parameter, whatever top-level `f` is renamed to).
struct Rename {
    map: HashMap<String, String>,
    /// Names bound by the scopes around the node being visited, innermost last.
    scopes: Vec<HashSet<String>>,
}

impl Rename {
    fn new(map: HashMap<String, String>) -> Self {
        Self {
            map,
            scopes: Vec::new(),
        }
    }

    /// The new name for `name` where it is used here, if it is renamed and not shadowed.
    fn target(&self, name: &str) -> Option<&String> {
        if self.scopes.iter().any(|scope| scope.contains(name)) {
            return None;
        }
        self.map.get(name)
    }

    /// Binds the names of `pat` in the innermost scope.
    fn bind_pattern(&mut self, pat: &syn::Pat) {
        let names = pattern_names(pat);
        if let Some(scope) = self.scopes.last_mut() {
            scope.extend(names);
        }
    }

    /// Visits a cell's top-level statements and trailing expression: its `let`s shadow the
    /// names below them, as in a block.
    fn visit_cell(&mut self, stmts: &mut [syn::Stmt], trailing: Option<&mut syn::Expr>) {
        self.scopes.push(HashSet::new());
        for stmt in stmts {
            self.visit_statement(stmt);
        }
        if let Some(expr) = trailing {
            self.visit_expr_mut(expr);
        }
        self.scopes.pop();
    }

    /// Visits a function's body with its parameters in scope.
    fn visit_function(&mut self, sig: &syn::Signature, block: &mut syn::Block) {
        self.scopes.push(HashSet::new());
        for input in &sig.inputs {
            if let syn::FnArg::Typed(typed) = input {
                self.bind_pattern(&typed.pat);
            }
        }
        self.visit_block_mut(block);
        self.scopes.pop();
    }

    /// One statement of a block or cell: a `let` binds its names after its initializer.
    fn visit_statement(&mut self, stmt: &mut syn::Stmt) {
        match stmt {
            syn::Stmt::Local(local) => {
                if let Some(init) = &mut local.init {
                    self.visit_expr_mut(&mut init.expr);
                    if let Some((_, diverge)) = &mut init.diverge {
                        self.visit_expr_mut(diverge);
                    }
                }
                self.bind_pattern(&local.pat);
            }
            syn::Stmt::Item(syn::Item::Fn(function)) => {
                if let Some(scope) = self.scopes.last_mut() {
                    scope.insert(syn::ext::IdentExt::unraw(&function.sig.ident).to_string());
                }
                self.visit_item_fn_mut(function);
            }
            other => self.visit_stmt_mut(other),
        }
    }

    fn tokens(&mut self, tokens: proc_macro2::TokenStream) -> proc_macro2::TokenStream {
        tokens
            .into_iter()
            .map(|tree| match tree {
                proc_macro2::TokenTree::Ident(ident) => match self.target(&ident.to_string()) {
                    Some(to) => proc_macro2::TokenTree::Ident(crate::codegen::ident(to)),
                    None => proc_macro2::TokenTree::Ident(ident),
                },
                proc_macro2::TokenTree::Group(group) => {
                    let mut renamed =
                        proc_macro2::Group::new(group.delimiter(), self.tokens(group.stream()));
                    renamed.set_span(group.span());
                    proc_macro2::TokenTree::Group(renamed)
                }
                other => other,
            })
            .collect()
    }
}

/// The names a pattern binds (`x`, `(a, mut b)`, `Some(ref c)`, `S { d, e: f }`).
fn pattern_names(pat: &syn::Pat) -> Vec<String> {
    struct Names(Vec<String>);
    impl<'ast> syn::visit::Visit<'ast> for Names {
        fn visit_pat_ident(&mut self, pat: &'ast syn::PatIdent) {
            self.0
                .push(syn::ext::IdentExt::unraw(&pat.ident).to_string());
            syn::visit::visit_pat_ident(self, pat);
        }
    }
    let mut names = Names(Vec::new());
    syn::visit::Visit::visit_pat(&mut names, pat);
    names.0
}

/// The names `let` conditions bind (`if let Some(f) = g`, `while let ... && let ...`).
fn let_condition_names(condition: &syn::Expr) -> Vec<String> {
    match condition {
        syn::Expr::Let(binding) => pattern_names(&binding.pat),
        syn::Expr::Binary(binary) => {
            let mut names = let_condition_names(&binary.left);
            names.extend(let_condition_names(&binary.right));
            names
        }
        syn::Expr::Paren(paren) => let_condition_names(&paren.expr),
        _ => Vec::new(),
    }
}

impl syn::visit_mut::VisitMut for Rename {
    fn visit_expr_path_mut(&mut self, path: &mut syn::ExprPath) {
        if path.qself.is_none() && path.path.segments.len() == 1 {
            let segment = &mut path.path.segments[0];
            if let Some(to) = self.target(&segment.ident.to_string()) {
                segment.ident = crate::codegen::ident(to);
            }
        }
    }

    fn visit_block_mut(&mut self, block: &mut syn::Block) {
        self.scopes.push(HashSet::new());
        for stmt in &mut block.stmts {
            self.visit_statement(stmt);
        }
        self.scopes.pop();
    }

    fn visit_item_fn_mut(&mut self, function: &mut syn::ItemFn) {
        let sig = function.sig.clone();
        self.visit_function(&sig, &mut function.block);
    }

    fn visit_impl_item_fn_mut(&mut self, function: &mut syn::ImplItemFn) {
        let sig = function.sig.clone();
        self.visit_function(&sig, &mut function.block);
    }

    fn visit_expr_closure_mut(&mut self, closure: &mut syn::ExprClosure) {
        self.scopes.push(HashSet::new());
        for input in &closure.inputs {
            self.bind_pattern(input);
        }
        self.visit_expr_mut(&mut closure.body);
        self.scopes.pop();
    }

    fn visit_expr_for_loop_mut(&mut self, for_loop: &mut syn::ExprForLoop) {
        self.visit_expr_mut(&mut for_loop.expr);
        self.scopes.push(HashSet::new());
        self.bind_pattern(&for_loop.pat);
        self.visit_block_mut(&mut for_loop.body);
        self.scopes.pop();
    }

    fn visit_arm_mut(&mut self, arm: &mut syn::Arm) {
        self.scopes.push(HashSet::new());
        self.bind_pattern(&arm.pat);
        // The guard (`x if f(x)`) lives in the pattern.
        self.visit_pat_mut(&mut arm.pat);
        self.visit_expr_mut(&mut arm.body);
        self.scopes.pop();
    }

    fn visit_expr_if_mut(&mut self, expr: &mut syn::ExprIf) {
        self.visit_expr_mut(&mut expr.cond);
        self.scopes
            .push(let_condition_names(&expr.cond).into_iter().collect());
        self.visit_block_mut(&mut expr.then_branch);
        self.scopes.pop();
        if let Some((_, otherwise)) = &mut expr.else_branch {
            self.visit_expr_mut(otherwise);
        }
    }

    fn visit_expr_while_mut(&mut self, expr: &mut syn::ExprWhile) {
        self.visit_expr_mut(&mut expr.cond);
        self.scopes
            .push(let_condition_names(&expr.cond).into_iter().collect());
        self.visit_block_mut(&mut expr.body);
        self.scopes.pop();
    }

    fn visit_macro_mut(&mut self, mac: &mut syn::Macro) {
        mac.tokens = self.tokens(std::mem::take(&mut mac.tokens));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_use_of_a_crate_name_alone_is_dropped() {
        let mut plan = Plan {
            externs: vec![syn::parse_quote!(
                extern crate num;
            )],
            uses: vec![
                syn::parse_quote!(
                    use num;
                ),
                syn::parse_quote!(
                    use std;
                ),
                syn::parse_quote!(
                    use num::Integer;
                ),
                syn::parse_quote!(
                    use shapes;
                ),
                syn::parse_quote!(
                    use ::num;
                ),
            ],
            ..Plan::default()
        };
        drop_crate_name_uses(&mut plan);
        let kept: Vec<String> = plan
            .uses
            .iter()
            .map(|item| quote::quote!(#item).to_string())
            .collect();
        assert_eq!(
            kept,
            ["use num :: Integer ;", "use shapes ;", "use :: num ;"]
        );
    }

    #[test]
    fn overindented_list_continuations_are_indented_as_the_item() {
        let lines = [
            "1. There are crates",
            "    [time](x),",
            "      and more",
            "    ",
            "        enum E {}",
            "",
            "    A second paragraph",
            "    of the item.",
            "",
            "After the list.",
            "    indented",
        ];
        assert_eq!(
            prose(&lines),
            [
                "1. There are crates",
                "   [time](x),",
                "   and more",
                "",
                "        enum E {}",
                "",
                "   A second paragraph",
                "   of the item.",
                "",
                "After the list.",
                "    indented",
            ]
        );
    }

    #[test]
    fn lazy_list_continuations_are_indented() {
        let lines = [
            "* enthalpy",
            "$H = U+PV$",
            "12. twelfth",
            "text",
            "   already indented",
            "",
            "paragraph",
            "```",
            "- in a fence",
            "code",
            "```",
        ];
        assert_eq!(
            prose(&lines),
            [
                "* enthalpy",
                "  $H = U+PV$",
                "12. twelfth",
                "    text",
                "    already indented",
                "",
                "paragraph",
                "```text",
                "- in a fence",
                "code",
                "```",
            ]
        );
    }
}
