//! Stripping a notebook for version control: outputs, execution counts and volatile metadata
//! go, with nbstripout's defaults and conventions, so that what is committed is what a person
//! wrote.
//!
//! What goes:
//! - the outputs of every cell that has them, except where outputs are kept (below);
//! - `execution_count` (nbformat 3: `prompt_number`), set to `null`, also in kept outputs;
//! - cell metadata `collapsed`, `scrolled`, `ExecuteTime`, `execution`, `heading_collapsed`,
//!   `hidden`, and notebook metadata `signature`, `widgets` (nbstripout's default extra keys).
//!
//! The fields nbformat itself never writes (cell metadata `trusted`, notebook metadata
//! `orig_nbformat` and `orig_nbformat_minor`) are dropped when a notebook is rewritten, as
//! nbformat drops them, but do not by themselves make a notebook need stripping, as with
//! nbstripout.
//!
//! Outputs are kept for a cell tagged `keep_output`, or whose metadata has `keep_output`
//! true; a cell with `init_cell` metadata keeps them exactly when `init_cell` is true; and
//! every cell keeps them when the notebook metadata has `keep_output` true or the caller asks.
//! Cell ids are kept. Every other field is kept as it was.

use nblint_notebook::{Notebook, NotebookError, outline};
use serde_json::{Map, Value};

use crate::jupyter::jupyter_bytes;

/// Cell metadata keys removed by default (nbstripout's defaults).
pub use nblint_notebook::VOLATILE_CELL_METADATA;

/// Notebook metadata keys removed by default (nbstripout's defaults).
pub const VOLATILE_NOTEBOOK_METADATA: &[&str] = &["signature", "widgets"];

/// What to keep and what to drop besides the defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StripOptions {
    /// Keep every cell's outputs (execution counts inside them are still cleared unless
    /// `keep_count`).
    pub keep_output: bool,
    /// Keep execution counts.
    pub keep_count: bool,
    /// Metadata keys not to remove: a bare key (`collapsed`) for both cell and notebook
    /// metadata, or nbstripout's qualified form (`cell.metadata.collapsed`, `metadata.widgets`).
    pub keep_metadata: Vec<String>,
    /// Remove cells whose source is empty or only whitespace.
    pub drop_empty_cells: bool,
}

impl StripOptions {
    /// Options from `nblint strip`'s (and nbstripout's) flags as written on a command line
    /// (`--keep-output --keep-metadata tags`): how the strip fixtures' `.args` files say
    /// what each case is stripped with. `Err` names a flag it does not know.
    pub fn from_flags(flags: &str) -> Result<Self, String> {
        let mut options = Self::default();
        let mut words = flags.split_whitespace();
        while let Some(word) = words.next() {
            match word {
                "--keep-output" => options.keep_output = true,
                "--keep-count" => options.keep_count = true,
                "--drop-empty-cells" => options.drop_empty_cells = true,
                "--keep-metadata" => match words.next() {
                    Some(key) => options.keep_metadata.push(key.to_owned()),
                    None => return Err("`--keep-metadata` needs a key".to_owned()),
                },
                other => return Err(format!("unknown flag `{other}`")),
            }
        }
        Ok(options)
    }

    fn keeps(&self, namespace: &str, key: &str) -> bool {
        self.keep_metadata.iter().any(|kept| {
            kept == key
                || kept
                    .strip_prefix(namespace)
                    .and_then(|rest| rest.strip_prefix('.'))
                    .is_some_and(|rest| rest == key)
        })
    }
}

/// Strips `bytes`, an `.ipynb` file. Returns `None` when there is nothing to strip (the
/// input is already clean and must be left byte for byte as it is), or the stripped notebook
/// written as Jupyter writes it.
pub fn strip_bytes(bytes: &[u8], options: &StripOptions) -> Result<Option<Vec<u8>>, NotebookError> {
    strip_bytes_with(bytes, options, true)
}

/// [`strip_bytes`] without the path that splices bytes: what that path must agree with.
/// For the differential fuzz target; not part of the API.
#[doc(hidden)]
pub fn strip_bytes_without_splicing(
    bytes: &[u8],
    options: &StripOptions,
) -> Result<Option<Vec<u8>>, NotebookError> {
    strip_bytes_with(bytes, options, false)
}

/// [`strip_bytes`]; `splice` false leaves out the splicing path (to test the others).
fn strip_bytes_with(
    bytes: &[u8],
    options: &StripOptions,
    splice: bool,
) -> Result<Option<Vec<u8>>, NotebookError> {
    // One outline pass serves both fast paths.
    if let Some((text, bom)) = outline::text_of(bytes)
        && let Some(outline) = outline::outline(text)
    {
        if splice && !bom {
            match crate::splice::strip_spliced(&outline, options) {
                FastStrip::Unchanged => return Ok(None),
                FastStrip::Stripped(stripped) => return Ok(Some(stripped)),
                FastStrip::Declined => {}
            }
        }
        if let Some(outlined) = outline::Outlined::new(text, bom, outline) {
            match strip_outlined(outlined, options) {
                FastStrip::Unchanged => return Ok(None),
                FastStrip::Stripped(stripped) => return Ok(Some(stripped)),
                FastStrip::Declined => {}
            }
        }
    }
    strip_bytes_parsed(bytes, options)
}

/// What one of [`strip_bytes`]'s fast paths made of a notebook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FastStrip {
    /// Nothing to strip: the file stays byte for byte as it is.
    Unchanged,
    /// The stripped notebook, written as Jupyter writes it.
    Stripped(Vec<u8>),
    /// Not a notebook this path handles: the next path decides (and gives any error).
    Declined,
}

/// [`strip_bytes`] through the whole notebook model, outputs parsed: every format and shape.
fn strip_bytes_parsed(
    bytes: &[u8],
    options: &StripOptions,
) -> Result<Option<Vec<u8>>, NotebookError> {
    let mut notebook = Notebook::parse(bytes)?;
    let major = notebook.format().0;
    let changed = strip_json(notebook.json_mut(), major, options);
    if !changed {
        return Ok(None);
    }
    let style = notebook.text_style();
    let json = std::mem::take(notebook.json_mut());
    Ok(Some(jupyter_bytes(json, major, style)))
}

/// [`strip_bytes`] for the usual case, an nbformat 4 notebook, without parsing the outputs it
/// drops (see [`nblint_notebook::outline`]). Declines when the notebook is not of that shape
/// or not valid: the caller then takes the general path, which also gives the errors.
fn strip_outlined(outlined: outline::Outlined<'_>, options: &StripOptions) -> FastStrip {
    try_strip_outlined(outlined, options).unwrap_or(FastStrip::Declined)
}

/// [`strip_outlined`], with `None` for declining so that each check can use `?`.
fn try_strip_outlined(
    outlined: outline::Outlined<'_>,
    options: &StripOptions,
) -> Option<FastStrip> {
    if options.keep_output {
        return None;
    }
    let keep_all_outputs = match outlined.json().get("metadata") {
        Some(Value::Object(metadata)) => metadata.get("keep_output").is_some_and(truthy),
        _ => false,
    };
    let mut outputs_dropped = false;
    let mut notebook = outlined
        .into_notebook(|fields, outputs| match outputs.nonempty() {
            Some(nonempty) if !keeps_outputs(fields, keep_all_outputs) => {
                outputs_dropped |= nonempty;
                Some(Value::Array(Vec::new()))
            }
            // Kept (or not a list, which stripping leaves alone): parse them after all.
            _ => serde_json::from_str(outputs.raw).ok(),
        })?
        .ok()?;
    if notebook.format().0 != 4 {
        return None;
    }
    let changed = strip_json(notebook.json_mut(), 4, options) | outputs_dropped;
    if !changed {
        return Some(FastStrip::Unchanged);
    }
    // Jupyter's layout is written whatever the file's; only its BOM and line endings carry over.
    let style = notebook.text_style();
    let json = std::mem::take(notebook.json_mut());
    Some(FastStrip::Stripped(jupyter_bytes(json, 4, style)))
}

/// Strips `notebook` in memory and returns whether anything changed. Write it with
/// [`crate::to_jupyter_bytes`] when it did.
pub fn strip(notebook: &mut Notebook, options: &StripOptions) -> Result<bool, NotebookError> {
    let major = notebook.format().0;
    let changed = strip_json(notebook.json_mut(), major, options);
    if changed {
        notebook.refresh()?;
    }
    Ok(changed)
}

fn strip_json(json: &mut Map<String, Value>, major: u64, options: &StripOptions) -> bool {
    let mut changed = false;
    let mut keep_all_outputs = options.keep_output;
    if let Some(Value::Object(metadata)) = json.get_mut("metadata") {
        if !options.keep_output
            && let Some(keep) = metadata.get("keep_output")
        {
            keep_all_outputs = truthy(keep);
        }
        for key in VOLATILE_NOTEBOOK_METADATA {
            if !options.keeps("metadata", key) {
                changed |= metadata.remove(*key).is_some();
            }
        }
    }
    if major == 3 {
        if let Some(Value::Array(worksheets)) = json.get_mut("worksheets") {
            for worksheet in worksheets {
                if let Some(Value::Array(cells)) = worksheet.get_mut("cells") {
                    changed |= strip_cells(cells, keep_all_outputs, options);
                }
            }
        }
    } else if let Some(Value::Array(cells)) = json.get_mut("cells") {
        changed |= strip_cells(cells, keep_all_outputs, options);
    }
    changed
}

fn strip_cells(cells: &mut Vec<Value>, keep_all_outputs: bool, options: &StripOptions) -> bool {
    let mut changed = false;
    if options.drop_empty_cells {
        let before = cells.len();
        cells.retain(|cell| !is_empty_cell(cell));
        changed |= cells.len() != before;
    }
    for cell in cells.iter_mut().filter_map(Value::as_object_mut) {
        changed |= strip_cell(cell, keep_all_outputs, options);
    }
    changed
}

fn strip_cell(
    cell: &mut Map<String, Value>,
    keep_all_outputs: bool,
    options: &StripOptions,
) -> bool {
    let mut changed = false;
    let keep_outputs = keeps_outputs(cell, keep_all_outputs);
    if let Some(Value::Array(outputs)) = cell.get_mut("outputs") {
        if !keep_outputs && !outputs.is_empty() {
            outputs.clear();
            changed = true;
        }
        if !options.keep_count {
            for output in outputs.iter_mut().filter_map(Value::as_object_mut) {
                changed |= clear(output, "execution_count");
            }
        }
    }
    if !options.keep_count {
        changed |= clear(cell, "execution_count");
        changed |= clear(cell, "prompt_number");
    }
    if let Some(Value::Object(metadata)) = cell.get_mut("metadata") {
        for key in VOLATILE_CELL_METADATA {
            if !options.keeps("cell.metadata", key) {
                changed |= metadata.remove(*key).is_some();
            }
        }
    }
    changed
}

/// Sets `key` to null if it is present and not null already; returns whether it changed.
fn clear(object: &mut Map<String, Value>, key: &str) -> bool {
    match object.get_mut(key) {
        Some(value) if !value.is_null() => {
            *value = Value::Null;
            true
        }
        _ => false,
    }
}

/// nbstripout's `determine_keep_output`: `init_cell` decides alone when present; otherwise
/// a `keep_output` tag or a true `keep_output` metadata value keeps outputs; otherwise the
/// notebook-wide default.
fn keeps_outputs(cell: &Map<String, Value>, default: bool) -> bool {
    let Some(Value::Object(metadata)) = cell.get("metadata") else {
        return default;
    };
    if let Some(init_cell) = metadata.get("init_cell") {
        return truthy(init_cell);
    }
    let tagged = match metadata.get("tags") {
        Some(Value::Array(tags)) => tags.iter().any(|tag| tag == "keep_output"),
        _ => false,
    };
    match metadata.get("keep_output") {
        Some(keep) => tagged || truthy(keep),
        None => tagged || default,
    }
}

/// Python's truth value of a JSON value.
fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(flag) => *flag,
        Value::Number(number) => number.as_f64().is_some_and(|n| n != 0.0),
        Value::String(text) => !text.is_empty(),
        Value::Array(items) => !items.is_empty(),
        Value::Object(map) => !map.is_empty(),
    }
}

/// A cell whose source (`input` for an nbformat 3 code cell) is missing, empty or only
/// whitespace, as Python's `str.strip` counts whitespace.
fn is_empty_cell(cell: &Value) -> bool {
    let source = cell.get("source").or_else(|| cell.get("input"));
    let blank = |text: &str| text.chars().all(is_python_space);
    match source {
        None => true,
        Some(Value::String(text)) => blank(text),
        Some(Value::Array(lines)) => lines.iter().all(|line| line.as_str().is_some_and(blank)),
        Some(_) => false,
    }
}

fn is_python_space(ch: char) -> bool {
    ch.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&ch)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_from_command_line_flags() {
        let options =
            StripOptions::from_flags("--keep-output --keep-metadata tags --drop-empty-cells")
                .unwrap();
        assert!(options.keep_output && options.drop_empty_cells && !options.keep_count);
        assert_eq!(options.keep_metadata, ["tags"]);
        assert!(StripOptions::from_flags("--keep-metadata").is_err());
        assert!(StripOptions::from_flags("--strip-everything").is_err());
    }

    const DIRTY: &str = r##"{
 "cells": [
  {"cell_type": "markdown", "metadata": {"hidden": true, "heading_collapsed": true}, "source": ["# Title"]},
  {"cell_type": "code", "execution_count": 3, "id": "abc",
   "metadata": {"collapsed": false, "scrolled": true, "ExecuteTime": {"end_time": "x"},
                "execution": {"iopub.status.busy": "y"}, "trusted": true, "custom": 1},
   "outputs": [{"output_type": "execute_result", "execution_count": 3, "data": {"text/plain": ["1"]}, "metadata": {}}],
   "source": ["1"]},
  {"cell_type": "code", "execution_count": 4, "metadata": {"tags": ["keep_output"]},
   "outputs": [{"output_type": "execute_result", "execution_count": 4, "data": {"text/plain": ["2"]}, "metadata": {}}],
   "source": "2"},
  {"cell_type": "code", "execution_count": null, "metadata": {}, "outputs": [], "source": ["  \n"]}
 ],
 "metadata": {"signature": "sha256:0", "widgets": {"state": {}}, "kernelspec": {"name": "python3"}},
 "nbformat": 4,
 "nbformat_minor": 5
}"##;

    /// The lazy path either declines or gives exactly what the general path gives.
    fn assert_paths_agree(text: &str, options: &StripOptions) -> bool {
        let lazy = nblint_notebook::outline::read(text.as_bytes())
            .map_or(FastStrip::Declined, |outlined| {
                strip_outlined(outlined, options)
            });
        if lazy == FastStrip::Declined {
            return false;
        }
        let general = strip_bytes_parsed(text.as_bytes(), options)
            .map(|answer| answer.map_or(FastStrip::Unchanged, FastStrip::Stripped))
            .map_err(|error| error.to_string());
        assert_eq!(Ok(lazy), general, "{text}");
        true
    }

    #[test]
    fn lazy_outputs_path_agrees_with_the_general_path() {
        let keep_count = StripOptions {
            keep_count: true,
            ..StripOptions::default()
        };
        let drop_empty = StripOptions {
            drop_empty_cells: true,
            ..StripOptions::default()
        };
        let kept_metadata = DIRTY.replace(
            r#""kernelspec": {"name": "python3"}"#,
            r#""kernelspec": {"name": "python3"}, "keep_output": true"#,
        );
        let init_cell = DIRTY.replace(r#""custom": 1"#, r#""custom": 1, "init_cell": true"#);
        let not_a_list = DIRTY.replace(r#""outputs": [],"#, r#""outputs": "text","#);
        let repeated = DIRTY.replace(
            r#""outputs": [],"#,
            r#""outputs": [{"a": 1}], "outputs": [],"#,
        );
        let clean = r#"{"cells": [{"cell_type": "code", "execution_count": null, "metadata": {},
            "outputs": [ ], "source": []}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}"#;
        let crlf = DIRTY.replace('\n', "\r\n");
        let bom = format!("\u{feff}{DIRTY}");
        for text in [
            DIRTY,
            &kept_metadata,
            &init_cell,
            &not_a_list,
            clean,
            &crlf,
            &bom,
        ] {
            for options in [&StripOptions::default(), &keep_count, &drop_empty] {
                assert!(assert_paths_agree(text, options), "declined: {text}");
            }
        }
        // Other shapes, invalid cells (for the general path's error) and repeated keys go the
        // general way.
        for text in [
            &repeated,
            r#"{"cells": [{"cell_type": 3, "outputs": [{"x": 1}]}], "metadata": {},
                "nbformat": 4, "nbformat_minor": 5}"#,
            r#"{"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": []}"#,
            r#"{"cells": [1], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}"#,
            r#"{"metadata": {}, "nbformat": 4, "nbformat_minor": 5}"#,
            "[1, 2]",
            "{\"cells\": [",
        ] {
            assert!(
                !assert_paths_agree(text, &StripOptions::default()),
                "{text}"
            );
        }
    }

    fn stripped(text: &str, options: &StripOptions) -> Value {
        let bytes = strip_bytes(text.as_bytes(), options).unwrap().unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    #[test]
    fn removes_outputs_counts_and_volatile_metadata() {
        let value = stripped(DIRTY, &StripOptions::default());
        let cells = &value["cells"];
        assert_eq!(cells[0]["metadata"], serde_json::json!({}));
        assert_eq!(cells[1]["outputs"], serde_json::json!([]));
        assert_eq!(cells[1]["execution_count"], Value::Null);
        assert_eq!(cells[1]["metadata"], serde_json::json!({"custom": 1}));
        assert_eq!(cells[1]["id"], "abc");
        // Tagged: outputs kept, their count cleared.
        assert_eq!(
            cells[2]["outputs"][0]["data"]["text/plain"],
            serde_json::json!(["2"])
        );
        assert_eq!(cells[2]["outputs"][0]["execution_count"], Value::Null);
        assert_eq!(
            value["metadata"],
            serde_json::json!({"kernelspec": {"name": "python3"}})
        );
        assert_eq!(cells.as_array().unwrap().len(), 4);
    }

    #[test]
    fn options_keep_what_they_name() {
        let options = StripOptions {
            keep_output: true,
            keep_count: true,
            keep_metadata: vec!["scrolled".into(), "metadata.widgets".into()],
            drop_empty_cells: true,
        };
        let value = stripped(DIRTY, &options);
        let cells = &value["cells"];
        assert_eq!(cells.as_array().unwrap().len(), 3);
        assert_eq!(cells[1]["execution_count"], 3);
        assert_eq!(cells[1]["outputs"][0]["execution_count"], 3);
        assert_eq!(
            cells[1]["metadata"],
            serde_json::json!({"custom": 1, "scrolled": true})
        );
        assert_eq!(
            value["metadata"]["widgets"],
            serde_json::json!({"state": {}})
        );
        assert!(value["metadata"].get("signature").is_none());
    }

    #[test]
    fn stripping_twice_changes_nothing() {
        let once = strip_bytes(DIRTY.as_bytes(), &StripOptions::default())
            .unwrap()
            .unwrap();
        assert_eq!(strip_bytes(&once, &StripOptions::default()).unwrap(), None);
    }

    #[test]
    fn keep_output_conventions() {
        use serde_json::json;
        let cell = |metadata: Value| {
            let mut map = Map::new();
            map.insert("metadata".into(), metadata);
            map
        };
        assert!(keeps_outputs(&cell(json!({"keep_output": true})), false));
        assert!(!keeps_outputs(&cell(json!({"keep_output": false})), true));
        assert!(keeps_outputs(&cell(json!({"init_cell": true})), false));
        assert!(!keeps_outputs(
            &cell(json!({"init_cell": false, "tags": ["keep_output"]})),
            true
        ));
        assert!(keeps_outputs(
            &cell(json!({"tags": ["keep_output"]})),
            false
        ));
        assert!(keeps_outputs(&cell(json!({})), true));
        assert!(keeps_outputs(&Map::new(), true));
    }

    #[test]
    fn notebook_metadata_keep_output_keeps_all() {
        let text = r#"{"cells": [{"cell_type": "code", "execution_count": 1, "metadata": {},
            "outputs": [{"output_type": "stream", "name": "stdout", "text": "hi\n"}], "source": ""}],
            "metadata": {"keep_output": true}, "nbformat": 4, "nbformat_minor": 4}"#;
        let value = stripped(text, &StripOptions::default());
        assert_eq!(
            value["cells"][0]["outputs"][0]["text"],
            serde_json::json!(["hi\n"])
        );
        assert_eq!(value["cells"][0]["execution_count"], Value::Null);
    }

    #[test]
    fn nbformat_3_prompt_numbers_and_outputs() {
        let text = r#"{"nbformat": 3, "nbformat_minor": 0, "metadata": {"signature": "s"},
            "worksheets": [{"cells": [{"cell_type": "code", "input": ["x"], "prompt_number": 2,
            "language": "python", "metadata": {}, "outputs": [{"output_type": "pyout", "text": ["1"], "prompt_number": 2}]}]}]}"#;
        let value = stripped(text, &StripOptions::default());
        let cell = &value["worksheets"][0]["cells"][0];
        assert_eq!(cell["prompt_number"], Value::Null);
        assert_eq!(cell["outputs"], serde_json::json!([]));
        assert_eq!(value["metadata"], serde_json::json!({}));
    }

    #[test]
    fn clean_notebook_is_left_alone() {
        let text = "{\"cells\": [], \"metadata\": {}, \"nbformat\": 4, \"nbformat_minor\": 5}";
        assert_eq!(
            strip_bytes(text.as_bytes(), &StripOptions::default()).unwrap(),
            None
        );
        assert!(strip_bytes(b"{", &StripOptions::default()).is_err());
    }

    #[test]
    fn strip_in_memory_refreshes_the_cell_view() {
        let mut notebook = Notebook::parse(DIRTY.as_bytes()).unwrap();
        let options = StripOptions {
            drop_empty_cells: true,
            ..StripOptions::default()
        };
        assert!(strip(&mut notebook, &options).unwrap());
        assert_eq!(notebook.cells().len(), 3);
        assert_eq!(notebook.cells()[1].execution_count, None);
        assert!(!strip(&mut notebook, &options).unwrap());
    }

    #[test]
    fn deep_outputs_are_stripped_and_kept_on_a_small_stack_and_refused_past_the_limit() {
        let deep = |levels: usize| {
            format!(
                r#"{{"cells": [{{"cell_type": "code", "execution_count": 1, "metadata": {{}},
                "outputs": [{{"data": {{"application/json": {}1{}}}, "execution_count": 1,
                "metadata": {{}}, "output_type": "execute_result"}}], "source": ["x"]}}],
                "metadata": {{}}, "nbformat": 4, "nbformat_minor": 5}}"#,
                "[".repeat(levels),
                "]".repeat(levels)
            )
        };
        // The default stack of a spawned thread (2 MiB), as in `strip`'s worker threads.
        std::thread::Builder::new()
            .stack_size(2 * 1024 * 1024)
            .spawn(move || {
                let text = deep(nblint_notebook::MAX_NESTING - 6);
                let stripped = strip_bytes(text.as_bytes(), &StripOptions::default())
                    .unwrap()
                    .unwrap();
                let stripped = String::from_utf8(stripped).unwrap();
                assert!(stripped.contains("\"outputs\": []"), "{stripped}");
                let kept = StripOptions {
                    keep_output: true,
                    ..StripOptions::default()
                };
                let written = strip_bytes(text.as_bytes(), &kept).unwrap().unwrap();
                assert!(Notebook::parse(&written).unwrap().cells()[0].output_count == 1);
                let error =
                    strip_bytes(deep(100_000).as_bytes(), &StripOptions::default()).unwrap_err();
                assert!(matches!(error, NotebookError::TooDeep { .. }), "{error}");
            })
            .unwrap()
            .join()
            .unwrap();
    }
}
