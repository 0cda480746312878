//! One analysis of an open notebook: the live cells turned into a notebook, read by
//! `nblint_analysis` exactly as `nblint check` reads a file, with the graph and the
//! diagnostics kept for hover, navigation and code actions until the next edit.

use std::panic::{AssertUnwindSafe, catch_unwind};

use lsp_types::Uri;
use nblint_analysis::{Analysed, Choice, FactsCache};
use nblint_graph::Graph;
use nblint_lint::{Config, Diagnostic, RuleSelection};
use nblint_notebook::Notebook;

use crate::document::OpenNotebook;

/// Why a notebook could not be analysed. The server reports it to the client and keeps
/// running.
#[derive(Debug, thiserror::Error)]
pub enum AnalysisError {
    /// The live state did not make a notebook (should not happen: the server builds it).
    #[error("building the notebook {uri}: {message}")]
    Notebook {
        /// The notebook's URI.
        uri: String,
        /// What went wrong.
        message: String,
    },
    /// The analysis panicked: a bug in nblint, caught so the editor keeps its server.
    #[error("nblint's analysis failed on {uri} (a bug, please report it): {message}")]
    Panicked {
        /// The notebook's URI.
        uri: String,
        /// The panic's message.
        message: String,
    },
}

/// The result of analysing one notebook.
pub struct Snapshot {
    /// The notebook built from the live cells.
    pub notebook: Notebook,
    /// Its language, front end and cell facts.
    pub analysed: Analysed,
    /// Its dependency graph.
    pub graph: Graph,
    /// The diagnostics of the enabled rules.
    pub diagnostics: Vec<Diagnostic>,
    /// The URI of each cell's text document, by cell number minus one.
    pub cell_uris: Vec<Uri>,
}

impl Snapshot {
    /// The URI of one-based cell `number`.
    pub fn cell_uri(&self, number: usize) -> Option<&Uri> {
        number
            .checked_sub(1)
            .and_then(|index| self.cell_uris.get(index))
    }

    /// The source of one-based cell `number` (empty if there is no such cell).
    pub fn source(&self, number: usize) -> &str {
        self.notebook
            .cell(number)
            .map_or("", |cell| cell.source.as_str())
    }
}

/// Analyses `open` with `config`, whose selection `overrides` (the editor's settings)
/// overrides; the front end runs only on cells whose source `cache` does not hold. A panic
/// in the analysis is caught and returned as an error (and the cache is emptied, in case it
/// was left half-written).
pub fn analyse(
    open: &OpenNotebook,
    config: &Config,
    overrides: &RuleSelection,
    cache: &mut FactsCache,
) -> Result<Snapshot, AnalysisError> {
    let uri = open.uri.as_str().to_owned();
    let notebook =
        Notebook::from_json_object(open.to_json()).map_err(|error| AnalysisError::Notebook {
            uri: uri.clone(),
            message: error.to_string(),
        })?;
    let selection = match open.path() {
        Some(path) => config.selection_for(&path),
        None => config.selection.clone(),
    }
    .overridden_by(overrides);
    let cell_uris = open
        .cells
        .iter()
        .map(|cell| cell.document.clone())
        .collect();
    // The analysis never fails by design; this is the last resort that keeps a bug in one
    // rule from taking the editor's server down with it.
    let run = catch_unwind(AssertUnwindSafe(|| {
        let choice = Choice {
            flag: None,
            setting: config.language.as_ref(),
        };
        let analysed = nblint_analysis::analyse_cached(&notebook, choice, cache);
        let graph = nblint_analysis::graph(&notebook, &analysed);
        let diagnostics = nblint_analysis::lint_with_graph(
            &notebook,
            &analysed,
            &graph,
            &config.settings,
            &selection,
        );
        (analysed, graph, diagnostics)
    }));
    match run {
        Ok((analysed, graph, diagnostics)) => Ok(Snapshot {
            notebook,
            analysed,
            graph,
            diagnostics,
            cell_uris,
        }),
        Err(payload) => {
            *cache = FactsCache::default();
            let message = payload
                .downcast_ref::<&str>()
                .map(|text| (*text).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_owned());
            Err(AnalysisError::Panicked { uri, message })
        }
    }
}
