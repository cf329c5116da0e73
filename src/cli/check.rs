//! `hedge check`.

use std::io::{IsTerminal, Write};

use super::{CheckArgs, ColorChoice, FailOn, EXIT_FINDINGS, EXIT_OK, EXIT_USAGE};
use crate::config::{self, Config};
use crate::diag::Severity;
use crate::discover;
use crate::engine::ruleset::Selection;
use crate::pipeline::{self, Settings};
use crate::report::{self, Report, Summary};
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;

/// What a run is for: a report, or writing a baseline from its findings.
#[derive(Debug, Clone, Copy)]
pub enum Mode<'a> {
    Report,
    Create(&'a std::path::Path),
    Prune(&'a std::path::Path),
}

/// A finished evaluation: the findings after configuration, suppressions and focus, before
/// baselines and reporting.
pub struct Evaluated {
    pub outcome: pipeline::Outcome,
    pub focus: Option<(PathBuf, HashSet<PathBuf>)>,
    pub metas: Vec<crate::report::RuleMeta>,
}

/// Everything `check` does before reporting. `Err` carries the exit code of a run that has
/// already said why it stopped (on stderr). `overlay` replaces files' content (editor buffers).
/// `keep_graph`: whether the caller reads `outcome.graph` (see `Settings::keep_graph`).
pub fn evaluate(
    args: &CheckArgs,
    overlay: Option<pipeline::Overlay>,
    keep_sources: bool,
    keep_graph: bool,
) -> Result<Evaluated, i32> {
    super::check_paths(&args.paths)?;
    let config = load_config(args)?;
    if args.show_config {
        return Err(show_config(&config));
    }
    let mut source = args.source.clone();
    source.rules.extend(config.packs.iter().cloned());
    source.registry.extend(config.registry.iter().cloned());
    crate::timings::mark("configuration");
    // Rule packs and registry load side by side (half of a pre-commit run's startup: YAML,
    // schemas, a few hundred regexes each); their problems are reported in this order.
    let load_rules = || crate::engine::load::load(&source.rules);
    let load_registry = || crate::graph::registry::Registry::load(&source.registry);
    let (rules, registry) = if args.threads == 1 {
        (load_rules(), load_registry())
    } else {
        rayon::join(load_rules, load_registry)
    };
    let mut rules = rules.map_err(|e| super::print_load_error(&e, args.format))?;
    crate::timings::mark("rule packs and registry");
    let problems = config.check_rule_ids(&rules);
    if !problems.is_empty() {
        return Err(super::print_diagnostics(
            "invalid configuration",
            &problems,
            &config.sources(),
            args.format,
        ));
    }
    let registry = registry
        .map(Arc::new)
        .map_err(|e| super::print_load_error(&e, args.format))?;
    let problems = config.check_banned(&registry);
    if !problems.is_empty() {
        return Err(super::print_diagnostics(
            "invalid configuration",
            &problems,
            &config.sources(),
            args.format,
        ));
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
    super::check_rule_ids(&rules, &cli_ids)?;
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
    let wants_facts = rules.graph_rules.iter().any(|r| selection.enabled(&r.id));
    let mut settings = Settings {
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
        overlay,
        cache: None,
        focus: None,
        facts: wants_facts,
        keep_graph,
        // only the human format's snippets need the text of files with findings; fingerprints
        // are taken by the workers (`Location::text_hash`)
        keep_sources: keep_sources
            || [args.format]
                .iter()
                .chain(args.output.iter().map(|(f, _)| f))
                .any(|f| matches!(f, crate::report::OutputFormat::Human)),
    };
    let overrides = config.overrides();
    // Given only files (as pre-commit and editors do), check the project around them, so graph
    // and contract rules see every route and contract, and report what is in the files given.
    let focus = if args.isolated {
        None
    } else {
        project_of(&args.paths, config.path.as_deref())
    };
    let walk_paths = match &focus {
        // the files themselves too: named, they are checked even when excluded or ignored
        Some((root, _)) => {
            let canon_root = std::fs::canonicalize(root).unwrap_or_else(|_| root.clone());
            let mut v = vec![root.clone()];
            // spelled from the root, so the walk and the names meet as one file; a file outside
            // the project is still checked, as named
            v.extend(args.paths.iter().map(|p| {
                std::fs::canonicalize(p)
                    .ok()
                    .and_then(|c| c.strip_prefix(&canon_root).ok().map(|r| root.join(r)))
                    .unwrap_or_else(|| p.clone())
            }));
            v
        }
        None => args.paths.clone(),
    };
    // a named hedge.toml wants every file's findings (unused-config), which the cache skips
    let names_config = args.paths.iter().any(|p| {
        p.file_name()
            .is_some_and(|n| n == "hedge.toml" || n == ".hedge.toml")
    });
    // the named files as discovery shows them: the walk's root comes first in `walk_paths`
    let named: Arc<HashSet<Arc<str>>> = Arc::new(
        walk_paths
            .iter()
            .skip(1)
            .map(|p| crate::discover::display_path(p))
            .collect(),
    );
    // only the named files' findings are reported (unless a configuration file is named: its
    // unused-entry findings need every finding)
    if let (Some(_), false) = (&focus, names_config) {
        settings.focus = Some(named.clone());
    }
    if let (true, false, true, Some((root, _))) = (args.cache, names_config, settings.facts, &focus)
    {
        let key = crate::cache::key(&settings);
        settings.cache = Some(Arc::new(crate::cache::FactsCache::open(
            root,
            key,
            named.clone(),
            &settings.registry,
        )));
    }
    let mut outcome = match pipeline::run(&walk_paths, &settings) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {}", e.0);
            return Err(EXIT_USAGE);
        }
    };
    // Findings outside the named files are dropped before configuration is applied to them (a
    // pre-commit run's context yields tens of thousands). Not when a configuration file is
    // named: its unused-entry findings need every finding to tell what its entries matched.
    if let (Some((_, files)), false) = (&focus, names_config) {
        retain_focus(&mut outcome, files, &named);
    }
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
                        return Err(super::print_diagnostics(
                            "invalid configuration",
                            &problems,
                            &c.sources(),
                            args.format,
                        ));
                    }
                    nested.push((dir, c));
                }
                Err(e) => {
                    return Err(super::print_diagnostics(
                        "invalid configuration",
                        &e.diagnostics,
                        &e.sources,
                        args.format,
                    ))
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
        config::apply_overrides(
            &overrides,
            &mut outcome.diagnostics,
            settings.rules.contract_policy.today,
        );
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

    if let Some((_, files)) = &focus {
        retain_focus(&mut outcome, files, &named);
    }

    let metas = crate::report::RuleMeta::all(&settings.rules);
    Ok(Evaluated {
        outcome,
        focus,
        metas,
    })
}

pub fn run(args: &CheckArgs, mode: Mode<'_>) -> i32 {
    let mut overlay = None;
    let stdin_args;
    let args = match &args.stdin_filename {
        Some(name) if args.stdin => {
            if !name.is_file() {
                eprintln!(
                    "error: --stdin-filename {}: not a file on disk (hedge checks the buffer of an existing file in its project)",
                    name.display()
                );
                return EXIT_USAGE;
            }
            let mut bytes = Vec::new();
            if let Err(e) = std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut bytes) {
                eprintln!("error: cannot read standard input: {e}");
                return EXIT_USAGE;
            }
            let canonical = std::fs::canonicalize(name).unwrap_or_else(|_| name.clone());
            overlay = Some(Arc::new(vec![(canonical, bytes)]));
            let mut a = args.clone();
            a.paths = vec![name.clone()];
            stdin_args = a;
            &stdin_args
        }
        _ => args,
    };
    let Evaluated {
        mut outcome,
        focus,
        metas,
    } = match evaluate(args, overlay, !matches!(mode, Mode::Report), false) {
        Ok(e) => e,
        Err(code) => return code,
    };
    crate::timings::mark("focus and configuration applied");
    match mode {
        Mode::Report => {}
        Mode::Create(path) => {
            let fps = crate::baseline::fingerprints(&outcome.diagnostics);
            let entries = crate::baseline::entries(&outcome.diagnostics, &fps);
            let n = entries.len();
            if let Err(e) = crate::baseline::save(path, entries) {
                eprintln!("error: cannot write {}: {e}", path.display());
                return EXIT_USAGE;
            }
            eprintln!("baseline: {n} finding(s) recorded in {}", path.display());
            return EXIT_OK;
        }
        Mode::Prune(path) => {
            let b = match crate::baseline::load(path) {
                Ok(b) => b,
                Err(e) => {
                    eprintln!("error: {e}");
                    return EXIT_USAGE;
                }
            };
            let before = b.entries.len();
            let fps = crate::baseline::fingerprints(&outcome.diagnostics);
            let kept = crate::baseline::prune(b, &outcome.diagnostics, &fps);
            let after = kept.len();
            if let Err(e) = crate::baseline::save(path, kept) {
                eprintln!("error: cannot write {}: {e}", path.display());
                return EXIT_USAGE;
            }
            eprintln!(
                "baseline: kept {after} of {before} entries in {}, dropped {} that no longer match",
                path.display(),
                before - after
            );
            return EXIT_OK;
        }
    }
    if let Some(path) = &args.baseline {
        let b = match crate::baseline::load(path) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("error: {e}");
                return EXIT_USAGE;
            }
        };
        let fps = crate::baseline::fingerprints(&outcome.diagnostics);
        let covered = crate::baseline::covered(&b, &outcome.diagnostics, &fps);
        let hidden = covered.iter().filter(|c| **c).count();
        let mut it = covered.into_iter();
        outcome.diagnostics.retain(|_| !it.next().unwrap_or(false));
        if hidden > 0 && args.format == crate::report::OutputFormat::Human {
            eprintln!(
                "{hidden} finding(s) recorded in the baseline {} not shown",
                path.display()
            );
        }
    }

    let mut summary = Summary {
        files_checked: outcome.files.len(),
        files_skipped: outcome.skipped,
        ..Summary::default()
    };
    // the summary is about what was asked for, not the context read around it
    if let Some((_, files)) = &focus {
        summary.files_checked = files.len();
        summary.files_skipped = 0;
    }
    summary.count(&outcome.diagnostics);
    let report = Report {
        diagnostics: &outcome.diagnostics,
        show_summary: true,
        sources: &outcome.sources,
        summary,
        rules: &metas,
        suppressed: &outcome.suppressed,
        threads: args.threads,
    };
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    };
    // stdout is line-buffered: unbuffered, pretty JSON or SARIF for 60,000 findings costs a
    // write(2) per line, a tenth of a 10,000-file run
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let written = report::render(args.format, &report, color, &mut out).and_then(|_| out.flush());
    crate::timings::mark("report written");
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
    let code = match threshold {
        Some(t) if outcome.diagnostics.iter().any(|d| d.severity >= t) => EXIT_FINDINGS,
        _ => EXIT_OK,
    };
    // the process ends next: freeing a big project's graph, facts and findings one allocation
    // at a time costs a fifth of a cached run, and the OS takes the memory back whole
    std::mem::forget(outcome);
    code
}

/// Keeps the findings in the named files of a focus run.
fn retain_focus(
    outcome: &mut pipeline::Outcome,
    files: &HashSet<PathBuf>,
    named: &HashSet<Arc<str>>,
) {
    // The named files were discovered under the display paths in `named`, and every other
    // discovered file is context. Only a path that is no discovered file's (the
    // configuration's, spelled another way) needs the file system to tell; asking it for every
    // context file with a graph finding cost a pre-commit run 19 ms of 320.
    let discovered: HashSet<&str> = outcome.files.iter().map(|f| &*f.display).collect();
    let mut canon: std::collections::HashMap<Arc<str>, bool> = Default::default();
    let mut keep = |d: &crate::diag::Diagnostic| {
        *canon.entry(d.path.clone()).or_insert_with(|| {
            if named.contains(&d.path) {
                true
            } else if discovered.contains(&*d.path) {
                false
            } else {
                std::fs::canonicalize(&*d.path).is_ok_and(|p| files.contains(&p))
            }
        })
    };
    outcome.diagnostics.retain(|d| keep(d));
    outcome.suppressed.retain(|(d, _)| keep(d));
}

/// When every path given is a file, the project they belong to and the files themselves
/// (canonical): the project is the directory of the configuration in use, else the git work
/// tree around the first file. `None` (check exactly what was given) when there is neither.
fn project_of(
    paths: &[std::path::PathBuf],
    config: Option<&str>,
) -> Option<(
    std::path::PathBuf,
    std::collections::HashSet<std::path::PathBuf>,
)> {
    use std::path::{Path, PathBuf};
    if paths.is_empty() || !paths.iter().all(|p| p.is_file()) {
        return None;
    }
    let files: std::collections::HashSet<PathBuf> = paths
        .iter()
        .filter_map(|p| std::fs::canonicalize(p).ok())
        .collect();
    let first = std::fs::canonicalize(&paths[0]).ok()?;
    let root = match config.and_then(|c| std::fs::canonicalize(c).ok()) {
        Some(c) => c.parent()?.to_path_buf(),
        None => first
            .ancestors()
            .skip(1)
            .find(|d| d.join(".git").exists())?
            .to_path_buf(),
    };
    let depth = first.strip_prefix(&root).ok()?.components().count();
    // the root, spelled relative to the first path as given, so reported paths read as the
    // user wrote them
    let mut rel: PathBuf = paths[0].clone();
    let mut ups = 0;
    for _ in 0..depth {
        match rel.parent() {
            Some(p) if rel.file_name().is_some() => rel = p.into(),
            _ => ups += 1,
        }
    }
    for _ in 0..ups {
        rel.push("..");
    }
    if rel.as_os_str().is_empty() {
        rel = Path::new(".").to_path_buf();
    }
    Some((rel, files))
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
