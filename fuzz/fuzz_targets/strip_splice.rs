//! strip's byte-splicing path against the general one on arbitrary bytes: the same stripped
//! bytes, the same "nothing to strip", or the same error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nblint_git::strip::strip_bytes_without_splicing;
use nblint_git::{StripOptions, strip_bytes};

fuzz_target!(|bytes: &[u8]| {
    let keep_count = StripOptions {
        keep_count: true,
        ..StripOptions::default()
    };
    for options in [StripOptions::default(), keep_count] {
        let spliced = strip_bytes(bytes, &options).map_err(|error| error.to_string());
        let general = strip_bytes_without_splicing(bytes, &options).map_err(|error| error.to_string());
        assert_eq!(spliced, general);
    }
});
