//! Reading and writing an untouched notebook gives back the same bytes, for every notebook
//! of the shared corpora (read from `../shared`, beside the repository) and every readable
//! malformed fixture: nothing nblint does not change is ever rewritten differently.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use nblint_notebook::Notebook;

fn notebooks(folder: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            path.extension()
                .is_some_and(|extension| extension == "ipynb")
        })
        .collect();
    paths.sort();
    paths
}

#[test]
fn untouched_notebooks_are_written_back_byte_for_byte() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut checked = 0;
    let mut differing = Vec::new();
    for folder in [
        root.join("../shared/corpus/python"),
        root.join("../shared/corpus/evcxr"),
        root.join("fixtures/malformed"),
        root.join("fixtures/rules/NB102"),
    ] {
        for path in notebooks(&folder) {
            let bytes = std::fs::read(&path).unwrap();
            let Ok(notebook) = Notebook::parse(&bytes) else {
                continue;
            };
            checked += 1;
            if notebook.to_original_style_bytes() != bytes {
                differing.push(path.display().to_string());
            }
        }
    }
    assert!(checked > 0);
    assert!(
        differing.is_empty(),
        "{} of {checked} notebooks are not written back as read:\n{}",
        differing.len(),
        differing.join("\n")
    );
}
