//! The result cache as `check` uses it: one typed entry per (file bytes, build, settings),
//! stored in an [`nblint_cache::Cache`] at the project root, `--cache-dir` or
//! `$NBLINT_CACHE_DIR`, and pruned to `$NBLINT_CACHE_MAX_BYTES` after each run.
//!
//! An entry is a [`CacheEntry`] encoded as JSON; `nblint_cache` adds the checksum that turns
//! a damaged file into a miss. Bump [`ENTRY_VERSION`] whenever the entry's shape or meaning
//! changes, so that entries written by an older shape are misses, never misread.

use std::path::{Path, PathBuf};

use nblint_cache::CacheKey;
use nblint_facts::Language;
use nblint_lint::{Diagnostic, RuleSelection, RuleSettings, StoredDiagnostic};
use serde::{Deserialize, Serialize};

use super::notes::QuietRule;

/// The entry format: part of every key, so a new format never reads an old entry.
const ENTRY_VERSION: &str = "check-result-v9";

/// The size cap when `$NBLINT_CACHE_MAX_BYTES` is unset or not a number.
const DEFAULT_MAX_BYTES: u64 = 256 * 1024 * 1024;

/// What checking one notebook produced, as stored.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct CacheEntry {
    /// Notes for the user on how the notebook was checked.
    pub(super) notes: Vec<String>,
    /// The rules that stayed quiet in the whole notebook, and why.
    pub(super) quiet: Vec<QuietRule>,
    /// The diagnostics. Cell sources are not stored: a hit that must draw them reads the
    /// notebook again, which keeps entries small (a run writes one per notebook).
    pub(super) diagnostics: Vec<StoredDiagnostic>,
    /// The notebook's part of the report, for the formats drawn a notebook at a time.
    pub(super) part: Option<StoredPart>,
}

/// A notebook's part of the report, and what it was drawn for.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct StoredPart {
    /// [`super::draw::ReportStyle::tag`]: the options and the path it was drawn with.
    pub(super) tag: String,
    /// The part as printed.
    pub(super) text: String,
}

impl CacheEntry {
    /// The entry for what checking a notebook found. A part that is not UTF-8 (never
    /// expected: reports are text) is left out, so a hit draws it again.
    pub(super) fn new(
        notes: &[String],
        quiet: &[QuietRule],
        diagnostics: &[Diagnostic],
        part: Option<(String, &[u8])>,
    ) -> Self {
        Self {
            notes: notes.to_vec(),
            quiet: quiet.to_vec(),
            diagnostics: diagnostics.iter().map(StoredDiagnostic::from).collect(),
            part: part.and_then(|(tag, bytes)| {
                let text = String::from_utf8(bytes.to_vec()).ok()?;
                Some(StoredPart { tag, text })
            }),
        }
    }
}

/// What a notebook's result depends on besides its bytes and this build: the settings and
/// selection that apply to it and the language choices. Its JSON serialization (derived,
/// so stable across runs and releases) is the key's settings fingerprint.
#[derive(Serialize)]
pub(super) struct SettingsFingerprint<'a> {
    /// The rules' thresholds.
    pub(super) settings: &'a RuleSettings,
    /// The selection for this file (configuration, per-file ignores and command line).
    pub(super) selection: &'a RuleSelection,
    /// `--language`.
    pub(super) language_flag: Option<&'a Language>,
    /// `language` in the configuration.
    pub(super) language_setting: Option<&'a Language>,
}

/// The result cache of one run.
pub(super) struct ResultCache {
    cache: nblint_cache::Cache,
    /// This build: the version and the executable's size and modification time, so a
    /// rebuilt binary never reads results of an older one.
    build: String,
}

impl ResultCache {
    /// The cache in `cache_dir` (`--cache-dir`), else `$NBLINT_CACHE_DIR`, else
    /// `.nblint_cache/` at the project root; `None` if the current folder cannot be read.
    pub(super) fn open(cache_dir: Option<&Path>) -> Option<Self> {
        let from_env = std::env::var_os("NBLINT_CACHE_DIR")
            .filter(|dir| !dir.is_empty())
            .map(PathBuf::from);
        let cache = match cache_dir.map(Path::to_path_buf).or(from_env) {
            Some(dir) => nblint_cache::Cache::at(&dir),
            None => nblint_cache::Cache::in_project(&project_root(&std::env::current_dir().ok()?)),
        };
        let executable = std::env::current_exe()
            .and_then(std::fs::metadata)
            .map(|metadata| {
                let modified = metadata
                    .modified()
                    .ok()
                    .and_then(|time| time.duration_since(std::time::UNIX_EPOCH).ok())
                    .map_or(0, |since| since.as_nanos());
                format!("{}:{modified}", metadata.len())
            })
            .unwrap_or_default();
        Some(Self {
            cache,
            build: format!("{}:{executable}", env!("CARGO_PKG_VERSION")),
        })
    }

    /// Shrinks the cache to its size cap (`$NBLINT_CACHE_MAX_BYTES`, default 256 MiB), oldest
    /// entries first. Best effort, like every cache write.
    pub(super) fn prune(&self) {
        let max = std::env::var("NBLINT_CACHE_MAX_BYTES")
            .ok()
            .and_then(|value| value.trim().parse().ok())
            .unwrap_or(DEFAULT_MAX_BYTES);
        let _ = self.cache.prune(max);
    }

    /// The key of the result of checking `bytes` under `fingerprint`; `None` (do not use
    /// the cache for this file) if the fingerprint cannot be serialized.
    pub(super) fn key(
        &self,
        bytes: &[u8],
        fingerprint: &SettingsFingerprint<'_>,
    ) -> Option<CacheKey> {
        let fingerprint = serde_json::to_string(fingerprint).ok()?;
        Some(CacheKey::new(
            bytes,
            &self.build,
            &fingerprint,
            ENTRY_VERSION,
        ))
    }

    /// The entry stored under `key`, or `None`: missing, damaged or of another shape.
    pub(super) fn get(&self, key: &CacheKey) -> Option<CacheEntry> {
        serde_json::from_slice(&self.cache.get(key)?).ok()
    }

    /// Best effort: a cache that cannot be written only makes the next run slower.
    pub(super) fn put(&self, key: &CacheKey, entry: &CacheEntry) {
        if let Ok(payload) = serde_json::to_vec(entry) {
            let _ = self.cache.put(key, &payload);
        }
    }
}

/// Where a project's cache lives: the nearest folder from `start` upwards that holds an
/// `nblint.toml` or a `.git`, else `start` itself.
pub(super) fn project_root(start: &Path) -> PathBuf {
    start
        .ancestors()
        .find(|folder| folder.join("nblint.toml").is_file() || folder.join(".git").exists())
        .unwrap_or(start)
        .to_path_buf()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_round_trips_through_its_encoding() {
        let entry = CacheEntry::new(
            &["a note".to_owned()],
            &[QuietRule {
                code: "NB202".to_owned(),
                note: "quiet".to_owned(),
            }],
            &[],
            Some(("Concise|false|n.ipynb".to_owned(), b"n.ipynb: part\n")),
        );
        let bytes = serde_json::to_vec(&entry).unwrap();
        let back: CacheEntry = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(back.notes, ["a note"]);
        assert_eq!(back.quiet[0].code, "NB202");
        assert_eq!(back.quiet[0].note, "quiet");
        let part = back.part.unwrap();
        assert_eq!(part.tag, "Concise|false|n.ipynb");
        assert_eq!(part.text, "n.ipynb: part\n");
        // An entry of another shape does not read as this one.
        assert!(serde_json::from_slice::<CacheEntry>(b"[1, 2]").is_err());
    }

    #[test]
    fn fingerprint_changes_with_the_settings_and_not_otherwise() {
        let selection = RuleSelection::default();
        let fingerprint = |settings: &RuleSettings, flag: Option<&Language>| {
            serde_json::to_string(&SettingsFingerprint {
                settings,
                selection: &selection,
                language_flag: flag,
                language_setting: None,
            })
            .unwrap()
        };
        let defaults = RuleSettings::default();
        let tighter = RuleSettings {
            max_cell_lines: 10,
            ..RuleSettings::default()
        };
        assert_eq!(fingerprint(&defaults, None), fingerprint(&defaults, None));
        assert_ne!(fingerprint(&defaults, None), fingerprint(&tighter, None));
        assert_ne!(
            fingerprint(&defaults, None),
            fingerprint(&defaults, Some(&Language::Python))
        );
    }
}
