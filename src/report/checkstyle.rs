//! `--format checkstyle`: Checkstyle XML (`<checkstyle><file><error/></file></checkstyle>`),
//! the lingua franca of review bots such as reviewdog and of Jenkins' warnings plugin.

use std::collections::BTreeMap;
use std::io::{self, Write};

use super::{xml_escape as x, Report};
use crate::diag::Diagnostic;

pub fn render(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    let mut by_file: BTreeMap<&str, Vec<&Diagnostic>> = BTreeMap::new();
    for d in report.diagnostics {
        by_file.entry(&d.path).or_default().push(d);
    }
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(out, r#"<checkstyle version="4.3">"#)?;
    for (path, diags) in by_file {
        writeln!(out, r#"  <file name="{}">"#, x(path))?;
        for d in diags {
            let severity = d.severity.name();
            let (line, column) = d
                .primary
                .as_ref()
                .map(|l| (l.start.line, l.start.column))
                .unwrap_or((1, 1));
            writeln!(
                out,
                r#"    <error line="{line}" column="{column}" severity="{severity}" message="{}" source="hedge.{}"/>"#,
                x(&d.message),
                x(&d.rule)
            )?;
        }
        writeln!(out, "  </file>")?;
    }
    writeln!(out, "</checkstyle>")
}
