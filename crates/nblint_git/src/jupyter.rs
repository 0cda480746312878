//! Writing a notebook exactly as `nbformat.write` does: multi-line strings rejoined and split
//! again with Python's `str.splitlines(keepends=True)`, transient fields dropped, keys sorted,
//! one-space indent, a final newline; non-ASCII text as is in nbformat 4 (`ensure_ascii`
//! off) and escaped in nbformat 3 (whose writer keeps `ensure_ascii` on).

use nblint_notebook::{Notebook, TextStyle, serialize};
use serde_json::{Map, Value};

/// The notebook's bytes as `nbformat.write` would produce them (see the module docs), with
/// a UTF-8 byte-order mark and CRLF line endings kept if the file had them.
pub fn to_jupyter_bytes(notebook: &Notebook) -> Vec<u8> {
    jupyter_bytes(
        notebook.clone_json(),
        notebook.format().0,
        notebook.text_style(),
    )
}

/// [`to_jupyter_bytes`] on a JSON document taken out of its notebook.
pub(crate) fn jupyter_bytes(mut json: Map<String, Value>, major: u64, read: TextStyle) -> Vec<u8> {
    if major == 3 {
        normalize_v3(&mut json);
    } else {
        normalize_v4(&mut json);
    }
    let style = TextStyle {
        bom: read.bom,
        crlf: read.crlf,
        ascii_only: major == 3,
        ..TextStyle::NBFORMAT
    };
    serialize(&Value::Object(json), style, true)
}

/// nbformat 4's `rejoin_lines` (on read) followed by `split_lines` (on write).
fn normalize_v4(json: &mut Map<String, Value>) {
    let Some(Value::Array(cells)) = json.get_mut("cells") else {
        return;
    };
    for cell in cells.iter_mut().filter_map(Value::as_object_mut) {
        if let Some(Value::Object(metadata)) = cell.get_mut("metadata") {
            metadata.remove("trusted");
        }
        if let Some(source) = cell.get_mut("source") {
            rejoin(source);
            split(source);
        }
        if let Some(Value::Object(attachments)) = cell.get_mut("attachments") {
            for bundle in attachments.values_mut().filter_map(Value::as_object_mut) {
                normalize_mimebundle(bundle);
            }
        }
        if cell.get("cell_type").and_then(Value::as_str) != Some("code") {
            continue;
        }
        let Some(Value::Array(outputs)) = cell.get_mut("outputs") else {
            continue;
        };
        for output in outputs.iter_mut().filter_map(Value::as_object_mut) {
            let kind = output
                .get("output_type")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            match kind.as_str() {
                "execute_result" | "display_data" => {
                    if let Some(Value::Object(data)) = output.get_mut("data") {
                        normalize_mimebundle(data);
                    }
                }
                "" => {}
                _ => {
                    if let Some(text) = output.get_mut("text") {
                        rejoin(text);
                        if kind == "stream" {
                            split(text);
                        }
                    }
                }
            }
        }
    }
    if let Some(Value::Object(metadata)) = json.get_mut("metadata") {
        for key in ["orig_nbformat", "orig_nbformat_minor", "signature"] {
            metadata.remove(key);
        }
    }
}

/// Rejoins every non-JSON list of strings, then splits the text types (`text/*`,
/// `application/javascript`, `image/svg+xml`) into lines.
fn normalize_mimebundle(bundle: &mut Map<String, Value>) {
    for (mime, value) in bundle.iter_mut() {
        let json_mime = mime == "application/json"
            || (mime.starts_with("application/") && mime.ends_with("+json"));
        if !json_mime {
            rejoin(value);
        }
        if mime.starts_with("text/") || mime == "application/javascript" || mime == "image/svg+xml"
        {
            split(value);
        }
    }
}

/// nbformat 3's `rejoin_lines` then `split_lines`, and its `strip_transient`.
fn normalize_v3(json: &mut Map<String, Value>) {
    json.remove("orig_nbformat");
    json.remove("orig_nbformat_minor");
    let Some(Value::Array(worksheets)) = json.get_mut("worksheets") else {
        return;
    };
    for worksheet in worksheets.iter_mut() {
        let Some(Value::Array(cells)) = worksheet.get_mut("cells") else {
            continue;
        };
        for cell in cells.iter_mut().filter_map(Value::as_object_mut) {
            cell.remove("trusted");
            if let Some(Value::Object(metadata)) = cell.get_mut("metadata") {
                metadata.remove("trusted");
            }
            if cell.get("cell_type").and_then(Value::as_str) == Some("code") {
                if let Some(input) = cell.get_mut("input") {
                    rejoin_v3(input);
                    split(input);
                }
                let Some(Value::Array(outputs)) = cell.get_mut("outputs") else {
                    continue;
                };
                for output in outputs.iter_mut().filter_map(Value::as_object_mut) {
                    for key in ["text", "html", "svg", "latex", "javascript", "json"] {
                        if let Some(value) = output.get_mut(key) {
                            rejoin_v3(value);
                            split(value);
                        }
                    }
                }
            } else {
                for key in ["source", "rendered"] {
                    if let Some(value) = cell.get_mut(key) {
                        rejoin_v3(value);
                        split(value);
                    }
                }
            }
        }
    }
}

/// A list of strings becomes their concatenation (a list holding anything else is left).
fn rejoin(value: &mut Value) {
    if let Some(joined) = joined(value, "") {
        *value = Value::String(joined);
    }
}

/// nbformat 3's `_join_lines`: lines written by `splitlines()` without their ends are joined
/// with `\n`.
fn rejoin_v3(value: &mut Value) {
    let separator = match value {
        Value::Array(items) => match items.first().and_then(Value::as_str) {
            Some(first) if !first.ends_with(['\n', '\r']) => "\n",
            _ => "",
        },
        _ => return,
    };
    if let Some(joined) = joined(value, separator) {
        *value = Value::String(joined);
    }
}

fn joined(value: &Value, separator: &str) -> Option<String> {
    let Value::Array(items) = value else {
        return None;
    };
    let mut text = String::new();
    for (index, item) in items.iter().enumerate() {
        if index > 0 {
            text.push_str(separator);
        }
        text.push_str(item.as_str()?);
    }
    Some(text)
}

/// A string becomes the list of its lines, as Python's `str.splitlines(True)` splits it.
fn split(value: &mut Value) {
    if let Value::String(text) = value {
        let lines = python_splitlines(text)
            .map(|line| Value::String(line.to_owned()))
            .collect();
        *value = Value::Array(lines);
    }
}

/// Python's `str.splitlines(keepends=True)`: lines end at `\n`, `\r\n`, `\r`, `\v`, `\f`,
/// `\x1c`, `\x1d`, `\x1e`, `\u{85}`, `\u{2028}` and `\u{2029}`, each kept on its line.
pub(crate) fn python_splitlines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let mut end = rest.len();
        for (at, ch) in rest.char_indices() {
            match ch {
                '\r' => {
                    end = if rest[at + 1..].starts_with('\n') {
                        at + 2
                    } else {
                        at + 1
                    };
                    break;
                }
                '\n' | '\u{b}' | '\u{c}' | '\u{1c}' | '\u{1d}' | '\u{1e}' | '\u{85}'
                | '\u{2028}' | '\u{2029}' => {
                    end = at + ch.len_utf8();
                    break;
                }
                _ => {}
            }
        }
        let (line, tail) = rest.split_at(end);
        rest = tail;
        Some(line)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitlines_matches_python() {
        let lines: Vec<_> = python_splitlines("a\nb\r\nc\rd\u{2028}e\u{b}f").collect();
        assert_eq!(lines, ["a\n", "b\r\n", "c\r", "d\u{2028}", "e\u{b}", "f"]);
        assert_eq!(python_splitlines("").count(), 0);
        let lines: Vec<_> = python_splitlines("x\n\n").collect();
        assert_eq!(lines, ["x\n", "\n"]);
    }

    #[test]
    fn sources_and_text_outputs_are_split_like_nbformat() {
        let notebook = Notebook::parse(
            br#"{"nbformat": 4, "nbformat_minor": 5, "metadata": {"orig_nbformat": 3}, "cells": [
            {"cell_type": "code", "metadata": {}, "execution_count": null, "source": ["a", "b\n", "c"],
             "outputs": [
               {"output_type": "stream", "name": "stdout", "text": "x\ny"},
               {"output_type": "display_data", "metadata": {},
                "data": {"image/png": ["iVBO", "Rw0"], "text/plain": "p\nq",
                         "application/json": ["keep", "me"]}}]},
            {"cell_type": "markdown", "metadata": {}, "source": ""}]}"#,
        )
        .unwrap();
        let text = String::from_utf8(to_jupyter_bytes(&notebook)).unwrap();
        let value: Value = serde_json::from_str(&text).unwrap();
        let cells = &value["cells"];
        assert_eq!(cells[0]["source"], serde_json::json!(["ab\n", "c"]));
        assert_eq!(
            cells[0]["outputs"][0]["text"],
            serde_json::json!(["x\n", "y"])
        );
        let data = &cells[0]["outputs"][1]["data"];
        assert_eq!(data["image/png"], "iVBORw0");
        assert_eq!(data["text/plain"], serde_json::json!(["p\n", "q"]));
        assert_eq!(data["application/json"], serde_json::json!(["keep", "me"]));
        assert_eq!(cells[1]["source"], serde_json::json!([]));
        assert!(value["metadata"].get("orig_nbformat").is_none());
        assert!(text.starts_with("{\n \"cells\": [\n  {\n"));
        assert!(text.ends_with("}\n"));
    }

    #[test]
    fn nbformat_3_is_written_ascii_only() {
        let notebook = Notebook::parse(
            "{\"nbformat\": 3, \"nbformat_minor\": 0, \"metadata\": {}, \"worksheets\": [{\"cells\": [\
             {\"cell_type\": \"code\", \"input\": [\"x = 'é'\", \"y\"], \"outputs\": [], \"language\": \"python\"}]}]}"
                .as_bytes(),
        )
        .unwrap();
        let text = String::from_utf8(to_jupyter_bytes(&notebook)).unwrap();
        assert!(text.contains(r#""x = '\u00e9'\n","#), "{text}");
        assert!(text.contains(r#""y""#), "{text}");
    }

    #[test]
    fn jupyter_layout_round_trips_byte_for_byte() {
        let text = "{\n \"cells\": [\n  {\n   \"cell_type\": \"code\",\n   \"execution_count\": null,\n   \"metadata\": {},\n   \"outputs\": [],\n   \"source\": [\n    \"let é = 1.50;\\n\",\n    \"é\"\n   ]\n  }\n ],\n \"metadata\": {\n  \"kernelspec\": {\n   \"display_name\": \"Rust\",\n   \"language\": \"rust\",\n   \"name\": \"rust\"\n  }\n },\n \"nbformat\": 4,\n \"nbformat_minor\": 5\n}\n";
        let notebook = Notebook::parse(text.as_bytes()).unwrap();
        assert_eq!(
            String::from_utf8(to_jupyter_bytes(&notebook)).unwrap(),
            text
        );
    }

    #[test]
    fn keys_are_sorted_and_a_bom_and_crlf_kept() {
        let text = "\u{feff}{\r\n  \"nbformat\": 4,\r\n  \"cells\": [],\r\n  \"metadata\": {\"b\": 1, \"a\": 1e-05}\r\n}";
        let notebook = Notebook::parse(text.as_bytes()).unwrap();
        let written = String::from_utf8(to_jupyter_bytes(&notebook)).unwrap();
        assert_eq!(
            written,
            "\u{feff}{\r\n \"cells\": [],\r\n \"metadata\": {\r\n  \"a\": 1e-05,\r\n  \"b\": 1\r\n },\r\n \"nbformat\": 4\r\n}\r\n"
        );
        // Writing what was written changes nothing, so stripping is idempotent.
        let again = Notebook::parse(written.as_bytes()).unwrap();
        assert_eq!(
            String::from_utf8(to_jupyter_bytes(&again)).unwrap(),
            written
        );
    }
}
