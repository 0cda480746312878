//! `nblint server` driven as an editor drives it: the built binary is spawned and spoken to
//! in JSON-RPC over its stdio (lsp-server's `Message` framing, the client side), with a
//! scripted session per cell language: open a notebook, receive diagnostics per cell, edit a
//! cell (incremental and full), move a cell, report execution order, hover, go to definition,
//! find references, apply a code action, change `nblint.toml`, shut down.

// Helpers of a test binary: a failed unwrap is a failed test.
#![allow(clippy::expect_used)]

use std::collections::HashMap;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

use lsp_server::{Message, Notification, Request, RequestId, Response};
use serde_json::{Value, json};

use crate::support::assert_contains;

const TIMEOUT: Duration = Duration::from_secs(20);

/// An editor: the server process, the messages it sent, the cells' texts and what the
/// server last published for each cell.
struct Editor {
    child: Child,
    stdin: Option<ChildStdin>,
    incoming: Receiver<Message>,
    next_id: i32,
    diagnostics: HashMap<String, Vec<Value>>,
    texts: HashMap<String, String>,
    versions: HashMap<String, i32>,
    notebook_uri: String,
    notebook_version: i32,
}

impl Editor {
    fn start() -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_nblint"))
            .arg("server")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (sender, incoming) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Ok(Some(message)) = Message::read(&mut reader) {
                if sender.send(message).is_err() {
                    break;
                }
            }
        });
        let stdin = child.stdin.take();
        Self {
            child,
            stdin,
            incoming,
            next_id: 0,
            diagnostics: HashMap::new(),
            texts: HashMap::new(),
            versions: HashMap::new(),
            notebook_uri: String::new(),
            notebook_version: 0,
        }
    }

    fn send(&mut self, message: Message) {
        message.write(self.stdin.as_mut().unwrap()).unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(Notification::new(method.to_owned(), params).into());
    }

    /// Sends a request and returns its result, handling what the server sends meanwhile.
    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = RequestId::from(self.next_id);
        self.send(Request::new(id.clone(), method.to_owned(), params).into());
        loop {
            match self.receive() {
                Message::Response(response) if response.id == id => {
                    return match response.response_result {
                        Ok(result) => result,
                        Err(error) => panic!("{method}: {error:?}"),
                    };
                }
                other => self.handle(other),
            }
        }
    }

    fn receive(&mut self) -> Message {
        self.incoming
            .recv_timeout(TIMEOUT)
            .expect("the server answers within the timeout")
    }

    /// Records published diagnostics and answers the server's own requests (registering
    /// file watchers) as an editor does.
    fn handle(&mut self, message: Message) {
        match message {
            Message::Notification(notification)
                if notification.method == "textDocument/publishDiagnostics" =>
            {
                let uri = notification.params["uri"].as_str().unwrap().to_owned();
                let list = notification.params["diagnostics"]
                    .as_array()
                    .unwrap()
                    .clone();
                self.diagnostics.insert(uri, list);
            }
            Message::Request(request) => {
                assert_eq!(request.method, "client/registerCapability");
                let watched = &request.params["registrations"][0];
                assert_eq!(watched["method"], "workspace/didChangeWatchedFiles");
                self.send(Response::new_ok(request.id, Value::Null).into());
            }
            _ => {}
        }
    }

    /// Reads messages until `done` holds of the published diagnostics.
    fn wait_for(&mut self, what: &str, done: impl Fn(&Self) -> bool) {
        let deadline = std::time::Instant::now() + TIMEOUT;
        while !done(self) {
            assert!(
                std::time::Instant::now() < deadline,
                "timed out waiting for {what}; diagnostics: {:#?}",
                self.diagnostics
            );
            let remaining = deadline.saturating_duration_since(std::time::Instant::now());
            match self.incoming.recv_timeout(remaining) {
                Ok(message) => self.handle(message),
                Err(error) => panic!(
                    "{error}: timed out waiting for {what}; diagnostics: {:#?}",
                    self.diagnostics
                ),
            }
        }
    }

    fn codes(&self, cell: &str) -> Vec<String> {
        let mut codes: Vec<String> = self
            .diagnostics
            .get(cell)
            .map(|list| {
                list.iter()
                    .map(|d| d["code"].as_str().unwrap().to_owned())
                    .collect()
            })
            .unwrap_or_default();
        codes.sort();
        codes
    }

    fn has(&self, cell: &str, code: &str) -> bool {
        self.codes(cell).iter().any(|found| found == code)
    }

    fn initialize(&mut self) {
        let result = self.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": null,
                "capabilities": {
                    "workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}},
                    "notebookDocument": {"synchronization": {"executionSummarySupport": true}},
                    "general": {"positionEncodings": ["utf-16"]}
                }
            }),
        );
        let capabilities = &result["capabilities"];
        let selector = &capabilities["notebookDocumentSync"]["notebookSelector"][0];
        assert_eq!(selector["notebook"], "jupyter-notebook");
        let languages: Vec<&str> = selector["cells"]
            .as_array()
            .unwrap()
            .iter()
            .map(|cell| cell["language"].as_str().unwrap())
            .collect();
        assert!(languages.contains(&"python") && languages.contains(&"rust"));
        assert_eq!(capabilities["positionEncoding"], "utf-16");
        assert_eq!(capabilities["hoverProvider"], true);
        self.notify("initialized", json!({}));
    }

    /// Opens the notebook file at `path` as VS Code does: one cell document per cell, with
    /// the stored execution counts as execution summaries.
    fn open(&mut self, path: &Path, language: &str) -> Vec<String> {
        let notebook: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
        self.notebook_uri = format!("file://{}", path.display());
        let mut cells = Vec::new();
        let mut documents = Vec::new();
        let mut uris = Vec::new();
        for (index, cell) in notebook["cells"].as_array().unwrap().iter().enumerate() {
            let uri = format!("vscode-notebook-cell://{}#c{}", path.display(), index + 1);
            let text: String = cell["source"]
                .as_array()
                .unwrap()
                .iter()
                .map(|line| line.as_str().unwrap())
                .collect();
            let code = cell["cell_type"] == "code";
            let mut lsp_cell = json!({"kind": if code { 2 } else { 1 }, "document": uri});
            if let Some(count) = cell["execution_count"].as_u64() {
                lsp_cell["executionSummary"] = json!({"executionOrder": count, "success": true});
            }
            cells.push(lsp_cell);
            documents.push(json!({
                "uri": uri,
                "languageId": if code { language } else { "markdown" },
                "version": 1,
                "text": text,
            }));
            self.texts.insert(uri.clone(), text);
            self.versions.insert(uri.clone(), 1);
            uris.push(uri);
        }
        self.notebook_version = 1;
        let notebook_uri = self.notebook_uri.clone();
        self.notify(
            "notebookDocument/didOpen",
            json!({
                "notebookDocument": {
                    "uri": notebook_uri,
                    "notebookType": "jupyter-notebook",
                    "version": 1,
                    "metadata": {"custom": {"metadata": notebook["metadata"]}},
                    "cells": cells,
                },
                "cellTextDocuments": documents,
            }),
        );
        uris
    }

    fn change(&mut self, change: Value) {
        self.notebook_version += 1;
        let params = json!({
            "notebookDocument": {"uri": self.notebook_uri, "version": self.notebook_version},
            "change": change,
        });
        self.notify("notebookDocument/didChange", params);
    }

    /// Sends text edits of one cell, applying them to the editor's copy too.
    fn edit(&mut self, cell: &str, edits: &[(Value, &str)]) {
        let version = self.versions.get_mut(cell).unwrap();
        *version += 1;
        let version = *version;
        let mut changes = Vec::new();
        for (range, text) in edits {
            let current = self.texts.get_mut(cell).unwrap();
            match range {
                Value::Null => (*text).clone_into(current),
                range => {
                    let start = offset(current, &range["start"]);
                    let end = offset(current, &range["end"]);
                    current.replace_range(start..end, text);
                }
            }
            let mut change = json!({"text": text});
            if !range.is_null() {
                change["range"] = range.clone();
            }
            changes.push(change);
        }
        self.change(json!({"cells": {"textContent": [{
            "document": {"uri": cell, "version": version},
            "changes": changes,
        }]}}));
    }

    /// Applies a WorkspaceEdit the server proposed, as the editor would, and reports it.
    fn apply(&mut self, edit: &Value) {
        for (uri, edits) in edit["changes"].as_object().unwrap() {
            let mut edits: Vec<&Value> = edits.as_array().unwrap().iter().collect();
            // Later edits first, so earlier offsets stay valid.
            edits.sort_by_key(|edit| {
                let start = &edit["range"]["start"];
                std::cmp::Reverse((start["line"].as_u64(), start["character"].as_u64()))
            });
            let pairs: Vec<(Value, &str)> = edits
                .iter()
                .map(|edit| (edit["range"].clone(), edit["newText"].as_str().unwrap()))
                .collect();
            self.edit(uri, &pairs);
        }
    }

    fn at(&self, cell: &str, needle: &str) -> Value {
        let text = &self.texts[cell];
        let offset = text
            .find(needle)
            .unwrap_or_else(|| panic!("{needle:?} in {text:?}"));
        json!({"textDocument": {"uri": cell}, "position": position(text, offset)})
    }

    fn shutdown(mut self) -> i32 {
        assert_eq!(self.request("shutdown", Value::Null), Value::Null);
        self.notify("exit", Value::Null);
        self.stdin.take();
        self.child.wait().unwrap().code().unwrap()
    }
}

/// The byte offset of an LSP position in ASCII text (the fixtures are ASCII, so UTF-16
/// units are bytes).
fn offset(text: &str, position: &Value) -> usize {
    let line = position["line"].as_u64().unwrap() as usize;
    let character = position["character"].as_u64().unwrap() as usize;
    let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
    (start + character).min(text.len())
}

fn position(text: &str, offset: usize) -> Value {
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let character = offset - before.rfind('\n').map_or(0, |at| at + 1);
    json!({"line": line, "character": character})
}

fn range_of(text: &str, needle: &str) -> Value {
    let start = text.find(needle).unwrap();
    json!({"start": position(text, start), "end": position(text, start + needle.len())})
}

/// What differs between the two fixtures.
struct Language {
    id: &'static str,
    fixture: &'static str,
    /// The text in cell 2 whose `count` is defined only below.
    use_below: &'static str,
    /// The duplicate import in cell 3.
    duplicate: &'static str,
    /// The comment that allows NB203.
    allow: &'static str,
}

/// A copy of `fixtures/server/<name>` in a folder of its own (the session may write
/// beside it), and its path.
fn fixture_copy(name: &str) -> (tempfile::TempDir, PathBuf) {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join(name);
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/server")
            .join(name),
        &path,
    )
    .unwrap();
    (folder, path)
}

fn session(language: &Language) {
    let (folder, path) = fixture_copy(language.fixture);
    // The configuration beside the notebook applies (and is watched: changed below).
    std::fs::write(folder.path().join("nblint.toml"), "ignore = [\"NB207\"]\n").unwrap();

    let mut editor = Editor::start();
    editor.initialize();
    let cells = editor.open(&path, language.id);
    let [_, c2, c3, c4, c5] = [0, 1, 2, 3, 4].map(|index| cells[index].clone());

    // Diagnostics per cell document, with related information pointing at the other cell.
    editor.wait_for("NB201 in cell 2", |e| e.has(&c2, "NB201"));
    editor.wait_for("NB203 in cell 3", |e| e.has(&c3, "NB203"));
    assert!(!editor.has(&c2, "NB207"), "nblint.toml ignores NB207");
    let nb201 = editor.diagnostics[&c2]
        .iter()
        .find(|d| d["code"] == "NB201")
        .unwrap()
        .clone();
    assert_eq!(nb201["source"], "nblint");
    assert_eq!(nb201["range"], range_of(&editor.texts[&c2], "count"));
    let nb203 = editor.diagnostics[&c3]
        .iter()
        .find(|d| d["code"] == "NB203")
        .unwrap()
        .clone();
    let related = &nb203["relatedInformation"][0]["location"];
    assert_eq!(related["uri"], c2.as_str(), "{nb203:#}");

    // Hover: `count` in cell 2 needs cell 3 to have run first.
    let hover = editor.request("textDocument/hover", editor.at(&c2, "count"));
    let text = hover["contents"]["value"].as_str().unwrap();
    assert_contains(
        text,
        "Defined only in cell 3, below: this cell runs only if cell 3 ran first",
    );
    assert_contains(text, "Read by 2 cells: 2, 5.");

    // Go to definition from cell 5 lands on `count` in cell 3.
    let definition = editor.request("textDocument/definition", editor.at(&c5, "count"));
    assert_eq!(definition[0]["uri"], c3.as_str());
    assert_eq!(
        definition[0]["range"],
        range_of(&editor.texts[&c3], "count")
    );

    // References across cells, with and without the definition.
    let mut params = editor.at(&c3, "count");
    params["context"] = json!({"includeDeclaration": false});
    let references = editor.request("textDocument/references", params.clone());
    let uris: Vec<&str> = references
        .as_array()
        .unwrap()
        .iter()
        .map(|location| location["uri"].as_str().unwrap())
        .collect();
    assert_eq!(uris, [c2.as_str(), c5.as_str()]);
    params["context"] = json!({"includeDeclaration": true});
    let references = editor.request("textDocument/references", params);
    assert_eq!(references.as_array().unwrap().len(), 3);

    // An incremental edit removes the use of `count` in cell 2: NB201 goes away.
    let range = range_of(&editor.texts[&c2], "count + 1");
    editor.edit(&c2, &[(range, "1 + 1")]);
    editor.wait_for("NB201 gone", |e| !e.has(&c2, "NB201"));

    // A full-text edit puts it back.
    let original = language.use_below.to_owned();
    editor.edit(&c2, &[(Value::Null, &original)]);
    editor.wait_for("NB201 back", |e| e.has(&c2, "NB201"));

    // Moving cell 3 above cell 2 (one structure change, as VS Code sends a move) defines
    // `count` before its use.
    let cell = |uri: &str, order: u32| json!({"kind": 2, "document": uri, "executionSummary": {"executionOrder": order, "success": true}});
    editor.change(json!({"cells": {"structure": {
        "array": {"start": 1, "deleteCount": 2, "cells": [cell(&c3, 2), cell(&c2, 1)]},
    }}}));
    editor.wait_for("NB201 gone after the move", |e| !e.has(&c2, "NB201"));
    let hover = editor.request("textDocument/hover", editor.at(&c2, "count"));
    let text = hover["contents"]["value"].as_str().unwrap();
    assert_contains(text, "Defined in cell 2, above.");

    // The execution order the editor reports: cell 2 (c3) ran before cell 3 (c2) now,
    // cells 4 and 5 ran 3rd and 4th; running cell 4 again makes it 5th: out of order.
    editor.change(
        json!({"cells": {"data": [cell(&c3, 1), cell(&c2, 2), cell(&c4, 5), cell(&c5, 4)]}}),
    );
    editor.wait_for("NB103 after a re-run", |e| {
        e.has(&c4, "NB103") || e.has(&c5, "NB103")
    });

    // Code actions on the duplicate import, now in the moved-down cell 3 (`c2`): the safe
    // fix and the allow comment.
    editor.wait_for("NB203 in cell 3 after the move", |e| e.has(&c2, "NB203"));
    let duplicate_range = range_of(&editor.texts[&c2], language.duplicate);
    let actions = editor.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": c2}, "range": duplicate_range,
               "context": {"diagnostics": []}}),
    );
    let actions = actions.as_array().unwrap().clone();
    let titles: Vec<&str> = actions
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    let allow = actions
        .iter()
        .find(|a| a["title"] == "Ignore NB203 (duplicate-import) in this cell")
        .unwrap_or_else(|| panic!("an allow action in {titles:?}"));
    let allow_text = allow["edit"]["changes"][c2.as_str()][0]["newText"]
        .as_str()
        .unwrap();
    assert_eq!(allow_text, language.allow);
    let fix = actions
        .iter()
        .find(|a| {
            a["title"]
                .as_str()
                .unwrap()
                .contains("remove the duplicate")
        })
        .unwrap_or_else(|| panic!("a fix in {titles:?}"))
        .clone();
    assert_eq!(fix["kind"], "quickfix");
    editor.apply(&fix["edit"]);
    editor.wait_for("NB203 fixed", |e| !e.has(&c2, "NB203"));
    assert!(!editor.texts[&c2].contains(language.duplicate));

    // A changed nblint.toml re-lints: now it ignores NB103.
    assert!(editor.has(&c4, "NB103") || editor.has(&c5, "NB103"));
    std::fs::write(folder.path().join("nblint.toml"), "ignore = [\"NB103\"]\n").unwrap();
    let config_uri = format!("file://{}", folder.path().join("nblint.toml").display());
    editor.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": config_uri, "type": 2}]}),
    );
    editor.wait_for("NB103 ignored after the config change", |e| {
        cells.iter().all(|cell| !e.has(cell, "NB103"))
    });

    // The editor's settings can name another configuration file: one with a 1-line limit
    // makes the 2-line cell 2 oversized.
    let strict = folder.path().join("strict.toml");
    std::fs::write(&strict, "max-cell-lines = 1\n").unwrap();
    editor.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"nblint": {"config": strict}}}),
    );
    editor.wait_for("NB101 from the configured file", |e| e.has(&c3, "NB101"));

    // Closing clears what was published.
    let uri = editor.notebook_uri.clone();
    editor.notify(
        "notebookDocument/didClose",
        json!({"notebookDocument": {"uri": uri},
               "cellTextDocuments": cells.iter().map(|c| json!({"uri": c})).collect::<Vec<_>>()}),
    );
    editor.wait_for("diagnostics cleared", |e| {
        cells.iter().all(|cell| e.codes(cell).is_empty())
    });

    assert_eq!(
        editor.shutdown(),
        0,
        "shutdown then exit ends with status 0"
    );
}

#[test]
fn python_notebook_session() {
    session(&Language {
        id: "python",
        fixture: "python_session.ipynb",
        use_below: "import collections\ntotal = count + 1\n",
        duplicate: "import collections",
        allow: "# nblint: allow(NB203)\n",
    });
}

#[test]
fn rust_notebook_session() {
    session(&Language {
        id: "rust",
        fixture: "rust_session.ipynb",
        use_below: "use std::collections::HashMap;\nlet total = count + 1;\n",
        duplicate: "use std::collections::HashMap;",
        allow: "// nblint: allow(NB203)\n",
    });
}

#[test]
fn exit_without_shutdown_ends_with_status_1() {
    let mut editor = Editor::start();
    editor.initialize();
    editor.notify("exit", Value::Null);
    editor.stdin.take();
    assert_eq!(editor.child.wait().unwrap().code(), Some(1));
}

#[test]
fn partial_and_malformed_input_gets_errors_not_a_crash() {
    let mut editor = Editor::start();
    editor.initialize();
    // A change for a notebook never opened, a notification with bad parameters, a request
    // for a cell nobody opened, an unknown method: the server answers and stays up.
    editor.change(json!({"cells": {"structure": {"array": {"start": 99, "deleteCount": 5}}}}));
    editor.notify("notebookDocument/didOpen", json!({"notebookDocument": 42}));
    let hover = editor.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": "vscode-notebook-cell:/nowhere#x"},
               "position": {"line": 0, "character": 0}}),
    );
    assert_eq!(hover, Value::Null);
    editor.next_id += 1;
    let id = RequestId::from(editor.next_id);
    editor.send(Request::new(id.clone(), "nblint/unknown".to_owned(), json!({})).into());
    loop {
        match editor.receive() {
            Message::Response(response) if response.id == id => {
                assert!(response.response_result.is_err());
                break;
            }
            other => editor.handle(other),
        }
    }
    assert_eq!(editor.shutdown(), 0);
}

#[test]
fn a_notebook_file_opened_as_json_text_gets_diagnostics_on_its_lines() {
    // Editors without notebook support (Neovim, Zed, Helix) open the .ipynb as JSON.
    let (_folder, path) = fixture_copy("python_session.ipynb");
    let text = std::fs::read_to_string(&path).unwrap();
    let uri = format!("file://{}", path.display());
    let mut editor = Editor::start();
    editor.initialize();
    editor.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "json", "version": 1, "text": text}}),
    );
    editor.wait_for("NB201 in the file", |e| e.has(&uri, "NB201"));
    let nb201 = editor.diagnostics[&uri]
        .iter()
        .find(|d| d["code"] == "NB201")
        .unwrap()
        .clone();
    // On the file line that holds `total = count + 1`, with the cell named.
    let line = nb201["range"]["start"]["line"].as_u64().unwrap() as usize;
    assert!(
        text.lines()
            .nth(line)
            .unwrap()
            .contains("total = count + 1"),
        "{nb201:#}"
    );
    assert!(
        nb201["message"].as_str().unwrap().starts_with("cell 2: "),
        "{nb201:#}"
    );

    // Breaking the JSON gives one NB000 where the parser stopped; mending it brings the
    // findings back.
    editor.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2},
               "contentChanges": [{"text": &text[..text.len() / 2]}]}),
    );
    editor.wait_for("NB000", |e| e.codes(&uri) == ["NB000"]);
    editor.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 3}, "contentChanges": [{"text": text}]}),
    );
    editor.wait_for("NB201 again", |e| e.has(&uri, "NB201"));
    editor.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": uri}}),
    );
    editor.wait_for("cleared", |e| e.codes(&uri).is_empty());
    assert_eq!(editor.shutdown(), 0);
}

#[test]
fn fix_all_source_action_applies_every_safe_fix() {
    let (_folder, path) = fixture_copy("python_session.ipynb");
    let mut editor = Editor::start();
    editor.initialize();
    let cells = editor.open(&path, "python");
    let (c2, c3) = (cells[1].clone(), cells[2].clone());
    editor.wait_for("NB203 and NB204 in cell 3", |e| {
        e.has(&c3, "NB203") && e.has(&c3, "NB204")
    });
    // Each diagnostic links its rule's page, which exists in the repository.
    let nb201 = editor.diagnostics[&c2]
        .iter()
        .find(|d| d["code"] == "NB201")
        .unwrap()
        .clone();
    let href = nb201["codeDescription"]["href"].as_str().unwrap();
    let page = href.rsplit("/blob/main/").next().unwrap();
    assert_eq!(page, "rules/NB201-undefined-above.md");
    assert!(Path::new(env!("CARGO_MANIFEST_DIR")).join(page).is_file());

    let start = json!({"line": 0, "character": 0});
    let actions = editor.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": c2}, "range": {"start": start, "end": start},
               "context": {"diagnostics": [], "only": ["source.fixAll"]}}),
    );
    let actions = actions.as_array().unwrap().clone();
    assert_eq!(actions.len(), 1, "{actions:#?}");
    assert_eq!(actions[0]["kind"], "source.fixAll.nblint");
    // The notebook-wide kind VS Code asks for on save gives the same edit.
    let on_save = editor.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": c2}, "range": {"start": start, "end": start},
               "context": {"diagnostics": [], "only": ["notebook.source.fixAll"]}}),
    );
    assert_eq!(on_save[0]["kind"], "notebook.source.fixAll.nblint");
    assert_eq!(on_save[0]["edit"], actions[0]["edit"]);
    editor.apply(&actions[0]["edit"]);
    assert_eq!(editor.texts[&c3], "count = 3\n");
    editor.wait_for("cell 3 fixed", |e| {
        !e.has(&c3, "NB203") && !e.has(&c3, "NB204")
    });
    assert_eq!(editor.shutdown(), 0);
}

#[test]
fn odd_initialize_parameters_still_start_a_session() {
    // Capabilities the server does not read may hold anything; UTF-8 positions are taken
    // when offered.
    let mut editor = Editor::start();
    let result = editor.request(
        "initialize",
        json!({"capabilities": {"textDocument": "unexpected", "experimental": [1, 2],
                                "general": {"positionEncodings": ["utf-8", "utf-16"]}}}),
    );
    assert_eq!(result["capabilities"]["positionEncoding"], "utf-8");
    editor.notify("initialized", json!({}));
    assert_eq!(editor.shutdown(), 0);
}
