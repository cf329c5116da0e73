//! `--format human`: miette's graphical report, a source snippet per finding.

use std::io::{self, Write};

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, NamedSource,
    Report as MReport,
};

use super::Report;
use crate::diag::{Diagnostic, Severity};

pub fn render(report: &Report<'_>, color: bool, out: &mut dyn Write) -> io::Result<()> {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_links(false)
        .with_width(100);
    for d in report.diagnostics {
        let mut text = String::new();
        let source = report.sources.get(&d.path).filter(|_| d.primary.is_some());
        let md = to_miette(d, source.is_some());
        let result = match source {
            Some(src) => {
                let named = NamedSource::new(d.path.as_ref(), src.clone());
                let r = MReport::new(md).with_source_code(named);
                handler.render_report(&mut text, r.as_ref())
            }
            None => {
                let r = MReport::new(md);
                handler.render_report(&mut text, r.as_ref())
            }
        };
        if result.is_err() {
            // the graphical handler failed on this one; never lose a finding over it
            text = format!("{}: {}[{}]: {}\n", d.path, d.severity, d.rule, d.message);
        }
        out.write_all(text.as_bytes())?;
    }
    if !report.show_summary {
        return Ok(());
    }
    let s = report.summary;
    let mut parts = Vec::new();
    for (n, what) in [
        (s.errors, "error"),
        (s.warnings, "warning"),
        (s.infos, "info"),
    ] {
        if n > 0 {
            parts.push(format!(
                "{n} {what}{}",
                if n == 1 || what == "info" { "" } else { "s" }
            ));
        }
    }
    let findings = if parts.is_empty() {
        "no problems".to_string()
    } else {
        parts.join(", ")
    };
    writeln!(
        out,
        "hedge: {} file{} checked, {findings}",
        s.files_checked,
        if s.files_checked == 1 { "" } else { "s" }
    )
}

fn to_miette(d: &Diagnostic, with_spans: bool) -> MietteDiagnostic {
    let severity = match d.severity {
        Severity::Error => miette::Severity::Error,
        Severity::Warning => miette::Severity::Warning,
        Severity::Info => miette::Severity::Advice,
    };
    let mut message = d.message.clone();
    if !with_spans {
        // no snippet will show the path, so the heading must
        message = format!("{}: {message}", d.path);
    }
    let mut md = MietteDiagnostic::new(message)
        .with_code(d.rule.to_string())
        .with_severity(severity);
    if with_spans {
        let mut labels = Vec::new();
        if let Some(p) = &d.primary {
            labels.push(LabeledSpan::new_primary_with_span(
                None,
                (p.span.start as usize, p.span.len()),
            ));
        }
        for l in d.labels.iter().filter(|l| l.location.path == d.path) {
            labels.push(LabeledSpan::new_with_span(
                Some(l.message.clone()),
                (l.location.span.start as usize, l.location.span.len()),
            ));
        }
        md = md.with_labels(labels);
    }
    if let Some(h) = &d.help {
        md = md.with_help(h.to_string());
    }
    md
}
