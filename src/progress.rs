//! A progress bar on stderr for long runs over many files: shown only on a terminal, and only
//! when there are enough files for it to matter, so scripts and pipes see nothing.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Files below this count finish too fast for a bar to help.
const MIN_FILES: usize = 50;

/// A bar for `total` files, hidden unless stderr is a terminal and there are many files.
pub fn bar(total: usize, verb: &'static str) -> ProgressBar {
    if total < MIN_FILES || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
    let style = ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} notebooks ({eta})")
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
    bar.set_style(style);
    bar.set_prefix(verb);
    bar
}
