//! Snapshot tests: each `fixtures/extract/<case>.ipynb` extracted (with the compiler for the
//! std-only cases), the generated tree and the notes compared with the stored snapshot; one
//! extracted crate built and run, its stdout compared with the notebook's stored outputs.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use nblint_extract::{CargoRunner, ExtractOptions, Extraction};
use nblint_notebook::Notebook;

fn fixture(case: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/extract")
        .join(format!("{case}.ipynb"))
}

fn work_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("nblint-extract")
}

fn cargo() -> PathBuf {
    std::env::var_os("CARGO").map_or_else(|| PathBuf::from("cargo"), PathBuf::from)
}

/// Extracts `case`; `scratch` names the folders of its probe and check crates and of their
/// target directory (tests running at the same time on one case need different ones: two
/// packages of one name in one target directory share cached warnings).
fn extract(case: &str, with_compiler: bool, scratch: &str) -> (Extraction, PathBuf) {
    let path = fixture(case);
    let notebook = Notebook::parse(&std::fs::read(&path).unwrap()).unwrap();
    let out_dir = work_dir().join("out").join(case);
    let options = ExtractOptions {
        package: case.to_owned(),
        notebook_path: path,
        // Where relative `path` dependencies are rebased to: a fixed place beside the
        // fixtures, so the snapshot does not depend on the target directory.
        out_dir: Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/extract/out"),
        cargo: with_compiler.then(|| CargoRunner {
            program: cargo(),
            target_dir: work_dir().join("target").join(scratch),
        }),
        scratch_dir: work_dir().join("scratch").join(scratch),
    };
    (
        nblint_extract::extract(&notebook, &options, &|_| {}).unwrap(),
        out_dir,
    )
}

/// The generated tree and the notes, as one text.
fn tree(extraction: &Extraction) -> String {
    let mut text = String::new();
    for (path, content) in &extraction.files {
        text.push_str(&format!("=== {path}\n{content}"));
        if !content.ends_with('\n') {
            text.push('\n');
        }
    }
    text.push_str("=== notes\n");
    text.push_str(&format!("builds: {:?}\n", extraction.builds));
    text.push_str(&format!("fallback: {:?}\n", extraction.fallback));
    for warning in &extraction.warnings {
        text.push_str(&format!("warning: {warning}\n"));
    }
    for warning in &extraction.compiler_warnings {
        text.push_str(&format!("compiler warning: {warning}\n"));
    }
    text
}

macro_rules! snapshot_case {
    ($name:ident, $with_compiler:expr) => {
        #[test]
        fn $name() {
            let (extraction, _) = extract(stringify!($name), $with_compiler, "snapshot");
            if $with_compiler {
                assert_eq!(extraction.builds, Some(true), "{}", tree(&extraction));
                assert!(
                    extraction.compiler_warnings.is_empty(),
                    "{}",
                    tree(&extraction)
                );
            }
            insta::assert_snapshot!(stringify!($name), tree(&extraction));
        }
    };
}

snapshot_case!(sections_to_modules, true);
snapshot_case!(values_across_cells, true);
snapshot_case!(mutated_later, true);
snapshot_case!(moved_later, true);
snapshot_case!(items_across_cells, true);
snapshot_case!(trailing_expression, true);
snapshot_case!(question_mark, true);
snapshot_case!(stored_error, true);
snapshot_case!(non_rust_cell, true);
snapshot_case!(redefined_through_item, true);
snapshot_case!(redefined_items, true);
snapshot_case!(keeps_comments, true);
// Needs crates.io crates: generated without the compiler (no network in CI).
snapshot_case!(dep_forms, false);
snapshot_case!(plotly_display, false);

/// Extracts `case`, writes the crate, runs it, and returns the extraction and its stdout.
fn build_and_run(case: &str) -> (Extraction, String) {
    let (extraction, out_dir) = extract(case, true, "run");
    assert_eq!(extraction.builds, Some(true), "{}", tree(&extraction));
    assert!(extraction.fallback.is_none(), "{}", tree(&extraction));
    if out_dir.exists() {
        std::fs::remove_dir_all(&out_dir).unwrap();
    }
    nblint_extract::write_files(&extraction.files, &out_dir).unwrap();
    let output = nblint_testing::run_ok(
        Command::new(cargo())
            .args(["run", "--quiet", "--target-dir"])
            .arg(work_dir().join("target").join("run"))
            .current_dir(&out_dir)
            .env_remove("RUSTFLAGS"),
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    (extraction, stdout)
}

/// The extracted crate builds, runs, and prints what the notebook printed.
#[test]
fn extracted_crate_prints_what_the_notebook_printed() {
    let (extraction, stdout) = build_and_run("run_pipeline");
    assert_eq!(stdout, extraction.expected_stdout);
    assert!(stdout.contains("warmest 70.7F"), "{stdout}");
}

/// A function redefined later is still called, directly or through `fn main`, in the version
/// that was in force when each earlier cell ran.
#[test]
fn redefined_functions_keep_their_earlier_behaviour() {
    let (extraction, stdout) = build_and_run("redefined_through_item");
    assert_eq!(stdout, extraction.expected_stdout);
    assert!(
        stdout.starts_with("main: 2\n()\nfib(6) = 32\nfib(6) = 8, helper(1) = 10\nmain: 10\n"),
        "{stdout}"
    );
}

/// A struct, its impls, a const and a static redefined by a later cell (`struct Shape` then
/// `enum Shape`): every cell, and every function it calls, compiles against the version in
/// force when it ran.
#[test]
fn redefined_types_consts_and_statics_keep_their_earlier_versions() {
    let (extraction, stdout) = build_and_run("redefined_items");
    assert_eq!(stdout, extraction.expected_stdout);
    assert_eq!(
        stdout,
        "rect 2x3 area 6 scaled 12 v1\nCircle(1.0) area 3 scaled 30 v2\nSquare(2.0) area 4\n"
    );
}

/// A `Vec` or `String` a cell only reads is borrowed as `&[T]` / `&str`, a `Vec` it changes in
/// place as `&mut [T]` (clippy's `ptr_arg`); a cell that needs the `Vec` itself
/// (`numbers.clone()` into a `Vec<i32>`, `scores.push(1)`) gets `&Vec<T>` / `&mut Vec<T>`
/// back after the compiler refuses the slice.
#[test]
fn read_only_vectors_and_strings_are_borrowed_as_slices() {
    let (extraction, stdout) = build_and_run("borrowed_params");
    assert_eq!(stdout, extraction.expected_stdout);
    let code = &extraction.files["src/borrowed_params.rs"];
    assert!(
        code.contains("pub fn cell_3(name: &str, numbers: &[i32])")
            || code.contains("pub fn cell_3(numbers: &[i32], name: &str)"),
        "{code}"
    );
    assert!(code.contains("pub fn cell_4(numbers: &Vec<i32>)"), "{code}");
    // Changed in place: `sort` works on `&mut [i32]`, `push` needs the `Vec`.
    assert!(code.contains("pub fn cell_5(scores: &mut [i32])"), "{code}");
    assert!(
        code.contains("pub fn cell_6(scores: &mut Vec<i32>)"),
        "{code}"
    );
}

/// The cell's own comments are kept in the function bodies and on moved items, and the crate
/// still prints what the notebook printed.
#[test]
fn comments_are_kept_and_output_is_unchanged() {
    let (extraction, stdout) = build_and_run("keeps_comments");
    assert_eq!(stdout, extraction.expected_stdout);
    let code = &extraction.files["src/keeps_comments.rs"];
    for comment in [
        "// The sentence to count",
        "// fixed input",
        "// one more for this word",
        "// the most common word",
        "// show the top word",
    ] {
        assert!(code.contains(comment), "{comment} missing:\n{code}");
    }
    assert!(!code.contains("nblint-comment"), "{code}");
}

/// The crates extracted from notebooks whose own code is clippy-clean pass
/// `cargo clippy -- -D warnings` (skipped, saying so, where clippy is not installed).
#[test]
fn extracted_crate_passes_clippy() {
    let available = Command::new(cargo())
        .args(["clippy", "--version"])
        .output()
        .is_ok_and(|output| output.status.success());
    if !available {
        eprintln!("SKIPPED extracted_crate_passes_clippy: `cargo clippy` is not available");
        return;
    }
    for case in [
        "values_across_cells",
        "mutated_later",
        "borrowed_params",
        "redefined_items",
        "redefined_through_item",
    ] {
        let (extraction, _) = extract(case, true, "clippy");
        assert_eq!(extraction.builds, Some(true), "{}", tree(&extraction));
        let out_dir = work_dir().join("out").join(format!("clippy_{case}"));
        if out_dir.exists() {
            std::fs::remove_dir_all(&out_dir).unwrap();
        }
        nblint_extract::write_files(&extraction.files, &out_dir).unwrap();
        let output = Command::new(cargo())
            .args(["clippy", "--quiet", "--target-dir"])
            .arg(work_dir().join("target").join("clippy"))
            .args(["--", "-D", "warnings"])
            .current_dir(&out_dir)
            .env_remove("RUSTFLAGS")
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{case}: {}\n{}",
            String::from_utf8_lossy(&output.stderr),
            tree(&extraction)
        );
    }
}

/// A trait redefined with its impl: the crate builds (the two impls of one trait for `Dog`
/// would conflict), and since a method call names no trait, the earlier cell now reaches the
/// later impl; the extraction says so rather than staying silent (known limitation).
#[test]
fn a_redefined_trait_impl_left_out_is_reported() {
    let (extraction, _) = extract("redefined_trait", true, "trait");
    assert_eq!(extraction.builds, Some(true), "{}", tree(&extraction));
    assert!(extraction.fallback.is_none(), "{}", tree(&extraction));
    assert!(
        extraction.warnings.iter().any(|warning| warning
            .starts_with("cell 2: `impl Speak for Dog` was written for the earlier `Speak`")),
        "{:?}",
        extraction.warnings
    );
}

/// A heading or first comment with no ASCII word (`## 闭包`, `// 计算`) does not name the
/// cell's function (it was `section`, `step_2`...): the cell number does; accented Latin
/// headings are spelt in ASCII (`## Étape deux` → `etape_deux`).
#[test]
fn cells_without_a_worded_heading_or_comment_are_named_by_number() {
    let (extraction, _) = extract("unworded_names", false, "unworded");
    let main = &extraction.files["src/main.rs"];
    assert!(main.contains("let x = cell_2();"), "{main}");
    assert!(main.contains("etape_deux(x);"), "{main}");
}

/// Without the compiler, a value whose type is not written forces the single `run()` form.
#[test]
fn unknown_types_without_the_compiler_fall_back_to_run() {
    let (extraction, _) = extract("moved_later", false, "no-compiler");
    assert!(extraction.fallback.is_some());
    assert!(extraction.files["src/lib.rs"].contains("pub fn run()"));
    assert!(extraction.files["src/main.rs"].contains("moved_later::run()"));
}

/// A stripped notebook (no execution counts, no outputs: what git holds behind nblint's own
/// clean filter) is extracted in document order and prints what the notebook printed before
/// it was stripped.
#[test]
fn a_stripped_notebook_runs_in_document_order() {
    let (extraction, stdout) = build_and_run("stripped_notebook");
    assert!(
        extraction
            .warnings
            .iter()
            .any(|warning| warning.contains("document order")),
        "{}",
        tree(&extraction)
    );
    let (original, _) = extract("run_pipeline", false, "stripped-original");
    assert_eq!(stdout, original.expected_stdout);
    assert!(stdout.contains("warmest 70.7F"), "{stdout}");
}

/// A notebook with no code to extract is an error, never an empty crate called a success.
#[test]
fn nothing_to_extract_is_an_error() {
    let path = fixture("nothing_to_extract");
    let notebook = Notebook::parse(&std::fs::read(&path).unwrap()).unwrap();
    let options = ExtractOptions {
        package: "nothing".to_owned(),
        notebook_path: path,
        out_dir: work_dir().join("out").join("nothing"),
        cargo: None,
        scratch_dir: work_dir().join("scratch").join("nothing"),
    };
    let error = nblint_extract::extract(&notebook, &options, &|_| {}).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("nothing to extract: the notebook has no code"),
        "{error}"
    );
}

/// A parameter named like a function that a later cell redefines is the parameter: only the
/// uses that mean the top-level function follow its versions (a calculus notebook printed
/// the derivative of the wrong function when the parameter was renamed too).
#[test]
fn a_parameter_named_like_a_redefined_function_stays_the_parameter() {
    let (extraction, stdout) = build_and_run("parameter_named_like_redefined_function");
    assert_eq!(stdout, "9 6 6 2\n4 1 6 2\n", "{}", tree(&extraction));
    assert_eq!(stdout, extraction.expected_stdout);
}

/// A cell in Rust 2018 syntax the kernel ran (a bare `Box<Fn(i32) -> i32>`) is extracted with
/// `dyn`, not skipped as "not Rust the kernel could run".
#[test]
fn a_bare_trait_object_is_extracted_with_dyn() {
    let (extraction, stdout) = build_and_run("bare_trait_object");
    assert_eq!(stdout, "42\n", "{}", tree(&extraction));
    assert!(
        extraction
            .files
            .values()
            .any(|file| file.contains("Box<dyn Fn(i32) -> i32>")),
        "{}",
        tree(&extraction)
    );
    assert!(
        !extraction
            .warnings
            .iter()
            .any(|warning| warning.contains("skipped")),
        "{}",
        tree(&extraction)
    );
}

/// `use` lines of several cells that import the same name (`use std::io;` and
/// `use std::io::{self, Write};`) are merged at the crate root without binding a name twice
/// (E0252).
#[test]
fn overlapping_use_lines_are_merged() {
    let (extraction, stdout) = build_and_run("overlapping_use_lines");
    assert_eq!(stdout, "0\nflushed\n", "{}", tree(&extraction));
    let lib = &extraction.files["src/lib.rs"];
    assert_eq!(lib.matches("use std::io;").count(), 1, "{lib}");
    assert!(lib.contains("use std::io::{BufRead, Write};"), "{lib}");
}

/// A cell's `#![allow(..)]` stays on that cell's function: it does not silence the crate.
#[test]
fn a_cells_allow_stays_on_its_function() {
    let (extraction, stdout) = build_and_run("cell_allow_attribute");
    assert_eq!(stdout, "one\ntwo\n", "{}", tree(&extraction));
    let all: String = extraction.files.values().cloned().collect();
    assert!(!all.contains("#![allow(unused_variables)]"), "{all}");
    assert!(all.contains("#[allow(unused_variables)]\npub fn"), "{all}");
}

/// A notebook whose cells ran out of order (cell 4 ran before cell 3): the pipeline calls
/// the steps in execution-count order, the order that produced the stored output, says so,
/// and prints what the notebook printed (`1 * 10 + 10`, not `(1 + 10) * 10`).
#[test]
fn cells_that_ran_out_of_order_run_in_execution_count_order() {
    let (extraction, stdout) = build_and_run("ran_out_of_order");
    assert!(
        extraction.warnings.iter().any(|warning| warning
            .starts_with("the cells ran out of document order: main() calls the steps")),
        "{}",
        tree(&extraction)
    );
    assert_eq!(stdout, "20\n", "{}", tree(&extraction));
    assert_eq!(extraction.expected_stdout, "20\n");
    let (in_order, _) = extract("values_across_cells", false, "order");
    assert!(
        !in_order
            .warnings
            .iter()
            .any(|warning| warning.contains("out of order")),
        "{}",
        tree(&in_order)
    );
}

/// A function redefined by a cell that ran before the cell above it: each step calls the
/// definition that had run last when it ran (counts 1, 2, 3, 4 give `2` then `1`), not the one
/// above it in the document (which would print `2` twice).
#[test]
fn redefinitions_follow_the_run_order() {
    let (extraction, stdout) = build_and_run("redefined_out_of_order");
    assert_eq!(stdout, "2\n1\n", "{}", tree(&extraction));
    assert_eq!(extraction.expected_stdout, "2\n1\n");
}

/// The final table names the cells and modules, the cells left out and why, the per-cell
/// versions and the dependencies.
#[test]
fn the_final_table_says_what_was_made() {
    let (extraction, _) = extract("redefined_items", false, "table");
    let table = extraction.summary_table();
    assert!(
        table.contains("  cells     3 extracted into 2 modules"),
        "{table}"
    );
    assert!(
        table.contains("ShapeCell2 (`Shape` as in cell 2)"),
        "{table}"
    );
    let (stored_error, _) = extract("stored_error", false, "table");
    let table = stored_error.summary_table();
    assert!(table.contains("skipped"), "{table}");
    assert!(table.contains("its stored output is an error"), "{table}");
    let (deps, _) = extract("dep_forms", false, "table");
    assert!(
        deps.summary_table().contains("regex 1"),
        "{}",
        deps.summary_table()
    );
}

/// Execution counts that cannot be the run order (cell 3, In [2], reads `x`, which only cell
/// 2, In [5], binds: cell 2 was re-run later): the cells are taken in document order, and
/// the extraction says why.
#[test]
fn counts_that_are_not_a_run_order_fall_back_to_document_order() {
    let (extraction, _) = extract("counts_not_a_run_order", false, "order");
    assert!(
        extraction
            .warnings
            .iter()
            .any(|warning| warning.starts_with(
                "the execution counts are not a run order: in their order cell 3 reads `x`"
            )),
        "{}",
        tree(&extraction)
    );
    // Without the compiler the types are unknown: the single `run()` holds the cells, in
    // document order.
    let code = &extraction.files["src/lib.rs"];
    let first = code.find("ipynb, cell 2").unwrap();
    let second = code.find("ipynb, cell 3").unwrap();
    assert!(first < second, "{code}");
}
