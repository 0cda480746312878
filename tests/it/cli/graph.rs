//! `nblint graph`.

use super::{
    assert_contains, evcxr_corpus, folder_with, graph_of, json, nblint, notebook, status, stderr,
    stdout,
};

#[test]
fn json_has_the_contract_shape_and_backward_edges() {
    let (output, graph) = graph_of("fixtures/graph/defined_below_is_backward_edge.ipynb");
    for cell in graph["cells"].as_array().unwrap() {
        for key in ["cell", "kind", "execution_count", "defines", "uses"] {
            assert!(cell.get(key).is_some(), "cell without `{key}`: {cell}");
        }
    }
    let edges = graph["edges"].as_array().unwrap();
    assert!(!edges.is_empty());
    for edge in edges {
        for key in ["from", "to", "names", "backward"] {
            assert!(edge.get(key).is_some(), "edge without `{key}`: {edge}");
        }
    }
    assert!(
        edges.iter().any(|edge| edge["backward"] == true),
        "no backward edge: {edges:?}"
    );
    insta::assert_snapshot!(stdout(&output));
}

#[test]
fn dot_and_mermaid_label_cells_and_mark_backward_edges() {
    let path = "fixtures/graph/defined_below_is_backward_edge.ipynb";
    let dot = nblint(&["graph", path, "--format", "dot"]);
    assert_eq!(status(&dot), 0);
    let dot = stdout(&dot);
    assert!(dot.starts_with("digraph"), "{dot}");
    assert_contains(&dot, "cell 1");
    assert!(dot.contains("dashed"), "backward edges are dashed: {dot}");
    insta::assert_snapshot!("dot", dot);
    let mermaid = nblint(&["graph", path, "--format", "mermaid"]);
    assert_eq!(status(&mermaid), 0);
    let mermaid = stdout(&mermaid);
    assert!(mermaid.starts_with("flowchart"), "{mermaid}");
    insta::assert_snapshot!("mermaid", mermaid);
}

#[test]
fn a_broken_file_exits_2_naming_it() {
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(folder.path().join("broken.ipynb"), "{\"cells\": [").unwrap();
    let output = super::nblint_in(folder.path(), &["graph", "broken.ipynb"]);
    assert_eq!(status(&output), 2);
    assert_contains(&stderr(&output), "broken.ipynb");
    let missing = super::nblint_in(folder.path(), &["graph", "missing.ipynb"]);
    assert_eq!(status(&missing), 2);
    assert!(stderr(&missing).contains("missing.ipynb"));
}

#[test]
fn python_notebooks_and_the_language_option() {
    let text = notebook(
        "python",
        &["import numpy as np\nx = np.zeros(3)", "y = x + 1\n"],
    );
    let folder = folder_with("p.ipynb", &text);
    let output = super::nblint_in(folder.path(), &["graph", "p.ipynb"]);
    assert_eq!(status(&output), 0, "{}", stderr(&output));
    let graph: serde_json::Value = json(&output);
    assert_eq!(graph["edges"][0]["names"][0], "x");

    // Unknown kernel: no edges and a note; `--language python` reads it anyway.
    let other = text.replace("\"python\"", "\"julia\"");
    std::fs::write(folder.path().join("j.ipynb"), other).unwrap();
    let output = super::nblint_in(folder.path(), &["graph", "j.ipynb"]);
    assert_eq!(status(&output), 0);
    assert_contains(&stderr(&output), "not analysed");
    let output = super::nblint_in(folder.path(), &["graph", "j.ipynb", "--language", "python"]);
    let graph: serde_json::Value = json(&output);
    assert_eq!(graph["edges"][0]["names"][0], "x");
    let bad = super::nblint_in(folder.path(), &["graph", "j.ipynb", "--language", "cobol"]);
    assert_eq!(status(&bad), 2);
}

#[test]
fn every_corpus_notebook_graphs_without_a_panic() {
    for path in evcxr_corpus() {
        for format in ["json", "dot", "mermaid"] {
            let output = nblint(&["graph", path.to_str().unwrap(), "--format", format]);
            let code = status(&output);
            assert!(
                code == 0 || (code == 2 && !stderr(&output).is_empty()),
                "{}: exit {code}\n{}",
                path.display(),
                stderr(&output)
            );
        }
    }
}
