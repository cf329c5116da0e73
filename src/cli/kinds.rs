//! `hedge kinds`: which document kinds each file's documents were given.

use std::io::Write;

use super::{KindsArgs, EXIT_OK, EXIT_USAGE};
use crate::pipeline::{self, Settings};
use crate::report::OutputFormat;

pub fn run(args: &KindsArgs) -> i32 {
    let rules = match super::load_rules(&args.source, OutputFormat::Human) {
        Ok(r) => r,
        Err(code) => return code,
    };
    if let Err(code) = super::check_paths(&args.paths) {
        return code;
    }
    let settings = Settings {
        rules,
        ..Settings::default()
    };
    let outcome = match pipeline::run(&args.paths, &settings) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {}", e.0);
            return EXIT_USAGE;
        }
    };
    let mut out = std::io::stdout().lock();
    for f in &outcome.files {
        let format = f.format.map_or("unreadable", |f| f.name());
        let kinds: Vec<String> = f
            .kinds
            .iter()
            .enumerate()
            .map(|(i, k)| {
                let k = if k.is_empty() {
                    "-".to_string()
                } else {
                    k.join("+")
                };
                if f.kinds.len() > 1 {
                    format!("#{}: {k}", i + 1)
                } else {
                    k
                }
            })
            .collect();
        let kinds = if kinds.is_empty() {
            "-".to_string()
        } else {
            kinds.join(", ")
        };
        if writeln!(out, "{}\t{format}\t{kinds}", f.display).is_err() {
            return EXIT_USAGE;
        }
    }
    EXIT_OK
}
