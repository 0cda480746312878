//! The fast path's lexer: the Rust part of a cell as a flat array of [`Token`]s, each a kind
//! and a byte range, with no allocation per token.
//!
//! It reproduces proc-macro2's fallback lexer (the one syn's path uses) on a subset of its
//! input, so that both see the same token trees:
//!
//! - punctuation is one token per character with proc-macro2's `Joint` flag (the next character
//!   is punctuation too and does not start a comment), so `&&`, `..=`, `::` and `>>` are
//!   recognised by the parser exactly as syn's `peek` does, and split exactly where syn splits;
//! - a lifetime (`'a`) is one token, as syn's `Cursor::skip` treats it;
//! - a delimiter pair is an `Open` and a `Close` token that point at each other, so the parser
//!   can skip a whole group as syn skips one token tree;
//! - literals (strings, raw strings, byte strings, bytes, chars, integers and floats) follow
//!   proc-macro2's rules for where they end, escapes included.
//!
//! It returns `None` (the caller falls back to syn) for anything outside that subset: any
//! non-ASCII character outside a literal or comment (Unicode identifiers and whitespace), doc
//! comments (proc-macro2 turns them into attributes), C strings, literal suffixes on strings
//! and chars, raw lifetimes, a bare carriage return inside a literal, and every input
//! proc-macro2 would reject (unclosed or mismatched delimiters, bad escapes, unterminated
//! strings or comments).

/// A delimiter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delim {
    /// `( )`
    Paren,
    /// `[ ]`
    Bracket,
    /// `{ }`
    Brace,
}

/// A literal's kind, as syn classifies it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LitKind {
    /// `"..."` or `r#"..."#`.
    Str,
    /// `b"..."` or `br"..."`.
    ByteStr,
    /// `b'x'`.
    Byte,
    /// `'x'`.
    Char,
    /// An integer or float, with or without a suffix.
    Number,
}

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An identifier or keyword (`r#name` included).
    Ident,
    /// `'a`.
    Lifetime,
    /// A literal.
    Lit(LitKind),
    /// One punctuation character.
    Punct(u8),
    /// An opening delimiter; `partner` is the index of its closing one.
    Open(Delim),
    /// A closing delimiter; `partner` is the index of its opening one.
    Close(Delim),
}

/// Up to eight bytes as a little-endian number (zero-padded).
const fn pack(text: &[u8]) -> u64 {
    let mut value = 0_u64;
    let mut index = 0;
    while index < text.len() && index < 8 {
        value |= (text[index] as u64) << (8 * index);
        index += 1;
    }
    value
}

macro_rules! keywords {
    ($($variant:ident $text:literal $syn:literal,)*) => {
        /// Each keyword packed by [`pack`], for matching.
        #[allow(non_upper_case_globals)]
        mod packed {
            use super::pack;
            $(pub const $variant: u64 = pack($text);)*
        }

        /// The keywords (and the few contextual words) the parser looks for, interned by the
        /// lexer so the parser compares a byte, not a string.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Kw {
            /// Any other identifier (raw identifiers included).
            None,
            $(
                #[doc = concat!("`", stringify!($variant), "`")]
                $variant,
            )*
        }

        impl Kw {
            /// The keyword `text` is, if any. Every keyword fits in eight bytes, so the text is
            /// packed into a `u64` and matched as a number.
            pub fn of(text: &[u8]) -> Kw {
                if text.is_empty() || text.len() > 8 {
                    return Kw::None;
                }
                match pack(text) {
                    $(packed::$variant => Kw::$variant,)*
                    _ => Kw::None,
                }
            }

            /// syn's `accept_as_ident` refuses it.
            pub fn is_syn_keyword(self) -> bool {
                match self {
                    $(Kw::$variant => $syn,)*
                    Kw::None => false,
                }
            }
        }
    };
}

keywords! {
    Underscore b"_" true,
    Abstract b"abstract" true,
    As b"as" true,
    Async b"async" true,
    Await b"await" true,
    Become b"become" true,
    Box b"box" true,
    Break b"break" true,
    Const b"const" true,
    Continue b"continue" true,
    Crate b"crate" true,
    Do b"do" true,
    Dyn b"dyn" true,
    Else b"else" true,
    Enum b"enum" true,
    Extern b"extern" true,
    False b"false" true,
    Final b"final" true,
    Fn b"fn" true,
    For b"for" true,
    If b"if" true,
    Impl b"impl" true,
    In b"in" true,
    Let b"let" true,
    Loop b"loop" true,
    Macro b"macro" true,
    Match b"match" true,
    Mod b"mod" true,
    Move b"move" true,
    Mut b"mut" true,
    Override b"override" true,
    Priv b"priv" true,
    Pub b"pub" true,
    Ref b"ref" true,
    Return b"return" true,
    SelfType b"Self" true,
    SelfValue b"self" true,
    Static b"static" true,
    Struct b"struct" true,
    Super b"super" true,
    Trait b"trait" true,
    True b"true" true,
    Try b"try" true,
    Type b"type" true,
    Typeof b"typeof" true,
    Unsafe b"unsafe" true,
    Unsized b"unsized" true,
    Use b"use" true,
    Virtual b"virtual" true,
    Where b"where" true,
    While b"while" true,
    Yield b"yield" true,
    Auto b"auto" false,
    Builtin b"builtin" false,
    Default b"default" false,
    Raw b"raw" false,
    Union b"union" false,
}

/// One token: its kind and where it is in the cell's source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    /// What it is.
    pub kind: Kind,
    /// Punctuation followed directly by more punctuation (proc-macro2's `Spacing::Joint`).
    pub joint: bool,
    /// For an identifier, the keyword it is.
    pub kw: Kw,
    /// First byte, in the cell's source.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
    /// For delimiters, the index of the matching one.
    pub partner: u32,
}

/// The characters proc-macro2 reads as punctuation.
fn is_punct_char(byte: u8) -> bool {
    matches!(
        byte,
        b'~' | b'!'
            | b'@'
            | b'#'
            | b'$'
            | b'%'
            | b'^'
            | b'&'
            | b'*'
            | b'-'
            | b'='
            | b'+'
            | b'|'
            | b';'
            | b':'
            | b','
            | b'<'
            | b'.'
            | b'>'
            | b'/'
            | b'?'
            | b'\''
    )
}

fn is_ident_start(byte: u8) -> bool {
    byte.is_ascii_alphabetic() || byte == b'_'
}

fn is_ident_continue(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

/// Lexes `source[start..]`; token offsets are relative to `source`. `None` when the text is
/// outside the subset this lexer is sure to read as proc-macro2 does.
pub fn lex(source: &str, start: usize) -> Option<Vec<Token>> {
    let mut tokens = Vec::new();
    lex_into(source, start, &mut tokens)?;
    Some(tokens)
}

/// Lexes `source[start..]` into `tokens` (cleared first) and returns the syn path's depth
/// estimate (`depth::measure`) of the token trees; `None` when the lexer declines.
pub fn lex_into(source: &str, start: usize, tokens: &mut Vec<Token>) -> Option<usize> {
    if u32::try_from(source.len()).is_err() {
        return None;
    }
    tokens.clear();
    tokens.reserve((source.len() - start) / 3 + 8);
    let mut lexer = Lexer {
        bytes: source.as_bytes(),
        pos: start,
        tokens,
        open: Vec::new(),
        runs: vec![0],
        runs_total: 0,
        deepest: 0,
    };
    lexer.run()?;
    Some(lexer.deepest)
}

struct Lexer<'a> {
    bytes: &'a [u8],
    pos: usize,
    tokens: &'a mut Vec<Token>,
    /// Indices of the open delimiters not yet closed.
    open: Vec<usize>,
    /// `depth::measure`: per open level, the token trees since its last `;` or `,`.
    runs: Vec<usize>,
    runs_total: usize,
    deepest: usize,
}

impl Lexer<'_> {
    fn at(&self, offset: usize) -> u8 {
        self.bytes.get(self.pos + offset).copied().unwrap_or(0)
    }

    fn starts_with(&self, text: &[u8]) -> bool {
        self.bytes[self.pos..].starts_with(text)
    }

    fn push(&mut self, kind: Kind, start: usize, joint: bool) {
        // The depth estimate, as `depth::measure` counts proc-macro2's token trees.
        match kind {
            Kind::Close(_) => self.runs_total -= self.runs.pop().unwrap_or(0),
            Kind::Punct(b';' | b',') => {
                if let Some(run) = self.runs.last_mut() {
                    self.runs_total -= *run;
                    *run = 0;
                }
            }
            _ => {
                // A lifetime is two trees to proc-macro2 (`'` and the name).
                let weight = if kind == Kind::Lifetime { 2 } else { 1 };
                if let Some(run) = self.runs.last_mut() {
                    *run += weight;
                }
                self.runs_total += weight;
                self.deepest = self.deepest.max(self.runs_total + self.runs.len());
                if let Kind::Open(_) = kind {
                    self.runs.push(0);
                }
            }
        }
        self.tokens.push(Token {
            kind,
            joint,
            kw: Kw::None,
            start: start as u32,
            end: self.pos as u32,
            partner: 0,
        });
    }

    fn run(&mut self) -> Option<()> {
        loop {
            self.skip_trivia()?;
            let Some(&byte) = self.bytes.get(self.pos) else {
                return self.open.is_empty().then_some(());
            };
            let start = self.pos;
            match byte {
                b'(' | b'[' | b'{' => {
                    if self.starts_with(b"(/*ERROR*/)") {
                        return None;
                    }
                    let delim = match byte {
                        b'(' => Delim::Paren,
                        b'[' => Delim::Bracket,
                        _ => Delim::Brace,
                    };
                    self.pos += 1;
                    self.open.push(self.tokens.len());
                    self.push(Kind::Open(delim), start, false);
                }
                b')' | b']' | b'}' => {
                    let delim = match byte {
                        b')' => Delim::Paren,
                        b']' => Delim::Bracket,
                        _ => Delim::Brace,
                    };
                    let opener = self.open.pop()?;
                    if self.tokens[opener].kind != Kind::Open(delim) {
                        return None;
                    }
                    self.pos += 1;
                    let index = self.tokens.len();
                    self.tokens[opener].partner = index as u32;
                    self.push(Kind::Close(delim), start, false);
                    self.tokens[index].partner = opener as u32;
                }
                b'"' => {
                    self.pos += 1;
                    self.cooked_string(false)?;
                    self.no_suffix()?;
                    self.push(Kind::Lit(LitKind::Str), start, false);
                }
                b'r' if matches!(self.at(1), b'"' | b'#') => {
                    if self.at(1) == b'#' && is_ident_start(self.at(2)) {
                        self.pos += 2;
                        self.ident(start, true)?;
                    } else {
                        self.pos += 1;
                        self.raw_string(false)?;
                        self.no_suffix()?;
                        self.push(Kind::Lit(LitKind::Str), start, false);
                    }
                }
                b'b' if self.at(1) == b'"' => {
                    self.pos += 2;
                    self.cooked_string(true)?;
                    self.no_suffix()?;
                    self.push(Kind::Lit(LitKind::ByteStr), start, false);
                }
                b'b' if self.at(1) == b'r' && matches!(self.at(2), b'"' | b'#') => {
                    self.pos += 2;
                    self.raw_string(true)?;
                    self.no_suffix()?;
                    self.push(Kind::Lit(LitKind::ByteStr), start, false);
                }
                b'b' if self.at(1) == b'\'' => {
                    self.pos += 2;
                    self.byte_literal()?;
                    self.no_suffix()?;
                    self.push(Kind::Lit(LitKind::Byte), start, false);
                }
                b'c' if self.at(1) == b'"'
                    || (self.at(1) == b'r' && matches!(self.at(2), b'"' | b'#')) =>
                {
                    // C strings: rare in cells; leave them to syn.
                    return None;
                }
                b'\'' => self.quote(start)?,
                b'0'..=b'9' => {
                    self.number()?;
                    self.push(Kind::Lit(LitKind::Number), start, false);
                }
                _ if is_ident_start(byte) => self.ident(start, false)?,
                _ if is_punct_char(byte) => {
                    self.pos += 1;
                    let next = self.at(0);
                    let joint =
                        is_punct_char(next) && !(next == b'/' && matches!(self.at(1), b'/' | b'*'));
                    self.push(Kind::Punct(byte), start, joint);
                }
                _ => return None,
            }
        }
    }

    /// Whitespace and plain comments; `None` on doc comments, unterminated block comments and
    /// any non-ASCII character.
    fn skip_trivia(&mut self) -> Option<()> {
        while let Some(&byte) = self.bytes.get(self.pos) {
            match byte {
                b' ' | 0x09..=0x0d => self.pos += 1,
                b'/' if self.at(1) == b'/' => {
                    let doc = (self.at(2) == b'/' && self.at(3) != b'/') || self.at(2) == b'!';
                    if doc {
                        return None;
                    }
                    while let Some(&byte) = self.bytes.get(self.pos) {
                        if byte == b'\n' {
                            break;
                        }
                        self.pos += 1;
                    }
                }
                b'/' if self.at(1) == b'*' => {
                    if self.starts_with(b"/**/") {
                        self.pos += 4;
                        continue;
                    }
                    let doc = (self.at(2) == b'*' && self.at(3) != b'*') || self.at(2) == b'!';
                    if doc {
                        return None;
                    }
                    self.block_comment()?;
                }
                _ if byte >= 0x80 => return None,
                _ => return Some(()),
            }
        }
        Some(())
    }

    fn block_comment(&mut self) -> Option<()> {
        let mut depth = 0_usize;
        let bytes = self.bytes;
        let mut index = self.pos;
        while index + 1 < bytes.len() {
            if bytes[index] == b'/' && bytes[index + 1] == b'*' {
                depth += 1;
                index += 1;
            } else if bytes[index] == b'*' && bytes[index + 1] == b'/' {
                depth -= 1;
                if depth == 0 {
                    self.pos = index + 2;
                    return Some(());
                }
                index += 1;
            }
            index += 1;
        }
        None
    }

    /// After a string or char literal: proc-macro2 would read an identifier here as a suffix;
    /// we leave suffixed literals to syn.
    fn no_suffix(&self) -> Option<()> {
        let next = self.at(0);
        (!is_ident_start(next) && next < 0x80).then_some(())
    }

    /// The body of `"..."` / `b"..."` after the opening quote, through the closing one.
    fn cooked_string(&mut self, bytes_only: bool) -> Option<()> {
        loop {
            let byte = *self.bytes.get(self.pos)?;
            self.pos += 1;
            match byte {
                b'"' => return Some(()),
                b'\r' => return None,
                b'\\' => {
                    let escape = *self.bytes.get(self.pos)?;
                    self.pos += 1;
                    match escape {
                        b'x' if bytes_only => {
                            self.hex_digit()?;
                            self.hex_digit()?;
                        }
                        b'x' => {
                            if !matches!(self.at(0), b'0'..=b'7') {
                                return None;
                            }
                            self.pos += 1;
                            self.hex_digit()?;
                        }
                        b'n' | b'r' | b't' | b'\\' | b'\'' | b'"' | b'0' => {}
                        b'u' if !bytes_only => self.unicode_escape()?,
                        b'\n' => {
                            // A line continuation: whitespace up to the next character.
                            loop {
                                match *self.bytes.get(self.pos)? {
                                    b' ' | b'\t' | b'\n' => self.pos += 1,
                                    b'\r' => return None,
                                    _ => break,
                                }
                            }
                        }
                        _ => return None,
                    }
                }
                _ if bytes_only && byte >= 0x80 => return None,
                _ => {}
            }
        }
    }

    fn hex_digit(&mut self) -> Option<()> {
        if self.at(0).is_ascii_hexdigit() {
            self.pos += 1;
            Some(())
        } else {
            None
        }
    }

    /// `{1F600}` after `\u`, as proc-macro2 accepts it.
    fn unicode_escape(&mut self) -> Option<()> {
        if self.at(0) != b'{' {
            return None;
        }
        self.pos += 1;
        let mut value = 0_u32;
        let mut length = 0;
        loop {
            let byte = *self.bytes.get(self.pos)?;
            self.pos += 1;
            let digit = match byte {
                b'0'..=b'9' => byte - b'0',
                b'a'..=b'f' => byte - b'a' + 10,
                b'A'..=b'F' => byte - b'A' + 10,
                b'_' if length > 0 => continue,
                b'}' if length > 0 => return char::from_u32(value).map(|_| ()),
                _ => return None,
            };
            if length == 6 {
                return None;
            }
            value = value * 16 + u32::from(digit);
            length += 1;
        }
    }

    /// `#"..."#` after `r` / `br`.
    fn raw_string(&mut self, bytes_only: bool) -> Option<()> {
        let mut hashes = 0;
        while self.at(0) == b'#' {
            hashes += 1;
            self.pos += 1;
        }
        if self.at(0) != b'"' || hashes > 255 {
            return None;
        }
        self.pos += 1;
        loop {
            let byte = *self.bytes.get(self.pos)?;
            self.pos += 1;
            match byte {
                b'"' if (0..hashes).all(|index| self.at(index) == b'#') => {
                    self.pos += hashes;
                    return Some(());
                }
                b'\r' => return None,
                _ if bytes_only && byte >= 0x80 => return None,
                _ => {}
            }
        }
    }

    /// `x'` after `b'`.
    fn byte_literal(&mut self) -> Option<()> {
        match *self.bytes.get(self.pos)? {
            b'\\' => {
                self.pos += 1;
                match *self.bytes.get(self.pos)? {
                    b'x' => {
                        self.pos += 1;
                        self.hex_digit()?;
                        self.hex_digit()?;
                    }
                    b'n' | b'r' | b't' | b'\\' | b'0' | b'\'' | b'"' => self.pos += 1,
                    _ => return None,
                }
            }
            b'\'' | b'\r' => return None,
            byte if byte < 0x80 => self.pos += 1,
            _ => return None,
        }
        if self.at(0) != b'\'' {
            return None;
        }
        self.pos += 1;
        Some(())
    }

    /// A char literal or a lifetime, after deciding as proc-macro2 does: a char if one
    /// (possibly escaped) character and a closing quote follow, else a lifetime.
    fn quote(&mut self, start: usize) -> Option<()> {
        self.pos += 1;
        let after_quote = self.pos;
        if self.char_body().is_some() {
            self.no_suffix()?;
            self.push(Kind::Lit(LitKind::Char), start, false);
            return Some(());
        }
        self.pos = after_quote;
        if self.starts_with(b"r#") || !is_ident_start(self.at(0)) {
            return None;
        }
        while is_ident_continue(self.at(0)) {
            self.pos += 1;
        }
        if matches!(self.at(0), b'\'' | b'#') || self.at(0) >= 0x80 {
            return None;
        }
        self.push(Kind::Lifetime, start, false);
        Some(())
    }

    fn char_body(&mut self) -> Option<()> {
        let first = *self.bytes.get(self.pos)?;
        match first {
            b'\\' => {
                self.pos += 1;
                let escape = *self.bytes.get(self.pos)?;
                self.pos += 1;
                match escape {
                    b'x' => {
                        if !matches!(self.at(0), b'0'..=b'7') {
                            return None;
                        }
                        self.pos += 1;
                        self.hex_digit()?;
                    }
                    b'u' => self.unicode_escape()?,
                    b'n' | b'r' | b't' | b'\\' | b'0' | b'\'' | b'"' => {}
                    _ => return None,
                }
            }
            b'\'' | b'\r' => return None,
            _ => {
                // One whole character, however many bytes it takes.
                let width = match first {
                    0x00..=0x7f => 1,
                    0xc0..=0xdf => 2,
                    0xe0..=0xef => 3,
                    _ => 4,
                };
                self.pos += width;
            }
        }
        if self.at(0) != b'\'' {
            return None;
        }
        self.pos += 1;
        Some(())
    }

    /// An identifier (after `r#` when `raw`).
    fn ident(&mut self, start: usize, raw: bool) -> Option<()> {
        let name_start = self.pos;
        while is_ident_continue(self.at(0)) {
            self.pos += 1;
        }
        if self.at(0) >= 0x80 {
            return None;
        }
        let name = &self.bytes[name_start..self.pos];
        if raw && matches!(name, b"_" | b"super" | b"self" | b"Self" | b"crate") {
            return None;
        }
        self.push(Kind::Ident, start, false);
        if !raw && let Some(token) = self.tokens.last_mut() {
            token.kw = Kw::of(name);
        }
        Some(())
    }

    /// An integer or float literal, with its suffix, where proc-macro2 ends it.
    fn number(&mut self) -> Option<()> {
        let start = self.pos;
        if let Some(end) = self.float_digits(start) {
            self.pos = end;
        } else {
            self.pos = self.int_digits(start)?;
        }
        if is_ident_start(self.at(0)) {
            while is_ident_continue(self.at(0)) {
                self.pos += 1;
            }
        }
        if self.at(0) >= 0x80 || is_ident_continue(self.at(0)) {
            return None;
        }
        Some(())
    }

    /// proc-macro2's `float_digits`: the end of a float's digits, or `None` if it is not one.
    fn float_digits(&self, start: usize) -> Option<usize> {
        let bytes = self.bytes;
        let get = |index: usize| bytes.get(index).copied().unwrap_or(0);
        let mut index = start + 1;
        let mut has_dot = false;
        let mut has_exp = false;
        loop {
            match get(index) {
                b'0'..=b'9' | b'_' => index += 1,
                b'.' => {
                    if has_dot {
                        break;
                    }
                    let next = get(index + 1);
                    if next == b'.' || is_ident_start(next) || next >= 0x80 {
                        return None;
                    }
                    index += 1;
                    has_dot = true;
                }
                b'e' | b'E' => {
                    index += 1;
                    has_exp = true;
                    break;
                }
                _ => break,
            }
        }
        if !(has_dot || has_exp) {
            return None;
        }
        if has_exp {
            let before_exp = if has_dot { Some(index - 1) } else { None };
            let mut has_sign = false;
            let mut has_value = false;
            loop {
                match get(index) {
                    b'+' | b'-' => {
                        if has_value {
                            break;
                        }
                        if has_sign {
                            return before_exp;
                        }
                        index += 1;
                        has_sign = true;
                    }
                    b'0'..=b'9' => {
                        index += 1;
                        has_value = true;
                    }
                    b'_' => index += 1,
                    _ => break,
                }
            }
            if !has_value {
                return before_exp;
            }
        }
        Some(index)
    }

    /// proc-macro2's `digits`: the end of an integer's digits.
    fn int_digits(&self, start: usize) -> Option<usize> {
        let bytes = self.bytes;
        let (base, mut index) = match bytes.get(start..start + 2) {
            Some(b"0x") => (16, start + 2),
            Some(b"0o") => (8, start + 2),
            Some(b"0b") => (2, start + 2),
            _ => (10, start),
        };
        let mut empty = true;
        while let Some(&byte) = bytes.get(index) {
            let digit = match byte {
                b'0'..=b'9' => u32::from(byte - b'0'),
                b'a'..=b'f' => u32::from(byte - b'a') + 10,
                b'A'..=b'F' => u32::from(byte - b'A') + 10,
                b'_' => {
                    if empty && base == 10 {
                        return None;
                    }
                    index += 1;
                    continue;
                }
                _ => break,
            };
            if digit >= base {
                if byte.is_ascii_digit() {
                    return None;
                }
                break;
            }
            index += 1;
            empty = false;
        }
        (!empty).then_some(index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(Kind, &str)> {
        lex(text, 0)
            .unwrap()
            .iter()
            .map(|token| (token.kind, &text[token.start as usize..token.end as usize]))
            .collect()
    }

    #[test]
    fn raw_strings_and_raw_identifiers() {
        assert_eq!(
            kinds(r##"r#"a "quoted" b"# r"x" r#match br#"y"#"##),
            [
                (Kind::Lit(LitKind::Str), r##"r#"a "quoted" b"#"##),
                (Kind::Lit(LitKind::Str), r#"r"x""#),
                (Kind::Ident, "r#match"),
                (Kind::Lit(LitKind::ByteStr), r##"br#"y"#"##),
            ]
        );
        assert!(lex("r#self", 0).is_none());
        assert!(lex(r#"r#"open"#, 0).is_none());
    }

    #[test]
    fn lifetimes_and_chars() {
        assert_eq!(
            kinds(r"&'a str 'x' '\n' '\u{1F600}' 'static b'q'"),
            [
                (Kind::Punct(b'&'), "&"),
                (Kind::Lifetime, "'a"),
                (Kind::Ident, "str"),
                (Kind::Lit(LitKind::Char), "'x'"),
                (Kind::Lit(LitKind::Char), r"'\n'"),
                (Kind::Lit(LitKind::Char), r"'\u{1F600}'"),
                (Kind::Lifetime, "'static"),
                (Kind::Lit(LitKind::Byte), "b'q'"),
            ]
        );
        assert_eq!(kinds("'é'"), [(Kind::Lit(LitKind::Char), "'é'")]);
        assert!(lex("'ab'", 0).is_none());
    }

    #[test]
    fn nested_block_comments_and_doc_comments() {
        assert_eq!(
            kinds("a /* one /* two */ still */ b // line\n/**/ c /*** not doc */"),
            [(Kind::Ident, "a"), (Kind::Ident, "b"), (Kind::Ident, "c")]
        );
        assert!(lex("/* open /* */", 0).is_none());
        assert!(lex("/// doc\nfn f() {}", 0).is_none());
        assert!(lex("//! inner", 0).is_none());
        assert!(lex("/** doc */", 0).is_none());
        assert_eq!(kinds("//// not doc\nx"), [(Kind::Ident, "x")]);
    }

    #[test]
    fn numbers_ranges_and_suffixes() {
        assert_eq!(
            kinds("1..=9 2.605_f64 x.0 1e10 0xFF_u8 2.max(3) 1_000"),
            [
                (Kind::Lit(LitKind::Number), "1"),
                (Kind::Punct(b'.'), "."),
                (Kind::Punct(b'.'), "."),
                (Kind::Punct(b'='), "="),
                (Kind::Lit(LitKind::Number), "9"),
                (Kind::Lit(LitKind::Number), "2.605_f64"),
                (Kind::Ident, "x"),
                (Kind::Punct(b'.'), "."),
                (Kind::Lit(LitKind::Number), "0"),
                (Kind::Lit(LitKind::Number), "1e10"),
                (Kind::Lit(LitKind::Number), "0xFF_u8"),
                (Kind::Lit(LitKind::Number), "2"),
                (Kind::Punct(b'.'), "."),
                (Kind::Ident, "max"),
                (Kind::Open(Delim::Paren), "("),
                (Kind::Lit(LitKind::Number), "3"),
                (Kind::Close(Delim::Paren), ")"),
                (Kind::Lit(LitKind::Number), "1_000"),
            ]
        );
        let tokens = lex("1..=9", 0).unwrap();
        assert!(tokens[1].joint && tokens[2].joint && !tokens[3].joint);
        assert!(lex("0b12", 0).is_none());
    }

    #[test]
    fn delimiters_pair_up_and_mismatches_decline() {
        let tokens = lex("f(a[1], {b})", 0).unwrap();
        assert_eq!(tokens[1].partner, 10);
        assert_eq!(tokens[10].partner, 1);
        assert!(lex("f(a]", 0).is_none());
        assert!(lex("f(a", 0).is_none());
        assert!(lex("a)", 0).is_none());
    }

    #[test]
    fn strings_escapes_and_non_ascii() {
        assert_eq!(
            kinds(r#""tab\t \"q\" \u{e9} é" b"\x7f""#),
            [
                (Kind::Lit(LitKind::Str), r#""tab\t \"q\" \u{e9} é""#),
                (Kind::Lit(LitKind::ByteStr), r#"b"\x7f""#),
            ]
        );
        assert!(lex(r#""\q""#, 0).is_none());
        assert!(lex(r#""\x80""#, 0).is_none());
        assert!(lex("café", 0).is_none());
        assert!(lex("\"suffixed\"s", 0).is_none());
    }
}
