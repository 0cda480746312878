//! Handles on a collection or dataset a store keeps by name or path: Chroma's
//! `client.get_or_create_collection(name="docs")` and `client.get_collection("docs")`,
//! Weaviate's `client.collections.create("Docs", ..)` and `client.collections.get("Docs")`,
//! Deep Lake's (formerly Hub's) `hub.dataset(path)` and `hub.load(path)`, Pixeltable's
//! `pxt.create_table("demo/videos", ..)` and `pxt.get_table("demo/videos")`. Each gives a handle
//! on what the store holds under that name, so NB205 compares the handle by the store, the
//! name and what the handle itself keeps: Weaviate's settings are the server's (a `create`
//! gives them to the collection), while a Chroma handle keeps the `embedding_function` it is
//! given, so Chroma's other arguments count. Deep Lake's `overwrite=True` and Pixeltable's
//! `if_exists="replace"` empty what was there: no handle on it.

use ruff_python_ast::Expr;

use super::first_argument;

/// Methods of a store's client that give a handle on the collection named by their first
/// argument or `name=` (Chroma).
const COLLECTION_METHODS: &[&str] = &[
    "create_collection",
    "get_collection",
    "get_or_create_collection",
];

/// Methods of a client's `collections` that give a handle on the collection named by their
/// first argument or `name=` (Weaviate's `client.collections.get("Docs")`).
const COLLECTIONS_METHODS: &[&str] = &["create", "get"];

/// Functions of Deep Lake's modules (`deeplake`, and `hub`, its former name) that open the
/// dataset at the path given first or as `path=`.
const DATASET_FUNCTIONS: &[&str] = &["dataset", "load"];

/// Functions of Pixeltable's module (`pxt`, `pixeltable`) that give a handle on the table at
/// the path given first or as `path=`; the schema a `create_table` gives is the table's.
const TABLE_FUNCTIONS: &[&str] = &["create_table", "get_table"];

/// The text a handle's value is written as: the store, this marker, and the key and kept
/// arguments in parentheses (no Python reads `.<` after a name).
pub(super) const MARKER: &str = ".<handle>(";

/// Whether `value` is a handle's (see [`MARKER`]): what a cell does through it (`ds.append(..)`,
/// `collection.add(..)`) is done to the store, which any handle on it sees, so it changes no
/// value NB205 compares.
pub(super) fn is_handle(value: &nblint_facts::BoundValue) -> bool {
    value.text.contains(MARKER)
}

/// A handle a call gives (see [`handle`]).
pub(super) struct Handle<'a> {
    /// The store: `client` of `client.get_collection("docs")`.
    pub(super) store: &'a Expr,
    /// The name or path: `"docs"`.
    pub(super) key: &'a Expr,
    /// The other arguments the handle keeps, as given (Chroma's `embedding_function=`).
    pub(super) kept: Vec<&'a Expr>,
}

/// The handle `value` gives, when it is one of the calls above with a plain first argument:
/// for `client.get_collection("docs")`, the store `client` and the key `"docs"`; for
/// `client.collections.get("Docs")`, `client.collections` and `"Docs"`; for `hub.load(path)`,
/// `hub` and `path`.
pub(super) fn handle(value: &Expr) -> Option<Handle<'_>> {
    let Expr::Call(call) = value else {
        return None;
    };
    let Expr::Attribute(method) = &*call.func else {
        return None;
    };
    let name = method.attr.id.as_str();
    let store = &*method.value;
    let arguments = &call.arguments;
    let key = first_argument(call, &["name", "path"])?;
    if !matches!(
        key,
        Expr::StringLiteral(_) | Expr::Name(_) | Expr::Attribute(_) | Expr::FString(_)
    ) {
        return None;
    }
    let kept = match store {
        Expr::Name(module) if matches!(module.id.as_str(), "hub" | "deeplake") => {
            let overwrites = arguments.find_keyword("overwrite").is_some_and(|keyword| {
                !matches!(&keyword.value, Expr::BooleanLiteral(literal) if !literal.value)
            });
            if !DATASET_FUNCTIONS.contains(&name) || overwrites {
                return None;
            }
            Vec::new()
        }
        Expr::Name(module) if matches!(module.id.as_str(), "pxt" | "pixeltable") => {
            let replaces = arguments.find_keyword("if_exists").is_some_and(|keyword| {
                !matches!(&keyword.value, Expr::StringLiteral(mode)
                    if matches!(mode.value.to_str(), "ignore" | "error"))
            });
            if !TABLE_FUNCTIONS.contains(&name) || replaces {
                return None;
            }
            Vec::new()
        }
        Expr::Attribute(collections) if collections.attr.id.as_str() == "collections" => {
            if !COLLECTIONS_METHODS.contains(&name) {
                return None;
            }
            Vec::new()
        }
        _ => {
            if !COLLECTION_METHODS.contains(&name) {
                return None;
            }
            // Everything but the name, in order: the handle keeps it.
            arguments
                .args
                .iter()
                .skip(1)
                .chain(
                    arguments
                        .keywords
                        .iter()
                        .filter(|keyword| {
                            keyword
                                .arg
                                .as_ref()
                                .is_none_or(|arg| arg.as_str() != "name")
                        })
                        .map(|keyword| &keyword.value),
                )
                .collect()
        }
    };
    Some(Handle { store, key, kept })
}

#[cfg(test)]
mod tests {
    use ruff_python_parser::parse_expression;

    use super::handle;

    fn key_of(source: &str) -> Option<String> {
        let parsed = parse_expression(source).expect("test expressions parse");
        handle(parsed.expr()).map(|handle| {
            let range = ruff_text_size::Ranged::range(handle.key);
            source[range.start().to_usize()..range.end().to_usize()].to_owned()
        })
    }

    #[test]
    fn store_handles_are_known_by_their_name() {
        assert_eq!(
            key_of("client.get_or_create_collection(name=n)").as_deref(),
            Some("n")
        );
        assert_eq!(key_of("client.get_collection(n)").as_deref(), Some("n"));
        assert_eq!(
            key_of("client.collections.create('Docs', properties=[p])").as_deref(),
            Some("'Docs'")
        );
        assert_eq!(
            key_of("hub.load('hub://a/b')").as_deref(),
            Some("'hub://a/b'")
        );
        assert_eq!(
            key_of("pxt.create_table('demo/videos', {'video': pxt.Video})").as_deref(),
            Some("'demo/videos'")
        );
        assert_eq!(
            key_of("pxt.get_table('demo/videos')").as_deref(),
            Some("'demo/videos'")
        );
        // Pixeltable's `if_exists="replace"` makes the table anew.
        assert_eq!(
            key_of("pxt.create_table('t', schema, if_exists='replace')"),
            None
        );
        // Not a store's handle: a dict's `get`, another module's `load`.
        assert_eq!(key_of("config.get('name')"), None);
        assert_eq!(key_of("json.load(f)"), None);
        assert_eq!(key_of("client.get_collection()"), None);
        // Deep Lake's `overwrite=True` empties the dataset.
        assert_eq!(key_of("hub.dataset(path, overwrite=True)"), None);
        assert_eq!(
            key_of("hub.dataset(path, overwrite=False)").as_deref(),
            Some("path")
        );
    }
}
