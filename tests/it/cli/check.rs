//! `nblint check` and `nblint rule`.

use std::path::Path;

use std::process::Command;

use super::{
    NBLINT, assert_contains, assert_lacks, evcxr_corpus, folder_with, json, nblint, nblint_in,
    notebook, root, status, stderr, stdout,
};

const EXAMPLE: &str = "examples/word_frequencies.ipynb";

#[test]
fn every_output_format_on_the_example() {
    for format in ["full", "concise", "json", "sarif", "github"] {
        let output = nblint(&["check", EXAMPLE, "--output-format", format]);
        assert_eq!(status(&output), 1, "{format}: {}", stderr(&output));
        insta::assert_snapshot!(format!("example_{format}"), stdout(&output));
    }
}

#[test]
fn json_diagnostics_have_the_contract_fields() {
    let output = nblint(&["check", EXAMPLE, "--output-format", "json"]);
    let diagnostics: Vec<serde_json::Value> = json(&output);
    assert!(!diagnostics.is_empty());
    for diagnostic in &diagnostics {
        for key in nblint_testing::JSON_DIAGNOSTIC_FIELDS {
            assert!(diagnostic.get(key).is_some(), "no `{key}` in {diagnostic}");
        }
    }
    let undefined_above = diagnostics
        .iter()
        .find(|diagnostic| diagnostic["code"] == "NB201")
        .unwrap();
    assert_eq!(undefined_above["name"], "undefined-above");
    assert_eq!(undefined_above["cell"], 7);
}

#[test]
fn sarif_is_a_valid_2_1_0_log() {
    let output = nblint(&["check", EXAMPLE, "--output-format", "sarif"]);
    let log: serde_json::Value = json(&output);
    assert_eq!(log["version"], "2.1.0");
    assert!(log["$schema"].as_str().unwrap().contains("sarif"));
    let run = &log["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "nblint");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    for result in run["results"].as_array().unwrap() {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
        assert!(["error", "warning", "note"].contains(&result["level"].as_str().unwrap()));
        // The region is a line of the .ipynb file; the cell position is in the properties.
        let region = &result["locations"][0]["physicalLocation"]["region"];
        assert!(region["startLine"].as_u64().unwrap() >= 1);
        assert!(result["properties"]["cell"].as_u64().unwrap() >= 1);
    }
}

#[test]
fn exit_status_is_0_clean_1_findings_2_errors() {
    let clean = nblint(&["check", "fixtures/rules/NB201/clean_defined_above.ipynb"]);
    assert_eq!(status(&clean), 0, "{}", stdout(&clean));
    let findings = nblint(&["check", EXAMPLE]);
    assert_eq!(status(&findings), 1);
    let usage = nblint(&["check", "--output-format", "yaml", EXAMPLE]);
    assert_eq!(status(&usage), 2);

    // A broken notebook among good ones: reported, the others still checked, exit 2.
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(folder.path().join("a_broken.ipynb"), "{\"cells\": [1,").unwrap();
    std::fs::copy(root().join(EXAMPLE), folder.path().join("b_example.ipynb")).unwrap();
    let output = nblint_in(folder.path(), &["check", "--output-format", "concise", "."]);
    assert_eq!(status(&output), 2);
    assert_contains(&stderr(&output), "a_broken.ipynb");
    assert_contains(&stdout(&output), "b_example.ipynb:cell 7");
}

#[test]
fn no_path_checks_the_current_folder_and_skips_checkpoints_and_target() {
    let folder = tempfile::tempdir().unwrap();
    for sub in [".ipynb_checkpoints", "target", "notes"] {
        std::fs::create_dir(folder.path().join(sub)).unwrap();
        std::fs::copy(
            root().join(EXAMPLE),
            folder.path().join(sub).join("n.ipynb"),
        )
        .unwrap();
    }
    let output = nblint_in(folder.path(), &["check", "--output-format", "concise"]);
    let text = stdout(&output);
    assert_contains(&text, "notes/n.ipynb");
    assert_lacks(&text, "checkpoints");
    assert_lacks(&text, "target/");
}

#[test]
fn select_and_ignore_by_code_prefix_and_name() {
    let codes = |args: &[&str]| {
        let mut all = vec!["check", EXAMPLE, "--output-format", "json"];
        all.extend_from_slice(args);
        let output = nblint(&all);
        let diagnostics: Vec<serde_json::Value> = json(&output);
        let mut codes: Vec<String> = diagnostics
            .iter()
            .map(|diagnostic| diagnostic["code"].as_str().unwrap().to_owned())
            .collect();
        codes.sort();
        codes.dedup();
        codes
    };
    assert_eq!(codes(&["--select", "NB201"]), ["NB201"]);
    assert_eq!(codes(&["--select", "undefined-above"]), ["NB201"]);
    assert!(
        codes(&["--select", "NB2"])
            .iter()
            .all(|code| code.starts_with("NB2"))
    );
    assert!(
        !codes(&["--ignore", "NB2"])
            .iter()
            .any(|code| code.starts_with("NB2"))
    );
    let unknown = nblint(&["check", EXAMPLE, "--select", "NB999"]);
    assert_eq!(status(&unknown), 2);
    assert_contains(&stderr(&unknown), "NB999");
}

/// NB205 and NB206 are outside the default selection: a plain `check` leaves them out, and
/// naming one with `--select`, `--extend-select` or the configuration's `extend-select` runs
/// it; `rule --list` says so.
#[test]
fn rules_outside_the_default_selection_run_only_when_selected() {
    for (code, fixture) in [
        (
            "NB205",
            "fixtures/rules/NB205/triggers_let_in_two_cells.ipynb",
        ),
        (
            "NB206",
            "fixtures/rules/NB206/triggers_push_to_earlier_vec.ipynb",
        ),
    ] {
        let folder = tempfile::tempdir().unwrap();
        std::fs::copy(root().join(fixture), folder.path().join("n.ipynb")).unwrap();
        let reports = |args: &[&str]| {
            let mut all = vec!["check", "--output-format", "json"];
            all.extend_from_slice(args);
            all.push("n.ipynb");
            let diagnostics: Vec<serde_json::Value> = json(&nblint_in(folder.path(), &all));
            diagnostics
                .iter()
                .any(|diagnostic| diagnostic["code"] == code)
        };
        assert!(!reports(&[]), "{code} ran unselected");
        assert!(reports(&["--extend-select", code]));
        assert!(reports(&["--select", code]));
        assert!(reports(&["--select", "ALL"]));
        assert!(!reports(&["--extend-select", code, "--ignore", code]));

        std::fs::write(
            folder.path().join("nblint.toml"),
            format!("extend-select = [\"{code}\"]\n"),
        )
        .unwrap();
        assert!(reports(&[]));
        // --select replaces the configuration's selection, extend-select included.
        assert!(!reports(&["--select", "NB201"]));

        let list = stdout(&nblint(&["rule", "--list"]));
        let line = list.lines().find(|line| line.starts_with(code)).unwrap();
        assert_contains(line, "not in the default selection");
    }
}

#[test]
fn configuration_is_found_by_walking_up_and_unknown_keys_are_errors() {
    let folder = tempfile::tempdir().unwrap();
    let nested = folder.path().join("a/b");
    std::fs::create_dir_all(&nested).unwrap();
    std::fs::copy(root().join(EXAMPLE), nested.join("n.ipynb")).unwrap();
    std::fs::write(folder.path().join("nblint.toml"), "ignore = [\"NB2\"]\n").unwrap();
    let output = nblint_in(
        folder.path(),
        &["check", "--output-format", "concise", "a/b/n.ipynb"],
    );
    assert_lacks(&stdout(&output), " NB2");
    assert_contains(&stdout(&output), " NB103");

    std::fs::write(folder.path().join("nblint.toml"), "max-cell-line = 3\n").unwrap();
    let output = nblint_in(folder.path(), &["check", "a/b/n.ipynb"]);
    assert_eq!(status(&output), 2);
    let message = stderr(&output);
    assert!(
        message.contains("max-cell-line") && message.contains("nblint.toml"),
        "{message}"
    );
}

#[test]
fn suppression_comments_silence_a_cell() {
    let text = notebook(
        "rust",
        &[
            "let a = b + 1;\na",
            "// nblint: allow(undefined-above)\nlet c = d;\nc",
            "let b = 1;\nlet d = 2;\n(b, d)",
        ],
    );
    let folder = folder_with("n.ipynb", &text);
    let output = nblint_in(
        folder.path(),
        &[
            "check",
            "--output-format",
            "concise",
            "--select",
            "NB201",
            "n.ipynb",
        ],
    );
    let text = stdout(&output);
    assert_contains(&text, "cell 1:1:9: NB201 `b`");
    assert_lacks(&text, "cell 2:");
}

#[test]
fn other_kernels_get_the_language_independent_rules_and_a_note() {
    let text = notebook("julia", &["x = 1", ""]);
    let folder = folder_with("j.ipynb", &text);
    let output = nblint_in(
        folder.path(),
        &["check", "--output-format", "concise", "j.ipynb"],
    );
    assert_contains(&stdout(&output), "NB102");
    assert_contains(&stderr(&output), "does not analyse");
}

#[test]
fn fix_writes_the_expected_notebook_and_diff_only_previews() {
    let folder = tempfile::tempdir().unwrap();
    let source = root().join("fixtures/rules/NB102/unsafe_blank_cell.ipynb");
    let expected =
        std::fs::read(root().join("fixtures/rules/NB102/unsafe_blank_cell.expected.ipynb"))
            .unwrap();
    let path = folder.path().join("n.ipynb");
    std::fs::copy(&source, &path).unwrap();
    let before = std::fs::read(&path).unwrap();
    let unsafe_fix = [
        "check",
        "--fix",
        "--unsafe-fixes",
        "--select",
        "NB102",
        "n.ipynb",
    ];

    let preview = nblint_in(
        folder.path(),
        &[
            "check",
            "--fix",
            "--unsafe-fixes",
            "--diff",
            "--select",
            "NB102",
            "n.ipynb",
        ],
    );
    assert!(
        stdout(&preview).contains("---") && stdout(&preview).contains("+++"),
        "{}",
        stdout(&preview)
    );
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "--diff must not write"
    );

    // Deleting a cell is unsafe: --fix alone keeps it and says how many fixes it held back.
    let held = nblint_in(
        folder.path(),
        &["check", "--fix", "--select", "NB102", "n.ipynb"],
    );
    assert_eq!(status(&held), 1, "{}{}", stdout(&held), stderr(&held));
    assert_contains(&stderr(&held), "1 unsafe fix was not applied");
    assert_eq!(std::fs::read(&path).unwrap(), before);

    let fixed = nblint_in(folder.path(), &unsafe_fix);
    assert_eq!(status(&fixed), 0, "{}{}", stdout(&fixed), stderr(&fixed));
    assert_eq!(std::fs::read(&path).unwrap(), expected);
    // Nothing left to fix: a second run does not rewrite the file.
    let modified = std::fs::metadata(&path).unwrap().modified().unwrap();
    let again = nblint_in(folder.path(), &unsafe_fix);
    assert_eq!(status(&again), 0);
    assert_eq!(
        std::fs::metadata(&path).unwrap().modified().unwrap(),
        modified
    );
}

#[test]
fn a_fix_that_empties_a_cell_keeps_the_cell_with_its_outputs_and_tags() {
    let folder = tempfile::tempdir().unwrap();
    let notebook = serde_json::json!({
        "cells": [
            {"cell_type": "markdown", "id": "a", "metadata": {}, "source": "# Title"},
            {"cell_type": "code", "execution_count": 1, "id": "b", "metadata": {},
             "outputs": [], "source": "import os\nprint(os.sep)"},
            {"cell_type": "code", "execution_count": 2, "id": "c",
             "metadata": {"tags": ["parameters"]},
             "outputs": [{"name": "stdout", "output_type": "stream", "text": ["kept\n"]}],
             "source": "import os"},
        ],
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
        "nbformat": 4, "nbformat_minor": 5,
    });
    let path = folder.path().join("n.ipynb");
    std::fs::write(&path, serde_json::to_string_pretty(&notebook).unwrap()).unwrap();
    let fixed = nblint_in(
        folder.path(),
        &["check", "--fix", "--unsafe-fixes", "--no-cache", "n.ipynb"],
    );
    assert_ne!(status(&fixed), 2, "{}", stderr(&fixed));
    let after: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let cells = after["cells"].as_array().unwrap();
    assert_eq!(cells.len(), 3, "the emptied cell must stay: {after:#}");
    assert_eq!(cells[2]["source"], "");
    assert_eq!(cells[2]["outputs"], notebook["cells"][2]["outputs"]);
    assert_eq!(cells[2]["metadata"], notebook["cells"][2]["metadata"]);
}

#[test]
fn rule_prints_a_page_and_rejects_unknown_codes() {
    let page = nblint(&["rule", "NB201"]);
    assert_eq!(status(&page), 0);
    assert!(
        stdout(&page).starts_with("# undefined-above (NB201)"),
        "{}",
        stdout(&page)
    );
    let by_name = nblint(&["rule", "mutated-across-cells"]);
    assert!(stdout(&by_name).contains("(NB206)"));
    let all = nblint(&["rule"]);
    for code in ["NB001", "NB105", "NB208"] {
        assert!(stdout(&all).contains(code));
    }
    let unknown = nblint(&["rule", "NB999"]);
    assert_eq!(status(&unknown), 2);
}

#[test]
fn every_corpus_notebook_is_checked_without_a_panic() {
    let corpus = evcxr_corpus();
    if corpus.is_empty() {
        return;
    }
    let folder = corpus[0].parent().unwrap();
    let output = nblint(&["check", "--output-format", "json", folder.to_str().unwrap()]);
    assert!(matches!(status(&output), 0 | 1), "{}", stderr(&output));
    let diagnostics: Vec<serde_json::Value> = json(&output);
    assert!(!diagnostics.is_empty());
    // Every position lies inside its cell.
    for diagnostic in &diagnostics {
        let path = Path::new(diagnostic["path"].as_str().unwrap());
        let notebook: serde_json::Value = serde_json::from_slice(
            &std::fs::read(root().join(path)).unwrap_or_else(|_| std::fs::read(path).unwrap()),
        )
        .unwrap();
        let cell = &notebook["cells"][diagnostic["cell"].as_u64().unwrap() as usize - 1];
        let source = match &cell["source"] {
            serde_json::Value::String(text) => text.clone(),
            serde_json::Value::Array(lines) => {
                lines.iter().map(|line| line.as_str().unwrap()).collect()
            }
            _ => String::new(),
        };
        let lines = source.split('\n').count().max(1);
        let line = diagnostic["line"].as_u64().unwrap() as usize;
        assert!(
            line >= 1 && line <= lines,
            "{diagnostic} outside a {lines}-line cell"
        );
    }
}

#[test]
fn language_option_overrides_the_kernel_metadata() {
    let text = notebook("julia", &["import math\ny = math.sqrt(undefined_thing)"]);
    let folder = folder_with("j.ipynb", &text);
    let args = [
        "check",
        "--output-format",
        "concise",
        "--select",
        "NB202",
        "j.ipynb",
    ];
    let plain = nblint_in(folder.path(), &args);
    assert_eq!(status(&plain), 0, "{}", stdout(&plain));
    let mut with_language = args.to_vec();
    with_language.extend(["--language", "python"]);
    let python = nblint_in(folder.path(), &with_language);
    assert_eq!(status(&python), 1, "{}", stderr(&python));
    assert_contains(&stdout(&python), "`undefined_thing`");
    let bad = nblint_in(folder.path(), &["check", "--language", "cobol", "j.ipynb"]);
    assert_eq!(status(&bad), 2);
    assert_contains(&stderr(&bad), "cobol");
}

#[test]
fn results_are_cached_by_content_and_no_cache_reads_and_writes_nothing() {
    let folder = tempfile::tempdir().unwrap();
    std::fs::copy(root().join(EXAMPLE), folder.path().join("n.ipynb")).unwrap();
    let args = ["check", "--output-format", "concise", "n.ipynb"];
    let first = nblint_in(folder.path(), &args);
    assert!(
        folder.path().join(".nblint_cache").is_dir(),
        "no cache written"
    );
    let second = nblint_in(folder.path(), &args);
    assert_eq!(stdout(&first), stdout(&second));
    assert_eq!(status(&first), status(&second));

    // A changed notebook is checked again, not answered from the cache.
    let text = std::fs::read_to_string(folder.path().join("n.ipynb")).unwrap();
    std::fs::write(
        folder.path().join("n.ipynb"),
        text.replace("most_common(&counts, 3)", "most_common(&countz, 3)"),
    )
    .unwrap();
    let changed = nblint_in(folder.path(), &args);
    assert_contains(&stdout(&changed), "`countz`");
    // Different settings are a different entry.
    let selected = nblint_in(
        folder.path(),
        &[
            "check",
            "--output-format",
            "concise",
            "--select",
            "NB103",
            "n.ipynb",
        ],
    );
    assert_lacks(&stdout(&selected), "NB201");

    // A damaged cache is a miss, never an error.
    for entry in walkdir(&folder.path().join(".nblint_cache")) {
        std::fs::write(entry, b"garbage").unwrap();
    }
    let damaged = nblint_in(folder.path(), &args);
    assert_eq!(stdout(&damaged), stdout(&changed), "{}", stderr(&damaged));

    let clean = tempfile::tempdir().unwrap();
    std::fs::copy(root().join(EXAMPLE), clean.path().join("n.ipynb")).unwrap();
    let output = nblint_in(clean.path(), &["check", "--no-cache", "n.ipynb"]);
    assert_eq!(status(&output), 1);
    assert!(!clean.path().join(".nblint_cache").exists());
}

/// Every file under `folder`, recursively.
fn walkdir(folder: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![folder.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path
                .file_name()
                .is_some_and(|name| name != "CACHEDIR.TAG" && name != ".gitignore")
            {
                files.push(path);
            }
        }
    }
    files
}

#[test]
fn a_note_says_when_undefined_names_cannot_be_checked() {
    let text = notebook(
        "python",
        &["import numpy as np", "from helpers import *\nx = load()"],
    );
    let folder = folder_with("p.ipynb", &text);
    // The second run answers from the cache: the note must survive it.
    for _ in 0..2 {
        let output = nblint_in(folder.path(), &["check", "p.ipynb"]);
        let message = stderr(&output);
        assert!(
            message.contains("undefined-name (NB202) stays quiet") && message.contains("cell 2"),
            "{message}"
        );
    }
    let quiet = nblint_in(folder.path(), &["check", "--ignore", "NB202", "p.ipynb"]);
    assert_lacks(&stderr(&quiet), "stays quiet");
}

#[test]
fn every_rule_that_stays_quiet_in_a_notebook_says_why() {
    // Cell 2 reads names chosen when it runs: unused-definition (NB207) cannot know what is
    // unused; nothing stops undefined-name (NB202), so only NB207 explains its silence.
    let text = notebook("python", &["x = 1", "print(globals()[\"x\"])"]);
    let folder = folder_with("a.ipynb", &text);
    let output = nblint_in(folder.path(), &["check", "a.ipynb"]);
    let notes = stderr(&output);
    assert_contains(
        &notes,
        "note: a.ipynb: unused-definition (NB207) stays quiet in this notebook: cell 2 \
             reads names chosen when it runs",
    );
    assert_lacks(&notes, "NB202");
    // Two such notebooks share one line, and a rule not selected says nothing.
    std::fs::write(folder.path().join("b.ipynb"), &text).unwrap();
    let output = nblint_in(folder.path(), &["check", "a.ipynb", "b.ipynb"]);
    let notes = stderr(&output);
    assert_contains(
        &notes,
        "note: unused-definition (NB207) stayed quiet in 2 notebooks that",
    );
    let output = nblint_in(folder.path(), &["check", "--ignore", "NB207", "a.ipynb"]);
    assert_lacks(&stderr(&output), "quiet");
}

#[test]
fn a_cached_run_prints_exactly_what_the_first_run_printed_in_every_format() {
    let folder = tempfile::tempdir().unwrap();
    std::fs::copy(root().join(EXAMPLE), folder.path().join("n.ipynb")).unwrap();
    for format in ["full", "concise", "json", "sarif", "github"] {
        let args = ["check", "--output-format", format, "n.ipynb"];
        let first = nblint_in(folder.path(), &args);
        let cached = nblint_in(folder.path(), &args);
        assert_eq!(stdout(&first), stdout(&cached), "{format}");
        assert_eq!(stderr(&first), stderr(&cached), "{format}");
        assert_eq!(status(&first), status(&cached), "{format}");
        let uncached = nblint_in(
            folder.path(),
            &["check", "--no-cache", "--output-format", format, "n.ipynb"],
        );
        assert_eq!(stdout(&uncached), stdout(&cached), "{format}");
    }
}

#[test]
fn a_stored_report_is_reused_only_for_the_same_path_format_and_colour() {
    // The cache is keyed by content: two copies of a notebook share an entry, and the part
    // of the report stored in it names one of them. Each must still be reported under its
    // own name, in the format and colour asked for.
    let folder = tempfile::tempdir().unwrap();
    for name in ["a.ipynb", "b.ipynb"] {
        std::fs::copy(root().join(EXAMPLE), folder.path().join(name)).unwrap();
    }
    let run = |format: &str, color: bool| {
        let mut command = Command::new(NBLINT);
        command.current_dir(folder.path()).args([
            "check",
            "--output-format",
            format,
            "a.ipynb",
            "b.ipynb",
        ]);
        if color {
            command.env("CLICOLOR_FORCE", "1").env_remove("NO_COLOR");
        } else {
            command.env("NO_COLOR", "1");
        }
        stdout(&command.output().unwrap())
    };
    let fresh = |format: &str| {
        stdout(&nblint_in(
            folder.path(),
            &[
                "check",
                "--no-cache",
                "--output-format",
                format,
                "a.ipynb",
                "b.ipynb",
            ],
        ))
    };
    let (full, concise) = (fresh("full"), fresh("concise"));
    assert!(
        concise.contains("\na.ipynb:cell") || concise.starts_with("a.ipynb:cell"),
        "{concise}"
    );
    assert_contains(&concise, "\nb.ipynb:cell");
    // Each run twice: the second answers from the parts the first stored.
    for _ in 0..2 {
        assert_eq!(run("concise", false), concise);
    }
    for _ in 0..2 {
        assert_eq!(run("full", false), full);
    }
    for _ in 0..2 {
        let colored = run("full", true);
        assert!(colored.contains('\u{1b}'), "no colour: {colored}");
        assert_ne!(colored, full);
    }
    for _ in 0..2 {
        assert_eq!(run("full", false), full);
    }
}

#[test]
fn many_quiet_notebooks_get_one_note() {
    let folder = tempfile::tempdir().unwrap();
    for name in ["a", "b", "c"] {
        let text = notebook("python", &["from helpers import *\nx = load()"]);
        std::fs::write(folder.path().join(format!("{name}.ipynb")), text).unwrap();
    }
    let output = nblint_in(folder.path(), &["check", "."]);
    let message = stderr(&output);
    assert_eq!(
        message.matches("stayed quiet in 3 notebooks").count(),
        1,
        "{message}"
    );
    assert_lacks(&message, "a.ipynb");
}

#[test]
fn a_notebook_that_cannot_be_read_is_a_finding_in_every_format() {
    let folder = tempfile::tempdir().unwrap();
    std::fs::copy(
        root().join("fixtures/malformed/truncated_json.ipynb"),
        folder.path().join("a_broken.ipynb"),
    )
    .unwrap();
    std::fs::copy(
        root().join("fixtures/rules/NB201/clean_defined_above.ipynb"),
        folder.path().join("b_clean.ipynb"),
    )
    .unwrap();
    for format in ["full", "concise", "json", "sarif", "github"] {
        let output = nblint_in(
            folder.path(),
            &["check", "--no-cache", "--output-format", format, "."],
        );
        assert_eq!(status(&output), 2, "{format}: {}", stderr(&output));
        let text = stdout(&output);
        assert!(!text.contains("All checks passed"), "{format}: {text}");
        assert!(
            text.contains("NB000") && text.contains("a_broken.ipynb"),
            "{format}: {text}"
        );
        insta::assert_snapshot!(format!("io_error_beside_a_clean_notebook_{format}"), text);
    }
    let output = nblint_in(
        folder.path(),
        &["check", "--no-cache", "--output-format", "json", "."],
    );
    let entries: serde_json::Value = json(&output);
    assert_eq!(entries.as_array().unwrap().len(), 1, "{entries}");
    assert_eq!(entries[0]["code"], "NB000");
    assert_eq!(entries[0]["path"], "a_broken.ipynb");
    assert_eq!(entries[0]["line"], 5);
    assert_eq!(entries[0]["column"], 18);
    let full = nblint_in(folder.path(), &["check", "--no-cache", "."]);
    assert!(
        stdout(&full).ends_with("Found 1 error reading notebooks\n"),
        "{}",
        stdout(&full)
    );
    // A cached run of the clean notebook still reports the broken one.
    for _ in 0..2 {
        let cached = nblint_in(folder.path(), &["check", "."]);
        assert_eq!(status(&cached), 2);
        assert_eq!(stdout(&cached), stdout(&full));
    }
}

#[test]
fn the_cache_stays_under_its_size_cap_and_lives_at_the_project_root() {
    let project = tempfile::tempdir().unwrap();
    std::fs::write(project.path().join("nblint.toml"), "").unwrap();
    let notebooks = project.path().join("notebooks");
    std::fs::create_dir(&notebooks).unwrap();
    write_distinct_examples(&notebooks, 12);
    let cap: u64 = 8 * 1024;
    let run = || check_with_cache_cap(&notebooks, &["."], cap);
    let first = run();
    assert_ne!(status(&first), 2, "{}", stderr(&first));
    let second = run();
    assert_eq!(stdout(&first), stdout(&second));
    // At the project root (the folder with nblint.toml), not where nblint ran.
    assert!(!notebooks.join(".nblint_cache").exists());
    let cache = project.path().join(".nblint_cache");
    let entries = walkdir(&cache);
    assert!(!entries.is_empty(), "nothing cached");
    assert_within_cap(&entries, cap);
}

#[test]
fn a_cache_dir_stays_under_a_tiny_size_cap_across_runs() {
    let notebooks = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let cache_dir = cache.path().join("cache");
    let count = 12;
    write_distinct_examples(notebooks.path(), count);
    let cap: u64 = 4 * 1024;
    let cache_arg = cache_dir.to_str().unwrap();
    let run = || check_with_cache_cap(notebooks.path(), &["--cache-dir", cache_arg, "."], cap);
    let first = run();
    assert_eq!(status(&first), 1, "{}", stderr(&first));
    let second = run();
    assert_eq!(stdout(&first), stdout(&second));
    assert_eq!(status(&first), status(&second));
    // The cache is in --cache-dir, not beside the notebooks.
    assert!(!notebooks.path().join(".nblint_cache").exists());
    let entries: Vec<_> = walkdir(&cache_dir)
        .into_iter()
        .filter(|entry| entry.file_name() != Some("CACHEDIR.TAG".as_ref()))
        .collect();
    assert!(!entries.is_empty(), "nothing cached");
    // Pruned: the cap is too small for an entry per notebook.
    assert!(entries.len() < count, "{} entries kept", entries.len());
    assert_within_cap(&entries, cap);
}

/// Writes `count` copies of the example into `folder`, each with different bytes, so that
/// each is a cache entry of its own.
fn write_distinct_examples(folder: &Path, count: usize) {
    let example = std::fs::read_to_string(root().join(EXAMPLE)).unwrap();
    for index in 0..count {
        let text = example.replacen(
            "\"cells\"",
            &format!("\"x{index}\": {index},\n \"cells\""),
            1,
        );
        std::fs::write(folder.join(format!("n{index}.ipynb")), text).unwrap();
    }
}

/// `check --output-format concise` with `args` in `folder`, the cache capped at `cap` bytes
/// and not moved by the environment.
fn check_with_cache_cap(folder: &Path, args: &[&str], cap: u64) -> std::process::Output {
    Command::new(NBLINT)
        .current_dir(folder)
        .args(["check", "--output-format", "concise"])
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("NBLINT_CACHE_DIR")
        .env("NBLINT_CACHE_MAX_BYTES", cap.to_string())
        .output()
        .unwrap()
}

/// The cache files together hold at most `cap` bytes.
fn assert_within_cap(entries: &[std::path::PathBuf], cap: u64) {
    let total: u64 = entries
        .iter()
        .map(|entry| std::fs::metadata(entry).unwrap().len())
        .sum();
    assert!(
        total <= cap,
        "the cache holds {total} bytes, over its cap of {cap}"
    );
}

#[test]
fn a_rust_cell_whose_output_is_an_error_binds_no_variable() {
    let folder = tempfile::tempdir().unwrap();
    let error = serde_json::json!([{"ename": "Error", "evalue": "mismatched types",
        "output_type": "error", "traceback": []}]);
    let notebook = serde_json::json!({
        "cells": [
            {"cell_type": "markdown", "id": "a", "metadata": {}, "source": "# Failed cells"},
            {"cell_type": "code", "execution_count": 1, "id": "b", "metadata": {},
             "outputs": error, "source": "let discarded = 3;\nlet n: u8 = \"x\";"},
            {"cell_type": "code", "execution_count": 2, "id": "c", "metadata": {},
             "outputs": [], "source": "let kept = 4;"},
        ],
        "metadata": {"kernelspec": {"display_name": "Rust", "language": "rust", "name": "rust"}},
        "nbformat": 4, "nbformat_minor": 5,
    });
    std::fs::write(folder.path().join("n.ipynb"), notebook.to_string()).unwrap();
    let output = nblint_in(
        folder.path(),
        &[
            "check",
            "--no-cache",
            "--select",
            "NB207",
            "--output-format",
            "concise",
            "n.ipynb",
        ],
    );
    // evcxr kept nothing of cell 2, so its variables are not "defined and never used".
    assert_lacks(&stdout(&output), "discarded");
    assert_contains(&stdout(&output), "`kept`");
}

#[test]
fn a_notebook_another_runs_with_percent_run_gets_no_undefined_or_unused_names() {
    // `%run ./sub/setup.ipynb` runs the setup notebook in the parent's namespace: it reads
    // `repo`, which the parent binds, and binds `branch`, which the parent reads.
    let parent = notebook(
        "python",
        &["repo = \"demo\"", "%run ./sub/setup.ipynb", "print(branch)"],
    );
    let setup = notebook(
        "python",
        &[
            "branch = f\"{repo}-main\"",
            "def print_diff(a, b):\n    print(a, b)",
        ],
    );
    let folder = folder_with("parent.ipynb", &parent);
    std::fs::create_dir(folder.path().join("sub")).unwrap();
    std::fs::write(folder.path().join("sub").join("setup.ipynb"), &setup).unwrap();
    // The second run answers from the cache: the same findings and the same note.
    for _ in 0..2 {
        let output = nblint_in(folder.path(), &["check", "--output-format", "concise", "."]);
        let text = stdout(&output);
        assert_lacks(&text, "NB202");
        assert_lacks(&text, "NB207");
        assert_contains(
            &stderr(&output),
            "parent.ipynb runs this notebook with `%run`",
        );
    }
    // Checked alone outside any project, the setup notebook has no runner: its names are
    // reported.
    let alone = || {
        nblint_in(
            folder.path(),
            &["check", "--output-format", "concise", "sub/setup.ipynb"],
        )
    };
    let text = stdout(&alone());
    assert_contains(&text, "NB202 `repo` is not defined");
    assert_contains(
        &text,
        "NB207 function `print_diff` is defined but never used",
    );
    // In a project (here, a folder with an `nblint.toml`), the folders above it up to the
    // project's root are searched for its runner, as a pre-commit hook checking only the
    // staged setup notebook needs.
    std::fs::write(folder.path().join("nblint.toml"), "").unwrap();
    let output = alone();
    assert_lacks(&stdout(&output), "NB202");
    assert_contains(
        &stderr(&output),
        "parent.ipynb runs this notebook with `%run`",
    );
}
