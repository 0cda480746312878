//! Reading and writing an untouched notebook gives back the same bytes, for every notebook
//! of the shared corpora (read from `../shared`, beside the repository) and every readable
//! malformed fixture: nothing nblint does not change is ever rewritten differently.
#![allow(clippy::unwrap_used)]

use nblint_notebook::Notebook;
use nblint_testing::{Xorshift, ipynb_files};

#[test]
fn untouched_notebooks_are_written_back_byte_for_byte() {
    let root = nblint_testing::workspace_root();
    let mut checked = 0;
    let mut differing = Vec::new();
    for folder in [
        nblint_testing::corpus("python", "round_trip").unwrap_or_default(),
        nblint_testing::corpus("evcxr", "round_trip").unwrap_or_default(),
        root.join("fixtures/malformed"),
        root.join("fixtures/rules/NB102"),
    ] {
        for path in ipynb_files(&folder) {
            let bytes = std::fs::read(&path).unwrap();
            let Ok(notebook) = Notebook::parse(&bytes) else {
                continue;
            };
            checked += 1;
            if notebook.to_original_style_bytes() != bytes {
                differing.push(path.display().to_string());
            }
        }
    }
    assert!(checked > 0);
    assert!(
        differing.is_empty(),
        "{} of {checked} notebooks are not written back as read:\n{}",
        differing.len(),
        differing.join("\n")
    );
}

/// What analysis reads of a cell.
fn cell_view(notebook: &Notebook) -> Vec<String> {
    notebook
        .cells()
        .iter()
        .map(|cell| {
            format!(
                "{} {:?} {:?} {:?} {:?} {:?} {} {}",
                cell.number,
                cell.kind,
                cell.source,
                cell.source_form,
                cell.execution_count,
                cell.id,
                cell.output_count,
                cell.has_error_output
            )
        })
        .collect()
}

#[test]
fn analysis_reading_sees_the_same_cells_and_errors() {
    let root = nblint_testing::workspace_root();
    let mut checked = 0;
    for folder in [
        nblint_testing::corpus("python", "round_trip").unwrap_or_default(),
        nblint_testing::corpus("evcxr", "round_trip").unwrap_or_default(),
        root.join("fixtures/malformed"),
        root.join("fixtures/rust"),
        root.join("fixtures/graph"),
    ] {
        for path in ipynb_files(&folder) {
            let bytes = std::fs::read(&path).unwrap();
            let full = Notebook::parse(&bytes);
            let light = Notebook::parse_for_analysis(&bytes);
            match (full, light) {
                (Ok(full), Ok(light)) => {
                    assert_eq!(cell_view(&full), cell_view(&light), "{}", path.display());
                    assert_eq!(full.format(), light.format());
                    assert_eq!(full.metadata(), light.metadata());
                }
                (Err(full), Err(light)) => {
                    assert_eq!(full.to_string(), light.to_string(), "{}", path.display());
                }
                (full, light) => panic!(
                    "{}: parse gives {:?}, parse_for_analysis {:?}",
                    path.display(),
                    full.map(|_| ()),
                    light.map(|_| ())
                ),
            }
            checked += 1;
        }
    }
    assert!(checked > 0);
    let with_error = br#"{"cells": [{"cell_type": "code", "execution_count": 2, "metadata": {},
        "outputs": [{"output_type": "stream", "name": "stdout", "text": ["a\n"]},
                    {"output_type": "error", "ename": "E", "evalue": "", "traceback": []}],
        "source": ["x"]}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}"#;
    let light = Notebook::parse_for_analysis(with_error).unwrap();
    assert_eq!(light.cells()[0].output_count, 2);
    assert!(light.cells()[0].has_error_output);
}

/// Mutations drawn from a deterministic generator, so they are the same on every run.
struct Mutations(Xorshift);

impl Mutations {
    fn next(&mut self, below: usize) -> usize {
        self.0.below(below)
    }

    /// `bytes` with one byte deleted, replaced or inserted near a JSON delimiter.
    fn mutate(&mut self, bytes: &[u8]) -> Vec<u8> {
        const INSERTS: &[u8] = b"\"\\{}[],:0-.eu\x01 ";
        let mut out = bytes.to_vec();
        // Aim at structure: pick a random delimiter position most of the time.
        let mut at = self.next(out.len().max(1));
        for _ in 0..64 {
            if matches!(
                out.get(at),
                Some(b'"' | b'{' | b'}' | b'[' | b']' | b',' | b'\\')
            ) {
                break;
            }
            at = self.next(out.len().max(1));
        }
        let byte = INSERTS[self.next(INSERTS.len())];
        match self.next(3) {
            0 if at < out.len() => {
                out.remove(at);
            }
            1 if at < out.len() => out[at] = byte,
            _ => out.insert(at.min(out.len()), byte),
        }
        out
    }
}

#[test]
fn analysis_reading_agrees_on_mutated_notebooks() {
    let root = nblint_testing::workspace_root();
    let mut paths = nblint_testing::corpus("evcxr", "round_trip")
        .map(|folder| ipynb_files(&folder))
        .unwrap_or_default();
    paths.truncate(25);
    paths.extend(ipynb_files(&root.join("fixtures/rust")));
    let mut mutations = Mutations(Xorshift(0x9E37_79B9_7F4A_7C15));
    let mut accepted = 0;
    for path in &paths {
        let original = std::fs::read(path).unwrap();
        for _ in 0..40 {
            let bytes = mutations.mutate(&original);
            match (
                Notebook::parse(&bytes),
                Notebook::parse_for_analysis(&bytes),
            ) {
                (Ok(full), Ok(light)) => {
                    accepted += 1;
                    assert_eq!(cell_view(&full), cell_view(&light), "{}", path.display());
                }
                (Err(full), Err(light)) => assert_eq!(full.to_string(), light.to_string()),
                (full, light) => panic!(
                    "{}: {:?} vs {:?} on {}",
                    path.display(),
                    full.map(|_| ()),
                    light.map(|_| ()),
                    String::from_utf8_lossy(&bytes)
                ),
            }
        }
    }
    assert!(accepted > 0);
}

/// Both readers on notebooks whose cells keep their text where it is not read for their
/// version: a code cell's `source` renamed to v3's `input` or removed, a v3 code cell's
/// `input` renamed to `source`, and deep JSON. They must refuse the same cells with the
/// same errors (never read such a cell as empty), and read the rest the same.
#[test]
fn analysis_reading_agrees_on_cells_with_text_in_the_wrong_field() {
    let mut paths = nblint_testing::corpus("evcxr", "round_trip")
        .map(|folder| ipynb_files(&folder))
        .unwrap_or_default();
    paths.truncate(20);
    let mut python = nblint_testing::corpus("python", "round_trip")
        .map(|folder| ipynb_files(&folder))
        .unwrap_or_default();
    python.truncate(40);
    paths.extend(python);
    let mut refused = 0;
    for path in &paths {
        let text = std::fs::read_to_string(path).unwrap();
        let variants = [
            text.replacen("\"source\":", "\"input\":", 2),
            text.replacen("\"input\":", "\"source\":", 1),
            text.replacen(
                "\"cell_type\": \"code\",",
                "\"cell_type\": \"code\", \"input\": [],",
                1,
            ),
            text.replacen(
                "\"outputs\": [",
                &format!(
                    "\"deep\": {}{}, \"outputs\": [",
                    "[".repeat(300),
                    "]".repeat(300)
                ),
                1,
            ),
        ];
        for variant in variants.iter().filter(|variant| **variant != text) {
            match (
                Notebook::parse(variant.as_bytes()),
                Notebook::parse_for_analysis(variant.as_bytes()),
            ) {
                (Ok(full), Ok(light)) => {
                    assert_eq!(cell_view(&full), cell_view(&light), "{}", path.display());
                }
                (Err(full), Err(light)) => {
                    refused += 1;
                    assert_eq!(full, light, "{}", path.display());
                }
                (full, light) => panic!(
                    "{}: parse gives {:?}, parse_for_analysis {:?}",
                    path.display(),
                    full.map(|_| ()),
                    light.map(|_| ())
                ),
            }
        }
    }
    assert!(refused > 0);
}
