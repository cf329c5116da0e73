//! Java `.properties` → [`Doc`] (Spring AI's `application.properties`), by hand: a flat
//! mapping of key → string, keys kept whole (`spring.ai.openai.api-key`), as Spring reads them.
//!
//! Follows `java.util.Properties.load`: `#` and `!` comment lines, `=`, `:` or whitespace as
//! separator, `\` line continuation, `\uXXXX` and the usual escapes. Spans are raw source ranges.

use super::Parsed;
use crate::model::{Comment, Doc, Style, Value};
use crate::source::Span;

pub fn parse(text: &str) -> Parsed {
    let mut out = Parsed::default();
    let mut doc = Doc::new();
    let root = doc.push(
        Span::new(0, text.len()),
        Value::Map(Vec::new()),
        Style::Plain,
    );
    let mut entries = Vec::new();
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        // leading whitespace, including form feeds
        while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\x0c') {
            i += 1;
        }
        if i >= b.len() {
            break;
        }
        if matches!(b[i], b'\n' | b'\r') {
            i += 1;
            continue;
        }
        if matches!(b[i], b'#' | b'!') {
            let e = line_end(b, i);
            out.comments.push(Comment {
                span: Span::new(i, e),
            });
            i = e;
            continue;
        }
        // key: up to an unescaped separator
        let key_start = i;
        let mut key = String::new();
        while i < b.len() && !matches!(b[i], b'=' | b':' | b' ' | b'\t' | b'\x0c' | b'\n' | b'\r') {
            i = read_char(text, i, &mut key).0;
        }
        let key_end = i;
        while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\x0c') {
            i += 1;
        }
        if i < b.len() && matches!(b[i], b'=' | b':') {
            i += 1;
            while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\x0c') {
                i += 1;
            }
        }
        let value_start = i;
        let mut value = String::new();
        let mut value_end = i;
        while i < b.len() && !matches!(b[i], b'\n' | b'\r') {
            let (next, continued) = read_char(text, i, &mut value);
            i = next;
            value_end = i;
            // a continuation: `\` + newline + leading blanks of the next line vanish
            if continued {
                while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\x0c') {
                    i += 1;
                }
            }
        }
        let k = doc.push(
            Span::new(key_start, key_end),
            Value::Str(key.into()),
            Style::Plain,
        );
        let v = doc.push(
            Span::new(value_start, value_end),
            Value::Str(value.into()),
            Style::Plain,
        );
        doc.set_parent(k, root);
        doc.set_parent(v, root);
        entries.push((k, v));
    }
    doc.node_mut(root).value = Value::Map(entries);
    doc.set_root(root);
    out.docs.push(doc);
    out
}

fn line_end(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && !matches!(b[i], b'\n' | b'\r') {
        i += 1;
    }
    i
}

/// Reads one (possibly escaped) character at `i`, appends it to `out`, returns the next index.
/// For a line continuation nothing is appended, the line break is consumed, and the flag is set.
fn read_char(text: &str, i: usize, out: &mut String) -> (usize, bool) {
    let b = text.as_bytes();
    let Some(c) = text[i..].chars().next() else {
        return (i + 1, false);
    };
    if c != '\\' {
        out.push(c);
        return (i + c.len_utf8(), false);
    }
    let Some(n) = text[i + 1..].chars().next() else {
        return (i + 1, false);
    };
    let next = match n {
        '\n' => return (i + 2, true),
        '\r' => {
            let next = if b.get(i + 2) == Some(&b'\n') {
                i + 3
            } else {
                i + 2
            };
            return (next, true);
        }
        't' => {
            out.push('\t');
            i + 2
        }
        'n' => {
            out.push('\n');
            i + 2
        }
        'r' => {
            out.push('\r');
            i + 2
        }
        'f' => {
            out.push('\x0c');
            i + 2
        }
        'u' => {
            let hex = text
                .get(i + 2..i + 6)
                .filter(|h| h.bytes().all(|c| c.is_ascii_hexdigit()));
            match hex
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .and_then(char::from_u32)
            {
                Some(ch) => {
                    out.push(ch);
                    i + 6
                }
                None => {
                    out.push('u');
                    i + 2
                }
            }
        }
        other => {
            out.push(other);
            i + 1 + other.len_utf8()
        }
    };
    (next, false)
}
