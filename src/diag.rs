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

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
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
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Location {
    /// The path as shown to the user, with `/` separators. Serde (used only for a file's own
    /// facts: the `--cache` files and packed facts) leaves it out: every location of a file's
    /// facts is in that file, and [`in_file::decode`] restores it.
    #[serde(
        serialize_with = "in_file::skip_path",
        deserialize_with = "in_file::restore_path"
    )]
    pub path: Arc<str>,
    pub span: Span,
    pub start: LineCol,
    pub end: LineCol,
    /// Hash of the text under the span, whitespace-normalised (see [`text_hash`]): what
    /// fingerprints (SARIF, GitLab, baselines) key on, taken while the worker still has the text
    /// so that reporters never need to keep whole files in memory.
    pub text_hash: u64,
}

/// Encoded locations without their path, which the decoder of one file's data supplies.
pub mod packed;

pub(crate) mod in_file {
    use std::cell::RefCell;
    use std::sync::Arc;

    use serde::Deserialize;

    thread_local! {
        /// The file whose data is being decoded on this thread.
        static PATH: RefCell<Arc<str>> = RefCell::new(Arc::from(""));
    }

    /// Decodes postcard `bytes` written for the file at `path`: every location gets that path.
    pub(crate) fn decode<T: serde::de::DeserializeOwned>(
        path: &Arc<str>,
        bytes: &[u8],
    ) -> Option<T> {
        PATH.with(|p| *p.borrow_mut() = path.clone());
        postcard::from_bytes(bytes).ok()
    }

    pub(super) fn skip_path<S: serde::Serializer>(_: &Arc<str>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_unit()
    }

    pub(super) fn restore_path<'de, D: serde::Deserializer<'de>>(
        d: D,
    ) -> Result<Arc<str>, D::Error> {
        <()>::deserialize(d)?;
        Ok(PATH.with(|p| p.borrow().clone()))
    }
}

/// How much of a span's text identifies a finding: enough to tell two values apart, and a
/// bound on the work for findings whose span is a whole document.
pub const FINGERPRINT_TEXT_LIMIT: usize = 256;

/// FNV-1a over the span's words joined by single spaces, the first
/// [`FINGERPRINT_TEXT_LIMIT`] bytes of them: re-indenting or re-wrapping
/// a value keeps its identity, changing it does not.
pub fn text_hash(text: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |b: u8| {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    };
    let normalised = text
        .split_whitespace()
        .enumerate()
        .flat_map(|(i, w)| (i > 0).then_some(b' ').into_iter().chain(w.bytes()));
    for b in normalised.take(FINGERPRINT_TEXT_LIMIT) {
        eat(b);
    }
    h
}

impl Location {
    pub fn new(file: &SourceFile, path: &Arc<str>, span: Span) -> Location {
        Location {
            path: path.clone(),
            span,
            start: file.line_col(span.start),
            end: file.line_col(span.end),
            text_hash: text_hash(file.text.get(span.range()).unwrap_or_default()),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
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
    pub help: Option<Arc<str>>,
}

impl Diagnostic {
    pub fn new(
        rule: &str,
        severity: Severity,
        path: &Arc<str>,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic::of(crate::intern::name(rule), severity, path, message)
    }

    /// [`Diagnostic::new`] with the rule id already shared (`Rule::id`), for the checks that
    /// make a finding per node or route: no lookup per finding.
    pub fn of(
        rule: Arc<str>,
        severity: Severity,
        path: &Arc<str>,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic {
            rule,
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

    pub fn with_help(mut self, help: impl Into<Arc<str>>) -> Diagnostic {
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
/// The documentation of the checks hedge runs itself (not from rule packs), for `hedge explain`
/// and SARIF rule metadata: id, title, severity, what, why, how to fix.
pub const BUILTIN_DOCS: &[(&str, &str, Severity, &str, &str, &str)] = &[
    ("parse-error", "The file is not valid in its format", Severity::Error,
     "A file hedge reads (by its name) does not parse: a syntax error in YAML, JSON, TOML, HCL, .env or properties. The span points at the first offending character.",
     "A broken config is either not deployed at all or deployed with a fallback the tool that reads it silently ignores; and hedge cannot check what it cannot read, so other rules skip the file.",
     "Fix the syntax at the span. If the file is a template (Helm, Jinja), render it first and check the output."),
    ("invalid-encoding", "The bytes are not text hedge can read", Severity::Error,
     "A file with a config name holds binary data, invalid UTF-8 or UTF-16 without a byte-order mark, or a NUL byte; the span points at the first bad byte.",
     "Config files are text; a binary under a config name is usually a mistake (a committed artifact, a wrong extension).",
     "Re-save the file as UTF-8, rename it, or exclude it (`--exclude`, `[files] exclude`)."),
    ("file-too-large", "The file is over --max-file-size", Severity::Warning,
     "A file is larger than the size limit (16 MiB by default) and was not read.",
     "Huge generated files slow every run and are rarely hand-written config; the limit keeps runs fast and memory flat.",
     "Raise `--max-file-size` if the file really is configuration, or exclude it."),
    ("unreadable-file", "The file or directory could not be read", Severity::Error,
     "Reading failed: permissions, a file that vanished during the run, or a FIFO, socket or device where a file was expected.",
     "A file hedge cannot read is a file nobody has checked.",
     "Fix the permissions, or exclude the path."),
    ("templated-file", "YAML with template directives", Severity::Info,
     "A YAML file contains `{{ ... }}` directives (Helm, Go templates) and is only YAML after rendering; hedge does not check it.",
     "Reporting it as a parse error would be noise; saying nothing would hide that it is unchecked.",
     "Render it (`helm template ...`) and check the output."),
    ("internal-error", "hedge failed on a file", Severity::Error,
     "A bug in hedge stopped it from checking one file; the other files were checked and reported as usual.",
     "A crash must not cost the findings of every other file, and the file it happened on must not pass silently.",
     "Please report it (with the file, if you can share it). Until then, `--exclude` the file to keep the run green knowingly."),
    ("invalid-config", "hedge.toml is not valid", Severity::Error,
     "The configuration file does not follow schemas/hedge.schema.json: an unknown key, a wrong type, an unknown rule id. The run stops with exit code 2.",
     "A policy with a typo silently enforces nothing.",
     "Fix the entry at the span; the message suggests the key or rule id you probably meant."),
    ("unused-config", "A configuration entry matched nothing", Severity::Info,
     "An `ignore` entry or `off` level that silenced no finding, or an `[[overrides]]` entry that changed none.",
     "Exceptions outlive the problems they were written for; an unused one is either stale or mistyped.",
     "Delete the entry, or fix its paths, pointer or rule ids."),
    ("invalid-rule-pack", "A rule pack is not valid", Severity::Error,
     "A rule pack (built-in or from --rules) does not follow schemas/rule.schema.json or has a bad selector or pattern. The run stops with exit code 2.",
     "A broken rule would silently check nothing.",
     "Fix the pack at the span; `hedge test-rules` checks packs against their fixtures."),
    ("invalid-registry", "A vendor registry file is not valid", Severity::Error,
     "A registry file (from --registry or hedge.toml) does not follow schemas/registry.schema.json.",
     "The registry decides failure domains; a bad entry would grade fallbacks wrongly.",
     "Fix the entry at the span."),
    ("invalid-contract", "A contract file is not valid", Severity::Error,
     "A file under contracts/ or vendors/ does not follow schemas/contract.schema.json, or a date is not a real date.",
     "Contract rules only work on contracts they can read; a typo would hide an expiry or an exclusivity clause.",
     "Fix the field at the span."),
    ("invalid-suppression", "An inline suppression cannot be applied", Severity::Error,
     "A `hedge: ignore[...]` comment without a reason (unless policy allows it), with an unreadable syntax, a date that is not YYYY-MM-DD, or an unknown rule id. It silences nothing.",
     "A waiver without a reason cannot be reviewed, and a mistyped one silently waives nothing.",
     "Write `hedge: ignore[RULE, ...] reason=\"why\" until=YYYY-MM-DD` (until is optional)."),
    ("expired-suppression", "A suppression or override is past its until date", Severity::Warning,
     "An inline suppression or an `[[overrides]]` entry whose `until` date has passed; it no longer applies and its findings are reported again.",
     "Temporary exceptions are how single-vendor dependencies become permanent.",
     "Fix the findings and delete the suppression, or renew `until` with a reason that still holds."),
    ("unused-suppression", "An inline suppression silences nothing", Severity::Warning,
     "A `hedge: ignore[...]` comment whose rules report nothing on the line (or in the file) it governs. Not reported for rules that did not run (under --select).",
     "Stale suppressions accumulate and would silently hide the next real finding on that line.",
     "Delete the comment, or move it onto (or just above) the line the finding points at."),
];

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
    /// hedge itself failed on a file (a bug); the run went on without it.
    pub const INTERNAL_ERROR: &str = "internal-error";
}
