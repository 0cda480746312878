//! Runs the selected rules over one notebook, applies suppressions once for every rule, and
//! reports the suppressions that silenced nothing.

use crate::diagnostic::Diagnostic;
use crate::registry::{Context, Rule, all_rules};
use crate::rules::NB002_UNUSED_SUPPRESSION;
use crate::settings::RuleSelection;
use crate::suppression::suppressions;

/// Lints one notebook: every rule that `selection` enables (and, for rules that need names,
/// only when the cells were analysed). Diagnostics come sorted by cell, position and code.
pub fn lint(context: &Context<'_>, selection: &RuleSelection) -> Vec<Diagnostic> {
    let suppressions = suppressions(context.notebook);
    let mut used = vec![false; suppressions.len()];
    let mut ran: Vec<&Rule> = Vec::new();
    let mut diagnostics = Vec::new();
    let mut findings = Vec::new();
    for rule in all_rules() {
        if !selection.is_enabled(rule) || (rule.needs_analysis && !context.analysed) {
            continue;
        }
        ran.push(rule);
        findings.clear();
        (rule.check)(context, &mut findings);
        for finding in findings.drain(..) {
            let mut suppressed = false;
            for (index, suppression) in suppressions.iter().enumerate() {
                if suppression.covers(rule, finding.cell) {
                    used[index] = true;
                    suppressed = true;
                }
            }
            if !suppressed {
                diagnostics.push(Diagnostic {
                    code: rule.code,
                    name: rule.name,
                    message: finding.message,
                    severity: rule.severity,
                    cell: finding.cell,
                    span: finding.span,
                    related: finding.related,
                    fix: finding.fix,
                });
            }
        }
    }
    if selection.is_enabled(&NB002_UNUSED_SUPPRESSION) {
        for (suppression, used) in suppressions.iter().zip(used) {
            let message = match suppression.rule {
                None => format!(
                    "`{}` in `nblint: allow(..)` is not a rule code or name",
                    suppression.text
                ),
                Some(rule) if !used && ran.iter().any(|ran| ran.code == rule.code) => format!(
                    "`{}` is allowed here but {} ({}) reports nothing {}",
                    suppression.text,
                    rule.code,
                    rule.name,
                    if suppression.notebook_wide {
                        "in this notebook"
                    } else {
                        "in this cell"
                    }
                ),
                Some(_) => continue,
            };
            diagnostics.push(Diagnostic {
                code: NB002_UNUSED_SUPPRESSION.code,
                name: NB002_UNUSED_SUPPRESSION.name,
                message,
                severity: NB002_UNUSED_SUPPRESSION.severity,
                cell: suppression.cell,
                span: suppression.span,
                related: Vec::new(),
                fix: None,
            });
        }
    }
    diagnostics.sort_by(|a, b| {
        (a.cell, a.span.start, a.code, &a.message).cmp(&(b.cell, b.span.start, b.code, &b.message))
    });
    diagnostics
}
