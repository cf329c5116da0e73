//! `.env` → [`Doc`]: one mapping of variable name → value, by a hand-written line parser
//! (dotenv crates give no spans).
//!
//! Accepted, as docker compose and the dotenv libraries read them: `KEY=value`,
//! `export KEY=value`, `KEY="double quoted\nwith escapes"` (may span lines),
//! `KEY='single quoted'` (literal, may span lines), unquoted values ending at ` #`, full-line
//! `#` comments, and a bare `KEY` (a value taken from the environment; lowered to null).
//! A commented-out assignment is a comment, never a value.

use super::{Parsed, SyntaxError};
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
        let line_end = memchr_nl(b, i);
        let mut p = skip_ws(b, i, line_end);
        if p == line_end {
            i = next_line(b, line_end);
            continue;
        }
        if b[p] == b'#' {
            out.comments.push(Comment {
                span: Span::new(p, trim_cr(b, p, line_end)),
            });
            i = next_line(b, line_end);
            continue;
        }
        if text[p..line_end].starts_with("export") {
            let q = p + "export".len();
            if q < line_end && (b[q] == b' ' || b[q] == b'\t') {
                p = skip_ws(b, q, line_end);
            }
        }
        let key_start = p;
        while p < line_end && is_key_byte(b[p]) {
            p += 1;
        }
        let key_end = p;
        let after = skip_ws(b, p, line_end);
        if key_start == key_end || (after < line_end && b[after] != b'=' && b[after] != b'#') {
            let at = if key_start == key_end {
                key_start
            } else {
                after
            };
            out.errors.push(SyntaxError {
                span: super::point(text, at),
                message: "expected `KEY=value`".into(),
            });
            i = next_line(b, line_end);
            continue;
        }
        let key = doc.push(
            Span::new(key_start, key_end),
            Value::Str(text[key_start..key_end].into()),
            Style::Plain,
        );
        doc.set_parent(key, root);
        if after >= line_end || b[after] == b'#' {
            // bare `KEY`: the value comes from the environment
            let v = doc.push(Span::new(key_end, key_end), Value::Null, Style::Plain);
            doc.set_parent(v, root);
            entries.push((key, v));
            if after < line_end {
                out.comments.push(Comment {
                    span: Span::new(after, trim_cr(b, after, line_end)),
                });
            }
            i = next_line(b, line_end);
            continue;
        }
        let vstart = skip_ws(b, after + 1, line_end);
        let (value, style, vspan, rest) = match b.get(vstart) {
            Some(&q @ (b'"' | b'\'')) if vstart < line_end => match find_close(b, vstart + 1, q) {
                Some(close) => {
                    let raw = &text[vstart + 1..close];
                    let v = if q == b'"' {
                        unescape(raw)
                    } else {
                        raw.to_string()
                    };
                    let st = if q == b'"' {
                        Style::DoubleQuoted
                    } else {
                        Style::SingleQuoted
                    };
                    (v, st, Span::new(vstart, close + 1), close + 1)
                }
                None => {
                    out.errors.push(SyntaxError {
                        span: super::point(text, vstart),
                        message: "unterminated quoted value".into(),
                    });
                    break;
                }
            },
            _ => {
                // unquoted: up to a ` #` comment or the end of the line
                let mut e = vstart;
                while e < line_end {
                    if b[e] == b'#' && e > vstart && matches!(b[e - 1], b' ' | b'\t') {
                        break;
                    }
                    e += 1;
                }
                let mut ve = e;
                while ve > vstart && matches!(b[ve - 1], b' ' | b'\t' | b'\r') {
                    ve -= 1;
                }
                (
                    text[vstart..ve].to_string(),
                    Style::Plain,
                    Span::new(vstart, ve),
                    e,
                )
            }
        };
        let v = doc.push(vspan, Value::Str(value.into()), style);
        doc.set_parent(v, root);
        entries.push((key, v));
        // whatever follows the value on its (last) line: only a comment is allowed
        let rest_end = memchr_nl(b, rest);
        let r = skip_ws(b, rest, rest_end);
        if r < rest_end && b[r] != b'\r' {
            if b[r] == b'#' {
                out.comments.push(Comment {
                    span: Span::new(r, trim_cr(b, r, rest_end)),
                });
            } else {
                out.errors.push(SyntaxError {
                    span: super::point(text, r),
                    message: "unexpected text after the quoted value".into(),
                });
            }
        }
        i = next_line(b, rest_end);
    }
    doc.node_mut(root).value = Value::Map(entries);
    doc.set_root(root);
    out.docs.push(doc);
    out
}

fn is_key_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-')
}

fn memchr_nl(b: &[u8], from: usize) -> usize {
    b[from.min(b.len())..]
        .iter()
        .position(|&c| c == b'\n')
        .map_or(b.len(), |p| from + p)
}

fn next_line(b: &[u8], line_end: usize) -> usize {
    (line_end + 1).min(b.len().max(line_end + 1))
}

fn skip_ws(b: &[u8], mut i: usize, end: usize) -> usize {
    while i < end && matches!(b[i], b' ' | b'\t') {
        i += 1;
    }
    i
}

fn trim_cr(b: &[u8], start: usize, mut end: usize) -> usize {
    while end > start && b[end - 1] == b'\r' {
        end -= 1;
    }
    end
}

fn find_close(b: &[u8], mut i: usize, q: u8) -> Option<usize> {
    while i < b.len() {
        if b[i] == b'\\' && q == b'"' {
            i += 2;
            continue;
        }
        if b[i] == q {
            return Some(i);
        }
        i += 1;
    }
    None
}

fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}
