//! The notebooks staged in the git index, read with git2: what `nblint check --staged` lints,
//! so a pre-commit hook checks what will be committed rather than the working file.
//!
//! Without paths, the selection is every staged notebook whose blob differs from `HEAD`'s
//! (added or modified; all of them before the first commit). With paths, it is every staged
//! entry under those paths, changed or not: a file named exactly is taken whatever its
//! extension, a folder contributes its `.ipynb` entries. Entries deleted from the index are
//! not there to select, entries with merge conflicts (stages 1 to 3) and symbolic links or
//! submodules are skipped, and so are notebooks under `.ipynb_checkpoints` unless named.

use std::io;
use std::path::{Component, Path, PathBuf};

use git2::{ErrorCode, Index, IndexEntry, Oid, Repository, Tree};

/// What to read: where to start looking for the repository, which index, which paths.
#[derive(Debug, Clone, Copy)]
pub struct StagedQuery<'a> {
    /// The current folder: the repository is discovered from it, relative `paths` are
    /// resolved against it and the paths returned are relative to it.
    pub cwd: &'a Path,
    /// Files or folders to select from (relative to `cwd` or absolute); empty selects the
    /// staged notebooks that differ from `HEAD`.
    pub paths: &'a [PathBuf],
    /// The index file to read instead of the repository's own (git's `GIT_INDEX_FILE`, which
    /// git sets for hooks during `git commit -a` and `git commit PATH`).
    pub index_file: Option<&'a Path>,
}

/// One staged notebook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StagedNotebook {
    /// Its working-tree path relative to [`StagedQuery::cwd`] (`../a.ipynb` from a
    /// subfolder): the path to show and to find its configuration by.
    pub path: PathBuf,
    /// Its path in the repository, `/`-separated, as git names it.
    pub repo_path: String,
    /// The staged blob: the bytes that will be committed.
    pub bytes: Vec<u8>,
}

/// The result of [`staged_notebooks`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Staged {
    /// The selected notebooks, in index (path) order.
    pub notebooks: Vec<StagedNotebook>,
    /// The paths of the query that selected nothing (not staged, deleted from the index, or
    /// a folder without staged notebooks), as given.
    pub unmatched: Vec<PathBuf>,
}

/// Why the staged notebooks could not be read.
#[derive(Debug, thiserror::Error)]
pub enum StagedError {
    /// No repository contains the starting folder.
    #[error("not in a git repository (searched from {path})")]
    NoRepository {
        /// The folder the search started from.
        path: PathBuf,
        /// git2's reason.
        #[source]
        source: git2::Error,
    },
    /// A bare repository has no index of a work tree to lint.
    #[error("the repository at {0} is bare: it has no work tree and no staged notebooks")]
    Bare(PathBuf),
    /// A path of the query lies outside the repository's work tree.
    #[error("{path} is outside the repository at {workdir}")]
    OutsideRepository {
        /// The path as given.
        path: PathBuf,
        /// The repository's work tree.
        workdir: PathBuf,
    },
    /// git2 failed reading the index, `HEAD` or a blob.
    #[error("{what}")]
    Git {
        /// What was being read.
        what: String,
        /// git2's reason.
        #[source]
        source: git2::Error,
    },
    /// A folder could not be resolved.
    #[error("{path}")]
    Io {
        /// The folder.
        path: PathBuf,
        /// The reason.
        #[source]
        source: io::Error,
    },
}

/// Git's mode for a regular file and for an executable one (symbolic links, `0o120000`, and
/// submodules, `0o160000`, are not notebooks).
const REGULAR_FILE: u32 = 0o100_644;
const EXECUTABLE_FILE: u32 = 0o100_755;

/// The staged notebooks that `query` selects, with their blobs.
///
/// ```no_run
/// use std::path::Path;
/// use nblint_git::staged::{StagedQuery, staged_notebooks};
/// let staged = staged_notebooks(&StagedQuery {
///     cwd: Path::new("."),
///     paths: &[],
///     index_file: None,
/// })?;
/// for notebook in &staged.notebooks {
///     println!("{} ({} bytes staged)", notebook.path.display(), notebook.bytes.len());
/// }
/// # Ok::<(), nblint_git::staged::StagedError>(())
/// ```
pub fn staged_notebooks(query: &StagedQuery<'_>) -> Result<Staged, StagedError> {
    let cwd = std::path::absolute(query.cwd)
        .and_then(|absolute| absolute.canonicalize())
        .map_err(|source| StagedError::Io {
            path: query.cwd.to_path_buf(),
            source,
        })?;
    let repository = Repository::discover(&cwd).map_err(|source| StagedError::NoRepository {
        path: query.cwd.to_path_buf(),
        source,
    })?;
    let workdir = match repository.workdir() {
        Some(workdir) => workdir.canonicalize().map_err(|source| StagedError::Io {
            path: workdir.to_path_buf(),
            source,
        })?,
        None => return Err(StagedError::Bare(repository.path().to_path_buf())),
    };
    let specs = query
        .paths
        .iter()
        .map(|path| repo_path_of(path, &cwd, &workdir))
        .collect::<Result<Vec<_>, _>>()?;
    let index = match query.index_file {
        Some(file) => Index::open(file).map_err(|source| StagedError::Git {
            what: format!("reading the index {}", file.display()),
            source,
        })?,
        None => repository.index().map_err(|source| StagedError::Git {
            what: "reading the index".into(),
            source,
        })?,
    };
    let head = head_tree(&repository)?;

    let mut matched = vec![false; specs.len()];
    let mut selected: Vec<(IndexEntry, String)> = Vec::new();
    for entry in index.iter() {
        if stage(&entry) != 0 || !matches!(entry.mode, REGULAR_FILE | EXECUTABLE_FILE) {
            continue;
        }
        let Ok(repo_path) = String::from_utf8(entry.path.clone()) else {
            // git allows any bytes in a path; a notebook named so cannot be shown or
            // configured by its path, and is not worth a lossy guess.
            continue;
        };
        let wanted = if specs.is_empty() {
            is_notebook(&repo_path) && differs_from_head(head.as_ref(), &repo_path, entry.id)
        } else {
            let mut wanted = false;
            for (spec, matched) in specs.iter().zip(&mut matched) {
                if selects(spec, &repo_path) {
                    *matched = true;
                    wanted = true;
                }
            }
            wanted
        };
        if wanted {
            selected.push((entry, repo_path));
        }
    }

    let mut notebooks = Vec::with_capacity(selected.len());
    for (entry, repo_path) in selected {
        let blob = repository
            .find_blob(entry.id)
            .map_err(|source| StagedError::Git {
                what: format!("reading the staged blob of {repo_path}"),
                source,
            })?;
        let absolute = repo_path
            .split('/')
            .fold(workdir.clone(), |path, part| path.join(part));
        notebooks.push(StagedNotebook {
            path: relative_to(&absolute, &cwd),
            bytes: blob.content().to_vec(),
            repo_path,
        });
    }
    let unmatched = query
        .paths
        .iter()
        .zip(&matched)
        .filter(|(_, matched)| !**matched)
        .map(|(path, _)| path.clone())
        .collect();
    Ok(Staged {
        notebooks,
        unmatched,
    })
}

/// The tree of `HEAD`'s commit, or `None` before the first commit.
fn head_tree(repository: &Repository) -> Result<Option<Tree<'_>>, StagedError> {
    let head = match repository.head() {
        Ok(head) => head,
        Err(error) if matches!(error.code(), ErrorCode::UnbornBranch | ErrorCode::NotFound) => {
            return Ok(None);
        }
        Err(source) => {
            return Err(StagedError::Git {
                what: "reading HEAD".into(),
                source,
            });
        }
    };
    head.peel_to_tree()
        .map(Some)
        .map_err(|source| StagedError::Git {
            what: "reading HEAD's tree".into(),
            source,
        })
}

/// Whether the staged blob `id` at `repo_path` is new or changed since `HEAD`.
fn differs_from_head(head: Option<&Tree<'_>>, repo_path: &str, id: Oid) -> bool {
    head.and_then(|tree| tree.get_path(Path::new(repo_path)).ok())
        .is_none_or(|entry| entry.id() != id)
}

/// The merge stage of an index entry (0 when the path has no conflict).
fn stage(entry: &IndexEntry) -> u16 {
    (entry.flags >> 12) & 0x3
}

/// A `.ipynb` file outside Jupyter's checkpoint folders.
fn is_notebook(repo_path: &str) -> bool {
    // Case-sensitive, as the folder walk of `nblint check` matches.
    Path::new(repo_path)
        .extension()
        .is_some_and(|extension| extension == "ipynb")
        && !repo_path
            .split('/')
            .any(|part| part == ".ipynb_checkpoints")
}

/// Whether a query path (`spec`, repository-relative, `""` for the whole work tree) selects
/// the index entry `repo_path`: the file itself, whatever its name, or a notebook under it.
fn selects(spec: &str, repo_path: &str) -> bool {
    if spec == repo_path {
        return true;
    }
    let under = spec.is_empty()
        || repo_path
            .strip_prefix(spec)
            .is_some_and(|rest| rest.starts_with('/'));
    under && is_notebook(repo_path)
}

/// A query path as a `/`-separated path relative to the work tree (`""` for its top).
fn repo_path_of(path: &Path, cwd: &Path, workdir: &Path) -> Result<String, StagedError> {
    let resolved = resolve(&cwd.join(path));
    let outside = || StagedError::OutsideRepository {
        path: path.to_path_buf(),
        workdir: workdir.to_path_buf(),
    };
    let relative = resolved.strip_prefix(workdir).map_err(|_| outside())?;
    let mut parts = Vec::new();
    for component in relative.components() {
        match component {
            Component::Normal(part) => parts.push(part.to_str().ok_or_else(outside)?),
            _ => return Err(outside()),
        }
    }
    Ok(parts.join("/"))
}

/// `path` (absolute) without `.` and `..`, and with symbolic links resolved in the part of it
/// that exists (a file deleted from the work tree may still be staged).
fn resolve(path: &Path) -> PathBuf {
    let mut lexical = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                lexical.pop();
            }
            other => lexical.push(other),
        }
    }
    let mut existing = lexical.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(real) = existing.canonicalize() {
            return rest.iter().rev().fold(real, |path, part| path.join(part));
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                existing = parent;
            }
            _ => return lexical,
        }
    }
}

/// `path` relative to `base` (both absolute and resolved), with `..` where needed.
fn relative_to(path: &Path, base: &Path) -> PathBuf {
    let path_parts: Vec<_> = path.components().collect();
    let base_parts: Vec<_> = base.components().collect();
    let common = path_parts
        .iter()
        .zip(&base_parts)
        .take_while(|(a, b)| a == b)
        .count();
    let mut relative = PathBuf::new();
    for _ in common..base_parts.len() {
        relative.push("..");
    }
    for part in &path_parts[common..] {
        relative.push(part);
    }
    relative
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn paths_select_themselves_and_notebooks_below() {
        assert!(selects("a.ipynb", "a.ipynb"));
        assert!(selects("notes.txt", "notes.txt"));
        assert!(selects("", "sub/a.ipynb"));
        assert!(selects("sub", "sub/a.ipynb"));
        assert!(!selects("sub", "subway/a.ipynb"));
        assert!(!selects("sub", "sub/notes.txt"));
        assert!(!selects("sub", "sub/.ipynb_checkpoints/a-checkpoint.ipynb"));
        assert!(selects(
            "sub/.ipynb_checkpoints/a-checkpoint.ipynb",
            "sub/.ipynb_checkpoints/a-checkpoint.ipynb"
        ));
    }

    #[test]
    fn relative_paths_climb_out_of_the_current_folder() {
        assert_eq!(
            relative_to(Path::new("/r/a.ipynb"), Path::new("/r/sub")),
            PathBuf::from("../a.ipynb")
        );
        assert_eq!(
            relative_to(Path::new("/r/sub/a.ipynb"), Path::new("/r")),
            PathBuf::from("sub/a.ipynb")
        );
    }

    #[test]
    fn query_paths_become_repository_paths() {
        let folder = tempfile::tempdir().unwrap();
        let root = folder.path().canonicalize().unwrap();
        std::fs::create_dir_all(root.join("sub")).unwrap();
        let cwd = root.join("sub");
        let of = |path: &str| repo_path_of(Path::new(path), &cwd, &root);
        assert_eq!(of("a.ipynb").unwrap(), "sub/a.ipynb");
        assert_eq!(of("../b/./c.ipynb").unwrap(), "b/c.ipynb");
        assert_eq!(of(".").unwrap(), "sub");
        assert_eq!(of("..").unwrap(), "");
        assert!(matches!(
            of("../.."),
            Err(StagedError::OutsideRepository { .. })
        ));
    }
}
