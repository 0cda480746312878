//! Unit tests of the front end on small cells, one behaviour each.

use nblint_facts::{CellFacts, DefinitionKind, MutationKind};

use super::analyze;

fn uses(facts: &CellFacts) -> Vec<&str> {
    facts.used_names()
}

fn defines(facts: &CellFacts) -> Vec<&str> {
    facts.defined_names()
}

#[test]
fn let_patterns_bind_every_name() {
    let facts = analyze(
        "let (a, mut b) = (1, 2);\nlet Point { x, y: ref why } = p;\nlet [first, .., last] = arr;\nlet Some(v) = opt else { return };\n",
    );
    assert_eq!(
        defines(&facts),
        ["a", "b", "x", "why", "first", "last", "v"]
    );
    assert_eq!(uses(&facts), ["p", "Point", "arr", "opt", "Some"]);
    assert!(facts.defines[1].mutable);
}

#[test]
fn closure_params_match_arms_if_let_for_are_local() {
    let facts = analyze(
        "let f = |item: Item| item.size + offset;\n\
         match value { Some(inner) => inner + 1, None => fallback }\n\
         if let Ok(n) = parsed && n > 0 { total(n) }\n\
         for (i, w) in words.iter().enumerate() { println!(\"{i} {w}\"); }\n\
         while let Some(top) = stack.pop() { use_it(top); }\n",
    );
    assert_eq!(
        uses(&facts),
        [
            "Item", "offset", "value", "Some", "None", "fallback", "parsed", "Ok", "total",
            "words", "println", "stack", "use_it"
        ]
    );
}

#[test]
fn block_shadowing_and_nested_fn() {
    let facts = analyze(
        "let y = { let x = 1; x + outer };\n\
         fn helper(n: usize) -> usize { let m = n * factor(); m }\n\
         let z = x;\n",
    );
    assert_eq!(defines(&facts), ["y", "helper", "z"]);
    assert_eq!(uses(&facts), ["outer", "usize", "factor", "x"]);
}

#[test]
fn items_are_visible_before_their_definition_and_lets_are_not() {
    let facts = analyze("let a = helper(b);\nlet b = 2;\nfn helper(x: i32) -> i32 { x }\n");
    assert_eq!(uses(&facts), ["b", "i32"]);
    let helper = facts.defines.iter().find(|d| d.name == "helper").unwrap();
    assert!(helper.used_in_cell);
    assert_eq!(helper.kind, DefinitionKind::Function);
}

#[test]
fn format_strings_and_macro_arguments_are_uses() {
    let facts = analyze(
        "println!(\"{total} {:?} {name:>width$}\", counts, name = label);\nlet v = vec![seed; n];\nassert_eq!(got, expected, \"{ctx}\");\n",
    );
    assert_eq!(
        uses(&facts),
        [
            "println",
            "total",
            "width",
            "counts",
            "label",
            "vec",
            "seed",
            "n",
            "assert_eq",
            "got",
            "expected",
            "ctx"
        ]
    );
    let total = facts.uses.iter().find(|u| u.name == "total").unwrap();
    assert_eq!(
        &"println!(\"{total}"[total.span.start..total.span.end],
        "total"
    );
}

#[test]
fn use_trees_groups_renames_globs() {
    let facts = analyze(
        "use std::collections::{HashMap, BTreeMap as Tree};\nuse std::io::{self, Read};\nuse rayon::prelude::*;\nuse serde::Deserialize as _;\n",
    );
    assert_eq!(defines(&facts), ["HashMap", "Tree", "io", "Read"]);
    let paths: Vec<&str> = facts.imports.iter().map(|i| i.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "std::collections::HashMap",
            "std::collections::BTreeMap",
            "std::io",
            "std::io::Read",
            "rayon::prelude",
            "serde::Deserialize"
        ]
    );
    assert!(facts.binds_unknown_names);
    assert!(facts.imports[4].glob);
    assert_eq!(facts.imports[5].binding, None);
    // The statement span covers the whole line, line break included.
    let statement = facts.imports[0].statement;
    assert_eq!(statement.start, 0);
    assert_eq!(
        &"use std::collections::{HashMap, BTreeMap as Tree};\n"[..statement.end],
        "use std::collections::{HashMap, BTreeMap as Tree};\n"
    );
}

#[test]
fn types_in_signatures_impl_headers_and_struct_literals() {
    let facts = analyze(
        "impl Display for Matrix { fn fmt(&self, f: &mut Formatter) -> fmt::Result { write!(f, \"{}\", self.rows) } }\nlet p = Point { x: origin, y };\n",
    );
    assert_eq!(
        uses(&facts),
        [
            "Display",
            "Matrix",
            "Formatter",
            "fmt",
            "write",
            "Point",
            "origin",
            "y"
        ]
    );
}

#[test]
fn generic_parameters_are_local() {
    let facts =
        analyze("fn largest<T: PartialOrd + Copy, const N: usize>(xs: [T; N]) -> T { xs[0] }\n");
    assert_eq!(uses(&facts), ["PartialOrd", "Copy", "usize"]);
}

#[test]
fn mutations_of_values_from_other_cells() {
    let facts = analyze(
        "counts.insert(word, 1);\ntotal += 1;\n*freq.entry(k).or_default() += 1;\nconfig.name = x;\nlet r = &mut buffer;\nlet n = items.len();\nlet mut own = Vec::new();\nown.push(1);\n",
    );
    let found: Vec<(&str, &MutationKind)> = facts
        .mutations
        .iter()
        .map(|m| (m.name.as_str(), &m.kind))
        .collect();
    assert_eq!(
        found,
        [
            (
                "counts",
                &MutationKind::MethodCall {
                    method: "insert".into()
                }
            ),
            ("total", &MutationKind::CompoundAssign),
            ("freq", &MutationKind::CompoundAssign),
            (
                "freq",
                &MutationKind::MethodCall {
                    method: "entry".into()
                }
            ),
            ("config", &MutationKind::Assign),
            ("buffer", &MutationKind::MutableBorrow),
        ]
    );
    assert!(facts.mutations[0].requires_mutable_binding);
    assert!(!facts.mutations[1].requires_mutable_binding);
}

#[test]
fn no_mutation_inside_fn_items() {
    let facts = analyze("fn add(v: &mut Vec<i32>) { v.push(1); }\n");
    assert!(facts.mutations.is_empty());
}

#[test]
fn trailing_expression_question_mark_and_await() {
    let facts = analyze("let x = fetch().await?;\nx\n");
    assert!(facts.uses_question_mark && facts.uses_await);
    assert_eq!(facts.trailing_expression.map(|s| s.start), Some(24));
    let nested =
        analyze("let f = async { g().await };\nlet h = || -> Result<(), E> { k()?; Ok(()) };\n");
    assert!(!nested.uses_question_mark && !nested.uses_await);
    assert!(nested.trailing_expression.is_none());
    assert!(
        analyze("println!(\"{}\", 1)\n")
            .trailing_expression
            .is_some()
    );
    assert!(analyze("for i in 0..3 { }\n").trailing_expression.is_none());
}

#[test]
fn commands_then_rust() {
    let facts = analyze(":dep regex = \"1\"\n:timing\n!ls\nlet re = Regex::new(\"a\").unwrap();\n");
    assert_eq!(facts.commands.len(), 3);
    assert_eq!(facts.dependencies[0].name, "regex");
    // The `:dep` crate is defined first, spanning its name on the `:dep` line.
    assert_eq!(defines(&facts), ["regex", "re"]);
    assert_eq!(facts.defines[0].kind, DefinitionKind::Dependency);
    assert_eq!(facts.defines[0].span.start, 5);
    assert_eq!(facts.defines[1].span.start, 33);
}

#[test]
fn syntax_errors_have_cell_positions() {
    let source = ":dep x\nlet a = ;\n";
    let facts = analyze(source);
    assert_eq!(facts.errors.len(), 1);
    assert!(facts.errors[0].span.start >= 7, "{:?}", facts.errors);
    let python = analyze("import numpy as np\nprint(f'{np.pi}')\n");
    assert!(!python.errors.is_empty());
    let unbalanced = analyze("let v = vec![1, 2;\n");
    assert!(!unbalanced.errors.is_empty());
    let junk = analyze("\u{0}\u{7f}\u{1b}[0m ☃ \"");
    assert!(!junk.errors.is_empty());
}

#[test]
fn hostile_nesting_is_an_error_not_a_crash() {
    let deep = format!("let x = {}1{};\n", "(".repeat(10_000), ")".repeat(10_000));
    let facts = analyze(&deep);
    assert!(
        facts.errors[0].message.contains("nests"),
        "{:?}",
        facts.errors
    );
    let unary = format!("let x = {}1;\n", "-".repeat(10_000));
    assert!(!analyze(&unary).errors.is_empty());
    // Moderately deep code is still analysed.
    let moderate = format!("let x = {}y{};\n", "(".repeat(500), ")".repeat(500));
    let facts = analyze(&moderate);
    assert!(facts.errors.is_empty(), "{:?}", facts.errors);
    assert_eq!(uses(&facts), ["y"]);
}

#[test]
fn unparsed_macro_bodies_give_possible_uses_and_mark_the_cell() {
    let facts = analyze("bitflags! { struct Flags: u32 { const A = LOW.bits(); } }\n");
    assert!(facts.partially_analysed);
    assert!(uses(&facts).contains(&"LOW"));
    assert!(!uses(&facts).contains(&"bits"));
}

#[test]
fn item_defining_macro_rules_bind_unknown_names() {
    let facts = analyze("macro_rules! point { ($n:ident) => { struct $n { x: i32 } }; }\n");
    assert!(facts.binds_unknown_names);
    let facts = analyze("macro_rules! twice { ($e:expr) => { $e * 2 }; }\n");
    assert!(!facts.binds_unknown_names);
}

#[test]
fn typed_self_receivers_use_their_types() {
    let facts = analyze(
        "use std::pin::Pin;\nuse std::rc::Rc;\nstruct Task;\n\
         impl Task { fn poll(self: Pin<&mut Self>) {} fn share(self: Rc<Self>, n: Count) {} }\n",
    );
    assert_eq!(uses(&facts), ["std", "Count"]);
    for name in ["Pin", "Rc"] {
        let import = facts.defines.iter().find(|d| d.name == name).unwrap();
        assert!(import.used_in_cell, "{name}");
    }
}

#[test]
fn crate_and_self_paths_use_their_first_item() {
    let facts = analyze(
        "mod shapes { pub fn area() -> f64 { self::unit() } fn unit() -> f64 { 1.0 } }\n\
         let a = crate::shapes::area();\n",
    );
    assert_eq!(uses(&facts), ["f64"]);
    let shapes = facts.defines.iter().find(|d| d.name == "shapes").unwrap();
    assert!(shapes.used_in_cell);
    // From another cell: `shapes` (and `geometry`) are read there.
    let facts = analyze(
        "use crate::geometry::{Point, norm};\nlet a = self::shapes::area();\nlet b = crate::shapes::area();\n",
    );
    assert_eq!(uses(&facts), ["geometry", "shapes"]);
    assert_eq!(facts.uses.len(), 3);
    // `super::` from a module at the top reaches the crate root; from a nested one, not.
    let facts = analyze(
        "fn function() {}\nmod my {\n    mod cool { pub fn g() { super::f() } }\n    \
         fn f() { super::function(); }\n    use super::Shape;\n}\n",
    );
    assert_eq!(uses(&facts), ["Shape"]);
    assert!(facts.defines[0].used_in_cell);
    // A `let` is no crate-root item: `crate::x` does not read the cell's `x`.
    let facts = analyze("let x = 1;\nlet y = crate::x::f(x);\n");
    assert_eq!(uses(&facts), ["x"]);
    assert_eq!(
        facts.uses[0].span.start,
        "let x = 1;\nlet y = crate::".len()
    );
}

#[test]
fn thread_local_and_lazy_static_bind_their_statics_in_their_block() {
    let facts = analyze(
        "fn next_id() -> u32 {\n    thread_local! { static COUNTER: Cell<u32> = const { Cell::new(START) }; }\n    \
         COUNTER.with(|c| { c.set(c.get() + 1); c.get() })\n}\n",
    );
    assert!(!facts.partially_analysed);
    assert_eq!(uses(&facts), ["u32", "thread_local", "Cell", "START"]);
    let facts = analyze(
        "lazy_static! {\n    static ref RE: Regex = Regex::new(PATTERN).unwrap();\n    \
         pub static ref TABLE: Vec<u8> = vec![];\n}\nRE.is_match(&TABLE.len().to_string())\n",
    );
    assert!(!facts.partially_analysed);
    assert_eq!(
        uses(&facts),
        ["lazy_static", "Regex", "PATTERN", "Vec", "u8", "vec"]
    );
    // evcxr runs the call inside the cell's function: no definition for other cells.
    assert!(defines(&facts).is_empty());
    assert!(facts.mutations.is_empty());
}

#[test]
fn matches_macro_binds_its_pattern() {
    let facts = analyze("let ok = matches!(value, Some(n) if n > limit);\n");
    assert_eq!(uses(&facts), ["matches", "value", "Some", "limit"]);
}

#[test]
fn derive_paths_use_their_imports() {
    let facts =
        analyze("use serde::Serialize;\n#[derive(Debug, Serialize)]\nstruct Row { id: u32 }\n");
    assert!(
        facts
            .defines
            .iter()
            .find(|d| d.name == "Serialize")
            .unwrap()
            .used_in_cell
    );
}

#[test]
fn extern_crate_and_statics() {
    let facts = analyze(
        "#[macro_use] extern crate itertools;\nstatic mut COUNT: u32 = 0;\npub fn api() {}\n",
    );
    assert!(facts.binds_unknown_names);
    let count = facts.defines.iter().find(|d| d.name == "COUNT").unwrap();
    assert!(count.mutable);
    assert!(
        facts
            .defines
            .iter()
            .find(|d| d.name == "api")
            .unwrap()
            .public
    );
}

#[test]
fn capitalised_names_bind_in_irrefutable_patterns_and_match_constants_in_refutable_ones() {
    let facts = analyze(
        "fn run(P: &Params) -> f32 { let Params { K, .. } = P; let T = 1.0 / K; T }\n\
         match x { MAX => 1, Some(Inner { V, .. }) => V, other => other }\n",
    );
    assert_eq!(uses(&facts), ["Params", "f32", "x", "MAX", "Some", "Inner"]);
}

#[test]
fn std_derives_are_not_uses_of_imports() {
    let facts = analyze("#[derive(Debug, Clone, serde::Serialize, Deserialize)]\nstruct S;\n");
    assert_eq!(uses(&facts), ["serde", "Deserialize"]);
}

#[test]
fn dep_crates_are_in_scope_in_their_cell() {
    let facts = analyze(
        ":dep base64 = \"0.10\"\n:dep serde-json\nbase64::encode(&[1]);\nserde_json::to_string(&1)\n",
    );
    assert!(uses(&facts).is_empty(), "{:?}", uses(&facts));
}

#[test]
fn rust_2018_bare_trait_objects_parse_and_real_errors_stay() {
    let facts = analyze(
        "fn make_adder(n: i32) -> Box<Fn(i32) -> i32> { Box::new(move |x| x + n) }\n\
         fn call(f: &mut FnMut(), g: &'static Fn(&str)) { f(); g(\"x\") }\n\
         let adders: Vec<Box<Fn(i32) -> i32 + Send>> = vec![make_adder(offset)];\n",
    );
    assert!(facts.parsed(), "{:?}", facts.errors);
    assert_eq!(defines(&facts), ["make_adder", "call", "adders"]);
    assert_eq!(
        uses(&facts),
        [
            "i32", "Box", "Fn", "FnMut", "str", "vec", "offset", "Vec", "Send"
        ]
    );
    let broken = analyze("let f: Box<Fn(i32) -> i32> = Box::new(|x| x;\n");
    assert_eq!(broken.errors.len(), 1, "{:?}", broken.errors);
    assert!(broken.defines.is_empty());
}

#[test]
fn a_cell_of_another_language_says_why_it_is_no_rust() {
    let message = |source: &str| {
        analyze(source)
            .errors
            .first()
            .map(|error| error.message.clone())
            .unwrap_or_default()
    };
    assert!(
        message("# run this once\n!apt install rustc\n")
            .ends_with("(a `#` line is no comment in Rust, `//` starts one)")
    );
    assert!(
        message("%%writefile hello.rs\nfn main() {}\n")
            .ends_with("(`%` magics are IPython's; the evcxr kernel does not run them)")
    );
    assert!(
        message("import random\nimport time\n")
            .ends_with("(it reads as Python, and the notebook's kernel is Rust)")
    );
    // Rust with a mistake, or under an attribute, gets the parser's message alone.
    for source in ["let x = 1\nlet y = 2;\n", "#[derive(Debug)]\nstruct S {\n"] {
        let rust = message(source);
        assert!(
            !rust.is_empty()
                && !["no comment", "IPython", "reads as Python"]
                    .iter()
                    .any(|hint| rust.contains(hint)),
            "{rust}"
        );
    }
}
