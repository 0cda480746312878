//! `nblint extract`: an evcxr notebook becomes a Cargo crate that behaves the same: items in
//! modules (one per markdown section), each code cell a function whose parameters are the
//! values it uses from earlier cells, and a `main` that runs the steps in notebook order.
//!
//! The steps: [`plan`] reads the cells (sections, hoisted items, values crossing cells);
//! [`types`] learns the types of those values from annotations, then from the compiler (probe
//! crate, `cargo check --message-format=json`); [`codegen`] prints the crate with
//! prettyplease; the compiler then checks it: parameters a step cannot borrow are moved in and
//! out (the kernel's own meaning), and if per-cell functions still do not compile, one `run()`
//! holds every statement in order. Machine-applicable warning fixes (unused imports, needless
//! `mut`) are applied last. Nothing here prints: the caller gets the files and the notes.

pub mod cargo;
pub mod codegen;
pub mod manifest;
pub mod naming;
pub mod plan;
pub mod source;
pub mod types;
pub mod verbatim;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use nblint_notebook::Notebook;

pub use cargo::CargoRunner;
use codegen::{Choices, Files, ValueKey};
use plan::Plan;
use types::Probed;

/// How many times per-cell functions are re-generated after compiler errors.
const MAX_ATTEMPTS: usize = 5;
/// How many rounds of warning fixes are applied.
const MAX_FIX_ROUNDS: usize = 3;

/// What can stop an extraction.
#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    /// A `:dep` line is not valid TOML.
    #[error(transparent)]
    Manifest(#[from] manifest::ManifestError),
    /// A scratch file could not be written.
    #[error("writing {}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause, which an error report gives after the message (the error's source).
        source: std::io::Error,
    },
    /// cargo could not be started.
    #[error("running cargo ({})", program.display())]
    Cargo {
        /// The program.
        program: PathBuf,
        /// The cause, which an error report gives after the message (the error's source).
        source: std::io::Error,
    },
    /// No code cell is left to extract: an empty crate would be no extraction at all.
    #[error("nothing to extract: {reason}")]
    NothingToExtract {
        /// Why (no code, or every code cell skipped).
        reason: String,
        /// The notes gathered on the way (why each cell was skipped).
        warnings: Vec<String>,
    },
}

/// The inputs of an extraction.
#[derive(Debug, Clone)]
pub struct ExtractOptions {
    /// The package name of the generated crate.
    pub package: String,
    /// The notebook's path (its folder resolves relative `:dep` paths, its file name appears
    /// in the generated comments).
    pub notebook_path: PathBuf,
    /// The folder the crate will be written to (relative `path` dependencies are rewritten
    /// relative to it).
    pub out_dir: PathBuf,
    /// cargo, to learn types and check the result; `None` writes what annotations allow (the
    /// single-`run()` form when a type is unknown) without checking.
    pub cargo: Option<CargoRunner>,
    /// A folder outside `out_dir` where probe and check crates are written.
    pub scratch_dir: PathBuf,
}

/// What an extraction made of the notebook: the final table `extract` prints.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// Code cells that became steps.
    pub cells: usize,
    /// The modules written, one per section.
    pub modules: Vec<String>,
    /// Cells left out, with why: `(cell, reason)`.
    pub skipped: Vec<(usize, String)>,
    /// Per-cell versions of redefined items: `(version, item, cell)`.
    pub versions: Vec<(String, String, usize)>,
}

impl Extraction {
    /// The final table `extract` prints: cells and modules, cells left out and why,
    /// per-cell versions, and the dependencies with the versions written.
    pub fn summary_table(&self) -> String {
        let summary = &self.summary;
        let mut rows: Vec<(&str, String)> = vec![(
            "cells",
            format!(
                "{} extracted into {} module{} ({})",
                summary.cells,
                summary.modules.len(),
                if summary.modules.len() == 1 { "" } else { "s" },
                summary.modules.join(", ")
            ),
        )];
        if !summary.skipped.is_empty() {
            let skipped: Vec<String> = summary
                .skipped
                .iter()
                .map(|(cell, reason)| {
                    format!("cell {cell} ({})", reason.trim_start_matches("skipped: "))
                })
                .collect();
            rows.push(("skipped", skipped.join("; ")));
        }
        if !summary.versions.is_empty() {
            let versions: Vec<String> = summary
                .versions
                .iter()
                .map(|(version, item, cell)| format!("{version} (`{item}` as in cell {cell})"))
                .collect();
            rows.push(("versions", versions.join(", ")));
        }
        let dependencies = self
            .files
            .get("Cargo.toml")
            .map(|manifest| manifest::dependency_lines(manifest))
            .unwrap_or_default();
        if !dependencies.is_empty() {
            rows.push(("dependencies", dependencies.join(", ")));
        }
        if let Some(reason) = &self.fallback {
            rows.push((
                "form",
                format!("one `run()` (per-cell functions: {reason})"),
            ));
        }
        let width = rows.iter().map(|(label, _)| label.len()).max().unwrap_or(0);
        let mut table = String::new();
        for (label, text) in &rows {
            table.push_str(&format!("  {label:<width$}  {text}\n"));
        }
        table
    }
}

/// The result of an extraction.
#[derive(Debug, Clone, Default)]
pub struct Extraction {
    /// The files, relative to the crate folder.
    pub files: Files,
    /// Notes for the user (skipped cells, redefinitions, lost displays, fallback).
    pub warnings: Vec<String>,
    /// What was made of the notebook, for the final table.
    pub summary: Summary,
    /// Whether the single-`run()` form was written, and why.
    pub fallback: Option<String>,
    /// `Some(true)` if `cargo check` passed, `Some(false)` if not, `None` if not checked.
    pub builds: Option<bool>,
    /// The first compiler errors, rendered, when it does not build.
    pub errors: Vec<String>,
    /// Compiler warnings left in the generated crate, rendered.
    pub compiler_warnings: Vec<String>,
    /// What the notebook printed on stdout in the cells kept (streams and text results): what
    /// the binary should print.
    pub expected_stdout: String,
    /// Dependencies the notebook left at any version (`:dep name`, `extern crate name`), each
    /// pinned in `Cargo.toml` to the version cargo resolved for `*` when the crate was checked
    /// (the newest, unless the scratch crate's `Cargo.lock` already held one) and which built:
    /// `(name, version)`.
    pub pinned: Vec<(String, String)>,
}

/// Extracts `notebook`. `progress` hears what is being done (for a progress display).
pub fn extract(
    notebook: &Notebook,
    options: &ExtractOptions,
    progress: &dyn Fn(&str),
) -> Result<Extraction, ExtractError> {
    // Cells the front end accepts can nest deeper than a normal stack can parse, generate
    // and print: run on the front end's deep stack.
    //
    // A dependency the notebook left at any version (`:dep rand`) resolves to the newest
    // release, which may have changed the API the notebook used (rand 0.9 renamed
    // `thread_rng`). When the build fails on that crate's names, the extraction is tried again
    // below the version that failed, a few times at most, and says so.
    //
    // Likewise the crate is written in edition 2024, as today's kernel compiles cells; code
    // an older kernel ran in edition 2021 (`std::env::set_var` without `unsafe`, a variable
    // named `gen`) is tried again in edition 2021.
    let mut older: BTreeMap<String, String> = BTreeMap::new();
    let mut notes: Vec<String> = Vec::new();
    let mut edition_2021 = false;
    loop {
        let mut extraction = nblint_rust::with_cell_stack(|| {
            extract_on_deep_stack(notebook, options, progress, &older, edition_2021)
        })?;
        if extraction.builds == Some(false) && !edition_2021 && needs_edition_2021(&extraction) {
            edition_2021 = true;
            notes.push(
                "the notebook's code does not build in edition 2024 (what today's kernel \
                 uses) but is older Rust: the crate is written in edition 2021"
                    .to_owned(),
            );
            progress("trying edition 2021");
            continue;
        }
        let retry = (extraction.builds == Some(false) && notes.len() < MAX_OLDER_VERSIONS)
            .then(|| older_version_to_try(&extraction, options))
            .flatten();
        let Some((name, failed, requirement)) = retry else {
            extraction.warnings.extend(notes);
            return Ok(extraction);
        };
        let first_error = extraction
            .errors
            .first()
            .and_then(|error| error.lines().next())
            .unwrap_or_default()
            .to_owned();
        notes.push(format!(
            "`{name}` had no version: the newest, {failed}, does not build the notebook's code \
             ({first_error}); tried `{name} = \"{requirement}\"`"
        ));
        progress(&format!("trying {name} {requirement}"));
        older.insert(name, requirement);
    }
}

/// Whether the build errors are ones edition 2024 made of code edition 2021 accepted.
fn needs_edition_2021(extraction: &Extraction) -> bool {
    extraction.errors.iter().any(|error| {
        (error.contains("E0133") && (error.contains("set_var") || error.contains("remove_var")))
            || error.contains("reserved keyword `gen`")
            || error.contains("extern blocks must be unsafe")
    })
}

/// How many older versions an extraction tries (of one dependency or several) before it
/// reports the build error.
const MAX_OLDER_VERSIONS: usize = 3;

/// The dependency left at any version whose names the build errors point at (`in crate
/// `rand``, `rand::thread_rng`), with the version that failed and a requirement below it:
/// `<0.9` for 0.9.x, `<2` for 2.x. Read from the scratch crate's manifest and lock.
fn older_version_to_try(
    extraction: &Extraction,
    options: &ExtractOptions,
) -> Option<(String, String, String)> {
    let scratch = options.scratch_dir.join(&options.package);
    let manifest = std::fs::read_to_string(scratch.join("Cargo.toml")).ok()?;
    let lock = std::fs::read_to_string(scratch.join("Cargo.lock")).ok()?;
    let locked = manifest::locked_versions(&lock, &options.package);
    let errors = extraction.errors.join("\n");
    manifest::unpinned_dependencies(&manifest)
        .into_iter()
        .find_map(|(name, requirement)| {
            let code_name = name.replace('-', "_");
            let blamed = [
                format!("in crate `{code_name}`"),
                format!("`{code_name}::"),
                format!("in `{code_name}`"),
                format!("import `{code_name}"),
            ]
            .iter()
            .any(|needle| errors.contains(needle.as_str()));
            if !blamed {
                return None;
            }
            let failed = locked
                .iter()
                .find(|(locked_name, _)| locked_name.replace('_', "-") == name.replace('_', "-"))
                .map(|(_, version)| version.clone())?;
            let below = manifest::below(&failed)?;
            // Already below this version: step further down only.
            (requirement != below).then_some((name, failed, below))
        })
}

fn extract_on_deep_stack(
    notebook: &Notebook,
    options: &ExtractOptions,
    progress: &dyn Fn(&str),
    older: &BTreeMap<String, String>,
    edition_2021: bool,
) -> Result<Extraction, ExtractError> {
    let file_name = options.notebook_path.file_name().map_or_else(
        || "notebook.ipynb".to_owned(),
        |name| name.to_string_lossy().into_owned(),
    );
    progress("reading cells");
    let plan = plan::plan(notebook, &file_name);
    if plan.kept_cells == 0 {
        let has_code = notebook
            .cells()
            .iter()
            .any(|cell| cell.is_code() && !cell.source.trim().is_empty());
        return Err(ExtractError::NothingToExtract {
            reason: if has_code {
                "every code cell was skipped".to_owned()
            } else {
                "the notebook has no code".to_owned()
            },
            warnings: plan.warnings,
        });
    }
    let lib_name = options.package.replace('-', "_");
    let notebook_folder = options
        .notebook_path
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let edition = |text: String| {
        if edition_2021 {
            text.replacen("edition = \"2024\"", "edition = \"2021\"", 1)
        } else {
            text
        }
    };
    let final_manifest = edition(manifest_text(
        &plan,
        &options.package,
        &notebook_folder,
        &options.out_dir,
    )?);
    let scratch = options.scratch_dir.join(&options.package);
    // Checked with the older versions asked for; the written manifest is pinned to what the
    // check resolved, as for any unpinned dependency.
    let (scratch_manifest, _) = manifest::pin_any_versions(
        &edition(manifest_text(
            &plan,
            &options.package,
            &notebook_folder,
            &scratch,
        )?),
        older,
    );
    let mut warnings = plan.warnings.clone();
    let declared = manifest::dependency_table(
        &plan.dependencies.iter().collect::<Vec<_>>(),
        &notebook_folder,
        &scratch,
    )?;
    for name in implicit_dependencies(&plan, &declared) {
        warnings.push(format!(
            "`extern crate {name};` has no `:dep` line: the crate depends on `{name} = \"*\"` (the \
             newest version), as the kernel did"
        ));
    }

    let mut extraction = Extraction {
        summary: Summary {
            cells: plan.steps.len(),
            modules: plan
                .sections
                .iter()
                .map(|section| section.module.clone())
                .collect(),
            skipped: plan
                .pipeline
                .iter()
                .filter_map(|entry| match entry {
                    plan::PipelineEntry::Skipped(cell, reason) => Some((*cell, reason.clone())),
                    plan::PipelineEntry::Step(_) => None,
                })
                .collect(),
            versions: plan.versions.clone(),
        },
        warnings,
        // In run order, as the binary prints it.
        expected_stdout: plan
            .pipeline
            .iter()
            .filter_map(|entry| match entry {
                plan::PipelineEntry::Step(index) => plan.steps.get(*index),
                plan::PipelineEntry::Skipped(..) => None,
            })
            .map(|step| step.stored_stdout.as_str())
            .collect(),
        ..Extraction::default()
    };

    // Types: annotations, then probes.
    let mut choices = Choices::default();
    let wanted = crossing_values(&plan);
    for (cell, name) in &wanted {
        if let Some(ty) = plan
            .steps
            .iter()
            .find(|step| step.cell == *cell)
            .and_then(|step| step.code.annotations.get(name))
        {
            choices
                .types
                .insert((*cell, name.clone()), types::from_annotation(ty));
        }
    }
    let unknown: Vec<ValueKey> = wanted
        .iter()
        .filter(|key| !choices.types.contains_key(*key))
        .cloned()
        .collect();
    let mut fallback_reason: Option<String> = None;
    if !unknown.is_empty() {
        match &options.cargo {
            None => {
                fallback_reason = Some(format!(
                    "the type of `{}` (cell {}) is not written in the notebook and the compiler \
                     was not asked",
                    unknown[0].1, unknown[0].0
                ));
            }
            Some(runner) => {
                progress("learning types from the compiler");
                let (source, probes) = codegen::probe_source(&plan, &unknown);
                let mut files = Files::new();
                files.insert("src/lib.rs".into(), source);
                let outcome = check(runner, &scratch, &scratch_manifest, &files)?;
                let other_errors = outcome
                    .errors()
                    .any(|d| d.code.as_deref() != Some("E0308") || !is_probe(d));
                let found = types::probe_types(&outcome.diagnostics, probes.len());
                for (key, probed) in probes.iter().zip(found) {
                    match probed {
                        Some(Probed::Type(ty)) => {
                            choices.types.insert(key.clone(), *ty);
                        }
                        Some(Probed::Unpersistable(text)) => {
                            fallback_reason.get_or_insert_with(|| {
                                format!(
                                    "`{}` (cell {}) has type `{text}`, which a function cannot \
                                     return",
                                    key.1, key.0
                                )
                            });
                        }
                        None if !other_errors && outcome.cargo_error.is_none() => {
                            choices.types.insert(key.clone(), syn::parse_quote!(()));
                        }
                        None => {
                            fallback_reason.get_or_insert_with(|| {
                                format!(
                                    "the compiler did not tell the type of `{}` (cell {}): {}",
                                    key.1,
                                    key.0,
                                    first_problem(&outcome)
                                )
                            });
                        }
                    }
                }
            }
        }
    }

    // Per-cell functions, corrected by the compiler.
    let mut files: Option<Files> = None;
    if fallback_reason.is_none() {
        let mut attempt = 0;
        // Rounds spent giving `&Vec<T>` / `&String` back: not counted against MAX_ATTEMPTS.
        let mut slice_rounds = 0;
        loop {
            attempt += 1;
            let rendered = match codegen::render(&plan, &choices, &lib_name, false) {
                Ok(rendered) => rendered,
                Err(name) => {
                    fallback_reason = Some(format!("the type of `{name}` is unknown"));
                    break;
                }
            };
            let Some(runner) = &options.cargo else {
                files = Some(rendered);
                break;
            };
            progress(&format!("checking per-cell functions (attempt {attempt})"));
            let outcome = check(runner, &scratch, &scratch_manifest, &rendered)?;
            if outcome.success {
                extraction.builds = Some(true);
                files = Some(rendered);
                break;
            }
            if let Some(problem) = &outcome.cargo_error {
                fallback_reason = Some(format!("cargo failed: {problem}"));
                break;
            }
            let imports = types::import_suggestions(&outcome.diagnostics);
            let known: Vec<String> = choices
                .extra_uses
                .iter()
                .map(|item| quote::quote!(#item).to_string())
                .collect();
            let new_imports: Vec<syn::ItemUse> = imports
                .into_iter()
                .filter(|item| !known.contains(&quote::quote!(#item).to_string()))
                .collect();
            let mut progressed = !new_imports.is_empty();
            let mut slice_round = false;
            choices.extra_uses.extend(new_imports);
            for diagnostic in outcome.errors() {
                let Some(step) = step_of_error(&plan, &rendered, diagnostic) else {
                    continue;
                };
                // The parameters the error mentions; all of the step's when it names none.
                let text: Vec<&str> = diagnostic
                    .spans
                    .iter()
                    .flat_map(|span| span.text.iter().map(String::as_str))
                    .collect();
                let mentioned: Vec<&str> = step
                    .params
                    .iter()
                    .map(|param| param.name.as_str())
                    .filter(|name| text.iter().any(|line| mentions(line, name)))
                    .collect();
                let names: Vec<&str> = if mentioned.is_empty() {
                    step.params
                        .iter()
                        .map(|param| param.name.as_str())
                        .collect()
                } else {
                    mentioned
                };
                // A step that borrows a `Vec`/`String` as a slice/`str` first gets `&Vec<T>` /
                // `&String` back; only then are values moved in.
                let sliced: Vec<String> = codegen::signature(step, &choices)
                    .map(|sig| {
                        sig.params
                            .iter()
                            .zip(&step.params)
                            .filter(|((_, mode, ty, _), param)| {
                                *mode != codegen::Mode::Value
                                    && choices
                                        .types
                                        .get(&(param.defined_in, param.name.clone()))
                                        .is_some_and(|full| {
                                            quote::quote!(#full).to_string()
                                                != quote::quote!(#ty).to_string()
                                        })
                            })
                            .map(|(_, param)| param.name.clone())
                            .collect()
                    })
                    .unwrap_or_default();
                if !sliced.is_empty() {
                    for name in sliced {
                        choices.plain_refs.insert((step.cell, name));
                    }
                    progressed = true;
                    slice_round = true;
                    continue;
                }
                for name in names {
                    if choices.by_value.insert((step.cell, name.to_owned())) {
                        progressed = true;
                    }
                }
            }
            if slice_round {
                slice_rounds += 1;
            }
            if !progressed || attempt >= MAX_ATTEMPTS + slice_rounds {
                fallback_reason = Some(format!(
                    "per-cell functions do not compile: {}",
                    first_problem(&outcome)
                ));
                break;
            }
        }
    }

    let mut files = if let Some(files) = files {
        files
    } else {
        let reason = fallback_reason
            .clone()
            .unwrap_or_else(|| "per-cell functions do not compile".into());
        extraction.fallback = Some(reason);
        extraction.builds = None;
        let rendered = codegen::render(&plan, &choices, &lib_name, true).unwrap_or_default();
        if let Some(runner) = &options.cargo {
            progress("checking the single run() form");
            let outcome = check(runner, &scratch, &scratch_manifest, &rendered)?;
            extraction.builds = Some(outcome.success);
            if !outcome.success {
                extraction.errors = problems(&outcome);
            }
        }
        rendered
    };

    // Warning fixes.
    if let (Some(runner), Some(true)) = (&options.cargo, extraction.builds) {
        for round in 0..=MAX_FIX_ROUNDS {
            progress("checking for warnings");
            let outcome = check(runner, &scratch, &scratch_manifest, &files)?;
            let warnings: Vec<&cargo::Diagnostic> = outcome.warnings().collect();
            if !outcome.success {
                // A fix broke the build: should not happen; report it.
                extraction.builds = Some(false);
                extraction.errors = problems(&outcome);
                break;
            }
            if warnings.is_empty() {
                extraction.compiler_warnings.clear();
                break;
            }
            extraction.compiler_warnings = warnings.iter().map(|w| w.rendered.clone()).collect();
            if round == MAX_FIX_ROUNDS || cargo::apply_fixes(&mut files, &warnings) == 0 {
                break;
            }
        }
    }
    for text in files.values_mut() {
        *text = tidy(text);
    }
    let mut final_manifest = final_manifest;
    if extraction.builds == Some(true) {
        let lock_path = scratch.join("Cargo.lock");
        if let Ok(lock) = std::fs::read_to_string(&lock_path) {
            let versions = manifest::locked_versions(&lock, &options.package);
            let (pinned_text, pinned) = manifest::pin_any_versions(&final_manifest, &versions);
            final_manifest = pinned_text;
            extraction.pinned = pinned;
        }
    }
    files.insert("Cargo.toml".into(), final_manifest);
    files.insert(".gitignore".into(), "/target\n".into());
    extraction.files = files;
    Ok(extraction)
}

/// Writes the extracted files into `out_dir` (created if needed).
pub fn write_files(files: &Files, out_dir: &Path) -> Result<(), ExtractError> {
    write_tree(files, out_dir).map_err(|(path, source)| ExtractError::Io { path, source })
}

/// Writes `files` (paths relative to `out_dir`) under `out_dir`, each file atomically,
/// creating folders as needed: what both extractors write. `Err` names the path that failed.
pub fn write_tree(files: &Files, out_dir: &Path) -> Result<(), (PathBuf, std::io::Error)> {
    for (relative, text) in files {
        let path = out_dir.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| (parent.to_path_buf(), source))?;
        }
        nblint_notebook::write_atomically(&path, text.as_bytes())
            .map_err(|source| (path.clone(), source))?;
    }
    Ok(())
}

/// Every (defining cell, name) whose type a signature needs.
fn crossing_values(plan: &Plan) -> Vec<ValueKey> {
    let mut keys: Vec<ValueKey> = Vec::new();
    for step in &plan.steps {
        for output in &step.outputs {
            keys.push((step.cell, output.name.clone()));
        }
        for param in &step.params {
            keys.push((param.defined_in, param.name.clone()));
        }
    }
    let mut seen = std::collections::HashSet::new();
    keys.retain(|key| seen.insert(key.clone()));
    keys
}

fn is_probe(diagnostic: &cargo::Diagnostic) -> bool {
    diagnostic
        .spans
        .iter()
        .flat_map(|span| span.text.iter())
        .any(|line| line.contains("__nblint_probe_"))
}

/// Writes `files` and the manifest into the scratch crate and checks it.
fn check(
    runner: &CargoRunner,
    scratch: &Path,
    manifest: &str,
    files: &Files,
) -> Result<cargo::CheckOutcome, ExtractError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ExtractError::Io { path, source }
    };
    let src = scratch.join("src");
    if src.exists() {
        std::fs::remove_dir_all(&src).map_err(io(&src))?;
    }
    std::fs::create_dir_all(&src).map_err(io(&src))?;
    let manifest_path = scratch.join("Cargo.toml");
    std::fs::write(&manifest_path, manifest).map_err(io(&manifest_path))?;
    for (relative, text) in files {
        if relative == "Cargo.toml" {
            continue;
        }
        let path = scratch.join(relative);
        std::fs::write(&path, text).map_err(io(&path))?;
    }
    runner.check(scratch).map_err(|source| ExtractError::Cargo {
        program: runner.program.clone(),
        source,
    })
}

/// The step (by cell) an error points into: the generated function around its line, or the
/// step called on that line of `main`.
fn step_of_error<'a>(
    plan: &'a Plan,
    files: &Files,
    diagnostic: &cargo::Diagnostic,
) -> Option<&'a plan::Step> {
    let span = diagnostic
        .spans
        .iter()
        .find(|span| span.primary)
        .or_else(|| diagnostic.spans.first())?;
    let text = files.get(&span.file)?;
    let lines: Vec<&str> = text.lines().collect();
    let names: HashMap<&str, &plan::Step> = plan
        .steps
        .iter()
        .map(|step| (step.name.as_str(), step))
        .collect();
    let line = span.line.checked_sub(1)?;
    if span.file == "src/main.rs" {
        let text = lines.get(line)?;
        return names
            .iter()
            .find_map(|(name, cell)| text.contains(&format!("{name}(")).then_some(*cell));
    }
    for candidate in lines[..=line.min(lines.len().saturating_sub(1))]
        .iter()
        .rev()
    {
        let rest = candidate
            .strip_prefix("pub async fn ")
            .or_else(|| candidate.strip_prefix("pub fn "));
        if let Some(rest) = rest {
            let name: String = rest
                .chars()
                .take_while(|ch| ch.is_alphanumeric() || *ch == '_')
                .collect();
            return names.get(name.as_str()).copied();
        }
        if candidate.starts_with('}') && !std::ptr::eq(*candidate, lines[line]) {
            return None;
        }
    }
    None
}

fn problems(outcome: &cargo::CheckOutcome) -> Vec<String> {
    let mut list: Vec<String> = outcome
        .errors()
        .take(3)
        .map(|d| d.rendered.clone())
        .collect();
    if let Some(problem) = &outcome.cargo_error {
        list.push(problem.clone());
    }
    list
}

fn first_problem(outcome: &cargo::CheckOutcome) -> String {
    if let Some(problem) = &outcome.cargo_error {
        return problem.lines().last().unwrap_or_default().to_owned();
    }
    outcome
        .errors()
        .find(|d| !is_probe(d))
        .or_else(|| outcome.errors().next())
        .map_or_else(
            || "unknown error".into(),
            |d| {
                let at = d
                    .spans
                    .iter()
                    .find(|span| span.primary)
                    .map(|span| format!(" ({}:{})", span.file, span.line))
                    .unwrap_or_default();
                format!("{}{at}", d.message)
            },
        )
}

/// The generated `Cargo.toml` for a crate in `crate_folder`.
fn manifest_text(
    plan: &Plan,
    package: &str,
    notebook_folder: &Path,
    crate_folder: &Path,
) -> Result<String, ExtractError> {
    let deps: Vec<&nblint_facts::Dependency> = plan.dependencies.iter().collect();
    let mut table = manifest::dependency_table(&deps, notebook_folder, crate_folder)?;
    // `:dep ./path`: the name is the local crate's package name, as evcxr reads it.
    for dep in &plan.dependencies {
        if let Some(path) = &dep.path
            && dep.name.starts_with(['.', '/'])
        {
            let key = Path::new(path)
                .file_name()
                .map_or_else(|| "local".to_owned(), |n| n.to_string_lossy().into_owned());
            if let Some(real) = manifest::local_crate_name(&notebook_folder.join(path))
                && real != key
                && let Some(value) = table.remove(&key)
            {
                table.insert(real, value);
            }
        }
    }
    for name in implicit_dependencies(plan, &table) {
        table.insert(name, toml::Value::String("*".into()));
    }
    if plan.uses_await {
        add_tokio(&mut table);
    }
    let mut text = manifest::render_manifest(package, &table);
    text.push_str(
        "\n# A standalone crate: remove this table to make it a member of an enclosing workspace.\n[workspace]\n",
    );
    Ok(text)
}

/// Crates named by `extern crate` with no `:dep`: the kernel depends on them at any version
/// (`"*"`), and so does the generated crate.
fn implicit_dependencies(plan: &Plan, table: &BTreeMap<String, toml::Value>) -> Vec<String> {
    const BUILT_IN: &[&str] = &["std", "core", "alloc", "proc_macro", "test", "self"];
    let declared: Vec<String> = table.keys().map(|key| key.replace('-', "_")).collect();
    let mut names: Vec<String> = Vec::new();
    for item in &plan.externs {
        let name = item.ident.to_string();
        if !BUILT_IN.contains(&name.as_str()) && !declared.contains(&name) && !names.contains(&name)
        {
            names.push(name);
        }
    }
    names
}

/// Top-level `.await` needs a runtime: tokio with `rt-multi-thread`, as evcxr adds it (the
/// features of the tokio the notebook asked for: `rt-threaded` in 0.2, none in 0.1, nothing
/// when it asked for `full`).
fn add_tokio(table: &mut BTreeMap<String, toml::Value>) {
    let entry = table
        .entry("tokio".to_owned())
        .or_insert_with(|| toml::Value::String("1".into()));
    if let toml::Value::String(version) = entry {
        let mut inline = toml::Table::new();
        inline.insert("version".into(), toml::Value::String(version.clone()));
        *entry = toml::Value::Table(inline);
    }
    if let toml::Value::Table(inline) = entry {
        let version = inline
            .get("version")
            .and_then(toml::Value::as_str)
            .unwrap_or("1")
            .trim_start_matches(['=', '^', '~', ' ']);
        let wanted: &[&str] = if version.starts_with("0.1") {
            &[]
        } else if version.starts_with("0.2") {
            &["rt-threaded"]
        } else {
            &["rt", "rt-multi-thread"]
        };
        let features = inline
            .entry("features")
            .or_insert_with(|| toml::Value::Array(Vec::new()));
        if let toml::Value::Array(list) = features
            && !list.iter().any(|f| f.as_str() == Some("full"))
        {
            for &feature in wanted {
                if !list.iter().any(|f| f.as_str() == Some(feature)) {
                    list.push(toml::Value::String(feature.into()));
                }
            }
        }
    }
}

/// Whether `name` can name a Cargo package (and its library, with `-` as `_`).
pub fn is_valid_package_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_')
        && !name.starts_with(|ch: char| ch.is_ascii_digit() || ch == '-')
}

/// The package name for a notebook file (`Load Data.ipynb` → `load_data`).
pub fn package_name(notebook_path: &Path) -> String {
    let stem = naming::notebook_stem(notebook_path);
    naming::snake_case(&stem, 6, "notebook")
}

/// Collapses runs of blank lines (left by removed imports) into one.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = true;
    for line in text.lines() {
        let is_blank = line.trim().is_empty();
        if is_blank && blank {
            continue;
        }
        blank = is_blank;
        out.push_str(line);
        out.push('\n');
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

/// Whether `line` mentions the identifier `name` (not as part of a longer one).
fn mentions(line: &str, name: &str) -> bool {
    line.match_indices(name).any(|(at, _)| {
        let before = line[..at].chars().next_back();
        let after = line[at + name.len()..].chars().next();
        let ident = |ch: Option<char>| ch.is_some_and(|ch| ch.is_alphanumeric() || ch == '_');
        !ident(before) && !ident(after)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokio_features(spec: &str) -> Vec<String> {
        let mut table: BTreeMap<String, toml::Value> = if spec.is_empty() {
            BTreeMap::new()
        } else {
            toml::from_str(&format!("tokio = {spec}")).unwrap()
        };
        add_tokio(&mut table);
        table["tokio"]["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|feature| feature.as_str().unwrap().to_owned())
            .collect()
    }

    #[test]
    fn the_runtime_features_match_the_tokio_asked_for() {
        assert_eq!(tokio_features(""), ["rt", "rt-multi-thread"]);
        assert_eq!(tokio_features("\"1.40\""), ["rt", "rt-multi-thread"]);
        assert_eq!(
            tokio_features("{ version = \"0.2\", features = [\"macros\"] }"),
            ["macros", "rt-threaded"]
        );
        assert_eq!(
            tokio_features("{ version = \"0.2\", features = [\"full\"] }"),
            ["full"]
        );
        assert!(tokio_features("\"0.1\"").is_empty());
    }
}
