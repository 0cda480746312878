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

/// What analysis reads of a cell.
fn cell_view(notebook: &Notebook) -> Vec<String> {
    notebook
        .cells()
        .iter()
        .map(|cell| {
            format!(
                "{} {:?} {:?} {:?} {:?} {:?} {} {}",
                cell.number,
                cell.kind,
                cell.source,
                cell.source_form,
                cell.execution_count,
                cell.id,
                cell.output_count,
                cell.has_error_output
            )
        })
        .collect()
}

#[test]
fn analysis_reading_sees_the_same_cells_and_errors() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut checked = 0;
    for folder in [
        root.join("../shared/corpus/python"),
        root.join("../shared/corpus/evcxr"),
        root.join("fixtures/malformed"),
        root.join("fixtures/rust"),
        root.join("fixtures/graph"),
    ] {
        for path in notebooks(&folder) {
            let bytes = std::fs::read(&path).unwrap();
            let full = Notebook::parse(&bytes);
            let light = Notebook::parse_for_analysis(&bytes);
            match (full, light) {
                (Ok(full), Ok(light)) => {
                    assert_eq!(cell_view(&full), cell_view(&light), "{}", path.display());
                    assert_eq!(full.format(), light.format());
                    assert_eq!(full.metadata(), light.metadata());
                }
                (Err(full), Err(light)) => {
                    assert_eq!(full.to_string(), light.to_string(), "{}", path.display());
                }
                (full, light) => panic!(
                    "{}: parse gives {:?}, parse_for_analysis {:?}",
                    path.display(),
                    full.map(|_| ()),
                    light.map(|_| ())
                ),
            }
            checked += 1;
        }
    }
    assert!(checked > 0);
    let with_error = br#"{"cells": [{"cell_type": "code", "execution_count": 2, "metadata": {},
        "outputs": [{"output_type": "stream", "name": "stdout", "text": ["a\n"]},
                    {"output_type": "error", "ename": "E", "evalue": "", "traceback": []}],
        "source": ["x"]}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}"#;
    let light = Notebook::parse_for_analysis(with_error).unwrap();
    assert_eq!(light.cells()[0].output_count, 2);
    assert!(light.cells()[0].has_error_output);
}
