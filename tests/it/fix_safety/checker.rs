//! Tests of the invariant checker itself, without nblint: it must stay quiet on an identical
//! notebook and on hand-made safe edits, and name the right invariant for each harmful edit
//! the fixer has been seen to make. Otherwise the acceptance tests could pass or fail for
//! reasons of their own.

use serde_json::{Value, json};

use super::invariants::{self, Language};
use super::{corpus, fix_fixtures, property};

fn notebook(language: Language, cells: &[Value]) -> Vec<u8> {
    let kernelspec = match language {
        Language::Python => {
            json!({"display_name": "Python 3", "language": "python", "name": "python3"})
        }
        Language::Rust => json!({"display_name": "Rust", "language": "rust", "name": "rust"}),
    };
    serde_json::to_vec_pretty(&json!({
        "cells": cells,
        "metadata": {"kernelspec": kernelspec},
        "nbformat": 4,
        "nbformat_minor": 5,
    }))
    .unwrap()
}

fn code(source: &str) -> Value {
    json!({"cell_type": "code", "execution_count": null, "metadata": {}, "outputs": [],
           "source": source})
}

fn with(mut cell: Value, key: &str, value: Value) -> Value {
    cell[key] = value;
    cell
}

fn stream() -> Value {
    json!([{"name": "stdout", "output_type": "stream", "text": ["1\n"]}])
}

/// The invariants broken when `before` becomes `after` (and a second fix gives `refixed`).
fn broken(
    language: Language,
    before: &[Value],
    after: &[Value],
    refixed: &[Value],
) -> Vec<&'static str> {
    let mut found: Vec<&'static str> = invariants::check_notebook(
        "case.ipynb",
        &notebook(language, before),
        &notebook(language, after),
        &notebook(language, refixed),
    )
    .iter()
    .map(|violation| violation.invariant)
    .collect();
    found.dedup();
    found
}

/// A notebook compared with itself breaks nothing: the corpus, the fixtures, generated ones.
#[test]
fn identical_notebook_has_no_violations() {
    let mut notebooks = fix_fixtures();
    notebooks.extend(property::random_notebooks(7, 200));
    if let Some(shared) = super::shared_folder("identical_notebook_has_no_violations (corpus part)")
    {
        notebooks.extend(corpus::corpus_notebooks(&shared));
    }
    let mut parsed_cells = [0_usize; 2];
    for (name, bytes) in &notebooks {
        let violations = invariants::check_notebook(name, bytes, bytes, bytes);
        assert!(violations.is_empty(), "{name}: {violations:?}");
        let json: Value = serde_json::from_slice(bytes).unwrap();
        let root = json.as_object().unwrap();
        let language = invariants::language_of(root);
        for cell in invariants::cells_of(root) {
            let parses = match language {
                Some(Language::Python) => invariants::python_units(cell.text()).is_ok(),
                Some(Language::Rust) => invariants::rust_cell(cell.text()).is_ok(),
                None => false,
            };
            if cell.is_code() && parses {
                parsed_cells[usize::from(language == Some(Language::Rust))] += 1;
            }
        }
    }
    // The parse checks must actually run on both languages, or invariants 1 and 2 are empty.
    assert!(
        parsed_cells[0] > 500 && parsed_cells[1] > 300,
        "cells parsed (python, rust): {parsed_cells:?}"
    );
}

/// Edits a correct fixer makes are not reported.
#[test]
fn safe_edits_have_no_violations() {
    let blank = with(
        code("\n"),
        "metadata",
        json!({"collapsed": false, "scrolled": true}),
    );
    let cases: &[(&str, Language, Vec<Value>, Vec<Value>)] = &[
        (
            "duplicate top-level import removed, blank cell deleted",
            Language::Python,
            vec![
                code("import os\nimport sys\n"),
                blank.clone(),
                code("import os\nx = os.sep\n"),
            ],
            vec![code("import os\nimport sys\n"), code("x = os.sep\n")],
        ),
        (
            "import taken out of a `;` chain",
            Language::Python,
            vec![code("import os\n"), code("import os; print(os.sep)\n")],
            vec![code("import os\n"), code("print(os.sep)\n")],
        ),
        (
            "late import and pip line hoisted to the first cell",
            Language::Python,
            vec![
                code("import os\n"),
                with(
                    code("%pip install pandas\nimport pandas as pd\ndf = pd.DataFrame()\n"),
                    "outputs",
                    stream(),
                ),
            ],
            vec![
                code("%pip install pandas\nimport os\nimport pandas as pd\n"),
                with(code("df = pd.DataFrame()\n"), "outputs", stream()),
            ],
        ),
        (
            "late import hoisted over ordinary code, duplicate removed over it",
            Language::Python,
            vec![
                code("import os\n"),
                code("x = os.sep\n"),
                code("import json\nimport os\nprint(json.dumps(x))\n"),
            ],
            vec![
                code("import os\nimport json\n"),
                code("x = os.sep\n"),
                code("print(json.dumps(x))\n"),
            ],
        ),
        (
            "repeat removed over an import binding the name to the same module",
            Language::Python,
            vec![
                code("import matplotlib.pyplot as plt\n"),
                code("from matplotlib import pyplot as plt\nplt.plot()\n"),
                code("import matplotlib.pyplot as plt\nplt.show()\n"),
            ],
            vec![
                code("import matplotlib.pyplot as plt\n"),
                code("from matplotlib import pyplot as plt\nplt.plot()\n"),
                code("plt.show()\n"),
            ],
        ),
        (
            "pip line hoisted above a sys.path change",
            Language::Python,
            vec![
                code("import sys\nsys.path.insert(0, '..')\n"),
                code("!pip install -q pandas\n"),
            ],
            vec![
                code("!pip install -q pandas\nimport sys\nsys.path.insert(0, '..')\n"),
                code(""),
            ],
        ),
        (
            "magics around an unchanged if block",
            Language::Python,
            vec![code(
                "%matplotlib inline\nif True:\n    !ls\nfiles = !ls\nnp.sum?\nimport os\n",
            )],
            vec![code(
                "%matplotlib inline\nif True:\n    !ls\nfiles = !ls\nnp.sum?\n",
            )],
        ),
        (
            "unindented import line taken out of a cell that does not parse",
            Language::Python,
            vec![code("import os\n"), code("import os\nprint 'x'\n")],
            vec![code("import os\n"), code("print 'x'\n")],
        ),
        (
            "Rust use and :dep hoisted, duplicate removed, blank cell deleted",
            Language::Rust,
            vec![
                code("use std::fmt;\n"),
                code(""),
                code(":dep rand = \"0.8\"\nuse std::fmt;\nuse rand::Rng;\nlet x = 1;\nx"),
            ],
            vec![
                code(":dep rand = \"0.8\"\nuse std::fmt;\nuse rand::Rng;\n"),
                code("let x = 1;\nx"),
            ],
        ),
        (
            "Rust cell of uses alone emptied before a cell whose multi-line use tree moved",
            Language::Rust,
            vec![
                code("use std::fmt;\n"),
                code(":dep rand = \"0.8\"\nuse rand::Rng;"),
                code(
                    "use std::collections::{\n    BTreeMap,\n    HashMap,\n};\nfn helper() -> i32 { 1 }\nhelper()",
                ),
            ],
            vec![
                code(
                    ":dep rand = \"0.8\"\nuse std::fmt;\nuse rand::Rng;\nuse std::collections::{\n    BTreeMap,\n    HashMap,\n};\n",
                ),
                code(""),
                code("fn helper() -> i32 { 1 }\nhelper()"),
            ],
        ),
    ];
    for (what, language, before, after) in cases {
        let found = broken(*language, before, after, after);
        assert!(found.is_empty(), "{what}: reported {found:?}");
    }
}

/// What a harmful edit is, the notebook's cells before and after it, and the invariant it breaks.
type HarmfulEdit = (&'static str, Language, Vec<Value>, Vec<Value>, &'static str);

/// Each harmful edit seen from today's fixer is reported under the right invariant.
#[test]
fn harmful_edits_are_reported() {
    let python = Language::Python;
    let rust = Language::Rust;
    let cases: Vec<HarmfulEdit> = vec![
        (
            "`; print` left behind",
            python,
            vec![code("import os\n"), code("import os; print(os.sep)\n")],
            vec![code("import os\n"), code("; print(os.sep)\n")],
            "1",
        ),
        (
            "a cell of imports alone hoisted to the first cell and deleted",
            python,
            vec![
                code("import os\n"),
                code("%pip install pandas\nimport pandas as pd\n"),
                code("df = pd.DataFrame()\n"),
            ],
            vec![
                code("%pip install pandas\nimport os\nimport pandas as pd\n"),
                code("df = pd.DataFrame()\n"),
            ],
            "3",
        ),
        (
            "keyword argument is no rebinding, but a moved import past a real one is",
            python,
            vec![
                code("x = 1\n"),
                code("f(a,\n  metrics=1)\nmetrics = 2\n"),
                code("from keras import metrics\n"),
            ],
            vec![
                code("from keras import metrics\nx = 1\n"),
                code("f(a,\n  metrics=1)\nmetrics = 2\n"),
                code(""),
            ],
            "6",
        ),
        (
            "only statement of an if body removed",
            python,
            vec![code("import os\n"), code("if True:\n    import os\n")],
            vec![code("import os\n"), code("if True:\n")],
            "1",
        ),
        (
            "import removed from an if body that still parses",
            python,
            vec![
                code("import os\n"),
                code("if True:\n    import os\n    x = 1\n"),
            ],
            vec![code("import os\n"), code("if True:\n    x = 1\n")],
            "2",
        ),
        (
            "indented %pip moved out of its if block",
            python,
            vec![
                code("import os\n"),
                code("if c:\n    %pip install a\n    print(1)\n"),
            ],
            vec![
                code("%pip install a\nimport os\n"),
                code("if c:\n    print(1)\n"),
            ],
            "2",
        ),
        (
            "pip line inserted into a %%writefile cell",
            python,
            vec![
                code("%%writefile a.py\nprint(1)\n"),
                code("%pip install a\n"),
            ],
            vec![
                code("%pip install a\n%%writefile a.py\nprint(1)\n"),
                code(""),
            ],
            "1",
        ),
        (
            "non-import line taken out of a cell that does not parse",
            python,
            vec![code("print 'x'\nimport os\n")],
            vec![code("import os\n")],
            "2",
        ),
        (
            "import hoisted above os.environ setup",
            python,
            vec![
                code("import os\nos.environ['KERAS_BACKEND'] = 'jax'\n"),
                code("import keras\nkeras.backend.backend()\n"),
            ],
            vec![
                code("import os\nimport keras\nos.environ['KERAS_BACKEND'] = 'jax'\n"),
                code("keras.backend.backend()\n"),
            ],
            "6",
        ),
        (
            "import hoisted above sys.path.insert",
            python,
            vec![
                code("import sys\nsys.path.insert(0, '..')\n"),
                code("import mymodule\n"),
            ],
            vec![
                code("import mymodule\nimport sys\nsys.path.insert(0, '..')\n"),
                code(""),
            ],
            "6",
        ),
        (
            "re-import after rebinding removed as a duplicate",
            python,
            vec![
                code("import json\n"),
                code("json = {'a': 1}\n"),
                code("import json\nprint(json.dumps({}))\n"),
            ],
            vec![
                code("import json\n"),
                code("json = {'a': 1}\n"),
                code("print(json.dumps({}))\n"),
            ],
            "6",
        ),
        (
            "re-import after del removed as a duplicate",
            python,
            vec![
                code("import os\n"),
                code("del os\n"),
                code("import os\nprint(os.sep)\n"),
            ],
            vec![
                code("import os\n"),
                code("del os\n"),
                code("print(os.sep)\n"),
            ],
            "6",
        ),
        (
            "blank cell with outputs deleted",
            python,
            vec![code("import os\n"), with(code(""), "outputs", stream())],
            vec![code("import os\n")],
            "3",
        ),
        (
            "blank cell with tags deleted",
            python,
            vec![
                code("import os\n"),
                with(code(""), "metadata", json!({"tags": ["keep"]})),
            ],
            vec![code("import os\n")],
            "3",
        ),
        (
            "comment-only cell deleted",
            python,
            vec![code("import os\n"), code("# keep me\n")],
            vec![code("import os\n")],
            "3",
        ),
        (
            "cell of an import and a comment deleted",
            python,
            vec![code("import os\n"), code("# the same again\nimport os\n")],
            vec![code("import os\n")],
            "3",
        ),
        (
            "v4 code cell keeping its text in `input` deleted",
            python,
            vec![
                code("import os\n"),
                json!({"cell_type": "code", "execution_count": null, "metadata": {}, "outputs": [], "input": "x = 1\n"}),
            ],
            vec![code("import os\n")],
            "3",
        ),
        (
            "outputs of a kept cell changed",
            python,
            vec![with(code("import os\nimport os\n"), "outputs", stream())],
            vec![code("import os\n")],
            "4",
        ),
        (
            "Rust use hoisted into a cell that already binds the name (E0252)",
            rust,
            vec![
                code("use std::fmt;\n"),
                code("use std::fmt::{self, Display};\nlet x = 1;"),
            ],
            vec![
                code("use std::fmt;\nuse std::fmt::{self, Display};\n"),
                code("let x = 1;"),
            ],
            "1 E0252",
        ),
        (
            "Rust statement changed",
            rust,
            vec![code("use std::fmt;\nlet x = 1;")],
            vec![code("let x = 2;")],
            "2",
        ),
        (
            "Rust evcxr command dropped",
            rust,
            vec![code(":timing\nuse std::fmt;\nlet x = 1;")],
            vec![code("use std::fmt;\nlet x = 1;")],
            "2",
        ),
    ];
    for (what, language, before, after, expected) in &cases {
        let found = broken(*language, before, after, after);
        assert_eq!(found, [*expected], "{what}");
    }
    let before = [code("import os\n"), code("import os\n")];
    let after = [code("import os\n"), code("")];
    let refixed = [code("import os\n")];
    assert_eq!(
        broken(python, &before, &after, &refixed),
        ["5"],
        "second fix deletes more"
    );
    let mut json: Value = serde_json::from_slice(&notebook(python, &before)).unwrap();
    json["metadata"]["widgets"] = json!({});
    let changed = serde_json::to_vec(&json).unwrap();
    assert!(
        invariants::check_notebook("meta.ipynb", &notebook(python, &before), &changed, &changed)
            .iter()
            .any(|violation| violation.invariant == "4"),
        "notebook metadata change not reported"
    );
}
