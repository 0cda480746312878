use super::*;
use nblint_lint::{Fix, Related};
use nblint_notebook::FileLines;

const TEXT: &str = r#"{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
          {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": 1,
           "source": ["println!(\"{}\", words.len());\n"]},
          {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": 2,
           "source": ["let words = vec![\"a\"];\n", "\n"]}
        ]}"#;

fn notebook() -> Notebook {
    Notebook::parse(TEXT.as_bytes()).unwrap()
}

fn diagnostics() -> Vec<Diagnostic> {
    vec![
        Diagnostic {
            code: "NB201",
            name: "undefined-above",
            message: "`words` is used here but only defined in cell 2, below".into(),
            severity: Severity::Warning,
            cell: 1,
            span: Span::new(15, 20),
            related: vec![Related {
                cell: 2,
                span: Span::new(4, 9),
                message: "`words` is defined here".into(),
            }],
            fix: None,
        },
        Diagnostic {
            code: "NB102",
            name: "empty-cell",
            message: "this code cell is empty".into(),
            severity: Severity::Info,
            cell: 2,
            span: Span::new(23, 24),
            related: Vec::new(),
            fix: Some(Fix::safe(
                "delete the empty cell",
                vec![Edit::DeleteCell { cell: 2 }],
            )),
        },
    ]
}

fn rendered(format: OutputFormat) -> String {
    let notebook = notebook();
    let diagnostics = diagnostics();
    let file_lines = FileLines::new(TEXT);
    let reports = [NotebookReport {
        path: "demo.ipynb".into(),
        notebook: &notebook,
        diagnostics: &diagnostics,
        file_lines: Some(&file_lines),
    }];
    String::from_utf8(render(format, &reports, false)).unwrap()
}

#[test]
fn concise_names_path_cell_line_and_column() {
    let text = rendered(OutputFormat::Concise);
    assert!(text.starts_with("demo.ipynb:cell 1:1:16: NB201 "), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn full_shows_cells_as_files_and_a_summary() {
    let text = rendered(OutputFormat::Full);
    assert!(text.contains("demo.ipynb:cell 1:1:16"), "{text}");
    assert!(
        text.contains("Found 2 problems in 1 notebook (1 fixable with `--fix`)"),
        "{text}"
    );
    insta::assert_snapshot!(text);
}

#[test]
fn json_has_the_contract_fields() {
    let text = rendered(OutputFormat::Json);
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    let first = &value[0];
    for key in nblint_testing::JSON_DIAGNOSTIC_FIELDS {
        assert!(first.get(key).is_some(), "missing {key} in {first}");
    }
    assert_eq!(first["fix"], serde_json::Value::Null);
    assert_eq!(value[1]["fix"]["edits"][0]["kind"], "delete_cell");
    insta::assert_snapshot!(text);
}

#[test]
fn sarif_is_a_2_1_0_log() {
    let text = rendered(OutputFormat::Sarif);
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(value["version"], "2.1.0");
    assert_eq!(value["runs"][0]["results"].as_array().unwrap().len(), 2);
    // Validate against the SARIF 2.1.0 schema through serde-sarif, whose types are generated
    // from it: the log must read into them, and nothing may be lost on the way (a field the
    // schema does not define, or of the wrong type, would be).
    let log: serde_sarif::sarif::Sarif = serde_json::from_str(&text).unwrap();
    let again = serde_json::to_value(&log).unwrap();
    assert_eq!(
        again, value,
        "the SARIF log has fields the 2.1.0 schema does not define"
    );
    // The check can fail: a field outside the schema does not survive the round trip.
    let mut bogus = value.clone();
    bogus["runs"][0]["results"][0]["notInTheSchema"] = serde_json::json!(1);
    let read: serde_sarif::sarif::Sarif = serde_json::from_value(bogus.clone()).unwrap();
    assert_ne!(serde_json::to_value(&read).unwrap(), bogus);
    insta::assert_snapshot!(text);
}

#[test]
fn github_annotations_escape_their_fields() {
    let text = rendered(OutputFormat::Github);
    // Line 3 of the file holds cell 1's first line.
    assert!(
        text.starts_with(
            "::warning file=demo.ipynb,line=3,title=NB201 (undefined-above)::cell 1:1:16: "
        ),
        "{text}"
    );
    insta::assert_snapshot!(text);
}

#[test]
fn summary_without_problems() {
    let notebook = notebook();
    let reports = [NotebookReport {
        path: "demo.ipynb".into(),
        notebook: &notebook,
        diagnostics: &[],
        file_lines: None,
    }];
    assert_eq!(summary(Counts::of(&reports)), "All checks passed");
}

#[test]
fn parts_and_summary_make_the_whole_report() {
    // What a cached run does: each notebook's part as drawn before, then the summary of the
    // counts. It must be the report drawn in one go.
    let notebook = notebook();
    let all = diagnostics();
    let report = |path: &str, diagnostics| NotebookReport {
        path: path.into(),
        notebook: &notebook,
        diagnostics,
        file_lines: None,
    };
    let reports = [
        report("a.ipynb", &all[..]),
        report("b.ipynb", &[]),
        report("c.ipynb", &all[..1]),
    ];
    for format in [OutputFormat::Full, OutputFormat::Concise] {
        for color in [false, true] {
            let parts: Vec<Vec<u8>> = reports
                .iter()
                .map(|report| render_notebook(format, report, color).unwrap())
                .collect();
            let counts = reports
                .iter()
                .map(|report| Counts::of_diagnostics(report.diagnostics))
                .sum();
            assert_eq!(
                counts,
                Counts {
                    problems: 3,
                    notebooks: 2,
                    fixable: 1,
                    unsafe_fixable: 0,
                    unreadable: 0,
                }
            );
            let joined = join_parts(parts.iter().map(Vec::as_slice), counts);
            assert_eq!(
                String::from_utf8(joined).unwrap(),
                String::from_utf8(render(format, &reports, color)).unwrap(),
                "{format:?}, color {color}"
            );
        }
    }
    assert_eq!(
        render_notebook(OutputFormat::Json, &reports[0], false),
        None
    );
}

/// Two notebooks that could not be read: broken JSON (a position in the file) and a cell
/// that cannot be read (a cell number).
fn failures() -> Vec<ReadFailure> {
    vec![
        ReadFailure {
            path: "broken.ipynb".into(),
            message: "reading broken.ipynb: invalid JSON at line 3, column 1: EOF while parsing a list"
                .into(),
            cell: None,
            position: Some(nblint_notebook::FilePosition { line: 3, column: 1 }),
        },
        ReadFailure {
            path: "old, odd.ipynb".into(),
            message: "reading old, odd.ipynb: cell 2: this code cell has no `source` (nbformat 4 requires one)"
                .into(),
            cell: Some(2),
            position: None,
        },
    ]
}

/// The demo notebook without findings, and the two failures, rendered in `format`.
fn rendered_with_failures(format: OutputFormat, diagnostics: &[Diagnostic]) -> String {
    let notebook = notebook();
    let file_lines = FileLines::new(TEXT);
    let reports = [NotebookReport {
        path: "demo.ipynb".into(),
        notebook: &notebook,
        diagnostics,
        file_lines: Some(&file_lines),
    }];
    String::from_utf8(render_with_failures(format, &reports, &failures(), false)).unwrap()
}

#[test]
fn io_errors_are_reported_in_every_format() {
    for format in [
        OutputFormat::Full,
        OutputFormat::Concise,
        OutputFormat::Json,
        OutputFormat::Sarif,
        OutputFormat::Github,
    ] {
        let text = rendered_with_failures(format, &[]);
        assert!(!text.contains("All checks passed"), "{format:?}: {text}");
        assert!(text.contains("NB000"), "{format:?}: {text}");
        assert!(text.contains("broken.ipynb"), "{format:?}: {text}");
        insta::assert_snapshot!(format!("io_error_{format:?}").to_lowercase(), text);
    }
    let json: serde_json::Value =
        serde_json::from_str(&rendered_with_failures(OutputFormat::Json, &[])).unwrap();
    assert_eq!(json[0]["code"], "NB000");
    assert_eq!(json[0]["name"], "io-error");
    assert_eq!(json[0]["severity"], "error");
    assert_eq!(
        (
            json[0]["cell"].clone(),
            json[0]["line"].clone(),
            json[0]["column"].clone()
        ),
        (serde_json::Value::Null, 3.into(), 1.into())
    );
    assert_eq!(json[1]["cell"], 2);
    let github = rendered_with_failures(OutputFormat::Github, &[]);
    assert!(
        github.starts_with("::error file=broken.ipynb,line=3,col=1,title=NB000 (io-error)::"),
        "{github}"
    );
}

#[test]
fn sarif_with_io_errors_is_a_2_1_0_log() {
    let text = rendered_with_failures(OutputFormat::Sarif, &diagnostics());
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    let run = &value["runs"][0];
    assert_eq!(run["results"].as_array().unwrap().len(), 4);
    assert_eq!(run["results"][2]["ruleId"], "NB000");
    let index = run["results"][2]["ruleIndex"].as_u64().unwrap() as usize;
    assert_eq!(run["tool"]["driver"]["rules"][index]["id"], "NB000");
    assert_eq!(run["invocations"][0]["executionSuccessful"], false);
    assert_eq!(
        run["invocations"][0]["toolExecutionNotifications"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let log: serde_sarif::sarif::Sarif = serde_json::from_str(&text).unwrap();
    assert_eq!(
        serde_json::to_value(&log).unwrap(),
        value,
        "the SARIF log has fields the 2.1.0 schema does not define"
    );
}

#[test]
fn the_summary_never_says_all_passed_while_a_notebook_failed() {
    let counts = |problems, unreadable| Counts {
        problems,
        notebooks: usize::from(problems > 0),
        fixable: 0,
        unsafe_fixable: 0,
        unreadable,
    };
    assert_eq!(summary(counts(0, 0)), "All checks passed");
    assert_eq!(summary(counts(0, 1)), "Found 1 error reading notebooks");
    assert_eq!(
        summary(counts(2, 3)),
        "Found 2 problems in 1 notebook, and 3 errors reading notebooks"
    );
    let full = rendered_with_failures(OutputFormat::Full, &diagnostics());
    assert!(
        full.ends_with("Found 2 problems in 1 notebook (1 fixable with `--fix`), and 2 errors reading notebooks\n"),
        "{full}"
    );
}

#[test]
fn the_summary_counts_safe_and_unsafe_fixes_apart() {
    let counts = |fixable, unsafe_fixable| Counts {
        problems: 3,
        notebooks: 1,
        fixable,
        unsafe_fixable,
        unreadable: 0,
    };
    assert_eq!(
        summary(counts(2, 1)),
        "Found 3 problems in 1 notebook (2 fixable with `--fix`, 1 more with `--unsafe-fixes`)"
    );
    assert_eq!(
        summary(counts(0, 1)),
        "Found 3 problems in 1 notebook (1 fixable with `--fix --unsafe-fixes`)"
    );
    assert_eq!(summary(counts(0, 0)), "Found 3 problems in 1 notebook");
}
