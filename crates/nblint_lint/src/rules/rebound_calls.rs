//! Which definition of a function written again in a later cell a top-to-bottom run calls.
//!
//! A name bound in cells 10 and 36 (a solution, then the exercise's stub) calls cell 10's body
//! from cells 10 to 36 and cell 36's from then on: a stub whose name no cell calls after it
//! never runs, though the name is called. This follows the calls in time: each call reaches
//! the definition bound when it is made, and the reads in that body reach, in turn, the
//! definitions bound while the body can run.

use std::collections::{HashMap, HashSet};

use nblint_facts::{DefinitionKind, NotebookFacts};

/// A definition: the name and the cell (one-based) that binds it.
type Instance<'a> = (&'a str, usize);

/// When a call can be made: from cell `.0` to cell `.1` (inclusive; `usize::MAX`, to the
/// end).
type Times = (usize, usize);

/// The definitions of rebound functions a top-to-bottom run calls (see the module's doc).
pub(crate) struct ReboundCalls<'a> {
    /// For each name bound at the top level of more than one cell, those cells, ascending.
    bound_in: HashMap<&'a str, Vec<usize>>,
    /// The definitions some call reaches, over every name.
    reached: HashSet<Instance<'a>>,
}

/// How many steps, per read the walk follows, it takes before it gives up and counts every
/// definition of a rebound name as called (as without this test): the walk stays linear.
const STEPS_PER_READ: usize = 16;

impl<'a> ReboundCalls<'a> {
    /// Follows the notebook's calls in time, when some function or class bound in more
    /// than one cell reads names in its body; `None` otherwise, or when the walk grows past
    /// its bound.
    pub(crate) fn of(facts: &'a NotebookFacts) -> Option<Self> {
        let mut bound_in: HashMap<&'a str, Vec<usize>> = HashMap::new();
        // Each definition's body's reads: (name read, whether only as a callee).
        let mut body_reads: HashMap<Instance<'a>, Vec<(&'a str, bool)>> = HashMap::new();
        // The reads top-level code makes: (name, span of times a call through it is made).
        let mut roots: Vec<(&'a str, Times)> = Vec::new();
        let cells = || {
            facts
                .cells
                .iter()
                .enumerate()
                .filter_map(|(index, cell)| Some((index + 1, cell.as_ref()?)))
        };
        // First the bindings alone: most notebooks write no function or class again, and
        // then the reads need no second look.
        let mut with_body: HashSet<&'a str> = HashSet::new();
        for (number, cell) in cells() {
            for definition in &cell.defines {
                let cells = bound_in.entry(definition.name.as_str()).or_default();
                if cells.last() != Some(&number) {
                    cells.push(number);
                }
                if matches!(
                    definition.kind,
                    DefinitionKind::Function | DefinitionKind::Type
                ) {
                    with_body.insert(&definition.name);
                }
            }
        }
        bound_in.retain(|_, cells| cells.len() > 1);
        if !bound_in.keys().any(|name| with_body.contains(name)) {
            return None;
        }
        for (number, cell) in cells() {
            for use_ in &cell.uses {
                match use_.function.as_deref().filter(|_| use_.deferred) {
                    Some(function) if function == use_.name => {}
                    Some(function) => body_reads
                        .entry((function, number))
                        .or_default()
                        .push((&use_.name, use_.callee)),
                    // A call is made now; a name read otherwise (handed on, or read in a
                    // lambda) may be called from now to the end.
                    None if use_.callee && !use_.deferred => {
                        roots.push((&use_.name, (number, number)));
                    }
                    None => roots.push((&use_.name, (number, usize::MAX))),
                }
            }
            roots.extend(
                cell.local_calls
                    .iter()
                    .map(|(name, _)| (name.as_str(), (number, number))),
            );
            roots.extend(
                cell.functions_handed_on
                    .iter()
                    .map(|name| (name.as_str(), (number, usize::MAX))),
            );
            for (function, name) in &cell.function_reads {
                if function != name {
                    // A name this cell binds: a read other than a call hands it on, and
                    // the cell lists it in `functions_handed_on` (a root above), so here
                    // the read is a call made while the body runs.
                    body_reads
                        .entry((function.as_str(), number))
                        .or_default()
                        .push((name.as_str(), true));
                }
            }
        }
        // For each function or class, the cells whose definition of it has a body that reads.
        let mut bodies: HashMap<&'a str, Vec<usize>> = HashMap::new();
        for &(function, cell) in body_reads.keys() {
            bodies.entry(function).or_default().push(cell);
        }
        if !bound_in.keys().any(|name| bodies.contains_key(name)) {
            return None;
        }
        // The definitions of `name` a call may reach, each with when it holds the name: a
        // rebound name's from the cell that binds it to the next one that binds it again
        // (calls in that cell may come before the new binding); otherwise its one body's,
        // at any time.
        let definitions = |name: &'a str| -> Vec<(usize, Times)> {
            match bound_in.get(name) {
                Some(cells) => cells
                    .iter()
                    .enumerate()
                    .map(|(i, &cell)| {
                        let from = if i == 0 { 1 } else { cell };
                        let to = cells.get(i + 1).copied().unwrap_or(usize::MAX);
                        (cell, (from, to))
                    })
                    .collect(),
                None => bodies
                    .get(name)
                    .into_iter()
                    .flatten()
                    .map(|&cell| (cell, (1, usize::MAX)))
                    .collect(),
            }
        };
        let budget =
            STEPS_PER_READ * (roots.len() + body_reads.values().map(Vec::len).sum::<usize>() + 1);
        let mut steps = 0;
        let mut reached: HashSet<Instance<'a>> = HashSet::new();
        let mut seen: HashSet<(Instance<'a>, Times)> = HashSet::new();
        let mut pending: Vec<(&'a str, Times)> = roots;
        while let Some((name, (from, to))) = pending.pop() {
            steps += 1;
            if steps > budget {
                return None;
            }
            for (cell, (live_from, live_to)) in definitions(name) {
                let span = (from.max(live_from), to.min(live_to));
                if span.0 > span.1 {
                    continue;
                }
                reached.insert((name, cell));
                if !seen.insert(((name, cell), span)) {
                    continue;
                }
                for &(read, callee) in body_reads.get(&(name, cell)).into_iter().flatten() {
                    let read_span = if callee { span } else { (span.0, usize::MAX) };
                    pending.push((read, read_span));
                }
            }
        }
        Some(Self { bound_in, reached })
    }

    /// Whether the body of `function`, as cell `cell` defines it, is never called: the name
    /// is bound again in another cell and no call is made while this definition holds it.
    pub(crate) fn never_called(&self, function: &str, cell: usize) -> bool {
        self.bound_in.contains_key(function) && !self.reached.contains(&(function, cell))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nblint_facts::{CellFacts, Definition, NameUse, Span};

    /// A cell that defines the functions `defines` and makes the reads `uses`.
    fn cell(defines: &[&str], uses: Vec<NameUse>) -> CellFacts {
        CellFacts {
            defines: defines
                .iter()
                .map(|name| Definition::new(*name, DefinitionKind::Function, Span::new(0, 1)))
                .collect(),
            uses,
            ..CellFacts::default()
        }
    }

    fn call(name: &str) -> NameUse {
        NameUse {
            callee: true,
            ..NameUse::new(name, Span::new(0, 1))
        }
    }

    fn read_in(function: &str, name: &str) -> NameUse {
        NameUse {
            deferred: true,
            function: Some(function.to_owned()),
            callee: true,
            ..NameUse::new(name, Span::new(0, 1))
        }
    }

    fn notebook(cells: Vec<CellFacts>) -> NotebookFacts {
        NotebookFacts {
            cells: cells.into_iter().map(Some).collect(),
        }
    }

    #[test]
    fn a_stub_written_after_the_last_call_is_never_called() {
        // 1: def grad (solution); 2: grad(); 3: def grad (stub reading `missing`).
        let facts = notebook(vec![
            cell(&["grad"], vec![]),
            cell(&[], vec![call("grad")]),
            cell(&["grad"], vec![read_in("grad", "missing")]),
        ]);
        let calls = ReboundCalls::of(&facts).expect("a rebound function reads names");
        assert!(!calls.never_called("grad", 1));
        assert!(calls.never_called("grad", 3));
    }

    #[test]
    fn a_call_through_another_function_reaches_the_definition_bound_then() {
        // 1: def step, reading grad; 2: def grad; 3: step(); 4: def grad again; 5: step().
        let facts = notebook(vec![
            cell(&["step"], vec![read_in("step", "grad")]),
            cell(&["grad"], vec![read_in("grad", "a")]),
            cell(&[], vec![call("step")]),
            cell(&["grad"], vec![read_in("grad", "b")]),
            cell(&[], vec![call("step")]),
        ]);
        let calls = ReboundCalls::of(&facts).expect("a rebound function reads names");
        assert!(!calls.never_called("grad", 2));
        assert!(!calls.never_called("grad", 4));

        // Without the last call, cell 4's definition never runs.
        let mut first_four = facts.cells.clone();
        first_four.pop();
        let fewer = NotebookFacts { cells: first_four };
        let calls = ReboundCalls::of(&fewer).expect("a rebound function reads names");
        assert!(!calls.never_called("grad", 2));
        assert!(calls.never_called("grad", 4));
    }

    #[test]
    fn a_function_handed_on_may_be_called_later() {
        // 1: def grad; 2: run = make(grad) hands it on; 3: def grad again.
        let handed = NameUse::new("grad", Span::new(0, 1));
        let facts = notebook(vec![
            cell(&["grad"], vec![read_in("grad", "a")]),
            cell(&[], vec![handed]),
            cell(&["grad"], vec![read_in("grad", "b")]),
        ]);
        let calls = ReboundCalls::of(&facts).expect("a rebound function reads names");
        assert!(!calls.never_called("grad", 1));
        // Handed on at cell 2 and called at any time after: the walk does not know which
        // object, so both count.
        assert!(!calls.never_called("grad", 3));
    }
}
