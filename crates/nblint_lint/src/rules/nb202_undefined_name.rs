use std::collections::{HashMap, HashSet};

use nblint_facts::{CellFacts, NameUse, NotebookFacts, Span};

use super::branches;
use super::name_index::{NameIndex, never_read};
use super::places;
use crate::registry::{Context, Finding, Silencing, declare_rule};

declare_rule! {
    /// A name used but defined nowhere: not in any cell, import or `:dep`, and not a builtin
    /// of the cell language.
    NB202_UNDEFINED_NAME {
        code: "NB202",
        name: "undefined-name",
        severity: Error,
        fixable: false,
        needs_analysis: true,
        check: check,
        silencing: SILENCING,
    }
}

/// What can bring in names nblint cannot list, as the notes about a quiet NB202 name them
/// (a macro, so that the notes' literals can include it).
macro_rules! unlisted_name_sources {
    () => {
        "a star or glob import, `%run`, `%store -r`, `exec`, a write through `globals()`, \
         a startup file, `#[macro_use]`, an item-defining `macro_rules!`"
    };
}

/// Why NB202 reports nothing at all in a notebook: the one statement of the condition, which
/// the rule checks and the CLI's note explains through [`crate::Rule::silence`].
const SILENCING: Silencing = Silencing {
    first_cell: silencing_cell,
    across_notebooks: concat!(
        "bring in names nblint cannot list (",
        unlisted_name_sources!(),
        ") or have a cell that does not parse"
    ),
};

/// The first cell that brings in names nblint cannot list, else the first cell that does not
/// parse, and why it silences the rule.
fn silencing_cell(facts: &NotebookFacts) -> Option<(usize, &'static str)> {
    let cells = || {
        facts
            .cells
            .iter()
            .enumerate()
            .filter_map(|(index, facts)| facts.as_ref().map(|facts| (index + 1, facts)))
    };
    if let Some((cell, _)) = cells().find(|(_, facts)| facts.binds_unknown_names) {
        return Some((
            cell,
            concat!(
                "brings in names nblint cannot list (",
                unlisted_name_sources!(),
                ")"
            ),
        ));
    }
    cells()
        .find(|(_, facts)| !facts.parsed())
        .map(|(cell, _)| (cell, "does not parse, so the names it defines are unknown"))
}

/// Path roots that name the crate's own modules, never a definition.
const PATH_KEYWORDS: &[&str] = &["self", "Self", "super", "crate"];

/// A false positive costs more than a miss, so the rule stays quiet wherever the notebook can
/// define names nblint cannot see:
/// - a glob import, a cell that binds names no one can list (`exec`, `globals()` writes,
///   `%run`, `%store -r`) or a cell that does not parse anywhere: nothing is reported at all;
/// - a cell whose macro bodies were not fully analysed: nothing in that cell;
/// - a name only mentioned where it need not exist (an unevaluated annotation, a `$name` in
///   a shell line), or only read in a top-level `if` branch that a flag the notebook sets
///   switches off (`generate_anim = False`, then `if generate_anim: build_visual(..)`):
///   nothing for it;
/// - a lower-case name used as a path root (`rand::random()`): a crate the kernel may get from
///   `evcxr.toml`, `init.evcxr` or `extern crate`, none of which the notebook shows.
///
/// A name a cell reads after an earlier cell (or the cell itself, above) deleted it with no
/// binding between is reported too: defined in the notebook, but gone when read.
fn check(context: &Context<'_>, findings: &mut Vec<Finding>) {
    if silencing_cell(context.facts).is_some() {
        return;
    }
    let postponed_from = places::annotations_postponed_from(context.facts);
    let reads = undefined_reads(context);
    if !reads.is_empty() {
        let defined: Vec<&str> = context
            .facts
            .cells
            .iter()
            .flatten()
            .flat_map(|facts| {
                facts
                    .defines
                    .iter()
                    .map(|definition| definition.name.as_str())
            })
            .collect();
        let mut suggestions = Suggestions::new(defined);
        for (cell, name, span) in reads {
            let (cell, name, span) = (*cell, name.as_str(), *span);
            let Some(facts) = context.facts.cell(cell) else {
                continue;
            };
            let source = context
                .notebook
                .cell(cell)
                .map_or("", |cell| cell.source.as_str());
            // `print(ilag)` above `for ilag in ..` in the same cell: defined, but too late.
            let bound_below = facts
                .defines
                .iter()
                .find(|definition| definition.name == name && definition.span.start > span.start);
            let mut message = match bound_below {
                Some(definition) => format!(
                    "`{name}` is read before this cell binds it (line {}), and no other cell defines it",
                    line_of(source, definition.span.start)
                ),
                None => format!(
                    "`{name}` is not defined in {}",
                    context.vocabulary.defined_in
                ),
            };
            if let Some(similar) = suggestions.closest(name) {
                message.push_str(&format!("; did you mean `{similar}`?"));
            }
            findings.push(Finding::new(cell, span, message));
        }
    }
    let unresolved: HashSet<(usize, &str)> = context
        .graph
        .unresolved_uses()
        .map(|use_| (use_.cell, use_.name.as_str()))
        .collect();
    report_deleted(context, &unresolved, postponed_from, findings);
}

/// The reads NB202 reports as of names defined nowhere, as (cell, name, first read that
/// needs it), in the graph's order (see [`check`]); worked out once per notebook.
fn undefined_reads<'c>(context: &'c Context<'_>) -> &'c [(usize, String, Span)] {
    context.memo.undefined_reads.get_or_init(|| {
        let postponed_from = places::annotations_postponed_from(context.facts);
        find_undefined_reads(context, postponed_from)
    })
}

/// Works out [`undefined_reads`].
fn find_undefined_reads(
    context: &Context<'_>,
    postponed_from: Option<usize>,
) -> Vec<(usize, String, Span)> {
    let crates = places::declared_crates(context.facts);
    let mut required_uses: HashMap<usize, HashMap<&str, Span>> = HashMap::new();
    let mut indexes = BranchIndexes::default();
    let mut reads = Vec::new();
    for use_ in context.graph.unresolved_uses() {
        let name = use_.name.as_str();
        let Some(facts) = context.facts.cell(use_.cell) else {
            continue;
        };
        if facts.partially_analysed || crates.contains(name) || PATH_KEYWORDS.contains(&name) {
            continue;
        }
        // Only a use that needs the name counts, and the finding points at the first.
        let Some(&span) = required_uses
            .entry(use_.cell)
            .or_insert_with(|| {
                first_required_uses(context, &mut indexes, facts, use_.cell, postponed_from)
            })
            .get(name)
        else {
            continue;
        };
        let source = context
            .notebook
            .cell(use_.cell)
            .map_or("", |cell| cell.source.as_str());
        if starts_lowercase(name) && is_path_root(source, span, name) {
            continue;
        }
        reads.push((use_.cell, name.to_owned(), span));
    }
    reads
}

/// Where each cell stops with a `NameError`, as this rule finds it: the first read of a name
/// defined nowhere ([`undefined_reads`]) that runs whenever the cell runs (in top-level code,
/// in no block: not under an `if`, a loop or a `try`). The cell binds, changes and reads
/// nothing after that point: a library excerpt pasted into a notebook (`N = sim_params['N']`
/// where `sim_params` is never defined) defines nothing. Empty wherever the rule is quiet.
pub(super) fn stops_with_name_error(context: &Context<'_>) -> HashMap<usize, usize> {
    let mut stops: HashMap<usize, usize> = HashMap::new();
    if silencing_cell(context.facts).is_some() {
        return stops;
    }
    for (cell, name, span) in undefined_reads(context) {
        let (cell, span) = (*cell, *span);
        let unconditional = context.facts.cell(cell).is_some_and(|facts| {
            facts.uses.iter().any(|use_| {
                use_.span == span && use_.name == *name && !use_.deferred && !use_.conditional
            })
        });
        if unconditional {
            let at = stops.entry(cell).or_insert(span.start);
            *at = (*at).min(span.start);
        }
    }
    stops
}

/// The 1-based line of byte `offset` in `source`.
fn line_of(source: &str, offset: usize) -> usize {
    source
        .get(..offset)
        .map_or(0, |before| before.matches('\n').count())
        + 1
}

/// What tells whether a read's branch runs, each built on first need, once per notebook.
#[derive(Default)]
struct BranchIndexes<'a> {
    names: Option<NameIndex<'a>>,
    called: Option<places::CalledNames<'a>>,
    calls: Option<branches::FunctionCalls<'a>>,
    constants: Option<branches::ClassConstants<'a>>,
}

impl<'a> BranchIndexes<'a> {
    /// Whether the read `use_` of cell `cell` never happens: it is in a function no cell
    /// calls (an exercise's stub), in a branch of a function no call takes, or in a branch a
    /// class constant or a flag the notebook sets switches off.
    fn never_made(&mut self, facts: &'a NotebookFacts, cell: usize, use_: &'a NameUse) -> bool {
        (use_.deferred
            && self
                .called
                .get_or_insert_with(|| places::CalledNames::of(facts))
                .never_read(cell, use_))
            || (!use_.parameter_guards.is_empty()
                && self
                    .calls
                    .get_or_insert_with(|| branches::FunctionCalls::of(facts))
                    .never_taken(use_))
            || (!use_.attribute_guards.is_empty()
                && self
                    .constants
                    .get_or_insert_with(|| branches::ClassConstants::of(facts))
                    .never_holds(use_))
            || (use_.guard.is_some()
                && never_read(
                    self.names.get_or_insert_with(|| NameIndex::of(facts)),
                    cell,
                    use_,
                ))
    }
}

/// The first use of each name in cell `cell` that needs the name to exist (see
/// [`places::needs_name`]) and is made ([`BranchIndexes::never_made`]).
fn first_required_uses<'a>(
    context: &Context<'a>,
    indexes: &mut BranchIndexes<'a>,
    facts: &'a CellFacts,
    cell: usize,
    postponed_from: Option<usize>,
) -> HashMap<&'a str, Span> {
    let mut first = HashMap::new();
    for use_ in facts
        .uses
        .iter()
        .filter(|use_| places::needs_name(use_, cell, postponed_from))
    {
        if indexes.never_made(context.facts, cell, use_) {
            continue;
        }
        first.entry(use_.name.as_str()).or_insert(use_.span);
    }
    first
}

/// What happens to a name at one point of a cell, in source order.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Event {
    /// Read while the cell runs (a use that needs the name).
    Read,
    /// Bound (on every path or not: either way it may exist after).
    Bound,
    /// Deleted on some paths only: it may exist after.
    MaybeDeleted,
    /// Deleted on every path.
    Deleted,
}

/// Reads of a name that a `del` above removed with no binding between, in the same cell or
/// an earlier one: "`x` was deleted in cell N". One walk over every cell's uses, definitions
/// and deletions in order; names already reported as defined nowhere are left out. Reads in
/// function bodies are not counted: they happen when the function is called, perhaps after a
/// cell that binds the name again.
fn report_deleted(
    context: &Context<'_>,
    unresolved: &HashSet<(usize, &str)>,
    postponed_from: Option<usize>,
    findings: &mut Vec<Finding>,
) {
    let mut deleted: HashMap<&str, (usize, Span)> = HashMap::new();
    for (index, facts) in context.facts.cells.iter().enumerate() {
        let Some(facts) = facts else { continue };
        let cell = index + 1;
        let mut events: Vec<(usize, Event, &str, Span)> = facts
            .uses
            .iter()
            .filter(|use_| !use_.deferred && places::needs_name(use_, cell, postponed_from))
            .map(|use_| (use_.span.start, Event::Read, use_.name.as_str(), use_.span))
            .chain(facts.defines.iter().map(|definition| {
                let name = definition.name.as_str();
                (definition.span.start, Event::Bound, name, definition.span)
            }))
            .chain(facts.deleted.iter().map(|deletion| {
                let event = if deletion.conditional {
                    Event::MaybeDeleted
                } else {
                    Event::Deleted
                };
                (
                    deletion.span.start,
                    event,
                    deletion.name.as_str(),
                    deletion.span,
                )
            }))
            .collect();
        if events.is_empty() {
            continue;
        }
        // At one position a read comes first: `del x` of another cell's `x` reads it.
        events.sort_unstable_by_key(|(start, event, _, _)| (*start, *event));
        let mut reported: HashSet<&str> = HashSet::new();
        for (_, event, name, span) in events {
            match event {
                Event::Read => {
                    let Some(&(deleted_in, deletion)) = deleted.get(name) else {
                        continue;
                    };
                    if facts.partially_analysed
                        || unresolved.contains(&(cell, name))
                        || !reported.insert(name)
                    {
                        continue;
                    }
                    let place = if deleted_in == cell {
                        "above in this cell".to_owned()
                    } else {
                        format!("in cell {deleted_in}")
                    };
                    findings.push(
                        Finding::new(
                            cell,
                            span,
                            format!(
                                "`{name}` was deleted {place} and not bound again before this use"
                            ),
                        )
                        .with_related(
                            deleted_in,
                            deletion,
                            format!("`{name}` is deleted here"),
                        ),
                    );
                }
                Event::Bound | Event::MaybeDeleted => {
                    deleted.remove(name);
                }
                Event::Deleted => {
                    deleted.insert(name, (cell, span));
                }
            }
        }
    }
}

fn starts_lowercase(name: &str) -> bool {
    name.chars().next().is_some_and(char::is_lowercase)
}

/// Whether the use at `span` is the first segment of a path (`name::thing`), whichever way
/// the front end spans it (the name alone, or the whole path).
fn is_path_root(source: &str, span: nblint_facts::Span, name: &str) -> bool {
    let at = source.get(span.start..span.end).unwrap_or("");
    let after = source.get(span.end..).unwrap_or("");
    at.strip_prefix(name)
        .is_some_and(|rest| rest.trim_start().starts_with("::"))
        || (at == name && after.trim_start().starts_with("::"))
}

/// Characters compared by edit distance per notebook, at most: suggestions cost the number of
/// undefined names times the number of defined ones, so past this budget (a few milliseconds)
/// the rest of a huge notebook's undefined names get none, and checking stays linear.
const SUGGESTION_BUDGET: usize = 4_000_000;

/// "Did you mean" suggestions for one notebook: each distinct name is looked up once, among
/// the distinct defined names of about its length, within [`SUGGESTION_BUDGET`].
struct Suggestions<'a> {
    /// Distinct defined names by their length in characters.
    by_length: std::collections::BTreeMap<usize, Vec<&'a str>>,
    found: std::collections::HashMap<String, Option<&'a str>>,
    budget: usize,
}

impl<'a> Suggestions<'a> {
    fn new(mut defined: Vec<&'a str>) -> Self {
        defined.sort_unstable();
        defined.dedup();
        let mut by_length = std::collections::BTreeMap::<usize, Vec<&'a str>>::new();
        for name in defined {
            by_length
                .entry(name.chars().count())
                .or_default()
                .push(name);
        }
        Self {
            by_length,
            found: std::collections::HashMap::new(),
            budget: SUGGESTION_BUDGET,
        }
    }

    fn closest(&mut self, name: &str) -> Option<&'a str> {
        if let Some(found) = self.found.get(name) {
            return *found;
        }
        let length = name.chars().count();
        let limit = 2.min(length / 2);
        let candidates = self
            .by_length
            .range(length.saturating_sub(limit)..=length + limit)
            .flat_map(|(_, names)| names.iter().copied());
        let mut best = None;
        for candidate in candidates {
            let cost = length * candidate.len();
            if cost > self.budget {
                return None;
            }
            self.budget -= cost;
            if let Some(found) = closer(name, candidate, limit) {
                best = Some(best.map_or(found, |old: (usize, &'a str)| old.min(found)));
            }
        }
        let found = best.map(|(_, candidate)| candidate);
        self.found.insert(name.to_owned(), found);
        found
    }
}

/// `candidate` with its distance from `name`, if it is a different name within `limit` edits.
fn closer<'a>(name: &str, candidate: &'a str, limit: usize) -> Option<(usize, &'a str)> {
    let distance = strsim::levenshtein(name, candidate);
    (candidate != name && distance > 0 && distance <= limit).then_some((distance, candidate))
}

/// The defined name closest to a misspelt one (at most two edits, and fewer than half its
/// letters), to suggest in the message.
#[cfg(test)]
fn closest_name<'a>(name: &str, defined: &[&'a str]) -> Option<&'a str> {
    Suggestions::new(defined.to_vec()).closest(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::silence_note;

    #[test]
    fn suggests_close_names_only() {
        let defined = ["words", "counts", "total"];
        for (name, expected) in [
            ("wrods", Some("words")),
            ("count", Some("counts")),
            ("totl", Some("total")),
            ("xyz", None),
            ("ab", None),
        ] {
            assert_eq!(closest_name(name, &defined), expected, "{name}");
        }
    }

    #[test]
    fn path_roots() {
        let source = "rand::random::<u8>() + foo";
        assert!(is_path_root(source, nblint_facts::Span::new(0, 4), "rand"));
        assert!(is_path_root(source, nblint_facts::Span::new(0, 12), "rand"));
        assert!(!is_path_root(
            source,
            nblint_facts::Span::new(23, 26),
            "foo"
        ));
    }

    #[test]
    fn suggestions_have_a_budget_per_notebook() {
        let names: Vec<String> = (0..20_000).map(|i| format!("value_{i:05}")).collect();
        let mut suggestions = Suggestions::new(names.iter().map(String::as_str).collect());
        // 20,000 candidates of the same length cost 2.4 million: the first lookup fits...
        assert_eq!(suggestions.closest("value_0000"), Some("value_00000"));
        // ...a repeated one is free, and the budget runs out for new ones.
        assert_eq!(suggestions.closest("value_0000"), Some("value_00000"));
        assert_eq!(suggestions.closest("value_1111"), None);
    }

    #[test]
    fn silence_notes_say_which_cell_and_why() {
        let unlisted = CellFacts {
            binds_unknown_names: true,
            ..CellFacts::default()
        };
        let unparsed = nblint_testing::unparsed_cell();
        let note = |cells| silence_note(&NB202_UNDEFINED_NAME, cells);
        assert_eq!(
            note(vec![None, Some(unlisted)]).as_deref(),
            Some(
                "undefined-name (NB202) stays quiet in this notebook: cell 2 brings in names \
                 nblint cannot list (a star or glob import, `%run`, `%store -r`, `exec`, a write \
                 through `globals()`, a startup file, `#[macro_use]`, an item-defining \
                 `macro_rules!`)"
            )
        );
        assert_eq!(
            note(vec![None, None, Some(unparsed)]).as_deref(),
            Some(
                "undefined-name (NB202) stays quiet in this notebook: cell 3 does not parse, so \
                 the names it defines are unknown"
            )
        );
        assert_eq!(
            NB202_UNDEFINED_NAME.silence_summary(2).as_deref(),
            Some(
                "undefined-name (NB202) stayed quiet in 2 notebooks that bring in names nblint \
                 cannot list (a star or glob import, `%run`, `%store -r`, `exec`, a write \
                 through `globals()`, a startup file, `#[macro_use]`, an item-defining \
                 `macro_rules!`) or have a cell that does not parse"
            )
        );
    }

    #[test]
    fn silence_prefers_unlisted_names_then_the_first_cell_that_does_not_parse() {
        let unparsed = nblint_testing::unparsed_cell();
        let unlisted = CellFacts {
            binds_unknown_names: true,
            ..CellFacts::default()
        };
        let cell = |cells: Vec<Option<CellFacts>>| {
            silencing_cell(&NotebookFacts { cells }).map(|(cell, _)| cell)
        };
        assert_eq!(cell(vec![None, Some(CellFacts::default())]), None);
        assert_eq!(
            cell(vec![None, Some(unparsed.clone()), Some(unlisted)]),
            Some(3)
        );
        assert_eq!(
            cell(vec![None, Some(unparsed.clone()), Some(unparsed)]),
            Some(2)
        );
    }
}
