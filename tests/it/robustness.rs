//! The malformed-input suite: every case of `fixtures/malformed/` (and a few generated large
//! or odd ones) through every command, asserting the exact behaviour: the exit status, a
//! message that names the file and the position, nothing written when it should not be, and
//! the other files of the same run still processed. `docs/robustness.md` has the table.
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::support::{NBLINT, assert_contains, output_with_stdin, stderr};

fn malformed(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/malformed")
        .join(name)
}

fn run(folder: &Path, args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut command = Command::new(NBLINT);
    command.current_dir(folder).args(args).env("NO_COLOR", "1");
    match stdin {
        None => command.output().unwrap(),
        Some(bytes) => output_with_stdin(&mut command, bytes),
    }
}

/// `extract` of `notebook` in `folder` into `out`, without cargo (the types are not the
/// point here), with `args` after.
fn extract(folder: &Path, notebook: &str, out: &Path, args: &[&str]) -> Output {
    let mut all = vec![
        "extract",
        notebook,
        "--out",
        out.to_str().unwrap(),
        "--no-check",
    ];
    all.extend(args);
    run(folder, &all, None)
}

/// `check` reads `notebook` in `folder` (clean or with findings), then `strip` strips it.
fn checked_and_stripped(folder: &Path, notebook: &str) {
    let check = run(folder, &["check", notebook], None);
    let code = check.status.code();
    assert!(matches!(code, Some(0 | 1)), "{code:?} {}", stderr(&check));
    let strip = run(folder, &["strip", notebook], None);
    assert_eq!(strip.status.code(), Some(0), "{}", stderr(&strip));
}

/// Cases nblint refuses, with the words its message must contain (the position or reason).
const REFUSED: &[(&str, &str)] = &[
    ("truncated_json.ipynb", "line 5, column 18"),
    ("not_json.ipynb", "line 1, column 2"),
    ("invalid_utf8.ipynb", "invalid UTF-8 at line 10, column 16"),
    ("top_level_array.ipynb", "top-level JSON value is an array"),
    ("top_level_number.ipynb", "top-level JSON value is a number"),
    ("cells_missing.ipynb", "no `cells` key"),
    ("cells_not_array.ipynb", "`cells` is an object"),
    (
        "cell_without_cell_type.ipynb",
        "cell 2: the cell has no `cell_type`",
    ),
    (
        "source_as_number.ipynb",
        "cell 2: `source` must be a string or a list",
    ),
    ("nbformat_5.ipynb", "unsupported nbformat 5"),
    (
        "deeply_nested_json.ipynb",
        "JSON nested more than 5000 levels deep at line 1, column 5031",
    ),
    (
        "v4_code_cell_with_input.ipynb",
        "cell 2: this nbformat 4 code cell has",
    ),
    (
        "v4_code_cell_without_source.ipynb",
        "cell 2: this code cell has no `source`",
    ),
    (
        "v3_code_cell_with_source.ipynb",
        "cell 2: the cell's text is in `source`",
    ),
];

/// Cases nblint reads.
const READ: &[&str] = &[
    "utf8_bom.ipynb",
    "crlf_line_endings.ipynb",
    "source_as_string.ipynb",
    "missing_cell_ids.ipynb",
    "duplicate_cell_ids.ipynb",
    "unknown_cell_type.ipynb",
    "nbformat_3.ipynb",
    "nested_deeper_than_128_levels.ipynb",
];

#[test]
fn refused_files_exit_2_naming_file_and_position_in_every_command() {
    let folder = tempfile::tempdir().unwrap();
    for (name, position) in REFUSED {
        let path = folder.path().join(name);
        let original = std::fs::read(malformed(name)).unwrap();
        std::fs::write(&path, &original).unwrap();
        for args in [
            &["check", *name][..],
            &["graph", *name][..],
            &["strip", *name][..],
            &["strip", "--check", *name][..],
        ] {
            let output = run(folder.path(), args, None);
            assert_eq!(
                output.status.code(),
                Some(2),
                "{args:?}: {}",
                stderr(&output)
            );
            let message = stderr(&output);
            assert!(
                message.contains(name),
                "{args:?}: does not name the file: {message}"
            );
            assert!(
                message.contains(position),
                "{args:?}: no position: {message}"
            );
            assert_eq!(
                std::fs::read(&path).unwrap(),
                original,
                "{args:?} changed {name}"
            );
        }
        // extract refuses it the same way and creates nothing.
        let out = folder.path().join("crate_out");
        let output = extract(folder.path(), name, &out, &[]);
        assert_eq!(
            output.status.code(),
            Some(2),
            "extract: {}",
            stderr(&output)
        );
        assert!(stderr(&output).contains(name) && stderr(&output).contains(position));
        assert!(!out.exists(), "extract wrote {} for {name}", out.display());
        // The git filters never block git: the bytes pass through with a warning.
        let filtered = run(folder.path(), &["strip", "--stdin"], Some(&original));
        assert_eq!(filtered.status.code(), Some(0), "{name}");
        assert_eq!(
            filtered.stdout, original,
            "strip --stdin must pass {name} through"
        );
        assert!(
            stderr(&filtered).contains(position),
            "{name}: {}",
            stderr(&filtered)
        );
        let shown = run(folder.path(), &["show", *name], None);
        assert_eq!(shown.status.code(), Some(0), "{name}");
        assert!(stderr(&shown).contains(name), "{name}: {}", stderr(&shown));
    }
}

#[test]
fn readable_odd_files_work_in_every_command() {
    let folder = tempfile::tempdir().unwrap();
    for name in READ {
        let path = folder.path().join(name);
        std::fs::copy(malformed(name), &path).unwrap();
        for args in [
            &["check", *name][..],
            &["graph", *name][..],
            &["show", *name][..],
        ] {
            let output = run(folder.path(), args, None);
            let code = output.status.code();
            assert!(
                matches!(code, Some(0 | 1)),
                "{args:?}: {code:?} {}",
                stderr(&output)
            );
        }
        // extract reads it too (without cargo: the types are not the point here). The
        // nbformat 3 file's cells say `"language": "python"` over Rust code, so the language
        // is chosen: reading the odd file is what is tested.
        let out = folder.path().join(format!("{name}.crate"));
        let output = extract(folder.path(), name, &out, &["--language", "rust"]);
        // A file with no code cell is read fine and has nothing to extract: exit 1, no crate.
        if stderr(&output).contains("nothing to extract") {
            assert_eq!(output.status.code(), Some(1), "extract {name}");
            assert!(
                !out.exists(),
                "extract {name} wrote a crate with nothing in it"
            );
        } else {
            assert_eq!(
                output.status.code(),
                Some(0),
                "extract {name}: {}",
                stderr(&output)
            );
            assert!(
                out.join("Cargo.toml").is_file(),
                "extract {name} wrote no crate"
            );
        }
        let bytes = std::fs::read(&path).unwrap();
        let once = run(folder.path(), &["strip", "--stdin"], Some(&bytes));
        assert_eq!(once.status.code(), Some(0));
        let twice = run(folder.path(), &["strip", "--stdin"], Some(&once.stdout));
        assert_eq!(once.stdout, twice.stdout, "{name}: strip is not idempotent");
        let output = run(folder.path(), &["strip", *name], None);
        assert_eq!(output.status.code(), Some(0), "{name}: {}", stderr(&output));
        assert_eq!(
            std::fs::read(&path).unwrap(),
            once.stdout,
            "{name}: file and filter differ"
        );
    }
    // Line endings and the byte-order mark are kept.
    let crlf = std::fs::read(folder.path().join("crlf_line_endings.ipynb")).unwrap();
    assert!(crlf.windows(2).any(|pair| pair == b"\r\n"));
    let bom = std::fs::read(folder.path().join("utf8_bom.ipynb")).unwrap();
    assert!(bom.starts_with(&[0xEF, 0xBB, 0xBF]));
}

#[test]
fn one_broken_file_does_not_stop_the_others() {
    let folder = tempfile::tempdir().unwrap();
    std::fs::copy(
        malformed("truncated_json.ipynb"),
        folder.path().join("a.ipynb"),
    )
    .unwrap();
    std::fs::copy(
        malformed("source_as_string.ipynb"),
        folder.path().join("b.ipynb"),
    )
    .unwrap();
    let check = run(
        folder.path(),
        &["check", "--output-format", "concise", "."],
        None,
    );
    assert_eq!(check.status.code(), Some(2));
    assert!(stderr(&check).contains("a.ipynb"));
    let strip = run(folder.path(), &["strip", "."], None);
    assert_eq!(strip.status.code(), Some(2));
    let stripped = run(folder.path(), &["strip", "--check", "b.ipynb"], None);
    assert_eq!(stripped.status.code(), Some(0), "b.ipynb was not stripped");
}

#[test]
fn a_symlink_is_read_and_written_through() {
    let folder = tempfile::tempdir().unwrap();
    let target = folder.path().join("real.ipynb");
    std::fs::copy(malformed("source_as_string.ipynb"), &target).unwrap();
    std::os::unix::fs::symlink(&target, folder.path().join("link.ipynb")).unwrap();
    checked_and_stripped(folder.path(), "link.ipynb");
    // The link is still a link, and the file it points at was stripped.
    let link = std::fs::symlink_metadata(folder.path().join("link.ipynb")).unwrap();
    assert!(link.file_type().is_symlink());
    let again = run(folder.path(), &["strip", "--check", "real.ipynb"], None);
    assert_eq!(again.status.code(), Some(0));
}

#[test]
fn a_missing_file_and_a_folder_without_access_are_errors() {
    let folder = tempfile::tempdir().unwrap();
    let output = run(folder.path(), &["check", "nowhere.ipynb"], None);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("nowhere.ipynb"));
    // A write into a folder that is not one (the parent is a file) fails before touching
    // anything; root bypasses permission bits, so this stands in for "no write permission".
    let not_a_folder = folder.path().join("file");
    std::fs::write(&not_a_folder, b"x").unwrap();
    let output = run(folder.path(), &["strip", "file/n.ipynb"], None);
    assert_eq!(output.status.code(), Some(2));
    assert_contains(&stderr(&output), "file/n.ipynb");
}

/// A notebook of `cells` code cells with the given sources and outputs.
fn generated(cells: Vec<(String, serde_json::Value)>) -> Vec<u8> {
    let rust = serde_json::json!({
        "kernelspec": {"display_name": "Rust", "language": "rust", "name": "rust"}
    });
    cells
        .into_iter()
        .fold(
            nblint_testing::NotebookBuilder::with_metadata(rust).counted(),
            |notebook, (source, outputs)| notebook.code_with_outputs(&source, outputs),
        )
        .bytes()
}

#[test]
fn huge_outputs_cells_and_notebooks_are_handled() {
    let folder = tempfile::tempdir().unwrap();
    // A 50 MB output and one cell of 100,000 lines.
    let mut long_cell = String::new();
    for i in 0..100_000 {
        long_cell.push_str(&format!("let y{i} = {i} + 1;\n"));
    }
    let output = serde_json::json!([{
        "output_type": "stream", "name": "stdout", "text": "x".repeat(50_000_000)
    }]);
    std::fs::write(
        folder.path().join("big_cell.ipynb"),
        generated(vec![(long_cell, output)]),
    )
    .unwrap();
    let check = run(
        folder.path(),
        &[
            "check",
            "--select",
            "NB101",
            "--output-format",
            "concise",
            "big_cell.ipynb",
        ],
        None,
    );
    assert_eq!(check.status.code(), Some(1), "{}", stderr(&check));
    assert!(String::from_utf8_lossy(&check.stdout).contains("100000 lines of code"));
    let strip = run(folder.path(), &["strip", "big_cell.ipynb"], None);
    assert_eq!(strip.status.code(), Some(0));
    let stripped = std::fs::metadata(folder.path().join("big_cell.ipynb"))
        .unwrap()
        .len();
    assert!(
        stripped < 5_000_000,
        "the output was not removed: {stripped} bytes"
    );

    // A notebook of 100,000 cells.
    let cells = (0..100_000)
        .map(|i| (format!("let x{i} = {i};\n"), serde_json::json!([])))
        .collect();
    std::fs::write(folder.path().join("many.ipynb"), generated(cells)).unwrap();
    let check = run(
        folder.path(),
        &["check", "--select", "NB201,NB202", "many.ipynb"],
        None,
    );
    assert_eq!(check.status.code(), Some(0), "{}", stderr(&check));
    let graph = run(folder.path(), &["graph", "many.ipynb"], None);
    assert_eq!(graph.status.code(), Some(0));
}

#[test]
fn hostile_cells_are_syntax_errors_not_crashes() {
    let folder = tempfile::tempdir().unwrap();
    let cells = vec![
        ("let x = (1, 2;".to_owned(), serde_json::json!([])),
        (
            format!("let d = {}1{};", "(".repeat(10_000), ")".repeat(10_000)),
            serde_json::json!([]),
        ),
        (
            format!("let u = {}1;", "-".repeat(10_000)),
            serde_json::json!([]),
        ),
        (
            "my_macro!(this is { not rust ]]);".to_owned(),
            serde_json::json!([]),
        ),
        (
            "\u{0}\u{1}\u{7f}\u{1b}[31m binary \u{fffd} junk".to_owned(),
            serde_json::json!([]),
        ),
        (
            "import numpy as np\nprint(np.zeros(3))".to_owned(),
            serde_json::json!([]),
        ),
    ];
    std::fs::write(folder.path().join("hostile.ipynb"), generated(cells)).unwrap();
    let check = run(
        folder.path(),
        &[
            "check",
            "--select",
            "NB001",
            "--output-format",
            "concise",
            "hostile.ipynb",
        ],
        None,
    );
    assert_eq!(check.status.code(), Some(1), "{}", stderr(&check));
    let text = String::from_utf8_lossy(&check.stdout);
    for cell in [1, 2, 3, 5, 6] {
        assert!(
            text.contains(&format!("cell {cell}:")),
            "cell {cell} not reported:\n{text}"
        );
    }
}

#[test]
fn deep_but_accepted_cells_do_not_overflow_extract() {
    // Deeper than a normal stack can parse and print, shallow enough for the front end to
    // accept: extract must handle it as the linter does.
    let folder = tempfile::tempdir().unwrap();
    let deep = format!("let d = {}1{};\nd", "(".repeat(1_900), ")".repeat(1_900));
    std::fs::write(
        folder.path().join("deep.ipynb"),
        generated(vec![(deep, serde_json::json!([]))]),
    )
    .unwrap();
    let out = folder.path().join("crate");
    let output = extract(folder.path(), "deep.ipynb", &out, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(out.join("src/lib.rs").is_file());
}

#[test]
fn deep_json_outputs_are_stripped_up_to_the_limit_and_refused_beyond() {
    let folder = tempfile::tempdir().unwrap();
    // A deep JSON output: 4,000 nested lists (nbstripout strips it; serde_json alone stops
    // at 128), and 100,000 (past nblint's limit of 5,000: refused, not a crash).
    let template = String::from_utf8(generated(vec![(
        "x".to_owned(),
        serde_json::json!([{
            "output_type": "execute_result",
            "execution_count": 1,
            "metadata": {},
            "data": {"application/json": "DEEP"},
        }]),
    )]))
    .unwrap();
    let with = |levels: usize| {
        template.replacen(
            "\"DEEP\"",
            &format!("{}1{}", "[".repeat(levels), "]".repeat(levels)),
            1,
        )
    };
    let path = folder.path().join("deep.ipynb");
    std::fs::write(&path, with(4_000)).unwrap();
    checked_and_stripped(folder.path(), "deep.ipynb");
    let stripped = std::fs::read_to_string(&path).unwrap();
    assert!(
        !stripped.contains("[[[") && stripped.contains("\"outputs\": []"),
        "{stripped}"
    );

    let too_deep = with(100_000);
    std::fs::write(&path, &too_deep).unwrap();
    for args in [&["check", "deep.ipynb"][..], &["strip", "deep.ipynb"][..]] {
        let output = run(folder.path(), args, None);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).contains("deep.ipynb")
                && stderr(&output).contains("nested more than 5000 levels deep at line"),
            "{args:?}: {}",
            stderr(&output)
        );
    }
    assert_eq!(std::fs::read_to_string(&path).unwrap(), too_deep);
    let filtered = run(
        folder.path(),
        &["strip", "--stdin"],
        Some(too_deep.as_bytes()),
    );
    assert_eq!(filtered.status.code(), Some(0));
    assert_eq!(filtered.stdout, too_deep.as_bytes());
}
