//! Graph tests over a toy cell language, so they do not depend on any real front end:
//! each line is `let NAME`, `let mut NAME`, `if let NAME` (a binding on some paths only),
//! `fn NAME`, `use NAME`, `macro NAME` (a macro called), `macro_rules NAME`, `assign NAME` or
//! `call NAME` (a method call that needs a mutable binding).

use super::*;
use nblint_facts::{CellFrontend, Definition, Language, Mutation, NameUse};

struct Toy;

impl CellFrontend for Toy {
    fn language(&self) -> Language {
        Language::Other("toy".into())
    }

    fn analyze(&self, source: &str) -> CellFacts {
        let mut facts = CellFacts::default();
        let mut offset = 0;
        for line in source.split_inclusive('\n') {
            let span = Span::new(offset, offset + line.trim_end().len());
            offset += line.len();
            let words: Vec<&str> = line.split_whitespace().collect();
            let define = |facts: &mut CellFacts, name: &str, kind, mutable| {
                facts.defines.push(Definition {
                    mutable,
                    ..Definition::new(name, kind, span)
                });
            };
            match words.as_slice() {
                ["if", "let", name] => {
                    define(&mut facts, name, DefinitionKind::Variable, false);
                    if let Some(definition) = facts.defines.last_mut() {
                        definition.conditional = true;
                    }
                }
                ["let", "mut", name] => define(&mut facts, name, DefinitionKind::Variable, true),
                ["let", name] => define(&mut facts, name, DefinitionKind::Variable, false),
                ["fn", name] => define(&mut facts, name, DefinitionKind::Function, false),
                ["use", name] => facts.uses.push(NameUse::new(*name, span)),
                ["macro", name] => facts.uses.push(NameUse {
                    macro_call: true,
                    ..NameUse::new(*name, span)
                }),
                ["macro_rules", name] => define(&mut facts, name, DefinitionKind::Macro, false),
                ["assign" | "call", name] => {
                    facts.uses.push(NameUse::new(*name, span));
                    facts.mutations.push(Mutation {
                        name: (*name).into(),
                        kind: if words[0] == "assign" {
                            MutationKind::Assign
                        } else {
                            MutationKind::MethodCall {
                                method: "push".into(),
                            }
                        },
                        span,
                        requires_mutable_binding: words[0] == "call",
                        guard: None,
                        requires_container: None,
                        raises_on: None,
                        items: Vec::new(),
                        in_own_context: false,
                        adds: None,
                    });
                }
                _ => {}
            }
        }
        facts
    }

    fn is_builtin(&self, name: &str) -> bool {
        name == "Vec"
    }

    fn vocabulary(&self) -> &'static nblint_facts::Vocabulary {
        &nblint_facts::Vocabulary::UNREAD
    }
}

fn notebook(cells: &[&str]) -> Notebook {
    let notebook = cells.iter().fold(
        nblint_testing::NotebookBuilder::bare(),
        |notebook, source| match source.strip_prefix("# ") {
            Some(markdown) => notebook.markdown(markdown),
            None => notebook.code(source),
        },
    );
    Notebook::parse(&notebook.bytes()).unwrap()
}

fn build(cells: &[&str]) -> (Notebook, NotebookFacts, Graph) {
    let notebook = notebook(cells);
    let facts = NotebookFacts::analyze(&notebook, &Toy);
    let graph = Graph::build(&notebook, &facts, &|name| Toy.is_builtin(name));
    (notebook, facts, graph)
}

fn edges(graph: &Graph) -> Vec<(usize, usize, String, bool)> {
    graph
        .edges()
        .map(|edge| (edge.from, edge.to, edge.names.join(","), edge.backward))
        .collect()
}

#[test]
fn uses_take_the_nearest_definition_above() {
    let (_, _, graph) = build(&["let a\nlet b", "# notes", "let a", "use a\nuse b\nuse Vec"]);
    assert_eq!(
        edges(&graph),
        vec![(1, 4, "b".into(), false), (3, 4, "a".into(), false)]
    );
    assert_eq!(graph.used_names(4), ["a", "b"], "builtins are left out");
    assert!(graph.runs_top_to_bottom());
}

#[test]
fn a_macros_name_reaches_only_macros_and_imports() {
    // `let df = df![..]` twice: the macro reads no variable `df`, above or below.
    let (_, _, graph) = build(&["let df", "macro df\nlet df", "macro df"]);
    assert_eq!(edges(&graph), vec![]);
    let (_, _, graph) = build(&["macro df", "let df"]);
    assert_eq!(edges(&graph), vec![]);
    // A `macro_rules!` item of the name is what it reads.
    let (_, _, graph) = build(&["macro_rules df", "let x", "macro df\nuse x"]);
    assert_eq!(
        edges(&graph),
        vec![(1, 3, "df".into(), false), (2, 3, "x".into(), false)]
    );
}

#[test]
fn a_name_defined_only_below_is_a_backward_edge_to_the_nearest_below() {
    let (_, _, graph) = build(&["use a", "let a", "let a"]);
    assert_eq!(edges(&graph), vec![(2, 1, "a".into(), true)]);
    let below: Vec<_> = graph.uses_defined_only_below().collect();
    assert_eq!(below.len(), 1);
    assert_eq!(below[0].resolution, Resolution::Below(2));
    assert!(!graph.runs_top_to_bottom());
}

#[test]
fn a_use_before_the_cells_own_definition_comes_from_above() {
    // `let x = x + 1`: the use is resolved before the cell's own definitions count.
    let (_, _, graph) = build(&["let x", "use x\nlet x", "use x"]);
    assert_eq!(
        edges(&graph),
        vec![(1, 2, "x".into(), false), (2, 3, "x".into(), false)]
    );
}

#[test]
fn names_defined_nowhere_are_unresolved() {
    let (_, _, graph) = build(&["use ghost\nuse Vec"]);
    let unresolved: Vec<_> = graph
        .unresolved_uses()
        .map(|use_| use_.name.as_str())
        .collect();
    assert_eq!(unresolved, ["ghost"]);
    assert_eq!(graph.edges().len(), 0);
}

#[test]
fn unused_definitions_and_redefinitions() {
    let (_, facts, graph) = build(&["let a\nlet b\nfn f", "let a", "use a"]);
    let unused: Vec<(usize, String)> = graph
        .unused_definitions(&facts)
        .map(|site| {
            (
                site.cell,
                facts.cell(site.cell).unwrap().defines[site.index]
                    .name
                    .clone(),
            )
        })
        .collect();
    assert_eq!(
        unused,
        vec![(1, "a".into()), (1, "b".into()), (1, "f".into())]
    );
    assert_eq!(
        Graph::variables_bound_in_several_cells(&facts),
        vec![("a".to_owned(), vec![1, 2])]
    );
}

fn unused(cells: &[&str]) -> Vec<(usize, String)> {
    let (_, facts, graph) = build(cells);
    graph
        .unused_definitions(&facts)
        .map(|site| {
            (
                site.cell,
                facts.cell(site.cell).unwrap().defines[site.index]
                    .name
                    .clone(),
            )
        })
        .collect()
}

#[test]
fn a_conditional_binding_does_not_replace_the_one_above() {
    // Cell 3 reads `a` from cell 2 if its condition held, else from cell 1: both are used.
    assert_eq!(unused(&["let a", "if let a", "use a"]), vec![]);
    // A chain of conditional bindings all reach the use.
    assert_eq!(unused(&["let a", "if let a", "if let a", "use a"]), vec![]);
    // A binding on every path replaces everything above it.
    assert_eq!(
        unused(&["let a", "if let a", "let a", "use a"]),
        vec![(1, "a".into()), (2, "a".into())]
    );
    // A cell that binds the name both ways binds it on every path.
    assert_eq!(
        unused(&["let a", "let a\nif let a", "use a"]),
        vec![(1, "a".into())]
    );
    // The edge still comes from the nearest definition.
    let (_, _, graph) = build(&["let a", "if let a", "use a"]);
    assert_eq!(edges(&graph), vec![(2, 3, "a".into(), false)]);
}

#[test]
fn a_name_a_function_body_reads_is_used_by_every_later_definition() {
    let notebook = notebook(&["let a", "let a", "fn f", "let a", "let b"]);
    let mut facts = NotebookFacts::analyze(&notebook, &Toy);
    // Cell 3's function body reads `a` when it is called, after any later cell.
    if let Some(Some(cell)) = facts.cells.get_mut(2) {
        cell.uses.push(NameUse {
            deferred: true,
            ..NameUse::new("a", Span::new(0, 4))
        });
    }
    let graph = Graph::build(&notebook, &facts, &|name| Toy.is_builtin(name));
    let unused: Vec<(usize, String)> = graph
        .unused_definitions(&facts)
        .map(|site| {
            let name = &facts.cell(site.cell).unwrap().defines[site.index].name;
            (site.cell, name.clone())
        })
        .collect();
    // Cell 1's `a` is replaced before the function exists; cell 2's reaches it; cell 4's
    // may be the one it reads.
    assert_eq!(
        unused,
        vec![(1, "a".into()), (3, "f".into()), (5, "b".into())]
    );
}

#[test]
fn a_function_reading_its_own_cells_binding_reads_later_ones_too() {
    // Cell 1 defines a function and the name its body reads; cell 2 defines the name again.
    let notebook = notebook(&["fn life\nfn step", "fn step", "use life"]);
    let mut facts = NotebookFacts::analyze(&notebook, &Toy);
    if let Some(Some(cell)) = facts.cells.first_mut() {
        cell.defines[1].used_in_cell = true;
        cell.defines[1].read_by_function = true;
    }
    let graph = Graph::build(&notebook, &facts, &|name| Toy.is_builtin(name));
    assert_eq!(graph.unused_definitions(&facts).count(), 0);
    assert!(graph.is_used(2, "step"));
}

#[test]
fn method_calls_mutate_only_mutable_bindings() {
    let (_, facts, graph) = build(&["let mut v\nlet w\nlet z", "call v\ncall w\nassign z"]);
    let found: Vec<(usize, String, usize)> = graph
        .cross_cell_mutations(&facts)
        .into_iter()
        .map(|mutation| (mutation.cell, mutation.name, mutation.defined_in))
        .collect();
    assert_eq!(found, vec![(2, "v".into(), 1), (2, "z".into(), 1)]);
}

#[test]
fn dependency_order_moves_only_what_edges_force() {
    let (_, _, graph) = build(&["use b", "let c", "let b", "use c"]);
    assert_eq!(graph.dependency_order(), Some(vec![2, 3, 1, 4]));
    // petgraph's own topological order would run cell 2 before cell 1 here.
    let (_, _, graph) = build(&["let a", "let b", "use a"]);
    assert_eq!(graph.dependency_order(), Some(vec![1, 2, 3]));
}

#[test]
fn dependency_order_is_none_for_a_cycle() {
    let (_, _, graph) = build(&["use b\nlet a", "use a\nlet b"]);
    assert_eq!(
        edges(&graph),
        vec![(2, 1, "b".into(), true), (1, 2, "a".into(), false)]
    );
    assert_eq!(graph.dependency_order(), None);
}

#[test]
fn renderers_show_cells_and_edges() {
    let (notebook, _, graph) = build(&["use a", "let a\nuse \"q\""]);
    let json: serde_json::Value = serde_json::from_str(&to_json(&graph)).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "cells": [
                {"cell": 1, "kind": "code", "execution_count": null, "defines": [], "uses": ["a"]},
                {"cell": 2, "kind": "code", "execution_count": null, "defines": ["a"], "uses": ["\"q\""]}
            ],
            "edges": [{"from": 2, "to": 1, "names": ["a"], "backward": true}]
        })
    );
    let dot = to_dot(&graph, &notebook);
    assert!(dot.contains("cell2 [label=\"cell 2: let a\"];"), "{dot}");
    assert!(
        dot.contains("cell2 -> cell1 [label=\"a\", color=red"),
        "{dot}"
    );
    let mermaid = to_mermaid(&graph, &notebook);
    assert!(
        mermaid.contains("cell2 -. \"a (backward)\" .-> cell1"),
        "{mermaid}"
    );
}
