//! The generated crate's sources, built with syn/quote and printed with prettyplease.
//!
//! prettyplease prints no comments, so a comment is emitted as a marker item or statement
//! (`__nblint_comment!(N);`) that [`print`] replaces with `// text` at the same indentation.
//! A statement or item of the notebook that the extraction left unchanged is emitted as a
//! marker too (`__nblint_verbatim!(N);`), replaced by the cell's own text of it
//! ([`crate::verbatim`]).

use std::collections::{BTreeMap, HashMap, HashSet};

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::{Expr, Ident, Item, Stmt, Type};

use crate::plan::{Change, Display, Entry, PipelineEntry, Plan, Step};
use crate::verbatim::{Text, Texts};

/// The key of a value that crosses cells: (defining cell, name).
pub type ValueKey = (usize, String);

/// How a step receives a value from an earlier cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `&T`
    Ref,
    /// `&mut T`
    RefMut,
    /// `T` by value (moved in, given back when a later step uses it); `mut` if changed.
    Value,
}

/// The choices the generator makes that the compiler may overturn.
#[derive(Debug, Clone, Default)]
pub struct Choices {
    /// Types of values that cross cells.
    pub types: HashMap<ValueKey, Type>,
    /// Parameters `(cell, name)` taken by value (move in, move out) because borrowing them
    /// did not compile.
    pub by_value: HashSet<(usize, String)>,
    /// Extra `use` lines found through the compiler's import suggestions.
    pub extra_uses: Vec<syn::ItemUse>,
    /// Parameters `(cell, name)` borrowed as `&Vec<T>` / `&String` because the step did not
    /// compile with `&[T]` / `&str` (which clippy's `ptr_arg` asks for).
    pub plain_refs: HashSet<(usize, String)>,
}

/// The type a read-only `&Vec<T>` / `&String` parameter is better borrowed as: `[T]` / `str`.
pub fn borrowed_form(ty: &Type) -> Option<Type> {
    let Type::Path(path) = ty else {
        return None;
    };
    if path.qself.is_some() {
        return None;
    }
    let segments: Vec<String> = path
        .path
        .segments
        .iter()
        .map(|segment| segment.ident.to_string())
        .collect();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let last = path.path.segments.last()?;
    match segments.as_slice() {
        ["Vec"] | ["std" | "alloc", "vec", "Vec"] => {
            let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
                return None;
            };
            let mut args = args.args.iter();
            match (args.next(), args.next()) {
                (Some(syn::GenericArgument::Type(element)), None) => {
                    Some(syn::parse_quote!([#element]))
                }
                _ => None,
            }
        }
        ["String"] | ["std" | "alloc", "string", "String"] if last.arguments.is_none() => {
            Some(syn::parse_quote!(str))
        }
        _ => None,
    }
}

/// The generated files: path relative to the crate folder, and text.
pub type Files = BTreeMap<String, String>;

/// Comments and written texts collected while building, referenced by marker index.
#[derive(Default)]
struct Comments(Vec<String>, Vec<Text>);

impl Comments {
    /// The item itself, or a marker for the cell's text of it when the cell holds it
    /// unchanged.
    fn written_item(&mut self, item: &Item, texts: &Texts) -> Item {
        let text = texts
            .item(item)
            .cloned()
            .or_else(|| texts.renamed_item(item));
        match text {
            Some(text) => {
                let index = self.push_text(text);
                syn::parse_quote!(__nblint_verbatim!(#index);)
            }
            None => item.clone(),
        }
    }

    /// The statement itself, or a marker for the cell's text of it when the cell holds it
    /// unchanged.
    fn written_stmt(&mut self, stmt: Stmt, texts: &Texts) -> Stmt {
        let text = texts
            .stmt(&stmt)
            .cloned()
            .or_else(|| texts.renamed_stmt(&stmt));
        match text {
            Some(text) => {
                let index = self.push_text(text);
                syn::parse_quote!(__nblint_verbatim!(#index);)
            }
            None => stmt,
        }
    }

    fn push_text(&mut self, text: Text) -> proc_macro2::Literal {
        self.1.push(text);
        proc_macro2::Literal::usize_unsuffixed(self.1.len() - 1)
    }

    fn item(&mut self, text: impl Into<String>) -> Item {
        let index = proc_macro2::Literal::usize_unsuffixed(self.push(text));
        syn::parse_quote!(__nblint_comment!(#index);)
    }

    fn stmt(&mut self, text: impl Into<String>) -> Stmt {
        let index = proc_macro2::Literal::usize_unsuffixed(self.push(text));
        syn::parse_quote!(__nblint_comment!(#index);)
    }

    fn push(&mut self, text: impl Into<String>) -> usize {
        self.0.push(text.into());
        self.0.len() - 1
    }
}

/// Prints a file and turns comment markers into comments.
fn print(file: &syn::File, comments: &Comments) -> String {
    let text = crate::source::restore_comments(&prettyplease::unparse(file));
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let trimmed = line.trim_start();
        let written = trimmed
            .strip_prefix("__nblint_verbatim!(")
            .and_then(|rest| rest.strip_suffix(");"))
            .and_then(|index| index.parse::<usize>().ok())
            .and_then(|index| comments.1.get(index));
        if let Some(written) = written {
            let indent = &line[..line.len() - trimmed.len()];
            let previous = out.lines().last().unwrap_or_default().trim_end();
            // The author's blank line above, but not under the `// file, cell N` line.
            if written.blank_before
                && !previous.is_empty()
                && !previous.ends_with('{')
                && !previous.trim_start().starts_with("//")
            {
                out.push('\n');
            }
            for written_line in &written.lines {
                if !written_line.is_empty() {
                    out.push_str(indent);
                    out.push_str(written_line);
                }
                out.push('\n');
            }
            continue;
        }
        let marker = trimmed
            .strip_prefix("__nblint_comment!(")
            .and_then(|rest| rest.strip_suffix(");"))
            .and_then(|index| index.parse::<usize>().ok())
            .and_then(|index| comments.0.get(index));
        if let Some(comment) = marker {
            let indent = &line[..line.len() - trimmed.len()];
            let previous = out.lines().last().unwrap_or_default().trim_end();
            if !out.is_empty() && !previous.is_empty() && !previous.ends_with('{') {
                out.push('\n');
            }
            for comment_line in comment.lines() {
                out.push_str(indent);
                out.push_str("//");
                if !comment_line.is_empty() {
                    out.push(' ');
                    out.push_str(comment_line);
                }
                out.push('\n');
            }
        } else if needs_blank_before(out.lines().last(), line)
            || (!line.starts_with("//!")
                && out
                    .lines()
                    .last()
                    .is_some_and(|prev| prev.starts_with("//!")))
        {
            out.push('\n');
            out.push_str(line);
            out.push('\n');
        } else if trimmed.starts_with("println!(\"") && line.contains("\", & ") {
            // prettyplease prints macro arguments token by token: `& x`.
            out.push_str(&line.replacen("\", & ", "\", &", 1));
            out.push('\n');
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// Whether a blank line belongs between two top-level lines: after an item's closing brace,
/// and between a run of `use`/`mod` lines and what follows.
fn needs_blank_before(previous: Option<&str>, line: &str) -> bool {
    let Some(previous) = previous else {
        return false;
    };
    if line.is_empty() || line.starts_with([' ', '}', ')', ']']) || previous.is_empty() {
        return false;
    }
    if previous == "}" || previous == "};" {
        return true;
    }
    let kind = |text: &str| {
        ["use ", "pub use ", "pub mod ", "mod ", "extern crate "]
            .into_iter()
            .find(|prefix| text.starts_with(prefix))
    };
    !previous.starts_with(' ')
        && previous.ends_with(';')
        && kind(previous).is_some()
        && kind(previous) != kind(line)
}

/// An identifier from a name the user's code (or our naming) produced.
pub fn ident(name: &str) -> Ident {
    if let Some(raw) = name.strip_prefix("r#") {
        return syn::parse_str::<Ident>(&format!("r#{raw}"))
            .unwrap_or_else(|_| Ident::new("invalid_name", Span::call_site()));
    }
    syn::parse_str::<Ident>(name).unwrap_or_else(|_| Ident::new_raw(name, Span::call_site()))
}

fn doc_attrs(lines: &[String]) -> Vec<syn::Attribute> {
    lines
        .iter()
        .map(|line| {
            let text = if line.is_empty() {
                String::new()
            } else {
                format!(" {line}")
            };
            syn::parse_quote!(#[doc = #text])
        })
        .collect()
}

fn inner_doc_attrs(lines: &[String]) -> Vec<syn::Attribute> {
    doc_attrs(lines)
        .into_iter()
        .map(|mut attr| {
            attr.style = syn::AttrStyle::Inner(syn::token::Not::default());
            attr
        })
        .collect()
}

/// Whether values of this type are `Copy` (primitives, shared references, tuples and arrays of
/// them).
pub fn is_copy(ty: &Type) -> bool {
    match ty {
        Type::Path(path) if path.qself.is_none() => path.path.get_ident().is_some_and(|name| {
            matches!(
                name.to_string().as_str(),
                "i8" | "i16"
                    | "i32"
                    | "i64"
                    | "i128"
                    | "isize"
                    | "u8"
                    | "u16"
                    | "u32"
                    | "u64"
                    | "u128"
                    | "usize"
                    | "f32"
                    | "f64"
                    | "bool"
                    | "char"
            )
        }),
        Type::Reference(reference) => reference.mutability.is_none(),
        Type::Tuple(tuple) => tuple.elems.iter().all(is_copy),
        Type::Array(array) => is_copy(&array.elem),
        Type::Paren(inner) => is_copy(&inner.elem),
        _ => false,
    }
}

/// The trailing expression shown the way the kernel shows it.
fn display_stmts(step: &Step, fmt: &str) -> Vec<Stmt> {
    let Some(expr) = &step.code.trailing else {
        return Vec::new();
    };
    match step.display {
        Display::None => Vec::new(),
        Display::Print => {
            let fmt = syn::LitStr::new(fmt, Span::call_site());
            if matches!(expr, Expr::Path(_)) {
                vec![syn::parse_quote!(println!(#fmt, &#expr);)]
            } else {
                vec![syn::parse_quote!(println!(#fmt, &(#expr));)]
            }
        }
        // The kernel showed `()`: the value is unit, so no `let _ =` (clippy's
        // `let_unit_value`).
        Display::Unit => vec![unit_statement(expr), syn::parse_quote!(println!("()");)],
        Display::Statement => vec![statement(expr)],
    }
}

/// A unit-typed expression run for its effect: `main();`.
fn unit_statement(expr: &Expr) -> Stmt {
    match statement(expr) {
        Stmt::Local(_) => Stmt::Expr(expr.clone(), Some(syn::token::Semi::default())),
        other => other,
    }
}

/// An expression run for its effect.
fn statement(expr: &Expr) -> Stmt {
    match expr {
        Expr::Macro(mac) => Stmt::Macro(syn::StmtMacro {
            attrs: mac.attrs.clone(),
            mac: mac.mac.clone(),
            semi_token: Some(syn::token::Semi::default()),
        }),
        Expr::ForLoop(_)
        | Expr::While(_)
        | Expr::Loop(_)
        | Expr::If(_)
        | Expr::Block(_)
        | Expr::Match(_)
        | Expr::Unsafe(_) => Stmt::Expr(expr.clone(), None),
        _ => syn::parse_quote!(let _ = #expr;),
    }
}

/// The attributes of an expression that [`statement`] keeps as a statement of its own.
fn expr_attrs(expr: &mut Expr) -> Option<&mut Vec<syn::Attribute>> {
    match expr {
        Expr::ForLoop(expr) => Some(&mut expr.attrs),
        Expr::While(expr) => Some(&mut expr.attrs),
        Expr::Loop(expr) => Some(&mut expr.attrs),
        Expr::If(expr) => Some(&mut expr.attrs),
        Expr::Block(expr) => Some(&mut expr.attrs),
        Expr::Match(expr) => Some(&mut expr.attrs),
        Expr::Unsafe(expr) => Some(&mut expr.attrs),
        Expr::Call(expr) => Some(&mut expr.attrs),
        Expr::MethodCall(expr) => Some(&mut expr.attrs),
        Expr::Path(expr) => Some(&mut expr.attrs),
        _ => None,
    }
}

/// A step's body statements (with its display), as one list. The comments written above the
/// trailing expression go above the statement that shows it.
fn body(step: &Step, fmt: &str) -> Vec<Stmt> {
    let mut stmts = step.code.stmts.clone();
    let mut display = display_stmts(step, fmt);
    let attrs = match display.first_mut() {
        Some(Stmt::Local(local)) => Some(&mut local.attrs),
        Some(Stmt::Macro(mac)) => Some(&mut mac.attrs),
        Some(Stmt::Expr(expr, _)) => expr_attrs(expr),
        Some(Stmt::Item(_)) | None => None,
    };
    if let Some(attrs) = attrs {
        attrs.splice(0..0, step.code.trailing_comments.iter().cloned());
    }
    stmts.extend(display);
    stmts
}

/// A step's statements with the first `user` of them (the cell's own) printed as the cell
/// wrote them where the extraction left them unchanged.
fn written(stmts: Vec<Stmt>, user: usize, plan: &Plan, comments: &mut Comments) -> Vec<Stmt> {
    stmts
        .into_iter()
        .enumerate()
        .map(|(index, stmt)| {
            if index < user {
                comments.written_stmt(stmt, &plan.texts)
            } else {
                stmt
            }
        })
        .collect()
}

/// The `CellError` type: what `?` at top level converts errors into, as the kernel does.
fn cell_error() -> Vec<Item> {
    let file: syn::File = syn::parse_quote! {
        /// An error raised by `?` at the top level of a cell. Like the evcxr kernel, it accepts
        /// any error that implements `Display` and keeps its message.
        pub struct CellError(pub String);

        impl<E: std::fmt::Display> From<E> for CellError {
            fn from(error: E) -> Self {
                Self(error.to_string())
            }
        }

        impl std::fmt::Debug for CellError {
            fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str(&self.0)
            }
        }
    };
    file.items
}

/// How each parameter of a step is passed, and what the step gives back.
#[derive(Debug, Clone)]
pub struct Signature {
    /// `(name, mode, type, mutable binding)` per parameter.
    pub params: Vec<(String, Mode, Type, bool)>,
    /// `(name, type)` per returned value: outputs first, then values given back.
    pub returns: Vec<(String, Type)>,
}

/// The signature of `step` under `choices`; `Err` names a value whose type is unknown.
pub fn signature(step: &Step, choices: &Choices) -> Result<Signature, String> {
    let mut params = Vec::new();
    let mut returns = Vec::new();
    for output in &step.outputs {
        let ty = choices
            .types
            .get(&(step.cell, output.name.clone()))
            .ok_or_else(|| output.name.clone())?;
        returns.push((output.name.clone(), ty.clone()));
    }
    for param in &step.params {
        let ty = choices
            .types
            .get(&(param.defined_in, param.name.clone()))
            .ok_or_else(|| param.name.clone())?;
        let redefined = step.outputs.iter().any(|output| output.name == param.name);
        let copy = is_copy(ty);
        let by_value = choices.by_value.contains(&(step.cell, param.name.clone()))
            || step.code.consumed.contains(&param.name);
        let mode = if copy || by_value {
            Mode::Value
        } else {
            match param.change {
                Change::None => Mode::Ref,
                Change::Method => Mode::RefMut,
                Change::Assign => Mode::Value,
            }
        };
        let changed = param.change != Change::None;
        let mutable = mode == Mode::Value && changed;
        // `&[T]` / `&str` for a value only read, `&mut [T]` for a `Vec` changed in place
        // (`sort`, `swap`, element assignment), unless the compiler refused it.
        if matches!(mode, Mode::Ref | Mode::RefMut)
            && !choices
                .plain_refs
                .contains(&(step.cell, param.name.clone()))
            && let Some(borrowed) = borrowed_form(ty)
            && (mode == Mode::Ref || matches!(borrowed, Type::Slice(_)))
        {
            params.push((param.name.clone(), mode, borrowed, false));
            continue;
        }
        let give_back = mode == Mode::Value && param.used_later && !redefined && (changed || !copy);
        if give_back {
            returns.push((param.name.clone(), ty.clone()));
        }
        params.push((param.name.clone(), mode, ty.clone(), mutable));
    }
    Ok(Signature { params, returns })
}

/// The struct a step returns its values in when it hands more than two on (a tuple of three
/// or more is hard to read and trips clippy's `type_complexity`): `Cell3Values`,
/// `LoadDataValues`.
pub fn values_struct(step: &Step, sig: &Signature) -> Option<Ident> {
    (sig.returns.len() > 2).then(|| {
        let camel: String = step
            .name
            .split('_')
            .filter(|part| !part.is_empty())
            .map(|part| {
                let mut chars = part.chars();
                chars.next().map_or_else(String::new, |first| {
                    first.to_ascii_uppercase().to_string() + chars.as_str()
                })
            })
            .collect();
        ident(&format!("{camel}Values"))
    })
}

/// The definition of [`values_struct`].
fn values_struct_item(step: &Step, sig: &Signature) -> Option<Item> {
    let name = values_struct(step, sig)?;
    let fields = sig.returns.iter().map(|(field, ty)| {
        let field = ident(field);
        quote!(pub #field: #ty)
    });
    let doc = format!(" The values cell {} hands on to later cells.", step.cell);
    Some(syn::parse_quote! {
        #[doc = #doc]
        pub struct #name {
            #(#fields),*
        }
    })
}

fn tuple_type(types: &[&Type]) -> TokenStream {
    match types {
        [single] => quote!(#single),
        many => quote!((#(#many),*)),
    }
}

fn tuple_expr(names: &[Ident]) -> TokenStream {
    match names {
        [single] => quote!(#single),
        many => quote!((#(#many),*)),
    }
}

/// The function of one step.
fn step_fn(plan: &Plan, step: &Step, sig: &Signature, comments: &mut Comments) -> syn::ItemFn {
    let name = ident(&step.name);
    let params = sig.params.iter().map(|(name, mode, ty, mutable)| {
        let name = ident(name);
        match mode {
            Mode::Ref => quote!(#name: &#ty),
            Mode::RefMut => quote!(#name: &mut #ty),
            Mode::Value if *mutable => quote!(mut #name: #ty),
            Mode::Value => quote!(#name: #ty),
        }
    });
    let return_types: Vec<&Type> = sig.returns.iter().map(|(_, ty)| ty).collect();
    let return_names: Vec<Ident> = sig.returns.iter().map(|(name, _)| ident(name)).collect();
    let mut stmts = body(step, &plan.fmt);
    let (mut value, ret_ty) = match values_struct(step, sig) {
        Some(name) => (quote!(#name { #(#return_names),* }), quote!(#name)),
        None => (tuple_expr(&return_names), tuple_type(&return_types)),
    };
    // `let x = ...; x` returns the value itself (clippy's `let_and_return`).
    if let ([only], false) = (return_names.as_slice(), step.question_mark)
        && let Some(Stmt::Local(local)) = stmts.last()
        && let syn::Pat::Ident(binding) = &local.pat
        && binding.ident == *only
        && binding.subpat.is_none()
        && binding.by_ref.is_none()
        && let Some(init) = &local.init
        && init.diverge.is_none()
    {
        let expr = &init.expr;
        value = quote!(#expr);
        stmts.pop();
    }
    let stmts = written(stmts, step.code.stmts.len(), plan, comments);
    let (output, tail) = match (step.question_mark, return_types.is_empty()) {
        (false, true) => (quote!(), quote!()),
        (false, false) => (quote!(-> #ret_ty), value),
        (true, true) => (quote!(-> Result<(), CellError>), quote!(Ok(()))),
        (true, false) => (quote!(-> Result<#ret_ty, CellError>), quote!(Ok(#value))),
    };
    let asyncness = step.awaits.then(|| quote!(async));
    let docs = doc_attrs(&step.doc);
    let lints = &step.code.lint_attrs;
    syn::parse_quote! {
        #(#docs)*
        #(#lints)*
        pub #asyncness fn #name(#(#params),*) #output {
            #(#stmts)*
            #tail
        }
    }
}

/// Renders the crate's sources: per-cell functions, or (with `fallback`) one `run()`.
/// `Err` names a value whose type is unknown (per-cell form only).
pub fn render(
    plan: &Plan,
    choices: &Choices,
    lib_name: &str,
    fallback: bool,
) -> Result<Files, String> {
    let mut files = Files::new();
    let file_name = &plan.file_name;
    let mut signatures: HashMap<usize, Signature> = HashMap::new();
    if !fallback {
        for step in &plan.steps {
            signatures.insert(step.cell, signature(step, choices)?);
        }
    }
    let needs_error = plan.uses_question_mark;

    // Modules.
    let mut modules = Vec::new();
    for section in &plan.sections {
        let mut comments = Comments::default();
        let mut items: Vec<Item> = Vec::new();
        let mut public = false;
        for entry in &section.entries {
            match entry {
                Entry::Item(cell, item) => {
                    items.push(comments.item(format!("{file_name}, cell {cell}")));
                    items.push(comments.written_item(item, &plan.texts));
                    public = true;
                }
                Entry::Step(index) if !fallback => {
                    let step = &plan.steps[*index];
                    let Some(sig) = signatures.get(&step.cell) else {
                        continue;
                    };
                    if let Some(values) = values_struct_item(step, sig) {
                        items.push(comments.item(format!("{file_name}, cell {}", step.cell)));
                        items.push(values);
                    }
                    items.push(comments.item(format!("{file_name}, cell {}", step.cell)));
                    items.push(Item::Fn(step_fn(plan, step, sig, &mut comments)));
                    public = true;
                }
                Entry::Step(_) => {}
                Entry::Skipped(cell, reason) => {
                    items.push(comments.item(format!("{file_name}, cell {cell}: {reason}")));
                }
            }
        }
        // Only comments (skipped cells): no module. (Written texts are markers too, so the
        // flag, not the items' kinds, says whether the module holds code.)
        if !public {
            continue;
        }
        let mut doc = Vec::new();
        if let Some(heading) = &section.heading {
            doc.push(heading.clone());
        }
        if !section.doc.is_empty() {
            if !doc.is_empty() {
                doc.push(String::new());
            }
            doc.extend(section.doc.iter().cloned());
        }
        if doc.is_empty() {
            doc.push(format!("Code of `{file_name}` before its first section."));
        }
        let mut all_items: Vec<Item> = vec![syn::parse_quote!(
            use super::*;
        )];
        all_items.extend(items);
        let file = syn::File {
            shebang: None,
            frontmatter: None,
            attrs: inner_doc_attrs(&doc),
            items: all_items,
        };
        files.insert(
            format!("src/{}.rs", section.module),
            print(&file, &comments),
        );
        modules.push((section.module.clone(), public));
    }

    // lib.rs
    let mut comments = Comments::default();
    let mut crate_doc = vec![
        plan.title
            .clone()
            .unwrap_or_else(|| format!("Extracted from `{file_name}`.")),
    ];
    if !plan.crate_doc.is_empty() {
        crate_doc.push(String::new());
        crate_doc.extend(plan.crate_doc.iter().cloned());
    }
    crate_doc.push(String::new());
    crate_doc.push(format!(
        "Generated by `nblint extract` from `{file_name}`: one module per section, one function \
         per code cell; `src/main.rs` runs them in the order they ran."
    ));
    let mut attrs = inner_doc_attrs(&crate_doc);
    attrs.extend(plan.inner_attrs.iter().cloned());
    let mut items: Vec<Item> = Vec::new();
    items.extend(plan.externs.iter().cloned().map(Item::ExternCrate));
    items.extend(plan.uses.iter().cloned().map(Item::Use));
    items.extend(choices.extra_uses.iter().cloned().map(Item::Use));
    for mac in &plan.macros {
        let mut mac = mac.clone();
        mac.attrs.push(syn::parse_quote!(#[macro_export]));
        items.push(Item::Macro(mac));
    }
    if needs_error {
        items.extend(cell_error());
    }
    for (module, _) in &modules {
        let module = ident(module);
        items.push(syn::parse_quote!(pub mod #module;));
    }
    for (module, public) in &modules {
        if *public {
            let module = ident(module);
            items.push(syn::parse_quote!(pub use #module::*;));
        }
    }
    if fallback {
        let mut stmts: Vec<Stmt> = Vec::new();
        for entry in &plan.pipeline {
            match entry {
                PipelineEntry::Step(index) => {
                    let step = &plan.steps[*index];
                    stmts.push(comments.stmt(format!("{file_name}, cell {}", step.cell)));
                    let body = body(step, &plan.fmt);
                    stmts.extend(written(body, step.code.stmts.len(), plan, &mut comments));
                }
                PipelineEntry::Skipped(cell, reason) => {
                    stmts.push(comments.stmt(format!("{file_name}, cell {cell}: {reason}")));
                }
            }
        }
        let asyncness = plan.uses_await.then(|| quote!(async));
        let run: syn::ItemFn = if needs_error {
            syn::parse_quote! {
                /// Every cell kept, in notebook order, in one function: exactly the kernel's
                /// meaning (each cell sees the variables of the cells above it).
                pub #asyncness fn run() -> Result<(), CellError> {
                    #(#stmts)*
                    Ok(())
                }
            }
        } else {
            syn::parse_quote! {
                /// Every cell kept, in notebook order, in one function: exactly the kernel's
                /// meaning (each cell sees the variables of the cells above it).
                pub #asyncness fn run() {
                    #(#stmts)*
                }
            }
        };
        // Each cell's lint levels, on the one function that holds every cell.
        let mut run = run;
        let mut seen = HashSet::new();
        for step in &plan.steps {
            for attr in &step.code.lint_attrs {
                if seen.insert(quote!(#attr).to_string()) {
                    run.attrs.push(attr.clone());
                }
            }
        }
        items.push(Item::Fn(run));
    }
    let lib = syn::File {
        shebang: None,
        frontmatter: None,
        attrs,
        items,
    };
    files.insert("src/lib.rs".into(), print(&lib, &comments));

    // main.rs
    let main = if fallback {
        main_fallback(plan, lib_name)
    } else {
        main_pipeline(plan, lib_name, &signatures)
    };
    files.insert("src/main.rs".into(), main);
    Ok(files)
}

/// `main` for the fallback form: runs `run()`.
fn main_fallback(plan: &Plan, lib_name: &str) -> String {
    let krate = ident(lib_name);
    let call = if plan.uses_await {
        quote!(tokio::runtime::Runtime::new()
            .expect("cannot start the tokio runtime")
            .block_on(#krate::run()))
    } else {
        quote!(#krate::run())
    };
    let file: syn::File = if plan.uses_question_mark {
        syn::parse_quote! {
            #![doc = #MAIN_DOC]
            fn main() -> Result<(), #krate::CellError> {
                #call
            }
        }
    } else {
        syn::parse_quote! {
            #![doc = #MAIN_DOC]
            fn main() {
                #call;
            }
        }
    };
    print(&file, &Comments::default())
}

const MAIN_DOC: &str = " Runs the notebook's cells in order and prints what the notebook printed. \
                        An error raised by `?` stops the run and is printed on stderr.";

/// `main` for the per-cell form: calls the steps in notebook order, threading values.
fn main_pipeline(plan: &Plan, lib_name: &str, signatures: &HashMap<usize, Signature>) -> String {
    let mut comments = Comments::default();
    let krate = ident(lib_name);
    // (statement index, names bound there); a binding passed as `&mut` later must be `mut`.
    let mut stmts: Vec<(Option<Vec<String>>, TokenStream, bool)> = Vec::new();
    // Statement index → the struct its values come in (more than two values).
    let mut structs: HashMap<usize, Ident> = HashMap::new();
    let mut binding_of: HashMap<String, usize> = HashMap::new();
    let mut mutable_bindings: HashSet<usize> = HashSet::new();
    let mut imported: Vec<Ident> = Vec::new();
    for entry in &plan.pipeline {
        match entry {
            PipelineEntry::Step(index) => {
                let step = &plan.steps[*index];
                let Some(sig) = signatures.get(&step.cell) else {
                    continue;
                };
                let marker = comments.stmt(format!("{}, cell {}", plan.file_name, step.cell));
                stmts.push((None, quote!(#marker), false));
                let name = ident(&step.name);
                imported.push(name.clone());
                let args: Vec<TokenStream> = sig
                    .params
                    .iter()
                    .map(|(param, mode, _, _)| {
                        let arg = ident(param);
                        match mode {
                            Mode::Ref => quote!(&#arg),
                            Mode::RefMut => {
                                if let Some(&at) = binding_of.get(param) {
                                    mutable_bindings.insert(at);
                                }
                                quote!(&mut #arg)
                            }
                            Mode::Value => quote!(#arg),
                        }
                    })
                    .collect();
                let awaiting = step.awaits.then(|| quote!(.await));
                let question = step.question_mark.then(|| quote!(?));
                let call = quote!(#name(#(#args),*) #awaiting #question);
                if sig.returns.is_empty() {
                    stmts.push((None, quote!(#call;), false));
                } else {
                    let names: Vec<String> = sig.returns.iter().map(|(n, _)| n.clone()).collect();
                    for bound in &names {
                        binding_of.insert(bound.clone(), stmts.len());
                    }
                    if let Some(values) = values_struct(step, sig) {
                        imported.push(values.clone());
                        structs.insert(stmts.len(), values);
                    }
                    stmts.push((Some(names), call, true));
                }
            }
            PipelineEntry::Skipped(cell, reason) => {
                let marker = comments.stmt(format!("{}, cell {cell}: {reason}", plan.file_name));
                stmts.push((None, quote!(#marker), false));
            }
        }
    }
    let body: Vec<TokenStream> = stmts
        .iter()
        .enumerate()
        .map(|(index, (names, tokens, binds))| {
            if !binds {
                return tokens.clone();
            }
            let mutable = mutable_bindings.contains(&index);
            let names = names.clone().unwrap_or_default();
            let pattern: Vec<TokenStream> = names
                .iter()
                .map(|name| {
                    let name = ident(name);
                    if mutable {
                        quote!(mut #name)
                    } else {
                        quote!(#name)
                    }
                })
                .collect();
            let pattern = match (structs.get(&index), pattern.as_slice()) {
                (Some(values), many) => quote!(#values { #(#many),* }),
                (None, [single]) => single.clone(),
                (None, many) => quote!((#(#many),*)),
            };
            quote!(let #pattern = #tokens;)
        })
        .collect();
    if plan.uses_question_mark {
        imported.push(ident("CellError"));
    }
    let uses = (!imported.is_empty()).then(|| quote!(use #krate::{#(#imported),*};));
    let file: syn::File = match (plan.uses_await, plan.uses_question_mark) {
        (false, false) => syn::parse_quote! {
            #![doc = #MAIN_DOC]
            #uses
            fn main() {
                #(#body)*
            }
        },
        (false, true) => syn::parse_quote! {
            #![doc = #MAIN_DOC]
            #uses
            fn main() -> Result<(), CellError> {
                #(#body)*
                Ok(())
            }
        },
        (true, false) => syn::parse_quote! {
            #![doc = #MAIN_DOC]
            #uses
            fn main() {
                tokio::runtime::Runtime::new()
                    .expect("cannot start the tokio runtime")
                    .block_on(pipeline());
            }
            async fn pipeline() {
                #(#body)*
            }
        },
        (true, true) => syn::parse_quote! {
            #![doc = #MAIN_DOC]
            #uses
            fn main() -> Result<(), CellError> {
                tokio::runtime::Runtime::new()
                    .expect("cannot start the tokio runtime")
                    .block_on(pipeline())
            }
            async fn pipeline() -> Result<(), CellError> {
                #(#body)*
                Ok(())
            }
        },
    };
    print(&file, &comments)
}

/// The type-probe crate's `lib.rs`: every kept cell's statements in order in one `async fn`,
/// with `let __nblint_probe_N: () = NAME;` at the end of each cell for the values later cells
/// use. The compiler's "expected `()`, found `T`" gives each type. Returns the source and the
/// value of each probe index.
pub fn probe_source(plan: &Plan, wanted: &[ValueKey]) -> (String, Vec<ValueKey>) {
    let mut items: Vec<Item> = Vec::new();
    items.extend(plan.externs.iter().cloned().map(Item::ExternCrate));
    items.extend(plan.uses.iter().cloned().map(Item::Use));
    for mac in &plan.macros {
        items.push(Item::Macro(mac.clone()));
    }
    items.extend(cell_error());
    for section in &plan.sections {
        for entry in &section.entries {
            if let Entry::Item(_, item) = entry {
                items.push((**item).clone());
            }
        }
    }
    let mut probes = Vec::new();
    let mut stmts: Vec<Stmt> = Vec::new();
    for step in &plan.steps {
        stmts.extend(step.code.stmts.iter().cloned());
        if let Some(expr) = &step.code.trailing {
            stmts.push(syn::parse_quote!(let _ = &(#expr);));
        }
        for key in wanted.iter().filter(|(cell, _)| *cell == step.cell) {
            let probe = Ident::new(
                &format!("__nblint_probe_{}", probes.len()),
                Span::call_site(),
            );
            let value = ident(&key.1);
            stmts.push(syn::parse_quote!(let #probe: () = #value;));
            probes.push(key.clone());
        }
    }
    let attrs = plan.inner_attrs.iter().cloned();
    let file: syn::File = syn::parse_quote! {
        #![allow(warnings)]
        #(#attrs)*
        #(#items)*
        pub async fn __nblint_probe() -> Result<(), CellError> {
            #(#stmts)*
            Ok(())
        }
    };
    (
        crate::source::restore_comments(&prettyplease::unparse(&file)),
        probes,
    )
}
