//! IPython's own syntax in a cell: cell magics (`%%bash`), line magics (`%pip install`),
//! shell lines (`!ls`) and what they mean for the notebook's names and dependencies.
//!
//! Everything here works on text: the parser hands over an escape command's source range,
//! and these functions read the command's name, its pip requirements, and the Python code
//! some magics run.

use nblint_facts::{DefinitionKind, Dependency, Span};

/// What the body of a cell that starts with a cell magic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CellBody {
    /// Python run in the user namespace (`%%time`, `%%capture`): analysed as usual.
    Python,
    /// Python run in a namespace of its own (`%%timeit`): its uses are real, its bindings
    /// do not survive the cell.
    TransientPython,
    /// Not Python at all (`%%bash`, `%%writefile`, `%%html`).
    Other,
    /// A magic this crate does not know, often a notebook's own (`@register_cell_magic`)
    /// that runs its body with `run_cell`: Python if the body parses as Python.
    Unknown,
}

/// A cell magic on the cell's first non-blank line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CellMagic<'a> {
    /// The magic with its sigil, `%%time`.
    pub name: &'a str,
    /// What the rest of the line holds.
    pub argument: &'a str,
    /// The header line, including its line break.
    pub header: Span,
    /// How to read the body.
    pub body: CellBody,
}

/// Cell magics whose body IPython runs as Python in the user namespace (memory_profiler's
/// `%%memit` too: it runs its setup line and its body with `exec(code, user_ns)`).
const PYTHON_CELL_MAGICS: &[&str] = &["%%capture", "%%debug", "%%memit", "%%prun", "%%time"];

/// Cell magics whose body is Python run in a namespace of its own.
const TRANSIENT_PYTHON_CELL_MAGICS: &[&str] = &["%%timeit"];

/// Cell magics whose body is another language, a file's text, or Python that runs in
/// another process (`%%python3`, `%%script`): nothing in it reaches the notebook's namespace.
const OTHER_CELL_MAGICS: &[&str] = &[
    "%%HTML",
    // rpy2's R cells; `-i`/`-o` name what crosses (see [`bridge_names`]).
    "%%R",
    "%%SVG",
    "%%bash",
    "%%file",
    "%%html",
    "%%javascript",
    "%%js",
    // PyJulia's Julia cells.
    "%%julia",
    "%%latex",
    "%%markdown",
    // pymatbridge's MATLAB and oct2py's Octave cells, with rpy2's `-i`/`-o`.
    "%%matlab",
    "%%octave",
    "%%perl",
    "%%pypy",
    "%%python",
    "%%python2",
    "%%python3",
    "%%ruby",
    "%%script",
    "%%sh",
    "%%svg",
    "%%writefile",
];

/// Cell magics of common extensions whose body is not the notebook's Python and which store
/// nothing in a variable the notebook does not name: BigQuery's `%%bigquery` (its result
/// name is read as such), Cython's `%%cython`, ipython-sql's and
/// JupySQL's `%%sql` (its `NAME <<` is read as such), Fugue's `%%fsql`, ipyparallel's `%%px`,
/// SAS swat's `%%casds`, ipytest's `%%ipytest`, HoloViews' `%%opts` and `%%output`,
/// `%%writetemplate`, `%%snakeviz`, `%%dot`, `%%tutor` and `%%nbtutor`. A cell magic listed
/// nowhere (a profile's `%%mysql`, which leaves its rows in `df`) may bind names nblint
/// cannot list.
pub(crate) const KNOWN_FOREIGN_CELL_MAGICS: &[&str] = &[
    "%%bigquery",
    "%%casds",
    "%%cython",
    "%%dot",
    "%%fsql",
    "%%ipytest",
    "%%nbtutor",
    "%%opts",
    "%%output",
    "%%px",
    "%%snakeviz",
    "%%sql",
    "%%tutor",
    "%%writetemplate",
];

/// The cell magic that opens `source`, if any. IPython drops leading blank lines before it
/// looks for `%%`, so this does too.
pub(crate) fn cell_magic(source: &str) -> Option<CellMagic<'_>> {
    cell_magic_from(source, 0)
}

/// The cell magic that opens `source` from byte `from` on (the body of an outer cell magic
/// such as `%%capture`, which IPython runs as a cell of its own), if any.
pub(crate) fn cell_magic_from(source: &str, from: usize) -> Option<CellMagic<'_>> {
    let mut start = from;
    for line in source.get(from..)?.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if trimmed.trim_end().is_empty() {
            start += line.len();
            continue;
        }
        let magic = trimmed.strip_prefix("%%")?;
        let word_length = magic
            .find(|character: char| character.is_whitespace())
            .unwrap_or(magic.len());
        let name_start = start + (line.len() - trimmed.len());
        let name = source.get(name_start..name_start + 2 + word_length)?;
        let argument = magic.get(word_length..).unwrap_or("").trim();
        let body = if PYTHON_CELL_MAGICS.contains(&name) {
            CellBody::Python
        } else if TRANSIENT_PYTHON_CELL_MAGICS.contains(&name) {
            CellBody::TransientPython
        } else if OTHER_CELL_MAGICS.contains(&name) {
            CellBody::Other
        } else {
            CellBody::Unknown
        };
        return Some(CellMagic {
            name,
            argument,
            header: Span::new(start, start + line.len()),
            body,
        });
    }
    None
}

/// The line or lines holding `start..end`, from the first line's start to the last line's
/// break included.
pub(crate) fn line_span(source: &str, start: usize, end: usize) -> Span {
    let bytes = source.as_bytes();
    let start = start.min(bytes.len());
    let end = end.clamp(start, bytes.len());
    let line_start = bytes[..start]
        .iter()
        .rposition(|&byte| byte == b'\n')
        .map_or(0, |newline| newline + 1);
    let line_end = bytes[end..]
        .iter()
        .position(|&byte| byte == b'\n')
        .map_or(bytes.len(), |newline| end + newline + 1);
    Span::new(line_start, line_end)
}

/// Splits a magic's text after its sigil into the magic's name and the rest: `matplotlib
/// inline` gives (`matplotlib`, `inline`).
pub(crate) fn split_word(text: &str) -> (&str, &str) {
    let text = text.trim_start();
    let end = text
        .find(|character: char| character.is_whitespace())
        .unwrap_or(text.len());
    (&text[..end], text[end..].trim())
}

/// Whether a line magic brings in names that cannot be listed: `%run` executes a script in
/// the namespace, `%load` pastes code into the cell, `%store -r` restores stored variables,
/// `%pylab` star-imports numpy and matplotlib.
pub(crate) fn binds_unknown_names(magic: &str, argument: &str) -> bool {
    match magic {
        // SingleStore's `%run_shared` runs a shared notebook as `%run` runs a file.
        "%run" | "%run_shared" | "%load" | "%pylab" => true,
        // `%store -r` with no name restores every stored variable; `%store -r a b`, only
        // those (see [`bridge_names`]).
        "%store" => {
            store_restores(argument)
                && argument
                    .split_whitespace()
                    .all(|word| word.starts_with('-'))
        }
        _ => false,
    }
}

/// Whether IPython's `%store ARGUMENT` has an option holding one of `letters` (`-r`, `-d`,
/// `-z`, or combined, `-rz`).
fn store_option(argument: &str, letters: &[char]) -> bool {
    argument
        .split_whitespace()
        .any(|word| word.starts_with('-') && word.contains(letters))
}

/// Whether `%store ARGUMENT` restores stored variables (`-r`) rather than save or delete.
fn store_restores(argument: &str) -> bool {
    store_option(argument, &['r']) && !store_option(argument, &['d', 'z'])
}

/// Whether `%run ARGUMENT` runs its file in the notebook's own namespace, where the file
/// reads the names the notebook bound: a notebook or IPython script (`%run ./setup.ipynb`,
/// `%run helpers.ipy`; IPython executes those in the user namespace), or any file with `-i`.
/// A plain `%run script.py` starts from an empty namespace, and so does `%run setup` with no
/// extension, which IPython runs as `setup.py`.
pub(crate) fn runs_in_the_namespace(argument: &str) -> bool {
    let interactive = argument
        .split_whitespace()
        .take_while(|word| word.starts_with('-'))
        .any(|option| option.starts_with("-i"));
    interactive
        || run_target(argument).is_some_and(|file| {
            let name = file.rsplit('/').next().unwrap_or(file);
            name.rsplit_once('.')
                .is_some_and(|(_, extension)| matches!(extension, "ipynb" | "ipy"))
        })
}

/// The file `%run ARGUMENT` runs: its first argument that is not an option, unquoted
/// (`./setup.ipynb` of `%run ./setup.ipynb`, `my setup.ipynb` of `%run -i "my setup.ipynb"`);
/// `None` for `%run -m module`, which runs a module.
pub fn run_target(argument: &str) -> Option<&str> {
    let mut rest = argument.trim_start();
    while let Some(option) = rest.strip_prefix('-') {
        if option.starts_with('m') {
            return None;
        }
        rest = option
            .find(char::is_whitespace)
            .map_or("", |end| option[end..].trim_start());
    }
    let file = match rest.chars().next()? {
        quote @ ('"' | '\'') => rest[1..].split(quote).next()?,
        _ => rest.split_whitespace().next()?,
    };
    (!file.is_empty()).then_some(file)
}

/// `%%bigquery` options that take the next word as their value (`--project my-project`).
const BIGQUERY_OPTIONS_WITH_VALUE: &[&str] = &[
    "--bigquery_api_endpoint",
    "--bqstorage_api_endpoint",
    "--destination_table",
    "--engine",
    "--location",
    "--max_results",
    "--maximum_bytes_billed",
    "--progress_bar_type",
    "--project",
];

/// The variable a magic stores its result in, named on its own line, with its byte offset in
/// `argument`: `%%capture [options] NAME`, `%%bigquery [options] NAME` (google-cloud-bigquery)
/// `%%sql NAME <<` / `%sql NAME << ...` (ipython-sql, JupySQL) and `%%px -o NAME`
/// (ipyparallel). `None` when the magic
/// stores nothing or the word is no Python name.
pub(crate) fn output_variable<'a>(magic: &str, argument: &'a str) -> Option<(usize, &'a str)> {
    let words = word_offsets(argument);
    let found = match magic {
        "%%capture" => words
            .iter()
            .find(|(_, word)| !word.starts_with('-'))
            .copied(),
        "%%bigquery" => {
            let mut skip_value = false;
            let mut found = None;
            for &(offset, word) in &words {
                if skip_value {
                    skip_value = false;
                } else if word == "--params" {
                    // Its value (a dict, `$params`) runs to the end of the line.
                    break;
                } else if word.starts_with('-') {
                    skip_value = BIGQUERY_OPTIONS_WITH_VALUE.contains(&word);
                } else {
                    found = Some((offset, word));
                    break;
                }
            }
            found
        }
        "%%sql" | "%sql" => {
            // `NAME <<` or `NAME<<`, possibly after a connection string.
            let marker = argument.find("<<")?;
            let before = argument[..marker].trim_end();
            let start = before
                .rfind(|character: char| character.is_whitespace())
                .map_or(0, |at| at + 1);
            Some((start, &before[start..]))
        }
        // ipyparallel's `%%px -o NAME` (`--out NAME`) stores the computation's AsyncResult.
        "%%px" => words
            .windows(2)
            .find(|pair| matches!(pair[0].1, "-o" | "--out"))
            .map(|pair| pair[1])
            .or_else(|| {
                words.iter().find_map(|&(offset, word)| {
                    let value = word.strip_prefix("--out=")?;
                    Some((offset + word.len() - value.len(), value))
                })
            }),
        // Script magics store the script's output with `--out NAME` (or its errors with
        // `--err NAME`).
        "%%bash" | "%%sh" | "%%script" | "%%perl" | "%%ruby" | "%%python2" | "%%python3"
        | "%%pypy" => words
            .windows(2)
            .find(|pair| pair[0].1 == "--out")
            .or_else(|| words.windows(2).find(|pair| pair[0].1 == "--err"))
            .map(|pair| pair[1]),
        _ => None,
    }?;
    is_identifier(found.1).then_some(found)
}

/// The names the header of a cell magic nblint does not know mentions, with their byte
/// offsets in `argument`: `(mentioned, stored)`. An extension's magic (swat's `%%casds
/// --output out2 conn`) may store its result in the name its `--output NAME` / `--out NAME`
/// option gives, and may take any other word that is a Python name as a variable of the
/// notebook (`conn`). Neither is certain: what it stores may be a file, what it mentions a
/// table.
pub(crate) fn unknown_magic_names(argument: &str) -> (NamesAt<'_>, NamesAt<'_>) {
    let words = word_offsets(argument);
    let mut mentioned = Vec::new();
    let mut stored = Vec::new();
    let mut index = 0;
    while index < words.len() {
        let (offset, word) = words[index];
        if word == "--output" || word == "--out" {
            if let Some(&(next_offset, next)) = words.get(index + 1)
                && is_identifier(next)
            {
                stored.push((next_offset, next));
                index += 1;
            }
        } else if let Some(value) = word
            .strip_prefix("--output=")
            .or_else(|| word.strip_prefix("--out="))
        {
            if is_identifier(value) {
                stored.push((offset + word.len() - value.len(), value));
            }
        } else if is_identifier(word) {
            mentioned.push((offset, word));
        }
        index += 1;
    }
    (mentioned, stored)
}

/// Names with their byte offsets in the text they were read from.
pub(crate) type NamesAt<'a> = Vec<(usize, &'a str)>;

/// rpy2's `%%R` options (other than `-i`/`-o`) that take the next word as their value.
const BRIDGE_OPTIONS_WITH_VALUE: &[&str] = &[
    "-w",
    "--width",
    "-h",
    "--height",
    "-u",
    "--units",
    "-r",
    "--res",
    "-p",
    "--pointsize",
    "-b",
    "--bg",
    "-c",
    "--converter",
    "-d",
    "--dataframe",
    "--type",
    "-s",
    "--size",
    "-f",
    "--format",
];

/// The Python names a magic that runs another language's interpreter hands over, with their
/// byte offsets in `argument`: `(read, bound)`. rpy2's `%%R`/`%R` (and oct2py's `%%octave`,
/// pymatbridge's `%%matlab`, which copy its options) read `-i x,y` / `--input=x` from the
/// notebook and bind `-o z` / `--output=z` (and R's `-d z` / `--dataframe=z`) in it;
/// `%Rpush a b` reads, `%Rpull a b` binds; IPython's `%store a` reads, `%store -r a` binds.
pub(crate) fn bridge_names<'a>(magic: &str, argument: &'a str) -> (NamesAt<'a>, NamesAt<'a>) {
    let words = word_offsets(argument);
    let mut read = Vec::new();
    let mut bound = Vec::new();
    let named = |found: &mut Vec<(usize, &'a str)>, offset: usize, list: &'a str| {
        let mut at = 0;
        for name in list.split(',') {
            if is_identifier(name) {
                found.push((offset + at, name));
            }
            at += name.len() + 1;
        }
    };
    match magic {
        "%Rpush" | "%octave_push" => {
            for &(offset, word) in &words {
                named(&mut read, offset, word);
            }
        }
        "%Rpull" | "%octave_pull" => {
            for &(offset, word) in &words {
                named(&mut bound, offset, word);
            }
        }
        "%%R" | "%R" | "%%octave" | "%octave" | "%%matlab" | "%matlab" => {
            let mut index = 0;
            while index < words.len() {
                let (offset, word) = words[index];
                // `-i x`, `-ix`, `--input x`, `--input=x`; likewise `-o`.
                let (target, value) = if let Some(rest) = word.strip_prefix("--input") {
                    (Some(&mut read), rest)
                } else if let Some(rest) = word.strip_prefix("--output") {
                    (Some(&mut bound), rest)
                } else if let Some(rest) = word.strip_prefix("-i") {
                    (Some(&mut read), rest)
                } else if let Some(rest) = word.strip_prefix("-o") {
                    (Some(&mut bound), rest)
                } else if let Some(rest) = word
                    .strip_prefix("--dataframe")
                    .or_else(|| word.strip_prefix("-d"))
                    .filter(|_| magic.ends_with('R'))
                {
                    // rpy2's `-d NAME` returns a data frame as `-o` returns an object.
                    (Some(&mut bound), rest)
                } else {
                    (None, "")
                };
                if let Some(target) = target {
                    let value = value.strip_prefix('=').unwrap_or(value);
                    if value.is_empty() {
                        if let Some(&(next_offset, next)) = words.get(index + 1) {
                            named(target, next_offset, next);
                            index += 1;
                        }
                    } else {
                        named(target, offset + word.len() - value.len(), value);
                    }
                } else if BRIDGE_OPTIONS_WITH_VALUE.contains(&word) {
                    index += 1;
                } else if !word.starts_with('-') && !magic.starts_with("%%") {
                    // The code of a line magic starts here.
                    break;
                }
                index += 1;
            }
        }
        // IPython's `%store a b` saves `a` and `b` (reads them; `%store a >file.txt` too),
        // `%store -r a b` restores them (binds them); `%store -r` alone restores every stored
        // name (see [`binds_unknown_names`]); `-d` and `-z` delete from the store.
        "%store" => {
            if store_option(argument, &['d', 'z']) {
                return (read, bound);
            }
            let restore = store_restores(argument);
            for &(offset, word) in &words {
                if word.starts_with('>') {
                    break;
                }
                if !word.starts_with('-') && is_identifier(word) {
                    if restore {
                        bound.push((offset, word));
                    } else {
                        read.push((offset, word));
                    }
                }
            }
        }
        _ => {}
    }
    (read, bound)
}

/// The identifiers of code in a language close to Python (Cython, Fortran), with their byte
/// offsets: words of letters, digits and `_` outside `#`/`!` comments and quoted strings.
pub(crate) fn code_words(text: &str) -> Vec<(usize, &str)> {
    let bytes = text.as_bytes();
    let mut words = Vec::new();
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'#' | b'!' => {
                index = text[index..]
                    .find('\n')
                    .map_or(bytes.len(), |at| index + at);
            }
            quote @ (b'"' | b'\'') => {
                index += 1;
                while index < bytes.len() && bytes[index] != quote && bytes[index] != b'\n' {
                    index += if bytes[index] == b'\\' { 2 } else { 1 };
                }
                index += 1;
            }
            byte if byte.is_ascii_alphabetic() || byte == b'_' => {
                let start = index;
                while index < bytes.len()
                    && (bytes[index].is_ascii_alphanumeric() || bytes[index] == b'_')
                {
                    index += 1;
                }
                words.push((start, &text[start..index]));
            }
            byte if byte.is_ascii_digit() => {
                while index < bytes.len()
                    && (bytes[index].is_ascii_alphanumeric() || bytes[index] == b'_')
                {
                    index += 1;
                }
            }
            _ => index += 1,
        }
    }
    words
}

/// The whitespace-separated words of `text`, with their byte offsets.
fn word_offsets(text: &str) -> Vec<(usize, &str)> {
    let mut words = Vec::new();
    let mut start = None;
    for (index, character) in text.char_indices() {
        match (character.is_whitespace(), start) {
            (true, Some(from)) => {
                words.push((from, &text[from..index]));
                start = None;
            }
            (false, None) => start = Some(index),
            _ => {}
        }
    }
    if let Some(from) = start {
        words.push((from, &text[from..]));
    }
    words
}

/// Whether `word` is a Python identifier (ASCII letters, digits and `_`; not starting with a
/// digit). Non-ASCII identifiers are rare in magic arguments and are not recognised.
pub(crate) fn is_identifier(word: &str) -> bool {
    word.starts_with(|character: char| character.is_ascii_alphabetic() || character == '_')
        && word
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'_')
}

/// What a cell magic's body may name from the notebook's namespace, as text (see
/// [`name_references`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum References {
    /// A shell script (`%%bash`, `%%sh`, `%%script`): `$NAME`, `${NAME}` and `{NAME}`.
    Shell,
    /// An SQL query (`%%sql`): `$NAME`, `{NAME}`, `{{NAME}}` and `:NAME` parameters.
    Sql,
}

/// The names a cell magic that compiles its body into a module (`%%cython`,
/// `%%fortran`) imports into the notebook's namespace: the module's top-level functions,
/// classes and globals. Each with its byte offset in `body` and what it is.
/// Lines are read at column 0 only (nested definitions are not exported).
pub(crate) fn compiled_definitions<'a>(
    magic: &str,
    body: &'a str,
) -> Vec<(usize, &'a str, DefinitionKind)> {
    let fortran = match magic {
        "%%cython" | "%%cython_pyximport" => false,
        "%%fortran" => true,
        _ => return Vec::new(),
    };
    let mut found = Vec::new();
    let mut offset = 0;
    for line in body.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        if line.starts_with([' ', '\t', '#', '!']) {
            continue;
        }
        let words: Vec<&str> = line
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .filter(|w| !w.is_empty())
            .collect();
        let name_at = |word: &str| line.find(word).map_or(start, |at| start + at);
        let definition = if fortran {
            // `subroutine name(`, `real function name(`.
            let lower: Vec<String> = words.iter().map(|w| w.to_ascii_lowercase()).collect();
            lower
                .iter()
                .position(|w| w == "subroutine" || w == "function")
                .filter(|&at| !lower[..at].iter().any(|w| w == "end"))
                .and_then(|at| words.get(at + 1))
                .map(|name| (*name, DefinitionKind::Function))
        } else {
            match words.as_slice() {
                ["def", name, ..] => Some((*name, DefinitionKind::Function)),
                ["class", name, ..] | ["cdef", "class", name, ..] => {
                    Some((*name, DefinitionKind::Type))
                }
                // `cpdef double f(double x):` — the name is the word before `(`.
                ["cpdef", ..] => line
                    .split('(')
                    .next()
                    .and_then(|head| head.split_whitespace().last())
                    .map(|name| (name, DefinitionKind::Function)),
                [name, ..]
                    if line[name.len()..].trim_start().starts_with('=')
                        && !line[name.len()..].trim_start().starts_with("==") =>
                {
                    Some((*name, DefinitionKind::Variable))
                }
                _ => None,
            }
        };
        if let Some((name, kind)) = definition
            && is_identifier(name)
        {
            found.push((name_at(name), name, kind));
        }
    }
    found
}

/// How to read names in the body of `magic`, if its body may name any.
pub(crate) fn body_references(magic: &str) -> Option<References> {
    match magic {
        "%%bash" | "%%sh" | "%%script" | "%%system" | "%%!" => Some(References::Shell),
        "%%sql" => Some(References::Sql),
        _ => None,
    }
}

/// The shell variables a script body assigns itself (`model=$(pwd)/out`, `export N=3`,
/// `for f in ..`, `read -r line`): a `$model` after it is the script's own variable, not a
/// read of the notebook's `model`.
pub(crate) fn shell_assigned_names(script: &str) -> Vec<&str> {
    let mut names = Vec::new();
    for line in script.lines() {
        for command in line.split([';', '&', '|']) {
            let mut words = command.split_whitespace().peekable();
            while words
                .peek()
                .is_some_and(|word| matches!(*word, "export" | "local" | "declare" | "readonly"))
            {
                words.next();
            }
            let Some(first) = words.next() else {
                continue;
            };
            match first {
                "for" => names.extend(words.next().filter(|word| is_identifier(word))),
                "read" => names.extend(
                    words
                        .filter(|word| !word.starts_with('-'))
                        .filter(|word| is_identifier(word)),
                ),
                _ => {
                    if let Some((name, _)) = first.split_once('=')
                        && is_identifier(name)
                    {
                        names.push(name);
                    }
                }
            }
        }
    }
    names
}

/// The names `text` mentions in the forms `kind` reads (with their byte offsets): `$NAME`
/// and `${NAME}` always (`$$` is a literal dollar), `{NAME}` with only a name inside (spaces
/// around it allowed), and for SQL `{{NAME}}` and `:NAME` (not `::type`).
pub(crate) fn name_references(text: &str, kind: Option<References>) -> Vec<(usize, &str)> {
    let bytes = text.as_bytes();
    let identifier_at = |start: usize| {
        let length = bytes[start..]
            .iter()
            .position(|&byte| !(byte.is_ascii_alphanumeric() || byte == b'_'))
            .unwrap_or(bytes.len() - start);
        let word = &text[start..start + length];
        is_identifier(word).then_some(word)
    };
    let mut found = Vec::new();
    let mut index = 0;
    while index < bytes.len() {
        let byte = bytes[index];
        let at = index + 1;
        index += 1;
        match byte {
            b'$' if bytes.get(at) == Some(&b'$') => index += 1,
            b'$' => {
                let start = if bytes.get(at) == Some(&b'{') {
                    at + 1
                } else {
                    at
                };
                if let Some(word) = identifier_at(start) {
                    found.push((start, word));
                    index = start + word.len();
                }
            }
            b'{' if kind.is_some() => {
                let mut start = if bytes.get(at) == Some(&b'{') && kind == Some(References::Sql) {
                    at + 1
                } else {
                    at
                };
                // `{{ password }}` (SingleStore's and Jinja's spacing) as `{{password}}`.
                while bytes.get(start) == Some(&b' ') {
                    start += 1;
                }
                if let Some(word) = identifier_at(start) {
                    let mut end = start + word.len();
                    while bytes.get(end) == Some(&b' ') {
                        end += 1;
                    }
                    if bytes.get(end) == Some(&b'}') {
                        found.push((start, word));
                        index = start + word.len();
                    }
                }
            }
            b':' if kind == Some(References::Sql)
                && bytes.get(at) != Some(&b':')
                && index.checked_sub(2).and_then(|before| bytes.get(before)) != Some(&b':') =>
            {
                if let Some(word) = identifier_at(at) {
                    found.push((at, word));
                    index = at + word.len();
                }
            }
            _ => {}
        }
    }
    found
}

/// The requirements installed by a pip command line: `argument` is what follows `%pip`
/// (`install pandas==2.0`), or a whole shell command (`pip install ...`,
/// `python -m pip install ...`, `{sys.executable} -m pip install ...`) when `shell` is set.
/// Each becomes a [`Dependency`] whose span is `line`.
pub(crate) fn pip_dependencies(argument: &str, shell: bool, line: Span) -> Vec<Dependency> {
    let words = shell_words(argument);
    let mut words = words.iter().map(String::as_str).peekable();
    if shell {
        // Find `pip`, `pip3`, `python -m pip`, `{sys.executable} -m pip`; a leading `sudo`
        // or environment assignment is skipped.
        let mut found = false;
        while let Some(word) = words.next() {
            let program = word.rsplit('/').next().unwrap_or(word);
            if program == "pip" || program.starts_with("pip3") {
                found = true;
                break;
            }
            if word == "-m" && words.peek().is_some_and(|next| *next == "pip") {
                words.next();
                found = true;
                break;
            }
            if !(word == "sudo"
                || word.contains('=')
                || program.starts_with("python")
                || word.starts_with('{')
                || word.starts_with('$'))
            {
                return Vec::new();
            }
        }
        if !found {
            return Vec::new();
        }
    }
    // Global options may come before the subcommand (`pip -q install x`).
    loop {
        match words.next() {
            Some("install") => break,
            Some(word) if word.starts_with('-') => {}
            _ => return Vec::new(),
        }
    }
    let mut dependencies = Vec::new();
    while let Some(word) = words.next() {
        if is_shell_operator(word) {
            break;
        }
        if word.starts_with('-') {
            if PIP_OPTIONS_WITH_VALUE.contains(&word) {
                words.next();
            }
            continue;
        }
        if let Some(dependency) = requirement(word, line) {
            dependencies.push(dependency);
        }
    }
    dependencies
}

/// pip install options that take the next word as their value (`-r requirements.txt`).
const PIP_OPTIONS_WITH_VALUE: &[&str] = &[
    "--abi",
    "--cache-dir",
    "--constraint",
    "--editable",
    "--extra-index-url",
    "--find-links",
    "--implementation",
    "--index-url",
    "--log",
    "--no-binary",
    "--only-binary",
    "--platform",
    "--prefix",
    "--progress-bar",
    "--proxy",
    "--python-version",
    "--requirement",
    "--retries",
    "--root",
    "--src",
    "--target",
    "--timeout",
    "--trusted-host",
    "--upgrade-strategy",
    "-c",
    "-e",
    "-f",
    "-i",
    "-r",
    "-t",
];

fn is_shell_operator(word: &str) -> bool {
    matches!(
        word,
        "&&" | "||" | ";" | "|" | ">" | ">>" | "2>" | "2>&1" | "&" | "<"
    ) || word.starts_with('>')
        || word.starts_with("2>")
}

/// One requirement word (`pandas[excel]>=2,<3`) as a dependency; `None` for what is not a
/// named requirement (a path, a URL, a wheel file, an IPython `{variable}`).
fn requirement(word: &str, line: Span) -> Option<Dependency> {
    if word.contains(['/', '\\', '{', '}', '$']) || word.starts_with('.') || word.contains("://") {
        return None;
    }
    let name_end = word
        .find(|character: char| !(character.is_ascii_alphanumeric() || "._-".contains(character)))
        .unwrap_or(word.len());
    let name = &word[..name_end];
    if name.is_empty()
        || !name.starts_with(|character: char| character.is_ascii_alphanumeric())
        || [".whl", ".zip", ".tar.gz"]
            .iter()
            .any(|suffix| word.ends_with(suffix))
    {
        return None;
    }
    let mut rest = &word[name_end..];
    let mut features = Vec::new();
    if let Some(extras) = rest.strip_prefix('[') {
        let close = extras.find(']')?;
        features = extras[..close]
            .split(',')
            .map(str::trim)
            .filter(|extra| !extra.is_empty())
            .map(normalise_name)
            .collect();
        features.sort();
        rest = &extras[close + 1..];
    }
    let version = rest.split(';').next().unwrap_or("").trim();
    Some(Dependency {
        name: normalise_name(name),
        spec: word.to_owned(),
        version: (!version.is_empty()).then(|| version.to_owned()),
        features,
        default_features: None,
        path: None,
        git: None,
        package: None,
        span: line,
        // The analyzer says whether the line is a statement of its own at the top.
        top_level: false,
    })
}

/// A package name normalised as PEP 503 says: lower case, runs of `-`, `_` and `.` as one `-`.
pub(crate) fn normalise_name(name: &str) -> String {
    let mut normalised = String::with_capacity(name.len());
    let mut in_separator_run = false;
    for character in name.chars() {
        if matches!(character, '-' | '_' | '.') {
            if !in_separator_run {
                normalised.push('-');
            }
            in_separator_run = true;
        } else {
            normalised.push(character.to_ascii_lowercase());
            in_separator_run = false;
        }
    }
    normalised
}

/// Splits a command line into words the way a shell would for simple cases: whitespace
/// separates, single and double quotes group and are removed.
fn shell_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    for character in text.chars() {
        match quote {
            Some(open) if character == open => quote = None,
            Some(_) => word.push(character),
            None if character == '\'' || character == '"' => {
                quote = Some(character);
                in_word = true;
            }
            None if character.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            None => {
                word.push(character);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

/// Where the Python code starts in the argument of a line magic that runs code after its
/// options (`%timeit -n 10 -r 3 f(x)`); `options_with_value` take the next word unless
/// attached (`-n10`).
pub(crate) fn code_start(argument: &str, options_with_value: &[&str]) -> usize {
    let mut offset = 0;
    let mut expect_value = false;
    loop {
        let rest = &argument[offset..];
        let trimmed = rest.trim_start();
        offset += rest.len() - trimmed.len();
        let word_length = trimmed.find(char::is_whitespace).unwrap_or(trimmed.len());
        let word = &trimmed[..word_length];
        if word.is_empty() {
            return offset;
        }
        if expect_value {
            expect_value = false;
        } else if let Some(option) = word.strip_prefix('-') {
            // `-n 10` takes a value; `-n10` carries it.
            expect_value = options_with_value.contains(&option);
        } else {
            return offset;
        }
        offset += word_length;
    }
}

/// Line magics (without their `%`) that name no function or import of the notebook's, besides
/// [`AUTOMAGICS`]: IPython's others (what `%lsmagic` lists), Colab's (`%tensorflow_version`),
/// and those of extensions nblint knows (ipython-sql's `%sql`, memory_profiler's `%memit`,
/// line_profiler's `%lprun`, rpy2's `%R`, ipyparallel's `%px`, TensorBoard's `%tensorboard`).
pub(crate) const KNOWN_LINE_MAGICS: &[&str] = &[
    "R",
    "Rpull",
    "Rpush",
    "alias_magic",
    "autoawait",
    "autocall",
    "autopx",
    "autosave",
    "bigquery",
    "connect_info",
    "debug",
    "ed",
    "gui",
    "hist",
    "ipytest",
    "killbgscripts",
    "loadpy",
    "logoff",
    "logon",
    "logstart",
    "logstate",
    "logstop",
    "lprun",
    "macro",
    "matlab",
    "memit",
    "mprun",
    "nbtutor",
    "notebook",
    "octave",
    "opts",
    "output",
    "pastebin",
    "pdb",
    "px",
    "qtconsole",
    "rep",
    "reset_selective",
    "sc",
    "set_env",
    "shell",
    "snakeviz",
    "sql",
    "system",
    "tensorboard",
    "tensorflow_version",
    "tutor",
    "unload_ext",
    "who_ls",
    "xdel",
];

/// Whether `name` (without its `%`) is one of IPython's common line magics ([`AUTOMAGICS`]).
pub(crate) fn is_line_magic(name: &str) -> bool {
    AUTOMAGICS.binary_search(&name).is_ok()
}

/// Automagics a line runs with nothing after them (`pwd`, `ls`, `whos`): a bare name
/// statement that is one of these runs the magic when no variable has the name, and shows
/// the variable when one does (so the read is optional: a use when the notebook binds the
/// name, `history = model.fit(..)`, no error when it does not).
pub(crate) const BARE_AUTOMAGICS: &[&str] = &[
    // Registered by common extensions (`%load_ext autoreload`, `%load_ext watermark`).
    "autoreload",
    "watermark",
    "clear",
    "config",
    "dhist",
    "dirs",
    "env",
    "hist",
    "history",
    "killbgscripts",
    "ll",
    "ls",
    "lsmagic",
    "pwd",
    "quickref",
    "rehashx",
    "who",
    "who_ls",
    "whos",
];

/// Line magics IPython runs without their `%` (automagic, on by default): `run script.py`,
/// `cd ..`, `matplotlib inline`, `pycat file.py`, and the shell aliases IPython defines on POSIX systems
/// (`ls`, `cat`, `cp`, `mkdir`, ...). Only lines that do not parse as Python are read this
/// way.
const AUTOMAGICS: &[&str] = &[
    "aimport",
    "alias",
    "automagic",
    "autoreload",
    "bookmark",
    "cat",
    "cd",
    "clear",
    "colors",
    "conda",
    "config",
    "cp",
    "dhist",
    "dirs",
    "doctest_mode",
    "edit",
    "env",
    "history",
    "ldir",
    "less",
    "lf",
    "lk",
    "ll",
    "load",
    "load_ext",
    "ls",
    "lsmagic",
    "lx",
    "magic",
    "man",
    "matplotlib",
    "mkdir",
    "more",
    "mv",
    "page",
    "pdef",
    "pdoc",
    "pfile",
    "pinfo",
    "pinfo2",
    "pip",
    "popd",
    "pprint",
    "precision",
    "prun",
    "psearch",
    "psource",
    "pushd",
    "pwd",
    "pycat",
    "pylab",
    "quickref",
    "recall",
    "rehashx",
    "reload_ext",
    "rerun",
    "reset",
    "rm",
    "rmdir",
    "run",
    "save",
    "store",
    "sx",
    "tb",
    "time",
    "timeit",
    "unalias",
    "who",
    "whos",
    "xmode",
];

/// The names a `%%javascript` (`%%js`, `%%html`) cell has the kernel bind: in a cell that
/// calls `kernel.execute(..)`, each string literal of the script that starts as an assignment
/// (`"notebookUrl = "`, then `.join`ed with `window.location`), with its offset in `body`.
/// The code it runs is put together in the browser, so only such a start is evidence.
pub(crate) fn kernel_executed_bindings(magic: &str, body: &str) -> Vec<(usize, String)> {
    if !matches!(magic, "%%javascript" | "%%js" | "%%html") || !body.contains("kernel.execute") {
        return Vec::new();
    }
    let mut names = Vec::new();
    let bytes = body.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        let quote = bytes[at];
        if !matches!(quote, b'"' | b'\'' | b'`') {
            at += 1;
            continue;
        }
        let start = at + 1;
        let mut end = start;
        while end < bytes.len() && bytes[end] != quote && bytes[end] != b'\n' {
            end += if bytes[end] == b'\\' { 2 } else { 1 };
        }
        let literal = body.get(start..end.min(bytes.len())).unwrap_or("");
        let trimmed = literal.trim_start();
        let name_length = trimmed
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(trimmed.len());
        let (name, rest) = trimmed.split_at(name_length);
        let rest = rest.trim_start();
        if !name.is_empty()
            && !name.starts_with(|c: char| c.is_ascii_digit())
            && rest.starts_with('=')
            && !rest.starts_with("==")
        {
            names.push((start + (literal.len() - trimmed.len()), name.to_owned()));
        }
        at = end + 1;
    }
    names
}

#[cfg(test)]
mod javascript_tests {
    use super::kernel_executed_bindings;

    #[test]
    fn assignments_the_kernel_is_asked_to_run_bind_names() {
        let body = "var kernel = Jupyter.notebook.kernel;\nvar command = [\"notebookUrl = \",\n  \"'\", window.location, \"'\" ].join('')\nkernel.execute(command)\n";
        assert_eq!(
            kernel_executed_bindings("%%javascript", body),
            vec![(54, "notebookUrl".to_owned())]
        );
        // No `kernel.execute`: a string is only a string.
        assert!(kernel_executed_bindings("%%javascript", "var s = \"x = 1\";").is_empty());
        // A comparison is no assignment; other magics run no script.
        assert!(kernel_executed_bindings("%%js", "kernel.execute(\"x == 1\")").is_empty());
        assert!(kernel_executed_bindings("%%bash", "kernel.execute(\"x = 1\")").is_empty());
    }
}

#[cfg(test)]
mod run_tests {
    use super::runs_in_the_namespace;

    #[test]
    fn notebooks_and_dash_i_run_in_the_namespace() {
        assert!(runs_in_the_namespace("./setup.ipynb"));
        assert!(runs_in_the_namespace("\"my setup.ipynb\""));
        assert!(runs_in_the_namespace("helpers.ipy"));
        assert!(runs_in_the_namespace("-i script.py"));
        assert!(!runs_in_the_namespace("script.py"));
        assert!(!runs_in_the_namespace("update_path_to_download_script"));
        assert!(!runs_in_the_namespace("-m package.tool"));
        assert!(!runs_in_the_namespace("-t bench.py"));
    }
}

/// Automagics named for a shell command (`cd`, `ls`, `pip`, `mkdir`, ...), whose arguments
/// are paths or options that may parse as Python (`cd /mnt/data` divides, `ls -la`
/// subtracts). Not `run`, `time`, `save`, `env`, ...: names a notebook may well give a
/// variable.
const SHELL_AUTOMAGICS: &[&str] = &[
    "cat", "cd", "conda", "cp", "ldir", "less", "lf", "lk", "ll", "ls", "lx", "man", "mkdir",
    "more", "mv", "pip", "popd", "pushd", "pycat", "rm", "rmdir",
];

/// A one-line cell that IPython runs as a shell automagic although it parses as Python,
/// rewritten in place as for [`ipython_rewrites`] (its first byte made `%`): IPython's
/// prefilter, which runs automagics, reads a cell of one line only, and takes the line as
/// the magic when it starts with the magic's name and a space and does not go on with an
/// assignment (`cd = 3`, `ls, x = ..`). `cd /mnt/DATA/GitHub` runs `%cd`, not a division.
pub(crate) fn single_line_automagic(source: &str) -> Option<String> {
    let line = source.trim_end();
    if line.contains(['\n', '\r']) {
        return None;
    }
    let indent = line.len() - line.trim_start().len();
    let text = &line[indent..];
    let (word, rest) = split_word(text);
    let spaced = text[word.len()..].starts_with([' ', '\t']);
    if !SHELL_AUTOMAGICS.contains(&word)
        || !spaced
        || rest.is_empty()
        || rest.starts_with(['=', ',', '.', '[', '(', ':', ';', ')'])
    {
        return None;
    }
    let mut bytes = source.as_bytes().to_vec();
    bytes[indent] = b'%';
    String::from_utf8(bytes).ok()
}

/// Whether the cell is one line (blank lines around it aside): the only kind of cell IPython's
/// prefilter, which runs automagics, reads.
pub(crate) fn is_one_line(source: &str) -> bool {
    !source.trim().contains(['\n', '\r'])
}

/// Rewrites what ruff's lexer reads differently from IPython, byte for byte in place so
/// every offset stays the cell's own. `None` when nothing needs rewriting.
///
/// - An escape command whose brackets stay open continues on the next lines, as IPython
///   joins a logical line (`%timeit f(a,⏎ b)`): the line breaks inside become spaces.
/// - In a cell of one line (IPython applies automagics only to a cell of one line; in a
///   longer one the line is a syntax error), a line that failed to parse (`error_lines` holds
///   offsets inside such lines) and starts with an automagic name (`run script.py`) gets its
///   first byte replaced by `%`; the command's text is later read from the original source,
///   so its name stays `%run`.
pub(crate) fn ipython_rewrites(
    source: &str,
    escape_commands: &[(usize, usize)],
    error_lines: &[usize],
) -> Option<String> {
    let mut bytes = source.as_bytes().to_vec();
    let mut changed = false;
    let one_line = is_one_line(source);
    for &(start, end) in escape_commands {
        let mut depth = bracket_balance(source.get(start..end).unwrap_or(""));
        let mut position = end;
        while depth > 0 && position < bytes.len() {
            // `position` is at the line break that ends the command so far.
            while position < bytes.len() && matches!(bytes[position], b'\n' | b'\r') {
                bytes[position] = b' ';
                position += 1;
            }
            let line_end = source[position..]
                .find(['\n', '\r'])
                .map_or(source.len(), |offset| position + offset);
            depth += bracket_balance(&source[position..line_end]);
            position = line_end;
            changed = true;
        }
    }
    for &offset in error_lines {
        let line = line_span(source, offset, offset);
        let text = source.get(line.start..line.end).unwrap_or("");
        let indent = text.len() - text.trim_start().len();
        let first_byte = line.start + indent;
        // `np.*arg*?`: IPython's wildcard search (`%psearch`), no Python.
        // The object searched (`np`) is kept as a read; the rest becomes spaces.
        if is_wildcard_search(text.trim()) {
            let searched = text[indent..]
                .trim_start_matches('?')
                .find(|character: char| !(character.is_alphanumeric() || character == '_'))
                .unwrap_or(0);
            let question_marks =
                text[indent..].len() - text[indent..].trim_start_matches('?').len();
            let first = line.start + indent;
            let keep = first + question_marks..first + question_marks + searched;
            let end = line.start + text.trim_end().len();
            for (position, byte) in bytes.iter_mut().enumerate().take(end).skip(first) {
                if !keep.contains(&position) {
                    *byte = b' ';
                }
            }
            changed = true;
            continue;
        }
        if one_line
            && automagic_line(text).is_some()
            && bytes.get(first_byte).is_some_and(u8::is_ascii_alphabetic)
        {
            bytes[first_byte] = b'%';
            changed = true;
        }
    }
    // Only ASCII bytes were replaced by ASCII bytes, so the text is still UTF-8.
    changed.then(|| String::from_utf8(bytes).ok()).flatten()
}

/// The automagic a line starts with (`run` in `run script.py`, `pip` in `pip install x`),
/// when the rest of the line is no Python: IPython runs such a line as the magic, but only
/// in a cell of one line.
pub(crate) fn automagic_line(line: &str) -> Option<&str> {
    let text = line.trim_start();
    let (word, rest) = split_word(text);
    let next = rest.chars().next();
    (AUTOMAGICS.contains(&word)
        && text[word.len()..].starts_with([' ', '\t'])
        // `ls {PATH}` is the alias with IPython's `{}` expansion (a name then a set
        // display is no Python); `ls = ..`, `ls(..)`, `ls[0]`, `ls, x = ..` are Python.
        && !next.is_some_and(|character| "=([,:;)]}".contains(character)))
    .then_some(word)
}

/// Whether `line` is IPython's wildcard object search: a dotted name with `*` in it, with
/// `?` before or after (`np.*arg*?`, `?torch.*Tensor`).
fn is_wildcard_search(line: &str) -> bool {
    let pattern = line.trim_start_matches('?').trim_end_matches('?');
    pattern.len() < line.len()
        && pattern.contains('*')
        && pattern
            .chars()
            .all(|character| character.is_alphanumeric() || "_.*".contains(character))
}

/// Opened minus closed brackets in `text`, outside quoted strings (roughly: a quote opens a
/// string to the next same quote on the line).
fn bracket_balance(text: &str) -> isize {
    let mut balance = 0isize;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for character in text.chars() {
        if let Some(open) = quote {
            if escaped {
                escaped = false;
            } else if character == '\\' {
                escaped = true;
            } else if character == open {
                quote = None;
            }
            continue;
        }
        match character {
            '\'' | '"' => quote = Some(character),
            '(' | '[' | '{' => balance += 1,
            ')' | ']' | '}' => balance -= 1,
            '#' => break,
            _ => {}
        }
    }
    balance
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_pip(argument: &str, shell: bool, expected: &[(&str, Option<&str>, &str)]) {
        let found: Vec<_> = pip_dependencies(argument, shell, Span::default())
            .into_iter()
            .map(|dependency| (dependency.name, dependency.version, dependency.spec))
            .collect();
        let expected: Vec<_> = expected
            .iter()
            .map(|(name, version, spec)| {
                (
                    (*name).to_owned(),
                    version.map(str::to_owned),
                    (*spec).to_owned(),
                )
            })
            .collect();
        assert_eq!(found, expected, "{argument}");
    }

    #[test]
    fn pip_requirements() {
        check_pip(
            "install pandas==2.0 Scikit_Learn",
            false,
            &[
                ("pandas", Some("==2.0"), "pandas==2.0"),
                ("scikit-learn", None, "Scikit_Learn"),
            ],
        );
        check_pip(
            "install -q -U 'numpy>=1.2,<2' -r req.txt --index-url https://x y.z",
            false,
            &[
                ("numpy", Some(">=1.2,<2"), "numpy>=1.2,<2"),
                ("y-z", None, "y.z"),
            ],
        );
        check_pip(
            "pip install torch > /dev/null",
            true,
            &[("torch", None, "torch")],
        );
        check_pip(
            "python -m pip install requests[socks]~=2.31",
            true,
            &[("requests", Some("~=2.31"), "requests[socks]~=2.31")],
        );
        check_pip(
            "{sys.executable} -m pip install seaborn",
            true,
            &[("seaborn", None, "seaborn")],
        );
        check_pip(
            "pip3 install ./local git+https://github.com/a/b {pkg}",
            true,
            &[],
        );
        check_pip("pip list", true, &[]);
        check_pip("ls -la", true, &[]);
        check_pip("uninstall pandas", false, &[]);
    }

    #[test]
    fn requirement_extras_become_features() {
        let dependency = requirement("Pandas[Excel,performance]>=2", Span::default()).unwrap();
        assert_eq!(dependency.features, ["excel", "performance"]);
        assert_eq!(dependency.version.as_deref(), Some(">=2"));
    }

    #[test]
    fn names_are_normalised() {
        for (name, expected) in [
            ("Django", "django"),
            ("scikit_learn", "scikit-learn"),
            ("zope.interface", "zope-interface"),
            ("a-_.b", "a-b"),
        ] {
            assert_eq!(normalise_name(name), expected);
        }
    }

    #[test]
    fn finds_cell_magics() {
        let magic = cell_magic("\n  %%time -v\nx = 1\n").unwrap();
        assert_eq!(magic.name, "%%time");
        assert_eq!(magic.argument, "-v");
        assert_eq!(magic.header, Span::new(1, 13));
        assert_eq!(magic.body, CellBody::Python);
        assert_eq!(cell_magic("%%bash\nls\n").unwrap().body, CellBody::Other);
        assert_eq!(
            cell_magic("%%backend jax\nx = 1\n").unwrap().body,
            CellBody::Unknown
        );
        assert_eq!(
            cell_magic("%%timeit\nf()").unwrap().body,
            CellBody::TransientPython
        );
        assert_eq!(cell_magic("x = 1\n%%time\n"), None);
        assert_eq!(cell_magic("%time x\n"), None);
        assert_eq!(cell_magic(""), None);
    }

    #[test]
    fn code_words_skip_comments_and_strings() {
        let words: Vec<&str> =
            code_words("cdef double f(x): # g here\n    return h(x, 'k l') + 2e3\n")
                .into_iter()
                .map(|(_, word)| word)
                .collect();
        assert_eq!(words, ["cdef", "double", "f", "x", "return", "h", "x"]);
    }

    #[test]
    fn a_one_line_cell_starting_with_a_shell_automagic_is_the_magic() {
        assert_eq!(
            single_line_automagic("cd /mnt/DATA/GitHub\n").as_deref(),
            Some("%d /mnt/DATA/GitHub\n")
        );
        assert_eq!(single_line_automagic("ls -la").as_deref(), Some("%s -la"));
        // IPython's prefilter reads one-line cells only; an assignment is Python.
        assert_eq!(single_line_automagic("cd /mnt\nx = 1"), None);
        assert_eq!(single_line_automagic("cd = 3"), None);
        assert_eq!(single_line_automagic("ls, x = 1, 2"), None);
        assert_eq!(single_line_automagic("ls"), None);
        assert_eq!(single_line_automagic("time - start"), None);
    }

    #[test]
    fn automagics_are_sorted_for_binary_search() {
        assert!(AUTOMAGICS.windows(2).all(|pair| pair[0] < pair[1]));
        assert!(is_line_magic("pycat") && is_line_magic("ls") && !is_line_magic("print"));
    }

    #[test]
    fn bridge_names_read_and_bind() {
        let names = |magic: &str, argument: &str| {
            let (read, bound) = bridge_names(magic, argument);
            let words = |found: Vec<(usize, &str)>| {
                found
                    .into_iter()
                    .map(|(offset, name)| {
                        assert_eq!(&argument[offset..offset + name.len()], name);
                        name.to_owned()
                    })
                    .collect::<Vec<_>>()
            };
            (words(read), words(bound))
        };
        assert_eq!(
            names("%%R", "-i df,m -w 10 -h 6 -o forecast"),
            (vec!["df".into(), "m".into()], vec!["forecast".into()])
        );
        assert_eq!(
            names("%%R", "--input=x -oy"),
            (vec!["x".into()], vec!["y".into()])
        );
        assert_eq!(names("%R", "-o z z <- 1"), (vec![], vec!["z".into()]));
        assert_eq!(
            names("%Rpush", "a b"),
            (vec!["a".into(), "b".into()], vec![])
        );
        assert_eq!(names("%Rpull", "c"), (vec![], vec!["c".into()]));
        assert_eq!(
            names("%store", "model results"),
            (vec!["model".into(), "results".into()], vec![])
        );
        assert_eq!(names("%store", "-r model"), (vec![], vec!["model".into()]));
        assert_eq!(
            names("%store", "notes >notes.txt"),
            (vec!["notes".into()], vec![])
        );
        assert_eq!(names("%store", "-d model"), (vec![], vec![]));
        assert!(binds_unknown_names("%store", "-r"));
        assert!(!binds_unknown_names("%store", "-r model"));
        assert_eq!(names("%%R", "-w 10"), (vec![], vec![]));
        assert_eq!(
            names("%%R", "-i datapy -d datar"),
            (vec!["datapy".into()], vec!["datar".into()])
        );
        assert_eq!(
            names("%R", "--dataframe=frame frame <- 1"),
            (vec![], vec!["frame".into()])
        );
        assert_eq!(names("%%octave", "-d x"), (vec![], vec![]));
        assert_eq!(names("%%bash", "-i x"), (vec![], vec![]));
    }

    #[test]
    fn output_variables() {
        for (magic, argument, expected) in [
            ("%%capture", "--no-stderr out", Some("out")),
            ("%%capture", "", None),
            ("%%bigquery", "df", Some("df")),
            ("%%bigquery", "--project my-project df", Some("df")),
            ("%%bigquery", "--project=p --use_legacy_sql df", Some("df")),
            ("%%bigquery", "--verbose", None),
            ("%%bigquery", "--params {\"a\": 1}", None),
            ("%%bigquery", "--project $project_id", None),
            ("%%sql", "result <<", Some("result")),
            ("%%sql", "postgresql://u@h/db rows<<", Some("rows")),
            ("%sql", "n << SELECT 1", Some("n")),
            ("%%sql", "SELECT 1", None),
            ("%%time", "x", None),
            ("%%px", "--noblock -o ar", Some("ar")),
            ("%%px", "--targets ::2 --out=result", Some("result")),
            ("%%px", "--targets 1 --block", None),
        ] {
            let found = output_variable(magic, argument);
            assert_eq!(found.map(|(_, name)| name), expected, "{magic} {argument}");
            if let Some((offset, name)) = found {
                assert_eq!(&argument[offset..offset + name.len()], name);
            }
        }
    }

    #[test]
    fn unknown_magic_headers() {
        for (argument, mentioned, stored) in [
            ("--output out2 conn", &["conn"][..], &["out2"][..]),
            ("--out=result -v conn", &["conn"], &["result"]),
            ("--output results.csv", &[], &[]),
            ("", &[], &[]),
        ] {
            let (found_mentioned, found_stored) = unknown_magic_names(argument);
            let names = |found: &NamesAt<'_>| -> Vec<String> {
                for &(offset, name) in found {
                    assert_eq!(&argument[offset..offset + name.len()], name);
                }
                found.iter().map(|(_, name)| (*name).to_owned()).collect()
            };
            assert_eq!(names(&found_mentioned), mentioned, "{argument}");
            assert_eq!(names(&found_stored), stored, "{argument}");
        }
    }

    #[test]
    fn shell_scripts_own_variables() {
        let script = "model=$(pwd)/ckpt\nexport N=3; echo $N && for f in *.txt; do echo $f; done\nread -r line\necho $model $other\n";
        assert_eq!(shell_assigned_names(script), ["model", "N", "f", "line"]);
        assert!(shell_assigned_names("echo $model\nls -la | grep x=y\n").is_empty());
    }

    #[test]
    fn name_references_in_bodies() {
        let names = |text, kind| -> Vec<&str> {
            name_references(text, kind)
                .into_iter()
                .map(|(offset, name)| {
                    assert_eq!(&text[offset..offset + name.len()], name);
                    name
                })
                .collect()
        };
        assert_eq!(
            names("echo $a ${b} {c} $$d $1 {e f}", Some(References::Shell)),
            ["a", "b", "c"]
        );
        assert_eq!(names("ls {c} $a", None), ["a"]);
        assert_eq!(
            names(
                "SELECT x::int FROM t WHERE y = :limit AND z = {{w}}",
                Some(References::Sql)
            ),
            ["limit", "w"]
        );
        assert_eq!(
            names(
                "CREATE USER bob IDENTIFIED BY '{{ password }}' -- { not a name }",
                Some(References::Sql)
            ),
            ["password"]
        );
    }

    #[test]
    fn timeit_options_are_skipped() {
        for (argument, code) in [
            ("f(x)", "f(x)"),
            ("-n 10 -r 3 f(x)", "f(x)"),
            ("-n10 -o f(x)", "f(x)"),
            ("  -q   sum(y)", "sum(y)"),
            ("-n", ""),
        ] {
            assert_eq!(
                &argument[code_start(argument, &["n", "r", "p"])..],
                code,
                "{argument}"
            );
        }
    }

    #[test]
    fn rewrites_keep_offsets() {
        let source = "%timeit f(a,\n         b)\nx = 1\n";
        let rewritten = ipython_rewrites(source, &[(0, 12)], &[]).unwrap();
        assert_eq!(rewritten, "%timeit f(a,          b)\nx = 1\n");
        let rewritten = ipython_rewrites("  run script.py;\n", &[], &[4]).unwrap();
        assert_eq!(rewritten, "  %un script.py;\n");
        // IPython applies automagics to a cell of one line only.
        let source = "x = 1\n  run script.py;\nrun(1)\n";
        assert_eq!(ipython_rewrites(source, &[], &[10, 24]), None);
        assert_eq!(ipython_rewrites("print x\n", &[], &[0]), None);
        assert_eq!(bracket_balance("f(')', [1, \"(\"]  # ("), 1);
    }

    #[test]
    fn line_spans() {
        let source = "a\n  %pip install x\nb";
        assert_eq!(line_span(source, 4, 17), Span::new(2, 19));
        assert_eq!(line_span(source, 19, 20), Span::new(19, 20));
        assert_eq!(line_span(source, 99, 99), Span::new(19, 20));
    }
}
