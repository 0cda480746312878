//! Runs the Python front end over every notebook of the shared corpus: no panic, every code
//! cell analysed, and per-notebook totals snapshotted so a change in behaviour shows up as a
//! reviewed diff.

use std::fmt::Write as _;

use nblint_facts::NotebookFacts;
use nblint_notebook::Notebook;
use nblint_python::PythonFrontend;
use nblint_testing::CodeCellCounts;

#[test]
fn corpus_totals() {
    let Some(corpus) = nblint_testing::corpus("python", "corpus_totals") else {
        return;
    };
    let mut paths = nblint_testing::ipynb_files(&corpus);
    paths.sort();
    assert!(!paths.is_empty());

    let mut table = String::from("notebook | cells | code | defines | uses | syntax errors\n");
    let (mut notebooks, mut unreadable, mut code_cells, mut error_cells) = (0, 0, 0, 0);
    for path in &paths {
        let name = path.file_name().unwrap().to_string_lossy();
        let bytes = std::fs::read(path).unwrap();
        let Ok(notebook) = Notebook::parse(&bytes) else {
            unreadable += 1;
            writeln!(table, "{name} | not a notebook").unwrap();
            continue;
        };
        notebooks += 1;
        let facts = NotebookFacts::analyze(&notebook, &PythonFrontend);
        assert_eq!(facts.cells.len(), notebook.cells().len());
        let CodeCellCounts {
            code,
            defines,
            uses,
            syntax_errors: errors,
        } = CodeCellCounts::of(&notebook, &facts, &name);
        code_cells += code;
        error_cells += errors;
        writeln!(
            table,
            "{name} | {} | {code} | {defines} | {uses} | {errors}",
            notebook.cells().len()
        )
        .unwrap();
    }
    writeln!(
        table,
        "total: {notebooks} notebooks ({unreadable} unreadable), {code_cells} code cells, \
         {error_cells} with syntax errors"
    )
    .unwrap();
    insta::assert_snapshot!(table);
}
