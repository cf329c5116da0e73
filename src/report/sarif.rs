//! `--format sarif`: SARIF 2.1.0 as GitHub code scanning reads it. Every rule is described
//! (title, what it finds, why, how to fix) so the alert page explains itself; results carry
//! character-column regions (`columnKind: unicodeCodePoints`, matching hedge's columns) and a
//! fingerprint that survives unrelated edits (it hashes the rule, file and offending text, not
//! line numbers).

use std::collections::HashMap;
use std::io::{self, Write};

use serde_json::{json, Value};

use super::Report;
use crate::diag::{Location, Severity};

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// A relative path as a URI reference: `/`-separated, with everything outside the unreserved
/// and path characters percent-encoded.
pub fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn region(l: &Location) -> Value {
    json!({
        "startLine": l.start.line,
        "startColumn": l.start.column,
        "endLine": l.end.line,
        "endColumn": l.end.column.max(if l.end.line == l.start.line { l.start.column + 1 } else { 1 }),
    })
}

fn physical(path: &str, l: Option<&Location>) -> Value {
    let mut p = json!({ "artifactLocation": { "uri": uri(path), "uriBaseId": "%SRCROOT%" } });
    if let Some(l) = l {
        p["region"] = region(l);
    }
    p
}

/// FNV-1a: small, stable across platforms and releases, good enough to tell findings apart.
pub fn render(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut rules = Vec::new();
    for (i, r) in report.rules.iter().enumerate() {
        index.insert(&r.id, i);
        let help = format!("{}\n\nWhy: {}\n\nFix: {}", r.what, r.why, r.fix);
        let markdown = format!(
            "**{}**\n\n{}\n\n**Why it matters.** {}\n\n**How to fix it.** {}\n\nRun `hedge explain {}` for examples.",
            r.title, r.what, r.why, r.fix, r.id
        );
        rules.push(json!({
            "id": r.id,
            "name": r.id.split('-').map(|w| {
                let mut c = w.chars();
                c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default()
            }).collect::<String>(),
            "shortDescription": { "text": r.title },
            "fullDescription": { "text": r.what },
            "help": { "text": help, "markdown": markdown },
            "defaultConfiguration": { "level": level(r.severity) },
            "properties": { "tags": r.tags },
        }));
    }
    // diagnostics of the pipeline itself (parse errors, configuration) get rules too
    // findings of rules hedge did not describe (none today) still get an entry
    let findings = report
        .diagnostics
        .iter()
        .chain(report.suppressed.iter().map(|(d, _)| d));
    for d in findings {
        if !index.contains_key(&*d.rule) {
            index.insert(&d.rule, rules.len());
            rules.push(json!({
                "id": &*d.rule,
                "shortDescription": { "text": &*d.rule },
                "defaultConfiguration": { "level": level(d.severity) },
            }));
        }
    }
    let seen = std::cell::RefCell::new(HashMap::new());
    // suppressed findings are results too, marked as such, so code scanning shows them as
    // dismissed with the reason instead of losing track of them
    let all = report
        .diagnostics
        .iter()
        .map(|d| (d, None))
        .chain(report.suppressed.iter().map(|(d, r)| (d, Some(r))));
    let results = all.map(|(d, suppression)| {
            let mut message = d.message.clone();
            if let Some(h) = &d.help {
                message = format!("{message}\n\n{h}");
            }
            let mut r = json!({
                "ruleId": &*d.rule,
                "ruleIndex": index.get(&*d.rule).copied().unwrap_or(0),
                "level": level(d.severity),
                "message": { "text": message },
                "locations": [{ "physicalLocation": physical(&d.path, d.primary.as_ref()) }],
                "partialFingerprints": { "hedgeFindingHash/v2": super::fingerprint(d, &mut seen.borrow_mut()) },
            });
            if let Some(reason) = suppression {
                let mut sup = json!({ "kind": "inSource", "status": "accepted" });
                if let Some(reason) = reason {
                    sup["justification"] = json!(reason);
                }
                r["suppressions"] = json!([sup]);
            }
            if !d.labels.is_empty() {
                r["relatedLocations"] = Value::Array(
                    d.labels
                        .iter()
                        .enumerate()
                        .map(|(i, l)| {
                            json!({
                                "id": i,
                                "physicalLocation": physical(&l.location.path, Some(&l.location)),
                                "message": { "text": &l.message },
                            })
                        })
                        .collect(),
                );
            }
            r
        });
    // fields in the order serde_json gives a `json!` object (sorted), as before streaming
    #[derive(serde::Serialize)]
    struct Doc<R: serde::Serialize> {
        #[serde(rename = "$schema")]
        schema: &'static str,
        runs: [Run<R>; 1],
        version: &'static str,
    }
    #[derive(serde::Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Run<R: serde::Serialize> {
        column_kind: &'static str,
        original_uri_base_ids: Value,
        results: R,
        tool: Value,
    }
    let doc = Doc {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        runs: [Run {
            column_kind: "unicodeCodePoints",
            original_uri_base_ids: json!({ "%SRCROOT%": { "description": { "text": "The directory hedge ran in." } } }),
            results: super::LazySeq::new(results),
            tool: json!({ "driver": {
                "name": "hedge",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }}),
        }],
        version: "2.1.0",
    };
    serde_json::to_writer_pretty(&mut *out, &doc).map_err(io::Error::other)?;
    writeln!(out)
}
