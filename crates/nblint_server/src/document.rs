//! The notebooks the editor has open, as the editor last described them: their cells (kind,
//! text document, execution summary) and each cell's text, kept up to date from
//! `notebookDocument/didChange`. [`OpenNotebook::to_notebook`] turns the live state into an
//! `nblint_notebook` notebook, which the analysis reads as it reads a file.

use std::collections::HashMap;
use std::path::PathBuf;

use lsp_types::{
    NotebookCell, NotebookCellKind, NotebookDocument, TextDocumentContentChangeEvent,
    TextDocumentItem, Uri,
};
use serde_json::{Map, Value, json};

use crate::position::{Encoding, offset};

/// The text of one cell document.
#[derive(Debug, Clone)]
pub struct CellText {
    /// The editor's language id (`python`, `rust`, `markdown`, ...).
    pub language_id: String,
    /// The text.
    pub text: String,
}

/// One cell of an open notebook.
#[derive(Debug, Clone)]
pub struct LiveCell {
    /// Markup or code.
    pub kind: NotebookCellKind,
    /// The URI of the cell's text document.
    pub document: Uri,
    /// The execution order the editor reports (the `execution_count` a save would write).
    pub execution_order: Option<u32>,
    /// Whether that execution succeeded, when the editor knows.
    pub success: Option<bool>,
}

impl LiveCell {
    fn from_lsp(cell: NotebookCell) -> Self {
        let summary = cell.execution_summary;
        Self {
            kind: cell.kind,
            document: cell.document,
            execution_order: summary.as_ref().map(|summary| summary.execution_order),
            success: summary.and_then(|summary| summary.success),
        }
    }
}

/// A notebook the editor has open.
#[derive(Debug, Clone)]
pub struct OpenNotebook {
    /// The notebook's URI (a `file:` URI for a saved notebook).
    pub uri: Uri,
    /// The editor's notebook metadata (VS Code keeps the `.ipynb` metadata in it).
    pub metadata: Map<String, Value>,
    /// The cells, in order.
    pub cells: Vec<LiveCell>,
    /// The text of each cell document, by URI.
    pub texts: HashMap<String, CellText>,
}

impl OpenNotebook {
    /// The state `notebookDocument/didOpen` describes.
    pub fn open(document: NotebookDocument, texts: Vec<TextDocumentItem>) -> Self {
        let mut notebook = Self {
            uri: document.uri,
            metadata: document.metadata.unwrap_or_default(),
            cells: document.cells.into_iter().map(LiveCell::from_lsp).collect(),
            texts: HashMap::new(),
        };
        notebook.open_texts(texts);
        notebook
    }

    /// Adds (or replaces) cell text documents.
    pub fn open_texts(&mut self, texts: Vec<TextDocumentItem>) {
        for item in texts {
            self.texts.insert(
                item.uri.as_str().to_owned(),
                CellText {
                    language_id: item.language_id,
                    text: item.text,
                },
            );
        }
    }

    /// Replaces `delete_count` cells from `start` with `cells` (a structure change: cells
    /// inserted, removed, or moved, which the protocol sends as a removal and an insertion).
    /// Out-of-range numbers are clamped rather than trusted.
    pub fn splice(&mut self, start: usize, delete_count: usize, cells: Vec<NotebookCell>) {
        let start = start.min(self.cells.len());
        let end = start.saturating_add(delete_count).min(self.cells.len());
        self.cells
            .splice(start..end, cells.into_iter().map(LiveCell::from_lsp));
    }

    /// Forgets the texts of closed cell documents that no cell refers to any more (a moved
    /// cell is closed and opened again under the same URI, or keeps its document).
    pub fn close_texts<'a>(&mut self, closed: impl IntoIterator<Item = &'a Uri>) {
        let in_use: std::collections::HashSet<&str> = self
            .cells
            .iter()
            .map(|cell| cell.document.as_str())
            .collect();
        for uri in closed {
            if !in_use.contains(uri.as_str()) {
                self.texts.remove(uri.as_str());
            }
        }
    }

    /// Updates the kind and execution summary of cells the editor changed (`data`).
    pub fn update_cells(&mut self, changed: Vec<NotebookCell>) {
        let mut changed: HashMap<String, NotebookCell> = changed
            .into_iter()
            .map(|cell| (cell.document.as_str().to_owned(), cell))
            .collect();
        for live in &mut self.cells {
            if let Some(cell) = changed.remove(live.document.as_str()) {
                *live = LiveCell::from_lsp(cell);
            }
        }
    }

    /// Applies text changes (incremental ranges, or a whole new text) to a cell document.
    /// Returns `false` when the document is not a cell of this notebook.
    pub fn edit_text(
        &mut self,
        document: &Uri,
        changes: Vec<TextDocumentContentChangeEvent>,
        encoding: Encoding,
    ) -> bool {
        let Some(cell) = self.texts.get_mut(document.as_str()) else {
            return false;
        };
        apply_changes(&mut cell.text, changes, encoding);
        true
    }

    /// The one-based cell number (as `nblint` counts cells) of a cell document.
    pub fn cell_number(&self, document: &Uri) -> Option<usize> {
        self.cells
            .iter()
            .position(|cell| cell.document.as_str() == document.as_str())
            .map(|index| index + 1)
    }

    /// The local path of a saved notebook (`file:` URI), for finding its configuration.
    pub fn path(&self) -> Option<PathBuf> {
        file_path(&self.uri)
    }

    /// The cells' language, from the editor's language ids: `rust` or `python` when the
    /// code cells say so (the kernel the editor runs them with), else `None`.
    fn cell_language(&self) -> Option<&str> {
        self.cells
            .iter()
            .filter(|cell| cell.kind == NotebookCellKind::Code)
            .filter_map(|cell| self.texts.get(cell.document.as_str()))
            .map(|text| text.language_id.as_str())
            .find(|language| matches!(*language, "rust" | "python"))
    }

    /// The notebook metadata nbformat would hold: the editor's own (VS Code nests it under
    /// `metadata` or `custom.metadata`), and, when the code cells' language id names a
    /// language nblint reads, that language as `language_info.name`, since the cells'
    /// language in the editor is what the kernel runs.
    fn nbformat_metadata(&self) -> Map<String, Value> {
        let nested = |path: &[&str]| {
            let mut current = &self.metadata;
            for key in path {
                current = current.get(*key)?.as_object()?;
            }
            Some(current.clone())
        };
        let mut metadata = nested(&["custom", "metadata"])
            .or_else(|| nested(&["metadata"]))
            .filter(|metadata| {
                metadata.contains_key("kernelspec") || metadata.contains_key("language_info")
            })
            .unwrap_or_else(|| self.metadata.clone());
        if let Some(language) = self.cell_language() {
            // The kernelspec may name another kernel of the same notebook file; the language
            // the editor runs the cells in is the live truth.
            metadata.remove("kernelspec");
            metadata.insert("language_info".to_owned(), json!({ "name": language }));
        }
        metadata
    }

    /// The notebook as nbformat 4 JSON: cell sources are the live texts, execution counts the
    /// editor's execution order, and a cell whose last run failed gets an `error` output
    /// (what Jupyter would store).
    pub fn to_json(&self) -> Map<String, Value> {
        let cells: Vec<Value> = self
            .cells
            .iter()
            .map(|cell| {
                let text = self.texts.get(cell.document.as_str());
                let source = text.map_or("", |text| text.text.as_str());
                let language = text.map_or("", |text| text.language_id.as_str());
                match cell.kind {
                    NotebookCellKind::Markup => {
                        json!({"cell_type": "markdown", "metadata": {}, "source": source})
                    }
                    NotebookCellKind::Code if language == "raw" => {
                        json!({"cell_type": "raw", "metadata": {}, "source": source})
                    }
                    NotebookCellKind::Code => {
                        let outputs = if cell.success == Some(false) {
                            json!([{"output_type": "error", "ename": "", "evalue": "", "traceback": []}])
                        } else {
                            json!([])
                        };
                        json!({
                            "cell_type": "code",
                            "metadata": {},
                            "source": source,
                            "execution_count": cell.execution_order,
                            "outputs": outputs,
                        })
                    }
                }
            })
            .collect();
        let mut json = Map::new();
        json.insert("cells".to_owned(), Value::Array(cells));
        json.insert(
            "metadata".to_owned(),
            Value::Object(self.nbformat_metadata()),
        );
        json.insert("nbformat".to_owned(), json!(4));
        json.insert("nbformat_minor".to_owned(), json!(5));
        json
    }
}

/// Applies text changes, in order, to `text`: a change with a range replaces that range
/// (positions out of range are clamped), one without replaces the whole text.
pub fn apply_changes(
    text: &mut String,
    changes: Vec<TextDocumentContentChangeEvent>,
    encoding: Encoding,
) {
    for change in changes {
        match change.range {
            None => *text = change.text,
            Some(range) => {
                let start = offset(text, range.start, encoding);
                let end = offset(text, range.end, encoding).max(start);
                text.replace_range(start..end, &change.text);
            }
        }
    }
}

/// The local path of a `file:` URI, percent-decoded.
pub fn file_path(uri: &Uri) -> Option<PathBuf> {
    let text = uri.as_str();
    let rest = text.strip_prefix("file://")?;
    // `file:///home/x` (empty authority) and `file://localhost/home/x`.
    let path = rest.strip_prefix("localhost").unwrap_or(rest);
    let path = path.split(['?', '#']).next().unwrap_or(path);
    let decoded = percent_encoding::percent_decode_str(path)
        .decode_utf8()
        .ok()?;
    // Windows: `file:///C:/x` gives `/C:/x`.
    let decoded = decoded.as_ref();
    let bytes = decoded.as_bytes();
    let windows_drive = bytes.len() >= 3 && bytes[0] == b'/' && bytes[2] == b':';
    if windows_drive && cfg!(windows) {
        return Some(PathBuf::from(&decoded[1..]));
    }
    Some(PathBuf::from(decoded))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(text: &str) -> Uri {
        text.parse().unwrap()
    }

    #[test]
    fn file_uris_become_paths() {
        assert_eq!(
            file_path(&uri("file:///home/a%20b/n.ipynb")),
            Some(PathBuf::from("/home/a b/n.ipynb"))
        );
        assert_eq!(file_path(&uri("untitled:Untitled-1.ipynb")), None);
    }

    #[test]
    fn incremental_and_full_edits_apply_to_the_cell_text() {
        let cell_uri = uri("vscode-notebook-cell:/n.ipynb#a");
        let mut notebook = OpenNotebook {
            uri: uri("file:///n.ipynb"),
            metadata: Map::new(),
            cells: Vec::new(),
            texts: HashMap::new(),
        };
        notebook.open_texts(vec![TextDocumentItem::new(
            cell_uri.clone(),
            "python".into(),
            1,
            "x = 1\ny = x\n".into(),
        )]);
        let range = lsp_types::Range::new(
            lsp_types::Position::new(1, 4),
            lsp_types::Position::new(1, 5),
        );
        let change = TextDocumentContentChangeEvent {
            range: Some(range),
            range_length: None,
            text: "x + 1".into(),
        };
        assert!(notebook.edit_text(&cell_uri, vec![change], Encoding::Utf16));
        assert_eq!(notebook.texts[cell_uri.as_str()].text, "x = 1\ny = x + 1\n");
        let full = TextDocumentContentChangeEvent {
            range: None,
            range_length: None,
            text: "z".into(),
        };
        assert!(notebook.edit_text(&cell_uri, vec![full], Encoding::Utf16));
        assert_eq!(notebook.texts[cell_uri.as_str()].text, "z");
    }
}
