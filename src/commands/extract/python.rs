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
        Err(error @ ExtractError::Generated { .. }) => {
            eprintln!("error: {shown}: {error}");
            return Ok(ExitStatus::Findings);
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
    // A function that reads a name later cells bind again may compute, in the package,
    // what the notebook did not: only a run whose output matches settles it.
    let unsettled = |why: &str| {
        if extraction.late_bound.is_empty() {
            return ExitStatus::Success;
        }
        eprintln!(
            "error: {shown}: the package may compute other values than the notebook where a \
             function reads a name a later cell binds (warnings above), and {why}"
        );
        ExitStatus::Findings
    };
    if args.no_run {
        return Ok(unsettled("--no-run left it unchecked"));
    }
    let python =
        std::env::var_os("NBLINT_PYTHON").map_or_else(|| PathBuf::from("python3"), PathBuf::from);
    let folder = notebook_folder(&args.notebook);
    let work_dir = match &folder {
        Some(folder) if args.run_in_notebook_folder => folder.clone(),
        _ => src.clone(),
    };
    let check = nblint_extract_python::run_check(
        &RunOptions {
            python: python.clone(),
            src_dir: src.clone(),
            work_dir,
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
            return Ok(unsettled("the package was not run"));
        }
        RunOutcome::NoPython(message) => {
            eprintln!("note: {shown}: not run: cannot start Python ({message})");
            return Ok(unsettled("the package was not run"));
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
        RunOutcome::Exited(Some(0)) if !extraction.has_outputs => {
            eprintln!(
                "run check: python -m {package} ran (the notebook stores no output to compare \
                 with)"
            );
            Ok(unsettled("the notebook stores no output to compare with"))
        }
        RunOutcome::Exited(Some(0)) if check.matches => {
            eprintln!("run check: python -m {package} printed what the notebook printed");
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
            if !args.run_in_notebook_folder
                && let Some(missing) = missing_relative_file(&check.stderr_tail)
                && let Some(folder) = &folder
                && folder.join(&missing).exists()
            {
                eprintln!(
                    "note: `{missing}` is in the notebook's folder, where Jupyter ran it; the run \
                     check ran in the package's `src` folder, which changes nothing outside the \
                     package. --run-in-notebook-folder runs it where the notebook ran (cd {} && \
                     PYTHONPATH={} python -m {package})",
                    folder.display(),
                    std::path::absolute(&src)
                        .unwrap_or_else(|_| src.clone())
                        .display()
                );
            }
            Ok(ExitStatus::Findings)
        }
    }
}

/// The relative path a run failed to open, from the last line of its stderr (`FileNotFoundError:
/// [Errno 2] No such file or directory: 'sample.txt'`).
fn missing_relative_file(stderr_tail: &str) -> Option<String> {
    let line = stderr_tail
        .lines()
        .rev()
        .find(|line| !line.trim().is_empty())?;
    let rest = line
        .trim()
        .strip_prefix("FileNotFoundError: [Errno 2] No such file or directory: ")?;
    let quote = rest
        .chars()
        .next()
        .filter(|quote| matches!(quote, '\'' | '"'))?;
    let path = rest.strip_prefix(quote)?.strip_suffix(quote)?;
    (!path.is_empty() && Path::new(path).is_relative()).then(|| path.to_owned())
}

/// The folder holding the notebook, where Jupyter runs it.
fn notebook_folder(notebook: &Path) -> Option<PathBuf> {
    let folder = notebook.parent()?;
    Some(if folder.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        folder.to_path_buf()
    })
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
