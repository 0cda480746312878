//! Stripping by splicing bytes, for the usual notebook: one already written the way Jupyter
//! writes it (nbformat 4, keys sorted, one-space indent, non-ASCII as is, sources split into
//! lines). Stripping such a notebook empties outputs, clears execution counts and removes
//! some metadata entries, and the stripped file is the input with those values replaced or
//! cut out: nothing needs to be parsed into a document or written again.
//!
//! [`strip_spliced`] checks that the input is exactly what the general path would write for
//! it (every byte of layout, escape, key order and line split outside the outputs, which
//! the outline pass validates as JSON and sets aside), and that stripping changes nothing it
//! does not splice: no outputs to keep, no field that Jupyter's writer rewrites. Anything
//! else declines ([`FastStrip::Declined`]), and the caller strips the general way. Where it answers, the
//! answer is byte for byte the general path's (tested against it on the corpora and on
//! mutated notebooks).

use std::ops::Range;

use memchr::memchr2;
use nblint_notebook::outline::Outline;

use crate::strip::{FastStrip, StripOptions, VOLATILE_CELL_METADATA, VOLATILE_NOTEBOOK_METADATA};

/// Notebook metadata keys nbformat's writer drops (without making a notebook need stripping).
const NOTEBOOK_METADATA_DROPPED: &[&str] = &["orig_nbformat", "orig_nbformat_minor"];

/// Cell metadata keys nbformat's writer drops.
const CELL_METADATA_DROPPED: &[&str] = &["trusted"];

/// Cell metadata keys that decide whether a cell keeps its outputs: left to the general path.
const CELL_METADATA_KEEPING: &[&str] = &["init_cell", "keep_output"];

/// The stripped bytes, [`FastStrip::Unchanged`] when there is nothing to strip, or
/// [`FastStrip::Declined`] when this input is not one splicing handles (see the module docs).
///
/// `outlined` is the outline of the file's text, which must not have had a byte-order mark (not
/// part of Jupyter's layout; the general path keeps it).
pub(crate) fn strip_spliced(outlined: &Outline<'_>, options: &StripOptions) -> FastStrip {
    try_strip_spliced(outlined, options).unwrap_or(FastStrip::Declined)
}

/// [`strip_spliced`], with `None` for declining so that each check can use `?`.
fn try_strip_spliced(outlined: &Outline<'_>, options: &StripOptions) -> Option<FastStrip> {
    if options.keep_output || options.drop_empty_cells || !options.keep_metadata.is_empty() {
        return None;
    }
    let mut changed = false;
    for outputs in outlined.cells.iter().flatten() {
        changed |= outputs.nonempty()?;
    }
    let mut layout = Layout {
        bytes: outlined.reduced.as_bytes(),
        at: 0,
        keep_count: options.keep_count,
        edits: Vec::new(),
        changed: false,
        sources: Vec::new(),
        nbformat_4: false,
    };
    layout.value(0, Role::Top)?;
    layout.expect(b"\n")?;
    if layout.at != layout.bytes.len() || !layout.nbformat_4 {
        return None;
    }
    for source in &layout.sources {
        if !split_as_written(&outlined.reduced[source.clone()])? {
            return None;
        }
    }
    if !(changed || layout.changed) {
        return Some(FastStrip::Unchanged);
    }
    let reduced = outlined.reduced.as_bytes();
    let mut edits = layout.edits;
    edits.sort_by_key(|(range, _)| range.start);
    let mut out = Vec::with_capacity(reduced.len());
    let mut from = 0;
    for (range, replacement) in edits {
        out.extend_from_slice(&reduced[from..range.start]);
        out.extend_from_slice(&replacement);
        from = range.end;
    }
    out.extend_from_slice(&reduced[from..]);
    Some(FastStrip::Stripped(out))
}

/// Whether a list of lines (its JSON text) is as nbformat writes it: the lines, joined and
/// split again with Python's `splitlines(keepends=True)`, give the same list. That holds when
/// every line is non-empty and has exactly one line break, at its end (the last line may have
/// none), and no line ending in `\r` is followed by one starting with `\n` (joined, they
/// would make one `\r\n`). `None` if it is not a list of strings.
fn split_as_written(raw: &str) -> Option<bool> {
    let lines: Vec<String> = serde_json::from_str(raw).ok()?;
    for (index, line) in lines.iter().enumerate() {
        let last = index + 1 == lines.len();
        let ends_line = match first_line_break(line.as_bytes()) {
            Some(end) => end == line.len(),
            None => last && !line.is_empty(),
        };
        let merges = line.ends_with('\r')
            && lines
                .get(index + 1)
                .is_some_and(|next| next.starts_with('\n'));
        if !ends_line || merges {
            return Some(false);
        }
    }
    Some(true)
}

/// Where the first line (as Python's `splitlines` splits) of `text` ends, its break included;
/// `None` when `text` has no line break.
fn first_line_break(text: &[u8]) -> Option<usize> {
    let mut at = 0;
    while at < text.len() {
        let width = match text[at..] {
            // `\r\n`, and U+0085 in UTF-8
            [b'\r', b'\n', ..] | [0xc2, 0x85, ..] => 2,
            [b'\n' | b'\r' | 0x0b | 0x0c | 0x1c..=0x1e, ..] => 1,
            // U+2028, U+2029
            [0xe2, 0x80, 0xa8 | 0xa9, ..] => 3,
            _ => 0,
        };
        if width > 0 {
            return Some(at + width);
        }
        at += 1;
    }
    None
}

/// Where a value sits, for the places that decide whether splicing applies.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Top,
    NotebookMetadata,
    Cells,
    Cell,
    CellMetadata,
    /// A cell's `attachments`: name to bundle.
    Attachments,
    /// One attachment: MIME type to data.
    Bundle,
    /// A value that must be a string (`cell_type`, binary attachment data).
    Text,
    /// A value that nbformat writes as a list of lines (`source`, text attachments).
    Lines,
    Other,
}

/// A strict reader of Jupyter's layout over text already known to be JSON (the outline
/// pass checked it): it fails on the first byte that the general path would write
/// differently, and records what stripping changes.
struct Layout<'a> {
    bytes: &'a [u8],
    at: usize,
    keep_count: bool,
    /// Byte ranges to replace, and with what.
    edits: Vec<(Range<usize>, Vec<u8>)>,
    /// Stripping changes something besides outputs (a count, a volatile metadata entry).
    changed: bool,
    /// Lists of lines, to check that they are split as nbformat splits them.
    sources: Vec<Range<usize>>,
    /// The top level has `"nbformat": 4`.
    nbformat_4: bool,
}

impl<'a> Layout<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn expect(&mut self, expected: &[u8]) -> Option<()> {
        let end = self.at.checked_add(expected.len())?;
        (self.bytes.get(self.at..end)? == expected).then(|| self.at = end)
    }

    /// A line break and the indent of `depth`.
    fn newline(&mut self, depth: usize) -> Option<()> {
        self.expect(b"\n")?;
        let end = self.at + depth;
        let spaces = self.bytes.get(self.at..end)?;
        spaces
            .iter()
            .all(|byte| *byte == b' ')
            .then(|| self.at = end)
    }

    fn value(&mut self, depth: usize, role: Role) -> Option<()> {
        let first = self.peek()?;
        match (role, first) {
            (
                Role::Top
                | Role::NotebookMetadata
                | Role::Cell
                | Role::CellMetadata
                | Role::Attachments
                | Role::Bundle
                | Role::Other,
                b'{',
            ) => self.object(depth, role),
            (Role::Cells | Role::Lines | Role::Other, b'[') => self.array(depth, role),
            (Role::Text | Role::Other, b'"') => self.string().map(drop),
            (Role::Other, b't') => self.expect(b"true"),
            (Role::Other, b'f') => self.expect(b"false"),
            (Role::Other, b'n') => self.expect(b"null"),
            // Numbers are written back as they were read (`arbitrary_precision`), except an
            // exponent, which is written `e+` or `e-`.
            (Role::Other, b'-' | b'0'..=b'9') => {
                while let Some(byte @ (b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')) =
                    self.peek()
                {
                    self.at += 1;
                    match byte {
                        b'E' => return None,
                        b'e' if !matches!(self.peek(), Some(b'+' | b'-')) => return None,
                        _ => {}
                    }
                }
                Some(())
            }
            _ => None,
        }
    }

    fn object(&mut self, depth: usize, role: Role) -> Option<()> {
        self.expect(b"{")?;
        let open = self.at;
        if self.expect(b"}").is_some() {
            // A cell without a type is an error of the general path.
            return (role != Role::Cell).then_some(());
        }
        let mut previous: Option<&'a [u8]> = None;
        let mut typed = role != Role::Cell;
        // A cell without `source` (or with nbformat 3's `input`) is the general path's to
        // judge: a code cell of that shape is refused there.
        let mut sourced = role != Role::Cell;
        // Each entry's text, and whether stripping removes it.
        let mut entries: Vec<(Range<usize>, bool)> = Vec::new();
        loop {
            self.newline(depth + 1)?;
            let entry = self.at;
            let key = self.string()?;
            // Keys are written sorted (by code point: byte order in UTF-8) and never twice;
            // a key with an escape would need decoding to compare, so it declines.
            if key.contains(&b'\\') || previous.is_some_and(|previous| previous >= key) {
                return None;
            }
            previous = Some(key);
            self.expect(b": ")?;
            let start = self.at;
            let child = self.child(role, key, start)?;
            self.value(depth + 1, child)?;
            let value = &self.bytes[start..self.at];
            let mut removed = false;
            match (role, key) {
                (Role::Top, b"nbformat") => self.nbformat_4 = value == b"4",
                (Role::Cell, b"execution_count" | b"prompt_number")
                    if value != b"null" && !self.keep_count =>
                {
                    self.edits.push((start..self.at, b"null".to_vec()));
                    self.changed = true;
                }
                (Role::Cell, b"cell_type") => typed = true,
                (Role::Cell, b"source") => sourced = true,
                (Role::Cell, b"input") => return None,
                (Role::CellMetadata, b"tags")
                    if memchr::memmem::find(value, b"keep_output").is_some() =>
                {
                    return None;
                }
                (Role::CellMetadata, _) if named(VOLATILE_CELL_METADATA, key) => {
                    (removed, self.changed) = (true, true);
                }
                (Role::CellMetadata, _) => removed = named(CELL_METADATA_DROPPED, key),
                (Role::NotebookMetadata, _) if named(VOLATILE_NOTEBOOK_METADATA, key) => {
                    (removed, self.changed) = (true, true);
                }
                (Role::NotebookMetadata, _) => removed = named(NOTEBOOK_METADATA_DROPPED, key),
                _ => {}
            }
            entries.push((entry..self.at, removed));
            if self.expect(b",").is_none() {
                break;
            }
        }
        self.newline(depth)?;
        let close = self.at;
        self.expect(b"}")?;
        if entries.iter().any(|(_, removed)| *removed) {
            self.edits
                .push((open..close, self.without(&entries, depth)));
        }
        (typed && sourced).then_some(())
    }

    /// The inside of an object (between its braces) holding only the entries kept.
    fn without(&self, entries: &[(Range<usize>, bool)], depth: usize) -> Vec<u8> {
        let mut inside = Vec::new();
        for (entry, _) in entries.iter().filter(|(_, removed)| !removed) {
            inside.extend_from_slice(if inside.is_empty() { b"\n" } else { b",\n" });
            inside.resize(inside.len() + depth + 1, b' ');
            inside.extend_from_slice(&self.bytes[entry.clone()]);
        }
        if !inside.is_empty() {
            inside.push(b'\n');
            inside.resize(inside.len() + depth, b' ');
        }
        inside
    }

    /// The role of the value under `key` in an object of `role`; `None` declines.
    fn child(&self, role: Role, key: &[u8], start: usize) -> Option<Role> {
        match role {
            Role::Top => Some(match key {
                b"cells" => Role::Cells,
                b"metadata" => Role::NotebookMetadata,
                _ => Role::Other,
            }),
            // Outputs kept for the whole notebook are left to the general path.
            Role::NotebookMetadata => (key != b"keep_output").then_some(Role::Other),
            Role::Cell => Some(match key {
                b"attachments" => Role::Attachments,
                b"cell_type" => Role::Text,
                b"metadata" => Role::CellMetadata,
                // The outline pass left `[]` in place of every cell's outputs.
                b"outputs" => {
                    return (self.bytes.get(start..start + 2)? == b"[]").then_some(Role::Other);
                }
                b"source" => Role::Lines,
                _ => Role::Other,
            }),
            Role::CellMetadata => (!named(CELL_METADATA_KEEPING, key)).then_some(Role::Other),
            Role::Attachments => Some(Role::Bundle),
            // nbformat joins a bundle's lists of strings (JSON types aside) and splits text
            // types into lines.
            Role::Bundle => {
                let mime = std::str::from_utf8(key).ok()?;
                let json = mime == "application/json"
                    || (mime.starts_with("application/") && mime.ends_with("+json"));
                Some(if json {
                    Role::Other
                } else if mime.starts_with("text/")
                    || mime == "application/javascript"
                    || mime == "image/svg+xml"
                {
                    Role::Lines
                } else {
                    Role::Text
                })
            }
            Role::Cells | Role::Lines | Role::Text | Role::Other => Some(Role::Other),
        }
    }

    fn array(&mut self, depth: usize, role: Role) -> Option<()> {
        let start = self.at;
        self.expect(b"[")?;
        if self.expect(b"]").is_some() {
            return Some(());
        }
        let item = match role {
            Role::Cells => Role::Cell,
            Role::Lines => Role::Text,
            _ => Role::Other,
        };
        loop {
            self.newline(depth + 1)?;
            self.value(depth + 1, item)?;
            if self.expect(b",").is_none() {
                break;
            }
        }
        self.newline(depth)?;
        self.expect(b"]")?;
        if role == Role::Lines {
            self.sources.push(start..self.at);
        }
        Some(())
    }

    /// A string as serde_json writes it (raw text, escapes only for `"`, `\`, and control
    /// characters, short forms where JSON has them, `\u00xx` in lower case otherwise); its
    /// contents, as written.
    fn string(&mut self) -> Option<&'a [u8]> {
        self.expect(b"\"")?;
        let bytes = self.bytes;
        let start = self.at;
        loop {
            let found = self.at + memchr2(b'"', b'\\', &bytes[self.at..])?;
            self.at = found + 1;
            if bytes[found] == b'"' {
                return Some(&bytes[start..found]);
            }
            match self.peek()? {
                b'"' | b'\\' | b'n' | b'r' | b't' | b'b' | b'f' => self.at += 1,
                b'u' => {
                    let hex = self.bytes.get(self.at + 1..self.at + 5)?;
                    let lower = hex
                        .iter()
                        .all(|digit| matches!(digit, b'0'..=b'9' | b'a'..=b'f'));
                    let code = u8::from_str_radix(std::str::from_utf8(hex.get(2..)?).ok()?, 16);
                    match (lower, hex.get(..2)?, code) {
                        (true, b"00", Ok(code))
                            if code < 0x20 && !matches!(code, 0x08..=0x0a | 0x0c | 0x0d) => {}
                        _ => return None,
                    }
                    self.at += 5;
                }
                _ => return None,
            }
        }
    }
}

/// Whether `key` is one of `names`.
fn named(names: &[&str], key: &[u8]) -> bool {
    names.iter().any(|name| name.as_bytes() == key)
}

#[cfg(test)]
mod tests {
    use nblint_testing::Xorshift;

    use super::*;
    use crate::strip::strip_bytes_without_splicing as strip_bytes_general;

    /// The splicing path alone, on a whole file.
    fn strip_spliced(bytes: &[u8], options: &StripOptions) -> FastStrip {
        std::str::from_utf8(bytes)
            .ok()
            .and_then(nblint_notebook::outline::outline)
            .map_or(FastStrip::Declined, |outline| {
                super::strip_spliced(&outline, options)
            })
    }

    /// The stripped bytes splicing gives; fails the test on any other answer.
    fn stripped(answer: FastStrip) -> Vec<u8> {
        let FastStrip::Stripped(bytes) = answer else {
            panic!("expected stripped bytes, got {answer:?}");
        };
        bytes
    }

    /// Splicing declines or gives exactly the general path's answer; returns whether it
    /// answered.
    fn agrees(bytes: &[u8], options: &StripOptions) -> bool {
        let spliced = match strip_spliced(bytes, options) {
            FastStrip::Declined => return false,
            FastStrip::Unchanged => None,
            FastStrip::Stripped(bytes) => Some(bytes),
        };
        let general = strip_bytes_general(bytes, options).map_err(|error| error.to_string());
        assert_eq!(
            Ok(spliced.map(String::from_utf8)),
            general.map(|bytes| bytes.map(String::from_utf8)),
            "{}",
            String::from_utf8_lossy(bytes)
        );
        true
    }

    const CLEAN: &str = r##"{
 "cells": [
  {
   "cell_type": "markdown",
   "id": "m1",
   "metadata": {},
   "source": [
    "# Title\n",
    "text \u001b é \"quoted\" \\ done"
   ]
  },
  {
   "cell_type": "code",
   "execution_count": 3,
   "id": "c1",
   "metadata": {
    "tags": [
     "parameters"
    ]
   },
   "outputs": [
    {
     "name": "stdout",
     "output_type": "stream",
     "text": [
      "1\n"
     ]
    }
   ],
   "source": [
    "print(1)\n",
    "x = 2.5e-3"
   ]
  }
 ],
 "metadata": {
  "kernelspec": {
   "display_name": "Python 3",
   "name": "python3"
  },
  "language_info": {
   "version": "3.11.7",
   "weights": [
    1.0,
    -0,
    1e+5,
    2.5e-3
   ]
  }
 },
 "nbformat": 4,
 "nbformat_minor": 5
}
"##;

    #[test]
    fn a_notebook_in_jupyter_layout_is_spliced() {
        let options = StripOptions::default();
        assert!(agrees(CLEAN.as_bytes(), &options));
        let stripped = stripped(strip_spliced(CLEAN.as_bytes(), &options));
        let stripped = String::from_utf8(stripped).unwrap();
        assert!(stripped.contains("\"execution_count\": null,"));
        assert!(stripped.contains("\"outputs\": [],"));
        // Stripping again finds nothing to do.
        assert_eq!(
            strip_spliced(stripped.as_bytes(), &options),
            FastStrip::Unchanged
        );
        let keep_count = StripOptions {
            keep_count: true,
            ..StripOptions::default()
        };
        assert!(agrees(CLEAN.as_bytes(), &keep_count));
    }

    #[test]
    fn anything_else_declines() {
        let options = StripOptions::default();
        for (from, to) in [
            // Layout: indent, key order, separators, escapes, final newline, line endings.
            (
                "\n   \"cell_type\": \"markdown\"",
                "\n    \"cell_type\": \"markdown\"",
            ),
            (
                "\"id\": \"m1\",\n   \"metadata\": {},",
                "\"metadata\": {},\n   \"id\": \"m1\",",
            ),
            ("\"nbformat\": 4", "\"nbformat\" : 4"),
            ("1e+5", "1e5"),
            ("1e+5", "1E+5"),
            ("\\u001b", "\\u001B"),
            ("é", "\\u00e9"),
            ("done", "\\/done"),
            ("\n}\n", "\n}"),
            ("\n", "\r\n"),
            // Sources not split as nbformat splits them.
            ("\"# Title\\n\",\n    \"text", "\"# Tit\",\n    \"le\\ntext"),
            (
                "\"source\": [\n    \"print(1)\\n\",\n    \"x = 2.5e-3\"\n   ]",
                "\"source\": \"print(1)\"",
            ),
            // Outputs kept, and what nbformat rewrites.
            ("\"parameters\"", "\"keep_output\""),
            (
                "\"metadata\": {},",
                "\"attachments\": {\n    \"a.png\": {\n     \"image/png\": [\n      \"iVBO\"\n     ]\n    }\n   },\n   \"metadata\": {},",
            ),
            ("\"kernelspec\"", "\"keep_output\": true,\n  \"kernelspec\""),
            ("\"nbformat\": 4", "\"nbformat\": 3"),
            // A key that is there twice.
            ("\"id\": \"m1\",", "\"id\": \"m1\",\n   \"id\": \"m2\","),
        ] {
            assert!(CLEAN.contains(from), "{from}");
            let text = CLEAN.replacen(from, to, 1);
            assert_eq!(
                strip_spliced(text.as_bytes(), &options),
                FastStrip::Declined,
                "{text}"
            );
        }
        let bom = format!("\u{feff}{CLEAN}");
        assert_eq!(strip_spliced(bom.as_bytes(), &options), FastStrip::Declined);
        for other in [
            StripOptions {
                keep_output: true,
                ..StripOptions::default()
            },
            StripOptions {
                drop_empty_cells: true,
                ..StripOptions::default()
            },
            StripOptions {
                keep_metadata: vec!["collapsed".to_owned()],
                ..StripOptions::default()
            },
        ] {
            assert_eq!(strip_spliced(CLEAN.as_bytes(), &other), FastStrip::Declined);
        }
    }

    #[test]
    fn metadata_entries_are_cut_out_as_the_general_path_removes_them() {
        let options = StripOptions::default();
        let clean = stripped(strip_spliced(CLEAN.as_bytes(), &options));
        let clean = String::from_utf8(clean).unwrap();
        for (from, to, changes) in [
            // Volatile cell metadata: alone, first, last, between.
            (
                "\"metadata\": {},",
                "\"metadata\": {\n    \"collapsed\": true\n   },",
                true,
            ),
            (
                "\"tags\": [",
                "\"ExecuteTime\": {\n     \"end_time\": \"x\"\n    },\n    \"tags\": [",
                true,
            ),
            (
                "\"tags\": [\n     \"parameters\"\n    ]",
                "\"tags\": [\n     \"parameters\"\n    ],\n    \"trusted\": false",
                false,
            ),
            ("\"tags\": [", "\"scrolled\": true,\n    \"tags\": [", true),
            // Notebook metadata: volatile, and what nbformat's writer drops.
            (
                "\"kernelspec\"",
                "\"collapsed\": 1,\n  \"kernelspec\"",
                false,
            ),
            (
                "\"language_info\": {",
                "\"language_info\": {\n   \"orig_nbformat\": 3,",
                false,
            ),
            (
                "\n  }\n },\n \"nbformat\"",
                "\n  },\n  \"signature\": \"sha256:0\",\n  \"widgets\": {\n   \"state\": {}\n  }\n },\n \"nbformat\"",
                true,
            ),
        ] {
            // On the stripped notebook: the entry alone decides whether anything changes.
            assert!(clean.contains(from), "{from}");
            let text = clean.replacen(from, to, 1);
            assert!(agrees(text.as_bytes(), &options), "declined: {text}");
            let answer = strip_spliced(text.as_bytes(), &options);
            assert_eq!(matches!(answer, FastStrip::Stripped(_)), changes, "{text}");
            // On the dirty one, together with the outputs and counts.
            let text = CLEAN.replacen(from, to, 1);
            assert!(agrees(text.as_bytes(), &options), "declined: {text}");
        }
    }

    #[test]
    fn the_line_check_is_joining_and_splitting_again() {
        // Every list of up to three lines over an alphabet of line breaks and text.
        let pieces = [
            "a", "\n", "\r", "\r\n", "\u{b}", "\u{1c}", "\u{85}", "\u{2028}", "",
        ];
        let mut lists: Vec<Vec<String>> = vec![Vec::new()];
        for _ in 0..3 {
            let mut longer = Vec::new();
            for list in &lists {
                for first in pieces {
                    for second in pieces {
                        let mut list = list.clone();
                        list.push(format!("{first}{second}"));
                        longer.push(list);
                    }
                }
            }
            lists.extend(longer);
        }
        let mut written = 0;
        for lines in &lists {
            let joined = lines.concat();
            let expected =
                crate::jupyter::python_splitlines(&joined).eq(lines.iter().map(String::as_str));
            let raw = serde_json::to_string(lines).unwrap();
            assert_eq!(split_as_written(&raw), Some(expected), "{lines:?}");
            written += usize::from(expected);
        }
        assert!(written > 100, "{written}");
        assert_eq!(split_as_written("\"text\""), None);
    }

    /// Small edits of a notebook's text: a byte removed, a space, a newline or a backslash
    /// put in, a line repeated, two lines swapped.
    fn mutate(text: &[u8], random: &mut Xorshift) -> Vec<u8> {
        let mut bytes = text.to_vec();
        let at = random.below(bytes.len());
        match random.below(5) {
            0 => {
                bytes.remove(at);
            }
            1 => bytes.insert(at, b' '),
            2 => bytes.insert(at, b'\n'),
            3 => bytes.insert(at, b'\\'),
            _ => {
                let text = String::from_utf8_lossy(&bytes).into_owned();
                let mut lines: Vec<&str> = text.split('\n').collect();
                let line = at % lines.len();
                if random.below(2) == 0 {
                    lines.insert(line, lines[line]);
                } else if line + 1 < lines.len() {
                    lines.swap(line, line + 1);
                }
                bytes = lines.join("\n").into_bytes();
            }
        }
        bytes
    }

    #[test]
    fn splicing_agrees_with_the_general_path_on_the_corpus_and_mutants() {
        let paths = nblint_testing::corpus_notebooks(&["python", "evcxr"], "splice corpus tests");
        if paths.is_empty() {
            return;
        }
        let options = StripOptions::default();
        let keep_count = StripOptions {
            keep_count: true,
            ..StripOptions::default()
        };
        let (mut spliced, mut canonical, mut mutants, mut mutants_spliced) = (0, 0, 0, 0);
        let mut random = Xorshift(0x9e37_79b9_7f4a_7c15);
        for path in &paths {
            let bytes = std::fs::read(path).unwrap();
            spliced += usize::from(agrees(&bytes, &options));
            agrees(&bytes, &keep_count);
            // What the general path writes is in Jupyter's layout: splicing reads it (unless
            // it holds what splicing leaves to the general path) and finds nothing to do.
            let Ok(Some(written)) = strip_bytes_general(&bytes, &options) else {
                continue;
            };
            let again = strip_spliced(&written, &options);
            if again != FastStrip::Declined {
                assert_eq!(again, FastStrip::Unchanged, "{}", path.display());
                canonical += 1;
            }
            // Mutants of a dirty notebook in Jupyter's layout (only a few per notebook: the
            // corpus has hundreds).
            if matches!(strip_spliced(&bytes, &options), FastStrip::Stripped(_)) {
                for _ in 0..8 {
                    let mutant = mutate(&bytes, &mut random);
                    mutants += 1;
                    mutants_spliced += usize::from(agrees(&mutant, &options));
                }
            }
        }
        println!(
            "{} notebooks: {spliced} spliced, {canonical} stripped outputs read back; \
             {mutants} mutants, {mutants_spliced} spliced",
            paths.len()
        );
        // Most notebooks are saved by Jupyter; the corpus must exercise the splice.
        assert!(spliced * 2 > paths.len(), "{spliced} of {}", paths.len());
        assert!(
            canonical * 2 > paths.len(),
            "{canonical} of {}",
            paths.len()
        );
    }
}
