//! Conversions between byte offsets in a cell's text and LSP positions (a zero-based line
//! and a character offset counted in the encoding agreed with the client: UTF-16 code units
//! by default, UTF-8 bytes when the client offers it).

use lsp_types::{Position, Range};

/// How the `character` of a [`Position`] counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encoding {
    /// UTF-16 code units: the LSP default, which every client supports.
    #[default]
    Utf16,
    /// UTF-8 bytes (LSP 3.17 `positionEncoding: "utf-8"`).
    Utf8,
}

impl Encoding {
    fn width(self, character: char) -> usize {
        match self {
            Self::Utf16 => character.len_utf16(),
            Self::Utf8 => character.len_utf8(),
        }
    }
}

/// The position of byte `offset` in `text`. Offsets past the end clamp to the end; an offset
/// inside a character counts as that character's start.
pub fn position(text: &str, offset: usize, encoding: Encoding) -> Position {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |at| at + 1);
    let line = before.bytes().filter(|byte| *byte == b'\n').count();
    let character: usize = before[line_start..]
        .chars()
        .map(|character| encoding.width(character))
        .sum();
    Position {
        line: u32::try_from(line).unwrap_or(u32::MAX),
        character: u32::try_from(character).unwrap_or(u32::MAX),
    }
}

/// The range of the byte range `start..end` in `text`.
pub fn range(text: &str, start: usize, end: usize, encoding: Encoding) -> Range {
    Range {
        start: position(text, start, encoding),
        end: position(text, end.max(start), encoding),
    }
}

/// The byte offset of `position` in `text`. A line past the end gives the end of the text; a
/// character past the end of its line gives the line's end (before its line break), as the
/// protocol asks.
pub fn offset(text: &str, position: Position, encoding: Encoding) -> usize {
    let mut line_start = 0;
    for _ in 0..position.line {
        match text[line_start..].find('\n') {
            Some(at) => line_start += at + 1,
            None => return text.len(),
        }
    }
    let line_end = text[line_start..]
        .find('\n')
        .map_or(text.len(), |at| line_start + at);
    let line = &text[line_start..line_end];
    let line = line.strip_suffix('\r').unwrap_or(line);
    let wanted = position.character as usize;
    let mut counted = 0;
    for (at, character) in line.char_indices() {
        if counted >= wanted {
            return line_start + at;
        }
        counted += encoding.width(character);
    }
    line_start + line.len()
}

/// Whether byte `offset` lies in `start..=end` (a cursor just after a name is still on it).
pub fn touches(start: usize, end: usize, offset: usize) -> bool {
    start <= offset && offset <= end
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, offset_: usize, encoding: Encoding, line: u32, character: u32) {
        let found = position(text, offset_, encoding);
        assert_eq!(
            (found.line, found.character),
            (line, character),
            "{text:?}@{offset_}"
        );
        assert_eq!(offset(text, found, encoding), offset_, "{text:?} back");
    }

    #[test]
    fn positions_round_trip_in_both_encodings() {
        let text = "a = 1\nb = \"é😀\" + a\n";
        check(text, 0, Encoding::Utf16, 0, 0);
        check(text, 6, Encoding::Utf16, 1, 0);
        // After `é` (2 bytes, 1 UTF-16 unit) and `😀` (4 bytes, 2 units).
        check(text, 11, Encoding::Utf16, 1, 5);
        check(text, 13, Encoding::Utf16, 1, 6);
        check(text, 17, Encoding::Utf16, 1, 8);
        check(text, 17, Encoding::Utf8, 1, 11);
        check(text, text.len(), Encoding::Utf16, 2, 0);
    }

    #[test]
    fn out_of_range_positions_clamp() {
        let text = "ab\r\ncd";
        let at = |line, character| offset(text, Position { line, character }, Encoding::Utf16);
        assert_eq!(at(0, 99), 2);
        assert_eq!(at(9, 0), text.len());
        assert_eq!(position(text, 99, Encoding::Utf16), Position::new(1, 2));
    }
}
