//! Where each cell's source lines sit in the `.ipynb` file, so a diagnostic can also name the
//! line of the file (for tools that only know files: SARIF viewers, editors).
//!
//! The JSON was already validated by serde_json; this is a second, cheap, iterative pass over
//! the text that records the file line of every string in each cell's `source` (or nbformat
//! 3 `input`) list. It never recurses, so no input can overflow the stack.

use crate::model::{Notebook, split_lines};

/// Where each cell's source sits in the `.ipynb` file. Computed on demand (it reads the file's
/// text once more), for the outputs that need file lines.
#[derive(Debug, Clone, Default)]
pub struct FileLines {
    cells: Vec<Vec<u32>>,
}

impl FileLines {
    /// Scans the text of a notebook file (with or without a BOM).
    pub fn new(text: &str) -> Self {
        Self {
            cells: source_file_lines(text.strip_prefix('\u{feff}').unwrap_or(text)),
        }
    }

    /// The one-based line of the `.ipynb` file that holds one-based `line` of cell
    /// `cell`'s source, when the source is stored as a list of lines (as Jupyter writes it)
    /// or as one string on one line of the file.
    ///
    /// ```
    /// use nblint_notebook::{FileLines, Notebook};
    /// let text = "{\"cells\": [\n {\"cell_type\": \"code\", \"source\": [\n  \"a\\n\",\n  \"b\"\n ]}\n]}";
    /// let notebook = Notebook::parse(text.as_bytes()).unwrap();
    /// assert_eq!(FileLines::new(text).file_line(&notebook, 1, 2), Some(4));
    /// ```
    pub fn file_line(&self, notebook: &Notebook, cell: usize, line: usize) -> Option<usize> {
        let lines = self.cells.get(cell.checked_sub(1)?)?;
        let source = &notebook.cell(cell)?.source;
        if lines.len() == 1 {
            // One string: its lines are escaped `\n`s on a single line of the file.
            return lines.first().map(|line| *line as usize);
        }
        // Which list element holds the start of `line`?
        let mut current_line = 1;
        for (element, text) in split_lines(source).enumerate() {
            if current_line >= line {
                return lines.get(element).map(|line| *line as usize);
            }
            current_line += text.matches('\n').count();
            if current_line > line {
                return lines.get(element).map(|line| *line as usize);
            }
        }
        lines.last().map(|line| *line as usize)
    }
}

/// File lines (one-based) of the strings of each cell's source: for a source stored as a list,
/// one entry per list element; for one string, a single entry. Indexed like the cells.
fn source_file_lines(text: &str) -> Vec<Vec<u32>> {
    let bytes = text.as_bytes();
    let mut scanner = Scanner {
        bytes,
        at: 0,
        line: 1,
    };
    let mut cells: Vec<Vec<u32>> = Vec::new();
    // Path of keys/indices from the root: we only care about
    // root."cells"[i]."source" and root."worksheets"[w]."cells"[i]."input"/"source".
    let mut stack: Vec<Frame> = Vec::new();
    let mut pending_key: Option<String> = None;
    while let Some(byte) = scanner.next_token() {
        match byte {
            b'{' | b'[' => {
                let role = role_of_container(&stack, pending_key.take(), byte == b'[');
                if role == Role::Cell {
                    cells.push(Vec::new());
                }
                stack.push(Frame {
                    is_array: byte == b'[',
                    role,
                    expecting_key: byte == b'{',
                });
            }
            b'}' | b']' => {
                stack.pop();
                pending_key = None;
            }
            b',' => {
                if let Some(frame) = stack.last_mut()
                    && !frame.is_array
                {
                    frame.expecting_key = true;
                }
            }
            b':' => {
                if let Some(frame) = stack.last_mut() {
                    frame.expecting_key = false;
                }
            }
            b'"' => {
                let line = scanner.line;
                let string = scanner.string();
                match stack.last() {
                    Some(frame) if !frame.is_array && frame.expecting_key => {
                        pending_key = Some(string);
                    }
                    Some(frame) => {
                        let in_source_list = frame.is_array && frame.role == Role::Source;
                        let is_source_string = !frame.is_array
                            && frame.role == Role::Cell
                            && matches!(pending_key.as_deref(), Some("source" | "input"));
                        if (in_source_list || is_source_string)
                            && let Some(cell) = cells.last_mut()
                        {
                            cell.push(line as u32);
                        }
                        pending_key = None;
                    }
                    None => {}
                }
            }
            _ => {
                // A number, `true`, `false` or `null`: a value.
                scanner.skip_scalar();
                pending_key = None;
            }
        }
    }
    cells
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Root,
    CellList,
    Worksheets,
    Worksheet,
    Cell,
    Source,
    Other,
}

struct Frame {
    is_array: bool,
    role: Role,
    expecting_key: bool,
}

fn role_of_container(stack: &[Frame], key: Option<String>, is_array: bool) -> Role {
    let Some(parent) = stack.last() else {
        return Role::Root;
    };
    match (parent.role, key.as_deref(), is_array) {
        (Role::Root, Some("cells"), true) | (Role::Worksheet, Some("cells"), true) => {
            Role::CellList
        }
        (Role::Root, Some("worksheets"), true) => Role::Worksheets,
        (Role::Worksheets, None, false) => Role::Worksheet,
        (Role::CellList, None, false) => Role::Cell,
        (Role::Cell, Some("source" | "input"), true) => Role::Source,
        _ => Role::Other,
    }
}

struct Scanner<'a> {
    bytes: &'a [u8],
    at: usize,
    line: usize,
}

impl Scanner<'_> {
    /// The next structural byte or the first byte of a value, skipping whitespace.
    fn next_token(&mut self) -> Option<u8> {
        while let Some(&byte) = self.bytes.get(self.at) {
            self.at += 1;
            match byte {
                b'\n' => self.line += 1,
                b' ' | b'\t' | b'\r' => {}
                _ => return Some(byte),
            }
        }
        None
    }

    /// Reads a string whose opening quote was just consumed; returns its raw text (escapes
    /// kept, which is enough to compare keys).
    fn string(&mut self) -> String {
        let start = self.at;
        while let Some(&byte) = self.bytes.get(self.at) {
            self.at += 1;
            match byte {
                b'\\' => self.at += 1,
                b'"' => break,
                b'\n' => self.line += 1,
                _ => {}
            }
        }
        let end = self.at.saturating_sub(1).max(start);
        String::from_utf8_lossy(&self.bytes[start..end.min(self.bytes.len())]).into_owned()
    }

    fn skip_scalar(&mut self) {
        while let Some(&byte) = self.bytes.get(self.at) {
            if matches!(byte, b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t') {
                break;
            }
            self.at += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_line_of_every_source_string() {
        let text = "{\n \"cells\": [\n  {\n   \"cell_type\": \"code\",\n   \"metadata\": {\"source\": \"no\"},\n   \"outputs\": [{\"text\": [\"x\\n\"]}],\n   \"source\": [\n    \"a\\n\",\n    \"b\"\n   ]\n  },\n  {\"cell_type\": \"markdown\", \"source\": \"one string\"}\n ],\n \"metadata\": {}\n}\n";
        assert_eq!(source_file_lines(text), vec![vec![8, 9], vec![12]]);
    }

    #[test]
    fn nbformat_3_worksheets() {
        let text = "{\"worksheets\": [{\"cells\": [\n{\"cell_type\": \"code\", \"input\": [\n\"x = 1\\n\",\n\"y\"]}]}]}";
        assert_eq!(source_file_lines(text), vec![vec![3, 4]]);
    }
}
