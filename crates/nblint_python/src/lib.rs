//! The Python cell front end: reads one IPython cell with ruff's parser and reports its
//! [`CellFacts`]: the names it binds at module level, the free names it reads (in function
//! bodies, f-strings, decorators and annotations too), its imports, the `%pip` / `!pip`
//! requirements it installs, its `%magic` and `!shell` lines, the values from other cells it
//! changes in place, and its syntax errors.
//!
//! It owns Python's scoping rules and IPython's escape syntax; it must not know about other
//! cells, the graph or the rules: those see only [`nblint_facts`]. Analysis never fails and
//! never panics: a cell that does not parse gives the facts of what the parser recovered
//! plus its errors.
//!
//! ```
//! use nblint_facts::CellFrontend;
//! use nblint_python::PythonFrontend;
//!
//! let facts = PythonFrontend.analyze("%matplotlib inline\nimport numpy as np\ny = np.sin(x)\n");
//! assert_eq!(facts.defined_names(), ["np", "y"]);
//! assert_eq!(facts.used_names(), ["x"]);
//! assert_eq!(facts.commands[0].name, "%matplotlib");
//! ```

mod analyzer;
mod builtins;
mod magics;
mod vocabulary;

use nblint_facts::{CellFacts, CellFrontend, Language};

pub use analyzer::text_ipython_runs;
pub use magics::run_target;

/// The front end for Python cells as IPython (the `python3` kernel) runs them.
#[derive(Debug, Clone, Copy, Default)]
pub struct PythonFrontend;

impl CellFrontend for PythonFrontend {
    fn language(&self) -> Language {
        Language::Python
    }

    fn analyze(&self, source: &str) -> CellFacts {
        analyzer::analyze(source)
    }

    fn analyze_text_cell(&self, source: &str) -> CellFacts {
        analyzer::analyze_text_cell(source)
    }

    fn analyze_code_magic_cell(&self, source: &str) -> CellFacts {
        analyzer::analyze_code_magic_cell(source)
    }

    fn is_builtin(&self, name: &str) -> bool {
        builtins::is_builtin(name)
    }

    fn vocabulary(&self) -> &'static nblint_facts::Vocabulary {
        &vocabulary::PYTHON
    }

    /// A cell magic (`%%time`, on the cell's first non-blank line) or one of IPython's
    /// common line magics (`%matplotlib`, `%load_ext`, ...) at the start of a line: syntax
    /// no other kernel nblint reads accepts there. Line magics are taken from a list so that
    /// a line of a multi-line string that happens to start with `%d` is not one.
    fn kernel_command(&self, source: &str) -> Option<String> {
        if let Some(magic) = magics::cell_magic(source) {
            return Some(magic.name.to_owned());
        }
        source.lines().find_map(|line| {
            let rest = line.strip_prefix('%')?;
            let word_len = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            let name = &rest[..word_len];
            magics::is_line_magic(name).then(|| format!("%{name}"))
        })
    }
}
