//! What a rule reports: a located message, its severity, related places and an optional fix.

use nblint_facts::Span;
use serde::Serialize;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Related {
    /// One-based cell number.
    pub cell: usize,
    /// Byte range in that cell's source.
    pub span: Span,
    /// What this place is.
    pub message: String,
}

/// One change to the notebook, made by a fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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

/// A fix: edits that remove the finding, all applied together or not at all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fix {
    /// What the fix does, for a person ("remove the duplicate import").
    pub message: String,
    /// The edits.
    pub edits: Vec<Edit>,
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
