//! A `use` the evcxr kernel runs without its `;`: `use std::path::Path` on a line of its own,
//! then more code. evcxr splits a cell with rust-analyzer's error-tolerant parser and writes
//! each imported name back as its own `use ..;` at the crate root, so the missing `;` never
//! reaches rustc (notebooks of three projects ran such cells and show their outputs). syn
//! stops at it ("expected `;`"), and one such cell used to be NB001 and silence NB202 and
//! NB207 for the notebook.
//!
//! The fix is to try again with a `;` after each top-level `use` tree that ends at the end of
//! its line, and only when the cell as written does not parse (see
//! [`crate::as_the_kernel_reads`]).

use proc_macro2::{Delimiter, Punct, Spacing, TokenStream, TokenTree};

/// `tokens` with a `;` after every top-level `use` tree that a line break ends, or `None`
/// when there is none. Linear in the number of top-level tokens.
pub(crate) fn with_semicolons(tokens: TokenStream) -> Option<TokenStream> {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    let mut out = Vec::with_capacity(trees.len());
    let mut changed = false;
    let mut index = 0;
    // A `;` was just put in: the next token starts a statement.
    let mut ended = false;
    while index < trees.len() {
        let tree = &trees[index];
        out.push(tree.clone());
        let starts = std::mem::take(&mut ended) || starts_statement(&trees, index);
        if is_ident(tree, "use") && starts {
            index += 1;
            // The use tree: paths, `::`, `*`, `{..}` groups, `as` renames, up to its `;`
            // or to a token on a later line that does not go on with it.
            while let Some(next) = trees.get(index) {
                if is_punct(next, ';') {
                    break;
                }
                let previous = &trees[index - 1];
                let new_line = next.span().start().line > previous.span().end().line;
                let continues = is_punct(next, ':')
                    || is_punct(next, ',')
                    || is_ident(next, "as")
                    || is_punct(previous, ':')
                    || is_punct(previous, ',')
                    || is_ident(previous, "as")
                    || is_ident(previous, "use");
                if new_line && !continues {
                    out.push(semicolon(previous));
                    changed = true;
                    ended = true;
                    break;
                }
                if !is_use_tree_token(next) {
                    // Not a use tree (`use` in a macro's body, a syntax error): as written.
                    break;
                }
                out.push(next.clone());
                index += 1;
            }
            // The cell ends with the tree (not with a bare `use`).
            if index == trees.len()
                && let Some(last) = trees.last()
                && !is_ident(last, "use")
            {
                out.push(semicolon(last));
                changed = true;
            }
            continue;
        }
        index += 1;
    }
    changed.then(|| out.into_iter().collect())
}

/// Whether the token at `index` starts a statement of the cell: the first token, or after a
/// `;`, a `{..}` block or item body, an attribute `#[..]`, or a visibility (`pub`,
/// `pub(crate)`).
fn starts_statement(trees: &[TokenTree], index: usize) -> bool {
    let Some(before) = index.checked_sub(1).map(|at| &trees[at]) else {
        return true;
    };
    match before {
        TokenTree::Punct(punct) => punct.as_char() == ';',
        TokenTree::Group(group) => match group.delimiter() {
            Delimiter::Brace => true,
            // `#[cfg(..)] use ..`, `pub(crate) use ..`.
            Delimiter::Bracket => index >= 2 && is_punct(&trees[index - 2], '#'),
            Delimiter::Parenthesis => index >= 2 && is_ident(&trees[index - 2], "pub"),
            Delimiter::None => false,
        },
        TokenTree::Ident(ident) => ident == "pub",
        TokenTree::Literal(_) => false,
    }
}

/// Whether `tree` may be part of a use tree: a name, `::`, `*`, `,` or a `{..}` group.
fn is_use_tree_token(tree: &TokenTree) -> bool {
    match tree {
        TokenTree::Ident(_) => true,
        TokenTree::Punct(punct) => matches!(punct.as_char(), ':' | '*' | ','),
        TokenTree::Group(group) => group.delimiter() == Delimiter::Brace,
        TokenTree::Literal(_) => false,
    }
}

/// A `;` at the end of `after`.
fn semicolon(after: &TokenTree) -> TokenTree {
    let mut punct = Punct::new(';', Spacing::Alone);
    punct.set_span(after.span());
    TokenTree::Punct(punct)
}

fn is_ident(tree: &TokenTree, name: &str) -> bool {
    matches!(tree, TokenTree::Ident(ident) if ident == name)
}

fn is_punct(tree: &TokenTree, character: char) -> bool {
    matches!(tree, TokenTree::Punct(punct) if punct.as_char() == character)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewritten(source: &str) -> Option<String> {
        let tokens: TokenStream = source.parse().expect("tokens");
        with_semicolons(tokens).map(|tokens| tokens.to_string().replace(' ', ""))
    }

    #[test]
    fn a_use_ended_by_its_line_gets_its_semicolon() {
        assert_eq!(
            rewritten("use std::path::Path\nuse ndarray::*;\nlet x = 1;").as_deref(),
            Some("usestd::path::Path;usendarray::*;letx=1;")
        );
        assert_eq!(
            rewritten("use regex::Regex\nuse std::fs::read\n\nlet re = 1;").as_deref(),
            Some("useregex::Regex;usestd::fs::read;letre=1;")
        );
        assert_eq!(
            rewritten("use regex::Regex\n\nlet re = 1;").as_deref(),
            Some("useregex::Regex;letre=1;")
        );
        // A tree over several lines, and one last in the cell.
        assert_eq!(
            rewritten("use std::{\n    fs,\n    io,\n}\nlet a = 1;\nuse std::fs::read").as_deref(),
            Some("usestd::{fs,io,};leta=1;usestd::fs::read;")
        );
        assert_eq!(
            rewritten("use std::collections::\n    HashMap\nlet m = 1;").as_deref(),
            Some("usestd::collections::HashMap;letm=1;")
        );
    }

    #[test]
    fn nothing_changes_where_every_use_has_its_semicolon() {
        assert_eq!(rewritten("use std::path::Path;\nlet x = 1;"), None);
        assert_eq!(rewritten("let x = 1;\nx + 1"), None);
        // `use` that starts no statement, or no use tree.
        assert_eq!(rewritten("let use_it = 1;\nfoo(use_it)"), None);
        assert_eq!(rewritten("use std::path::Path = 3\nlet x = 1;"), None);
    }
}
