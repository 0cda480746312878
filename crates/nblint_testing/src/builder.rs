//! A notebook written by a test in a line: `NotebookBuilder::python().counted().code("x = 1")
//! .markdown("# Notes").build()` gives the `.ipynb` text.

use serde_json::{Value, json};

/// Builds a notebook's JSON text cell by cell (nbformat 4.5, cell ids `c0`, `c1`, ...).
#[derive(Debug, Clone)]
pub struct NotebookBuilder {
    metadata: Value,
    cells: Vec<Value>,
    /// The next execution count, when code cells are counted.
    next_count: Option<i64>,
}

impl NotebookBuilder {
    /// A notebook with these notebook-level metadata.
    pub fn with_metadata(metadata: Value) -> Self {
        Self {
            metadata,
            cells: Vec::new(),
            next_count: None,
        }
    }

    /// A notebook with no metadata at all (no kernel named).
    pub fn bare() -> Self {
        Self::with_metadata(json!({}))
    }

    /// A Python 3 notebook, as Jupyter's `python3` kernel writes its metadata.
    pub fn python() -> Self {
        Self::with_metadata(json!({
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"}
        }))
    }

    /// An evcxr (Rust) notebook, as the kernel writes its metadata.
    pub fn rust() -> Self {
        Self::with_metadata(json!({
            "kernelspec": {"display_name": "Rust", "language": "rust", "name": "rust"},
            "language_info": {"file_extension": ".rs", "name": "Rust"}
        }))
    }

    /// A notebook whose kernelspec and `language_info` name `language` (any string, so a
    /// test can name a language nblint does not read).
    pub fn language(language: &str) -> Self {
        Self::with_metadata(json!({
            "kernelspec": {"display_name": language, "language": language, "name": language},
            "language_info": {"name": language}
        }))
    }

    /// Code cells added from now on get execution counts 1, 2, 3, ... (else `null`).
    #[must_use]
    pub fn counted(mut self) -> Self {
        self.next_count.get_or_insert(1);
        self
    }

    /// Adds a code cell with no outputs.
    #[must_use]
    pub fn code(self, source: &str) -> Self {
        self.code_with_outputs(source, json!([]))
    }

    /// Adds a code cell with these outputs (a JSON array).
    #[must_use]
    pub fn code_with_outputs(mut self, source: &str, outputs: Value) -> Self {
        let count = self.next_count.map_or(Value::Null, |count| {
            self.next_count = Some(count + 1);
            json!(count)
        });
        let id = format!("c{}", self.cells.len());
        self.cells.push(json!({
            "cell_type": "code", "execution_count": count, "id": id,
            "metadata": {}, "outputs": outputs, "source": source,
        }));
        self
    }

    /// Sets the execution count of the last cell added (`None`: never run).
    #[must_use]
    pub fn count(mut self, count: Option<i64>) -> Self {
        if let Some(cell) = self.cells.last_mut() {
            cell["execution_count"] = count.map_or(Value::Null, |count| json!(count));
        }
        self
    }

    /// Adds a markdown cell.
    #[must_use]
    pub fn markdown(mut self, source: &str) -> Self {
        let id = format!("c{}", self.cells.len());
        self.cells.push(json!({
            "cell_type": "markdown", "id": id, "metadata": {}, "source": source,
        }));
        self
    }

    /// The notebook as a JSON value.
    pub fn value(&self) -> Value {
        json!({
            "cells": self.cells, "metadata": self.metadata, "nbformat": 4, "nbformat_minor": 5,
        })
    }

    /// The notebook's text, indented, with a final line break.
    pub fn build(&self) -> String {
        let mut text = serde_json::to_string_pretty(&self.value()).unwrap_or_default();
        text.push('\n');
        text
    }

    /// The notebook's text on one line, as bytes.
    pub fn bytes(&self) -> Vec<u8> {
        serde_json::to_vec(&self.value()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_counted_cells_with_ids_and_metadata() {
        let notebook: Value = serde_json::from_str(
            &NotebookBuilder::python()
                .markdown("# Title")
                .counted()
                .code("x = 1")
                .code("x")
                .build(),
        )
        .unwrap();
        assert_eq!(notebook["metadata"]["kernelspec"]["name"], "python3");
        let cells = notebook["cells"].as_array().unwrap();
        assert_eq!(cells.len(), 3);
        assert_eq!(cells[0]["cell_type"], "markdown");
        assert_eq!(cells[1]["execution_count"], 1);
        assert_eq!(cells[2]["execution_count"], 2);
        assert_eq!(cells[2]["id"], "c2");
        let uncounted: Value =
            serde_json::from_slice(&NotebookBuilder::bare().code("x").bytes()).unwrap();
        assert_eq!(uncounted["cells"][0]["execution_count"], Value::Null);
    }
}
