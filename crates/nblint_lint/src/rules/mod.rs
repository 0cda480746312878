//! One file per rule. Each file declares its rule with `declare_rule!` (code, name, default
//! severity, fixability, whether it needs the cells analysed, and its page under `rules/`)
//! and holds its check function.

mod branches;
mod name_index;
mod nb000_io_error;
mod nb001_syntax_error;
mod nb002_unused_suppression;
mod nb101_oversized_cell;
mod nb102_empty_cell;
mod nb103_non_linear_execution;
mod nb104_unexecuted_cell;
mod nb105_undocumented_notebook;
mod nb201_undefined_above;
mod nb202_undefined_name;
mod nb203_duplicate_import;
mod nb204_late_import;
mod nb205_redefined_across_cells;
mod nb206_mutated_across_cells;
mod nb207_unused_definition;
mod nb208_conflicting_dependency;
pub(crate) mod places;
mod rebound_calls;
mod value_text;

pub use nb000_io_error::NB000_IO_ERROR;
pub use nb001_syntax_error::NB001_SYNTAX_ERROR;
pub use nb002_unused_suppression::NB002_UNUSED_SUPPRESSION;
pub use nb101_oversized_cell::NB101_OVERSIZED_CELL;
pub use nb102_empty_cell::NB102_EMPTY_CELL;
pub use nb103_non_linear_execution::NB103_NON_LINEAR_EXECUTION;
pub use nb104_unexecuted_cell::NB104_UNEXECUTED_CELL;
pub use nb105_undocumented_notebook::NB105_UNDOCUMENTED_NOTEBOOK;
pub use nb201_undefined_above::NB201_UNDEFINED_ABOVE;
pub use nb202_undefined_name::NB202_UNDEFINED_NAME;
pub use nb203_duplicate_import::NB203_DUPLICATE_IMPORT;
pub use nb204_late_import::NB204_LATE_IMPORT;
pub use nb205_redefined_across_cells::NB205_REDEFINED_ACROSS_CELLS;
pub use nb206_mutated_across_cells::NB206_MUTATED_ACROSS_CELLS;
pub use nb207_unused_definition::NB207_UNUSED_DEFINITION;
pub use nb208_conflicting_dependency::NB208_CONFLICTING_DEPENDENCY;

use crate::registry::Rule;

/// Every rule, in code order.
pub static ALL: &[&Rule] = &[
    &NB000_IO_ERROR,
    &NB001_SYNTAX_ERROR,
    &NB002_UNUSED_SUPPRESSION,
    &NB101_OVERSIZED_CELL,
    &NB102_EMPTY_CELL,
    &NB103_NON_LINEAR_EXECUTION,
    &NB104_UNEXECUTED_CELL,
    &NB105_UNDOCUMENTED_NOTEBOOK,
    &NB201_UNDEFINED_ABOVE,
    &NB202_UNDEFINED_NAME,
    &NB203_DUPLICATE_IMPORT,
    &NB204_LATE_IMPORT,
    &NB205_REDEFINED_ACROSS_CELLS,
    &NB206_MUTATED_ACROSS_CELLS,
    &NB207_UNUSED_DEFINITION,
    &NB208_CONFLICTING_DEPENDENCY,
];
