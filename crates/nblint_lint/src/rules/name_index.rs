//! Where each name is bound and changed in place across a notebook, and what a top-level
//! `if` on a constant decides there: shared by the rules that compare values (NB205), that
//! report changes (NB206) and that report reads of names defined nowhere or below (NB202,
//! NB201).

use std::collections::HashMap;

use nblint_facts::{BranchGuard, Definition, DefinitionKind, NameUse};

/// Where a name's value came from at a point: the cell and binding in force, or `None` when
/// no cell binds it (a builtin, or a name nothing defines).
pub(super) type Origin<'a> = Option<(usize, &'a Definition)>;

/// Where each name is bound and changed in place, by cell, built once per notebook: the
/// binding in force at a point is a binary search, not a walk up the cells (the rule stays
/// linear in the notebook's size).
pub(super) struct NameIndex<'a> {
    /// Each name's bindings, by cell and then by position in the cell.
    bindings: HashMap<&'a str, Vec<(usize, &'a Definition)>>,
    /// The cells that change each name in place, ascending.
    mutations: HashMap<&'a str, Vec<usize>>,
}

impl<'a> NameIndex<'a> {
    pub(super) fn of(facts: &'a nblint_facts::NotebookFacts) -> Self {
        let mut bindings: HashMap<&str, Vec<(usize, &Definition)>> = HashMap::new();
        let mut mutations: HashMap<&str, Vec<usize>> = HashMap::new();
        for (index, cell) in facts.cells.iter().enumerate() {
            let Some(cell) = cell else { continue };
            let mut defines: Vec<&Definition> = cell.defines.iter().collect();
            defines.sort_by_key(|definition| definition.span.start);
            for definition in defines {
                bindings
                    .entry(definition.name.as_str())
                    .or_default()
                    .push((index + 1, definition));
            }
            for mutation in &cell.mutations {
                mutations
                    .entry(mutation.name.as_str())
                    .or_default()
                    .push(index + 1);
            }
        }
        // Only a variable's value changes in place: a "change" of a name only ever bound to
        // a module, function or class (`F.relu(x, inplace=True)` read as changing `F`) is not
        // one, as for NB206.
        mutations.retain(|name, _| {
            bindings.get(name).is_none_or(|bound| {
                bound
                    .iter()
                    .any(|(_, definition)| definition.kind == DefinitionKind::Variable)
            })
        });
        Self {
            bindings,
            mutations,
        }
    }

    /// The binding of `name` in force at offset `before` of cell `cell` (anywhere in the
    /// cell when `None`): the cell's last binding of it above that point, else the last one
    /// in a cell above.
    pub(super) fn binding_before(
        &self,
        name: &str,
        cell: usize,
        before: Option<usize>,
    ) -> Origin<'a> {
        let bindings = self.bindings.get(name)?;
        let end = bindings.partition_point(|(at, definition)| {
            *at < cell
                || (*at == cell && before.is_none_or(|offset| definition.span.start < offset))
        });
        end.checked_sub(1).map(|last| bindings[last])
    }

    /// Whether a cell from `from` to `to` (inclusive) changes `name` in place.
    pub(super) fn mutated(&self, name: &str, from: usize, to: usize) -> bool {
        self.mutations.get(name).is_some_and(|cells| {
            let first = cells.partition_point(|cell| *cell < from);
            cells.get(first).is_some_and(|cell| *cell <= to)
        })
    }
}

/// Whether `definition`, in cell `cell`, sits under an `if` on a constant that cannot hold
/// ([`Definition::guard`]): the name compared holds, there, a literal bound unconditionally
/// (a string, an integer, `None`, `True` or `False`) of the same kind as the constant and
/// equal to it exactly when the test needs it not to be.
pub(super) fn never_binds(index: &NameIndex<'_>, cell: usize, definition: &Definition) -> bool {
    definition
        .guard
        .as_ref()
        .is_some_and(|guard| never_holds(index, guard, cell, definition.span.start))
}

/// Whether the read `use_` in cell `cell` sits under a top-level `if` on a constant that
/// cannot hold there ([`never_holds`]): a flag the notebook sets switches its branch off
/// (`generate_anim = False`, then `if generate_anim: anim = build_visual(..)`), so the read
/// never happens.
pub(super) fn never_read(index: &NameIndex<'_>, cell: usize, use_: &NameUse) -> bool {
    use_.guard
        .as_ref()
        .is_some_and(|guard| never_holds(index, guard, cell, use_.span.start))
}

/// Whether `guard`, on code at offset `at` of cell `cell`, cannot hold: the name it compares
/// holds there a literal bound unconditionally, of the same kind as the constant, that decides
/// the test against the code.
pub(super) fn never_holds(
    index: &NameIndex<'_>,
    guard: &BranchGuard,
    cell: usize,
    at: usize,
) -> bool {
    let Some((_, binding)) = index.binding_before(&guard.name, cell, Some(at)) else {
        return false;
    };
    let Some(value) = binding.value.as_ref().filter(|value| {
        binding.kind == DefinitionKind::Variable
            && !binding.conditional
            && !binding.in_function
            && !value.changed
            && value.reads.is_empty()
    }) else {
        return false;
    };
    guard.fails_for(&value.text)
}
