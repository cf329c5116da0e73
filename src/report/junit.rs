//! `--format junit`: JUnit XML, which CI systems without a linter integration (GitLab's test
//! report, Jenkins, Azure Pipelines) still render. One `<testsuite>` per file with findings,
//! one failed `<testcase>` per finding; a clean run is one passing test case, because several
//! consumers treat a report with no test cases as an error.

use std::collections::BTreeMap;
use std::io::{self, Write};

use super::{xml_escape as x, Report};
use crate::diag::Diagnostic;

pub fn render(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    let mut by_file: BTreeMap<&str, Vec<&Diagnostic>> = BTreeMap::new();
    for d in report.diagnostics {
        by_file.entry(&d.path).or_default().push(d);
    }
    let total = report.diagnostics.len();
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<testsuites name="hedge" tests="{}" failures="{}" errors="0">"#,
        total.max(1),
        total
    )?;
    if by_file.is_empty() {
        writeln!(
            out,
            r#"  <testsuite name="hedge" tests="1" failures="0" errors="0" skipped="0">"#
        )?;
        writeln!(
            out,
            r#"    <testcase classname="hedge" name="{} files checked, no findings"/>"#,
            report.summary.files_checked
        )?;
        writeln!(out, "  </testsuite>")?;
    }
    for (path, diags) in by_file {
        writeln!(
            out,
            r#"  <testsuite name="{}" tests="{}" failures="{}" errors="0" skipped="0">"#,
            x(path),
            diags.len(),
            diags.len()
        )?;
        for d in diags {
            let at = d
                .primary
                .as_ref()
                .map(|l| format!("{}:{}", l.start.line, l.start.column))
                .unwrap_or_default();
            let name = if at.is_empty() {
                d.rule.to_string()
            } else {
                format!("{} at {at}", d.rule)
            };
            let kind = d.severity.name();
            writeln!(
                out,
                r#"    <testcase classname="{}" name="{}" file="{}">"#,
                x(path),
                x(&name),
                x(path)
            )?;
            let mut body = path.to_string();
            if !at.is_empty() {
                body.push(':');
                body.push_str(&at);
            }
            body.push_str(&format!(": {kind}[{}]: {}", d.rule, d.message));
            if let Some(h) = &d.help {
                body.push_str("\nhelp: ");
                body.push_str(h);
            }
            writeln!(
                out,
                r#"      <failure type="{}" message="{}">{}</failure>"#,
                x(&d.rule),
                x(&d.message),
                x(&body)
            )?;
            writeln!(out, "    </testcase>")?;
        }
        writeln!(out, "  </testsuite>")?;
    }
    writeln!(out, "</testsuites>")
}
