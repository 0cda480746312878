//! `pyproject.toml`: the Python version the notebook ran on, the dependencies its pip lines
//! install (pins kept) and the distributions of its third-party imports (from a small table,
//! `distributions.txt`; an import the table does not know is reported, not guessed).

use std::collections::BTreeSet;

use crate::Target;

/// Python 3's standard library, one module per line.
const STDLIB: &str = include_str!("stdlib.txt");
/// Import name → distribution, one pair per line.
const DISTRIBUTIONS: &str = include_str!("distributions.txt");

fn data_lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
}

/// Whether `module` (a top-level name, `os`) is in Python 3's standard library.
pub fn is_stdlib(module: &str) -> bool {
    module == "__future__" || data_lines(STDLIB).any(|name| name == module)
}

/// The distribution that provides the import `module` (`sklearn` → `scikit-learn`), if the
/// table knows it. A dotted entry (`google.protobuf`) matches that module and its children.
pub fn distribution_of(module: &str) -> Option<&'static str> {
    data_lines(DISTRIBUTIONS).find_map(|line| {
        let (import, distribution) = line.split_once(char::is_whitespace)?;
        let matches = module == import
            || (module.starts_with(import) && module[import.len()..].starts_with('.'));
        matches.then(|| distribution.trim())
    })
}

/// A distribution name as pip compares them (PEP 503: lower case, runs of `-_.` as `-`).
pub fn normalise(name: &str) -> String {
    let mut out = String::new();
    let mut dash = false;
    for ch in name.chars() {
        if matches!(ch, '-' | '_' | '.') {
            dash = true;
        } else {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.push(ch.to_ascii_lowercase());
        }
    }
    out
}

/// The dependencies of the package and the imports nobody could place.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dependencies {
    /// Requirement strings for `[project] dependencies`, pip lines first (as written).
    pub requirements: Vec<String>,
    /// Top-level third-party modules imported (what the run check tries to import).
    pub imported: Vec<String>,
    /// Imported modules that are neither standard library, nor in the table, nor installed
    /// by a pip line.
    pub unknown: Vec<String>,
}

/// Combines pip requirements `(normalised name, requirement as written)` with the imported
/// module paths (`sklearn.model_selection`).
pub fn dependencies(pip: &[(String, String)], imports: &[String]) -> Dependencies {
    let mut out = Dependencies::default();
    let mut have: BTreeSet<String> = BTreeSet::new();
    for (name, requirement) in pip {
        if have.insert(normalise(name)) {
            out.requirements.push(requirement.clone());
        }
    }
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for path in imports {
        let top = path.split('.').next().unwrap_or(path).to_owned();
        if top.is_empty() || is_stdlib(&top) || !seen.insert(path.clone()) {
            continue;
        }
        if !out.imported.contains(&top) {
            out.imported.push(top.clone());
        }
        match distribution_of(path) {
            Some(distribution) => {
                if have.insert(normalise(distribution)) {
                    out.requirements.push(distribution.to_owned());
                }
            }
            None => {
                if !have.contains(&normalise(&top)) && !out.unknown.contains(&top) {
                    out.unknown.push(top);
                }
            }
        }
    }
    out
}

/// `>=3.11` from a `language_info.version` of `3.11.4`; `None` when it is not a version.
pub fn requires_python(version: Option<&str>) -> Option<String> {
    let version = version?;
    let mut parts = version.split('.');
    let major: u32 = parts.next()?.trim().parse().ok()?;
    let minor: u32 = parts
        .next()?
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .ok()?;
    (major == 3).then(|| format!(">={major}.{minor}"))
}

/// A TOML basic string.
fn toml_string(text: &str) -> String {
    let mut out = String::from("\"");
    for ch in text.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The text of `pyproject.toml`.
pub fn pyproject(
    distribution: &str,
    package: &str,
    description: &str,
    requires_python: &str,
    requirements: &[String],
    target: Target,
) -> String {
    let mut out = String::from(match target {
        Target::Modern => {
            "[build-system]\nrequires = [\"hatchling\"]\nbuild-backend = \"hatchling.build\"\n\n[project]\n"
        }
        // hatchling needs Python 3.7 or newer to build; flit_core 3.4 to 3.8 still run on 3.6
        // and read PEP 621 metadata and a src layout.
        Target::Py36 => {
            "[build-system]\nrequires = [\"flit_core>=3.4,<4\"]\nbuild-backend = \"flit_core.buildapi\"\n\n[project]\n"
        }
    });
    out.push_str(&format!("name = {}\n", toml_string(distribution)));
    out.push_str("version = \"0.1.0\"\n");
    out.push_str(&format!("description = {}\n", toml_string(description)));
    out.push_str("readme = \"README.md\"\n");
    out.push_str(&format!(
        "requires-python = {}\n",
        toml_string(requires_python)
    ));
    if requirements.is_empty() {
        out.push_str("dependencies = []\n");
    } else {
        out.push_str("dependencies = [\n");
        for requirement in requirements {
            out.push_str(&format!("    {},\n", toml_string(requirement)));
        }
        out.push_str("]\n");
    }
    out.push_str(&format!(
        "\n[project.scripts]\n{} = \"{package}.__main__:main\"\n",
        toml_string(distribution)
    ));
    match target {
        Target::Modern => out.push_str(&format!(
            "\n[tool.hatch.build.targets.wheel]\npackages = [\"src/{package}\"]\n"
        )),
        Target::Py36 => out.push_str(&format!("\n[tool.flit.module]\nname = \"{package}\"\n")),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imports_become_distributions() {
        let deps = dependencies(
            &[("scikit-learn".into(), "scikit-learn==1.3.0".into())],
            &[
                "os".into(),
                "numpy".into(),
                "sklearn.model_selection".into(),
                "PIL.Image".into(),
                "mystery".into(),
                "yaml".into(),
            ],
        );
        assert_eq!(
            deps.requirements,
            ["scikit-learn==1.3.0", "numpy", "pillow", "PyYAML"]
        );
        assert_eq!(deps.unknown, ["mystery"]);
        assert_eq!(
            deps.imported,
            ["numpy", "sklearn", "PIL", "mystery", "yaml"]
        );
    }

    #[test]
    fn imports_whose_distribution_is_named_otherwise() {
        let deps = dependencies(
            &[],
            &[
                "umap".into(),
                "osgeo.gdal".into(),
                "Bio.SeqIO".into(),
                "google.cloud.bigquery".into(),
                "matplotlib.pyplot".into(),
                "pylab".into(),
                "ee".into(),
            ],
        );
        assert_eq!(
            deps.requirements,
            [
                "umap-learn",
                "GDAL",
                "biopython",
                "google-cloud-bigquery",
                "matplotlib",
                "earthengine-api"
            ]
        );
        assert!(deps.unknown.is_empty());
        // `from google.cloud import bigquery` names no product: not guessed.
        assert_eq!(distribution_of("google.cloud"), None);
    }

    #[test]
    fn python_versions() {
        assert_eq!(requires_python(Some("3.11.4")).as_deref(), Some(">=3.11"));
        assert_eq!(requires_python(Some("3.8")).as_deref(), Some(">=3.8"));
        assert_eq!(requires_python(Some("2.7.18")), None);
        assert_eq!(requires_python(None), None);
    }

    #[test]
    fn normalised_names() {
        assert_eq!(normalise("Scikit_Learn"), "scikit-learn");
        assert_eq!(normalise("PyYAML"), "pyyaml");
    }
}
