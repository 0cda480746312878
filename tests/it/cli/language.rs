//! Which language a notebook is read in (`fixtures/language/`): metadata first, a guess from
//! the cells when it names none (with a note), `language` in nblint.toml over the metadata,
//! `--language` over everything; `check`, `graph` and `extract` decide alike.

use super::{
    assert_contains, assert_lacks, folder_with, graph_of, json, nblint, nblint_in, notebook,
    status, stderr, stdout,
};

/// `check --select NB001,NB201 --output-format json` on a fixture: the diagnostics' codes and
/// messages, and stderr.
fn check(fixture: &str, extra: &[&str]) -> (Vec<(String, String)>, String) {
    let path = format!("fixtures/language/{fixture}.ipynb");
    let mut args = vec![
        "check",
        "--no-cache",
        "--select",
        "NB001,NB201",
        "--output-format",
        "json",
        path.as_str(),
    ];
    args.extend_from_slice(extra);
    let output = nblint(&args);
    let diagnostics: Vec<serde_json::Value> = serde_json::from_str(&stdout(&output))
        .unwrap_or_else(|error| panic!("{fixture}: {error}\n{}", stderr(&output)));
    let found = diagnostics
        .iter()
        .map(|diagnostic| {
            (
                diagnostic["code"].as_str().unwrap().to_owned(),
                diagnostic["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    (found, stderr(&output))
}

#[test]
fn a_notebook_without_metadata_is_read_in_the_language_its_cells_are_in() {
    for (fixture, language, why) in [
        (
            "colab_without_metadata_is_python",
            "Python",
            "its 4 code cells parse as Python",
        ),
        (
            "evcxr_without_metadata_is_rust",
            "Rust",
            "cell 2 has the kernel command `:dep`",
        ),
        (
            "rust_without_metadata_parses_only_as_rust",
            "Rust",
            "2 code cells parse as Rust and not as Python",
        ),
        (
            "nothing_tells_is_python",
            "Python",
            "its 2 code cells parse as Python",
        ),
    ] {
        let (diagnostics, stderr) = check(fixture, &[]);
        assert!(
            !diagnostics.iter().any(|(code, _)| code == "NB001"),
            "{fixture}: {diagnostics:?}"
        );
        assert!(
            stderr.contains(&format!(
                "cells read as {language}, guessed from the content"
            )) && stderr.contains(why),
            "{fixture}: {stderr}"
        );
    }
    // The Colab notebook gets its name rules: `DATA_PATH` is defined only below its use.
    let (diagnostics, _) = check("colab_without_metadata_is_python", &[]);
    assert!(
        diagnostics
            .iter()
            .any(|(code, message)| code == "NB201" && message.contains("DATA_PATH")),
        "{diagnostics:?}"
    );
}

#[test]
fn nbformat_3_cells_say_their_language() {
    let (diagnostics, stderr) = check("nbformat3_cells_say_python", &[]);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    assert_lacks(&stderr, "guessed");
}

#[test]
fn the_language_option_overrides_the_guess() {
    let (diagnostics, stderr) = check("colab_without_metadata_is_python", &["--language", "rust"]);
    assert!(
        diagnostics
            .iter()
            .any(|(code, message)| code == "NB001" && message.contains("does not parse as Rust")),
        "{diagnostics:?}"
    );
    assert_lacks(&stderr, "guessed");
}

#[test]
fn a_python2_notebook_gets_one_note_and_one_error_per_cell() {
    let output = nblint(&[
        "check",
        "--no-cache",
        "--select",
        "NB001",
        "--output-format",
        "json",
        "fixtures/rules/NB001/triggers_python2_notebook_one_error_per_cell.ipynb",
    ]);
    let diagnostics: Vec<serde_json::Value> = json(&output);
    let cells: Vec<u64> = diagnostics
        .iter()
        .map(|diagnostic| diagnostic["cell"].as_u64().unwrap())
        .collect();
    assert_eq!(cells, [3, 4]);
    assert!(
        diagnostics[0]["message"]
            .as_str()
            .unwrap()
            .ends_with("(and 4 more errors in this cell)"),
        "{diagnostics:?}"
    );
    let notes = stderr(&output);
    assert_eq!(notes.matches("Python 2 notebook").count(), 1, "{notes}");
}

#[test]
fn a_print_statement_shows_python2_when_the_metadata_names_no_version() {
    let output = nblint(&[
        "check",
        "--no-cache",
        "fixtures/language/python2_without_version_metadata.ipynb",
    ]);
    assert_contains(&stderr(&output), "Python 2 notebook");
    // A Python 3 notebook without metadata gets no such note.
    let output = nblint(&[
        "check",
        "--no-cache",
        "fixtures/language/colab_without_metadata_is_python.ipynb",
    ]);
    assert_lacks(&stderr(&output), "Python 2 notebook");
}

#[test]
fn a_python3_kernel_wins_over_a_stale_python2_language_info() {
    let output = nblint(&[
        "check",
        "--no-cache",
        "fixtures/language/python3_kernel_with_stale_python2_language_info.ipynb",
    ]);
    assert_lacks(&stderr(&output), "Python 2 notebook");
}

#[test]
fn graph_and_extract_decide_as_check_does() {
    let (output, graph) =
        graph_of("fixtures/language/rust_without_metadata_parses_only_as_rust.ipynb");
    assert_contains(&stderr(&output), "cells read as Rust");
    assert_eq!(graph["cells"][1]["defines"][0], "prices");

    // extract reads a notebook it guesses is Python as Python (a package), and says why.
    let out = tempfile::tempdir().unwrap();
    let output = nblint(&[
        "extract",
        "fixtures/language/colab_without_metadata_is_python.ipynb",
        "--out",
        out.path().to_str().unwrap(),
        "--no-run",
    ]);
    assert_eq!(status(&output), 0, "{}", stderr(&output));
    assert_contains(&stderr(&output), "guessed from the content");
    assert!(out.path().join("pyproject.toml").is_file());
}

#[test]
fn the_configuration_chooses_over_metadata_and_the_option_over_both() {
    // Python by its metadata; its one cell does not parse as Python.
    let text = notebook("python", &["let total = 1 + 2;\ntotal"]);
    let folder = folder_with("n.ipynb", &text);
    let codes = |args: &[&str]| {
        let mut all = vec![
            "check",
            "--no-cache",
            "--select",
            "NB001",
            "--output-format",
            "concise",
        ];
        all.extend_from_slice(args);
        all.push("n.ipynb");
        stdout(&nblint_in(folder.path(), &all))
    };
    assert!(codes(&[]).contains("NB001"));
    std::fs::write(folder.path().join("nblint.toml"), "language = \"rust\"\n").unwrap();
    assert_lacks(&codes(&[]), "NB001");
    assert!(codes(&["--language", "python"]).contains("NB001"));
    let graph = nblint_in(folder.path(), &["graph", "n.ipynb"]);
    let graph: serde_json::Value = json(&graph);
    assert_eq!(graph["cells"][0]["defines"][0], "total");

    std::fs::write(folder.path().join("nblint.toml"), "language = \"cobol\"\n").unwrap();
    let output = nblint_in(folder.path(), &["check", "--no-cache", "n.ipynb"]);
    assert_eq!(status(&output), 2);
    assert_contains(&stderr(&output), "cobol");
}
