//! Test support shared by nblint's test suites (dev-dependency only, never published).
//!
//! The real notebooks the tests read live beside the repository, in `../shared/corpus/`, not
//! in it. A test asks for a part of it with [`corpus`]: when it is missing the test says so
//! where a person sees it (even under the test harness's output capture) and is skipped, or
//! fails when `NBLINT_REQUIRE_CORPUS` is set, as `.ci/run` sets it, so a corpus test never
//! passes without having looked at a notebook. What the front ends' corpus tables count in
//! each notebook is [`CodeCellCounts`], and their table [`CorpusTable`].
// A test-support crate: its panics are the test failures.
#![allow(clippy::print_stderr, clippy::missing_panics_doc)]

mod builder;
mod counts;
mod random;

use std::borrow::BorrowMut;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub use builder::NotebookBuilder;
pub use counts::{CodeCellCounts, CorpusTable, CorpusTotals, unparsed_cell};
pub use random::Xorshift;

/// The fields every diagnostic of `check --output-format json` has, the fixed contract of
/// `../shared/DESIGN.md`.
pub const JSON_DIAGNOSTIC_FIELDS: &[&str] = &[
    "code",
    "name",
    "message",
    "path",
    "cell",
    "line",
    "column",
    "end_line",
    "end_column",
    "severity",
    "fix",
];

/// The repository's root folder.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The folder of one part of the shared corpus (`"evcxr"`, `"python"`), or `None` when it is
/// not there: then a `skipped:` line naming `test` goes straight to the terminal. With
/// `NBLINT_REQUIRE_CORPUS` set, a missing corpus fails the test instead.
pub fn corpus(name: &str, test: &str) -> Option<PathBuf> {
    let folder = workspace_root().join("../shared/corpus").join(name);
    if folder.is_dir() {
        return Some(folder);
    }
    let message = format!(
        "skipped: {test}: {} not found (the corpus lives beside the repository)",
        folder.display()
    );
    assert!(
        std::env::var_os("NBLINT_REQUIRE_CORPUS").is_none(),
        "{message}; NBLINT_REQUIRE_CORPUS is set, so this is a failure"
    );
    // Written to the stream itself, not through `eprintln!`, which the test harness captures.
    let _ = writeln!(std::io::stderr(), "{message}");
    None
}

/// The notebooks of these parts of the shared corpus, together, sorted by path: empty when
/// none is there (each missing part is a skip as [`corpus`] makes it, naming `test`). A
/// part that is there but holds no notebook fails the test: a test must not pass without
/// having read one.
pub fn corpus_notebooks(names: &[&str], test: &str) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = names
        .iter()
        .filter_map(|name| corpus(name, test))
        .flat_map(|folder| {
            let files = ipynb_files(&folder);
            assert!(!files.is_empty(), "{}: no notebooks", folder.display());
            files
        })
        .collect();
    paths.sort();
    paths
}

/// The `.ipynb` files directly in `folder`, sorted by path; empty when it cannot be read.
pub fn ipynb_files(folder: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(folder)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            path.extension()
                .is_some_and(|extension| extension == "ipynb")
        })
        .collect();
    files.sort();
    files
}

/// Runs `command` (owned or borrowed) to its end and returns what it printed, failing the
/// test, with the command and everything it printed, unless it exited successfully.
pub fn run_ok(mut command: impl BorrowMut<Command>) -> Output {
    let command = command.borrow_mut();
    let output = command
        .output()
        .unwrap_or_else(|error| panic!("{command:?} did not start: {error}"));
    assert!(
        output.status.success(),
        "{command:?} failed: {}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_only_notebooks_sorted() {
        let folder = std::env::temp_dir().join(format!("nblint-testing-{}", std::process::id()));
        std::fs::create_dir_all(&folder).unwrap();
        for name in ["b.ipynb", "a.ipynb", "notes.txt"] {
            std::fs::write(folder.join(name), "{}").unwrap();
        }
        let names: Vec<String> = ipynb_files(&folder)
            .iter()
            .map(|path| path.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        std::fs::remove_dir_all(&folder).unwrap();
        assert_eq!(names, ["a.ipynb", "b.ipynb"]);
    }

    #[test]
    fn run_ok_returns_the_output_of_a_command_that_succeeds() {
        let output = run_ok(Command::new("cargo").arg("--version"));
        assert!(String::from_utf8_lossy(&output.stdout).starts_with("cargo "));
        let mut command = Command::new("cargo");
        command.arg("--version");
        assert!(run_ok(&mut command).status.success());
        let failed =
            std::panic::catch_unwind(|| run_ok(Command::new("cargo").arg("--no-such-flag")));
        assert!(failed.is_err());
    }
}
