//! nblint's language server (LSP 3.17 notebook documents) over an `lsp_server::Connection`.
//!
//! The editor opens a notebook with `notebookDocument/didOpen` and then sends each change:
//! cell text edits, cells inserted, removed or moved, and each cell's execution summary.
//! The server keeps that live state ([`document`]), turns it into an `nblint_notebook`
//! notebook and runs `nblint_analysis` on it ([`analysis`]) as `nblint check` does on a file,
//! with the configuration found from the notebook's folder upwards. It publishes
//! diagnostics per cell document, and answers code actions, hover, definition and references
//! from the last analysis ([`features`]).
//!
//! The server owns no printing, no stdio and no exit status: the CLI (`nblint server`) makes
//! the stdio connection, and turns the [`Exit`] that [`serve`] returns into the process's
//! status. Tests and the benchmark serve an in-memory connection the same way.

pub mod analysis;
pub mod document;
pub mod features;
pub mod file;
pub mod position;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{
    DidChangeConfiguration, DidChangeNotebookDocument, DidChangeTextDocument,
    DidChangeWatchedFiles, DidCloseNotebookDocument, DidCloseTextDocument, DidOpenNotebookDocument,
    DidOpenTextDocument, DidSaveNotebookDocument, Notification as _, PublishDiagnostics,
    ShowMessage,
};
use lsp_types::request::{
    CodeActionRequest, GotoDefinition, HoverRequest, References, RegisterCapability, Request as _,
};
use lsp_types::{
    CodeActionKind, CodeActionOptions, CodeActionProviderCapability,
    DidChangeWatchedFilesRegistrationOptions, FileSystemWatcher, GlobPattern,
    HoverProviderCapability, MessageType, NotebookCellSelector, NotebookDocumentSyncOptions,
    NotebookSelector, OneOf, PositionEncodingKind, PublishDiagnosticsParams, Registration,
    RegistrationParams, ServerCapabilities, ServerInfo, ShowMessageParams,
    TextDocumentSyncCapability, TextDocumentSyncKind, Uri,
};
use nblint_lint::{ConfigResolver, RuleSelection, Selector};
use serde::Deserialize;

use crate::analysis::Snapshot;
use crate::document::OpenNotebook;
use crate::position::Encoding;

/// How a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// `shutdown` and then `exit`: the process should end with status 0.
    AfterShutdown,
    /// `exit` without `shutdown`, or the client went away: status 1, as LSP asks.
    WithoutShutdown,
}

/// A failure of the connection itself (not of a notebook, which is reported to the client).
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The initialize handshake failed.
    #[error("language server protocol: {0}")]
    Protocol(#[from] lsp_server::ProtocolError),
    /// A message could not be sent (the client went away).
    #[error("language server connection: {0}")]
    Connection(String),
}

/// Serves one session on `connection`: the initialize handshake, then messages until `exit`.
pub fn serve(connection: &Connection) -> Result<Exit, ServerError> {
    let (id, params) = match connection.initialize_start() {
        Ok(start) => start,
        // `exit` before `initialize` (or a closed connection) ends the session.
        Err(error) if error.channel_is_disconnected() => return Ok(Exit::WithoutShutdown),
        Err(error) => {
            return if error.to_string().contains("exit") {
                Ok(Exit::WithoutShutdown)
            } else {
                Err(error.into())
            };
        }
    };
    // The initialize parameters are read field by field, not as lsp-types'
    // `InitializeParams`: a client announcing capability values newer than that crate knows
    // (a new symbol kind, say) must not be refused over fields the server never reads.
    let encoding = negotiate_encoding(&params);
    let result = serde_json::json!({
        "capabilities": capabilities(encoding),
        "serverInfo": ServerInfo {
            name: "nblint".to_owned(),
            version: Some(env!("CARGO_PKG_VERSION").to_owned()),
        },
    });
    connection.initialize_finish(id, result)?;
    let mut server = Server::new(connection, encoding, &params);
    server.watch_config_files(&params)?;
    server.run()
}

/// UTF-8 positions when the client offers them (no conversion), else the UTF-16 default.
fn negotiate_encoding(params: &serde_json::Value) -> Encoding {
    let offered = params
        .pointer("/capabilities/general/positionEncodings")
        .and_then(serde_json::Value::as_array);
    let utf8 = offered.is_some_and(|offered| {
        offered
            .iter()
            .any(|encoding| encoding.as_str() == Some(PositionEncodingKind::UTF8.as_str()))
    });
    if utf8 {
        Encoding::Utf8
    } else {
        Encoding::Utf16
    }
}

/// What the server offers: notebook sync for Jupyter notebooks with Python and Rust cells
/// (markdown and raw cells too, so cells are numbered as a person counts them), incremental
/// text sync for cell documents, code actions, hover, definition and references.
fn capabilities(encoding: Encoding) -> ServerCapabilities {
    let cells = ["python", "rust", "markdown", "raw"]
        .iter()
        .map(|language| NotebookCellSelector {
            language: (*language).to_owned(),
        })
        .collect();
    ServerCapabilities {
        position_encoding: Some(match encoding {
            Encoding::Utf8 => PositionEncodingKind::UTF8,
            Encoding::Utf16 => PositionEncodingKind::UTF16,
        }),
        text_document_sync: Some(TextDocumentSyncCapability::Kind(
            TextDocumentSyncKind::INCREMENTAL,
        )),
        notebook_document_sync: Some(OneOf::Left(NotebookDocumentSyncOptions {
            notebook_selector: vec![NotebookSelector::ByNotebook {
                notebook: lsp_types::Notebook::String("jupyter-notebook".to_owned()),
                cells: Some(cells),
            }],
            save: Some(true),
        })),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![
                CodeActionKind::QUICKFIX,
                CodeActionKind::new(features::FIX_ALL_KIND),
                CodeActionKind::new(features::NOTEBOOK_FIX_ALL_KIND),
            ]),
            ..CodeActionOptions::default()
        })),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        ..ServerCapabilities::default()
    }
}

/// The editor's settings for nblint (`initializationOptions`, or the `nblint` section of
/// `workspace/didChangeConfiguration`).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct ClientSettings {
    /// Rules to run, over the configuration's (`--select`).
    select: Vec<String>,
    /// Rules to run besides those (`--extend-select`).
    extend_select: Vec<String>,
    /// Rules to skip, over the configuration's (`--ignore`).
    ignore: Vec<String>,
    /// A configuration file for every notebook instead of the nearest `nblint.toml`.
    config: Option<PathBuf>,
}

impl ClientSettings {
    /// Reads settings given either as `{"nblint": {...}}` or as the section itself.
    fn from_value(value: &serde_json::Value) -> Result<Self, String> {
        let section = value.get("nblint").unwrap_or(value);
        if section.is_null() {
            return Ok(Self::default());
        }
        Self::deserialize(section).map_err(|error| format!("invalid nblint settings: {error}"))
    }
}

/// One open notebook: the live state, its last analysis, what was last published per cell.
struct NotebookState {
    open: OpenNotebook,
    snapshot: Option<Snapshot>,
    /// Facts of its cells by source, so an edit re-reads only the edited cell.
    facts: nblint_analysis::FactsCache,
    published: HashMap<String, Vec<lsp_types::Diagnostic>>,
}

/// A notebook file opened as text (its JSON), by an editor without notebook support.
struct FileState {
    uri: Uri,
    text: String,
    facts: nblint_analysis::FactsCache,
    published_any: bool,
}

struct Server<'a> {
    connection: &'a Connection,
    encoding: Encoding,
    notebooks: HashMap<String, NotebookState>,
    files: HashMap<String, FileState>,
    /// Notebooks changed since their last analysis; analysed when no message is waiting,
    /// or before a request, so a burst of keystrokes costs one analysis.
    dirty: HashSet<String>,
    resolver: ConfigResolver,
    selection: RuleSelection,
    settings: ClientSettings,
    shutdown: bool,
}

impl<'a> Server<'a> {
    fn new(connection: &'a Connection, encoding: Encoding, params: &serde_json::Value) -> Self {
        let mut server = Self {
            connection,
            encoding,
            notebooks: HashMap::new(),
            files: HashMap::new(),
            dirty: HashSet::new(),
            resolver: ConfigResolver::default(),
            selection: RuleSelection::default(),
            settings: ClientSettings::default(),
            shutdown: false,
        };
        if let Some(options) = params.get("initializationOptions") {
            server.apply_settings(options);
        }
        server
    }

    fn run(&mut self) -> Result<Exit, ServerError> {
        loop {
            let message = if let Ok(message) = self.connection.receiver.try_recv() {
                message
            } else {
                // Nothing waiting: the burst of edits is over, analyse what changed.
                self.relint_dirty()?;
                match self.connection.receiver.recv() {
                    Ok(message) => message,
                    Err(_) => return Ok(Exit::WithoutShutdown),
                }
            };
            match message {
                Message::Request(request) => self.on_request(request)?,
                Message::Notification(notification) if notification.method == "exit" => {
                    return Ok(if self.shutdown {
                        Exit::AfterShutdown
                    } else {
                        Exit::WithoutShutdown
                    });
                }
                Message::Notification(notification) => self.on_notification(notification)?,
                // Answers to our own requests (registering file watchers) need nothing.
                Message::Response(_) => {}
            }
        }
    }

    fn send(&self, message: Message) -> Result<(), ServerError> {
        send(self.connection, message)
    }

    fn show_message(&self, typ: MessageType, message: String) -> Result<(), ServerError> {
        let params = ShowMessageParams { typ, message };
        self.send(Notification::new(ShowMessage::METHOD.to_owned(), params).into())
    }

    fn apply_settings(&mut self, value: &serde_json::Value) {
        let mut problems = Vec::new();
        let settings = ClientSettings::from_value(value).unwrap_or_else(|error| {
            problems.push(error);
            ClientSettings::default()
        });
        let mut selectors = |list: &[String]| {
            list.iter()
                .filter_map(|text| {
                    Selector::parse(text)
                        .map_err(|error| problems.push(format!("nblint settings: {error}")))
                        .ok()
                })
                .collect::<Vec<_>>()
        };
        self.selection = RuleSelection {
            select: selectors(&settings.select),
            extend_select: selectors(&settings.extend_select),
            ignore: selectors(&settings.ignore),
        };
        self.resolver = match &settings.config {
            Some(path) => ConfigResolver::explicit(path).unwrap_or_else(|error| {
                problems.push(error.to_string());
                ConfigResolver::default()
            }),
            None => ConfigResolver::default(),
        };
        self.settings = settings;
        for problem in problems {
            // Before `initialize` has been answered nothing may be sent; a failure to send
            // here is not worth ending the session over.
            let _ = self.show_message(MessageType::ERROR, problem);
        }
    }

    /// Asks the client to report changes to configuration files, when it can register
    /// watchers dynamically.
    fn watch_config_files(&self, params: &serde_json::Value) -> Result<(), ServerError> {
        let dynamic = params
            .pointer("/capabilities/workspace/didChangeWatchedFiles/dynamicRegistration")
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(false);
        if !dynamic {
            return Ok(());
        }
        let watchers = ["**/nblint.toml", "**/Cargo.toml"]
            .iter()
            .map(|glob| FileSystemWatcher {
                glob_pattern: GlobPattern::String((*glob).to_owned()),
                kind: None,
            })
            .collect();
        let options = DidChangeWatchedFilesRegistrationOptions { watchers };
        let registration = Registration {
            id: "nblint-config-files".to_owned(),
            method: DidChangeWatchedFiles::METHOD.to_owned(),
            register_options: serde_json::to_value(options).ok(),
        };
        let params = RegistrationParams {
            registrations: vec![registration],
        };
        let request = Request::new(
            RequestId::from("nblint/watch-config".to_owned()),
            RegisterCapability::METHOD.to_owned(),
            params,
        );
        self.send(request.into())
    }

    fn on_notification(&mut self, notification: Notification) -> Result<(), ServerError> {
        let method = notification.method.clone();
        let outcome = match method.as_str() {
            DidOpenNotebookDocument::METHOD => notification
                .extract::<lsp_types::DidOpenNotebookDocumentParams>(&method)
                .map(|params| self.did_open(params)),
            DidChangeNotebookDocument::METHOD => notification
                .extract::<lsp_types::DidChangeNotebookDocumentParams>(&method)
                .map(|params| self.did_change(params)),
            DidSaveNotebookDocument::METHOD => notification
                .extract::<lsp_types::DidSaveNotebookDocumentParams>(&method)
                .map(|params| {
                    self.dirty
                        .insert(params.notebook_document.uri.as_str().to_owned());
                }),
            DidCloseNotebookDocument::METHOD => {
                return match notification
                    .extract::<lsp_types::DidCloseNotebookDocumentParams>(&method)
                {
                    Ok(params) => self.did_close(&params.notebook_document.uri),
                    Err(error) => self.show_message(
                        MessageType::ERROR,
                        format!("nblint: invalid {method}: {error}"),
                    ),
                };
            }
            // Notebook files opened as JSON text, by editors without notebook support.
            DidOpenTextDocument::METHOD => notification
                .extract::<lsp_types::DidOpenTextDocumentParams>(&method)
                .map(|params| self.did_open_text(params.text_document)),
            DidCloseTextDocument::METHOD => {
                return match notification.extract::<lsp_types::DidCloseTextDocumentParams>(&method)
                {
                    Ok(params) => self.did_close_text(&params.text_document.uri),
                    Err(error) => self.show_message(
                        MessageType::ERROR,
                        format!("nblint: invalid {method}: {error}"),
                    ),
                };
            }
            // Those files' edits, and cell edits of a client that sends them as plain text
            // document changes.
            DidChangeTextDocument::METHOD => notification
                .extract::<lsp_types::DidChangeTextDocumentParams>(&method)
                .map(|params| self.did_change_text(params)),
            DidChangeConfiguration::METHOD => notification
                .extract::<lsp_types::DidChangeConfigurationParams>(&method)
                .map(|params| {
                    self.apply_settings(&params.settings);
                    self.mark_all_dirty();
                }),
            DidChangeWatchedFiles::METHOD => notification
                .extract::<lsp_types::DidChangeWatchedFilesParams>(&method)
                .map(|params| {
                    let config_changed = params.changes.iter().any(|change| {
                        document::file_path(&change.uri)
                            .is_some_and(|path| nblint_lint::is_config_file(&path))
                    });
                    if config_changed {
                        self.reload_config();
                    }
                }),
            // Everything else (textDocument/didOpen of cells, $/cancelRequest, ...) is
            // either carried by the notebook notifications or not needed.
            _ => return Ok(()),
        };
        match outcome {
            Ok(()) => Ok(()),
            Err(error) => self.show_message(
                MessageType::ERROR,
                format!("nblint: invalid {method}: {error}"),
            ),
        }
    }

    /// Forgets cached configurations and re-lints every open notebook.
    fn reload_config(&mut self) {
        let settings = std::mem::take(&mut self.settings);
        self.resolver = match &settings.config {
            Some(path) => ConfigResolver::explicit(path).unwrap_or_default(),
            None => ConfigResolver::default(),
        };
        self.settings = settings;
        self.mark_all_dirty();
    }

    fn mark_all_dirty(&mut self) {
        self.dirty.extend(self.notebooks.keys().cloned());
        self.dirty.extend(self.files.keys().cloned());
    }

    fn did_open_text(&mut self, document: lsp_types::TextDocumentItem) {
        // Cell documents arrive with the notebook; only whole notebook files are ours here.
        if !file::is_notebook_file(&document.uri) {
            return;
        }
        let key = document.uri.as_str().to_owned();
        self.files.insert(
            key.clone(),
            FileState {
                uri: document.uri,
                text: document.text,
                facts: nblint_analysis::FactsCache::default(),
                published_any: false,
            },
        );
        self.dirty.insert(key);
    }

    fn did_close_text(&mut self, uri: &Uri) -> Result<(), ServerError> {
        self.dirty.remove(uri.as_str());
        if let Some(state) = self.files.remove(uri.as_str())
            && state.published_any
        {
            self.publish(uri.as_str(), Vec::new())?;
        }
        Ok(())
    }

    fn relint_file(&mut self, key: &str) -> Result<(), ServerError> {
        let Some(state) = self.files.get(key) else {
            return Ok(());
        };
        let config = match document::file_path(&state.uri) {
            Some(path) => match self.resolver.config_for(&path) {
                Ok(config) => config,
                Err(error) => {
                    self.show_message(MessageType::ERROR, format!("nblint: {error}"))?;
                    nblint_lint::Config::default()
                }
            },
            None => nblint_lint::Config::default(),
        };
        let selection = match document::file_path(&state.uri) {
            Some(path) => config.selection_for(&path),
            None => config.selection.clone(),
        }
        .overridden_by(&self.selection);
        let encoding = self.encoding;
        let Some(state) = self.files.get_mut(key) else {
            return Ok(());
        };
        let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            file::diagnostics(
                &state.uri,
                &state.text,
                &config,
                &selection,
                &mut state.facts,
                encoding,
            )
        }));
        let Ok(diagnostics) = run else {
            state.facts = nblint_analysis::FactsCache::default();
            let message = format!(
                "nblint's analysis failed on {} (a bug, please report it)",
                state.uri.as_str()
            );
            return self.show_message(MessageType::ERROR, message);
        };
        if diagnostics.is_empty() && !state.published_any {
            return Ok(());
        }
        state.published_any = !diagnostics.is_empty();
        let uri = state.uri.as_str().to_owned();
        self.publish(&uri, diagnostics)
    }

    fn did_open(&mut self, params: lsp_types::DidOpenNotebookDocumentParams) {
        let open = OpenNotebook::open(params.notebook_document, params.cell_text_documents);
        let key = open.uri.as_str().to_owned();
        self.notebooks.insert(
            key.clone(),
            NotebookState {
                open,
                snapshot: None,
                facts: nblint_analysis::FactsCache::default(),
                published: HashMap::new(),
            },
        );
        self.dirty.insert(key);
    }

    fn did_change(&mut self, params: lsp_types::DidChangeNotebookDocumentParams) {
        let key = params.notebook_document.uri.as_str().to_owned();
        let Some(state) = self.notebooks.get_mut(&key) else {
            return;
        };
        let open = &mut state.open;
        let change = params.change;
        if let Some(metadata) = change.metadata {
            open.metadata = metadata;
        }
        if let Some(cells) = change.cells {
            if let Some(structure) = cells.structure {
                let array = structure.array;
                open.splice(
                    array.start as usize,
                    array.delete_count as usize,
                    array.cells.unwrap_or_default(),
                );
                let closed: Vec<Uri> = structure
                    .did_close
                    .unwrap_or_default()
                    .into_iter()
                    .map(|document| document.uri)
                    .collect();
                open.close_texts(&closed);
                open.open_texts(structure.did_open.unwrap_or_default());
            }
            if let Some(data) = cells.data {
                open.update_cells(data);
            }
            for content in cells.text_content.unwrap_or_default() {
                open.edit_text(&content.document.uri, content.changes, self.encoding);
            }
        }
        self.dirty.insert(key);
    }

    fn did_change_text(&mut self, params: lsp_types::DidChangeTextDocumentParams) {
        let uri = params.text_document.uri;
        let encoding = self.encoding;
        if let Some(state) = self.files.get_mut(uri.as_str()) {
            document::apply_changes(&mut state.text, params.content_changes, encoding);
            self.dirty.insert(uri.as_str().to_owned());
            return;
        }
        let mut changes = Some(params.content_changes);
        for (key, state) in &mut self.notebooks {
            if state.open.texts.contains_key(uri.as_str()) {
                if let Some(changes) = changes.take() {
                    state.open.edit_text(&uri, changes, encoding);
                }
                self.dirty.insert(key.clone());
                break;
            }
        }
    }

    fn did_close(&mut self, uri: &Uri) -> Result<(), ServerError> {
        self.dirty.remove(uri.as_str());
        if let Some(state) = self.notebooks.remove(uri.as_str()) {
            for (cell, diagnostics) in state.published {
                if !diagnostics.is_empty() {
                    self.publish(&cell, Vec::new())?;
                }
            }
        }
        Ok(())
    }

    fn publish(
        &self,
        cell: &str,
        diagnostics: Vec<lsp_types::Diagnostic>,
    ) -> Result<(), ServerError> {
        let Ok(uri) = cell.parse::<Uri>() else {
            return Ok(());
        };
        let params = PublishDiagnosticsParams {
            uri,
            diagnostics,
            version: None,
        };
        self.send(Notification::new(PublishDiagnostics::METHOD.to_owned(), params).into())
    }

    /// Analyses every changed notebook and publishes the diagnostics of the cells whose
    /// diagnostics changed.
    fn relint_dirty(&mut self) -> Result<(), ServerError> {
        let dirty: Vec<String> = self.dirty.drain().collect();
        for key in dirty {
            if self.files.contains_key(&key) {
                self.relint_file(&key)?;
            } else {
                self.relint(&key)?;
            }
        }
        Ok(())
    }

    fn relint(&mut self, key: &str) -> Result<(), ServerError> {
        let Some(mut facts) = self
            .notebooks
            .get_mut(key)
            .map(|state| std::mem::take(&mut state.facts))
        else {
            return Ok(());
        };
        let Some(state) = self.notebooks.get(key) else {
            return Ok(());
        };
        let config = match state.open.path() {
            Some(path) => match self.resolver.config_for(&path) {
                Ok(config) => config,
                Err(error) => {
                    self.show_message(MessageType::ERROR, format!("nblint: {error}"))?;
                    nblint_lint::Config::default()
                }
            },
            None => nblint_lint::Config::default(),
        };
        let analysed = analysis::analyse(&state.open, &config, &self.selection, &mut facts);
        if let Some(state) = self.notebooks.get_mut(key) {
            state.facts = facts;
        }
        let Some(state) = self.notebooks.get(key) else {
            return Ok(());
        };
        let snapshot = match analysed {
            Ok(snapshot) => snapshot,
            Err(error) => {
                return self.show_message(MessageType::ERROR, format!("nblint: {error}"));
            }
        };
        let mut outgoing = Vec::new();
        let mut published = HashMap::new();
        let mut by_cell = features::diagnostics_by_cell(&snapshot, self.encoding);
        for (index, uri) in snapshot.cell_uris.iter().enumerate() {
            let diagnostics = by_cell
                .get_mut(index)
                .map(std::mem::take)
                .unwrap_or_default();
            let key = uri.as_str().to_owned();
            if state.published.get(&key) != Some(&diagnostics) {
                outgoing.push((key.clone(), diagnostics.clone()));
            }
            published.insert(key, diagnostics);
        }
        // Cells removed since the last analysis lose their diagnostics.
        for (cell, diagnostics) in &state.published {
            if !published.contains_key(cell) && !diagnostics.is_empty() {
                outgoing.push((cell.clone(), Vec::new()));
            }
        }
        for (cell, diagnostics) in outgoing {
            self.publish(&cell, diagnostics)?;
        }
        if let Some(state) = self.notebooks.get_mut(key) {
            state.snapshot = Some(snapshot);
            state.published = published;
        }
        Ok(())
    }

    /// The analysis of the notebook that holds cell document `uri`, and the cell's number.
    fn cell(&self, uri: &Uri) -> Option<(&Snapshot, usize)> {
        self.notebooks.values().find_map(|state| {
            let snapshot = state.snapshot.as_ref()?;
            let index = snapshot
                .cell_uris
                .iter()
                .position(|cell| cell.as_str() == uri.as_str())?;
            Some((snapshot, index + 1))
        })
    }

    fn on_request(&mut self, request: Request) -> Result<(), ServerError> {
        if self.shutdown {
            let response = Response::new_err(
                request.id,
                ErrorCode::InvalidRequest as i32,
                "the server is shutting down".to_owned(),
            );
            return self.send(response.into());
        }
        if request.method == "shutdown" {
            self.shutdown = true;
            return self.send(Response::new_ok(request.id, ()).into());
        }
        // Answer from the current text, not from before the last edits.
        self.relint_dirty()?;
        let id = request.id.clone();
        let method = request.method.clone();
        let encoding = self.encoding;
        let result = match method.as_str() {
            HoverRequest::METHOD => request
                .extract::<lsp_types::HoverParams>(&method)
                .map(|(_, params)| {
                    let at = params.text_document_position_params;
                    self.cell(&at.text_document.uri)
                        .and_then(|(snapshot, cell)| {
                            let offset =
                                position::offset(snapshot.source(cell), at.position, encoding);
                            features::hover(snapshot, cell, offset, encoding)
                        })
                })
                .map(|hover| serde_json::to_value(hover).unwrap_or_default()),
            GotoDefinition::METHOD => request
                .extract::<lsp_types::GotoDefinitionParams>(&method)
                .map(|(_, params)| {
                    let at = params.text_document_position_params;
                    self.cell(&at.text_document.uri).map(|(snapshot, cell)| {
                        let offset = position::offset(snapshot.source(cell), at.position, encoding);
                        features::definition(snapshot, cell, offset, encoding)
                    })
                })
                .map(|locations| serde_json::to_value(locations).unwrap_or_default()),
            References::METHOD => request
                .extract::<lsp_types::ReferenceParams>(&method)
                .map(|(_, params)| {
                    let at = params.text_document_position;
                    let include = params.context.include_declaration;
                    self.cell(&at.text_document.uri).map(|(snapshot, cell)| {
                        let offset = position::offset(snapshot.source(cell), at.position, encoding);
                        features::references(snapshot, cell, offset, include, encoding)
                    })
                })
                .map(|locations| serde_json::to_value(locations).unwrap_or_default()),
            CodeActionRequest::METHOD => request
                .extract::<lsp_types::CodeActionParams>(&method)
                .map(|(_, params)| {
                    self.cell(&params.text_document.uri)
                        .map(|(snapshot, cell)| {
                            let only = params.context.only.as_deref();
                            features::code_actions(snapshot, cell, params.range, only, encoding)
                        })
                        .unwrap_or_default()
                })
                .map(|actions| serde_json::to_value(actions).unwrap_or_default()),
            _ => {
                let response = Response::new_err(
                    id,
                    ErrorCode::MethodNotFound as i32,
                    format!("nblint does not handle {method}"),
                );
                return self.send(response.into());
            }
        };
        let response = match result {
            Ok(value) => Response::new_ok(id, value),
            Err(error) => Response::new_err(
                id,
                ErrorCode::InvalidParams as i32,
                format!("invalid {method}: {error}"),
            ),
        };
        self.send(response.into())
    }
}

fn send(connection: &Connection, message: Message) -> Result<(), ServerError> {
    connection
        .sender
        .send(message)
        .map_err(|error| ServerError::Connection(error.to_string()))
}
