//! The notebook linter: a registry of rules (one file per rule, each with its documentation
//! page under `rules/`), configuration and selection, suppression comments, and fixes.
//!
//! Rules read [`nblint_facts`] and [`nblint_graph`] only, never a parser's types, so every
//! cell language gets every rule. Nothing here prints: diagnostics are values that
//! `nblint_report` renders.

mod diagnostic;
mod discovery;
mod driver;
mod fix;
mod registry;
pub mod rules;
mod settings;
mod suppression;

pub use diagnostic::{
    Applicability, Diagnostic, Edit, Fix, Related, Severity, StoredDiagnostic,
    diagnostics_from_bytes, diagnostics_to_bytes,
};
pub use discovery::{ConfigResolver, is_config_file};
pub use driver::lint;
pub use fix::{
    Analysis, FixOptions, FixOutcome, Refusal, apply_fixes, disposable_cell, verify_notebook,
};
pub use registry::{Context, Finding, Memo, Rule, Silence, Silencing, all_rules, find_rule};
pub use settings::{Config, RuleSelection, RuleSettings, Selector, SettingsError};
pub use suppression::{Suppression, suppressions};
