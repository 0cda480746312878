//! Names for generated modules and functions: snake case from headings and comments, never a
//! Rust keyword, never a clash with another generated or user name.

use std::collections::HashSet;

/// Rust's strict and reserved keywords (2024 edition), which cannot name a module or function.
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "try",
    "type", "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield",
];

/// A snake-case identifier from free text (`"## Load the data!"` → `load_the_data`): ASCII
/// letters and digits kept (lower-cased), everything else a separator; at most `max_words`
/// words; `fallback` when nothing is left.
pub fn snake_case(text: &str, max_words: usize, fallback: &str) -> String {
    let words: Vec<String> = text
        .split(|ch: char| !ch.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
        .take(max_words)
        .map(str::to_ascii_lowercase)
        .collect();
    let mut name = words.join("_");
    if name.is_empty() {
        fallback.clone_into(&mut name);
    }
    if name.starts_with(|ch: char| ch.is_ascii_digit()) {
        name.insert(0, '_');
        name.insert_str(0, fallback);
    }
    if KEYWORDS.contains(&name.as_str()) {
        name.push('_');
    }
    name
}

/// Hands out names that are unique among those already taken: `load`, then `load_2`, ...
#[derive(Debug, Default)]
pub struct NameTable {
    taken: HashSet<String>,
}

impl NameTable {
    /// A table where `reserved` names are already taken.
    pub fn with_reserved<'a>(reserved: impl IntoIterator<Item = &'a str>) -> Self {
        Self {
            taken: reserved.into_iter().map(str::to_owned).collect(),
        }
    }

    /// `wanted`, or `wanted_N` for the smallest N ≥ 2 not taken; the result is taken.
    pub fn unique(&mut self, wanted: &str) -> String {
        if self.taken.insert(wanted.to_owned()) {
            return wanted.to_owned();
        }
        let mut suffix = 2;
        loop {
            let candidate = format!("{wanted}_{suffix}");
            if self.taken.insert(candidate.clone()) {
                return candidate;
            }
            suffix += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_names() {
        for (text, expected) in [
            ("## Load the data!", "load_the_data"),
            ("Étape 2: résultats", "tape_2_r_sultats"),
            ("2021 results", "section_2021_results"),
            ("", "section"),
            ("Type", "type_"),
            (
                "A very long heading with many words in it",
                "a_very_long_heading_with",
            ),
        ] {
            assert_eq!(snake_case(text, 5, "section"), expected, "{text}");
        }
    }

    #[test]
    fn unique_names() {
        let mut table = NameTable::with_reserved(["main"]);
        assert_eq!(table.unique("load"), "load");
        assert_eq!(table.unique("load"), "load_2");
        assert_eq!(table.unique("main"), "main_2");
    }
}
