//! Deeply nested JSON (a deep JSON output): read, cloned, written and dropped on a spawned
//! thread's default 2 MiB stack up to `MAX_NESTING` levels, refused with a position beyond.
#![allow(clippy::unwrap_used)]

use nblint_notebook::{MAX_NESTING, Notebook, NotebookError};

/// A notebook whose one output holds `levels` nested arrays; the document around them adds
/// 6 levels (document, cells, cell, outputs, output, data).
fn deep_notebook(levels: usize) -> String {
    format!(
        "{{\n \"cells\": [{{\"cell_type\": \"code\", \"execution_count\": 1, \"id\": \"a\", \
         \"metadata\": {{}}, \"outputs\": [{{\"data\": {{\"application/json\": {}1{}}}, \
         \"execution_count\": 1, \"metadata\": {{}}, \"output_type\": \"execute_result\"}}], \
         \"source\": [\"x\"]}}],\n \"metadata\": {{}}, \"nbformat\": 4, \"nbformat_minor\": 5}}\n",
        "[".repeat(levels),
        "]".repeat(levels)
    )
}

/// Runs `work` on a thread with the 2 MiB stack a spawned thread gets by default.
fn on_small_stack<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(work)
        .unwrap()
        .join()
        .unwrap()
}

#[test]
fn notebooks_as_deep_as_the_limit_are_read_cloned_written_and_dropped() {
    on_small_stack(|| {
        let text = deep_notebook(MAX_NESTING - 6);
        for notebook in [
            Notebook::parse(text.as_bytes()).unwrap(),
            Notebook::parse_for_analysis(text.as_bytes()).unwrap(),
        ] {
            assert_eq!(notebook.cells()[0].output_count, 1);
            assert_eq!(notebook.cells()[0].source, "x");
        }
        let notebook = Notebook::parse(text.as_bytes()).unwrap();
        let copy = notebook.clone();
        let written = copy.to_original_style_bytes();
        let again = Notebook::parse(&written).unwrap();
        assert_eq!(again.to_original_style_bytes(), written);
        // Jupyter's layout sorts keys: the other way the serializer walks a document.
        let sorted = nblint_notebook::serialize(
            &serde_json::Value::Object(notebook.clone_json()),
            nblint_notebook::TextStyle::NBFORMAT,
            true,
        );
        assert!(!sorted.is_empty());
        drop((notebook, copy, again));
    });
}

#[test]
fn deeper_notebooks_are_refused_with_a_position_not_a_crash() {
    on_small_stack(|| {
        for levels in [MAX_NESTING - 5, 100_000] {
            let text = deep_notebook(levels);
            let error = Notebook::parse(text.as_bytes()).unwrap_err();
            // One-based, on line 2 (which starts at byte 2): the bracket opening level 5,001.
            let column = text.find("[[").unwrap() - 2 + (MAX_NESTING - 6) + 1;
            assert!(
                matches!(
                    error,
                    NotebookError::TooDeep {
                        limit: MAX_NESTING,
                        ..
                    }
                ),
                "{error}"
            );
            assert_eq!(
                error.to_string(),
                format!(
                    "JSON nested more than {MAX_NESTING} levels deep at line 2, column {column}: \
                     nblint reads at most {MAX_NESTING} levels (real notebooks use a few dozen)"
                )
            );
            let light = Notebook::parse_for_analysis(text.as_bytes()).unwrap_err();
            assert_eq!(light, error);
        }
    });
}

#[test]
fn a_syntax_error_past_the_first_128_levels_is_still_found() {
    let text = deep_notebook(300).replace("1]]]", "1]]}");
    let error = Notebook::parse(text.as_bytes()).unwrap_err();
    assert!(
        matches!(error, NotebookError::InvalidJson { .. }),
        "{error}"
    );
    let trailing = deep_notebook(300) + "x";
    assert!(matches!(
        Notebook::parse(trailing.as_bytes()).unwrap_err(),
        NotebookError::InvalidJson { .. }
    ));
}
