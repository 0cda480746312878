//! The scope-aware walk over a cell's Rust part: which names the cell binds at top level,
//! which free names it reads, and which values from other cells it changes.
//!
//! Scopes follow Rust: items and `use` leaves are visible in their whole block (and, at top
//! level, in the whole cell); a `let` is visible after its statement; closure and fn
//! parameters, `match`/`if let`/`while let`/`for` patterns and generic parameters are local
//! to their construct. A name is a *use* when no enclosing scope and no earlier top-level
//! binding of the cell binds it: it must then come from another cell, an import, a `:dep`
//! crate or the prelude. The lookup itself lives in [`crate::binder`], shared with the fast
//! path's walk.

use nblint_facts::{CellFacts, Definition, DefinitionKind, Import, MutationKind, Span};
use proc_macro2::{Ident, TokenStream, TokenTree};
use syn::ext::IdentExt;
use syn::parse::ParseStream;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::visit::{self, Visit};
use syn::{
    Attribute, Block, Expr, FnArg, GenericParam, Generics, Item, Macro, Pat, Path, Signature, Stmt,
    Token, UseTree, Visibility,
};

use crate::binder::Binder;
use crate::macros;
use crate::places;

/// Walks one cell's statements and fills in its facts.
pub struct Walker<'a> {
    /// The whole cell source (spans are relative to it).
    source: &'a str,
    /// Where the Rust part starts in `source`; syn's byte ranges are relative to that.
    offset: usize,
    /// The facts being built.
    pub facts: &'a mut CellFacts,
    /// Scopes, top-level lets, hoisted items and crates: the lookup shared with the fast path.
    binder: Binder<String>,
    /// Inside an item's body (`fn`, `impl`, `mod`): the cell's variables are out of reach, so
    /// no mutation of them can happen there.
    in_item: usize,
    /// Inside a closure, `async` block or item: `?` and `.await` there are not top level.
    in_nested_body: usize,
    /// Inside an inline `mod`: `self::` there names the module, not the crate root.
    in_mod: usize,
}

impl<'a> Walker<'a> {
    /// A walker over a cell whose Rust part starts at `offset` in `source`.
    pub fn new(source: &'a str, offset: usize, facts: &'a mut CellFacts) -> Self {
        Self {
            source,
            offset,
            facts,
            binder: Binder::new(Vec::new()),
            in_item: 0,
            in_nested_body: 0,
            in_mod: 0,
        }
    }

    /// The cell-relative span of a syn span.
    pub fn span(&self, span: proc_macro2::Span) -> Span {
        let range = span.byte_range();
        Span::new(self.offset + range.start, self.offset + range.end)
    }

    /// Walks the cell's top-level statements; `crates` are in scope (declared by the cell's
    /// `:dep` lines).
    pub fn walk_cell(&mut self, stmts: &[Stmt], crates: Vec<String>) {
        self.binder = Binder::new(crates);
        for stmt in stmts {
            if let Stmt::Item(item) = stmt {
                for (name, _) in item_names(item) {
                    self.binder.hoist(name);
                }
            }
        }
        for (index, stmt) in stmts.iter().enumerate() {
            let last = index + 1 == stmts.len();
            match stmt {
                Stmt::Local(local) => {
                    for attr in &local.attrs {
                        self.visit_attribute(attr);
                    }
                    if let Some(init) = &local.init {
                        self.visit_expr(&init.expr);
                        if let Some((_, diverge)) = &init.diverge {
                            self.visit_expr(diverge);
                        }
                    }
                    self.bind_pattern(&local.pat, true);
                }
                Stmt::Item(item) => {
                    self.define_item(item);
                    self.visit_item(item);
                }
                Stmt::Expr(expr, semi) => {
                    self.visit_expr(expr);
                    if last && semi.is_none() && !matches!(expr, Expr::ForLoop(_) | Expr::While(_))
                    {
                        self.facts.trailing_expression = Some(self.span(expr.span()));
                    }
                }
                Stmt::Macro(stmt) => {
                    for attr in &stmt.attrs {
                        self.visit_attribute(attr);
                    }
                    self.walk_macro(&stmt.mac);
                    if last && stmt.semi_token.is_none() {
                        self.facts.trailing_expression = Some(self.span(stmt.mac.span()));
                    }
                }
            }
        }
        self.binder.finish(self.facts);
    }

    // -----------------------------------------------------------------------------------------
    // Names.

    /// Records a read of `ident` unless something in scope binds it.
    pub fn resolve(&mut self, ident: &Ident) {
        let name = ident.unraw().to_string();
        let (source_offset, span) = (self.offset, ident.span());
        self.binder.resolve(self.facts, &name, || {
            let range = span.byte_range();
            Span::new(source_offset + range.start, source_offset + range.end)
        });
    }

    /// Records a read of `ident` as a name at the crate root (`crate::ident`, `self::ident`
    /// outside a `mod`): local and top-level `let` bindings cannot be named there, so only the
    /// cell's items and `use` leaves bind it; otherwise it comes from another cell.
    fn resolve_in_crate_root(&mut self, ident: &Ident) {
        let name = ident.unraw().to_string();
        let span = self.span(ident.span());
        self.binder.resolve_in_crate_root(self.facts, &name, span);
    }

    fn bind_local(&mut self, name: String) {
        self.binder.bind_local(name);
    }

    fn with_scope(&mut self, walk: impl FnOnce(&mut Self)) {
        self.binder.push_scope();
        walk(self);
        self.binder.pop_scope();
    }

    /// Binds the names of an irrefutable pattern (`let`, parameters, `for`): as top-level
    /// variables of the cell when `top`, else in the innermost scope.
    fn bind_pattern(&mut self, pat: &Pat, top: bool) {
        self.bind(pat, top, false);
    }

    /// Binds the names of a refutable pattern (`match` arms, `if let`, `while let`), where a
    /// bare capitalised name (`None`, `Red`, `MAX`) is a unit variant or constant, by Rust's
    /// convention, not a new binding.
    fn bind_refutable_pattern(&mut self, pat: &Pat) {
        self.bind(pat, false, true);
    }

    /// Binds the names of `pat`. Paths, types and expressions inside the pattern are uses.
    fn bind(&mut self, pat: &Pat, top: bool, refutable: bool) {
        match pat {
            Pat::Ident(binding) => {
                let name = binding.ident.unraw().to_string();
                let plain = binding.by_ref.is_none()
                    && binding.mutability.is_none()
                    && binding.subpat.is_none();
                if refutable && plain && name.starts_with(|c: char| c.is_uppercase()) {
                    // `None`, `Red`, `MAX`: a unit variant or constant, by Rust's convention.
                    self.resolve(&binding.ident);
                    return;
                }
                if let Some((_, subpattern)) = &binding.subpat {
                    self.bind(subpattern, top, refutable);
                }
                if top {
                    let span = self.span(binding.ident.span());
                    let mutable = binding.mutability.is_some();
                    self.binder.define_top_let(self.facts, name, span, mutable);
                } else {
                    self.bind_local(name);
                }
            }
            Pat::Tuple(tuple) => {
                for element in &tuple.elems {
                    self.bind(element, top, refutable);
                }
            }
            Pat::TupleStruct(tuple) => {
                if let Some(qself) = &tuple.qself {
                    self.visit_type(&qself.ty);
                }
                self.visit_path(&tuple.path);
                for element in &tuple.elems {
                    self.bind(element, top, refutable);
                }
            }
            Pat::Struct(structure) => {
                if let Some(qself) = &structure.qself {
                    self.visit_type(&qself.ty);
                }
                self.visit_path(&structure.path);
                for field in &structure.fields {
                    // A shorthand field (`Point { x, .. }`) always binds its name.
                    let shorthand = field.colon_token.is_none();
                    self.bind(&field.pat, top, refutable && !shorthand);
                }
            }
            Pat::Slice(slice) => {
                for element in &slice.elems {
                    self.bind(element, top, refutable);
                }
            }
            Pat::Reference(reference) => self.bind(&reference.pat, top, refutable),
            Pat::Paren(paren) => self.bind(&paren.pat, top, refutable),
            Pat::Or(or) => {
                // Every alternative binds the same names; the first one says which.
                for (index, case) in or.cases.iter().enumerate() {
                    if index == 0 || !top {
                        self.bind(case, top, refutable);
                    } else {
                        visit::visit_pat(self, case);
                    }
                }
            }
            Pat::Type(typed) => {
                self.visit_type(&typed.ty);
                self.bind(&typed.pat, top, refutable);
            }
            Pat::Guard(guarded) => {
                self.bind(&guarded.pat, top, refutable);
                self.visit_expr(&guarded.guard);
            }
            Pat::Path(path) => self.visit_expr_path(path),
            Pat::Macro(mac) => self.walk_macro(&mac.mac),
            Pat::Lit(_) | Pat::Range(_) | Pat::Const(_) => visit::visit_pat(self, pat),
            _ => {}
        }
    }

    fn bind_generics(&mut self, generics: &Generics) {
        for param in &generics.params {
            match param {
                GenericParam::Type(param) => self.bind_local(param.ident.unraw().to_string()),
                GenericParam::Const(param) => self.bind_local(param.ident.unraw().to_string()),
                GenericParam::Lifetime(_) => {}
            }
        }
    }

    /// Walks a function's signature and body in one scope with its parameters.
    fn walk_fn(&mut self, signature: &Signature, body: Option<&Block>) {
        self.in_item += 1;
        self.in_nested_body += 1;
        self.with_scope(|walker| {
            walker.bind_generics(&signature.generics);
            walker.visit_generics(&signature.generics);
            for input in &signature.inputs {
                match input {
                    FnArg::Receiver(receiver) => {
                        for attr in &receiver.attrs {
                            walker.visit_attribute(attr);
                        }
                        // `self: Pin<&mut Self>`, `self: Rc<Self>`: the type is a use.
                        if let syn::ReceiverKind::Typed(_, ty) = &receiver.kind {
                            walker.visit_type(ty);
                        }
                    }
                    FnArg::Typed(typed) => {
                        walker.visit_type(&typed.ty);
                        walker.bind_pattern(&typed.pat, false);
                    }
                }
            }
            walker.visit_return_type(&signature.output);
            if let Some(body) = body {
                walker.visit_block(body);
            }
        });
        self.in_item -= 1;
        self.in_nested_body -= 1;
    }

    /// Walks an item whose generic parameters scope over it (struct, impl, trait, ...).
    fn in_item_scope(&mut self, generics: &Generics, walk: impl FnOnce(&mut Self)) {
        self.in_item += 1;
        self.in_nested_body += 1;
        self.with_scope(|walker| {
            walker.bind_generics(generics);
            walk(walker);
        });
        self.in_item -= 1;
        self.in_nested_body -= 1;
    }

    /// A condition of `if` / `while`: `let` patterns (also in `&&` chains) bind for the body.
    fn walk_condition(&mut self, condition: &Expr) {
        match condition {
            Expr::Let(binding) => {
                self.visit_expr(&binding.expr);
                self.bind_refutable_pattern(&binding.pat);
            }
            Expr::Binary(binary) if matches!(binary.op, syn::BinOp::And(_)) => {
                self.walk_condition(&binary.left);
                self.walk_condition(&binary.right);
            }
            _ => self.visit_expr(condition),
        }
    }

    // -----------------------------------------------------------------------------------------
    // Top-level items: definitions and imports.

    fn define_item(&mut self, item: &Item) {
        match item {
            Item::Use(item_use) => {
                let public = matches!(item_use.vis, Visibility::Public(_));
                let statement = UseStatement::new(self.source, self.span(item_use.span()));
                let mut prefix = Vec::new();
                let leading = if item_use.leading_colon.is_some() {
                    "::"
                } else {
                    ""
                };
                self.define_use_tree(&item_use.tree, leading, &mut prefix, statement, public);
            }
            Item::ExternCrate(item) => {
                if item
                    .attrs
                    .iter()
                    .any(|attr| attr.path().is_ident("macro_use"))
                {
                    self.facts.binds_unknown_names = true;
                }
                let ident = item
                    .rename
                    .as_ref()
                    .map_or(&item.ident, |(_, rename)| rename);
                self.push_definition(ident, DefinitionKind::Import, &item.vis, false);
            }
            _ => {
                let (vis, mutable) = match item {
                    Item::Static(item) => (
                        Some(&item.vis),
                        matches!(item.mutability, syn::StaticMutability::Mut(_)),
                    ),
                    _ => (item_visibility(item), false),
                };
                for (name, kind) in item_names(item) {
                    let Some(ident) = item_ident(item) else {
                        // Foreign items: span the block.
                        let span = self.span(item.span());
                        self.facts.defines.push(Definition {
                            mutable,
                            ..Definition::new(name, kind, span)
                        });
                        continue;
                    };
                    let public = vis.is_some_and(|vis| matches!(vis, Visibility::Public(_)));
                    let span = self.span(ident.span());
                    self.facts.defines.push(Definition {
                        mutable,
                        public,
                        ..Definition::new(name, kind, span)
                    });
                }
            }
        }
    }

    fn push_definition(
        &mut self,
        ident: &Ident,
        kind: DefinitionKind,
        vis: &Visibility,
        mutable: bool,
    ) {
        self.facts.defines.push(Definition {
            mutable,
            public: matches!(vis, Visibility::Public(_)),
            ..Definition::new(ident.unraw().to_string(), kind, self.span(ident.span()))
        });
    }

    fn define_use_tree(
        &mut self,
        tree: &UseTree,
        leading: &str,
        prefix: &mut Vec<String>,
        statement: UseStatement,
        public: bool,
    ) {
        let joined = |prefix: &[String], last: Option<&str>| import_path(leading, prefix, last);
        match tree {
            UseTree::Path(path) => {
                prefix.push(path.ident.unraw().to_string());
                self.define_use_tree(&path.tree, leading, prefix, statement, public);
                prefix.pop();
            }
            UseTree::Name(name) => {
                let leaf = name.ident.unraw().to_string();
                let (path, binding) = if leaf == "self" {
                    (joined(prefix, None), prefix.last().cloned())
                } else {
                    (joined(prefix, Some(&leaf)), Some(leaf))
                };
                let span = self.span(name.ident.span());
                push_import(self.facts, path, binding, false, span, statement, public);
            }
            UseTree::Rename(rename) => {
                let leaf = rename.ident.unraw().to_string();
                let path = if leaf == "self" {
                    joined(prefix, None)
                } else {
                    joined(prefix, Some(&leaf))
                };
                let alias = rename.rename.unraw().to_string();
                let binding = (alias != "_").then_some(alias);
                let span = self.span(rename.span());
                push_import(self.facts, path, binding, false, span, statement, public);
            }
            UseTree::Glob(glob) => {
                self.facts.binds_unknown_names = true;
                let span = self.span(glob.star_token.span());
                push_import(
                    self.facts,
                    joined(prefix, None),
                    None,
                    true,
                    span,
                    statement,
                    public,
                );
            }
            UseTree::Group(group) => {
                for tree in &group.items {
                    self.define_use_tree(tree, leading, prefix, statement, public);
                }
            }
        }
    }

    // -----------------------------------------------------------------------------------------
    // Macros.

    /// A macro call: its path is a use; its arguments are walked as expressions where they
    /// parse (format strings included), else their identifiers count as possible uses.
    pub fn walk_macro(&mut self, mac: &Macro) {
        // `df![..]`: a macro's own name is looked up among macros and imports only.
        match (&mac.path.leading_colon, mac.path.segments.first()) {
            (None, Some(first)) if mac.path.segments.len() == 1 => {
                let name = first.ident.unraw().to_string();
                let span = self.span(first.ident.span());
                self.binder.resolve_macro(self.facts, &name, span);
            }
            _ => self.visit_path(&mac.path),
        }
        let name = mac
            .path
            .segments
            .last()
            .map(|segment| segment.ident.to_string())
            .unwrap_or_default();
        match name.as_str() {
            "macro_rules" => {
                // Items it generates are named by its calls, which nblint does not expand.
                if macros::defines_items(mac.tokens.clone()) {
                    self.facts.binds_unknown_names = true;
                }
                self.walk_unparsed_tokens(mac.tokens.clone());
            }
            "thread_local" | "lazy_static" => {
                match mac.parse_body_with(macros::parse_static_declarations) {
                    Ok(statics) => self.walk_static_declarations(&statics),
                    Err(_) => self.walk_unparsed_tokens(mac.tokens.clone()),
                }
            }
            "cfg" | "stringify" | "concat_idents" | "include" | "include_str" | "include_bytes"
            | "env" | "option_env" | "compile_error" | "line" | "column" | "file"
            | "module_path" => {}
            "matches" | "assert_matches" | "debug_assert_matches" => {
                if mac
                    .parse_body_with(|input: ParseStream| self.walk_matches(input))
                    .is_err()
                {
                    self.walk_unparsed_tokens(mac.tokens.clone());
                }
            }
            _ if macros::is_format_macro(&name) => {
                match mac.parse_body_with(macros::parse_format_args) {
                    Ok(args) => self.walk_format_args(&args),
                    Err(_) => self.walk_unparsed_tokens(mac.tokens.clone()),
                }
            }
            _ => self.walk_macro_body(mac),
        }
    }

    /// The statics `thread_local!` and `lazy_static!` declare: attributes, types and
    /// initialisers are walked as a static item's (the cell's variables are out of their
    /// reach), and the names are bound from here to the end of the enclosing block. At top
    /// level that is the rest of the cell and no further: evcxr runs such macro calls inside
    /// the cell's function, so their statics are local to the cell (evcxr#227) and are no
    /// definitions for other cells.
    fn walk_static_declarations(&mut self, statics: &[macros::StaticDeclaration]) {
        for declaration in statics {
            self.in_item += 1;
            for attr in &declaration.attrs {
                self.visit_attribute(attr);
            }
            self.visit_type(&declaration.ty);
            self.visit_expr(&declaration.init);
            self.in_item -= 1;
            self.bind_local(declaration.ident.unraw().to_string());
        }
    }

    fn walk_matches(&mut self, input: ParseStream) -> syn::Result<()> {
        let scrutinee: Expr = input.parse()?;
        input.parse::<Token![,]>()?;
        let pattern = Pat::parse_multi_with_leading_vert(input)?;
        let guard = if input.peek(Token![if]) {
            input.parse::<Token![if]>()?;
            Some(input.parse::<Expr>()?)
        } else {
            None
        };
        let rest = if input.parse::<Option<Token![,]>>()?.is_some() {
            Punctuated::<Expr, Token![,]>::parse_terminated(input)?
        } else {
            Punctuated::new()
        };
        self.visit_expr(&scrutinee);
        self.with_scope(|walker| {
            walker.bind_refutable_pattern(&pattern);
            if let Some(guard) = &guard {
                walker.visit_expr(guard);
            }
        });
        for expr in &rest {
            self.visit_expr(expr);
        }
        Ok(())
    }

    fn walk_format_args(&mut self, args: &[macros::FormatArg]) {
        let named: Vec<String> = args
            .iter()
            .filter_map(|arg| arg.name.as_ref().map(|name| name.unraw().to_string()))
            .collect();
        let mut format_string_seen = false;
        for arg in args {
            if !format_string_seen
                && arg.name.is_none()
                && let Some(literal) = macros::string_literal(&arg.value)
            {
                format_string_seen = true;
                for (name, range) in macros::format_captures(literal) {
                    if named.contains(&name) {
                        continue;
                    }
                    let start = self.span(literal.span()).start + range.start;
                    let span = Span::new(start, start + range.len());
                    self.binder.resolve(self.facts, &name, || span);
                }
                continue;
            }
            self.visit_expr(&arg.value);
        }
    }

    /// Any other macro: comma-separated expressions, `expr; expr` (`vec![0; n]`), or a block
    /// of statements; otherwise its identifiers are taken as possible uses.
    fn walk_macro_body(&mut self, mac: &Macro) {
        if let Ok(args) = mac.parse_body_with(Punctuated::<Expr, Token![,]>::parse_terminated) {
            for arg in &args {
                // `key = value` in a macro's arguments is syntax, not an assignment.
                match arg {
                    Expr::Assign(assign) => self.visit_expr(&assign.right),
                    _ => self.visit_expr(arg),
                }
            }
            return;
        }
        if let Ok((value, count)) = mac.parse_body_with(|input: ParseStream| {
            let value: Expr = input.parse()?;
            input.parse::<Token![;]>()?;
            let count: Expr = input.parse()?;
            Ok((value, count))
        }) {
            self.visit_expr(&value);
            self.visit_expr(&count);
            return;
        }
        if let Ok(stmts) = mac.parse_body_with(Block::parse_within) {
            self.with_scope(|walker| {
                walker.hoist_items(&stmts);
                for stmt in &stmts {
                    walker.visit_stmt(stmt);
                }
            });
            return;
        }
        self.walk_unparsed_tokens(mac.tokens.clone());
    }

    /// Identifiers in tokens that are not Rust we can parse: each one that is not a keyword,
    /// a field or method name, or a macro variable is a possible use. The cell is marked as
    /// partially analysed, so rules about undefined names stay quiet about it.
    fn walk_unparsed_tokens(&mut self, tokens: TokenStream) {
        self.facts.partially_analysed = true;
        let mut stack = vec![tokens.into_iter()];
        let mut previous_punct: Option<char> = None;
        while let Some(top) = stack.last_mut() {
            let Some(tree) = top.next() else {
                stack.pop();
                continue;
            };
            match tree {
                TokenTree::Group(group) => {
                    previous_punct = None;
                    stack.push(group.stream().into_iter());
                }
                TokenTree::Punct(punct) => previous_punct = Some(punct.as_char()),
                TokenTree::Ident(ident) => {
                    let after_sigil = matches!(previous_punct, Some('.' | '$' | '\''));
                    previous_punct = None;
                    let name = ident.to_string();
                    if !after_sigil && !macros::is_keyword(&name) {
                        self.resolve(&ident);
                    }
                }
                TokenTree::Literal(_) => previous_punct = None,
            }
        }
    }

    fn hoist_items(&mut self, stmts: &[Stmt]) {
        for stmt in stmts {
            if let Stmt::Item(item) = stmt {
                for (name, _) in item_names(item) {
                    self.bind_local(name);
                }
            }
        }
    }

    // -----------------------------------------------------------------------------------------
    // Mutations.

    fn record_mutation(&mut self, place: &Expr, kind: MutationKind, evidence: Span) {
        if self.in_item > 0 {
            return;
        }
        let root = match kind {
            MutationKind::MethodCall { .. } | MutationKind::MutableBorrow => {
                places::borrowed_root(place)
            }
            MutationKind::Assign | MutationKind::CompoundAssign => places::assigned_root(place),
        };
        let Some(root) = root else {
            return;
        };
        let name = root.unraw().to_string();
        self.binder
            .record_mutation(self.facts, &name, kind, evidence);
    }
}

/// A statement's span widened to its whole line(s): from the line start when only whitespace
/// precedes it, through the line break when only whitespace follows.
pub(crate) fn widen_to_lines(source: &str, span: Span) -> Span {
    let Span { mut start, mut end } = span;
    let bytes = source.as_bytes();
    let mut before = start;
    while before > 0 && matches!(bytes[before - 1], b' ' | b'\t') {
        before -= 1;
    }
    if before == 0 || bytes[before - 1] == b'\n' {
        start = before;
    }
    let mut after = end;
    while after < bytes.len() && matches!(bytes[after], b' ' | b'\t' | b'\r') {
        after += 1;
    }
    if after < bytes.len() && bytes[after] == b'\n' {
        end = after + 1;
    } else if after == bytes.len() {
        end = after;
    }
    Span::new(start, end)
}

/// An import's path as written: the leading `::` (if any), the prefix segments and the leaf.
/// Shared with the fast path, which must build the same strings.
pub(crate) fn import_path<S: AsRef<str>>(
    leading: &str,
    prefix: &[S],
    last: Option<&str>,
) -> String {
    let mut path = leading.to_owned();
    for (index, segment) in prefix.iter().enumerate() {
        if index > 0 {
            path.push_str("::");
        }
        path.push_str(segment.as_ref());
    }
    if let Some(last) = last {
        if !prefix.is_empty() {
            path.push_str("::");
        }
        path.push_str(last);
    }
    path
}

/// Where a `use` item stands in the cell, for fixes that remove or move it. Shared with the
/// fast path.
#[derive(Debug, Clone, Copy)]
pub(crate) struct UseStatement {
    /// The item widened to its whole line(s) (see [`widen_to_lines`]).
    span: Span,
    /// What to delete to remove it (see [`nblint_facts::statement_removal`]); `None` when a
    /// doc comment or attribute above it is not part of `span`, which removing the item
    /// alone would hand to the next item.
    removal: Option<Span>,
}

impl UseStatement {
    /// The `use` item at `exact` (attributes and `;` included) in `source`.
    pub(crate) fn new(source: &str, exact: Span) -> Self {
        let start = exact.start.min(source.len());
        let attached = source
            .get(..start)
            .unwrap_or("")
            .lines()
            .rev()
            .map(str::trim)
            // Blank lines and plain comments sit between an attribute and its item.
            .find(|line| {
                let plain_comment = line.starts_with("//") && !line.starts_with("///");
                !line.is_empty() && !plain_comment
            })
            .is_some_and(|line| {
                line.starts_with("///") || line.starts_with("#[") || line.ends_with("*/")
            });
        let before = &source[source[..start].rfind('\n').map_or(0, |at| at + 1)..start];
        let attached =
            attached && before.trim().is_empty() || before.trim_start().starts_with("#[");
        Self {
            span: widen_to_lines(source, exact),
            removal: (!attached)
                .then(|| nblint_facts::statement_removal(source, exact, None, "//")),
        }
    }
}

/// Records one import leaf, and the name it binds (if any) as a definition. Shared with the
/// fast path.
pub(crate) fn push_import(
    facts: &mut CellFacts,
    path: String,
    binding: Option<String>,
    glob: bool,
    span: Span,
    statement: UseStatement,
    public: bool,
) {
    if let Some(name) = &binding {
        facts.defines.push(Definition {
            public,
            ..Definition::new(name.clone(), DefinitionKind::Import, span)
        });
    }
    facts.imports.push(Import {
        path,
        binding,
        glob,
        span,
        statement: statement.span,
        removal: statement.removal,
        for_effect: false,
    });
}

/// The names an item binds, with their kinds (a `use` gives one per leaf).
fn item_names(item: &Item) -> Vec<(String, DefinitionKind)> {
    let one = |ident: &Ident, kind| vec![(ident.unraw().to_string(), kind)];
    match item {
        Item::Fn(item) => one(&item.sig.ident, DefinitionKind::Function),
        Item::Struct(item) => one(&item.ident, DefinitionKind::Type),
        Item::Enum(item) => one(&item.ident, DefinitionKind::Type),
        Item::Union(item) => one(&item.ident, DefinitionKind::Type),
        Item::Trait(item) => one(&item.ident, DefinitionKind::Type),
        Item::TraitAlias(item) => one(&item.ident, DefinitionKind::Type),
        Item::Type(item) => one(&item.ident, DefinitionKind::Type),
        Item::Const(item) if item.ident != "_" => one(&item.ident, DefinitionKind::Constant),
        Item::Static(item) => one(&item.ident, DefinitionKind::Constant),
        Item::Mod(item) => one(&item.ident, DefinitionKind::Module),
        Item::Macro(item) => item
            .ident
            .as_ref()
            .map(|ident| one(ident, DefinitionKind::Macro))
            .unwrap_or_default(),
        Item::ExternCrate(item) => {
            let ident = item
                .rename
                .as_ref()
                .map_or(&item.ident, |(_, rename)| rename);
            one(ident, DefinitionKind::Import)
        }
        Item::Use(item) => {
            let mut names = Vec::new();
            use_tree_bindings(&item.tree, None, &mut names);
            names
                .into_iter()
                .map(|name| (name, DefinitionKind::Import))
                .collect()
        }
        Item::ForeignMod(foreign) => foreign
            .items
            .iter()
            .filter_map(|item| match item {
                syn::ForeignItem::Fn(item) => {
                    Some((item.sig.ident.unraw().to_string(), DefinitionKind::Function))
                }
                syn::ForeignItem::Static(item) => {
                    Some((item.ident.unraw().to_string(), DefinitionKind::Constant))
                }
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The names a use tree binds (`self` binds the module's own name).
fn use_tree_bindings(tree: &UseTree, parent: Option<String>, names: &mut Vec<String>) {
    match tree {
        UseTree::Path(path) => {
            use_tree_bindings(&path.tree, Some(path.ident.unraw().to_string()), names);
        }
        UseTree::Name(name) => {
            let leaf = name.ident.unraw().to_string();
            if leaf == "self" {
                names.extend(parent);
            } else {
                names.push(leaf);
            }
        }
        UseTree::Rename(rename) => {
            let alias = rename.rename.unraw().to_string();
            if alias != "_" {
                names.push(alias);
            }
        }
        UseTree::Glob(_) => {}
        UseTree::Group(group) => {
            for tree in &group.items {
                use_tree_bindings(tree, parent.clone(), names);
            }
        }
    }
}

/// The identifier an item is named by, for its definition's span.
fn item_ident(item: &Item) -> Option<&Ident> {
    match item {
        Item::Fn(item) => Some(&item.sig.ident),
        Item::Struct(item) => Some(&item.ident),
        Item::Enum(item) => Some(&item.ident),
        Item::Union(item) => Some(&item.ident),
        Item::Trait(item) => Some(&item.ident),
        Item::TraitAlias(item) => Some(&item.ident),
        Item::Type(item) => Some(&item.ident),
        Item::Const(item) => Some(&item.ident),
        Item::Static(item) => Some(&item.ident),
        Item::Mod(item) => Some(&item.ident),
        Item::Macro(item) => item.ident.as_ref(),
        _ => None,
    }
}

fn item_visibility(item: &Item) -> Option<&Visibility> {
    match item {
        Item::Fn(item) => Some(&item.vis),
        Item::Struct(item) => Some(&item.vis),
        Item::Enum(item) => Some(&item.vis),
        Item::Union(item) => Some(&item.vis),
        Item::Trait(item) => Some(&item.vis),
        Item::TraitAlias(item) => Some(&item.vis),
        Item::Type(item) => Some(&item.vis),
        Item::Const(item) => Some(&item.vis),
        Item::Static(item) => Some(&item.vis),
        Item::Mod(item) => Some(&item.vis),
        _ => None,
    }
}

pub(crate) fn is_std_derive(name: &str) -> bool {
    matches!(
        name,
        "Debug" | "Clone" | "Copy" | "PartialEq" | "Eq" | "PartialOrd" | "Ord" | "Hash" | "Default"
    )
}

pub(crate) fn is_path_keyword(name: &str) -> bool {
    matches!(name, "self" | "Self" | "super" | "crate")
}

/// Whether a path starting with `root` names items at the crate root, where evcxr hoists a
/// cell's items: `crate::`, and `self::` outside an inline `mod` (a cell's code runs in a
/// function of the root module). Shared with the fast path. (Inside inline modules, which
/// only the syn walk sees, `super::` repeated once per enclosing module does too.)
pub(crate) fn crate_root_path(root: &str, in_mod: bool) -> bool {
    root == "crate" || (root == "self" && !in_mod)
}

/// The first names under a `use crate::` / `use self::` root: each is a name at the crate
/// root (`use crate::{shapes::area, Point}` reads `shapes` and `Point`).
fn use_tree_roots(tree: &UseTree) -> Vec<&Ident> {
    match tree {
        UseTree::Path(path) => vec![&path.ident],
        UseTree::Name(name) if name.ident != "self" => vec![&name.ident],
        UseTree::Rename(rename) if rename.ident != "self" => vec![&rename.ident],
        UseTree::Group(group) => group.items.iter().flat_map(use_tree_roots).collect(),
        _ => Vec::new(),
    }
}

impl<'ast> Visit<'ast> for Walker<'_> {
    fn visit_block(&mut self, block: &'ast Block) {
        self.with_scope(|walker| {
            walker.hoist_items(&block.stmts);
            for stmt in &block.stmts {
                walker.visit_stmt(stmt);
            }
        });
    }

    fn visit_local(&mut self, local: &'ast syn::Local) {
        for attr in &local.attrs {
            self.visit_attribute(attr);
        }
        if let Some(init) = &local.init {
            self.visit_expr(&init.expr);
            if let Some((_, diverge)) = &init.diverge {
                self.visit_expr(diverge);
            }
        }
        self.bind_pattern(&local.pat, false);
    }

    fn visit_stmt_macro(&mut self, stmt: &'ast syn::StmtMacro) {
        for attr in &stmt.attrs {
            self.visit_attribute(attr);
        }
        self.walk_macro(&stmt.mac);
    }

    fn visit_expr_macro(&mut self, expr: &'ast syn::ExprMacro) {
        for attr in &expr.attrs {
            self.visit_attribute(attr);
        }
        self.walk_macro(&expr.mac);
    }

    fn visit_macro(&mut self, mac: &'ast Macro) {
        self.walk_macro(mac);
    }

    fn visit_attribute(&mut self, attr: &'ast Attribute) {
        let path = attr.path();
        if path.is_ident("derive") {
            if let Ok(paths) = attr.parse_args_with(Punctuated::<Path, Token![,]>::parse_terminated)
            {
                for path in &paths {
                    // The std derives are the prelude's macros whatever the cell imports.
                    if !path
                        .get_ident()
                        .is_some_and(|ident| is_std_derive(&ident.to_string()))
                    {
                        self.visit_path(path);
                    }
                }
            }
        } else if path.segments.len() > 1 {
            self.visit_path(path);
        }
    }

    fn visit_path(&mut self, path: &'ast Path) {
        if path.leading_colon.is_none()
            && let Some(first) = path.segments.first()
        {
            let root = first.ident.to_string();
            if !is_path_keyword(&root) {
                self.resolve(&first.ident);
            } else if crate_root_path(&root, self.in_mod > 0)
                && let Some(second) = path.segments.iter().nth(1)
            {
                self.resolve_in_crate_root(&second.ident);
            } else if root == "super" && self.in_mod > 0 {
                // As many `super`s as enclosing inline modules reach the crate root.
                let supers = path
                    .segments
                    .iter()
                    .take_while(|segment| segment.ident == "super")
                    .count();
                if supers == self.in_mod
                    && let Some(named) = path.segments.iter().nth(supers)
                {
                    self.resolve_in_crate_root(&named.ident);
                }
            }
        }
        for segment in &path.segments {
            self.visit_path_arguments(&segment.arguments);
        }
    }

    fn visit_expr_closure(&mut self, closure: &'ast syn::ExprClosure) {
        self.in_nested_body += 1;
        self.with_scope(|walker| {
            for input in &closure.inputs {
                walker.bind_pattern(input, false);
            }
            walker.visit_return_type(&closure.output);
            walker.visit_expr(&closure.body);
        });
        self.in_nested_body -= 1;
    }

    fn visit_expr_async(&mut self, expr: &'ast syn::ExprAsync) {
        self.in_nested_body += 1;
        self.visit_block(&expr.block);
        self.in_nested_body -= 1;
    }

    fn visit_expr_match(&mut self, expr: &'ast syn::ExprMatch) {
        self.visit_expr(&expr.expr);
        for arm in &expr.arms {
            self.with_scope(|walker| {
                walker.bind_refutable_pattern(&arm.pat);
                walker.visit_expr(&arm.body);
            });
        }
    }

    fn visit_expr_if(&mut self, expr: &'ast syn::ExprIf) {
        self.with_scope(|walker| {
            walker.walk_condition(&expr.cond);
            walker.visit_block(&expr.then_branch);
        });
        if let Some((_, otherwise)) = &expr.else_branch {
            self.visit_expr(otherwise);
        }
    }

    fn visit_expr_while(&mut self, expr: &'ast syn::ExprWhile) {
        self.with_scope(|walker| {
            walker.walk_condition(&expr.cond);
            walker.visit_block(&expr.body);
        });
    }

    fn visit_expr_for_loop(&mut self, expr: &'ast syn::ExprForLoop) {
        self.visit_expr(&expr.expr);
        self.with_scope(|walker| {
            walker.bind_pattern(&expr.pat, false);
            walker.visit_block(&expr.body);
        });
    }

    fn visit_expr_let(&mut self, expr: &'ast syn::ExprLet) {
        self.visit_expr(&expr.expr);
        self.bind_refutable_pattern(&expr.pat);
    }

    fn visit_expr_assign(&mut self, expr: &'ast syn::ExprAssign) {
        let evidence = self.span(expr.span());
        self.record_mutation(&expr.left, MutationKind::Assign, evidence);
        visit::visit_expr_assign(self, expr);
    }

    fn visit_expr_binary(&mut self, expr: &'ast syn::ExprBinary) {
        if places::is_compound_assignment(&expr.op) {
            let evidence = self.span(expr.span());
            self.record_mutation(&expr.left, MutationKind::CompoundAssign, evidence);
        }
        visit::visit_expr_binary(self, expr);
    }

    fn visit_expr_reference(&mut self, expr: &'ast syn::ExprReference) {
        if expr.mutability.is_some() {
            let evidence = self.span(expr.span());
            self.record_mutation(&expr.expr, MutationKind::MutableBorrow, evidence);
        }
        visit::visit_expr_reference(self, expr);
    }

    fn visit_expr_method_call(&mut self, expr: &'ast syn::ExprMethodCall) {
        let method = expr.method.unraw().to_string();
        if places::is_mutating_method(&method) {
            let evidence = self.span(expr.span());
            self.record_mutation(
                &expr.receiver,
                MutationKind::MethodCall { method },
                evidence,
            );
        }
        visit::visit_expr_method_call(self, expr);
    }

    fn visit_expr_try(&mut self, expr: &'ast syn::ExprTry) {
        if self.in_nested_body == 0 {
            self.facts.uses_question_mark = true;
        }
        visit::visit_expr_try(self, expr);
    }

    fn visit_expr_await(&mut self, expr: &'ast syn::ExprAwait) {
        if self.in_nested_body == 0 {
            self.facts.uses_await = true;
        }
        visit::visit_expr_await(self, expr);
    }

    fn visit_item_fn(&mut self, item: &'ast syn::ItemFn) {
        for attr in &item.attrs {
            self.visit_attribute(attr);
        }
        self.walk_fn(&item.sig, Some(&item.block));
    }

    fn visit_impl_item_fn(&mut self, item: &'ast syn::ImplItemFn) {
        for attr in &item.attrs {
            self.visit_attribute(attr);
        }
        self.walk_fn(&item.sig, Some(&item.block));
    }

    fn visit_trait_item_fn(&mut self, item: &'ast syn::TraitItemFn) {
        for attr in &item.attrs {
            self.visit_attribute(attr);
        }
        self.walk_fn(&item.sig, item.default.as_ref());
    }

    fn visit_foreign_item_fn(&mut self, item: &'ast syn::ForeignItemFn) {
        self.walk_fn(&item.sig, None);
    }

    fn visit_item_struct(&mut self, item: &'ast syn::ItemStruct) {
        self.in_item_scope(&item.generics, |walker| {
            visit::visit_item_struct(walker, item);
        });
    }

    fn visit_item_enum(&mut self, item: &'ast syn::ItemEnum) {
        self.in_item_scope(&item.generics, |walker| {
            visit::visit_item_enum(walker, item);
        });
    }

    fn visit_item_union(&mut self, item: &'ast syn::ItemUnion) {
        self.in_item_scope(&item.generics, |walker| {
            visit::visit_item_union(walker, item);
        });
    }

    fn visit_item_trait(&mut self, item: &'ast syn::ItemTrait) {
        self.in_item_scope(&item.generics, |walker| {
            visit::visit_item_trait(walker, item);
        });
    }

    fn visit_item_type(&mut self, item: &'ast syn::ItemType) {
        self.in_item_scope(&item.generics, |walker| {
            visit::visit_item_type(walker, item);
        });
    }

    fn visit_item_impl(&mut self, item: &'ast syn::ItemImpl) {
        self.in_item_scope(&item.generics, |walker| {
            visit::visit_item_impl(walker, item);
        });
    }

    fn visit_item_const(&mut self, item: &'ast syn::ItemConst) {
        self.in_item_scope(&item.generics, |walker| {
            visit::visit_item_const(walker, item);
        });
    }

    fn visit_item_static(&mut self, item: &'ast syn::ItemStatic) {
        self.in_item += 1;
        visit::visit_item_static(self, item);
        self.in_item -= 1;
    }

    fn visit_item_mod(&mut self, item: &'ast syn::ItemMod) {
        for attr in &item.attrs {
            self.visit_attribute(attr);
        }
        if let Some((_, items)) = &item.content {
            self.in_item += 1;
            self.in_nested_body += 1;
            self.in_mod += 1;
            self.with_scope(|walker| {
                for inner in items {
                    for (name, _) in item_names(inner) {
                        walker.bind_local(name);
                    }
                }
                for inner in items {
                    walker.visit_item(inner);
                }
            });
            self.in_item -= 1;
            self.in_nested_body -= 1;
            self.in_mod -= 1;
        }
    }

    fn visit_item_macro(&mut self, item: &'ast syn::ItemMacro) {
        for attr in &item.attrs {
            self.visit_attribute(attr);
        }
        self.walk_macro(&item.mac);
    }

    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        // The path's root is a use (a module or crate another cell may define); the leaves
        // are bound where the `use` stands (hoisted already at top level).
        if item.leading_colon.is_none()
            && let UseTree::Path(path) = &item.tree
        {
            let root = path.ident.to_string();
            if !is_path_keyword(&root) {
                self.resolve(&path.ident);
            } else if crate_root_path(&root, self.in_mod > 0) {
                for ident in use_tree_roots(&path.tree) {
                    self.resolve_in_crate_root(ident);
                }
            } else if root == "super" && self.in_mod > 0 {
                let mut tree: &UseTree = &path.tree;
                let mut supers = 1;
                while let UseTree::Path(inner) = tree
                    && inner.ident == "super"
                {
                    supers += 1;
                    tree = &inner.tree;
                }
                if supers == self.in_mod {
                    for ident in use_tree_roots(tree) {
                        self.resolve_in_crate_root(ident);
                    }
                }
            }
        }
        if self.binder.in_scope() {
            let mut names = Vec::new();
            use_tree_bindings(&item.tree, None, &mut names);
            for name in names {
                self.bind_local(name);
            }
        }
    }
}
