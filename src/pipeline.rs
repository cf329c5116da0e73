//! The pipeline: discover → load → parse → (evaluate) → diagnostics, with the per-file part
//! on a rayon pool.
//!
//! Per-file work streams: a worker loads, parses and evaluates one file and keeps only its
//! diagnostics (and the text, only when there are diagnostics to show it with). No stage
//! holds every tree at once, so memory follows the largest file, not the repository.

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

use rayon::prelude::*;

use crate::diag::{codes, packed, Diagnostic, Severity};
use crate::discover::{self, classify, Candidate, Class, UsageError};
use crate::engine::eval;
use crate::engine::ruleset::{RuleSet, Selection};
use crate::graph::facts::{self, Facts, FileFacts};
use crate::graph::registry::Registry;
use crate::graph::{self as provider_graph, Graph};
use crate::load::{self, Loaded};
use crate::parse::{self, Format};
use crate::source::SourceFile;

#[derive(Clone, Debug)]
pub struct Settings {
    pub discover: discover::Options,
    pub max_file_size: u64,
    /// 0 = one per core.
    pub threads: usize,
    /// Compiled once, shared by every worker.
    pub rules: Arc<RuleSet>,
    pub registry: Arc<Registry>,
    pub selection: Selection,
    /// Keep the text of files with findings, for reporters that show snippets. Off, a run's
    /// memory stays flat however many findings there are.
    pub keep_sources: bool,
    /// Whether a `hedge: ignore` comment without `reason="..."` is invalid (policy may relax it).
    pub require_suppression_reason: bool,
    /// Content that replaces files' (canonical paths) content on disk: editor buffers.
    pub overlay: Option<Overlay>,
    /// Facts of unchanged context files in a focus run (`--cache`).
    pub cache: Option<Arc<crate::cache::FactsCache>>,
    /// A focus run's named files (display paths) when only their findings are wanted.
    pub focus: Option<Arc<HashSet<Arc<str>>>>,
    /// Whether to extract provider facts: only graph and contract rules read them, so a run
    /// whose selection has none of those (`--select` of document rules) skips that work.
    pub facts: bool,
    /// Whether the caller reads [`Outcome::graph`]. Off (`check`), the graph is dropped once
    /// the graph rules ran, before the findings are gathered and sorted: on a big project it
    /// is as large as the list of findings.
    pub keep_graph: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            discover: discover::Options::default(),
            max_file_size: load::DEFAULT_MAX_FILE_SIZE,
            threads: 0,
            rules: Arc::new(RuleSet::default()),
            registry: Arc::new(Registry::default()),
            selection: Selection::default(),
            keep_sources: true,
            require_suppression_reason: true,
            overlay: None,
            cache: None,
            focus: None,
            facts: true,
            keep_graph: true,
        }
    }
}

/// Editor buffers: canonical path → the content that replaces the file's on disk.
pub type Overlay = Arc<Vec<(PathBuf, Vec<u8>)>>;

/// What happened to one file.
#[derive(Debug)]
pub struct FileReport {
    pub display: Arc<str>,
    /// `None` when the file could not be loaded.
    pub format: Option<Format>,
    pub documents: usize,
    /// The kinds of each document, in order (shared names: see `intern`).
    pub kinds: Vec<Vec<Arc<str>>>,
    /// What the file says about routes, deployments, fallbacks and environment variables.
    pub facts: FileFacts,
    /// The file's findings; [`finish`] moves them into [`Outcome::diagnostics`].
    pub diagnostics: Vec<Diagnostic>,
    /// The text, kept only when a diagnostic needs it for a snippet.
    pub source: Option<Arc<str>>,
    /// The file's `hedge: ignore` comments.
    pub suppressions: Vec<crate::suppress::Suppression>,
    /// A context file of a focus run whose share of the graph is cached (`cache::graph`): it
    /// was not read, and its facts are empty.
    pub cached: bool,
    /// The facts, packed by the worker when nothing reads them before the graph does (a run
    /// without `--cache`); `facts` is then empty.
    pub packed: Option<facts::Packed>,
    /// The findings, packed likewise (`diag::packed`); `diagnostics` is then empty.
    pub packed_findings: Option<packed::Packed>,
}

#[derive(Debug, Default)]
pub struct Outcome {
    pub files: Vec<FileReport>,
    pub skipped: usize,
    /// Every diagnostic, sorted (path, position, rule).
    pub diagnostics: Vec<Diagnostic>,
    pub sources: BTreeMap<Arc<str>, Arc<str>>,
    /// The project's provider graph.
    pub graph: Graph,
    /// Findings silenced by an inline suppression, with its reason.
    pub suppressed: Vec<(Diagnostic, Option<String>)>,
}

pub fn run(roots: &[PathBuf], settings: &Settings) -> Result<Outcome, UsageError> {
    let mut dopts = settings.discover.clone();
    dopts.threads = settings.threads;
    let found = match &settings.cache {
        Some(cache) => {
            crate::timings::mark("cache: walk record read");
            let (found, walked) = discover::discover_reusing(roots, &dopts, cache.walked(), true)?;
            if let Some(w) = walked {
                cache.store_walk(&w);
            }
            found
        }
        None => discover::discover(roots, &dopts)?,
    };
    crate::timings::mark("discovery");

    // variables of files whose facts are packed (see `FileReport::packed`), and the shared
    // strings of packed findings
    let gathered = Gathered::default();
    let work = |files: &[Candidate]| -> Vec<FileReport> {
        files
            .par_iter()
            // Rayon's adaptive splitting leaves chunks of hundreds of files once no thread is
            // stealing; near the end one core then parsed a long chunk alone while the other
            // idled (perf: the last 75 ms of a 1.2 s run on one thread). Short chunks keep
            // both busy to the end; the per-chunk overhead is nothing next to a parse.
            .with_max_len(4)
            .map(|c| match &settings.cache {
                Some(cache) if cache.is_focus(&c.display) => {
                    cache.focus_file(c, || check_file_guarded(c, settings))
                }
                Some(cache) => cache.context_file(c, || check_file_guarded(c, settings)),
                None => {
                    let mut report = check_file_guarded(c, settings);
                    gathered.env.add(std::mem::take(&mut report.facts.env));
                    report.packed =
                        facts::Packed::pack(&report.display, &report.facts, &settings.registry);
                    if report.packed.is_some() {
                        report.facts = FileFacts::default();
                    }
                    report.packed_findings = packed::Packed::pack(
                        &report.display,
                        &report.diagnostics,
                        &gathered.findings,
                    );
                    if report.packed_findings.is_some() {
                        report.diagnostics = Vec::new();
                    }
                    report
                }
            })
            .collect()
    };
    // the project-wide stage runs in the same pool, so `--threads` bounds it too
    let all = |found: discover::Discovery| {
        let mut files = work(&found.files);
        // a focus run frees little: not worth a system call per freed page
        let _purge = settings
            .focus
            .is_none()
            .then(crate::memory::PromptPurge::start);
        if settings.focus.is_none() {
            for f in &mut files {
                f.settle();
            }
        }
        release(settings);
        crate::timings::mark("files");
        match &settings.cache {
            Some(cache) => {
                let graph = cache.graph(&mut files, &found.files, settings);
                let none = packed::Shared::default();
                finish_with_graph(
                    files,
                    graph,
                    found.skipped,
                    found.diagnostics,
                    &none,
                    settings,
                )
            }
            None => {
                // nothing reads the walk's list again (8 MiB at 50,000 files)
                drop(found.files);
                finish_gathered(files, &gathered, found.skipped, found.diagnostics, settings)
            }
        }
    };
    Ok(
        match rayon::ThreadPoolBuilder::new()
            .num_threads(settings.threads)
            .build()
        {
            Ok(pool) => pool.install(|| all(found)),
            // No pool (thread limits): the global one does the same work.
            Err(_) => all(found),
        },
    )
}

/// The project-wide stage, after every file was checked: builds the provider graph from the
/// files' facts (in path order, so the graph is deterministic), runs the graph rules, applies
/// suppressions and sorts. `files` must be sorted by path.
pub fn finish(
    files: Vec<FileReport>,
    skipped: usize,
    diagnostics: Vec<Diagnostic>,
    settings: &Settings,
) -> Outcome {
    finish_gathered(files, &Gathered::default(), skipped, diagnostics, settings)
}

/// What the workers of a run without `--cache` hand over besides their files' reports.
#[derive(Default)]
struct Gathered {
    /// The environment variables of files whose facts are packed.
    env: provider_graph::EnvSink,
    /// The rule ids and help texts of packed findings.
    findings: packed::Shared,
}

/// [`finish`] with what the workers already handed over.
fn finish_gathered(
    files: Vec<FileReport>,
    gathered: &Gathered,
    skipped: usize,
    diagnostics: Vec<Diagnostic>,
    settings: &Settings,
) -> Outcome {
    let mut files = files;
    // Files are in path order, so the graph (and everything built from it) is deterministic.
    let facts: Vec<Facts> = files
        .iter_mut()
        .map(|f| match f.packed.take() {
            Some(p) => Facts::Packed(p),
            None => Facts::Plain(std::mem::take(&mut f.facts)),
        })
        .collect();
    let graph = Graph::build_from(facts, &gathered.env, &settings.registry);
    finish_with_graph(
        files,
        graph,
        skipped,
        diagnostics,
        &gathered.findings,
        settings,
    )
}

/// [`finish`] with the graph already built (a focus run's, from the graph cache). `shared`
/// numbers the rule ids and help texts of packed findings.
pub fn finish_with_graph(
    files: Vec<FileReport>,
    graph: Graph,
    skipped: usize,
    diagnostics: Vec<Diagnostic>,
    shared: &packed::Shared,
    settings: &Settings,
) -> Outcome {
    release(settings);
    crate::timings::mark("graph");
    let mut outcome = Outcome {
        skipped,
        diagnostics,
        graph,
        ..Outcome::default()
    };
    let mut files = files;
    let graph_findings = provider_graph::rules::evaluate_per_rule(
        &outcome.graph,
        &settings.rules,
        &settings.selection,
        settings.focus.as_deref(),
        // a focus run's graph findings are few: not worth the packing
        settings.focus.is_none().then_some(shared),
    );
    crate::timings::mark("graph rules");
    if !settings.keep_graph {
        outcome.graph = Graph::default();
    }
    // the graph rules' working sets are freed; the run's one list of findings comes next
    release(settings);
    // sized once: grown by doubling, the list of a big project's findings was copied into
    // buffers of up to twice its size
    outcome.diagnostics.reserve_exact(
        graph_findings
            .iter()
            .map(packed::Findings::len)
            .sum::<usize>()
            + files
                .iter()
                .map(|f| f.diagnostics.len() + f.packed_findings.as_ref().map_or(0, |p| p.len()))
                .sum::<usize>(),
    );
    let table = shared.table();
    for list in graph_findings {
        list.unpack_into(&mut outcome.diagnostics, &table);
    }
    for f in &mut files {
        // moved, not cloned: nothing reads a file's findings after this. Taken, not appended:
        // `append` leaves each file's emptied buffer allocated (30 MB at 50,000 files).
        outcome
            .diagnostics
            .extend(std::mem::take(&mut f.diagnostics));
        if let Some(p) = f.packed_findings.take() {
            outcome.diagnostics.extend(p.unpack(&f.display, &table));
        }
        if let Some(src) = &f.source {
            outcome.sources.insert(f.display.clone(), src.clone());
        }
    }
    let suppressions: Vec<_> = files
        .iter()
        .flat_map(|f| f.suppressions.iter().cloned())
        .collect();
    if !suppressions.is_empty() {
        let mut known: HashSet<&str> = settings.rules.all_ids().into_iter().collect();
        known.insert(codes::TEMPLATED_FILE);
        let ran = |id: &str| known.contains(id) && settings.selection.enabled(id);
        outcome.suppressed = crate::suppress::apply(
            &mut outcome.diagnostics,
            &suppressions,
            &known,
            &ran,
            settings.rules.contract_policy.today,
        );
    }
    sort_diagnostics(&mut outcome.diagnostics);
    outcome.suppressed.sort_by(|a, b| a.0.sort_key_cmp(&b.0));
    outcome.files = files;
    crate::timings::mark("sorted");
    outcome
}

/// Hands freed memory back between phases (`memory`), except in a focus run: its memory is
/// small, and each collection walks every thread's heap (3 ms of a 130 ms pre-commit run).
fn release(settings: &Settings) {
    if settings.focus.is_none() {
        crate::memory::release();
    }
}

/// Sorts into the order of every output ([`Diagnostic::sort_key_cmp`]), stably, so that equal
/// keys keep their order whatever the thread count. A merge sort of the findings themselves
/// needs a buffer as large as the list (45 MB of 300,000 findings); sorting their indexes
/// needs one of four bytes a finding, and the findings are then moved into place in one pass.
fn sort_diagnostics(list: &mut [Diagnostic]) {
    let Ok(n) = u32::try_from(list.len()) else {
        list.par_sort_by(|a, b| a.sort_key_cmp(b));
        return;
    };
    let mut order: Vec<u32> = (0..n).collect();
    {
        let list = &*list;
        order.par_sort_by(|&a, &b| list[a as usize].sort_key_cmp(&list[b as usize]));
    }
    // Position i takes the finding at order[i]. Each cycle of the permutation is walked once,
    // swapping along it; a walked position is marked by order[i] == i.
    for start in 0..list.len() {
        let mut at = start;
        loop {
            let from = order[at] as usize;
            order[at] = at as u32;
            if from == start || from == at {
                break;
            }
            list.swap(at, from);
            at = from;
        }
    }
}

impl FileReport {
    /// Moves what the report keeps past the per-file stage into fresh allocations. Each worker
    /// made its files' packed facts and findings among the blocks of their parse trees; the
    /// trees are freed, but a page holding one kept block stays resident, and at 50,000 files
    /// those pages were some 40 MiB beside 105 MiB of live data, through the whole project-wide
    /// stage. Copied one file at a time, after every file is done, the kept blocks sit together
    /// and the old pages are wholly free.
    fn settle(&mut self) {
        if let Some(p) = &mut self.packed {
            p.settle();
        }
        if let Some(p) = &mut self.packed_findings {
            p.settle();
        }
        if !self.kinds.is_empty() {
            self.kinds = self.kinds.iter().map(|k| k.to_vec()).collect();
        }
    }
}

/// A bug in hedge on one file must not cost the findings of the others: a panic becomes an
/// `internal-error` diagnostic naming the file, and the run goes on.
pub(crate) fn check_file_guarded(c: &Candidate, settings: &Settings) -> FileReport {
    let run = || {
        // a failpoint for the test of this guard; absent from release builds
        #[cfg(debug_assertions)]
        if std::env::var_os("HEDGE_DEBUG_PANIC_ON")
            .is_some_and(|n| c.display.ends_with(&*n.to_string_lossy()))
        {
            panic!("HEDGE_DEBUG_PANIC_ON");
        }
        check_file(c, settings)
    };
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(run)) {
        Ok(r) => r,
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            FileReport {
                display: c.display.clone(),
                format: None,
                documents: 0,
                kinds: Vec::new(),
                facts: FileFacts::default(),
                diagnostics: vec![Diagnostic::new(
                    codes::INTERNAL_ERROR,
                    Severity::Error,
                    &c.display,
                    format!("hedge failed on this file ({what}); this is a bug in hedge, please report it with the file if you can share it"),
                )],
                source: None,
                suppressions: Vec::new(),
                cached: false,
                packed: None,
                packed_findings: None,
            }
        }
    }
}

pub fn check_file(c: &Candidate, settings: &Settings) -> FileReport {
    let overlay = settings.overlay.as_ref().and_then(|all| {
        let named: Vec<_> = all
            .iter()
            .filter(|o| c.path.file_name() == o.0.file_name())
            .collect();
        if named.is_empty() {
            return None;
        }
        let canonical = std::fs::canonicalize(&c.path).ok()?;
        named.into_iter().find(|o| o.0 == canonical)
    });
    // a failpoint for the test of a file that vanishes between discovery and reading (an
    // editor's swap file, a branch switch); absent from release builds
    #[cfg(debug_assertions)]
    if std::env::var_os("HEDGE_DEBUG_DELETE_BEFORE_READ")
        .is_some_and(|n| c.display.ends_with(&*n.to_string_lossy()))
    {
        let _ = std::fs::remove_file(&c.path);
    }
    let loaded = match overlay {
        Some(o) => load::decode(&c.path, &c.display, o.1.clone()),
        None => load::load(&c.path, &c.display, settings.max_file_size),
    };
    let file = match loaded {
        Loaded::Text(f) => f,
        Loaded::Failed {
            diagnostic,
            partial,
        } => {
            return FileReport {
                display: c.display.clone(),
                format: None,
                documents: 0,
                kinds: Vec::new(),
                facts: FileFacts::default(),
                diagnostics: vec![*diagnostic],
                source: partial
                    .filter(|_| settings.keep_sources)
                    .map(|p| Arc::from(p.text)),
                suppressions: Vec::new(),
                cached: false,
                packed: None,
                packed_findings: None,
            }
        }
    };
    check_text(c, &file, settings)
}

/// Everything after loading: parse, kinds, rules, facts, contracts and suppressions of one
/// file whose text is in memory (also the entry of the end-to-end fuzz target).
pub fn check_text(c: &Candidate, file: &SourceFile, settings: &Settings) -> FileReport {
    let format = match c.class {
        Class::Known(f) => f,
        Class::JsonOrYaml => classify::sniff(&file.text),
    };
    let mut parsed = parse::parse(format, file);
    if c.display.ends_with(".tf.json") {
        for d in &mut parsed.docs {
            d.mark_templates();
        }
    }
    let kinds: Vec<Vec<usize>> = parsed
        .docs
        .iter()
        .map(|d| eval::kinds_of(&settings.rules, &c.display, format, d))
        .collect();
    let mut diagnostics = Vec::new();
    // Rules see a file only when it parsed cleanly; in a YAML stream, only the broken document
    // is dropped, so the others are still evaluated. A half-parsed file would make rules report
    // keys as missing that are only unreadable.
    if parsed.errors.is_empty() || format == Format::Yaml {
        diagnostics.extend(eval::evaluate(
            &settings.rules,
            &settings.selection,
            file,
            &c.display,
            &parsed.docs,
            &kinds,
        ));
    }
    if let Some(first) = parsed.errors.first() {
        if format == Format::Yaml && looks_templated(&file.text) {
            diagnostics.push(
                Diagnostic::new(
                    codes::TEMPLATED_FILE,
                    Severity::Info,
                    &c.display,
                    "template directives (`{{ ... }}`) make this file YAML only after rendering; not checked",
                )
                .at(file, first.span)
                .with_help("render it first (for example with `helm template`) and check the rendered files"),
            );
        } else {
            for e in &parsed.errors {
                diagnostics.push(
                    Diagnostic::new(
                        codes::PARSE_ERROR,
                        Severity::Error,
                        &c.display,
                        format!("invalid {}: {}", format.name(), e.message),
                    )
                    .at(file, e.span),
                );
            }
        }
    }
    let mut facts = if settings.facts && (parsed.errors.is_empty() || format == Format::Yaml) {
        facts::extract(&settings.rules, file, &c.display, &parsed.docs, &kinds)
    } else {
        FileFacts::default()
    };
    if parsed.errors.is_empty() {
        for (doc, ks) in parsed.docs.iter().zip(&kinds) {
            if ks
                .iter()
                .any(|&k| &*settings.rules.kinds[k].id == "vendor-contract")
            {
                let (contract, problems) = crate::contracts::read(file, &c.display, doc);
                diagnostics.extend(problems);
                facts.contracts.extend(contract);
            }
        }
    }
    let (suppressions, problems) = crate::suppress::read(
        file,
        &c.display,
        &parsed.comments,
        settings.require_suppression_reason,
    );
    diagnostics.extend(problems);
    // graph findings point into files with facts, and suppression reports into files with
    // suppressions, so those keep their text too
    let source = (settings.keep_sources
        && (!diagnostics.is_empty() || !facts.is_empty() || !suppressions.is_empty()))
    .then(|| Arc::from(file.text.as_str()));
    let kinds = kinds
        .iter()
        .map(|ks| {
            ks.iter()
                .map(|&i| settings.rules.kinds[i].id.clone())
                .collect()
        })
        .collect();
    FileReport {
        display: c.display.clone(),
        format: Some(format),
        documents: parsed.docs.len(),
        kinds,
        facts,
        diagnostics,
        source,
        suppressions,
        cached: false,
        packed: None,
        packed_findings: None,
    }
}

/// Helm charts and other Go-templated YAML: `{{` directives outside comments.
fn looks_templated(text: &str) -> bool {
    text.lines()
        .any(|l| !l.trim_start().starts_with('#') && l.contains("{{") && l.contains("}}"))
}

/// Every file of the bundled demo, each checked on its own with the built-in rules, for unit
/// tests of what a check hands on (packed facts, packed findings).
#[cfg(test)]
pub(crate) fn demo_reports() -> (Settings, Vec<FileReport>) {
    let rules = crate::engine::load::load(&[]).expect("built-in packs load");
    let settings = Settings {
        rules: Arc::new(rules),
        ..Settings::default()
    };
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo");
    let found = discover::discover(&[root], &settings.discover).expect("demo walks");
    let reports = found
        .files
        .iter()
        .map(|c| check_file(c, &settings))
        .collect();
    (settings, reports)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The index sort must give exactly what a stable sort of the findings gives, ties (same
    /// path, position, rule and message) in their first order.
    #[test]
    fn findings_sort_as_a_stable_sort_would() {
        let paths: Vec<Arc<str>> = ["b.yaml", "a.yaml", "c/d.tf"]
            .iter()
            .map(|&p| Arc::from(p))
            .collect();
        let mut seed = 7u64;
        let mut next = |m: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % m
        };
        for len in [0, 1, 2, 3, 17, 1000] {
            let list: Vec<Diagnostic> = (0..len)
                .map(|i| {
                    let path = &paths[next(3) as usize];
                    let rule = ["r1", "r2"][next(2) as usize];
                    // the help differs between ties, so a tie out of order shows
                    let mut d = Diagnostic::new(rule, Severity::Warning, path, "m")
                        .with_help(format!("{i}"));
                    if next(4) > 0 {
                        let start = next(5) as u32;
                        d.primary = Some(crate::diag::Location {
                            path: path.clone(),
                            span: crate::source::Span {
                                start,
                                end: start + 1,
                            },
                            start: crate::source::LineCol { line: 1, column: 1 },
                            end: crate::source::LineCol { line: 1, column: 2 },
                            text_hash: 0,
                        });
                    }
                    d
                })
                .collect();
            let mut expected = list.clone();
            expected.sort_by(|a, b| a.sort_key_cmp(b));
            let mut got = list;
            sort_diagnostics(&mut got);
            assert!(got == expected, "{len} findings");
        }
    }
}
