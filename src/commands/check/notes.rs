//! What the user is told about how a notebook was checked: cells in a language nblint does
//! not read, a guessed language, and rules that stayed quiet in the whole notebook. Why a
//! rule stays quiet comes from the rule itself ([`nblint_lint::Rule::silence`], asked of
//! every selected rule alike), so the note and the rule cannot disagree.

use std::path::Path;

use nblint_analysis::Analysed;
use nblint_lint::RuleSelection;
use serde::{Deserialize, Serialize};

/// A rule that stayed quiet in a whole notebook: its code and the note that says why, as
/// the result cache stores it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct QuietRule {
    /// The rule's code (`NB202`).
    pub(super) code: String,
    /// Why it stayed quiet, for the user ([`nblint_lint::Silence`]'s `Display`).
    pub(super) note: String,
}

/// The notes on how this notebook was checked, and the selected rules that stayed quiet in
/// it (in rule order), with why.
pub(super) fn notes_for(
    analysed: &Analysed,
    selection: &RuleSelection,
) -> (Vec<String>, Vec<QuietRule>) {
    let mut notes = analysed.language_notes();
    if analysed.frontend.is_none() {
        notes.push(format!(
            "code cells are {}, which nblint does not analyse yet; only the language-independent rules ran",
            analysed.language.name()
        ));
    }
    let quiet = analysed
        .silences(selection)
        .into_iter()
        .map(|silence| QuietRule {
            code: silence.rule.code.to_owned(),
            note: silence.to_string(),
        })
        .collect();
    (notes, quiet)
}

/// The lines that say where rules stayed quiet, one per rule in rule order, given each
/// notebook and a rule that stayed quiet in it: that notebook's reason when it is the only
/// one, else a count (a project whose notebooks all start with a glob import would otherwise
/// get a note for each).
pub(super) fn quiet_summary(quiet_notebooks: &[(&Path, &QuietRule)]) -> Vec<String> {
    nblint_lint::all_rules()
        .iter()
        .filter_map(|rule| {
            let quiet: Vec<_> = quiet_notebooks
                .iter()
                .filter(|(_, quiet)| quiet.code == rule.code)
                .collect();
            match quiet.as_slice() {
                [] => None,
                [(path, quiet)] => Some(format!("{}: {}", path.display(), quiet.note)),
                many => rule.silence_summary(many.len()),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_quiet_notebook_gets_its_reason_and_many_get_one_line_per_rule() {
        let quiet = |code: &str| QuietRule {
            code: code.to_owned(),
            note: format!("{code} why"),
        };
        let (nb202, nb207) = (quiet("NB202"), quiet("NB207"));
        assert!(quiet_summary(&[]).is_empty());
        assert_eq!(
            quiet_summary(&[(Path::new("a.ipynb"), &nb202)]),
            ["a.ipynb: NB202 why"]
        );
        let many = [
            (Path::new("a.ipynb"), &nb207),
            (Path::new("a.ipynb"), &nb202),
            (Path::new("b.ipynb"), &nb202),
        ];
        assert_eq!(
            quiet_summary(&many),
            [
                "undefined-name (NB202) stayed quiet in 2 notebooks that bring in names nblint \
                 cannot list (a star or glob import, `%run`, `%store -r`, `exec`, a write \
                 through `globals()`, a startup file, `#[macro_use]`, an item-defining \
                 `macro_rules!`) or have a cell that does not parse",
                "a.ipynb: NB207 why"
            ]
        );
    }
}
