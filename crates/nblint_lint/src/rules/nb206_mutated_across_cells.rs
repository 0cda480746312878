use std::collections::{HashMap, HashSet};

use nblint_facts::{ItemKey, MutationKind};
use nblint_graph::CrossCellMutation;

use super::name_index::{NameIndex, never_holds};
use super::places;
use crate::registry::{Context, Finding, declare_rule};

declare_rule! {
    /// A cell that changes in place a value another cell defined: what the value holds depends
    /// on whether that cell has run. Not in the default selection: read by hand on real
    /// notebooks, one finding in sixteen (one in six on the sets read last, before any fix
    /// was tuned on them) was a change that leaves the value as it was or that no other
    /// cell's result depends on (`docs/precision.md`).
    NB206_MUTATED_ACROSS_CELLS {
        code: "NB206",
        name: "mutated-across-cells",
        severity: Warning,
        fixable: false,
        needs_analysis: true,
        check: check,
        in_default_selection: false,
    }
}

/// The evidence quoted in the message: the source text when it is short and on one line,
/// otherwise a description of the change.
fn evidence(name: &str, kind: &MutationKind, text: Option<&str>) -> String {
    if let Some(text) = text.map(str::trim)
        && !text.is_empty()
        && !text.contains('\n')
        && text.len() <= 40
    {
        return format!("`{text}`");
    }
    match kind {
        MutationKind::Assign => format!("an assignment to `{name}`"),
        MutationKind::CompoundAssign => format!("a compound assignment to `{name}`"),
        MutationKind::MutableBorrow => format!("`&mut {name}`"),
        MutationKind::MethodCall { method } => format!("`{name}.{method}(..)`"),
    }
}

/// One finding per (cell, name), at the first change: a loop of `push` calls is one problem.
fn check(context: &Context<'_>, findings: &mut Vec<Finding>) {
    let mut reported: HashSet<(usize, String)> = HashSet::new();
    let mut index = None;
    let mut seen = None;
    // A cell that stops (a library excerpt reading a name no cell defines) changes, binds
    // and reads nothing from that line on.
    let reads = places::CrossCellReads::of(context);
    let mutations = context.graph.cross_cell_mutations(context.facts);
    for mutation in &mutations {
        if reads.stops_before(mutation.cell, mutation.span.start) {
            continue;
        }
        // A change under a top-level `if` on a flag that switches it off (`RETRAIN = True`,
        // then `if not RETRAIN: net.load_state_dict(..)`) never happens.
        if let Some(guard) = &mutation.guard
            && never_holds(
                index.get_or_insert_with(|| NameIndex::of(context.facts)),
                guard,
                mutation.cell,
                mutation.span.start,
            )
        {
            continue;
        }
        let definition = last_definition(context, mutation);
        // `with model: model.objective = ..` on a cobra model: cobra undoes, when the block
        // ends, what was changed inside it.
        if mutation.in_own_context && made_by(context, definition, UNDOING_CONTEXT_LIBRARIES) {
            continue;
        }
        // `a[5] = 100` on a JAX array raises `TypeError`: JAX arrays cannot be changed.
        if stores_into_an_item(mutation) && made_by(context, definition, IMMUTABLE_ARRAY_LIBRARIES)
        {
            continue;
        }
        if !reported.insert((mutation.cell, mutation.name.clone())) {
            continue;
        }
        // A cell that does not parse changed nothing, and one that does not parse defined
        // nothing to change (homework templates with `<YOUR CODE HERE>`).
        if places::never_ran(context, mutation.cell)
            || places::never_ran(context, mutation.defined_in)
            // `exec(code)` above may have bound the name anew (evalml's generated
            // `pipeline = ..`): the change may be of that value.
            || places::after_unknown_code(context, mutation.cell, mutation.span)
        {
            continue;
        }
        // A cell whose stored output is an error changed nothing: the kernel discarded its
        // effects (and it is usually a deliberate compile-error demonstration).
        if context
            .notebook
            .cell(mutation.cell)
            .is_some_and(|cell| cell.has_error_output)
        {
            continue;
        }
        // A definition from the line where its cell stops on never happened: there is no
        // value of cell D to change.
        if definition.is_some_and(|definition| {
            reads.stops_before(mutation.defined_in, definition.span.start)
        }) {
            continue;
        }
        // `compounds.add("ethanol")` on `compounds = {"water", "ethanol"}`: the key is there.
        if definition
            .is_some_and(|definition| only_adds_what_it_holds(&mutations, mutation, definition))
        {
            continue;
        }
        // `logreg.fit(X_train, y_train)` again, where the defining cell made a model whose
        // fit draws no random numbers and fitted it the same way on the same data: the
        // model ends as that cell left it.
        if definition.is_some_and(|definition| {
            repeats_the_defining_fit(
                context,
                index.get_or_insert_with(|| NameIndex::of(context.facts)),
                &mutations,
                mutation,
                definition,
            )
        }) {
            continue;
        }
        // A change no other cell can see (a scikit-learn model fitted in the last cell that
        // reads it, a column set in a frame nothing reads again, items appended to a list
        // only this cell prints) makes no other cell's result depend on whether this cell
        // ran: what the message claims does not hold.
        let seen = seen.get_or_insert_with(|| SeenBy::of(context, reads, &mutations));
        if !seen.another_cell(mutation, replaces_everything(context, mutation)) {
            continue;
        }
        // A method that changes most receivers leaves this one alone, given how it was made
        // (`mod = smf.ols(..)` then `mod.fit()`: statsmodels returns a results object).
        if let (MutationKind::MethodCall { method }, Some(value)) = (
            &mutation.kind,
            definition.and_then(|definition| definition.value.as_ref()),
        ) && (context.vocabulary.leaves_unchanged)(value, method, &|name| {
            imported_from(context, name)
        }) {
            continue;
        }
        let what = evidence(
            &mutation.name,
            &mutation.kind,
            change_text(context, mutation),
        );
        let name = &mutation.name;
        let defined_in = mutation.defined_in;
        let place = if defined_in > mutation.cell {
            format!("cell {defined_in}, below,")
        } else {
            format!("cell {defined_in}")
        };
        let mut finding = Finding::new(
            mutation.cell,
            mutation.span,
            format!(
                "`{name}` is defined in {place} and changed in place here ({what}): what it holds depends on whether this cell has run, not only on cell {defined_in}"
            ),
        );
        if let Some(definition) = definition {
            finding = finding.with_related(
                defined_in,
                definition.span,
                format!("`{name}` is defined here"),
            );
        }
        findings.push(finding);
    }
}

/// The cells that read each name's value from another cell, worked out once per notebook.
enum SeenBy<'a> {
    /// Some cell reads names chosen when it runs (`%run` of a notebook, `eval`): any value may
    /// be read anywhere.
    Anyone,
    /// For a name and the cell whose definition a read gets ([`places::CrossCellReads::from`]),
    /// the cells that read it so in code that runs (not only in a function no cell calls);
    /// and, for each cell that changes a name, the one place all its changes of it assign,
    /// if they assign one, and the items each of its changes touches
    /// ([`nblint_facts::Mutation::items`]).
    Readers {
        readers: HashMap<(&'a str, usize), Readers<'a>>,
        targets: HashMap<(usize, &'a str), Option<String>>,
        changed_items: HashMap<(usize, &'a str), Vec<&'a [ItemKey]>>,
    },
}

/// The cells that read one value, sorted, and among them those whose first touch of the name
/// assigns a place (`submission["target"]`), by place.
#[derive(Default)]
struct Readers<'a> {
    cells: Vec<usize>,
    assigning_first: HashMap<String, Vec<usize>>,
    /// Those whose every read uses only the value's settings ([`NameUse::settings_only`]).
    only_settings: Vec<usize>,
    /// For those whose every read takes items of the value through subscripts
    /// (`df["price"]`), the items each read takes ([`nblint_facts::NameUse::items`]).
    item_reads: HashMap<usize, Vec<&'a [ItemKey]>>,
}

impl<'a> SeenBy<'a> {
    fn of(
        context: &Context<'a>,
        reads: &places::CrossCellReads,
        mutations: &'a [CrossCellMutation],
    ) -> Self {
        // A cell that reads names chosen when it runs (`eval`, `%run -i`) may read any value;
        // one that only binds such names (a star import) reads none.
        if context
            .facts
            .cells
            .iter()
            .flatten()
            .any(|facts| facts.reads_unknown_names)
        {
            return Self::Anyone;
        }
        let called = &places::CalledNames::of(context.facts);
        let first = first_reads(context);
        let mut changes: HashMap<(usize, &str), Vec<&CrossCellMutation>> = HashMap::new();
        for mutation in mutations {
            changes
                .entry((mutation.cell, mutation.name.as_str()))
                .or_default()
                .push(mutation);
        }
        // The change a cell makes before every read of the name, where it makes one.
        let opening_change = |cell: usize, name: &str| {
            let read = first.get(&(cell, name))?;
            changes
                .get(&(cell, name))?
                .iter()
                .copied()
                .find(|change| read.precedes_every_read(change))
        };
        // The same, where its first read of the name is made whenever the cell runs.
        let first_change = |cell: usize, name: &str| {
            first.get(&(cell, name)).filter(|read| read.unconditional)?;
            opening_change(cell, name)
        };
        let live: HashSet<(usize, &str)> = context
            .facts
            .cells
            .iter()
            .enumerate()
            .filter_map(|(index, facts)| facts.as_ref().map(|facts| (index + 1, facts)))
            .flat_map(|(cell, facts)| {
                facts
                    .uses
                    .iter()
                    .filter(move |read| !called.never_read(cell, read))
                    .map(move |read| (cell, read.name.as_str()))
            })
            .collect();
        let mut readers: HashMap<(&str, usize), Readers> = HashMap::new();
        let mut set_up_first: HashMap<(usize, &str), bool> = HashMap::new();
        for use_ in context.graph.uses() {
            let name = use_.name.as_str();
            // A cell whose first read of the name is a change that keeps nothing the value
            // held (`regr.fit(X, y)` on a scikit-learn model) sees nothing another cell left.
            let replaced = *set_up_first.entry((use_.cell, name)).or_insert_with(|| {
                opening_change(use_.cell, name)
                    .is_some_and(|change| replaces_everything(context, change))
            });
            if let Some(from) = reads.from(context, use_)
                && live.contains(&(use_.cell, name))
                && !replaced
            {
                readers
                    .entry((name, from))
                    .or_default()
                    .cells
                    .push(use_.cell);
            }
        }
        let mut places: HashMap<(usize, &str), Option<String>> = HashMap::new();
        for (&(name, _), value) in &mut readers {
            value.cells.sort_unstable();
            value.cells.dedup();
            value.only_settings = value
                .cells
                .iter()
                .copied()
                .filter(|&cell| {
                    first
                        .get(&(cell, name))
                        .is_some_and(|read| read.settings_only)
                })
                .collect();
            value.item_reads = value
                .cells
                .iter()
                .filter_map(|&cell| Some((cell, first.get(&(cell, name))?.item_reads.clone()?)))
                .collect();
            for &cell in &value.cells {
                let place = places.entry((cell, name)).or_insert_with(|| {
                    first_change(cell, name).and_then(|change| place(context, change))
                });
                if let Some(place) = place {
                    value
                        .assigning_first
                        .entry(place.clone())
                        .or_default()
                        .push(cell);
                }
            }
        }
        let mut targets = HashMap::new();
        for mutation in mutations {
            targets
                .entry((mutation.cell, mutation.name.as_str()))
                .or_insert_with(|| {
                    let mut own = changes
                        .get(&(mutation.cell, mutation.name.as_str()))
                        .into_iter()
                        .flatten()
                        .map(|change| place(context, change));
                    let target = own.next().flatten()?;
                    own.all(|other| other.as_ref() == Some(&target))
                        .then_some(target)
                });
        }
        let changed_items = changes
            .iter()
            .map(|(&key, changes)| {
                let items = changes.iter().map(|change| change.items.as_slice());
                (key, items.collect())
            })
            .collect();
        Self::Readers {
            readers,
            targets,
            changed_items,
        }
    }

    /// Whether a cell other than the one that makes `mutation` reads what cell `defined_in`
    /// left. A reader whose first touch of the name assigns the very place that every change
    /// of the name in `mutation`'s cell assigns (every Kaggle submission cell runs
    /// `submission["target"] = preds` before `to_csv`) sees its own value there, not this one.
    ///
    /// A change that sets the value up anew from its arguments (`replacing`, a scikit-learn
    /// `fit`) leaves the settings as they were: a reader that only hands the value to a
    /// cloning utility (`cross_val_score(model, ..)`) sees the same either way.
    ///
    /// A reader that takes only other items of the value than every change of the cell
    /// touches (`df["price"]` where the cell sets `df["day"]`) sees the same either way too.
    fn another_cell(&self, mutation: &CrossCellMutation, replacing: bool) -> bool {
        match self {
            Self::Anyone => true,
            Self::Readers {
                readers,
                targets,
                changed_items,
            } => {
                let name = mutation.name.as_str();
                let Some(value) = readers.get(&(name, mutation.defined_in)) else {
                    return false;
                };
                let overwriting = targets
                    .get(&(mutation.cell, name))
                    .and_then(Option::as_ref)
                    .and_then(|target| value.assigning_first.get(target))
                    .map_or(&[][..], Vec::as_slice);
                let changed = changed_items
                    .get(&(mutation.cell, name))
                    .map_or(&[][..], Vec::as_slice);
                let apart = |cell: usize| {
                    value.item_reads.get(&cell).is_some_and(|reads| {
                        reads
                            .iter()
                            .all(|read| changed.iter().all(|change| ItemKey::apart(change, read)))
                    })
                };
                // A reader sees this change unless it is the changing cell or one of those
                // (each list is sorted, as `value.cells` is).
                let unseeing = |cell: usize| {
                    cell == mutation.cell
                        || (replacing && value.only_settings.binary_search(&cell).is_ok())
                        || overwriting.binary_search(&cell).is_ok()
                        || apart(cell)
                };
                value.cells.iter().any(|&cell| !unseeing(cell))
            }
        }
    }
}

/// How a cell first reads a name, and where its other reads of it are.
struct FirstRead<'a> {
    /// Where the first read starts.
    start: usize,
    /// It is made whenever the cell runs: in its top-level code, in no block or guarded
    /// branch.
    unconditional: bool,
    /// It is made in a block's body that ends here ([`nblint_facts::NameUse::suite_end`]),
    /// not in a function's.
    in_block_until: Option<usize>,
    /// The first and the last start of the cell's other reads of the name, if it has any.
    others: Option<(usize, usize)>,
    /// Every read of the name in the cell uses only the value's settings
    /// ([`NameUse::settings_only`], `cross_val_score(model, ..)`, `print(model)`): a fit keeps
    /// them, whatever it learnt.
    settings_only: bool,
    /// The items each read of the name in the cell takes, when every read takes items of the
    /// value through subscripts (`df["price"]`, [`nblint_facts::NameUse::items`]).
    item_reads: Option<Vec<&'a [ItemKey]>>,
}

impl FirstRead<'_> {
    /// Whether `change`, made by this read, comes before every other read of the name in the
    /// cell on every path that makes them: the cell's top level makes it before all that
    /// follows; a block's body before the reads after it there, when the cell reads the name
    /// nowhere else (`for fold in folds: model.fit(..); model.predict(..)`).
    fn precedes_every_read(&self, change: &CrossCellMutation) -> bool {
        if change.span.start != self.start {
            return false;
        }
        if self.unconditional {
            return change.guard.is_none();
        }
        self.in_block_until.is_some_and(|end| {
            self.others
                .is_none_or(|(first, last)| first >= change.span.end && last < end)
        })
    }
}

/// How each cell reads each name: its first read, by byte offset, and the others.
fn first_reads<'a>(context: &Context<'a>) -> HashMap<(usize, &'a str), FirstRead<'a>> {
    let mut first: HashMap<(usize, &str), Vec<&nblint_facts::NameUse>> = HashMap::new();
    for (index, facts) in context.facts.cells.iter().enumerate() {
        for use_ in facts.iter().flat_map(|facts| &facts.uses) {
            first
                .entry((index + 1, use_.name.as_str()))
                .or_default()
                .push(use_);
        }
    }
    first
        .into_iter()
        .filter_map(|(key, uses)| {
            let use_ = *uses.iter().min_by_key(|use_| use_.span.start)?;
            let mut others = uses
                .iter()
                .map(|other| other.span.start)
                .filter(|&start| start != use_.span.start);
            let others = others.next().map(|start| {
                others.fold((start, start), |(low, high), start| {
                    (low.min(start), high.max(start))
                })
            });
            let read = FirstRead {
                start: use_.span.start,
                unconditional: !use_.deferred && !use_.conditional && use_.guard.is_none(),
                in_block_until: use_.suite_end.filter(|_| !use_.deferred),
                others,
                settings_only: uses.iter().all(|use_| use_.settings_only),
                item_reads: uses
                    .iter()
                    .map(|use_| (!use_.items.is_empty()).then_some(use_.items.as_slice()))
                    .collect(),
            };
            Some((key, read))
        })
        .collect()
}

/// The source text of a change: the assignment, borrow or call in its cell.
fn change_text<'a>(context: &Context<'a>, change: &CrossCellMutation) -> Option<&'a str> {
    context
        .notebook
        .cell(change.cell)?
        .source
        .get(change.span.start..change.span.end)
}

/// The place an assignment change sets (`submission["target"]`, spacing removed), when its
/// value does not read that place (`df["a"] = df["a"] * 2` builds on what it held).
fn place(context: &Context<'_>, change: &CrossCellMutation) -> Option<String> {
    if change.kind != MutationKind::Assign {
        return None;
    }
    let text: String = change_text(context, change)?.split_whitespace().collect();
    let (place, value) = split_assignment(&text)?;
    (!value.contains(place)).then(|| place.to_owned())
}

/// Whether the change sets the whole value up anew from its arguments, keeping nothing it
/// held: the `fit` or `fit_transform` of an estimator that keeps scikit-learn's contract, a
/// PyTorch module's `load_state_dict`. (`compile` and `set_params` keep what was learnt: not
/// these; nor a `fit` given a model to go on from, XGBoost's `xgb_model=`, LightGBM's and
/// CatBoost's `init_model=`.)
fn replaces_everything(context: &Context<'_>, mutation: &CrossCellMutation) -> bool {
    let MutationKind::MethodCall { method } = &mutation.kind else {
        return false;
    };
    match method.as_str() {
        "load_state_dict" => true,
        "fit" | "fit_transform" => {
            let goes_on = change_text(context, mutation)
                .is_some_and(|text| text.contains("init_model") || text.contains("xgb_model"));
            !goes_on && keeps_scikit_learn_contract(context, last_definition(context, mutation))
        }
        _ => false,
    }
}

/// The libraries whose estimators keep scikit-learn's contract that `fit` learns anew from
/// the data it is given, forgetting any earlier fit: scikit-learn itself, imbalanced-learn,
/// XGBoost's, LightGBM's and CatBoost's scikit-learn classes, and skforecast's forecasters.
/// (Keras' `fit` trains on from where it stopped: not among them.)
const REFITTING_LIBRARIES: &[&str] = &[
    "sklearn",
    "imblearn",
    "xgboost",
    "lightgbm",
    "catboost",
    "skforecast",
];

/// Libraries whose objects, used as their own context manager (`with model:`), undo when the
/// block ends every change made inside it: cobra's models (its "context manager" for
/// temporary changes to objectives, bounds, knock-outs).
const UNDOING_CONTEXT_LIBRARIES: &[&str] = &["cobra"];

/// Libraries whose arrays cannot be changed in place: assigning to an item raises
/// (`TypeError: JAX arrays are immutable`), and `x.at[i].set(v)` gives a new array.
const IMMUTABLE_ARRAY_LIBRARIES: &[&str] = &["jax"];

/// Whether the change assigns to an item of the name itself (`a[5] = 100`, `a[0] += 1`): an
/// assignment whose place starts with a subscript of the name ([`CrossCellMutation::items`]),
/// not with an attribute (`a.meta = ..`).
fn stores_into_an_item(mutation: &CrossCellMutation) -> bool {
    matches!(
        mutation.kind,
        MutationKind::Assign | MutationKind::CompoundAssign
    ) && mutation
        .items
        .first()
        .is_some_and(|key| !matches!(key, ItemKey::Attribute(_)))
}

/// Whether the definition's value is made by a callable imported from a library of
/// [`REFITTING_LIBRARIES`] (`LogisticRegression(..)`, `make_pipeline(..)`,
/// `sklearn.svm.SVC(..)`, `xgb.XGBRegressor(..)`).
fn keeps_scikit_learn_contract(
    context: &Context<'_>,
    definition: Option<&nblint_facts::Definition>,
) -> bool {
    made_by(context, definition, REFITTING_LIBRARIES)
}

/// Whether the definition's value is made by a callable imported from one of `libraries`
/// (their root module names): the callable itself (`from cobra.io import load_model`) or the
/// module it is reached through (`import cobra`, then `cobra.io.load_model(..)`).
fn made_by(
    context: &Context<'_>,
    definition: Option<&nblint_facts::Definition>,
    libraries: &[&str],
) -> bool {
    let Some(callee) = definition
        .and_then(|definition| definition.value.as_ref())
        .and_then(|value| value.text.split('(').next())
    else {
        return false;
    };
    // The callable itself (`from sklearn.svm import SVC`) or the module it is reached
    // through (`from sklearn import linear_model`, `import sklearn`).
    [callee.rsplit('.').next(), callee.split('.').next()]
        .into_iter()
        .flatten()
        .filter_map(|name| imported_from(context, name.trim()))
        .any(|path| {
            let root = path.split('.').next().unwrap_or(&path);
            libraries.contains(&root)
        })
}

/// The place and the value of an assignment's text with spacing removed (`df["a"]=f(x)`),
/// split at its first `=` outside brackets and strings that is not part of `==`, `<=`, `>=`,
/// `!=` or `:=`.
fn split_assignment(text: &str) -> Option<(&str, &str)> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut quote: Option<u8> = None;
    for (index, &byte) in bytes.iter().enumerate() {
        if let Some(open) = quote {
            if byte == open && index > 0 && bytes[index - 1] != b'\\' {
                quote = None;
            }
            continue;
        }
        match byte {
            b'"' | b'\'' => quote = Some(byte),
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            b'=' if depth == 0 => {
                let before = index.checked_sub(1).map(|at| bytes[at]);
                if bytes.get(index + 1) != Some(&b'=')
                    && !matches!(before, Some(b'=' | b'<' | b'>' | b'!' | b':'))
                {
                    return Some((&text[..index], &text[index + 1..]));
                }
            }
            _ => {}
        }
    }
    None
}

/// Whether every change `mutation`'s cell makes of the value adds a key the display it was
/// bound to already holds ([`nblint_facts::Mutation::adds`],
/// [`nblint_facts::Definition::held_keys`]), the defining cell left the value as the display
/// made it, and every other cell's change of it only adds keys too: no cell takes one out, so
/// the key is there whatever ran, and the cell changes nothing.
fn only_adds_what_it_holds(
    mutations: &[CrossCellMutation],
    mutation: &CrossCellMutation,
    definition: &nblint_facts::Definition,
) -> bool {
    !definition.held_keys.is_empty()
        && definition
            .value
            .as_ref()
            .is_some_and(|value| !value.changed)
        && mutations
            .iter()
            .filter(|other| other.name == mutation.name && other.defined_in == mutation.defined_in)
            .all(|other| {
                other.adds.as_ref().is_some_and(|key| {
                    other.cell != mutation.cell || definition.held_keys.contains(key)
                })
            })
}

/// Whether `mutation` is a `fit` that repeats, token for token, the fit with which cell
/// `defined_in` finished making the value (`logreg = LogisticRegression(C=1.)`, then
/// `logreg.fit(features_train, target_train)`): the model is one whose fit repeats
/// (a scikit-learn estimator that draws no random numbers, or one given a constant seed,
/// [`nblint_facts::BoundValue`]'s `|`-joined text), every change any cell makes of it is such
/// a fit (no `set_params` between), and each name the fit reads holds the same value here as
/// where the defining cell read it (the same binding, or the same split made again:
/// `train_test_split(.., random_state=0)`). The fit then leaves the model as the defining
/// cell did.
fn repeats_the_defining_fit(
    context: &Context<'_>,
    index: &NameIndex<'_>,
    mutations: &[CrossCellMutation],
    mutation: &CrossCellMutation,
    definition: &nblint_facts::Definition,
) -> bool {
    let Some(value) = definition.value.as_ref().filter(|value| !value.changed) else {
        return false;
    };
    let Some((_, defining_fit)) = value.text.rsplit_once('|') else {
        return false;
    };
    let Some(text) = change_text(context, mutation) else {
        return false;
    };
    let text: String = text.split_whitespace().collect();
    if text != defining_fit
        || mutation.defined_in >= mutation.cell
        || !mutations
            .iter()
            .filter(|other| other.name == mutation.name && other.defined_in == mutation.defined_in)
            .all(|other| replaces_everything(context, other))
    {
        return false;
    }
    // The names the defining cell's value and fit read, each as it is bound where this cell
    // fits (its own binding above the fit included: `X_train, .. = train_test_split(..,
    // random_state=1)`, then `model.fit(X_train, ..)`) and where the defining cell did.
    value.reads.iter().all(|name| {
        // Bound in the defining cell after the value (between it and its fit, perhaps): not
        // followed. Above it (`from sklearn.linear_model import LogisticRegression`): the
        // binding the value and its fit read.
        let before = index.binding_before(name, mutation.defined_in, None);
        if before.is_some_and(|(cell, bound)| {
            cell == mutation.defined_in && bound.span.start > definition.span.start
        }) {
            return false;
        }
        let here = index.binding_before(name, mutation.cell, Some(mutation.span.start));
        super::nb205_redefined_across_cells::same_value(
            context,
            index,
            name,
            (mutation.defined_in, mutation.cell),
            before,
            here,
            super::nb205_redefined_across_cells::SAME_VALUE_DEPTH,
        )
    })
}

/// The definition of the changed name that cell `defined_in` leaves: its last.
///
/// `with model as model:` binds the name to what entering the value gave, most often the
/// value itself (a cobra model returns itself): the definition behind it, earlier in the cell,
/// is the one that says what the value is.
fn last_definition<'a>(
    context: &Context<'a>,
    mutation: &CrossCellMutation,
) -> Option<&'a nblint_facts::Definition> {
    let facts = context.facts.cell(mutation.defined_in)?;
    let source = context
        .notebook
        .cell(mutation.defined_in)
        .map(|cell| cell.source.as_str());
    let mut definitions = facts
        .defines
        .iter()
        .rev()
        .filter(|definition| definition.name == mutation.name);
    let last = definitions.next()?;
    match source {
        Some(source) if entered_as_itself(source, last) => definitions.next().or(Some(last)),
        _ => Some(last),
    }
}

/// Whether a definition is the target of `with NAME as NAME` (the context is the name itself).
fn entered_as_itself(source: &str, definition: &nblint_facts::Definition) -> bool {
    let Some(before) = source.get(..definition.span.start) else {
        return false;
    };
    let line = before.rsplit('\n').next().unwrap_or(before);
    let words: Vec<&str> = line.split_whitespace().collect();
    matches!(
        words.as_slice(),
        [.., "with", context, "as"] if *context == definition.name
    )
}

/// The module path a name was imported from in any cell (`Logit` →
/// `statsmodels.discrete.discrete_model.Logit`), if it was imported.
fn imported_from(context: &Context<'_>, name: &str) -> Option<String> {
    context
        .facts
        .cells
        .iter()
        .flatten()
        .flat_map(|facts| &facts.imports)
        .find(|import| import.binding.as_deref() == Some(name))
        .map(|import| import.path.clone())
}

#[cfg(test)]
mod tests {
    use super::split_assignment;

    #[test]
    fn an_assignment_splits_at_its_own_equals_sign() {
        assert_eq!(
            split_assignment(r#"df["a"]=df["b"]==1"#),
            Some((r#"df["a"]"#, r#"df["b"]==1"#))
        );
        assert_eq!(
            split_assignment(r#"df.loc[df.x>=0,"y"]=f(k=1)"#),
            Some((r#"df.loc[df.x>=0,"y"]"#, "f(k=1)"))
        );
        assert_eq!(split_assignment(r#"d["=:"]=1"#), Some((r#"d["=:"]"#, "1")));
        assert_eq!(split_assignment("f(a=1)"), None);
        assert_eq!(split_assignment("a==b"), None);
    }
}
