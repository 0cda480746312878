//! What a rule needs to know of a cell language's words and conventions, asked of its front
//! end: so a rule has no `match` on the language, and adding a language means writing one
//! [`Vocabulary`], not editing every rule.

use crate::{BoundValue, Dependency, Import};

/// A cell language's words (for messages) and conventions (for rules and fixes), given by
/// its [`CellFrontend`](crate::CellFrontend).
#[derive(Debug, Clone, Copy)]
pub struct Vocabulary {
    /// What starts a line comment: `//` in Rust, `#` in Python. (In Rust `#` starts an
    /// attribute, which is code.)
    pub line_comments: &'static [&'static str],
    /// The keyword of an import statement, for messages: `use` or `import`.
    pub import_keyword: &'static str,
    /// The command that declares a dependency, for messages: `` `:dep` `` or `pip install`.
    pub dependency_command: &'static str,
    /// A dependency line in fix messages: ``the `:dep` line`` or `the pip line`.
    pub dependency_line: &'static str,
    /// What a dependency line has done once it ran: `declared` or `installed`.
    pub dependency_done: &'static str,
    /// Advice for a dependency below the first code cell, completed by "in cell N":
    /// `declare dependencies` or `install packages`.
    pub dependency_advice: &'static str,
    /// Why dependencies belong in the first cell, after "so a run from the top":
    /// `builds them once` or `sets up the environment before any import`.
    pub dependency_reason: &'static str,
    /// Which of two conflicting dependency lines wins: `the kernel uses whichever ran last`.
    pub last_dependency_wins: &'static str,
    /// Where a defined name could have come from, after "is not defined in": `any cell,
    /// import or `:dep` of this notebook`.
    pub defined_in: &'static str,
    /// How a dependency line is named in messages (`` `:dep serde` ``,
    /// `` `pip install pandas==2.1` ``).
    pub dependency_label: fn(&Dependency) -> String,
    /// Import roots that need no dependency line to resolve (Rust: `std`, `core`, `alloc`),
    /// or `None` when any import resolves wherever it is written (Python: what is installed
    /// is installed). A Rust import moved above the `:dep` of its crate would not build.
    pub roots_without_dependency: Option<&'static [&'static str]>,
    /// Writes one import as a statement of its own (`use a::b as c;`), so a fix can move part
    /// of a grouped import; `None` when the language's imports are moved whole.
    pub write_import: Option<fn(&Import) -> String>,
    /// Whether an import can be used without its name being written (see [`ImplicitUse`]).
    pub implicit_use: fn(&Import) -> ImplicitUse,
    /// Whether calling `method` (a method that changes most receivers) leaves a value made by
    /// `value` unchanged: statsmodels' `fit()` returns a results object, unlike
    /// scikit-learn's and Keras'. `imported` gives the module path a name of the notebook
    /// was imported from (`Logit` → `statsmodels.discrete.discrete_model.Logit`).
    pub leaves_unchanged: LeavesUnchanged,
    /// Whether the front end writes a subscript by the string `text` (its contents, quotes
    /// removed) in a [`BoundValue::text`] as the attribute of that name, as Python's does for
    /// an identifier (`df["description"]` as `df.description`: pandas gives a column both
    /// ways). A rule that writes a name out as its value (`df[col]` with `col = "a"`) writes
    /// it the same way, so both spellings compare equal.
    pub subscript_as_attribute: fn(&str) -> bool,
}

/// [`Vocabulary::leaves_unchanged`]: the value as bound, the method called, and where a name
/// of the notebook was imported from.
pub type LeavesUnchanged = fn(&BoundValue, &str, &dyn Fn(&str) -> Option<String>) -> bool;

/// How an import may be used without its binding ever being named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImplicitUse {
    /// Only by its name: unused if the name is never read.
    NameOnly,
    /// Used by being imported (a Rust trait known for its methods, a Python module imported
    /// for what importing it registers): never reported unused.
    Always,
    /// Perhaps used by calls of the method named here (`use ndarray::linalg::Dot` then
    /// `a.dot(&b)`), which nblint cannot tie to the import.
    ThroughMethod(String),
}

impl Vocabulary {
    /// Whether `line` (already trimmed at the start) is a line comment.
    pub fn is_comment(&self, line: &str) -> bool {
        self.line_comments
            .iter()
            .any(|comment| line.starts_with(comment))
    }

    /// Neutral words for a notebook no front end reads: only the rules that need no analysis
    /// run on it, and of these words they use only the comments, where both common forms count.
    pub const UNREAD: Vocabulary = Vocabulary {
        line_comments: &["#", "//"],
        import_keyword: "import",
        dependency_command: "dependency",
        dependency_line: "the dependency line",
        dependency_done: "declared",
        dependency_advice: "declare dependencies",
        dependency_reason: "sets up the environment first",
        last_dependency_wins: "whichever ran last wins",
        defined_in: "any cell of this notebook",
        dependency_label: plain_label,
        roots_without_dependency: None,
        write_import: None,
        implicit_use: name_only,
        leaves_unchanged: never,
        subscript_as_attribute: no_text,
    };
}

fn plain_label(dependency: &Dependency) -> String {
    format!("`{}`", dependency.name)
}

fn name_only(_: &Import) -> ImplicitUse {
    ImplicitUse::NameOnly
}

/// For [`Vocabulary::subscript_as_attribute`]: no subscript is written as an attribute.
pub fn no_text(_: &str) -> bool {
    false
}

/// For [`Vocabulary::leaves_unchanged`]: no value is known to stay unchanged.
pub fn never(_: &BoundValue, _: &str, _: &dyn Fn(&str) -> Option<String>) -> bool {
    false
}
