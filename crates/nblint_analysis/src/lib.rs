//! The one composition of nblint's analysis, which the CLI, the benchmark, the rule tests and
//! (through the same language decision) `graph` and `extract` call: the notebook's cell
//! language (`--language`, else the `language` setting of `nblint.toml`, else the kernel
//! metadata, else a guess from its cells), its front end and cell facts ([`analyse`]), then
//! the graph and the rules ([`lint`]). A change to how analysis is composed is made here once.

use std::collections::HashMap;

use nblint_facts::{
    CellFacts, CellFrontend, Container, DefinitionKind, Detected, Language, LanguageSource,
    NotebookFacts, Vocabulary,
};
use nblint_graph::Graph;
use nblint_lint::{Context, Diagnostic, RuleSelection, RuleSettings};
use nblint_notebook::Notebook;

/// The front end for `language`, if nblint reads that cell language. Notebooks in other
/// languages get only the language-independent rules.
pub fn frontend_for(language: &Language) -> Option<&'static dyn CellFrontend> {
    match language {
        Language::Rust => Some(&nblint_rust::RustFrontend),
        Language::Python => Some(&nblint_python::PythonFrontend),
        Language::Other(_) => None,
    }
}

/// What the user chose, if anything: `--language` and the configuration's `language`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Choice<'a> {
    /// `--language`, which overrides everything.
    pub flag: Option<&'a Language>,
    /// `language` in `nblint.toml`, which overrides the notebook's metadata.
    pub setting: Option<&'a Language>,
}

/// The front ends a guess from the cells weighs, the default (Python) first.
const GUESSED_FROM: [&dyn CellFrontend; 2] =
    [&nblint_python::PythonFrontend, &nblint_rust::RustFrontend];

/// The notebook's cell language and where it came from, with the facts of its cells when
/// guessing already analysed them.
fn decide(notebook: &Notebook, choice: Choice<'_>) -> (Detected, Option<NotebookFacts>) {
    if let Some(language) = choice.flag {
        let detected = Detected {
            language: language.clone(),
            source: LanguageSource::CommandLine,
        };
        return (detected, None);
    }
    if let Some(language) = choice.setting {
        let detected = Detected {
            language: language.clone(),
            source: LanguageSource::Configuration,
        };
        return (detected, None);
    }
    if let Some((language, field)) = Language::from_metadata(notebook) {
        let detected = Detected {
            language,
            source: LanguageSource::Metadata(field),
        };
        return (detected, None);
    }
    Language::guess(notebook, &GUESSED_FROM)
}

/// The notebook's cell language and where it came from.
pub fn language_of(notebook: &Notebook, choice: Choice<'_>) -> Detected {
    decide(notebook, choice).0
}

/// A notebook with its language, front end (if any) and cell facts.
pub struct Analysed {
    /// The cell language.
    pub language: Language,
    /// Where the language came from.
    pub detected: Detected,
    /// The notebook says it ran on Python 2 (and is read as Python 3): its metadata, or, where
    /// that names no version, a `print` statement or a cell that ran a Python 2 builtin
    /// (`reload(bd)`) without an error.
    pub python2: bool,
    /// A Databricks notebook (its metadata has Databricks' notebook format), which runs with
    /// Databricks' globals (`spark`, `dbutils`, `displayHTML`, ...).
    pub databricks: bool,
    /// A notebook for a PySpark kernel (its kernelspec's name says Spark: `pyspark`,
    /// `pysparkkernel`, `desc-pyspark`), which starts with a session `spark` and a context
    /// `sc`.
    pub pyspark_kernel: bool,
    /// The front end used, or `None` when the language is not one nblint reads.
    pub frontend: Option<&'static dyn CellFrontend>,
    /// Facts per cell (all `None` without a front end).
    pub facts: NotebookFacts,
}

impl Analysed {
    /// What the user should know about how the cells were read: a language guessed from
    /// the content, a Python 2 notebook read as Python 3.
    pub fn language_notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if let Some(note) = self.detected.guess_note() {
            notes.push(note);
        }
        if self.python2 {
            notes.push(
                "Python 2 notebook: cells are read as Python 3, so Python 2 syntax (`print x`, \
                 `raise E, \"message\"`) is a syntax-error (NB001), reported once per cell"
                    .to_owned(),
            );
        }
        notes
    }

    /// Why each rule `selection` runs reports nothing at all in this notebook, in rule
    /// order, when the rule's own condition holds ([`nblint_lint::Rule::silence`]): what a
    /// note should tell the user, straight from the rules. None without a front end, whose
    /// facts are empty.
    pub fn silences(&self, selection: &RuleSelection) -> Vec<nblint_lint::Silence> {
        if self.frontend.is_none() {
            return Vec::new();
        }
        nblint_lint::all_rules()
            .iter()
            .filter(|rule| selection.is_enabled(rule))
            .filter_map(|rule| rule.silence(&self.facts))
            .collect()
    }
}

/// Runs the notebook's front end over its code cells, in the language [`language_of`]
/// decides.
pub fn analyse(notebook: &Notebook, choice: Choice<'_>) -> Analysed {
    analyse_with(notebook, choice, None)
}

/// The facts of the cells of the last analysis, by cell source, so that analysing a notebook
/// again after an edit (the language server, on every keystroke) runs the front end only on
/// the cells that changed. A front end's facts are a function of the cell's source alone
/// ([`CellFrontend::analyze`]), so a reused entry is exactly what a new run would give.
#[derive(Debug, Default)]
pub struct FactsCache {
    language: Option<Language>,
    by_source: HashMap<String, CellFacts>,
}

/// [`analyse`], reusing the facts of cells whose source `cache` already holds, and keeping
/// in `cache` the facts of this notebook's cells for the next call.
pub fn analyse_cached(notebook: &Notebook, choice: Choice<'_>, cache: &mut FactsCache) -> Analysed {
    analyse_with(notebook, choice, Some(cache))
}

fn analyse_with(
    notebook: &Notebook,
    choice: Choice<'_>,
    cache: Option<&mut FactsCache>,
) -> Analysed {
    let (detected, guessed_facts) = decide(notebook, choice);
    let language = detected.language.clone();
    let frontend = frontend_for(&language);
    let facts = match (guessed_facts, frontend, cache) {
        (Some(facts), Some(_), _) => facts,
        (None, Some(frontend), Some(cache)) => {
            if cache.language.as_ref() != Some(&language) {
                cache.by_source.clear();
                cache.language = Some(language.clone());
            }
            let mut previous = std::mem::take(&mut cache.by_source);
            let cells = notebook
                .cells()
                .iter()
                .map(|cell| {
                    // As `NotebookFacts::analyze`: a cell whose metadata names another
                    // language is not this front end's to read.
                    let foreign = nblint_facts::cell_language(notebook, cell.number)
                        .is_some_and(|own| own != language);
                    (cell.is_code() && !foreign).then(|| {
                        let facts = previous
                            .remove(&cell.source)
                            .unwrap_or_else(|| frontend.analyze(&cell.source));
                        cache.by_source.insert(cell.source.clone(), facts.clone());
                        facts
                    })
                })
                .collect();
            NotebookFacts { cells }
        }
        (None, Some(frontend), None) => NotebookFacts::analyze(notebook, frontend),
        (_, None, _) => NotebookFacts::unanalysed(notebook),
    };
    let mut facts = facts;
    if let Some(frontend) = frontend {
        read_registered_cell_magics(notebook, frontend, &mut facts);
    }
    if language == Language::Python {
        name_snowflake_cells(notebook, &mut facts);
        forget_unordered_walks(&mut facts);
    }
    if language == Language::Rust {
        forget_failed_variables(notebook, &mut facts);
    }
    let python2 = language == Language::Python
        && (Language::is_python2(notebook)
            || (!Language::is_python3(notebook)
                && (shows_python2_statements(notebook, &facts)
                    || ran_a_python2_builtin(notebook, &facts))));
    let databricks = language == Language::Python
        && notebook.metadata().is_some_and(|metadata| {
            metadata.contains_key(DATABRICKS_FORMAT) || metadata.contains_key(DATABRICKS_OLD_EXPORT)
        });
    let pyspark_kernel = language == Language::Python
        && ([["kernelspec", "name"], ["kernelspec", "display_name"]]
            .iter()
            .filter_map(|path| notebook.metadata_str(path))
            .any(|kernel| kernel.to_ascii_lowercase().contains("spark"))
            || ran_a_pyspark_global(notebook, &facts));
    // In a Databricks notebook a cell whose first line is `%sql`, `%md`, `%scala`, `%r`,
    // `%sh` or `%fs` is a cell of that language: no Python, nothing bound or read.
    if databricks {
        for (cell, facts) in notebook.cells().iter().zip(facts.cells.iter_mut()) {
            if cell.is_code() && databricks_other_language(&cell.source) {
                *facts = Some(CellFacts::default());
            }
        }
    }
    Analysed {
        language,
        detected,
        python2,
        databricks,
        pyspark_kernel,
        frontend,
        facts,
    }
}

/// evcxr keeps none of the new variables of a cell whose stored output is an error: a compile
/// error commits no state at all, and a panic or a `?` error drops the cell's new variables
/// (`../shared/notes/evcxr.md`, 1.6). So in the graph such a cell binds no variable: a later
/// use finds the binding that really held. Its items stay (a panicking cell had compiled
/// them), and so do its uses. A variable that a cell which ran fine reads is kept: the stored
/// error may be older than a run that worked, and a use must never be called undefined on
/// that guess.
fn forget_failed_variables(notebook: &Notebook, facts: &mut NotebookFacts) {
    let cells = notebook.cells();
    if !cells.iter().any(|cell| cell.has_error_output) {
        return;
    }
    let read_by_working_cells: std::collections::HashSet<String> = cells
        .iter()
        .zip(&facts.cells)
        .filter(|(cell, _)| !cell.has_error_output)
        .filter_map(|(_, facts)| facts.as_ref())
        .flat_map(|facts| facts.uses.iter().map(|use_| use_.name.clone()))
        .collect();
    for (cell, facts) in cells.iter().zip(facts.cells.iter_mut()) {
        if cell.has_error_output
            && let Some(facts) = facts
        {
            facts.defines.retain(|definition| {
                definition.kind != DefinitionKind::Variable
                    || read_by_working_cells.contains(&definition.name)
            });
        }
    }
}

/// Parses a `--language` value: `rust`, `python` (or a kernel name such as `python3`).
pub fn parse_language(value: &str) -> Result<Language, String> {
    match Language::from_name(value) {
        language @ (Language::Rust | Language::Python) => Ok(language),
        Language::Other(name) => Err(format!(
            "`{name}` is not a cell language nblint reads (expected `rust` or `python`)"
        )),
    }
}

/// Builtins of Python 2 that Python 3 no longer has, defined in a Python 2 notebook.
const PYTHON2_BUILTINS: &[&str] = &[
    "apply",
    "basestring",
    "buffer",
    "cmp",
    "coerce",
    "execfile",
    "file",
    "intern",
    "long",
    "raw_input",
    "reduce",
    "reload",
    "unichr",
    "unicode",
    "xrange",
];

/// Whether a Databricks cell's first line names another language (`%sql`, `%md`,
/// `%md-sandbox`, `%scala`, `%r`, `%sh`, `%fs`).
fn databricks_other_language(source: &str) -> bool {
    source
        .lines()
        .find(|line| !line.trim().is_empty())
        .and_then(|line| line.split_whitespace().next())
        .is_some_and(|magic| {
            matches!(
                magic,
                "%sql" | "%md" | "%md-sandbox" | "%scala" | "%r" | "%sh" | "%fs"
            )
        })
}

/// The metadata key of Databricks' notebook format.
const DATABRICKS_FORMAT: &str = "application/vnd.databricks.v1+notebook";

/// The metadata key Databricks' older Jupyter export writes beside the notebook's `name`.
const DATABRICKS_OLD_EXPORT: &str = "notebookId";

/// The names a Databricks Python notebook runs with, defined by the platform.
const DATABRICKS_GLOBALS: &[&str] = &[
    "dbutils",
    "display",
    "displayHTML",
    "getArgument",
    "sc",
    "spark",
    "sql",
    "sqlContext",
    "table",
];

/// Drops the value of a loop target that walks a plain name ([`nblint_facts::Definition::walks`]: `for k in
/// strikes:` leaves `k` at `strikes`' last element) where that name's binding in force is not
/// a list, tuple or dict: a data loader or a generator need not give the same elements in the same
/// order twice. One pass over the bindings, in order.
fn forget_unordered_walks(facts: &mut NotebookFacts) {
    let mut containers: HashMap<String, Option<Container>> = HashMap::new();
    for cell in facts.cells.iter_mut().flatten() {
        let mut order: Vec<usize> = (0..cell.defines.len()).collect();
        order.sort_by_key(|&at| cell.defines[at].span.start);
        for at in order {
            let definition = &mut cell.defines[at];
            let ordered = definition.walks.iter().all(|name| {
                matches!(
                    containers.get(name),
                    Some(Some(Container::List | Container::Dict | Container::Tuple))
                )
            });
            if !ordered {
                definition.value = None;
            }
            let container = (!definition.conditional)
                .then_some(definition.container)
                .flatten();
            containers.insert(definition.name.clone(), container);
        }
    }
}

/// The names a PySpark kernel starts with (its shell's session, context and SQL context).
const PYSPARK_KERNEL_GLOBALS: &[&str] = &["sc", "spark", "sqlContext"];

/// The dependency graph of `notebook`, from what [`analyse`] found.
pub fn graph(notebook: &Notebook, analysed: &Analysed) -> Graph {
    let is_builtin = |name: &str| {
        // A Python 2 notebook ran with Python 2's builtins (`xrange`, `unicode`, ...).
        (analysed.python2 && PYTHON2_BUILTINS.contains(&name))
            // A Databricks notebook ran with the platform's globals (`spark`, `dbutils`).
            || (analysed.databricks && DATABRICKS_GLOBALS.contains(&name))
            // A PySpark kernel starts with its session and context.
            || (analysed.pyspark_kernel && PYSPARK_KERNEL_GLOBALS.contains(&name))
            || analysed
                .frontend
                .is_some_and(|frontend| frontend.is_builtin(name))
    };
    Graph::build(notebook, &analysed.facts, &is_builtin)
}

/// Whether a code cell that does not parse as Python 3 holds a Python 2 `print` statement
/// (`print x`, `print "total:", n`, `print >>f, line`): a notebook whose metadata names no
/// version (an nbformat 3 notebook with `{"name": ""}`) ran on Python 2.
fn shows_python2_statements(notebook: &Notebook, facts: &NotebookFacts) -> bool {
    notebook
        .cells()
        .iter()
        .zip(&facts.cells)
        .any(|(cell, facts)| {
            facts.as_ref().is_some_and(|facts| !facts.parsed())
                && cell.source.lines().any(nblint_facts::is_python2_print)
        })
}

/// Whether a code cell that ran without an error (an execution count, no error output) reads
/// a Python 2 builtin no cell binds (`reload(bd)` with no `from importlib import reload`): a
/// notebook whose metadata names no version ran on Python 2, where that name exists.
fn ran_a_python2_builtin(notebook: &Notebook, facts: &NotebookFacts) -> bool {
    ran_reading_one_of(notebook, facts, PYTHON2_BUILTINS, false)
}

/// Whether a code cell that ran and kept its output, with no error, reads a PySpark
/// kernel's global (`spark`, `sc`) no cell binds: the notebook ran on a kernel started by
/// PySpark's shell, whatever its metadata calls it (`"name": "pyt"`). A cell with no output
/// kept shows nothing of how it ran (its outputs may have been stripped).
fn ran_a_pyspark_global(notebook: &Notebook, facts: &NotebookFacts) -> bool {
    ran_reading_one_of(notebook, facts, PYSPARK_KERNEL_GLOBALS, true)
}

/// Whether a code cell that ran without an error (an execution count, no error output, and
/// some output when `with_output`) reads at its top level, unconditionally, one of `names`
/// that no cell binds.
fn ran_reading_one_of(
    notebook: &Notebook,
    facts: &NotebookFacts,
    names: &[&str],
    with_output: bool,
) -> bool {
    let bound = |name: &str| {
        facts.cells.iter().flatten().any(|cell| {
            cell.defines
                .iter()
                .any(|definition| definition.name == name)
        })
    };
    notebook
        .cells()
        .iter()
        .zip(&facts.cells)
        .any(|(cell, facts)| {
            cell.execution_count.is_some()
                && !cell.has_error_output
                && (!with_output || cell.output_count > 0)
                && facts.as_ref().is_some_and(|facts| {
                    facts.uses.iter().any(|use_| {
                        !use_.deferred
                            && !use_.conditional
                            && names.contains(&use_.name.as_str())
                            && !bound(&use_.name)
                    })
                })
        })
}

/// Runs the rules `selection` enables over `notebook`, with its graph already built.
pub fn lint_with_graph(
    notebook: &Notebook,
    analysed: &Analysed,
    graph: &Graph,
    settings: &RuleSettings,
    selection: &RuleSelection,
) -> Vec<Diagnostic> {
    let context = Context {
        notebook,
        facts: &analysed.facts,
        graph,
        settings,
        language: &analysed.language,
        vocabulary: analysed
            .frontend
            .map_or(&Vocabulary::UNREAD, |frontend| frontend.vocabulary()),
        analysed: analysed.frontend.is_some(),
        python2: analysed.python2,
        memo: nblint_lint::Memo::default(),
    };
    nblint_lint::lint(&context, selection)
}

/// Builds the graph and runs the rules `selection` enables: the diagnostics `check` reports.
pub fn lint(
    notebook: &Notebook,
    analysed: &Analysed,
    settings: &RuleSettings,
    selection: &RuleSelection,
) -> Vec<Diagnostic> {
    let graph = graph(notebook, analysed);
    lint_with_graph(notebook, analysed, &graph, settings, selection)
}

/// In a Snowflake Notebook (code cells with `metadata.language` and `metadata.name`) a cell's
/// result is a variable named after the cell: a SQL cell's query result
/// (`load_data.to_pandas()` in a Python cell), a Python cell's last expression. A SQL cell is
/// not Python, and its `{{name}}` placeholders read the notebook's variables. The facts say
/// that: the cell binds its name (used where it is made: a result need not be read again), and
/// a SQL cell's placeholders are optional reads.
fn name_snowflake_cells(notebook: &Notebook, facts: &mut NotebookFacts) {
    for (cell, cell_facts) in notebook.cells().iter().zip(facts.cells.iter_mut()) {
        if !cell.is_code() {
            continue;
        }
        let Some(metadata) = notebook
            .cell_json(cell.number)
            .and_then(|json| json.get("metadata"))
        else {
            continue;
        };
        let Some(language) = metadata
            .get("language")
            .and_then(|language| language.as_str())
            .map(str::trim)
        else {
            continue;
        };
        let cell_name = metadata
            .get("name")
            .and_then(|name| name.as_str())
            .filter(|name| is_identifier(name));
        let result = |span: nblint_facts::Span| {
            cell_name.map(|name| {
                let mut definition =
                    nblint_facts::Definition::new(name, DefinitionKind::Variable, span);
                definition.used_in_cell = true;
                definition
            })
        };
        if let Some(python) = cell_facts.as_mut() {
            // A Python cell's displayed value.
            if language.eq_ignore_ascii_case("python")
                && let Some(shown) = python.trailing_expression
                && let Some(definition) = result(shown)
            {
                python.defines.push(definition);
            }
            continue;
        }
        if !language.eq_ignore_ascii_case("sql") {
            continue;
        }
        let mut sql_facts = CellFacts::default();
        if let Some(definition) = result(nblint_facts::Span::new(0, 0)) {
            sql_facts.defines.push(definition);
        }
        let source = cell.source.as_str();
        let mut from = 0;
        while let Some(open) = source[from..].find("{{") {
            let start = from + open + 2;
            let Some(close) = source[start..].find("}}") else {
                break;
            };
            let inside = &source[start..start + close];
            let name = inside.trim();
            if is_identifier(name) {
                let at = start + (inside.len() - inside.trim_start().len());
                sql_facts.uses.push(nblint_facts::NameUse {
                    optional: true,
                    ..nblint_facts::NameUse::new(name, nblint_facts::Span::new(at, at + name.len()))
                });
            }
            from = start + close + 2;
        }
        *cell_facts = Some(sql_facts);
    }
}

/// Whether `name` is a plain identifier (`sql_data`, not `cell 3` or `3d`).
fn is_identifier(name: &str) -> bool {
    !name.is_empty()
        && name.chars().all(|c| c.is_alphanumeric() || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit())
}

/// A cell opened by a cell magic some cell of the notebook registers to take its body as
/// text (`@register_cell_magic def writetemplate(line, cell)` writing a config file) is that
/// text, not code, even when it happens to parse (`[net]`, `batch=64`); one opened by a
/// magic the notebook registers to run its body (`%%backend` calling `run_cell`) is the
/// notebook's own code.
fn read_registered_cell_magics(
    notebook: &Notebook,
    frontend: &dyn CellFrontend,
    facts: &mut NotebookFacts,
) {
    let (mut text, mut code) = (Vec::new(), Vec::new());
    for cell in facts.cells.iter().flatten() {
        text.extend(cell.text_cell_magics.iter().cloned());
        code.extend(cell.code_cell_magics.iter().cloned());
    }
    if text.is_empty() && code.is_empty() {
        return;
    }
    let registered = |magics: &[String], name: &str| {
        magics
            .iter()
            .any(|magic| magic.strip_prefix("%%") == Some(name))
    };
    for (cell, cell_facts) in notebook.cells().iter().zip(facts.cells.iter_mut()) {
        let Some(cell_facts) = cell_facts else {
            continue;
        };
        let opened_by = cell.source.trim_start().strip_prefix("%%").map(|rest| {
            rest.split(|character: char| character.is_whitespace())
                .next()
                .unwrap_or("")
        });
        let Some(name) = opened_by else {
            continue;
        };
        if registered(&text, name) {
            *cell_facts = frontend.analyze_text_cell(&cell.source);
        } else if registered(&code, name) {
            *cell_facts = frontend.analyze_code_magic_cell(&cell.source);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notebook(sources: &[&str]) -> Notebook {
        let builder = sources.iter().fold(
            nblint_testing::NotebookBuilder::python(),
            |builder, source| builder.code(source),
        );
        Notebook::parse(&builder.bytes()).unwrap()
    }

    #[test]
    fn cached_analysis_gives_the_facts_of_a_fresh_one() {
        let mut cache = FactsCache::default();
        let first = notebook(&["import os\nx = 1", "y = x + z", "z = 2"]);
        let cached = analyse_cached(&first, Choice::default(), &mut cache);
        assert_eq!(
            format!("{:?}", cached.facts),
            format!("{:?}", analyse(&first, Choice::default()).facts)
        );
        // One cell edited, one moved: the cached run still equals a fresh one.
        let second = notebook(&["z = 2", "import os\nx = 1", "y = x + z + w"]);
        let cached = analyse_cached(&second, Choice::default(), &mut cache);
        let fresh = analyse(&second, Choice::default());
        assert_eq!(format!("{:?}", cached.facts), format!("{:?}", fresh.facts));
        assert_eq!(
            cache.by_source.len(),
            3,
            "only this notebook's cells are kept"
        );
    }

    #[test]
    fn a_print_statement_shows_python2_when_the_metadata_names_no_version() {
        let with_metadata = |metadata: &str, source: &str| {
            let json = format!(
                r#"{{"nbformat": 4, "nbformat_minor": 2, "metadata": {metadata}, "cells": [{{"cell_type": "code", "metadata": {{}}, "outputs": [], "execution_count": null, "source": {source:?}}}]}}"#
            );
            analyse(
                &Notebook::parse(json.as_bytes()).unwrap(),
                Choice::default(),
            )
            .python2
        };
        assert!(with_metadata("{}", "data = file('a.json')\nprint data"));
        assert!(with_metadata(
            r#"{"name": ""}"#,
            "for line in rows:\n    print 'row', line"
        ));
        // Python 3 named, or no print statement in a cell that does not parse.
        assert!(!with_metadata(
            r#"{"kernelspec": {"name": "python3", "language": "python"}}"#,
            "print data"
        ));
        assert!(!with_metadata("{}", "print (a - b).mean()"));
        assert!(!with_metadata("{}", "print(x)\nprint = 3\nx = ("));
    }
}
