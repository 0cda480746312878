//! What the front ends' corpus tables count in each notebook.

use nblint_facts::NotebookFacts;
use nblint_notebook::Notebook;

/// What a front end made of one notebook's code cells: a row of a corpus table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeCellCounts {
    /// Code cells.
    pub code: usize,
    /// Definitions over all code cells.
    pub defines: usize,
    /// Uses over all code cells.
    pub uses: usize,
    /// Code cells that did not parse.
    pub syntax_errors: usize,
}

impl CodeCellCounts {
    /// Counts `facts`, the analysis of `notebook` (the file `name`), after asserting that
    /// every code cell was analysed and no other cell was.
    pub fn of(notebook: &Notebook, facts: &NotebookFacts, name: &str) -> Self {
        let code = notebook
            .cells()
            .iter()
            .filter(|cell| cell.is_code())
            .count();
        let analysed: Vec<_> = facts.cells.iter().flatten().collect();
        assert_eq!(analysed.len(), code, "{name}: every code cell analysed");
        Self {
            code,
            defines: analysed.iter().map(|cell| cell.defines.len()).sum(),
            uses: analysed.iter().map(|cell| cell.uses.len()).sum(),
            syntax_errors: analysed.iter().filter(|cell| !cell.parsed()).count(),
        }
    }
}

/// A corpus table's totals over its files.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct CorpusTotals {
    /// Files read as notebooks.
    pub notebooks: usize,
    /// Files that are not notebooks.
    pub unreadable: usize,
    /// Code cells over all notebooks.
    pub code_cells: usize,
    /// Code cells that did not parse, over all notebooks.
    pub error_cells: usize,
}

impl CorpusTotals {
    /// Counts a notebook, with what its code cells hold.
    pub fn add(&mut self, counts: CodeCellCounts) {
        self.notebooks += 1;
        self.code_cells += counts.code;
        self.error_cells += counts.syntax_errors;
    }

    /// Counts a file that is not a notebook.
    pub fn add_unreadable(&mut self) {
        self.unreadable += 1;
    }

    /// The start of a table's total line: `total: 3 notebooks (1 unreadable), 12 code cells`.
    pub fn summary(&self) -> String {
        format!(
            "total: {} notebooks ({} unreadable), {} code cells",
            self.notebooks, self.unreadable, self.code_cells
        )
    }
}

#[cfg(test)]
mod tests {
    use nblint_facts::{CellFacts, Definition, DefinitionKind, Span, SyntaxError};

    use super::*;
    use crate::NotebookBuilder;

    #[test]
    fn counts_the_code_cells_and_what_they_hold() {
        let notebook = Notebook::parse(
            &NotebookBuilder::python()
                .code("x = 1")
                .markdown("# Notes")
                .code("x +")
                .bytes(),
        )
        .unwrap();
        let defines_x = CellFacts {
            defines: vec![Definition::new(
                "x",
                DefinitionKind::Variable,
                Span::new(0, 1),
            )],
            ..CellFacts::default()
        };
        let unparsed = CellFacts {
            errors: vec![SyntaxError {
                message: "unexpected end".to_owned(),
                span: Span::new(2, 3),
            }],
            ..CellFacts::default()
        };
        let facts = NotebookFacts {
            cells: vec![Some(defines_x), None, Some(unparsed)],
        };
        let counts = CodeCellCounts::of(&notebook, &facts, "n.ipynb");
        assert_eq!(
            counts,
            CodeCellCounts {
                code: 2,
                defines: 1,
                uses: 0,
                syntax_errors: 1
            }
        );
        let mut totals = CorpusTotals::default();
        totals.add(counts);
        totals.add(counts);
        totals.add_unreadable();
        assert_eq!(totals.error_cells, 2);
        assert_eq!(
            totals.summary(),
            "total: 2 notebooks (1 unreadable), 4 code cells"
        );
    }
}
