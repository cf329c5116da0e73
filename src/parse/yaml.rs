//! YAML → [`Doc`], through granit-parser's event stream.
//!
//! Why events and not a loader: granit gives a byte span for every node, key and comment, never
//! expands aliases (so "billion laughs" costs nothing), caps nesting depth, and can resume at the
//! next `---` after a broken document. We build the tree with an explicit stack, so depth never
//! touches the call stack.
//!
//! Scalars are typed by the YAML 1.2 core schema, plain style only. That is why `on:` in a
//! GitHub workflow stays the string key `on` a person sees, not YAML 1.1's `true`.

use std::collections::HashMap;

use granit_parser::{Event, Parser, ScalarStyle, StructureStyle};

use super::{point, Parsed, SyntaxError};
use crate::model::{Comment, Doc, NodeId, Style, Value};
use crate::source::Span;

enum Frame {
    Seq {
        id: NodeId,
        items: Vec<NodeId>,
        flow: bool,
    },
    Map {
        id: NodeId,
        entries: Vec<(NodeId, NodeId)>,
        key: Option<NodeId>,
        flow: bool,
    },
}

struct Builder<'t> {
    text: &'t str,
    doc: Doc,
    stack: Vec<Frame>,
    anchors: HashMap<usize, NodeId>,
    last: Option<NodeId>,
}

impl<'t> Builder<'t> {
    fn new(text: &'t str) -> Builder<'t> {
        Builder {
            text,
            doc: Doc::new(),
            stack: Vec::new(),
            anchors: HashMap::new(),
            last: None,
        }
    }

    fn attach(&mut self, node: NodeId) {
        self.last = Some(node);
        match self.stack.last_mut() {
            None => self.doc.set_root(node),
            Some(Frame::Seq { id, items, .. }) => {
                items.push(node);
                let parent = *id;
                self.doc.set_parent(node, parent);
            }
            Some(Frame::Map {
                id, entries, key, ..
            }) => {
                let parent = *id;
                match key.take() {
                    None => *key = Some(node),
                    Some(k) => entries.push((k, node)),
                }
                self.doc.set_parent(node, parent);
            }
        }
    }

    fn anchor(&mut self, anchor_id: usize, node: NodeId) {
        if anchor_id != 0 {
            self.anchors.insert(anchor_id, node);
        }
    }

    fn open(&mut self, span: Span, seq: bool, flow: bool, anchor_id: usize) -> NodeId {
        let value = if seq {
            Value::Seq(Vec::new())
        } else {
            Value::Map(Vec::new())
        };
        let style = if flow { Style::Flow } else { Style::Plain };
        let id = self.doc.push(span, value, style);
        self.anchor(anchor_id, id);
        self.attach(id);
        self.stack.push(if seq {
            Frame::Seq {
                id,
                items: Vec::new(),
                flow,
            }
        } else {
            Frame::Map {
                id,
                entries: Vec::new(),
                key: None,
                flow,
            }
        });
        id
    }

    fn close(&mut self, end: Span) {
        let Some(frame) = self.stack.pop() else {
            return;
        };
        let (id, value, first, last, flow) = match frame {
            Frame::Seq { id, items, flow } => {
                let first = items.first().copied();
                let last = items.last().copied();
                (id, Value::Seq(items), first, last, flow)
            }
            Frame::Map {
                id,
                mut entries,
                key,
                flow,
            } => {
                // A key with no value event cannot happen in a well-formed stream, but a
                // truncated one must not lose the key.
                if let Some(k) = key {
                    let null = self.doc.push(self.doc.span(k), Value::Null, Style::Plain);
                    self.doc.set_parent(null, id);
                    entries.push((k, null));
                }
                let first = entries.first().map(|e| e.0);
                let last = entries.last().map(|e| e.1);
                (id, Value::Map(entries), first, last, flow)
            }
        };
        let start = self.doc.span(id);
        // Block collections: granit's start event is empty and its end event sits at the next
        // token, possibly lines later; the children say where the collection really is.
        let span = if flow {
            Span {
                start: start.start,
                end: end.end.max(start.end),
            }
        } else {
            let s = first.map_or(start.start, |f| start.start.min(self.doc.span(f).start));
            let mut s = if start.is_empty() {
                first.map_or(s, |f| self.doc.span(f).start)
            } else {
                s
            };
            // a block sequence starts at the `-` of its first item, which no event marks
            if matches!(value, Value::Seq(_)) {
                let before = self.text[..s as usize].trim_end_matches([' ', '\t']);
                if before.ends_with('-') {
                    s = (before.len() - 1) as u32;
                }
            }
            let e = last.map_or(start.end, |l| self.doc.span(l).end.max(s));
            Span { start: s, end: e }
        };
        let node = self.doc.node_mut(id);
        node.value = value;
        node.span = span;
    }

    fn finish(mut self, docs: &mut Vec<Doc>) {
        // A document cut short by an error keeps what was complete; open collections are
        // closed where they stopped.
        while !self.stack.is_empty() {
            self.close(Span::default());
        }
        if self.doc.root().is_some() {
            docs.push(self.doc);
        }
    }
}

/// Consecutive comments granit may buffer while looking ahead. Its default (96) rejects real
/// files, such as LiteLLM configs with long commented-out model lists.
const COMMENT_BUFFER: usize = 1 << 16;

pub fn parse(text: &str) -> Parsed {
    let (out, over_budget) = parse_with(text, true);
    if over_budget {
        // More consecutive comments than the buffer holds is not a defect of the file: read it
        // again without comments (suppression comments in it then go unseen).
        return parse_with(text, false).0;
    }
    out
}

/// Parses; the flag says the comment buffer overflowed.
fn parse_with(text: &str, comments: bool) -> (Parsed, bool) {
    let options = granit_parser::options! {
        emit_anchor_events: true,
        emit_comments: comments,
        max_buffered_comment_events: COMMENT_BUFFER,
    };
    let mut parser = Parser::new_from_str_with_options(text, options);
    let mut out = Parsed::default();
    let mut builder = Builder::new(text);
    let mut over_budget = false;
    loop {
        match parser.next_event() {
            None => break,
            Some(Err(e)) => {
                over_budget |= matches!(e.kind(), granit_parser::ErrorKind::TooManyComments);
                out.errors.push(error(text, &e));
                // Keep the complete part of the broken document? No: its shape is unreliable
                // (a missing bracket shifts every key), so rules must not see it.
                builder = Builder::new(text);
                if out.errors.len() >= super::MAX_ERRORS_PER_FILE {
                    break;
                }
                match parser.proceed_next_document() {
                    Ok(true) => continue,
                    Ok(false) => break,
                    Err(e) => {
                        out.errors.push(error(text, &e));
                        break;
                    }
                }
            }
            Some(Ok((event, span))) => {
                let sp = span
                    .byte_range()
                    .map_or(Span::default(), |r| Span::new(r.start, r.end));
                match event {
                    Event::DocumentStart(..) => builder = Builder::new(text),
                    Event::DocumentEnd => {
                        std::mem::replace(&mut builder, Builder::new(text)).finish(&mut out.docs)
                    }
                    Event::Scalar(value, style, anchor_id, tag) => {
                        let tag_name = tag.as_ref().map(|t| t.original());
                        let (value, style) = scalar(&value, style, tag.as_deref());
                        let id = builder.doc.push(sp, value, style);
                        if let Some(t) = tag_name {
                            builder.doc.add_tag(id, t.into());
                        }
                        builder.anchor(anchor_id, id);
                        builder.attach(id);
                    }
                    Event::SequenceStart(style, anchor_id, tag) => {
                        let id = builder.open(sp, true, style == StructureStyle::Flow, anchor_id);
                        if let Some(t) = tag {
                            builder.doc.add_tag(id, t.original().into());
                        }
                    }
                    Event::MappingStart(style, anchor_id, tag) => {
                        let id = builder.open(sp, false, style == StructureStyle::Flow, anchor_id);
                        if let Some(t) = tag {
                            builder.doc.add_tag(id, t.original().into());
                        }
                    }
                    Event::SequenceEnd | Event::MappingEnd => builder.close(sp),
                    Event::Alias(anchor_id) => {
                        let value = match builder.anchors.get(&anchor_id) {
                            Some(&target) => Value::Alias(target),
                            None => Value::Null,
                        };
                        let id = builder.doc.push(sp, value, Style::Plain);
                        builder.attach(id);
                    }
                    Event::Anchor(_, _) => {
                        if let Some(last) = builder.last {
                            builder.doc.add_anchor(last, sp);
                        }
                    }
                    Event::Comment(..) => out.comments.push(Comment { span: sp }),
                    _ => {}
                }
            }
        }
    }
    out.comments.sort_by_key(|c| c.span);
    (out, over_budget)
}

fn error(text: &str, e: &granit_parser::ScanError) -> SyntaxError {
    let m = e.marker();
    let offset = m.byte_offset().unwrap_or_else(|| {
        text.char_indices()
            .nth(m.index())
            .map_or(text.len(), |(i, _)| i)
    });
    // Tab errors are reported after the tab; the tab itself is what to underline.
    let tab_error = matches!(
        e.kind(),
        granit_parser::ErrorKind::TabNotAllowed
            | granit_parser::ErrorKind::TabInBlockIndentation
            | granit_parser::ErrorKind::TabInIndentation
    );
    let offset = if tab_error && offset > 0 && text.as_bytes().get(offset - 1) == Some(&b'\t') {
        offset - 1
    } else {
        offset
    };
    let mut message = e.info();
    if message.is_empty() {
        message = "invalid YAML".into();
    }
    SyntaxError {
        span: point(text, offset),
        message,
    }
}

fn scalar(text: &str, style: ScalarStyle, tag: Option<&granit_parser::Tag>) -> (Value, Style) {
    let st = match style {
        ScalarStyle::Plain => Style::Plain,
        ScalarStyle::SingleQuoted => Style::SingleQuoted,
        ScalarStyle::DoubleQuoted => Style::DoubleQuoted,
        ScalarStyle::Literal => Style::Literal,
        ScalarStyle::Folded => Style::Folded,
    };
    if st != Style::Plain {
        return (Value::Str(text.into()), st);
    }
    match tag {
        Some(t) if t.is_yaml_core_schema() => match t.core_suffix() {
            Some("str") => (Value::Str(text.into()), st),
            Some("null") => (Value::Null, st),
            _ => (core_schema(text), st),
        },
        // `!Ref Name` in CloudFormation: the value is the text; the tag stays on the node.
        Some(_) => (Value::Str(text.into()), st),
        None => (core_schema(text), st),
    }
}

/// YAML 1.2 core schema resolution of a plain scalar.
pub fn core_schema(s: &str) -> Value {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Value::Float(f64::INFINITY)
        }
        "-.inf" | "-.Inf" | "-.INF" => return Value::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Value::Float(f64::NAN),
        _ => {}
    }
    let b = s.as_bytes();
    let digits =
        |d: &[u8], radix: u32| !d.is_empty() && d.iter().all(|c| (*c as char).is_digit(radix));
    if let Some(hex) = s.strip_prefix("0x") {
        if digits(hex.as_bytes(), 16) {
            if let Ok(i) = i64::from_str_radix(hex, 16) {
                return Value::Int(i);
            }
        }
        return Value::Str(s.into());
    }
    if let Some(oct) = s.strip_prefix("0o") {
        if digits(oct.as_bytes(), 8) {
            if let Ok(i) = i64::from_str_radix(oct, 8) {
                return Value::Int(i);
            }
        }
        return Value::Str(s.into());
    }
    let unsigned = match b.first() {
        Some(b'-' | b'+') => &b[1..],
        _ => b,
    };
    if digits(unsigned, 10) {
        return match s.parse::<i64>() {
            Ok(i) => Value::Int(i),
            Err(_) => s.parse::<f64>().map_or(Value::Str(s.into()), Value::Float),
        };
    }
    if is_core_float(unsigned) {
        if let Ok(f) = s.parse::<f64>() {
            return Value::Float(f);
        }
    }
    Value::Str(s.into())
}

/// `( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?`
fn is_core_float(b: &[u8]) -> bool {
    let mut i = 0;
    let int_digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
    i += int_digits;
    let mut frac_digits = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        frac_digits = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        i += frac_digits;
    }
    if int_digits == 0 && frac_digits == 0 {
        return false;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        let e = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        if e == 0 {
            return false;
        }
        i += e;
    }
    i == b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_schema_types() {
        assert_eq!(core_schema("on"), Value::Str("on".into()));
        assert_eq!(core_schema("yes"), Value::Str("yes".into()));
        assert_eq!(core_schema("3"), Value::Int(3));
        assert_eq!(core_schema("-3"), Value::Int(-3));
        assert_eq!(core_schema("0x1F"), Value::Int(31));
        assert_eq!(core_schema("1.5e3"), Value::Float(1500.0));
        assert_eq!(core_schema("1.2.3"), Value::Str("1.2.3".into()));
        assert_eq!(core_schema("~"), Value::Null);
        assert_eq!(core_schema("e3"), Value::Str("e3".into()));
    }
}
