//! Choosing the cell front end for a notebook from its kernel metadata.

use nblint_facts::{CellFrontend, Language, NotebookFacts};
use nblint_notebook::Notebook;

/// The front end for `language`, if nblint reads that cell language. Notebooks in other
/// languages get only the language-independent rules.
pub fn frontend_for(language: &Language) -> Option<&'static dyn CellFrontend> {
    match language {
        Language::Rust => Some(&nblint_rust::RustFrontend),
        Language::Python => Some(&nblint_python::PythonFrontend),
        Language::Other(_) => None,
    }
}

/// The notebook's cell language: from its metadata, or Rust (nblint's first language) when
/// the metadata says nothing.
pub fn language_of(notebook: &Notebook) -> Language {
    Language::detect(notebook).unwrap_or(Language::Rust)
}

/// A notebook with its language, front end (if any) and cell facts.
pub struct Analysed {
    /// The cell language.
    pub language: Language,
    /// The front end used, or `None` when the language is not one nblint reads.
    pub frontend: Option<&'static dyn CellFrontend>,
    /// Facts per cell (all `None` without a front end).
    pub facts: NotebookFacts,
}

/// Runs the notebook's front end over its code cells; `language` overrides what the
/// notebook's metadata says.
pub fn analyse(notebook: &Notebook, language: Option<&Language>) -> Analysed {
    let language = language.cloned().unwrap_or_else(|| language_of(notebook));
    let frontend = frontend_for(&language);
    let facts = match frontend {
        Some(frontend) => NotebookFacts::analyze(notebook, frontend),
        None => NotebookFacts::unanalysed(notebook),
    };
    Analysed {
        language,
        frontend,
        facts,
    }
}

/// Parses a `--language` value: `rust`, `python` (or a kernel name such as `python3`).
pub fn parse_language(value: &str) -> Result<Language, String> {
    match Language::from_name(value) {
        language @ (Language::Rust | Language::Python) => Ok(language),
        Language::Other(name) => Err(format!(
            "`{name}` is not a cell language nblint reads (expected `rust` or `python`)"
        )),
    }
}
