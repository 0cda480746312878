//! Finding the configuration for each notebook: `--config FILE`, or the nearest `nblint.toml`
//! (or `Cargo.toml` with `[workspace.metadata.nblint]`) walking up from the notebook's folder.
//! The walk lives in `nblint_lint`, shared with the language server.

use std::path::Path;

use anyhow::Result;
use nblint_facts::Language;
pub use nblint_lint::ConfigResolver;
use nblint_notebook::Notebook;

use crate::input::read_notebook;

/// The notebook at `path`, read, and the `language` setting of the configuration that
/// applies to it: all that `graph` and `extract`, which read one notebook, take from the
/// configuration (as the language choice's setting, under `--language`).
pub fn read_with_language_setting(path: &Path) -> Result<(Notebook, Option<Language>)> {
    let notebook = read_notebook(path)?;
    let config = ConfigResolver::default().config_for(path)?;
    Ok((notebook, config.language))
}
