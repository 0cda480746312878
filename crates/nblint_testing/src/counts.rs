//! What the front ends' corpus tables count in each notebook.

use nblint_facts::{CellFacts, NotebookFacts, Span, SyntaxError};
use nblint_notebook::Notebook;

/// The facts of a code cell that does not parse: a syntax error at its first byte, and
/// nothing else (what the rules that stay quiet for a broken cell are tested with).
pub fn unparsed_cell() -> CellFacts {
    CellFacts {
        errors: vec![SyntaxError {
            message: "unexpected token".to_owned(),
            span: Span::new(0, 1),
        }],
        ..CellFacts::default()
    }
}

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

/// A corpus table, for a snapshot: a header, a row per file (its name, its cells, what the
/// front end made of its code cells, with the table's own columns between `uses` and
/// `syntax errors`), and a total line; with the totals kept as rows are added.
#[derive(Debug, Clone)]
pub struct CorpusTable {
    text: String,
    totals: CorpusTotals,
}

impl CorpusTable {
    /// An empty table whose own columns (`edges`, `backward`) stand between `uses` and
    /// `syntax errors`.
    pub fn new(own_columns: &[&str]) -> Self {
        let mut text = String::from("notebook | cells | code | defines | uses");
        for column in own_columns {
            text.push_str(" | ");
            text.push_str(column);
        }
        text.push_str(" | syntax errors\n");
        Self {
            text,
            totals: CorpusTotals::default(),
        }
    }

    /// A file that is not a notebook: its name and, as the rest of its row, why.
    pub fn not_a_notebook(&mut self, name: &str, why: &str) {
        self.totals.add_unreadable();
        self.text.push_str(&format!("{name} | {why}\n"));
    }

    /// A notebook's row: its `cells` (all kinds), `counts`, and the values of the table's own
    /// columns.
    pub fn row(&mut self, name: &str, cells: usize, counts: CodeCellCounts, own: &[usize]) {
        self.totals.add(counts);
        let CodeCellCounts {
            code,
            defines,
            uses,
            syntax_errors,
        } = counts;
        self.text
            .push_str(&format!("{name} | {cells} | {code} | {defines} | {uses}"));
        for value in own {
            self.text.push_str(&format!(" | {value}"));
        }
        self.text.push_str(&format!(" | {syntax_errors}\n"));
    }

    /// The totals over the rows so far.
    pub fn totals(&self) -> &CorpusTotals {
        &self.totals
    }

    /// The table, with `total` as its last line.
    pub fn finish(mut self, total: &str) -> String {
        self.text.push_str(total);
        self.text.push('\n');
        self.text
    }
}

#[cfg(test)]
mod tests {
    use nblint_facts::{Definition, DefinitionKind};

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
        let facts = NotebookFacts {
            cells: vec![Some(defines_x), None, Some(unparsed_cell())],
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
        let mut table = CorpusTable::new(&["edges"]);
        table.row("a.ipynb", 3, counts, &[7]);
        table.not_a_notebook("b.ipynb", "not a notebook");
        table.row("c.ipynb", 3, counts, &[0]);
        let totals = *table.totals();
        assert_eq!(totals.error_cells, 2);
        assert_eq!(
            totals.summary(),
            "total: 2 notebooks (1 unreadable), 4 code cells"
        );
        assert_eq!(
            table.finish("total"),
            "notebook | cells | code | defines | uses | edges | syntax errors\n\
             a.ipynb | 3 | 2 | 1 | 0 | 7 | 1\n\
             b.ipynb | not a notebook\n\
             c.ipynb | 3 | 2 | 1 | 0 | 0 | 1\n\
             total\n"
        );
    }
}
