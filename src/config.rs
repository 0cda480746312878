//! Finding the configuration for each notebook: `--config FILE`, or the nearest `nblint.toml`
//! (or `Cargo.toml` with `[workspace.metadata.nblint]`) walking up from the notebook's folder.
//! The walk lives in `nblint_lint`, shared with the language server.

pub use nblint_lint::ConfigResolver;
