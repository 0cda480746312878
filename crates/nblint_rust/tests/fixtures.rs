//! The front end and the graph on the hand-written notebooks of `fixtures/rust/` (one
//! behaviour each) and `fixtures/graph/`: the graph JSON, as `nblint graph --format json`
//! prints it, plus each cell's commands, dependencies, mutations and errors, snapshotted.
#![allow(clippy::unwrap_used)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use nblint_facts::{CellFrontend, NotebookFacts};
use nblint_graph::Graph;
use nblint_notebook::Notebook;
use nblint_rust::RustFrontend;

/// The notebooks of `fixtures/<folder>/`, sorted; there must be some.
fn fixtures(folder: &str) -> Vec<PathBuf> {
    let paths = nblint_testing::ipynb_files(
        &nblint_testing::workspace_root()
            .join("fixtures")
            .join(folder),
    );
    assert!(!paths.is_empty(), "no notebooks in fixtures/{folder}");
    paths
}

/// The graph JSON and a summary of the facts the graph does not show.
fn describe(path: &Path) -> String {
    let notebook = Notebook::parse(&std::fs::read(path).unwrap()).unwrap();
    let facts = NotebookFacts::analyze(&notebook, &RustFrontend);
    let graph = Graph::build(&notebook, &facts, &|name| RustFrontend.is_builtin(name));
    let mut out = nblint_graph::to_json(&graph);
    out.push('\n');
    for (index, cell) in facts.cells.iter().enumerate() {
        let Some(cell) = cell else { continue };
        let number = index + 1;
        for command in &cell.commands {
            writeln!(
                out,
                "cell {number}: command {} {}",
                command.name, command.argument
            )
            .unwrap();
        }
        for dependency in &cell.dependencies {
            writeln!(
                out,
                "cell {number}: dependency {} version={:?} features={:?} default_features={:?} path={:?}",
                dependency.name,
                dependency.version,
                dependency.features,
                dependency.default_features,
                dependency.path
            )
            .unwrap();
        }
        for mutation in &cell.mutations {
            writeln!(
                out,
                "cell {number}: mutates {} ({:?})",
                mutation.name, mutation.kind
            )
            .unwrap();
        }
        for error in &cell.errors {
            let source = &notebook.cell(number).unwrap().source;
            let at = notebook
                .cell(number)
                .unwrap()
                .lines
                .line_column(source, error.span.start);
            writeln!(
                out,
                "cell {number}: syntax error at {}:{}: {}",
                at.line, at.column, error.message
            )
            .unwrap();
        }
        if cell.trailing_expression.is_some() {
            writeln!(out, "cell {number}: displays its trailing expression").unwrap();
        }
    }
    for mutation in graph.cross_cell_mutations(&facts) {
        writeln!(
            out,
            "cross-cell mutation: cell {} changes `{}` defined in cell {}",
            mutation.cell, mutation.name, mutation.defined_in
        )
        .unwrap();
    }
    out
}

#[test]
fn rust_fixtures() {
    let paths = fixtures("rust");
    assert!(paths.len() >= 13);
    for path in paths {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        insta::assert_snapshot!(format!("rust__{name}"), describe(&path));
    }
}

#[test]
fn graph_fixtures() {
    let paths = fixtures("graph");
    assert!(!paths.is_empty());
    for path in paths {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        insta::assert_snapshot!(format!("graph__{name}"), describe(&path));
    }
}

/// The assertions a reader cares about most, stated outright (the snapshots hold the rest).
#[test]
fn scope_forms_give_no_edges_for_local_names() {
    let edges = |name: &str| {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../fixtures/rust")
            .join(format!("{name}.ipynb"));
        let notebook = Notebook::parse(&std::fs::read(path).unwrap()).unwrap();
        let facts = NotebookFacts::analyze(&notebook, &RustFrontend);
        let graph = Graph::build(&notebook, &facts, &|name| RustFrontend.is_builtin(name));
        graph
            .edges()
            .map(|edge| (edge.from, edge.to, edge.names.join(",")))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        edges("closure_params_are_local"),
        [(1, 2, "scale,x".to_owned())]
    );
    assert_eq!(
        edges("match_arms_bind_locally"),
        [(1, 2, "value,fallback".to_owned())]
    );
    assert_eq!(
        edges("shadowing_in_block_is_local"),
        [(1, 2, "total".to_owned())]
    );
    assert_eq!(
        edges("nested_fn_params_are_local"),
        [(1, 2, "rate".to_owned())]
    );
    assert_eq!(
        edges("format_string_arguments_are_uses"),
        [(1, 2, "name,width,count".to_owned())]
    );
    assert_eq!(
        edges("items_used_before_their_cell"),
        [(2, 1, "Point,norm".to_owned())]
    );
    assert_eq!(
        edges("syntax_error_cell_keeps_others_analysed"),
        [(1, 3, "a".to_owned())]
    );
}
