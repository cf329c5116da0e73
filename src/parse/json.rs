//! JSON → [`Doc`], through jsonc-parser's AST (byte ranges on every node and key).
//!
//! Comments and trailing commas are accepted because many JSON configs in real repositories
//! are JSONC (VS Code, devcontainers, tsconfig); reporting them as broken would be noise. Other
//! JSON5 liberties (missing commas, unquoted keys, single quotes, hex) stay errors: a file with
//! those is broken for the program that reads it.

use jsonc_parser::ast;
use jsonc_parser::common::Ranged;
use jsonc_parser::{CollectOptions, CommentCollectionStrategy, ParseOptions};

use super::{Parsed, SyntaxError};
use crate::model::{Comment, Doc, NodeId, Style, Value};
use crate::source::Span;

pub fn parse(text: &str) -> Parsed {
    let collect = CollectOptions {
        comments: CommentCollectionStrategy::Separate,
        tokens: false,
    };
    let options = ParseOptions {
        allow_comments: true,
        allow_trailing_commas: true,
        allow_loose_object_property_names: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    };
    let mut out = Parsed::default();
    match jsonc_parser::parse_to_ast(text, &collect, &options) {
        Err(e) => {
            let r = e.range();
            let span = if r.start == r.end {
                super::point(text, r.start)
            } else {
                Span::new(r.start, r.end)
            };
            out.errors.push(SyntaxError {
                span,
                message: e.kind().to_string(),
            });
        }
        Ok(result) => {
            if let Some(comments) = result.comments {
                for list in comments.values() {
                    for c in list.iter() {
                        let r = c.range();
                        out.comments.push(Comment {
                            span: Span::new(r.start, r.end),
                        });
                    }
                }
                out.comments.sort_by_key(|c| c.span);
                out.comments.dedup();
            }
            if let Some(value) = &result.value {
                let mut doc = Doc::new();
                let root = lower(&mut doc, value);
                doc.set_root(root);
                out.docs.push(doc);
            }
        }
    }
    out
}

fn span(r: jsonc_parser::common::Range) -> Span {
    Span::new(r.start, r.end)
}

/// jsonc-parser stops at 512 levels of nesting, so this recursion is bounded.
fn lower(doc: &mut Doc, v: &ast::Value) -> NodeId {
    match v {
        ast::Value::StringLit(s) => doc.push(
            span(s.range),
            Value::Str(s.value.as_ref().into()),
            Style::DoubleQuoted,
        ),
        ast::Value::NumberLit(n) => {
            let value = match n.value.parse::<i64>() {
                Ok(i) => Value::Int(i),
                Err(_) => n
                    .value
                    .parse::<f64>()
                    .map_or_else(|_| Value::Str(n.value.into()), Value::Float),
            };
            doc.push(span(n.range), value, Style::Plain)
        }
        ast::Value::BooleanLit(b) => doc.push(span(b.range), Value::Bool(b.value), Style::Plain),
        ast::Value::NullKeyword(n) => doc.push(span(n.range), Value::Null, Style::Plain),
        ast::Value::Array(a) => {
            let id = doc.push(span(a.range), Value::Seq(Vec::new()), Style::Flow);
            let items: Vec<NodeId> = a
                .elements
                .iter()
                .map(|e| {
                    let c = lower(doc, e);
                    doc.set_parent(c, id);
                    c
                })
                .collect();
            doc.node_mut(id).value = Value::Seq(items);
            id
        }
        ast::Value::Object(o) => {
            let id = doc.push(span(o.range), Value::Map(Vec::new()), Style::Flow);
            let mut entries = Vec::with_capacity(o.properties.len());
            for p in &o.properties {
                let (name, r) = match &p.name {
                    ast::ObjectPropName::String(s) => (s.value.as_ref(), s.range),
                    ast::ObjectPropName::Word(w) => (w.value, w.range),
                };
                let k = doc.push(span(r), Value::Str(name.into()), Style::DoubleQuoted);
                doc.set_parent(k, id);
                let v = lower(doc, &p.value);
                doc.set_parent(v, id);
                entries.push((k, v));
            }
            doc.node_mut(id).value = Value::Map(entries);
            id
        }
    }
}
