//! Reading an nbformat 4 notebook without building its outputs.
//!
//! Outputs are most of a notebook's bytes (base64 images, HTML tables, long logs) and the
//! strip filter throws them away: parsing them into `serde_json::Value` only to drop them is
//! most of the work of `strip --stdin`; linting needs only how many there are and whether one
//! is an error. Here each cell's `outputs` is kept as the raw JSON text ([`RawValue`]: checked
//! by the parser, nothing allocated), every other field is read as usual. The caller parses
//! what it needs of them.
//!
//! Anything unusual (another format version, a top level or cell that is not an object, a
//! missing `cells` list) makes [`read`] return `None`: the caller then takes the general path,
//! which gives the same result or the same error as before.

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

/// A notebook whose cells' outputs are not parsed yet.
pub struct LazyNotebook<'a> {
    /// The top level, with `cells` holding `null` until the caller puts the cells back.
    pub json: Map<String, Value>,
    /// The cells, in order.
    pub cells: Vec<LazyCell<'a>>,
}

/// One cell: its fields, with `outputs` (if present) holding `null` and its text in
/// [`LazyCell::outputs`].
pub struct LazyCell<'a> {
    /// Every field, `outputs` holding `null`.
    pub fields: Map<String, Value>,
    /// The outputs as written, if the cell has the field.
    pub outputs: Option<&'a RawValue>,
}

impl LazyCell<'_> {
    /// Whether the raw outputs are a list with at least one entry (`None`: not a list).
    pub fn outputs_nonempty(&self) -> Option<bool> {
        let text = self.outputs?.get().trim_start();
        let rest = text.strip_prefix('[')?;
        Some(!rest.trim_start().starts_with(']'))
    }
}

/// Reads `text` (a whole `.ipynb` file without its byte-order mark) if it is an nbformat 4
/// notebook of the usual shape; `None` otherwise, including for JSON errors.
pub fn read(text: &str) -> Option<LazyNotebook<'_>> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let notebook = deserializer.deserialize_map(NotebookVisitor).ok()?;
    deserializer.end().ok()?;
    let version_ok = match notebook.json.get("nbformat") {
        None => true,
        Some(version) => version.as_u64() == Some(4),
    };
    (version_ok && notebook.json.contains_key("cells")).then_some(notebook)
}

struct NotebookVisitor;

impl<'de> Visitor<'de> for NotebookVisitor {
    type Value = LazyNotebook<'de>;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a notebook object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut json = Map::new();
        let mut cells = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            if key == "cells" {
                // A repeated key keeps the last value, as `Value` parsing does.
                cells = map.next_value_seed(CellsSeed)?;
                json.insert(key, Value::Null);
            } else {
                let value = map.next_value::<Value>()?;
                json.insert(key, value);
            }
        }
        Ok(LazyNotebook { json, cells })
    }
}

struct CellsSeed;

impl<'de> DeserializeSeed<'de> for CellsSeed {
    type Value = Vec<LazyCell<'de>>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for CellsSeed {
    type Value = Vec<LazyCell<'de>>;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a list of cells")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut cells = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(cell) = seq.next_element_seed(CellSeed)? {
            cells.push(cell);
        }
        Ok(cells)
    }
}

struct CellSeed;

impl<'de> DeserializeSeed<'de> for CellSeed {
    type Value = LazyCell<'de>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for CellSeed {
    type Value = LazyCell<'de>;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a cell object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut fields = Map::new();
        let mut outputs = None;
        while let Some(key) = map.next_key::<String>()? {
            if key == "outputs" {
                outputs = Some(map.next_value::<&'de RawValue>()?);
                fields.insert(key, Value::Null);
            } else {
                let value = map.next_value::<Value>()?;
                fields.insert(key, value);
            }
        }
        Ok(LazyCell { fields, outputs })
    }
}
