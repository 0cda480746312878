//! A linear pre-scan of a cell's tokens that bounds how deep its syntax tree can be, so that
//! syn's recursive parser, our walk and the tree's drop never overflow the stack: moderately
//! deep cells run on a large stack, pathological ones (`((((…))))` ten thousand deep) are
//! reported instead of parsed.

use std::ops::Range;

use proc_macro2::{TokenStream, TokenTree};

/// Above this estimate the cell is not parsed.
pub const MAX_DEPTH: usize = 4_000;
/// Up to this estimate the cell is parsed on the current stack.
pub const SMALL_DEPTH: usize = 96;
/// The stack for cells between the two (reserved address space, touched only as used).
pub const LARGE_STACK: usize = 512 << 20;

/// How deep a token stream may nest.
#[derive(Debug)]
pub struct Shape {
    /// An upper bound on the syntax tree's depth: delimiter nesting plus, at each level, the
    /// tokens since the last `;` or `,` (operators and method chains nest one per token at
    /// most).
    pub depth: usize,
    /// Where that depth is reached (byte range in the parsed text).
    pub deepest_at: Range<usize>,
}

/// Measures `tokens` without recursion.
pub fn measure(tokens: &TokenStream) -> Shape {
    let mut shape = Shape {
        depth: 0,
        deepest_at: 0..0,
    };
    // Each level: its tokens, and the run since the last separator.
    let mut stack = vec![(tokens.clone().into_iter(), 0_usize)];
    let mut runs_total = 0_usize;
    while let Some((iterator, run)) = stack.last_mut() {
        let Some(tree) = iterator.next() else {
            runs_total -= *run;
            stack.pop();
            continue;
        };
        match &tree {
            TokenTree::Punct(punct) if matches!(punct.as_char(), ';' | ',') => {
                runs_total -= *run;
                *run = 0;
                continue;
            }
            _ => {
                *run += 1;
                runs_total += 1;
            }
        }
        let estimate = runs_total + stack.len();
        if estimate > shape.depth {
            shape.depth = estimate;
            shape.deepest_at = tree.span().byte_range();
        }
        if let TokenTree::Group(group) = tree {
            stack.push((group.stream().into_iter(), 0));
        }
    }
    shape
}

#[cfg(test)]
mod tests {
    use super::*;

    fn depth(text: &str) -> usize {
        measure(&text.parse().unwrap()).depth
    }

    #[test]
    fn separators_reset_and_groups_add() {
        assert!(depth("let a = 1; let b = 2;") <= 5);
        assert!(depth("vec![1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]") <= 6);
        let nested = format!("{}1{}", "(".repeat(300), ")".repeat(300));
        assert!(depth(&nested) > 300);
        let unary = format!("let x = {}1;", "-".repeat(500));
        assert!(depth(&unary) > 500);
    }
}
