//! `nblint extract NOTEBOOK --out DIR [--name CRATE] [--force]`: an evcxr notebook becomes a
//! crate, a Python notebook a package (see `python`).

mod python;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use nblint_extract::{CargoRunner, ExtractOptions};
use nblint_facts::Language;

use crate::ExitStatus;
use crate::config::read_with_language_setting;
use nblint_analysis::{Choice, language_of};

/// Arguments of `nblint extract`.
#[derive(Debug, Args)]
pub struct ExtractArgs {
    /// The notebook to extract: an evcxr (Rust) notebook becomes a crate, a Python notebook a
    /// package
    pub notebook: PathBuf,
    /// The folder to write the crate or package into (created if missing; must be empty
    /// unless --force)
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// The crate's package name, or the Python package's import name (default: the
    /// notebook's file name in snake case)
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Write into a folder that is not empty, replacing the files nblint generates
    #[arg(long)]
    pub force: bool,
    /// Rust notebooks: where to build the probe and check crates (default: a folder under
    /// the system's temporary directory; never inside --out)
    #[arg(long, value_name = "DIR")]
    pub target_dir: Option<PathBuf>,
    /// Rust notebooks: do not run cargo: types come from annotations only, the crate is not
    /// checked, and the single-`run()` form is written when a type is unknown
    #[arg(long)]
    pub no_check: bool,
    /// Read the cells as this language instead of what the notebook's kernel metadata (or
    /// `language` in nblint.toml) says; `rust` and `python` can be extracted
    #[arg(long, value_parser = nblint_analysis::parse_language)]
    pub language: Option<Language>,
    /// Python notebooks: do not run `python -m PKG` (python from $NBLINT_PYTHON, else python3)
    /// to compare its output with the notebook's
    #[arg(long)]
    pub no_run: bool,
    /// Python notebooks: stop the run check after this many seconds
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    pub run_timeout: u64,
    /// Python notebooks: run the check in the notebook's folder, as Jupyter ran the notebook,
    /// so relative paths find its data files (what the notebook writes is written there too);
    /// by default it runs in the package's `src` folder and changes nothing outside the package
    #[arg(long, conflicts_with = "no_run")]
    pub run_in_notebook_folder: bool,
}

/// Extracts one notebook into a crate.
pub fn run(args: &ExtractArgs) -> Result<ExitStatus> {
    let shown = args.notebook.display();
    let (notebook, setting) = read_with_language_setting(&args.notebook)?;
    let choice = Choice {
        flag: args.language.as_ref(),
        setting: setting.as_ref(),
    };
    let detected = language_of(&notebook, choice);
    if let Some(note) = detected.guess_note() {
        eprintln!("note: {shown}: {note}");
    }
    match detected.language {
        Language::Rust => {}
        Language::Python => return python::run(args, &notebook),
        language @ Language::Other(_) => {
            eprintln!(
                "error: {shown}: a {} notebook; `nblint extract` turns evcxr (Rust) notebooks \
                 into Rust crates and Python notebooks into Python packages",
                language.display_name()
            );
            return Ok(ExitStatus::Error);
        }
    }
    let package = match &args.name {
        Some(name) if !nblint_extract::is_valid_package_name(name) => {
            eprintln!(
                "error: --name {name:?} is not a valid crate name (letters, digits, `-` and \
                 `_`, not starting with a digit)"
            );
            return Ok(ExitStatus::Error);
        }
        Some(name) => name.clone(),
        None => nblint_extract::package_name(&args.notebook),
    };
    if let Some(refused) = refuse_out_folder(&args.out, args.force, "crate")? {
        return Ok(refused);
    }
    let target_root = args
        .target_dir
        .clone()
        .unwrap_or_else(|| std::env::temp_dir().join("nblint-extract"));
    let cargo = (!args.no_check).then(|| CargoRunner {
        program: std::env::var_os("CARGO").map_or_else(|| PathBuf::from("cargo"), PathBuf::from),
        target_dir: target_root.join("target"),
    });
    let options = ExtractOptions {
        package: package.clone(),
        notebook_path: args.notebook.clone(),
        out_dir: args.out.clone(),
        cargo,
        scratch_dir: target_root.join("crates"),
    };
    let spinner = spinner();
    let extraction = nblint_extract::extract(&notebook, &options, &|stage: &str| {
        spinner.set_message(stage.to_owned());
    });
    spinner.finish_and_clear();
    if let Err(nblint_extract::ExtractError::NothingToExtract { reason, warnings }) = &extraction {
        for warning in warnings {
            eprintln!("warning: {shown}: {warning}");
        }
        eprintln!("error: {shown}: nothing to extract: {reason}; no crate was written");
        return Ok(ExitStatus::Findings);
    }
    let extraction = extraction.with_context(|| format!("extracting {shown}"))?;
    nblint_extract::write_files(&extraction.files, &args.out)
        .with_context(|| format!("writing the crate for {shown}"))?;

    for warning in &extraction.warnings {
        eprintln!("warning: {shown}: {warning}");
    }
    if let Some(reason) = &extraction.fallback {
        eprintln!(
            "warning: {shown}: wrote one `run()` holding every cell's statements in order (the \
             kernel's meaning) instead of per-cell functions: {reason}"
        );
    }
    for (name, version) in &extraction.pinned {
        eprintln!(
            "note: {shown}: `{name}` had no version (`:dep {name}` or `extern crate {name};`): \
             pinned to {version}, the version cargo resolved and built"
        );
    }
    if extraction.builds != Some(false) {
        eprint!("{}", extraction.summary_table());
    }
    match extraction.builds {
        Some(true) => {
            for warning in &extraction.compiler_warnings {
                eprint!("{warning}");
            }
            let pinned: Vec<String> = extraction
                .pinned
                .iter()
                .map(|(name, version)| format!("{name} {version}"))
                .collect();
            eprintln!(
                "wrote crate `{package}` to {} (cargo check passed{}{})",
                args.out.display(),
                if extraction.compiler_warnings.is_empty() {
                    String::new()
                } else {
                    format!(", {} warnings", extraction.compiler_warnings.len())
                },
                if pinned.is_empty() {
                    String::new()
                } else {
                    format!("; pinned {}", pinned.join(", "))
                }
            );
            Ok(ExitStatus::Success)
        }
        Some(false) => {
            for error in &extraction.errors {
                eprint!("{error}");
            }
            eprintln!(
                "error: {shown}: the crate written to {} does not build (errors above)",
                args.out.display()
            );
            Ok(ExitStatus::Findings)
        }
        None => {
            eprintln!(
                "wrote crate `{package}` to {} (not checked: --no-check)",
                args.out.display()
            );
            Ok(ExitStatus::Success)
        }
    }
}

/// `Some(exit status)` when `--out` cannot take what is written (a `what`: crate, package):
/// a folder that is not empty without `--force`, or not a folder; the reason is printed and
/// nothing is written.
pub(crate) fn refuse_out_folder(out: &Path, force: bool, what: &str) -> Result<Option<ExitStatus>> {
    if !force && !is_empty_or_missing(out)? {
        eprintln!(
            "error: {}: the folder is not empty; pass --force to write the {what} into it \
             (nothing was written)",
            out.display()
        );
        return Ok(Some(ExitStatus::Error));
    }
    if out.exists() && !out.is_dir() {
        eprintln!("error: {}: not a folder", out.display());
        return Ok(Some(ExitStatus::Error));
    }
    Ok(None)
}

/// Whether `path` does not exist or is an empty folder.
fn is_empty_or_missing(path: &Path) -> Result<bool> {
    if !path.exists() {
        return Ok(true);
    }
    if !path.is_dir() {
        return Ok(false);
    }
    let mut entries =
        std::fs::read_dir(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(entries.next().is_none())
}

/// A spinner on stderr naming the current stage, shown only on a terminal.
fn spinner() -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    let style = ProgressStyle::with_template("{spinner} extract: {msg} ({elapsed})")
        .unwrap_or_else(|_| ProgressStyle::default_spinner());
    bar.set_style(style);
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}
