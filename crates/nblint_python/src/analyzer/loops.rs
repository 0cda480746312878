//! What a top-level `for` loop does to values NB205 compares: the names it fills in place the
//! same way from the same inputs (`ntree = [0] * n`, then `for i in range(n): ntree[i] = i * 5`),
//! and the value its target is left holding (the iterable's last element).

use std::collections::{HashMap, HashSet};

use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::Ranged;

use super::{LocalCollector, PlainChange, repeatable, repeatable_change, without_spacing};

/// Loops with more statements than this are not read for fills (the closure below is
/// quadratic in the body's length).
const MAX_BODY: usize = 64;

/// What one statement of a loop body does, as far as a fill can tell.
enum Step {
    /// Binds plain names to a repeatable value (`X_k = X[y == k]`, `total += x`).
    Binds {
        names: Vec<String>,
        reads: Vec<String>,
    },
    /// Changes one name in place the same way from the same inputs (`phis[k] = n_k / n`).
    Changes { name: String, reads: Vec<String> },
    /// Anything else (`rfc.fit(X, y)`, an `if`), with the names it may change (see
    /// [`MayChange`]).
    Opaque { may_change: HashSet<String> },
}

/// The changes a top-level `for` loop makes in place to names bound before it, each the same
/// whenever its inputs are: for each such name, the loop header and the body statements its
/// change depends on (spacing removed), and the names they read from before the loop.
///
/// A loop that may stop early (`break`, `continue`, `return`, `raise` anywhere in its body),
/// has an `else`, is `async`, or iterates over something not repeatable in a fixed order
/// ([`walks_in_a_fixed_order`]) changes nothing here;
/// nor does a change whose inputs a statement of another kind may change (`model.fit(X)` may
/// change `X`).
pub(super) fn fills(
    for_: &ast::StmtFor,
    source: &str,
    offset: usize,
) -> HashMap<String, PlainChange> {
    let mut fills = HashMap::new();
    if for_.is_async
        || !for_.orelse.is_empty()
        || for_.body.len() > MAX_BODY
        || stops_early(&for_.body)
    {
        return fills;
    }
    let mut header_reads = Vec::new();
    let Some(targets) = flat_target_names(&for_.target) else {
        return fills;
    };
    if !walks_in_a_fixed_order(&for_.iter) || !repeatable(&for_.iter, &mut header_reads, 16) {
        return fills;
    }
    let text = |node: &dyn Ranged| source_text(source, offset, node).map(without_spacing);
    let (Some(target_text), Some(iter_text)) = (text(&*for_.target), text(&*for_.iter)) else {
        return fills;
    };
    let steps: Vec<Step> = for_.body.iter().map(step).collect();
    let changed: HashSet<&str> = steps
        .iter()
        .filter_map(|step| match step {
            Step::Changes { name, .. } => Some(name.as_str()),
            _ => None,
        })
        .collect();
    for name in changed {
        // Bound in the loop itself: not a value from before it.
        if targets.contains(name) || binds(&steps, name) {
            continue;
        }
        let Some(included) = closure(&steps, name) else {
            continue;
        };
        let mut fill_text = format!("for {target_text} in {iter_text}:");
        let mut bound: HashSet<String> = targets.clone();
        let mut reads: Vec<String> = header_reads.clone();
        for (index, statement) in for_.body.iter().enumerate() {
            if !included.contains(&index) {
                continue;
            }
            let Some(statement_text) = text(statement) else {
                return HashMap::new();
            };
            fill_text.push('|');
            fill_text.push_str(&statement_text);
            // A name the loop binds is read from before the loop only where the first pass
            // reads it before binding it.
            let (step_reads, step_binds) = match &steps[index] {
                Step::Binds { names, reads } => (reads, names.as_slice()),
                Step::Changes { reads, .. } => (reads, &[][..]),
                Step::Opaque { .. } => continue,
            };
            reads.extend(
                step_reads
                    .iter()
                    .filter(|read| !bound.contains(*read) && read.as_str() != name)
                    .cloned(),
            );
            bound.extend(step_binds.iter().cloned());
        }
        reads.retain(|read| read != name);
        reads.sort_unstable();
        reads.dedup();
        fills.insert(
            name.to_owned(),
            PlainChange {
                name: name.to_owned(),
                text: fill_text,
                reads,
                needs_seed: false,
            },
        );
    }
    fills
}

/// The value a top-level `for` loop leaves its target names holding, by place: the last
/// element of a repeatable iterable walked in a fixed order (see [`walks_in_a_fixed_order`])
/// to its end (`for label, group in
/// da.groupby("time.month")` leaves December's group in both cells that run it), and the
/// plain names it walks, whose order holds only where they are lists, tuples or dicts (see
/// [`nblint_facts::Definition::walks`]). `None` when the loop may stop early or the iterable
/// is not repeatable.
pub(super) fn last_element(
    for_: &ast::StmtFor,
    source: &str,
    offset: usize,
) -> Option<(String, Vec<String>, Vec<String>)> {
    if for_.is_async || stops_early(&for_.body) || stops_early(&for_.orelse) {
        return None;
    }
    flat_target_names(&for_.target)?;
    let mut reads = Vec::new();
    let mut names = Vec::new();
    let walked = without_progress_bar(&for_.iter);
    if !walks_in_order(&for_.iter, &mut names)
        || !repeatable(&for_.iter, &mut Vec::new(), 16)
        || !repeatable(walked, &mut reads, 16)
    {
        return None;
    }
    let iter = source_text(source, offset, walked)?;
    reads.sort_unstable();
    reads.dedup();
    names.sort_unstable();
    names.dedup();
    Some((format!("last({})", without_spacing(iter)), reads, names))
}

/// The value a top-level `for` loop over a list or tuple display leaves its one target
/// name holding, written as that last element is (`for n in [250, 500, 5000]:` leaves `n`
/// at `5000`, the value `n = 5000` binds), with the names it reads. `None` when the loop may
/// stop early, the target is not one name, or the last element is not repeatable.
pub(super) fn last_of_a_display(
    for_: &ast::StmtFor,
    source: &str,
    offset: usize,
) -> Option<(String, Vec<String>)> {
    if for_.is_async
        || stops_early(&for_.body)
        || stops_early(&for_.orelse)
        || !for_.target.is_name_expr()
    {
        return None;
    }
    let (Expr::List(ast::ExprList { elts, .. }) | Expr::Tuple(ast::ExprTuple { elts, .. })) =
        without_progress_bar(&for_.iter)
    else {
        return None;
    };
    let last = elts.last().filter(|last| !last.is_starred_expr())?;
    let mut reads = Vec::new();
    if !repeatable(last, &mut reads, 16) {
        return None;
    }
    reads.sort_unstable();
    reads.dedup();
    Some((without_spacing(source_text(source, offset, last)?), reads))
}

/// What a progress bar walks (`tqdm(range(n))`, `tqdm.tqdm(xs, desc=..)`), which gives the
/// same elements: `range(n)` in `for i in tqdm(range(n))` is the loop of `for i in range(n)`.
fn without_progress_bar(iterable: &Expr) -> &Expr {
    match iterable {
        Expr::Call(call)
            if matches!(&*call.func, Expr::Name(function) if function.id.as_str() == "tqdm")
                || matches!(&*call.func, Expr::Attribute(function) if function.attr.id.as_str() == "tqdm") =>
        {
            match &*call.arguments.args {
                [walked] => without_progress_bar(walked),
                _ => iterable,
            }
        }
        _ => iterable,
    }
}

/// Whether iterating `iterable` again from the same inputs gives the same elements in the
/// same order: `range(..)`, `trange(..)`, `sorted(..)`, a list or tuple display, a mapping's
/// or frame's `items()`, `keys()`, `values()`, `groupby(..)`, `iterrows()`, `itertuples()`,
/// numpy's `arange`, `linspace`, `logspace`, and `enumerate`, `zip`, `reversed`, `tqdm` of
/// those. Not a plain name, which may be a data loader that shuffles
/// on every pass (`for x, y in train_loader:`), nor a set (its order follows string hashes,
/// which change between runs).
fn walks_in_a_fixed_order(iterable: &Expr) -> bool {
    let mut names = Vec::new();
    walks_in_order(iterable, &mut names) && names.is_empty()
}

/// [`walks_in_a_fixed_order`], or walks plain names (`for k in strikes:`, `enumerate(items)`)
/// whose order holds only where each is a list, tuple or dict, collected into `names`.
fn walks_in_order(iterable: &Expr, names: &mut Vec<String>) -> bool {
    match iterable {
        Expr::List(_) | Expr::Tuple(_) => true,
        Expr::Name(name) => {
            names.push(name.id.as_str().to_owned());
            true
        }
        Expr::Call(call) => match &*call.func {
            Expr::Name(function) => match function.id.as_str() {
                // Sorting fixes the order of anything repeatable (a set too).
                "range" | "trange" | "sorted" => true,
                // A progress bar passes its iterable's elements on as they come.
                "enumerate" | "zip" | "reversed" | "tqdm" => call
                    .arguments
                    .args
                    .iter()
                    .all(|argument| walks_in_order(argument, names)),
                _ => false,
            },
            Expr::Attribute(method) => {
                matches!(
                    method.attr.id.as_str(),
                    "items"
                        | "keys"
                        | "values"
                        | "groupby"
                        | "iterrows"
                        | "itertuples"
                        | "arange"
                        | "linspace"
                        | "logspace"
                ) || (method.attr.id.as_str() == "tqdm"
                    && call
                        .arguments
                        .args
                        .iter()
                        .all(|argument| walks_in_order(argument, names)))
            }
            _ => false,
        },
        _ => false,
    }
}

/// The text of `node` in the cell's `source`, whose parsed code starts at `offset`.
fn source_text<'a>(source: &'a str, offset: usize, node: &dyn Ranged) -> Option<&'a str> {
    source.get(offset + node.start().to_usize()..offset + node.end().to_usize())
}

/// The names a loop or assignment target binds, when it is a name or a flat tuple or list of
/// names (the analyzer's `target_names` collects nested ones too, for any target).
fn flat_target_names(target: &Expr) -> Option<HashSet<String>> {
    match target {
        Expr::Name(name) => Some(HashSet::from([name.id.as_str().to_owned()])),
        Expr::Tuple(ast::ExprTuple { elts, .. }) | Expr::List(ast::ExprList { elts, .. }) => elts
            .iter()
            .map(|element| match element {
                Expr::Name(name) => Some(name.id.as_str().to_owned()),
                _ => None,
            })
            .collect(),
        _ => None,
    }
}

/// What `statement` does, for [`fills`].
fn step(statement: &Stmt) -> Step {
    let mut reads = Vec::new();
    match statement {
        Stmt::Assign(assign)
            if repeatable(&assign.value, &mut reads, 16)
                && let Some(names) = assign.targets.iter().map(flat_target_names).try_fold(
                    Vec::new(),
                    |mut all, names| {
                        all.extend(names?);
                        Some(all)
                    },
                ) =>
        {
            return Step::Binds { names, reads };
        }
        Stmt::AugAssign(assign)
            if let Expr::Name(name) = &*assign.target
                && repeatable(&assign.value, &mut reads, 16) =>
        {
            reads.push(name.id.as_str().to_owned());
            return Step::Binds {
                names: vec![name.id.as_str().to_owned()],
                reads,
            };
        }
        _ => {}
    }
    if let Some((name, reads)) = repeatable_change(statement) {
        return Step::Changes { name, reads };
    }
    let mut may_change = MayChange::default();
    may_change.visit_stmt(statement);
    let mut bound = LocalCollector::default();
    bound.visit_stmt(statement);
    let (bound, _) = bound.finish();
    may_change.names.extend(bound);
    Step::Opaque {
        may_change: may_change.names,
    }
}

/// Whether a step other than a change binds `name`.
fn binds(steps: &[Step], name: &str) -> bool {
    steps.iter().any(|step| match step {
        Step::Binds { names, .. } => names.iter().any(|bound| bound == name),
        Step::Opaque { may_change } => may_change.contains(name),
        Step::Changes { .. } => false,
    })
}

/// The statements `name`'s change depends on (its changes, and the bindings and changes of
/// what they read, transitively), by index; `None` when a statement of another kind may
/// change one of those names or `name` itself.
fn closure(steps: &[Step], name: &str) -> Option<HashSet<usize>> {
    let mut names: HashSet<&str> = HashSet::from([name]);
    let mut included: HashSet<usize> = HashSet::new();
    loop {
        let before = included.len();
        for (index, step) in steps.iter().enumerate() {
            if included.contains(&index) {
                continue;
            }
            let (touched, reads): (Vec<&str>, &Vec<String>) = match step {
                Step::Binds { names, reads } => (names.iter().map(String::as_str).collect(), reads),
                Step::Changes { name, reads } => (vec![name.as_str()], reads),
                Step::Opaque { .. } => continue,
            };
            if touched.iter().any(|touched| names.contains(touched)) {
                included.insert(index);
                names.extend(reads.iter().map(String::as_str));
                names.extend(touched);
            }
        }
        if included.len() == before {
            break;
        }
    }
    let opaque_touches = steps.iter().any(|step| match step {
        Step::Opaque { may_change } => may_change
            .iter()
            .any(|changed| names.contains(changed.as_str())),
        _ => false,
    });
    (!opaque_touches).then_some(included)
}

/// Whether a loop body may end a pass or the loop early: `break`, `continue`, `return`,
/// `raise` anywhere in it (nested loops and functions included, to stay simple).
fn stops_early(body: &[Stmt]) -> bool {
    #[derive(Default)]
    struct Stops(bool);
    impl<'ast> Visitor<'ast> for Stops {
        fn visit_stmt(&mut self, statement: &'ast Stmt) {
            if matches!(
                statement,
                Stmt::Break(_) | Stmt::Continue(_) | Stmt::Return(_) | Stmt::Raise(_)
            ) {
                self.0 = true;
            }
            if !self.0 {
                visitor::walk_stmt(self, statement);
            }
        }
    }
    let mut stops = Stops::default();
    for statement in body {
        stops.visit_stmt(statement);
    }
    stops.0
}

/// The names a statement may change: those it binds, the roots of the places it assigns to or
/// deletes, the roots of the receivers whose methods it calls (`model.fit(X)`), and the names
/// it passes to a call as they are (`update(state)`). A name only read into a new value
/// (`f(i * 5)`, `x[i]`) is not among them.
#[derive(Default)]
struct MayChange {
    names: HashSet<String>,
}

impl MayChange {
    fn root(&mut self, place: &Expr) {
        if let Some(root) = super::root_name(place) {
            self.names.insert(root.to_owned());
        }
    }
}

impl<'ast> Visitor<'ast> for MayChange {
    fn visit_stmt(&mut self, statement: &'ast Stmt) {
        match statement {
            Stmt::Assign(assign) => assign.targets.iter().for_each(|target| self.root(target)),
            Stmt::AugAssign(assign) => self.root(&assign.target),
            Stmt::AnnAssign(assign) => self.root(&assign.target),
            Stmt::Delete(delete) => delete.targets.iter().for_each(|target| self.root(target)),
            _ => {}
        }
        visitor::walk_stmt(self, statement);
    }

    fn visit_expr(&mut self, expression: &'ast Expr) {
        if let Expr::Call(call) = expression {
            if let Expr::Attribute(attribute) = &*call.func {
                self.root(&attribute.value);
            }
            for argument in call
                .arguments
                .args
                .iter()
                .chain(call.arguments.keywords.iter().map(|keyword| &keyword.value))
            {
                let argument = match argument {
                    Expr::Starred(starred) => &*starred.value,
                    other => other,
                };
                if let Expr::Name(name) = argument {
                    self.names.insert(name.id.as_str().to_owned());
                }
            }
        }
        visitor::walk_expr(self, expression);
    }
}
