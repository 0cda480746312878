//! A readable text view of a notebook, for `git diff` (the textconv driver) and for people.
//!
//! Each cell starts with a header line, `# cell 3 [code] (execution count 5)` or
//! `# cell 1 [markdown]`, followed by its source as written. Outputs follow their cell, each
//! with a `## ` line: stream text and `text/plain` results are shown with `> ` before each
//! line; images, HTML and other rich data are one line naming the mime type and its size;
//! an error is `## error: Name: value`. Cells are separated by a blank line. The view is
//! stable: the same notebook always gives the same text.

use std::fmt::Write as _;

use nblint_notebook::{Cell, CellKind, Notebook};
use serde_json::{Map, Value};

/// The text view of `notebook` (see the module docs).
pub fn render(notebook: &Notebook) -> String {
    let mut out = String::new();
    let v3 = notebook.format().0 == 3;
    for cell in notebook.cells() {
        if cell.number > 1 {
            out.push('\n');
        }
        header(&mut out, cell);
        if !cell.source.is_empty() {
            out.push_str(&cell.source);
            if !cell.source.ends_with('\n') {
                out.push('\n');
            }
        }
        let Some(json) = notebook.cell_json(cell.number) else {
            continue;
        };
        if let Some(Value::Object(attachments)) = json.get("attachments") {
            for (name, bundle) in attachments {
                if let Value::Object(bundle) = bundle {
                    for (mime, data) in bundle {
                        let _ =
                            writeln!(out, "## attachment {name}: {mime} ({} bytes)", size(data));
                    }
                }
            }
        }
        if let Some(Value::Array(outputs)) = json.get("outputs") {
            for output in outputs.iter().filter_map(Value::as_object) {
                if v3 {
                    output_v3(&mut out, output);
                } else {
                    output_v4(&mut out, output);
                }
            }
        }
    }
    out
}

fn header(out: &mut String, cell: &Cell) {
    let kind = match &cell.kind {
        CellKind::Other(name) => name.as_str(),
        kind => kind.as_str(),
    };
    let _ = write!(out, "# cell {} [{kind}]", cell.number);
    if let Some(count) = cell.execution_count {
        let _ = write!(out, " (execution count {count})");
    }
    out.push('\n');
}

fn output_v4(out: &mut String, output: &Map<String, Value>) {
    let kind = output
        .get("output_type")
        .and_then(Value::as_str)
        .unwrap_or("output");
    match kind {
        "stream" => {
            let name = output
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or("stream");
            let _ = writeln!(out, "## {name}");
            quoted(out, &text(output.get("text")));
        }
        "execute_result" | "display_data" => {
            let label = if kind == "execute_result" {
                "result"
            } else {
                "display"
            };
            let empty = Map::new();
            let data = output
                .get("data")
                .and_then(Value::as_object)
                .unwrap_or(&empty);
            bundle(
                out,
                label,
                data.iter().map(|(mime, value)| (mime.as_str(), value)),
            );
        }
        "error" => error(out, output),
        other => {
            let _ = writeln!(out, "## {other}");
        }
    }
}

/// nbformat 3 outputs: `pyout` and `pyerr`, data under short keys (`png`, `html`, ...).
fn output_v3(out: &mut String, output: &Map<String, Value>) {
    let kind = output
        .get("output_type")
        .and_then(Value::as_str)
        .unwrap_or("output");
    match kind {
        "stream" => {
            let name = output
                .get("stream")
                .and_then(Value::as_str)
                .unwrap_or("stream");
            let _ = writeln!(out, "## {name}");
            quoted(out, &text(output.get("text")));
        }
        "pyout" | "display_data" => {
            let label = if kind == "pyout" { "result" } else { "display" };
            let data = output.iter().filter_map(|(key, value)| {
                let mime = match key.as_str() {
                    "text" => "text/plain",
                    "html" => "text/html",
                    "latex" => "text/latex",
                    "markdown" => "text/markdown",
                    "png" => "image/png",
                    "jpeg" => "image/jpeg",
                    "svg" => "image/svg+xml",
                    "pdf" => "application/pdf",
                    "javascript" => "application/javascript",
                    "json" => "application/json",
                    _ => return None,
                };
                Some((mime, value))
            });
            bundle(out, label, data);
        }
        "pyerr" | "error" => error(out, output),
        other => {
            let _ = writeln!(out, "## {other}");
        }
    }
}

/// Rich data one line each, then `text/plain` quoted.
fn bundle<'a>(out: &mut String, label: &str, data: impl Iterator<Item = (&'a str, &'a Value)>) {
    let mut plain = None;
    let mut any = false;
    for (mime, value) in data {
        any = true;
        if mime == "text/plain" {
            plain = Some(value);
        } else {
            let _ = writeln!(out, "## {label}: {mime} ({} bytes)", size(value));
        }
    }
    if let Some(value) = plain {
        let _ = writeln!(out, "## {label}");
        quoted(out, &text(Some(value)));
    } else if !any {
        let _ = writeln!(out, "## {label}: empty");
    }
}

fn error(out: &mut String, output: &Map<String, Value>) {
    let field = |key| {
        output
            .get(key)
            .and_then(Value::as_str)
            .map(without_ansi)
            .unwrap_or_default()
    };
    let (name, value) = (field("ename"), field("evalue"));
    let line = format!("{name}: {value}");
    let mut lines = line.lines();
    let _ = writeln!(out, "## error: {}", lines.next().unwrap_or_default());
    for rest in lines {
        let _ = writeln!(out, "> {rest}");
    }
}

/// Writes `text` with `> ` before each line (a bare `>` for an empty line).
fn quoted(out: &mut String, text: &str) {
    let text = without_ansi(text);
    for line in text.lines() {
        if line.is_empty() {
            out.push_str(">\n");
        } else {
            let _ = writeln!(out, "> {line}");
        }
    }
}

/// A string, or a list of strings joined, or any other JSON compactly.
fn text(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(text)) => text.clone(),
        Some(Value::Array(items)) if items.iter().all(Value::is_string) => {
            items.iter().filter_map(Value::as_str).collect()
        }
        Some(other) => other.to_string(),
    }
}

/// The stored size in bytes: of the text for a string or list of strings, of the compact
/// JSON otherwise.
fn size(value: &Value) -> usize {
    match value {
        Value::String(text) => text.len(),
        Value::Array(items) if items.iter().all(Value::is_string) => {
            items.iter().filter_map(Value::as_str).map(str::len).sum()
        }
        other => other.to_string().len(),
    }
}

/// Removes ANSI escape sequences (colours in tracebacks and logs).
fn without_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(ch) = chars.next() {
        if ch != '\u{1b}' {
            out.push(ch);
            continue;
        }
        if chars.peek() == Some(&'[') {
            chars.next();
            // Parameters and intermediates, then one final byte in '@'..='~'.
            for next in chars.by_ref() {
                if ('@'..='~').contains(&next) {
                    break;
                }
            }
        } else {
            chars.next();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_and_outputs_are_summarised() {
        let notebook = Notebook::parse(
            br##"{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": ["# Title\n", "\n", "Text"]},
            {"cell_type": "code", "metadata": {}, "execution_count": 5, "source": ["print(1)\n", "x"],
             "outputs": [
               {"output_type": "stream", "name": "stdout", "text": ["1\n", "\n", "2\n"]},
               {"output_type": "execute_result", "execution_count": 5, "metadata": {},
                "data": {"text/html": ["<b>x</b>"], "text/plain": ["42"]}},
               {"output_type": "display_data", "metadata": {}, "data": {"image/png": "iVBORw0KGgo="}},
               {"output_type": "error", "ename": "ValueError", "evalue": "\u001b[31mbad\u001b[0m", "traceback": []}
             ]},
            {"cell_type": "code", "metadata": {}, "execution_count": null, "source": [], "outputs": []}
            ]}"##,
        )
        .unwrap();
        assert_eq!(
            render(&notebook),
            "# cell 1 [markdown]\n# Title\n\nText\n\n\
             # cell 2 [code] (execution count 5)\nprint(1)\nx\n\
             ## stdout\n> 1\n>\n> 2\n\
             ## result: text/html (8 bytes)\n## result\n> 42\n\
             ## display: image/png (12 bytes)\n\
             ## error: ValueError: bad\n\n\
             # cell 3 [code]\n"
        );
    }

    #[test]
    fn nbformat_3_outputs() {
        let notebook = Notebook::parse(
            br#"{"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": [{"cells": [
            {"cell_type": "code", "input": ["x"], "prompt_number": 2, "language": "python", "outputs": [
              {"output_type": "pyout", "prompt_number": 2, "text": ["1"], "png": "abc", "metadata": {}},
              {"output_type": "stream", "stream": "stderr", "text": "warn"}]}]}]}"#,
        )
        .unwrap();
        assert_eq!(
            render(&notebook),
            "# cell 1 [code] (execution count 2)\nx\n## result: image/png (3 bytes)\n## result\n> 1\n## stderr\n> warn\n"
        );
    }
}
