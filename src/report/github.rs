//! `--format github`: GitHub Actions workflow commands, so findings appear as annotations on the
//! pull request's changed lines.

use std::io::{self, Write};

use super::Report;
use crate::diag::Severity;

/// Workflow-command escaping: the message (data) and the properties differ.
fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

pub fn render(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    for d in report.diagnostics {
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let mut props = vec![format!("file={}", property(&d.path))];
        if let Some(l) = &d.primary {
            props.push(format!("line={}", l.start.line));
            props.push(format!("col={}", l.start.column));
            props.push(format!("endLine={}", l.end.line));
            props.push(format!("endColumn={}", l.end.column));
        }
        props.push(format!("title={}", property(&format!("hedge {}", d.rule))));
        writeln!(out, "::{command} {}::{}", props.join(","), data(&d.message))?;
    }
    Ok(())
}
