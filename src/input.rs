//! Reading notebooks from files or stdin, with errors that name the file and the position.

use std::path::Path;

use anyhow::{Context, Result};
use nblint_notebook::Notebook;

/// Reads and parses the notebook at `path` (`-` reads stdin). Errors name the file and, where
/// there is one, the line and column in the `.ipynb` or the cell.
pub fn read_notebook(path: &Path) -> Result<Notebook> {
    let bytes = read_bytes(path)?;
    Notebook::parse(&bytes).with_context(|| format!("reading {}", path.display()))
}

/// Reads the bytes of `path` (`-` reads stdin), naming the file in the error.
pub fn read_bytes(path: &Path) -> Result<Vec<u8>> {
    if path.as_os_str() == "-" {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut bytes)
            .context("reading standard input")?;
        return Ok(bytes);
    }
    std::fs::read(path).with_context(|| format!("reading {}", path.display()))
}
