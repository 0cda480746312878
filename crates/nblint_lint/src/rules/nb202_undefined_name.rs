use nblint_facts::Language;

use super::places;
use crate::registry::{Context, Finding, declare_rule};

declare_rule! {
    /// A name used but defined nowhere: not in any cell, import or `:dep`, and not a builtin
    /// of the cell language.
    NB202_UNDEFINED_NAME {
        code: "NB202",
        name: "undefined-name",
        severity: Error,
        fixable: false,
        needs_analysis: true,
        check: check,
    }
}

/// Path roots that name the crate's own modules, never a definition.
const PATH_KEYWORDS: &[&str] = &["self", "Self", "super", "crate"];

/// A false positive costs more than a miss, so the rule stays quiet wherever the notebook can
/// define names nblint cannot see:
/// - a glob import or a cell that does not parse anywhere: nothing is reported at all;
/// - a cell whose macro bodies were not fully analysed: nothing in that cell;
/// - a lower-case name used as a path root (`rand::random()`): a crate the kernel may get from
///   `evcxr.toml`, `init.evcxr` or `extern crate`, none of which the notebook shows.
fn check(context: &Context<'_>, findings: &mut Vec<Finding>) {
    let cells = || context.facts.cells.iter().flatten();
    if cells().any(|facts| facts.binds_unknown_names || !facts.parsed()) {
        return;
    }
    let crates = places::declared_crates(context.facts);
    let defined: Vec<&str> = cells()
        .flat_map(|facts| {
            facts
                .defines
                .iter()
                .map(|definition| definition.name.as_str())
        })
        .collect();
    for use_ in context.graph.unresolved_uses() {
        let name = use_.name.as_str();
        let Some(facts) = context.facts.cell(use_.cell) else {
            continue;
        };
        if facts.partially_analysed || crates.contains(name) || PATH_KEYWORDS.contains(&name) {
            continue;
        }
        let source = context
            .notebook
            .cell(use_.cell)
            .map_or("", |cell| cell.source.as_str());
        if starts_lowercase(name) && is_path_root(source, use_.span, name) {
            continue;
        }
        let mut message = match context.language {
            Language::Python => format!(
                "`{name}` is not defined in any cell or import of this notebook, nor a builtin"
            ),
            _ => format!("`{name}` is not defined in any cell, import or `:dep` of this notebook"),
        };
        if let Some(similar) = closest_name(name, &defined) {
            message.push_str(&format!("; did you mean `{similar}`?"));
        }
        findings.push(Finding::new(use_.cell, use_.span, message));
    }
}

fn starts_lowercase(name: &str) -> bool {
    name.chars().next().is_some_and(char::is_lowercase)
}

/// Whether the use at `span` is the first segment of a path (`name::thing`), whichever way
/// the front end spans it (the name alone, or the whole path).
fn is_path_root(source: &str, span: nblint_facts::Span, name: &str) -> bool {
    let at = source.get(span.start..span.end).unwrap_or("");
    let after = source.get(span.end..).unwrap_or("");
    at.strip_prefix(name)
        .is_some_and(|rest| rest.trim_start().starts_with("::"))
        || (at == name && after.trim_start().starts_with("::"))
}

/// The defined name closest to a misspelt one (at most two edits, and fewer than half its
/// letters), to suggest in the message.
fn closest_name<'a>(name: &str, defined: &[&'a str]) -> Option<&'a str> {
    let limit = 2.min(name.chars().count() / 2);
    defined
        .iter()
        .copied()
        .filter(|candidate| *candidate != name)
        .map(|candidate| (edit_distance(name, candidate), candidate))
        .filter(|(distance, _)| *distance <= limit && *distance > 0)
        .min()
        .map(|(_, candidate)| candidate)
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        let defined = ["words", "counts", "total"];
        for (name, expected) in [
            ("wrods", Some("words")),
            ("count", Some("counts")),
            ("totl", Some("total")),
            ("xyz", None),
            ("ab", None),
        ] {
            assert_eq!(closest_name(name, &defined), expected, "{name}");
        }
    }

    #[test]
    fn path_roots() {
        let source = "rand::random::<u8>() + foo";
        assert!(is_path_root(source, nblint_facts::Span::new(0, 4), "rand"));
        assert!(is_path_root(source, nblint_facts::Span::new(0, 12), "rand"));
        assert!(!is_path_root(
            source,
            nblint_facts::Span::new(23, 26),
            "foo"
        ));
    }
}
