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

mod ipython;
mod project;
mod run;
mod text;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

use nblint_extract::naming::{NameTable, snake_case};
use nblint_facts::{CellFacts, CellFrontend, DefinitionKind};
use nblint_notebook::{CellKind, Notebook};
use ruff_python_ast::visitor::{Visitor, walk_expr, walk_stmt};
use ruff_python_ast::{Expr, ExprContext, Mod, Stmt};
use ruff_python_parser::{Mode, ParseOptions, parse_unchecked};
use ruff_text_size::Ranged;
use serde_json::Value;

pub use project::{Dependencies, distribution_of, is_stdlib};
pub use run::{CellCheck, RunCheck, RunOptions, RunOutcome, compare, normalise_output, run_check};

use ipython::{CellMagic, Edit};

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
    /// A file could not be written.
    #[error("writing {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
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
    for (relative, text) in files {
        let path = out_dir.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| ExtractError::Io {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        nblint_notebook::write_atomically(&path, text.as_bytes())
            .map_err(|source| ExtractError::Io { path, source })?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Reading the cells.

/// A top-level import statement of a cell that moves to the top of its module.
#[derive(Debug, Clone)]
struct ImportStatement {
    /// The whole lines to cut from the cell.
    cut: (usize, usize),
    /// `(bound name, import text)` per leaf; a glob has no bound name.
    leaves: Vec<(Option<String>, String)>,
    /// The imported module paths (for dependencies).
    modules: Vec<String>,
}

/// A top-level `def` or `class` of a cell.
#[derive(Debug, Clone)]
struct Definition {
    name: String,
    /// The identifier.
    name_range: (usize, usize),
    /// The statement with its decorators.
    range: (usize, usize),
    /// The whole lines, when nothing else shares them.
    cut: Option<(usize, usize)>,
    /// Every name read anywhere inside it (scope-blind: a superset of what it reads from the
    /// cell).
    reads: HashSet<String>,
    /// Where the cell reads the name after this definition (a versioned definition renames
    /// them), or `None` when something in the cell binds the name again (a parameter, a
    /// local): then the definition stays in the cell.
    later_reads: Option<Vec<(usize, usize)>>,
}

/// How a cell becomes code.
#[derive(Debug, Clone)]
enum Body {
    /// Python: the cell's own text (IPython escapes rewritten).
    Python {
        text: String,
        facts: Box<CellFacts>,
        edits: Vec<Edit>,
        imports: Vec<ImportStatement>,
        definitions: Vec<Definition>,
        /// Multi-line string literals (their interior lines are not indented).
        literals: Vec<(usize, usize)>,
        /// The cell calls IPython's `display()`.
        uses_display: bool,
        /// Modules the rewritten IPython lines need.
        needs: Vec<&'static str>,
        /// IPython lines left out: `(line, why)`. What they printed is not expected.
        left_out: Vec<(usize, String)>,
        /// Names read by name from an expression string (`numexpr.evaluate("x > 0")`).
        string_reads: Vec<String>,
    },
    /// Generated statements (a `%%bash` or `%%writefile` cell).
    Generated {
        text: String,
        needs: Vec<&'static str>,
    },
}

#[derive(Debug, Clone)]
struct Prepared {
    number: usize,
    execution_count: Option<i64>,
    section: usize,
    doc: Vec<String>,
    body: Body,
    stored: Stored,
    name_hint: Option<String>,
}

/// What the notebook stored for a cell.
#[derive(Debug, Clone, Default)]
struct Stored {
    stdout: String,
    text_result: Option<String>,
    images: bool,
    /// A `<Figure size 432x288 ...>` result: the kernel's inline backend of the time made
    /// 6x4-inch figures at 72 dpi.
    old_inline_figures: bool,
}

fn text_of(value: Option<&Value>) -> String {
    match value {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Array(parts)) => parts.iter().filter_map(Value::as_str).collect(),
        _ => String::new(),
    }
}

fn stored(notebook: &Notebook, number: usize) -> Stored {
    let mut stored = Stored::default();
    let Some(outputs) = notebook
        .cell_json(number)
        .and_then(|cell| cell.get("outputs"))
        .and_then(Value::as_array)
    else {
        return stored;
    };
    for output in outputs {
        let data = output.get("data");
        if data
            .and_then(Value::as_object)
            .is_some_and(|map| map.keys().any(|key| key.starts_with("image/")))
        {
            stored.images = true;
        }
        match output.get("output_type").and_then(Value::as_str) {
            Some("stream") if output.get("name").and_then(Value::as_str) == Some("stdout") => {
                stored.stdout.push_str(&text_of(output.get("text")));
            }
            Some("execute_result") => {
                if let Some(text) = data.and_then(|data| data.get("text/plain")) {
                    stored.text_result = Some(text_of(Some(text)));
                }
            }
            _ => {}
        }
        if data
            .and_then(|data| data.get("text/plain"))
            .is_some_and(|text| text_of(Some(text)).contains("<Figure size 432x288"))
        {
            stored.old_inline_figures = true;
        }
    }
    stored
}

/// A markdown section: a module.
#[derive(Debug, Clone, Default)]
struct Section {
    module: String,
    doc: Vec<String>,
}

/// Collects the ranges of multi-line string literals and whether `display` is read.
struct Scan<'t> {
    text: &'t str,
    literals: Vec<(usize, usize)>,
    uses_display: bool,
    /// Names read inside the expression string of `pd.eval`, `df.eval`, `df.query` or
    /// `numexpr.evaluate`, which look them up in the calling frame by name.
    string_reads: Vec<String>,
}

/// Calls whose first argument is an expression string evaluated in the caller's frame.
const STRING_EVALUATORS: &[&str] = &["eval", "query", "evaluate"];

/// The identifiers of an expression string (`"(x > 0.5) & (y < @limit)"` → x, y, limit).
fn identifiers(expression: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut in_quote: Option<char> = None;
    for ch in expression.chars().chain(std::iter::once(' ')) {
        if let Some(quote) = in_quote {
            if ch == quote {
                in_quote = None;
            }
            continue;
        }
        if ch.is_alphanumeric() || ch == '_' {
            current.push(ch);
            continue;
        }
        if !current.is_empty()
            && !current.starts_with(|c: char| c.is_ascii_digit())
            && ch != '('
            && !out.contains(&current)
        {
            out.push(current.clone());
        }
        current.clear();
        if ch == '\'' || ch == '"' || ch == '`' {
            in_quote = Some(ch);
        }
    }
    out
}

impl<'a> Visitor<'a> for Scan<'_> {
    fn visit_expr(&mut self, expr: &'a Expr) {
        match expr {
            Expr::StringLiteral(_) | Expr::BytesLiteral(_) | Expr::FString(_) => {
                let range = expr.range();
                let (start, end) = (range.start().to_usize(), range.end().to_usize());
                if self.text.get(start..end).is_some_and(|t| t.contains('\n')) {
                    self.literals.push((start, end));
                }
            }
            Expr::Name(name) if name.id.as_str() == "display" && name.ctx == ExprContext::Load => {
                self.uses_display = true;
            }
            Expr::Call(call) => {
                let callee = match &*call.func {
                    Expr::Attribute(attribute) => Some(attribute.attr.as_str()),
                    Expr::Name(name) => Some(name.id.as_str()).filter(|n| *n != "eval"),
                    _ => None,
                };
                if callee.is_some_and(|c| STRING_EVALUATORS.contains(&c))
                    && let Some(Expr::StringLiteral(literal)) = call.arguments.args.first()
                {
                    for name in identifiers(literal.value.to_str()) {
                        if !self.string_reads.contains(&name) {
                            self.string_reads.push(name);
                        }
                    }
                }
            }
            _ => {}
        }
        walk_expr(self, expr);
    }
}

fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, column)
}

/// Every name a statement reads (`Load` context), at any depth.
fn names_read(statement: &Stmt) -> HashSet<String> {
    struct Reads(HashSet<String>);
    impl<'a> Visitor<'a> for Reads {
        fn visit_expr(&mut self, expr: &'a Expr) {
            if let Expr::Name(name) = expr
                && name.ctx == ExprContext::Load
            {
                self.0.insert(name.id.as_str().to_owned());
            }
            walk_expr(self, expr);
        }
    }
    let mut reads = Reads(HashSet::new());
    reads.visit_stmt(statement);
    reads.0
}

/// The reads of `name` in `body` from byte `after` on, or `None` when anything other than
/// the top-level `def`/`class` of that name binds it (a parameter, an assignment, a loop
/// target, an import), so a textual rename would touch the wrong name.
fn occurrences(body: &[Stmt], name: &str, after: usize) -> Option<Vec<(usize, usize)>> {
    struct Occurrences<'n> {
        name: &'n str,
        after: usize,
        reads: Vec<(usize, usize)>,
        rebound: bool,
    }
    impl<'a> Visitor<'a> for Occurrences<'_> {
        fn visit_stmt(&mut self, stmt: &'a Stmt) {
            match stmt {
                Stmt::Import(import) => {
                    self.rebound |= import.names.iter().any(|a| {
                        a.asname.as_ref().map_or(a.name.as_str(), |n| n.as_str()) == self.name
                    });
                }
                Stmt::ImportFrom(import) => {
                    self.rebound |= import.names.iter().any(|a| {
                        a.asname.as_ref().map_or(a.name.as_str(), |n| n.as_str()) == self.name
                    });
                }
                Stmt::Global(_) | Stmt::Nonlocal(_) => self.rebound = true,
                _ => {}
            }
            walk_stmt(self, stmt);
        }
        fn visit_expr(&mut self, expr: &'a Expr) {
            if let Expr::Name(name) = expr
                && name.id.as_str() == self.name
            {
                if name.ctx == ExprContext::Load {
                    let range = name.range();
                    if range.start().to_usize() >= self.after {
                        self.reads
                            .push((range.start().to_usize(), range.end().to_usize()));
                    }
                } else {
                    self.rebound = true;
                }
            }
            walk_expr(self, expr);
        }
        fn visit_parameter(&mut self, parameter: &'a ruff_python_ast::Parameter) {
            if parameter.name.as_str() == self.name {
                self.rebound = true;
            }
            ruff_python_ast::visitor::walk_parameter(self, parameter);
        }
    }
    let mut finder = Occurrences {
        name,
        after,
        reads: Vec::new(),
        rebound: false,
    };
    for statement in body {
        finder.visit_stmt(statement);
    }
    // Nested `def`/`class` of the same name inside blocks also rebind it.
    let same_named = body
        .iter()
        .filter(|s| match s {
            Stmt::FunctionDef(f) => f.name.as_str() == name,
            Stmt::ClassDef(c) => c.name.as_str() == name,
            _ => false,
        })
        .count();
    (!finder.rebound && same_named == 1).then_some(finder.reads)
}

/// The first worded comment of a cell, for its function's name.
fn first_comment(text: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let comment = line.trim().strip_prefix('#')?.trim();
        if comment.starts_with('%') || comment.starts_with('!') || comment.is_empty() {
            return None;
        }
        let name = snake_case(comment, 4, "step");
        (name != "step").then_some(name)
    })
}

/// IPython reads a line magic or shell line over the following lines while its brackets are
/// open (`%timeit f(a,` / `       b)`); ruff's parser needs a `\\` at the end of those
/// lines to see one command.
fn join_escape_continuations(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut depth: i64 = 0;
    let mut in_escape = false;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if !in_escape
            && (trimmed.starts_with('!')
                || (trimmed.starts_with('%') && !trimmed.starts_with("%%")))
        {
            in_escape = true;
            depth = 0;
        }
        if in_escape {
            for ch in line.chars() {
                match ch {
                    '(' | '[' | '{' => depth += 1,
                    ')' | ']' | '}' => depth -= 1,
                    _ => {}
                }
            }
            let body = line.trim_end_matches(['\n', '\r']);
            if depth > 0 && line.ends_with('\n') && !body.ends_with('\\') {
                out.push_str(body);
                out.push_str(" \\");
                out.push_str(&line[body.len()..]);
                continue;
            }
            if depth <= 0 && !body.ends_with('\\') {
                in_escape = false;
            }
        }
        out.push_str(line);
    }
    out
}

/// Reads one code cell's Python: rewrites, facts, top-level imports and definitions.
fn prepare_python(text: String, number: usize) -> Result<Body, ExtractError> {
    let text = join_escape_continuations(&text);
    let parsed = parse_unchecked(&text, ParseOptions::from(Mode::Ipython));
    if let Some(error) = parsed.errors().first() {
        let (line, column) = line_column(&text, error.location.start().to_usize());
        return Err(ExtractError::Syntax {
            cell: number,
            line,
            column,
            message: error.error.to_string(),
        });
    }
    let Mod::Module(module) = parsed.syntax() else {
        return Ok(Body::Generated {
            text: String::new(),
            needs: Vec::new(),
        });
    };
    let rewrite = ipython::rewrite(&text, &module.body);
    if let Some(refusal) = &rewrite.refusal {
        let (line, _) = line_column(&text, refusal.offset);
        return Err(ExtractError::Refused {
            cell: number,
            line,
            reason: refusal.reason.clone(),
        });
    }
    let facts = nblint_python::PythonFrontend.analyze(&text);
    let mut imports = Vec::new();
    let mut definitions = Vec::new();
    for statement in &module.body {
        let range = statement.range();
        let (start, end) = (range.start().to_usize(), range.end().to_usize());
        match statement {
            Stmt::Import(import) => {
                let Some(cut) = text::whole_lines(&text, start, end) else {
                    continue;
                };
                let mut leaves = Vec::new();
                let mut modules = Vec::new();
                for alias in &import.names {
                    let path = alias.name.as_str();
                    modules.push(path.to_owned());
                    match &alias.asname {
                        Some(alias_name) => leaves.push((
                            Some(alias_name.as_str().to_owned()),
                            format!("import {path} as {}", alias_name.as_str()),
                        )),
                        None => leaves.push((
                            Some(path.split('.').next().unwrap_or(path).to_owned()),
                            format!("import {path}"),
                        )),
                    }
                }
                imports.push(ImportStatement {
                    cut,
                    leaves,
                    modules,
                });
            }
            Stmt::ImportFrom(import) => {
                let Some(cut) = text::whole_lines(&text, start, end) else {
                    continue;
                };
                let module_path = format!(
                    "{}{}",
                    ".".repeat(import.level as usize),
                    import.module.as_ref().map_or("", |m| m.as_str())
                );
                let mut leaves = Vec::new();
                for alias in &import.names {
                    let name = alias.name.as_str();
                    let bound = alias.asname.as_ref().map_or(name, |a| a.as_str());
                    let text = match &alias.asname {
                        Some(a) => format!("from {module_path} import {name} as {}", a.as_str()),
                        None => format!("from {module_path} import {name}"),
                    };
                    leaves.push(((name != "*").then(|| bound.to_owned()), text));
                }
                imports.push(ImportStatement {
                    cut,
                    leaves,
                    modules: if import.level == 0 {
                        vec![module_path]
                    } else {
                        Vec::new()
                    },
                });
            }
            Stmt::FunctionDef(function) => {
                let start = function
                    .decorator_list
                    .first()
                    .map_or(start, |d| d.range().start().to_usize().min(start));
                definitions.push(Definition {
                    name: function.name.as_str().to_owned(),
                    name_range: (
                        function.name.range().start().to_usize(),
                        function.name.range().end().to_usize(),
                    ),
                    range: (start, end),
                    cut: text::whole_lines(&text, start, end),
                    reads: names_read(statement),
                    later_reads: None,
                });
            }
            Stmt::ClassDef(class) => {
                let start = class
                    .decorator_list
                    .first()
                    .map_or(start, |d| d.range().start().to_usize().min(start));
                definitions.push(Definition {
                    name: class.name.as_str().to_owned(),
                    name_range: (
                        class.name.range().start().to_usize(),
                        class.name.range().end().to_usize(),
                    ),
                    range: (start, end),
                    cut: text::whole_lines(&text, start, end),
                    reads: names_read(statement),
                    later_reads: None,
                });
            }
            _ => {}
        }
    }
    for definition in &mut definitions {
        definition.later_reads = occurrences(&module.body, &definition.name, definition.range.0);
    }
    let mut scan = Scan {
        text: &text,
        literals: Vec::new(),
        uses_display: false,
        string_reads: Vec::new(),
    };
    for statement in &module.body {
        scan.visit_stmt(statement);
    }
    let (literals, uses_display, string_reads) =
        (scan.literals, scan.uses_display, scan.string_reads);
    let uses_display = uses_display && !facts.defined_names().contains(&"display");
    let left_out = rewrite
        .warnings
        .iter()
        .map(|(offset, why)| (line_column(&text, *offset).0, why.clone()))
        .collect();
    Ok(Body::Python {
        text,
        facts: Box::new(facts),
        edits: rewrite.edits,
        imports,
        definitions,
        literals,
        uses_display,
        needs: rewrite.needs,
        left_out,
        string_reads,
    })
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
    fn import(&mut self, line: &str) {
        if !self.imports.iter().any(|l| l == line) {
            self.imports.push(line.to_owned());
        }
    }
}

/// Extracts `notebook` into the files of a package.
pub fn extract(notebook: &Notebook, options: &ExtractOptions) -> Result<Extraction, ExtractError> {
    let cells = notebook.cells();
    let mut warnings: Vec<String> = Vec::new();
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

    // Names user code binds or reads: generated names avoid them.
    let mut reserved: HashSet<String> = PYTHON_RESERVED.iter().map(|&n| n.to_owned()).collect();
    reserved.insert(options.package.clone());
    let mut module_names = NameTable::with_reserved(reserved.iter().map(String::as_str));
    let stem = Path::new(&options.notebook_name).file_stem().map_or_else(
        || "notebook".to_owned(),
        |s| s.to_string_lossy().into_owned(),
    );

    let mut title: Option<String> = None;
    let mut package_doc: Vec<String> = Vec::new();
    let mut sections: Vec<Section> = Vec::new();
    let mut pending_doc: Vec<String> = Vec::new();
    let mut prepared: Vec<Prepared> = Vec::new();
    let mut skipped: Vec<(usize, usize, String)> = Vec::new();
    let mut current: Option<usize> = None;

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
                    Some("it never ran in the notebook".to_owned())
                } else {
                    None
                };
                if let Some(reason) = skip {
                    warnings.push(format!("cell {}: skipped: {reason}", cell.number));
                    skipped.push((section, cell.number, reason));
                    continue;
                }
                let body = match ipython::cell_magic(&cell.source) {
                    CellMagic::None => prepare_python(cell.source.clone(), cell.number)?,
                    CellMagic::Python { header } => {
                        // The header line becomes a comment; the body is the cell's text.
                        let at = cell.source.find("%%").unwrap_or(0);
                        let text = format!(
                            "{}# {header}  (IPython cell magic: the body runs once){}",
                            &cell.source[..at],
                            &cell.source[at + header.len()..]
                        );
                        prepare_python(text, cell.number)?
                    }
                    CellMagic::Shell { program, script } => {
                        if ipython::installs_packages(&script) {
                            let reason = "a shell cell that installs packages (see pyproject.toml)"
                                .to_owned();
                            warnings.push(format!("cell {}: skipped: {reason}", cell.number));
                            skipped.push((section, cell.number, reason));
                            continue;
                        }
                        Body::Generated {
                            text: format!(
                                "print(\n    subprocess.run(\n        [{}, \"-c\", {}],\n        capture_output=True,\n        text=True,\n    ).stdout,\n    end=\"\",\n)\n",
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
                warnings.push(
                    "the cells ran out of document order: main() calls the steps in the order of \
                     their execution counts"
                        .to_owned(),
                );
            }
        } else {
            warnings.push(
                "execution counts repeat (the kernel was restarted): cells are taken in document \
                 order"
                    .to_owned(),
            );
        }
    }

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
    let user_display = prepared.iter().any(|p| {
        matches!(&p.body, Body::Python { facts, .. } if facts.defined_names().contains(&"display"))
    });
    // Walk the steps in run order, tracking what each name refers to.
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
    for &index in &order {
        let p = &prepared[index];
        let module = p.section;
        let Body::Python {
            text,
            facts,
            imports,
            definitions,
            uses_display,
            needs,
            string_reads,
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
        for statement in imports {
            steps[index].edits.push(Edit {
                start: statement.cut.0,
                end: statement.cut.1,
                text: String::new(),
            });
            for (bound, line) in &statement.leaves {
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
    let codes: Vec<StepCode> = prepared
        .iter()
        .zip(&steps)
        .map(|(p, step)| build_step(p, step, &options.notebook_name, has_outputs, &shown_name))
        .collect();
    let uses_figures = import_modules.iter().any(|m| m.starts_with("matplotlib"))
        || import_modules.iter().any(|m| m.starts_with("seaborn"));
    for (m_index, module) in modules.iter_mut().enumerate() {
        if module.entries.is_empty() {
            continue;
        }
        if needs_display.contains(&m_index) {
            module.import("from ._notebook import display");
        }
        let code = render_module(module, &codes, &options.notebook_name);
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
            uses_figures,
            (&shown_name, &values_name, &show_function),
        ),
    );
    files.insert(format!("{base}/_notebook.py"), NOTEBOOK_HELPERS.to_owned());
    let version = notebook.metadata_str(&["language_info", "version"]);
    let requires = project::requires_python(version)
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
    let distribution = package.replace('_', "-");
    files.insert(
        "pyproject.toml".to_owned(),
        project::pyproject(
            &distribution,
            package,
            &source_note,
            &requires,
            &dependencies.requirements,
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
    Ok(Extraction {
        files,
        warnings,
        expected,
        dependencies,
        has_outputs,
    })
}

/// Whether the step prints its trailing expression.
fn shows_result(p: &Prepared, has_outputs: bool) -> bool {
    let Body::Python { facts, .. } = &p.body else {
        return false;
    };
    facts.trailing_expression.is_some() && (!has_outputs || p.stored.text_result.is_some())
}

/// Helpers standing in for what the IPython kernel gave the notebook.
const NOTEBOOK_HELPERS: &str = r#""""Stand-ins for what the IPython kernel gave the notebook's cells.

The notebook showed rich output (HTML tables, figures) in its page; a script has no page,
so these write that output to files under ``outputs/`` and say so on stderr.
"""

import itertools
import sys
from pathlib import Path

OUTPUTS = Path("outputs")
_NUMBERS = itertools.count(1)


def show(value):
    """Print a cell's result the way IPython's display hook printed it (None is not shown)."""
    if value is not None:
        print(_pretty(value))


def _pretty(value):
    """IPython's text for a value.

    A class prints as its dotted name, an object with the default repr as
    ``<module.Class at 0x...>``, a list, tuple, set or dict item by item (sets sorted), one
    item per line when it does not fit in 79 columns; anything else as its repr.
    """
    kind = type(value)
    if isinstance(value, type):
        module = value.__module__
        if module == "builtins":
            return value.__qualname__
        return f"{module}.{value.__qualname__}"
    if kind in (list, tuple, set, frozenset, dict):
        return _pretty_container(value, kind)
    if kind.__repr__ is object.__repr__:
        return f"<{kind.__module__}.{kind.__qualname__} at {hex(id(value))}>"
    return repr(value)


def _pretty_container(value, kind):
    if kind is dict:
        items = [f"{_pretty(key)}: {_pretty(item)}" for key, item in value.items()]
        opening, closing = "{", "}"
    elif kind in (set, frozenset):
        try:
            elements = sorted(value)
        except TypeError:
            elements = list(value)
        if not elements:
            return f"{kind.__name__}()"
        items = [_pretty(item) for item in elements]
        opening, closing = ("{", "}") if kind is set else ("frozenset({", "})")
    elif kind is tuple:
        items = [_pretty(item) for item in value]
        opening, closing = "(", ",)" if len(items) == 1 else ")"
    else:
        items = [_pretty(item) for item in value]
        opening, closing = "[", "]"
    text = opening + ", ".join(items) + closing
    if len(text) <= 79 and "\n" not in text:
        return text
    indent = " " * len(opening)
    lines = [item.replace("\n", "\n" + indent) for item in items]
    return opening + (",\n" + indent).join(lines) + closing


def display(*objects, **options):
    """Write each object's HTML (or its text) to a file, as IPython's display() showed it."""
    del options
    OUTPUTS.mkdir(exist_ok=True)
    for shown in objects:
        number = next(_NUMBERS)
        html = getattr(shown, "_repr_html_", None)
        text = html() if callable(html) else None
        if text is None:
            path = OUTPUTS / f"display_{number}.txt"
            path.write_text(repr(shown) + "\n", encoding="utf-8")
        else:
            path = OUTPUTS / f"display_{number}.html"
            path.write_text(text, encoding="utf-8")
        print(f"wrote {path}", file=sys.stderr)


def inline_figures():
    """Make figures the size the notebook's inline backend made them (6x4 inches, 72 dpi)."""
    try:
        import matplotlib
    except ImportError:
        return
    matplotlib.rcParams.update({"figure.figsize": (6.0, 4.0), "figure.dpi": 72})


def save_figures(stem):
    """Save and close the open matplotlib figures, as the inline backend showed them."""
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is None:
        return
    numbers = pyplot.get_fignums()
    if numbers:
        OUTPUTS.mkdir(exist_ok=True)
    for number in numbers:
        path = OUTPUTS / f"{stem}_figure_{number}.png"
        pyplot.figure(number).savefig(path)
        print(f"wrote {path}", file=sys.stderr)
    pyplot.close("all")
"#;

/// The dataclass name for a step's many return values.
fn result_class(step: &str) -> String {
    let mut out = String::new();
    for part in step.split('_').filter(|p| !p.is_empty()) {
        let mut chars = part.chars();
        if let Some(first) = chars.next() {
            out.extend(first.to_uppercase());
            out.push_str(chars.as_str());
        }
    }
    format!("{out}Result")
}

/// More than this many returned values make a dataclass instead of a tuple.
const MAX_TUPLE: usize = 3;

/// What `main()` prints after calling a step.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Printed {
    /// Nothing.
    Nothing,
    /// The value the step returns first (its trailing expression).
    Shown,
    /// A returned value that the trailing expression named (`df` at the end of the cell).
    Name(String),
}

/// The code of one step, ready to place.
#[derive(Debug, Clone)]
struct StepCode {
    /// Definitions moved to module level (and comments of a cell that only defines).
    module_level: Vec<String>,
    /// The step function, or `None` when nothing is left to run once the definitions moved.
    function: Option<String>,
    /// Returned values, in the order the cell binds them.
    returns: Vec<String>,
    /// What main prints.
    printed: Printed,
    /// The values come back in a dataclass.
    many: bool,
}

fn build_step(
    p: &Prepared,
    step: &Step,
    notebook_name: &str,
    has_outputs: bool,
    shown_name: &str,
) -> StepCode {
    let shows = shows_result(p, has_outputs);
    let mut returns = step.returns.clone();
    if let Body::Python { facts, .. } = &p.body {
        returns.sort_by_key(|name| {
            facts
                .defines
                .iter()
                .position(|d| &d.name == name)
                .unwrap_or(usize::MAX)
        });
    }
    let (text, literals, cell_edits, definitions, trailing) = match &p.body {
        Body::Python {
            text,
            edits,
            literals,
            definitions,
            facts,
            ..
        } => (
            text.clone(),
            literals.clone(),
            edits.clone(),
            definitions.clone(),
            facts.trailing_expression.filter(|_| shows),
        ),
        Body::Generated { text, .. } => (text.clone(), Vec::new(), Vec::new(), Vec::new(), None),
    };
    let mut edits: Vec<Edit> = cell_edits;
    edits.extend(step.edits.iter().cloned());

    let mut module_level = Vec::new();
    for (m, _) in &step.moved {
        let definition = &definitions[*m];
        let (start, end) = definition.cut.unwrap_or(definition.range);
        let inner: Vec<Edit> = edits
            .iter()
            .filter(|e| e.start >= start && e.end <= end && (e.start, e.end) != (start, end))
            .cloned()
            .collect();
        module_level.push(format!(
            "{}\n",
            text::render(&text, start, end, &inner, "", &literals).trim_end()
        ));
    }

    // The trailing expression: a bare name that is returned anyway is printed by name;
    // anything else is returned first.
    let trailing_name = trailing.and_then(|span| {
        let written = text.get(span.start..span.end)?.trim();
        returns
            .iter()
            .find(|name| name.as_str() == written)
            .cloned()
    });
    let printed = match (&trailing_name, trailing) {
        (Some(name), _) => Printed::Name(name.clone()),
        (None, Some(_)) => Printed::Shown,
        (None, None) => Printed::Nothing,
    };
    let shown_first = printed == Printed::Shown;
    let many = returns.len() + usize::from(shown_first) > MAX_TUPLE;
    let class_name = result_class(&step.name);
    let mut closing: Option<String> = None;
    match (trailing, shown_first) {
        (Some(span), true) => {
            if many {
                let rest: Vec<String> = returns.iter().map(|n| format!("{n}={n}")).collect();
                edits.push(Edit {
                    start: span.start,
                    end: span.start,
                    text: format!("return {class_name}(\n    {shown_name}="),
                });
                edits.push(Edit {
                    start: span.end,
                    end: span.end,
                    text: format!(",\n    {},\n)", rest.join(",\n    ")),
                });
            } else if returns.is_empty() {
                edits.push(Edit {
                    start: span.start,
                    end: span.start,
                    text: "return ".to_owned(),
                });
            } else {
                edits.push(Edit {
                    start: span.start,
                    end: span.start,
                    text: "return (".to_owned(),
                });
                edits.push(Edit {
                    start: span.end,
                    end: span.end,
                    text: format!("), {}", returns.join(", ")),
                });
            }
        }
        (Some(span), false) => {
            // `df` alone on the last line: the value is returned below and printed by main.
            edits.push(Edit {
                start: span.start,
                end: span.end,
                text: String::new(),
            });
        }
        (None, _) => {}
    }
    if !shown_first && !returns.is_empty() {
        closing = Some(if many {
            let fields: Vec<String> = returns.iter().map(|n| format!("{n}={n}")).collect();
            format!("return {class_name}({})", fields.join(", "))
        } else {
            format!("return {}", returns.join(", "))
        });
    }
    edits.sort_by_key(|e| (e.start, e.end));
    // Edits inside a cut are rendered with the moved definition, not here.
    let cuts: Vec<(usize, usize)> = edits
        .iter()
        .filter(|e| e.text.is_empty() && e.end > e.start)
        .map(|e| (e.start, e.end))
        .collect();
    let edits: Vec<Edit> = edits
        .into_iter()
        .filter(|e| {
            !cuts.iter().any(|&(s, t)| {
                let insertion_at_edge = e.start == e.end && (e.start == s || e.start == t);
                s <= e.start && e.end <= t && (e.start, e.end) != (s, t) && !insertion_at_edge
            })
        })
        .collect();
    let body = text::render(&text, 0, text.len(), &edits, "    ", &literals);
    let body = body.trim_end().trim_start_matches('\n');
    let has_statement = body
        .lines()
        .any(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'));
    if !has_statement
        && closing.is_none()
        && step.params.is_empty()
        && p.doc.iter().all(|l| l.trim().is_empty())
    {
        // Nothing runs: the cell only defined functions or classes (now at module level).
        let comments: Vec<&str> = body
            .lines()
            .map(|l| l.strip_prefix("    ").unwrap_or(l))
            .filter(|l| !l.trim().is_empty())
            .collect();
        if !comments.is_empty() && !module_level.is_empty() {
            module_level[0] = format!("{}\n{}", comments.join("\n"), module_level[0]);
        }
        return StepCode {
            module_level,
            function: None,
            returns,
            printed,
            many,
        };
    }

    let mut out = String::new();
    if many {
        out.push_str(&format!(
            "@dataclass\nclass {class_name}:\n    \"\"\"What later cells use from cell {}.\"\"\"\n\n",
            p.number
        ));
        if shown_first {
            out.push_str(&format!("    {shown_name}: object\n"));
        }
        for name in &returns {
            out.push_str(&format!("    {name}: object\n"));
        }
        out.push_str("\n\n");
    }
    out.push_str(&format!("def {}({}):\n", step.name, step.params.join(", ")));
    let mut doc = p.doc.clone();
    while doc.last().is_some_and(|l| l.trim().is_empty()) {
        doc.pop();
    }
    if !doc.iter().all(|l| l.trim().is_empty()) {
        doc.push(String::new());
    }
    doc.push(format!("Cell {} of {notebook_name}.", p.number));
    out.push_str(&text::docstring(&doc, "    ").unwrap_or_default());
    if !body.trim().is_empty() {
        out.push_str(body);
        out.push('\n');
    }
    if let Some(closing) = closing {
        out.push_str("    ");
        out.push_str(&closing);
        out.push('\n');
    }
    StepCode {
        module_level,
        function: Some(out),
        returns,
        printed,
        many,
    }
}

fn render_module(module: &Module, codes: &[StepCode], notebook_name: &str) -> String {
    let mut out = String::new();
    let mut doc = module.doc.clone();
    if doc.is_empty() {
        doc.push(format!("Cells of {notebook_name}."));
    }
    out.push_str(&text::docstring(&doc, "").unwrap_or_default());
    // A cell's names become locals of its function: one no later cell reads is "assigned
    // but never used" (F841), and the `;` that hid a cell's result is now redundant (E703).
    // Both are the notebook's text as written, kept on purpose.
    out.push_str("\n# ruff: noqa: F841, E703\n");
    let needs_dataclass = module.entries.iter().any(|entry| {
        matches!(entry, ModuleEntry::Step(i) if codes[*i].many && codes[*i].function.is_some())
    });
    // An import kept for its effect (`# noqa: F401`) and needed by a later cell is one line.
    let mut imports: Vec<String> = module
        .imports
        .iter()
        .filter(|line| {
            line.strip_suffix("  # noqa: F401")
                .is_none_or(|plain| !module.imports.iter().any(|other| other == plain))
        })
        .cloned()
        .collect();
    if needs_dataclass {
        imports.insert(0, "from dataclasses import dataclass".to_owned());
    }
    if !imports.is_empty() {
        out.push('\n');
        for line in &imports {
            out.push_str(line);
            out.push('\n');
        }
    }
    for entry in &module.entries {
        match entry {
            ModuleEntry::Skipped(number, reason) => {
                out.push_str(&format!("\n\n# Cell {number} is left out: {reason}.\n"));
            }
            ModuleEntry::Step(index) => {
                let code = &codes[*index];
                for definition in &code.module_level {
                    out.push_str("\n\n");
                    out.push_str(definition);
                }
                if let Some(function) = &code.function {
                    out.push_str("\n\n");
                    out.push_str(function);
                }
            }
        }
    }
    out
}

// The plan's parts are separate values in `extract`; bundling them into a struct only for
// this call would add a type that means nothing else.
#[allow(clippy::too_many_arguments)]
fn render_main(
    modules: &[Module],
    prepared: &[Prepared],
    steps: &[Step],
    codes: &[StepCode],
    order: &[usize],
    options: &ExtractOptions,
    has_outputs: bool,
    uses_figures: bool,
    (shown, values, show): (&str, &str, &str),
) -> String {
    let mut out = format!(
        "\"\"\"Runs the steps of {} in the order its cells ran, printing what it printed.\"\"\"\n\n",
        text::docstring_text(&options.notebook_name)
    );
    let saves: Vec<bool> = order
        .iter()
        .map(|&i| {
            codes[i].function.is_some()
                && uses_figures
                && (prepared[i].stored.images || !has_outputs)
        })
        .collect();
    // The notebook's own outputs show the figure size of its inline backend (6x4 inches at 72
    // dpi before matplotlib-inline 0.1.3; matplotlib's 6.4x4.8 at 100 since): keep it.
    let old_inline = uses_figures && prepared.iter().any(|p| p.stored.old_inline_figures);
    let mut helpers: Vec<String> = Vec::new();
    if old_inline {
        helpers.push("inline_figures".to_owned());
    }
    if saves.iter().any(|s| *s) {
        helpers.push("save_figures".to_owned());
    }
    if order
        .iter()
        .any(|&i| codes[i].function.is_some() && codes[i].printed != Printed::Nothing)
    {
        helpers.push(if show == "show" {
            "show".to_owned()
        } else {
            format!("show as {show}")
        });
    }
    if !helpers.is_empty() {
        out.push_str(&format!("from ._notebook import {}\n", helpers.join(", ")));
    }
    for module in modules {
        let names: Vec<&str> = module
            .entries
            .iter()
            .filter_map(|e| match e {
                ModuleEntry::Step(i) if codes[*i].function.is_some() => {
                    Some(steps[*i].name.as_str())
                }
                _ => None,
            })
            .collect();
        if !names.is_empty() {
            out.push_str(&import_line(&module.name, &names));
        }
    }
    out.push_str("\n\ndef main():\n    \"\"\"Run every step in order.\"\"\"\n");
    let mut calls = 0;
    if old_inline {
        out.push_str("    inline_figures()\n");
        calls += 1;
    }
    for (position, &index) in order.iter().enumerate() {
        let p = &prepared[index];
        let step = &steps[index];
        let code = &codes[index];
        if code.function.is_none() {
            continue;
        }
        calls += 1;
        let returns = &code.returns;
        let call = format!("{}({})", step.name, step.params.join(", "));
        let shown_first = code.printed == Printed::Shown;
        let mut printed: Option<String> = None;
        if code.many {
            out.push_str(&format!("    {values} = {call}\n"));
            for name in returns {
                out.push_str(&format!("    {name} = {values}.{name}\n"));
            }
            if shown_first {
                printed = Some(format!("{values}.{shown}"));
            }
        } else if shown_first && returns.is_empty() {
            out.push_str(&format!("    {shown} = {call}\n"));
            printed = Some(shown.to_owned());
        } else if shown_first {
            out.push_str(&format!("    {shown}, {} = {call}\n", returns.join(", ")));
            printed = Some(shown.to_owned());
        } else if returns.is_empty() {
            out.push_str(&format!("    {call}\n"));
        } else {
            out.push_str(&format!("    {} = {call}\n", returns.join(", ")));
        }
        if let Printed::Name(name) = &code.printed {
            printed = Some(name.clone());
        }
        if let Some(value) = printed {
            out.push_str(&format!("    {show}({value})\n"));
        }
        if saves[position] {
            out.push_str(&format!("    save_figures(\"cell_{}\")\n", p.number));
        }
    }
    if calls == 0 {
        out.push_str("    return\n");
    }
    out.push_str("\n\nif __name__ == \"__main__\":\n    main()\n");
    out
}

/// `from .module import a, b`, wrapped one name per line as ruff format does when it is
/// longer than 88 columns.
fn import_line(module: &str, names: &[&str]) -> String {
    let line = format!("from .{module} import {}\n", names.join(", "));
    if line.len() <= 89 {
        return line;
    }
    let mut out = format!("from .{module} import (\n");
    for name in names {
        out.push_str(&format!("    {name},\n"));
    }
    out.push_str(")\n");
    out
}

fn readme(
    package: &str,
    distribution: &str,
    notebook_name: &str,
    dependencies: &Dependencies,
    title: Option<&str>,
) -> String {
    let mut out = format!(
        "# {}\n\nExtracted from `{notebook_name}` by `nblint extract`: one module per section of \
         the notebook, one function per code cell, and `main()` in `{package}/__main__.py` \
         calling them in the order the cells ran.\n\n## Run it\n\n```sh\ncd src\npython -m \
         {package}\n```\n\nor install it (`pip install .`) and run `{distribution}`. Rich \
         output the notebook showed (figures, HTML) is written to `outputs/`.\n",
        title.unwrap_or(package)
    );
    if !dependencies.unknown.is_empty() {
        out.push_str(
            "\n## Imports to place by hand\n\nThese modules are imported but nblint does not know \
             which distribution provides them; add them to `dependencies` in `pyproject.toml`:\n\n",
        );
        for name in &dependencies.unknown {
            out.push_str(&format!("- `{name}`\n"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_names() {
        assert!(is_valid_package_name("my_pkg"));
        assert!(!is_valid_package_name("my-pkg"));
        assert!(!is_valid_package_name("class"));
        assert!(!is_valid_package_name("1abc"));
        assert_eq!(package_name(Path::new("Load Data.ipynb")), "load_data");
    }

    #[test]
    fn escape_commands_continue_over_open_brackets() {
        assert_eq!(
            join_escape_continuations("%timeit f(a,\n   b)\nx = (1,\n 2)\n"),
            "%timeit f(a, \\\n   b)\nx = (1,\n 2)\n"
        );
    }

    #[test]
    fn names_in_expression_strings() {
        assert_eq!(
            identifiers("(x > 0.5) & (y < @limit) and name == 'x2' and f(z)"),
            ["x", "y", "limit", "and", "name", "z"]
        );
    }

    #[test]
    fn result_classes() {
        assert_eq!(result_class("load_data"), "LoadDataResult");
    }
}
