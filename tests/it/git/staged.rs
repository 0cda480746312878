//! `nblint check --staged` in a temporary repository (it lints the index, not the working
//! file), and the hooks of `.pre-commit-hooks.yaml` run by pre-commit itself.
//!
//! The pre-commit test needs pre-commit: the executable named by `NBLINT_PRE_COMMIT` (which
//! `.ci/run` sets), else `pre-commit` on PATH; without either it prints a note and passes.
//! It runs the hooks as `repo: local` hooks with `language: system` and the nblint under
//! test, since a `language: rust` hook would have pre-commit build nblint with cargo install.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use super::{NBLINT, assert_contains, assert_lacks, command, run_ok, text};

/// A stripped Python notebook (nothing for `nblint strip` to change) whose cells are
/// `(kind, source lines)`.
fn notebook(cells: &[(&str, &[&str])]) -> String {
    cells
        .iter()
        .fold(
            nblint_testing::NotebookBuilder::python(),
            |notebook, (kind, source)| {
                let source = source.concat();
                if *kind == "code" {
                    notebook.code(&source)
                } else {
                    notebook.markdown(&source)
                }
            },
        )
        .build()
}

/// Has NB102 (a code cell with only a comment) in cell 3.
fn with_comment_cell() -> String {
    notebook(&[
        ("markdown", &["# Numbers"]),
        ("code", &["x = 1\n", "print(x)"]),
        ("code", &["# plot it later"]),
    ])
}

/// The same analysis without the empty cell, and a markdown cell more at the top (so cell
/// numbers and file lines differ from the staged version).
fn without_comment_cell() -> String {
    notebook(&[
        ("markdown", &["# Numbers"]),
        ("markdown", &["Counting."]),
        ("code", &["x = 1\n", "print(x)"]),
    ])
}

/// A temporary repository with a user and no hooks or global configuration.
struct Repo {
    _temporary: tempfile::TempDir,
    root: PathBuf,
    home: PathBuf,
}

impl Repo {
    fn new() -> Self {
        let temporary = tempfile::tempdir().unwrap();
        let home = temporary.path().join("home");
        let root = temporary.path().join("repo");
        std::fs::create_dir_all(&home).unwrap();
        std::fs::create_dir_all(&root).unwrap();
        let repo = Self {
            _temporary: temporary,
            root,
            home,
        };
        repo.git(&["init", "-q"]);
        repo.git(&["config", "user.name", "Test"]);
        repo.git(&["config", "user.email", "test@example.com"]);
        repo.git(&["config", "commit.gpgsign", "false"]);
        repo
    }

    fn git(&self, args: &[&str]) -> Output {
        let mut git = command("git", &self.root, &self.home);
        git.args(args);
        run_ok(git)
    }

    fn write(&self, path: &str, content: &str) {
        let path = self.root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }

    /// Runs nblint in `folder` (relative to the top of the work tree).
    fn nblint(&self, folder: &str, args: &[&str]) -> Output {
        let mut nblint = command(NBLINT, &self.root.join(folder), &self.home);
        nblint.args(args);
        nblint.output().unwrap()
    }

    /// `check --staged --select NB102 --output-format <format>` in `folder`, for the
    /// caller to add paths and environment to.
    fn check_staged_nb102(&self, folder: &str, format: &str) -> Command {
        let mut nblint = command(NBLINT, &self.root.join(folder), &self.home);
        nblint.args([
            "check",
            "--staged",
            "--select",
            "NB102",
            "--output-format",
            format,
        ]);
        nblint
    }
}

/// `check --staged --select NB102 --output-format json`: (exit code, [(path, cell, line)]).
fn staged_json(repo: &Repo, folder: &str, paths: &[&str]) -> (Option<i32>, Vec<(String, u64)>) {
    let output = repo
        .check_staged_nb102(folder, "json")
        .args(paths)
        .output()
        .unwrap();
    let diagnostics: serde_json::Value =
        serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
            panic!("{error}: {}{}", text(&output.stdout), text(&output.stderr))
        });
    let found = diagnostics
        .as_array()
        .unwrap()
        .iter()
        .map(|diagnostic| {
            assert_eq!(diagnostic["code"], "NB102");
            (
                diagnostic["path"].as_str().unwrap().to_owned(),
                diagnostic["cell"].as_u64().unwrap(),
            )
        })
        .collect();
    (output.status.code(), found)
}

#[test]
fn check_staged_lints_the_index_not_the_working_files() {
    let repo = Repo::new();
    // a.ipynb: the empty cell is staged, then fixed in the working file only.
    // sub/b.ipynb: a clean version is staged, then the empty cell is added to the working file.
    let staged_a = with_comment_cell();
    repo.write("a.ipynb", &staged_a);
    repo.write("sub/b.ipynb", &without_comment_cell());
    repo.git(&["add", "a.ipynb", "sub/b.ipynb"]);
    repo.write("a.ipynb", &without_comment_cell());
    repo.write("sub/b.ipynb", &with_comment_cell());

    assert_eq!(
        staged_json(&repo, "", &[]),
        (Some(1), vec![("a.ipynb".to_owned(), 3)]),
        "only the staged problem, in the staged cell numbering"
    );
    // The working files have the opposite problem, as plain `check` says.
    let working = repo.nblint(
        "",
        &[
            "check",
            "--select",
            "NB102",
            "--output-format",
            "concise",
            ".",
        ],
    );
    assert_eq!(working.status.code(), Some(1));
    let working = text(&working.stdout);
    assert_contains(&working, "sub/b.ipynb:cell 3:1:1: NB102");
    assert_lacks(&working, "a.ipynb:");

    // The file line is the staged blob's line of the comment, not the working file's.
    let blob_line = staged_a
        .lines()
        .position(|line| line.contains("# plot it later"))
        .unwrap()
        + 1;
    let github = repo.check_staged_nb102("", "github").output().unwrap();
    let github = text(&github.stdout);
    assert!(
        github.starts_with(&format!(
            "::notice file=a.ipynb,line={blob_line},title=NB102 (empty-cell)::cell 3:1:1: "
        )),
        "{github}"
    );
    assert_eq!(github.lines().count(), 1, "{github}");

    // From a subfolder: paths are relative to it, and PATHs select under themselves.
    assert_eq!(
        staged_json(&repo, "sub", &[]),
        (Some(1), vec![("../a.ipynb".to_owned(), 3)])
    );
    assert_eq!(staged_json(&repo, "sub", &["."]), (Some(0), vec![]));

    // After the commit nothing staged differs from HEAD; named paths are still linted.
    repo.git(&["commit", "-q", "-m", "notebooks"]);
    assert_eq!(staged_json(&repo, "", &[]), (Some(0), vec![]));
    assert_eq!(
        staged_json(&repo, "", &["a.ipynb", "sub"]),
        (Some(1), vec![("a.ipynb".to_owned(), 3)])
    );

    // git's GIT_INDEX_FILE (set for hooks by `git commit -a`) is the index read.
    std::fs::copy(
        repo.root.join(".git/index"),
        repo.root.join(".git/other-index"),
    )
    .unwrap();
    repo.git(&["add", "a.ipynb"]);
    assert_eq!(staged_json(&repo, "", &["a.ipynb"]), (Some(0), vec![]));
    let other = repo
        .check_staged_nb102("", "concise")
        .arg("a.ipynb")
        .env("GIT_INDEX_FILE", ".git/other-index")
        .output()
        .unwrap();
    assert_eq!(other.status.code(), Some(1), "{}", text(&other.stderr));
    assert!(text(&other.stdout).contains("a.ipynb:cell 3:1:1: NB102"));

    // Deleted from the index: skipped, with a note when named.
    repo.git(&["rm", "-q", "--cached", "sub/b.ipynb"]);
    assert_eq!(staged_json(&repo, "", &[]), (Some(0), vec![]));
    let named = repo.nblint("", &["check", "--staged", "sub/b.ipynb"]);
    assert_eq!(named.status.code(), Some(0));
    assert_contains(
        &text(&named.stderr),
        "note: sub/b.ipynb: no staged notebook",
    );

    // --fix would write the working file: refused.
    let fix = repo.nblint("", &["check", "--staged", "--fix"]);
    assert_eq!(fix.status.code(), Some(2));
}

#[test]
fn check_staged_lints_a_notebook_whose_name_is_not_utf8() {
    use std::os::unix::ffi::OsStrExt;
    let repo = Repo::new();
    // Latin-1 "café.ipynb" in a folder, staged with the problem, fixed in the work tree.
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9.ipynb");
    std::fs::create_dir_all(repo.root.join("sub")).unwrap();
    let file = repo.root.join("sub").join(name);
    std::fs::write(&file, with_comment_cell()).unwrap();
    repo.git(&["add", "sub"]);
    std::fs::write(&file, without_comment_cell()).unwrap();

    let shown = "sub/caf\u{fffd}.ipynb".to_owned();
    assert_eq!(
        staged_json(&repo, "", &[]),
        (Some(1), vec![(shown.clone(), 3)]),
        "the staged blob is linted; its path is shown lossily"
    );
    assert_eq!(
        staged_json(&repo, "", &["sub"]),
        (Some(1), vec![(shown.clone(), 3)])
    );
    // Named by its own bytes on the command line.
    let named = repo
        .check_staged_nb102("", "concise")
        .arg(Path::new("sub").join(name))
        .output()
        .unwrap();
    assert_eq!(named.status.code(), Some(1), "{}", text(&named.stderr));
    assert_contains(&text(&named.stdout), &format!("{shown}:cell 3:1:1: NB102"));
}

#[test]
fn check_staged_outside_a_repository_is_a_usage_error() {
    let temporary = tempfile::tempdir().unwrap();
    let home = temporary.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let mut nblint = command(NBLINT, temporary.path(), &home);
    nblint.args(["check", "--staged"]);
    let output = nblint.output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(
        stderr.starts_with("error: not in a git repository"),
        "{stderr}"
    );
}

/// `.pre-commit-hooks.yaml` as a `repo: local` configuration: the same hooks with
/// `language: system`, so pre-commit runs the `nblint` on PATH instead of building one.
fn local_config(manifest: &str) -> String {
    let mut config = String::from("repos:\n  - repo: local\n    hooks:\n");
    for line in manifest.lines() {
        if line.trim_start().starts_with('#') || line.trim().is_empty() {
            continue;
        }
        config.push_str("      ");
        config.push_str(&line.replace("language: rust", "language: system"));
        config.push('\n');
    }
    config
}

#[test]
fn pre_commit_runs_the_hooks() {
    let Some(pre_commit) = crate::support::program_that_runs("NBLINT_PRE_COMMIT", "pre-commit")
    else {
        println!("note: pre-commit not found (set NBLINT_PRE_COMMIT); skipping");
        return;
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let manifest_path = root.join(".pre-commit-hooks.yaml");
    let manifest = std::fs::read_to_string(&manifest_path).unwrap();
    for id in ["nblint-check", "nblint-strip"] {
        assert!(manifest.contains(&format!("\n- id: {id}\n")), "{id}");
    }
    assert_eq!(manifest.matches("\n  language: rust\n").count(), 2);
    assert_eq!(manifest.matches("\n  types: [jupyter]\n").count(), 2);
    assert!(manifest.contains("\n  entry: nblint check --staged\n"));
    assert!(manifest.contains("\n  entry: nblint strip\n"));

    let repo = Repo::new();
    let run = |args: &[&str]| {
        let mut command = command(pre_commit.to_str().unwrap(), &repo.root, &repo.home);
        command
            .args(args)
            .env("PRE_COMMIT_HOME", repo.home.join("pre-commit"))
            .env("PRE_COMMIT_COLOR", "never")
            .env_remove("PRE_COMMIT")
            .env_remove("SKIP");
        command.output().unwrap()
    };
    let validated = run(&["validate-manifest", manifest_path.to_str().unwrap()]);
    assert!(validated.status.success(), "{}", text(&validated.stdout));

    repo.write(".pre-commit-config.yaml", &local_config(&manifest));
    repo.write("analysis.ipynb", &with_comment_cell());
    repo.git(&["add", ".pre-commit-config.yaml", "analysis.ipynb"]);
    let validated = run(&["validate-config", ".pre-commit-config.yaml"]);
    assert!(validated.status.success(), "{}", text(&validated.stdout));

    // A notebook with a problem: nblint-check fails with the diagnostic, strip passes.
    let failed = run(&["run", "--all-files"]);
    let output = text(&failed.stdout);
    assert_eq!(failed.status.code(), Some(1), "{output}");
    assert_contains(&output, "nblint check");
    assert_contains(&output, "Failed");
    assert_contains(&output, "analysis.ipynb:cell 3:1:1");
    assert_contains(&output, "NB102");
    assert!(
        output
            .lines()
            .any(|line| line.starts_with("nblint strip") && line.ends_with("Passed")),
        "{output}"
    );

    // Fixed and staged: both hooks pass.
    repo.write("analysis.ipynb", &without_comment_cell());
    repo.git(&["add", "analysis.ipynb"]);
    let passed = run(&["run", "--all-files"]);
    let output = text(&passed.stdout);
    assert_eq!(passed.status.code(), Some(0), "{output}");
    assert_eq!(output.matches("Passed").count(), 2, "{output}");

    // Outputs: nblint-strip rewrites the file and fails so the stripped file can be added.
    let with_outputs = without_comment_cell().replace(
        "\"outputs\": []",
        "\"outputs\": [{\"name\": \"stdout\", \"output_type\": \"stream\", \"text\": [\"1\\n\"]}]",
    );
    assert_ne!(with_outputs, without_comment_cell());
    repo.write("analysis.ipynb", &with_outputs);
    repo.git(&["add", "analysis.ipynb"]);
    let stripped = run(&["run", "nblint-strip", "--all-files"]);
    let output = text(&stripped.stdout);
    assert_eq!(stripped.status.code(), Some(1), "{output}");
    assert_contains(&output, "files were modified by this hook");
    let after = std::fs::read_to_string(repo.root.join("analysis.ipynb")).unwrap();
    assert_lacks(&after, "output_type");
}
