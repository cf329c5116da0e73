//! Reporters: a finished, sorted list of diagnostics in, text out. They know nothing of walking
//! or parsing.

pub mod human;
pub mod json;
pub mod short;

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::sync::Arc;

use crate::diag::{Diagnostic, Severity};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// Graphical, with source snippets (colour only on a terminal).
    Human,
    /// `path:line:col: severity[rule]: message`, one per line: for editors and grep.
    Short,
    /// One JSON document; the shape is documented in the README and stable.
    Json,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub files_checked: usize,
    pub files_skipped: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

impl Summary {
    pub fn count(&mut self, diagnostics: &[Diagnostic]) {
        for d in diagnostics {
            match d.severity {
                Severity::Error => self.errors += 1,
                Severity::Warning => self.warnings += 1,
                Severity::Info => self.infos += 1,
            }
        }
    }
}

pub struct Report<'a> {
    pub diagnostics: &'a [Diagnostic],
    /// Whether human output ends with the "N files checked" line.
    pub show_summary: bool,
    pub sources: &'a BTreeMap<Arc<str>, Arc<str>>,
    pub summary: Summary,
}

pub fn render(
    format: OutputFormat,
    report: &Report<'_>,
    color: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        OutputFormat::Human => human::render(report, color, out),
        OutputFormat::Short => short::render(report, out),
        OutputFormat::Json => json::render(report, out),
    }
}
