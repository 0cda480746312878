//! `nblint extract` for a Python notebook: plan and write the package
//! (`nblint_extract_python`), format it with ruff when one is at hand, then run it and print
//! a per-cell table comparing its stdout with the notebook's stored output.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result};
use nblint_extract_python::{ExtractError, ExtractOptions, RunOptions, RunOutcome};
use nblint_notebook::Notebook;

use super::ExtractArgs;
use crate::ExitStatus;

/// Extracts a Python notebook into a package and checks that it prints what the notebook did.
pub fn run(args: &ExtractArgs, notebook: &Notebook) -> Result<ExitStatus> {
    let shown = args.notebook.display();
    let package = match &args.name {
        Some(name) if !nblint_extract_python::is_valid_package_name(name) => {
            eprintln!(
                "error: --name {name:?} is not a valid Python package name (letters, digits and \
                 `_`, not starting with a digit, not a keyword)"
            );
            return Ok(ExitStatus::Error);
        }
        Some(name) => name.clone(),
        None => nblint_extract_python::package_name(&args.notebook),
    };
    if let Some(refused) = super::refuse_out_folder(&args.out, args.force, "package")? {
        return Ok(refused);
    }
    let options = ExtractOptions {
        package: package.clone(),
        notebook_name: args.notebook.file_name().map_or_else(
            || "notebook.ipynb".to_owned(),
            |name| name.to_string_lossy().into_owned(),
        ),
    };
    let extraction = match nblint_extract_python::extract(notebook, &options) {
        Ok(extraction) => extraction,
        Err(ExtractError::NothingToExtract { reason, warnings }) => {
            for warning in warnings {
                eprintln!("warning: {shown}: {warning}");
            }
            eprintln!("error: {shown}: nothing to extract: {reason}; no package was written");
            return Ok(ExitStatus::Findings);
        }
        Err(error @ (ExtractError::Refused { .. } | ExtractError::Syntax { .. })) => {
            eprintln!("error: {shown}: {error}");
            return Ok(ExitStatus::Error);
        }
        Err(error) => return Err(error).with_context(|| format!("extracting {shown}")),
    };
    nblint_extract_python::write_files(&extraction.files, &args.out)
        .with_context(|| format!("writing the package for {shown}"))?;
    for warning in &extraction.warnings {
        eprintln!("warning: {shown}: {warning}");
    }
    let src = args.out.join("src");
    match ruff() {
        Some(ruff) => {
            let formatted = Command::new(&ruff)
                .args(["format", "--quiet"])
                .arg(&src)
                .status();
            if !formatted.is_ok_and(|status| status.success()) {
                eprintln!(
                    "warning: {shown}: `{} format` failed on the package; it is left as written",
                    ruff.display()
                );
            }
        }
        None => eprintln!(
            "note: {shown}: ruff not found (set NBLINT_RUFF or put ruff on PATH): the package \
             is not formatted"
        ),
    }
    eprintln!(
        "wrote package `{package}` to {} (python -m {package}, from {})",
        args.out.display(),
        src.display()
    );
    if args.no_run {
        return Ok(ExitStatus::Success);
    }
    let python =
        std::env::var_os("NBLINT_PYTHON").map_or_else(|| PathBuf::from("python3"), PathBuf::from);
    let check = nblint_extract_python::run_check(
        &RunOptions {
            python: python.clone(),
            src_dir: src,
            package: package.clone(),
            imports: extraction.dependencies.imported.clone(),
            timeout: Duration::from_secs(args.run_timeout),
        },
        &extraction.expected,
    );
    match &check.outcome {
        RunOutcome::MissingDependencies(modules) => {
            eprintln!(
                "note: {shown}: not run: {} does not import with {} (install the dependencies \
                 of pyproject.toml, or set NBLINT_PYTHON)",
                modules.join(", "),
                python.display()
            );
            return Ok(ExitStatus::Success);
        }
        RunOutcome::NoPython(message) => {
            eprintln!("note: {shown}: not run: cannot start Python ({message})");
            return Ok(ExitStatus::Success);
        }
        RunOutcome::TimedOut | RunOutcome::Exited(_) => {}
    }
    print_table(&check, extraction.has_outputs);
    match check.outcome {
        RunOutcome::TimedOut => {
            eprintln!(
                "error: {shown}: python -m {package} did not finish in {} s",
                args.run_timeout
            );
            Ok(ExitStatus::Findings)
        }
        RunOutcome::Exited(Some(0)) if check.matches || !extraction.has_outputs => {
            eprintln!(
                "run check: python -m {package} {}",
                if extraction.has_outputs {
                    "printed what the notebook printed"
                } else {
                    "ran (the notebook stores no output to compare with)"
                }
            );
            Ok(ExitStatus::Success)
        }
        RunOutcome::Exited(Some(0)) => {
            eprintln!(
                "error: {shown}: python -m {package} ran but its output differs from the \
                 notebook's (table above)"
            );
            Ok(ExitStatus::Findings)
        }
        _ => {
            eprintln!("{}", check.stderr_tail);
            eprintln!("error: {shown}: python -m {package} failed (its stderr above)");
            Ok(ExitStatus::Findings)
        }
    }
}

/// The per-cell table of the run check, on stderr (stdout stays free for pipes).
fn print_table(check: &nblint_extract_python::RunCheck, has_outputs: bool) {
    let width = check
        .cells
        .iter()
        .map(|row| row.step.len())
        .max()
        .unwrap_or(4)
        .max(4);
    eprintln!(
        "{:>5}  {:<width$}  {:<8}  output",
        "cell", "step", "printed"
    );
    for row in &check.cells {
        let verdict = if !has_outputs {
            "not compared"
        } else if !row.compared {
            "not compared (a line was left out)"
        } else if !row.expected_output {
            "-"
        } else if row.matches {
            "matches"
        } else {
            "differs"
        };
        eprintln!(
            "{:>5}  {:<width$}  {:<8}  {verdict}",
            row.cell,
            row.step,
            if row.expected_output { "yes" } else { "no" }
        );
    }
}

/// The ruff binary: `$NBLINT_RUFF`, else `ruff` when it is on PATH.
fn ruff() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("NBLINT_RUFF") {
        return Some(PathBuf::from(path));
    }
    let found = Command::new("ruff")
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success());
    found.then(|| Path::new("ruff").to_path_buf())
}
