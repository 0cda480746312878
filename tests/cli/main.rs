//! End-to-end tests of `nblint check`, `nblint graph` and `nblint rule`: the binary run the
//! way a user runs it, asserting exit statuses, output contracts and what happens to files.
#![allow(clippy::unwrap_used)]

mod check;
mod graph;
mod language;
mod wheel;
mod writes;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const NBLINT: &str = env!("CARGO_BIN_EXE_nblint");

/// The repository root (the tests run nblint from there so paths in output are relative).
fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs nblint in `folder` with colour off.
fn nblint_in(folder: &Path, args: &[&str]) -> Output {
    Command::new(NBLINT)
        .current_dir(folder)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

/// Runs nblint from the repository root.
fn nblint(args: &[&str]) -> Output {
    nblint_in(root(), args)
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn status(output: &Output) -> i32 {
    output.status.code().unwrap()
}

/// The evcxr corpus beside the repository (empty when it is not there).
fn evcxr_corpus() -> Vec<PathBuf> {
    nblint_testing::corpus("evcxr", "cli corpus tests")
        .map(|folder| nblint_testing::ipynb_files(&folder))
        .unwrap_or_default()
}

/// A minimal notebook with the given code cells, in `language`.
fn notebook(language: &str, cells: &[&str]) -> String {
    let cells: Vec<serde_json::Value> = cells
        .iter()
        .enumerate()
        .map(|(index, source)| {
            serde_json::json!({
                "cell_type": "code",
                "execution_count": index + 1,
                "id": format!("c{index}"),
                "metadata": {},
                "outputs": [],
                "source": source,
            })
        })
        .collect();
    let document = serde_json::json!({
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": language, "language": language, "name": language},
            "language_info": {"name": language}
        },
        "nbformat": 4,
        "nbformat_minor": 5
    });
    serde_json::to_string_pretty(&document).unwrap() + "\n"
}
