//! The value a top-level `let` binds, when binding it again gives the same value from the same
//! inputs ([`Definition::value`]): NB205 then stays quiet for two cells that bind a name to the
//! same thing (a plotting cell copied further down, `let df = read_csv(path)` run again).
//!
//! Read from the cell's tokens after either walk, for `let NAME = ..;` and
//! `let NAME: Type = ..;` (not `let mut`: a mutable binding may change after it is bound). The
//! value is the tokens after the name up to the `;`, type included (`let x: f32 = 1.0` is not
//! `let x: f64 = 1.0`), joined by single spaces; its reads are every identifier that is not a
//! keyword, a field or method name (after `.`) or a later path segment (after `::`), which is
//! more than the expression reads (a block's locals, a macro's name), never less.

use nblint_facts::{BoundValue, CellFacts, DefinitionKind};

use crate::fast::lexer::{self, Kind, Kw, Token};
use crate::places;

/// Names whose call or use gives another value each time: randomness, clocks, input.
const UNREPEATABLE: &[&str] = &[
    "rand",
    "random",
    "thread_rng",
    "gen",
    "gen_range",
    "gen_bool",
    "shuffle",
    "choose",
    "sample",
    "Instant",
    "SystemTime",
    "now",
    "elapsed",
    "stdin",
    "read_line",
    "Uuid",
    "new_v4",
];

/// Gives each top-level, immutable `let` binding of `facts` its [`BoundValue`] when the value
/// is repeatable (no randomness, clock, input, `&mut` or method known to change its receiver),
/// lexing the Rust part of `source` (from `rust_start`) for it: the syn path's, whose tokens
/// are gone. A cell whose Rust part does not parse gets none.
pub(crate) fn bind_values(source: &str, rust_start: usize, facts: &mut CellFacts) {
    if !has_immutable_let(facts) {
        return;
    }
    if let Some(tokens) = lexer::lex(source, rust_start) {
        bind_values_from(source, &tokens, facts);
    }
}

/// [`bind_values`] with the cell's tokens at hand (the fast path's).
pub(crate) fn bind_values_from(source: &str, tokens: &[Token], facts: &mut CellFacts) {
    if !has_immutable_let(facts) {
        return;
    }
    for definition in &mut facts.defines {
        if definition.kind != DefinitionKind::Variable || definition.mutable {
            continue;
        }
        let Ok(at) = tokens.binary_search_by_key(&definition.span.start, |token| {
            usize::try_from(token.start).unwrap_or(usize::MAX)
        }) else {
            continue;
        };
        if at == 0 || tokens[at - 1].kw != Kw::Let {
            continue;
        }
        if let Some(value) = value_after(source, tokens, at) {
            definition.value = Some(value);
        }
    }
}

fn has_immutable_let(facts: &CellFacts) -> bool {
    facts
        .defines
        .iter()
        .any(|definition| definition.kind == DefinitionKind::Variable && !definition.mutable)
}

/// The value of the `let` whose name is token `name`: the tokens after it up to the `;` at the
/// same depth, if it is a plain `let NAME (: Type)? = ..;` with a repeatable value.
fn value_after(source: &str, tokens: &[Token], name: usize) -> Option<BoundValue> {
    let text = |token: &Token| source.get(token.start as usize..token.end as usize);
    let mut parts: Vec<&str> = Vec::new();
    let mut reads: Vec<String> = Vec::new();
    let mut saw_equals = false;
    let mut index = name + 1;
    while let Some(token) = tokens.get(index) {
        match token.kind {
            Kind::Punct(b';') => {
                if !saw_equals {
                    return None;
                }
                reads.sort_unstable();
                reads.dedup();
                return Some(BoundValue {
                    text: parts.join(" "),
                    reads,
                    changed: false,
                });
            }
            Kind::Punct(b'=') if !token.joint && !saw_equals => {
                let before = index.checked_sub(1).and_then(|i| tokens.get(i));
                // `==`, `<=`, `>=`, `!=` are joint on their first character.
                if !before.is_some_and(|b| b.joint && matches!(b.kind, Kind::Punct(_))) {
                    saw_equals = true;
                }
            }
            Kind::Punct(b'&') if tokens.get(index + 1).is_some_and(|next| next.kw == Kw::Mut) => {
                return None;
            }
            Kind::Ident => {
                let word = text(token)?;
                // `let Some(x) = .. else { .. }` and other patterns: not a plain binding.
                if token.kw == Kw::Else && !saw_equals {
                    return None;
                }
                let after_dot = index > 0 && tokens[index - 1].kind == Kind::Punct(b'.');
                let after_path = index > 1
                    && tokens[index - 1].kind == Kind::Punct(b':')
                    && tokens[index - 2].kind == Kind::Punct(b':');
                if UNREPEATABLE.contains(&word) || (after_dot && places::is_mutating_method(word)) {
                    return None;
                }
                if token.kw == Kw::None && !after_dot && !after_path {
                    reads.push(word.to_owned());
                }
            }
            _ => {}
        }
        parts.push(text(token)?);
        index += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value_of(source: &str, name: &str) -> Option<BoundValue> {
        let facts = crate::analyze(source);
        facts
            .defines
            .iter()
            .find(|definition| definition.name == name)
            .and_then(|definition| definition.value.clone())
    }

    #[test]
    fn a_plain_let_has_its_value_and_reads() {
        let value = value_of("let n: f32 = scale * base.len() as f32;", "n").unwrap();
        assert_eq!(value.text, ": f32 = scale * base . len ( ) as f32");
        assert_eq!(value.reads, ["base", "f32", "scale"]);
        // Spacing does not matter; the type does.
        assert_eq!(
            value_of("let n:f32=scale*base.len()  as f32;", "n").unwrap(),
            value
        );
        assert_ne!(
            value_of("let x: f32 = 1.0;", "x"),
            value_of("let x: f64 = 1.0;", "x")
        );
        // A block's locals and a path's later segments are names too, or are not read.
        let value = value_of(
            "let v: Vec<f32> = { let a = Array::from(vec![1.0]); a.to_vec() };",
            "v",
        )
        .unwrap();
        assert_eq!(value.reads, ["Array", "Vec", "a", "f32", "vec"]);
    }

    #[test]
    fn changing_or_unrepeatable_values_have_none() {
        for source in [
            "let mut x = 1;",
            "let x = rand::random::<u8>();",
            "let x = Instant::now();",
            "let x = items.pop();",
            "let x = f(&mut items);",
            "let Some(x) = maybe else { panic!() };",
        ] {
            assert_eq!(value_of(source, "x"), None, "{source}");
        }
        // `==` is no binding's `=`.
        assert_eq!(
            value_of("let same = a == b;", "same").unwrap().text,
            "= a = = b"
        );
    }
}
