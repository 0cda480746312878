//! Notebooks that another notebook of the same run executes with `%run`: `%run
//! ./setup.ipynb` (or Databricks' `%run ./setup`, with no extension) runs the included
//! notebook in the caller's namespace, so the names it reads may come from the caller, and
//! the names it defines may be used there. nblint reads one notebook at a time; this pass over
//! every notebook of the run finds such includes first, and `check` turns off NB202 and NB207
//! for them.

use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};

use nblint_notebook::Notebook;
use rayon::prelude::*;

use super::pipeline::Input;

/// For each notebook of `inputs` that another one runs with `%run`, the runner's path as
/// shown; keyed by [`key`] of the included notebook's path. The runners looked at are the
/// inputs and the notebooks in the folders above each input up to its project's root (the
/// nearest folder with an `nblint.toml` or a `.git`), not their subfolders: a notebook runs
/// one below it (`%run ./setup/common.ipynb`), so checking the included notebook alone, as a
/// pre-commit hook does, still finds its runner.
pub(super) fn run_targets(inputs: &[Input]) -> HashMap<PathBuf, PathBuf> {
    let mut runners: Vec<Input> = Vec::new();
    let mut seen: HashSet<PathBuf> = inputs.iter().map(|input| key(&input.path)).collect();
    let mut folders: HashSet<PathBuf> = HashSet::new();
    for input in inputs {
        let folder = input.path.parent().unwrap_or(Path::new(""));
        let root = super::cache::project_root(folder);
        for above in folder.ancestors() {
            if !folders.insert(above.to_path_buf()) {
                break;
            }
            let listed = if above.as_os_str().is_empty() {
                Path::new(".")
            } else {
                above
            };
            if let Ok(entries) = std::fs::read_dir(listed) {
                for entry in entries.flatten() {
                    let path = entry.path();
                    if path
                        .extension()
                        .is_some_and(|extension| extension == "ipynb")
                        && seen.insert(key(&path))
                    {
                        runners.push(Input { path, bytes: None });
                    }
                }
            }
            if above == root {
                break;
            }
        }
    }
    inputs
        .par_iter()
        .chain(runners.par_iter())
        .flat_map_iter(|input| {
            let bytes = match &input.bytes {
                Some(bytes) => Some(std::borrow::Cow::Borrowed(bytes.as_slice())),
                None => std::fs::read(&input.path).ok().map(std::borrow::Cow::Owned),
            };
            let targets = bytes
                .filter(|bytes| memchr::memmem::find(bytes, b"%run").is_some())
                .and_then(|bytes| Notebook::parse_for_analysis(&bytes).ok())
                .map(|notebook| run_paths(&notebook))
                .unwrap_or_default();
            let folder = input.path.parent().unwrap_or(Path::new("")).to_path_buf();
            targets
                .into_iter()
                .flat_map(move |target| included_paths(&folder, &target))
                .map(|target| (key(&target), input.path.clone()))
                .collect::<Vec<_>>()
        })
        .collect::<Vec<_>>()
        .into_iter()
        .fold(HashMap::new(), |mut targets, (target, runner)| {
            targets.entry(target).or_insert(runner);
            targets
        })
}

/// The notebooks `%run TARGET` in `folder` may run: the file named, and for a name with no
/// extension (Databricks' `%run ./setup`) that name's `.ipynb`; not `helpers.ipynb` for
/// `%run helpers.py`, which runs the script.
fn included_paths(folder: &Path, target: &str) -> Vec<PathBuf> {
    let named = folder.join(target);
    if named.extension().is_none() {
        let notebook = named.with_extension("ipynb");
        vec![named, notebook]
    } else {
        vec![named]
    }
}

/// The path a notebook is known by in [`run_targets`]: canonical where the file exists, else
/// with `.` and `..` resolved by hand.
pub(super) fn key(path: &Path) -> PathBuf {
    if let Ok(canonical) = std::fs::canonicalize(path) {
        return canonical;
    }
    let absolute =
        std::env::current_dir().map_or_else(|_| path.to_path_buf(), |current| current.join(path));
    let mut normal = PathBuf::new();
    for component in absolute.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                normal.pop();
            }
            other => normal.push(other),
        }
    }
    normal
}

/// The files a notebook's code cells run with `%run` (its first argument that is not an
/// option; `%run -m module` runs a module, not a file).
fn run_paths(notebook: &Notebook) -> Vec<String> {
    notebook
        .cells()
        .iter()
        .filter(|cell| cell.is_code())
        .flat_map(|cell| cell.source.lines())
        .filter_map(run_path)
        .collect()
}

/// The file a `%run` line runs (see [`nblint_python::run_target`]): `%run ./setup.ipynb` gives
/// `./setup.ipynb`.
fn run_path(line: &str) -> Option<String> {
    let rest = line.trim().strip_prefix("%run")?;
    if !rest.starts_with(char::is_whitespace) {
        return None;
    }
    nblint_python::run_target(rest).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::{included_paths, run_path};

    #[test]
    fn a_script_run_includes_no_notebook_of_its_name() {
        let folder = Path::new("project");
        assert_eq!(
            included_paths(folder, "./setup"),
            [
                PathBuf::from("project/./setup"),
                PathBuf::from("project/./setup.ipynb")
            ]
        );
        assert_eq!(
            included_paths(folder, "common.ipynb"),
            [PathBuf::from("project/common.ipynb")]
        );
        assert_eq!(
            included_paths(folder, "helpers.py"),
            [PathBuf::from("project/helpers.py")]
        );
    }

    #[test]
    fn run_lines_name_the_file_they_run() {
        assert_eq!(
            run_path("%run ./setup.ipynb").as_deref(),
            Some("./setup.ipynb")
        );
        assert_eq!(
            run_path("  %run ./Common/CommonSetup").as_deref(),
            Some("./Common/CommonSetup")
        );
        assert_eq!(
            run_path("%run -i \"my setup.ipynb\"").as_deref(),
            Some("my setup.ipynb")
        );
        assert_eq!(
            run_path("%run -t -N3 bench.py arg").as_deref(),
            Some("bench.py")
        );
        assert_eq!(run_path("%run -m mypackage.tool"), None);
        assert_eq!(run_path("%runx ./setup.ipynb"), None);
        assert_eq!(run_path("print('%run ./x')"), None);
    }
}
