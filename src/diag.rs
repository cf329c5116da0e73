//! Diagnostics: the one type every stage reports through, and the only thing reporters see.
//!
//! A diagnostic is born in the worker that has the file's text, which resolves its spans to
//! line:column there and then. Reporters therefore never reach back into parsing, and a file's
//! tree can be dropped as soon as its diagnostics exist.

use std::cmp::Ordering;
use std::fmt;
use std::sync::Arc;

use serde::Serialize;

use crate::source::{LineCol, SourceFile, Span};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A place in a file: byte span plus its resolved start and end positions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// The path as shown to the user, with `/` separators.
    pub path: Arc<str>,
    pub span: Span,
    pub start: LineCol,
    pub end: LineCol,
}

impl Location {
    pub fn new(file: &SourceFile, path: &Arc<str>, span: Span) -> Location {
        Location {
            path: path.clone(),
            span,
            start: file.line_col(span.start),
            end: file.line_col(span.end),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub location: Location,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Stable id: a rule id (`parse-error`, later `llm-route-no-fallback`...).
    pub rule: Arc<str>,
    pub severity: Severity,
    pub message: String,
    /// The file the diagnostic is about, always set.
    pub path: Arc<str>,
    /// Where in that file; `None` for whole-file problems found before any text existed
    /// (unreadable, not a regular file).
    pub primary: Option<Location>,
    pub labels: Vec<Label>,
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn new(
        rule: &str,
        severity: Severity,
        path: &Arc<str>,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic {
            rule: rule.into(),
            severity,
            message: message.into(),
            path: path.clone(),
            primary: None,
            labels: Vec::new(),
            help: None,
        }
    }

    /// A diagnostic at a place already resolved (by the worker that had the file's text).
    pub fn at_location(
        rule: &str,
        severity: Severity,
        location: &Location,
        message: impl Into<String>,
    ) -> Diagnostic {
        let mut d = Diagnostic::new(rule, severity, &location.path, message);
        d.primary = Some(location.clone());
        d
    }

    pub fn at(mut self, file: &SourceFile, span: Span) -> Diagnostic {
        self.primary = Some(Location::new(file, &self.path, span));
        self
    }

    pub fn with_label(
        mut self,
        file: &SourceFile,
        span: Span,
        message: impl Into<String>,
    ) -> Diagnostic {
        self.labels.push(Label {
            location: Location::new(file, &self.path, span),
            message: message.into(),
        });
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// The order of every output: path, then position, then rule, then message, so that the
    /// thread count never changes a byte of the report.
    pub fn sort_key_cmp(&self, other: &Diagnostic) -> Ordering {
        let pos = |d: &Diagnostic| d.primary.as_ref().map(|l| (l.span.start, l.span.end));
        self.path
            .cmp(&other.path)
            .then_with(|| pos(self).cmp(&pos(other)))
            .then_with(|| self.rule.cmp(&other.rule))
            .then_with(|| self.message.cmp(&other.message))
    }
}

/// Ids of the diagnostics the pipeline itself emits (rules come from rule packs).
pub mod codes {
    /// The file is not valid in its format.
    pub const PARSE_ERROR: &str = "parse-error";
    /// The bytes are not text hedge can read (binary, invalid UTF-8/UTF-16).
    pub const INVALID_ENCODING: &str = "invalid-encoding";
    /// The file is over `--max-file-size`.
    pub const FILE_TOO_LARGE: &str = "file-too-large";
    /// The file or directory could not be read (permissions, vanished, a FIFO or device).
    pub const UNREADABLE: &str = "unreadable-file";
    /// A YAML file with Go/Helm template directives that is not YAML until rendered.
    pub const TEMPLATED_FILE: &str = "templated-file";
}
