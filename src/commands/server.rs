//! `nblint server`: the language server over stdin and stdout.

use anyhow::{Context, Result};
use clap::Args;

use crate::ExitStatus;

/// `nblint server` takes no options: the editor configures it over the protocol.
#[derive(Debug, Args)]
pub struct ServerArgs {}

/// Serves one editor session on stdio: the protocol owns stdout, so nothing else may print
/// there while it runs.
pub fn run(_args: &ServerArgs) -> Result<ExitStatus> {
    let (connection, io_threads) = lsp_server::Connection::stdio();
    let exit = nblint_server::serve(&connection);
    // The writer thread ends once every sender is gone: drop ours before waiting for it.
    drop(connection);
    match exit? {
        nblint_server::Exit::AfterShutdown => {
            // The reader thread has stopped at `exit`; the writer flushes what is left.
            io_threads
                .join()
                .context("closing the language server's stdio")?;
            Ok(ExitStatus::Success)
        }
        // The reader may still block on stdin: leave without waiting for it.
        nblint_server::Exit::WithoutShutdown => Ok(ExitStatus::Findings),
    }
}
