//! `nblint show NOTEBOOK`: a readable text view, used as git's textconv driver.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use crate::ExitStatus;
use crate::input::read_bytes;

/// Arguments of `nblint show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The notebook to show (`-` for standard input). A file that is not a notebook (a merge
    /// conflict, say) is printed as it is, with a warning, so `git diff` still works.
    pub notebook: PathBuf,
}

/// Prints the text view of one notebook.
pub fn run(args: &ShowArgs) -> Result<ExitStatus> {
    let bytes = read_bytes(&args.notebook)?;
    let text = match nblint_notebook::Notebook::parse(&bytes) {
        Ok(notebook) => nblint_git::render(&notebook),
        Err(error) => {
            eprintln!(
                "warning: {}: not a notebook ({error}); shown as it is",
                args.notebook.display()
            );
            String::from_utf8_lossy(&bytes).into_owned()
        }
    };
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()?;
    Ok(ExitStatus::Success)
}
