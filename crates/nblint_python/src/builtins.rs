//! The names Python and IPython always define in a notebook's namespace.

/// `dir(builtins)` of CPython 3.11, plus what 3.13 added (`PythonFinalizationError`) and
/// `__builtins__`, which every module namespace holds. Sorted, for binary search.
///
/// `__file__` is deliberately absent: IPython does not define it in a notebook.
const PYTHON_BUILTINS: &[&str] = &[
    "ArithmeticError",
    "AssertionError",
    "AttributeError",
    "BaseException",
    "BaseExceptionGroup",
    "BlockingIOError",
    "BrokenPipeError",
    "BufferError",
    "BytesWarning",
    "ChildProcessError",
    "ConnectionAbortedError",
    "ConnectionError",
    "ConnectionRefusedError",
    "ConnectionResetError",
    "DeprecationWarning",
    "EOFError",
    "Ellipsis",
    "EncodingWarning",
    "EnvironmentError",
    "Exception",
    "ExceptionGroup",
    "False",
    "FileExistsError",
    "FileNotFoundError",
    "FloatingPointError",
    "FutureWarning",
    "GeneratorExit",
    "IOError",
    "ImportError",
    "ImportWarning",
    "IndentationError",
    "IndexError",
    "InterruptedError",
    "IsADirectoryError",
    "KeyError",
    "KeyboardInterrupt",
    "LookupError",
    "MemoryError",
    "ModuleNotFoundError",
    "NameError",
    "None",
    "NotADirectoryError",
    "NotImplemented",
    "NotImplementedError",
    "OSError",
    "OverflowError",
    "PendingDeprecationWarning",
    "PermissionError",
    "ProcessLookupError",
    "PythonFinalizationError",
    "RecursionError",
    "ReferenceError",
    "ResourceWarning",
    "RuntimeError",
    "RuntimeWarning",
    "StopAsyncIteration",
    "StopIteration",
    "SyntaxError",
    "SyntaxWarning",
    "SystemError",
    "SystemExit",
    "TabError",
    "TimeoutError",
    "True",
    "TypeError",
    "UnboundLocalError",
    "UnicodeDecodeError",
    "UnicodeEncodeError",
    "UnicodeError",
    "UnicodeTranslateError",
    "UnicodeWarning",
    "UserWarning",
    "ValueError",
    "Warning",
    "ZeroDivisionError",
    "__build_class__",
    "__builtins__",
    "__debug__",
    "__doc__",
    "__import__",
    "__loader__",
    "__name__",
    "__package__",
    "__spec__",
    "abs",
    "aiter",
    "all",
    "anext",
    "any",
    "ascii",
    "bin",
    "bool",
    "breakpoint",
    "bytearray",
    "bytes",
    "callable",
    "chr",
    "classmethod",
    "compile",
    "complex",
    "copyright",
    "credits",
    "delattr",
    "dict",
    "dir",
    "divmod",
    "enumerate",
    "eval",
    "exec",
    "exit",
    "filter",
    "float",
    "format",
    "frozenset",
    "getattr",
    "globals",
    "hasattr",
    "hash",
    "help",
    "hex",
    "id",
    "input",
    "int",
    "isinstance",
    "issubclass",
    "iter",
    "len",
    "license",
    "list",
    "locals",
    "map",
    "max",
    "memoryview",
    "min",
    "next",
    "object",
    "oct",
    "open",
    "ord",
    "pow",
    "print",
    "property",
    "quit",
    "range",
    "repr",
    "reversed",
    "round",
    "set",
    "setattr",
    "slice",
    "sorted",
    "staticmethod",
    "str",
    "sum",
    "super",
    "tuple",
    "type",
    "vars",
    "zip",
];

/// Names IPython's kernel puts in the user namespace (`InteractiveShell.init_user_ns`): the
/// `builtins` module as `__builtin__` (and `__builtins__`, listed above), display and history
/// helpers. The
/// numbered history names (`_3`, `_i3`) are matched in [`is_ipython_history_name`].
const IPYTHON_NAMES: &[&str] = &[
    "In",
    "Out",
    "_",
    "__",
    "___",
    "__builtin__",
    "_dh",
    "_i",
    "_ih",
    "_ii",
    "_iii",
    "_oh",
    "display",
    "exit",
    "get_ipython",
    "quit",
];

/// Whether IPython's kernel always defines `name` in the user namespace (`In`, `Out`,
/// `get_ipython`, ...): a test that it is missing never holds in a notebook.
pub(crate) fn is_ipython_name(name: &str) -> bool {
    IPYTHON_NAMES.contains(&name)
}

/// Whether `name` is defined in every IPython session without an import.
pub(crate) fn is_builtin(name: &str) -> bool {
    PYTHON_BUILTINS.binary_search(&name).is_ok()
        || IPYTHON_NAMES.contains(&name)
        || is_ipython_history_name(name)
}

/// `_N` (output N) and `_iN` (input N) for a cell number N.
fn is_ipython_history_name(name: &str) -> bool {
    let digits = name
        .strip_prefix("_i")
        .or_else(|| name.strip_prefix('_'))
        .unwrap_or("");
    !digits.is_empty() && digits.bytes().all(|byte| byte.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_are_sorted_for_binary_search() {
        assert!(PYTHON_BUILTINS.windows(2).all(|pair| pair[0] < pair[1]));
    }

    #[test]
    fn recognises_builtins_and_ipython_names() {
        for (name, expected) in [
            ("print", true),
            ("len", true),
            ("ValueError", true),
            ("__name__", true),
            ("__builtins__", true),
            ("__builtin__", true),
            ("_oh", true),
            ("_dh", true),
            ("Out", true),
            ("exit", true),
            ("quit", true),
            ("__file__", false),
            ("display", true),
            ("get_ipython", true),
            ("In", true),
            ("_", true),
            ("___", true),
            ("_12", true),
            ("_i3", true),
            ("_ii", true),
            ("_i", true),
            ("_x", false),
            ("_i3a", false),
            ("df", false),
            ("np", false),
        ] {
            assert_eq!(is_builtin(name), expected, "{name}");
        }
    }
}
