//! Places a cell changes: the root variable of an assigned or borrowed place, and which
//! method calls change their receiver.

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

/// The methods known to change their receiver in place (`mutating_methods.txt`, one a line):
/// std's `&mut self` methods and rand's generators.
static MUTATING_METHODS: std::sync::LazyLock<std::collections::HashSet<&'static str>> =
    std::sync::LazyLock::new(|| {
        include_str!("mutating_methods.txt")
            .lines()
            .map(|line| line.split('#').next().unwrap_or("").trim())
            .filter(|line| !line.is_empty())
            .collect()
    });

/// Whether calling `method` is evidence that it changes its receiver: a listed `&mut self`
/// method. An unknown method is not (it may well take `&self`).
pub fn is_mutating_method(method: &str) -> bool {
    MUTATING_METHODS.contains(method)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutating_methods_are_listed_once_each() {
        let text = include_str!("mutating_methods.txt");
        let names: Vec<&str> = text.lines().filter(|line| !line.starts_with('#')).collect();
        assert!(
            names.windows(2).all(|pair| pair[0] < pair[1]),
            "keep it sorted"
        );
        assert!(is_mutating_method("push") && is_mutating_method("insert"));
        assert!(!is_mutating_method("len") && !is_mutating_method("replace"));
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
