//! The graph as text: JSON (the fixed contract), Graphviz DOT and Mermaid.

use std::fmt::Write;

use nblint_notebook::{CellKind, Notebook};
use serde::Serialize;

use crate::Graph;

#[derive(Serialize)]
struct JsonGraph<'a> {
    cells: Vec<JsonCell<'a>>,
    edges: Vec<JsonEdge<'a>>,
}

#[derive(Serialize)]
struct JsonCell<'a> {
    cell: usize,
    kind: &'a str,
    execution_count: Option<i64>,
    defines: &'a [String],
    uses: &'a [String],
}

#[derive(Serialize)]
struct JsonEdge<'a> {
    from: usize,
    to: usize,
    names: &'a [String],
    backward: bool,
}

/// The graph as JSON:
/// `{"cells": [{"cell", "kind", "execution_count", "defines", "uses"}], "edges": [{"from",
/// "to", "names", "backward"}]}`, pretty-printed, with a final newline.
pub fn to_json(graph: &Graph) -> String {
    let value = JsonGraph {
        cells: (1..=graph.cell_count())
            .map(|number| JsonCell {
                cell: number,
                kind: graph.kind(number).map_or("code", CellKind::as_str),
                execution_count: graph.execution_count(number),
                defines: graph.defined_names(number),
                uses: graph.used_names(number),
            })
            .collect(),
        edges: graph
            .edges()
            .map(|edge| JsonEdge {
                from: edge.from,
                to: edge.to,
                names: &edge.names,
                backward: edge.backward,
            })
            .collect(),
    };
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    text
}

/// A short label for a cell: `cell N` and its first non-blank line, shortened.
fn cell_label(notebook: &Notebook, number: usize) -> String {
    let first_line = notebook
        .cell(number)
        .and_then(|cell| {
            cell.source
                .lines()
                .map(str::trim)
                .find(|line| !line.is_empty())
        })
        .unwrap_or("");
    let mut short: String = first_line.chars().take(32).collect();
    if first_line.chars().count() > 32 {
        short.push('…');
    }
    if short.is_empty() {
        format!("cell {number}")
    } else {
        format!("cell {number}: {short}")
    }
}

/// The graph in Graphviz DOT. Code cells are boxes labelled `cell N: first line`; edges are
/// labelled with their names; backward edges are red and dashed.
pub fn to_dot(graph: &Graph, notebook: &Notebook) -> String {
    let mut out = String::from(
        "digraph notebook {\n  rankdir=TB;\n  node [shape=box, fontname=\"monospace\"];\n",
    );
    for number in code_cells(graph) {
        let _ = writeln!(
            out,
            "  cell{number} [label={}];",
            dot_string(&cell_label(notebook, number))
        );
    }
    for edge in graph.edges() {
        let style = if edge.backward {
            ", color=red, fontcolor=red, style=dashed"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "  cell{} -> cell{} [label={}{style}];",
            edge.from,
            edge.to,
            dot_string(&edge.names.join(", "))
        );
    }
    out.push_str("}\n");
    out
}

/// The graph as a Mermaid flowchart. Backward edges are dotted and marked `backward`.
pub fn to_mermaid(graph: &Graph, notebook: &Notebook) -> String {
    let mut out = String::from("flowchart TD\n");
    for number in code_cells(graph) {
        let _ = writeln!(
            out,
            "  cell{number}[\"{}\"]",
            mermaid_text(&cell_label(notebook, number))
        );
    }
    for edge in graph.edges() {
        let names = mermaid_text(&edge.names.join(", "));
        if edge.backward {
            let _ = writeln!(
                out,
                "  cell{} -. \"{names} (backward)\" .-> cell{}",
                edge.from, edge.to
            );
        } else {
            let _ = writeln!(
                out,
                "  cell{} -- \"{names}\" --> cell{}",
                edge.from, edge.to
            );
        }
    }
    out
}

fn code_cells(graph: &Graph) -> impl Iterator<Item = usize> + '_ {
    (1..=graph.cell_count()).filter(|number| graph.kind(*number) == Some(&CellKind::Code))
}

fn dot_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for ch in text.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            _ => out.push(ch),
        }
    }
    out.push('"');
    out
}

/// Mermaid labels are quoted; a double quote inside becomes `#quot;`, and characters Mermaid
/// treats as markup are entity-escaped.
fn mermaid_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            _ => out.push(ch),
        }
    }
    out
}
