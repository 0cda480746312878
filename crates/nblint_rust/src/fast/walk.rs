//! The fast path's walk: `walker.rs` ported, function for function, to the fast tree. The
//! scope rules, the order names are visited in (syn's `Visit` order where the syn walker
//! relies on the default traversal), the mutation roots and the macro handling are the same;
//! only the tree differs. Name lookup, scopes, top-level lets, hoisted items and mutation
//! records are not ported but shared: both walks call [`crate::binder::Binder`]. A macro
//! body is parsed here, as the syn walker parses it, and a body the fast parser does not
//! understand declines the whole cell.

use nblint_facts::{CellFacts, Definition, DefinitionKind, MutationKind, Span};

use super::ast::{
    Attr, BinOp, Block, Expr, ExprKind, FnArg, Function, GenericArg, GenericParam, Ident, ImplItem,
    Item, Macro, Pat, Path, Stmt, Type, UseTree,
};
use super::lexer::{Kw, Token};
use super::parser::{Decline, Parser, R};
use crate::binder::Binder;
use crate::macros;
use crate::places;
use crate::walker::{
    UseStatement, crate_root_path, import_path, is_path_keyword, is_std_derive, push_import,
};

/// Walks one cell's statements and fills in its facts (see `walker::Walker`).
pub struct Walk<'w, 's> {
    source: &'s str,
    toks: &'w [Token],
    facts: &'w mut CellFacts,
    /// Scopes, top-level lets, hoisted items and crates: the lookup shared with syn's walk.
    binder: Binder<&'s str>,
    in_item: usize,
    in_nested_body: usize,
}

/// One argument of a format macro.
struct FormatArg<'s> {
    name: Option<Ident<'s>>,
    value: Expr<'s>,
}

impl<'w, 's> Walk<'w, 's> {
    /// A walk over a cell whose tokens are `toks`, filling `facts`.
    pub fn new(
        source: &'s str,
        toks: &'w [Token],
        facts: &'w mut CellFacts,
        crates: &'w [String],
    ) -> Self {
        Walk {
            source,
            toks,
            facts,
            binder: Binder::new(crates.to_vec()),
            in_item: 0,
            in_nested_body: 0,
        }
    }

    /// `Walker::walk_cell`.
    pub fn walk_cell(&mut self, stmts: &[Stmt<'s>]) -> R<()> {
        for stmt in stmts {
            if let Stmt::Item(item) = stmt {
                item_names(item, &mut |name, _| self.binder.hoist(name));
            }
        }
        for (index, stmt) in stmts.iter().enumerate() {
            let last = index + 1 == stmts.len();
            match stmt {
                Stmt::Local(pat, init) => {
                    if let Some(init) = init {
                        self.visit_expr(init)?;
                    }
                    self.bind(pat, true, false)?;
                }
                Stmt::Item(item) => {
                    self.define_item(item);
                    self.visit_item(item)?;
                }
                Stmt::Expr(expr, semi) => {
                    self.visit_expr(expr)?;
                    if last
                        && !semi
                        && !matches!(expr.kind, ExprKind::ForLoop(..) | ExprKind::While(..))
                    {
                        self.facts.trailing_expression = Some(expr.span);
                    }
                }
                Stmt::Empty => {}
            }
        }
        self.binder.finish(self.facts);
        Ok(())
    }

    // -----------------------------------------------------------------------------------------
    // Names.

    fn resolve(&mut self, ident: &Ident<'s>) {
        self.binder.resolve(self.facts, ident.name(), || ident.span);
    }

    /// `Walker::resolve_in_crate_root` (the fast path has no inline `mod`, so `self::` always
    /// names the crate root here).
    fn resolve_in_crate_root(&mut self, ident: &Ident<'s>) {
        self.binder
            .resolve_in_crate_root(self.facts, ident.name(), ident.span);
    }

    /// `Walker`'s lookup of a macro's own name (`Binder::resolve_macro`).
    fn resolve_macro(&mut self, ident: &Ident<'s>) {
        self.binder
            .resolve_macro(self.facts, ident.name(), ident.span);
    }

    fn bind_local(&mut self, name: &'s str) {
        self.binder.bind_local(name);
    }

    fn with_scope(&mut self, walk: impl FnOnce(&mut Self) -> R<()>) -> R<()> {
        self.binder.push_scope();
        walk(self)?;
        self.binder.pop_scope();
        Ok(())
    }

    /// `Walker::bind`.
    fn bind(&mut self, pat: &Pat<'s>, top: bool, refutable: bool) -> R<()> {
        match pat {
            Pat::Ident {
                ident,
                by_ref,
                mutable,
                subpat,
            } => {
                let name = ident.name();
                let plain = !by_ref && !mutable && subpat.is_none();
                if refutable && plain && name.starts_with(|c: char| c.is_uppercase()) {
                    self.resolve(ident);
                    return Ok(());
                }
                if let Some(subpat) = subpat {
                    self.bind(subpat, top, refutable)?;
                }
                if top {
                    self.binder
                        .define_top_let(self.facts, name, ident.span, *mutable);
                } else {
                    self.bind_local(name);
                }
            }
            Pat::Tuple(elems) | Pat::Slice(elems) => {
                for element in elems {
                    self.bind(element, top, refutable)?;
                }
            }
            Pat::TupleStruct(path, elems) => {
                self.visit_path(path)?;
                for element in elems {
                    self.bind(element, top, refutable)?;
                }
            }
            Pat::Struct(path, fields) => {
                self.visit_path(path)?;
                for (field, shorthand) in fields {
                    self.bind(field, top, refutable && !shorthand)?;
                }
            }
            Pat::Reference(inner) | Pat::Paren(inner) => self.bind(inner, top, refutable)?,
            Pat::Or(cases) => {
                for (index, case) in cases.iter().enumerate() {
                    if index == 0 || !top {
                        self.bind(case, top, refutable)?;
                    } else {
                        self.visit_pat(case)?;
                    }
                }
            }
            Pat::Type(inner, ty) => {
                self.visit_type(ty)?;
                self.bind(inner, top, refutable)?;
            }
            Pat::Guard(inner, guard) => {
                self.bind(inner, top, refutable)?;
                self.visit_expr(guard)?;
            }
            Pat::Path(path) => self.visit_path(path)?,
            Pat::Range(start, end) => self.visit_bounds(start.as_deref(), end.as_deref())?,
            Pat::Leaf => {}
        }
        Ok(())
    }

    /// syn's default `visit_pat` (with the walker's overrides for paths and expressions).
    fn visit_pat(&mut self, pat: &Pat<'s>) -> R<()> {
        match pat {
            Pat::Ident { subpat, .. } => {
                if let Some(subpat) = subpat {
                    self.visit_pat(subpat)?;
                }
            }
            Pat::Tuple(elems) | Pat::Slice(elems) | Pat::Or(elems) => {
                for element in elems {
                    self.visit_pat(element)?;
                }
            }
            Pat::TupleStruct(path, elems) => {
                self.visit_path(path)?;
                for element in elems {
                    self.visit_pat(element)?;
                }
            }
            Pat::Struct(path, fields) => {
                self.visit_path(path)?;
                for (field, _) in fields {
                    self.visit_pat(field)?;
                }
            }
            Pat::Reference(inner) | Pat::Paren(inner) => self.visit_pat(inner)?,
            Pat::Type(inner, ty) => {
                self.visit_pat(inner)?;
                self.visit_type(ty)?;
            }
            Pat::Guard(inner, guard) => {
                self.visit_pat(inner)?;
                self.visit_expr(guard)?;
            }
            Pat::Path(path) => self.visit_path(path)?,
            Pat::Range(start, end) => self.visit_bounds(start.as_deref(), end.as_deref())?,
            Pat::Leaf => {}
        }
        Ok(())
    }

    /// The bounds of a range, in a pattern or an expression.
    fn visit_bounds(&mut self, start: Option<&Expr<'s>>, end: Option<&Expr<'s>>) -> R<()> {
        for bound in [start, end].into_iter().flatten() {
            self.visit_expr(bound)?;
        }
        Ok(())
    }

    fn bind_generics(&mut self, generics: &[GenericParam<'s>]) {
        for param in generics {
            if let GenericParam::Type(ident, _) = param {
                self.bind_local(ident.name());
            }
        }
    }

    fn visit_generics(&mut self, generics: &[GenericParam<'s>]) -> R<()> {
        for param in generics {
            if let GenericParam::Type(_, bounds) = param {
                for bound in bounds {
                    self.visit_path(bound)?;
                }
            }
        }
        Ok(())
    }

    /// `Walker::walk_fn`.
    fn walk_fn(&mut self, function: &Function<'s>) -> R<()> {
        self.in_item += 1;
        self.in_nested_body += 1;
        self.with_scope(|walker| {
            walker.bind_generics(&function.generics);
            walker.visit_generics(&function.generics)?;
            for input in &function.inputs {
                if let FnArg::Typed(pat, ty) = input {
                    walker.visit_type(ty)?;
                    walker.bind(pat, false, false)?;
                }
            }
            if let Some(output) = &function.output {
                walker.visit_type(output)?;
            }
            walker.visit_block(&function.body)
        })?;
        self.in_item -= 1;
        self.in_nested_body -= 1;
        Ok(())
    }

    /// `Walker::in_item_scope`.
    fn in_item_scope(
        &mut self,
        generics: &[GenericParam<'s>],
        walk: impl FnOnce(&mut Self) -> R<()>,
    ) -> R<()> {
        self.in_item += 1;
        self.in_nested_body += 1;
        self.with_scope(|walker| {
            walker.bind_generics(generics);
            walk(walker)
        })?;
        self.in_item -= 1;
        self.in_nested_body -= 1;
        Ok(())
    }

    /// `Walker::walk_condition`.
    fn walk_condition(&mut self, condition: &Expr<'s>) -> R<()> {
        match &condition.kind {
            ExprKind::Let(pat, expr) => {
                self.visit_expr(expr)?;
                self.bind(pat, false, true)
            }
            ExprKind::Binary(left, BinOp::And, right) => {
                self.walk_condition(left)?;
                self.walk_condition(right)
            }
            _ => self.visit_expr(condition),
        }
    }

    // -----------------------------------------------------------------------------------------
    // Top-level items.

    /// `Walker::define_item`.
    fn define_item(&mut self, item: &Item<'s>) {
        match item {
            Item::Use {
                public,
                leading_colon,
                tree,
                span,
            } => {
                let statement = UseStatement::new(self.source, *span);
                let mut prefix = Vec::new();
                let leading = if *leading_colon { "::" } else { "" };
                self.define_use_tree(tree, leading, &mut prefix, statement, *public);
            }
            Item::ExternCrate {
                attrs,
                public,
                ident,
            } => {
                if attrs
                    .iter()
                    .any(|attr| matches!(attr, Attr::Other("macro_use")))
                {
                    self.facts.binds_unknown_names = true;
                }
                self.facts.defines.push(Definition {
                    public: *public,
                    ..Definition::new(ident.name(), DefinitionKind::Import, ident.span)
                });
            }
            _ => {
                let (ident, public, mutable) = match item {
                    Item::Fn(function) => (function.ident, function.public, false),
                    Item::Struct { ident, public, .. }
                    | Item::Enum { ident, public, .. }
                    | Item::Const { ident, public, .. } => (*ident, *public, false),
                    Item::Static {
                        ident,
                        public,
                        mutable,
                        ..
                    } => (*ident, *public, *mutable),
                    Item::Use { .. } | Item::Impl { .. } | Item::ExternCrate { .. } => return,
                };
                item_names(item, &mut |name, kind| {
                    self.facts.defines.push(Definition {
                        mutable,
                        public,
                        ..Definition::new(name, kind, ident.span)
                    });
                });
            }
        }
    }

    fn define_use_tree(
        &mut self,
        tree: &UseTree<'s>,
        leading: &str,
        prefix: &mut Vec<&'s str>,
        statement: UseStatement,
        public: bool,
    ) {
        let joined = |prefix: &[&str], last: Option<&str>| import_path(leading, prefix, last);
        match tree {
            UseTree::Path(ident, tree) => {
                prefix.push(ident.name());
                self.define_use_tree(tree, leading, prefix, statement, public);
                prefix.pop();
            }
            UseTree::Name(ident) => {
                let leaf = ident.name();
                let (path, binding) = if leaf == "self" {
                    (
                        joined(prefix, None),
                        prefix.last().map(|name| (*name).to_owned()),
                    )
                } else {
                    (joined(prefix, Some(leaf)), Some(leaf.to_owned()))
                };
                push_import(
                    self.facts, path, binding, false, ident.span, statement, public,
                );
            }
            UseTree::Rename(ident, rename, span) => {
                let leaf = ident.name();
                let path = if leaf == "self" {
                    joined(prefix, None)
                } else {
                    joined(prefix, Some(leaf))
                };
                let alias = rename.name();
                let binding = (alias != "_").then(|| alias.to_owned());
                push_import(self.facts, path, binding, false, *span, statement, public);
            }
            UseTree::Glob(span) => {
                self.facts.binds_unknown_names = true;
                push_import(
                    self.facts,
                    joined(prefix, None),
                    None,
                    true,
                    *span,
                    statement,
                    public,
                );
            }
            UseTree::Group(items) => {
                for tree in items {
                    self.define_use_tree(tree, leading, prefix, statement, public);
                }
            }
        }
    }

    // -----------------------------------------------------------------------------------------
    // Items, blocks, statements.

    fn visit_item(&mut self, item: &Item<'s>) -> R<()> {
        match item {
            Item::Fn(function) => {
                self.visit_attrs(&function.attrs)?;
                self.walk_fn(function)
            }
            Item::Struct {
                attrs,
                generics,
                fields,
                ..
            } => self.in_item_scope(generics, |walker| {
                walker.visit_attrs(attrs)?;
                walker.visit_generics(generics)?;
                walker.visit_fields(fields)
            }),
            Item::Enum {
                attrs,
                generics,
                variants,
                ..
            } => self.in_item_scope(generics, |walker| {
                walker.visit_attrs(attrs)?;
                walker.visit_generics(generics)?;
                for (attrs, fields, discriminant) in variants {
                    walker.visit_attrs(attrs)?;
                    walker.visit_fields(fields)?;
                    if let Some(discriminant) = discriminant {
                        walker.visit_expr(discriminant)?;
                    }
                }
                Ok(())
            }),
            Item::Use {
                leading_colon,
                tree,
                ..
            } => {
                if !leading_colon && let UseTree::Path(ident, rest) = tree {
                    if !is_path_keyword(ident.text) {
                        self.resolve(ident);
                    } else if crate_root_path(ident.text, false) {
                        let mut roots = Vec::new();
                        use_tree_roots(rest, &mut roots);
                        for root in &roots {
                            self.resolve_in_crate_root(root);
                        }
                    }
                }
                if self.binder.in_scope() {
                    let mut names = Vec::new();
                    use_tree_bindings(tree, None, &mut names);
                    for name in names {
                        self.bind_local(name);
                    }
                }
                Ok(())
            }
            Item::Const {
                attrs, ty, expr, ..
            } => self.in_item_scope(&[], |walker| {
                walker.visit_attrs(attrs)?;
                walker.visit_type(ty)?;
                walker.visit_expr(expr)
            }),
            Item::Static {
                attrs, ty, expr, ..
            } => {
                self.in_item += 1;
                self.visit_attrs(attrs)?;
                self.visit_type(ty)?;
                self.visit_expr(expr)?;
                self.in_item -= 1;
                Ok(())
            }
            Item::ExternCrate { attrs, .. } => self.visit_attrs(attrs),
            Item::Impl {
                attrs,
                trait_path,
                self_ty,
                items,
            } => self.in_item_scope(&[], |walker| {
                walker.visit_attrs(attrs)?;
                if let Some(path) = trait_path {
                    walker.visit_path(path)?;
                }
                walker.visit_type(self_ty)?;
                for item in items {
                    match item {
                        ImplItem::Fn(function) => {
                            walker.visit_attrs(&function.attrs)?;
                            walker.walk_fn(function)?;
                        }
                        ImplItem::Const(attrs, ty, expr) => {
                            walker.visit_attrs(attrs)?;
                            walker.visit_type(ty)?;
                            walker.visit_expr(expr)?;
                        }
                    }
                }
                Ok(())
            }),
        }
    }

    fn visit_fields(&mut self, fields: &super::ast::Fields<'s>) -> R<()> {
        for (attrs, ty) in fields {
            self.visit_attrs(attrs)?;
            self.visit_type(ty)?;
        }
        Ok(())
    }

    /// `Walker::visit_attribute`.
    fn visit_attrs(&mut self, attrs: &[Attr<'s>]) -> R<()> {
        for attr in attrs {
            if let Attr::Derive(paths) = attr {
                for path in paths {
                    if !path
                        .get_ident()
                        .is_some_and(|ident| is_std_derive(ident.text))
                    {
                        self.visit_path(path)?;
                    }
                }
            }
        }
        Ok(())
    }

    fn visit_block(&mut self, block: &Block<'s>) -> R<()> {
        self.block_stmts(&block.stmts)
    }

    fn block_stmts(&mut self, stmts: &[Stmt<'s>]) -> R<()> {
        self.with_scope(|walker| {
            for stmt in stmts {
                if let Stmt::Item(item) = stmt {
                    item_names(item, &mut |name, _| walker.bind_local(name));
                }
            }
            for stmt in stmts {
                match stmt {
                    Stmt::Local(pat, init) => {
                        if let Some(init) = init {
                            walker.visit_expr(init)?;
                        }
                        walker.bind(pat, false, false)?;
                    }
                    Stmt::Item(item) => walker.visit_item(item)?,
                    Stmt::Expr(expr, _) => walker.visit_expr(expr)?,
                    Stmt::Empty => {}
                }
            }
            Ok(())
        })
    }

    fn visit_path(&mut self, path: &Path<'s>) -> R<()> {
        if !path.leading_colon {
            let root = path.first.ident.text;
            if !is_path_keyword(root) {
                self.resolve(&path.first.ident);
            } else if crate_root_path(root, false)
                && let Some(second) = path.rest.first()
            {
                self.resolve_in_crate_root(&second.ident);
            }
        }
        for segment in path.segments() {
            if let Some(args) = &segment.args {
                for arg in &**args {
                    self.visit_generic_arg(arg)?;
                }
            }
        }
        Ok(())
    }

    fn visit_generic_arg(&mut self, arg: &GenericArg<'s>) -> R<()> {
        match arg {
            GenericArg::Lifetime => Ok(()),
            GenericArg::Type(ty) | GenericArg::AssocType(ty) => self.visit_type(ty),
        }
    }

    fn visit_type(&mut self, ty: &Type<'s>) -> R<()> {
        match ty {
            Type::Path(path) => self.visit_path(path)?,
            Type::Reference(elem) | Type::Slice(elem) | Type::Paren(elem) => {
                self.visit_type(elem)?;
            }
            Type::Array(elem, len) => {
                self.visit_type(elem)?;
                self.visit_expr(len)?;
            }
            Type::Tuple(elems) => {
                for elem in elems {
                    self.visit_type(elem)?;
                }
            }
            Type::Leaf => {}
        }
        Ok(())
    }

    // -----------------------------------------------------------------------------------------
    // Expressions.

    fn visit_expr(&mut self, expr: &Expr<'s>) -> R<()> {
        match &expr.kind {
            ExprKind::Lit { .. } | ExprKind::Continue | ExprKind::Infer => {}
            ExprKind::Path(path) => self.visit_path(path)?,
            ExprKind::Call(func, args) => {
                self.visit_expr(func)?;
                for arg in args {
                    self.visit_expr(arg)?;
                }
            }
            ExprKind::MethodCall {
                receiver,
                method,
                turbofish,
                args,
            } => {
                let name = method.name();
                if places::is_mutating_method(name) {
                    self.record_mutation(
                        receiver,
                        MutationKind::MethodCall {
                            method: name.to_owned(),
                        },
                        expr.span,
                    );
                }
                self.visit_expr(receiver)?;
                if let Some(turbofish) = turbofish {
                    for arg in &**turbofish {
                        self.visit_generic_arg(arg)?;
                    }
                }
                for arg in args {
                    self.visit_expr(arg)?;
                }
            }
            ExprKind::Field(base) | ExprKind::Paren(base) => self.visit_expr(base)?,
            ExprKind::Index(base, index) => {
                self.visit_expr(base)?;
                self.visit_expr(index)?;
            }
            ExprKind::Try(inner) => {
                if self.in_nested_body == 0 {
                    self.facts.uses_question_mark = true;
                }
                self.visit_expr(inner)?;
            }
            ExprKind::Await(inner) => {
                if self.in_nested_body == 0 {
                    self.facts.uses_await = true;
                }
                self.visit_expr(inner)?;
            }
            ExprKind::Unary { expr: inner, .. } => self.visit_expr(inner)?,
            ExprKind::Reference {
                mutable,
                expr: inner,
            } => {
                if *mutable {
                    self.record_mutation(inner, MutationKind::MutableBorrow, expr.span);
                }
                self.visit_expr(inner)?;
            }
            ExprKind::Binary(left, op, right) => {
                if *op == BinOp::Compound {
                    self.record_mutation(left, MutationKind::CompoundAssign, expr.span);
                }
                self.visit_expr(left)?;
                self.visit_expr(right)?;
            }
            ExprKind::Assign(left, right) => {
                self.record_mutation(left, MutationKind::Assign, expr.span);
                self.visit_expr(left)?;
                self.visit_expr(right)?;
            }
            ExprKind::Cast(inner, ty) => {
                self.visit_expr(inner)?;
                self.visit_type(ty)?;
            }
            ExprKind::Range(start, end) => self.visit_bounds(start.as_deref(), end.as_deref())?,
            ExprKind::Closure {
                inputs,
                output,
                body,
            } => {
                self.in_nested_body += 1;
                self.with_scope(|walker| {
                    for input in inputs {
                        walker.bind(input, false, false)?;
                    }
                    if let Some(output) = output {
                        walker.visit_type(output)?;
                    }
                    walker.visit_expr(body)
                })?;
                self.in_nested_body -= 1;
            }
            ExprKind::Block(block) | ExprKind::Loop(block) => self.visit_block(block)?,
            ExprKind::If {
                cond,
                then,
                otherwise,
            } => {
                self.with_scope(|walker| {
                    walker.walk_condition(cond)?;
                    walker.visit_block(then)
                })?;
                if let Some(otherwise) = otherwise {
                    self.visit_expr(otherwise)?;
                }
            }
            ExprKind::Let(pat, inner) => {
                self.visit_expr(inner)?;
                self.bind(pat, false, true)?;
            }
            ExprKind::While(cond, body) => self.with_scope(|walker| {
                walker.walk_condition(cond)?;
                walker.visit_block(body)
            })?,
            ExprKind::ForLoop(pat, iterated, body) => {
                self.visit_expr(iterated)?;
                self.with_scope(|walker| {
                    walker.bind(pat, false, false)?;
                    walker.visit_block(body)
                })?;
            }
            ExprKind::Match(scrutinee, arms) => {
                self.visit_expr(scrutinee)?;
                for (pat, body) in arms {
                    self.with_scope(|walker| {
                        walker.bind(pat, false, true)?;
                        walker.visit_expr(body)
                    })?;
                }
            }
            ExprKind::Macro(mac) => self.walk_macro(mac)?,
            ExprKind::Struct(literal) => {
                self.visit_path(&literal.path)?;
                for field in &literal.fields {
                    self.visit_expr(field)?;
                }
                if let Some(rest) = &literal.rest {
                    self.visit_expr(rest)?;
                }
            }
            ExprKind::Tuple(elems) => {
                for elem in elems {
                    self.visit_expr(elem)?;
                }
            }
            ExprKind::Repeat(value, len) => {
                self.visit_expr(value)?;
                self.visit_expr(len)?;
            }
            ExprKind::Jump(value) => {
                if let Some(value) = value {
                    self.visit_expr(value)?;
                }
            }
        }
        Ok(())
    }

    // -----------------------------------------------------------------------------------------
    // Macros.

    fn body_parser(&self, mac: &Macro) -> Parser<'w, 's> {
        Parser::new(self.source, self.toks, mac.body, mac.depth)
    }

    /// `Walker::walk_macro`.
    fn walk_macro(&mut self, mac: &Macro<'s>) -> R<()> {
        // `df![..]`: a macro's own name is looked up among macros and imports only.
        if !mac.path.leading_colon && mac.path.rest.is_empty() {
            self.resolve_macro(&mac.path.first.ident);
        } else {
            self.visit_path(&mac.path)?;
        }
        let name = mac.path.last().ident.text;
        match name {
            "cfg" | "stringify" | "concat_idents" | "include" | "include_str" | "include_bytes"
            | "env" | "option_env" | "compile_error" | "line" | "column" | "file"
            | "module_path" => Ok(()),
            // Their statics bind names (`Walker::walk_static_declarations`): the syn path's.
            "macro_rules" | "thread_local" | "lazy_static" => Err(Decline),
            "matches" | "assert_matches" | "debug_assert_matches" => self.walk_matches(mac),
            _ if macros::is_format_macro(name) => {
                let args = self.format_args(mac)?;
                self.walk_format_args(&args)
            }
            _ => self.walk_macro_body(mac),
        }
    }

    /// `Walker::walk_matches`: `matches!(expr, pattern if guard, rest..)`.
    fn walk_matches(&mut self, mac: &Macro<'s>) -> R<()> {
        let mut parser = self.body_parser(mac);
        let scrutinee = parser.expr()?;
        if !parser.eat_separator(b',') {
            return Err(Decline);
        }
        let pattern = parser.pat_multi(true, false)?;
        let guard = if parser.eat_keyword(Kw::If) {
            Some(parser.expr()?)
        } else {
            None
        };
        let rest = if parser.eat_separator(b',') {
            parser.terminated_exprs()?
        } else {
            Vec::new()
        };
        if !parser.is_empty() {
            return Err(Decline);
        }
        self.visit_expr(&scrutinee)?;
        self.with_scope(|walker| {
            walker.bind(&pattern, false, true)?;
            if let Some(guard) = &guard {
                walker.visit_expr(guard)?;
            }
            Ok(())
        })?;
        for expr in &rest {
            self.visit_expr(expr)?;
        }
        Ok(())
    }

    /// `macros::parse_format_args`, where its outcome is certain.
    fn format_args(&self, mac: &Macro<'s>) -> R<Vec<FormatArg<'s>>> {
        let mut parser = self.body_parser(mac);
        let mut args = Vec::new();
        while !parser.is_empty() {
            let arg = match parser.named_arg_start() {
                Some(name) => {
                    // syn's fork parses `name = value` and needs `,` or the end after it; we
                    // decline when it would fail there (syn would then read `name = value` as
                    // an assignment expression, or give up on the macro).
                    let value = parser.expr()?;
                    if !(parser.is_empty() || parser.at(b',')) {
                        return Err(Decline);
                    }
                    FormatArg {
                        name: Some(name),
                        value,
                    }
                }
                None => FormatArg {
                    name: None,
                    value: parser.expr()?,
                },
            };
            args.push(arg);
            if parser.is_empty() {
                break;
            }
            if !parser.eat_separator(b',') {
                return Err(Decline);
            }
        }
        Ok(args)
    }

    /// `Walker::walk_format_args`.
    fn walk_format_args(&mut self, args: &[FormatArg<'s>]) -> R<()> {
        let named: Vec<&str> = args
            .iter()
            .filter_map(|arg| arg.name.as_ref().map(Ident::name))
            .collect();
        let mut format_string_seen = false;
        for arg in args {
            if !format_string_seen
                && arg.name.is_none()
                && let ExprKind::Lit { string: true } = arg.value.kind
            {
                format_string_seen = true;
                let literal = arg.value.span;
                let source = self.source;
                macros::for_each_capture(&source[literal.start..literal.end], |range| {
                    let start = literal.start + range.start;
                    let name = &source[start..start + range.len()];
                    if !named.contains(&name) {
                        let span = Span::new(start, start + range.len());
                        self.binder.resolve(self.facts, name, || span);
                    }
                });
                continue;
            }
            self.visit_expr(&arg.value)?;
        }
        Ok(())
    }

    /// `Walker::walk_macro_body`: comma-separated expressions or `value; count`; anything else
    /// (statements, unparsed tokens) declines.
    fn walk_macro_body(&mut self, mac: &Macro<'s>) -> R<()> {
        let mut parser = self.body_parser(mac);
        if parser.is_empty() {
            return Ok(());
        }
        let first = parser.expr()?;
        if parser.is_empty() || parser.at(b',') {
            let mut args = vec![first];
            while !parser.is_empty() {
                if !parser.eat_separator(b',') {
                    return Err(Decline);
                }
                if parser.is_empty() {
                    break;
                }
                args.push(parser.expr()?);
            }
            for arg in &args {
                match &arg.kind {
                    ExprKind::Assign(_, right) => self.visit_expr(right)?,
                    _ => self.visit_expr(arg)?,
                }
            }
            return Ok(());
        }
        if parser.at(b';') {
            parser.eat_separator(b';');
            let count = parser.expr()?;
            if !parser.is_empty() {
                return Err(Decline);
            }
            self.visit_expr(&first)?;
            return self.visit_expr(&count);
        }
        Err(Decline)
    }

    // -----------------------------------------------------------------------------------------
    // Mutations.

    fn record_mutation(&mut self, place: &Expr<'s>, kind: MutationKind, evidence: Span) {
        if self.in_item > 0 {
            return;
        }
        let root = match kind {
            MutationKind::MethodCall { .. } | MutationKind::MutableBorrow => borrowed_root(place),
            MutationKind::Assign | MutationKind::CompoundAssign => assigned_root(place),
        };
        let Some(root) = root else {
            return;
        };
        self.binder
            .record_mutation(self.facts, root.name(), kind, evidence);
    }
}

/// `places::assigned_root` over the fast tree.
fn assigned_root<'e, 's>(place: &'e Expr<'s>) -> Option<&'e Ident<'s>> {
    let mut place = place;
    loop {
        place = match &place.kind {
            ExprKind::Field(base) | ExprKind::Index(base, _) | ExprKind::Paren(base) => base,
            ExprKind::Unary { deref: true, expr } => expr,
            ExprKind::MethodCall { receiver, .. } => receiver,
            ExprKind::Path(path) => return path.get_ident(),
            _ => return None,
        };
    }
}

/// `places::borrowed_root` over the fast tree.
fn borrowed_root<'e, 's>(place: &'e Expr<'s>) -> Option<&'e Ident<'s>> {
    let mut place = place;
    loop {
        place = match &place.kind {
            ExprKind::Field(base) | ExprKind::Index(base, _) | ExprKind::Paren(base) => base,
            ExprKind::Path(path) => return path.get_ident(),
            _ => return None,
        };
    }
}

/// `walker::item_names`: the names an item binds, with their kinds.
fn item_names<'s>(item: &Item<'s>, found: &mut impl FnMut(&'s str, DefinitionKind)) {
    match item {
        Item::Fn(function) => found(function.ident.name(), DefinitionKind::Function),
        Item::Struct { ident, .. } | Item::Enum { ident, .. } => {
            found(ident.name(), DefinitionKind::Type);
        }
        Item::Const { ident, .. } => {
            if ident.text != "_" {
                found(ident.name(), DefinitionKind::Constant);
            }
        }
        Item::Static { ident, .. } => found(ident.name(), DefinitionKind::Constant),
        Item::Use { tree, .. } => {
            let mut names = Vec::new();
            use_tree_bindings(tree, None, &mut names);
            for name in names {
                found(name, DefinitionKind::Import);
            }
        }
        Item::ExternCrate { ident, .. } => found(ident.name(), DefinitionKind::Import),
        Item::Impl { .. } => {}
    }
}

/// `walker::use_tree_roots`.
fn use_tree_roots<'t, 's>(tree: &'t UseTree<'s>, roots: &mut Vec<&'t Ident<'s>>) {
    match tree {
        UseTree::Path(ident, _) => roots.push(ident),
        UseTree::Name(ident) | UseTree::Rename(ident, _, _) if ident.text != "self" => {
            roots.push(ident);
        }
        UseTree::Group(items) => {
            for tree in items {
                use_tree_roots(tree, roots);
            }
        }
        _ => {}
    }
}

/// `walker::use_tree_bindings`.
fn use_tree_bindings<'s>(tree: &UseTree<'s>, parent: Option<&'s str>, names: &mut Vec<&'s str>) {
    match tree {
        UseTree::Path(ident, tree) => use_tree_bindings(tree, Some(ident.name()), names),
        UseTree::Name(ident) => {
            let leaf = ident.name();
            if leaf == "self" {
                names.extend(parent);
            } else {
                names.push(leaf);
            }
        }
        UseTree::Rename(_, rename, _) => {
            let alias = rename.name();
            if alias != "_" {
                names.push(alias);
            }
        }
        UseTree::Glob(_) => {}
        UseTree::Group(items) => {
            for tree in items {
                use_tree_bindings(tree, parent, names);
            }
        }
    }
}
