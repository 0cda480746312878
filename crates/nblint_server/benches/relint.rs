//! Re-lint latency of `nblint server`: open a large notebook, then edit one cell again and
//! again and time each edit until the server has re-analysed the notebook, published the
//! cells whose diagnostics changed, and answered a request that follows the edit (the server
//! analyses pending edits before it answers, so the answer marks the end of the re-lint).
//!
//! The session runs in-process over an in-memory connection, so the figure is the server's
//! own time (JSON-RPC encoding included, pipe transport excluded).
//!
//! ```text
//! cargo bench -p nblint_server --bench relint -- [NOTEBOOK.ipynb] [--edits N]
//! ```
//!
//! Without a notebook, one of 500 cells is generated with
//! `python3 ../shared/bench/make_corpus.py --scale 500` (Python; `--lang rust` with
//! `NBLINT_BENCH_LANG=rust`).

// A benchmark binary reports on stdout and stderr.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::error::Error;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use lsp_server::{Connection, Message, Notification, Request, RequestId};
use serde_json::{Value, json};

type Result<T> = std::result::Result<T, Box<dyn Error>>;

fn main() -> Result<()> {
    let mut path = None;
    let mut edits = 50;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--edits" => edits = args.next().ok_or("--edits needs a number")?.parse()?,
            // `cargo bench` passes `--bench`; other flags are not ours either.
            flag if flag.starts_with("--") => {}
            notebook => path = Some(PathBuf::from(notebook)),
        }
    }
    let _generated;
    let path = if let Some(path) = path {
        path
    } else {
        let folder = tempfile_dir()?;
        let language = std::env::var("NBLINT_BENCH_LANG").unwrap_or_else(|_| "python".into());
        let script =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/bench/make_corpus.py");
        let status = std::process::Command::new("python3")
            .arg(&script)
            .args(["--out", &folder.display().to_string(), "--scale", "500"])
            .args(["--lang", &language, "--seed", "relint"])
            .stdout(std::process::Stdio::null())
            .status()?;
        if !status.success() {
            return Err(format!("{} failed; pass a notebook path", script.display()).into());
        }
        let notebook = std::fs::read_dir(&folder)?
            .filter_map(|entry| entry.ok().map(|entry| entry.path()))
            .find(|path| path.extension().is_some_and(|ext| ext == "ipynb"))
            .ok_or("make_corpus.py wrote no notebook")?;
        _generated = TempDir(folder);
        notebook
    };
    run(&path, edits)
}

/// A folder removed when dropped.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn tempfile_dir() -> Result<PathBuf> {
    let folder = std::env::temp_dir().join(format!("nblint-relint-{}", std::process::id()));
    std::fs::create_dir_all(&folder)?;
    Ok(folder)
}

struct Client {
    connection: Connection,
    next_id: i32,
    published: usize,
}

impl Client {
    fn notify(&self, method: &str, params: Value) -> Result<()> {
        self.connection
            .sender
            .send(Notification::new(method.to_owned(), params).into())?;
        Ok(())
    }

    /// Sends a request and waits for its response, counting diagnostics published meanwhile.
    fn request(&mut self, method: &str, params: Value) -> Result<Value> {
        self.next_id += 1;
        let id = RequestId::from(self.next_id);
        self.connection
            .sender
            .send(Request::new(id.clone(), method.to_owned(), params).into())?;
        loop {
            match self
                .connection
                .receiver
                .recv_timeout(Duration::from_mins(2))?
            {
                Message::Response(response) if response.id == id => {
                    return response
                        .response_result
                        .map_err(|error| format!("{method}: {}", error.message).into());
                }
                Message::Notification(notification)
                    if notification.method == "textDocument/publishDiagnostics" =>
                {
                    self.published += 1;
                }
                _ => {}
            }
        }
    }
}

fn run(path: &Path, edits: usize) -> Result<()> {
    let notebook: Value = serde_json::from_slice(&std::fs::read(path)?)?;
    let language = notebook["metadata"]["kernelspec"]["language"]
        .as_str()
        .unwrap_or("python")
        .to_lowercase();
    let (server, client) = Connection::memory();
    let server_thread =
        std::thread::spawn(move || nblint_server::serve(&server).map_err(|e| e.to_string()));
    let mut client = Client {
        connection: client,
        next_id: 0,
        published: 0,
    };
    client.request(
        "initialize",
        json!({"processId": null, "rootUri": null, "capabilities": {}}),
    )?;
    client.notify("initialized", json!({}))?;

    let notebook_uri = format!("file://{}", std::path::absolute(path)?.display());
    let mut cells = Vec::new();
    let mut documents = Vec::new();
    let mut code_cells = Vec::new();
    let empty = Vec::new();
    for (index, cell) in notebook["cells"]
        .as_array()
        .unwrap_or(&empty)
        .iter()
        .enumerate()
    {
        let uri = format!(
            "vscode-notebook-cell:{}#c{index}",
            notebook_uri.trim_start_matches("file://")
        );
        let text: String = match &cell["source"] {
            Value::Array(lines) => lines.iter().filter_map(Value::as_str).collect(),
            Value::String(text) => text.clone(),
            _ => String::new(),
        };
        let (kind, language_id) = match cell["cell_type"].as_str() {
            Some("code") => (2, language.as_str()),
            Some("raw") => (2, "raw"),
            _ => (1, "markdown"),
        };
        let mut lsp_cell = json!({"kind": kind, "document": uri});
        if let Some(count) = cell["execution_count"].as_u64() {
            lsp_cell["executionSummary"] = json!({"executionOrder": count});
        }
        if kind == 2 && language_id != "raw" {
            code_cells.push((uri.clone(), text.clone()));
        }
        cells.push(lsp_cell);
        documents.push(json!({"uri": uri, "languageId": language_id, "version": 1, "text": text}));
    }
    let cell_count = cells.len();
    let started = Instant::now();
    client.notify(
        "notebookDocument/didOpen",
        json!({
            "notebookDocument": {"uri": notebook_uri, "notebookType": "jupyter-notebook",
                                 "version": 1, "cells": cells},
            "cellTextDocuments": documents,
        }),
    )?;
    let (edited, text) = code_cells
        .get(code_cells.len() / 2)
        .cloned()
        .ok_or("the notebook has no code cell")?;
    let probe = json!({"textDocument": {"uri": edited}, "position": {"line": 0, "character": 0}});
    client.request("textDocument/hover", probe.clone())?;
    let open_time = started.elapsed();
    let published_on_open = client.published;

    // Each edit appends a new line to the middle code cell, then removes it: what a person
    // typing does to one cell.
    let comment = if language == "rust" { "//" } else { "#" };
    let lines = u32::try_from(text.lines().count())?;
    let mut times = Vec::with_capacity(edits);
    for round in 0..edits {
        let version = i32::try_from(round)? + 2;
        let change = if round % 2 == 0 {
            let end = json!({"line": lines + 1, "character": 0});
            json!({"range": {"start": end, "end": end}, "text": format!("\n{comment} edit {round}")})
        } else {
            json!({"text": text})
        };
        let started = Instant::now();
        client.notify(
            "notebookDocument/didChange",
            json!({
                "notebookDocument": {"uri": notebook_uri, "version": version},
                "change": {"cells": {"textContent": [{
                    "document": {"uri": edited, "version": version},
                    "changes": [change],
                }]}},
            }),
        )?;
        client.request("textDocument/hover", probe.clone())?;
        times.push(started.elapsed());
    }
    client.request("shutdown", Value::Null)?;
    client.notify("exit", Value::Null)?;
    let exit = server_thread
        .join()
        .map_err(|_| "the server thread panicked")??;

    times.sort();
    let percentile = |p: usize| times[(times.len() * p / 100).min(times.len() - 1)];
    let ms = |duration: Duration| duration.as_secs_f64() * 1000.0;
    println!(
        "notebook: {} ({cell_count} cells, {language})",
        path.display()
    );
    println!(
        "open: {:.1} ms ({published_on_open} cells published)",
        ms(open_time)
    );
    println!(
        "re-lint after a one-cell edit, {edits} edits: median {:.1} ms, p90 {:.1} ms, max {:.1} ms",
        ms(percentile(50)),
        ms(percentile(90)),
        ms(times[times.len() - 1])
    );
    println!("session ended: {exit:?}");
    Ok(())
}
