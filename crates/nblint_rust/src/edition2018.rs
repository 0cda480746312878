//! Rust 2018 syntax that the evcxr kernels of the time accepted and syn 3 does not: a trait
//! object without `dyn` written with the closure-trait sugar (`Box<Fn(i32) -> i32>`,
//! `&mut FnMut()`, `&'a FnOnce() -> T`). syn reads `Fn(..)` only where a trait bound is
//! expected, so as a type it is a syntax error, and one such cell used to silence every
//! name rule of its notebook.
//!
//! A bare trait object of a plain path (`&Display`, `Box<Error + Send>`) parses in syn as
//! it is; only the sugared closure traits need help. The fix is to try again with `dyn`
//! inserted before each such trait where a type starts (after `<`, `&`, `&mut`, `&'a`,
//! `*const`, `*mut`, `->`, `=`, or as the first token in parentheses), and only when the
//! cell as written does not parse: a cell that parses is never changed, and a cell whose
//! retry fails keeps its original error, so a real syntax error stays one.

use proc_macro2::{Delimiter, Group, Ident, Spacing, TokenStream, TokenTree};

/// The closure traits whose `Trait(Args) -> Out` sugar syn reads only in bounds.
const CLOSURE_TRAITS: &[&str] = &["Fn", "FnMut", "FnOnce"];

/// The most path segments looked at for one trait (`std::ops::Fn` has three).
const MAX_SEGMENTS: usize = 8;

/// `tokens` with `dyn` before every bare closure-trait object, or `None` when there is none.
/// Runs in time linear in the number of tokens; recursion follows the token tree, whose
/// depth the caller has already bounded.
pub fn with_dyn(tokens: TokenStream) -> Option<TokenStream> {
    let mut changed = false;
    let rewritten = rewrite(tokens, false, &mut changed);
    changed.then_some(rewritten)
}

/// `tokens` rewritten; `type_parens`: they are the inside of parentheses standing where a
/// type starts (`&(Fn() + Send)`).
fn rewrite(tokens: TokenStream, type_parens: bool, changed: &mut bool) -> TokenStream {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    let mut out = Vec::with_capacity(trees.len());
    for (index, tree) in trees.iter().enumerate() {
        if is_bare_closure_trait(&trees, index, type_parens) {
            out.push(TokenTree::Ident(Ident::new("dyn", tree.span())));
            *changed = true;
        }
        match tree {
            TokenTree::Group(group) => {
                let parens = group.delimiter() == Delimiter::Parenthesis
                    && type_starts_after(&trees, index, type_parens);
                let mut inner =
                    Group::new(group.delimiter(), rewrite(group.stream(), parens, changed));
                inner.set_span(group.span());
                out.push(TokenTree::Group(inner));
            }
            other => out.push(other.clone()),
        }
    }
    out.into_iter().collect()
}

/// Whether a closure-trait path (`Fn(..)`, `std::ops::FnMut(..)`, `for<'a> Fn(&'a T)`)
/// starts at `index`, where a type starts.
fn is_bare_closure_trait(trees: &[TokenTree], index: usize, type_parens: bool) -> bool {
    let Some(after) = path_end(trees, index) else {
        return false;
    };
    let Some(TokenTree::Ident(last)) = after.checked_sub(1).and_then(|at| trees.get(at)) else {
        return false;
    };
    let sugared = CLOSURE_TRAITS.iter().any(|name| last == name)
        && matches!(trees.get(after), Some(TokenTree::Group(group)) if group.delimiter() == Delimiter::Parenthesis);
    sugared && type_starts_after(trees, index, type_parens)
}

/// One past the last identifier of the path starting at `index` (an optional `for<..>`,
/// an optional leading `::`, then `ident(::ident)*`), or `None` when no path starts there.
fn path_end(trees: &[TokenTree], mut index: usize) -> Option<usize> {
    if matches!(trees.get(index), Some(TokenTree::Ident(ident)) if ident == "for") {
        index += 1;
        if !is_punct(trees.get(index), '<') {
            return None;
        }
        // `for<'a, 'b>`: lifetimes and commas up to the closing `>`.
        index += 1;
        while !is_punct(trees.get(index), '>') {
            match trees.get(index) {
                Some(TokenTree::Punct(punct)) if matches!(punct.as_char(), '\'' | ',') => {}
                Some(TokenTree::Ident(_)) => {}
                _ => return None,
            }
            index += 1;
        }
        index += 1;
    }
    if is_path_separator(trees, index) {
        index += 2;
    }
    for _ in 0..MAX_SEGMENTS {
        let Some(TokenTree::Ident(ident)) = trees.get(index) else {
            return None;
        };
        if ident == "dyn" || ident == "impl" {
            return None;
        }
        index += 1;
        if !is_path_separator(trees, index) {
            return Some(index);
        }
        index += 2;
    }
    None
}

/// Whether a type starts at `index`, judged from the tokens before it (at the start,
/// whether the tokens are parentheses where a type starts).
fn type_starts_after(trees: &[TokenTree], index: usize, type_parens: bool) -> bool {
    let Some(before) = index.checked_sub(1) else {
        return type_parens;
    };
    let earlier = before.checked_sub(1).and_then(|at| trees.get(at));
    match &trees[before] {
        TokenTree::Punct(punct) => match punct.as_char() {
            '<' | '&' => true,
            // `->`, but not `>` closing generics or `>=`.
            '>' => {
                matches!(earlier, Some(TokenTree::Punct(minus)) if minus.as_char() == '-' && minus.spacing() == Spacing::Joint)
            }
            // `type F = Fn(i32);`, `Item = Fn()`, but not `==`, `<=`, `!=`, ...
            '=' => {
                !matches!(earlier, Some(TokenTree::Punct(other)) if other.spacing() == Spacing::Joint)
            }
            _ => false,
        },
        TokenTree::Ident(ident) if ident == "mut" || ident == "const" => {
            is_punct(earlier, '&') || is_punct(earlier, '*') || is_lifetime_end(trees, before)
        }
        // `&'a Fn()`: the lifetime's name, after its `'`.
        TokenTree::Ident(_) => {
            is_lifetime_end(trees, index)
                && before
                    .checked_sub(2)
                    .is_some_and(|at| is_punct(trees.get(at), '&'))
        }
        _ => false,
    }
}

/// Whether the token before `index` ends a lifetime (`'a` is the punct `'` then an ident).
fn is_lifetime_end(trees: &[TokenTree], index: usize) -> bool {
    index
        .checked_sub(2)
        .is_some_and(|at| matches!(trees.get(at), Some(TokenTree::Punct(punct)) if punct.as_char() == '\'' && punct.spacing() == Spacing::Joint))
        && matches!(index.checked_sub(1).and_then(|at| trees.get(at)), Some(TokenTree::Ident(_)))
}

fn is_punct(tree: Option<&TokenTree>, c: char) -> bool {
    matches!(tree, Some(TokenTree::Punct(punct)) if punct.as_char() == c)
}

/// `::` at `index`: a joint `:` then a `:`.
fn is_path_separator(trees: &[TokenTree], index: usize) -> bool {
    matches!(trees.get(index), Some(TokenTree::Punct(first)) if first.as_char() == ':' && first.spacing() == Spacing::Joint)
        && is_punct(trees.get(index + 1), ':')
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rewritten tokens as text, spaces left out (token printing spaces them its own way).
    fn rewritten(source: &str) -> Option<String> {
        let tokens: TokenStream = source.parse().unwrap();
        with_dyn(tokens).map(|tokens| tokens.to_string().replace(' ', ""))
    }

    #[test]
    fn inserts_dyn_where_a_type_starts() {
        for (source, expected) in [
            (
                "let f: Box<Fn(i32) -> i32>;",
                "let f : Box < dyn Fn (i32) -> i32 > ;",
            ),
            (
                "fn g(f: &mut FnMut()) {}",
                "fn g (f : & mut dyn FnMut ()) { }",
            ),
            (
                "fn h(f: &'static Fn()) {}",
                "fn h (f : & 'static dyn Fn ()) { }",
            ),
            (
                "fn k() -> Box<std::ops::FnOnce()> {}",
                "fn k () -> Box < dyn std :: ops :: FnOnce () > { }",
            ),
            ("let z: &(Fn() + Send);", "let z : & (dyn Fn () + Send) ;"),
            ("type F = Fn(i32);", "type F = dyn Fn (i32) ;"),
            (
                "let p: Box<for<'a> Fn(&'a str)>;",
                "let p : Box < dyn for < 'a > Fn (& 'a str) > ;",
            ),
        ] {
            let expected = expected.replace(' ', "");
            assert_eq!(rewritten(source), Some(expected), "{source}");
        }
    }

    #[test]
    fn leaves_bounds_dyn_impl_and_calls_alone() {
        for source in [
            "fn a<F: Fn(i32)>(f: F) where G: FnMut() {}",
            "let b: Box<dyn Fn()> = x;",
            "fn c(f: impl Fn()) {}",
            "let d = make(Fn(1));",
            "let e: Box<Send + Fn()>;",
            "a == Fn(1)",
            "let g: &Display = &1;",
        ] {
            assert_eq!(rewritten(source), None, "{source}");
        }
    }
}
