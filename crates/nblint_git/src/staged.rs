//! The notebooks staged in the git index, read with git2: what `nblint check --staged` lints,
//! so a pre-commit hook checks what will be committed rather than the working file.
//!
//! Without paths, the selection is every staged notebook whose blob differs from `HEAD`'s
//! (added or modified; all of them before the first commit). With paths, it is every staged
//! entry under those paths, changed or not: a file named exactly is taken whatever its
//! extension, a folder contributes its `.ipynb` entries. Entries deleted from the index are
//! not there to select, entries with merge conflicts (stages 1 to 3) and symbolic links or
//! submodules are skipped, and so are notebooks under `.ipynb_checkpoints` unless named.
//!
//! Index paths are bytes (git allows any but NUL): a name that is not UTF-8 is selected and
//! read like any other, its working-tree path made from the same bytes (on Unix; elsewhere,
//! where git stores UTF-8, lossily).

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
    /// Its path in the repository, `/`-separated, as git names it: bytes, which need not be
    /// UTF-8 (show them with [`String::from_utf8_lossy`]).
    pub repo_path: Vec<u8>,
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
    let mut selected: Vec<(IndexEntry, Vec<u8>)> = Vec::new();
    for entry in index.iter() {
        if stage(&entry) != 0 || !matches!(entry.mode, REGULAR_FILE | EXECUTABLE_FILE) {
            continue;
        }
        let repo_path = entry.path.clone();
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
                what: format!(
                    "reading the staged blob of {}",
                    String::from_utf8_lossy(&repo_path)
                ),
                source,
            })?;
        let absolute = workdir.join(native_path(&repo_path));
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
fn differs_from_head(head: Option<&Tree<'_>>, repo_path: &[u8], id: Oid) -> bool {
    head.and_then(|tree| tree.get_path(&native_path(repo_path)).ok())
        .is_none_or(|entry| entry.id() != id)
}

/// A `/`-separated repository path as a relative path of this system, from its bytes as
/// they are (on Unix, where a file name is any bytes).
#[cfg(unix)]
fn native_path(repo_path: &[u8]) -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    PathBuf::from(std::ffi::OsStr::from_bytes(repo_path))
}

/// A `/`-separated repository path as a relative path of this system (git stores UTF-8
/// names here; other bytes are replaced).
#[cfg(not(unix))]
fn native_path(repo_path: &[u8]) -> PathBuf {
    String::from_utf8_lossy(repo_path).split('/').collect()
}

/// The merge stage of an index entry (0 when the path has no conflict).
fn stage(entry: &IndexEntry) -> u16 {
    (entry.flags >> 12) & 0x3
}

/// A `.ipynb` file outside Jupyter's checkpoint folders.
fn is_notebook(repo_path: &[u8]) -> bool {
    const EXTENSION: &[u8] = b".ipynb";
    // Case-sensitive, as the folder walk of `nblint check` matches; a name that is only the
    // extension (`.ipynb`) has none, as for `Path::extension`.
    let name = repo_path
        .rsplit(|&byte| byte == b'/')
        .next()
        .unwrap_or_default();
    name.len() > EXTENSION.len()
        && name.ends_with(EXTENSION)
        && !repo_path
            .split(|&byte| byte == b'/')
            .any(|part| part == b".ipynb_checkpoints")
}

/// Whether a query path (`spec`, repository-relative, empty for the whole work tree) selects
/// the index entry `repo_path`: the file itself, whatever its name, or a notebook under it.
fn selects(spec: &[u8], repo_path: &[u8]) -> bool {
    if spec == repo_path {
        return true;
    }
    let under = spec.is_empty()
        || repo_path
            .strip_prefix(spec)
            .is_some_and(|rest| rest.starts_with(b"/"));
    under && is_notebook(repo_path)
}

/// A query path as a `/`-separated path relative to the work tree (empty for its top), in
/// the bytes git uses for names (on Unix the file name's own bytes; elsewhere its UTF-8).
fn repo_path_of(path: &Path, cwd: &Path, workdir: &Path) -> Result<Vec<u8>, StagedError> {
    let resolved = resolve(&cwd.join(path));
    let outside = || StagedError::OutsideRepository {
        path: path.to_path_buf(),
        workdir: workdir.to_path_buf(),
    };
    let relative = resolved.strip_prefix(workdir).map_err(|_| outside())?;
    let mut parts: Vec<&[u8]> = Vec::new();
    for component in relative.components() {
        match component {
            Component::Normal(part) => parts.push(part.as_encoded_bytes()),
            _ => return Err(outside()),
        }
    }
    Ok(parts.join(&b'/'))
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
        assert!(selects(b"a.ipynb", b"a.ipynb"));
        assert!(selects(b"notes.txt", b"notes.txt"));
        assert!(selects(b"", b"sub/a.ipynb"));
        assert!(selects(b"sub", b"sub/a.ipynb"));
        assert!(!selects(b"sub", b"subway/a.ipynb"));
        assert!(!selects(b"sub", b"sub/notes.txt"));
        assert!(!selects(
            b"sub",
            b"sub/.ipynb_checkpoints/a-checkpoint.ipynb"
        ));
        assert!(selects(
            b"sub/.ipynb_checkpoints/a-checkpoint.ipynb",
            b"sub/.ipynb_checkpoints/a-checkpoint.ipynb"
        ));
        assert!(selects(b"", b"caf\xe9/\xff.ipynb"));
        assert!(!selects(b"", b"sub/.ipynb"));
        assert!(!selects(b"", b"a.ipynb.txt"));
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
        assert_eq!(of("a.ipynb").unwrap(), b"sub/a.ipynb");
        assert_eq!(of("../b/./c.ipynb").unwrap(), b"b/c.ipynb");
        assert_eq!(of(".").unwrap(), b"sub");
        assert_eq!(of("..").unwrap(), b"");
        assert!(matches!(
            of("../.."),
            Err(StagedError::OutsideRepository { .. })
        ));
    }

    #[cfg(unix)]
    #[test]
    fn a_query_path_that_is_not_utf8_keeps_its_bytes() {
        use std::os::unix::ffi::OsStrExt;
        let root = Path::new("/r");
        let name = std::ffi::OsStr::from_bytes(b"caf\xe9.ipynb");
        assert_eq!(
            repo_path_of(Path::new(name), &root.join("sub"), root).unwrap(),
            b"sub/caf\xe9.ipynb"
        );
        assert_eq!(
            native_path(b"sub/caf\xe9.ipynb"),
            Path::new("sub").join(name)
        );
    }
}
