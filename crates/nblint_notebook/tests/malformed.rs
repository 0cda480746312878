//! Every malformed fixture is either read correctly or refused with an error that says where.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use nblint_notebook::{Notebook, NotebookError};

fn read(name: &str) -> Result<Notebook, NotebookError> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/malformed")
        .join(name);
    Notebook::parse(&std::fs::read(&path).unwrap())
}

#[test]
fn refused_with_a_position_or_a_reason() {
    let cases: &[(&str, &str)] = &[
        (
            "truncated_json.ipynb",
            "invalid JSON at line 5, column 18: EOF while parsing a string",
        ),
        (
            "not_json.ipynb",
            "invalid JSON at line 1, column 2: expected ident",
        ),
        (
            "top_level_array.ipynb",
            "not a notebook: the top-level JSON value is an array, not an object",
        ),
        (
            "top_level_number.ipynb",
            "not a notebook: the top-level JSON value is a number, not an object",
        ),
        (
            "cells_missing.ipynb",
            "not a notebook: no `cells` key at the top level",
        ),
        (
            "cells_not_array.ipynb",
            "not a notebook: `cells` is an object, not an array",
        ),
        (
            "cell_without_cell_type.ipynb",
            "cell 2: the cell has no `cell_type`",
        ),
        (
            "source_as_number.ipynb",
            "cell 2: `source` must be a string or a list of strings, found a number",
        ),
        (
            "nbformat_5.ipynb",
            "unsupported nbformat 5: nblint reads nbformat 4 (and upgrades nbformat 3 in memory)",
        ),
        ("invalid_utf8.ipynb", "invalid UTF-8 at line 10, column 16"),
        (
            "deeply_nested_json.ipynb",
            "JSON nested more than 5000 levels deep at line 1, column 5031: nblint reads at \
             most 5000 levels (real notebooks use a few dozen)",
        ),
        (
            "utf16_with_bom.ipynb",
            "this file is UTF-16LE, not UTF-8: save it as UTF-8 (nbformat notebooks are UTF-8)",
        ),
        (
            "utf32_without_bom.ipynb",
            "this file is UTF-32BE, not UTF-8: save it as UTF-8 (nbformat notebooks are UTF-8)",
        ),
        (
            "v4_code_cell_with_input.ipynb",
            "cell 2: this nbformat 4 code cell has nbformat 3's `input` field; nbformat 4 keeps \
             code in `source`, so its text would be read as empty",
        ),
        (
            "v4_code_cell_without_source.ipynb",
            "cell 2: this code cell has no `source` (nbformat 4 requires one)",
        ),
        (
            "v3_code_cell_with_source.ipynb",
            "cell 2: the cell's text is in `source`, but nbformat 3 code cells keep it in \
             `input`, so it would be read as empty",
        ),
    ];
    for (name, expected) in cases {
        match read(name) {
            Ok(_) => panic!("{name} was read"),
            Err(error) => assert_eq!(error.to_string(), *expected, "{name}"),
        }
    }
}

#[test]
fn read_correctly() {
    let unknown = read("unknown_cell_type.ipynb").unwrap();
    assert_eq!(unknown.cells()[1].kind.as_str(), "widget");
    let string = read("source_as_string.ipynb").unwrap();
    assert_eq!(string.cells()[0].source, "let a = 1;\nprintln!(\"{a}\");");
    assert!(
        read("missing_cell_ids.ipynb").unwrap().cells()[0]
            .id
            .is_none()
    );
    let duplicate = read("duplicate_cell_ids.ipynb").unwrap();
    assert_eq!(duplicate.cells().len(), 2);
    let v3 = read("nbformat_3.ipynb").unwrap();
    assert_eq!(v3.cells()[0].source, "# Old notebook");
    assert_eq!(v3.cells()[1].execution_count, Some(1));
    let bom = read("utf8_bom.ipynb").unwrap();
    assert!(bom.text_style().bom);
    assert_eq!(bom.to_original_style_bytes()[..3], *b"\xEF\xBB\xBF");
    // Deeper than serde_json's own limit of 128 levels, far below nblint's.
    let deep = read("nested_deeper_than_128_levels.ipynb").unwrap();
    assert!(deep.metadata().unwrap().contains_key("x"));
    let crlf = read("crlf_line_endings.ipynb").unwrap();
    assert!(crlf.text_style().crlf);
    assert!(
        String::from_utf8(crlf.to_original_style_bytes())
            .unwrap()
            .contains("\r\n \"cells\"")
    );
}
