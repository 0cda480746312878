//! The correctness gate of the fast path: on every code cell of the fixtures, the shared evcxr
//! corpus and generated notebooks, and on mutated variants of each (a token or character
//! deleted or duplicated, lines swapped, a stray `(`, `}`, `mut` or `?` inserted, the cell
//! truncated), whenever the fast path accepts a cell its facts must equal the syn path's
//! exactly, and syn must find no syntax error in it. Declining is always allowed; the rates
//! are printed.
#![allow(clippy::unwrap_used, clippy::print_stderr, clippy::cast_precision_loss)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use nblint_facts::{CellFacts, Language};
use nblint_notebook::Notebook;
use nblint_rust::{analyze_fast_only, analyze_with_syn_only};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Every `.ipynb` under `folder`, sorted.
fn notebooks_under(folder: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![folder.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path
                .extension()
                .is_some_and(|extension| extension == "ipynb")
            {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// The code cells of the notebooks, each with a label naming it; whether the notebook is Rust.
fn code_cells(paths: &[PathBuf]) -> Vec<(String, String, bool)> {
    let mut cells = Vec::new();
    for path in paths {
        let Ok(bytes) = std::fs::read(path) else {
            continue;
        };
        let Ok(notebook) = Notebook::parse(&bytes) else {
            continue;
        };
        let rust = matches!(Language::detect(&notebook), Some(Language::Rust) | None);
        for (index, cell) in notebook.cells().iter().enumerate() {
            if cell.is_code() {
                let label = format!("{} cell {}", path.display(), index + 1);
                cells.push((label, cell.source.clone(), rust));
            }
        }
    }
    cells
}

/// A small deterministic PRNG (splitmix64), so mutations are the same on every run.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, bound: usize) -> usize {
        if bound == 0 {
            0
        } else {
            (self.next() % bound as u64) as usize
        }
    }
}

/// A char boundary at or before `index`.
fn boundary(text: &str, mut index: usize) -> usize {
    index = index.min(text.len());
    while !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

/// The byte ranges of the "words" of `text`: identifiers, numbers, and single other
/// non-space characters (an approximation of tokens, good enough to delete or duplicate one).
fn words(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut index = 0;
    while index < bytes.len() {
        let byte = bytes[index];
        if byte.is_ascii_whitespace() {
            index += 1;
            continue;
        }
        let start = index;
        if byte.is_ascii_alphanumeric() || byte == b'_' {
            while index < bytes.len()
                && (bytes[index].is_ascii_alphanumeric() || bytes[index] == b'_')
            {
                index += 1;
            }
        } else {
            index += text[index..].chars().next().map_or(1, char::len_utf8);
        }
        found.push((start, index));
    }
    found
}

/// Text inserted by mutations: delimiters and operators that break or reshape statements,
/// and fragments that keep the code valid but change what it binds, reads or mutates.
const INSERTS: &[&str] = &[
    "(",
    "}",
    " mut ",
    "?",
    "&mut ",
    ".await",
    " as u8",
    "..",
    " = ",
    "::",
    "|x| ",
    "!",
    "-",
    "*",
    "<",
    ">",
    "#[derive(Foo)] ",
    "'a: ",
    " else {}",
    ";",
    ",",
    "r#",
    "'",
    "\"",
    "{",
    "]",
    "let ",
    "x += ",
    ".push(1)",
    " if ",
    "=> ",
    "&&",
    "||",
    "_ ",
    "Self::",
    "move ",
    "return ",
    "{x}",
    "{y:?}",
    " @ ",
    "ref ",
    " + ",
    ".0",
    "..=",
];

/// One mutated variant of `source`.
fn mutate(source: &str, random: &mut Random) -> String {
    let mut text = source.to_owned();
    let words = words(source);
    match random.below(12) {
        0 if !words.is_empty() => {
            let (start, end) = words[random.below(words.len())];
            text.replace_range(start..end, "");
        }
        1 if !words.is_empty() => {
            let (start, end) = words[random.below(words.len())];
            let word = source[start..end].to_owned();
            text.insert_str(end, &format!(" {word}"));
        }
        2 if words.len() > 1 => {
            // One word replaced by another word of the cell.
            let (start, end) = words[random.below(words.len())];
            let (other_start, other_end) = words[random.below(words.len())];
            let other = source[other_start..other_end].to_owned();
            text.replace_range(start..end, &other);
        }
        3 => {
            let at = boundary(source, random.below(source.len() + 1));
            let mut chars = source[at..].chars();
            if let Some(c) = chars.next() {
                text.replace_range(at..at + c.len_utf8(), "");
            }
        }
        4 => {
            let mut lines: Vec<&str> = source.split('\n').collect();
            if lines.len() > 1 {
                let at = random.below(lines.len() - 1);
                lines.swap(at, at + 1);
            }
            text = lines.join("\n");
        }
        5..=10 => {
            let insert = INSERTS[random.below(INSERTS.len())];
            let at = if words.is_empty() || random.below(3) == 0 {
                boundary(source, random.below(source.len() + 1))
            } else {
                let (start, end) = words[random.below(words.len())];
                if random.below(2) == 0 { start } else { end }
            };
            text.insert_str(at, insert);
        }
        _ => {
            let at = boundary(source, random.below(source.len() + 1));
            text.truncate(at);
        }
    }
    text
}

/// Hand-written cells around the edges of the fast path's subset: precedence, statement
/// boundaries, scopes, patterns, macros, items.
const EDGE_CELLS: &[&str] = &[
    // Found by fuzzing: a tuple index past u32 is a syn error.
    "l = 100.5.44444444444444444444 * rate;\nt.0 + t.4294967295 + u.4294967296",
    "let a = 1 + 2 * 3 - -4 / 5 % 6;\na << 2 >> 1 & 3 | 4 ^ 5",
    "x = y = 3;\nz += 1;\n*p.q[0] -= 2;\n(w).v *= 4;\nm.entry(k).or_default().push(1);\n",
    "let v = &mut items;\nlet r = &mut *other;\nlet q = &&x;\nbuf.len()\n",
    "if let Some(x) = opt && x > limit { use_it(x) } else if flag { other } else { last }",
    "while let Some(top) = stack.pop() { total += top; }\nfor (i, x) in v.iter().enumerate() { println!(\"{i} {x} {y}\"); }",
    "match v { Some(1..=9) | None => a, Some(n) if n > k => b(n), Some(_) => { c } }\nnext",
    "match p { Point { x, y: 0, .. } => x, Point { ref mut y, .. } => *y, _ => zero }",
    "let f = |a: f64, (b, c): (i32, i32)| -> f64 { a * b as f64 + c as f64 + outer };\nf(1.0, (2, 3))",
    "let g = move || total + 1;\nlet h = |x| x;\nh(g())",
    "println!(\"{} {name} {0} {x:>width$.prec$}\", a, name = b, width = w);\nformat!(\"{{literal}} {z}\")",
    "assert!(a == b, \"{a} vs {b}\");\nassert_eq!(x, y);\nwrite!(f, \"{}\", v)?;\nvec![0; n]",
    "let v = vec![1, 2, 3];\nlet w = matches!(v.first(), Some(&x) if x > lim);\nw",
    "fn helper<T: Display + Into<String>>(x: T, y: &[f64]) -> Vec<T> { let z = x; vec![z] }\nhelper(1, &data)",
    "#[derive(Debug, Clone, serde::Serialize, Custom)]\npub struct S<T> { pub a: T, b: Vec<Other> }\nimpl S<u8> { fn new() -> Self { Self { a: 0, b: Vec::new() } } }",
    "enum E { A, B(u8, Other), C { x: T } = 3 }\nimpl Display for E { fn fmt(&self, f: &mut Formatter) -> Result { write!(f, \"e\") } }",
    "use std::collections::{HashMap, hash_map::{self, Entry as E}, *};\nuse ::core::fmt;\npub use self::m::x as _;\n",
    "const N: usize = 3;\nstatic mut COUNT: u32 = N as u32;\nlet a: [u8; N] = [0; N];\na",
    "let x = { let y = 1; y + outer };\nlet z = loop { break 5; };\nlet w = if c { 1 } else { 2 };\nunsafe { call() }",
    "{ a } - 1",
    "match x { _ => {} } - 1",
    "let s = S { a, b: 1, ..Default::default() };\nif s == (S { a: 1 }) { }\ns.a",
    "let t = (1,);\nlet u = ();\nt.0 + u.1.2",
    "let r = 0..10;\nlet r2 = ..=5;\nfor i in (0..n).rev() {}\n..",
    "x.await?;\nlet c = async_fn().await;\nc?",
    "let x = a as usize < b;",
    "let a = b < c > d;",
    "return;\nbreak;",
    "let Some(v) = opt else { return };",
    "fn f() {}\nf\n;\n;",
    "if a {} else {}\n.method()",
    "let x = match y { A => 1, B => 2, }.to_string();\nx",
    "extern crate serde;\n#[macro_use] extern crate log;\nextern crate rand as r;\nr::random::<u8>()",
    "#![allow(dead_code)]\n#![crate_type = \"lib\"]\nlet a = 1;",
    "_ = root.fill(&WHITE);\nlet _ = x;",
    "let r#type = 1;\nr#type + r#match",
    "let v: Vec<Vec<i32>>= vec![];\nlet w: HashMap<String, Box<Vec<u8>>> = HashMap::new();",
    "impl<T> Foo<T> {}",
    // Rust 2018 bare trait objects: the syn path retries them with `dyn`; the fast path
    // must decline or agree.
    "let f: Box<Fn(i32) -> i32> = Box::new(|x| x + 1);\nf(2)",
    "fn apply(f: &Fn(i32) -> i32, g: &mut FnMut()) -> i32 { g(); f(1) }\nfn show(v: &Display) {}\napply(&h, &mut k)",
    "let v: Vec<Box<Fn(i32) -> i32 + Send>> = Vec::new();\nlet w: &(Fn() + Sync) = &|| {};\nv.len()",
    "let c = 'x';\nlet l: &'static str = \"s\";\nlet b = b'a';\nlet s = r#\"raw \"q\" {x}\"#;\nprintln!(r#\"{y}\"#)",
];

/// Field-by-field differences between two facts, for a readable failure.
fn differences(syn: &CellFacts, fast: &CellFacts) -> String {
    let mut out = String::new();
    macro_rules! field {
        ($name:ident) => {
            if syn.$name != fast.$name {
                writeln!(
                    out,
                    "  {}:\n    syn:  {:?}\n    fast: {:?}",
                    stringify!($name),
                    syn.$name,
                    fast.$name
                )
                .unwrap();
            }
        };
    }
    field!(defines);
    field!(uses);
    field!(imports);
    field!(dependencies);
    field!(commands);
    field!(mutations);
    field!(errors);
    field!(trailing_expression);
    field!(binds_unknown_names);
    field!(partially_analysed);
    field!(uses_question_mark);
    field!(uses_await);
    out
}

/// Acceptance counts and failures of one group of cells.
#[derive(Default)]
struct Tally {
    cells: usize,
    accepted: usize,
    mutants: usize,
    mutants_accepted: usize,
    failures: Vec<String>,
}

impl Tally {
    /// Runs both paths on `source`; `true` when the fast path accepted.
    fn check(&mut self, label: &str, source: &str) -> bool {
        let Some(fast) = analyze_fast_only(source) else {
            return false;
        };
        let syn = analyze_with_syn_only(source);
        if syn != fast {
            if self.failures.len() < 40 {
                self.failures.push(format!(
                    "{label}: fast path accepted but differs from syn\n--- cell ---\n{source}\n--- differences ---\n{}",
                    differences(&syn, &fast)
                ));
            }
        } else if syn.errors.len() != fast.errors.len() {
            self.failures.push(format!(
                "{label}: fast path accepted a cell syn rejects\n{source}"
            ));
        }
        true
    }

    fn run(&mut self, cells: &[(String, String, bool)], mutants_per_cell: usize, seed: u64) {
        for (index, (label, source, rust)) in cells.iter().enumerate() {
            let accepted = self.check(label, source);
            if *rust {
                self.cells += 1;
                self.accepted += usize::from(accepted);
            }
            let mut random = Random(seed ^ (index as u64).wrapping_mul(0x2545_f491_4f6c_dd1d));
            for number in 0..mutants_per_cell {
                let mutant = mutate(source, &mut random);
                let label = format!("{label} (mutant {number})");
                self.mutants += 1;
                self.mutants_accepted += usize::from(self.check(&label, &mutant));
            }
        }
    }

    fn report(&self, name: &str) {
        let rate = |part: usize, whole: usize| {
            if whole == 0 {
                0.0
            } else {
                100.0 * part as f64 / whole as f64
            }
        };
        eprintln!(
            "fast path, {name}: accepted {}/{} Rust cells ({:.1}%), {}/{} mutants ({:.1}%)",
            self.accepted,
            self.cells,
            rate(self.accepted, self.cells),
            self.mutants_accepted,
            self.mutants,
            rate(self.mutants_accepted, self.mutants),
        );
    }
}

fn finish(tallies: &[(&str, Tally)]) {
    let mut failures = Vec::new();
    for (name, tally) in tallies {
        tally.report(name);
        failures.extend(tally.failures.iter().cloned());
    }
    assert!(
        failures.is_empty(),
        "{} disagreement(s):\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn fast_path_agrees_with_syn_on_fixtures() {
    let cells = code_cells(&notebooks_under(&Path::new(ROOT).join("../../fixtures")));
    let mut tally = Tally::default();
    tally.run(&cells, 24, 1);
    let edges: Vec<(String, String, bool)> = EDGE_CELLS
        .iter()
        .enumerate()
        .map(|(index, cell)| (format!("edge cell {index}"), (*cell).to_owned(), true))
        .collect();
    let mut edge_tally = Tally::default();
    edge_tally.run(&edges, 200, 7);
    finish(&[("fixtures", tally), ("edge cells", edge_tally)]);
}

#[test]
fn fast_path_agrees_with_syn_on_the_evcxr_corpus() {
    let Some(corpus) =
        nblint_testing::corpus("evcxr", "fast_path_agrees_with_syn_on_the_evcxr_corpus")
    else {
        return;
    };
    let cells = code_cells(&notebooks_under(&corpus));
    let mut tally = Tally::default();
    tally.run(&cells, 8, 2);
    finish(&[("evcxr corpus", tally)]);
}

#[test]
fn fast_path_agrees_with_syn_on_generated_notebooks() {
    let script = Path::new(ROOT).join("../../../shared/bench/make_corpus.py");
    if !script.is_file() {
        return;
    }
    let out = std::env::temp_dir().join(format!("nblint-fast-path-{}", std::process::id()));
    let mut tally = Tally::default();
    for seed in 1..=3 {
        let folder = out.join(seed.to_string());
        let made = Command::new("python3")
            .arg(&script)
            .args(["--out"])
            .arg(&folder)
            .args([
                "--count",
                "40",
                "--lang",
                "rust",
                "--seed",
                &seed.to_string(),
            ])
            .output();
        match made {
            Ok(output) if output.status.success() => {}
            // No python3 (or the script failed): nothing to generate here.
            _ => return,
        }
        let cells = code_cells(&notebooks_under(&folder));
        tally.run(&cells, 2, 3 + seed);
    }
    let _ = std::fs::remove_dir_all(&out);
    finish(&[("generated notebooks", tally)]);
}
