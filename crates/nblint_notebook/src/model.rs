//! The notebook document: the parsed JSON (kept whole, so nothing is lost on write) and a
//! cell view over it (kind, joined source, execution count, line index).

use serde_json::{Map, Value};

use crate::error::{FilePosition, NotebookError, describe};
use crate::lines::LineIndex;
use crate::write::TextStyle;

/// The kind of a cell, from its `cell_type`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CellKind {
    /// `code`
    Code,
    /// `markdown` (and nbformat 3 `heading` cells, which become markdown headings)
    Markdown,
    /// `raw`
    Raw,
    /// Any other `cell_type`, kept as written.
    Other(String),
}

impl CellKind {
    /// The `cell_type` string as written in nbformat 4.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Code => "code",
            Self::Markdown => "markdown",
            Self::Raw => "raw",
            Self::Other(name) => name,
        }
    }
}

/// Where a cell's object lives in the notebook JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CellPointer {
    /// nbformat 3 keeps cells in `worksheets[w].cells`; nbformat 4 in `cells`.
    pub(crate) worksheet: Option<usize>,
    pub(crate) index: usize,
}

/// How a cell's `source` was written, so an edit writes it back the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceForm {
    /// A list of lines (what Jupyter writes).
    Lines,
    /// One string.
    Text,
    /// No `source` key at all.
    Missing,
}

/// One cell, as a person sees it in the notebook.
#[derive(Debug, Clone)]
pub struct Cell {
    /// One-based position over all cells (markdown included), as a person counts them.
    pub number: usize,
    /// The cell's kind.
    pub kind: CellKind,
    /// The source with list entries joined, exactly as the user typed it.
    pub source: String,
    /// How `source` was stored.
    pub source_form: SourceForm,
    /// The stored execution count (`prompt_number` in nbformat 3), if any.
    pub execution_count: Option<i64>,
    /// The cell id, if the notebook has one for this cell.
    pub id: Option<String>,
    /// Line starts of `source`.
    pub lines: LineIndex,
    /// Number of stored outputs.
    pub output_count: usize,
    /// Whether any stored output is an `error` output (in evcxr: the cell committed nothing).
    pub has_error_output: bool,
    /// The line of `source` (1-based) where the stored error was raised in the cell's own
    /// code, as IPython's traceback shows it (the `----> N` arrow of the cell's frame,
    /// `Cell In[5], line N` or `<ipython-input-5-..> in <module>`): the statement there did
    /// not finish, so it bound nothing.
    pub error_line: Option<usize>,
    pub(crate) pointer: CellPointer,
}

impl Cell {
    /// Whether this is a code cell.
    pub fn is_code(&self) -> bool {
        self.kind == CellKind::Code
    }
}

/// The deepest nesting of JSON arrays and objects nblint reads. serde_json alone stops at
/// 128, which a deep JSON output can pass (nbstripout strips such files); deeper documents
/// are read on a stack grown as needed. The bound stays because a `serde_json::Value` is
/// dropped (and compared, and printed) by recursion on the thread's own stack: at this
/// depth that fits in the 2 MiB of a spawned thread even in a debug build, with room to
/// spare. Real notebooks nest a few dozen levels at most (10 in our 350-notebook corpora).
pub const MAX_NESTING: usize = 5_000;

/// A parsed notebook. The JSON document is kept whole; [`Notebook::cells`] is a view over it.
#[derive(Debug)]
pub struct Notebook {
    pub(crate) json: Map<String, Value>,
    cells: Vec<Cell>,
    major: u64,
    minor: u64,
    pub(crate) style: TextStyle,
}

impl Notebook {
    /// Parses a notebook from the bytes of an `.ipynb` file.
    ///
    /// A UTF-8 byte-order mark and CRLF line endings are accepted (and remembered for writing).
    /// nbformat 3 is upgraded in memory for reading: its cells are listed from the first
    /// worksheet and its `input`/`prompt_number` read as `source`/`execution_count`.
    ///
    /// ```
    /// let notebook = nblint_notebook::Notebook::parse(
    ///     br#"{"cells": [{"cell_type": "code", "source": ["let a = 1;\n", "a"],
    ///        "metadata": {}, "outputs": [], "execution_count": 1}],
    ///        "metadata": {}, "nbformat": 4, "nbformat_minor": 5}"#,
    /// ).unwrap();
    /// assert_eq!(notebook.cells()[0].source, "let a = 1;\na");
    /// ```
    pub fn parse(bytes: &[u8]) -> Result<Self, NotebookError> {
        if let Some(encoding) = wide_encoding(bytes) {
            return Err(NotebookError::WrongEncoding { encoding });
        }
        let (bom, bytes) = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
            Some(rest) => (true, rest),
            None => (false, bytes),
        };
        let text = std::str::from_utf8(bytes).map_err(|error| NotebookError::InvalidUtf8 {
            position: byte_position(bytes, error.valid_up_to()),
        })?;
        let value = parse_json(text)?;
        let Value::Object(json) = value else {
            return Err(NotebookError::NotAnObject {
                found: describe(&value),
            });
        };
        let style = TextStyle::detect(text, bom);
        Self::from_json(json, style)
    }

    /// [`Notebook::parse`] for analysis only: every cell's outputs are reduced to their
    /// `output_type`s while reading (the rest of each output is checked, not built: see
    /// [`crate::outline`]; a list holding an error output is kept whole, for the traceback
    /// [`Cell::error_line`] reads), so the cell view is the same (output counts, error
    /// outputs) at a fraction of the cost when outputs are large. The document no longer holds the outputs
    /// and its text style is not fully detected: do not write it back.
    /// Errors are those of [`Notebook::parse`].
    pub fn parse_for_analysis(bytes: &[u8]) -> Result<Self, NotebookError> {
        let read = crate::outline::read(bytes).and_then(|outlined| {
            outlined.into_notebook(|_, outputs| match outputs.kinds {
                Some(kinds) => {
                    // An error's traceback says where the cell stopped: such a list (rare,
                    // and an error output is small) is read whole.
                    let whole = kinds
                        .iter()
                        .any(|kind| kind.is_some_and(is_error_type))
                        .then(|| serde_json::from_str(outputs.raw).ok())
                        .flatten();
                    whole.or_else(|| {
                        Some(Value::Array(
                            kinds.into_iter().map(output_summary).collect(),
                        ))
                    })
                }
                // Not a list: kept as it is, the cell view reads it as before.
                None => serde_json::from_str(outputs.raw).ok(),
            })
        });
        read.unwrap_or_else(|| Self::parse(bytes))
    }

    /// A notebook from an nbformat JSON object built in memory (the language server builds
    /// one from the editor's live cells), written in nbformat's own style if written at all.
    /// Errors are those of [`Notebook::parse`] after the JSON stage.
    ///
    /// ```
    /// let json = serde_json::json!({"nbformat": 4, "nbformat_minor": 5, "metadata": {},
    ///     "cells": [{"cell_type": "code", "source": "x = 1", "metadata": {}, "outputs": []}]});
    /// let serde_json::Value::Object(json) = json else { unreachable!() };
    /// let notebook = nblint_notebook::Notebook::from_json_object(json).unwrap();
    /// assert_eq!(notebook.cells()[0].source, "x = 1");
    /// ```
    pub fn from_json_object(json: Map<String, Value>) -> Result<Self, NotebookError> {
        Self::from_json(json, TextStyle::NBFORMAT)
    }

    pub(crate) fn from_json(
        json: Map<String, Value>,
        style: TextStyle,
    ) -> Result<Self, NotebookError> {
        let major = match json.get("nbformat") {
            Some(Value::Number(number)) => number.as_u64(),
            None => Some(4),
            Some(_) => None,
        };
        let found = || {
            json.get("nbformat")
                .map_or_else(|| "(missing)".to_owned(), Value::to_string)
        };
        let major = match major {
            Some(major @ (3 | 4)) => major,
            _ => return Err(NotebookError::UnsupportedFormat { found: found() }),
        };
        let minor = json
            .get("nbformat_minor")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        let cells = if major == 3 {
            read_v3_cells(&json)?
        } else {
            read_v4_cells(&json)?
        };
        Ok(Self {
            json,
            cells,
            major,
            minor,
            style,
        })
    }

    /// A copy of the whole JSON document, made without deep recursion on the thread's
    /// stack (see [`MAX_NESTING`]).
    pub fn clone_json(&self) -> Map<String, Value> {
        clone_map(&self.json)
    }

    /// All cells, in order; `cells()[i].number == i + 1`.
    pub fn cells(&self) -> &[Cell] {
        &self.cells
    }

    /// The cell with one-based `number`.
    pub fn cell(&self, number: usize) -> Option<&Cell> {
        number
            .checked_sub(1)
            .and_then(|index| self.cells.get(index))
    }

    /// `(nbformat, nbformat_minor)` as stored.
    pub fn format(&self) -> (u64, u64) {
        (self.major, self.minor)
    }

    /// The whole JSON document.
    pub fn json(&self) -> &Map<String, Value> {
        &self.json
    }

    /// The notebook-level `metadata` object, if present.
    pub fn metadata(&self) -> Option<&Map<String, Value>> {
        self.json.get("metadata").and_then(Value::as_object)
    }

    /// A string in the notebook metadata at `path` (`["kernelspec", "name"]`).
    pub fn metadata_str(&self, path: &[&str]) -> Option<&str> {
        let mut value = self.json.get("metadata")?;
        for key in path {
            value = value.get(key)?;
        }
        value.as_str()
    }

    /// The JSON object of a cell.
    pub fn cell_json(&self, number: usize) -> Option<&Map<String, Value>> {
        let pointer = self.cell(number)?.pointer;
        cell_array(&self.json, pointer.worksheet)?
            .get(pointer.index)?
            .as_object()
    }

    /// The JSON object of a cell, for editing. The cell view is not refreshed: call
    /// [`Notebook::refresh`] after editing sources or removing cells.
    pub fn cell_json_mut(&mut self, number: usize) -> Option<&mut Map<String, Value>> {
        let pointer = self.cell(number)?.pointer;
        cell_array_mut(&mut self.json, pointer.worksheet)?
            .get_mut(pointer.index)?
            .as_object_mut()
    }

    /// The whole JSON document, for editing. Call [`Notebook::refresh`] afterwards if cells
    /// changed.
    pub fn json_mut(&mut self) -> &mut Map<String, Value> {
        &mut self.json
    }

    /// Replaces the source of cell `number`, written in the form it was stored in (a list of
    /// lines, or one string), and refreshes the cell view.
    pub fn set_source(&mut self, number: usize, source: &str) -> Result<(), NotebookError> {
        let form = self
            .cell(number)
            .map_or(SourceForm::Lines, |cell| cell.source_form);
        let key = if self.major == 3 && self.cell(number).is_some_and(Cell::is_code) {
            "input"
        } else {
            "source"
        };
        let value = match form {
            SourceForm::Text => Value::String(source.to_owned()),
            SourceForm::Lines | SourceForm::Missing => Value::Array(
                split_lines(source)
                    .map(|line| Value::String(line.to_owned()))
                    .collect(),
            ),
        };
        if let Some(cell) = self.cell_json_mut(number) {
            cell.insert(key.to_owned(), value);
        }
        self.refresh()
    }

    /// Removes cell `number` and refreshes the cell view (later cells are renumbered).
    pub fn remove_cell(&mut self, number: usize) -> Result<(), NotebookError> {
        if let Some(pointer) = self.cell(number).map(|cell| cell.pointer)
            && let Some(cells) = cell_array_mut(&mut self.json, pointer.worksheet)
            && pointer.index < cells.len()
        {
            cells.remove(pointer.index);
        }
        self.refresh()
    }

    /// Rebuilds the cell view from the JSON after an edit.
    pub fn refresh(&mut self) -> Result<(), NotebookError> {
        self.cells = if self.major == 3 {
            read_v3_cells(&self.json)?
        } else {
            read_v4_cells(&self.json)?
        };
        Ok(())
    }
}

/// A clone that copies the document without deep recursion on the thread's stack.
impl Clone for Notebook {
    fn clone(&self) -> Self {
        Self {
            json: self.clone_json(),
            cells: self.cells.clone(),
            major: self.major,
            minor: self.minor,
            style: self.style,
        }
    }
}

/// Stack used per level is at most this much before the stack is grown: a clone frame is
/// far smaller, even unoptimised.
const RED_ZONE: usize = 64 * 1024;
/// How much stack is added each time it runs low.
const STACK_GROWTH: usize = 2 * 1024 * 1024;

fn clone_map(map: &Map<String, Value>) -> Map<String, Value> {
    map.iter()
        .map(|(key, value)| (key.clone(), clone_value(value)))
        .collect()
}

/// `value.clone()`, growing the stack where the nesting is deep.
fn clone_value(value: &Value) -> Value {
    match value {
        Value::Array(items) => stacker::maybe_grow(RED_ZONE, STACK_GROWTH, || {
            Value::Array(items.iter().map(clone_value).collect())
        }),
        Value::Object(map) => {
            stacker::maybe_grow(RED_ZONE, STACK_GROWTH, || Value::Object(clone_map(map)))
        }
        scalar => scalar.clone(),
    }
}

/// Parses the JSON text of a notebook: with serde_json's own recursion limit (128) when it
/// is enough, else, up to [`MAX_NESTING`] levels, on a stack grown as needed.
fn parse_json(text: &str) -> Result<Value, NotebookError> {
    match serde_json::from_str(text) {
        Ok(value) => Ok(value),
        Err(error) if error.to_string().starts_with("recursion limit exceeded") => {
            parse_deep_json(text)
        }
        Err(error) => Err(json_error(&error)),
    }
}

fn parse_deep_json(text: &str) -> Result<Value, NotebookError> {
    if let Some(offset) = nesting_past(text.as_bytes(), MAX_NESTING) {
        return Err(NotebookError::TooDeep {
            position: byte_position(text.as_bytes(), offset),
            limit: MAX_NESTING,
        });
    }
    let mut deserializer = serde_json::Deserializer::from_str(text);
    deserializer.disable_recursion_limit();
    let value =
        serde::Deserialize::deserialize(serde_stacker::Deserializer::new(&mut deserializer))
            .map_err(|error| json_error(&error))?;
    deserializer.end().map_err(|error| json_error(&error))?;
    Ok(value)
}

/// The offset of the first `[` or `{` (outside strings) that opens level `limit + 1`, if
/// any: a linear scan, before anything is built.
fn nesting_past(bytes: &[u8], limit: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut at = 0;
    while at < bytes.len() {
        match bytes[at] {
            b'"' => {
                // Skip the string: to its closing quote, over escapes.
                at += 1;
                while at < bytes.len() {
                    match bytes[at] {
                        b'\\' => at += 2,
                        b'"' => break,
                        _ => at += 1,
                    }
                }
            }
            b'[' | b'{' => {
                depth += 1;
                if depth > limit {
                    return Some(at);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        at += 1;
    }
    None
}

/// Splits text into lines that keep their `\n`, as Jupyter stores `source` lists.
pub fn split_lines(text: &str) -> impl Iterator<Item = &str> {
    text.split_inclusive('\n')
}

fn cell_array(json: &Map<String, Value>, worksheet: Option<usize>) -> Option<&Vec<Value>> {
    match worksheet {
        None => json.get("cells")?.as_array(),
        Some(w) => json
            .get("worksheets")?
            .as_array()?
            .get(w)?
            .get("cells")?
            .as_array(),
    }
}

fn cell_array_mut(
    json: &mut Map<String, Value>,
    worksheet: Option<usize>,
) -> Option<&mut Vec<Value>> {
    match worksheet {
        None => json.get_mut("cells")?.as_array_mut(),
        Some(w) => json
            .get_mut("worksheets")?
            .as_array_mut()?
            .get_mut(w)?
            .get_mut("cells")?
            .as_array_mut(),
    }
}

fn read_v4_cells(json: &Map<String, Value>) -> Result<Vec<Cell>, NotebookError> {
    let cells = match json.get("cells") {
        None => return Err(NotebookError::MissingCells { key: "cells" }),
        Some(Value::Array(cells)) => cells,
        Some(other) => {
            return Err(NotebookError::CellsNotArray {
                found: describe(other),
            });
        }
    };
    cells
        .iter()
        .enumerate()
        .map(|(index, cell)| {
            read_cell(
                cell,
                index + 1,
                CellPointer {
                    worksheet: None,
                    index,
                },
                false,
            )
        })
        .collect()
}

fn read_v3_cells(json: &Map<String, Value>) -> Result<Vec<Cell>, NotebookError> {
    let worksheets = match json.get("worksheets") {
        None => return Err(NotebookError::MissingCells { key: "worksheets" }),
        Some(Value::Array(worksheets)) => worksheets,
        Some(other) => {
            return Err(NotebookError::CellsNotArray {
                found: describe(other),
            });
        }
    };
    let mut out = Vec::new();
    for (w, worksheet) in worksheets.iter().enumerate() {
        let Some(cells) = worksheet.get("cells").and_then(Value::as_array) else {
            continue;
        };
        for (index, cell) in cells.iter().enumerate() {
            let number = out.len() + 1;
            out.push(read_cell(
                cell,
                number,
                CellPointer {
                    worksheet: Some(w),
                    index,
                },
                true,
            )?);
        }
    }
    Ok(out)
}

fn read_cell(
    value: &Value,
    number: usize,
    pointer: CellPointer,
    v3: bool,
) -> Result<Cell, NotebookError> {
    let invalid = |reason: String| NotebookError::InvalidCell {
        cell: number,
        reason,
    };
    let Value::Object(cell) = value else {
        return Err(invalid(format!(
            "a cell must be an object, found {}",
            describe(value)
        )));
    };
    let kind = match cell.get("cell_type") {
        Some(Value::String(kind)) => match kind.as_str() {
            "code" => CellKind::Code,
            "markdown" => CellKind::Markdown,
            "raw" => CellKind::Raw,
            "heading" if v3 => CellKind::Markdown,
            other => CellKind::Other(other.to_owned()),
        },
        Some(other) => {
            return Err(invalid(format!(
                "`cell_type` must be a string, found {}",
                describe(other)
            )));
        }
        None => return Err(invalid("the cell has no `cell_type`".to_owned())),
    };
    let source_key = if v3 && kind == CellKind::Code {
        "input"
    } else {
        "source"
    };
    check_text_is_read(cell, &kind, v3).map_err(invalid)?;
    let (mut source, source_form) = match cell.get(source_key) {
        None => (String::new(), SourceForm::Missing),
        Some(Value::String(text)) => (text.clone(), SourceForm::Text),
        Some(Value::Array(lines)) => {
            let mut text = String::new();
            for line in lines {
                let Value::String(line) = line else {
                    return Err(invalid(format!(
                        "`{source_key}` lists {} where a line of text was expected",
                        describe(line)
                    )));
                };
                text.push_str(line);
            }
            (text, SourceForm::Lines)
        }
        Some(other) => {
            return Err(invalid(format!(
                "`{source_key}` must be a string or a list of strings, found {}",
                describe(other)
            )));
        }
    };
    if v3 && cell.get("cell_type").and_then(Value::as_str) == Some("heading") {
        let level = cell
            .get("level")
            .and_then(Value::as_u64)
            .unwrap_or(1)
            .clamp(1, 6);
        source = format!("{} {source}", "#".repeat(level as usize));
    }
    let count_key = if v3 {
        "prompt_number"
    } else {
        "execution_count"
    };
    let execution_count = cell.get(count_key).and_then(Value::as_i64);
    let outputs = cell.get("outputs").and_then(Value::as_array);
    let output_count = outputs.map_or(0, Vec::len);
    let mut errors = outputs.into_iter().flatten().filter(|output| {
        output
            .get("output_type")
            .and_then(Value::as_str)
            .is_some_and(is_error_type)
    });
    let first_error = errors.next();
    let has_error_output = first_error.is_some();
    let error_line = first_error
        .into_iter()
        .chain(errors)
        .find_map(|output| traceback_line(output.get("traceback")?.as_array()?));
    Ok(Cell {
        number,
        kind,
        lines: LineIndex::new(&source),
        source,
        source_form,
        execution_count,
        id: cell.get("id").and_then(Value::as_str).map(str::to_owned),
        output_count,
        has_error_output,
        error_line,
        pointer,
    })
}

/// Whether an output's `output_type` is an error's (`error`, nbformat 3's `pyerr`).
fn is_error_type(output_type: &str) -> bool {
    matches!(output_type, "error" | "pyerr")
}

/// The line of the cell's own code an IPython traceback points at: in the first frame that is
/// the cell's (`Cell In[5], line 3`, or `<ipython-input-5-..>` of an older IPython), the
/// number after the `---->` arrow. Colour codes are skipped.
fn traceback_line(frames: &[Value]) -> Option<usize> {
    let frame = frames
        .iter()
        .filter_map(Value::as_str)
        .map(without_colour)
        .find(|frame| frame.contains("Cell In[") || frame.contains("<ipython-input-"))?;
    let after = frame.split("---->").nth(1)?;
    let digits: String = after
        .trim_start()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok().filter(|&line| line > 0)
}

/// `text` without ANSI colour codes (`ESC [ .. m`).
fn without_colour(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for code in chars.by_ref() {
                if code.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Refuses a cell whose text sits where this reader does not look, so that no cell with text
/// is ever read as empty (and then, say, deleted by a fix with its outputs):
///
/// - nbformat 4 code cells keep their code in `source`: a code cell with nbformat 3's `input`
///   or without `source` is refused;
/// - nbformat 3 code cells keep theirs in `input` (nbformat's v3-to-v4 upgrade takes `input`
///   and discards anything else, so Jupyter would open such a cell empty): one whose `source`
///   holds text is refused rather than read as Jupyter reads it;
/// - other cells keep their text in `source`: one whose `input` holds text is refused.
fn check_text_is_read(cell: &Map<String, Value>, kind: &CellKind, v3: bool) -> Result<(), String> {
    let code = *kind == CellKind::Code;
    if !v3 && code {
        if cell.contains_key("input") {
            return Err(
                "this nbformat 4 code cell has nbformat 3's `input` field; nbformat 4 keeps code \
                 in `source`, so its text would be read as empty"
                    .to_owned(),
            );
        }
        if !cell.contains_key("source") {
            return Err("this code cell has no `source` (nbformat 4 requires one)".to_owned());
        }
        return Ok(());
    }
    let (read, unread) = if v3 && code {
        ("input", "source")
    } else {
        ("source", "input")
    };
    if cell.get(unread).is_some_and(holds_text) {
        let which = if v3 { "nbformat 3" } else { "nbformat 4" };
        return Err(format!(
            "the cell's text is in `{unread}`, but {which} {} cells keep it in `{read}`, so it \
             would be read as empty",
            cell.get("cell_type").and_then(Value::as_str).unwrap_or("")
        ));
    }
    Ok(())
}

/// Whether a field holds anything but nothing: not null, not an empty string, not a list of
/// empty strings.
fn holds_text(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::String(text) => !text.is_empty(),
        Value::Array(items) => items
            .iter()
            .any(|item| item.as_str().is_none_or(|text| !text.is_empty())),
        _ => true,
    }
}

/// The encoding of a UTF-16 or UTF-32 file, by its byte-order mark or, as Python's
/// `json.detect_encoding` does, by the NUL bytes of its first characters (JSON text begins
/// with ASCII); `None` for anything else (UTF-8 with or without its byte-order mark).
fn wide_encoding(bytes: &[u8]) -> Option<&'static str> {
    let encoding = match bytes {
        // In order: the UTF-32 patterns first (a UTF-32LE mark begins as UTF-16LE's).
        [0, 0, 0xFE, 0xFF, ..] | [0, 0, 0, _, ..] => "UTF-32BE",
        [0xFF, 0xFE, 0, 0, ..] | [_, 0, 0, 0, ..] => "UTF-32LE",
        [0xFE, 0xFF, ..] | [0, _, ..] => "UTF-16BE",
        [0xFF, 0xFE, ..] | [_, 0, ..] => "UTF-16LE",
        _ => return None,
    };
    Some(encoding)
}

/// The one-based line and column of byte `offset` in `bytes`, counting characters where the
/// prefix is valid UTF-8.
pub(crate) fn byte_position(bytes: &[u8], offset: usize) -> FilePosition {
    let prefix = &bytes[..offset.min(bytes.len())];
    let line_start = prefix
        .iter()
        .rposition(|byte| *byte == b'\n')
        .map_or(0, |at| at + 1);
    let line = prefix.iter().filter(|byte| **byte == b'\n').count() + 1;
    let column = String::from_utf8_lossy(&prefix[line_start..])
        .chars()
        .count()
        + 1;
    FilePosition { line, column }
}

fn json_error(error: &serde_json::Error) -> NotebookError {
    // serde_json appends " at line L column C" to its message; we carry the position apart.
    let message = error.to_string();
    let message = message
        .rsplit_once(" at line ")
        .map_or(message.as_str(), |(head, _)| head)
        .to_owned();
    NotebookError::InvalidJson {
        position: FilePosition {
            line: error.line(),
            column: error.column().max(1),
        },
        message,
    }
}

/// What analysis keeps of an output: its type.
fn output_summary(kind: Option<&str>) -> Value {
    let mut object = Map::new();
    if let Some(kind) = kind {
        object.insert("output_type".to_owned(), Value::String(kind.to_owned()));
    }
    Value::Object(object)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_a_stored_error_was_raised_on_is_read_from_its_traceback() {
        let frames = |frame: &str| vec![Value::from("Traceback"), Value::from(frame)];
        // IPython 8 and later.
        let new =
            "Cell \u{1b}[0;32mIn[5], line 3\u{1b}[0m\n\u{1b}[0;32m----> 3\u{1b}[0m a, b = numbers";
        assert_eq!(traceback_line(&frames(new)), Some(3));
        // Older IPython.
        let old = "\u{1b}[0;32m<ipython-input-60-c5e7>\u{1b}[0m in \u{1b}[0;36m<module>\u{1b}[0m\n\u{1b}[0;32m----> 12\u{1b}[0;31m x = 1/0";
        assert_eq!(traceback_line(&frames(old)), Some(12));
        // A frame of a library, not the cell's.
        let library = "site-packages/dask/array/wrap.py in f()\n---> 31 chunks = 1";
        assert_eq!(traceback_line(&frames(library)), None);
    }

    fn parse(text: &str) -> Result<Notebook, NotebookError> {
        Notebook::parse(text.as_bytes())
    }

    #[test]
    fn reads_source_as_list_or_string() {
        let notebook = parse(
            r##"{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
                {"cell_type": "markdown", "metadata": {}, "source": "# Title"},
                {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": 3,
                 "source": ["let a = 1;\n", "a"]},
                {"cell_type": "markdown", "metadata": {}},
                {"cell_type": "code", "metadata": {}, "outputs": [{"output_type": "error"}],
                 "source": []}
            ]}"##,
        )
        .unwrap();
        let cells = notebook.cells();
        assert_eq!(cells.len(), 4);
        assert_eq!(cells[0].kind, CellKind::Markdown);
        assert_eq!(cells[0].source, "# Title");
        assert_eq!(cells[0].source_form, SourceForm::Text);
        assert_eq!(cells[1].number, 2);
        assert_eq!(cells[1].execution_count, Some(3));
        assert_eq!(cells[1].source, "let a = 1;\na");
        assert_eq!(cells[2].source_form, SourceForm::Missing);
        assert_eq!(cells[3].source_form, SourceForm::Lines);
        assert!(cells[3].has_error_output);
    }

    #[test]
    fn a_cell_with_text_where_it_is_not_read_is_refused_not_emptied() {
        let v4 = |cell: &str| {
            format!(
                r#"{{"nbformat": 4, "cells": [{{"cell_type": "markdown", "source": "a"}}, {cell}]}}"#
            )
        };
        let v3 =
            |cell: &str| format!(r#"{{"nbformat": 3, "worksheets": [{{"cells": [{cell}]}}]}}"#);
        let refused = [
            (
                v4(r#"{"cell_type": "code", "input": ["x = 1"], "outputs": []}"#),
                2,
                "`input`",
            ),
            (
                v4(r#"{"cell_type": "code", "input": "", "source": "x"}"#),
                2,
                "`input`",
            ),
            (
                v4(r#"{"cell_type": "code", "outputs": []}"#),
                2,
                "no `source`",
            ),
            (
                v4(r#"{"cell_type": "markdown", "input": "text"}"#),
                2,
                "`input`",
            ),
            (
                v3(r#"{"cell_type": "code", "source": ["x = 1"], "outputs": []}"#),
                1,
                "`source`",
            ),
            (
                v3(r#"{"cell_type": "code", "input": "y", "source": "x"}"#),
                1,
                "`source`",
            ),
            (
                v3(r#"{"cell_type": "markdown", "input": "text"}"#),
                1,
                "`input`",
            ),
        ];
        for (text, cell, field) in refused {
            let error = parse(&text).unwrap_err();
            assert_eq!(error.cell(), Some(cell), "{text}: {error}");
            assert!(error.to_string().contains(field), "{text}: {error}");
            assert!(
                error.to_string().contains("read as empty") || field == "no `source`",
                "{error}"
            );
        }
        // Empty fields that are not read hide nothing.
        for text in [
            v3(r#"{"cell_type": "code", "input": "y", "source": ""}"#),
            v3(r#"{"cell_type": "code", "input": "y", "source": [""]}"#),
            v3(r#"{"cell_type": "code", "outputs": []}"#),
            v3(r#"{"cell_type": "markdown", "source": "t", "input": null}"#),
            v4(r#"{"cell_type": "raw"}"#),
        ] {
            assert!(parse(&text).is_ok(), "{text}");
        }
    }

    #[test]
    fn errors_name_the_position_or_the_cell() {
        let cases: &[(&str, NotebookError)] = &[
            (
                "{\n  \"cells\": [\n",
                NotebookError::InvalidJson {
                    position: FilePosition { line: 3, column: 1 },
                    message: "EOF while parsing a list".into(),
                },
            ),
            ("[1, 2]", NotebookError::NotAnObject { found: "an array" }),
            ("42", NotebookError::NotAnObject { found: "a number" }),
            (
                r#"{"nbformat": 4}"#,
                NotebookError::MissingCells { key: "cells" },
            ),
            (
                r#"{"nbformat": 4, "cells": {}}"#,
                NotebookError::CellsNotArray { found: "an object" },
            ),
            (
                r#"{"nbformat": 5, "cells": []}"#,
                NotebookError::UnsupportedFormat { found: "5".into() },
            ),
            (
                r#"{"nbformat": 4, "cells": [{"source": "x"}]}"#,
                NotebookError::InvalidCell {
                    cell: 1,
                    reason: "the cell has no `cell_type`".into(),
                },
            ),
            (
                r#"{"nbformat": 4, "cells": [{"cell_type": "code", "source": 3}]}"#,
                NotebookError::InvalidCell {
                    cell: 1,
                    reason: "`source` must be a string or a list of strings, found a number".into(),
                },
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(parse(text).unwrap_err(), *expected, "{text}");
        }
    }

    #[test]
    fn invalid_utf8_names_line_and_column() {
        let error = Notebook::parse(b"{\n \"a\": \"\xff\"}").unwrap_err();
        assert_eq!(
            error,
            NotebookError::InvalidUtf8 {
                position: FilePosition { line: 2, column: 8 }
            }
        );
    }

    #[test]
    fn utf16_and_utf32_are_named_with_or_without_a_bom() {
        let text = r#"{"nbformat": 4, "cells": []}"#;
        let utf16 = |big: bool| -> Vec<u8> {
            text.encode_utf16()
                .flat_map(|unit| {
                    if big {
                        unit.to_be_bytes()
                    } else {
                        unit.to_le_bytes()
                    }
                })
                .collect()
        };
        let utf32 = |big: bool| -> Vec<u8> {
            text.chars()
                .flat_map(|ch| {
                    let ch = u32::from(ch);
                    if big {
                        ch.to_be_bytes()
                    } else {
                        ch.to_le_bytes()
                    }
                })
                .collect()
        };
        let bom = |mark: &[u8], body: Vec<u8>| [mark, &body].concat();
        let cases = [
            (utf16(false), "UTF-16LE"),
            (utf16(true), "UTF-16BE"),
            (utf32(false), "UTF-32LE"),
            (utf32(true), "UTF-32BE"),
            (bom(&[0xFF, 0xFE], utf16(false)), "UTF-16LE"),
            (bom(&[0xFE, 0xFF], utf16(true)), "UTF-16BE"),
            (bom(&[0xFF, 0xFE, 0, 0], utf32(false)), "UTF-32LE"),
            (bom(&[0, 0, 0xFE, 0xFF], utf32(true)), "UTF-32BE"),
        ];
        for (bytes, encoding) in cases {
            let error = Notebook::parse(&bytes).unwrap_err();
            assert_eq!(error, NotebookError::WrongEncoding { encoding });
            assert!(error.to_string().contains("save it as UTF-8"), "{error}");
            assert!(Notebook::parse_for_analysis(&bytes).is_err());
        }
        // UTF-8, with or without its byte-order mark, is read.
        assert!(Notebook::parse(text.as_bytes()).is_ok());
        assert!(Notebook::parse(&bom(b"\xEF\xBB\xBF", text.as_bytes().to_vec())).is_ok());
    }

    #[test]
    fn bom_and_crlf_are_read() {
        let text = "\u{feff}{\r\n \"cells\": [],\r\n \"nbformat\": 4\r\n}\r\n";
        let notebook = parse(text).unwrap();
        assert!(notebook.cells().is_empty());
        assert!(notebook.style.bom);
        assert!(notebook.style.crlf);
    }

    #[test]
    fn nbformat_3_is_upgraded_in_memory() {
        let notebook = parse(
            r#"{"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": [{"cells": [
                {"cell_type": "heading", "level": 2, "source": ["Intro"]},
                {"cell_type": "code", "input": ["x = 1\n"], "prompt_number": 4, "outputs": [],
                 "language": "python"}
            ]}]}"#,
        )
        .unwrap();
        assert_eq!(notebook.format(), (3, 0));
        let cells = notebook.cells();
        assert_eq!(cells[0].source, "## Intro");
        assert_eq!(cells[1].source, "x = 1\n");
        assert_eq!(cells[1].execution_count, Some(4));
    }

    #[test]
    fn set_source_keeps_the_stored_form() {
        let mut notebook = parse(
            r#"{"nbformat": 4, "cells": [
                {"cell_type": "code", "source": ["a\n", "b"]},
                {"cell_type": "code", "source": "c"}]}"#,
        )
        .unwrap();
        notebook.set_source(1, "x\ny\n").unwrap();
        notebook.set_source(2, "z\n").unwrap();
        assert_eq!(
            notebook.cell_json(1).unwrap()["source"],
            serde_json::json!(["x\n", "y\n"])
        );
        assert_eq!(notebook.cell_json(2).unwrap()["source"], "z\n");
        assert_eq!(notebook.cells()[0].source, "x\ny\n");
        notebook.remove_cell(1).unwrap();
        assert_eq!(notebook.cells().len(), 1);
        assert_eq!(notebook.cells()[0].source, "z\n");
    }
}
