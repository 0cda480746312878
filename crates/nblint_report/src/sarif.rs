//! The `sarif` format: a SARIF 2.1.0 log with one run, the rules that fired, and one result
//! per diagnostic. A SARIF viewer shows the `.ipynb` file's text, so the region is the line of
//! the file that holds the cell's line; each result also names its cell as a logical location
//! and carries the cell-relative position in its message and properties.

use std::collections::BTreeMap;

use nblint_lint::{Severity, find_rule};
use serde_json::{Value, json};

use crate::{NotebookReport, ReadFailure, cell_range};

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// The first paragraph under `## What it finds` in a rule's page.
fn short_description(documentation: &str) -> String {
    documentation
        .split("## What it finds")
        .nth(1)
        .and_then(|rest| rest.trim_start().split("\n\n").next())
        .map(|paragraph| paragraph.split_whitespace().collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// The log; a notebook that could not be read is a result of rule NB000 (io-error) and a
/// tool execution notification of an unsuccessful invocation.
pub(crate) fn render(reports: &[NotebookReport<'_>], failures: &[ReadFailure]) -> Vec<u8> {
    // Rules that fired, in code order, and their index in `tool.driver.rules`.
    let mut fired: BTreeMap<&str, usize> = BTreeMap::new();
    for diagnostic in reports.iter().flat_map(|report| report.diagnostics) {
        fired.insert(diagnostic.code, 0);
    }
    let io_error = crate::io_error_rule();
    if !failures.is_empty() {
        fired.insert(io_error.code, 0);
    }
    let mut rules = Vec::new();
    for (index, (code, slot)) in fired.iter_mut().enumerate() {
        *slot = index;
        let rule = find_rule(code);
        rules.push(json!({
            "id": code,
            "name": rule.map_or("", |rule| rule.name),
            "shortDescription": {"text": rule.map(|rule| short_description(rule.documentation)).unwrap_or_default()},
            "fullDescription": {"text": rule.map_or("", |rule| rule.documentation)},
            "defaultConfiguration": {"level": rule.map_or("warning", |rule| level(rule.severity))},
        }));
    }
    let mut results = Vec::new();
    for report in reports {
        for diagnostic in report.diagnostics {
            let range = cell_range(report.notebook, diagnostic.cell, diagnostic.span);
            results.push(json!({
                "ruleId": diagnostic.code,
                "ruleIndex": fired.get(diagnostic.code).copied().unwrap_or(0),
                "level": level(diagnostic.severity),
                "message": {"text": format!(
                    "cell {}, line {}, column {}: {}",
                    diagnostic.cell, range.line, range.column, diagnostic.message
                )},
                "locations": [{
                    "physicalLocation": physical_location(report, diagnostic.cell, range.line),
                    "logicalLocations": [{"name": format!("cell {}", diagnostic.cell), "kind": "object"}],
                }],
                "properties": {
                    "cell": diagnostic.cell,
                    "line": range.line,
                    "column": range.column,
                    "endLine": range.end_line,
                    "endColumn": range.end_column,
                },
            }));
        }
    }
    let mut notifications = Vec::new();
    for failure in failures {
        let (line, column) = failure.line_column();
        let mut location = json!({
            "physicalLocation": failure_location(failure),
        });
        if let Some(cell) = failure.cell {
            location["logicalLocations"] =
                json!([{"name": format!("cell {cell}"), "kind": "object"}]);
        }
        let mut properties = json!({"line": line, "column": column});
        if let Some(cell) = failure.cell {
            properties["cell"] = json!(cell);
        }
        results.push(json!({
            "ruleId": io_error.code,
            "ruleIndex": fired.get(io_error.code).copied().unwrap_or(0),
            "level": "error",
            "message": {"text": failure.message},
            "locations": [location.clone()],
            "properties": properties,
        }));
        notifications.push(json!({
            "level": "error",
            "message": {"text": failure.message},
            "descriptor": {"id": io_error.code},
            "locations": [location],
        }));
    }
    let mut run = json!({
        "tool": {"driver": {
            "name": "nblint",
            "version": env!("CARGO_PKG_VERSION"),
            "informationUri": "https://github.com/nblint/nblint",
            "rules": rules,
        }},
        "results": results,
    });
    if !notifications.is_empty() {
        run["invocations"] = json!([{
            "executionSuccessful": false,
            "toolExecutionNotifications": notifications,
        }]);
    }
    let log: Value = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [run],
    });
    let mut out = serde_json::to_vec_pretty(&log).unwrap_or_default();
    out.push(b'\n');
    out
}

/// The file, and the line of the file that holds the cell's line when known.
fn physical_location(report: &NotebookReport<'_>, cell: usize, line: usize) -> Value {
    let artifact = json!({"uri": uri(&report.path)});
    match report.file_line(cell, line) {
        Some(file_line) => {
            json!({"artifactLocation": artifact, "region": {"startLine": file_line}})
        }
        None => json!({"artifactLocation": artifact}),
    }
}

/// The file of a failure, and its line and column when known.
fn failure_location(failure: &ReadFailure) -> Value {
    let artifact = json!({"uri": uri(&failure.path)});
    match failure.position {
        Some(position) => json!({
            "artifactLocation": artifact,
            "region": {"startLine": position.line, "startColumn": position.column},
        }),
        None => json!({"artifactLocation": artifact}),
    }
}

/// What a URI path segment may not hold as is (RFC 3986): controls, space, and the
/// delimiters `"#%<>?[]^`{|}`; non-ASCII bytes are escaped too. `/` separates segments.
const NOT_IN_PATH: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// A relative URI reference for a path: forward slashes, and every byte a URI path may not
/// hold percent-encoded.
fn uri(path: &str) -> String {
    percent_encoding::utf8_percent_encode(&path.replace('\\', "/"), NOT_IN_PATH).to_string()
}

#[cfg(test)]
mod tests {
    use super::uri;

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(uri("notebooks/a b.ipynb"), "notebooks/a%20b.ipynb");
        assert_eq!(uri("dir\\50%#1?.ipynb"), "dir/50%25%231%3F.ipynb");
        assert_eq!(uri("café/[x].ipynb"), "caf%C3%A9/%5Bx%5D.ipynb");
        assert_eq!(uri("plain/path-1_2.ipynb"), "plain/path-1_2.ipynb");
    }
}
