//! Places a cell changes: the root variable of an assigned or borrowed place, and which
//! method calls leave their receiver unchanged.

use proc_macro2::Ident;
use syn::{BinOp, Expr, UnOp};

/// The variable at the root of an assigned place: `x` in `x = ..`, `x.f[0] += ..`,
/// `*x.entry(k).or_default() += 1` (through method calls too: what they return points into
/// their receiver).
pub fn assigned_root(place: &Expr) -> Option<&Ident> {
    let mut place = place;
    loop {
        place = match place {
            Expr::Field(field) => &field.base,
            Expr::Index(index) => &index.expr,
            Expr::Paren(paren) => &paren.expr,
            Expr::Group(group) => &group.expr,
            Expr::Unary(unary) if matches!(unary.op, UnOp::Deref(_)) => &unary.expr,
            Expr::MethodCall(call) => &call.receiver,
            Expr::Path(path) => return single_ident(path),
            _ => return None,
        };
    }
}

/// The variable at the root of a borrowed or method-called place: `x` in `&mut x.f[0]` or
/// `x.items.push(..)`; a method call's result is a new value, so the walk stops there.
pub fn borrowed_root(place: &Expr) -> Option<&Ident> {
    let mut place = place;
    loop {
        place = match place {
            Expr::Field(field) => &field.base,
            Expr::Index(index) => &index.expr,
            Expr::Paren(paren) => &paren.expr,
            Expr::Group(group) => &group.expr,
            Expr::Path(path) => return single_ident(path),
            _ => return None,
        };
    }
}

fn single_ident(path: &syn::ExprPath) -> Option<&Ident> {
    if path.qself.is_some() || path.path.leading_colon.is_some() {
        return None;
    }
    path.path.get_ident()
}

/// `+=` and the other compound assignments.
pub fn is_compound_assignment(op: &BinOp) -> bool {
    matches!(
        op,
        BinOp::AddAssign(_)
            | BinOp::SubAssign(_)
            | BinOp::MulAssign(_)
            | BinOp::DivAssign(_)
            | BinOp::RemAssign(_)
            | BinOp::BitXorAssign(_)
            | BinOp::BitAndAssign(_)
            | BinOp::BitOrAssign(_)
            | BinOp::ShlAssign(_)
            | BinOp::ShrAssign(_)
    )
}

/// Well-known methods that only read their receiver (or consume it, which is a move, not a
/// change). Sorted for binary search.
const READ_ONLY_METHODS: &[&str] = &[
    "as_bytes",
    "as_deref",
    "as_mut_ptr",
    "as_ptr",
    "as_ref",
    "as_slice",
    "as_str",
    "borrow",
    "bytes",
    "capacity",
    "chars",
    "chunks",
    "clone",
    "cloned",
    "cmp",
    "collect",
    "contains",
    "contains_key",
    "copied",
    "count",
    "debug",
    "display",
    "ends_with",
    "enumerate",
    "eq",
    "expect",
    "filter",
    "find",
    "first",
    "fmt",
    "fold",
    "get",
    "hash",
    "into_iter",
    "is_empty",
    "is_none",
    "is_ok",
    "is_some",
    "iter",
    "join",
    "keys",
    "last",
    "len",
    "lines",
    "map",
    "max",
    "min",
    "ne",
    "partial_cmp",
    "peek",
    "position",
    "shape",
    "split",
    "split_whitespace",
    "starts_with",
    "sum",
    "to_lowercase",
    "to_owned",
    "to_string",
    "to_uppercase",
    "to_vec",
    "trim",
    "unwrap",
    "unwrap_or",
    "unwrap_or_default",
    "values",
    "windows",
    "zip",
];

/// Whether calling `method` leaves its receiver unchanged.
pub fn is_read_only_method(method: &str) -> bool {
    READ_ONLY_METHODS.binary_search(&method).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_only_list_is_sorted() {
        assert!(READ_ONLY_METHODS.windows(2).all(|pair| pair[0] < pair[1]));
    }

    #[test]
    fn roots() {
        let root = |text: &str, assigned: bool| {
            let expr: Expr = syn::parse_str(text).unwrap();
            let root = if assigned {
                assigned_root(&expr)
            } else {
                borrowed_root(&expr)
            };
            root.map(ToString::to_string)
        };
        assert_eq!(root("x.f[0]", true).as_deref(), Some("x"));
        assert_eq!(
            root("*map.entry(k).or_default()", true).as_deref(),
            Some("map")
        );
        assert_eq!(root("(x).items", false).as_deref(), Some("x"));
        assert_eq!(root("make().items", false), None);
        assert_eq!(root("a::b", false), None);
    }
}
