//! End-to-end tests of `nblint extract`: exit statuses for a non-empty output folder (with and
//! without `--force`), a Python notebook, a missing file; what is (and is not) written.
use std::path::Path;
use std::process::{Command, Output};

use crate::support::{NBLINT, stderr};

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/extract")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

fn nblint(args: &[&str]) -> Output {
    Command::new(NBLINT)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

#[test]
fn non_empty_folder_needs_force_and_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("crate");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("notes.txt"), "keep me").unwrap();
    let out_arg = out.to_string_lossy().into_owned();
    let notebook = fixture("dep_forms.ipynb");

    let refused = nblint(&["extract", &notebook, "--out", &out_arg, "--no-check"]);
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert!(stderr(&refused).contains("--force"), "{}", stderr(&refused));
    let entries: Vec<_> = std::fs::read_dir(&out).unwrap().collect();
    assert_eq!(entries.len(), 1, "nothing may be written without --force");

    let forced = nblint(&[
        "extract",
        &notebook,
        "--out",
        &out_arg,
        "--no-check",
        "--force",
        "--name",
        "deps",
    ]);
    assert_eq!(forced.status.code(), Some(0), "{}", stderr(&forced));
    let manifest = std::fs::read_to_string(out.join("Cargo.toml")).unwrap();
    assert!(manifest.contains("name = \"deps\""), "{manifest}");
    assert!(manifest.contains("default-features = false"), "{manifest}");
    assert!(out.join("src/lib.rs").exists());
    assert!(out.join("src/main.rs").exists());
    assert_eq!(
        std::fs::read_to_string(out.join("notes.txt")).unwrap(),
        "keep me"
    );
}

#[test]
fn empty_or_missing_folder_needs_no_force() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("new/crate");
    let out_arg = out.to_string_lossy().into_owned();
    let output = nblint(&[
        "extract",
        &fixture("stored_error.ipynb"),
        "--out",
        &out_arg,
        "--no-check",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stderr(&output);
    assert!(text.contains("cell 3: skipped"), "{text}");
    let manifest = std::fs::read_to_string(out.join("Cargo.toml")).unwrap();
    assert!(manifest.contains("name = \"stored_error\""), "{manifest}");
}

#[test]
fn python_notebook_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("crate");
    let notebook = fixture("python_notebook.ipynb");
    let output = nblint(&["extract", &notebook, "--out", &out.to_string_lossy()]);
    assert_eq!(output.status.code(), Some(2));
    let text = stderr(&output);
    assert!(text.contains("python_notebook.ipynb"), "{text}");
    assert!(text.contains("Python notebook"), "{text}");
    assert!(text.contains("Rust crates"), "{text}");
    assert!(!out.exists());
}

#[test]
fn missing_notebook_and_bad_name_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("crate");
    let out_arg = out.to_string_lossy().into_owned();
    let missing = nblint(&["extract", "no-such.ipynb", "--out", &out_arg]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        stderr(&missing).contains("no-such.ipynb"),
        "{}",
        stderr(&missing)
    );
    let bad = nblint(&[
        "extract",
        &fixture("stored_error.ipynb"),
        "--out",
        &out_arg,
        "--name",
        "1 bad",
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(!out.exists());
}

#[test]
fn help_describes_every_option() {
    let output = nblint(&["extract", "--help"]);
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8_lossy(&output.stdout);
    for option in ["--out", "--name", "--force", "--target-dir", "--no-check"] {
        assert!(text.contains(option), "{option} missing from:\n{text}");
    }
}

#[test]
fn nothing_to_extract_exits_1_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("crate");
    let notebook = fixture("nothing_to_extract.ipynb");
    let output = nblint(&[
        "extract",
        &notebook,
        "--out",
        &out.to_string_lossy(),
        "--no-check",
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let text = stderr(&output);
    assert!(
        text.contains("nothing to extract: the notebook has no code; no crate was written"),
        "{text}"
    );
    assert!(!out.exists());
}
