//! Mapping between byte offsets in a cell's source and one-based (line, column) positions.

/// The start offset of every line of one text, so that byte offsets and one-based
/// (line, column) pairs convert both ways in `O(log lines)`.
///
/// Columns count Unicode scalar values, as a person counts characters on a line; lines end at
/// `\n` (a `\r` before it belongs to the line break, not to the column count of the next line).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LineIndex {
    line_starts: Vec<usize>,
    len: usize,
}

/// A one-based line and column inside one text (a cell's source).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LineColumn {
    /// One-based line number.
    pub line: usize,
    /// One-based column, in characters.
    pub column: usize,
}

impl LineIndex {
    /// Indexes `text`.
    ///
    /// ```
    /// use nblint_notebook::LineIndex;
    /// let index = LineIndex::new("let a = 1;\nlet b = a;\n");
    /// assert_eq!(index.line_count(), 3);
    /// ```
    pub fn new(text: &str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(memchr_newlines(text.as_bytes()).map(|at| at + 1));
        Self {
            line_starts,
            len: text.len(),
        }
    }

    /// Number of lines; a text ending with `\n` has an empty last line.
    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// Byte offset where one-based `line` starts, or `None` past the end.
    pub fn line_start(&self, line: usize) -> Option<usize> {
        line.checked_sub(1)
            .and_then(|index| self.line_starts.get(index).copied())
    }

    /// The one-based (line, column) of byte `offset` in `text` (the same text this index was
    /// built from). Offsets past the end clamp to the end; offsets inside a multi-byte
    /// character count as that character.
    ///
    /// ```
    /// use nblint_notebook::{LineColumn, LineIndex};
    /// let text = "let a = 1;\nlet é = a;";
    /// let index = LineIndex::new(text);
    /// assert_eq!(index.line_column(text, 15), LineColumn { line: 2, column: 5 });
    /// ```
    pub fn line_column(&self, text: &str, offset: usize) -> LineColumn {
        let offset = offset.min(self.len).min(text.len());
        let line_index = match self.line_starts.binary_search(&offset) {
            Ok(exact) => exact,
            Err(next) => next.saturating_sub(1),
        };
        let start = self.line_starts.get(line_index).copied().unwrap_or(0);
        let column = text
            .get(start..offset)
            .map_or(offset - start, |prefix| prefix.chars().count());
        LineColumn {
            line: line_index + 1,
            column: column + 1,
        }
    }

    /// The byte offset of one-based (line, column) in `text`, clamped to the line's end.
    pub fn offset(&self, text: &str, position: LineColumn) -> usize {
        let Some(start) = self.line_start(position.line) else {
            return self.len;
        };
        let end = self
            .line_start(position.line + 1)
            .map_or(self.len, |next| next.saturating_sub(1));
        let line = text.get(start..end).unwrap_or("");
        let skip = position.column.saturating_sub(1);
        start
            + line
                .char_indices()
                .nth(skip)
                .map_or(line.len(), |(at, _)| at)
    }
}

fn memchr_newlines(bytes: &[u8]) -> impl Iterator<Item = usize> + '_ {
    bytes
        .iter()
        .enumerate()
        .filter_map(|(at, byte)| (*byte == b'\n').then_some(at))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, offset: usize, line: usize, column: usize) {
        let index = LineIndex::new(text);
        let found = index.line_column(text, offset);
        assert_eq!(
            found,
            LineColumn { line, column },
            "offset {offset} in {text:?}"
        );
        assert_eq!(index.offset(text, found), offset.min(text.len()));
    }

    #[test]
    fn offsets_round_trip() {
        check("", 0, 1, 1);
        check("abc", 2, 1, 3);
        check("abc\ndef", 4, 2, 1);
        check("abc\ndef", 6, 2, 3);
        check("abc\n", 4, 2, 1);
        check("é\nx", 3, 2, 1);
        check("aé b", 4, 1, 4);
        check("a\r\nb", 3, 2, 1);
    }

    #[test]
    fn past_the_end_clamps() {
        let index = LineIndex::new("ab");
        assert_eq!(
            index.line_column("ab", 99),
            LineColumn { line: 1, column: 3 }
        );
        assert_eq!(index.offset("ab", LineColumn { line: 5, column: 1 }), 2);
        assert_eq!(index.offset("ab", LineColumn { line: 1, column: 9 }), 2);
    }
}
