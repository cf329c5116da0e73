//! `--format gitlab`: the Code Quality report GitLab reads from a job's
//! `artifacts:reports:codequality`, shown in the merge request widget and diff.
//!
//! GitLab keys a finding on `fingerprint` (two findings with one fingerprint collapse into
//! one), so it is the same line-independent, occurrence-numbered hash SARIF uses. The shape is
//! pinned by `schemas/gitlab-codequality.schema.json`, written from GitLab's documented format.

use std::collections::HashMap;
use std::io::{self, Write};

use serde_json::json;

use super::Report;
use crate::diag::Severity;

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "major",
        Severity::Warning => "minor",
        Severity::Info => "info",
    }
}

pub fn render(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    let mut seen = HashMap::new();
    let issues = report.diagnostics.iter().map(|d| {
        let location = match &d.primary {
            Some(l) => json!({
                "path": &*d.path,
                "positions": {
                    "begin": { "line": l.start.line, "column": l.start.column },
                    "end": { "line": l.end.line, "column": l.end.column },
                },
            }),
            None => json!({ "path": &*d.path, "lines": { "begin": 1 } }),
        };
        let fp = super::fingerprint(d, &mut seen);
        json!({
            "type": "issue",
            "check_name": &*d.rule,
            "description": &d.message,
            "categories": ["Bug Risk"],
            "severity": severity(d.severity),
            "fingerprint": fp,
            "location": location,
        })
    });
    serde_json::to_writer_pretty(&mut *out, &super::LazySeq::new(issues))?;
    writeln!(out)
}
