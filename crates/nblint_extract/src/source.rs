//! One code cell split the way the evcxr kernel splits it: the leading block of commands, then
//! the Rust part read as a function body, whose `use` lines, `extern crate`s, items and
//! `macro_rules!` are hoisted, whose statements stay in the cell, and whose last expression (if
//! it has no `;`) is the trailing expression the kernel displays.

use std::collections::{HashMap, HashSet};

use syn::parse::{ParseStream, Parser};
use syn::visit::Visit;
use syn::{Attribute, Block, Expr, Item, ItemExternCrate, ItemUse, Pat, Stmt, Type};

/// The Rust part of one cell, split.
#[derive(Debug, Clone, Default)]
pub struct CellCode {
    /// `#![...]` attributes: crate-level in evcxr.
    pub inner_attrs: Vec<Attribute>,
    /// The cell's lint levels (`#![allow(..)]`, `warn`, `deny`, `forbid`, `expect`), as outer
    /// attributes: they stay on the cell's own function and items instead of silencing the
    /// whole crate.
    pub lint_attrs: Vec<Attribute>,
    /// `use` items, hoisted to the crate root.
    pub uses: Vec<ItemUse>,
    /// `extern crate` items, hoisted to the crate root.
    pub externs: Vec<ItemExternCrate>,
    /// `macro_rules!` definitions, hoisted to the crate root (before the modules).
    pub macros: Vec<syn::ItemMacro>,
    /// Other items (`fn`, `struct`, `impl`, `const`, ...), placed in the cell's module.
    pub items: Vec<Item>,
    /// The statements that run, in order (the trailing expression left out).
    pub stmts: Vec<Stmt>,
    /// The last expression, when it has no `;`: the kernel displays its value.
    pub trailing: Option<Expr>,
    /// The text of the first `//` comment of the Rust part, if any (names the step).
    pub first_comment: Option<String>,
    /// Types written on top-level `let name: Type` bindings (only complete types, no `_`).
    pub annotations: HashMap<String, Type>,
    /// Names the cell visibly consumes (`x.into_iter()`, `x.unwrap()`, `for _ in x`,
    /// `let y = x;`): a reference would compile but mean something else.
    pub consumed: HashSet<String>,
}

impl CellCode {
    /// Whether the cell has code that runs (statements or a trailing expression).
    pub fn runs_code(&self) -> bool {
        !self.stmts.is_empty() || self.trailing.is_some()
    }
}

/// The byte offset where the Rust part of `source` starts: after the last command line of the
/// leading block (comments and blank lines before the Rust are Rust comments anyway).
pub fn rust_start(facts: &nblint_facts::CellFacts) -> usize {
    let commands = facts.commands.iter().map(|command| command.span.end);
    let dependencies = facts.dependencies.iter().map(|dep| dep.span.end);
    commands.chain(dependencies).max().unwrap_or(0)
}

/// Splits the Rust part of a cell. `Err` carries the parser's message.
pub fn split(rust: &str) -> Result<CellCode, String> {
    let mut parsed = parse_cell
        .parse_str(rust)
        .map_err(|error| error.to_string());
    if parsed.is_err()
        // Rust 2018, which older kernels ran, accepted bare closure-trait objects
        // (`Box<Fn(i32) -> i32>`); the crate is written in a newer edition, so they get `dyn`.
        && let Ok(tokens) = rust.parse::<proc_macro2::TokenStream>()
        && let Some(with_dyn) = nblint_rust::with_dyn(tokens)
        && let Ok(reparsed) = parse_cell.parse2(with_dyn)
    {
        parsed = Ok(reparsed);
    }
    proc_macro2::extra::invalidate_current_thread_spans();
    let (inner_attrs, stmts) = parsed?;
    let mut code = CellCode {
        inner_attrs,
        first_comment: first_comment(rust),
        ..CellCode::default()
    };
    let count = stmts.len();
    for (index, stmt) in stmts.into_iter().enumerate() {
        let last = index + 1 == count;
        match stmt {
            Stmt::Item(Item::Use(mut item)) => {
                item.vis = syn::Visibility::Inherited;
                code.uses.push(item);
            }
            Stmt::Item(Item::ExternCrate(item)) => code.externs.push(item),
            Stmt::Item(Item::Macro(item)) if item.ident.is_some() => code.macros.push(item),
            Stmt::Item(Item::Macro(item)) => code.stmts.push(Stmt::Macro(syn::StmtMacro {
                attrs: item.attrs,
                mac: item.mac,
                semi_token: item.semi_token,
            })),
            Stmt::Item(item) => code.items.push(item),
            Stmt::Expr(expr, None) if last => code.trailing = Some(expr),
            Stmt::Macro(mac) if last && mac.semi_token.is_none() => {
                code.trailing = Some(Expr::Macro(syn::ExprMacro {
                    attrs: mac.attrs,
                    mac: mac.mac,
                }));
            }
            Stmt::Local(local) => {
                if let Pat::Type(typed) = &local.pat
                    && let Pat::Ident(ident) = &*typed.pat
                    && is_complete(&typed.ty)
                {
                    code.annotations
                        .insert(ident.ident.to_string(), (*typed.ty).clone());
                }
                code.stmts.push(Stmt::Local(local));
            }
            other => code.stmts.push(other),
        }
    }
    let mut consumed = Consumed::default();
    for stmt in &code.stmts {
        consumed.visit_stmt(stmt);
    }
    if let Some(expr) = &code.trailing {
        consumed.visit_expr(expr);
    }
    code.consumed = consumed.0;
    Ok(code)
}

/// Finds values consumed by name.
#[derive(Default)]
struct Consumed(HashSet<String>);

impl Consumed {
    fn note(&mut self, expr: &Expr) {
        if let Expr::Path(path) = expr
            && let Some(name) = path.path.get_ident()
        {
            self.0.insert(name.to_string());
        }
    }
}

impl<'ast> Visit<'ast> for Consumed {
    fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
        let method = call.method.to_string();
        if method.starts_with("into_")
            || matches!(
                method.as_str(),
                "into" | "unwrap" | "expect" | "unwrap_or" | "unwrap_or_default" | "unwrap_or_else"
            )
        {
            self.note(&call.receiver);
        }
        syn::visit::visit_expr_method_call(self, call);
    }

    fn visit_expr_for_loop(&mut self, for_loop: &'ast syn::ExprForLoop) {
        self.note(&for_loop.expr);
        syn::visit::visit_expr_for_loop(self, for_loop);
    }

    fn visit_local(&mut self, local: &'ast syn::Local) {
        if let Some(init) = &local.init {
            self.note(&init.expr);
        }
        syn::visit::visit_local(self, local);
    }

    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}

    fn visit_item(&mut self, _: &'ast Item) {}
}

/// The Rust part as evcxr reads it: inner attributes, then a function body.
fn parse_cell(input: ParseStream) -> syn::Result<(Vec<Attribute>, Vec<Stmt>)> {
    let inner = Attribute::parse_inner(input)?;
    let stmts = Block::parse_within(input)?;
    Ok((inner, stmts))
}

/// The first `//` comment line's text (not a doc comment, not a `nblint:` directive).
fn first_comment(rust: &str) -> Option<String> {
    let line = rust.lines().map(str::trim).find(|line| !line.is_empty())?;
    let text = line.strip_prefix("//")?;
    if text.starts_with(['/', '!']) {
        return None;
    }
    let text = text.trim();
    (!text.is_empty() && !text.starts_with("nblint:")).then(|| text.to_owned())
}

/// Whether a type is written out completely (no `_` for the compiler to fill in).
pub fn is_complete(ty: &Type) -> bool {
    struct Holes(bool);
    impl<'ast> Visit<'ast> for Holes {
        fn visit_type_infer(&mut self, _: &'ast syn::TypeInfer) {
            self.0 = true;
        }
        fn visit_type_impl_trait(&mut self, _: &'ast syn::TypeImplTrait) {
            self.0 = true;
        }
        fn visit_lifetime(&mut self, lifetime: &'ast syn::Lifetime) {
            if lifetime.ident != "static" {
                self.0 = true;
            }
        }
    }
    let mut holes = Holes(false);
    holes.visit_type(ty);
    !holes.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_the_kernel() {
        let code = split(
            "// Load the data\nuse std::fmt;\nfn f() {}\nmacro_rules! m { () => {} }\n\
             let v: Vec<i32> = vec![1];\nlet w: Vec<_> = v.clone();\nprintln!(\"{v:?}\");\nv.len()",
        )
        .unwrap();
        assert_eq!(code.uses.len(), 1);
        assert_eq!(code.items.len(), 1);
        assert_eq!(code.macros.len(), 1);
        assert_eq!(code.stmts.len(), 3);
        assert!(code.trailing.is_some());
        assert_eq!(code.first_comment.as_deref(), Some("Load the data"));
        assert!(code.annotations.contains_key("v"));
        assert!(!code.annotations.contains_key("w"));
    }

    #[test]
    fn trailing_macro_without_semicolon_is_displayed() {
        let code = split("println!(\"x\")").unwrap();
        assert!(code.trailing.is_some());
        assert!(code.stmts.is_empty());
    }
}
