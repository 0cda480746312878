//! What the user is told about how a notebook was checked: cells in a language nblint does
//! not read, a guessed language, and undefined-name (NB202) staying quiet. Why NB202 stays
//! quiet comes from the rule itself ([`nblint_lint::rules::undefined_name_silence`]), so
//! the note and the rule cannot disagree.

use std::path::Path;

use nblint_analysis::Analysed;
use nblint_lint::RuleSelection;

/// The notes on how this notebook was checked, and why undefined-name (NB202) stayed quiet
/// in it, if it did.
pub(super) fn notes_for(
    analysed: &Analysed,
    selection: &RuleSelection,
) -> (Vec<String>, Option<String>) {
    let mut notes = analysed.language_notes();
    if analysed.frontend.is_none() {
        notes.push(format!(
            "code cells are {}, which nblint does not analyse yet; only the language-independent rules ran",
            analysed.language.name()
        ));
    }
    let quiet = analysed
        .undefined_name_silence(selection)
        .map(|silence| silence.to_string());
    (notes, quiet)
}

/// The one line that says where undefined-name (NB202) stayed quiet, given each such
/// notebook and why: that notebook's reason when there is one, else a count (a project
/// whose notebooks all start with a glob import would otherwise get a note for each).
pub(super) fn quiet_summary(quiet_notebooks: &[(&Path, &str)]) -> Option<String> {
    match quiet_notebooks {
        [] => None,
        [(path, why)] => Some(format!("{}: {why}", path.display())),
        many => Some(format!(
            "undefined-name (NB202) stayed quiet in {} notebooks that bring in names nblint \
             cannot list ({}) or have a cell that does not parse",
            many.len(),
            nblint_lint::rules::UNLISTED_NAME_SOURCES
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_quiet_notebook_gets_its_reason_and_many_get_one_line() {
        assert_eq!(quiet_summary(&[]), None);
        assert_eq!(
            quiet_summary(&[(Path::new("a.ipynb"), "why")]).as_deref(),
            Some("a.ipynb: why")
        );
        let why = [(Path::new("a.ipynb"), "why"), (Path::new("b.ipynb"), "why")];
        assert_eq!(
            quiet_summary(&why).as_deref(),
            Some(
                "undefined-name (NB202) stayed quiet in 2 notebooks that bring in names nblint \
                 cannot list (a star or glob import, `%run`, `%store -r`, `exec`, a write \
                 through `globals()`, `#[macro_use]`, an item-defining `macro_rules!`) or have \
                 a cell that does not parse"
            )
        );
    }
}
