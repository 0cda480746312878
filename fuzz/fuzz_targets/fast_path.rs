//! The Rust front end's fast path against syn on arbitrary text: whenever the fast path
//! accepts a cell, syn finds the same facts, errors included (a Rust syntax error syn reports
//! would show up as a difference; errors of `:dep` lines are found by both).
//!
//! proc-macro2 stops tracking source positions under `cfg(fuzzing)` (every syn span is 0..0
//! in this build), so spans are erased on both sides before comparing; the differential test
//! `crates/nblint_rust/tests/fast_path.rs` compares them in normal builds.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nblint_facts::{CellFacts, Span};

fn without_spans(mut facts: CellFacts) -> CellFacts {
    let none = Span::new(0, 0);
    facts.defines.iter_mut().for_each(|d| d.span = none);
    facts.uses.iter_mut().for_each(|u| u.span = none);
    facts.imports.iter_mut().for_each(|i| {
        i.span = none;
        i.statement = none;
    });
    facts.mutations.iter_mut().for_each(|m| m.span = none);
    facts.errors.iter_mut().for_each(|e| e.span = none);
    facts.trailing_expression = facts.trailing_expression.map(|_| none);
    facts
}

fuzz_target!(|bytes: &[u8]| {
    let source = String::from_utf8_lossy(bytes);
    if let Some(fast) = nblint_rust::analyze_fast_only(&source) {
        let syn = nblint_rust::analyze_with_syn_only(&source);
        assert_eq!(without_spans(fast), without_spans(syn), "{source:?}");
    }
});
