//! `nblint git install | uninstall | status`: the clean filter, the textconv driver and the
//! `*.ipynb` attributes line. Install records what it changed (`nblint.install.*` in the
//! config file it writes) and uninstall undoes exactly that; `--global` finds the file the
//! way git does, from the environment read here; status asks git what it sees. See
//! `nblint_git::install` for the record.

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
    /// diff=nblint` into .gitattributes, recording what was changed
    ///
    /// The record (keys `nblint.install.*` in the same config file) says which keys install
    /// set, the values they had before (with --force), and whether it added the attributes
    /// line or created the attributes file; uninstall undoes exactly that. A key that
    /// already holds another value is not replaced without --force (exit 2, nothing
    /// changed).
    Install(InstallArgs),
    /// Undo what install recorded: remove the keys it set or give back their previous values,
    /// remove the line from a file it added it to (deleting a file it created, if empty)
    ///
    /// Keys and attributes lines that were there before install are left as they are.
    Uninstall(TargetArgs),
    /// Say what is installed, as git sees it from here, and whether the `nblint` on PATH
    /// runs (exit 1 if not complete)
    ///
    /// Asks git itself (`git config`, `git check-attr`), so a value set at any level,
    /// included file or `GIT_CONFIG_GLOBAL` counts, and its origin is shown.
    Status,
}

/// Arguments of `nblint git install`.
#[derive(Debug, Args)]
pub struct InstallArgs {
    /// Where to write
    #[command(flatten)]
    pub target: TargetArgs,
    /// Replace filter.nblint.* and diff.nblint.* keys that hold other values (the values
    /// are recorded and put back by uninstall)
    #[arg(long)]
    pub force: bool,
}

/// Where install and uninstall write.
#[derive(Debug, Args)]
pub struct TargetArgs {
    /// Use the global git config and global attributes file instead of the repository's:
    /// $GIT_CONFIG_GLOBAL if set, else ~/.gitconfig if it exists, else
    /// $XDG_CONFIG_HOME/git/config if it exists, else ~/.gitconfig (where `git config
    /// --global` writes)
    #[arg(long)]
    pub global: bool,
    /// Write the attributes line into .git/info/attributes (not committed) instead of
    /// .gitattributes (uninstall undoes both either way)
    #[arg(long, conflicts_with = "global")]
    pub attributes_local: bool,
}

/// Runs one `nblint git` subcommand.
pub fn run(args: &GitArgs) -> Result<ExitStatus> {
    match &args.command {
        GitCommand::Install(install) => {
            let target = target(&install.target, install.target.attributes_local)?;
            let changes = nblint_git::install::install(&target, install.force)?;
            print_changes(&changes)?;
            Ok(ExitStatus::Success)
        }
        GitCommand::Uninstall(install) => {
            // Uninstall undoes both local attributes files whichever is named first; naming
            // .git/info/attributes first works in a bare repository too.
            let changes = nblint_git::install::uninstall(&target(install, true)?)?;
            if changes.is_empty() {
                eprintln!("nothing to uninstall");
            }
            print_changes(&changes)?;
            Ok(ExitStatus::Success)
        }
        GitCommand::Status => status(),
    }
}

fn target(args: &TargetArgs, attributes_local: bool) -> Result<Target> {
    if args.global {
        // git's reading of the environment: an empty variable counts as unset.
        let variable = |name| std::env::var_os(name).filter(|value| !value.is_empty());
        let home = variable("HOME")
            .map(PathBuf::from)
            .context("--global needs HOME to find the global git config")?;
        let xdg = variable("XDG_CONFIG_HOME").map_or_else(|| home.join(".config"), PathBuf::from);
        let git_config_global = variable("GIT_CONFIG_GLOBAL").map(PathBuf::from);
        return Ok(Target::global(&home, &xdg, git_config_global.as_deref())?);
    }
    let here = std::env::current_dir().context("reading the current folder")?;
    Ok(Target::local(&here, attributes_local)?)
}

fn print_changes(changes: &[Change]) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    for change in changes {
        match change {
            Change::Set { key, value } => writeln!(stdout, "set {key} = {value}")?,
            Change::Replaced {
                key,
                value,
                previous,
            } => writeln!(
                stdout,
                "set {key} = {value} (was {previous}; uninstall puts it back)"
            )?,
            Change::AlreadySet { key } => writeln!(stdout, "already set: {key}")?,
            Change::Removed { key } => writeln!(stdout, "removed {key}")?,
            Change::Restored { key, value } => {
                writeln!(
                    stdout,
                    "restored {key} = {value} (its value before install)"
                )?;
            }
            Change::KeptKey { key, value } => {
                writeln!(stdout, "left {key} = {value} (it was there before install)")?;
            }
            Change::ChangedSinceInstall { key, value } => {
                writeln!(stdout, "left {key} = {value} (changed since install)")?;
            }
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
                    "removed {} (install created it for nblint's line alone)",
                    path.display()
                )?;
            }
            Change::KeptLine(path) => {
                writeln!(
                    stdout,
                    "left the attributes line in {} (install did not add it)",
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
        match &key.origin {
            Some(origin) if !key.is_ok() => writeln!(
                stdout,
                "{:<24} {state:<9} {found} ({origin})",
                key.expected.key
            )?,
            _ => writeln!(stdout, "{:<24} {state:<9} {found}", key.expected.key)?,
        }
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
