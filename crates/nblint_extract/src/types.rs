//! Types of the values that cross cells: the notebook's annotations first, then the compiler's
//! answer to `let __nblint_probe_N: () = VALUE;` probes (`expected `()`, found `T``), with
//! evcxr's defaults for unsuffixed literals (integer → `i32`, float → `f64`).

use syn::Type;
use syn::visit_mut::VisitMut;

use crate::cargo::Diagnostic;

/// What a probe said about one value.
#[derive(Debug, Clone, PartialEq)]
pub enum Probed {
    /// A type the generated code can write.
    Type(Box<Type>),
    /// A type that cannot cross cells (closure, opaque, borrowed, not inferred), as printed.
    Unpersistable(String),
}

/// Reads the type the compiler found for probe `index` in `diagnostics`, if it reported one.
pub fn probe_types(diagnostics: &[Diagnostic], count: usize) -> Vec<Option<Probed>> {
    let mut found = vec![None; count];
    for diagnostic in diagnostics {
        if diagnostic.code.as_deref() != Some("E0308") {
            continue;
        }
        let Some(index) = probe_index(diagnostic) else {
            continue;
        };
        if index >= count {
            continue;
        }
        if let Some(text) = found_type(diagnostic) {
            found[index] = Some(classify(&text));
        }
    }
    found
}

/// The probe a diagnostic is about, from the source line its spans show.
fn probe_index(diagnostic: &Diagnostic) -> Option<usize> {
    diagnostic
        .spans
        .iter()
        .flat_map(|span| span.text.iter())
        .find_map(|line| {
            let rest = &line[line.find("__nblint_probe_")? + "__nblint_probe_".len()..];
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        })
}

/// The found type: from a note "found <kind> `T`", else the label "expected `()`, found `T`".
fn found_type(diagnostic: &Diagnostic) -> Option<String> {
    for child in &diagnostic.children {
        if let Some(line) = child
            .message
            .lines()
            .rev()
            .find(|line| line.trim_start().starts_with("found"))
            && let Some(text) = between_backticks(line)
        {
            return Some(text);
        }
    }
    let label = diagnostic
        .spans
        .iter()
        .filter(|span| span.primary)
        .find_map(|span| span.label.clone())?;
    let found = &label[label.find("found")? + "found".len()..];
    let found = found.trim();
    if found.starts_with("integer") {
        return Some("i32".into());
    }
    if found.starts_with("floating-point number") {
        return Some("f64".into());
    }
    if found.starts_with("closure") {
        return Some("{closure}".into());
    }
    between_backticks(found)
}

/// The text between the first and the last backtick.
fn between_backticks(text: &str) -> Option<String> {
    let start = text.find('`')?;
    let end = text.rfind('`')?;
    (end > start + 1).then(|| text[start + 1..end].to_owned())
}

/// Turns a printed type into one the generated code can write.
pub fn classify(text: &str) -> Probed {
    let text = text.replace("{integer}", "i32").replace("{float}", "f64");
    if text.contains("{closure") || text.contains("{async") || text.contains("impl ") {
        return Probed::Unpersistable(text);
    }
    let Ok(mut ty) = syn::parse_str::<Type>(&text) else {
        return Probed::Unpersistable(text);
    };
    StaticRefs.visit_type_mut(&mut ty);
    if crate::source::is_complete(&ty) {
        Probed::Type(Box::new(ty))
    } else {
        Probed::Unpersistable(text)
    }
}

/// Gives references without a lifetime `'static`: a value that crossed cells in evcxr was
/// `'static`, and a return type needs the lifetime written.
struct StaticRefs;

impl VisitMut for StaticRefs {
    fn visit_type_reference_mut(&mut self, reference: &mut syn::TypeReference) {
        if reference.lifetime.is_none() {
            reference.lifetime = Some(syn::Lifetime::new(
                "'static",
                proc_macro2::Span::call_site(),
            ));
        }
        syn::visit_mut::visit_type_reference_mut(self, reference);
    }
}

/// A written annotation, made writable in a signature (references get `'static`).
pub fn from_annotation(ty: &Type) -> Type {
    let mut ty = ty.clone();
    StaticRefs.visit_type_mut(&mut ty);
    ty
}

/// `use` lines the compiler suggests for names it cannot find ("consider importing this
/// struct": `use std::collections::HashMap;`), one per missing name, the std or shortest one.
pub fn import_suggestions(diagnostics: &[Diagnostic]) -> Vec<syn::ItemUse> {
    let mut found: Vec<syn::ItemUse> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for diagnostic in diagnostics.iter().filter(|d| d.is_error()) {
        let mut candidates: Vec<String> = diagnostic
            .children
            .iter()
            .filter(|child| child.message.contains("consider importing"))
            .flat_map(|child| child.spans.iter())
            .filter_map(|span| span.suggestion.clone())
            .map(|text| text.trim().to_owned())
            .filter(|text| text.starts_with("use "))
            .collect();
        candidates.sort_by_key(|text| (!text.starts_with("use std::"), text.len()));
        if let Some(best) = candidates.first()
            && seen.insert(best.clone())
            && let Ok(item) = syn::parse_str::<syn::ItemUse>(best)
        {
            found.push(item);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::ToTokens;

    fn shown(probed: &Probed) -> String {
        match probed {
            Probed::Type(ty) => ty.to_token_stream().to_string(),
            Probed::Unpersistable(text) => format!("unpersistable {text}"),
        }
    }

    #[test]
    fn classifies_printed_types() {
        for (text, expected) in [
            ("Vec<{integer}>", "Vec < i32 >"),
            ("HashMap<String, {float}>", "HashMap < String , f64 >"),
            ("&str", "& 'static str"),
            (
                "{closure@src/lib.rs:3:9: 3:12}",
                "unpersistable {closure@src/lib.rs:3:9: 3:12}",
            ),
            ("Vec<_>", "unpersistable Vec<_>"),
            (
                "std::slice::Iter<'_, i32>",
                "unpersistable std::slice::Iter<'_, i32>",
            ),
        ] {
            assert_eq!(shown(&classify(text)), expected, "{text}");
        }
    }
}
