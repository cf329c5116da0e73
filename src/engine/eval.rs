//! Evaluation: which kinds a document is, and which rules fail on it.

use std::sync::Arc;

use super::path::Path;
use super::predicate::{text, Blame, Ctx, Tri};
use super::ruleset::{Part, Rule, RuleSet, Selection};
use crate::diag::Diagnostic;
use crate::model::{Doc, NodeId, Value};
use crate::parse::Format;
use crate::source::{SourceFile, Span};

/// The kinds (indices into `set.kinds`) a document is.
pub fn kinds_of(set: &RuleSet, display: &str, format: Format, doc: &Doc) -> Vec<usize> {
    let Some(root) = doc.root() else {
        return Vec::new();
    };
    let cx = Ctx { doc, root };
    set.kinds
        .iter()
        .enumerate()
        .filter(|(_, k)| k.formats.contains(&format))
        .filter(|(_, k)| k.paths.as_ref().is_none_or(|g| g.is_match(display)))
        .filter(|(_, k)| {
            k.matcher
                .as_ref()
                .is_none_or(|m| m.eval(&cx, root).tri == Tri::True)
        })
        .map(|(i, _)| i)
        .collect()
}

/// Runs every enabled rule over every document of a file; `kinds[i]` are document i's kinds
/// (from [`kinds_of`]).
pub fn evaluate(
    set: &RuleSet,
    selection: &Selection,
    file: &SourceFile,
    display: &Arc<str>,
    docs: &[Doc],
    kinds: &[Vec<usize>],
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (doc, kinds) in docs.iter().zip(kinds) {
        if kinds.is_empty() {
            continue;
        }
        let Some(root) = doc.root() else { continue };
        let names: Vec<&str> = kinds.iter().map(|&i| &*set.kinds[i].id).collect();
        for rule in &set.rules {
            if !selection.enabled(&rule.id)
                || !rule.kinds.iter().any(|k| names.contains(&k.as_str()))
            {
                continue;
            }
            run_rule(rule, file, display, doc, root, &mut out);
        }
    }
    out
}

fn run_rule(
    rule: &Rule,
    file: &SourceFile,
    display: &Arc<str>,
    doc: &Doc,
    root: NodeId,
    out: &mut Vec<Diagnostic>,
) {
    let cx = Ctx { doc, root };
    let mut seen: Vec<Span> = Vec::new();
    for given in &rule.given {
        for subject in given.select(doc, root, root) {
            if let Some(w) = &rule.when {
                if w.eval(&cx, subject).tri != Tri::True {
                    continue;
                }
            }
            let outcome = rule.assert.eval(&cx, subject);
            if outcome.tri != Tri::False {
                continue;
            }
            let missing = match &outcome.blame {
                Some(Blame::Missing { path, .. }) => Some(path.as_str()),
                _ => None,
            };
            let span = match &outcome.blame {
                _ if rule.report_subject => node_span(file, doc, subject),
                Some(Blame::Node(n)) => node_span(file, doc, *n),
                Some(Blame::Missing { anchor, .. }) => missing_span(file, doc, *anchor),
                None => node_span(file, doc, subject),
            };
            if seen.contains(&span) {
                continue;
            }
            seen.push(span);
            let message = render(
                &rule.message,
                doc,
                root,
                subject,
                outcome.value.as_deref(),
                missing,
            );
            let mut d =
                Diagnostic::of(rule.id.clone(), rule.severity, display, message).at(file, span);
            for (path, label) in &rule.labels {
                if let Some(&n) = path.select(doc, root, subject).first() {
                    let at = node_span(file, doc, n);
                    if at != span {
                        d = d.with_label(file, at, label.clone());
                    }
                }
            }
            d.help = rule.docs.help.clone();
            out.push(d);
        }
    }
}

/// Where a finding about a node points: a scalar at itself; a mapping or sequence at the key
/// that names it (a multi-line underline helps nobody), or at its first line.
fn node_span(file: &SourceFile, doc: &Doc, n: NodeId) -> Span {
    match doc.value(n) {
        Value::Map(_) | Value::Seq(_) => missing_span(file, doc, n),
        _ => doc.span(n),
    }
}

/// For a key that is missing from a mapping: the key that names that mapping (one line), or the
/// first line of the mapping when it has no key (a document root).
fn missing_span(file: &SourceFile, doc: &Doc, anchor: NodeId) -> Span {
    match super::predicate::key_of(doc, anchor) {
        Some(k) => doc.span(k),
        None => first_line(file, doc.span(anchor)),
    }
}

fn first_line(file: &SourceFile, span: Span) -> Span {
    let text = &file.text[span.range()];
    let end = text
        .find(['\n', '\r'])
        .map_or(span.end as usize, |i| span.start as usize + i);
    Span::new(span.start as usize, end.max(span.start as usize))
}

pub fn render(
    parts: &[Part],
    doc: &Doc,
    root: NodeId,
    subject: NodeId,
    value: Option<&str>,
    missing: Option<&str>,
) -> String {
    let mut s = String::new();
    for p in parts {
        match p {
            Part::Lit(t) => s.push_str(t),
            Part::Value => s.push_str(value.unwrap_or("(not set)")),
            Part::Missing => s.push_str(missing.map(strip_root).unwrap_or("?")),
            Part::Path(path) => s.push_str(&path_text(path, doc, root, subject)),
        }
    }
    s
}

fn strip_root(p: &str) -> &str {
    p.trim_start_matches(['@', '$']).trim_start_matches('.')
}

fn path_text(path: &Path, doc: &Doc, root: NodeId, subject: NodeId) -> String {
    path.select(doc, root, subject)
        .first()
        .and_then(|&n| text(doc, n))
        .unwrap_or_else(|| "?".into())
}
