//! Finding the configuration for each notebook: `--config FILE`, or the nearest `nblint.toml`
//! (or `Cargo.toml` with `[workspace.metadata.nblint]`) walking up from the notebook's folder.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{Context, Result};
use nblint_lint::Config;

/// Loads and caches configurations by folder, so a tree of notebooks reads each file once.
#[derive(Default)]
pub struct ConfigResolver {
    explicit: Option<Config>,
    by_folder: Mutex<HashMap<PathBuf, Option<Config>>>,
}

impl ConfigResolver {
    /// A resolver that uses `path` for every notebook.
    pub fn explicit(path: &Path) -> Result<Self> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let cargo = path.file_name().is_some_and(|name| name == "Cargo.toml");
        let config = Config::from_toml(&text, path, cargo)?.unwrap_or_default();
        Ok(Self {
            explicit: Some(config),
            by_folder: Mutex::default(),
        })
    }

    /// The configuration that applies to `notebook`.
    pub fn config_for(&self, notebook: &Path) -> Result<Config> {
        if let Some(config) = &self.explicit {
            return Ok(config.clone());
        }
        let absolute = std::path::absolute(notebook).unwrap_or_else(|_| notebook.to_path_buf());
        let mut folder = absolute.parent();
        let mut visited = Vec::new();
        let mut found = None;
        while let Some(current) = folder {
            if let Some(cached) = self.cached(current) {
                found = cached;
                break;
            }
            visited.push(current.to_path_buf());
            if let Some(config) = load_in(current)? {
                found = Some(config);
                break;
            }
            folder = current.parent();
        }
        if let Ok(mut cache) = self.by_folder.lock() {
            for folder in visited {
                cache.insert(folder, found.clone());
            }
        }
        Ok(found.unwrap_or_default())
    }

    fn cached(&self, folder: &Path) -> Option<Option<Config>> {
        self.by_folder.lock().ok()?.get(folder).cloned()
    }
}

/// The configuration defined in `folder` itself, if any.
fn load_in(folder: &Path) -> Result<Option<Config>> {
    let nblint_toml = folder.join("nblint.toml");
    if nblint_toml.is_file() {
        let text = std::fs::read_to_string(&nblint_toml)
            .with_context(|| format!("reading {}", nblint_toml.display()))?;
        return Ok(Config::from_toml(&text, &nblint_toml, false)?);
    }
    let cargo_toml = folder.join("Cargo.toml");
    if cargo_toml.is_file() {
        let text = std::fs::read_to_string(&cargo_toml)
            .with_context(|| format!("reading {}", cargo_toml.display()))?;
        if text.contains("nblint") {
            return Ok(Config::from_toml(&text, &cargo_toml, true)?);
        }
    }
    Ok(None)
}
