//! The fast path's syntax tree: the part of syn's tree the walk reads, for the subset the
//! parser accepts. Each node keeps what the walk needs (names with spans, the spans of
//! expressions that become evidence or the trailing expression) and nothing else; names are
//! slices of the cell's source.

use nblint_facts::Span;

/// An identifier as written (`r#` included) and where.
#[derive(Debug, Clone, Copy)]
pub struct Ident<'s> {
    /// The text as written.
    pub text: &'s str,
    /// Where it is.
    pub span: Span,
}

impl<'s> Ident<'s> {
    /// The name without `r#` (syn's `unraw`).
    pub fn name(&self) -> &'s str {
        self.text.strip_prefix("r#").unwrap_or(self.text)
    }
}

/// A path: `a::b::<T>::c`.
#[derive(Debug)]
pub struct Path<'s> {
    /// Starts with `::`.
    pub leading_colon: bool,
    /// The first segment (kept inline: most paths have one).
    pub first: Segment<'s>,
    /// The other segments.
    pub rest: Vec<Segment<'s>>,
}

impl<'s> Path<'s> {
    /// A one-segment path (a field shorthand `Point { x }` reads `x`).
    pub fn single(ident: Ident<'s>) -> Self {
        Path {
            leading_colon: false,
            first: Segment { ident, args: None },
            rest: Vec::new(),
        }
    }

    /// The segments in order.
    pub fn segments(&self) -> impl Iterator<Item = &Segment<'s>> {
        std::iter::once(&self.first).chain(&self.rest)
    }

    /// The last segment.
    pub fn last(&self) -> &Segment<'s> {
        self.rest.last().unwrap_or(&self.first)
    }

    /// No segment has generic arguments (syn's `is_mod_style`).
    pub fn is_mod_style(&self) -> bool {
        self.segments().all(|segment| segment.args.is_none())
    }

    /// The path's only identifier, if it is one plain name (syn's `get_ident`).
    pub fn get_ident(&self) -> Option<&Ident<'s>> {
        (!self.leading_colon && self.rest.is_empty() && self.first.args.is_none())
            .then_some(&self.first.ident)
    }
}

/// One path segment and its angle-bracketed generic arguments.
#[derive(Debug)]
pub struct Segment<'s> {
    /// The name.
    pub ident: Ident<'s>,
    /// `<...>` (or `::<...>`), if written.
    pub args: Option<Box<[GenericArg<'s>]>>,
}

/// A generic argument.
#[derive(Debug)]
pub enum GenericArg<'s> {
    /// `'a`
    Lifetime,
    /// A type.
    Type(Type<'s>),
    /// `Item = Type`: only the type is visited.
    AssocType(Type<'s>),
}

/// A type.
#[derive(Debug)]
pub enum Type<'s> {
    /// `a::B<C>`
    Path(Path<'s>),
    /// `&'a mut T`
    Reference(Box<Type<'s>>),
    /// `[T]`
    Slice(Box<Type<'s>>),
    /// `[T; N]`
    Array(Box<Type<'s>>, Box<Expr<'s>>),
    /// `(A, B)` and `()`
    Tuple(Vec<Type<'s>>),
    /// `(T)`
    Paren(Box<Type<'s>>),
    /// `!` or `_`: nothing to visit.
    Leaf,
}

/// A pattern.
#[derive(Debug)]
pub enum Pat<'s> {
    /// `ref mut name @ sub`
    Ident {
        /// The name.
        ident: Ident<'s>,
        /// `ref`
        by_ref: bool,
        /// `mut`
        mutable: bool,
        /// `@ sub`
        subpat: Option<Box<Pat<'s>>>,
    },
    /// `_`, `..`, a literal: binds and reads nothing.
    Leaf,
    /// `a..=b` with literal or path bounds.
    Range(Option<Box<Expr<'s>>>, Option<Box<Expr<'s>>>),
    /// `None`, `Color::Red`
    Path(Path<'s>),
    /// `Some(x)`
    TupleStruct(Box<Path<'s>>, Vec<Pat<'s>>),
    /// `Point { x, y: 0, .. }`: each field's pattern and whether it was shorthand.
    Struct(Box<Path<'s>>, Vec<(Pat<'s>, bool)>),
    /// `(a, b)`
    Tuple(Vec<Pat<'s>>),
    /// `[a, b]`
    Slice(Vec<Pat<'s>>),
    /// `(p)`
    Paren(Box<Pat<'s>>),
    /// `&p`
    Reference(Box<Pat<'s>>),
    /// `a | b`
    Or(Vec<Pat<'s>>),
    /// `p: T`
    Type(Box<Pat<'s>>, Box<Type<'s>>),
    /// `p if guard` (match arms)
    Guard(Box<Pat<'s>>, Box<Expr<'s>>),
}

/// An expression and its span (first token to last, as syn's `Spanned` joins them).
#[derive(Debug)]
pub struct Expr<'s> {
    /// Where it is.
    pub span: Span,
    /// What it is.
    pub kind: ExprKind<'s>,
}

/// A binary operator, as far as the walk cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    /// `&&`
    And,
    /// `+=` and the other compound assignments.
    Compound,
    /// `==`, `<` and the other comparisons (syn refuses to chain them).
    Compare,
    /// Any other.
    Other,
}

/// An expression's kind.
#[derive(Debug)]
pub enum ExprKind<'s> {
    /// A literal; `string` for a string literal (`"..."`, `r"..."`), a possible format string.
    Lit {
        /// A string literal.
        string: bool,
    },
    /// `a::b`
    Path(Path<'s>),
    /// `f(args)`
    Call(Box<Expr<'s>>, Vec<Expr<'s>>),
    /// `receiver.method::<T>(args)`
    MethodCall {
        /// The receiver.
        receiver: Box<Expr<'s>>,
        /// The method's name.
        method: Ident<'s>,
        /// `::<...>`
        turbofish: Option<Box<[GenericArg<'s>]>>,
        /// The arguments.
        args: Vec<Expr<'s>>,
    },
    /// `base.field` / `base.0`
    Field(Box<Expr<'s>>),
    /// `base[index]`
    Index(Box<Expr<'s>>, Box<Expr<'s>>),
    /// `expr?`
    Try(Box<Expr<'s>>),
    /// `expr.await`
    Await(Box<Expr<'s>>),
    /// `*expr`, `!expr`, `-expr`
    Unary {
        /// `*`
        deref: bool,
        /// The operand.
        expr: Box<Expr<'s>>,
    },
    /// `&expr` / `&mut expr`
    Reference {
        /// `&mut`
        mutable: bool,
        /// The operand.
        expr: Box<Expr<'s>>,
    },
    /// `left op right`
    Binary(Box<Expr<'s>>, BinOp, Box<Expr<'s>>),
    /// `left = right`
    Assign(Box<Expr<'s>>, Box<Expr<'s>>),
    /// `expr as T`
    Cast(Box<Expr<'s>>, Box<Type<'s>>),
    /// `a..b`, `..`, `a..=b`
    Range(Option<Box<Expr<'s>>>, Option<Box<Expr<'s>>>),
    /// `move |inputs| -> T body`
    Closure {
        /// The parameters.
        inputs: Vec<Pat<'s>>,
        /// `-> T`
        output: Option<Box<Type<'s>>>,
        /// The body.
        body: Box<Expr<'s>>,
    },
    /// `{ .. }` and `unsafe { .. }`
    Block(Block<'s>),
    /// `if cond { .. } else ..`
    If {
        /// The condition (`let` patterns included).
        cond: Box<Expr<'s>>,
        /// The block.
        then: Block<'s>,
        /// `else if ..` or `else { .. }`
        otherwise: Option<Box<Expr<'s>>>,
    },
    /// `let pat = expr` in a condition.
    Let(Box<Pat<'s>>, Box<Expr<'s>>),
    /// `while cond { .. }`
    While(Box<Expr<'s>>, Block<'s>),
    /// `for pat in expr { .. }`
    ForLoop(Box<Pat<'s>>, Box<Expr<'s>>, Block<'s>),
    /// `loop { .. }`
    Loop(Block<'s>),
    /// `match expr { pat => body, .. }`
    Match(Box<Expr<'s>>, Vec<(Pat<'s>, Expr<'s>)>),
    /// `path!(..)`
    Macro(Box<Macro<'s>>),
    /// `Path { field: expr, short, ..rest }`.
    Struct(Box<StructLit<'s>>),
    /// `(a, b)`, `[a, b]`
    Tuple(Vec<Expr<'s>>),
    /// `(expr)`
    Paren(Box<Expr<'s>>),
    /// `[expr; len]`
    Repeat(Box<Expr<'s>>, Box<Expr<'s>>),
    /// `break expr`, `return expr`
    Jump(Option<Box<Expr<'s>>>),
    /// `continue`
    Continue,
    /// `_` (as in `_ = value`)
    Infer,
}

/// A struct literal: the field expressions in order.
#[derive(Debug)]
pub struct StructLit<'s> {
    /// The path.
    pub path: Path<'s>,
    /// Field values (a shorthand field is a path expression).
    pub fields: Vec<Expr<'s>>,
    /// `..rest`
    pub rest: Option<Expr<'s>>,
}

/// A macro call: its path and the token range of its body.
#[derive(Debug)]
pub struct Macro<'s> {
    /// The macro's path.
    pub path: Path<'s>,
    /// The body's tokens: indices after the opening delimiter up to the closing one.
    pub body: (usize, usize),
    /// Braces delimit the body.
    pub brace: bool,
    /// The parser's nesting depth where the call stands.
    pub depth: u32,
}

/// A block's statements.
#[derive(Debug)]
pub struct Block<'s> {
    /// The statements.
    pub stmts: Vec<Stmt<'s>>,
}

/// A statement.
#[derive(Debug)]
pub enum Stmt<'s> {
    /// `let pat = init;`
    Local(Pat<'s>, Option<Expr<'s>>),
    /// An item.
    Item(Box<Item<'s>>),
    /// An expression (or macro) statement; `true` when a `;` ends it.
    Expr(Expr<'s>, bool),
    /// A lone `;`.
    Empty,
}

/// An outer attribute, as far as the walk cares.
#[derive(Debug)]
pub enum Attr<'s> {
    /// `#[derive(A, b::C)]`
    Derive(Vec<Path<'s>>),
    /// Any other attribute with a single-segment name (visits nothing): its name.
    Other(&'s str),
}

/// A generic parameter.
#[derive(Debug)]
pub enum GenericParam<'s> {
    /// `'a`
    Lifetime,
    /// `T: Bound + Other<X>`
    Type(Ident<'s>, Vec<Path<'s>>),
}

/// A function's parameter.
#[derive(Debug)]
pub enum FnArg<'s> {
    /// `self`, `&self`, `&mut self`, `mut self`
    Receiver,
    /// `pat: Type`
    Typed(Pat<'s>, Type<'s>),
}

/// A function signature and body.
#[derive(Debug)]
pub struct Function<'s> {
    /// Outer attributes.
    pub attrs: Vec<Attr<'s>>,
    /// `pub`
    pub public: bool,
    /// The name.
    pub ident: Ident<'s>,
    /// Generic parameters.
    pub generics: Vec<GenericParam<'s>>,
    /// Parameters.
    pub inputs: Vec<FnArg<'s>>,
    /// `-> T`
    pub output: Option<Type<'s>>,
    /// The body.
    pub body: Block<'s>,
}

/// One leaf or branch of a `use` tree.
#[derive(Debug)]
pub enum UseTree<'s> {
    /// `a::rest`
    Path(Ident<'s>, Box<UseTree<'s>>),
    /// `a`
    Name(Ident<'s>),
    /// `a as b`: the two names and the span of the whole rename.
    Rename(Ident<'s>, Ident<'s>, Span),
    /// `*`
    Glob(Span),
    /// `{a, b}`
    Group(Vec<UseTree<'s>>),
}

/// An item inside an `impl` block.
#[derive(Debug)]
pub enum ImplItem<'s> {
    /// A method or associated function.
    Fn(Function<'s>),
    /// `const NAME: T = expr;`
    Const(Vec<Attr<'s>>, Type<'s>, Expr<'s>),
}

/// A struct's or variant's fields: each one's attributes and type.
pub type Fields<'s> = Vec<(Vec<Attr<'s>>, Type<'s>)>;

/// An item.
#[derive(Debug)]
pub enum Item<'s> {
    /// `fn`
    Fn(Function<'s>),
    /// `struct Name<G> { fields }`
    Struct {
        /// Outer attributes.
        attrs: Vec<Attr<'s>>,
        /// `pub`
        public: bool,
        /// The name.
        ident: Ident<'s>,
        /// Generic parameters.
        generics: Vec<GenericParam<'s>>,
        /// The fields.
        fields: Fields<'s>,
    },
    /// `enum Name<G> { variants }`
    Enum {
        /// Outer attributes.
        attrs: Vec<Attr<'s>>,
        /// `pub`
        public: bool,
        /// The name.
        ident: Ident<'s>,
        /// Generic parameters.
        generics: Vec<GenericParam<'s>>,
        /// Each variant's attributes, fields and discriminant.
        variants: Vec<(Vec<Attr<'s>>, Fields<'s>, Option<Expr<'s>>)>,
    },
    /// `use tree;`
    Use {
        /// `pub`
        public: bool,
        /// `use ::a`
        leading_colon: bool,
        /// The tree.
        tree: UseTree<'s>,
        /// The whole item, `use` through `;`.
        span: Span,
    },
    /// `const NAME: T = expr;`
    Const {
        /// Outer attributes.
        attrs: Vec<Attr<'s>>,
        /// `pub`
        public: bool,
        /// The name.
        ident: Ident<'s>,
        /// The type.
        ty: Type<'s>,
        /// The value.
        expr: Expr<'s>,
    },
    /// `static mut NAME: T = expr;`
    Static {
        /// Outer attributes.
        attrs: Vec<Attr<'s>>,
        /// `pub`
        public: bool,
        /// `mut`
        mutable: bool,
        /// The name.
        ident: Ident<'s>,
        /// The type.
        ty: Type<'s>,
        /// The value.
        expr: Expr<'s>,
    },
    /// `extern crate name as alias;`
    ExternCrate {
        /// Outer attributes.
        attrs: Vec<Attr<'s>>,
        /// `pub`
        public: bool,
        /// The name bound: the alias if renamed, else the crate.
        ident: Ident<'s>,
    },
    /// `impl Trait for Type { items }`
    Impl {
        /// Outer attributes.
        attrs: Vec<Attr<'s>>,
        /// The trait's path.
        trait_path: Option<Path<'s>>,
        /// The type.
        self_ty: Type<'s>,
        /// The items.
        items: Vec<ImplItem<'s>>,
    },
}
