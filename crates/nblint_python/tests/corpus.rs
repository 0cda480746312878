//! Runs the Python front end over every notebook of the shared corpus: no panic, every code
//! cell analysed, and per-notebook totals snapshotted so a change in behaviour shows up as a
//! reviewed diff.

use std::fmt::Write as _;

use nblint_facts::NotebookFacts;
use nblint_notebook::Notebook;
use nblint_python::PythonFrontend;
use nblint_testing::{CodeCellCounts, CorpusTotals};

#[test]
fn corpus_totals() {
    let Some(corpus) = nblint_testing::corpus("python", "corpus_totals") else {
        return;
    };
    let mut paths = nblint_testing::ipynb_files(&corpus);
    paths.sort();
    assert!(!paths.is_empty());

    let mut table = String::from("notebook | cells | code | defines | uses | syntax errors\n");
    let mut totals = CorpusTotals::default();
    for path in &paths {
        let name = path.file_name().unwrap().to_string_lossy();
        let bytes = std::fs::read(path).unwrap();
        let Ok(notebook) = Notebook::parse(&bytes) else {
            totals.add_unreadable();
            writeln!(table, "{name} | not a notebook").unwrap();
            continue;
        };
        let facts = NotebookFacts::analyze(&notebook, &PythonFrontend);
        assert_eq!(facts.cells.len(), notebook.cells().len());
        let counts = CodeCellCounts::of(&notebook, &facts, &name);
        totals.add(counts);
        let CodeCellCounts {
            code,
            defines,
            uses,
            syntax_errors: errors,
        } = counts;
        writeln!(
            table,
            "{name} | {} | {code} | {defines} | {uses} | {errors}",
            notebook.cells().len()
        )
        .unwrap();
    }
    let summary = totals.summary();
    let errors = totals.error_cells;
    writeln!(table, "{summary}, {errors} with syntax errors").unwrap();
    insta::assert_snapshot!(table);
}
