//! Serialising a notebook: in Jupyter's own format (what `nbformat.write` produces), or in the
//! style the file already had; and writing a file so that it is never left half-written.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde::ser::{SerializeMap, SerializeSeq};
use serde_json::Value;
use serde_json::ser::Formatter;

use crate::model::Notebook;

/// How a notebook file was laid out, detected when it is read, so that an edit can write it
/// back the way it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextStyle {
    /// The file began with a UTF-8 byte-order mark.
    pub bom: bool,
    /// Lines end with `\r\n`.
    pub crlf: bool,
    /// Spaces per indent level; `None` for JSON on one line.
    pub indent: Option<usize>,
    /// Non-ASCII text was written as `\uXXXX` escapes.
    pub ascii_only: bool,
    /// The file ends with a newline.
    pub final_newline: bool,
}

impl TextStyle {
    /// The layout `nbformat.write` produces: one-space indent, non-ASCII as is, final newline.
    pub const NBFORMAT: Self = Self {
        bom: false,
        crlf: false,
        indent: Some(1),
        ascii_only: false,
        final_newline: true,
    };

    /// Detects the layout of `text` (without its BOM).
    pub(crate) fn detect(text: &str, bom: bool) -> Self {
        Self {
            ascii_only: text.is_ascii() && has_non_ascii_escape(text),
            ..Self::detect_layout(text, bom)
        }
    }

    /// [`TextStyle::detect`] without the one part that reads the whole text (`ascii_only`,
    /// left false): line endings, indent and final newline are seen at the ends.
    pub(crate) fn detect_layout(text: &str, bom: bool) -> Self {
        let first_newline = text.find('\n');
        let crlf = first_newline.is_some_and(|at| at > 0 && text.as_bytes()[at - 1] == b'\r');
        let indent = first_newline.map(|at| {
            text[at + 1..]
                .bytes()
                .take_while(|byte| *byte == b' ')
                .count()
        });
        Self {
            bom,
            crlf,
            indent: indent.filter(|width| *width > 0),
            ascii_only: false,
            final_newline: text.ends_with('\n'),
        }
    }
}

/// Whether `text` holds a `\uXXXX` escape of a character above ASCII (a sign that the writer
/// escaped non-ASCII text).
fn has_non_ascii_escape(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut at = 0;
    while let Some(found) = text[at..].find("\\u") {
        let start = at + found;
        // An escaped backslash followed by `u` is not an escape: count preceding backslashes.
        let backslashes = bytes[..start]
            .iter()
            .rev()
            .take_while(|byte| **byte == b'\\')
            .count();
        if backslashes % 2 == 0
            && let Some(hex) = text.get(start + 2..start + 6)
            && let Ok(code) = u32::from_str_radix(hex, 16)
            && code >= 0x80
        {
            return true;
        }
        at = start + 2;
    }
    false
}

impl Notebook {
    /// The notebook in Jupyter's own format: keys sorted at every level, one-space indent,
    /// non-ASCII text as is, a final newline; CRLF and a BOM kept if the file had them.
    ///
    /// Writing this twice gives the same bytes, so stripping is idempotent.
    pub fn to_nbformat_bytes(&self) -> Vec<u8> {
        let style = TextStyle {
            bom: self.style.bom,
            crlf: self.style.crlf,
            ..TextStyle::NBFORMAT
        };
        serialize(&Value::Object(self.json.clone()), style, true)
    }

    /// The notebook in the layout the file had when it was read (indent, key order, line
    /// endings, escaping, final newline), so an edit to one cell changes only that cell's
    /// lines in a file that was written consistently.
    pub fn to_original_style_bytes(&self) -> Vec<u8> {
        serialize(&Value::Object(self.json.clone()), self.style, false)
    }

    /// The layout detected when the notebook was read.
    pub fn text_style(&self) -> TextStyle {
        self.style
    }
}

/// Serialises `value` in `style`, with keys sorted at every level when `sort_keys`.
pub fn serialize(value: &Value, style: TextStyle, sort_keys: bool) -> Vec<u8> {
    let mut out = Vec::new();
    if style.bom {
        out.extend_from_slice(b"\xEF\xBB\xBF");
    }
    let mut serializer = serde_json::Serializer::with_formatter(
        &mut out,
        NotebookFormatter {
            indent: style.indent,
            depth: 0,
            has_value: false,
            ascii_only: style.ascii_only,
            compact_spaces: style.indent.is_none(),
        },
    );
    // Serialising a `Value` into memory cannot fail: its keys are strings and writes to a
    // Vec do not fail.
    let result = Ordered { value, sort_keys }.serialize(&mut serializer);
    debug_assert!(result.is_ok());
    if style.final_newline {
        out.push(b'\n');
    }
    if style.crlf {
        // JSON strings never hold a raw newline (it is escaped), so every `\n` is layout.
        let mut crlf = Vec::with_capacity(out.len() + out.len() / 16);
        for byte in out {
            if byte == b'\n' {
                crlf.push(b'\r');
            }
            crlf.push(byte);
        }
        return crlf;
    }
    out
}

/// Serialises a `Value`, optionally with object keys in sorted order (as Python's
/// `json.dump(sort_keys=True)`, which sorts by code point: the same as byte order in UTF-8).
struct Ordered<'a> {
    value: &'a Value,
    sort_keys: bool,
}

impl Serialize for Ordered<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.value {
            Value::Array(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(&Ordered {
                        value: item,
                        sort_keys: self.sort_keys,
                    })?;
                }
                seq.end()
            }
            Value::Object(map) => {
                let mut entries: Vec<(&String, &Value)> = map.iter().collect();
                if self.sort_keys {
                    entries.sort_by(|a, b| a.0.cmp(b.0));
                }
                let mut object = serializer.serialize_map(Some(entries.len()))?;
                for (key, value) in entries {
                    object.serialize_entry(
                        key,
                        &Ordered {
                            value,
                            sort_keys: self.sort_keys,
                        },
                    )?;
                }
                object.end()
            }
            scalar => scalar.serialize(serializer),
        }
    }
}

/// Python's `json.dump` layout: with an indent, `,` ends a line and `": "` separates keys;
/// without one, `", "` and `": "` on one line. Optionally escapes non-ASCII as `\uXXXX`
/// (UTF-16 surrogate pairs above the BMP), as `ensure_ascii=True` does.
struct NotebookFormatter {
    indent: Option<usize>,
    depth: usize,
    has_value: bool,
    ascii_only: bool,
    compact_spaces: bool,
}

impl NotebookFormatter {
    fn newline_indent<W: ?Sized + Write>(&self, writer: &mut W) -> io::Result<()> {
        if let Some(width) = self.indent {
            writer.write_all(b"\n")?;
            for _ in 0..self.depth * width {
                writer.write_all(b" ")?;
            }
        }
        Ok(())
    }
}

impl Formatter for NotebookFormatter {
    fn begin_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        writer.write_all(b"[")
    }

    fn end_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            self.newline_indent(writer)?;
        }
        writer.write_all(b"]")
    }

    fn begin_array_value<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        if !first {
            writer.write_all(if self.compact_spaces { b", " } else { b"," })?;
        }
        self.newline_indent(writer)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, _writer: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        writer.write_all(b"{")
    }

    fn end_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            self.newline_indent(writer)?;
        }
        writer.write_all(b"}")
    }

    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        if !first {
            writer.write_all(if self.compact_spaces { b", " } else { b"," })?;
        }
        self.newline_indent(writer)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        writer.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, _writer: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        if !self.ascii_only || fragment.is_ascii() {
            return writer.write_all(fragment.as_bytes());
        }
        let mut units = [0u16; 2];
        for ch in fragment.chars() {
            if ch.is_ascii() {
                writer.write_all(&[ch as u8])?;
            } else {
                for unit in ch.encode_utf16(&mut units) {
                    write!(writer, "\\u{unit:04x}")?;
                }
            }
        }
        Ok(())
    }
}

/// Writes `bytes` to `path` so that the file is never left half-written: the bytes go to a
/// temporary file in the same folder, which is synced, given the original file's permissions
/// and renamed over it. If `path` is a symbolic link, the file it points to is replaced and
/// the link kept.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_atomically_with(path, |file| file.write_all(bytes))
}

/// [`write_atomically`] with a caller-supplied writer, so tests can inject a failure midway
/// and check that the original file is untouched.
pub fn write_atomically_with(
    path: &Path,
    write: impl FnOnce(&mut std::fs::File) -> io::Result<()>,
) -> io::Result<()> {
    replace(path, true, write).map(drop)
}

/// [`write_atomically`] without the sync before the rename, for commands that rewrite many
/// files (`strip`), as nbstripout, black or ruff write: the replacement is still atomic (a
/// reader, or a crash of nblint, sees the old file or the new one, never a mix); after a power
/// cut, file systems that flush a file renamed over another first (ext4's default
/// `auto_da_alloc`, btrfs) keep one or the other too. Syncing each file cost `strip` a third
/// of its time, and one `syncfs` at the end flushed every other program's pending writes as
/// well. Returns the path actually written (the target of a symbolic link).
pub fn write_atomically_unsynced(path: &Path, bytes: &[u8]) -> io::Result<PathBuf> {
    replace(path, false, |file| file.write_all(bytes))
}

fn replace(
    path: &Path,
    sync: bool,
    write: impl FnOnce(&mut std::fs::File) -> io::Result<()>,
) -> io::Result<PathBuf> {
    // Only a symbolic link needs resolving (its target is replaced, the link kept); a plain
    // file is replaced where it is, without the system calls of a full canonicalisation.
    let is_link = std::fs::symlink_metadata(path).is_ok_and(|meta| meta.file_type().is_symlink());
    let target = if is_link {
        std::fs::canonicalize(path)?
    } else {
        path.to_path_buf()
    };
    let folder = match target.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let file_name = target
        .file_name()
        .map_or_else(|| "notebook".into(), |name| name.to_string_lossy());
    let mut temporary = tempfile::Builder::new()
        .prefix(&format!(".{file_name}."))
        .suffix(".nblint-tmp")
        .tempfile_in(&folder)?;
    write(temporary.as_file_mut())?;
    if sync {
        temporary.as_file().sync_all()?;
    }
    if let Ok(metadata) = std::fs::metadata(&target) {
        temporary
            .as_file()
            .set_permissions(metadata.permissions())?;
    }
    temporary.persist(&target).map_err(|error| error.error)?;
    Ok(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    const JUPYTER: &str = "{\n \"cells\": [\n  {\n   \"cell_type\": \"code\",\n   \"execution_count\": null,\n   \"metadata\": {},\n   \"outputs\": [],\n   \"source\": [\n    \"let é = 1.50;\\n\",\n    \"é\"\n   ]\n  }\n ],\n \"metadata\": {\n  \"kernelspec\": {\n   \"display_name\": \"Rust\",\n   \"language\": \"rust\",\n   \"name\": \"rust\"\n  }\n },\n \"nbformat\": 4,\n \"nbformat_minor\": 5\n}\n";

    #[test]
    fn jupyter_layout_round_trips_byte_for_byte() {
        let notebook = Notebook::parse(JUPYTER.as_bytes()).unwrap();
        assert_eq!(
            String::from_utf8(notebook.to_nbformat_bytes()).unwrap(),
            JUPYTER
        );
        assert_eq!(
            String::from_utf8(notebook.to_original_style_bytes()).unwrap(),
            JUPYTER
        );
    }

    #[test]
    fn nbformat_layout_sorts_keys_and_keeps_crlf() {
        let text = "{\r\n  \"nbformat\": 4,\r\n  \"cells\": [],\r\n  \"metadata\": {\"b\": 1, \"a\": 1e-05}\r\n}";
        let notebook = Notebook::parse(text.as_bytes()).unwrap();
        let written = String::from_utf8(notebook.to_nbformat_bytes()).unwrap();
        assert_eq!(
            written,
            "{\r\n \"cells\": [],\r\n \"metadata\": {\r\n  \"a\": 1e-05,\r\n  \"b\": 1\r\n },\r\n \"nbformat\": 4\r\n}\r\n"
        );
        let original = String::from_utf8(notebook.to_original_style_bytes()).unwrap();
        assert_eq!(
            original,
            "{\r\n  \"nbformat\": 4,\r\n  \"cells\": [],\r\n  \"metadata\": {\r\n    \"b\": 1,\r\n    \"a\": 1e-05\r\n  }\r\n}"
        );
    }

    #[test]
    fn ascii_escapes_are_kept_when_the_file_used_them() {
        let text = "{\n \"cells\": [],\n \"metadata\": {\"t\": \"caf\\u00e9 \\ud83d\\ude00\"}\n}\n";
        let notebook = Notebook::parse(text.as_bytes()).unwrap();
        assert!(notebook.text_style().ascii_only);
        let original = String::from_utf8(notebook.to_original_style_bytes()).unwrap();
        assert!(original.contains("caf\\u00e9 \\ud83d\\ude00"), "{original}");
    }

    #[test]
    fn atomic_write_keeps_the_original_when_the_writer_fails() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("a.ipynb");
        std::fs::write(&path, b"original").unwrap();
        let result = write_atomically_with(&path, |file| {
            file.write_all(b"half")?;
            Err(io::Error::other("disk full"))
        });
        assert!(result.is_err());
        assert_eq!(std::fs::read(&path).unwrap(), b"original");
        let leftovers = std::fs::read_dir(folder.path()).unwrap().count();
        assert_eq!(leftovers, 1, "the temporary file is removed");
        write_atomically(&path, b"new").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
    }

    #[cfg(unix)]
    #[test]
    fn unsynced_write_replaces_a_link_target_and_keeps_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let folder = tempfile::tempdir().unwrap();
        let real = folder.path().join("real.ipynb");
        std::fs::write(&real, b"original").unwrap();
        std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o640)).unwrap();
        let link = folder.path().join("link.ipynb");
        std::os::unix::fs::symlink(&real, &link).unwrap();

        let written = write_atomically_unsynced(&link, b"new").unwrap();
        assert_eq!(written, std::fs::canonicalize(&real).unwrap());
        assert_eq!(std::fs::read(&real).unwrap(), b"new");
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        let mode = std::fs::metadata(&real).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o640);
        assert_eq!(std::fs::read_dir(folder.path()).unwrap().count(), 2);
    }
}
