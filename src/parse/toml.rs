//! TOML → [`Doc`], through `toml::de::DeTable` (spans on every key and value, and recovery:
//! all errors of a file, not just the first).
//!
//! `[[x]]` becomes a sequence of mappings, a datetime becomes a string. A `[table]`'s span is
//! its header, which is what a finding about the table should underline. DeTable drops
//! comments, so they come from toml_parser's lexer, which knows where strings end.

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::{Parsed, SyntaxError};
use crate::model::{Comment, Doc, NodeId, Style, Value};
use crate::source::Span;

pub fn parse(text: &str) -> Parsed {
    let mut out = Parsed::default();
    let (table, errors) = DeTable::parse_recoverable(text);
    for e in &errors {
        let span = match e.span() {
            Some(r) if r.start < r.end => Span::new(r.start, r.end),
            Some(r) => super::point(text, r.start),
            None => super::point(text, 0),
        };
        out.errors.push(SyntaxError {
            span,
            message: e.message().trim().to_string(),
        });
    }
    // A file with errors is still lowered: toml's recovery keeps the parts it understood,
    // and those are real (unlike a YAML document whose indentation went wrong).
    let mut doc = Doc::new();
    let root = doc.push(
        Span::new(0, text.len()),
        Value::Map(Vec::new()),
        Style::Plain,
    );
    let entries = lower_table(&mut doc, root, table.get_ref());
    doc.node_mut(root).value = Value::Map(entries);
    doc.set_root(root);
    out.docs.push(doc);

    for token in toml_parser::Source::new(text).lex() {
        if token.kind() == toml_parser::lexer::TokenKind::Comment {
            let s = token.span();
            out.comments.push(Comment {
                span: Span::new(s.start(), s.end()),
            });
        }
    }
    out
}

fn sp<T>(s: &Spanned<T>) -> Span {
    let r = s.span();
    Span::new(r.start, r.end)
}

fn lower_table(doc: &mut Doc, parent: NodeId, table: &DeTable<'_>) -> Vec<(NodeId, NodeId)> {
    let mut entries = Vec::with_capacity(table.len());
    for (k, v) in table.iter() {
        let key = doc.push(sp(k), Value::Str(k.get_ref().as_ref().into()), Style::Plain);
        doc.set_parent(key, parent);
        let value = lower(doc, v);
        doc.set_parent(value, parent);
        entries.push((key, value));
    }
    entries
}

/// toml stops at its recursion limit long before the stack is at risk, so recursing is safe.
fn lower(doc: &mut Doc, v: &Spanned<DeValue<'_>>) -> NodeId {
    let span = sp(v);
    match v.get_ref() {
        DeValue::String(s) => doc.push(span, Value::Str(s.as_ref().into()), Style::DoubleQuoted),
        DeValue::Integer(i) => {
            let digits: String = i.as_str().chars().filter(|c| *c != '_').collect();
            let (neg, digits) = match digits.strip_prefix('-') {
                Some(d) => (true, d.to_string()),
                None => (false, digits.trim_start_matches('+').to_string()),
            };
            let digits = if i.radix() != 10 && digits.len() > 2 && digits.as_bytes()[0] == b'0' {
                digits[2..].to_string()
            } else {
                digits
            };
            let value = i64::from_str_radix(&digits, i.radix())
                .map(|n| if neg { -n } else { n })
                .map_or_else(|_| Value::Str(i.as_str().into()), Value::Int);
            doc.push(span, value, Style::Plain)
        }
        DeValue::Float(f) => {
            let t: String = f.as_str().chars().filter(|c| *c != '_').collect();
            let value = match t.trim_start_matches('+') {
                "inf" => Value::Float(f64::INFINITY),
                "-inf" => Value::Float(f64::NEG_INFINITY),
                "nan" | "-nan" => Value::Float(f64::NAN),
                other => other
                    .parse::<f64>()
                    .map_or_else(|_| Value::Str(f.as_str().into()), Value::Float),
            };
            doc.push(span, value, Style::Plain)
        }
        DeValue::Boolean(b) => doc.push(span, Value::Bool(*b), Style::Plain),
        DeValue::Datetime(d) => doc.push(span, Value::Str(d.to_string().into()), Style::Plain),
        DeValue::Array(items) => {
            let id = doc.push(span, Value::Seq(Vec::new()), Style::Flow);
            let ids: Vec<NodeId> = items
                .iter()
                .map(|item| {
                    let c = lower(doc, item);
                    doc.set_parent(c, id);
                    c
                })
                .collect();
            doc.node_mut(id).value = Value::Seq(ids);
            id
        }
        DeValue::Table(t) => {
            let id = doc.push(span, Value::Map(Vec::new()), Style::Plain);
            let entries = lower_table(doc, id, t);
            doc.node_mut(id).value = Value::Map(entries);
            id
        }
    }
}
