//! The notebook reader on arbitrary bytes: never a panic, and a notebook it reads writes back
//! to bytes it reads again with the same cells.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nblint_notebook::Notebook;

fuzz_target!(|bytes: &[u8]| {
    let Ok(notebook) = Notebook::parse(bytes) else {
        return;
    };
    let written = notebook.to_original_style_bytes();
    let again = Notebook::parse(&written).expect("written notebook reads back");
    assert_eq!(notebook.cells().len(), again.cells().len());
    for (a, b) in notebook.cells().iter().zip(again.cells()) {
        assert_eq!(a.source, b.source);
    }
});
