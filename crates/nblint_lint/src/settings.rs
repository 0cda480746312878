//! Configuration: which rules run, their thresholds, per-file ignores, read from
//! `nblint.toml` or `[workspace.metadata.nblint]` in `Cargo.toml`.

use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};
use nblint_facts::Language;
use serde::{Deserialize, Serialize};

use crate::registry::{Rule, all_rules};

/// Thresholds and options that rules read. `Serialize` gives the result cache a stable
/// fingerprint of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleSettings {
    /// NB101: the most non-blank, non-comment lines a code cell may have.
    pub max_cell_lines: usize,
    /// NB105: the most code cells in a row with no markdown between them.
    pub max_code_cells_without_markdown: usize,
}

impl Default for RuleSettings {
    fn default() -> Self {
        Self {
            max_cell_lines: 40,
            max_code_cells_without_markdown: 10,
        }
    }
}

/// A rule selector as written by a user: a code (`NB201`), a prefix (`NB2`, `NB`), a name
/// (`undefined-above`) or `ALL`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Selector(String);

/// Why a selector or configuration is not valid.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SettingsError {
    /// A selector that matches no rule.
    #[error(
        "unknown rule selector `{0}`: use a code (NB201), a prefix (NB2) or a name (undefined-above)"
    )]
    UnknownSelector(String),
    /// The configuration file is not valid TOML or has an unknown key.
    #[error("{path}: {message}")]
    InvalidConfig {
        /// The file.
        path: PathBuf,
        /// What is wrong (names the key).
        message: String,
    },
    /// A configuration file that exists but cannot be read.
    #[error("reading {path}: {message}")]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// The I/O error, as text (so the error stays comparable).
        message: String,
    },
    /// A per-file-ignores glob that does not parse.
    #[error("{path}: invalid glob `{glob}` in per-file-ignores: {message}")]
    InvalidGlob {
        /// The file.
        path: PathBuf,
        /// The glob.
        glob: String,
        /// Why.
        message: String,
    },
}

impl Selector {
    /// Parses a selector, checking that it matches at least one rule.
    pub fn parse(text: &str) -> Result<Self, SettingsError> {
        let selector = Self(text.trim().to_owned());
        if all_rules().iter().any(|rule| selector.matches(rule)) {
            Ok(selector)
        } else {
            Err(SettingsError::UnknownSelector(text.to_owned()))
        }
    }

    /// Whether the selector picks `rule`.
    pub fn matches(&self, rule: &Rule) -> bool {
        let text = self.0.as_str();
        text.eq_ignore_ascii_case("ALL")
            || rule.name == text
            || rule
                .code
                .get(..text.len())
                .is_some_and(|prefix| prefix.eq_ignore_ascii_case(text))
    }

    /// How specific the selector is: a longer code prefix beats a shorter one, as in ruff,
    /// so `--select NB2 --ignore NB201` and `--ignore NB2 --select NB201` both do what they
    /// say.
    fn specificity(&self) -> usize {
        if self.0.eq_ignore_ascii_case("ALL") {
            0
        } else if self.0.contains('-') {
            // A name is as specific as a full code.
            usize::MAX
        } else {
            self.0.len()
        }
    }
}

/// Which rules run. `Serialize` gives the result cache a stable fingerprint of it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RuleSelection {
    /// Rules to run; empty means the default selection (every rule but those declared
    /// outside it, [`Rule::in_default_selection`]).
    pub select: Vec<Selector>,
    /// Rules to run besides `select` (or the default selection), as ruff's `extend-select`.
    pub extend_select: Vec<Selector>,
    /// Rules not to run.
    pub ignore: Vec<Selector>,
}

impl RuleSelection {
    /// Every rule, those outside the default selection included (`--select ALL`).
    pub fn all() -> Self {
        Self {
            select: vec![Selector("ALL".to_owned())],
            ..Self::default()
        }
    }

    /// Whether `rule` is selected: the most specific matching selector wins; a tie goes to
    /// `ignore`. With no `select`, the default selection counts as the least specific
    /// selector of the rules in it.
    pub fn is_enabled(&self, rule: &Rule) -> bool {
        let best = |selectors: &[Selector]| {
            selectors
                .iter()
                .filter(|selector| selector.matches(rule))
                .map(Selector::specificity)
                .max()
        };
        let base = if self.select.is_empty() {
            rule.in_default_selection.then_some(0)
        } else {
            best(&self.select)
        };
        let selected = base.max(best(&self.extend_select));
        match (selected, best(&self.ignore)) {
            (None, _) => false,
            (Some(_), None) => true,
            (Some(select), Some(ignore)) => select > ignore,
        }
    }

    /// This selection with `other`'s selectors added (command-line options on top of a
    /// configuration file). A non-empty `other.select` replaces ours and our
    /// `extend_select`, as `--select` does in ruff; `extend_select` and `ignore` add up.
    #[must_use]
    pub fn overridden_by(&self, other: &Self) -> Self {
        let (select, extend_select) = if other.select.is_empty() {
            (
                self.select.clone(),
                self.extend_select
                    .iter()
                    .chain(&other.extend_select)
                    .cloned()
                    .collect(),
            )
        } else {
            (other.select.clone(), other.extend_select.clone())
        };
        Self {
            select,
            extend_select,
            ignore: self.ignore.iter().chain(&other.ignore).cloned().collect(),
        }
    }
}

/// The contents of a configuration file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct ConfigFile {
    select: Option<Vec<String>>,
    extend_select: Option<Vec<String>>,
    ignore: Option<Vec<String>>,
    max_cell_lines: Option<usize>,
    max_code_cells_without_markdown: Option<usize>,
    per_file_ignores: Option<std::collections::BTreeMap<String, Vec<String>>>,
    language: Option<String>,
}

/// A loaded configuration: selection, thresholds, per-file ignores.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The file it came from, if any.
    pub path: Option<PathBuf>,
    /// Which rules run.
    pub selection: RuleSelection,
    /// Thresholds.
    pub settings: RuleSettings,
    /// `language = "rust"` or `"python"`: read every notebook's code cells in this language,
    /// whatever its metadata says (`--language` overrides it in turn). `None` when not set.
    pub language: Option<Language>,
    per_file_ignores: Vec<(GlobSet, Vec<Selector>)>,
    /// Globs are matched against paths relative to this folder (the config file's).
    root: PathBuf,
}

impl Config {
    /// Parses `nblint.toml` text (`cargo_toml`: the text is a `Cargo.toml` and the settings are
    /// under `[workspace.metadata.nblint]`; `Ok(None)` if it has none).
    pub fn from_toml(
        text: &str,
        path: &Path,
        cargo_toml: bool,
    ) -> Result<Option<Self>, SettingsError> {
        let invalid = |message: String| SettingsError::InvalidConfig {
            path: path.to_path_buf(),
            message,
        };
        let file: ConfigFile = if cargo_toml {
            let value: toml::Value =
                toml::from_str(text).map_err(|error| invalid(error.message().to_owned()))?;
            let Some(table) = value
                .get("workspace")
                .and_then(|workspace| workspace.get("metadata"))
                .and_then(|metadata| metadata.get("nblint"))
            else {
                return Ok(None);
            };
            table.clone().try_into().map_err(|error: toml::de::Error| {
                invalid(format!("[workspace.metadata.nblint]: {}", error.message()))
            })?
        } else {
            toml::from_str(text).map_err(|error| invalid(error.message().to_owned()))?
        };
        let selectors = |list: Option<Vec<String>>| -> Result<Vec<Selector>, SettingsError> {
            list.unwrap_or_default()
                .iter()
                .map(|text| Selector::parse(text).map_err(|error| invalid(error.to_string())))
                .collect()
        };
        let defaults = RuleSettings::default();
        let mut per_file_ignores = Vec::new();
        for (glob, codes) in file.per_file_ignores.unwrap_or_default() {
            let compiled = Glob::new(&glob)
                .and_then(|glob| GlobSetBuilder::new().add(glob).build())
                .map_err(|error| SettingsError::InvalidGlob {
                    path: path.to_path_buf(),
                    glob: glob.clone(),
                    message: error.to_string(),
                })?;
            per_file_ignores.push((compiled, selectors(Some(codes))?));
        }
        let language = match file.language.as_deref().map(Language::from_name) {
            None => None,
            Some(language @ (Language::Rust | Language::Python)) => Some(language),
            Some(Language::Other(name)) => {
                return Err(invalid(format!(
                    "language = \"{name}\" is not a cell language nblint reads (expected \"rust\" or \"python\")"
                )));
            }
        };
        Ok(Some(Self {
            path: Some(path.to_path_buf()),
            language,
            selection: RuleSelection {
                select: selectors(file.select)?,
                extend_select: selectors(file.extend_select)?,
                ignore: selectors(file.ignore)?,
            },
            settings: RuleSettings {
                max_cell_lines: file.max_cell_lines.unwrap_or(defaults.max_cell_lines),
                max_code_cells_without_markdown: file
                    .max_code_cells_without_markdown
                    .unwrap_or(defaults.max_code_cells_without_markdown),
            },
            per_file_ignores,
            root: path.parent().map(Path::to_path_buf).unwrap_or_default(),
        }))
    }

    /// The selection for one notebook: the configured one plus the per-file ignores whose
    /// glob matches the notebook's path (relative to the configuration's folder, or as given).
    pub fn selection_for(&self, notebook: &Path) -> RuleSelection {
        let relative = notebook.strip_prefix(&self.root).unwrap_or(notebook);
        let mut selection = self.selection.clone();
        for (glob, selectors) in &self.per_file_ignores {
            if glob.is_match(relative) || glob.is_match(notebook) {
                selection.ignore.extend(selectors.iter().cloned());
            }
        }
        selection
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::find_rule;

    fn selection(select: &[&str], ignore: &[&str]) -> RuleSelection {
        RuleSelection {
            select: select.iter().map(|s| Selector::parse(s).unwrap()).collect(),
            extend_select: Vec::new(),
            ignore: ignore.iter().map(|s| Selector::parse(s).unwrap()).collect(),
        }
    }

    #[test]
    fn a_rule_outside_the_default_selection_runs_only_when_selected() {
        let nb205 = find_rule("NB205").unwrap();
        let nb201 = find_rule("NB201").unwrap();
        assert!(!nb205.in_default_selection);
        assert!(!find_rule("NB206").unwrap().in_default_selection);
        assert!(!selection(&[], &[]).is_enabled(nb205));
        assert!(selection(&[], &[]).is_enabled(nb201));
        assert!(selection(&["NB205"], &[]).is_enabled(nb205));
        assert!(selection(&["NB2"], &[]).is_enabled(nb205));
        assert!(selection(&["ALL"], &[]).is_enabled(nb205));
        assert!(RuleSelection::all().is_enabled(nb205));
        assert!(selection(&["redefined-across-cells"], &[]).is_enabled(nb205));
        assert!(!selection(&["ALL"], &["NB2"]).is_enabled(nb205));

        let extended = RuleSelection {
            extend_select: vec![Selector::parse("NB205").unwrap()],
            ..RuleSelection::default()
        };
        assert!(extended.is_enabled(nb205) && extended.is_enabled(nb201));
        let ignored = RuleSelection {
            ignore: vec![Selector::parse("NB205").unwrap()],
            ..extended.clone()
        };
        assert!(!ignored.is_enabled(nb205));
    }

    #[test]
    fn command_line_selection_over_the_configuration() {
        let nb205 = find_rule("NB205").unwrap();
        let nb101 = find_rule("NB101").unwrap();
        let config = RuleSelection {
            extend_select: vec![Selector::parse("NB205").unwrap()],
            ..RuleSelection::default()
        };
        // --ignore adds up with the configuration's extend-select.
        let cli_ignore = selection(&[], &["NB101"]);
        let merged = config.overridden_by(&cli_ignore);
        assert!(merged.is_enabled(nb205) && !merged.is_enabled(nb101));
        // --select replaces the configuration's select and extend-select.
        let merged = config.overridden_by(&selection(&["NB101"], &[]));
        assert!(!merged.is_enabled(nb205) && merged.is_enabled(nb101));
        // --extend-select on the command line adds to the configuration's select.
        let cli_extend = RuleSelection {
            extend_select: vec![Selector::parse("NB205").unwrap()],
            ..RuleSelection::default()
        };
        let merged = selection(&["NB1"], &[]).overridden_by(&cli_extend);
        assert!(merged.is_enabled(nb205) && merged.is_enabled(nb101));
    }

    #[test]
    fn config_reads_extend_select() {
        let path = Path::new("/p/nblint.toml");
        let config = Config::from_toml("extend-select = [\"NB205\"]\n", path, false)
            .unwrap()
            .unwrap();
        assert!(config.selection.is_enabled(find_rule("NB205").unwrap()));
        assert!(config.selection.is_enabled(find_rule("NB201").unwrap()));
    }

    #[test]
    fn selectors_match_codes_prefixes_and_names() {
        let nb101 = find_rule("NB101").unwrap();
        let nb001 = find_rule("NB001").unwrap();
        assert!(selection(&[], &[]).is_enabled(nb101));
        assert!(selection(&["NB1"], &[]).is_enabled(nb101));
        assert!(!selection(&["NB1"], &[]).is_enabled(nb001));
        assert!(selection(&["oversized-cell"], &[]).is_enabled(nb101));
        assert!(!selection(&["NB1"], &["NB101"]).is_enabled(nb101));
        assert!(selection(&["NB101"], &["NB1"]).is_enabled(nb101));
        assert!(!selection(&[], &["oversized-cell"]).is_enabled(nb101));
        assert!(selection(&["nb101"], &[]).is_enabled(nb101));
        assert_eq!(
            Selector::parse("NB999"),
            Err(SettingsError::UnknownSelector("NB999".into()))
        );
    }

    #[test]
    fn config_reads_keys_and_rejects_unknown_ones() {
        let path = Path::new("/p/nblint.toml");
        let config = Config::from_toml(
            "select = [\"NB1\"]\nmax-cell-lines = 10\n[per-file-ignores]\n\"scratch/*.ipynb\" = [\"NB101\"]\n",
            path,
            false,
        )
        .unwrap()
        .unwrap();
        assert_eq!(config.settings.max_cell_lines, 10);
        let nb101 = find_rule("NB101").unwrap();
        assert!(
            config
                .selection_for(Path::new("/p/a.ipynb"))
                .is_enabled(nb101)
        );
        assert!(
            !config
                .selection_for(Path::new("/p/scratch/a.ipynb"))
                .is_enabled(nb101)
        );

        let error = Config::from_toml("max-lines = 3\n", path, false).unwrap_err();
        let message = error.to_string();
        assert!(
            message.contains("/p/nblint.toml") && message.contains("max-lines"),
            "{message}"
        );
    }

    #[test]
    fn language_setting() {
        let path = Path::new("/p/nblint.toml");
        let read = |text: &str| Config::from_toml(text, path, false);
        assert_eq!(read("").unwrap().unwrap().language, None);
        assert_eq!(
            read("language = \"rust\"\n").unwrap().unwrap().language,
            Some(Language::Rust)
        );
        assert_eq!(
            read("language = \"Python\"\n").unwrap().unwrap().language,
            Some(Language::Python)
        );
        let error = read("language = \"julia\"\n").unwrap_err().to_string();
        assert!(
            error.contains("julia") && error.contains("nblint.toml"),
            "{error}"
        );
    }

    #[test]
    fn cargo_toml_metadata_table() {
        let path = Path::new("Cargo.toml");
        let none = Config::from_toml("[package]\nname = \"x\"\n", path, true).unwrap();
        assert!(none.is_none());
        let some = Config::from_toml(
            "[workspace.metadata.nblint]\nignore = [\"NB102\"]\n",
            path,
            true,
        )
        .unwrap()
        .unwrap();
        assert!(!some.selection.is_enabled(find_rule("NB102").unwrap()));
        let error =
            Config::from_toml("[workspace.metadata.nblint]\nbogus = 1\n", path, true).unwrap_err();
        assert!(error.to_string().contains("bogus"), "{error}");
    }
}
