//! Finding the configuration for each notebook: an explicit file, or the nearest
//! `nblint.toml` (or `Cargo.toml` with `[workspace.metadata.nblint]`) walking up from the
//! notebook's folder. The CLI and the language server share this one walk.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::settings::{Config, SettingsError};

/// Loads and caches configurations by folder, so a tree of notebooks reads each file once.
/// A long-lived user (the language server) makes a new resolver when a configuration file
/// changes, which forgets the cache.
#[derive(Default)]
pub struct ConfigResolver {
    explicit: Option<Config>,
    by_folder: Mutex<HashMap<PathBuf, Nearest>>,
}

/// What the walk up from a folder found: remembered for every folder it passed through.
#[derive(Clone)]
enum Nearest {
    /// The configuration in this folder or the nearest one above.
    Config(Config),
    /// No configuration file here or above: the defaults apply.
    NoFile,
}

impl ConfigResolver {
    /// A resolver that uses the file at `path` for every notebook.
    pub fn explicit(path: &Path) -> Result<Self, SettingsError> {
        let text = read(path)?;
        let cargo = path.file_name().is_some_and(|name| name == "Cargo.toml");
        let config = Config::from_toml(&text, path, cargo)?.unwrap_or_default();
        Ok(Self {
            explicit: Some(config),
            by_folder: Mutex::default(),
        })
    }

    /// The configuration that applies to `notebook`: the explicit one, else the nearest one
    /// in the notebook's folder or above, else the defaults.
    pub fn config_for(&self, notebook: &Path) -> Result<Config, SettingsError> {
        if let Some(config) = &self.explicit {
            return Ok(config.clone());
        }
        let absolute = std::path::absolute(notebook).unwrap_or_else(|_| notebook.to_path_buf());
        let mut folder = absolute.parent();
        let mut visited = Vec::new();
        let mut found = Nearest::NoFile;
        while let Some(current) = folder {
            if let Some(cached) = self.cached(current) {
                found = cached;
                break;
            }
            visited.push(current.to_path_buf());
            if let Some(config) = load_in(current)? {
                found = Nearest::Config(config);
                break;
            }
            folder = current.parent();
        }
        if let Ok(mut cache) = self.by_folder.lock() {
            for folder in visited {
                cache.insert(folder, found.clone());
            }
        }
        Ok(match found {
            Nearest::Config(config) => config,
            Nearest::NoFile => Config::default(),
        })
    }

    /// What an earlier walk found for `folder`; `None` if no walk passed through it.
    fn cached(&self, folder: &Path) -> Option<Nearest> {
        self.by_folder.lock().ok()?.get(folder).cloned()
    }
}

/// Whether a file with this name can hold nblint's configuration (`nblint.toml`, or a
/// `Cargo.toml` with `[workspace.metadata.nblint]`): a change to it can change diagnostics.
pub fn is_config_file(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|name| name == "nblint.toml" || name == "Cargo.toml")
}

fn read(path: &Path) -> Result<String, SettingsError> {
    std::fs::read_to_string(path).map_err(|error| SettingsError::Unreadable {
        path: path.to_path_buf(),
        message: error.to_string(),
    })
}

/// The configuration defined in `folder` itself, if any.
fn load_in(folder: &Path) -> Result<Option<Config>, SettingsError> {
    let nblint_toml = folder.join("nblint.toml");
    if nblint_toml.is_file() {
        return Config::from_toml(&read(&nblint_toml)?, &nblint_toml, false);
    }
    let cargo_toml = folder.join("Cargo.toml");
    if cargo_toml.is_file() {
        let text = read(&cargo_toml)?;
        if text.contains("nblint") {
            return Config::from_toml(&text, &cargo_toml, true);
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_nblint_toml_above_the_notebook_wins() {
        let root = tempfile::tempdir().unwrap();
        let inner = root.path().join("a/b");
        std::fs::create_dir_all(&inner).unwrap();
        std::fs::write(root.path().join("nblint.toml"), "max-cell-lines = 7\n").unwrap();
        let resolver = ConfigResolver::default();
        let config = resolver.config_for(&inner.join("n.ipynb")).unwrap();
        assert_eq!(config.settings.max_cell_lines, 7);
        assert_eq!(config.path, Some(root.path().join("nblint.toml")));
        assert!(is_config_file(&root.path().join("nblint.toml")));
        assert!(!is_config_file(&inner.join("n.ipynb")));
    }

    #[test]
    fn an_invalid_file_is_an_error_naming_it() {
        let root = tempfile::tempdir().unwrap();
        std::fs::write(root.path().join("nblint.toml"), "no-such-key = 1\n").unwrap();
        let error = ConfigResolver::default()
            .config_for(&root.path().join("n.ipynb"))
            .unwrap_err();
        assert!(error.to_string().contains("nblint.toml"), "{error}");
    }
}
