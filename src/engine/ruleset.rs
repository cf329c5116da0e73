//! The compiled form of rule packs: document kinds and rules, ready to evaluate. Built once per
//! run by [`super::load`] and shared read-only by every worker thread.

use std::collections::BTreeMap;
use std::sync::Arc;

use globset::GlobSet;

use super::path::Path;
use super::predicate::Predicate;
use crate::diag::Severity;
use crate::parse::Format;

#[derive(Debug)]
pub struct Kind {
    pub id: String,
    pub title: String,
    pub description: Option<String>,
    pub formats: Vec<Format>,
    pub paths: Option<GlobSet>,
    pub path_patterns: Vec<String>,
    pub matcher: Option<Predicate>,
    /// The rule pack that declared it.
    pub origin: Arc<str>,
}

#[derive(Debug, Clone, Default)]
pub struct Docs {
    pub what: String,
    pub why: String,
    pub fix: String,
    pub fires: String,
    pub passes: String,
    pub references: Vec<String>,
}

/// A message with `{value}`, `{missing}` and `{@.path}` / `{$.path}` placeholders.
#[derive(Debug)]
pub enum Part {
    Lit(String),
    Value,
    Missing,
    Path(Path),
}

#[derive(Debug)]
pub struct Rule {
    pub id: String,
    pub title: String,
    pub severity: Severity,
    pub kinds: Vec<String>,
    pub tags: Vec<String>,
    pub given: Vec<Path>,
    pub when: Option<Predicate>,
    pub assert: Predicate,
    pub message: Vec<Part>,
    /// Point findings at the subject rather than at the offending node.
    pub report_subject: bool,
    pub labels: Vec<(Path, String)>,
    pub docs: Docs,
    pub origin: Arc<str>,
}

#[derive(Debug, Default)]
pub struct RuleSet {
    pub kinds: Vec<Kind>,
    pub rules: Vec<Rule>,
    /// Text of every loaded pack by name, for diagnostics that point into them.
    pub sources: BTreeMap<Arc<str>, Arc<str>>,
}

impl RuleSet {
    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }
}

/// Which rules run: `--select` (only these) and `--ignore` (never these).
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub select: Vec<String>,
    pub ignore: Vec<String>,
}

impl Selection {
    pub fn enabled(&self, id: &str) -> bool {
        (self.select.is_empty() || self.select.iter().any(|s| s == id))
            && !self.ignore.iter().any(|s| s == id)
    }
}
