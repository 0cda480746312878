//! What can go wrong reading a notebook.

use std::fmt;

/// A position in the `.ipynb` file itself (one-based line and column, in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FilePosition {
    /// One-based line in the file.
    pub line: usize,
    /// One-based column in the file.
    pub column: usize,
}

impl fmt::Display for FilePosition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)
    }
}

/// Why a notebook could not be read. Each variant carries the position that a person needs
/// to find the problem: a place in the `.ipynb` file, or a cell number.
///
/// The path is not part of the error: the caller knows it and adds it as context.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum NotebookError {
    /// The bytes are not UTF-8.
    #[error("invalid UTF-8 at {position}")]
    InvalidUtf8 {
        /// Where the first invalid byte is.
        position: FilePosition,
    },
    /// The file is UTF-16 or UTF-32 (seen by its byte-order mark, or by the NUL bytes that
    /// ASCII JSON text has in those encodings), not UTF-8 as nbformat requires.
    #[error("this file is {encoding}, not UTF-8: save it as UTF-8 (nbformat notebooks are UTF-8)")]
    WrongEncoding {
        /// `UTF-16LE`, `UTF-16BE`, `UTF-32LE` or `UTF-32BE`.
        encoding: &'static str,
    },
    /// The text is not JSON (truncated, a syntax error, nested too deeply).
    #[error("invalid JSON at {position}: {message}")]
    InvalidJson {
        /// Where the parser stopped.
        position: FilePosition,
        /// The parser's description, without its position suffix.
        message: String,
    },
    /// The JSON nests arrays and objects deeper than nblint reads
    /// ([`crate::MAX_NESTING`] levels; real notebooks use a few dozen at most).
    #[error(
        "JSON nested more than {limit} levels deep at {position}: nblint reads at most {limit} \
         levels (real notebooks use a few dozen)"
    )]
    TooDeep {
        /// Where the first array or object past the limit opens.
        position: FilePosition,
        /// The limit, [`crate::MAX_NESTING`].
        limit: usize,
    },
    /// The top-level JSON value is not an object.
    #[error("not a notebook: the top-level JSON value is {found}, not an object")]
    NotAnObject {
        /// What was found instead (`an array`, `a number`, ...).
        found: &'static str,
    },
    /// nbformat is missing, not a number, or a version we do not read.
    #[error(
        "unsupported nbformat {found}: nblint reads nbformat 4 (and upgrades nbformat 3 in memory)"
    )]
    UnsupportedFormat {
        /// The `nbformat` value as written.
        found: String,
    },
    /// The `cells` key (or nbformat 3's `worksheets`) is missing.
    #[error("not a notebook: no `{key}` key at the top level")]
    MissingCells {
        /// The key that was expected.
        key: &'static str,
    },
    /// `cells` is present but not an array.
    #[error("not a notebook: `cells` is {found}, not an array")]
    CellsNotArray {
        /// What was found instead.
        found: &'static str,
    },
    /// A cell that cannot be understood.
    #[error("cell {cell}: {reason}")]
    InvalidCell {
        /// One-based cell number.
        cell: usize,
        /// What is wrong with it.
        reason: String,
    },
}

impl NotebookError {
    /// The one-based cell the error is about, if it is about a cell.
    pub fn cell(&self) -> Option<usize> {
        match self {
            Self::InvalidCell { cell, .. } => Some(*cell),
            _ => None,
        }
    }

    /// The position in the `.ipynb` file, if the error has one.
    pub fn file_position(&self) -> Option<FilePosition> {
        match self {
            Self::InvalidUtf8 { position }
            | Self::InvalidJson { position, .. }
            | Self::TooDeep { position, .. } => Some(*position),
            _ => None,
        }
    }
}

/// Names a JSON value's kind for messages: `an array`, `a string`, ...
pub(crate) fn describe(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}
