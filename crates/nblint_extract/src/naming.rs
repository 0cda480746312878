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

/// Small words left out of names when others remain (`"Load the data"` → `load_data`).
const FILLER: &[&str] = &[
    "a", "an", "the", "of", "to", "and", "for", "with", "in", "on", "at", "by", "from",
];

/// The ASCII spelling of a Latin letter with a diacritic (`é` → `e`, `ß` → `ss`), if known.
fn ascii_letter(ch: char) -> Option<&'static str> {
    Some(match ch {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
        'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' | 'Ā' | 'Ă' | 'Ą' => "A",
        'æ' => "ae",
        'Æ' => "AE",
        'ç' | 'ć' | 'č' => "c",
        'Ç' | 'Ć' | 'Č' => "C",
        'ď' | 'đ' => "d",
        'Ď' | 'Đ' => "D",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' => "e",
        'È' | 'É' | 'Ê' | 'Ë' | 'Ē' | 'Ė' | 'Ę' | 'Ě' => "E",
        'ì' | 'í' | 'î' | 'ï' | 'ī' | 'į' => "i",
        'Ì' | 'Í' | 'Î' | 'Ï' | 'Ī' | 'Į' => "I",
        'ł' | 'ľ' => "l",
        'Ł' | 'Ľ' => "L",
        'ñ' | 'ń' | 'ň' => "n",
        'Ñ' | 'Ń' | 'Ň' => "N",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => "o",
        'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' | 'Ō' | 'Ő' => "O",
        'œ' => "oe",
        'Œ' => "OE",
        'ř' => "r",
        'Ř' => "R",
        'ś' | 'š' | 'ş' => "s",
        'Ś' | 'Š' | 'Ş' => "S",
        'ß' => "ss",
        'ť' | 'ţ' => "t",
        'Ť' | 'Ţ' => "T",
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' | 'ų' => "u",
        'Ù' | 'Ú' | 'Û' | 'Ü' | 'Ū' | 'Ů' | 'Ű' | 'Ų' => "U",
        'ý' | 'ÿ' => "y",
        'Ý' | 'Ÿ' => "Y",
        'ź' | 'ż' | 'ž' => "z",
        'Ź' | 'Ż' | 'Ž' => "Z",
        _ => return None,
    })
}

/// A snake-case identifier from free text (`"## Load the data!"` → `load_data`): Latin
/// letters with diacritics spelt in ASCII (`é` → `e`), ASCII letters and digits kept
/// (lower-cased), everything else a separator; small words (`the`, `of`, ...) left out when
/// others remain; at most `max_words` words; `fallback` when nothing is left.
pub fn snake_case(text: &str, max_words: usize, fallback: &str) -> String {
    let mut ascii = String::with_capacity(text.len());
    for ch in text.chars() {
        match ascii_letter(ch) {
            Some(spelt) => ascii.push_str(spelt),
            None => ascii.push(ch),
        }
    }
    let all: Vec<String> = ascii
        .split(|ch: char| !ch.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    let meaningful: Vec<&String> = all
        .iter()
        .filter(|word| !FILLER.contains(&word.as_str()))
        .collect();
    let words: Vec<&str> = if meaningful.is_empty() {
        all.iter().map(String::as_str).take(max_words).collect()
    } else {
        meaningful
            .into_iter()
            .map(String::as_str)
            .take(max_words)
            .collect()
    };
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

    /// `wanted`, or `wanted_N` (`wantedN` when it ends in `_`) for the smallest N ≥ 2 not
    /// taken; the result is taken.
    pub fn unique(&mut self, wanted: &str) -> String {
        if self.taken.insert(wanted.to_owned()) {
            return wanted.to_owned();
        }
        let mut suffix = 2;
        loop {
            // `box_` (a keyword made a name) goes on as `box_2`, not `box__2`, which
            // is not snake case.
            let candidate = if wanted.ends_with('_') {
                format!("{wanted}{suffix}")
            } else {
                format!("{wanted}_{suffix}")
            };
            if self.taken.insert(candidate.clone()) {
                return candidate;
            }
            suffix += 1;
        }
    }
}

/// The file name of a notebook without its extension (`Load Data` for `Load Data.ipynb`);
/// `notebook` when the path has none.
pub fn notebook_stem(path: &std::path::Path) -> String {
    path.file_stem().map_or_else(
        || "notebook".to_owned(),
        |stem| stem.to_string_lossy().into_owned(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_names() {
        for (text, expected) in [
            ("## Load the data!", "load_data"),
            ("Étape 2: résultats", "etape_2_resultats"),
            ("The shape becomes an enum", "shape_becomes_enum"),
            ("Of the", "of_the"),
            ("2021 results", "section_2021_results"),
            ("", "section"),
            ("Type", "type_"),
            (
                "A very long heading with many words in it",
                "very_long_heading_many_words",
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
        assert_eq!(table.unique("box_"), "box_");
        assert_eq!(table.unique("box_"), "box_2");
    }
}
