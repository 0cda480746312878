//! Reading one code cell: its IPython syntax rewritten, its facts, its top-level imports and
//! definitions, the multi-line strings its indentation must not touch, and what the notebook
//! stored as its output.

use std::collections::HashSet;

use nblint_extract::naming::snake_case;
use nblint_facts::{CellFacts, CellFrontend};
use nblint_notebook::Notebook;
use ruff_python_ast::visitor::{Visitor, walk_expr, walk_stmt};
use ruff_python_ast::{Expr, ExprContext, Mod, Stmt};
use ruff_python_parser::{Mode, ParseOptions, parse_unchecked};
use ruff_text_size::Ranged;
use serde_json::Value;

use crate::ipython::{self, Edit};
use crate::text;
use crate::{ExtractError, Target};

/// A top-level import statement of a cell that moves to the top of its module.
#[derive(Debug, Clone)]
pub(crate) struct ImportStatement {
    /// The whole lines to cut from the cell.
    pub(crate) cut: (usize, usize),
    /// `(bound name, import text)` per leaf; a glob has no bound name.
    pub(crate) leaves: Vec<(Option<String>, String)>,
    /// The imported module paths (for dependencies).
    pub(crate) modules: Vec<String>,
}

/// A top-level `def` or `class` of a cell.
#[derive(Debug, Clone)]
pub(crate) struct Definition {
    pub(crate) name: String,
    /// The identifier.
    pub(crate) name_range: (usize, usize),
    /// The statement with its decorators.
    pub(crate) range: (usize, usize),
    /// The whole lines, when nothing else shares them.
    pub(crate) cut: Option<(usize, usize)>,
    /// Every name read anywhere inside it (scope-blind: a superset of what it reads from the
    /// cell).
    pub(crate) reads: HashSet<String>,
    /// Where the cell reads the name after this definition (a versioned definition renames
    /// them), or `None` when something in the cell binds the name again (a parameter, a
    /// local): then the definition stays in the cell.
    pub(crate) later_reads: Option<Vec<(usize, usize)>>,
}

/// How a cell becomes code.
#[derive(Debug, Clone)]
pub(crate) enum Body {
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
        /// The cell calls `eval()` on a string chosen as it runs (`eval(name)`): it looks
        /// names up in the notebook's namespace.
        dynamic_eval: bool,
    },
    /// Generated statements (a `%%bash` or `%%writefile` cell).
    Generated {
        text: String,
        needs: Vec<&'static str>,
    },
}

#[derive(Debug, Clone)]
pub(crate) struct Prepared {
    pub(crate) number: usize,
    pub(crate) execution_count: Option<i64>,
    pub(crate) section: usize,
    pub(crate) doc: Vec<String>,
    pub(crate) body: Body,
    pub(crate) stored: Stored,
    pub(crate) name_hint: Option<String>,
}

impl Prepared {
    /// The facts of a cell kept as Python (none for generated code: a shell cell, a file
    /// written).
    pub(crate) fn facts(&self) -> Option<&CellFacts> {
        match &self.body {
            Body::Python { facts, .. } => Some(facts),
            Body::Generated { .. } => None,
        }
    }
}

/// What the notebook stored for a cell.
#[derive(Debug, Clone, Default)]
pub(crate) struct Stored {
    pub(crate) stdout: String,
    pub(crate) text_result: Option<String>,
    pub(crate) images: bool,
    /// A `<Figure size 432x288 ...>` result: the kernel's inline backend of the time made
    /// 6x4-inch figures at 72 dpi.
    pub(crate) old_inline_figures: bool,
}

pub(crate) use nblint_extract::plan::text_of;

/// What the notebook stored for cell `number`, read as the Python extraction needs it (the
/// outputs themselves come from the Rust extractor's reader).
pub(crate) fn stored(notebook: &Notebook, number: usize) -> Stored {
    let mut stored = Stored::default();
    for output in nblint_extract::plan::outputs(notebook, number) {
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
pub(crate) struct Section {
    pub(crate) module: String,
    pub(crate) doc: Vec<String>,
}

/// Collects the ranges of multi-line string literals and whether `display` is read.
pub(crate) struct Scan<'t> {
    pub(crate) text: &'t str,
    pub(crate) literals: Vec<(usize, usize)>,
    pub(crate) uses_display: bool,
    /// Names read inside the expression string of `pd.eval`, `df.eval`, `df.query` or
    /// `numexpr.evaluate`, which look them up in the calling frame by name.
    pub(crate) string_reads: Vec<String>,
    /// Where to add a namespace to `eval(expression)` calls whose expression is not a
    /// literal: the end of the one argument.
    pub(crate) dynamic_evals: Vec<usize>,
}

/// Calls whose first argument is an expression string evaluated in the caller's frame.
pub(crate) const STRING_EVALUATORS: &[&str] = &["eval", "query", "evaluate"];

/// The identifiers of an expression string (`"(x > 0.5) & (y < @limit)"` → x, y, limit).
pub(crate) fn identifiers(expression: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (name, next) in identifier_tokens(expression, false) {
        if next != '(' && !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

/// The identifiers of some code outside its string literals (quoted with `'`, `"` or a
/// backtick), each with the character after it (a space at the end), up to a `#` when
/// `comments_end_it` (a line of Python, whose comment is no code).
pub(crate) fn identifier_tokens(code: &str, comments_end_it: bool) -> Vec<(String, char)> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut in_quote: Option<char> = None;
    for ch in code.chars().chain(std::iter::once(' ')) {
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
        if !current.is_empty() && !current.starts_with(|c: char| c.is_ascii_digit()) {
            out.push((std::mem::take(&mut current), ch));
        }
        current.clear();
        if ch == '#' && comments_end_it {
            break;
        }
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
                if let Expr::Name(name) = &*call.func
                    && name.id.as_str() == "eval"
                    && call.arguments.keywords.is_empty()
                    && let [argument] = &*call.arguments.args
                    && !matches!(argument, Expr::StringLiteral(_) | Expr::Starred(_))
                {
                    self.dynamic_evals.push(argument.range().end().to_usize());
                }
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

pub(crate) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, column)
}

/// Every name a statement reads (`Load` context), at any depth.
pub(crate) fn names_read(statement: &Stmt) -> HashSet<String> {
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
pub(crate) fn occurrences(body: &[Stmt], name: &str, after: usize) -> Option<Vec<(usize, usize)>> {
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
pub(crate) fn first_comment(text: &str) -> Option<String> {
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
pub(crate) fn join_escape_continuations(text: &str) -> String {
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

/// Whether a cell's code is nothing but import statements (blank lines and comments aside).
pub(crate) fn only_imports(source: &str) -> bool {
    let parsed = parse_unchecked(source, ParseOptions::from(Mode::Ipython));
    parsed.errors().is_empty()
        && matches!(parsed.syntax(), Mod::Module(module) if !module.body.is_empty()
            && module.body.iter().all(|s| matches!(s, Stmt::Import(_) | Stmt::ImportFrom(_))))
}

/// `%pylab` imports numpy as `np` and pyplot as `plt` into the notebook (and the rest of
/// pylab with `*`): the line becomes those two imports, on one line so later line numbers
/// stay, and they move to the module top with the cell's other imports.
fn pylab_imports(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        if body.starts_with("%pylab") {
            out.push_str("import numpy as np, matplotlib.pyplot as plt");
            out.push_str(&line[body.len()..]);
        } else {
            out.push_str(line);
        }
    }
    out
}

/// Reads one code cell's Python: rewrites, facts, top-level imports and definitions.
pub(crate) fn prepare_python(
    text: String,
    number: usize,
    target: Target,
    names: &ipython::NotebookNames,
) -> Result<Body, ExtractError> {
    // A cell pasted with its indentation or a session's prompts runs in IPython once its
    // input transforms removed them: the package runs that text.
    let text = nblint_python::text_ipython_runs(&text).unwrap_or(text);
    // IPython's `import_pylab` then imports every name of pylab and NumPy, unless told not to.
    let pylab_stars = text
        .lines()
        .any(|line| line.trim_start().starts_with("%pylab") && !line.contains("--no-import-all"));
    let text = pylab_imports(&join_escape_continuations(&text));
    let parsed = parse_unchecked(&text, ParseOptions::from(Mode::Ipython));
    if let Some(error) = parsed.errors().first() {
        let (line, column) = line_column(&text, error.location.start().to_usize());
        let mut message = error.error.to_string();
        // `print x` in a notebook that ran on Python 2: say what to do about it.
        if text
            .lines()
            .nth(line.saturating_sub(1))
            .is_some_and(nblint_facts::is_python2_line)
        {
            message.push_str(
                " (Python 2 syntax, and the package is Python 3: port the notebook first, \
                 with `2to3` or by hand)",
            );
        }
        return Err(ExtractError::Syntax {
            cell: number,
            line,
            column,
            message,
        });
    }
    let Mod::Module(module) = parsed.syntax() else {
        return Ok(Body::Generated {
            text: String::new(),
            needs: Vec::new(),
        });
    };
    let rewrite = ipython::rewrite(&text, &module.body, target, names);
    if let Some(refusal) = &rewrite.refusal {
        let (line, _) = line_column(&text, refusal.offset);
        return Err(ExtractError::Refused {
            cell: number,
            line,
            reason: refusal.reason.clone(),
        });
    }
    // A star import inside a block (`try: from vpython import *`) would land in the step's
    // function, where Python allows none; one alone at the top level moves to the module.
    let nested_star = module.body.iter().find_map(|statement| match statement {
        Stmt::ImportFrom(_) => None,
        _ => crate::star_import_in_function(std::slice::from_ref(statement), true),
    });
    if let Some(offset) = nested_star {
        let (line, _) = line_column(&text, offset);
        return Err(ExtractError::Refused {
            cell: number,
            line,
            reason: "a `from .. import *` inside a block cannot go into the cell's function \
                     (Python allows star imports only at a module's top level); move it to the \
                     top level of its cell"
                .to_owned(),
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
        dynamic_evals: Vec::new(),
    };
    for statement in &module.body {
        scan.visit_stmt(statement);
    }
    let (literals, uses_display, string_reads) =
        (scan.literals, scan.uses_display, scan.string_reads);
    // `eval(name)` looked the name up in the notebook's namespace; in the package it gets the
    // namespace the steps keep (`notebook_names` in `_notebook.py`).
    let dynamic_eval = !scan.dynamic_evals.is_empty();
    let mut edits = rewrite.edits;
    edits.extend(scan.dynamic_evals.into_iter().map(|at| Edit {
        start: at,
        end: at,
        text: ", notebook_names(globals())".to_owned(),
    }));
    edits.sort_by_key(|edit| (edit.start, edit.end));
    let uses_display = uses_display && !facts.defined_names().contains(&"display");
    let left_out = rewrite
        .warnings
        .iter()
        .map(|(offset, why)| (line_column(&text, *offset).0, why.clone()))
        .collect();
    if pylab_stars {
        imports.push(ImportStatement {
            cut: (0, 0),
            leaves: vec![
                (None, "from pylab import *".to_owned()),
                (None, "from numpy import *".to_owned()),
            ],
            modules: vec!["matplotlib".to_owned(), "numpy".to_owned()],
        });
    }
    Ok(Body::Python {
        text,
        facts: Box::new(facts),
        edits,
        imports,
        definitions,
        literals,
        uses_display,
        needs: rewrite.needs,
        left_out,
        string_reads,
        dynamic_eval,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_of_imports_only() {
        assert!(only_imports(
            "import numpy as np\n# a comment\nfrom os import path\n"
        ));
        assert!(!only_imports("import numpy as np\nx = 1\n"));
        assert!(!only_imports("# nothing\n"));
    }

    #[test]
    fn pylab_becomes_its_imports() {
        assert_eq!(
            pylab_imports("%pylab inline\nx = 1\n"),
            "import numpy as np, matplotlib.pyplot as plt\nx = 1\n"
        );
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
}
