//! Values written to a file and read back: `model.save(path)` then `model =
//! load_model(path)`, `pickle.dump(m, f)` then `m = pickle.load(f)` with `f` opened on one
//! path, `df.write.parquet(path)` then `df = spark.read.parquet(path)`, and QuantConnect's
//! `qb.ObjectStore.Save(key, x)` then `x = qb.ObjectStore.Read(key)`. NB205 counts a load
//! of what a cell saved as the value saved (see [`nblint_facts::FileSave`]).
//!
//! Only the library calls below are recognised, each with where its path goes: a call whose
//! path is not a plain argument (`Booster(model_file=path)`), or that saves part of a value
//! (`df.head().to_parquet(path)`), is neither.

use ruff_python_ast::{self as ast, Expr};

use super::{dotted, first_argument};

/// Methods that write their receiver to the path given first (`model.save("m.keras")`,
/// `df.to_parquet(path)`, AnnData's `adata.write(path)`); `parquet` and `save` also on a
/// Spark writer (`df.write.parquet`).
const SAVE_METHODS: &[&str] = &[
    "save",
    // ipex-llm's low-bit models: `model.save_low_bit(path)`, `load_low_bit(path)`.
    "save_low_bit",
    "save_model",
    "save_pretrained",
    // Hugging Face datasets: `dataset.save_to_disk(path)`, `load_from_disk(path)`.
    "save_to_disk",
    "to_feather",
    "to_parquet",
    "to_pickle",
    "write",
    "write_h5ad",
];

/// Links of a Spark writer chain between a frame and its save (`df.repartition(4).write
/// .format("parquet").mode("overwrite").save(path)`): they set how, not what, it writes.
const WRITER_LINKS: &[&str] = &[
    "coalesce",
    "format",
    "mode",
    "option",
    "options",
    "partitionBy",
    "repartition",
    "write",
];

/// Functions that write their first argument to the path or file given second
/// (`pickle.dump(model, f)`, `torch.save(model, path)`), by their last two dotted segments.
/// Not `json.dump`: JSON gives back lists for tuples and strings for integer keys.
const SAVE_FUNCTIONS: &[&str] = &[
    "cloudpickle.dump",
    "dill.dump",
    "joblib.dump",
    // QuTiP's pickle of an object, `qsave(result, "data/result")`.
    "qsave",
    "qutip.qsave",
    "pickle.dump",
    "torch.save",
];

/// Functions and methods whose value is what the path or file given first holds
/// (`pickle.load(f)`, `load_model(path)`, `TabularPredictor.load(path)`,
/// `spark.read.parquet(path)`, scanpy's `sc.read(path)`), by their last segment.
const LOAD_CALLS: &[&str] = &[
    // QuantConnect's `qb.ObjectStore.Read("graph")`.
    "Read",
    "ReadBytes",
    "ReadString",
    "from_pretrained",
    "load",
    "load_from_disk",
    "load_low_bit",
    "load_model",
    "qload",
    "read",
    "read_feather",
    "read_h5ad",
    "read_parquet",
    "read_pickle",
];

/// Whether `call` is NumPy's `np.save`, which stores its value as an array.
pub(super) fn saves_an_array(call: &ast::ExprCall) -> bool {
    dotted(&call.func)
        .is_some_and(|callee| matches!(last_segments(&callee, 2), "np.save" | "numpy.save"))
}

/// The variable a call statement writes to a file and the expression saying where (a path,
/// or a file object): `model.save(path)`, `pickle.dump(model, f)`, `np.save(path, a)`.
pub(super) fn saved(call: &ast::ExprCall) -> Option<(&str, &Expr)> {
    let arguments = &call.arguments;
    // QuantConnect's key-value store: `qb.ObjectStore.Save("graph", json_graph)`.
    if let Some(callee) = dotted(&call.func)
        && matches!(
            last_segments(&callee, 2),
            "ObjectStore.Save" | "ObjectStore.SaveString" | "ObjectStore.SaveBytes"
        )
    {
        let [place, Expr::Name(value)] = &*arguments.args else {
            return None;
        };
        return Some((value.id.as_str(), place));
    }
    // A module's function first: `np.save(path, x)` and `torch.save(x, path)` write `x`, not
    // the module their method-like spelling names.
    if let Some(callee) = dotted(&call.func) {
        let last_two = last_segments(&callee, 2);
        if SAVE_FUNCTIONS.contains(&last_two) {
            let [Expr::Name(value), place, ..] = &*arguments.args else {
                return None;
            };
            return Some((value.id.as_str(), place));
        }
        // `save_model(model, path)` as a function (Keras' `tf.keras.models.save_model`,
        // `mlflow.sklearn.save_model`, pycaret's `save_model(final, "name")` and its
        // experiment's `exp.save_model(final, "name")`), not XGBoost's
        // `booster.save_model(path)`, which saves its receiver (below).
        if last_segments(&callee, 1) == "save_model"
            && let [Expr::Name(value), place, ..] = &*arguments.args
        {
            return Some((value.id.as_str(), place));
        }
        if saves_an_array(call) {
            // `np.save(path, x)`, or with the keywords `file=` and `arr=`.
            let keyword = |name: &str| {
                arguments
                    .keywords
                    .iter()
                    .find(|keyword| keyword.arg.as_ref().is_some_and(|arg| arg == name))
                    .map(|keyword| &keyword.value)
            };
            let place = arguments.args.first().or_else(|| keyword("file"))?;
            let Expr::Name(value) = arguments.args.get(1).or_else(|| keyword("arr"))? else {
                return None;
            };
            return Some((value.id.as_str(), place));
        }
    }
    if let Expr::Attribute(attribute) = &*call.func {
        let method = attribute.attr.id.as_str();
        let (receiver, through_writer) = writer_root(&attribute.value)?;
        if SAVE_METHODS.contains(&method) || (through_writer && method == "parquet") {
            return Some((
                receiver,
                first_argument(call, &["path", "filepath", "filename"])?,
            ));
        }
    }
    None
}

/// Where a value is saved as it is made, when it is an AutoGluon predictor given a `path`
/// and fitted there (`TabularPredictor(label="y", path=save_path).fit(train)`): `fit` writes
/// the fitted predictor to that folder, which `TabularPredictor.load(save_path)` reads back.
pub(super) fn saved_as_fitted(value: &Expr) -> Option<&Expr> {
    let Expr::Call(fit) = value else {
        return None;
    };
    let Expr::Attribute(method) = &*fit.func else {
        return None;
    };
    let Expr::Call(constructor) = &*method.value else {
        return None;
    };
    let class = dotted(&constructor.func)?;
    if method.attr.id.as_str() != "fit" || !last_segments(&class, 1).ends_with("Predictor") {
        return None;
    }
    constructor
        .arguments
        .find_keyword("path")
        .map(|keyword| &keyword.value)
}

/// Where the value `value` loads comes from (a path, or a file object), when it is a whole
/// load call: `load_model(path)`, `pickle.load(f)`, `spark.read.format("parquet").load(path)`.
pub(super) fn loaded(value: &Expr) -> Option<&Expr> {
    let Expr::Call(call) = value else {
        return None;
    };
    let callee = match &*call.func {
        Expr::Attribute(attribute) => attribute.attr.id.as_str(),
        Expr::Name(name) => name.id.as_str(),
        _ => return None,
    };
    let spark_reader = callee == "parquet"
        && matches!(&*call.func, Expr::Attribute(attribute) if reads_through_spark(&attribute.value));
    if !(LOAD_CALLS.contains(&callee) || spark_reader) {
        return None;
    }
    first_argument(call, &["path", "filepath", "filename", "f", "file"])
}

/// The path a file object was opened on, when `expression` is an `open(path, ..)` call.
pub(super) fn opened_path(expression: &Expr) -> Option<&Expr> {
    let Expr::Call(call) = expression else {
        return None;
    };
    let Expr::Name(function) = &*call.func else {
        return None;
    };
    if function.id.as_str() != "open" {
        return None;
    }
    first_argument(call, &["file"])
}

/// Whether the `open(..)` call `expression` opens its file for reading only: no mode, or a
/// literal one without `w`, `a`, `x` or `+` (`open(path)`, `open(path, "rb")`).
pub(super) fn opened_for_reading(expression: &Expr) -> bool {
    let Expr::Call(call) = expression else {
        return false;
    };
    let mode = call.arguments.args.get(1).or_else(|| {
        call.arguments
            .find_keyword("mode")
            .map(|keyword| &keyword.value)
    });
    match mode {
        None => true,
        Some(Expr::StringLiteral(mode)) => !mode
            .value
            .to_str()
            .chars()
            .any(|c| matches!(c, 'w' | 'a' | 'x' | '+')),
        Some(_) => false,
    }
}

/// Whether `path` names the same file whenever its names hold the same values: strings,
/// names, attributes, `+`, `/` and `%` of those, f-strings of names, and `os.path.join`,
/// `Path` and `str` calls of those (not `next_path()`, which may name another file each
/// time).
pub(super) fn is_plain_path(path: &Expr) -> bool {
    match path {
        Expr::StringLiteral(_) | Expr::Name(_) => true,
        Expr::Attribute(attribute) => is_plain_path(&attribute.value),
        Expr::BinOp(operation) => {
            matches!(
                operation.op,
                ast::Operator::Add | ast::Operator::Div | ast::Operator::Mod
            ) && is_plain_path(&operation.left)
                && is_plain_path(&operation.right)
        }
        Expr::FString(string) => string.value.elements().all(|element| match element {
            ast::InterpolatedStringElement::Literal(_) => true,
            ast::InterpolatedStringElement::Interpolation(interpolation) => {
                is_plain_path(&interpolation.expression)
            }
        }),
        Expr::Call(call) => {
            call.arguments.keywords.is_empty()
                && dotted(&call.func).is_some_and(|callee| {
                    matches!(
                        callee.as_str(),
                        "os.path.join" | "path.join" | "Path" | "pathlib.Path" | "str"
                    )
                })
                && call.arguments.args.iter().all(is_plain_path)
        }
        _ => false,
    }
}

/// The name a save's receiver chain starts from, and whether it passes through a Spark
/// writer (`df.write`): a plain name, or one followed by writer links only.
fn writer_root(mut receiver: &Expr) -> Option<(&str, bool)> {
    let mut through_writer = false;
    loop {
        receiver = match receiver {
            Expr::Name(name) => return Some((name.id.as_str(), through_writer)),
            Expr::Attribute(attribute) if WRITER_LINKS.contains(&attribute.attr.id.as_str()) => {
                through_writer |= attribute.attr.id.as_str() == "write";
                &attribute.value
            }
            Expr::Call(call) => match &*call.func {
                Expr::Attribute(attribute)
                    if WRITER_LINKS.contains(&attribute.attr.id.as_str()) =>
                {
                    &attribute.value
                }
                _ => return None,
            },
            _ => return None,
        };
    }
}

/// Whether a chain reads through Spark's reader (`spark.read`, `spark.read.option(..)`).
fn reads_through_spark(mut receiver: &Expr) -> bool {
    loop {
        receiver = match receiver {
            Expr::Attribute(attribute) if attribute.attr.id.as_str() == "read" => return true,
            Expr::Attribute(attribute) => &attribute.value,
            Expr::Call(call) => &call.func,
            _ => return false,
        };
    }
}

/// The last `count` dotted segments of `path` (`pickle.dump` of `x.pickle.dump`).
fn last_segments(path: &str, count: usize) -> &str {
    let mut start = path.len();
    for _ in 0..count {
        match path[..start].rfind('.') {
            Some(dot) => start = dot,
            None => return path,
        }
    }
    &path[start + 1..]
}
