//! Running `cargo check --message-format=json` on a generated crate (in a scratch folder, with
//! a target directory outside the output folder) and reading its diagnostics.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// Where and how to run cargo.
#[derive(Debug, Clone)]
pub struct CargoRunner {
    /// The cargo program.
    pub program: PathBuf,
    /// The target directory shared by every check (dependencies are built once).
    pub target_dir: PathBuf,
}

/// One compiler diagnostic.
#[derive(Debug, Clone, Default)]
pub struct Diagnostic {
    /// `error`, `warning`, `note`, `help`, ...
    pub level: String,
    /// The error code (`E0308`), if any.
    pub code: Option<String>,
    /// The message.
    pub message: String,
    /// The spans.
    pub spans: Vec<DiagnosticSpan>,
    /// Notes and help.
    pub children: Vec<Diagnostic>,
    /// The message as rustc renders it.
    pub rendered: String,
}

/// A span of a diagnostic.
#[derive(Debug, Clone, Default)]
pub struct DiagnosticSpan {
    /// File, relative to the crate folder.
    pub file: String,
    /// Byte range in that file.
    pub byte_start: usize,
    /// End of the byte range.
    pub byte_end: usize,
    /// First line, one-based.
    pub line: usize,
    /// The primary span of the diagnostic.
    pub primary: bool,
    /// The label.
    pub label: Option<String>,
    /// The source lines the span covers.
    pub text: Vec<String>,
    /// A replacement the compiler suggests.
    pub suggestion: Option<String>,
    /// `MachineApplicable`, `MaybeIncorrect`, ...
    pub applicability: Option<String>,
}

impl Diagnostic {
    fn from_json(value: &Value) -> Self {
        let str_of = |key: &str| value.get(key).and_then(Value::as_str).unwrap_or_default();
        Self {
            level: str_of("level").to_owned(),
            code: value
                .get("code")
                .and_then(|code| code.get("code"))
                .and_then(Value::as_str)
                .map(str::to_owned),
            message: str_of("message").to_owned(),
            rendered: str_of("rendered").to_owned(),
            spans: value
                .get("spans")
                .and_then(Value::as_array)
                .map(|spans| spans.iter().map(DiagnosticSpan::from_json).collect())
                .unwrap_or_default(),
            children: value
                .get("children")
                .and_then(Value::as_array)
                .map(|children| children.iter().map(Self::from_json).collect())
                .unwrap_or_default(),
        }
    }

    /// Whether this is an error.
    pub fn is_error(&self) -> bool {
        self.level == "error"
    }
}

impl DiagnosticSpan {
    fn from_json(value: &Value) -> Self {
        let number = |key: &str| {
            value
                .get(key)
                .and_then(Value::as_u64)
                .map_or(0, |n| n as usize)
        };
        let text = value
            .get("text")
            .and_then(Value::as_array)
            .map(|lines| {
                lines
                    .iter()
                    .filter_map(|line| line.get("text").and_then(Value::as_str))
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        Self {
            file: value
                .get("file_name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            byte_start: number("byte_start"),
            byte_end: number("byte_end"),
            line: number("line_start"),
            primary: value.get("is_primary").and_then(Value::as_bool) == Some(true),
            label: value
                .get("label")
                .and_then(Value::as_str)
                .map(str::to_owned),
            text,
            suggestion: value
                .get("suggested_replacement")
                .and_then(Value::as_str)
                .map(str::to_owned),
            applicability: value
                .get("suggestion_applicability")
                .and_then(Value::as_str)
                .map(str::to_owned),
        }
    }
}

/// What one `cargo check` said.
#[derive(Debug, Clone, Default)]
pub struct CheckOutcome {
    /// Compiler diagnostics for the crate itself (not its dependencies), deduplicated.
    pub diagnostics: Vec<Diagnostic>,
    /// cargo succeeded.
    pub success: bool,
    /// The end of cargo's stderr when it failed without compiler errors (a manifest or
    /// dependency problem).
    pub cargo_error: Option<String>,
}

impl CheckOutcome {
    /// The errors.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.is_error())
    }

    /// The warnings (summary lines left out).
    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics
            .iter()
            .filter(|d| d.level == "warning" && !d.spans.is_empty())
    }
}

impl CargoRunner {
    /// Runs `cargo check --all-targets --message-format=json` in `crate_dir`.
    pub fn check(&self, crate_dir: &Path) -> std::io::Result<CheckOutcome> {
        let output = Command::new(&self.program)
            .arg("check")
            .arg("--quiet")
            .arg("--message-format=json")
            .arg("--manifest-path")
            .arg(crate_dir.join("Cargo.toml"))
            .arg("--target-dir")
            .arg(&self.target_dir)
            .env_remove("RUSTFLAGS")
            .env_remove("CARGO_TARGET_DIR")
            .output()?;
        let mut outcome = CheckOutcome {
            success: output.status.success(),
            ..CheckOutcome::default()
        };
        let mut seen = std::collections::HashSet::new();
        for line in String::from_utf8_lossy(&output.stdout).lines() {
            let Ok(value) = serde_json::from_str::<Value>(line) else {
                continue;
            };
            if value.get("reason").and_then(Value::as_str) != Some("compiler-message") {
                continue;
            }
            let Some(message) = value.get("message") else {
                continue;
            };
            let diagnostic = Diagnostic::from_json(message);
            if seen.insert(diagnostic.rendered.clone()) {
                outcome.diagnostics.push(diagnostic);
            }
        }
        if !outcome.success && outcome.errors().next().is_none() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let tail: Vec<&str> = stderr.lines().rev().take(12).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            outcome.cargo_error = Some(tail.join("\n"));
        }
        Ok(outcome)
    }
}

/// Applies the machine-applicable suggestions of `warnings` to the files (path relative to
/// the crate folder → text); returns how many were applied.
pub fn apply_fixes(files: &mut super::codegen::Files, warnings: &[&Diagnostic]) -> usize {
    let mut edits: Vec<(String, usize, usize, String)> = Vec::new();
    for warning in warnings {
        for child in &warning.children {
            for span in &child.spans {
                if span.applicability.as_deref() == Some("MachineApplicable")
                    && let Some(replacement) = &span.suggestion
                {
                    edits.push((
                        span.file.clone(),
                        span.byte_start,
                        span.byte_end,
                        replacement.clone(),
                    ));
                }
            }
        }
    }
    edits.sort_by(|a, b| (&a.0, b.1).cmp(&(&b.0, a.1)));
    let mut applied = 0;
    let mut last: Option<(String, usize)> = None;
    for (file, start, end, replacement) in edits {
        // Later edits first; skip overlaps.
        if let Some((last_file, last_start)) = &last
            && *last_file == file
            && end > *last_start
        {
            continue;
        }
        let Some(text) = files.get_mut(&file) else {
            continue;
        };
        if start > end
            || end > text.len()
            || !text.is_char_boundary(start)
            || !text.is_char_boundary(end)
        {
            continue;
        }
        text.replace_range(start..end, &replacement);
        applied += 1;
        last = Some((file, start));
    }
    applied
}
