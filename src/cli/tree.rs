//! `hedge tree FILE`: the spanned tree of one file, node by node. Rule authors use it to find
//! the path a selector needs; tests use it to pin where every key and value lands.

use std::io::Write;
use std::sync::Arc;

use serde::Serialize;

use super::{TreeArgs, TreeFormat, EXIT_FINDINGS, EXIT_OK, EXIT_USAGE};
use crate::discover::{classify, display_path, Class};
use crate::load::{self, Loaded};
use crate::model::{Doc, NodeId, Value};
use crate::parse;
use crate::source::SourceFile;

#[derive(Serialize)]
struct NodeOut {
    path: String,
    role: &'static str,
    #[serde(rename = "type")]
    ty: String,
    value: Option<String>,
    start: [u32; 3],
    end: [u32; 3],
}

pub fn run(args: &TreeArgs) -> i32 {
    let display: Arc<str> = display_path(&args.file);
    let file = match load::load(&args.file, &display, load::DEFAULT_MAX_FILE_SIZE) {
        Loaded::Text(f) => f,
        Loaded::Failed { diagnostic, .. } => {
            eprintln!("error: {}: {}", display, diagnostic.message);
            return EXIT_USAGE;
        }
    };
    let name = args.file.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let format = match classify::classify(name) {
        Some(Class::Known(f)) => f,
        _ => classify::sniff(&file.text),
    };
    let parsed = parse::parse(format, &file);
    let docs: Vec<Vec<NodeOut>> = parsed.docs.iter().map(|d| nodes(&file, d)).collect();
    let mut out = std::io::stdout().lock();
    let result = match args.format {
        TreeFormat::Json => {
            #[derive(Serialize)]
            struct Out<'a> {
                path: &'a str,
                format: &'static str,
                documents: &'a [Vec<NodeOut>],
                errors: Vec<String>,
            }
            let errors = parsed
                .errors
                .iter()
                .map(|e| {
                    let p = file.line_col(e.span.start);
                    format!("{}:{}: {}", p.line, p.column, e.message)
                })
                .collect();
            serde_json::to_writer_pretty(
                &mut out,
                &Out {
                    path: &display,
                    format: format.name(),
                    documents: &docs,
                    errors,
                },
            )
            .map_err(std::io::Error::other)
            .and_then(|_| writeln!(out))
        }
        TreeFormat::Text => (|| {
            writeln!(
                out,
                "# {display} ({}, {} document(s))",
                format.name(),
                docs.len()
            )?;
            for (i, doc) in docs.iter().enumerate() {
                writeln!(out, "--- document {}", i + 1)?;
                for n in doc {
                    let range = format!("{}:{}-{}:{}", n.start[0], n.start[1], n.end[0], n.end[1]);
                    let role = if n.role == "key" { " (key)" } else { "" };
                    let value = n
                        .value
                        .as_ref()
                        .map(|v| format!(" = {v}"))
                        .unwrap_or_default();
                    writeln!(out, "{range:<16} {}{role}  {}{value}", n.path, n.ty)?;
                }
            }
            for e in &parsed.errors {
                let p = file.line_col(e.span.start);
                writeln!(out, "error at {}:{}: {}", p.line, p.column, e.message)?;
            }
            Ok(())
        })(),
    };
    if result.is_err() {
        return EXIT_USAGE;
    }
    if parsed.errors.is_empty() {
        EXIT_OK
    } else {
        EXIT_FINDINGS
    }
}

fn segment(key: &str) -> String {
    let ident = !key.is_empty()
        && key.chars().enumerate().all(|(i, c)| {
            c == '_' || c.is_ascii_alphabetic() || (i > 0 && (c.is_ascii_digit() || c == '-'))
        });
    if ident {
        format!(".{key}")
    } else {
        format!("['{}']", key.replace('\\', "\\\\").replace('\'', "\\'"))
    }
}

fn nodes(file: &SourceFile, doc: &Doc) -> Vec<NodeOut> {
    let mut out = Vec::new();
    let Some(root) = doc.root() else {
        return out;
    };
    let mut stack: Vec<(NodeId, String, &'static str)> = vec![(root, "$".into(), "value")];
    while let Some((id, path, role)) = stack.pop() {
        let node = doc.node(id);
        let s = file.line_col(node.span.start);
        let e = file.line_col(node.span.end);
        let text = &file.text[node.span.range()];
        let (ty, value) = match &node.value {
            Value::Str(v) => ("string".to_string(), Some(format!("{v:?}"))),
            Value::Int(i) => ("int".into(), Some(i.to_string())),
            Value::Float(f) => ("float".into(), Some(f.to_string())),
            Value::Bool(b) => ("bool".into(), Some(b.to_string())),
            Value::Expr(k) => (format!("expression({})", k.name()), Some(text.to_string())),
            Value::Alias(t) => {
                let p = file.line_col(doc.span(*t).start);
                ("alias".into(), Some(format!("-> {}:{}", p.line, p.column)))
            }
            other => (other.type_name().to_string(), None),
        };
        let ty = match doc.tag(id) {
            Some(tag) => format!("{ty} {tag}"),
            None => ty,
        };
        out.push(NodeOut {
            path: path.clone(),
            role,
            ty,
            value,
            start: [s.line, s.column, node.span.start],
            end: [e.line, e.column, node.span.end],
        });
        match &node.value {
            Value::Seq(items) => {
                for (i, &c) in items.iter().enumerate().rev() {
                    stack.push((c, format!("{path}[{i}]"), "value"));
                }
            }
            Value::Map(entries) => {
                for &(k, v) in entries.iter().rev() {
                    let name = doc
                        .scalar_text(k)
                        .map(|t| t.into_owned())
                        .unwrap_or_else(|| file.text[doc.span(k).range()].to_string());
                    let p = format!("{path}{}", segment(&name));
                    stack.push((v, p.clone(), "value"));
                    stack.push((k, p, "key"));
                }
            }
            _ => {}
        }
    }
    out
}
