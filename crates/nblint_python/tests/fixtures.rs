//! Each notebook in `fixtures/python/` shows one behaviour of the Python front end: the test
//! asserts the fact it is about, then snapshots every cell's facts.

use nblint_facts::{CellFacts, MutationKind, NotebookFacts};
use nblint_notebook::Notebook;
use nblint_python::PythonFrontend;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/python");

/// The facts of one fixture, by one-based cell number.
fn facts(name: &str) -> NotebookFacts {
    let path = format!("{FIXTURES}/{name}.ipynb");
    let bytes = std::fs::read(&path).unwrap_or_else(|error| panic!("{path}: {error}"));
    let notebook = Notebook::parse(&bytes).unwrap_or_else(|error| panic!("{path}: {error:?}"));
    NotebookFacts::analyze(&notebook, &PythonFrontend)
}

fn cell(facts: &NotebookFacts, number: usize) -> &CellFacts {
    facts
        .cell(number)
        .unwrap_or_else(|| panic!("cell {number} is no code cell"))
}

type Check = fn(&NotebookFacts);

const CASES: &[(&str, Check)] = &[
    ("function_body_uses_name_from_later_cell", |facts| {
        assert_eq!(cell(facts, 2).used_names(), ["threshold"]);
        assert_eq!(cell(facts, 3).defined_names(), ["threshold"]);
    }),
    ("magics_and_shell_lines_are_commands", |facts| {
        let first = cell(facts, 1);
        let commands: Vec<_> = first.commands.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(commands, ["%matplotlib", "!", "%pip"]);
        let dependencies: Vec<_> = first.dependencies.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(dependencies, ["requests", "pandas", "scikit-learn"]);
        let second = cell(facts, 2);
        assert_eq!(second.used_names(), ["data_dir", "pd"]);
        assert_eq!(second.defined_names(), ["files", "table"]);
    }),
    ("bash_cell_magic_body_is_not_python", |facts| {
        for number in [1, 2] {
            let cell = cell(facts, number);
            assert!(cell.parsed() && cell.defines.is_empty());
            assert_eq!(cell.commands.len(), 1);
        }
        // A shell body's `$name` may name a Python variable (an optional use, never an
        // error), but `$f` here is the script's own loop variable: no read at all.
        let shell = cell(facts, 1);
        assert!(shell.used_names().is_empty());
        assert!(cell(facts, 2).uses.is_empty());
    }),
    ("time_cell_magic_body_is_python", |facts| {
        assert_eq!(cell(facts, 1).defined_names(), ["total"]);
        assert!(cell(facts, 1).trailing_expression.is_some());
        // `%%timeit` runs its body in a namespace of its own.
        assert!(cell(facts, 2).defines.is_empty());
        assert_eq!(cell(facts, 2).used_names(), ["sorted", "values"]);
    }),
    ("star_import_binds_unknown_names", |facts| {
        assert!(cell(facts, 1).binds_unknown_names);
        assert!(cell(facts, 1).imports[0].glob);
    }),
    ("run_magic_binds_unknown_names", |facts| {
        assert!(cell(facts, 1).binds_unknown_names);
    }),
    ("method_call_mutates_list_from_other_cell", |facts| {
        let kinds: Vec<_> = cell(facts, 2)
            .mutations
            .iter()
            .map(|m| (m.name.as_str(), m.kind.clone()))
            .collect();
        // `np.mean(..)` and `results.copy()` are read-only calls.
        assert_eq!(
            kinds,
            [(
                "results",
                MutationKind::MethodCall {
                    method: "append".into()
                }
            )]
        );
        let kinds: Vec<_> = cell(facts, 3)
            .mutations
            .iter()
            .map(|m| m.kind.clone())
            .collect();
        assert_eq!(kinds, [MutationKind::Assign, MutationKind::CompoundAssign]);
        assert!(!cell(facts, 1).defines[1].mutable, "an import is not data");
    }),
    ("comprehension_and_lambda_names_are_local", |facts| {
        assert_eq!(
            cell(facts, 1).used_names(),
            ["numbers", "cutoff", "offset", "max"]
        );
        assert_eq!(cell(facts, 1).defined_names(), ["squares", "key", "best"]);
    }),
    ("python2_print_is_syntax_error", |facts| {
        assert!(!cell(facts, 1).parsed());
        assert!(cell(facts, 2).parsed());
    }),
    ("conflicting_pip_installs", |facts| {
        let versions: Vec<_> = (1..=2)
            .map(|number| cell(facts, number).dependencies[0].version.clone())
            .collect();
        assert_eq!(versions, [Some("==1.26".into()), Some(">=2".into())]);
    }),
    ("fstring_decorator_and_annotation_uses", |facts| {
        assert_eq!(
            cell(facts, 1).used_names(),
            [
                "cache",
                "limit",
                "Item",
                "int",
                "default_width",
                "str",
                "suffix"
            ]
        );
    }),
    ("global_statement_defines_module_name", |facts| {
        assert_eq!(cell(facts, 1).defined_names(), ["load", "settings"]);
        assert_eq!(cell(facts, 1).used_names(), ["read_settings"]);
    }),
];

#[test]
fn fixtures() {
    let mut names: Vec<String> = std::fs::read_dir(FIXTURES)
        .unwrap()
        .filter_map(|entry| {
            let path = entry.unwrap().path();
            (path.extension()? == "ipynb").then(|| path.file_stem()?.to_str().map(str::to_owned))?
        })
        .collect();
    names.sort();
    let mut covered: Vec<&str> = CASES.iter().map(|(name, _)| *name).collect();
    covered.sort_unstable();
    assert_eq!(
        names, covered,
        "every fixture has a case and every case a fixture"
    );

    for (name, check) in CASES {
        let facts = facts(name);
        check(&facts);
        insta::assert_json_snapshot!(*name, facts.cells);
    }
}
