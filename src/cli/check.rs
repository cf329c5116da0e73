//! `hedge check`.

use std::io::{IsTerminal, Write};

use super::{CheckArgs, ColorChoice, FailOn, EXIT_FINDINGS, EXIT_OK, EXIT_USAGE};
use crate::config::{self, Config};
use crate::diag::Severity;
use crate::discover;
use crate::engine::ruleset::Selection;
use crate::pipeline::{self, Settings};
use crate::report::{self, Report, Summary};
use std::sync::Arc;

pub fn run(args: &CheckArgs) -> i32 {
    if let Err(code) = super::check_paths(&args.paths) {
        return code;
    }
    let config = match load_config(args) {
        Ok(c) => c,
        Err(code) => return code,
    };
    if args.show_config {
        return show_config(&config);
    }
    let mut source = args.source.clone();
    source.rules.extend(config.packs.iter().cloned());
    source.registry.extend(config.registry.iter().cloned());
    let mut rules = match super::load_rule_set(&source, args.format) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let problems = config.check_rule_ids(&rules);
    if !problems.is_empty() {
        return super::print_diagnostics(
            "invalid configuration",
            &problems,
            &config.sources(),
            args.format,
        );
    }
    let registry = match super::load_registry(&source, args.format) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let problems = config.check_banned(&registry);
    if !problems.is_empty() {
        return super::print_diagnostics(
            "invalid configuration",
            &problems,
            &config.sources(),
            args.format,
        );
    }
    let cli_ids: Vec<String> = [
        &args.select,
        &args.ignore,
        &args.allow,
        &args.warn,
        &args.deny,
    ]
    .into_iter()
    .flatten()
    .cloned()
    .collect();
    if let Err(code) = super::check_rule_ids(&rules, &cli_ids) {
        return code;
    }
    // command-line levels come after the configuration's, so they win
    let mut levels = config.severity.clone();
    levels.extend(args.allow.iter().map(|r| (r.clone(), None)));
    levels.extend(
        args.warn
            .iter()
            .map(|r| (r.clone(), Some(Severity::Warning))),
    );
    levels.extend(args.deny.iter().map(|r| (r.clone(), Some(Severity::Error))));
    // Only the command line narrows what runs: configuration selection and levels are applied to
    // the findings, per directory, because a nested hedge.toml may turn on what the root turns off.
    let mut selection = Selection {
        select: args.select.clone(),
        ignore: args.ignore.clone(),
    };
    config::apply_policy(&mut rules, &mut selection, &config.policy);
    if let Some(today) = args.today {
        rules.contract_policy.today = today;
    }
    let mut excludes = args.exclude.clone();
    excludes.extend(config.exclude.iter().cloned());
    let settings = Settings {
        discover: discover::Options {
            no_ignore: args.no_ignore,
            excludes,
            threads: args.threads,
        },
        max_file_size: args.max_file_size,
        threads: args.threads,
        rules: Arc::new(rules),
        registry,
        selection,
        require_suppression_reason: config.policy.suppression_requires_reason.unwrap_or(true),
        // snippets (human) and fingerprints (SARIF, GitLab) need the text of files with findings
        keep_sources: [args.format]
            .iter()
            .chain(args.output.iter().map(|(f, _)| f))
            .any(|f| {
                matches!(
                    f,
                    crate::report::OutputFormat::Human
                        | crate::report::OutputFormat::Sarif
                        | crate::report::OutputFormat::Gitlab
                )
            }),
    };
    let overrides = config.overrides();
    let mut outcome = match pipeline::run(&args.paths, &settings) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {}", e.0);
            return EXIT_USAGE;
        }
    };
    // nested configurations found by the walk govern their directories
    let root_path = config.path.as_deref().unwrap_or_default().to_string();
    let mut nested = Vec::new();
    for f in &outcome.files {
        let name = f.display.rsplit('/').next().unwrap_or_default();
        if (name == "hedge.toml" || name == ".hedge.toml")
            && *f.display != *root_path
            && !args.isolated
        {
            let dir = f
                .display
                .rsplit_once('/')
                .map_or(String::new(), |(d, _)| d.to_string());
            match Config::load(std::path::Path::new(&*f.display)) {
                Ok(c) => {
                    let problems = c.check_rule_ids(&settings.rules);
                    if !problems.is_empty() {
                        return super::print_diagnostics(
                            "invalid configuration",
                            &problems,
                            &c.sources(),
                            args.format,
                        );
                    }
                    nested.push((dir, c));
                }
                Err(e) => {
                    return super::print_diagnostics(
                        "invalid configuration",
                        &e.diagnostics,
                        &e.sources,
                        args.format,
                    )
                }
            }
        }
    }
    let scopes = config::scopes(&config, &nested);
    let known = settings.rules.all_ids();
    // rules an ignore entry or an off level silenced, per scope directory
    let mut silenced: Vec<(String, String)> = Vec::new();
    outcome.diagnostics.retain_mut(|d| {
        if !known.contains(&&*d.rule) {
            return true;
        }
        let scope = config::scope_for(&scopes, &d.path);
        if let Some(s) = scope.filter(|s| s.silences(&d.rule)) {
            silenced.push((s.dir.clone(), d.rule.to_string()));
        }
        let level = scope.map_or(Some(d.severity), |s| s.decide(&d.rule, d.severity));
        // levels from the command line come last and win
        let level = levels[config.severity.len()..]
            .iter()
            .rev()
            .find(|(r, _)| *r == *d.rule)
            .map_or(level, |(_, l)| *l);
        match level {
            Some(s) => {
                d.severity = s;
                true
            }
            None => false,
        }
    });
    // entries that matched nothing, in the root file and each nested one
    let in_scope = |dir: &str| {
        silenced
            .iter()
            .filter(|(d, _)| d == dir)
            .map(|(_, r)| r.clone())
            .collect::<Vec<_>>()
    };
    outcome.diagnostics.extend(config.unused(&in_scope("")));
    for (dir, c) in &nested {
        let dir_prefix = format!("{dir}/");
        outcome.diagnostics.extend(c.unused(&in_scope(&dir_prefix)));
        for (name, text) in c.sources() {
            outcome.sources.entry(name).or_insert(text);
        }
    }
    for (name, text) in config.sources() {
        outcome.sources.entry(name).or_insert(text);
    }
    outcome.diagnostics.sort_by(|a, b| a.sort_key_cmp(b));
    if !overrides.is_empty() {
        config::apply_overrides(&overrides, &mut outcome.diagnostics);
        outcome.diagnostics.sort_by(|a, b| a.sort_key_cmp(b));
        for (name, text) in config.sources() {
            outcome.sources.entry(name).or_insert(text);
        }
    }

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
    let metas = crate::report::RuleMeta::all(&settings.rules);
    let report = Report {
        diagnostics: &outcome.diagnostics,
        show_summary: true,
        sources: &outcome.sources,
        summary,
        rules: &metas,
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
    for (format, path) in &args.output {
        let mut buf = Vec::new();
        let rendered = report::render(*format, &report, false, &mut buf);
        if let Err(e) = rendered.and_then(|_| crate::report::write_atomic(path, &buf)) {
            eprintln!("error: cannot write {}: {e}", path.display());
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

fn load_config(args: &CheckArgs) -> Result<Config, i32> {
    let path = if args.isolated {
        None
    } else if let Some(p) = &args.config {
        Some(p.clone())
    } else {
        args.paths.first().and_then(|p| config::find(p))
    };
    match path {
        None => Ok(Config::default()),
        Some(p) => Config::load(&p).map_err(|e| {
            super::print_diagnostics(
                "invalid configuration",
                &e.diagnostics,
                &e.sources,
                args.format,
            )
        }),
    }
}

fn show_config(config: &Config) -> i32 {
    let mut out = std::io::stdout().lock();
    let _ = match &config.path {
        Some(p) => writeln!(out, "# configuration: {p}"),
        None => writeln!(out, "# no configuration file: built-in defaults"),
    };
    for s in &config.settings {
        let _ = writeln!(out, "{} = {}    # {}", s.key, s.value, s.origin);
    }
    EXIT_OK
}
