//! One file per rule. Each file declares its rule with `declare_rule!` (code, name, default
//! severity, fixability, whether it needs the cells analysed, and its page under `rules/`)
//! and holds its check function.

mod nb001_syntax_error;
mod nb002_unused_suppression;
mod nb101_oversized_cell;
mod nb102_empty_cell;

pub use nb001_syntax_error::NB001_SYNTAX_ERROR;
pub use nb002_unused_suppression::NB002_UNUSED_SUPPRESSION;
pub use nb101_oversized_cell::NB101_OVERSIZED_CELL;
pub use nb102_empty_cell::NB102_EMPTY_CELL;

use crate::registry::Rule;

/// Every rule, in code order.
pub static ALL: &[&Rule] = &[
    &NB001_SYNTAX_ERROR,
    &NB002_UNUSED_SUPPRESSION,
    &NB101_OVERSIZED_CELL,
    &NB102_EMPTY_CELL,
];
