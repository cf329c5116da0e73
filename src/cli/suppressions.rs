//! `hedge suppressions`: every inline suppression of a project with its rules, reason, expiry
//! and place, so a security review can audit what has been accepted and until when.

use std::io::Write;

use super::{InventoryFormat, SuppressionsArgs, EXIT_OK, EXIT_USAGE};
use crate::contracts::date::Date;
use crate::pipeline::{self, Settings};
use crate::report::OutputFormat;
use crate::suppress::Scope;

pub fn run(args: &SuppressionsArgs) -> i32 {
    let rules = match super::load_rules(&args.source, OutputFormat::Human) {
        Ok(r) => r,
        Err(code) => return code,
    };
    if let Err(code) = super::check_paths(&args.paths) {
        return code;
    }
    let settings = Settings {
        rules,
        keep_sources: false,
        // an inventory lists reasonless suppressions too: they are what an audit looks for
        require_suppression_reason: false,
        ..Settings::default()
    };
    let outcome = match pipeline::run(&args.paths, &settings) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {}", e.0);
            return EXIT_USAGE;
        }
    };
    let today = args.today.unwrap_or_else(Date::today);
    let all: Vec<_> = outcome
        .files
        .iter()
        .flat_map(|f| f.suppressions.iter())
        .collect();
    let mut out = std::io::stdout().lock();
    let status = |until: Option<Date>| match until {
        Some(u) if u < today => "expired",
        _ => "active",
    };
    let written = match args.format {
        InventoryFormat::Json => {
            let rows: Vec<serde_json::Value> = all
                .iter()
                .map(|s| {
                    serde_json::json!({
                        "path": &*s.path,
                        "line": s.location.start.line,
                        "column": s.location.start.column,
                        "scope": match s.scope { Scope::File => "file", Scope::Line(_) => "line" },
                        "applies_to_line": match s.scope { Scope::File => None, Scope::Line(l) => Some(l) },
                        "rules": s.rules,
                        "reason": s.reason,
                        "until": s.until.map(|u| u.to_string()),
                        "status": status(s.until),
                    })
                })
                .collect();
            serde_json::to_writer_pretty(&mut out, &rows)
                .map_err(std::io::Error::other)
                .and_then(|_| writeln!(out))
        }
        InventoryFormat::Table => {
            let mut r = Ok(());
            for s in &all {
                let place = format!(
                    "{}:{}:{}",
                    s.path, s.location.start.line, s.location.start.column
                );
                let scope = match s.scope {
                    Scope::File => "file".to_string(),
                    Scope::Line(l) => format!("line {l}"),
                };
                r = r.and_then(|_| {
                    writeln!(
                        out,
                        "{place}\t{}\t{scope}\t{}\t{}\t{}",
                        s.rules.join(","),
                        s.until.map_or("-".to_string(), |u| u.to_string()),
                        status(s.until),
                        s.reason.as_deref().unwrap_or("(no reason)")
                    )
                });
            }
            r.and_then(|_| writeln!(out, "{} suppression(s)", all.len()))
        }
    };
    match written {
        Ok(()) => EXIT_OK,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => EXIT_OK,
        Err(_) => EXIT_USAGE,
    }
}
