//! The rules, tested the way a person meets them: every rule's fixtures (`triggers_*` fire,
//! `clean_*` stay quiet, all diagnostics snapshotted in concise form), the registry's
//! invariants, each rule page's examples run as notebooks, and each fixable rule's fixes
//! applied and compared byte for byte with the expected notebook.
// Helpers outside `#[test]` functions panic on bad fixtures too; clippy.toml's test allowance
// covers only the test functions themselves.
#![allow(clippy::unwrap_used)]

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use nblint_facts::{CellFrontend, NotebookFacts};
use nblint_lint::{
    Analysis, Applicability, Diagnostic, FixOptions, RuleSelection, RuleSettings, Selector,
    all_rules, apply_fixes,
};
use nblint_notebook::Notebook;
use nblint_python::PythonFrontend;
use nblint_testing::NotebookBuilder;

// ---------------------------------------------------------------------------------------------
// The analysis pipeline: `nblint_analysis`, as the CLI runs it.

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fixtures_root() -> PathBuf {
    workspace_root().join("fixtures/rules")
}

/// Runs the notebook's front end, builds the graph and lints with `selection`.
fn lint_notebook(notebook: &Notebook, selection: &RuleSelection) -> Vec<Diagnostic> {
    lint_with_facts(notebook, selection).0
}

/// [`lint_notebook`], with the facts and front end the diagnostics were found with.
fn lint_with_facts(
    notebook: &Notebook,
    selection: &RuleSelection,
) -> (
    Vec<Diagnostic>,
    NotebookFacts,
    Option<&'static dyn CellFrontend>,
) {
    // The pipeline the CLI runs: language, front end, facts, graph, rules.
    let analysed = nblint_analysis::analyse(notebook, nblint_analysis::Choice::default());
    let diagnostics =
        nblint_analysis::lint(notebook, &analysed, &RuleSettings::default(), selection);
    (diagnostics, analysed.facts, analysed.frontend)
}

/// What `check --fix` does to `notebook` with `selection`: apply the allowed fixes, lint
/// again, repeat (a few passes at most). Returns the fixes applied and the refusals' reasons.
fn fix_notebook(
    notebook: &mut Notebook,
    selection: &RuleSelection,
    options: FixOptions,
) -> (usize, Vec<String>) {
    let mut applied = 0;
    let mut refused = Vec::new();
    for _ in 0..4 {
        let (diagnostics, facts, frontend) = lint_with_facts(notebook, selection);
        let outcome = apply_fixes(
            notebook,
            &diagnostics,
            Analysis {
                facts: &facts,
                frontend,
            },
            options,
        )
        .unwrap();
        refused.extend(
            outcome.refused.iter().map(|refusal| {
                format!("{} cell {}: {}", refusal.code, refusal.cell, refusal.reason)
            }),
        );
        if outcome.applied == 0 {
            break;
        }
        applied += outcome.applied;
    }
    (applied, refused)
}

fn read_notebook(path: &Path) -> Notebook {
    let bytes = fs::read(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    Notebook::parse(&bytes).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// Every rule, those outside the default selection included.
fn everything() -> RuleSelection {
    RuleSelection::all()
}

/// Only the rule `code`.
fn only(code: &str) -> RuleSelection {
    RuleSelection {
        select: vec![Selector::parse(code).unwrap()],
        ..RuleSelection::default()
    }
}

/// Diagnostics one a line, `cell N:line:col: CODE message`, with related places indented
/// below (the real renderers live in `nblint_report`).
fn concise(notebook: &Notebook, diagnostics: &[Diagnostic]) -> String {
    let position = |cell: usize, offset: usize| {
        let cell = notebook.cell(cell).unwrap();
        let at = cell.lines.line_column(&cell.source, offset);
        format!("{}:{}", at.line, at.column)
    };
    let mut out = String::new();
    for diagnostic in diagnostics {
        out.push_str(&format!(
            "cell {}:{}: {} {}{}\n",
            diagnostic.cell,
            position(diagnostic.cell, diagnostic.span.start),
            diagnostic.code,
            diagnostic.message,
            if diagnostic.fix.is_some() {
                " [fix]"
            } else {
                ""
            }
        ));
        for related in &diagnostic.related {
            out.push_str(&format!(
                "    cell {}:{}: {}\n",
                related.cell,
                position(related.cell, related.span.start),
                related.message
            ));
        }
    }
    if out.is_empty() {
        out.push_str("(no diagnostics)\n");
    }
    out
}

/// The one-based (line, column) where a diagnostic starts.
fn line_of(notebook: &Notebook, diagnostic: &Diagnostic) -> usize {
    let cell = notebook.cell(diagnostic.cell).unwrap();
    cell.lines
        .line_column(&cell.source, diagnostic.span.start)
        .line
}

// ---------------------------------------------------------------------------------------------
// Fixtures.

/// Where the first diagnostic of the fixture's rule must be: (folder/fixture, cell, line).
const TRIGGERS: &[(&str, usize, usize)] = &[
    (
        "NB205/triggers_python_guarded_change_that_is_not_a_fix",
        4,
        2,
    ),
    (
        "NB205/triggers_python_read_in_a_function_a_cell_calls",
        3,
        1,
    ),
    ("NB205/triggers_python_columns_renamed_in_a_chain", 3, 1),
    (
        "NB205/triggers_python_columns_labelled_from_their_own_labels",
        3,
        1,
    ),
    ("NB205/triggers_python_where_with_another_value", 3, 1),
    ("NB205/triggers_python_image_filtered_again", 3, 1),
    ("NB205/triggers_python_resampled_then_counted", 3, 1),
    (
        "NB207/triggers_python_bound_again_after_its_last_reader",
        4,
        1,
    ),
    (
        "NB207/triggers_python_imported_again_after_a_cell_read_its_own",
        3,
        1,
    ),
    (
        "NB207/triggers_python_import_named_like_a_builtin_magic",
        2,
        1,
    ),
    (
        "NB207/triggers_python_name_the_question_does_not_ask_for",
        4,
        3,
    ),
    ("NB205/triggers_python_frame_merged_again_on_one_key", 3, 1),
    ("NB206/triggers_python_change_before_a_name_error", 3, 1),
    (
        "NB206/triggers_python_reader_plots_the_changed_column",
        5,
        1,
    ),
    (
        "NB206/triggers_python_keras_model_compiled_and_trained_on",
        3,
        1,
    ),
    (
        "NB202/triggers_python_read_in_a_function_a_cell_calls",
        3,
        2,
    ),
    ("NB207/triggers_python_import_repeated_before_any_use", 2, 1),
    ("NB207/triggers_python_import_only_tried_elsewhere", 3, 1),
    ("NB207/triggers_python_import_unused_beside_px_lines", 3, 2),
    (
        "NB001/triggers_python_automagic_line_beside_other_lines",
        2,
        2,
    ),
    (
        "NB201/triggers_python_locals_write_inside_a_function_below_the_use",
        4,
        1,
    ),
    (
        "NB201/triggers_python_use_above_after_store_r_of_another_name",
        3,
        1,
    ),
    ("NB202/triggers_python_name_store_r_does_not_restore", 3, 1),
    (
        "NB202/triggers_python_read_in_a_function_handed_on_as_a_value",
        2,
        2,
    ),
    (
        "NB202/triggers_python_passed_on_parameter_a_call_gives_the_branch_value",
        2,
        4,
    ),
    (
        "NB202/triggers_python_branch_a_call_of_the_name_again_may_take",
        2,
        6,
    ),
    (
        "NB202/triggers_python_stub_called_through_another_function_after_it",
        6,
        3,
    ),
    (
        "NB202/triggers_python_call_of_an_automagic_name_beside_other_lines",
        2,
        2,
    ),
    (
        "NB207/triggers_python_variable_only_deleted_from_the_store",
        2,
        3,
    ),
    (
        "NB202/triggers_python_px_result_read_without_its_output_name",
        4,
        1,
    ),
    (
        "NB202/triggers_python_name_given_to_another_decorator",
        4,
        1,
    ),
    (
        "NB205/triggers_python_autogluon_predictor_loaded_from_another_path",
        5,
        1,
    ),
    ("NB205/triggers_python_int_and_float_of_one_value", 4, 1),
    (
        "NB205/triggers_python_change_reading_a_name_bound_after_the_value",
        4,
        1,
    ),
    (
        "NB205/triggers_python_read_in_try_before_the_fallback_binding",
        3,
        4,
    ),
    (
        "NB205/triggers_python_binding_under_a_path_flag_that_is_set",
        3,
        1,
    ),
    (
        "NB205/triggers_python_store_handle_with_another_embedding_function",
        3,
        1,
    ),
    (
        "NB202/triggers_python_known_cell_magic_binds_no_other_name",
        4,
        1,
    ),
    (
        "NB205/triggers_python_same_call_reading_a_random_generator",
        4,
        1,
    ),
    (
        "NB202/triggers_python_shell_automagic_name_in_a_longer_cell",
        3,
        1,
    ),
    ("NB205/triggers_python_value_changed_after_its_save", 5, 1),
    ("NB205/triggers_python_other_augmented_assignment", 5, 1),
    (
        "NB205/triggers_python_value_changed_in_a_loop_by_an_unknown_method",
        4,
        1,
    ),
    (
        "NB205/triggers_python_chain_that_starts_from_another_cells_value",
        4,
        1,
    ),
    (
        "NB205/triggers_python_unseeded_estimator_fitted_in_two_cells",
        4,
        1,
    ),
    (
        "NB205/triggers_python_estimator_with_a_randomizing_setting_fitted_in_two_cells",
        5,
        1,
    ),
    (
        "NB205/triggers_python_call_repeated_with_another_model_and_output_turned_off",
        5,
        1,
    ),
    ("NB205/triggers_python_model_loaded_from_another_save", 5, 1),
    (
        "NB205/triggers_python_binding_after_a_function_that_may_return",
        5,
        7,
    ),
    ("NB205/triggers_python_same_name_from_another_package", 5, 2),
    (
        "NB202/triggers_python_read_in_an_elif_branch_the_flag_selects",
        2,
        6,
    ),
    ("NB202/triggers_python_gate_names_in_a_plain_function", 3, 3),
    ("NB207/triggers_python_bare_import_beside_other_code", 2, 1),
    (
        "NB206/triggers_python_model_fitted_then_predicted_and_cross_validated",
        3,
        1,
    ),
    (
        "NB206/triggers_python_reader_reads_the_model_after_its_loop",
        3,
        1,
    ),
    (
        "NB206/triggers_python_transformer_fitted_then_used_prefit",
        3,
        1,
    ),
    (
        "NB206/triggers_python_fitted_model_shown_and_read_elsewhere",
        4,
        1,
    ),
    (
        "NB202/triggers_python_read_in_a_branch_of_a_dataclass_field",
        2,
        10,
    ),
    (
        "NB202/triggers_python_read_in_a_branch_of_a_class_attribute_set_elsewhere",
        4,
        2,
    ),
    (
        "NB202/triggers_python_read_in_a_function_branch_a_call_takes",
        2,
        6,
    ),
    (
        "NB202/triggers_python_function_branch_with_the_function_handed_on",
        2,
        6,
    ),
    (
        "NB205/triggers_python_long_string_concatenation_ending_otherwise",
        5,
        2,
    ),
    (
        "NB205/triggers_python_value_built_with_a_function_defined_again_differently",
        5,
        6,
    ),
    (
        "NB205/triggers_python_other_file_read_in_a_with_block",
        4,
        2,
    ),
    (
        "NB205/triggers_python_clean_up_whose_result_a_later_cell_reads",
        4,
        1,
    ),
    (
        "NB205/triggers_python_cell_reads_the_value_before_cleaning_it",
        4,
        2,
    ),
    ("NB205/triggers_python_conversion_that_rounds", 4, 1),
    ("NB205/triggers_python_value_cast_to_integers", 4, 1),
    (
        "NB205/triggers_python_table_looked_up_by_another_path",
        4,
        1,
    ),
    (
        "NB205/triggers_python_script_main_block_reads_another_argument",
        3,
        5,
    ),
    ("NB205/triggers_python_lines_read_after_a_header", 3, 2),
    (
        "NB207/triggers_python_binding_in_a_with_body_overwritten",
        2,
        2,
    ),
    (
        "NB207/triggers_python_binding_before_a_script_run_with_percent_run",
        2,
        1,
    ),
    (
        "NB202/triggers_python_branch_under_an_ipython_name_check_that_holds",
        3,
        2,
    ),
    (
        "NB201/triggers_python2_print_statement_reads_a_name_defined_below",
        2,
        1,
    ),
    (
        "NB205/triggers_python_list_saved_with_numpy_comes_back_an_array",
        4,
        1,
    ),
    (
        "NB205/triggers_python_step_that_reads_another_cells_value",
        5,
        1,
    ),
    (
        "NB207/triggers_python_binding_above_the_statement_that_raised",
        3,
        1,
    ),
    ("NB206/triggers_python_torch_in_place_method", 3, 1),
    (
        "NB206/triggers_python_tuple_extended_by_augmented_assignment",
        3,
        1,
    ),
    (
        "NB207/triggers_python_import_marked_noqa_for_another_code",
        2,
        1,
    ),
    (
        "NB207/triggers_python_import_with_a_comment_that_names_no_effect",
        1,
        2,
    ),
    (
        "NB207/triggers_python_rebound_by_a_loop_over_a_display",
        2,
        1,
    ),
    ("NB205/triggers_python_loop_over_another_display", 4, 2),
    (
        "NB205/triggers_python_loop_binding_reads_the_pass_before",
        3,
        3,
    ),
    (
        "NB202/triggers_python_read_in_a_branch_a_flag_switches_on",
        3,
        5,
    ),
    ("NB205/triggers_python_file_read_where_it_stopped", 4, 1),
    (
        "NB205/triggers_python_same_constant_changed_in_its_binding_cell",
        3,
        1,
    ),
    ("NB205/triggers_python_r_cell_reads_through_input", 3, 1),
    ("NB205/triggers_python_another_symbol_under_the_name", 4, 1),
    (
        "NB205/triggers_python_binding_under_a_constant_that_holds",
        4,
        1,
    ),
    (
        "NB205/triggers_python_intermediate_name_with_another_input",
        5,
        1,
    ),
    (
        "NB205/triggers_python_operation_applied_again_goes_further",
        3,
        1,
    ),
    ("NB205/triggers_python_branch_of_a_flag_that_is_on", 3, 1),
    ("NB205/triggers_python_jax_draw_from_another_key", 4, 1),
    ("NB202/triggers_python_name_in_a_try_bound_nowhere", 3, 2),
    ("NB202/triggers_python_typo_hidden_by_a_bare_except", 2, 3),
    ("NB206/triggers_python_change_under_a_flag_that_is_on", 3, 2),
    ("NB205/triggers_python_same_draw_seeded_differently", 4, 2),
    (
        "NB202/triggers_python_spark_session_on_a_plain_kernel",
        2,
        1,
    ),
    ("NB205/triggers_python_same_loop_over_a_loader_twice", 4, 1),
    (
        "NB202/triggers_python_read_before_continue_in_an_except",
        2,
        6,
    ),
    ("NB205/triggers_python_qload_of_another_file", 5, 1),
    ("NB205/triggers_python_loop_ends_on_another_value", 3, 3),
    (
        "NB205/triggers_python_other_value_built_in_a_with_body",
        4,
        1,
    ),
    (
        "NB207/triggers_python_function_not_named_in_the_timeit_string",
        2,
        1,
    ),
    (
        "NB205/triggers_python_change_under_an_if_the_cell_switched_on",
        4,
        2,
    ),
    (
        "NB205/triggers_python_call_of_a_function_looked_up_by_another_key",
        4,
        1,
    ),
    (
        "NB205/triggers_python_submodule_imported_under_the_name",
        4,
        2,
    ),
    (
        "NB205/triggers_python_object_store_read_under_another_key",
        3,
        1,
    ),
    (
        "NB207/triggers_python_function_named_in_a_plotnine_string_without_a_call",
        3,
        1,
    ),
    (
        "NB205/triggers_python_loop_over_a_name_that_may_shuffle",
        4,
        1,
    ),
    (
        "NB205/triggers_python_function_called_through_another_before_binding",
        3,
        1,
    ),
    (
        "NB205/triggers_python_loads_a_file_saved_from_another_value",
        4,
        1,
    ),
    (
        "NB205/triggers_python2_binding_in_a_cell_python3_cannot_parse",
        3,
        1,
    ),
    (
        "NB205/triggers_python_same_call_after_another_import_of_the_name",
        3,
        2,
    ),
    (
        "NB205/triggers_python_same_unpacking_then_rebound_in_the_cell",
        3,
        1,
    ),
    (
        "NB206/triggers_python_linearmodels_constraints_change_the_model",
        3,
        1,
    ),
    (
        "NB206/triggers_python_scikit_learn_fit_changes_the_model",
        3,
        1,
    ),
    ("NB206/triggers_python_reader_fits_only_after_reading", 4, 2),
    (
        "NB206/triggers_python_reader_sets_another_column_first",
        3,
        1,
    ),
    (
        "NB206/triggers_python_reader_takes_the_changed_column",
        3,
        1,
    ),
    (
        "NB206/triggers_python_reader_takes_the_changed_attribute",
        3,
        1,
    ),
    (
        "NB206/triggers_python_xgboost_model_trained_on_from_its_fit",
        3,
        1,
    ),
    (
        "NB206/triggers_python_model_fitted_again_on_another_split",
        6,
        4,
    ),
    ("NB207/triggers_rusoto_type_import_not_a_trait", 3, 2),
    (
        "NB206/triggers_python_cobra_change_outside_a_with_block",
        3,
        1,
    ),
    ("NB206/triggers_python_numpy_array_item_assigned", 4, 1),
    (
        "NB206/triggers_python_key_added_that_the_display_lacks",
        3,
        1,
    ),
    (
        "NB205/triggers_python_same_call_after_its_input_changed",
        3,
        1,
    ),
    ("NB205/triggers_python_new_random_generator", 3, 1),
    ("NB205/triggers_python_loop_fill_from_another_range", 4, 1),
    ("NB205/triggers_python_rebound_after_del", 3, 2),
    (
        "NB205/triggers_python_read_in_a_branch_then_bound_after_the_chain",
        4,
        5,
    ),
    (
        "NB205/triggers_python_restored_backup_that_was_changed",
        4,
        1,
    ),
    (
        "NB205/triggers_python_same_cell_after_its_input_changed",
        6,
        1,
    ),
    ("NB205/triggers_python_same_cell_that_shuffles", 5, 1),
    (
        "NB205/triggers_python_same_binding_then_another_method_call",
        4,
        1,
    ),
    (
        "NB205/triggers_python_same_call_of_a_function_reading_a_changed_global",
        4,
        2,
    ),
    ("NB202/triggers_python_else_of_python2_branch", 2, 5),
    ("NB202/triggers_python_read_before_the_cell_binds_it", 2, 2),
    ("NB202/triggers_python_registered_magic_runs_its_body", 3, 2),
    ("NB202/triggers_python_name_bound_only_inside_timeit", 4, 1),
    (
        "NB202/triggers_python_python2_builtin_never_run_in_a_notebook_naming_no_version",
        3,
        1,
    ),
    (
        "NB202/triggers_python_javascript_string_the_kernel_never_runs",
        3,
        1,
    ),
    (
        "NB202/triggers_python_name_read_when_the_check_says_it_is_missing",
        2,
        2,
    ),
    ("NB207/triggers_python_cached_function_unused", 3, 2),
    ("NB001/triggers_unbalanced_bracket", 2, 1),
    ("NB001/triggers_python_print_statement", 3, 1),
    ("NB001/triggers_python2_notebook_one_error_per_cell", 3, 1),
    (
        "NB001/triggers_colab_notebook_without_metadata_python_error",
        3,
        2,
    ),
    (
        "NB001/triggers_rust_syntax_error_beside_bare_trait_object",
        3,
        2,
    ),
    (
        "NB001/triggers_rust_let_without_its_semicolon_beside_a_use_without_one",
        2,
        3,
    ),
    ("NB002/triggers_allow_with_nothing_to_silence", 3, 1),
    ("NB002/triggers_unknown_rule_name", 3, 1),
    ("NB002/triggers_python_allow_with_nothing_to_silence", 3, 1),
    ("NB101/triggers_cell_over_forty_lines", 2, 41),
    ("NB101/triggers_python_cell_over_forty_lines", 2, 41),
    ("NB102/triggers_blank_cell", 3, 1),
    ("NB102/triggers_comment_only_cell", 3, 1),
    ("NB102/triggers_python_comment_only_cell", 3, 1),
    ("NB103/triggers_cell_ran_before_cell_above", 4, 1),
    ("NB103/triggers_first_cell_rerun_last", 3, 1),
    ("NB103/triggers_python_notebook_out_of_order", 3, 1),
    ("NB104/triggers_skipped_cell", 3, 1),
    ("NB104/triggers_python_skipped_cell", 3, 1),
    ("NB105/triggers_no_markdown", 1, 1),
    ("NB105/triggers_long_run_of_code_cells", 12, 1),
    ("NB105/triggers_python_no_markdown", 1, 1),
    ("NB201/triggers_use_in_cell_above", 2, 1),
    ("NB201/triggers_python_use_in_cell_above", 2, 1),
    ("NB202/triggers_misspelt_name", 3, 1),
    ("NB202/triggers_deleted_cell", 2, 1),
    ("NB202/triggers_thread_local_static_from_another_cell", 3, 1),
    ("NB202/triggers_python_misspelt_name", 3, 1),
    ("NB202/triggers_python_use_after_del", 4, 1),
    (
        "NB202/triggers_python_registered_cell_magic_that_runs_its_body",
        3,
        2,
    ),
    ("NB202/triggers_python_snowflake_undefined_name", 3, 2),
    ("NB202/triggers_python_spark_outside_databricks", 2, 1),
    ("NB202/triggers_python_dunder_class_outside_a_class", 2, 1),
    ("NB202/triggers_python_r_cell_input_undefined", 3, 1),
    ("NB202/triggers_python_use_after_del_in_same_cell", 3, 3),
    (
        "NB202/triggers_python_augmented_assignment_of_undefined_name",
        3,
        2,
    ),
    ("NB203/triggers_same_use_in_two_cells", 3, 1),
    ("NB203/triggers_twice_in_one_cell", 2, 2),
    ("NB203/triggers_repeated_dep", 3, 1),
    ("NB203/triggers_python_same_import_in_two_cells", 3, 1),
    ("NB203/triggers_python_repeated_pip_install", 3, 1),
    ("NB204/triggers_use_in_later_cell", 3, 1),
    ("NB204/triggers_dep_in_later_cell", 3, 1),
    ("NB204/triggers_python_import_in_later_cell", 3, 1),
    ("NB204/triggers_python_pip_install_in_later_cell", 3, 1),
    ("NB205/triggers_let_in_two_cells", 3, 1),
    ("NB205/triggers_python_same_call_but_another_string", 3, 1),
    (
        "NB205/triggers_same_let_value_after_its_input_changed",
        3,
        1,
    ),
    ("NB205/triggers_python_rebinding_reads_the_old_value", 3, 1),
    ("NB205/triggers_python_value_read_in_a_later_cell", 3, 1),
    (
        "NB205/triggers_python_seeded_draw_in_another_with_block",
        4,
        4,
    ),
    ("NB205/triggers_python_store_filled_in_one_cell_only", 4, 1),
    (
        "NB205/triggers_python_call_of_a_function_whose_helper_reads_a_changed_name",
        4,
        2,
    ),
    ("NB205/triggers_python_model_built_with_other_layers", 4, 1),
    (
        "NB205/triggers_python_read_in_a_branch_a_flag_switches_on",
        4,
        1,
    ),
    (
        "NB205/triggers_python_nested_loop_ends_at_another_element",
        3,
        3,
    ),
    ("NB205/triggers_python_record_looked_up_by_another_id", 4, 1),
    (
        "NB205/triggers_python_model_compiled_differently_in_two_cells",
        4,
        1,
    ),
    (
        "NB205/triggers_python_same_expression_from_an_input_whose_input_changed",
        4,
        2,
    ),
    ("NB206/triggers_push_to_earlier_vec", 3, 1),
    ("NB206/triggers_compound_assignment", 3, 1),
    ("NB206/triggers_python_append_to_earlier_list", 3, 1),
    ("NB206/triggers_python_subscript_assignment", 3, 1),
    ("NB206/triggers_python_add_to_an_earlier_set", 3, 1),
    ("NB207/triggers_unused_function", 2, 4),
    ("NB207/triggers_unused_import", 2, 2),
    ("NB207/triggers_python_unused_import", 2, 1),
    ("NB207/triggers_python_unused_function", 2, 3),
    ("NB207/triggers_type_import_not_a_trait", 2, 2),
    ("NB207/triggers_python_unconditional_rebinding", 2, 1),
    (
        "NB207/triggers_python_class_on_a_plain_base_never_used",
        3,
        1,
    ),
    (
        "NB207/triggers_python_class_defined_after_the_unpickling",
        3,
        1,
    ),
    ("NB208/triggers_two_versions", 3, 1),
    ("NB208/triggers_different_features", 3, 1),
    ("NB208/triggers_python_two_versions", 3, 1),
];

/// The fixture files of one rule folder whose names start with `prefix`, sorted, without
/// the `.expected` files of fix cases.
fn fixtures(folder: &Path, prefix: &str) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = fs::read_dir(folder)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            let name = path.file_name().unwrap().to_str().unwrap();
            name.starts_with(prefix)
                && Path::new(name)
                    .extension()
                    .is_some_and(|extension| extension == "ipynb")
                && !name.ends_with(".expected.ipynb")
        })
        .collect();
    found.sort();
    found
}

fn snapshot(name: &str, text: &str) {
    insta::with_settings!({
        snapshot_path => "snapshots/rules",
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!(name, text);
    });
}

/// Rules whose findings come from reading the file, not from a check over a notebook that
/// was read: NB000 (io-error). Their cases are the notebooks of `fixtures/malformed/`, tested
/// by `nblint_notebook` and end to end by the command line's tests.
fn reported_by_the_reader(rule: &nblint_lint::Rule) -> bool {
    *rule == nblint_lint::rules::NB000_IO_ERROR
}

#[test]
fn triggers_fire_and_clean_fixtures_stay_quiet() {
    let mut checked = HashSet::new();
    for rule in all_rules()
        .iter()
        .filter(|rule| !reported_by_the_reader(rule))
    {
        let folder = fixtures_root().join(rule.code);
        for path in fixtures(&folder, "triggers_")
            .into_iter()
            .chain(fixtures(&folder, "clean_"))
        {
            let stem = path.file_stem().unwrap().to_str().unwrap().to_owned();
            let key = format!("{}/{stem}", rule.code);
            let notebook = read_notebook(&path);
            // An unused suppression is only known when the rule it names ran, so NB002's
            // fixtures run with every rule, as a user's `nblint check` does.
            let selection = if rule.code == "NB002" {
                everything()
            } else {
                only(rule.code)
            };
            let own = lint_notebook(&notebook, &selection);
            if stem.starts_with("triggers_") {
                let &(_, cell, line) = TRIGGERS
                    .iter()
                    .find(|(fixture, _, _)| *fixture == key)
                    .unwrap_or_else(|| panic!("{key}: add its expected cell and line to TRIGGERS"));
                let first = own
                    .iter()
                    .find(|diagnostic| diagnostic.code == rule.code)
                    .unwrap_or_else(|| panic!("{key}: {} did not fire", rule.code));
                assert_eq!(
                    (first.cell, line_of(&notebook, first)),
                    (cell, line),
                    "{key}: first {} at the wrong place: {}",
                    rule.code,
                    first.message
                );
            } else {
                assert!(
                    own.iter().all(|diagnostic| diagnostic.code != rule.code),
                    "{key}: {} fired on a clean fixture:\n{}",
                    rule.code,
                    concise(&notebook, &own)
                );
            }
            let all = lint_notebook(&notebook, &everything());
            snapshot(&format!("{}__{stem}", rule.code), &concise(&notebook, &all));
            checked.insert(key);
        }
    }
    for (fixture, _, _) in TRIGGERS {
        assert!(checked.contains(*fixture), "{fixture}: no such fixture");
    }
}

#[test]
fn every_rule_has_triggering_and_clean_fixtures_and_every_folder_a_rule() {
    let codes: HashSet<&str> = all_rules().iter().map(|rule| rule.code).collect();
    for rule in all_rules()
        .iter()
        .filter(|rule| !reported_by_the_reader(rule))
    {
        let folder = fixtures_root().join(rule.code);
        assert!(
            folder.is_dir(),
            "{}: missing fixtures/rules/{}/",
            rule.code,
            rule.code
        );
        assert!(
            !fixtures(&folder, "triggers_").is_empty(),
            "{}: no triggers_* fixture",
            rule.code
        );
        assert!(
            !fixtures(&folder, "clean_").is_empty(),
            "{}: no clean_* fixture",
            rule.code
        );
        if rule.fixable {
            assert!(
                !fixtures(&folder, "fix_").is_empty() || !fixtures(&folder, "unsafe_").is_empty(),
                "{}: fixable, but no fix_* or unsafe_* fixture",
                rule.code
            );
        }
    }
    for entry in fs::read_dir(fixtures_root()).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        assert!(
            codes.contains(name.as_str()),
            "fixtures/rules/{name}: no such rule"
        );
    }
}

#[test]
fn a_notebook_in_a_language_nblint_does_not_read_gets_only_the_language_independent_rules() {
    // The Python fixture's cells, run out of order, under an R kernel.
    let python = fs::read_to_string(
        fixtures_root().join("NB103/triggers_python_notebook_out_of_order.ipynb"),
    )
    .unwrap();
    let mut json: serde_json::Value = serde_json::from_str(&python).unwrap();
    json["metadata"] = serde_json::json!({
        "kernelspec": {"display_name": "R", "language": "R", "name": "ir"},
        "language_info": {"file_extension": ".r", "name": "R"}
    });
    let notebook = Notebook::parse(json.to_string().as_bytes()).unwrap();
    let diagnostics = lint_notebook(&notebook, &everything());
    let codes: Vec<&str> = diagnostics.iter().map(|d| d.code).collect();
    assert!(codes.contains(&"NB103"), "{codes:?}");
    for diagnostic in &diagnostics {
        let rule = all_rules()
            .iter()
            .find(|rule| rule.code == diagnostic.code)
            .unwrap();
        assert!(!rule.needs_analysis, "{} ran on R cells", rule.code);
    }
}

#[test]
fn a_python_notebook_is_analysed() {
    let notebook =
        read_notebook(&fixtures_root().join("NB103/triggers_python_notebook_out_of_order.ipynb"));
    let diagnostics = lint_notebook(&notebook, &everything());
    let codes: Vec<&str> = diagnostics.iter().map(|d| d.code).collect();
    // `total` is bound and never used: only an analysed notebook knows that.
    assert!(codes.contains(&"NB207"), "{codes:?}");
}

// ---------------------------------------------------------------------------------------------
// Fixes.

/// Runs `check` for each fix fixture of every rule: `fix_*` (safe fixes give the expected
/// notebook), `unsafe_*` (nothing changes without `--unsafe-fixes`; with it, the expected
/// notebook) and `keep_*` (no fix may change the notebook, safe or unsafe: what a fixer must
/// not touch).
#[test]
fn fixes_give_the_expected_notebook_byte_for_byte() {
    let mut cases = 0;
    let safe = FixOptions::default();
    let all = FixOptions { unsafe_fixes: true };
    for rule in all_rules() {
        let folder = fixtures_root().join(rule.code);
        if !folder.is_dir() {
            continue;
        }
        let selection = only(rule.code);
        for path in fixtures(&folder, "fix_") {
            cases += 1;
            let name = path.display().to_string();
            let mut notebook = read_notebook(&path);
            let before = lint_notebook(&notebook, &selection);
            let fixable = before
                .iter()
                .filter(|d| {
                    d.fix
                        .as_ref()
                        .is_some_and(|fix| fix.applicability == Applicability::Safe)
                })
                .count();
            assert!(fixable > 0, "{name}: nothing to fix");
            let (applied, refused) = fix_notebook(&mut notebook, &selection, safe);
            assert!(applied > 0, "{name}: nothing applied; refused: {refused:?}");
            assert_expected(&path, &notebook);
            let reread = Notebook::parse(&notebook.to_original_style_bytes()).unwrap();
            let after = lint_notebook(&reread, &selection);
            assert!(
                after.iter().all(|d| d
                    .fix
                    .as_ref()
                    .is_none_or(|fix| fix.applicability != Applicability::Safe)),
                "{name}: safe fixes remain:\n{}",
                concise(&reread, &after)
            );
        }
        for path in fixtures(&folder, "unsafe_") {
            cases += 1;
            let name = path.display().to_string();
            let original = fs::read(&path).unwrap();
            let mut notebook = read_notebook(&path);
            let before = lint_notebook(&notebook, &selection);
            assert!(
                before.iter().any(|d| d
                    .fix
                    .as_ref()
                    .is_some_and(|fix| fix.applicability == Applicability::Unsafe)),
                "{name}: no unsafe fix offered:\n{}",
                concise(&notebook, &before)
            );
            fix_notebook(&mut notebook, &selection, safe);
            assert_eq!(
                String::from_utf8_lossy(&notebook.to_original_style_bytes()),
                String::from_utf8_lossy(&original),
                "{name}: --fix without --unsafe-fixes changed the notebook"
            );
            let (applied, refused) = fix_notebook(&mut notebook, &selection, all);
            assert!(applied > 0, "{name}: nothing applied; refused: {refused:?}");
            assert_expected(&path, &notebook);
        }
        for path in fixtures(&folder, "keep_") {
            cases += 1;
            let name = path.display().to_string();
            let original = fs::read(&path).unwrap();
            let mut notebook = read_notebook(&path);
            let findings = lint_notebook(&notebook, &selection);
            assert!(!findings.is_empty(), "{name}: the rule should still report");
            fix_notebook(&mut notebook, &selection, all);
            assert_eq!(
                String::from_utf8_lossy(&notebook.to_original_style_bytes()),
                String::from_utf8_lossy(&original),
                "{name}: a fix changed a notebook it must keep as it is"
            );
        }
    }
    assert!(cases >= 3, "only {cases} fix cases");
}

/// Compares a fixed notebook with the fixture's `.expected.ipynb`, byte for byte.
fn assert_expected(path: &Path, notebook: &Notebook) {
    let expected_path = path.with_extension("expected.ipynb");
    let expected = fs::read(&expected_path)
        .unwrap_or_else(|error| panic!("{}: {error}", expected_path.display()));
    assert_eq!(
        String::from_utf8_lossy(&notebook.to_original_style_bytes()),
        String::from_utf8_lossy(&expected),
        "{}: fixed notebook differs from {}",
        path.display(),
        expected_path.display()
    );
}

// ---------------------------------------------------------------------------------------------
// The registry and the rule pages.

fn is_kebab_case(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('-')
        && !name.ends_with('-')
        && !name.contains("--")
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

#[test]
fn codes_and_names_are_unique_and_well_formed() {
    let mut codes = HashSet::new();
    let mut names = HashSet::new();
    let mut previous = "";
    for rule in all_rules() {
        assert!(codes.insert(rule.code), "{}: code used twice", rule.code);
        assert!(names.insert(rule.name), "{}: name used twice", rule.name);
        let digits = rule.code.strip_prefix("NB").unwrap_or("");
        assert!(
            digits.len() == 3 && digits.chars().all(|c| c.is_ascii_digit()),
            "{}: codes are NB and three digits",
            rule.code
        );
        assert!(
            is_kebab_case(rule.name),
            "{}: names are kebab-case",
            rule.name
        );
        assert!(
            previous < rule.code,
            "{}: rules are in code order",
            rule.code
        );
        previous = rule.code;
        assert_eq!(nblint_lint::find_rule(rule.code), Some(*rule));
        assert_eq!(nblint_lint::find_rule(rule.name), Some(*rule));
    }
}

#[test]
fn every_rule_has_its_page_and_every_page_its_rule() {
    let pages = workspace_root().join("rules");
    for rule in all_rules() {
        let path = pages.join(format!("{}-{}.md", rule.code, rule.name));
        let text =
            fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
        assert_eq!(text, rule.documentation, "{}", path.display());
    }
    for entry in fs::read_dir(&pages).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        let Some(stem) = name.strip_suffix(".md") else {
            continue;
        };
        assert!(
            all_rules()
                .iter()
                .any(|rule| format!("{}-{}", rule.code, rule.name) == stem),
            "rules/{name}: no rule has this page"
        );
    }
}

const REQUIRED_HEADINGS: &[&str] = &[
    "## What it finds",
    "## Why it matters in a notebook",
    "## Example",
    "## Use instead",
    "## Options",
];
const OPTIONAL_HEADINGS: &[&str] = &["## Fix safety", "## Related rules"];

#[test]
fn every_page_has_the_required_headings_in_order() {
    for rule in all_rules() {
        let page = rule.documentation;
        let title = format!("# {} ({})", rule.name, rule.code);
        assert_eq!(page.lines().next(), Some(title.as_str()), "{}", rule.code);
        let headings: Vec<&str> = page
            .lines()
            .filter(|line| line.starts_with("## "))
            .collect();
        let required: Vec<&str> = headings
            .iter()
            .copied()
            .filter(|heading| REQUIRED_HEADINGS.contains(heading))
            .collect();
        assert_eq!(required, REQUIRED_HEADINGS, "{}: headings", rule.code);
        for heading in &headings {
            assert!(
                REQUIRED_HEADINGS.contains(heading) || OPTIONAL_HEADINGS.contains(heading),
                "{}: unexpected heading {heading}",
                rule.code
            );
        }
        if rule.fixable {
            assert!(
                headings.contains(&"## Fix safety"),
                "{}: a fixable rule says how safe its fix is",
                rule.code
            );
        }
    }
}

/// A cell taken from a page: kind, source, execution count.
type DocCell = (&'static str, String, Option<i64>);

/// The fenced blocks under `heading` (up to the next `## `): each ```rust block is a code
/// cell, each ```markdown block a markdown cell. `rust count=N` gives the cell a stored
/// execution count (for the rules about run order).
fn cells_under(page: &str, heading: &str) -> Vec<DocCell> {
    let mut cells = Vec::new();
    let mut inside_section = false;
    let mut block: Option<(&'static str, Option<i64>, Vec<&str>)> = None;
    for line in page.lines() {
        if let Some((kind, count, lines)) = &mut block {
            if line.starts_with("```") {
                cells.push((*kind, lines.join("\n"), *count));
                block = None;
            } else {
                lines.push(line);
            }
            continue;
        }
        if line.starts_with("## ") {
            inside_section = line == heading;
            continue;
        }
        if !inside_section {
            continue;
        }
        if let Some(info) = line.strip_prefix("```") {
            let mut words = info.split_whitespace();
            let kind = match words.next() {
                Some("rust") => "code",
                Some("markdown") => "markdown",
                other => panic!("{heading}: a ```{other:?} block is not a cell"),
            };
            let count = words
                .find_map(|word| word.strip_prefix("count="))
                .map(|n| n.parse().unwrap());
            block = Some((kind, count, Vec::new()));
        }
    }
    cells
}

/// A Rust notebook made of `cells`.
fn notebook_of(cells: &[DocCell]) -> Notebook {
    let notebook = cells.iter().fold(
        NotebookBuilder::rust(),
        |notebook, (kind, source, count)| {
            if *kind == "code" {
                notebook.code(source).count(*count)
            } else {
                notebook.markdown(source)
            }
        },
    );
    Notebook::parse(&notebook.bytes()).unwrap()
}

#[test]
fn each_page_example_triggers_its_rule_and_use_instead_does_not() {
    for rule in all_rules()
        .iter()
        .filter(|rule| !reported_by_the_reader(rule))
    {
        // NB002 reports a suppression only for rules that ran, so its examples run with
        // every rule; every other rule runs alone, so its examples show it and nothing else.
        let selection = if rule.code == "NB002" {
            everything()
        } else {
            only(rule.code)
        };
        let example = cells_under(rule.documentation, "## Example");
        let instead = cells_under(rule.documentation, "## Use instead");
        assert!(!example.is_empty(), "{}: no example cells", rule.code);
        assert!(!instead.is_empty(), "{}: no use-instead cells", rule.code);
        let notebook = notebook_of(&example);
        let found = lint_notebook(&notebook, &selection);
        assert!(
            found.iter().any(|d| d.code == rule.code),
            "{}: the page's example does not trigger it:\n{}",
            rule.code,
            concise(&notebook, &found)
        );
        let notebook = notebook_of(&instead);
        let found = lint_notebook(&notebook, &selection);
        assert!(
            found.iter().all(|d| d.code != rule.code),
            "{}: the page's use-instead cells trigger it:\n{}",
            rule.code,
            concise(&notebook, &found)
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The checks every fix passes before anything changes, tried with fixes that do harm.

/// A Python notebook with one code cell per source, after a markdown heading (cell 1).
fn python_notebook(cells: &[(&str, &str)]) -> Notebook {
    let notebook = cells.iter().fold(
        NotebookBuilder::python().markdown("# Title"),
        |notebook, (source, outputs)| {
            notebook.code_with_outputs(source, serde_json::from_str(outputs).unwrap())
        },
    );
    Notebook::parse(&notebook.bytes()).unwrap()
}

/// Applies one hand-made fix of `edits` and returns the refusals' reasons; the notebook must
/// come back unchanged.
fn refused(notebook: &Notebook, edits: Vec<nblint_lint::Edit>) -> Vec<String> {
    let mut fixed = notebook.clone();
    let diagnostic = Diagnostic {
        code: "NB203",
        name: "duplicate-import",
        message: String::new(),
        severity: nblint_lint::Severity::Info,
        cell: 2,
        span: nblint_facts::Span::new(0, 0),
        related: Vec::new(),
        fix: Some(nblint_lint::Fix::safe("a harmful fix", edits)),
    };
    let facts = NotebookFacts::analyze(notebook, &PythonFrontend);
    let outcome = apply_fixes(
        &mut fixed,
        std::slice::from_ref(&diagnostic),
        Analysis {
            facts: &facts,
            frontend: Some(&PythonFrontend),
        },
        FixOptions::default(),
    )
    .unwrap();
    assert_eq!(outcome.applied, 0);
    assert_eq!(
        fixed.to_original_style_bytes(),
        notebook.to_original_style_bytes(),
        "a refused fix changed the notebook"
    );
    outcome
        .refused
        .into_iter()
        .map(|refusal| refusal.reason)
        .collect()
}

fn replace(cell: usize, start: usize, end: usize, text: &str) -> nblint_lint::Edit {
    nblint_lint::Edit::Replace {
        cell,
        span: nblint_facts::Span::new(start, end),
        replacement: text.to_owned(),
    }
}

#[test]
fn a_fix_that_would_break_a_cell_is_refused() {
    // `import os; print(os.sep)` cut by lines leaves `; print(os.sep)` (which ruff's parser
    // accepts, so the statement comparison is what refuses it).
    let notebook = python_notebook(&[("import os; print(os.sep)", "[]")]);
    assert_eq!(refused(&notebook, vec![replace(2, 0, 9, "")]).len(), 1);
    let notebook = python_notebook(&[("import os\nprint(os.sep)", "[]")]);
    assert_eq!(
        refused(&notebook, vec![replace(2, 10, 15, "print((")]),
        ["cell 2 would no longer parse (unexpected EOF while parsing)"]
    );
    // The only statement of an `if` body.
    let notebook = python_notebook(&[("if True:\n    import os\nprint(1)\n", "[]")]);
    assert_eq!(refused(&notebook, vec![replace(2, 9, 23, "")]).len(), 1);
}

#[test]
fn a_fix_that_would_change_other_code_is_refused() {
    let notebook = python_notebook(&[("import os\nx = 1\n", "[]")]);
    assert_eq!(
        refused(&notebook, vec![replace(2, 10, 16, "x = 2\n")]),
        ["cell 2 would change code other than its import and install statements"]
    );
    // An import moved out of its block: the block's other code stays, but the import
    // now runs always.
    let notebook = python_notebook(&[("if c:\n    import a\n    x = 1\n", "[]")]);
    assert_eq!(
        refused(
            &notebook,
            vec![replace(2, 6, 19, ""), replace(2, 0, 0, "import a\n")]
        ),
        ["cell 2 would change code other than its import and install statements"]
    );
}

#[test]
fn a_fix_never_writes_into_a_cell_magic() {
    let notebook = python_notebook(&[("%%writefile notes.txt\nhello\n", "[]")]);
    assert_eq!(
        refused(&notebook, vec![replace(2, 0, 0, "%pip install polars\n")]),
        ["cell 2 is a cell magic; its body is not the notebook's code"]
    );
}

#[test]
fn a_fix_never_deletes_a_cell_that_holds_something() {
    let outputs = r#"[{"output_type": "stream", "name": "stdout", "text": "1\n"}]"#;
    let delete = || vec![nblint_lint::Edit::DeleteCell { cell: 2 }];
    let notebook = python_notebook(&[("", outputs)]);
    assert_eq!(refused(&notebook, delete()), ["cell 2 has outputs"]);
    let notebook = python_notebook(&[("# a note\n", "[]")]);
    assert_eq!(refused(&notebook, delete()), ["cell 2 has text"]);
}
