//! The contract of `nblint check --fix`, checked on a notebook before and after the fix with
//! parsers of this test's own (ruff's Python parser and syn), never nblint's analysis:
//!
//! 1. every code cell that parsed before still parses (and a `%%` cell magic cell, which is
//!    not Python, stays byte-identical); a Rust cell gains no second `use` binding of a name
//!    (E0252), which parses but no longer compiles;
//! 2. the code other than imports (Python top-level `import`/`from` statements and
//!    `%pip`/`!pip` lines, Rust `use`, `extern crate` and `:dep`) is unchanged and in the
//!    same order, statement by statement; a cell that did not parse before may only lose or
//!    gain whole unindented import lines;
//! 3. no cell is deleted that has outputs, attachments, non-volatile metadata or
//!    non-whitespace source;
//! 4. nothing but the source of a code cell changes: outputs, attachments, metadata, ids,
//!    execution counts, non-code cells and the notebook's own fields stay as they were;
//! 5. a second `--fix` changes nothing;
//! 6. (DESIGN.md, "Fixes") a safe fix keeps what each Python import means: it never moves an
//!    import above environment setup (`os.environ`, `sys.path`, `%pip`, ...) or above a
//!    statement that rebinds or deletes a name it binds, and never removes a repeated import
//!    when such a statement comes between it and the one above.

use std::collections::BTreeMap;
use std::fmt;

use ruff_text_size::Ranged;
use serde_json::{Map, Value};

/// Cell metadata keys that front ends rewrite on their own; a blank cell holding only these
/// may be deleted.
const VOLATILE_METADATA: &[&str] = &[
    "collapsed",
    "scrolled",
    "ExecuteTime",
    "execution",
    "heading_collapsed",
    "hidden",
];

/// The cell language of a notebook, as far as this test reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Language {
    /// IPython cells.
    Python,
    /// evcxr cells.
    Rust,
}

/// One broken promise of the fix, with enough context to find it.
#[derive(Clone, Debug)]
pub struct Violation {
    /// The notebook's file name.
    pub notebook: String,
    /// The cell, numbered from 1 over all cells of the notebook before the fix.
    pub cell: Option<usize>,
    /// Which invariant (`"1"` to `"6"`, `"1 E0252"` for a duplicate `use` binding).
    pub invariant: &'static str,
    /// What went wrong.
    pub message: String,
    /// The relevant text before the fix.
    pub before: String,
    /// The relevant text after the fix.
    pub after: String,
    /// The rules whose fixes touched this cell (filled in by the runner, if it knows).
    pub rules: Vec<String>,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.notebook)?;
        if let Some(cell) = self.cell {
            write!(f, " cell {cell}")?;
        }
        write!(f, ": invariant {}: {}", self.invariant, self.message)?;
        if !self.rules.is_empty() {
            write!(f, " [fixes offered there: {}]", self.rules.join(", "))?;
        }
        writeln!(f)?;
        if !self.before.is_empty() || !self.after.is_empty() {
            writeln!(f, "    before: {}", indent(&self.before))?;
            writeln!(f, "    after:  {}", indent(&self.after))?;
        }
        Ok(())
    }
}

fn indent(text: &str) -> String {
    text.replace('\n', "\n            ")
}

/// Checks invariants 1–5 for one notebook: its bytes before the fix, after the first
/// `--fix` and after a second `--fix`.
pub fn check_notebook(name: &str, before: &[u8], after: &[u8], refixed: &[u8]) -> Vec<Violation> {
    let mut found = Found {
        notebook: name.to_owned(),
        violations: Vec::new(),
    };
    found.same_bytes(
        "5",
        "a second --fix changed the notebook again",
        after,
        refixed,
    );
    let Ok(before_json) = serde_json::from_slice::<Value>(before) else {
        // Not JSON: nblint must leave it alone.
        found.same_bytes(
            "4",
            "a notebook that is not JSON was rewritten",
            before,
            after,
        );
        return found.violations;
    };
    let after_json = match serde_json::from_slice::<Value>(after) {
        Ok(json) => json,
        Err(error) => {
            found.push(
                None,
                "4",
                &format!("the fixed notebook is not valid JSON: {error}"),
                String::new(),
                String::new(),
            );
            return found.violations;
        }
    };
    let (Some(before_root), Some(after_root)) = (before_json.as_object(), after_json.as_object())
    else {
        if before_json != after_json {
            found.push(
                None,
                "4",
                "a non-object notebook changed",
                String::new(),
                String::new(),
            );
        }
        return found.violations;
    };
    compare_notebook_fields(&mut found, before_root, after_root);
    let language = language_of(before_root);
    let before_cells = cells_of(before_root);
    let after_cells = cells_of(after_root);
    let pairs = align(&before_cells, &after_cells);
    let mut matched_after = vec![false; after_cells.len()];
    for (index, cell) in before_cells.iter().enumerate() {
        let number = Some(index + 1);
        match pairs[index] {
            None => {
                if let Some(reason) = keeps_data(cell, language) {
                    found.push(
                        number,
                        "3",
                        &format!("a cell with {reason} was deleted"),
                        snippet(&cell.text),
                        String::from("(deleted)"),
                    );
                }
            }
            Some(partner) => {
                matched_after[partner] = true;
                compare_cell(&mut found, number, cell, &after_cells[partner], language);
            }
        }
    }
    for (index, cell) in after_cells.iter().enumerate() {
        if !matched_after[index] && !is_import_only_cell(cell, language) {
            found.push(
                None,
                "4",
                &format!("a {} cell was added at position {}", cell.kind, index + 1),
                String::new(),
                snippet(&cell.text),
            );
        }
    }
    if language == Some(Language::Python) {
        check_import_order(&mut found, &before_cells, &after_cells);
    }
    found.violations
}

/// Violations of one notebook, as they are found.
struct Found {
    notebook: String,
    violations: Vec<Violation>,
}

impl Found {
    fn push(
        &mut self,
        cell: Option<usize>,
        invariant: &'static str,
        message: &str,
        before: String,
        after: String,
    ) {
        self.violations.push(Violation {
            notebook: self.notebook.clone(),
            cell,
            invariant,
            message: message.to_owned(),
            before,
            after,
            rules: Vec::new(),
        });
    }

    /// Invariant `invariant` for the whole file: the same bytes before and after, else a
    /// violation showing where they first differ.
    fn same_bytes(&mut self, invariant: &'static str, message: &str, before: &[u8], after: &[u8]) {
        if before != after {
            let (was, now) = byte_snippets(before, after);
            self.push(None, invariant, message, was, now);
        }
    }
}

/// The notebook's cell language from its kernel metadata (`kernelspec.language`,
/// `language_info.name`, `kernelspec.name`, nbformat 3's per-cell `language`); `None` for any
/// other language or when nothing says.
pub fn language_of(root: &Map<String, Value>) -> Option<Language> {
    let metadata = root.get("metadata");
    let at = |path: &[&str]| {
        let mut value = metadata?;
        for key in path {
            value = value.get(key)?;
        }
        value.as_str()
    };
    let v3_cell_language = root
        .get("worksheets")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|worksheet| worksheet.get("cells").and_then(Value::as_array))
        .flatten()
        .find_map(|cell| cell.get("language").and_then(Value::as_str));
    [
        at(&["kernelspec", "language"]),
        at(&["language_info", "name"]),
        at(&["kernelspec", "name"]),
        v3_cell_language,
    ]
    .into_iter()
    .flatten()
    .map(str::to_ascii_lowercase)
    .find(|name| !name.is_empty())
    .and_then(|name| {
        if name == "rust" {
            Some(Language::Rust)
        } else if name.starts_with("python") || name == "ipython" {
            Some(Language::Python)
        } else {
            None
        }
    })
}

/// A cell as this test sees it: its JSON object, the key its text lives under and the text.
pub struct CellView<'a> {
    object: &'a Map<String, Value>,
    kind: String,
    text_key: &'static str,
    text: String,
    /// Everything but the text, serialised in order: what must not change.
    skeleton: String,
    /// The text without blank and import-looking lines: what a fix leaves of a cell, used
    /// only to pair cells before and after.
    signature: String,
}

impl CellView<'_> {
    /// The cell's text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether it is a code cell.
    pub fn is_code(&self) -> bool {
        self.kind == "code"
    }
}

/// The cells of a notebook in order (nbformat 3's worksheets one after the other).
pub fn cells_of(root: &Map<String, Value>) -> Vec<CellView<'_>> {
    let v3 = root.get("nbformat").and_then(Value::as_u64) == Some(3);
    let lists: Vec<&Vec<Value>> = if v3 {
        root.get("worksheets")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|worksheet| worksheet.get("cells").and_then(Value::as_array))
            .collect()
    } else {
        root.get("cells")
            .and_then(Value::as_array)
            .into_iter()
            .collect()
    };
    lists
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .map(|object| {
            let kind = object
                .get("cell_type")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            // nbformat 3 keeps code in `input`; a cell that has only the other key is read
            // from that one, so a fix cannot hide text it did not see.
            let (canonical, other) = if v3 && kind == "code" {
                ("input", "source")
            } else {
                ("source", "input")
            };
            let text_key = if object.contains_key(canonical) || !object.contains_key(other) {
                canonical
            } else {
                other
            };
            let text = text_of(object.get(text_key));
            let rest: Map<String, Value> = object
                .iter()
                .filter(|(key, _)| key.as_str() != text_key)
                .map(|(key, value)| (key.clone(), value.clone()))
                .collect();
            CellView {
                object,
                kind,
                text_key,
                skeleton: serde_json::to_string(&rest).unwrap_or_default(),
                signature: signature(&text),
                text,
            }
        })
        .collect()
}

fn signature(text: &str) -> String {
    let without = |text: &str, language| -> String {
        line_units(text, language)
            .into_iter()
            .filter(|unit| !unit.import && !unit.text.trim().is_empty())
            .map(|unit| unit.text.trim().to_owned())
            .collect::<Vec<_>>()
            .join("\n")
    };
    without(&without(text, Language::Rust), Language::Python)
}

/// A `source`/`input` value as text: a string, or a list of lines joined.
fn text_of(value: Option<&Value>) -> String {
    match value {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Array(lines)) => lines.iter().filter_map(Value::as_str).collect(),
        _ => String::new(),
    }
}

/// Every field of the notebook but its cells: `metadata`, `nbformat`, worksheet fields.
fn compare_notebook_fields(
    found: &mut Found,
    before: &Map<String, Value>,
    after: &Map<String, Value>,
) {
    let keys: std::collections::BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    for key in keys {
        match key.as_str() {
            "cells" => {}
            "worksheets" => {
                let sheets = |root: &Map<String, Value>| -> Vec<String> {
                    root.get("worksheets")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .map(|sheet| {
                            let mut sheet = sheet.clone();
                            if let Some(object) = sheet.as_object_mut() {
                                object.remove("cells");
                            }
                            serde_json::to_string(&sheet).unwrap_or_default()
                        })
                        .collect()
                };
                if sheets(before) != sheets(after) {
                    found.push(
                        None,
                        "4",
                        "the worksheets' own fields changed",
                        sheets(before).join(", "),
                        sheets(after).join(", "),
                    );
                }
            }
            _ => compare_field(found, None, "the notebook's", key, before, after),
        }
    }
}

/// Invariant 4 for one field, `key` of `whose` (the notebook's, the cell's): the same before
/// and after, or absent from both.
fn compare_field(
    found: &mut Found,
    number: Option<usize>,
    whose: &str,
    key: &str,
    before: &Map<String, Value>,
    after: &Map<String, Value>,
) {
    let was = before.get(key).map(serialised);
    let now = after.get(key).map(serialised);
    if was != now {
        found.push(
            number,
            "4",
            &format!("{whose} `{key}` changed"),
            clip(&was.unwrap_or_else(|| "(absent)".into())),
            clip(&now.unwrap_or_else(|| "(absent)".into())),
        );
    }
}

fn serialised(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// Pairs each cell before the fix with its cell after (or `None` when it was deleted):
/// an order-keeping alignment that prefers cells of the same type whose other fields, and
/// then text, are unchanged.
fn align(before: &[CellView<'_>], after: &[CellView<'_>]) -> Vec<Option<usize>> {
    let (before_count, after_count) = (before.len(), after.len());
    let weight = |at_before: usize, at_after: usize| -> i64 {
        let (b, a) = (&before[at_before], &after[at_after]);
        // Only a cell that kept its other fields, or its code other than imports, can be
        // the same cell: pairing unrelated cells would report edits nobody made.
        let same_fields = b.skeleton == a.skeleton;
        let same_code = b.signature == a.signature;
        if b.kind != a.kind || !(same_fields || same_code || b.text == a.text) {
            return 0;
        }
        1 + 4 * i64::from(same_fields) + 2 * i64::from(b.text == a.text) + 2 * i64::from(same_code)
    };
    // best[x][y]: the best total weight aligning before[x..] with after[y..].
    let mut best = vec![vec![0_i64; after_count + 1]; before_count + 1];
    for at_before in (0..before_count).rev() {
        for at_after in (0..after_count).rev() {
            let pair_weight = weight(at_before, at_after);
            let pair = if pair_weight > 0 {
                pair_weight + best[at_before + 1][at_after + 1]
            } else {
                0
            };
            best[at_before][at_after] = pair
                .max(best[at_before + 1][at_after])
                .max(best[at_before][at_after + 1]);
        }
    }
    let mut pairs = vec![None; before_count];
    let (mut at_before, mut at_after) = (0, 0);
    while at_before < before_count && at_after < after_count {
        let pair_weight = weight(at_before, at_after);
        if pair_weight > 0
            && best[at_before][at_after] == pair_weight + best[at_before + 1][at_after + 1]
        {
            pairs[at_before] = Some(at_after);
            at_before += 1;
            at_after += 1;
        } else if best[at_before][at_after] == best[at_before + 1][at_after] {
            at_before += 1;
        } else {
            at_after += 1;
        }
    }
    pairs
}

/// Whether a cell whose whole text was imports may be deleted once the fix has moved them
/// to another cell or removed them as duplicates. Invariant 3 read to the letter ("any
/// non-whitespace source text" before the fix) says no; but then a fixer could never hoist the
/// last import out of a cell, since the blank cell it leaves would be deleted by the next
/// `--fix` (breaking invariant 5). Deleting such a cell loses no data, so it is allowed;
/// comments, code, outputs, attachments and non-volatile metadata still keep a cell.
const IMPORT_ONLY_CELL_MAY_GO: bool = false;

/// Why a deleted cell should have been kept, or `None` if deleting it loses nothing.
fn keeps_data(cell: &CellView<'_>, language: Option<Language>) -> Option<String> {
    let object = cell.object;
    if object
        .get("outputs")
        .and_then(Value::as_array)
        .is_some_and(|outputs| !outputs.is_empty())
    {
        return Some("outputs".into());
    }
    if object
        .get("attachments")
        .is_some_and(|attachments| attachments.as_object().is_none_or(|map| !map.is_empty()))
    {
        return Some("attachments".into());
    }
    if let Some(metadata) = object.get("metadata") {
        let kept: Vec<&String> = metadata
            .as_object()
            .into_iter()
            .flatten()
            .map(|(key, _)| key)
            .filter(|key| !VOLATILE_METADATA.contains(&key.as_str()))
            .collect();
        if !kept.is_empty() {
            return Some(format!("metadata {kept:?}"));
        }
    }
    for key in ["source", "input"] {
        let text = text_of(object.get(key));
        let only_imports = |language| {
            line_units(&text, language)
                .iter()
                .all(|unit| unit.import || unit.text.trim().is_empty())
        };
        if !(text.trim().is_empty()
            || (IMPORT_ONLY_CELL_MAY_GO && language.is_some_and(only_imports)))
        {
            return Some(format!("text in `{key}`"));
        }
    }
    None
}

/// An added cell is allowed only as a code cell of imports alone, with nothing else in it.
fn is_import_only_cell(cell: &CellView<'_>, language: Option<Language>) -> bool {
    if cell.kind != "code"
        || keeps_data(cell, language).is_some_and(|reason| !reason.starts_with("text"))
    {
        return false;
    }
    match language {
        Some(Language::Python) => {
            python_units(&cell.text).is_ok_and(|units| units.iter().all(|unit| unit.import))
        }
        Some(Language::Rust) => rust_cell(&cell.text)
            .is_ok_and(|parsed| parsed.code.is_empty() && parsed.commands.is_empty()),
        None => false,
    }
}

/// Invariants 1, 2 and 4 for a cell that is still there.
fn compare_cell(
    found: &mut Found,
    number: Option<usize>,
    before: &CellView<'_>,
    after: &CellView<'_>,
    language: Option<Language>,
) {
    // Invariant 4: every field but the text is as it was.
    let keys: std::collections::BTreeSet<&String> =
        before.object.keys().chain(after.object.keys()).collect();
    for key in keys {
        if key.as_str() == before.text_key {
            continue;
        }
        compare_field(
            found,
            number,
            "the cell's",
            key,
            before.object,
            after.object,
        );
    }
    let after_text = text_of(after.object.get(before.text_key));
    if before.text == after_text {
        return;
    }
    if before.kind != "code" {
        let (was, now) = line_snippets(&before.text, &after_text);
        found.push(
            number,
            "4",
            &format!("the text of a {} cell changed", before.kind),
            was,
            now,
        );
        return;
    }
    match language {
        Some(Language::Python) => compare_python(found, number, &before.text, &after_text),
        Some(Language::Rust) => compare_rust(found, number, &before.text, &after_text),
        None => {}
    }
}

fn compare_python(found: &mut Found, number: Option<usize>, before: &str, after: &str) {
    let (was, now) = line_snippets(before, after);
    if is_cell_magic(before) {
        found.push(
            number,
            "1",
            "a `%%` cell magic cell (not Python) was edited",
            was,
            now,
        );
        return;
    }
    // `pip install x` alone in its cell runs as IPython's automagic `%pip`; with any other
    // line in the cell IPython applies no automagic and the line is a syntax error.
    if is_one_line_automagic(before) && after.trim() != before.trim() && !after.trim().is_empty() {
        found.push(
            number,
            "1",
            "a one-line automagic cell (run as a magic only while alone) was edited",
            was,
            now,
        );
        return;
    }
    let Some((before_units, after_units)) = parse_both(
        found,
        number,
        (before, after),
        Language::Python,
        python_units,
    ) else {
        return;
    };
    let code = |units: &[Unit]| other_code(units.iter());
    compare_sequences(found, number, &code(&before_units), &code(&after_units));
}

/// The cell before and after the fix, each parsed with `parse`, when both parse. A cell
/// that parsed before and no longer does is a violation; one that did not parse before is
/// held to what can be checked without parsing ([`compare_unparsed`]).
fn parse_both<T>(
    found: &mut Found,
    number: Option<usize>,
    (before, after): (&str, &str),
    language: Language,
    parse: fn(&str) -> Result<T, String>,
) -> Option<(T, T)> {
    let Ok(parsed_before) = parse(before) else {
        compare_unparsed(found, number, before, after, language);
        return None;
    };
    match parse(after) {
        Ok(parsed_after) => Some((parsed_before, parsed_after)),
        Err(error) => {
            let (was, now) = line_snippets(before, after);
            found.push(
                number,
                "1",
                &format!("the cell parsed before the fix and no longer does: {error}"),
                was,
                now,
            );
            None
        }
    }
}

/// Where two sequences first differ: the first index where they disagree, else the length
/// of the shorter.
fn first_difference<T: PartialEq>(before: &[T], after: &[T]) -> usize {
    before
        .iter()
        .zip(after)
        .position(|(a, b)| a != b)
        .unwrap_or(before.len().min(after.len()))
}

fn compare_rust(found: &mut Found, number: Option<usize>, before: &str, after: &str) {
    let Some((before_cell, after_cell)) =
        parse_both(found, number, (before, after), Language::Rust, rust_cell)
    else {
        return;
    };
    let (was, now) = line_snippets(before, after);
    if before_cell.commands != after_cell.commands {
        found.push(
            number,
            "2",
            "the evcxr commands other than `:dep` changed",
            before_cell.commands.join("\n"),
            after_cell.commands.join("\n"),
        );
    }
    if before_cell.inner != after_cell.inner {
        found.push(
            number,
            "2",
            "the cell's inner attributes changed",
            was.clone(),
            now.clone(),
        );
    }
    if before_cell.code != after_cell.code {
        let index = first_difference(&before_cell.code, &after_cell.code);
        found.push(
            number,
            "2",
            &format!(
                "statement {} (not a `use`) changed: {} statements before, {} after",
                index + 1,
                before_cell.code.len(),
                after_cell.code.len()
            ),
            was.clone(),
            now.clone(),
        );
    }
    for (name, count) in &after_cell.bindings {
        let before_count = before_cell.bindings.get(name).copied().unwrap_or(0);
        if *count > 1 && *count > before_count {
            found.push(
                number,
                "1 E0252",
                &format!("`{name}` is now bound by {count} `use` items in the cell"),
                was.clone(),
                now.clone(),
            );
        }
    }
}

/// Two sequences of non-import statements: equal, or the first difference is reported.
fn compare_sequences(
    found: &mut Found,
    number: Option<usize>,
    before: &[String],
    after: &[String],
) {
    if before == after {
        return;
    }
    let index = first_difference(before, after);
    let at = |units: &[String]| {
        units
            .get(index)
            .map_or_else(|| "(no statement)".to_owned(), |text| snippet(text))
    };
    found.push(
        number,
        "2",
        &format!(
            "top-level statement {} (not an import) changed: {} such statements before, {} after",
            index + 1,
            before.len(),
            after.len()
        ),
        at(before),
        at(after),
    );
}

/// A cell that did not parse before: the fix may only take out or add whole import lines
/// that start at column 0, because nothing else can be verified.
fn compare_unparsed(
    found: &mut Found,
    number: Option<usize>,
    before: &str,
    after: &str,
    language: Language,
) {
    let before_units = line_units(before, language);
    let after_units = line_units(after, language);
    let (before_count, after_count) = (before_units.len(), after_units.len());
    let (was, now) = line_snippets(before, after);
    if before_count.saturating_mul(after_count) > 4_000_000 {
        found.push(
            number,
            "2",
            "a large cell that did not parse before was edited",
            was,
            now,
        );
        return;
    }
    // Longest common subsequence of units; what is left over on either side is the edit.
    let mut common = vec![vec![0_u32; after_count + 1]; before_count + 1];
    for at_before in (0..before_count).rev() {
        for at_after in (0..after_count).rev() {
            common[at_before][at_after] =
                if before_units[at_before].text == after_units[at_after].text {
                    common[at_before + 1][at_after + 1] + 1
                } else {
                    common[at_before + 1][at_after].max(common[at_before][at_after + 1])
                };
        }
    }
    let (mut at_before, mut at_after) = (0, 0);
    let mut changed: Vec<&LineUnit> = Vec::new();
    while at_before < before_count || at_after < after_count {
        if at_before < before_count
            && at_after < after_count
            && before_units[at_before].text == after_units[at_after].text
        {
            at_before += 1;
            at_after += 1;
        } else if at_after >= after_count
            || (at_before < before_count
                && common[at_before + 1][at_after] >= common[at_before][at_after + 1])
        {
            changed.push(&before_units[at_before]);
            at_before += 1;
        } else {
            changed.push(&after_units[at_after]);
            at_after += 1;
        }
    }
    if let Some(unit) = changed
        .iter()
        .find(|unit| !unit.import && !unit.text.trim().is_empty())
    {
        found.push(
            number,
            "2",
            &format!(
                "the cell did not parse before the fix, and a line that is not an unindented import changed: {}",
                clip(unit.text.trim_end())
            ),
            was,
            now,
        );
    }
}

/// A line, or the lines of one multi-line import, of a cell that does not parse.
struct LineUnit {
    text: String,
    import: bool,
}

fn line_units(source: &str, language: Language) -> Vec<LineUnit> {
    let lines: Vec<&str> = source.lines().collect();
    let mut units = Vec::new();
    let mut index = 0;
    while index < lines.len() {
        let line = lines[index];
        let starts_import = match language {
            Language::Python => {
                (is_python_import_start(line) && !line.contains(';'))
                    || (!line.starts_with([' ', '\t']) && is_pip_line(line))
                    || (is_one_line_automagic(source) && line.trim_start().starts_with("pip "))
            }
            Language::Rust => {
                let trimmed = line.trim_end();
                [
                    "use ",
                    "pub use ",
                    "pub(crate) use ",
                    "extern crate ",
                    ":dep ",
                ]
                .iter()
                .any(|start| line.starts_with(start))
                    && trimmed.matches(';').count() <= 1
                    && (trimmed.ends_with(';') || !trimmed.contains(';'))
            }
        };
        let mut end = index + 1;
        if starts_import {
            let mut text = line.to_owned();
            let open = |text: &str| match language {
                Language::Python => {
                    text.matches(['(', '[', '{']).count() > text.matches([')', ']', '}']).count()
                        || text.trim_end().ends_with('\\')
                }
                Language::Rust => !text.starts_with(":dep") && !text.trim_end().ends_with(';'),
            };
            while open(&text) && end < lines.len() {
                text.push('\n');
                text.push_str(lines[end]);
                end += 1;
            }
            units.push(LineUnit { text, import: true });
        } else {
            units.push(LineUnit {
                text: line.trim_end().to_owned(),
                import: false,
            });
        }
        index = end;
    }
    units
}

fn is_python_import_start(line: &str) -> bool {
    let keyword_then_space = |keyword: &str| {
        line.strip_prefix(keyword)
            .is_some_and(|rest| rest.starts_with([' ', '\t', '\\', '(']))
    };
    keyword_then_space("import") || (keyword_then_space("from") && line.contains(" import"))
}

// ---------------------------------------------------------------------------------------------
// Invariant 6: imports keep their meaning

/// Statement text that changes what a later import does: environment variables, the module
/// search path, the working folder, installs; each with what it matters to. Reads
/// (`os.environ.get`, `"x" in sys.modules`) are not setup.
const ENVIRONMENT_SETUP: &[(&str, Matters)] = &[
    ("environ.update(", ToAll),
    ("environ.setdefault(", ToAll),
    ("putenv(", ToAll),
    ("load_dotenv(", ToAll),
    ("%env ", ToAll),
    ("%set_env ", ToAll),
    ("sys.path.insert(", ToImports),
    ("sys.path.append(", ToImports),
    ("sys.path.extend(", ToImports),
    ("sys.path +=", ToImports),
    ("sys.path =", ToImports),
    ("site.addsitedir(", ToImports),
    ("chdir(", ToAll),
    ("%cd ", ToAll),
    ("pip install", ToAll),
    ("pip uninstall", ToAll),
    ("conda install", ToAll),
    ("matplotlib.use(", ToImports),
];

/// What a kind of environment setup matters to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Matters {
    /// Imports and pip lines alike.
    ToAll,
    /// An `import`, not a pip line (whose `bound_by_import` is empty).
    ToImports,
}
use Matters::{ToAll, ToImports};

/// Whether a statement sets up the environment: one of [`ENVIRONMENT_SETUP`] (and what it
/// matters to), or an assignment to `os.environ[...]`.
fn environment_setup(unit: &str) -> Option<(&str, Matters)> {
    if let Some(&(marker, matters)) = ENVIRONMENT_SETUP
        .iter()
        .find(|(marker, _)| unit.contains(*marker))
    {
        return Some((marker, matters));
    }
    unit.lines()
        .any(|line| {
            line.split_once("environ[").is_some_and(|(_, rest)| {
                rest.split_once(']').is_some_and(|(_, after)| {
                    let after = after.trim_start();
                    after.starts_with('=') && !after.starts_with("==")
                })
            })
        })
        .then_some(("environ[...] =", ToAll))
}

/// A top-level unit of the whole notebook, in order: an import, or anything else (a cell
/// that is not Python or does not parse is one opaque unit of its non-import lines).
struct NotebookUnit {
    statement: Unit,
    cell: usize,
}

/// The texts of the statements that are not imports, in order: what a fix leaves as it
/// was.
fn other_code<'a>(statements: impl Iterator<Item = &'a Unit>) -> Vec<String> {
    statements
        .filter(|statement| !statement.import)
        .map(|statement| statement.text.clone())
        .collect()
}

fn notebook_units(cells: &[CellView<'_>]) -> Vec<NotebookUnit> {
    let mut units = Vec::new();
    for (index, cell) in cells.iter().enumerate() {
        if !cell.is_code() || cell.text.trim().is_empty() {
            continue;
        }
        let parsed = if is_cell_magic(&cell.text) {
            None
        } else {
            python_units(&cell.text).ok()
        };
        if let Some(parsed) = parsed {
            units.extend(parsed.into_iter().map(|statement| NotebookUnit {
                statement,
                cell: index + 1,
            }));
        } else {
            let rest: Vec<String> = line_units(&cell.text, Language::Python)
                .into_iter()
                .filter(|unit| !unit.import)
                .map(|unit| unit.text)
                .collect();
            units.push(NotebookUnit {
                statement: Unit {
                    text: rest.join("\n"),
                    import: false,
                },
                cell: index + 1,
            });
        }
    }
    units
}

/// Invariant 6 (DESIGN.md, "Fixes": moving a Python import above environment setup is
/// unsafe, so `--fix` must not do it): no import moves above a statement that sets up the
/// environment or rebinds or deletes a name it binds, and no import is removed as a
/// duplicate of one above it when a statement in between rebinds or deletes its names.
/// Checked only when the other code is unchanged (invariant 2), so positions compare.
fn check_import_order(found: &mut Found, before: &[CellView<'_>], after: &[CellView<'_>]) {
    let before_units = notebook_units(before);
    let after_units = notebook_units(after);
    let code = |units: &[NotebookUnit]| other_code(units.iter().map(|unit| &unit.statement));
    let other_code = code(&before_units);
    if other_code != code(&after_units) {
        return;
    }
    // Each import's position: how many other statements come before it, and its cell.
    let positions = |units: &[NotebookUnit]| -> BTreeMap<String, Vec<(usize, usize)>> {
        let mut positions: BTreeMap<String, Vec<(usize, usize)>> = BTreeMap::new();
        let mut others = 0;
        for unit in units {
            if unit.statement.import {
                positions
                    .entry(unit.statement.text.trim().to_owned())
                    .or_default()
                    .push((others, unit.cell));
            } else {
                others += 1;
            }
        }
        positions
    };
    let before_positions = positions(&before_units);
    let after_positions = positions(&after_units);
    let imports_between = |from: usize, to: usize, text: &str| -> Vec<String> {
        before_positions
            .iter()
            .filter(|(other, _)| other.as_str() != text)
            .filter(|(_, places)| places.iter().any(|(at, _)| (from..to).contains(at)))
            .map(|(other, _)| other.clone())
            .collect()
    };
    for (text, was) in &before_positions {
        let now = after_positions.get(text).map_or(&[][..], Vec::as_slice);
        let bound = bound_by_import(text);
        let names: Vec<String> = bound.iter().map(|(name, _)| name.clone()).collect();
        // An import only moves up: pair each one after the fix with the first one before
        // it at or below its position; the ones left over were removed.
        let mut used = vec![false; was.len()];
        for &(position, _) in now {
            let Some(source) = (0..was.len()).find(|&k| !used[k] && was[k].0 >= position) else {
                continue;
            };
            used[source] = true;
            let (from, cell) = was[source];
            let crossed = &other_code[position..from];
            if let Some((reason, culprit)) = crossed
                .iter()
                .find_map(|unit| {
                    changes_meaning(unit, &names, true).map(|reason| (reason, unit.clone()))
                })
                .or_else(|| rebinding_import(&imports_between(position, from, text), &bound))
            {
                found.push(
                    Some(cell),
                    "6",
                    &format!("`{text}` was moved above {reason}"),
                    clip(&culprit),
                    format!("{text:?} now comes before it"),
                );
            }
        }
        for (source, &(from, cell)) in was.iter().enumerate() {
            if used[source] {
                continue;
            }
            // Removed: for each name it binds, the nearest import still there that binds the
            // name to the same path (`import os, sys` serves a removed `import os`) serves
            // it now. A repeated import only rebinds its names (Python caches modules), so
            // only a statement between that rebinds or deletes them makes it matter.
            let crossed = bound.iter().find_map(|leaf| {
                let kept = after_positions
                    .iter()
                    .filter(|(other, _)| bound_by_import(other).contains(leaf))
                    .flat_map(|(_, places)| places.iter().map(|(at, _)| *at))
                    .filter(|at| *at <= from)
                    .max()?;
                let name = std::slice::from_ref(&leaf.0);
                other_code[kept..from]
                    .iter()
                    .find_map(|unit| {
                        changes_meaning(unit, name, false).map(|reason| (reason, unit.clone()))
                    })
                    .or_else(|| {
                        rebinding_import(
                            &imports_between(kept, from, text),
                            std::slice::from_ref(leaf),
                        )
                    })
            });
            if let Some((reason, culprit)) = crossed {
                found.push(
                    Some(cell),
                    "6",
                    &format!("`{text}` was removed as a repeat, but {reason} comes between"),
                    clip(&culprit),
                    String::from("(import removed)"),
                );
            }
        }
    }
}

/// Why crossing `unit` changes what an import binding `names` means, if it does; environment
/// setup counts when the import `moves`.
fn changes_meaning(unit: &str, names: &[String], moves: bool) -> Option<String> {
    if moves
        && let Some((marker, matters)) = environment_setup(unit)
        && !(names.is_empty() && matters == ToImports)
    {
        return Some(format!("environment setup (`{marker}`)"));
    }
    names
        .iter()
        .find(|name| rebinds(unit, name))
        .map(|name| format!("a statement that rebinds or deletes `{name}`"))
}

/// Another import among `imports` that binds one of the names in `bound` to a different
/// module or object (`from matplotlib import pyplot as plt` and `import matplotlib.pyplot as
/// plt` bind the same one).
fn rebinding_import(imports: &[String], bound: &[(String, String)]) -> Option<(String, String)> {
    imports.iter().find_map(|import| {
        let other = bound_by_import(import);
        bound
            .iter()
            .find(|(name, path)| {
                other
                    .iter()
                    .any(|(other_name, other_path)| other_name == name && other_path != path)
            })
            .map(|(name, _)| (format!("another import of `{name}`"), import.clone()))
    })
}

/// The names an `import`/`from ... import` statement binds (none for `*`), each with the
/// dotted path it is bound to (`import a.b` binds `a` to `a`; `import a.b as c` and
/// `from a import b as c` bind `c` to `a.b`).
fn bound_by_import(text: &str) -> Vec<(String, String)> {
    let text = text.replace(['(', ')', '\\', '\n'], " ");
    let (module, list) = if let Some(rest) = text.trim().strip_prefix("from ") {
        match rest.split_once(" import ") {
            Some((module, names)) => (Some(module.trim().to_owned()), names.to_owned()),
            None => return Vec::new(),
        }
    } else if let Some(rest) = text.trim().strip_prefix("import ") {
        (None, rest.to_owned())
    } else {
        return Vec::new();
    };
    let path = |name: &str| match &module {
        Some(module) => format!("{module}.{name}"),
        None => name.to_owned(),
    };
    list.split(',')
        .filter_map(|item| {
            let words: Vec<&str> = item.split_whitespace().collect();
            match words.as_slice() {
                [name, "as", alias] => Some(((*alias).to_owned(), path(name))),
                [name] if *name != "*" => Some(if module.is_some() {
                    ((*name).to_owned(), path(name))
                } else {
                    let root = name.split('.').next().unwrap_or(name);
                    (root.to_owned(), root.to_owned())
                }),
                _ => None,
            }
        })
        .collect()
}

/// Whether a statement rebinds or deletes the global `name` on one of its lines (`name =`,
/// `name += `, `del name`, `for name in`, `def name`, `class name`, `with ... as name`);
/// lines inside a `def` or `class` body bind locals and are skipped.
fn rebinds(unit: &str, name: &str) -> bool {
    let is_name = |word: &str| word.trim() == name;
    let mut local_body: Option<usize> = None;
    // Open brackets before the line: a line inside a call's arguments (`metrics=[...]`) binds
    // nothing.
    let mut depth: i64 = 0;
    unit.lines().any(|line| {
        let body = line.trim_start();
        let indentation = line.len() - body.len();
        let inside_brackets = depth > 0;
        for c in line.chars() {
            match c {
                '(' | '[' | '{' => depth += 1,
                ')' | ']' | '}' => depth -= 1,
                _ => {}
            }
        }
        if body.is_empty() || inside_brackets {
            return false;
        }
        if let Some(depth) = local_body {
            if indentation > depth {
                return false;
            }
            local_body = None;
        }
        let first_word = |prefix: &str| {
            body.strip_prefix(prefix).is_some_and(|rest| {
                rest.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .next()
                    .is_some_and(is_name)
            })
        };
        if first_word("def ") || first_word("class ") || first_word("async def ") {
            return true;
        }
        if ["def ", "class ", "async def ", "@"]
            .iter()
            .any(|start| body.starts_with(start))
        {
            if !body.starts_with('@') {
                local_body = Some(indentation);
            }
            return false;
        }
        if let Some(targets) = body.strip_prefix("del ") {
            return targets.split(',').any(is_name);
        }
        if let Some((targets, _)) = body
            .strip_prefix("for ")
            .and_then(|rest| rest.split_once(" in "))
        {
            return targets.replace(['(', ')'], " ").split(',').any(is_name);
        }
        if body.starts_with("with ") && body.contains(&format!(" as {name}")) {
            return true;
        }
        body.strip_prefix(name).is_some_and(|rest| {
            let rest = rest.trim_start();
            (rest.starts_with('=') && !rest.starts_with("=="))
                || [
                    "+=", "-=", "*=", "/=", "|=", "&=", "^=", "%=", "@=", "//=", "**=", ">>=",
                    "<<=",
                ]
                .iter()
                .any(|operator| rest.starts_with(operator))
                || (rest.starts_with(':') && rest.contains('='))
        })
    })
}

// ---------------------------------------------------------------------------------------------
// Python

/// A top-level statement of a Python cell: its source text, and whether the fix may move or
/// remove it.
pub struct Unit {
    /// The statement's text in the cell (a whole IPython line for masked syntax).
    pub text: String,
    /// An `import`/`from` statement or a pip line.
    pub import: bool,
}

/// Whether the cell is a `%%` cell magic (its first non-blank line starts with `%%`).
pub fn is_cell_magic(source: &str) -> bool {
    source
        .lines()
        .find(|line| !line.trim().is_empty())
        .is_some_and(|line| line.trim_start().starts_with("%%"))
}

/// The top-level statements of a Python cell, or the parse error.
pub fn python_units(source: &str) -> Result<Vec<Unit>, String> {
    let (masked, spans) = mask_python(source);
    let parsed = ruff_python_parser::parse_module(&masked).map_err(|error| error.to_string())?;
    let masked_at = |offset: usize| {
        spans
            .iter()
            .find(|span| span.start <= offset && offset < span.end)
    };
    Ok(parsed
        .suite()
        .iter()
        .map(|statement| {
            let range = statement.range();
            let (start, mut end) = (range.start().to_usize(), range.end().to_usize());
            if let Some(span) = masked_at(start) {
                return Unit {
                    text: source[span.start..span.end].to_owned(),
                    import: span.pip,
                };
            }
            // A compound statement ending in a masked line ends where that line ends.
            if let Some(span) = end.checked_sub(1).and_then(masked_at) {
                end = span.end;
            }
            let text = &source[start..end];
            let keyword = |keyword: &str| {
                text.strip_prefix(keyword).is_some_and(|rest| {
                    rest.starts_with(|c: char| c.is_whitespace() || c == '\\' || c == '(')
                })
            };
            Unit {
                text: text.to_owned(),
                import: keyword("import") || keyword("from"),
            }
        })
        .collect())
}

/// Byte range of IPython syntax replaced before parsing (from the first non-blank character
/// of the line to the end of its last continuation line).
struct MaskedSpan {
    start: usize,
    end: usize,
    pip: bool,
}

/// Replaces IPython-only lines (`%magic`, `!cmd`, `?obj`, `obj?`, `x = !cmd`, `x = %magic`) by
/// `0` at the same indentation, padded to the same length so offsets stay valid, and their
/// `\` continuation lines by spaces.
fn mask_python(source: &str) -> (String, Vec<MaskedSpan>) {
    let mut masked = String::with_capacity(source.len());
    let mut spans: Vec<MaskedSpan> = Vec::new();
    let mut continues = false;
    let mut offset = 0;
    for line in source.split_inclusive('\n') {
        let content = line.trim_end_matches(['\n', '\r']);
        let ending = &line[content.len()..];
        let body = content.trim_start_matches([' ', '\t']);
        let indentation = &content[..content.len() - body.len()];
        if continues {
            masked.push_str(&" ".repeat(content.len()));
            if let Some(span) = spans.last_mut() {
                span.end = offset + content.len();
            }
        } else if is_ipython_line(body) {
            masked.push_str(indentation);
            masked.push('0');
            masked.push_str(&" ".repeat(body.len() - 1));
            spans.push(MaskedSpan {
                start: offset + indentation.len(),
                end: offset + content.len(),
                pip: is_pip_line(body),
            });
        } else {
            masked.push_str(content);
            continues = false;
            masked.push_str(ending);
            offset += line.len();
            continue;
        }
        continues = body.ends_with('\\');
        masked.push_str(ending);
        offset += line.len();
    }
    (masked, spans)
}

/// A cell of one line that IPython runs as an automagic: a shell or install command word
/// (`pip`, `conda`, `cd`, `ls`, ...), a space, and no Python after it (`ls = 3` is Python).
fn is_one_line_automagic(source: &str) -> bool {
    const WORDS: &[&str] = &[
        "cat", "cd", "conda", "cp", "ll", "ls", "mkdir", "mv", "pip", "popd", "pushd", "pwd", "rm",
        "rmdir",
    ];
    let text = source.trim();
    if text.contains('\n') {
        return false;
    }
    let Some((word, rest)) = text.split_once([' ', '\t']) else {
        return false;
    };
    WORDS.contains(&word)
        && !rest
            .trim_start()
            .starts_with(['=', '(', '[', ',', ':', ';', ')', '.'])
}

fn is_ipython_line(body: &str) -> bool {
    // `%name`/`%%name` and `!cmd`, but not `% (a, b)` or `!= 3` continuing an expression.
    let mut chars = body.chars();
    match (chars.next(), chars.next()) {
        (Some('%'), Some(next)) if next.is_alphabetic() || next == '%' => return true,
        (Some('!'), Some(next)) if !next.is_whitespace() && next != '=' => return true,
        (Some('?'), _) => return true,
        _ => {}
    }
    let help = body.trim_end_matches('?');
    if help.len() < body.len()
        && body.len() - help.len() <= 2
        && !help.is_empty()
        && help
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
    {
        return true;
    }
    // `files = !ls`, `result = %timeit -o f()`
    if let Some((target, value)) = body.split_once('=') {
        return !target.is_empty()
            && target
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '_' | ',' | ' ' | '.' | '[' | ']'))
            && !value.starts_with('=')
            && value.trim_start().starts_with(['!', '%']);
    }
    false
}

/// `%pip ...`, `!pip ...`, `!pip3 ...`, `!python -m pip ...`, `!{sys.executable} -m pip ...`.
fn is_pip_line(body: &str) -> bool {
    let body = body.trim_start();
    let Some(command) = body.strip_prefix(['%', '!']) else {
        return false;
    };
    let mut words = command
        .split_whitespace()
        .skip_while(|word| *word == "sudo");
    match words.next() {
        Some(word) if word == "pip" || word.starts_with("pip3") => true,
        Some(word) if word.starts_with("python") || word == "{sys.executable}" => {
            words.next() == Some("-m") && words.next() == Some("pip")
        }
        _ => false,
    }
}

// ---------------------------------------------------------------------------------------------
// Rust

/// A Rust cell read by syn: its evcxr commands other than `:dep`, its statements other than
/// `use` and `extern crate`, and how many top-level `use` items bind each name.
pub struct RustCell {
    /// Leading evcxr commands (`:timing`, `!ls`), without `:dep` lines.
    pub commands: Vec<String>,
    /// Inner attributes at the top of the cell (`#![allow(unused)]`).
    pub inner: Vec<syn::Attribute>,
    /// The statements that the fix must not touch.
    pub code: Vec<syn::Stmt>,
    /// Name bound by a top-level `use` → how many times.
    pub bindings: BTreeMap<String, usize>,
}

/// Parses a Rust cell as a block after blanking its leading evcxr command lines.
pub fn rust_cell(source: &str) -> Result<RustCell, String> {
    let mut masked = String::with_capacity(source.len() + 4);
    let mut commands = Vec::new();
    let mut header = true;
    for line in source.split_inclusive('\n') {
        let content = line.trim_end_matches(['\n', '\r']);
        let body = content.trim();
        if header && (body.starts_with(':') || body.starts_with('!')) {
            if !body.starts_with(":dep") {
                commands.push(body.to_owned());
            }
            masked.push_str(&" ".repeat(content.len()));
            masked.push_str(&line[content.len()..]);
            continue;
        }
        if !(body.is_empty() || body.starts_with("//")) {
            header = false;
        }
        masked.push_str(line);
    }
    let masked = with_use_semicolons(&masked);
    // A cell is the inside of a block, which may open with inner attributes (`#![allow]`).
    let parser = |input: syn::parse::ParseStream<'_>| {
        let inner = input.call(syn::Attribute::parse_inner)?;
        let statements = syn::Block::parse_within(input)?;
        Ok((inner, statements))
    };
    let (inner, statements) =
        syn::parse::Parser::parse_str(parser, &masked).map_err(|error| error.to_string())?;
    let mut bindings = BTreeMap::new();
    let mut code = Vec::new();
    for statement in statements {
        match statement {
            syn::Stmt::Item(syn::Item::Use(item)) => bound_names(&item.tree, None, &mut bindings),
            syn::Stmt::Item(syn::Item::ExternCrate(_)) => {}
            other => code.push(other),
        }
    }
    Ok(RustCell {
        commands,
        inner,
        code,
        bindings,
    })
}

/// The cell with a `;` after each `use` whose tree a line ends without one (`use
/// std::path::Path`, then more code): the evcxr kernel writes each import back with its own
/// `;`, so such cells run. A use tree over several lines ends where its braces close; one
/// that goes on (`::`, `as` on the next line) is left alone.
fn with_use_semicolons(source: &str) -> String {
    let lines: Vec<&str> = source.split_inclusive('\n').collect();
    let mut out = String::with_capacity(source.len() + 8);
    let mut depth: Option<isize> = None;
    for (index, line) in lines.iter().enumerate() {
        let content = line.trim_end_matches(['\n', '\r']);
        let code = content.split("//").next().unwrap_or("").trim_end();
        let trimmed = code.trim_start();
        if depth.is_none()
            && (trimmed.starts_with("use ") || trimmed.starts_with("pub use "))
            && line.len() - line.trim_start().len() == 0
        {
            depth = Some(0);
        }
        let Some(open) = depth.as_mut() else {
            out.push_str(line);
            continue;
        };
        *open += code.matches('{').count() as isize - code.matches('}').count() as isize;
        let next = lines[index + 1..]
            .iter()
            .map(|line| line.trim())
            .find(|line| !line.is_empty() && !line.starts_with("//"));
        let goes_on = next.is_some_and(|next| next.starts_with("::") || next.starts_with("as "))
            || code.ends_with("::")
            || code.ends_with(',');
        if *open > 0 || goes_on {
            out.push_str(line);
            continue;
        }
        depth = None;
        if code.ends_with(';') || code.is_empty() {
            out.push_str(line);
        } else {
            out.push_str(code);
            out.push(';');
            out.push_str(&content[code.len()..]);
            out.push_str(&line[content.len()..]);
        }
    }
    out
}

/// Counts the names a `use` tree binds (`self` binds its parent's name; globs and `_` none).
fn bound_names(
    tree: &syn::UseTree,
    parent: Option<String>,
    bindings: &mut BTreeMap<String, usize>,
) {
    let mut bind = |name: String| *bindings.entry(name).or_insert(0) += 1;
    match tree {
        syn::UseTree::Path(path) => bound_names(&path.tree, Some(path.ident.to_string()), bindings),
        syn::UseTree::Name(name) => {
            let ident = name.ident.to_string();
            if ident == "self" {
                if let Some(parent) = parent {
                    bind(parent);
                }
            } else {
                bind(ident);
            }
        }
        syn::UseTree::Rename(rename) => {
            let ident = rename.rename.to_string();
            if ident != "_" {
                bind(ident);
            }
        }
        syn::UseTree::Glob(_) => {}
        syn::UseTree::Group(group) => {
            for item in &group.items {
                bound_names(item, parent.clone(), bindings);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Snippets

const SNIPPET_CHARS: usize = 400;

fn clip(text: &str) -> String {
    if text.chars().count() <= SNIPPET_CHARS {
        return text.to_owned();
    }
    let mut clipped: String = text.chars().take(SNIPPET_CHARS).collect();
    clipped.push('…');
    clipped
}

fn snippet(text: &str) -> String {
    clip(&format!("{text:?}"))
}

/// A few lines around the first line where the two texts differ, from each.
pub fn line_snippets(before: &str, after: &str) -> (String, String) {
    let before_lines: Vec<&str> = before.split_inclusive('\n').collect();
    let after_lines: Vec<&str> = after.split_inclusive('\n').collect();
    let first = first_difference(&before_lines, &after_lines);
    let around = |lines: &[&str]| {
        let start = first.saturating_sub(1);
        let end = (first + 3).min(lines.len());
        let text: String = lines.get(start..end).unwrap_or_default().concat();
        format!("(line {}) {}", start + 1, snippet(&text))
    };
    (around(&before_lines), around(&after_lines))
}

fn byte_snippets(before: &[u8], after: &[u8]) -> (String, String) {
    let first = first_difference(before, after);
    let around = |bytes: &[u8]| {
        let start = first.saturating_sub(80).min(bytes.len());
        let end = (first + 160).min(bytes.len());
        format!(
            "(byte {first}) {}",
            snippet(&String::from_utf8_lossy(&bytes[start..end]))
        )
    };
    (around(before), around(after))
}
