//! What `check --fix` and `strip` do to the file they rewrite: never over a save made while
//! they ran, never over a read-only file, and keeping the file's mode, owner and group.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use super::{NBLINT, assert_contains, assert_lacks, root, status, stderr, stdout};

/// A notebook with a duplicate `use` that `check --fix --select NB203` removes.
const FIXABLE: &str = "fixtures/rules/NB203/fix_duplicate_use.ipynb";
/// A notebook with outputs that `strip` removes.
const STRIPPABLE: &str = "fixtures/malformed/nbformat_3.ipynb";

/// The two commands that rewrite a file they read, each with a fixture it changes.
const REWRITES: [(&str, &[&str]); 2] = [
    (FIXABLE, &["check", "--fix", "--select", "NB203", "n.ipynb"]),
    (STRIPPABLE, &["strip", "n.ipynb"]),
];

/// A copy of `fixture` as `n.ipynb` in a fresh folder.
fn copy(fixture: &str) -> (tempfile::TempDir, PathBuf) {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("n.ipynb");
    std::fs::copy(root().join(fixture), &path).unwrap();
    (folder, path)
}

/// Runs nblint in `folder`, with `hook` (a shell command; `$1` is the file) run between the
/// read and the rename (a debug-build test hook).
fn nblint_with_hook(folder: &Path, args: &[&str], hook: &str) -> Output {
    Command::new(NBLINT)
        .current_dir(folder)
        .args(args)
        .env("NO_COLOR", "1")
        .env("NBLINT_TEST_BEFORE_REPLACE", hook)
        .output()
        .unwrap()
}

/// The user's save, as Jupyter makes it: a new file renamed over the notebook.
const USER_SAVES: &str = r#"printf '%s' '{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5, "saved": "by the user"}' > "$1.saving" && mv "$1.saving" "$1""#;

#[test]
fn a_save_made_while_fixing_or_stripping_survives() {
    for (fixture, args) in REWRITES {
        let (folder, path) = copy(fixture);
        let output = nblint_with_hook(folder.path(), args, USER_SAVES);
        let message = stderr(&output);
        assert_eq!(status(&output), 2, "{args:?}: {message}{}", stdout(&output));
        assert!(
            message.contains("n.ipynb") && message.contains("changed on disk"),
            "{args:?}: {message}"
        );
        let kept = std::fs::read_to_string(&path).unwrap();
        assert!(
            kept.contains("by the user"),
            "{args:?}: the save was lost: {kept}"
        );
        let names: Vec<String> = std::fs::read_dir(folder.path())
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["n.ipynb"], "{args:?}: temporary files left");
    }
}

#[test]
fn a_hook_that_changes_nothing_lets_the_write_through() {
    let (folder, path) = copy(STRIPPABLE);
    let output = nblint_with_hook(folder.path(), &["strip", "n.ipynb"], "true");
    assert_eq!(status(&output), 0, "{}", stderr(&output));
    assert!(!std::fs::read_to_string(&path).unwrap().contains("pyout"));
}

#[cfg(unix)]
#[test]
fn read_only_files_are_not_rewritten() {
    use std::os::unix::fs::PermissionsExt;
    for (fixture, args) in REWRITES {
        let (folder, path) = copy(fixture);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).unwrap();
        let before = std::fs::read(&path).unwrap();
        let output = nblint_with_hook(folder.path(), args, "");
        let message = stderr(&output);
        assert_eq!(status(&output), 2, "{args:?}: {message}");
        assert!(
            message.contains("n.ipynb") && message.contains("read-only"),
            "{args:?}: {message}"
        );
        assert_eq!(std::fs::read(&path).unwrap(), before, "{args:?}");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o444);
    }
    // strip's summary counts the refused file.
    let (folder, path) = copy(STRIPPABLE);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).unwrap();
    std::fs::copy(root().join(STRIPPABLE), folder.path().join("w.ipynb")).unwrap();
    let output = nblint_with_hook(folder.path(), &["strip", "."], "");
    assert_contains(
        &stderr(&output),
        "1 file stripped, 0 already clean, 1 refused",
    );
}

#[cfg(unix)]
#[test]
#[allow(clippy::print_stderr)]
fn mode_owner_and_group_are_kept() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    for (fixture, args) in REWRITES {
        let (folder, path) = copy(fixture);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        // Another user's file: only root may give it away (and only root can test this).
        let owned_elsewhere = std::os::unix::fs::chown(&path, Some(4321), Some(4322)).is_ok();
        if !owned_elsewhere {
            eprintln!(
                "SKIPPED the owner part of mode_owner_and_group_are_kept: needs root, to chown a file to another user"
            );
        }
        let before = std::fs::read(&path).unwrap();
        let output = nblint_with_hook(folder.path(), args, "");
        // 1 is fine: the fixture keeps a finding that has no fix.
        assert_ne!(status(&output), 2, "{args:?}: {}", stderr(&output));
        assert_ne!(
            std::fs::read(&path).unwrap(),
            before,
            "{args:?}: not rewritten"
        );
        let written = std::fs::metadata(&path).unwrap();
        assert_eq!(written.permissions().mode() & 0o777, 0o640, "{args:?}");
        if owned_elsewhere {
            assert_eq!((written.uid(), written.gid()), (4321, 4322), "{args:?}");
            assert_lacks(&stderr(&output), "warning");
        }
    }
}
