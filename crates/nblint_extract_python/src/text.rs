//! Rendering a cell's own text with edits applied and every line indented into a function
//! body, except the lines inside a multi-line string (indenting those would change the
//! string's value).

use crate::ipython::Edit;

/// Renders `text[from..to]` with the `edits` that lie inside it (in any order: they are
/// applied by position; one overlapping an earlier one is dropped), each line indented by
/// `indent`, except blank lines and lines that start inside one of `literals` (byte ranges of
/// multi-line string literals). A replacement's own line breaks are indented like the line
/// the edit starts on.
pub fn render(
    text: &str,
    from: usize,
    to: usize,
    edits: &[Edit],
    indent: &str,
    literals: &[(usize, usize)],
) -> String {
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort_by_key(|edit| (edit.start, edit.end));
    let mut out = String::new();
    let mut position = from;
    let mut at_line_start = true;
    let copy = |out: &mut String, start: usize, end: usize, at_line_start: &mut bool| {
        let Some(segment) = text.get(start..end) else {
            return;
        };
        for (offset, ch) in segment.char_indices() {
            let absolute = start + offset;
            if *at_line_start && ch != '\n' && ch != '\r' {
                let in_literal = literals.iter().any(|&(s, e)| s < absolute && absolute < e);
                if !in_literal {
                    out.push_str(indent);
                }
            }
            *at_line_start = ch == '\n';
            out.push(ch);
        }
    };
    for edit in sorted {
        if edit.start < position || edit.end > to || edit.start < from {
            continue;
        }
        copy(&mut out, position, edit.start, &mut at_line_start);
        if !edit.text.is_empty() {
            if at_line_start {
                out.push_str(indent);
            }
            let line_start = text[..edit.start].rfind('\n').map_or(0, |i| i + 1);
            let column: String = text[line_start..edit.start]
                .chars()
                .take_while(|c| *c == ' ' || *c == '\t')
                .collect();
            let continuation = format!("\n{indent}{column}");
            out.push_str(&edit.text.replace('\n', &continuation));
            at_line_start = edit.text.ends_with('\n');
        }
        position = edit.end;
    }
    copy(&mut out, position, to, &mut at_line_start);
    out
}

/// The byte range of the whole lines holding `start..end`, if nothing else shares them (only
/// blanks before `start` on its line, only blanks or a comment after `end` on its line).
pub fn whole_lines(text: &str, start: usize, end: usize) -> Option<(usize, usize)> {
    let line_start = text.get(..start)?.rfind('\n').map_or(0, |i| i + 1);
    if !text.get(line_start..start)?.trim().is_empty() {
        return None;
    }
    let rest = text.get(end..)?;
    let line_end = rest.find('\n').map_or(text.len(), |i| end + i + 1);
    let tail = text.get(end..line_end)?.trim();
    if !(tail.is_empty() || tail.starts_with('#')) {
        return None;
    }
    Some((line_start, line_end))
}

/// Text for a Python docstring: backslashes and triple quotes escaped.
pub fn docstring_text(text: &str) -> String {
    text.replace('\\', "\\\\").replace("\"\"\"", "\\\"\\\"\\\"")
}

/// A docstring of `lines` at `indent`, or `None` when there is nothing to say.
pub fn docstring(lines: &[String], indent: &str) -> Option<String> {
    let lines: Vec<String> = lines
        .iter()
        .map(|line| docstring_text(line.trim_end()))
        .collect();
    let first = lines.iter().position(|line| !line.trim().is_empty())?;
    let last = lines.iter().rposition(|line| !line.trim().is_empty())?;
    let mut kept: Vec<String> = Vec::new();
    for line in &lines[first..=last] {
        if line.trim().is_empty() && kept.last().is_some_and(|l: &String| l.trim().is_empty()) {
            continue;
        }
        kept.push(line.clone());
    }
    let lines = &kept[..];
    let mut out = format!("{indent}\"\"\"");
    if lines.len() == 1 {
        let line = lines[0].trim();
        // A docstring may not end with a quote right before the closing quotes.
        let line = if line.ends_with('"') {
            format!("{line} ")
        } else {
            line.to_owned()
        };
        out.push_str(&line);
        out.push_str("\"\"\"\n");
        return Some(out);
    }
    out.push_str(lines[0].trim());
    out.push('\n');
    for line in &lines[1..] {
        if line.trim().is_empty() {
            out.push('\n');
        } else {
            out.push_str(indent);
            out.push_str(line);
            out.push('\n');
        }
    }
    out.push_str(indent);
    out.push_str("\"\"\"\n");
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indents_code_but_not_string_interiors() {
        let text = "x = \"\"\"a\nb\"\"\"\n\nif x:\n    y = 1\n";
        let literal = (4, 13);
        assert_eq!(
            render(text, 0, text.len(), &[], "    ", &[literal]),
            "    x = \"\"\"a\nb\"\"\"\n\n    if x:\n        y = 1\n"
        );
    }

    #[test]
    fn applies_edits_and_indents_their_lines() {
        let text = "if a:\n    %ls\nz = 1\n";
        let edits = [Edit {
            start: 10,
            end: 13,
            text: "# ls\npass".into(),
        }];
        assert_eq!(
            render(text, 0, text.len(), &edits, "    ", &[]),
            "    if a:\n        # ls\n        pass\n    z = 1\n"
        );
    }

    #[test]
    fn edits_apply_by_position_whatever_their_order() {
        let text = "class Add(Base):\n    pass\n";
        let edits = [
            Edit {
                start: 10,
                end: 14,
                text: "Base_2".into(),
            },
            Edit {
                start: 6,
                end: 9,
                text: "Add_2".into(),
            },
        ];
        assert_eq!(
            render(text, 0, text.len(), &edits, "", &[]),
            "class Add_2(Base_2):\n    pass\n"
        );
    }

    #[test]
    fn whole_lines_only_when_alone() {
        let text = "import os\nimport a; b = 1\n";
        assert_eq!(whole_lines(text, 0, 9), Some((0, 10)));
        assert_eq!(whole_lines(text, 10, 18), None);
    }

    #[test]
    fn docstrings() {
        assert_eq!(
            docstring(&["Load \"data\"".into()], "").as_deref(),
            Some("\"\"\"Load \"data\" \"\"\"\n")
        );
        assert_eq!(
            docstring(&["A".into(), String::new(), "b\\c".into()], "    ").as_deref(),
            Some("    \"\"\"A\n\n    b\\\\c\n    \"\"\"\n")
        );
    }
}
