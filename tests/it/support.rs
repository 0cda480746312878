//! What the end-to-end suites share: the built binary, the repository root, running nblint
//! the way a user does (colour off), and reading what it printed.

use std::path::Path;
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
