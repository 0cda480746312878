//! Editing a bound value's text (a front end's [`nblint_facts::BoundValue::text`]: source with
//! spacing removed, string literals kept whole): writing a name out as the value it holds.

/// `text` with every read of the identifier `name` replaced by `replacement`, parenthesised
/// unless it stands alone (a whole argument, element or value) or is a primary expression
/// (`pathlib.Path().resolve()`). Reads only: not an attribute (`obj.name`), a keyword
/// argument's name (`f(name=1)`), or text in a string literal. `None` when the text holds a
/// `lambda` or a comprehension, whose own variables may shadow the name, or shows no such read
/// (one inside an f-string's braces is in a string literal here). A subscript by a
/// string literal the front end writes as an attribute (`as_attribute`, the
/// [`nblint_facts::Vocabulary::subscript_as_attribute`] of the language) is written so.
pub(super) fn substitute(
    text: &str,
    name: &str,
    replacement: &str,
    as_attribute: fn(&str) -> bool,
) -> Option<String> {
    let tokens = tokens(text);
    if tokens
        .iter()
        .any(|token| matches!(token, Token::Word(word) if *word == "lambda" || *word == "for"))
    {
        return None;
    }
    let mut out = String::with_capacity(text.len() + replacement.len());
    let mut skip_close = false;
    let mut replaced = false;
    for (index, token) in tokens.iter().enumerate() {
        if skip_close {
            skip_close = false;
            continue;
        }
        let Token::Word(word) = token else {
            out.push_str(token.text());
            continue;
        };
        let before = index.checked_sub(1).map(|at| tokens[at].text());
        let after = tokens.get(index + 1).map(Token::text);
        let attribute = before == Some(".");
        let keyword = after == Some("=") && matches!(before, Some("(" | ","));
        if *word != name || attribute || keyword {
            out.push_str(word);
            continue;
        }
        // `df[col]` with `col = "a"` is `df["a"]`, which the front end writes `df.a`.
        let subscripted = before == Some("[")
            && after == Some("]")
            && index.checked_sub(2).is_some_and(|at| {
                matches!(tokens[at], Token::Word(_)) || matches!(tokens[at].text(), ")" | "]")
            });
        replaced = true;
        if subscripted && let Some(column) = plain_column(replacement, as_attribute) {
            out.pop();
            out.push('.');
            out.push_str(column);
            skip_close = true;
            continue;
        }
        let alone = matches!(before, None | Some("(" | "[" | "{" | "," | "="))
            && matches!(after, None | Some(")" | "]" | "}" | ","));
        if alone || is_primary(replacement) {
            out.push_str(replacement);
        } else {
            out.push('(');
            out.push_str(replacement);
            out.push(')');
        }
    }
    // A read the text does not show outside a string (`f"{name}"`) cannot be written out.
    replaced.then_some(out)
}

/// The name a double-quoted string literal holds (`"dan_grump"`), when the front end writes a
/// subscript by it as an attribute (`as_attribute`).
fn plain_column(text: &str, as_attribute: fn(&str) -> bool) -> Option<&str> {
    let inner = text.strip_prefix('"')?.strip_suffix('"')?;
    as_attribute(inner).then_some(inner)
}

/// Whether `text` is a primary expression: names, dots and bracketed parts only at its top
/// level (`np.arange(3)`, `df["a"]`, `"s"`), so writing it in place of a name needs no
/// parentheses.
fn is_primary(text: &str) -> bool {
    let mut depth = 0usize;
    for token in tokens(text) {
        match token.text() {
            "(" | "[" | "{" => depth += 1,
            ")" | "]" | "}" => depth = depth.saturating_sub(1),
            _ if depth > 0 => {}
            "." => {}
            _ if matches!(token, Token::Word(_) | Token::String(_)) => {}
            _ => return false,
        }
    }
    true
}

/// One piece of a value's text.
enum Token<'a> {
    /// An identifier, keyword or number.
    Word(&'a str),
    /// A string literal with its quotes (and prefix letters, which come as a word before).
    String(&'a str),
    /// Any other character, or a run of `=` (so `==` is not `=`).
    Symbol(&'a str),
}

impl Token<'_> {
    fn text(&self) -> &str {
        match self {
            Token::Word(text) | Token::String(text) | Token::Symbol(text) => text,
        }
    }
}

/// `text` cut into words, string literals and symbols.
fn tokens(text: &str) -> Vec<Token<'_>> {
    let word = |c: char| c.is_alphanumeric() || c == '_';
    let mut tokens = Vec::new();
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        let length = if word(c) {
            rest.find(|c: char| !word(c)).unwrap_or(rest.len())
        } else if c == '"' || c == '\'' {
            string_length(rest, c)
        } else if c == '=' {
            rest.find(|c: char| c != '=').unwrap_or(rest.len())
        } else {
            c.len_utf8()
        };
        let (piece, after) = rest.split_at(length);
        tokens.push(if word(c) {
            Token::Word(piece)
        } else if c == '"' || c == '\'' {
            Token::String(piece)
        } else {
            Token::Symbol(piece)
        });
        rest = after;
    }
    tokens
}

/// The length of the string literal `text` starts with (quote `quote`, single or triple),
/// or of all of `text` when it is not closed.
fn string_length(text: &str, quote: char) -> usize {
    let triple: String = std::iter::repeat_n(quote, 3).collect();
    let (opening, closing) = if text.starts_with(&triple) {
        (3, triple.as_str())
    } else {
        (1, &text[..quote.len_utf8()])
    };
    let mut at = opening;
    while at < text.len() {
        let Some(c) = text[at..].chars().next() else {
            break;
        };
        if c == '\\' {
            at += 1 + text[at + 1..].chars().next().map_or(0, char::len_utf8);
            continue;
        }
        if text[at..].starts_with(closing) {
            return at + closing.len();
        }
        at += c.len_utf8();
    }
    text.len()
}

#[cfg(test)]
mod tests {
    use super::substitute;

    /// Python's rule, as its front end gives it: an identifier that is no keyword.
    fn python_identifier(text: &str) -> bool {
        text != "class"
            && text.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    }

    #[test]
    fn a_language_that_writes_no_subscript_as_an_attribute_keeps_the_subscript() {
        assert_eq!(
            substitute("df[x]", "x", "\"a\"", nblint_facts::vocabulary_no_text).as_deref(),
            Some("df[\"a\"]")
        );
        assert_eq!(
            substitute("df[x]", "x", "\"a\"", python_identifier).as_deref(),
            Some("df.a")
        );
    }

    #[test]
    fn names_written_out_as_their_values() {
        let cases = [
            ("f(x2)", "x2", "x1+dx", Some("f(x1+dx)")),
            ("x2*2", "x2", "x1+dx", Some("(x1+dx)*2")),
            ("x2", "x2", "x1+dx", Some("x1+dx")),
            (
                "P/\"data\"",
                "P",
                "pathlib.Path().resolve()",
                Some("pathlib.Path().resolve()/\"data\""),
            ),
            (
                "load(name,split=\"train\")",
                "name",
                "\"books/train\"",
                Some("load(\"books/train\",split=\"train\")"),
            ),
            // Not reads: an attribute, a keyword's name, text in a string (an f-string's
            // braces too), so nothing to write out; `==` is no `=`.
            ("a.x2+f(x2=1)+\"x2\"", "x2", "7", None),
            ("p+f\"Q: {x2}\"", "x2", "7", None),
            ("f(x2==1)", "x2", "a+b", Some("f((a+b)==1)")),
            // A subscript by a name holding a column's name is that attribute, as the front
            // end writes `df["a"]`; not a keyword, nor a list of columns.
            (
                "np.polyfit(df[x],df[y],1)",
                "x",
                "\"a\"",
                Some("np.polyfit(df.a,df[y],1)"),
            ),
            ("df[x]", "x", "\"class\"", Some("df[\"class\"]")),
            ("df[x]", "x", "[\"a\",\"b\"]", Some("df[[\"a\",\"b\"]]")),
            ("[x]", "x", "\"a\"", Some("[\"a\"]")),
            // A comprehension or lambda may bind the name itself.
            ("[x2 for x2 in r]", "x2", "1", None),
            ("lambda x2:x2", "x2", "1", None),
        ];
        for (text, name, replacement, expected) in cases {
            assert_eq!(
                substitute(text, name, replacement, python_identifier).as_deref(),
                expected,
                "{text}"
            );
        }
    }
}
