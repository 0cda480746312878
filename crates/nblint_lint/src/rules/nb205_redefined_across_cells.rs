use std::collections::HashMap;

use nblint_facts::{Definition, DefinitionKind, Span};
use nblint_graph::{Graph, Resolution};

use super::places;
use crate::registry::{Context, Finding, declare_rule};

declare_rule! {
    /// A top-level variable bound in more than one cell while another cell reads it across
    /// cells: which value that reader sees depends on which binding cell ran last.
    NB205_REDEFINED_ACROSS_CELLS {
        code: "NB205",
        name: "redefined-across-cells",
        severity: Warning,
        fixable: false,
        needs_analysis: true,
        check: check,
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
    let mut readers: HashMap<&str, Vec<Reader>> = HashMap::new();
    for use_ in context.graph.uses() {
        if let Resolution::Above(from) | Resolution::Below(from) = use_.resolution
            && from != use_.cell
        {
            readers.entry(&use_.name).or_default().push(Reader {
                cell: use_.cell,
                from,
                span: use_.span,
            });
        }
    }
    for (name, cells) in Graph::variables_bound_in_several_cells(context.facts) {
        let Some(readers) = readers.get(name.as_str()) else {
            continue;
        };
        let binding = |cell: usize| {
            context.facts.cell(cell).and_then(|facts| {
                facts.defines.iter().find(|definition| {
                    definition.kind == DefinitionKind::Variable && definition.name == name
                })
            })
        };
        // The values a cell binds the name to, in order: every binding must be the same in
        // both cells (`(x, y) = load()` then `x = x.reshape(..)` is not `(x, y) = load()`
        // alone; `p = ""` then `p = env()` under an `if` is not `p = "[id]"` then the same).
        let values = |cell: usize| -> Option<Vec<&nblint_facts::BoundValue>> {
            context.facts.cell(cell).and_then(|facts| {
                facts
                    .defines
                    .iter()
                    .filter(|definition| {
                        definition.kind == DefinitionKind::Variable && definition.name == name
                    })
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
            if let (Some(first), Some(second)) = (values(earlier), values(later))
                && first == second
                && first
                    .iter()
                    .all(|value| !value.changed && !value.reads.contains(&name))
                && !changed_between(
                    context,
                    earlier,
                    later,
                    name.as_str(),
                    &first
                        .iter()
                        .flat_map(|value| value.reads.iter().cloned())
                        .collect::<Vec<_>>(),
                )
            {
                continue;
            }
            // The redefinition matters when the later value is read across cells (re-running
            // the earlier cell after it changes what that reader sees), or when the later
            // binding reads the old value (`data = sorted(data)`: re-running it applies it
            // twice). A reader between the two of the earlier value alone is left out: in a
            // run from the top it always sees that value.
            let Some(reader) = readers.iter().find(|reader| {
                (reader.from == later && reader.cell != later)
                    || (reader.cell == later && reader.from == earlier)
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

/// Whether the two bindings leave different values: one of the names its value reads
/// (`reads`) is changed in place from cell `earlier` to cell `later`, or
/// rebound in a cell after `earlier` up to `later` to another value than it had at `earlier`
/// (`nsample = 50` bound again to `50` changes nothing). A change of `name` itself in a cell
/// between the two does not count: each binding makes the value anew, so a reader sees the
/// same value whichever binding ran last (`data = pd.DataFrame(..)`, `data["c"] = 1`, then
/// the same `data = pd.DataFrame(..)` again). A binding cell that changes the value after
/// binding it (`BoundValue::changed`) never gets here.
fn changed_between(
    context: &Context<'_>,
    earlier: usize,
    later: usize,
    name: &str,
    reads: &[String],
) -> bool {
    // A name both binding cells import the same way themselves (`from skimage import data`
    // above `camera = data.camera()` in each) is their own: what other cells bind it to in
    // between does not reach either binding.
    let own_import = |read: &str| {
        import_path(context, earlier, read).is_some()
            && import_path(context, earlier, read) == import_path(context, later, read)
    };
    let reads: Vec<String> = reads
        .iter()
        .filter(|read| !own_import(read))
        .cloned()
        .collect();
    let reads = reads.as_slice();
    let watched = |candidate: &str| candidate == name || reads.iter().any(|read| read == candidate);
    (earlier..=later).any(|cell| {
        context.facts.cell(cell).is_some_and(|facts| {
            facts
                .mutations
                .iter()
                .any(|mutation| reads.contains(&mutation.name))
                || (cell > earlier
                    && facts.defines.iter().any(|definition| {
                        definition.name != name
                            && watched(&definition.name)
                            && !rebinds_same_value(context, earlier, definition)
                            && !imports_same_again(context, earlier, cell, &definition.name)
                    }))
        })
    })
}

/// Whether cell `cell` binds `name` by importing what the name's last import at or above cell
/// `earlier` imported (`from sklearn.datasets import load_iris` again): the same function.
fn imports_same_again(context: &Context<'_>, earlier: usize, cell: usize, name: &str) -> bool {
    let imported = |cell: usize| import_path(context, cell, name);
    let Some(again) = imported(cell) else {
        return false;
    };
    (1..=earlier)
        .rev()
        .find_map(|before| {
            let facts = context.facts.cell(before)?;
            facts
                .defines
                .iter()
                .any(|definition| definition.name == name)
                .then(|| imported(before))
        })
        .flatten()
        == Some(again)
}

/// What cell `cell`'s last (non-glob) import binding `name` imports, if it has one.
fn import_path<'a>(context: &Context<'a>, cell: usize, name: &str) -> Option<&'a str> {
    context.facts.cell(cell).and_then(|facts| {
        facts
            .imports
            .iter()
            .rev()
            .find(|import| !import.glob && import.binding.as_deref() == Some(name))
            .map(|import| import.path.as_str())
    })
}

/// Whether `definition` binds its name to the same repeatable value (reading no names) that
/// the name's last binding at or above cell `earlier` gave it.
fn rebinds_same_value(context: &Context<'_>, earlier: usize, definition: &Definition) -> bool {
    let Some(value) = definition
        .value
        .as_ref()
        .filter(|value| value.reads.is_empty())
    else {
        return false;
    };
    (1..=earlier)
        .rev()
        .find_map(|cell| {
            context.facts.cell(cell).and_then(|facts| {
                facts
                    .defines
                    .iter()
                    .rev()
                    .find(|other| other.name == definition.name)
            })
        })
        .is_some_and(|before| before.value.as_ref() == Some(value))
}
