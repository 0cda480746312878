//! Runs the Rust front end and the graph over every notebook of the shared evcxr corpus: no
//! panic, every code cell accounted for, and per-notebook totals snapshotted so a change in
//! behaviour shows up as a reviewed diff.
#![allow(clippy::unwrap_used)]

use nblint_facts::{CellFrontend, NotebookFacts};
use nblint_graph::Graph;
use nblint_notebook::Notebook;
use nblint_rust::RustFrontend;
use nblint_testing::{CodeCellCounts, CorpusTable};

#[test]
fn corpus_totals() {
    let paths = nblint_testing::corpus_notebooks(&["evcxr"], "corpus_totals");
    if paths.is_empty() {
        return; // The corpus is not there: `corpus_notebooks` said so.
    }

    let mut table = CorpusTable::new(&["edges", "backward"]);
    let (mut all_edges, mut all_backward) = (0, 0);
    for path in &paths {
        let name = path.file_name().unwrap().to_string_lossy();
        let bytes = std::fs::read(path).unwrap();
        let notebook = match Notebook::parse(&bytes) {
            Ok(notebook) => notebook,
            Err(error) => {
                table.not_a_notebook(&name, &format!("not a notebook: {error}"));
                continue;
            }
        };
        let facts = NotebookFacts::analyze(&notebook, &RustFrontend);
        let graph = Graph::build(&notebook, &facts, &|name| RustFrontend.is_builtin(name));
        let counts = CodeCellCounts::of(&notebook, &facts, &name);
        for (index, cell) in facts.cells.iter().enumerate() {
            let Some(cell) = cell else { continue };
            let length = notebook.cells()[index].source.len();
            for span in cell
                .defines
                .iter()
                .map(|d| d.span)
                .chain(cell.uses.iter().map(|u| u.span))
                .chain(cell.errors.iter().map(|e| e.span))
            {
                assert!(
                    span.start <= span.end && span.end <= length,
                    "{name}: cell {} span {span:?} outside its {length} bytes",
                    index + 1
                );
            }
        }
        let edges = graph.edges().len();
        let backward = graph.edges().filter(|edge| edge.backward).count();
        all_edges += edges;
        all_backward += backward;
        table.row(&name, notebook.cells().len(), counts, &[edges, backward]);
    }
    let totals = table.totals();
    let total = format!(
        "{}, {all_edges} edges ({all_backward} backward), {} cells with syntax errors",
        totals.summary(),
        totals.error_cells
    );
    insta::assert_snapshot!(table.finish(&total));
}
