//! Writing the package's Python: each step's function (its cell's text with the edits the
//! plan made), each section's module, `__main__.py` and the README.

use crate::cells::{Body, Prepared};
use crate::ipython::Edit;
use crate::project::Dependencies;
use crate::text;
use crate::{ExtractOptions, Module, ModuleEntry, Step, Target};

/// Whether the step prints its trailing expression.
pub(crate) fn shows_result(p: &Prepared, has_outputs: bool) -> bool {
    let Body::Python { facts, .. } = &p.body else {
        return false;
    };
    facts.trailing_expression.is_some() && (!has_outputs || p.stored.text_result.is_some())
}

/// Helpers standing in for what the IPython kernel gave the notebook.
pub(crate) const NOTEBOOK_HELPERS: &str = include_str!("notebook_helpers.py");

/// What `notebook_helpers` changes in `NOTEBOOK_HELPERS` for a notebook of Python 3.6 or
/// older, whose kernel and libraries were of that time.
const PY36_HELPERS: &[(&str, &str)] = &[
    // IPython on a Python before 3.7 printed a dict's keys sorted.
    (
        "items = [f\"{_pretty(key)}: {_pretty(item)}\" for key, item in value.items()]",
        "try:\n            keys = sorted(value)\n        except TypeError:\n            keys = list(value)\n        \
         # IPython on Python 3.6 and older printed a dict's keys sorted.\n        \
         items = [f\"{_pretty(key)}: {_pretty(value[key])}\" for key in keys]",
    ),
    // matplotlib before 2.1 saves to a `str` path only.
    (".savefig(path)", ".savefig(str(path))"),
];

/// The text of `_notebook.py` for `target`.
pub(crate) fn notebook_helpers(target: Target) -> String {
    match target {
        Target::Modern => NOTEBOOK_HELPERS.to_owned(),
        Target::Py36 => PY36_HELPERS
            .iter()
            .fold(NOTEBOOK_HELPERS.to_owned(), |text, (from, to)| {
                text.replace(from, to)
            }),
    }
}

/// The dataclass name for a step's many return values.
pub(crate) fn result_class(step: &str) -> String {
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
pub(crate) const MAX_TUPLE: usize = 3;

/// What `main()` prints after calling a step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Printed {
    /// Nothing.
    Nothing,
    /// The value the step returns first (its trailing expression).
    Shown,
    /// A returned value that the trailing expression named (`df` at the end of the cell).
    Name(String),
}

/// The code of one step, ready to place.
#[derive(Debug, Clone)]
pub(crate) struct StepCode {
    /// Definitions moved to module level (and comments of a cell that only defines).
    pub(crate) module_level: Vec<String>,
    /// The step function, or `None` when nothing is left to run once the definitions moved.
    pub(crate) function: Option<String>,
    /// Returned values, in the order the cell binds them.
    pub(crate) returns: Vec<String>,
    /// What main prints.
    pub(crate) printed: Printed,
    /// The values come back in a dataclass.
    pub(crate) many: bool,
}

/// `_notebook.py`'s additions for a notebook that `eval()`s names chosen as it runs.
pub(crate) const NAMESPACE_HELPERS: &str = r#"

# The notebook's namespace, for `eval()` of names chosen as a cell runs: in the notebook it
# saw every cell's variables; here each step keeps its variables in it.
_namespace = {}


def keep_names(values):
    """Keep a step's variables where eval() looks names up, as the notebook's namespace did."""
    _namespace.update(values)


def notebook_names(module_globals):
    """What eval() saw in the notebook: the module's names, then the steps' variables."""
    names = dict(module_globals)
    names.update(_namespace)
    return names
"#;

/// `(target, keeps_names)`: the Python the package is for, and whether each step keeps its
/// variables for `eval()` ([`NAMESPACE_HELPERS`]).
pub(crate) fn build_step(
    p: &Prepared,
    step: &Step,
    notebook_name: &str,
    has_outputs: bool,
    shown_name: &str,
    (target, keeps_names): (Target, bool),
) -> StepCode {
    let keep = if keeps_names {
        "keep_names(locals())\n"
    } else {
        ""
    };
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
                // `a.shape, b.shape` as a keyword argument would end at its first comma.
                let (open, close) = match text.get(span.start..span.end) {
                    Some(expression) if !needs_parentheses(expression) => ("", ""),
                    _ => ("(", ")"),
                };
                edits.push(Edit {
                    start: span.start,
                    end: span.start,
                    text: format!("{keep}return {class_name}(\n    {shown_name}={open}"),
                });
                edits.push(Edit {
                    start: span.end,
                    end: span.end,
                    text: format!("{close},\n    {},\n)", rest.join(",\n    ")),
                });
            } else if returns.is_empty() {
                edits.push(Edit {
                    start: span.start,
                    end: span.start,
                    text: format!("{keep}return "),
                });
            } else {
                edits.push(Edit {
                    start: span.start,
                    end: span.start,
                    text: format!("{keep}return ("),
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
            format!("{keep}return {class_name}({})", fields.join(", "))
        } else {
            format!("{keep}return {}", returns.join(", "))
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

    if keeps_names && !shown_first && closing.is_none() {
        closing = Some(keep.trim_end().to_owned());
    }
    let mut out = String::new();
    if many && target == Target::Py36 {
        // No dataclasses before Python 3.7: a namespace built with the same keywords.
        let mut fields: Vec<&str> = Vec::new();
        if shown_first {
            fields.push(shown_name);
        }
        fields.extend(returns.iter().map(String::as_str));
        out.push_str(&format!(
            "class {class_name}(SimpleNamespace):\n    \"\"\"What later cells use from cell {}: {}.\"\"\"\n\n\n",
            p.number,
            fields.join(", ")
        ));
    } else if many {
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
    if !step.globals.is_empty() {
        out.push_str(&format!("    global {}\n", step.globals.join(", ")));
    }
    if !body.trim().is_empty() {
        out.push_str(body);
        out.push('\n');
    }
    if let Some(closing) = closing {
        for line in closing.lines() {
            out.push_str("    ");
            out.push_str(line);
            out.push('\n');
        }
    }
    StepCode {
        module_level,
        function: Some(out),
        returns,
        printed,
        many,
    }
}

pub(crate) fn render_module(
    module: &Module,
    codes: &[StepCode],
    notebook_name: &str,
    target: Target,
) -> String {
    let mut out = String::new();
    let mut doc = module.doc.clone();
    if doc.is_empty() {
        doc.push(format!("Cells of {notebook_name}."));
    }
    out.push_str(&text::docstring(&doc, "").unwrap_or_default());
    // A cell's names become locals of its function: one no later cell reads is "assigned
    // but never used" (F841), and the `;` that hid a cell's result is now redundant (E703).
    // Both are the notebook's text as written, kept on purpose.
    // A star import the notebook made (`from math import *`, `%pylab`) is the notebook's too:
    // ruff cannot tell which names it brings (F403, F405).
    if module.imports.iter().any(|line| line.ends_with("import *")) {
        out.push_str("\n# ruff: noqa: F841, E703, F403, F405\n");
    } else {
        out.push_str("\n# ruff: noqa: F841, E703\n");
    }
    let header = out.len() - 1;
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
        let after = imports
            .iter()
            .take_while(|l| l.starts_with("from __future__ "))
            .count();
        imports.insert(
            after,
            match target {
                Target::Modern => "from dataclasses import dataclass",
                Target::Py36 => "from types import SimpleNamespace",
            }
            .to_owned(),
        );
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
    // The notebook's own style, kept as written: `f = lambda x: ..` (E731) and variables
    // named `l`, `O` or `I` (E741).
    let kept: String = kept_style_codes(&out)
        .iter()
        .flat_map(|code| [", ", code])
        .collect();
    out.insert_str(header, &kept);
    out
}

/// The style rules of ruff's defaults that the cells' own text, kept as written, breaks in
/// `module`: E731 (a lambda assigned to a name) and E741 (a variable named `l`, `O` or `I`).
fn kept_style_codes(module: &str) -> Vec<&'static str> {
    use ruff_python_ast::visitor::{Visitor, walk_expr, walk_stmt};
    use ruff_python_ast::{Expr, ExprContext, Stmt};

    #[derive(Default)]
    struct Found {
        lambda_assigned: bool,
        ambiguous_name: bool,
    }
    impl<'a> Visitor<'a> for Found {
        fn visit_stmt(&mut self, stmt: &'a Stmt) {
            match stmt {
                Stmt::Assign(assign)
                    if matches!(&*assign.value, Expr::Lambda(_))
                        && assign.targets.iter().all(Expr::is_name_expr) =>
                {
                    self.lambda_assigned = true;
                }
                Stmt::AnnAssign(assign)
                    if assign
                        .value
                        .as_deref()
                        .is_some_and(|value| matches!(value, Expr::Lambda(_)))
                        && assign.target.is_name_expr() =>
                {
                    self.lambda_assigned = true;
                }
                _ => {}
            }
            walk_stmt(self, stmt);
        }
        fn visit_expr(&mut self, expr: &'a Expr) {
            if let Expr::Name(name) = expr
                && name.ctx == ExprContext::Store
                && matches!(name.id.as_str(), "l" | "O" | "I")
            {
                self.ambiguous_name = true;
            }
            walk_expr(self, expr);
        }
        fn visit_parameter(&mut self, parameter: &'a ruff_python_ast::Parameter) {
            if matches!(parameter.name.as_str(), "l" | "O" | "I") {
                self.ambiguous_name = true;
            }
        }
    }
    let Ok(parsed) = ruff_python_parser::parse_module(module) else {
        return Vec::new();
    };
    let mut found = Found::default();
    for stmt in &parsed.syntax().body {
        found.visit_stmt(stmt);
    }
    let mut codes = Vec::new();
    if found.lambda_assigned {
        codes.push("E731");
    }
    if found.ambiguous_name {
        codes.push("E741");
    }
    codes
}

// The plan's parts are separate values in `extract`; bundling them into a struct only for
// this call would add a type that means nothing else.
#[allow(clippy::too_many_arguments)]
pub(crate) fn render_main(
    modules: &[Module],
    prepared: &[Prepared],
    steps: &[Step],
    codes: &[StepCode],
    order: &[usize],
    options: &ExtractOptions,
    has_outputs: bool,
    (uses_figures, uses_pandas): (bool, bool),
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
    if uses_pandas {
        helpers.push("pandas_options".to_owned());
    }
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
    // Before any step imports pandas' users: the kernel's column limit.
    if uses_pandas {
        out.push_str("    pandas_options()\n");
        calls += 1;
    }
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
    // The pipeline hands on the cells' own names (`square, l = cell_2()`).
    let kept = kept_style_codes(&out);
    if !kept.is_empty()
        && let Some(docstring_end) = out.find("\"\"\"\n\n").map(|at| at + 4)
    {
        out.insert_str(
            docstring_end,
            &format!(
                "# The notebook's own names, kept as written.\n# ruff: noqa: {}\n\n",
                kept.join(", ")
            ),
        );
    }
    out
}

/// `from .module import a, b`, wrapped one name per line as ruff format does when it is
/// longer than 88 columns.
pub(crate) fn import_line(module: &str, names: &[&str]) -> String {
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

pub(crate) fn readme(
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

/// Whether an expression's text needs parentheses to be one argument of a call: a tuple
/// written without them (`a.shape, b.shape`), or text that does not parse as one expression
/// on its own (a continued line).
fn needs_parentheses(expression: &str) -> bool {
    match ruff_python_parser::parse_expression(expression.trim()) {
        Ok(parsed) => matches!(
            parsed.expr(),
            ruff_python_ast::Expr::Tuple(tuple) if !tuple.parenthesized
        ),
        Err(_) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_notebooks_own_style_is_named_in_the_noqa_header() {
        assert_eq!(
            kept_style_codes("def f():\n    g = lambda x: x\n"),
            ["E731"]
        );
        assert_eq!(kept_style_codes("for l in range(3):\n    pass\n"), ["E741"]);
        assert_eq!(kept_style_codes("def f(I):\n    return I\n"), ["E741"]);
        assert_eq!(
            kept_style_codes("l = [1]\nsquare = lambda x: x * x\n"),
            ["E731", "E741"]
        );
        // A lambda passed on, an attribute and a name that only reads `l`: nothing to keep.
        assert!(
            kept_style_codes("key = sorted(xs, key=lambda x: x)\nobj.f = lambda: 1\nprint(l)\n")
                .is_empty()
        );
    }

    #[test]
    fn result_classes() {
        assert_eq!(result_class("load_data"), "LoadDataResult");
    }

    #[test]
    fn py36_helpers_change_each_place_once() {
        for (from, to) in PY36_HELPERS {
            assert_eq!(NOTEBOOK_HELPERS.matches(from).count(), 1, "{from}");
            assert!(notebook_helpers(Target::Py36).contains(to), "{to}");
        }
        assert_eq!(notebook_helpers(Target::Modern), NOTEBOOK_HELPERS);
    }
}
