//! Which language a notebook's code cells are written in: what its metadata says, and when
//! it says nothing, a guess from the cells themselves.
//!
//! Order of evidence, first answer wins: `kernelspec.language`, `kernelspec.name` (a kernel
//! nblint knows), `language_info.name`, `language_info.file_extension`, the `language` of
//! nbformat 3 code cells (or of a worksheet), the top-level `metadata.language`. A notebook
//! whose metadata names none of these (Colab exports, notebooks written by doc generators) is
//! read from its cells: a kernel command only one kernel accepts (evcxr's `:dep`, IPython's
//! `%matplotlib`) decides; else the language in which more cells parse that do not parse in
//! the other; else Python, the kernel of most such notebooks.

use nblint_notebook::Notebook;
use serde::Serialize;
use serde_json::Value;

use crate::{CellFrontend, NotebookFacts};

/// A cell language.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Language {
    /// Rust, as run by the evcxr kernel.
    Rust,
    /// Python, as run by IPython.
    Python,
    /// Any other kernel language, by its name as stored (lower-case).
    Other(String),
}

/// Where the language a notebook is read in came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LanguageSource {
    /// A field of the notebook's metadata, named as a path (`kernelspec.language`).
    Metadata(&'static str),
    /// Guessed from the cells: the metadata names no language.
    Cells(Evidence),
    /// The user's configuration (`language` in `nblint.toml`).
    Configuration,
    /// The command line (`--language`).
    CommandLine,
}

/// What a guess from the cells rests on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Evidence {
    /// A code cell holds a kernel command only this language's kernel accepts.
    KernelCommand {
        /// One-based number of the first such cell.
        cell: usize,
        /// The command, with its sigil (`:dep`, `%matplotlib`).
        command: String,
    },
    /// Code cells that parse in this language and not in the other, against those that
    /// parse only in the other.
    Parses {
        /// Cells that parse only in the language chosen.
        only_this: usize,
        /// The other language (with several, the one with most such cells).
        other: Language,
        /// Cells that parse only in the other language.
        only_other: usize,
    },
    /// Every code cell parses in the default language (Python), so nothing points
    /// elsewhere.
    AllParse {
        /// The code cells (with code in them).
        cells: usize,
    },
    /// Nothing tells the languages apart: the default, Python.
    Nothing,
}

/// A notebook's cell language and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detected {
    /// The language the cells are read in.
    pub language: Language,
    /// Where it came from.
    pub source: LanguageSource,
}

impl Detected {
    /// Whether the language was guessed from the cells rather than read or chosen.
    pub fn is_guess(&self) -> bool {
        matches!(self.source, LanguageSource::Cells(_))
    }

    /// For a guess, a sentence for the user saying so and why; `None` otherwise.
    pub fn guess_note(&self) -> Option<String> {
        let LanguageSource::Cells(evidence) = &self.source else {
            return None;
        };
        let language = self.language.display_name();
        let why = match evidence {
            Evidence::KernelCommand { cell, command } => {
                format!("cell {cell} has the kernel command `{command}`")
            }
            Evidence::Parses {
                only_this,
                other,
                only_other,
            } => format!(
                "{only_this} code cell{} parse{} as {language} and not as {}{}",
                plural(*only_this),
                if *only_this == 1 { "s" } else { "" },
                other.display_name(),
                if *only_other == 0 {
                    String::new()
                } else {
                    format!(" ({only_other} the other way round)")
                }
            ),
            Evidence::AllParse { cells } => {
                format!(
                    "its {cells} code cell{} parse{} as {language}",
                    plural(*cells),
                    if *cells == 1 { "s" } else { "" }
                )
            }
            Evidence::Nothing => "nothing in the cells tells Rust from Python".to_owned(),
        };
        Some(format!(
            "cells read as {language}, guessed from the content: the notebook's metadata names \
             no language (no kernelspec or language_info) and {why}; set `language` in \
             nblint.toml or pass --language to choose"
        ))
    }
}

fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}

impl Language {
    /// The language of a notebook's code cells, from its metadata alone (see the module
    /// documentation for the order). `None` when the metadata names no language.
    pub fn detect(notebook: &Notebook) -> Option<Self> {
        Self::from_metadata(notebook).map(|(language, _)| language)
    }

    /// [`Language::detect`], with the metadata field the answer came from
    /// (`kernelspec.language`).
    pub fn from_metadata(notebook: &Notebook) -> Option<(Self, &'static str)> {
        let named = |path: &[&str]| {
            notebook
                .metadata_str(path)
                .map(str::trim)
                .filter(|name| !name.is_empty())
                .map(Self::from_name)
        };
        if let Some(language) = named(&["kernelspec", "language"]) {
            return Some((language, "kernelspec.language"));
        }
        // A kernel's name says its language only for kernels we know (`rust`, `python3`); a
        // name such as `conda-env-py` leaves the decision to `language_info`.
        let kernel = named(&["kernelspec", "name"]);
        if let Some(language @ (Self::Rust | Self::Python)) = &kernel {
            return Some((language.clone(), "kernelspec.name"));
        }
        if let Some(language) = named(&["language_info", "name"]) {
            return Some((language, "language_info.name"));
        }
        match notebook.metadata_str(&["language_info", "file_extension"]) {
            Some(".rs") => return Some((Self::Rust, "language_info.file_extension")),
            Some(".py") => return Some((Self::Python, "language_info.file_extension")),
            _ => {}
        }
        if let Some(language) = nbformat3_language(notebook) {
            return Some(language);
        }
        if let Some(language) = named(&["language"]) {
            return Some((language, "metadata.language"));
        }
        if let Some(language) = cells_metadata_language(notebook) {
            return Some((language, "cells' metadata.language"));
        }
        kernel.map(|language| (language, "kernelspec.name"))
    }

    /// Whether the notebook says it ran on Python 2: a `python2` kernel, a
    /// `language_info.version` of 2.x, or IPython 2 syntax highlighting (not beside a
    /// `python3` kernel, which names the version it runs with now).
    pub fn is_python2(notebook: &Notebook) -> bool {
        names_python_version(notebook, 2)
    }

    /// Whether the notebook's metadata names Python 3: a `python3` kernel, a
    /// `language_info.version` of 3.x, or IPython 3 syntax highlighting.
    pub fn is_python3(notebook: &Notebook) -> bool {
        names_python_version(notebook, 3)
    }

    /// The language of a notebook whose metadata names none, guessed from its code cells
    /// with `frontends` (the first is the default). Returns the guess and, when the guess
    /// analysed every cell in the language chosen, those facts (so they need not be computed
    /// again).
    ///
    /// Linear in the notebook's size: a scan of each cell's leading lines for kernel
    /// commands; then, only if some cell does not parse in the default language, one
    /// analysis of every cell per front end.
    pub fn guess(
        notebook: &Notebook,
        frontends: &[&dyn CellFrontend],
    ) -> (Detected, Option<NotebookFacts>) {
        let Some(default) = frontends.first() else {
            return (
                Detected {
                    language: Self::Python,
                    source: LanguageSource::Cells(Evidence::Nothing),
                },
                None,
            );
        };
        let code: Vec<(usize, &str)> = notebook
            .cells()
            .iter()
            .filter(|cell| cell.is_code() && !cell.source.trim().is_empty())
            .map(|cell| (cell.number, cell.source.as_str()))
            .collect();
        let guessed = |frontend: &&dyn CellFrontend, evidence| Detected {
            language: frontend.language(),
            source: LanguageSource::Cells(evidence),
        };

        // A command only one kernel accepts settles it.
        let marked: Vec<(usize, Evidence)> = frontends
            .iter()
            .enumerate()
            .filter_map(|(index, frontend)| {
                code.iter().find_map(|&(cell, source)| {
                    frontend
                        .kernel_command(source)
                        .map(|command| (index, Evidence::KernelCommand { cell, command }))
                })
            })
            .collect();
        if let [(index, _)] = marked.as_slice()
            && let Some(frontend) = frontends.get(*index)
            && let Some((_, evidence)) = marked.into_iter().next()
        {
            return (guessed(frontend, evidence), None);
        }

        // Then the cells that parse in one language only.
        let first = NotebookFacts::analyze(notebook, *default);
        if first.cells.iter().flatten().all(crate::CellFacts::parsed) {
            let evidence = if code.is_empty() {
                Evidence::Nothing
            } else {
                Evidence::AllParse { cells: code.len() }
            };
            return (guessed(default, evidence), Some(first));
        }
        let mut all = vec![first];
        all.extend(
            frontends[1..]
                .iter()
                .map(|frontend| NotebookFacts::analyze(notebook, *frontend)),
        );
        let mut only = vec![0_usize; frontends.len()];
        for index in 0..notebook.cells().len() {
            let parses: Vec<bool> = all
                .iter()
                .map(|facts| {
                    facts
                        .cells
                        .get(index)
                        .and_then(Option::as_ref)
                        .is_some_and(|facts| facts.parsed() && has_code_at(notebook, index))
                })
                .collect();
            if parses.iter().filter(|&&parsed| parsed).count() == 1
                && let Some(which) = parses.iter().position(|&parsed| parsed)
            {
                only[which] += 1;
            }
        }
        // The most cells parsing only there wins; a tie keeps the default.
        let mut best = 0;
        for (index, &count) in only.iter().enumerate() {
            if count > only[best] {
                best = index;
            }
        }
        // The runner-up: the first of the others with the most cells parsing only there.
        let runner_up = (0..frontends.len()).filter(|&index| index != best).fold(
            None,
            |found: Option<usize>, index| match found {
                Some(kept) if only[kept] >= only[index] => Some(kept),
                _ => Some(index),
            },
        );
        let evidence = match runner_up {
            Some(other) if only[best] > 0 => Evidence::Parses {
                only_this: only[best],
                other: frontends[other].language(),
                only_other: only[other],
            },
            _ => Evidence::Nothing,
        };
        let facts = all.into_iter().nth(best);
        (guessed(&frontends[best], evidence), facts)
    }

    /// The language for a kernel or language name (`rust`, `python3`, `irust`, ...), or for
    /// a path to an interpreter, by its file name (`/gnu/store/..-python-3.9/bin/python`).
    pub fn from_name(name: &str) -> Self {
        let name = name.to_ascii_lowercase();
        let name = name
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or(&name)
            .trim_end_matches(".exe")
            .to_owned();
        match name.as_str() {
            "rust" | "irust" | "evcxr" => Self::Rust,
            _ if name.starts_with("python") || name == "ipython" || name == "ipykernel" => {
                Self::Python
            }
            _ => Self::Other(name),
        }
    }

    /// The name used in messages and options.
    pub fn name(&self) -> &str {
        match self {
            Self::Rust => "rust",
            Self::Python => "python",
            Self::Other(name) => name,
        }
    }

    /// The name as people write it in prose (`Rust`, `Python`).
    pub fn display_name(&self) -> &str {
        match self {
            Self::Rust => "Rust",
            Self::Python => "Python",
            Self::Other(name) => name,
        }
    }
}

/// Whether the cell at `index` (zero-based) is a code cell with something in it.
fn has_code_at(notebook: &Notebook, index: usize) -> bool {
    notebook
        .cells()
        .get(index)
        .is_some_and(|cell| cell.is_code() && !cell.source.trim().is_empty())
}

/// A notebook whose kernel names no language but whose code cells each say theirs in
/// `metadata.language` (Snowflake Notebooks: `python` and `sql` cells under a `streamlit`
/// kernel) is in the language of its Python or Rust cells, when they are all of one.
fn cells_metadata_language(notebook: &Notebook) -> Option<Language> {
    let mut found = None;
    for cell in notebook.cells().iter().filter(|cell| cell.is_code()) {
        let Some(language) = notebook
            .cell_json(cell.number)
            .and_then(|json| json.get("metadata")?.get("language")?.as_str())
            .map(str::trim)
            .filter(|name| !name.is_empty())
            .map(Language::from_name)
        else {
            continue;
        };
        if matches!(language, Language::Python | Language::Rust) {
            if found.as_ref().is_some_and(|found| *found != language) {
                return None;
            }
            found = Some(language);
        }
    }
    found
}

/// The language a code cell's own metadata gives it, where a notebook mixes languages:
/// Polyglot / .NET Interactive notebooks (`metadata.polyglot_notebook.kernelName`,
/// `metadata.dotnet_interactive.language`), VS Code's `metadata.vscode.languageId`,
/// Snowflake Notebooks' `metadata.language` (`sql` or `python`), and nbformat 3's `language`
/// on the cell. `None` when the cell names none.
pub fn cell_language(notebook: &Notebook, number: usize) -> Option<Language> {
    let cell = notebook.cell_json(number)?;
    let metadata = cell.get("metadata");
    let at = |path: &[&str]| {
        let mut value = metadata?;
        for key in path {
            value = value.get(key)?;
        }
        value
            .as_str()
            .map(str::trim)
            .filter(|name| !name.is_empty())
            .map(Language::from_name)
    };
    at(&["polyglot_notebook", "kernelName"])
        .or_else(|| at(&["dotnet_interactive", "language"]))
        .or_else(|| at(&["vscode", "languageId"]))
        .or_else(|| at(&["language"]))
        .or_else(|| {
            cell.get("language")
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|name| !name.is_empty())
                .map(Language::from_name)
        })
}

/// nbformat 3 kept the language on each code cell (`"language": "python"`); some writers put
/// it on the worksheet's metadata too.
fn nbformat3_language(notebook: &Notebook) -> Option<(Language, &'static str)> {
    if notebook.format().0 != 3 {
        return None;
    }
    let named = |value: Option<&Value>| {
        value
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|name| !name.is_empty())
            .map(Language::from_name)
    };
    let from_cells = notebook
        .cells()
        .iter()
        .filter(|cell| cell.is_code())
        .find_map(|cell| named(notebook.cell_json(cell.number)?.get("language")));
    if let Some(language) = from_cells {
        return Some((language, "cells[].language"));
    }
    notebook
        .json()
        .get("worksheets")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find_map(|worksheet| {
            named(worksheet.get("language")).or_else(|| {
                named(
                    worksheet
                        .get("metadata")
                        .and_then(|metadata| metadata.get("language")),
                )
            })
        })
        .map(|language| (language, "worksheets[].language"))
}

/// Whether the metadata names Python `major`: a `python{major}` kernel, a
/// `language_info.version` of `{major}.x`, or IPython syntax highlighting of that version.
fn names_python_version(notebook: &Notebook, major: u64) -> bool {
    let kernel_says = |major: u64| {
        notebook
            .metadata_str(&["kernelspec", "name"])
            .is_some_and(|name| {
                // `python3`, `python3.10`, and an environment named for its version: `py310`,
                // `py27` (not `pytorch`).
                let name = name.trim().to_ascii_lowercase();
                name.starts_with(&format!("python{major}"))
                    || name.strip_prefix("py").is_some_and(|rest| {
                        rest.strip_prefix(&major.to_string())
                            .is_some_and(|minor| minor.chars().all(|c| c.is_ascii_digit()))
                    })
            })
    };
    let kernel = kernel_says(major);
    // The kernel the notebook names wins over a `language_info` left from an older run
    // (`"name": "python3"` beside `"version": "2.7.6"`).
    let other = if major == 2 { 3 } else { 2 };
    if !kernel && kernel_says(other) {
        return false;
    }
    let version = notebook
        .metadata_str(&["language_info", "version"])
        .is_some_and(|version| version.trim().starts_with(&format!("{major}.")));
    let highlighting = notebook
        .metadata()
        .and_then(|metadata| metadata.get("language_info"))
        .and_then(|info| info.get("codemirror_mode"))
        .and_then(|mode| mode.get("version"))
        .and_then(Value::as_u64)
        == Some(major);
    kernel || version || highlighting
}

/// Whether `line` is a Python 2 `print` statement: `print` followed by a space and an
/// expression that is not a parenthesised argument list or an assignment (`print x`,
/// `print "total:", n`, `print >>f, line`).
pub fn is_python2_print(line: &str) -> bool {
    is_statement(line, "print")
}

/// Whether `line` is the statement `keyword` followed by a space and an expression that is
/// not a parenthesised argument list or an assignment (`exec code`, not `exec(code)`).
fn is_statement(line: &str, keyword: &str) -> bool {
    line.trim_start()
        .strip_prefix(keyword)
        .and_then(|rest| rest.strip_prefix([' ', '\t']))
        .map(str::trim_start)
        .is_some_and(|argument| {
            argument
                .chars()
                .next()
                .is_some_and(|first| !matches!(first, '(' | '=' | ')' | ',' | '.' | '#' | ';'))
        })
}

/// Whether `line` holds syntax only Python 2 reads: a `print` or `exec` statement (`print x`,
/// `exec code`), a tuple parameter (`def f((a, b)):`, `lambda (k, v): v`), `except E, e:`,
/// `raise E, "message"`, backquotes, `<>`, an octal literal written `0777`, a long integer
/// `10L` or a `ur".."` string.
pub fn is_python2_line(line: &str) -> bool {
    let code = line.trim_start();
    let word_boundary = |at: usize| {
        at == 0
            || !code[..at]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.')
    };
    let octal_or_long = code.char_indices().any(|(at, c)| {
        c.is_ascii_digit() && word_boundary(at) && {
            let digits: String = code[at..]
                .chars()
                .take_while(char::is_ascii_alphanumeric)
                .collect();
            (digits.len() > 1
                && digits.starts_with('0')
                && digits.chars().all(|c| c.is_ascii_digit()))
                || (digits.len() > 1
                    && digits.ends_with(['L', 'l'])
                    && digits[..digits.len() - 1]
                        .chars()
                        .all(|c| c.is_ascii_digit()))
        }
    });
    // `def rot90((field, lat, lon)):`, `lambda (k, v): v`: a tuple parameter.
    let tuple_parameter =
        (code.starts_with("def ") && code.contains("((")) || code.contains("lambda (");
    is_statement(line, "print")
        || is_statement(line, "exec")
        || tuple_parameter
        || (code.starts_with("except") && code.contains(',') && code.trim_end().ends_with(':'))
        || (code.starts_with("raise ") && code.contains(','))
        || code.contains('`')
        || code.contains("<>")
        || code.contains("ur\"")
        || code.contains("ur'")
        || octal_or_long
}

#[cfg(test)]
mod tests {
    #[test]
    fn python2_lines_are_told_from_other_languages() {
        for line in [
            "print t, x, e - E0",
            "    print >>f, line",
            "exec code in ns",
            "except ValueError, e:",
            "raise ValueError, \"bad\"",
            "x = `y`",
            "if a <> b:",
            "os.chmod(path, 0755)",
            "n = 10L",
            "def rot90Case((fieldRet, lat, lon)):",
            "pairs.sort(key=lambda (k, v): v)",
        ] {
            assert!(super::is_python2_line(line), "{line}");
        }
        for line in [
            "double y, E0;",
            "int main() {",
            "print(x)",
            "printer = 1",
            "x = 0",
            "x = 1.0e10",
            "a_10L = 2",
        ] {
            assert!(!super::is_python2_line(line), "{line}");
        }
    }

    use super::*;

    fn read(json: &str) -> Notebook {
        Notebook::parse(json.as_bytes()).unwrap()
    }

    fn v4(metadata: &str) -> Notebook {
        read(&format!(
            r#"{{"nbformat": 4, "nbformat_minor": 5, "cells": [], "metadata": {metadata}}}"#
        ))
    }

    #[test]
    fn metadata_fields_in_order() {
        for (metadata, expected) in [
            (
                r#"{"kernelspec": {"language": "python", "name": "rust"}}"#,
                Some((Language::Python, "kernelspec.language")),
            ),
            (
                r#"{"kernelspec": {"name": "rust"}, "language_info": {"name": "python"}}"#,
                Some((Language::Rust, "kernelspec.name")),
            ),
            // A kernel name we do not know leaves the decision to language_info.
            (
                r#"{"kernelspec": {"name": "conda-env-py"}, "language_info": {"name": "python"}}"#,
                Some((Language::Python, "language_info.name")),
            ),
            (
                r#"{"language_info": {"file_extension": ".rs"}}"#,
                Some((Language::Rust, "language_info.file_extension")),
            ),
            (
                r#"{"kernelspec": {"name": "ir"}}"#,
                Some((Language::Other("ir".into()), "kernelspec.name")),
            ),
            (
                r#"{"kernelspec": {"language": "/gnu/store/a1-python-3.9/bin/python", "name": "x"}}"#,
                Some((Language::Python, "kernelspec.language")),
            ),
            (r#"{"kernelspec": {"name": "", "language": " "}}"#, None),
            (r#"{"colab": {"provenance": []}}"#, None),
        ] {
            assert_eq!(
                Language::from_metadata(&v4(metadata)),
                expected,
                "{metadata}"
            );
        }
    }

    #[test]
    fn nbformat_3_cells_carry_the_language() {
        let notebook = read(
            r##"{"nbformat": 3, "nbformat_minor": 0, "metadata": {"name": "x"}, "worksheets": [
                {"metadata": {}, "cells": [
                    {"cell_type": "markdown", "source": "# x"},
                    {"cell_type": "code", "input": "x = 1", "language": "python", "outputs": []}
                ]}]}"##,
        );
        assert_eq!(
            Language::from_metadata(&notebook),
            Some((Language::Python, "cells[].language"))
        );
    }

    #[test]
    fn python2_notebooks() {
        assert!(Language::is_python2(&v4(
            r#"{"kernelspec": {"name": "python2"}}"#
        )));
        assert!(Language::is_python2(&v4(
            r#"{"language_info": {"name": "python", "version": "2.7.11"}}"#
        )));
        assert!(!Language::is_python2(&v4(
            r#"{"kernelspec": {"name": "python3"}, "language_info": {"version": "3.11.4",
                "codemirror_mode": {"name": "ipython", "version": 3}}}"#
        )));
        // The kernel named wins over a `language_info` left from an older run.
        let stale = v4(
            r#"{"kernelspec": {"name": "python3"}, "language_info": {"version": "2.7.6",
                "codemirror_mode": {"name": "ipython", "version": 2}}}"#,
        );
        assert!(!Language::is_python2(&stale));
        assert!(Language::is_python3(&stale));
        // So does an environment named for its version; not a name that only starts `py`.
        let env = |name: &str| {
            v4(&format!(
                r#"{{"kernelspec": {{"name": "{name}"}}, "language_info": {{"version": "2.7.6"}}}}"#
            ))
        };
        assert!(!Language::is_python2(&env("py310")));
        assert!(Language::is_python2(&env("py27")));
        assert!(Language::is_python2(&env("pytorch")));
    }

    /// A toy language: a cell parses unless it holds `rejects`; `marker` starts its commands.
    struct Toy {
        language: Language,
        rejects: &'static str,
        marker: &'static str,
    }

    impl CellFrontend for Toy {
        fn language(&self) -> Language {
            self.language.clone()
        }

        fn analyze(&self, source: &str) -> crate::CellFacts {
            let mut facts = crate::CellFacts::default();
            if source.contains(self.rejects) {
                facts.errors.push(crate::SyntaxError {
                    message: "no".into(),
                    span: crate::Span::default(),
                });
            }
            facts
        }

        fn is_builtin(&self, _: &str) -> bool {
            false
        }

        fn vocabulary(&self) -> &'static crate::Vocabulary {
            &crate::Vocabulary::UNREAD
        }

        fn kernel_command(&self, source: &str) -> Option<String> {
            source
                .lines()
                .find(|line| line.starts_with(self.marker))
                .map(str::to_owned)
        }
    }

    fn guess(cells: &[&str]) -> Detected {
        let builder = cells.iter().fold(
            nblint_testing::NotebookBuilder::bare(),
            |builder, source| builder.code(source),
        );
        let notebook = read(&builder.build());
        // "Python" rejects `let`, "Rust" rejects `import`.
        let python = Toy {
            language: Language::Python,
            rejects: "let ",
            marker: "%",
        };
        let rust = Toy {
            language: Language::Rust,
            rejects: "import ",
            marker: ":",
        };
        Language::guess(&notebook, &[&python, &rust]).0
    }

    #[test]
    fn a_guess_weighs_kernel_commands_then_cells_that_parse_in_one_language() {
        let rust = guess(&[":dep x", "x"]);
        assert_eq!(rust.language, Language::Rust);
        assert!(matches!(
            rust.source,
            LanguageSource::Cells(Evidence::KernelCommand { cell: 1, .. })
        ));
        assert!(rust.guess_note().unwrap().contains("`:dep x`"));
        // Commands of both kernels: the cells decide.
        assert_eq!(
            guess(&[":dep x", "%time", "let a = 1;"]).language,
            Language::Rust
        );
        assert_eq!(
            guess(&["let a = 1;", "let b = 2;", "import os"]).source,
            LanguageSource::Cells(Evidence::Parses {
                only_this: 2,
                other: Language::Python,
                only_other: 1
            })
        );
        // A tie, everything parsing, or no code: the default.
        assert_eq!(
            guess(&["let a = 1;", "import os"]).language,
            Language::Python
        );
        assert_eq!(
            guess(&["x = 1", "x"]).source,
            LanguageSource::Cells(Evidence::AllParse { cells: 2 })
        );
        assert_eq!(guess(&[]).source, LanguageSource::Cells(Evidence::Nothing));
    }
}
