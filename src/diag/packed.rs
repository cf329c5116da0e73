//! A file's findings, encoded by the worker that checked the file until the project-wide stage
//! is over. A big project's findings are held from the per-file stage to the report, and the
//! provider graph is built and checked in between: as structures (a string, a boxed location
//! and a vector each, allocated among the file's short-lived parse blocks) they were some
//! 250 bytes a finding beside the graph; encoded, about half that, in one allocation a file.
//!
//! The encoding is postcard, with the parts every finding of a file shares left out: the path
//! (every location is in the file: `in_file`) and the rule id and help text, which come from
//! a few dozen shared strings and are written as numbers into the run's [`Shared`] table.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use super::{in_file, Diagnostic, Label, Location, Severity};

/// The rule ids and help texts of a run's packed findings, by number. Strings are told apart
/// by identity (rule ids are shared names, help texts the rule's own copy): an equal string
/// with another address gets another number, which costs an entry, never a wrong text.
#[derive(Default)]
pub struct Shared(Mutex<Table>);

/// The strings in order of first use, and each one's number by address.
type Table = (Vec<Arc<str>>, HashMap<usize, u32>);

impl Shared {
    fn number(&self, text: &Arc<str>) -> Option<u32> {
        let mut table = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let key = Arc::as_ptr(text) as *const u8 as usize;
        if let Some(&n) = table.1.get(&key) {
            return Some(n);
        }
        let n = u32::try_from(table.0.len()).ok()?;
        // the table's copy keeps the string alive, so its address names it for the whole run
        table.0.push(text.clone());
        table.1.insert(key, n);
        Some(n)
    }

    /// The strings by number, for [`Packed::unpack`].
    pub fn table(&self) -> Vec<Arc<str>> {
        let table = self.0.lock().unwrap_or_else(|e| e.into_inner());
        table.0.clone()
    }
}

#[derive(Serialize)]
enum HelpOut<'a> {
    Shared(u32),
    Text(&'a str),
}

#[derive(Deserialize)]
enum HelpIn {
    Shared(u32),
    Text(String),
}

#[derive(Serialize)]
struct Out<'a> {
    rule: u32,
    severity: Severity,
    message: &'a str,
    primary: &'a Option<Location>,
    labels: &'a [Label],
    help: Option<HelpOut<'a>>,
}

#[derive(Deserialize)]
struct In {
    rule: u32,
    severity: Severity,
    message: String,
    primary: Option<Location>,
    labels: Vec<Label>,
    help: Option<HelpIn>,
}

/// One file's findings, encoded.
#[derive(Debug)]
pub struct Packed {
    count: usize,
    bytes: Box<[u8]>,
}

impl Packed {
    /// Encodes the findings of the file at `path`. `None` (the caller keeps them as they are)
    /// when there are none, or when one of them is about another file or points into one, which
    /// the encoding cannot say.
    pub fn pack(path: &Arc<str>, list: &[Diagnostic], shared: &Shared) -> Option<Packed> {
        if list.is_empty() {
            return None;
        }
        let elsewhere = |l: &Location| l.path != *path;
        let mut out: Vec<Out<'_>> = Vec::with_capacity(list.len());
        for d in list {
            if d.path != *path
                || d.primary.as_ref().is_some_and(elsewhere)
                || d.labels.iter().any(|l| elsewhere(&l.location))
            {
                return None;
            }
            // the rule's own help text (the rule holds it too) is numbered; one made for this
            // finding alone (a suggestion) is written out, and the table stays small
            let help = d.help.as_ref().map(|h| {
                match (Arc::strong_count(h) > 1)
                    .then(|| shared.number(h))
                    .flatten()
                {
                    Some(n) => HelpOut::Shared(n),
                    None => HelpOut::Text(h),
                }
            });
            out.push(Out {
                rule: shared.number(&d.rule)?,
                severity: d.severity,
                message: &d.message,
                primary: &d.primary,
                labels: &d.labels,
                help,
            });
        }
        let bytes = postcard::to_stdvec(&out).ok()?;
        Some(Packed {
            count: list.len(),
            bytes: bytes.into_boxed_slice(),
        })
    }

    /// Moves the bytes into a fresh allocation (see `FileReport::settle`).
    pub fn settle(&mut self) {
        self.bytes = Box::from(&*self.bytes);
    }

    /// How many findings it holds.
    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The findings as they were packed. Decoding what this process encoded cannot fail short
    /// of a bug; if it did, the file would lose its findings, so debug builds stop instead.
    pub fn unpack(self, path: &Arc<str>, table: &[Arc<str>]) -> Vec<Diagnostic> {
        let text = |n: u32| table.get(n as usize).cloned();
        let decoded: Option<Vec<In>> = in_file::decode(path, &self.bytes);
        debug_assert!(decoded.is_some(), "packed findings of {path} decode");
        decoded
            .unwrap_or_default()
            .into_iter()
            .map(|d| Diagnostic {
                rule: text(d.rule).unwrap_or_else(|| Arc::from("")),
                severity: d.severity,
                message: d.message,
                path: path.clone(),
                primary: d.primary,
                labels: d.labels,
                help: d.help.map(|h| match h {
                    HelpIn::Shared(n) => text(n).unwrap_or_else(|| Arc::from("")),
                    HelpIn::Text(t) => Arc::from(t),
                }),
            })
            .collect()
    }
}

/// Findings as a check makes them, one at a time, packed a run of one file's findings at a
/// time: the graph rules' 100,000 findings of a big project were as large as the graph they
/// were made beside. Without a [`Shared`] table (a focus run, whose findings are few) they are
/// kept as they are.
pub struct Sink<'s> {
    shared: Option<&'s Shared>,
    run: Vec<Diagnostic>,
    out: Vec<Segment>,
    count: usize,
}

/// A run of findings, in the order made: packed, or kept as they are (no table, or a finding
/// that points into another file).
#[derive(Debug)]
enum Segment {
    Packed(Arc<str>, Packed),
    Plain(Vec<Diagnostic>),
}

/// How many findings of one file are packed together at most.
const RUN: usize = 256;

impl<'s> Sink<'s> {
    pub fn new(shared: Option<&'s Shared>) -> Sink<'s> {
        Sink {
            shared,
            run: Vec::new(),
            out: Vec::new(),
            count: 0,
        }
    }

    pub fn push(&mut self, d: Diagnostic) {
        self.count += 1;
        if self.shared.is_none() {
            match self.out.last_mut() {
                Some(Segment::Plain(last)) => last.push(d),
                _ => self.out.push(Segment::Plain(vec![d])),
            }
            return;
        }
        if self.run.len() >= RUN || self.run.first().is_some_and(|f| f.path != d.path) {
            self.flush();
        }
        self.run.push(d);
    }

    fn plain(&mut self, list: Vec<Diagnostic>) {
        match self.out.last_mut() {
            Some(Segment::Plain(last)) => last.extend(list),
            _ => self.out.push(Segment::Plain(list)),
        }
    }

    fn flush(&mut self) {
        let Some(first) = self.run.first() else {
            return;
        };
        let path = first.path.clone();
        match self.shared.and_then(|s| Packed::pack(&path, &self.run, s)) {
            Some(p) => {
                // the buffer is kept for the next run
                self.run.clear();
                self.out.push(Segment::Packed(path, p));
            }
            None => {
                let list = std::mem::take(&mut self.run);
                self.plain(list);
            }
        }
    }

    pub fn finish(mut self) -> Findings {
        self.flush();
        Findings {
            segments: self.out,
            count: self.count,
        }
    }
}

/// What a [`Sink`] was given, in order.
#[derive(Debug)]
pub struct Findings {
    segments: Vec<Segment>,
    count: usize,
}

impl Findings {
    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Appends the findings, in the order they were made, to `out`; `table` is the run's
    /// [`Shared::table`], taken after the last finding was packed.
    pub fn unpack_into(self, out: &mut Vec<Diagnostic>, table: &[Arc<str>]) {
        for s in self.segments {
            match s {
                Segment::Packed(path, p) => out.extend(p.unpack(&path, table)),
                Segment::Plain(list) => out.extend(list),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{Encoding, SourceFile, Span};

    fn round_trip(path: &Arc<str>, list: &[Diagnostic], shared: &Shared) -> Vec<Diagnostic> {
        let packed = Packed::pack(path, list, shared).expect("findings pack");
        assert_eq!(packed.len(), list.len());
        packed.unpack(path, &shared.table())
    }

    /// Every demo file's findings come back as they were packed, through one table shared by
    /// all files (as in a run).
    #[test]
    fn demo_findings_unpack_to_what_was_packed() {
        let (_, reports) = crate::pipeline::demo_reports();
        let shared = Shared::default();
        let mut packed = 0;
        for r in reports.iter().filter(|r| !r.diagnostics.is_empty()) {
            packed += r.diagnostics.len();
            let back = round_trip(&r.display, &r.diagnostics, &shared);
            assert_eq!(back, r.diagnostics, "{}", r.display);
        }
        assert!(packed >= 10, "only {packed} demo findings");
    }

    fn finding(path: &Arc<str>, file: &SourceFile, help: Option<Arc<str>>) -> Diagnostic {
        let mut d = Diagnostic::new("some-rule", Severity::Warning, path, "a message").with_label(
            file,
            Span::new(2, 5),
            "a label",
        );
        d.primary = Some(Location::new(file, path, Span::new(0, 1)));
        d.help = help;
        d
    }

    /// A help text made for one finding is written out, the rule's numbered; both come back.
    #[test]
    fn help_texts_of_either_kind_come_back() {
        let path: Arc<str> = Arc::from("a.yaml");
        let file = SourceFile::new("a.yaml".into(), "a: b\nc: d\n".into(), Encoding::Utf8);
        let rules_help: Arc<str> = Arc::from("the rule's help");
        let list = vec![
            finding(&path, &file, Some(rules_help.clone())),
            finding(
                &path,
                &file,
                Some(Arc::from(format!("did you mean `{}`?", "x"))),
            ),
            finding(&path, &file, None),
            finding(&path, &file, Some(rules_help.clone())),
        ];
        let shared = Shared::default();
        assert_eq!(round_trip(&path, &list, &shared), list);
        // the rule id and the rule's help; not the suggestion
        assert_eq!(shared.table().len(), 2);
    }

    /// A finding about another file, or with a label in one, cannot lose its path: the file's
    /// findings stay as they are.
    #[test]
    fn findings_pointing_elsewhere_are_not_packed() {
        let path: Arc<str> = Arc::from("a.yaml");
        let other: Arc<str> = Arc::from("b.yaml");
        let file = SourceFile::new("a.yaml".into(), "a: b\nc: d\n".into(), Encoding::Utf8);
        let shared = Shared::default();
        let mut label_elsewhere = finding(&path, &file, None);
        label_elsewhere.labels[0].location.path = other.clone();
        assert!(Packed::pack(&path, &[label_elsewhere], &shared).is_none());
        let about_other = finding(&other, &file, None);
        assert!(Packed::pack(&path, &[about_other], &shared).is_none());
        assert!(Packed::pack(&path, &[], &shared).is_none());
    }

    /// A sink gives back what it was given, in order, whether it packed runs of one file's
    /// findings, kept one that points elsewhere, or had no table.
    #[test]
    fn a_sink_keeps_the_order_it_was_given() {
        let a: Arc<str> = Arc::from("a.yaml");
        let b: Arc<str> = Arc::from("b.yaml");
        let fa = SourceFile::new("a.yaml".into(), "a: b\nc: d\n".into(), Encoding::Utf8);
        let fb = SourceFile::new("b.yaml".into(), "a: b\nc: d\n".into(), Encoding::Utf8);
        let mut elsewhere = finding(&a, &fa, None);
        elsewhere.labels[0].location.path = b.clone();
        let mut list = vec![finding(&a, &fa, None), finding(&a, &fa, None)];
        list.push(finding(&b, &fb, None));
        list.push(elsewhere);
        list.push(finding(&a, &fa, None));
        list.extend((0..RUN + 3).map(|_| finding(&b, &fb, None)));
        for (i, d) in list.iter_mut().enumerate() {
            d.message = format!("finding {i}");
        }
        let shared = Shared::default();
        for table in [Some(&shared), None] {
            let mut sink = Sink::new(table);
            for d in &list {
                sink.push(d.clone());
            }
            let findings = sink.finish();
            assert_eq!(findings.len(), list.len());
            let mut back = Vec::new();
            findings.unpack_into(&mut back, &shared.table());
            assert_eq!(back, list);
        }
    }
}
