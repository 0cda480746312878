//! The language-independent vocabulary of notebook analysis: what each code cell defines,
//! uses, imports, depends on and mutates, each with a span relative to the cell's source, plus
//! the syntax errors found. A cell language plugs in by implementing [`CellFrontend`].
//!
//! Invariants: nothing here names a parser's types (no syn, no ruff AST), so the graph, the
//! rules and the reports work for every cell language alike; analysis never fails: a cell that
//! does not parse gives facts (possibly empty) plus [`SyntaxError`]s.

mod language;
mod vocabulary;

use std::collections::HashSet;

use nblint_notebook::{Cell, Notebook};
use serde::{Deserialize, Serialize};

pub use language::{
    Detected, Evidence, Language, LanguageSource, cell_language, is_python2_line, is_python2_print,
};
pub use vocabulary::{
    ImplicitUse, Vocabulary, never as vocabulary_never, no_text as vocabulary_no_text,
};

/// A byte range in one cell's source.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// A span from `start` to `end`.
    pub const fn new(start: usize, end: usize) -> Self {
        Self { start, end }
    }

    /// Whether the span covers no bytes.
    pub const fn is_empty(self) -> bool {
        self.end <= self.start
    }
}

/// What kind of thing a top-level name is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DefinitionKind {
    /// A variable (`let` in Rust, an assignment in Python).
    Variable,
    /// A function (`fn`, `def`).
    Function,
    /// A type (`struct`, `enum`, `union`, `trait`, `type`, `class`).
    Type,
    /// A constant or static.
    Constant,
    /// A module (`mod`).
    Module,
    /// A macro (`macro_rules!`).
    Macro,
    /// A name brought in by an import (`use`, `import`).
    Import,
    /// A crate a kernel command brings in (evcxr's `:dep regex`): in scope, by its name, in
    /// the cells that run after it.
    Dependency,
}

/// A name bound at the top level of a cell, so later cells can use it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Definition {
    /// The name.
    pub name: String,
    /// What it is.
    pub kind: DefinitionKind,
    /// Where the name is bound (the identifier, not the whole statement).
    pub span: Span,
    /// Bound mutably (`let mut`); in Rust only a mutable binding can change in place.
    pub mutable: bool,
    /// Declared public (`pub fn`): meant for use outside the notebook.
    pub public: bool,
    /// Used again later in the same cell (printed, displayed, passed on).
    pub used_in_cell: bool,
    /// Bound only on some paths through the cell: inside a block that may not run (Python's
    /// `if`, `for`, `while`, `try`, `with`, `match` at module level, or a function that
    /// declares the name `global`). A later cell's conditional binding does not replace an
    /// earlier cell's definition, which may still be the value read below. The Rust front end
    /// never sets it.
    #[serde(skip_serializing_if = "is_false")]
    pub conditional: bool,
    /// Bound only when a function defined in the cell runs (Python's `global NAME` in a
    /// `def`, a callback): running the cell does not bind it. Always [`Self::conditional`]
    /// too. The Rust front end never sets it.
    #[serde(skip_serializing_if = "is_false")]
    pub in_function: bool,
    /// A function body in the same cell reads the name (Python: a module name a `def` or
    /// `lambda` reads, bound in the cell): the function reads whichever definition is
    /// current when it is called, so a later cell's definition of the name may be read too.
    /// The Rust front end never sets it.
    #[serde(skip_serializing_if = "is_false")]
    pub read_by_function: bool,
    /// The expression bound, when running it again gives the same value from the same
    /// inputs (a literal, arithmetic, a call of nothing random, stateful or mutating):
    /// two cells that bind the same such value from unchanged inputs give a reader the same
    /// value whichever ran last.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<BoundValue>,
    /// The standard container the name is bound to, when the binding shows it (Python's
    /// `{1, 2}`, `set()`, `[x for x in xs]`): the evidence a method that only some types
    /// mutate with (`add`) needs (see [`Mutation::requires_container`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container: Option<Container>,
    /// The keys of the set or dict display the name is bound to, when every one is a string
    /// or a non-negative integer literal (Python's `{"water", "ethanol"}`, `{"a": 1, "c": 3}`):
    /// adding one of them again changes nothing (see [`Mutation::adds`]). Empty otherwise.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub held_keys: Vec<ItemKey>,
    /// The binding gives the name back a copy of the value it held when the cell began
    /// (`X_bk = deepcopy(X)`, .., `X = deepcopy(X_bk)`), or binds it only where it is missing
    /// (`if 'X' not in globals(): X = ..`): a cell whose last binding of the name is one
    /// leaves it as it found it.
    #[serde(skip_serializing_if = "is_false")]
    pub restores: bool,
    /// The name whose value this top-level binding copies (`A_ = A.copy()`,
    /// `deepcopy(A)`, `copy.copy(A)`, `A.clone()`): a backup, which a later cell may
    /// restore.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub copies: Option<String>,
    /// The file this top-level binding reads its value back from (`model =
    /// load_model("m.keras")`, `df = spark.read.parquet(path)`), as the path's source text
    /// with spacing removed, when nothing in the cell changes the value after: a
    /// [`FileSave`] of the same path above wrote the value it gets.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub loads: Option<String>,
    /// The comparison with a constant the top-level `if` around this binding needs to hold
    /// (`if transform == "%":`): where the name holds another constant, the binding never
    /// happens.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guard: Option<BranchGuard>,
    /// The operation the bound value applies last, when applying it again to its result gives
    /// that result back (Python's `x.reshape(n, 1)`, `df.dropna()`, `sorted(words)`,
    /// `X[:1000]`): a later cell that applies the same operation to the value this binding
    /// left binds that value again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idempotent: Option<IdempotentOperation>,
    /// The plain names a loop target's [`Self::value`] walks (`for k in strikes:` leaves `k`
    /// holding `strikes`' last element): that value holds only where each is a list, tuple or
    /// dict, whose order is fixed; elsewhere (a data loader that shuffles) the analysis drops
    /// it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub walks: Vec<String>,
    /// The name whose value this top-level binding looks a record up by, when it is the one
    /// argument of a lookup (`project = client.get_project(project_id)`) and the cell has not
    /// bound it: where that name holds the identifier of the record the bound name held
    /// (`project_id = project.uid`), the binding gives that record back.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub looked_up_by: Option<String>,
    /// The name whose record's identifier this top-level binding holds (`project_id =
    /// project.uid`, `file_id = file.id`): see [`Self::looked_up_by`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identifies: Option<String>,
    /// A hash of a module-level function's whole definition, token by token, comments and
    /// line breaks inside brackets left out (Python's `def attention(*args, **kwargs): ..`):
    /// two cells that define a function the same way, reading names that hold the same
    /// values, define the same function.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub definition_fingerprint: Option<u64>,
    /// The cell stops before this binding is made: a top-level statement at or above it calls
    /// a function of the cell that always raises (Python's exercise stub, `def step(..):
    /// raise NotImplementedError(..)`, then `x = step(..)`).
    #[serde(skip_serializing_if = "is_false")]
    pub unreached: bool,
    /// An import made only to see whether the module is installed (Python's `try: import x`
    /// / `except ImportError:`), which does its job by running: [`Self::used_in_cell`] is
    /// set, but no read of the name came of it.
    #[serde(skip_serializing_if = "is_false")]
    pub probe: bool,
    /// For a class with no decorator and no base but `object`, the names its body binds once,
    /// to a literal, as (name, the literal's text, spacing removed) (Python's `class CFG:
    /// model = "bert"`): a class constant, unless some cell sets that attribute
    /// ([`CellFacts::stored_attributes`]) or another class binds it too. A decorator or a base
    /// may give instances values of their own (`@dataclass`, pydantic's `BaseModel`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub constants: Vec<(String, String)>,
}

/// An operation that gives its result back when applied to it again (see
/// [`Definition::idempotent`]): the value's text, spacing removed, is `before`, `operand`,
/// `after` (`""`, `x`, `.reshape(n,1)` for `x.reshape(n, 1)`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IdempotentOperation {
    /// The value's text before the operand (`sorted(` in `sorted(words)`).
    pub before: String,
    /// What the operation is applied to (`words` in `sorted(words)`).
    pub operand: String,
    /// The value's text after the operand (`)` in `sorted(words)`).
    pub after: String,
    /// The operation gives back a value equal to any it is applied to (`x.copy()`,
    /// `deepcopy(x)`), not only to its own results.
    #[serde(skip_serializing_if = "is_false")]
    pub identity: bool,
    /// The identity makes a copy, a new object the cell may go on to change unseen (`l =
    /// l.copy()`, then `sort_in_place(l)`), not the same data made ready (xarray's `x =
    /// x.load()`, `x.compute()`, `x.chunk(..)`).
    #[serde(skip_serializing_if = "is_false")]
    pub copy: bool,
    /// The operation only converts its operand to another type or moves it to another device,
    /// keeping what it holds (`np.array(x)`, `x.to(device)`, `x.detach().cpu()`): a person
    /// calls the result the same value as the operand.
    #[serde(skip_serializing_if = "is_false")]
    pub keeps_content: bool,
}

impl IdempotentOperation {
    /// Whether `other` applies the same operation, to whatever.
    pub fn same_operation(&self, other: &Self) -> bool {
        self.before == other.before && self.after == other.after
    }
}

/// A name compared with a constant (see [`Definition::guard`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct BranchGuard {
    /// The name compared.
    pub name: String,
    /// `==` or `is` (else `!=` or `is not`).
    pub equal: bool,
    /// The constant's text, spacing removed (`"%"`, `None`, `3`).
    pub constant: String,
    /// The test is the name alone (`if in_cloud:`, with `equal`; `if not in_cloud:`,
    /// without): it needs a true value, or a false one, of whatever kind (`MODEL_PATH = ""`
    /// switches `if MODEL_PATH:` off), with `constant` `True`.
    #[serde(skip_serializing_if = "is_false")]
    pub truthiness: bool,
}

impl BranchGuard {
    /// Whether the test cannot hold where the name holds `literal` (a literal's text, spacing
    /// removed): a literal of the constant's kind, equal to it exactly when the test needs it
    /// not to be (`transform = "log"` against `transform == "%"`); for a test of the name
    /// alone, a literal whose truth is the other one (`""`, `0`, `0.0`, `None`, `False` are
    /// false; `True`, another string or integer true).
    pub fn fails_for(&self, literal: &str) -> bool {
        if self.truthiness {
            let falsy = match literal {
                _ if is_falsy_literal(literal) => true,
                _ if literal_kind(literal).is_some() => false,
                _ => return false,
            };
            return falsy == self.equal;
        }
        literal_kind(literal).is_some_and(|kind| Some(kind) == literal_kind(&self.constant))
            && (literal == self.constant) != self.equal
    }

    /// Whether the test fails for every literal of `passed` ([`Self::fails_for`]), and
    /// nothing else was passed; true when nothing was.
    pub fn fails_for_every(&self, passed: &PassedLiterals) -> bool {
        let count = passed.texts.len();
        if passed.unknown {
            return false;
        }
        if self.truthiness {
            return if self.equal {
                passed.falsy == count
            } else {
                passed.truthy == count
            };
        }
        let Some(kind) = literal_kind(&self.constant) else {
            return count == 0;
        };
        let holds_for_constant = passed.texts.contains(&self.constant);
        passed.by_kind[usize::from(kind)] == count
            && if self.equal {
                !holds_for_constant
            } else {
                count == 0 || (count == 1 && holds_for_constant)
            }
    }
}

/// The literals a parameter is given over a function's calls, summed up so that a test is
/// checked against all of them at once ([`BranchGuard::fails_for_every`]), whatever their
/// number.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PassedLiterals {
    /// Each literal's text, spacing removed, once.
    texts: HashSet<String>,
    /// How many of `texts` are of each kind ([`literal_kind`]).
    by_kind: [usize; 3],
    /// How many of `texts` are false (`""`, `0`, `None`, ...), and how many are true.
    falsy: usize,
    truthy: usize,
    /// Some call passes something not written as a literal, or nothing at all.
    unknown: bool,
}

impl PassedLiterals {
    /// Adds what one call passes: a literal's text, or `None` for anything else.
    pub fn add(&mut self, passed: Option<&str>) {
        let Some(text) = passed else {
            self.unknown = true;
            return;
        };
        if !self.texts.insert(text.to_owned()) {
            return;
        }
        let kind = literal_kind(text);
        if let Some(kind) = kind {
            self.by_kind[usize::from(kind)] += 1;
        }
        if is_falsy_literal(text) {
            self.falsy += 1;
        } else if kind.is_some() {
            self.truthy += 1;
        }
    }
}

/// Whether `text` is a literal whose truth value is false.
fn is_falsy_literal(text: &str) -> bool {
    matches!(text, "\"\"" | "''" | "0" | "0.0" | "None" | "False")
}

/// The kind of literal `text` is, when its text alone says whether two are equal: a string
/// with no escapes or prefix, an integer, or `None` / `True` / `False`.
fn literal_kind(text: &str) -> Option<u8> {
    let string = |quote: char| {
        text.len() >= 2 && text.starts_with(quote) && text.ends_with(quote) && !text.contains('\\')
    };
    if string('"') || string('\'') {
        Some(0)
    } else if let digits = text.strip_prefix('-').unwrap_or(text)
        && !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'))
    {
        Some(1)
    } else if matches!(text, "None" | "True" | "False") {
        Some(2)
    } else {
        None
    }
}

/// A standard container type, as a binding shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Container {
    /// A list: `[..]`, a list comprehension, `list(..)`.
    List,
    /// A dictionary: `{k: v}`, a dict comprehension, `dict(..)`.
    Dict,
    /// A set: `{a, b}`, a set comprehension, `set(..)`.
    Set,
    /// A tuple: `(a, b)`, `tuple(..)`. Its items cannot be assigned or deleted.
    Tuple,
}

impl Definition {
    /// A definition of `name` as `kind` at `span` with every flag off (not mutable, public,
    /// used in its cell, conditional or read by a function) and no value: a front end sets
    /// what applies with struct update syntax.
    ///
    /// ```
    /// use nblint_facts::{Definition, DefinitionKind, Span};
    ///
    /// let counter = Definition {
    ///     mutable: true,
    ///     ..Definition::new("counter", DefinitionKind::Variable, Span::new(8, 15))
    /// };
    /// assert!(counter.mutable && !counter.public);
    /// ```
    pub fn new(name: impl Into<String>, kind: DefinitionKind, span: Span) -> Self {
        Self {
            name: name.into(),
            kind,
            span,
            mutable: false,
            public: false,
            used_in_cell: false,
            conditional: false,
            in_function: false,
            read_by_function: false,
            value: None,
            container: None,
            held_keys: Vec::new(),
            restores: false,
            copies: None,
            loads: None,
            guard: None,
            idempotent: None,
            walks: Vec::new(),
            looked_up_by: None,
            identifies: None,
            definition_fingerprint: None,
            unreached: false,
            probe: false,
            constants: Vec::new(),
        }
    }
}

/// A top-level statement that writes a variable's value to a file (`model.save(path)`,
/// `pickle.dump(model, f)` with `f` opened on `path`, `df.write.parquet(path)`): a binding
/// below that loads the same path back ([`Definition::loads`]) gets the value saved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileSave {
    /// The variable whose value is written.
    pub name: String,
    /// The path's source text, spacing removed.
    pub path: String,
    /// The names the path's expression reads (`save_dir` in `save_dir + "/m.pkl"`).
    pub path_reads: Vec<String>,
    /// The statement.
    pub span: Span,
    /// The file holds the value as an array (NumPy's `np.save`): a list, tuple or dict saved
    /// comes back another type, so it is not the value saved.
    #[serde(skip_serializing_if = "is_false")]
    pub as_array: bool,
}

/// A repeatable expression a name is bound to (see [`Definition::value`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BoundValue {
    /// Its source text with spacing removed.
    pub text: String,
    /// The names it reads, sorted, each once.
    pub reads: Vec<String>,
    /// The cell changes the value in place after binding it (`seen = []`, then
    /// `seen.append(1)`): the name no longer holds what the expression gave.
    #[serde(skip_serializing_if = "is_false")]
    pub changed: bool,
}

/// A name the cell reads that it did not bind itself before that point: it must come from an
/// earlier cell, an import, the prelude, or nowhere.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NameUse {
    /// The name.
    pub name: String,
    /// Where it is used.
    pub span: Span,
    /// The read happens only when a function defined in the cell is called (a Python
    /// function or lambda body reading a module name), not when the cell runs: a definition
    /// in any cell that has run by the time of the call serves it.
    #[serde(skip_serializing_if = "is_false")]
    pub deferred: bool,
    /// The name need not exist when the cell runs: it is named in an annotation that is never
    /// evaluated (a string annotation, a function local's annotation, any annotation under
    /// `from __future__ import annotations`), or in a `$name` that IPython expands in a shell
    /// line and leaves as it is when no variable has the name. It shows that a definition is
    /// used, but a missing definition is no error.
    #[serde(skip_serializing_if = "is_false")]
    pub optional: bool,
    /// The name is read by an annotation evaluated where it stands (a module-level function's
    /// parameter or return annotation): no longer evaluated, so no longer needed, once an
    /// earlier cell postponed annotations ([`CellFacts::postpones_annotations`]).
    #[serde(skip_serializing_if = "is_false")]
    pub annotation: bool,
    /// The read (or, in [`CellFacts::deleted`], the deletion) happens only on some paths
    /// through the cell: inside a block at module level that may not run (see
    /// [`Definition::conditional`]). The Rust front end never sets it.
    #[serde(skip_serializing_if = "is_false")]
    pub conditional: bool,
    /// The comparison with a constant the top-level `if` around this read needs to hold (see
    /// [`Definition::guard`]): where the name holds another constant (`DEBUG = False`, then
    /// `if DEBUG: print(model)`), the read never happens.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guard: Option<BranchGuard>,
    /// The module-level function or class whose body makes this read, when it is
    /// [`Self::deferred`] (a method's or a nested function's read counts as the outermost
    /// one's): a call of that function reads it, a call of another function of the cell does
    /// not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub function: Option<String>,
    /// The read is the receiver of a top-level change in place that gives the same result
    /// when made again on its own result (Python's `df.sort_values("a", inplace=True)`,
    /// `df.dropna(inplace=True)`, `rows.sort()`): a cell that runs again changes nothing
    /// more there.
    #[serde(skip_serializing_if = "is_false")]
    pub reapplied_in_place: bool,
    /// The read is the callee of a call (`predict` in `predict("T5")`), not the value handed
    /// on: a function read only this way runs only with the arguments its calls pass (see
    /// [`CellFacts::calls`]).
    #[serde(skip_serializing_if = "is_false")]
    pub callee: bool,
    /// The name of a macro called (Rust's `df![..]`): macros have a namespace of their own, so
    /// what it reads is a macro or an import of that name, never a variable (`let df =
    /// df![..]` reads no earlier `df`).
    #[serde(skip_serializing_if = "is_false")]
    pub macro_call: bool,
    /// The comparisons of its function's parameters with constants that the `if`s around
    /// this read, in the body of a module-level function, need to hold (Python's `def
    /// predict(source): if source == "T5": model = t5_model`): where every call of the
    /// function passes a constant that fails one, the read never happens.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parameter_guards: Vec<ParameterGuard>,
    /// The comparisons of a class's attributes with constants that the `if`s around this
    /// read need to hold, anywhere in the cell (Python's `if CFG.model == "t5":`, or `if
    /// self.kind == "hf":` in a method of `Config`, noted as `Config.kind`): where the class
    /// binds the attribute to another constant that nothing changes
    /// ([`Definition::constants`]), the read never happens.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attribute_guards: Vec<BranchGuard>,
    /// The read uses only the settings the value was made with, not what a fit or loaded
    /// weights gave it: it hands the value to a utility that works on a fresh copy of its
    /// settings (scikit-learn's `cross_val_score(model, ..)`, `GridSearchCV(model, ..)`,
    /// `clone(model)`), makes it part of a meta-estimator whose `fit` clones it or fits it
    /// again (`make_pipeline(scaler, model)`, `VotingClassifier(estimators=[..])`, not
    /// `SelectFromModel(model, prefit=True)`), asks for them (`model.get_params()`), or shows
    /// the value (`print(model)`, `display(model)`, a bare `model` in the cell's top-level code:
    /// an estimator's text is its settings, a PyTorch module's its layers).
    #[serde(skip_serializing_if = "is_false")]
    pub settings_only: bool,
    /// Where the statement list the read stands in ends (a byte offset in the cell), when
    /// that list is a block's body (a loop's, a branch's, a `try`'s) rather than the cell's
    /// top level: a read later in the cell and before this offset runs after this one
    /// whenever it runs. The Rust front end never sets it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suite_end: Option<usize>,
    /// The subscripts and attributes applied to the name where it is read, outermost last
    /// (`["a", 0]` for `df["a"][0]`, `[annotations, "x"]` for `record.annotations["x"]`), up to
    /// the first step that is neither, and not the method a call takes (`df["a"].mean()` reads
    /// `["a"]`): the read sees those items, not the whole value (see [`ItemKey::apart`]). Empty
    /// where the read takes the whole value (`df`, `df.head()`, `len(df)`). The Rust front end
    /// never sets it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<ItemKey>,
}

impl NameUse {
    /// A plain read of `name` at `span`, made when the cell runs and needing the name: every
    /// flag off, no guard.
    pub fn new(name: impl Into<String>, span: Span) -> Self {
        Self {
            name: name.into(),
            span,
            deferred: false,
            optional: false,
            annotation: false,
            conditional: false,
            guard: None,
            function: None,
            reapplied_in_place: false,
            callee: false,
            macro_call: false,
            parameter_guards: Vec::new(),
            attribute_guards: Vec::new(),
            settings_only: false,
            suite_end: None,
            items: Vec::new(),
        }
    }
}

/// A parameter of a module-level function compared with a constant (see
/// [`NameUse::parameter_guards`]): how a call passes it, and what the test needs.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct ParameterGuard {
    /// The function.
    pub function: String,
    /// The parameter's place among those a call may pass by position; `None` for a
    /// keyword-only one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<usize>,
    /// A call may pass it by its name (not positional-only).
    #[serde(skip_serializing_if = "is_false")]
    pub keyword: bool,
    /// The literal default value's text, spacing removed, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// The comparison; its name is the parameter's.
    pub guard: BranchGuard,
}

/// A call of a plain name (see [`CellFacts::calls`]): what it passes, each argument's text
/// (spacing removed) where it is a literal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CallSite {
    /// The name called.
    pub function: String,
    /// The positional arguments, in order: a literal's text, or `None`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub arguments: Vec<Option<String>>,
    /// The keyword arguments, in order: the keyword and a literal's text, or `None`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub keywords: Vec<(String, Option<String>)>,
    /// The call unpacks a sequence or a mapping into its arguments (`f(*args)`, `f(**kw)`),
    /// so which value each parameter gets is not written.
    #[serde(skip_serializing_if = "is_false")]
    pub unpacked: bool,
    /// The arguments that pass on, unchanged, a parameter of the module-level function the
    /// call stands in (`def plot(df, color): .. scheme(color)`): what that function's calls
    /// give the parameter is what this call passes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub passed_on: Vec<PassedOn>,
}

/// An argument of a [`CallSite`] that is a parameter of the calling function, passed on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PassedOn {
    /// The argument's place among the positional ones, or `None` for a keyword argument.
    pub position: Option<usize>,
    /// The keyword, for a keyword argument.
    pub keyword: Option<String>,
    /// The parameter passed on, as a call of the calling function gives it.
    pub parameter: ParameterSlot,
}

/// A parameter of a module-level function as its calls give it a value: by position, by
/// name, or through its default.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct ParameterSlot {
    /// The function.
    pub function: String,
    /// The parameter's name.
    pub name: String,
    /// Its place among those a call may pass by position; `None` for a keyword-only one.
    pub position: Option<usize>,
    /// A call may pass it by its name (not positional-only).
    pub keyword: bool,
    /// The literal default value's text, spacing removed, when it has one.
    pub default: Option<String>,
}

/// What a call gives a parameter (see [`CallSite::gives`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Given<'a> {
    /// A literal, its text with spacing removed.
    Literal(&'a str),
    /// The calling function's own parameter, passed on.
    PassedOn(&'a ParameterSlot),
    /// Anything else, or nothing that can be read.
    Unknown,
}

impl CallSite {
    /// What this call gives the parameter at `position` (or named `keyword`, when a call may
    /// pass it by name) whose literal default is `default`.
    pub fn gives<'a>(
        &'a self,
        position: Option<usize>,
        keyword: Option<&str>,
        default: Option<&'a str>,
    ) -> Given<'a> {
        if self.unpacked {
            return Given::Unknown;
        }
        let passed_on = |at_position: Option<usize>, at_keyword: Option<&str>| {
            self.passed_on
                .iter()
                .find(|passed| {
                    passed.position == at_position && passed.keyword.as_deref() == at_keyword
                })
                .map_or(Given::Unknown, |passed| Given::PassedOn(&passed.parameter))
        };
        if let Some(position) = position
            && let Some(argument) = self.arguments.get(position)
        {
            return argument
                .as_deref()
                .map_or_else(|| passed_on(Some(position), None), Given::Literal);
        }
        if let Some(keyword) = keyword
            && let Some((name, argument)) = self.keywords.iter().find(|(name, _)| name == keyword)
        {
            return argument
                .as_deref()
                .map_or_else(|| passed_on(None, Some(name)), Given::Literal);
        }
        default.map_or(Given::Unknown, Given::Literal)
    }
}

// serde's `skip_serializing_if` passes the field by reference.
#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_false(value: &bool) -> bool {
    !*value
}

/// One leaf of an import (`use a::{b, c as d}` gives two).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Import {
    /// The full path imported, as written, `::`-joined (`std::collections::HashMap`); for a
    /// glob, the path of the module (`std::io`).
    pub path: String,
    /// The name bound in the cell (the alias if renamed); `None` for a glob or `_`.
    pub binding: Option<String>,
    /// A glob import (`use a::*`, `from a import *`): it may bind any name.
    pub glob: bool,
    /// The leaf (`HashMap`, `c as d`).
    pub span: Span,
    /// The whole import statement holding this leaf, including its line break, so a fix can
    /// remove or move it.
    pub statement: Span,
    /// What to delete to remove the whole statement holding this leaf and nothing else: the
    /// rest of a `;` chain and a trailing comment stay on their line, a line left blank goes.
    /// `None` where the statement cannot go on its own: inside a block (`if`, `try`, ...,
    /// where it may be the block's only statement, and where it runs only sometimes) or in a
    /// cell magic's body.
    pub removal: Option<Span>,
    /// The import's line says it is kept for its effect, not its name: Python's `# noqa` or
    /// `# noqa: F401` (ruff's and flake8's marker for an unused import kept on purpose, as
    /// `import training.renderer.kimi_k3  # noqa: F401` registers a renderer), or the import is
    /// its cell's one statement, a bare `import simuPOP` (a cell run to check that a module
    /// imports, or for what importing it does).
    #[serde(skip_serializing_if = "is_false")]
    pub for_effect: bool,
}

impl Import {
    /// What identifies an import for duplicate detection: the path and the bound name.
    pub fn key(&self) -> (&str, Option<&str>) {
        (&self.path, self.binding.as_deref())
    }
}

/// A dependency declared in a cell (`:dep name = "1"` in evcxr; `%pip install` in Python).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dependency {
    /// The dependency name as declared (for evcxr, the `[dependencies]` key).
    pub name: String,
    /// The specification exactly as written after the name (`"1.0"`,
    /// `{ version = "1", features = ["x"] }`); empty when none was given.
    pub spec: String,
    /// The version requirement, if one was given.
    pub version: Option<String>,
    /// Features asked for, sorted.
    pub features: Vec<String>,
    /// `default-features` (or `default_features`), if given.
    pub default_features: Option<bool>,
    /// A local path, if the dependency is one.
    pub path: Option<String>,
    /// A git repository, if the dependency is one.
    pub git: Option<String>,
    /// The real package name, if renamed (`package = "..."`).
    pub package: Option<String>,
    /// The whole line, including its line break.
    pub span: Span,
    /// Whether the line is a statement of its own at the top of the cell, so a fix may
    /// delete or move the whole line: false inside a block (an indented `%pip install` under
    /// `if 'google.colab' in sys.modules:`).
    pub top_level: bool,
}

/// A kernel command line in the cell's leading block: an evcxr `:command`, an IPython
/// `%magic`, or a `!shell` line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Command {
    /// The command name with its sigil (`:dep`, `:timing`, `%matplotlib`, `!`).
    pub name: String,
    /// The rest of the line.
    pub argument: String,
    /// The whole line, including its line break.
    pub span: Span,
}

/// How a cell changes a value.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum MutationKind {
    /// `x = ..`, `x.f = ..`, `x[i] = ..`
    Assign,
    /// `x += ..` and the other compound assignments
    CompoundAssign,
    /// `&mut x`
    MutableBorrow,
    /// `x.push(..)`: a method that may change its receiver.
    MethodCall {
        /// The method's name.
        method: String,
    },
}

/// A cell that changes, in place, a value that an earlier cell defined.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mutation {
    /// The name of the value changed (the root of the place: `x` in `x.f[0] = 1`).
    pub name: String,
    /// How it is changed.
    pub kind: MutationKind,
    /// The evidence: the assignment, borrow or call.
    pub span: Span,
    /// The change is only possible if the value was bound mutably (Rust's `let mut`): a
    /// method call on an immutable binding cannot change it, so the graph checks the
    /// defining binding before counting this.
    pub requires_mutable_binding: bool,
    /// The change is only possible if the defining binding is this container (Python's
    /// `seen.add(x)` changes a set; seaborn's `Plot.add` returns a new plot): the graph
    /// checks [`Definition::container`] before counting this.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requires_container: Option<Container>,
    /// The change raises on a value bound to this container, so it changes nothing there:
    /// an item assignment or deletion on the name itself (`t[2] = [4]` on a tuple is a
    /// `TypeError`; `t[2].append(4)` is not, and changes the list inside). The graph checks
    /// [`Definition::container`] before counting this.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub raises_on: Option<Container>,
    /// The comparison with a constant the top-level `if` around this change needs to hold
    /// (see [`Definition::guard`]): where the name holds another constant, the change never
    /// happens.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guard: Option<BranchGuard>,
    /// The subscripts and attributes of the place changed, from the name on (`["day"]` for
    /// `df["day"] = ..` and `df["day"].fillna(0, inplace=True)`, `[1, "yaxis"]` for
    /// `data[1]["yaxis"] = ..`, `[a, 0]` for `x.a[0] = 1`), up to the first step that is
    /// neither: the change leaves every other item as it was (see [`ItemKey::apart`]). Empty
    /// where the change may touch the whole value (`df.drop(..)`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<ItemKey>,
    /// The literal key the change puts in, when it only adds one where it is missing: a
    /// `set.add("ethanol")` or a `dict.setdefault("c", ..)`. On a value whose display already
    /// holds it ([`Definition::held_keys`]) the change leaves the value as it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub adds: Option<ItemKey>,
    /// The change is made inside a `with` block whose context manager is the changed name
    /// itself (Python's `with model: model.objective = ..`): a library whose objects undo, when
    /// the block ends, what was changed inside (cobra's models) leaves the value as it was.
    #[serde(skip_serializing_if = "is_false")]
    pub in_own_context: bool,
}

/// The key of one subscript (`"day"` in `df["day"]`, `0` in `x[0]`), as far as its text
/// shows which item it names.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKey {
    /// A string literal: the item of that name (a dict's key, a frame's column).
    Text(String),
    /// A non-negative integer literal: the item at that index or of that label. (A negative
    /// one counts from the end and may name the item a positive one names.)
    Index(u64),
    /// A list of such literals (`df[["a", "b"]]`): each of those items.
    Each(Vec<ItemKey>),
    /// An attribute (`annotations` in `record.annotations["evidence"]`): what the object
    /// holds under that name. (An attribute that views the object's own data or describes
    /// its whole, pandas' `loc` and `columns`, NumPy's `T` and `shape`, is [`Self::Other`]:
    /// it may show any item.)
    Attribute(String),
    /// Any other key: a variable, a slice, a mask, a tuple (NumPy's `x[0, 1]` is an item of
    /// row `0`), a negative or computed index.
    Other,
}

impl ItemKey {
    /// Whether the key is one literal ([`Self::Text`] or [`Self::Index`]).
    pub fn is_literal(&self) -> bool {
        matches!(self, Self::Text(_) | Self::Index(_))
    }

    /// The literals this key names, if it names only literals of one kind (texts or indexes):
    /// `(true, [..])` for texts.
    fn literals(&self) -> Option<(bool, Vec<&ItemKey>)> {
        let keys: Vec<&ItemKey> = match self {
            Self::Text(_) | Self::Index(_) => vec![self],
            Self::Each(keys) => keys.iter().collect(),
            Self::Attribute(_) | Self::Other => return None,
        };
        let text = keys.iter().all(|key| matches!(key, Self::Text(_)));
        let index = keys.iter().all(|key| matches!(key, Self::Index(_)));
        (!keys.is_empty() && (text || index)).then_some((text, keys))
    }

    /// Whether the two keys surely name different items: literals of one kind with none in
    /// common, or two attributes of different names. (`df[0]` and `df["a"]` may be one
    /// column; a NumPy record's field `"a"` is part of row `0`; pandas' `df.a` is `df["a"]`.)
    pub fn distinct(&self, other: &ItemKey) -> bool {
        if let (Self::Attribute(name), Self::Attribute(other_name)) = (self, other) {
            return name != other_name;
        }
        match (self.literals(), other.literals()) {
            (Some((text, keys)), Some((other_text, other_keys))) => {
                text == other_text && keys.iter().all(|key| !other_keys.contains(key))
            }
            _ => false,
        }
    }

    /// Whether a read of the items `read` sees nothing a change of the items `change` made:
    /// the change sets (or changes in place) one item of some container, and the read, made
    /// through at least as many steps, takes another item of it (`df["day"] = ..` and
    /// `df["price"].mean()`; `data[1]["yaxis"] = ..` and `data[i]["x"]`), or takes another
    /// attribute at some step of both paths (`record.annotations["evidence"] = ..` and
    /// `record.id`). A read of the whole value (`df.head()`) or of an item holding the changed
    /// one (`data[1]`, `record.annotations`) sees it, and so does one of another row of a
    /// list of lists (`grid = [[0] * 3] * 3` holds one row three times), while two
    /// attributes holding one object is left out.
    pub fn apart(change: &[ItemKey], read: &[ItemKey]) -> bool {
        let Some(at) = change.len().checked_sub(1) else {
            return false;
        };
        read.get(at).is_some_and(|taken| change[at].distinct(taken))
            || change.iter().zip(read).any(|(changed, taken)| {
                matches!(changed, Self::Attribute(_)) && changed.distinct(taken)
            })
    }
}

/// A place where a cell does not parse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyntaxError {
    /// The parser's message.
    pub message: String,
    /// Where (may be empty: a point).
    pub span: Span,
}

/// Everything a front end learned about one code cell.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CellFacts {
    /// Names bound at the top level, in source order (a name may appear twice).
    pub defines: Vec<Definition>,
    /// Free names read by the cell, every occurrence, in source order.
    pub uses: Vec<NameUse>,
    /// Import leaves, in source order.
    pub imports: Vec<Import>,
    /// Declared dependencies, in source order.
    pub dependencies: Vec<Dependency>,
    /// Kernel commands and shell lines, in source order.
    pub commands: Vec<Command>,
    /// Values from other cells that this cell changes in place.
    pub mutations: Vec<Mutation>,
    /// The names this cell binds that a module-level function or class of the cell reads in
    /// its body, as (function, name) pairs (`def grid(): return helper()` gives (`grid`,
    /// `helper`)): a call of that function reaches what those read too (see
    /// [`NameUse::function`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub function_reads: Vec<(String, String)>,
    /// Calls the cell's top-level code makes of a function or class the cell itself defined
    /// above, as (name, offset): no use (the cell bound the name), but a call site all the
    /// same (`def build(): ..` then `res = build()`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub local_calls: Vec<(String, usize)>,
    /// Every call of a plain name other than a builtin's the cell makes, at any depth
    /// (`predict("ProtBERT")`), with what it passes: with [`NameUse::parameter_guards`], the
    /// branches of a function no call takes. The Rust front end leaves it empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub calls: Vec<CallSite>,
    /// The functions this cell defines that it reads other than by calling them (`map(step,
    /// xs)`, `callbacks=[log]`), sorted, once each: handed on, they may be called with
    /// anything. Reads of other cells' functions are in [`Self::uses`], without
    /// [`NameUse::callee`].
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub functions_handed_on: Vec<String>,
    /// The attributes the cell sets, deletes or binds in a class body other than as a class
    /// constant ([`Definition::constants`]), on any object, sorted, once each (`cfg.model = "t5"`,
    /// `setattr(cfg, "model", ..)`); `*` where it sets attributes it does not name
    /// (`setattr(cfg, key, ..)`, `cfg.__dict__.update(..)`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub stored_attributes: Vec<String>,
    /// Names the cell only re-applies operations to that give their result back: each of
    /// its bindings of the name applies one to the name's own value (under an `if`, or a run
    /// of row filters), nothing else binds or changes it, and it is read otherwise only in
    /// those `if` tests or after a binding (Python's `if dsm.rio.crs is None: dsm =
    /// dsm.rio.write_crs(..)`). Running the cell again on what it left leaves the same value.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reapplied: Vec<String>,
    /// Syntax errors; when not empty the other facts are partial.
    pub errors: Vec<SyntaxError>,
    /// The trailing expression the kernel displays, if any.
    pub trailing_expression: Option<Span>,
    /// The cell brings in names we cannot list (a glob import, a star import, `%run`,
    /// `%store -r`, `exec(..)`, a write through `globals()` or a module-level `vars()` or
    /// `locals()`, a `macro_rules!` that defines items where it is called): rules that report
    /// undefined names stay quiet for the notebook.
    pub binds_unknown_names: bool,
    /// The cell reads names chosen when it runs (Python's `globals()`, `eval(..)`,
    /// `exec(..)`, a module-level `vars()` or `locals()`, a file pasted in with `%load`): rules that report unused
    /// definitions stay quiet for the notebook.
    #[serde(skip_serializing_if = "is_false")]
    pub reads_unknown_names: bool,
    /// Part of the cell could not be analysed precisely (a macro body that is not an
    /// expression list): uses inside it may be missing.
    pub partially_analysed: bool,
    /// The cell uses `?` at top level.
    pub uses_question_mark: bool,
    /// The cell uses `.await` / `await` at top level.
    pub uses_await: bool,
    /// The cell postpones the evaluation of annotations for itself and every cell run after
    /// it (Python's `from __future__ import annotations`, which IPython keeps for the session).
    #[serde(skip_serializing_if = "is_false")]
    pub postpones_annotations: bool,
    /// Module-level names the cell deletes (`del x` in Python), in source order; a deletion
    /// inside a block is marked [`NameUse::conditional`].
    pub deleted: Vec<NameUse>,
    /// Statements that change what a later import finds or does: environment variables
    /// (`os.environ[..] = ..`, `%env`), the module search path (`sys.path.insert`), the
    /// working folder (`%cd`, `os.chdir`), installs and other shell or magic lines. An import
    /// moved up past one of these may load something else.
    pub environment: Vec<Span>,
    /// The cell loads pickled objects (Python's `pickle.load`, `joblib.load`, `torch.load`,
    /// `pd.read_pickle`, fastai's `load_learner`): unpickling finds the classes and functions
    /// the objects were made from by name in the notebook's module, so a class or function
    /// defined at or above it is used even though no cell names it.
    #[serde(skip_serializing_if = "is_false")]
    pub loads_pickled_objects: bool,
    /// The branches of each top-level `if`/`elif`/`else` chain with two or more, one span a
    /// branch (an `elif` with its test): one run of the cell takes at most one of them, so a
    /// read in one branch and a binding in another never meet in one run.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub exclusive_branches: Vec<Vec<Span>>,
    /// Cell magics the cell registers that take their body as text and never run it
    /// (`@register_cell_magic def writetemplate(line, cell)` that writes `cell` to a file),
    /// with their `%%`: a cell they open is that text, not code.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub text_cell_magics: Vec<String>,
    /// Cell magics the cell registers that run their body as code (`@register_cell_magic def
    /// backend(line, cell): .. run_cell(cell)`), with their `%%`: a cell they open is read as
    /// code of the notebook's own (see [`CellFrontend::analyze_code_magic_cell`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub code_cell_magics: Vec<String>,
    /// Values the cell writes to files, in source order (see [`FileSave`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub saves: Vec<FileSave>,
    /// A hash of the cell's code as tokens, comments and spacing left out (a line wrapped
    /// inside brackets is the same code), when the front end computes one: two cells with
    /// the same fingerprint hold the same code.
    #[serde(skip)]
    pub fingerprint: Option<u64>,
    /// The cell starts by seeding the global random generators with a constant
    /// (`np.random.seed(2)`, `torch.manual_seed(0)`): its random draws come out the same each
    /// time it runs, and its [`Self::fingerprint`] allows them.
    #[serde(skip_serializing_if = "is_false")]
    pub seeded: bool,
    /// Where the cell first runs, at its top level, code that may bind names no one can list
    /// (`exec(code)`, `%run script.py`, `%store -r`, a write through `globals()`; not a star
    /// import): after it, a name may hold what that code bound, not another cell's value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runs_unknown_code_at: Option<usize>,
    /// The cell's one line written as the command it runs (`%pip install pyspark`), when
    /// the kernel runs it as a command only because nothing else is in the cell (IPython's
    /// automagics: `pip install pyspark`, `ls data`). A fix must not add a line to such a
    /// cell, and a line moved out of it is written this way.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alone_command: Option<String>,
}

impl CellFacts {
    /// Whether no single run of the cell passes both the code at `first` and every code in
    /// `others`: all of `others` lie in branches of one top-level `if` chain other than the
    /// one holding `first` (an empty `others` never qualifies).
    pub fn in_other_branches(&self, first: Span, others: &[Span]) -> bool {
        !others.is_empty()
            && self.exclusive_branches.iter().any(|branches| {
                let holding = |span: Span| {
                    branches
                        .iter()
                        .position(|branch| branch.start <= span.start && span.end <= branch.end)
                };
                holding(first).is_some_and(|taken| {
                    others
                        .iter()
                        .all(|&other| holding(other).is_some_and(|branch| branch != taken))
                })
            })
    }
}

impl CellFacts {
    /// Whether the cell parsed.
    pub fn parsed(&self) -> bool {
        self.errors.is_empty()
    }

    /// Moves every span through `offset` (a front end that analysed a rewritten text, such
    /// as the cell with IPython's leading indentation removed, maps its spans back to the
    /// cell's own bytes).
    pub fn map_spans(&mut self, offset: impl Fn(usize) -> usize) {
        let map = |span: &mut Span| {
            *span = Span::new(offset(span.start), offset(span.end));
        };
        self.defines.iter_mut().for_each(|d| map(&mut d.span));
        self.uses.iter_mut().for_each(|u| map(&mut u.span));
        self.deleted.iter_mut().for_each(|u| map(&mut u.span));
        for import in &mut self.imports {
            map(&mut import.span);
            map(&mut import.statement);
            if let Some(removal) = &mut import.removal {
                map(removal);
            }
        }
        self.dependencies.iter_mut().for_each(|d| map(&mut d.span));
        self.commands.iter_mut().for_each(|c| map(&mut c.span));
        self.mutations.iter_mut().for_each(|m| map(&mut m.span));
        self.errors.iter_mut().for_each(|e| map(&mut e.span));
        self.environment.iter_mut().for_each(map);
        if let Some(trailing) = &mut self.trailing_expression {
            map(trailing);
        }
    }

    /// The distinct free names used, in order of first use.
    pub fn used_names(&self) -> Vec<&str> {
        let mut seen = std::collections::HashSet::new();
        self.uses
            .iter()
            .map(|use_| use_.name.as_str())
            .filter(|name| seen.insert(*name))
            .collect()
    }

    /// The distinct names defined, in order of first definition.
    pub fn defined_names(&self) -> Vec<&str> {
        let mut seen = std::collections::HashSet::new();
        self.defines
            .iter()
            .map(|definition| definition.name.as_str())
            .filter(|name| seen.insert(*name))
            .collect()
    }
}

/// What to delete from `source` to remove the statement at `statement` (its exact span) and
/// nothing else, keeping the source valid where it was.
///
/// `separator` is the character that separates statements on one line when it is not part
/// of the statement itself (Python's `;`; `None` for Rust, whose `;` ends the item), and
/// `comment` starts a line comment (`#`, `//`). What is left on the line stays as written:
/// the rest of a chain (`import os; print(os.sep)` keeps `print(os.sep)`), a trailing
/// comment (kept on its own line at the statement's indentation). A line left blank is
/// deleted with its line break.
pub fn statement_removal(
    source: &str,
    statement: Span,
    separator: Option<char>,
    comment: &str,
) -> Span {
    let bytes = source.as_bytes();
    let start = statement.start.min(source.len());
    let mut end = statement.end.clamp(start, source.len());
    let line_start = source[..start].rfind('\n').map_or(0, |at| at + 1);
    let line_end = source[end..].find('\n').map_or(source.len(), |at| end + at);
    // A separator after the statement goes with it: `import os; print(1)`.
    if let Some(separator) = separator {
        let after = &source[end..line_end];
        let gap = after.len() - after.trim_start_matches([' ', '\t']).len();
        if after[gap..].starts_with(separator) {
            end += gap + separator.len_utf8();
        }
    }
    let before = &source[line_start..start];
    let after = &source[end..line_end];
    let code_after = {
        let rest = after.trim();
        !rest.is_empty() && !rest.starts_with(comment)
    };
    let code_before = !before.trim().is_empty();
    if code_before {
        // `x = 1; import os`: from the end of the code before, through the statement.
        let kept = line_start + before.trim_end().len();
        return Span::new(kept, end);
    }
    if code_after {
        // `import os; print(1)`: the statement and the space after it.
        let gap = after.len() - after.trim_start_matches([' ', '\t']).len();
        return Span::new(start, end + gap);
    }
    if after.trim().is_empty() {
        // Alone on its line: the whole line with its line break.
        let through = if line_end < bytes.len() {
            line_end + 1
        } else {
            line_end
        };
        // At the very end without a final line break, take the line break before instead,
        // so no blank line is left behind.
        if through == line_end && line_start > 0 && line_end == bytes.len() {
            return Span::new(line_start - 1, line_end);
        }
        return Span::new(line_start, through);
    }
    // Only a comment after: it stays, at the statement's indentation.
    let gap = after.len() - after.trim_start_matches([' ', '\t']).len();
    Span::new(start, end + gap)
}

/// A cell language's analysis: turns one cell's source into [`CellFacts`].
///
/// Implementations must not panic on any input and must return in time linear in the
/// source's length.
pub trait CellFrontend: Send + Sync {
    /// The language this front end reads.
    fn language(&self) -> Language;

    /// Analyses one code cell.
    fn analyze(&self, source: &str) -> CellFacts;

    /// Whether `name` is always defined in this language without an import (the Rust prelude,
    /// std macros, primitive types; Python builtins).
    fn is_builtin(&self, name: &str) -> bool;

    /// The language's words and conventions that rules and fixes need.
    fn vocabulary(&self) -> &'static Vocabulary;

    /// A kernel command in `source` that only this language's kernel accepts (evcxr's `:dep`
    /// and its other commands in the cell's leading block; IPython's `%matplotlib` and other
    /// magics), as written: its name with its sigil. A cheap sign of the cell language when
    /// a notebook's metadata names none. The default finds none.
    fn kernel_command(&self, source: &str) -> Option<String> {
        let _ = source;
        None
    }

    /// Analyses a cell that a cell magic the notebook registers takes as text (see
    /// [`CellFacts::text_cell_magics`]): only its header and the names its text mentions as a
    /// template would (`{name}`), as optional reads. The default binds and reads nothing.
    fn analyze_text_cell(&self, source: &str) -> CellFacts {
        let _ = source;
        CellFacts::default()
    }

    /// Analyses a cell opened by a cell magic the notebook registers to run its body as code
    /// (see [`CellFacts::code_cell_magics`]), which a front end may otherwise read more warily
    /// (a magic it does not know may set and read names itself). The default is
    /// [`Self::analyze`].
    fn analyze_code_magic_cell(&self, source: &str) -> CellFacts {
        self.analyze(source)
    }
}

/// The facts of every cell of a notebook, indexed like [`Notebook::cells`]; `None` for cells
/// that are not code.
#[derive(Debug, Clone, Default)]
pub struct NotebookFacts {
    /// One entry per cell.
    pub cells: Vec<Option<CellFacts>>,
}

impl NotebookFacts {
    /// Runs `frontend` on every code cell of `notebook`.
    ///
    /// A code cell whose own metadata names another language (a C# cell of a Polyglot
    /// notebook, see [`cell_language`]) is not analysed: it is not this language's code.
    pub fn analyze(notebook: &Notebook, frontend: &dyn CellFrontend) -> Self {
        let language = frontend.language();
        Self {
            cells: notebook
                .cells()
                .iter()
                .map(|cell| {
                    let foreign =
                        cell_language(notebook, cell.number).is_some_and(|own| own != language);
                    (cell.is_code() && !foreign).then(|| frontend.analyze(&cell.source))
                })
                .collect(),
        }
    }

    /// Facts for code cells only; no cell was analysed (an unknown language).
    pub fn unanalysed(notebook: &Notebook) -> Self {
        Self {
            cells: notebook.cells().iter().map(|_| None).collect(),
        }
    }

    /// The facts of the cell with one-based `number`.
    pub fn cell(&self, number: usize) -> Option<&CellFacts> {
        number
            .checked_sub(1)
            .and_then(|index| self.cells.get(index))
            .and_then(Option::as_ref)
    }
}

/// Whether a cell counts as code with content (not empty, not only whitespace).
pub fn has_code(cell: &Cell) -> bool {
    cell.is_code() && !cell.source.trim().is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_gives_a_literal_a_passed_on_parameter_or_its_default() {
        let parameter = ParameterSlot {
            function: "plot".to_owned(),
            name: "color".to_owned(),
            position: Some(1),
            keyword: true,
            default: None,
        };
        let call = CallSite {
            function: "scheme".to_owned(),
            arguments: vec![Some("1".to_owned()), None],
            keywords: vec![("size".to_owned(), None)],
            unpacked: false,
            passed_on: vec![PassedOn {
                position: Some(1),
                keyword: None,
                parameter: parameter.clone(),
            }],
        };
        assert_eq!(call.gives(Some(0), None, None), Given::Literal("1"));
        assert_eq!(call.gives(Some(1), None, None), Given::PassedOn(&parameter));
        assert_eq!(call.gives(None, Some("size"), None), Given::Unknown);
        assert_eq!(
            call.gives(Some(2), Some("dpi"), Some("72")),
            Given::Literal("72")
        );
        let unpacked = CallSite {
            unpacked: true,
            ..call.clone()
        };
        assert_eq!(unpacked.gives(Some(0), None, None), Given::Unknown);
    }

    #[test]
    fn a_read_of_another_item_is_apart_from_the_change_of_one() {
        use ItemKey::{Each, Index, Other, Text};
        let text = |key: &str| Text(key.to_owned());
        // `df["day"] = ..`, then `df["price"]`, `df[["a", "b"]]`, `df["price"][0]`.
        assert!(ItemKey::apart(&[text("day")], &[text("price")]));
        assert!(ItemKey::apart(
            &[text("day")],
            &[Each(vec![text("a"), text("b")])]
        ));
        assert!(ItemKey::apart(&[text("day")], &[text("price"), Index(0)]));
        // `data[1]["yaxis"] = ..`, then `data[i]["x"]`: another key of whichever item.
        assert!(ItemKey::apart(
            &[Index(1), text("yaxis")],
            &[Other, text("x")]
        ));
        // The same item, the whole value, an item holding the changed one, an unknown key.
        assert!(!ItemKey::apart(&[text("day")], &[text("day")]));
        assert!(!ItemKey::apart(&[text("day")], &[]));
        assert!(!ItemKey::apart(&[Index(1), text("yaxis")], &[Index(1)]));
        assert!(!ItemKey::apart(&[text("day")], &[Other]));
        assert!(!ItemKey::apart(&[], &[text("day")]));
        assert!(!ItemKey::apart(
            &[text("day")],
            &[Each(vec![text("a"), text("day")])]
        ));
        // `grid = [[0] * 3] * 3` holds one row three times: `grid[0][1]` is `grid[1][1]`.
        assert!(!ItemKey::apart(
            &[Index(0), Index(1)],
            &[Index(1), Index(1)]
        ));
        // A label `0` and a label `"a"` may be one column; a record's field is part of a row.
        assert!(!ItemKey::apart(&[Index(0)], &[text("a")]));
        assert!(!ItemKey::apart(
            &[text("a")],
            &[Each(vec![text("b"), Index(0)])]
        ));
    }

    #[test]
    fn a_read_of_another_attribute_is_apart_from_the_change_of_one() {
        use ItemKey::{Attribute, Other, Text};
        let attribute = |name: &str| Attribute(name.to_owned());
        // `record.annotations["evidence"] = ..`, then `record.id`, `record.seq.count("A")`.
        let change = [attribute("annotations"), Text("evidence".to_owned())];
        assert!(ItemKey::apart(&change, &[attribute("id")]));
        assert!(ItemKey::apart(&[attribute("id")], &[attribute("seq")]));
        // The same attribute, one holding the change, the whole value, an indexer.
        assert!(!ItemKey::apart(&change, &[attribute("annotations")]));
        assert!(!ItemKey::apart(&[attribute("id")], &[attribute("id")]));
        assert!(!ItemKey::apart(&[attribute("id")], &[]));
        assert!(!ItemKey::apart(&[Other], &[attribute("id")]));
        // pandas' `df.a` is `df["a"]`.
        assert!(!ItemKey::apart(&[Text("a".to_owned())], &[attribute("a")]));
        assert!(!ItemKey::apart(&[attribute("b")], &[Text("a".to_owned())]));
    }

    /// `source` with the statement `needle` (its first occurrence) removed.
    fn remove(source: &str, needle: &str, separator: Option<char>, comment: &str) -> String {
        let start = source.find(needle).unwrap();
        let span = statement_removal(
            source,
            Span::new(start, start + needle.len()),
            separator,
            comment,
        );
        format!("{}{}", &source[..span.start], &source[span.end..])
    }

    #[test]
    fn a_guard_fails_for_every_literal_passed_exactly_when_it_fails_for_each() {
        let literals = [
            "\"a\"", "'b'", "\"\"", "0", "1", "-2", "None", "True", "False", "1.5", "x", "f\"{a}\"",
        ];
        let guards = [
            ("\"a\"", false),
            ("1", false),
            ("None", false),
            ("1.5", false),
            ("True", true),
        ];
        // Every subset of up to three literals, against every guard, both ways.
        let mut sets: Vec<Vec<&str>> = vec![Vec::new()];
        for a in 0..literals.len() {
            sets.push(vec![literals[a]]);
            for b in a..literals.len() {
                sets.push(vec![literals[a], literals[b]]);
                for c in b..literals.len() {
                    sets.push(vec![literals[a], literals[b], literals[c]]);
                }
            }
        }
        for (constant, truthiness) in guards {
            for equal in [true, false] {
                let guard = BranchGuard {
                    name: "x".to_owned(),
                    equal,
                    constant: constant.to_owned(),
                    truthiness,
                };
                for set in &sets {
                    let mut passed = PassedLiterals::default();
                    for literal in set {
                        passed.add(Some(literal));
                    }
                    let each = set.iter().all(|literal| guard.fails_for(literal));
                    assert_eq!(guard.fails_for_every(&passed), each, "{guard:?} {set:?}");
                    passed.add(None);
                    assert!(
                        !guard.fails_for_every(&passed),
                        "{guard:?} {set:?} and more"
                    );
                }
            }
        }
    }

    #[test]
    fn a_guard_fails_for_a_literal_that_decides_it() {
        let guard = |equal, constant: &str, truthiness| BranchGuard {
            name: "x".to_owned(),
            equal,
            constant: constant.to_owned(),
            truthiness,
        };
        // `if x == "%":`
        assert!(guard(true, "\"%\"", false).fails_for("\"log\""));
        assert!(!guard(true, "\"%\"", false).fails_for("\"%\""));
        assert!(!guard(true, "\"%\"", false).fails_for("3"));
        // `if x:` and `if not x:`, whatever the literal's kind.
        assert!(guard(true, "True", true).fails_for("\"\""));
        assert!(guard(true, "True", true).fails_for("0"));
        assert!(!guard(true, "True", true).fails_for("\"model.pth\""));
        assert!(guard(false, "True", true).fails_for("\"model.pth\""));
        assert!(!guard(false, "True", true).fails_for("None"));
        assert!(!guard(true, "True", true).fails_for("load()"));
        // `if x == True:` is no test of truth: a string never equals `True`, nblint says
        // nothing of it.
        assert!(!guard(true, "True", false).fails_for("\"\""));
    }

    #[test]
    fn removal_keeps_the_rest_of_a_chain_and_comments() {
        let python = |source, needle| remove(source, needle, Some(';'), "#");
        assert_eq!(
            python("import os; print(os.sep)\n", "import os"),
            "print(os.sep)\n"
        );
        assert_eq!(python("x = 1; import os\ny\n", "import os"), "x = 1;\ny\n");
        assert_eq!(python("x = 1; import os; y\n", "import os"), "x = 1; y\n");
        assert_eq!(python("a\nimport os\nb\n", "import os"), "a\nb\n");
        assert_eq!(python("a\nimport os", "import os"), "a");
        assert_eq!(python("import os", "import os"), "");
        assert_eq!(
            python("import os  # paths\nb\n", "import os"),
            "# paths\nb\n"
        );
        assert_eq!(python("import os;\nb\n", "import os"), "b\n");
        let rust = |source, needle| remove(source, needle, None, "//");
        assert_eq!(rust("use a; use b;\n", "use a;"), "use b;\n");
        assert_eq!(rust("use a; use b;\n", "use b;"), "use a;\n");
        assert_eq!(rust("use a;\r\nlet x = 1;\r\n", "use a;"), "let x = 1;\r\n");
    }

    #[test]
    fn language_names() {
        for (name, expected) in [
            ("rust", Language::Rust),
            ("Rust", Language::Rust),
            ("python3", Language::Python),
            ("Python", Language::Python),
            ("julia-1.9", Language::Other("julia-1.9".into())),
        ] {
            assert_eq!(Language::from_name(name), expected, "{name}");
        }
    }

    #[test]
    fn detects_evcxr_metadata() {
        let notebook = Notebook::parse(
            br#"{"nbformat": 4, "cells": [], "metadata": {"kernelspec": {"name": "rust",
              "display_name": "Rust", "language": "rust"}, "language_info": {"name": "Rust",
              "file_extension": ".rs"}}}"#,
        )
        .unwrap();
        assert_eq!(Language::detect(&notebook), Some(Language::Rust));
        let bare = Notebook::parse(br#"{"nbformat": 4, "cells": []}"#).unwrap();
        assert_eq!(Language::detect(&bare), None);
    }
}
