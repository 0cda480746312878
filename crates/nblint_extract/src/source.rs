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
    /// The comments written above the trailing expression (comment markers, see
    /// [`COMMENT_MARKER`]), for the statement that displays it.
    pub trailing_comments: Vec<Attribute>,
    /// The text of the first `//` comment of the Rust part, if any (names the step).
    pub first_comment: Option<String>,
    /// Types written on top-level `let name: Type` bindings (only complete types, no `_`).
    pub annotations: HashMap<String, Type>,
    /// Names the cell visibly consumes (`x.into_iter()`, `x.unwrap()`, `for _ in x`,
    /// `let y = x;`): a reference would compile but mean something else.
    pub consumed: HashSet<String>,
    /// The statements and items as the cell wrote them (comments and layout).
    pub texts: crate::verbatim::Texts,
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
    // The cell's own comments ride along as marker attributes, less those that stand where
    // no attribute can.
    let parsed = parse_keeping_comments(rust).map_or_else(|| parse_any_edition(rust), Ok);
    let texts = crate::verbatim::Texts::of_cell(rust);
    proc_macro2::extra::invalidate_current_thread_spans();
    let (inner_attrs, stmts) = parsed?;
    let mut code = CellCode {
        inner_attrs,
        texts,
        first_comment: first_comment(rust),
        ..CellCode::default()
    };
    let count = stmts.len();
    for (index, stmt) in stmts.into_iter().enumerate() {
        let last = index + 1 == count;
        match stmt {
            Stmt::Item(Item::Use(mut item)) => {
                item.vis = syn::Visibility::Inherited;
                drop_comments(&mut item.attrs);
                code.uses.push(item);
            }
            Stmt::Item(Item::ExternCrate(mut item)) => {
                drop_comments(&mut item.attrs);
                code.externs.push(item);
            }
            Stmt::Item(Item::Macro(mut item)) if item.ident.is_some() => {
                drop_comments(&mut item.attrs);
                code.macros.push(item);
            }
            Stmt::Item(Item::Macro(item)) => code.stmts.push(Stmt::Macro(syn::StmtMacro {
                attrs: item.attrs,
                mac: item.mac,
                semi_token: item.semi_token,
            })),
            Stmt::Item(item) => code.items.push(item),
            Stmt::Expr(expr, None) if last => {
                let (expr, comments) = take_leading_comments(expr);
                code.trailing = Some(expr);
                code.trailing_comments = comments;
            }
            Stmt::Macro(mut mac) if last && mac.semi_token.is_none() => {
                code.trailing_comments =
                    mac.attrs.extract_if(.., |attr| is_comment(attr)).collect();
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

/// Parses the Rust part with its comments as marker attributes. Where the parser stops at
/// a marker (a comment before a closing brace, inside an expression), the nearest marker at
/// or above the error is dropped and the parse tried again, so one misplaced comment costs
/// only itself. `None` when there is no comment or the cell does not parse anyway.
fn parse_keeping_comments(rust: &str) -> Option<(Vec<Attribute>, Vec<Stmt>)> {
    let mut text = comments_as_attributes(rust, true)?;
    for _ in 0..64 {
        match parse_any_edition_with_line(&text) {
            Ok(parsed) => return Some(parsed),
            Err(line) => {
                if !drop_marker_at_or_above(&mut text, line) {
                    return None;
                }
            }
        }
    }
    None
}

/// Removes the last comment marker at or above one-based `line`; false when there is none.
fn drop_marker_at_or_above(text: &mut String, line: usize) -> bool {
    let prefix = format!("#[doc = \"{COMMENT_MARKER}");
    let limit = text
        .split_inclusive('\n')
        .take(line.max(1))
        .map(str::len)
        .sum::<usize>();
    let Some(start) = text[..limit].rfind(&prefix) else {
        return false;
    };
    let end = marker_end(text, start + prefix.len());
    text.replace_range(start..end, "");
    true
}

/// Where a comment marker attribute ends in `text`, given where its string's content starts:
/// past the closing quote (not an escaped one), the `]`, and one space after it.
pub(crate) fn marker_end(text: &str, content_start: usize) -> usize {
    let bytes = text.as_bytes();
    let mut at = content_start;
    while at < bytes.len() && bytes[at] != b'"' {
        at += if bytes[at] == b'\\' { 2 } else { 1 };
    }
    let mut end = (at + 2).min(text.len());
    if text[end..].starts_with(' ') {
        end += 1;
    }
    end
}

/// [`parse_any_edition`], with the one-based line of the parser's error.
fn parse_any_edition_with_line(rust: &str) -> Result<(Vec<Attribute>, Vec<Stmt>), usize> {
    match parse_cell.parse_str(rust) {
        Ok(parsed) => Ok(parsed),
        Err(error) => {
            let line = error.span().start().line;
            parse_any_edition(rust).map_err(|_| line)
        }
    }
}

/// Parses the Rust part as the kernel reads it: Rust 2018, which older kernels ran, accepted
/// bare closure-trait objects (`Box<Fn(i32) -> i32>`), which get `dyn` as the crate is
/// written in a newer edition, and evcxr runs a `use` without its `;` at the end of its line
/// (see [`nblint_rust::as_the_kernel_reads`]).
fn parse_any_edition(rust: &str) -> Result<(Vec<Attribute>, Vec<Stmt>), String> {
    let parsed = parse_cell
        .parse_str(rust)
        .map_err(|error| error.to_string());
    if parsed.is_err()
        && let Ok(tokens) = rust.parse::<proc_macro2::TokenStream>()
        && let Some(rewritten) = nblint_rust::as_the_kernel_reads(tokens)
        && let Ok(reparsed) = parse_cell.parse2(rewritten)
    {
        return Ok(reparsed);
    }
    parsed
}

/// The Rust part as evcxr reads it: inner attributes, then a function body.
pub(crate) fn parse_cell(input: ParseStream) -> syn::Result<(Vec<Attribute>, Vec<Stmt>)> {
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

/// The text a `//` comment's doc attribute starts with while the cell is a syntax tree:
/// [`comments_as_attributes`] turns comments into `#[doc = "@nblint-comment@ text"]` so syn
/// keeps them on the statement or item that follows, and printing turns them back.
pub const COMMENT_MARKER: &str = "@nblint-comment@";

/// `rust` with each `//` line comment (not `///`/`//!` doc comments, not `// nblint:`
/// directives, not inside a macro's or attribute's brackets, where an attribute would change
/// the tokens) rewritten as a marker doc attribute on what follows. A comment at the end of a
/// line of code moves to the start of that line when `trailing` is set, else it is dropped.
/// `None` when there is no comment to keep. The result may not parse (a comment before `}` or
/// inside an expression): the caller then tries with fewer comments.
pub fn comments_as_attributes(rust: &str, trailing: bool) -> Option<String> {
    let bytes = rust.as_bytes();
    let mut out = String::with_capacity(rust.len() + 64);
    let mut copied_to = 0;
    let mut converted = false;
    // One entry per open bracket: whether it holds macro or attribute tokens.
    let mut frames: Vec<bool> = Vec::new();
    let mut macro_next = false;
    let mut after_ident = false;
    let mut macro_rules = false;
    let mut line_start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes[i];
        let next = bytes.get(i + 1).copied();
        match byte {
            b'\n' => {
                line_start = i + 1;
                i += 1;
                continue;
            }
            b'/' if next == Some(b'/') => {
                let end = rust[i..].find('\n').map_or(rust.len(), |at| i + at);
                let text = &rust[i + 2..end];
                let doc =
                    (text.starts_with('/') && !text.starts_with("//")) || text.starts_with('!');
                let inside = frames.iter().any(|&tokens| tokens);
                let directive = text.trim_start().starts_with("nblint:");
                if !(doc || inside) {
                    let before = &rust[line_start..i];
                    let attribute = format!("#[doc = {:?}]", format!("{COMMENT_MARKER}{text}"));
                    if before.trim().is_empty() {
                        out.push_str(&rust[copied_to..i]);
                        if !directive {
                            out.push_str(&attribute);
                            converted = true;
                        }
                        copied_to = end;
                    } else if trailing && !directive {
                        out.push_str(rust[copied_to..i].trim_end_matches([' ', '\t']));
                        let before = before.trim_end_matches([' ', '\t']);
                        let indent = before.len() - before.trim_start().len();
                        let at = out.len() - (before.len() - indent);
                        out.insert_str(at, &format!("{attribute} "));
                        converted = true;
                        copied_to = end;
                    }
                }
                i = end;
                continue;
            }
            b'/' if next == Some(b'*') => {
                let mut depth = 0usize;
                while i < bytes.len() {
                    if bytes[i] == b'/' && bytes.get(i + 1) == Some(&b'*') {
                        depth += 1;
                        i += 2;
                    } else if bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/') {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
                continue;
            }
            b'"' => {
                i = skip_string(bytes, i + 1);
                after_ident = false;
                continue;
            }
            b'\'' => {
                i = skip_char_or_lifetime(rust, i);
                after_ident = false;
                continue;
            }
            b'!' if after_ident && next != Some(b'=') => {
                let after = rust[i + 1..].trim_start();
                macro_next = after.starts_with(['(', '[', '{']) || macro_rules;
                after_ident = false;
            }
            b'#' => {
                let after = rust[i + 1..].trim_start();
                macro_next = after.starts_with('[') || after.starts_with('!');
                after_ident = false;
            }
            b'(' | b'[' | b'{' => {
                let inherited = frames.last().copied().unwrap_or(false);
                frames.push(macro_next || inherited);
                macro_next = false;
                macro_rules = false;
                after_ident = false;
            }
            b')' | b']' | b'}' => {
                frames.pop();
                after_ident = false;
            }
            _ if byte.is_ascii_alphanumeric() || byte == b'_' || byte >= 0x80 => {
                let start = i;
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' || bytes[i] >= 0x80)
                {
                    i += 1;
                }
                let word = &rust[start..i];
                // Raw and byte strings: `r"..."`, `r#"..."#`, `b"..."`, `br#"..."#`.
                if matches!(word, "r" | "br" | "cr") && matches!(bytes.get(i), Some(b'"' | b'#')) {
                    let hashes = bytes[i..].iter().take_while(|&&b| b == b'#').count();
                    if bytes.get(i + hashes) == Some(&b'"') {
                        let closing = format!("\"{}", "#".repeat(hashes));
                        i = rust[i + hashes + 1..]
                            .find(&closing)
                            .map_or(bytes.len(), |at| i + hashes + 1 + at + closing.len());
                        after_ident = false;
                        continue;
                    }
                }
                if matches!(word, "b" | "c") && bytes.get(i) == Some(&b'"') {
                    i = skip_string(bytes, i + 1);
                    after_ident = false;
                    continue;
                }
                if word == "b" && bytes.get(i) == Some(&b'\'') {
                    i = skip_char_or_lifetime(rust, i);
                    after_ident = false;
                    continue;
                }
                macro_rules = word == "macro_rules";
                after_ident = true;
                continue;
            }
            _ if byte.is_ascii_whitespace() => {}
            _ => after_ident = false,
        }
        i += 1;
    }
    if !converted {
        return None;
    }
    out.push_str(&rust[copied_to..]);
    Some(out)
}

/// The index after a string literal's closing quote; `start` is just past the opening one.
fn skip_string(bytes: &[u8], start: usize) -> usize {
    let mut i = start;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// The index after a char literal (`'a'`, `'\n'`, `'é'`) or a lifetime's quote (`'a`).
fn skip_char_or_lifetime(source: &str, at: usize) -> usize {
    let rest = &source[at + 1..];
    if let Some(escaped) = rest.strip_prefix('\\') {
        // `'\n'`, `'\''`, `'\u{1F600}'`: up to the next quote after the escaped character.
        let skip = escaped.chars().next().map_or(0, char::len_utf8);
        return escaped[skip..]
            .find('\'')
            .map_or(source.len(), |close| at + 2 + skip + close + 1);
    }
    let mut chars = rest.chars();
    match (chars.next(), chars.next()) {
        (Some(c), Some('\'')) => at + 1 + c.len_utf8() + 1,
        _ => at + 1,
    }
}

/// Takes the comment markers off the front of an expression (a cell's trailing expression,
/// which is printed inside `println!`), returning them separately.
fn take_leading_comments(expr: Expr) -> (Expr, Vec<Attribute>) {
    let mut tokens: Vec<proc_macro2::TokenTree> = quote::ToTokens::to_token_stream(&expr)
        .into_iter()
        .collect();
    let mut comments = Vec::new();
    while let [
        proc_macro2::TokenTree::Punct(pound),
        proc_macro2::TokenTree::Group(group),
        ..,
    ] = tokens.as_slice()
        && pound.as_char() == '#'
        && group.delimiter() == proc_macro2::Delimiter::Bracket
    {
        let attribute: Option<Attribute> = Attribute::parse_outer
            .parse2(quote::quote!(#pound #group))
            .ok()
            .and_then(|mut attrs| attrs.pop());
        match attribute {
            Some(attribute) if is_comment(&attribute) => {
                comments.push(attribute);
                tokens.drain(..2);
            }
            _ => break,
        }
    }
    if comments.is_empty() {
        return (expr, comments);
    }
    match syn::parse2::<Expr>(tokens.into_iter().collect()) {
        Ok(bare) => (bare, comments),
        Err(_) => (expr, Vec::new()),
    }
}

/// Whether an attribute is a comment marker.
pub fn is_comment(attribute: &Attribute) -> bool {
    attribute.path().is_ident("doc")
        && matches!(&attribute.meta, syn::Meta::NameValue(value)
            if matches!(&value.value, Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(text), .. })
                if text.value().starts_with(COMMENT_MARKER)))
}

/// Drops comment markers from attributes (of hoisted `use` lines, which are merged and
/// compared as text).
fn drop_comments(attrs: &mut Vec<Attribute>) {
    attrs.retain(|attribute| !is_comment(attribute));
}

/// Turns printed comment markers (`///@nblint-comment@ text`, wherever prettyplease put
/// them) back into `// text`. A line comment runs to the end of its line, so the code stays
/// the same code wherever the marker stood.
pub fn restore_comments(text: &str) -> String {
    let printed = format!("///{COMMENT_MARKER}");
    if !text.contains(&printed) {
        return text.to_owned();
    }
    text.replace(&printed, "//")
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
    fn comments_become_markers_outside_macros_strings_and_attributes() {
        let marker = |text: &str| format!("#[doc = \"{COMMENT_MARKER}{text}\"]");
        let source = "// a\nlet x = 1; // b\nlet s = \"// no\";\nprintln!(\"{}\", x // c\n);\n\
                      /// doc\n//! inner\n// nblint: allow(NB207)\nlet c = '/'; let d = '\\'';\n\
                      #[derive(Debug, // d\n)]\nstruct S;\nmacro_rules! m { () => { // e\n } }\n";
        let all = comments_as_attributes(source, true).unwrap();
        assert!(all.starts_with(&format!("{}\n{} let x = 1;\n", marker(" a"), marker(" b"))));
        assert!(all.contains("let s = \"// no\";"));
        assert!(all.contains("x // c\n"), "{all}");
        assert!(all.contains("/// doc\n//! inner\n\nlet c"), "{all}");
        assert!(all.contains("#[derive(Debug, // d\n)]"), "{all}");
        assert!(all.contains("() => { // e\n }"), "{all}");
        let whole_lines = comments_as_attributes(source, false).unwrap();
        assert!(whole_lines.contains("let x = 1; // b\n"), "{whole_lines}");
        assert_eq!(comments_as_attributes("let x = 1;\n", true), None);
    }

    #[test]
    fn comments_stay_with_their_statements_and_items() {
        let code = split(
            "// first\nlet x = 1;\n// helper\nfn f() {\n    // inside\n    g();\n}\n// shown\nx",
        )
        .unwrap();
        assert_eq!(code.stmts.len(), 1);
        assert_eq!(code.trailing_comments.len(), 1);
        let item = &code.items[0];
        let printed = restore_comments(&prettyplease::unparse(&syn::parse_quote!(#item)));
        assert_eq!(printed, "// helper\nfn f() {\n    // inside\n    g();\n}\n");
        // A comment before a closing brace does not parse as an attribute: it alone is left
        // out, the others stay.
        let code = split("// kept\nlet v = {\n    1\n    // lost\n};\nv").unwrap();
        assert!(code.trailing.is_some());
        let stmt = &code.stmts[0];
        let printed =
            restore_comments(&prettyplease::unparse(&syn::parse_quote!(fn f() { #stmt })));
        assert!(
            printed.contains("// kept") && !printed.contains("lost"),
            "{printed}"
        );
    }

    #[test]
    fn trailing_macro_without_semicolon_is_displayed() {
        let code = split("println!(\"x\")").unwrap();
        assert!(code.trailing.is_some());
        assert!(code.stmts.is_empty());
    }
}
