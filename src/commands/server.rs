//! `nblint server`: the language server over stdin and stdout.

use anyhow::Result;
use clap::Args;

use crate::ExitStatus;

/// `nblint server` takes no options: the editor configures it over the protocol.
#[derive(Debug, Args)]
pub struct ServerArgs {}

/// Serves one editor session on stdio.
pub fn run(_args: &ServerArgs) -> Result<ExitStatus> {
    match nblint_server::serve_stdio()? {
        nblint_server::Exit::AfterShutdown => Ok(ExitStatus::Success),
        nblint_server::Exit::WithoutShutdown => Ok(ExitStatus::Findings),
    }
}
