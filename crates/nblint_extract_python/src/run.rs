//! The run check: `python -m PKG` in the package's `src` folder (with a timeout and
//! `MPLBACKEND=Agg`), its stdout compared with what the notebook stored, cell by cell.
//!
//! Outputs that cannot repeat are normalised on both sides before comparing: object
//! addresses (`at 0x7f3a...`), the timing lines of `%time` / `%timeit`, and trailing blanks.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::ExpectedOutput;

/// How to run the package.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// The Python interpreter.
    pub python: PathBuf,
    /// The package's `src` folder, put first on `PYTHONPATH` so `python -m` finds the package.
    pub src_dir: PathBuf,
    /// The folder the run starts in: `src_dir` itself, or the notebook's folder, where
    /// relative paths find what the notebook read.
    pub work_dir: PathBuf,
    /// The package's import name.
    pub package: String,
    /// Third-party modules that must import for the run to make sense.
    pub imports: Vec<String>,
    /// The run is stopped after this long.
    pub timeout: Duration,
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunOutcome {
    /// Not run: a dependency does not import here (the modules that failed).
    MissingDependencies(Vec<String>),
    /// The interpreter could not be started.
    NoPython(String),
    /// Stopped after the timeout.
    TimedOut,
    /// It ran and exited with this status (`None`: killed by a signal).
    Exited(Option<i32>),
}

/// One row of the per-cell table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellCheck {
    /// The cell.
    pub cell: usize,
    /// The step function.
    pub step: String,
    /// Whether the cell printed anything in the notebook.
    pub expected_output: bool,
    /// Whether its output was found, in order, in the run's stdout.
    pub matches: bool,
    /// False when the cell is not compared (see [`ExpectedOutput::compared`]).
    pub compared: bool,
}

/// The result of a run check.
#[derive(Debug, Clone)]
pub struct RunCheck {
    /// How the run ended.
    pub outcome: RunOutcome,
    /// Its stdout.
    pub stdout: String,
    /// The end of its stderr (the error, when it failed).
    pub stderr_tail: String,
    /// Per-cell comparison, in run order.
    pub cells: Vec<CellCheck>,
    /// The whole stdout equals the whole expected output (after normalising).
    pub matches: bool,
}

/// `PYTHONPATH` with the package's `src` folder first, then whatever the environment had.
fn python_path(src_dir: &Path) -> std::ffi::OsString {
    let src = std::path::absolute(src_dir).unwrap_or_else(|_| src_dir.to_path_buf());
    let mut paths = vec![src];
    if let Some(existing) = std::env::var_os("PYTHONPATH") {
        paths.extend(std::env::split_paths(&existing));
    }
    std::env::join_paths(paths).unwrap_or_else(|_| src_dir.as_os_str().to_owned())
}

/// Runs the package and compares its stdout with `expected`.
pub fn run_check(options: &RunOptions, expected: &[ExpectedOutput]) -> RunCheck {
    let mut check = RunCheck {
        outcome: RunOutcome::Exited(None),
        stdout: String::new(),
        stderr_tail: String::new(),
        cells: Vec::new(),
        matches: false,
    };
    if !options.imports.is_empty() {
        let mut missing = Vec::new();
        for module in &options.imports {
            let probe = Command::new(&options.python)
                .arg("-c")
                .arg(format!("import {module}"))
                .current_dir(&options.work_dir)
                .env("PYTHONPATH", python_path(&options.src_dir))
                .env("MPLBACKEND", "Agg")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
            match probe {
                Ok(status) if status.success() => {}
                Ok(_) => missing.push(module.clone()),
                Err(error) => {
                    check.outcome =
                        RunOutcome::NoPython(format!("{}: {error}", options.python.display()));
                    return check;
                }
            }
        }
        if !missing.is_empty() {
            check.outcome = RunOutcome::MissingDependencies(missing);
            return check;
        }
    }
    let child = Command::new(&options.python)
        .arg("-m")
        .arg(&options.package)
        .current_dir(&options.work_dir)
        .env("PYTHONPATH", python_path(&options.src_dir))
        .env("MPLBACKEND", "Agg")
        .env("PYTHONHASHSEED", "0")
        .env("PYTHONIOENCODING", "utf-8")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(error) => {
            check.outcome = RunOutcome::NoPython(format!("{}: {error}", options.python.display()));
            return check;
        }
    };
    // Read both pipes on threads so a chatty program cannot block on a full pipe.
    let stdout_reader = child.stdout.take().map(|mut pipe| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            bytes
        })
    });
    let stderr_reader = child.stderr.take().map(|mut pipe| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            bytes
        })
    });
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if started.elapsed() > options.timeout => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            Err(_) => break None,
        }
    };
    let stdout = stdout_reader
        .and_then(|reader| reader.join().ok())
        .unwrap_or_default();
    let stderr = stderr_reader
        .and_then(|reader| reader.join().ok())
        .unwrap_or_default();
    check.stdout = String::from_utf8_lossy(&stdout).into_owned();
    let stderr = String::from_utf8_lossy(&stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    check.stderr_tail = lines[lines.len().saturating_sub(12)..].join("\n");
    check.outcome = match status {
        Some(status) => RunOutcome::Exited(status.code()),
        None => RunOutcome::TimedOut,
    };
    let (cells, matches) = compare(expected, &check.stdout);
    check.cells = cells;
    check.matches = matches;
    check
}

/// Whether `line` reports a time (`%time`, `%timeit`), which no run repeats.
fn is_timing_line(line: &str) -> bool {
    let trimmed = line.trim_start();
    trimmed.starts_with("CPU times:")
        || trimmed.starts_with("Wall time:")
        || trimmed.contains(" per loop (mean ± std. dev. of ")
        || trimmed.contains(" loops, best of ")
        || trimmed.contains(" loop, best of ")
        || trimmed.starts_with("The slowest run took ")
}

/// Output with what cannot repeat taken out: object addresses, timing lines, trailing blanks.
pub fn normalise_output(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        if is_timing_line(line) {
            continue;
        }
        let mut normal = String::new();
        let mut rest = line;
        while let Some(at) = rest.find("0x") {
            normal.push_str(&rest[..at]);
            let hex = rest[at + 2..]
                .chars()
                .take_while(char::is_ascii_hexdigit)
                .count();
            if hex >= 6 {
                normal.push_str("0x…");
            } else {
                normal.push_str(&rest[at..at + 2 + hex]);
            }
            rest = &rest[at + 2 + hex..];
        }
        normal.push_str(rest);
        out.push_str(normal.trim_end());
        out.push('\n');
    }
    out
}

/// Compares `stdout` with the expected outputs, cell by cell in order: a cell matches when
/// its output comes next in `stdout` (after normalising both). The second value says whether
/// the whole stdout is exactly the expected text.
pub fn compare(expected: &[ExpectedOutput], stdout: &str) -> (Vec<CellCheck>, bool) {
    let actual = normalise_output(stdout);
    let whole: String = expected.iter().map(|e| e.text.as_str()).collect();
    let whole_matches = normalise_output(&whole) == actual;
    let mut position = 0;
    let mut cells = Vec::new();
    // Whether the last cell that printed in the notebook printed the same in the package: text
    // found further on after one that did not is that cell's, not this one's.
    let mut last_matched = true;
    for output in expected {
        let wanted = normalise_output(&output.text);
        let matches = if wanted.is_empty() {
            true
        } else if actual[position..].starts_with(&wanted) {
            position += wanted.len();
            true
        } else if let Some(at) = actual[position..].find(&wanted) {
            position += at + wanted.len();
            !last_matched
        } else {
            false
        };
        if !wanted.is_empty() {
            last_matched = matches;
        }
        cells.push(CellCheck {
            cell: output.cell,
            step: output.step.clone(),
            expected_output: !wanted.is_empty(),
            compared: output.compared,
            matches: matches || (whole_matches && wanted.is_empty()),
        });
    }
    (cells, whole_matches)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expected(cell: usize, text: &str) -> ExpectedOutput {
        ExpectedOutput {
            cell,
            step: format!("cell_{cell}"),
            text: text.to_owned(),
            compared: true,
        }
    }

    #[test]
    fn normalises_addresses_and_timings() {
        assert_eq!(
            normalise_output("<Line2D at 0x7f3a12bc90d0>  \nCPU times: user 1 ms\n0x10\n"),
            "<Line2D at 0x…>\n0x10\n"
        );
    }

    #[test]
    fn compares_cell_by_cell() {
        let cells = [expected(1, "a\n"), expected(2, ""), expected(3, "b\n")];
        let (rows, whole) = compare(&cells, "a\nb\n");
        assert!(whole);
        assert!(rows.iter().all(|r| r.matches));
        let (rows, whole) = compare(&cells, "a\nx\nb\n");
        assert!(!whole);
        assert!(rows[0].matches);
        assert!(!rows[2].matches);
        // Cell 1 printed something else: what follows it up to `b` is its own, and cell 3
        // printed what the notebook printed.
        let (rows, whole) = compare(&cells, "x\nb\n");
        assert!(!whole);
        assert!(!rows[0].matches);
        assert!(rows[2].matches);
    }
}
