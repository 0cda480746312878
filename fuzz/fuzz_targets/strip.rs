//! strip on arbitrary bytes: never a panic, and stripping its own output changes nothing.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nblint_git::{StripOptions, strip_bytes};

fuzz_target!(|bytes: &[u8]| {
    let options = StripOptions::default();
    let Ok(result) = strip_bytes(bytes, &options) else {
        return;
    };
    let once = result.unwrap_or_else(|| bytes.to_vec());
    let twice = strip_bytes(&once, &options).expect("stripped output reads back");
    assert!(twice.is_none(), "strip is not idempotent");
});
