//! A fast first pass over a notebook's JSON that finds each cell's `outputs` and sets them
//! aside, so that the rest of the document (sources, metadata: a small part of the bytes
//! when outputs hold images, tables and logs) is all that `serde_json` has to build.
//!
//! The pass checks the whole text against the JSON grammar (strings jump from quote to quote
//! with `memchr`), and reads of each output only its `output_type`. It is strict on purpose:
//! anything it is not sure the full parser reads the same way (nesting deeper than
//! [`MAX_DEPTH`], a surrogate `\u` escape, an escaped or repeated `cells`, `outputs` or
//! `output_type` key, an output that is not an object, a second `cells` list) makes it give
//! up with `None`, and the caller parses the notebook the general way, which gives the same
//! result or the same error as before.

use memchr::memchr2;
use serde_json::{Map, Value};

use crate::error::NotebookError;
use crate::model::Notebook;
use crate::write::TextStyle;

/// Deeper nesting than this is left to the full parser (which reads up to
/// [`crate::MAX_NESTING`] levels).
pub const MAX_DEPTH: usize = 100;

/// A notebook's text with its cells' outputs set aside.
#[derive(Debug)]
pub struct Outline<'a> {
    /// The text with each cell's `outputs` value replaced by `[]`.
    pub reduced: String,
    /// For each cell of the `cells` list, in order: its outputs, if it has the field.
    pub cells: Vec<Option<Outputs<'a>>>,
}

/// One cell's `outputs` as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outputs<'a> {
    /// The JSON text of the value.
    pub raw: &'a str,
    /// The `output_type` of each output (`None` for an output without one); `None` when the
    /// value is not a list.
    pub kinds: Option<Vec<Option<&'a str>>>,
}

impl Outputs<'_> {
    /// Whether the value is a list with at least one output (`None`: not a list).
    pub fn nonempty(&self) -> Option<bool> {
        self.kinds.as_ref().map(|kinds| !kinds.is_empty())
    }
}

/// A notebook file read with its cells' outputs set aside: the rest of the document parsed,
/// each cell's outputs still as written.
pub struct Outlined<'a> {
    /// The document, each cell's `outputs` holding `[]`.
    json: Map<String, Value>,
    /// Each cell's outputs, in the order of the `cells` list.
    cells: Vec<Option<Outputs<'a>>>,
    /// The file's layout, as far as it is seen at its ends (no whole-text scan).
    style: TextStyle,
}

/// Reads a whole `.ipynb` file with its outputs set aside: `None` where [`outline`] gives up
/// (and for text that is not UTF-8), so the caller can take the general path.
pub fn read(bytes: &[u8]) -> Option<Outlined<'_>> {
    let (text, bom) = text_of(bytes)?;
    Outlined::new(text, bom, outline(text)?)
}

/// The text of an `.ipynb` file without its UTF-8 byte-order mark, and whether it had one;
/// `None` when it is not UTF-8.
pub fn text_of(bytes: &[u8]) -> Option<(&str, bool)> {
    let (bom, rest) = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => (true, rest),
        None => (false, bytes),
    };
    Some((std::str::from_utf8(rest).ok()?, bom))
}

impl<'a> Outlined<'a> {
    /// The file `text` (without its byte-order mark, `bom` telling whether it had one) read
    /// from its `outline`: the rest of the document parsed.
    pub fn new(text: &'a str, bom: bool, outline: Outline<'a>) -> Option<Self> {
        let Ok(Value::Object(json)) = serde_json::from_str::<Value>(&outline.reduced) else {
            return None;
        };
        Some(Self {
            json,
            cells: outline.cells,
            style: TextStyle::detect_layout(text, bom),
        })
    }

    /// The document without the outputs.
    pub fn json(&self) -> &Map<String, Value> {
        &self.json
    }

    /// Puts back what `outputs_for` makes of each cell's outputs (given the cell's other
    /// fields) and checks the notebook as [`Notebook::parse`] does. `None` when `outputs_for`
    /// gives up on a cell.
    pub fn into_notebook(
        mut self,
        mut outputs_for: impl FnMut(&Map<String, Value>, Outputs<'a>) -> Option<Value>,
    ) -> Option<Result<Notebook, NotebookError>> {
        if let Some(Value::Array(cells)) = self.json.get_mut("cells") {
            for (cell, outputs) in cells.iter_mut().zip(self.cells) {
                let (Value::Object(fields), Some(outputs)) = (cell, outputs) else {
                    continue;
                };
                let value = outputs_for(fields, outputs)?;
                fields.insert("outputs".to_owned(), value);
            }
        }
        Some(Notebook::from_json(self.json, self.style))
    }
}

/// Outlines `text` (a whole `.ipynb` file without its byte-order mark): `None` when it is not
/// a JSON object with a `cells` list, or when the pass gives up (see the module docs).
pub fn outline(text: &str) -> Option<Outline<'_>> {
    let mut scanner = Scanner {
        text,
        bytes: text.as_bytes(),
        at: 0,
        cells: None,
        skipped: Vec::new(),
    };
    scanner.whitespace();
    if scanner.peek()? != b'{' {
        return None;
    }
    scanner.value(Role::Top, 0)?;
    scanner.whitespace();
    if scanner.at != scanner.bytes.len() {
        return None;
    }
    let cells = scanner.cells?;
    let removed: usize = scanner.skipped.iter().map(|range| range.1 - range.0).sum();
    let mut reduced = String::with_capacity(text.len() - removed + 2 * scanner.skipped.len());
    let mut from = 0;
    for (start, end) in &scanner.skipped {
        reduced.push_str(&text[from..*start]);
        reduced.push_str("[]");
        from = *end;
    }
    reduced.push_str(&text[from..]);
    Some(Outline { reduced, cells })
}

/// Where a value sits, for the few places the pass looks into.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    /// The document.
    Top,
    /// The top-level `cells` list.
    Cells,
    /// One cell.
    Cell,
    /// A cell's `outputs`.
    Outputs,
    /// One output.
    Output,
    /// Anything else.
    Other,
}

struct Scanner<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
    /// The cells' outputs, once the `cells` list is read.
    cells: Option<Vec<Option<Outputs<'a>>>>,
    /// Byte ranges of the outputs values, in order.
    skipped: Vec<(usize, usize)>,
}

/// What reading one value found, for the caller that asked.
enum Found<'a> {
    Nothing,
    /// A plain string (no escapes), for `output_type`.
    Text(&'a str),
    /// A cell's outputs.
    Outputs(Outputs<'a>),
    /// An output's type.
    OutputKind(Option<&'a str>),
}

impl<'a> Scanner<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.at += 1;
        }
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        (self.peek()? == byte).then(|| self.at += 1)
    }

    fn value(&mut self, role: Role, depth: usize) -> Option<Found<'a>> {
        if depth > MAX_DEPTH {
            return None;
        }
        let start = self.at;
        let found = match self.peek()? {
            b'{' => self.object(role, depth)?,
            b'[' => self.array(role, depth)?,
            b'"' => match self.string()? {
                (text, false) => Found::Text(text),
                (_, true) => Found::Nothing,
            },
            b't' => self.literal(b"true")?,
            b'f' => self.literal(b"false")?,
            b'n' => self.literal(b"null")?,
            b'-' | b'0'..=b'9' => self.number()?,
            _ => return None,
        };
        match role {
            Role::Outputs => {
                let kinds = match found {
                    Found::Outputs(outputs) => outputs.kinds,
                    _ => None,
                };
                self.skipped.push((start, self.at));
                Some(Found::Outputs(Outputs {
                    raw: &self.text[start..self.at],
                    kinds,
                }))
            }
            // An output must be an object (its type read by `object`).
            Role::Output => match found {
                Found::OutputKind(kind) => Some(Found::OutputKind(kind)),
                _ => None,
            },
            _ => Some(found),
        }
    }

    fn literal(&mut self, word: &[u8]) -> Option<Found<'a>> {
        if self.bytes.get(self.at..self.at + word.len())? != word {
            return None;
        }
        self.at += word.len();
        Some(Found::Nothing)
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
    fn number(&mut self) -> Option<Found<'a>> {
        if self.peek() == Some(b'-') {
            self.at += 1;
        }
        match self.peek()? {
            b'0' => self.at += 1,
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        if self.peek() == Some(b'.') {
            self.at += 1;
            self.at_least_one_digit()?;
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.at += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.at += 1;
            }
            self.at_least_one_digit()?;
        }
        Some(Found::Nothing)
    }

    fn digits(&mut self) {
        while let Some(b'0'..=b'9') = self.peek() {
            self.at += 1;
        }
    }

    fn at_least_one_digit(&mut self) -> Option<()> {
        let start = self.at;
        self.digits();
        (self.at > start).then_some(())
    }

    /// Reads a string at the opening quote: its raw contents and whether they hold escapes.
    fn string(&mut self) -> Option<(&'a str, bool)> {
        self.expect(b'"')?;
        let start = self.at;
        let mut escaped = false;
        loop {
            let offset = memchr2(b'"', b'\\', &self.bytes[self.at..])?;
            let run = &self.bytes[self.at..self.at + offset];
            // Control characters must be escaped. (A fold without early exit: it vectorises.)
            if run
                .iter()
                .fold(0_u8, |bad, byte| bad | u8::from(*byte < 0x20))
                != 0
            {
                return None;
            }
            self.at += offset;
            if self.bytes[self.at] == b'"' {
                let contents = &self.text[start..self.at];
                self.at += 1;
                return Some((contents, escaped));
            }
            escaped = true;
            self.at += 1;
            match self.peek()? {
                b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.at += 1,
                b'u' => {
                    let hex = self.bytes.get(self.at + 1..self.at + 5)?;
                    let hex = std::str::from_utf8(hex).ok()?;
                    let unit = u16::from_str_radix(hex, 16).ok()?;
                    if hex.starts_with(['+', '-']) || (0xD800..=0xDFFF).contains(&unit) {
                        return None;
                    }
                    self.at += 5;
                }
                _ => return None,
            }
        }
    }

    fn array(&mut self, role: Role, depth: usize) -> Option<Found<'a>> {
        self.expect(b'[')?;
        let element_role = match role {
            Role::Cells => Role::Cell,
            Role::Outputs => Role::Output,
            _ => Role::Other,
        };
        let mut cells = Vec::new();
        let mut kinds = Vec::new();
        self.whitespace();
        if self.peek()? == b']' {
            self.at += 1;
        } else {
            loop {
                self.whitespace();
                match self.value(element_role, depth + 1)? {
                    Found::Outputs(outputs) if element_role == Role::Cell => {
                        cells.push(Some(outputs));
                    }
                    _ if element_role == Role::Cell => cells.push(None),
                    Found::OutputKind(kind) => kinds.push(kind),
                    _ => {}
                }
                if self.closes(b']')? {
                    break;
                }
            }
        }
        match role {
            Role::Cells => {
                if self.cells.is_some() {
                    return None;
                }
                self.cells = Some(cells);
                Some(Found::Nothing)
            }
            Role::Outputs => Some(Found::Outputs(Outputs {
                raw: "",
                kinds: Some(kinds),
            })),
            _ => Some(Found::Nothing),
        }
    }

    /// After a member of a list or object: `true` at its closing `close`, `false` at a
    /// comma (both taken), `None` at anything else.
    fn closes(&mut self, close: u8) -> Option<bool> {
        self.whitespace();
        let closed = match self.peek()? {
            b',' => false,
            byte if byte == close => true,
            _ => return None,
        };
        self.at += 1;
        Some(closed)
    }

    fn object(&mut self, role: Role, depth: usize) -> Option<Found<'a>> {
        self.expect(b'{')?;
        let mut outputs = None;
        let mut kind = None;
        let mut seen_kind = false;
        self.whitespace();
        if self.peek()? == b'}' {
            self.at += 1;
        } else {
            loop {
                self.whitespace();
                let (key, escaped) = self.string()?;
                // A key spelled with escapes could be one of ours in disguise.
                if escaped && matches!(role, Role::Top | Role::Cell | Role::Output) {
                    return None;
                }
                self.whitespace();
                self.expect(b':')?;
                self.whitespace();
                let value_role = match (role, key) {
                    (Role::Top, "cells") => Role::Cells,
                    (Role::Cell, "outputs") => Role::Outputs,
                    _ => Role::Other,
                };
                let found = self.value(value_role, depth + 1)?;
                match (value_role, found) {
                    (Role::Outputs, Found::Outputs(found)) => {
                        // A repeated `outputs` key: the full parser decides which one counts.
                        let repeated = outputs.replace(found).is_some();
                        if repeated {
                            return None;
                        }
                    }
                    (_, found) if role == Role::Output && key == "output_type" => {
                        if seen_kind {
                            return None;
                        }
                        seen_kind = true;
                        match found {
                            Found::Text(text) => kind = Some(text),
                            _ => return None,
                        }
                    }
                    _ => {}
                }
                if self.closes(b'}')? {
                    break;
                }
            }
        }
        match role {
            Role::Cell => Some(outputs.map_or(Found::Nothing, Found::Outputs)),
            Role::Output => Some(Found::OutputKind(kind)),
            _ => Some(Found::Nothing),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(outline: &Outline<'_>) -> Vec<Option<Vec<Option<String>>>> {
        outline
            .cells
            .iter()
            .map(|cell| {
                cell.as_ref().and_then(|outputs| {
                    outputs
                        .kinds
                        .as_ref()
                        .map(|kinds| kinds.iter().map(|kind| kind.map(str::to_owned)).collect())
                })
            })
            .collect()
    }

    #[test]
    fn outputs_are_set_aside_with_their_types() {
        let text = r#"{"cells": [
            {"cell_type": "markdown", "source": "x"},
            {"cell_type": "code", "outputs": [{"output_type": "stream", "text": "a\"b\\u00e9"},
                                              {"data": {"image/png": "iVBOR"}, "output_type": "error"},
                                              {"text": [1, -2.5e+3, true, null]}],
             "source": ["1"]},
            {"cell_type": "code", "outputs": "odd"}
        ], "metadata": {"outputs": [1]}, "nbformat": 4}"#;
        let outline = outline(text).unwrap();
        assert_eq!(
            kinds(&outline),
            [
                None,
                Some(vec![Some("stream".into()), Some("error".into()), None]),
                None
            ]
        );
        assert!(outline.cells[2].as_ref().unwrap().raw == r#""odd""#);
        let reduced: serde_json::Value = serde_json::from_str(&outline.reduced).unwrap();
        assert_eq!(reduced["cells"][1]["outputs"], serde_json::json!([]));
        assert_eq!(reduced["cells"][1]["source"], serde_json::json!(["1"]));
        assert_eq!(reduced["metadata"]["outputs"], serde_json::json!([1]));
    }

    #[test]
    fn gives_up_where_the_full_parser_decides() {
        let deep = format!(
            r#"{{"cells": [{{"outputs": [{{"data": {}1{}, "output_type": "x"}}]}}]}}"#,
            "[".repeat(150),
            "]".repeat(150)
        );
        for text in [
            r#"{"cells": [{"outputs": [1]}]}"#,
            r#"{"cells": [{"outputs": [{"output_type": 1}]}]}"#,
            r#"{"cells": [{"outputs": [{"output_type": "a", "output_type": "b"}]}]}"#,
            r#"{"cells": [{"outputs": [], "outputs": []}]}"#,
            r#"{"cells": [{"outp\u0075ts": []}]}"#,
            r#"{"cells": [], "cells": []}"#,
            r#"{"cells": [{"outputs": [{"output_type": "x", "t": "\ud83d"}]}]}"#,
            r#"{"cells": [{"outputs": [{"output_type": "x", "t": "a	b"}]}]}"#,
            r#"{"cells": [{"outputs": [{"output_type": "x", "n": 01}]}]}"#,
            r#"{"cells": [{"outputs": [{"output_type": "x", "n": 1.}]}]}"#,
            r#"{"cells": [{"outputs": [{"output_type": "x", "n": .5}]}]}"#,
            r#"{"cells": [{"outputs": [{"output_type": "x",}]}]}"#,
            r#"{"cells": [{"outputs": [{"output_type": "x"}]}]} x"#,
            r#"{"cells": [{"outputs": [{"output_type": "x", "e": "\x"}]}]}"#,
            r#"{"cells": [{"outputs": [{"output_type": "x", "e": "\u12"}]}]}"#,
            r#"{"metadata": {}}"#,
            "[]",
            &deep,
        ] {
            assert!(outline(text).is_none(), "{text}");
        }
    }

    #[test]
    fn accepts_what_serde_json_accepts() {
        for text in [
            r#"{"cells": []}"#,
            " \r\n{ \"cells\" : [ { } , {\"outputs\":[ ]} ] }\n",
            r#"{"cells": [{"outputs": [{"output_type": "x", "n": [-0, 0.5, 1E5, 2e-3, 10]}]}]}"#,
            r#"{"cells": [{"outputs": [{"output_type": "x", "s": "\/\b\f\n\r\t\u00e9 é 😀"}]}]}"#,
        ] {
            assert!(outline(text).is_some(), "{text}");
            assert!(serde_json::from_str::<serde_json::Value>(text).is_ok());
        }
    }
}
