//! Serialising a notebook: in Jupyter's own format (what `nbformat.write` produces), or in the
//! style the file already had; and writing a file so that it is never left half-written.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde::Serialize;
use serde::ser::{SerializeMap, SerializeSeq};
use serde_json::ser::Formatter;
use serde_json::{Map, Value};

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
    /// The notebook in the layout the file had when it was read (indent, key order, line
    /// endings, escaping, final newline), so an edit to one cell changes only that cell's
    /// lines in a file that was written consistently.
    pub fn to_original_style_bytes(&self) -> Vec<u8> {
        serialize_root(Root::Map(&self.json), self.style, false)
    }

    /// The layout detected when the notebook was read.
    pub fn text_style(&self) -> TextStyle {
        self.style
    }
}

/// Serialises `value` in `style`, with keys sorted at every level when `sort_keys`. Deep
/// nesting is written on a stack grown as needed.
pub fn serialize(value: &Value, style: TextStyle, sort_keys: bool) -> Vec<u8> {
    serialize_root(Root::Value(value), style, sort_keys)
}

/// What [`serialize_root`] writes: a value, or an object's map (a notebook's document,
/// written without copying it into a `Value`).
#[derive(Clone, Copy)]
enum Root<'a> {
    Value(&'a Value),
    Map(&'a Map<String, Value>),
}

fn serialize_root(root: Root<'_>, style: TextStyle, sort_keys: bool) -> Vec<u8> {
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
    let result = match root {
        Root::Value(value) => Ordered { value, sort_keys }.serialize(&mut serializer),
        Root::Map(map) => OrderedMap { map, sort_keys }.serialize(&mut serializer),
    };
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
            // Each level of nesting recurses: grow the stack where it runs low.
            Value::Array(items) => stacker::maybe_grow(RED_ZONE, STACK_GROWTH, || {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(&Ordered {
                        value: item,
                        sort_keys: self.sort_keys,
                    })?;
                }
                seq.end()
            }),
            Value::Object(map) => stacker::maybe_grow(RED_ZONE, STACK_GROWTH, || {
                OrderedMap {
                    map,
                    sort_keys: self.sort_keys,
                }
                .serialize(serializer)
            }),
            scalar => scalar.serialize(serializer),
        }
    }
}

/// Stack a level of serialisation may use before the stack is grown (frames of serde's
/// serializer are large unoptimised), and how much is added each time.
const RED_ZONE: usize = 128 * 1024;
const STACK_GROWTH: usize = 4 * 1024 * 1024;

/// An object's entries, serialised as [`Ordered`] does.
struct OrderedMap<'a> {
    map: &'a Map<String, Value>,
    sort_keys: bool,
}

impl Serialize for OrderedMap<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut entries: Vec<(&String, &Value)> = self.map.iter().collect();
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
    let target = resolve(path)?;
    let mut temporary = temporary_beside(&target)?;
    write(temporary.as_file_mut())?;
    if sync {
        temporary.as_file().sync_all()?;
    }
    if let Ok(metadata) = std::fs::metadata(&target) {
        // Best effort: callers that must tell the user use `replace_read_file`.
        let _ = keep_owner(temporary.as_file(), &metadata);
        temporary
            .as_file()
            .set_permissions(metadata.permissions())?;
    }
    temporary.persist(&target).map_err(|error| error.error)?;
    Ok(target)
}

/// The file a write to `path` replaces: `path` itself, or the target of a symbolic link (the
/// link is kept). A plain file is not canonicalised (that costs system calls).
fn resolve(path: &Path) -> io::Result<PathBuf> {
    let is_link = std::fs::symlink_metadata(path).is_ok_and(|meta| meta.file_type().is_symlink());
    if is_link {
        std::fs::canonicalize(path)
    } else {
        Ok(path.to_path_buf())
    }
}

/// A temporary file in the folder of `target`, named after it, removed unless persisted.
fn temporary_beside(target: &Path) -> io::Result<tempfile::NamedTempFile> {
    let folder = match target.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let file_name = target
        .file_name()
        .map_or_else(|| "notebook".into(), |name| name.to_string_lossy());
    tempfile::Builder::new()
        .prefix(&format!(".{file_name}."))
        .suffix(".nblint-tmp")
        .tempfile_in(&folder)
}

/// What a file was when it was read: its length, modification time and a hash of its bytes.
/// [`replace_read_file`] compares it with the file on disk just before renaming the new
/// version into place, so that a save made in the meantime (Jupyter saves by writing a new
/// file and renaming it over the old one) is never overwritten by a result computed from the
/// old bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadStamp {
    len: u64,
    modified: Option<SystemTime>,
    hash: u128,
}

impl ReadStamp {
    /// The stamp of `bytes`, read from a file whose metadata (taken after reading, from the
    /// same open file) is `metadata`. A file that grew or shrank while it was read gets a
    /// stamp that matches nothing on disk, so it is never replaced.
    pub fn new(bytes: &[u8], metadata: &std::fs::Metadata) -> Self {
        Self {
            len: if metadata.len() == bytes.len() as u64 {
                metadata.len()
            } else {
                u64::MAX
            },
            modified: metadata.modified().ok(),
            hash: xxhash_rust::xxh3::xxh3_128(bytes),
        }
    }

    /// Whether the file at `path` still is the one this stamp was taken of: same length and
    /// modification time, and bytes with the same hash (read only when the rest agrees).
    fn matches(&self, path: &Path) -> io::Result<bool> {
        let metadata = match std::fs::metadata(path) {
            Ok(metadata) => metadata,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(false),
            Err(error) => return Err(error),
        };
        if metadata.len() != self.len || metadata.modified().ok() != self.modified {
            return Ok(false);
        }
        let bytes = std::fs::read(path)?;
        Ok(bytes.len() as u64 == self.len && xxhash_rust::xxh3::xxh3_128(&bytes) == self.hash)
    }
}

/// Reads the file at `path` and stamps what was read (see [`ReadStamp`]), for a later
/// [`replace_read_file`].
pub fn read_stamped(path: &Path) -> io::Result<(Vec<u8>, ReadStamp)> {
    let mut file = std::fs::File::open(path)?;
    let mut bytes = Vec::new();
    io::Read::read_to_end(&mut file, &mut bytes)?;
    // Taken after reading, from the file that was read (not from the path, which a rename may
    // already point at another file).
    let metadata = file.metadata()?;
    let stamp = ReadStamp::new(&bytes, &metadata);
    Ok((bytes, stamp))
}

/// Why [`replace_read_file`] did not replace a file.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The file changed (or went away) after it was read: the new version, computed from the
    /// old bytes, would undo that change, so it was not written.
    #[error(
        "the file changed on disk after nblint read it (saved by another program?); \
         it was left as it is: run nblint again"
    )]
    ChangedSinceRead,
    /// The file is read-only (no write permission bit set, or this process may not write
    /// it): nblint respects that, even when it could rename over it.
    #[error(
        "the file is read-only; it was left as it is (make it writable to let nblint change it)"
    )]
    ReadOnly,
    /// Reading, writing or renaming failed.
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// How [`replace_read_file`] writes.
#[derive(Default)]
pub struct ReplaceOptions<'a> {
    /// Sync the temporary file before the rename (single writes do; `strip`, which rewrites
    /// many files, does not: see [`write_atomically_unsynced`]).
    pub sync: bool,
    /// Called after the temporary file is written and before the file is compared with its
    /// stamp and replaced: a test hook, to change the file in that window.
    pub before_replace: Option<&'a dyn Fn(&Path)>,
}

/// A file replaced by [`replace_read_file`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replaced {
    /// The path actually written (the target of a symbolic link).
    pub target: PathBuf,
    /// What could not be kept of the original file, for the user: an owner or group this
    /// process may not give (the file now belongs to whoever ran nblint).
    pub warnings: Vec<String>,
}

/// Replaces the file at `path`, which was read with stamp `read`, by `bytes`, atomically (a
/// temporary file in the same folder renamed over it), never losing anything:
///
/// - a read-only file is not written ([`WriteError::ReadOnly`]);
/// - the new file keeps the original's permission bits, and its owner and group where this
///   process may give them (as root it may; otherwise a warning says what changed);
/// - just before the rename the file on disk is compared with `read`: if it changed since it
///   was read, it is left as it is ([`WriteError::ChangedSinceRead`]). (A save that lands in
///   the microseconds between that check and the rename can still be lost: POSIX has no
///   rename-if-unchanged.)
///
/// If `path` is a symbolic link, the file it points to is replaced and the link kept.
pub fn replace_read_file(
    path: &Path,
    bytes: &[u8],
    read: &ReadStamp,
    options: &ReplaceOptions<'_>,
) -> Result<Replaced, WriteError> {
    let target = resolve(path)?;
    let metadata = std::fs::metadata(&target)?;
    if is_read_only(&target, &metadata) {
        return Err(WriteError::ReadOnly);
    }
    let mut temporary = temporary_beside(&target)?;
    temporary.as_file_mut().write_all(bytes)?;
    if options.sync {
        temporary.as_file().sync_all()?;
    }
    // Owner first: changing it can clear set-id bits, which the permissions then restore.
    let warnings = keep_owner(temporary.as_file(), &metadata);
    temporary
        .as_file()
        .set_permissions(metadata.permissions())?;
    if let Some(hook) = options.before_replace {
        hook(&target);
    }
    if !read.matches(&target)? {
        return Err(WriteError::ChangedSinceRead);
    }
    temporary.persist(&target).map_err(|error| error.error)?;
    Ok(Replaced { target, warnings })
}

/// Whether nblint must not replace the file: no write permission bit is set (checked even
/// for root, who could write it anyway), or this process may not open it for writing.
fn is_read_only(target: &Path, metadata: &std::fs::Metadata) -> bool {
    if metadata.permissions().readonly() {
        return true;
    }
    // Opening for writing (without truncating) changes nothing and asks the system.
    matches!(
        std::fs::OpenOptions::new().write(true).open(target),
        Err(error) if error.kind() == io::ErrorKind::PermissionDenied
    )
}

/// Gives `file` the owner and group of `original` where they differ and this process may;
/// returns a warning for each that could not be given.
#[cfg(unix)]
fn keep_owner(file: &std::fs::File, original: &std::fs::Metadata) -> Vec<String> {
    use std::os::unix::fs::MetadataExt;
    let Ok(current) = file.metadata() else {
        return Vec::new();
    };
    let (uid, gid) = (original.uid(), original.gid());
    if current.uid() == uid && current.gid() == gid {
        return Vec::new();
    }
    if std::os::unix::fs::fchown(file, Some(uid), Some(gid)).is_ok() {
        return Vec::new();
    }
    let mut warnings = Vec::new();
    if current.uid() != uid {
        warnings.push(format!(
            "could not keep its owner (uid {uid}): it is now owned by uid {}",
            current.uid()
        ));
    }
    // A user may still give a group they belong to.
    if current.gid() != gid && std::os::unix::fs::fchown(file, None, Some(gid)).is_err() {
        warnings.push(format!(
            "could not keep its group (gid {gid}): its group is now gid {}",
            current.gid()
        ));
    }
    warnings
}

#[cfg(not(unix))]
fn keep_owner(_file: &std::fs::File, _original: &std::fs::Metadata) -> Vec<String> {
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    const JUPYTER: &str = "{\n \"cells\": [\n  {\n   \"cell_type\": \"code\",\n   \"execution_count\": null,\n   \"metadata\": {},\n   \"outputs\": [],\n   \"source\": [\n    \"let é = 1.50;\\n\",\n    \"é\"\n   ]\n  }\n ],\n \"metadata\": {\n  \"kernelspec\": {\n   \"display_name\": \"Rust\",\n   \"language\": \"rust\",\n   \"name\": \"rust\"\n  }\n },\n \"nbformat\": 4,\n \"nbformat_minor\": 5\n}\n";

    #[test]
    fn original_layout_round_trips_byte_for_byte() {
        // Jupyter's own layout, and one that is not (two-space indent, unsorted keys, CRLF, no
        // final newline): each is written back as it was read.
        let text = "{\r\n  \"nbformat\": 4,\r\n  \"cells\": [],\r\n  \"metadata\": {\r\n    \"b\": 1,\r\n    \"a\": 1e-05\r\n  }\r\n}";
        for text in [JUPYTER, text] {
            let notebook = Notebook::parse(text.as_bytes()).unwrap();
            assert_eq!(
                String::from_utf8(notebook.to_original_style_bytes()).unwrap(),
                text
            );
        }
    }

    #[test]
    fn serialize_sorts_keys_when_asked() {
        let value: Value = serde_json::from_str(r#"{"b": 1, "a": {"d": 1e-05, "c": []}}"#).unwrap();
        let style = TextStyle {
            crlf: true,
            ..TextStyle::NBFORMAT
        };
        assert_eq!(
            String::from_utf8(serialize(&value, style, true)).unwrap(),
            "{\r\n \"a\": {\r\n  \"c\": [],\r\n  \"d\": 1e-05\r\n },\r\n \"b\": 1\r\n}\r\n"
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

    /// A file holding `text`, and its stamp as read.
    fn read_file(folder: &Path, text: &str) -> (PathBuf, ReadStamp) {
        let path = folder.join("n.ipynb");
        std::fs::write(&path, text).unwrap();
        let (bytes, stamp) = read_stamped(&path).unwrap();
        assert_eq!(bytes, text.as_bytes());
        (path, stamp)
    }

    fn entries(folder: &Path) -> usize {
        std::fs::read_dir(folder).unwrap().count()
    }

    #[test]
    fn a_file_read_and_unchanged_is_replaced() {
        let folder = tempfile::tempdir().unwrap();
        let (path, stamp) = read_file(folder.path(), "old");
        for sync in [true, false] {
            let options = ReplaceOptions {
                sync,
                before_replace: None,
            };
            let replaced = replace_read_file(&path, b"new", &stamp, &options);
            if sync {
                assert_eq!(replaced.unwrap().target, path);
                assert_eq!(std::fs::read(&path).unwrap(), b"new");
            } else {
                // The file is no longer the one that was read.
                assert!(matches!(replaced, Err(WriteError::ChangedSinceRead)));
            }
        }
        assert_eq!(entries(folder.path()), 1);
    }

    #[test]
    fn a_save_made_after_reading_is_never_overwritten() {
        let folder = tempfile::tempdir().unwrap();
        // Saved the way Jupyter saves: a new file renamed over the old one, same length.
        let save = |target: &Path| {
            let saved = target.with_extension("saving");
            std::fs::write(&saved, "NEW").unwrap();
            std::fs::rename(&saved, target).unwrap();
        };
        // Written in place, same length, and the old modification time put back: only the
        // hash tells.
        let sneak = |target: &Path| {
            let modified = std::fs::metadata(target).unwrap().modified().unwrap();
            std::fs::write(target, "ol!").unwrap();
            let file = std::fs::File::options().write(true).open(target).unwrap();
            file.set_modified(modified).unwrap();
        };
        let delete = |target: &Path| std::fs::remove_file(target).unwrap();
        let hooks: [&dyn Fn(&Path); 3] = [&save, &sneak, &delete];
        for hook in hooks {
            let folder = tempfile::tempdir().unwrap();
            let (path, stamp) = read_file(folder.path(), "old");
            let before = std::fs::read(&path).ok();
            let options = ReplaceOptions {
                sync: false,
                before_replace: Some(&|target: &Path| hook(target)),
            };
            let error = replace_read_file(&path, b"fixed", &stamp, &options).unwrap_err();
            assert!(matches!(error, WriteError::ChangedSinceRead), "{error}");
            assert_ne!(std::fs::read(&path).ok(), Some(b"fixed".to_vec()));
            assert_ne!(std::fs::read(&path).ok(), before);
            // No temporary file is left behind.
            assert!(std::fs::read_dir(folder.path()).unwrap().all(|entry| {
                !entry
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .ends_with("nblint-tmp")
            }));
        }
        drop(folder);
    }

    #[cfg(unix)]
    #[test]
    fn read_only_files_are_refused_and_modes_kept() {
        use std::os::unix::fs::PermissionsExt;
        let folder = tempfile::tempdir().unwrap();
        let (path, stamp) = read_file(folder.path(), "old");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).unwrap();
        let error =
            replace_read_file(&path, b"new", &stamp, &ReplaceOptions::default()).unwrap_err();
        assert!(matches!(error, WriteError::ReadOnly), "{error}");
        assert!(error.to_string().contains("read-only"));
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        assert_eq!(entries(folder.path()), 1);

        for mode in [0o600, 0o640, 0o755, 0o2775] {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
            let (_, stamp) = read_stamped(&path).unwrap();
            replace_read_file(&path, b"new", &stamp, &ReplaceOptions::default()).unwrap();
            let written = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(written & 0o7777, mode, "{mode:o}");
        }
    }

    #[cfg(unix)]
    #[test]
    #[allow(clippy::print_stderr)]
    fn owner_and_group_are_kept() {
        use std::os::unix::fs::MetadataExt;
        let folder = tempfile::tempdir().unwrap();
        let (path, _) = read_file(folder.path(), "old");
        let me = std::fs::metadata(&path).unwrap();
        // Only root may give a file to someone else.
        if std::os::unix::fs::chown(&path, Some(4321), Some(4322)).is_err() {
            eprintln!(
                "SKIPPED owner_and_group_are_kept: needs root (running as uid {}), to chown a file to another user",
                me.uid()
            );
            return;
        }
        let (_, stamp) = read_stamped(&path).unwrap();
        let replaced =
            replace_read_file(&path, b"new", &stamp, &ReplaceOptions::default()).unwrap();
        assert!(replaced.warnings.is_empty(), "{:?}", replaced.warnings);
        let written = std::fs::metadata(&path).unwrap();
        assert_eq!((written.uid(), written.gid()), (4321, 4322));
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
