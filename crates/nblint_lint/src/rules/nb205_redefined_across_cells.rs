use std::collections::{HashMap, HashSet};

use nblint_facts::{BoundValue, Definition, DefinitionKind, Span};
use nblint_graph::Graph;

use super::name_index::{NameIndex, Origin, never_binds, never_read};
use super::{places, value_text};
use crate::registry::{Context, Finding, declare_rule};

declare_rule! {
    /// A top-level variable bound in more than one cell while another cell reads it across
    /// cells: which value that reader sees depends on which binding cell ran last. Not in the
    /// default selection: read by hand on real notebooks, one finding in five was a
    /// redefinition that gives the reader the same value either way (`docs/precision.md`).
    NB205_REDEFINED_ACROSS_CELLS {
        code: "NB205",
        name: "redefined-across-cells",
        severity: Warning,
        fixable: false,
        needs_analysis: true,
        check: check,
        in_default_selection: false,
    }
}

/// A cell that reads a name from another cell: the reader, the cell its value comes from in
/// top-to-bottom order, and where it first reads it.
struct Reader {
    cell: usize,
    from: usize,
    span: Span,
}

/// One finding per later binding cell whose value some other cell reads, or which reads the
/// earlier value itself. A name bound and used only within each cell (`fig`, `ax`, `i`) is
/// quiet: no cell's result depends on which binding ran last.
fn check(context: &Context<'_>, findings: &mut Vec<Finding>) {
    let mut index = None;
    // `DEBUG = False`, then `if DEBUG: print(model)`: a read that never happens.
    let switched_off = switched_off_reads(context, &mut index);
    // A cell that stops (a library excerpt reading a name no cell defines) neither reads nor
    // binds anything from that line on.
    let reads = places::CrossCellReads::of(context);
    let mut readers: HashMap<&str, Vec<Reader>> = HashMap::new();
    for use_ in context.graph.uses() {
        if let Some(from) = reads.from(context, use_)
            && !switched_off.contains(&(use_.cell, use_.name.as_str()))
        {
            readers.entry(&use_.name).or_default().push(Reader {
                cell: use_.cell,
                from,
                span: use_.span,
            });
        }
    }
    let mut call_sites = None;
    let mut called_names = None;
    for (name, cells) in Graph::variables_bound_in_several_cells(context.facts) {
        let Some(readers) = readers.get(name.as_str()) else {
            continue;
        };
        // A binding made only when a function of the cell runs (`global name` in a
        // callback) is not one the cell makes: which value a reader sees depends on the
        // calls, not on which cell ran last.
        // Nor is one under a top-level `if` on a constant that cannot hold (`if transform ==
        // "%":` after `transform = "log"`; the `else` of `if in_cloud:` after `in_cloud =
        // True`): it never happens.
        // Nor is one from the line where its cell stops on.
        let mut never_made: HashSet<*const Definition> = HashSet::new();
        for &cell in &cells {
            for definition in context.facts.cell(cell).into_iter().flat_map(|facts| {
                facts
                    .defines
                    .iter()
                    .filter(|definition| definition.name == name)
            }) {
                if reads.stops_before(cell, definition.span.start) {
                    never_made.insert(std::ptr::from_ref(definition));
                    continue;
                }
                if definition.guard.is_none() {
                    continue;
                }
                if never_binds(
                    index.get_or_insert_with(|| NameIndex::of(context.facts)),
                    cell,
                    definition,
                ) {
                    never_made.insert(std::ptr::from_ref(definition));
                }
            }
        }
        // Nor is one the cell never reaches (a statement above it calls an exercise's stub
        // that raises).
        let binds = |definition: &Definition| {
            definition.kind == DefinitionKind::Variable
                && definition.name == name
                && !definition.in_function
                && !definition.unreached
                && !never_made.contains(&std::ptr::from_ref(definition))
        };
        // A cell whose last binding gives back the value the name held when it began
        // (`X_bk = deepcopy(X)`, .., `X = deepcopy(X_bk)`) leaves the name as it found it;
        // one that ends with `del name` leaves no value at all; one whose every binding sits
        // under an `if` on a constant that never holds (`if transform == "%":` after
        // `transform = "log"`) binds nothing.
        let cells: Vec<usize> = cells
            .into_iter()
            .filter(|&cell| {
                let Some(facts) = context.facts.cell(cell) else {
                    return false;
                };
                facts.defines.iter().any(&binds)
            })
            .filter(|&cell| {
                context.facts.cell(cell).is_some_and(|facts| {
                    facts
                        .defines
                        .iter()
                        .rev()
                        .find(|definition| binds(definition))
                        .is_some_and(|definition| {
                            !definition.restores
                                && !facts.deleted.iter().any(|deleted| {
                                    deleted.name == name
                                        && !deleted.conditional
                                        && deleted.span.start > definition.span.start
                                })
                        })
                })
            })
            .collect();
        let binding = |cell: usize| {
            context
                .facts
                .cell(cell)
                .and_then(|facts| facts.defines.iter().find(|d| binds(d)))
        };
        // The values a cell binds the name to, in order: every binding must be the same in
        // both cells (`(x, y) = load()` then `x = x.reshape(..)` is not `(x, y) = load()`
        // alone; `p = ""` then `p = env()` under an `if` is not `p = "[id]"` then the same).
        let values = |cell: usize| -> Option<Vec<&nblint_facts::BoundValue>> {
            context.facts.cell(cell).and_then(|facts| {
                facts
                    .defines
                    .iter()
                    .filter(|definition| binds(definition))
                    .map(|definition| definition.value.as_ref())
                    .collect()
            })
        };
        for pair in cells.windows(2) {
            let (earlier, later) = (pair[0], pair[1]);
            let (Some(earlier_binding), Some(later_binding)) = (binding(earlier), binding(later))
            else {
                continue;
            };
            if places::never_ran(context, earlier) || places::never_ran(context, later) {
                continue;
            }
            // The same value bound again (`n_epochs = 5`, `df = pd.read_csv(path)` in two
            // cells) from inputs nothing rebinds or changes in between: a reader sees the
            // same value whichever ran last.
            // A binding after the cell's first may read the name (`pred = model.predict(x)`
            // then `pred = np.argmax(pred, axis=1)`): it reads the value the cell itself just
            // bound, when that first binding always runs and reads no older value.
            if let (Some(first), Some(second)) = (values(earlier), values(later))
                && first == second
                && first.iter().all(|value| !value.changed)
                && first
                    .first()
                    .is_some_and(|value| !value.reads.contains(&name))
                && (!first.iter().any(|value| value.reads.contains(&name))
                    || !(earlier_binding.conditional || later_binding.conditional))
                && !changed_between(
                    context,
                    index.get_or_insert_with(|| NameIndex::of(context.facts)),
                    (earlier, earlier_binding),
                    (later, later_binding),
                    &first
                        .iter()
                        .flat_map(|value| value.reads.iter().cloned())
                        .filter(|read| *read != name)
                        .collect::<Vec<_>>(),
                )
            {
                continue;
            }
            // The later cell applies to the value the earlier left an operation that gives it
            // back (`X = X.reshape(n, 1)` in both, nothing changing `X` between; `X =
            // X.copy()`).
            if gives_back_the_value_it_found(
                context,
                index.get_or_insert_with(|| NameIndex::of(context.facts)),
                &name,
                &binds,
                earlier,
                (later, later_binding),
            ) {
                continue;
            }
            // Both cells leave the same value, whatever the later one bound on the way
            // (`U = 0.005`, used, then `U = 0.001` again, as the earlier cell set it).
            let (Some(earlier_last), Some(later_last)) = (
                last_binding(context, earlier, &binds),
                last_binding(context, later, &binds),
            ) else {
                continue;
            };
            if !(earlier_last.conditional || later_last.conditional)
                && let (Some(first_value), Some(second_value)) =
                    (&earlier_last.value, &later_last.value)
                && first_value == second_value
                && !first_value.changed
                && !second_value.changed
                && !first_value.reads.contains(&name)
                && !changed_between(
                    context,
                    index.get_or_insert_with(|| NameIndex::of(context.facts)),
                    (earlier, earlier_last),
                    (later, later_last),
                    &first_value.reads,
                )
            {
                continue;
            }
            // The same value through an intermediate name or written inline (`x2 = x1 + dx`,
            // `y2 = f(x2)`, then `y2 = f(x1 + dx)`), the cell's own earlier binding of the
            // name included (`r = p.pct_change()`, `r = r.dropna()`, then `r =
            // p.pct_change().dropna()`): each cell's last binding, written out.
            if let (Some(first), Some(second)) = (&earlier_last.value, &later_last.value)
                && !first.changed
                && !second.changed
                && !(earlier_last.conditional || later_last.conditional)
            {
                let index = index.get_or_insert_with(|| NameIndex::of(context.facts));
                if let Some(reads) = same_value_reads(
                    index,
                    context.vocabulary.subscript_as_attribute,
                    &name,
                    (earlier, earlier_last.span.start, first),
                    (later, later_last.span.start, second),
                ) && !changed_between(
                    context,
                    index,
                    (earlier, earlier_last),
                    (later, later_last),
                    &reads,
                ) {
                    continue;
                }
            }
            // The same cell run twice (copied, or wrapped differently): every value it binds
            // is the same when what it reads is.
            if same_code_from_same_inputs(
                context,
                index.get_or_insert_with(|| NameIndex::of(context.facts)),
                earlier,
                later,
            ) {
                continue;
            }
            // The later cell gives back the value the earlier one left: it restores a backup
            // a cell between took (`A_ = A.copy()`, then `A = A_.copy()`), or loads back the
            // file a cell saved it to (`model.save(path)`, then `model = load_model(path)`).
            let index = index.get_or_insert_with(|| NameIndex::of(context.facts));
            let pair = ((earlier, earlier_last), (later, later_last));
            if restores_a_backup(context, index, &name, pair.0, pair.1)
                || loads_what_was_saved(context, index, &name, pair.0, pair.1)
                || looks_up_what_was_left(index, &name, pair.0, pair.1)
            {
                continue;
            }
            // The redefinition matters when the later value is read across cells (re-running
            // the earlier cell after it changes what that reader sees), or when the later
            // binding reads the old value (`data = sorted(data)`: re-running it applies it
            // twice). A reader between the two of the earlier value alone is left out: in a
            // run from the top it always sees that value.
            let Some(reader) = readers.iter().find(|reader| {
                ((reader.from == later && reader.cell != later)
                    || (reader.cell == later
                        && reader.from == earlier
                        && reads_the_old_value(context, later, &name, &binds)
                        && !reapplies_to_itself(context, &name, &binds, (later, later_binding))
                        && !context
                            .facts
                            .cell(later)
                            .is_some_and(|facts| facts.reapplied.contains(&name))))
                    && !call_sites
                        .get_or_insert_with(|| Calls::of(context.facts))
                        .callers_bind_first(context.facts, reader.cell, &name)
                    && !context.facts.cell(reader.cell).is_some_and(|facts| {
                        let called = called_names
                            .get_or_insert_with(|| places::CalledNames::of(context.facts));
                        facts
                            .uses
                            .iter()
                            .filter(|use_| use_.name == name)
                            .all(|use_| called.never_read(reader.cell, use_))
                    })
            }) else {
                continue;
            };
            let reads = if reader.cell == later {
                format!("cell {later} reads it before binding it again")
            } else {
                format!("cell {} reads it", reader.cell)
            };
            findings.push(
                Finding::new(
                    later,
                    later_binding.span,
                    format!(
                        "`{name}` is also bound in cell {earlier}, and {reads}: which value it sees depends on which of the two cells ran last"
                    ),
                )
                .with_related(
                    earlier,
                    earlier_binding.span,
                    format!("`{name}` is first bound here"),
                )
                .with_related(reader.cell, reader.span, format!("`{name}` is read here")),
            );
        }
    }
}

/// Whether cells `earlier` and `later` hold the same code (the front end's fingerprint:
/// comments, spacing and line wraps aside), which binds every variable unconditionally to a
/// repeatable value, defines no function or class and runs no magic or shell line, and whose
/// every free read holds the same value at both
/// (see [`same_value`]; a value either cell changes in place never does): then the later cell
/// binds each name to what the earlier one did, through whatever chain of bindings
/// (`df = pd.read_csv(..)`, `df = pd.concat([df, ..])`, `df.drop(.., inplace=True)`).
fn same_code_from_same_inputs(
    context: &Context<'_>,
    index: &NameIndex<'_>,
    earlier: usize,
    later: usize,
) -> bool {
    let (Some(first), Some(second)) = (context.facts.cell(earlier), context.facts.cell(later))
    else {
        return false;
    };
    let repeatable = |facts: &nblint_facts::CellFacts| {
        facts.errors.is_empty()
            && facts.commands.is_empty()
            && !facts.binds_unknown_names
            && !facts.partially_analysed
            && facts
                .defines
                .iter()
                .all(|definition| match definition.kind {
                    DefinitionKind::Import => true,
                    // Under a condition, which binding ran may differ between two runs. A cell
                    // that seeds the random generators first draws the same numbers again
                    // (`np.random.seed(2)`, then `pred = np.random.rand(4)`).
                    DefinitionKind::Variable => {
                        !definition.conditional
                            && definition
                                .value
                                .as_ref()
                                .map_or(facts.seeded, |value| !value.changed)
                    }
                    // A function or class the cell defines may draw random numbers when called.
                    _ => false,
                })
    };
    first.fingerprint.is_some()
        && first.fingerprint == second.fingerprint
        && repeatable(first)
        && repeatable(second)
        && first.uses.len() == second.uses.len()
        && first.uses.iter().zip(&second.uses).all(|(one, other)| {
            one.name == other.name
                && same_value(
                    context,
                    index,
                    &one.name,
                    (earlier, later),
                    index.binding_before(&one.name, earlier, Some(one.span.start)),
                    index.binding_before(&other.name, later, Some(other.span.start)),
                    SAME_VALUE_DEPTH,
                )
        })
}

/// Whether the only binding of `name` in cell `later`, unconditional, applies an idempotent
/// operation ([`Definition::idempotent`]) to the name's own value, so that it gives back the
/// value the earlier cell left and running either again changes nothing:
/// - a copy (`X = X.copy()`) gives back any value, when the cell does not go on to use it;
/// - a conversion (`y = np.array(y)`, `x = x.to(device)`) keeps what the earlier cell's value
///   holds, when it is that value it converts (none between, nothing changing it in place);
/// - another operation needs the binding it reads to be the earlier cell's (none between,
///   nothing changing the name in place from the earlier cell to the later) and the
///   operation's other inputs to hold the same values at both, and the earlier cell to have
///   applied the same operation: as its last binding, unconditionally, to whatever (`X =
///   np.arange(12).reshape(s)`, then `X = X.reshape(s)`), or, if under a condition, in every
///   binding it makes, to the name itself.
fn gives_back_the_value_it_found(
    context: &Context<'_>,
    index: &NameIndex<'_>,
    name: &str,
    binds: &impl Fn(&Definition) -> bool,
    earlier: usize,
    (later, second): (usize, &Definition),
) -> bool {
    let bindings = |cell: usize| {
        context
            .facts
            .cell(cell)
            .into_iter()
            .flat_map(|facts| facts.defines.iter().filter(|definition| binds(definition)))
    };
    let Some((again, operation)) = idempotent_on_itself(context, name, binds, (later, second))
    else {
        return false;
    };
    // A copy is made to be changed: one the cell goes on to use may be changed by what it is
    // passed to (`l = l.copy()`, then `sort_in_place(l)`).
    if operation.identity {
        return !(operation.copy && second.used_in_cell);
    }
    let Some((reached_cell, reached)) = index.binding_before(name, later, Some(second.span.start))
    else {
        return false;
    };
    // A conversion of the earlier cell's value keeps what it holds (`y = np.array(y)`, `x =
    // x.to(device)`): a reader sees the same content whichever ran last.
    if operation.keeps_content {
        return reached_cell == earlier && !index.mutated(name, earlier, later);
    }
    let applies_the_same = |definition: &Definition| {
        definition
            .idempotent
            .as_ref()
            .is_some_and(|applied| applied.same_operation(operation))
            && definition.value.as_ref().is_none_or(|value| !value.changed)
    };
    let earlier_applied = if reached.conditional {
        bindings(earlier).all(|definition| {
            applies_the_same(definition)
                && definition
                    .idempotent
                    .as_ref()
                    .is_some_and(|applied| applied.operand == name)
        })
    } else {
        applies_the_same(reached)
    };
    reached_cell == earlier
        && earlier_applied
        && !index.mutated(name, earlier, later)
        && !changed_between(
            context,
            index,
            (earlier, reached),
            (later, second),
            &again
                .reads
                .iter()
                .filter(|read| *read != name)
                .cloned()
                .collect::<Vec<_>>(),
        )
}

/// The value and the operation of cell `later`'s binding `second` of `name`, when it is the
/// cell's only binding of the name, unconditional, and applies an idempotent operation
/// ([`Definition::idempotent`]) to the name's own value, which nothing in the cell changes
/// after (`df = df.copy()`, then `df["z"] = ..`).
fn idempotent_on_itself<'a>(
    context: &Context<'a>,
    name: &str,
    binds: &impl Fn(&Definition) -> bool,
    (later, second): (usize, &'a Definition),
) -> Option<(&'a BoundValue, &'a nblint_facts::IdempotentOperation)> {
    let (Some(again), Some(operation)) = (&second.value, &second.idempotent) else {
        return None;
    };
    let unchanged = again.text.len()
        == operation.before.len() + operation.operand.len() + operation.after.len();
    let only = context.facts.cell(later).is_some_and(|facts| {
        facts
            .defines
            .iter()
            .filter(|definition| binds(definition))
            .all(|definition| std::ptr::eq(definition, second))
    });
    (operation.operand == name && unchanged && !again.changed && !second.conditional && only)
        .then_some((again, operation))
}

/// Whether cell `later` reads the value another cell left only to apply to it an operation
/// that gives the same result when applied to its own result (`df = df.dropna()`, `y =
/// np.array(y)`, `x = x.to(device)`): running the cell again binds what it bound before, so
/// it is no reader whose result depends on which of the two cells ran last. A cell below
/// that binds the name anew is left out, as a reader between two bindings is: in a run from
/// the top this cell never sees that value. Not when the cell reads the name before that
/// binding too (`print(len(df))`), but for a change in place that gives the same result
/// when made again (`df.sort_values("a", inplace=True)`, then `df = df.reindex(columns=
/// cols)`).
fn reapplies_to_itself(
    context: &Context<'_>,
    name: &str,
    binds: &impl Fn(&Definition) -> bool,
    (later, second): (usize, &Definition),
) -> bool {
    idempotent_on_itself(context, name, binds, (later, second)).is_some()
        && context.facts.cell(later).is_some_and(|facts| {
            !facts.uses.iter().any(|use_| {
                use_.name == name
                    && !use_.deferred
                    && !use_.reapplied_in_place
                    && use_.span.start < second.span.start
            })
        })
}

/// Cell `cell`'s last binding that `binds` accepts.
fn last_binding<'a>(
    context: &Context<'a>,
    cell: usize,
    binds: &impl Fn(&Definition) -> bool,
) -> Option<&'a Definition> {
    context
        .facts
        .cell(cell)
        .and_then(|facts| facts.defines.iter().rev().find(|d| binds(d)))
}

/// Whether cell `later`'s last binding of `name` looks up again the record the earlier
/// cell's last binding left, by an identifier taken from it with nothing binding `name`
/// between (`project = ..`, `project_id = project.uid`, then `project = client.get_project(
/// project_id)`; see [`Definition::looked_up_by`]).
fn looks_up_what_was_left(
    index: &NameIndex<'_>,
    name: &str,
    (_, original): (usize, &Definition),
    (later, lookup): (usize, &Definition),
) -> bool {
    let Some(key) = lookup.looked_up_by.as_deref() else {
        return false;
    };
    let Some((key_cell, identifier)) = index.binding_before(key, later, Some(lookup.span.start))
    else {
        return false;
    };
    identifier.identifies.as_deref() == Some(name)
        && !identifier.conditional
        && !lookup.conditional
        && lookup.value.as_ref().is_none_or(|value| !value.changed)
        && index
            .binding_before(name, key_cell, Some(identifier.span.start))
            .is_some_and(|(_, identified)| std::ptr::eq(identified, original))
}

/// Whether cell `later`'s last binding of `name` copies a backup that a cell from `earlier`
/// on took of the value `earlier` left (`A_ = A.copy()`, then `A = A_.copy()`), with neither
/// changed in place since, from inputs that hold the same values at both cells: running
/// `earlier` again would give the same value.
fn restores_a_backup(
    context: &Context<'_>,
    index: &NameIndex<'_>,
    name: &str,
    (earlier, original): (usize, &Definition),
    (later, restore): (usize, &Definition),
) -> bool {
    let Some(backup_name) = restore.copies.as_deref() else {
        return false;
    };
    let Some((backup_cell, backup)) =
        index.binding_before(backup_name, later, Some(restore.span.start))
    else {
        return false;
    };
    let copied_original = index
        .binding_before(name, backup_cell, Some(backup.span.start))
        .is_some_and(|(_, copied)| std::ptr::eq(copied, original));
    let Some(value) = &original.value else {
        return false;
    };
    // A backup changed in its own cell (`A_[0] = 1` appends `|..` to its value's text) is
    // no longer the value it copied.
    let backup_unchanged = backup
        .value
        .as_ref()
        .is_some_and(|value| !value.changed && !value.text.contains('|'));
    backup.copies.as_deref() == Some(name)
        && backup_unchanged
        && copied_original
        && !restore.conditional
        && !value.changed
        && !value.reads.iter().any(|read| read == name)
        && !index.mutated(name, earlier, backup_cell)
        && !index.mutated(backup_name, backup_cell, later)
        && !changed_between(
            context,
            index,
            (earlier, original),
            (later, restore),
            &value.reads,
        )
}

/// Whether cell `later`'s last binding of `name` loads a file ([`Definition::loads`]) whose
/// last save before it, in a cell from `earlier` on, wrote the value `earlier` left (not
/// changed in place in a cell between), to a path whose inputs hold the same values at the
/// save and at the load: running `earlier` again gives the value the file holds.
fn loads_what_was_saved(
    context: &Context<'_>,
    index: &NameIndex<'_>,
    name: &str,
    (earlier, original): (usize, &Definition),
    (later, load): (usize, &Definition),
) -> bool {
    let Some(path) = load.loads.as_deref() else {
        return false;
    };
    // The last save to the path above the load, no higher than the earlier binding.
    let Some((save_cell, save)) = (earlier..=later).rev().find_map(|cell| {
        let facts = context.facts.cell(cell)?;
        facts
            .saves
            .iter()
            .rev()
            .find(|save| {
                save.path == path
                    && (cell != later || save.span.start < load.span.start)
                    && (cell != earlier || save.span.start > original.span.start)
            })
            .map(|save| (cell, save))
    }) else {
        return false;
    };
    save.name == name
        // `np.save` of a list gives back an array.
        && !(save.as_array && original.container.is_some())
        && index
            .binding_before(name, save_cell, Some(save.span.start))
            .is_some_and(|(_, saved)| std::ptr::eq(saved, original))
        && (save_cell == earlier || !index.mutated(name, earlier + 1, save_cell))
        && save.path_reads.iter().all(|read| {
            same_value(
                context,
                index,
                read,
                (save_cell, later),
                index.binding_before(read, save_cell, Some(save.span.start)),
                index.binding_before(read, later, Some(load.span.start)),
                SAME_VALUE_DEPTH,
            )
        })
}

/// Whether cell `cell` itself reads the value of `name` it finds before binding it again: a
/// read as the cell runs (not in a function body, which runs when called: a callback's
/// `global name`), and not in one branch of a top-level `if` chain whose other branches hold
/// every binding after it.
fn reads_the_old_value(
    context: &Context<'_>,
    cell: usize,
    name: &str,
    binds: &impl Fn(&Definition) -> bool,
) -> bool {
    context.facts.cell(cell).is_some_and(|facts| {
        facts.uses.iter().any(|use_| {
            use_.name == name
                && !use_.deferred
                && !places::after_unknown_code(context, cell, use_.span)
                && !places::is_deletion(facts, use_.span)
                && !read_apart_from_its_bindings(context, cell, use_.span, binds)
        })
    })
}

/// The (cell, name) pairs whose every read in that cell sits under a top-level `if` on a
/// constant that cannot hold there ([`NameUse::guard`](nblint_facts::NameUse::guard)), found
/// in one pass over the reads; the name index is built only for a cell with a guarded read.
fn switched_off_reads<'a>(
    context: &Context<'a>,
    index: &mut Option<NameIndex<'a>>,
) -> HashSet<(usize, &'a str)> {
    let mut found = HashSet::new();
    for (at, facts) in context.facts.cells.iter().enumerate() {
        let Some(facts) = facts else { continue };
        if facts.uses.iter().all(|use_| use_.guard.is_none()) {
            continue;
        }
        let index = index.get_or_insert_with(|| NameIndex::of(context.facts));
        let cell = at + 1;
        let mut every_read_off: HashMap<&str, bool> = HashMap::new();
        for use_ in &facts.uses {
            let off = never_read(index, cell, use_);
            *every_read_off.entry(use_.name.as_str()).or_insert(true) &= off;
        }
        found.extend(
            every_read_off
                .into_iter()
                .filter(|&(_, off)| off)
                .map(|(name, _)| (cell, name)),
        );
    }
    found
}

/// Whether the read at `read` in cell `cell` lies in one branch of a top-level `if` chain and
/// every binding of the name after it in another (`if not use_preset: split(data)` / `else:
/// data = ..`): no run of the cell reads the old value and then binds it again.
fn read_apart_from_its_bindings(
    context: &Context<'_>,
    cell: usize,
    read: Span,
    binds: &impl Fn(&Definition) -> bool,
) -> bool {
    context.facts.cell(cell).is_some_and(|facts| {
        let later: Vec<Span> = facts
            .defines
            .iter()
            .filter(|definition| binds(definition) && definition.span.start > read.start)
            .map(|definition| definition.span)
            .collect();
        facts.in_other_branches(read, &later)
    })
}

/// How many functions [`Calls::callers_bind_first`] follows before it gives up.
const MAX_CALLERS: usize = 16;

/// Where the notebook calls each name from top-level code (`f(..)` outside any function):
/// the cell and where, built once per notebook; names a function body calls are kept apart,
/// since who calls that function is another question.
struct Calls<'a> {
    top_level: HashMap<&'a str, Vec<(usize, usize)>>,
    /// The cells whose function bodies use each name.
    from_functions: HashMap<&'a str, Vec<usize>>,
    /// The functions each cell defines.
    functions: HashMap<usize, Vec<&'a str>>,
}

impl<'a> Calls<'a> {
    fn of(facts: &'a nblint_facts::NotebookFacts) -> Self {
        let mut top_level: HashMap<&str, Vec<(usize, usize)>> = HashMap::new();
        let mut from_functions: HashMap<&str, Vec<usize>> = HashMap::new();
        let mut functions: HashMap<usize, Vec<&str>> = HashMap::new();
        for (index, cell) in facts.cells.iter().enumerate() {
            let Some(cell) = cell else { continue };
            for use_ in &cell.uses {
                if use_.deferred {
                    from_functions
                        .entry(use_.name.as_str())
                        .or_default()
                        .push(index + 1);
                } else {
                    top_level
                        .entry(use_.name.as_str())
                        .or_default()
                        .push((index + 1, use_.span.start));
                }
            }
            for (function, at) in &cell.local_calls {
                top_level
                    .entry(function.as_str())
                    .or_default()
                    .push((index + 1, *at));
            }
            for definition in &cell.defines {
                if definition.kind == DefinitionKind::Function {
                    functions
                        .entry(index + 1)
                        .or_default()
                        .push(definition.name.as_str());
                }
            }
        }
        Self {
            top_level,
            from_functions,
            functions,
        }
    }

    /// Whether cell `cell` reads `name` only inside its functions, and every use of those
    /// functions (or of the functions that call them) is a top-level call in a cell that
    /// binds `name` itself before the call
    /// (`def search(): .. input_tokens ..`, called only after `input_tokens = tokenize(..)`
    /// in the calling cell): the caller decides what the function sees, not the cells that
    /// bound it before.
    fn callers_bind_first(
        &self,
        facts: &nblint_facts::NotebookFacts,
        cell: usize,
        name: &str,
    ) -> bool {
        let Some(reader) = facts.cell(cell) else {
            return false;
        };
        let mut reads = reader.uses.iter().filter(|use_| use_.name == name);
        if !reads.all(|use_| use_.deferred) {
            return false;
        }
        // The cell's functions and, when another function calls one of them (`lstm_backward`
        // calling `lstm_cell_backward`), every function of the cells whose functions call it,
        // a few levels up: each of their top-level calls must come after its cell binds the
        // name.
        let Some(functions) = self.functions.get(&cell) else {
            return false;
        };
        let mut reached: Vec<&str> = functions.clone();
        let mut next = 0;
        while next < reached.len() {
            if reached.len() > MAX_CALLERS {
                return false;
            }
            let function = reached[next];
            next += 1;
            for caller_cell in self.from_functions.get(function).into_iter().flatten() {
                let Some(callers) = self.functions.get(caller_cell) else {
                    // Called from a method or a lambda: who calls that is not followed.
                    return false;
                };
                for caller in callers {
                    if !reached.contains(caller) {
                        reached.push(caller);
                    }
                }
            }
        }
        let mut sites = reached
            .iter()
            .flat_map(|function| self.top_level.get(function).into_iter().flatten())
            .peekable();
        sites.peek().is_some()
            && sites.all(|&(caller, at)| {
                facts.cell(caller).is_some_and(|facts| {
                    facts.defines.iter().any(|definition| {
                        definition.name == name
                            && definition.kind == DefinitionKind::Variable
                            && !definition.conditional
                            && !definition.in_function
                            && definition.span.start < at
                    })
                })
            })
    }
}

/// Whether the two bindings leave different values: one of the names its value reads
/// (`reads`) is changed in place from cell `earlier` to cell `later`, or holds another value
/// at the later binding than at the earlier one (see [`same_value`]: `nsample = 50` bound
/// again to `50`, `base = list(range(3))` rebuilt the same way, `n` set to 23 and back to 20
/// change nothing). A change of `name` itself in a cell between the two does not count: each
/// binding makes the value anew, so a reader sees the same value whichever binding ran last
/// (`data = pd.DataFrame(..)`, `data["c"] = 1`, then the same `data = pd.DataFrame(..)`
/// again). A binding cell that changes the value after binding it (`BoundValue::changed`)
/// never gets here.
fn changed_between(
    context: &Context<'_>,
    index: &NameIndex<'_>,
    earlier: (usize, &Definition),
    later: (usize, &Definition),
    reads: &[String],
) -> bool {
    reads.iter().any(|read| {
        index.mutated(read, earlier.0, later.0) || {
            let before = index.binding_before(read, earlier.0, Some(earlier.1.span.start));
            let after = index.binding_before(read, later.0, Some(later.1.span.start));
            !same_value(
                context,
                index,
                read,
                (earlier.0, later.0),
                before,
                after,
                SAME_VALUE_DEPTH,
            )
        }
    })
}

/// How deep [`same_value`] follows the inputs of inputs.
pub(super) const SAME_VALUE_DEPTH: usize = 4;

/// Whether `name` holds the same value at two points, in cells `points.0 <= points.1`
/// (`first` and `second` are the bindings in force there): nothing changes it in place from
/// where `first` was bound to the second point, and the two are the same binding, the same
/// import, or two bindings of the same repeatable expression whose own inputs hold the same
/// values at each (followed `depth` levels). A binding under a condition is never the
/// same, unless it imports the same thing: whether it ran is not known.
pub(super) fn same_value(
    context: &Context<'_>,
    index: &NameIndex<'_>,
    name: &str,
    points: (usize, usize),
    first: Origin<'_>,
    second: Origin<'_>,
    depth: usize,
) -> bool {
    // The same binding changes between the points; two bindings each from where it was
    // bound (`base = [1]`, `base.append(2)`, read, then `base = [1]` again and read).
    let from = match (first, second) {
        (Some((_, first)), Some((_, second))) if std::ptr::eq(first, second) => points.0,
        (Some((cell, _)), _) => cell,
        _ => points.0,
    };
    if index.mutated(name, from, points.1) {
        return false;
    }
    match (first, second) {
        (None, None) => true,
        (Some((first_cell, first)), Some((second_cell, second))) => {
            if std::ptr::eq(first, second) {
                // A function or class the notebook defines reads, when called, the names its
                // cell's function bodies read (`def run(): return np.zeros(I)`): they must
                // hold the same values at both points too.
                if matches!(first.kind, DefinitionKind::Function | DefinitionKind::Type) {
                    return depth > 0
                        && called_reads(context, first_cell, name)
                            .all(|read| holds_the_same(context, index, read, points, depth - 1));
                }
                return true;
            }
            // A function defined again the same way (`def attention(*args, **kwargs): ..` in
            // two cells), whose reads hold the same values at both points, is the same
            // function.
            if first.kind == DefinitionKind::Function
                && second.kind == DefinitionKind::Function
                && !first.conditional
                && !second.conditional
                && first.definition_fingerprint.is_some()
                && first.definition_fingerprint == second.definition_fingerprint
            {
                let mut first_reads: Vec<&str> = called_reads(context, first_cell, name).collect();
                let mut second_reads: Vec<&str> =
                    called_reads(context, second_cell, name).collect();
                first_reads.sort_unstable();
                first_reads.dedup();
                second_reads.sort_unstable();
                second_reads.dedup();
                return depth > 0
                    && first_reads == second_reads
                    && first_reads
                        .iter()
                        .all(|read| holds_the_same(context, index, read, points, depth - 1));
            }
            // The same module or function imported again, even under `try:` (`except:`
            // imports it the same way, or the name is missing altogether).
            if first.kind == DefinitionKind::Import || second.kind == DefinitionKind::Import {
                let (Some(first_import), Some(second_import)) = (
                    import_path(context, first_cell, name),
                    import_path(context, second_cell, name),
                ) else {
                    return false;
                };
                return same_import(first_import, second_import);
            }
            if first.conditional || second.conditional {
                return false;
            }
            let (Some(first_value), Some(second_value)) = (&first.value, &second.value) else {
                return false;
            };
            if first_value.changed || second_value.changed || depth == 0 {
                return false;
            }
            let Some(reads) = same_value_reads(
                index,
                context.vocabulary.subscript_as_attribute,
                name,
                (first_cell, first.span.start, first_value),
                (second_cell, second.span.start, second_value),
            ) else {
                return false;
            };
            reads.iter().all(|read| {
                same_value(
                    context,
                    index,
                    read,
                    (first_cell, second_cell),
                    index.binding_before(read, first_cell, Some(first.span.start)),
                    index.binding_before(read, second_cell, Some(second.span.start)),
                    depth - 1,
                )
            })
        }
        _ => false,
    }
}

/// Whether `read`, which a function reads when called, holds the same value at the two
/// points (cells) a value is read at, followed `depth` levels ([`same_value`]).
fn holds_the_same(
    context: &Context<'_>,
    index: &NameIndex<'_>,
    read: &str,
    points: (usize, usize),
    depth: usize,
) -> bool {
    same_value(
        context,
        index,
        read,
        points,
        index.binding_before(read, points.0, None),
        index.binding_before(read, points.1, None),
        depth,
    )
}

/// The names two bound values of `name` (each with its cell and offset) read, when their
/// texts say they are the same value: the same text, or the same once each name they read is
/// written out as the value it holds ([`inlined`]). `None` when they differ, or when either
/// reads `name` itself other than from its own cell above it (its value then depends on which
/// binding ran before). Whether those names
/// hold the same values at both is the caller's to check.
fn same_value_reads(
    index: &NameIndex<'_>,
    as_attribute: fn(&str) -> bool,
    name: &str,
    (first_cell, first_at, first): (usize, usize, &BoundValue),
    (second_cell, second_at, second): (usize, usize, &BoundValue),
) -> Option<Vec<String>> {
    // A value that reads the name itself depends on which binding ran before, unless the
    // binding it reads is its own cell's, above it (`r = p.pct_change()`, then `r =
    // r.dropna()`): that one is written out like any other name.
    let reads_name = |value: &BoundValue| value.reads.iter().any(|read| read == name);
    let reads_another_cells = |value: &BoundValue, cell: usize, at: usize| {
        reads_name(value)
            && index
                .binding_before(name, cell, Some(at))
                .is_none_or(|(bound_in, _)| bound_in != cell)
    };
    if reads_another_cells(first, first_cell, first_at)
        || reads_another_cells(second, second_cell, second_at)
    {
        return None;
    }
    if first == second && !reads_name(first) {
        return Some(first.reads.clone());
    }
    let written_out = inlined(
        index,
        as_attribute,
        (first, name),
        first_cell,
        first_at,
        INLINE_DEPTH,
    );
    let same = written_out
        == inlined(
            index,
            as_attribute,
            (second, name),
            second_cell,
            second_at,
            INLINE_DEPTH,
        );
    let (_, reads) = written_out;
    (same && !reads.iter().any(|read| read == name)).then_some(reads)
}

/// How many names deep [`inlined`] writes a value out.
const INLINE_DEPTH: usize = 2;

/// The text of `value`, bound in cell `cell` at offset `at`, with each name it reads written
/// out as the value that name holds there (`f(x2)` with `x2 = x1 + dx` is `f(x1+dx)`), and the
/// names it then reads, sorted: two spellings of one computation, through an intermediate
/// name or inline, give the same text. A name is written out when its binding in force is an
/// unconditional, repeatable value not changed in place since, whose own inputs hold the
/// same values at that binding and here (`depth` levels deep). `chain` is the name the value
/// binds: its own cell's earlier bindings of it are written out at any depth, another cell's
/// never. `as_attribute` says which subscripts the front end writes as attributes
/// ([`value_text::substitute`]).
fn inlined(
    index: &NameIndex<'_>,
    as_attribute: fn(&str) -> bool,
    (value, chain): (&BoundValue, &str),
    cell: usize,
    at: usize,
    depth: usize,
) -> (String, Vec<String>) {
    let mut text = value.text.clone();
    let mut reads = Vec::with_capacity(value.reads.len());
    for read in &value.reads {
        let written_out =
            index
                .binding_before(read, cell, Some(at))
                .and_then(|(bound_in, binding)| {
                    // A step of the cell's own chain of bindings of the name (`r = r.dropna()`
                    // after `r = f(p)`) is written out whatever the depth: the chain ends above.
                    // Another cell's binding of the name is the value this one depends on running
                    // before: never written out.
                    let link = read == chain && bound_in == cell;
                    let bound = binding.value.as_ref()?;
                    let holds_here = (link || (read != chain && depth > 0))
                        && binding.kind == DefinitionKind::Variable
                        && !binding.conditional
                        && !binding.in_function
                        && !index.mutated(read, bound_in, cell)
                        && !bound.changed
                        && (link || !bound.reads.contains(read))
                        && bound.reads.iter().all(|input| {
                            (link && input == read)
                                || (!index.mutated(input, bound_in, cell)
                                    && same_binding(
                                        index.binding_before(
                                            input,
                                            bound_in,
                                            Some(binding.span.start),
                                        ),
                                        index.binding_before(input, cell, Some(at)),
                                    ))
                        });
                    if !holds_here {
                        return None;
                    }
                    let (replacement, inputs) = inlined(
                        index,
                        as_attribute,
                        (bound, chain),
                        bound_in,
                        binding.span.start,
                        if link { depth } else { depth - 1 },
                    );
                    value_text::substitute(&text, read, &replacement, as_attribute)
                        .map(|text| (text, inputs))
                });
        match written_out {
            Some((substituted, inputs)) => {
                text = substituted;
                reads.extend(inputs);
            }
            None => reads.push(read.clone()),
        }
    }
    reads.sort_unstable();
    reads.dedup();
    (text, reads)
}

/// Whether two points see the same binding of a name (or both none).
fn same_binding(first: Origin<'_>, second: Origin<'_>) -> bool {
    match (first, second) {
        (None, None) => true,
        (Some((_, first)), Some((_, second))) => std::ptr::eq(first, second),
        _ => false,
    }
}

/// The names the function or class `name` of cell `cell` reads from the notebook when called:
/// its body's reads ([`NameUse::function`](nblint_facts::NameUse::function)), those of the
/// cell's other functions it reads, followed through
/// ([`CellFacts::function_reads`](nblint_facts::CellFacts::function_reads)), and every read
/// no function is known for; `name` itself left out.
fn called_reads<'a>(
    context: &Context<'a>,
    cell: usize,
    name: &'a str,
) -> impl Iterator<Item = &'a str> {
    let facts = context.facts.cell(cell);
    let uses: &'a [nblint_facts::NameUse] = facts.map_or(&[], |facts| facts.uses.as_slice());
    let links: &'a [(String, String)] = facts.map_or(&[], |facts| facts.function_reads.as_slice());
    // The function's own reads, and those of the cell's other functions and classes it reads
    // (calls), followed through; a read no function is known for counts for every one.
    let mut functions: Vec<&'a str> = vec![name];
    let mut next = 0;
    while let Some(&function) = functions.get(next) {
        next += 1;
        for (caller, read) in links {
            if caller == function && !functions.contains(&read.as_str()) {
                functions.push(read.as_str());
            }
        }
    }
    uses.iter()
        .filter(move |use_| {
            use_.deferred
                && use_.name != name
                && use_
                    .function
                    .as_deref()
                    .is_none_or(|function| functions.contains(&function))
        })
        .map(|use_| use_.name.as_str())
}

/// Whether two import paths name the same thing: the same path, or the same name from one
/// package through another of its modules (`langchain_cohere.ChatCohere` and
/// `langchain_cohere.chat_models.ChatCohere`: a package re-exports what its modules define).
fn same_import(first: &str, second: &str) -> bool {
    if first == second {
        return true;
    }
    let ends = |path: &'_ str| {
        let (package, _) = path.split_once('.')?;
        let (_, leaf) = path.rsplit_once('.')?;
        Some((package.to_owned(), leaf.to_owned()))
    };
    ends(first).is_some_and(|ends_first| Some(ends_first) == ends(second))
}

/// What cell `cell`'s last (non-glob) import binding `name` imports, if it has one.
fn import_path<'a>(context: &Context<'a>, cell: usize, name: &str) -> Option<&'a str> {
    let source = context.notebook.cell(cell).map(|cell| cell.source.as_str());
    context.facts.cell(cell).and_then(|facts| {
        facts
            .imports
            .iter()
            .rev()
            .find(|import| !import.glob && import.binding.as_deref() == Some(name))
            .map(|import| {
                // `import vaex.jupyter` binds `vaex`, the module `import vaex` binds (the leaf
                // is written as the whole path; `from tqdm import tqdm`'s leaf is not).
                let path = import.path.as_str();
                let written_whole = source
                    .and_then(|source| source.get(import.span.start..import.span.end))
                    == Some(path);
                match path.split_once('.') {
                    Some((first, _)) if written_whole && first == name => first,
                    _ => path,
                }
            })
    })
}

#[cfg(test)]
mod import_tests {
    use super::same_import;

    #[test]
    fn a_package_and_its_module_give_the_same_name() {
        assert!(same_import("numpy", "numpy"));
        assert!(same_import(
            "langchain_cohere.ChatCohere",
            "langchain_cohere.chat_models.ChatCohere"
        ));
        assert!(!same_import(
            "keras.layers.Dense",
            "tensorflow.keras.layers.Dense"
        ));
        assert!(!same_import("numpy", "pandas"));
        assert!(!same_import("sklearn.svm.SVC", "sklearn.svm.LinearSVC"));
    }
}
