//! `nblint graph NOTEBOOK --format json|dot|mermaid`

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, ValueEnum};

use crate::ExitStatus;
use nblint_facts::Language;

use crate::config::read_with_language_setting;
use nblint_analysis::{Choice, analyse, parse_language};

/// Arguments of `nblint graph`.
#[derive(Debug, Args)]
pub struct GraphArgs {
    /// The notebook to read (`-` for standard input)
    pub notebook: PathBuf,
    /// Output format
    #[arg(long, value_enum, default_value_t = GraphFormat::Json)]
    pub format: GraphFormat,
    /// Read the cells as this language (`rust` or `python`) instead of what the notebook's
    /// kernel metadata (or `language` in nblint.toml) says
    #[arg(long, value_parser = parse_language)]
    pub language: Option<Language>,
}

/// How to print the graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    /// `{"cells": [...], "edges": [...]}`
    Json,
    /// Graphviz DOT (`nblint graph nb.ipynb --format dot | dot -Tsvg`)
    Dot,
    /// A Mermaid flowchart (renders in GitHub Markdown)
    Mermaid,
}

/// Prints the dependency graph of one notebook.
pub fn run(args: &GraphArgs) -> Result<ExitStatus> {
    let (notebook, setting) = read_with_language_setting(&args.notebook)?;
    let choice = Choice {
        flag: args.language.as_ref(),
        setting: setting.as_ref(),
    };
    let analysed = analyse(&notebook, choice);
    let graph = nblint_analysis::graph(&notebook, &analysed);
    let text = match args.format {
        GraphFormat::Json => nblint_graph::to_json(&graph),
        GraphFormat::Dot => nblint_graph::to_dot(&graph, &notebook),
        GraphFormat::Mermaid => nblint_graph::to_mermaid(&graph, &notebook),
    };
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()?;
    for note in analysed.language_notes() {
        eprintln!("note: {}: {note}", args.notebook.display());
    }
    if analysed.frontend.is_none() {
        eprintln!(
            "note: {}: cells in {} are not analysed; the graph has no edges",
            args.notebook.display(),
            analysed.language.name()
        );
    }
    Ok(ExitStatus::Success)
}
