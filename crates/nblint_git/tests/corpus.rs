//! Over every notebook of the shared corpus (`../shared/corpus/{python,evcxr}`, kept beside
//! the repository and never copied into it): strip never panics, is idempotent (stripping
//! the output again reports nothing to do), its output parses and keeps every cell, and the
//! text view renders.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use nblint_git::{StripOptions, render, strip_bytes};
use nblint_notebook::Notebook;

#[test]
fn strip_is_idempotent_on_the_corpus() {
    let paths = nblint_testing::corpus_notebooks(&["python", "evcxr"], "nblint_git corpus tests");
    if paths.is_empty() {
        return;
    }
    // Two passes over 85 MB of JSON: spread the notebooks over the cores.
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let chunk = paths.len().div_ceil(threads);
    let totals: Vec<[usize; 3]> = std::thread::scope(|scope| {
        let workers: Vec<_> = paths
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(|path| check(path)).fold([0; 3], add)))
            .collect();
        workers
            .into_iter()
            .map(|worker| worker.join().unwrap())
            .collect()
    });
    let [stripped, clean, unreadable] = totals.into_iter().fold([0; 3], add);
    println!(
        "{} notebooks: {stripped} strips changed something, {clean} found nothing to do, \
         {unreadable} unreadable",
        paths.len()
    );
    assert!(stripped > 0);
}

fn add(a: [usize; 3], b: [usize; 3]) -> [usize; 3] {
    [a[0] + b[0], a[1] + b[1], a[2] + b[2]]
}

/// Checks one notebook; returns `[strips that changed something, strips with nothing to do,
/// unreadable]`.
fn check(path: &Path) -> [usize; 3] {
    let keep_all = StripOptions {
        keep_output: true,
        keep_count: true,
        ..StripOptions::default()
    };
    let name = path.file_name().unwrap().to_string_lossy();
    let bytes = std::fs::read(path).unwrap();
    let Ok(original) = Notebook::parse(&bytes) else {
        assert!(strip_bytes(&bytes, &StripOptions::default()).is_err());
        return [0, 0, 1];
    };
    let _ = render(&original);
    let mut counts = [0; 3];
    for options in [&StripOptions::default(), &keep_all] {
        match strip_bytes(&bytes, options).unwrap() {
            None => counts[1] += 1,
            Some(once) => {
                counts[0] += 1;
                assert_eq!(
                    strip_bytes(&once, options).unwrap(),
                    None,
                    "{name}: not idempotent"
                );
                let notebook = Notebook::parse(&once).unwrap();
                assert_eq!(notebook.cells().len(), original.cells().len(), "{name}");
                let _ = render(&notebook);
            }
        }
    }
    counts
}
