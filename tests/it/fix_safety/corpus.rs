//! The shared corpus of real notebooks (`../shared/corpus/{evcxr,python}`), fixed in a copy.

use std::collections::BTreeMap;
use std::path::Path;

use super::{fix_and_check, shared_folder};

/// Every corpus notebook, keyed by a unique name (`<corpus folder>__<file name>`).
pub fn corpus_notebooks(shared: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut notebooks = BTreeMap::new();
    for corpus in ["evcxr", "python"] {
        let Ok(entries) = std::fs::read_dir(shared.join("corpus").join(corpus)) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path
                .extension()
                .is_some_and(|extension| extension == "ipynb")
            {
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                notebooks.insert(format!("{corpus}__{name}"), std::fs::read(&path).unwrap());
            }
        }
    }
    notebooks
}

/// `nblint check --fix` over every corpus notebook keeps invariants 1–5.
#[test]
fn corpus_keeps_invariants() {
    let Some(shared) = shared_folder("corpus_keeps_invariants") else {
        return;
    };
    let notebooks = corpus_notebooks(&shared);
    assert!(
        notebooks.len() >= 300,
        "the corpus under {} holds only {} notebooks",
        shared.display(),
        notebooks.len()
    );
    let report = fix_and_check(&notebooks);
    // Without changes the test would prove nothing about the fixer.
    assert!(report.changed > 0, "--fix changed no corpus notebook");
    report.assert_clean("corpus");
}
