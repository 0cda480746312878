//! Writing a notebook back over the file it was read from, never over a newer save.

use std::path::Path;

use anyhow::Result;
use nblint_notebook::{ReadStamp, ReplaceOptions, replace_read_file};

/// The environment variable of a test hook, read in debug builds only: a shell command run
/// (with the file's path as `$1`) after the new version is written to its temporary file and
/// before the file is compared with what was read and replaced, so that tests can save the
/// file in that window.
const BEFORE_REPLACE_HOOK: &str = "NBLINT_TEST_BEFORE_REPLACE";

/// Replaces the notebook at `path`, read with `stamp`, by `bytes` (see
/// [`nblint_notebook::replace_read_file`]): a read-only file, or one changed since it was
/// read, is left as it is and the error names it. What could not be kept of the original
/// (its owner) is said on stderr.
pub fn replace_notebook(path: &Path, bytes: &[u8], stamp: &ReadStamp, sync: bool) -> Result<()> {
    let hook = cfg!(debug_assertions)
        .then(|| std::env::var_os(BEFORE_REPLACE_HOOK))
        .flatten()
        .filter(|command| !command.is_empty());
    let run_hook = |target: &Path| {
        if let Some(command) = &hook {
            let _ = std::process::Command::new("sh")
                .arg("-c")
                .arg(command)
                .arg("nblint-test-hook")
                .arg(target)
                .status();
        }
    };
    let options = ReplaceOptions {
        sync,
        before_replace: hook.is_some().then_some(&run_hook as &dyn Fn(&Path)),
    };
    let replaced = replace_read_file(path, bytes, stamp, &options)?;
    for warning in &replaced.warnings {
        eprintln!("warning: {}: {warning}", path.display());
    }
    Ok(())
}
