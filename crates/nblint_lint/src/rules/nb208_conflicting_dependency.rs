use nblint_facts::Dependency;

use super::places::{canonical_spec, same_dependency, version_of, without_line_break};
use crate::registry::{Context, Finding, declare_rule};

declare_rule! {
    /// `:dep` lines that ask for the same crate with different versions, features or
    /// sources.
    NB208_CONFLICTING_DEPENDENCY {
        code: "NB208",
        name: "conflicting-dependency",
        severity: Warning,
        fixable: false,
        needs_analysis: true,
        check: check,
    }
}

/// What differs between two `:dep` lines for one crate, for the message.
fn differences(earlier: &Dependency, later: &Dependency) -> Vec<String> {
    let mut found = Vec::new();
    let show = |value: Option<&str>| value.map_or("none".to_owned(), |value| format!("`{value}`"));
    if version_of(earlier) != version_of(later) {
        found.push(format!(
            "version `{}` here, `{}` there",
            version_of(later),
            version_of(earlier)
        ));
    }
    if earlier.features != later.features {
        found.push(format!(
            "features [{}] here, [{}] there",
            later.features.join(", "),
            earlier.features.join(", ")
        ));
    }
    if earlier.default_features.unwrap_or(true) != later.default_features.unwrap_or(true) {
        found.push(format!(
            "default features {} here, {} there",
            if later.default_features.unwrap_or(true) {
                "on"
            } else {
                "off"
            },
            if earlier.default_features.unwrap_or(true) {
                "on"
            } else {
                "off"
            },
        ));
    }
    if earlier.path != later.path {
        found.push(format!(
            "path {} here, {} there",
            show(later.path.as_deref()),
            show(earlier.path.as_deref())
        ));
    }
    if earlier.git != later.git {
        found.push(format!(
            "git {} here, {} there",
            show(later.git.as_deref()),
            show(earlier.git.as_deref())
        ));
    }
    if earlier.package != later.package {
        found.push(format!(
            "package {} here, {} there",
            show(later.package.as_deref()),
            show(earlier.package.as_deref())
        ));
    }
    if found.is_empty() {
        found.push(format!(
            "`{}` here, `{}` there",
            canonical_spec(later),
            canonical_spec(earlier)
        ));
    }
    found
}

/// Each `:dep` is compared with the last earlier `:dep` of the same crate (the one it
/// replaces when the notebook runs from the top); identical repeats are NB203's.
fn check(context: &Context<'_>, findings: &mut Vec<Finding>) {
    let words = context.vocabulary;
    let mut latest: std::collections::HashMap<&str, (usize, &Dependency)> =
        std::collections::HashMap::new();
    for (index, facts) in context.facts.cells.iter().enumerate() {
        let Some(facts) = facts else { continue };
        let cell = index + 1;
        for dependency in &facts.dependencies {
            if let Some(&(earlier_cell, earlier)) = latest.get(dependency.name.as_str())
                && !same_dependency(earlier, dependency)
            {
                let there = if earlier_cell == cell {
                    "earlier in this cell".to_owned()
                } else {
                    format!("in cell {earlier_cell}")
                };
                findings.push(
                    Finding::new(
                        cell,
                        without_line_break(context.notebook, cell, dependency.span),
                        format!(
                            "{} conflicts with the {} {there} ({}); {}",
                            (words.dependency_label)(dependency),
                            words.dependency_command,
                            differences(earlier, dependency).join("; "),
                            words.last_dependency_wins,
                        ),
                    )
                    .with_related(
                        earlier_cell,
                        without_line_break(context.notebook, earlier_cell, earlier.span),
                        format!("`{}` is {} here", earlier.name, words.dependency_done),
                    ),
                );
            }
            latest.insert(&dependency.name, (cell, dependency));
        }
    }
}
