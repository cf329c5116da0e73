//! Entry points of the fuzz targets (`fuzz/`) and of their regression tests
//! (`tests/fuzz_regressions.rs`).
//!
//! They live in the library, not in `fuzz/`, so that `cargo test` compiles and runs them on every
//! build: a fuzz harness that only compiles under nightly flags rots unnoticed. Each function
//! takes arbitrary bytes, drives one stage the way a real run would, and panics only when an
//! invariant is broken (a span outside the text or inside a character, a line:column that does
//! not map back) — which is exactly what the fuzzer should report. Errors in the input are
//! expected and ignored.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use crate::discover::{classify, Candidate};
use crate::load::{self, Loaded};
use crate::model::Doc;
use crate::parse::{self, Format};
use crate::pipeline::{self, Settings};
use crate::report::{self, OutputFormat, Report, Summary};
use crate::source::{SourceFile, Span};

/// File names the end-to-end target checks its input as; the first input byte picks one, so
/// one corpus exercises every classifier branch and kind.
pub const E2E_NAMES: &[&str] = &[
    "litellm/config.yaml",
    "deploy/k8s/gateway.yaml",
    "portkey/config.json",
    "infra/main.tf",
    "infra/main.tf.json",
    ".env",
    "contracts/openai.toml",
    "contracts/bedrock.yaml",
    "docker-compose.yml",
    ".github/workflows/ci.yml",
    "src/main/resources/application.properties",
    "kong/kong.yaml",
    "envoy/route.yaml",
    "cloudformation/template.json",
    "config.toml",
    "openrouter.json",
];

fn decode(name: &str, data: &[u8]) -> Option<SourceFile> {
    let display: Arc<str> = Arc::from(name);
    match load::decode(Path::new(name), &display, data.to_vec()) {
        Loaded::Text(f) => Some(f),
        Loaded::Failed { .. } => None,
    }
}

/// Panics unless `span` lies inside `file` on character boundaries and its ends map to
/// line:column positions that map back to the same offsets.
pub fn assert_span(file: &SourceFile, span: Span, what: &str) {
    let t = &file.text;
    let (s, e) = (span.start as usize, span.end as usize);
    assert!(
        s <= e && e <= t.len(),
        "{what} span {s}..{e} outside a text of {} bytes",
        t.len()
    );
    assert!(
        t.is_char_boundary(s) && t.is_char_boundary(e),
        "{what} span {s}..{e} splits a character"
    );
    for off in [s, e] {
        // the BOM and the \n of a CRLF have no position of their own
        if off < file.bom_len()
            || (off > 0 && t[..off].ends_with('\r') && t[off..].starts_with('\n'))
        {
            continue;
        }
        let pos = file.line_col(off as u32);
        assert_eq!(
            file.lines.offset(t, pos),
            Some(off as u32),
            "{what} offset {off} -> {pos:?} does not map back"
        );
    }
}

fn assert_doc(file: &SourceFile, doc: &Doc, format: Format) {
    let mut stack: Vec<_> = doc.root().into_iter().collect();
    let mut seen = 0usize;
    while let Some(n) = stack.pop() {
        seen += 1;
        assert!(seen <= doc.len(), "{format}: the tree has a cycle");
        assert_span(file, doc.span(n), "node");
        stack.extend(doc.children(n));
    }
    if let Some(r) = doc.root() {
        // merge-key reading is total and bounded
        let _ = doc.entries(r);
    }
}

/// One format's parser and lowering to the spanned tree.
pub fn parse_format(format: Format, data: &[u8]) {
    let Some(file) = decode("fuzz", data) else {
        return;
    };
    let parsed = parse::parse(format, &file);
    for doc in &parsed.docs {
        assert_doc(&file, doc, format);
    }
    for c in &parsed.comments {
        assert_span(&file, c.span, "comment");
    }
    for e in &parsed.errors {
        assert_span(&file, e.span, "error");
    }
    assert!(parsed.errors.len() <= parse::MAX_ERRORS_PER_FILE);
}

/// The rule-pack loader on one pack of arbitrary text, alone (without the built-in packs, whose
/// schema checks would dominate every execution).
pub fn rule_pack(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = crate::engine::load::load_standalone(&[(Arc::from("fuzz.yaml"), Arc::from(text))]);
}

/// `hedge.toml`.
pub fn hedge_toml(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = crate::config::Config::from_text(Path::new("hedge.toml"), text);
}

/// A vendor contract, in TOML (first byte even) or YAML (odd).
pub fn contract(data: &[u8]) {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let (name, format) = if first % 2 == 0 {
        ("contracts/v.toml", Format::Toml)
    } else {
        ("contracts/v.yaml", Format::Yaml)
    };
    let Some(file) = decode(name, rest) else {
        return;
    };
    let display: Arc<str> = Arc::from(name);
    for doc in &parse::parse(format, &file).docs {
        let (_, problems) = crate::contracts::read(&file, &display, doc);
        for p in &problems {
            if let Some(l) = &p.primary {
                assert_span(&file, l.span, "contract diagnostic");
            }
        }
    }
}

/// The path/selector language: the first line is a path, the rest a YAML document it is run
/// against.
pub fn path_selector(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (expr, doc) = text.split_once('\n').unwrap_or((text, "a: 1"));
    let Ok(path) = crate::engine::path::Path::parse(expr) else {
        return;
    };
    let Some(file) = decode("doc.yaml", doc.as_bytes()) else {
        return;
    };
    for d in &parse::parse(Format::Yaml, &file).docs {
        if let Some(root) = d.root() {
            for n in path.select(d, root, root) {
                assert!(n.index() < d.len());
            }
        }
    }
}

/// `hedge:` suppression comments, as the text of one comment.
pub fn suppression(data: &[u8]) {
    let Ok(body) = std::str::from_utf8(data) else {
        return;
    };
    for marker in ["# ", "// ", "/* "] {
        let text = format!("a: 1 {marker}{body}\nb: 2\n");
        let Some(file) = decode("s.yaml", text.as_bytes()) else {
            continue;
        };
        let comment = crate::model::Comment {
            span: Span::new(5, 5 + marker.len() + body.len()),
        };
        let (sups, problems) = crate::suppress::read(&file, &Arc::from("s.yaml"), &[comment], true);
        for p in &problems {
            if let Some(l) = &p.primary {
                assert_span(&file, l.span, "suppression diagnostic");
            }
        }
        drop(sups);
    }
}

fn e2e_settings() -> Option<&'static Settings> {
    static SETTINGS: OnceLock<Option<Settings>> = OnceLock::new();
    SETTINGS
        .get_or_init(|| {
            let rules = crate::engine::load::load(&[]).ok()?;
            let registry = crate::graph::registry::Registry::load(&[]).ok()?;
            Some(Settings {
                rules: Arc::new(rules),
                registry: Arc::new(registry),
                threads: 1,
                ..Settings::default()
            })
        })
        .as_ref()
}

/// Renders a report in every format the targets check; each must succeed.
fn render_all(r: &Report<'_>) {
    for format in [
        OutputFormat::Human,
        OutputFormat::Json,
        OutputFormat::Sarif,
        OutputFormat::Github,
        OutputFormat::Junit,
    ] {
        let mut out = Vec::new();
        assert!(report::render(format, r, false, &mut out).is_ok());
    }
}

/// Bytes → a file classified by name → every built-in rule, the graph and its rules →
/// every output format.
pub fn end_to_end(data: &[u8]) {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let Some(settings) = e2e_settings() else {
        panic!("the built-in rules or registry do not load");
    };
    let name = E2E_NAMES[first as usize % E2E_NAMES.len()];
    let Some(file) = decode(name, rest) else {
        return;
    };
    let file_name = name.rsplit('/').next().unwrap_or(name);
    let Some(class) = classify::classify(file_name) else {
        return;
    };
    let candidate = Candidate {
        path: PathBuf::from(name),
        display: Arc::from(name),
        class,
    };
    let report = pipeline::check_text(&candidate, &file, settings);
    // a full check builds its graph from the packed facts, so they must come back whole
    if let Err(e) =
        crate::graph::facts::check_round_trip(&report.display, &report.facts, &settings.registry)
    {
        panic!("{name}: packed facts do not round-trip: {e}");
    }
    // and from its packed findings
    let shared = crate::diag::packed::Shared::default();
    if let Some(p) =
        crate::diag::packed::Packed::pack(&report.display, &report.diagnostics, &shared)
    {
        let back = p.unpack(&report.display, &shared.table());
        assert!(
            back == report.diagnostics,
            "{name}: packed findings do not round-trip"
        );
    }
    let outcome = pipeline::finish(vec![report], 0, Vec::new(), settings);
    for d in outcome
        .diagnostics
        .iter()
        .chain(outcome.suppressed.iter().map(|s| &s.0))
    {
        if &*d.path == name {
            if let Some(l) = &d.primary {
                assert_span(&file, l.span, &d.rule);
                assert_eq!(l.start, file.line_col(l.span.start), "{}: start", d.rule);
                assert_eq!(l.end, file.line_col(l.span.end), "{}: end", d.rule);
            }
        }
    }
    let rules = report::RuleMeta::all(&settings.rules);
    let r = Report {
        diagnostics: &outcome.diagnostics,
        show_summary: true,
        sources: &outcome.sources,
        summary: Summary::default(),
        rules: &rules,
        suppressed: &outcome.suppressed,
        threads: 1,
    };
    render_all(&r);
}

/// The files of `.hedge-cache/` that a focus run trusts after checking them: a graph cache
/// (first byte even; its version must match, its key is not checked) run through an
/// incremental build with one file fresh, or a walk record (odd) checked against the disk.
/// Damaged or foreign bytes must mean no cache, never a panic.
pub fn cache_files(data: &[u8]) {
    use crate::cache::graph::{incremental, Input, Snapshot};
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    if first % 2 == 1 {
        if let Ok(w) = postcard::from_bytes::<crate::discover::walked::Walked>(rest) {
            let _ = w.holds(
                Path::new("/nonexistent/hedge-fuzz"),
                &crate::discover::Options::default(),
            );
        }
        return;
    }
    let Some(snap) = Snapshot::from_bytes(rest.to_vec(), None) else {
        return;
    };
    let mut entries: Vec<(&String, &crate::cache::graph::Entry)> = snap.entries.iter().collect();
    entries.sort_by_key(|(p, _)| p.as_str());
    let empty = crate::graph::facts::FileFacts::default();
    let fresh = usize::from(first / 2) % (entries.len() + 1);
    let inputs: Vec<(Arc<str>, Input<'_>)> = entries
        .iter()
        .enumerate()
        .map(|(i, (p, e))| {
            let input = if i == fresh {
                Input::Fresh(&empty)
            } else {
                Input::Cached(e)
            };
            (Arc::from(p.as_str()), input)
        })
        .collect();
    let Some(settings) = e2e_settings() else {
        panic!("the built-in rules or registry do not load");
    };
    let Some(graph) = incremental(&snap, &inputs, &settings.registry, &|_| {
        Some(Default::default())
    }) else {
        return;
    };
    // what a focus run does with the graph: every graph rule, then every output format, with
    // no source text for the cached files (as for context files)
    let diagnostics =
        crate::graph::rules::evaluate(&graph, &settings.rules, &settings.selection, None);
    let rules = report::RuleMeta::all(&settings.rules);
    let sources = std::collections::BTreeMap::new();
    let r = Report {
        diagnostics: &diagnostics,
        show_summary: true,
        sources: &sources,
        summary: Summary::default(),
        rules: &rules,
        suppressed: &[],
        threads: 1,
    };
    render_all(&r);
}

/// Runs the target named `target` (as in `fuzz/fuzz_targets/`) on `data`; `false` for an
/// unknown name.
pub fn run(target: &str, data: &[u8]) -> bool {
    match target {
        "parse_yaml" => parse_format(Format::Yaml, data),
        "parse_json" => parse_format(Format::Json, data),
        "parse_toml" => parse_format(Format::Toml, data),
        "parse_hcl" => parse_format(Format::Hcl, data),
        "parse_dotenv" => parse_format(Format::Dotenv, data),
        "parse_properties" => parse_format(Format::Properties, data),
        "rule_pack" => rule_pack(data),
        "hedge_toml" => hedge_toml(data),
        "contract" => contract(data),
        "path_selector" => path_selector(data),
        "suppression" => suppression(data),
        "end_to_end" => end_to_end(data),
        "cache_files" => cache_files(data),
        _ => return false,
    }
    true
}

/// Every target name, in `fuzz/fuzz_targets/` order.
pub const TARGETS: &[&str] = &[
    "parse_yaml",
    "parse_json",
    "parse_toml",
    "parse_hcl",
    "parse_dotenv",
    "parse_properties",
    "rule_pack",
    "hedge_toml",
    "contract",
    "path_selector",
    "suppression",
    "end_to_end",
    "cache_files",
];
