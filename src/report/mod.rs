//! Reporters: a finished, sorted list of diagnostics in, text out. They know nothing of walking
//! or parsing.

pub mod checkstyle;
pub mod github;
pub mod gitlab;
pub mod human;
pub mod json;
pub mod junit;
pub mod neutrality;
pub mod sarif;
pub mod short;

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::sync::Arc;

use crate::diag::{Diagnostic, Severity};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// Graphical, with source snippets (colour only on a terminal).
    Human,
    /// `path:line:col: severity[rule]: message`, one per line: for editors and grep.
    Short,
    /// One JSON document; the shape is documented in the README and stable.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF consumers.
    Sarif,
    /// GitHub Actions workflow commands (annotations on the pull request).
    Github,
    /// GitLab Code Quality report (merge request widget).
    Gitlab,
    /// JUnit XML: one test suite per file, one failed test case per finding.
    Junit,
    /// Checkstyle XML, for tools that read linter results in that shape.
    Checkstyle,
}

/// What reporters that describe rules (SARIF) need to know of each.
#[derive(Debug, Clone)]
pub struct RuleMeta {
    pub id: String,
    pub title: String,
    pub severity: Severity,
    pub tags: Vec<String>,
    pub what: String,
    pub why: String,
    pub fix: String,
}

impl RuleMeta {
    pub fn all(set: &crate::engine::ruleset::RuleSet) -> Vec<RuleMeta> {
        let mut out: Vec<RuleMeta> = set
            .rules
            .iter()
            .map(|r| {
                (
                    r.id.clone(),
                    r.title.clone(),
                    r.severity,
                    r.tags.clone(),
                    r.docs.clone(),
                )
            })
            .chain(set.graph_rules.iter().map(|r| {
                (
                    r.id.clone(),
                    r.title.clone(),
                    r.severity,
                    r.tags.clone(),
                    r.docs.clone(),
                )
            }))
            .map(|(id, title, severity, tags, d)| RuleMeta {
                id: id.to_string(),
                title,
                severity,
                tags,
                what: d.what,
                why: d.why,
                fix: d.fix,
            })
            .collect();
        out.extend(crate::diag::BUILTIN_DOCS.iter().map(
            |(id, title, severity, what, why, fix)| RuleMeta {
                id: id.to_string(),
                title: title.to_string(),
                severity: *severity,
                tags: vec!["hedge".into()],
                what: what.to_string(),
                why: why.to_string(),
                fix: fix.to_string(),
            },
        ));
        out.sort_by(|a, b| a.id.cmp(&b.id));
        out
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub files_checked: usize,
    pub files_skipped: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

impl Summary {
    pub fn count(&mut self, diagnostics: &[Diagnostic]) {
        for d in diagnostics {
            match d.severity {
                Severity::Error => self.errors += 1,
                Severity::Warning => self.warnings += 1,
                Severity::Info => self.infos += 1,
            }
        }
    }
}

pub struct Report<'a> {
    pub diagnostics: &'a [Diagnostic],
    /// Whether human output ends with the "N files checked" line.
    pub show_summary: bool,
    pub sources: &'a BTreeMap<Arc<str>, Arc<str>>,
    pub summary: Summary,
    /// The rules of the run, for reporters that describe them.
    pub rules: &'a [RuleMeta],
    /// Findings an inline suppression silenced, with its reason: SARIF records them as
    /// suppressed results; the other formats leave them out.
    pub suppressed: &'a [(Diagnostic, Option<String>)],
    /// Threads a reporter may render with (`--threads`; 0 = one per core).
    pub threads: usize,
}

pub fn render(
    format: OutputFormat,
    report: &Report<'_>,
    color: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        OutputFormat::Human => human::render(report, color, out),
        OutputFormat::Short => short::render(report, out),
        OutputFormat::Json => json::render(report, out),
        OutputFormat::Sarif => sarif::render(report, out),
        OutputFormat::Github => github::render(report, out),
        OutputFormat::Gitlab => gitlab::render(report, out),
        OutputFormat::Junit => junit::render(report, out),
        OutputFormat::Checkstyle => checkstyle::render(report, out),
    }
}

fn fnv(text: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// A finding's identity across runs for SARIF, GitLab and baselines: rule, file and the text
/// under the span (its [`crate::diag::text_hash`]), never line numbers, so an edit above a
/// finding does not make it look new. `seen` numbers repeats of the same key in a file, in order.
pub(crate) fn fingerprint(
    d: &Diagnostic,
    seen: &mut std::collections::HashMap<u64, usize>,
) -> String {
    let what = match &d.primary {
        Some(l) => format!("{:016x}", l.text_hash),
        None => d.message.clone(),
    };
    let key = fnv(&format!("{}\u{0}{}\u{0}{}", d.rule, d.path, what));
    let n = seen.entry(key).or_insert(0);
    *n += 1;
    format!("{key:016x}:{n}")
}

/// A JSON array serialised item by item as the iterator yields them: big reports (SARIF,
/// GitLab) are written without ever holding the whole document in memory.
pub(crate) struct LazySeq<I>(std::cell::RefCell<Option<I>>);

impl<I> LazySeq<I> {
    pub(crate) fn new(items: I) -> Self {
        LazySeq(std::cell::RefCell::new(Some(items)))
    }
}

impl<I: Iterator<Item = serde_json::Value>> serde::Serialize for LazySeq<I> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let items = self.0.borrow_mut().take();
        s.collect_seq(items.into_iter().flatten())
    }
}

/// Escapes text for XML attribute values and content; characters XML 1.0 forbids are dropped.
pub(crate) fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// Writes a report file whole or not at all: to a temporary file beside it, then renamed over
/// it, so a reader (or a failed run) never sees half a file.
pub fn write_atomic(path: &std::path::Path, bytes: &[u8]) -> io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "report".into());
    let tmp = dir.join(format!(".{name}.hedge-tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
