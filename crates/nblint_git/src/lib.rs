//! Keeping notebooks clean in git.
//!
//! - [`strip`](mod@strip): removes outputs, execution counts and volatile metadata, as
//!   nbstripout does by default, and writes the result the way Jupyter does; the engine of
//!   `nblint strip` and of the git clean filter `nblint strip --stdin`.
//! - [`process`]: git's long-running filter protocol, so that one `nblint strip
//!   --filter-process` serves every file of a git command.
//! - [`show`]: a readable text view of a notebook for `git diff` (the textconv driver).
//! - [`install`]: `nblint git install | uninstall | status`, editing git configuration and
//!   attributes with git2, recording what install changed so uninstall restores exactly
//!   that, and reading the status from git itself.
//! - [`staged`]: the notebooks staged in the index, for `nblint check --staged`.
//!
//! Nothing here prints, reads the environment or exits: the CLI does (it passes in the
//! environment values git's rules need). [`install::status`] runs `git`, which reads its own
//! environment as it always does.

pub mod install;
mod jupyter;
pub mod process;
pub mod show;
mod splice;
pub mod staged;
pub mod strip;

pub use install::{
    ATTRIBUTES_LINE, AttributesFile, Change, ConfigKey, GitError, KEYS, KeyStatus, StatusReport,
    Target, global_config_file,
};
pub use jupyter::to_jupyter_bytes;
pub use show::render;
pub use staged::{Staged, StagedError, StagedNotebook, StagedQuery, staged_notebooks};
pub use strip::{StripOptions, strip, strip_bytes};
