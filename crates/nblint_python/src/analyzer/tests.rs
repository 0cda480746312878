use std::fmt::Write as _;

use nblint_facts::{CellFacts, DefinitionKind, MutationKind};

use super::analyze;

/// The facts as short lines, one per kind of fact that is present:
/// `defines: x f:function C:type np:import` (a `*` marks `used_in_cell`, a `~`
/// `conditional`), `uses: a b` (a `?` marks an optional use),
/// `deleted: x`, `mutations: x:append y:assign z:+=`, `imports: numpy as np`,
/// `commands: %matplotlib`, `dependencies: pandas ==2`, `errors: message @ 3..4`,
/// `unknown names`, `partial`, `display: text`.
fn summary(source: &str, facts: &CellFacts) -> String {
    let mut lines = Vec::new();
    if !facts.defines.is_empty() {
        let defines: Vec<String> = facts
            .defines
            .iter()
            .map(|definition| {
                let kind = match definition.kind {
                    DefinitionKind::Variable => "",
                    DefinitionKind::Function => ":function",
                    DefinitionKind::Type => ":type",
                    DefinitionKind::Import => ":import",
                    _ => ":other",
                };
                let used = if definition.used_in_cell { "*" } else { "" };
                let conditional = if definition.conditional { "~" } else { "" };
                assert_eq!(
                    &source[definition.span.start..definition.span.end],
                    definition.name,
                    "definition span of {}",
                    definition.name
                );
                format!("{}{kind}{used}{conditional}", definition.name)
            })
            .collect();
        lines.push(format!("defines: {}", defines.join(" ")));
    }
    if !facts.uses.is_empty() {
        let uses: Vec<String> = facts
            .uses
            .iter()
            .map(|use_| {
                let optional = if use_.optional { "?" } else { "" };
                format!("{}{optional}", use_.name)
            })
            .collect();
        for use_ in &facts.uses {
            assert_eq!(
                &source[use_.span.start..use_.span.end],
                use_.name,
                "use span"
            );
        }
        lines.push(format!("uses: {}", uses.join(" ")));
    }
    if !facts.deleted.is_empty() {
        let deleted: Vec<String> = facts
            .deleted
            .iter()
            .map(|deleted| {
                let conditional = if deleted.conditional { "~" } else { "" };
                format!("{}{conditional}", deleted.name)
            })
            .collect();
        lines.push(format!("deleted: {}", deleted.join(" ")));
    }
    if !facts.mutations.is_empty() {
        let mutations: Vec<String> = facts
            .mutations
            .iter()
            .map(|mutation| {
                let kind = match &mutation.kind {
                    MutationKind::Assign => "assign".to_owned(),
                    MutationKind::CompoundAssign => "+=".to_owned(),
                    MutationKind::MethodCall { method } => method.clone(),
                    MutationKind::MutableBorrow => "borrow".to_owned(),
                };
                format!("{}:{kind}", mutation.name)
            })
            .collect();
        lines.push(format!("mutations: {}", mutations.join(" ")));
    }
    if !facts.imports.is_empty() {
        let imports: Vec<String> = facts
            .imports
            .iter()
            .map(|import| match &import.binding {
                Some(binding) => format!("{} as {binding}", import.path),
                None => format!("{}.*", import.path),
            })
            .collect();
        lines.push(format!("imports: {}", imports.join(", ")));
    }
    if !facts.commands.is_empty() {
        let commands: Vec<&str> = facts
            .commands
            .iter()
            .map(|command| command.name.as_str())
            .collect();
        lines.push(format!("commands: {}", commands.join(" ")));
    }
    if !facts.dependencies.is_empty() {
        let dependencies: Vec<String> = facts
            .dependencies
            .iter()
            .map(|dependency| match &dependency.version {
                Some(version) => format!("{} {version}", dependency.name),
                None => dependency.name.clone(),
            })
            .collect();
        lines.push(format!("dependencies: {}", dependencies.join(", ")));
    }
    for error in &facts.errors {
        lines.push(format!(
            "error: {} @ {}..{}",
            error.message, error.span.start, error.span.end
        ));
    }
    if facts.binds_unknown_names {
        lines.push("unknown names".to_owned());
    }
    if facts.reads_unknown_names {
        lines.push("reads unknown names".to_owned());
    }
    if facts.uses_await {
        lines.push("await".to_owned());
    }
    if let Some(display) = facts.trailing_expression {
        lines.push(format!("display: {}", &source[display.start..display.end]));
    }
    lines.join("\n")
}

#[track_caller]
fn check(source: &str, expected: &str) {
    let facts = analyze(source);
    let found = summary(source, &facts);
    let expected: Vec<&str> = expected
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect();
    assert_eq!(found, expected.join("\n"), "\nsource:\n{source}");
}

fn check_all(cases: &[(&str, &str)]) {
    let mut failures = String::new();
    for (source, expected) in cases {
        let facts = analyze(source);
        let found = summary(source, &facts);
        let expected: Vec<&str> = expected
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty())
            .collect();
        let expected = expected.join("\n");
        if found != expected {
            let _ = write!(
                failures,
                "\n--- source:\n{source}\n--- expected:\n{expected}\n--- found:\n{found}\n"
            );
        }
    }
    assert!(failures.is_empty(), "{failures}");
}

#[test]
fn assignments_of_every_target_form() {
    check_all(&[
        ("x = 1", "defines: x"),
        ("a, (b, *c) = t", "defines: a b c\nuses: t"),
        ("[d, e] = f = g", "defines: d e f\nuses: g"),
        ("x: int = 1", "defines: x\nuses: int"),
        ("x: int", "uses: int"),
        ("x = 1\nx += 1", "defines: x* x"),
        (
            "for i, j in pairs:\n    total = i",
            "defines: i*~ j~ total~\nuses: pairs",
        ),
        (
            "with open(p) as f, lock:\n    pass",
            "defines: f\nuses: open p lock",
        ),
        // A body that may stop early (`suppress`) binds on some paths only.
        (
            "with suppress(KeyError) as s:\n    v = d[k]",
            "defines: s~ v~\nuses: suppress KeyError d k",
        ),
        ("y = x + 1\nx = 2\nx", "defines: y x*\nuses: x\ndisplay: x"),
        ("x = x + 1", "defines: x\nuses: x"),
    ]);
}

#[test]
fn augmented_assignment_of_another_cells_name() {
    // It rebinds a name that must exist already: no definition of its own.
    check("count += 1", "uses: count\nmutations: count:+=");
    check("count = 0\ncount += 1", "defines: count* count");
    check(
        "lst[0] += 1\nobj.n -= 2",
        "uses: lst obj\nmutations: lst:+= obj:+=",
    );
}

#[test]
fn definitions_of_every_kind() {
    check_all(&[
        (
            "def f(a, b=default, *args, c: T = 1, **kw) -> R:\n    return a + b + c + g",
            "defines: f:function\nuses: default T R g",
        ),
        (
            "class C(Parent, metaclass=Meta):\n    x = 1\n    y = x + 1\n    def m(self):\n        return x",
            "defines: C:type\nuses: Parent Meta x",
        ),
        // A class on an ORM's model base registers its table: used where defined.
        (
            "class Movie(db.Model):\n    id = 1",
            "defines: Movie:type*\nuses: db",
        ),
        (
            // A decorator may register the function (`@interact(..)`): used where defined.
            "@decorator(arg)\ndef f(): pass",
            "defines: f:function*\nuses: decorator arg",
        ),
        (
            // A wrapping decorator returns the function for the notebook to call.
            "@functools.lru_cache(maxsize=None)\ndef f(): pass",
            "defines: f:function\nuses: functools",
        ),
        (
            "%%cython\ncpdef int twice(int n):\n    return 2 * n\ndef g(x):\n    pass\nclass C:\n    pass\nLIMIT = 3",
            "defines: twice:function g:function C:type LIMIT\ncommands: %%cython",
        ),
        (
            "@dataclass\nclass P:\n    x: int",
            "defines: P:type\nuses: dataclass int",
        ),
        (
            "type Pair[T] = tuple[T, T]",
            "defines: Pair:type\nuses: tuple",
        ),
        ("def f[T](x: T) -> T:\n    return x", "defines: f:function"),
    ]);
}

#[test]
fn function_scopes() {
    check_all(&[
        // A name assigned anywhere in a function is local to all of it.
        (
            "def f():\n    print(x)\n    x = 1",
            "defines: f:function\nuses: print",
        ),
        // Parameters, loop variables and imports inside are local.
        (
            "def f(a, *rest, **options):\n    import os\n    for i in a:\n        os.path.join(i, rest, options)",
            "defines: f:function",
        ),
        // The function body's free names resolve when it runs: a later binding counts.
        (
            "def f():\n    return helper()\ndef helper():\n    return data",
            "defines: f:function helper:function*\nuses: data",
        ),
        // A global declaration makes assignments module-level.
        (
            "def init():\n    global config\n    config = load()\ninit()\nprint(config)",
            "defines: init:function* config*~\nuses: load print\ndisplay: print(config)",
        ),
        // Nested functions see the enclosing function's locals; nonlocal stays local.
        (
            "def outer():\n    n = 0\n    def inner():\n        nonlocal n\n        n += 1\n        return n + m\n    return inner",
            "defines: outer:function\nuses: m",
        ),
        // A class body does not enclose its methods.
        (
            "class C:\n    size = 1\n    def m(self):\n        return size",
            "defines: C:type\nuses: size",
        ),
        ("f = lambda x, y=d: x + y + z", "defines: f\nuses: d z"),
        (
            "def f():\n    try:\n        pass\n    except E as e:\n        return e",
            "defines: f:function\nuses: E",
        ),
        (
            "def f(p):\n    match p:\n        case [a, *rest]:\n            return a, rest\n        case {'k': v, **others}:\n            return v, others",
            "defines: f:function",
        ),
    ]);
}

#[test]
fn comprehension_scopes() {
    check_all(&[
        (
            "squares = [x * x for x in xs]",
            "defines: squares\nuses: xs",
        ),
        (
            "pairs = {k: v for k, v in d.items() if v > limit}",
            "defines: pairs\nuses: d limit",
        ),
        ("g = (y for x in a for y in x)", "defines: g\nuses: a"),
        // The first iterable is evaluated outside: `x` there is the module's.
        ("r = [x for x in x]", "defines: r\nuses: x"),
        // A walrus in a comprehension binds in the enclosing scope.
        (
            "any((hit := w) == t for w in words)\nhit",
            "defines: hit*\nuses: any t words\ndisplay: hit",
        ),
        (
            "if (n := len(a)) > 10:\n    print(n)",
            "defines: n*\nuses: len a print",
        ),
        (
            "class C:\n    k = 2\n    v = [k * i for i in range(3)]",
            "defines: C:type\nuses: k range",
        ),
    ]);
}

#[test]
fn control_flow_bindings() {
    check_all(&[
        (
            "try:\n    import ujson as json\nexcept ImportError as err:\n    print(err)\n    json = None",
            "defines: json:import*~ json~\nuses: ImportError print\nimports: ujson as json",
        ),
        // The except name is deleted after the handler.
        (
            "try:\n    pass\nexcept E as e:\n    pass\ne",
            "uses: E e\ndisplay: e",
        ),
        (
            "match command.split():\n    case [verb, obj]:\n        act(verb, obj)\n    case Point(x=0, y=yy) | [yy]:\n        pass\n    case {'a': 1, **rest}:\n        rest",
            "defines: verb*~ obj*~ yy~ yy~ rest*~\nuses: command act Point",
        ),
        (
            "while running:\n    step()\nelse:\n    done = True",
            "defines: done~\nuses: running step",
        ),
        (
            "x = 1\ndel x\nprint(x)",
            "defines: x\nuses: print x\ndeleted: x\ndisplay: print(x)",
        ),
        ("del other", "uses: other\ndeleted: other"),
    ]);
}

#[test]
fn uses_in_strings_and_annotations() {
    check_all(&[
        (
            "f'{x!r:>{width}} and {y.z}'",
            "uses: x width y\ndisplay: f'{x!r:>{width}} and {y.z}'",
        ),
        (
            "print(f\"{a + b = }\")",
            "uses: print a b\ndisplay: print(f\"{a + b = }\")",
        ),
        // String annotations are not evaluated: their names are optional uses.
        (
            "def f(x: 'Frame') -> 'Frame': pass",
            "defines: f:function\nuses: Frame? Frame?",
        ),
        (
            "def f(x: list['Path'], y: Literal['left', 'right'] = 'a') -> None: pass",
            "defines: f:function\nuses: list Path? Literal",
        ),
        // Escapes make the text differ from the value: skipped.
        ("def f(x: 'P\\x61th'): pass", "defines: f:function"),
        (
            "from __future__ import annotations\ndef f(x: Frame) -> Out: pass\ny: Later = 1",
            "defines: f:function y\nuses: Frame? Out? Later?\nimports: __future__.annotations as annotations",
        ),
        // A class named in its own methods' postponed annotations is the cell's own.
        (
            "from __future__ import annotations\nclass Node:\n    def join(self, other: Node) -> Node:\n        return self",
            "defines: Node:type*\nimports: __future__.annotations as annotations",
        ),
        // Local variable annotations are never evaluated.
        (
            "def f():\n    v: Hidden = 1\n    return v",
            "defines: f:function\nuses: Hidden?",
        ),
    ]);
}

#[test]
fn imports_of_every_form() {
    check_all(&[
        (
            "import numpy as np",
            "defines: np:import\nimports: numpy as np",
        ),
        (
            "import os.path",
            "defines: os:import\nimports: os.path as os",
        ),
        (
            "import a.b.c, d as e",
            "defines: a:import e:import\nimports: a.b.c as a, d as e",
        ),
        (
            "from collections import OrderedDict, Counter as C",
            "defines: OrderedDict:import C:import\nimports: collections.OrderedDict as OrderedDict, collections.Counter as C",
        ),
        (
            "from . import sibling",
            "defines: sibling:import\nimports: .sibling as sibling",
        ),
        (
            "from ..pkg.mod import f",
            "defines: f:import\nimports: ..pkg.mod.f as f",
        ),
        ("from pylab import *", "imports: pylab.*\nunknown names"),
        (
            "def f():\n    import os\n    return os",
            "defines: f:function",
        ),
    ]);
}

#[test]
fn import_spans() {
    let source = "import os  # comment\nimport sys; x = 1\n";
    let facts = analyze(source);
    assert_eq!(
        &source[facts.imports[0].statement.start..facts.imports[0].statement.end],
        "import os  # comment\n"
    );
    assert_eq!(
        &source[facts.imports[0].span.start..facts.imports[0].span.end],
        "os"
    );
    assert_eq!(
        &source[facts.imports[1].statement.start..facts.imports[1].statement.end],
        "import sys"
    );
}

#[test]
fn magics_and_shell_lines() {
    check_all(&[
        (
            "%matplotlib inline\nimport matplotlib.pyplot as plt",
            "defines: plt:import\nimports: matplotlib.pyplot as plt\ncommands: %matplotlib",
        ),
        (
            "!pip install requests\n%pip install pandas==2.1 Scikit_Learn>=1",
            "commands: ! %pip\ndependencies: requests, pandas ==2.1, scikit-learn >=1",
        ),
        (
            "files = !ls {folder}\nfiles",
            "defines: files*\nuses: folder\ncommands: !\ndisplay: files",
        ),
        ("!echo {a,b} '{print $1}' {} {{x}}", "commands: !"),
        (
            "%time result = compute(data)\nresult",
            "defines: result*\nuses: compute data\ncommands: %time\ndisplay: result",
        ),
        ("%timeit -n 10 tmp = f(x)", "uses: f x\ncommands: %timeit"),
        ("%run helpers.py", "commands: %run\nunknown names"),
        // Automagic: IPython runs a magic without its `%` when the line is no Python and the
        // cell has no other line.
        ("run helpers.py", "commands: %run\nunknown names"),
        // IPython applies automagics to a cell of one line only: beside another line,
        // `run helpers.py` is a syntax error, and the message says to write `%run`.
        (
            "run helpers.py\nx = 1",
            "defines: x\nuses: run helpers\nerror: Simple statements must be separated by newlines or semicolons (`run` runs as IPython's automagic only alone in a cell: write `%run`) @ 4..11",
        ),
        // A magic's open brackets continue it on the next lines.
        (
            "%timeit np.fromiter((a for a in x),\n                    dtype=x.dtype)\ny = 1",
            // (`np` is a module, so the graph ignores the call; see `bind_module`.)
            "defines: y\nuses: np x x\ncommands: %timeit",
        ),
        // `%store -r NAME` restores NAME; `%store -r` alone, every stored variable.
        ("%store -r model", "defines: model\ncommands: %store"),
        ("%store -r", "commands: %store\nunknown names"),
        ("%store model", "uses: model\ncommands: %store"),
        (
            "%load_ext autoreload\n%autoreload 2",
            "commands: %load_ext %autoreload",
        ),
        // A help line looks its object up: an optional read.
        ("df.head?\n??np.sum", "uses: df? np?\ncommands: ? ??"),
        (
            "%%time\ntotal = sum(values)\ntotal",
            "defines: total*\nuses: sum values\ncommands: %%time\ndisplay: total",
        ),
        (
            "%%timeit\nscratch = sorted(items)",
            "uses: sorted items\ncommands: %%timeit",
        ),
        (
            "%%capture output --no-stderr\nmodel.fit(X)",
            "defines: output\nuses: model X\nmutations: model:fit\ncommands: %%capture",
        ),
        (
            "%%bash\nfor f in *.txt; do echo $f $out_dir; done\nx = (",
            // `$out_dir` may name a Python variable (an optional use); `$f` is the loop's own.
            "uses: out_dir?\ncommands: %%bash",
        ),
        // A cell magic nblint does not know: Python if its body parses, else left alone; it
        // may set the body's names first and read its bindings after.
        (
            "%%backend jax\nmodel = build(keras)",
            "defines: model*\nuses: build? keras?\ncommands: %%backend",
        ),
        ("%%sql\nSELECT * FROM t", "commands: %%sql"),
        ("%%writefile app.py\nx = 1", "commands: %%writefile"),
        (
            "%prun -s cumulative run_all(data)",
            "uses: run_all data\ncommands: %prun",
        ),
        (
            "\n%%writefile script.py\nimport os\nprint(os.getcwd())\n",
            "commands: %%writefile",
        ),
    ]);
}

#[test]
fn command_spans_cover_the_line() {
    let source = "x = 1\n  %pip install a\n";
    let facts = analyze(source);
    let command = &facts.commands[0];
    assert_eq!(
        &source[command.span.start..command.span.end],
        "  %pip install a\n"
    );
    assert_eq!(command.argument, "install a");
    assert_eq!(facts.dependencies[0].span, command.span);
    assert_eq!(facts.dependencies[0].spec, "a");
}

#[test]
fn mutations_and_read_only_methods() {
    check_all(&[
        (
            "results.append(1)",
            "uses: results\nmutations: results:append\ndisplay: results.append(1)",
        ),
        (
            "df['total'] = df.a + df.b",
            "uses: df df df\nmutations: df:assign",
        ),
        (
            "config.debug = True",
            "uses: config\nmutations: config:assign",
        ),
        ("del cache[key]", "uses: cache key\nmutations: cache:assign"),
        ("df.head()\n", "uses: df\ndisplay: df.head()"),
        (
            "s = name.strip().lower()\nm = df.groupby('a').mean()\nv = arr.astype(float).to_numpy()",
            "defines: s m v\nuses: name df arr float",
        ),
        ("df.dropna(inplace=True);", "uses: df\nmutations: df:dropna"),
        (
            "df['a'].fillna(0, inplace=True);",
            "uses: df\nmutations: df:fillna",
        ),
        // A name this cell bound is this cell's to change.
        ("items = []\nitems.append(1);", "defines: items*"),
        // Inside a function nothing changes until it is called.
        (
            "def add(v):\n    results.append(v)",
            "defines: add:function\nuses: results",
        ),
        (
            "[log.append(i) for i in range(3)]",
            "uses: log range\nmutations: log:append\ndisplay: [log.append(i) for i in range(3)]",
        ),
        ("x.attr.append(1);", "uses: x"),
    ]);
}

#[test]
fn only_known_mutating_methods_are_mutations() {
    for method in [
        "copy",
        "reset_index",
        "to_csv",
        "isin",
        "Dense",
        "from_file",
        "mean",
        "query",
        "date",
        "add",
        "batch",
        "__setitem__",
    ] {
        assert!(!super::is_mutating_method(method), "{method}");
    }
    for method in [
        "append",
        "fit",
        "update",
        "pop",
        "sort",
        "extend",
        "clear",
        "add_",
        "zero_grad",
    ] {
        assert!(super::is_mutating_method(method), "{method}");
    }
}

#[test]
fn the_mutating_method_list_is_sorted_within_its_groups_and_has_no_duplicates() {
    let text = include_str!("../mutating_methods.txt");
    let mut seen = std::collections::HashSet::new();
    for line in text
        .lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
    {
        assert!(seen.insert(line), "{line} is listed twice");
        assert_eq!(line.trim(), line);
    }
}

#[test]
fn the_nb205_method_lists_have_no_duplicates_and_no_method_in_two() {
    let lists = [
        include_str!("../unchanging_methods.txt"),
        include_str!("../configuring_methods.txt"),
        include_str!("../new_value_accessors.txt"),
    ];
    let mut seen = std::collections::HashSet::new();
    for text in lists {
        for line in super::method_lines(text) {
            assert!(seen.insert(line), "{line} is listed twice");
            assert!(
                line.trim_end_matches('*')
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_'),
                "{line} is not a method name"
            );
        }
    }
}

#[test]
fn methods_that_show_or_give_a_new_value_leave_the_value_comparable() {
    for method in [
        "head",
        "describe",
        "to_csv",
        "plot_surface",
        "write_parquet",
        "get_params",
    ] {
        assert!(!super::may_change_receiver(method), "{method}");
    }
    for method in ["add_basemap", "load", "write_documents", "fit", "compile"] {
        assert!(
            super::may_change_receiver(method) || super::is_mutating_method(method),
            "{method}"
        );
    }
    assert!(super::CONFIGURES.contains("compile") && !super::CONFIGURES.contains("fit"));
    assert!(super::NEW_VALUE_ACCESSORS.contains("str"));
}

#[test]
fn an_import_marked_noqa_or_said_to_patch_is_kept_for_its_effect() {
    for (line, expected) in [
        ("  # noqa: F401", true),
        ("  # noqa", true),
        ("  #noqa:E402,F401", true),
        ("  # NOQA: E402 F401 registers it", true),
        ("  # noqa: E402", false),
        ("  # noqattention", false),
        ("  # registers the renderer", false),
        ("  # import to apply monkey patch to multiprocess", true),
        ("  # imported for its side-effect", true),
        ("  # Monkey-patches Pool", true),
        ("  # patches", false),
        ("", false),
    ] {
        assert_eq!(super::marked_kept_for_effect(line), expected, "{line}");
    }
    let facts = analyze("import training.renderer.kimi_k3  # noqa: F401\nimport os\n");
    let kept: Vec<bool> = facts
        .imports
        .iter()
        .map(|import| import.for_effect)
        .collect();
    assert_eq!(kept, [true, false]);
    // A bare import alone in its cell (comments aside) is kept for its effect; beside other
    // code, or renamed, it is not.
    let for_effect = |source: &str| {
        analyze(source)
            .imports
            .iter()
            .all(|import| import.for_effect)
    };
    assert!(for_effect("import simuPOP\n#print(simuPOP.__version__)\n"));
    assert!(for_effect("import hvplot.pandas\n"));
    assert!(!for_effect("import simuPOP\nprint(1)\n"));
    assert!(!for_effect("import numpy as np\n"));
    assert!(!for_effect("import os, sys\n"));
}

#[test]
fn trailing_expressions() {
    check_all(&[
        ("x = 1\nx", "defines: x*\ndisplay: x"),
        ("df.describe();", "uses: df"),
        ("df.describe() ; # quiet", "uses: df"),
        ("print(1)\n", "uses: print\ndisplay: print(1)"),
        ("if a:\n    b", "uses: a b"),
        (
            "await fetch()",
            "uses: fetch\nawait\ndisplay: await fetch()",
        ),
    ]);
}

#[test]
fn syntax_errors_have_positions() {
    let facts = analyze("x = 1\nprint 'hello'\n");
    assert!(!facts.errors.is_empty());
    let error = &facts.errors[0];
    assert_eq!(error.span.start, 12, "{error:?}");
    assert!(facts.partially_analysed);
    // What the parser recovered is still reported.
    assert_eq!(facts.defined_names(), ["x"]);

    let facts = analyze("def f(:\n    pass\n");
    assert!(!facts.errors.is_empty());
    assert!(facts.errors.iter().all(|error| error.span.end <= 17));
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    for depth in [150, 201, 5_000, 100_000] {
        let source = format!("x = {}1{}\n", "(".repeat(depth), ")".repeat(depth));
        let facts = analyze(&source);
        assert_eq!(facts.errors.is_empty(), depth <= 200, "depth {depth}");
        let source = format!("x = {}1{}\n", "[".repeat(depth), "]".repeat(depth));
        let facts = analyze(&source);
        assert_eq!(facts.errors.is_empty(), depth <= 200, "depth {depth}");
    }
    // Without brackets: long operator chains, unary chains, attribute chains, nested blocks.
    for (source, valid) in [
        (format!("x = {}1", "1 + ".repeat(1_000)), true),
        (format!("x = {}1", "1 + ".repeat(50_000)), false),
        (format!("x = {}1", "-".repeat(50_000)), false),
        (format!("x = a{}", ".b".repeat(50_000)), false),
        (format!("x = {}", "lambda: ".repeat(20_000)), false),
        (
            (0..400).fold(String::new(), |mut nested, level| {
                let _ = writeln!(nested, "{}if a:", " ".repeat(level));
                nested
            }) + &" ".repeat(400)
                + "pass\n",
            true,
        ),
    ] {
        let facts = analyze(&source);
        assert_eq!(facts.errors.is_empty(), valid, "{}", &source[..40]);
    }
}

#[test]
fn never_panics_on_odd_input() {
    for source in [
        "",
        "\n\n",
        "%",
        "%%",
        "!",
        "?",
        "%%time",
        "%%capture",
        "%pip install",
        "!pip",
        "x = !",
        "f'{",
        "f'{x",
        "'''",
        "def",
        "class C(",
        "lambda",
        "é = ü + ß",
        "x = 'ü'; y = ü",
        "\u{feff}x = 1",
        "\r\nx = 1\r\n",
        "del",
        "global x",
        "nonlocal x",
        "match x:\n case",
        "from . import",
        "import",
        "@",
        "x[",
        "%time (",
        "%timeit -n",
        "!ls {",
        "!ls {x",
        "async def f():\n    await",
        "try:\nexcept",
    ] {
        let facts = analyze(source);
        let _ = summary(source, &facts);
    }
}

#[test]
fn magics_that_store_their_result_define_it() {
    check_all(&[
        (
            "%%bigquery df\nSELECT name FROM t",
            "defines: df\ncommands: %%bigquery",
        ),
        (
            "%%bigquery --project my-project --use_legacy_sql totals\nSELECT 1",
            "defines: totals\ncommands: %%bigquery",
        ),
        // The header's `$name` is expanded.
        (
            "%%bigquery --project $project_id\nSELECT 1",
            "uses: project_id?\ncommands: %%bigquery",
        ),
        (
            "%%sql rows <<\nSELECT * FROM t WHERE id = :wanted",
            "defines: rows\nuses: wanted?\ncommands: %%sql",
        ),
        (
            "%sql n << SELECT count(*) FROM t",
            "defines: n\ncommands: %sql",
        ),
        (
            "%%capture out\nprint(1)",
            "defines: out\nuses: print\ncommands: %%capture",
        ),
        (
            "t = %timeit -o f(x)\nfiles = !ls\nlisting = %sx ls -la",
            "defines: t files listing\nuses: f x\ncommands: %timeit ! %sx",
        ),
    ]);
}

#[test]
fn shell_expansions_are_optional_uses() {
    check_all(&[
        (
            "!gsutil cp $SOURCE gs://{bucket}/ $$HOME",
            "uses: SOURCE? bucket\ncommands: !",
        ),
        (
            "%env GOOGLE_CLOUD_PROJECT=$PROJECT_ID",
            "uses: PROJECT_ID?\ncommands: %env",
        ),
        (
            "%%bash\ngcloud config set project ${PROJECT_ID}\necho {REGION} $1",
            "uses: PROJECT_ID? REGION?\ncommands: %%bash",
        ),
        // A name the cell binds is used in the cell.
        ("name = 'a'\n!echo $name", "defines: name*\ncommands: !"),
        // Not in a `%%writefile` body.
        ("%%writefile run.sh\necho $HOME", "commands: %%writefile"),
    ]);
}

#[test]
fn namespace_writes_bind_unknown_names() {
    check_all(&[
        (
            "globals().update(config);",
            "uses: globals config\nunknown names",
        ),
        (
            "globals()[key] = value",
            "uses: globals key value\nunknown names",
        ),
        ("vars()['x'] = 1", "uses: vars\nunknown names"),
        (
            "exec(code);",
            "uses: exec code\nunknown names\nreads unknown names",
        ),
        (
            "def load():\n    globals()['model'] = 1",
            "defines: load:function\nuses: globals\nunknown names",
        ),
        // A function's own `vars()`, `locals()` and `exec` write only its locals.
        (
            "def f():\n    vars()['x'] = 1\n    exec('y = 2')",
            "defines: f:function\nuses: vars exec\nreads unknown names",
        ),
        // Reading the namespace binds nothing.
        (
            "x = globals()['x']",
            "defines: x\nuses: globals\nreads unknown names",
        ),
    ]);
}

#[test]
fn deletions_in_blocks_are_conditional() {
    check_all(&[
        ("del model", "uses: model\ndeleted: model"),
        (
            // "Delete the old value if there is one": the read is optional.
            "try:\n    del model\nexcept NameError:\n    pass",
            "uses: model? NameError\ndeleted: model~",
        ),
    ]);
    let facts = analyze("if flag:\n    print(x)\ny");
    let conditional: Vec<bool> = facts.uses.iter().map(|use_| use_.conditional).collect();
    assert_eq!(conditional, [false, true, true, false], "flag print x y");
}

#[test]
fn imports_that_check_an_install_are_used() {
    check_all(&[
        (
            "try:\n    import pg8000\nexcept ImportError:\n    pg8000 = None",
            "defines: pg8000:import*~ pg8000~\nuses: ImportError\nimports: pg8000 as pg8000",
        ),
        (
            "try:\n    import google.colab\nexcept:\n    pass",
            "defines: google:import*~\nimports: google.colab as google",
        ),
        // Another exception does not say the import is a check.
        (
            "try:\n    import json\nexcept KeyError:\n    pass",
            "defines: json:import~\nuses: KeyError\nimports: json as json",
        ),
    ]);
}

#[test]
fn dynamic_reads_of_the_namespace() {
    check_all(&[
        (
            "def run(day):\n    return globals()[f'day{day}']()",
            "defines: run:function\nuses: globals\nreads unknown names",
        ),
        (
            "print('{name}'.format(**locals()))",
            "uses: print locals\nreads unknown names\ndisplay: print('{name}'.format(**locals()))",
        ),
        (
            "y = eval(text)",
            "defines: y\nuses: eval text\nreads unknown names",
        ),
        // A method named `eval` is no such read.
        ("model.eval()", "uses: model\ndisplay: model.eval()"),
        // A function's own `locals()` holds its locals.
        (
            "def f(a):\n    return locals()",
            "defines: f:function\nuses: locals",
        ),
    ]);
}

#[test]
fn names_function_bodies_read_are_marked() {
    let facts = analyze(
        "def life(world):\n    return step(world)\n\ndef step(world):\n    return world\nsize = 3\nf = lambda: size",
    );
    let read: Vec<(&str, bool)> = facts
        .defines
        .iter()
        .map(|definition| (definition.name.as_str(), definition.read_by_function))
        .collect();
    assert_eq!(
        read,
        [
            ("life", false),
            ("step", true),
            ("size", true),
            ("f", false)
        ]
    );
}

#[test]
fn bound_values_that_repeat() {
    let value = |source: &str| {
        analyze(source)
            .defines
            .last()
            .and_then(|definition| definition.value.clone())
            .map(|value| format!("{} <- {}", value.text, value.reads.join(",")))
    };
    assert_eq!(value("n = 5").as_deref(), Some("5 <- "));
    assert_eq!(
        value("labels = ('a', 'b')").as_deref(),
        Some("(\"a\",\"b\") <- ")
    );
    assert_eq!(
        value("df = pd.read_csv(path, sep=',')").as_deref(),
        Some("pd.read_csv(path,sep=\",\") <- path,pd")
    );
    assert_eq!(value("x = a[1:] + b").as_deref(), Some("a[1:]+b <- a,b"));
    // Random draws, iterators, clocks, input, reads and mutating methods do not repeat.
    for source in [
        "x = np.random.rand(3)",
        "rng = np.random.RandomState(42)",
        "batch = next(loader)",
        "t = time.time()",
        "line = f.readline()",
        "item = queue.pop()",
        "s = f\"{random()}:80\"",
        "z = (w := 3)",
        "y = [v for v in next(loader)]",
    ] {
        assert_eq!(value(source), None, "{source}");
    }
    // A comprehension: its own names are not reads.
    assert_eq!(
        value("y = [v * k for v in xs if v]").as_deref(),
        Some("[v*k for v in xs if v] <- k,xs")
    );
    // A tuple of names from a tuple of as many values: each name its own element.
    assert_eq!(value("a, b = 1, c").as_deref(), Some("c <- c"));
    // Any other tuple of names, nested or not: each name the value with its place.
    assert_eq!(value("a, b = f(1)").as_deref(), Some("f(1)#1(_,_) <- f"));
    // A starred target too, its shape part of the value.
    assert_eq!(value("a, *_ = f(1)").as_deref(), Some("f(1)#1(_,*_) <- f"));
    assert_eq!(
        value("a, (b, c) = 1, (2, 3)").as_deref(),
        Some("(1,(2,3))#2(_,(_,_)) <- ")
    );
    // A column by subscript is the column by attribute; other subscripts stay.
    assert_eq!(
        value("d = reviews[ 'description' ]").as_deref(),
        Some("reviews.description <- reviews")
    );
    assert_eq!(
        value("d = f(x)['a b']['class'][\"k\"]").as_deref(),
        Some("f(x)[\"a b\"][\"class\"].k <- f,x")
    );
    assert_eq!(value("d = ['a']").as_deref(), Some("[\"a\"] <- "));
    // An f-string of repeatable values.
    assert_eq!(
        value("url = f\"{host}:{port:>{width}}\"").as_deref(),
        Some("f\"{host}:{port:>{width}}\" <- host,port,width")
    );
    // Each name of a chained assignment gets the value.
    assert_eq!(value("beta = alpha = 1").as_deref(), Some("1 <- "));
    // A tuple's parentheses change nothing.
    assert_eq!(value("t = 1, 2").as_deref(), Some("(1,2) <- "));
    assert_eq!(value("t = (1, 2)").as_deref(), Some("(1,2) <- "));
    assert_eq!(value("a, b.c = 1, 2"), None);
    assert_eq!(
        value("n = 2000 if not smoke else 2").as_deref(),
        Some("2000 if not smoke else 2 <- smoke")
    );
}

#[test]
fn leading_indentation_is_removed_as_ipython_does() {
    let source = "  x = 1 + y\n  print(x)\n";
    let facts = analyze(source);
    assert!(facts.parsed(), "{:?}", facts.errors);
    assert_eq!(facts.defined_names(), ["x"]);
    let y = &facts.uses[0];
    assert_eq!(&source[y.span.start..y.span.end], "y");
    let print = facts.uses.iter().find(|use_| use_.name == "print").unwrap();
    assert_eq!(&source[print.span.start..print.span.end], "print");
    let x = &facts.defines[0];
    assert_eq!(&source[x.span.start..x.span.end], "x");
    // Statements of such a cell are not offered for deletion or moving.
    let facts = analyze("  import os\n  print(os.sep)\n");
    assert!(facts.parsed());
    assert_eq!(facts.imports[0].removal, None);
    // A real indentation error stays one.
    assert!(!analyze("x = 1\n    y = 2\n").parsed());
}

#[test]
fn shell_aliases_run_as_automagic() {
    let facts = analyze("ls scripts/*.py");
    assert!(facts.parsed(), "{:?}", facts.errors);
    assert_eq!(facts.commands[0].name, "%ls");
    assert!(analyze("cat data/hello.txt").parsed());
    assert_eq!(
        analyze("pip install pyspark\n").alone_command.as_deref(),
        Some("%pip install pyspark")
    );
    assert_eq!(analyze("ls -la").alone_command.as_deref(), Some("%ls -la"));
    assert_eq!(analyze("%pip install pyspark").alone_command, None);
    // Beside another line IPython runs no automagic: the line is a syntax error, and the
    // message says what to write.
    let facts = analyze("import os\npip install pyspark\n");
    assert!(!facts.parsed());
    assert!(
        facts.errors[0].message.contains("write `%pip`"),
        "{:?}",
        facts.errors
    );
    assert_eq!(facts.alone_command, None);
}

#[test]
fn reads_carried_over_from_the_previous_pass_of_a_loop() {
    // The read of `total` before its binding in the body is the previous pass's value, or on
    // the first pass another cell's: still a use from other cells, but one that need not
    // find the name; the binding it reads counts as used.
    let facts = analyze("for x in xs:\n    total = total + x\n");
    let total = facts.uses.iter().find(|use_| use_.name == "total").unwrap();
    assert!(total.optional);
    let facts = analyze(
        "for epoch in range(3):\n    if epoch > 0:\n        print(saved)\n    saved = epoch\n",
    );
    assert!(
        facts
            .uses
            .iter()
            .any(|use_| use_.name == "saved" && use_.optional)
    );
    assert!(
        facts
            .defines
            .iter()
            .any(|definition| definition.name == "saved" && definition.used_in_cell)
    );
    // Outside a loop, a read before the binding is an ordinary use.
    let facts = analyze("print(later)\nlater = 1\n");
    assert!(
        !facts
            .uses
            .iter()
            .find(|use_| use_.name == "later")
            .unwrap()
            .optional
    );
}

#[test]
fn a_binding_shows_its_container_and_add_needs_a_set() {
    use nblint_facts::Container;
    let facts = analyze("seen = set()\nrows = [r for r in range(3)]\nd = {}\ns = {1, 2}\nx = f()");
    let containers: Vec<_> = facts.defines.iter().map(|d| d.container).collect();
    assert_eq!(
        containers,
        [
            Some(Container::Set),
            Some(Container::List),
            Some(Container::Dict),
            Some(Container::Set),
            None
        ]
    );
    // A `set` the notebook bound itself is not the builtin.
    let facts = analyze("def set(*a):\n    return a\nseen = set()");
    assert_eq!(facts.defines[1].container, None);

    // `seen.add(x)` on a name from another cell: a mutation only if that name is a set.
    let facts = analyze("seen.add(1)\nrows.append(2)\nlayered = plot.add(3)");
    let required: Vec<_> = facts
        .mutations
        .iter()
        .map(|m| (m.name.as_str(), m.requires_container))
        .collect();
    assert_eq!(required, [("seen", Some(Container::Set)), ("rows", None)]);

    // In the cell that bound it, `add` as a statement is part of the value, of a set or of
    // anything else (Keras' `model.add(layer)`, PyPSA's `n.add("Bus", ..)`).
    let facts = analyze("seen = set()\nseen.add(1)\nplot = [1]\nplot.add(2)");
    let value = |index: usize| facts.defines[index].value.clone().unwrap();
    assert_eq!(value(0).text, "set()|seen.add(1)");
    assert_eq!(
        (value(1).text.as_str(), value(1).changed),
        ("[1]|plot.add(2)", false)
    );
}

#[test]
fn a_plain_change_in_the_binding_cell_is_part_of_the_value() {
    let facts = analyze("g = np.ones(30)\ng[5:8] = k\ng.sort()");
    let value = facts.defines[0].value.clone().unwrap();
    assert_eq!(value.text, "np.ones(30)|g[5:8]=k|g.sort()");
    assert_eq!(value.reads, ["k", "np"]);
    assert!(!value.changed);
    // Anything else makes the value one NB205 cannot compare.
    for source in [
        "g = []\ng.append(random())",
        "g = []\nfor i in range(3):\n    g.append(random())",
        "g = []\nif k:\n    g.append(1)",
        "g = []\ng[np.random.randint(3)] = 1",
    ] {
        let facts = analyze(source);
        assert!(
            facts.defines[0].value.as_ref().is_some_and(|v| v.changed),
            "{source}"
        );
    }
}

#[test]
fn unpickling_calls_are_recorded() {
    for source in [
        "m = pickle.load(f)",
        "m = joblib.load('m.joblib')",
        "state = torch.load(path)",
        "df = pd.read_pickle('x.pkl')",
        "learn = load_learner(path)",
        "data = load_data(path)",
    ] {
        assert!(analyze(source).loads_pickled_objects, "{source}");
    }
    for source in [
        "(x, y), _ = mnist.load_data()",
        "d = json.load(f)",
        "a = np.load('a.npy')",
        "pickle.dump(m, f)",
    ] {
        assert!(!analyze(source).loads_pickled_objects, "{source}");
    }
}

#[test]
fn fitting_a_model_is_no_repeatable_change() {
    let facts = analyze("km = KMeans(4)\nkm.fit(X)");
    assert!(facts.defines[0].value.as_ref().is_some_and(|v| v.changed));
}

#[test]
fn a_pasted_session_is_read_without_its_prompts() {
    for source in [
        ">>> x = 1\n>>> print(x)\n",
        ">>> for x in range(3):\n...     print(x)\n...\n",
        "In [1]: for x in range(10):\n   ...:     print(x, end=' ')\n   ...:     ",
        "In [12]: x = 2\n",
    ] {
        let facts = analyze(source);
        assert!(facts.parsed(), "{source}: {:?}", facts.errors);
        assert_eq!(
            facts.defines.first().map(|d| d.name.as_str()),
            Some("x"),
            "{source}: {facts:?}"
        );
        // Spans point into the cell as written.
        let span = facts.defines[0].span;
        assert_eq!(&source[span.start..span.end], "x", "{source}");
    }
    // As IPython's `PromptStripper`: a prompt on the first line or on the second
    // (`TransformerManager().transform_cell("x = 1\n>>> y = 2\n")` is `"x = 1\ny = 2\n"`).
    assert_eq!(analyze("x = 1\n>>> y = 2\n").defined_names(), ["x", "y"]);
    assert_eq!(
        analyze("s = dict(\n  ....:     a=1,\n  ....: )\n").defined_names(),
        ["s"]
    );
    assert!(!analyze("x = 1\ny = 2\n>>> z = 3\n").parsed());
    assert!(analyze("In [x]: y = 2\n").defines.is_empty());
    // A docstring's example pasted with its indentation: IPython removes the indentation,
    // then the prompts.
    let source = "    >>> x = np.random.randn(200)/10\n    >>> x[51:151] += 1\n    >>> print(x)";
    let facts = analyze(source);
    assert!(facts.parsed(), "{:?}", facts.errors);
    assert_eq!(facts.defined_names(), ["x"]);
    let span = facts.defines[0].span;
    assert_eq!(&source[span.start..span.end], "x");
    assert_eq!(span.start, 8);
}

#[test]
fn values_compare_up_to_spacing_and_quote_style_but_not_string_contents() {
    use super::without_spacing;
    assert_eq!(without_spacing("f( a , b )"), without_spacing("f(a,b)"));
    assert_eq!(
        without_spacing("pd.read_csv('a.csv')"),
        "pd.read_csv(\"a.csv\")"
    );
    assert_ne!(without_spacing("x = 'a b'"), without_spacing("x = 'ab'"));
    assert_eq!(without_spacing("not x"), "not x");
    // A dict display's trailing comma, but not a tuple's.
    assert_eq!(
        without_spacing("{k1: v1,\n k2: v2,\n }"),
        without_spacing("{k1: v1, k2: v2}")
    );
    assert_ne!(without_spacing("(a,)"), without_spacing("(a)"));
    // A call's trailing comma, but not a tuple's after an operator or a keyword.
    assert_eq!(
        without_spacing("pd.read_csv(\n    'a.csv',\n)"),
        without_spacing("pd.read_csv('a.csv')")
    );
    assert_eq!(without_spacing("f(g(a), [1, 2],)"), "f(g(a),[1,2])");
    assert_ne!(without_spacing("x in (a,)"), without_spacing("x in (a)"));
    assert_ne!(without_spacing("y = (a,)"), without_spacing("y = (a)"));
    assert_ne!(without_spacing("f((a,))"), without_spacing("f((a))"));
    // Comments, but not a `#` in a string.
    assert_eq!(
        without_spacing("{\n    \"a\": 1,  # one\n}"),
        without_spacing("{\"a\": 1}")
    );
    assert_eq!(without_spacing("f('#x')  # call"), "f(\"#x\")");
    // One number, spelled several ways.
    assert_eq!(without_spacing("S0 = 100."), "S0=100.0");
    assert_eq!(
        without_spacing("create_model('dt', verbose = False)"),
        without_spacing("create_model('dt')")
    );
    assert_eq!(without_spacing("f(verbose=0, x)"), "f(x)");
    assert_eq!(without_spacing("f(silent=True)"), "f()");

    assert_eq!(without_spacing("f(a, verbosity=-1, b=2)"), "f(a,b=2)");
    assert_eq!(without_spacing("f('verbose=1', x)"), "f(\"verbose=1\",x)");
    assert_eq!(without_spacing("f(x, verbose=level)"), "f(x,verbose=level)");
    assert_ne!(
        without_spacing("f(x, verbose=0)"),
        without_spacing("f(x, 0)")
    );
    assert_eq!(without_spacing("T = 1.0"), without_spacing("T = 1e0"));
    assert_eq!(without_spacing("x = 1e2 * .5"), "x=100.0*0.5");
    assert_eq!(without_spacing("a = 5e-1"), without_spacing("a = 0.5"));
    assert_eq!(without_spacing("n = 1_000"), "n=1000");
    // An integer is not the float of its value: `type(age)` tells them apart.
    assert_ne!(without_spacing("age = 27"), without_spacing("age = 27.0"));
    // Names, attributes and other literals stay as written.
    assert_eq!(without_spacing("x1 = df.iloc[0].v2"), "x1=df.iloc[0].v2");
    assert_eq!(without_spacing("m = 0x1f + 3j"), "m=0x1f+3j");
    assert_ne!(
        without_spacing("x = 0.1"),
        without_spacing("x = 0.10000001")
    );
    assert_ne!(
        without_spacing("n = 12345678901234567891"),
        without_spacing("n = 12345678901234567890")
    );
    // A quote inside keeps the literal as written; so do triple quotes and escapes.
    assert_eq!(without_spacing("s = 'say \"hi\"'"), "s='say \"hi\"'");
    assert_eq!(without_spacing("s = '''a  b'''"), "s='''a  b'''");
    assert_eq!(without_spacing("s = 'it\\'s'"), "s='it\\'s'");
    // An unclosed literal is kept to the end.
    assert_eq!(without_spacing("s = 'open"), "s='open");
}

#[test]
fn a_top_level_loop_fill_is_part_of_the_value() {
    let value = bound_value;
    // The statements the fill depends on, not the model fitted beside it.
    let source = "ntree = [0] * n\nfor i in range(1, n):\n    rfc = Forest(k=i * 5)\n    \
                  rfc.fit(X, y)\n    ntree[i] = i * 5\n";
    assert_eq!(
        value(source, "ntree").as_deref(),
        Some("[0]*n|for i in range(1,n):|ntree[i]=i*5 <- n,range")
    );
    // A name bound in the loop before the fill reads it is the loop's own.
    let source = "phis = np.zeros([K])\nfor k in range(3):\n    X_k = X[y == k]\n    \
                  phis[k] = X_k.shape[0] / float(n)\n";
    assert_eq!(
        value(source, "phis").as_deref(),
        Some(
            "np.zeros([K])|for k in range(3):|X_k=X[y==k]|phis[k]=X_k.shape[0]/float(n) \
             <- K,X,float,n,np,range,y"
        )
    );
    // A loop that may stop early, or a statement that may change what the fill reads, or
    // the filled value itself: not a value to compare.
    for source in [
        "out = [0] * 3\nfor i in range(3):\n    if done(i):\n        break\n    out[i] = i\n",
        "out = [0] * 3\nfor i in range(3):\n    shuffle(w)\n    out[i] = w[i]\n",
        "out = [0] * 3\nfor i in range(3):\n    out[i] = i\n    model.fit(out)\n",
        "out = [0] * 3\nfor i in next(batches):\n    out[i] = i\n",
        "out = [0] * 3\nif ready:\n    for i in range(3):\n        out[i] = i\n",
        "out = [0] * 3\nfor i, (x, y) in enumerate(loader):\n    out[i] = y\n",
    ] {
        assert_eq!(
            value(source, "out").map(|value| value.contains("(changed)")),
            Some(true),
            "{source}"
        );
    }
    // The loop's target ends holding the iterable's last element.
    assert_eq!(
        value(
            "for label, group in da.groupby('m'):\n    print(label)\n",
            "group"
        )
        .as_deref(),
        Some("last(da.groupby(\"m\"))#1/2 <- da")
    );
    // Not when it may stop early, nor over a set (its order changes between runs).
    for source in [
        "for x in range(9):\n    if x:\n        break\n",
        "for x in {'a', 'b'}:\n    pass\n",
    ] {
        assert_eq!(value(source, "x"), None, "{source}");
    }
    // Over a plain name, the value says which names it walks: it holds only where they are
    // lists or dicts (a data loader may shuffle each pass), as the analysis checks.
    let facts = analyze("for i, x in enumerate(loader):\n    pass\n");
    let target = facts
        .defines
        .iter()
        .find(|definition| definition.name == "x")
        .expect("x is bound");
    assert_eq!(target.walks, vec!["loader".to_owned()]);
    assert!(target.value.is_some());
}

#[test]
fn a_backup_restored_gives_the_value_back() {
    let restores = |source: &str| {
        analyze(source)
            .defines
            .iter()
            .filter(|definition| definition.name == "X")
            .map(|definition| definition.restores)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        restores("X_bk = deepcopy(X)\nX = perturb(X)\nX = deepcopy(X_bk)\n"),
        [false, true]
    );
    assert_eq!(restores("X_bk = X.copy()\nX = X_bk.copy()\n"), [true]);
    // Not a restore: the backup changed, the copy made after this cell bound or changed
    // `X`, or another name's copy.
    assert_eq!(
        restores("X_bk = deepcopy(X)\nX_bk[0] = 1\nX = deepcopy(X_bk)\n"),
        [false]
    );
    assert_eq!(
        restores("X = load()\nX_bk = deepcopy(X)\nX = deepcopy(X_bk)\n"),
        [false, false]
    );
    assert_eq!(
        restores("X[0] = 1\nX_bk = deepcopy(X)\nX = deepcopy(X_bk)\n"),
        [false]
    );
    assert_eq!(
        restores("Y_bk = deepcopy(Y)\nX = deepcopy(Y_bk)\n"),
        [false]
    );
}

#[test]
fn a_magic_the_notebook_registers_runs_its_body_as_its_own_code() {
    let source = "%%backend jax\nmodel = build(keras)";
    let facts = super::analyze_code_magic_cell(source);
    assert_eq!(
        summary(source, &facts),
        "defines: model\nuses: build keras\ncommands: %%backend"
    );
    let registering = analyze(
        "@register_cell_magic\ndef backend(line, cell):\n    get_ipython().run_cell(cell)\n\n@register_cell_magic\ndef template(line, cell):\n    open(line, 'w').write(cell)\n",
    );
    assert_eq!(registering.code_cell_magics, ["%%backend"]);
    assert_eq!(registering.text_cell_magics, ["%%template"]);
}

#[test]
fn reads_after_a_namespace_check_in_the_same_condition() {
    let optional = |source: &str| {
        analyze(source)
            .uses
            .iter()
            .filter(|use_| use_.name == "rw")
            .map(|use_| use_.optional)
            .collect::<Vec<_>>()
    };
    // Checked missing in an `or`, or present in an `and`: later operands run only where it
    // exists; so does the body of an `if` whose `and` checks it.
    assert_eq!(optional("('rw' not in locals()) or len(rw) > 1\n"), [true]);
    assert_eq!(optional("'rw' in globals() and len(rw) > 1\n"), [true]);
    assert_eq!(
        optional("if 'rw' in locals() and ok:\n    print(rw)\n"),
        [true]
    );
    // The other way round, or before the check, it is read where it is missing.
    assert_eq!(optional("'rw' in locals() or len(rw) > 1\n"), [false]);
    assert_eq!(optional("len(rw) > 1 or 'rw' not in locals()\n"), [false]);
    assert_eq!(
        optional("('rw' not in locals() or ok) and print(rw)\n"),
        [false]
    );
}

#[test]
fn a_time_line_in_a_function_binds_its_locals() {
    let facts = analyze("def f():\n    %time m = fit(); m\n    return 1\n");
    assert!(
        facts.uses.iter().all(|use_| use_.name != "m"),
        "{:?}",
        facts.uses
    );
}

#[test]
fn saves_and_loads_of_a_file() {
    let saves = |source: &str| {
        analyze(source)
            .saves
            .iter()
            .map(|save| format!("{} -> {} {:?}", save.name, save.path, save.path_reads))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        saves("model.save('m.keras')\n"),
        [r#"model -> "m.keras" []"#]
    );
    assert_eq!(
        saves("df.repartition(4).write.format('parquet').mode('overwrite').save(path)\n"),
        ["df -> path [\"path\"]"]
    );
    assert_eq!(
        saves("df.write.parquet(out_dir + '/t')\n"),
        [r#"df -> out_dir+"/t" ["out_dir"]"#]
    );
    assert_eq!(
        saves("with open(name + '.pkl', 'wb') as f:\n    pickle.dump(m, f)\n"),
        [r#"m -> name+".pkl" ["name"]"#]
    );
    assert_eq!(
        saves("pickle.dump(m, open('m.pkl', 'wb'))\n"),
        [r#"m -> "m.pkl" []"#]
    );
    // The value a module's save function writes, not the module (`np`, `torch`).
    assert_eq!(
        saves("np.save('a.npy', a)\ntorch.save(net, p)\nnumpy.save(file='b.npy', arr=b)\n"),
        [
            r#"a -> "a.npy" []"#,
            r#"net -> p ["p"]"#,
            r#"b -> "b.npy" []"#
        ]
    );
    // Not a save of the value: part of it, in a branch or a function, a path that is not
    // repeatable, or a library nblint does not know.
    for source in [
        "df.head(10).to_parquet('h.parquet')\n",
        "if ok:\n    model.save('m.keras')\n",
        "def keep():\n    model.save('m.keras')\n",
        "model.save(next_path())\n",
        "df.to_csv('d.csv')\n",
        "model.parquet('p')\n",
    ] {
        assert_eq!(saves(source), Vec::<String>::new(), "{source}");
    }

    let loads = |source: &str| {
        analyze(source)
            .defines
            .iter()
            .filter(|definition| definition.name == "m")
            .map(|definition| (definition.loads.clone(), definition.restores))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        loads("m = load_model('m.keras')\n"),
        [(Some(r#""m.keras""#.to_owned()), false)]
    );
    assert_eq!(
        loads("m = spark.read.format('parquet').load(p)\n"),
        [(Some("p".to_owned()), false)]
    );
    assert_eq!(
        loads("with open('m.pkl', 'rb') as f:\n    m = pickle.load(f)\n"),
        [(Some(r#""m.pkl""#.to_owned()), false)]
    );
    // Changed after the load: no longer what the file holds.
    assert_eq!(
        loads("m = load_model('m.keras')\nm.fit(x)\n"),
        [(None, false)]
    );
    assert_eq!(loads("m = load_model(path).to(device)\n"), [(None, false)]);
    // Saved and loaded back in the cell: the value the cell began with.
    assert_eq!(
        loads("pickle.dump(m, open(p, 'wb'))\nm = pickle.load(open(p, 'rb'))\n"),
        [(Some("p".to_owned()), true)]
    );
    // Not given back: the cell bound the name before the save, the path changed between, or
    // the file holds another name's value.
    for source in [
        "m = train()\nm.save(p)\nm = load_model(p)\n",
        "m.save(p)\np = 'other'\nm = load_model(p)\n",
        "n.save(p)\nm = load_model(p)\n",
    ] {
        assert!(
            loads(source).last().is_some_and(|(_, restores)| !restores),
            "{source}"
        );
    }
}

#[test]
fn code_under_a_false_constant_never_runs() {
    let facts = analyze(
        "if False:  # Don't execute this!\n    import pt\n    y = pt.wrap(x)\n    y.sort()\n\
         else:\n    z = 1\nwhile 0:\n    w = v\nif DEBUG:\n    d = 1\n",
    );
    assert_eq!(facts.defined_names(), ["z", "d"]);
    let used: Vec<&str> = facts.uses.iter().map(|use_| use_.name.as_str()).collect();
    assert_eq!(used, ["DEBUG"]);
    assert!(facts.mutations.is_empty());
}

#[test]
fn another_method_call_after_binding_is_part_of_the_value() {
    assert_eq!(
        bound_value("m = Map()\nm.add_basemap('A')\nprint(1)", "m").as_deref(),
        Some("Map()|m.add_basemap(\"A\") <- Map")
    );
    // Showing or summarising it changes nothing.
    assert_eq!(
        bound_value("df = load()\ndf.head()\ndf.plot_hist()\ndf.sum()", "df").as_deref(),
        Some("load() <- load")
    );
    // A call whose arguments do not repeat: not a value to compare.
    assert_eq!(
        bound_value("m = Map()\nm.load(random())\nprint(1)", "m").as_deref(),
        Some("Map() (changed) <- Map")
    );
}

/// The value a cell binds `name` to, as `text <- reads` (` (changed)` when the cell changes
/// it in a way that cannot be compared).
fn bound_value(source: &str, name: &str) -> Option<String> {
    analyze(source)
        .defines
        .iter()
        .find(|definition| definition.name == name)
        .and_then(|definition| definition.value.clone())
        .map(|value| {
            let changed = if value.changed { " (changed)" } else { "" };
            format!("{}{changed} <- {}", value.text, value.reads.join(","))
        })
}

#[test]
fn a_top_level_if_chain_keeps_its_branches_apart() {
    let source = "if flag:\n    print(data)\nelif other:\n    data = 1\nelse:\n    data = 2\n";
    let facts = analyze(source);
    let read = facts.uses.iter().find(|use_| use_.name == "data").unwrap();
    let bindings: Vec<_> = facts.defines.iter().map(|d| d.span).collect();
    assert_eq!(facts.exclusive_branches.len(), 1);
    assert_eq!(facts.exclusive_branches[0].len(), 3);
    assert!(facts.in_other_branches(read.span, &bindings));
    // A binding after the chain runs after the read on every path.
    let after = analyze("if flag:\n    print(data)\nelse:\n    pass\ndata = 1\n");
    let read = after.uses.iter().find(|use_| use_.name == "data").unwrap();
    let bindings: Vec<_> = after.defines.iter().map(|d| d.span).collect();
    assert!(!after.in_other_branches(read.span, &bindings));
    // Inside a loop one iteration may read and the next bind: no chain is recorded.
    let looped = analyze(
        "for i in range(2):\n    if i:\n        data = 1\n    else:\n        print(data)\n",
    );
    assert!(looped.exclusive_branches.is_empty());
}

#[test]
fn a_value_made_with_a_constant_seed_is_told_from_one_without() {
    // Fitted once, a value made by one call given a constant seed is still compared.
    let fitted = |made: &str, fits: &str| {
        let facts = analyze(&format!("model = {made}\n{fits}"));
        let value = facts.defines[0].value.clone();
        value.is_some_and(|value| !value.changed)
    };
    let once = "model.fit(X, y)";
    for made in [
        "DecisionTreeClassifier(random_state=42)",
        "KMeans(n_clusters=3, random_state=0)",
        "make_model(seed=1)",
    ] {
        assert!(fitted(made, once), "{made}");
    }
    for made in [
        "RandomForestClassifier()",
        "Model(random_state=rs)",
        "Model(my_seed=1)",
    ] {
        assert!(!fitted(made, once), "{made}");
    }
    assert!(!fitted(
        "Model(random_state=1)",
        "model.fit(X, y)\nmodel.fit(X, y)"
    ));
}

#[test]
fn reads_under_a_parameter_test_carry_it_and_calls_say_what_they_pass() {
    let facts = analyze(
        "def predict(source, /, scale=2, *, mode=\"fast\"):\n    if source == \"T5\":\n        model = t5_model\n    elif mode != 'slow':\n        model = fast_model\n    else:\n        model = slow_model\n    return model\n",
    );
    let guards = |name: &str| {
        let use_ = facts.uses.iter().find(|use_| use_.name == name).unwrap();
        use_.parameter_guards
            .iter()
            .map(|guard| {
                let test = &guard.guard;
                let op = if test.equal { "==" } else { "!=" };
                format!(
                    "{}:{}{op}{} at {:?} keyword {} default {:?}",
                    guard.function,
                    test.name,
                    test.constant,
                    guard.position,
                    guard.keyword,
                    guard.default
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(
        guards("t5_model"),
        ["predict:source==\"T5\" at Some(0) keyword false default None"]
    );
    assert_eq!(
        guards("fast_model"),
        ["predict:mode!=\"slow\" at None keyword true default Some(\"\\\"fast\\\"\")"]
    );
    // The `else` of a chain of more than one test holds where every test fails: not noted.
    assert!(guards("slow_model").is_empty());

    // A lone `else` holds where its test fails.
    let lone =
        analyze("def f(kind):\n    if kind == 1:\n        pass\n    else:\n        g(other)\n");
    let other = lone.uses.iter().find(|use_| use_.name == "other").unwrap();
    assert!(!other.parameter_guards[0].guard.equal);

    // No guard where the body binds the parameter again, a decorator calls the function,
    // or the test is in a nested function (whose names may be its own).
    for source in [
        "def f(kind):\n    kind = kind.lower()\n    if kind == 'a':\n        g(other)\n",
        "@wrap\ndef f(kind):\n    if kind == 'a':\n        g(other)\n",
        "def f(kind):\n    def h(kind):\n        if kind == 'a':\n            g(other)\n    return h\n",
        "class C:\n    def f(self, kind):\n        if kind == 'a':\n            g(other)\n",
    ] {
        let facts = analyze(source);
        let other = facts.uses.iter().find(|use_| use_.name == "other").unwrap();
        assert!(other.parameter_guards.is_empty(), "{source}");
    }

    // Calls of plain names, with their literal arguments; a callee's read is marked.
    let calls = analyze("predict('bert', n, scale = 3)\nrun(*args)\nrun(**kw)\nx = m.predict(1)\n");
    let passed: Vec<_> = calls
        .calls
        .iter()
        .map(|call| {
            (
                call.function.as_str(),
                call.arguments.clone(),
                call.keywords.clone(),
                call.unpacked,
            )
        })
        .collect();
    assert_eq!(
        passed,
        [
            (
                "predict",
                vec![Some("\"bert\"".to_owned()), None],
                vec![("scale".to_owned(), Some("3".to_owned()))],
                false
            ),
            ("run", vec![None], vec![], true),
            ("run", vec![], vec![], true),
        ]
    );
    let predict = calls
        .uses
        .iter()
        .find(|use_| use_.name == "predict")
        .unwrap();
    assert!(predict.callee);
    let n = calls.uses.iter().find(|use_| use_.name == "n").unwrap();
    assert!(!n.callee);

    // The cell's own functions read other than by a call are handed on.
    let handed = analyze(
        "def step(x):\n    return x\n\nsteps = list(map(step, xs))\nstep(1)\ndef later():\n    return apply(step)\n",
    );
    assert_eq!(handed.functions_handed_on, ["step"]);
    let called =
        analyze("def step(x):\n    return x\n\nstep(1)\ndef later():\n    return step(2)\n");
    assert!(called.functions_handed_on.is_empty());
}

#[test]
fn class_constants_attribute_stores_and_the_tests_of_attributes_around_reads() {
    let facts = analyze(
        "class CFG:\n    model = \"bert\"\n    size: int = 3\n    lr = base_lr\n    epochs = 1\n    epochs = 2\n\n    def run(self):\n        if self.model == 't5':\n            return t5()\n        return None\n",
    );
    assert_eq!(
        facts.defines[0].constants,
        [
            ("model".to_owned(), "\"bert\"".to_owned()),
            ("size".to_owned(), "3".to_owned())
        ]
    );
    assert_eq!(facts.stored_attributes, ["epochs", "lr", "run"]);
    let t5 = facts.uses.iter().find(|use_| use_.name == "t5").unwrap();
    assert_eq!(t5.attribute_guards[0].name, "CFG.model");
    assert_eq!(t5.attribute_guards[0].constant, "\"t5\"");

    let module = analyze(
        "if not CFG.debug:\n    a = load()\nelse:\n    b = load_small()\nif cfg.mode == 1:\n    c = other()\n",
    );
    let guard = |name: &str| {
        let use_ = module.uses.iter().find(|use_| use_.name == name).unwrap();
        use_.attribute_guards
            .iter()
            .map(|guard| format!("{} {} {}", guard.name, guard.equal, guard.constant))
            .collect::<Vec<_>>()
    };
    assert_eq!(guard("load"), ["CFG.debug false True"]);
    assert_eq!(guard("load_small"), ["CFG.debug true True"]);
    assert_eq!(guard("other"), ["cfg.mode true 1"]);

    // A decorator or a base may give instances their own values.
    for source in [
        "@dataclass\nclass CFG:\n    model: str = 'bert'\n",
        "class CFG(BaseModel):\n    model: str = 'bert'\n",
        "class CFG(metaclass=Meta):\n    model = 'bert'\n",
    ] {
        assert!(analyze(source).defines[0].constants.is_empty(), "{source}");
    }
    let object = analyze("class CFG(object):\n    model = 'bert'\n");
    assert_eq!(object.defines[0].constants.len(), 1);

    // A local's attribute is no class's.
    let local = analyze("def f(cfg):\n    if cfg.mode == 1:\n        other()\n");
    let other = local.uses.iter().find(|use_| use_.name == "other").unwrap();
    assert!(other.attribute_guards.is_empty());

    // Attributes set, by name or not.
    let setters = analyze("cfg.model = 't5'\ndel cfg.size\nsetattr(cfg, 'lr', 1)\n");
    assert_eq!(setters.stored_attributes, ["lr", "model", "size"]);
    for source in [
        "setattr(cfg, key, 1)\n",
        "cfg.__dict__.update(d)\n",
        "vars(cfg)[k] = 1\n",
    ] {
        assert_eq!(analyze(source).stored_attributes, ["*"], "{source}");
    }
}

/// Whether each read of `name` in `facts`, in order, uses only the value's settings.
fn settings_only(facts: &CellFacts, name: &str) -> Vec<bool> {
    facts
        .uses
        .iter()
        .filter(|use_| use_.name == name)
        .map(|use_| use_.settings_only)
        .collect()
}

#[test]
fn an_estimator_handed_to_a_cloning_utility_is_read_for_its_settings() {
    let facts = analyze(
        "scores = cross_val_score(model, X, y)\nsearch = model_selection.GridSearchCV(estimator=forest, param_grid=grid)\nfresh = clone(other)\ncross_val_score(make_pipeline(scaler, svc), X, y)\nmodel.predict(X)\n",
    );
    assert_eq!(settings_only(&facts, "model"), [true, false]);
    assert_eq!(settings_only(&facts, "forest"), [true]);
    assert_eq!(settings_only(&facts, "other"), [true]);
    // A pipeline's `fit` fits its steps again: only their settings count.
    assert_eq!(settings_only(&facts, "scaler"), [true]);
    assert_eq!(settings_only(&facts, "svc"), [true]);
    assert_eq!(settings_only(&facts, "X"), [false, false, false]);
}

#[test]
fn an_estimator_a_meta_estimator_is_made_of_is_read_for_its_settings() {
    let facts = analyze(concat!(
        "pipe = Pipeline([(\"scale\", scaler), (\"model\", model)])\n",
        "vote = VotingClassifier(estimators=[(\"a\", a), (\"b\", b)], weights=w)\n",
        "kept = SelectFromModel(forest, prefit=True)\n",
        "calibrated = CalibratedClassifierCV(svm, cv=\"prefit\")\n",
        "refitted = CalibratedClassifierCV(tree, cv=5)\n",
        "plain = make_pipeline(f(encoder), norm)\n",
    ));
    // The weights are no estimator but are only settings too.
    for name in ["scaler", "model", "a", "b", "tree", "norm", "w"] {
        assert_eq!(settings_only(&facts, name), [true], "{name}");
    }
    // The prefit estimators are used as fitted; an estimator made by a call is that call's
    // argument.
    for name in ["forest", "svm", "encoder"] {
        assert_eq!(settings_only(&facts, name), [false], "{name}");
    }
}

#[test]
fn a_value_shown_or_asked_for_its_parameters_is_read_for_its_settings() {
    let facts = analyze(
        "print(model)\ndisplay(scaler, X)\nparams = forest.get_params()\nnet\nprint(model.coef_)\nshow(tree)\nif ok:\n    print(svm)\n",
    );
    assert_eq!(settings_only(&facts, "model"), [true, false]);
    for name in ["scaler", "X", "forest", "net", "svm"] {
        assert_eq!(settings_only(&facts, name), [true], "{name}");
    }
    assert_eq!(settings_only(&facts, "tree"), [false]);
}

#[test]
fn a_read_in_a_block_knows_where_its_statement_list_ends() {
    let source = "model.fit(X)
for fold in folds:
    model.fit(fold)
    if ok:
        model.score(fold)
    model.predict(fold)
try:
    model.predict(X)
except E:
    model.reset()
while model.busy:
    model.wait()
else:
    model.close()
with lock:
    model.save()
";
    let facts = analyze(source);
    let suite_ends: Vec<Option<usize>> = facts
        .uses
        .iter()
        .filter(|use_| use_.name == "model")
        .map(|use_| use_.suite_end)
        .collect();
    let end_of = |text: &str| source.find(text).map(|at| at + text.len());
    assert_eq!(
        suite_ends,
        [
            None,
            end_of("model.predict(fold)"),
            end_of("model.score(fold)"),
            end_of("model.predict(fold)"),
            end_of("model.predict(X)"),
            end_of("model.reset()"),
            // A loop's test is in the list the loop stands in; its `else` is a list of its own.
            None,
            end_of("model.wait()"),
            end_of("model.close()"),
            end_of("model.save()"),
        ]
    );
}

#[test]
fn a_read_through_subscripts_notes_the_keys_it_takes() {
    use nblint_facts::ItemKey::{Attribute, Each, Index, Other, Text};
    let text = |key: &str| Text(key.to_owned());
    let attribute = |name: &str| Attribute(name.to_owned());
    let source = "\
df[\"a\"][0]
df[[\"a\", \"b\"]]
df[col]
df[-1]
df[0, 1]
df.a[\"b\"]
len(df)
df.head()
df[\"a\"].mean()
df.loc[\"x\"]
record.seq.count(\"A\")
df[\"c\"] = df[\"a\"] * 2
df.loc[rows, \"p\"]
df.at[0, [\"p\", \"q\"]]
df.loc[rows, col]
sns.lineplot(data=df, x=\"t\", y=\"v\", ax=axes[0], legend=False)
px.scatter(df, x=\"t\", y=[\"v\", \"w\"])
df.plot(x=\"t\", y=\"v\")
df.plot.scatter(x=\"t\", y=\"v\")
sns.lineplot(data=df, x=\"t\", hue=col)
sns.heatmap(data=df, x=\"t\")
df.plot(y=\"v\")
px.line(df)
";
    let facts = analyze(source);
    let items: Vec<Vec<nblint_facts::ItemKey>> = facts
        .uses
        .iter()
        .filter(|use_| use_.name == "df")
        .map(|use_| use_.items.clone())
        .collect();
    assert_eq!(
        items,
        [
            vec![text("a"), Index(0)],
            vec![Each(vec![text("a"), text("b")])],
            vec![Other],
            vec![Other],
            vec![Other],
            // Through an attribute: that attribute's item.
            vec![attribute("a"), text("b")],
            // Handed on whole, or the receiver of a method: the whole value.
            vec![],
            vec![],
            // A method of an item: that item; through an indexer: any item.
            vec![text("a")],
            vec![Other, text("x")],
            // The place stored into, then the value.
            vec![text("c")],
            vec![text("a")],
            // pandas' indexers given a row and a literal column: that column.
            vec![text("p")],
            vec![Each(vec![text("p"), text("q")])],
            vec![Other, Other],
            // A plotting call that names every column it reads, as literals.
            vec![Each(vec![text("t"), text("v")])],
            vec![Each(vec![text("t"), text("v"), text("w")])],
            vec![Each(vec![text("t"), text("v")])],
            vec![Each(vec![text("t"), text("v")])],
            // A column in a variable, a plot of every column, a wide-form plot: whole.
            vec![],
            vec![],
            vec![],
            vec![],
        ]
    );
    let record: Vec<_> = facts
        .uses
        .iter()
        .filter(|use_| use_.name == "record")
        .map(|use_| use_.items.clone())
        .collect();
    assert_eq!(record, [vec![attribute("seq")]]);
}

#[test]
fn a_change_of_an_item_notes_the_keys_of_the_place() {
    use nblint_facts::ItemKey::{Attribute, Index, Text};
    let text = |key: &str| Text(key.to_owned());
    let facts = analyze(
        "\
df[\"day\"] = df[\"date\"].dt.date
data[1][\"yaxis\"] = \"y2\"
counts[\"a\"] += 1
del params[\"q\"]
df[\"day\"].fillna(0, inplace=True)
df.drop(columns=[\"day\"], inplace=True)
frame.loc[0, \"a\"] = 1
record.annotations[\"evidence\"] = \"none\"
",
    );
    let items: Vec<(&str, Vec<nblint_facts::ItemKey>)> = facts
        .mutations
        .iter()
        .map(|mutation| (mutation.name.as_str(), mutation.items.clone()))
        .collect();
    assert_eq!(
        items,
        [
            ("df", vec![text("day")]),
            ("data", vec![Index(1), text("yaxis")]),
            ("counts", vec![text("a")]),
            ("params", vec![text("q")]),
            ("df", vec![text("day")]),
            ("df", vec![]),
            // pandas' indexer given a row and a literal column: that column.
            ("frame", vec![text("a")]),
            (
                "record",
                vec![Attribute("annotations".to_owned()), text("evidence")]
            ),
        ]
    );
}

#[test]
fn a_display_notes_its_literal_keys_and_an_add_the_key_it_puts_in() {
    use nblint_facts::ItemKey::{Index, Text};
    let text = |key: &str| Text(key.to_owned());
    let facts = analyze(
        "\
compounds = {\"water\", \"ethanol\"}
sample = {\"a\": 1, 0: 2}
mixed = {\"a\", x}
merged = {**sample, \"b\": 2}
",
    );
    let held: Vec<(&str, Vec<nblint_facts::ItemKey>)> = facts
        .defines
        .iter()
        .map(|definition| (definition.name.as_str(), definition.held_keys.clone()))
        .collect();
    assert_eq!(
        held,
        [
            ("compounds", vec![text("water"), text("ethanol")]),
            ("sample", vec![text("a"), Index(0)]),
            ("mixed", vec![]),
            ("merged", vec![]),
        ]
    );
    let facts = analyze(
        "\
compounds.add(\"ethanol\")
sample.setdefault(\"c\", 3)
compounds.add(name)
sample.pop(\"c\")
",
    );
    let adds: Vec<Option<nblint_facts::ItemKey>> = facts
        .mutations
        .iter()
        .map(|mutation| mutation.adds.clone())
        .collect();
    assert_eq!(adds, [Some(text("ethanol")), Some(text("c")), None, None]);
}

#[test]
fn a_change_inside_with_of_the_value_itself_notes_its_own_context() {
    let facts = analyze(
        "\
with model:
    model.objective = \"ATPM\"
    with other:
        model.solver = \"glpk\"
with open(path) as handle:
    model.tolerance = 1e-9
model.objective = \"ACALD\"
",
    );
    let own: Vec<(&str, bool)> = facts
        .mutations
        .iter()
        .map(|mutation| (mutation.name.as_str(), mutation.in_own_context))
        .collect();
    assert_eq!(
        own,
        [
            ("model", true),
            ("model", true),
            ("model", false),
            ("model", false)
        ]
    );
}

#[test]
fn the_text_ipython_runs_drops_pasted_indentation_and_prompts() {
    use super::text_ipython_runs;
    assert_eq!(
        text_ipython_runs("  x = 2\n  print(x)\n").as_deref(),
        Some("x = 2\nprint(x)\n")
    );
    assert_eq!(
        text_ipython_runs(">>> y = [1,\n...      2]\n").as_deref(),
        Some("y = [1,\n     2]\n")
    );
    assert_eq!(
        text_ipython_runs("    >>> z = 1\n").as_deref(),
        Some("z = 1\n")
    );
    // As written, or broken either way: nothing to rewrite.
    assert_eq!(text_ipython_runs("x = 2\n"), None);
    assert_eq!(text_ipython_runs("  x = (\n"), None);
}
