//! Names every Rust cell can use without defining or importing them: the 2024 prelude,
//! primitive types, std's exported macros, the crates always linked (`std`, `core`, `alloc`)
//! and the path keywords.

/// Sorted, so lookup is a binary search.
const BUILTINS: &[&str] = &[
    "AsMut",
    "AsRef",
    "Box",
    "Clone",
    "Copy",
    "Default",
    "DoubleEndedIterator",
    "Drop",
    "Eq",
    "Err",
    "ExactSizeIterator",
    "Extend",
    "Fn",
    "FnMut",
    "FnOnce",
    "From",
    "FromIterator",
    "Future",
    "Into",
    "IntoFuture",
    "IntoIterator",
    "Iterator",
    "None",
    "Ok",
    "Option",
    "Ord",
    "PartialEq",
    "PartialOrd",
    "Result",
    "Self",
    "Send",
    "Sized",
    "Some",
    "String",
    "Sync",
    "ToOwned",
    "ToString",
    "TryFrom",
    "TryInto",
    "Unpin",
    "Vec",
    "alloc",
    "assert",
    "assert_eq",
    "assert_ne",
    "bool",
    "cfg",
    "char",
    "column",
    "compile_error",
    "concat",
    "core",
    "crate",
    "dbg",
    "debug_assert",
    "debug_assert_eq",
    "debug_assert_ne",
    "drop",
    "env",
    "eprint",
    "eprintln",
    "f128",
    "f16",
    "f32",
    "f64",
    "file",
    "format",
    "format_args",
    "i128",
    "i16",
    "i32",
    "i64",
    "i8",
    "include",
    "include_bytes",
    "include_str",
    "isize",
    "line",
    "matches",
    "module_path",
    "option_env",
    "panic",
    "print",
    "println",
    "self",
    "std",
    "str",
    "stringify",
    "super",
    "thread_local",
    "todo",
    "u128",
    "u16",
    "u32",
    "u64",
    "u8",
    "unimplemented",
    "unreachable",
    "usize",
    "vec",
    "write",
    "writeln",
];

/// Whether `name` is always in scope in a Rust cell.
pub fn is_builtin(name: &str) -> bool {
    BUILTINS.binary_search(&name).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_is_sorted_for_binary_search() {
        assert!(BUILTINS.windows(2).all(|pair| pair[0] < pair[1]));
    }

    #[test]
    fn prelude_primitives_and_macros() {
        for name in [
            "Vec", "Some", "usize", "str", "println", "vec", "std", "Self",
        ] {
            assert!(is_builtin(name), "{name}");
        }
        for name in ["HashMap", "x", "rand", "Rc"] {
            assert!(!is_builtin(name), "{name}");
        }
    }
}
