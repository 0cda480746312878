//! IPython syntax in a cell, turned into plain Python: cell magics (`%%time`, `%%bash`,
//! `%%writefile`), line magics (`%matplotlib`, `%time`, `%cd`), shell lines (`!ls`) and
//! their captured form (`files = !ls`). Everything here is text edits on the cell's source:
//! the cell's own text stays as written around them.

use ruff_python_ast::visitor::{Visitor, walk_expr, walk_stmt};
use ruff_python_ast::{Expr, IpyEscapeKind, Stmt};
use ruff_text_size::Ranged;

use crate::Target;

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

/// A shell command line as a Python expression: an f-string when it expands Python values
/// the way IPython does (`$name`, `{expression}`), a plain string otherwise.
fn shell_command(command: &str) -> String {
    let expands = command.contains('{') || has_dollar_name(command);
    if !expands {
        return string_literal(command);
    }
    // `$name` becomes `{name}`; `$$` is a literal `$`; braces stay (they are IPython's own
    // expression syntax).
    let mut text = String::new();
    let mut chars = command.chars().peekable();
    while let Some(ch) = chars.next() {
        if ch == '$' {
            if chars.peek() == Some(&'$') {
                chars.next();
                text.push('$');
                continue;
            }
            let mut name = String::new();
            while let Some(&next) = chars.peek() {
                if next.is_alphanumeric() || next == '_' {
                    name.push(next);
                    chars.next();
                } else {
                    break;
                }
            }
            if name.is_empty() {
                text.push('$');
            } else {
                text.push('{');
                text.push_str(&name);
                text.push('}');
            }
        } else {
            text.push(ch);
        }
    }
    format!("f{}", string_literal(&text))
}

fn has_dollar_name(command: &str) -> bool {
    command
        .as_bytes()
        .windows(2)
        .any(|pair| pair[0] == b'$' && (pair[1].is_ascii_alphabetic() || pair[1] == b'_'))
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
pub fn shell_statement(command: &str, target: Target) -> String {
    // Written the way ruff format lays it out, so an unformatted package is already stable
    // (at the function-body indentation of a cell's top level).
    let keywords = capture_lines(target);
    format!(
        "print(\n    subprocess.run(\n        {},\n        shell=True,\n{keywords}    ).stdout,\n    end=\"\",\n)",
        shell_command(command)
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
pub fn rewrite(text: &str, body: &[Stmt], target: Target) -> Rewrite {
    let mut finder = EscapeFinder {
        text,
        rewrite: Rewrite::default(),
        depth: 0,
        target,
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
                    self.replace(start, end, shell_statement(value.trim(), self.target));
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
                self.replace(start, end, shell_statement(argument, self.target));
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
                            shell_command(command.value.trim()),
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

    #[test]
    fn shell_commands_expand_names() {
        assert_eq!(shell_command("ls -l"), "\"ls -l\"");
        assert_eq!(shell_command("echo $name"), "f\"echo {name}\"");
        assert_eq!(shell_command("head {path}"), "f\"head {path}\"");
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
