//! IPython syntax in a cell, turned into plain Python: cell magics (`%%time`, `%%bash`,
//! `%%writefile`), line magics (`%matplotlib`, `%time`, `%cd`), shell lines (`!ls`) and
//! their captured form (`files = !ls`). Everything here is text edits on the cell's source:
//! the cell's own text stays as written around them.

use std::collections::HashSet;

use nblint_facts::CellFrontend;
use ruff_python_ast::visitor::{Visitor, walk_expr, walk_stmt};
use ruff_python_ast::{Expr, IpyEscapeKind, Stmt};
use ruff_text_size::Ranged;

use crate::Target;

/// The names a notebook's Python code mentions outside its shell commands. A shell line's
/// `$NAME` or `{NAME}` whose name is none of these nor a builtin is a shell variable
/// (`!echo $HOME`): IPython's formatter fails on it and runs the command as written.
#[derive(Debug, Default)]
pub struct NotebookNames(HashSet<String>);

impl NotebookNames {
    /// The names in the given code cells' sources: every identifier outside strings, in the
    /// cells IPython runs as Python (no `%%bash` script), shell lines and comments left out
    /// (`!ls $d`; the target of `files = !ls` kept). A name too many (a docstring's word)
    /// only keeps a command expanded.
    pub fn of<'a>(sources: impl IntoIterator<Item = &'a str>) -> Self {
        let mut names = HashSet::new();
        for source in sources {
            if !matches!(
                cell_magic(source),
                CellMagic::None | CellMagic::Python { .. }
            ) {
                continue;
            }
            for line in source.lines() {
                let tokens = crate::cells::identifier_tokens(python_part(line), true);
                names.extend(tokens.into_iter().map(|(name, _)| name));
            }
        }
        Self(names)
    }

    /// Whether `name` may be a Python value where a shell line reads it.
    fn knows(&self, name: &str) -> bool {
        self.0.contains(name) || nblint_python::PythonFrontend.is_builtin(name)
    }
}

/// A line's Python: none for a shell line (`!ls`, `%sx ls`, `%system ls`), the part before
/// the `!` of a captured one (`files = !ls`), the whole line otherwise.
fn python_part(line: &str) -> &str {
    let trimmed = line.trim_start();
    if trimmed.starts_with('!') || trimmed.starts_with("%sx") || trimmed.starts_with("%system") {
        return "";
    }
    if let Some((target, _)) = line.split_once('!')
        && let Some(target) = target.trim_end().strip_suffix('=')
        && !target.ends_with(['=', '<', '>'])
        && target.chars().all(|c| {
            c.is_alphanumeric() || matches!(c, '_' | ',' | ' ' | '\t' | '(' | ')' | '[' | ']')
        })
    {
        return target;
    }
    line
}

/// A replacement of `start..end` (byte offsets in the cell's Python text) by `text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    /// First byte replaced.
    pub start: usize,
    /// One past the last byte replaced.
    pub end: usize,
    /// The new text; its line breaks are indented like the line it lands on.
    pub text: String,
}

/// Line magics that only configure the interactive session (plots inline, extensions,
/// autosave): dropped, with a comment saying so.
const SESSION_MAGICS: &[&str] = &[
    "aimport",
    "autoawait",
    "autocall",
    "automagic",
    "autoreload",
    "autosave",
    "colors",
    "config",
    "doctest_mode",
    "history",
    "load_ext",
    "lsmagic",
    "matplotlib",
    "notebook",
    "pdb",
    "pinfo",
    "pprint",
    "precision",
    "qtconsole",
    "reload_ext",
    "unload_ext",
    "who",
    "who_ls",
    "whos",
    "xmode",
];

/// Line magics that install packages: their packages belong in `pyproject.toml`.
const INSTALL_MAGICS: &[&str] = &["pip", "conda", "mamba"];

/// Line magics whose argument is a statement that runs once as written (timing aside).
const STATEMENT_MAGICS: &[&str] = &["time", "prun", "capture"];

/// Why a cell cannot be extracted at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// Byte offset of the offending line in the cell's Python text.
    pub offset: usize,
    /// What is wrong.
    pub reason: String,
}

/// What rewriting a cell's IPython syntax gave.
#[derive(Debug, Clone, Default)]
pub struct Rewrite {
    /// Edits to apply, in order, not overlapping.
    pub edits: Vec<Edit>,
    /// Notes for the user: `(byte offset, message)`.
    pub warnings: Vec<(usize, String)>,
    /// Modules the replacements need (`subprocess`, `os`).
    pub needs: Vec<&'static str>,
    /// The cell runs `%run` or `%store`: extraction is refused.
    pub refusal: Option<Refusal>,
}

/// The cell magic a cell starts with, and how it is turned into Python.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CellMagic {
    /// No cell magic.
    None,
    /// A magic whose body is Python that runs once as written (`%%time`, `%%capture`):
    /// its header line (byte length) becomes a comment.
    Python {
        /// The header line, without its line break.
        header: String,
    },
    /// A shell script (`%%bash`, `%%sh`): run with `subprocess.run`.
    Shell {
        /// The shell program.
        program: String,
        /// The script.
        script: String,
    },
    /// `%%writefile [-a] PATH`.
    WriteFile {
        /// The file written.
        path: String,
        /// `-a`: append.
        append: bool,
        /// The text written.
        text: String,
    },
    /// Anything else (`%%html`, `%%javascript`, a notebook's own magic): left out.
    Other {
        /// The magic with its sigil.
        name: String,
    },
}

/// Reads the cell magic on the cell's first non-blank line.
pub fn cell_magic(source: &str) -> CellMagic {
    let trimmed = source.trim_start_matches(['\n', '\r', ' ', '\t']);
    let Some(rest) = trimmed.strip_prefix("%%") else {
        return CellMagic::None;
    };
    let (header, body) = rest.split_once('\n').unwrap_or((rest, ""));
    let header = header.trim_end_matches('\r');
    let mut words = header.split_whitespace();
    let name = words.next().unwrap_or_default();
    let arguments: Vec<&str> = words.collect();
    match name {
        "timeit" => CellMagic::Other {
            name: "%%timeit".to_owned(),
        },
        "time" | "capture" | "prun" => CellMagic::Python {
            header: format!("%%{header}"),
        },
        "bash" | "sh" => CellMagic::Shell {
            program: name.to_owned(),
            script: body.to_owned(),
        },
        "script"
            if arguments
                .first()
                .is_some_and(|p| matches!(*p, "bash" | "sh")) =>
        {
            CellMagic::Shell {
                program: arguments[0].to_owned(),
                script: body.to_owned(),
            }
        }
        "writefile" | "file" => {
            let append = arguments.iter().any(|a| *a == "-a" || *a == "--append");
            let path = arguments
                .iter()
                .rfind(|a| !a.starts_with('-'))
                .map_or_else(String::new, |p| p.trim_matches(['"', '\'']).to_owned());
            if path.is_empty() {
                return CellMagic::Other {
                    name: format!("%%{name}"),
                };
            }
            CellMagic::WriteFile {
                path,
                append,
                text: body.to_owned(),
            }
        }
        _ => CellMagic::Other {
            name: format!("%%{name}"),
        },
    }
}

/// A Python string literal holding `text` exactly (double quotes, escapes for the rest).
pub fn string_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for ch in text.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A shell command line as a Python expression, expanded as IPython expands it: `$name` and
/// `{expression}` become the values they name (an f-string), `$$` and `{{` stand for `$` and
/// `{`. IPython runs the command as written when any of them fails to evaluate; one that
/// cannot even parse as Python (`awk '{print $1}'`, JSON in `--data '{ "a": 1 }'`, a
/// `{` left open) is such a failure that is sure, and so is a name no Python code of the
/// notebook mentions (`$HOME`): the command is a plain string then.
fn shell_command(command: &str, names: &NotebookNames) -> String {
    match shell_pieces(command) {
        Some(pieces)
            if pieces
                .iter()
                .any(|piece| matches!(piece, Piece::Field { .. })) =>
        {
            let shell_variable = pieces.iter().any(|piece| match piece {
                Piece::Field { expression, .. } => {
                    let expression = expression.trim_start();
                    let end = expression
                        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                        .unwrap_or(expression.len());
                    let root = &expression[..end];
                    !root.is_empty()
                        && !root.starts_with(|c: char| c.is_ascii_digit())
                        && !names.knows(root)
                }
                Piece::Text(_) => false,
            });
            if shell_variable {
                string_literal(command)
            } else {
                render_pieces(&pieces)
            }
        }
        // Only `{{`, `}}` and `$$` to undo.
        Some(pieces) => string_literal(
            &pieces
                .iter()
                .map(|piece| match piece {
                    Piece::Text(text) => text.as_str(),
                    Piece::Field { .. } => "",
                })
                .collect::<String>(),
        ),
        None => string_literal(command),
    }
}

/// A piece of a shell command as IPython's `DollarFormatter` reads it.
#[derive(Debug, PartialEq, Eq)]
enum Piece {
    /// Text passed on as it is.
    Text(String),
    /// A Python expression whose value, converted (`!r`, `!s`, `!a`) and formatted, is put in.
    Field {
        expression: String,
        conversion: Option<char>,
    },
}

/// The pieces of a shell command, or `None` when IPython's formatter would fail on it for
/// sure (a lone `}` or an unclosed `{`, a bad conversion, a field that is not a Python
/// expression): IPython then runs the command as written.
fn shell_pieces(command: &str) -> Option<Vec<Piece>> {
    let chars: Vec<char> = command.chars().collect();
    let mut pieces = Vec::new();
    let mut literal = String::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '{' if chars.get(i + 1) == Some(&'{') => {
                literal.push('{');
                i += 2;
            }
            '}' if chars.get(i + 1) == Some(&'}') => {
                literal.push('}');
                i += 2;
            }
            '}' => return None,
            '{' => {
                dollar_pieces(&std::mem::take(&mut literal), &mut pieces);
                let (field, next) = format_field(&chars, i + 1)?;
                pieces.push(field);
                i = next;
            }
            c => {
                literal.push(c);
                i += 1;
            }
        }
    }
    dollar_pieces(&literal, &mut pieces);
    pieces
        .iter()
        .all(|piece| match piece {
            Piece::Text(_) => true,
            Piece::Field { expression, .. } => {
                ruff_python_parser::parse_expression(expression.trim()).is_ok()
            }
        })
        .then_some(pieces)
}

/// The field after a `{` at `start` (Python's `string.Formatter.parse`: the name runs to a
/// `!` or `:` outside brackets, the format spec to the matching `}`), with the index after
/// its `}`. IPython evaluates the name and the spec joined by `:` as one expression.
fn format_field(chars: &[char], start: usize) -> Option<(Piece, usize)> {
    let mut depth = 1;
    let mut end = start;
    while end < chars.len() {
        match chars[end] {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            _ => {}
        }
        end += 1;
    }
    if end >= chars.len() {
        return None;
    }
    let inner = &chars[start..end];
    let mut name_end = 0;
    let mut in_brackets = false;
    while name_end < inner.len() {
        match inner[name_end] {
            '[' => in_brackets = true,
            ']' => in_brackets = false,
            '!' | ':' if !in_brackets => break,
            _ => {}
        }
        name_end += 1;
    }
    let mut expression: String = inner[..name_end].iter().collect();
    let mut conversion = None;
    let mut rest = &inner[name_end..];
    if rest.first() == Some(&'!') {
        let converter = *rest.get(1)?;
        if !matches!(converter, 'r' | 's' | 'a') || !matches!(rest.get(2), None | Some(':')) {
            return None;
        }
        conversion = Some(converter);
        rest = &rest[2..];
    }
    if rest.first() == Some(&':') && rest.len() > 1 {
        expression.push(':');
        expression.extend(&rest[1..]);
    }
    Some((
        Piece::Field {
            expression,
            conversion,
        },
        end + 1,
    ))
}

/// Splits literal text at IPython's `$name` fields (`$` and a run of word characters and
/// dots, outside single quotes: an even number of `'` follows it in the text), `$$name`
/// standing for `$name`.
fn dollar_pieces(text: &str, pieces: &mut Vec<Piece>) {
    let chars: Vec<char> = text.chars().collect();
    let mut literal = String::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '$' {
            let doubled = chars.get(i + 1) == Some(&'$');
            let from = i + 1 + usize::from(doubled);
            let mut end = from;
            while end < chars.len()
                && (chars[end].is_alphanumeric() || matches!(chars[end], '_' | '.'))
            {
                end += 1;
            }
            let quotes_after = chars[end..].iter().filter(|&&c| c == '\'').count();
            if end > from && quotes_after % 2 == 0 {
                let name: String = chars[from..end].iter().collect();
                if doubled {
                    literal.push('$');
                    literal.push_str(&name);
                } else {
                    if !literal.is_empty() {
                        pieces.push(Piece::Text(std::mem::take(&mut literal)));
                    }
                    pieces.push(Piece::Field {
                        expression: name,
                        conversion: None,
                    });
                }
                i = end;
                continue;
            }
        }
        literal.push(chars[i]);
        i += 1;
    }
    if !literal.is_empty() {
        pieces.push(Piece::Text(literal));
    }
}

/// The pieces as one Python expression: an f-string, or, when a field's text cannot sit in
/// one (a quote, a backslash, a brace, a `#`), the pieces joined with `str()` (`repr()`,
/// `ascii()` for `!r`, `!a`).
fn render_pieces(pieces: &[Piece]) -> String {
    let fits = pieces.iter().all(|piece| match piece {
        Piece::Text(_) => true,
        Piece::Field { expression, .. } => !expression
            .chars()
            .any(|c| matches!(c, '"' | '\'' | '\\' | '{' | '}' | '#' | '\n' | '\r')),
    });
    if fits {
        let mut text = String::from("f\"");
        for piece in pieces {
            match piece {
                Piece::Text(literal) => {
                    let escaped = string_literal(literal);
                    let inner = &escaped[1..escaped.len() - 1];
                    text.push_str(&inner.replace('{', "{{").replace('}', "}}"));
                }
                Piece::Field {
                    expression,
                    conversion,
                } => {
                    let expression = expression.trim();
                    let simple = expression
                        .chars()
                        .all(|c| c.is_alphanumeric() || matches!(c, '_' | '.'));
                    text.push('{');
                    if simple {
                        text.push_str(expression);
                    } else {
                        text.push('(');
                        text.push_str(expression);
                        text.push(')');
                    }
                    if let Some(conversion) = conversion {
                        text.push('!');
                        text.push(*conversion);
                    }
                    text.push('}');
                }
            }
        }
        text.push('"');
        return text;
    }
    let parts: Vec<String> = pieces
        .iter()
        .map(|piece| match piece {
            Piece::Text(literal) => string_literal(literal),
            Piece::Field {
                expression,
                conversion,
            } => {
                let function = match conversion {
                    Some('r') => "repr",
                    Some('a') => "ascii",
                    _ => "str",
                };
                format!("{function}({})", expression.trim())
            }
        })
        .collect();
    format!("({})", parts.join(" + "))
}

/// The keywords of `subprocess.run` that capture a command's output as text, one per item:
/// `capture_output` and `text` came in Python 3.7; before, pipes and `universal_newlines`.
pub(crate) fn capture_keywords(target: Target) -> &'static [&'static str] {
    match target {
        Target::Modern => &["capture_output=True", "text=True"],
        Target::Py36 => &[
            "stdout=subprocess.PIPE",
            "stderr=subprocess.PIPE",
            "universal_newlines=True",
        ],
    }
}

/// The capture keywords one per line, as arguments of a call laid out over lines (at the
/// indentation of a `subprocess.run(` inside `print(`).
pub(crate) fn capture_lines(target: Target) -> String {
    let mut out = String::new();
    for keyword in capture_keywords(target) {
        out.push_str("        ");
        out.push_str(keyword);
        out.push_str(",\n");
    }
    out
}

/// `subprocess.run(...)` printing the command's output where IPython printed it.
pub fn shell_statement(command: &str, target: Target, names: &NotebookNames) -> String {
    // Written the way ruff format lays it out, so an unformatted package is already stable
    // (at the function-body indentation of a cell's top level).
    let keywords = capture_lines(target);
    format!(
        "print(\n    subprocess.run(\n        {},\n        shell=True,\n{keywords}    ).stdout,\n    end=\"\",\n)",
        shell_command(command, names)
    )
}

/// Whether a shell line installs packages (`pip install`, `conda install`, `apt-get install`).
pub fn installs_packages(command: &str) -> bool {
    let words: Vec<&str> = command.split_whitespace().collect();
    words.windows(2).any(|pair| {
        let program = pair[0].rsplit('/').next().unwrap_or(pair[0]);
        (program.starts_with("pip")
            || matches!(
                program,
                "conda" | "mamba" | "apt" | "apt-get" | "pip3" | "uv"
            ))
            && pair[1] == "install"
    }) || words
        .windows(3)
        .any(|w| w[0] == "-m" && w[1] == "pip" && w[2] == "install")
}

/// Finds the IPython escape commands of a parsed cell and the edits that make it Python.
pub fn rewrite(text: &str, body: &[Stmt], target: Target, names: &NotebookNames) -> Rewrite {
    let mut finder = EscapeFinder {
        text,
        rewrite: Rewrite::default(),
        depth: 0,
        target,
        names,
    };
    for statement in body {
        finder.visit_stmt(statement);
    }
    finder.rewrite.edits.sort_by_key(|edit| edit.start);
    finder.rewrite
}

struct EscapeFinder<'t> {
    text: &'t str,
    rewrite: Rewrite,
    /// How deep in compound statements the walk is: a command dropped inside a block leaves
    /// `pass` so the block keeps a statement.
    depth: usize,
    /// The Python the generated code must run on.
    target: Target,
    /// The names the notebook's Python mentions, to tell shell variables in commands.
    names: &'t NotebookNames,
}

impl EscapeFinder<'_> {
    fn need(&mut self, module: &'static str) {
        if !self.rewrite.needs.contains(&module) {
            self.rewrite.needs.push(module);
        }
    }

    fn replace(&mut self, start: usize, end: usize, text: String) {
        self.rewrite.edits.push(Edit { start, end, text });
    }

    /// The escape command's source as written (it may continue over lines with `\`).
    fn written(&self, start: usize, end: usize) -> String {
        self.text.get(start..end).unwrap_or_default().to_owned()
    }

    /// A comment standing where the command was.
    fn comment(&mut self, start: usize, end: usize, why: &str) {
        let written = self.written(start, end).replace('\n', " ");
        let filler = if self.depth > 0 { "\npass" } else { "" };
        self.replace(start, end, format!("# {written}  ({why}){filler}"));
    }

    fn statement(&mut self, start: usize, end: usize, kind: IpyEscapeKind, value: &str) {
        match kind {
            IpyEscapeKind::Shell | IpyEscapeKind::ShCap => {
                if installs_packages(value) {
                    self.comment(start, end, "an install: see pyproject.toml");
                    self.rewrite.warnings.push((
                        start,
                        format!(
                            "`!{}` installs packages: left out (dependencies are in pyproject.toml)",
                            value.trim()
                        ),
                    ));
                } else {
                    self.need("subprocess");
                    self.replace(
                        start,
                        end,
                        shell_statement(value.trim(), self.target, self.names),
                    );
                }
            }
            IpyEscapeKind::Help | IpyEscapeKind::Help2 => {
                self.comment(start, end, "IPython help: dropped");
            }
            IpyEscapeKind::Quote | IpyEscapeKind::Quote2 | IpyEscapeKind::Paren => {
                self.comment(start, end, "IPython autocall syntax: not extracted");
                self.rewrite.warnings.push((
                    start,
                    "IPython autocall syntax (`/f x`, `,f a`) has no Python equivalent: left out"
                        .to_owned(),
                ));
            }
            IpyEscapeKind::Magic | IpyEscapeKind::Magic2 => self.line_magic(start, end, value),
        }
    }

    fn line_magic(&mut self, start: usize, end: usize, value: &str) {
        let value = value.trim_start_matches('%');
        let (name, argument) = value
            .split_once(char::is_whitespace)
            .map_or((value, ""), |(n, a)| (n, a.trim()));
        match name {
            "run" | "store" => {
                self.rewrite.refusal.get_or_insert(Refusal {
                    offset: start,
                    reason: format!(
                        "`%{name}` {} names the extracted code cannot know",
                        if name == "run" {
                            "runs another file in the notebook's namespace, binding"
                        } else {
                            "moves values between notebooks through IPython's database, binding"
                        }
                    ),
                });
            }
            _ if INSTALL_MAGICS.contains(&name) => {
                self.comment(start, end, "an install: see pyproject.toml");
                self.rewrite.warnings.push((
                    start,
                    format!(
                        "`%{name} {argument}` installs packages: left out (dependencies are in \
                         pyproject.toml)"
                    ),
                ));
            }
            _ if SESSION_MAGICS.contains(&name) => {
                self.comment(start, end, "IPython session setting: dropped");
            }
            _ if STATEMENT_MAGICS.contains(&name) => {
                // Keep the statement's own text: drop `%time` and its options only.
                let written = self.written(start, end);
                let code = statement_start(&written, name);
                if code >= written.len() || written.get(code..).is_none_or(|c| c.trim().is_empty())
                {
                    self.comment(start, end, "nothing to run");
                } else {
                    self.replace(start, start + code, String::new());
                }
            }
            "timeit" => {
                // `%timeit` runs its statement many times in a namespace of its own: nothing
                // it binds survives, and its output is a timing.
                self.comment(start, end, "timing only: nothing %timeit binds survives it");
            }
            "cd" => {
                self.need("os");
                let folder = argument.trim_matches(['"', '\'']);
                self.replace(start, end, format!("os.chdir({})", string_literal(folder)));
            }
            "env" if argument.contains('=') => {
                self.need("os");
                let (key, val) = argument.split_once('=').unwrap_or((argument, ""));
                self.replace(
                    start,
                    end,
                    format!(
                        "os.environ[{}] = {}",
                        string_literal(key.trim()),
                        string_literal(val.trim())
                    ),
                );
            }
            "sx" | "system" => {
                self.need("subprocess");
                self.replace(
                    start,
                    end,
                    shell_statement(argument, self.target, self.names),
                );
            }
            _ => {
                self.comment(start, end, "IPython magic: not extracted");
                self.rewrite.warnings.push((
                    start,
                    format!("`%{name}` has no Python equivalent: left out"),
                ));
            }
        }
    }
}

/// Where the statement of `%time STATEMENT` / `%timeit -n 10 STATEMENT` starts in the
/// written line (options and their values skipped).
fn statement_start(written: &str, name: &str) -> usize {
    let Some(after_name) = written.find(name).map(|i| i + name.len()) else {
        return written.len();
    };
    let with_value: &[&str] = match name {
        "timeit" => &["-n", "-r", "-p"],
        "prun" => &["-l", "-s", "-T", "-D"],
        _ => &[],
    };
    let mut position = after_name;
    let mut expect_value = false;
    loop {
        let rest = &written[position..];
        let skipped = rest.len() - rest.trim_start().len();
        position += skipped;
        let rest = &written[position..];
        if rest.is_empty() {
            return position;
        }
        let word_len = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let word = &rest[..word_len];
        if expect_value {
            expect_value = false;
        } else if word.starts_with('-')
            && word.len() > 1
            && !word[1..].starts_with(char::is_numeric)
        {
            expect_value = with_value.contains(&word);
        } else {
            return position;
        }
        position += word_len;
    }
}

impl<'a> Visitor<'a> for EscapeFinder<'_> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        if let Stmt::IpyEscapeCommand(command) = stmt {
            let range = command.range();
            self.statement(
                range.start().to_usize(),
                range.end().to_usize(),
                command.kind,
                &command.value,
            );
            return;
        }
        self.depth += 1;
        walk_stmt(self, stmt);
        self.depth -= 1;
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        if let Expr::IpyEscapeCommand(command) = expr {
            let range = command.range();
            let (start, end) = (range.start().to_usize(), range.end().to_usize());
            match command.kind {
                IpyEscapeKind::Shell | IpyEscapeKind::ShCap => {
                    self.need("subprocess");
                    self.replace(
                        start,
                        end,
                        format!(
                            "subprocess.run({}, shell=True, {}).stdout.splitlines()",
                            shell_command(command.value.trim(), self.names),
                            capture_keywords(self.target).join(", ")
                        ),
                    );
                }
                _ => {
                    self.replace(start, end, "None".to_owned());
                    self.rewrite.warnings.push((
                        start,
                        format!(
                            "the value of `{}` has no Python equivalent: it is None",
                            self.written(start, end)
                        ),
                    ));
                }
            }
            return;
        }
        walk_expr(self, expr);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statement_of_timing_magics() {
        for (line, name, expected) in [
            ("%time x = f(1)", "time", "x = f(1)"),
            ("%prun -l 4 f(x)", "prun", "f(x)"),
            ("%time", "time", ""),
        ] {
            assert_eq!(&line[statement_start(line, name)..], expected, "{line}");
        }
    }

    /// A shell command expanded in a notebook whose Python names every variable the tests
    /// use.
    fn expand(command: &str) -> String {
        shell_command(
            command,
            &NotebookNames::of(["name = path = x = paths = d = f = URL = HOME = 1"]),
        )
    }

    #[test]
    fn shell_commands_expand_names() {
        assert_eq!(expand("ls -l"), "\"ls -l\"");
        assert_eq!(expand("echo $name"), "f\"echo {name}\"");
        assert_eq!(expand("head {path}"), "f\"head {path}\"");
        assert_eq!(expand("echo $$HOME {{x}}"), "\"echo $HOME {x}\"");
        assert_eq!(expand("echo $$HOME $x"), "f\"echo $HOME {x}\"");
        assert_eq!(expand("ls {paths[0]!r}"), "f\"ls {(paths[0])!r}\"");
        assert_eq!(expand("echo {d['key']}"), "(\"echo \" + str(d['key']))");
    }

    #[test]
    fn shell_commands_ipython_leaves_as_written() {
        // A field that is no Python expression makes IPython's formatter fail: the command
        // runs as written, `$` names and all.
        for command in [
            "awk '{print $1}' data.txt",
            "curl -d '{ \"dimension\": 768 }' $URL",
            "echo } $x",
            "echo {x",
            "echo {x!q}",
            "echo $HOME.",
        ] {
            assert_eq!(expand(command), string_literal(command), "{command}");
        }
        // `$name` inside single quotes is the shell's.
        assert_eq!(expand("grep '$HOME' f"), "\"grep '$HOME' f\"");
        assert_eq!(expand("grep '$HOME' $f"), "f\"grep '$HOME' {f}\"");
    }

    #[test]
    fn shell_variables_leave_the_command_as_written() {
        let names = NotebookNames::of([
            "path = 'data'  # and $USER\n!echo $HOME $path\nfiles = !ls $TMP",
            "%%bash\necho $SHELL_ONLY",
            "def show(folder):\n    !ls {folder}",
        ]);
        let command = |text: &str| shell_command(text, &names);
        assert_eq!(command("ls $path"), "f\"ls {path}\"");
        assert_eq!(command("ls {len(path)}"), "f\"ls {(len(path))}\"");
        assert_eq!(command("ls {folder}"), "f\"ls {folder}\"");
        assert_eq!(command("ls $files"), "f\"ls {files}\"");
        // A name only a shell line, a comment or a `%%bash` script mentions is the shell's,
        // and IPython then runs the whole command as written.
        for text in [
            "echo $HOME",
            "echo $HOME $path",
            "ls $TMP",
            "echo $USER",
            "echo $SHELL_ONLY",
        ] {
            assert_eq!(command(text), string_literal(text), "{text}");
        }
    }

    #[test]
    fn installs() {
        assert!(installs_packages("pip install numpy"));
        assert!(installs_packages("python -m pip install -q numpy"));
        assert!(!installs_packages("ls pip"));
    }

    #[test]
    fn cell_magics() {
        assert_eq!(
            cell_magic("%%time\nx = 1\n"),
            CellMagic::Python {
                header: "%%time".into()
            }
        );
        assert_eq!(
            cell_magic("%%bash\necho hi\n"),
            CellMagic::Shell {
                program: "bash".into(),
                script: "echo hi\n".into()
            }
        );
        assert!(matches!(
            cell_magic("%%html\n<b>x</b>"),
            CellMagic::Other { .. }
        ));
        assert_eq!(cell_magic("x = 1"), CellMagic::None);
    }
}
