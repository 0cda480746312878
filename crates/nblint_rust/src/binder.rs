//! The name-resolution core that both Rust walks (the syn walk in `walker.rs` and the fast
//! path's walk in `fast/walk.rs`) call, so a scoping rule is written once and the two walks
//! cannot drift apart on it.
//!
//! A [`Binder`] holds what binds names in one cell: the local scopes (innermost last), the
//! cell's top-level `let` bindings (each to its latest definition), its hoisted items and
//! `use` leaves (visible in the whole cell), and the crates its `:dep` lines declare. A read
//! is looked up in that order (local, top-level `let`, hoisted item, crate); a name nothing
//! binds is a *use* of something another cell, an import or the prelude must define. A
//! `crate::x` (or `self::x` at the crate root) reads `x` among the hoisted items only: no
//! local or `let` can be named through the crate root.
//!
//! The binder is generic over how a walk holds names: the syn walk owns `String`s, the fast
//! path borrows `&str`s from the cell's source.

use std::borrow::Borrow;
use std::collections::{HashMap, HashSet};
use std::hash::Hash;

use nblint_facts::{CellFacts, Definition, DefinitionKind, Mutation, MutationKind, NameUse, Span};

/// The binder's hasher: FxHash, fast for the short names of one cell.
type NameHash = rustc_hash::FxBuildHasher;

/// What binds names in one cell, and the lookup both walks use (see the module docs).
pub(crate) struct Binder<N> {
    /// Names bound in local scopes, innermost last.
    locals: Vec<N>,
    /// Where each local scope starts in `locals`, innermost last.
    scopes: Vec<usize>,
    /// Top-level `let` names bound so far, to the index of their latest definition.
    top_lets: HashMap<N, usize, NameHash>,
    /// The cell's top-level items and `use` leaves (visible in the whole cell).
    hoisted: HashSet<N, NameHash>,
    /// Hoisted names read somewhere in the cell.
    hoisted_used: HashSet<N, NameHash>,
    /// Crates the cell's `:dep` lines declare, as Rust names.
    crates: Vec<String>,
}

impl<N: Borrow<str> + Hash + Eq + Clone> Binder<N> {
    /// An empty binder with the cell's `:dep` crates in scope.
    pub(crate) fn new(crates: Vec<String>) -> Self {
        Self {
            locals: Vec::new(),
            scopes: Vec::new(),
            top_lets: HashMap::default(),
            hoisted: HashSet::default(),
            hoisted_used: HashSet::default(),
            crates,
        }
    }

    /// Binds a top-level item or `use` leaf for the whole cell.
    pub(crate) fn hoist(&mut self, name: N) {
        self.hoisted.insert(name);
    }

    /// Opens a local scope.
    pub(crate) fn push_scope(&mut self) {
        self.scopes.push(self.locals.len());
    }

    /// Closes the innermost local scope and forgets its names.
    pub(crate) fn pop_scope(&mut self) {
        if let Some(start) = self.scopes.pop() {
            self.locals.truncate(start);
        }
    }

    /// Whether a local scope is open (a `use` there binds locally too).
    pub(crate) fn in_scope(&self) -> bool {
        !self.scopes.is_empty()
    }

    /// Binds `name` in the innermost scope (opening one at top level: the name is then
    /// visible for the rest of the cell, as an item-defining macro's statics are).
    pub(crate) fn bind_local(&mut self, name: N) {
        if self.scopes.is_empty() {
            self.push_scope();
        }
        self.locals.push(name);
    }

    /// Records a top-level `let` binding as a definition of the cell.
    pub(crate) fn define_top_let(
        &mut self,
        facts: &mut CellFacts,
        name: N,
        span: Span,
        mutable: bool,
    ) {
        let index = facts.defines.len();
        facts.defines.push(Definition {
            mutable,
            ..Definition::new(name.borrow(), DefinitionKind::Variable, span)
        });
        self.top_lets.insert(name, index);
    }

    /// Whether a local scope binds `name`.
    pub(crate) fn is_local(&self, name: &str) -> bool {
        self.locals.iter().rev().any(|bound| bound.borrow() == name)
    }

    /// Whether `name` comes from another cell (nothing in this cell binds it here).
    pub(crate) fn is_free(&self, name: &str) -> bool {
        !self.is_local(name) && !self.top_lets.contains_key(name) && !self.hoisted.contains(name)
    }

    /// A read of `name` at `span` (computed only for a use): marks what binds it in the cell
    /// as used, or records a use.
    pub(crate) fn resolve(
        &mut self,
        facts: &mut CellFacts,
        name: &str,
        span: impl FnOnce() -> Span,
    ) {
        if self.is_local(name) {
            return;
        }
        if let Some(&index) = self.top_lets.get(name) {
            facts.defines[index].used_in_cell = true;
            return;
        }
        if self.use_hoisted(name) || self.crates.iter().any(|krate| krate == name) {
            return;
        }
        push_use(facts, name, span());
    }

    /// A call of the macro `name` (`df![..]`): a macro is named in a namespace of its own, so
    /// no local or top-level `let` binds it; the cell's `use` leaves and `macro_rules!` items
    /// do, or another cell's (a use marked [`NameUse::macro_call`]).
    pub(crate) fn resolve_macro(&mut self, facts: &mut CellFacts, name: &str, span: Span) {
        if self.use_hoisted(name) || self.crates.iter().any(|krate| krate == name) {
            return;
        }
        facts.uses.push(NameUse {
            macro_call: true,
            ..NameUse::new(name, span)
        });
    }

    /// A read of `name` at the crate root (`crate::name`): only the cell's hoisted items and
    /// `use` leaves bind it there; otherwise it comes from another cell.
    pub(crate) fn resolve_in_crate_root(&mut self, facts: &mut CellFacts, name: &str, span: Span) {
        if !self.use_hoisted(name) {
            push_use(facts, name, span);
        }
    }

    fn use_hoisted(&mut self, name: &str) -> bool {
        let Some(item) = self.hoisted.get(name) else {
            return false;
        };
        if !self.hoisted_used.contains(name) {
            self.hoisted_used.insert(item.clone());
        }
        true
    }

    /// A change of the value `name` (the root of the changed place) with `evidence`: recorded
    /// when the value comes from another cell.
    pub(crate) fn record_mutation(
        &self,
        facts: &mut CellFacts,
        name: &str,
        kind: MutationKind,
        evidence: Span,
    ) {
        if !self.is_free(name) {
            return;
        }
        let requires_mutable_binding = matches!(kind, MutationKind::MethodCall { .. });
        facts.mutations.push(Mutation {
            name: name.to_owned(),
            kind,
            span: evidence,
            requires_mutable_binding,
            requires_container: None,
            raises_on: None,
            guard: None,
            items: Vec::new(),
            adds: None,
            in_own_context: false,
        });
    }

    /// At the end of the cell: items and imports read in the cell are used there.
    pub(crate) fn finish(&self, facts: &mut CellFacts) {
        for definition in &mut facts.defines {
            if definition.kind != DefinitionKind::Variable
                && self.hoisted_used.contains(definition.name.as_str())
            {
                definition.used_in_cell = true;
            }
        }
    }
}

fn push_use(facts: &mut CellFacts, name: &str, span: Span) {
    facts.uses.push(NameUse::new(name, span));
}
