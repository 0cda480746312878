//! Calls whose result's elements are known from the call alone, so that two spellings of one
//! value compare equal: SymPy's `symbols("x nu t")` gives `Symbol("x")`, `Symbol("nu")`,
//! `Symbol("t")` (so `x = symbols("x")` and `x, nu, t = sympy.symbols("x nu t")` bind the same
//! `x`, and `x = Symbol("x")` too), and Cirq's `LineQubit.range(3)` gives `LineQubit(0)`, `LineQubit(1)`, `LineQubit(2)`.

use ruff_python_ast::{self as ast, Expr};

use super::dotted;

/// The elements `value` gives, each as a canonical text, when it is one of the calls above
/// with literal arguments: `None` otherwise.
pub(super) fn known_elements(value: &Expr) -> Option<Vec<String>> {
    let Expr::Call(call) = value else {
        return None;
    };
    let callee = dotted(&call.func)?;
    let function = callee.rsplit('.').next().unwrap_or(&callee);
    if function == "symbols" {
        return symbols(call);
    }
    // `Symbol("x")` is the one symbol `symbols("x")` gives.
    if function == "Symbol" {
        return symbols(call).filter(|elements| elements.len() == 1);
    }
    if callee == "LineQubit.range" || callee.ends_with(".LineQubit.range") {
        return line_qubits(call);
    }
    None
}

/// `symbols("x, y z")`: one `Symbol` a name (split at commas and spaces, as SymPy does), the
/// literal keyword arguments (`real=True`) part of each. A range (`x:3`) or a keyword that is
/// not a literal gives `None`.
fn symbols(call: &ast::ExprCall) -> Option<Vec<String>> {
    let [Expr::StringLiteral(names)] = &*call.arguments.args else {
        return None;
    };
    let names = names.value.to_str();
    if names.contains([':', '(', ')', '[', ']', '{', '}']) {
        return None;
    }
    let mut keywords = Vec::new();
    for keyword in &call.arguments.keywords {
        let name = keyword.arg.as_ref()?;
        let value = match &keyword.value {
            Expr::BooleanLiteral(literal) => literal.value.to_string(),
            Expr::StringLiteral(literal) => format!("{:?}", literal.value.to_str()),
            Expr::NumberLiteral(number) => format!("{:?}", number.value),
            _ => return None,
        };
        keywords.push(format!("{name}={value}"));
    }
    keywords.sort();
    let keywords: String = keywords.iter().flat_map(|k| [",", k.as_str()]).collect();
    let elements: Vec<String> = names
        .split([',', ' ', '\t', '\n'])
        .filter(|name| !name.is_empty())
        .map(|name| format!("Symbol({name:?}{keywords})"))
        .collect();
    (!elements.is_empty()).then_some(elements)
}

/// `LineQubit.range(3)`: `LineQubit(0)` .. `LineQubit(2)`, for one small integer literal.
fn line_qubits(call: &ast::ExprCall) -> Option<Vec<String>> {
    let [Expr::NumberLiteral(count)] = &*call.arguments.args else {
        return None;
    };
    if !call.arguments.keywords.is_empty() {
        return None;
    }
    let count = count.value.as_int()?.as_u64()?;
    (count <= 64).then(|| {
        (0..count)
            .map(|index| format!("LineQubit({index})"))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use ruff_python_ast::Expr;
    use ruff_python_parser::parse_expression;

    use super::known_elements;

    fn elements(source: &str) -> Option<Vec<String>> {
        let parsed = parse_expression(source).ok()?;
        let expression: &Expr = parsed.expr();
        known_elements(expression)
    }

    #[test]
    fn symbols_and_line_qubits_by_position() {
        assert_eq!(
            elements("sympy.symbols('x nu, t')"),
            Some(vec![
                r#"Symbol("x")"#.to_owned(),
                r#"Symbol("nu")"#.to_owned(),
                r#"Symbol("t")"#.to_owned()
            ])
        );
        assert_eq!(elements("symbols('x')"), elements("sp.symbols(\"x\")"));
        assert_eq!(
            elements("symbols('k', integer=True)"),
            Some(vec![r#"Symbol("k",integer=true)"#.to_owned()])
        );
        assert_ne!(
            elements("symbols('k', integer=True)"),
            elements("symbols('k')")
        );
        assert_eq!(
            elements("cirq.LineQubit.range(2)"),
            Some(vec!["LineQubit(0)".to_owned(), "LineQubit(1)".to_owned()])
        );
        for source in [
            "symbols('x:3')",
            "symbols(names)",
            "symbols('x', cls=Function)",
            "cirq.LineQubit.range(n)",
            "cirq.LineQubit.range(1, 3)",
            "make('x')",
        ] {
            assert_eq!(elements(source), None, "{source}");
        }
    }
}
