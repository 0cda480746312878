//! The exit statuses of every command.

use std::process::ExitCode;

/// How a command ended, mapped to the process exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ExitStatus {
    /// 0: nothing found, or the work was done.
    Success,
    /// 1: diagnostics were reported (or `--check` found files that would change).
    Findings,
    /// 2: a usage error or a file that could not be read or written.
    Error,
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> Self {
        match status {
            ExitStatus::Success => ExitCode::SUCCESS,
            ExitStatus::Findings => ExitCode::from(1),
            ExitStatus::Error => ExitCode::from(2),
        }
    }
}
