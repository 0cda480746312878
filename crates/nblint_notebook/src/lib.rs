//! The nbformat model: reading a notebook losslessly, numbering its cells as a person does,
//! mapping positions inside cells, and writing it back without losing a byte it did not mean
//! to change.
//!
//! This crate knows nothing of cell languages, graphs, rules or git. It never drops a JSON
//! field it does not understand: the whole document is kept and cells are a view over it.

mod error;
mod file_lines;
mod lines;
mod model;
pub mod outline;
mod write;

pub use error::{FilePosition, NotebookError};
pub use file_lines::FileLines;
pub use lines::{LineColumn, LineIndex};
/// Cell metadata that tools rewrite on every run (nbstripout's defaults): the keys `strip`
/// removes, and the only metadata a fix may lose with a blank cell it deletes.
pub const VOLATILE_CELL_METADATA: &[&str] = &[
    "collapsed",
    "scrolled",
    "ExecuteTime",
    "execution",
    "heading_collapsed",
    "hidden",
];

pub use model::{Cell, CellKind, MAX_NESTING, Notebook, SourceForm, split_lines};
pub use write::{
    ReadStamp, ReplaceOptions, Replaced, TextStyle, WriteError, read_stamped, replace_read_file,
    serialize, write_atomically, write_atomically_unsynced, write_atomically_with,
};
