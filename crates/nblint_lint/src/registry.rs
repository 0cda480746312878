//! The rule registry: every rule declared once, with its code, name, default severity,
//! whether it can fix, its documentation page and its check function.

use std::cell::OnceCell;

use nblint_facts::{Language, NotebookFacts, Span, Vocabulary};
use nblint_graph::Graph;
use nblint_notebook::Notebook;

use crate::diagnostic::{Fix, Related, Severity};
use crate::settings::RuleSettings;

/// What a rule's check reads: the notebook, its facts and graph, and the settings. Rules never
/// check selection or suppression: the registry loop does that once for every rule.
pub struct Context<'a> {
    /// The notebook.
    pub notebook: &'a Notebook,
    /// Facts per cell (all `None` when the cell language is not one nblint reads).
    pub facts: &'a NotebookFacts,
    /// The dependency graph built from `facts`.
    pub graph: &'a Graph,
    /// Thresholds and options.
    pub settings: &'a RuleSettings,
    /// The notebook's cell language.
    pub language: &'a Language,
    /// Its words and conventions, from its front end: rules ask these instead of matching
    /// on the language.
    pub vocabulary: &'a Vocabulary,
    /// Whether a front end analysed the code cells. Rules that need names skip notebooks
    /// whose language nblint does not read.
    pub analysed: bool,
    /// A Python 2 notebook read as Python 3 (its metadata says Python 2, or names no version
    /// and a cell holds a `print x` statement): a cell that does not parse still ran.
    pub python2: bool,
    /// What several rules work out of the notebook, kept for the rest of the run: start each
    /// notebook's context with `Memo::default()`.
    pub memo: Memo,
}

/// What several rules work out of one notebook (see [`Context::memo`]), each computed on
/// first need: NB202's reads of names defined nowhere, which also say where cells stop, and
/// the reads across cells NB205 and NB206 both ask of.
/// It owns what it keeps, so a context borrows its notebook for no longer than before.
#[derive(Default)]
pub struct Memo {
    pub(crate) undefined_reads: OnceCell<Vec<(usize, String, Span)>>,
    pub(crate) cross_cell_reads: OnceCell<crate::rules::places::CrossCellReads>,
}

/// A rule's finding before the registry stamps it with the rule's code, name and severity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// One-based cell number.
    pub cell: usize,
    /// Byte range in the cell's source.
    pub span: Span,
    /// The message.
    pub message: String,
    /// Other places involved.
    pub related: Vec<Related>,
    /// A fix, when the rule has a safe one.
    pub fix: Option<Fix>,
}

impl Finding {
    /// A finding with no related places and no fix.
    pub fn new(cell: usize, span: Span, message: impl Into<String>) -> Self {
        Self {
            cell,
            span,
            message: message.into(),
            related: Vec::new(),
            fix: None,
        }
    }

    /// Adds a related place.
    #[must_use]
    pub fn with_related(mut self, cell: usize, span: Span, message: impl Into<String>) -> Self {
        self.related.push(Related {
            cell,
            span,
            message: message.into(),
        });
        self
    }

    /// Adds a fix.
    #[must_use]
    pub fn with_fix(mut self, fix: Fix) -> Self {
        self.fix = Some(fix);
        self
    }
}

/// A lint rule.
pub struct Rule {
    /// `NB201`
    pub code: &'static str,
    /// `undefined-above`
    pub name: &'static str,
    /// Severity unless configured otherwise.
    pub severity: Severity,
    /// Whether findings may carry a fix.
    pub fixable: bool,
    /// Whether the rule needs the cells analysed by a front end (names, imports).
    pub needs_analysis: bool,
    /// Whether the rule runs when no `select` is given. A rule outside the default selection
    /// runs only when a selector (`select`, `extend-select`) names it: its findings are true
    /// to its claim but too often harmless to show every user unasked.
    pub in_default_selection: bool,
    /// The documentation page, `rules/<CODE>-<name>.md`.
    pub documentation: &'static str,
    /// The check.
    pub check: fn(&Context<'_>, &mut Vec<Finding>),
    /// When the rule reports nothing at all in a notebook, if it has such a condition.
    pub silencing: Option<Silencing>,
}

impl Rule {
    /// Why this rule reports nothing in the notebook with these facts, when its own
    /// notebook-wide condition holds: what a note should tell the user, straight from the
    /// rule (whose check asks the same condition), for any rule alike.
    pub fn silence(&'static self, facts: &NotebookFacts) -> Option<Silence> {
        let (cell, reason) = (self.silencing.as_ref()?.first_cell)(facts)?;
        Some(Silence {
            rule: self,
            cell,
            reason,
        })
    }

    /// The one line that says this rule stayed quiet in `notebooks` notebooks (more than
    /// one), `None` for a rule that never stays quiet in a whole notebook.
    pub fn silence_summary(&self, notebooks: usize) -> Option<String> {
        let silencing = self.silencing.as_ref()?;
        Some(format!(
            "{} ({}) stayed quiet in {notebooks} notebooks that {}",
            self.name, self.code, silencing.across_notebooks
        ))
    }
}

/// A rule's notebook-wide condition for reporting nothing: a whole notebook where one cell
/// makes every finding uncertain (it brings in names nobody can list, it does not parse).
#[derive(Debug, Clone, Copy)]
pub struct Silencing {
    /// The first cell of a notebook with these facts that silences the rule, and why,
    /// completing "cell N …" (`"does not parse, so …"`); `None` when the rule runs.
    pub first_cell: fn(&NotebookFacts) -> Option<(usize, &'static str)>,
    /// What the notebooks where the rule stayed quiet have, completing "stayed quiet in N
    /// notebooks that …".
    pub across_notebooks: &'static str,
}

/// Why a rule reports nothing at all in one notebook ([`Rule::silence`]). Its `Display` is
/// the note the user reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Silence {
    /// The rule that stays quiet.
    pub rule: &'static Rule,
    /// The one-based cell that silences it.
    pub cell: usize,
    /// Why that cell does, completing "cell N …".
    pub reason: &'static str,
}

impl std::fmt::Display for Silence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ({}) stays quiet in this notebook: cell {} {}",
            self.rule.name, self.rule.code, self.cell, self.reason
        )
    }
}

/// Rules are identified by their code.
impl PartialEq for Rule {
    fn eq(&self, other: &Self) -> bool {
        self.code == other.code
    }
}

impl Eq for Rule {}

impl std::fmt::Debug for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rule")
            .field("code", &self.code)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// The note `rule` gives for a notebook whose cells have these facts, if it stays quiet in
/// it: what the rules' silence tests compare.
#[cfg(test)]
pub(crate) fn silence_note(
    rule: &'static Rule,
    cells: Vec<Option<nblint_facts::CellFacts>>,
) -> Option<String> {
    rule.silence(&NotebookFacts { cells })
        .map(|silence| silence.to_string())
}

/// Declares a rule as a `pub static` whose documentation is the page
/// `rules/<CODE>-<name>.md` (a missing page is a compile error). A rule that reports nothing
/// in a whole notebook under some condition names it as `silencing` ([`Silencing`]); a rule
/// that runs only when selected says `in_default_selection: false`.
macro_rules! declare_rule {
    (@silencing) => {
        None
    };
    (@silencing $silencing:expr) => {
        Some($silencing)
    };
    (@default) => {
        true
    };
    (@default $default:literal) => {
        $default
    };
    (
        $(#[$meta:meta])*
        $static:ident {
            code: $code:literal,
            name: $name:literal,
            severity: $severity:ident,
            fixable: $fixable:literal,
            needs_analysis: $needs:literal,
            check: $check:path
            $(, silencing: $silencing:expr)?
            $(, in_default_selection: $default:literal)? $(,)?
        }
    ) => {
        $(#[$meta])*
        pub static $static: $crate::registry::Rule = $crate::registry::Rule {
            code: $code,
            name: $name,
            severity: $crate::diagnostic::Severity::$severity,
            fixable: $fixable,
            needs_analysis: $needs,
            in_default_selection: $crate::registry::declare_rule!(@default $($default)?),
            documentation: include_str!(concat!("../../../../rules/", $code, "-", $name, ".md")),
            check: $check,
            silencing: $crate::registry::declare_rule!(@silencing $($silencing)?),
        };
    };
}

pub(crate) use declare_rule;

/// Looks a rule up by code (`NB201`) or name (`undefined-above`), case-insensitively for the
/// code.
pub fn find_rule(code_or_name: &str) -> Option<&'static Rule> {
    crate::rules::ALL
        .iter()
        .copied()
        .find(|rule| rule.code.eq_ignore_ascii_case(code_or_name) || rule.name == code_or_name)
}

/// Every registered rule, in code order.
pub fn all_rules() -> &'static [&'static Rule] {
    crate::rules::ALL
}
