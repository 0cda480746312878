//! What the end-to-end suites share: the built binary, the repository root, running nblint
//! the way a user does (colour off) or a program with input on stdin, reading what it
//! printed and asserting what it holds, and finding the outside programs some suites drive.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The `nblint` binary cargo built for these tests.
pub const NBLINT: &str = env!("CARGO_BIN_EXE_nblint");

/// The repository root (tests run nblint from there so paths in output are relative).
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs nblint in `folder` with `args`, colour off.
pub fn nblint_in(folder: &Path, args: &[&str]) -> Output {
    Command::new(NBLINT)
        .current_dir(folder)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

/// Runs `command` with `input` on its stdin and returns what it printed.
pub fn output_with_stdin(command: &mut Command, input: &[u8]) -> Output {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

/// Fails the test, showing `text`, unless `part` is in it.
#[track_caller]
pub fn assert_contains(text: &str, part: &str) {
    assert!(text.contains(part), "{part:?} is not in:\n{text}");
}

/// Fails the test, showing `text`, if `part` is in it.
#[track_caller]
pub fn assert_lacks(text: &str, part: &str) {
    assert!(!text.contains(part), "{part:?} is in:\n{text}");
}

/// What a run printed on stdout.
pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// What a run printed on stdout, read as JSON (the test fails, showing both streams, when
/// it is not).
#[track_caller]
pub fn json<T: serde::de::DeserializeOwned>(output: &Output) -> T {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
        panic!(
            "stdout is not the JSON expected: {error}\n{}{}",
            stdout(output),
            stderr(output)
        )
    })
}

/// What a run printed on stderr.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A run's exit status (a test fails if it was killed by a signal).
pub fn status(output: &Output) -> i32 {
    output.status.code().unwrap()
}

/// An outside program a test drives (maturin, pre-commit): the one the environment variable
/// `variable` names, else `default` on `PATH`; `None` when it does not run (`--version`
/// fails), and the test skips.
pub fn program_that_runs(variable: &str, default: &str) -> Option<PathBuf> {
    let program = std::env::var_os(variable)
        .filter(|program| !program.is_empty())
        .map_or_else(|| PathBuf::from(default), PathBuf::from);
    let works = Command::new(&program)
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success());
    works.then_some(program)
}
