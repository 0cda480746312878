//! End-to-end tests of `nblint extract`: exit statuses for a non-empty output folder (with and
//! without `--force`), a missing file; what is (and is not) written. Python notebooks: every
//! fixture under `fixtures/extract/python/` is extracted, run, and its stdout compared with the
//! `*.expected.txt` next to it (see `python_fixtures_print_what_the_notebooks_printed`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use nblint_testing::run_ok;

use crate::support::{NBLINT, assert_contains, assert_lacks, stderr};

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/extract")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

fn nblint(args: &[&str]) -> Output {
    Command::new(NBLINT)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

/// `nblint extract <notebook> --out <out>` with `args` after.
fn extract(notebook: &str, out: &Path, args: &[&str]) -> Output {
    let out = out.to_string_lossy();
    let mut all = vec!["extract", notebook, "--out", &out];
    all.extend(args);
    nblint(&all)
}

#[test]
fn non_empty_folder_needs_force_and_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("crate");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("notes.txt"), "keep me").unwrap();
    let notebook = fixture("dep_forms.ipynb");

    let refused = extract(&notebook, &out, &["--no-check"]);
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert_contains(&stderr(&refused), "--force");
    let entries: Vec<_> = std::fs::read_dir(&out).unwrap().collect();
    assert_eq!(entries.len(), 1, "nothing may be written without --force");

    let forced = extract(
        &notebook,
        &out,
        &["--no-check", "--force", "--name", "deps"],
    );
    assert_eq!(forced.status.code(), Some(0), "{}", stderr(&forced));
    let manifest = std::fs::read_to_string(out.join("Cargo.toml")).unwrap();
    assert_contains(&manifest, "name = \"deps\"");
    assert_contains(&manifest, "default-features = false");
    assert!(out.join("src/lib.rs").exists());
    assert!(out.join("src/main.rs").exists());
    assert_eq!(
        std::fs::read_to_string(out.join("notes.txt")).unwrap(),
        "keep me"
    );
}

#[test]
fn empty_or_missing_folder_needs_no_force() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("new/crate");
    let output = extract(&fixture("stored_error.ipynb"), &out, &["--no-check"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stderr(&output);
    assert_contains(&text, "cell 3: skipped");
    let manifest = std::fs::read_to_string(out.join("Cargo.toml")).unwrap();
    assert_contains(&manifest, "name = \"stored_error\"");
}

#[test]
fn python_notebook_becomes_a_package() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("package");
    let notebook = fixture("python_notebook.ipynb");
    let output = extract(&notebook, &out, &["--no-run"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(out.join("pyproject.toml").exists());
    assert!(out.join("src/python_notebook/__main__.py").exists());
    let other = dir.path().join("other");
    let bad = extract(&notebook, &other, &["--name", "not-an-identifier"]);
    assert_eq!(bad.status.code(), Some(2));
    assert_contains(&stderr(&bad), "Python package name");
}

/// An output folder that cannot be made is an input error that names it and gives the
/// system's reason once, for a crate and for a package alike.
#[test]
fn unwritable_output_folder_is_an_input_error_said_once() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("taken");
    std::fs::write(&file, "a file, not a folder").unwrap();
    let out = file.join("out");
    for (notebook, args) in [
        (fixture("dep_forms.ipynb"), &["--no-check"][..]),
        (fixture("python_notebook.ipynb"), &["--no-run"][..]),
    ] {
        let output = extract(&notebook, &out, args);
        assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
        let text = stderr(&output);
        assert_contains(&text, "taken");
        let reason = std::io::Error::from(std::io::ErrorKind::NotADirectory).to_string();
        let said = text.matches("os error 20").count();
        assert_eq!(said, 1, "the reason is given once ({reason}): {text}");
    }
}

#[test]
fn missing_notebook_and_bad_name_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("crate");
    let missing = extract("no-such.ipynb", &out, &[]);
    assert_eq!(missing.status.code(), Some(2));
    assert_contains(&stderr(&missing), "no-such.ipynb");
    let bad = extract(&fixture("stored_error.ipynb"), &out, &["--name", "1 bad"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(!out.exists());
}

#[test]
fn help_describes_every_option() {
    let output = nblint(&["extract", "--help"]);
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8_lossy(&output.stdout);
    for option in [
        "--out",
        "--name",
        "--force",
        "--target-dir",
        "--no-check",
        "--no-run",
        "--run-timeout",
        "--run-in-notebook-folder",
    ] {
        assert!(text.contains(option), "{option} missing from:\n{text}");
    }
}

/// A function that reads a name when it is called, which a later cell binds again, may
/// compute in the package what the notebook did not (its step took the earlier value as a
/// parameter, which its closure keeps): the extraction says where, and with nothing run to
/// settle it, exits 1. A name only later cells of the function's module bind is one module
/// name, which the function reads when called: no such case; nor is a module imported after
/// the function.
#[test]
fn late_bound_reads_are_reported_and_unsettled_without_a_run() {
    let dir = tempfile::tempdir().unwrap();
    let again = extract(
        &fixture("python_late_bound_read.ipynb"),
        &dir.path().join("again"),
        &["--no-run"],
    );
    assert_eq!(again.status.code(), Some(1), "{}", stderr(&again));
    let text = stderr(&again);
    assert_contains(
        &text,
        "cell 3's `scaled` reads `rate` when it is called, and cell 4 binds `rate` again before \
         cell 5 uses `scaled`",
    );
    assert_contains(&text, "--no-run left it unchecked");
    assert!(dir.path().join("again/pyproject.toml").exists());

    let after = extract(
        &fixture("python_read_of_a_name_bound_after_the_function.ipynb"),
        &dir.path().join("after"),
        &["--no-run"],
    );
    assert_eq!(after.status.code(), Some(0), "{}", stderr(&after));
    assert_lacks(&stderr(&after), "when it is called");
    // The step that binds it binds the module's name, which the function reads.
    let package = dir
        .path()
        .join("after/src/python_read_name_bound_after_function");
    let declares = std::fs::read_dir(&package).unwrap().any(|entry| {
        std::fs::read_to_string(entry.unwrap().path())
            .is_ok_and(|text| text.contains("    global rate\n"))
    });
    assert!(
        declares,
        "no step of {} declares `global rate`",
        package.display()
    );

    let import = extract(
        &fixture("python_module_imported_after_the_function.ipynb"),
        &dir.path().join("import"),
        &["--no-run"],
    );
    assert_eq!(import.status.code(), Some(0), "{}", stderr(&import));
    assert_lacks(&stderr(&import), "when it is called");
}

/// The run that checks a late-bound read settles it: the package printed something else
/// than the notebook, so the extraction exits 1 and says so.
#[test]
fn late_bound_read_shows_in_the_run_check() {
    let dir = tempfile::tempdir().unwrap();
    let output = extract(
        &fixture("python_late_bound_read.ipynb"),
        &dir.path().join("package"),
        &[],
    );
    let text = stderr(&output);
    if text.contains("not run:") {
        return skipped("late_bound_read_shows_in_the_run_check (no python3)");
    }
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert_contains(&text, "output differs from the notebook's");
}

/// The run check runs in the package's `src` folder unless asked to run where the notebook
/// ran; a relative file it cannot find there, but the notebook's folder holds, is named with
/// the way to run it there.
#[test]
fn run_check_in_the_notebook_folder_finds_its_files() {
    let dir = tempfile::tempdir().unwrap();
    let notebook = fixture("python_reads_a_file_beside_it.ipynb");
    let default = extract(&notebook, &dir.path().join("default"), &[]);
    let text = stderr(&default);
    if text.contains("not run:") {
        return skipped("run_check_in_the_notebook_folder_finds_its_files (no python3)");
    }
    assert_eq!(default.status.code(), Some(1), "{text}");
    assert_contains(&text, "`numbers.txt` is in the notebook's folder");
    assert_contains(&text, "--run-in-notebook-folder");

    let there = extract(
        &notebook,
        &dir.path().join("there"),
        &["--run-in-notebook-folder"],
    );
    let text = stderr(&there);
    assert_eq!(there.status.code(), Some(0), "{text}");
    assert_contains(&text, "printed what the notebook printed");
}

#[test]
fn nothing_to_extract_exits_1_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("crate");
    let notebook = fixture("nothing_to_extract.ipynb");
    let output = extract(&notebook, &out, &["--no-check"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let text = stderr(&output);
    assert_contains(
        &text,
        "nothing to extract: the notebook has no code; no crate was written",
    );
    assert!(!out.exists());
}

/// Says what a test skipped where a person sees it: straight to the stream, not through
/// `eprintln!`, which the test harness captures.
fn skipped(what: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "skipped: python_fixtures: {what}");
}

/// The Python interpreter for running extracted packages: `$NBLINT_PYTHON`, else `python3`.
fn python() -> String {
    std::env::var("NBLINT_PYTHON").unwrap_or_else(|_| "python3".to_owned())
}

/// Whether `python` can import every module in `modules`.
fn imports(modules: &[&str]) -> bool {
    modules.iter().all(|module| {
        Command::new(python())
            .args(["-c", &format!("import {module}")])
            .output()
            .is_ok_and(|output| output.status.success())
    })
}

/// Every Python fixture: `nblint extract` (which itself runs the package and compares, cell by
/// cell, with the notebook's outputs), then the package is run again here and its stdout
/// compared with the `*.expected.txt` written by hand next to the fixture; with `NBLINT_RUFF`
/// set, `ruff check` and `ruff format --check` (default rules) must pass too.
#[test]
fn python_fixtures_print_what_the_notebooks_printed() {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/extract/python");
    let ruff = std::env::var("NBLINT_RUFF").ok();
    if ruff.is_none() {
        skipped("ruff checks of the extracted packages (set NBLINT_RUFF to a ruff binary)");
    }
    let mut names: Vec<_> = std::fs::read_dir(&folder)
        .unwrap()
        .filter_map(|entry| {
            let path = entry.unwrap().path();
            (path.extension()? == "ipynb")
                .then(|| path.file_stem().unwrap().to_string_lossy().into_owned())
        })
        .collect();
    names.sort();
    assert!(names.len() >= 9, "{names:?}");
    let dir = tempfile::tempdir().unwrap();
    for name in &names {
        let notebook = folder.join(format!("{name}.ipynb"));
        let expected =
            std::fs::read_to_string(folder.join(format!("{name}.expected.txt"))).unwrap();
        let out = dir.path().join(name);
        let mut command = Command::new(NBLINT);
        command
            .args([
                "extract",
                &notebook.to_string_lossy(),
                "--out",
                &out.to_string_lossy(),
            ])
            .args(["--name", "pkg"])
            .env("NO_COLOR", "1")
            .env("NBLINT_PYTHON", python());
        let output = command.output().unwrap();
        let text = stderr(&output);
        if name == "run_magic_refused" {
            assert_eq!(output.status.code(), Some(2), "{name}: {text}");
            assert!(text.contains("cell 2, line 1: `%run`"), "{name}: {text}");
            assert!(!out.exists(), "{name}: nothing may be written");
            continue;
        }
        let needs: &[&str] = match name.as_str() {
            "pip_lines_to_dependencies" => &["numpy"],
            "pylab_names" => &["numpy", "matplotlib"],
            "pandas_wide_frame" => &["pandas"],
            _ => &[],
        };
        if !needs.is_empty() && !imports(needs) {
            skipped(&format!(
                "running {name} ({} does not import with {})",
                needs.join(" or "),
                python()
            ));
            assert_eq!(output.status.code(), Some(0), "{name}: {text}");
        } else {
            assert_eq!(output.status.code(), Some(0), "{name}: {text}");
            let run = run_ok(
                Command::new(python())
                    .args(["-m", "pkg"])
                    .current_dir(out.join("src"))
                    .env("MPLBACKEND", "Agg"),
            );
            assert_eq!(String::from_utf8_lossy(&run.stdout), expected, "{name}");
            // nblint's own run check agreed, cell by cell (a stripped notebook has nothing
            // to compare with).
            if name != "stripped_notebook" {
                assert!(
                    text.contains("printed what the notebook printed"),
                    "{name}: {text}"
                );
            }
            if name == "display_to_file" {
                assert!(out.join("src/outputs/display_1.txt").is_file(), "{name}");
            }
        }
        run_ok(
            Command::new(python())
                .args(["-m", "compileall", "-q"])
                .arg(out.join("src")),
        );
        if let Some(ruff) = &ruff {
            for args in [
                &["check", "--isolated", "--quiet", "."][..],
                &["format", "--isolated", "--check", "."],
            ] {
                run_ok(Command::new(ruff).args(args).current_dir(&out));
            }
        }
    }
}

/// What the generated files say for the behaviours the fixtures are named for.
#[test]
fn python_packages_hold_what_the_issue_asks() {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/extract/python");
    let dir = tempfile::tempdir().unwrap();
    let extracted = |name: &str| {
        let out = dir.path().join(name);
        let notebook = folder.join(format!("{name}.ipynb"));
        let output = extract(
            &notebook.to_string_lossy(),
            &out,
            &["--name", "pkg", "--no-run"],
        );
        assert_eq!(output.status.code(), Some(0), "{name}: {}", stderr(&output));
        (out, stderr(&output))
    };
    let read = |out: &Path, file: &str| std::fs::read_to_string(out.join(file)).unwrap();

    let (out, _) = extracted("sections_to_modules");
    assert!(read(&out, "src/pkg/load_data.py").contains("def load_sales():"));
    assert!(read(&out, "src/pkg/summarise.py").contains("def total_all_sales(sales):"));
    assert!(read(&out, "src/pkg/__init__.py").contains("Sales report"));
    assert!(read(&out, "README.md").contains("python -m pkg"));

    let (out, _) = extracted("redefined_function");
    let cells = read(&out, "src/pkg/redefined_function.py");
    assert!(
        cells.contains("def clean(text):") && cells.contains("def clean_2(text):"),
        "{cells}"
    );
    assert!(
        cells.contains("print(clean_2(\"  A B  \"))")
            || cells.contains("print(clean_2('  A B  '))"),
        "{cells}"
    );
    assert_lacks(&cells, "global ");

    let (out, _) = extracted("pip_lines_to_dependencies");
    let pyproject = read(&out, "pyproject.toml");
    assert_contains(&pyproject, "\"numpy==1.26.4\"");
    assert_contains(&pyproject, "\"requests>=2.31\"");
    assert_contains(&pyproject, "requires-python = \">=3.11\"");
    assert_contains(&pyproject, "build-backend = \"hatchling.build\"");
    assert_contains(&pyproject, "[project.scripts]");

    let (out, warnings) = extracted("magics");
    let cells = read(&out, "src/pkg/magics.py");
    assert_contains(&cells, "# %matplotlib inline");
    assert_contains(&cells, "subprocess.run(");
    assert_contains(&cells, "total = sum(range(10))");
    assert_lacks(&warnings, "error");

    let (out, warnings) = extracted("executed_out_of_order");
    let main = read(&out, "src/pkg/__main__.py");
    let first = main.find("base = cell_3()").unwrap();
    let second = main.find("total = cell_2(base)").unwrap();
    assert!(first < second, "{main}");
    assert_contains(&warnings, "ran out of document order");

    let (_, warnings) = extracted("counts_not_a_run_order");
    assert_contains(&warnings, "cell 3 reads `math` before any cell binds it");

    let (out, _) = extracted("trailing_expressions");
    let main = read(&out, "src/pkg/__main__.py");
    assert_contains(&main, "show(shown)");
    assert!(read(&out, "src/pkg/trailing_expressions.py").contains("@dataclass"));

    let (out, warnings) = extracted("python36_notebook");
    let pyproject = read(&out, "pyproject.toml");
    assert!(
        pyproject.contains("requires-python = \">=3.6\"")
            && pyproject.contains("build-backend = \"flit_core.buildapi\""),
        "{pyproject}"
    );
    assert!(!warnings.contains("3.8 or newer"), "{warnings}");
    let cells = read(&out, "src/pkg/python36_notebook.py");
    assert!(!cells.contains("dataclass"), "{cells}");
    assert!(cells.contains("(SimpleNamespace):"), "{cells}");
    assert!(!cells.contains("capture_output"), "{cells}");
    assert!(cells.contains("universal_newlines=True"), "{cells}");
}

/// The package of a notebook that ran on Python 3.6 runs on Python 3.6 and prints what the
/// notebook printed. The interpreter is pyenv's 3.6.15 (as on CI), or `$NBLINT_PYTHON36`;
/// without one the test says it skipped.
#[test]
fn python36_notebook_runs_on_python36() {
    let python36 = std::env::var("NBLINT_PYTHON36")
        .unwrap_or_else(|_| "/root/.pyenv/versions/3.6.15/bin/python".to_owned());
    let runs = Command::new(&python36)
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success());
    if !runs {
        skipped(&format!(
            "python36_notebook on Python 3.6 ({python36} does not run; set NBLINT_PYTHON36)"
        ));
        return;
    }
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/extract/python");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("python36_notebook");
    let output = Command::new(NBLINT)
        .args([
            "extract",
            &folder.join("python36_notebook.ipynb").to_string_lossy(),
            "--out",
            &out.to_string_lossy(),
            "--name",
            "pkg",
        ])
        .env("NO_COLOR", "1")
        .env("NBLINT_PYTHON", &python36)
        .output()
        .unwrap();
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(text.contains("printed what the notebook printed"), "{text}");
    let run = Command::new(&python36)
        .args(["-m", "pkg"])
        .current_dir(out.join("src"))
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let expected = std::fs::read_to_string(folder.join("python36_notebook.expected.txt")).unwrap();
    assert_eq!(String::from_utf8_lossy(&run.stdout), expected);
}

/// A Python cell that does not parse (and did not fail in the notebook) stops the extraction
/// with the file, cell, line and column: exit 2, nothing written.
#[test]
fn python_cell_that_does_not_parse_is_an_input_error() {
    let dir = tempfile::tempdir().unwrap();
    let notebook = dir.path().join("broken.ipynb");
    let cells = serde_json::json!({
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": "# Broken"},
            {"cell_type": "code", "execution_count": 1, "metadata": {}, "outputs": [],
             "source": "x = 1\ny = (2,\n"},
        ],
        "metadata": {"kernelspec": {"language": "python", "name": "python3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    });
    std::fs::write(&notebook, cells.to_string()).unwrap();
    let out = dir.path().join("package");
    let output = nblint(&[
        "extract",
        &notebook.to_string_lossy(),
        "--out",
        &out.to_string_lossy(),
    ]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let text = stderr(&output);
    assert_contains(&text, "broken.ipynb: cell 2, line 3, column 1");
    assert_contains(&text, "not Python");
    assert!(!out.exists());
}

/// A Python 2 notebook's `print x` is refused with the cell and line, and the error says
/// what the statement is and what to do: port the notebook first.
#[test]
fn python2_statement_is_refused_with_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let notebook = dir.path().join("old.ipynb");
    let cells = serde_json::json!({
        "cells": [
            {"cell_type": "code", "execution_count": 1, "metadata": {}, "outputs": [],
             "source": "x = 1\nprint x\n"},
        ],
        "metadata": {"kernelspec": {"language": "python", "name": "python2"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    });
    let (output, out) = extract_without_run(&notebook, &cells.to_string());
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let text = stderr(&output);
    assert_contains(&text, "old.ipynb: cell 1, line 2");
    assert_contains(&text, "Python 2 syntax");
    assert_contains(&text, "2to3");
    assert!(!out.exists());
}

/// Writes `text` as `notebook` and runs `nblint extract --no-run` on it into a folder beside
/// it: the output and that folder.
fn extract_without_run(notebook: &Path, text: &str) -> (std::process::Output, PathBuf) {
    std::fs::write(notebook, text).unwrap();
    let out = notebook.with_file_name("package");
    let output = nblint(&[
        "extract",
        &notebook.to_string_lossy(),
        "--out",
        &out.to_string_lossy(),
        "--no-run",
    ]);
    (output, out)
}

/// A star import inside a block (`try: from vpython import *`) cannot go into a step's
/// function and cannot move to the module alone: the extraction refuses, naming the cell and
/// the line, and writes nothing.
#[test]
fn python_star_import_inside_a_block_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let notebook = dir.path().join("guarded.ipynb");
    let text = nblint_testing::NotebookBuilder::python()
        .markdown("# Guarded star import")
        .code("try:\n    from math import *\nexcept ImportError:\n    pass\nprint(floor(2.5))")
        .count(Some(1))
        .build();
    let (output, out) = extract_without_run(&notebook, &text);
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{text}");
    assert_contains(
        &text,
        "guarded.ipynb: cell 2, line 2: a `from .. import *` inside a block",
    );
    assert!(!out.exists());
}

/// A kept cell that reads what only a left-out cell (never run) binds: the extraction says the
/// package would raise NameError there, naming both cells, and writes it anyway with
/// `--no-run`.
#[test]
fn reads_of_a_left_out_cell_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let notebook = dir.path().join("partly_run.ipynb");
    let text = nblint_testing::NotebookBuilder::python()
        .markdown("# Partly run")
        .code("import math\nradius = 2.0")
        .count(Some(1))
        .code("scale = 3.0")
        .code("print(math.pi * radius * scale)")
        .count(Some(2))
        .build();
    let (output, _) = extract_without_run(&notebook, &text);
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert_contains(
        &text,
        "cell 4 reads `scale`, which only cell 3 binds, and that cell was left out: the \
             package raises NameError there",
    );
    assert!(
        !text.contains("`math`") && !text.contains("`radius`"),
        "{text}"
    );
}
