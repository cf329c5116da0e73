//! `hedge check`.

use std::io::{IsTerminal, Write};

use super::{CheckArgs, ColorChoice, FailOn, EXIT_FINDINGS, EXIT_OK, EXIT_USAGE};
use crate::diag::Severity;
use crate::discover;
use crate::engine::ruleset::Selection;
use crate::pipeline::{self, Settings};
use crate::report::{self, Report, Summary};

pub fn run(args: &CheckArgs) -> i32 {
    if let Err(code) = super::check_paths(&args.paths) {
        return code;
    }
    let rules = match super::load_rules(&args.source, args.format) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let registry = match super::load_registry(&args.source, args.format) {
        Ok(r) => r,
        Err(code) => return code,
    };
    for ids in [&args.select, &args.ignore] {
        if let Err(code) = super::check_rule_ids(&rules, ids) {
            return code;
        }
    }
    let settings = Settings {
        discover: discover::Options {
            no_ignore: args.no_ignore,
            excludes: args.exclude.clone(),
            threads: args.threads,
        },
        max_file_size: args.max_file_size,
        threads: args.threads,
        rules,
        registry,
        selection: Selection {
            select: args.select.clone(),
            ignore: args.ignore.clone(),
        },
        keep_sources: args.format == crate::report::OutputFormat::Human,
    };
    let outcome = match pipeline::run(&args.paths, &settings) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {}", e.0);
            return EXIT_USAGE;
        }
    };

    if args.verbose {
        let mut err = std::io::stderr().lock();
        for f in &outcome.files {
            let format = f.format.map_or("-", |f| f.name());
            let kinds: Vec<String> = f
                .kinds
                .iter()
                .map(|k| k.join("+"))
                .filter(|k| !k.is_empty())
                .collect();
            let kinds = if kinds.is_empty() {
                String::new()
            } else {
                format!("; kinds: {}", kinds.join(", "))
            };
            let _ = writeln!(
                err,
                "{}: {format}, {} document(s){kinds}",
                f.display, f.documents
            );
        }
        let _ = writeln!(
            err,
            "skipped {} file(s) of no format hedge reads",
            outcome.skipped
        );
    }

    let mut summary = Summary {
        files_checked: outcome.files.len(),
        files_skipped: outcome.skipped,
        ..Summary::default()
    };
    summary.count(&outcome.diagnostics);
    let report = Report {
        diagnostics: &outcome.diagnostics,
        show_summary: true,
        sources: &outcome.sources,
        summary,
    };
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    };
    let mut out = std::io::stdout().lock();
    let written = report::render(args.format, &report, color, &mut out).and_then(|_| out.flush());
    if let Err(e) = written {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("error: cannot write the report: {e}");
            return EXIT_USAGE;
        }
    }

    let threshold = match args.fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Info => Some(Severity::Info),
        FailOn::Never => None,
    };
    match threshold {
        Some(t) if outcome.diagnostics.iter().any(|d| d.severity >= t) => EXIT_FINDINGS,
        _ => EXIT_OK,
    }
}
