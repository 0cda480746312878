//! Byte-exact strip fixtures: `fixtures/strip/<case>.ipynb` stripped (with the options in
//! `<case>.args`, if any) gives exactly `<case>.expected.ipynb`; stripping that again changes
//! nothing; a case whose expected file equals its input must be reported as unchanged (so
//! it is never rewritten).
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use nblint_git::{StripOptions, strip_bytes};

fn folder() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/strip")
}

/// The options a case's `.args` file gives.
fn options(args: &str) -> StripOptions {
    StripOptions::from_flags(args).unwrap()
}

fn cases() -> Vec<String> {
    let mut cases: Vec<String> = std::fs::read_dir(folder())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter_map(|name| {
            let case = name.strip_suffix(".ipynb")?;
            (!case.ends_with(".expected")).then(|| case.to_owned())
        })
        .collect();
    cases.sort();
    cases
}

#[test]
fn every_fixture_strips_to_its_expected_bytes() {
    let cases = cases();
    assert!(cases.len() >= 15, "{cases:?}");
    let mut failures = Vec::new();
    for case in &cases {
        let input = std::fs::read(folder().join(format!("{case}.ipynb"))).unwrap();
        let expected = std::fs::read(folder().join(format!("{case}.expected.ipynb")))
            .unwrap_or_else(|_| panic!("{case}.expected.ipynb is missing"));
        let args =
            std::fs::read_to_string(folder().join(format!("{case}.args"))).unwrap_or_default();
        let options = options(&args);
        let stripped = strip_bytes(&input, &options).unwrap();
        let actual = stripped.clone().unwrap_or_else(|| input.clone());
        if actual != expected {
            failures.push(format!("{case}: got\n{}", String::from_utf8_lossy(&actual)));
            continue;
        }
        if input == expected && stripped.is_some() {
            failures.push(format!("{case}: clean input reported as changed"));
        }
        if strip_bytes(&expected, &options).unwrap().is_some() {
            failures.push(format!(
                "{case}: stripping the expected output changes it again"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn the_fixtures_cover_what_the_issue_lists() {
    let cases = cases();
    for needed in [
        "outputs_and_counts",
        "widget_state",
        "volatile_metadata",
        "unknown_keys_kept",
        "keep_output_option",
        "keep_count_option",
        "keep_metadata_option",
        "drop_empty_cells_option",
        "keep_output_tag",
        "crlf",
        "non_ascii",
        "source_as_string",
        "already_clean",
    ] {
        assert!(cases.iter().any(|case| case == needed), "missing {needed}");
    }
    let read = |name: &str| std::fs::read(folder().join(name)).unwrap();
    assert_eq!(
        read("already_clean.ipynb"),
        read("already_clean.expected.ipynb")
    );
    let crlf = read("crlf.expected.ipynb");
    assert!(crlf.windows(2).filter(|pair| pair == b"\r\n").count() > 10);
    assert!(
        !crlf
            .iter()
            .zip(crlf.iter().skip(1))
            .any(|(a, b)| *a != b'\r' && *b == b'\n')
    );
}
