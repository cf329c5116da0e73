//! `hedge lsp`: a language server over stdio, so findings appear in the editor as one types.
//!
//! Every change re-evaluates all open documents in one run, with their unsaved text as overlays
//! and the rest of the project from disk, through the same `check` evaluation the CLI uses: same
//! configuration cascade, levels, suppressions and graph. Re-running every open document (not
//! only the edited one) is what refreshes dependants, e.g. a LiteLLM config whose fallback grade
//! changes when the `.env` that resolves its variables is edited.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::Parser;
use lsp_server::{Connection, Message, Notification, Request, Response};
use serde_json::{json, Value};

use crate::cli::{Cli, Command};
use crate::diag::{Diagnostic, Severity};
use crate::report::RuleMeta;

struct Doc {
    uri: String,
    text: String,
    /// The findings of the last run in this document, for hover.
    findings: Vec<Diagnostic>,
}

struct Server {
    /// canonical path → open document
    docs: BTreeMap<PathBuf, Doc>,
    metas: Vec<RuleMeta>,
}

pub fn run() -> i32 {
    let (connection, io) = Connection::stdio();
    let caps = json!({
        "textDocumentSync": { "openClose": true, "change": 1, "save": { "includeText": false } },
        "hoverProvider": true,
    });
    if let Err(e) = connection.initialize(caps) {
        eprintln!("hedge lsp: initialization failed: {e}");
        return 1;
    }
    let mut server = Server {
        docs: BTreeMap::new(),
        metas: Vec::new(),
    };
    for msg in &connection.receiver {
        match msg {
            Message::Request(req) => {
                if connection.handle_shutdown(&req).unwrap_or(true) {
                    break;
                }
                let resp = server.request(req);
                let _ = connection.sender.send(Message::Response(resp));
            }
            Message::Notification(n) => {
                if server.notification(n) {
                    for out in server.evaluate() {
                        let _ = connection.sender.send(Message::Notification(out));
                    }
                }
            }
            Message::Response(_) => {}
        }
    }
    drop(connection);
    match io.join() {
        Ok(()) => 0,
        Err(_) => 1,
    }
}

/// `file:///a%20b/c.yaml` → `/a b/c.yaml`.
fn uri_to_path(uri: &str) -> Option<PathBuf> {
    let rest = uri.strip_prefix("file://")?;
    let bytes = rest.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(std::str::from_utf8(&bytes[i + 1..i + 3]).ok()?, 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    Some(PathBuf::from(String::from_utf8(out).ok()?))
}

/// LSP positions: 0-based line, character in UTF-16 code units.
fn position(text: &str, offset: u32) -> Value {
    let offset = (offset as usize).min(text.len());
    let offset = (0..=offset)
        .rev()
        .find(|&o| text.is_char_boundary(o))
        .unwrap_or(0);
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line = text[..offset].matches('\n').count();
    let character: usize = text[line_start..offset].chars().map(char::len_utf16).sum();
    json!({ "line": line, "character": character })
}

fn offset_of(text: &str, line: u64, character: u64) -> usize {
    let mut start = 0;
    for _ in 0..line {
        match text[start..].find('\n') {
            Some(i) => start += i + 1,
            None => return text.len(),
        }
    }
    let mut units = 0u64;
    for (i, c) in text[start..].char_indices() {
        if units >= character || c == '\n' {
            return start + i;
        }
        units += c.len_utf16() as u64;
    }
    text.len()
}

impl Server {
    /// Applies a notification; `true` when the findings must be recomputed.
    fn notification(&mut self, n: Notification) -> bool {
        let p = &n.params;
        let uri = p["textDocument"]["uri"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let Some(path) = uri_to_path(&uri) else {
            return false;
        };
        let canonical = std::fs::canonicalize(&path).unwrap_or(path);
        match n.method.as_str() {
            "textDocument/didOpen" => {
                let text = p["textDocument"]["text"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                self.docs.insert(
                    canonical,
                    Doc {
                        uri,
                        text,
                        findings: Vec::new(),
                    },
                );
                true
            }
            "textDocument/didChange" => {
                // full sync: the last change holds the whole text
                let text = p["contentChanges"]
                    .as_array()
                    .and_then(|c| c.last())
                    .and_then(|c| c["text"].as_str());
                match (self.docs.get_mut(&canonical), text) {
                    (Some(d), Some(t)) => {
                        d.text = t.to_string();
                        true
                    }
                    _ => false,
                }
            }
            "textDocument/didSave" => true,
            "textDocument/didClose" => {
                self.docs.remove(&canonical);
                true
            }
            _ => false,
        }
    }

    /// One run over every open document, one publishDiagnostics per document. (A closed
    /// document gets none: clients clear its diagnostics on close.)
    fn evaluate(&mut self) -> Vec<Notification> {
        let on_disk: Vec<PathBuf> = self.docs.keys().filter(|p| p.is_file()).cloned().collect();
        if on_disk.is_empty() {
            return Vec::new();
        }
        let mut argv: Vec<std::ffi::OsString> = vec!["hedge".into(), "check".into()];
        argv.extend(on_disk.iter().map(|p| p.as_os_str().to_owned()));
        let args = match Cli::try_parse_from(argv).map(|c| c.command) {
            Ok(Command::Check(a)) => a,
            _ => return Vec::new(),
        };
        let overlay: Vec<(PathBuf, Vec<u8>)> = self
            .docs
            .iter()
            .map(|(p, d)| (p.clone(), d.text.as_bytes().to_vec()))
            .collect();
        let evaluated = match crate::cli::check::evaluate(
            &args,
            Some(Arc::new(overlay)),
            false,
            false,
        ) {
            Ok(e) => e,
            Err(_) => {
                return vec![Notification::new(
                    "window/showMessage".into(),
                    json!({ "type": 1, "message": "hedge: the configuration or rules are invalid; run `hedge check` for details" }),
                )]
            }
        };
        self.metas = evaluated.metas;
        for d in self.docs.values_mut() {
            d.findings.clear();
        }
        let mut canon: BTreeMap<Arc<str>, Option<PathBuf>> = BTreeMap::new();
        for d in evaluated.outcome.diagnostics {
            let key = canon
                .entry(d.path.clone())
                .or_insert_with(|| std::fs::canonicalize(Path::new(&*d.path)).ok())
                .clone();
            if let Some(doc) = key.and_then(|k| self.docs.get_mut(&k)) {
                doc.findings.push(d);
            }
        }
        self.docs
            .values()
            .map(|doc| {
                let diagnostics: Vec<Value> = doc
                    .findings
                    .iter()
                    .map(|d| {
                        let span = d.primary.as_ref().map(|l| l.span);
                        let (start, end) = span.map_or((0, 0), |s| (s.start, s.end));
                        let mut message = d.message.clone();
                        if let Some(h) = &d.help {
                            message = format!("{message}\nhelp: {h}");
                        }
                        json!({
                            "range": { "start": position(&doc.text, start), "end": position(&doc.text, end) },
                            "severity": match d.severity { Severity::Error => 1, Severity::Warning => 2, Severity::Info => 3 },
                            "code": &*d.rule,
                            "source": "hedge",
                            "message": message,
                        })
                    })
                    .collect();
                Notification::new(
                    "textDocument/publishDiagnostics".into(),
                    json!({ "uri": doc.uri, "diagnostics": diagnostics }),
                )
            })
            .collect()
    }

    fn request(&mut self, req: Request) -> Response {
        if req.method != "textDocument/hover" {
            return Response::new_err(
                req.id,
                -32601,
                format!("unsupported request {}", req.method),
            );
        }
        let p = &req.params;
        let uri = p["textDocument"]["uri"].as_str().unwrap_or_default();
        let doc = uri_to_path(uri)
            .map(|path| std::fs::canonicalize(&path).unwrap_or(path))
            .and_then(|k| self.docs.get(&k));
        let Some(doc) = doc else {
            return Response::new_ok(req.id, Value::Null);
        };
        let at = offset_of(
            &doc.text,
            p["position"]["line"].as_u64().unwrap_or(0),
            p["position"]["character"].as_u64().unwrap_or(0),
        ) as u32;
        let mut parts = Vec::new();
        for d in &doc.findings {
            let Some(l) = &d.primary else { continue };
            if l.span.start <= at && at <= l.span.end {
                let docs = self.metas.iter().find(|m| *m.id == *d.rule);
                let mut md = format!("**hedge `{}`**: {}", d.rule, d.message);
                if let Some(m) = docs {
                    md.push_str(&format!(
                        "\n\n{}\n\n**Why it matters.** {}\n\n**How to fix it.** {}",
                        m.what.trim(),
                        m.why.trim(),
                        m.fix.trim()
                    ));
                }
                parts.push(md);
            }
        }
        if parts.is_empty() {
            return Response::new_ok(req.id, Value::Null);
        }
        Response::new_ok(
            req.id,
            json!({ "contents": { "kind": "markdown", "value": parts.join("\n\n---\n\n") } }),
        )
    }
}
