//! Predicates: the `assert`, `when` and kind `match` clauses of rule packs, compiled once and
//! evaluated over a document with three-valued logic.
//!
//! Why three values: an HCL expression such as `multi_az = var.multi_az` has no value until
//! Terraform runs. A rule must not report it as if it were `false`, nor pass it as if it were
//! `true`; it is *unknown*, `not unknown` is unknown, and only a definite `false` is a finding.
//!
//! Every outcome carries the node that decided it, so a finding points at the offending value,
//! or, when a key is missing, at the deepest part of the path that does exist.

use regex::Regex;

use super::path::Path;
use crate::model::{Doc, NodeId, Value};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tri {
    True,
    False,
    Unknown,
}

impl Tri {
    fn from_bool(b: bool) -> Tri {
        if b {
            Tri::True
        } else {
            Tri::False
        }
    }

    fn not(self) -> Tri {
        match self {
            Tri::True => Tri::False,
            Tri::False => Tri::True,
            Tri::Unknown => Tri::Unknown,
        }
    }
}

/// A literal in a rule file.
#[derive(Clone, Debug, PartialEq)]
pub enum Scalar {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
}

impl Scalar {
    pub fn from_json(v: &serde_json::Value) -> Option<Scalar> {
        Some(match v {
            serde_json::Value::Null => Scalar::Null,
            serde_json::Value::Bool(b) => Scalar::Bool(*b),
            serde_json::Value::Number(n) => Scalar::Num(n.as_f64()?),
            serde_json::Value::String(s) => Scalar::Str(s.clone()),
            _ => return None,
        })
    }

    pub fn text(&self) -> String {
        match self {
            Scalar::Null => "null".into(),
            Scalar::Bool(b) => b.to_string(),
            Scalar::Num(n) => fmt_num(*n),
            Scalar::Str(s) => s.clone(),
        }
    }
}

fn fmt_num(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cmp {
    Eq,
    Gt,
    Gte,
    Lt,
    Lte,
}

impl Cmp {
    pub fn holds(self, a: f64, b: f64) -> bool {
        match self {
            Cmp::Eq => a == b,
            Cmp::Gt => a > b,
            Cmp::Gte => a >= b,
            Cmp::Lt => a < b,
            Cmp::Lte => a <= b,
        }
    }
}

pub type Bounds = Vec<(Cmp, f64)>;

fn within(bounds: &Bounds, n: f64) -> bool {
    bounds.iter().all(|(c, b)| c.holds(n, *b))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TypeName {
    String,
    Number,
    Bool,
    Null,
    Sequence,
    Mapping,
    Expression,
}

#[derive(Debug, Clone)]
pub enum Check {
    Exists(bool),
    Equals(Scalar),
    OneOf(Vec<Scalar>),
    Regex(Regex),
    Compare(Bounds),
    Length(Bounds),
    Count(Bounds),
    Distinct { key: Vec<Extractor>, bounds: Bounds },
    Type(TypeName),
}

/// One way to name an item for `distinct`: read `path` from the item (default: the item),
/// or its mapping key with `use_key`; if `of` is given it must match (its first group, else its
/// whole match, is the name) and `value` replaces the name when given. The first extractor that
/// yields a name wins, so a list reads as "self-hosted if api_base is private, else the model's
/// prefix, else openai".
#[derive(Debug, Clone)]
pub struct Extractor {
    pub path: Option<Path>,
    pub use_key: bool,
    pub of: Option<Regex>,
    pub value: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Test {
    /// Nodes to test: the union of these paths, in order (empty: the current node).
    pub paths: Vec<Path>,
    pub default: Option<Scalar>,
    pub check: Check,
}

#[derive(Debug, Clone)]
pub enum Predicate {
    All(Vec<Predicate>),
    Any(Vec<Predicate>),
    Not(Box<Predicate>),
    Test(Test),
}

/// The node an outcome is about: the offending (or witnessing) node, or the deepest existing
/// node on the way to a missing one.
#[derive(Clone, Debug, PartialEq)]
pub enum Blame {
    Node(NodeId),
    Missing { anchor: NodeId, path: String },
}

#[derive(Clone, Debug)]
pub struct Outcome {
    pub tri: Tri,
    pub blame: Option<Blame>,
    /// The value shown as `{value}` in messages.
    pub value: Option<String>,
}

impl Outcome {
    fn new(tri: Tri, blame: Option<Blame>, value: Option<String>) -> Outcome {
        Outcome { tri, blame, value }
    }
}

pub struct Ctx<'a> {
    pub doc: &'a Doc,
    pub root: NodeId,
}

impl Predicate {
    pub fn eval(&self, cx: &Ctx<'_>, focus: NodeId) -> Outcome {
        match self {
            Predicate::All(ps) => {
                let mut unknown = None;
                let mut first = None;
                for p in ps {
                    let o = p.eval(cx, focus);
                    match o.tri {
                        Tri::False => return o,
                        Tri::Unknown => {
                            unknown.get_or_insert(o);
                        }
                        Tri::True => {
                            first.get_or_insert(o);
                        }
                    }
                }
                unknown
                    .or(first)
                    .unwrap_or(Outcome::new(Tri::True, None, None))
            }
            Predicate::Any(ps) => {
                let mut unknown = None;
                let mut last = None;
                for p in ps {
                    let o = p.eval(cx, focus);
                    match o.tri {
                        Tri::True => return o,
                        Tri::Unknown => {
                            unknown.get_or_insert(o);
                        }
                        Tri::False => last = Some(o),
                    }
                }
                // No single node explains why none held: the finding points at the subject.
                let _ = last;
                unknown.unwrap_or(Outcome::new(Tri::False, None, None))
            }
            Predicate::Not(p) => {
                let mut o = p.eval(cx, focus);
                o.tri = o.tri.not();
                o
            }
            Predicate::Test(t) => t.eval(cx, focus),
        }
    }
}

impl Test {
    fn eval(&self, cx: &Ctx<'_>, focus: NodeId) -> Outcome {
        let doc = cx.doc;
        let selected = if self.paths.is_empty() {
            vec![doc.resolve(focus)]
        } else {
            let mut all = Vec::new();
            for p in &self.paths {
                for n in p.select(doc, cx.root, focus) {
                    if !all.contains(&n) {
                        all.push(n);
                    }
                }
            }
            all
        };
        let missing = || self.missing(cx, focus);
        match &self.check {
            Check::Exists(want) => {
                let exists = !selected.is_empty();
                let blame = match selected.first() {
                    Some(&n) => Some(Blame::Node(n)),
                    None => Some(missing()),
                };
                let value = selected.first().and_then(|&n| text(doc, n));
                Outcome::new(Tri::from_bool(exists == *want), blame, value)
            }
            Check::Count(bounds) => Outcome::new(
                Tri::from_bool(within(bounds, selected.len() as f64)),
                Some(selected.first().map_or_else(missing, |&n| Blame::Node(n))),
                Some(selected.len().to_string()),
            ),
            Check::Distinct { key, bounds } => {
                let mut values: Vec<String> = Vec::new();
                let mut first = None;
                for &n in &selected {
                    let name = if key.is_empty() {
                        if matches!(doc.value(n), Value::Expr(_)) {
                            return Outcome::new(Tri::Unknown, Some(Blame::Node(n)), None);
                        }
                        text(doc, n).map(|t| (t, n))
                    } else {
                        match extract(cx, key, n) {
                            Err(unknown) => {
                                return Outcome::new(Tri::Unknown, Some(Blame::Node(unknown)), None)
                            }
                            Ok(v) => v,
                        }
                    };
                    if let Some((name, at)) = name {
                        first.get_or_insert(at);
                        if !values.contains(&name) {
                            values.push(name);
                        }
                    }
                }
                Outcome::new(
                    Tri::from_bool(within(bounds, values.len() as f64)),
                    first.map(Blame::Node),
                    Some(values.join(", ")),
                )
            }
            _ => {
                if selected.is_empty() {
                    return match &self.default {
                        Some(d) => Outcome::new(
                            Tri::from_bool(self.check_scalar(d)),
                            Some(missing()),
                            Some(d.text()),
                        ),
                        None => Outcome::new(Tri::False, Some(missing()), None),
                    };
                }
                let mut unknown = None;
                for &n in &selected {
                    match self.check_node(doc, n) {
                        Tri::False => {
                            return Outcome::new(Tri::False, Some(Blame::Node(n)), text(doc, n))
                        }
                        Tri::Unknown => {
                            unknown.get_or_insert(n);
                        }
                        Tri::True => {}
                    }
                }
                match unknown {
                    Some(n) => Outcome::new(Tri::Unknown, Some(Blame::Node(n)), text(doc, n)),
                    None => Outcome::new(
                        Tri::True,
                        Some(Blame::Node(selected[0])),
                        text(doc, selected[0]),
                    ),
                }
            }
        }
    }

    /// Where a path that selected nothing stops existing.
    fn missing(&self, cx: &Ctx<'_>, focus: NodeId) -> Blame {
        let Some(p) = self.paths.first() else {
            return Blame::Node(focus);
        };
        for n in (0..p.len()).rev() {
            if let Some(&anchor) = p.select_prefix(n, cx.doc, cx.root, focus).first() {
                return Blame::Missing {
                    anchor,
                    path: p.as_str().to_string(),
                };
            }
        }
        Blame::Missing {
            anchor: focus,
            path: p.as_str().to_string(),
        }
    }

    fn check_node(&self, doc: &Doc, n: NodeId) -> Tri {
        let n = doc.resolve(n);
        let value = doc.value(n);
        if let Check::Type(t) = &self.check {
            let actual = match value {
                Value::Str(_) => TypeName::String,
                Value::Int(_) | Value::Float(_) => TypeName::Number,
                Value::Bool(_) => TypeName::Bool,
                Value::Null => TypeName::Null,
                Value::Seq(_) => TypeName::Sequence,
                Value::Map(_) => TypeName::Mapping,
                Value::Expr(_) => TypeName::Expression,
                Value::Alias(_) => return Tri::Unknown,
            };
            return Tri::from_bool(actual == *t);
        }
        if matches!(value, Value::Expr(_)) {
            return Tri::Unknown;
        }
        if let Check::Length(bounds) = &self.check {
            let len = match value {
                Value::Str(s) => s.chars().count(),
                Value::Seq(items) => items.len(),
                Value::Map(_) => doc.entries(n).len(),
                _ => return Tri::False,
            };
            return Tri::from_bool(within(bounds, len as f64));
        }
        let scalar = match value {
            Value::Null => Scalar::Null,
            Value::Bool(b) => Scalar::Bool(*b),
            Value::Int(i) => Scalar::Num(*i as f64),
            Value::Float(f) => Scalar::Num(*f),
            Value::Str(s) => Scalar::Str(s.to_string()),
            _ => return Tri::False,
        };
        Tri::from_bool(self.check_scalar(&scalar))
    }

    fn check_scalar(&self, s: &Scalar) -> bool {
        match &self.check {
            Check::Equals(want) => s == want,
            Check::OneOf(options) => options.contains(s),
            Check::Regex(re) => !matches!(s, Scalar::Null) && re.is_match(&s.text()),
            Check::Compare(bounds) => match s {
                Scalar::Num(n) => within(bounds, *n),
                _ => false,
            },
            Check::Length(bounds) => match s {
                Scalar::Str(t) => within(bounds, t.chars().count() as f64),
                _ => false,
            },
            Check::Type(t) => matches!(
                (t, s),
                (TypeName::String, Scalar::Str(_))
                    | (TypeName::Number, Scalar::Num(_))
                    | (TypeName::Bool, Scalar::Bool(_))
                    | (TypeName::Null, Scalar::Null)
            ),
            Check::Exists(_) | Check::Count(_) | Check::Distinct { .. } => false,
        }
    }
}

/// The text of a scalar node as shown in messages; `None` for collections.
pub fn text(doc: &Doc, n: NodeId) -> Option<String> {
    let n = doc.resolve(n);
    match doc.value(n) {
        Value::Float(f) => Some(fmt_num(*f)),
        Value::Seq(_) | Value::Map(_) | Value::Expr(_) | Value::Alias(_) => None,
        _ => doc.scalar_text(n).map(|c| c.into_owned()),
    }
}

/// The name `extractors` give `item`, with the node it came from; `Err` with the node when an
/// extractor reads an unknown value (an expression).
fn extract(
    cx: &Ctx<'_>,
    extractors: &[Extractor],
    item: NodeId,
) -> Result<Option<(String, NodeId)>, NodeId> {
    let doc = cx.doc;
    for ex in extractors {
        let nodes = match &ex.path {
            Some(p) => p.select(doc, cx.root, item),
            None => vec![item],
        };
        for n in nodes {
            let (source, at) = if ex.use_key {
                match key_of(doc, n) {
                    Some(k) => (k, k),
                    None => (n, n),
                }
            } else {
                (n, n)
            };
            if matches!(doc.value(doc.resolve(source)), Value::Expr(_)) {
                return Err(source);
            }
            let Some(t) = text(doc, source) else { continue };
            let name = match &ex.of {
                None => Some(t),
                Some(re) => super::load::capture(re, &t).map(str::to_string),
            };
            if let Some(name) = name {
                return Ok(Some((ex.value.clone().unwrap_or(name), at)));
            }
        }
        if ex.path.is_none() && ex.of.is_none() {
            if let Some(v) = &ex.value {
                return Ok(Some((v.clone(), item)));
            }
        }
    }
    Ok(None)
}

/// The key node under which `n` sits in its parent mapping.
pub fn key_of(doc: &Doc, n: NodeId) -> Option<NodeId> {
    let parent = doc.parent(n)?;
    match doc.value(parent) {
        Value::Map(entries) => entries.iter().find(|&&(_, v)| v == n).map(|&(k, _)| k),
        _ => None,
    }
}
