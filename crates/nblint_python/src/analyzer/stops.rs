//! Cells that stop part way: a module-level function whose body raises before it can return
//! (an exercise's stub, `raise NotImplementedError("Student exercise: ..")`, above the code
//! the student completes) fails wherever it is called, so a top-level statement of its cell
//! that calls it stops the cell there, and no binding from that statement on is made.

use std::collections::HashSet;

use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{self as ast, Expr, Stmt};

/// Whether calling `function` always raises: a statement of its body's top level raises
/// before any `return`, and nothing before it (a nested block) may return; not a generator,
/// whose body runs only when it is iterated.
pub(super) fn always_raises(function: &ast::StmtFunctionDef) -> bool {
    if function.is_async || yields(&function.body) {
        return false;
    }
    for statement in &function.body {
        match statement {
            Stmt::Raise(_) => return true,
            Stmt::Return(_) => return false,
            other
                if contains(std::slice::from_ref(other), |inner| {
                    matches!(inner, Stmt::Return(_))
                }) =>
            {
                return false;
            }
            _ => {}
        }
    }
    false
}

/// Whether the top-level `statement` calls one of `raising` (by its plain name) where it runs,
/// not in a function or lambda it defines.
pub(super) fn calls_one_of(statement: &Stmt, raising: &HashSet<String>) -> bool {
    if raising.is_empty()
        || matches!(
            statement,
            Stmt::FunctionDef(_) | Stmt::ClassDef(_) | Stmt::Import(_) | Stmt::ImportFrom(_)
        )
    {
        return false;
    }
    let mut calls = Calls {
        raising,
        found: false,
    };
    calls.visit_stmt(statement);
    calls.found
}

/// Finds a call of one of `raising` by its plain name outside nested functions and lambdas.
struct Calls<'a> {
    raising: &'a HashSet<String>,
    found: bool,
}
impl<'ast> Visitor<'ast> for Calls<'_> {
    fn visit_stmt(&mut self, statement: &'ast Stmt) {
        if !matches!(statement, Stmt::FunctionDef(_) | Stmt::ClassDef(_)) && !self.found {
            visitor::walk_stmt(self, statement);
        }
    }
    fn visit_expr(&mut self, expression: &'ast Expr) {
        if self.found || matches!(expression, Expr::Lambda(_)) {
            return;
        }
        if let Expr::Call(call) = expression
            && let Expr::Name(name) = &*call.func
            && self.raising.contains(name.id.as_str())
        {
            self.found = true;
            return;
        }
        visitor::walk_expr(self, expression);
    }
}

/// Whether a statement of `body`, at any depth (nested functions left out), matches `test`.
fn contains(body: &[Stmt], test: fn(&Stmt) -> bool) -> bool {
    struct Finds {
        test: fn(&Stmt) -> bool,
        found: bool,
    }
    impl<'ast> Visitor<'ast> for Finds {
        fn visit_stmt(&mut self, statement: &'ast Stmt) {
            if self.found || matches!(statement, Stmt::FunctionDef(_) | Stmt::ClassDef(_)) {
                return;
            }
            if (self.test)(statement) {
                self.found = true;
                return;
            }
            visitor::walk_stmt(self, statement);
        }
    }
    let mut finds = Finds { test, found: false };
    for statement in body {
        finds.visit_stmt(statement);
    }
    finds.found
}

/// Whether `body` yields anywhere (nested functions left out): a generator's.
fn yields(body: &[Stmt]) -> bool {
    struct Yields(bool);
    impl<'ast> Visitor<'ast> for Yields {
        fn visit_stmt(&mut self, statement: &'ast Stmt) {
            if !self.0 && !matches!(statement, Stmt::FunctionDef(_) | Stmt::ClassDef(_)) {
                visitor::walk_stmt(self, statement);
            }
        }
        fn visit_expr(&mut self, expression: &'ast Expr) {
            if matches!(
                expression,
                Expr::Yield(_) | Expr::YieldFrom(_) | Expr::Await(_)
            ) {
                self.0 = true;
            }
            if !self.0 && !matches!(expression, Expr::Lambda(_)) {
                visitor::walk_expr(self, expression);
            }
        }
    }
    let mut yields = Yields(false);
    for statement in body {
        yields.visit_stmt(statement);
    }
    yields.0
}
