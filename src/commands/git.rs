//! `nblint git install | uninstall | status`: the clean filter, the textconv driver and the
//! `*.ipynb` attributes line.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use nblint_git::{Change, Target};

use crate::ExitStatus;

/// Arguments of `nblint git`.
#[derive(Debug, Args)]
pub struct GitArgs {
    #[command(subcommand)]
    pub command: GitCommand,
}

/// What `nblint git` does.
#[derive(Debug, Subcommand)]
pub enum GitCommand {
    /// Write the filter and diff driver into git config and `*.ipynb filter=nblint
    /// diff=nblint` into .gitattributes
    Install(InstallArgs),
    /// Remove exactly what install wrote
    Uninstall(InstallArgs),
    /// Say what is installed and whether the `nblint` on PATH runs (exit 1 if not complete)
    Status,
}

/// Where install and uninstall write.
#[derive(Debug, Args)]
pub struct InstallArgs {
    /// Use the global git config (~/.gitconfig) and global attributes file instead of the
    /// repository's
    #[arg(long)]
    pub global: bool,
    /// Write the attributes line into .git/info/attributes (not committed) instead of
    /// .gitattributes
    #[arg(long, conflicts_with = "global")]
    pub attributes_local: bool,
}

/// Runs one `nblint git` subcommand.
pub fn run(args: &GitArgs) -> Result<ExitStatus> {
    match &args.command {
        GitCommand::Install(install) => {
            let changes = nblint_git::install::install(&target(install)?)?;
            print_changes(&changes)?;
            Ok(ExitStatus::Success)
        }
        GitCommand::Uninstall(install) => {
            let changes = nblint_git::install::uninstall(&target(install)?)?;
            if changes.is_empty() {
                eprintln!("nothing to uninstall");
            }
            print_changes(&changes)?;
            Ok(ExitStatus::Success)
        }
        GitCommand::Status => status(),
    }
}

fn target(args: &InstallArgs) -> Result<Target> {
    if args.global {
        let home = std::env::var_os("HOME")
            .map(PathBuf::from)
            .context("--global needs HOME to find the global git config")?;
        let xdg = std::env::var_os("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .filter(|path| path.is_absolute())
            .unwrap_or_else(|| home.join(".config"));
        return Ok(Target::global(&home, &xdg)?);
    }
    let here = std::env::current_dir().context("reading the current folder")?;
    Ok(Target::local(&here, args.attributes_local)?)
}

fn print_changes(changes: &[Change]) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    for change in changes {
        match change {
            Change::Set { key, value } => writeln!(stdout, "set {key} = {value}")?,
            Change::AlreadySet { key } => writeln!(stdout, "already set: {key}")?,
            Change::Removed { key } => writeln!(stdout, "removed {key}")?,
            Change::AddedLine(path) => writeln!(
                stdout,
                "added `{}` to {}",
                nblint_git::ATTRIBUTES_LINE,
                path.display()
            )?,
            Change::LinePresent(path) => {
                writeln!(stdout, "already in {}: attributes line", path.display())?;
            }
            Change::RemovedLine(path) => {
                writeln!(
                    stdout,
                    "removed the attributes line from {}",
                    path.display()
                )?;
            }
            Change::RemovedFile(path) => {
                writeln!(
                    stdout,
                    "removed {} (it held only nblint's line)",
                    path.display()
                )?;
            }
        }
    }
    stdout.flush()?;
    Ok(())
}

fn status() -> Result<ExitStatus> {
    let here = std::env::current_dir().context("reading the current folder")?;
    let report = nblint_git::install::status(&here)?;
    let mut stdout = std::io::stdout().lock();
    match &report.repository {
        Some(path) => writeln!(stdout, "repository: {}", path.display())?,
        None => writeln!(
            stdout,
            "repository: none (showing configuration outside repositories)"
        )?,
    }
    for key in &report.keys {
        let state = match &key.found {
            Some(_) if key.is_ok() => "ok",
            Some(_) => "different",
            None => "missing",
        };
        let found = key.found.as_deref().unwrap_or("(unset)");
        writeln!(stdout, "{:<24} {state:<9} {found}", key.expected.key)?;
    }
    for (name, value) in [
        ("*.ipynb filter", &report.filter_attribute),
        ("*.ipynb diff", &report.diff_attribute),
    ] {
        let state = match value.as_deref() {
            Some("nblint") => "ok",
            Some(_) => "different",
            None => "missing",
        };
        let found = value.as_deref().unwrap_or("(unset)");
        writeln!(stdout, "{name:<24} {state:<9} {found}")?;
    }
    let on_path = nblint_on_path();
    match &on_path {
        Ok(version) => writeln!(stdout, "{:<24} {:<9} {version}", "nblint on PATH", "ok")?,
        Err(reason) => writeln!(stdout, "{:<24} {:<9} {reason}", "nblint on PATH", "failing")?,
    }
    stdout.flush()?;
    Ok(if report.is_installed() && on_path.is_ok() {
        ExitStatus::Success
    } else {
        ExitStatus::Findings
    })
}

/// Runs `nblint --version` as git would (found on PATH) and returns its output.
fn nblint_on_path() -> std::result::Result<String, String> {
    let output = std::process::Command::new("nblint")
        .arg("--version")
        .current_dir(Path::new("."))
        .output()
        .map_err(|error| format!("cannot run `nblint`: {error}"))?;
    if !output.status.success() {
        return Err(format!("`nblint --version` exited with {}", output.status));
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
}
