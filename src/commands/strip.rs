//! `nblint strip [PATH]... [--check]`, `nblint strip --stdin` (the git clean filter) and
//! `nblint strip --filter-process` (the same filter, one process for all files).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Args;
use nblint_git::StripOptions;
use rayon::prelude::*;

use crate::ExitStatus;
use crate::discover::notebooks_under;

/// Arguments of `nblint strip`.
#[derive(Debug, Args)]
pub struct StripArgs {
    /// Notebooks or folders to strip (folders are walked, `.gitignore` respected)
    #[arg(
        required_unless_present_any = ["stdin", "filter_process"],
        conflicts_with_all = ["stdin", "filter_process"]
    )]
    pub paths: Vec<PathBuf>,
    /// Change nothing: list the files that would change and exit 1 if there are any
    #[arg(long, conflicts_with_all = ["stdin", "filter_process"])]
    pub check: bool,
    /// Read a notebook on standard input and write it stripped on standard output (the git
    /// clean filter); input that is not a notebook passes through unchanged
    #[arg(long, conflicts_with = "filter_process")]
    pub stdin: bool,
    /// Serve git's long-running filter protocol on standard input and output
    /// (`filter.nblint.process`, which `nblint git install` sets): one process strips every
    /// notebook of a git command, as --stdin does one
    #[arg(long)]
    pub filter_process: bool,
    /// Keep outputs (their execution counts are still cleared unless --keep-count)
    #[arg(long)]
    pub keep_output: bool,
    /// Keep execution counts
    #[arg(long)]
    pub keep_count: bool,
    /// Keep a metadata key strip removes by default (`scrolled`, `cell.metadata.collapsed`,
    /// `metadata.widgets`); repeatable
    #[arg(long, value_name = "KEY")]
    pub keep_metadata: Vec<String>,
    /// Remove cells whose source is empty or only whitespace
    #[arg(long)]
    pub drop_empty_cells: bool,
}

impl StripArgs {
    fn options(&self) -> StripOptions {
        StripOptions {
            keep_output: self.keep_output,
            keep_count: self.keep_count,
            keep_metadata: self.keep_metadata.clone(),
            drop_empty_cells: self.drop_empty_cells,
        }
    }
}

/// Strips files in place (or lists them with `--check`), or filters standard input.
pub fn run(args: &StripArgs) -> Result<ExitStatus> {
    let options = args.options();
    if args.stdin {
        return filter(&options);
    }
    if args.filter_process {
        return filter_process(&options);
    }
    let mut errors = 0;
    let (mut changed, mut unchanged) = (0usize, 0usize);
    let mut paths = Vec::new();
    for path in notebooks_under(&args.paths) {
        match path {
            Ok(path) => paths.push(path),
            Err(error) => {
                crate::report_error(&error);
                errors += 1;
            }
        }
    }
    // Files are independent: strip them in parallel, then report in the order found.
    let progress = crate::progress::bar(paths.len(), "stripping");
    let results: Vec<Result<bool>> = paths
        .par_iter()
        .map(|path| {
            let result = strip_file(path, &options, args.check);
            progress.inc(1);
            result
        })
        .collect();
    progress.finish_and_clear();
    let mut stdout = std::io::stdout().lock();
    for (path, result) in paths.iter().zip(results) {
        match result {
            Ok(true) => {
                changed += 1;
                if args.check {
                    writeln!(stdout, "{}", path.display())?;
                }
            }
            Ok(false) => unchanged += 1,
            Err(error) => {
                crate::report_error(&error.context(path.display().to_string()));
                errors += 1;
            }
        }
    }
    stdout.flush()?;
    let files = |n: usize| if n == 1 { "file" } else { "files" };
    // Files that could not be read, stripped or written are counted, never left out.
    if args.check {
        eprintln!(
            "{changed} {} would be stripped, {unchanged} already clean, {errors} refused",
            files(changed)
        );
    } else {
        eprintln!(
            "{changed} {} stripped, {unchanged} already clean, {errors} refused",
            files(changed)
        );
    }
    Ok(if errors > 0 {
        ExitStatus::Error
    } else if args.check && changed > 0 {
        ExitStatus::Findings
    } else {
        ExitStatus::Success
    })
}

/// Strips one file; returns whether it changed (or would, with `check`). The file is
/// replaced atomically, without a sync of its own (see `write_atomically_unsynced`).
/// A file changed since it was read, or read-only, is left as it is (an error).
fn strip_file(path: &Path, options: &StripOptions, check: bool) -> Result<bool> {
    let (bytes, stamp) = nblint_notebook::read_stamped(path)?;
    let Some(stripped) = nblint_git::strip_bytes(&bytes, options)? else {
        return Ok(false);
    };
    if !check {
        crate::replace::replace_notebook(path, &stripped, &stamp, false)?;
    }
    Ok(true)
}

/// The clean filter: never fails a commit over content, only over I/O.
fn filter(options: &StripOptions) -> Result<ExitStatus> {
    let mut input = Vec::new();
    std::io::stdin()
        .lock()
        .read_to_end(&mut input)
        .context("reading standard input")?;
    let output = clean(input, options, "nblint strip --stdin");
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(&output)?;
    stdout.flush()?;
    Ok(ExitStatus::Success)
}

/// The clean filter as a long-running process: the same cleaning for every file git sends.
fn filter_process(options: &StripOptions) -> Result<ExitStatus> {
    let stdin = std::io::stdin().lock();
    let stdout = std::io::BufWriter::new(std::io::stdout().lock());
    nblint_git::process::serve(stdin, stdout, |command, pathname, content| {
        match command {
            nblint_git::process::Command::Clean => {
                // git's names are bytes; shown lossily, never refused.
                clean(content, options, &String::from_utf8_lossy(pathname))
            }
            // Checkouts write what is stored.
            nblint_git::process::Command::Smudge => content,
        }
    })
    .context("nblint strip --filter-process: talking to git")?;
    Ok(ExitStatus::Success)
}

/// `input` stripped; unchanged when clean, and when it is not a notebook (with a warning
/// naming `what`: a commit never fails over content).
fn clean(input: Vec<u8>, options: &StripOptions, what: &str) -> Vec<u8> {
    match nblint_git::strip_bytes(&input, options) {
        Ok(Some(stripped)) => stripped,
        Ok(None) => input,
        Err(error) => {
            eprintln!("warning: {what}: not a notebook ({error}); passed through unchanged");
            input
        }
    }
}
