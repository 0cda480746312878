//! One module per subcommand; each exposes its clap arguments and a `run` function.

pub mod check;
pub mod extract;
pub mod git;
pub mod graph;
pub mod rule;
pub mod server;
pub mod show;
pub mod strip;
