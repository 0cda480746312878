//! What the end-to-end suites share: the built binary, the repository root, running nblint
//! the way a user does (colour off), reading what it printed, and finding the outside
//! programs some suites drive.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

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

/// What a run printed on stdout.
pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
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
