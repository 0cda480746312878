//! The leading block of a cell, as the evcxr kernel scans it: `:command` lines and `!shell`
//! lines, with blank lines and `//` comments (at column 0) between them. The first other line
//! starts the Rust part, and command scanning stops for good.

use nblint_facts::{Command, Definition, DefinitionKind, Dependency, Span, SyntaxError};

/// What the leading block holds, and where the Rust part starts.
#[derive(Debug, Default)]
pub struct LeadingBlock {
    /// Commands and shell lines, in order.
    pub commands: Vec<Command>,
    /// The `:dep` lines, parsed.
    pub dependencies: Vec<Dependency>,
    /// The crates the `:dep` lines bring into scope, by the name code uses (`-` read as
    /// `_`), each spanning the name on its line.
    pub definitions: Vec<Definition>,
    /// `:dep` lines that are not valid.
    pub errors: Vec<SyntaxError>,
    /// Byte offset of the first Rust line (the source length when there is none).
    pub rust_start: usize,
}

/// Splits the leading block off `source`.
pub fn leading_block(source: &str) -> LeadingBlock {
    let mut block = LeadingBlock {
        rust_start: source.len(),
        ..LeadingBlock::default()
    };
    let mut offset = 0;
    for line in source.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let span = Span::new(start, offset);
        let text = line.trim_end_matches(['\n', '\r']);
        if let Some(rest) = text.strip_prefix('!') {
            block.commands.push(Command {
                name: "!".to_owned(),
                argument: rest.to_owned(),
                span,
            });
        } else if text.trim().is_empty() || text.starts_with("//") {
            // Skipped while scanning for commands.
        } else if let Some((name, argument)) = command(text) {
            if name == ":dep" {
                match dependency(argument, span) {
                    Ok(dependency) => {
                        let at = start
                            + (argument.as_ptr() as usize).saturating_sub(text.as_ptr() as usize);
                        if let Some(definition) = crate_definition(&dependency, argument, at) {
                            block.definitions.push(definition);
                        }
                        block.dependencies.push(dependency);
                    }
                    Err(message) => block.errors.push(SyntaxError {
                        message,
                        span: Span::new(start, start + text.len()),
                    }),
                }
            }
            block.commands.push(Command {
                name: name.to_owned(),
                argument: argument.to_owned(),
                span,
            });
        } else {
            block.rust_start = start;
            return block;
        }
    }
    block
}

/// The commands the evcxr kernel knows (its `:help` list), with their colon.
const EVCXR_COMMANDS: &[&str] = &[
    ":allow_static_linking",
    ":build_env",
    ":cache",
    ":clear",
    ":clear_cache",
    ":codegen_backend",
    ":dep",
    ":doc",
    ":efmt",
    ":env",
    ":explain",
    ":fmt",
    ":help",
    ":internal_debug",
    ":last_compile_dir",
    ":last_error_json",
    ":linker",
    ":load_config",
    ":offline",
    ":opt",
    ":preserve_vars_on_panic",
    ":quit",
    ":restart",
    ":sccache",
    ":show_deps",
    ":t",
    ":time_passes",
    ":timing",
    ":toolchain",
    ":type",
    ":types",
    ":vars",
    ":version",
];

/// Whether `name` (with its colon) is a command evcxr knows.
pub fn is_evcxr_command(name: &str) -> bool {
    EVCXR_COMMANDS.binary_search(&name).is_ok()
}

/// The crate a parsed `:dep` line (whose argument starts at byte `at`) brings into scope, as
/// code names it: `ndarray-rand` is `ndarray_rand`; a local crate is named by its folder
/// (the kernel reads its Cargo.toml, which we do not). `None` when that is no identifier.
fn crate_definition(dependency: &Dependency, argument: &str, at: usize) -> Option<Definition> {
    let name = dependency.name.replace('-', "_");
    let identifier = name.starts_with(|c: char| c.is_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_alphanumeric() || c == '_');
    if !identifier {
        return None;
    }
    let written = argument
        .find(|c: char| c.is_whitespace() || c == '=')
        .unwrap_or(argument.len());
    Some(Definition::new(
        name,
        DefinitionKind::Dependency,
        Span::new(at, at + written),
    ))
}

/// `:word rest`: optional spaces, a colon, a word, then optional spaces and the argument.
fn command(line: &str) -> Option<(&str, &str)> {
    let trimmed = line.trim_start();
    let after_colon = trimmed.strip_prefix(':')?;
    let word_len = after_colon
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(after_colon.len());
    if word_len == 0 {
        return None;
    }
    let rest = &after_colon[word_len..];
    if !(rest.is_empty() || rest.starts_with(char::is_whitespace)) {
        return None;
    }
    Some((&trimmed[..=word_len], rest.trim()))
}

/// Parses a `:dep` argument: `NAME`, `NAME = <one-line TOML value>`, or a local crate path
/// (`.`, `../x`, `/abs/x`).
fn dependency(argument: &str, span: Span) -> Result<Dependency, String> {
    let name_len = argument
        .find(|c: char| c.is_whitespace() || c == '=')
        .unwrap_or(argument.len());
    let name = &argument[..name_len];
    let rest = argument[name_len..].trim();
    let mut dependency = Dependency {
        name: name.to_owned(),
        spec: String::new(),
        version: None,
        features: Vec::new(),
        default_features: None,
        path: None,
        git: None,
        package: None,
        span,
        // The command block leads the cell: every `:dep` line is its own statement.
        top_level: true,
    };
    if name.is_empty() {
        return Err("`:dep` needs a crate name".to_owned());
    }
    if name.starts_with(['.', '/']) {
        // A local crate: the kernel reads its name from its Cargo.toml; the folder's name is
        // the best guess without reading files.
        let folder = name
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or(name);
        dependency.name = if folder.is_empty() || folder == "." || folder == ".." {
            name.to_owned()
        } else {
            folder.to_owned()
        };
        dependency.path = Some(name.to_owned());
        return Ok(dependency);
    }
    if rest.is_empty() {
        return Ok(dependency);
    }
    let Some(config) = rest.strip_prefix('=') else {
        return Err(format!(
            "`:dep {name}` must be followed by `= <version or table>`, found `{rest}`"
        ));
    };
    let config = config.trim();
    config.clone_into(&mut dependency.spec);
    let table: toml::Table = toml::from_str(&format!("value = {config}"))
        .map_err(|error| format!("`:dep {name}`: not a TOML value: {}", error.message()))?;
    match table.get("value") {
        Some(toml::Value::String(version)) => dependency.version = Some(version.clone()),
        Some(toml::Value::Table(fields)) => {
            let text = |key: &str| {
                fields
                    .get(key)
                    .and_then(toml::Value::as_str)
                    .map(str::to_owned)
            };
            dependency.version = text("version");
            dependency.path = text("path");
            dependency.git = text("git");
            dependency.package = text("package");
            dependency.default_features = fields
                .get("default-features")
                .or_else(|| fields.get("default_features"))
                .and_then(toml::Value::as_bool);
            if let Some(features) = fields.get("features").and_then(toml::Value::as_array) {
                let mut features: Vec<String> = features
                    .iter()
                    .filter_map(toml::Value::as_str)
                    .map(str::to_owned)
                    .collect();
                features.sort();
                features.dedup();
                dependency.features = features;
            }
        }
        _ => {
            return Err(format!(
                "`:dep {name}` takes a version string or an inline table, found `{config}`"
            ));
        }
    }
    Ok(dependency)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_shell_lines_and_comments_form_the_block() {
        let source = ":dep regex = \"1\"\n// a note\n\n!ls -l\n:timing\nlet x = 1;\n:dep late\n";
        let block = leading_block(source);
        let names: Vec<&str> = block.commands.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, [":dep", "!", ":timing"]);
        assert_eq!(&source[block.rust_start..], "let x = 1;\n:dep late\n");
        assert_eq!(block.dependencies.len(), 1);
        assert_eq!(block.dependencies[0].version.as_deref(), Some("1"));
    }

    #[test]
    fn indented_comment_and_path_root_start_rust() {
        assert_eq!(leading_block("  // x\n:dep a\n").rust_start, 0);
        assert_eq!(leading_block("::std::mem::drop(1);\n").rust_start, 0);
        assert_eq!(leading_block("  :dep a\nx").rust_start, 9);
    }

    #[test]
    fn every_dep_form() {
        let span = Span::default();
        let bare = dependency("regex", span).unwrap();
        assert_eq!((bare.name.as_str(), bare.spec.as_str()), ("regex", ""));
        let tight = dependency("regex=\"1.0\"", span).unwrap();
        assert_eq!(tight.version.as_deref(), Some("1.0"));
        let table = dependency(
            "clap = { version = \"4\", features = [\"env\", \"derive\"], default_features = false }",
            span,
        )
        .unwrap();
        assert_eq!(table.version.as_deref(), Some("4"));
        assert_eq!(table.features, ["derive", "env"]);
        assert_eq!(table.default_features, Some(false));
        let renamed =
            dependency("alias = { package = \"real-name\", version = \"*\" }", span).unwrap();
        assert_eq!(renamed.package.as_deref(), Some("real-name"));
        let git = dependency("foo = { git = \"https://x/y\", branch = \"b\" }", span).unwrap();
        assert_eq!(git.git.as_deref(), Some("https://x/y"));
        let local = dependency("../crates/my-lib", span).unwrap();
        assert_eq!(local.name, "my-lib");
        assert_eq!(local.path.as_deref(), Some("../crates/my-lib"));
        let path = dependency("foo = { path = \"../foo\" }", span).unwrap();
        assert_eq!(path.path.as_deref(), Some("../foo"));
    }

    #[test]
    fn dep_lines_define_their_crates() {
        let source = ":dep ndarray-rand = \"0.14\"\n:dep  serde\n:dep ../crates/my-lib\n:dep .\nx";
        let block = leading_block(source);
        let defined: Vec<(&str, &str)> = block
            .definitions
            .iter()
            .map(|d| (d.name.as_str(), &source[d.span.start..d.span.end]))
            .collect();
        assert_eq!(
            defined,
            [
                ("ndarray_rand", "ndarray-rand"),
                ("serde", "serde"),
                ("my_lib", "../crates/my-lib")
            ]
        );
    }

    #[test]
    fn bad_dep_lines_are_errors_naming_the_crate() {
        let block = leading_block(":dep serde = { version = \"1\" // derive\nlet x = 1;\n");
        assert_eq!(block.errors.len(), 1);
        assert!(
            block.errors[0].message.contains("serde"),
            "{:?}",
            block.errors
        );
        assert!(dependency("foo 1.0", Span::default()).is_err());
        assert!(dependency("", Span::default()).is_err());
    }
}
