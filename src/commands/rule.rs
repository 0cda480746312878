//! `nblint rule [CODE]`: print a rule's documentation, or every rule's.

use std::io::Write;

use anyhow::{Result, bail};
use clap::Args;
use nblint_lint::{all_rules, find_rule};

use crate::ExitStatus;

/// Arguments of `nblint rule`.
#[derive(Debug, Args)]
pub struct RuleArgs {
    /// A rule code (`NB201`) or name (`undefined-above`); without it, every rule
    pub code: Option<String>,
    /// Print a table of codes, names, severities, fixability and whether the rule is in the
    /// default selection, instead of the pages
    #[arg(long)]
    pub list: bool,
}

/// Prints rule documentation.
pub fn run(args: &RuleArgs) -> Result<ExitStatus> {
    let mut stdout = std::io::stdout().lock();
    if args.list {
        for rule in all_rules() {
            let line = format!(
                "{}  {:<26} {:<8} {:<8} {}",
                rule.code,
                rule.name,
                rule.severity.as_str(),
                if rule.fixable { "fixable" } else { "" },
                if rule.in_default_selection {
                    ""
                } else {
                    "not in the default selection"
                }
            );
            writeln!(stdout, "{}", line.trim_end())?;
        }
        return Ok(ExitStatus::Success);
    }
    match &args.code {
        Some(code) => {
            let Some(rule) = find_rule(code) else {
                bail!("unknown rule `{code}`: `nblint rule --list` lists them");
            };
            stdout.write_all(rule.documentation.as_bytes())?;
        }
        None => {
            for (index, rule) in all_rules().iter().enumerate() {
                if index > 0 {
                    stdout.write_all(b"\n")?;
                }
                stdout.write_all(rule.documentation.as_bytes())?;
            }
        }
    }
    Ok(ExitStatus::Success)
}
