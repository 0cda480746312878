//! Acceptance tests for `nblint check --fix`: the built binary fixes copies of notebooks (the
//! shared corpus, generated notebooks, the hazard fixtures), and the result is checked against
//! the fix contract (`invariants.rs`) with parsers of this test's own, never nblint's crates,
//! so a bug in nblint's analysis cannot hide a bug in its fixes.
//!
//! `NBLINT_FIX_KEEP=folder` keeps every notebook before and after the fix for inspection.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod checker;
mod corpus;
mod invariants;
mod property;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use invariants::Violation;

use crate::support::{NBLINT, root};

/// Runs nblint in `folder` on `.` with colour off.
fn nblint_in(folder: &Path, args: &[&str]) -> Output {
    Command::new(NBLINT)
        .current_dir(folder)
        .args(args)
        .arg(".")
        .env("NO_COLOR", "1")
        .env_remove("NBLINT_CACHE_DIR")
        .output()
        .unwrap()
}

/// What one `--fix` run over a set of notebooks did, judged by the invariants.
#[derive(Default)]
pub struct FixReport {
    /// Every broken invariant, in notebook order.
    pub violations: Vec<Violation>,
    /// Notebooks nblint said it could not read (exit status 2), which it must leave alone.
    pub unreadable: Vec<String>,
    /// Problems with the runs themselves (a crash, an exit status 2 naming no notebook).
    pub run_problems: Vec<String>,
    /// How many notebooks were checked.
    pub notebooks: usize,
    /// How many notebooks `--fix` wrote.
    pub changed: usize,
}

impl FixReport {
    /// A summary (counts per invariant and per rule whose fix touched the cell), then every
    /// violation.
    pub fn render(&self) -> String {
        let mut text = format!(
            "{} notebooks checked, {} changed by --fix, {} unreadable by nblint, {} violations\n",
            self.notebooks,
            self.changed,
            self.unreadable.len(),
            self.violations.len()
        );
        let mut per_invariant: BTreeMap<&str, usize> = BTreeMap::new();
        let mut per_rule: BTreeMap<String, usize> = BTreeMap::new();
        let mut notebooks: BTreeSet<&str> = BTreeSet::new();
        for violation in &self.violations {
            *per_invariant.entry(violation.invariant).or_default() += 1;
            notebooks.insert(&violation.notebook);
            let rules = if violation.rules.is_empty() {
                "(no fix offered there)".to_owned()
            } else {
                violation.rules.join("+")
            };
            *per_rule.entry(rules).or_default() += 1;
        }
        text += &format!("notebooks with violations: {}\n", notebooks.len());
        for (invariant, count) in &per_invariant {
            text += &format!("  invariant {invariant}: {count}\n");
        }
        for (rules, count) in &per_rule {
            text += &format!("  fixes in the cell {rules}: {count}\n");
        }
        for problem in &self.run_problems {
            text += &format!("run problem: {problem}\n");
        }
        for name in &self.unreadable {
            text += &format!("unreadable by nblint (left alone): {name}\n");
        }
        for violation in &self.violations {
            text += &violation.to_string();
        }
        text
    }

    /// Fails the test with the whole report if any invariant broke or a run went wrong.
    pub fn assert_clean(&self, what: &str) {
        println!("{what}: {}", self.render().lines().next().unwrap_or(""));
        assert!(
            self.violations.is_empty() && self.run_problems.is_empty(),
            "{what}: nblint check --fix broke its contract\n{}",
            self.render()
        );
    }
}

/// Writes `notebooks` (unique file name → bytes) into a fresh folder, asks nblint which fixes
/// it offers (to name the rules in the report), runs `nblint check --fix --no-cache` over the
/// folder twice and checks every notebook against the invariants.
pub fn fix_and_check(notebooks: &BTreeMap<String, Vec<u8>>) -> FixReport {
    let folder = tempfile::tempdir().unwrap();
    for (name, bytes) in notebooks {
        std::fs::write(folder.path().join(name), bytes).unwrap();
    }
    let mut report = FixReport {
        notebooks: notebooks.len(),
        ..FixReport::default()
    };
    let offered = offered_fixes(folder.path());
    let first = nblint_in(folder.path(), &["check", "--fix", "--no-cache"]);
    let after = read_all(folder.path(), notebooks);
    let second = nblint_in(folder.path(), &["check", "--fix", "--no-cache"]);
    let refixed = read_all(folder.path(), notebooks);
    for (run, output) in [("first --fix", &first), ("second --fix", &second)] {
        let stderr = String::from_utf8_lossy(&output.stderr);
        match output.status.code() {
            Some(0 | 1) => {}
            Some(2) => {
                let named = failed_notebooks(&stderr, notebooks.keys());
                if named.is_empty() {
                    report.run_problems.push(format!(
                        "{run} exited with 2 without naming a notebook it could not read: {stderr}"
                    ));
                }
                for name in named {
                    if !report.unreadable.contains(name) {
                        report.unreadable.push(name.clone());
                    }
                }
            }
            status => report
                .run_problems
                .push(format!("{run} ended with {status:?}: {stderr}")),
        }
    }
    // Checking parses every cell several times; deep expressions need more than the default
    // stack of a test thread.
    let violations = std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn({
            let notebooks = notebooks.clone();
            move || {
                let mut violations = Vec::new();
                for (name, before) in &notebooks {
                    violations.extend(invariants::check_notebook(
                        name,
                        before,
                        &after[name],
                        &refixed[name],
                    ));
                }
                (violations, after)
            }
        })
        .unwrap()
        .join()
        .unwrap();
    let (mut violations, after) = violations;
    if let Some(keep) = std::env::var_os("NBLINT_FIX_KEEP") {
        keep_for_inspection(Path::new(&keep), notebooks, &after);
    }
    report.changed = notebooks
        .iter()
        .filter(|(name, before)| after[*name] != **before)
        .count();
    for violation in &mut violations {
        violation.rules = offered
            .get(&(violation.notebook.clone(), violation.cell))
            .or_else(|| offered.get(&(violation.notebook.clone(), None)))
            .map(|codes| codes.iter().cloned().collect())
            .unwrap_or_default();
    }
    report.violations = violations;
    report
}

/// Which of `names` the `error: ...` messages on stderr are about: the longest name that
/// ends each message's first `.ipynb` path (stderr also names the notebooks it fixed, and a
/// name may hold spaces).
fn failed_notebooks<'a>(stderr: &str, names: impl Iterator<Item = &'a String>) -> Vec<&'a String> {
    let names: Vec<&String> = names.collect();
    let mut failed: Vec<&String> = stderr
        .split("error:")
        .skip(1)
        .filter_map(|message| Some(&message[..message.find(".ipynb")? + ".ipynb".len()]))
        .filter_map(|path| {
            // The longest name that ends the path (`Call C from Rust.ipynb`, not `Rust.ipynb`).
            names
                .iter()
                .filter(|name| {
                    path.strip_suffix(name.as_str()).is_some_and(|before| {
                        before.is_empty() || before.ends_with(['/', '\\', ' '])
                    })
                })
                .max_by_key(|name| name.len())
                .copied()
        })
        .collect();
    failed.sort();
    failed.dedup();
    failed
}

/// Copies every notebook before and after the fix into `keep/before/` and `keep/after/`
/// (`NBLINT_FIX_KEEP=folder`), to look at a violation with other tools.
fn keep_for_inspection(
    keep: &Path,
    before: &BTreeMap<String, Vec<u8>>,
    after: &BTreeMap<String, Vec<u8>>,
) {
    for (side, notebooks) in [("before", before), ("after", after)] {
        let folder = keep.join(side);
        std::fs::create_dir_all(&folder).unwrap();
        for (name, bytes) in notebooks {
            std::fs::write(folder.join(name), bytes).unwrap();
        }
    }
}

fn read_all(folder: &Path, notebooks: &BTreeMap<String, Vec<u8>>) -> BTreeMap<String, Vec<u8>> {
    notebooks
        .keys()
        .map(|name| {
            (
                name.clone(),
                std::fs::read(folder.join(name)).unwrap_or_default(),
            )
        })
        .collect()
}

/// Which rules offer a fix touching each (notebook, cell), and each notebook as a whole
/// (cell `None`), from `nblint check --output-format json`. Only used to label violations.
fn offered_fixes(folder: &Path) -> BTreeMap<(String, Option<usize>), BTreeSet<String>> {
    let output = nblint_in(folder, &["check", "--output-format", "json", "--no-cache"]);
    let mut offered: BTreeMap<(String, Option<usize>), BTreeSet<String>> = BTreeMap::new();
    let Ok(serde_json::Value::Array(diagnostics)) = serde_json::from_slice(&output.stdout) else {
        return offered;
    };
    for diagnostic in &diagnostics {
        let (Some(code), Some(path), Some(fix)) = (
            diagnostic.get("code").and_then(|code| code.as_str()),
            diagnostic.get("path").and_then(|path| path.as_str()),
            diagnostic.get("fix").filter(|fix| !fix.is_null()),
        ) else {
            continue;
        };
        let name = Path::new(path)
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        let cells = fix
            .get("edits")
            .and_then(|edits| edits.as_array())
            .into_iter()
            .flatten()
            .filter_map(|edit| edit.get("cell").and_then(serde_json::Value::as_u64))
            .map(|cell| Some(cell as usize))
            .chain([None]);
        for cell in cells {
            offered
                .entry((name.clone(), cell))
                .or_default()
                .insert(code.to_owned());
        }
    }
    offered
}

/// `../shared` beside the repository, where the corpus lives; `None` (after saying so, or
/// failing when `NBLINT_REQUIRE_CORPUS` is set) when it is not there.
fn shared_folder(test: &str) -> Option<PathBuf> {
    let shared = root().join("../shared");
    if shared.is_dir() {
        return Some(shared);
    }
    assert!(
        std::env::var_os("NBLINT_REQUIRE_CORPUS").is_none(),
        "{test}: NBLINT_REQUIRE_CORPUS is set but {} is missing",
        shared.display()
    );
    // Straight to stderr, which the test harness does not capture, so the skip is seen.
    let _ = writeln!(
        std::io::stderr(),
        "skipped: {test}, nothing checked ({}: ../shared not found)",
        shared.display()
    );
    None
}

/// The hazard fixtures under `fixtures/fix/`.
fn fix_fixtures() -> BTreeMap<String, Vec<u8>> {
    let folder = root().join("fixtures/fix");
    let mut fixtures = BTreeMap::new();
    for entry in std::fs::read_dir(&folder).unwrap() {
        let path = entry.unwrap().path();
        if path
            .extension()
            .is_some_and(|extension| extension == "ipynb")
        {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            fixtures.insert(name, std::fs::read(&path).unwrap());
        }
    }
    fixtures
}

/// Every hazard fixture keeps invariants 1–5 under `--fix`.
#[test]
fn fixtures_keep_invariants() {
    let fixtures = fix_fixtures();
    assert!(
        fixtures.len() >= 20,
        "fixtures/fix/ lost notebooks: {}",
        fixtures.len()
    );
    fix_and_check(&fixtures).assert_clean("fixtures/fix");
}

/// Only the notebook an error names counts as unreadable, not the ones reported as fixed,
/// even when nblint prints the next message on the same line.
#[test]
fn stderr_errors_name_only_the_failed_notebooks() {
    let stderr = "error: reading ./Call C from Rust.ipynb: invalid JSON at line 20fixed 1 \
                  problem in ./fine.ipynb\nfixed 2 problems in ./other.ipynb\n\
                  error: reading broken.ipynb: x\n";
    let names: Vec<String> = [
        "Call C from Rust.ipynb",
        "Rust.ipynb",
        "broken.ipynb",
        "fine.ipynb",
    ]
    .map(String::from)
    .to_vec();
    let failed = failed_notebooks(stderr, names.iter());
    assert_eq!(failed, ["Call C from Rust.ipynb", "broken.ipynb"]);
}
