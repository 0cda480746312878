//! Bindings that apply to a name's own value an operation which, applied again to its result,
//! gives that result back (`x = x.reshape(n, 1)`, `df = df.dropna()`, `words = sorted(words)`,
//! `X = X[:1000]`): the second of two such cells binds what the first left, so a reader sees
//! the same value whichever of them ran last (NB205).

use ruff_python_ast::{self as ast, Expr};

use super::repeatable;

/// Methods whose result, given the same arguments, is unchanged when they are called on it
/// again: conversions to a type, device or layout (`astype`, `to`, `cuda`, `float`,
/// `contiguous`), reshapes to a fixed shape, and clean-ups that leave nothing more to do
/// (`dropna`, `drop_duplicates`, `sort_values`, `lower`). Not `squeeze(0)` nor `T` (a
/// second one undoes or goes further), nor `numpy` (an array has none).
const IDEMPOTENT_METHODS: &[&str] = &[
    "astype",
    "bool",
    "contiguous",
    "copy",
    "cpu",
    "cuda",
    "detach",
    "double",
    "drop_duplicates",
    "dropna",
    "fillna",
    "flatten",
    "float",
    "half",
    "int",
    "long",
    "lower",
    "lstrip",
    "ravel",
    "reshape",
    "rstrip",
    "sort_index",
    "sort_values",
    "strip",
    "to",
    "tocsc",
    "tocsr",
    "upper",
    "view",
];

/// Functions whose result, given the same further arguments, is unchanged when they are
/// called on it again: `sorted(xs)`, `list(xs)`, `np.asarray(x, dtype=float)`,
/// `np.unique(x)`.
const IDEMPOTENT_FUNCTIONS: &[&str] = &[
    "abs",
    "array",
    "asarray",
    "asmatrix",
    "float",
    "float32",
    "float64",
    "int",
    "list",
    "mat",
    "matrix",
    "set",
    "sort",
    "sorted",
    "str",
    "to_datetime",
    "to_numeric",
    "tuple",
    "unique",
];

/// How an operation relates its result to what it is applied to (see [`operand`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Gives {
    /// The same result when applied to it again.
    Idempotent,
    /// A copy, equal to anything it is applied to: `x.copy()`, `x.clone()`, `deepcopy(x)`,
    /// `copy.copy(x)`.
    Copy,
    /// The same data, loaded or laid out anew: xarray's `x.load()` (which loads in place and
    /// gives back `x` itself), xarray's and dask's `x.chunk(..)`, `x.rechunk(..)`, Spark's
    /// `df.cache()`.
    SameData,
}

/// Methods of xarray, dask and Spark that give back the data they are called on, loaded
/// into memory or cut into other chunks (see [`Gives::SameData`]).
/// Not dask's `compute()`, which gives a NumPy array or a pandas frame for a lazy collection,
/// nor `persist()`, which starts computing: readers of earlier rounds took those for new
/// values.
const SAME_DATA_METHODS: &[&str] = &["cache", "chunk", "load", "rechunk"];

/// What `value`, bound to `name`, applies one idempotent operation to, when it does, with
/// further arguments that do not read `name`: the receiver of a method of
/// [`IDEMPOTENT_METHODS`] (`reset_index(drop=True)` too), the first argument of a function
/// of [`IDEMPOTENT_FUNCTIONS`], or what a subscript keeps a prefix or a suffix of (`x[:n]`,
/// `x[-n:]`, `x[:, :n]`) or fixed columns of (`df[["a", "b"]]`); and what the operation
/// gives back ([`Gives`]).
pub(super) fn operand<'a>(value: &'a Expr, name: &str) -> Option<(&'a Expr, Gives)> {
    // `sst = sst.load()`, `ds = ds.chunk({"time": -1})`.
    if let Expr::Call(call) = value
        && let Expr::Attribute(method) = &*call.func
        && SAME_DATA_METHODS.contains(&method.attr.id.as_str())
        && (call.arguments.is_empty()
            || (matches!(method.attr.id.as_str(), "chunk" | "rechunk")
                && leaves_alone(call.arguments.args.iter(), name)
                && leaves_alone(
                    call.arguments.keywords.iter().map(|keyword| &keyword.value),
                    name,
                )))
    {
        return Some((&*method.value, Gives::SameData));
    }
    let identity = match value {
        Expr::Call(call) => match &*call.func {
            Expr::Attribute(method) => match method.attr.id.as_str() {
                "copy" | "deepcopy" => {
                    matches!(&*method.value, Expr::Name(module)
                    if module.id.as_str() == "copy")
                        || (method.attr.id.as_str() == "copy" && call.arguments.is_empty())
                }
                "clone" => call.arguments.is_empty(),
                _ => false,
            },
            Expr::Name(function) => function.id.as_str() == "deepcopy",
            _ => false,
        },
        _ => false,
    };
    if identity && let Expr::Call(call) = value {
        return match (&*call.func, &*call.arguments.args) {
            (Expr::Attribute(method), []) => Some((&*method.value, Gives::Copy)),
            (_, [argument]) if call.arguments.keywords.is_empty() => Some((argument, Gives::Copy)),
            _ => None,
        };
    }
    operation_operand(value, name).map(|operand| (operand, Gives::Idempotent))
}

/// What `value` applies an idempotent operation to (see [`operand`]).
fn operation_operand<'a>(value: &'a Expr, name: &str) -> Option<&'a Expr> {
    match value {
        Expr::Call(call) => {
            let keywords = &call.arguments.keywords;
            let keyword_values = keywords.iter().map(|keyword| &keyword.value);
            let named = keywords.iter().all(|keyword| keyword.arg.is_some());
            match &*call.func {
                Expr::Attribute(method) => {
                    let known = IDEMPOTENT_METHODS.contains(&method.attr.id.as_str())
                        || (method.attr.id.as_str() == "reset_index"
                            && keywords.iter().any(|keyword| {
                                keyword
                                    .arg
                                    .as_ref()
                                    .is_some_and(|arg| arg.as_str() == "drop")
                                    && matches!(
                                        keyword.value,
                                        Expr::BooleanLiteral(ast::ExprBooleanLiteral {
                                            value: true,
                                            ..
                                        })
                                    )
                            }));
                    // `np.sort(x)` is a function of the module `np`, not a method of it.
                    let function = IDEMPOTENT_FUNCTIONS.contains(&method.attr.id.as_str())
                        && matches!(&*method.value, Expr::Name(module)
                            if MODULES.contains(&module.id.as_str()));
                    if function {
                        return first_argument(call, name);
                    }
                    (known
                        && named
                        && leaves_alone(call.arguments.args.iter(), name)
                        && leaves_alone(keyword_values, name))
                    .then_some(&*method.value)
                }
                Expr::Name(function) if IDEMPOTENT_FUNCTIONS.contains(&function.id.as_str()) => {
                    first_argument(call, name)
                }
                _ => None,
            }
        }
        Expr::Subscript(subscript) => {
            let kept = match &*subscript.slice {
                Expr::Tuple(parts) => {
                    parts.elts.iter().all(|part| keeps_an_end(part, name))
                        && parts
                            .elts
                            .iter()
                            .any(|part| !matches!(part, Expr::Slice(slice) if is_full(slice)))
                }
                Expr::List(columns) => {
                    !columns.elts.is_empty()
                        && columns.elts.iter().all(|column| {
                            matches!(column, Expr::StringLiteral(_) | Expr::NumberLiteral(_))
                        })
                }
                part => keeps_an_end(part, name),
            };
            kept.then_some(&*subscript.value)
        }
        _ => None,
    }
}

/// Modules whose functions of [`IDEMPOTENT_FUNCTIONS`] are meant (`np.unique(x)`,
/// `pd.to_datetime(s)`), as notebooks usually import them.
const MODULES: &[&str] = &["np", "numpy", "pd", "pandas", "torch"];

/// The first positional argument of `call`, when its other arguments do not read `name`.
fn first_argument<'a>(call: &'a ast::ExprCall, name: &str) -> Option<&'a Expr> {
    let keywords = &call.arguments.keywords;
    let (first, rest) = call.arguments.args.split_first()?;
    (!matches!(first, Expr::Starred(_))
        && keywords.iter().all(|keyword| keyword.arg.is_some())
        && leaves_alone(rest.iter(), name)
        && leaves_alone(keywords.iter().map(|keyword| &keyword.value), name))
    .then_some(first)
}

/// Whether every argument of `arguments` is [`repeatable`] and does not read `name`.
fn leaves_alone<'a>(mut arguments: impl Iterator<Item = &'a Expr>, name: &str) -> bool {
    arguments.all(|argument| {
        let mut reads = Vec::new();
        repeatable(argument, &mut reads, 8) && !reads.iter().any(|read| read == name)
    })
}

/// Whether a slice is `:`, which keeps everything.
fn is_full(slice: &ast::ExprSlice) -> bool {
    slice.lower.is_none() && slice.upper.is_none() && slice.step.is_none()
}

/// Whether `part` of a subscript keeps a prefix (`:n`, `0:n`) or a suffix (`-n:`) of the
/// axis, or all of it (`:`), with bounds that do not read `name`.
fn keeps_an_end(part: &Expr, name: &str) -> bool {
    let Expr::Slice(slice) = part else {
        return false;
    };
    let reads_name = |bound: &Expr| {
        let mut reads = Vec::new();
        !repeatable(bound, &mut reads, 8) || reads.iter().any(|read| read == name)
    };
    if slice.step.is_some() {
        return false;
    }
    let zero = |expr: &Expr| {
        matches!(expr, Expr::NumberLiteral(number)
            if matches!(&number.value, ast::Number::Int(value) if *value == 0))
    };
    let negative_literal = |expr: &Expr| {
        matches!(expr, Expr::UnaryOp(unary)
            if unary.op == ast::UnaryOp::USub
                && matches!(&*unary.operand, Expr::NumberLiteral(_)))
    };
    match (slice.lower.as_deref(), slice.upper.as_deref()) {
        (None, None) => true,
        (None, Some(upper)) => !reads_name(upper),
        (Some(lower), Some(upper)) if zero(lower) => !reads_name(upper),
        (Some(lower), None) => negative_literal(lower),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use ruff_python_parser::parse_expression;

    use ruff_python_ast::Expr;

    use super::{Gives, operand};

    /// Whether `source` applies an idempotent operation to `name` itself.
    fn idempotent(source: &str, name: &str) -> bool {
        let parsed = parse_expression(source).expect("test expressions parse");
        matches!(operand(parsed.expr(), name), Some((Expr::Name(found), _)) if found.id.as_str() == name)
    }

    #[test]
    fn conversions_reshapes_and_clean_ups_are_idempotent() {
        for source in [
            "x.reshape(n, 1)",
            "x.to(device)",
            "x.astype('float32')",
            "df.dropna()",
            "df.reset_index(drop=True)",
            "sorted(x, key=len)",
            "np.asarray(x, dtype=float)",
            "np.unique(x)",
            "np.matrix(x)",
            "x[:1000]",
            "x[-5:]",
            "x[:, :n]",
            "df[['a', 'b']]",
        ] {
            assert!(
                idempotent(source, "x") || idempotent(source, "df"),
                "{source}"
            );
        }
    }

    #[test]
    fn operations_that_go_further_when_repeated_are_not() {
        for source in [
            "x.reshape(x.shape[0], 1)",
            "x.squeeze(0)",
            "x.T",
            "x.reset_index()",
            "x[1:]",
            "x[::2]",
            "x[:, 1:]",
            "x + 1",
            "np.log(x)",
            "sorted(y)",
            "x.to(x.device)",
            "x.fit(y)",
            "x[x > 0]",
            "np.log(x)",
            "json.loads(x)",
        ] {
            assert!(!idempotent(source, "x"), "{source}");
        }
    }

    #[test]
    fn the_operand_may_be_any_expression() {
        let parsed = parse_expression("np.arange(12).reshape(3, 4)").expect("parses");
        assert!(matches!(
            operand(parsed.expr(), "x"),
            Some((Expr::Call(_), Gives::Idempotent))
        ));
        let parsed = parse_expression("np.unique(labels)").expect("parses");
        assert!(matches!(
            operand(parsed.expr(), "x"),
            Some((Expr::Name(_), Gives::Idempotent))
        ));
    }

    #[test]
    fn copies_give_back_what_they_are_applied_to() {
        for source in [
            "x.copy()",
            "x.clone()",
            "deepcopy(x)",
            "copy.copy(x)",
            "copy.deepcopy(x)",
        ] {
            let parsed = parse_expression(source).expect("parses");
            assert!(
                matches!(
                    operand(parsed.expr(), "x"),
                    Some((Expr::Name(_), Gives::Copy))
                ),
                "{source}"
            );
        }
        // The same data, loaded or cut into other chunks, is no copy.
        for source in [
            "x.load()",
            "x.cache()",
            "x.chunk({\"time\": -1})",
            "x.rechunk(100)",
        ] {
            let parsed = parse_expression(source).expect("parses");
            assert!(
                matches!(
                    operand(parsed.expr(), "x"),
                    Some((Expr::Name(_), Gives::SameData))
                ),
                "{source}"
            );
        }
        // `learn.load("stage-1")` loads other weights; dask's `compute()` gives another type.
        for source in ["x.load(\"stage-1\")", "x.compute()", "x.persist()"] {
            let parsed = parse_expression(source).expect("parses");
            assert!(operand(parsed.expr(), "x").is_none(), "{source}");
        }
        // sklearn's `clone(model)` gives an unfitted model, not an equal one.
        let parsed = parse_expression("clone(x)").expect("parses");
        assert!(operand(parsed.expr(), "x").is_none());
    }
}
