//! `--format json`: one document with every diagnostic and a summary. The shape is versioned
//! (`"version": 1`); fields are only ever added.
//!
//! Positions: `line` and `column` are 1-based, columns in characters; `offset` is the byte
//! offset into the file (for UTF-16 files, into its UTF-8 transcoding). `end` is exclusive.

use std::io::{self, Write};

use rayon::prelude::*;
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

/// The report's document with the given list of findings.
fn document<'a>(report: &Report<'_>, diagnostics: Vec<Diag<'a>>) -> Doc<'a> {
    let s = report.summary;
    Doc {
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
        diagnostics,
    }
}

pub fn render(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    let doc = document(report, Vec::new());
    if report.diagnostics.is_empty() {
        serde_json::to_writer_pretty(&mut *out, &doc).map_err(io::Error::other)?;
        return writeln!(out);
    }
    // The findings are rendered on every core, a chunk at a time, into exactly the bytes one
    // pretty serialisation of the whole document gives (tested): on a big project this was a
    // third of a second of one core after all other work was done. The head is the document
    // with an empty list, whose `[]` is replaced by the items.
    let head = serde_json::to_string_pretty(&doc).map_err(io::Error::other)?;
    let head = head
        .strip_suffix("[]\n}")
        .ok_or_else(|| io::Error::other("unexpected JSON layout"))?;
    out.write_all(head.as_bytes())?;
    out.write_all(b"[")?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(report.threads)
        .build()
        .ok();
    for (n, chunk) in report.diagnostics.chunks(CHUNK).enumerate() {
        let render = || chunk.par_iter().map(item).collect::<Vec<_>>();
        let items: Vec<io::Result<Vec<u8>>> = match &pool {
            Some(p) => p.install(render),
            None => chunk.iter().map(item).collect(),
        };
        for (i, item) in items.into_iter().enumerate() {
            out.write_all(if n == 0 && i == 0 { b"\n" } else { b",\n" })?;
            out.write_all(&item?)?;
        }
    }
    out.write_all(b"\n  ]\n}\n")
}

/// Findings rendered per parallel batch: enough to keep the cores busy, few enough that the
/// rendered bytes of a batch stay small.
const CHUNK: usize = 4096;

/// One finding as an element of the `diagnostics` list: pretty, indented two levels.
fn item(d: &Diagnostic) -> io::Result<Vec<u8>> {
    let text = serde_json::to_string_pretty(&diag(d)).map_err(io::Error::other)?;
    let mut buf = Vec::with_capacity(text.len() + 64);
    // JSON strings hold no raw line breaks, so every line break is the printer's
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            buf.push(b'\n');
        }
        buf.extend_from_slice(b"    ");
        buf.extend_from_slice(line.as_bytes());
    }
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Label;
    use std::collections::BTreeMap;
    use std::sync::Arc;

    /// The batched, parallel rendering gives exactly the bytes of one pretty serialisation of
    /// the whole document, across batch boundaries and with labels, help, escapes and
    /// findings without a position.
    #[test]
    fn batched_rendering_equals_one_serialisation() {
        let path: Arc<str> = Arc::from("dir/f\"ile é.yaml");
        let text = "a: 1\nb: [2, 3]\n".repeat(10);
        let file = crate::source::SourceFile::new(
            std::path::PathBuf::from(&*path),
            text,
            crate::source::Encoding::Utf8,
        );
        let mut diags = Vec::new();
        for i in 0..(CHUNK + 300) {
            let mut d = Diagnostic::new(
                "some-rule",
                Severity::Warning,
                &path,
                format!("finding {i}: \"quoted\"\ttab \u{1F600}"),
            );
            if i % 3 != 0 {
                let at = crate::source::Span::new(i % 50, i % 50 + 3);
                d = d.at(&file, at);
                if i % 5 == 0 {
                    d.labels.push(Label {
                        location: Location::new(&file, &path, at),
                        message: "here".to_string(),
                    });
                }
            }
            if i % 7 == 0 {
                d = d.with_help("do this");
            }
            diags.push(d);
        }
        let sources = BTreeMap::new();
        for threads in [1, 3] {
            let report = Report {
                diagnostics: &diags,
                show_summary: true,
                sources: &sources,
                summary: crate::report::Summary::default(),
                rules: &[],
                suppressed: &[],
                threads,
            };
            let mut batched = Vec::new();
            render(&report, &mut batched).unwrap();
            let whole = document(&report, diags.iter().map(diag).collect());
            let mut once = serde_json::to_vec_pretty(&whole).unwrap();
            once.push(b'\n');
            assert!(
                batched == once,
                "batched JSON differs from one serialisation"
            );
        }
    }
}
