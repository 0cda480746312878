//! `nblint extract` for Python notebooks: a notebook becomes a src-layout package that does
//! what the notebook did. One module per markdown section, one function per code cell (its
//! parameters are the values it reads from cells that ran before it, its return value what
//! later cells read from it), functions and classes that do not close over cell state moved
//! to module level, and a `__main__.py` whose `main()` calls the steps in the order the cells
//! ran and prints what the notebook displayed. [`run_check`] then runs `python -m PKG` and
//! compares its stdout with the notebook's stored output, cell by cell.
//!
//! Cells keep their own text: the generator indents each cell's source into a function and
//! edits it only where IPython syntax (`%magic`, `!shell`) has to become Python, where a
//! name must point at the version of a function in force when the cell ran (`clean_2`), and
//! where a value is returned. It never regenerates code from the syntax tree. This crate
//! plans and writes files; it does not print and does not read the environment.

mod cells;
mod ipython;
mod project;
mod render;
mod run;
mod text;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

use nblint_extract::naming::{NameTable, snake_case};
use nblint_facts::{CellFrontend, DefinitionKind};
use nblint_notebook::{CellKind, Notebook};

pub use project::{Dependencies, distribution_of, is_stdlib};
pub use run::{CellCheck, RunCheck, RunOptions, RunOutcome, compare, normalise_output, run_check};

use cells::{Body, Prepared, Section, first_comment, prepare_python, stored};
use ipython::capture_lines;
use ipython::{CellMagic, Edit};
use render::{
    NAMESPACE_HELPERS, StepCode, build_step, notebook_helpers, readme, render_main, render_module,
    shows_result,
};

/// The oldest Python the generated code must run on, from the notebook's
/// `language_info.version`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// 3.8 and newer: dataclasses, `subprocess.run(capture_output=..., text=...)`. For
    /// notebooks that ran on 3.7 or newer, or do not say.
    Modern,
    /// 3.6: a notebook that ran on Python 3.6 or older (3.5: the package still needs 3.6,
    /// for f-strings). Many returned values come back in a `SimpleNamespace` subclass instead
    /// of a dataclass, commands capture output with pipes and `universal_newlines`, and the
    /// build backend is one that still installs on 3.6.
    Py36,
}

impl Target {
    /// The target for a notebook that ran on `version` (`3.6.1`).
    pub fn of_version(version: Option<&str>) -> Target {
        let mut parts = version.unwrap_or_default().split('.');
        let major = parts.next().and_then(|m| m.trim().parse::<u32>().ok());
        let minor = parts.next().and_then(|m| {
            m.chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
                .parse::<u32>()
                .ok()
        });
        match (major, minor) {
            (Some(3), Some(minor)) if minor < 7 => Target::Py36,
            _ => Target::Modern,
        }
    }
}

/// Python's keywords and the builtins generated names must not shadow.
const PYTHON_RESERVED: &[&str] = &[
    "False",
    "None",
    "True",
    "and",
    "as",
    "assert",
    "async",
    "await",
    "break",
    "class",
    "continue",
    "def",
    "del",
    "elif",
    "else",
    "except",
    "finally",
    "for",
    "from",
    "global",
    "if",
    "import",
    "in",
    "is",
    "lambda",
    "nonlocal",
    "not",
    "or",
    "pass",
    "raise",
    "return",
    "try",
    "while",
    "with",
    "yield",
    "match",
    "case",
    "type",
    "print",
    "repr",
    "list",
    "dict",
    "set",
    "tuple",
    "len",
    "range",
    "sum",
    "min",
    "max",
    "open",
    "id",
    "input",
    "format",
    "map",
    "filter",
    "zip",
    "sorted",
    "any",
    "all",
    "str",
    "int",
    "float",
    "bool",
    "object",
    "super",
    "iter",
    "next",
    "abs",
    "round",
    "display",
    "help",
    "vars",
    "dir",
    "hash",
    "compile",
    "exec",
    "eval",
    "main",
    "save_figures",
    "inline_figures",
    "pandas_options",
    "dataclass",
    "subprocess",
    "os",
    "__init__",
    "__main__",
    "_notebook",
];

/// What stops an extraction.
#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    /// The notebook uses something the package cannot reproduce (`%run`, `%store`).
    #[error("cell {cell}, line {line}: {reason}; nothing was extracted")]
    Refused {
        /// The cell (1-based over all cells).
        cell: usize,
        /// The line in the cell (1-based).
        line: usize,
        /// Why.
        reason: String,
    },
    /// A code cell that ran without error does not parse as Python.
    #[error("cell {cell}, line {line}, column {column}: not Python: {message}")]
    Syntax {
        /// The cell (1-based over all cells).
        cell: usize,
        /// The line in the cell (1-based).
        line: usize,
        /// The column (1-based, in characters).
        column: usize,
        /// The parser's message.
        message: String,
    },
    /// No code cell is left to extract.
    #[error("nothing to extract: {reason}")]
    NothingToExtract {
        /// Why.
        reason: String,
        /// The notes gathered on the way.
        warnings: Vec<String>,
    },
    /// A module nblint wrote does not parse as Python: a bug in nblint, caught before
    /// anything is written.
    #[error(
        "nblint generated `{file}` with a syntax error at line {line} ({message}): this is a \
         bug in nblint, please report it; nothing was written"
    )]
    Generated {
        /// The file, relative to the output folder.
        file: String,
        /// The line (1-based).
        line: usize,
        /// The parser's message.
        message: String,
    },
    /// A file could not be written.
    #[error("writing {}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause, which an error report gives after the message (the error's source).
        source: std::io::Error,
    },
}

/// The inputs of an extraction.
#[derive(Debug, Clone)]
pub struct ExtractOptions {
    /// The import name of the package (a Python identifier).
    pub package: String,
    /// The notebook's file name, for docstrings pointing back at cells.
    pub notebook_name: String,
}

/// What one step (code cell) printed in the notebook: its stdout streams, then its
/// `text/plain` result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedOutput {
    /// The cell (1-based over all cells).
    pub cell: usize,
    /// The step function.
    pub step: String,
    /// The stored text (empty when not compared).
    pub text: String,
    /// False when the cell had a line left out (a `%pip install`), whose output the package
    /// cannot print: the cell is not compared.
    pub compared: bool,
}

/// The result of an extraction.
#[derive(Debug, Clone, Default)]
pub struct Extraction {
    /// The files, relative to the output folder, in a stable order.
    pub files: BTreeMap<String, String>,
    /// Notes for the user (skipped cells, magics left out, unknown imports).
    pub warnings: Vec<String>,
    /// What each step printed in the notebook, in run order.
    pub expected: Vec<ExpectedOutput>,
    /// The dependencies written to `pyproject.toml`, and the imports not placed.
    pub dependencies: Dependencies,
    /// The notebook had stored outputs to compare with (false for a stripped notebook).
    pub has_outputs: bool,
    /// Where the package may compute what the notebook did not: a function that reads a
    /// notebook name when called, called after a later cell binds that name again (the step
    /// function keeps the value its own cell saw), or a function that binds a name with
    /// `global` (in the package, its module's name, which no step reads). Each is also in
    /// [`Self::warnings`]; a run whose output matches the notebook's settles them.
    pub late_bound: Vec<String>,
}

/// Whether `name` can be the package's import name: a Python identifier that is no keyword.
pub fn is_valid_package_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !PYTHON_RESERVED[..36].contains(&name)
}

/// The package name for a notebook file (`Load Data.ipynb` → `load_data`).
pub fn package_name(notebook_path: &Path) -> String {
    let name = nblint_extract::package_name(notebook_path);
    python_name(&name)
}

/// `name`, with `_` appended when it is a Python keyword or a builtin generated code uses.
fn python_name(name: &str) -> String {
    if PYTHON_RESERVED.contains(&name) {
        format!("{name}_")
    } else {
        name.to_owned()
    }
}

/// Writes the extracted files into `out_dir` (created if needed).
pub fn write_files(files: &BTreeMap<String, String>, out_dir: &Path) -> Result<(), ExtractError> {
    nblint_extract::write_tree(files, out_dir)
        .map_err(|(path, source)| ExtractError::Io { path, source })
}

// ---------------------------------------------------------------------------------------
// Planning: which value crosses which cells, in run order.

/// What a top-level name refers to at some point of the run.
#[derive(Debug, Clone)]
enum Binding {
    /// A value a step made (index into the steps).
    Value(usize),
    /// A function or class moved to module level: its module and (versioned) name.
    Function { module: usize, name: String },
    /// Module-level imports.
    Import(Vec<String>),
}

#[derive(Debug, Clone, Default)]
struct Step {
    name: String,
    params: Vec<String>,
    returns: Vec<String>,
    /// Edits beyond the IPython rewrites: renames, cuts.
    edits: Vec<Edit>,
    /// Definitions (indices) moved to module level, with their versioned names.
    moved: Vec<(usize, String)>,
    /// Names the step declares `global`: one name in the notebook for the step and the
    /// functions that read or bind it (see [`share_module_names`]).
    globals: Vec<String>,
}

#[derive(Debug, Clone, Default)]
struct Module {
    name: String,
    doc: Vec<String>,
    /// Import lines, in order of first need.
    imports: Vec<String>,
    /// Cells in document order: step index or a skip note.
    entries: Vec<ModuleEntry>,
}

#[derive(Debug, Clone)]
enum ModuleEntry {
    Step(usize),
    Skipped(usize, String),
}

impl Module {
    /// Whether another import line of the module binds `line`'s name (`from math import sqrt
    /// as root` where the line is `from cmath import sqrt as root`): [`Self::import`] would
    /// keep the first and drop this one.
    fn binds_otherwise(&self, line: &str) -> bool {
        let plain = |l: &str| l.starts_with("import ") && !l.contains(" as ");
        let marked = format!("{line}  # noqa: F401");
        bound_name(line).is_some_and(|name| {
            self.imports.iter().any(|l| {
                l != line
                    && *l != marked
                    && bound_name(l).as_deref() == Some(name.as_str())
                    && !(plain(l) && plain(line))
            })
        })
    }

    /// Adds an import line unless the module has it, or has another line binding the same
    /// name (`import matplotlib.pyplot as plt` and `from matplotlib import pyplot as plt`):
    /// the first stays. `import a.b` and `import a.c` both bind `a` and are both kept.
    fn import(&mut self, line: &str) {
        if self.imports.iter().any(|l| l == line) {
            return;
        }
        // A line kept only for its effect (`# noqa: F401`) is now read: drop the marker.
        let marked = format!("{line}  # noqa: F401");
        if let Some(existing) = self.imports.iter_mut().find(|l| **l == marked) {
            line.clone_into(existing);
            return;
        }
        if self.binds_otherwise(line) {
            return;
        }
        // `from __future__` imports must come first in a module.
        if line.starts_with("from __future__ ") {
            let after = self
                .imports
                .iter()
                .take_while(|l| l.starts_with("from __future__ "))
                .count();
            self.imports.insert(after, line.to_owned());
        } else {
            self.imports.push(line.to_owned());
        }
    }
}

/// What reading the cells in document order gives: sections, the code cells kept (their
/// text made Python), the cells left out, the title and the prose under it, and every name
/// the notebook's code binds or reads (generated names avoid them).
struct Reading {
    reserved: HashSet<String>,
    title: Option<String>,
    package_doc: Vec<String>,
    sections: Vec<Section>,
    prepared: Vec<Prepared>,
    skipped: Vec<(usize, usize, String)>,
}

/// Reads the cells in document order: markdown headings open sections (at `section_level`;
/// the `title_level` heading is the package's title), code cells are prepared or left out.
fn read_cells(
    notebook: &Notebook,
    options: &ExtractOptions,
    has_counts: bool,
    (title_level, section_level): (Option<usize>, usize),
    warnings: &mut Vec<String>,
) -> Result<Reading, ExtractError> {
    let cells = notebook.cells();
    let target = Target::of_version(notebook.metadata_str(&["language_info", "version"]));
    // Names user code binds or reads: generated names avoid them.
    let mut reserved: HashSet<String> = PYTHON_RESERVED.iter().map(|&n| n.to_owned()).collect();
    reserved.insert(options.package.clone());
    let mut module_names = NameTable::with_reserved(reserved.iter().map(String::as_str));
    let stem = nblint_extract::naming::notebook_stem(Path::new(&options.notebook_name));

    let mut title: Option<String> = None;
    let mut package_doc: Vec<String> = Vec::new();
    let mut sections: Vec<Section> = Vec::new();
    let mut pending_doc: Vec<String> = Vec::new();
    let mut prepared: Vec<Prepared> = Vec::new();
    let mut skipped: Vec<(usize, usize, String)> = Vec::new();
    let mut current: Option<usize> = None;
    let names = ipython::NotebookNames::of(
        cells
            .iter()
            .filter(|cell| cell.kind == CellKind::Code)
            .map(|cell| cell.source.as_str()),
    );

    for cell in cells {
        match cell.kind {
            CellKind::Markdown => {
                for line in cell.source.lines() {
                    match nblint_extract::plan::heading(line) {
                        Some((level, text)) if Some(level) == title_level && title.is_none() => {
                            title = Some(text);
                        }
                        Some((level, text)) if level <= section_level => {
                            let module =
                                module_names.unique(&python_name(&snake_case(&text, 4, "section")));
                            sections.push(Section {
                                module,
                                doc: vec![text],
                            });
                            current = Some(sections.len() - 1);
                            pending_doc.clear();
                        }
                        _ => {
                            if current.is_none() && title.is_some() && prepared.is_empty() {
                                package_doc.push(line.to_owned());
                            } else {
                                pending_doc.push(line.to_owned());
                            }
                        }
                    }
                }
                pending_doc.push(String::new());
            }
            CellKind::Code if cell.source.trim().is_empty() => {}
            CellKind::Code => {
                let section = if let Some(index) = current {
                    index
                } else {
                    sections.push(Section {
                        module: {
                            let wanted = python_name(&snake_case(&stem, 4, "notebook"));
                            module_names.unique(if wanted == options.package {
                                "cells"
                            } else {
                                &wanted
                            })
                        },
                        doc: Vec::new(),
                    });
                    current = Some(sections.len() - 1);
                    sections.len() - 1
                };
                let skip = if cell.has_error_output {
                    Some("its stored output is an error".to_owned())
                } else if has_counts && cell.execution_count.is_none() {
                    if cells::only_imports(&cell.source) {
                        // The session had these imports from somewhere (the cell ran before
                        // a restart, or an edited copy did): later cells read them.
                        warnings.push(format!(
                            "cell {}: never ran in the notebook, but holds only imports: kept",
                            cell.number
                        ));
                        None
                    } else {
                        Some("it never ran in the notebook".to_owned())
                    }
                } else {
                    None
                };
                if let Some(reason) = skip {
                    warnings.push(format!("cell {}: skipped: {reason}", cell.number));
                    skipped.push((section, cell.number, reason));
                    continue;
                }
                let body = match ipython::cell_magic(&cell.source) {
                    CellMagic::None => {
                        prepare_python(cell.source.clone(), cell.number, target, &names)?
                    }
                    CellMagic::Python { header } => {
                        // The header line becomes a comment; the body is the cell's text.
                        let at = cell.source.find("%%").unwrap_or(0);
                        let text = format!(
                            "{}# {header}  (IPython cell magic: the body runs once){}",
                            &cell.source[..at],
                            &cell.source[at + header.len()..]
                        );
                        prepare_python(text, cell.number, target, &names)?
                    }
                    CellMagic::Shell { program, script } => {
                        if ipython::installs_packages(&script) {
                            let reason = "a shell cell that installs packages (see pyproject.toml)"
                                .to_owned();
                            warnings.push(format!("cell {}: skipped: {reason}", cell.number));
                            skipped.push((section, cell.number, reason));
                            continue;
                        }
                        let keywords = capture_lines(target);
                        Body::Generated {
                            text: format!(
                                "print(\n    subprocess.run(\n        [{}, \"-c\", {}],\n{keywords}    ).stdout,\n    end=\"\",\n)\n",
                                ipython::string_literal(&program),
                                ipython::string_literal(&script)
                            ),
                            needs: vec!["subprocess"],
                        }
                    }
                    CellMagic::WriteFile { path, append, text } => Body::Generated {
                        text: format!(
                            "with open(\n    {},\n    {},\n    encoding=\"utf-8\",\n) as file:\n    file.write(\n        {},\n    )\nprint({})\n",
                            ipython::string_literal(&path),
                            if append { "\"a\"" } else { "\"w\"" },
                            ipython::string_literal(&text),
                            ipython::string_literal(&format!(
                                "{} {path}",
                                if append { "Appending to" } else { "Writing" }
                            ))
                        ),
                        needs: Vec::new(),
                    },
                    CellMagic::Other { name } => {
                        let reason =
                            format!("`{name}` is not Python (its output is not reproduced)");
                        warnings.push(format!("cell {}: skipped: {reason}", cell.number));
                        skipped.push((section, cell.number, reason));
                        continue;
                    }
                };
                if let Body::Python { left_out, .. } = &body {
                    for (line, why) in left_out {
                        warnings.push(format!("cell {}, line {line}: {why}", cell.number));
                    }
                }
                if let Body::Python { facts, .. } = &body {
                    if facts.uses_await {
                        let reason =
                            "top-level `await` (IPython's autoawait) is not extracted".to_owned();
                        warnings.push(format!("cell {}: skipped: {reason}", cell.number));
                        skipped.push((section, cell.number, reason));
                        continue;
                    }
                    for definition in &facts.defines {
                        reserved.insert(definition.name.clone());
                    }
                    for name_use in &facts.uses {
                        reserved.insert(name_use.name.clone());
                    }
                }
                let name_hint = match &body {
                    Body::Python { text, .. } => first_comment(text),
                    Body::Generated { .. } => None,
                };
                prepared.push(Prepared {
                    number: cell.number,
                    execution_count: cell.execution_count,
                    section,
                    doc: std::mem::take(&mut pending_doc),
                    body,
                    stored: stored(notebook, cell.number),
                    name_hint,
                });
            }
            CellKind::Raw | CellKind::Other(_) => {}
        }
    }
    Ok(Reading {
        reserved,
        title,
        package_doc,
        sections,
        prepared,
        skipped,
    })
}

/// Walks the steps in run `order`, tracking what each top-level name refers to (a value a
/// step made, a moved definition and its version, module imports), and fills in each step's
/// parameters, returned values, renames and cuts, and each module's imports. Returns the
/// imported module paths (for the dependencies) and the modules that need the `display`
/// stand-in.
fn walk_values(
    prepared: &[Prepared],
    order: &[usize],
    steps: &mut [Step],
    modules: &mut [Module],
    reserved: &HashSet<String>,
    user_display: bool,
) -> (Vec<String>, BTreeSet<usize>) {
    let mut bindings: HashMap<String, Binding> = HashMap::new();
    let mut versions = NameTable::with_reserved(
        reserved
            .iter()
            .map(String::as_str)
            .chain(steps.iter().map(|s| s.name.as_str()))
            .collect::<Vec<_>>(),
    );
    let mut moved_once: HashSet<String> = HashSet::new();
    let mut import_modules: Vec<String> = Vec::new();
    let mut needs_display: BTreeSet<usize> = BTreeSet::new();
    // `from math import *` binds names nobody lists: every module holding a step that runs
    // after it imports them too, as the kernel's namespace held them.
    let mut star_imports: Vec<String> = Vec::new();
    for &index in order {
        let p = &prepared[index];
        let module = p.section;
        for line in &star_imports {
            modules[module].import(line);
        }
        let Body::Python {
            text,
            facts,
            imports,
            definitions,
            uses_display,
            needs,
            string_reads,
            edits: rewrites,
            ..
        } = &p.body
        else {
            if let Body::Generated { needs, .. } = &p.body {
                for need in needs {
                    modules[module].import(&format!("import {need}"));
                }
            }
            continue;
        };
        for need in needs {
            modules[module].import(&format!("import {need}"));
        }
        if *uses_display && !user_display {
            needs_display.insert(module);
        }
        let defined_here: HashSet<&str> = facts.defines.iter().map(|d| d.name.as_str()).collect();
        let import_bound: HashMap<&str, &str> = imports
            .iter()
            .flat_map(|statement| statement.leaves.iter())
            .filter_map(|(bound, text)| bound.as_deref().map(|b| (b, text.as_str())))
            .collect();
        for statement in imports {
            // Only IPython's `display`, which the stand-in replaces: no dependency.
            if !user_display
                && statement
                    .leaves
                    .iter()
                    .all(|(_, line)| is_ipython_display_import(line))
            {
                continue;
            }
            import_modules.extend(statement.modules.iter().cloned());
        }

        // Which definitions move to module level: defined once, unconditionally, and reading
        // nothing but imports, moved functions, builtins and themselves.
        let mut movable: Vec<usize> = Vec::new();
        for (d_index, definition) in definitions.iter().enumerate() {
            if definition.cut.is_none() {
                continue;
            }
            let bound_here = facts
                .defines
                .iter()
                .filter(|d| d.name == definition.name)
                .count();
            if bound_here != 1 {
                continue;
            }
            // A name the cell binds before the definition (`THRESHOLD = 3` then `def
            // is_long(t): return len(t) > THRESHOLD`) is cell state unless it is an import or
            // another moved definition.
            let reads_cell_value = definition.reads.iter().any(|name| {
                name != &definition.name
                    && defined_here.contains(name.as_str())
                    && !import_bound.contains_key(name.as_str())
                    && !movable.iter().any(|&m| &definitions[m].name == name)
            });
            let closes_over_cell_state = reads_cell_value
                || facts.uses.iter().any(|u| {
                    let inside =
                        u.span.start >= definition.range.0 && u.span.end <= definition.range.1;
                    if !inside || u.optional || u.name == definition.name {
                        return false;
                    }
                    if defined_here.contains(u.name.as_str()) {
                        let is_import = import_bound.contains_key(u.name.as_str());
                        let is_moved = movable.iter().any(|&m| definitions[m].name == u.name);
                        return !(is_import || is_moved);
                    }
                    matches!(bindings.get(&u.name), Some(Binding::Value(_)))
                });
            // A redefinition is renamed (`clean_2`) together with the cell's own reads of it,
            // which needs them all to be found.
            let needs_version = moved_once.contains(&definition.name);
            if !closes_over_cell_state && (!needs_version || definition.later_reads.is_some()) {
                movable.push(d_index);
            }
        }

        // Uses: parameters, renames, module imports.
        for name_use in &facts.uses {
            let in_moved = movable.iter().any(|&m| {
                let r = definitions[m].range;
                name_use.span.start >= r.0 && name_use.span.end <= r.1
            });
            if defined_here.contains(name_use.name.as_str()) && name_use.deferred {
                continue;
            }
            // A read inside an IPython line that became a comment (`%timeit f(x)`) reads
            // nothing any more.
            let dropped = rewrites.iter().any(|edit| {
                edit.text.starts_with('#')
                    && edit.start <= name_use.span.start
                    && name_use.span.end <= edit.end
            });
            if dropped {
                continue;
            }
            match bindings.get(&name_use.name) {
                Some(Binding::Value(from)) => {
                    if !in_moved && !steps[index].params.contains(&name_use.name) {
                        steps[index].params.push(name_use.name.clone());
                    }
                    let from = *from;
                    if !steps[from].returns.contains(&name_use.name) {
                        steps[from].returns.push(name_use.name.clone());
                    }
                }
                Some(Binding::Function {
                    module: home,
                    name: version,
                }) => {
                    if *version != name_use.name {
                        steps[index].edits.push(Edit {
                            start: name_use.span.start,
                            end: name_use.span.end,
                            text: version.clone(),
                        });
                    }
                    if *home != module {
                        let line = format!("from .{} import {version}", modules[*home].name);
                        modules[module].import(&line);
                    }
                }
                Some(Binding::Import(lines)) => {
                    for line in lines.clone() {
                        modules[module].import(&line);
                    }
                }
                None => {}
            }
        }
        // Names an expression string reads from the calling frame (`df.query("a < @limit")`,
        // `numexpr.evaluate("x > 0.5")`) must be locals of the step: pass them in. A word of
        // the string that is a column name and no earlier value is not one.
        for name in string_reads {
            if defined_here.contains(name.as_str()) {
                continue;
            }
            if let Some(Binding::Value(from)) = bindings.get(name) {
                let from = *from;
                if !steps[index].params.contains(name) {
                    steps[index].params.push(name.clone());
                }
                if !steps[from].returns.contains(name) {
                    steps[from].returns.push(name.clone());
                }
            }
        }
        // A deleted value, or one bound only conditionally, starts from its earlier version.
        for deleted in &facts.deleted {
            if matches!(bindings.get(&deleted.name), Some(Binding::Value(_)))
                && !steps[index].params.contains(&deleted.name)
            {
                steps[index].params.push(deleted.name.clone());
                if let Some(Binding::Value(from)) = bindings.get(&deleted.name) {
                    let from = *from;
                    if !steps[from].returns.contains(&deleted.name) {
                        steps[from].returns.push(deleted.name.clone());
                    }
                }
            }
        }
        let conditional_only: Vec<String> = facts
            .defines
            .iter()
            .filter(|d| {
                facts
                    .defines
                    .iter()
                    .filter(|o| o.name == d.name)
                    .all(|o| o.conditional)
            })
            .map(|d| d.name.clone())
            .collect();
        for name in conditional_only {
            if let Some(Binding::Value(from)) = bindings.get(&name) {
                let from = *from;
                if !steps[index].params.contains(&name) {
                    steps[index].params.push(name.clone());
                }
                if !steps[from].returns.contains(&name) {
                    steps[from].returns.push(name.clone());
                }
            }
        }

        // `x += 1` on a value from an earlier cell makes a new version of it (the front end
        // reports it as a use and a change, not a definition).
        let mut rebound: Vec<String> = Vec::new();
        for mutation in &facts.mutations {
            if mutation.kind == nblint_facts::MutationKind::CompoundAssign
                && steps[index].params.contains(&mutation.name)
                && !defined_here.contains(mutation.name.as_str())
                && !rebound.contains(&mutation.name)
            {
                rebound.push(mutation.name.clone());
            }
        }

        // The cell's own imports: to the module top when used (or kept for their effect).
        // One binding a name the cell also binds another way (`distance = ..` beside `from
        // scipy.spatial import distance`), or that the module already imports from elsewhere
        // (`from math import sqrt as root`, then `from cmath import sqrt as root`), stays in
        // its step: at the top it would be shadowed by the cell's own binding, or dropped.
        let mut kept_in_place: HashSet<&str> = HashSet::new();
        for statement in imports {
            let named = statement.leaves.iter().all(|(bound, _)| bound.is_some());
            let stays = named
                && statement.leaves.iter().any(|(bound, line)| {
                    bound.as_deref().is_some_and(|bound| {
                        facts
                            .defines
                            .iter()
                            .any(|d| d.name == bound && d.kind != DefinitionKind::Import)
                            || modules[module].binds_otherwise(line)
                    })
                });
            if stays {
                kept_in_place.extend(statement.leaves.iter().filter_map(|(b, _)| b.as_deref()));
                continue;
            }
            for (bound, line) in &statement.leaves {
                if bound.is_none() && line.trim_end().ends_with("import *") {
                    star_imports.push(line.clone());
                }
            }
            steps[index].edits.push(Edit {
                start: statement.cut.0,
                end: statement.cut.1,
                text: String::new(),
            });
            for (bound, line) in &statement.leaves {
                // IPython's `display` gives way to the stand-in of `_notebook.py`.
                if !user_display && is_ipython_display_import(line) {
                    continue;
                }
                let used = bound
                    .as_ref()
                    .is_none_or(|b| facts.defines.iter().any(|d| &d.name == b && d.used_in_cell));
                if used {
                    modules[module].import(line);
                } else {
                    // Imported for later cells, or for its side effects: kept either way.
                    modules[module].import(&format!("{line}  # noqa: F401"));
                }
            }
        }

        // Moved definitions: to module level, versioned when redefined.
        for &m in &movable {
            let definition = &definitions[m];
            let version = if moved_once.insert(definition.name.clone()) {
                definition.name.clone()
            } else {
                versions.unique(&definition.name)
            };
            if version != definition.name {
                steps[index].edits.push(Edit {
                    start: definition.name_range.0,
                    end: definition.name_range.1,
                    text: version.clone(),
                });
                for &(start, end) in definition.later_reads.iter().flatten() {
                    steps[index].edits.push(Edit {
                        start,
                        end,
                        text: version.clone(),
                    });
                }
            }
            if let Some(cut) = definition.cut {
                steps[index].edits.push(Edit {
                    start: cut.0,
                    end: cut.1,
                    text: String::new(),
                });
            }
            steps[index].moved.push((m, version));
        }

        // New bindings, in the order the cell makes them.
        for definition in &facts.defines {
            let binding = if let Some(&(m, ref version)) = steps[index]
                .moved
                .iter()
                .find(|(m, _)| definitions[*m].name == definition.name)
            {
                let _ = m;
                Binding::Function {
                    module,
                    name: version.clone(),
                }
            } else if definition.kind == DefinitionKind::Import
                && definition.name == "display"
                && !user_display
            {
                // The stand-in: every module that calls it imports it.
                continue;
            } else if definition.kind == DefinitionKind::Import
                && !kept_in_place.contains(definition.name.as_str())
                && let Some(line) = import_bound.get(definition.name.as_str())
            {
                let mut lines = vec![(*line).to_owned()];
                // `import a.b` and `import a.c` both bind `a`: keep every line.
                if let Some(Binding::Import(previous)) = bindings.get(&definition.name)
                    && line.starts_with("import ")
                    && !line.contains(" as ")
                {
                    for earlier in previous {
                        if !lines.contains(earlier) {
                            lines.insert(0, earlier.clone());
                        }
                    }
                }
                Binding::Import(lines)
            } else if definition.conditional
                && !matches!(
                    bindings.get(&definition.name),
                    Some(Binding::Value(_)) | None
                )
            {
                continue;
            } else {
                Binding::Value(index)
            };
            bindings.insert(definition.name.clone(), binding);
        }
        for name in rebound {
            bindings.insert(name, Binding::Value(index));
        }
        for deleted in &facts.deleted {
            if !deleted.conditional {
                bindings.remove(&deleted.name);
            }
        }
        let _ = text;
    }

    (import_modules, needs_display)
}

/// In run `order`, the first (cell, name) where a cell reads a name that only a cell later in
/// that order binds: the counts then cannot be the order the cells' values came from.
fn read_before_bound(prepared: &[Prepared], order: &[usize]) -> Option<(usize, String)> {
    let bound_by = |index: usize| -> HashSet<&str> {
        match &prepared[index].body {
            Body::Python { facts, .. } => facts.defines.iter().map(|d| d.name.as_str()).collect(),
            Body::Generated { .. } => HashSet::new(),
        }
    };
    let all: HashSet<&str> = order.iter().flat_map(|&i| bound_by(i)).collect();
    let mut seen: HashSet<&str> = HashSet::new();
    for &index in order {
        if let Body::Python { facts, .. } = &prepared[index].body {
            for name_use in &facts.uses {
                let name = name_use.name.as_str();
                if !name_use.deferred
                    && !name_use.optional
                    && !name_use.conditional
                    && all.contains(name)
                    && !seen.contains(name)
                {
                    return Some((prepared[index].number, name.to_owned()));
                }
            }
        }
        seen.extend(bound_by(index));
    }
    None
}

/// The name an import line binds (`import a.b` → `a`, `from x import y as z` → `z`).
fn bound_name(line: &str) -> Option<String> {
    let code = line.split("  #").next().unwrap_or(line).trim();
    let last = code.rsplit(',').next().unwrap_or(code).trim();
    if let Some((_, alias)) = last.rsplit_once(" as ") {
        return Some(alias.trim().to_owned());
    }
    if let Some(rest) = code.strip_prefix("import ") {
        return rest.split('.').next().map(|name| name.trim().to_owned());
    }
    let (_, names) = code.split_once(" import ")?;
    let name = names.trim();
    (name != "*").then(|| name.to_owned())
}

/// The names kept cells read (in run order) that no kept cell binds before them, no builtin
/// provides, but a skipped cell binds: the package would raise `NameError` there, so the
/// extraction says so (one warning per reading cell and left-out cell, naming the names).
fn reads_of_skipped_cells(
    notebook: &Notebook,
    prepared: &[Prepared],
    order: &[usize],
    skipped: &[(usize, usize, String)],
) -> Vec<String> {
    let frontend = nblint_python::PythonFrontend;
    let mut only_skipped: HashMap<String, usize> = HashMap::new();
    for (_, number, _) in skipped {
        let Some(cell) = notebook.cell(*number) else {
            continue;
        };
        for definition in frontend.analyze(&cell.source).defines {
            only_skipped.entry(definition.name).or_insert(*number);
        }
    }
    let mut bound: HashSet<&str> = HashSet::new();
    let mut reported: HashSet<&str> = HashSet::new();
    let mut found: BTreeMap<(usize, usize), Vec<&str>> = BTreeMap::new();
    for &index in order {
        let Body::Python { facts, .. } = &prepared[index].body else {
            continue;
        };
        for name_use in &facts.uses {
            let name = name_use.name.as_str();
            if name_use.deferred
                || name_use.optional
                || bound.contains(name)
                || frontend.is_builtin(name)
                || reported.contains(name)
            {
                continue;
            }
            if let Some(&defined_in) = only_skipped.get(name) {
                reported.insert(name);
                found
                    .entry((prepared[index].number, defined_in))
                    .or_default()
                    .push(name);
            }
        }
        bound.extend(
            facts
                .defines
                .iter()
                .map(|definition| definition.name.as_str()),
        );
    }
    found
        .into_iter()
        .map(|((reader, defined_in), names)| {
            let names: Vec<String> = names.iter().map(|name| format!("`{name}`")).collect();
            format!(
                "cell {reader} reads {}, which only cell {defined_in} binds, and that cell was \
                 left out: the package raises NameError there",
                names.join(", ")
            )
        })
        .collect()
}

/// Extracts `notebook` into the files of a package.
pub fn extract(notebook: &Notebook, options: &ExtractOptions) -> Result<Extraction, ExtractError> {
    let cells = notebook.cells();
    let mut warnings: Vec<String> = Vec::new();
    let version = notebook.metadata_str(&["language_info", "version"]);
    let target = Target::of_version(version);
    let has_counts = cells
        .iter()
        .any(|cell| cell.is_code() && cell.execution_count.is_some());
    if !has_counts
        && cells
            .iter()
            .any(|c| c.is_code() && !c.source.trim().is_empty())
    {
        warnings.push(
            "no cell has an execution count (a stripped or never-run notebook): cells are taken \
             in document order and every trailing expression is printed when it is not None"
                .to_owned(),
        );
    }

    // Sections, as the Rust extractor cuts them: a single top heading first in the notebook
    // is the title; sections are the next level.
    let levels: Vec<usize> = cells
        .iter()
        .filter(|cell| cell.kind == CellKind::Markdown)
        .flat_map(|cell| {
            cell.source
                .lines()
                .filter_map(nblint_extract::plan::heading)
                .map(|(level, _)| level)
        })
        .collect();
    let min_level = levels.iter().copied().min().unwrap_or(1);
    let top_count = levels.iter().filter(|&&l| l == min_level).count();
    let deeper = levels.iter().copied().filter(|&l| l > min_level).min();
    let (title_level, section_level) = if top_count == 1 && levels.first() == Some(&min_level) {
        (Some(min_level), deeper.unwrap_or(0))
    } else {
        (None, min_level)
    };

    let Reading {
        reserved,
        title,
        package_doc,
        sections,
        prepared,
        skipped,
    } = read_cells(
        notebook,
        options,
        has_counts,
        (title_level, section_level),
        &mut warnings,
    )?;
    if prepared.is_empty() {
        let has_code = cells
            .iter()
            .any(|c| c.is_code() && !c.source.trim().is_empty());
        return Err(ExtractError::NothingToExtract {
            reason: if has_code {
                "every code cell was skipped".to_owned()
            } else {
                "the notebook has no code".to_owned()
            },
            warnings,
        });
    }

    // Run order: execution counts when every kept cell has a distinct one.
    let mut order: Vec<usize> = (0..prepared.len()).collect();
    if has_counts {
        let counts: BTreeSet<i64> = prepared.iter().filter_map(|p| p.execution_count).collect();
        if counts.len() == prepared.len() {
            order.sort_by_key(|&i| prepared[i].execution_count);
            if order.windows(2).any(|w| w[0] > w[1]) {
                if let Some((cell, name)) = read_before_bound(&prepared, &order) {
                    warnings.push(format!(
                        "the execution counts are not a run order: in their order cell {cell} \
                         reads `{name}` before any cell binds it (a cell was re-run later): \
                         cells are taken in document order"
                    ));
                    order.sort_unstable();
                } else {
                    warnings.push(
                        "the cells ran out of document order: main() calls the steps in the \
                         order of their execution counts"
                            .to_owned(),
                    );
                }
            }
        } else {
            warnings.push(
                "execution counts repeat (the kernel was restarted): cells are taken in document \
                 order"
                    .to_owned(),
            );
        }
    }

    warnings.extend(reads_of_skipped_cells(
        notebook, &prepared, &order, &skipped,
    ));
    let late_bound = late_bound_reads(&prepared, &order);

    // Step names.
    let mut function_names = NameTable::with_reserved(reserved.iter().map(String::as_str));
    let mut steps: Vec<Step> = prepared
        .iter()
        .map(|p| {
            let wanted = p
                .name_hint
                .clone()
                .unwrap_or_else(|| format!("cell_{}", p.number));
            Step {
                name: function_names.unique(&python_name(&wanted)),
                ..Step::default()
            }
        })
        .collect();
    let mut modules: Vec<Module> = sections
        .iter()
        .map(|s| Module {
            name: s.module.clone(),
            doc: s.doc.clone(),
            ..Module::default()
        })
        .collect();

    // A notebook that defines its own `display` keeps it; IPython's is stood in for only
    // where no cell defines one.
    // Importing IPython's own (`from IPython.display import display`) is no definition: outside
    // IPython that function prints, where the kernel showed a rich output.
    let user_display = prepared.iter().any(|p| {
        matches!(&p.body, Body::Python { facts, .. }
        if facts.defines.iter().any(|d| {
            d.name == "display" && d.kind != DefinitionKind::Import
        })
        || facts.imports.iter().any(|i| {
            i.binding.as_deref() == Some("display") && !is_ipython_display(&i.path)
        }))
    });
    let (import_modules, needs_display) = walk_values(
        &prepared,
        &order,
        &mut steps,
        &mut modules,
        &reserved,
        user_display,
    );
    let late_bound = share_module_names(&prepared, &mut steps, late_bound);
    warnings.extend(late_bound.iter().cloned());

    // Expected output, dependencies, files.
    let has_outputs = has_counts;
    let mut expected = Vec::new();
    for &index in &order {
        let p = &prepared[index];
        let mut text = p.stored.stdout.clone();
        if let Some(result) = &p.stored.text_result
            && shows_result(p, has_outputs)
        {
            text.push_str(result);
            text.push('\n');
        }
        // A cell with a line left out (an install) printed what the package cannot.
        let compared = !matches!(&p.body, Body::Python { left_out, .. } if !left_out.is_empty());
        expected.push(ExpectedOutput {
            cell: p.number,
            step: steps[index].name.clone(),
            text: if compared { text } else { String::new() },
            compared,
        });
    }
    let mut pip: Vec<(String, String)> = Vec::new();
    for p in &prepared {
        if let Body::Python { facts, .. } = &p.body {
            for dependency in &facts.dependencies {
                pip.push((dependency.name.clone(), dependency.spec.clone()));
            }
        }
    }
    // Pip lines in cells that were skipped still say what the notebook needed.
    for cell in cells {
        if cell.is_code() && prepared.iter().all(|p| p.number != cell.number) {
            let facts = nblint_python::PythonFrontend.analyze(&cell.source);
            for dependency in &facts.dependencies {
                pip.push((dependency.name.clone(), dependency.spec.clone()));
            }
        }
    }
    let dependencies = project::dependencies(&pip, &import_modules);
    for unknown in &dependencies.unknown {
        warnings.push(format!(
            "`import {unknown}`: not in the standard library and not in nblint's table of \
             distributions: add its distribution to pyproject.toml by hand"
        ));
    }

    for (section, number, reason) in &skipped {
        modules[*section]
            .entries
            .push(ModuleEntry::Skipped(*number, reason.clone()));
    }
    for (index, p) in prepared.iter().enumerate() {
        modules[p.section].entries.push(ModuleEntry::Step(index));
    }
    for module in &mut modules {
        module.entries.sort_by_key(|entry| match entry {
            ModuleEntry::Step(index) => prepared[*index].number,
            ModuleEntry::Skipped(number, _) => *number,
        });
    }

    let package = &options.package;
    let mut files = BTreeMap::new();
    let base = format!("src/{package}");
    let source_note = format!(
        "Extracted from {} by `nblint extract`.",
        options.notebook_name
    );
    let mut init_doc: Vec<String> = Vec::new();
    if let Some(title) = &title {
        init_doc.push(title.clone());
        init_doc.push(String::new());
    }
    init_doc.extend(package_doc.iter().cloned());
    init_doc.push(String::new());
    init_doc.push(source_note.clone());
    files.insert(
        format!("{base}/__init__.py"),
        text::docstring(&init_doc, "").unwrap_or_default(),
    );
    // main()'s own variables avoid every name the notebook uses.
    let mut main_names = NameTable::with_reserved(
        reserved
            .iter()
            .map(String::as_str)
            .chain(steps.iter().map(|s| s.name.as_str()))
            .collect::<Vec<_>>(),
    );
    let shown_name = main_names.unique("shown");
    let values_name = main_names.unique("values");
    let show_function = main_names.unique("show");
    // A cell that `eval()`s a name chosen as it runs looked it up among every cell's
    // variables: each step then keeps its variables in the namespace that `eval` is given.
    let dynamic_eval = |p: &Prepared| {
        matches!(
            &p.body,
            Body::Python {
                dynamic_eval: true,
                ..
            }
        )
    };
    let keeps_names = prepared.iter().any(dynamic_eval);
    let codes: Vec<StepCode> = prepared
        .iter()
        .zip(&steps)
        .map(|(p, step)| {
            build_step(
                p,
                step,
                &options.notebook_name,
                has_outputs,
                &shown_name,
                (target, keeps_names),
            )
        })
        .collect();
    let uses_pandas = import_modules
        .iter()
        .any(|m| m == "pandas" || m.starts_with("pandas."));
    let uses_figures = import_modules.iter().any(|m| m.starts_with("matplotlib"))
        || import_modules.iter().any(|m| m.starts_with("seaborn"));
    for (m_index, module) in modules.iter_mut().enumerate() {
        if module.entries.is_empty() {
            continue;
        }
        if needs_display.contains(&m_index) {
            module.import("from ._notebook import display");
        }
        if keeps_names {
            let steps_here: Vec<usize> = module
                .entries
                .iter()
                .filter_map(|entry| match entry {
                    ModuleEntry::Step(index) => Some(*index),
                    ModuleEntry::Skipped(..) => None,
                })
                .collect();
            if steps_here
                .iter()
                .any(|&index| codes[index].function.is_some())
            {
                module.import("from ._notebook import keep_names");
            }
            if steps_here
                .iter()
                .any(|&index| dynamic_eval(&prepared[index]))
            {
                module.import("from ._notebook import notebook_names");
            }
        }
        let code = render_module(module, &codes, &options.notebook_name, target);
        files.insert(format!("{base}/{}.py", module.name), code);
    }
    files.insert(
        format!("{base}/__main__.py"),
        render_main(
            &modules,
            &prepared,
            &steps,
            &codes,
            &order,
            options,
            has_outputs,
            (uses_figures, uses_pandas),
            (&shown_name, &values_name, &show_function),
        ),
    );
    let mut helpers = notebook_helpers(target);
    if keeps_names {
        helpers.push_str(NAMESPACE_HELPERS);
    }
    files.insert(format!("{base}/_notebook.py"), helpers);
    let requires = project::requires_python(version)
        .filter(|_| target == Target::Modern)
        .filter(|_| {
            // The generated code is written for 3.8 and newer (dataclasses, f-strings, `:=` in
            // cells that used it are the notebook's own).
            let minor = version
                .and_then(|v| v.split('.').nth(1))
                .and_then(|m| m.parse::<u32>().ok());
            let recent = minor.is_some_and(|m| m >= 8);
            if !recent {
                warnings.push(format!(
                    "the notebook ran on Python {}: the package needs 3.8 or newer \
                     (requires-python is >=3.8)",
                    version.unwrap_or("?")
                ));
            }
            recent
        })
        .or_else(|| version.is_some().then(|| ">=3.8".to_owned()))
        .unwrap_or_else(|| {
            warnings.push(
                "the notebook does not say which Python it ran on: requires-python is >=3.8".into(),
            );
            ">=3.8".to_owned()
        });
    // A notebook of Python 3.6 or older: the package runs on 3.6 (3.5 lacks f-strings).
    let requires = if target == Target::Py36 {
        if project::requires_python(version).as_deref() != Some(">=3.6") {
            warnings.push(format!(
                "the notebook ran on Python {}: the package needs 3.6 or newer \
                 (requires-python is >=3.6)",
                version.unwrap_or("?")
            ));
        }
        ">=3.6".to_owned()
    } else {
        requires
    };
    let distribution = package.replace('_', "-");
    files.insert(
        "pyproject.toml".to_owned(),
        project::pyproject(
            &distribution,
            package,
            &source_note,
            &requires,
            &dependencies.requirements,
            target,
        ),
    );
    files.insert(
        "README.md".to_owned(),
        readme(
            package,
            &distribution,
            &options.notebook_name,
            &dependencies,
            title.as_deref(),
        ),
    );
    check_generated(&files)?;
    Ok(Extraction {
        files,
        warnings,
        expected,
        dependencies,
        has_outputs,
        late_bound,
    })
}

/// The modules IPython's `display` function is imported from.
const IPYTHON_DISPLAY_MODULES: [&str; 2] = ["IPython.display", "IPython.core.display"];

/// Whether an import line imports IPython's `display` function, and nothing else.
fn is_ipython_display_import(line: &str) -> bool {
    IPYTHON_DISPLAY_MODULES
        .iter()
        .any(|module| line == format!("from {module} import display"))
}

/// Whether an import path names IPython's `display` function.
fn is_ipython_display(path: &str) -> bool {
    path.strip_suffix(".display")
        .is_some_and(|module| IPYTHON_DISPLAY_MODULES.contains(&module))
}

/// Parses every Python file of the package: one that does not parse is nblint's mistake, and
/// the package must not be written (nor, with `--no-run`, handed over as if it were sound).
fn check_generated(files: &BTreeMap<String, String>) -> Result<(), ExtractError> {
    let python = |file: &&String| {
        Path::new(file.as_str())
            .extension()
            .is_some_and(|extension| extension == "py")
    };
    let line_of = |text: &str, offset: usize| {
        text.get(..offset.min(text.len()))
            .map_or(1, |before| before.matches('\n').count() + 1)
    };
    for (file, text) in files.iter().filter(|(file, _)| python(file)) {
        match ruff_python_parser::parse_module(text) {
            Err(error) => {
                return Err(ExtractError::Generated {
                    file: file.clone(),
                    line: line_of(text, usize::from(error.location.start())),
                    message: error.error.to_string(),
                });
            }
            // The parser accepts what only the compiler refuses: `import *` in a function.
            Ok(parsed) => {
                if let Some(offset) = star_import_in_function(&parsed.syntax().body, false) {
                    return Err(ExtractError::Generated {
                        file: file.clone(),
                        line: line_of(text, offset),
                        message: "`import *` only allowed at module level".to_owned(),
                    });
                }
            }
        }
    }
    Ok(())
}

/// Where a `from x import *` stands inside a function (or a class in one), if anywhere.
pub(crate) fn star_import_in_function(
    body: &[ruff_python_ast::Stmt],
    in_function: bool,
) -> Option<usize> {
    use ruff_python_ast::Stmt;
    use ruff_text_size::Ranged;
    body.iter().find_map(|statement| match statement {
        Stmt::ImportFrom(import)
            if in_function && import.names.iter().any(|alias| alias.name.as_str() == "*") =>
        {
            Some(usize::from(import.range().start()))
        }
        Stmt::FunctionDef(function) => star_import_in_function(&function.body, true),
        Stmt::ClassDef(class) => star_import_in_function(&class.body, in_function),
        Stmt::If(statement) => {
            star_import_in_function(&statement.body, in_function).or_else(|| {
                statement
                    .elif_else_clauses
                    .iter()
                    .find_map(|clause| star_import_in_function(&clause.body, in_function))
            })
        }
        Stmt::For(statement) => star_import_in_function(&statement.body, in_function)
            .or_else(|| star_import_in_function(&statement.orelse, in_function)),
        Stmt::While(statement) => star_import_in_function(&statement.body, in_function)
            .or_else(|| star_import_in_function(&statement.orelse, in_function)),
        Stmt::With(statement) => star_import_in_function(&statement.body, in_function),
        Stmt::Try(statement) => star_import_in_function(&statement.body, in_function)
            .or_else(|| {
                statement.handlers.iter().find_map(|handler| {
                    let ruff_python_ast::ExceptHandler::ExceptHandler(handler) = handler;
                    star_import_in_function(&handler.body, in_function)
                })
            })
            .or_else(|| star_import_in_function(&statement.orelse, in_function))
            .or_else(|| star_import_in_function(&statement.finalbody, in_function)),
        _ => None,
    })
}

/// Makes one module name of each notebook name that a function reads or binds as the kernel
/// does, where the package can, and returns the warnings of the rest ([`LateBound`]). A step
/// declares `global` (in [`Step::globals`]):
/// - a name its cell binds at its top level and a function of the same cell binds with
///   `global` (`playing = []`, then `def play(n): global playing; playing = [True] * n`);
/// - a name a function reads when it is called (`def get_cost(s): .. cost_to_go ..`) and a
///   later cell binds (`cost_to_go = {}`), when every cell that binds it at its top level is
///   in the function's module, binds it as a plain variable and does not take it as its
///   step's parameter (nor does the function's cell): the steps that bind it then bind the
///   module's name, which the function reads when called, as in the notebook.
///
/// (A step that keeps its variables for `eval` hands it the module's names too.)
fn share_module_names(
    prepared: &[Prepared],
    steps: &mut [Step],
    late_bound: Vec<LateBound>,
) -> Vec<String> {
    let facts_of = |index: usize| prepared[index].facts();
    let binds_at_top = |index: usize, name: &str| {
        facts_of(index).is_some_and(|facts| {
            facts
                .defines
                .iter()
                .any(|d| d.name == name && !d.in_function)
        })
    };
    let declare = |steps: &mut [Step], index: usize, name: &str| {
        if !steps[index].globals.iter().any(|n| n == name) {
            steps[index].globals.push(name.to_owned());
        }
    };
    for index in 0..prepared.len() {
        let Some(facts) = facts_of(index) else {
            continue;
        };
        for definition in facts.defines.iter().filter(|d| !d.in_function) {
            let name = definition.name.as_str();
            if facts
                .defines
                .iter()
                .any(|d| d.in_function && d.name == name)
                && !steps[index].params.iter().any(|n| n == name)
            {
                declare(steps, index, name);
            }
        }
    }
    let mut left = Vec::new();
    for late in late_bound {
        let Some(name) = late.read.as_deref() else {
            left.push(late.message);
            continue;
        };
        let module = prepared[late.cell].section;
        let binders: Vec<usize> = (0..prepared.len())
            .filter(|&index| binds_at_top(index, name))
            .collect();
        let settled = !steps[late.cell].params.iter().any(|n| n == name)
            && binders.iter().all(|&index| {
                prepared[index].section == module
                    && !steps[index].params.iter().any(|n| n == name)
                    && facts_of(index).is_some_and(|facts| {
                        facts.defines.iter().all(|d| {
                            d.name != name || d.in_function || d.kind == DefinitionKind::Variable
                        })
                    })
            });
        if settled {
            for &index in &binders {
                declare(steps, index, name);
            }
        } else {
            left.push(late.message);
        }
    }
    left
}

/// A place where the package may compute what the notebook did not (see
/// [`late_bound_reads`]).
struct LateBound {
    /// The cell (index into the prepared cells) whose function reads or binds the name.
    cell: usize,
    /// The name a function reads when called, bound again or for the first time by a later
    /// cell; `None` for a name a function binds with `global` that other cells read.
    read: Option<String>,
    /// The warning.
    message: String,
}

/// Where a function defined in a kept cell reads a notebook name when it is called, as the
/// kernel does, while the package gives it the value its own cell saw (a step's parameter or
/// local, which its closure keeps): a later cell (in run order) binds the name again and the
/// function is read from that cell on (`def scaled(x): return x * rate`, then `rate = 0.2`,
/// then `scaled(10)`). And where a function binds a name with `global`: in the package that
/// is its module's name, which no step passes on. One message each, naming the cells.
fn late_bound_reads(prepared: &[Prepared], order: &[usize]) -> Vec<LateBound> {
    /// One cell's bindings of a name: where it is in run order, whether it binds the name
    /// outside a function (not only through `global`), and the modules it imports as it.
    struct Binds<'a> {
        position: usize,
        outside_function: bool,
        imports: Vec<&'a str>,
    }
    let facts_of = |index: usize| prepared[index].facts();
    // Per name, the cells that bind it and the cells that read it, in run order: each
    // question below is a search in these lists, not a walk over every cell.
    let mut binds: HashMap<&str, Vec<Binds>> = HashMap::new();
    let mut reads: HashMap<&str, Vec<usize>> = HashMap::new();
    for (position, &index) in order.iter().enumerate() {
        let Some(facts) = facts_of(index) else {
            continue;
        };
        let mut names: Vec<&str> = facts.defines.iter().map(|d| d.name.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        for name in names {
            binds.entry(name).or_default().push(Binds {
                position,
                outside_function: facts
                    .defines
                    .iter()
                    .any(|d| d.name == name && !d.in_function),
                imports: facts
                    .imports
                    .iter()
                    .filter(|import| import.binding.as_deref() == Some(name))
                    .map(|import| import.path.as_str())
                    .collect(),
            });
        }
        for read in &facts.uses {
            let cells = reads.entry(read.name.as_str()).or_default();
            if cells.last() != Some(&position) {
                cells.push(position);
            }
        }
    }
    let mut found = Vec::new();
    let mut reported: HashSet<(String, String)> = HashSet::new();
    for (position, &index) in order.iter().enumerate() {
        let Some(facts) = facts_of(index) else {
            continue;
        };
        let number = prepared[index].number;
        for definition in facts.defines.iter().filter(|d| d.in_function) {
            let read_elsewhere = reads
                .get(definition.name.as_str())
                .is_some_and(|cells| cells.iter().any(|&cell| cell != position));
            if read_elsewhere && reported.insert((String::new(), definition.name.clone())) {
                found.push(LateBound {
                    cell: index,
                    read: None,
                    message: format!(
                        "cell {number} binds `{}` inside a function with `global`: in the \
                         package that binds its module's `{}`, which the other steps do not see",
                        definition.name, definition.name
                    ),
                });
            }
        }
        for read in facts.uses.iter().filter(|u| u.deferred) {
            let Some(function) = read.function.as_deref() else {
                continue;
            };
            let name = read.name.as_str();
            if reported.contains(&(function.to_owned(), name.to_owned())) {
                continue;
            }
            let Some(bindings) = binds.get(name) else {
                continue;
            };
            let later = bindings.partition_point(|binding| binding.position <= position);
            // The binding the function sees where it is defined, and the module it imports
            // there, if it is an import (`import numpy as np` again later binds the same
            // module: no new value).
            let earlier = later
                .checked_sub(1)
                .map(|at| bindings[at].imports.first().copied());
            // The first later cell that binds the name anew: with another value, or, where the
            // function saw none, with a value the package keeps local to that cell's step (an
            // import there goes to its module's top, where the function finds it).
            let binds_anew = |binding: &Binds| match earlier {
                Some(Some(path)) => binding.outside_function && !binding.imports.contains(&path),
                Some(None) => binding.outside_function,
                None => binding.outside_function && binding.imports.is_empty(),
            };
            let Some(rebinding) = bindings[later..].iter().find(|b| binds_anew(b)) else {
                continue;
            };
            // A cell from there on that reads the function.
            let caller = reads.get(function).and_then(|cells| {
                let from = cells.partition_point(|&cell| cell < rebinding.position);
                cells.get(from).copied()
            });
            if let Some(caller) = caller {
                reported.insert((function.to_owned(), name.to_owned()));
                let (rebinding, caller) = (
                    prepared[order[rebinding.position]].number,
                    prepared[order[caller]].number,
                );
                let message = if earlier.is_some() {
                    format!(
                        "cell {number}'s `{function}` reads `{name}` when it is called, and cell \
                         {rebinding} binds `{name}` again before cell {caller} uses `{function}`: \
                         the notebook's `{function}` then reads the new `{name}`, the package's \
                         keeps the one cell {number} saw"
                    )
                } else {
                    format!(
                        "cell {number}'s `{function}` reads `{name}` when it is called, which \
                         only cell {rebinding}, after it, binds, before cell {caller} uses \
                         `{function}`: in the package `{name}` stays local to cell {rebinding}'s \
                         step and `{function}` does not find it"
                    )
                };
                found.push(LateBound {
                    cell: index,
                    read: Some(name.to_owned()),
                    message,
                });
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_module_that_does_not_parse_is_refused() {
        let mut files = BTreeMap::new();
        files.insert("README.md".to_owned(), "not python (".to_owned());
        files.insert(
            "src/pkg/step.py".to_owned(),
            "def f():\n    return R(\n        shown=a, b,\n        a=a,\n    )\n".to_owned(),
        );
        match check_generated(&files) {
            Err(ExtractError::Generated { file, line, .. }) => {
                assert_eq!(file, "src/pkg/step.py");
                assert_eq!(line, 3);
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
        files.insert(
            "src/pkg/step.py".to_owned(),
            "def f():\n    return R(\n        shown=(a, b),\n        a=a,\n    )\n".to_owned(),
        );
        assert!(check_generated(&files).is_ok());
        files.insert(
            "src/pkg/cells.py".to_owned(),
            "import math\n\n\ndef cell_2():\n    if True:\n        from math import *\n".to_owned(),
        );
        match check_generated(&files) {
            Err(ExtractError::Generated { file, line, .. }) => {
                assert_eq!((file.as_str(), line), ("src/pkg/cells.py", 6));
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn names_imports_bind() {
        for (line, name) in [
            ("import numpy as np", Some("np")),
            ("import matplotlib.pyplot", Some("matplotlib")),
            ("from os import path", Some("path")),
            ("from a.b import c as d  # noqa: F401", Some("d")),
            ("from x import *", None),
        ] {
            assert_eq!(bound_name(line).as_deref(), name, "{line}");
        }
    }

    #[test]
    fn targets_follow_the_python_the_notebook_ran_on() {
        assert_eq!(Target::of_version(Some("3.5.1")), Target::Py36);
        assert_eq!(Target::of_version(Some("3.6.15")), Target::Py36);
        assert_eq!(Target::of_version(Some("3.7.3")), Target::Modern);
        assert_eq!(Target::of_version(Some("3.11.4")), Target::Modern);
        assert_eq!(Target::of_version(Some("2.7.18")), Target::Modern);
        assert_eq!(Target::of_version(None), Target::Modern);
    }

    #[test]
    fn package_names() {
        assert!(is_valid_package_name("my_pkg"));
        assert!(!is_valid_package_name("my-pkg"));
        assert!(!is_valid_package_name("class"));
        assert!(!is_valid_package_name("1abc"));
        assert_eq!(package_name(Path::new("Load Data.ipynb")), "load_data");
    }
}
