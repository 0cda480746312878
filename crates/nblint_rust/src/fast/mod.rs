//! The fast path: the same [`CellFacts`] as the syn path for ordinary cells, about 7x faster
//! (front end on 200 generated notebooks, `docs/performance.md`), and a polite "no" for
//! everything else.
//!
//! The syn path lexes the cell with proc-macro2's fallback lexer (a heap-allocated token tree
//! with a global span table), buffers it again for syn, builds syn's full syntax tree and walks
//! it; its cost is spread over all of that. The fast path does the same four steps with less:
//!
//! 1. [`lexer`] turns the Rust part into a flat array of small tokens (kind and byte range; no
//!    allocation per token), reproducing proc-macro2's token boundaries and spacing;
//! 2. the depth guard of the syn path ([`crate::depth`]) is computed on those tokens, so a cell
//!    syn would refuse as too deep is refused here too;
//! 3. [`parser`] is a port of syn's parsing functions for a subset of Rust (let statements,
//!    expressions with their full precedence rules, closures, blocks, `if`/`if let`/`match`/
//!    `for`/`while`/`loop`, struct literals, `fn`/`struct`/`enum`/`impl`/`use`/`const`/
//!    `static` items with simple generics and derives, patterns, and path, reference, slice,
//!    array and tuple types) building a small tree ([`ast`]);
//! 4. [`walk`] is `walker.rs` ported to that tree: the same scopes, the same visit order, the
//!    same mutation roots, the same macro handling (format strings, comma lists, `vec![x; n]`,
//!    `matches!`).
//!
//! # Decline policy
//!
//! Every step may *decline* (return `None`), and then the caller runs the syn path as before.
//! The fast path declines on anything outside its subset, on anything where it is not certain
//! what syn would do (a syntax error included: the syn path reports errors), on lexing oddities
//! (non-ASCII outside literals, doc comments, suffixed strings), and when the tree would nest
//! deeper than [`parser::MAX_DEPTH`], so it never recurses deeply. Declining costs only the
//! time spent so far; accepting wrongly would be a bug, so the parser follows syn's grammar
//! function by function and a differential test (`tests/fast_path.rs`) compares both paths on
//! every cell of the fixtures, the evcxr corpus, generated notebooks and mutations of them.

mod ast;
pub mod lexer;
mod parser;
mod walk;

use nblint_facts::CellFacts;

use lexer::Token;

/// The facts the Rust part of `source` (from `rust_start`) gives, with `crates` (the cell's
/// `:dep` crates) in scope; `None` when the fast path declines. Only the fields the syn walker
/// fills are set (defines, uses, imports, mutations, flags, trailing expression).
pub fn analyze(source: &str, rust_start: usize, crates: &[String]) -> Option<CellFacts> {
    // The token buffer is reused from cell to cell on each thread.
    thread_local! {
        static TOKENS: std::cell::RefCell<Vec<Token>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    TOKENS.with(|buffer| match buffer.try_borrow_mut() {
        Ok(mut tokens) => {
            let facts = analyze_with(source, rust_start, crates, &mut tokens);
            // Keep an ordinary cell's worth of tokens, not the largest cell's ever seen.
            if tokens.capacity() > 1 << 16 {
                *tokens = Vec::new();
            }
            facts
        }
        Err(_) => analyze_with(source, rust_start, crates, &mut Vec::new()),
    })
}

fn analyze_with(
    source: &str,
    rust_start: usize,
    crates: &[String],
    tokens: &mut Vec<Token>,
) -> Option<CellFacts> {
    let depth = lexer::lex_into(source, rust_start, tokens)?;
    if depth > crate::depth::MAX_DEPTH {
        return None;
    }
    let tokens: &[Token] = tokens;
    let mut parser = parser::Parser::new(source, tokens, (0, tokens.len()), 0);
    let stmts = parser.cell().ok()?;
    let mut facts = CellFacts::default();
    walk::Walk::new(source, tokens, &mut facts, crates)
        .walk_cell(&stmts)
        .ok()?;
    crate::values::bind_values_from(source, tokens, &mut facts);
    Some(facts)
}

/// Why the fast path declines `source` (for finding what to support next): the stage and,
/// for the parser, the text where it stopped.
pub fn decline_reason(source: &str, rust_start: usize, crates: &[String]) -> Option<String> {
    let mut tokens = Vec::new();
    let Some(depth) = lexer::lex_into(source, rust_start, &mut tokens) else {
        return Some("lexer".to_owned());
    };
    if depth > crate::depth::MAX_DEPTH {
        return Some("depth".to_owned());
    }
    let mut parser = parser::Parser::new(source, &tokens, (0, tokens.len()), 0);
    let Ok(stmts) = parser.cell() else {
        let at = parser.position().min(tokens.len().saturating_sub(1));
        let start = tokens
            .get(at)
            .map_or(source.len(), |token| token.start as usize);
        let end = (start + 40).min(source.len());
        let end = (start..=end)
            .rev()
            .find(|&i| source.is_char_boundary(i))
            .unwrap_or(start);
        return Some(format!("parser at {:?}", &source[start..end]));
    };
    let mut facts = CellFacts::default();
    if walk::Walk::new(source, &tokens, &mut facts, crates)
        .walk_cell(&stmts)
        .is_err()
    {
        return Some("walk (macro body)".to_owned());
    }
    None
}
