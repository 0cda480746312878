//! Bindings that apply to a name's own value an operation which, applied again to its result,
//! gives that result back (`x = x.reshape(n, 1)`, `df = df.dropna()`, `words = sorted(words)`,
//! `X = X[:1000]`): the second of two such cells binds what the first left, so a reader sees
//! the same value whichever of them ran last (NB205).

use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{self as ast, Expr, Stmt};

use super::{is_inplace, passes_true, repeatable, root_name};

/// Methods whose result, given the same arguments, is unchanged when they are called on it
/// again: conversions to a type, device or layout (`astype`, `to`, `cuda`, `float`,
/// `contiguous`), reshapes to a fixed shape, clean-ups that leave nothing more to do
/// (`dropna`, `drop_duplicates`, `sort_values`, `lower`, `interpolate`, `clip`, `bfill`,
/// `ffill`), labels set anew (pandas' `set_axis`), a time series put on a fixed frequency
/// (`asfreq`), Hugging Face datasets'
/// `cast_column` (the same feature type again), paths made
/// whole (`expanduser`, `resolve`), wradlib's `georeference`, fixed rows or columns
/// (`reindex`), and the first or last rows (`head`, `tail`). Not `squeeze(0)` nor `T` (a second one undoes or goes further), nor `numpy` (an
/// array has none). Spark's `distinct` and `dropDuplicates`; a coordinate system set or
/// reached (`write_crs`, `set_crs`, `to_crs`, rioxarray's `reproject_match`) and coordinates
/// or attributes assigned (`assign_coords`, `assign_attrs`). [`operation_operand`] adds
/// `squeeze()`, a `replace` that leaves nothing more to replace, a model's `eval()` and
/// `train()`, and columns named with literals (Spark's `toDF`, `select`,
/// `withColumnRenamed`).
const IDEMPOTENT_METHODS: &[&str] = &[
    "absolute",
    "asfreq",
    "assign_attrs",
    "assign_coords",
    "astype",
    "bfill",
    "bool",
    "cast_column",
    "clip",
    "contiguous",
    "copy",
    "cpu",
    "cuda",
    "detach",
    "distinct",
    "dropDuplicates",
    "double",
    "drop_duplicates",
    "dropna",
    "expanduser",
    "ffill",
    "fillna",
    "flatten",
    "float",
    "georeference",
    "half",
    "head",
    "int",
    "interpolate",
    "long",
    "lower",
    "lstrip",
    "ravel",
    "reindex",
    "reindex_axis",
    "reproject_match",
    "reshape",
    "resolve",
    "rstrip",
    "set_axis",
    "set_crs",
    "sort_index",
    "sort_values",
    "strip",
    "tail",
    "to",
    "to_crs",
    "tocsc",
    "tocsr",
    "upper",
    "view",
    "write_crs",
];

/// Functions whose result, given the same further arguments, is unchanged when they are
/// called on it again: `sorted(xs)`, `list(xs)`, `np.asarray(x, dtype=float)`,
/// `np.unique(x)`.
const IDEMPOTENT_FUNCTIONS: &[&str] = &[
    "DataFrame",
    "Series",
    "abs",
    "array",
    "as_tensor",
    "asarray",
    "asmatrix",
    "clip",
    "float",
    "float32",
    "float64",
    "int",
    "list",
    "mat",
    "matrix",
    "maximum",
    "minimum",
    "set",
    "sort",
    "sorted",
    "str",
    "to_datetime",
    "to_numeric",
    "tensor",
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
    /// The same content in another type or on another device, and the same again when
    /// applied to its result: `np.array(x)`, `pd.Series(x)`, `x.to(device)`,
    /// `x.detach().cpu()` (see [`converts`]).
    Conversion,
}

/// Methods of xarray, dask and Spark that give back the data they are called on, loaded
/// into memory or cut into other chunks (see [`Gives::SameData`]).
/// `persist()` keeps a dask or xarray value of its type, computed in the background. Not
/// dask's `compute()`, which gives a NumPy array or a pandas frame for a lazy collection (and
/// that has no `compute` to call again).
const SAME_DATA_METHODS: &[&str] = &["cache", "chunk", "load", "persist", "rechunk"];

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
        // `ds.where(mask).persist()`: an idempotent operation, its result kept in memory.
        if let Some((inner, Gives::Idempotent | Gives::Conversion)) = operand(&method.value, name) {
            return Some((inner, Gives::Idempotent));
        }
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
    // `x.detach().cpu()`, `np.array(x).reshape(-1, 28, 28, 1)`: operations of this kind
    // applied one after another give their result back too.
    let mut operand = operation_operand(value, name)?;
    let mut conversion = converts(value);
    for _ in 0..8 {
        match operation_operand(operand, name) {
            Some(inner) => {
                conversion &= converts(operand);
                operand = inner;
            }
            None => break,
        }
    }
    let gives = if conversion {
        Gives::Conversion
    } else {
        Gives::Idempotent
    };
    Some((operand, gives))
}

/// Whether `value` converts what it is applied to into another type or moves it to another
/// device, keeping what it holds: `np.array(x)`, `np.asarray(x)`, `torch.tensor(x)`,
/// `pd.Series(x)`, `pd.DataFrame(x)` (with no other argument: a `dtype` may round), and
/// `x.cpu()`, `x.cuda()`, `x.detach()`, `x.contiguous()`, `x.to(device)` (not `x.to(
/// torch.float16)`, which rounds).
fn converts(value: &Expr) -> bool {
    let Expr::Call(call) = value else {
        return false;
    };
    match &*call.func {
        Expr::Attribute(method)
            if matches!(&*method.value, Expr::Name(module)
            if MODULES.contains(&module.id.as_str())) =>
        {
            CONVERSIONS.contains(&method.attr.id.as_str())
                && call.arguments.args.len() == 1
                && call.arguments.keywords.is_empty()
        }
        // `tf.cast(y, tf.float32)`.
        Expr::Attribute(method)
            if method.attr.id.as_str() == "cast"
                && matches!(&*method.value, Expr::Name(module) if module.id.as_str() == "tf") =>
        {
            casts_to_a_float(call, 1)
        }
        Expr::Attribute(method) => match method.attr.id.as_str() {
            "cpu" | "cuda" | "detach" | "contiguous" => call.arguments.is_empty(),
            // `x.astype(np.float32)`: the same numbers, at another precision.
            "astype" => casts_to_a_float(call, 0),
            "to" => {
                call.arguments.keywords.is_empty()
                    && matches!(&*call.arguments.args, [device] if names_a_device(device))
            }
            _ => false,
        },
        Expr::Name(function) => {
            CONVERSIONS.contains(&function.id.as_str())
                && call.arguments.args.len() == 1
                && call.arguments.keywords.is_empty()
        }
        _ => false,
    }
}

/// Whether `call` gives a single or double precision floating-point type as its only argument
/// after the first `skip` positional ones, or as `dtype=`: `astype(np.float32)`,
/// `astype("float64")`, `tf.cast(x, dtype=tf.float32)`. Not an integer type, which may cut
/// off a fraction, nor half precision, which rounds visibly.
fn casts_to_a_float(call: &ast::ExprCall, skip: usize) -> bool {
    let dtype = match (&call.arguments.args[..], &call.arguments.keywords[..]) {
        (args, []) if args.len() == skip + 1 => &args[skip],
        (args, [keyword])
            if args.len() == skip
                && keyword
                    .arg
                    .as_ref()
                    .is_some_and(|arg| arg.as_str() == "dtype") =>
        {
            &keyword.value
        }
        _ => return false,
    };
    let name = match dtype {
        Expr::Name(name) => name.id.as_str(),
        Expr::Attribute(attribute) => attribute.attr.id.as_str(),
        Expr::StringLiteral(text) => text.value.to_str(),
        _ => return false,
    };
    matches!(name, "float" | "float32" | "float64" | "double")
}

/// Functions that convert their one argument to an array, a tensor or a frame, keeping what
/// it holds (see [`converts`]).
const CONVERSIONS: &[&str] = &[
    "DataFrame",
    "Series",
    "array",
    "as_tensor",
    "asarray",
    "tensor",
];

/// Whether `device` names a device: `device`, `args.device`, `DEVICE`, `"cuda"`, `"cuda:0"`,
/// `"cpu"`, `"mps"`.
fn names_a_device(device: &Expr) -> bool {
    let named = |name: &str| name.to_ascii_lowercase().ends_with("device");
    match device {
        Expr::Name(name) => named(name.id.as_str()),
        Expr::Attribute(attribute) => named(attribute.attr.id.as_str()),
        Expr::StringLiteral(text) => {
            let text = text.value.to_str();
            let kind = text.split(':').next().unwrap_or_default();
            matches!(kind, "cuda" | "cpu" | "mps")
        }
        _ => false,
    }
}

/// What `value` applies an idempotent operation to (see [`operand`]).
fn operation_operand<'a>(value: &'a Expr, name: &str) -> Option<&'a Expr> {
    // `s.str.lower()`, wradlib's `da.wrl.georef.georeference()`: a method of an accessor
    // applies to the value the accessor is taken of.
    let mut operand = operation_operand_as_written(value, name)?;
    while let Expr::Attribute(accessor) = operand
        && ACCESSORS.contains(&accessor.attr.id.as_str())
    {
        operand = &accessor.value;
    }
    Some(operand)
}

/// Accessors that give a value's methods of one kind (pandas' `str`, `dt`, `cat`; xarray's
/// `rio`; wradlib's `wrl.georef`), applied to the value itself (see [`operation_operand`]).
const ACCESSORS: &[&str] = &["cat", "dt", "georef", "rio", "str", "wrl"];

/// What `value` applies an idempotent operation to, as written (see [`operation_operand`]).
fn operation_operand_as_written<'a>(value: &'a Expr, name: &str) -> Option<&'a Expr> {
    match value {
        Expr::Call(call) => {
            let keywords = &call.arguments.keywords;
            let keyword_values = keywords.iter().map(|keyword| &keyword.value);
            let named = keywords.iter().all(|keyword| keyword.arg.is_some());
            match &*call.func {
                Expr::Attribute(method) => {
                    // `x.squeeze()` drops every axis of length one; `np.squeeze(x)` too.
                    if method.attr.id.as_str() == "squeeze" {
                        return match &*call.arguments.args {
                            [] if keywords.is_empty() => Some(&*method.value),
                            [argument]
                                if keywords.is_empty()
                                    && matches!(&*method.value, Expr::Name(module)
                                        if MODULES.contains(&module.id.as_str())) =>
                            {
                                Some(argument)
                            }
                            _ => None,
                        };
                    }
                    // `model = model.eval()`: the mode set, the model given back.
                    if matches!(method.attr.id.as_str(), "eval" | "train") {
                        return (call.arguments.is_empty()).then_some(&*method.value);
                    }
                    // Spark's `df.toDF(*names)`, `df.select("a", "b")`,
                    // `df.withColumnRenamed("a", "b")`: columns by name, which name the same
                    // columns again (a column already renamed is not there to rename).
                    if matches!(
                        method.attr.id.as_str(),
                        "toDF" | "select" | "withColumnRenamed"
                    ) {
                        return (keywords.is_empty()
                            && !call.arguments.args.is_empty()
                            && call
                                .arguments
                                .args
                                .iter()
                                .all(|argument| names_columns(argument, name)))
                        .then_some(&*method.value);
                    }
                    // Spark's `df.withColumn("c", expression)`: the column made again from
                    // columns it does not change (`expression` names no column `c`), or
                    // cast again (`F.col("c").cast(..)`).
                    if method.attr.id.as_str() == "withColumn" {
                        return match &*call.arguments.args {
                            [Expr::StringLiteral(column), expression] if keywords.is_empty() => {
                                let column = column.value.to_str();
                                ((!mentions_text(expression, column)
                                    || casts_column(expression, column))
                                    && !NameActivity::of_expr(expression, name).reads)
                                    .then_some(&*method.value)
                            }
                            _ => None,
                        };
                    }
                    if method.attr.id.as_str() == "replace" {
                        return replaces_for_good(call).then_some(&*method.value);
                    }
                    // `ds.resample(time="2d").mean("time")`: values already one to a bin
                    // stay as they are when put in the same bins again.
                    if let Some(resampled) = resampled_by_one_value(call, method) {
                        return Some(resampled);
                    }
                    if method.attr.id.as_str() == "merge" {
                        return merges_for_good(call, &method.value, name);
                    }
                    if method.attr.id.as_str() == "filter" {
                        return filters_for_good(call, name).then_some(&*method.value);
                    }
                    if method.attr.id.as_str() == "rename" {
                        return renames_for_good(call).then_some(&*method.value);
                    }
                    if method.attr.id.as_str() == "where" {
                        return masks_for_good(call, name).then_some(&*method.value);
                    }
                    if method.attr.id.as_str() == "sub"
                        && matches!(&*method.value, Expr::Name(module) if module.id.as_str() == "re")
                    {
                        return substitutes_for_good(call, name);
                    }
                    // `tf.cast(x, tf.float32)`: a second cast to the type changes nothing.
                    if method.attr.id.as_str() == "cast"
                        && matches!(&*method.value, Expr::Name(module) if module.id.as_str() == "tf")
                    {
                        return first_argument(call, name);
                    }
                    let known = IDEMPOTENT_METHODS.contains(&method.attr.id.as_str())
                        || (method.attr.id.as_str() == "reset_index" && passes_true(call, "drop"));
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
        // `ldsc.loc[ldsc["p1"].isin(traits)]`: rows by a mask, through `loc`.
        Expr::Subscript(subscript)
            if matches!(&*subscript.value, Expr::Attribute(loc)
                if loc.attr.id.as_str() == "loc"
                    && matches!(&*loc.value, Expr::Name(frame) if frame.id.as_str() == name)) =>
        {
            let Expr::Attribute(loc) = &*subscript.value else {
                return None;
            };
            // `df.loc[:, ["a", "b"]]`: every row, fixed columns.
            if let Expr::Tuple(parts) = &*subscript.slice
                && let [Expr::Slice(rows), Expr::List(columns)] = &*parts.elts
                && is_full(rows)
                && literal_columns(columns)
            {
                return Some(&*loc.value);
            }
            matches!(
                &*subscript.slice,
                Expr::Compare(_) | Expr::BinOp(_) | Expr::Call(_) | Expr::UnaryOp(_)
            )
            .then_some(())
            .filter(|()| keeps_rows_passing(&subscript.slice, name))
            .map(|()| &*loc.value)
        }
        // `df[["Entity"] + [c for c in df.columns if c != "Entity"]]`: the same columns, some
        // moved to the front (or the end), in the same order again.
        Expr::Subscript(subscript)
            if matches!(&*subscript.value, Expr::Name(frame) if frame.id.as_str() == name)
                && moves_columns(&subscript.slice, name) =>
        {
            Some(&*subscript.value)
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
                // `df[df["frequency"] > 3]`: the rows that pass a fixed test all pass it again.
                mask @ (Expr::Compare(_) | Expr::BinOp(_) | Expr::Call(_) | Expr::UnaryOp(_)) => {
                    keeps_rows_passing(mask, name)
                }
                Expr::List(columns) => literal_columns(columns),
                part => keeps_an_end(part, name),
            };
            kept.then_some(&*subscript.value)
        }
        // `[n for n in numbers if len(factors(n)) >= 2]`: the items that pass a test of their
        // own all pass it again.
        Expr::ListComp(comprehension) => keeps_items_passing(comprehension, name),
        _ => None,
    }
}

/// The name a statement `call` changes in place the same way again when it runs again on
/// its own result: `df.sort_values("a", inplace=True)`, `df.dropna(inplace=True)` (a method
/// of [`IDEMPOTENT_METHODS`] given `inplace=True`), a list's `rows.sort()`; with arguments
/// that do not read the name.
pub(super) fn reapplied_in_place(call: &ast::ExprCall) -> Option<&str> {
    let Expr::Attribute(method) = &*call.func else {
        return None;
    };
    let Expr::Name(receiver) = &*method.value else {
        return None;
    };
    let name = receiver.id.as_str();
    let in_place = is_inplace(call);
    let idempotent = match method.attr.id.as_str() {
        "sort" => call.arguments.args.is_empty(),
        "reset_index" => in_place && passes_true(call, "drop"),
        method => in_place && IDEMPOTENT_METHODS.contains(&method),
    };
    (idempotent
        && leaves_alone(call.arguments.args.iter(), name)
        && leaves_alone(
            call.arguments.keywords.iter().map(|keyword| &keyword.value),
            name,
        ))
    .then_some(name)
}

/// Whether `call`, a `replace` method, replaces literals with values that leave nothing more
/// to replace: `s.replace("|", "")`, `df.replace("?", np.nan)`, `df.replace({"|": ""},
/// regex=True)`. A text of more than one character replaced with another text may form a new
/// match (`"aabb".replace("ab", "")`), so only a frame's whole-value replacement by a
/// missing value or a number may replace one.
fn replaces_for_good(call: &ast::ExprCall) -> bool {
    let pairs: Vec<(&Expr, &Expr)> = match &*call.arguments.args {
        [old, new] => vec![(old, new)],
        [Expr::Dict(dict)] => dict
            .items
            .iter()
            .map(|item| item.key.as_ref().map(|key| (key, &item.value)))
            .collect::<Option<_>>()
            .unwrap_or_default(),
        _ => return false,
    };
    let keywords_fine = call.arguments.keywords.iter().all(|keyword| {
        keyword_named(keyword, &["regex"]) && matches!(keyword.value, Expr::BooleanLiteral(_))
    });
    keywords_fine
        && !pairs.is_empty()
        && pairs.iter().all(|(old, new)| {
            let Expr::StringLiteral(old) = old else {
                return false;
            };
            let old = old.value.to_str();
            let single = old.chars().count() == 1;
            match new {
                Expr::StringLiteral(new) => single && !new.value.to_str().contains(old),
                Expr::NoneLiteral(_) | Expr::NumberLiteral(_) => !old.is_empty(),
                Expr::Attribute(missing) => {
                    !old.is_empty()
                        && matches!(missing.attr.id.as_str(), "nan" | "NaN" | "NA")
                        && matches!(&*missing.value, Expr::Name(module)
                            if MODULES.contains(&module.id.as_str()))
                }
                _ => false,
            }
        })
}

/// Whether `call`, a `rename` method, renames a frame's columns or rows with a dict of texts
/// none of whose new names is an old one: `df.rename(columns={"Total": "co2"})`,
/// `df.rename({"a": "b"}, axis=1)`. pandas skips a name that is no longer there, so a second
/// run changes nothing; `{"a": "b", "b": "c"}` would rename again. Only with `columns=`,
/// `index=` or `axis=`, which are pandas': xarray's `rename({..})` raises for a missing name.
fn renames_for_good(call: &ast::ExprCall) -> bool {
    let mut mappings: Vec<&Expr> = call.arguments.args.iter().collect();
    let mut pandas = false;
    for keyword_argument in &call.arguments.keywords {
        match keyword_argument.arg.as_ref().map(ast::Identifier::as_str) {
            Some("columns" | "index") => {
                pandas = true;
                mappings.push(&keyword_argument.value);
            }
            Some("axis") => {
                pandas = true;
                if !matches!(
                    keyword_argument.value,
                    Expr::NumberLiteral(_) | Expr::StringLiteral(_)
                ) {
                    return false;
                }
            }
            Some("errors") => {}
            _ => return false,
        }
    }
    if !pandas || mappings.len() != 1 || call.arguments.args.len() > 1 {
        return false;
    }
    let Expr::Dict(dict) = mappings[0] else {
        return false;
    };
    let mut old_names = Vec::new();
    let mut new_names = Vec::new();
    for item in &dict.items {
        let (Some(Expr::StringLiteral(old)), Expr::StringLiteral(new)) = (&item.key, &item.value)
        else {
            return false;
        };
        old_names.push(old.value.to_str());
        new_names.push(new.value.to_str());
    }
    !old_names.is_empty() && !new_names.iter().any(|new| old_names.contains(new))
}

/// What `call`, an aggregation `method` that gives back a bin's one value (`mean`,
/// `median`, `min`, `max`, `first`, `last`, `sum`), applies to, when it is taken of a
/// `resample` with literal arguments: `ds.resample(time="2d").mean("time")`,
/// `df.resample("M").last()`. Applied again, each bin holds one value already. Not `count`
/// or `std`, which make something else of one value.
fn resampled_by_one_value<'a>(
    call: &'a ast::ExprCall,
    method: &'a ast::ExprAttribute,
) -> Option<&'a Expr> {
    let literal = |expr: &Expr| {
        matches!(
            expr,
            Expr::StringLiteral(_) | Expr::NumberLiteral(_) | Expr::BooleanLiteral(_)
        )
    };
    let literal_arguments = |arguments: &ast::Arguments| {
        arguments.args.iter().all(literal)
            && arguments
                .keywords
                .iter()
                .all(|keyword| keyword.arg.is_some() && literal(&keyword.value))
    };
    let Expr::Call(resample) = &*method.value else {
        return None;
    };
    let Expr::Attribute(resample_method) = &*resample.func else {
        return None;
    };
    (matches!(
        method.attr.id.as_str(),
        "mean" | "median" | "min" | "max" | "first" | "last" | "sum"
    ) && resample_method.attr.id.as_str() == "resample"
        && !resample.arguments.is_empty()
        && literal_arguments(&resample.arguments)
        && literal_arguments(&call.arguments))
    .then_some(&*resample_method.value)
}

/// Whether `keyword` is one of `names` (not a `**kwargs` spread).
fn keyword_named(keyword: &ast::Keyword, names: &[&str]) -> bool {
    keyword
        .arg
        .as_ref()
        .is_some_and(|arg| names.contains(&arg.as_str()))
}

/// Whether `call`, a `filter` method, keeps what passes a fixed test: a function written in
/// place (Hugging Face datasets' `ds.filter(lambda x: x["label"] is not None)`, also as
/// `function=`), or columns chosen by label (pandas' `df.filter(items=[..])`, `like=`,
/// `regex=`). What passed passes again. Not a filter given an object or a name (PIL's
/// `img.filter(ImageFilter.BLUR)` blurs again, ObsPy's `st.filter("bandpass", ..)` filters
/// again).
fn filters_for_good(call: &ast::ExprCall, name: &str) -> bool {
    let test = match (&*call.arguments.args, &*call.arguments.keywords) {
        ([test @ Expr::Lambda(_)], []) => test,
        ([], [keyword]) if keyword_named(keyword, &["function"]) => &keyword.value,
        ([], keywords)
            if !keywords.is_empty()
                && keywords
                    .iter()
                    .all(|keyword| keyword_named(keyword, &["items", "like", "regex", "axis"]))
                && keywords.iter().all(|keyword| {
                    matches!(
                        keyword.value,
                        Expr::List(_)
                            | Expr::Tuple(_)
                            | Expr::StringLiteral(_)
                            | Expr::NumberLiteral(_)
                    )
                }) =>
        {
            return leaves_alone(keywords.iter().map(|keyword| &keyword.value), name);
        }
        _ => return false,
    };
    matches!(test, Expr::Lambda(_)) && leaves_alone(std::iter::once(test), name)
}

/// What a merge on every shared column applies to, when it merges `name` with values that do
/// not read it: pandas' `pd.merge(df, other)`, `pd.merge(other, df, how="left")`,
/// `df.merge(other, how="outer")`, with no `on=` (so every shared column is a key: merged
/// again, each row finds the row it came from, and pandas matches missing keys too), and
/// xarray's `xr.merge([ds, mask])` (the same variables again, no conflict).
fn merges_for_good<'a>(
    call: &'a ast::ExprCall,
    receiver: &'a Expr,
    name: &str,
) -> Option<&'a Expr> {
    let is_name = |expr: &Expr| matches!(expr, Expr::Name(found) if found.id.as_str() == name);
    let how_only = call.arguments.keywords.iter().all(|keyword| {
        keyword_named(keyword, &["how"]) && matches!(keyword.value, Expr::StringLiteral(_))
    });
    let module = match receiver {
        Expr::Name(module) => Some(module.id.as_str()),
        _ => None,
    };
    let the_name_and_others = |values: &'a [Expr]| -> Option<&'a Expr> {
        let mut found = values.iter().filter(|value| is_name(value));
        let operand = found.next()?;
        (found.next().is_none()
            && leaves_alone(values.iter().filter(|value| !is_name(value)), name))
        .then_some(operand)
    };
    match (module, &*call.arguments.args) {
        (Some("pd" | "pandas"), values @ [_, _]) if how_only => the_name_and_others(values),
        (Some("xr" | "xarray"), [Expr::List(list)]) if call.arguments.keywords.is_empty() => {
            the_name_and_others(&list.elts)
        }
        (_, [other]) if how_only && is_name(receiver) => {
            leaves_alone(std::iter::once(other), name).then_some(receiver)
        }
        _ => None,
    }
}

/// Whether `call`, a `where` method of `name`, keeps the values where a fixed mask holds and
/// puts a constant (or a missing value) elsewhere: `ds.where(clean_mask)`, `x.where(x > 0,
/// 0)`, `x.where(~np.isnan(x), 0)`. Applied again, the kept values are kept and the constant
/// stays. The mask reads nothing of `name` but element by element tests of its values.
fn masks_for_good(call: &ast::ExprCall, name: &str) -> bool {
    let (mask, other) = match (&*call.arguments.args, &*call.arguments.keywords) {
        ([mask], []) => (mask, None),
        ([mask, other], []) => (mask, Some(other)),
        ([mask], [keyword])
            if keyword
                .arg
                .as_ref()
                .is_some_and(|arg| arg.as_str() == "other") =>
        {
            (mask, Some(&keyword.value))
        }
        _ => return false,
    };
    let constant = other.is_none_or(|other| match other {
        Expr::NumberLiteral(_) | Expr::NoneLiteral(_) | Expr::BooleanLiteral(_) => true,
        Expr::UnaryOp(negative) => matches!(&*negative.operand, Expr::NumberLiteral(_)),
        Expr::Attribute(missing) => {
            matches!(missing.attr.id.as_str(), "nan" | "NaN" | "NA")
                && matches!(&*missing.value, Expr::Name(module)
                    if MODULES.contains(&module.id.as_str()))
        }
        _ => false,
    });
    constant && (leaves_alone(std::iter::once(mask), name) || tests_each_value(mask, name))
}

/// Whether `mask` tests each value of `name` on its own against constants: `x > 0`, `~np.isnan(x)`,
/// `x.notnull()`, `(x >= 0) & (x < 1)`.
fn tests_each_value(mask: &Expr, name: &str) -> bool {
    let is_name = |expr: &Expr| matches!(expr, Expr::Name(found) if found.id.as_str() == name);
    match mask {
        Expr::UnaryOp(not) if matches!(not.op, ast::UnaryOp::Invert | ast::UnaryOp::Not) => {
            tests_each_value(&not.operand, name)
        }
        Expr::BinOp(both) if matches!(both.op, ast::Operator::BitAnd | ast::Operator::BitOr) => {
            tests_each_value(&both.left, name) && tests_each_value(&both.right, name)
        }
        Expr::Compare(compare) => {
            is_name(&compare.left)
                && compare.comparators.iter().all(|bound| {
                    matches!(bound, Expr::NumberLiteral(_) | Expr::BooleanLiteral(_))
                        || matches!(bound, Expr::UnaryOp(negative)
                            if matches!(&*negative.operand, Expr::NumberLiteral(_)))
                })
        }
        Expr::Call(test) if test.arguments.keywords.is_empty() => match &*test.func {
            // `x.notnull()`, `x.isnull()`.
            Expr::Attribute(method) if test.arguments.args.is_empty() => {
                is_name(&method.value)
                    && matches!(
                        method.attr.id.as_str(),
                        "isnull" | "notnull" | "isna" | "notna"
                    )
            }
            // `np.isnan(x)`, `np.isfinite(x)`.
            Expr::Attribute(function) => {
                matches!(&*function.value, Expr::Name(module)
                    if MODULES.contains(&module.id.as_str()))
                    && matches!(
                        function.attr.id.as_str(),
                        "isnan" | "isfinite" | "isinf" | "isnull" | "notnull" | "isna" | "notna"
                    )
                    && matches!(&*test.arguments.args, [value] if is_name(value))
            }
            _ => false,
        },
        _ => false,
    }
}

/// Whether `columns` is a non-empty list of literal column names (`["a", "b"]`, `[0, 2]`).
fn literal_columns(columns: &ast::ExprList) -> bool {
    !columns.elts.is_empty()
        && columns
            .elts
            .iter()
            .all(|column| matches!(column, Expr::StringLiteral(_) | Expr::NumberLiteral(_)))
}

/// Whether `selection`, subscripting `name`, lists literal columns and then every other
/// column of `name` in order, or the other way round: `["Entity"] + [c for c in df.columns
/// if c != "Entity"]`. Each literal must be left out of the comprehension, by `c != "a"` or
/// `c not in ["a", ..]` (joined by `and`).
fn moves_columns(selection: &Expr, name: &str) -> bool {
    let Expr::BinOp(sum) = selection else {
        return false;
    };
    if sum.op != ast::Operator::Add {
        return false;
    }
    let ((Expr::List(moved), Expr::ListComp(rest)) | (Expr::ListComp(rest), Expr::List(moved))) =
        (&*sum.left, &*sum.right)
    else {
        return false;
    };
    let moved: Option<Vec<&str>> = moved
        .elts
        .iter()
        .map(|column| match column {
            Expr::StringLiteral(text) => Some(text.value.to_str()),
            _ => None,
        })
        .collect();
    let Some(moved) = moved else {
        return false;
    };
    let [generator] = &*rest.generators else {
        return false;
    };
    let Expr::Name(column) = &generator.target else {
        return false;
    };
    let column = column.id.as_str();
    let over_columns = match &generator.iter {
        Expr::Attribute(columns) => {
            columns.attr.id.as_str() == "columns"
                && matches!(&*columns.value, Expr::Name(frame) if frame.id.as_str() == name)
        }
        _ => false,
    };
    let mut left_out: Vec<&str> = Vec::new();
    let mut tests: Vec<&Expr> = generator.ifs.iter().collect();
    while let Some(test) = tests.pop() {
        match test {
            Expr::BoolOp(both) if both.op == ast::BoolOp::And => tests.extend(&both.values),
            Expr::Compare(compare) if matches!(&*compare.left, Expr::Name(found) if found.id.as_str() == column) => {
                match (&*compare.ops, &*compare.comparators) {
                    ([ast::CmpOp::NotEq], [Expr::StringLiteral(text)]) => {
                        left_out.push(text.value.to_str());
                    }
                    ([ast::CmpOp::NotIn], [Expr::List(ast::ExprList { elts, .. })])
                    | ([ast::CmpOp::NotIn], [Expr::Tuple(ast::ExprTuple { elts, .. })]) => {
                        for element in elts {
                            if let Expr::StringLiteral(text) = element {
                                left_out.push(text.value.to_str());
                            }
                        }
                    }
                    _ => return false,
                }
            }
            _ => return false,
        }
    }
    over_columns
        && !generator.is_async
        && matches!(&*rest.elt, Expr::Name(element) if element.id.as_str() == column)
        && !moved.is_empty()
        && moved.iter().all(|moved| left_out.contains(moved))
}

/// What a comprehension keeps the items of, when it keeps the items of `name` that pass a
/// test of their own, as they are: `[n for n in numbers if len(factors(n)) >= 2]`. The test
/// is [`repeatable`] (it draws nothing at random) and reads nothing of `name`.
fn keeps_items_passing<'a>(comprehension: &'a ast::ExprListComp, name: &str) -> Option<&'a Expr> {
    let [generator] = &*comprehension.generators else {
        return None;
    };
    let Expr::Name(item) = &generator.target else {
        return None;
    };
    (matches!(&generator.iter, Expr::Name(items) if items.id.as_str() == name)
        && !generator.is_async
        && !generator.ifs.is_empty()
        && matches!(&*comprehension.elt, Expr::Name(element) if element.id == item.id)
        && leaves_alone(generator.ifs.iter(), name))
    .then_some(&generator.iter)
}

/// What `re.sub(pattern, replacement, text)` applies to, when the replacement is a plain
/// text (no group references) the pattern does not match: `re.sub(r"<br />", " ", s)`,
/// `re.sub(r"[^a-z ]", "", s)`, run on its own result, finds nothing more to replace.
fn substitutes_for_good<'a>(call: &'a ast::ExprCall, name: &str) -> Option<&'a Expr> {
    let [
        Expr::StringLiteral(pattern),
        Expr::StringLiteral(replacement),
        text,
    ] = &*call.arguments.args
    else {
        return None;
    };
    let replacement = replacement.value.to_str();
    if replacement.contains('\\')
        || !leaves_alone(
            call.arguments.keywords.iter().map(|keyword| &keyword.value),
            name,
        )
        || call.arguments.keywords.iter().any(|keyword| {
            keyword
                .arg
                .as_ref()
                .is_none_or(|arg| arg.as_str() != "flags")
        })
    {
        return None;
    }
    let pattern = regex::Regex::new(pattern.value.to_str()).ok()?;
    (!pattern.is_match(replacement)).then_some(text)
}

/// Whether `mask`, subscripting `name`, keeps the rows of `name` that pass a test of their
/// own values against constants (`df["frequency"] > 3`, `(df.a == "x") & (df.b < 2)`): the
/// rows kept all pass it again. Not a test against something computed from `name` (`df.a >
/// df.a.mean()`), which moves as rows go.
fn keeps_rows_passing(mask: &Expr, name: &str) -> bool {
    match mask {
        // `~df["a"].isna()`.
        Expr::UnaryOp(not) if matches!(not.op, ast::UnaryOp::Invert | ast::UnaryOp::Not) => {
            keeps_rows_passing(&not.operand, name)
        }
        // `df["p1"].isin(traits)`, `df.a.between(0, 10)`, `df["b"].notna()`: a test of a
        // column's own values against what does not read the frame.
        Expr::Call(call) => {
            let Expr::Attribute(test) = &*call.func else {
                return false;
            };
            let column = match &*test.value {
                Expr::Subscript(column) => {
                    matches!(&*column.slice, Expr::StringLiteral(_)).then_some(&*column.value)
                }
                Expr::Attribute(column) => Some(&*column.value),
                _ => None,
            };
            matches!(
                test.attr.id.as_str(),
                "isin" | "between" | "notna" | "notnull" | "isna" | "isnull"
            ) && column.is_some_and(
                |frame| matches!(frame, Expr::Name(frame) if frame.id.as_str() == name),
            ) && call
                .arguments
                .keywords
                .iter()
                .all(|keyword| keyword.arg.is_some())
                && leaves_alone(call.arguments.args.iter(), name)
                && leaves_alone(
                    call.arguments.keywords.iter().map(|keyword| &keyword.value),
                    name,
                )
        }
        Expr::BinOp(both) if matches!(both.op, ast::Operator::BitAnd | ast::Operator::BitOr) => {
            keeps_rows_passing(&both.left, name) && keeps_rows_passing(&both.right, name)
        }
        Expr::Compare(compare) => {
            let column = match &*compare.left {
                Expr::Subscript(column) => {
                    matches!(&*column.slice, Expr::StringLiteral(_)).then_some(&*column.value)
                }
                Expr::Attribute(column) => Some(&*column.value),
                // `x[x > 0]`, of an array.
                whole @ Expr::Name(_) => Some(whole),
                _ => None,
            };
            column.is_some_and(
                |frame| matches!(frame, Expr::Name(frame) if frame.id.as_str() == name),
            ) && !compare.ops.iter().any(|op| {
                matches!(
                    op,
                    ast::CmpOp::In | ast::CmpOp::NotIn | ast::CmpOp::Is | ast::CmpOp::IsNot
                )
            }) && compare.comparators.iter().all(|bound| {
                matches!(
                    bound,
                    Expr::NumberLiteral(_) | Expr::StringLiteral(_) | Expr::BooleanLiteral(_)
                ) || matches!(bound, Expr::UnaryOp(negative)
                        if matches!(&*negative.operand, Expr::NumberLiteral(_)))
            })
        }
        _ => false,
    }
}

/// Whether `expression` holds the string literal `text` anywhere.
fn mentions_text(expression: &Expr, text: &str) -> bool {
    struct Finder<'t> {
        text: &'t str,
        found: bool,
    }
    impl<'a> Visitor<'a> for Finder<'_> {
        fn visit_expr(&mut self, expression: &'a Expr) {
            if let Expr::StringLiteral(literal) = expression
                && literal.value.to_str() == self.text
            {
                self.found = true;
            }
            visitor::walk_expr(self, expression);
        }
    }
    let mut finder = Finder { text, found: false };
    finder.visit_expr(expression);
    finder.found
}

/// Whether `expression` is the column `column` cast to a type: `F.col("c").cast(..)`,
/// `col("c").cast(..)`.
fn casts_column(expression: &Expr, column: &str) -> bool {
    let Expr::Call(cast) = expression else {
        return false;
    };
    let Expr::Attribute(method) = &*cast.func else {
        return false;
    };
    let Expr::Call(select) = &*method.value else {
        return false;
    };
    method.attr.id.as_str() == "cast"
        && (matches!(&*select.func, Expr::Name(function) if function.id.as_str() == "col")
            || matches!(&*select.func, Expr::Attribute(function) if function.attr.id.as_str() == "col"))
        && matches!(&*select.arguments.args, [Expr::StringLiteral(name)] if name.value.to_str() == column)
}

/// Whether `argument` names columns by literals: a string, or a starred list, tuple or name
/// (`*["a", "b"]`, `*new_names`) other than `name`.
fn names_columns(argument: &Expr, name: &str) -> bool {
    match argument {
        Expr::StringLiteral(_) => true,
        Expr::Starred(starred) => match &*starred.value {
            Expr::List(ast::ExprList { elts, .. }) | Expr::Tuple(ast::ExprTuple { elts, .. }) => {
                elts.iter()
                    .all(|element| matches!(element, Expr::StringLiteral(_)))
            }
            Expr::Name(names) => names.id.as_str() != name,
            _ => false,
        },
        _ => false,
    }
}

/// Modules whose functions of [`IDEMPOTENT_FUNCTIONS`] are meant (`np.unique(x)`,
/// `pd.to_datetime(s)`), as notebooks usually import them.
const MODULES: &[&str] = &["jnp", "np", "numpy", "onp", "pd", "pandas", "torch"];

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
            "df.head(1000)",
            "x.squeeze()",
            "np.squeeze(x)",
            "x.replace('|', '')",
            "df.replace('?', np.nan)",
            "df.replace({'|': ''}, regex=True)",
            "df[df['frequency'] > 3]",
            "x[x > 0]",
            "x.expanduser()",
            "x.asfreq('D').bfill()",
            "x.str.lower()",
            "x.wrl.georef.georeference()",
            "np.maximum(x, 0)",
            "re.sub(r'<br />', ' ', x)",
            "re.sub(r'[^a-z ]', '', x)",
            "re.sub(r\"can\\'t\", 'cannot', x)",
            "df[(df.kind == 'cat') & (df['age'] < 10)]",
            "df[df['p1'].isin(traits) & ~df['p2'].isna()]",
            "df.loc[df['p1'].isin(traits) | (df['p2'] > 0)]",
            "x.eval()",
            "x.rio.write_crs('EPSG:4326')",
            "x.rio.reproject_match(other)",
            "x.assign_coords({'x': other.x})",
            "x.to_crs(epsg=3857)",
            "df.toDF(*['a', 'b'])",
            "df.toDF(*names)",
            "df.select('a', 'b')",
            "df.withColumnRenamed('a', 'b')",
            "df.withColumn('c', F.col('a') + F.col('b'))",
            "df.withColumn('c', F.col('c').cast(IntegerType()))",
            "df.distinct()",
            "df.rename(columns={'Total': 'co2', 'Fossil': 'fossil_co2'})",
            "df.rename({'a': 'b'}, axis=1)",
            "df.loc[:, ['Year', 'co2']]",
            "df[['Entity'] + [c for c in df.columns if c != 'Entity']]",
            "df[[c for c in df.columns if c not in ['a', 'b']] + ['a', 'b']]",
            "x.where(clean_mask)",
            "x.where(~np.isnan(x), 0)",
            "x.where(x > 0, other=np.nan)",
            "x.where(mask).persist()",
            "[n for n in x if len(factors(n)) >= 2]",
            "pd.merge(x, population)",
            "pd.merge(grid, x, how='left')",
            "x.merge(other, how='outer')",
            "xr.merge([x, mask])",
            "x.resample(time='2d').mean('time')",
            "x.resample('M').last()",
            "x.filter(lambda e: e['condition'] is not None)",
            "x.filter(function=lambda e: len(e['review']) > 30)",
            "x.filter(items=['a', 'b'])",
            "x.filter(like='_mean', axis=1)",
            "x.cast_column('audio', Audio(sampling_rate=16000))",
            "x.resample(time='2d').mean('time').dropna('time', how='all').persist()",
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
            "x[x > x.mean()]",
            "x[y > 0]",
            "np.squeeze(x, axis=1)",
            "x.replace('ab', '')",
            "x.replace('a', 'aa')",
            "x.replace(old, new)",
            "re.sub(r'a', 'aa', x)",
            "re.sub(r'(a)(b)', r'\\2\\1', x)",
            "re.sub(p, '', x)",
            "np.log(x)",
            "json.loads(x)",
            "x.eval('a = a * 2')",
            "x.select(F.col('a') * 2)",
            "x.withColumn('a', F.col('a') * 2)",
            "x.withColumn('a', F.col('b') + x.count())",
            "x.loc[x['a'] > x['a'].mean()]",
            "x[x['a'].isin(x['b'])]",
            "x.rename(columns={'a': 'b', 'b': 'c'})",
            "x.rename({'a': 'b'})",
            "x.rename(columns=str.lower)",
            "x.where(x > x.mean())",
            "x.where(mask, x * 2)",
            "x.where(x > 0, y)",
            "x[['a'] + [c for c in x.columns if c != 'b']]",
            "x[['a'] + [c.upper() for c in x.columns if c != 'a']]",
            "[n for n in x if n > len(x)]",
            "[n for n in x if random.random() > 0.5]",
            "[n * 2 for n in x if n > 0]",
            "pd.merge(x, population, on='Year')",
            "pd.merge(x, x)",
            "x.merge(other, left_on='a', right_on='b')",
            "xr.merge([x, x * 2])",
            "x.resample('M').count()",
            "x.resample(freq).mean()",
            "x.rolling(3).mean()",
            "x.filter(ImageFilter.BLUR)",
            "x.filter('bandpass', freqmin=1, freqmax=5)",
            "x.filter(lambda e: e['a'] > len(x))",
            "x.filter(keep)",
        ] {
            assert!(!idempotent(source, "x"), "{source}");
        }
    }

    /// The names a cell's code only re-applies idempotent operations to.
    fn reapplied(source: &str) -> Vec<String> {
        let parsed = ruff_python_parser::parse_module(source).expect("test cells parse");
        super::reapplied_names(&parsed.syntax().body)
    }

    #[test]
    fn guarded_fixes_and_row_filters_are_reapplied() {
        assert_eq!(
            reapplied(
                "if dsm.rio.crs is None:\n    dsm = dsm.rio.write_crs('EPSG:32613')\n\
                 if dsm.shape != dtm.shape:\n    print(dsm.shape)\n    dsm = dsm.rio.reproject_match(dtm)\n\
                 chm = dsm - dtm"
            ),
            ["dsm"]
        );
        assert_eq!(
            reapplied("s = s[s['price'] < 100]\ns = s[s['count'] <= 10]\nprint(len(s))"),
            ["s"]
        );
        assert_eq!(reapplied("model = model.eval()"), ["model"]);
    }

    #[test]
    fn reads_before_changes_and_unguarded_pairs_are_not_reapplied() {
        for source in [
            // Read before the binding, outside a test.
            "print(len(df))\ndf = df.dropna()",
            // Changed in place as well.
            "df = df.dropna()\ndf['c'] = 1",
            "df = df.dropna()\ndf.fillna(0, inplace=True)",
            // Bound otherwise too.
            "df = df.dropna()\ndf = df * 2",
            "if df.a.max() > 1:\n    df = df / 255",
            // Two operations that need not give their result back together.
            "x = x.T.reshape(3, 1)\nx = x.squeeze()",
            "x = x.reshape(3, 1)\nx = x.squeeze()",
            // Rebound in a loop.
            "x = x.dropna()\nfor x in xs:\n    pass",
        ] {
            assert!(reapplied(source).is_empty(), "{source}");
        }
    }

    #[test]
    fn conversions_keep_the_content_and_chains_give_their_result_back() {
        let gives = |source: &str| {
            let parsed = parse_expression(source).expect("parses");
            operand(parsed.expr(), "x").map(|(found, gives)| {
                (
                    matches!(found, Expr::Name(found) if found.id.as_str() == "x"),
                    gives,
                )
            })
        };
        for source in [
            "np.array(x)",
            "pd.Series(x)",
            "torch.tensor(x)",
            "x.to(device)",
            "x.to('cuda:0')",
            "x.detach().cpu()",
            "np.asarray(x).cuda()",
            "x.astype(np.float32)",
            "x.astype('float64')",
            "tf.cast(x, tf.float32)",
            "tf.cast(x, dtype=tf.float32)",
        ] {
            assert_eq!(gives(source), Some((true, Gives::Conversion)), "{source}");
        }
        for source in [
            "np.array(x).reshape(-1, 28, 28, 1)",
            "x.to(torch.float16)",
            "x.astype(int)",
            "x.astype(np.float16)",
            "tf.cast(x, tf.int64)",
            "np.array(x, dtype=int)",
            "x.dropna().reset_index(drop=True)",
            "x.detach().cpu().float()",
        ] {
            assert_eq!(gives(source), Some((true, Gives::Idempotent)), "{source}");
        }
        assert_eq!(gives("x.numpy()"), None);
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
            "x.persist()",
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
        for source in ["x.load(\"stage-1\")", "x.compute()"] {
            let parsed = parse_expression(source).expect("parses");
            assert!(operand(parsed.expr(), "x").is_none(), "{source}");
        }
        // sklearn's `clone(model)` gives an unfitted model, not an equal one.
        let parsed = parse_expression("clone(x)").expect("parses");
        assert!(operand(parsed.expr(), "x").is_none());
    }
}

/// The names a cell only re-applies operations to that give their result back ([`operand`]):
/// every binding of the name in the cell's top-level code, or in the branches of its
/// top-level `if`s, applies such an operation to the name's own value; nothing else in the
/// cell binds or changes it; and the cell reads it otherwise only in `if` tests, in branches
/// whose test reads it, or after a binding. A guarded fix (`if dsm.rio.crs is None: dsm =
/// dsm.rio.write_crs(..)`), or a run of row filters (`sales = sales[sales.price < 1e5]`,
/// `sales = sales[sales.count <= 1000]`): running the cell again on what it left leaves the
/// same value. With more than one binding, each must sit under a test that reads the name
/// or keep rows or an end by a subscript (two other operations need not give their result
/// back together: `x.T.reshape(..)`).
pub(super) fn reapplied_names(body: &[Stmt]) -> Vec<String> {
    let mut candidates: Vec<&str> = Vec::new();
    collect_reapplied(body, &mut candidates);
    candidates.sort_unstable();
    candidates.dedup();
    candidates
        .into_iter()
        .filter(|name| {
            let mut state = Reapplied::default();
            state.check(body, name, false) && state.bindings > 0 && state.fine_together()
        })
        .map(str::to_owned)
        .collect()
}

/// The names bound by `name = <operation>(name)` in `body` or its `if` branches.
fn collect_reapplied<'a>(body: &'a [Stmt], names: &mut Vec<&'a str>) {
    for statement in body {
        match statement {
            Stmt::Assign(assign) => {
                if let [Expr::Name(target)] = &*assign.targets
                    && reapplies(&assign.value, target.id.as_str())
                {
                    names.push(target.id.as_str());
                }
            }
            Stmt::If(branch) => {
                collect_reapplied(&branch.body, names);
                for clause in &branch.elif_else_clauses {
                    collect_reapplied(&clause.body, names);
                }
            }
            _ => {}
        }
    }
}

/// Whether `value` applies to `name`'s own value an operation that gives its result back.
fn reapplies(value: &Expr, name: &str) -> bool {
    operand(value, name).is_some_and(
        |(operand, _)| matches!(operand, Expr::Name(operand) if operand.id.as_str() == name),
    )
}

/// What [`reapplied_names`] found of one name so far.
#[derive(Default)]
struct Reapplied {
    bindings: usize,
    /// Bindings under no test that reads the name and not by a subscript.
    unguarded_operations: usize,
    bound: bool,
}

impl Reapplied {
    fn fine_together(&self) -> bool {
        self.bindings == 1 || self.unguarded_operations == 0
    }

    fn check(&mut self, body: &[Stmt], name: &str, guarded: bool) -> bool {
        for statement in body {
            match statement {
                Stmt::Assign(assign) if matches!(&*assign.targets, [Expr::Name(target)] if target.id.as_str() == name) =>
                {
                    if !reapplies(&assign.value, name) {
                        return false;
                    }
                    self.bindings += 1;
                    if !guarded && !matches!(&*assign.value, Expr::Subscript(_)) {
                        self.unguarded_operations += 1;
                    }
                    self.bound = true;
                }
                Stmt::If(branch) => {
                    let mut tested = NameActivity::of_expr(&branch.test, name).reads;
                    if !self.check(&branch.body, name, guarded || tested) {
                        return false;
                    }
                    for clause in &branch.elif_else_clauses {
                        if let Some(test) = &clause.test {
                            tested |= NameActivity::of_expr(test, name).reads;
                        }
                        if !self.check(&clause.body, name, guarded || tested) {
                            return false;
                        }
                    }
                }
                other => {
                    let activity = NameActivity::of_stmt(other, name);
                    if activity.changes || (activity.reads && !guarded && !self.bound) {
                        return false;
                    }
                }
            }
        }
        true
    }
}

/// Statement-level methods that show or save a value and leave it as it is
/// (`df.head()`, `dsm.rio.to_raster(path)`, `ax.plot(..)`).
const SHOWS_OR_SAVES: &[&str] = &[
    "describe",
    "head",
    "hist",
    "imshow",
    "info",
    "plot",
    "print",
    "show",
    "summary",
    "tail",
    "to_csv",
    "to_file",
    "to_netcdf",
    "to_parquet",
    "to_raster",
];

/// How a statement or expression touches one name: reads it, or binds or changes it.
#[derive(Default)]
struct NameActivity<'n> {
    name: &'n str,
    reads: bool,
    changes: bool,
}

impl<'n> NameActivity<'n> {
    fn of_expr(expression: &Expr, name: &'n str) -> Self {
        let mut activity = Self {
            name,
            ..Self::default()
        };
        activity.visit_expr(expression);
        activity
    }

    fn of_stmt(statement: &Stmt, name: &'n str) -> Self {
        let mut activity = Self {
            name,
            ..Self::default()
        };
        // `df.fillna(0, inplace=True)`, `rows.append(x)`: a method called for its effect may
        // change the value, unless it shows or saves it.
        if let Stmt::Expr(expression) = statement
            && let Expr::Call(call) = &*expression.value
            && let Expr::Attribute(method) = &*call.func
            && root_name(&method.value) == Some(name)
            && !SHOWS_OR_SAVES.contains(&method.attr.id.as_str())
        {
            activity.changes = true;
        }
        if matches!(
            statement,
            Stmt::FunctionDef(_) | Stmt::ClassDef(_) | Stmt::Import(_) | Stmt::ImportFrom(_)
        ) {
            // A definition or import binds its own name, which must not be this one.
            activity.changes = match statement {
                Stmt::FunctionDef(function) => function.name.id.as_str() == name,
                Stmt::ClassDef(class) => class.name.id.as_str() == name,
                Stmt::Import(import) => import.names.iter().any(|alias| {
                    alias.asname.as_ref().map_or_else(
                        || alias.name.id.split('.').next() == Some(name),
                        |asname| asname.id.as_str() == name,
                    )
                }),
                Stmt::ImportFrom(import) => import
                    .names
                    .iter()
                    .any(|alias| alias.asname.as_ref().unwrap_or(&alias.name).id.as_str() == name),
                _ => false,
            } || activity.changes;
        }
        activity.visit_stmt(statement);
        activity
    }
}

impl<'a> Visitor<'a> for NameActivity<'_> {
    fn visit_stmt(&mut self, statement: &'a Stmt) {
        match statement {
            Stmt::AugAssign(assign) if root_name(&assign.target) == Some(self.name) => {
                self.changes = true;
            }
            Stmt::Assign(assign)
                if assign.targets.iter().any(|target| {
                    !matches!(target, Expr::Name(_)) && root_name(target) == Some(self.name)
                }) =>
            {
                self.changes = true;
            }
            Stmt::Delete(delete)
                if delete
                    .targets
                    .iter()
                    .any(|target| root_name(target) == Some(self.name)) =>
            {
                self.changes = true;
            }
            _ => {}
        }
        visitor::walk_stmt(self, statement);
    }

    fn visit_expr(&mut self, expression: &'a Expr) {
        match expression {
            Expr::Name(found) if found.id.as_str() == self.name => {
                if found.ctx.is_load() {
                    self.reads = true;
                } else {
                    self.changes = true;
                }
            }
            // `df.dropna(inplace=True)` inside another expression.
            Expr::Call(call)
                if is_inplace(call)
                    && matches!(&*call.func, Expr::Attribute(method) if root_name(&method.value) == Some(self.name)) =>
            {
                self.changes = true;
                visitor::walk_expr(self, expression);
            }
            _ => visitor::walk_expr(self, expression),
        }
    }
}
