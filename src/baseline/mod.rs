//! Baselines: a file of accepted findings, so a team can adopt hedge on an existing repository
//! and gate only on what is new.
//!
//! An entry is keyed on the rule, the file and the text the finding points at (whitespace
//! normalised, numbered when it repeats in the file), the same fingerprint SARIF and GitLab
//! use, never on line numbers: an edit elsewhere in the file neither resurrects nor hides a
//! baselined finding, and changing the offending value makes it new again. Line and message are
//! stored only for the reader of the file.

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::diag::Diagnostic;

/// 2: fingerprints hash at most the first 256 normalised bytes of the text (version 1 hashed
/// all of it), so reporters need not keep whole files.
pub const VERSION: u32 = 2;

#[derive(Debug, Serialize, Deserialize)]
pub struct Baseline {
    pub version: u32,
    pub entries: Vec<Entry>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Entry {
    pub rule: String,
    pub path: String,
    pub fingerprint: String,
    /// For people reading the file; not used for matching.
    #[serde(default)]
    pub line: Option<u32>,
    #[serde(default)]
    pub message: String,
}

/// The fingerprint of each diagnostic, in order.
pub fn fingerprints(diagnostics: &[Diagnostic]) -> Vec<String> {
    let mut seen = HashMap::new();
    diagnostics
        .iter()
        .map(|d| crate::report::fingerprint(d, &mut seen))
        .collect()
}

pub fn entries(diagnostics: &[Diagnostic], fps: &[String]) -> Vec<Entry> {
    diagnostics
        .iter()
        .zip(fps)
        .map(|(d, fp)| Entry {
            rule: d.rule.to_string(),
            path: d.path.to_string(),
            fingerprint: fp.clone(),
            line: d.primary.as_ref().map(|l| l.start.line),
            message: d.message.clone(),
        })
        .collect()
}

pub fn load(path: &Path) -> Result<Baseline, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read baseline {}: {e}", path.display()))?;
    let b: Baseline = serde_json::from_str(&text)
        .map_err(|e| format!("{}: not a hedge baseline: {e}", path.display()))?;
    if b.version != VERSION {
        return Err(format!(
            "{}: baseline version {} is not supported (this hedge writes version {VERSION})",
            path.display(),
            b.version
        ));
    }
    Ok(b)
}

pub fn save(path: &Path, entries: Vec<Entry>) -> std::io::Result<()> {
    let b = Baseline {
        version: VERSION,
        entries,
    };
    let mut text = serde_json::to_string_pretty(&b).map_err(std::io::Error::other)?;
    text.push('\n');
    crate::report::write_atomic(path, text.as_bytes())
}

fn key(e: &Entry) -> (&str, &str, &str) {
    (&e.rule, &e.path, &e.fingerprint)
}

/// Which diagnostics the baseline covers: `true` = known, to be hidden.
pub fn covered(baseline: &Baseline, diagnostics: &[Diagnostic], fps: &[String]) -> Vec<bool> {
    let known: std::collections::HashSet<(&str, &str, &str)> =
        baseline.entries.iter().map(key).collect();
    diagnostics
        .iter()
        .zip(fps)
        .map(|(d, fp)| known.contains(&(&*d.rule, &*d.path, fp.as_str())))
        .collect()
}

/// The entries still matched by a current finding.
pub fn prune(baseline: Baseline, diagnostics: &[Diagnostic], fps: &[String]) -> Vec<Entry> {
    let current: std::collections::HashSet<(&str, &str, &str)> = diagnostics
        .iter()
        .zip(fps)
        .map(|(d, fp)| (&*d.rule, &*d.path, fp.as_str()))
        .collect();
    baseline
        .entries
        .into_iter()
        .filter(|e| current.contains(&key(e)))
        .collect()
}
