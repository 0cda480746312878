//! The generated crate's `Cargo.toml`: the notebook's `:dep` lines as `[dependencies]`, the way
//! the evcxr kernel builds its own manifest, normalised for edition 2024.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use nblint_facts::Dependency;

/// Why a `:dep` line cannot become a dependency.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ManifestError {
    /// The text after `=` is not a TOML value.
    #[error("`:dep {name} = {spec}` is not a valid TOML value: {message}")]
    InvalidSpec {
        /// The dependency name.
        name: String,
        /// The spec as written.
        spec: String,
        /// The TOML parser's message.
        message: String,
    },
}

/// The `[dependencies]` entries of the notebook: the last `:dep` for a name wins (as in
/// evcxr); `default_features` becomes `default-features` (cargo rejects the underscore form
/// in edition 2024); a relative `path` (relative to the notebook's folder, evcxr's working
/// directory) is rewritten relative to the new crate's folder.
pub fn dependency_table(
    dependencies: &[&Dependency],
    notebook_folder: &Path,
    crate_folder: &Path,
) -> Result<BTreeMap<String, toml::Value>, ManifestError> {
    let mut table = BTreeMap::new();
    for dependency in dependencies {
        let (name, mut value) = parse_dependency(dependency)?;
        if let toml::Value::Table(entries) = &mut value {
            if let Some(flag) = entries.remove("default_features") {
                entries.entry("default-features").or_insert(flag);
            }
            if let Some(toml::Value::String(path)) = entries.get_mut("path") {
                *path = rebase(path, notebook_folder, crate_folder);
            }
        }
        table.insert(name, value);
    }
    Ok(table)
}

/// `(key, value)` for one `:dep`: `:dep name` is `"*"`; `:dep ./path` reads as a path
/// dependency named after the folder (evcxr reads the name from that crate's manifest; the
/// caller can do the same, see [`local_crate_name`]).
fn parse_dependency(dependency: &Dependency) -> Result<(String, toml::Value), ManifestError> {
    if let Some(path) = &dependency.path
        && dependency.name.starts_with(['.', '/'])
    {
        let mut entries = toml::Table::new();
        entries.insert("path".into(), toml::Value::String(path.clone()));
        let name = Path::new(path).file_name().map_or_else(
            || "local".to_owned(),
            |name| name.to_string_lossy().into_owned(),
        );
        return Ok((name, toml::Value::Table(entries)));
    }
    let spec = dependency.spec.trim();
    if spec.is_empty() {
        return Ok((dependency.name.clone(), toml::Value::String("*".into())));
    }
    let parsed: toml::Table =
        toml::from_str(&format!("value = {spec}")).map_err(|error| ManifestError::InvalidSpec {
            name: dependency.name.clone(),
            spec: spec.to_owned(),
            message: error.message().to_owned(),
        })?;
    let value = parsed
        .get("value")
        .cloned()
        .unwrap_or_else(|| toml::Value::String("*".into()));
    Ok((dependency.name.clone(), value))
}

/// The `[package] name` of the crate at `folder`, as evcxr reads it for `:dep ./path`.
pub fn local_crate_name(folder: &Path) -> Option<String> {
    let text = std::fs::read_to_string(folder.join("Cargo.toml")).ok()?;
    let manifest: toml::Table = toml::from_str(&text).ok()?;
    manifest
        .get("package")?
        .get("name")?
        .as_str()
        .map(str::to_owned)
}

/// A path relative to `from` (the notebook's folder) rewritten relative to `to` (the new
/// crate). Absolute paths are kept.
fn rebase(path: &str, from: &Path, to: &Path) -> String {
    let original = Path::new(path);
    if original.is_absolute() {
        return path.to_owned();
    }
    let target = normalise(&absolute(from).join(original));
    relative_path(&target, &normalise(&absolute(to)))
        .to_string_lossy()
        .replace('\\', "/")
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// Resolves `.` and `..` without touching the file system.
fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// `target` relative to `base` (both absolute and normalised).
fn relative_path(target: &Path, base: &Path) -> PathBuf {
    let target_parts: Vec<Component<'_>> = target.components().collect();
    let base_parts: Vec<Component<'_>> = base.components().collect();
    let common = target_parts
        .iter()
        .zip(&base_parts)
        .take_while(|(a, b)| a == b)
        .count();
    let mut out = PathBuf::new();
    for _ in common..base_parts.len() {
        out.push("..");
    }
    for part in &target_parts[common..] {
        out.push(part.as_os_str());
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

/// The text of the generated `Cargo.toml`.
pub fn render_manifest(package: &str, dependencies: &BTreeMap<String, toml::Value>) -> String {
    let mut out = format!(
        "[package]\nname = {}\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n\n[dependencies]\n",
        toml::Value::String(package.to_owned())
    );
    for (name, value) in dependencies {
        out.push_str(&format!("{} = {value}\n", toml_key(name)));
    }
    out
}

/// The versions `Cargo.lock` (text `lock`) resolved for the direct dependencies of `package`:
/// name → version. A lock file that does not parse gives none.
pub fn locked_versions(lock: &str, package: &str) -> BTreeMap<String, String> {
    let mut versions = BTreeMap::new();
    let Ok(document) = lock.parse::<toml::Table>() else {
        return versions;
    };
    let Some(toml::Value::Array(packages)) = document.get("package") else {
        return versions;
    };
    let field = |entry: &toml::Value, key: &str| -> Option<String> {
        entry.get(key)?.as_str().map(str::to_owned)
    };
    let Some(root) = packages.iter().find(|entry| {
        field(entry, "name").as_deref() == Some(package) && entry.get("source").is_none()
    }) else {
        return versions;
    };
    let direct: Vec<String> = root
        .get("dependencies")
        .and_then(toml::Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|d| d.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    for dependency in direct {
        // "name" when one version is locked, "name version" (or with a source) otherwise.
        let mut parts = dependency.split(' ');
        let Some(name) = parts.next() else {
            continue;
        };
        let version = parts.next().map(str::to_owned).or_else(|| {
            let mut candidates = packages
                .iter()
                .filter(|entry| field(entry, "name").as_deref() == Some(name))
                .filter_map(|entry| field(entry, "version"));
            let first = candidates.next();
            first.filter(|_| candidates.next().is_none())
        });
        if let Some(version) = version {
            versions.insert(name.to_owned(), version);
        }
    }
    versions
}

/// Rewrites the `name = "*"` lines of a rendered manifest to the `versions` found (cargo
/// matches `-` and `_` in names). Returns the new text and the `(name, version)` pinned.
pub fn pin_any_versions(
    manifest: &str,
    versions: &BTreeMap<String, String>,
) -> (String, Vec<(String, String)>) {
    let mut pinned = Vec::new();
    let mut out = String::with_capacity(manifest.len());
    for line in manifest.split_inclusive('\n') {
        let replaced = line.trim_end().strip_suffix(" = \"*\"").and_then(|key| {
            let wanted = key.replace('_', "-");
            let version = versions
                .iter()
                .find(|(name, _)| name.replace('_', "-") == wanted)
                .map(|(_, version)| version.clone())?;
            pinned.push((key.to_owned(), version.clone()));
            Some(format!("{key} = \"{version}\"\n"))
        });
        out.push_str(replaced.as_deref().unwrap_or(line));
    }
    (out, pinned)
}

/// The `[dependencies]` of a rendered manifest as `name version` (or `name {...}` for a
/// table), in order: what the final table shows.
pub fn dependency_lines(manifest: &str) -> Vec<String> {
    let mut in_dependencies = false;
    let mut lines = Vec::new();
    for line in manifest.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            in_dependencies = trimmed == "[dependencies]";
            continue;
        }
        if !in_dependencies || trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if let Some((name, value)) = trimmed.split_once(" = ") {
            let value = value.trim();
            let shown = value
                .strip_prefix('"')
                .and_then(|rest| rest.strip_suffix('"'))
                .unwrap_or(value);
            lines.push(format!("{name} {shown}"));
        }
    }
    lines
}

/// The dependencies of a rendered manifest left at any version or below one (`name = "*"`,
/// `name = "<0.9"`, what [`pin_any_versions`] writes for a retry): `(name, requirement)`.
pub fn unpinned_dependencies(manifest: &str) -> Vec<(String, String)> {
    manifest
        .lines()
        .filter_map(|line| {
            let (key, value) = line.split_once(" = \"")?;
            let requirement = value.strip_suffix('"')?;
            (requirement == "*" || requirement.starts_with('<'))
                .then(|| (key.trim().to_owned(), requirement.to_owned()))
        })
        .collect()
}

/// A requirement for the releases before `version`'s compatible series: `<0.9` for `0.9.2`,
/// `<2` for `2.1.0`, `<0.0.3` for `0.0.3`; `None` for the first series (`0.0.x` below 3,
/// `1.0.0`-less `0.0.0`) or text that is not a version.
pub fn below(version: &str) -> Option<String> {
    let mut parts = version.split(['.', '-', '+']);
    let major: u64 = parts.next()?.parse().ok()?;
    let minor: u64 = parts.next()?.parse().ok()?;
    let patch: u64 = parts.next()?.parse().ok()?;
    match (major, minor, patch) {
        (0, 0, 0) => None,
        (0, 0, patch) => Some(format!("<0.0.{patch}")),
        (0, minor, _) => Some(format!("<0.{minor}")),
        (major, _, _) => Some(format!("<{major}")),
    }
}

/// A bare TOML key when the name allows it, else a quoted one.
fn toml_key(name: &str) -> String {
    if !name.is_empty()
        && name
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_')
    {
        name.to_owned()
    } else {
        toml::Value::String(name.to_owned()).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nblint_facts::Span;

    fn dep(name: &str, spec: &str, path: Option<&str>) -> Dependency {
        Dependency {
            name: name.into(),
            spec: spec.into(),
            version: None,
            features: Vec::new(),
            default_features: None,
            path: path.map(str::to_owned),
            git: None,
            package: None,
            span: Span::default(),
            top_level: true,
        }
    }

    #[test]
    fn versions_below_a_failed_one() {
        assert_eq!(below("0.9.2").as_deref(), Some("<0.9"));
        assert_eq!(below("2.1.0").as_deref(), Some("<2"));
        assert_eq!(below("0.0.3").as_deref(), Some("<0.0.3"));
        assert_eq!(below("0.0.0"), None);
        assert_eq!(below("x"), None);
        let manifest = "[dependencies]\nrand = \"<0.9\"\nserde = \"1\"\nitertools = \"*\"\n";
        assert_eq!(
            unpinned_dependencies(manifest),
            [
                ("rand".to_owned(), "<0.9".to_owned()),
                ("itertools".to_owned(), "*".to_owned())
            ]
        );
    }

    #[test]
    fn any_versions_are_pinned_to_the_locked_ones() {
        let lock = r#"version = 4

[[package]]
name = "either"
version = "1.15.0"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "itertools"
version = "0.14.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = ["either"]

[[package]]
name = "nb"
version = "0.1.0"
dependencies = ["itertools", "rand 0.8.5"]
"#;
        let versions = locked_versions(lock, "nb");
        assert_eq!(
            versions.get("itertools").map(String::as_str),
            Some("0.14.0")
        );
        assert_eq!(versions.get("rand").map(String::as_str), Some("0.8.5"));
        assert!(!versions.contains_key("either"));
        let manifest = "[dependencies]\nitertools = \"*\"\nrand = \"0.8\"\n";
        let (text, pinned) = pin_any_versions(manifest, &versions);
        assert_eq!(
            text,
            "[dependencies]\nitertools = \"0.14.0\"\nrand = \"0.8\"\n"
        );
        assert_eq!(pinned, vec![("itertools".to_owned(), "0.14.0".to_owned())]);
    }

    #[test]
    fn every_dep_form_becomes_a_dependency() {
        let deps = [
            dep("regex", "", None),
            dep("serde", "\"1.0\"", None),
            dep(
                "plotters",
                "{ version = \"^0.3.6\", default_features = false, features = [\"evcxr\"] }",
                None,
            ),
            dep("mylib", "{ path = \"../mylib\" }", Some("../mylib")),
            dep("./tools/helper", "", Some("./tools/helper")),
            dep(
                "serde",
                "{ version = \"1\", features = [\"derive\"] }",
                None,
            ),
        ];
        let refs: Vec<&Dependency> = deps.iter().collect();
        let table =
            dependency_table(&refs, Path::new("/work/nb"), Path::new("/work/nb/out")).unwrap();
        let manifest = render_manifest("demo", &table);
        assert_eq!(
            manifest,
            "[package]\nname = \"demo\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n\n[dependencies]\n\
             helper = { path = \"../tools/helper\" }\n\
             mylib = { path = \"../../mylib\" }\n\
             plotters = { default-features = false, features = [\"evcxr\"], version = \"^0.3.6\" }\n\
             regex = \"*\"\n\
             serde = { features = [\"derive\"], version = \"1\" }\n"
        );
    }

    #[test]
    fn invalid_spec_is_an_error_naming_the_dep() {
        let bad = dep("x", "{ version = ", None);
        let error = dependency_table(&[&bad], Path::new("/a"), Path::new("/b")).unwrap_err();
        assert!(error.to_string().contains(":dep x"), "{error}");
    }
}
