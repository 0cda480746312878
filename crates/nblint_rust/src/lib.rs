//! The Rust cell front end: reads one cell as the evcxr kernel runs it and reports its
//! [`CellFacts`]: the leading block of `:commands` and `!shell` lines (every `:dep` form
//! parsed), then the Rust part parsed with syn as a function body: the names it binds at top
//! level (`let` patterns, items, `use` leaves), the free names it reads (scope-aware, format
//! strings and macro arguments included), the values from other cells it changes, its
//! trailing expression, and its syntax errors.
//!
//! It owns Rust's scoping and evcxr's cell syntax; it knows nothing of other cells, the graph
//! or the rules. Analysis never fails and never panics: a cell that does not parse (or nests
//! deeper than we analyse) gives its commands plus a syntax error.
//!
//! ```
//! use nblint_facts::CellFrontend;
//! use nblint_rust::RustFrontend;
//!
//! let facts = RustFrontend.analyze(":dep regex = \"1\"\nlet words = split(&text);\nwords.len()\n");
//! assert_eq!(facts.defined_names(), ["regex", "words"]);
//! assert_eq!(facts.used_names(), ["split", "text"]);
//! assert_eq!(facts.dependencies[0].name, "regex");
//! assert!(facts.trailing_expression.is_some());
//! ```

mod binder;
mod commands;
mod depth;
mod edition2018;
mod fast;
mod macros;
mod places;
mod prelude;
mod use_semicolons;
mod values;
mod vocabulary;
mod walker;

use nblint_facts::{CellFacts, CellFrontend, Language, Span, SyntaxError};
use syn::parse::{ParseStream, Parser};
use syn::{Attribute, Block, Stmt};

pub use prelude::is_builtin;

/// The front end for Rust cells as the evcxr kernel runs them.
#[derive(Debug, Clone, Copy, Default)]
pub struct RustFrontend;

impl CellFrontend for RustFrontend {
    fn language(&self) -> Language {
        Language::Rust
    }

    fn analyze(&self, source: &str) -> CellFacts {
        analyze(source)
    }

    fn is_builtin(&self, name: &str) -> bool {
        prelude::is_builtin(name)
    }

    fn vocabulary(&self) -> &'static nblint_facts::Vocabulary {
        &vocabulary::RUST
    }

    /// An evcxr command (`:dep`, `:timing`, ...) in the cell's leading block: a line no other
    /// kernel accepts there. Only commands evcxr knows count, so a `:symbol` of another
    /// language does not.
    fn kernel_command(&self, source: &str) -> Option<String> {
        commands::leading_block(source)
            .commands
            .into_iter()
            .find(|command| commands::is_evcxr_command(&command.name))
            .map(|command| command.name)
    }
}

/// Analyses one cell: the fast path when it accepts the cell, else syn.
pub fn analyze(source: &str) -> CellFacts {
    analyze_cell(source, Route::FastThenSyn).unwrap_or_default()
}

/// Analyses one cell with syn only (for the differential test of the fast path).
#[doc(hidden)]
pub fn analyze_with_syn_only(source: &str) -> CellFacts {
    analyze_cell(source, Route::SynOnly).unwrap_or_default()
}

/// Analyses one cell with the fast path only; `None` when it declines (for the differential
/// test and benchmarks).
#[doc(hidden)]
pub fn analyze_fast_only(source: &str) -> Option<CellFacts> {
    analyze_cell(source, Route::FastOnly)
}

/// Lexes `source` with the fast path's lexer (for its tests): each token's kind as text and
/// its byte range; `None` when the lexer declines.
#[doc(hidden)]
pub fn fast_tokens(source: &str) -> Option<Vec<(String, std::ops::Range<usize>)>> {
    fast::lexer::lex(source, 0).map(|tokens| {
        tokens
            .iter()
            .map(|token| {
                (
                    format!("{:?}", token.kind),
                    token.start as usize..token.end as usize,
                )
            })
            .collect()
    })
}

/// Why the fast path declines the cell, if it does (for finding what to support next).
#[doc(hidden)]
pub fn fast_decline_reason(source: &str) -> Option<String> {
    let block = commands::leading_block(source);
    let crates: Vec<String> = block
        .dependencies
        .iter()
        .map(|dependency| dependency.name.replace('-', "_"))
        .collect();
    if source[block.rust_start..].trim().is_empty() {
        return None;
    }
    fast::decline_reason(source, block.rust_start, &crates)
}

/// Which analysis to run on the Rust part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    FastThenSyn,
    SynOnly,
    FastOnly,
}

fn analyze_cell(source: &str, route: Route) -> Option<CellFacts> {
    let mut block = commands::leading_block(source);
    let crates = std::mem::take(&mut block.definitions);
    let mut facts = analyze_rust_part(source, block, route)?;
    // The `:dep` crates are defined first: their lines lead the cell.
    facts.defines.splice(0..0, crates);
    Some(facts)
}

/// The facts of the cell's Rust part, with its command block's commands, dependencies and
/// errors (not yet the crates it defines).
fn analyze_rust_part(
    source: &str,
    block: commands::LeadingBlock,
    route: Route,
) -> Option<CellFacts> {
    let mut facts = CellFacts {
        commands: block.commands,
        dependencies: block.dependencies,
        errors: block.errors,
        ..CellFacts::default()
    };
    let rust_start = block.rust_start;
    let rust = &source[rust_start..];
    if rust.trim().is_empty() {
        return Some(facts);
    }
    if route != Route::SynOnly {
        let crates = dep_crates(&facts);
        if let Some(found) = fast::analyze(source, rust_start, &crates) {
            facts.defines = found.defines;
            facts.uses = found.uses;
            facts.imports = found.imports;
            facts.mutations = found.mutations;
            facts.trailing_expression = found.trailing_expression;
            facts.binds_unknown_names = found.binds_unknown_names;
            facts.partially_analysed = found.partially_analysed;
            facts.uses_question_mark = found.uses_question_mark;
            facts.uses_await = found.uses_await;
            return Some(facts);
        }
        if route == Route::FastOnly {
            return None;
        }
    }
    let errors_before = facts.errors.len();
    analyze_rust(source, rust_start, &mut facts);
    if facts.errors.len() == errors_before {
        values::bind_values(source, rust_start, &mut facts);
    }
    Some(facts)
}

/// Crates this cell's `:dep` lines declare, as Rust names: they are in scope for its Rust
/// part.
fn dep_crates(facts: &CellFacts) -> Vec<String> {
    facts
        .dependencies
        .iter()
        .map(|dependency| dependency.name.replace('-', "_"))
        .collect()
}

/// Why a Rust part that does not parse may be no Rust at all, said after the parser's
/// message: its first line is a `#` comment (Python's; Rust's is `//`, and evcxr's command
/// block ends at it), an IPython magic, or Python's `import`/`from`/`def`.
fn not_rust_hint(rust: &str) -> Option<&'static str> {
    let first = rust
        .lines()
        .map(str::trim_start)
        .find(|line| !line.is_empty())?;
    if first.starts_with('%') {
        Some("`%` magics are IPython's; the evcxr kernel does not run them")
    } else if first.starts_with('#') && !first.starts_with("#[") && !first.starts_with("#![") {
        Some("a `#` line is no comment in Rust, `//` starts one")
    } else if ["import ", "from ", "def "]
        .iter()
        .any(|start| first.starts_with(start))
    {
        Some("it reads as Python, and the notebook's kernel is Rust")
    } else {
        None
    }
}

/// The parser's message, with [`not_rust_hint`] after it where one applies.
fn with_hint(message: String, rust: &str) -> String {
    match not_rust_hint(rust) {
        Some(hint) => format!("{message} ({hint})"),
        None => message,
    }
}

fn analyze_rust(source: &str, rust_start: usize, facts: &mut CellFacts) {
    let rust = &source[rust_start..];
    let tokens: proc_macro2::TokenStream = match rust.parse() {
        Ok(tokens) => tokens,
        Err(error) => {
            let range = error.span().byte_range();
            facts.errors.push(SyntaxError {
                message: with_hint(lex_message(&error.to_string()), rust),
                span: Span::new(rust_start + range.start, rust_start + range.end),
            });
            forget_spans();
            return;
        }
    };
    let shape = depth::measure(&tokens);
    if shape.depth > depth::MAX_DEPTH {
        facts.errors.push(SyntaxError {
            message: format!(
                "this code nests {} levels deep; nblint analyses up to {} (split the \
                 expression into `let` statements)",
                shape.depth,
                depth::MAX_DEPTH
            ),
            span: Span::new(
                rust_start + shape.deepest_at.start,
                rust_start + shape.deepest_at.end,
            ),
        });
        drop(tokens);
        forget_spans();
        return;
    }
    let run = || {
        // Kept for a second try as the kernel reads it (cloning shares the token trees).
        let written = tokens.clone();
        let parsed = parse_cell.parse2(tokens).or_else(|error| {
            let Some(rewritten) = as_the_kernel_reads(written) else {
                return Err(error);
            };
            // When the retry gets past the first error but fails further on, its error is
            // the real one (the inserted tokens carry their neighbours' positions).
            parse_cell.parse2(rewritten).map_err(|retry| {
                let at = |error: &syn::Error| error.span().byte_range().start;
                if at(&retry) > at(&error) {
                    retry
                } else {
                    error
                }
            })
        });
        match parsed {
            Ok(stmts) => {
                let crates = dep_crates(facts);
                let mut walker = walker::Walker::new(source, rust_start, facts);
                walker.walk_cell(&stmts, crates);
            }
            Err(error) => {
                let range = error.span().byte_range();
                facts.errors.push(SyntaxError {
                    message: with_hint(error.to_string(), rust),
                    span: Span::new(rust_start + range.start, rust_start + range.end),
                });
            }
        }
    };
    if shape.depth > depth::SMALL_DEPTH {
        with_cell_stack(run);
    } else {
        run();
    }
    forget_spans();
}

/// Runs `work` on a stack deep enough for any cell this front end accepts: its depth guard
/// lets through syntax trees (up to `depth::MAX_DEPTH`) that a normal thread stack cannot
/// parse, walk, print or drop. Callers that handle cell code themselves (extraction) run
/// inside it. The stack is reserved address space, committed only as it is used.
pub fn with_cell_stack<R>(work: impl FnOnce() -> R) -> R {
    stacker::grow(depth::LARGE_STACK, work)
}

/// A cell's Rust tokens rewritten as the evcxr kernel reads what syn does not, or `None`
/// when nothing needs it: a `use` without its `;` at the end of its line gets it (evcxr
/// writes each import back itself, see `use_semicolons`), and a bare closure-trait object of
/// Rust 2018 gets `dyn` (`Box<Fn(i32) -> i32>`, see `edition2018`). Only for a cell that
/// does not parse as written.
pub fn as_the_kernel_reads(tokens: proc_macro2::TokenStream) -> Option<proc_macro2::TokenStream> {
    let (tokens, semicolons) = match use_semicolons::with_semicolons(tokens.clone()) {
        Some(rewritten) => (rewritten, true),
        None => (tokens, false),
    };
    match edition2018::with_dyn(tokens.clone()) {
        Some(rewritten) => Some(rewritten),
        None => semicolons.then_some(tokens),
    }
}

/// The Rust part as evcxr reads it: inner attributes, then a function body.
fn parse_cell(input: ParseStream) -> syn::Result<Vec<Stmt>> {
    let _inner = Attribute::parse_inner(input)?;
    Block::parse_within(input)
}

/// proc-macro2's lexer says "cannot parse string into token stream"; say what it usually is.
fn lex_message(message: &str) -> String {
    if message.contains("cannot parse string into token stream") {
        "cannot read this as Rust tokens (an unclosed delimiter or string, or a character \
         Rust does not allow)"
            .to_owned()
    } else {
        message.to_owned()
    }
}

/// proc-macro2 keeps every parsed text in a per-thread table; drop it once the spans of a
/// cell are converted, so memory stays flat over many notebooks.
fn forget_spans() {
    proc_macro2::extra::invalidate_current_thread_spans();
}

#[cfg(test)]
mod tests;
