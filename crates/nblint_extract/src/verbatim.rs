//! The cell's own text for the statements and items the extraction leaves unchanged.
//!
//! The generated crate is built as a syntax tree and printed with prettyplease, which knows
//! nothing of the author's line breaks, alignment, blank lines or comments. So each top-level
//! statement and item of a cell is also kept as the text it was written as (with the comments
//! above it and at the end of its last line), keyed by its tokens. When the printed crate holds
//! a statement or item whose tokens are exactly those (the extraction did not rename or rewrite
//! anything in it), the printer puts the cell's text there instead: the same tokens, so the same
//! code, in the author's layout. Anything the extraction changed is printed by prettyplease.
//!
//! Items are compared as they are placed (made public, see [`crate::plan::make_public`]): their
//! text gets the same `pub ` in front of the item, its fields and its inherent methods, and is
//! parsed again to check that it is the same item.

use std::collections::{HashMap, HashSet};

use proc_macro2::{LineColumn, TokenStream, TokenTree};
use quote::ToTokens;
use syn::parse::Parser;
use syn::spanned::Spanned;
use syn::{Item, Stmt};

use crate::source::COMMENT_MARKER;

/// A statement's or item's own text, keyed by its tokens (comment markers left out).
#[derive(Debug, Clone, Default)]
pub struct Texts {
    texts: HashMap<String, Text>,
    /// Keys written two different ways (in two cells): neither text is used.
    ambiguous: HashSet<String>,
    /// The same statements and items by their shape (tokens with every identifier left
    /// out), for those the extraction changed only by renaming identifiers.
    renamable: HashMap<String, Vec<Renamable>>,
}

/// A statement's or item's written text with where its tokens stand in it.
#[derive(Debug, Clone)]
struct Renamable {
    /// The text from the end of the element before (comments above it included).
    written: String,
    /// Its tokens in order, groups opened and closed, identifiers with their offsets.
    tokens: Vec<Flat>,
}

/// One token of a flattened token stream.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Flat {
    /// An identifier (or keyword) and its byte offset in the written text.
    Ident(String, usize),
    /// Any other token, or a group's opening or closing delimiter.
    Other(String),
}

/// The written text of one statement or item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    /// The lines, with the comments above and after it, common indentation removed.
    pub lines: Vec<String>,
    /// A blank line stood above it (or above its comments) in the cell.
    pub blank_before: bool,
}

impl Texts {
    /// The texts of the top-level statements and items of a cell's Rust part. Empty when the
    /// part does not parse as written (the extraction then works on a repaired parse, such as
    /// 2018-edition trait objects given `dyn`, whose text the cell does not hold).
    pub fn of_cell(rust: &str) -> Texts {
        let Ok((inner, stmts)) = crate::source::parse_cell.parse_str(rust) else {
            return Texts::default();
        };
        let lines = LineStarts::new(rust);
        let mut texts = Texts::default();
        let mut previous_end = inner
            .last()
            .map_or(0, |attribute| lines.offset(rust, attribute.span().end()));
        for stmt in &stmts {
            let span = stmt.span();
            let start = lines.offset(rust, span.start());
            let end = end_of_trailing_comment(rust, lines.offset(rust, span.end()));
            if start < previous_end || end < start {
                return Texts::default();
            }
            let from = previous_end;
            previous_end = end;
            if has_multiline_literal(stmt.to_token_stream()) {
                continue;
            }
            let found = match stmt {
                Stmt::Item(item) => public_item(item, rust, &lines, from, end),
                _ => Some((key(stmt), rust[from..end].to_owned())),
            };
            if let Some((key, written)) = found
                && let Some(text) = Text::new(&written)
            {
                texts.insert(key, text);
                if let Some(renamable) = Renamable::new(written, matches!(stmt, Stmt::Item(_))) {
                    texts
                        .renamable
                        .entry(shape(&renamable.tokens))
                        .or_default()
                        .push(renamable);
                }
            }
        }
        texts
    }

    /// The written text of a statement, if the cell holds it unchanged.
    pub fn stmt(&self, stmt: &Stmt) -> Option<&Text> {
        self.texts.get(&key(stmt))
    }

    /// The written text of an item (as placed: public), if the cell holds it unchanged.
    pub fn item(&self, item: &Item) -> Option<&Text> {
        self.texts.get(&key(item))
    }

    /// The written text of a statement the extraction changed only by renaming identifiers,
    /// with the new names put in.
    pub fn renamed_stmt(&self, stmt: &Stmt) -> Option<Text> {
        self.renamed(stmt.to_token_stream(), &key(stmt))
    }

    /// The written text of an item (as placed) the extraction changed only by renaming
    /// identifiers, with the new names put in.
    pub fn renamed_item(&self, item: &Item) -> Option<Text> {
        self.renamed(item.to_token_stream(), &key(item))
    }

    fn renamed(&self, tokens: TokenStream, wanted: &str) -> Option<Text> {
        let mut target = Vec::new();
        flatten(tokens, None, &mut target);
        let mut found: Option<Text> = None;
        for candidate in self.renamable.get(&shape(&target))? {
            let Some(text) = candidate.renamed_to(&target, wanted) else {
                continue;
            };
            match &found {
                Some(other) if *other != text => return None,
                _ => found = Some(text),
            }
        }
        found
    }

    /// Adds the texts of another cell; a key written two different ways is dropped (either
    /// text would do, but which one the reader sees should not depend on cell order).
    pub fn extend(&mut self, other: &Texts) {
        for (key, text) in &other.texts {
            self.insert(key.clone(), text.clone());
        }
        self.ambiguous.extend(other.ambiguous.iter().cloned());
        for (shape, candidates) in &other.renamable {
            self.renamable
                .entry(shape.clone())
                .or_default()
                .extend(candidates.iter().cloned());
        }
    }

    fn insert(&mut self, key: String, text: Text) {
        if self.ambiguous.contains(&key) {
            return;
        }
        match self.texts.get(&key) {
            Some(existing) if *existing != text => {
                self.texts.remove(&key);
                self.ambiguous.insert(key);
            }
            Some(_) => {}
            None => {
                self.texts.insert(key, text);
            }
        }
    }
}

impl Text {
    /// The text written from the end of the previous element up to the end of this one, with
    /// leading blank lines, `// nblint:` directives and the common indentation taken off.
    fn new(written: &str) -> Option<Text> {
        // The first piece is what was left of the previous element's last line (empty when
        // it ended the line); whitespace-only pieces after it are blank lines.
        let pieces: Vec<&str> = written.split('\n').collect();
        let leading = pieces
            .iter()
            .take_while(|piece| piece.trim().is_empty())
            .count();
        let blank_before = leading >= 2;
        let mut lines = pieces[leading..].to_vec();
        lines.retain(|line| !line.trim_start().starts_with("// nblint:"));
        while lines.last().is_some_and(|line| line.trim().is_empty()) {
            lines.pop();
        }
        if lines.is_empty() {
            return None;
        }
        let indent = lines
            .iter()
            .filter(|line| !line.trim().is_empty())
            .map(|line| line.len() - line.trim_start().len())
            .min()
            .unwrap_or(0);
        let lines = lines
            .iter()
            .map(|line| {
                if line.trim().is_empty() {
                    String::new()
                } else {
                    line[indent.min(line.len() - line.trim_start().len())..]
                        .trim_end()
                        .to_owned()
                }
            })
            .collect();
        Some(Text {
            lines,
            blank_before,
        })
    }
}

/// The item made public as [`crate::plan::make_public`] does, written as the cell wrote it
/// with `pub ` inserted where the visibility goes; `None` when the text parsed again is not
/// that item.
fn public_item(
    item: &Item,
    rust: &str,
    lines: &LineStarts,
    from: usize,
    end: usize,
) -> Option<(String, String)> {
    let mut public = item.clone();
    crate::plan::make_public(&mut public);
    let mut insert_at: Vec<usize> = visibility_places(item)
        .into_iter()
        .map(|at| lines.offset(rust, at))
        .collect();
    insert_at.sort_unstable();
    let mut written = rust[from..end].to_owned();
    for at in insert_at.iter().rev() {
        let at = at.checked_sub(from)?;
        if at > written.len() || !written.is_char_boundary(at) {
            return None;
        }
        written.insert_str(at, "pub ");
    }
    let reparsed: Item = syn::parse_str(&written).ok()?;
    if key(&reparsed) != key(&public) {
        return None;
    }
    Some((key(&public), written))
}

impl Renamable {
    /// The written text of one statement or item, parsed again on its own for its tokens'
    /// places; `None` when it does not parse alone.
    fn new(written: String, item: bool) -> Option<Renamable> {
        let tokens = if item {
            syn::parse_str::<Item>(&written).ok()?.to_token_stream()
        } else {
            let (inner, stmts) = crate::source::parse_cell.parse_str(&written).ok()?;
            let [stmt] = stmts.as_slice() else {
                return None;
            };
            if !inner.is_empty() {
                return None;
            }
            stmt.to_token_stream()
        };
        let lines = LineStarts::new(&written);
        let mut flat = Vec::new();
        flatten(tokens, Some((&lines, &written)), &mut flat);
        Some(Renamable {
            written,
            tokens: flat,
        })
    }

    /// The text with the identifiers that differ from `target`'s put in, when only
    /// identifiers differ and the result is the wanted code.
    fn renamed_to(&self, target: &[Flat], wanted: &str) -> Option<Text> {
        if self.tokens.len() != target.len() {
            return None;
        }
        let mut edits = Vec::new();
        for (ours, theirs) in self.tokens.iter().zip(target) {
            match (ours, theirs) {
                (Flat::Ident(old, at), Flat::Ident(new, _)) if old != new => {
                    edits.push((*at, old.len(), new.as_str()));
                }
                (Flat::Ident(old, _), Flat::Ident(new, _)) if old == new => {}
                (Flat::Other(a), Flat::Other(b)) if a == b => {}
                _ => return None,
            }
        }
        if edits.is_empty() {
            return None;
        }
        let mut text = self.written.clone();
        for (at, len, new) in edits.into_iter().rev() {
            text.get(at..at + len)?;
            text.replace_range(at..at + len, new);
        }
        // The edited text must be the code the extraction wants, token for token.
        let same = match syn::parse_str::<Item>(&text) {
            Ok(item) => key(&item) == wanted,
            Err(_) => crate::source::parse_cell.parse_str(&text).ok().is_some_and(
                |(_, stmts)| matches!(stmts.as_slice(), [stmt] if key(stmt) == wanted),
            ),
        };
        if !same {
            return None;
        }
        Text::new(&text)
    }
}

/// Flattens tokens: groups as their opening delimiter, contents and closing delimiter;
/// identifiers with their byte offset when `place` gives the text they were parsed from;
/// comment markers (`#[doc = "@nblint-comment@ .."]`) left out.
fn flatten(tokens: TokenStream, place: Option<(&LineStarts, &str)>, out: &mut Vec<Flat>) {
    let mut tokens = tokens.into_iter().peekable();
    while let Some(token) = tokens.next() {
        match token {
            TokenTree::Punct(pound) if pound.as_char() == '#' => {
                if let Some(TokenTree::Group(group)) = tokens.peek()
                    && group.delimiter() == proc_macro2::Delimiter::Bracket
                    && group
                        .stream()
                        .to_string()
                        .starts_with(&format!("doc = \"{COMMENT_MARKER}"))
                {
                    tokens.next();
                    continue;
                }
                out.push(Flat::Other("#".into()));
            }
            TokenTree::Ident(ident) => {
                let at = place.map_or(0, |(lines, text)| lines.offset(text, ident.span().start()));
                out.push(Flat::Ident(ident.to_string(), at));
            }
            TokenTree::Group(group) => {
                let (open, close) = match group.delimiter() {
                    proc_macro2::Delimiter::Parenthesis => ("(", ")"),
                    proc_macro2::Delimiter::Brace => ("{", "}"),
                    proc_macro2::Delimiter::Bracket => ("[", "]"),
                    proc_macro2::Delimiter::None => ("", ""),
                };
                out.push(Flat::Other(open.into()));
                flatten(group.stream(), place, out);
                out.push(Flat::Other(close.into()));
            }
            TokenTree::Punct(punct) => out.push(Flat::Other(punct.as_char().to_string())),
            TokenTree::Literal(literal) => out.push(Flat::Other(literal.to_string())),
        }
    }
}

/// The shape of flattened tokens: their text with every identifier left out.
fn shape(tokens: &[Flat]) -> String {
    let mut out = String::new();
    for token in tokens {
        match token {
            Flat::Ident(..) => out.push('\u{1}'),
            Flat::Other(text) => out.push_str(text),
        }
        out.push(' ');
    }
    out
}

/// Where `pub ` goes in an item that [`crate::plan::make_public`] changes: before the first
/// token after the attributes of the item, of each field without a visibility, and of each
/// inherent method, const or type without one.
fn visibility_places(item: &Item) -> Vec<LineColumn> {
    fn first_after_attributes(tokens: TokenStream) -> Option<LineColumn> {
        let mut tokens = tokens.into_iter().peekable();
        while let Some(TokenTree::Punct(pound)) = tokens.peek() {
            if pound.as_char() != '#' {
                break;
            }
            tokens.next();
            if let Some(TokenTree::Punct(bang)) = tokens.peek()
                && bang.as_char() == '!'
            {
                tokens.next();
            }
            tokens.next();
        }
        tokens.next().map(|token| token.span().start())
    }
    let inherited = |vis: &syn::Visibility| matches!(vis, syn::Visibility::Inherited);
    let mut places = Vec::new();
    let mut own = |vis: &syn::Visibility, tokens: TokenStream| {
        if inherited(vis)
            && let Some(at) = first_after_attributes(tokens)
        {
            places.push(at);
        }
    };
    match item {
        Item::Const(it) => own(&it.vis, it.to_token_stream()),
        Item::Enum(it) => own(&it.vis, it.to_token_stream()),
        Item::Fn(it) => own(&it.vis, it.to_token_stream()),
        Item::Mod(it) => own(&it.vis, it.to_token_stream()),
        Item::Static(it) => own(&it.vis, it.to_token_stream()),
        Item::Trait(it) => own(&it.vis, it.to_token_stream()),
        Item::TraitAlias(it) => own(&it.vis, it.to_token_stream()),
        Item::Type(it) => own(&it.vis, it.to_token_stream()),
        Item::Struct(it) => {
            own(&it.vis, it.to_token_stream());
            for field in &it.fields {
                own(&field.vis, field.to_token_stream());
            }
        }
        Item::Union(it) => {
            own(&it.vis, it.to_token_stream());
            for field in &it.fields.named {
                own(&field.vis, field.to_token_stream());
            }
        }
        Item::Impl(it) if it.trait_.is_none() => {
            for member in &it.items {
                match member {
                    syn::ImplItem::Fn(method) => own(&method.vis, method.to_token_stream()),
                    syn::ImplItem::Const(constant) => {
                        own(&constant.vis, constant.to_token_stream());
                    }
                    syn::ImplItem::Type(ty) => own(&ty.vis, ty.to_token_stream()),
                    _ => {}
                }
            }
        }
        _ => {}
    }
    places
}

/// The key of a statement or item: its tokens, comment markers left out.
fn key(node: &impl ToTokens) -> String {
    without_comment_markers(&node.to_token_stream().to_string())
}

/// Token text with the `# [doc = "@nblint-comment@ ..."]` markers taken out.
fn without_comment_markers(tokens: &str) -> String {
    let opening = format!("# [doc = \"{COMMENT_MARKER}");
    if !tokens.contains(&opening) {
        return tokens.to_owned();
    }
    let mut out = String::with_capacity(tokens.len());
    let mut rest = tokens;
    while let Some(at) = rest.find(&opening) {
        out.push_str(&rest[..at]);
        let end = crate::source::marker_end(rest, at + opening.len());
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// Whether a string-like literal in the tokens spans lines: indenting the text would change
/// its value.
fn has_multiline_literal(tokens: TokenStream) -> bool {
    tokens.into_iter().any(|token| match token {
        TokenTree::Literal(literal) => literal.span().start().line != literal.span().end().line,
        TokenTree::Group(group) => has_multiline_literal(group.stream()),
        _ => false,
    })
}

/// The end of the line at `end` when only comments (a `//` comment that is not a doc
/// comment, `/* .. */` comments closed on that line) and spaces follow it there; `end`
/// otherwise.
fn end_of_trailing_comment(cell: &str, end: usize) -> usize {
    let line_end = cell[end..].find('\n').map_or(cell.len(), |at| end + at);
    let mut after = cell[end..line_end].trim_start();
    while let Some(inside) = after.strip_prefix("/*") {
        if inside.starts_with(['*', '!']) && !inside.starts_with("*/") {
            return end;
        }
        match inside.find("*/") {
            Some(close) if !inside[..close].contains("/*") => {
                after = inside[close + 2..].trim_start();
            }
            _ => return end,
        }
    }
    let is_comment =
        after.starts_with("//") && !after.starts_with("///") && !after.starts_with("//!");
    if after.is_empty() || is_comment {
        line_end
    } else {
        end
    }
}

/// The byte offsets where the lines of a text start, to turn spans into offsets.
struct LineStarts(Vec<usize>);

impl LineStarts {
    fn new(text: &str) -> LineStarts {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(at, _)| at + 1));
        LineStarts(starts)
    }

    /// The byte offset of a span position (one-based line, column in characters).
    fn offset(&self, text: &str, at: LineColumn) -> usize {
        let Some(&line_start) = self.0.get(at.line.saturating_sub(1)) else {
            return text.len();
        };
        let line = &text[line_start..];
        line.char_indices()
            .nth(at.column)
            .map_or(text.len(), |(offset, _)| line_start + offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &Text) -> String {
        text.lines.join("\n")
    }

    /// The statements as the extraction sees them: parsed with comment markers.
    fn marked_stmts(rust: &str) -> Vec<Stmt> {
        crate::source::split(rust).unwrap().stmts
    }

    #[test]
    fn a_statement_keeps_its_layout_and_its_comments() {
        let rust = "// load\nlet v = vec![1,\n             2]; // two\n\n\n// sum\nlet s: i32 = v.iter()\n    .sum();\n";
        let texts = Texts::of_cell(rust);
        let stmts = marked_stmts(rust);
        let first = texts.stmt(&stmts[0]).unwrap();
        assert_eq!(
            lines(first),
            "// load\nlet v = vec![1,\n             2]; // two"
        );
        assert!(!first.blank_before);
        let second = texts.stmt(&stmts[1]).unwrap();
        assert_eq!(lines(second), "// sum\nlet s: i32 = v.iter()\n    .sum();");
        assert!(second.blank_before);
    }

    #[test]
    fn a_changed_statement_has_no_text() {
        let texts = Texts::of_cell("let total = f(x);\n");
        let renamed: Stmt = syn::parse_quote!(let total = f_cell2(x););
        assert!(texts.stmt(&renamed).is_none());
    }

    #[test]
    fn a_multiline_string_is_not_reindented() {
        let rust = "let s = \"one\ntwo\";\nlet t = 1;\n";
        let texts = Texts::of_cell(rust);
        let stmts = marked_stmts(rust);
        assert!(texts.stmt(&stmts[0]).is_none());
        assert_eq!(lines(texts.stmt(&stmts[1]).unwrap()), "let t = 1;");
    }

    #[test]
    fn an_item_is_written_public_where_the_extraction_makes_it_public() {
        let rust = "#[derive(Debug)]\nstruct P { x: i32,   y: i32 }\n\nimpl P {\n    // size\n    fn norm(&self) -> i32 { self.x.abs() + self.y.abs() }\n    pub fn x(&self) -> i32 { self.x }\n}\nstruct T(f64, pub f64);\n";
        let texts = Texts::of_cell(rust);
        let code = crate::source::split(rust).unwrap();
        let mut placed: Vec<Item> = code.items.clone();
        for item in &mut placed {
            crate::plan::make_public(item);
        }
        assert_eq!(
            lines(texts.item(&placed[0]).unwrap()),
            "#[derive(Debug)]\npub struct P { pub x: i32,   pub y: i32 }"
        );
        assert_eq!(
            lines(texts.item(&placed[1]).unwrap()),
            "impl P {\n    // size\n    pub fn norm(&self) -> i32 { self.x.abs() + self.y.abs() }\n    pub fn x(&self) -> i32 { self.x }\n}"
        );
        assert_eq!(
            lines(texts.item(&placed[2]).unwrap()),
            "pub struct T(pub f64, pub f64);"
        );
    }

    #[test]
    fn a_statement_written_two_ways_in_two_cells_is_printed() {
        let mut texts = Texts::of_cell("let a = 1; // first\n");
        texts.extend(&Texts::of_cell("let a = 1; // second\n"));
        let stmt: Stmt = syn::parse_quote!(let a = 1;);
        assert!(texts.stmt(&stmt).is_none());
        let mut same = Texts::of_cell("let a = 1;\n");
        same.extend(&Texts::of_cell("let a = 1;\n"));
        assert!(same.stmt(&stmt).is_some());
    }

    #[test]
    fn directives_and_inner_attributes_are_not_copied() {
        let rust = "#![allow(unused)]\n// nblint: allow(NB207)\nlet a = 1;   /* one */  // a\n";
        let texts = Texts::of_cell(rust);
        let stmts = marked_stmts(rust);
        assert_eq!(
            lines(texts.stmt(&stmts[0]).unwrap()),
            "let a = 1;   /* one */  // a"
        );
    }

    #[test]
    fn markers_are_left_out_of_keys() {
        assert_eq!(
            without_comment_markers("# [doc = \"@nblint-comment@ say \\\"hi\\\"\"] let a = 1 ;"),
            "let a = 1 ;"
        );
    }

    #[test]
    fn a_renamed_statement_keeps_its_layout_with_the_new_name() {
        let rust = "let total = f(x,   y); // sum\n";
        let texts = Texts::of_cell(rust);
        let renamed: Stmt = syn::parse_quote!(let total = f_cell2(x, y););
        assert_eq!(
            lines(&texts.renamed_stmt(&renamed).unwrap()),
            "let total = f_cell2(x,   y); // sum"
        );
        // More than a rename: printed anew.
        let rewritten: Stmt = syn::parse_quote!(let total = f_cell2(&x, y););
        assert!(texts.renamed_stmt(&rewritten).is_none());
    }

    #[test]
    fn a_renamed_item_keeps_its_layout_with_the_new_name() {
        let rust = "// v1\nfn area(r: f64) -> f64 {\n    3.0 * r*r\n}\n";
        let texts = Texts::of_cell(rust);
        let renamed: Item = syn::parse_quote!(
            pub fn area_cell2(r: f64) -> f64 {
                3.0 * r * r
            }
        );
        assert_eq!(
            lines(&texts.renamed_item(&renamed).unwrap()),
            "// v1\npub fn area_cell2(r: f64) -> f64 {\n    3.0 * r*r\n}"
        );
    }
}
