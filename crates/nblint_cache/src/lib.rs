//! A content cache for `nblint check`: the result of checking one file, keyed by everything
//! that result depends on, so that an unchanged re-run reads results instead of computing
//! them.
//!
//! The cache stores opaque payloads: the caller serialises its diagnostics however it likes
//! and reads them back the same way; this crate never looks inside.
//!
//! - **Key**: an XXH3-128 hash of the file's bytes, the nblint version, a settings fingerprint
//!   (any string that changes whenever the configuration that applies to the file changes)
//!   and the output-relevant options. Each part is length-prefixed, so no two different
//!   tuples hash the same input. See [`CacheKey::new`].
//! - **Layout**: `<folder>/v2/<32 hex digits>`, one file per key, in a folder the caller
//!   chooses: [`Cache::in_project`] (`<root>/.nblint_cache/`, which gets a `.gitignore` and
//!   a `CACHEDIR.TAG`) or [`Cache::at`] with [`user_cache_dir`].
//! - **Concurrency**: an entry is written to a temporary file in the same folder and renamed
//!   over its final name, so a reader sees either no entry or a whole one, and two runs
//!   writing the same key write the same bytes. Entries are not synced to disk: a cache may
//!   lose entries in a crash, and the checksum in every entry turns a torn or corrupt file
//!   into a miss.
//! - **Failure**: reading never fails, it misses ([`Cache::get`] returns `None` on a missing,
//!   unreadable, truncated or foreign file). Writing returns an error the caller may ignore.
//! - **Size**: [`Cache::prune`] deletes the oldest entries until the folder is under a cap,
//!   and removes temporary files left by interrupted runs.

use std::ffi::OsString;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// The name of the project-local cache folder.
pub const PROJECT_FOLDER: &str = ".nblint_cache";

/// The layout version: the subfolder entries live in. Bump it when the entry format or the
/// key derivation changes, so old entries are never read as new ones.
const LAYOUT: &str = "v2";

/// The first bytes of every entry.
const MAGIC: &[u8; 8] = b"NBLCACHE";

/// Bytes of an entry around its payload: magic, key, payload length, checksum.
const HEADER_LEN: usize = MAGIC.len() + KEY_LEN + 8;
/// Bytes in a key.
const KEY_LEN: usize = 16;
const CHECKSUM_LEN: usize = 16;

/// Prefix of temporary files while an entry is written.
const TEMP_PREFIX: &str = ".tmp-";

/// Temporary files older than this are leftovers of an interrupted run.
const STALE_TEMP_AGE: Duration = Duration::from_hours(1);

/// What a cached result depends on, hashed: a stable 128-bit name for one cache entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CacheKey([u8; KEY_LEN]);

impl CacheKey {
    /// The key of a result computed from `file_bytes` by nblint `version` under the settings
    /// summarised by `settings_fingerprint`, rendered with `options` (for example the output
    /// format, or the file's path if the payload contains it).
    ///
    /// The caller decides what the fingerprint and options hold; whatever changes the payload
    /// must change one of them, or a stale payload is returned.
    pub fn new(
        file_bytes: &[u8],
        version: &str,
        settings_fingerprint: &str,
        options: &str,
    ) -> Self {
        let mut hasher = xxhash_rust::xxh3::Xxh3::new();
        hasher.update(b"nblint-cache-key-v2");
        for part in [
            file_bytes,
            version.as_bytes(),
            settings_fingerprint.as_bytes(),
            options.as_bytes(),
        ] {
            hasher.update(&(part.len() as u64).to_le_bytes());
            hasher.update(part);
        }
        Self(hasher.digest128().to_le_bytes())
    }

    /// The key as 32 lower-case hex digits (its file name).
    pub fn to_hex(&self) -> String {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut text = String::with_capacity(2 * KEY_LEN);
        for byte in self.0 {
            text.push(char::from(DIGITS[usize::from(byte >> 4)]));
            text.push(char::from(DIGITS[usize::from(byte & 0xf)]));
        }
        text
    }

    /// The raw hash.
    pub fn as_bytes(&self) -> &[u8; KEY_LEN] {
        &self.0
    }
}

/// What [`Cache::prune`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PruneStats {
    /// Entries kept.
    pub kept: usize,
    /// Entries deleted to get under the cap.
    pub removed: usize,
    /// Leftover temporary files deleted.
    pub stale_temporaries: usize,
    /// Bytes of the entries kept.
    pub bytes: u64,
}

/// A cache folder. Creating one does no I/O; the folder is made on the first [`Cache::put`].
#[derive(Debug, Clone)]
pub struct Cache {
    /// The folder given by the caller (`.nblint_cache` or the user cache folder).
    root: PathBuf,
    /// Whether `root` is a project-local folder that should carry a `.gitignore`.
    project_local: bool,
}

impl Cache {
    /// The cache in `<project_root>/.nblint_cache/`.
    pub fn in_project(project_root: &Path) -> Self {
        Self {
            root: project_root.join(PROJECT_FOLDER),
            project_local: true,
        }
    }

    /// The cache in exactly `folder` (for example [`user_cache_dir`]).
    pub fn at(folder: &Path) -> Self {
        Self {
            root: folder.to_path_buf(),
            project_local: false,
        }
    }

    /// The cache's folder, as given.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The folder entries live in.
    fn entries(&self) -> PathBuf {
        self.root.join(LAYOUT)
    }

    /// Where the entry for `key` is (or would be) stored.
    pub fn entry_path(&self, key: &CacheKey) -> PathBuf {
        self.entries().join(key.to_hex())
    }

    /// The payload stored for `key`, or `None`: missing, unreadable, truncated, corrupt or
    /// stored under another key all count as a miss.
    pub fn get(&self, key: &CacheKey) -> Option<Vec<u8>> {
        let bytes = fs::read(self.entry_path(key)).ok()?;
        decode(&bytes, key).map(<[u8]>::to_vec)
    }

    /// Stores `payload` for `key`, replacing any entry there: written to a temporary file in
    /// the same folder, then renamed into place.
    pub fn put(&self, key: &CacheKey, payload: &[u8]) -> io::Result<()> {
        let entries = self.entries();
        if !entries.is_dir() {
            self.create_folders()?;
        }
        let mut file = tempfile::Builder::new()
            .prefix(TEMP_PREFIX)
            .tempfile_in(&entries)?;
        file.write_all(&encode(key, payload))?;
        file.persist(self.entry_path(key))
            .map_err(|error| error.error)?;
        Ok(())
    }

    /// Creates the folders, and for a project-local cache a `.gitignore` that ignores it all,
    /// and the `CACHEDIR.TAG` that tells backup tools to skip it.
    fn create_folders(&self) -> io::Result<()> {
        fs::create_dir_all(self.entries())?;
        if self.project_local {
            write_new(&self.root.join(".gitignore"), b"# Created by nblint.\n*\n")?;
        }
        write_new(
            &self.root.join("CACHEDIR.TAG"),
            b"Signature: 8a477f597d28d172789f06886806bc55\n\
              # This folder is a cache created by nblint.\n",
        )
    }

    /// Deletes every entry (the folder itself stays).
    pub fn clear(&self) -> io::Result<()> {
        match fs::remove_dir_all(self.entries()) {
            Err(error) if error.kind() != io::ErrorKind::NotFound => Err(error),
            _ => Ok(()),
        }
    }

    /// Deletes the oldest entries (by modification time) until those left take at most
    /// `max_bytes`, and temporary files older than an hour. Files that vanish meanwhile
    /// (another run pruning) are skipped, not errors.
    pub fn prune(&self, max_bytes: u64) -> io::Result<PruneStats> {
        let mut stats = PruneStats::default();
        let listing = match fs::read_dir(self.entries()) {
            Ok(listing) => listing,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(stats),
            Err(error) => return Err(error),
        };
        let now = SystemTime::now();
        let mut entries = Vec::new();
        for item in listing {
            let Ok(item) = item else { continue };
            let Ok(metadata) = item.metadata() else {
                continue;
            };
            if !metadata.is_file() {
                continue;
            }
            let modified = metadata.modified().unwrap_or(SystemTime::UNIX_EPOCH);
            let name = item.file_name();
            if name.to_string_lossy().starts_with(TEMP_PREFIX) {
                let age = now.duration_since(modified).unwrap_or_default();
                if age > STALE_TEMP_AGE && fs::remove_file(item.path()).is_ok() {
                    stats.stale_temporaries += 1;
                }
                continue;
            }
            entries.push((modified, metadata.len(), item.path()));
        }
        let mut total: u64 = entries.iter().map(|(_, len, _)| len).sum();
        // Oldest first; the newest stay.
        entries.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.2.cmp(&b.2)));
        for (_, len, path) in entries {
            if total > max_bytes {
                match fs::remove_file(&path) {
                    Ok(()) => {
                        stats.removed += 1;
                        total -= len;
                        continue;
                    }
                    Err(error) if error.kind() == io::ErrorKind::NotFound => {
                        total -= len;
                        continue;
                    }
                    Err(_) => {}
                }
            }
            stats.kept += 1;
        }
        stats.bytes = total;
        Ok(stats)
    }
}

/// The per-user cache folder for nblint, from environment variables read through `var` (pass
/// `std::env::var_os`; this crate reads no environment itself): `$XDG_CACHE_HOME/nblint`,
/// else on macOS `$HOME/Library/Caches/nblint`, on Windows `%LOCALAPPDATA%\nblint\cache`,
/// elsewhere `$HOME/.cache/nblint`. `None` when the variables needed are unset or relative.
pub fn user_cache_dir(var: impl Fn(&str) -> Option<OsString>) -> Option<PathBuf> {
    let absolute = |name: &str| {
        var(name)
            .map(PathBuf::from)
            .filter(|path| path.is_absolute())
    };
    if let Some(xdg) = absolute("XDG_CACHE_HOME") {
        return Some(xdg.join("nblint"));
    }
    if cfg!(windows) {
        return absolute("LOCALAPPDATA").map(|path| path.join("nblint").join("cache"));
    }
    let home = absolute("HOME")?;
    if cfg!(target_os = "macos") {
        Some(home.join("Library").join("Caches").join("nblint"))
    } else {
        Some(home.join(".cache").join("nblint"))
    }
}

/// Writes `bytes` to `path` unless it exists (a concurrent run creating it too is fine).
fn write_new(path: &Path, bytes: &[u8]) -> io::Result<()> {
    match fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
    {
        Ok(mut file) => file.write_all(bytes),
        Err(error) if error.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(error) => Err(error),
    }
}

/// An entry: magic, key, payload length (u64 little-endian), payload, and the first 16 bytes
/// of the XXH3-128 hash of everything before it.
fn encode(key: &CacheKey, payload: &[u8]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(HEADER_LEN + payload.len() + CHECKSUM_LEN);
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(key.as_bytes());
    bytes.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    bytes.extend_from_slice(payload);
    let checksum = xxhash_rust::xxh3::xxh3_128(&bytes).to_le_bytes();
    bytes.extend_from_slice(&checksum[..CHECKSUM_LEN]);
    bytes
}

/// The payload of an entry, if it is whole and stored under `key`.
fn decode<'a>(bytes: &'a [u8], key: &CacheKey) -> Option<&'a [u8]> {
    let body_len = bytes.len().checked_sub(CHECKSUM_LEN)?;
    let (body, checksum) = bytes.split_at(body_len);
    let rest = body.strip_prefix(MAGIC)?;
    let rest = rest.strip_prefix(key.as_bytes().as_slice())?;
    let (length, payload) = rest.split_first_chunk::<8>()?;
    if u64::try_from(payload.len()).ok()? != u64::from_le_bytes(*length) {
        return None;
    }
    (xxhash_rust::xxh3::xxh3_128(body).to_le_bytes()[..CHECKSUM_LEN] == *checksum)
        .then_some(payload)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(bytes: &[u8]) -> CacheKey {
        CacheKey::new(bytes, "0.1.0", "select=ALL", "format=json")
    }

    #[test]
    fn round_trip_and_miss() {
        let folder = tempfile::tempdir().unwrap();
        let cache = Cache::in_project(folder.path());
        let k = key(b"{\"cells\": []}");
        assert_eq!(cache.get(&k), None);
        cache.put(&k, b"[diagnostics]").unwrap();
        assert_eq!(cache.get(&k).as_deref(), Some(&b"[diagnostics]"[..]));
        // Replacing an entry.
        cache.put(&k, b"").unwrap();
        assert_eq!(cache.get(&k).as_deref(), Some(&b""[..]));
        assert_eq!(cache.get(&key(b"other")), None);
    }

    #[test]
    fn key_depends_on_every_part_and_is_unambiguous() {
        let base = CacheKey::new(b"bytes", "1", "s", "o");
        assert_eq!(base, CacheKey::new(b"bytes", "1", "s", "o"));
        assert_ne!(base, CacheKey::new(b"bytes!", "1", "s", "o"));
        assert_ne!(base, CacheKey::new(b"bytes", "2", "s", "o"));
        assert_ne!(base, CacheKey::new(b"bytes", "1", "t", "o"));
        assert_ne!(base, CacheKey::new(b"bytes", "1", "s", "p"));
        // Moving bytes from one part to the next changes the key.
        assert_ne!(
            CacheKey::new(b"ab", "c", "", ""),
            CacheKey::new(b"a", "bc", "", "")
        );
    }

    #[test]
    fn key_is_stable_across_releases() {
        // The derivation is part of the on-disk format: changing it needs a new LAYOUT.
        let mut input = b"nblint-cache-key-v2".to_vec();
        for _ in 0..4 {
            input.extend_from_slice(&0u64.to_le_bytes());
        }
        assert_eq!(
            *CacheKey::new(b"", "", "", "").as_bytes(),
            xxhash_rust::xxh3::xxh3_128(&input).to_le_bytes()
        );
        assert_eq!(
            CacheKey::new(b"{}", "0.1.0", "settings", "options").to_hex(),
            "d31561649077aab5bcc5b38cbcee1525"
        );
    }

    #[test]
    fn corrupt_truncated_or_foreign_entries_are_misses() {
        let folder = tempfile::tempdir().unwrap();
        let cache = Cache::at(folder.path());
        let k = key(b"notebook");
        cache.put(&k, b"payload bytes").unwrap();
        let path = cache.entry_path(&k);
        let good = fs::read(&path).unwrap();

        // Every truncation misses.
        for len in 0..good.len() {
            fs::write(&path, &good[..len]).unwrap();
            assert_eq!(cache.get(&k), None, "truncated to {len}");
        }
        // Every single flipped bit misses.
        for at in 0..good.len() {
            let mut bad = good.clone();
            bad[at] ^= 0x01;
            fs::write(&path, &bad).unwrap();
            assert_eq!(cache.get(&k), None, "bit flipped at {at}");
        }
        // An entry copied under another key's name misses.
        let other = key(b"another notebook");
        fs::write(cache.entry_path(&other), &good).unwrap();
        assert_eq!(cache.get(&other), None);
        // A folder where the entry should be misses.
        fs::remove_file(&path).unwrap();
        fs::create_dir(&path).unwrap();
        assert_eq!(cache.get(&k), None);
        // Garbage misses.
        fs::write(cache.entry_path(&other), b"not a cache entry at all").unwrap();
        assert_eq!(cache.get(&other), None);
    }

    #[test]
    fn project_cache_is_ignored_by_git_and_tagged() {
        let folder = tempfile::tempdir().unwrap();
        let cache = Cache::in_project(folder.path());
        assert!(!cache.root().exists(), "no I/O before the first put");
        cache.put(&key(b"x"), b"y").unwrap();
        let root = folder.path().join(PROJECT_FOLDER);
        assert_eq!(
            fs::read_to_string(root.join(".gitignore")).unwrap(),
            "# Created by nblint.\n*\n"
        );
        assert!(
            fs::read_to_string(root.join("CACHEDIR.TAG"))
                .unwrap()
                .starts_with("Signature: 8a477f597d28d172789f06886806bc55")
        );
        // A user cache gets the tag but no .gitignore.
        let user = tempfile::tempdir().unwrap();
        Cache::at(user.path()).put(&key(b"x"), b"y").unwrap();
        assert!(!user.path().join(".gitignore").exists());
        assert!(user.path().join("CACHEDIR.TAG").exists());
    }

    #[test]
    fn unwritable_folder_is_an_error_not_a_panic() {
        let folder = tempfile::tempdir().unwrap();
        let blocker = folder.path().join("file");
        fs::write(&blocker, b"").unwrap();
        let cache = Cache::at(&blocker.join("cache"));
        assert!(cache.put(&key(b"x"), b"y").is_err());
        assert_eq!(cache.get(&key(b"x")), None);
        assert_eq!(
            cache.prune(0).unwrap_err().kind(),
            io::ErrorKind::NotADirectory
        );
    }

    #[test]
    fn concurrent_writers_and_readers_never_see_partial_entries() {
        let folder = tempfile::tempdir().unwrap();
        let cache = Cache::in_project(folder.path());
        let keys: Vec<CacheKey> = (0..16u8).map(|i| key(&[i])).collect();
        let payload = |i: usize| vec![u8::try_from(i).unwrap(); 64 * 1024];
        std::thread::scope(|scope| {
            for _ in 0..4 {
                scope.spawn(|| {
                    for _ in 0..5 {
                        for (i, k) in keys.iter().enumerate() {
                            cache.put(k, &payload(i)).unwrap();
                            if let Some(read) = cache.get(k) {
                                assert_eq!(read, payload(i));
                            }
                        }
                    }
                });
            }
        });
        for (i, k) in keys.iter().enumerate() {
            assert_eq!(cache.get(k), Some(payload(i)));
        }
        // No temporary files left behind.
        let names: Vec<String> = fs::read_dir(cache.entries())
            .unwrap()
            .map(|item| item.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), keys.len(), "{names:?}");
    }

    #[test]
    fn prune_removes_oldest_first_and_stale_temporaries() {
        let folder = tempfile::tempdir().unwrap();
        let cache = Cache::at(folder.path());
        let old = SystemTime::now() - Duration::from_hours(2);
        let keys: Vec<CacheKey> = (0..4u8).map(|i| key(&[i])).collect();
        for (age, k) in keys.iter().enumerate() {
            cache.put(k, &[0; 1000]).unwrap();
            let file = fs::File::options()
                .write(true)
                .open(cache.entry_path(k))
                .unwrap();
            // keys[0] is the oldest.
            file.set_modified(old + Duration::from_secs(age as u64 * 60))
                .unwrap();
        }
        let entry_len = fs::metadata(cache.entry_path(&keys[0])).unwrap().len();
        let stale = cache.entries().join(format!("{TEMP_PREFIX}leftover"));
        fs::write(&stale, b"half").unwrap();
        fs::File::options()
            .write(true)
            .open(&stale)
            .unwrap()
            .set_modified(old)
            .unwrap();
        let fresh = cache.entries().join(format!("{TEMP_PREFIX}in-progress"));
        fs::write(&fresh, b"half").unwrap();

        let stats = cache.prune(entry_len * 2).unwrap();
        assert_eq!(
            stats,
            PruneStats {
                kept: 2,
                removed: 2,
                stale_temporaries: 1,
                bytes: entry_len * 2
            }
        );
        assert_eq!(cache.get(&keys[0]), None);
        assert_eq!(cache.get(&keys[1]), None);
        assert!(cache.get(&keys[2]).is_some());
        assert!(cache.get(&keys[3]).is_some());
        assert!(!stale.exists());
        assert!(
            fresh.exists(),
            "a recent temporary may belong to a running check"
        );

        cache.clear().unwrap();
        assert_eq!(cache.get(&keys[3]), None);
        cache.clear().unwrap();
        assert_eq!(cache.prune(0).unwrap(), PruneStats::default());
    }

    #[test]
    fn user_cache_dir_follows_the_platform_conventions() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(key, _)| *key == name)
                    .map(|(_, value)| OsString::from(value))
            }
        };
        if cfg!(unix) {
            assert_eq!(
                user_cache_dir(env(&[("XDG_CACHE_HOME", "/x"), ("HOME", "/h")])),
                Some(PathBuf::from("/x/nblint"))
            );
            assert_eq!(
                user_cache_dir(env(&[("XDG_CACHE_HOME", "relative"), ("HOME", "/h")])),
                Some(if cfg!(target_os = "macos") {
                    PathBuf::from("/h/Library/Caches/nblint")
                } else {
                    PathBuf::from("/h/.cache/nblint")
                })
            );
            assert_eq!(user_cache_dir(env(&[])), None);
        }
    }
}
