//! Python's words and conventions for the rules (see [`Vocabulary`]): `import` and `pip
//! install`, and modules imported for what importing them does.

use nblint_facts::{BoundValue, Dependency, ImplicitUse, Import, Vocabulary};

/// Python as IPython runs it.
pub(crate) const PYTHON: Vocabulary = Vocabulary {
    line_comments: &["#"],
    import_keyword: "import",
    dependency_command: "pip install",
    dependency_line: "the pip line",
    dependency_done: "installed",
    dependency_advice: "install packages",
    dependency_reason: "sets up the environment before any import",
    last_dependency_wins: "the environment keeps whichever ran last",
    defined_in: "any cell or import of this notebook, nor a builtin",
    dependency_label,
    roots_without_dependency: None,
    write_import: None,
    implicit_use,
    leaves_unchanged,
    subscript_as_attribute: subscript_is_attribute,
};

/// Models whose `fit()` returns a results object and leaves the model as it was:
/// statsmodels' and linearmodels', lmfit's (`GaussianModel().fit(y, x=x)` returns a `ModelResult`) and
/// pyspark.ml's estimators (`ALS(..).fit(df)` returns a new model) and pymatgen's
/// (`StructureMatcher().fit(a, b)` compares two structures, `EOS(..).fit(v, e)` returns a
/// fit), made by a call of
/// something imported from those libraries (`sm.OLS(..)`, `smf.ols(..)`, `Logit(..)` from
/// `statsmodels.discrete.discrete_model`), or written with statsmodels' usual aliases when
/// the import is not in the notebook (`sm.`, `smf.`, `tsa.`).
fn leaves_unchanged(
    value: &BoundValue,
    method: &str,
    imported: &dyn Fn(&str) -> Option<String>,
) -> bool {
    if method != "fit" || !value.text.contains('(') {
        return false;
    }
    let root = value
        .text
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .next()
        .unwrap_or("");
    match imported(root) {
        Some(path) => [
            "statsmodels",
            "linearmodels",
            "lmfit",
            "pyspark.ml",
            "pymatgen",
        ]
        .iter()
        .any(|library| {
            path == *library
                || path
                    .strip_prefix(library)
                    .is_some_and(|rest| rest.starts_with('.'))
        }),
        None => ["sm.", "smf.", "statsmodels.", "tsa."]
            .iter()
            .any(|prefix| value.text.starts_with(prefix)),
    }
}

fn dependency_label(dependency: &Dependency) -> String {
    format!("`pip install {}`", dependency.spec)
}

/// A module imported for what importing it does (`mpl_toolkits.mplot3d` registers the 3-D
/// projection) is used even if its names never are.
fn implicit_use(import: &Import) -> ImplicitUse {
    if import.for_effect || is_side_effect_import(&import.path) {
        ImplicitUse::Always
    } else {
        ImplicitUse::NameOnly
    }
}

/// Python modules people import for the import's effect, not for the names it binds.
const SIDE_EFFECT_MODULES: &[&str] = &[
    // Registers the 3-D projection with matplotlib.
    "mpl_toolkits.mplot3d",
    "readline",
    "rlcompleter",
    // Imported after `TF_USE_LEGACY_KERAS=1` so that `tf.keras` is Keras 2.
    "tf_keras",
    // Add the `.hvplot` accessor to pandas, xarray, ... objects.
    "hvplot.dask",
    "hvplot.intake",
    "hvplot.networkx",
    "hvplot.pandas",
    "hvplot.polars",
    "hvplot.streamz",
    "hvplot.xarray",
    // Registers Qiskit's Jupyter magics (`%qiskit_version_table`).
    "qiskit.tools.jupyter",
    // Load a HoloViews plotting backend.
    "holoviews.plotting.bokeh",
    "holoviews.plotting.mpl",
    "holoviews.plotting.plotly",
    // Make scikit-learn's experimental estimators importable (`from sklearn.experimental
    // import enable_iterative_imputer`, then `from sklearn.impute import IterativeImputer`).
    "sklearn.experimental.enable_halving_search_cv",
    "sklearn.experimental.enable_hist_gradient_boosting",
    "sklearn.experimental.enable_iterative_imputer",
    // Add xarray accessors (`ds.salem`, `ds.rio`, `ds.pint`, `ds.cf`).
    "salem",
    "rioxarray",
    "pint_xarray",
    "cf_xarray",
    // Register Fugue's execution engines (`fsql(..).run("spark")`).
    "fugue_dask",
    "fugue_ray",
    "fugue_spark",
    // Registers Snowflake as `modin.pandas`' backend (pandas on Snowflake).
    "snowflake.snowpark.modin.plugin",
    // Prints the Zen of Python.
    "this",
    // Patches transformers, TRL and PEFT as it is imported, so it comes first.
    "unsloth",
    // Register the `hpu` (Intel Gaudi) and `xpu` devices with PyTorch.
    "habana_frameworks.torch",
    "intel_extension_for_pytorch",
];

/// Whether `path` (`mpl_toolkits.mplot3d.Axes3D`) comes from a side-effect module.
fn is_side_effect_import(path: &str) -> bool {
    SIDE_EFFECT_MODULES.iter().any(|module| {
        path == *module
            || path
                .strip_prefix(module)
                .is_some_and(|rest| rest.starts_with('.'))
    })
}

/// Whether a subscript by the string `text` is written in a [`BoundValue::text`] as the
/// attribute of that name (`df["description"]` as `df.description`, as pandas gives a
/// column both ways): an ASCII identifier that is no Python keyword (not `"class"`, `"a b"`,
/// `"1st"`: see [`is_plain_identifier`]). The analyzer writes values so; rules learn it
/// through [`Vocabulary::subscript_as_attribute`].
pub(crate) fn subscript_is_attribute(text: &str) -> bool {
    is_plain_identifier(text)
}

/// Whether `text` is an ASCII identifier that is no Python keyword (`Heater`, `dan_grump`;
/// not `class`, `a b` or `1st`).
pub(crate) fn is_plain_identifier(text: &str) -> bool {
    const KEYWORDS: &[&str] = &[
        "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class",
        "continue", "def", "del", "elif", "else", "except", "finally", "for", "from", "global",
        "if", "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return",
        "try", "while", "with", "yield",
    ];
    text.starts_with(|first: char| first.is_ascii_alphabetic() || first == '_')
        && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !KEYWORDS.contains(&text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn side_effect_modules() {
        assert!(is_side_effect_import("mpl_toolkits.mplot3d.Axes3D"));
        assert!(is_side_effect_import("mpl_toolkits.mplot3d"));
        assert!(!is_side_effect_import("mpl_toolkits.mplot3d_other"));
        assert!(!is_side_effect_import("numpy"));
        assert!(is_side_effect_import("habana_frameworks.torch.core"));
        assert!(!is_side_effect_import("habana_frameworks"));
        assert!(is_side_effect_import(
            "sklearn.experimental.enable_iterative_imputer"
        ));
    }
}
