//! The scope-aware walk over one cell's syntax tree.
//!
//! Python's rules, as this walk applies them:
//! - Module level runs top to bottom: a name read before the cell binds it is free (a use),
//!   a name read after is the cell's own; `del x` makes it free again.
//! - A function (or lambda) body runs later, when called, so its free names are resolved
//!   against every name the cell binds anywhere, at the end. A name assigned anywhere in a
//!   function is local to all of it, unless declared `global` (then it is a module binding)
//!   or `nonlocal`.
//! - A class body runs at once, in its own namespace that its methods do not see.
//! - A comprehension has its own scope for its targets; its first iterable is evaluated
//!   outside it, and a walrus inside it binds in the enclosing function or module.
//! - Decorators, default values, base classes and annotations (unless
//!   `from __future__ import annotations`) are evaluated where the definition stands.
//!   Annotations that are never evaluated (postponed ones, function locals', the text of
//!   string annotations) still name what they refer to: optional uses
//!   ([`NameUse::optional`]), as are `$name` expansions in shell lines and the names a shell
//!   or SQL cell magic's body mentions.
//! - A binding inside a block at module level (`if`, `for`, `while`, `try`, `with`,
//!   `match`) happens only on some paths: [`Definition::conditional`].

use std::collections::{HashMap, HashSet};

use nblint_facts::{
    BoundValue, BranchGuard, CallSite, CellFacts, Command, Container, Definition, DefinitionKind,
    Dependency, FileSave, IdempotentOperation, Import, ItemKey, Mutation, MutationKind, NameUse,
    ParameterGuard, Span, SyntaxError,
};
use ruff_python_ast::token::TokenKind;
use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{
    self as ast, Expr, ExprContext, IpyEscapeKind, Mod, Parameters, Pattern, Stmt,
};
use ruff_python_parser::{Mode, ParseOptions, parse_unchecked};
use ruff_text_size::{Ranged, TextRange, TextSize};

use crate::magics::{self, CellBody, References};

/// CPython's tokenizer refuses more nested brackets than this ("too many nested
/// parentheses").
const MAX_BRACKET_DEPTH: usize = 200;

/// Deeper syntax trees are not walked. CPython's compiler gives up (RecursionError) between
/// 1000 and 3000 levels of nesting, so a cell this deep does not run anyway.
const MAX_TREE_DEPTH: usize = 3000;

/// Below this depth the walk recurses on the thread's stack without checking it.
const UNCHECKED_DEPTH: usize = 32;

/// When less than this much stack is left, the walk continues on a new segment.
const STACK_RED_ZONE: usize = 128 * 1024;

/// The size of each new stack segment.
const STACK_SEGMENT: usize = 2 * 1024 * 1024;

/// Stack reserved per level of tree depth to drop a deep tree (whose `Drop` recurses).
const DROP_STACK_PER_LEVEL: usize = 1024;

/// Analyses one cell. A cell whose first line is indented runs in IPython with that
/// indentation removed from every line that has it (its `leading_indent` transform): when
/// the cell does not parse as written, it is read that way, spans mapped back. A pasted
/// session's prompts (`>>> `, `... `, `In [1]: `, `...: `) are removed first, as IPython's
/// prompt strippers do.
pub(crate) fn analyze(source: &str) -> CellFacts {
    analyze_cell(source, Opener::Unregistered)
}

/// Analyses a cell opened by a cell magic the notebook registers to run its body as Python
/// (`@register_cell_magic def backend(line, cell): .. run_cell(cell)`): its body's names are
/// read as any cell's.
pub(crate) fn analyze_code_magic_cell(source: &str) -> CellFacts {
    analyze_cell(source, Opener::Registered)
}

/// Who defines the cell magic that opens a cell, when nblint does not know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Opener {
    /// An extension, or nobody nblint can see: it may set names before it runs the body and
    /// read them after.
    Unregistered,
    /// The notebook, with a function that runs the body as Python.
    Registered,
}

fn analyze_cell(source: &str, opener: Opener) -> CellFacts {
    let (rewrites, facts) = read_cell(source, opener);
    rewrites
        .iter()
        .rev()
        .fold(facts, |facts, rewrite| rewrite.map_back(facts))
}

/// The text IPython runs for a cell whose text as written does not parse but does once
/// IPython's input transforms have run (a pasted session's prompts removed, the first line's
/// indentation removed from every line: see [`analyze`]); `None` when the cell runs as
/// written, or does not parse either way.
pub fn text_ipython_runs(source: &str) -> Option<String> {
    let (rewrites, facts) = read_cell(source, Opener::Unregistered);
    if !facts.parsed() {
        return None;
    }
    rewrites.into_iter().last().map(|rewrite| rewrite.text)
}

/// How IPython reads a cell: the rewrites of its text that make it parse, in the order they
/// apply (none when it parses as written, or parses no way), and the facts of the text they
/// give, its spans in that text.
fn read_cell(source: &str, opener: Opener) -> (Vec<LeadingIndent>, CellFacts) {
    // A pasted session's prompts go first, whether or not the cell parses with them
    // (`In [12]: x = 2` is an annotated assignment to `In[12]`).
    if let Some(stripped) = LeadingIndent::without_prompts(source) {
        let facts = analyze_as_written(&stripped.text, opener);
        if facts.parsed() {
            return (vec![stripped], facts);
        }
    }
    let facts = analyze_as_written(source, opener);
    if facts.parsed() {
        return (Vec::new(), facts);
    }
    let Some(dedented) = LeadingIndent::remove(source) else {
        return (Vec::new(), facts);
    };
    // IPython removes the indentation before the prompts: a docstring's example pasted as it
    // stands (`    >>> x = np.random.randn(200)`) runs.
    if let Some(stripped) = LeadingIndent::without_prompts(&dedented.text) {
        let stripped_facts = analyze_as_written(&stripped.text, opener);
        if stripped_facts.parsed() {
            return (vec![dedented, stripped], stripped_facts);
        }
    }
    let dedented_facts = analyze_as_written(&dedented.text, opener);
    if !dedented_facts.parsed() {
        return (Vec::new(), facts);
    }
    (vec![dedented], dedented_facts)
}

/// A cell with IPython's leading indentation removed, and where each line came from.
struct LeadingIndent {
    text: String,
    /// Per line of `text`: its start there, and how many bytes were removed before it.
    lines: Vec<(usize, usize)>,
}

impl LeadingIndent {
    /// The cell without the first line's indentation on every line that starts with it;
    /// `None` when the first line is not indented.
    fn remove(source: &str) -> Option<Self> {
        let first = source.lines().next()?;
        let indent = &first[..first.len() - first.trim_start_matches([' ', '\t']).len()];
        if indent.is_empty() || first.trim().is_empty() {
            return None;
        }
        let mut text = String::with_capacity(source.len());
        let mut lines = Vec::new();
        let mut removed = 0;
        for line in source.split_inclusive('\n') {
            let cut = if line.starts_with(indent) {
                indent.len()
            } else {
                0
            };
            removed += cut;
            lines.push((text.len(), removed));
            text.push_str(&line[cut..]);
        }
        Some(Self { text, lines })
    }

    /// The cell without the prompts of a pasted session, as IPython's prompt strippers read
    /// it: when the first line starts with `>>> ` (or is `>>>`), `>>> `/`... ` are removed
    /// from every line that has them; when it starts with `In [N]: `, so are `In [N]: ` and
    /// `...: ` (after any indentation). Lines without a prompt stay. `None` otherwise.
    fn without_prompts(source: &str) -> Option<Self> {
        // As IPython's `PromptStripper`: a prompt on the first line, or on the second (a
        // statement pasted from its first line's code, `pd.Series(` then `   ....: [1, 2],`).
        let mut lines = source.lines();
        let first = lines.next()?;
        let second = lines.next();
        let classic_at = |line: &str, initial: bool| {
            line == ">>>"
                || line.starts_with(">>> ")
                || (!initial && (line == "..." || line.starts_with("... ")))
        };
        let classic = classic_at(first, true) || second.is_some_and(|line| classic_at(line, false));
        let ipython_at = |line: &str| ipython_prompt(line).is_some_and(|length| length > 0);
        let ipython =
            (ipython_at(first) && first.starts_with("In [")) || second.is_some_and(ipython_at);
        if !classic && !ipython {
            return None;
        }
        let prompt = |line: &str| -> usize {
            let body = line.trim_end_matches(['\n', '\r']);
            if classic {
                ["...", ">>>"]
                    .into_iter()
                    .find(|prompt| {
                        body.starts_with(prompt) && (body.len() == 3 || body.as_bytes()[3] == b' ')
                    })
                    .map_or(0, |_| 4.min(body.len()))
            } else {
                ipython_prompt(body).unwrap_or(0)
            }
        };
        let mut text = String::with_capacity(source.len());
        let mut lines = Vec::new();
        let mut removed = 0;
        for line in source.split_inclusive('\n') {
            let cut = prompt(line);
            removed += cut;
            lines.push((text.len(), removed));
            text.push_str(&line[cut..]);
        }
        Some(Self { text, lines })
    }

    /// `facts` of the rewritten text, with spans in the cell as written. A fix edits by span,
    /// and what IPython removes lies between the spans: no fix deletes or moves a statement
    /// of such a cell.
    fn map_back(&self, mut facts: CellFacts) -> CellFacts {
        facts.map_spans(|offset| self.original(offset));
        for import in &mut facts.imports {
            import.removal = None;
        }
        for dependency in &mut facts.dependencies {
            dependency.top_level = false;
        }
        facts
    }

    /// The offset in the cell of `offset` in the dedented text.
    fn original(&self, offset: usize) -> usize {
        let line = self
            .lines
            .partition_point(|&(start, _)| start <= offset)
            .saturating_sub(1);
        offset + self.lines.get(line).map_or(0, |&(_, removed)| removed)
    }
}

/// The length of the IPython prompt `line` starts with: `In [12]: ` or `...: ` (any
/// indentation and three or more dots, the space optional), if any.
fn ipython_prompt(line: &str) -> Option<usize> {
    if let Some(rest) = line.strip_prefix("In [") {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let after = rest.get(digits..)?;
        return (digits > 0 && after.starts_with("]: ")).then_some(4 + digits + 3);
    }
    let indent = line.len() - line.trim_start_matches([' ', '\t']).len();
    let rest = &line[indent..];
    let dots = rest.bytes().take_while(|&b| b == b'.').count();
    let after = rest.get(dots..)?;
    (dots >= 3 && after.starts_with(':'))
        .then(|| indent + dots + 1 + usize::from(after[1..].starts_with(' ')))
}

/// Analyses a cell opened by a cell magic the notebook registers to take its body as text:
/// the header's arguments as for any foreign cell magic, and the names the text mentions as
/// a template would (`{name}`, `$name`) as optional reads.
pub(crate) fn analyze_text_cell(source: &str) -> CellFacts {
    let mut analyzer = Analyzer::new(source);
    if let Some(magic) = magics::cell_magic(source) {
        analyzer.foreign_cell_magic(&magic);
        let body = source.get(magic.header.end..).unwrap_or("");
        analyzer.read_references(magic.header.end, body, Some(References::Shell));
    }
    analyzer.finish()
}

/// Analyses one cell as written.
fn analyze_as_written(source: &str, opener: Opener) -> CellFacts {
    if let Some(magic) = magics::cell_magic(source)
        && magic.body == CellBody::Unknown
    {
        // Python, as far as names go; but a magic the notebook does not register may set
        // names before it runs the body (advent-of-code's `%%aoc` pushes `inputs`) and read
        // them after (`answer`): the body's reads need not exist, and its bindings count as
        // used.
        let unregistered = opener == Opener::Unregistered;
        let mut analyzer = Analyzer::new(source);
        analyzer.optional_depth = usize::from(unregistered);
        analyzer.analyze_cell(false);
        let mut facts = analyzer.finish();
        if facts.parsed() {
            for definition in &mut facts.defines {
                definition.used_in_cell |= unregistered;
            }
            return facts;
        }
        let mut analyzer = Analyzer::new(source);
        analyzer.foreign_cell_magic(&magic);
        return analyzer.finish();
    }
    // `%%capture` then `%%cython`: IPython runs the outer magic's body as a cell, whose own
    // cell magic then runs.
    if let Some(outer) = magics::cell_magic(source)
        && matches!(outer.body, CellBody::Python | CellBody::TransientPython)
        && let Some(inner) = magics::cell_magic_from(source, outer.header.end)
        && matches!(inner.body, CellBody::Other | CellBody::Unknown)
    {
        let mut analyzer = Analyzer::new(source);
        let argument_start = (outer.argument.as_ptr() as usize)
            .checked_sub(source.as_ptr() as usize)
            .unwrap_or(outer.header.start);
        analyzer.magic_arguments(outer.name, argument_start, outer.argument);
        analyzer.foreign_cell_magic(&inner);
        return analyzer.finish();
    }
    let mut analyzer = Analyzer::new(source);
    let mut display = true;
    if let Some(magic) = magics::cell_magic(source) {
        match magic.body {
            CellBody::Other | CellBody::Unknown => {
                analyzer.foreign_cell_magic(&magic);
                return analyzer.finish();
            }
            CellBody::TransientPython => {
                analyzer.transient = true;
                display = false;
            }
            // `%%capture` captures the display.
            CellBody::Python => display = magic.name != "%%capture",
        }
    }
    analyzer.analyze_cell(display);
    analyzer.finish()
}

/// What kind of namespace a scope is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ScopeKind {
    Module,
    /// A function or lambda body: runs later.
    Function,
    /// A class body: runs at once, invisible to nested functions.
    Class,
    Comprehension,
}

#[derive(Debug)]
struct Scope {
    kind: ScopeKind,
    /// Function and comprehension scopes: every local name. Class scopes: the names bound
    /// so far (a class body runs top to bottom like the module).
    locals: HashSet<String>,
    /// Names declared `global` in this scope.
    globals: HashSet<String>,
}

impl Scope {
    fn new(kind: ScopeKind, locals: HashSet<String>, globals: HashSet<String>) -> Self {
        Self {
            kind,
            locals,
            globals,
        }
    }
}

/// Where a read of a name gets its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Resolution {
    /// A local of a function, class or comprehension.
    Local,
    /// The module namespace, read now.
    Module,
    /// The module namespace, read when a function runs.
    ModuleLater,
}

struct Analyzer<'src> {
    source: &'src str,
    /// Added to the parser's offsets: non-zero while analysing a fragment (the code of a
    /// `%time` line) parsed on its own.
    offset: usize,
    facts: CellFacts,
    scopes: Vec<Scope>,
    /// Module names bound so far in this cell, with the index of their definition (`None`
    /// for bindings that are no definition: an `except ... as e` name, a `%%timeit` body).
    bound: HashMap<String, Option<usize>>,
    /// The call whose value an assignment binds (`cars = cars1.append(cars2)`), while that
    /// assignment is walked.
    assigned_call: Option<TextRange>,
    /// Calls whose value the code goes on to use (`points.sort("c").opts(..)`): a standard
    /// container's mutator returns `None`, so such a call is another type's method.
    used_calls: HashSet<TextRange>,
    /// Every module name the cell binds anywhere, with its latest definition; never shrinks.
    ever_bound: HashMap<String, Option<usize>>,
    /// Free module names read inside function bodies: resolved at the end.
    later_uses: Vec<NameUse>,
    /// How many function or lambda bodies enclose the current node.
    function_depth: usize,
    /// The body runs in a namespace of its own (`%%timeit`): bindings are not definitions.
    transient: bool,
    /// `from __future__ import annotations`: annotations are not evaluated.
    future_annotations: bool,
    /// How many annotations enclose the current node: a string in one is a forward reference.
    annotation_depth: usize,
    /// How many never-evaluated contexts enclose the current node: its reads are optional.
    optional_depth: usize,
    /// Names an enclosing `if 'NAME' in locals():` checks exist: reads of them are optional.
    guarded_names: Vec<String>,
    /// How many `try:` bodies whose `except` catches `NameError` the walk is in.
    try_probe_depth: usize,
    /// The names the cell binds at the top level, when it has a top-level `try` (see
    /// [`Self::try_statement`]).
    cell_bound: HashSet<String>,
    /// The literal each name holds at this point of the cell's top level, when its last
    /// binding there bound one (`KEY = ""`): an `if` on it further down is decided.
    cell_literals: HashMap<String, String>,
    /// Inside the body of a top-level `if` the cell's own literals decide against
    /// ([`Self::decided_false`]): changes there leave the cell's values as they are.
    switched_off: usize,
    /// Names the enclosing loop bodies bind: a read of one before its binding in the body
    /// sees the previous pass's value (`if epoch > 0: load(path)` then `path = ...`); each
    /// with the number of enclosing loops that bind it.
    loop_bound: HashMap<String, usize>,
    /// Names read before their binding in a loop body that binds them (see `loop_bound`).
    loop_reads: HashSet<String>,
    /// The namespace call being walked is the target of a write (`globals()[k] = v`,
    /// `globals().update(..)`), not a read.
    writing_namespace: bool,
    /// How many blocks that may not run (`if`, loops, `try`, `with`, `match`) enclose the
    /// current node at module level.
    block_depth: usize,
    /// The statement being walked, as the evidence of a mutation.
    statement: Span,
    /// The top-level statement being walked when it is a plain, repeatable change of a
    /// name's value in place (see [`repeatable_change`]).
    plain_change: Option<PlainChange>,
    /// In the body of a top-level `for` loop, the names it fills the same way from the same
    /// inputs (see [`loops::fills`]).
    loop_fills: HashMap<String, PlainChange>,
    /// Top-level copies of values from other cells made before this cell binds or changes
    /// them (`X_bk = deepcopy(X)`): the backup's name, with the name copied and the backup's
    /// definition.
    backups: HashMap<String, (String, usize)>,
    /// Top-level bindings of this cell (indices into `facts.defines`) whose value is one call
    /// given a constant seed (`model = DecisionTreeClassifier(random_state=42)`) or that makes
    /// an estimator that needs none ([`deterministic_estimator`]: `scaler = MinMaxScaler()`):
    /// a `fit` of the value made so repeats ([`seeded_fit`]).
    seeded: HashSet<usize>,
    /// The module-level functions the cell defines (indices into `facts.defines`) and their
    /// ranges: each one's [`Definition::definition_fingerprint`] is hashed from its tokens
    /// after the walk.
    module_functions: Vec<(usize, TextRange)>,
    /// File objects the enclosing top-level `with open(path) as f:` blocks opened: each
    /// one's path, as [`FileSave::path`] and [`FileSave::path_reads`] give it.
    file_handles: HashMap<String, OpenedFile>,
    /// Records the cell built from names, by definition: each key and the name its value
    /// is (see [`record_entries`]).
    records: HashMap<usize, HashMap<String, String>>,
    /// How many of the blocks counted in `block_depth` are `with` bodies, which run unless
    /// something fails: a save or load in one happens when the cell runs.
    with_depth: usize,
    /// The names whose own value is the context manager of a `with` block around this point
    /// (`with model:`; see [`Mutation::in_own_context`]).
    own_contexts: Vec<String>,
    /// How many statements enclose the current node (1 inside a top-level statement).
    statement_depth: usize,
    /// The module-level function or class whose body is being walked (see
    /// [`NameUse::function`]).
    top_function: Option<String>,
    /// The parameters of the module-level function whose body is being walked, when a call
    /// decides what each holds there: no decorator, and none bound again in the body.
    parameters: Option<FunctionParameters>,
    /// The comparisons of those parameters with constants that the `if`s around the walk
    /// need to hold (see [`NameUse::parameter_guards`]).
    parameter_guards: Vec<ParameterGuard>,
    /// The comparisons of class attributes with constants that the `if`s around the walk
    /// need to hold (see [`NameUse::attribute_guards`]).
    attribute_guards: Vec<BranchGuard>,
    /// In a method's own body, the name of its first parameter and of its class (`self`,
    /// `Config`): `self.kind` there is the class's `kind` where nothing sets it.
    method_receiver: Option<(String, String)>,
    /// The class whose body is being walked, directly.
    class_name: Option<String>,
    /// The callee of the call being walked (`predict` in `predict("T5")`), so its read is
    /// known as a call's (see [`NameUse::callee`]).
    callee: Option<Span>,
    /// The reads of the call being walked that use only a value's settings (`model` in
    /// `cross_val_score(model, X, y)`, see [`NameUse::settings_only`]).
    settings_reads: Vec<Span>,
    /// Where each statement list being walked ends, innermost last (see
    /// [`NameUse::suite_end`]).
    suite_ends: Vec<usize>,
    /// For a name read through subscripts (`df` in `df["a"][0]`), by where the name starts,
    /// the keys taken (see [`NameUse::items`]).
    item_reads: HashMap<usize, Vec<ItemKey>>,
    /// The cell starts with a cell magic: its statements are not the cell's own to edit.
    cell_magic: bool,
    /// The cell's one statement is a bare `import x` (see [`Import::for_effect`]).
    lone_import: bool,
    depth: usize,
    max_depth: usize,
    too_deep: bool,
}

impl<'src> Analyzer<'src> {
    fn new(source: &'src str) -> Self {
        Self {
            source,
            offset: 0,
            facts: CellFacts::default(),
            scopes: vec![Scope::new(
                ScopeKind::Module,
                HashSet::new(),
                HashSet::new(),
            )],
            bound: HashMap::new(),
            assigned_call: None,
            used_calls: HashSet::new(),
            ever_bound: HashMap::new(),
            later_uses: Vec::new(),
            function_depth: 0,
            transient: false,
            future_annotations: false,
            annotation_depth: 0,
            optional_depth: 0,
            guarded_names: Vec::new(),
            try_probe_depth: 0,
            cell_bound: HashSet::new(),
            cell_literals: HashMap::new(),
            switched_off: 0,
            loop_bound: HashMap::new(),
            loop_reads: HashSet::new(),
            block_depth: 0,
            writing_namespace: false,
            statement: Span::default(),
            plain_change: None,
            loop_fills: HashMap::new(),
            backups: HashMap::new(),
            seeded: HashSet::new(),
            module_functions: Vec::new(),
            file_handles: HashMap::new(),
            records: HashMap::new(),
            with_depth: 0,
            own_contexts: Vec::new(),
            statement_depth: 0,
            top_function: None,
            parameters: None,
            parameter_guards: Vec::new(),
            attribute_guards: Vec::new(),
            method_receiver: None,
            class_name: None,
            callee: None,
            settings_reads: Vec::new(),
            suite_ends: Vec::new(),
            item_reads: HashMap::new(),
            cell_magic: magics::cell_magic(source).is_some(),
            lone_import: false,
            depth: 0,
            max_depth: 0,
            too_deep: false,
        }
    }

    /// Parses and walks the whole cell.
    fn analyze_cell(&mut self, display: bool) {
        let mut parsed = parse_unchecked(self.source, ParseOptions::from(Mode::Ipython));
        // What the cell's one line runs as when IPython's automagic makes it a magic.
        let alone_command = || Some(format!("%{}", self.source.trim()));
        if parsed.errors().is_empty()
            && let Some(rewritten) = magics::single_line_automagic(self.source)
        {
            let reparsed = parse_unchecked(&rewritten, ParseOptions::from(Mode::Ipython));
            dispose_unwalked(std::mem::replace(&mut parsed, reparsed));
            self.facts.alone_command = alone_command();
        }
        if parsed.errors().is_empty() {
            self.facts.seeded = matches!(parsed.syntax(), Mod::Module(module)
                if module.body.first().is_some_and(seeds_with_a_constant));
            self.facts.fingerprint = fingerprint(self.source, parsed.tokens(), self.facts.seeded);
        } else {
            // Some IPython syntax ruff's lexer reads differently; rewritten in place, the
            // cell parses as IPython would run it.
            let escape_commands: Vec<(usize, usize)> = parsed
                .tokens()
                .iter()
                .filter(|token| token.kind() == TokenKind::IpyEscapeCommand)
                .map(|token| (usize::from(token.start()), usize::from(token.end())))
                .collect();
            let error_lines: Vec<usize> = parsed
                .errors()
                .iter()
                .map(|error| usize::from(error.location.start()))
                .collect();
            if let Some(rewritten) =
                magics::ipython_rewrites(self.source, &escape_commands, &error_lines)
            {
                let first = self.source.len() - self.source.trim_start().len();
                if rewritten.as_bytes().get(first) == Some(&b'%')
                    && self.source.as_bytes().get(first) != Some(&b'%')
                {
                    self.facts.alone_command = alone_command();
                }
                let reparsed = parse_unchecked(&rewritten, ParseOptions::from(Mode::Ipython));
                dispose_unwalked(std::mem::replace(&mut parsed, reparsed));
            }
        }
        for error in parsed.errors() {
            let mut message = error.error.to_string();
            // `pip install x` beside other lines: IPython's automagic would have run it alone.
            let start = usize::from(error.location.start());
            let line = magics::line_span(self.source, start, start);
            if let Some(word) = self
                .source
                .get(line.start..line.end)
                .and_then(magics::automagic_line)
            {
                message.push_str(&format!(
                    " (`{word}` runs as IPython's automagic only alone in a cell: write `%{word}`)"
                ));
            }
            self.facts.errors.push(SyntaxError {
                message,
                span: self.span(error.location),
            });
        }
        self.check_bracket_depth(parsed.tokens());
        // `import simuPOP` alone in its cell: a cell run to see that a module imports (a
        // version check, an install check) or for what importing it does.
        self.lone_import = matches!(parsed.syntax(), Mod::Module(module)
            if matches!(&*module.body, [Stmt::Import(import)]
                if matches!(&*import.names, [alias] if alias.asname.is_none())));
        if let Mod::Module(module) = parsed.syntax() {
            // `try: unregister(Job)` / `except: pass`, then `class Job: ..`: the names the
            // cell binds, which such a clean-up may read before binding them.
            if module
                .body
                .iter()
                .any(|statement| matches!(statement, Stmt::Try(_)))
            {
                let mut collector = LocalCollector::default();
                for statement in &module.body {
                    collector.visit_stmt(statement);
                }
                self.cell_bound = collector.finish().0;
            }
            // A statement that calls a function of the cell that always raises stops the
            // cell: no binding from it on is made.
            let mut raising: HashSet<String> = HashSet::new();
            let mut stopped_from = None;
            for statement in &module.body {
                let defined_before = self.facts.defines.len();
                self.visit_stmt(statement);
                if stopped_from.is_none() && stops::calls_one_of(statement, &raising) {
                    stopped_from = Some(defined_before);
                }
                if let Stmt::FunctionDef(function) = statement {
                    if stops::always_raises(function) {
                        raising.insert(function.name.id.as_str().to_owned());
                    } else {
                        raising.remove(function.name.id.as_str());
                    }
                }
            }
            self.facts.reapplied = idempotent::reapplied_names(&module.body);
            if let Some(from) = stopped_from {
                for definition in &mut self.facts.defines[from..] {
                    definition.unreached = true;
                }
            }
            for (defined, range) in std::mem::take(&mut self.module_functions) {
                let hash = token_hash(self.source, parsed.tokens().in_range(range));
                if let Some(definition) = self.facts.defines.get_mut(defined) {
                    definition.definition_fingerprint = Some(hash);
                }
            }
            if display {
                self.facts.trailing_expression = module
                    .body
                    .last()
                    .and_then(|statement| self.displayed_expression(statement));
            }
        }
        self.dispose(parsed);
    }

    /// How many definitions, uses and mutations the cell's facts hold so far: marks that
    /// delimit what a block added.
    fn fact_counts(&self) -> FactCounts {
        FactCounts {
            defines: self.facts.defines.len(),
            uses: self.facts.uses.len(),
            mutations: self.facts.mutations.len(),
        }
    }

    /// The expression IPython displays if `statement` is the cell's last: an expression
    /// statement not silenced by a trailing `;`.
    fn displayed_expression(&self, statement: &Stmt) -> Option<Span> {
        let Stmt::Expr(expression) = statement else {
            return None;
        };
        let span = self.span(expression.range());
        let after = self.source.get(span.end..).unwrap_or("");
        let silenced = after.trim_start_matches([' ', '\t']).starts_with(';');
        (!silenced).then_some(span)
    }

    /// CPython refuses more than 200 nested brackets; ruff's parser accepts them.
    fn check_bracket_depth(&mut self, tokens: &[ruff_python_ast::token::Token]) {
        let mut depth = 0usize;
        for token in tokens {
            match token.kind() {
                TokenKind::Lpar | TokenKind::Lsqb | TokenKind::Lbrace => {
                    depth += 1;
                    if depth > MAX_BRACKET_DEPTH {
                        self.facts.errors.push(SyntaxError {
                            message: "too many nested parentheses".to_owned(),
                            span: self.span(token.range()),
                        });
                        return;
                    }
                }
                TokenKind::Rpar | TokenKind::Rsqb | TokenKind::Rbrace => {
                    depth = depth.saturating_sub(1);
                }
                _ => {}
            }
        }
    }

    /// Drops a syntax tree without overflowing the stack: its `Drop` recurses as deep as the
    /// tree. A tree too deep to walk is leaked instead (only pathological input, bounded by
    /// the input's size).
    fn dispose<T>(&self, tree: T) {
        if self.too_deep {
            std::mem::forget(tree);
        } else if self.max_depth > UNCHECKED_DEPTH {
            stacker::grow(
                self.max_depth * DROP_STACK_PER_LEVEL + STACK_SEGMENT,
                move || drop(tree),
            );
        } else {
            drop(tree);
        }
    }

    /// Resolves the uses made inside function bodies and returns the facts.
    fn finish(mut self) -> CellFacts {
        let mut function_reads: HashSet<(String, String)> = HashSet::new();
        for later in std::mem::take(&mut self.later_uses) {
            match self.ever_bound.get(&later.name) {
                Some(definition) => {
                    let definition = *definition;
                    self.mark_used(definition);
                    if !later.callee {
                        self.note_handed_on(definition);
                    }
                    // Bound only by a function that declares it `global`: a read before that
                    // assignment runs (`if n > 0: n = 2`) may see another cell's value, so it
                    // uses that definition; it need not find one (the read may come after the
                    // assignment).
                    if definition
                        .and_then(|index| self.facts.defines.get(index))
                        .is_some_and(|bound| bound.in_function)
                    {
                        self.facts.uses.push(NameUse {
                            optional: true,
                            ..later.clone()
                        });
                    }
                    if later.deferred
                        && !later.optional
                        && let Some(definition) =
                            definition.and_then(|index| self.facts.defines.get_mut(index))
                    {
                        definition.read_by_function = true;
                    }
                    if let Some(function) = &later.function {
                        let pair = (function.clone(), later.name.clone());
                        if function_reads.insert(pair.clone()) {
                            self.facts.function_reads.push(pair);
                        }
                    }
                }
                None => self.facts.uses.push(later),
            }
        }
        self.facts.uses.sort_by_key(|use_| use_.span);
        for names in [
            &mut self.facts.functions_handed_on,
            &mut self.facts.stored_attributes,
        ] {
            names.sort_unstable();
            names.dedup();
        }
        if !self.facts.errors.is_empty() {
            self.facts.partially_analysed = true;
        }
        self.facts
    }

    fn span(&self, range: TextRange) -> Span {
        Span::new(
            self.offset + usize::from(range.start()),
            self.offset + usize::from(range.end()),
        )
    }

    /// The cell's text of a parsed node's range (offsets made the cell's, as [`Self::span`]).
    fn source_of(&self, range: TextRange) -> Option<&'src str> {
        let span = self.span(range);
        self.source.get(span.start..span.end)
    }

    fn text(&self, span: Span) -> &'src str {
        self.source.get(span.start..span.end).unwrap_or("")
    }

    fn innermost(&self) -> ScopeKind {
        self.scopes
            .last()
            .map_or(ScopeKind::Module, |scope| scope.kind)
    }

    /// Runs `walk` one level deeper, on a fresh stack segment when the stack runs low; past
    /// [`MAX_TREE_DEPTH`] it reports the cell as too deep and skips the subtree.
    fn deeper(&mut self, range: TextRange, walk: impl FnOnce(&mut Self)) {
        if self.depth >= MAX_TREE_DEPTH {
            if !self.too_deep {
                self.too_deep = true;
                self.facts.errors.push(SyntaxError {
                    message: "too deeply nested to compile".to_owned(),
                    span: self.span(range),
                });
            }
            return;
        }
        self.depth += 1;
        self.max_depth = self.max_depth.max(self.depth);
        if self.depth > UNCHECKED_DEPTH {
            stacker::maybe_grow(STACK_RED_ZONE, STACK_SEGMENT, || walk(self));
        } else {
            walk(self);
        }
        self.depth -= 1;
    }

    // Names.

    fn resolve(&self, name: &str) -> Resolution {
        let mut later = false;
        let innermost = self.scopes.len().saturating_sub(1);
        for (index, scope) in self.scopes.iter().enumerate().rev() {
            match scope.kind {
                ScopeKind::Module => break,
                ScopeKind::Class => {
                    // Python gives every function defined in a class body a `__class__` cell
                    // (what `super()` uses).
                    if index < innermost && name == "__class__" {
                        return Resolution::Local;
                    }
                    // A class body is visible only to itself, not to what it encloses.
                    if index == innermost {
                        if scope.globals.contains(name) {
                            break;
                        }
                        if scope.locals.contains(name) {
                            return Resolution::Local;
                        }
                    }
                }
                ScopeKind::Function => {
                    later = true;
                    if scope.globals.contains(name) {
                        break;
                    }
                    if scope.locals.contains(name) {
                        return Resolution::Local;
                    }
                }
                ScopeKind::Comprehension => {
                    if scope.locals.contains(name) {
                        return Resolution::Local;
                    }
                }
            }
        }
        if later {
            Resolution::ModuleLater
        } else {
            Resolution::Module
        }
    }

    fn read(&mut self, name: &str, range: TextRange) {
        if name.is_empty() {
            return;
        }
        let span = self.span(range);
        let optional = self.is_optional(name);
        if let Some(file) = self.file_handles.get_mut(name)
            && file.first_read.is_none()
        {
            file.first_read = Some(range);
        }
        match self.resolve(name) {
            Resolution::Local => {}
            Resolution::Module => match self.bound.get(name) {
                Some(&definition) if !self.loop_bound.contains_key(name) => {
                    self.mark_used(definition);
                    if self.callee != Some(span) {
                        self.note_handed_on(definition);
                    }
                }
                Some(&definition) => {
                    // Bound before the loop, and again in its body: this read sees one of them.
                    self.mark_used(definition);
                    if self.callee != Some(span) {
                        self.note_handed_on(definition);
                    }
                    self.loop_reads.insert(name.to_owned());
                }
                // A name an unevaluated annotation mentions may be bound later in the cell
                // (a class named in its own methods' annotations): resolved at the end.
                // A read before its binding in a loop body: the previous pass's value, or on
                // the first pass a value from another cell (`total = total + x`), so it stays a
                // use of the name from other cells, one that need not find it.
                None if self.loop_bound.contains_key(name) => {
                    self.loop_reads.insert(name.to_owned());
                    let use_ = self.name_use(name, span, false);
                    self.facts.uses.push(use_);
                }
                // A read in a `try:` whose `except` catches `NameError`, as the cell runs
                // (`try: answer` / `except NameError: answer = "Select"`): it comes before the
                // cell binds the name, so it reads another cell's value where there is one,
                // and need not find one.
                None if optional && self.try_probe_depth > 0 && self.function_depth == 0 => {
                    let use_ = NameUse {
                        optional: true,
                        ..self.name_use(name, span, false)
                    };
                    self.facts.uses.push(use_);
                }
                None if optional => {
                    let use_ = self.name_use(name, span, false);
                    self.later_uses.push(use_);
                }
                None => {
                    let use_ = self.name_use(name, span, false);
                    self.facts.uses.push(use_);
                }
            },
            Resolution::ModuleLater => {
                let use_ = self.name_use(name, span, true);
                self.later_uses.push(use_);
            }
        }
    }

    /// Whether a read of `name` here need not find it defined: in an optional context, or
    /// under a guard that checks the name exists.
    fn is_optional(&self, name: &str) -> bool {
        self.optional_depth > 0
            || self.guarded_names.iter().any(|guarded| guarded == name)
            || self.loop_bound.contains_key(name)
    }

    /// Walks a loop's body with `walk`: a name the body binds may be read before its binding
    /// there, from the previous pass, so such a read is optional, and the binding it reads is
    /// used.
    fn loop_body(&mut self, body: &[Stmt], walk: impl FnOnce(&mut Self)) {
        let mut collector = LocalCollector::default();
        for statement in body {
            collector.visit_stmt(statement);
        }
        let (bound_here, _) = collector.finish();
        // Counted, since nested loops may bind the same name.
        for name in &bound_here {
            *self.loop_bound.entry(name.clone()).or_default() += 1;
        }
        let first = self.facts.defines.len();
        // This loop's carried reads only (an enclosing loop still sees them after).
        let outer_reads = std::mem::take(&mut self.loop_reads);
        walk(self);
        for name in &bound_here {
            if let Some(count) = self.loop_bound.get_mut(name) {
                *count -= 1;
                if *count == 0 {
                    self.loop_bound.remove(name);
                }
            }
        }
        let reads = &self.loop_reads;
        for definition in &mut self.facts.defines[first..] {
            if reads.contains(&definition.name) {
                definition.used_in_cell = true;
            }
        }
        self.loop_reads.extend(outer_reads);
    }

    /// After the body of a top-level `for` over a non-empty list or tuple display that never
    /// stops early ([`loops::last_of_a_display`]): a binding made by a statement of the body
    /// itself (not nested in a block) runs on every pass, the last included, so the loop
    /// leaves it holding what it got on the last pass (`for s in [0, 1]: df = sim(s)` leaves
    /// `sim(1)`): it is not conditional. Its value counts only when what it reads holds there
    /// what it held on the last pass: the loop's target (`targets`, definitions of the header,
    /// bound on the first pass, so not conditional either), a name a statement of the body
    /// bound above it, or a name the body neither binds nor
    /// changes; otherwise the value is dropped (`y = prev` above `prev = s` reads the pass
    /// before).
    fn bound_on_every_pass(
        &mut self,
        body: &[Stmt],
        targets: std::ops::Range<usize>,
        first: usize,
        first_change: usize,
    ) {
        let direct: Vec<Span> = body
            .iter()
            .filter(|statement| matches!(statement, Stmt::Assign(_)))
            .map(|statement| self.span(statement.range()))
            .collect();
        // The target is bound on the first pass, and a display is not empty.
        let mut target_names: HashSet<String> = HashSet::new();
        for definition in &mut self.facts.defines[targets] {
            definition.conditional = false;
            target_names.insert(definition.name.clone());
        }
        let in_body: HashSet<String> = self.facts.defines[first..]
            .iter()
            .map(|definition| definition.name.clone())
            .chain(
                self.facts.mutations[first_change..]
                    .iter()
                    .map(|mutation| mutation.name.clone()),
            )
            .collect();
        let mut bound_above: HashSet<String> = HashSet::new();
        for definition in &mut self.facts.defines[first..] {
            // `direct` is in source order: the one statement that may hold the binding is
            // the last to start at or before it.
            let every_pass = direct
                .partition_point(|statement| statement.start <= definition.span.start)
                .checked_sub(1)
                .is_some_and(|at| definition.span.end <= direct[at].end);
            if !every_pass {
                continue;
            }
            definition.conditional = false;
            let holds = definition.value.as_ref().is_some_and(|value| {
                value.reads.iter().all(|read| {
                    target_names.contains(read)
                        || bound_above.contains(read)
                        || !in_body.contains(read)
                })
            });
            if !holds {
                definition.value = None;
            }
            bound_above.insert(definition.name.clone());
        }
    }

    /// Notes that the walk enters the module-level function or class `name` (an outermost
    /// one: a method or a nested function counts as the function or class around it), and
    /// gives back what was noted before, to restore after.
    fn enter_top_function(&mut self, name: &str) -> Option<String> {
        let outer = self.top_function.clone();
        if self.top_function.is_none() && self.function_depth == 0 && !self.transient {
            self.top_function = Some(name.to_owned());
        }
        outer
    }

    /// A use of `name` at `span` as the current context makes it.
    fn name_use(&self, name: &str, span: Span, deferred: bool) -> NameUse {
        NameUse {
            name: name.to_owned(),
            span,
            deferred,
            optional: self.is_optional(name),
            annotation: self.annotation_depth > 0,
            conditional: self.block_depth > 0 && self.function_depth == 0,
            guard: None,
            function: deferred.then(|| self.top_function.clone()).flatten(),
            reapplied_in_place: false,
            callee: self.callee == Some(span),
            macro_call: false,
            parameter_guards: if deferred {
                self.parameter_guards.clone()
            } else {
                Vec::new()
            },
            attribute_guards: self.attribute_guards.clone(),
            settings_only: self.settings_reads.contains(&span),
            suite_end: (self.block_depth > 0 || self.function_depth > 0)
                .then(|| self.suite_ends.last().copied())
                .flatten(),
            items: self
                .item_reads
                .get(&span.start)
                .cloned()
                .unwrap_or_default(),
        }
    }

    /// Reads the names of `text` (at byte `start` of the cell) that a shell line, a magic's
    /// arguments or a cell magic's body mentions (see [`magics::name_references`]): optional
    /// uses, since IPython leaves a `$name` as it is when no variable has the name.
    fn read_references(&mut self, start: usize, text: &str, kind: Option<References>) {
        self.read_references_except(start, text, kind, &[]);
    }

    /// [`Self::read_references`], leaving out the names in `own` (a script's own variables).
    fn read_references_except(
        &mut self,
        start: usize,
        text: &str,
        kind: Option<References>,
        own: &[&str],
    ) {
        self.optional_depth += 1;
        for (offset, name) in magics::name_references(text, kind) {
            if !own.contains(&name) {
                let range = text_range((start + offset).saturating_sub(self.offset), name.len());
                self.read(name, range);
            }
        }
        self.optional_depth -= 1;
    }

    /// Walks an annotation: evaluated where it stands, or, when `evaluated` is false, only
    /// mentioning names (optional uses).
    fn annotation(&mut self, annotation: &Expr, evaluated: bool) {
        self.annotation_depth += 1;
        if !evaluated {
            self.optional_depth += 1;
        }
        self.visit_expr(annotation);
        if !evaluated {
            self.optional_depth -= 1;
        }
        self.annotation_depth -= 1;
    }

    /// The names a string gives as `__main__.NAME` (a class a library imports by its path,
    /// as txtai's workflows do): optional reads, at the string when its text is not the
    /// source's.
    fn main_module_paths(&mut self, string: &ast::ExprStringLiteral) {
        let text = string.value.to_str();
        let content = string
            .as_single_part_string()
            .map(|literal| self.span(literal.content_range()))
            .filter(|content| self.text(*content) == text);
        self.optional_depth += 1;
        for (at, _) in text.match_indices("__main__.") {
            let start = at + "__main__.".len();
            let length = text[start..]
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(text.len() - start);
            let name = &text[start..start + length];
            if !magics::is_identifier(name) {
                continue;
            }
            let range = match content {
                Some(content) => text_range(
                    (content.start + start).saturating_sub(self.offset),
                    name.len(),
                ),
                None => string.range(),
            };
            self.read(name, range);
        }
        self.optional_depth -= 1;
    }

    /// A string in an annotation (`"Frame"`, `list["Path"]`) is a forward reference: the
    /// names of the expression it holds are optional uses. Strings with escapes or
    /// concatenated parts are skipped (their text is not the source's).
    fn string_annotation(&mut self, string: &ast::ExprStringLiteral) {
        let Some(literal) = string.as_single_part_string() else {
            return;
        };
        let content = self.span(literal.content_range());
        let text = self.text(content);
        if text != literal.as_str() || text.trim().is_empty() {
            return;
        }
        let parsed = parse_unchecked(text, ParseOptions::from(Mode::ParenthesizedExpression));
        if parsed.errors().is_empty()
            && let Mod::Expression(expression) = parsed.syntax()
        {
            let saved = std::mem::replace(&mut self.offset, content.start);
            self.optional_depth += 1;
            self.visit_expr(&expression.body);
            self.optional_depth -= 1;
            self.offset = saved;
        }
        self.dispose(parsed);
    }

    /// The header and body of a cell that starts with a cell magic whose body is not the
    /// notebook's Python (`%%bash`, `%%writefile`, `%%sql`): the header is a command (such a
    /// cell may write a module a later cell imports, or install one), whose `{expression}`s
    /// and `$name`s IPython expands; the variable it stores its result in is a definition;
    /// the names a shell or SQL body mentions are optional uses.
    fn foreign_cell_magic(&mut self, magic: &magics::CellMagic<'_>) {
        self.facts.commands.push(Command {
            name: magic.name.to_owned(),
            argument: magic.argument.to_owned(),
            span: magic.header,
        });
        self.facts.environment.push(magic.header);
        // `magic.argument` is a slice of the cell's source.
        let argument_start = (magic.argument.as_ptr() as usize)
            .checked_sub(self.source.as_ptr() as usize)
            .filter(|start| *start <= self.source.len())
            .unwrap_or(magic.header.start);
        let known = self.magic_arguments(magic.name, argument_start, magic.argument);
        // A magic whose arguments nblint knows (`%%bigquery df`) is read as such.
        if magic.body == CellBody::Unknown && !known {
            self.unknown_magic_arguments(argument_start, magic.argument);
            // A magic nblint does not know at all, loaded from the IPython profile or an
            // extension, may store its result in a variable of its own choosing (a profile's
            // `%%mysql` query leaves its rows in `df`).
            if !magics::KNOWN_FOREIGN_CELL_MAGICS.contains(&magic.name) {
                self.facts.binds_unknown_names = true;
                // The notebook may define it (`@register_cell_magic def runcpp`, or `from
                // utils import runcpp`, which registers it): `%%runcpp` uses that name.
                self.magic_name_use(magic.header.start + 2, &magic.name[2..]);
            }
        }
        // `%%writefile $profile/startup/imports.py`: IPython runs the profile's startup files
        // when a kernel starts, so the names they bind exist in every cell after a restart.
        if magic.name == "%%writefile"
            && magic
                .argument
                .split_whitespace()
                .last()
                .is_some_and(|path| path.contains("startup/") || path.contains("startup\\"))
        {
            self.facts.binds_unknown_names = true;
        }
        let body_start = magic.header.end;
        let body = self.source.get(body_start..).unwrap_or("");
        if let Some(kind) = magics::body_references(magic.name) {
            // A script's own variable (`model=..`, then `$model`) is no read of the notebook's.
            let own = if kind == References::Shell {
                magics::shell_assigned_names(body)
            } else {
                Vec::new()
            };
            self.read_references_except(body_start, body, Some(kind), &own);
        }
        // `%%javascript` that has the kernel run `notebookUrl = '..'` binds `notebookUrl`.
        for (offset, name) in magics::kernel_executed_bindings(magic.name, body) {
            let range = text_range(
                (body_start + offset).saturating_sub(self.offset),
                name.len(),
            );
            self.bind(&name, range, DefinitionKind::Variable);
        }
        // Fugue SQL (`%%fsql`) finds the functions and frames it names (`TRANSFORM .. USING
        // evaluate`, `SELECT * FROM df`) in the notebook: every word is an optional read.
        if magic.name == "%%fsql" {
            self.fugue_sql(body_start, body);
        }
        // `%%cython` / `%%fortran` compile the body and import its functions and classes.
        let compiled = magics::compiled_definitions(magic.name, body);
        for &(offset, name, kind) in &compiled {
            let range = text_range(
                (body_start + offset).saturating_sub(self.offset),
                name.len(),
            );
            self.bind(name, range, kind);
        }
        // One compiled function calling another is a use inside the module (the body is not
        // Python, so it is read as words).
        if !compiled.is_empty() {
            for (offset, word) in magics::code_words(body) {
                let defined_here = compiled
                    .iter()
                    .any(|&(at, name, _)| name == word && at == offset);
                if !defined_here
                    && compiled.iter().any(|&(_, name, _)| name == word)
                    && let Some(&definition) = self.bound.get(word)
                {
                    self.mark_used(definition);
                }
            }
        }
    }

    /// Notes that top-level code at `span` may bind names no one can list (see
    /// [`CellFacts::runs_unknown_code_at`]); code in a function body runs when called.
    fn note_unknown_code(&mut self, span: Span) {
        if self.function_depth == 0 && !self.transient && self.facts.runs_unknown_code_at.is_none()
        {
            self.facts.runs_unknown_code_at = Some(span.start);
        }
    }

    /// SymPy's `init_session()` runs `from sympy import *` in the notebook's namespace and
    /// binds the symbols `x`, `y`, `z`, `t`, the integer symbols `k`, `m`, `n` and the
    /// functions `f`, `g`, `h`: a glob import (NB202 stays quiet) and ten bindings, used
    /// where they are made (nothing to report unused).
    fn sympy_session(&mut self, call: TextRange) {
        self.facts.binds_unknown_names = true;
        for name in ["x", "y", "z", "t", "k", "m", "n", "f", "g", "h"] {
            let defined = self.facts.defines.len();
            self.bind_used_here(
                name,
                TextRange::empty(call.start()),
                DefinitionKind::Variable,
            );
            // What its `symbols(..)` calls give, spelled as [`elements::known_elements`]
            // spells them (`x, y, z = symbols("x y z")` binds the same `x`); `f`, `g`, `h`
            // are undefined functions, not compared.
            let value = match name {
                "x" | "y" | "z" | "t" => Some(format!("Symbol({name:?})")),
                "k" | "m" | "n" => Some(format!("Symbol({name:?},integer=true)")),
                _ => None,
            };
            if let Some(definition) = self.facts.defines.get_mut(defined) {
                definition.value = value.map(|text| BoundValue {
                    text,
                    reads: Vec::new(),
                    changed: false,
                });
            }
        }
    }

    /// Binds `name` as something the line that binds it also uses (a magic's or a setup
    /// call's names: nothing to report unused).
    fn bind_used_here(&mut self, name: &str, range: TextRange, kind: DefinitionKind) {
        let defined = self.facts.defines.len();
        self.bind(name, range, kind);
        if let Some(definition) = self.facts.defines.get_mut(defined) {
            definition.used_in_cell = true;
        }
    }

    /// A Fugue SQL cell's body (at byte `start`): its words are optional reads of the
    /// notebook's frames and functions (`SELECT * FROM df`, `TRANSFORM .. USING evaluate`),
    /// except the names its own statements assign (`df = LOAD ..`), which are Fugue's; and
    /// `YIELD DATAFRAME` puts a result in the notebook, under its name or the one after `AS`.
    fn fugue_sql(&mut self, start: usize, body: &str) {
        let mut assigned: Vec<(usize, &str)> = Vec::new();
        let mut line_start = 0;
        for line in body.split_inclusive('\n') {
            let trimmed = line.trim_start();
            if let Some((name, rest)) = trimmed.split_once('=')
                && magics::is_identifier(name.trim())
                && !rest.starts_with('=')
            {
                let offset = line_start + (line.len() - trimmed.len());
                assigned.push((offset, name.trim()));
            }
            line_start += line.len();
        }
        let words = magics::code_words(body);
        let mut yielded = Vec::new();
        for (index, &(offset, word)) in words.iter().enumerate() {
            if !word.eq_ignore_ascii_case("YIELD") {
                continue;
            }
            let mut next = words[index + 1..].iter().map(|&(_, word)| word).peekable();
            while next.peek().is_some_and(|word| {
                ["LOCAL", "FILE", "TABLE"]
                    .iter()
                    .any(|kind| word.eq_ignore_ascii_case(kind))
            }) {
                next.next();
            }
            if !next
                .next()
                .is_some_and(|word| word.eq_ignore_ascii_case("DATAFRAME"))
            {
                continue;
            }
            let named = words[index + 1..]
                .windows(2)
                .take(4)
                .find(|pair| pair[0].1.eq_ignore_ascii_case("AS"))
                .map(|pair| pair[1]);
            let name =
                named.or_else(|| assigned.iter().rev().find(|(at, _)| *at < offset).copied());
            yielded.extend(name);
        }
        self.optional_depth += 1;
        for &(offset, word) in &words {
            if !assigned.iter().any(|&(_, name)| name == word) {
                let range = text_range((start + offset).saturating_sub(self.offset), word.len());
                self.read(word, range);
            }
        }
        self.optional_depth -= 1;
        for (offset, name) in yielded {
            let range = text_range((start + offset).saturating_sub(self.offset), name.len());
            self.bind(name, range, DefinitionKind::Variable);
        }
    }

    /// What a magic's arguments (at byte `start`) read and bind: `{expression}`s and
    /// `$name`s IPython expands, and the variable the magic stores its result in. Whether
    /// nblint knows what the arguments name (a stored result, names handed to or from R).
    fn magic_arguments(&mut self, name: &str, start: usize, argument: &str) -> bool {
        self.expand_variables(start, argument);
        let output = magics::output_variable(name, argument);
        if let Some((offset, output)) = output {
            let range = text_range((start + offset).saturating_sub(self.offset), output.len());
            self.bind(output, range, DefinitionKind::Variable);
        }
        // `%%R -i df -o fit`: `df` goes to R (a read), `fit` comes back (a binding).
        let (read, bound) = magics::bridge_names(name, argument);
        let known = output.is_some() || !read.is_empty() || !bound.is_empty();
        for (offset, input) in read {
            let range = text_range((start + offset).saturating_sub(self.offset), input.len());
            self.read(input, range);
        }
        for (offset, output) in bound {
            let range = text_range((start + offset).saturating_sub(self.offset), output.len());
            self.bind(output, range, DefinitionKind::Variable);
        }
        known
    }

    /// The header of a cell magic nblint does not know, at byte `start` (see
    /// [`magics::unknown_magic_names`]): the names it mentions are optional reads, and the
    /// one its `--output` option names is bound and counts as used, as it may be a file.
    fn unknown_magic_arguments(&mut self, start: usize, argument: &str) {
        let (mentioned, stored) = magics::unknown_magic_names(argument);
        self.optional_depth += 1;
        for (offset, name) in mentioned {
            let range = text_range((start + offset).saturating_sub(self.offset), name.len());
            self.read(name, range);
        }
        self.optional_depth -= 1;
        for (offset, name) in stored {
            let range = text_range((start + offset).saturating_sub(self.offset), name.len());
            self.bind_used_here(name, range, DefinitionKind::Variable);
        }
    }

    /// The name of a magic IPython does not define, at byte `start`: an optional read, which
    /// uses the notebook's function or import of that name if it has one.
    fn magic_name_use(&mut self, start: usize, name: &str) {
        if !magics::is_identifier(name) {
            return;
        }
        self.optional_depth += 1;
        let range = text_range(start.saturating_sub(self.offset), name.len());
        self.read(name, range);
        self.optional_depth -= 1;
    }

    /// Notes that the cell reads its own function `definition` other than by calling it (see
    /// [`CellFacts::functions_handed_on`]).
    fn note_handed_on(&mut self, definition: Option<usize>) {
        if let Some(bound) = definition.and_then(|index| self.facts.defines.get(index))
            && bound.kind == DefinitionKind::Function
        {
            self.facts.functions_handed_on.push(bound.name.clone());
        }
    }

    /// Notes a call of a plain name and the literals it passes (see [`CellFacts::calls`]).
    fn note_call(&mut self, call: &ast::ExprCall) {
        let Expr::Name(function) = &*call.func else {
            return;
        };
        let literal = |argument: &Expr| {
            is_constant(argument)
                .then(|| self.source_of(argument.range()).map(without_spacing))
                .flatten()
        };
        // A parameter of the module-level function being walked, passed on as it came.
        let parameter = |argument: &Expr| {
            let Expr::Name(name) = argument else {
                return None;
            };
            let parameters = self
                .parameters
                .as_ref()
                .filter(|_| self.function_depth == 1)?;
            let slot = parameters.slots.get(name.id.as_str())?;
            Some(nblint_facts::ParameterSlot {
                function: parameters.function.clone(),
                name: name.id.as_str().to_owned(),
                position: slot.position,
                keyword: slot.keyword,
                default: slot.default.clone(),
            })
        };
        let mut unpacked = false;
        let mut arguments = Vec::new();
        let mut passed_on = Vec::new();
        for (position, argument) in call.arguments.args.iter().enumerate() {
            unpacked |= matches!(argument, Expr::Starred(_));
            arguments.push(literal(argument));
            if let Some(parameter) = parameter(argument) {
                passed_on.push(nblint_facts::PassedOn {
                    position: Some(position),
                    keyword: None,
                    parameter,
                });
            }
        }
        let mut keywords = Vec::new();
        for keyword in &*call.arguments.keywords {
            match &keyword.arg {
                Some(name) => {
                    keywords.push((name.as_str().to_owned(), literal(&keyword.value)));
                    if let Some(parameter) = parameter(&keyword.value) {
                        passed_on.push(nblint_facts::PassedOn {
                            position: None,
                            keyword: Some(name.as_str().to_owned()),
                            parameter,
                        });
                    }
                }
                None => unpacked = true,
            }
        }
        // `setattr(cfg, "model", ..)` sets `model`; `setattr(cfg, key, ..)` any attribute, as
        // may `vars(cfg)` written through.
        match function.id.as_str() {
            "setattr" | "delattr" => match call.arguments.args.get(1) {
                Some(Expr::StringLiteral(name)) => {
                    self.note_stored_attribute(name.value.to_str().to_owned());
                }
                _ => self.note_stored_attribute("*".to_owned()),
            },
            "vars" if !call.arguments.args.is_empty() => {
                self.note_stored_attribute("*".to_owned());
            }
            _ => {}
        }
        self.facts.calls.push(CallSite {
            function: function.id.as_str().to_owned(),
            arguments,
            keywords,
            unpacked,
            passed_on,
        });
    }

    /// The comparison of a parameter of the module-level function being walked with a
    /// constant that `test` needs to hold, in the function's own body (see
    /// [`NameUse::parameter_guards`]).
    fn parameter_guard(&self, test: &Expr) -> Option<ParameterGuard> {
        let parameters = self
            .parameters
            .as_ref()
            .filter(|_| self.function_depth == 1)?;
        let guard = self.constant_guard(test)?;
        let slot = parameters.slots.get(&guard.name)?;
        Some(ParameterGuard {
            function: parameters.function.clone(),
            position: slot.position,
            keyword: slot.keyword,
            default: slot.default.clone(),
            guard,
        })
    }

    /// The comparison of a class attribute with a constant that `test` needs to hold (see
    /// [`NameUse::attribute_guards`]): `CFG.model == "t5"` where `CFG` is a module name, or
    /// `self.kind == "hf"` in a method's own body, as `Config.kind`.
    fn attribute_guard(&self, test: &Expr) -> Option<BranchGuard> {
        self.guard_on(test, &|operand| {
            let Expr::Attribute(attribute) = operand else {
                return None;
            };
            let Expr::Name(owner) = &*attribute.value else {
                return None;
            };
            let owner = owner.id.as_str();
            let class = match &self.method_receiver {
                Some((receiver, class)) if receiver == owner && self.function_depth == 1 => {
                    class.as_str()
                }
                _ if matches!(self.resolve(owner), Resolution::Local) => return None,
                _ => owner,
            };
            Some(format!("{class}.{}", attribute.attr.id))
        })
    }

    /// The tests an `if` body (or an `elif`'s, or the `else` of a lone `if`, `negated`)
    /// runs under, of parameters and of class attributes.
    fn branch_tests(&self, test: &Expr, negated: bool) -> BranchTests {
        let negate = |guard: BranchGuard| BranchGuard {
            equal: guard.equal != negated,
            ..guard
        };
        BranchTests {
            parameter: self.parameter_guard(test).map(|guard| ParameterGuard {
                guard: negate(guard.guard),
                ..guard
            }),
            attribute: self.attribute_guard(test).map(negate),
        }
    }

    /// Walks `body` under `tests` (see [`Self::parameter_guards`], [`Self::attribute_guards`]).
    fn body_under(&mut self, tests: BranchTests, body: &[Stmt]) {
        let (parameter, attribute) = (tests.parameter.is_some(), tests.attribute.is_some());
        self.parameter_guards.extend(tests.parameter);
        self.attribute_guards.extend(tests.attribute);
        self.visit_body(body);
        if parameter {
            self.parameter_guards.pop();
        }
        if attribute {
            self.attribute_guards.pop();
        }
    }

    fn mark_used(&mut self, definition: Option<usize>) {
        if let Some(definition) = definition.and_then(|index| self.facts.defines.get_mut(index)) {
            definition.used_in_cell = true;
        }
    }

    /// Binds `name` in the current scope.
    fn bind(&mut self, name: &str, range: TextRange, kind: DefinitionKind) {
        if name.is_empty() {
            return;
        }
        let Some(scope) = self.scopes.last_mut() else {
            return;
        };
        let global = scope.globals.contains(name);
        match scope.kind {
            ScopeKind::Module => {
                self.cell_literals.remove(name);
                self.bind_module(name, range, kind);
            }
            ScopeKind::Function | ScopeKind::Class if global => {
                self.bind_module(name, range, kind);
            }
            ScopeKind::Class => {
                scope.locals.insert(name.to_owned());
            }
            // Function locals were collected before the body was walked; comprehension
            // targets when the comprehension was entered.
            ScopeKind::Function | ScopeKind::Comprehension => {}
        }
    }

    fn bind_module(&mut self, name: &str, range: TextRange, kind: DefinitionKind) {
        let definition = if self.transient {
            None
        } else {
            self.facts.defines.push(Definition {
                name: name.to_owned(),
                kind,
                span: self.span(range),
                // A module, function or class binding is not data a cell changes in place:
                // calling `np.array()` or `plt.title()` is no mutation of `np` or `plt`.
                mutable: kind == DefinitionKind::Variable,
                public: false,
                used_in_cell: false,
                // In a block other than a `with` body (which runs once, as the top level
                // does), or in a function that declares it `global`.
                conditional: self.block_depth > self.with_depth || self.function_depth > 0,
                in_function: self.function_depth > 0,
                // Set at the end, when function bodies' reads are resolved.
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
            });
            Some(self.facts.defines.len() - 1)
        };
        self.bound.insert(name.to_owned(), definition);
        self.ever_bound.insert(name.to_owned(), definition);
    }

    /// Binds a walrus target: in the nearest scope that is not a comprehension.
    fn bind_walrus(&mut self, name: &str, range: TextRange) {
        let target = self
            .scopes
            .iter()
            .rposition(|scope| scope.kind != ScopeKind::Comprehension)
            .unwrap_or(0);
        let saved = self.scopes.split_off(target + 1);
        self.bind(name, range, DefinitionKind::Variable);
        self.scopes.extend(saved);
    }

    /// `del name`.
    fn unbind(&mut self, name: &str, range: TextRange) {
        let Some(scope) = self.scopes.last_mut() else {
            return;
        };
        let global = scope.globals.contains(name);
        match scope.kind {
            ScopeKind::Module => {
                if !self.transient {
                    let span = self.span(range);
                    let deleted = self.name_use(name, span, false);
                    self.facts.deleted.push(deleted);
                }
                if self.bound.remove(name).is_none() {
                    // Deleting a name from another cell reads it first.
                    self.read(name, range);
                }
            }
            ScopeKind::Function | ScopeKind::Class if global => {
                if !self.bound.contains_key(name) {
                    self.read(name, range);
                }
            }
            ScopeKind::Class => {
                scope.locals.remove(name);
            }
            ScopeKind::Function | ScopeKind::Comprehension => {}
        }
    }

    /// Notes a top-level `name = <copy of source>` (`deepcopy(X)`, `copy.copy(X)`,
    /// `X.copy()`, `X.clone()`), bound at `defined`: a backup of a value from another cell
    /// when this cell has neither bound nor changed that value yet, or the restore of one
    /// ([`Definition::restores`]) when `source` is such a backup of `name`, not bound again
    /// since.
    fn note_backup(&mut self, name: &str, value: &Expr, defined: usize) {
        if let Some(definition) = self.facts.defines.get_mut(defined) {
            definition.copies = copied_name(value).map(str::to_owned);
        }
        // `x = x` before the cell binds `x`: the value it held when the cell began; so is
        // `ontology = client.get_ontology(ontology.uid)`, the record it held looked up again
        // by its own identifier. Not `x = x.copy()`: a call the cell makes next may change the
        // copy unseen (`l = l.copy()`, then `sort_in_place(l)`).
        let gives_back = match value {
            Expr::Name(value) => value.id.as_str() == name,
            value => {
                matches!(lookup_argument(value), Some(Expr::Attribute(key))
                if matches!(&*key.value, Expr::Name(owner) if owner.id.as_str() == name)
                    && is_identifier_attribute(key.attr.id.as_str()))
                    || self.record_entry(value) == Some(name)
            }
        };
        if gives_back {
            let bound_before = self.facts.defines[..defined]
                .iter()
                .any(|definition| definition.name == name);
            if let Some(definition) = self.facts.defines.get_mut(defined)
                && !bound_before
            {
                definition.restores = true;
            }
            return;
        }
        // `project_id = project.uid`: the identifier of the record `project` holds.
        if let Expr::Attribute(key) = value
            && let Expr::Name(owner) = &*key.value
            && is_identifier_attribute(key.attr.id.as_str())
            && let Some(definition) = self.facts.defines.get_mut(defined)
        {
            definition.identifies = Some(owner.id.as_str().to_owned());
        }
        // `project = client.get_project(project_id)`: the NB205 lint checks what
        // `project_id` holds.
        if let Some(Expr::Name(key)) = lookup_argument(value)
            && !self.bound.contains_key(key.id.as_str())
            && let Some(definition) = self.facts.defines.get_mut(defined)
        {
            definition.looked_up_by = Some(key.id.as_str().to_owned());
        }
        let Some(source) = copied_name(value) else {
            return;
        };
        if let Some((original, backup)) = self.backups.get(source)
            && original == name
            && self.bound.get(source) == Some(&Some(*backup))
            && self
                .facts
                .defines
                .get(*backup)
                .and_then(|definition| definition.value.as_ref())
                // Neither changed nor given a plain change (`X_bk[0] = 1` appends `|..` to
                // the copy call's text).
                .is_some_and(|value| !value.changed && !value.text.contains('|'))
        {
            if let Some(definition) = self.facts.defines.get_mut(defined) {
                definition.restores = true;
            }
        } else if !self.bound.contains_key(source)
            && !self
                .facts
                .mutations
                .iter()
                .any(|mutation| mutation.name == source)
        {
            self.backups
                .insert(name.to_owned(), (source.to_owned(), defined));
        }
    }

    /// The name the entry `value` reads of a record the cell built from names (`args.lr`
    /// or `args["lr"]` after `args = EasyDict({"lr": lr, ..})`; see [`record_entries`]), when
    /// the record's name still holds it.
    fn record_entry(&self, value: &Expr) -> Option<&str> {
        let (owner, key) = match value {
            Expr::Attribute(entry) => (&*entry.value, entry.attr.id.as_str()),
            Expr::Subscript(entry) => match &*entry.slice {
                Expr::StringLiteral(key) => (&*entry.value, key.value.to_str()),
                _ => return None,
            },
            _ => return None,
        };
        let Expr::Name(owner) = owner else {
            return None;
        };
        let Some(Some(record)) = self.bound.get(owner.id.as_str()) else {
            return None;
        };
        self.records.get(record)?.get(key).map(String::as_str)
    }

    /// The value an assignment binds, when it is repeatable ([`Definition::value`]): its text
    /// with spacing removed (`t = 1, 2` is `t = (1, 2)`) and the names it reads.
    fn repeatable_value(&self, value: &Expr) -> Option<BoundValue> {
        let mut reads = Vec::new();
        // `client.get_collection("docs")` is the handle `get_or_create_collection(name=
        // "docs", ..)` gave: the store's, by name, whatever the rest of the call says (see
        // [`handles`]).
        if let Some(handle) = handles::handle(value) {
            let parts = [handle.store, handle.key].into_iter().chain(handle.kept);
            let mut texts = Vec::new();
            for part in parts {
                if !repeatable(part, &mut reads, 16) {
                    return None;
                }
                texts.push(without_spacing(self.source_of(part.range())?));
            }
            reads.sort_unstable();
            reads.dedup();
            let (store, rest) = texts.split_first()?;
            return Some(BoundValue {
                text: format!("{store}{}{})", handles::MARKER, rest.join(",")),
                reads,
                changed: false,
            });
        }
        if !repeatable(value, &mut reads, 16) {
            return None;
        }
        // `with model: trace = pm.sample(1000, random_seed=1)`: a seeded draw in a `with`
        // body may draw from what the `with` set up (PyMC's model), which its text does not
        // show.
        if self.with_depth > 0 && matches!(value, Expr::Call(call) if seeded_with_a_constant(call))
        {
            return None;
        }
        let text = self.source_of(value.range())?;
        let mut text = match value {
            Expr::Tuple(tuple) if !tuple.parenthesized => format!("({})", without_spacing(text)),
            _ => without_spacing(text),
        };
        // `with open("input.txt") as f: rows = f.readlines()`: what the file holds, read
        // from the same path, not a handle bound anew in each cell; when the value is the
        // body's first read of it (`rest = f.read()` after `header = f.readline()` holds
        // only what the first read left).
        let mut opened = Vec::new();
        let mut fresh = true;
        reads.retain(|read| match self.file_handles.get(read) {
            Some(file) if file.reading => {
                fresh &= file
                    .first_read
                    .is_none_or(|first| value.range().contains_range(first));
                opened.push((read.clone(), file));
                false
            }
            _ => true,
        });
        // `f.read()` of a file object bound some other way goes on where the last read
        // stopped.
        if !fresh
            || read_through_handles(value).iter().any(|handle| {
                !self
                    .file_handles
                    .get(*handle)
                    .is_some_and(|file| file.reading)
            })
        {
            return None;
        }
        opened.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        opened.dedup_by(|a, b| a.0 == b.0);
        for (handle, file) in opened {
            text.push_str(&format!("|{handle}=open({})", file.path));
            reads.extend(file.path_reads.iter().cloned());
        }
        reads.sort_unstable();
        reads.dedup();
        Some(BoundValue {
            text,
            reads,
            changed: false,
        })
    }

    /// The idempotent operation `value`, bound to `name`, applies last (see
    /// [`idempotent::operand`]), as the text around what it is applied to.
    fn idempotent_operation(&self, value: &Expr, name: &str) -> Option<IdempotentOperation> {
        let (operand, gives) = idempotent::operand(value, name)?;
        let text = |start: TextSize, end: TextSize| {
            self.source_of(TextRange::new(start, end))
                .map(without_spacing)
        };
        Some(IdempotentOperation {
            before: text(value.start(), operand.start())?,
            operand: text(operand.start(), operand.end())?,
            after: text(operand.end(), value.end())?,
            identity: matches!(gives, idempotent::Gives::Copy | idempotent::Gives::SameData),
            copy: gives == idempotent::Gives::Copy,
            keeps_content: gives == idempotent::Gives::Conversion,
        })
    }

    /// Whether `test` cannot hold where it stands: it compares a name with a constant, or
    /// tests a name alone ([`Self::constant_guard`]), and the name holds a literal the cell
    /// bound above at its top level that decides it (`KEY = ""`, then `if KEY:`).
    fn decided_false(&self, test: &Expr) -> bool {
        let Some(guard) = self.constant_guard(test) else {
            return false;
        };
        let Some(literal) = self.cell_literals.get(&guard.name) else {
            return false;
        };
        guard.fails_for(literal)
    }

    /// The comparison of a name with a constant that an `if` test needs to hold for its body
    /// to run: `mode == "log"`, `sources is not None`, or one such operand of an `and`; a
    /// name alone (`if in_cloud:`) needs a true value, and `not name` a false one.
    fn constant_guard(&self, test: &Expr) -> Option<BranchGuard> {
        self.guard_on(test, &|operand| match operand {
            Expr::Name(name) => Some(name.id.as_str().to_owned()),
            _ => None,
        })
    }

    /// The comparison with a constant that `test` needs to hold, of an operand `named`
    /// names (see [`Self::constant_guard`]).
    fn guard_on(
        &self,
        test: &Expr,
        named: &dyn Fn(&Expr) -> Option<String>,
    ) -> Option<BranchGuard> {
        match test {
            Expr::UnaryOp(unary) if unary.op == ast::UnaryOp::Not => {
                named(&unary.operand).map(|name| BranchGuard {
                    name,
                    equal: false,
                    constant: "True".to_owned(),
                    truthiness: true,
                })
            }
            Expr::BoolOp(operation) if operation.op == ast::BoolOp::And => operation
                .values
                .iter()
                .find_map(|value| self.guard_on(value, named)),
            Expr::Compare(compare) => {
                let ([op], [right]) = (&*compare.ops, &*compare.comparators) else {
                    return None;
                };
                let equal = match op {
                    ast::CmpOp::Eq | ast::CmpOp::Is => true,
                    ast::CmpOp::NotEq | ast::CmpOp::IsNot => false,
                    _ => return None,
                };
                let (name, constant) = match (named(&compare.left), named(right)) {
                    (Some(name), None) => (name, right),
                    (None, Some(name)) => (name, &*compare.left),
                    _ => return None,
                };
                if !is_constant(constant) {
                    return None;
                }
                Some(BranchGuard {
                    name,
                    equal,
                    constant: without_spacing(self.source_of(constant.range())?),
                    truthiness: false,
                })
            }
            operand => named(operand).map(|name| BranchGuard {
                name,
                equal: true,
                constant: "True".to_owned(),
                truthiness: true,
            }),
        }
    }

    /// Where `place` (a path, an `open(path)` call, or a file object a `with` opened) says a
    /// file is: its path's text, spacing removed, and the names that path reads; `None` when
    /// the path may name another file from the same inputs (see
    /// [`round_trips::is_plain_path`]).
    fn file_path(&self, place: &Expr) -> Option<(String, Vec<String>)> {
        if let Expr::Name(name) = place
            && let Some(opened) = self.file_handles.get(name.id.as_str())
        {
            return Some((opened.path.clone(), opened.path_reads.clone()));
        }
        let path = round_trips::opened_path(place).unwrap_or(place);
        let mut reads = Vec::new();
        if !round_trips::is_plain_path(path) || !repeatable(path, &mut reads, 16) {
            return None;
        }
        reads.sort_unstable();
        reads.dedup();
        // `"./translation_dataset"` and `'translation_dataset/'` name one folder.
        if let Expr::StringLiteral(literal) = path {
            let text = literal.value.to_str();
            let mut relative = text;
            while let Some(rest) = relative.strip_prefix("./") {
                relative = rest;
            }
            let relative = relative.trim_end_matches('/');
            if !relative.is_empty() && !relative.contains(['"', '\\']) {
                return Some((format!("\"{relative}\""), reads));
            }
        }
        Some((without_spacing(self.source_of(path.range())?), reads))
    }

    /// Records a top-level statement `call` at `span` that writes a variable to a file
    /// (see [`round_trips::saved`]).
    fn note_save(&mut self, call: &ast::ExprCall, span: Span) {
        if self.function_depth > 0 || self.block_depth > self.with_depth || self.transient {
            return;
        }
        let Some((name, place)) = round_trips::saved(call) else {
            return;
        };
        let Some((path, path_reads)) = self.file_path(place) else {
            return;
        };
        self.facts.saves.push(FileSave {
            name: name.to_owned(),
            path,
            path_reads,
            span,
            as_array: round_trips::saves_an_array(call),
        });
    }

    /// Notes a top-level `name = <load of a file>` bound at `defined` ([`Definition::loads`]).
    /// When this cell itself saved the value `name` held as it began to that file, unchanged
    /// and not bound before the save, the load gives that value back
    /// ([`Definition::restores`]): `pickle.dump(model, f)`, then `model = pickle.load(f)`.
    fn note_load(&mut self, name: &str, value: &Expr, defined: usize) {
        let Some((path, path_reads)) =
            round_trips::loaded(value).and_then(|place| self.file_path(place))
        else {
            return;
        };
        let restores = self
            .facts
            .saves
            .iter()
            .rev()
            .find(|save| save.path == path)
            .is_some_and(|save| {
                save.name == name
                    // Neither the name nor the path bound again in the cell before.
                    && self.facts.defines[..defined].iter().all(|definition| {
                        definition.name != name
                            && !(path_reads.contains(&definition.name)
                                && definition.span.start > save.span.start)
                    })
                    && !self
                        .facts
                        .mutations
                        .iter()
                        .any(|mutation| mutation.name == name && mutation.span.start < save.span.start)
            });
        if let Some(definition) = self.facts.defines.get_mut(defined) {
            definition.loads = Some(path);
            definition.restores |= restores;
        }
    }

    /// The cell changes the value it bound to `name` (binding `index`) in place: what a load
    /// gave is no longer what the file holds, nor a value given back what the cell found
    /// (`df = df.copy()`, then `df["z"] = ..`), and a file the cell saved the value to above
    /// holds it as it was (`df.to_parquet(p)`, then `df["x"] = 1`), so no load of that file
    /// gives back the value the cell leaves.
    fn changed_in_place(&mut self, index: usize, name: &str) {
        if let Some(definition) = self.facts.defines.get_mut(index) {
            definition.loads = None;
            definition.restores = false;
        }
        self.facts.saves.retain(|save| save.name != name);
    }

    /// A change's text and reads, with each name it reads that this cell bound after the
    /// changed value (binding `index`) written out as its value: `df = pd.read_csv(p)`, then
    /// `names = ["x", "y"]` and `df.index = names` is compared as `df.index=names` with
    /// `names` the list, since the comparison looks up reads where the value was bound, above
    /// `names`. `None` when such a name's value is not one NB205 can compare.
    fn written_out_reads(
        &self,
        index: usize,
        mut text: String,
        reads: Vec<String>,
    ) -> Option<(String, Vec<String>)> {
        let mut kept = Vec::new();
        for read in reads {
            match self.bound.get(&read) {
                Some(&Some(bound)) if bound > index => {
                    let definition = self.facts.defines.get(bound)?;
                    let value = definition
                        .value
                        .as_ref()
                        .filter(|value| !definition.conditional && !value.changed)?;
                    text.push_str(&format!("{{{read}={}}}", value.text));
                    kept.extend(value.reads.iter().cloned());
                }
                _ => kept.push(read),
            }
        }
        kept.sort_unstable();
        kept.dedup();
        Some((text, kept))
    }

    // Mutations.

    /// Records that the statement or call at `span` changes `name` in place, if `name` is a
    /// module value this cell has not bound (so it comes from another cell) and the change
    /// happens now (not in a function body that may never run). A value this cell bound and
    /// now changes no longer holds what its expression gave (`seen = []`, `seen.append(1)`):
    /// its [`BoundValue`] is marked changed.
    ///
    /// `requires_container` is the container type the method changes (`set.add`): only a
    /// value bound to one counts.
    fn note_mutation(
        &mut self,
        name: &str,
        kind: MutationKind,
        span: Span,
        requires_container: Option<Container>,
    ) {
        if self.function_depth == 0
            && !name.is_empty()
            && self.resolve(name) == Resolution::Module
            && let Some(&Some(index)) = self.bound.get(name)
        {
            // `g = np.ones(30)` then `g[5:8] = 0`: a plain change the same in both cells
            // leaves the same value, so it becomes part of the value; any other change makes
            // the value one NB205 cannot compare.
            // A top-level loop's fill (`for i in range(n): ntree[i] = i * 5`) likewise.
            let change = if self.block_depth == self.with_depth {
                self.plain_change
                    .as_ref()
                    .filter(|change| change.name == name)
            } else if self.block_depth == 1 {
                self.loop_fills.get(name)
            } else {
                None
            }
            .map(|change| (change.text.clone(), change.reads.clone(), change.needs_seed))
            .and_then(|(text, reads, needs_seed)| {
                self.written_out_reads(index, text, reads)
                    .map(|(text, reads)| (text, reads, needs_seed))
            });
            let seeded = self.seeded.contains(&index);
            if let Some(definition) = self.facts.defines.get_mut(index)
                && (requires_container.is_none() || definition.container == requires_container)
            {
                self.changed_in_place(index, name);
            }
            // A method of another container (`set.add` on a Keras model: `model.add(layer)`)
            // is an unknown method of this value, which may change it all the same.
            if let Some(definition) = self.facts.defines.get_mut(index)
                && self.switched_off == 0
                && let Some(value) = definition.value.as_mut()
                && !handles::is_handle(value)
            {
                match change {
                    Some((text, reads, needs_seed))
                        if !value.changed
                            // The first change of a value made with a constant seed.
                            && (!needs_seed || (seeded && !value.text.contains('|'))) =>
                    {
                        value.text.push('|');
                        value.text.push_str(&text);
                        value.reads.extend(reads);
                        value.reads.sort_unstable();
                        value.reads.dedup();
                    }
                    _ => value.changed = true,
                }
            }
        }
        if self.function_depth == 0
            && !name.is_empty()
            && self.resolve(name) == Resolution::Module
            && !self.bound.contains_key(name)
        {
            self.facts.mutations.push(Mutation {
                name: name.to_owned(),
                kind,
                span,
                // Only a variable's value changes in place; the graph checks the defining
                // binding's `mutable` flag, which is false for imports, functions and
                // classes (see `bind_module`).
                requires_mutable_binding: true,
                requires_container,
                raises_on: None,
                guard: None,
                items: Vec::new(),
                adds: None,
                in_own_context: self.own_contexts.iter().any(|context| context == name),
            });
        }
    }

    /// Marks the mutations noted from `noted` on as raising on a tuple when `place` stores
    /// into (or deletes) an item of the name itself (`t[2] = x`, `t[0] += 1`, `del t[0]`),
    /// which a tuple does not allow ([`Mutation::raises_on`]).
    fn note_item_store(&mut self, place: &Expr, noted: usize) {
        if let Expr::Subscript(subscript) = place
            && subscript.value.is_name_expr()
        {
            for mutation in &mut self.facts.mutations[noted..] {
                mutation.raises_on = Some(Container::Tuple);
            }
        }
    }

    /// Notes on the mutations noted from `noted` on the items of their value that `place`
    /// changes, when it is a chain of subscripts and attributes of the name (`df["day"] = ..`,
    /// `record.annotations["x"] = ..`, see [`Mutation::items`]).
    fn note_changed_items(&mut self, place: &Expr, noted: usize) {
        if let Some((_, keys)) = subscripted_name(place) {
            for mutation in &mut self.facts.mutations[noted..] {
                mutation.items.clone_from(&keys);
            }
        }
    }

    /// Notes the keys a chain of subscripts and attributes of a name takes (`df["a"][0]`,
    /// `record.annotations`), for the read of the name it starts with (see
    /// [`NameUse::items`]). The outermost step is walked first, so the whole chain is kept.
    fn note_item_reads(&mut self, expression: &Expr) {
        // `df.head()`, `record.seq.count("A")`: the method a call takes is no item; the call
        // reads its receiver (the whole value, or `record.seq`).
        // `sns.lineplot(data=df, x="Time", y="Intensity")`: a plotting call that takes the
        // frame whole reads the columns it names.
        if let Expr::Call(call) = expression
            && let Some((name, columns)) = plotted_columns(call)
        {
            let start = self.span(name.range()).start;
            self.item_reads
                .entry(start)
                .or_insert_with(|| vec![ItemKey::Each(columns)]);
            return;
        }
        let read = match expression {
            Expr::Call(call) => match &*call.func {
                Expr::Attribute(method) => &method.value,
                _ => return,
            },
            Expr::Subscript(_) | Expr::Attribute(_) => expression,
            _ => return,
        };
        if let Some((name, keys)) = subscripted_name(read) {
            let start = self.span(name.range()).start;
            self.item_reads.entry(start).or_insert(keys);
        }
    }

    /// The standard container `value` makes, when its syntax shows it: a display, a
    /// comprehension, or a call of the builtin (`set(..)`, not a `set` the notebook bound).
    fn container_of(&self, value: &Expr) -> Option<Container> {
        match value {
            Expr::Set(_) | Expr::SetComp(_) => Some(Container::Set),
            Expr::List(_) | Expr::ListComp(_) => Some(Container::List),
            Expr::Dict(_) | Expr::DictComp(_) => Some(Container::Dict),
            Expr::Tuple(_) => Some(Container::Tuple),
            Expr::Call(call) => match &*call.func {
                Expr::Name(name) if !self.ever_bound.contains_key(name.id.as_str()) => {
                    match name.id.as_str() {
                        "set" => Some(Container::Set),
                        "list" => Some(Container::List),
                        "dict" => Some(Container::Dict),
                        "tuple" => Some(Container::Tuple),
                        _ => None,
                    }
                }
                _ => None,
            },
            _ => None,
        }
    }

    fn method_call_mutation(&mut self, call: &ast::ExprCall) {
        let Expr::Attribute(attribute) = &*call.func else {
            return;
        };
        let method = attribute.attr.id.as_str();
        let inplace = is_inplace(call);
        // The standard containers' mutators return `None`: a call whose value is bound
        // (`cars = cars1.append(cars2)`) is another library's method that returns a new value
        // (pandas' `DataFrame.append`).
        let value_bound =
            self.assigned_call == Some(call.range()) || self.used_calls.contains(&call.range());
        // `list.sort` takes only `key=` and `reverse=` (numpy's in-place `a.sort(axis=1)`
        // `kind=` and `order=`): `table.sort("Rating")` or `df.sort(descending=True)` is
        // another type's method, which returns a new value.
        if method == "sort"
            && (!call.arguments.args.is_empty()
                || call.arguments.keywords.iter().any(|keyword| {
                    keyword.arg.as_ref().is_none_or(|name| {
                        !matches!(name.as_str(), "key" | "reverse" | "axis" | "kind" | "order")
                    })
                }))
        {
            return;
        }
        // `list.insert` takes an index first: `conn.insert("iris", df)` is a database
        // client's, which writes rows to a table and leaves the client as it was.
        if method == "insert" && matches!(call.arguments.args.first(), Some(Expr::StringLiteral(_)))
        {
            return;
        }
        // An estimator's `fit` is given the data it learns from: a `fit()` with no arguments
        // is a runner's that starts a job from its settings and returns the result (Ray
        // Train's `trainer.fit()`, statsmodels' `model.fit()`), leaving the receiver as it
        // was.
        if method == "fit" && call.arguments.args.is_empty() && call.arguments.keywords.is_empty() {
            return;
        }
        // Keras' and PyTorch's `model.compile(..)` set the model up in place and return
        // `None`: a `compile` whose value is kept (`graph = builder.compile()`, LangGraph's)
        // builds something new from its receiver.
        if method == "compile" && value_bound {
            return;
        }
        let container = CONTAINER_METHODS.get(method).copied();
        // `nn.ReLU(inplace=True)` makes a layer: a class's `inplace` is its own setting.
        let constructor = method.starts_with(|c: char| c.is_ascii_uppercase());
        let receiver = if inplace && !constructor {
            root_name(&attribute.value)
        } else if let Expr::Name(name) = &*attribute.value {
            ((is_mutating_method(method) || container.is_some())
                && !(value_bound && (RETURNS_NONE.contains(&method) || container.is_some())))
            .then_some(name.id.as_str())
        } else {
            None
        };
        if let Some(receiver) = receiver {
            let span = self.span(call.range());
            let noted = self.facts.mutations.len();
            self.note_mutation(
                receiver,
                MutationKind::MethodCall {
                    method: method.to_owned(),
                },
                span,
                // A listed method changes any receiver; `set.add` only a set.
                container.filter(|_| !inplace && !is_mutating_method(method)),
            );
            // `df["day"].fillna(0, inplace=True)` changes that column.
            self.note_changed_items(&attribute.value, noted);
            // `compounds.add("ethanol")`, `config.setdefault("c", 3)`: a key put in only where
            // it is missing.
            let adds = match (method, call.arguments.args.first()) {
                ("add", Some(key)) if call.arguments.args.len() == 1 => Some(key),
                ("setdefault", Some(key)) => Some(key),
                _ => None,
            }
            .map(item_key)
            .filter(ItemKey::is_literal);
            if call.arguments.keywords.is_empty() {
                for mutation in &mut self.facts.mutations[noted..] {
                    mutation.adds.clone_from(&adds);
                }
            }
        }
    }

    // Definitions with bodies.

    fn parameters_outside(&mut self, parameters: &Parameters, annotations: bool) {
        for parameter in parameters.iter_non_variadic_params() {
            if let Some(default) = &parameter.default {
                self.visit_expr(default);
            }
        }
        if annotations {
            let evaluated = !self.future_annotations;
            for parameter in parameters {
                if let Some(annotation) = &parameter.as_parameter().annotation {
                    self.annotation(annotation, evaluated);
                }
            }
        }
    }

    fn function(&mut self, function: &ast::StmtFunctionDef) {
        for decorator in &function.decorator_list {
            self.visit_expr(&decorator.expression);
        }
        match registered_cell_magic(function) {
            Some((magic, false)) => self.facts.text_cell_magics.push(magic),
            Some((magic, true)) => self.facts.code_cell_magics.push(magic),
            None => {}
        }
        let type_parameters = type_parameter_names(function.type_params.as_deref());
        let generic = !type_parameters.is_empty();
        if generic {
            self.enter_function(type_parameters.clone(), HashSet::new());
        }
        self.parameters_outside(&function.parameters, true);
        if let Some(returns) = &function.returns {
            self.annotation(returns, !self.future_annotations);
        }
        if generic {
            self.leave_function();
        }
        let defined = self.facts.defines.len();
        self.bind(
            function.name.id.as_str(),
            function.name.range(),
            DefinitionKind::Function,
        );
        if self.function_depth == 0 && defined < self.facts.defines.len() {
            self.module_functions.push((defined, function.range()));
        }
        // `@interact(..)`, `@trainer.on(..)`, `@app.route(..)`: the decorator hands the
        // function to something that calls it, so it is used where it is defined.
        if function
            .decorator_list
            .iter()
            .any(|decorator| registers(&decorator.expression))
            && let Some(definition) = self.facts.defines.get_mut(defined)
        {
            definition.used_in_cell = true;
        }

        let mut collector = LocalCollector::default();
        for statement in &function.body {
            collector.visit_stmt(statement);
        }
        // A module-level function's parameters hold what its calls pass, unless the body
        // binds them again or a decorator calls it.
        let parameters = (self.function_depth == 0
            && self.innermost() == ScopeKind::Module
            && !self.transient
            && function.decorator_list.is_empty())
        .then(|| {
            FunctionParameters::of(function, &collector.locals, |expression| {
                self.source_of(expression.range()).map(without_spacing)
            })
        });
        for parameter in &*function.parameters {
            collector
                .locals
                .insert(parameter.name().id.as_str().to_owned());
        }
        collector.locals.extend(type_parameters);
        let (locals, globals) = collector.finish();
        // `@cudaq.kernel`: CUDA-Q compiles the body as its own language, whose gates (`h`,
        // `cx`, `mz`) are intrinsics, not Python names: its reads need no definition.
        let kernel = function
            .decorator_list
            .iter()
            .any(|decorator| compiles_its_own_language(&decorator.expression));
        // A method of a class (no decorator: not a `staticmethod` or a `classmethod`) gets its
        // instance as its first parameter.
        let receiver = (self.innermost() == ScopeKind::Class && function.decorator_list.is_empty())
            .then(|| {
                let first = function
                    .parameters
                    .posonlyargs
                    .iter()
                    .chain(&function.parameters.args)
                    .next()?;
                let class = self.class_name.clone()?;
                Some((first.parameter.name.id.as_str().to_owned(), class))
            })
            .flatten();
        self.enter_function(locals, globals);
        self.optional_depth += usize::from(kernel);
        let outer = std::mem::replace(&mut self.parameters, parameters);
        let outer_receiver = std::mem::replace(&mut self.method_receiver, receiver);
        let outer_class = self.class_name.take();
        self.visit_body(&function.body);
        self.class_name = outer_class;
        self.method_receiver = outer_receiver;
        self.parameters = outer;
        self.optional_depth -= usize::from(kernel);
        self.leave_function();
    }

    fn class(&mut self, class: &ast::StmtClassDef) {
        for decorator in &class.decorator_list {
            self.visit_expr(&decorator.expression);
        }
        let type_parameters = type_parameter_names(class.type_params.as_deref());
        let generic = !type_parameters.is_empty();
        if generic {
            self.enter_function(type_parameters.clone(), HashSet::new());
        }
        if let Some(arguments) = &class.arguments {
            self.visit_arguments(arguments);
        }
        self.scopes.push(Scope::new(
            ScopeKind::Class,
            type_parameters,
            HashSet::new(),
        ));
        let outer = self.class_name.replace(class.name.id.as_str().to_owned());
        for statement in &class.body {
            self.visit_stmt(statement);
        }
        self.class_name = outer;
        self.scopes.pop();
        if generic {
            self.leave_function();
        }
        let constants = self.class_constants(class);
        let defined = self.facts.defines.len();
        self.bind(
            class.name.id.as_str(),
            class.name.range(),
            DefinitionKind::Type,
        );
        if let Some(definition) = self.facts.defines.get_mut(defined) {
            definition.constants = constants;
        }
        // IDAES's `@declare_process_block_class("Heater")` over `class HeaterData(..)` makes
        // the class `Heater` in the module that defines the data class: a name this cell
        // binds; both are used where they are defined.
        for decorator in &class.decorator_list {
            if let Expr::Call(call) = &decorator.expression
                && callee_name(&call.func)
                    .is_some_and(|name| CLASS_DECLARING_DECORATORS.contains(&name))
                && let Some(Expr::StringLiteral(declared)) = call.arguments.args.first()
                && crate::vocabulary::is_plain_identifier(declared.value.to_str())
            {
                if let Some(definition) = self.facts.defines.get_mut(defined) {
                    definition.used_in_cell = true;
                }
                // The framework finds it through the data class's configuration too
                // (`_state_block_class`), not only by its name.
                let before = self.facts.defines.len();
                self.bind(
                    declared.value.to_str(),
                    declared.range(),
                    DefinitionKind::Type,
                );
                if let Some(definition) = self.facts.defines.get_mut(before) {
                    definition.used_in_cell = true;
                }
            }
        }
        // `class LessThan(Packet, type=6)`: keyword arguments (other than `metaclass=`) go
        // to the base's `__init_subclass__`, which commonly registers the class, so it is
        // used where it is defined.
        if class.arguments.as_ref().is_some_and(|arguments| {
            arguments.keywords.iter().any(|keyword| {
                keyword
                    .arg
                    .as_ref()
                    .is_none_or(|name| name.as_str() != "metaclass")
            })
        }) && let Some(definition) = self.facts.defines.get_mut(defined)
        {
            definition.used_in_cell = true;
        }
        // `class Movie(Base)` of SQLAlchemy's declarative base, a Django `models.Model`, a
        // Flask-SQLAlchemy `db.Model`, `DeclarativeBase`: defining the class registers its
        // table, which `Base.metadata.create_all(engine)` or a migration then uses.
        if class.arguments.as_ref().is_some_and(|arguments| {
            arguments.args.iter().any(|base| {
                dotted(base).is_some_and(|base| {
                    matches!(
                        base.as_str(),
                        "Base" | "DeclarativeBase" | "SQLModel" | "db.Model" | "models.Model"
                    ) || base.ends_with(".DeclarativeBase")
                        || base.ends_with(".db.Model")
                        || base.ends_with("django.db.models.Model")
                })
            })
        }) && let Some(definition) = self.facts.defines.get_mut(defined)
        {
            definition.used_in_cell = true;
        }
    }

    /// The names `class`'s body binds once, to a literal ([`Definition::constants`]); the
    /// other names it binds are noted as attributes set ([`CellFacts::stored_attributes`]).
    fn class_constants(&mut self, class: &ast::StmtClassDef) -> Vec<(String, String)> {
        // A decorator or a base may give instances their own values for the names the body
        // binds (`@dataclass`, pydantic's `BaseModel`, `NamedTuple`: `CFG(model="t5")`).
        let plain = class.decorator_list.is_empty()
            && class.arguments.as_ref().is_none_or(|arguments| {
                arguments.keywords.is_empty()
                    && arguments.args.iter().all(
                        |base| matches!(base, Expr::Name(name) if name.id.as_str() == "object"),
                    )
            });
        let mut times_bound: HashMap<String, usize> = HashMap::new();
        for statement in &class.body {
            let mut collector = LocalCollector::default();
            collector.visit_stmt(statement);
            for name in collector.locals {
                *times_bound.entry(name).or_default() += 1;
            }
        }
        let mut constants = Vec::new();
        for statement in &class.body {
            let (target, value) = match statement {
                Stmt::Assign(assign) => match &*assign.targets {
                    [target] => (target, &*assign.value),
                    _ => continue,
                },
                Stmt::AnnAssign(assign) => match &assign.value {
                    Some(value) => (&*assign.target, &**value),
                    None => continue,
                },
                _ => continue,
            };
            if let Expr::Name(name) = target
                && plain
                && is_constant(value)
                && times_bound.get(name.id.as_str()) == Some(&1)
                && let Some(text) = self.source_of(value.range())
            {
                constants.push((name.id.as_str().to_owned(), without_spacing(text)));
            }
        }
        for name in times_bound.into_keys() {
            if !constants.iter().any(|(constant, _)| *constant == name) {
                self.note_stored_attribute(name);
            }
        }
        constants
    }

    /// Notes that the cell sets the attribute `name` of something (see
    /// [`CellFacts::stored_attributes`]).
    fn note_stored_attribute(&mut self, name: String) {
        self.facts.stored_attributes.push(name);
    }

    fn enter_function(&mut self, locals: HashSet<String>, globals: HashSet<String>) {
        self.function_depth += 1;
        self.scopes
            .push(Scope::new(ScopeKind::Function, locals, globals));
    }

    fn leave_function(&mut self) {
        self.function_depth = self.function_depth.saturating_sub(1);
        self.scopes.pop();
    }

    fn lambda(&mut self, lambda: &ast::ExprLambda) {
        // A walrus in the body (`(top := s.pop(), f(top))[-1]`) binds a local of the lambda.
        let mut collector = LocalCollector::default();
        collector.visit_expr(&lambda.body);
        let (mut locals, _) = collector.finish();
        if let Some(parameters) = &lambda.parameters {
            self.parameters_outside(parameters, false);
            for parameter in parameters {
                locals.insert(parameter.name().id.as_str().to_owned());
            }
        }
        self.enter_function(locals, HashSet::new());
        self.visit_expr(&lambda.body);
        self.leave_function();
    }

    fn comprehension(&mut self, generators: &[ast::Comprehension], elements: &[&Expr]) {
        let Some(first) = generators.first() else {
            for element in elements {
                self.visit_expr(element);
            }
            return;
        };
        // The first iterable is evaluated in the enclosing scope.
        self.visit_expr(&first.iter);
        let mut locals = HashSet::new();
        for generator in generators {
            target_names(&generator.target, &mut locals);
        }
        self.scopes
            .push(Scope::new(ScopeKind::Comprehension, locals, HashSet::new()));
        for (index, generator) in generators.iter().enumerate() {
            if index > 0 {
                self.visit_expr(&generator.iter);
            }
            self.visit_expr(&generator.target);
            for condition in &generator.ifs {
                self.visit_expr(condition);
            }
        }
        for element in elements {
            self.visit_expr(element);
        }
        self.scopes.pop();
    }

    // Statements that need more than the default walk.

    fn import(&mut self, import: &ast::StmtImport) {
        let statement = self.import_statement(import.range());
        for alias in &import.names {
            let path = alias.name.id.as_str();
            let (binding, range) = if let Some(asname) = &alias.asname {
                (asname.id.as_str(), asname.range())
            } else {
                // `import a.b.c` binds `a`.
                let first = path.split('.').next().unwrap_or(path);
                let start = alias.name.range().start();
                let length = ruff_text_size::TextSize::try_from(first.len()).unwrap_or_default();
                (first, TextRange::at(start, length))
            };
            self.record_import(path.to_owned(), Some(binding), alias.range(), statement);
            self.bind(binding, range, DefinitionKind::Import);
        }
    }

    fn import_from(&mut self, import: &ast::StmtImportFrom) {
        let statement = self.import_statement(import.range());
        let mut module = ".".repeat(import.level as usize);
        if let Some(name) = &import.module {
            module.push_str(name.id.as_str());
        }
        let is_future = module == "__future__";
        for alias in &import.names {
            let name = alias.name.id.as_str();
            if name == "*" {
                self.record_import(module.clone(), None, alias.range(), statement);
                if self.innermost() == ScopeKind::Module && !self.transient {
                    self.facts.binds_unknown_names = true;
                }
                continue;
            }
            if is_future && name == "annotations" {
                self.future_annotations = true;
                if !self.transient {
                    self.facts.postpones_annotations = true;
                }
            }
            let path = if module.is_empty() || module.ends_with('.') {
                format!("{module}{name}")
            } else {
                format!("{module}.{name}")
            };
            let (binding, range) = match &alias.asname {
                Some(asname) => (asname.id.as_str(), asname.range()),
                None => (name, alias.name.range()),
            };
            self.record_import(path, Some(binding), alias.range(), statement);
            if !is_future {
                self.bind(binding, range, DefinitionKind::Import);
            }
        }
    }

    fn record_import(
        &mut self,
        path: String,
        binding: Option<&str>,
        leaf: TextRange,
        (statement, removal): (Span, Option<Span>),
    ) {
        // Imports inside functions and classes are local to them: not the notebook's.
        if self.innermost() != ScopeKind::Module || self.transient {
            return;
        }
        let for_effect = marked_kept_for_effect(self.line_after(leaf)) || self.lone_import;
        self.facts.imports.push(Import {
            path,
            glob: binding.is_none(),
            binding: binding.map(str::to_owned),
            span: self.span(leaf),
            statement,
            removal,
            for_effect,
        });
    }

    /// The rest of the line `range` ends on, from its end (where a trailing comment stands).
    fn line_after(&self, range: TextRange) -> &str {
        let rest = self.source.get(usize::from(range.end())..).unwrap_or("");
        rest.split('\n').next().unwrap_or("")
    }

    /// The import statement at `range` (see [`Self::import_statement_span`]) and what a fix
    /// deletes to remove it, if it may.
    fn import_statement(&self, range: TextRange) -> (Span, Option<Span>) {
        let removal = self.at_top().then(|| {
            nblint_facts::statement_removal(self.source, self.span(range), Some(';'), "#")
        });
        (self.import_statement_span(range), removal)
    }

    /// The import statement with its line break when it has the line to itself, so that a
    /// fix removing it leaves no blank line and touches nothing else.
    fn import_statement_span(&self, range: TextRange) -> Span {
        let span = self.span(range);
        let line = magics::line_span(self.source, span.start, span.end);
        let before = self.source.get(line.start..span.start).unwrap_or("");
        let after = self.source.get(span.end..line.end).unwrap_or("");
        let after_code = after.split('#').next().unwrap_or("");
        if before.trim().is_empty() && after_code.trim().is_empty() {
            Span::new(span.start, line.end)
        } else {
            span
        }
    }

    fn augmented_assignment(&mut self, assignment: &ast::StmtAugAssign) {
        match &*assignment.target {
            Expr::Name(name) => {
                let id = name.id.as_str();
                self.read(id, name.range());
                self.visit_expr(&assignment.value);
                let written_out = self.augmented_value(id, assignment);
                let noted = self.facts.mutations.len();
                self.note_mutation(id, MutationKind::CompoundAssign, self.statement, None);
                // `epoch += 1` gives the name a new value made from the old one: a change
                // whatever that value is, an `int` bound by `epoch = 0` too.
                for mutation in &mut self.facts.mutations[noted..] {
                    mutation.requires_mutable_binding = false;
                }
                // At module level `x += 1` needs an `x` that already exists: unless this cell
                // bound it above, it defines nothing a cell without `x` could rely on (and a
                // name only ever bound this way is undefined, not defined below).
                let at_module = self
                    .scopes
                    .last()
                    .is_none_or(|scope| scope.kind == ScopeKind::Module);
                if !at_module || self.bound.contains_key(id) {
                    let defined = self.facts.defines.len();
                    self.bind(id, name.range(), DefinitionKind::Variable);
                    if let Some(value) = written_out
                        && let Some(definition) = self.facts.defines.get_mut(defined)
                    {
                        definition.value = Some(value);
                    }
                }
            }
            target @ (Expr::Attribute(_) | Expr::Subscript(_)) => {
                if let Some(root) = root_name(target) {
                    let noted = self.facts.mutations.len();
                    self.note_mutation(root, MutationKind::CompoundAssign, self.statement, None);
                    self.note_item_store(target, noted);
                    self.note_changed_items(target, noted);
                }
                self.place_parts(target);
                self.visit_expr(&assignment.value);
            }
            other => self.visit_expr(other),
        }
    }

    /// The value `name op= value` leaves, written out from the value this cell's own
    /// unconditional top-level binding of `name` gave (`x, dx = np.linspace(..)`, then
    /// `x += 0.5 * dx` is `(x's value)+(0.5*dx)`), when that value is repeatable and unchanged
    /// and `value` is repeatable too.
    fn augmented_value(&self, name: &str, assignment: &ast::StmtAugAssign) -> Option<BoundValue> {
        if self.block_depth != 0 || self.function_depth != 0 || self.switched_off != 0 {
            return None;
        }
        let &Some(index) = self.bound.get(name)? else {
            return None;
        };
        let before = self
            .facts
            .defines
            .get(index)
            .filter(|definition| !definition.conditional)?
            .value
            .as_ref()
            .filter(|value| !value.changed)?;
        let added = self.repeatable_value(&assignment.value)?;
        let mut reads = before.reads.clone();
        reads.extend(added.reads);
        reads.sort_unstable();
        reads.dedup();
        Some(BoundValue {
            text: format!(
                "({}){}({})",
                before.text,
                assignment.op.as_str(),
                added.text
            ),
            reads,
            changed: false,
        })
    }

    /// Reads what an assigned place (`x.a`, `x[k]`) evaluates: its object and subscript.
    fn place_parts(&mut self, place: &Expr) {
        self.note_item_reads(place);
        match place {
            Expr::Attribute(attribute) => self.visit_expr(&attribute.value),
            Expr::Subscript(subscript) => {
                self.visit_expr(&subscript.value);
                self.visit_expr(&subscript.slice);
            }
            other => self.visit_expr(other),
        }
    }

    fn annotated_assignment(&mut self, assignment: &ast::StmtAnnAssign) {
        if let Some(value) = &assignment.value {
            self.visit_expr(value);
        }
        // Annotations of function locals are never evaluated; at module and class level
        // they are, unless postponed.
        let evaluated = self.innermost() != ScopeKind::Function && !self.future_annotations;
        self.annotation(&assignment.annotation, evaluated);
        let defined = self.facts.defines.len();
        if assignment.value.is_some() {
            self.visit_expr(&assignment.target);
        } else if !matches!(&*assignment.target, Expr::Name(_)) {
            // `x.a: int` evaluates `x` but assigns nothing.
            self.place_parts(&assignment.target);
        }
        // `app: Vespa = cloud.deploy()` binds the value `app = cloud.deploy()` does.
        if let (Expr::Name(target), Some(value)) = (&*assignment.target, &assignment.value)
            && self.facts.defines.len() == defined + 1
        {
            if let Some(bound) = self.repeatable_value(value) {
                self.facts.defines[defined].value = Some(bound);
            }
            if self.block_depth == 0 && self.function_depth == 0 {
                self.note_backup(target.id.as_str(), value, defined);
            }
        }
    }

    fn except_handler(&mut self, handler: &ast::ExceptHandlerExceptHandler) {
        if let Some(type_) = &handler.type_ {
            self.visit_expr(type_);
        }
        let name = handler.name.as_ref().map(|name| name.id.as_str());
        // `except E as e` binds `e` for the handler only: Python deletes it at the end, so
        // it is no definition later cells could use.
        let restore = match (name, self.innermost()) {
            (Some(name), ScopeKind::Module) => {
                Some((name, self.bound.insert(name.to_owned(), None)))
            }
            (Some(name), ScopeKind::Class) => {
                if let Some(scope) = self.scopes.last_mut() {
                    scope.locals.insert(name.to_owned());
                }
                None
            }
            _ => None,
        };
        let suite = self.enter_suite(&handler.body);
        for statement in &handler.body {
            self.visit_stmt(statement);
            // `except Exception: continue`, then code that never runs (see `visit_body`).
            if self.function_depth > 0 && ends_the_block(statement) {
                break;
            }
        }
        self.leave_suite(suite);
        if let Some((name, _previous)) = restore {
            self.bound.remove(name);
        }
    }

    // IPython escape commands.

    fn escape_command(&mut self, kind: IpyEscapeKind, range: TextRange) {
        let span = self.span(range);
        let raw = self.text(span);
        let sigil = kind.as_str();
        // `x?` puts the sigil last.
        let (rest, rest_start) = match raw.strip_prefix(sigil) {
            Some(rest) => (rest, span.start + sigil.len()),
            None => (raw, span.start),
        };
        let (name, argument) = if matches!(kind, IpyEscapeKind::Magic | IpyEscapeKind::Magic2) {
            let (word, argument) = magics::split_word(rest);
            (format!("{sigil}{word}"), argument)
        } else {
            (sigil.to_owned(), rest.trim())
        };
        let line = magics::line_span(self.source, span.start, span.end);
        let argument_start = rest_start + (argument.as_ptr() as usize - rest.as_ptr() as usize);
        let in_module = self.function_depth == 0;
        // The line is a statement of its own at the top (not `x = !pip ...`, not indented in
        // a block), so a fix may move or delete it.
        let own_statement = self.at_top() && self.statement == span;
        if in_module && !self.transient && changes_environment(kind, &name) {
            self.facts.environment.push(line);
        }

        match kind {
            IpyEscapeKind::Magic => {
                // A line magic IPython does not define may be the notebook's own
                // (`@register_line_magic def lookup`, or an import that registers it).
                let word = &name[1..];
                if !magics::is_line_magic(word) && !magics::KNOWN_LINE_MAGICS.contains(&word) {
                    self.magic_name_use(rest_start, word);
                }
                if in_module && magics::binds_unknown_names(&name, argument) {
                    self.facts.binds_unknown_names = true;
                    self.note_unknown_code(line);
                }
                // `%run ./setup.ipynb` runs the notebook in this namespace: it may read any
                // name bound before.
                if matches!(name.as_str(), "%run" | "%run_shared")
                    && magics::runs_in_the_namespace(argument)
                {
                    self.facts.reads_unknown_names = true;
                }
                // `%load solutions/exercise.py` pastes a file's code into the cell, which reads
                // what that code reads (an exercise's imports, used by its solution).
                if name == "%load" {
                    self.facts.reads_unknown_names = true;
                }
                // `%pylab` runs `import numpy as np` and `import matplotlib.pyplot as plt` (and
                // `from pylab import *`, which `binds_unknown_names` covers for NB202).
                if in_module && name == "%pylab" && !self.transient {
                    for module in ["np", "plt"] {
                        self.bind_used_here(
                            module,
                            text_range(span.start.saturating_sub(self.offset), 0),
                            DefinitionKind::Import,
                        );
                    }
                }
                match name.as_str() {
                    "%pip" if in_module => {
                        let top_level = own_statement;
                        self.facts.dependencies.extend(
                            magics::pip_dependencies(argument, false, line)
                                .into_iter()
                                .map(|dependency| Dependency {
                                    top_level,
                                    ..dependency
                                }),
                        );
                    }
                    // These magics run their argument as Python code, in the user namespace
                    // (`%time`) or in one of their own (`%timeit`); neither expands `{}`.
                    "%time" => self.analyse_fragment(argument_start, argument, false),
                    // `%config Class.trait = value` runs `cfg.Class.trait = value` in the user
                    // namespace: the value's names are read.
                    "%config" => {
                        if let Some(equals) = argument.find('=')
                            && !argument[equals..].starts_with("==")
                        {
                            let value = &argument[equals + 1..];
                            let value_start = argument_start + equals + 1;
                            let trimmed = value.trim_start();
                            self.analyse_fragment(
                                value_start + (value.len() - trimmed.len()),
                                trimmed,
                                false,
                            );
                        }
                    }
                    "%timeit" | "%memit" | "%prun" | "%debug" => {
                        let (options, transient) = match name.as_str() {
                            "%prun" => (&["s", "l", "T", "D"][..], false),
                            "%debug" => (&["b"][..], false),
                            // memory_profiler runs the statement with `exec(code, user_ns)`:
                            // `%memit lc = events.to_lc(dt)` binds `lc`.
                            "%memit" => (&["r", "t", "i"][..], false),
                            _ => (&["n", "r", "p"][..], true),
                        };
                        let code = magics::code_start(argument, options);
                        let code_text = argument.get(code..).unwrap_or("");
                        self.analyse_fragment(argument_start + code, code_text, transient);
                    }
                    "%pinfo" | "%pinfo2" | "%pdoc" | "%pdef" | "%psource" | "%pfile" => {
                        self.read_inspected(argument_start, argument);
                    }
                    // ipyparallel's `%px plot(x)` (or `%px_even ..` on a view activated with a
                    // suffix) runs its whole line on the engines, unexpanded: it takes no
                    // options.
                    px if px == "%px" || px.starts_with("%px_") => {
                        self.analyse_remote_fragment(argument_start, argument);
                    }
                    _ => {
                        self.magic_arguments(&name, argument_start, argument);
                    }
                }
            }
            // `x.sum?`, `??x`: IPython looks the object up to show its help.
            IpyEscapeKind::Help | IpyEscapeKind::Help2 => {
                self.read_inspected(argument_start, argument);
            }
            // A cell magic's header in a cell read as Python: `%%capture [options] name`
            // stores the output in `name`; `%%timeit [options] SETUP` runs the setup
            // statement before the body, in the body's own namespace; `%%memit [options]
            // SETUP`, in the user namespace.
            IpyEscapeKind::Magic2 => match name.as_str() {
                "%%timeit" | "%%memit" => {
                    let code = magics::code_start(argument, &["n", "r", "p", "t", "i"]);
                    let code_text = argument.get(code..).unwrap_or("");
                    let transient = name == "%%timeit";
                    self.analyse_fragment(argument_start + code, code_text, transient);
                }
                _ => {
                    self.magic_arguments(&name, argument_start, argument);
                }
            },
            IpyEscapeKind::Shell | IpyEscapeKind::ShCap => {
                if in_module {
                    let top_level = own_statement;
                    self.facts.dependencies.extend(
                        magics::pip_dependencies(argument, true, line)
                            .into_iter()
                            .map(|dependency| Dependency {
                                top_level,
                                ..dependency
                            }),
                    );
                }
                self.expand_variables(argument_start, argument);
            }
            _ => {}
        }
        if in_module {
            self.facts.commands.push(Command {
                name,
                argument: argument.to_owned(),
                span: line,
            });
        }
    }

    /// IPython expands `{expression}` in shell lines and most magics with the expression's
    /// value: a use of its names. What does not parse as one expression (`{print $1}` in an
    /// awk script, `{a,b}` brace expansion) IPython leaves alone, and so does this. It
    /// expands `$name` too, or leaves it for the shell when no variable has the name: an
    /// optional use.
    fn expand_variables(&mut self, start: usize, text: &str) {
        self.read_references(start, text, None);
        let bytes = text.as_bytes();
        let mut index = 0;
        while index < bytes.len() {
            if bytes[index] != b'{' {
                index += 1;
                continue;
            }
            if bytes.get(index + 1) == Some(&b'{') {
                index += 2;
                continue;
            }
            // `${NAME}` is the `$` form, read above (and the shell's own syntax when IPython
            // has no such name).
            if index > 0 && bytes[index - 1] == b'$' {
                index += 1;
                continue;
            }
            let Some(length) = bytes[index + 1..].iter().position(|&byte| byte == b'}') else {
                return;
            };
            let inner = text.get(index + 1..index + 1 + length).unwrap_or("");
            // `curl -w "%{http_code}"`: a format of the command's own, which IPython's failed
            // expansion leaves as written, as the author meant; its names are optional.
            let format = index > 0 && bytes[index - 1] == b'%';
            if !inner.trim().is_empty() && !inner.contains('{') {
                self.optional_depth += usize::from(format);
                self.analyse_expansion(start + index + 1, inner);
                self.optional_depth -= usize::from(format);
            }
            index += length + 2;
        }
    }

    /// The object a help line inspects (`x.sum?`, `??x`, `%pinfo x.sum`), at byte `start`:
    /// its first name is read, optionally (a help line on a missing name prints "not found").
    fn read_inspected(&mut self, start: usize, text: &str) {
        let trimmed = text.trim_start_matches(['?', ' ', '\t']);
        let offset = text.len() - trimmed.len();
        let length = trimmed
            .find(|character: char| !(character.is_alphanumeric() || character == '_'))
            .unwrap_or(trimmed.len());
        let name = &trimmed[..length];
        if magics::is_identifier(name) && !trimmed[length..].starts_with('*') {
            self.optional_depth += 1;
            self.read(
                name,
                text_range((start + offset).saturating_sub(self.offset), length),
            );
            self.optional_depth -= 1;
        }
    }

    fn analyse_expansion(&mut self, start: usize, text: &str) {
        let parsed = parse_unchecked(text, ParseOptions::from(Mode::ParenthesizedExpression));
        if parsed.errors().is_empty()
            && let Mod::Expression(expression) = parsed.syntax()
            && !matches!(&*expression.body, Expr::Tuple(_))
        {
            // IPython runs the line unexpanded when `{..}` fails, so the shell gets the
            // braces: almost always a bug, so these names are uses that must exist.
            let saved = std::mem::replace(&mut self.offset, start);
            self.visit_expr(&expression.body);
            self.offset = saved;
        }
        self.dispose(parsed);
    }

    /// Walks Python code that ipyparallel's `%px` runs on the engines, in their namespaces,
    /// not the notebook's: what it binds stays there, and what it reads may be
    /// the engines' own (`%px a = rand(2, 2)`, then `%px eigvals(a)`). Its reads are optional
    /// uses: a name the notebook binds is used by it, as `with view.sync_imports(): from
    /// numpy.random import rand` imports `rand` on the engines too; a name it does not bind
    /// is no error.
    fn analyse_remote_fragment(&mut self, start: usize, text: &str) {
        self.optional_depth += 1;
        self.analyse_fragment(start, text, true);
        self.optional_depth -= 1;
    }

    /// Walks Python code that a magic runs (the code of `%time x = f(y)`), parsed on its own;
    /// code that does not parse is skipped (IPython reports it when the line runs).
    fn analyse_fragment(&mut self, start: usize, text: &str, transient: bool) {
        if text.trim().is_empty() {
            return;
        }
        let parsed = parse_unchecked(text, ParseOptions::from(Mode::Ipython));
        if parsed.errors().is_empty()
            && let Mod::Module(module) = parsed.syntax()
        {
            let saved_offset = std::mem::replace(&mut self.offset, start);
            let saved_transient = self.transient;
            self.transient |= transient;
            let saved_statement = self.statement;
            // `%time m = fit(); m` in a function body: IPython runs the line in the
            // function's local namespace, so its names are the function's locals.
            if let Some(scope) = self.scopes.last_mut()
                && scope.kind == ScopeKind::Function
            {
                let mut collector = LocalCollector::default();
                for statement in &module.body {
                    collector.visit_stmt(statement);
                }
                let (locals, _) = collector.finish();
                scope.locals.extend(
                    locals
                        .into_iter()
                        .filter(|name| !scope.globals.contains(name)),
                );
            }
            for statement in &module.body {
                self.visit_stmt(statement);
            }
            self.offset = saved_offset;
            self.transient = saved_transient;
            self.statement = saved_statement;
        } else {
            self.facts.partially_analysed = true;
        }
        self.dispose(parsed);
    }

    fn statement(&mut self, statement: &Stmt) {
        let span = self.span(statement.range());
        let saved = std::mem::replace(&mut self.statement, span);
        // A `with` body runs once, as the top level does.
        let plain_change = (self.block_depth == self.with_depth && self.function_depth == 0)
            .then(|| {
                repeatable_change(statement)
                    .map(|change| (change, false))
                    .or_else(|| seeded_fit(statement).map(|change| (change, true)))
            })
            .flatten()
            .map(|((name, reads), needs_seed)| PlainChange {
                name,
                text: without_spacing(self.text(span)),
                reads,
                needs_seed,
            });
        let saved_change = std::mem::replace(&mut self.plain_change, plain_change);
        self.statement_depth += 1;
        self.note_environment(statement);
        if let Stmt::Expr(expression) = statement
            && let Expr::Call(call) = &*expression.value
        {
            self.note_save(call, span);
        }
        // A save whose result is kept (`_ = exp.save_model(final, "m")`) saves all the same,
        // unless it binds the name it saves.
        if let Stmt::Assign(assign) = statement
            && let Expr::Call(call) = &*assign.value
            && round_trips::saved(call).is_some_and(|(name, _)| {
                assign.targets.iter().all(
                    |target| matches!(target, Expr::Name(target) if target.id.as_str() != name),
                )
            })
        {
            self.note_save(call, span);
        }
        match statement {
            Stmt::FunctionDef(function) => {
                let outer = self.enter_top_function(function.name.id.as_str());
                self.function(function);
                self.top_function = outer;
            }
            Stmt::ClassDef(class) => {
                let outer = self.enter_top_function(class.name.id.as_str());
                self.class(class);
                self.top_function = outer;
            }
            Stmt::Import(import) => self.import(import),
            Stmt::ImportFrom(import) => self.import_from(import),
            Stmt::AugAssign(assignment) => self.augmented_assignment(assignment),
            Stmt::AnnAssign(assignment) => self.annotated_assignment(assignment),
            Stmt::Global(global) => {
                if let Some(scope) = self.scopes.last_mut()
                    && scope.kind != ScopeKind::Function
                {
                    scope
                        .globals
                        .extend(global.names.iter().map(|name| name.id.as_str().to_owned()));
                }
            }
            // The first test runs on every path; the rest may not.
            Stmt::If(if_) => {
                self.visit_expr(&if_.test);
                // `if 'job' in locals():` guards reads of `job`; `if sys.version_info < (3,):`
                // guards code that never runs on Python 3: their reads need no definition.
                let guarded = present_name_guards(&if_.test);
                let dead = python2_only(&if_.test);
                // `if False:  # Don't execute this!`: code kept but switched off binds, reads
                // and changes nothing.
                let never = never_true(&if_.test);
                // `KEY = ""`, then `if KEY: config.key = KEY`: the body still counts for names,
                // but changes nothing the cell's values are compared by.
                let switched_off = self.block_depth == 0
                    && self.function_depth == 0
                    && self.decided_false(&if_.test);
                // `if 'X' not in globals(): X = ..` binds `X` only where it is missing: it
                // never replaces a value another cell bound.
                let only_if_missing = match &*if_.test {
                    Expr::BoolOp(operation) if operation.op != ast::BoolOp::And => Vec::new(),
                    test => missing_name_guards(test),
                };
                // `if __name__ == "__main__":` in a notebook always holds: a script pasted into
                // a cell runs its main block once, as a `with` body runs.
                let runs_once = if_.elif_else_clauses.is_empty() && is_main_guard(&if_.test);
                let mut elif_bodies: Vec<(&Expr, FactCounts, FactCounts)> = Vec::new();
                let defined_before = self.facts.defines.len();
                let mut body_end = defined_before;
                let changed_before = self.facts.mutations.len();
                let mut changes_end = changed_before;
                let used_before = self.facts.uses.len();
                let mut uses_end = used_before;
                // A top-level chain's branches exclude each other in one run (inside a loop
                // or a function, one call or iteration may take one and the next another).
                if self.block_depth == 0
                    && self.function_depth == 0
                    && !if_.elif_else_clauses.is_empty()
                    && let (Some(first), Some(last)) = (if_.body.first(), if_.body.last())
                {
                    let mut branches = vec![self.span(TextRange::new(first.start(), last.end()))];
                    branches.extend(
                        if_.elif_else_clauses
                            .iter()
                            .map(|clause| self.span(clause.range())),
                    );
                    self.facts.exclusive_branches.push(branches);
                }
                self.block(|analyzer| {
                    let guards = analyzer.guarded_names.len();
                    analyzer.guarded_names.extend(guarded);
                    analyzer.optional_depth += usize::from(dead);
                    analyzer.switched_off += usize::from(switched_off);
                    analyzer.with_depth += usize::from(runs_once);
                    if !never {
                        let tests = analyzer.branch_tests(&if_.test, false);
                        analyzer.body_under(tests, &if_.body);
                    }
                    analyzer.with_depth -= usize::from(runs_once);
                    analyzer.switched_off -= usize::from(switched_off);
                    body_end = analyzer.facts.defines.len();
                    changes_end = analyzer.facts.mutations.len();
                    uses_end = analyzer.facts.uses.len();
                    analyzer.optional_depth -= usize::from(dead);
                    analyzer.guarded_names.truncate(guards);
                    for clause in &if_.elif_else_clauses {
                        if let Some(test) = &clause.test {
                            analyzer.visit_expr(test);
                        }
                        let starts = analyzer.fact_counts();
                        // `else` after a lone `if mode == "a":` runs where the test fails.
                        let tests = match (&clause.test, &*if_.elif_else_clauses, &*if_.test) {
                            (Some(test), _, _) => analyzer.branch_tests(test, false),
                            (None, _, Expr::BoolOp(_)) | (None, [_, _, ..], _) => {
                                BranchTests::default()
                            }
                            (None, _, test) => analyzer.branch_tests(test, true),
                        };
                        analyzer.body_under(tests, &clause.body);
                        if let Some(test) = &clause.test {
                            elif_bodies.push((test, starts, analyzer.fact_counts()));
                        }
                    }
                });
                // `elif source_type == "SHAPELETS":` at the top level: its body runs only where
                // the name holds that constant, as an `if` body does.
                if self.block_depth == 0 && self.function_depth == 0 {
                    for (test, starts, ends) in elif_bodies {
                        let Some(clause_guard) = self.constant_guard(test) else {
                            continue;
                        };
                        for definition in &mut self.facts.defines[starts.defines..ends.defines] {
                            definition.guard.get_or_insert_with(|| clause_guard.clone());
                        }
                        for use_ in &mut self.facts.uses[starts.uses..ends.uses] {
                            use_.guard.get_or_insert_with(|| clause_guard.clone());
                        }
                        for mutation in &mut self.facts.mutations[starts.mutations..ends.mutations]
                        {
                            mutation.guard.get_or_insert_with(|| clause_guard.clone());
                        }
                    }
                }
                // `if transform == "%":` at the top level: its body binds only when the name
                // holds that constant (NB205 checks what it holds), and an `else` only when it
                // does not (`if in_cloud:` / `else: root = ..`).
                let guard = (self.block_depth == 0 && self.function_depth == 0)
                    .then(|| self.constant_guard(&if_.test))
                    .flatten();
                let else_guard = match (&guard, &*if_.elif_else_clauses, &*if_.test) {
                    (_, _, Expr::BoolOp(_)) => None,
                    (Some(guard), [clause], _) if clause.test.is_none() => Some(BranchGuard {
                        equal: !guard.equal,
                        ..guard.clone()
                    }),
                    _ => None,
                };
                let defined_after = self.facts.defines.len();
                for definition in &mut self.facts.defines[defined_before..body_end] {
                    if only_if_missing.contains(&definition.name) {
                        definition.restores = true;
                    }
                    if definition.guard.is_none() {
                        definition.guard.clone_from(&guard);
                    }
                }
                for definition in &mut self.facts.defines[body_end..defined_after] {
                    if definition.guard.is_none() {
                        definition.guard.clone_from(&else_guard);
                    }
                }
                let used_after = self.facts.uses.len();
                for (at, use_) in self.facts.uses[used_before..used_after]
                    .iter_mut()
                    .enumerate()
                {
                    if use_.guard.is_none() {
                        use_.guard.clone_from(if used_before + at < uses_end {
                            &guard
                        } else {
                            &else_guard
                        });
                    }
                }
                let changed_after = self.facts.mutations.len();
                for (at, mutation) in self.facts.mutations[changed_before..changed_after]
                    .iter_mut()
                    .enumerate()
                {
                    if mutation.guard.is_none() {
                        mutation
                            .guard
                            .clone_from(if changed_before + at < changes_end {
                                &guard
                            } else {
                                &else_guard
                            });
                    }
                }
                // `if "__file__" not in globals(): raise ..`: below, in the same block, the
                // name is read only where it exists.
                if matches!(if_.body.last(), Some(Stmt::Raise(_) | Stmt::Return(_))) {
                    self.guarded_names.extend(missing_name_guards(&if_.test));
                }
            }
            Stmt::While(while_) => {
                self.visit_expr(&while_.test);
                let never = never_true(&while_.test);
                self.block(|analyzer| {
                    if !never {
                        analyzer.loop_body(&while_.body, |analyzer| {
                            analyzer.visit_body(&while_.body);
                        });
                    }
                    analyzer.visit_body(&while_.orelse);
                });
            }
            Stmt::Match(match_) => {
                self.visit_expr(&match_.subject);
                self.block(|analyzer| {
                    for case in &match_.cases {
                        analyzer.visit_match_case(case);
                    }
                });
            }
            Stmt::Try(try_) => self.block(|analyzer| analyzer.try_statement(try_)),
            Stmt::TypeAlias(alias) => {
                if let Expr::Name(name) = &*alias.name {
                    self.bind(name.id.as_str(), name.range(), DefinitionKind::Type);
                }
                // The value is evaluated lazily, like a function body.
                let locals = type_parameter_names(alias.type_params.as_deref());
                self.enter_function(locals, HashSet::new());
                self.visit_expr(&alias.value);
                self.leave_function();
            }
            Stmt::For(for_) => {
                if for_.is_async && self.function_depth == 0 {
                    self.facts.uses_await = true;
                }
                self.visit_expr(&for_.iter);
                let top_level = self.block_depth == 0 && self.function_depth == 0;
                let fills = if top_level {
                    loops::fills(for_, self.source, self.offset)
                } else {
                    HashMap::new()
                };
                let saved_fills = std::mem::replace(&mut self.loop_fills, fills);
                self.block(|analyzer| {
                    let defined = analyzer.facts.defines.len();
                    analyzer.visit_expr(&for_.target);
                    let mut over_a_display = false;
                    // The loop leaves its target holding the iterable's last element; one
                    // nested in a module-level block too, when it runs (`for m in ms:` then
                    // `for ifo in ["L1", "H1"]:` leaves `ifo` at `"H1"` or as it was).
                    if analyzer.function_depth == 0
                        && let Some((text, reads)) =
                            loops::last_of_a_display(for_, analyzer.source, analyzer.offset)
                        && let Some(definition) = analyzer.facts.defines.get_mut(defined)
                    {
                        definition.value = Some(BoundValue {
                            text,
                            reads,
                            changed: false,
                        });
                        over_a_display = true;
                    } else if top_level
                        && let Some((text, reads, walks)) =
                            loops::last_element(for_, analyzer.source, analyzer.offset)
                    {
                        let places = analyzer.facts.defines.len() - defined;
                        for (place, definition) in
                            analyzer.facts.defines[defined..].iter_mut().enumerate()
                        {
                            definition.value = Some(BoundValue {
                                text: format!("{text}#{place}/{places}"),
                                reads: reads.clone(),
                                changed: false,
                            });
                            definition.walks.clone_from(&walks);
                        }
                    }
                    let (body_defined, body_changed) =
                        (analyzer.facts.defines.len(), analyzer.facts.mutations.len());
                    analyzer.loop_body(&for_.body, |analyzer| analyzer.visit_body(&for_.body));
                    if top_level && over_a_display {
                        analyzer.bound_on_every_pass(
                            &for_.body,
                            defined..body_defined,
                            body_defined,
                            body_changed,
                        );
                    }
                    analyzer.visit_body(&for_.orelse);
                });
                self.loop_fills = saved_fills;
            }
            Stmt::With(with) => {
                if with.is_async && self.function_depth == 0 {
                    self.facts.uses_await = true;
                }
                // `with open(path, "wb") as f:`: `pickle.dump(model, f)` in the body writes
                // to `path`.
                let mut handles = Vec::new();
                if self.function_depth == 0 {
                    for item in &with.items {
                        if let Some(Expr::Name(handle)) = item.optional_vars.as_deref()
                            && let Some((path, path_reads)) =
                                round_trips::opened_path(&item.context_expr)
                                    .and_then(|path| self.file_path(path))
                        {
                            let name = handle.id.as_str().to_owned();
                            let opened = OpenedFile {
                                path,
                                path_reads,
                                reading: round_trips::opened_for_reading(&item.context_expr),
                                first_read: None,
                            };
                            let outer = self.file_handles.insert(name.clone(), opened);
                            handles.push((name, outer));
                        }
                    }
                }
                // A body whose context swallows its exceptions (`with suppress(KeyError):`,
                // `with pytest.raises(..):`) may stop anywhere: a block like any other.
                let runs_once = !with
                    .items
                    .iter()
                    .any(|item| swallows_exceptions(&item.context_expr));
                // `with model:`: the value is its own context manager.
                let contexts: Vec<String> = with
                    .items
                    .iter()
                    .filter_map(|item| match &item.context_expr {
                        Expr::Name(name) => Some(name.id.as_str().to_owned()),
                        _ => None,
                    })
                    .collect();
                let outer_contexts = self.own_contexts.len();
                self.own_contexts.extend(contexts);
                self.block(|analyzer| {
                    analyzer.with_depth += usize::from(runs_once);
                    visitor::walk_stmt(analyzer, statement);
                    analyzer.with_depth -= usize::from(runs_once);
                });
                self.own_contexts.truncate(outer_contexts);
                for (name, outer) in handles.into_iter().rev() {
                    match outer {
                        Some(outer) => self.file_handles.insert(name, outer),
                        None => self.file_handles.remove(&name),
                    };
                }
            }
            Stmt::IpyEscapeCommand(command) => self.escape_command(command.kind, command.range),
            // A bare `pwd` or `whos` runs the automagic unless a variable has the name: the
            // read shows a definition is used, but a missing one is no error. So does `pwd()`,
            // which IPython runs as `%pwd ()`.
            Stmt::Expr(expression)
                if self.function_depth == 0
                    && let Some(name) = bare_automagic(&expression.value)
                    && magics::BARE_AUTOMAGICS.contains(&name) =>
            {
                self.optional_depth += 1;
                self.visit_expr(&expression.value);
                self.optional_depth -= 1;
            }
            // `learn.load("weights")` after `learn = make_learner(..)`: a method nblint does
            // not know may change the value, so for NB205 the call becomes part of it (the
            // same call in both cells leaves the same value; another call, another value),
            // or, when its arguments are not repeatable, the value is not compared at all.
            // NB206 still wants evidence of a change: this is none.
            Stmt::Expr(expression) if self.block_depth == 0 && self.function_depth == 0 => {
                let uses_before = self.facts.uses.len();
                // A bare `model`: the cell shows the value, which for an estimator is its
                // settings (see `NameUse::settings_only`).
                let shown = matches!(&*expression.value, Expr::Name(_))
                    .then(|| self.span(expression.value.range()));
                let outer = std::mem::replace(&mut self.settings_reads, Vec::from_iter(shown));
                visitor::walk_stmt(self, statement);
                self.settings_reads = outer;
                // A cell of one line `timeit("np.add(a, b)", globals())`: IPython's automagic
                // runs it as `%timeit (..)` unless a variable has the name, so the read of
                // the name is a use where the notebook binds it and no error where not.
                if let Expr::Call(call) = &*expression.value
                    && let Expr::Name(callee) = &*call.func
                    && magics::is_line_magic(callee.id.as_str())
                    && magics::is_one_line(self.source)
                {
                    let at = self.span(callee.range());
                    for use_ in &mut self.facts.uses[uses_before..] {
                        if use_.span == at {
                            use_.optional = true;
                        }
                    }
                }
                // `df.sort_values("a", inplace=True)`: made again on its own result, the
                // same change (NB205 lets a cell read its value so before binding it again).
                if let Expr::Call(call) = &*expression.value
                    && let Expr::Attribute(method) = &*call.func
                    && let Some(receiver) = idempotent::reapplied_in_place(call)
                {
                    let at = self.span(method.value.range());
                    for use_ in &mut self.facts.uses[uses_before..] {
                        if use_.name == receiver && use_.span == at {
                            use_.reapplied_in_place = true;
                        }
                    }
                }
                if let Expr::Call(call) = &*expression.value
                    && callee_name(&call.func) == Some("init_session")
                    && !self.transient
                {
                    self.sympy_session(call.range());
                }
                // `np.random.shuffle(order)`: a random call given a value this cell bound
                // changes it in a way no second run repeats.
                if let Expr::Call(call) = &*expression.value
                    && self.switched_off == 0
                {
                    for name in randomly_changed(call) {
                        if let Some(&Some(index)) = self.bound.get(name)
                            && let Some(value) = self
                                .facts
                                .defines
                                .get_mut(index)
                                .and_then(|definition| definition.value.as_mut())
                        {
                            value.changed = true;
                        }
                    }
                }
                // A plain change (`rows.append(3)`, `df.set_index("d", inplace=True)`) is part
                // of the value already.
                if let Expr::Call(call) = &*expression.value
                    && self.switched_off == 0
                    && let Some(receiver) = changed_receiver(call)
                    && self
                        .plain_change
                        .as_ref()
                        .is_none_or(|change| change.name != receiver)
                    && self.resolve(receiver) == Resolution::Module
                    && let Some(&Some(index)) = self.bound.get(receiver)
                    // `a = 'a long time'`, then `a.replace('a', '@')`: a literal cannot change.
                    && self
                        .facts
                        .defines
                        .get(index)
                        .is_some_and(|definition| definition.mutable)
                {
                    let mut reads = Vec::new();
                    let repeats = repeatable(&expression.value, &mut reads, 16);
                    let text = without_spacing(self.text(span));
                    self.changed_in_place(index, receiver);
                    if let Some(value) = self
                        .facts
                        .defines
                        .get_mut(index)
                        .and_then(|definition| definition.value.as_mut())
                        .filter(|value| !handles::is_handle(value))
                    {
                        if repeats && !value.changed {
                            value.text.push('|');
                            value.text.push_str(&text);
                            reads.retain(|read| read != receiver);
                            value.reads.extend(reads);
                            value.reads.sort_unstable();
                            value.reads.dedup();
                        } else {
                            value.changed = true;
                        }
                    }
                }
            }
            // The same calls in a top-level block (`for f in features:
            // loans.remove_column(f)`): NB205 does not write a block's calls into the value,
            // so a value one may change is not compared.
            Stmt::Expr(expression) if self.function_depth == 0 => {
                visitor::walk_stmt(self, statement);
                if let Expr::Call(call) = &*expression.value
                    && self.switched_off == 0
                {
                    let changed = randomly_changed(call).chain(changed_receiver(call));
                    for name in changed {
                        if self.resolve(name) == Resolution::Module
                            && let Some(&Some(index)) = self.bound.get(name)
                            && self
                                .facts
                                .defines
                                .get(index)
                                .is_some_and(|definition| definition.mutable)
                        {
                            self.changed_in_place(index, name);
                            if let Some(value) = self.facts.defines[index].value.as_mut()
                                && !handles::is_handle(value)
                            {
                                value.changed = true;
                            }
                        }
                    }
                }
            }
            Stmt::Assign(assignment) => {
                let defined = self.facts.defines.len();
                let saved_call = self.assigned_call.take();
                if let Expr::Call(call) = &*assignment.value {
                    self.assigned_call = Some(call.range());
                }
                visitor::walk_stmt(self, statement);
                self.assigned_call = saved_call;
                // `KEY = ""`: an `if KEY:` below in the cell is decided.
                if let [Expr::Name(target)] = assignment.targets.as_slice()
                    && self.block_depth == 0
                    && self.function_depth == 0
                    && is_constant(&assignment.value)
                    && let Some(text) = self.source_of(assignment.value.range())
                {
                    self.cell_literals
                        .insert(target.id.as_str().to_owned(), without_spacing(text));
                }
                // `optimizer = None  # your code here`, `name = "x"`: nothing changes such a
                // value in place, so no later `optimizer.zero_grad()` changes what it left.
                if assignment.targets.iter().all(Expr::is_name_expr)
                    && is_constant(&assignment.value)
                {
                    for definition in &mut self.facts.defines[defined..] {
                        definition.mutable = false;
                    }
                }
                // `seen = set()`: the evidence `set.add` needs (see `CONTAINER_METHODS`).
                if let [Expr::Name(_)] = assignment.targets.as_slice()
                    && self.facts.defines.len() == defined + 1
                {
                    let container = self.container_of(&assignment.value);
                    self.facts.defines[defined].container = container;
                    self.facts.defines[defined].held_keys = held_keys(&assignment.value);
                    if matches!(&*assignment.value, Expr::Call(call)
                        if seeded_with_a_constant(call) || deterministic_estimator(call))
                    {
                        self.seeded.insert(defined);
                    }
                }
                if let [Expr::Name(target)] = assignment.targets.as_slice()
                    && self.facts.defines.len() == defined + 1
                    && self.block_depth == self.with_depth
                    && self.function_depth == 0
                {
                    self.note_backup(target.id.as_str(), &assignment.value, defined);
                    if let Some(entries) = record_entries(&assignment.value) {
                        self.records.insert(defined, entries);
                    }
                }
                if let [Expr::Name(target)] = assignment.targets.as_slice()
                    && self.facts.defines.len() == defined + 1
                    && self.block_depth == self.with_depth
                    && self.function_depth == 0
                    && !self.transient
                {
                    self.note_load(target.id.as_str(), &assignment.value, defined);
                    // `predictor = TabularPredictor(path=p).fit(train)` saves what it binds.
                    if let Some(place) = round_trips::saved_as_fitted(&assignment.value)
                        && let Some((path, path_reads)) = self.file_path(place)
                    {
                        self.facts.saves.push(FileSave {
                            name: target.id.as_str().to_owned(),
                            path,
                            path_reads,
                            span: self.span(assignment.value.range()),
                            as_array: false,
                        });
                    }
                }
                // `n_epochs = 5`, `df = pd.read_csv(path)`, `a, b = x[0], x[1]`: a value NB205
                // can compare. Each name of a flat tuple target gets the value with its place
                // (`...#0`, `...#1`).
                // Nested unpacking too: `(x_train, y_train), (x_test, y_test) = load()`.
                // A chained `beta = alpha = 1` gives each name the value.
                let names = match assignment.targets.as_slice() {
                    targets if targets.iter().all(Expr::is_name_expr) => Some(None),
                    [target @ (Expr::Tuple(_) | Expr::List(_))] => names_unpacked(target).map(Some),
                    _ => None,
                };
                let bound = self.facts.defines.len() - defined;
                // `bs, epochs, lr = 128, 10, 0.003`: each name gets its own element, so
                // `epochs = 10` in another cell is the same value.
                let pairs = match (assignment.targets.as_slice(), &*assignment.value) {
                    ([Expr::Tuple(target)], Expr::Tuple(value))
                        if target.elts.iter().all(Expr::is_name_expr)
                            && target.elts.len() == value.elts.len()
                            && bound == value.elts.len() =>
                    {
                        Some(&value.elts)
                    }
                    _ => None,
                };
                if let Some(elements) = pairs {
                    for (place, element) in elements.iter().enumerate() {
                        let operation = self.idempotent_operation(
                            element,
                            &self.facts.defines[defined + place].name,
                        );
                        let definition = &mut self.facts.defines[defined + place];
                        definition.idempotent = operation;
                        if let Some(value) = self.repeatable_value(element) {
                            self.facts.defines[defined + place].value = Some(value);
                        }
                    }
                } else if let Some(places) = names
                    && bound == places.unwrap_or(assignment.targets.len())
                    && let Some(BoundValue { text, reads, .. }) =
                        self.repeatable_value(&assignment.value)
                {
                    for place in 0..bound {
                        self.facts.defines[defined + place].value = Some(BoundValue {
                            text: match places {
                                None => text.clone(),
                                // The target's shape too: `a, *_ = v` and `*_, a = v`
                                // give `a` different parts.
                                Some(_) => format!(
                                    "{text}#{place}{}",
                                    assignment
                                        .targets
                                        .first()
                                        .map(target_shape)
                                        .unwrap_or_default()
                                ),
                            },
                            reads: reads.clone(),
                            changed: false,
                        });
                    }
                }
                // `X = X.reshape(s)`: an operation that gives its result back when applied
                // again (NB205 compares it with the one an earlier cell applied).
                if let [Expr::Name(target)] = assignment.targets.as_slice()
                    && bound == 1
                {
                    self.facts.defines[defined].idempotent =
                        self.idempotent_operation(&assignment.value, target.id.as_str());
                }
                // `x, nu, t = sympy.symbols("x nu t")`, `q0, q1 = cirq.LineQubit.range(2)`:
                // each name gets its element, spelled one way (`x = symbols("x")` binds the
                // same `x`).
                let flat_names = match assignment.targets.as_slice() {
                    [Expr::Name(_)] => Some(1),
                    [
                        Expr::Tuple(ast::ExprTuple { elts, .. })
                        | Expr::List(ast::ExprList { elts, .. }),
                    ] if elts.iter().all(Expr::is_name_expr) => Some(elts.len()),
                    _ => None,
                };
                if let Some(count) = flat_names
                    && bound == count
                    && let Some(elements) = elements::known_elements(&assignment.value)
                    && elements.len() == count
                {
                    for (place, text) in elements.into_iter().enumerate() {
                        self.facts.defines[defined + place].value = Some(BoundValue {
                            text,
                            reads: Vec::new(),
                            changed: false,
                        });
                    }
                }
            }
            _ => visitor::walk_stmt(self, statement),
        }
        self.statement_depth -= 1;
        self.statement = saved;
        self.plain_change = saved_change;
    }

    /// Names a library evaluates from a string argument, read as optional uses (they keep
    /// NB207 quiet, never make NB202 fire): `@name` in pandas' `df.query("x > @mu")` and
    /// `df.eval(..)`, every word of DuckDB's `duckdb.sql("SELECT * FROM df")` (a table name
    /// may be a frame's variable), and functions called in a statsmodels / patsy formula
    /// (`smf.ols("y ~ log1p(x)", data)`; plain names there are columns) or in plotnine's
    /// `after_stat("share(count)")`, `after_scale(..)` and `stage(..)`, and the functions the
    /// statement `timeit.timeit(..)` or `Timer(..)` runs calls.
    fn names_in_evaluated_string(&mut self, call: &ast::ExprCall) {
        let called = match &*call.func {
            Expr::Attribute(attribute) => attribute.attr.id.as_str(),
            Expr::Name(name) => name.id.as_str(),
            _ => return,
        };
        // DuckDB's replacement scans: `duckdb.sql("SELECT * FROM df")` reads the frame `df`.
        let sql = dotted(&call.func).is_some_and(|callee| {
            callee
                .strip_prefix("duckdb.")
                .is_some_and(|function| matches!(function, "sql" | "query" | "execute"))
        });
        let query =
            !sql && matches!(called, "query" | "eval") && matches!(&*call.func, Expr::Attribute(_));
        // plotnine evaluates `after_stat("prop(x, count) * 100")`, `after_scale(..)` and
        // `stage(..)` in the notebook's namespace, as a formula's calls are.
        let formula = FORMULA_FUNCTIONS.contains(&called)
            || matches!(called, "after_stat" | "after_scale" | "stage");
        // `timeit.timeit("train(model, loader)", setup=..)` runs its statement in the
        // notebook's namespace (with `from __main__ import train`, or `globals=`): the
        // functions it calls, not a method after a dot.
        let statement = matches!(called, "timeit" | "Timer");
        if !(sql || query || formula || statement) {
            return;
        }
        let argument = first_argument(call, &["formula", "expr", "stmt"]);
        // A plain string, or an f-string with nothing to fill in (`f'train(model)'`).
        let (content, value) = match argument {
            Some(Expr::StringLiteral(string)) => {
                let Some(literal) = string.as_single_part_string() else {
                    return;
                };
                (literal.content_range(), literal.as_str())
            }
            Some(Expr::FString(string)) => {
                let mut elements = string.value.elements();
                let (Some(ast::InterpolatedStringElement::Literal(literal)), None) =
                    (elements.next(), elements.next())
                else {
                    return;
                };
                (literal.range(), &*literal.value)
            }
            _ => return,
        };
        let content = self.span(content);
        let text = self.text(content).to_owned();
        if text != value {
            return;
        }
        let bytes = text.as_bytes();
        let mut names = Vec::new();
        let mut at = 0;
        while at < bytes.len() {
            let starts_word = (bytes[at].is_ascii_alphabetic() || bytes[at] == b'_')
                && (at == 0 || !(bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_'));
            if !starts_word {
                at += 1;
                continue;
            }
            let end = bytes[at..]
                .iter()
                .position(|&byte| !(byte.is_ascii_alphanumeric() || byte == b'_'))
                .map_or(bytes.len(), |length| at + length);
            let wanted = if sql {
                true
            } else if statement {
                // Calls only: the setup string may bind the other names (`x=randn(8)`).
                (at == 0 || bytes[at - 1] != b'.') && text[end..].trim_start().starts_with('(')
            } else if query {
                at > 0 && bytes[at - 1] == b'@'
            } else {
                text[end..].trim_start().starts_with('(')
            };
            if wanted {
                names.push((at, end));
            }
            at = end;
        }
        self.optional_depth += 1;
        for (start, end) in names {
            let range = text_range(
                (content.start + start).saturating_sub(self.offset),
                end - start,
            );
            self.read(&text[start..end], range);
        }
        self.optional_depth -= 1;
    }

    /// Whether `namespace` is a call that returns the module namespace here: `globals()`
    /// anywhere, `vars()` and `locals()` at module level.
    fn writes_namespace(&self, namespace: &Expr) -> bool {
        matches!(namespace, Expr::Call(call) if self.is_namespace_call(call))
    }

    /// Whether `call` returns the module namespace here (see [`Self::writes_namespace`]).
    fn is_namespace_call(&self, call: &ast::ExprCall) -> bool {
        let Expr::Name(function) = &*call.func else {
            return false;
        };
        if !call.arguments.is_empty() {
            return false;
        }
        match function.id.as_str() {
            "globals" => self.resolve("globals") != Resolution::Local,
            "vars" | "locals" => self.innermost() == ScopeKind::Module,
            _ => false,
        }
    }

    /// Whether `call` binds module names no one can list: `exec(..)` at module level or with
    /// `globals()`, `globals().update(..)` (and `setdefault`, `__setitem__`), and the same
    /// through a module-level `vars()` or `locals()`.
    fn binds_through_call(&self, call: &ast::ExprCall) -> bool {
        match &*call.func {
            Expr::Name(function) if function.id.as_str() == "exec" => {
                self.function_depth == 0
                    || call
                        .arguments
                        .args
                        .iter()
                        .any(|argument| self.writes_namespace(argument))
            }
            Expr::Attribute(attribute) => {
                matches!(
                    attribute.attr.id.as_str(),
                    "update" | "setdefault" | "__setitem__"
                ) && self.writes_namespace(&attribute.value)
            }
            _ => false,
        }
    }

    /// Whether `call` may read module names chosen when it runs: `eval(..)`, `exec(..)`, or
    /// the namespace itself (`globals()`, a module-level `vars()` or `locals()`).
    fn reads_through_call(&self, call: &ast::ExprCall) -> bool {
        let Expr::Name(function) = &*call.func else {
            return false;
        };
        match function.id.as_str() {
            "eval" | "exec" => self.resolve(function.id.as_str()) != Resolution::Local,
            _ => !self.writing_namespace && self.is_namespace_call(call),
        }
    }

    /// Notes that the statements of `body` are being walked, for [`NameUse::suite_end`]; what
    /// it gives back goes to [`Self::leave_suite`] after them.
    fn enter_suite(&mut self, body: &[Stmt]) -> bool {
        let end = body.last().map(|last| self.span(last.range()).end);
        self.suite_ends.extend(end);
        end.is_some()
    }

    fn leave_suite(&mut self, entered: bool) {
        if entered {
            self.suite_ends.pop();
        }
    }

    /// Walks a block that may not run, or not to its end.
    fn block(&mut self, walk: impl FnOnce(&mut Self)) {
        self.block_depth += 1;
        walk(self);
        self.block_depth -= 1;
    }

    fn try_statement(&mut self, try_: &ast::StmtTry) {
        let first = self.facts.defines.len();
        // `try: del net` / `except NameError: pass`: delete the old value if there is one.
        let missing_name_caught = try_.handlers.iter().any(catches_name_error);
        // `try: registry.unregister(Job)` / `except: pass` at the top level, then `class
        // Job: ..`: a clean-up for a second run, which finds nothing to read on the first.
        // Reads of names the cell binds need not find them (a name bound nowhere, a typo,
        // is still undefined).
        let guards = self.guarded_names.len();
        if missing_name_caught && self.function_depth == 0 {
            let mut bound: Vec<String> = self.cell_bound.iter().cloned().collect();
            bound.sort_unstable();
            self.guarded_names.extend(bound);
        }
        // `try: here = Path(__file__).parent` / `except NameError: here = Path.cwd()`: a
        // probe for a name that may be missing, which an `except` naming `NameError` itself
        // (not a bare `except:` that may hide a typo) expects.
        let probe = try_.handlers.iter().any(names_name_error);
        let (uses_before, later_before) = (self.facts.uses.len(), self.later_uses.len());
        let probing = usize::from(probe || missing_name_caught);
        self.try_probe_depth += probing;
        let suite = self.enter_suite(&try_.body);
        for statement in &try_.body {
            let guarded = probe || (missing_name_caught && matches!(statement, Stmt::Delete(_)));
            self.optional_depth += usize::from(guarded);
            self.visit_stmt(statement);
            self.optional_depth -= usize::from(guarded);
            if self.function_depth > 0 && ends_the_block(statement) {
                break;
            }
        }
        self.leave_suite(suite);
        self.try_probe_depth -= probing;
        self.guarded_names.truncate(guards);
        // `try: import x` / `except ImportError:` checks that `x` is installed (and installs
        // or replaces it if not): the import does its job by running.
        if try_.handlers.iter().any(catches_import_error) {
            for definition in &mut self.facts.defines[first..] {
                if definition.kind == DefinitionKind::Import {
                    definition.probe |= !definition.used_in_cell;
                    definition.used_in_cell = true;
                }
            }
        }
        let probed: HashSet<String> = if probe {
            self.facts.uses[uses_before..]
                .iter()
                .chain(&self.later_uses[later_before..])
                .map(|use_| use_.name.clone())
                .collect()
        } else {
            HashSet::new()
        };
        let handlers_defined = self.facts.defines.len();
        for handler in &try_.handlers {
            let ast::ExceptHandler::ExceptHandler(handler) = handler;
            self.except_handler(handler);
        }
        // `try: answer` / `except NameError: answer = "Select"` binds `answer` only where it
        // is missing: it never replaces a value another cell bound.
        for definition in &mut self.facts.defines[handlers_defined..] {
            if probed.contains(&definition.name) {
                definition.restores = true;
            }
        }
        for block in [&try_.orelse, &try_.finalbody] {
            let suite = self.enter_suite(block);
            for statement in block {
                self.visit_stmt(statement);
                if self.function_depth > 0 && ends_the_block(statement) {
                    break;
                }
            }
            self.leave_suite(suite);
        }
    }

    /// Whether the statement being walked stands on its own at the top of the cell (not in a
    /// block, a function, a cell magic's body or a magic's code), where a fix may remove it.
    fn at_top(&self) -> bool {
        self.statement_depth == 1
            && self.function_depth == 0
            && self.offset == 0
            && !self.transient
            && !self.cell_magic
    }

    /// Records `statement` as environment setup when it changes what a later import finds or
    /// does (see [`CellFacts::environment`]).
    fn note_environment(&mut self, statement: &Stmt) {
        if self.function_depth > 0 || self.transient {
            return;
        }
        let sets = match statement {
            Stmt::Assign(assignment) => assignment.targets.iter().any(is_environment_place),
            Stmt::AugAssign(assignment) => is_environment_place(&assignment.target),
            Stmt::AnnAssign(assignment) => is_environment_place(&assignment.target),
            Stmt::Delete(delete) => delete.targets.iter().any(is_environment_place),
            _ => false,
        };
        if sets {
            let span = self.statement;
            self.facts.environment.push(span);
        }
    }

    fn expression(&mut self, expression: &Expr) {
        self.note_item_reads(expression);
        // `cfg.__dict__.update(..)`, `vars(cfg)[key] = ..`: attributes set by names chosen
        // when the cell runs.
        if let Expr::Attribute(attribute) = expression
            && attribute.attr.id.as_str() == "__dict__"
        {
            self.note_stored_attribute("*".to_owned());
        }
        match expression {
            Expr::Name(name) => match name.ctx {
                ExprContext::Load => self.read(name.id.as_str(), name.range()),
                ExprContext::Store => {
                    self.bind(name.id.as_str(), name.range(), DefinitionKind::Variable);
                }
                ExprContext::Del => self.unbind(name.id.as_str(), name.range()),
                ExprContext::Invalid => {}
            },
            Expr::Attribute(ast::ExprAttribute { ctx, .. })
            | Expr::Subscript(ast::ExprSubscript { ctx, .. })
                if matches!(ctx, ExprContext::Store | ExprContext::Del) =>
            {
                if let Expr::Attribute(attribute) = expression {
                    self.note_stored_attribute(attribute.attr.id.as_str().to_owned());
                }
                if let Some(root) = root_name(expression) {
                    let noted = self.facts.mutations.len();
                    self.note_mutation(root, MutationKind::Assign, self.statement, None);
                    self.note_item_store(expression, noted);
                    self.note_changed_items(expression, noted);
                }
                // `globals()[name] = value` binds a name no one can list.
                let writes = matches!(expression, Expr::Subscript(subscript)
                    if self.writes_namespace(&subscript.value));
                if writes {
                    self.facts.binds_unknown_names = true;
                    self.note_unknown_code(self.statement);
                }
                let saved = std::mem::replace(&mut self.writing_namespace, writes);
                self.place_parts(expression);
                self.writing_namespace = saved;
            }
            Expr::StringLiteral(string) if self.annotation_depth > 0 => {
                self.string_annotation(string);
            }
            // `"__main__.Slack:"` in a workflow's YAML (txtai): a library imports the class
            // from the notebook's namespace by that path.
            Expr::StringLiteral(string) if string.value.to_str().contains("__main__.") => {
                self.main_module_paths(string);
            }
            // `Literal["a", "b"]` holds values, not forward references.
            Expr::Subscript(subscript)
                if self.annotation_depth > 0
                    && dotted(&subscript.value)
                        .is_some_and(|path| path == "Literal" || path.ends_with(".Literal")) =>
            {
                self.visit_expr(&subscript.value);
            }
            // `('rw' not in locals()) or len(rw) != n`, `'rw' in locals() and len(rw)`: the
            // operands after the check run only where the name exists.
            Expr::BoolOp(operation) => {
                let guards = self.guarded_names.len();
                for value in &operation.values {
                    self.visit_expr(value);
                    let checked = match operation.op {
                        ast::BoolOp::Or => namespace_check(value, ast::CmpOp::NotIn),
                        ast::BoolOp::And => namespace_guard(value),
                    };
                    self.guarded_names.extend(checked);
                }
                self.guarded_names.truncate(guards);
            }
            Expr::Named(named) => {
                self.visit_expr(&named.value);
                if let Expr::Name(target) = &*named.target {
                    self.bind_walrus(target.id.as_str(), target.range());
                }
            }
            Expr::Lambda(lambda) => self.lambda(lambda),
            Expr::ListComp(comprehension) => {
                self.comprehension(&comprehension.generators, &[&comprehension.elt]);
            }
            Expr::SetComp(comprehension) => {
                self.comprehension(&comprehension.generators, &[&comprehension.elt]);
            }
            Expr::Generator(generator) => {
                self.comprehension(&generator.generators, &[&generator.elt]);
            }
            Expr::DictComp(comprehension) => {
                let mut elements = Vec::with_capacity(2);
                if let Some(key) = &comprehension.key {
                    elements.push(&**key);
                }
                elements.push(&*comprehension.value);
                self.comprehension(&comprehension.generators, &elements);
            }
            Expr::Call(call) => {
                self.method_call_mutation(call);
                // `res = build(items)` after `def build(..)` in the same cell: no use (the
                // cell bound the name), but a call NB205's callers check needs to see.
                if self.function_depth == 0
                    && !self.transient
                    && let Expr::Name(function) = &*call.func
                    && let Some(&Some(index)) = self.bound.get(function.id.as_str())
                    && self.facts.defines.get(index).is_some_and(|definition| {
                        matches!(
                            definition.kind,
                            DefinitionKind::Function | DefinitionKind::Type
                        )
                    })
                {
                    let at = self.span(function.range()).start;
                    self.facts
                        .local_calls
                        .push((function.id.as_str().to_owned(), at));
                }
                if self.binds_through_call(call) {
                    self.facts.binds_unknown_names = true;
                    self.note_unknown_code(self.span(call.range()));
                }
                if self.reads_through_call(call) {
                    self.facts.reads_unknown_names = true;
                }
                if dotted(&call.func).is_some_and(|callee| loads_pickled_objects(&callee)) {
                    self.facts.loads_pickled_objects = true;
                }
                if self.function_depth == 0 && !self.transient && is_environment_call(call) {
                    let span = self.statement;
                    self.facts.environment.push(span);
                }
                // In `globals().update(..)` the namespace is written, not read.
                let writes =
                    matches!(&*call.func, Expr::Attribute(_)) && self.binds_through_call(call);
                let saved = std::mem::replace(&mut self.writing_namespace, writes);
                self.note_call(call);
                let callee =
                    matches!(&*call.func, Expr::Name(_)).then(|| self.span(call.func.range()));
                let settings = settings_reads(call)
                    .into_iter()
                    .map(|read| self.span(read.range()))
                    .collect();
                let outer_settings = std::mem::replace(&mut self.settings_reads, settings);
                let outer = std::mem::replace(&mut self.callee, callee);
                self.visit_expr(&call.func);
                self.callee = outer;
                self.writing_namespace = saved;
                self.visit_arguments(&call.arguments);
                self.settings_reads = outer_settings;
                self.names_in_evaluated_string(call);
                // `fn.run(handler="train_model")`, `graph.to(handler="resize")` (mlrun): the
                // function is named in a string and called by the library.
                for keyword in &call.arguments.keywords {
                    if keyword
                        .arg
                        .as_ref()
                        .is_some_and(|name| name.as_str() == "handler")
                        && let Expr::StringLiteral(literal) = &keyword.value
                        && magics::is_identifier(literal.value.to_str())
                    {
                        self.optional_depth += 1;
                        self.read(literal.value.to_str(), literal.range());
                        self.optional_depth -= 1;
                    }
                }
                if self.function_depth == 0 {
                    for (name, range) in symbols_injected(call) {
                        let defined = self.facts.defines.len();
                        self.bind(&name, range, DefinitionKind::Variable);
                        // The same symbol whichever cell made it: the same value for NB205.
                        if let Some(definition) = self.facts.defines.get_mut(defined) {
                            definition.value = Some(BoundValue {
                                text: format!("Symbol('{name}')"),
                                reads: Vec::new(),
                                changed: false,
                            });
                        }
                    }
                }
            }
            Expr::Await(_) => {
                if self.function_depth == 0 {
                    self.facts.uses_await = true;
                }
                visitor::walk_expr(self, expression);
            }
            Expr::IpyEscapeCommand(command) => self.escape_command(command.kind, command.range),
            Expr::Attribute(attribute) if matches!(&*attribute.value, Expr::Call(_)) => {
                self.used_calls.insert(attribute.value.range());
                visitor::walk_expr(self, expression);
            }
            _ => visitor::walk_expr(self, expression),
        }
    }
}

impl<'ast> Visitor<'ast> for Analyzer<'_> {
    fn visit_stmt(&mut self, statement: &'ast Stmt) {
        self.deeper(statement.range(), |analyzer| analyzer.statement(statement));
    }

    /// In a function body, the statements after a `return`, `raise`, `break` or `continue`
    /// of the same block never run (`def submit(): raise Exception("old")` then code reading
    /// `__file__`): like code under `if False:`, they bind and read nothing.
    fn visit_body(&mut self, body: &'ast [Stmt]) {
        let guards = self.guarded_names.len();
        let suite = self.enter_suite(body);
        for statement in body {
            self.visit_stmt(statement);
            if self.function_depth > 0 && ends_the_block(statement) {
                break;
            }
        }
        self.leave_suite(suite);
        self.guarded_names.truncate(guards);
    }

    fn visit_expr(&mut self, expression: &'ast Expr) {
        self.deeper(expression.range(), |analyzer| {
            analyzer.expression(expression);
        });
    }

    fn visit_pattern(&mut self, pattern: &'ast Pattern) {
        self.deeper(pattern.range(), |analyzer| {
            visitor::walk_pattern(analyzer, pattern);
            match pattern {
                Pattern::MatchAs(ast::PatternMatchAs {
                    name: Some(name), ..
                })
                | Pattern::MatchStar(ast::PatternMatchStar {
                    name: Some(name), ..
                })
                | Pattern::MatchMapping(ast::PatternMatchMapping {
                    rest: Some(name), ..
                }) => analyzer.bind(name.id.as_str(), name.range(), DefinitionKind::Variable),
                _ => {}
            }
        });
    }

    fn visit_except_handler(&mut self, handler: &'ast ast::ExceptHandler) {
        let ast::ExceptHandler::ExceptHandler(handler) = handler;
        self.except_handler(handler);
    }
}

/// Drops a syntax tree that was not walked: its depth is measured first (see
/// [`Analyzer::dispose`]).
fn dispose_unwalked(parsed: ruff_python_parser::Parsed<Mod>) {
    let mut probe = DepthProbe::default();
    match parsed.syntax() {
        Mod::Module(module) => {
            for statement in &module.body {
                probe.visit_stmt(statement);
            }
        }
        Mod::Expression(expression) => probe.visit_expr(&expression.body),
    }
    if probe.exceeded {
        std::mem::forget(parsed);
    } else {
        stacker::grow(
            probe.max_depth * DROP_STACK_PER_LEVEL + STACK_SEGMENT,
            move || drop(parsed),
        );
    }
}

/// Measures a syntax tree's depth, up to [`MAX_TREE_DEPTH`].
#[derive(Default)]
struct DepthProbe {
    depth: usize,
    max_depth: usize,
    exceeded: bool,
}

impl DepthProbe {
    fn deeper(&mut self, walk: impl FnOnce(&mut Self)) {
        if self.depth >= MAX_TREE_DEPTH {
            self.exceeded = true;
            return;
        }
        self.depth += 1;
        self.max_depth = self.max_depth.max(self.depth);
        if self.depth > UNCHECKED_DEPTH {
            stacker::maybe_grow(STACK_RED_ZONE, STACK_SEGMENT, || walk(self));
        } else {
            walk(self);
        }
        self.depth -= 1;
    }
}

impl<'ast> Visitor<'ast> for DepthProbe {
    fn visit_stmt(&mut self, statement: &'ast Stmt) {
        self.deeper(|probe| visitor::walk_stmt(probe, statement));
    }

    fn visit_expr(&mut self, expression: &'ast Expr) {
        self.deeper(|probe| visitor::walk_expr(probe, expression));
    }

    fn visit_pattern(&mut self, pattern: &'ast Pattern) {
        self.deeper(|probe| visitor::walk_pattern(probe, pattern));
    }
}

/// The tests of parameters and of class attributes a branch runs under (see
/// [`NameUse::parameter_guards`], [`NameUse::attribute_guards`]).
#[derive(Default)]
struct BranchTests {
    parameter: Option<ParameterGuard>,
    attribute: Option<BranchGuard>,
}

/// How a call passes one parameter of a module-level function (see
/// [`nblint_facts::ParameterGuard`]).
struct ParameterSlot {
    position: Option<usize>,
    keyword: bool,
    default: Option<String>,
}

/// The parameters of a module-level function that only its calls give values.
struct FunctionParameters {
    function: String,
    slots: HashMap<String, ParameterSlot>,
}

impl FunctionParameters {
    /// The parameters of `function` that its body does not bind again (`rebound`, the names
    /// its body binds), each with its default's text where that is a literal (`text` gives
    /// an expression's text, spacing removed).
    fn of(
        function: &ast::StmtFunctionDef,
        rebound: &HashSet<String>,
        text: impl Fn(&Expr) -> Option<String>,
    ) -> Self {
        let parameters = &function.parameters;
        let positional = parameters
            .posonlyargs
            .iter()
            .map(|parameter| (parameter, false))
            .chain(parameters.args.iter().map(|parameter| (parameter, true)))
            .enumerate()
            .map(|(position, (parameter, keyword))| (parameter, Some(position), keyword));
        let keyword_only = parameters
            .kwonlyargs
            .iter()
            .map(|parameter| (parameter, None, true));
        let slots = positional
            .chain(keyword_only)
            .filter(|(parameter, _, _)| !rebound.contains(parameter.parameter.name.id.as_str()))
            .map(|(parameter, position, keyword)| {
                let slot = ParameterSlot {
                    position,
                    keyword,
                    default: parameter
                        .default
                        .as_deref()
                        .filter(|default| is_constant(default))
                        .and_then(&text),
                };
                (parameter.parameter.name.id.as_str().to_owned(), slot)
            })
            .collect();
        Self {
            function: function.name.id.as_str().to_owned(),
            slots,
        }
    }
}

/// Collects the names local to a function body before it is walked: every name it binds
/// (assignment targets, `for`/`with`/`except` names, imports, nested `def`/`class`, walrus
/// targets, `match` captures, `del` targets), except those declared `global` or `nonlocal`.
/// It does not enter nested functions, lambdas or classes, whose names are theirs.
#[derive(Default)]
struct LocalCollector {
    locals: HashSet<String>,
    globals: HashSet<String>,
    nonlocals: HashSet<String>,
    comprehension_depth: usize,
    depth: usize,
}

impl LocalCollector {
    fn finish(mut self) -> (HashSet<String>, HashSet<String>) {
        self.locals
            .retain(|name| !self.globals.contains(name) && !self.nonlocals.contains(name));
        (self.locals, self.globals)
    }

    fn deeper(&mut self, walk: impl FnOnce(&mut Self)) {
        // The analyzer reports a tree this deep; here it only has to stop.
        if self.depth >= MAX_TREE_DEPTH {
            return;
        }
        self.depth += 1;
        if self.depth > UNCHECKED_DEPTH {
            stacker::maybe_grow(STACK_RED_ZONE, STACK_SEGMENT, || walk(self));
        } else {
            walk(self);
        }
        self.depth -= 1;
    }
}

impl<'ast> Visitor<'ast> for LocalCollector {
    fn visit_stmt(&mut self, statement: &'ast Stmt) {
        self.deeper(|collector| match statement {
            Stmt::FunctionDef(function) => {
                collector
                    .locals
                    .insert(function.name.id.as_str().to_owned());
            }
            Stmt::ClassDef(class) => {
                collector.locals.insert(class.name.id.as_str().to_owned());
            }
            Stmt::Global(global) => collector
                .globals
                .extend(global.names.iter().map(|name| name.id.as_str().to_owned())),
            Stmt::Nonlocal(nonlocal) => collector.nonlocals.extend(
                nonlocal
                    .names
                    .iter()
                    .map(|name| name.id.as_str().to_owned()),
            ),
            Stmt::Import(import) => {
                for alias in &import.names {
                    let bound = match &alias.asname {
                        Some(asname) => asname.id.as_str(),
                        None => alias.name.id.split('.').next().unwrap_or_default(),
                    };
                    collector.locals.insert(bound.to_owned());
                }
            }
            Stmt::ImportFrom(import) => {
                for alias in &import.names {
                    let bound = alias.asname.as_ref().unwrap_or(&alias.name).id.as_str();
                    if bound != "*" {
                        collector.locals.insert(bound.to_owned());
                    }
                }
            }
            Stmt::AnnAssign(assignment) => {
                // `x: int` alone makes `x` local too.
                if let Expr::Name(name) = &*assignment.target {
                    collector.locals.insert(name.id.as_str().to_owned());
                }
                visitor::walk_stmt(collector, statement);
            }
            _ => visitor::walk_stmt(collector, statement),
        });
    }

    fn visit_expr(&mut self, expression: &'ast Expr) {
        self.deeper(|collector| match expression {
            Expr::Name(name) => {
                if collector.comprehension_depth == 0
                    && matches!(name.ctx, ExprContext::Store | ExprContext::Del)
                {
                    collector.locals.insert(name.id.as_str().to_owned());
                }
            }
            Expr::Named(named) => {
                if let Expr::Name(name) = &*named.target {
                    collector.locals.insert(name.id.as_str().to_owned());
                }
                collector.visit_expr(&named.value);
            }
            Expr::Lambda(_) => {}
            Expr::ListComp(_) | Expr::SetComp(_) | Expr::DictComp(_) | Expr::Generator(_) => {
                collector.comprehension_depth += 1;
                visitor::walk_expr(collector, expression);
                collector.comprehension_depth -= 1;
            }
            _ => visitor::walk_expr(collector, expression),
        });
    }

    fn visit_pattern(&mut self, pattern: &'ast Pattern) {
        self.deeper(|collector| {
            match pattern {
                Pattern::MatchAs(ast::PatternMatchAs {
                    name: Some(name), ..
                })
                | Pattern::MatchStar(ast::PatternMatchStar {
                    name: Some(name), ..
                })
                | Pattern::MatchMapping(ast::PatternMatchMapping {
                    rest: Some(name), ..
                }) => {
                    collector.locals.insert(name.id.as_str().to_owned());
                }
                _ => {}
            }
            visitor::walk_pattern(collector, pattern);
        });
    }

    fn visit_except_handler(&mut self, handler: &'ast ast::ExceptHandler) {
        let ast::ExceptHandler::ExceptHandler(inner) = handler;
        if let Some(name) = &inner.name {
            self.locals.insert(name.id.as_str().to_owned());
        }
        visitor::walk_except_handler(self, handler);
    }
}

/// The names a comprehension target binds.
fn target_names(target: &Expr, names: &mut HashSet<String>) {
    match target {
        Expr::Name(name) => {
            names.insert(name.id.as_str().to_owned());
        }
        Expr::Tuple(tuple) => {
            for element in &tuple.elts {
                target_names(element, names);
            }
        }
        Expr::List(list) => {
            for element in &list.elts {
                target_names(element, names);
            }
        }
        Expr::Starred(starred) => target_names(&starred.value, names),
        _ => {}
    }
}

fn type_parameter_names(type_params: Option<&ast::TypeParams>) -> HashSet<String> {
    type_params
        .into_iter()
        .flat_map(|params| params.type_params.iter())
        .map(|param| param.name().id.as_str().to_owned())
        .collect()
}

/// The dotted path of a name or attribute chain (`os.environ`), if it is one.
fn dotted(expression: &Expr) -> Option<String> {
    match expression {
        Expr::Name(name) => Some(name.id.as_str().to_owned()),
        Expr::Attribute(attribute) => {
            let mut path = dotted(&attribute.value)?;
            path.push('.');
            path.push_str(attribute.attr.id.as_str());
            Some(path)
        }
        _ => None,
    }
}

/// Whether calling `callee` (a dotted path as written) unpickles objects, which finds their
/// classes and functions by name: `pickle.load(s)` (and `dill`, `cloudpickle`, `joblib`,
/// `torch`), `pd.read_pickle`, fastai's `load_learner` and `load_data` called by their bare
/// names (Keras' `mnist.load_data()` reads arrays).
fn loads_pickled_objects(callee: &str) -> bool {
    let Some((module, function)) = callee.rsplit_once('.') else {
        return matches!(callee, "load_learner" | "load_data");
    };
    let module = module.rsplit('.').next().unwrap_or(module);
    match function {
        "load" | "loads" => matches!(
            module,
            "pickle" | "_pickle" | "cPickle" | "dill" | "cloudpickle" | "joblib" | "torch"
        ),
        "read_pickle" => true,
        _ => false,
    }
}

/// Whether a `with` statement's context `expression` swallows exceptions raised in its body,
/// so the body may stop anywhere: `contextlib.suppress(..)`, `pytest.raises(..)`,
/// `self.assertRaises(..)`.
fn swallows_exceptions(expression: &Expr) -> bool {
    let Expr::Call(call) = expression else {
        return false;
    };
    callee_name(&call.func).is_some_and(|name| {
        matches!(
            name,
            "suppress" | "raises" | "assertRaises" | "assertRaisesRegex" | "assertWarns"
        )
    })
}

/// Lengths of a cell's [`CellFacts::defines`], [`CellFacts::uses`] and
/// [`CellFacts::mutations`] at one point of the walk ([`Analyzer::fact_counts`]).
#[derive(Clone, Copy)]
struct FactCounts {
    defines: usize,
    uses: usize,
    mutations: usize,
}

/// A file a top-level `with open(path) as f:` opened, as the name `f` holds in its body.
struct OpenedFile {
    /// Its path, as [`Analyzer::file_path`] gives it.
    path: String,
    /// The names the path reads.
    path_reads: Vec<String>,
    /// It was opened for reading only (`open(path)`, `open(path, "rb")`): what a value reads
    /// from it is what the file holds.
    reading: bool,
    /// Where the body first reads the name: a value that reads the file there reads it from
    /// its start; one read after it goes on where that read stopped.
    first_read: Option<TextRange>,
}

/// A top-level statement that changes one name's value in place, and does so the same way
/// from the same inputs ([`Analyzer::plain_change`]).
struct PlainChange {
    /// The name whose value changes.
    name: String,
    /// The statement, spacing removed.
    text: String,
    /// The names it reads, the changed name left out.
    reads: Vec<String>,
    /// The change repeats only on a value made with a constant seed: an estimator's `fit`
    /// (`model = DecisionTreeClassifier(random_state=42)`, then `model.fit(X, y)`), which
    /// otherwise may draw numbers of its own ([`seeded_fit`]).
    needs_seed: bool,
}

/// The name `statement` changes in place and the names it reads (that name left out), when it
/// gives the same result from the same inputs: it assigns to an element or attribute of the
/// name (`g[5:8] = 0`, `cfg.lr += 0.1`) or calls a standard container's method on it
/// (`rows.append(3)`, `seen.add(k)`; not `model.fit(X)`) with repeatable values only.
fn repeatable_change(statement: &Stmt) -> Option<(String, Vec<String>)> {
    let repeatable_place = |target: &Expr, reads: &mut Vec<String>| match target {
        Expr::Subscript(subscript) => {
            repeatable(&subscript.value, reads, 16) && repeatable(&subscript.slice, reads, 16)
        }
        Expr::Attribute(attribute) => repeatable(&attribute.value, reads, 16),
        _ => false,
    };
    let mut reads = Vec::new();
    let name = match statement {
        Stmt::Assign(assign) => {
            let name = root_name(assign.targets.first()?)?;
            let fine = assign.targets.iter().all(|target| {
                root_name(target) == Some(name) && repeatable_place(target, &mut reads)
            }) && repeatable(&assign.value, &mut reads, 16);
            fine.then_some(name)?
        }
        Stmt::AugAssign(assign) => {
            let name = root_name(&assign.target)?;
            let fine = repeatable_place(&assign.target, &mut reads)
                && repeatable(&assign.value, &mut reads, 16);
            fine.then_some(name)?
        }
        // A standard container's method (an estimator's `fit` may draw random numbers).
        Stmt::Expr(_) => {
            let (call, receiver, method) = method_call_statement(statement)?;
            // pandas' `df.set_index("Date", inplace=True)`: the same change from the same
            // inputs.
            // Keras' `model.compile(loss="mse")`: a setting, made the same way from the
            // same arguments.
            let fine = (RETURNS_NONE.contains(&method)
                || CONTAINER_METHODS.contains_key(method)
                || CONFIGURES.contains(method)
                || is_inplace(call))
                && repeatable_arguments(call, &mut reads);
            fine.then_some(receiver)?
        }
        _ => return None,
    };
    reads.retain(|read| read != name);
    Some((name.to_owned(), reads))
}

/// The name a statement `NAME.fit(..)` trains and the names it reads (`NAME` left out), when
/// its arguments are repeatable: the same fit of the same data, a repeatable change of a
/// value made by one call given a constant seed ([`seeded_with_a_constant`]).
fn seeded_fit(statement: &Stmt) -> Option<(String, Vec<String>)> {
    let (call, name, method) = method_call_statement(statement)?;
    let mut reads = Vec::new();
    if method != "fit" || !repeatable_arguments(call, &mut reads) {
        return None;
    }
    reads.retain(|read| read != name);
    Some((name.to_owned(), reads))
}

/// The call, receiver and method of a statement that is a method call on a name
/// (`rows.append(3)`, `model.fit(X, y)`).
fn method_call_statement(statement: &Stmt) -> Option<(&ast::ExprCall, &str, &str)> {
    let Stmt::Expr(expression) = statement else {
        return None;
    };
    let Expr::Call(call) = &*expression.value else {
        return None;
    };
    let Expr::Attribute(attribute) = &*call.func else {
        return None;
    };
    let Expr::Name(receiver) = &*attribute.value else {
        return None;
    };
    Some((call, receiver.id.as_str(), attribute.attr.id.as_str()))
}

/// Whether every argument of `call` is repeatable, adding the names they read to `reads`.
fn repeatable_arguments(call: &ast::ExprCall, reads: &mut Vec<String>) -> bool {
    all_repeatable(call.arguments.args.iter(), reads, 16)
        && call
            .arguments
            .keywords
            .iter()
            .all(|keyword| repeatable(&keyword.value, reads, 16))
}

/// The objects whose change alters what a later import finds or does: environment variables,
/// the module search path and the module table.
const ENVIRONMENT_OBJECTS: &[&str] = &["os.environ", "environ", "sys.path", "sys.modules"];

/// Whether assigning to or deleting `place` changes the environment: `os.environ["X"] = ..`,
/// `sys.path[0] = ..`, `os.environ = ..`.
fn is_environment_place(place: &Expr) -> bool {
    let mut place = place;
    loop {
        if dotted(place).is_some_and(|path| ENVIRONMENT_OBJECTS.contains(&path.as_str())) {
            return true;
        }
        match place {
            Expr::Subscript(subscript) => place = &subscript.value,
            Expr::Attribute(attribute) => place = &attribute.value,
            Expr::Tuple(tuple) => return tuple.elts.iter().any(is_environment_place),
            Expr::List(list) => return list.elts.iter().any(is_environment_place),
            _ => return false,
        }
    }
}

/// Whether a call changes the environment later imports see: a method of an environment
/// object (`os.environ.update(..)`, `sys.path.insert(..)`), `os.putenv`, `os.chdir`,
/// `site.addsitedir`, `load_dotenv`, or `matplotlib.use` (which must come before pyplot's
/// import).
fn is_environment_call(call: &ast::ExprCall) -> bool {
    const FUNCTIONS: &[&str] = &[
        "os.putenv",
        "os.unsetenv",
        "os.chdir",
        "chdir",
        "site.addsitedir",
        "load_dotenv",
        "dotenv.load_dotenv",
        "matplotlib.use",
        "mpl.use",
        "importlib.reload",
        "reload",
        "importlib.invalidate_caches",
    ];
    let Some(function) = dotted(&call.func) else {
        return false;
    };
    if FUNCTIONS.contains(&function.as_str()) {
        return true;
    }
    function
        .rsplit_once('.')
        .is_some_and(|(object, _)| ENVIRONMENT_OBJECTS.contains(&object))
}

/// Whether an IPython escape may change what a later import finds or does: every shell line
/// (it may install or set up files) and every line magic but those that only display, time
/// or configure the display.
fn changes_environment(kind: IpyEscapeKind, name: &str) -> bool {
    const DISPLAY_ONLY: &[&str] = &[
        "%matplotlib",
        "%config",
        "%precision",
        "%time",
        "%timeit",
        "%who",
        "%whos",
        "%who_ls",
        "%lsmagic",
        "%pwd",
        "%history",
        "%pinfo",
        "%pinfo2",
        "%psearch",
        "%pdoc",
        "%pdef",
        "%psource",
        "%pfile",
        "%page",
        "%xmode",
        "%pprint",
        "%colors",
    ];
    match kind {
        IpyEscapeKind::Shell | IpyEscapeKind::ShCap => true,
        IpyEscapeKind::Magic => !DISPLAY_ONLY.contains(&name),
        // `x?`, `%%...` headers (a cell magic's body is not the cell's Python).
        _ => false,
    }
}

/// Whether an `except` clause catches a failed import: bare, or naming `ImportError`,
/// `ModuleNotFoundError`, `Exception` or `BaseException` (alone or in a tuple).
fn catches_import_error(handler: &ast::ExceptHandler) -> bool {
    catches(
        handler,
        &[
            "ImportError",
            "ModuleNotFoundError",
            "Exception",
            "BaseException",
        ],
    )
}

/// Whether an `except` clause catches the `NameError` of a missing name (`NameError`,
/// `Exception`, `BaseException`, or a bare `except:`).
fn catches_name_error(handler: &ast::ExceptHandler) -> bool {
    catches(handler, &["NameError", "Exception", "BaseException"])
}

/// Whether `statement` leaves its block (`return`, `raise`, `break`, `continue`): the
/// statements after it in the block never run.
fn ends_the_block(statement: &Stmt) -> bool {
    matches!(
        statement,
        Stmt::Return(_) | Stmt::Raise(_) | Stmt::Break(_) | Stmt::Continue(_)
    )
}

/// Whether an `except` clause names `NameError` (alone or in a tuple).
fn names_name_error(handler: &ast::ExceptHandler) -> bool {
    let ast::ExceptHandler::ExceptHandler(clause) = handler;
    clause.type_.is_some() && catches(handler, &["NameError"])
}

/// Whether an `except` clause catches one of `catchers` (by last name), or everything.
fn catches(handler: &ast::ExceptHandler, catchers: &[&str]) -> bool {
    let ast::ExceptHandler::ExceptHandler(handler) = handler;
    let names_catcher = |expression: &Expr| {
        dotted(expression).is_some_and(|path| {
            let last = path.rsplit('.').next().unwrap_or(&path);
            catchers.contains(&last)
        })
    };
    match handler.type_.as_deref() {
        None => true,
        Some(Expr::Tuple(tuple)) => tuple.elts.iter().any(names_catcher),
        Some(other) => names_catcher(other),
    }
}

/// A hash of `source`'s code as its tokens give it: comments, line breaks inside brackets
/// and spacing left out; line ends, indents and dedents kept (they are Python's blocks).
/// `None` when the code calls anything random, stateful or clock-bound anywhere
/// (`np.random.shuffle(data)`, `time()`): running it twice need not do the same; random
/// draws are allowed in a `seeded` cell ([`CellFacts::seeded`]).
fn fingerprint(source: &str, tokens: &ruff_python_ast::token::Tokens, seeded: bool) -> Option<u64> {
    let text = |token: &ruff_python_ast::token::Token| {
        source.get(token.range().start().to_usize()..token.range().end().to_usize())
    };
    let mut previous_name: Option<&str> = None;
    for token in tokens {
        let kind = token.kind();
        if kind == TokenKind::Lpar
            && previous_name.is_some_and(|name| {
                is_unrepeatable_call(name) && !(seeded && RANDOM_DRAWS.contains(&name))
            })
        {
            return None;
        }
        previous_name = (kind == TokenKind::Name).then(|| text(token)).flatten();
    }
    Some(token_hash(source, tokens))
}

/// A hash of `tokens` (of `source`), each by kind and text, comments and line breaks inside
/// brackets left out: two stretches of code written the same way, up to those, hash the same.
fn token_hash(source: &str, tokens: &[ruff_python_ast::token::Token]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    for token in tokens {
        let kind = token.kind();
        match kind {
            TokenKind::Comment | TokenKind::NonLogicalNewline => {}
            TokenKind::Newline | TokenKind::Indent | TokenKind::Dedent => kind.hash(&mut hasher),
            _ => {
                kind.hash(&mut hasher);
                source
                    .get(token.range().start().to_usize()..token.range().end().to_usize())
                    .hash(&mut hasher);
            }
        }
    }
    hasher.finish()
}

/// The unrepeatable calls that draw from the global random generators, which a
/// seed at the start of the cell makes repeat ([`CellFacts::seeded`]).
const RANDOM_DRAWS: &[&str] = &[
    "choice",
    "choices",
    "normal",
    "permutation",
    "rand",
    "randint",
    "randn",
    "random",
    "randrange",
    "sample",
    "shuffle",
    "uniform",
];

/// Whether `statement` seeds the global random generators with constants:
/// `np.random.seed(2)`, `random.seed(0)`, `torch.manual_seed(42)`, `tf.random.set_seed(1)`,
/// `set_seed(7)`, `seed_everything(7)`.
fn seeds_with_a_constant(statement: &Stmt) -> bool {
    let Stmt::Expr(expression) = statement else {
        return false;
    };
    let Expr::Call(call) = &*expression.value else {
        return false;
    };
    callee_name(&call.func).is_some_and(|name| {
        matches!(
            name,
            "seed" | "manual_seed" | "set_seed" | "seed_everything" | "set_random_seed"
        )
    }) && !call.arguments.args.is_empty()
        && call.arguments.keywords.is_empty()
        && call
            .arguments
            .args
            .iter()
            .all(|argument| matches!(argument, Expr::NumberLiteral(_)))
}

/// The last name of a callee: `f` of `f(..)`, `f` of `module.f(..)`.
fn callee_name(callee: &Expr) -> Option<&str> {
    match callee {
        Expr::Name(name) => Some(name.id.as_str()),
        Expr::Attribute(attribute) => Some(attribute.attr.id.as_str()),
        _ => None,
    }
}

/// The name a chain of subscripts and attributes is taken of, and their keys, outermost last:
/// `df` and `["a", 0]` for `df["a"][0]`, `x` and `[a, 0]` for `x.a[0]` (see [`attribute_key`]),
/// `x` and no keys for `x`; `None` when the chain starts at anything but a name (`f()[0]`).
fn subscripted_name(mut place: &Expr) -> Option<(&ast::ExprName, Vec<ItemKey>)> {
    let mut keys = Vec::new();
    loop {
        match place {
            // pandas' `df.loc[rows, "col"]` and `df.at[row, "col"]` take rows of one column
            // (or of the columns listed): that column is the item.
            Expr::Subscript(subscript)
                if let Expr::Attribute(indexer) = &*subscript.value
                    && matches!(indexer.attr.as_str(), "loc" | "at")
                    && let Expr::Tuple(key) = &*subscript.slice
                    && let [_, column] = key.elts.as_slice()
                    && item_key(column) != ItemKey::Other =>
            {
                keys.push(item_key(column));
                place = &indexer.value;
            }
            Expr::Subscript(subscript) => {
                keys.push(item_key(&subscript.slice));
                place = &subscript.value;
            }
            Expr::Attribute(attribute) => {
                keys.push(attribute_key(attribute.attr.as_str()));
                place = &attribute.value;
            }
            _ => break,
        }
    }
    let Expr::Name(name) = place else {
        return None;
    };
    keys.reverse();
    Some((name, keys))
}

/// Plotting functions that, given a frame as `data=` (seaborn's, and matplotlib's with
/// string arguments), read only the columns their arguments name (not `pairplot` or
/// `heatmap`, which read every column, nor the grids, `FacetGrid`, whose `map` names more).
const DATA_KEYWORD_PLOTS: &[&str] = &[
    "barplot",
    "boxenplot",
    "boxplot",
    "catplot",
    "countplot",
    "displot",
    "ecdfplot",
    "histplot",
    "jointplot",
    "kdeplot",
    "lineplot",
    "lmplot",
    "pointplot",
    "regplot",
    "relplot",
    "residplot",
    "rugplot",
    "scatterplot",
    "stripplot",
    "swarmplot",
    "violinplot",
    // matplotlib's, where `data=` makes string arguments column names.
    "bar",
    "barh",
    "errorbar",
    "fill_between",
    "hist",
    "plot",
    "scatter",
    "step",
    "stem",
];

/// plotly express' functions, which take the frame first and read the columns `x=`, `y=`,
/// `color=` (..) name.
const PLOTLY_EXPRESS_PLOTS: &[&str] = &[
    "area",
    "bar",
    "box",
    "density_contour",
    "density_heatmap",
    "ecdf",
    "histogram",
    "line",
    "line_3d",
    "scatter",
    "scatter_3d",
    "strip",
    "violin",
];

/// Keywords of plotting calls whose value says how to draw, not which column to read: any
/// value may be given (`ax=axes[0]`, `palette=colors`).
const DRAWING_KEYWORDS: &[&str] = &[
    "ax",
    "cmap",
    "color_discrete_map",
    "color_discrete_sequence",
    "figsize",
    "palette",
    "template",
];

/// The frame a plotting call takes whole and the columns it reads of it, when the call
/// names them all as literals: seaborn's (and matplotlib's) `sns.lineplot(data=df,
/// x="Time", y="Intensity")`, plotly express' `px.scatter(df, x="a", y="b")`, pandas'
/// `df.plot(x="a", y="b")` and `df.plot.scatter(x="a", y="b")`. Every string and integer
/// literal among the arguments counts as a column (some name a style: harmless, a column
/// more). None where an argument is anything else (`hue=column`, `**style`), where no `x=`
/// or `y=` (or, for matplotlib, positional column) is named (a wide-form plot draws every
/// column), or where pandas' `plot` is not given both `x=` and `y=`.
fn plotted_columns(call: &ast::ExprCall) -> Option<(&ast::ExprName, Vec<ItemKey>)> {
    let Expr::Attribute(attribute) = &*call.func else {
        return None;
    };
    let (receiver, function) = (&*attribute.value, attribute.attr.as_str());
    let keyword = |name: &str| {
        call.arguments
            .keywords
            .iter()
            .find(|keyword| keyword.arg.as_ref().is_some_and(|arg| arg.as_str() == name))
            .map(|keyword| &keyword.value)
    };
    let names_axis = keyword("x").is_some() || keyword("y").is_some();
    let positional = call.arguments.args.as_ref();
    let (frame, positional_columns): (&ast::ExprName, &[Expr]) = if let Some(Expr::Name(frame)) =
        keyword("data")
        && DATA_KEYWORD_PLOTS.contains(&function)
    {
        (frame, positional)
    } else if PLOTLY_EXPRESS_PLOTS.contains(&function)
        && matches!(receiver, Expr::Name(module) if module.id.as_str() == "px")
        && let [Expr::Name(frame)] = positional
    {
        (frame, &[])
    } else {
        // `df.plot(x=.., y=..)`, `df.plot.scatter(x=.., y=..)`.
        let frame = match receiver {
            Expr::Name(frame) if function == "plot" => frame,
            Expr::Attribute(plot) if plot.attr.as_str() == "plot" => match &*plot.value {
                Expr::Name(frame) => frame,
                _ => return None,
            },
            _ => return None,
        };
        if !(positional.is_empty() && keyword("x").is_some() && keyword("y").is_some()) {
            return None;
        }
        (frame, &[])
    };
    let mut columns = Vec::new();
    for value in positional_columns {
        column_literals(value, &mut columns)?;
    }
    for argument in &call.arguments.keywords {
        let name = argument.arg.as_ref()?.as_str();
        if name == "data" || DRAWING_KEYWORDS.contains(&name) {
            continue;
        }
        column_literals(&argument.value, &mut columns)?;
    }
    (names_axis || !positional_columns.is_empty()).then_some(())?;
    (!columns.is_empty()).then_some((frame, columns))
}

/// Adds the columns a plotting call's argument names (a string or integer literal, a list
/// or tuple of them; a boolean, `None` or another number names none); `None` for anything
/// else.
fn column_literals(value: &Expr, columns: &mut Vec<ItemKey>) -> Option<()> {
    match value {
        Expr::StringLiteral(_) | Expr::NumberLiteral(_) => {
            let key = item_key(value);
            if key != ItemKey::Other {
                columns.push(key);
            }
        }
        Expr::BooleanLiteral(_) | Expr::NoneLiteral(_) => {}
        Expr::List(ast::ExprList { elts, .. }) | Expr::Tuple(ast::ExprTuple { elts, .. }) => {
            for element in elts {
                column_literals(element, columns)?;
            }
        }
        _ => return None,
    }
    Some(())
}

/// Attributes that view an object's own data or describe it whole
/// (`whole_value_attributes.txt`, one a line): a change or read through one may touch any item,
/// so they are [`ItemKey::Other`].
static WHOLE_VALUE_ATTRIBUTES: std::sync::LazyLock<HashSet<&'static str>> =
    std::sync::LazyLock::new(|| method_list(include_str!("whole_value_attributes.txt")));

/// What an attribute shows of the item it names (see [`ItemKey::Attribute`]).
fn attribute_key(name: &str) -> ItemKey {
    if WHOLE_VALUE_ATTRIBUTES.contains(name) {
        ItemKey::Other
    } else {
        ItemKey::Attribute(name.to_owned())
    }
}

/// The keys of a set or dict display when each is a string or a non-negative integer literal
/// (see [`Definition::held_keys`]); none for anything else, or a display that unpacks another
/// (`{**base, "a": 1}`).
fn held_keys(value: &Expr) -> Vec<ItemKey> {
    let keys: Vec<ItemKey> = match value {
        Expr::Set(set) => set.elts.iter().map(item_key).collect(),
        Expr::Dict(dict) => dict
            .items
            .iter()
            .map(|item| item.key.as_ref().map_or(ItemKey::Other, item_key))
            .collect(),
        _ => return Vec::new(),
    };
    if keys.iter().all(ItemKey::is_literal) {
        keys
    } else {
        Vec::new()
    }
}

/// What a subscript's key shows of the item it names (see [`ItemKey`]).
fn item_key(key: &Expr) -> ItemKey {
    match key {
        Expr::StringLiteral(text) => ItemKey::Text(text.value.to_str().to_owned()),
        Expr::NumberLiteral(ast::ExprNumberLiteral {
            value: ast::Number::Int(index),
            ..
        }) => index.as_u64().map_or(ItemKey::Other, ItemKey::Index),
        Expr::List(list) if !list.elts.is_empty() => {
            let keys: Vec<ItemKey> = list.elts.iter().map(item_key).collect();
            if keys.iter().all(ItemKey::is_literal) {
                ItemKey::Each(keys)
            } else {
                ItemKey::Other
            }
        }
        _ => ItemKey::Other,
    }
}

/// The name at the root of a place: `x` in `x.a[0].b`.
fn root_name(mut place: &Expr) -> Option<&str> {
    loop {
        match place {
            Expr::Name(name) => return Some(name.id.as_str()),
            Expr::Attribute(attribute) => place = &attribute.value,
            Expr::Subscript(subscript) => place = &subscript.value,
            _ => return None,
        }
    }
}

fn text_range(start: usize, length: usize) -> TextRange {
    let start = ruff_text_size::TextSize::try_from(start).unwrap_or_default();
    let length = ruff_text_size::TextSize::try_from(length).unwrap_or_default();
    TextRange::at(start, length)
}

/// The accessors whose methods draw, format or give a new value and leave the value they are
/// taken from as it was (`new_value_accessors.txt`, one a line: `df.plot.line()`,
/// `s.str.upper()`, `A.T.rref()`).
static NEW_VALUE_ACCESSORS: std::sync::LazyLock<HashSet<&'static str>> =
    std::sync::LazyLock::new(|| method_list(include_str!("new_value_accessors.txt")));

/// Known mutators that only record settings or parts given as arguments, drawing no random
/// numbers and reading no data (`configuring_methods.txt`, one a line): the same call on the
/// same value leaves the same value (`model.compile(loss="mse")`), unlike `fit` or `step`.
static CONFIGURES: std::sync::LazyLock<HashSet<&'static str>> =
    std::sync::LazyLock::new(|| method_list(include_str!("configuring_methods.txt")));

/// Methods that leave the value they are called on as it was, showing, summarising, writing it
/// out or returning a new value (`unchanging_methods.txt`: names, and prefixes written with a
/// trailing `*`), as (names, prefixes).
static UNCHANGING_METHODS: std::sync::LazyLock<(HashSet<&'static str>, Vec<&'static str>)> =
    std::sync::LazyLock::new(|| {
        let mut names = HashSet::new();
        let mut prefixes = Vec::new();
        for line in method_lines(include_str!("unchanging_methods.txt")) {
            match line.strip_suffix('*') {
                Some(prefix) => prefixes.push(prefix),
                None => {
                    names.insert(line);
                }
            }
        }
        (names, prefixes)
    });

/// The standard containers' mutating methods that return `None`: their value is never worth
/// binding, so a bound call of one is another type's method.
const RETURNS_NONE: &[&str] = &[
    "append",
    "appendleft",
    "clear",
    "difference_update",
    "discard",
    "extend",
    "extendleft",
    "insert",
    "intersection_update",
    "remove",
    "reverse",
    "rotate",
    "sort",
    "symmetric_difference_update",
    "update",
];

/// The methods known to change their receiver in place (`mutating_methods.txt`, one a line).
static MUTATING_METHODS: std::sync::LazyLock<HashSet<&'static str>> =
    std::sync::LazyLock::new(|| method_list(include_str!("mutating_methods.txt")));

/// The methods of `mutating_methods.txt` that change only one standard container type
/// (`set.add`): a mutation of a name the defining cell bound to that container.
static CONTAINER_METHODS: std::sync::LazyLock<HashMap<&'static str, Container>> =
    std::sync::LazyLock::new(|| {
        method_lines(include_str!("mutating_methods.txt"))
            .filter_map(|line| {
                let (container, method) = line.split_once('.')?;
                let container = match container {
                    "list" => Container::List,
                    "dict" => Container::Dict,
                    "set" => Container::Set,
                    _ => return None,
                };
                Some((method, container))
            })
            .collect()
    });

/// The names of a method list: one a line, `#` comments and blank lines skipped, `TYPE.method`
/// lines (see [`CONTAINER_METHODS`]) left out.
fn method_list(text: &'static str) -> HashSet<&'static str> {
    method_lines(text)
        .filter(|line| !line.contains('.'))
        .collect()
}

/// The entries of a method list, `#` comments and blank lines skipped.
fn method_lines(text: &'static str) -> impl Iterator<Item = &'static str> {
    text.lines()
        .map(|line| line.split('#').next().unwrap_or("").trim())
        .filter(|line| !line.is_empty())
}

/// Whether a method called as a statement on a value may change it, as far as comparing
/// values goes: not the standard containers' methods and known mutators (a change nblint
/// records as such), nor methods that only show or summarise a value (`df.head()`,
/// `model.summary()`, `fig.show()`, `ax.plot(..)` changes the axes' drawing, not its data).
fn may_change_receiver(method: &str) -> bool {
    let (unchanging, unchanging_prefixes) = &*UNCHANGING_METHODS;
    !(RETURNS_NONE.contains(&method)
        || CONTAINER_METHODS.contains_key(method)
        || is_mutating_method(method)
        || unchanging.contains(method)
        || unchanging_prefixes
            .iter()
            .any(|prefix| method.starts_with(prefix)))
}

/// Whether calling `method` is evidence that it changes its receiver: a listed method (the
/// standard containers' mutators, estimators' and optimizers' `fit`, `step`, ...), or a
/// PyTorch in-place method (one trailing underscore: `add_`, `zero_`) that
/// `unchanging_methods.txt` does not list (scikit-learn's `gp.kernel_(X)`, EconML's
/// `est.coef_(T=1)`). An unknown method is not: the goal is that every NB206 finding is true.
fn is_mutating_method(method: &str) -> bool {
    MUTATING_METHODS.contains(method)
        || (method.len() > 1
            && method.ends_with('_')
            && !method.ends_with("__")
            && !method.starts_with('_')
            && !UNCHANGING_METHODS.0.contains(method))
}

/// The names a test checks are missing (`'__file__' not in globals()`, alone or in an `and`
/// or `or`): when its block leaves (`raise`, `return`), the code after it reads them only
/// where they exist.
fn missing_name_guards(test: &Expr) -> Vec<String> {
    match test {
        Expr::BoolOp(operation) => operation
            .values
            .iter()
            .flat_map(missing_name_guards)
            .collect(),
        test => namespace_check(test, ast::CmpOp::NotIn)
            .into_iter()
            .collect(),
    }
}

/// The names a test checks exist (`'NAME' in locals()`, alone or in an `and`): its block
/// runs only where they do.
fn present_name_guards(test: &Expr) -> Vec<String> {
    match test {
        Expr::BoolOp(operation) if operation.op == ast::BoolOp::And => operation
            .values
            .iter()
            .filter_map(namespace_guard)
            .collect(),
        test => namespace_guard(test).into_iter().collect(),
    }
}

/// The name an `if` test checks exists in the namespace: `'NAME' in locals()` (or
/// `globals()`, `dir()`, `vars()`).
fn namespace_guard(test: &Expr) -> Option<String> {
    namespace_check(test, ast::CmpOp::In)
}

/// The name a test `'NAME' <operator> globals()` checks (or `locals()`, `dir()`, `vars()`).
fn namespace_check(test: &Expr, operator: ast::CmpOp) -> Option<String> {
    let Expr::Compare(compare) = test else {
        return None;
    };
    let (Expr::StringLiteral(name), [op], [Expr::Call(call)]) =
        (&*compare.left, &*compare.ops, &*compare.comparators)
    else {
        return None;
    };
    let Expr::Name(function) = &*call.func else {
        return None;
    };
    (*op == operator
        && matches!(function.id.as_str(), "locals" | "globals" | "dir" | "vars")
        && call.arguments.is_empty())
    .then(|| name.value.to_str().to_owned())
}

/// The name of the cell magic `function` registers (`@register_cell_magic`,
/// `@register_line_cell_magic`, a `Magics` class's `@cell_magic`; the decorator's string
/// argument, else the function's name), with whether its body runs the cell's text as Python
/// (`exec`, `eval`, `compile`, `run_cell`, ..). When it does not, IPython hands it the text as
/// a string, so a `%%name` cell is that text, not code (a config-file template written with
/// `cell.format(**globals())`).
fn registered_cell_magic(function: &ast::StmtFunctionDef) -> Option<(String, bool)> {
    /// Whether a body calls something that runs text as Python.
    struct RunsPython(bool);
    impl<'a> Visitor<'a> for RunsPython {
        fn visit_expr(&mut self, expr: &'a Expr) {
            if let Expr::Call(call) = expr
                && callee_name(&call.func).is_some_and(|callee| RUNS_PYTHON.contains(&callee))
            {
                self.0 = true;
            }
            visitor::walk_expr(self, expr);
        }
    }
    const REGISTERS: &[&str] = &[
        "register_cell_magic",
        "register_line_cell_magic",
        "cell_magic",
        "line_cell_magic",
    ];
    const RUNS_PYTHON: &[&str] = &[
        "exec",
        "eval",
        "compile",
        "run_cell",
        "run_cell_async",
        "run_cell_magic",
        "run_code",
        "ex",
        "ev",
        "runcode",
        "safe_execfile",
    ];
    let named = function.decorator_list.iter().find_map(|decorator| {
        let (callee, arguments) = match &decorator.expression {
            Expr::Call(call) => (&*call.func, Some(&call.arguments)),
            other => (other, None),
        };
        let decorator_name = match callee {
            Expr::Name(name) => name.id.as_str(),
            Expr::Attribute(attribute) => attribute.attr.as_str(),
            _ => return None,
        };
        REGISTERS.contains(&decorator_name).then(|| {
            arguments
                .and_then(|arguments| arguments.args.first())
                .and_then(|argument| match argument {
                    Expr::StringLiteral(string) => Some(string.value.to_str().to_owned()),
                    _ => None,
                })
                .unwrap_or_else(|| function.name.id.as_str().to_owned())
        })
    })?;
    let mut runs = RunsPython(false);
    runs.visit_body(&function.body);
    Some((format!("%%{named}"), runs.0))
}

/// Whether a test is never true in a notebook: a constant (`False`, `0`, `None`), a check that
/// a name IPython always defines is missing (`'In' not in globals()`), or an `and` holding
/// one: the block under it never runs.
fn never_true(test: &Expr) -> bool {
    match test {
        Expr::BooleanLiteral(literal) => !literal.value,
        Expr::NoneLiteral(_) => true,
        Expr::NumberLiteral(number) => {
            matches!(&number.value, ast::Number::Int(value) if *value == ast::Int::ZERO)
        }
        // `if 'In' not in globals() and __name__ == '__main__':` runs the notebook as a
        // script: IPython always defines `In`, so never in a notebook.
        Expr::BoolOp(operation) if operation.op == ast::BoolOp::And => {
            operation.values.iter().any(never_true)
        }
        test => namespace_check(test, ast::CmpOp::NotIn)
            .is_some_and(|name| crate::builtins::is_ipython_name(&name)),
    }
}

/// Whether an `if` test holds only on Python 2: `sys.version_info < (3, ..)`,
/// `sys.version_info[0] == 2` (or `< 3`, `.major`), `six.PY2`, `PY2`.
fn python2_only(test: &Expr) -> bool {
    let is_version_info = |expr: &Expr| {
        matches!(expr, Expr::Attribute(attribute)
            if attribute.attr.id.as_str() == "version_info"
                && matches!(&*attribute.value, Expr::Name(module) if module.id.as_str() == "sys"))
    };
    let int = |expr: &Expr| match expr {
        Expr::NumberLiteral(number) => match &number.value {
            ast::Number::Int(value) => value.as_u64(),
            _ => None,
        },
        _ => None,
    };
    match test {
        Expr::Name(name) => name.id.as_str() == "PY2",
        Expr::Attribute(attribute) => {
            attribute.attr.id.as_str() == "PY2"
                && matches!(&*attribute.value, Expr::Name(module) if module.id.as_str() == "six")
        }
        Expr::Compare(compare) => {
            let (Some(op), Some(right)) = (compare.ops.first(), compare.comparators.first()) else {
                return false;
            };
            if compare.ops.len() != 1 {
                return false;
            }
            let major = match &*compare.left {
                Expr::Subscript(subscript) => {
                    is_version_info(&subscript.value) && int(&subscript.slice) == Some(0)
                }
                Expr::Attribute(attribute) => {
                    attribute.attr.id.as_str() == "major" && is_version_info(&attribute.value)
                }
                _ => false,
            };
            if major {
                return matches!(
                    (op, int(right)),
                    (ast::CmpOp::Eq, Some(2)) | (ast::CmpOp::Lt, Some(3))
                );
            }
            is_version_info(&compare.left)
                && matches!(op, ast::CmpOp::Lt)
                && matches!(right, Expr::Tuple(tuple)
                    if tuple.elts.first().and_then(int) == Some(3))
        }
        _ => false,
    }
}

/// The keys of a record built from names and the name each holds: a dict display (`{"lr":
/// lr}`), or one or keywords given to a record type (`EasyDict({"lr": lr})`,
/// `argparse.Namespace(lr=lr)`, `SimpleNamespace`, `AttrDict`, `edict`, `Munch`, `dict`).
/// Entries that are not a name are left out.
fn record_entries(value: &Expr) -> Option<HashMap<String, String>> {
    let mut entries = HashMap::new();
    let mut from_dict = |dict: &ast::ExprDict| {
        for item in &dict.items {
            if let (Some(Expr::StringLiteral(key)), Expr::Name(held)) = (&item.key, &item.value) {
                entries.insert(key.value.to_str().to_owned(), held.id.as_str().to_owned());
            }
        }
    };
    match value {
        Expr::Dict(dict) => from_dict(dict),
        Expr::Call(call)
            if callee_name(&call.func).is_some_and(|callee| {
                matches!(
                    callee,
                    "EasyDict"
                        | "edict"
                        | "Namespace"
                        | "SimpleNamespace"
                        | "AttrDict"
                        | "Munch"
                        | "dict"
                )
            }) =>
        {
            match &*call.arguments.args {
                [] => {}
                [Expr::Dict(dict)] => from_dict(dict),
                _ => return None,
            }
            for keyword in &call.arguments.keywords {
                if let (Some(key), Expr::Name(held)) = (&keyword.arg, &keyword.value) {
                    entries.insert(key.as_str().to_owned(), held.id.as_str().to_owned());
                }
            }
        }
        _ => return None,
    }
    (!entries.is_empty()).then_some(entries)
}

/// Whether `test` is `__name__ == "__main__"` (either way round), which holds in a notebook.
fn is_main_guard(test: &Expr) -> bool {
    let Expr::Compare(compare) = test else {
        return false;
    };
    let is_name = |expr: &Expr| matches!(expr, Expr::Name(name) if name.id.as_str() == "__name__");
    let is_main = |expr: &Expr| matches!(expr, Expr::StringLiteral(literal) if literal.value.to_str() == "__main__");
    matches!((&*compare.ops, &*compare.comparators), ([ast::CmpOp::Eq], [right])
        if (is_name(&compare.left) && is_main(right)) || (is_main(&compare.left) && is_name(right)))
}

/// Decorators that wrap a function and return it for the notebook to call (caching,
/// compiling, context managers), by their last name: any other decorator may register the
/// function somewhere that calls it (`@interact`, `@app.route`, `@trainer.on`).
const WRAPPING_DECORATORS: &[&str] = &[
    "asynccontextmanager",
    "cache",
    "cached",
    "cached_property",
    "classmethod",
    "contextmanager",
    "dataclass",
    "function",
    "guvectorize",
    "inference_mode",
    "jit",
    "lru_cache",
    "njit",
    "no_grad",
    "overload",
    "property",
    "singledispatch",
    "staticmethod",
    "total_ordering",
    "vectorize",
    "wraps",
];

/// How many names a tuple or list target unpacks into, nested ones included, when it holds
/// nothing but names (`(a, b), c`); `None` otherwise.
fn names_unpacked(target: &Expr) -> Option<usize> {
    match target {
        Expr::Name(_) => Some(1),
        Expr::Starred(starred) => names_unpacked(&starred.value),
        Expr::Tuple(tuple) => tuple.elts.iter().map(names_unpacked).sum(),
        Expr::List(list) => list.elts.iter().map(names_unpacked).sum(),
        _ => None,
    }
}

/// The shape of an unpacking target, its names left out: `(_,*_)` for `a, *rest`,
/// `((_,_),_)` for `(x, y), z`.
fn target_shape(target: &Expr) -> String {
    match target {
        Expr::Starred(starred) => format!("*{}", target_shape(&starred.value)),
        Expr::Tuple(ast::ExprTuple { elts, .. }) | Expr::List(ast::ExprList { elts, .. }) => {
            let parts: Vec<String> = elts.iter().map(target_shape).collect();
            format!("({})", parts.join(","))
        }
        _ => "_".to_owned(),
    }
}

/// Whether a comprehension gives the same value from the same inputs: its iterables,
/// conditions and elements are repeatable, and its targets are names, which are left out of
/// the reads.
fn repeatable_comprehension(
    generators: &[ast::Comprehension],
    elements: &[&Expr],
    reads: &mut Vec<String>,
    depth: usize,
) -> bool {
    if depth == 0 {
        return false;
    }
    let before = reads.len();
    let mut bound: Vec<String> = Vec::new();
    for generator in generators {
        if generator.is_async || names_unpacked(&generator.target).is_none() {
            return false;
        }
        let mut targets = Vec::new();
        if !repeatable(&generator.target, &mut targets, depth - 1)
            || !repeatable(&generator.iter, reads, depth - 1)
            || !generator
                .ifs
                .iter()
                .all(|condition| repeatable(condition, reads, depth - 1))
        {
            return false;
        }
        bound.extend(targets);
    }
    if !elements
        .iter()
        .all(|element| repeatable(element, reads, depth - 1))
    {
        return false;
    }
    let mut index = before;
    while index < reads.len() {
        if bound.contains(&reads[index]) {
            reads.remove(index);
        } else {
            index += 1;
        }
    }
    true
}

/// The names sympy's `var("x y z")` (also `sympy.var`, `sp.var`) binds in the module's
/// namespace, with the range of the string that names them.
fn symbols_injected(call: &ast::ExprCall) -> Vec<(String, TextRange)> {
    let is_var = match &*call.func {
        Expr::Name(name) => name.id.as_str() == "var",
        Expr::Attribute(attribute) => {
            attribute.attr.id.as_str() == "var"
                && matches!(&*attribute.value, Expr::Name(module)
                    if matches!(module.id.as_str(), "sympy" | "sp" | "sym"))
        }
        _ => false,
    };
    let Some(Expr::StringLiteral(names)) = call.arguments.args.first() else {
        return Vec::new();
    };
    if !is_var {
        return Vec::new();
    }
    names
        .value
        .to_str()
        .split(|character: char| character.is_whitespace() || character == ',')
        .filter(|name| magics::is_identifier(name))
        .map(|name| (name.to_owned(), names.range()))
        .collect()
}

/// Whether `decorator` compiles the function's body as a language of its own, whose names are
/// not Python's (CUDA-Q's `@cudaq.kernel`).
fn compiles_its_own_language(decorator: &Expr) -> bool {
    let callee = match decorator {
        Expr::Call(call) => &*call.func,
        other => other,
    };
    dotted(callee).is_some_and(|callee| callee == "cudaq.kernel")
}

/// Whether a decorator may register the function it decorates (see [`WRAPPING_DECORATORS`]).
fn registers(decorator: &Expr) -> bool {
    let callee = match decorator {
        Expr::Call(call) => &*call.func,
        other => other,
    };
    let last = match callee {
        Expr::Name(name) => name.id.as_str(),
        Expr::Attribute(attribute) => attribute.attr.id.as_str(),
        _ => return false,
    };
    WRAPPING_DECORATORS.binary_search(&last).is_err()
}

/// Calls whose result differs from one run to the next (random draws, clocks, input, the
/// next item of an iterator, a read from a file or queue), by the called name: the draws of
/// [`RANDOM_DRAWS`] and these.
const UNREPEATABLE_CALLS: &[&str] = &[
    "default_rng",
    "getrandbits",
    "input",
    "next",
    "now",
    "perf_counter",
    "read",
    "readline",
    "readlines",
    "recv",
    "time",
    "today",
    "token_hex",
    "urandom",
    "uuid1",
    "uuid4",
];

/// Whether `call` passes a seed as an integer literal: `seed=0`, `random_state=42`,
/// `random_seed=7`.
fn seeded_with_a_constant(call: &ast::ExprCall) -> bool {
    call.arguments.keywords.iter().any(|keyword| {
        keyword
            .arg
            .as_ref()
            .is_some_and(|name| matches!(name.as_str(), "seed" | "random_state" | "random_seed"))
            && matches!(&keyword.value, Expr::NumberLiteral(number)
            if matches!(number.value, ast::Number::Int(_)))
    })
}

/// Whether `call` makes a scikit-learn estimator whose `fit` draws no random numbers
/// (`deterministic_estimators.txt`: `MinMaxScaler()`, `LinearRegression(fit_intercept=False)`),
/// passing none of the settings that can make it draw some (`solver=`, `shuffle=`, ..).
fn deterministic_estimator(call: &ast::ExprCall) -> bool {
    const RANDOMIZING_SETTINGS: &[&str] = &[
        "solver",
        "svd_solver",
        "probability",
        "shuffle",
        "selection",
        "init",
        "strategy",
    ];
    callee_name(&call.func).is_some_and(|name| DETERMINISTIC_ESTIMATORS.contains(name))
        && call.arguments.keywords.iter().all(|keyword| {
            keyword
                .arg
                .as_ref()
                .is_some_and(|name| !RANDOMIZING_SETTINGS.contains(&name.as_str()))
        })
}

/// scikit-learn estimators whose `fit` draws no random numbers with their default settings
/// (`deterministic_estimators.txt`, one a line).
static DETERMINISTIC_ESTIMATORS: std::sync::LazyLock<HashSet<&'static str>> =
    std::sync::LazyLock::new(|| method_list(include_str!("deterministic_estimators.txt")));

/// Whether a function or method named `name` looks records up (`get_projects`,
/// `list_models`, `find_all`, `search`, `query`, `fetch_rows`): called again with the same
/// arguments, it finds the same records, in the same order.
fn is_lookup(name: &str) -> bool {
    ["get", "list", "find", "search", "query", "fetch"]
        .iter()
        .any(|verb| {
            name == *verb
                || name
                    .strip_prefix(verb)
                    .is_some_and(|rest| rest.starts_with('_'))
        })
}

/// The one argument of a lookup call (`client.get_project(project_id)`, see [`is_lookup`]).
fn lookup_argument(value: &Expr) -> Option<&Expr> {
    let Expr::Call(call) = value else {
        return None;
    };
    match &*call.arguments.args {
        [argument]
            if call.arguments.keywords.is_empty()
                && callee_name(&call.func).is_some_and(is_lookup) =>
        {
            Some(argument)
        }
        _ => None,
    }
}

/// Whether an attribute named `attribute` holds a record's identifier (`uid`, `id`, `_id`,
/// `uuid`, `key`, `name`, `project_id`).
fn is_identifier_attribute(attribute: &str) -> bool {
    matches!(attribute, "uid" | "id" | "_id" | "uuid" | "key" | "name")
        || attribute.ends_with("_id")
        || attribute.ends_with("_uid")
}

/// Whether the text after an import on its line marks it kept for its effect: a comment
/// `# noqa` on its own or naming `F401` (`# noqa: F401`, `# noqa: E402, F401`), as ruff and
/// flake8 read it, or one that says so in words (`# import to apply monkey patch`, `# for
/// its side effect`).
fn marked_kept_for_effect(rest_of_line: &str) -> bool {
    let Some((_, comment)) = rest_of_line.split_once('#') else {
        return false;
    };
    let words = comment.to_ascii_lowercase().replace(['-', '_'], " ");
    if ["side effect", "monkey patch", "monkeypatch"]
        .iter()
        .any(|phrase| words.contains(phrase))
    {
        return true;
    }
    let comment = comment.trim_start();
    let Some(after) = comment
        .get(..4)
        .filter(|word| word.eq_ignore_ascii_case("noqa"))
        .map(|_| &comment[4..])
    else {
        return false;
    };
    match after.trim_start().strip_prefix(':') {
        Some(codes) => codes
            .split(|c: char| c == ',' || c.is_whitespace())
            .take_while(|code| code.is_empty() || code.chars().all(|c| c.is_ascii_alphanumeric()))
            .any(|code| code == "F401"),
        None => after.is_empty() || after.starts_with(char::is_whitespace),
    }
}

/// The name a statement that is only a name, or a call of a name with no arguments, gives
/// IPython's automagic check (`pwd`, `pwd()`: both run `%pwd` when no variable has the name).
fn bare_automagic(expression: &Expr) -> Option<&str> {
    match expression {
        Expr::Name(name) => Some(name.id.as_str()),
        Expr::Call(call)
            if call.arguments.args.is_empty() && call.arguments.keywords.is_empty() =>
        {
            match &*call.func {
                Expr::Name(name) => Some(name.id.as_str()),
                _ => None,
            }
        }
        _ => None,
    }
}

/// The name a call statement may change in place through a method NB205 does not know to
/// leave it alone (`m.add_basemap("A")`, `loans.remove_column(f)`): not `df.head()`, nor a
/// method of an accessor that draws, formats or gives a new value (`daily.plot.line()`,
/// `df.style.format(..)`, `A.T.rref()`).
fn changed_receiver(call: &ast::ExprCall) -> Option<&str> {
    let Expr::Attribute(attribute) = &*call.func else {
        return None;
    };
    let through_accessor = matches!(&*attribute.value, Expr::Attribute(accessor)
        if NEW_VALUE_ACCESSORS.contains(accessor.attr.id.as_str()));
    (may_change_receiver(attribute.attr.id.as_str()) && !through_accessor)
        .then(|| root_name(&attribute.value))
        .flatten()
}

/// The names a random call is given as they are (`np.random.shuffle(order)`), which it
/// changes in a way no second run repeats.
fn randomly_changed(call: &ast::ExprCall) -> impl Iterator<Item = &str> {
    let random = callee_name(&call.func).is_some_and(is_unrepeatable_call);
    call.arguments
        .args
        .iter()
        .filter(move |_| random)
        .filter_map(|argument| argument.as_name_expr().map(|name| name.id.as_str()))
}

/// Class decorators that declare a second class, named by their first argument, in the
/// module of the class they decorate (IDAES's `declare_process_block_class("Heater")`).
const CLASS_DECLARING_DECORATORS: &[&str] = &["declare_process_block_class"];

/// Whether a call of `name` may give another result each run ([`UNREPEATABLE_CALLS`],
/// [`RANDOM_DRAWS`]).
fn is_unrepeatable_call(name: &str) -> bool {
    UNREPEATABLE_CALLS.contains(&name) || RANDOM_DRAWS.contains(&name)
}

/// Whether `function` is one of JAX's random functions, written `jax.random.NAME`: pure
/// functions of the key they are given.
fn is_jax_random(function: &Expr) -> bool {
    matches!(function, Expr::Attribute(function)
        if matches!(&*function.value, Expr::Attribute(module)
            if module.attr.id.as_str() == "random"
                && matches!(&*module.value, Expr::Name(jax) if jax.id.as_str() == "jax")))
}

/// Whether a name or attribute names a random generator or its state (`np.random`,
/// `RandomState`, `rng`, `torch.Generator`): a fresh one restarts the stream, so two
/// cells that make one each do not give a reader the same state.
fn is_random_state(name: &str) -> bool {
    // A class named for what it does at random (`RandomForestClassifier`,
    // `RandomizedSearchCV`, `RandomHorizontalFlip`) draws when it is used, not when it is
    // made: its settings are a value like any other.
    if let Some(rest) = name.strip_prefix("Random")
        && rest.starts_with(|c: char| c.is_ascii_alphabetic())
        && !matches!(rest, "State" | "Generator" | "Seed")
    {
        return false;
    }
    let lower = name.to_ascii_lowercase();
    // A seed is a number (`seed = 1234`, `MCState(.., seed=seed)`), and so is a name in
    // capitals, a constant by convention (`RANDOM_STATE = 42`), unless it says it is a
    // generator (`RNG`): reading one draws nothing. Not NumPy's `SeedSequence`, whose
    // `spawn` moves on.
    let constant = name.chars().any(|c| c.is_ascii_alphabetic())
        && !name.chars().any(|c| c.is_ascii_lowercase())
        && !lower.contains("rng")
        && !lower.contains("generator");
    if constant || (lower.contains("seed") && !lower.contains("sequence")) {
        return false;
    }
    ["random", "rng"]
        .iter()
        .any(|word| lower.contains(word))
        // `torch.Generator`, `generator`; not a factory such as `get_predefined_generator`.
        || lower == "generator"
}

/// Functions that take a statsmodels / patsy formula string, whose `name(..)` calls are
/// evaluated in the caller's namespace.
const FORMULA_FUNCTIONS: &[&str] = &[
    "dmatrices",
    "dmatrix",
    "from_formula",
    "gee",
    "glm",
    "gls",
    "logit",
    "mixedlm",
    "mnlogit",
    "negativebinomial",
    "nominal_gee",
    "ols",
    "ordinal_gee",
    "poisson",
    "probit",
    "quantreg",
    "rlm",
    "wls",
];

/// `text` with its spacing and comments removed where it separates no words: `f(a, b)` and
/// `f(a,b)` read the same, `not x` stays apart from a name `notx`; string literals keep their
/// spaces and are written with double quotes when that changes nothing (`'a.csv'` is
/// `"a.csv"`).
fn without_spacing(text: &str) -> String {
    let word = |c: char| c.is_alphanumeric() || c == '_';
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    let mut at = 0;
    while at < chars.len() {
        let c = chars[at];
        if c.is_whitespace() {
            pending_space = true;
            at += 1;
            continue;
        }
        if pending_space && out.chars().next_back().is_some_and(word) && word(c) {
            out.push(' ');
        }
        pending_space = false;
        if c == '\'' || c == '"' {
            // A string literal is kept as written, its quotes made double when that changes
            // nothing ('a.csv' is "a.csv").
            let triple = chars.get(at + 1) == Some(&c) && chars.get(at + 2) == Some(&c);
            let quotes = if triple { 3 } else { 1 };
            let Some(end) = string_close(&chars, at) else {
                out.extend(&chars[at..]);
                break;
            };
            let body = &chars[at + quotes..end];
            // `df["col"]` is `df.col`: pandas gives a column both ways.
            let mut after = end + quotes;
            while chars.get(after).is_some_and(|c| c.is_whitespace()) {
                after += 1;
            }
            let mut before = out.chars().rev();
            if !triple
                && before.next() == Some('[')
                && before
                    .next()
                    .is_some_and(|c| word(c) || c == ')' || c == ']')
                && chars.get(after) == Some(&']')
                && crate::vocabulary::subscript_is_attribute(&body.iter().collect::<String>())
            {
                out.pop();
                out.push('.');
                out.extend(body);
                at = after + 1;
                continue;
            }
            let quote = if !triple && c == '\'' && !body.iter().any(|b| matches!(b, '"' | '\\')) {
                '"'
            } else {
                c
            };
            out.extend(std::iter::repeat_n(quote, quotes));
            out.extend(body);
            out.extend(std::iter::repeat_n(quote, quotes));
            at = end + quotes;
            continue;
        }
        // A comment is no part of the code (`{"a": 1,  # one\n}`).
        if c == '#' {
            while chars.get(at).is_some_and(|&next| next != '\n') {
                at += 1;
            }
            continue;
        }
        // A number is written as its value: `100.`, `100.0` and `1e2` are `100.0`.
        let starts_number = c.is_ascii_digit()
            || (c == '.'
                && chars.get(at + 1).is_some_and(char::is_ascii_digit)
                && !out
                    .chars()
                    .next_back()
                    .is_some_and(|c| word(c) || c == ')' || c == ']'));
        if starts_number && !out.chars().next_back().is_some_and(|c| word(c) || c == '.') {
            let end = number_end(&chars, at);
            let literal: String = chars[at..end].iter().collect();
            out.push_str(&canonical_number(&literal).unwrap_or(literal));
            at = end;
            continue;
        }
        // A dict or set display's trailing comma changes nothing (`{k1: v1,\n}`), nor does a
        // call's (`pd.read_csv(\n    path,\n)`); a tuple's does (`(a,)`, `x in (a,)`).
        if c == '}' && out.ends_with(',') {
            out.pop();
        }
        if c == ')' && out.ends_with(',') && closes_a_call(&out) {
            out.pop();
        }
        out.push(c);
        at += 1;
    }
    without_quiet_keywords(&out)
}

/// Keyword arguments that only change what a call prints (`verbose=False`, `silent=True`,
/// `show_progress=False`), not what it gives back: pycaret's `create_model("dt")` and
/// `create_model("dt", verbose=False)` make one model.
const QUIET_KEYWORDS: &[&str] = &[
    "disable_tqdm",
    "progress_bar",
    "quiet",
    "show_progress",
    "show_progress_bar",
    "silent",
    "verbose",
    "verbosity",
];

/// `text` (as [`without_spacing`] writes it) without the [`QUIET_KEYWORDS`] arguments given a
/// literal (`f(x,verbose=0)` is `f(x)`); string literals are kept as they are.
fn without_quiet_keywords(text: &str) -> String {
    if !QUIET_KEYWORDS.iter().any(|keyword| text.contains(keyword)) {
        return text.to_owned();
    }
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    while at < chars.len() {
        let c = chars[at];
        if c == '"' || c == '\'' {
            let end = string_end(&chars, at);
            out.extend(&chars[at..end]);
            at = end;
            continue;
        }
        if matches!(out.chars().next_back(), Some('(' | ','))
            && let Some(end) = quiet_keyword_end(&chars, at)
            && matches!(chars.get(end), Some(',' | ')'))
        {
            if out.ends_with(',') {
                out.pop();
                at = end;
            } else if chars.get(end) == Some(&',') {
                at = end + 1;
            } else {
                at = end;
            }
            continue;
        }
        out.push(c);
        at += 1;
    }
    out
}

/// Where the quiet keyword argument starting at `at` ends (`verbose=False`, `silent=1`,
/// `verbosity=-1`, `show_progress="no"`), when one starts there with a literal value.
fn quiet_keyword_end(chars: &[char], at: usize) -> Option<usize> {
    let name_end = (at..chars.len())
        .find(|&end| !(chars[end].is_alphanumeric() || chars[end] == '_'))
        .unwrap_or(chars.len());
    let name: String = chars[at..name_end].iter().collect();
    if !QUIET_KEYWORDS.contains(&name.as_str())
        || chars.get(name_end) != Some(&'=')
        || chars.get(name_end + 1) == Some(&'=')
    {
        return None;
    }
    let value = name_end + 1;
    match chars.get(value)? {
        '"' | '\'' => Some(string_end(chars, value)),
        _ => {
            let start = if chars[value] == '-' {
                value + 1
            } else {
                value
            };
            let end = (start..chars.len())
                .find(|&end| !(chars[end].is_alphanumeric() || matches!(chars[end], '_' | '.')))
                .unwrap_or(chars.len());
            let literal: String = chars[start..end].iter().collect();
            let number = literal.chars().next().is_some_and(|c| c.is_ascii_digit());
            (number || (start == value && matches!(literal.as_str(), "True" | "False" | "None")))
                .then_some(end)
        }
    }
}

/// Where the string literal opening at `at` ends (past its closing quotes), or the text's end.
fn string_end(chars: &[char], at: usize) -> usize {
    let triple = chars.get(at + 1) == Some(&chars[at]) && chars.get(at + 2) == Some(&chars[at]);
    string_close(chars, at).map_or(chars.len(), |close| close + if triple { 3 } else { 1 })
}

/// Where the closing quotes of the string literal opening at `at` start: `None` when it is
/// not closed (by the text's end, or for a one-quote string by a line's end).
fn string_close(chars: &[char], at: usize) -> Option<usize> {
    let quote = chars[at];
    let triple = chars.get(at + 1) == Some(&quote) && chars.get(at + 2) == Some(&quote);
    let mut end = at + if triple { 3 } else { 1 };
    loop {
        match chars.get(end) {
            None => return None,
            Some('\\') => end += 2,
            Some('\n') if !triple => return None,
            Some(&next)
                if next == quote
                    && (!triple
                        || (chars.get(end + 1) == Some(&quote)
                            && chars.get(end + 2) == Some(&quote))) =>
            {
                return Some(end);
            }
            Some(_) => end += 1,
        }
    }
}

/// Whether the `)` about to close `written` (text [`without_spacing`] has written so far,
/// ending in a `,`) closes a call's arguments: its `(` follows a name that is no keyword, a
/// `)` or a `]` (`f(a,`, `g()(a,`, `fs[0](a,`), not an operator or a keyword (`(a,`,
/// `x in (a,`), where the parentheses make a tuple.
fn closes_a_call(written: &str) -> bool {
    let mut depth = 0usize;
    let mut open = None;
    for (at, c) in written.char_indices().rev() {
        match c {
            ')' | ']' | '}' => depth += 1,
            '(' | '[' | '{' if depth > 0 => depth -= 1,
            '(' => {
                open = Some(at);
                break;
            }
            '[' | '{' => return false,
            _ => {}
        }
    }
    let Some(open) = open else {
        return false;
    };
    let before = &written[..open];
    match before.chars().next_back() {
        Some(')' | ']') => true,
        Some(c) if c.is_alphanumeric() || c == '_' => {
            let word_start = before
                .rfind(|c: char| !(c.is_alphanumeric() || c == '_'))
                .map_or(0, |at| at + 1);
            !matches!(
                &before[word_start..],
                "and"
                    | "assert"
                    | "await"
                    | "elif"
                    | "else"
                    | "for"
                    | "from"
                    | "if"
                    | "in"
                    | "is"
                    | "lambda"
                    | "not"
                    | "or"
                    | "return"
                    | "while"
                    | "with"
                    | "yield"
            )
        }
        _ => false,
    }
}

/// Where the number literal starting at `start` ends: digits, `_`, one `.`, an exponent,
/// and any letters run on (`0x1f`, `3j`, `10L`), which [`canonical_number`] leaves as
/// written.
fn number_end(chars: &[char], start: usize) -> usize {
    let mut end = start;
    let mut previous = ' ';
    while let Some(&c) = chars.get(end) {
        let sign_of_exponent = matches!(c, '+' | '-') && matches!(previous, 'e' | 'E');
        if !(c.is_alphanumeric() || c == '_' || c == '.' || sign_of_exponent) {
            break;
        }
        // `1.real` aside, a second `.` starts an attribute (`1..`) no literal holds.
        if c == '.' && chars[start..end].contains(&'.') {
            break;
        }
        previous = c;
        end += 1;
    }
    end
}

/// A decimal literal written as its value, so two spellings of one number read the same:
/// `100.`, `100.0` and `1e2` are `100.0`; `.5` and `5e-1` are `0.5`; `1_000` is `1000`. An
/// integer stays apart from the float of its value (`age = 27` and `age = 27.0` have other
/// types, which a notebook may show). `None` for anything else (`0x1f`, `3j`), which stays
/// as written.
fn canonical_number(literal: &str) -> Option<String> {
    let digits: String = literal.chars().filter(|&c| c != '_').collect();
    if !digits
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'))
    {
        return None;
    }
    if !digits.contains(['.', 'e', 'E']) {
        // Python 3 reads no leading zeros in a decimal integer but `0`, `00`.
        let trimmed = digits.trim_start_matches('0');
        return Some(if trimmed.is_empty() { "0" } else { trimmed }.to_owned());
    }
    let value: f64 = digits.parse().ok()?;
    if !value.is_finite() {
        return None;
    }
    // `{:?}` keeps a float's point (`100.0`) and writes the shortest digits that read back as
    // the same float.
    Some(format!("{value:?}"))
}

/// Whether a call passes `inplace=True` (pandas' `df.set_index("d", inplace=True)`).
fn is_inplace(call: &ast::ExprCall) -> bool {
    passes_true(call, "inplace")
}

/// Whether a call passes the literal `True` as the keyword argument `keyword`.
fn passes_true(call: &ast::ExprCall, keyword: &str) -> bool {
    call.arguments.find_keyword(keyword).is_some_and(
        |keyword| matches!(&keyword.value, Expr::BooleanLiteral(literal) if literal.value),
    )
}

/// The name a copy call copies: `deepcopy(X)`, `copy.deepcopy(X)`, `copy(X)`,
/// `copy.copy(X)`, `X.copy()`, `X.clone()`.
fn copied_name(value: &Expr) -> Option<&str> {
    let Expr::Call(call) = value else {
        return None;
    };
    if !call.arguments.keywords.is_empty() {
        return None;
    }
    match (&*call.func, call.arguments.args.as_ref()) {
        (Expr::Attribute(attribute), [])
            if matches!(attribute.attr.id.as_str(), "copy" | "clone") =>
        {
            match &*attribute.value {
                Expr::Name(name) => Some(name.id.as_str()),
                _ => None,
            }
        }
        (function, [Expr::Name(name)])
            if matches!(
                dotted(function).as_deref(),
                Some("deepcopy" | "copy.deepcopy" | "copy" | "copy.copy")
            ) =>
        {
            Some(name.id.as_str())
        }
        _ => None,
    }
}

/// scikit-learn's utilities that fit a fresh copy of the estimator they are given
/// ([`sklearn.base.clone`]), never the estimator itself.
const CLONING_CALLS: &[&str] = &[
    "GridSearchCV",
    "HalvingGridSearchCV",
    "HalvingRandomSearchCV",
    "RandomizedSearchCV",
    "clone",
    "cross_val_predict",
    "cross_val_score",
    "cross_validate",
    "learning_curve",
    "permutation_test_score",
    "validation_curve",
];

/// scikit-learn's meta-estimators, made from other estimators that their own `fit` clones
/// (`VotingClassifier`, `RFE`, `ColumnTransformer`) or fits again (`make_pipeline`,
/// `Pipeline`): what those estimators learnt before does not count, only their settings.
/// `SelectFromModel(prefit=True)` and `CalibratedClassifierCV(cv="prefit")` use the fit.
const COMPOSING_CALLS: &[&str] = &[
    "AdaBoostClassifier",
    "AdaBoostRegressor",
    "BaggingClassifier",
    "BaggingRegressor",
    "CalibratedClassifierCV",
    "ClassifierChain",
    "ColumnTransformer",
    "FeatureUnion",
    "MultiOutputClassifier",
    "MultiOutputRegressor",
    "OneVsOneClassifier",
    "OneVsRestClassifier",
    "OutputCodeClassifier",
    "Pipeline",
    "RFE",
    "RFECV",
    "RegressorChain",
    "SelectFromModel",
    "SequentialFeatureSelector",
    "StackingClassifier",
    "StackingRegressor",
    "TransformedTargetRegressor",
    "VotingClassifier",
    "VotingRegressor",
    "make_column_transformer",
    "make_pipeline",
    "make_union",
];

/// The plain names whose reads in `call` use only the settings of their values (see
/// [`NameUse::settings_only`]): the estimator a cloning utility is given ([`CLONING_CALLS`]:
/// its first argument or its `estimator=`), the estimators a meta-estimator is made of
/// ([`COMPOSING_CALLS`]: any argument, or an item of a list or tuple argument, `("scale",
/// scaler)` in `Pipeline([..])`), the values `print`, `display` or `repr` shows, and the
/// receiver of `get_params()`.
fn settings_reads(call: &ast::ExprCall) -> Vec<&Expr> {
    if let Expr::Attribute(attribute) = &*call.func
        && attribute.attr.id.as_str() == "get_params"
        && matches!(&*attribute.value, Expr::Name(_))
    {
        return vec![&*attribute.value];
    }
    let Some(callee) = callee_name(&call.func) else {
        return Vec::new();
    };
    if matches!(&*call.func, Expr::Name(_)) && matches!(callee, "print" | "display" | "repr") {
        return call
            .arguments
            .args
            .iter()
            .filter(|argument| matches!(argument, Expr::Name(_)))
            .collect();
    }
    if CLONING_CALLS.contains(&callee) {
        return first_argument(call, &["estimator"])
            .filter(|argument| matches!(argument, Expr::Name(_)))
            .into_iter()
            .collect();
    }
    if !COMPOSING_CALLS.contains(&callee) || uses_the_fit(call) {
        return Vec::new();
    }
    let mut names = Vec::new();
    let arguments = call
        .arguments
        .args
        .iter()
        .chain(call.arguments.keywords.iter().map(|keyword| &keyword.value));
    for argument in arguments {
        collect_plain_names(argument, 2, &mut names);
    }
    names
}

/// The plain names `expression` is or holds as items of list and tuple displays, `depth`
/// displays deep.
fn collect_plain_names<'a>(expression: &'a Expr, depth: usize, names: &mut Vec<&'a Expr>) {
    match expression {
        Expr::Name(_) => names.push(expression),
        Expr::List(ast::ExprList { elts, .. }) | Expr::Tuple(ast::ExprTuple { elts, .. })
            if depth > 0 =>
        {
            for item in elts {
                collect_plain_names(item, depth - 1, names);
            }
        }
        _ => {}
    }
}

/// Whether a meta-estimator call is told to use its estimator as already fitted
/// (`SelectFromModel(model, prefit=True)`, `CalibratedClassifierCV(model, cv="prefit")`).
fn uses_the_fit(call: &ast::ExprCall) -> bool {
    call.arguments.keywords.iter().any(|keyword| {
        match (
            keyword.arg.as_ref().map(ast::Identifier::as_str),
            &keyword.value,
        ) {
            (Some("prefit"), Expr::BooleanLiteral(literal)) => literal.value,
            // A value the text does not give may be `True`.
            (Some("prefit"), _) => true,
            (Some("cv"), Expr::StringLiteral(literal)) => literal.value.to_str() == "prefit",
            _ => false,
        }
    })
}

/// Whether `expression` is a literal whose text says its value: a string, a number, `None`,
/// `True` or `False`.
fn is_constant(expression: &Expr) -> bool {
    matches!(
        expression,
        Expr::StringLiteral(_)
            | Expr::NumberLiteral(_)
            | Expr::NoneLiteral(_)
            | Expr::BooleanLiteral(_)
    )
}

/// A call's first positional argument, or else its keyword argument of one of `keywords`.
fn first_argument<'a>(call: &'a ast::ExprCall, keywords: &[&str]) -> Option<&'a Expr> {
    call.arguments.args.first().or_else(|| {
        call.arguments
            .keywords
            .iter()
            .find(|keyword| {
                keyword
                    .arg
                    .as_ref()
                    .is_some_and(|name| keywords.contains(&name.as_str()))
            })
            .map(|keyword| &keyword.value)
    })
}

/// Whether a part of an f-string gives the same text from the same values: literal text,
/// or a [`repeatable`] expression with a repeatable format spec.
fn repeatable_interpolation(
    element: &ast::InterpolatedStringElement,
    reads: &mut Vec<String>,
    depth: usize,
) -> bool {
    match element {
        ast::InterpolatedStringElement::Literal(_) => true,
        ast::InterpolatedStringElement::Interpolation(interpolation) => {
            depth > 0
                && repeatable(&interpolation.expression, reads, depth)
                && interpolation.format_spec.as_ref().is_none_or(|spec| {
                    spec.elements
                        .iter()
                        .all(|part| repeatable_interpolation(part, reads, depth - 1))
                })
        }
    }
}

/// Whether every expression of `exprs` is [`repeatable`].
fn all_repeatable<'a>(
    exprs: impl IntoIterator<Item = &'a Expr>,
    reads: &mut Vec<String>,
    depth: usize,
) -> bool {
    exprs.into_iter().all(|expr| repeatable(expr, reads, depth))
}

/// Whether evaluating `expr` again, with the same values of the names it reads, gives the
/// same value: literals, names, attributes, arithmetic, comparisons, containers, subscripts
/// and calls of anything but [`is_unrepeatable_call`] and methods that change their receiver.
/// Collects the names it reads into `reads`. Anything else (`await`, a walrus, nesting deeper
/// than `depth`) is not judged repeatable.
/// The names `value` reads a file through (`f` of `f.read()` and `f.readlines()`).
fn read_through_handles(value: &Expr) -> Vec<&str> {
    struct Reads<'a>(Vec<&'a str>);
    impl<'a> Visitor<'a> for Reads<'a> {
        fn visit_expr(&mut self, expression: &'a Expr) {
            if let Expr::Call(call) = expression
                && let Expr::Attribute(method) = &*call.func
                && matches!(method.attr.id.as_str(), "read" | "readlines")
                && let Expr::Name(handle) = &*method.value
            {
                self.0.push(handle.id.as_str());
            }
            // A value as long as `repeatable` follows (`"a" + .. + "z"`) nests that deep.
            stacker::maybe_grow(STACK_RED_ZONE, STACK_SEGMENT, || {
                visitor::walk_expr(self, expression);
            });
        }
    }
    let mut reads = Reads(Vec::new());
    reads.visit_expr(value);
    reads.0
}

fn repeatable(expr: &Expr, reads: &mut Vec<String>, depth: usize) -> bool {
    if depth == 0 {
        return false;
    }
    match expr {
        Expr::NumberLiteral(_)
        | Expr::StringLiteral(_)
        | Expr::BytesLiteral(_)
        | Expr::BooleanLiteral(_)
        | Expr::NoneLiteral(_)
        | Expr::EllipsisLiteral(_) => true,
        Expr::Name(name) => {
            reads.push(name.id.as_str().to_owned());
            !is_random_state(name.id.as_str())
        }
        Expr::Attribute(attribute) => {
            !is_random_state(attribute.attr.id.as_str())
                && repeatable(&attribute.value, reads, depth - 1)
        }
        Expr::UnaryOp(unary) => repeatable(&unary.operand, reads, depth - 1),
        // A chain `"a\n" + "b\n" + .. + "z\n"` nests to the left as deep as it is long: its
        // operands count one level each, not one more per link.
        Expr::BinOp(binary) => {
            let mut left = &binary.left;
            let mut right_operands = vec![&binary.right];
            while let Expr::BinOp(inner) = &**left {
                right_operands.push(&inner.right);
                left = &inner.left;
            }
            repeatable(left, reads, depth - 1)
                && right_operands
                    .into_iter()
                    .rev()
                    .all(|operand| repeatable(operand, reads, depth - 1))
        }
        Expr::BoolOp(boolean) => all_repeatable(boolean.values.iter(), reads, depth - 1),
        Expr::Compare(compare) => {
            repeatable(&compare.left, reads, depth - 1)
                && all_repeatable(compare.comparators.iter(), reads, depth - 1)
        }
        Expr::Tuple(tuple) => all_repeatable(tuple.elts.iter(), reads, depth - 1),
        Expr::List(list) => all_repeatable(list.elts.iter(), reads, depth - 1),
        Expr::Set(set) => all_repeatable(set.elts.iter(), reads, depth - 1),
        Expr::Dict(dict) => dict.items.iter().all(|item| {
            item.key
                .as_ref()
                .is_none_or(|key| repeatable(key, reads, depth - 1))
                && repeatable(&item.value, reads, depth - 1)
        }),
        Expr::Subscript(subscript) => {
            repeatable(&subscript.value, reads, depth - 1)
                && repeatable(&subscript.slice, reads, depth - 1)
        }
        Expr::Slice(slice) => [&slice.lower, &slice.upper, &slice.step]
            .into_iter()
            .flatten()
            .all(|part| repeatable(part, reads, depth - 1)),
        Expr::Starred(starred) => repeatable(&starred.value, reads, depth - 1),
        // `[i for i in range(1, 10)]`: the same list from the same inputs; the names the
        // comprehension binds are not reads.
        Expr::ListComp(comprehension) => repeatable_comprehension(
            &comprehension.generators,
            &[&comprehension.elt],
            reads,
            depth,
        ),
        Expr::SetComp(comprehension) => repeatable_comprehension(
            &comprehension.generators,
            &[&comprehension.elt],
            reads,
            depth,
        ),
        Expr::DictComp(comprehension) => comprehension.key.as_deref().is_some_and(|key| {
            repeatable_comprehension(
                &comprehension.generators,
                &[key, &comprehension.value],
                reads,
                depth,
            )
        }),
        Expr::If(conditional) => {
            repeatable(&conditional.test, reads, depth - 1)
                && repeatable(&conditional.body, reads, depth - 1)
                && repeatable(&conditional.orelse, reads, depth - 1)
        }
        // `f"{host}:80"`: the same text from the same values.
        Expr::FString(fstring) => fstring
            .value
            .elements()
            .all(|element| repeatable_interpolation(element, reads, depth - 1)),
        // `.assign(e=lambda x: x["d"] + 1)`: the same function from the same text; its
        // parameters are not reads.
        Expr::Lambda(lambda) => {
            let mut parameters = Vec::new();
            if let Some(list) = &lambda.parameters {
                for parameter in &**list {
                    parameters.push(parameter.name().as_str().to_owned());
                }
                for parameter in list.iter_non_variadic_params() {
                    if let Some(default) = &parameter.default
                        && !repeatable(default, reads, depth - 1)
                    {
                        return false;
                    }
                }
            }
            let mut inner = Vec::new();
            if !repeatable(&lambda.body, &mut inner, depth - 1) {
                return false;
            }
            reads.extend(inner.into_iter().filter(|read| !parameters.contains(read)));
            true
        }
        // `jax.random.normal(jax.random.key(42), (4, 32))`: JAX's random functions are pure,
        // the same array from the same key.
        Expr::Call(call) if is_jax_random(&call.func) => {
            reads.push("jax".to_owned());
            all_repeatable(call.arguments.args.iter(), reads, depth - 1)
                && call
                    .arguments
                    .keywords
                    .iter()
                    .all(|keyword| repeatable(&keyword.value, reads, depth - 1))
        }
        // `with open(path) as f: rows = f.readlines()`: what the file holds if this is the
        // first read of `f` in the `with` body, as `json.load(f)` is
        // ([`Analyzer::repeatable_value`] checks, and makes `f.read()` of a file object bound
        // any other way unrepeatable).
        Expr::Call(call)
            if call.arguments.is_empty()
                && let Expr::Attribute(method) = &*call.func
                && matches!(method.attr.id.as_str(), "read" | "readlines")
                && let Expr::Name(handle) = &*method.value =>
        {
            reads.push(handle.id.as_str().to_owned());
            true
        }
        // `next(client.get_feature_schemas("cat"))`: the first result of a lookup made
        // afresh, the same from the same inputs (not `next(iter(loader))`, which may shuffle,
        // nor `next(it)`, which goes on where the iterator stopped).
        Expr::Call(call)
            if matches!(&*call.func, Expr::Name(function) if function.id.as_str() == "next")
                && call.arguments.keywords.is_empty()
                && let [Expr::Call(lookup)] = &*call.arguments.args
                && callee_name(&lookup.func).is_some_and(is_lookup) =>
        {
            repeatable(&call.arguments.args[0], reads, depth - 1)
        }
        // `song_data.random_split(.8, seed=0)`, `df.sample(5, random_state=1)`: a draw seeded
        // with a constant gives the same result from the same inputs (not a generator made
        // from a seed, whose state moves on as it is drawn from).
        Expr::Call(call)
            if seeded_with_a_constant(call)
                && let Expr::Attribute(method) = &*call.func
                && !matches!(
                    method.attr.id.as_str(),
                    "default_rng" | "RandomState" | "Generator" | "Random" | "PRNGKey" | "key"
                ) =>
        {
            repeatable(&method.value, reads, depth - 1)
                && all_repeatable(call.arguments.args.iter(), reads, depth - 1)
                && call
                    .arguments
                    .keywords
                    .iter()
                    .all(|keyword| repeatable(&keyword.value, reads, depth - 1))
        }
        Expr::Call(call) => {
            let called = match &*call.func {
                Expr::Name(name) => name.id.as_str(),
                Expr::Attribute(attribute) => attribute.attr.id.as_str(),
                // `solution[0]["mLvlMin"](p)`: a function looked up and called.
                Expr::Subscript(_) => "",
                _ => return false,
            };
            // pandas' `df.append(other)` (before pandas 2) gives a new frame; a list's `append`
            // gives `None`, so one whose value is taken is a frame's.
            let mutates = matches!(&*call.func, Expr::Attribute(_))
                && is_mutating_method(called)
                && called != "append";
            // `open(path).read()`: a file opened afresh is read from its start, the same text
            // from the same file (not `f.read()`, which goes on where `f` stopped).
            let reads_a_fresh_file = matches!(called, "read" | "readline" | "readlines")
                && matches!(&*call.func, Expr::Attribute(method)
                    if round_trips::opened_path(&method.value).is_some());
            !((is_unrepeatable_call(called) && !reads_a_fresh_file) || mutates)
                && repeatable(&call.func, reads, depth - 1)
                // `dict((v, k) for k, v in pairs)`: a generator the call consumes at once is
                // the same as the comprehension (one bound to a name is an iterator, not).
                && call.arguments.args.iter().all(|argument| match argument {
                    Expr::Generator(generator) => repeatable_comprehension(
                        &generator.generators,
                        &[&generator.elt],
                        reads,
                        depth - 1,
                    ),
                    _ => repeatable(argument, reads, depth - 1),
                })
                && call
                    .arguments
                    .keywords
                    .iter()
                    .all(|keyword| repeatable(&keyword.value, reads, depth - 1))
        }
        _ => false,
    }
}

mod elements;
mod handles;
mod idempotent;
mod loops;
mod round_trips;
mod stops;
#[cfg(test)]
mod tests;
