//! `hedge graph`: the provider dependency graph of a project.

use std::io::Write;

use super::{GraphArgs, GraphFormat, EXIT_OK, EXIT_USAGE};
use crate::graph::output;
use crate::pipeline::{self, Settings};
use crate::report::OutputFormat;

pub fn run(args: &GraphArgs) -> i32 {
    let rules = match super::load_rules(&args.source, OutputFormat::Human) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let registry = match super::load_registry(&args.source, OutputFormat::Human) {
        Ok(r) => r,
        Err(code) => return code,
    };
    if let Err(code) = super::check_paths(&args.paths) {
        return code;
    }
    let settings = Settings {
        rules,
        registry,
        keep_sources: false,
        require_suppression_reason: true,
        overlay: None,
        ..Settings::default()
    };
    let outcome = match pipeline::run(&args.paths, &settings) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {}", e.0);
            return EXIT_USAGE;
        }
    };
    let text = match args.format {
        GraphFormat::Json => output::json(&outcome.graph),
        GraphFormat::Dot => output::dot(&outcome.graph),
        GraphFormat::Mermaid => output::mermaid(&outcome.graph),
    };
    if std::io::stdout().lock().write_all(text.as_bytes()).is_err() {
        return EXIT_USAGE;
    }
    EXIT_OK
}
