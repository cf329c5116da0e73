//! HCL (Terraform, OpenTofu, Packer) → [`Doc`], through hcl-edit (spans on every block, label,
//! attribute and expression).
//!
//! Blocks nest the way Terraform's JSON syntax nests them, so one selector language serves
//! both: `resource "aws_db_instance" "main" { multi_az = true }` becomes
//! `resource → aws_db_instance → main → {multi_az: true}`. Blocks of the same type merge into
//! one mapping (every `resource` of a file sits under one `resource` key); a block that repeats
//! at the same path (two `ingress {}` in one resource) becomes a sequence of bodies in source
//! order. Key nodes carry the span of the block type or label as written, a body the span of
//! its whole block.
//!
//! Literals (strings without interpolation, numbers, bools, null, lists, objects, heredocs
//! without interpolation) become plain values. Anything else (`var.region`, `"${local.x}"`,
//! `lookup(...)`, `a ? b : c`) becomes an [`Value::Expr`] node whose span is its source text:
//! the value is unknown until Terraform runs, and rules must treat it so.

use std::collections::{HashMap, HashSet};

use hcl_edit::expr::{Expression, ObjectKey, UnaryOperator};
use hcl_edit::structure::{BlockLabel, Body, Structure};
use hcl_edit::template::Element;

use super::{Parsed, SyntaxError};
use crate::model::{Comment, Doc, ExprKind, NodeId, Style, Value};
use crate::source::Span;

/// How deep `[` and `(` may nest in HCL expressions. hcl-edit's parser backtracks on unclosed
/// brackets between operators, and its time grows about 1.6x per level: the fuzzer found a
/// 1.6 KB file with 27 levels that took 7 s. Real configurations stay far below this.
pub const MAX_EXPRESSION_NESTING: usize = 16;

pub fn parse(text: &str) -> Parsed {
    let (comments, too_deep) = scan(text);
    let mut out = Parsed {
        comments,
        ..Parsed::default()
    };
    if let Some(at) = too_deep {
        out.errors.push(SyntaxError {
            span: super::point(text, at),
            message: format!(
                "brackets nest more than {MAX_EXPRESSION_NESTING} levels deep in an expression (hedge's limit for HCL, which bounds parsing time)"
            ),
        });
        return out;
    }
    match hcl_edit::parser::parse_body(text) {
        Err(e) => {
            let at = e.location().offset();
            out.errors.push(SyntaxError {
                span: super::point(text, at),
                message: e.message().to_string(),
            });
        }
        Ok(body) => {
            let mut doc = Doc::new();
            let mut l = Lowering {
                doc: &mut doc,
                block_entries: HashMap::new(),
                seqs_of_blocks: HashSet::new(),
            };
            let root = l.body(&body, Span::new(0, text.len()));
            doc.set_root(root);
            out.docs.push(doc);
        }
    }
    out
}

fn span_of(s: &impl hcl_edit::Span, fallback: Span) -> Span {
    s.span().map_or(fallback, |r| Span::new(r.start, r.end))
}

struct Lowering<'d> {
    doc: &'d mut Doc,
    /// Entries that blocks made, by (mapping, name) → index in the mapping's entries, so that
    /// later blocks merge into them in constant time (a module can hold thousands of
    /// resources of one type).
    block_entries: HashMap<(NodeId, String), usize>,
    /// Sequences made because a block repeated at the same path.
    seqs_of_blocks: HashSet<NodeId>,
}

impl Lowering<'_> {
    fn body(&mut self, body: &Body, span: Span) -> NodeId {
        let map = self.doc.push(span, Value::Map(Vec::new()), Style::Plain);
        for structure in body.iter() {
            match structure {
                Structure::Attribute(attr) => {
                    let kspan = span_of(&attr.key, span);
                    let key =
                        self.doc
                            .push(kspan, Value::Str(attr.key.as_str().into()), Style::Plain);
                    let value = self.expr(&attr.value, kspan);
                    self.push_entry(map, key, value);
                }
                Structure::Block(block) => {
                    let bspan = span_of(block, span);
                    let mut path: Vec<(String, Span, Style)> =
                        Vec::with_capacity(1 + block.labels.len());
                    path.push((
                        block.ident.as_str().to_string(),
                        span_of(&block.ident, bspan),
                        Style::Plain,
                    ));
                    for label in &block.labels {
                        match label {
                            BlockLabel::Ident(i) => {
                                path.push((i.as_str().to_string(), span_of(i, bspan), Style::Plain))
                            }
                            BlockLabel::String(s) => path.push((
                                s.as_str().to_string(),
                                span_of(s, bspan),
                                Style::DoubleQuoted,
                            )),
                        }
                    }
                    let inner = self.body(&block.body, bspan);
                    self.insert_block(map, &path, inner, bspan);
                }
            }
        }
        map
    }

    fn push_entry(&mut self, map: NodeId, key: NodeId, value: NodeId) {
        self.doc.set_parent(key, map);
        self.doc.set_parent(value, map);
        if let Value::Map(entries) = &mut self.doc.node_mut(map).value {
            entries.push((key, value));
        }
    }

    /// The entry of `map` under `name` that blocks created, if any.
    fn block_entry(&self, map: NodeId, name: &str) -> Option<(usize, NodeId)> {
        let &index = self.block_entries.get(&(map, name.to_string()))?;
        match self.doc.value(map) {
            Value::Map(entries) => entries.get(index).map(|&(_, v)| (index, v)),
            _ => None,
        }
    }

    /// Appends a block-made entry and indexes it.
    fn push_block_entry(&mut self, map: NodeId, name: &str, key: NodeId, value: NodeId) {
        let index = match self.doc.value(map) {
            Value::Map(entries) => entries.len(),
            _ => return,
        };
        self.push_entry(map, key, value);
        self.block_entries.insert((map, name.to_string()), index);
    }

    fn insert_block(
        &mut self,
        mut map: NodeId,
        path: &[(String, Span, Style)],
        body: NodeId,
        bspan: Span,
    ) {
        // a block always has a type; an empty path would be a lowering bug, not worth a panic
        let Some((last, groups)) = path.split_last() else {
            return;
        };
        for (name, kspan, style) in groups {
            map = match self.block_entry(map, name) {
                Some((_, v)) if !self.seqs_of_blocks.contains(&v) => v,
                _ => {
                    let key = self
                        .doc
                        .push(*kspan, Value::Str(name.as_str().into()), *style);
                    let group = self.doc.push(bspan, Value::Map(Vec::new()), Style::Plain);
                    self.push_block_entry(map, name, key, group);
                    group
                }
            };
        }
        let (name, kspan, style) = last;
        match self.block_entry(map, name) {
            Some((_, seq)) if self.seqs_of_blocks.contains(&seq) => {
                self.doc.set_parent(body, seq);
                let end = bspan;
                let node = self.doc.node_mut(seq);
                node.span = node.span.join(end);
                if let Value::Seq(items) = &mut node.value {
                    items.push(body);
                }
            }
            Some((index, previous)) => {
                // second block at the same path: both become items of one sequence
                let span = self.doc.span(previous).join(bspan);
                let seq = self
                    .doc
                    .push(span, Value::Seq(vec![previous, body]), Style::Plain);
                self.seqs_of_blocks.insert(seq);
                self.doc.set_parent(previous, seq);
                self.doc.set_parent(body, seq);
                self.doc.set_parent(seq, map);
                if let Value::Map(entries) = &mut self.doc.node_mut(map).value {
                    entries[index].1 = seq;
                }
            }
            None => {
                let key = self
                    .doc
                    .push(*kspan, Value::Str(name.as_str().into()), *style);
                self.push_entry(map, key, body);
            }
        }
    }

    /// hcl-edit refuses nesting deeper than its limit, so this recursion is bounded.
    fn expr(&mut self, e: &Expression, fallback: Span) -> NodeId {
        let span = span_of(e, fallback);
        let (value, style) = match e {
            Expression::Null(_) => (Value::Null, Style::Plain),
            Expression::Bool(b) => (Value::Bool(*b.value()), Style::Plain),
            Expression::Number(n) => (number(n.value()), Style::Plain),
            Expression::String(s) => (Value::Str(s.value().as_str().into()), Style::DoubleQuoted),
            Expression::Array(a) => {
                let seq = self.doc.push(span, Value::Seq(Vec::new()), Style::Flow);
                let items: Vec<NodeId> = a
                    .iter()
                    .map(|item| {
                        let c = self.expr(item, span);
                        self.doc.set_parent(c, seq);
                        c
                    })
                    .collect();
                self.doc.node_mut(seq).value = Value::Seq(items);
                return seq;
            }
            Expression::Object(o) => {
                let map = self.doc.push(span, Value::Map(Vec::new()), Style::Flow);
                for (k, v) in o.iter() {
                    let key = match k {
                        ObjectKey::Ident(i) => self.doc.push(
                            span_of(i, span),
                            Value::Str(i.as_str().into()),
                            Style::Plain,
                        ),
                        ObjectKey::Expression(ke) => self.expr(ke, span),
                    };
                    let value = self.expr(v.expr(), span);
                    self.push_entry(map, key, value);
                }
                return map;
            }
            Expression::StringTemplate(t) => match literal_template(t.iter()) {
                Some(s) => (Value::Str(s.into()), Style::DoubleQuoted),
                None => (Value::Expr(ExprKind::Template), Style::DoubleQuoted),
            },
            Expression::HeredocTemplate(h) => match literal_template(h.template.iter()) {
                Some(s) => (Value::Str(s.into()), Style::Literal),
                None => (Value::Expr(ExprKind::Template), Style::Literal),
            },
            Expression::UnaryOp(op) => match (op.operator.value(), &op.expr) {
                (UnaryOperator::Neg, Expression::Number(n)) => match number(n.value()) {
                    Value::Int(i) => (Value::Int(-i), Style::Plain),
                    Value::Float(f) => (Value::Float(-f), Style::Plain),
                    other => (other, Style::Plain),
                },
                _ => (Value::Expr(ExprKind::Operation), Style::Plain),
            },
            Expression::Parenthesis(_) | Expression::BinaryOp(_) => {
                (Value::Expr(ExprKind::Operation), Style::Plain)
            }
            Expression::Variable(_) | Expression::Traversal(_) => {
                (Value::Expr(ExprKind::Reference), Style::Plain)
            }
            Expression::FuncCall(_) => (Value::Expr(ExprKind::Call), Style::Plain),
            Expression::Conditional(_) => (Value::Expr(ExprKind::Conditional), Style::Plain),
            Expression::ForExpr(_) => (Value::Expr(ExprKind::For), Style::Plain),
        };
        self.doc.push(span, value, style)
    }
}

fn number(n: &hcl_edit::Number) -> Value {
    match n.as_i64() {
        Some(i) if !n.is_f64() => Value::Int(i),
        _ => n.as_f64().map_or(Value::Null, Value::Float),
    }
}

/// The text of a template made only of literals; `None` once it interpolates or branches.
fn literal_template<'a>(mut elements: impl Iterator<Item = &'a Element>) -> Option<String> {
    elements.try_fold(String::new(), |mut acc, el| match el {
        Element::Literal(s) => {
            acc.push_str(s.value());
            Some(acc)
        }
        _ => None,
    })
}

/// Finds `#`, `//` and `/* */` comments, skipping strings (with `${...}` interpolations that
/// may hold strings of their own) and heredocs; and the offset of the first `[` or `(` that
/// opens more than [`MAX_EXPRESSION_NESTING`] levels, if any.
pub fn scan(text: &str) -> (Vec<Comment>, Option<usize>) {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let mut depth = 0usize;
    // Each entry: brace depth inside an interpolation opened within a string.
    let mut interp: Vec<u32> = Vec::new();
    let mut in_string = false;
    while i < b.len() {
        let c = b[i];
        if in_string {
            match c {
                b'\\' => i += 2,
                b'"' => {
                    in_string = false;
                    i += 1;
                }
                b'$' | b'%' if b.get(i + 1) == Some(&b'{') => {
                    interp.push(0);
                    in_string = false;
                    i += 2;
                }
                b'\n' => {
                    // unterminated string: hcl-edit reports it; stop treating text as string
                    in_string = false;
                    i += 1;
                }
                _ => i += 1,
            }
            continue;
        }
        match c {
            b'"' => {
                in_string = true;
                i += 1;
            }
            b'[' | b'(' => {
                depth += 1;
                if depth > MAX_EXPRESSION_NESTING {
                    return (out, Some(i));
                }
                i += 1;
            }
            b']' | b')' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            b'{' => {
                if let Some(d) = interp.last_mut() {
                    *d += 1;
                }
                i += 1;
            }
            b'}' => {
                match interp.last_mut() {
                    Some(0) => {
                        interp.pop();
                        in_string = true;
                    }
                    Some(d) => *d -= 1,
                    None => {}
                }
                i += 1;
            }
            b'#' => {
                let e = eol(b, i);
                out.push(Comment {
                    span: Span::new(i, e),
                });
                i = e;
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                let e = eol(b, i);
                out.push(Comment {
                    span: Span::new(i, e),
                });
                i = e;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let e = text[i + 2..].find("*/").map_or(b.len(), |p| i + 2 + p + 2);
                out.push(Comment {
                    span: Span::new(i, e),
                });
                i = e;
            }
            b'<' if b.get(i + 1) == Some(&b'<') => {
                i = skip_heredoc(text, i);
            }
            _ => i += 1,
        }
    }
    (out, None)
}

/// The end of the line starting at `from`, before its `\n` or `\r\n`; never before `from` (an
/// empty line whose `\n` follows a lone `\r` ended another line; found by the fuzzer).
fn eol(b: &[u8], from: usize) -> usize {
    let mut i = from;
    while i < b.len() && b[i] != b'\n' {
        i += 1;
    }
    if i > from && b[i - 1] == b'\r' {
        i - 1
    } else {
        i
    }
}

/// At `<<` (or `<<-`): if a heredoc starts here, returns the index after its closing marker.
fn skip_heredoc(text: &str, i: usize) -> usize {
    let b = text.as_bytes();
    let mut p = i + 2;
    if b.get(p) == Some(&b'-') {
        p += 1;
    }
    let start = p;
    while p < b.len() && (b[p].is_ascii_alphanumeric() || b[p] == b'_') {
        p += 1;
    }
    if p == start || !matches!(b.get(p), Some(b'\n' | b'\r')) {
        return i + 2;
    }
    let marker = &text[start..p];
    let mut line = eol(b, p) + 1;
    while line < b.len() {
        let e = eol(b, line);
        if text[line..e].trim() == marker {
            return e;
        }
        line = e + 1;
        while line < b.len() && b[line - 1] != b'\n' {
            line += 1;
        }
    }
    b.len()
}
