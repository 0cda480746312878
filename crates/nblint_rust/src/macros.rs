//! Macro arguments: format strings and their inline captures (`println!("{x}")`), named
//! arguments, and the keywords skipped when a macro's tokens are not Rust we can parse.

use std::ops::Range;

use proc_macro2::{Ident, TokenStream, TokenTree};
use syn::parse::ParseStream;
#[cfg(test)]
use syn::parse::Parser as _;
use syn::{Attribute, Expr, Lit, LitStr, Token, Type, Visibility};

/// One argument of a format macro: `value` or `name = value`.
pub struct FormatArg {
    /// The name of a named argument.
    pub name: Option<Ident>,
    /// The argument's expression.
    pub value: Expr,
}

/// Macros from std and common crates whose arguments include a format string.
pub fn is_format_macro(name: &str) -> bool {
    matches!(
        name,
        "println"
            | "print"
            | "eprintln"
            | "eprint"
            | "format"
            | "format_args"
            | "write"
            | "writeln"
            | "panic"
            | "assert"
            | "assert_eq"
            | "assert_ne"
            | "debug_assert"
            | "debug_assert_eq"
            | "debug_assert_ne"
            | "unreachable"
            | "todo"
            | "unimplemented"
            | "trace"
            | "debug"
            | "info"
            | "warn"
            | "error"
            | "anyhow"
            | "bail"
            | "ensure"
    )
}

/// Parses comma-separated format arguments.
pub fn parse_format_args(input: ParseStream) -> syn::Result<Vec<FormatArg>> {
    let mut args = Vec::new();
    while !input.is_empty() {
        let fork = input.fork();
        let named = (|| -> syn::Result<(Ident, Expr)> {
            let name: Ident = fork.parse()?;
            fork.parse::<Token![=]>()?;
            let value: Expr = fork.parse()?;
            if !(fork.is_empty() || fork.peek(Token![,])) {
                return Err(fork.error("not a named argument"));
            }
            Ok((name, value))
        })();
        let arg = match named {
            Ok((name, value)) => {
                syn::parse::discouraged::Speculative::advance_to(input, &fork);
                FormatArg {
                    name: Some(name),
                    value,
                }
            }
            Err(_) => FormatArg {
                name: None,
                value: input.parse()?,
            },
        };
        args.push(arg);
        if input.is_empty() {
            break;
        }
        input.parse::<Token![,]>()?;
    }
    Ok(args)
}

/// One static that `thread_local!` or `lazy_static!` declares:
/// `#[attr] pub static [ref] NAME: Type = init;`.
pub struct StaticDeclaration {
    /// Its outer attributes.
    pub attrs: Vec<Attribute>,
    /// Its name.
    pub ident: Ident,
    /// Its type.
    pub ty: Type,
    /// Its initialiser (`const { .. }` included).
    pub init: Expr,
}

/// Parses the body of `thread_local!` / `lazy_static!`: static declarations separated by
/// `;` (the last one's `;` is optional, as `thread_local!` allows).
pub fn parse_static_declarations(input: ParseStream) -> syn::Result<Vec<StaticDeclaration>> {
    let mut statics = Vec::new();
    while !input.is_empty() {
        let attrs = Attribute::parse_outer(input)?;
        input.parse::<Visibility>()?;
        input.parse::<Token![static]>()?;
        input.parse::<Option<Token![ref]>>()?;
        let ident: Ident = input.parse()?;
        input.parse::<Token![:]>()?;
        let ty: Type = input.parse()?;
        input.parse::<Token![=]>()?;
        let init: Expr = input.parse()?;
        statics.push(StaticDeclaration {
            attrs,
            ident,
            ty,
            init,
        });
        if input.is_empty() {
            break;
        }
        input.parse::<Token![;]>()?;
    }
    Ok(statics)
}

/// Whether a `macro_rules!` body may define names where the macro is called: an item keyword
/// (`fn`, `struct`, `enum`, `union`, `trait`, `type`, `static`, `const`, `mod`) followed by a
/// name or a `$` metavariable, or `let $name` (a binding named by the caller is visible to
/// the caller despite hygiene). Which names it defines depends on each call, which nblint
/// does not expand.
pub fn defines_items(tokens: TokenStream) -> bool {
    let mut stack = vec![tokens.into_iter()];
    let mut keyword: Option<String> = None;
    while let Some(top) = stack.last_mut() {
        let Some(tree) = top.next() else {
            stack.pop();
            keyword = None;
            continue;
        };
        let previous = keyword.take();
        match tree {
            TokenTree::Group(group) => stack.push(group.stream().into_iter()),
            TokenTree::Punct(punct) => {
                if punct.as_char() == '$' && previous.is_some() {
                    return true;
                }
            }
            TokenTree::Ident(ident) => {
                let name = ident.to_string();
                if let Some(previous) = previous
                    && previous != "let"
                    && !is_keyword(&name)
                {
                    return true;
                }
                if matches!(
                    name.as_str(),
                    "fn" | "struct"
                        | "enum"
                        | "union"
                        | "trait"
                        | "type"
                        | "static"
                        | "const"
                        | "mod"
                        | "let"
                ) {
                    keyword = Some(name);
                }
            }
            TokenTree::Literal(_) => {}
        }
    }
    false
}

/// The string literal an argument is, if it is one.
pub fn string_literal(expr: &Expr) -> Option<&LitStr> {
    match expr {
        Expr::Lit(literal) => match &literal.lit {
            Lit::Str(string) => Some(string),
            _ => None,
        },
        _ => None,
    }
}

/// The names a format string captures (`{x}`, `{x:?}`, `{:width$}`), each with its byte
/// range inside the literal as written (quotes and prefix included).
pub fn format_captures(literal: &LitStr) -> Vec<(String, Range<usize>)> {
    captures_in(&literal.token().to_string())
}

/// The captures of a format string given as its literal's source text.
fn captures_in(text: &str) -> Vec<(String, Range<usize>)> {
    let mut captures = Vec::new();
    for_each_capture(text, |range| {
        captures.push((text[range.clone()].to_owned(), range));
    });
    captures
}

/// Calls `found` with the byte range of each name a format string captures, in order, given
/// the literal's source text (quotes and prefix included).
pub(crate) fn for_each_capture(text: &str, mut found: impl FnMut(Range<usize>)) {
    let raw = text.starts_with('r');
    let Some(open) = text.find('"') else {
        return;
    };
    let close = text.rfind('"').unwrap_or(text.len());
    let bytes = text.as_bytes();
    let mut index = open + 1;
    while index < close {
        match bytes[index] {
            b'\\' if !raw => {
                // `\u{..}` holds braces that are not format syntax.
                if bytes.get(index + 1) == Some(&b'u') && bytes.get(index + 2) == Some(&b'{') {
                    index = text[index..close]
                        .find('}')
                        .map_or(close, |end| index + end + 1);
                } else {
                    index += 2;
                }
            }
            b'{' if bytes.get(index + 1) == Some(&b'{') => index += 2,
            b'{' => {
                let Some(length) = text[index + 1..close].find('}') else {
                    break;
                };
                let spec_start = index + 1;
                let spec = &text[spec_start..spec_start + length];
                let (argument, format) = spec.split_once(':').unwrap_or((spec, ""));
                let trimmed = argument.trim();
                if is_identifier(trimmed) {
                    let start = spec_start + (argument.len() - argument.trim_start().len());
                    found(start..start + trimmed.len());
                }
                // `{:width$}` / `{:.precision$}` name arguments too.
                let format_start = spec_start + argument.len() + 1;
                let mut word_start = None;
                for (offset, c) in format.char_indices() {
                    if c.is_alphanumeric() || c == '_' {
                        word_start.get_or_insert(offset);
                    } else {
                        if c == '$'
                            && let Some(begin) = word_start
                        {
                            let word = &format[begin..offset];
                            if is_identifier(word) {
                                let start = format_start + begin;
                                found(start..start + word.len());
                            }
                        }
                        word_start = None;
                    }
                }
                index = spec_start + length + 1;
            }
            _ => index += 1,
        }
    }
}

fn is_identifier(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
        && text != "_"
}

/// Rust's keywords (strict, reserved and the common weak ones), which are never uses.
pub fn is_keyword(name: &str) -> bool {
    matches!(
        name,
        "as" | "async"
            | "await"
            | "break"
            | "const"
            | "continue"
            | "crate"
            | "dyn"
            | "else"
            | "enum"
            | "extern"
            | "false"
            | "fn"
            | "for"
            | "if"
            | "impl"
            | "in"
            | "let"
            | "loop"
            | "match"
            | "mod"
            | "move"
            | "mut"
            | "pub"
            | "ref"
            | "return"
            | "self"
            | "Self"
            | "static"
            | "struct"
            | "super"
            | "trait"
            | "true"
            | "type"
            | "unsafe"
            | "use"
            | "where"
            | "while"
            | "yield"
            | "union"
            | "macro_rules"
            | "abstract"
            | "become"
            | "box"
            | "do"
            | "final"
            | "macro"
            | "override"
            | "priv"
            | "try"
            | "typeof"
            | "unsized"
            | "virtual"
            | "gen"
    )
}

/// Parses `text` as format macro arguments (for tests and callers holding text).
#[cfg(test)]
fn parse_args_str(text: &str) -> syn::Result<Vec<FormatArg>> {
    parse_format_args.parse_str(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<String> {
        captures_in(text)
            .into_iter()
            .map(|(name, _)| name)
            .collect()
    }

    #[test]
    fn captures_inline_names_widths_and_skips_escapes() {
        assert_eq!(names(r#""{x} and {y:?} and {0} and {}""#), ["x", "y"]);
        assert_eq!(
            names(r#""{{not}} {z:>width$.prec$}""#),
            ["z", "width", "prec"]
        );
        assert_eq!(names(r#""\u{1F600} {a}""#), ["a"]);
        assert_eq!(names(r##"r#"{raw}"#"##), ["raw"]);
        assert_eq!(names(r#""{ spaced }""#), ["spaced"]);
    }

    #[test]
    fn item_defining_macro_rules_bodies() {
        let defines = |text: &str| defines_items(text.parse().unwrap());
        assert!(defines("($name:ident) => { struct $name { x: i32 } }"));
        assert!(defines("() => { fn helper() -> u8 { 1 } }"));
        assert!(defines("($v:ident, $e:expr) => { let $v = $e; }"));
        assert!(defines("($t:ty) => { const fn zero() -> $t { 0 } }"));
        assert!(!defines("($e:expr) => { { let x = $e; x * 2 } }"));
        assert!(!defines("($a:expr, $b:expr) => { $a.max($b) }"));
        assert!(!defines("($t:ty) => { impl Show for $t {} }"));
    }

    #[test]
    fn capture_ranges_point_at_the_name() {
        let text = r#""total: {total:.2}""#;
        let (name, range) = &captures_in(text)[0];
        assert_eq!(&text[range.clone()], name);
    }

    #[test]
    fn named_arguments_are_told_apart_from_comparisons() {
        let args = parse_args_str(r#""{x}", x = 5, a == b"#).unwrap();
        assert_eq!(args.len(), 3);
        assert_eq!(
            args[1].name.as_ref().map(ToString::to_string).as_deref(),
            Some("x")
        );
        assert!(args[2].name.is_none());
    }
}
