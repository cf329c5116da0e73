//! `path:line:col: severity[rule]: message` — one line per diagnostic, the shape editors'
//! problem matchers and grep expect.

use std::io::{self, Write};

use super::Report;

pub fn render(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    for d in report.diagnostics {
        let (line, col) = d
            .primary
            .as_ref()
            .map_or((1, 1), |l| (l.start.line, l.start.column));
        // a message is one line here, whatever it holds
        let message = d.message.replace(['\n', '\r'], " ");
        writeln!(
            out,
            "{}:{}:{}: {}[{}]: {}",
            d.path, line, col, d.severity, d.rule, message
        )?;
    }
    Ok(())
}
