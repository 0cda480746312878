//! `nblint`: lint, strip, diff and extract Jupyter notebooks.
//!
//! This binary is the only place that prints, reads the environment or decides the exit
//! status; the library crates under `crates/` return values and errors.

// The binary is where printing belongs (the workspace warns on it everywhere else).
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod commands;
mod config;
mod discover;
mod exit;
mod input;
mod progress;
mod replace;

pub use exit::ExitStatus;

/// Make Jupyter notebooks safe to trust and easy to turn into production code.
#[derive(Debug, Parser)]
#[command(name = "nblint", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Lint notebooks: out-of-order names, cross-cell mutation, imports, oversized cells, ...
    Check(commands::check::CheckArgs),
    /// Print a notebook's variable dependency graph (which cell uses what another defines)
    Graph(commands::graph::GraphArgs),
    /// Print a rule's documentation (every rule's without a code)
    Rule(commands::rule::RuleArgs),
    /// Remove outputs, execution counts and volatile metadata (the git clean filter with --stdin)
    Strip(commands::strip::StripArgs),
    /// Print a notebook as readable text (the git textconv driver)
    Show(commands::show::ShowArgs),
    /// Install, uninstall or check the git filter and diff driver
    Git(commands::git::GitArgs),
    /// Turn a notebook into a Cargo crate (Rust) or a Python package: a module per section, a
    /// function per cell, a pipeline that prints what the notebook printed
    Extract(commands::extract::ExtractArgs),
    /// Run the language server over stdio (LSP 3.17 notebook documents), for editors
    ///
    /// An editor starts it for Jupyter notebooks and sends each cell edit; the server answers
    /// with diagnostics per cell as you type, quick fixes and "ignore in this cell" comments,
    /// hover on a name (where it is defined, which cells read and change it), go to definition
    /// and find references across cells. Configuration comes from the nearest nblint.toml
    /// above the notebook, as for `nblint check`; the editor settings `select`, `ignore` and
    /// `config` (in `initializationOptions`, or the `nblint` section of
    /// `workspace/didChangeConfiguration`) override it. Setup per editor: docs/editors.md.
    ///
    /// Exit status: 0 after `shutdown` then `exit`; 1 after `exit` without `shutdown` or when
    /// the editor closes the connection; 2 if the protocol itself fails.
    Server(commands::server::ServerArgs),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            // clap prints help and version to stdout with status 0, usage errors to stderr
            // with status 2: both match our contract.
            let _ = error.print();
            return ExitCode::from(if error.use_stderr() { 2 } else { 0 });
        }
    };
    let result = match &cli.command {
        Command::Check(args) => commands::check::run(args),
        Command::Graph(args) => commands::graph::run(args),
        Command::Rule(args) => commands::rule::run(args),
        Command::Strip(args) => commands::strip::run(args),
        Command::Show(args) => commands::show::run(args),
        Command::Git(args) => commands::git::run(args),
        Command::Extract(args) => commands::extract::run(args),
        Command::Server(args) => commands::server::run(args),
    };
    finish(result)
}

/// The exit status of a command's result; errors are reported on stderr.
fn finish(result: anyhow::Result<ExitStatus>) -> ExitCode {
    match result {
        Ok(status) => status.into(),
        Err(error) if is_broken_pipe(&error) => ExitStatus::Success.into(),
        Err(error) => {
            report_error(&error);
            ExitStatus::Error.into()
        }
    }
}

/// Prints an error and its cause chain on stderr as `error: outer: cause: cause`.
pub fn report_error(error: &anyhow::Error) {
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "error: {error:#}");
}

/// Whether the error is a closed stdout (`nblint graph x | head`), which exits quietly.
fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
