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
        assert_eq!(
            CodeCellCounts::of(&notebook, &facts, "n.ipynb"),
            CodeCellCounts {
                code: 2,
                defines: 1,
                uses: 0,
                syntax_errors: 1
            }
        );
    }
}
