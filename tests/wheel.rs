//! The Python wheel (`pyproject.toml`, maturin `bin` bindings): built with maturin into a
//! temporary folder, installed into a fresh virtual environment, and run as a user runs it:
//! `nblint --version`, `python -m nblint --version`, `nblint check` on an example.
//!
//! It needs maturin: the executable named by `NBLINT_MATURIN` (`.ci/run` installs a pinned
//! one into its virtual environment), else `maturin` on PATH. Without one it says so on the
//! terminal (past the test harness's capture) and passes. The wheel is built with the `dev`
//! profile into this build's own target folder, so it reuses what `cargo test` compiled.
//!
//! A test binary of its own, not a module of `tests/it`: maturin's cargo build relinks
//! `target/debug/nblint`, the binary the end-to-end tests run, and cargo runs test binaries
//! one after another, so no other test sees the binary while it is being replaced.
#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

// The end-to-end suites' support, shared (this binary uses part of it).
#[allow(dead_code)]
#[path = "it/support.rs"]
mod support;

use support::root;

/// A Python 3 to make the virtual environment with: the one maturin's environment runs on
/// when maturin lives in one, else `python3`.
fn python(maturin: &Path) -> PathBuf {
    let beside = maturin.with_file_name(if cfg!(windows) {
        "python.exe"
    } else {
        "python"
    });
    if beside.is_file() {
        beside
    } else {
        PathBuf::from("python3")
    }
}

fn run(command: &mut Command) -> Output {
    let output = command.output().unwrap();
    assert!(
        output.status.success() || output.status.code() == Some(1),
        "{command:?} failed: {}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Says why the test did nothing where a person sees it: the harness captures `eprintln!`
/// of passing tests, not writes to the process's stderr.
fn skip(reason: &str) {
    let _ = writeln!(std::io::stderr(), "SKIPPED wheel_installs_nblint: {reason}");
}

#[test]
fn wheel_installs_nblint() {
    let Some(maturin) = support::program_that_runs("NBLINT_MATURIN", "maturin") else {
        skip("maturin not found (set NBLINT_MATURIN, or pip install maturin)");
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let wheels = work.path().join("wheels");
    let mut build = Command::new(&maturin);
    build
        .current_dir(root())
        .args(["build", "--profile", "dev", "--locked", "--out"])
        .arg(&wheels);
    if cfg!(target_os = "linux") {
        // A wheel for this machine only: no manylinux audit (the release workflow does that).
        build.args(["--compatibility", "linux"]);
    }
    let output = build.output().unwrap();
    assert!(
        output.status.success(),
        "maturin build: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let wheel = std::fs::read_dir(&wheels)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .find(|path| path.extension().is_some_and(|ext| ext == "whl"))
        .expect("maturin wrote a wheel");

    let venv = work.path().join("venv");
    run(Command::new(python(&maturin))
        .args(["-m", "venv"])
        .arg(&venv));
    let bin = venv.join(if cfg!(windows) { "Scripts" } else { "bin" });
    run(Command::new(bin.join("python"))
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-index",
            "--disable-pip-version-check",
        ])
        .arg(&wheel));

    let version = format!("nblint {}\n", env!("CARGO_PKG_VERSION"));
    let installed = run(Command::new(bin.join("nblint")).arg("--version"));
    assert_eq!(String::from_utf8_lossy(&installed.stdout), version);
    let module = run(Command::new(bin.join("python")).args(["-m", "nblint", "--version"]));
    assert_eq!(String::from_utf8_lossy(&module.stdout), version);

    let example = root().join("examples/word_frequencies.ipynb");
    let check = run(Command::new(bin.join("nblint"))
        .args(["check", "--output-format", "concise"])
        .arg(&example)
        .env("NO_COLOR", "1"));
    assert_eq!(check.status.code(), Some(1), "the example has findings");
    let report = String::from_utf8_lossy(&check.stdout);
    assert!(report.contains("NB201"), "{report}");
    // The same report as the binary under test gives.
    let direct = Command::new(env!("CARGO_BIN_EXE_nblint"))
        .args(["check", "--output-format", "concise"])
        .arg(&example)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(report, String::from_utf8_lossy(&direct.stdout));

    pre_commit_hook_from_the_wheel(&wheel, &example, work.path());
}

/// The pre-commit configuration README.md gives for machines without Rust: a `repo: local`
/// hook with `language: python` that installs nblint from its wheel (here the one just built,
/// from PyPI once published) and runs it. Needs pre-commit (`NBLINT_PRE_COMMIT`, as the git
/// tests do); skipped with a note without it.
fn pre_commit_hook_from_the_wheel(wheel: &Path, example: &Path, work: &Path) {
    let program = std::env::var_os("NBLINT_PRE_COMMIT")
        .filter(|program| !program.is_empty())
        .map_or_else(|| PathBuf::from("pre-commit"), PathBuf::from);
    let works = Command::new(&program)
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success());
    if !works {
        skip("the pre-commit part: pre-commit not found (set NBLINT_PRE_COMMIT)");
        return;
    }
    let repo = work.join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    let git = |args: &[&str]| run(Command::new("git").current_dir(&repo).args(args));
    git(&["init", "--quiet"]);
    std::fs::copy(example, repo.join("n.ipynb")).unwrap();
    let config = format!(
        "repos:\n  - repo: local\n    hooks:\n      - id: nblint-check\n        name: nblint check\n        entry: nblint check --staged\n        language: python\n        additional_dependencies: [\"{}\"]\n        types: [jupyter]\n        require_serial: true\n",
        wheel.display()
    );
    std::fs::write(repo.join(".pre-commit-config.yaml"), config).unwrap();
    git(&["add", "n.ipynb", ".pre-commit-config.yaml"]);
    let output = Command::new(&program)
        .current_dir(&repo)
        .args(["run", "--files", "n.ipynb"])
        .env("PRE_COMMIT_HOME", work.join("pre-commit-home"))
        .env("PRE_COMMIT_COLOR", "never")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let printed = String::from_utf8_lossy(&output.stdout);
    // The hook ran nblint from the wheel and failed the commit on the example's findings.
    assert_eq!(output.status.code(), Some(1), "{printed}");
    assert!(
        printed.contains("nblint check") && printed.contains("NB201"),
        "{printed}"
    );
}
