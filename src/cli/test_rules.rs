//! `hedge test-rules DIR`: checks rule fixtures the way users write them.
//!
//! Convention: a file under `DIR/<rule-id>/` (any depth) is checked with every loaded rule. A
//! comment `# expect: RULE@COL` (or `// expect: ...`; several separated by commas) on a line
//! says a finding of RULE must start on that line at that column. For JSON, which has no
//! comments, and `.properties`, which has no inline ones, a sidecar `FILE.expect` holds
//! `LINE:COL RULE` lines (any fixture may use one). The rules in scope for a file
//! are the directory's rule id plus every rule it annotates; their findings must match the
//! annotations exactly, no more and no fewer. A file with no annotation is a "must not fire"
//! fixture for its directory's rule.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::{TestRulesArgs, EXIT_FINDINGS, EXIT_OK, EXIT_USAGE};
use crate::config::{self, Config};
use crate::discover::{self, classify, Candidate};
use crate::graph::{self, Graph};
use crate::pipeline::{self, Settings};
use crate::report::OutputFormat;

type Expect = BTreeSet<(u32, u32, String)>;

pub fn run(args: &TestRulesArgs) -> i32 {
    let rules = match super::load_rules(&args.source, OutputFormat::Human) {
        Ok(r) => r,
        Err(code) => return code,
    };
    if !args.dir.is_dir() {
        eprintln!("error: not a directory: {}", args.dir.display());
        return EXIT_USAGE;
    }
    let found = match discover::discover(
        std::slice::from_ref(&args.dir),
        &discover::Options::default(),
    ) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {}", e.0);
            return EXIT_USAGE;
        }
    };
    let registry = match super::load_registry(&args.source, OutputFormat::Human) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let mut rule_set = (*rules).clone();
    if let Some(today) = args.today {
        rule_set.contract_policy.today = today;
    }
    let rules = std::sync::Arc::new(rule_set);
    let settings = Settings {
        rules: rules.clone(),
        registry,
        ..Settings::default()
    };
    let known: BTreeSet<&str> = rules.all_ids().into_iter().collect();
    let mut out = std::io::stdout().lock();
    let (mut passed, mut failed) = (0usize, 0usize);
    let mut covered: BTreeSet<String> = BTreeSet::new();
    // First every file on its own; then graph rules per project: a subdirectory of a rule
    // directory is one project (for cross-file fallbacks and environment files), any other
    // fixture is a project by itself.
    let project = |c: &Candidate| -> PathBuf {
        let rel = c.path.strip_prefix(&args.dir).unwrap_or(&c.path);
        let parts: Vec<_> = rel.components().collect();
        if parts.len() > 2 {
            args.dir
                .join(parts[0].as_os_str())
                .join(parts[1].as_os_str())
        } else {
            c.path.clone()
        }
    };
    let mut projects: Vec<PathBuf> = found.files.iter().map(project).collect();
    projects.sort();
    projects.dedup();
    let mut reports: Vec<Option<pipeline::FileReport>> = found.files.iter().map(|_| None).collect();
    for p in &projects {
        let members: Vec<usize> = (0..found.files.len())
            .filter(|&i| &project(&found.files[i]) == p)
            .collect();
        // a project directory may carry its own hedge.toml (policy fixtures)
        let local = p
            .is_dir()
            .then(|| p.join("hedge.toml"))
            .filter(|c| c.is_file());
        let project_settings = match local {
            None => settings.clone(),
            Some(cfg) => match Config::load(&cfg) {
                Err(e) => {
                    return super::print_diagnostics(
                        "invalid configuration",
                        &e.diagnostics,
                        &e.sources,
                        OutputFormat::Human,
                    )
                }
                Ok(cfg) => {
                    let mut rules = (*settings.rules).clone();
                    let mut selection = settings.selection.clone();
                    config::apply_levels(&mut rules, &mut selection, &cfg.severity);
                    let today = rules.contract_policy.today;
                    config::apply_policy(&mut rules, &mut selection, &cfg.policy);
                    rules.contract_policy.today = today;
                    Settings {
                        rules: std::sync::Arc::new(rules),
                        selection,
                        ..settings.clone()
                    }
                }
            },
        };
        for &i in &members {
            reports[i] = Some(pipeline::check_file(&found.files[i], &project_settings));
        }
        let facts: Vec<_> = members
            .iter()
            .filter_map(|&i| reports[i].as_ref().map(|r| r.facts.clone()))
            .collect();
        let g = Graph::build(facts, &project_settings.registry);
        for d in graph::rules::evaluate(
            &g,
            &project_settings.rules,
            &project_settings.selection,
            None,
        ) {
            let owner = members
                .iter()
                .find(|&&i| reports[i].as_ref().is_some_and(|r| r.display == d.path));
            if let Some(r) = owner.and_then(|&i| reports[i].as_mut()) {
                r.diagnostics.push(d);
            }
        }
    }
    for (c, report) in found.files.iter().zip(&reports) {
        let Some(report) = report else { continue };
        let (expect, problems) = expectations(c, &known);
        let dir_rule = rule_dir(&args.dir, &c.path, &known);
        let mut scope: BTreeSet<String> = expect.iter().map(|e| e.2.clone()).collect();
        scope.extend(dir_rule.clone());
        if scope.is_empty() {
            continue;
        }
        let mut errors = problems;
        let mut actual: Expect = BTreeSet::new();
        for d in &report.diagnostics {
            if !known.contains(&*d.rule) {
                errors.push(format!("{}: {}", d.rule, d.message));
                continue;
            }
            if scope.contains(&*d.rule) {
                let (l, col) = d
                    .primary
                    .as_ref()
                    .map_or((0, 0), |p| (p.start.line, p.start.column));
                actual.insert((l, col, d.rule.to_string()));
            }
        }
        for (l, col, r) in expect.difference(&actual) {
            errors.push(format!("expected {r} at {l}:{col}, not found"));
        }
        for (l, col, r) in actual.difference(&expect) {
            errors.push(format!("unexpected {r} at {l}:{col}"));
        }
        if let Some(r) = &dir_rule {
            let fires = expect.iter().any(|e| &e.2 == r);
            covered.insert(format!("{r}:{}", if fires { "fires" } else { "passes" }));
        }
        let line = if errors.is_empty() {
            passed += 1;
            format!("ok    {} ({} finding(s))", c.display, actual.len())
        } else {
            failed += 1;
            format!("FAIL  {}\n      {}", c.display, errors.join("\n      "))
        };
        if writeln!(out, "{line}").is_err() {
            return EXIT_USAGE;
        }
    }
    // every rule that has a fixture directory needs both a firing and a passing fixture
    let dirs: BTreeSet<String> = covered
        .iter()
        .filter_map(|c| c.split(':').next().map(str::to_string))
        .collect();
    for r in &dirs {
        for want in ["fires", "passes"] {
            if !covered.contains(&format!("{r}:{want}")) {
                failed += 1;
                let _ = writeln!(
                    out,
                    "FAIL  {}/{r}: no fixture that {}",
                    args.dir.display(),
                    if want == "fires" {
                        "fires"
                    } else {
                        "must not fire"
                    }
                );
            }
        }
    }
    let _ = writeln!(out, "\n{passed} passed, {failed} failed");
    if failed == 0 {
        EXIT_OK
    } else {
        EXIT_FINDINGS
    }
}

/// The rule id of the first directory under `root` on the way to `file`, if it names a rule.
fn rule_dir(root: &Path, file: &Path, known: &BTreeSet<&str>) -> Option<String> {
    let rel = file.strip_prefix(root).ok()?;
    let first = rel.components().next()?.as_os_str().to_str()?;
    (known.contains(first) && rel.components().count() > 1).then(|| first.to_string())
}

/// The annotated expectations of a fixture, and any malformed annotation.
fn expectations(c: &Candidate, known: &BTreeSet<&str>) -> (Expect, Vec<String>) {
    let mut expect = Expect::new();
    let mut problems = Vec::new();
    // JSON has no comments and .properties no inline ones: they (or any file) take a sidecar
    let sidecar_exists = PathBuf::from(format!("{}.expect", c.path.display())).is_file();
    let is_json = sidecar_exists
        || matches!(
            c.class,
            classify::Class::Known(crate::parse::Format::Json | crate::parse::Format::Properties)
        );
    let mut add = |line: u32, spec: &str, problems: &mut Vec<String>| {
        for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (rule, col) = match item.split_once('@') {
                Some((r, c)) => (r.trim(), c.trim().parse::<u32>().ok()),
                None => (item, None),
            };
            match col {
                _ if !known.contains(rule) => problems.push(format!(
                    "line {line}: annotation names unknown rule `{rule}`"
                )),
                None => problems.push(format!(
                    "line {line}: annotation `{item}` needs a column: `{rule}@COL`"
                )),
                Some(col) => {
                    expect.insert((line, col, rule.to_string()));
                }
            }
        }
    };
    if is_json {
        let sidecar = PathBuf::from(format!("{}.expect", c.path.display()));
        if let Ok(text) = std::fs::read_to_string(&sidecar) {
            for (i, l) in text.lines().enumerate() {
                let l = l.trim();
                if l.is_empty() || l.starts_with('#') {
                    continue;
                }
                match l.split_once(' ').and_then(|(pos, rule)| {
                    let (line, col) = pos.split_once(':')?;
                    Some((line.parse::<u32>().ok()?, col, rule))
                }) {
                    Some((line, col, rule)) => {
                        add(line, &format!("{}@{col}", rule.trim()), &mut problems)
                    }
                    None => problems.push(format!(
                        "{}:{}: expected `LINE:COL RULE`",
                        sidecar.display(),
                        i + 1
                    )),
                }
            }
        }
        return (expect, problems);
    }
    let Ok(text) = std::fs::read_to_string(&c.path) else {
        return (expect, problems);
    };
    for (i, l) in text.lines().enumerate() {
        let Some(pos) = l.find("expect:") else {
            continue;
        };
        let before = l[..pos].trim_end();
        if before.ends_with('#') || before.ends_with("//") {
            add(i as u32 + 1, &l[pos + "expect:".len()..], &mut problems);
        }
    }
    (expect, problems)
}
