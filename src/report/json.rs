//! `--format json`: one document with every diagnostic and a summary. The shape is versioned
//! (`"version": 1`); fields are only ever added.
//!
//! Positions: `line` and `column` are 1-based, columns in characters; `offset` is the byte
//! offset into the file (for UTF-16 files, into its UTF-8 transcoding). `end` is exclusive.

use std::io::{self, Write};

use serde::Serialize;

use super::Report;
use crate::diag::{Diagnostic, Location, Severity};

#[derive(Serialize)]
struct Doc<'a> {
    version: u32,
    tool: Tool,
    summary: Summary,
    diagnostics: Vec<Diag<'a>>,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Summary {
    files_checked: usize,
    files_skipped: usize,
    errors: usize,
    warnings: usize,
    infos: usize,
}

#[derive(Serialize)]
struct Diag<'a> {
    rule: &'a str,
    severity: Severity,
    message: &'a str,
    path: &'a str,
    start: Option<Pos>,
    end: Option<Pos>,
    labels: Vec<LabelOut<'a>>,
    help: Option<&'a str>,
}

#[derive(Serialize)]
struct LabelOut<'a> {
    message: &'a str,
    path: &'a str,
    start: Pos,
    end: Pos,
}

#[derive(Serialize)]
struct Pos {
    line: u32,
    column: u32,
    offset: u32,
}

fn pos(l: &Location) -> (Pos, Pos) {
    (
        Pos {
            line: l.start.line,
            column: l.start.column,
            offset: l.span.start,
        },
        Pos {
            line: l.end.line,
            column: l.end.column,
            offset: l.span.end,
        },
    )
}

fn diag(d: &Diagnostic) -> Diag<'_> {
    let (start, end) = match d.primary.as_ref().map(pos) {
        Some((s, e)) => (Some(s), Some(e)),
        None => (None, None),
    };
    Diag {
        rule: &d.rule,
        severity: d.severity,
        message: &d.message,
        path: &d.path,
        start,
        end,
        labels: d
            .labels
            .iter()
            .map(|l| {
                let (start, end) = pos(&l.location);
                LabelOut {
                    message: &l.message,
                    path: &l.location.path,
                    start,
                    end,
                }
            })
            .collect(),
        help: d.help.as_deref(),
    }
}

pub fn render(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    let s = report.summary;
    let doc = Doc {
        version: 1,
        tool: Tool {
            name: "hedge",
            version: env!("CARGO_PKG_VERSION"),
        },
        summary: Summary {
            files_checked: s.files_checked,
            files_skipped: s.files_skipped,
            errors: s.errors,
            warnings: s.warnings,
            infos: s.infos,
        },
        diagnostics: report.diagnostics.iter().map(diag).collect(),
    };
    serde_json::to_writer_pretty(&mut *out, &doc).map_err(io::Error::other)?;
    writeln!(out)
}
