//! `nblint git install | uninstall | status`: the clean filter and textconv driver in git's
//! configuration, and the `*.ipynb` line in an attributes file.
//!
//! The commands written are the plain name `nblint`, found on `PATH` when git runs them,
//! never an interpreter or an absolute path, so moving or upgrading nblint never breaks a
//! repository's configuration. Installing twice changes nothing; uninstalling removes
//! exactly the keys and the line install writes (and the sections and attributes file left
//! empty by that).

use std::io;
use std::path::{Path, PathBuf};

use git2::{AttrCheckFlags, Config, Repository};

/// One git configuration key nblint sets, with the value it sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConfigKey {
    /// The dotted key, `filter.nblint.clean`.
    pub key: &'static str,
    /// The value install writes.
    pub value: &'static str,
}

/// The configuration install writes, in order.
pub const KEYS: [ConfigKey; 5] = [
    ConfigKey {
        key: "filter.nblint.clean",
        value: "nblint strip --stdin",
    },
    // git (2.11 and later) prefers the long-running process: one for all the files of a
    // command. The clean and smudge commands serve older versions.
    ConfigKey {
        key: "filter.nblint.process",
        value: "nblint strip --filter-process",
    },
    ConfigKey {
        key: "filter.nblint.smudge",
        value: "cat",
    },
    ConfigKey {
        key: "filter.nblint.required",
        value: "true",
    },
    ConfigKey {
        key: "diff.nblint.textconv",
        value: "nblint show",
    },
];

/// The sections of [`KEYS`], as git writes their headers.
const SECTIONS: [&str; 2] = ["[filter \"nblint\"]", "[diff \"nblint\"]"];

/// The line install adds to the attributes file.
pub const ATTRIBUTES_LINE: &str = "*.ipynb filter=nblint diff=nblint";

/// What went wrong installing, uninstalling or reading the status.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// No repository contains the starting folder.
    #[error("not in a git repository (searched from {path}): {source}")]
    NoRepository {
        /// The folder the search started from.
        path: PathBuf,
        /// git2's reason.
        source: git2::Error,
    },
    /// A bare repository has no work tree for `.gitattributes`.
    #[error("the repository at {0} is bare: it has no .gitattributes (use --attributes-local)")]
    Bare(PathBuf),
    /// git2 failed reading or writing configuration.
    #[error("{path}: {source}")]
    Config {
        /// The configuration file.
        path: PathBuf,
        /// git2's reason.
        source: git2::Error,
    },
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The reason.
        source: io::Error,
    },
}

/// Where install writes: one git configuration file and one attributes file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The configuration file (`.git/config`, or the global `~/.gitconfig`).
    pub config_file: PathBuf,
    /// The attributes file for the `*.ipynb` line.
    pub attributes_file: PathBuf,
    /// Other attributes files uninstall also cleans (the local one when the target is the
    /// work tree's `.gitattributes`, and the other way round).
    pub other_attributes_files: Vec<PathBuf>,
}

impl Target {
    /// The repository containing `start`: its `.git/config`, and its top-level
    /// `.gitattributes` (or `.git/info/attributes` when `attributes_local`).
    pub fn local(start: &Path, attributes_local: bool) -> Result<Self, GitError> {
        let repository = discover(start)?;
        let git_dir = repository.path().to_path_buf();
        let info = git_dir.join("info").join("attributes");
        let worktree = repository
            .workdir()
            .map(|folder| folder.join(".gitattributes"));
        let (attributes_file, other) = match (attributes_local, worktree) {
            (true, worktree) => (info, worktree.into_iter().collect()),
            (false, Some(worktree)) => (worktree, vec![info]),
            (false, None) => return Err(GitError::Bare(git_dir)),
        };
        Ok(Self {
            config_file: git_dir.join("config"),
            attributes_file,
            other_attributes_files: other,
        })
    }

    /// The user's global configuration: the global config file git uses (or `home/.gitconfig`
    /// when there is none yet), and the attributes file named by its `core.attributesFile`
    /// (or `xdg_config_home/git/attributes`, git's default, where `xdg_config_home` is
    /// `$XDG_CONFIG_HOME` or `home/.config`).
    pub fn global(home: &Path, xdg_config_home: &Path) -> Result<Self, GitError> {
        let config_file = Config::find_global().unwrap_or_else(|_| home.join(".gitconfig"));
        let configured = open(&config_file)?
            .get_string("core.attributesfile")
            .ok()
            .filter(|path| !path.is_empty())
            .map(|path| match path.strip_prefix("~/") {
                Some(rest) => home.join(rest),
                None => PathBuf::from(path),
            });
        let attributes_file =
            configured.unwrap_or_else(|| xdg_config_home.join("git").join("attributes"));
        Ok(Self {
            config_file,
            attributes_file,
            other_attributes_files: Vec::new(),
        })
    }
}

/// One thing install or uninstall did, or found already done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// A configuration key was set (it was missing or had another value).
    Set {
        /// The key.
        key: &'static str,
        /// The value written.
        value: &'static str,
    },
    /// A configuration key already had the right value.
    AlreadySet {
        /// The key.
        key: &'static str,
    },
    /// A configuration key was removed.
    Removed {
        /// The key.
        key: &'static str,
    },
    /// The attributes line was added to a file.
    AddedLine(PathBuf),
    /// The attributes line was already in the file.
    LinePresent(PathBuf),
    /// The attributes line was removed from a file.
    RemovedLine(PathBuf),
    /// An attributes file left empty by uninstall was deleted.
    RemovedFile(PathBuf),
}

/// Writes the filter and diff driver into `target.config_file` and the `*.ipynb` line into
/// `target.attributes_file`. Nothing already in place is rewritten.
pub fn install(target: &Target) -> Result<Vec<Change>, GitError> {
    let mut changes = Vec::new();
    let mut config = open(&target.config_file)?;
    let config_error = |source| GitError::Config {
        path: target.config_file.clone(),
        source,
    };
    for ConfigKey { key, value } in KEYS {
        let current = if value == "true" {
            config.get_bool(key).ok().map(|flag| flag.to_string())
        } else {
            config.get_string(key).ok()
        };
        if current.as_deref() == Some(value) {
            changes.push(Change::AlreadySet { key });
            continue;
        }
        if value == "true" {
            config.set_bool(key, true).map_err(config_error)?;
        } else {
            config.set_str(key, value).map_err(config_error)?;
        }
        changes.push(Change::Set { key, value });
    }
    let path = &target.attributes_file;
    let text = read_optional(path)?.unwrap_or_default();
    if text.lines().any(is_our_line) {
        changes.push(Change::LinePresent(path.clone()));
    } else {
        let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
        let mut updated = text;
        if !updated.is_empty() && !updated.ends_with('\n') {
            updated.push_str(newline);
        }
        updated.push_str(ATTRIBUTES_LINE);
        updated.push_str(newline);
        if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(folder).map_err(|source| io_error(folder, source))?;
        }
        nblint_notebook::write_atomically(path, updated.as_bytes())
            .map_err(|source| io_error(path, source))?;
        changes.push(Change::AddedLine(path.clone()));
    }
    Ok(changes)
}

/// Removes the keys install writes from `target.config_file` (and their sections when left
/// empty) and the `*.ipynb` line from the target's attributes files (deleting a file that is
/// left empty).
pub fn uninstall(target: &Target) -> Result<Vec<Change>, GitError> {
    let mut changes = Vec::new();
    if target.config_file.exists() {
        let mut config = open(&target.config_file)?;
        for ConfigKey { key, .. } in KEYS {
            if config.get_entry(key).is_ok() {
                config.remove(key).map_err(|source| GitError::Config {
                    path: target.config_file.clone(),
                    source,
                })?;
                changes.push(Change::Removed { key });
            }
        }
        drop(config);
        if let Some(text) = read_optional(&target.config_file)? {
            let cleaned = without_empty_sections(&text);
            if cleaned != text {
                nblint_notebook::write_atomically(&target.config_file, cleaned.as_bytes())
                    .map_err(|source| io_error(&target.config_file, source))?;
            }
        }
    }
    let files = std::iter::once(&target.attributes_file).chain(&target.other_attributes_files);
    for path in files {
        let Some(text) = read_optional(path)? else {
            continue;
        };
        if !text.lines().any(is_our_line) {
            continue;
        }
        let kept: String = text
            .split_inclusive('\n')
            .filter(|line| !is_our_line(line))
            .collect();
        if kept.trim().is_empty() {
            std::fs::remove_file(path).map_err(|source| io_error(path, source))?;
            changes.push(Change::RemovedFile(path.clone()));
        } else {
            nblint_notebook::write_atomically(path, kept.as_bytes())
                .map_err(|source| io_error(path, source))?;
            changes.push(Change::RemovedLine(path.clone()));
        }
    }
    Ok(changes)
}

/// One configuration key as git sees it from a folder (all levels merged).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyStatus {
    /// The key and the value install writes.
    pub expected: ConfigKey,
    /// The value git sees, if the key is set anywhere.
    pub found: Option<String>,
}

impl KeyStatus {
    /// Whether the key has the value install writes.
    pub fn is_ok(&self) -> bool {
        self.found.as_deref() == Some(self.expected.value)
    }
}

/// What is installed, as git sees it from a folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusReport {
    /// The repository's work tree (or git folder when bare); `None` outside a repository.
    pub repository: Option<PathBuf>,
    /// Each configuration key.
    pub keys: Vec<KeyStatus>,
    /// The `filter` attribute git gives a file `x.ipynb` at the top of the repository.
    pub filter_attribute: Option<String>,
    /// The `diff` attribute git gives it.
    pub diff_attribute: Option<String>,
}

impl StatusReport {
    /// Whether everything install writes is in effect.
    pub fn is_installed(&self) -> bool {
        self.keys.iter().all(KeyStatus::is_ok)
            && self.filter_attribute.as_deref() == Some("nblint")
            && self.diff_attribute.as_deref() == Some("nblint")
    }
}

/// What is installed as git sees it from `start`: the merged configuration (system, global,
/// repository) and the attributes a notebook at the top of the repository gets. Outside a
/// repository, only the configuration outside repositories is read.
pub fn status(start: &Path) -> Result<StatusReport, GitError> {
    let repository = Repository::discover(start).ok();
    let config = match &repository {
        Some(repository) => repository.config(),
        None => Config::open_default(),
    }
    .map_err(|source| GitError::Config {
        path: start.to_path_buf(),
        source,
    })?;
    let keys = KEYS
        .iter()
        .map(|expected| {
            let found = if expected.value == "true" {
                config
                    .get_bool(expected.key)
                    .ok()
                    .map(|flag| flag.to_string())
            } else {
                config.get_string(expected.key).ok()
            };
            KeyStatus {
                expected: *expected,
                found,
            }
        })
        .collect();
    let attribute = |name| {
        let repository = repository.as_ref()?;
        repository
            .get_attr(Path::new("x.ipynb"), name, AttrCheckFlags::FILE_THEN_INDEX)
            .ok()
            .flatten()
            .map(str::to_owned)
    };
    Ok(StatusReport {
        repository: repository.as_ref().map(|repository| {
            repository
                .workdir()
                .unwrap_or_else(|| repository.path())
                .components()
                .collect()
        }),
        keys,
        filter_attribute: attribute("filter"),
        diff_attribute: attribute("diff"),
    })
}

fn discover(start: &Path) -> Result<Repository, GitError> {
    Repository::discover(start).map_err(|source| GitError::NoRepository {
        path: start.to_path_buf(),
        source,
    })
}

fn open(path: &Path) -> Result<Config, GitError> {
    Config::open(path).map_err(|source| GitError::Config {
        path: path.to_path_buf(),
        source,
    })
}

fn io_error(path: &Path, source: io::Error) -> GitError {
    GitError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn read_optional(path: &Path) -> Result<Option<String>, GitError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(io_error(path, error)),
    }
}

fn is_our_line(line: &str) -> bool {
    line.split_whitespace()
        .eq(ATTRIBUTES_LINE.split_whitespace())
}

/// Removes the headers of nblint's sections that hold no key any more (only blank lines
/// until the next section or the end).
fn without_empty_sections(text: &str) -> String {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut kept = String::with_capacity(text.len());
    let mut index = 0;
    while index < lines.len() {
        let line = lines[index];
        if SECTIONS.contains(&line.trim()) {
            let mut next = index + 1;
            while next < lines.len() && lines[next].trim().is_empty() {
                next += 1;
            }
            if next == lines.len() || lines[next].trim_start().starts_with('[') {
                index = next;
                continue;
            }
        }
        kept.push_str(line);
        index += 1;
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repository() -> (tempfile::TempDir, PathBuf) {
        let folder = tempfile::tempdir().unwrap();
        let root = folder.path().canonicalize().unwrap();
        Repository::init(&root).unwrap();
        (folder, root)
    }

    #[test]
    fn install_is_idempotent_and_uninstall_removes_everything() {
        let (_folder, root) = repository();
        std::fs::create_dir(root.join("sub")).unwrap();
        let config_before = std::fs::read_to_string(root.join(".git/config")).unwrap();
        std::fs::write(root.join(".gitattributes"), "*.png binary").unwrap();

        let target = Target::local(&root.join("sub"), false).unwrap();
        assert_eq!(target.attributes_file, root.join(".gitattributes"));
        let changes = install(&target).unwrap();
        assert!(changes.contains(&Change::AddedLine(root.join(".gitattributes"))));
        assert_eq!(
            std::fs::read_to_string(root.join(".gitattributes")).unwrap(),
            format!("*.png binary\n{ATTRIBUTES_LINE}\n")
        );
        let report = status(&root).unwrap();
        assert!(report.is_installed(), "{report:?}");

        let config_once = std::fs::read_to_string(root.join(".git/config")).unwrap();
        let again = install(&target).unwrap();
        assert!(
            again
                .iter()
                .all(|change| matches!(change, Change::AlreadySet { .. } | Change::LinePresent(_))),
            "{again:?}"
        );
        assert_eq!(
            std::fs::read_to_string(root.join(".git/config")).unwrap(),
            config_once
        );

        uninstall(&target).unwrap();
        assert_eq!(
            std::fs::read_to_string(root.join(".git/config")).unwrap(),
            config_before
        );
        assert_eq!(
            std::fs::read_to_string(root.join(".gitattributes")).unwrap(),
            "*.png binary\n"
        );
        assert!(!status(&root).unwrap().is_installed());
    }

    #[test]
    fn attributes_local_writes_the_info_file_and_uninstall_deletes_it() {
        let (_folder, root) = repository();
        let target = Target::local(&root, true).unwrap();
        install(&target).unwrap();
        let info = root.join(".git/info/attributes");
        assert_eq!(
            std::fs::read_to_string(&info).unwrap(),
            format!("{ATTRIBUTES_LINE}\n")
        );
        assert!(!root.join(".gitattributes").exists());
        assert!(status(&root).unwrap().is_installed());
        let changes = uninstall(&target).unwrap();
        assert!(changes.contains(&Change::RemovedFile(info.clone())));
        assert!(!info.exists());
    }

    #[test]
    fn outside_a_repository_local_install_fails() {
        let folder = tempfile::tempdir().unwrap();
        let error = Target::local(folder.path(), false).unwrap_err();
        assert!(
            error.to_string().starts_with("not in a git repository"),
            "{error}"
        );
    }

    #[test]
    fn empty_sections_are_removed_and_others_kept() {
        let text = "[core]\n\tbare = false\n[filter \"nblint\"]\n[diff \"nblint\"]\n\n[diff \"other\"]\n\tx = 1\n[filter \"nblint\"]\n\tkept = 1\n";
        assert_eq!(
            without_empty_sections(text),
            "[core]\n\tbare = false\n[diff \"other\"]\n\tx = 1\n[filter \"nblint\"]\n\tkept = 1\n"
        );
    }
}
