//! The fast path's parser: a recursive-descent port of syn's own parsing functions (syn 3,
//! `full` features) for a subset of Rust, over the lexer's tokens, building the small tree of
//! [`super::ast`].
//!
//! Each function here mirrors the syn function named in its doc comment, in the same order of
//! checks, with the same lookahead (`peek`, `peek2`, `peek3` over token trees, lifetimes as one
//! tree, punctuation one character at a time with `Joint` spacing), so that wherever this
//! parser accepts, syn accepts the same tokens with the same tree shape: the same operator
//! precedence and associativity, the same statement boundaries (the "earlier boundary" rule
//! for block-like statements and match arms), the same struct-literal restriction in
//! conditions, the same `let` / `if let` chains. Wherever syn would take a path this port does
//! not cover, or would report an error, the parser returns [`Decline`] and the caller falls
//! back to syn. Recursion is bounded: nesting (and left-leaning chains, which make the tree
//! deep without recursion) deeper than [`MAX_DEPTH`] declines.

use nblint_facts::Span;

use super::ast::{
    Attr, BinOp, Block, Expr, ExprKind, FnArg, Function, GenericArg, GenericParam, Ident, ImplItem,
    Item, Macro, Pat, Path, Segment, Stmt, StructLit, Type, UseTree,
};
use super::lexer::{Delim, Kind, Kw, LitKind, Token};

/// The fast path does not handle this input; syn must.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decline;

/// A parse result.
pub type R<T> = Result<T, Decline>;

/// How deep the tree may get before we decline (well within any thread's stack).
pub const MAX_DEPTH: u32 = 120;

// syn's `Precedence`, in order (the printing-only levels left out).
const JUMP: u8 = 0;
const ASSIGN: u8 = 1;
const RANGE: u8 = 2;
const OR: u8 = 3;
const AND: u8 = 4;
const COMPARE: u8 = 5;
const BIT_OR: u8 = 6;
const BIT_XOR: u8 = 7;
const BIT_AND: u8 = 8;
const SHIFT: u8 = 9;
const SUM: u8 = 10;
const PRODUCT: u8 = 11;
const CAST: u8 = 12;

/// A parser over `toks[pos..end]`.
pub struct Parser<'t, 's> {
    src: &'s str,
    toks: &'t [Token],
    pos: usize,
    end: usize,
    depth: u32,
}

impl<'t, 's> Parser<'t, 's> {
    /// A parser over the tokens `range` of `toks`, starting at nesting `depth`.
    pub fn new(src: &'s str, toks: &'t [Token], range: (usize, usize), depth: u32) -> Self {
        Parser {
            src,
            toks,
            pos: range.0,
            end: range.1,
            depth,
        }
    }

    // -----------------------------------------------------------------------------------------
    // Lookahead.

    /// The index of the next token (where a failed parse stopped).
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Whether every token is consumed.
    pub fn is_empty(&self) -> bool {
        self.pos >= self.end
    }

    /// The index of the `n`th token tree from the current one (a group counts as one).
    fn nth(&self, n: usize) -> Option<usize> {
        let mut index = self.pos;
        for _ in 0..n {
            if index >= self.end {
                return None;
            }
            index = match self.toks[index].kind {
                Kind::Open(_) => self.toks[index].partner as usize + 1,
                _ => index + 1,
            };
        }
        (index < self.end).then_some(index)
    }

    fn kind_at(&self, n: usize) -> Option<Kind> {
        self.nth(n).map(|index| self.toks[index].kind)
    }

    fn text_of(&self, index: usize) -> &'s str {
        let token = self.toks[index];
        &self.src[token.start as usize..token.end as usize]
    }

    /// The `n`th token tree is the keyword `word` (never a raw identifier).
    fn word_at(&self, n: usize, word: Kw) -> bool {
        self.nth(n).is_some_and(|index| self.toks[index].kw == word)
    }

    fn word(&self, word: Kw) -> bool {
        self.pos < self.end && self.toks[self.pos].kw == word
    }

    /// syn's `peek(Ident)`: an identifier that is not a keyword.
    fn ident_at(&self, n: usize) -> bool {
        self.nth(n).is_some_and(|index| {
            self.toks[index].kind == Kind::Ident && !self.toks[index].kw.is_syn_keyword()
        })
    }

    fn punct_at(&self, n: usize, ch: u8) -> bool {
        self.kind_at(n) == Some(Kind::Punct(ch))
    }

    fn punct(&self, ch: u8) -> bool {
        self.punct_at(0, ch)
    }

    /// syn's multi-character punctuation peek: `op` starting at the `n`th token tree, each
    /// character but the last `Joint`.
    fn op_at(&self, n: usize, op: &[u8]) -> bool {
        let Some(start) = self.nth(n) else {
            return false;
        };
        op.iter().enumerate().all(|(offset, &ch)| {
            let index = start + offset;
            index < self.end
                && self.toks[index].kind == Kind::Punct(ch)
                && (offset + 1 == op.len() || self.toks[index].joint)
        })
    }

    fn op(&self, op: &[u8]) -> bool {
        self.op_at(0, op)
    }

    fn open_at(&self, n: usize, delim: Delim) -> bool {
        self.kind_at(n) == Some(Kind::Open(delim))
    }

    fn open(&self, delim: Delim) -> bool {
        self.open_at(0, delim)
    }

    fn lifetime_at(&self, n: usize) -> bool {
        self.kind_at(n) == Some(Kind::Lifetime)
    }

    /// syn's `peek(Lit)`: a literal token, `true`, `false`, or `-` before a number.
    fn lit_at(&self, n: usize) -> bool {
        match self.kind_at(n) {
            Some(Kind::Lit(_)) => true,
            Some(Kind::Ident) => self.word_at(n, Kw::True) || self.word_at(n, Kw::False),
            Some(Kind::Punct(b'-')) => self.kind_at(n + 1) == Some(Kind::Lit(LitKind::Number)),
            _ => false,
        }
    }

    /// The current token is the punctuation `ch`.
    pub fn at(&self, ch: u8) -> bool {
        self.punct(ch)
    }

    /// Consumes the punctuation `ch` if it is next.
    pub fn eat_separator(&mut self, ch: u8) -> bool {
        self.eat_punct(ch)
    }

    /// Consumes the keyword `word` if it is next.
    pub fn eat_keyword(&mut self, word: Kw) -> bool {
        self.eat_word(word)
    }

    /// A format macro's named argument `name = ..` starts here: consumes `name =` and returns
    /// the name. Not when the `=` begins `==` or `=>` (syn's attempt fails there for sure).
    pub fn named_arg_start(&mut self) -> Option<Ident<'s>> {
        if self.ident_at(0)
            && self.punct_at(1, b'=')
            && !self.punct_at(2, b'=')
            && !self.punct_at(2, b'>')
        {
            let name = self.take_ident();
            self.pos += 1;
            Some(name)
        } else {
            None
        }
    }

    // -----------------------------------------------------------------------------------------
    // Consuming.

    /// An expression of `kind` spanning the tokens from `start` to here.
    fn expr_since(&self, start: usize, kind: ExprKind<'s>) -> Expr<'s> {
        Expr {
            span: self.span_from(start),
            kind,
        }
    }

    fn span_from(&self, start: usize) -> Span {
        let last = self.pos.max(start + 1) - 1;
        Span::new(
            self.toks[start].start as usize,
            self.toks[last].end as usize,
        )
    }

    fn eat_punct(&mut self, ch: u8) -> bool {
        if self.punct(ch) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect_punct(&mut self, ch: u8) -> R<()> {
        if self.eat_punct(ch) {
            Ok(())
        } else {
            Err(Decline)
        }
    }

    fn eat_word(&mut self, word: Kw) -> bool {
        if self.word(word) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect_word(&mut self, word: Kw) -> R<()> {
        if self.eat_word(word) {
            Ok(())
        } else {
            Err(Decline)
        }
    }

    /// The current token as an identifier, whatever it is (syn's `Ident::parse_any`).
    fn take_ident(&mut self) -> Ident<'s> {
        let index = self.pos;
        self.pos += 1;
        Ident {
            text: self.text_of(index),
            span: Span::new(
                self.toks[index].start as usize,
                self.toks[index].end as usize,
            ),
        }
    }

    /// syn's `Ident::parse`: a non-keyword identifier.
    fn ident(&mut self) -> R<Ident<'s>> {
        if self.ident_at(0) {
            Ok(self.take_ident())
        } else {
            Err(Decline)
        }
    }

    /// Parses the contents of the group opening here with `inside`, which must consume them
    /// all (syn reports leftover tokens as an error).
    fn group<T>(&mut self, delim: Delim, inside: impl FnOnce(&mut Self) -> R<T>) -> R<T> {
        if !self.open(delim) {
            return Err(Decline);
        }
        let close = self.toks[self.pos].partner as usize;
        let outer_end = self.end;
        self.pos += 1;
        self.end = close;
        let value = inside(self)?;
        if self.pos != close {
            return Err(Decline);
        }
        self.end = outer_end;
        self.pos = close + 1;
        Ok(value)
    }

    /// Runs `parse` one level deeper, declining past [`MAX_DEPTH`].
    fn nest<T>(&mut self, parse: impl FnOnce(&mut Self) -> R<T>) -> R<T> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Decline);
        }
        let value = parse(self)?;
        self.depth -= 1;
        Ok(value)
    }

    /// Counts one more level of a left-leaning chain (`a.b().c()`, `a + b + c`).
    fn chain(&mut self) -> R<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            Err(Decline)
        } else {
            Ok(())
        }
    }

    // -----------------------------------------------------------------------------------------
    // Statements.

    /// `parse_cell`: inner attributes (`#![name]`, `#![name(..)]`, `#![name = "lit"]`; the
    /// walk ignores them), then statements.
    pub fn cell(&mut self) -> R<Vec<Stmt<'s>>> {
        while self.punct(b'#') && self.punct_at(1, b'!') {
            self.pos += 2;
            self.group(Delim::Bracket, |p| {
                p.ident()?;
                if p.open(Delim::Paren) {
                    p.pos = p.toks[p.pos].partner as usize + 1;
                } else if p.eat_punct(b'=') {
                    if !matches!(p.kind_at(0), Some(Kind::Lit(_))) {
                        return Err(Decline);
                    }
                    p.pos += 1;
                }
                Ok(())
            })?;
        }
        self.block_body()
    }

    /// The statements of a braced body after syn's `parse_inner` attributes (declined).
    fn braced_body(&mut self) -> R<Block<'s>> {
        self.nest(|p| {
            p.group(Delim::Brace, |p| {
                if p.punct(b'#') && p.punct_at(1, b'!') {
                    return Err(Decline);
                }
                Ok(Block {
                    stmts: p.block_body()?,
                })
            })
        })
    }

    /// syn's `Block::parse_within`.
    fn block_body(&mut self) -> R<Vec<Stmt<'s>>> {
        let mut stmts = Vec::new();
        loop {
            while self.eat_punct(b';') {
                stmts.push(Stmt::Empty);
            }
            if self.is_empty() {
                break;
            }
            let (stmt, requires_semi) = self.stmt()?;
            stmts.push(stmt);
            if self.is_empty() {
                break;
            }
            if requires_semi {
                return Err(Decline);
            }
        }
        Ok(stmts)
    }

    /// syn's `parse_stmt`; also says whether the statement needs a `;` to be followed by
    /// another (`requires_semi_to_be_stmt`).
    fn stmt(&mut self) -> R<(Stmt<'s>, bool)> {
        let begin = self.pos;
        let attrs = self.outer_attrs()?;

        // Brace-style macro statements: `name! { .. }` not followed by `.` or `?`.
        if let Some(after_path) = self.mod_style_path_end() {
            let ahead = Parser {
                pos: after_path,
                ..*self
            };
            if ahead.punct(b'!') {
                if ahead.ident_at(1) || ahead.word_at(1, Kw::Try) {
                    // An item macro (`macro_rules! name`).
                    return Err(Decline);
                }
                if ahead.open_at(1, Delim::Brace)
                    && !((ahead.punct_at(2, b'.') && !ahead.op_at(2, b".."))
                        || ahead.punct_at(2, b'?'))
                {
                    if !attrs.is_empty() {
                        return Err(Decline);
                    }
                    let expr = self.path_or_macro_or_struct(true)?;
                    let semi = self.eat_punct(b';');
                    return Ok((Stmt::Expr(expr, semi), false));
                }
            }
        }

        if self.word(Kw::Let) {
            if !attrs.is_empty() {
                return Err(Decline);
            }
            return Ok((self.local()?, false));
        }
        if self.is_item_start() {
            return Ok((Stmt::Item(Box::new(self.item(attrs, begin)?)), false));
        }
        if !attrs.is_empty() {
            return Err(Decline);
        }
        let expr = self.expr_early()?;
        let semi = self.eat_punct(b';');
        let requires_semi = !semi && requires_semi_to_be_stmt(&expr);
        Ok((Stmt::Expr(expr, semi), requires_semi))
    }

    /// Where `Path::parse_mod_style` would end if it parsed here, if it does.
    fn mod_style_path_end(&self) -> Option<usize> {
        let mut ahead = Parser { ..*self };
        if ahead.op(b"::") {
            ahead.pos += 2;
        }
        loop {
            if !(ahead.ident_at(0)
                || ahead.word(Kw::Super)
                || ahead.word(Kw::SelfValue)
                || ahead.word(Kw::SelfType)
                || ahead.word(Kw::Crate))
            {
                break;
            }
            ahead.pos += 1;
            if !ahead.op(b"::") {
                return Some(ahead.pos);
            }
            ahead.pos += 2;
        }
        // No segment, or a trailing `::`: syn fails here.
        None
    }

    /// The item condition of syn's `parse_stmt`.
    fn is_item_start(&self) -> bool {
        // Every item starts with a keyword (or `union`, `auto`, `default`).
        if self.is_empty() || self.toks[self.pos].kw == Kw::None {
            return false;
        }
        let w = |n: usize, word: Kw| self.word_at(n, word);
        w(0, Kw::Pub)
            || (w(0, Kw::Crate) && !self.op_at(1, b"::"))
            || w(0, Kw::Extern)
            || w(0, Kw::Use)
            || (w(0, Kw::Static) && (w(1, Kw::Mut) || self.ident_at(1)))
            || (w(0, Kw::Const)
                && !(self.open_at(1, Delim::Brace)
                    || w(1, Kw::Static)
                    || (w(1, Kw::Async)
                        && !(w(2, Kw::Unsafe) || w(2, Kw::Extern) || w(2, Kw::Fn)))
                    || w(1, Kw::Move)
                    || self.punct_at(1, b'|')))
            || (w(0, Kw::Unsafe) && !self.open_at(1, Delim::Brace))
            || (w(0, Kw::Async) && (w(1, Kw::Unsafe) || w(1, Kw::Extern) || w(1, Kw::Fn)))
            || w(0, Kw::Fn)
            || w(0, Kw::Mod)
            || w(0, Kw::Type)
            || w(0, Kw::Struct)
            || w(0, Kw::Enum)
            || (w(0, Kw::Union) && self.ident_at(1))
            || (w(0, Kw::Auto) && w(1, Kw::Trait))
            || w(0, Kw::Trait)
            || (w(0, Kw::Default) && (w(1, Kw::Unsafe) || w(1, Kw::Impl)))
            || w(0, Kw::Impl)
            || w(0, Kw::Macro)
    }

    /// syn's `stmt_local`, without `let .. else`.
    fn local(&mut self) -> R<Stmt<'s>> {
        self.expect_word(Kw::Let)?;
        let mut pat = self.pat_single()?;
        if self.punct(b':') {
            self.pos += 1;
            let ty = self.ty(true)?;
            pat = Pat::Type(Box::new(pat), Box::new(ty));
        }
        let init = if self.eat_punct(b'=') {
            let expr = self.expr()?;
            if self.word(Kw::Else) {
                return Err(Decline);
            }
            Some(expr)
        } else {
            None
        };
        self.expect_punct(b';')?;
        Ok(Stmt::Local(pat, init))
    }

    /// syn's `Attribute::parse_outer`, for the attributes we know: `#[derive(paths)]` and
    /// `#[name]` / `#[name(..)]` with a one-word name.
    fn outer_attrs(&mut self) -> R<Vec<Attr<'s>>> {
        let mut attrs = Vec::new();
        while self.punct(b'#') {
            if self.punct_at(1, b'!') {
                return Err(Decline);
            }
            self.pos += 1;
            let attr = self.group(Delim::Bracket, |p| {
                let name = p.ident()?;
                if p.is_empty() {
                    return if name.text == "derive" {
                        Err(Decline)
                    } else {
                        Ok(Attr::Other(name.text))
                    };
                }
                if name.text != "derive" {
                    if !p.open(Delim::Paren) {
                        return Err(Decline);
                    }
                    p.pos = p.toks[p.pos].partner as usize + 1;
                    return Ok(Attr::Other(name.text));
                }
                p.group(Delim::Paren, |p| {
                    let mut paths = Vec::new();
                    while !p.is_empty() {
                        paths.push(p.simple_path()?);
                        if p.is_empty() {
                            break;
                        }
                        p.expect_punct(b',')?;
                    }
                    Ok(Attr::Derive(paths))
                })
            })?;
            attrs.push(attr);
        }
        Ok(attrs)
    }

    /// `a::b::C`: plain identifiers only (what a derive list holds).
    fn simple_path(&mut self) -> R<Path<'s>> {
        let leading_colon = self.op(b"::");
        if leading_colon {
            self.pos += 2;
        }
        let first = Segment {
            ident: self.ident()?,
            args: None,
        };
        let mut rest = Vec::new();
        while self.op(b"::") {
            self.pos += 2;
            rest.push(Segment {
                ident: self.ident()?,
                args: None,
            });
        }
        if self.punct(b'<') || self.open(Delim::Paren) {
            return Err(Decline);
        }
        Ok(Path {
            leading_colon,
            first,
            rest,
        })
    }

    // -----------------------------------------------------------------------------------------
    // Items.

    /// syn's `parse_rest_of_item`, for `fn`, `use`, `static`, `const`, `struct`, `enum` and
    /// `impl`.
    fn item(&mut self, attrs: Vec<Attr<'s>>, begin: usize) -> R<Item<'s>> {
        let public = if self.word(Kw::Pub) {
            if self.open_at(1, Delim::Paren) {
                return Err(Decline);
            }
            self.pos += 1;
            true
        } else {
            false
        };
        if self.word(Kw::Fn) {
            return Ok(Item::Fn(self.function(attrs, public)?));
        }
        if self.word(Kw::Extern) && self.word_at(1, Kw::Crate) {
            self.pos += 2;
            let mut ident = if self.word(Kw::SelfValue) {
                self.take_ident()
            } else {
                self.ident()?
            };
            if self.eat_word(Kw::As) {
                if self.ident_at(0) || self.word(Kw::Underscore) {
                    ident = self.take_ident();
                } else {
                    return Err(Decline);
                }
            }
            self.expect_punct(b';')?;
            return Ok(Item::ExternCrate {
                attrs,
                public,
                ident,
            });
        }
        if self.word(Kw::Use) {
            if !attrs.is_empty() {
                return Err(Decline);
            }
            self.pos += 1;
            let leading_colon = self.op(b"::");
            if leading_colon {
                self.pos += 2;
            }
            let tree = self.use_tree()?;
            self.expect_punct(b';')?;
            return Ok(Item::Use {
                public,
                leading_colon,
                tree,
                span: self.span_from(begin),
            });
        }
        if self.word(Kw::Static) {
            self.pos += 1;
            let mutable = self.eat_word(Kw::Mut);
            let ident = self.ident()?;
            self.expect_punct(b':')?;
            let ty = self.ty(true)?;
            self.expect_punct(b'=')?;
            let expr = self.expr()?;
            self.expect_punct(b';')?;
            return Ok(Item::Static {
                attrs,
                public,
                mutable,
                ident,
                ty,
                expr,
            });
        }
        if self.word(Kw::Const) {
            if !self.ident_at(1) || (self.word_at(1, Kw::Auto) && self.word_at(2, Kw::Trait)) {
                return Err(Decline);
            }
            self.pos += 1;
            let ident = self.ident()?;
            self.expect_punct(b':')?;
            let ty = self.ty(true)?;
            self.expect_punct(b'=')?;
            let expr = self.expr()?;
            self.expect_punct(b';')?;
            return Ok(Item::Const {
                attrs,
                public,
                ident,
                ty,
                expr,
            });
        }
        if self.word(Kw::Struct) {
            self.pos += 1;
            let ident = self.ident()?;
            let generics = self.generics()?;
            if self.word(Kw::Where) {
                return Err(Decline);
            }
            let fields = if self.open(Delim::Paren) {
                let fields = self.group(Delim::Paren, |p| p.fields(false))?;
                self.expect_punct(b';')?;
                fields
            } else if self.open(Delim::Brace) {
                self.group(Delim::Brace, |p| p.fields(true))?
            } else {
                self.expect_punct(b';')?;
                Vec::new()
            };
            return Ok(Item::Struct {
                attrs,
                public,
                ident,
                generics,
                fields,
            });
        }
        if self.word(Kw::Enum) {
            self.pos += 1;
            let ident = self.ident()?;
            let generics = self.generics()?;
            if self.word(Kw::Where) {
                return Err(Decline);
            }
            let variants = self.group(Delim::Brace, |p| {
                let mut variants = Vec::new();
                while !p.is_empty() {
                    let attrs = p.outer_attrs()?;
                    if p.word(Kw::Pub) {
                        return Err(Decline);
                    }
                    p.ident()?;
                    let fields = if p.open(Delim::Brace) {
                        p.group(Delim::Brace, |p| p.fields(true))?
                    } else if p.open(Delim::Paren) {
                        p.group(Delim::Paren, |p| p.fields(false))?
                    } else {
                        Vec::new()
                    };
                    let discriminant = if p.eat_punct(b'=') {
                        Some(p.expr()?)
                    } else {
                        None
                    };
                    variants.push((attrs, fields, discriminant));
                    if p.is_empty() {
                        break;
                    }
                    p.expect_punct(b',')?;
                }
                Ok(variants)
            })?;
            return Ok(Item::Enum {
                attrs,
                public,
                ident,
                generics,
                variants,
            });
        }
        if self.word(Kw::Impl) && !public {
            return self.item_impl(attrs);
        }
        Err(Decline)
    }

    /// syn's `FieldsNamed` / `FieldsUnnamed` contents.
    fn fields(&mut self, named: bool) -> R<super::ast::Fields<'s>> {
        let mut fields = Vec::new();
        while !self.is_empty() {
            let attrs = self.outer_attrs()?;
            if self.word(Kw::Pub) {
                if self.open_at(1, Delim::Paren) {
                    return Err(Decline);
                }
                self.pos += 1;
            }
            if named {
                self.ident()?;
                self.expect_punct(b':')?;
            }
            let ty = self.ty(true)?;
            if self.punct(b'=') {
                return Err(Decline);
            }
            fields.push((attrs, ty));
            if self.is_empty() {
                break;
            }
            self.expect_punct(b',')?;
        }
        Ok(fields)
    }

    /// syn's `parse_impl`, without generics, negative impls or `where`.
    fn item_impl(&mut self, attrs: Vec<Attr<'s>>) -> R<Item<'s>> {
        self.expect_word(Kw::Impl)?;
        if self.punct(b'<') || self.punct(b'!') {
            return Err(Decline);
        }
        let first = self.ty(true)?;
        let (trait_path, self_ty) = if self.eat_word(Kw::For) {
            let Type::Path(path) = first else {
                return Err(Decline);
            };
            (Some(path), self.ty(true)?)
        } else {
            (None, first)
        };
        if self.word(Kw::Where) {
            return Err(Decline);
        }
        let items = self.nest(|p| {
            p.group(Delim::Brace, |p| {
                if p.punct(b'#') && p.punct_at(1, b'!') {
                    return Err(Decline);
                }
                let mut items = Vec::new();
                while !p.is_empty() {
                    let attrs = p.outer_attrs()?;
                    let public = if p.word(Kw::Pub) {
                        if p.open_at(1, Delim::Paren) {
                            return Err(Decline);
                        }
                        p.pos += 1;
                        true
                    } else {
                        false
                    };
                    if p.word(Kw::Fn) {
                        items.push(ImplItem::Fn(p.function(attrs, public)?));
                    } else if p.word(Kw::Const) && p.ident_at(1) {
                        p.pos += 1;
                        p.ident()?;
                        p.expect_punct(b':')?;
                        let ty = p.ty(true)?;
                        p.expect_punct(b'=')?;
                        let expr = p.expr()?;
                        p.expect_punct(b';')?;
                        items.push(ImplItem::Const(attrs, ty, expr));
                    } else {
                        return Err(Decline);
                    }
                }
                Ok(items)
            })
        })?;
        Ok(Item::Impl {
            attrs,
            trait_path,
            self_ty,
            items,
        })
    }

    /// syn's `parse_signature` + `parse_rest_of_fn`, for a plain `fn` with a body.
    fn function(&mut self, attrs: Vec<Attr<'s>>, public: bool) -> R<Function<'s>> {
        self.expect_word(Kw::Fn)?;
        let ident = self.ident()?;
        let generics = self.generics()?;
        let inputs = self.group(Delim::Paren, Self::fn_args)?;
        let output = if self.op(b"->") {
            self.pos += 2;
            Some(self.ty(true)?)
        } else {
            None
        };
        if self.word(Kw::Where) || self.punct(b';') {
            return Err(Decline);
        }
        let body = self.braced_body()?;
        Ok(Function {
            attrs,
            public,
            ident,
            generics,
            inputs,
            output,
            body,
        })
    }

    /// syn's `parse_fn_args`: receivers and `pattern: Type`.
    fn fn_args(&mut self) -> R<Vec<FnArg<'s>>> {
        let mut args = Vec::new();
        while !self.is_empty() {
            if self.punct(b'#') || self.op(b"...") {
                return Err(Decline);
            }
            if let Some(after) = self.receiver_end()? {
                if !args.is_empty() {
                    return Err(Decline);
                }
                self.pos = after;
                args.push(FnArg::Receiver);
            } else {
                if self.ident_at(0) && self.punct_at(1, b'<') {
                    return Err(Decline);
                }
                let pat = self.pat_single()?;
                self.expect_punct(b':')?;
                if self.op(b"...") {
                    return Err(Decline);
                }
                let ty = self.ty(true)?;
                args.push(FnArg::Typed(pat, ty));
            }
            if self.is_empty() {
                break;
            }
            self.expect_punct(b',')?;
        }
        Ok(args)
    }

    /// syn's `parse_receiver_begin`: where `self`, `&self`, `&'a mut self`, `mut self` end;
    /// `None` if this is not a receiver. Typed receivers (`self: Box<Self>`) decline.
    fn receiver_end(&self) -> R<Option<usize>> {
        let mut ahead = Parser { ..*self };
        let reference = ahead.eat_punct(b'&');
        if reference && ahead.lifetime_at(0) {
            ahead.pos += 1;
        }
        ahead.eat_word(Kw::Mut);
        if !ahead.word(Kw::SelfValue) || ahead.op_at(1, b"::") {
            return Ok(None);
        }
        ahead.pos += 1;
        if !reference && ahead.punct(b':') {
            return Err(Decline);
        }
        Ok(Some(ahead.pos))
    }

    /// syn's `Generics::parse`: lifetimes without bounds and type parameters with trait
    /// bounds, no defaults.
    fn generics(&mut self) -> R<Vec<GenericParam<'s>>> {
        if !self.eat_punct(b'<') {
            return Ok(Vec::new());
        }
        let mut params = Vec::new();
        loop {
            if self.punct(b'>') {
                break;
            }
            if self.lifetime_at(0) {
                self.pos += 1;
                if self.punct(b':') {
                    return Err(Decline);
                }
                params.push(GenericParam::Lifetime);
            } else if self.ident_at(0) {
                let ident = self.take_ident();
                let mut bounds = Vec::new();
                if self.eat_punct(b':') {
                    loop {
                        if self.is_empty()
                            || self.punct(b',')
                            || self.punct(b'>')
                            || self.punct(b'=')
                        {
                            break;
                        }
                        bounds.push(self.trait_bound()?);
                        if !self.eat_punct(b'+') {
                            break;
                        }
                    }
                }
                if self.punct(b'=') {
                    return Err(Decline);
                }
                params.push(GenericParam::Type(ident, bounds));
            } else {
                return Err(Decline);
            }
            if self.punct(b'>') {
                break;
            }
            self.expect_punct(b',')?;
        }
        self.expect_punct(b'>')?;
        Ok(params)
    }

    /// syn's `TypeParamBound::parse_single` for a plain trait path (`Display`,
    /// `Into<String>`).
    fn trait_bound(&mut self) -> R<Path<'s>> {
        if self.lifetime_at(0)
            || self.word(Kw::Use)
            || self.open(Delim::Paren)
            || self.open(Delim::Bracket)
            || self.word(Kw::For)
            || self.word(Kw::Const)
            || self.punct(b'?')
            || self.punct(b'~')
        {
            return Err(Decline);
        }
        let path = self.path(false)?;
        let bare = path.last().args.is_none();
        if bare && (self.open(Delim::Paren) || (self.op(b"::") && self.open_at(2, Delim::Paren))) {
            return Err(Decline);
        }
        Ok(path)
    }

    /// syn's `parse_use_tree`.
    fn use_tree(&mut self) -> R<UseTree<'s>> {
        self.nest(|p| {
            if p.ident_at(0) || p.word(Kw::SelfValue) || p.word(Kw::Super) || p.word(Kw::Crate) {
                let ident = p.take_ident();
                if p.op(b"::") {
                    p.pos += 2;
                    return Ok(UseTree::Path(ident, Box::new(p.use_tree()?)));
                }
                if p.eat_word(Kw::As) {
                    let rename = if p.ident_at(0) || p.word(Kw::Underscore) {
                        p.take_ident()
                    } else {
                        return Err(Decline);
                    };
                    let span = Span::new(ident.span.start, rename.span.end);
                    return Ok(UseTree::Rename(ident, rename, span));
                }
                return Ok(UseTree::Name(ident));
            }
            if p.punct(b'*') {
                let start = p.pos;
                p.pos += 1;
                return Ok(UseTree::Glob(p.span_from(start)));
            }
            if p.open(Delim::Brace) {
                return p.group(Delim::Brace, |p| {
                    let mut items = Vec::new();
                    loop {
                        if p.is_empty() {
                            break;
                        }
                        if p.op(b"::") {
                            return Err(Decline);
                        }
                        items.push(p.use_tree()?);
                        if p.is_empty() {
                            break;
                        }
                        p.expect_punct(b',')?;
                    }
                    Ok(UseTree::Group(items))
                });
            }
            Err(Decline)
        })
    }

    // -----------------------------------------------------------------------------------------
    // Paths and types.

    /// syn's `Path::parse_helper` (`qpath` without a qualified self).
    fn path(&mut self, expr_style: bool) -> R<Path<'s>> {
        if self.punct(b'<') {
            return Err(Decline);
        }
        let leading_colon = self.op(b"::");
        if leading_colon {
            self.pos += 2;
        }
        let first = self.path_segment(expr_style)?;
        let mut rest = Vec::new();
        while self.op(b"::") && !self.open_at(2, Delim::Paren) {
            self.pos += 2;
            rest.push(self.path_segment(expr_style)?);
        }
        Ok(Path {
            leading_colon,
            first,
            rest,
        })
    }

    /// syn's `PathSegment::parse_helper`.
    fn path_segment(&mut self, expr_style: bool) -> R<Segment<'s>> {
        if self.word(Kw::Super) || self.word(Kw::SelfValue) || self.word(Kw::Crate) {
            return Ok(Segment {
                ident: self.take_ident(),
                args: None,
            });
        }
        if self.word(Kw::Try) {
            return Err(Decline);
        }
        let ident = if self.word(Kw::SelfType) {
            self.take_ident()
        } else {
            self.ident()?
        };
        let angle = (!expr_style && self.punct(b'<') && !self.op(b"<=") && !self.op(b"<<="))
            || (self.op(b"::") && self.punct_at(2, b'<'));
        let args = if angle {
            if self.op(b"::") {
                self.pos += 2;
            }
            Some(self.generic_args()?.into_boxed_slice())
        } else {
            None
        };
        Ok(Segment { ident, args })
    }

    /// syn's `AngleBracketedGenericArguments::do_parse`, from the `<`.
    fn generic_args(&mut self) -> R<Vec<GenericArg<'s>>> {
        self.nest(|p| {
            p.expect_punct(b'<')?;
            let mut args = Vec::new();
            loop {
                if p.punct(b'>') {
                    break;
                }
                args.push(p.generic_arg()?);
                if p.punct(b'>') {
                    break;
                }
                p.expect_punct(b',')?;
            }
            p.expect_punct(b'>')?;
            Ok(args)
        })
    }

    /// syn's `GenericArgument::parse`: lifetimes, types and `Name = Type`.
    fn generic_arg(&mut self) -> R<GenericArg<'s>> {
        if self.lifetime_at(0) && !self.punct_at(1, b'+') {
            self.pos += 1;
            return Ok(GenericArg::Lifetime);
        }
        if self.lit_at(0) || self.open(Delim::Brace) {
            return Err(Decline);
        }
        let ty = self.ty(true)?;
        if let Type::Path(path) = &ty
            && !path.leading_colon
            && path.rest.is_empty()
        {
            if self.eat_punct(b'=') {
                if self.lit_at(0) || self.open(Delim::Brace) {
                    return Err(Decline);
                }
                return Ok(GenericArg::AssocType(self.ty(true)?));
            }
            if self.punct(b':') {
                return Err(Decline);
            }
        }
        Ok(GenericArg::Type(ty))
    }

    /// syn's `ambig_ty`: paths, references, slices, arrays, tuples, `!` and `_`.
    fn ty(&mut self, allow_plus: bool) -> R<Type<'s>> {
        self.nest(|p| p.ty_inner(allow_plus))
    }

    fn ty_inner(&mut self, allow_plus: bool) -> R<Type<'s>> {
        if self.word(Kw::For) {
            return Err(Decline);
        }
        if self.open(Delim::Paren) {
            let (ty, paren) = self.group(Delim::Paren, |p| {
                if p.is_empty() {
                    return Ok((Type::Tuple(Vec::new()), false));
                }
                if p.lifetime_at(0) || p.punct(b'?') {
                    return Err(Decline);
                }
                let first = p.ty(true)?;
                if p.punct(b',') {
                    let mut elems = vec![first];
                    p.expect_punct(b',')?;
                    while !p.is_empty() {
                        elems.push(p.ty(true)?);
                        if p.is_empty() {
                            break;
                        }
                        p.expect_punct(b',')?;
                    }
                    return Ok((Type::Tuple(elems), false));
                }
                Ok((Type::Paren(Box::new(first)), true))
            })?;
            if paren && allow_plus && self.punct(b'+') {
                return Err(Decline);
            }
            return Ok(ty);
        }
        if self.word(Kw::Unsafe) || self.word(Kw::Fn) || self.word(Kw::Extern) {
            return Err(Decline);
        }
        if self.word(Kw::Builtin) && self.punct_at(1, b'#') {
            return Err(Decline);
        }
        if self.ident_at(0)
            || self.word(Kw::Super)
            || self.word(Kw::SelfValue)
            || self.word(Kw::SelfType)
            || self.word(Kw::Crate)
            || self.op(b"::")
            || self.punct(b'<')
        {
            let path = self.path(false)?;
            if self.punct(b'!') && !self.op(b"!=") && path.is_mod_style() {
                return Err(Decline);
            }
            if allow_plus && self.punct(b'+') {
                return Err(Decline);
            }
            return Ok(Type::Path(path));
        }
        if self.word(Kw::Dyn) {
            return Err(Decline);
        }
        if self.open(Delim::Bracket) {
            return self.group(Delim::Bracket, |p| {
                let elem = p.ty(true)?;
                if p.eat_punct(b';') {
                    let len = p.expr()?;
                    Ok(Type::Array(Box::new(elem), Box::new(len)))
                } else {
                    Ok(Type::Slice(Box::new(elem)))
                }
            });
        }
        if self.punct(b'*') {
            return Err(Decline);
        }
        if self.eat_punct(b'&') {
            if self.lifetime_at(0) {
                self.pos += 1;
            }
            self.eat_word(Kw::Mut);
            let elem = self.ty(false)?;
            return Ok(Type::Reference(Box::new(elem)));
        }
        if self.eat_punct(b'!') {
            return Ok(Type::Leaf);
        }
        if self.word(Kw::Impl) {
            return Err(Decline);
        }
        if self.eat_word(Kw::Underscore) {
            return Ok(Type::Leaf);
        }
        Err(Decline)
    }

    // -----------------------------------------------------------------------------------------
    // Patterns.

    /// syn's `Pat::parse_single`.
    pub fn pat_single(&mut self) -> R<Pat<'s>> {
        self.nest(Self::pat_single_inner)
    }

    fn pat_single_inner(&mut self) -> R<Pat<'s>> {
        if (self.ident_at(0)
            && (self.op_at(1, b"::")
                || self.punct_at(1, b'!')
                || self.open_at(1, Delim::Brace)
                || self.open_at(1, Delim::Paren)
                || self.op_at(1, b"..")))
            || (self.word(Kw::SelfValue) && self.op_at(1, b"::"))
            || self.op(b"::")
            || self.punct(b'<')
            || self.word(Kw::SelfType)
            || self.word(Kw::Super)
            || self.word(Kw::Crate)
        {
            return self.pat_path_or_struct();
        }
        if self.eat_word(Kw::Underscore) {
            return Ok(Pat::Leaf);
        }
        if self.word(Kw::Box) || self.word(Kw::Const) {
            return Err(Decline);
        }
        if self.punct(b'-') || self.lit_at(0) {
            return self.pat_lit_or_range();
        }
        if self.word(Kw::Ref) || self.word(Kw::Mut) || self.word(Kw::SelfValue) || self.ident_at(0)
        {
            let by_ref = self.eat_word(Kw::Ref);
            let mutable = self.eat_word(Kw::Mut);
            let ident = if self.word(Kw::SelfValue) {
                self.take_ident()
            } else {
                self.ident()?
            };
            let subpat = if self.eat_punct(b'@') {
                Some(Box::new(self.pat_single()?))
            } else {
                None
            };
            return Ok(Pat::Ident {
                ident,
                by_ref,
                mutable,
                subpat,
            });
        }
        if self.eat_punct(b'&') {
            self.eat_word(Kw::Mut);
            return Ok(Pat::Reference(Box::new(self.pat_single()?)));
        }
        if self.open(Delim::Paren) {
            return self.group(Delim::Paren, |p| {
                let mut elems = Vec::new();
                while !p.is_empty() {
                    let value = p.pat_multi(true, false)?;
                    if p.is_empty() {
                        if elems.is_empty() {
                            return Ok(Pat::Paren(Box::new(value)));
                        }
                        elems.push(value);
                        break;
                    }
                    elems.push(value);
                    p.expect_punct(b',')?;
                }
                Ok(Pat::Tuple(elems))
            });
        }
        if self.open(Delim::Bracket) {
            return self.group(Delim::Bracket, |p| {
                let mut elems = Vec::new();
                while !p.is_empty() {
                    let value = p.pat_multi(true, false)?;
                    if let Pat::Range(start, end) = &value
                        && (start.is_none() || end.is_none())
                    {
                        return Err(Decline);
                    }
                    elems.push(value);
                    if p.is_empty() {
                        break;
                    }
                    p.expect_punct(b',')?;
                }
                Ok(Pat::Slice(elems))
            });
        }
        if self.op(b"..") && !self.op(b"...") {
            let closed = self.op(b"..=");
            self.pos += if closed { 3 } else { 2 };
            let end = self.pat_range_bound()?;
            return match (end, closed) {
                (Some(end), _) => Ok(Pat::Range(None, Some(Box::new(end)))),
                (None, false) => Ok(Pat::Leaf),
                (None, true) => Err(Decline),
            };
        }
        Err(Decline)
    }

    /// syn's `pat_path_or_macro_or_struct_or_range` (no macros).
    fn pat_path_or_struct(&mut self) -> R<Pat<'s>> {
        let start = self.pos;
        let path = self.path(true)?;
        if self.punct(b'!') && !self.op(b"!=") {
            return Err(Decline);
        }
        if self.open(Delim::Brace) {
            let fields = self.group(Delim::Brace, |p| {
                let mut fields = Vec::new();
                while !p.is_empty() {
                    if p.punct(b'#') || p.word(Kw::Box) {
                        return Err(Decline);
                    }
                    if p.op(b"..") {
                        p.pos += 2;
                        break;
                    }
                    let by_ref = p.eat_word(Kw::Ref);
                    let mutable = p.eat_word(Kw::Mut);
                    let member = p.ident()?;
                    if !by_ref && !mutable && p.punct(b':') {
                        p.pos += 1;
                        fields.push((p.pat_multi(true, false)?, false));
                    } else {
                        let pat = Pat::Ident {
                            ident: member,
                            by_ref,
                            mutable,
                            subpat: None,
                        };
                        fields.push((pat, true));
                    }
                    if p.is_empty() {
                        break;
                    }
                    p.expect_punct(b',')?;
                }
                Ok(fields)
            })?;
            return Ok(Pat::Struct(Box::new(path), fields));
        }
        if self.open(Delim::Paren) {
            let elems = self.group(Delim::Paren, |p| {
                let mut elems = Vec::new();
                while !p.is_empty() {
                    elems.push(p.pat_multi(true, false)?);
                    if p.is_empty() {
                        break;
                    }
                    p.expect_punct(b',')?;
                }
                Ok(elems)
            })?;
            return Ok(Pat::TupleStruct(Box::new(path), elems));
        }
        if self.op(b"..") {
            let closed = self.op(b"..=");
            if self.op(b"...") {
                return Err(Decline);
            }
            self.pos += if closed { 3 } else { 2 };
            let end = self.pat_range_bound()?;
            if closed && end.is_none() {
                return Err(Decline);
            }
            let start_expr = Expr {
                span: self.span_from(start),
                kind: ExprKind::Path(path),
            };
            return Ok(Pat::Range(Some(Box::new(start_expr)), end.map(Box::new)));
        }
        Ok(Pat::Path(path))
    }

    /// syn's `pat_lit_or_range`.
    fn pat_lit_or_range(&mut self) -> R<Pat<'s>> {
        let Some(start) = self.pat_range_bound()? else {
            return Err(Decline);
        };
        if self.op(b"..") {
            if self.op(b"...") {
                return Err(Decline);
            }
            let closed = self.op(b"..=");
            self.pos += if closed { 3 } else { 2 };
            let end = self.pat_range_bound()?;
            if closed && end.is_none() {
                return Err(Decline);
            }
            return Ok(Pat::Range(Some(Box::new(start)), end.map(Box::new)));
        }
        Ok(match start.kind {
            ExprKind::Path(path) => Pat::Path(path),
            _ => Pat::Leaf,
        })
    }

    /// syn's `pat_range_bound`: a literal (negative numbers included) or a path.
    fn pat_range_bound(&mut self) -> R<Option<Expr<'s>>> {
        if self.is_empty()
            || self.punct(b'|')
            || self.punct(b'=')
            || (self.punct(b':') && !self.op(b"::"))
            || self.punct(b',')
            || self.punct(b';')
            || self.word(Kw::If)
        {
            return Ok(None);
        }
        let start = self.pos;
        if self.lit_at(0) {
            self.pos += if self.punct(b'-') { 2 } else { 1 };
            return Ok(Some(Expr {
                span: self.span_from(start),
                kind: ExprKind::Lit { string: false },
            }));
        }
        if self.ident_at(0)
            || self.op(b"::")
            || self.word(Kw::SelfValue)
            || self.word(Kw::SelfType)
            || self.word(Kw::Super)
            || self.word(Kw::Crate)
        {
            let path = self.path(true)?;
            return Ok(Some(Expr {
                span: self.span_from(start),
                kind: ExprKind::Path(path),
            }));
        }
        Err(Decline)
    }

    /// syn's `multi_pat_impl` (`parse_multi_with_leading_vert`, with a guard when `guard`).
    pub fn pat_multi(&mut self, leading_vert: bool, guard: bool) -> R<Pat<'s>> {
        let vert = leading_vert && self.eat_punct(b'|');
        let mut pat = self.pat_single()?;
        let more = |p: &Self| p.punct(b'|') && !p.op(b"||") && !p.op(b"|=");
        if vert || more(self) {
            let mut cases = vec![pat];
            while more(self) {
                self.pos += 1;
                cases.push(self.pat_single()?);
            }
            pat = Pat::Or(cases);
        }
        if guard && self.eat_word(Kw::If) {
            let condition = self.expr()?;
            pat = Pat::Guard(Box::new(pat), Box::new(condition));
        }
        Ok(pat)
    }

    // -----------------------------------------------------------------------------------------
    // Expressions.

    /// syn's `Expr::parse` (`ambiguous_expr` allowing struct literals).
    pub fn expr(&mut self) -> R<Expr<'s>> {
        self.ambiguous_expr(true)
    }

    fn ambiguous_expr(&mut self, allow_struct: bool) -> R<Expr<'s>> {
        self.nest(|p| {
            let lhs = p.unary_expr(allow_struct)?;
            p.parse_expr(lhs, allow_struct, JUMP)
        })
    }

    /// syn's `parse_with_earlier_boundary_rule` (statements and match arm bodies).
    fn expr_early(&mut self) -> R<Expr<'s>> {
        self.nest(|p| {
            if p.punct(b'#') {
                return Err(Decline);
            }
            let expr = if p.word(Kw::If) {
                p.expr_if()?
            } else if p.word(Kw::While) {
                p.expr_while()?
            } else if p.word(Kw::For) && !p.punct_at(1, b'<') {
                p.expr_for()?
            } else if p.word(Kw::Loop) {
                p.expr_loop()?
            } else if p.word(Kw::Match) {
                p.expr_match()?
            } else if p.word(Kw::Try) || p.word(Kw::Const) || p.lifetime_at(0) {
                return Err(Decline);
            } else if p.word(Kw::Unsafe) {
                p.expr_unsafe()?
            } else if p.open(Delim::Brace) {
                p.expr_block()?
            } else {
                let lhs = p.unary_expr(true)?;
                return p.parse_expr(lhs, true, JUMP);
            };
            if (p.punct(b'.') && !p.op(b"..")) || p.punct(b'?') {
                let expr = p.trailer_helper(expr)?;
                return p.parse_expr(expr, true, JUMP);
            }
            Ok(expr)
        })
    }

    /// syn's `peek` for a binary operator: its length, precedence and kind.
    fn peek_binop(&self) -> Option<(usize, u8, BinOp)> {
        const COMPOUND: [&[u8]; 8] = [b"+=", b"-=", b"*=", b"/=", b"%=", b"^=", b"&=", b"|="];
        for op in COMPOUND {
            if self.op(op) {
                return Some((2, ASSIGN, BinOp::Compound));
            }
        }
        if self.op(b"<<=") || self.op(b">>=") {
            return Some((3, ASSIGN, BinOp::Compound));
        }
        if self.op(b"&&") {
            return Some((2, AND, BinOp::And));
        }
        if self.op(b"||") {
            return Some((2, OR, BinOp::Other));
        }
        if self.op(b"<<") || self.op(b">>") {
            return Some((2, SHIFT, BinOp::Other));
        }
        if self.op(b"==") || self.op(b"<=") || self.op(b"!=") || self.op(b">=") {
            return Some((2, COMPARE, BinOp::Compare));
        }
        let Some(Kind::Punct(ch)) = self.kind_at(0) else {
            return None;
        };
        match ch {
            b'+' => Some((1, SUM, BinOp::Other)),
            b'-' if !self.op(b"->") => Some((1, SUM, BinOp::Other)),
            b'*' | b'/' | b'%' => Some((1, PRODUCT, BinOp::Other)),
            b'^' => Some((1, BIT_XOR, BinOp::Other)),
            b'&' => Some((1, BIT_AND, BinOp::Other)),
            b'|' => Some((1, BIT_OR, BinOp::Other)),
            b'<' if !self.op(b"<-") => Some((1, COMPARE, BinOp::Compare)),
            b'>' => Some((1, COMPARE, BinOp::Compare)),
            _ => None,
        }
    }

    /// syn's `parse_expr`: operators after `lhs` binding at least as tight as `base`.
    fn parse_expr(&mut self, mut lhs: Expr<'s>, allow_struct: bool, base: u8) -> R<Expr<'s>> {
        let depth = self.depth;
        loop {
            if matches!(lhs.kind, ExprKind::Range(..)) {
                break;
            }
            if let Some((length, precedence, op)) = self.peek_binop() {
                if precedence < base {
                    break;
                }
                if precedence == COMPARE
                    && matches!(lhs.kind, ExprKind::Binary(_, BinOp::Compare, _))
                {
                    return Err(Decline);
                }
                self.chain()?;
                self.pos += length;
                let right = self.parse_binop_rhs(allow_struct, precedence)?;
                let span = Span::new(lhs.span.start, right.span.end);
                lhs = Expr {
                    span,
                    kind: ExprKind::Binary(Box::new(lhs), op, Box::new(right)),
                };
            } else if ASSIGN >= base && self.punct(b'=') && !self.op(b"=>") {
                self.chain()?;
                self.pos += 1;
                let right = self.parse_binop_rhs(allow_struct, ASSIGN)?;
                let span = Span::new(lhs.span.start, right.span.end);
                lhs = Expr {
                    span,
                    kind: ExprKind::Assign(Box::new(lhs), Box::new(right)),
                };
            } else if RANGE >= base && self.op(b"..") {
                self.chain()?;
                let closed = self.range_limits()?;
                let end = self.parse_range_end(closed, allow_struct)?;
                let span = Span::new(lhs.span.start, self.toks[self.pos - 1].end as usize);
                lhs = Expr {
                    span,
                    kind: ExprKind::Range(Some(Box::new(lhs)), end.map(Box::new)),
                };
            } else if CAST >= base && self.word(Kw::As) {
                self.chain()?;
                self.pos += 1;
                let ty = self.ty(false)?;
                // `check_cast`: syn refuses a cast followed by these.
                if (self.punct(b'.') && !self.op(b".."))
                    || self.punct(b'?')
                    || self.open(Delim::Bracket)
                    || self.open(Delim::Paren)
                {
                    return Err(Decline);
                }
                let span = Span::new(lhs.span.start, self.toks[self.pos - 1].end as usize);
                lhs = Expr {
                    span,
                    kind: ExprKind::Cast(Box::new(lhs), Box::new(ty)),
                };
            } else if self.op(b"<-") {
                return Err(Decline);
            } else {
                break;
            }
        }
        self.depth = depth;
        Ok(lhs)
    }

    /// syn's `RangeLimits::parse`: consumes `..` or `..=`; `true` when closed.
    fn range_limits(&mut self) -> R<bool> {
        if self.op(b"..=") {
            self.pos += 3;
            Ok(true)
        } else if self.op(b"...") {
            Err(Decline)
        } else if self.op(b"..") {
            self.pos += 2;
            Ok(false)
        } else {
            Err(Decline)
        }
    }

    /// syn's `parse_binop_rhs`.
    fn parse_binop_rhs(&mut self, allow_struct: bool, precedence: u8) -> R<Expr<'s>> {
        let mut rhs = self.unary_expr(allow_struct)?;
        loop {
            let next = self.peek_precedence();
            if next > precedence || (next == precedence && precedence == ASSIGN) {
                let before = self.pos;
                rhs = self.nest(|p| p.parse_expr(rhs, allow_struct, next))?;
                if before == self.pos {
                    break;
                }
            } else {
                break;
            }
        }
        Ok(rhs)
    }

    /// syn's `peek_precedence`.
    fn peek_precedence(&self) -> u8 {
        if let Some((_, precedence, _)) = self.peek_binop() {
            precedence
        } else if self.punct(b'=') && !self.op(b"=>") {
            ASSIGN
        } else if self.op(b"..") {
            RANGE
        } else if self.word(Kw::As) {
            CAST
        } else {
            JUMP
        }
    }

    /// syn's `parse_range_end`.
    fn parse_range_end(&mut self, closed: bool, allow_struct: bool) -> R<Option<Expr<'s>>> {
        if !closed
            && (self.is_empty()
                || self.punct(b',')
                || self.punct(b';')
                || (self.punct(b'.') && !self.op(b".."))
                || self.punct(b'?')
                || self.op(b"=>")
                || (!allow_struct && self.open(Delim::Brace))
                || self.punct(b'=')
                || self.punct(b'+')
                || self.punct(b'/')
                || self.punct(b'%')
                || self.punct(b'^')
                || self.punct(b'>')
                || self.op(b"<=")
                || self.op(b"!=")
                || self.op(b"-=")
                || self.op(b"*=")
                || self.op(b"&=")
                || self.op(b"|=")
                || self.op(b"<<=")
                || self.word(Kw::As))
        {
            return Ok(None);
        }
        self.parse_binop_rhs(allow_struct, RANGE).map(Some)
    }

    /// syn's `unary_expr`.
    fn unary_expr(&mut self, allow_struct: bool) -> R<Expr<'s>> {
        self.nest(|p| {
            let start = p.pos;
            if p.punct(b'#') {
                return Err(Decline);
            }
            if p.eat_punct(b'&') {
                if p.word(Kw::Raw) && (p.word_at(1, Kw::Mut) || p.word_at(1, Kw::Const)) {
                    return Err(Decline);
                }
                let mutable = p.eat_word(Kw::Mut);
                let expr = p.unary_expr(allow_struct)?;
                return Ok(p.expr_since(
                    start,
                    ExprKind::Reference {
                        mutable,
                        expr: Box::new(expr),
                    },
                ));
            }
            if p.punct(b'*') || p.punct(b'!') || p.punct(b'-') {
                let deref = p.punct(b'*');
                p.pos += 1;
                let expr = p.unary_expr(allow_struct)?;
                return Ok(p.expr_since(
                    start,
                    ExprKind::Unary {
                        deref,
                        expr: Box::new(expr),
                    },
                ));
            }
            let atom = p.atom_expr(allow_struct)?;
            p.trailer_helper(atom)
        })
    }

    /// syn's `trailer_helper`: calls, method calls, fields, indexing, `?` and `.await`.
    fn trailer_helper(&mut self, mut e: Expr<'s>) -> R<Expr<'s>> {
        let depth = self.depth;
        let start = e.span.start;
        loop {
            if self.open(Delim::Paren) {
                self.chain()?;
                let args = self.group(Delim::Paren, Self::terminated_exprs)?;
                e = Expr {
                    span: Span::new(start, self.toks[self.pos - 1].end as usize),
                    kind: ExprKind::Call(Box::new(e), args),
                };
            } else if self.punct(b'.') && !self.op(b"..") && !matches!(e.kind, ExprKind::Range(..))
            {
                self.chain()?;
                self.pos += 1;
                if self.word(Kw::Await) {
                    self.pos += 1;
                    e = Expr {
                        span: Span::new(start, self.toks[self.pos - 1].end as usize),
                        kind: ExprKind::Await(Box::new(e)),
                    };
                    continue;
                }
                let method = if self.ident_at(0) {
                    Some(self.take_ident())
                } else if self.kind_at(0) == Some(Kind::Lit(LitKind::Number))
                    && self.text_of(self.pos).bytes().all(|b| b.is_ascii_digit())
                    // syn reads a tuple index as a u32 and reports an error past it.
                    && self.text_of(self.pos).parse::<u32>().is_ok()
                {
                    self.pos += 1;
                    None
                } else {
                    return Err(Decline);
                };
                if let Some(method) = method {
                    let turbofish = if self.op(b"::") {
                        self.pos += 2;
                        Some(self.generic_args()?.into_boxed_slice())
                    } else {
                        None
                    };
                    if turbofish.is_some() || self.open(Delim::Paren) {
                        let args = self.group(Delim::Paren, Self::terminated_exprs)?;
                        e = Expr {
                            span: Span::new(start, self.toks[self.pos - 1].end as usize),
                            kind: ExprKind::MethodCall {
                                receiver: Box::new(e),
                                method,
                                turbofish,
                                args,
                            },
                        };
                        continue;
                    }
                }
                e = Expr {
                    span: Span::new(start, self.toks[self.pos - 1].end as usize),
                    kind: ExprKind::Field(Box::new(e)),
                };
            } else if self.open(Delim::Bracket) {
                self.chain()?;
                let index = self.group(Delim::Bracket, Self::expr)?;
                e = Expr {
                    span: Span::new(start, self.toks[self.pos - 1].end as usize),
                    kind: ExprKind::Index(Box::new(e), Box::new(index)),
                };
            } else if self.punct(b'?') && !matches!(e.kind, ExprKind::Range(..)) {
                self.chain()?;
                self.pos += 1;
                e = Expr {
                    span: Span::new(start, self.toks[self.pos - 1].end as usize),
                    kind: ExprKind::Try(Box::new(e)),
                };
            } else {
                break;
            }
        }
        self.depth = depth;
        Ok(e)
    }

    /// `parse_terminated(Expr::parse, Token![,])` over the rest of the current group.
    pub fn terminated_exprs(&mut self) -> R<Vec<Expr<'s>>> {
        let mut exprs = Vec::new();
        loop {
            if self.is_empty() {
                break;
            }
            exprs.push(self.expr()?);
            if self.is_empty() {
                break;
            }
            self.expect_punct(b',')?;
        }
        Ok(exprs)
    }

    /// syn's `atom_expr`.
    fn atom_expr(&mut self, allow_struct: bool) -> R<Expr<'s>> {
        let start = self.pos;
        let Some(kind) = self.kind_at(0) else {
            return Err(Decline);
        };
        if self.lit_at(0) {
            let string = kind == Kind::Lit(LitKind::Str);
            self.pos += 1;
            return Ok(self.expr_since(start, ExprKind::Lit { string }));
        }
        if self.word(Kw::Async)
            || self.word(Kw::Try)
            || self.word(Kw::Const)
            || self.word(Kw::Static)
            || (self.word(Kw::For) && self.punct_at(1, b'<'))
            || (self.word(Kw::Builtin) && self.punct_at(1, b'#'))
        {
            return Err(Decline);
        }
        if self.punct(b'|') || self.word(Kw::Move) {
            return self.expr_closure(allow_struct);
        }
        if self.ident_at(0)
            || self.op(b"::")
            || self.punct(b'<')
            || self.word(Kw::SelfValue)
            || self.word(Kw::SelfType)
            || self.word(Kw::Super)
            || self.word(Kw::Crate)
        {
            return self.path_or_macro_or_struct(allow_struct);
        }
        if self.open(Delim::Paren) {
            let kind = self.group(Delim::Paren, |p| {
                if p.is_empty() {
                    return Ok(ExprKind::Tuple(Vec::new()));
                }
                let first = p.expr()?;
                if p.is_empty() {
                    return Ok(ExprKind::Paren(Box::new(first)));
                }
                let mut elems = vec![first];
                while !p.is_empty() {
                    p.expect_punct(b',')?;
                    if p.is_empty() {
                        break;
                    }
                    elems.push(p.expr()?);
                }
                Ok(ExprKind::Tuple(elems))
            })?;
            return Ok(self.expr_since(start, kind));
        }
        if self.word(Kw::Break) || self.word(Kw::Return) {
            let is_break = self.word(Kw::Break);
            self.pos += 1;
            if is_break && self.lifetime_at(0) {
                return Err(Decline);
            }
            let value =
                if self.expr_peek() && (!is_break || allow_struct || !self.open(Delim::Brace)) {
                    Some(Box::new(self.expr()?))
                } else {
                    None
                };
            return Ok(self.expr_since(start, ExprKind::Jump(value)));
        }
        if self.word(Kw::Continue) {
            self.pos += 1;
            if self.lifetime_at(0) {
                return Err(Decline);
            }
            return Ok(self.expr_since(start, ExprKind::Continue));
        }
        if self.open(Delim::Bracket) {
            let kind = self.group(Delim::Bracket, |p| {
                if p.is_empty() {
                    return Ok(ExprKind::Tuple(Vec::new()));
                }
                let first = p.expr()?;
                if p.is_empty() || p.punct(b',') {
                    let mut elems = vec![first];
                    while !p.is_empty() {
                        p.expect_punct(b',')?;
                        if p.is_empty() {
                            break;
                        }
                        elems.push(p.expr()?);
                    }
                    Ok(ExprKind::Tuple(elems))
                } else if p.eat_punct(b';') {
                    let len = p.expr()?;
                    Ok(ExprKind::Repeat(Box::new(first), Box::new(len)))
                } else {
                    Err(Decline)
                }
            })?;
            return Ok(self.expr_since(start, kind));
        }
        if self.word(Kw::Let) {
            self.pos += 1;
            let pat = self.pat_multi(true, false)?;
            self.expect_punct(b'=')?;
            let lhs = self.unary_expr(allow_struct)?;
            let expr = self.parse_expr(lhs, allow_struct, COMPARE)?;
            return Ok(self.expr_since(start, ExprKind::Let(Box::new(pat), Box::new(expr))));
        }
        if self.word(Kw::If) {
            return self.expr_if();
        }
        if self.word(Kw::While) {
            return self.expr_while();
        }
        if self.word(Kw::For) {
            return self.expr_for();
        }
        if self.word(Kw::Loop) {
            return self.expr_loop();
        }
        if self.word(Kw::Match) {
            return self.expr_match();
        }
        if self.word(Kw::Unsafe) {
            return self.expr_unsafe();
        }
        if self.open(Delim::Brace) {
            return self.expr_block();
        }
        if self.op(b"..") {
            let closed = self.range_limits()?;
            let end = self.parse_range_end(closed, allow_struct)?;
            return Ok(self.expr_since(start, ExprKind::Range(None, end.map(Box::new))));
        }
        if self.eat_word(Kw::Underscore) {
            return Ok(self.expr_since(start, ExprKind::Infer));
        }
        Err(Decline)
    }

    /// syn's `Expr::peek`: whether an expression may start here (after `return`, `break`).
    fn expr_peek(&self) -> bool {
        (self.kind_at(0) == Some(Kind::Ident) && !self.word(Kw::As))
            || self.open(Delim::Paren)
            || self.open(Delim::Bracket)
            || self.open(Delim::Brace)
            || self.lit_at(0)
            || (self.punct(b'!') && !self.op(b"!="))
            || (self.punct(b'-') && !self.op(b"-=") && !self.op(b"->"))
            || (self.punct(b'*') && !self.op(b"*="))
            || (self.punct(b'|') && !self.op(b"|="))
            || (self.punct(b'&') && !self.op(b"&="))
            || self.op(b"..")
            || (self.punct(b'<') && !self.op(b"<=") && !self.op(b"<<="))
            || self.op(b"::")
            || self.lifetime_at(0)
            || self.punct(b'#')
    }

    /// syn's `path_or_macro_or_struct` (no qualified self).
    fn path_or_macro_or_struct(&mut self, allow_struct: bool) -> R<Expr<'s>> {
        let start = self.pos;
        let path = self.path(true)?;
        if self.punct(b'!') && !self.op(b"!=") && path.is_mod_style() {
            self.pos += 1;
            let Some(Kind::Open(delim)) = self.kind_at(0) else {
                return Err(Decline);
            };
            let open = self.pos;
            let close = self.toks[open].partner as usize;
            self.pos = close + 1;
            return Ok(self.expr_since(
                start,
                ExprKind::Macro(Box::new(Macro {
                    path,
                    body: (open + 1, close),
                    brace: delim == Delim::Brace,
                    depth: self.depth,
                })),
            ));
        }
        if allow_struct && self.open(Delim::Brace) {
            let (fields, rest) = self.group(Delim::Brace, |p| {
                let mut fields = Vec::new();
                let mut rest = None;
                while !p.is_empty() {
                    if p.op(b"..") {
                        p.pos += 2;
                        if !p.is_empty() {
                            rest = Some(p.expr()?);
                        }
                        break;
                    }
                    if p.punct(b'#') {
                        return Err(Decline);
                    }
                    let member = p.ident()?;
                    if p.eat_punct(b':') {
                        fields.push(p.expr()?);
                    } else {
                        fields.push(Expr {
                            span: member.span,
                            kind: ExprKind::Path(Path::single(member)),
                        });
                    }
                    if p.is_empty() {
                        break;
                    }
                    p.expect_punct(b',')?;
                }
                Ok((fields, rest))
            })?;
            return Ok(self.expr_since(
                start,
                ExprKind::Struct(Box::new(StructLit { path, fields, rest })),
            ));
        }
        Ok(self.expr_since(start, ExprKind::Path(path)))
    }

    /// syn's `expr_closure`: `|inputs| body`, `move |..|`, `|..| -> T { .. }`.
    fn expr_closure(&mut self, allow_struct: bool) -> R<Expr<'s>> {
        let start = self.pos;
        self.eat_word(Kw::Move);
        self.expect_punct(b'|')?;
        let mut inputs = Vec::new();
        loop {
            if self.punct(b'|') {
                break;
            }
            if self.punct(b'#') {
                return Err(Decline);
            }
            let mut pat = self.pat_single()?;
            if self.eat_punct(b':') {
                let ty = self.ty(true)?;
                pat = Pat::Type(Box::new(pat), Box::new(ty));
            }
            inputs.push(pat);
            if self.punct(b'|') {
                break;
            }
            self.expect_punct(b',')?;
        }
        self.expect_punct(b'|')?;
        let (output, body) = if self.op(b"->") {
            self.pos += 2;
            let ty = self.ty(true)?;
            if !self.open(Delim::Brace) {
                return Err(Decline);
            }
            let block_start = self.pos;
            let block = self.nest(|p| {
                p.group(Delim::Brace, |p| {
                    Ok(Block {
                        stmts: p.block_body()?,
                    })
                })
            })?;
            let body = Expr {
                span: self.span_from(block_start),
                kind: ExprKind::Block(block),
            };
            (Some(Box::new(ty)), body)
        } else {
            (None, self.ambiguous_expr(allow_struct)?)
        };
        Ok(self.expr_since(
            start,
            ExprKind::Closure {
                inputs,
                output,
                body: Box::new(body),
            },
        ))
    }

    /// syn's `Block::parse` (no inner attributes) for `if` branches.
    fn plain_block(&mut self) -> R<Block<'s>> {
        self.nest(|p| {
            p.group(Delim::Brace, |p| {
                Ok(Block {
                    stmts: p.block_body()?,
                })
            })
        })
    }

    /// syn's `ExprIf::parse`.
    fn expr_if(&mut self) -> R<Expr<'s>> {
        self.nest(|p| {
            let start = p.pos;
            p.expect_word(Kw::If)?;
            let cond = p.ambiguous_expr(false)?;
            let then = p.plain_block()?;
            let otherwise = if p.eat_word(Kw::Else) {
                if p.word(Kw::If) {
                    Some(Box::new(p.expr_if()?))
                } else if p.open(Delim::Brace) {
                    let block_start = p.pos;
                    let block = p.plain_block()?;
                    Some(Box::new(Expr {
                        span: p.span_from(block_start),
                        kind: ExprKind::Block(block),
                    }))
                } else {
                    return Err(Decline);
                }
            } else {
                None
            };
            Ok(p.expr_since(
                start,
                ExprKind::If {
                    cond: Box::new(cond),
                    then,
                    otherwise,
                },
            ))
        })
    }

    /// syn's `ExprWhile::parse` (no label).
    fn expr_while(&mut self) -> R<Expr<'s>> {
        let start = self.pos;
        self.expect_word(Kw::While)?;
        let cond = self.ambiguous_expr(false)?;
        let body = self.braced_body()?;
        Ok(self.expr_since(start, ExprKind::While(Box::new(cond), body)))
    }

    /// syn's `ExprForLoop::parse` (no label).
    fn expr_for(&mut self) -> R<Expr<'s>> {
        let start = self.pos;
        self.expect_word(Kw::For)?;
        let pat = self.pat_multi(true, false)?;
        self.expect_word(Kw::In)?;
        let expr = self.ambiguous_expr(false)?;
        let body = self.braced_body()?;
        Ok(self.expr_since(
            start,
            ExprKind::ForLoop(Box::new(pat), Box::new(expr), body),
        ))
    }

    /// syn's `ExprLoop::parse` (no label).
    fn expr_loop(&mut self) -> R<Expr<'s>> {
        let start = self.pos;
        self.expect_word(Kw::Loop)?;
        let body = self.braced_body()?;
        Ok(self.expr_since(start, ExprKind::Loop(body)))
    }

    /// syn's `ExprUnsafe::parse`.
    fn expr_unsafe(&mut self) -> R<Expr<'s>> {
        let start = self.pos;
        self.expect_word(Kw::Unsafe)?;
        let body = self.braced_body()?;
        Ok(self.expr_since(start, ExprKind::Block(body)))
    }

    /// syn's `ExprBlock::parse` (no label).
    fn expr_block(&mut self) -> R<Expr<'s>> {
        let start = self.pos;
        let body = self.braced_body()?;
        Ok(self.expr_since(start, ExprKind::Block(body)))
    }

    /// syn's `ExprMatch::parse` and `Arm::parse`.
    fn expr_match(&mut self) -> R<Expr<'s>> {
        let start = self.pos;
        self.expect_word(Kw::Match)?;
        let scrutinee = self.ambiguous_expr(false)?;
        let arms = self.nest(|p| {
            p.group(Delim::Brace, |p| {
                if p.punct(b'#') {
                    return Err(Decline);
                }
                let mut arms = Vec::new();
                while !p.is_empty() {
                    let pat = p.pat_multi(true, true)?;
                    if !p.op(b"=>") {
                        return Err(Decline);
                    }
                    p.pos += 2;
                    let body = p.expr_early()?;
                    let requires_comma = requires_comma_to_be_match_arm(&body);
                    if requires_comma && !p.is_empty() {
                        p.expect_punct(b',')?;
                    } else {
                        p.eat_punct(b',');
                    }
                    arms.push((pat, body));
                }
                Ok(arms)
            })
        })?;
        Ok(self.expr_since(start, ExprKind::Match(Box::new(scrutinee), arms)))
    }
}

/// syn's `classify::requires_comma_to_be_match_arm`.
fn requires_comma_to_be_match_arm(expr: &Expr) -> bool {
    !matches!(
        expr.kind,
        ExprKind::If { .. }
            | ExprKind::Match(..)
            | ExprKind::Block(_)
            | ExprKind::While(..)
            | ExprKind::Loop(_)
            | ExprKind::ForLoop(..)
    )
}

/// syn's `classify::requires_semi_to_be_stmt`.
fn requires_semi_to_be_stmt(expr: &Expr) -> bool {
    match &expr.kind {
        ExprKind::Macro(mac) => !mac.brace,
        _ => requires_comma_to_be_match_arm(expr),
    }
}
