//! What a rule reports: a located message, its severity, related places and an optional fix.

use nblint_facts::Span;
use serde::{Deserialize, Serialize};

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The notebook is wrong or will fail on a clean run.
    Error,
    /// A hazard: results may not be what they seem.
    Warning,
    /// Hygiene and style.
    Info,
}

impl Severity {
    /// The lower-case name (`error`, `warning`, `info`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Error => "error",
            Self::Warning => "warning",
            Self::Info => "info",
        }
    }
}

/// Another place a diagnostic refers to ("defined here").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Related {
    /// One-based cell number.
    pub cell: usize,
    /// Byte range in that cell's source.
    pub span: Span,
    /// What this place is.
    pub message: String,
}

/// One change to the notebook, made by a fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Edit {
    /// Replace a byte range of a cell's source (an empty range inserts, an empty
    /// replacement deletes).
    Replace {
        /// One-based cell number.
        cell: usize,
        /// Byte range in the cell's source.
        span: Span,
        /// The new text.
        replacement: String,
    },
    /// Delete a whole cell.
    DeleteCell {
        /// One-based cell number.
        cell: usize,
    },
}

impl Edit {
    /// The cell the edit changes.
    pub fn cell(&self) -> usize {
        match self {
            Self::Replace { cell, .. } | Self::DeleteCell { cell } => *cell,
        }
    }
}

/// When a fix may be applied (ruff's model).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Applicability {
    /// Keeps the notebook's meaning: applied by `--fix`.
    #[default]
    Safe,
    /// May change what the notebook does (an import moved above environment setup):
    /// applied only with `--unsafe-fixes`.
    Unsafe,
    /// Shown for a person to apply by hand, never applied.
    DisplayOnly,
}

impl Applicability {
    /// The lower-case name (`safe`, `unsafe`, `display_only`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Safe => "safe",
            Self::Unsafe => "unsafe",
            Self::DisplayOnly => "display_only",
        }
    }
}

/// A fix: edits that remove the finding, all applied together or not at all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fix {
    /// What the fix does, for a person ("remove the duplicate import").
    pub message: String,
    /// The edits.
    pub edits: Vec<Edit>,
    /// When it may be applied.
    #[serde(default)]
    pub applicability: Applicability,
}

impl Fix {
    /// A safe fix.
    pub fn safe(message: impl Into<String>, edits: Vec<Edit>) -> Self {
        Self {
            message: message.into(),
            edits,
            applicability: Applicability::Safe,
        }
    }

    /// The same fix with another applicability.
    #[must_use]
    pub fn with_applicability(mut self, applicability: Applicability) -> Self {
        self.applicability = applicability;
        self
    }
}

/// A finding of one rule at one place in a notebook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The rule's code (`NB201`).
    pub code: &'static str,
    /// The rule's name (`undefined-above`).
    pub name: &'static str,
    /// What is wrong, naming the thing and the other cell involved.
    pub message: String,
    /// How serious it is.
    pub severity: Severity,
    /// One-based cell number.
    pub cell: usize,
    /// Byte range in the cell's source.
    pub span: Span,
    /// Other places involved.
    pub related: Vec<Related>,
    /// A fix, if the rule has a safe one for this finding.
    pub fix: Option<Fix>,
}

/// A diagnostic as stored in the result cache: the rule by its code, looked up again on
/// reading so `code` and `name` stay the registry's. Build one with `From<&Diagnostic>`
/// and turn it back with [`StoredDiagnostic::into_diagnostic`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredDiagnostic {
    code: String,
    message: String,
    severity: Severity,
    cell: usize,
    span: Span,
    related: Vec<Related>,
    fix: Option<Fix>,
}

impl From<&Diagnostic> for StoredDiagnostic {
    fn from(diagnostic: &Diagnostic) -> Self {
        Self {
            code: diagnostic.code.to_owned(),
            message: diagnostic.message.clone(),
            severity: diagnostic.severity,
            cell: diagnostic.cell,
            span: diagnostic.span,
            related: diagnostic.related.clone(),
            fix: diagnostic.fix.clone(),
        }
    }
}

impl StoredDiagnostic {
    /// The diagnostic again; `None` when its code names a rule this build does not have,
    /// which the cache treats as a miss.
    pub fn into_diagnostic(self) -> Option<Diagnostic> {
        let rule = crate::registry::find_rule(&self.code)?;
        Some(Diagnostic {
            code: rule.code,
            name: rule.name,
            message: self.message,
            severity: self.severity,
            cell: self.cell,
            span: self.span,
            related: self.related,
            fix: self.fix,
        })
    }
}

/// Diagnostics as bytes for the result cache (JSON of [`StoredDiagnostic`]s).
pub fn diagnostics_to_bytes(diagnostics: &[Diagnostic]) -> Vec<u8> {
    let stored: Vec<StoredDiagnostic> = diagnostics.iter().map(StoredDiagnostic::from).collect();
    serde_json::to_vec(&stored).unwrap_or_default()
}

/// Diagnostics back from [`diagnostics_to_bytes`]; `None` if the bytes are not that (a
/// damaged entry, or one naming a rule this build does not have), which the cache treats
/// as a miss.
pub fn diagnostics_from_bytes(bytes: &[u8]) -> Option<Vec<Diagnostic>> {
    let stored: Vec<StoredDiagnostic> = serde_json::from_slice(bytes).ok()?;
    stored
        .into_iter()
        .map(StoredDiagnostic::into_diagnostic)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_bytes_round_trip_and_damage_is_a_miss() {
        let diagnostic = Diagnostic {
            code: "NB203",
            name: "duplicate-import",
            message: "`HashMap` is already imported in cell 2".to_owned(),
            severity: Severity::Info,
            cell: 3,
            span: Span::new(4, 11),
            related: vec![Related {
                cell: 2,
                span: Span::new(4, 11),
                message: "imported here".to_owned(),
            }],
            fix: Some(
                Fix::safe("remove it", vec![Edit::DeleteCell { cell: 3 }])
                    .with_applicability(Applicability::Unsafe),
            ),
        };
        let bytes = diagnostics_to_bytes(std::slice::from_ref(&diagnostic));
        assert_eq!(diagnostics_from_bytes(&bytes), Some(vec![diagnostic]));
        assert_eq!(diagnostics_from_bytes(&bytes[..bytes.len() / 2]), None);
        let unknown = String::from_utf8(bytes).unwrap().replace("NB203", "NB999");
        assert_eq!(diagnostics_from_bytes(unknown.as_bytes()), None);
    }
}
