//! Finding notebooks: explicit files are always taken; folders are walked with `.gitignore`
//! respected, skipping `.ipynb_checkpoints` and `target`.

use std::path::PathBuf;

use anyhow::{Context, Result};

/// The notebooks under `paths`, sorted per argument.
pub fn notebooks_under(paths: &[PathBuf]) -> Vec<Result<PathBuf>> {
    let mut found = Vec::new();
    for path in paths {
        if !path.is_dir() {
            found.push(Ok(path.clone()));
            continue;
        }
        let mut here = Vec::new();
        let walker = ignore::WalkBuilder::new(path)
            .filter_entry(|entry| {
                let name = entry.file_name();
                name != ".ipynb_checkpoints" && name != "target"
            })
            .build();
        for entry in walker {
            match entry.with_context(|| format!("walking {}", path.display())) {
                Ok(entry) => {
                    let file = entry.path();
                    if entry.file_type().is_some_and(|kind| kind.is_file())
                        && file.extension().is_some_and(|ext| ext == "ipynb")
                    {
                        here.push(Ok(file.to_path_buf()));
                    }
                }
                Err(error) => here.push(Err(error)),
            }
        }
        // Errors first, in the order they were met, then the notebooks by path: a total order
        // (`sort_by` may panic on one that is not).
        let mut notebooks = Vec::new();
        for entry in here {
            match entry {
                Ok(notebook) => notebooks.push(notebook),
                Err(error) => found.push(Err(error)),
            }
        }
        notebooks.sort();
        found.extend(notebooks.into_iter().map(Ok));
    }
    found
}
