//! Parsing: one lowering module per format, each turning text into [`Doc`]s of the one model.
//!
//! Every third-party parser stays behind its own module here, so swapping a crate touches one
//! file. A parser never panics on input and never gives up on a whole YAML stream because of
//! one broken document: it returns what it could build plus the errors, each with a span.

pub mod dotenv;
pub mod hcl;
pub mod json;
pub mod properties;
pub mod toml;
pub mod yaml;

use crate::model::{Comment, Doc};
use crate::source::{SourceFile, Span};

/// The syntaxes hedge reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    Yaml,
    Json,
    Toml,
    Hcl,
    Dotenv,
    Properties,
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl Format {
    pub const ALL: [Format; 6] = [
        Format::Yaml,
        Format::Json,
        Format::Toml,
        Format::Hcl,
        Format::Dotenv,
        Format::Properties,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Format::Yaml => "yaml",
            Format::Json => "json",
            Format::Toml => "toml",
            Format::Hcl => "hcl",
            Format::Dotenv => "dotenv",
            Format::Properties => "properties",
        }
    }

    pub fn from_name(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// A syntax error with the span it was found at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    pub span: Span,
    pub message: String,
}

/// Everything a parser produced for one file.
#[derive(Debug, Default)]
pub struct Parsed {
    pub docs: Vec<Doc>,
    pub comments: Vec<Comment>,
    pub errors: Vec<SyntaxError>,
}

/// Stop collecting after this many syntax errors in one file: the first few say all a person
/// needs, and a pathological file must not produce an unbounded report.
pub const MAX_ERRORS_PER_FILE: usize = 20;

pub fn parse(format: Format, file: &SourceFile) -> Parsed {
    let base = file.bom_len() as u32;
    let text = file.body();
    let mut parsed = match format {
        Format::Yaml => yaml::parse(text),
        Format::Json => json::parse(text),
        Format::Toml => toml::parse(text),
        Format::Hcl => hcl::parse(text),
        Format::Dotenv => dotenv::parse(text),
        Format::Properties => properties::parse(text),
    };
    if base != 0 {
        shift(&mut parsed, base);
    }
    parsed.errors.truncate(MAX_ERRORS_PER_FILE);
    parsed
}

/// Moves every span of a result parsed from text after a BOM onto file offsets.
fn shift(parsed: &mut Parsed, by: u32) {
    for doc in &mut parsed.docs {
        doc.shift_spans(by);
    }
    for c in &mut parsed.comments {
        c.span = c.span.shift(by);
    }
    for e in &mut parsed.errors {
        e.span = e.span.shift(by);
    }
}

/// A span of one character at `offset` (or empty at the end of the text): where a parser
/// names only a position, this is what gets underlined.
pub(crate) fn point(text: &str, offset: usize) -> Span {
    let offset = floor_char_boundary(text, offset.min(text.len()));
    let len = text[offset..].chars().next().map_or(0, char::len_utf8);
    Span::new(offset, offset + len)
}

pub(crate) fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Like [`point`], but never outside `within` (for positions computed inside a value).
pub(crate) fn point_in(text: &str, offset: usize, within: Span) -> Span {
    let p = point(
        text,
        offset.clamp(within.start as usize, within.end as usize),
    );
    Span {
        start: p.start,
        end: p.end.min(within.end).max(p.start),
    }
}
