//! Rust's words and conventions for the rules (see [`Vocabulary`]): `use` and `:dep`, imports
//! that need their crate's `:dep` above them, how one leaf of a `use` tree is written on its
//! own, and which imports are traits used only through their methods.

use nblint_facts::{Dependency, ImplicitUse, Import, Vocabulary};

/// Rust as the evcxr kernel runs it.
pub(crate) const RUST: Vocabulary = Vocabulary {
    line_comments: &["//"],
    import_keyword: "use",
    dependency_command: "`:dep`",
    dependency_line: "the `:dep` line",
    dependency_done: "declared",
    dependency_advice: "declare dependencies",
    dependency_reason: "builds them once",
    last_dependency_wins: "the kernel uses whichever ran last",
    defined_in: "any cell, import or `:dep` of this notebook",
    dependency_label,
    roots_without_dependency: Some(&["std", "core", "alloc"]),
    write_import: Some(write_import),
    implicit_use,
    leaves_unchanged: nblint_facts::vocabulary_never,
    subscript_as_attribute: nblint_facts::vocabulary_no_text,
};

fn dependency_label(dependency: &Dependency) -> String {
    format!("`:dep {}`", dependency.name)
}

/// One leaf of a `use` tree as a statement of its own.
fn write_import(import: &Import) -> String {
    let last = import.path.rsplit("::").next().unwrap_or(&import.path);
    match (&import.binding, import.glob) {
        (_, true) => format!("use {}::*;", import.path),
        (Some(binding), false) if binding == last => format!("use {};", import.path),
        (Some(binding), false) => format!("use {} as {binding};", import.path),
        (None, false) => format!("use {} as _;", import.path),
    }
}

/// A trait import is used by method calls (`writeln!`, `.try_into()`, `.par_iter()`) that
/// never name it; only the compiler knows, so known traits count as used, and any other
/// capitalised import may be used by calls of its name in snake case (`Dot` → `.dot(`).
fn implicit_use(import: &Import) -> ImplicitUse {
    let Some(name) = import.binding.as_deref() else {
        return ImplicitUse::Always;
    };
    if may_be_trait(name) || is_trait_path(&import.path, name) {
        ImplicitUse::Always
    } else {
        ImplicitUse::ThroughMethod(snake_case(name))
    }
}

/// Traits of std and popular crates that code brings into scope only for their methods, and
/// extension traits by the `*Ext` naming convention. Sorted for binary search.
const METHOD_TRAITS: &[&str] = &[
    "AbsDiffEq",
    "Add",
    "AddAssign",
    "Any",
    "AsPrimitive",
    "Borrow",
    "BorrowMut",
    "BufRead",
    "Context",
    // chrono's date and time accessors (`d.year()`, `t.hour()`).
    "Datelike",
    "Deref",
    "DerefMut",
    "Display",
    "Distribution",
    "Div",
    "Error",
    "Float",
    "FromIterator",
    "FromPrimitive",
    "FromStr",
    // image's traits for pixels and images (`img.dimensions()`, `img.get_pixel(..)` on a
    // `DynamicImage`, `img.put_pixel(..)`, `pixel.to_rgb()`).
    "GenericImage",
    "GenericImageView",
    "Hash",
    "Hasher",
    "ImageDisplay",
    "Index",
    "IndexMut",
    "IndexedParallelIterator",
    "IntoParallelIterator",
    "IntoParallelRefIterator",
    "IntoParallelRefMutIterator",
    "IteratorRandom",
    "Itertools",
    "Mul",
    "MulAssign",
    "Neg",
    "Num",
    "NumCast",
    "One",
    "ParallelBridge",
    "ParallelIterator",
    "ParallelSlice",
    "ParallelSliceMut",
    "Pixel",
    "Product",
    "Read",
    "RelativeEq",
    "Rng",
    "RngCore",
    "SeedableRng",
    "Seek",
    "Signed",
    "SliceRandom",
    "Sub",
    "SubAssign",
    "Sum",
    "Timelike",
    "ToPrimitive",
    "TryFrom",
    "TryInto",
    "UlpsEq",
    "Write",
    "Zero",
];

/// Traits known by their full import path, whose short name other crates give to types
/// (`ndarray::linalg::Dot` is a trait, `petgraph::dot::Dot` a struct), or whose methods are
/// not named after them: ndarray's `ShapeBuilder` (`(3, 4).f()`), ndarray-csv's
/// `Array2Reader` (`reader.deserialize_array2(..)`), parquet's `FileReader`
/// (`reader.get_row_iter(..)`), showata's `Showable` (`matrix.show()`).
const TRAIT_PATHS: &[&str] = &[
    "ndarray::linalg::Dot",
    "ndarray::ShapeBuilder",
    "ndarray_csv::Array2Reader",
    "parquet::file::reader::FileReader",
    "showata::Showable",
];

/// Modules whose capitalised names are all traits: smartcore's array and matrix traits
/// (`Array2`, `MutArray`, `MatrixStats`, ...), unlike ndarray's `Array2`, a type, and its
/// estimator traits (`smartcore::api::SupervisedEstimator`, `Predictor`, `Transformer`).
const TRAIT_MODULES: &[&str] = &[
    "smartcore::api",
    "smartcore::linalg::basic::arrays",
    "smartcore::linalg::traits",
];

/// Whether the import of `name` from `path` is a trait known by its path, or by rusoto's
/// convention that each service crate's trait is named for the service
/// (`rusoto_s3::S3`, `rusoto_dynamodb::DynamoDb`: the methods of `S3Client`).
fn is_trait_path(path: &str, name: &str) -> bool {
    let path = path.strip_prefix("::").unwrap_or(path);
    let service = path
        .split("::")
        .next()
        .and_then(|krate| krate.strip_prefix("rusoto_"))
        .filter(|service| *service != "core");
    TRAIT_PATHS.contains(&path)
        || service.is_some_and(|service| {
            service.replace('_', "") == name.to_ascii_lowercase() && path.ends_with(name)
        })
        || (name.starts_with(|c: char| c.is_ascii_uppercase())
            && TRAIT_MODULES.iter().any(|module| {
                path.strip_prefix(module)
                    .is_some_and(|rest| rest.starts_with("::"))
            }))
}

/// `MatrixStats` → `matrix_stats`, `AbsDiffEq` → `abs_diff_eq`, `Dot` → `dot`.
fn snake_case(name: &str) -> String {
    let mut snake = String::with_capacity(name.len() + 4);
    for (index, c) in name.char_indices() {
        if c.is_uppercase() {
            if index > 0 {
                snake.push('_');
            }
            snake.extend(c.to_lowercase());
        } else {
            snake.push(c);
        }
    }
    snake
}

/// Whether an imported name may be a trait used only through its methods.
fn may_be_trait(name: &str) -> bool {
    has_ext_word(name) || METHOD_TRAITS.binary_search(&name).is_ok()
}

/// Whether `Ext` is one of the words of a capitalised name (`StreamExt`, `SliceExtKth`,
/// `IteratorExt`): extension traits are named so. Not `Extent` or `Text`.
fn has_ext_word(name: &str) -> bool {
    name.match_indices("Ext").any(|(at, _)| {
        name[at + 3..]
            .chars()
            .next()
            .is_none_or(|next| next.is_ascii_uppercase() || next.is_ascii_digit())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trait_list_is_sorted() {
        assert!(METHOD_TRAITS.windows(2).all(|pair| pair[0] < pair[1]));
        assert!(may_be_trait("Write") && may_be_trait("StreamExt") && !may_be_trait("HashMap"));
        assert!(may_be_trait("SliceExtKth") && may_be_trait("GenericImageView"));
        assert!(!may_be_trait("Extent") && !may_be_trait("PlainText") && !may_be_trait("Extra"));
        assert!(is_trait_path("rusoto_s3::S3", "S3"));
        assert!(is_trait_path("rusoto_dynamodb::DynamoDb", "DynamoDb"));
        assert!(!is_trait_path("rusoto_s3::S3Client", "S3Client"));
        assert!(!is_trait_path("rusoto_core::Region", "Region"));
        assert!(is_trait_path(
            "smartcore::linalg::basic::arrays::MutArray",
            "MutArray"
        ));
        assert!(is_trait_path("ndarray::linalg::Dot", "Dot"));
        assert!(!is_trait_path("petgraph::dot::Dot", "Dot"));
        assert!(!is_trait_path("ndarray::Array2", "Array2"));
        assert_eq!(snake_case("AbsDiffEq"), "abs_diff_eq");
        assert_eq!(snake_case("Dot"), "dot");
    }

    fn import(path: &str, binding: Option<&str>, glob: bool) -> Import {
        Import {
            path: path.into(),
            binding: binding.map(Into::into),
            glob,
            ..Import::default()
        }
    }

    #[test]
    fn one_leaf_of_a_use_tree_is_written_on_its_own() {
        assert_eq!(
            write_import(&import("std::fmt", None, true)),
            "use std::fmt::*;"
        );
        assert_eq!(
            write_import(&import("std::fmt::Write", Some("Write"), false)),
            "use std::fmt::Write;"
        );
        assert_eq!(
            write_import(&import("std::io::Write", Some("IoWrite"), false)),
            "use std::io::Write as IoWrite;"
        );
        assert_eq!(
            write_import(&import("std::io::Write", None, false)),
            "use std::io::Write as _;"
        );
    }
}
