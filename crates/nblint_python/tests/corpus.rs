//! Runs the Python front end over every notebook of the shared corpus: no panic, every code
//! cell analysed, and per-notebook totals snapshotted so a change in behaviour shows up as a
//! reviewed diff.

use nblint_facts::NotebookFacts;
use nblint_notebook::Notebook;
use nblint_python::PythonFrontend;
use nblint_testing::{CodeCellCounts, CorpusTable};

#[test]
fn corpus_totals() {
    let paths = nblint_testing::corpus_notebooks(&["python"], "corpus_totals");
    if paths.is_empty() {
        return; // The corpus is not there: `corpus_notebooks` said so.
    }

    let mut table = CorpusTable::new(&[]);
    for path in &paths {
        let name = path.file_name().unwrap().to_string_lossy();
        let bytes = std::fs::read(path).unwrap();
        let Ok(notebook) = Notebook::parse(&bytes) else {
            table.not_a_notebook(&name, "not a notebook");
            continue;
        };
        let facts = NotebookFacts::analyze(&notebook, &PythonFrontend);
        assert_eq!(facts.cells.len(), notebook.cells().len());
        let counts = CodeCellCounts::of(&notebook, &facts, &name);
        table.row(&name, notebook.cells().len(), counts, &[]);
    }
    let totals = table.totals();
    let total = format!(
        "{}, {} with syntax errors",
        totals.summary(),
        totals.error_cells
    );
    insta::assert_snapshot!(table.finish(&total));
}
