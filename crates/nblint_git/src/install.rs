//! `nblint git install | uninstall | status`: the clean filter and textconv driver in git's
//! configuration, and the `*.ipynb` line in an attributes file.
//!
//! The commands written are the plain name `nblint`, found on `PATH` when git runs them,
//! never an interpreter or an absolute path, so moving or upgrading nblint never breaks a
//! repository's configuration. Installing twice changes nothing.
//!
//! # What install records, and uninstall restores
//!
//! Install writes a record of what it changed into the configuration file it writes (the
//! repository's `.git/config`, or the global file for `--global`), in the section
//! `[nblint "install"]`:
//!
//! | key | meaning |
//! |---|---|
//! | `nblint.install.version = 1` | install ran and kept this record (written even when it changed nothing) |
//! | `nblint.install.filter-clean = true` (one per key: `filter-process`, `filter-smudge`, `filter-required`, `diff-textconv`) | install set `filter.nblint.clean` |
//! | `nblint.install.previous-filter-clean = VALUE` | the value `filter.nblint.clean` had before `install --force` replaced it |
//! | `nblint.install.gitattributes-line = true` | install added the line to the work tree's `.gitattributes` (`info-attributes-` for `.git/info/attributes`, `global-attributes-` for the global attributes file) |
//! | `nblint.install.gitattributes-created = true` | install created that file |
//! | `nblint.install.gitattributes-newline = true` | the file's last line had no newline, and install added one before its line |
//!
//! Uninstall undoes exactly that: a key install set is removed, or given back its previous
//! value; a key install found already set (to any value) is left alone, and so is one changed
//! since install; the line is removed only from a file install added it to, and the file is
//! deleted only if install created it and nothing else is in it. Then the record goes, and
//! the sections left empty. A repository installed by an nblint that kept no record loses
//! the keys that hold exactly install's values and keeps its attributes lines (whether
//! install added them cannot be known).
//!
//! Install never replaces a different value of one of its keys without `force`: it fails
//! with [`GitError::Occupied`] and changes nothing.
//!
//! # Where `--global` writes, and what status reads
//!
//! [`Target::global`] picks the file `git config --global` writes ([`global_config_file`]).
//! [`status`] asks git itself (`git config`, `git check-attr`, run in the folder), so it
//! reports what git will use, wherever the value comes from.

use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;

use git2::{Config, Repository};

/// One git configuration key nblint sets, with the value it sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConfigKey {
    /// The dotted key, `filter.nblint.clean`.
    pub key: &'static str,
    /// The value install writes.
    pub value: &'static str,
}

impl ConfigKey {
    /// Whether `found` (a value as git stores it) is the value install writes; for the
    /// boolean `filter.nblint.required`, any spelling of true.
    pub fn is_ours(&self, found: &str) -> bool {
        if self.value == "true" {
            parse_bool(found) == Some(true)
        } else {
            found == self.value
        }
    }

    /// The key's name in install's record: `filter-clean` for `filter.nblint.clean`.
    fn record_name(&self) -> String {
        self.key.replacen(".nblint.", "-", 1)
    }
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

/// The section of install's record.
const RECORD: &str = "nblint.install";

/// The sections install writes, as git writes their headers: removed by uninstall when left
/// empty.
const SECTIONS: [&str; 3] = [
    "[filter \"nblint\"]",
    "[diff \"nblint\"]",
    "[nblint \"install\"]",
];

/// The line install adds to the attributes file.
pub const ATTRIBUTES_LINE: &str = "*.ipynb filter=nblint diff=nblint";

/// What went wrong installing, uninstalling or reading the status.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// No repository contains the starting folder.
    #[error("not in a git repository (searched from {path}): {}", error.message())]
    NoRepository {
        /// The folder the search started from.
        path: PathBuf,
        /// git2's reason.
        error: git2::Error,
    },
    /// A bare repository has no work tree for `.gitattributes`.
    #[error("the repository at {0} is bare: it has no .gitattributes (use --attributes-local)")]
    Bare(PathBuf),
    /// git2 failed reading or writing configuration.
    #[error("{path}: {}", error.message())]
    Config {
        /// The configuration file.
        path: PathBuf,
        /// git2's reason.
        error: git2::Error,
    },
    /// Keys install writes already hold other values, and replacing them was not asked for.
    #[error("{}", occupied_message(path, keys))]
    Occupied {
        /// The configuration file.
        path: PathBuf,
        /// Each key and the value it holds.
        keys: Vec<(&'static str, String)>,
    },
    /// A file could not be read or written (the reason is the error's source).
    #[error("{path}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The reason.
        source: io::Error,
    },
    /// git itself could not be run, or failed.
    #[error("running `{command}`: {reason}")]
    Git {
        /// The command line.
        command: String,
        /// Why it failed (its error output).
        reason: String,
    },
}

fn occupied_message(path: &Path, keys: &[(&'static str, String)]) -> String {
    let mut message = format!("{}: ", path.display());
    for (index, (key, found)) in keys.iter().enumerate() {
        let wanted = KEYS
            .iter()
            .find(|candidate| candidate.key == *key)
            .map_or("", |candidate| candidate.value);
        if index > 0 {
            message.push_str("; ");
        }
        message.push_str(&format!(
            "{key} is already `{found}` (install sets `{wanted}`)"
        ));
    }
    message.push_str(
        ". Nothing was changed: rerun with --force to replace it (uninstall puts it back)",
    );
    message
}

/// An attributes file install may add the `*.ipynb` line to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributesFile {
    /// The file.
    pub path: PathBuf,
    /// Its name in install's record: `gitattributes` (the work tree's `.gitattributes`),
    /// `info-attributes` (`.git/info/attributes`) or `global-attributes`.
    pub record: &'static str,
}

/// Where install writes: one git configuration file and one attributes file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The configuration file (`.git/config`, or the global one): the keys and the record.
    pub config_file: PathBuf,
    /// The attributes file for the `*.ipynb` line.
    pub attributes: AttributesFile,
    /// Other attributes files uninstall also undoes (the local one when the target is the
    /// work tree's `.gitattributes`, and the other way round).
    pub other_attributes: Vec<AttributesFile>,
}

impl Target {
    /// The repository containing `start`: its `config` (in the common git folder, which
    /// linked work trees share), and its top-level `.gitattributes` (or `info/attributes`
    /// when `attributes_local`).
    pub fn local(start: &Path, attributes_local: bool) -> Result<Self, GitError> {
        let repository = discover(start)?;
        let common = repository.commondir().to_path_buf();
        let info = AttributesFile {
            path: common.join("info").join("attributes"),
            record: "info-attributes",
        };
        let worktree = repository.workdir().map(|folder| AttributesFile {
            path: folder.join(".gitattributes"),
            record: "gitattributes",
        });
        let (attributes, other) = match (attributes_local, worktree) {
            (true, worktree) => (info, worktree.into_iter().collect()),
            (false, Some(worktree)) => (worktree, vec![info]),
            (false, None) => return Err(GitError::Bare(repository.path().to_path_buf())),
        };
        Ok(Self {
            config_file: common.join("config"),
            attributes,
            other_attributes: other,
        })
    }

    /// The user's global configuration: the file `git config --global` writes (see
    /// [`global_config_file`]), and the attributes file named by the global
    /// `core.attributesFile` (or `xdg_config_home/git/attributes`, git's default).
    ///
    /// The arguments are the environment as git reads it: `home` is `$HOME`,
    /// `xdg_config_home` is `$XDG_CONFIG_HOME` when set and not empty, else `home/.config`,
    /// and `git_config_global` is `$GIT_CONFIG_GLOBAL` when set.
    pub fn global(
        home: &Path,
        xdg_config_home: &Path,
        git_config_global: Option<&Path>,
    ) -> Result<Self, GitError> {
        let config_file = global_config_file(home, xdg_config_home, git_config_global);
        // git reads the XDG file, then ~/.gitconfig (the later wins), or only
        // $GIT_CONFIG_GLOBAL.
        let read: Vec<PathBuf> = match git_config_global {
            Some(file) => vec![file.to_path_buf()],
            None => vec![
                xdg_config_home.join("git").join("config"),
                home.join(".gitconfig"),
            ],
        };
        let mut configured = None;
        for file in read.iter().filter(|file| file.is_file()) {
            if let Ok(path) = open(file)?.get_string("core.attributesfile")
                && !path.is_empty()
            {
                configured = Some(match path.strip_prefix("~/") {
                    Some(rest) => home.join(rest),
                    None => PathBuf::from(path),
                });
            }
        }
        let path = configured.unwrap_or_else(|| xdg_config_home.join("git").join("attributes"));
        Ok(Self {
            config_file,
            attributes: AttributesFile {
                path,
                record: "global-attributes",
            },
            other_attributes: Vec::new(),
        })
    }
}

/// The global configuration file git writes (`git config --global`), by git's rules:
/// `$GIT_CONFIG_GLOBAL` when set (git then reads no other global file); else `~/.gitconfig`
/// when it exists; else `$XDG_CONFIG_HOME/git/config` when it exists; else `~/.gitconfig`.
/// git reads both of the last two; it writes the first that exists.
pub fn global_config_file(
    home: &Path,
    xdg_config_home: &Path,
    git_config_global: Option<&Path>,
) -> PathBuf {
    if let Some(file) = git_config_global {
        return file.to_path_buf();
    }
    let user = home.join(".gitconfig");
    let xdg = xdg_config_home.join("git").join("config");
    if !user.exists() && xdg.exists() {
        xdg
    } else {
        user
    }
}

/// One thing install or uninstall did, or found already done, or left alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// A configuration key was set (it was missing).
    Set {
        /// The key.
        key: &'static str,
        /// The value written.
        value: &'static str,
    },
    /// A configuration key that held another value was set (`--force`); the old value is
    /// recorded for uninstall.
    Replaced {
        /// The key.
        key: &'static str,
        /// The value written.
        value: &'static str,
        /// The value it held.
        previous: String,
    },
    /// A configuration key already had the right value.
    AlreadySet {
        /// The key.
        key: &'static str,
    },
    /// A configuration key install had set was removed.
    Removed {
        /// The key.
        key: &'static str,
    },
    /// A configuration key install had replaced got its previous value back.
    Restored {
        /// The key.
        key: &'static str,
        /// The value it has again.
        value: String,
    },
    /// A configuration key install did not set (it was there before) was left as it is.
    KeptKey {
        /// The key.
        key: &'static str,
        /// Its value.
        value: String,
    },
    /// A configuration key install set but that was changed since was left as it is.
    ChangedSinceInstall {
        /// The key.
        key: &'static str,
        /// Its value now.
        value: String,
    },
    /// The attributes line was added to a file.
    AddedLine(PathBuf),
    /// The attributes line was already in the file.
    LinePresent(PathBuf),
    /// The attributes line was removed from a file.
    RemovedLine(PathBuf),
    /// An attributes file install created, left empty by uninstall, was deleted.
    RemovedFile(PathBuf),
    /// The attributes line is in a file, but install did not add it (or kept no record that
    /// it did): left.
    KeptLine(PathBuf),
}

/// Writes the filter and diff driver into `target.config_file` and the `*.ipynb` line into
/// the target's attributes file, recording what it changed. Nothing already in place is
/// rewritten. A key holding another value fails with [`GitError::Occupied`] (and nothing is
/// changed) unless `force`, which replaces it and records the value it held.
pub fn install(target: &Target, force: bool) -> Result<Vec<Change>, GitError> {
    let mut config = open(&target.config_file)?;
    let path = &target.config_file;
    let mut plan = Vec::new();
    let mut occupied = Vec::new();
    for key in KEYS {
        let current = value(&config, key.key, path)?;
        match current {
            Some(found) if key.is_ours(&found) => plan.push((key, Plan::Present)),
            Some(found) => {
                occupied.push((key.key, found.clone()));
                plan.push((key, Plan::Replace(found)));
            }
            None => plan.push((key, Plan::Set)),
        }
    }
    if !occupied.is_empty() && !force {
        return Err(GitError::Occupied {
            path: path.clone(),
            keys: occupied,
        });
    }

    // The record is written before each change, so an install cut short leaves nothing the
    // record does not cover (uninstall skips a recorded change that is not in place).
    let mut changes = Vec::new();
    set(&mut config, &record_key("version"), "1", path)?;
    for (key, plan) in plan {
        let name = key.record_name();
        let recorded = value(&config, &record_key(&name), path)?.is_some();
        match plan {
            Plan::Present => {
                changes.push(Change::AlreadySet { key: key.key });
                continue;
            }
            Plan::Set => {
                set(&mut config, &record_key(&name), "true", path)?;
                changes.push(Change::Set {
                    key: key.key,
                    value: key.value,
                });
            }
            Plan::Replace(previous) => {
                // A second forced install keeps the value from before the first.
                if !recorded {
                    set(
                        &mut config,
                        &record_key(&format!("previous-{name}")),
                        &previous,
                        path,
                    )?;
                    set(&mut config, &record_key(&name), "true", path)?;
                }
                changes.push(Change::Replaced {
                    key: key.key,
                    value: key.value,
                    previous,
                });
            }
        }
        set(&mut config, key.key, key.value, path)?;
    }

    let attributes = &target.attributes;
    let file = &attributes.path;
    let existing = read_optional(file)?;
    let text = existing.clone().unwrap_or_default();
    if text.lines().any(is_our_line) {
        changes.push(Change::LinePresent(file.clone()));
    } else {
        set(
            &mut config,
            &record_key(&format!("{}-line", attributes.record)),
            "true",
            path,
        )?;
        if existing.is_none() {
            set(
                &mut config,
                &record_key(&format!("{}-created", attributes.record)),
                "true",
                path,
            )?;
        }
        let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
        let mut updated = text;
        if !updated.is_empty() && !updated.ends_with('\n') {
            set(
                &mut config,
                &record_key(&format!("{}-newline", attributes.record)),
                "true",
                path,
            )?;
            updated.push_str(newline);
        }
        updated.push_str(ATTRIBUTES_LINE);
        updated.push_str(newline);
        if let Some(folder) = file.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(folder).map_err(|source| io_error(folder, source))?;
        }
        nblint_notebook::write_atomically(file, updated.as_bytes())
            .map_err(|source| io_error(file, source))?;
        changes.push(Change::AddedLine(file.clone()));
    }
    Ok(changes)
}

/// What install does with one key.
enum Plan {
    /// It already has install's value.
    Present,
    /// It is unset.
    Set,
    /// It holds this other value (replaced only with `force`).
    Replace(String),
}

/// Undoes what install recorded in `target.config_file`: removes the keys it set (or gives
/// them back the values they had), removes the `*.ipynb` line from the attributes files it
/// added it to (deleting a file it created that is left empty), then the record and the
/// sections left empty. Keys and lines install found in place are left, and reported.
pub fn uninstall(target: &Target) -> Result<Vec<Change>, GitError> {
    let mut changes = Vec::new();
    let path = &target.config_file;
    let mut recorded = false;
    if path.exists() {
        let mut config = open(path)?;
        recorded = value(&config, &record_key("version"), path)?.is_some();
        for key in KEYS {
            let Some(current) = value(&config, key.key, path)? else {
                continue;
            };
            let name = key.record_name();
            let ours = key.is_ours(&current);
            let set_by_install = if recorded {
                value(&config, &record_key(&name), path)?.is_some()
            } else {
                // No record (an older nblint): install's exact values are taken as its own.
                ours
            };
            if !set_by_install {
                changes.push(Change::KeptKey {
                    key: key.key,
                    value: current,
                });
            } else if !ours {
                changes.push(Change::ChangedSinceInstall {
                    key: key.key,
                    value: current,
                });
            } else if let Some(previous) =
                value(&config, &record_key(&format!("previous-{name}")), path)?
            {
                set(&mut config, key.key, &previous, path)?;
                changes.push(Change::Restored {
                    key: key.key,
                    value: previous,
                });
            } else {
                config.remove(key.key).map_err(|source| GitError::Config {
                    path: path.clone(),
                    error: source,
                })?;
                changes.push(Change::Removed { key: key.key });
            }
        }
        let files = std::iter::once(&target.attributes).chain(&target.other_attributes);
        for attributes in files {
            let flag = |what: &str| -> Result<bool, GitError> {
                Ok(recorded
                    && value(
                        &config,
                        &record_key(&format!("{}-{what}", attributes.record)),
                        path,
                    )?
                    .is_some())
            };
            let added = Added {
                line: flag("line")?,
                created: flag("created")?,
                newline: flag("newline")?,
            };
            if let Some(change) = remove_line(&attributes.path, added)? {
                changes.push(change);
            }
        }
        // The record goes last: an uninstall cut short can be run again.
        let config_error = |source| GitError::Config {
            path: path.clone(),
            error: source,
        };
        let mut names = Vec::new();
        config
            .entries(Some(r"^nblint\.install\."))
            .and_then(|entries| {
                entries.for_each(|entry| names.extend(entry.name().map(str::to_owned)))
            })
            .map_err(config_error)?;
        for name in names {
            config.remove(&name).map_err(|source| GitError::Config {
                path: path.clone(),
                error: source,
            })?;
        }
        drop(config);
        if let Some(text) = read_optional(path)? {
            let cleaned = without_empty_sections(&text);
            if cleaned != text {
                nblint_notebook::write_atomically(path, cleaned.as_bytes())
                    .map_err(|source| io_error(path, source))?;
            }
        }
    }
    if !path.exists() || !recorded {
        // Without a record nothing says install added a line: report any that is there.
        for attributes in std::iter::once(&target.attributes).chain(&target.other_attributes) {
            if read_optional(&attributes.path)?.is_some_and(|text| text.lines().any(is_our_line))
                && !changes.contains(&Change::KeptLine(attributes.path.clone()))
            {
                changes.push(Change::KeptLine(attributes.path.clone()));
            }
        }
    }
    Ok(changes)
}

/// What install recorded doing to one attributes file.
#[derive(Debug, Clone, Copy)]
struct Added {
    /// It added the line.
    line: bool,
    /// It created the file.
    created: bool,
    /// It ended the file's last line, which had no newline, before adding its own.
    newline: bool,
}

/// Removes the `*.ipynb` line from `path` when install added it (deleting the file when
/// install created it and nothing else is left, and taking away the newline it put after a
/// last line that had none); otherwise reports a line that is there.
fn remove_line(path: &Path, added: Added) -> Result<Option<Change>, GitError> {
    let Some(text) = read_optional(path)? else {
        return Ok(None);
    };
    if !text.lines().any(is_our_line) {
        return Ok(None);
    }
    if !added.line {
        return Ok(Some(Change::KeptLine(path.to_path_buf())));
    }
    let last_is_ours = text.lines().last().is_some_and(is_our_line);
    let mut kept: String = text
        .split_inclusive('\n')
        .filter(|line| !is_our_line(line))
        .collect();
    if added.newline && last_is_ours {
        for ending in ["\r\n", "\n"] {
            if let Some(without) = kept.strip_suffix(ending) {
                kept.truncate(without.len());
                break;
            }
        }
    }
    if added.created && kept.trim().is_empty() {
        std::fs::remove_file(path).map_err(|source| io_error(path, source))?;
        return Ok(Some(Change::RemovedFile(path.to_path_buf())));
    }
    nblint_notebook::write_atomically(path, kept.as_bytes())
        .map_err(|source| io_error(path, source))?;
    Ok(Some(Change::RemovedLine(path.to_path_buf())))
}

/// One configuration key as git sees it from a folder (all levels merged).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyStatus {
    /// The key and the value install writes.
    pub expected: ConfigKey,
    /// The value git sees, if the key is set anywhere (booleans as `true` or `false`).
    pub found: Option<String>,
    /// Where git found it, as `git config --show-origin` says (`file:/home/me/.gitconfig`).
    pub origin: Option<String>,
}

impl KeyStatus {
    /// Whether the key has the value install writes.
    pub fn is_ok(&self) -> bool {
        self.found
            .as_deref()
            .is_some_and(|found| self.expected.is_ours(found))
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

/// What is installed as git sees it from `start`: git itself is asked (`git config`,
/// `git check-attr`, run in `start` with the environment it inherits), so every level,
/// include and environment variable git honours counts, and a value that overrides
/// install's elsewhere is reported. Outside a repository, only the configuration outside
/// repositories is read and there are no attributes.
pub fn status(start: &Path) -> Result<StatusReport, GitError> {
    let repository = Repository::discover(start).ok();
    let listed = run_git(
        start,
        &[
            "config",
            "--null",
            "--show-origin",
            "--get-regexp",
            r"^(filter|diff)\.nblint\.",
        ],
    )?;
    let mut found: Vec<(String, String, String)> = Vec::new();
    // Each entry: origin NUL key [LF value] NUL.
    let mut fields = listed.split(|&byte| byte == 0);
    while let (Some(origin), Some(entry)) = (fields.next(), fields.next()) {
        let entry = String::from_utf8_lossy(entry);
        let (key, value) = match entry.split_once('\n') {
            Some((key, value)) => (key.to_owned(), Some(value.to_owned())),
            None => (entry.into_owned(), None),
        };
        // A key without a value is a boolean true.
        let value = value.unwrap_or_else(|| "true".to_owned());
        found.push((key, value, String::from_utf8_lossy(origin).into_owned()));
    }
    let keys = KEYS
        .iter()
        .map(|expected| {
            // The last value git lists is the one it uses.
            let last = found
                .iter()
                .rev()
                .find(|(key, _, _)| key.eq_ignore_ascii_case(expected.key));
            let value = last.map(|(_, value, _)| {
                if expected.value == "true" {
                    parse_bool(value).map_or_else(|| value.clone(), |flag| flag.to_string())
                } else {
                    value.clone()
                }
            });
            KeyStatus {
                expected: *expected,
                found: value,
                origin: last.map(|(_, _, origin)| origin.clone()),
            }
        })
        .collect();
    // A bare repository has attributes too (its info/attributes, the global file).
    let top = repository
        .as_ref()
        .map(|repository| repository.workdir().unwrap_or_else(|| repository.path()));
    let (mut filter_attribute, mut diff_attribute) = (None, None);
    if let Some(top) = top {
        let checked = run_git(
            top,
            &["check-attr", "-z", "filter", "diff", "--", "x.ipynb"],
        )?;
        // Each attribute: path NUL name NUL value NUL.
        let fields: Vec<&[u8]> = checked.split(|&byte| byte == 0).collect();
        for triple in fields.chunks(3) {
            if let [_, name, value] = triple
                && *value != b"unspecified"
            {
                let value = Some(String::from_utf8_lossy(value).into_owned());
                match *name {
                    b"filter" => filter_attribute = value,
                    b"diff" => diff_attribute = value,
                    _ => {}
                }
            }
        }
    }
    Ok(StatusReport {
        repository: repository.as_ref().map(|repository| {
            repository
                .workdir()
                .unwrap_or_else(|| repository.path())
                .components()
                .collect()
        }),
        keys,
        filter_attribute,
        diff_attribute,
    })
}

/// Runs `git ARGS` in `folder` and returns its output; exit status 1 with no error output
/// (`git config --get-regexp` finding nothing) is an empty answer.
fn run_git(folder: &Path, args: &[&str]) -> Result<Vec<u8>, GitError> {
    let command_line = format!("git {}", args.join(" "));
    let output = Command::new("git")
        .args(args)
        .current_dir(folder)
        .output()
        .map_err(|error| GitError::Git {
            command: command_line.clone(),
            reason: error.to_string(),
        })?;
    if output.status.success() {
        return Ok(output.stdout);
    }
    if output.status.code() == Some(1) && output.stderr.is_empty() {
        return Ok(Vec::new());
    }
    Err(GitError::Git {
        command: command_line,
        reason: format!(
            "{} ({})",
            String::from_utf8_lossy(&output.stderr).trim(),
            output.status
        ),
    })
}

/// git's reading of a boolean value (`true`, `yes`, `on`, a non-zero number; `false`, `no`,
/// `off`, `0`, empty), or `None` when it is not one.
fn parse_bool(value: &str) -> Option<bool> {
    let value = value.trim().to_ascii_lowercase();
    match value.as_str() {
        "true" | "yes" | "on" => Some(true),
        "false" | "no" | "off" | "" => Some(false),
        number => number.parse::<i64>().ok().map(|number| number != 0),
    }
}

/// The full key of `name` in install's record.
fn record_key(name: &str) -> String {
    format!("{RECORD}.{name}")
}

/// The value of `key` in `config`, if set (the last one, when set several times). A key
/// with no value (`required` alone on its line, a boolean true) reads as `true`.
fn value(config: &Config, key: &str, path: &Path) -> Result<Option<String>, GitError> {
    match config.get_entry(key) {
        Ok(entry) => Ok(Some(if entry.has_value() {
            String::from_utf8_lossy(entry.value_bytes()).into_owned()
        } else {
            "true".to_owned()
        })),
        Err(error) if error.code() == git2::ErrorCode::NotFound => Ok(None),
        Err(source) => Err(GitError::Config {
            path: path.to_path_buf(),
            error: source,
        }),
    }
}

fn set(config: &mut Config, key: &str, value: &str, path: &Path) -> Result<(), GitError> {
    config
        .set_str(key, value)
        .map_err(|source| GitError::Config {
            path: path.to_path_buf(),
            error: source,
        })
}

fn discover(start: &Path) -> Result<Repository, GitError> {
    Repository::discover(start).map_err(|source| GitError::NoRepository {
        path: start.to_path_buf(),
        error: source,
    })
}

fn open(path: &Path) -> Result<Config, GitError> {
    Config::open(path).map_err(|source| GitError::Config {
        path: path.to_path_buf(),
        error: source,
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
        assert_eq!(target.attributes.path, root.join(".gitattributes"));
        let changes = install(&target, false).unwrap();
        assert!(changes.contains(&Change::AddedLine(root.join(".gitattributes"))));
        assert_eq!(
            std::fs::read_to_string(root.join(".gitattributes")).unwrap(),
            format!("*.png binary\n{ATTRIBUTES_LINE}\n")
        );
        let report = status(&root).unwrap();
        assert!(report.is_installed(), "{report:?}");

        let config_once = std::fs::read_to_string(root.join(".git/config")).unwrap();
        let again = install(&target, false).unwrap();
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
            "*.png binary",
            "the file as install found it, without the newline install added"
        );
        assert!(!status(&root).unwrap().is_installed());
    }

    #[test]
    fn attributes_local_writes_the_info_file_and_uninstall_deletes_it() {
        let (_folder, root) = repository();
        let target = Target::local(&root, true).unwrap();
        install(&target, false).unwrap();
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

    fn config_value(root: &Path, key: &str) -> Option<String> {
        let config = Config::open(&root.join(".git/config")).unwrap();
        value(&config, key, root).unwrap()
    }

    #[test]
    fn a_different_value_is_replaced_only_with_force_and_restored_by_uninstall() {
        let (_folder, root) = repository();
        let target = Target::local(&root, false).unwrap();
        let mut config = Config::open(&target.config_file).unwrap();
        config.set_str("filter.nblint.clean", "my-cleaner").unwrap();
        config
            .set_str("diff.nblint.textconv", "nblint show")
            .unwrap();
        drop(config);
        let before = std::fs::read_to_string(&target.config_file).unwrap();

        let error = install(&target, false).unwrap_err();
        let message = error.to_string();
        assert!(
            message.contains("filter.nblint.clean is already `my-cleaner`")
                && message.contains("--force"),
            "{message}"
        );
        assert_eq!(
            std::fs::read_to_string(&target.config_file).unwrap(),
            before,
            "a refused install changes nothing"
        );
        assert!(!root.join(".gitattributes").exists());

        let changes = install(&target, true).unwrap();
        assert!(changes.contains(&Change::Replaced {
            key: "filter.nblint.clean",
            value: "nblint strip --stdin",
            previous: "my-cleaner".into(),
        }));
        assert!(changes.contains(&Change::AlreadySet {
            key: "diff.nblint.textconv"
        }));
        assert_eq!(
            config_value(&root, "nblint.install.previous-filter-clean").as_deref(),
            Some("my-cleaner")
        );
        // A second forced install keeps the value from before the first.
        install(&target, true).unwrap();

        let changes = uninstall(&target).unwrap();
        assert!(changes.contains(&Change::Restored {
            key: "filter.nblint.clean",
            value: "my-cleaner".into(),
        }));
        assert!(changes.contains(&Change::KeptKey {
            key: "diff.nblint.textconv",
            value: "nblint show".into(),
        }));
        assert_eq!(
            std::fs::read_to_string(&target.config_file).unwrap(),
            before,
            "uninstall gives back the configuration install found"
        );
    }

    #[test]
    fn a_line_install_found_stays_with_its_file() {
        let (_folder, root) = repository();
        std::fs::write(root.join(".gitattributes"), format!("{ATTRIBUTES_LINE}\n")).unwrap();
        let target = Target::local(&root, false).unwrap();
        let changes = install(&target, false).unwrap();
        assert!(changes.contains(&Change::LinePresent(root.join(".gitattributes"))));
        let changes = uninstall(&target).unwrap();
        assert!(changes.contains(&Change::KeptLine(root.join(".gitattributes"))));
        assert_eq!(
            std::fs::read_to_string(root.join(".gitattributes")).unwrap(),
            format!("{ATTRIBUTES_LINE}\n")
        );
        assert_eq!(config_value(&root, "filter.nblint.clean"), None);
        assert_eq!(config_value(&root, "nblint.install.version"), None);
    }

    #[test]
    fn without_a_record_uninstall_removes_only_install_values_and_keeps_lines() {
        let (_folder, root) = repository();
        let mut config = Config::open(&root.join(".git/config")).unwrap();
        config
            .set_str("filter.nblint.clean", "nblint strip --stdin")
            .unwrap();
        config.set_str("filter.nblint.smudge", "my-smudge").unwrap();
        drop(config);
        std::fs::write(root.join(".gitattributes"), format!("{ATTRIBUTES_LINE}\n")).unwrap();
        let target = Target::local(&root, false).unwrap();
        let changes = uninstall(&target).unwrap();
        assert_eq!(
            changes,
            [
                Change::Removed {
                    key: "filter.nblint.clean"
                },
                Change::KeptKey {
                    key: "filter.nblint.smudge",
                    value: "my-smudge".into()
                },
                Change::KeptLine(root.join(".gitattributes")),
            ]
        );
        assert!(root.join(".gitattributes").exists());
    }

    #[test]
    fn the_global_file_is_the_one_git_writes() {
        let folder = tempfile::tempdir().unwrap();
        let home = folder.path().join("home");
        let xdg = home.join(".config");
        std::fs::create_dir_all(xdg.join("git")).unwrap();
        let elsewhere = folder.path().join("elsewhere.config");
        assert_eq!(global_config_file(&home, &xdg, Some(&elsewhere)), elsewhere);
        assert_eq!(
            global_config_file(&home, &xdg, None),
            home.join(".gitconfig"),
            "neither exists: ~/.gitconfig"
        );
        std::fs::write(xdg.join("git/config"), "").unwrap();
        assert_eq!(
            global_config_file(&home, &xdg, None),
            xdg.join("git/config")
        );
        std::fs::write(home.join(".gitconfig"), "").unwrap();
        assert_eq!(
            global_config_file(&home, &xdg, None),
            home.join(".gitconfig"),
            "both exist: ~/.gitconfig"
        );
    }

    #[test]
    fn booleans_read_as_git_reads_them() {
        let required = KEYS[3];
        for yes in ["true", "yes", "On", "1", "7"] {
            assert!(required.is_ours(yes), "{yes}");
        }
        for no in ["false", "no", "off", "0", "", "maybe"] {
            assert!(!required.is_ours(no), "{no}");
        }
        assert_eq!(KEYS[0].record_name(), "filter-clean");
        assert_eq!(KEYS[4].record_name(), "diff-textconv");
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
