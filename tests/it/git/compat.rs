//! nblint strip against nbstripout, byte for byte, over the strip fixtures and the shared
//! corpus (`../shared/corpus/{python,evcxr}`, copied only into a temporary folder).
//!
//! nbstripout runs through `tests/it/git/nbstripout_driver.py` (in-place, `--keep-id`, one
//! Python process) under the Python named by `NBLINT_NBSTRIPOUT_PYTHON`, else `python3`; when
//! that cannot `import nbstripout` the test prints a note and passes. To run it:
//! `python3 -m venv /tmp/nbs && /tmp/nbs/bin/pip install nbstripout` then
//! `NBLINT_NBSTRIPOUT_PYTHON=/tmp/nbs/bin/python cargo test --test it git::compat`.
//! Every difference allowed here is a class documented in `docs/strip-compat.md`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use nblint_git::{StripOptions, strip_bytes};

/// Why nblint's bytes may differ from nbstripout's for a fixture (docs/strip-compat.md).
const KNOWN: &[(&str, Difference)] = &[
    ("crlf", Difference::LineEndings),
    ("bom", Difference::NbstripoutRefuses),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Difference {
    /// nblint keeps CRLF; nbstripout writes LF. Equal once `\r\n` becomes `\n`.
    LineEndings,
    /// nbstripout cannot read the file (a UTF-8 byte-order mark).
    NbstripoutRefuses,
}

fn python() -> Option<String> {
    let python = std::env::var("NBLINT_NBSTRIPOUT_PYTHON").unwrap_or_else(|_| "python3".into());
    let works = Command::new(&python)
        .args(["-c", "import nbstripout"])
        .output()
        .is_ok_and(|output| output.status.success());
    works.then_some(python)
}

/// Runs nbstripout in place over `files` with `args`; returns the files it refused.
fn nbstripout(python: &str, args: &str, files: &[PathBuf]) -> Vec<PathBuf> {
    if files.is_empty() {
        return Vec::new();
    }
    let driver = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/git/nbstripout_driver.py");
    let output = nblint_testing::run_ok(
        Command::new(python)
            .arg(driver)
            .args(args.split_whitespace())
            .args(files),
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.strip_prefix("error\t"))
        .map(|rest| PathBuf::from(rest.split('\t').next().unwrap_or_default()))
        .collect()
}

/// The options a case's `.args` file gives.
fn options(args: &str) -> StripOptions {
    StripOptions::from_flags(args).unwrap()
}

/// nblint's result with nbstripout's in-place meaning: an unchanged file keeps its bytes.
fn ours(original: &[u8], options: &StripOptions) -> Option<Vec<u8>> {
    match strip_bytes(original, options) {
        Ok(Some(stripped)) => Some(stripped),
        Ok(None) => Some(original.to_vec()),
        Err(_) => None,
    }
}

#[test]
fn strip_matches_nbstripout() {
    let Some(python) = python() else {
        println!(
            "note: nbstripout is not importable (set NBLINT_NBSTRIPOUT_PYTHON); \
             skipping the byte-for-byte comparison"
        );
        return;
    };
    let temporary = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));

    // Fixtures, grouped by their options.
    let fixtures = root.join("fixtures/strip");
    let mut groups: BTreeMap<String, Vec<(String, Vec<u8>, PathBuf)>> = BTreeMap::new();
    for entry in std::fs::read_dir(&fixtures).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        let Some(case) = name.strip_suffix(".ipynb") else {
            continue;
        };
        if case.ends_with(".expected") {
            continue;
        }
        let args = std::fs::read_to_string(fixtures.join(format!("{case}.args")))
            .unwrap_or_default()
            .trim()
            .to_owned();
        let original = std::fs::read(fixtures.join(&name)).unwrap();
        let copy = temporary.path().join(&name);
        std::fs::write(&copy, &original).unwrap();
        groups
            .entry(args)
            .or_default()
            .push((case.to_owned(), original, copy));
    }
    let mut failures = Vec::new();
    for (args, cases) in &groups {
        let files: Vec<PathBuf> = cases.iter().map(|(_, _, copy)| copy.clone()).collect();
        let refused = nbstripout(&python, args, &files);
        for (case, original, copy) in cases {
            let known = KNOWN
                .iter()
                .find(|(name, _)| name == case)
                .map(|(_, why)| *why);
            let mine = ours(original, &options(args)).unwrap();
            if refused.contains(copy) {
                if known != Some(Difference::NbstripoutRefuses) {
                    failures.push(format!("fixture {case}: nbstripout refused it"));
                }
                continue;
            }
            let theirs = std::fs::read(copy).unwrap();
            let same = match known {
                Some(Difference::LineEndings) => {
                    String::from_utf8_lossy(&mine)
                        .replace("\r\n", "\n")
                        .into_bytes()
                        == theirs
                        && mine != theirs
                }
                _ => mine == theirs,
            };
            if !same {
                failures.push(format!("fixture {case} ({args}): differs from nbstripout"));
            }
        }
    }

    // The corpus, with default options.
    let mut originals = Vec::new();
    for language in ["python", "evcxr"] {
        let Some(folder) = nblint_testing::corpus(language, "nbstripout compatibility") else {
            continue;
        };
        let Ok(entries) = std::fs::read_dir(folder) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|ext| ext == "ipynb") {
                let copy = temporary.path().join(format!(
                    "{language}-{}",
                    path.file_name().unwrap().to_string_lossy()
                ));
                let bytes = std::fs::read(&path).unwrap();
                std::fs::write(&copy, &bytes).unwrap();
                originals.push((copy, bytes));
            }
        }
    }
    let files: Vec<PathBuf> = originals.iter().map(|(copy, _)| copy.clone()).collect();
    let refused = nbstripout(&python, "", &files);
    let (mut identical, mut both_refuse) = (0, 0);
    for (copy, original) in &originals {
        let name = copy.file_name().unwrap().to_string_lossy();
        let mine = ours(original, &StripOptions::default());
        match (mine, refused.contains(copy)) {
            (None, true) => both_refuse += 1,
            (Some(mine), false) if mine == std::fs::read(copy).unwrap() => identical += 1,
            (Some(_), false) => failures.push(format!("corpus {name}: differs from nbstripout")),
            (None, false) => failures.push(format!("corpus {name}: only nblint refuses it")),
            (Some(_), true) => failures.push(format!("corpus {name}: only nbstripout refuses it")),
        }
    }
    println!(
        "nbstripout comparison: {identical} of {} corpus notebooks byte-identical, \
         {both_refuse} refused by both",
        originals.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
