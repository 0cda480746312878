//! End-to-end tests of `nblint check`, `nblint graph` and `nblint rule`: the binary run the
//! way a user runs it, asserting exit statuses, output contracts and what happens to files.
mod check;
mod graph;
mod language;
mod writes;

use std::path::PathBuf;
use std::process::Output;

pub(crate) use crate::support::{
    NBLINT, assert_contains, assert_lacks, json, nblint_in, root, status, stderr, stdout,
};

/// Runs nblint from the repository root.
fn nblint(args: &[&str]) -> Output {
    nblint_in(root(), args)
}

/// The evcxr corpus beside the repository (empty when it is not there).
fn evcxr_corpus() -> Vec<PathBuf> {
    nblint_testing::corpus("evcxr", "cli corpus tests")
        .map(|folder| nblint_testing::ipynb_files(&folder))
        .unwrap_or_default()
}

/// A fresh folder holding `text` as the file `name`.
fn folder_with(name: &str, text: &str) -> tempfile::TempDir {
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(folder.path().join(name), text).unwrap();
    folder
}

/// `nblint graph <path>` from the repository root, which must succeed: what it printed, and
/// the graph it printed as JSON.
fn graph_of(path: &str) -> (Output, serde_json::Value) {
    let output = nblint(&["graph", path]);
    assert_eq!(status(&output), 0, "{}", stderr(&output));
    let graph = json(&output);
    (output, graph)
}

/// A minimal notebook with the given code cells (counted 1, 2, ...), in `language`.
fn notebook(language: &str, cells: &[&str]) -> String {
    cells
        .iter()
        .fold(
            nblint_testing::NotebookBuilder::language(language).counted(),
            |notebook, source| notebook.code(source),
        )
        .build()
}
