//! The Rust cell front end on arbitrary text: never a panic or a stack overflow, and every
//! span it reports lies inside the cell.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let source = String::from_utf8_lossy(bytes);
    let facts = nblint_rust::analyze(&source);
    let spans = facts
        .defines
        .iter()
        .map(|d| d.span)
        .chain(facts.uses.iter().map(|u| u.span))
        .chain(facts.errors.iter().map(|e| e.span))
        .chain(facts.mutations.iter().map(|m| m.span))
        .chain(facts.imports.iter().map(|i| i.statement));
    for span in spans {
        assert!(span.start <= span.end && span.end <= source.len(), "{span:?}");
        assert!(source.is_char_boundary(span.start) && source.is_char_boundary(span.end));
    }
});
