//! The cross-cell variable dependency graph of a notebook, and the queries the linter and the
//! extractor ask of it: where each use gets its value (the nearest definition above, or only
//! one below), names defined nowhere, definitions never used, names bound in several cells,
//! values changed by cells that did not define them.
//!
//! This crate sees only [`nblint_facts`]: it never names a parser's types, so every cell
//! language gets the same graph. Building is linear in the number of cells plus names.

mod render;

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};

use nblint_facts::{
    BranchGuard, CellFacts, DefinitionKind, ItemKey, MutationKind, NotebookFacts, Span,
};
use nblint_notebook::{CellKind, Notebook};
use petgraph::Direction;
use petgraph::graph::{DiGraph, NodeIndex};

pub use render::{to_dot, to_json, to_mermaid};

/// Where a cell's use of a name gets its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    /// From the nearest cell above that defines it (its reaching definition).
    Above(usize),
    /// No cell above defines it; the nearest cell below does. Works only if that cell ran
    /// first.
    Below(usize),
    /// A builtin of the cell language (prelude, builtins).
    Builtin,
    /// Defined nowhere in the notebook.
    Unresolved,
}

/// One name used by one cell, resolved. There is one per (cell, name), at its first use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedUse {
    /// One-based cell number of the user.
    pub cell: usize,
    /// The name.
    pub name: String,
    /// The first use in the cell.
    pub span: Span,
    /// Where the value comes from.
    pub resolution: Resolution,
}

/// An edge `from → to`: cell `to` uses names that cell `from` defines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edge {
    /// One-based number of the defining cell.
    pub from: usize,
    /// One-based number of the using cell.
    pub to: usize,
    /// The names, in order of first use in `to`.
    pub names: Vec<String>,
    /// The definition is below the use (no cell above defines the name).
    pub backward: bool,
}

/// A cell that changes a value defined in another cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrossCellMutation {
    /// One-based number of the cell that changes the value.
    pub cell: usize,
    /// The name changed.
    pub name: String,
    /// One-based number of the cell whose definition it changes.
    pub defined_in: usize,
    /// How it is changed.
    pub kind: MutationKind,
    /// The evidence in `cell`.
    pub span: Span,
    /// The comparison with a constant the change needs to hold ([`Mutation::guard`]).
    pub guard: Option<BranchGuard>,
    /// The items of the value the change touches ([`Mutation::items`]); empty for the whole.
    pub items: Vec<ItemKey>,
    /// The literal key the change adds where it is missing ([`Mutation::adds`]).
    pub adds: Option<ItemKey>,
    /// Made inside `with NAME:` of the changed name itself ([`Mutation::in_own_context`]).
    pub in_own_context: bool,
}

/// A top-level definition, located.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DefinitionSite {
    /// One-based cell number.
    pub cell: usize,
    /// Index into that cell's [`CellFacts::defines`].
    pub index: usize,
}

/// The dependency graph of one notebook.
///
/// The edges live in one place, a petgraph [`DiGraph`] with a node per cell (node `i` is cell
/// `i + 1`, markdown and raw cells included) and an [`Edge`] as each edge's weight; the
/// queries about edges walk it.
#[derive(Debug, Clone)]
pub struct Graph {
    cell_count: usize,
    kinds: Vec<CellKind>,
    execution_counts: Vec<Option<i64>>,
    defined_names: Vec<Vec<String>>,
    used_names: Vec<Vec<String>>,
    uses: Vec<ResolvedUse>,
    used_definitions: HashSet<(usize, String)>,
    /// For each name a function body reads ([`nblint_facts::NameUse::deferred`]), the first
    /// cell that reads it so.
    first_deferred_read: HashMap<String, usize>,
    /// Node weights are cell numbers; edges were added in the order [`Graph::edges`]
    /// promises, so petgraph's edge order is that order.
    graph: DiGraph<usize, Edge>,
}

impl Graph {
    /// Builds the graph of `notebook` from its cells' `facts`; `is_builtin` tells which names
    /// the cell language always defines.
    pub fn build(
        notebook: &Notebook,
        facts: &NotebookFacts,
        is_builtin: &dyn Fn(&str) -> bool,
    ) -> Self {
        let cells = notebook.cells();
        let cell_facts = |index: usize| facts.cells.get(index).and_then(Option::as_ref);

        // Top to bottom: each use resolves to the nearest definition above.
        let mut reaching: HashMap<&str, usize> = HashMap::new();
        // Earlier definitions that still reach because every cell since bound the name only
        // conditionally (`if ...: x = 1`): a use takes its value from one of them or from the
        // nearest. Each definition enters once and leaves at the first use, so this stays
        // linear.
        let mut also_reaching: HashMap<&str, Vec<usize>> = HashMap::new();
        let mut also_used: Vec<(usize, String)> = Vec::new();
        let mut first_deferred_read: HashMap<String, usize> = HashMap::new();
        let mut uses = Vec::new();
        let mut pending_below: Vec<usize> = Vec::new();
        // Those of them that are a macro's name (see `NameUse::macro_call`).
        let mut macro_uses: HashSet<usize> = HashSet::new();
        let mut defined_names = Vec::with_capacity(cells.len());
        let mut used_names = Vec::with_capacity(cells.len());
        for (index, cell) in cells.iter().enumerate() {
            let Some(cell_facts) = cell_facts(index) else {
                defined_names.push(Vec::new());
                used_names.push(Vec::new());
                continue;
            };
            let read_by_functions = cell_facts
                .uses
                .iter()
                .filter(|use_| use_.deferred)
                .map(|use_| &use_.name)
                .chain(
                    cell_facts
                        .defines
                        .iter()
                        .filter(|definition| definition.read_by_function)
                        .map(|definition| &definition.name),
                );
            for name in read_by_functions {
                first_deferred_read
                    .entry(name.clone())
                    .or_insert(cell.number);
            }
            let mut names = Vec::new();
            for (name, span, macro_call) in first_uses(cell_facts) {
                let resolution = match reaching.get(name) {
                    // `let df = ..` above `df![..]`: a variable is no macro, which comes from
                    // where nblint cannot see (a glob import, a crate's prelude).
                    Some(&from) if macro_call && !names_a_macro(facts, from, name) => {
                        Resolution::Builtin
                    }
                    Some(&from) => {
                        if let Some(earlier) = also_reaching.remove(name) {
                            also_used
                                .extend(earlier.into_iter().map(|cell| (cell, name.to_owned())));
                        }
                        Resolution::Above(from)
                    }
                    None if is_builtin(name) => Resolution::Builtin,
                    None => {
                        if macro_call {
                            macro_uses.insert(uses.len());
                        }
                        pending_below.push(uses.len());
                        Resolution::Unresolved
                    }
                };
                if resolution != Resolution::Builtin {
                    names.push(name.to_owned());
                }
                uses.push(ResolvedUse {
                    cell: cell.number,
                    name: name.to_owned(),
                    span,
                    resolution,
                });
            }
            used_names.push(names);
            let defined: Vec<String> = cell_facts
                .defined_names()
                .into_iter()
                .map(str::to_owned)
                .collect();
            // A name the cell binds on every path replaces what reached it; one it binds
            // only on some paths adds itself in front of it.
            let mut only_conditional: HashMap<&str, bool> = HashMap::new();
            for definition in &cell_facts.defines {
                *only_conditional
                    .entry(definition.name.as_str())
                    .or_insert(true) &= definition.conditional;
            }
            for definition in &cell_facts.defines {
                let name = definition.name.as_str();
                let Some(conditional) = only_conditional.remove(name) else {
                    continue;
                };
                let previous = reaching.insert(name, cell.number);
                if conditional {
                    if let Some(previous) = previous {
                        also_reaching.entry(name).or_default().push(previous);
                    }
                } else {
                    also_reaching.remove(name);
                }
            }
            defined_names.push(defined);
        }

        // Bottom to top: uses with nothing above take the nearest definition below.
        if !pending_below.is_empty() {
            let mut pending_by_cell: HashMap<usize, Vec<usize>> = HashMap::new();
            for use_index in pending_below {
                pending_by_cell
                    .entry(uses[use_index].cell)
                    .or_default()
                    .push(use_index);
            }
            let mut nearest_below: HashMap<&str, usize> = HashMap::new();
            for (index, cell) in cells.iter().enumerate().rev() {
                if let Some(waiting) = pending_by_cell.get(&cell.number) {
                    for &use_index in waiting {
                        if let Some(&from) = nearest_below.get(uses[use_index].name.as_str()) {
                            uses[use_index].resolution = if macro_uses.contains(&use_index)
                                && !names_a_macro(facts, from, &uses[use_index].name)
                            {
                                Resolution::Builtin
                            } else {
                                Resolution::Below(from)
                            };
                        }
                    }
                }
                if let Some(cell_facts) = cell_facts(index) {
                    for definition in &cell_facts.defines {
                        nearest_below.insert(&definition.name, cell.number);
                    }
                }
            }
        }

        let used_definitions = uses
            .iter()
            .filter_map(|use_| match use_.resolution {
                Resolution::Above(from) | Resolution::Below(from) => {
                    Some((from, use_.name.clone()))
                }
                Resolution::Builtin | Resolution::Unresolved => None,
            })
            .chain(also_used)
            .collect();

        let edges = collect_edges(&uses);
        let mut graph = DiGraph::with_capacity(cells.len(), edges.len());
        for cell in cells {
            graph.add_node(cell.number);
        }
        for edge in edges {
            // Cell numbers count every cell from 1, so cell `n` is node `n - 1`.
            graph.add_edge(
                NodeIndex::new(edge.from - 1),
                NodeIndex::new(edge.to - 1),
                edge,
            );
        }

        Self {
            cell_count: cells.len(),
            kinds: cells.iter().map(|cell| cell.kind.clone()).collect(),
            execution_counts: cells.iter().map(|cell| cell.execution_count).collect(),
            defined_names,
            used_names,
            uses,
            used_definitions,
            first_deferred_read,
            graph,
        }
    }

    /// Number of cells (all kinds).
    pub fn cell_count(&self) -> usize {
        self.cell_count
    }

    /// The kind of cell `number`.
    pub fn kind(&self, number: usize) -> Option<&CellKind> {
        self.kinds.get(number.checked_sub(1)?)
    }

    /// The stored execution count of cell `number`.
    pub fn execution_count(&self, number: usize) -> Option<i64> {
        self.execution_counts
            .get(number.checked_sub(1)?)
            .copied()
            .flatten()
    }

    /// Distinct names cell `number` defines, in order.
    pub fn defined_names(&self, number: usize) -> &[String] {
        number
            .checked_sub(1)
            .and_then(|index| self.defined_names.get(index))
            .map_or(&[], Vec::as_slice)
    }

    /// Distinct names cell `number` takes from outside itself (builtins left out), in order.
    pub fn used_names(&self, number: usize) -> &[String] {
        number
            .checked_sub(1)
            .and_then(|index| self.used_names.get(index))
            .map_or(&[], Vec::as_slice)
    }

    /// Every (cell, name) use, resolved, in cell order.
    pub fn uses(&self) -> &[ResolvedUse] {
        &self.uses
    }

    /// The edges, ordered by using cell, then defining cell.
    pub fn edges(&self) -> impl ExactSizeIterator<Item = &Edge> + DoubleEndedIterator {
        self.graph.raw_edges().iter().map(|edge| &edge.weight)
    }

    /// Uses whose name no cell defines and that are not builtins.
    pub fn unresolved_uses(&self) -> impl Iterator<Item = &ResolvedUse> {
        self.uses
            .iter()
            .filter(|use_| use_.resolution == Resolution::Unresolved)
    }

    /// Uses whose only definitions are in cells below.
    pub fn uses_defined_only_below(&self) -> impl Iterator<Item = &ResolvedUse> {
        self.uses
            .iter()
            .filter(|use_| matches!(use_.resolution, Resolution::Below(_)))
    }

    /// Whether any cell uses the definition of `name` made in cell `cell`: it is the reaching
    /// definition of some use, above or below it, or it still reaches a use above which only
    /// conditional bindings of the name ([`nblint_facts::Definition::conditional`]) stand,
    /// or a function body defined in this cell or above reads the name: the function reads
    /// whichever definition is current when it is called, which may be this one.
    pub fn is_used(&self, cell: usize, name: &str) -> bool {
        self.first_deferred_read
            .get(name)
            .is_some_and(|&first| first <= cell)
            || self.used_definitions.contains(&(cell, name.to_owned()))
    }

    /// Top-level definitions that no other cell uses and that are not used later in their
    /// own cell. A name defined twice in one cell is reported once, at its last definition.
    pub fn unused_definitions<'a>(
        &'a self,
        facts: &'a NotebookFacts,
    ) -> impl Iterator<Item = DefinitionSite> + 'a {
        facts
            .cells
            .iter()
            .enumerate()
            .filter_map(|(index, cell)| cell.as_ref().map(|cell| (index + 1, cell)))
            .flat_map(move |(number, cell)| {
                let mut last_index: HashMap<&str, usize> = HashMap::new();
                let mut used_in_cell: HashSet<&str> = HashSet::new();
                for (index, definition) in cell.defines.iter().enumerate() {
                    last_index.insert(&definition.name, index);
                    if definition.used_in_cell {
                        used_in_cell.insert(&definition.name);
                    }
                }
                let mut sites: Vec<DefinitionSite> = last_index
                    .into_iter()
                    .filter(|(name, _)| !used_in_cell.contains(name) && !self.is_used(number, name))
                    .map(|(_, index)| DefinitionSite {
                        cell: number,
                        index,
                    })
                    .collect();
                sites.sort_by_key(|site| site.index);
                sites
            })
    }

    /// Names bound as variables at the top level of more than one cell, with those cells in
    /// order (each cell once).
    pub fn variables_bound_in_several_cells(facts: &NotebookFacts) -> Vec<(String, Vec<usize>)> {
        let mut cells_by_name: HashMap<&str, Vec<usize>> = HashMap::new();
        let mut order: Vec<&str> = Vec::new();
        for (index, cell) in facts.cells.iter().enumerate() {
            let Some(cell) = cell else { continue };
            for definition in &cell.defines {
                if definition.kind != DefinitionKind::Variable {
                    continue;
                }
                let cells = cells_by_name.entry(&definition.name).or_insert_with(|| {
                    order.push(&definition.name);
                    Vec::new()
                });
                if cells.last() != Some(&(index + 1)) {
                    cells.push(index + 1);
                }
            }
        }
        order
            .into_iter()
            .filter_map(|name| {
                let cells = cells_by_name.remove(name)?;
                (cells.len() > 1).then(|| (name.to_owned(), cells))
            })
            .collect()
    }

    /// Cells that change in place a value another cell defined. A change that needs a
    /// mutable binding (a method call in Rust) counts only when the defining binding is one.
    pub fn cross_cell_mutations(&self, facts: &NotebookFacts) -> Vec<CrossCellMutation> {
        let mut found = Vec::new();
        let resolution: HashMap<(usize, &str), Resolution> = self
            .uses
            .iter()
            .map(|use_| ((use_.cell, use_.name.as_str()), use_.resolution))
            .collect();
        for (index, cell) in facts.cells.iter().enumerate() {
            let Some(cell) = cell else { continue };
            let number = index + 1;
            for mutation in &cell.mutations {
                let defined_in = match resolution.get(&(number, mutation.name.as_str())) {
                    Some(Resolution::Above(from) | Resolution::Below(from)) => *from,
                    _ => continue,
                };
                if defined_in == number {
                    continue;
                }
                let definition = last_definition(facts, defined_in, &mutation.name);
                if mutation.requires_mutable_binding
                    && !definition.is_some_and(|definition| definition.mutable)
                {
                    continue;
                }
                if mutation.requires_container.is_some()
                    && definition.and_then(|definition| definition.container)
                        != mutation.requires_container
                {
                    continue;
                }
                // `t[2] = [4]` on a tuple raises: nothing changes.
                if mutation.raises_on.is_some()
                    && definition.and_then(|definition| definition.container) == mutation.raises_on
                {
                    continue;
                }
                found.push(CrossCellMutation {
                    cell: number,
                    name: mutation.name.clone(),
                    defined_in,
                    kind: mutation.kind.clone(),
                    span: mutation.span,
                    guard: mutation.guard.clone(),
                    items: mutation.items.clone(),
                    adds: mutation.adds.clone(),
                    in_own_context: mutation.in_own_context,
                });
            }
        }
        found
    }

    /// Whether every use gets its value from a cell above: the notebook runs top to bottom
    /// after a restart, as far as names go.
    pub fn runs_top_to_bottom(&self) -> bool {
        self.edges().all(|edge| !edge.backward)
    }

    /// An order of the cells that satisfies every edge (definitions before uses), or `None`
    /// when the edges form a cycle. Cells keep document order where edges allow: of the cells
    /// whose definitions have all run, the lowest-numbered runs next.
    pub fn dependency_order(&self) -> Option<Vec<usize>> {
        // petgraph decides whether an order exists. Its order is a depth-first finishing
        // order, which can move cells no edge forces to move, so the order itself comes from
        // a walk over the same graph that always takes the lowest-numbered ready cell.
        petgraph::algo::toposort(&self.graph, None).ok()?;
        let mut waiting_on: Vec<usize> = self
            .graph
            .node_indices()
            .map(|node| {
                self.graph
                    .neighbors_directed(node, Direction::Incoming)
                    .count()
            })
            .collect();
        let mut ready: BinaryHeap<Reverse<NodeIndex>> = self
            .graph
            .externals(Direction::Incoming)
            .map(Reverse)
            .collect();
        let mut order = Vec::with_capacity(self.cell_count);
        while let Some(Reverse(node)) = ready.pop() {
            order.push(self.graph[node]);
            for next in self.graph.neighbors_directed(node, Direction::Outgoing) {
                waiting_on[next.index()] -= 1;
                if waiting_on[next.index()] == 0 {
                    ready.push(Reverse(next));
                }
            }
        }
        debug_assert_eq!(order.len(), self.cell_count, "toposort found no cycle");
        Some(order)
    }
}

/// The first use of each distinct name in a cell, in order, apart for a macro's name and a
/// value's (`df![..]` and `df`), with whether it is a macro's.
fn first_uses(facts: &CellFacts) -> impl Iterator<Item = (&str, Span, bool)> {
    let mut seen = HashSet::new();
    facts
        .uses
        .iter()
        .filter(move |use_| seen.insert((use_.name.as_str(), use_.macro_call)))
        .map(|use_| (use_.name.as_str(), use_.span, use_.macro_call))
}

/// Whether the binding of `name` that cell `cell` leaves can be a macro: a `macro_rules!`
/// item, or an import or crate (which may bring one in).
fn names_a_macro(facts: &NotebookFacts, cell: usize, name: &str) -> bool {
    last_definition(facts, cell, name).is_none_or(|definition| {
        matches!(
            definition.kind,
            DefinitionKind::Macro | DefinitionKind::Import | DefinitionKind::Dependency
        )
    })
}

/// The last binding of `name` in `cell`: the one later cells see.
fn last_definition<'a>(
    facts: &'a NotebookFacts,
    cell: usize,
    name: &str,
) -> Option<&'a nblint_facts::Definition> {
    facts.cell(cell).and_then(|cell| {
        cell.defines
            .iter()
            .rev()
            .find(|definition| definition.name == name)
    })
}

fn collect_edges(uses: &[ResolvedUse]) -> Vec<Edge> {
    let mut index_of: HashMap<(usize, usize, bool), usize> = HashMap::new();
    let mut edges: Vec<Edge> = Vec::new();
    for use_ in uses {
        let (from, backward) = match use_.resolution {
            Resolution::Above(from) => (from, false),
            Resolution::Below(from) => (from, true),
            Resolution::Builtin | Resolution::Unresolved => continue,
        };
        let key = (from, use_.cell, backward);
        let index = *index_of.entry(key).or_insert_with(|| {
            edges.push(Edge {
                from,
                to: use_.cell,
                names: Vec::new(),
                backward,
            });
            edges.len() - 1
        });
        edges[index].names.push(use_.name.clone());
    }
    edges.sort_by_key(|edge| (edge.to, edge.from, edge.backward));
    edges
}

#[cfg(test)]
mod tests;
